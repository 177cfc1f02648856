"""Compiled formulas agree with simpleeval, the reference evaluator, on every shipped formula."""

from __future__ import annotations

import random
from decimal import Decimal
from functools import partial

import pytest

import qualscore
from conftest import ROOT
from qualscore.ruleset.formula import Formula, compile_formula
from qualscore.scoring.engine import formulas
from simple_reference import reference

RULE_SETS = ["rules/rugao-2018", "rules/rugao-2018-towns", "examples/demo", "examples/rugao-2019-revised"]


def every_formula(rules: qualscore.RuleSet) -> list[Formula]:
    found = [f for item in rules.items() for f in formulas(item)]
    if rules.manifest.bonus is not None:
        found += list(formulas(rules.manifest.bonus))
    found += [v.when for v in rules.manifest.vetoes] + [c.when for c in rules.checks.checks]
    return found


def outcome(fn: object, values: dict[str, object]) -> object:
    try:
        return fn(values)  # type: ignore[operator]
    except ArithmeticError as exc:
        return type(exc)


@pytest.mark.parametrize("rules_dir", RULE_SETS)
def test_compiled_equals_reference(rules_dir: str) -> None:
    """For random facts (zeros often), every formula gives the same value or the same error both ways."""
    rules = qualscore.load_rules(ROOT / rules_dir)
    rng = random.Random(7)
    found = every_formula(rules)
    assert found
    for _ in range(200):
        values: dict[str, object] = {}
        for decl in rules.facts:
            if decl.type == "bool":
                values[decl.key] = rng.random() < 0.5
            else:
                values[decl.key] = Decimal(rng.choice([0, 0, 1, 3, 7, 50, 99, 100])) / rng.choice([1, 1, 10, 100])
        for formula in found:
            assert outcome(formula.evaluate, values) == outcome(partial(reference, formula), values), formula.source


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("a / b", {"a": Decimal(1), "b": Decimal(3)}, Decimal("0.3333333333333333333333333333333333")),
        ("0.1 + 0.2", {}, Decimal("0.3")),
        ("round_half_up(a, 2)", {"a": Decimal("1.625")}, Decimal("1.63")),
        ("1 < a <= 2", {"a": Decimal(2)}, True),
        ("a if p else -a", {"a": Decimal(2), "p": False}, Decimal(-2)),
        ("not p or a > 1", {"a": Decimal(0), "p": True}, False),
    ],
)
def test_compiled_values(source: str, values: dict[str, object], expected: object) -> None:
    """Exact decimal results from the compiled path: literals from their text, context precision 34."""
    types = {"a": "number", "b": "number", "p": "bool"}
    formula = compile_formula(source, types)  # type: ignore[arg-type]
    assert formula.evaluate(values) == expected  # type: ignore[arg-type]
    assert reference(formula, values) == expected  # type: ignore[arg-type]


def test_compiled_code_sees_no_builtins() -> None:
    """The compiled code runs with an empty builtins table and only its own helpers as globals."""
    formula = compile_formula("max(a, 1) + 2", {"a": "number"})
    _, space = formula._compiled
    assert space["__builtins__"] == {}
    assert all(k.startswith("_") for k in space)
    assert formula.evaluate({"a": Decimal(5)}) == Decimal(7)
