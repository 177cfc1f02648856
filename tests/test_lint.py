"""The validator's warnings: each one exact, with file:line:col, and silent where the rule is right."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qualscore
from conftest import ROOT, item_yaml, run_cli, write_ruleset
from qualscore.language.ranges import Span, value_span
from qualscore.linting.acknowledged import review
from qualscore.ruleset.formula import Type, compile_formula
from qualscore.ruleset.model import Band, TiersShape
from qualscore.scoring.shapes.tiers import findings as tier_findings

RUGAO = ROOT / "rules" / "rugao-2018"

RATE = "- {key: rate, type: percent, label: Rate}"
COUNT = "- {key: n, type: count, label: N}"
DONE = "- {key: done, type: bool, label: Done}"


def warnings(
    tmp_path: Path, facts: str, items: str, *, points: int = 2, **kwargs: str
) -> list[str]:
    """The warnings of a one-category rule set (``points`` in its category), as printed,
    with its folder shown as 'r'."""
    root = write_ruleset(tmp_path, facts, items, points=points, **kwargs)
    return [str(w).replace(str(root), "r") for w in qualscore.lint(qualscore.load_rules(root))]


def tiers(bands: str, *, value: str = "rate", points: int = 2, extra: str = "") -> str:
    """One tiers item (its bands start at line 14 of categories/1.yaml)."""
    score = f"kind: tiers\nvalue: {value}\nbands:\n{bands}{extra}"
    return item_yaml(score, points=points)


# --- the shipped rule sets ---------------------------------------------------------------


def test_rugao_prints_exactly_the_five_known_inconsistencies() -> None:
    """rugao-2018 gives the source's five inconsistencies, each acknowledged by its code, and no
    warning from the newer rules."""
    rugao = qualscore.load_rules(RUGAO)
    found = [(a.warning.node, a.code, a.warning.message) for a in review(rugao).acknowledged]
    assert found == [
        ("category 质量宏观管理", "children-over", "its children add to 26, more than its declared 23 points; the cap of 23 binds"),
        ("indicator 13", "children-over", "its items add to 6, more than its declared 5 points; the cap of 5 binds"),
        ("item 13.4", "nothing-done", "awards 0.25 of 1 when every condition it reads is false"),
        ("category 质量结果", "children-under", "its children add to 32, less than its declared 36 points; 4 points can never be earned"),
        ("item 19.1", "band-order", "band 85%（含85%）—90% awards 1, as much as the band above it (90%（含90%）以上, 1)"),
    ]
    assert qualscore.lint(rugao) == []


@pytest.mark.parametrize("folder", ["rules/rugao-2018-towns", "tests/fixtures/mini"])
def test_other_shipped_rule_sets_have_no_warning(folder: str) -> None:
    """The town targets and the mini fixture stay clean: counts per unit and targets of 0 are not flagged."""
    assert qualscore.lint(qualscore.load_rules(ROOT / folder)) == []


def test_demo_formula_that_relies_on_the_clamp_is_reported() -> None:
    """The demo's item 8, (rate - 60) / 30 × 5, is shown leaving [0, 5] at the ends of the percent range."""
    demo = qualscore.load_rules(ROOT / "examples" / "demo")
    found = [(w.node, w.message) for w in qualscore.lint(demo)]
    assert found[1] == (
        "item 8",
        "its formula gives -10 at literacy_rate = 0, below 0, and ≈ 6.6667 at literacy_rate = 100, "
        "more than its 5 points; the score is clamped to [0, 5]",
    )
    assert len(found) == 2


# --- tier tables ----------------------------------------------------------------------------


def test_gap_between_bands(tmp_path: Path) -> None:
    """89.99 and 90 leave 89.995 in no band: it scores the otherwise, and the message says so."""
    bands = "  - {at_least: 90, points: 2}\n  - {at_least: 85, at_most: 89.99, points: 1}\n"
    assert warnings(tmp_path, RATE, tiers(bands)) == [
        "r/categories/1.yaml:14:9: warning: item 1: gap: rate = 89.995 falls in no band "
        "(between bands ≥ 85, ≤ 89.99 and ≥ 90) and scores the otherwise, 0"
    ]


