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

For CSV output no row is made of what the columns score: each run of a table's rows
scored is given as :class:`Lines`, their CSV lines made column by column
(:func:`~qualscore.columnar.lines.csv_lines`); :func:`unique` tells a name seen twice
among them as the batch does, and :class:`Ranking` ranks and writes them with the row
engine's lines, as the batch ranks its rows.
"""

from __future__ import annotations

import io
import itertools
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

from qualscore.batch.rows import Row
from qualscore.batch.runner import (
    Entity,
    Outcome,
    Shared,
    Work,
    score_entity,
    score_units,
    seen_twice,
)
from qualscore.batch.units import entity_of, iter_units, shown
from qualscore.columnar.lines import CsvFormat, csv_lines
from qualscore.columnar.plan import ColumnarPlan, Scored
from qualscore.columnar.rows import batch_rows
from qualscore.errors import Problem, SourceError
from qualscore.source.tables import MAX_CELL_CHARS, csv_head, table_rows

__all__ = ["Lines", "Ranking", "plain_table", "score_inputs", "unique"]

_CELL_BYTES = b',\n"\r' + bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
"""The bytes that end a cell or a line, and what the batch's reader reads otherwise than
Polars, or refuses (a quote, a carriage return, a control character): of a plain table's
records, only the commas and line ends are left when every other byte is taken out."""
_OTHER_BYTES = bytes(b for b in range(256) if b not in _CELL_BYTES)


def plain_table(
    path: Path, where: str
) -> tuple[tuple[str, ...], bytes, int, list[bytes]] | None:
    """A CSV table's columns, the bytes of its records, the line they start on and the
    records' lines, when the table is plain (see the module's docstring); else None.

    Raises:
        SourceError: the table is refused (as the batch's reader refuses it).
    """
    if path.suffix.lower() != ".csv" or not path.is_file():
        return None
    columns, body, first = csv_head(path, where)
    with path.open("rb") as file:  # the records are the file's last bytes
        head = file.read(max(0, path.stat().st_size - len(body)))
    if head.startswith(b"\xef\xbb\xbf") or head.rstrip(b"\n").decode("utf-8").split(",") != list(
        columns
    ):
        return None
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not columns[1:] and (b"\n\n" in body or body.startswith(b"\n")):
        return None  # (with more columns, a blank line is a line of other than len(columns) cells)
    ended = body.endswith(b"\n")
    commas = b"," * (len(columns) - 1)
    kept = body.translate(None, _OTHER_BYTES)
    if kept != (commas + b"\n") * (len(kept) // (len(commas) + 1)) + (b"" if ended else commas):
        return None  # a byte the reader reads otherwise, or a line of other than len(columns) cells
    lines = body.split(b"\n")
    if ended:
        lines.pop()
    if max(map(len, lines), default=0) > MAX_CELL_CHARS and any(
        len(line.decode("utf-8")) > MAX_CELL_CHARS for line in lines if len(line) > MAX_CELL_CHARS
    ):
        return None
    return columns, body, first, lines


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


@dataclass(frozen=True)
class Lines:
    """Consecutive rows of one plain table scored by the columns, as CSV lines.

    Attributes:
        where: The table, as shown in messages.
        frame: One row per entity, in input order: ``name``, ``line`` (its CSV line
            without its rank), ``vetoed``, ``total`` (an integer at ``scale``) and ``at``
            (its line in the table).
        scale: The scale of ``total``.
    """

    where: str
    frame: pl.DataFrame
    scale: int

    def __len__(self) -> int:
        return self.frame.height

    def part(self, start: int, end: int) -> Lines:
        """Its rows from ``start`` up to ``end``."""
        return Lines(self.where, self.frame.slice(start, end - start), self.scale)


def score_inputs(
    plan: ColumnarPlan,
    shared: Shared,
    paths: Sequence[str],
    *,
    jobs: int = 1,
    fingerprints: bool = False,
    csv: CsvFormat | None = None,
) -> Iterator[Outcome | Problem | Lines]:
    """Every input's outcomes and problems, in input order: plain tables by ``plan``,
    the rest by the row engine (in ``jobs`` processes).

    Args:
        plan: The rule set compiled for the columns (``shared.ruleset``'s).
        shared: The rule set and its tables, for the row engine.
        paths: The inputs, as ``qualscore batch`` takes them.
        jobs: Processes for the inputs the row engine scores.
        fingerprints: Give each row its facts' fingerprint (else it is empty).
        csv: For CSV output, how a line is written: the rows the columns score then come
            as :class:`Lines`, and every other entity scored as its line and sort key.
    """
    work = Work.of(shared, detail=False, keep=False, line=csv, cohort=None)
    group: list[_Table] = []
    frames: list[pl.DataFrame] = []
    for given, read in _read_ahead(paths):
        if isinstance(read, SourceError):
            yield from _group(plan, work, group, frames, fingerprints, csv)
            group, frames = [], []
            yield from read.problems
            continue
        if read is _BLANK:
            continue
        if not isinstance(read, _Read) or (group and group[0].columns != read.columns) or (
            group and group[-1].start + len(group[-1].lines) + len(read.lines) > GROUP_ROWS
        ):
            yield from _group(plan, work, group, frames, fingerprints, csv)
            group, frames = [], []
        if not isinstance(read, _Read):
            yield from score_units(shared, iter_units([given]), jobs=jobs, line=csv)
            continue
        start = group[-1].start + len(group[-1].lines) if group else 0
        group.append(_Table(shown(given), read.columns, read.lines, read.first, start))
        frames.append(read.frame)
    yield from _group(plan, work, group, frames, fingerprints, csv)


@dataclass(frozen=True)
class _Read:
    """A plain table read: its columns, its records' lines, the line they start on, and
    its cells as Polars reads them."""

    columns: tuple[str, ...]
    lines: list[bytes]
    first: int
    frame: pl.DataFrame


_BLANK = "blank"
"""A plain table without a record."""
AHEAD = 16
"""Inputs read ahead, in a thread, while the tables before them are scored."""


def _read_ahead(paths: Sequence[str]) -> Iterator[tuple[str, _Read | SourceError | str | None]]:
    """Each input and what :func:`_read` makes of it, in order, read :data:`AHEAD` inputs
    ahead in a thread (reading a table and scoring others take the two cores at once)."""
    reader = ThreadPoolExecutor(max_workers=1)
    try:
        coming: deque[tuple[str, Future[_Read | SourceError | str | None]]] = deque()
        given = iter(paths)
        for path in itertools.islice(given, AHEAD):
            coming.append((path, reader.submit(_read, path)))
        while coming:
            path, read = coming.popleft()
            for more in itertools.islice(given, 1):
                coming.append((more, reader.submit(_read, more)))
            yield path, read.result()
    finally:  # a batch that stops early reads no more
        reader.shutdown(cancel_futures=True)


def _read(given: str) -> _Read | SourceError | str | None:
    """An input as the columns read it: a plain table read, :data:`_BLANK`, the error
    that refuses it, or None (for the row engine)."""
    try:
        table = plain_table(Path(given), shown(given))
    except SourceError as exc:
        return exc
    except OSError:
        return None  # the row engine tells it
    if table is None:
        return None
    columns, body, first, lines = table
    if not body.strip(b"\n"):
        return _BLANK
    frame = pl.read_csv(
        io.BytesIO(",".join(columns).encode("utf-8") + b"\n" + body),
        infer_schema=False,
        has_header=True,
    )
    if frame.height != len(lines) or tuple(frame.columns) != columns:  # never seen
        return None
    return _Read(columns, lines, first, frame)


def _group(
    plan: ColumnarPlan,
    work: Work,
    group: list[_Table],
    frames: list[pl.DataFrame],
    fingerprints: bool,
    csv: CsvFormat | None,
) -> Iterator[Outcome | Problem | Lines]:
    """The outcomes of a group of plain tables, in their order: rows the plan scored (as
    :class:`Lines` for ``csv``), and the others by the row engine."""
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
    del frame
    handed = [number for number, _ in scored.returned]
    if csv is not None:
        yield from _lines(plan, group, scored, handed, back, lambda r: place(r)[1], csv)
        return
    rows: Iterator[Row] = batch_rows(plan, scored, line=lambda r: place(r)[1])
    numbers = scored.frame["row"].to_list()
    returned = iter(handed)
    next_back = next(returned, None)
    for number, row in zip(numbers, rows, strict=True):
        while next_back is not None and next_back < number:
            yield from back(next_back)
            next_back = next(returned, None)
        table, line = place(number)
        yield Outcome(Entity(row.name, f"{table.where}:{line}", table.where, line, None), row)
    while next_back is not None:
        yield from back(next_back)
        next_back = next(returned, None)


def _lines(
    plan: ColumnarPlan,
    group: list[_Table],
    scored: Scored,
    handed: list[int],
    back: Callable[[int], Iterator[Outcome | Problem]],
    line: Callable[[int], int],
    csv: CsvFormat,
) -> Iterator[Outcome | Problem | Lines]:
    """A group's rows the plan scored, as :class:`Lines` of each table, and the others
    by the row engine, in their order."""
    made = csv_lines(plan, scored, csv, line=line)
    numbers = made["row"].to_list()
    made = made.drop("row")
    scale = plan.scales["total"]
    done = h = 0
    for table in group:
        end = table.start + len(table.lines)
        shift = table.first - table.start
        while True:
            cut = handed[h] if h < len(handed) and handed[h] < end else end
            upto = bisect_left(numbers, cut, done)
            if upto > done:
                rows = made.slice(done, upto - done).with_columns(
                    at=pl.Series(numbers[done:upto], dtype=pl.Int64) + shift
                )
                yield Lines(table.where, rows, scale)
            done = upto
            if cut == end:
                break
            yield from back(cut)
            h += 1


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


@dataclass(frozen=True)
class _Seen:
    """Where the names of a :class:`Lines` were first seen (looked up only for a name
    seen again)."""

    where: str
    names: pl.DataFrame

    def source(self, name: str) -> str:
        """Where the entity ``name`` is, as :class:`~qualscore.batch.runner.Entity` says."""
        at = self.names.filter(pl.col("name") == name)["at"][0]
        return f"{self.where}:{at}"


def unique(
    items: Iterable[Outcome | Problem | Lines],
) -> Iterator[Outcome | Problem | Lines]:
    """``items`` with an entity whose name was seen before told as a problem in its place,
    as :func:`qualscore.batch.runner.unique` tells it; :class:`Lines` cut around it.

    The first entity of a name is kept, whether or not it could be scored.
    """
    seen: dict[str, str | _Seen] = {}

    def first(name: str) -> str:
        found = seen[name]
        return found if isinstance(found, str) else found.source(name)

    for item in items:
        if isinstance(item, Outcome):
            entity = item.entity
            if entity.name in seen:
                yield seen_twice(entity, first(entity.name))
                continue
            seen[entity.name] = entity.source
        if not isinstance(item, Lines):
            yield item
            continue
        names = item.frame["name"].to_list()
        mark = _Seen(item.where, item.frame.select("name", "at"))
        fresh = dict.fromkeys(names, mark)
        if len(fresh) == len(names) and seen.keys().isdisjoint(fresh):  # most
            seen.update(fresh)
            yield item
            continue
        done = 0
        for n, name in enumerate(names):
            if name not in seen:
                seen[name] = mark
                continue
            if n > done:
                yield item.part(done, n)
            at = item.frame["at"][n]
            again = Entity(name, f"{item.where}:{at}", item.where, at, None)
            yield seen_twice(again, first(name))
            done = n + 1
        if done < len(names):
            yield item.part(done, len(names))


class Ranking:
    """A CSV batch's lines, ranked: the lines of :class:`Lines`, and each other entity's
    line with its sort key (:func:`~qualscore.batch.rows.sort_key`), kept as columns.

    The order and the ranks are :func:`~qualscore.batch.rows.sort_key`'s and
    :func:`~qualscore.batch.rows.ranks`'s: by group, not vetoed first, highest total,
    then name (code point order, which is UTF-8's byte order); equal totals share a rank
    and each group is ranked on its own. Totals are compared exactly: each distinct total
    is a decimal once, and the columns hold its place among them.
    """

    CHUNK = 65_536
    """Lines written at a time."""

    def __init__(self) -> None:
        self._blocks: list[tuple[pl.DataFrame, int]] = []
        self._keys: list[tuple[str, bool, Decimal, str]] = []
        self._lines: list[str] = []

    def __len__(self) -> int:
        return len(self._keys) + sum(b.height for b, _ in self._blocks)

    def add(self, key: tuple[str, bool, Decimal, str], line: bytes) -> None:
        """One entity's line (without its rank) and its sort key."""
        self._keys.append(key)
        self._lines.append(line.decode("utf-8"))

    def add_lines(self, lines: Lines) -> None:
        """The rows of ``lines``."""
        self._blocks.append((lines.frame.select("name", "line", "vetoed", "total"), lines.scale))

    def ranked(self) -> Iterator[bytes]:
        """Every line with its rank in front, in order, a chunk of lines at a time."""
        keys = self._keys
        by_scale: dict[int, list[pl.DataFrame]] = {}
        for block, scale in self._blocks:
            by_scale.setdefault(scale, []).append(block)
        blocks = {scale: pl.concat(found) for scale, found in by_scale.items()}
        raws = {scale: block["total"].unique() for scale, block in blocks.items()}
        negated = {scale: [-Decimal(f"{raw}E-{scale}") for raw in found.to_list()]
                   for scale, found in raws.items()}  # fmt: skip
        distinct = {*(k[2] for k in keys), *(v for found in negated.values() for v in found)}
        place = {value: n for n, value in enumerate(sorted(distinct))}  # highest total first
        frame = pl.concat(
            [
                *(block.select(group=pl.lit(""), vetoed="vetoed",
                               order=pl.col("total").replace_strict(
                                   raws[scale], [place[v] for v in negated[scale]],
                                   return_dtype=pl.UInt32),
                               name="name", line="line")
                  for scale, block in blocks.items()),
                pl.DataFrame({"group": [k[0] for k in keys], "vetoed": [k[1] for k in keys],
                              "order": [place[k[2]] for k in keys],
                              "name": [k[3] for k in keys], "line": self._lines},
                             schema={"group": pl.String, "vetoed": pl.Boolean,
                                     "order": pl.UInt32, "name": pl.String,
                                     "line": pl.String}),
            ],
            how="vertical",
        ).sort("group", "vetoed", "order", "name")  # fmt: skip
        self._blocks, self._keys, self._lines = [], [], []
        del blocks
        index = pl.col("index")
        frame = frame.with_row_index("index").select(
            rank=(index.min().over("group", "vetoed", "order") - index.min().over("group")
                  + 1).cast(pl.String),
            line="line",
        )  # fmt: skip
        for start in range(0, frame.height, self.CHUNK):
            lines = frame.slice(start, self.CHUNK).select(
                pl.concat_str("rank", "line", separator=",").str.join("").cast(pl.Binary)
            )
            yield lines.item()
