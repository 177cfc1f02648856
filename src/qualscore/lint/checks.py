"""Warnings about a rule set that loads but may not say what its authors meant.

A warning never stops scoring: sources are sometimes inconsistent, and the
rule set must keep the source's numbers. The validator reports each one, with
the node's place and a value that shows the problem:

- points that do not add up, at every level: the categories against
  ``total_points``, children against an indicator's or category's points, a
  checklist's parts, the best band or case, and a deduction's start, against
  an item's (or a part's) points: above, the cap binds; below, points can never
  be earned;
- a tier table with a gap, an overlap, or a band no value can reach; a band
  that awards as much as the band above it (or more);
- a formula that can give more than its points, or less than 0, over the
  facts' declared ranges (:mod:`qualscore.lint.values`);
- an item that awards points when every fact it reads is false or 0 (nothing
  done), unless 0 is the good case for one of them (an accident rate, a count
  of failures, a target of 0: raising it from 0 can lower the score) or the
  points are written down for that outcome (a tier table's band or
  ``otherwise``, a list of cases' ``otherwise``);
- a declared fact that nothing reads.

A fact read with the wrong type (a bool compared with a number) is not a
warning but a load error: expressions are type-checked when the rule set loads.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from qualscore._decimal import in_context
from qualscore.errors import EvaluationError
from qualscore.ruleset.formula import Value
from qualscore.ruleset.loader import (
    FACTS,
    MANIFEST,
    Location,
    RuleSet,
)
from qualscore.ruleset.model import (
    CasesShape,
    Category,
    CohortDecl,
    DeductionsShape,
    FactDecl,
    FormulaShape,
    Indicator,
    Item,
    PartsShape,
    Shape,
    TiersShape,
)
from qualscore.ruleset.ranges import constants
from qualscore.scoring import item_function
from qualscore.scoring.engine import formulas
from qualscore.scoring.plan import possible
from qualscore.scoring.trace import BandTrace
from qualscore.scoring.words import band_text, fmt, points_text

__all__ = ["LintWarning", "lint"]

_ZERO = Decimal(0)


@dataclass(frozen=True, order=True)
class LintWarning:
    """One warning about one node."""

    location: Location
    node: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: warning: {self.node}: {self.message}"


@in_context
def lint(ruleset: RuleSet) -> list[LintWarning]:
    """Every warning about ``ruleset``, in file order."""
    warnings: list[LintWarning] = list(_total(ruleset))
    for category in ruleset.categories:
        warnings.extend(_group_points(ruleset, category))
    for item in ruleset.items():
        where = ruleset.locations[item.id]
        for shape in _shapes(item.score):
            warnings.extend(_tiers(where, f"item {item.id}", shape))
        warnings.extend(_values(ruleset, item))
        warnings.extend(_nothing_done(ruleset, item, where))
    warnings.extend(_unused(ruleset))
    warnings.extend(_reserved(ruleset))
    warnings.extend(_penalty_deductions(ruleset))
    return sorted(warnings, key=lambda w: (w.location.path, w.location.line, w.location.col))


def _penalty_deductions(ruleset: RuleSet) -> Iterator[LintWarning]:
    """A ``deductions`` shape in a penalty section that can never deduct.

    A penalty item scores from 0 down: its deductions start at 0 (unless ``from``
    says otherwise) and stop at their floor, 0 unless written, so without a
    negative ``floor`` they never take anything.
    """
    for category in ruleset.categories:
        if category.kind != "penalty":
            continue
        for child in category.items:
            for item in child.items if isinstance(child, Indicator) else (child,):
                for shape in _shapes(item.score):
                    if not isinstance(shape, DeductionsShape):
                        continue
                    start = shape.start if shape.start is not None else Decimal(0)
                    if start <= shape.floor:
                        yield LintWarning(
                            ruleset.locations[item.id],
                            f"item {item.id}",
                            f"its deductions start at {fmt(start)} and stop at their floor "
                            f"{fmt(shape.floor)}, so they never deduct in a penalty section; "
                            f"give a negative floor (floor: {fmt(-item.points)})",
                        )


def _reserved(ruleset: RuleSet) -> Iterator[LintWarning]:
    """A fact named ``entity``, ``period`` or ``judged``: the facts file's own keys."""
    for i, decl in enumerate(ruleset.facts):
        if decl.key in ("entity", "period", "judged"):
            yield LintWarning(
                ruleset.locate(FACTS, ("facts", i, "key")),
                f"fact {decl.key}",
                f"'{decl.key}' is a reserved key of facts files; declared as a fact it stays "
                f"a fact, and no facts file can give its {decl.key} as such: rename the fact",
            )


