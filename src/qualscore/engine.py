"""Scoring: pure functions from a compiled rule set and validated facts to a Result.

Decimal end to end. An item's score is its shape's value, clamped to
[0, points] and rounded once as the rule set declares. A parent scores the
sum of its children, capped at its declared points. The total is the sum of
the categories plus the bonus (capped at its points). A veto changes the
result, not the score.
"""

from __future__ import annotations

import decimal
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any, Literal

from ._decimal import in_context
from ._version import __version__
from .errors import EvaluationError
from .facts import Facts, check_facts
from .formula import Formula, Value
from .loader import RuleSet
from .model import (
    Bonus,
    CasesShape,
    Category,
    DeductionsShape,
    FactDecl,
    Indicator,
    Item,
    Part,
    PartsShape,
    Shape,
    TargetShape,
    TiersShape,
)
from .trace import (
    BandTrace,
    CasesTrace,
    DeductionsTrace,
    FormulaTrace,
    Input,
    ItemResult,
    NodeResult,
    PartsTrace,
    PartTrace,
    Result,
    ShapeTrace,
    StepTrace,
    TargetTrace,
    TiersTrace,
    VetoResult,
)
from .words import words

__all__ = ["evaluate", "formulas"]

_ZERO = Decimal(0)
_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}


@in_context
def evaluate(ruleset: RuleSet, facts: Facts | Mapping[str, Any]) -> Result:
    """Score one entity.

    Args:
        ruleset: A rule set from :func:`qualscore.load_rules`.
        facts: Facts from :func:`qualscore.load_facts`, or a mapping of fact
            keys to values, which is validated first.

    Raises:
        FactsError: the mapping does not fit the declarations.
        EvaluationError: a formula failed (for example a division by zero).
    """
    if not isinstance(ruleset, RuleSet):
        given = type(ruleset).__name__
        raise TypeError(f"evaluate() needs a RuleSet from load_rules(), not {given}")
    facts = facts.bound_to(ruleset) if isinstance(facts, Facts) else check_facts(ruleset, facts)
    scorer = _Scorer(ruleset, facts.values)
    categories = tuple(scorer.category(c) for c in ruleset.categories)
    bonus = scorer.item(ruleset.manifest.bonus, "bonus") if ruleset.manifest.bonus else None
    total = sum((c.score for c in categories), _ZERO) + (bonus.score if bonus else _ZERO)
    vetoes = tuple(
        VetoResult(v.id, v.title, bool(scorer.run(v.when, v.id)), v.result, scorer.inputs([v.when]))
        for v in ruleset.manifest.vetoes
    )
    held = [v for v in vetoes if v.held]
    return Result(
        ruleset_id=ruleset.id,
        title=ruleset.manifest.title,
        year=ruleset.manifest.year,
        language=ruleset.manifest.language,
        categories=categories,
        bonus=bonus,
        vetoes=vetoes,
        total=total,
        possible=sum((c.points for c in ruleset.categories), _ZERO),
        vetoed=bool(held),
        result_label=held[0].result if held else ruleset.manifest.normal_result,
        rules_sha256=ruleset.sha256,
        facts_sha256=facts.sha256,
        engine_version=__version__,
    )


def formulas(node: Item | Bonus | Shape | Part) -> Iterator[Formula]:
    """Every expression an item, part or shape reads, in the order written."""
    if isinstance(node, Item | Bonus):
        if isinstance(node, Item) and node.not_applicable:
            yield node.not_applicable.when
        yield from formulas(node.score)
    elif isinstance(node, Part):
        for f in (node.when, node.each):
            if f is not None:
                yield f
        if node.score is not None:
            yield from formulas(node.score)
    elif isinstance(node, PartsShape):
        for part in node.parts:
            yield from formulas(part)
    elif isinstance(node, TiersShape):
        yield node.value
    elif isinstance(node, CasesShape):
        yield from (c.when for c in node.cases)
    elif isinstance(node, DeductionsShape):
        for step in node.steps:
            yield from (f for f in (step.unless, step.when, step.per) if f is not None)
    elif isinstance(node, TargetShape):
        yield from (node.actual, node.target)
    else:
        yield node.expr


