"""`qualscore test`: rule-set test cases run like unit tests, with tier coverage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import qualscore
from conftest import ROOT, run_cli
from qualscore.analyst.coverage import branches, percent, reached, unreachable

RUGAO = str(ROOT / "rules" / "rugao-2018")
MINI = str(ROOT / "tests" / "fixtures" / "mini")
MINI_FACTS = ROOT / "tests" / "fixtures" / "mini-facts.yaml"

# Every branch of the mini rule set, from the mini facts (done, rate 89.99, 3 ports, 1 failing,
# 3 awards, no incident) as the base.
FULL_SUITE = """\
base: base.yaml
cases:
  - name: the sample scores as documented
    expect: {"1": 2, "2": 1, "3": 1.5, "4": 0.7, main: 5.2, bonus: 1}
    total: 6.2
    result: scored
  - name: nothing done, no ports, no awards, an incident
    facts: {done: false, rate: 90, ports: 0, failing: 0, awards: 0, incident: true}
    expect: {"1": 0, "2": 2, "3": 2, bonus: 0}
    result: vetoed
  - name: below every band, no port failing
    facts: {rate: 79.99, failing: 0}
    expect: {"2": 0, "3": 2}
"""


def suite(tmp_path: Path, text: str, name: str = "cases.yaml") -> str:
    """Write a test file (and the mini facts beside it as base.yaml); return its path."""
    shutil.copy(MINI_FACTS, tmp_path / "base.yaml")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- the shipped suite ---------------------------------------------------------------------


def test_rugao_suite_passes_with_full_coverage() -> None:
    """rugao-2018's own tests pass and reach every band, part, deduction and not-applicable branch."""
    code, out, err = run_cli("test", RUGAO, "--min-coverage", "100")
    assert (code, err) == (0, "")
    assert out.splitlines()[-2:] == [
        f"{RUGAO}: 69 cases, 69 passed, 0 failed",
        "coverage: 100% (269 of 269 branches reached)",
    ]


def test_revised_example_suite_passes_with_full_coverage() -> None:
    """The 2019 revision's tests, updated after `qualscore new`, pass with full coverage."""
    rules = str(ROOT / "examples" / "rugao-2019-revised")
    code, out, _ = run_cli("test", rules, "--min-coverage", "100")
    assert code == 0
    assert out.splitlines()[-1] == "coverage: 100% (273 of 273 branches reached)"


# --- results ---------------------------------------------------------------------------------


def test_full_suite_passes(tmp_path: Path) -> None:
    """A suite that expects the engine's scores passes, reaching all 13 branches of the mini set."""
    code, out, err = run_cli("test", MINI, suite(tmp_path, FULL_SUITE))
    assert (code, err) == (0, "")
    assert out == f"{MINI}: 3 cases, 3 passed, 0 failed\ncoverage: 100% (13 of 13 branches reached)\n"


def test_failure_prints_expected_and_actual(tmp_path: Path) -> None:
    """A wrong expectation is one FAIL line at the expectation's place, and the run exits 1."""
    text = FULL_SUITE.replace('"2": 1, "3": 1.5', '"2": 2, "3": 1.5').replace("total: 6.2", "total: 7")
    path = suite(tmp_path, text)
    code, out, err = run_cli("test", MINI, path)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        f"{path}:4:27: FAIL the sample scores as documented: item 2: expected 2, got 1",
        f"{path}:5:12: FAIL the sample scores as documented: total: expected 7, got 6.2",
        f"{MINI}: 3 cases, 2 passed, 1 failed",
        "coverage: 100% (13 of 13 branches reached)",
    ]


def test_result_and_node_failures_are_named(tmp_path: Path) -> None:
    """A category, the bonus and the result are each named in their FAIL line."""
    text = "base: base.yaml\ncases:\n  - name: c\n    expect: {main: 5, bonus: 0.5}\n    result: vetoed\n"
    path = suite(tmp_path, text)
    code, out, _ = run_cli("test", MINI, path)
    assert code == 1
    assert out.splitlines()[:3] == [
        f"{path}:4:20: FAIL c: category main: expected 5, got 5.2",
        f"{path}:4:30: FAIL c: bonus: expected 0.5, got 1",
        f"{path}:5:13: FAIL c: result: expected vetoed, got scored",
    ]


def test_same_inputs_same_output(tmp_path: Path) -> None:
    """Two runs print the same bytes."""
    path = suite(tmp_path, FULL_SUITE.replace('"4": 0.7', '"4": 0.8'))
    assert run_cli("test", MINI, path) == run_cli("test", MINI, path)


# --- coverage ------------------------------------------------------------------------------------


