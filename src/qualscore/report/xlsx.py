"""XLSX as a format: what one worksheet holds, the names a sheet can take, text cells that
are never formulas, rows streamed as SpreadsheetML, and the same bytes for the same workbook.

Shared by the two workbooks qualscore writes: the batch's
(:mod:`qualscore.report.batch_xlsx`: openpyxl's write-only mode for the workbook,
its styles and each sheet's setup and header; :class:`SheetRows` for the rows of
every entity) and the facts template (:mod:`qualscore.report.template`, built in
memory).

How a sheet shows and prints (a wrapped text's lines, a row's height, the print setup)
is :mod:`qualscore.report.sheet_layout`'s.

Why the batch's rows do not go through openpyxl's cells: a cell costs openpyxl
30-50 µs to make and write (an entity of rules/rugao-2018 is about 520 cells in the
workbook: 100,000 of them would take most of an hour), and openpyxl writes a
``Decimal`` through a float (the text ``0.07000000000000001`` for ``0.07``, one
two-place score in eleven: the same double once read, but not the decimal).
:class:`SheetRows` writes each row as text, every decimal's exact digits, every
text an inline string as openpyxl writes it, in a few microseconds a cell.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import IO, Any

from qualscore.errors import QualscoreError
from qualscore.report.safe import formula_like, sheet_text
from qualscore.report.sheet_layout import row_height, text_lines
from qualscore.scoring.words import fmt
from qualscore.source.text import escape_match

__all__ = [
    "NUMBER_FORMAT",
    "PERCENT_FORMAT",
    "XLSX_CELL",
    "XLSX_COLUMNS",
    "XLSX_LIMITS",
    "XLSX_ROWS",
    "XLSX_SHEET_NAME",
    "CellStyles",
    "ColumnWidths",
    "Percent",
    "SheetRows",
    "XlsxLimitError",
    "XlsxLimits",
    "column_letter",
    "digits",
    "mark_text",
    "sheet_row",
    "stable_zip",
    "stable_zip_file",
    "texts_as_text",
    "xlsx_pages",
    "xlsx_sheet_names",
]

XLSX_ROWS = 1_048_576
"""Rows of one XLSX worksheet (Excel's specifications and limits)."""
XLSX_COLUMNS = 16_384
"""Columns of one worksheet (A to XFD)."""
XLSX_CELL = 32_767
"""Characters of one cell."""
XLSX_SHEET_NAME = 31
"""Characters of a sheet's name, which holds none of ``[]:*?/\\``."""
_SHEET_NAME_FORBIDDEN = frozenset("[]:*?/\\")


@dataclass(frozen=True)
class XlsxLimits:
    """What one worksheet holds: the real limits, or smaller ones in a test."""

    rows: int = XLSX_ROWS
    columns: int = XLSX_COLUMNS
    cell: int = XLSX_CELL


XLSX_LIMITS = XlsxLimits()
"""The real limits."""


class XlsxLimitError(QualscoreError):
    """The batch does not fit in an XLSX workbook as laid out (a row too wide, a text too
    long): told before any of the workbook is built."""


def xlsx_pages(body: int, *, head: int, tail: int = 0, rows: int = XLSX_ROWS) -> list[int]:
    """How many body rows each sheet of a table holds: all on one sheet when they fit
    with the ``head`` rows (and the ``tail`` rows, which end the last sheet), else as many
    as fit on each sheet, the head repeated on every one.

    Raises:
        XlsxLimitError: a sheet of ``rows`` rows holds no body row after its head.
    """
    room = rows - head
    if room < 1 or tail > room:
        raise XlsxLimitError(f"a sheet of {rows:,} rows holds no rows after its header")
    count = max(1, -(-(body + tail) // room))
    return [max(0, min(room, body - i * room)) for i in range(count)]


def xlsx_sheet_names(title: str, count: int) -> list[str]:
    """``title``, then ``title (2)``, ``title (3)``...: each within 31 characters (the title
    cut, never the number), with none of the characters a sheet name cannot hold.

    Raises:
        XlsxLimitError: ``title`` holds a character a sheet name cannot.
    """
    bad = sorted(set(title) & _SHEET_NAME_FORBIDDEN)
    if bad or not title.strip() or title.startswith("'") or title.endswith("'"):
        raise XlsxLimitError(f"{title!r} cannot name a sheet")
    names = []
    for n in range(1, count + 1):
        suffix = "" if n == 1 else f" ({n})"
        names.append(title[: XLSX_SHEET_NAME - len(suffix)] + suffix)
    return names


def sheet_row(values: Sequence[Any]) -> list[Any]:
    """A row for ``Worksheet.append``: each text with the characters XML cannot hold escaped.

    openpyxl refuses a cell holding ``\\x01`` (and would lose the whole
    workbook to one bad name); it is shown as the four characters ``\\x01``.
    """
    return [sheet_text(v) if isinstance(v, str) else v for v in values]


def mark_text(cell: Any) -> None:
    """Make the cell holding a text a text cell, quote-prefixed where a spreadsheet would
    read a formula (so that editing it keeps it a text)."""
    cell.data_type = "s"
    if formula_like(cell.value):
        cell.quotePrefix = True


def texts_as_text(book: Any) -> None:
    """Mark every text cell of an in-memory ``book`` a string, never a formula.

    openpyxl reads a text starting with ``=`` as a formula; a name such as
    ``=HYPERLINK(...)`` stays the text it is, quote-prefixed so that editing
    the cell in a spreadsheet keeps it text.
    """
    for sheet in book.worksheets:
        for cells_of_row in sheet.iter_rows():
            for cell in cells_of_row:
                if isinstance(cell.value, str):
                    mark_text(cell)


_STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_FIXED = (2000, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20


def stable_zip_file(
    source: str | IO[bytes], out: IO[bytes], *, rows: Mapping[str, str] | None = None
) -> None:
    """Rewrite the workbook ``source`` into ``out`` with fixed timestamps (each part's, and
    the created and modified dates of ``docProps/core.xml``), so the same workbook gives the
    same bytes. Parts are copied in pieces: a workbook of any size in little memory.

    ``rows`` maps a sheet's part (``xl/worksheets/sheet3.xml``) to a file of its body rows
    (:class:`SheetRows`), put in after the rows the sheet holds.
    """
    with (
        zipfile.ZipFile(source) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            if info.filename == "docProps/core.xml":
                dst.writestr(fixed, _STAMP.sub(b"2000-01-01T00:00:00Z", src.read(info)))
            elif rows and info.filename in rows:
                _with_rows(src.read(info), rows[info.filename], fixed, dst)
            else:
                # The size known up front, as writestr knows it: the same headers, and
                # ZIP64 only for a part that needs it.
                fixed.file_size = info.file_size
                with src.open(info) as part, dst.open(fixed, "w") as copy:
                    shutil.copyfileobj(part, copy, _CHUNK)


def _with_rows(frame: bytes, path: str, fixed: zipfile.ZipInfo, dst: zipfile.ZipFile) -> None:
    """A sheet's part, the rows in the file ``path`` put at the end of its ``sheetData``."""
    end = frame.rfind(b"</sheetData>")
    if end < 0:  # a sheet with no rows: <sheetData/>
        frame = frame.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
        end = frame.rindex(b"</sheetData>")
    fixed.file_size = len(frame) + os.path.getsize(path)
    with open(path, "rb") as body, dst.open(fixed, "w") as copy:
        copy.write(frame[:end])
        shutil.copyfileobj(body, copy, _CHUNK)
        copy.write(frame[end:])


def stable_zip(data: bytes) -> bytes:
    """:func:`stable_zip_file` for a workbook in memory."""
    out = io.BytesIO()
    stable_zip_file(io.BytesIO(data), out)
    return out.getvalue()


class Percent(Decimal):
    """A share to show as a percentage (``0.9231`` shows as 92.31%)."""


NUMBER_FORMAT = "0.00"
"""How a decimal shows: two places."""
PERCENT_FORMAT = "0.00%"


@cache
def column_letter(n: int) -> str:
    """Column ``n``'s letters (1: A, 27: AA)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


class ColumnWidths:
    """A sheet's column widths, measured as its rows come: each column as wide as its
    widest value shown (the longest line of a text, a CJK character as two, a decimal's
    digits) and 2 more, 6 at least and 40 at most; a column of wrapped texts (``wrap``:
    its number, from 1, and its width) as wide as it says, whatever it holds, so that a
    row's height can be worked out as the row is written, before the widths are known."""

    def __init__(self, wrap: Mapping[int, float]) -> None:
        self.wrap = wrap
        self.seen: list[int] = []
        self.most: list[int] = []  # each column's most, less its 2 more

    def copy(self) -> ColumnWidths:
        """These widths, to go on measuring apart."""
        other = ColumnWidths(self.wrap)
        other.seen, other.most = list(self.seen), list(self.most)
        return other

    def add(self, line: Sequence[Any], *, measured: bool = True) -> None:
        """Measure ``line`` (every column it reaches has a width, measured or not)."""
        seen, most = self.seen, self.most
        for _ in range(len(seen), len(line)):
            seen.append(0)
            most.append(40 - 2)
        if not measured:
            return
        for col, value in enumerate(line):
            if seen[col] < most[col]:  # else as wide as it gets already
                seen[col] = max(seen[col], _shown_width(value, most[col]))

    def widths(self) -> list[float]:
        """Each column's width, from A."""
        return [
            self.wrap.get(n, max(6, min(w, m) + 2))
            for n, (w, m) in enumerate(zip(self.seen, self.most, strict=True), 1)
        ]


def _shown_width(value: Any, most: int) -> int:
    """How wide ``value`` shows (its longest line, a CJK character as two), or ``most``
    when it is at least that wide."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return len(digits(value))
    text = value if isinstance(value, str) else str(value)
    longest = max(text.split("\n"), key=len) if "\n" in text else text
    if len(longest) >= most:
        return most
    if longest.isascii():
        return len(longest)
    return len(longest) + sum(1 for c in longest if c > "\u2e80")


class CellStyles:
    """Each style a streamed row's cell takes, registered in the workbook through openpyxl
    (so that its ``styles.xml`` holds it) and known by its index there, the cell's ``s``:
    a decimal's format, a share's percentage, a wrapped text (aligned to the top), a cell
    aligned to the top (beside a wrapped text, so that a row reads from its top), and a
    text's quote prefix (one a spreadsheet would read as a formula)."""

    def __init__(self, sheet: Any) -> None:
        from openpyxl.styles import Alignment

        self._sheet = sheet
        self._wrapped = Alignment(wrap_text=True, vertical="top")
        self._top = Alignment(vertical="top")
        self._found: dict[tuple[str | None, bool, bool, bool], int | None] = {}

    def index(self, value: Any, *, wrap: bool, top: bool = False) -> int | None:
        """The ``s`` of a cell holding ``value`` (None: the default style), wrapped or only
        aligned to the top."""
        shown = (
            PERCENT_FORMAT if isinstance(value, Percent)
            else NUMBER_FORMAT if isinstance(value, Decimal) else None
        )  # fmt: skip
        key = (shown, wrap, isinstance(value, str) and formula_like(value), top and not wrap)
        if key not in self._found:
            self._found[key] = self._register(*key)
        return self._found[key]

    def _register(self, shown: str | None, wrap: bool, quote: bool, top: bool) -> int | None:
        if not (shown or wrap or quote or top):
            return None
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self._sheet)
        if shown:
            cell.number_format = shown
        if wrap or top:
            cell.alignment = self._wrapped if wrap else self._top
        if quote:
            cell.quotePrefix = True
        # openpyxl 3.1 writes a cell's s as its style_id: the style's index in cellXfs.
        return int(cell.style_id)


class SheetRows:
    """A sheet's rows from row ``first`` on, written as SpreadsheetML into the file
    ``path`` as they come, to be put into the sheet by :func:`stable_zip_file`.

    Every text is an inline string (never a formula: quote-prefixed where a
    spreadsheet would read one), every decimal its exact digits, a :class:`Percent` a
    percentage; the columns in ``wrap`` (from 1, each with its width) wrap their texts,
    every other cell of the row aligned to the top beside them, and a row whose wrapped
    text takes more than a line is as tall as its lines.
    """

    def __init__(
        self, path: str, first: int, styles: CellStyles, wrap: Mapping[int, float] | None = None
    ) -> None:
        self.path = path
        self._file = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()
        self._next = first
        self._styles = styles
        self._wrap: Mapping[int, float] = wrap or {}

    def add(self, values: Sequence[Any], *, styled: bool = True) -> None:
        """Write the next row (``styled`` False: no style but a text's quote prefix)."""
        row = self._next
        self._next += 1
        wrap = self._wrap if styled else {}
        cells, lines = [], 1
        for col, value in enumerate(values, 1):
            kind = type(value)
            if col in wrap:
                cells.append(_cell(col, row, value, self._styles.index(value, wrap=True)))
                if kind is str and value:
                    lines = max(lines, text_lines(value, wrap[col]))
            elif value is None or (kind is str and not value):
                continue  # an empty cell, unstyled: none
            elif wrap:  # beside a wrapped text
                cells.append(_cell(col, row, value, self._styles.index(value, wrap=False,
                                                                       top=True)))  # fmt: skip
            elif kind is str and not formula_like(value):  # most cells: a plain text
                cells.append(_cell(col, row, value, None))
            elif kind is Decimal and styled:  # the next most: a score
                index = self._styles.index(value, wrap=False)
                cells.append(f'<c r="{column_letter(col)}{row}" s="{index}" t="n">'
                             f"<v>{digits(value)}</v></c>")  # fmt: skip
            elif styled or kind is str:
                cells.append(_cell(col, row, value, self._styles.index(value, wrap=False)))
            else:
                cells.append(_cell(col, row, value, None))
        # One line: the default height, which a spreadsheet may still fit to its font.
        tall = f' ht="{row_height(lines):g}" customHeight="1"' if lines > 1 else ""
        self._file.write(f'<row r="{row}"{tall}>{"".join(cells)}</row>')

    def close(self) -> None:
        """Close the file."""
        self._file.close()


def _cell(col: int, row: int, value: Any, index: int | None) -> str:
    """One ``<c>`` element, as openpyxl writes it but for a decimal's digits."""
    ref = f"{column_letter(col)}{row}"
    style = "" if index is None else f' s="{index}"'
    if value is None or value == "":
        kind = ' t="inlineStr"' if value == "" else ""
        return f'<c r="{ref}"{style}{kind}/>'
    if isinstance(value, str):
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_xml(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    text = digits(value) if isinstance(value, Decimal) else repr(value)
    return f'<c r="{ref}"{style} t="n"><v>{text}</v></c>'


@lru_cache(maxsize=1 << 16)  # a batch's scores repeat; equal decimals have equal digits
def digits(value: Decimal) -> str:
    """A decimal's exact digits, no exponent, no trailing zeros (``0.07``, never openpyxl's
    ``0.07000000000000001``; ``5.00`` as ``5``)."""
    return fmt(value)


# What XML cannot hold (C0 controls but tab and line ends, surrogates, U+FFFE and U+FFFF):
# sheet_row has shown the controls already; any left is shown here too, never written raw.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    """``text`` as XML character data (a carriage return kept, not read as a line end; a
    character XML cannot hold shown as its escape, ``\\x01``)."""
    if _NOT_XML.search(text):
        text = _NOT_XML.sub(escape_match, text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text
