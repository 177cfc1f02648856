"""Warnings about the values a rule reads: tier tables and formulas over declared ranges.

- a tier table with a gap (a value between two bands, or beyond the best band,
  that no band holds), an overlap (a value two bands hold) or a band no value
  can reach;
- a formula whose value can leave what its item may score: [floor, points]
  (floor 0 unless written; a penalty item's [-points, 0]; a part's [0, points]).

Both read the facts' declared ranges (:mod:`qualscore.ruleset.ranges`): a count is
whole, a percent is 0..100, and an item's score is read only where its
``not_applicable`` condition does not hold. A formula is reported only with a
value the engine itself computes, for facts that pass the rule set's checks; a
side that only an unbounded fact can push past the cap is a per-unit score
capped by the item's points, as an ``each`` part is, and is not reported.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from qualscore.ruleset.formula import Formula, Value
from qualscore.ruleset.loader import Location, RuleSet
from qualscore.ruleset.model import (
    Band,
    FormulaShape,
    Item,
    PartsShape,
    Shape,
    TiersShape,
)
from qualscore.ruleset.ranges import (
    Span,
    constants,
    fact_span,
    intersect,
    pick,
    refine,
    subtract,
    value_span,
)
from qualscore.scoring.words import band_name, fmt, fmt_approx, points_text

__all__ = [
    "Bounds",
    "Finding",
    "band_name",
    "formula_findings",
    "item_domains",
    "located",
    "shapes",
    "tier_findings",
]

MAX_TRIES = 4096
"""Most fact combinations tried to confirm a formula's range with the engine."""

_ZERO = Decimal(0)
Loc = tuple[str | int, ...]
Bounds = tuple[Decimal | None, Decimal]
"""What a shape's value is clamped to: (lowest, None for no lower bound; highest)."""


@dataclass(frozen=True)
class Finding:
    """A problem found at a path inside an item (``("score", "bands", 1)``)."""

    loc: Loc
    message: str


def shapes(shape: Shape, loc: Loc, bounds: Bounds) -> Iterator[tuple[Shape, Loc, Bounds]]:
    """The shape and every shape nested in its parts, with its path and what its value is
    clamped to: ``bounds`` for the shape itself (its item's), [0, points] for a part's."""
    yield shape, loc, bounds
    if isinstance(shape, PartsShape):
        for i, part in enumerate(shape.parts):
            if part.score is not None:
                yield from shapes(part.score, (*loc, "parts", i, "score"), (_ZERO, part.points))


def item_domains(ruleset: RuleSet, item: Item) -> Mapping[str, Span] | None:
    """The number facts' ranges where the item is scored; None when it never is.

    The declared ranges are worked out once per rule set, not once per item.
    """
    domains = fact_domains(ruleset)
    if item.not_applicable is None:
        return domains
    return refine(item.not_applicable.when.source, domains, holds=False)


_DOMAINS: weakref.WeakKeyDictionary[RuleSet, Mapping[str, Span]] = weakref.WeakKeyDictionary()


def fact_domains(ruleset: RuleSet) -> Mapping[str, Span]:
    """Every number fact's declared range, worked out once per rule set (do not change it)."""
    found = _DOMAINS.get(ruleset)
    if found is None:
        spans = {f.key: fact_span(f) for f in ruleset.facts if f.type != "bool"}
        found = _DOMAINS[ruleset] = MappingProxyType(spans)
    return found


# --- tier tables --------------------------------------------------------------------


def _band_span(band: Band) -> Span:
    return Span(band.lower, band.upper, band.above is not None, band.below is not None)


def _describe(span: Span) -> str:
    what = "a whole number" if span.whole else "a number"
    if span.lo is not None and span.hi is not None:
        return f"{what} from {fmt(span.lo)} to {fmt(span.hi)}"
    if span.lo is not None:
        return f"{what} of at least {fmt(span.lo)}"
    if span.hi is not None:
        return f"{what} of at most {fmt(span.hi)}"
    return what


def tier_findings(shape: TiersShape, loc: Loc, domains: Mapping[str, Span]) -> Iterator[Finding]:
    """Bands no value can reach, values two bands hold, and values no band holds."""
    domain = value_span(shape.value.source, domains)
    simple = shape.value.names == (shape.value.source,)
    name = shape.value.source if simple else (shape.label or shape.value.source)
    spans = [_band_span(b) for b in shape.bands]
    for i in range(len(shape.bands)):
        message = _band_message(shape, i, spans, domain, name)
        if message:
            yield Finding((*loc, "bands", i), message)
    yield from _gaps(shape, loc, domain, name, spans)