def test_uncovered_branches_are_listed_at_their_rules(tmp_path: Path) -> None:
    """Each branch no case reached is one line at the rule that has it."""
    text = "base: base.yaml\ncases:\n  - name: sample\n    total: 6.2\n"
    code, out, _ = run_cli("test", MINI, suite(tmp_path, text))
    assert code == 0
    cat, manifest = f"{MINI}/categories/1-main.yaml", f"{MINI}/ruleset.yaml"
    assert out.splitlines() == [
        f"{cat}:14:11: not reached: item 1: part work done: not held",
        f"{cat}:24:11: not reached: item 2: band ≥ 90",
        f"{cat}:21:7: not reached: item 2: otherwise (0 points)",
        f"{cat}:31:21: not reached: item 3: not applicable (no ports)",
        f"{cat}:35:11: not reached: item 3: step port failing: not applied",
        f"{manifest}:14:9: not reached: bonus: part awards: none",
        f"{manifest}:16:5: not reached: veto veto: held",
        f"{MINI}: 1 case, 1 passed, 0 failed",
        "coverage: 46.1% (6 of 13 branches reached)",
    ]


def test_min_coverage_fails_below_and_passes_at(tmp_path: Path) -> None:
    """--min-coverage 50 fails a run that reached 46.1 %; 46 passes it."""
    path = suite(tmp_path, "base: base.yaml\ncases:\n  - name: sample\n    total: 6.2\n")
    code, out, _ = run_cli("test", MINI, path, "--min-coverage", "50")
    assert code == 1
    assert out.splitlines()[-1] == "coverage 46.1% is below the minimum of 50%"
    assert run_cli("test", MINI, path, "--min-coverage", "46")[0] == 0


@pytest.mark.parametrize("value", ["lots", "101", "-1", "nan"])
def test_min_coverage_must_be_a_percentage(tmp_path: Path, value: str) -> None:
    """A --min-coverage that is not 0..100 is a usage error, exit 2."""
    code, _, err = run_cli("test", MINI, "--min-coverage", value)
    assert code == 2
    assert err.startswith("qualscore test: argument --min-coverage: ")


def test_coverage_is_cut_not_rounded_up() -> None:
    """199 of 200 branches is 99.5 %, and 1999 of 2000 is 99.9 %, never 100 %."""
    assert (str(percent(199, 200)), str(percent(1999, 2000)), str(percent(0, 0))) == ("99.5", "99.9", "100")


def test_branches_and_reached_follow_the_trace() -> None:
    """The mini set has 13 branches; its sample facts reach 6 of them, read from the engine's trace."""
    rules = qualscore.load_rules(MINI)
    every = branches(rules)
    assert len(every) == 13
    hit = reached(rules, qualscore.evaluate(rules, qualscore.load_facts(rules, MINI_FACTS)))
    assert sorted((k[0], k[2]) for k in hit) == [
        ("1", "held"), ("2", "matched"), ("3", "applied"), ("4", "evaluated"),
        ("bonus", "counted"), ("veto", "not held"),
    ]
    assert {k for k in hit} <= {b.key for b in every}


# --- expected errors -------------------------------------------------------------------------------


def test_expected_refusal_passes(tmp_path: Path) -> None:
    """A case expecting a check's refusal passes when the facts are refused with that text."""
    text = "base: base.yaml\ncases:\n  - name: bad ports\n    facts: {failing: 4}\n    error: more ports failing\n"
    code, out, _ = run_cli("test", MINI, suite(tmp_path, text))
    assert code == 0
    assert f"{MINI}: 1 case, 1 passed, 0 failed" in out.splitlines()


def test_expected_error_that_does_not_happen_fails(tmp_path: Path) -> None:
    """A case expecting an error fails when the facts are scored."""
    text = "base: base.yaml\ncases:\n  - name: fine\n    error: more ports failing\n"
    path = suite(tmp_path, text)
    code, out, _ = run_cli("test", MINI, path)
    assert code == 1
    assert out.splitlines()[0] == (
        f"{path}:4:12: FAIL fine: expected an error with 'more ports failing', but the facts were scored"
    )


def test_evaluation_error_is_a_failure(tmp_path: Path) -> None:
    """A formula failing at run time fails the case, naming the item."""
    rules = tmp_path / "mini"
    shutil.copytree(MINI, rules)
    category = rules / "categories" / "1-main.yaml"
    category.write_text(category.read_text(encoding="utf-8").replace("reports / 10", "10 / reports"), encoding="utf-8")
    path = suite(tmp_path, "base: base.yaml\ncases:\n  - name: zero\n    facts: {reports: 0}\n    total: 1\n")
    code, out, _ = run_cli("test", str(rules), path)
    assert code == 1
    assert out.splitlines()[0] == f"{path}:3:5: FAIL zero: scoring failed: item 4: 10 / reports: division by zero"