def test_adjacent_bands_have_no_gap(tmp_path: Path) -> None:
    """`at_least: 90, below: 95` then `at_least: 95` leave no value out and share none."""
    bands = "  - {at_least: 95, points: 2}\n  - {at_least: 90, below: 95, points: 1}\n"
    assert warnings(tmp_path, RATE, tiers(bands)) == []


def test_no_gap_between_whole_numbers(tmp_path: Path) -> None:
    """For a count, "below 1" and "at least 1" meet: nothing lies between 0 and 1."""
    bands = "  - {at_least: 1, points: 2}\n  - {below: 1, points: 1}\n"
    assert warnings(tmp_path, COUNT, tiers(bands, value="n")) == []


def test_gap_at_a_whole_number(tmp_path: Path) -> None:
    """For a count, "at most 0" and "above 1" leave 1 in no band."""
    bands = "  - {above: 1, points: 2}\n  - {at_most: 0, points: 1}\n"
    assert warnings(tmp_path, COUNT, tiers(bands, value="n")) == [
        "r/categories/1.yaml:14:9: warning: item 1: gap: n = 1 falls in no band "
        "(between bands ≤ 0 and > 1) and scores the otherwise, 0"
    ]


def test_gap_beyond_the_best_band(tmp_path: Path) -> None:
    """A top band `below: 100` leaves a percent of exactly 100 with the otherwise."""
    bands = "  - {at_least: 90, below: 100, points: 2}\n  - {at_least: 80, below: 90, points: 1}\n"
    assert warnings(tmp_path, RATE, tiers(bands)) == [
        "r/categories/1.yaml:14:9: warning: item 1: gap: rate = 100 falls in no band "
        "(beyond the best band, ≥ 90, < 100) and scores the otherwise, 0"
    ]


def test_values_below_the_worst_band_are_the_otherwise_by_design(tmp_path: Path) -> None:
    """With `better: lower`, values above the worst band are the otherwise; the best band reaches 0."""
    bands = "  - {at_most: 2, points: 2}\n  - {above: 2, below: 10, points: 1}\n"
    extra = "better: lower\n"
    assert warnings(tmp_path, RATE, tiers(bands, extra=extra)) == []


def test_overlapping_bands(tmp_path: Path) -> None:
    """A band that shares values with an earlier one is shown with a value both hold."""
    bands = "  - {at_least: 90, points: 2}\n  - {at_least: 80, points: 1}\n"
    assert warnings(tmp_path, RATE, tiers(bands)) == [
        "r/categories/1.yaml:15:11: warning: item 1: band ≥ 80 overlaps an earlier band: "
        "rate = 95 falls in both, and the earlier one (≥ 90) counts"
    ]


def test_band_outside_the_declared_range(tmp_path: Path) -> None:
    """A percent never reaches 101: that band can never be reached."""
    bands = "  - {at_least: 101, points: 2}\n  - {at_least: 90, below: 101, points: 1}\n"
    assert warnings(tmp_path, RATE, tiers(bands)) == [
        "r/categories/1.yaml:14:11: warning: item 1: band ≥ 101 can never be reached: "
        "rate is a number from 0 to 100"
    ]


def test_band_holding_no_whole_number(tmp_path: Path) -> None:
    """A count is never strictly between 0 and 1."""
    bands = "  - {at_least: 1, points: 2}\n  - {above: 0, below: 1, points: 1}\n"
    assert warnings(tmp_path, COUNT, tiers(bands, value="n")) == [
        "r/categories/1.yaml:15:11: warning: item 1: band > 0, < 1 can never be reached: "
        "n is a whole number of at least 0"
    ]