def _shapes(shape: Shape) -> Iterator[Shape]:
    yield shape
    if isinstance(shape, PartsShape):
        for part in shape.parts:
            if part.score is not None:
                yield from _shapes(part.score)


# --- points ---------------------------------------------------------------------------


def _sum_message(
    total: Decimal, points: Decimal, what: str, whose: str = "its declared"
) -> str | None:
    """``what`` (``its children add to``) ``total``, against ``points``; None when equal."""
    if total > points:
        return (
            f"{what} {fmt(total)}, more than {whose} {points_text(points)}; "
            f"the cap of {fmt(points)} binds"
        )
    if total < points:
        return (
            f"{what} {fmt(total)}, less than {whose} {points_text(points)}; "
            f"{points_text(points - total)} can never be earned"
        )
    return None


def _total(ruleset: RuleSet) -> Iterator[LintWarning]:
    declared = ruleset.manifest.total_points
    if declared is None:
        return
    if not ruleset.manifest.groups:
        total = possible(ruleset)
        if total != declared:
            yield LintWarning(
                ruleset.locate(MANIFEST, ("total_points",)),
                "rule set",
                f"its categories declare {points_text(total)}, "
                f"not the {fmt(declared)} of total_points",
            )
        return
    # Each entity is scored on what applies to it: its maximum must be the declared total.
    for group in ruleset.manifest.groups:
        wrong = sorted({possible(ruleset.view(m)) for m in group.members} - {declared})
        if wrong:
            yield LintWarning(
                ruleset.locate(MANIFEST, ("total_points",)),
                f"group {group.id}",
                f"what applies to its entities declares {', '.join(fmt(w) for w in wrong)} "
                f"points, not the {fmt(declared)} of total_points",
            )


def _restricted(category: Category) -> bool:
    """Whether some of the category's children apply only to some entities."""
    for child in category.items:
        if child.applies_to is not None:
            return True
        if isinstance(child, Indicator) and any(i.applies_to is not None for i in child.items):
            return True
    return False


def _group_points(ruleset: RuleSet, category: Category) -> Iterator[LintWarning]:
    """Point sums as each entity is scored: per group when children apply to some only."""
    if not ruleset.manifest.groups or not _restricted(category):
        yield from _points(ruleset, category)
        return
    seen: set[tuple[str, str]] = set()
    for entity in ruleset.entities():
        view = ruleset.view(entity)
        for mine in (c for c in view.categories if c.id == category.id):
            for warning in _points(view, mine):
                group = ruleset.group_of(entity)
                key = (str(warning.location), warning.message)
                if key not in seen:
                    seen.add(key)
                    if warning.node.startswith(("category ", "indicator ")):
                        message = f"{warning.message} (for group {group})"
                        warning = LintWarning(warning.location, warning.node, message)
                    yield warning


def _points(ruleset: RuleSet, category: Category) -> Iterator[LintWarning]:
    nodes: list[tuple[str, Category | Indicator | Item, Decimal, str]] = []
    children = sum((c.points for c in category.items), _ZERO)
    # A penalty or bonus section's cap is what it may deduct or add at most: its items
    # adding to more is what a cap is for. A category of criteria text has no items.
    sums = category.kind == "score" and bool(category.items)
    if sums:
        nodes.append((f"category {category.id}", category, children, "children"))
    for child in category.items if sums else ():
        if isinstance(child, Indicator):
            total = sum((i.points for i in child.items), _ZERO)
            nodes.append((f"indicator {child.id}", child, total, "items"))
    for item in _items(category):
        if isinstance(item.score, PartsShape) and all(p.each is None for p in item.score.parts):
            if category.kind == "penalty":
                continue
            total = sum((p.points for p in item.score.parts if p.points > 0), _ZERO)
            nodes.append((f"item {item.id}", item, total, "parts"))
    for name, node, total, what in nodes:
        assert node.points is not None
        message = _sum_message(total, node.points, f"its {what} add to")
        if message:
            yield LintWarning(ruleset.locations[node.id], name, message)
    for item in _items(category):
        yield from _best(ruleset, item)


