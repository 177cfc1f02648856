"""``rank``: points by rank, from a table (the first row for rank 1, …), else ``otherwise``.

The rank is a cohort value (``facts.yaml``'s ``cohort:``, stat ``rank`` or
``reverse_rank``), computed across the entities assessed; how it was worked
out (of how many, tied with whom) is told beside it from ``Result.cohort``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from qualscore.catalogue import say
from qualscore.ruleset.formula import Formula
from qualscore.ruleset.model import Part, RankShape
from qualscore.scoring.gen import Gen
from qualscore.scoring.shapes._common import Loc, owned
from qualscore.scoring.trace import Input, RankTrace
from qualscore.scoring.words import fmt

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

KIND = "rank"
MODEL = RankShape
TRACE = RankTrace


def formulas(shape: RankShape) -> Iterator[Formula]:
    """The rank read."""
    yield shape.rank


def owners(shape: RankShape, part: Part | None) -> Iterator[tuple[Part | None, Formula]]:
    """Each expression with the part that answers for it (the facts template's departments)."""
    return owned(part, formulas(shape))


def emit(gen: Gen, shape: RankShape, cap: str) -> tuple[str, str]:
    """The table's row for the rank (one comparison each), else ``otherwise``;
    the record is ``(rank, row)``, the row None beyond the table."""
    rank, row, points = gen.value(shape.rank), gen.tmp(), gen.tmp()
    gen.line(f"{row} = None")
    for i in range(len(shape.points)):
        keyword = "if" if i == 0 else "elif"
        with gen.block(f"{keyword} {rank} == {gen.const(Decimal(i + 1))}:"):
            gen.line(f"{row} = {i}")
    table = gen.const(shape.points)
    otherwise = gen.const(shape.otherwise)
    gen.line(f"{points} = {otherwise} if {row} is None else {table}[{row}]")
    return points, f"({rank}, {row})"


def expand(shape: RankShape, record: Any, sub: Any, cap: Decimal | None) -> RankTrace:
    """The trace of the row the rank matched."""
    rank, row = record
    value = shape.otherwise if row is None else shape.points[row]
    return RankTrace(rank, row, shape.points, value, shape.rank.source.strip(), shape.label)


def branches(shape: RankShape, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """Each rank of the table, and ``otherwise``."""
    for i, points in enumerate(shape.points):
        yield (*loc, "points", i), "matched", f"rank {i + 1} ({fmt(points)} points)"
    yield (*loc, "otherwise"), "matched", f"beyond rank {len(shape.points)}"


def reached(trace: RankTrace, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """The table's row, or ``otherwise``."""
    yield (
        (*loc, "otherwise") if trace.matched is None else (*loc, "points", trace.matched),
        "matched",
    )


def explain(
    trace: RankTrace,
    inputs: tuple[Input, ...],
    language: str,
    indent: str,
    places: int = 2,
) -> list[str]:
    """The rank and the points it earns by the table."""
    label = next((i.label for i in inputs if i.key == trace.key), trace.key)
    rank = fmt(trace.rank)
    if trace.matched is None:
        last, points = len(trace.points), fmt(trace.value)
        line = say(language, "rank_beyond", label=label, rank=rank, last=last, points=points)
    elif trace.value < 0:  # a deduction by rank, said as the points taken
        line = say(language, "rank_deducted", label=label, rank=rank, points=fmt(-trace.value))
    else:
        line = say(language, "rank_scored", label=label, rank=rank, points=fmt(trace.value))
    return [f"{indent}{line}"]
