"""The batch as an XLSX workbook, streamed: the summary, the item scores, the items
explained, departments, targets, the entities not scored and what the workbook is.

It is made in one pass over the ranking (:attr:`BatchReport.ranked`, which may be
read from disk one row at a time: :mod:`qualscore.batch.spill`), holding one
entity's rows at a time, so that its memory does not grow with the entities (a
first, lighter pass orders the departments' columns):

1. :func:`_layout` makes each entity's rows of every table, checks each against
   the limits (:class:`~qualscore.report.xlsx.XlsxLimits`), counts each table's
   sheets and measures their column widths, and hands the row to its sheet's
   scratch file, written as SpreadsheetML (:class:`~qualscore.report.xlsx.SheetRows`);
2. :func:`_write` then makes each sheet's frame in openpyxl's write-only mode
   (widths, frozen header, filter, print settings, the header's styled cells), and
   :func:`~qualscore.report.xlsx.stable_zip_file` puts frames and rows together
   with fixed timestamps: the same batch gives the same bytes, whatever the order
   of its inputs or the number of processes.

A row too wide or a text too long for a sheet or a cell is found in the first step,
before anything is written into the output (and a scheme too wide, by the command
before any scoring: :func:`xlsx_plan`). Every text is a text cell, never a formula;
every score its exact decimal, shown to two places; a share a percentage.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from qualscore.batch.rows import Ranked
from qualscore.batch.runner import Outcome
from qualscore.catalogue import say
from qualscore.report.batch import BatchReport, cell_text, cohort_lines, order_rule
from qualscore.report.safe import sheet_text
from qualscore.report.sheet_layout import print_setup, row_height, text_lines
from qualscore.report.xlsx import (
    NUMBER_FORMAT,
    PERCENT_FORMAT,
    XLSX_LIMITS,
    CellStyles,
    ColumnWidths,
    Percent,
    SheetRows,
    XlsxLimitError,
    XlsxLimits,
    column_letter,
    mark_text,
    sheet_row,
    stable_zip_file,
    xlsx_pages,
    xlsx_sheet_names,
)
from qualscore.scoring.words import fmt, result_word, words

__all__ = ["to_xlsx", "write_xlsx", "xlsx_plan"]

_ZERO = Decimal(0)
# The widths of wrapped columns, fixed so that a row's height is known as it is written:
# an item's title in two lines at most, an explanation of a few hundred characters in a
# few lines, a reason (a file's line and column and what is wrong there) or a value.
_TITLE_WIDTH, _TEXT_WIDTH, _LONG_WIDTH = 30.0, 60.0, 80.0
_RANKS = ("rank", "reverse_rank")
"""The cohort statistics that rank entities: each has a column of the summary."""


@dataclass(frozen=True)
class _Table:
    """One table of the workbook: header rows, a body that may run over several sheets
    (the header repeated on each), and last rows on the last sheet (after its filter).

    The body is the rows each ranked entity gives (``of_entity``), or rows of their own
    (``rows``: the entities not scored, the metadata). ``wrap`` names the columns whose
    texts wrap, each with its width; ``title_row`` a header row of titles, wrapped, left
    out of the widths; ``wrap_header`` leaves every header row out of the widths and wraps
    it; ``merged`` names header cells that run over several columns (``B1:C1``). The
    columns left of ``frozen`` are printed on every page of a sheet too wide for one.
    """

    title: str
    head: list[list[Any]]
    frozen: str
    of_entity: Callable[[Ranked], Iterable[list[Any]]] | None = None
    rows: Callable[[], Iterable[list[Any]]] | None = None
    tail: list[list[Any]] = field(default_factory=list)
    wrap: Mapping[int, float] = field(default_factory=dict)
    title_row: int | None = None
    wrap_header: bool = False
    merged: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Plan:
    """A table's sheets: their names, the body rows each holds (``room`` at most), and
    each one's column widths, from column A."""

    names: list[str]
    takes: list[int]
    widths: list[list[float]]
    room: int


def to_xlsx(
    report: BatchReport, today: str | None = None, *, limits: XlsxLimits = XLSX_LIMITS
) -> bytes:
    """The workbook of :func:`write_xlsx`, as bytes (for a small batch).

    Raises:
        XlsxLimitError: as :func:`write_xlsx`.
    """
    with tempfile.TemporaryFile() as out:
        write_xlsx(report, out, today, limits=limits)
        out.seek(0)
        return out.read()


