"""``target``: an actual value against a (per-entity) target; full points when met, else 0."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from qualscore.catalogue import say
from qualscore.ruleset.formula import Formula
from qualscore.ruleset.model import Part, TargetShape
from qualscore.scoring.gen import Gen
from qualscore.scoring.shapes._common import (
    Completion,
    Loc,
    number,
    owned,
    subject,
    worked,
)
from qualscore.scoring.trace import Input, TargetTrace
from qualscore.scoring.words import fmt, words

__all__ = [
    "KIND",
    "MODEL",
    "TRACE",
    "branches",
    "emit",
    "expand",
    "explain",
    "expressions",
    "formulas",
    "headroom",
    "owners",
    "reached",
]

KIND = "target"
MODEL = TargetShape
TRACE = TargetTrace

_TEST = {"at_least": ">=", "above": ">", "below": "<", "at_most": "<="}
_RELATION = {"at_least": "≥", "above": ">", "below": "<", "at_most": "≤"}


def formulas(shape: TargetShape) -> Iterator[Formula]:
    """The actual value, then the target."""
    yield from (shape.actual, shape.target)


def owners(shape: TargetShape, part: Part | None) -> Iterator[tuple[Part | None, Formula]]:
    """Each expression with the part that answers for it (the facts template's departments)."""
    return owned(part, formulas(shape))


def emit(gen: Gen, shape: TargetShape, cap: str) -> tuple[str, str]:
    """Met or not, and the shortfall; record ``(actual, target, met, shortfall, value)``."""
    actual, target = gen.value(shape.actual), gen.value(shape.target)
    met, short, value = gen.tmp(), gen.tmp(), gen.tmp()
    gen.line(f"{met} = {actual} {_TEST[shape.met_when]} {target}")
    upward = shape.met_when in ("at_least", "above")
    gap = f"{target} - {actual}" if upward else f"{actual} - {target}"
    with gen.block(f"if {met}:"):
        gen.line(f"{short} = _Z")
        gen.line(f"{value} = {cap}")
    with gen.block("else:"):
        gen.line(f"{short} = {gap}")
        gen.line(f"{short} = _Z if _Z > {short} else {short}")
        gen.line(f"{value} = _Z")
    return value, f"({actual}, {target}, {met}, {short}, {value})"


def expand(
    shape: TargetShape,
    record: tuple[Decimal, Decimal, bool, Decimal, Decimal],
    sub: Any,
    cap: Decimal | None,
) -> TargetTrace:
    """The trace of actual against target."""
    actual, target, met, short, value = record
    return TargetTrace(
        shape.actual.source, actual, shape.target.source, target, shape.met_when, met, short, value
    )


def branches(shape: TargetShape, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """Met and missed."""
    for outcome in ("met", "missed"):
        yield loc, outcome, f"target {outcome}"


def reached(trace: TargetTrace, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Met or missed."""
    yield loc, "met" if trace.met else "missed"


def explain(
    trace: TargetTrace,
    inputs: tuple[Input, ...],
    language: str,
    indent: str,
    places: int = 2,
) -> list[str]:
    """The actual value, the target, met or missed by how much."""
    w = words(language)
    lines: list[str] = []
    said = subject(trace.actual_expr, inputs)
    if said == trace.actual_expr:
        done = worked(trace.actual_expr, inputs, language, places)
        if done is not None:
            lines.append(f"{indent}{done[0]}")
            lines.append(f"{indent}  = {done[1]}")
        said = say(language, "target_actual", actual=number(trace.actual, places))
    goal = f"{_RELATION[trace.met_when]} {number(trace.target, places)}"
    target_said = subject(trace.target_expr, inputs)
    if target_said != trace.target_expr:
        goal += f"{w['lp']}{target_said}{w['rp']}"
    upward = trace.met_when in ("at_least", "above")
    high, low = (trace.target, trace.actual) if upward else (trace.actual, trace.target)
    arithmetic = (
        f"{number(high, places)} − {number(low, places)} = {number(trace.shortfall, places)}"
    )
    short = say(language, "target_short", arithmetic=arithmetic)
    state = w["target_met"] if trace.met else f"{w['target_missed']}{short}"
    line = say(language, "target_line", said=said, goal=goal, state=state, points=fmt(trace.value))
    return [*lines, f"{indent}{line}"]


# --- what a report says beyond the explanation -----------------------------------------


def headroom(
    trace: TargetTrace, inputs: tuple[Input, ...], language: str
) -> Iterator[tuple[tuple[str, ...], str, Decimal]]:
    """Meeting the target, when missed: its points (or as much as the facts decide)."""
    if trace.met:
        return
    goal, short = number(trace.target, 2), number(trace.shortfall, 2)
    action = say(language, f"target_reach_{trace.met_when}", goal=goal, short=short)
    yield (), action, trace.value if trace.value else Decimal("Infinity")


def expressions(trace: TargetTrace) -> Iterator[str]:
    """The actual value's expression and the target's."""
    yield from (trace.actual_expr, trace.target_expr)


def completion(trace: TargetTrace) -> Completion:
    """Met or not, how far from met, the actual value, the target and the rule, as scored."""
    return Completion(trace.met, trace.shortfall, trace.actual, trace.target, trace.met_when)


def check(shape: TargetShape, values: Mapping[str, Any]) -> Completion:
    """The same, worked out from the facts without scoring (a batch's target matrix)."""
    from qualscore.scoring.engine import target_check

    actual, target = shape.actual.evaluate(values), shape.target.evaluate(values)
    assert isinstance(actual, Decimal) and isinstance(target, Decimal)
    met, shortfall = target_check(actual, target, shape.met_when)
    return Completion(met, shortfall, actual, target, shape.met_when)