def test_band_shadowed_by_an_earlier_band(tmp_path: Path) -> None:
    """A band every value of which an earlier band already holds can never be reached."""
    bands = "  - {at_least: 80, points: 2}\n  - {at_least: 85, below: 90, points: 1}\n"
    assert warnings(tmp_path, RATE, tiers(bands)) == [
        "r/categories/1.yaml:15:11: warning: item 1: band ≥ 85, < 90 can never be reached: "
        "every value in it falls in an earlier band (≥ 80)"
    ]


def test_tier_value_read_where_the_item_applies(tmp_path: Path) -> None:
    """A ratio under `not_applicable: n == 0` is read only for n >= 1: no false gap or unreachable band."""
    facts = f"{COUNT}\n- {{key: k, type: count, label: K}}"
    bands = "  - {at_least: 3, points: 2}\n  - {at_least: 1, below: 3, points: 1}\n"
    item = item_yaml(
        f"kind: tiers\nvalue: k / n * 100\nlabel: share\nbands:\n{bands}",
        points=2,
        extra="not_applicable: {when: n == 0, reason: none}",
    )
    assert warnings(tmp_path, facts, item) == []


# --- formulas ---------------------------------------------------------------------------------


def test_formula_exceeding_its_points_over_the_declared_range(tmp_path: Path) -> None:
    """rate / 10 reaches 10 at a percent of 100, more than the item's 1 point."""
    item = item_yaml("kind: formula\nexpr: rate / 10", points=1)
    assert warnings(tmp_path, RATE, item, points=1) == [
        "r/categories/1.yaml:12:13: warning: item 1: its formula gives 10 at rate = 100, more "
        "than its 1 point; the score is clamped to [0, 1]"
    ]


def test_formula_capped_by_itself_is_quiet(tmp_path: Path) -> None:
    """min(2, rate / 45 * 2) and a floor at 30 keep the formula within [0, 2]."""
    item = item_yaml("kind: formula\nexpr: 0 if rate < 30 else min(2, rate / 45 * 2)", points=2)
    assert warnings(tmp_path, RATE, item) == []


def test_formula_going_below_zero(tmp_path: Path) -> None:
    """rate - 50 is -50 at a percent of 0."""
    item = item_yaml("kind: formula\nexpr: (rate - 50) / 10", points=5)
    assert warnings(tmp_path, RATE, item, points=5) == [
        "r/categories/1.yaml:12:13: warning: item 1: its formula gives -5 at rate = 0, below 0; "
        "the score is clamped to [0, 5]"
    ]


def test_formula_per_unit_of_an_unbounded_count_is_quiet(tmp_path: Path) -> None:
    """n / 10 has no declared maximum to exceed at: a per-unit score capped by points, like `each`."""
    item = item_yaml("kind: formula\nexpr: n / 10", points=1)
    assert warnings(tmp_path, COUNT, item, points=1) == []


def test_formula_range_respects_the_checks(tmp_path: Path) -> None:
    """a - b is never below 0 when a check says b <= a; without the check it is."""
    facts = "- {key: a, type: count, label: A, max: 10}\n- {key: b, type: count, label: B, max: 10}"
    item = item_yaml("kind: formula\nexpr: a - b", points=10)
    checks = "- {when: b <= a, message: b over a}"
    assert warnings(tmp_path, facts, item, points=10, checks_yaml=checks) == []
    assert warnings(tmp_path, facts, item, points=10) == [
        "r/categories/1.yaml:12:13: warning: item 1: its formula gives -10 at a = 0, b = 10, "
        "below 0; the score is clamped to [0, 10]"
    ]


def test_formula_extreme_is_the_highest_value_that_passes_the_checks(tmp_path: Path) -> None:
    """a + b reaches 20 at a = b = 10, but a check keeps it to 12: the highest candidate
    passing the check, 11, is the one shown, at the first facts that give it."""
    facts = "- {key: a, type: count, label: A, max: 10}\n- {key: b, type: count, label: B, max: 10}"
    item = item_yaml("kind: formula\nexpr: a + b", points=5)
    checks = "- {when: a + b <= 12, message: too many}"
    assert warnings(tmp_path, facts, item, points=5, checks_yaml=checks) == [
        "r/categories/1.yaml:12:13: warning: item 1: its formula gives 11 at a = 1, b = 10, "
        "more than its 5 points; the score is clamped to [0, 5]"
    ]


