"""XLSX as a format: what one worksheet holds, the names a sheet can take, text cells that
are never formulas, and the same bytes for the same workbook.

Shared by the two workbooks qualscore writes: the batch's
(:mod:`qualscore.report.batch_xlsx`, streamed through openpyxl's write-only mode)
and the facts template (:mod:`qualscore.report.template`, built in memory).
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from qualscore.errors import QualscoreError
from qualscore.report.safe import formula_like, sheet_text

__all__ = [
    "XLSX_CELL",
    "XLSX_COLUMNS",
    "XLSX_LIMITS",
    "XLSX_ROWS",
    "XLSX_SHEET_NAME",
    "XlsxLimitError",
    "XlsxLimits",
    "mark_text",
    "sheet_row",
    "stable_zip",
    "stable_zip_file",
    "text_cell",
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


def _not_plain(text: str) -> bool:
    """Whether openpyxl would not store ``text`` as a plain text: a formula (``=``), an error
    code (``#N/A``), or a text a spreadsheet would read as a formula once edited."""
    return text.startswith("#") or formula_like(text)


def text_cell(sheet: Any, text: str) -> Any:
    """``text`` for a write-only sheet's ``append``: as it is when openpyxl stores it as a
    text, else a cell marked text (quote-prefixed where a spreadsheet would read a formula).

    Only the few texts that need it become cell objects: a workbook of millions of texts
    is streamed without one object per cell.
    """
    if not _not_plain(text):
        return text
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, text)
    mark_text(cell)
    return cell


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


def stable_zip_file(source: str | IO[bytes], out: IO[bytes]) -> None:
    """Rewrite the workbook ``source`` into ``out`` with fixed timestamps (each part's, and
    the created and modified dates of ``docProps/core.xml``), so the same workbook gives the
    same bytes. Parts are copied in pieces: a workbook of any size in little memory."""
    with (
        zipfile.ZipFile(source) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            if info.filename == "docProps/core.xml":
                dst.writestr(fixed, _STAMP.sub(b"2000-01-01T00:00:00Z", src.read(info)))
                continue
            # The size known up front, as writestr knows it: the same headers, and ZIP64
            # only for a part that needs it.
            fixed.file_size = info.file_size
            with src.open(info) as part, dst.open(fixed, "w") as copy:
                shutil.copyfileobj(part, copy, _CHUNK)


def stable_zip(data: bytes) -> bytes:
    """:func:`stable_zip_file` for a workbook in memory."""
    out = io.BytesIO()
    stable_zip_file(io.BytesIO(data), out)
    return out.getvalue()
