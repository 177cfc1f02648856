"""Lists of records: checked field by field, and their aggregates worked out.

A list (``facts.yaml``'s ``lists:``) is one entity's records, each a mapping of
its declared fields: a department's key tasks, a rater panel's votes, award
events. :func:`check_records` checks each record as a fact is checked (a choice
by its value or its words, a number in its range) and works out the record's own
values (a lookup table of 档 × 级). :func:`work` works out one aggregate over the
records: which records count (``where``), their groups (``by``, each giving what
``take`` says) and the stat over what remains, with each record's contribution,
so that an auditor recomputes it record by record. Everything is linear in the
records, and the order they are given in changes no value (groups are in the
order of their values; only which record is shown first follows the input).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from qualscore._decimal import CONTEXT
from qualscore.errors import Problem, SourceError
from qualscore.language import statistics
from qualscore.language.ops import ERRORS, reason
from qualscore.ruleset.formula import Formula, Value
from qualscore.ruleset.model import SUB_NAME, SUB_PART, Aggregate, FieldDecl, ListDecl
from qualscore.source import yamlfile as _yaml
from qualscore.source.cells import BadCell
from qualscore.source.suggest import Suggestions
from qualscore.source.text import name_text

__all__ = [
    "Contribution",
    "ListTable",
    "ListWorking",
    "Record",
    "check_records",
    "join",
    "list_options",
    "load_lists",
    "not_records",
    "orphans",
    "work",
]

_C = CONTEXT
_ZERO = Decimal(0)
PROVENANCE = ("supplier", "evidence", "note")


class Record(NamedTuple):
    """One record as checked: its fields and its own values (``values``), and where it
    came from (its supplier, evidence and note; None where it says nothing)."""

    values: Mapping[str, Value]
    provenance: tuple[str | None, str | None, str | None] | None = None
    label: str | None = None
    """How reports name it, where it has a name of its own (a sub-entity's)."""

    def name(self, decl: ListDecl, index: int) -> str:
        """How a report names it: its own name, its first text field, else ``#n``."""
        if self.label is not None:
            return self.label
        for field in decl.fields:
            if field.type == "text" and isinstance(self.values.get(field.key), str):
                return str(self.values[field.key])
        return f"#{index + 1}"


class Contribution(NamedTuple):
    """What one record gave an aggregate: ``value`` its ``of`` (None for a count),
    ``counted`` whether it counts (``where`` held, and, grouped, it is what its group
    took: the highest for ``max``), ``group`` its group's value (``by``)."""

    record: int
    """Its place in the list, from 0."""
    name: str
    value: Decimal | None
    counted: bool
    group: str | None = None
    kept: bool = True
    """Whether ``where`` held for it (one it did not hold for gives nothing)."""
    evidence: str | None = None
    """The evidence the record says it has."""
    note: str | None = None
    """The note the record gives."""
    cell: str | None = None
    """The cell of a lookup table its value came from: ``档次 A × 级别 2``."""


class ListWorking(NamedTuple):
    """How an aggregate was worked out: the records it read, those ``where`` kept, each
    group's value (``by``), what the stat ran over and the result (None: nothing to
    work it out from: a mean of no record)."""

    list_key: str
    list_label: str
    stat: str
    where: str | None
    """The condition a record is kept on, as written (None: every record)."""
    when: str | None
    """A share's condition, as written."""
    by: str | None
    """The label of the field records are grouped by (None: not grouped)."""
    take: str | None
    """What each group gives (``max``: its highest)."""
    records: int
    kept: int
    contributions: tuple[Contribution, ...]
    groups: tuple[tuple[str, Decimal, Decimal | None], ...]
    """Each group's value, with its weight in a weighted mean: ``(group, value, weight)``."""
    over: tuple[Decimal, ...]
    """The numbers the stat ran over, in the order shown (records, or groups)."""
    value: Decimal | None
    unrounded: Decimal | None = None


class ListProblem(ArithmeticError):
    """An aggregate that cannot be worked out (a weighted group with no record); the
    message says why."""


def check_records(
    decl: ListDecl,
    raw: Any,
    doc: _yaml.Document,
    facts: Mapping[str, Value],
    coerce: Callable[[FieldDecl, Any], tuple[Value | None, str | None]],
    one_line: Callable[[Any], tuple[str | None, str | None]],
) -> tuple[tuple[Record, ...], list[Problem]]:
    """The records of ``decl`` as a facts file gives them (``raw``: a list of mappings),
    each field checked by ``coerce`` and each record's values worked out with the
    entity's ``facts``; every problem, each at its record and field."""
    key = decl.key
    refused = not_records(decl, raw, doc, f"records (one mapping of {_fields(decl)} each)")
    if refused is not None:
        return (), [refused]
    fields = {f.key: f for f in decl.fields}
    known = Suggestions((*fields, *PROVENANCE))
    problems: list[Problem] = []
    records = []
    for i, entry in enumerate(raw):
        at = (key, i)
        if not isinstance(entry, dict):
            problems.append(doc.problem(at, f"{key}[{i}]: expected a mapping of {_fields(decl)}"))
            continue
        values: dict[str, Value] = {}
        said: list[str | None] = [None, None, None]
        bad = False
        for name, given in entry.items():
            field = fields.get(name) if isinstance(name, str) else None
            if field is None and name in PROVENANCE:
                text, wrong = one_line(given)
                if wrong:
                    problems.append(doc.problem((*at, name), f"{key}[{i}].{name}: {wrong}"))
                said[PROVENANCE.index(name)] = text
                continue
            if field is None:
                hint = known.hint(str(name))
                message = f"{key}[{i}]: unknown field {str(name)[:40]!r}{hint}"
                problems.append(doc.problem((*at, name), message, key=True))
                bad = True
                continue
            value, wrong = coerce(field, given)
            if wrong:
                problems.append(doc.problem((*at, name), f"{key}[{i}].{name}: {wrong}"))
                bad = True
            elif value is not None:
                values[name] = value
        missing = [f for f in decl.fields if f.key not in entry]
        for field in missing:
            message = f"{key}[{i}]: missing field {field.key!r} ({field.label})"
            problems.append(doc.problem(at, message))
        if bad or missing:
            continue
        reading = {**facts, **values}
        for value_decl in decl.values:
            try:
                worked = value_decl.expr.evaluate(reading)
            except ERRORS as exc:
                message = f"{key}[{i}]: {value_decl.key}: {value_decl.expr.source.strip()}: "
                problems.append(doc.problem(at, message + reason(exc)))
                bad = True
                break
            reading[value_decl.key] = values[value_decl.key] = worked
        if not bad:
            came = (said[0], said[1], said[2]) if any(said) else None
            records.append(Record(MappingProxyType(values), came))
    return tuple(records), problems


def not_records(decl: ListDecl, raw: Any, doc: _yaml.Document, what: str) -> Problem | None:
    """Why ``raw`` cannot be the records of ``decl`` (not a list of ``what``; more records
    than its ``max_records``), or None."""
    key = decl.key
    if not isinstance(raw, list):
        return doc.problem((key,), f"{key}: expected a list of {what}")
    if len(raw) > decl.max_records:
        message = f"{key}: {len(raw):,} records, more than the {decl.max_records:,} allowed "
        return doc.problem((key,), message + "(max_records in facts.yaml)")
    return None


def _fields(decl: ListDecl) -> str:
    shown = ", ".join(f.key for f in decl.fields[:6])
    return shown + (", …" if len(decl.fields) > 6 else "")


def work(
    decl: ListDecl,
    aggregate: Aggregate,
    records: Sequence[Record],
    facts: Mapping[str, Value],
    mode: str,
    fields: Mapping[str, Any] | None = None,
) -> ListWorking:
    """``aggregate`` over ``records`` (the entity's ``facts`` read as well), rounded to its
    ``places`` in the rounding ``mode`` (a :class:`decimal` rounding); ``fields``: what
    the records have, by key (default: the list's fields; a list of sub-entities'
    records have their rule set's facts).

    Raises:
        ListProblem: a weighted mean with no record of a group it weighs, or a formula
            that failed on a record (the record named).
    """
    fields = fields or {f.key: f for f in decl.fields}
    rows: list[tuple[int, str, Decimal | None, str | None]] = []
    left: list[int] = []
    held: set[int] = set()  # a share's: the records its condition holds for
    for i, record in enumerate(records):
        reading = {**facts, **record.values}
        if aggregate.where is not None and not _run(aggregate, aggregate.where, reading, i, decl):
            left.append(i)
            continue
        if aggregate.when is not None and _run(aggregate, aggregate.when, reading, i, decl):
            held.add(i)
        value = None if aggregate.of is None else _run(aggregate, aggregate.of, reading, i, decl)
        group = None if aggregate.by is None else str(record.values[aggregate.by])
        rows.append((i, record.name(decl, i), value, group))
    counted: set[int] = set()
    groups: list[tuple[str, Decimal, Decimal | None]] = []
    short: dict[str, int] = {}  # the groups with too few records for what they take
    if aggregate.stat == "share":  # of the records kept, those the condition holds for
        over = [Decimal(1 if i in held else 0) for i, *_ in rows]
        counted = held
    elif aggregate.by is None:
        over = [Decimal(1) if v is None else v for _, _, v, _ in rows]
        counted = {i for i, *_ in rows}
    else:
        over, groups = [], []
        take = aggregate.take or "mean"
        for group, members in _grouped(fields, aggregate.by, rows):
            numbers = [Decimal(1) if v is None else v for _, _, v, _ in members]
            value = _stat(take, numbers)
            if value is None:
                short[group] = len(numbers)  # a trimmed mean of fewer than 3: gives nothing
                continue
            if take in ("max", "min"):  # the one that counts: the first of those at it
                chosen = next(i for (i, _, v, _), n in zip(members, numbers, strict=True)
                              if n == value)  # fmt: skip
                counted.add(chosen)
            else:
                counted.update(i for i, *_ in members)
            weight = None if aggregate.weights is None else aggregate.weights.get(group, _ZERO)
            groups.append((group, value, weight))
            over.append(value)
    said = [r.provenance[1] if r.provenance else None for r in records]
    notes = [r.provenance[2] if r.provenance else None for r in records]
    cells = _cells(decl, aggregate, records, fields)
    contributions = tuple(sorted(
        [Contribution(i, name, value, i in counted, group, True, said[i], notes[i], cells[i])
         for i, name, value, group in rows]
        + [Contribution(i, records[i].name(decl, i), None, False, None, False, said[i],
                        notes[i]) for i in left]
    ))  # fmt: skip
    if aggregate.stat == "weighted_mean":
        assert aggregate.weights is not None
        present = {g for g, _, _ in groups}
        absent = [g for g, w in aggregate.weights.items() if w > 0 and g not in present]
        if absent and absent[0] in short:
            raise ListProblem(
                f"{aggregate.key}: {aggregate.by} {absent[0]!r} has {short[absent[0]]} "
                f"record{'s' if short[absent[0]] != 1 else ''}, too few for a "
                f"{aggregate.take} (at least 3), and a weighted_mean needs each group it weighs"
            )
        if absent:
            raise ListProblem(
                f"{aggregate.key}: no record of {aggregate.by} {absent[0]!r} to weigh "
                f"(a weighted_mean needs each group it weighs)"
            )
        pairs = [(v, w) for _, v, w in groups if w is not None and w > 0]
        raw = statistics.weighted_mean(pairs).value if pairs else None
    else:
        try:
            raw = _stat("mean" if aggregate.stat == "share" else aggregate.stat, over)
        except statistics.Undefined as exc:
            raise ListProblem(f"{aggregate.key}: {exc}") from None
    value = raw
    if raw is not None and aggregate.places is not None:
        value = raw.quantize(Decimal(1).scaleb(-aggregate.places), mode) + _ZERO
    by = None if aggregate.by is None else fields.get(aggregate.by)
    return ListWorking(
        decl.key, decl.label, aggregate.stat,
        None if aggregate.where is None else aggregate.where.source.strip(),
        None if aggregate.when is None else aggregate.when.source.strip(),
        None if by is None else by.label, aggregate.take or ("mean" if by else None),
        len(records), len(rows), contributions,
        tuple(groups), tuple(over), value, raw,
    )  # fmt: skip


def _cells(
    decl: ListDecl, aggregate: Aggregate, records: Sequence[Record], fields: Mapping[str, Any]
) -> list[str | None]:
    """For each record, the cell its number came from, where ``of`` is a record's value
    that is a lookup table: ``档次 A × 级别 2``; else None (a cell a formula then changed
    would not say where the number came from)."""
    named = {v.key: v for v in decl.values}
    source = aggregate.of.source.strip() if aggregate.of is not None else ""
    value = named.get(source)
    table = value.table if value is not None else None
    if table is None:
        return [None] * len(records)
    axes = [a for a in (table.rows, table.columns) if a is not None]
    out: list[str | None] = []
    for record in records:
        shown = []
        for axis in axes:
            field = fields.get(axis)
            label = getattr(field, "label", axis)
            raw = record.values.get(axis)
            text = field.choice_text(str(raw)) if field is not None and raw is not None else raw
            shown.append(f"{label} {text}")
        out.append(" × ".join(shown))
    return out


def _run(aggregate: Aggregate, formula: Formula, reading: Mapping[str, Value], i: int,
         decl: ListDecl) -> Any:  # fmt: skip
    try:
        return formula.evaluate(reading)
    except ERRORS as exc:
        raise ListProblem(
            f"{aggregate.key}: {decl.key}[{i}]: {formula.source.strip()}: {reason(exc)}"
        ) from exc


def _grouped(
    fields: Mapping[str, Any], by: str, rows: Sequence[tuple[int, str, Decimal | None, str | None]]
) -> list[tuple[str, list[tuple[int, str, Decimal | None, str | None]]]]:
    """The rows by group, groups in the order of their values (a choice field's order
    of choices, a text field's sorted): never the order the records came in."""
    found: dict[str, list[tuple[int, str, Decimal | None, str | None]]] = {}
    for row in rows:
        found.setdefault(str(row[3]), []).append(row)
    field = fields.get(by)
    order = list(field.choices) if field is not None and field.choices else sorted(found)
    return [(g, found[g]) for g in order if g in found]


def _stat(stat: str, numbers: Sequence[Decimal]) -> Decimal | None:
    """``stat`` of the numbers: None where it has no value (a mean of nothing, a trimmed
    mean of fewer than three)."""
    n = len(numbers)
    if stat == "count":
        return Decimal(n)
    if stat == "sum":
        return statistics.total(numbers).value if numbers else _ZERO
    if n == 0:
        return None
    if stat == "max":
        return max(numbers)
    if stat == "min":
        return min(numbers)
    if stat == "mean":
        return _C.divide(statistics.total(numbers).value, n)
    if stat in ("stdev", "cv"):  # the population's: every record is in it
        return statistics.spread(stat, numbers).value
    if stat == "trimmed_mean":
        if n < 3:
            return None
        kept = _C.subtract(statistics.total(numbers).value, max(numbers))
        return _C.divide(_C.subtract(kept, min(numbers)), n - 2)
    raise AssertionError(stat)


# --- lists as tables of their own --------------------------------------------------


@dataclass(frozen=True)
class ListTable:
    """One list's table: each entity's rows (line, cells by column) in table order."""

    key: str
    source: str
    columns: Mapping[str, int]
    rows: Mapping[str, tuple[tuple[int, Mapping[str, Any]], ...]]


def list_options(specs: Sequence[str]) -> list[tuple[str, str]]:
    """``--list KEY=FILE`` options as (key, file) pairs.

    Raises:
        SourceError: an option that is not ``KEY=FILE``.
    """
    pairs, problems = [], []
    for spec in specs:
        key, sep, file = spec.partition("=")
        if not sep or not key or not file:
            problems.append(Problem("--list", 0, 0, f"{name_text(spec)!r}: write --list KEY=FILE"))
        pairs.append((key, file))
    if problems:
        raise SourceError(problems)
    return pairs


def load_lists(
    lists: Sequence[ListDecl],
    given: Iterable[tuple[str, str | Path]],
    *,
    keyed: bool = True,
    subsets: Mapping[str, Any] | None = None,
) -> dict[str, ListTable]:
    """The tables of lists of records, each ``(list key, file)``, read whole and checked
    for their columns; ``keyed``: each needs an ``entity`` column (a batch's do; one
    entity's facts may leave it out, every row then being that entity's).

    Raises:
        SourceError: a key that is no list of the rule set, a list given twice, a table
            that cannot be read, without an ``entity`` column, with a column that is no
            field of its list or missing one (each problem told).
    """
    declared = {d.key: d for d in lists}
    out: dict[str, ListTable] = {}
    problems: list[Problem] = []
    for key, file in given:
        if key not in declared:
            known = ", ".join(declared) or "none"
            hint = Suggestions(declared).hint(key)
            message = f"{name_text(key)!r} is no list of the rule set (its lists: {known}){hint}"
            problems.append(Problem("--list", 0, 0, message))
            continue
        if key in out:
            problems.append(Problem("--list", 0, 0, f"list {key!r} is given twice"))
            continue
        try:
            decl = declared[key]
            if decl.sub:  # sub-entities: a name, their rule set's facts, parts by weight
                sub = (subsets or {})[key]
                names = [SUB_NAME, *(f.key for f in sub.facts if f.role == "fact")]
                out[key] = _table(key, Path(file), names, keyed, (SUB_PART, "weight",
                                  *(f.key for f in sub.facts if f.role != "fact")))  # fmt: skip
            else:
                out[key] = _table(key, Path(file), [f.key for f in decl.fields], keyed)
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SourceError(problems)
    return out


ANY_ENTITY = ""
"""The rows of a table without an ``entity`` column: the one entity's being scored."""


def _table(
    key: str, path: Path, names: Sequence[str], keyed: bool, optional: Sequence[str] = ()
) -> ListTable:
    """The table of the list ``key``: columns ``names`` (each needed), ``optional`` ones,
    and ``entity``, ``supplier``, ``evidence``, ``note``."""
    from qualscore.source.tables import read_table

    shown = name_text(str(path))
    table = read_table(path, shown)
    allowed = ("entity", *names, *optional, *PROVENANCE)
    problems = []
    if "entity" not in table.columns and keyed:
        problems.append(Problem(shown, 1, 1, f"a table of {key} needs an 'entity' column"))
    hints = Suggestions(allowed)
    for column in table.columns:
        if column not in allowed:
            message = f"column {name_text(column)[:40]!r} is no field of {key}"
            problems.append(Problem(shown, 1, table.column(column), message + hints.hint(column)))
    missing = [n for n in names if n not in table.columns]
    if missing:
        message = f"no column for the field {', '.join(map(repr, missing))} of {key}"
        problems.append(Problem(shown, 1, 1, message))
    rows: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for row in table.rows:
        name = row.values.get("entity", ANY_ENTITY)
        if "entity" not in table.columns:
            rows.setdefault(ANY_ENTITY, []).append((row.line, dict(row.values)))
            continue
        if isinstance(name, BadCell) or name is None or not str(name).strip():
            why = name.message if isinstance(name, BadCell) else "blank: name the entity"
            problems.append(Problem(shown, row.line, table.column("entity"), f"entity: {why}"))
            continue
        cells = {k: v for k, v in row.values.items() if k != "entity"}
        rows.setdefault(name_text(str(name).strip()), []).append((row.line, cells))
    if problems:
        raise SourceError(problems)
    columns = {c: table.column(c) for c in table.columns}
    return ListTable(key, shown, columns, {k: tuple(v) for k, v in rows.items()})


def join(
    data: dict[str, Any], doc: _yaml.Document, entity: str, tables: Mapping[str, ListTable]
) -> None:
    """Add each list's records of ``entity`` to its facts (``data``, and ``doc`` for where
    each came from: a problem with a record names its table, row and column). A list the
    entity's own facts give as well is refused: the records would be given twice."""
    for key, table in tables.items():
        if key in data:
            message = f"{key}: given in the facts and in {table.source}: give it once"
            raise SourceError([doc.problem((key,), message)])
        records: list[dict[str, Any]] = []
        given = table.rows.get(entity, ()) or table.rows.get(ANY_ENTITY, ())
        whole: dict[Any, int] = {}  # a sub-entity split into parts: its record, by name
        for line, cells in given:
            record = {k: v for k, v in cells.items() if v is not None}
            part = record.get(SUB_PART)
            if part is not None and SUB_NAME in record:  # one row per part: the whole's
                name = record.pop(SUB_NAME)  # facts and the part's, in each
                if name in whole:
                    i = whole[name]
                else:
                    i = whole[name] = len(records)
                    records.append({SUB_NAME: name, "parts": []})
                    doc.marks[(key, i)] = doc.marks[(key, i, SUB_NAME)] = (line, 1)
                    weights = table.columns.get("weight", 1)
                    doc.marks[(key, i, "parts")] = (line, weights)
                j = len(records[i]["parts"])
                records[i]["parts"].append(record)
                at: tuple[str | int, ...] = (key, i, "parts", j)
            else:
                at = (key, len(records))
                records.append(record)
            doc.marks[at] = (line, 1)
            for field in cells:
                doc.marks[(*at, field)] = (line, table.columns[field])
                doc.key_marks[(*at, field)] = (line, table.columns[field])
        data[key] = records
        doc.files[(key,)] = table.source
        doc.marks[(key,)] = (1, 1)


BATCH_ORPHAN = "entity {name!r} is in no input of this batch: its record is not used"
"""What a batch says of a record whose entity it does not score."""


def orphans(
    tables: Mapping[str, ListTable], entities: Iterable[str], said: str = BATCH_ORPHAN
) -> list[Problem]:
    """Each table row whose entity is none of ``entities``, by line, told as ``said``
    says (with the entity's ``{name}``)."""
    known = set(entities)
    found = []
    for table in tables.values():
        for name, rows in table.rows.items():
            if name in known:
                continue
            for line, _ in rows:
                column = table.columns.get("entity", 1)
                found.append(Problem(table.source, line, column, said.format(name=name)))
    return sorted(found, key=lambda p: (p.path, p.line))