def write_xlsx(
    report: BatchReport, out: IO[bytes], today: str | None = None, *,
    limits: XlsxLimits = XLSX_LIMITS,
) -> None:  # fmt: skip
    """Write the workbook into ``out``: summary, items, explanations, departments,
    targets, entities not scored and what the workbook is (metadata).

    Headers are in the report's language; every sheet has its header frozen, an
    autofilter, column widths that fit, wrapped texts in rows as tall as their
    lines, and prints on A4 landscape, the header repeated on every page (one page
    wide where that stays readable, else its first columns repeated too:
    :func:`~qualscore.report.sheet_layout.print_setup`). The summary has the entity's group
    and grade where the scheme has them, and its rank by each cohort value that ranks
    entities. Percentages are percentages. Every text (a name, a title, a department)
    is a text cell: never a formula.

    A table longer than a sheet holds goes on over further sheets, named
    ``TITLE (2)``, ``TITLE (3)``... (:func:`xlsx_plan`), its header repeated;
    a failure's reasons longer than a cell holds go on over further rows.

    Raises:
        XlsxLimitError: a row wider or a text longer than a sheet or a cell holds,
            found before anything is written into ``out``.
    """
    _write(report, _tables(report, today, limits), limits, out)


def xlsx_plan(report: BatchReport, limits: XlsxLimits = XLSX_LIMITS) -> list[tuple[str, int]]:
    """The sheets :func:`write_xlsx` makes of ``report``, each with its number of rows,
    worked out without writing the workbook.

    Raises:
        XlsxLimitError: a row wider or a text longer than a sheet or a cell holds.
    """
    tables = _tables(report, None, limits)
    return [
        (name, len(t.head) + take + (len(t.tail) if i == len(plan.names) - 1 else 0))
        for t, plan in zip(tables, _layout(report, tables, limits), strict=True)
        for i, (name, take) in enumerate(zip(plan.names, plan.takes, strict=True))
    ]


# --- the tables ----------------------------------------------------------------------------


def _tables(report: BatchReport, today: str | None, limits: XlsxLimits) -> list[_Table]:
    """Every table of the workbook, in its order; rows as :func:`sheet_row` makes them."""
    w = words(report.language)
    head = [w["rank"], w["entity"], w["total"], w["veto"], w["result"]]
    if report.targets:
        head.append(w["completion"])
    then = [w["previous"], w["change"], f"{w['previous']}{w['rank']}"]
    extra = [w[e] for e in report.extra]  # group, grade: last, as the CSV's, in its order
    ranks = _rank_columns(report)
    tables = [
        _Table(w["summary"],
               [[*head, *_category_heads(report), *(label for _, label in ranks), *extra,
                 *(then if report.previous is not None else [])]], "C2",
               lambda r: [_summary_line(report, r, len(head), ranks)],
               tail=[[], [order_rule(report)]], wrap_header=True,
               wrap=_headed_numbers(len(head), len(_category_heads(report)) + len(ranks))),
        _items_table(report, head),
        _notes_table(report),
        _departments_table(report),
    ]  # fmt: skip
    if report.targets:
        tables.append(_matrix_table(report))
    tables.append(_Table(
        w["failed"], [[w["entity"], w["source"], w["reason"]]], "A2",
        rows=lambda: (line for o in report.failures for line in _failure_rows(o, limits.cell)),
        wrap={3: _LONG_WIDTH},
    ))  # fmt: skip
    tables.append(_meta_table(report, today))
    return tables


def _rank_columns(report: BatchReport) -> list[tuple[str, str]]:
    """The cohort values that rank the entities against each other (the ranks a scheme
    scores items by): each one's key and label, once, in the scheme's order."""
    found: dict[str, str] = {}
    for summary in report.cohort:
        if summary.stat in _RANKS:
            found.setdefault(summary.key, summary.label)  # one per key, whatever its scopes
    return list(found.items())


def _summary_line(
    report: BatchReport, r: Ranked, base: int, ranks: Sequence[tuple[str, str]]
) -> list[Any]:
    """An entity's summary: its first columns, its ranks (blank where it was not ranked),
    its group and grade (last, as the CSV has them), and last time's total, change and
    rank."""
    own = dict(r.row.cohort)
    line = _xlsx_line(report, r)[:base] + list(_category_scores(report, r))
    line += [_whole(own.get(key)) for key, _ in ranks]
    line += [getattr(r.row, e) for e in report.extra]
    if report.previous is not None:
        found = report.previous.get(r.name)
        line += [found[0], r.row.total - found[0], found[1]] if found else [None, None, None]
    return sheet_row(line)