def _items(category: Category) -> Iterator[Item]:
    for child in category.items:
        yield from (child.items if isinstance(child, Indicator) else (child,))


def _best(ruleset: RuleSet, item: Item) -> Iterator[LintWarning]:
    """The most a tier table, a list of cases or a deduction's start gives, against its cap."""
    from qualscore.lint.values import located, shapes

    for shape, loc, cap in shapes(item.score, ("score",), item.points):
        whose = "its declared" if loc == ("score",) else "its part's"
        message = None
        if isinstance(shape, TiersShape | CasesShape):
            rows = shape.bands if isinstance(shape, TiersShape) else shape.cases
            best = max([r.points for r in rows] + [shape.otherwise])
            what = "band" if isinstance(shape, TiersShape) else "case"
            message = _sum_message(best, cap, f"its best {what} awards", whose)
        elif isinstance(shape, DeductionsShape) and shape.start is not None:
            message = _sum_message(shape.start, cap, "its deductions start from", whose)
        if message:
            yield LintWarning(located(ruleset, item.id, loc), f"item {item.id}", message)
    na = item.not_applicable
    if na is not None and na.award is not None and na.award > item.points:
        yield LintWarning(
            located(ruleset, item.id, ("not_applicable", "award")),
            f"item {item.id}",
            f"not_applicable awards {fmt(na.award)}, more than its declared "
            f"{points_text(item.points)}; the cap of {fmt(item.points)} binds",
        )


# --- tier tables and formulas -------------------------------------------------------


def _tiers(where: Location, name: str, shape: Shape) -> Iterator[LintWarning]:
    if not isinstance(shape, TiersShape):
        return
    bands = [
        BandTrace(
            b.label or "", b.points, b.lower, b.at_least is not None, b.upper, b.at_most is not None
        )
        for b in shape.bands
    ]
    for above, band in itertools.pairwise(bands):
        if band.points >= above.points:
            same = "as much as" if band.points == above.points else "more than"
            yield LintWarning(
                where,
                name,
                f"band {band_text(band)} awards {fmt(band.points)}, {same} the band above it "
                f"({band_text(above)}, {fmt(above.points)})",
            )


def _values(ruleset: RuleSet, item: Item) -> Iterator[LintWarning]:
    from qualscore.lint.values import (
        formula_findings,
        item_domains,
        located,
        shapes,
        tier_findings,
    )

    domains = item_domains(ruleset, item)
    if domains is None:  # not applicable whatever the facts: nothing to read
        return
    for shape, loc, cap in shapes(item.score, ("score",), item.points):
        if isinstance(shape, TiersShape):
            findings = tier_findings(shape, loc, domains)
        elif isinstance(shape, FormulaShape):
            findings = formula_findings(ruleset, item, shape, loc, cap, domains)
        else:
            continue
        for finding in findings:
            where = located(ruleset, item.id, finding.loc)
            yield LintWarning(where, f"item {item.id}", finding.message)


# --- nothing done -----------------------------------------------------------------------


def _penalises(shape: Shape) -> bool:
    """Whether a shape deducts when something holds: there, all-false is the best case."""
    if isinstance(shape, DeductionsShape):
        return any(step.when is not None for step in shape.steps)
    return any(p.score is not None and _penalises(p.score) for p in getattr(shape, "parts", ()))


def _nothing_done(ruleset: RuleSet, item: Item, where: Location) -> Iterator[LintWarning]:
    keys = sorted({n for f in formulas(item) for n in f.names})
    if not keys or _penalises(item.score):
        return
    # A rank, a share or a mean is the others' doing as much as the entity's: there is
    # no "nothing done" to probe.
    if any(ruleset.fact(k).role == "cohort" for k in keys):
        return
    # A number whose declared range goes below 0 (a signed change): 0 is a middle
    # value there, such as "stable", not "nothing done".
    if any(ruleset.fact(k).type != "bool" and _signed(ruleset, k) for k in keys):
        return
    plain = item.model_copy(update={"score": _no_written_awards(item.score)})
    zero = {k: _zero(ruleset, k) for k in keys}
    score = _score(ruleset, plain, zero)
    if score is None or score <= 0 or _zero_is_good(ruleset, plain, zero, score):
        return
    numbers = any(ruleset.fact(k).type != "bool" for k in keys)
    when = "every fact it reads is false or 0" if numbers else "every condition it reads is false"
    yield LintWarning(
        where, f"item {item.id}", f"awards {fmt(score)} of {fmt(item.points)} when {when}"
    )