class _Scorer:
    def __init__(self, ruleset: RuleSet, values: Mapping[str, Value]) -> None:
        self.ruleset = ruleset
        self.values = values
        self.quantum = Decimal(1).scaleb(-ruleset.manifest.rounding.places)
        self.mode = _MODES[ruleset.manifest.rounding.mode]
        self.item_id = ""
        static = _static(ruleset)
        self.reads, self.bands, self.cases_static = static.reads, static.bands, static.cases
        self.targets = static.targets

    def run(self, formula: Formula, item_id: str) -> Value:
        try:
            return formula.evaluate(self.values)
        except (ArithmeticError, TypeError) as exc:
            reason = "division by zero" if isinstance(exc, ZeroDivisionError) else _reason(exc)
            raise EvaluationError(item_id, f"{formula.source}: {reason}") from exc

    def number(self, formula: Formula) -> Decimal:
        value = self.run(formula, self.item_id)
        assert isinstance(value, Decimal) and not isinstance(value, bool)
        return value

    def holds(self, formula: Formula) -> bool:
        return bool(self.run(formula, self.item_id))

    def inputs(self, exprs: list[Formula]) -> tuple[Input, ...]:
        keys = {name for f in exprs for name in f.names if name in self.values}
        return tuple(
            Input(d.key, d.label, self.values[d.key], d.unit)
            for d in self.ruleset.facts
            if d.key in keys
        )

    def read_by(self, item: Item | Bonus) -> tuple[FactDecl, ...]:
        found = self.reads.get(id(item))
        if found is None:  # an item built outside the rule set (the linter's probes)
            keys = {n for f in formulas(item) for n in f.names}
            found = tuple(d for d in self.ruleset.facts if d.key in keys)
        return found

    def item_inputs(self, item: Item | Bonus) -> tuple[Input, ...]:
        values = self.values
        return tuple(
            Input(d.key, d.label, values[d.key], d.unit)
            for d in self.read_by(item)
            if d.key in values
        )

    def category(self, category: Category) -> NodeResult:
        children = tuple(
            self.indicator(c) if isinstance(c, Indicator) else self.item(c, c.id)
            for c in category.items
        )
        return _node(category.id, category.title, "category", category.points, children)

    def indicator(self, indicator: Indicator) -> NodeResult:
        children = tuple(self.item(i, i.id) for i in indicator.items)
        return _node(indicator.id, indicator.title, "indicator", indicator.points, children)

    def item(self, item: Item | Bonus, item_id: str) -> ItemResult:
        self.item_id = item_id
        na = item.not_applicable if isinstance(item, Item) else None
        reason = None
        trace: ShapeTrace | None = None
        absent = [
            d.key for d in self.read_by(item) if d.key in self.targets and d.key not in self.values
        ]
        if absent:
            # Only a target may be absent: this entity has no such target (a blank cell).
            raw = _ZERO
            label = self.ruleset.fact(absent[0]).label
            reason = words(self.ruleset.manifest.language)["no_target"].format(label=label)
        elif na is not None and self.holds(na.when):
            raw = na.award if na.award is not None else item.points
            reason = na.reason
        else:
            raw, trace = self.shape(item.score, item.points)
        # Compare, don't max(): max(Decimal('-0'), 0) is -0, which would print as '-0.00'.
        bounded = _ZERO if raw <= _ZERO else min(raw, item.points)
        score = bounded.quantize(self.quantum, rounding=self.mode)
        return ItemResult(
            id=item_id,
            title=item.title,
            section=item.section if isinstance(item, Item) else None,
            points=item.points,
            score=score,
            departments=item.departments,
            content=item.content,
            criteria=item.criteria,
            responsible=item.responsible,
            inputs=self.item_inputs(item),
            shape=trace,
            not_applicable=reason,
            raw=raw,
            clamped=bounded != raw,
        )

    def shape(self, shape: Shape, cap: Decimal) -> tuple[Decimal, ShapeTrace]:
        if isinstance(shape, PartsShape):
            return self.parts(shape)
        if isinstance(shape, TiersShape):
            return self.tiers(shape)
        if isinstance(shape, CasesShape):
            return self.cases(shape)
        if isinstance(shape, DeductionsShape):
            return self.deductions(shape, cap)
        if isinstance(shape, TargetShape):
            return self.target(shape, cap)
        value = self.number(shape.expr)
        return value, FormulaTrace(shape.expr.source, value, shape.label)

    def target(self, shape: TargetShape, cap: Decimal) -> tuple[Decimal, TargetTrace]:
        actual, target = self.number(shape.actual), self.number(shape.target)
        met, shortfall = target_check(actual, target, shape.met_when)
        value = cap if met else _ZERO
        trace = TargetTrace(
            shape.actual.source,
            actual,
            shape.target.source,
            target,
            shape.met_when,
            met,
            shortfall,
            value,
        )
        return value, trace

    def parts(self, shape: PartsShape) -> tuple[Decimal, PartsTrace]:
        traces = [self.part(p) for p in shape.parts]
        value = sum((t.awarded for t in traces), _ZERO)
        return value, PartsTrace(tuple(traces), value)

    def part(self, part: Part) -> PartTrace:
        if part.when is not None:
            held = self.holds(part.when)
            awarded = part.points if held else _ZERO
            return PartTrace(part.label, part.points, part.departments, "when", awarded, held=held)
        if part.each is not None:
            units = max(self.number(part.each), _ZERO)
            return PartTrace(
                part.label, part.points, part.departments, "each", units * part.points, units=units
            )
        assert part.score is not None
        value, inner = self.shape(part.score, part.points)
        awarded = min(max(value, _ZERO), part.points)
        return PartTrace(
            part.label,
            part.points,
            part.departments,
            "score",
            awarded,
            inner=inner,
            capped=awarded != value,
        )

    def tiers(self, shape: TiersShape) -> tuple[Decimal, TiersTrace]:
        value = self.number(shape.value)
        matched = next((i for i, b in enumerate(shape.bands) if b.contains(value)), None)
        points = shape.otherwise if matched is None else shape.bands[matched].points
        bands = self.bands.get(id(shape)) or band_traces(shape)
        trace = TiersTrace(
            shape.value.source,
            value,
            shape.better,
            bands,
            matched,
            shape.otherwise_label,
            points,
            shape.label,
            shape.unit,
        )
        return points, trace

    def cases(self, shape: CasesShape) -> tuple[Decimal, CasesTrace]:
        matched = next((i for i, c in enumerate(shape.cases) if self.holds(c.when)), None)
        points = shape.otherwise if matched is None else shape.cases[matched].points
        labels, weights = self.cases_static.get(id(shape)) or _case_labels(shape)
        trace = CasesTrace(labels, weights, matched, shape.otherwise_label, points)
        return points, trace

    def deductions(self, shape: DeductionsShape, cap: Decimal) -> tuple[Decimal, DeductionsTrace]:
        start = shape.start if shape.start is not None else cap
        steps = []
        for step in shape.steps:
            label = step.label or next(f.source for f in (step.unless, step.when, step.per) if f)
            if step.per is None:
                condition = step.unless or step.when
                assert condition is not None
                applied = self.holds(condition) != (step.unless is not None)
                kind: Literal["unless", "when"] = "unless" if step.unless is not None else "when"
                deducted = step.points if applied else _ZERO
                steps.append(StepTrace(label, kind, step.points, applied, deducted))
                continue
            units = self.number(step.per)
            if step.every is not None:
                units = (units / step.every).to_integral_value(rounding=ROUND_CEILING)
            units = max(units, _ZERO)
            deducted = units * step.points
            capped = step.max is not None and deducted > step.max
            if capped and step.max is not None:
                deducted = step.max
            steps.append(StepTrace(label, "per", step.points, units > 0, deducted, units, capped))
        value = start - sum((s.deducted for s in steps), _ZERO)
        floored = value < shape.floor
        value = max(value, shape.floor)
        return value, DeductionsTrace(start, tuple(steps), shape.floor, floored, value)


