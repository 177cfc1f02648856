"""CSV and XLSX tables read into rows, each cell remembering its line and column.

A table has a header row of column names (each named once); each further row
is a record, with a value for every column. A blank cell is None, whether it
was written or not: an XLSX row stores no blank cells at its end, and a CSV
line may leave out its last commas. ``true``/``false`` (any case) become
booleans; numbers stay text in CSV and are turned into exact decimals later.
An XLSX number is read as Excel shows it, to 15 significant digits
(``5.000000000000001`` is 5); a cell formatted as a percent is a
:class:`PercentCell`, which a ``percent`` fact reads as the percent shown
(0.941 is 94.1).

A table is read whole or refused whole, never cut short. A cell that cannot be
read (bytes that are not UTF-8, an error value such as ``#DIV/0!``, a date,
more than ``MAX_CELL_CHARS`` characters) becomes a :class:`BadCell`, which
refuses that row alone, naming its line and column; a CSV record the csv module
cannot parse, or with values beyond the header's columns, is a
:class:`~qualscore.errors.Problem` in place of its row. What cannot be read at
all (no header, a repeated column, a file or a workbook's unpacked contents
over the limits below) refuses the whole table.

A column headed as a Chinese template heads it (``指标代码``, ``填报值``,
``考核对象``...) is the column the English name says (``key``, ``value``,
``entity``...): a table filled in from either template reads the same. A
workbook whose first sheet is a template's instructions (``填报说明``) is read
from its second sheet.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import math
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from qualscore._patterns import lazy, lazy_bytes
from qualscore.errors import Problem, SourceError
from qualscore.source.cells import BadCell, PercentCell
from qualscore.source.yamlfile import read_bytes

__all__ = [
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_CSV_BYTES",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "MAX_XLSX_BYTES",
    "BadCell",
    "PercentCell",
    "Row",
    "Table",
    "csv_head",
    "csv_pieces",
    "csv_rows",
    "read_table",
    "stream_table",
    "table_rows",
]

MAX_CSV_BYTES = 256 * 1024 * 1024
"""Largest CSV table read, in bytes: some 350,000 rows of 140 facts. The file is held in
memory while its rows stream through, so this bounds what one record can take."""
MAX_XLSX_BYTES = 64 * 1024 * 1024
"""Largest XLSX file read, in bytes (compressed: a 40,000-row workbook has about 3.5 MB)."""
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
"""Most bytes an XLSX file may unpack to, all its parts together, as its zip directory
declares them (Python's zipfile never unpacks more than a part declares). Checked before the
workbook is opened: a small file that would unpack to gigabytes is refused unopened."""
MAX_ROWS = 1_048_576
"""Highest row number of an XLSX sheet: Excel's own limit."""
MAX_COLUMNS = 16_384
"""Highest column number of an XLSX sheet (``XFD``): Excel's own limit."""
MAX_CELLS = 5_000_000
"""Most non-empty cells read from one XLSX sheet (35,000 rows of 140 facts): the workbook
is read whole before any row is used, so this bounds its memory."""
MAX_CELL_CHARS = 32_767
"""Longest cell, in characters: Excel's own limit. A longer cell refuses its row."""
MAX_NUMBER_CHARS = 64
"""Longest number an XLSX cell may hold, in characters (Excel writes at most 17 digits)."""
MAX_SHOWN = 40
"""Longest piece of a cell quoted back in a message, in characters."""

_UNDECODED = lazy("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)
_CONTROL = lazy("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = lazy("[\r\n]")
_ANY_BAD = lazy("[\r\n\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff]")
"""What any of a CSV cell's checks looks for, in one search over a whole record's text."""
_WORDS = {"true": True, "false": False}
_QUOTED = lazy(r'"[^"]*"|\\.')  # literal text in a number format


@dataclass(frozen=True)
class Row:
    """One record: its line in the file and its cells by column name."""

    line: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Table:
    """A header and its records."""

    path: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    def column(self, name: str) -> int:
        """The 1-based column of ``name``."""
        return self._numbers[name]

    @functools.cached_property
    def _numbers(self) -> dict[str, int]:
        return {name: i + 1 for i, name in enumerate(self.columns)}


def read_table(path: Path, shown: str | None = None) -> Table:
    """Read a CSV or XLSX file whole, for a facts or target table.

    Raises:
        SourceError: the file cannot be read, has no header, repeats a column,
            or has rows that cannot be read (every one of them named).
    """
    shown = shown if shown is not None else str(path)
    columns, found = stream_table(path, shown)
    rows: list[Row] = []
    problems: list[Problem] = []
    for item in found:
        if isinstance(item, Problem):
            problems.append(item)
        else:
            rows.append(item)
    if problems:
        raise SourceError(problems)
    return Table(shown, columns, tuple(rows))


def stream_table(path: Path, shown: str) -> tuple[tuple[str, ...], Iterator[Row | Problem]]:
    """A table's columns, and its rows as they are read, a Problem in place of a bad row.

    Rows whose cells are all blank are left out. Whatever would refuse the
    whole table is found before this returns.

    Raises:
        SourceError: the file cannot be read, is too large, has no header or
            repeats a column.
    """
    if path.suffix.lower() == ".xlsx":
        raw = read_bytes(path, shown, MAX_XLSX_BYTES)
        records: Iterator[tuple[int, list[Any]] | Problem] = iter(_xlsx(raw, shown))
    else:
        records = _csv(read_bytes(path, shown, MAX_CSV_BYTES), shown)
    first = next(records, None)
    if first is None:
        raise SourceError([Problem(shown, 0, 0, "empty table: no header row")])
    if isinstance(first, Problem):
        raise SourceError([first])
    columns = _header(first[1], shown)
    return columns, table_rows(columns, records, shown)


_TEMPLATE_COLUMNS = (
    "department", "items", "key", "label", "type", "unit", "range", "value",
    "entity", "supplier", "evidence", "note",
)  # fmt: skip
"""The columns a template writes, each headed in the rule set's language; read back in any
language as the English name."""


@functools.cache
def _header_words() -> dict[str, str]:
    """A template column's heading in any language -> its English name."""
    from qualscore.catalogue import LANGUAGES

    return {
        module.WORDS[f"template_col_{name}"]: name
        for module in LANGUAGES.values()
        for name in _TEMPLATE_COLUMNS
    }


def _header(cells: list[Any], shown: str) -> tuple[str, ...]:
    """The column names of the first row, checked: each present, once, and readable.

    A template's heading in another language is its English name (``填报值`` is
    ``value``), so that a column named both ways is named twice.
    """
    while cells and _cell(cells[-1]) is None:
        cells = cells[:-1]  # blank cells after the last name are no columns
    written = [str(c).strip() if c is not None else "" for c in cells]
    aliases = _header_words()
    names = [aliases.get(name, name) for name in written]
    problems = []
    seen: dict[str, int] = {}  # name -> its first column: a header may have 100,000 columns
    for i, (cell, name) in enumerate(zip(cells, names, strict=True)):
        first = seen.setdefault(name, i + 1)
        if isinstance(cell, BadCell):
            problems.append(Problem(shown, 1, i + 1, f"header: {cell.message}"))
        elif not name:
            problems.append(Problem(shown, 1, i + 1, "a column without a name"))
        elif first != i + 1:
            said = _shorten(written[i]) + ("" if written[i] == name else f" = {name}")
            message = f"column {said!r} appears twice (first in column {first})"
            problems.append(Problem(shown, 1, i + 1, message))
    if problems:
        raise SourceError(problems)
    return tuple(names)


def table_rows(
    columns: tuple[str, ...], records: Iterable[tuple[int, list[Any]] | Problem], shown: str
) -> Iterator[Row | Problem]:
    """The records as rows of ``columns``: cells stripped, blank as None, ``true``/``false``
    as booleans; a row of blank cells left out, a value beyond the header's columns a
    problem. ``records`` are (first line, cells) or problems, as the readers give them."""
    for record in records:
        if isinstance(record, Problem):
            yield record
            continue
        line, cells = record
        values = [
            (_WORDS.get(t.lower(), t) if (t := v.strip()) else None)
            if type(v) is str
            else _cell(v)
            for v in cells
        ]  # _cell, inlined: a table has millions of cells
        extra = next((i for i in range(len(columns), len(values)) if values[i] is not None), None)
        if extra is not None:
            message = f"a value in column {extra + 1}, beyond the header's {len(columns)} columns"
            yield Problem(shown, line, extra + 1, message)
        elif any(v is not None for v in values):
            # A row that stops before the header does (an XLSX row's blank cells at its end
            # are not stored; a CSV line may leave out its last commas) has those cells
            # blank, as a blank cell written out is: every row has every column.
            values += [None] * (len(columns) - len(values))
            yield Row(line, dict(zip(columns, values, strict=False)))


def _cell(value: Any) -> Any:
    """A cell's value: text stripped, blank as None, ``true``/``false`` as booleans."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        return text
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _text_cell(text: str, col: int) -> str | BadCell:
    """Text from a table, or why it cannot be read (every check linear in its length)."""
    if len(text) > MAX_CELL_CHARS:
        return BadCell(col, f"a cell of {len(text):,} characters, more than {MAX_CELL_CHARS:,}")
    if _UNDECODED.search(text):
        raw = text.encode("utf-8", "surrogateescape")
        try:
            raw.decode("gbk")
        except UnicodeDecodeError:
            return BadCell(col, "not UTF-8 text; save the table as UTF-8")
        return BadCell(col, "not UTF-8 text (GBK, as Windows saves it?); save the table as UTF-8")
    found = _CONTROL.search(text)
    if found:
        return BadCell(col, f"control character U+{ord(found.group()):04X} not allowed")
    return text


# --- CSV ------------------------------------------------------------------------------------


def _csv(raw: bytes, shown: str) -> Iterator[tuple[int, list[Any]] | Problem]:
    """Records as (first line, cells), read from bytes line by line, or Problems.

    Raises:
        SourceError: UTF-16 text (every line would be unreadable).
    """
    yield from _csv_records(_utf8(raw, shown), shown, 1)


def _utf8(raw: bytes, shown: str) -> bytes:
    """A CSV file's bytes without a UTF-8 byte order mark.

    Raises:
        SourceError: UTF-16 text (every line would be unreadable).
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SourceError(
            [Problem(shown, 0, 0, "file is UTF-16 text (saved as 'Unicode'?); save it as UTF-8")]
        )
    return raw.removeprefix(codecs.BOM_UTF8)


def _csv_records(raw: bytes, shown: str, first: int) -> Iterator[tuple[int, list[Any]] | Problem]:
    """Records of bytes whose first line is line ``first`` of the file, or Problems.

    Each line is decoded alone (bytes that are not UTF-8 kept as lone
    surrogates), so that a bad byte costs the cell it is in, not the file. A
    record's cells are checked together by one search; only a record in which
    it finds something has each cell checked, to say which and why.
    """
    lines = (line.decode("utf-8", "surrogateescape") for line in io.BytesIO(raw))
    reader = csv.reader(lines)
    while True:
        start = reader.line_num + first
        try:
            with _field_limit():
                cells = next(reader, None)
        except csv.Error as exc:
            yield Problem(shown, start, 1, f"not a readable CSV record: {exc}")
            continue
        if cells is None:
            return
        joined = "".join(cells)
        if len(joined) > MAX_CELL_CHARS or _ANY_BAD.search(joined):
            last = reader.line_num + first - 1
            yield start, [_csv_cell(c, i + 1, start, last) for i, c in enumerate(cells)]
        else:
            yield start, cells


def csv_head(path: Path, shown: str) -> tuple[tuple[str, ...], bytes, int]:
    """A CSV table's columns, the bytes of its records, and the line they start on.

    The table is refused as :func:`stream_table` refuses it; its records are
    left unread, to be cut by :func:`csv_pieces` and read by :func:`csv_rows`.

    Raises:
        SourceError: the file cannot be read, is too large, is UTF-16, has no
            header or repeats a column.
    """
    raw = _utf8(read_bytes(path, shown, MAX_CSV_BYTES), shown)
    end = _record_end(raw, 0)
    first = next(_csv_records(raw[:end], shown, 1), None)
    if first is None:
        raise SourceError([Problem(shown, 0, 0, "empty table: no header row")])
    if isinstance(first, Problem):
        raise SourceError([first])
    return _header(first[1], shown), raw[end:], 1 + raw.count(b"\n", 0, end)


def csv_rows(
    columns: tuple[str, ...], body: bytes, shown: str, first: int
) -> Iterator[Row | Problem]:
    """The rows of a piece of a CSV table's records whose first line is ``first``,
    exactly as :func:`stream_table` gives them."""
    return table_rows(columns, _csv_records(body, shown, first), shown)


def csv_pieces(body: bytes, first: int, size: int) -> Iterator[tuple[int, bytes]]:
    """``body`` cut at record boundaries into pieces of about ``size`` bytes (at least
    one record each), each with the line it starts on.

    A boundary is where the csv module ends a record: the end of a line that
    does not end inside a quoted cell. Reading the pieces one by one gives the
    records, line numbers and problems that reading ``body`` whole gives.
    """
    start = 0
    while start < len(body):
        end = _boundary(body, start, start + max(size, 1))
        yield first, body[start:end]
        first += body.count(b"\n", start, end)
        start = end


# One record as the csv module reads it (default dialect, fed line by line): fields apart
# by commas; a field opening with a quote runs to the quote closing it ("" is a quote in
# it), across lines, or to the end of the data, and any text after that closing quote is
# the field's too, quotes and all; a field opening otherwise is plain text to a comma or a
# line break. The record ends with its line: what follows a line break on that line is
# either nothing or an error that ends the record all the same.
_FIELD = rb'(?:"(?:[^"]++|"")*+(?:"[^,\r\n]*+|\Z)|[^,\r\n]*+)'
_RECORD = lazy_bytes(_FIELD + rb"(?:," + _FIELD + rb")*+[^\n]*+\n?")


def _record_end(body: bytes, start: int) -> int:
    """Where the record starting at ``start`` ends (after its last line's newline)."""
    found = _RECORD.match(body, start)
    assert found is not None  # every part of the pattern can match nothing
    return found.end()


def _boundary(body: bytes, start: int, target: int) -> int:
    """The first record boundary at or after ``target``, from the boundary ``start``.

    Up to the line of the first quote every line is a record; from there on
    the records are followed one by one.
    """
    line_end = body.find(b"\n", target - 1) + 1 or len(body)
    quote = body.find(b'"', start, line_end)
    if quote < 0:
        return line_end
    pos = body.rfind(b"\n", start, quote) + 1 or start
    while pos < target and pos < len(body):
        pos = _record_end(body, pos)
    return min(pos, len(body))


@contextmanager
def _field_limit() -> Iterator[None]:
    """The csv module's field limit out of the way: cells are measured by ``_text_cell``.

    The file is at most MAX_CSV_BYTES, so no field can exceed the limit set here.
    """
    old = csv.field_size_limit(MAX_CSV_BYTES + 1)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _csv_cell(text: str, col: int, first: int, last: int) -> str | BadCell:
    if _LINE_BREAK.search(text):
        message = f"a cell running over lines {first}-{last} (a quote not closed?)"
        return BadCell(col, message)
    return _text_cell(text, col)


# --- XLSX -----------------------------------------------------------------------------------


def _xlsx(raw: bytes, shown: str) -> list[tuple[int, list[Any]]]:
    """The first sheet's rows as (row number, cells), read whole.

    Raises:
        SourceError: not a workbook, or over one of the limits.
    """
    from openpyxl import load_workbook

    def refuse(message: str) -> SourceError:
        return SourceError([Problem(shown, 0, 0, message)])

    _check_unpacked(raw, refuse)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise refuse(f"not a readable XLSX file ({type(exc).__name__})") from None
    try:
        if not book.worksheets:
            raise refuse("the workbook has no sheet")
        return _sheet_rows(book, raw, refuse)
    finally:
        book.close()


def _check_unpacked(raw: bytes, refuse: Any) -> None:
    """Refuse a zip whose parts declare more than MAX_UNPACKED_BYTES, before unpacking any.

    Raises:
        SourceError: not a zip file, or too large unpacked.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise refuse(f"not a readable XLSX file ({type(exc).__name__})") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise refuse(
            f"the workbook unpacks to {unpacked:,} bytes, more than the limit of "
            f"{MAX_UNPACKED_BYTES:,}"
        )


def _sheet_rows(book: Any, raw: bytes, refuse: Any) -> list[tuple[int, list[Any]]]:
    """Rows of the table's sheet, numbered as in Excel; over a limit, the table is refused.

    Read through openpyxl's public read-only worksheet: each cell's value, type and
    number format. A cell left without a value may be a formula never calculated
    (openpyxl gives no value for it either way): only when there is such a cell is the
    sheet read a second time for its formulas, to tell it.

    Raises:
        SourceError: a row or column beyond Excel's limits, too many cells, or
            a damaged sheet.
    """
    sheet = _table_sheet(book)
    sheet.reset_dimensions()  # every row and column as stored, whatever the sheet declares
    rows: list[tuple[int, list[Any]]] = []
    blank: set[tuple[int, int]] = set()  # (row, column) of the cells stored with no value
    cells = 0
    try:
        for number, found in enumerate(sheet.iter_rows(), start=1):
            if number > MAX_ROWS:
                raise refuse(f"a row beyond the limit of {MAX_ROWS:,} rows")
            pairs = []
            for cell in found:
                if cell.value is not None:
                    pairs.append((cell.column, _sheet_value(cell)))
                elif getattr(cell, "column", None):  # stored, not a gap filled in
                    blank.add((number, cell.column))
            cells += len(pairs)
            if cells > MAX_CELLS:
                raise refuse(f"more than {MAX_CELLS:,} cells in the sheet")
            rows.append((number, _line_up(pairs, refuse)))
    except SourceError:
        raise
    except Exception as exc:  # a damaged part: bad XML, a CRC error, a cell's bad number
        # openpyxl stops at the first cell it cannot read: the table is refused, the row
        # named. No spreadsheet program writes such a cell.
        row = len(rows) + 1
        if isinstance(exc, ValueError) and "digits" in str(exc):  # past int()'s limit
            raise refuse(
                f"row {row:,} holds a number of thousands of digits; a spreadsheet number "
                "has 15 digits: the table cannot be read"
            ) from None
        raise refuse(
            f"not a readable XLSX file: row {row:,} is damaged ({type(exc).__name__})"
        ) from None
    if blank:
        _uncalculated(raw, rows, blank, refuse)
    if not rows or not any(c is not None for c in rows[0][1]):
        raise refuse("empty table: no header row (row 1 is empty)")
    return rows


def _sheet_value(cell: Any) -> Any:
    """A cell's value by qualscore's rules: text checked, numbers as Excel shows them."""
    value, col, kind = cell.value, cell.column, cell.data_type
    if kind == "s":
        return _text_cell(str(value), col)
    if kind == "b":
        return bool(value)
    if kind == "e":
        return BadCell(col, f"the cell shows the error {_shorten(str(value))}")
    if kind == "d" or not isinstance(value, int | float):
        return BadCell(col, "a date or time, not a number (format the cell as a number)")
    number = _excel_number(value, col)
    if isinstance(number, Decimal) and "%" in _QUOTED.sub("", cell.number_format or ""):
        return PercentCell(number.scaleb(2))
    return number


def _uncalculated(
    raw: bytes, rows: list[tuple[int, list[Any]]], blank: set[tuple[int, int]], refuse: Any
) -> None:
    """Tell each cell stored with no value that is a formula (one never calculated, so
    with no saved result) as such, in its place in ``rows`` (row ``n`` is ``rows[n - 1]``).

    Raises:
        SourceError: the sheet cannot be read a second time.
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
        try:
            sheet = _table_sheet(book)
            sheet.reset_dimensions()
            formulas = [
                (number, cell.column)
                for number, found in enumerate(sheet.iter_rows(), start=1)
                for cell in found
                if cell.data_type == "f" and (number, getattr(cell, "column", 0)) in blank
            ]
        finally:
            book.close()
    except Exception as exc:  # the same bytes were read once: a damaged part read lazily
        raise refuse(f"not a readable XLSX file ({type(exc).__name__})") from None
    for number, col in formulas:
        cells = rows[number - 1][1]
        cells.extend([None] * (col - len(cells)))
        cells[col - 1] = BadCell(col, "a formula with no saved result")


def _table_sheet(book: Any) -> Any:
    """The sheet holding the table: the first, or the second when the first is a
    template's instructions (whose title is the catalogue's, in any language)."""
    from qualscore.catalogue import LANGUAGES

    sheets = book.worksheets
    guides = {module.WORDS["template_sheet_guide"] for module in LANGUAGES.values()}
    return sheets[1] if len(sheets) > 1 and sheets[0].title in guides else sheets[0]


def _line_up(found: list[tuple[int, Any]], refuse: Any) -> list[Any]:
    """A row's (column, value) pairs as a list, None where a cell is missing.

    Raises:
        SourceError: a column beyond Excel's limit.
    """
    width = max((col for col, _ in found), default=0)
    if width > MAX_COLUMNS:
        raise refuse(f"column {width:,} is beyond the limit of {MAX_COLUMNS:,} columns")
    cells: list[Any] = [None] * width
    for col, value in found:
        cells[col - 1] = value
    return cells


def _excel_number(value: int | float, col: int) -> Decimal | BadCell:
    """A stored number as Excel shows it: 15 significant digits, exactly.

    ``5.000000000000001`` (what ``=1.6+2.7+0.7`` stores) is 5. openpyxl reads the
    stored text as an int or a float, as Excel stored it; the rounding to 15 digits
    is then exact decimal text.
    """
    if isinstance(value, int) and len(str(abs(value))) > MAX_NUMBER_CHARS:
        digits = len(str(abs(value)))
        message = f"a number of {digits:,} digits; a spreadsheet number has 15 digits"
        return BadCell(col, message)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        return BadCell(col, f"{_shorten(str(value))} is out of range")
    return Decimal(format(number, ".15g"))


