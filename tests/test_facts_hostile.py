"""Hostile and broken facts: each problem one clear line naming the key and its place.

Facts come from a dozen departments' spreadsheets. tests/test_facts.py covers
the basic refusals (unknown and missing keys, a word for a number, ``no``, out
of range, ``.nan``/``.inf``, a huge integer, the ports check); these cover the
rest: NaN and infinity however they are written, numbers as text, more digits
than the arithmetic carries, negative zero, values of the wrong shape, several
problems at once (the cross-fact checks included) and that nothing is
evaluated on bad input.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import qualscore
from conftest import FIXTURES, item_yaml, write_ruleset
from qualscore import FactsError, RuleSet
from qualscore.facts.check import MAX_DIGITS, MAX_MAGNITUDE
from qualscore.ruleset.formula import Formula

GOOD = (FIXTURES / "mini-facts.yaml").read_text(encoding="utf-8")
GOOD_VALUES: dict[str, Any] = {
    "done": True,
    "rate": "89.99",
    "reports": 7,
    "ports": 3,
    "failing": 1,
    "awards": 3,
    "incident": False,
}
LIMIT = f"{MAX_MAGNITUDE:,}"


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return qualscore.load_rules(FIXTURES / "mini")


def errors(rules: RuleSet, tmp_path: Path, text: str, name: str = "f.yaml") -> list[str]:
    """The problems of facts ``text`` written to ``name``."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FactsError) as info:
        qualscore.load_facts(rules, path)
    return [str(p).replace(str(tmp_path) + "/", "") for p in info.value.problems]


def python_errors(rules: RuleSet, **values: Any) -> list[str]:
    """The problems of GOOD_VALUES with ``values`` changed, checked as a Python mapping."""
    with pytest.raises(FactsError) as info:
        qualscore.check_facts(rules, GOOD_VALUES | values)
    return [p.message for p in info.value.problems]


def rate(rules: RuleSet, tmp_path: Path, value: str) -> list[str]:
    return errors(rules, tmp_path, GOOD.replace("rate: 89.99", f"rate: {value}"))


# --- NaN and infinity, however they are written -------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("-.inf", "-Infinity"),
        (".NaN", "NaN"),
        ("'NaN'", "'NaN'"),
        ('"nan"', "'nan'"),
        ("'-inf'", "'-inf'"),
        ("Infinity", "'Infinity'"),
        ("' +infinity '", "' +infinity '"),
    ],
)
def test_nan_and_infinity_in_a_file(rules: RuleSet, tmp_path: Path, value: str, shown: str) -> None:
    """Every spelling of NaN and infinity is refused as not finite, at the value."""
    assert rate(rules, tmp_path, value) == [f"f.yaml:2:7: rate: expected a finite number, got {shown}"]


def test_nan_and_infinity_in_json(rules: RuleSet, tmp_path: Path) -> None:
    """json.dumps writes NaN and Infinity as bare words; they are refused the same way."""
    data = json.dumps(GOOD_VALUES | {"rate": float("nan"), "reports": float("inf")}, indent=1)
    assert errors(rules, tmp_path, data, "f.json") == [
        "f.json:3:10: rate: expected a finite number, got 'NaN'",
        "f.json:4:13: reports: expected a finite number, got 'Infinity'",
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [(float("nan"), "nan"), (float("-inf"), "-inf"), (Decimal("sNaN"), "sNaN"), (Decimal("-Infinity"), "-Infinity")],
)
def test_nan_and_infinity_from_python(rules: RuleSet, value: Any, shown: str) -> None:
    """Floats and Decimals handed to evaluate() directly are checked the same way."""
    assert python_errors(rules, rate=value) == [f"rate: expected a finite number, got {shown}"]