def _signed(ruleset: RuleSet, key: str) -> bool:
    low = ruleset.fact(key).bounds[0]
    return low is not None and low < 0


def _zero(ruleset: RuleSet, key: str) -> Value:
    """False, or 0 brought into the fact's declared range."""
    decl = ruleset.fact(key)
    if decl.type == "bool":
        return False
    low, high = decl.bounds
    value = max(_ZERO, low) if low is not None else _ZERO
    return min(value, high) if high is not None else value


def _no_written_awards(shape: Shape) -> Shape:
    """The shape without the awards a scheme writes down for an outcome: a tier table's
    bands and ``otherwise``, and a list of cases' ``otherwise``, all at 0."""
    if isinstance(shape, TiersShape):
        bands = tuple(b.model_copy(update={"points": _ZERO}) for b in shape.bands)
        return shape.model_copy(update={"bands": bands, "otherwise": _ZERO})
    if isinstance(shape, CasesShape):
        return shape.model_copy(update={"otherwise": _ZERO})
    if isinstance(shape, PartsShape):
        parts = tuple(
            p if p.score is None else p.model_copy(update={"score": _no_written_awards(p.score)})
            for p in shape.parts
        )
        return shape.model_copy(update={"parts": parts})
    return shape


def _score(ruleset: RuleSet, item: Item, values: dict[str, Value]) -> Decimal | None:
    """The item's score for these facts; None if they fail a check, the item does not
    apply, or a formula fails."""
    from qualscore.lint.values import passes_checks

    try:
        if not passes_checks(ruleset, values):
            return None
        result = item_function(ruleset, item, item.id)(values)
    except (EvaluationError, ArithmeticError):
        return None
    return None if result.not_applicable is not None else result.score


def _zero_is_good(ruleset: RuleSet, item: Item, zero: dict[str, Value], score: Decimal) -> bool:
    """Whether raising one fact from 0 (or false) can lower the score: 0 is its good case."""
    numbers = constants(f.source for f in formulas(item))
    for shape in _shapes(item.score):
        if isinstance(shape, TiersShape):
            numbers |= {v for b in shape.bands for v in (b.lower, b.upper) if v is not None}
    for key, base in zero.items():
        for value in _probes(ruleset, key, base, numbers):
            other = _score(ruleset, item, {**zero, key: value})
            if other is not None and other < score:
                return True
    return False


def _probes(ruleset: RuleSet, key: str, base: Value, numbers: set[Decimal]) -> list[Value]:
    decl = ruleset.fact(key)
    if decl.type == "bool":
        return [True]
    assert isinstance(base, Decimal)
    high = decl.bounds[1]
    tries = {Decimal(1), *(n + d for n in numbers for d in (_ZERO, Decimal(1)))}
    if high is not None:
        tries.add(high)
    whole = decl.type == "count"
    return sorted(
        v
        for v in tries
        if v > base and (high is None or v <= high) and (not whole or v == v.to_integral_value())
    )


# --- facts ------------------------------------------------------------------------------


def _unused(ruleset: RuleSet) -> Iterator[LintWarning]:
    read = {n for item in ruleset.items() for f in formulas(item) for n in f.names}
    if ruleset.manifest.bonus is not None:
        read |= {n for f in formulas(ruleset.manifest.bonus) for n in f.names}
    read |= {n for v in ruleset.manifest.vetoes for n in v.when.names}
    read |= {n for c in ruleset.checks.checks for n in c.when.names}
    read |= {n for c in ruleset.cohort if c.of is not None for n in c.of.names}
    declared: list[tuple[str, str, Sequence[FactDecl | CohortDecl], str]] = [
        ("facts", "fact", ruleset.facts, "item, bonus, veto or check"),
        ("cohort", "cohort value", ruleset.cohort, "item, bonus, veto or cohort value"),
    ]
    for where, what, decls, readers in declared:
        for i, decl in enumerate(decls):
            if decl.key not in read:
                yield LintWarning(
                    ruleset.locate(FACTS, (where, i)),
                    f"{what} {decl.key}",
                    f"declared but read by no {readers}",
                )
