"""Acknowledged warnings: a rule file keeps a source's own mistake on purpose, with a reason."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

import qualscore
from conftest import ROOT, item_yaml, run_cli, write_ruleset
from qualscore.cli.app import main
from qualscore.linting.acknowledged import WORDS, code_of, review
from qualscore.linting.checks import found
from qualscore.ruleset.codes import CODES, STALE

DONE = "- {key: done, type: bool, label: Done}"
RATE = "- {key: rate, type: percent, label: Rate}"

MANIFEST = "id: t\ntitle: T\nyear: 2024\nlanguage: en\n"
FACTS = f"facts:\n  {DONE}\n"
INDICATOR = """\
id: c
title: C
points: 1
items:
  - id: "1"
    title: Indicator 1
    points: 1
    acknowledge:
      - warning: children-over
        reason: the source prints 1 point; its items print 2
    items:
      - id: "1.1"
        title: Item 1.1
        points: 2
        criteria: c
        departments: [D]
        score:
          kind: parts
          parts:
            - {label: done, when: done, points: 2}
"""
"""An indicator whose items add to more than its points, acknowledged (lines 5, 8-10)."""
BARE = INDICATOR.replace(
    "    acknowledge:\n      - warning: children-over\n"
    "        reason: the source prints 1 point; its items print 2\n",
    "",
)
"""The same, not acknowledged."""


def write(tmp_path: Path, category: str = INDICATOR, *, manifest: str = MANIFEST) -> Path:
    """A rule set of one category file, ``categories/1.yaml``, in ``tmp_path/r``."""
    root = tmp_path / "r"
    (root / "categories").mkdir(parents=True)
    (root / "ruleset.yaml").write_text(manifest, encoding="utf-8")
    (root / "facts.yaml").write_text(FACTS, encoding="utf-8")
    (root / "categories" / "1.yaml").write_text(category, encoding="utf-8")
    return root


def validate(root: Path, *flags: str) -> tuple[int, str, str]:
    """Run `qualscore validate`; return (exit code, stdout, stderr), the folder shown as 'r'."""
    code, out, err = run_cli("validate", root, *flags)
    return code, out.replace(str(root), "r"), err.replace(str(root), "r")


def problems(root: Path) -> list[str]:
    """The load errors of ``root``, as printed, with the folder shown as 'r'."""
    with pytest.raises(qualscore.RuleSetError) as info:
        qualscore.load_rules(root)
    return [str(p).replace(str(root), "r") for p in info.value.problems]


ACKNOWLEDGED = (
    "r/categories/1.yaml:5:5: acknowledged: indicator 1: its items add to 2, more than its "
    "declared 1 point; the cap of 1 binds (children-over: the source prints 1 point; its items "
    "print 2)\n"
)


# --- validate ---------------------------------------------------------------------------


def test_an_acknowledged_warning_is_listed_with_its_reason_and_not_counted(tmp_path: Path) -> None:
    """The warning is printed at its own place, marked acknowledged, with its code and reason;
    the summary counts no warning and says how many are acknowledged."""
    assert validate(write(tmp_path)) == (
        0, "r: ok: 1 item, 1 fact, 0 warnings, 1 acknowledged\n", ACKNOWLEDGED,
    )  # fmt: skip


def test_strict_passes_when_only_acknowledged_warnings_remain(tmp_path: Path) -> None:
    """--strict exits 0 and prints the same lines: an acknowledged warning is no error."""
    assert validate(write(tmp_path), "--strict") == (
        0, "r: ok: 1 item, 1 fact, 0 warnings, 1 acknowledged\n", ACKNOWLEDGED,
    )  # fmt: skip


def test_strict_fails_on_a_warning_not_acknowledged_and_lists_the_acknowledged_too(
    tmp_path: Path,
) -> None:
    """A second warning, not acknowledged, is an error under --strict; the acknowledged one
    keeps its place in file order and is not counted."""
    category = INDICATOR.replace("points: 1\nitems:", "points: 3\nitems:", 1)
    assert validate(write(tmp_path, category), "--strict") == (
        2,
        "",
        "r/categories/1.yaml:1:1: error: category c: its children add to 1, less than its "
        "declared 3 points; 2 points can never be earned\n"
        + ACKNOWLEDGED
        + "r: 1 warning, errors under --strict\n",
    )


def test_an_acknowledgement_that_matches_no_warning_is_a_warning_at_its_place(
    tmp_path: Path,
) -> None:
    """The indicator's items mended to add to its points: the acknowledgement left behind is
    reported at its own line and column, and --strict fails on it."""
    category = INDICATOR.replace("points: 2\n", "points: 1\n").replace("points: 2}", "points: 1}")
    stale = (
        "r/categories/1.yaml:9:9: {}: indicator 1: acknowledges warning children-over, but there "
        "is none about it: remove the acknowledgement\n"
    )
    root = write(tmp_path, category)
    assert validate(root) == (0, "r: ok: 1 item, 1 fact, 1 warning\n", stale.format("warning"))
    assert validate(root, "--strict") == (
        2, "", stale.format("error") + "r: 1 warning, errors under --strict\n",
    )  # fmt: skip


def test_an_acknowledgement_on_the_wrong_node_leaves_the_warning_and_is_stale(
    tmp_path: Path,
) -> None:
    """Written on item 1.1 instead of indicator 1: the indicator's warning stays a warning, and
    the acknowledgement matches nothing on the item, so it is a warning too, pointing at the
    indicator's."""
    moved = BARE.replace(
        "        departments: [D]\n",
        "        departments: [D]\n        acknowledge:\n          - warning: children-over\n"
        "            reason: the source prints 1 point; its items print 2\n",
    )
    assert validate(write(tmp_path, moved)) == (
        0,
        "r: ok: 1 item, 1 fact, 2 warnings\n",
        "r/categories/1.yaml:5:5: warning: indicator 1: its items add to 2, more than its "
        "declared 1 point; the cap of 1 binds\n"
        "r/categories/1.yaml:15:13: warning: item 1.1: acknowledges warning children-over, but "
        "there is none about it (indicator 1 has one, at r/categories/1.yaml:5:5): move or "
        "remove it\n",
    )