# --- numbers as text, and what is not a number ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("87.3%", "expected a number, got '87.3%' (write 87.3, without '%')"),
        ("'87.3 %'", "expected a number, got '87.3 %' (write 87.3, without '%')"),
        ("'1,234'", "expected a number, got '1,234'"),
        ("1_000", "expected a number, got '1_000'"),
        ("'８９.５'", "expected a number, got '８９.５'"),
        ("'٨٩'", "expected a number, got '٨٩'"),
        ("''", "expected a number, got ''"),
        ("0x10", "expected a number, got '0x10'"),
        ("[89.99]", "expected a number, got a list"),
        ("{value: [89.99]}", "expected a number, got a list"),  # a mapping: its value
        ("true", "expected a number, got true"),
        ("~", "expected a number, got nothing (null)"),
        ("'" + "9" * 100 + "x'", "expected a number, got '" + "9" * 38 + "…"),
    ],
)
def test_strings_and_shapes_where_a_number_is_declared(
    rules: RuleSet, tmp_path: Path, value: str, message: str
) -> None:
    """Only plain decimal text is a number: no separators, no full-width or Arabic digits, no %."""
    assert rate(rules, tmp_path, value) == [f"f.yaml:2:7: rate: {message}"]


@pytest.mark.parametrize(("value", "exact"), [("'89.99'", "89.99"), ('" 89.990 "', "89.990"), ("'1e1'", "10")])
def test_quoted_decimal_text_is_read_exactly(rules: RuleSet, tmp_path: Path, value: str, exact: str) -> None:
    """A number a spreadsheet exported as text is read exactly from that text."""
    path = tmp_path / "f.yaml"
    path.write_text(GOOD.replace("rate: 89.99", f"rate: {value}"), encoding="utf-8")
    assert str(qualscore.load_facts(rules, path).values["rate"]) == exact


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1", "expected true, false, 是 or 否, got 1"),
        ("0", "expected true, false, 是 or 否, got 0"),
        ("1.0", "expected true, false, 是 or 否, got 1.0"),
        ("'yes'", "expected true, false, 是 or 否, got 'yes'"),
        ("对", "expected true, false, 是 or 否, got '对'"),
        ("[true]", "expected true, false, 是 or 否, got a list"),
        ("null", "expected true, false, 是 or 否, got nothing (null)"),
    ],
)
def test_numbers_and_words_where_a_boolean_is_declared(
    rules: RuleSet, tmp_path: Path, value: str, message: str
) -> None:
    """1/0, yes or 对 are not silently taken for a boolean (true, false, 是 and 否 are)."""
    text = GOOD.replace("done: true", f"done: {value}")
    assert errors(rules, tmp_path, text) == [f"f.yaml:1:7: done: {message}"]


# --- magnitudes and digits ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9" * 5000, "9" * 39 + f"… is too large (the limit is {LIMIT})"),
        ("-" + "9" * 50, "-" + "9" * 38 + f"… is too large (the limit is {LIMIT})"),
        ("1e400", f"1E+400 is too large (the limit is {LIMIT})"),
        ("1000000000000000.1", f"1000000000000000.1 is too large (the limit is {LIMIT})"),
        ("1." + "1" * 34, "1." + "1" * 34 + f" has more than {MAX_DIGITS} significant digits"),
        ("0." + "0" * 34 + "1", f"1E-35 has more than {MAX_DIGITS} decimal places"),
        ("1e-40", f"1E-40 has more than {MAX_DIGITS} decimal places"),
    ],
)
def test_huge_long_and_tiny_numbers(rules: RuleSet, tmp_path: Path, value: str, message: str) -> None:
    """Beyond the magnitude, or with more digits than formulas compute with: refused, shortened."""
    text = GOOD.replace("reports: 7", f"reports: {value}")
    assert errors(rules, tmp_path, text) == [f"f.yaml:3:10: reports: {message}"]


@pytest.mark.parametrize("value", ["1e999999999", "-1E+1001", "1e-999999999", "0." + "0" * 1001 + "1"])
def test_numbers_that_would_print_as_megabytes(rules: RuleSet, tmp_path: Path, value: str) -> None:
    """An exponent beyond ±1000 is refused as the file is read, before anything formats it."""
    text = GOOD.replace("reports: 7", f"reports: {value}")
    shown = value if len(value) <= 80 else value[:79] + "…"
    assert errors(rules, tmp_path, text) == [
        f"f.yaml:3:10: {shown!r} is out of range (exponent beyond ±1000)"
    ]