def target_check(actual: Decimal, target: Decimal, met_when: str) -> tuple[bool, Decimal]:
    """Whether ``actual`` meets ``target`` under ``met_when``, and the shortfall (0 when met)."""
    met = {
        "at_least": actual >= target,
        "above": actual > target,
        "below": actual < target,
        "at_most": actual <= target,
    }[met_when]
    gap = target - actual if met_when in ("at_least", "above") else actual - target
    return met, _ZERO if met else max(gap, _ZERO)


def band_traces(shape: TiersShape) -> tuple[BandTrace, ...]:
    """A tier table's bands as the trace records them."""
    return tuple(
        BandTrace(
            b.label or "", b.points, b.lower, b.at_least is not None, b.upper, b.at_most is not None
        )
        for b in shape.bands
    )


def _case_labels(shape: CasesShape) -> tuple[tuple[str, ...], tuple[Decimal, ...]]:
    return tuple(c.label or c.when.source for c in shape.cases), tuple(
        c.points for c in shape.cases
    )


@dataclass(frozen=True)
class _Static:
    """What a trace repeats for every entity, worked out once per rule set.

    Keyed by the identity of the rule set's own objects, which live as long as
    the rule set; anything else (the linter's probes) is worked out on the fly.
    """

    reads: dict[int, tuple[FactDecl, ...]]
    bands: dict[int, tuple[BandTrace, ...]]
    cases: dict[int, tuple[tuple[str, ...], tuple[Decimal, ...]]]
    targets: frozenset[str]