def _category_heads(report: BatchReport) -> list[str]:
    """A column per category, headed by its title and points (none for a scheme of one
    category: its score is the total)."""
    if len(report.categories) < 2:
        return []
    return [
        title if points is None
        else say(report.language, "category_points", title=title, points=fmt(points))
        for _, title, points in report.categories
    ]  # fmt: skip


_NUMBER_WIDTH = 11.0
"""The width of a score or rank column under a long heading (``重点部门个性指标（60分）``):
the heading wraps over two or three lines instead of widening the sheet."""


def _headed_numbers(after: int, count: int) -> dict[int, float]:
    """The ``count`` columns after the first ``after`` (numbered from 1), each as wide as a
    number under a wrapped heading."""
    return {after + k: _NUMBER_WIDTH for k in range(1, count + 1)}


def _category_scores(report: BatchReport, r: Ranked) -> tuple[Decimal | None, ...]:
    """The entity's score of each category, as the engine capped it (blank: it does not
    apply to the entity's group)."""
    if len(report.categories) < 2:
        return ()
    return r.row.categories or (None,) * len(report.categories)


def _whole(value: Decimal | None) -> int | Decimal | None:
    """A rank as the whole number it is (shown ``3``, not ``3.00``)."""
    if value is not None and value == value.to_integral_value():
        return int(value)
    return value


def _items_table(report: BatchReport, head: list[str]) -> _Table:
    """Every entity's score of every item: its first columns (and its group, which its rank
    is within), then one column per item, headed by its id, its title and its points."""
    w = words(report.language)
    grouped = "group" in report.extra
    first = [*head, *([w["group"]] if grouped else [])]

    def lines(r: Ranked) -> list[list[Any]]:
        group = [r.row.group] if grouped else []
        return [sheet_row([*_xlsx_line(report, r), *group, *r.row.scores])]

    return _Table(w["item_table"], [
        sheet_row([*first, *(i[0] for i in report.items)]),
        sheet_row([""] * len(first) + [i[1] for i in report.items]),
        sheet_row(
            [""] * (len(first) - 1)
            + [w["max"]]
            + ["—" if i[2] is None else i[2] for i in report.items]  # none: no cap
        ),
    ], f"{column_letter(len(first) + 1)}4", lines, title_row=2)  # fmt: skip


def _xlsx_line(report: BatchReport, r: Ranked) -> list[Any]:
    """Rank, entity, total, veto (yes/no), result in words, completion as a fraction."""
    w = words(report.language)
    row = r.row
    line: list[Any] = [
        r.rank,
        row.name,
        row.total,
        w["yes"] if row.vetoed else w["no"],
        result_word(row.result_label, row.vetoed, report.language),
    ]
    if report.targets:
        line.append(None if row.share is None else Percent(row.share / 100))
    return line


def _notes_table(report: BatchReport) -> _Table:
    """Every item of every entity: its points, its score, what it lost, in words. Unearned
    bonus (the scheme's bonus, a bonus section's items) is no loss: left blank."""
    w = words(report.language)
    # A row's scores follow report.items (None where an item does not apply to the entity's
    # group); its notes, the items of its own view.
    column = {item[0]: (n, item) for n, item in enumerate(report.items)}

    def lines(r: Ranked) -> Iterator[list[Any]]:
        for item_id, text, lost in r.row.notes or ():
            n, (_id, title, points) = column[item_id]
            shown: Any = w["na"] if lost is None else ("" if item_id in report.no_loss else lost)
            most = "—" if points is None else points  # points: none, no cap
            yield sheet_row([r.name, item_id, title, most, r.row.scores[n], shown, text])

    head = [w["entity"], w["item"], w["title"], w["max"], w["score"], w["lost"], w["explanation"]]
    return _Table(w["explanations"], [head], "C2", lines, wrap={3: _TITLE_WIDTH, 7: _TEXT_WIDTH})