# --- mistakes in test files: exit 2, file:line:col -----------------------------------------------


def test_facts_problems_point_into_the_test_file(tmp_path: Path) -> None:
    """A misspelt or out-of-range fact is a user error at its place in the test file."""
    text = (
        "base: base.yaml\ncases:\n"
        "  - name: typo\n    facts: {rat: 95}\n    total: 1\n"
        "  - name: range\n    facts: {rate: 101}\n    total: 1\n"
    )
    path = suite(tmp_path, text)
    code, out, err = run_cli("test", MINI, path)
    assert code == 2
    assert err.splitlines() == [
        f"{path}:4:13: unknown fact 'rat'; did you mean 'rate'?",
        f"{path}:7:19: rate: 101 is above the allowed maximum 100",
    ]
    assert out.splitlines() == [
        f"{MINI}: 2 cases, 0 passed, 0 failed, 2 refused",
        "coverage: not measured (2 cases refused)",
    ]


def test_case_without_a_base_needs_every_fact(tmp_path: Path) -> None:
    """Without a base file, a case's facts must be complete; what is missing is named."""
    text = "cases:\n  - name: bare\n    facts: {done: true}\n    total: 1\n"
    path = suite(tmp_path, text)
    code, _, err = run_cli("test", MINI, path)
    assert code == 2
    assert err.splitlines()[0] == f"{path}:2:5: missing fact 'awards' (Awards)"


def test_shared_facts_and_case_facts_override_the_base(tmp_path: Path) -> None:
    """File facts override the base, and case facts override both."""
    text = (
        "base: base.yaml\nfacts: {rate: 95}\ncases:\n"
        "  - name: file level\n    expect: {\"2\": 2}\n"
        "  - name: case level\n    facts: {rate: 85}\n    expect: {\"2\": 1}\n"
    )
    assert run_cli("test", MINI, suite(tmp_path, text))[0] == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cases: []\n", "3:8: cases: tuple should have at least 1 item after validation, not 0"),
        ("cases:\n  - {name: a, total: 1, expct: {}}\n", "4:25: cases[0].expct: unknown key 'expct'; did you mean 'expect'?"),
        ("cases:\n  - {name: a}\n", "4:5: cases[0]: a case must expect something: expect, total, result, grade, verdict, met, values or error"),
        ("cases:\n  - {name: a, total: 1, error: x}\n", "4:5: cases[0]: a case that expects an error expects no scores"),
        ("cases:\n  - {name: a, expect: {\"19\": 1}}\n", "4:24: cases[0].expect: no item, indicator or category '19'; did you mean '1'?"),
        ("cases:\n  - {name: a, total: 1}\n  - {name: a, total: 2}\n", "5:12: cases[1].name: case 'a' is named twice (first: cases[0])"),
        ("cases:\n  - {total: 1}\n", "4:5: cases[0]: missing key 'name'"),
    ],
)
def test_mistakes_in_a_test_file(tmp_path: Path, text: str, message: str) -> None:
    """Each mistake in a test file is one line, file:line:col, exit 2, before anything runs."""
    path = suite(tmp_path, "# a comment\n# another\n" + text)
    code, out, err = run_cli("test", MINI, path)
    assert (code, out, err) == (2, "", f"{path}:{message}\n")


def test_no_tests_folder(tmp_path: Path) -> None:
    """A rule set without tests/ is told so, exit 2."""
    rules = tmp_path / "mini"
    shutil.copytree(MINI, rules)
    code, out, err = run_cli("test", str(rules))
    assert (code, out, err) == (2, "", f"{rules}/tests: no such file or folder\n")


def test_empty_tests_folder(tmp_path: Path) -> None:
    """A tests/ folder with no *.yaml is told so, exit 2."""
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli("test", MINI, str(tmp_path / "empty"))
    assert (code, err) == (2, f"{tmp_path}/empty: no test files (*.yaml)\n")


# --- branches no declared value can reach (issue #20) ------------------------------------------


def _steps_rules(tmp_path: Path, fact: str, step: str) -> str:
    """A one-item rule set whose 5-point item deducts by ``step``, reading ``fact``."""
    from conftest import item_yaml, write_ruleset

    item = item_yaml(f"kind: deductions\nsteps:\n  - {step}", points=5)
    return str(write_ruleset(tmp_path, fact, item, points=5))