def _band_message(
    shape: TiersShape, i: int, spans: list[Span], domain: Span, name: str
) -> str | None:
    """Why band ``i`` can never be reached, or which earlier band it overlaps; None if neither."""
    band = band_name(shape.bands[i])
    within = intersect(spans[i], domain)
    if within is None:
        return f"band {band} can never be reached: {name} is {_describe(domain)}"
    earlier = [j for j in range(i) if intersect(within, spans[j]) is not None]
    if not earlier:
        return None
    first = band_name(shape.bands[earlier[0]])
    if not subtract(within, [spans[j] for j in earlier]):
        return (
            f"band {band} can never be reached: every value in it falls in an earlier band "
            f"({first})"
        )
    both = intersect(within, spans[earlier[0]])
    value = pick(both) if both is not None else None
    return (
        f"band {band} overlaps an earlier band: {name} = {_show(value)} falls in both, "
        f"and the earlier one ({first}) counts"
    )


def _gaps(
    shape: TiersShape, loc: Loc, domain: Span, name: str, spans: list[Span]
) -> Iterator[Finding]:
    covered = [
        (span, band)
        for span, band in (
            (intersect(s, domain), b) for s, b in zip(spans, shape.bands, strict=True)
        )
        if span is not None
    ]
    if not covered:
        return
    if shape.better == "higher":  # from the worst band up to the best value there is
        low = min((s for s, _ in covered), key=_lower_key)
        hull = Span(low.lo, domain.hi, low.lo_open, domain.hi_open)
    else:
        high = max((s for s, _ in covered), key=_upper_key)
        hull = Span(domain.lo, high.hi, domain.lo_open, high.hi_open)
    inside = intersect(hull, domain)
    for hole in subtract(inside, [s for s, _ in covered]) if inside is not None else []:
        value = pick(hole)
        assert value is not None
        below = [(s, b) for s, b in covered if s.hi is not None and s.hi <= value]
        above = [(s, b) for s, b in covered if s.lo is not None and s.lo >= value]
        lower = max(below, key=lambda c: _upper_key(c[0]))[1] if below else None
        upper = min(above, key=lambda c: _lower_key(c[0]))[1] if above else None
        if lower is not None and upper is not None:
            where = f"between bands {band_name(lower)} and {band_name(upper)}"
        else:
            nearest = lower or upper
            assert nearest is not None
            where = f"beyond the best band, {band_name(nearest)}"
        yield Finding(
            (*loc, "bands"),
            f"gap: {name} = {fmt(value)} falls in no band ({where}) and scores the "
            f"otherwise, {fmt(shape.otherwise)}",
        )


def _lower_key(span: Span) -> tuple[bool, Decimal, bool]:
    """Sorts spans by their lower end, unbounded first."""
    return (span.lo is not None, span.lo if span.lo is not None else _ZERO, span.lo_open)


def _upper_key(span: Span) -> tuple[bool, Decimal, bool]:
    """Sorts spans by their upper end, unbounded last."""
    return (span.hi is None, span.hi if span.hi is not None else _ZERO, not span.hi_open)


def _show(value: Decimal | None) -> str:
    return "?" if value is None else fmt(value)


# --- formulas -----------------------------------------------------------------------


def formula_findings(
    ruleset: RuleSet,
    item: Item,
    shape: FormulaShape,
    loc: Loc,
    bounds: Bounds,
    domains: Mapping[str, Span],
) -> Iterator[Finding]:
    """A formula that can leave ``bounds`` (what its value is clamped to), with the facts
    that make it."""
    low, cap = bounds
    span = value_span(shape.expr.source, domains)
    over = span.hi is not None and span.hi > cap
    under = low is not None and span.lo is not None and span.lo < low
    if not (over or under):
        return
    high, least = _extremes(ruleset, item, shape.expr, domains)
    sides = []
    if under and least is not None and low is not None and least[0] < low:
        at = _assignment(least[1], shape.expr)
        sides.append(f"{fmt_approx(least[0])} at {at}, below {fmt(low)}")
    if over and high is not None and high[0] > cap:
        most = f"more than its {points_text(cap)}" if cap > 0 else f"above {fmt(cap)}"
        sides.append(f"{fmt_approx(high[0])} at {_assignment(high[1], shape.expr)}, {most}")
    if sides:
        clamp = f"capped at {fmt(cap)}" if low is None else f"clamped to [{fmt(low)}, {fmt(cap)}]"
        message = f"its formula gives {', and '.join(sides)}; the score is {clamp}"
        yield Finding((*loc, "expr"), message)


def _assignment(values: Mapping[str, Value], formula: Formula) -> str:
    return ", ".join(f"{k} = {_text(values[k])}" for k in formula.names)


