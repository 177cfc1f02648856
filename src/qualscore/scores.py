"""Scores only: the same numbers as :func:`qualscore.evaluate`, without the trace.

For scoring many entities when nobody will read the explanation. Each item's
shape is turned once per rule set into a plain function of the fact values
(kept while the rule set lives), so scoring an entity is only arithmetic.
``tests/test_scores.py`` checks it against :func:`evaluate` on random facts.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from ._decimal import in_context
from .engine import _MODES, formulas, target_check
from .errors import EvaluationError
from .facts import Facts, check_facts
from .formula import Formula, Value
from .loader import RuleSet
from .model import (
    Bonus,
    CasesShape,
    DeductionsShape,
    Indicator,
    Item,
    Part,
    PartsShape,
    Shape,
    TargetShape,
    TiersShape,
)

__all__ = ["Scores", "score"]

_ZERO = Decimal(0)
Values = Mapping[str, Value]
Fn = Callable[[Values], Decimal]


@dataclass(frozen=True)
class Scores:
    """Every item's score (the bonus as ``"bonus"``), every parent's, the total, the veto."""

    items: Mapping[str, Decimal]
    nodes: Mapping[str, Decimal]
    total: Decimal
    vetoed: bool


@in_context
def score(ruleset: RuleSet, facts: Facts | Mapping[str, Any]) -> Scores:
    """Score one entity without building a trace.

    Raises:
        FactsError: a mapping that does not fit the declarations.
        EvaluationError: a formula failed (for example a division by zero).
    """
    if not isinstance(ruleset, RuleSet):
        given = type(ruleset).__name__
        raise TypeError(f"score() needs a RuleSet from load_rules(), not {given}")
    facts = facts.bound_to(ruleset) if isinstance(facts, Facts) else check_facts(ruleset, facts)
    values = facts.values
    return _plan(ruleset)(values)


_PLANS: weakref.WeakKeyDictionary[RuleSet, Callable[[Values], Scores]] = weakref.WeakKeyDictionary()


def _plan(ruleset: RuleSet) -> Callable[[Values], Scores]:
    plan = _PLANS.get(ruleset)
    if plan is None:
        plan = _PLANS[ruleset] = _build(ruleset)
    return plan


def _build(ruleset: RuleSet) -> Callable[[Values], Scores]:
    rounding = ruleset.manifest.rounding
    quantum, mode = Decimal(1).scaleb(-rounding.places), _MODES[rounding.mode]
    targets = {f.key for f in ruleset.facts if f.role == "target"}
    tree = [
        (
            c.id,
            c.points,
            [
                (ch.id, ch.points, [_item(i, quantum, mode, targets) for i in ch.items])
                if isinstance(ch, Indicator)
                else _item(ch, quantum, mode, targets)
                for ch in c.items
            ],
        )
        for c in ruleset.categories
    ]
    bonus = ruleset.manifest.bonus
    bonus_fn = _item(bonus, quantum, mode, targets, "bonus") if bonus else None
    vetoes = [v.when for v in ruleset.manifest.vetoes]

    def run(values: Values) -> Scores:
        items: dict[str, Decimal] = {}
        nodes: dict[str, Decimal] = {}
        total = _ZERO
        for cat_id, cat_points, children in tree:
            cat_sum = _ZERO
            for child in children:
                if isinstance(child, tuple):
                    ind_id, ind_points, fns = child
                    ind_sum = _ZERO
                    for fn in fns:
                        item_id, value = fn(values)
                        items[item_id] = value
                        ind_sum += value
                    nodes[ind_id] = min(ind_sum, ind_points)
                    cat_sum += nodes[ind_id]
                else:
                    item_id, value = child(values)
                    items[item_id] = value
                    cat_sum += value
            nodes[cat_id] = min(cat_sum, cat_points)
            total += nodes[cat_id]
        if bonus_fn is not None:
            items["bonus"] = bonus_fn(values)[1]
            total += items["bonus"]
        vetoed = any(_run(f, values, "veto") for f in vetoes)
        return Scores(items, nodes, total, vetoed)

    return run


def _run(formula: Formula, values: Values, item_id: str) -> Value:
    try:
        return formula.evaluate(values)
    except (ArithmeticError, TypeError) as exc:
        reason = "division by zero" if isinstance(exc, ZeroDivisionError) else type(exc).__name__
        raise EvaluationError(item_id, f"{formula.source}: {reason}") from exc


def _blame(item: Item | Bonus, values: Values, key: str) -> None:
    """Find the formula of ``item`` that fails on ``values`` and raise its error.

    Per formula only once something failed: the fast path has no handler per call.
    """
    for formula in formulas(item):
        _run(formula, values, key)


def _item(
    item: Item | Bonus, quantum: Decimal, mode: str, targets: set[str], item_id: str | None = None
) -> Any:
    key = item_id or item.id  # type: ignore[union-attr]
    # Validated facts hold every declared key but a blank target: only targets can be absent.
    names = sorted({n for f in formulas(item) for n in f.names} & targets)
    shape = _shape(item.score, item.points, key)
    na = item.not_applicable if isinstance(item, Item) else None
    award = (na.award if na.award is not None else item.points) if na else _ZERO
    points = item.points

    def run(values: Values) -> tuple[str, Decimal]:
        if names and any(n not in values for n in names):
            return key, _ZERO.quantize(quantum)  # a blank target: not applicable
        try:
            raw = award if na is not None and na.when.evaluate(values) else shape(values)
        except (ArithmeticError, TypeError):
            _blame(item, values, key)  # raises EvaluationError naming the formula
            raise
        bounded = _ZERO if raw <= _ZERO else min(raw, points)
        return key, bounded.quantize(quantum, rounding=mode)

    return run


def _shape(shape: Shape, cap: Decimal, key: str) -> Fn:
    if isinstance(shape, PartsShape):
        fns = [_part(p, key) for p in shape.parts]

        def parts(v: Values) -> Decimal:
            total = _ZERO
            for f in fns:
                total += f(v)
            return total

        return parts
    if isinstance(shape, TiersShape):
        return _tiers(shape, key)
    if isinstance(shape, CasesShape):
        cases = [(c.when, c.points) for c in shape.cases]
        otherwise = shape.otherwise
        return lambda v: next((p for w, p in cases if w.evaluate(v)), otherwise)
    if isinstance(shape, DeductionsShape):
        return _deductions(shape, cap, key)
    if isinstance(shape, TargetShape):
        return _target(shape, cap, key)
    return shape.expr.evaluate  # type: ignore[return-value]  # a number: the type checker said so


def _part(part: Part, key: str) -> Fn:
    points = part.points
    if part.when is not None:
        when = part.when.evaluate
        return lambda v: points if when(v) else _ZERO
    if part.each is not None:
        each = part.each.evaluate
        return lambda v: max(each(v), _ZERO) * points
    assert part.score is not None
    inner = _shape(part.score, points, key)
    return lambda v: min(max(inner(v), _ZERO), points)


def _tiers(shape: TiersShape, key: str) -> Fn:
    bands = [(b.contains, b.points) for b in shape.bands]
    value, otherwise = shape.value.evaluate, shape.otherwise

    def run(v: Values) -> Decimal:
        x = value(v)
        for contains, points in bands:
            if contains(x):  # type: ignore[arg-type]
                return points
        return otherwise

    return run


def _deductions(shape: DeductionsShape, cap: Decimal, key: str) -> Fn:
    start = shape.start if shape.start is not None else cap
    floor = shape.floor
    steps: list[Fn] = []
    for step in shape.steps:
        points = step.points
        if step.per is None:
            cond = step.unless or step.when
            assert cond is not None
            wanted = step.unless is None
            steps.append(_flag(cond, wanted, points, key))
            continue
        steps.append(_per(step.per, step.every, step.max, points, key))

    def run(v: Values) -> Decimal:
        return max(start - sum((s(v) for s in steps), _ZERO), floor)

    return run


def _flag(condition: Formula, deduct_when: bool, points: Decimal, key: str) -> Fn:
    holds = condition.evaluate
    return lambda v: points if bool(holds(v)) == deduct_when else _ZERO


def _per(
    per: Formula, every: Decimal | None, most: Decimal | None, points: Decimal, key: str
) -> Fn:
    value = per.evaluate

    def run(v: Values) -> Decimal:
        units: Decimal = value(v)  # type: ignore[assignment]
        if every is not None:
            units = (units / every).to_integral_value(rounding=ROUND_CEILING)
        deducted = max(units, _ZERO) * points
        return min(deducted, most) if most is not None else deducted

    return run


def _target(shape: TargetShape, cap: Decimal, key: str) -> Fn:
    actual, target, relation = shape.actual, shape.target, shape.met_when

    def run(v: Values) -> Decimal:
        a, t = actual.evaluate(v), target.evaluate(v)
        return cap if target_check(a, t, relation)[0] else _ZERO  # type: ignore[arg-type]

    return run
