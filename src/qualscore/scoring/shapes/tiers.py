"""``tiers``: a value against ordered bands; the first band that holds it scores."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qualscore.catalogue import say, words
from qualscore.language.ranges import Span, intersect, pick, subtract, value_span
from qualscore.ruleset.formula import Formula
from qualscore.ruleset.model import Band, Part, TiersShape
from qualscore.scoring.gen import Gen
from qualscore.scoring.shapes._common import (
    Finding,
    Loc,
    number,
    owned,
    subject,
    value_text,
    worked,
)
from qualscore.scoring.trace import BandTrace, Input, TiersTrace
from qualscore.scoring.words import band_name, band_text, bounds_text, fmt

if TYPE_CHECKING:
    from qualscore.scoring.shapes import Bounds, Probe

__all__ = [
    "KIND",
    "MODEL",
    "TRACE",
    "band_traces",
    "branches",
    "emit",
    "expand",
    "explain",
    "expressions",
    "extremes",
    "findings",
    "formulas",
    "headroom",
    "lint",
    "never",
    "owners",
    "reached",
    "thresholds",
    "zeroed",
]

KIND = "tiers"
MODEL = TiersShape
TRACE = TiersTrace

_ZERO = Decimal(0)


def formulas(shape: TiersShape) -> Iterator[Formula]:
    """The value."""
    yield shape.value


def owners(shape: TiersShape, part: Part | None) -> Iterator[tuple[Part | None, Formula]]:
    """Each expression with the part that answers for it (the facts template's departments)."""
    return owned(part, formulas(shape))


def _test(gen: Gen, band: Band, value: str) -> str:
    bounds = (
        (band.at_least, ">="),
        (band.above, ">"),
        (band.below, "<"),
        (band.at_most, "<="),
    )
    return " and ".join(f"{value} {op} {gen.const(b)}" for b, op in bounds if b is not None)


def emit(gen: Gen, shape: TiersShape, cap: str) -> tuple[str, str]:
    """An ``if``/``elif`` chain over the bands; record ``(value, matched index or None)``."""
    value = gen.value(shape.value)
    matched, points = gen.tmp(), gen.tmp()
    for i, band in enumerate(shape.bands):
        with gen.block(f"{'if' if i == 0 else 'elif'} {_test(gen, band, value)}:"):
            gen.line(f"{matched} = {i}")
            gen.line(f"{points} = {gen.const(band.points)}")
    with gen.block("else:"):
        gen.line(f"{matched} = None")
        gen.line(f"{points} = {gen.const(shape.otherwise)}")
    return points, f"({value}, {matched})"


def band_traces(shape: TiersShape) -> tuple[BandTrace, ...]:
    """A tier table's bands as the trace records them."""
    return tuple(
        BandTrace(
            b.label or "", b.points, b.lower, b.at_least is not None, b.upper, b.at_most is not None
        )
        for b in shape.bands
    )


def expand(
    shape: TiersShape, record: tuple[Decimal, int | None], sub: Any, cap: Decimal | None
) -> TiersTrace:
    """The trace of the value and the band it fell in."""
    value, matched = record
    points = shape.otherwise if matched is None else shape.bands[matched].points
    return TiersTrace(
        shape.value.source,
        value,
        shape.better,
        sub.bands(shape),
        matched,
        shape.otherwise_label,
        points,
        shape.label,
        shape.unit,
    )


def branches(shape: TiersShape, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """Each band, and ``otherwise``."""
    for i, band in enumerate(shape.bands):
        yield (*loc, "bands", i), "matched", f"band {band_name(band)}"
    label = shape.otherwise_label or f"{fmt(shape.otherwise)} points"
    yield (*loc, "otherwise"), "matched", f"otherwise ({label})"


def never(
    shape: TiersShape, loc: Loc, domains: Mapping[str, Span]
) -> Iterator[tuple[Loc, str, str]]:
    """``otherwise``, when the value is one fact and the bands hold every value it may take."""
    key = shape.value.source.strip()
    if key not in shape.value.names or key not in domains:
        return
    span = domains[key]
    if not _covered(shape, span.lo, span.hi):
        return
    bands = ", ".join(band_name(b) for b in shape.bands)
    low = "-∞" if span.lo is None else fmt(span.lo)
    high = "∞" if span.hi is None else fmt(span.hi)
    why = f"the bands ({bands}) hold every value {key} may take ({low}..{high})"
    yield (*loc, "otherwise"), "matched", why


def _covered(shape: TiersShape, low: Decimal | None, high: Decimal | None) -> bool:
    """Whether some band holds every value in [low, high] (None: unbounded)."""
    bounds = sorted({b for band in shape.bands for b in (band.lower, band.upper) if b is not None})
    points = [p for p in bounds if (low is None or p >= low) and (high is None or p <= high)]
    edges = sorted(set(([] if low is None else [low]) + points + ([] if high is None else [high])))
    if not edges:
        edges = [Decimal(0)]
    tests = list(edges)
    tests += [(a + b) / 2 for a, b in itertools.pairwise(edges)]
    if low is None:
        tests.append(edges[0] - 1)
    if high is None:
        tests.append(edges[-1] + 1)
    return all(any(band.contains(t) for band in shape.bands) for t in tests)


def extremes(
    shape: TiersShape, cap: Decimal | None, domains: Mapping[str, Span]
) -> tuple[tuple[str, Decimal], tuple[str, Decimal]]:
    """The best and the worst band (``otherwise`` among them)."""
    awards = [b.points for b in shape.bands] + [shape.otherwise]
    return ("its best band awards", max(awards)), ("its worst band awards", min(awards))


def zeroed(shape: TiersShape) -> TiersShape:
    """Every band and ``otherwise`` at 0: points the scheme writes down for an outcome."""
    bands = tuple(b.model_copy(update={"points": _ZERO}) for b in shape.bands)
    return shape.model_copy(update={"bands": bands, "otherwise": _ZERO})


def thresholds(shape: TiersShape) -> Iterator[Decimal]:
    """The bands' bounds."""
    for band in shape.bands:
        yield from (v for v in (band.lower, band.upper) if v is not None)


def reached(trace: TiersTrace, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """The band matched, or ``otherwise``."""
    yield (
        (*loc, "otherwise") if trace.matched is None else (*loc, "bands", trace.matched),
        "matched",
    )


def explain(
    trace: TiersTrace,
    inputs: tuple[Input, ...],
    language: str,
    indent: str,
    places: int = 2,
) -> list[str]:
    """The value (worked through when derived), the band it fell in as the source writes it."""
    w = words(language)
    lines: list[str] = []
    said = subject(trace.expr, inputs)
    unit = trace.unit or ""
    if said == trace.expr:
        done = worked(trace.expr, inputs, language, places)
        name = trace.label or w["tiers_value"]
        shown = number(trace.input, places)
        if done is None:
            said = f"{name} {'' if shown.startswith('≈') else '= '}{shown}{unit}"
        else:
            formula, steps, _ = done
            lines.append(f"{indent}{name}{w['colon']}{formula}")
            lines.append(f"{indent}  = {steps}{unit}")
            eq = "" if shown.startswith("≈") else w["worked_equals"]
            said = f"{name} {eq}{shown}{unit}"
    points = fmt(trace.value)
    if trace.matched is None:
        other = f"{w['lp']}{trace.otherwise_label}{w['rp']}" if trace.otherwise_label else ""
        lowest = ""
        if trace.bands:
            edges = w["list_sep"].join(bounds_text(b, language) for b in trace.bands)
            lowest = say(language, "tiers_bands", edges=edges)
        line = say(language, "tiers_none", said=said, bands=lowest, otherwise=other, points=points)
        return [*lines, f"{indent}{line}"]
    band = band_text(trace.bands[trace.matched])
    line = say(language, "tiers_matched", said=said, band=band, points=points)
    return [*lines, f"{indent}{line}"]


# --- what a report says beyond the explanation -----------------------------------------


def headroom(
    trace: TiersTrace, inputs: tuple[Input, ...], language: str
) -> Iterator[tuple[tuple[str, ...], str, Decimal]]:
    """The next better band above the one matched: the bound to reach, as the source
    writes it."""
    better = [i for i, b in enumerate(trace.bands) if b.points > trace.value]
    if trace.matched is not None:
        better = [i for i in better if i < trace.matched]
    if not better:
        return
    band = trace.bands[better[-1]]
    unit = next((i.unit for i in inputs if i.key == trace.expr), trace.unit)
    w = words(language)
    if trace.better == "higher" and band.lower is not None:
        bound = value_text(band.lower, unit)
        verb = w["tiers_reach" if band.lower_inclusive else "tiers_exceed"]
    elif band.upper is not None:
        bound = value_text(band.upper, unit)
        verb = w["tiers_stay_at_most" if band.upper_inclusive else "tiers_get_below"]
    else:
        bound, verb = "", ""
    action = say(language, "tiers_action", verb=verb, bound=bound, band=band_text(band))
    yield (), action, band.points - trace.value


def expressions(trace: TiersTrace) -> Iterator[str]:
    """The value's expression."""
    yield trace.expr


# --- lint -----------------------------------------------------------------------------


def lint(shape: TiersShape, loc: Loc, bounds: Bounds, probe: Probe) -> Iterator[Finding]:
    """A band that awards as much as the band above it, or more (on the item); then, where
    the item is scored, :func:`findings` over the facts' declared ranges."""
    bands = band_traces(shape)
    for above, band in itertools.pairwise(bands):
        if band.points >= above.points:
            same = "as much as" if band.points == above.points else "more than"
            yield Finding(
                (),
                f"band {band_text(band)} awards {fmt(band.points)}, {same} the band above it "
                f"({band_text(above)}, {fmt(above.points)})",
            )
    if probe.domains is not None:
        yield from findings(shape, loc, probe.domains)


def findings(shape: TiersShape, loc: Loc, domains: Mapping[str, Span]) -> Iterator[Finding]:
    """Bands no value can reach, values two bands hold, and values no band holds."""
    domain = value_span(shape.value.tree, domains)
    simple = shape.value.names == (shape.value.source,)
    name = shape.value.source if simple else (shape.label or shape.value.source)
    spans = [_band_span(b) for b in shape.bands]
    for i in range(len(shape.bands)):
        message = _band_message(shape, i, spans, domain, name)
        if message:
            yield Finding((*loc, "bands", i), message)
    yield from _gaps(shape, loc, domain, name, spans)


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