def test_formula_whose_every_candidate_fails_a_check_is_quiet(tmp_path: Path) -> None:
    """No candidate passes a check that no value can pass: nothing is confirmed, nothing shown."""
    item = item_yaml("kind: formula\nexpr: rate / 10", points=1)
    checks = "- {when: rate > 100, message: never}"
    assert warnings(tmp_path, RATE, item, points=1, checks_yaml=checks) == []


def _check_verdicts(tmp_path: Path, checks: int, items: int) -> int:
    """How many times lint evaluates a check on a rule set of ``checks`` checks on the
    facts that ``items`` formula items (each leaving [0, points]) read."""
    from unittest import mock

    from qualscore.ruleset.formula import Formula

    facts = "\n".join(f"- {{key: f{i}, type: percent, label: F{i}}}" for i in range(5))
    expr = "f0 / 20 - 2 + min(f1, 3) / 7 - min(f2, 5) / 11 + min(f3, 13) / 17 - min(f4, 19) / 23"
    body = "".join(
        item_yaml(f"kind: formula\nexpr: {expr} + {k + 3}", item_id=str(k + 1), points=1)
        for k in range(items)
    )
    rules = "\n".join(
        f"- {{when: 'f{k % 5} + f{(k + 1) % 5} <= {150 + k}', message: c{k}}}"
        for k in range(checks)
    )
    root = write_ruleset(tmp_path, facts, body, points=items, checks_yaml=rules)
    ruleset = qualscore.load_rules(root)
    mine = {id(c.when) for c in ruleset.checks.checks}
    calls = 0
    evaluate = Formula.evaluate

    def counted(self: Formula, values: object) -> object:
        nonlocal calls
        calls += id(self) in mine
        return evaluate(self, values)  # type: ignore[arg-type]

    with mock.patch.object(Formula, "evaluate", counted):
        found = qualscore.lint(ruleset)
    assert sum("its formula gives" in w.message for w in found) == items
    return calls


def test_checks_cost_lint_work_linear_in_checks_and_items(tmp_path: Path) -> None:
    """Thousands of checks do not make lint try each one on each of the 4,096 candidate
    facts of each formula item: a check is evaluated a few times per item at most, and
    doubling the checks or the items at most doubles the work (it took 20 s an item)."""
    base = _check_verdicts(tmp_path, checks=40, items=2)
    assert 0 < base <= 40 * 2 * 32  # trying every candidate was 40 * 2 * 4,096
    assert _check_verdicts(tmp_path, checks=80, items=2) <= 2.5 * base
    assert _check_verdicts(tmp_path, checks=40, items=4) <= 2.5 * base


def test_formula_read_only_where_the_item_applies(tmp_path: Path) -> None:
    """min(1, k / n) with `not_applicable: n == 0` neither fails nor warns."""
    facts = f"{COUNT}\n- {{key: k, type: count, label: K}}"
    item = item_yaml(
        "kind: formula\nexpr: min(1, k / n)", points=1,
        extra="not_applicable: {when: n == 0, reason: none}",
    )
    assert warnings(tmp_path, facts, item, points=1) == []


# --- nothing done -------------------------------------------------------------------------------


def test_bool_item_awarding_when_nothing_is_done(tmp_path: Path) -> None:
    """Deductions that cannot use up the points leave something when every condition is false."""
    item = item_yaml(
        "kind: deductions\nsteps:\n  - {unless: done, points: 0.5}", points=1
    )
    assert warnings(tmp_path, DONE, item, points=1) == [
        "r/categories/1.yaml:5:5: warning: item 1: awards 0.5 of 1 when every condition it reads is false"
    ]