def test_huge_python_integer(rules: RuleSet) -> None:
    """An int past Python's own 4300-digit str() limit still gets a message, not a ValueError."""
    assert python_errors(rules, reports=10**5000) == [
        "reports: 1" + "0" * 38 + f"… is too large (the limit is {LIMIT})"
    ]
    assert python_errors(rules, done=10**5000) == [
        "done: expected true, false, 是 or 否, got 1" + "0" * 38 + "…"
    ]


def test_magnitude_limit_is_inclusive(rules: RuleSet) -> None:
    """The limit itself is allowed."""
    facts = qualscore.check_facts(rules, GOOD_VALUES | {"reports": MAX_MAGNITUDE, "ports": MAX_MAGNITUDE})
    assert facts.values["reports"] == MAX_MAGNITUDE


@pytest.mark.parametrize(("value", "plain"), [("-0", "0"), ("-0.00", "0.00"), ("1E+2", "100"), ("2.5e1", "25")])
def test_negative_zero_and_exponents_read_plain(rules: RuleSet, tmp_path: Path, value: str, plain: str) -> None:
    """-0 is 0 and 1E+2 is 100, so that explanations never show '-0' or '1E+2 items'."""
    path = tmp_path / "f.yaml"
    path.write_text(GOOD.replace("rate: 89.99", f"rate: {value}"), encoding="utf-8")
    assert str(qualscore.load_facts(rules, path).values["rate"]) == plain


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("rate", "100.0000001", "rate: 100.0000001 is above the allowed maximum 100"),
        ("rate", "-0.0001", "rate: -0.0001 is below the allowed minimum 0"),
        ("reports", "-3", "reports: -3 is below the allowed minimum 0"),
        ("reports", "1e-1", "reports: expected a whole number, got 0.1"),
        ("awards", "3.0000000001", "awards: expected a whole number, got 3.0000000001"),
    ],
)
def test_ranges_and_whole_numbers(rules: RuleSet, tmp_path: Path, key: str, value: str, message: str) -> None:
    """Percentages over 100, negative counts and fractional counts, however written."""
    text = "".join(
        f"{key}: {value}\n" if line.startswith(f"{key}:") else line + "\n" for line in GOOD.splitlines()
    )
    line = next(i for i, t in enumerate(GOOD.splitlines(), 1) if t.startswith(f"{key}:"))
    assert errors(rules, tmp_path, text) == [f"f.yaml:{line}:{len(key) + 3}: {message}"]


# --- keys --------------------------------------------------------------------------------------


def test_unknown_keys_each_named(rules: RuleSet, tmp_path: Path) -> None:
    """Unknown keys are each refused at the key, a very long one shortened."""
    long_key = "k" * 500
    text = GOOD + f"rates: 1\n{long_key}: 2\n'': 3\n"
    assert errors(rules, tmp_path, text) == [
        "f.yaml:8:1: unknown fact 'rates'; did you mean 'rate'?",
        "f.yaml:9:1: unknown fact '" + "k" * 38 + "…",
        "f.yaml:10:1: unknown fact ''",
    ]


def test_duplicate_fact_key(rules: RuleSet, tmp_path: Path) -> None:
    """A fact given twice (a copy-paste between departments) is refused, not last-one-wins."""
    assert errors(rules, tmp_path, GOOD + "rate: 12\n") == ["f.yaml:8:1: duplicate key 'rate' (first at line 2)"]


def test_every_missing_key_named(rules: RuleSet, tmp_path: Path) -> None:
    """All the missing keys are listed, each with its label."""
    assert errors(rules, tmp_path, "done: true\n") == [
        "f.yaml:1:1: missing fact 'awards' (Awards)",
        "f.yaml:1:1: missing fact 'failing' (Ports failing)",
        "f.yaml:1:1: missing fact 'incident' (Incident)",
        "f.yaml:1:1: missing fact 'ports' (Ports)",
        "f.yaml:1:1: missing fact 'rate' (Pass rate)",
        "f.yaml:1:1: missing fact 'reports' (Reports published)",
    ]