def _departments_table(report: BatchReport) -> _Table:
    """Each entity's points lost to each department, and what they cost its total through
    the caps: two columns under each department's name. The departments that cost the batch
    most come first (then most lost, then by name), as each entity's report ranks them."""
    w = words(report.language)
    names = _departments(report.ranked)

    def lines(r: Ranked) -> list[list[Any]]:
        lost = dict(r.row.losses or ())
        cost = None if r.row.costs is None else dict(r.row.costs)
        line: list[Any] = [r.name]
        for name in names:
            line += [lost.get(name, _ZERO), None if cost is None else cost.get(name, _ZERO)]
        return [sheet_row(line)]

    head = [
        sheet_row([w["entity"], *(x for n in names for x in (n, None))]),
        ["", *(w[k] for _ in names for k in ("lost", "cost"))],
    ]
    pairs = range(2, 2 * len(names) + 2, 2)
    merged = tuple(f"{column_letter(c)}1:{column_letter(c + 1)}1" for c in pairs)
    return _Table(w["departments_view"], head, "B3", lines, title_row=1, merged=merged)


def _departments(ranked: Iterable[Ranked]) -> list[str]:
    """Every department any entity lost points to: most cost to the totals first, then most
    lost, then by name."""
    cost: dict[str, Decimal] = {}
    lost: dict[str, Decimal] = {}
    for r in ranked:
        for name, points in r.row.losses or ():
            lost[name] = lost.get(name, _ZERO) + points
        for name, points in r.row.costs or ():
            cost[name] = cost.get(name, _ZERO) + points
    return sorted(lost, key=lambda n: (-cost.get(n, _ZERO), -lost[n], n))


def _matrix_table(report: BatchReport) -> _Table:
    """The completion matrix: one row per entity, one column per target item."""
    w = words(report.language)

    def lines(r: Ranked) -> list[list[Any]]:
        texts = [cell_text(c, report.language) for c in r.row.cells]
        share = None if r.row.share is None else Percent(r.row.share / 100)
        return [sheet_row([r.name, *texts, share])]

    head = [w["entity"], *(f"{t} {title}" for t, title in report.targets), w["completion"]]
    return _Table(w["target_matrix"], [sheet_row(head)], "B2", lines, wrap_header=True)


def _failure_rows(o: Outcome, cell: int) -> Iterator[list[Any]]:
    """An entity not scored: its reasons in one cell, or over as many rows as a cell's
    length needs (whole reasons to a row where they fit), never cut short."""
    reasons = [sheet_text(p) for p in o.problems] or [""]
    chunk: list[str] = []
    for reason in reasons:
        pieces = [reason[i : i + cell] for i in range(0, len(reason), cell)] or [""]
        for piece in pieces:
            if chunk and len("\n".join([*chunk, piece])) > cell:
                yield sheet_row([o.entity.name, o.entity.source, "\n".join(chunk)])
                chunk = []
            chunk.append(piece)
    yield sheet_row([o.entity.name, o.entity.source, "\n".join(chunk)])


def _meta_table(report: BatchReport, today: str | None) -> _Table:
    """What the workbook is: the scheme, its rules' hash, the engine, the date, the counts."""
    w = words(report.language)
    pairs = [
        (w["scheme"], report.title),
        (w["rules"] + " sha256", report.rules_sha256),
        ("qualscore", report.engine_version),
        (w["date"], today or ""),
        (w["entity"], str(len(report.ranked))),
        (w["failed"], str(len(report.failures))),
        (w["rank"], order_rule(report)),
        *((s.label, text) for s, text in zip(report.cohort, cohort_lines(report), strict=True)),
    ]
    return _Table(w["metadata"], [[w["metadata"], w["value"]]], "A2",
                  rows=lambda: (sheet_row([k, v]) for k, v in pairs),
                  wrap={2: _LONG_WIDTH})  # fmt: skip


# --- the layout ----------------------------------------------------------------------------


def _body(report: BatchReport, tables: Sequence[_Table]) -> Iterator[tuple[int, list[Any]]]:
    """Every table's body rows, as (the table's index, the row): entity by entity the rows
    each gives each table, then the tables' rows of their own. Each table's rows come in
    their order; one entity's rows at a time are made."""
    per_entity = [(i, t.of_entity) for i, t in enumerate(tables) if t.of_entity is not None]
    for r in report.ranked:
        for i, lines in per_entity:
            for line in lines(r):
                yield i, line
    for i, t in enumerate(tables):
        for line in t.rows() if t.rows is not None else ():
            yield i, line