def test_one_acknowledgement_covers_every_warning_of_its_code_about_its_node(
    tmp_path: Path,
) -> None:
    """Two bands that each award as much as the band above: one band-order acknowledgement."""
    bands = (
        "  - {at_least: 90, points: 1}\n  - {at_least: 85, below: 90, points: 1}\n"
        "  - {at_least: 80, below: 85, points: 1}\n"
    )
    extra = "acknowledge:\n  - {warning: band-order, reason: as printed}"
    items = item_yaml(f"kind: tiers\nvalue: rate\nbands:\n{bands}", points=1, extra=extra)
    ruleset = qualscore.load_rules(write_ruleset(tmp_path, RATE, items, points=1))
    assert [a.code for a in review(ruleset).acknowledged] == ["band-order", "band-order"]
    assert qualscore.lint(ruleset) == []


def test_the_rule_set_and_a_fact_acknowledge_their_own_warnings(tmp_path: Path) -> None:
    """total_points is acknowledged in ruleset.yaml, an unread fact on its declaration."""
    manifest = (
        "total_points: 5\nacknowledge:\n"
        "  - {warning: total-points, reason: the source prints 5}"
    )
    facts = (
        f"{DONE}\n- key: spare\n  type: count\n  label: Spare\n  acknowledge:\n"
        "    - {warning: unread-fact, reason: the source asks for it and scores nothing by it}"
    )
    items = item_yaml("kind: parts\nparts:\n  - {label: done, when: done, points: 2}", points=2)
    root = write_ruleset(tmp_path, facts, items, points=2, manifest_yaml=manifest)
    code, out, err = validate(root, "--strict")
    assert (code, out) == (0, "r: ok: 1 item, 2 facts, 0 warnings, 2 acknowledged\n")
    assert err == (
        "r/facts.yaml:3:5: acknowledged: fact spare: declared but read by no item, bonus, veto or "
        "check (unread-fact: the source asks for it and scores nothing by it)\n"
        "r/ruleset.yaml:6:15: acknowledged: rule set: its categories declare 2 points, not the 5 "
        "of total_points (total-points: the source prints 5)\n"
    )


# --- refused at load --------------------------------------------------------------------


def test_a_missing_reason_is_refused(tmp_path: Path) -> None:
    """An acknowledgement must say why."""
    category = INDICATOR.replace(
        "        reason: the source prints 1 point; its items print 2\n", ""
    )
    assert problems(write(tmp_path, category)) == [
        "r/categories/1.yaml:9:9: items[0].acknowledge[0]: missing key 'reason'"
    ]