def test_number_condition_true_at_zero(tmp_path: Path) -> None:
    """`n >= 0` holds for every count: with every fact false or 0 the item still awards."""
    item = item_yaml("kind: parts\nparts:\n  - {label: a, when: done or n >= 0, points: 2}", points=2)
    assert warnings(tmp_path, f"{DONE}\n{COUNT}", item) == [
        "r/categories/1.yaml:5:5: warning: item 1: awards 2 of 2 when every fact it reads is false or 0"
    ]


def test_zero_is_the_good_case_for_a_rate_below_a_bound(tmp_path: Path) -> None:
    """An accident rate of 0 earns the point: raising it can lower the score, so 0 is its good case."""
    facts = "- {key: accidents, type: rate, label: Accident rate}"
    item = item_yaml("kind: parts\nparts:\n  - {label: low, when: accidents < 0.3, points: 1}", points=1)
    assert warnings(tmp_path, facts, item, points=1) == []


def test_zero_is_the_good_case_for_a_shortfall(tmp_path: Path) -> None:
    """A target of 0 is met by 0: raising the target from 0 lowers the score."""
    facts = "- {key: got, type: count, label: Got}\n- {key: goal, type: count, label: Goal}"
    item = item_yaml("kind: deductions\nsteps:\n  - {per: goal - got, points: 0.5}", points=1)
    assert warnings(tmp_path, facts, item, points=1) == []


def test_penalty_only_deductions_are_quiet(tmp_path: Path) -> None:
    """A deduction-only item with `when:` penalties is at its best when nothing happened."""
    facts = "- {key: incident, type: bool, label: Incident}"
    item = item_yaml("kind: deductions\nsteps:\n  - {when: incident, points: 1}", points=2)
    assert warnings(tmp_path, facts, item) == []


def test_an_otherwise_written_down_is_not_an_accident(tmp_path: Path) -> None:
    """`otherwise: 0.5` is the scheme's own award for the worst outcome, as in rugao's item 18."""
    bands = "  - {at_least: 8, points: 2}\n  - {at_least: 4, below: 8, points: 1}\n"
    item = tiers(bands, value="n", extra="otherwise: 0.5\n")
    assert warnings(tmp_path, COUNT, item) == []


# --- points at every level --------------------------------------------------------------------


def test_best_band_above_the_items_points(tmp_path: Path) -> None:
    """A band that awards 3 in a 2-point item is capped."""
    bands = "  - {at_least: 90, points: 3}\n  - {at_least: 80, below: 90, points: 1}\n"
    assert warnings(tmp_path, RATE, tiers(bands)) == [
        "r/categories/1.yaml:11:7: warning: item 1: its best band awards 3, more than its "
        "declared 2 points; the cap of 2 binds"
    ]


def test_best_case_below_the_items_points(tmp_path: Path) -> None:
    """Cases that award at most 1 of 2 points leave 1 point that can never be earned."""
    item = item_yaml("kind: cases\ncases:\n  - {when: done, points: 1}", points=2)
    assert warnings(tmp_path, DONE, item) == [
        "r/categories/1.yaml:11:7: warning: item 1: its best case awards 1, less than its "
        "declared 2 points; 1 point can never be earned"
    ]


def test_total_points_against_the_categories(tmp_path: Path) -> None:
    """total_points that the categories do not add up to is reported on ruleset.yaml."""
    item = item_yaml("kind: parts\nparts:\n  - {label: a, when: done, points: 2}", points=2)
    assert warnings(tmp_path, DONE, item, manifest_yaml="total_points: 100") == [
        "r/ruleset.yaml:6:15: warning: rule set: its categories declare 2 points, not the 100 of total_points"
    ]


def test_not_applicable_award_above_the_points(tmp_path: Path) -> None:
    """A not-applicable award above the item's points is capped."""
    item = item_yaml(
        "kind: parts\nparts:\n  - {label: a, when: done, points: 2}", points=2,
        extra="not_applicable: {when: n == 0, award: 3, reason: none}",
    )
    assert warnings(tmp_path, f"{DONE}\n{COUNT}", item) == [
        "r/categories/1.yaml:14:43: warning: item 1: not_applicable awards 3, more than its "
        "declared 2 points; the cap of 2 binds"
    ]


