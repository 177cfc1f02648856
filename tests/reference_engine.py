"""A deliberately simple reference interpreter of a rule set, for the differential test.

It walks the models item by item, shape by shape, evaluates every formula on
simpleeval (:meth:`qualscore.formula.Formula.reference`) and builds the trace
objects directly: no generated code, no caches, no compact records. What it
computes is what the documentation says (docs/rule-language.md, "Semantics"),
written the plainest way; ``tests/test_differential.py`` holds the generated
engine to the same scores and the same traces on random rule sets and facts.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator, Mapping
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Literal

from qualscore import RuleSet
from qualscore._decimal import exact
from qualscore._version import __version__
from qualscore.errors import EvaluationError
from qualscore.formula import Formula, Value
from qualscore.model import (
    Bonus,
    CasesShape,
    DeductionsShape,
    FormulaShape,
    Indicator,
    Item,
    Part,
    PartsShape,
    Shape,
    TargetShape,
    TiersShape,
)
from qualscore.trace import (
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
from qualscore.words import words

ZERO = Decimal(0)
MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}


def evaluate(ruleset: RuleSet, values: Mapping[str, Value], facts_sha256: str = "") -> Result:
    """Score one entity the plain way.

    Raises:
        EvaluationError: a formula failed.
    """
    with exact():
        return Reference(ruleset, values).result(facts_sha256)


def formulas(node: Item | Bonus | Shape | Part) -> Iterator[Formula]:
    """Every expression of an item, part or shape, in the order written."""
    if isinstance(node, Item | Bonus):
        if isinstance(node, Item) and node.not_applicable:
            yield node.not_applicable.when
        yield from formulas(node.score)
    elif isinstance(node, Part):
        yield from (f for f in (node.when, node.each) if f is not None)
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
        assert isinstance(node, FormulaShape)
        yield node.expr


class Reference:
    """The interpreter: one per entity."""

    def __init__(self, ruleset: RuleSet, values: Mapping[str, Value]) -> None:
        self.ruleset = ruleset
        self.values = values
        self.owner = ""

    def run(self, formula: Formula) -> Value:
        try:
            return formula.reference(self.values)
        except (ArithmeticError, TypeError) as exc:
            if isinstance(exc, ZeroDivisionError):
                reason = "division by zero"
            elif isinstance(exc, decimal.Overflow):
                reason = "number too large"
            else:
                reason = f"not a valid number ({type(exc).__name__})"
            raise EvaluationError(self.owner, f"{formula.source}: {reason}") from exc

    def number(self, formula: Formula) -> Decimal:
        value = self.run(formula)
        assert isinstance(value, Decimal)
        return value

    def holds(self, formula: Formula) -> bool:
        return bool(self.run(formula))

    def inputs(self, names: set[str]) -> tuple[Input, ...]:
        return tuple(
            Input(d.key, d.label, self.values[d.key], d.unit)
            for d in self.ruleset.facts
            if d.key in names and d.key in self.values
        )

    def result(self, facts_sha256: str) -> Result:
        manifest = self.ruleset.manifest
        categories = []
        for category in self.ruleset.categories:
            children: list[NodeResult | ItemResult] = []
            for child in category.items:
                if isinstance(child, Indicator):
                    items = tuple(self.item(i, i.id) for i in child.items)
                    children.append(
                        self.node(child.id, child.title, "indicator", child.points, items)
                    )
                else:
                    children.append(self.item(child, child.id))
            categories.append(
                self.node(category.id, category.title, "category", category.points, tuple(children))
            )
        bonus = self.item(manifest.bonus, "bonus") if manifest.bonus else None
        total = ZERO
        for c in categories:
            total = total + c.score
        total = total + (bonus.score if bonus else ZERO)
        vetoes = []
        for veto in manifest.vetoes:
            self.owner = veto.id
            held = self.holds(veto.when)
            vetoes.append(
                VetoResult(
                    veto.id, veto.title, held, veto.result, self.inputs(set(veto.when.names))
                )
            )
        held_first = next((v for v in vetoes if v.held), None)
        possible = ZERO
        for c in self.ruleset.categories:
            possible = possible + c.points
        return Result(
            ruleset_id=self.ruleset.id,
            title=manifest.title,
            year=manifest.year,
            language=manifest.language,
            categories=tuple(categories),
            bonus=bonus,
            vetoes=tuple(vetoes),
            total=total,
            possible=possible,
            vetoed=held_first is not None,
            result_label=held_first.result if held_first else manifest.normal_result,
            rules_sha256=self.ruleset.sha256,
            facts_sha256=facts_sha256,
            engine_version=__version__,
        )

    def node(
        self,
        node_id: str,
        title: str,
        kind: Literal["indicator", "category"],
        points: Decimal,
        children: tuple[NodeResult | ItemResult, ...],
    ) -> NodeResult:
        total = ZERO
        for child in children:
            total = total + child.score
        score = points if points < total else total
        return NodeResult(node_id, title, kind, points, children, total, score)

    def item(self, item: Item | Bonus, item_id: str) -> ItemResult:
        self.owner = item_id
        names = {n for f in formulas(item) for n in f.names}
        targets = [d for d in self.ruleset.facts if d.role == "target" and d.key in names]
        blank = [d for d in targets if d.key not in self.values]
        na = item.not_applicable if isinstance(item, Item) else None
        reason = None
        trace: ShapeTrace | None = None
        if blank:
            raw = ZERO
            reason = words(self.ruleset.manifest.language)["no_target"].format(label=blank[0].label)
        elif na is not None and self.holds(na.when):
            raw = na.award if na.award is not None else item.points
            reason = na.reason
        else:
            raw, trace = self.shape(item.score, item.points)
        if raw <= ZERO:
            bounded = ZERO
        elif raw > item.points:
            bounded = item.points
        else:
            bounded = raw
        rounding = self.ruleset.manifest.rounding
        quantum = Decimal(1).scaleb(-rounding.places)
        return ItemResult(
            id=item_id,
            title=item.title,
            section=item.section if isinstance(item, Item) else None,
            points=item.points,
            score=bounded.quantize(quantum, rounding=MODES[rounding.mode]),
            departments=item.departments,
            content=item.content,
            criteria=item.criteria,
            responsible=item.responsible,
            inputs=self.inputs(names),
            shape=trace,
            not_applicable=reason,
            raw=raw,
            clamped=bounded != raw,
        )

    def shape(self, shape: Shape, cap: Decimal) -> tuple[Decimal, ShapeTrace]:
        if isinstance(shape, PartsShape):
            parts = tuple(self.part(p) for p in shape.parts)
            value = ZERO
            for p in parts:
                value = value + p.awarded
            return value, PartsTrace(parts, value)
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

    def part(self, part: Part) -> PartTrace:
        if part.when is not None:
            held = self.holds(part.when)
            awarded = part.points if held else ZERO
            return PartTrace(
                part.label, part.points, part.departments, "when", awarded, held=held,
                expr=part.when.source,
            )  # fmt: skip
        if part.each is not None:
            units = self.number(part.each)
            if units < ZERO:
                units = ZERO
            return PartTrace(
                part.label, part.points, part.departments, "each", units * part.points,
                units=units, expr=part.each.source,
            )  # fmt: skip
        assert part.score is not None
        value, inner = self.shape(part.score, part.points)
        awarded = ZERO if value < ZERO else value
        awarded = part.points if awarded > part.points else awarded
        return PartTrace(
            part.label, part.points, part.departments, "score", awarded, inner=inner,
            capped=awarded != value,
        )  # fmt: skip

    def tiers(self, shape: TiersShape) -> tuple[Decimal, TiersTrace]:
        value = self.number(shape.value)
        matched = None
        for i, band in enumerate(shape.bands):
            if band.contains(value):
                matched = i
                break
        points = shape.otherwise if matched is None else shape.bands[matched].points
        bands = tuple(
            BandTrace(b.label or "", b.points, b.lower, b.at_least is not None, b.upper,
                      b.at_most is not None)
            for b in shape.bands
        )  # fmt: skip
        trace = TiersTrace(
            shape.value.source, value, shape.better, bands, matched, shape.otherwise_label, points,
            shape.label, shape.unit,
        )  # fmt: skip
        return points, trace

    def cases(self, shape: CasesShape) -> tuple[Decimal, CasesTrace]:
        matched = None
        for i, case in enumerate(shape.cases):
            if self.holds(case.when):
                matched = i
                break
        points = shape.otherwise if matched is None else shape.cases[matched].points
        labels = tuple(c.label or c.when.source for c in shape.cases)
        weights = tuple(c.points for c in shape.cases)
        conditions = tuple(c.when.source for c in shape.cases)
        return points, CasesTrace(
            labels, weights, matched, shape.otherwise_label, points, conditions
        )

    def deductions(self, shape: DeductionsShape, cap: Decimal) -> tuple[Decimal, DeductionsTrace]:
        start = shape.start if shape.start is not None else cap
        steps = []
        for step in shape.steps:
            label = step.label or next(f.source for f in (step.unless, step.when, step.per) if f)
            if step.unless is not None:
                applied = not self.holds(step.unless)
                deducted = step.points if applied else ZERO
                steps.append(
                    StepTrace(
                        label, "unless", step.points, applied, deducted, expr=step.unless.source
                    )
                )
            elif step.when is not None:
                applied = self.holds(step.when)
                deducted = step.points if applied else ZERO
                steps.append(
                    StepTrace(label, "when", step.points, applied, deducted, expr=step.when.source)
                )
            else:
                assert step.per is not None
                value = units = self.number(step.per)
                if step.every is not None:
                    units = (units / step.every).to_integral_value(rounding=ROUND_CEILING)
                if units < ZERO:
                    units = ZERO
                deducted = units * step.points
                capped = step.max is not None and deducted > step.max
                if step.max is not None and capped:
                    deducted = step.max
                steps.append(
                    StepTrace(
                        label, "per", step.points, units > 0, deducted, units, capped,
                        step.per.source, value, step.every, step.max,
                    )
                )
        taken = ZERO
        for s in steps:
            taken = taken + s.deducted
        value = start - taken
        floored = value < shape.floor
        if floored:
            value = shape.floor
        return value, DeductionsTrace(start, tuple(steps), shape.floor, floored, value)

    def target(self, shape: TargetShape, cap: Decimal) -> tuple[Decimal, TargetTrace]:
        actual, target = self.number(shape.actual), self.number(shape.target)
        if shape.met_when in ("at_least", "above"):
            met = actual >= target if shape.met_when == "at_least" else actual > target
            gap = target - actual
        else:
            met = actual < target if shape.met_when == "below" else actual <= target
            gap = actual - target
        shortfall = ZERO if met or gap < ZERO else gap
        value = cap if met else ZERO
        trace = TargetTrace(
            shape.actual.source, actual, shape.target.source, target, shape.met_when, met,
            shortfall, value,
        )  # fmt: skip
        return value, trace