@pytest.mark.parametrize("blank", ['""', '"   "'])
def test_a_blank_reason_is_refused(tmp_path: Path, blank: str) -> None:
    """An empty reason, or one of spaces only, is no reason."""
    category = INDICATOR.replace("the source prints 1 point; its items print 2", blank)
    assert problems(write(tmp_path, category)) == [
        "r/categories/1.yaml:10:17: items[0].acknowledge[0].reason: must say why the rule keeps "
        "what the source prints"
    ]


def test_an_unknown_code_is_refused_with_did_you_mean(tmp_path: Path) -> None:
    """A misspelt code is refused at its place, with the code it is closest to."""
    category = INDICATOR.replace("warning: children-over", "warning: chidren-over")
    assert problems(write(tmp_path, category)) == [
        "r/categories/1.yaml:9:18: items[0].acknowledge[0].warning: unknown warning "
        "'chidren-over'; did you mean 'children-over'?"
    ]


def test_a_stale_acknowledgement_is_not_acknowledged(tmp_path: Path) -> None:
    """The warning about a stale acknowledgement is removed, never acknowledged."""
    category = INDICATOR.replace("warning: children-over", "warning: stale-acknowledgement")
    assert problems(write(tmp_path, category)) == [
        "r/categories/1.yaml:9:18: items[0].acknowledge[0].warning: stale-acknowledgement is not "
        "acknowledged: remove the acknowledgement it is about"
    ]


def test_a_code_acknowledged_twice_on_one_node_is_refused(tmp_path: Path) -> None:
    """One acknowledgement per code and node: a second would say two things of one warning."""
    category = INDICATOR.replace(
        "    items:\n      - id",
        "      - {warning: children-over, reason: again}\n    items:\n      - id",
    )
    assert problems(write(tmp_path, category)) == [
        "r/categories/1.yaml:9:7: items[0].acknowledge: warning 'children-over' is acknowledged "
        "twice"
    ]


# --- codes --------------------------------------------------------------------------------


def _tiers(bands: str, points: int = 1) -> str:
    return item_yaml(f"kind: tiers\nvalue: rate\nbands:\n{bands}", points=points)


PARTS = "kind: parts\nparts:\n  - {label: done, when: done, points: 2}"
EXAMPLES: dict[str, tuple[str, str, dict[str, object]]] = {
    # code: (facts, items, more arguments of write_ruleset)
    "total-points": (DONE, item_yaml(PARTS, points=2), {"points": 2, "manifest_yaml": "total_points: 5"}),
    "children-over": (DONE, BARE.split("items:\n", 1)[1], {"points": 1}),
    "children-under": (DONE, item_yaml(PARTS, points=2), {"points": 3}),
    "parts-over": (DONE, item_yaml(PARTS, points=1), {"points": 1}),
    "parts-under": (DONE, item_yaml(PARTS, points=3), {"points": 3}),
    "shape-over": (RATE, _tiers("  - {at_least: 50, points: 2}\n"), {"points": 1}),
    "shape-under": (RATE, _tiers("  - {at_least: 50, points: 2}\n", points=3), {"points": 3}),
    "not-applicable-over": (
        DONE,
        item_yaml(PARTS, points=2, extra="not_applicable: {when: not done, award: 3, reason: r}"),
        {"points": 2},
    ),
    "never-deducts": (
        DONE,
        item_yaml("kind: deductions\nsteps:\n  - {unless: done, points: 1}", points=1),
        {"points": "1\nkind: penalty"},
    ),
    "band-order": (RATE, _tiers("  - {at_least: 90, points: 1}\n  - {at_least: 85, below: 90, points: 1}\n"), {"points": 1}),
    "band-gap": (RATE, _tiers("  - {at_least: 90, points: 1}\n  - {at_least: 85, at_most: 89.99, points: 0.5}\n"), {"points": 1}),
    "band-overlap": (RATE, _tiers("  - {at_least: 90, points: 1}\n  - {at_least: 85, at_most: 95, points: 0.5}\n"), {"points": 1}),
    "band-unreachable": (RATE, _tiers("  - {at_least: 100, points: 1}\n  - {above: 100, points: 0.5}\n"), {"points": 1}),
    "formula-range": (RATE, item_yaml("kind: formula\nexpr: rate / 10", points=2), {"points": 2}),
    "nothing-done": (DONE, item_yaml("kind: deductions\nsteps:\n  - {unless: done, points: 0.25}", points=1), {"points": 1}),
    "unread-fact": (f"{DONE}\n- {{key: spare, type: count, label: Spare}}", item_yaml(PARTS, points=2), {"points": 2}),
    "evidence-of-nothing": (DONE, item_yaml(PARTS, points=2, extra="evidence: required\n")
                            .replace("when: done", "when: 'true'"), {"points": 2}),
    "reserved-key": (f"{DONE}\n- {{key: period, type: count, label: Period}}", item_yaml(PARTS, points=2), {"points": 2}),
    "criteria-number": (RATE, _tiers("  - {at_least: 95, points: 1}\n  - {below: 95, points: 0}\n")
                        .replace("As the test says.", "92%以上得1分"), {"points": 1}),
}  # fmt: skip
"""A rule set giving a warning of each code (and maybe others, each with its code)."""