_Sink = Callable[[int, int, list[Any]], None]
"""Takes each body row as the layout makes it: (the table's index, the index of its sheet
among the table's, the row)."""


def _layout(
    report: BatchReport, tables: Sequence[_Table], limits: XlsxLimits, sink: _Sink | None = None
) -> list[_Plan]:
    """Each table's sheets, named, with how many body rows each holds and its column
    widths; every row's width and every text's length checked on the way, and each row
    given to ``sink`` (which writes it) once checked.

    Raises:
        XlsxLimitError: a row wider or a text longer than a sheet or a cell holds.
    """
    rooms = []
    for t in tables:
        for line in [*t.head, *t.tail]:
            _check_row(line, t.title, limits)
        xlsx_pages(0, head=len(t.head), tail=len(t.tail), rows=limits.rows)  # room for a row?
        rooms.append(limits.rows - len(t.head))
    heads = [_head_widths(t) for t in tables]
    sheets: list[list[ColumnWidths]] = [[] for _ in tables]
    counts = [0] * len(tables)
    for i, line in _body(report, tables):
        _check_row(line, tables[i].title, limits)
        sheet, place = divmod(counts[i], rooms[i])
        if place == 0:  # the first row of a sheet
            sheets[i].append(heads[i].copy())
        sheets[i][-1].add(line)
        if sink is not None:
            sink(i, sheet, line)
        counts[i] += 1
    plans = []
    for t, count, room, measured, head in zip(tables, counts, rooms, sheets, heads, strict=True):
        takes = xlsx_pages(count, head=len(t.head), tail=len(t.tail), rows=limits.rows)
        measured += [head] * (len(takes) - len(measured))  # a last sheet for the tail only
        widths = [m.widths() for m in measured]
        plans.append(_Plan(xlsx_sheet_names(t.title, len(takes)), takes, widths, room))
    return plans


def _head_widths(table: _Table) -> ColumnWidths:
    """The widths of ``table``'s header alone (a title row, or a wrapped header, not
    measured: its texts wrap)."""
    widths = ColumnWidths(table.wrap)
    for n, line in enumerate(table.head, 1):
        widths.add(line, measured=not (table.wrap_header or n == table.title_row))
    return widths


def _check_row(line: Sequence[Any], title: str, limits: XlsxLimits) -> None:
    """Raises: XlsxLimitError: the row is wider, or a text in it longer, than XLSX holds."""
    if len(line) > limits.columns:
        raise XlsxLimitError(
            f"sheet {title!r} would need {len(line):,} columns; an XLSX sheet holds "
            f"{limits.columns:,}: write .json or .csv instead"
        )
    for value in line:
        if isinstance(value, str) and len(value) > limits.cell:
            raise XlsxLimitError(
                f"sheet {title!r}: a text of {len(value):,} characters ({value[:40]!r}…); "
                f"an XLSX cell holds {limits.cell:,}: write .json or .csv instead"
            )


# --- the writing ---------------------------------------------------------------------------


