"""A batch's inputs read into units of work, lazily, in input order.

A unit is an :class:`Entity` (a facts file), a :class:`Rows`: a piece of a
CSV table's records, cut at record boundaries and left unparsed, or a
:class:`Sheet`: an XLSX workbook, unread. The worker process that scores a
piece or a workbook also reads it, so that several are read at once and the
process that runs the batch parses none. Only a CSV table's header is read
where the units are made: what refuses a whole table refuses it there, before
any of its rows is used; what refuses a workbook is found by the worker that
reads it, and told in its place. :func:`entities_of_rows` and
:func:`entities_of_sheet` turn a unit into its entities, the same way wherever
they run. A problem with an input takes the place of the units it would have
given.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualscore.errors import Problem, SourceError
from qualscore.facts.check import PROVENANCE
from qualscore.source.tables import BadCell, csv_head, csv_pieces, csv_rows, stream_table
from qualscore.source.text import name_text

__all__ = [
    "PIECE_BYTES",
    "Entity",
    "Rows",
    "Sheet",
    "Unit",
    "describe",
    "entities_of_rows",
    "entities_of_sheet",
    "entity_of",
    "is_facts_file",
    "iter_units",
    "shown",
]

FACTS_SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_STEM = ".expected"
"""A folder's ``NAME.expected.yaml`` holds an example's expected scores, not facts."""
PIECE_BYTES = 48 * 1024
"""About how many bytes of a CSV table a worker process is sent at a time (some 64 rows
of 140 facts)."""


@dataclass(frozen=True)
class Entity:
    """One entity to score: its name, where it came from and its raw facts."""

    name: str
    source: str
    path: str
    line: int
    data: dict[str, Any] | None  # None: read the facts file at ``path`` (or, once scored: dropped)


@dataclass(frozen=True)
class Rows:
    """A piece of a CSV table: whole records, unparsed, starting on line ``first``."""

    path: str  # the table as shown in messages
    columns: tuple[str, ...]
    first: int
    body: bytes


@dataclass(frozen=True)
class Sheet:
    """An XLSX table, unread: ``path`` as given, ``where`` as shown in messages."""

    path: str
    where: str


Unit = Entity | Rows | Sheet


def shown(text: str) -> str:
    """``text`` as it can be printed and written anywhere, on one line (a file name's
    undecodable bytes and control characters as escapes)."""
    return name_text(text)


def describe(exc: BaseException) -> str:
    """An exception in one line: its type and, when it has one, its message."""
    text = shown(str(exc))[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def iter_units(paths: Sequence[str], piece: int = PIECE_BYTES) -> Iterator[Unit | Problem]:
    """The units of work of every input named by ``paths``, lazily, in order.

    Names seen twice are not looked for here: that needs the rows read.
    """
    for given in paths:
        yield from _units_of(given, piece)


def _units_of(given: str, piece: int) -> Iterator[Unit | Problem]:
    """The units of one input; whatever goes wrong reading it is a problem naming it."""
    where = shown(given)
    try:
        yield from _units_in(Path(given), given, where, piece)
    except SourceError as exc:
        yield from exc.problems
    except OSError as exc:
        yield Problem(where, 0, 0, f"cannot read: {(exc.strerror or type(exc).__name__).lower()}")
    except Exception as exc:  # a broken table costs that table, not the batch
        yield Problem(where, 0, 0, f"cannot be read to the end: {describe(exc)}")


def _units_in(path: Path, given: str, where: str, piece: int) -> Iterator[Unit | Problem]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if is_facts_file(p))
        if not files:
            yield Problem(where, 0, 0, "folder holds no facts files (*.yaml, *.yml, *.json)")
        yield from (Entity(shown(f.stem), shown(str(f)), str(f), 0, None) for f in files)
    elif path.suffix.lower() == ".csv" and path.is_file():
        columns, body, first = csv_head(path, where)
        _need_entity(columns, where)
        yield from (Rows(where, columns, n, b) for n, b in csv_pieces(body, first, piece))
    elif path.suffix.lower() == ".xlsx":
        yield Sheet(given, where)
    else:
        yield Entity(shown(path.stem), where, given, 0, None)


def _need_entity(columns: tuple[str, ...], where: str) -> None:
    """Raises: SourceError: the table has no 'entity' column."""
    if "entity" not in columns:
        raise SourceError([Problem(where, 1, 1, "a facts table needs an 'entity' column")])


def is_facts_file(path: Path) -> bool:
    """Whether a folder's file is an entity's facts: ``*.yaml``, ``*.yml`` or ``*.json``.

    Not a file whose name starts with ``.`` or ``_`` (hidden, or kept aside),
    nor an example's ``NAME.expected.yaml`` (its expected scores), nor a
    sub-folder: name those explicitly to score them.
    """
    name = path.name
    return (
        path.suffix.lower() in FACTS_SUFFIXES
        and not name.startswith((".", "_"))
        and not path.stem.lower().endswith(SKIPPED_STEM)
        and path.is_file()
    )


def entities_of_sheet(sheet: Sheet) -> Iterator[Entity | Problem]:
    """The entities of a workbook's table, a problem in place of a row that cannot be read.

    Raises:
        SourceError: the workbook cannot be read, or its table has no 'entity' column.
        OSError: the file cannot be opened.
    """
    columns, rows = stream_table(Path(sheet.path), sheet.where)
    _need_entity(columns, sheet.where)
    for row in rows:
        yield row if isinstance(row, Problem) else entity_of(row.values, sheet.where, row.line)


def entities_of_rows(rows: Rows) -> Iterator[Entity | Problem]:
    """The entities of a piece of a CSV table, a problem in place of a row that cannot be read."""
    for row in csv_rows(rows.columns, rows.body, rows.path, rows.first):
        yield row if isinstance(row, Problem) else entity_of(row.values, rows.path, row.line)


_JUDGED = "judged."


@functools.lru_cache(maxsize=64)
def _judged_columns(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The ``judged.ID.field`` columns among a table's (worked out once per table)."""
    return tuple(k for k in columns if k.startswith(_JUDGED) and k.count(".") >= 2)


_PROVENANCE = tuple(f".{k}" for k in PROVENANCE)


@functools.lru_cache(maxsize=64)
def _provenance_columns(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The ``FACT.supplier``, ``FACT.evidence`` and ``FACT.note`` columns among a table's."""
    return tuple(k for k in columns if k.endswith(_PROVENANCE) and k.count(".") == 1)


def entity_of(values: dict[str, Any], given: str, line: int) -> Entity | Problem:
    """A table row's entity (``given`` the table as shown, ``line`` its line); a problem
    when its name cannot be read."""
    name = values.get("entity")
    if isinstance(name, BadCell):
        return Problem(given, line, name.col, f"entity: {name.message}")
    data = dict(values)
    data.pop("entity", None)
    judged = _judged_columns(tuple(data))
    if judged:  # judged.ID.field columns: a judged item's score, reason and evidence
        block: dict[str, dict[str, Any]] = {}
        for key in judged:
            value = data.pop(key)
            item_id, field = key[len("judged.") :].rsplit(".", 1)
            if value is not None:
                block.setdefault(item_id, {})[field] = value
        data["judged"] = block
    said = _provenance_columns(tuple(data))
    if said:  # FACT.evidence columns: where a fact came from, folded into the fact
        for column in said:
            value = data.pop(column)
            key, field = column.split(".")
            if value is not None:
                fact = data.get(key)
                if not isinstance(fact, dict):
                    fact = data[key] = {"value": fact}
                fact[field] = value
    return Entity(shown(str(name or f"row {line}")), f"{given}:{line}", given, line, data)