def test_every_code_has_an_example_and_words_to_read_it_by() -> None:
    """The codes a rule file may acknowledge, the examples below and the words a warning's code
    is read by are the same codes (and the stale acknowledgement's)."""
    assert set(EXAMPLES) == set(CODES)
    assert {code for code, _ in WORDS} == {*CODES, STALE}


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_each_warning_is_read_as_its_code(tmp_path: Path, code: str) -> None:
    """The example gives a warning of its code, and every warning it gives has a code."""
    facts, items, kwargs = EXAMPLES[code]
    root = write_ruleset(tmp_path, facts, items, **kwargs)  # type: ignore[arg-type]
    codes = [code_of(w) for w in found(qualscore.load_rules(root))]
    assert code in codes
    assert None not in codes


PENALTY = {"points": "5\nkind: penalty"}
VARIANTS: list[tuple[str, str, str, dict[str, object]]] = [
    # (code, facts, items, more arguments of write_ruleset): the other wordings of a code
    ("parts-over", DONE, item_yaml("kind: parts\nparts:\n  - {label: p, when: done, points: -2}", points=1), PENALTY),
    ("parts-under", DONE, item_yaml("kind: parts\nparts:\n  - {label: p, when: done, points: -2}", points=3), PENALTY),
    ("shape-over", DONE, item_yaml("kind: cases\ncases:\n  - {when: done, points: 2}", points=1), {"points": 1}),
    ("shape-over", DONE, item_yaml("kind: deductions\nfrom: 3\nsteps:\n  - {unless: done, points: 3}", points=1), {"points": 1}),
    ("shape-under", DONE, item_yaml("kind: cases\ncases:\n  - {when: done, points: -1}", points=2), PENALTY),
    ("never-deducts", DONE, item_yaml(
        "kind: parts\nparts:\n  - label: p\n    points: 0\n    score:\n      kind: deductions\n"
        "      steps:\n        - {unless: done, points: 1}", points=1), PENALTY),
]  # fmt: skip


@pytest.mark.parametrize(("code", "facts", "items", "kwargs"), VARIANTS)
def test_each_wording_of_a_warning_is_read_as_its_code(
    tmp_path: Path, code: str, facts: str, items: str, kwargs: dict[str, object]
) -> None:
    """A penalty section's parts and worst case, a list of cases, a deduction's start, a part's
    deductions: each wording is read as its code."""
    root = write_ruleset(tmp_path, facts, items, **kwargs)  # type: ignore[arg-type]
    codes = [code_of(w) for w in found(qualscore.load_rules(root))]
    assert code in codes
    assert None not in codes


def test_a_stale_acknowledgement_is_read_as_its_code(tmp_path: Path) -> None:
    """The warning about a stale acknowledgement has a code too, and it is not acknowledgeable."""
    category = INDICATOR.replace("points: 2\n", "points: 1\n").replace("points: 2}", "points: 1}")
    warnings = qualscore.lint(qualscore.load_rules(write(tmp_path, category)))
    assert [code_of(w) for w in warnings] == [STALE]
    assert STALE not in CODES


# --- the rule sets, the cache, the schema and diff ------------------------------------------


