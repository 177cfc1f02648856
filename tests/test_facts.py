"""Facts are validated against the declarations before anything is scored."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import qualscore
from conftest import FIXTURES
from qualscore import FactsError, RuleSet

GOOD = (FIXTURES / "mini-facts.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return qualscore.load_rules(FIXTURES / "mini")


def errors(rules: RuleSet, tmp_path: Path, text: str) -> list[str]:
    """The facts errors of ``text`` written to a file named f.yaml."""
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FactsError) as info:
        qualscore.load_facts(rules, path)
    return [str(p).replace(str(tmp_path) + "/", "") for p in info.value.problems]


def test_good_facts_load_as_exact_decimals(rules: RuleSet) -> None:
    """Numbers are read from their text as Decimal, booleans as bool."""
    facts = qualscore.load_facts(rules, FIXTURES / "mini-facts.yaml")
    assert facts.values["rate"] == Decimal("89.99")
    assert type(facts.values["rate"]) is Decimal
    assert facts.values["done"] is True


def test_unknown_key_with_suggestion(rules: RuleSet, tmp_path: Path) -> None:
    """A misspelt key is refused with a "did you mean" at the key."""
    text = GOOD.replace("reports:", "reprots:")
    assert errors(rules, tmp_path, text) == [
        "f.yaml:1:1: missing fact 'reports' (Reports published)",
        "f.yaml:3:1: unknown fact 'reprots'; did you mean 'reports'?",
    ]


def test_missing_key(rules: RuleSet, tmp_path: Path) -> None:
    """A declared fact that is not given is an error naming its label."""
    text = GOOD.replace("awards: 3\n", "")
    assert errors(rules, tmp_path, text) == ["f.yaml:1:1: missing fact 'awards' (Awards)"]


def test_wrong_types(rules: RuleSet, tmp_path: Path) -> None:
    """A word for a number and a number for a boolean are both refused, at once."""
    text = GOOD.replace("rate: 89.99", "rate: high").replace("done: true", "done: 1")
    assert errors(rules, tmp_path, text) == [
        "f.yaml:1:7: done: expected true, false, 是 or 否, got 1",
        "f.yaml:2:7: rate: expected a number, got 'high'",
    ]


def test_yaml11_no_is_not_false(rules: RuleSet, tmp_path: Path) -> None:
    """``no`` is not taken for false: the user is told to write false."""
    text = GOOD.replace("incident: false", "incident: no")
    assert errors(rules, tmp_path, text) == [
        "f.yaml:7:11: incident: expected true, false, 是 or 否, got 'no'"
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("rate: 100.01", "f.yaml:2:7: rate: 100.01 is above the allowed maximum 100"),
        ("rate: -0.5", "f.yaml:2:7: rate: -0.5 is below the allowed minimum 0"),
        ("rate: .nan", "f.yaml:2:7: rate: expected a finite number, got NaN"),
        ("rate: .inf", "f.yaml:2:7: rate: expected a finite number, got Infinity"),
        (
            "rate: 1e400",
            "f.yaml:2:7: rate: 1E+400 is too large (the limit is 1,000,000,000,000,000)",
        ),
        ("rate: null", "f.yaml:2:7: rate: expected a number, got nothing (null)"),
    ],
)
def test_out_of_range_and_non_finite(
    rules: RuleSet, tmp_path: Path, line: str, message: str
) -> None:
    """Values outside a fact's range, NaN, infinities and null are refused."""
    assert errors(rules, tmp_path, GOOD.replace("rate: 89.99", line)) == [message]


def test_count_must_be_whole_and_not_negative(rules: RuleSet, tmp_path: Path) -> None:
    """A count is a whole number >= 0."""
    text = GOOD.replace("reports: 7", "reports: 2.5").replace("awards: 3", "awards: -1")
    assert errors(rules, tmp_path, text) == [
        "f.yaml:3:10: reports: expected a whole number, got 2.5",
        "f.yaml:6:9: awards: -1 is below the allowed minimum 0",
    ]


def test_huge_integer_refused(rules: RuleSet, tmp_path: Path) -> None:
    """A number beyond the magnitude limit is refused, not scored."""
    text = GOOD.replace("reports: 7", "reports: 99999999999999999999")
    assert errors(rules, tmp_path, text) == [
        "f.yaml:3:10: reports: 99999999999999999999 is too large (the limit is 1,000,000,000,000,000)"
    ]


def test_cross_fact_check(rules: RuleSet, tmp_path: Path) -> None:
    """A declared check that fails refuses the file, naming both keys."""
    text = GOOD.replace("failing: 1", "failing: 4")
    assert errors(rules, tmp_path, text) == [
        "f.yaml:5:10: failing = 4, ports = 3: more ports failing than there are ports (check: failing <= ports)"
    ]


def test_not_a_mapping(rules: RuleSet, tmp_path: Path) -> None:
    """A facts file must be a mapping."""
    assert errors(rules, tmp_path, "- a\n- b\n") == [
        "f.yaml:1:1: a facts file must be a mapping of fact keys to values"
    ]


def test_json_facts(rules: RuleSet, tmp_path: Path) -> None:
    """JSON facts files are read like YAML ones, numbers exact."""
    path = tmp_path / "f.json"
    path.write_text(
        '{"done": true, "rate": 89.99, "reports": 7, "ports": 3, "failing": 1, '
        '"awards": 3, "incident": false}',
        encoding="utf-8",
    )
    assert qualscore.load_facts(rules, path).values["rate"] == Decimal("89.99")


def test_python_mapping_validated(rules: RuleSet) -> None:
    """evaluate() validates a plain mapping first and reports every problem."""
    with pytest.raises(FactsError) as info:
        qualscore.evaluate(rules, {"done": "yes", "rate": 50})
    messages = [p.message for p in info.value.problems]
    assert "done: expected true, false, 是 or 否, got 'yes'" in messages
    assert "missing fact 'awards' (Awards)" in messages


def test_fingerprint_ignores_layout(rules: RuleSet, tmp_path: Path) -> None:
    """The same values in another layout give the same facts fingerprint."""
    a = qualscore.load_facts(rules, FIXTURES / "mini-facts.yaml")
    path = tmp_path / "g.yaml"
    path.write_text("\n".join(reversed(GOOD.strip().splitlines())) + "\n", encoding="utf-8")
    assert qualscore.load_facts(rules, path).sha256 == a.sha256
