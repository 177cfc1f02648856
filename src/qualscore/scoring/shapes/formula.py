"""``formula``: a free expression; the item clamps its value to [0, points]."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qualscore.catalogue import say, words
from qualscore.language.ranges import value_span
from qualscore.ruleset.formula import Formula, Value
from qualscore.ruleset.model import FormulaShape, Part
from qualscore.scoring.gen import Gen
from qualscore.scoring.shapes._common import Finding, Loc, number, owned, worked
from qualscore.scoring.trace import FormulaTrace, Input
from qualscore.scoring.words import fmt, fmt_approx, points_text

if TYPE_CHECKING:
    from qualscore.scoring.shapes import Bounds, Probe

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
    "lint",
    "owners",
    "reached",
]

KIND = "formula"
MODEL = FormulaShape
TRACE = FormulaTrace


def formulas(shape: FormulaShape) -> Iterator[Formula]:
    """The expression."""
    yield shape.expr


def owners(shape: FormulaShape, part: Part | None) -> Iterator[tuple[Part | None, Formula]]:
    """Each expression with the part that answers for it (the facts template's departments)."""
    return owned(part, formulas(shape))


def emit(gen: Gen, shape: FormulaShape, cap: str) -> tuple[str, str]:
    """The expression's value; the record is that value."""
    value = gen.value(shape.expr)
    return value, value


def expand(shape: FormulaShape, record: Decimal, sub: Any, cap: Decimal | None) -> FormulaTrace:
    """The trace of the expression and its value."""
    return FormulaTrace(shape.expr.source, record, shape.label)


def branches(shape: FormulaShape, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """One branch: evaluated."""
    yield (*loc, "expr"), "evaluated", "formula evaluated"


def reached(trace: FormulaTrace, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Evaluated, always."""
    yield (*loc, "expr"), "evaluated"


def lint(shape: FormulaShape, loc: Loc, bounds: Bounds, probe: Probe) -> Iterator[Finding]:
    """A formula that can leave ``bounds`` (what its value is clamped to) over the facts'
    declared ranges, where the item is scored, with the facts that make it: the range's
    ends are only a suspicion until the engine computes a value beyond them
    (:meth:`Probe.extremes <qualscore.scoring.shapes.Probe.extremes>`)."""
    if probe.domains is None:
        return
    low, cap = bounds
    span = value_span(shape.expr.tree, probe.domains)
    over = cap is not None and span.hi is not None and span.hi > cap
    under = low is not None and span.lo is not None and span.lo < low
    if not (over or under):
        return
    high, least = probe.extremes(shape.expr)
    sides = []
    if under and least is not None and low is not None and least[0] < low:
        at = _assignment(least[1], shape.expr)
        sides.append(f"{fmt_approx(least[0])} at {at}, below {fmt(low)}")
    if over and cap is not None and high is not None and high[0] > cap:
        most = f"more than its {points_text(cap)}" if cap > 0 else f"above {fmt(cap)}"
        sides.append(f"{fmt_approx(high[0])} at {_assignment(high[1], shape.expr)}, {most}")
    if sides:
        if cap is None:  # points: none: only the floor holds it
            clamp = f"kept at {fmt(low)} or above" if low is not None else "not clamped"
        elif low is None:
            clamp = f"capped at {fmt(cap)}"
        else:
            clamp = f"clamped to [{fmt(low)}, {fmt(cap)}]"
        message = f"its formula gives {', and '.join(sides)}; the score is {clamp}"
        yield Finding((*loc, "expr"), message)


def _assignment(values: Mapping[str, Value], formula: Formula) -> str:
    return ", ".join(f"{k} = {_text(values[k])}" for k in formula.names)


def _text(value: Value) -> str:
    if isinstance(value, str):  # a choice
        return repr(value)
    return ("true" if value else "false") if isinstance(value, bool) else fmt(value)


def explain(
    trace: FormulaTrace,
    inputs: tuple[Input, ...],
    language: str,
    indent: str,
    places: int = 2,
) -> list[str]:
    """The rule's words, the formula with the facts' labels, then the numbers worked through."""
    w = words(language)
    sep = w["colon"]
    done = worked(trace.expr, inputs, language, places)
    lines = [f"{indent}{trace.label or w['formula']}"]
    if done is None:
        lines[0] += f"{sep}{number(trace.value, places)}"
        return lines
    formula, steps, conditions = done
    lines[0] += sep + formula
    lines.append(f"{indent}  = {steps}")
    if conditions:
        joined = w["list_sep"].join(conditions)
        lines.append(f"{indent}  {say(language, 'formula_where', conditions=joined)}")
    return lines


# --- what a report says beyond the explanation -----------------------------------------


def headroom(
    trace: FormulaTrace, inputs: tuple[Input, ...], language: str
) -> Iterator[tuple[tuple[str, ...], str, Decimal]]:
    """Raising the formula's value: how far it goes, the facts decide."""
    name = trace.label or trace.expr
    yield (), say(language, "formula_raise", name=name), Decimal("Infinity")


def expressions(trace: FormulaTrace) -> Iterator[str]:
    """The expression."""
    yield trace.expr