_STATIC: weakref.WeakKeyDictionary[RuleSet, _Static] = weakref.WeakKeyDictionary()


def _static(ruleset: RuleSet) -> _Static:
    found = _STATIC.get(ruleset)
    if found is None:
        found = _STATIC[ruleset] = _build_static(ruleset)
    return found


def _build_static(ruleset: RuleSet) -> _Static:
    static = _Static({}, {}, {}, frozenset(f.key for f in ruleset.facts if f.role == "target"))
    scored: list[Item | Bonus] = list(ruleset.items())
    if ruleset.manifest.bonus is not None:
        scored.append(ruleset.manifest.bonus)
    order = {d.key: (i, d) for i, d in enumerate(ruleset.facts)}
    for item in scored:
        keys = {n for f in formulas(item) for n in f.names}
        static.reads[id(item)] = tuple(order[k][1] for k in sorted(keys, key=lambda k: order[k][0]))
        for shape in _shapes(item.score):
            if isinstance(shape, TiersShape):
                static.bands[id(shape)] = band_traces(shape)
            elif isinstance(shape, CasesShape):
                static.cases[id(shape)] = _case_labels(shape)
    return static


def _shapes(shape: Shape) -> Iterator[Shape]:
    yield shape
    if isinstance(shape, PartsShape):
        for part in shape.parts:
            if part.score is not None:
                yield from _shapes(part.score)


def _reason(exc: Exception) -> str:
    if isinstance(exc, decimal.Overflow):
        return "number too large"
    return "not a valid number (" + type(exc).__name__ + ")"


def _node(
    node_id: str,
    title: str,
    kind: Any,
    points: Decimal,
    children: tuple[NodeResult | ItemResult, ...],
) -> NodeResult:
    total = sum((c.score for c in children), _ZERO)
    return NodeResult(node_id, title, kind, points, children, total, min(total, points))