def _write(report: BatchReport, tables: Sequence[_Table], limits: XlsxLimits,
           out: IO[bytes]) -> None:  # fmt: skip
    """Write the workbook into ``out``: each row, once laid out and checked, as SpreadsheetML
    into its sheet's scratch file (:class:`~qualscore.report.xlsx.SheetRows`); then each
    sheet's frame (its setup and header, which need the widths measured) through openpyxl;
    then the two put together, with fixed timestamps.

    Raises:
        XlsxLimitError: a row wider or a text longer than a sheet or a cell holds: ``out``
            left untouched.
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    first = book.create_sheet(xlsx_sheet_names(tables[0].title, 1)[0])
    with tempfile.TemporaryDirectory(prefix="qualscore-xlsx-") as scratch:
        rows = _RowFiles(scratch, tables, CellStyles(first))
        try:
            plans = _layout(report, tables, limits, rows.add)
            for i, (t, plan) in enumerate(zip(tables, plans, strict=True)):
                for line in t.tail:  # on the last sheet, below its filter
                    rows.of(i, len(plan.names) - 1).add(line, styled=False)
        finally:
            rows.close()
        look, sheets = _Look(), {}
        for i, (t, plan) in enumerate(zip(tables, plans, strict=True)):
            for n, (name, widths, take) in enumerate(zip(plan.names, plan.widths, plan.takes,
                                                         strict=True)):  # fmt: skip
                sheet = first if (i, n) == (0, 0) else book.create_sheet(name)
                _open(sheet, look, t, widths, take)
                sheets[i, n] = sheet
        book.save(f"{scratch}/frame.xlsx")
        # A sheet's part is named when the workbook is saved.
        parts = {sheets[at].path[1:]: found.path for at, found in rows.files.items()}
        stable_zip_file(f"{scratch}/frame.xlsx", out, rows=parts)


class _RowFiles:
    """Each sheet's body rows, as they come, in a scratch file of its own."""

    def __init__(self, scratch: str, tables: Sequence[_Table], styles: CellStyles) -> None:
        self.scratch = scratch
        self.tables = tables
        self.styles = styles
        self.files: dict[tuple[int, int], SheetRows] = {}

    def add(self, table: int, sheet: int, line: list[Any]) -> None:
        """Write ``line`` on the ``sheet``-th sheet of the ``table``-th table."""
        self.of(table, sheet).add(line)

    def of(self, table: int, sheet: int) -> SheetRows:
        """The rows of the ``sheet``-th sheet of the ``table``-th table."""
        found = self.files.get((table, sheet))
        if found is None:
            t = self.tables[table]
            path = f"{self.scratch}/{table}-{sheet}.xml"
            found = self.files[table, sheet] = SheetRows(path, len(t.head) + 1, self.styles,
                                                         t.wrap)  # fmt: skip
        return found

    def close(self) -> None:
        """Close every file."""
        for rows in self.files.values():
            rows.close()


def _open(sheet: Any, look: _Look, table: _Table, widths: Sequence[float], take: int) -> None:
    """Set up a new sheet (all that a write-only sheet writes before its rows: widths, the
    frozen header, the print setup) and write its header, each wrapped row of it as tall as
    its texts; its filter over the header's last row and the ``take`` rows below."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    for n, width in enumerate(widths, 1):
        sheet.column_dimensions[column_letter(n)].width = width
    head = len(table.head)
    spans = _spans(table, widths)
    for n, line in enumerate(table.head, 1):
        if table.wrap_header or n == table.title_row:
            lines = max((text_lines(v, spans.get((n, c), widths[c - 1]))
                         for c, v in enumerate(line, 1) if isinstance(v, str) and v),
                        default=1)  # fmt: skip
            if lines > 1:
                sheet.row_dimensions[n].height = row_height(lines)
    sheet.freeze_panes = table.frozen
    for cells in table.merged:
        sheet.merged_cells.add(cells)
    frozen = column_index_from_string(coordinate_from_string(table.frozen)[0]) - 1
    print_setup(sheet, widths, rows=head, columns=frozen)
    if take:
        sheet.auto_filter.ref = f"A{head}:{column_letter(len(widths))}{head + take}"
    for n, line in enumerate(table.head, 1):
        wrapped = table.wrap_header or n == table.title_row
        padded = [*line, *[None] * (len(widths) - len(line))]
        sheet.append([look.head(sheet, value, wrapped) for value in padded])


def _spans(table: _Table, widths: Sequence[float]) -> dict[tuple[int, int], float]:
    """The width of each merged header cell (its row and column): its columns' together."""
    from openpyxl.utils.cell import range_boundaries

    spans: dict[tuple[int, int], float] = {}
    for cells in table.merged:
        first, row, last, _ = (int(n or 0) for n in range_boundaries(cells))
        spans[row, first] = sum(widths[first - 1 : last], 0.0)
    return spans


class _Look:
    """A header's cells: bold on a pale fill, aligned to the top (and wrapped, in a row of
    titles or a wrapped header), a decimal to two places; a text always a text."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        self.font = Font(bold=True)
        self.fill = PatternFill("solid", fgColor="E8EDF2")
        self.top = Alignment(wrap_text=False, vertical="top")
        self.wrapped = Alignment(wrap_text=True, vertical="top")

    def head(self, sheet: Any, value: Any, wrapped: bool) -> Any:
        """A header cell holding ``value``."""
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value)
        cell.font = self.font
        cell.fill = self.fill
        cell.alignment = self.wrapped if wrapped else self.top
        if isinstance(value, Percent):
            cell.number_format = PERCENT_FORMAT
        elif isinstance(value, Decimal):
            cell.number_format = NUMBER_FORMAT
        elif isinstance(value, str):
            mark_text(cell)
        return cell
