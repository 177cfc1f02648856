"""CSV and XLSX tables read into rows, each cell remembering its line and column.

A table has a header row of column names; each further row is a record. A
blank cell is None; ``true``/``false`` (any case) become booleans; numbers
stay text in CSV and are turned into exact decimals later (an XLSX number is
read through its shortest ``repr``, which is what the spreadsheet showed).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._yaml import read_bytes
from .errors import Problem, SourceError

__all__ = ["Row", "Table", "read_table"]


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
        return self.columns.index(name) + 1


def read_table(path: Path, shown: str | None = None) -> Table:
    """Read a CSV or XLSX file.

    Raises:
        SourceError: the file cannot be read, has no header, or repeats a column.
    """
    shown = shown if shown is not None else str(path)
    raw = read_bytes(path, shown)
    if path.suffix.lower() == ".xlsx":
        header, records = _xlsx(raw, shown)
    else:
        header, records = _csv(raw, shown)
    columns = tuple(str(c).strip() if c is not None else "" for c in header)
    problems = [
        Problem(shown, 1, i + 1, f"column {c!r} appears twice" if c else "a column without a name")
        for i, c in enumerate(columns)
        if not c or c in columns[:i]
    ]
    if problems:
        raise SourceError(problems)
    rows = tuple(
        Row(line, {c: _cell(v) for c, v in zip(columns, cells, strict=False)})
        for line, cells in records
        if any(_cell(v) is not None for v in cells)
    )
    return Table(shown, columns, rows)


def _cell(value: Any) -> Any:
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


def _csv(raw: bytes, shown: str) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(
            [Problem(shown, 0, 0, "file is not UTF-8 text; save it as UTF-8 CSV")]
        ) from None
    lines = list(csv.reader(io.StringIO(text, newline="")))
    if not lines:
        raise SourceError([Problem(shown, 0, 0, "empty table: no header row")])
    return lines[0], [(i + 2, cells) for i, cells in enumerate(lines[1:])]


def _xlsx(raw: bytes, shown: str) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SourceError(
            [Problem(shown, 0, 0, f"not a readable XLSX file ({type(exc).__name__})")]
        ) from None
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    if not rows:
        raise SourceError([Problem(shown, 0, 0, "empty table: no header row")])
    return rows[0], [(i + 2, cells) for i, cells in enumerate(rows[1:])]
