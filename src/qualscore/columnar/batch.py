"""The columnar engine in a batch: each plain CSV table scored whole, every other input and
every row the columns do not take scored by the row engine, in input order.

A CSV table is *plain* when Polars reads it exactly as the batch's own reader does: UTF-8
without a byte order mark, no quote, no carriage return, no control character, no
blank line, no cell the reader would refuse as too long, and every line as many cells
as the header, whose names are written as the batch reads them. Such a table's rows
are read and scored by the columnar plan
(:func:`~qualscore.columnar.plan.compile_columns`); a row it hands back (facts the quick
check does not take, a number beyond its columns, a formula that fails) is read by the
batch's reader and scored by the row engine, which words its problems. Any other input
(a facts file, a workbook, a table that is not plain) goes to the row engine whole,
through the worker processes. What comes out is what the row engine alone gives: the
same :class:`~qualscore.batch.runner.Outcome` rows and problems, in the same order.
"""

from __future__ import annotations

import io
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from qualscore.batch.rows import Row
from qualscore.batch.runner import Entity, Outcome, Shared, Work, score_entity, score_units
from qualscore.batch.units import entity_of, iter_units, shown
from qualscore.columnar.plan import ColumnarPlan
from qualscore.columnar.rows import batch_rows
from qualscore.errors import Problem, SourceError
from qualscore.source.tables import MAX_CELL_CHARS, csv_head, table_rows

__all__ = ["plain_table", "score_inputs"]

_NOT_PLAIN = re.compile('["\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')
"""What the batch's reader reads otherwise than Polars, or refuses (a quote, a control
character): a table holding any of it is read by the batch's reader."""


def plain_table(path: Path, where: str) -> tuple[tuple[str, ...], bytes, int] | None:
    """A CSV table's columns, the bytes of its records and the line they start on, when
    the table is plain (see the module's docstring); else None.

    Raises:
        SourceError: the table is refused (as the batch's reader refuses it).
    """
    if path.suffix.lower() != ".csv" or not path.is_file():
        return None
    columns, body, first = csv_head(path, where)
    raw = path.read_bytes()
    head = raw[: len(raw) - len(body)]
    if head.startswith(b"\xef\xbb\xbf") or head.rstrip(b"\n").decode("utf-8").split(",") != list(
        columns
    ):
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _NOT_PLAIN.search(text) or "\n\n" in text or text.startswith("\n"):
        return None
    lines = text.rstrip("\n").split("\n")
    commas = len(columns) - 1
    if any(len(line) > MAX_CELL_CHARS or line.count(",") != commas for line in lines):
        return None
    return columns, body, first


GROUP_ROWS = 65_536
"""Rows of consecutive plain tables with the same columns scored together: the columns
cost little per row and much per call, and tables come in pieces of a few thousand."""


@dataclass(frozen=True)
class _Table:
    """A plain table of a group: where it is shown, its columns, its lines, the line its
    records start on, and the group's row number of its first record."""

    where: str
    columns: tuple[str, ...]
    lines: list[bytes]
    first: int
    start: int


def score_inputs(
    plan: ColumnarPlan,
    shared: Shared,
    paths: Sequence[str],
    *,
    jobs: int = 1,
    fingerprints: bool = False,
) -> Iterator[Outcome | Problem]:
    """Every input's outcomes and problems, in input order: plain tables by ``plan``,
    the rest by the row engine (in ``jobs`` processes).

    Args:
        plan: The rule set compiled for the columns (``shared.ruleset``'s).
        shared: The rule set and its tables, for the row engine.
        paths: The inputs, as ``qualscore batch`` takes them.
        jobs: Processes for the inputs the row engine scores.
        fingerprints: Give each row its facts' fingerprint (else it is empty).
    """
    work = Work.of(shared, detail=False, keep=False, line=None, cohort=None)
    group: list[_Table] = []
    frames: list[pl.DataFrame] = []
    for given in paths:
        where = shown(given)
        try:
            table = plain_table(Path(given), where)
        except SourceError as exc:
            yield from _group(plan, work, group, frames, fingerprints)
            group, frames = [], []
            yield from exc.problems
            continue
        except OSError:
            table = None  # the row engine tells it
        frame = None
        if table is not None:
            columns, body, first = table
            if not body.strip(b"\n"):
                continue
            lines = body.rstrip(b"\n").split(b"\n")
            frame = pl.read_csv(
                io.BytesIO(",".join(columns).encode("utf-8") + b"\n" + body),
                infer_schema=False,
                has_header=True,
            )
            if frame.height != len(lines) or tuple(frame.columns) != columns:  # never seen
                frame = None
        if frame is None or (group and group[0].columns != columns) or (
            group and group[-1].start + len(group[-1].lines) + len(lines) > GROUP_ROWS
        ):
            yield from _group(plan, work, group, frames, fingerprints)
            group, frames = [], []
        if frame is None:
            yield from score_units(shared, iter_units([given]), jobs=jobs)
            continue
        start = group[-1].start + len(group[-1].lines) if group else 0
        group.append(_Table(where, columns, lines, first, start))
        frames.append(frame)
    yield from _group(plan, work, group, frames, fingerprints)


def _group(
    plan: ColumnarPlan,
    work: Work,
    group: list[_Table],
    frames: list[pl.DataFrame],
    fingerprints: bool,
) -> Iterator[Outcome | Problem]:
    """The outcomes of a group of plain tables, in their order: rows the plan scored, and
    the others by the row engine."""
    if not group:
        return
    starts = [t.start for t in group]

    def place(number: int) -> tuple[_Table, int]:
        """The table of the group's row ``number``, and the row's line in it."""
        table = group[bisect_right(starts, number) - 1]
        return table, table.first + number - table.start

    def back(number: int) -> Iterator[Outcome | Problem]:
        table, line = place(number)
        return _by_row_engine(work, table.columns, table.lines[number - table.start],
                              table.where, line)  # fmt: skip

    frame = pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]
    scored = plan.score(frame, fingerprints=fingerprints)
    rows: Iterator[Row] = batch_rows(plan, scored, line=lambda r: place(r)[1])
    numbers = scored.frame["row"].to_list()
    handed = iter(scored.returned)
    returned = next(handed, None)
    for number, row in zip(numbers, rows, strict=True):
        while returned is not None and returned[0] < number:
            yield from back(returned[0])
            returned = next(handed, None)
        table, line = place(number)
        yield Outcome(Entity(row.name, f"{table.where}:{line}", table.where, line, None), row)
    while returned is not None:
        yield from back(returned[0])
        returned = next(handed, None)


def _by_row_engine(
    work: Work, columns: tuple[str, ...], text: bytes, where: str, line: int
) -> Iterator[Outcome | Problem]:
    """One line of a plain table read by the batch's reader and scored by the row engine."""
    cells: list[object] = list(text.decode("utf-8").split(","))
    for found in table_rows(columns, [(line, cells)], where):
        if isinstance(found, Problem):
            yield found
            continue
        entity = entity_of(found.values, where, line)
        yield entity if isinstance(entity, Problem) else score_entity(work, entity)
