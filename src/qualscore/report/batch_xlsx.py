"""The batch as an XLSX workbook, streamed: the summary, the item scores, the items
explained, departments, targets, the entities not scored and what the workbook is.

It is made in two passes over the ranking (:attr:`BatchReport.ranked`, which may
be read from disk: :mod:`qualscore.batch.spill`), neither holding more than one
entity's rows at a time, so that its memory does not grow with the entities:

1. :func:`_layout` makes every row and checks it against the limits
   (:class:`~qualscore.report.xlsx.XlsxLimits`), counts and names each table's
   sheets, and measures each sheet's column widths. A row too wide or a text too
   long is told before any of the workbook is written.
2. :func:`_write` opens every sheet at once in openpyxl's write-only mode, sets
   it up (widths, frozen header, print settings) before its first row, and sends
   each entity's rows to its tables' sheets as they are made, into temporary
   files; the workbook is then rewritten with fixed timestamps
   (:func:`~qualscore.report.xlsx.stable_zip_file`): the same batch gives the same
   bytes, whatever the order of its inputs or the number of processes.

Every text is a text cell, never a formula; every score an exact decimal shown to
two places; a share a percentage.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from qualscore.batch.rows import Ranked
from qualscore.batch.runner import Outcome
from qualscore.report.batch import TIE_RULE, BatchReport, cell_text, cohort_lines
from qualscore.report.safe import sheet_text
from qualscore.report.xlsx import (
    XLSX_LIMITS,
    XlsxLimitError,
    XlsxLimits,
    mark_text,
    sheet_row,
    stable_zip_file,
    text_cell,
    xlsx_pages,
    xlsx_sheet_names,
)
from qualscore.scoring.words import result_word, words

__all__ = ["to_xlsx", "write_xlsx", "xlsx_plan"]

_ZERO = Decimal(0)
_NUMBER = "0.00"
_PERCENT = "0.00%"


@dataclass(frozen=True)
class _Table:
    """One table of the workbook: header rows, a body that may run over several sheets
    (the header repeated on each), and last rows on the last sheet (after its filter).

    The body is the rows each ranked entity gives (``of_entity``), or rows of their own
    (``rows``: the entities not scored, the metadata). ``wrap`` names the columns whose
    texts wrap; ``title_row`` a header row of titles, wrapped, left out of the widths;
    ``wrap_header`` leaves every header row out of the widths and wraps it; ``merged``
    names header cells that run over several columns (``B1:C1``).
    """

    title: str
    head: list[list[Any]]
    frozen: str
    of_entity: Callable[[Ranked], Iterable[list[Any]]] | None = None
    rows: Callable[[], Iterable[list[Any]]] | None = None
    tail: list[list[Any]] = field(default_factory=list)
    wrap: tuple[int, ...] = ()
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
    autofilter, column widths that fit, and prints landscape, fit to the page
    width, with the header repeated. Percentages are percentages. Every text
    (a name, a title, a department) is a text cell: never a formula.

    A table longer than a sheet holds goes on over further sheets, named
    ``TITLE (2)``, ``TITLE (3)``... (:func:`xlsx_plan`), its header repeated;
    a failure's reasons longer than a cell holds go on over further rows.

    Raises:
        XlsxLimitError: a row wider or a text longer than a sheet or a cell holds,
            found before anything is written.
    """
    tables = _tables(report, today, limits)
    plans = _layout(report, tables, limits)
    with tempfile.TemporaryDirectory(prefix="qualscore-xlsx-") as scratch:
        book = f"{scratch}/book.xlsx"
        _write(report, tables, plans, book)
        stable_zip_file(book, out)


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
    tables = [
        _Table(w["summary"], [[*head, *(then if report.previous is not None else [])]], "C2",
               lambda r: [_summary_line(report, r, len(head))],
               tail=[[], [TIE_RULE.get(report.language, TIE_RULE["en"])]]),
        _Table(w["item_table"], [
            sheet_row([*head, *(i[0] for i in report.items)]),
            sheet_row([""] * len(head) + [i[1] for i in report.items]),
            sheet_row([""] * (len(head) - 1) + [w["max"]] + [i[2] for i in report.items]),
        ], f"{_column(len(head) + 1)}4",
            lambda r: [sheet_row([*_xlsx_line(report, r), *r.row.scores])], title_row=2),
        _notes_table(report),
        _departments_table(report),
    ]  # fmt: skip
    if report.targets:
        tables.append(_matrix_table(report))
    tables.append(_Table(
        w["failed"], [[w["entity"], w["source"], w["reason"]]], "A2",
        rows=lambda: (line for o in report.failures for line in _failure_rows(o, limits.cell)),
        wrap=(3,),
    ))  # fmt: skip
    tables.append(_meta_table(report, today))
    return tables