def test_a_new_year_of_rugao_passes_strict(tmp_path: Path) -> None:
    """`qualscore new` copies the acknowledgements with the rules: the copy passes --strict."""
    new = tmp_path / "rugao-2019"
    out, err = io.StringIO(), io.StringIO()
    argv = ["new", str(ROOT / "rules" / "rugao-2018"), str(new), "--year", "2019"]
    assert main(argv, stdout=out, stderr=err) == 0
    code, out_text, _ = validate(new, "--strict")
    assert (code, out_text) == (0, "r: ok: 58 items, 140 facts, 0 warnings, 5 acknowledged\n")


def test_the_cache_of_validate_sees_an_acknowledgement_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The acknowledgements are in the rule files, so the cache key covers them: a reason
    edited, or an acknowledgement removed, is validated again."""
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", str(tmp_path / "cache"))
    root = write(tmp_path)
    assert validate(root)[2] == ACKNOWLEDGED
    assert validate(root)[2] == ACKNOWLEDGED  # a hit
    category = root / "categories" / "1.yaml"
    category.write_text(INDICATOR.replace("its items print 2", "they print 2"), encoding="utf-8")
    assert validate(root)[2] == ACKNOWLEDGED.replace("its items print 2", "they print 2")
    category.write_text(BARE, encoding="utf-8")
    assert validate(root, "--strict")[0] == 2


def test_the_schema_completes_codes_and_wants_a_reason() -> None:
    """The category schema accepts rugao's acknowledgements, offers the codes, and refuses a
    misspelt code or a blank reason."""
    schema = json.loads((ROOT / "schema" / "category.schema.json").read_text(encoding="utf-8"))
    check = jsonschema.Draft202012Validator(schema)
    text = (ROOT / "rules/rugao-2018/categories/1-macro.yaml").read_text(encoding="utf-8")
    assert list(check.iter_errors(yaml.safe_load(text))) == []
    offered = schema["$defs"]["Acknowledgement"]["properties"]["warning"]["oneOf"]
    assert [o["const"] for o in offered] == list(CODES)
    for bad in ({"warning": "chidren-over", "reason": "r"}, {"warning": "band-gap", "reason": " "}):
        node = {"id": "c", "title": "C", "points": 1, "criteria": "c", "acknowledge": [bad]}
        assert list(check.iter_errors(node)) != []


def test_diff_leaves_acknowledgements_out(tmp_path: Path) -> None:
    """Two years that differ only in an acknowledgement have no change to show."""
    from qualscore.analyst.diff import compare

    before = qualscore.load_rules(write(tmp_path / "a"))
    after = qualscore.load_rules(write(tmp_path / "b", BARE))
    assert compare(before, after).changes == ()


def test_a_reason_of_several_lines_is_printed_on_one(tmp_path: Path) -> None:
    """A reason written as a block of lines is shown on the warning's one line, its breaks
    escaped."""
    category = INDICATOR.replace(
        "reason: the source prints 1 point; its items print 2",
        "reason: |-\n          the source prints 1 point;\n          its items print 2",
    )
    assert validate(write(tmp_path, category))[2] == ACKNOWLEDGED.replace(
        "1 point; its items", "1 point;\\nits items"
    )


def test_unknown_codes_are_searched_a_bounded_number_of_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """5,000 misspelt codes are each refused, the first ones with a suggestion, at a cost of
    at most MAX_SEARCHES difflib searches over the codes."""
    import difflib

    from qualscore.source.suggest import MAX_SEARCHES

    searched: list[str] = []
    real = difflib.get_close_matches

    def counted(word: str, possibilities: list[str], *args: object, **kwargs: object) -> list[str]:
        searched.append(word)
        return real(word, possibilities)

    monkeypatch.setattr(difflib, "get_close_matches", counted)
    many = "".join(f"      - {{warning: band-gap{i}, reason: r}}\n" for i in range(5_000))
    category = INDICATOR.replace(
        "      - warning: children-over\n        reason: the source prints 1 point; its items "
        "print 2\n",
        many,
    )
    found_problems = problems(write(tmp_path, category))
    assert len(found_problems) == 5_000
    assert found_problems[0].endswith("unknown warning 'band-gap0'; did you mean 'band-gap'?")
    assert found_problems[-1].endswith("unknown warning 'band-gap4999'")
    assert len(searched) == MAX_SEARCHES
