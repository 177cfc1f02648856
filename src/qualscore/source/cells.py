"""The cells of a table that are not plain values, apart from the reading of tables, so
that checking facts from a YAML or JSON file (which never holds one) does not import
the CSV and XLSX readers of :mod:`qualscore.source.tables`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["BadCell", "PercentCell"]


@dataclass(frozen=True)
class BadCell:
    """A cell that could not be read: it refuses its row, and only its row."""

    col: int
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class PercentCell:
    """An XLSX number formatted as a percent: ``percent`` is what the cell shows (94.1)."""

    percent: Decimal

    def __str__(self) -> str:
        return f"{self.percent:f}%"
