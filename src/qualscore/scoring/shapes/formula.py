"""``formula``: a free expression; the item clamps its value to [0, points]."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ...formula import Formula
from ...model import FormulaShape, Part
from ...trace import FormulaTrace, Input
from ...words import fmt_approx
from ..gen import Gen
from ._common import Loc

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
    for f in formulas(shape):
        yield part, f


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
    trace: FormulaTrace, inputs: tuple[Input, ...], language: str, indent: str
) -> list[str]:
    """``label：expr = value``."""
    name = trace.label or ("公式" if language == "zh" else "formula")
    sep = "：" if language == "zh" else ": "
    return [f"{indent}{name}{sep}{trace.expr} = {fmt_approx(trace.value)}"]