def _cases(tmp_path: Path, *cases: tuple[int, int]) -> str:
    """A test file of cases {n: value} expecting item 1 to score each score."""
    lines = ["cases:"]
    for value, score in cases:
        lines += [f"  - name: n is {value}", f"    facts: {{n: {value}}}", f'    expect: {{"1": {score}}}']
    path = tmp_path / "cases.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_a_max_that_can_never_bind_is_not_a_branch(tmp_path: Path) -> None:
    """n is at most 3, so a step of 1 per n deducts at most 3 and its max of 5 never binds:
    the capped branch is listed as unreachable, not counted, and 100 % is reachable."""
    rules = _steps_rules(tmp_path, "- {key: n, type: count, label: N, max: 3}", "{per: n, points: 1, max: 5}")
    code, out, err = run_cli("test", rules, _cases(tmp_path, (0, 5), (3, 2)), "--min-coverage", "100")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{rules}/categories/1.yaml:13:11: unreachable, not counted: item 1: step n: capped: "
        "n is at most 3, so the step deducts at most 3: its max of 5 never binds",
        f"{rules}: 2 cases, 2 passed, 0 failed",
        "coverage: 100% (2 of 2 branches reached)",
    ]


def test_a_max_that_can_bind_stays_a_branch(tmp_path: Path) -> None:
    """Every 2 of n (at most 3) is 2 units of 2 points, 4: more than a max of 3, so capped is
    reachable; with a max of 4 it is not (a max binds only when the step would deduct more)."""
    fact = "- {key: n, type: count, label: N, max: 3}"
    rules = qualscore.load_rules(_steps_rules(tmp_path, fact, "{per: n, every: 2, points: 2, max: 3}"))
    assert [k[2] for k in (b.key for b in branches(rules))] == ["applied", "not applied", "capped"]
    rules = qualscore.load_rules(_steps_rules(tmp_path, fact, "{per: n, every: 2, points: 2, max: 4}"))
    assert [k[2] for k in (b.key for b in branches(rules))] == ["applied", "not applied"]
    assert [why for _, why in unreachable(rules)] == [
        "n is at most 3, so the step deducts at most 4: its max of 4 never binds"
    ]


def test_a_step_that_always_or_never_deducts(tmp_path: Path) -> None:
    """A count from 1 always deducts; n − 5 of a count up to 3 never does (nor is capped)."""
    rules = qualscore.load_rules(
        _steps_rules(tmp_path, "- {key: n, type: count, label: N, min: 1}", "{per: n, points: 1}")
    )
    assert [(b.key[2], why) for b, why in unreachable(rules)] == [
        ("not applied", "n is always above 0: the step always deducts")
    ]
    rules = qualscore.load_rules(
        _steps_rules(tmp_path, "- {key: n, type: count, label: N, max: 3}", "{per: n - 5, points: 1, max: 2}")
    )
    assert [(b.key[2], why) for b, why in unreachable(rules)] == [
        ("applied", "n - 5 is at most -2: nothing to deduct"),
        ("capped", "n - 5 is at most -2, so the step deducts at most 0: its max of 2 never binds"),
    ]
    assert [b.key[2] for b in branches(rules)] == ["not applied"]


def test_unreachable_is_read_where_the_item_applies(tmp_path: Path) -> None:
    """With `not_applicable: n == 0`, a step per n always deducts where the item is scored."""
    from conftest import item_yaml, write_ruleset

    item = item_yaml(
        "kind: deductions\nsteps:\n  - {per: n, points: 1}", points=5,
        extra="not_applicable: {when: n == 0, reason: none}",
    )
    rules = qualscore.load_rules(write_ruleset(tmp_path, "- {key: n, type: count, label: N}", item, points=5))
    assert [(b.key[2], why) for b, why in unreachable(rules)] == [
        ("not applied", "n is always above 0: the step always deducts")
    ]


def test_update_writes_what_the_rules_give_over_each_differing_value(tmp_path: Path) -> None:
    """--update lists each change and writes it in place: the rest of the file, comments
    and layout, as it was; a second run passes."""
    text = FULL_SUITE.replace('"2": 1, "3": 1.5', '"2": 2, "3": 1.5').replace("total: 6.2", "total: 7  # by hand")
    path = suite(tmp_path, text)
    code, out, err = run_cli("test", MINI, path, "--update")
    assert (code, err) == (1, "")
    assert out.splitlines()[2:5] == [
        f"updated {path}:4:27: 2 → 1",
        f"updated {path}:5:12: 7 → 6.2",
        "qualscore: 2 expected values updated; run qualscore test again to check",
    ]
    assert Path(path).read_text(encoding="utf-8") == text.replace('"2": 2,', '"2": 1,', 1).replace(
        "total: 7  # by hand", "total: 6.2  # by hand"
    )
    assert run_cli("test", MINI, path)[0] == 0
    assert run_cli("test", MINI, path, "--update")[1].count("updated") == 0  # nothing to update