def _text(value: Value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else fmt(value)


Extreme = tuple[Decimal, dict[str, Value]]


def _extremes(
    ruleset: RuleSet, item: Item, formula: Formula, domains: Mapping[str, Span]
) -> tuple[Extreme | None, Extreme | None]:
    """The highest and lowest values the engine computes over candidate facts that pass
    the rule set's checks (of equal values, the first candidate tried).

    The formula is computed for every candidate first; the checks are then asked only
    about the candidates from the top and from the bottom until one passes, so that
    thousands of checks cost a few verdicts per item, not one per candidate.
    """
    condition = item.not_applicable.when if item.not_applicable else None
    names = sorted(set(formula.names) | set(condition.names if condition else ()))
    numbers = constants([formula.source, *([condition.source] if condition else [])])
    choices = [_candidates(ruleset, n, domains, numbers) for n in names]
    found: list[Extreme] = []
    for combo in itertools.islice(itertools.product(*choices), MAX_TRIES):
        values = dict(zip(names, combo, strict=True))
        result = _evaluate(formula, condition, values)
        if result is not None:
            found.append((result, values))
    checks = _checks(ruleset)
    highest = sorted(range(len(found)), key=lambda i: (-found[i][0], i))
    high = next((found[i] for i in highest if checks.passes(found[i][1])), None)
    lowest = sorted(range(len(found)), key=lambda i: (found[i][0], i))
    low = next((found[i] for i in lowest if checks.passes(found[i][1])), None)
    return high, low


def _candidates(
    ruleset: RuleSet, name: str, domains: Mapping[str, Span], numbers: set[Decimal]
) -> list[Value]:
    if ruleset.fact(name).type == "bool":
        return [False, True]
    span = domains[name]
    tries = {span.lo, span.hi, _ZERO, Decimal(1)}
    tries |= {n + d for n in numbers for d in (Decimal(-1), _ZERO, Decimal(1))}
    inside = [v for v in tries if v is not None and intersect(span, Span(v, v)) is not None]
    return sorted(inside)


def _evaluate(
    formula: Formula, condition: Formula | None, values: dict[str, Value]
) -> Decimal | None:
    """The formula's value where the item applies; None where it does not or cannot be computed."""
    try:
        if condition is not None and condition.evaluate(values):
            return None
        result = formula.evaluate(values)
    except (ArithmeticError, TypeError):
        return None
    return result if isinstance(result, Decimal) else None


@dataclass(frozen=True)
class _Group:
    """The checks that read the same facts, and their verdict on each set of values tried."""

    names: tuple[str, ...]
    checks: tuple[Formula, ...]
    verdicts: dict[tuple[Value, ...], bool]

    def passes(self, values: Mapping[str, Value]) -> bool:
        key = tuple(values[n] for n in self.names)
        verdict = self.verdicts.get(key)
        if verdict is None:
            try:
                verdict = all(check.evaluate(values) for check in self.checks)
            except ArithmeticError:  # a check that cannot be computed is not passed
                verdict = False
            self.verdicts[key] = verdict
        return verdict


class _Checks:
    """A rule set's cross-fact checks, grouped by the facts they read.

    A check's verdict depends only on the values of the facts it reads, so each
    group decides each combination of its facts' values once, whatever the
    other facts, items and candidates: the work is linear in the checks, not in
    checks × candidates tried.
    """

    def __init__(self, ruleset: RuleSet) -> None:
        by_names: dict[tuple[str, ...], list[Formula]] = {}
        for check in ruleset.checks.checks:
            by_names.setdefault(check.when.names, []).append(check.when)
        self.groups = tuple(_Group(k, tuple(v), {}) for k, v in by_names.items())
        self.applicable: dict[frozenset[str], tuple[_Group, ...]] = {}

    def passes(self, values: Mapping[str, Value]) -> bool:
        keys = frozenset(values)
        groups = self.applicable.get(keys)
        if groups is None:
            groups = tuple(g for g in self.groups if keys.issuperset(g.names))
            self.applicable[keys] = groups
        return all(group.passes(values) for group in groups)


_CHECKS: weakref.WeakKeyDictionary[RuleSet, _Checks] = weakref.WeakKeyDictionary()


def _checks(ruleset: RuleSet) -> _Checks:
    found = _CHECKS.get(ruleset)
    if found is None:
        found = _CHECKS[ruleset] = _Checks(ruleset)
    return found


def passes_checks(ruleset: RuleSet, values: Mapping[str, Value]) -> bool:
    """Whether ``values`` pass every cross-fact check that reads only facts among them.

    A check that cannot be computed on these values (a division by zero) is not
    passed. Each check's verdict on each combination of the values it reads is
    worked out once per rule set (lint tries many values of the same facts), so
    a rule set with thousands of checks costs each check a few verdicts, not
    one per value tried.
    """
    return _checks(ruleset).passes(values)


def located(ruleset: RuleSet, item_id: str, loc: Loc) -> Location:
    """Where the node at ``loc`` inside the item ``item_id`` is written."""
    name, base = ruleset.node_paths[item_id]
    return ruleset.locate(name, (*base, *loc))