def test_not_a_mapping_from_python(rules: RuleSet) -> None:
    """evaluate() handed a list instead of a mapping: a FactsError, not a TypeError."""
    with pytest.raises(FactsError) as info:
        qualscore.evaluate(rules, [("done", True)])  # type: ignore[arg-type]
    assert [str(p) for p in info.value.problems] == [
        "<facts>: facts must be a mapping of fact keys to values, not list"
    ]


# --- cross-fact checks, and all problems at once ------------------------------------------------


def test_ports_failing_above_ports_total(rules: RuleSet, tmp_path: Path) -> None:
    """16.1's rule: more ports failing than ports is refused, naming both keys and the check."""
    text = GOOD.replace("ports: 3", "ports: 0").replace("failing: 1", "failing: 2")
    assert errors(rules, tmp_path, text) == [
        "f.yaml:5:10: failing = 2, ports = 0: more ports failing than there are ports (check: failing <= ports)"
    ]


def test_every_problem_of_a_file_at_once(rules: RuleSet, tmp_path: Path) -> None:
    """One file, six different problems, the failed check among them: six lines, in file order."""
    text = (
        "done: 1\n"
        "rate: 101\n"
        "reports: -1\n"
        "ports: 1\n"
        "failing: 2\n"
        "awards: NaN\n"
        "incident: false\n"
        "extra: 1\n"
    )
    assert errors(rules, tmp_path, text) == [
        "f.yaml:1:7: done: expected true, false, 是 or 否, got 1",
        "f.yaml:2:7: rate: 101 is above the allowed maximum 100",
        "f.yaml:3:10: reports: -1 is below the allowed minimum 0",
        "f.yaml:5:10: failing = 2, ports = 1: more ports failing than there are ports (check: failing <= ports)",
        "f.yaml:6:9: awards: expected a finite number, got 'NaN'",
        "f.yaml:8:1: unknown fact 'extra'",
    ]


def test_check_skipped_when_a_key_it_reads_is_bad(rules: RuleSet, tmp_path: Path) -> None:
    """A check is not run on a value already refused: one problem, not a confusing second."""
    text = GOOD.replace("failing: 1", "failing: many")
    assert errors(rules, tmp_path, text) == ["f.yaml:5:10: failing: expected a number, got 'many'"]


def test_nothing_is_evaluated_on_bad_input(rules: RuleSet, monkeypatch: pytest.MonkeyPatch) -> None:
    """With bad facts no item formula runs: only the cross-fact checks, on valid values."""
    from qualscore.scoring.plan import Plan

    ran: list[str] = []
    real = Formula.evaluate
    real_run = Plan.result

    def spy(self: Formula, values: Any) -> Any:
        ran.append(self.source)
        return real(self, values)

    def spy_run(self: Plan, values: Any, sha256: str) -> Any:
        # Item formulas run as one generated function: the spy sees every formula it holds.
        ran.extend(f.source for _, f in self.formulas(True))
        return real_run(self, values, sha256)

    monkeypatch.setattr(Formula, "evaluate", spy)
    monkeypatch.setattr(Plan, "result", spy_run)
    with pytest.raises(FactsError):
        qualscore.evaluate(rules, GOOD_VALUES | {"rate": "high"})
    assert ran == ["failing <= ports"]
    ran.clear()
    qualscore.evaluate(rules, GOOD_VALUES)
    assert "reports / 10" in ran  # the spy sees item formulas when the facts are good


def test_a_check_written_over_several_lines_is_reported_on_one(tmp_path: Path) -> None:
    """A check's message and condition may span lines in facts.yaml; its problem does not."""
    root = write_ruleset(
        tmp_path,
        "- {key: a, type: count, label: A}\n- {key: b, type: count, label: B}",
        item_yaml("{kind: formula, expr: a}"),
        checks_yaml='- when: "(a\\n  <= b)"\n  message: "a must not\\nexceed b"',
    )
    with pytest.raises(FactsError) as info:
        qualscore.check_facts(qualscore.load_rules(root), {"a": 2, "b": 1})
    assert [p.message for p in info.value.problems] == [
        "a = 2, b = 1: a must not exceed b (check: (a <= b))"
    ]
