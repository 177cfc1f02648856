"""``cases``: conditions checked in order; the first that holds scores."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from qualscore.catalogue import say, words
from qualscore.language.ranges import Span
from qualscore.ruleset.formula import Formula
from qualscore.ruleset.model import CasesShape, Part
from qualscore.scoring.gen import Gen
from qualscore.scoring.shapes._common import Loc, changes, owned, worked
from qualscore.scoring.trace import CasesTrace, Input
from qualscore.scoring.words import fmt

__all__ = [
    "KIND",
    "MODEL",
    "TRACE",
    "branches",
    "derived",
    "emit",
    "expand",
    "explain",
    "expressions",
    "extremes",
    "formulas",
    "headroom",
    "owners",
    "reached",
    "zeroed",
]

KIND = "cases"
MODEL = CasesShape
TRACE = CasesTrace


def formulas(shape: CasesShape) -> Iterator[Formula]:
    """Each condition, in order."""
    yield from (c.when for c in shape.cases)


def owners(shape: CasesShape, part: Part | None) -> Iterator[tuple[Part | None, Formula]]:
    """Each expression with the part that answers for it (the facts template's departments)."""
    return owned(part, formulas(shape))


def emit(gen: Gen, shape: CasesShape, cap: str) -> tuple[str, str]:
    """The conditions in order, flat; record the matched index or None."""
    matched, points = gen.tmp(), gen.tmp()
    gen.line(f"{matched} = None")
    for i, case in enumerate(shape.cases):
        if i == 0:
            with gen.block(f"if {gen.expr(case.when)}:"):
                gen.line(f"{matched} = 0")
            continue
        with gen.block(f"if {matched} is None:"), gen.block(f"if {gen.expr(case.when)}:"):
            gen.line(f"{matched} = {i}")
    table = gen.const(tuple(c.points for c in shape.cases))
    otherwise = gen.const(shape.otherwise)
    gen.line(f"{points} = {otherwise} if {matched} is None else {table}[{matched}]")
    return points, matched


def labels(shape: CasesShape) -> tuple[str, ...]:
    """Each case's label, or its condition as written."""
    return tuple(c.label or c.when.source for c in shape.cases)


def expand(shape: CasesShape, record: int | None, sub: Any, cap: Decimal | None) -> CasesTrace:
    """The trace of the first condition that held."""
    points = shape.otherwise if record is None else shape.cases[record].points
    return CasesTrace(
        sub.labels(shape),
        tuple(c.points for c in shape.cases),
        record,
        shape.otherwise_label,
        points,
        tuple(c.when.source for c in shape.cases),
    )


def branches(shape: CasesShape, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """Each case, and ``otherwise``."""
    for i, case in enumerate(shape.cases):
        yield (*loc, "cases", i), "matched", f"case {case.label or case.when.source}"
    label = shape.otherwise_label or f"{fmt(shape.otherwise)} points"
    yield (*loc, "otherwise"), "matched", f"otherwise ({label})"


def extremes(
    shape: CasesShape, cap: Decimal | None, domains: Mapping[str, Span]
) -> tuple[tuple[str, Decimal], tuple[str, Decimal]]:
    """The best and the worst case (``otherwise`` among them)."""
    awards = [c.points for c in shape.cases] + [shape.otherwise]
    return ("its best case awards", max(awards)), ("its worst case awards", min(awards))


def zeroed(shape: CasesShape) -> CasesShape:
    """``otherwise`` at 0: what the scheme writes down for no case holding (a case that holds
    when nothing is done still awards, and is worth a warning)."""
    return shape.model_copy(update={"otherwise": Decimal(0)})


def reached(trace: CasesTrace, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """The case that held, or ``otherwise``."""
    yield (
        (*loc, "otherwise") if trace.matched is None else (*loc, "cases", trace.matched),
        "matched",
    )


def explain(
    trace: CasesTrace,
    inputs: tuple[Input, ...],
    language: str,
    indent: str,
    places: int = 2,
) -> list[str]:
    """Each condition checked, in order, with its numbers, up to the one that held."""
    w = words(language)
    lines: list[str] = []
    for source in changes(inputs):
        change = worked(source, inputs, language, places)
        if change is not None:
            lines.append(f"{indent}{w['cases_change']}{w['colon']}{change[0]}")
            lines.append(f"{indent}  = {change[1]}%")
    last = len(trace.labels) if trace.matched is None else trace.matched + 1
    for label, condition in list(zip(trace.labels, trace.conditions, strict=False))[:last]:
        done = worked(condition, inputs, language, places)
        if done is None:
            continue
        shown = w["condition"] if label == condition else say(language, "cases_label", label=label)
        lines.append(f"{indent}{shown}{w['colon']}{done[0]}")
        lines.append(f"{indent}  {done[1]}")
    points = fmt(trace.value)
    if trace.matched is None:
        other = f"{w['lp']}{trace.otherwise_label}{w['rp']}" if trace.otherwise_label else ""
        return [*lines, f"{indent}{say(language, 'cases_none', otherwise=other, points=points)}"]
    label = trace.labels[trace.matched]
    return [*lines, f"{indent}{say(language, 'cases_held', label=label, points=points)}"]


# --- what a report says beyond the explanation -----------------------------------------


def headroom(
    trace: CasesTrace, inputs: tuple[Input, ...], language: str
) -> Iterator[tuple[tuple[str, ...], str, Decimal]]:
    """The last case written that awards more than the one that held."""
    better = [i for i, p in enumerate(trace.points) if p > trace.value]
    if better:
        i = better[-1]
        label = trace.labels[i]
        action = say(language, "cases_meet", label=label)
        yield (), action, trace.points[i] - trace.value


def expressions(trace: CasesTrace) -> Iterator[str]:
    """Each condition, in order."""
    yield from trace.conditions


def derived(trace: CasesTrace, inputs: tuple[Input, ...]) -> list[str]:
    """The change from last year of each fact read with its previous year's value: what a
    case comparing the years decides on."""
    return changes(inputs)
