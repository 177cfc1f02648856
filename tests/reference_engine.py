"""A deliberately simple reference interpreter of a rule set, for the differential test.

It walks the models item by item, shape by shape, evaluates every formula on
simpleeval (``tests/simple_reference.py``) and builds the trace
objects directly: no generated code, no caches, no compact records. What it
computes is what the documentation says (docs/rule-language.md, "Semantics"),
written the plainest way; ``tests/test_differential.py`` holds the generated
engine to the same scores and the same traces on random rule sets and facts.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator, Mapping
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from typing import Any, Literal

from qualscore import RuleSet
from qualscore._decimal import exact
from qualscore._version import __version__
from qualscore.errors import EvaluationError
from qualscore.facts.lists import work
from qualscore.ruleset.formula import Formula, NegativeRoot, Value
from qualscore.ruleset.model import (
    Bonus,
    CasesShape,
    DeductionsShape,
    FormulaShape,
    Indicator,
    Item,
    JudgedShape,
    Part,
    PartsShape,
    Shape,
    TargetShape,
    TiersShape,
)
from qualscore.scoring.members import member_results
from qualscore.scoring.trace import (
    BandTrace,
    CasesTrace,
    DeductionsTrace,
    FormulaTrace,
    Input,
    ItemResult,
    JudgedTrace,
    Judgement,
    NamedValue,
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
from qualscore.scoring.words import words
from simple_reference import reference

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
    elif isinstance(node, JudgedShape):
        return
    else:
        assert isinstance(node, FormulaShape)
        yield node.expr


class _Values(Mapping[str, Any]):
    """The values a formula reads: the facts as given, the named values and the node
    reads (``score('2.1')``) worked out so far."""

    def __init__(self, reference: Reference, given: Mapping[str, Value]) -> None:
        self.reference = reference
        self.given = given
        self.worked: dict[str, Value | None] = {}

    def __getitem__(self, key: str) -> Any:
        if key in self.given:
            return self.given[key]
        if key in self.worked:
            found = self.worked[key]
            if found is None:  # a named value the entity has not
                raise KeyError(key)
            return found
        function, _, node = key.partition("('")
        if function in ("score", "applies", "met") and node.endswith("')"):
            return self.reference.read(function, node[:-2])
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        try:
            self[str(key)]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.given)

    def __len__(self) -> int:
        return len(self.given)


class Reference:
    """The interpreter: one per entity."""

    def __init__(self, ruleset: RuleSet, values: Mapping[str, Value]) -> None:
        self.ruleset = ruleset
        self.values = _Values(self, values)
        self.owner = ""
        self.what = "item"
        self.item_id = ""
        self.part_id: str | None = None
        self.results: dict[str, Any] = {}
        self.verdicts: dict[str, bool | None] = {}
        self.sum = ZERO
        self.models: dict[str, Any] = {}
        self.roles: dict[str, Literal["score", "bonus", "penalty"]] = {}
        for category in ruleset.categories:
            self.models[category.id] = category
            for child in category.items:
                self.models[child.id] = child
                for item in getattr(child, "items", ()):
                    self.models[item.id] = item
                    self.roles[item.id] = category.kind
                self.roles[child.id] = category.kind
            self.roles[category.id] = category.kind
        if ruleset.manifest.bonus is not None:
            self.models["bonus"] = ruleset.manifest.bonus
            self.roles["bonus"] = "score"

    # --- the units, in the order the rule set gives (each after what it reads) ----------

    def unit(self, kind: str, name: str) -> None:
        if kind == "value":
            decl = next(v for v in self.ruleset.values if v.key == name)
            self.values.worked[name] = self.value(decl)
        elif kind == "verdict":
            self.decide(name)
        elif name == "total":
            total = ZERO
            for category in self.ruleset.categories:
                total = total + self.results[category.id].score
            bonus = self.results.get("bonus")
            self.sum = total + (bonus.score if bonus else ZERO)
        else:
            self.score(name)

    def score(self, node_id: str) -> None:
        model, role = self.models[node_id], self.roles[node_id]
        if isinstance(model, Item | Bonus):
            self.results[node_id] = self.item(model, node_id, role)
            return
        children = tuple(self.results[c.id] for c in model.items)
        kind: Literal["indicator", "category"] = (
            "indicator" if isinstance(model, Indicator) else "category"
        )
        node = self.node(node_id, model.title, kind, model.points, children, role, model.floor)
        if kind == "category":
            node = node._replace(criteria=model.criteria)
        self.results[node_id] = node

    def value(self, decl: Any) -> Value | None:
        """A named value; None if it reads a value the entity has not."""
        if any(n not in self.values for n in decl.expr.names):
            return None
        self.owner, self.what = decl.key, "value"
        value = self.run(decl.expr)
        if decl.places is not None:
            assert isinstance(value, Decimal)
            rounding = self.ruleset.manifest.rounding
            quantum = Decimal(1).scaleb(-decl.places)
            value = value.quantize(quantum, rounding=MODES[rounding.mode]) + ZERO
        return value

    def read(self, function: str, node: str) -> Value:
        """``score``, ``applies`` or ``met`` of a node already worked out."""
        if node == "total":
            return self.sum
        found = self.results.get(node)
        if node not in self.models:  # not in this rule set as it applies to the entity
            return ZERO if function == "score" else False
        if function == "score":
            return found.score
        if function == "applies":
            return self.applies(found)
        return self.verdicts.get(node) is True

    def applies(self, node: Any) -> bool:
        if isinstance(node, ItemResult):
            return node.not_applicable is None
        return any(self.applies(c) for c in node.children)

    def decide(self, node_id: str) -> None:
        """A node's verdict (``""``: the scheme's): none where the node does not apply or
        the condition reads a value the entity has not."""
        model = self.models.get(node_id, self.ruleset.manifest)
        verdict = model.verdict
        result = self.results.get(node_id)
        met = None
        readable = all(n in self.values for n in verdict.met.names)
        if readable and (result is None or self.applies(result)):
            self.owner, self.what = node_id or self.ruleset.id, "verdict of"
            met = self.holds(verdict.met)
        self.verdicts[node_id] = met
        if result is None:
            return
        said = words(self.ruleset.manifest.language)
        labels = verdict.labels or (said["verdict_met"], said["verdict_not_met"])
        shown = said["na"] if met is None else labels[0] if met else labels[1]
        self.results[node_id] = result._replace(
            verdict=shown, met=met, judgement=self.judgement(verdict.met, met)
        )

    def judgement(self, condition: Formula, met: bool | None) -> Judgement | None:
        """How a verdict was decided: its condition and what it read (none where there is
        no verdict)."""
        if met is None:
            return None
        said = words(self.ruleset.manifest.language)
        titles = self.titles()
        read = self.inputs(set(condition.names)) + tuple(
            Input(f"{fn}('{n}')", said[f"read_{fn}"].format(title=titles.get(n, n)),
                  self.values[f"{fn}('{n}')"], None)
            for fn, n in condition.nodes
        )  # fmt: skip
        return Judgement(condition.source, read)

    def run(self, formula: Formula) -> Value:
        try:
            return reference(formula, self.values)
        except (ArithmeticError, TypeError) as exc:
            if isinstance(exc, ZeroDivisionError):
                reason = "division by zero"
            elif isinstance(exc, decimal.Overflow):
                reason = "number too large"
            elif isinstance(exc, NegativeRoot):  # sqrt of a negative number, named
                reason = str(exc)
            else:
                reason = (
                    "a value it reads is not a number"
                    if isinstance(exc, TypeError)
                    else "the result is not a valid number"
                )
            raise EvaluationError(
                self.owner, f"{formula.source}: {reason}", what=self.what
            ) from exc

    def number(self, formula: Formula) -> Decimal:
        value = self.run(formula)
        assert isinstance(value, Decimal)
        return value

    def holds(self, formula: Formula) -> bool:
        return bool(self.run(formula))

    def inputs(self, names: set[str]) -> tuple[Input, ...]:
        declared = [*self.ruleset.facts, *self.ruleset.aggregates, *self.ruleset.values]
        came = self.values.given.get("#provenance", {})  # where each fact came from
        lists = self.ruleset.list_of  # an aggregate came from where its list came from
        return tuple(
            Input(d.key, d.label, v := self.values[d.key], d.unit,
                  came.get(d.key) or (came.get(lists[d.key].key) if d.key in lists else None),
                  (getattr(d, "choice_labels", None) or {}).get(v) if isinstance(v, str) else None)
            for d in declared
            if d.key in names and d.key in self.values
        )

    def titles(self) -> dict[str, str]:
        titles: dict[str, str] = {}
        for category in self.ruleset.categories:
            titles[category.id] = category.title
            for child in category.items:
                titles[child.id] = child.title
                titles.update((i.id, i.title) for i in getattr(child, "items", ()))
        if self.ruleset.manifest.bonus is not None:
            titles["bonus"] = self.ruleset.manifest.bonus.title
        return titles

    def node_inputs(self, item: Item | Bonus) -> tuple[Input, ...]:
        said = words(self.ruleset.manifest.language)
        titles = self.titles()
        reads = sorted({r for f in formulas(item) for r in f.nodes})
        return tuple(
            Input(f"{fn}('{node}')", said[f"read_{fn}"].format(title=titles.get(node, node)),
                  self.values[f"{fn}('{node}')"], None)
            for fn, node in reads
        )  # fmt: skip

    def final(self, node: Any) -> Any:
        """A node as finally worked out: its verdict, and its children's."""
        found = self.results.get(node.id, node)
        if isinstance(found, NodeResult):
            return found._replace(children=tuple(self.final(c) for c in found.children))
        return found

    def result(self, facts_sha256: str) -> Result:
        manifest = self.ruleset.manifest
        # The order is the rule language's (docs/rule-language.md): each unit after what it
        # reads, otherwise as written. Which formula fails first depends on it; no value does.
        for kind, name in self.ruleset.graph.order():
            self.unit(kind, name)
        categories = [self.final(self.results[c.id]) for c in self.ruleset.categories]
        bonus = self.results.get("bonus")
        total = self.sum
        vetoes = []
        for veto, applies in zip(manifest.vetoes, self.ruleset.vetoes_applying(), strict=True):
            self.owner, self.what = veto.id, "veto"
            held = applies and all(n in self.values for n in veto.when.names) and self.holds(
                veto.when
            )
            names = set(veto.when.names) if applies else set()
            # The values it reads that the entity has not (a named value reading a blank
            # target): the veto does not hold, and says which.
            absent = tuple(
                self.ruleset.fact(n).label
                for n in (veto.when.names if applies else ())
                if n not in self.values
            )
            vetoes.append(
                VetoResult(
                    veto.id, veto.title, held, veto.result, self.inputs(names),
                    applies=applies, when=veto.when.source, grade=veto.grade,
                    grade_at_most=veto.grade_at_most, content=veto.content,
                    criteria=veto.criteria, departments=veto.departments, absent=absent,
                    places=manifest.rounding.places,
                )
            )  # fmt: skip
        # The result: the first held veto that says one; one that only caps the grade does not.
        deciding = next(
            (v for v, r in zip(manifest.vetoes, vetoes, strict=True) if r.held and v.result),
            None,
        )
        possible = ZERO
        for c in self.ruleset.categories:
            if c.kind == "score":
                assert c.points is not None
                possible = possible + c.points
        # The grade: a forced one wins; else the band, lowered to the lowest held cap.
        grade = None
        for veto, held in zip(manifest.vetoes, vetoes, strict=True):
            if held.held and veto.grade is not None:
                grade = veto.grade
                break
        else:
            for band in self.ruleset.bands():
                if band.contains(total):
                    grade = band.grade
                    break
            order = [b.grade for b in manifest.grades]
            for veto, held in zip(manifest.vetoes, vetoes, strict=True):
                cap = veto.grade_at_most
                lower = grade is not None and cap is not None and order.index(cap) > order.index(grade)
                if held.held and lower:
                    grade = cap
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
            vetoed=deciding is not None,
            result_label=deciding.result if deciding else manifest.normal_result,
            rules_sha256=self.ruleset.sha256,
            facts_sha256=facts_sha256,
            engine_version=__version__,
            grade=grade,
            verdict=self.scheme_verdict(),
            met=self.verdicts.get("") if manifest.verdict is not None else None,
            judgement=None
            if manifest.verdict is None
            else self.judgement(manifest.verdict.met, self.verdicts.get("")),
            values=self.named(),
            members=member_results(self.ruleset, self.values.given),  # as reported
        )

    def named(self) -> tuple[NamedValue, ...]:
        said = words(self.ruleset.manifest.language)
        titles = self.titles()
        out = []
        records = self.values.given.get("#records")
        if records:  # each aggregate's working, record by record (its value is checked
            # against a plain computation of its own in the differential test)
            mode = MODES[self.ruleset.manifest.rounding.mode]
            for d in self.ruleset.lists:
                for a in d.aggregates:
                    done = work(d, a, records[d.key], self.values.given, mode)
                    shown = a.of.source if a.of is not None else a.stat
                    out.append(NamedValue(a.key, a.label, done.value, a.unit, shown, (), None,
                                          done))  # fmt: skip
        for decl in self.ruleset.values:
            if decl.key not in self.values:
                continue
            read = self.inputs(set(decl.expr.names)) + tuple(
                Input(f"{fn}('{n}')", said[f"read_{fn}"].format(title=titles.get(n, n)),
                      self.values[f"{fn}('{n}')"], None)
                for fn, n in decl.expr.nodes
            )  # fmt: skip
            out.append(NamedValue(decl.key, decl.label, self.values[decl.key], decl.unit,
                                  decl.expr.source, read))  # fmt: skip
        return tuple(out)

    def scheme_verdict(self) -> str | None:
        verdict = self.ruleset.manifest.verdict
        if verdict is None:
            return None
        said = words(self.ruleset.manifest.language)
        labels = verdict.labels or (said["verdict_met"], said["verdict_not_met"])
        met = self.verdicts.get("")
        return said["na"] if met is None else labels[0] if met else labels[1]

    def node(
        self,
        node_id: str,
        title: str,
        kind: Literal["indicator", "category"],
        points: Decimal | None,
        children: tuple[NodeResult | ItemResult, ...],
        role: Literal["score", "bonus", "penalty"],
        floor: Decimal | None,
    ) -> NodeResult:
        """The sum, at most the points and at least the floor; a penalty's: 0 down to -points."""
        total = ZERO
        for child in children:
            total = total + child.score
        if role == "penalty":
            upper: Decimal | None = ZERO
            lower = None if points is None else -points
        else:
            upper, lower = points, floor
        score = upper if upper is not None and upper < total else total
        if lower is not None and score < lower:
            score = lower
        shown = points if points is not None else ZERO
        return NodeResult(
            node_id, title, kind, shown, children, total, score, role, points is not None, lower
        )

    def item(
        self, item: Item | Bonus, item_id: str, role: Literal["score", "bonus", "penalty"] = "score"
    ) -> ItemResult:
        self.owner = self.item_id = item_id
        self.what = "item"
        # points: none: no cap (a penalty item: no most deduction).
        upper: Decimal | None
        if role == "penalty":
            lower: Decimal | None = None if item.points is None else -item.points
            upper = ZERO
        else:
            lower = item.floor if isinstance(item, Item) else ZERO
            upper = item.points
        names = {n for f in formulas(item) for n in f.names}
        may_lack = [d for d in self.ruleset.facts if d.role == "target"] + [
            *self.ruleset.aggregates, *self.ruleset.values
        ]
        blank = [d for d in may_lack if d.key in names and d.key not in self.values]
        self.owner, self.what = item_id, "item"
        na = item.not_applicable if isinstance(item, Item) else None
        reason = None
        missing: tuple[tuple[str, str], ...] = ()
        trace: ShapeTrace | None = None
        if blank and na is not None:
            # A blank target: not applicable, in the item's own words and with its award.
            raw = na.award if na.award is not None else self.full(upper)
            reason = na.reason
        elif blank:
            raw = ZERO
            said = {"value": "no_value", "aggregate": "no_records"}.get(blank[0].role, "no_target")
            reason = words(self.ruleset.manifest.language)[said].format(label=blank[0].label)
        elif na is not None and self.holds(na.when):
            raw = na.award if na.award is not None else self.full(upper)
            reason = na.reason
        elif lacking := self.values.given.get(f"evidence:{item_id}"):
            raw = ZERO  # evidence it must have, lacking: it scores 0
            said = words(self.ruleset.manifest.language)["judged_evidence"]
            missing = tuple(
                (k, said if k.startswith("judged:") else self.ruleset.label(k))
                for k in lacking
            )
        else:
            raw, trace = self.shape(item.score, upper)
        if lower is not None and raw <= lower:
            bounded = lower
        elif upper is not None and raw > upper:
            bounded = upper
        else:
            bounded = raw
        rounding = self.ruleset.manifest.rounding
        quantum = Decimal(1).scaleb(-rounding.places)
        return ItemResult(
            id=item_id,
            title=item.title,
            section=item.section if isinstance(item, Item) else None,
            points=item.points,
            # + ZERO: a score of zero is 0, never -0.
            score=bounded.quantize(quantum, rounding=MODES[rounding.mode]) + ZERO,
            departments=item.departments,
            content=item.content,
            criteria=item.criteria,
            responsible=item.responsible,
            inputs=self.inputs(names) + self.node_inputs(item),
            shape=trace,
            not_applicable=reason,
            raw=raw,
            clamped=bounded != raw,
            floor=lower,
            role=role,
            assessing=item.assessing,
            assessing_parts=tuple(
                (p.label, p.assessing) for p in self.parts_in(item.score) if p.assessing
            ),
            missing_evidence=missing,
        )

    @staticmethod
    def full(upper: Decimal | None) -> Decimal:
        """An item's full points: the loader refuses an item of points: none that would read
        them (judged, a target, deductions without from, not_applicable without award)."""
        assert upper is not None
        return upper

    def parts_in(self, shape: Shape) -> Iterator[Part]:
        """Every part of ``shape``, nested ones' after their own, in the order written."""
        if isinstance(shape, PartsShape):
            for part in shape.parts:
                yield part
                if part.score is not None:
                    yield from self.parts_in(part.score)

    def shape(self, shape: Shape, cap: Decimal | None) -> tuple[Decimal, ShapeTrace]:
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
            return self.target(shape, self.full(cap))
        if isinstance(shape, JudgedShape):
            return self.judged(shape, self.full(cap))
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
            awarded = units * part.points
            if part.points < ZERO:
                awarded = awarded + ZERO  # no units of a negative part: 0, not -0
            return PartTrace(
                part.label, part.points, part.departments, "each", awarded,
                units=units, expr=part.each.source,
            )  # fmt: skip
        assert part.score is not None
        outer, self.part_id = self.part_id, part.id  # a judged part's key names it
        value, inner = self.shape(part.score, part.points)
        self.part_id = outer
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

    def deductions(
        self, shape: DeductionsShape, cap: Decimal | None
    ) -> tuple[Decimal, DeductionsTrace]:
        start = shape.start if shape.start is not None else self.full(cap)
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
                # every alone: started steps; count alone: steps of 1; neither: the value.
                every = step.every
                count = step.count
                if every is not None or count is not None:
                    every = every if every is not None else Decimal(1)
                    count = count if count is not None else "started"
                    mode = ROUND_FLOOR if count == "whole" else ROUND_CEILING
                    units = (units / every).to_integral_value(rounding=mode)
                if units < ZERO:
                    units = ZERO
                deducted = units * step.points
                capped = step.max is not None and deducted > step.max
                if step.max is not None and capped:
                    deducted = step.max
                steps.append(
                    StepTrace(
                        label, "per", step.points, units > 0, deducted, units, capped,
                        step.per.source, value, every, step.max, count,
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

    def judged(self, shape: JudgedShape, cap: Decimal) -> tuple[Decimal, JudgedTrace]:
        key = self.item_id if self.part_id is None else f"{self.item_id}/{self.part_id}"
        given = self.values.get(f"judged:{key}")
        texts = self.values.get(f"judged:{key}#")
        reason, evidence, assessor = texts if texts is not None else (None, None, None)
        score = cap if given is None else given
        assert isinstance(score, Decimal)
        deduction = cap - score if shape.give == "deduction" else None
        trace = JudgedTrace(
            given is not None, score, cap, reason, evidence, assessor, deduction, score, shape.label
        )
        return score, trace