# --- facts --------------------------------------------------------------------------------------


def test_declared_fact_nothing_reads(tmp_path: Path) -> None:
    """A declared fact no item, bonus, veto or check reads is pointed at in facts.yaml."""
    item = item_yaml("kind: parts\nparts:\n  - {label: a, when: done, points: 2}", points=2)
    assert warnings(tmp_path, f"{DONE}\n{RATE}", item) == [
        "r/facts.yaml:3:5: warning: fact rate: declared but read by no item, bonus, veto or check"
    ]


def test_fact_read_only_by_a_check_or_a_veto_is_read(tmp_path: Path) -> None:
    """A check and a veto are readers too."""
    item = item_yaml("kind: parts\nparts:\n  - {label: a, when: done, points: 2}", points=2)
    veto = "vetoes:\n  - {id: v, title: V, when: bad, result: failed, criteria: c, departments: [D]}"
    facts = f"{DONE}\n{RATE}\n- {{key: bad, type: bool, label: Bad}}"
    found = warnings(
        tmp_path, facts, item, checks_yaml="- {when: rate >= 0, message: m}",
        manifest_yaml=veto,
    )
    assert found == []


def test_bool_compared_with_a_number_is_a_load_error(tmp_path: Path) -> None:
    """A fact read with the wrong type is refused when the rule set loads, not merely warned about."""
    item = item_yaml("kind: parts\nparts:\n  - {label: a, when: done > 5, points: 2}", points=2)
    root = write_ruleset(tmp_path, DONE, item, points=2)
    code, out, err = run_cli("validate", str(root))
    assert (code, out) == (2, "")
    assert err == (
        f"{root}/categories/1.yaml:13:28: items[0].score.parts[0].when: "
        "cannot compare a boolean with a number\n"
    )


# --- validate --strict --------------------------------------------------------------------------


def test_strict_makes_warnings_errors(tmp_path: Path) -> None:
    """--strict prints each warning as an error and exits 2."""
    item = item_yaml("kind: parts\nparts:\n  - {label: a, when: done, points: 2}", points=2)
    root = write_ruleset(tmp_path, f"{DONE}\n{RATE}", item, points=2)
    assert run_cli("validate", str(root))[0] == 0
    code, out, err = run_cli("validate", "--strict", str(root))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{root}/facts.yaml:3:5: error: fact rate: declared but read by no item, bonus, veto or check",
        f"{root}: 1 warning, errors under --strict",
    ]


def test_strict_passes_a_clean_rule_set() -> None:
    """--strict exits 0 when there is no warning."""
    code, out, err = run_cli("validate", "--strict", str(ROOT / "tests" / "fixtures" / "mini"))
    assert (code, err) == (0, "")
    assert out.endswith("ok: 4 items, 7 facts, 0 warnings\n")


def test_gap_at_the_best_end_when_lower_is_better(tmp_path: Path) -> None:
    """With `better: lower`, a best band `above: 0` leaves a rate of exactly 0 with the otherwise."""
    bands = "  - {above: 0, at_most: 2, points: 2}\n  - {above: 2, at_most: 5, points: 1}\n"
    assert warnings(tmp_path, RATE, tiers(bands, extra="better: lower\n")) == [
        "r/categories/1.yaml:14:9: warning: item 1: gap: rate = 0 falls in no band "
        "(beyond the best band, > 0, ≤ 2) and scores the otherwise, 0"
    ]


# --- the range analysis itself -------------------------------------------------------------------

FORMULAS = [
    "0 if rate < 30 else min(2, rate / 45 * 2)",
    "(rate - 60) / 30 * 5",
    "round_half_up(k * 1000 / n) - ceil(rate / 7)",
    "abs(rate - k) + floor(n / 3)",
    "max(rate, k) - min(n, 4) * 2 if n >= 2 else -k",
]


