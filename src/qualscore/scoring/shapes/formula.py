"""``formula``: a free expression; the item clamps its value to [0, points]."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from qualscore.ruleset.formula import Formula
from qualscore.ruleset.model import FormulaShape, Part
from qualscore.scoring.gen import Gen
from qualscore.scoring.shapes._common import Loc, number, owned, worked
from qualscore.scoring.trace import FormulaTrace, Input

__all__ = [
    "KIND",
    "MODEL",
    "TRACE",
    "branches",
    "emit",
    "expand",
    "explain",
    "formulas",
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


def expand(shape: FormulaShape, record: Decimal, sub: Any, cap: Decimal) -> FormulaTrace:
    """The trace of the expression and its value."""
    return FormulaTrace(shape.expr.source, record, shape.label)


def branches(shape: FormulaShape, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """One branch: evaluated."""
    yield (*loc, "expr"), "evaluated", "formula evaluated"


def reached(trace: FormulaTrace, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Evaluated, always."""
    yield (*loc, "expr"), "evaluated"


def explain(
    trace: FormulaTrace,
    inputs: tuple[Input, ...],
    language: str,
    indent: str,
    places: int = 2,
) -> list[str]:
    """The rule's words, the formula with the facts' labels, then the numbers worked through."""
    zh = language == "zh"
    sep = "：" if zh else ": "
    done = worked(trace.expr, inputs, language, places)
    lines = [f"{indent}{trace.label}" if trace.label else f"{indent}{'公式' if zh else 'formula'}"]
    if done is None:
        lines[0] += f"{sep}{number(trace.value, places)}"
        return lines
    formula, steps, conditions = done
    lines[0] += sep + formula
    lines.append(f"{indent}  = {steps}")
    if conditions:
        joined = "；".join(conditions) if zh else "; ".join(conditions)
        lines.append(f"{indent}  {'其中' if zh else 'where'} {joined}")
    return lines