def _summary_line(report: BatchReport, r: Ranked, base: int) -> list[Any]:
    """An entity's summary: its first columns, and last time's total, change and rank."""
    line = _xlsx_line(report, r)[:base]
    if report.previous is not None:
        found = report.previous.get(r.name)
        line += [found[0], r.row.total - found[0], found[1]] if found else [None, None, None]
    return sheet_row(line)


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
        line.append(None if row.share is None else _Percent(row.share / 100))
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
            shown: Any = w["na"] if lost is None else ("" if item_id in report.bonus else lost)
            yield sheet_row([r.name, item_id, title, points, r.row.scores[n], shown, text])

    head = [w["entity"], w["item"], w["title"], w["max"], w["score"], w["lost"], w["explanation"]]
    return _Table(w["explanations"], [head], "C2", lines, wrap=(3, 7))


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
    merged = tuple(f"{_column(2 * n + 2)}1:{_column(2 * n + 3)}1" for n in range(len(names)))
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
        share = None if r.row.share is None else _Percent(r.row.share / 100)
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
        (w["rank"], TIE_RULE.get(report.language, TIE_RULE["en"])),
        *((s.label, text) for s, text in zip(report.cohort, cohort_lines(report), strict=True)),
    ]
    return _Table(w["metadata"], [[w["metadata"], w["value"]]], "A2",
                  rows=lambda: (sheet_row([k, v]) for k, v in pairs), wrap=(2,))  # fmt: skip


class _Percent(Decimal):
    """A share to show as a percentage (``0.9231`` shows as 92.31%)."""