@settings(max_examples=200, deadline=None)
@given(
    rate=st.decimals(min_value=0, max_value=100, places=2),
    k=st.integers(min_value=0, max_value=500),
    n=st.integers(min_value=1, max_value=500),
    which=st.integers(min_value=0, max_value=len(FORMULAS) - 1),
)
def test_value_span_holds_every_value_the_engine_computes(rate: Decimal, k: int, n: int, which: int) -> None:
    """Interval arithmetic over-approximates: whatever the engine computes lies inside the span."""
    types: dict[str, Type] = {"rate": "number", "k": "number", "n": "number"}
    domains = {
        "rate": Span(Decimal(0), Decimal(100)),
        "k": Span(Decimal(0), whole=True),
        "n": Span(Decimal(1), whole=True),
    }
    source = FORMULAS[which]
    formula = compile_formula(source, types)
    value = formula.evaluate({"rate": rate, "k": Decimal(k), "n": Decimal(n)})
    assert isinstance(value, Decimal)
    span = value_span(formula.tree, domains)
    assert span.lo is None or value >= span.lo
    assert span.hi is None or value <= span.hi


@settings(max_examples=200, deadline=None)
@given(
    bounds=st.lists(
        st.tuples(
            st.sampled_from(["at_least", "above"]), st.integers(0, 12),
            st.sampled_from(["below", "at_most", None]), st.integers(0, 12),
        ),
        min_size=1, max_size=4,
    ),
    whole=st.booleans(),
)
def test_every_gap_reported_is_in_no_band(bounds: list[tuple[str, int, str | None, int]], whole: bool) -> None:
    """A gap's value lies in the fact's range and in no band: the band table really misses it."""
    bands = []
    for low_key, low, high_key, width in bounds:
        band: dict[str, object] = {low_key: low, "points": 1}
        if high_key is not None:
            band[high_key] = low + width + 1
        bands.append(Band.model_validate(band))
    shape = TiersShape.model_validate(
        {"kind": "tiers", "value": "x", "bands": bands}, context={"types": {"x": "number"}}
    )
    domain = {"x": Span(Decimal(0), Decimal(15), whole=whole)}
    for finding in tier_findings(shape, ("score",), domain):
        if finding.message.startswith("gap: "):
            value = Decimal(finding.message.split(" = ", 1)[1].split(" ", 1)[0])
            assert Decimal(0) <= value <= Decimal(15)
            assert not any(b.contains(value) for b in bands)
            assert not whole or value == value.to_integral_value()


def test_deductions_in_a_penalty_section_without_a_negative_floor_are_flagged(
    tmp_path: Path,
) -> None:
    """A deductions shape in a penalty section with the default floor 0 can never deduct;
    validate says so, naming the floor to give, and is silent once it is given."""
    import shutil

    rules = tmp_path / "q"
    shutil.copytree(ROOT / "examples" / "qingshui-rivers", rules)
    penalty = rules / "categories" / "5-penalty.yaml"
    text = penalty.read_text(encoding="utf-8")
    deductions = (
        "      kind: deductions\n      steps:\n"
        "        - {label: 省级书面通报批评, per: provincial_criticisms, points: 5}\n"
    )
    parts = text[text.index("      kind: parts\n") : text.index("  - id: \"11\"")]
    penalty.write_text(text.replace(parts, deductions), encoding="utf-8")
    found = [w for w in qualscore.lint(qualscore.load_rules(rules)) if w.node == "item 10"]
    assert [w.message for w in found] == [
        "its deductions start at 0 and stop at their floor 0, so they never deduct in a "
        "penalty section; give the deductions a negative floor of their own (score.floor: -20)"
    ]
    assert str(found[0].location).endswith("5-penalty.yaml:8:5")
    penalty.write_text(
        penalty.read_text(encoding="utf-8").replace(deductions, deductions + "      floor: -20\n"),
        encoding="utf-8",
    )
    assert [w for w in qualscore.lint(qualscore.load_rules(rules)) if w.node == "item 10"] == []
