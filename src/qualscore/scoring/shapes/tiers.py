"""``tiers``: a value against ordered bands; the first band that holds it scores."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from qualscore.ruleset.formula import Formula
from qualscore.ruleset.model import Band, Part, TiersShape
from qualscore.ruleset.ranges import Span
from qualscore.scoring.gen import Gen
from qualscore.scoring.shapes._common import (
    Loc,
    number,
    owned,
    subject,
    worked,
)
from qualscore.scoring.trace import BandTrace, Input, TiersTrace
from qualscore.scoring.words import band_text, bounds_text, fmt

__all__ = [
    "KIND",
    "MODEL",
    "TRACE",
    "band_traces",
    "branches",
    "emit",
    "expand",
    "explain",
    "extremes",
    "formulas",
    "never",
    "owners",
    "reached",
]

KIND = "tiers"
MODEL = TiersShape
TRACE = TiersTrace


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
    shape: TiersShape, record: tuple[Decimal, int | None], sub: Any, cap: Decimal
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
    from qualscore.scoring.words import band_name

    for i, band in enumerate(shape.bands):
        yield (*loc, "bands", i), "matched", f"band {band_name(band)}"
    label = shape.otherwise_label or f"{fmt(shape.otherwise)} points"
    yield (*loc, "otherwise"), "matched", f"otherwise ({label})"


def never(
    shape: TiersShape, loc: Loc, domains: Mapping[str, Span]
) -> Iterator[tuple[Loc, str, str]]:
    """``otherwise``, when the value is one fact and the bands hold every value it may take."""
    from qualscore.scoring.words import band_name

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
    shape: TiersShape, cap: Decimal, domains: Mapping[str, Span]
) -> tuple[tuple[str, Decimal], tuple[str, Decimal]]:
    """The best and the worst band (``otherwise`` among them)."""
    awards = [b.points for b in shape.bands] + [shape.otherwise]
    return ("its best band awards", max(awards)), ("its worst band awards", min(awards))


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
    zh = language == "zh"
    lines: list[str] = []
    said = subject(trace.expr, inputs)
    unit = trace.unit or ""
    if said == trace.expr:
        done = worked(trace.expr, inputs, language, places)
        name = trace.label or ("数值" if zh else "value")
        if done is None:
            shown = number(trace.input, places)
            said = f"{name} {'' if shown.startswith('≈') else '= '}{shown}{unit}"
        else:
            formula, steps, _ = done
            lines.append(f"{indent}{name}{'：' if zh else ': '}{formula}")
            lines.append(f"{indent}  = {steps}{unit}")
            shown = number(trace.input, places)
            eq = "" if shown.startswith("≈") else "= "
            said = f"{name} {shown}{unit}" if zh else f"{name} {eq}{shown}{unit}"
    if trace.matched is None:
        other = f"（{trace.otherwise_label}）" if trace.otherwise_label else ""
        lowest = ""
        if trace.bands:
            edges = ("；" if zh else "; ").join(bounds_text(b, language) for b in trace.bands)
            lowest = f"（各档：{edges}）" if zh else f" (bands: {edges})"
        if zh:
            got = f"得 {fmt(trace.value)} 分"
            return [*lines, f"{indent}{said}，未达到任何档{lowest}{other}，{got}"]
        return [*lines, f"{indent}{said}: no band matched{lowest}{other}, {fmt(trace.value)} pt"]
    matched = trace.bands[trace.matched]
    band = band_text(matched)
    shown = ""
    if zh:
        return [*lines, f"{indent}{said}，落在「{band}」档{shown}，得 {fmt(trace.value)} 分"]
    return [*lines, f'{indent}{said}: falls in band "{band}"{shown}, {fmt(trace.value)} pt']