def _column(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


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


def _layout(report: BatchReport, tables: Sequence[_Table], limits: XlsxLimits) -> list[_Plan]:
    """Each table's sheets, named, with how many body rows each holds and its column
    widths; every row's width and every text's length checked on the way.

    Raises:
        XlsxLimitError: a row wider or a text longer than a sheet or a cell holds.
    """
    rooms = []
    for t in tables:
        for line in [*t.head, *t.tail]:
            _check_row(line, t.title, limits)
        xlsx_pages(0, head=len(t.head), tail=len(t.tail), rows=limits.rows)  # room for a row?
        rooms.append(limits.rows - len(t.head))
    heads = [_Widths.of_head(t) for t in tables]
    sheets: list[list[_Widths]] = [[] for _ in tables]
    counts = [0] * len(tables)
    for i, line in _body(report, tables):
        _check_row(line, tables[i].title, limits)
        if counts[i] % rooms[i] == 0:  # the first row of a sheet
            sheets[i].append(heads[i].copy())
        sheets[i][-1].add(line)
        counts[i] += 1
    plans = []
    for t, count, room, measured, head in zip(tables, counts, rooms, sheets, heads, strict=True):
        takes = xlsx_pages(count, head=len(t.head), tail=len(t.tail), rows=limits.rows)
        measured += [head] * (len(takes) - len(measured))  # a last sheet for the tail only
        widths = [m.widths() for m in measured]
        plans.append(_Plan(xlsx_sheet_names(t.title, len(takes)), takes, widths, room))
    return plans


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


class _Widths:
    """A sheet's column widths, measured as its rows come: each column as wide as its
    widest value shown (the longest line of a text, a CJK character as two) and 2 more,
    6 at least and 40 at most (60 for a column of wrapped texts)."""

    def __init__(self, wrap: tuple[int, ...]) -> None:
        self.wrap = wrap
        self.seen: list[int] = []

    @classmethod
    def of_head(cls, table: _Table) -> _Widths:
        """The widths of ``table``'s header alone (a title row, or a wrapped header, not
        measured: its texts wrap)."""
        widths = cls(table.wrap)
        for n, line in enumerate(table.head, 1):
            widths.add(line, measured=not (table.wrap_header or n == table.title_row))
        return widths

    def copy(self) -> _Widths:
        """These widths, to go on measuring apart."""
        other = _Widths(self.wrap)
        other.seen = list(self.seen)
        return other

    def add(self, line: Sequence[Any], *, measured: bool = True) -> None:
        """Measure ``line`` (every column it reaches has a width, measured or not)."""
        seen = self.seen
        if len(line) > len(seen):
            seen.extend([0] * (len(line) - len(seen)))
        if not measured:
            return
        for col, value in enumerate(line):
            most = self._most(col + 1) - 2
            if seen[col] < most:
                seen[col] = max(seen[col], _shown_width(value, most))

    def widths(self) -> list[float]:
        """Each column's width, from A."""
        return [max(6, min(w + 2, self._most(n))) for n, w in enumerate(self.seen, 1)]

    def _most(self, column: int) -> int:
        return 60 if column in self.wrap else 40


def _shown_width(value: Any, most: int) -> int:
    """How wide ``value`` shows (its longest line, a CJK character as two), or ``most``
    when it is at least that wide."""
    if isinstance(value, Decimal):
        from qualscore.scoring.words import fmt

        text = fmt(value)
    else:
        text = str(value) if value is not None else ""
    longest = max(text.split("\n"), key=len) if "\n" in text else text
    if len(longest) >= most:
        return most
    if longest.isascii():
        return len(longest)
    return len(longest) + sum(1 for c in longest if c > "\u2e80")


# --- the writing ---------------------------------------------------------------------------


def _write(
    report: BatchReport, tables: Sequence[_Table], plans: Sequence[_Plan], path: str
) -> None:
    """Write the workbook to ``path`` as ``plans`` lay it out, streaming every sheet."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    look = _Look()
    sheets = [
        [_open(book, look, t, name, widths) for name, widths in zip(p.names, p.widths,
                                                                    strict=True)]
        for t, p in zip(tables, plans, strict=True)
    ]  # fmt: skip
    counts = [0] * len(tables)
    for i, line in _body(report, tables):
        sheet = sheets[i][counts[i] // plans[i].room]
        counts[i] += 1
        sheet.append(look.body(sheet, line, tables[i].wrap))
    for t, p, made in zip(tables, plans, sheets, strict=True):
        for sheet, take, widths in zip(made, p.takes, p.widths, strict=True):
            if take:
                head = len(t.head)
                sheet.auto_filter.ref = f"A{head}:{_column(len(widths))}{head + take}"
        for line in t.tail:  # on the last sheet, below its filter
            made[-1].append([text_cell(made[-1], v) if isinstance(v, str) else v for v in line])
    book.save(path)


def _open(book: Any, look: _Look, table: _Table, name: str, widths: Sequence[float]) -> Any:
    """A new sheet of ``book``, set up (all that a write-only sheet writes before its rows:
    widths, the frozen header, fit to the page) and its header written."""
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet = book.create_sheet(name)
    for n, width in enumerate(widths, 1):
        sheet.column_dimensions[_column(n)].width = width
    if table.title_row is not None:
        sheet.row_dimensions[table.title_row].height = 60
    sheet.freeze_panes = table.frozen
    for cells in table.merged:
        sheet.merged_cells.add(cells)
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = f"1:{len(table.head)}"
    for n, line in enumerate(table.head, 1):
        wrapped = table.wrap_header or n == table.title_row
        padded = [*line, *[None] * (len(widths) - len(line))]
        sheet.append([look.head(sheet, value, wrapped) for value in padded])
    return sheet


class _Look:
    """The cells' styles, made once: a header bold on a pale fill, numbers to two places,
    shares as percentages, wrapped texts aligned to the top."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        self.font = Font(bold=True)
        self.fill = PatternFill("solid", fgColor="E8EDF2")
        self.top = Alignment(wrap_text=False, vertical="top")
        self.wrapped = Alignment(wrap_text=True, vertical="top")

    def head(self, sheet: Any, value: Any, wrapped: bool) -> Any:
        """A header cell."""
        cell = self._cell(sheet, value)
        cell.font = self.font
        cell.fill = self.fill
        cell.alignment = self.wrapped if wrapped else self.top
        return cell

    def body(self, sheet: Any, line: Sequence[Any], wrap: tuple[int, ...]) -> list[Any]:
        """A body row: plain values as they are, a cell only where a value needs one (a
        decimal's format, a wrapped text, a text openpyxl would not store as one)."""
        out: list[Any] = []
        for col, value in enumerate(line, 1):
            if col in wrap:
                cell = self._cell(sheet, value)
                cell.alignment = self.wrapped
                out.append(cell)
            elif isinstance(value, Decimal):
                out.append(self._cell(sheet, value))
            elif isinstance(value, str):
                out.append(text_cell(sheet, value))
            else:
                out.append(value)
        return out

    @staticmethod
    def _cell(sheet: Any, value: Any) -> Any:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value)
        if isinstance(value, _Percent):
            cell.number_format = _PERCENT
        elif isinstance(value, Decimal):
            cell.number_format = _NUMBER
        elif isinstance(value, str):
            mark_text(cell)
        return cell
