"""Facts: validated against a rule set's declarations before anything is scored.

Every problem of one facts file is collected and raised at once: unknown keys
(with a "did you mean"), missing keys, wrong types, values out of range, and
the rule set's cross-fact checks (run on the values that are valid, so that a
failed check is reported beside the other problems). NaN and infinity however
written, numbers beyond ``MAX_MAGNITUDE`` or with more than ``MAX_DIGITS``
digits, and text that is not plain ASCII decimal are refused; nothing is
scored until the facts are clean. A boolean is ``true`` or ``false`` (a YAML
boolean, a spreadsheet's TRUE/FALSE, or the text in any case) or ``是``/``否``,
wherever it is read: a facts file, a table cell, a list record's field.
"""

from __future__ import annotations

import decimal
import functools
import hashlib
import json
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, NamedTuple

from qualscore._decimal import MODES, in_context
from qualscore._patterns import lazy
from qualscore.errors import FactsError, Problem, SourceError
from qualscore.facts.lists import (
    ANY_ENTITY,
    ListProblem,
    ListTable,
    Record,
    check_records,
    join,
    load_lists,
    not_records,
    work,
)
from qualscore.facts.targets import TargetTable
from qualscore.ruleset.formula import Value
from qualscore.ruleset.loader import Judged, RuleSet, per_ruleset
from qualscore.ruleset.model import (
    MAX_CHOICE_TEXT,
    SUB_NAME,
    SUB_PART,
    FactDecl,
    FieldDecl,
    Item,
    ListDecl,
    formulas_in,
)
from qualscore.source import yamlfile as _yaml
from qualscore.source.cells import BadCell, PercentCell
from qualscore.source.suggest import Suggestions, choice_hint

__all__ = [
    "BOOL_WORDS",
    "IDENTITY",
    "Facts",
    "Provenance",
    "check_facts",
    "check_facts_document",
    "check_number",
    "evidence_key",
    "facts_for",
    "fingerprint_of",
    "identity_of",
    "judged_key",
    "load_facts",
    "name_of",
    "read_flag",
    "read_number",
]

MAX_MAGNITUDE = Decimal(10) ** 15
"""Largest absolute value a numeric fact may have."""
MAX_DIGITS = 34
"""Most significant digits, and most decimal places, a numeric fact may have: the
precision formulas compute with, so that no fact is rounded before it is used."""
_ZERO = Decimal(0)
MAX_SHOWN = 40
"""Longest piece of a value quoted back in a message, in characters."""

# A number written as text ("87.3", " 1e3 "): ASCII digits only, so that "1_000",
# "٣" or "Infinity" - which Decimal() would all read - are refused, not guessed at.
# Possessive quantifiers: no way to split the digits two ways, so matching is linear
# in the text's length however it fails ("1111...1x" once took hours at 150,000 digits).
_NUMBER_TEXT = lazy(r"[-+]?+(?:[0-9]++(?:\.[0-9]*+)?+|\.[0-9]++)(?:[eE][-+]?+[0-9]++)?+")
BOOL_WORDS: Mapping[str, bool] = MappingProxyType(
    {"true": True, "false": False, "是": True, "否": False}
)
"""The texts a boolean fact may be written as (lower-cased first): a Chinese table says
是 or 否 where an English one says true or false. Nothing else (not yes/no, 1/0 or ✓),
so that no value is guessed at."""
_NOT_FINITE = {"nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"}


class Provenance(NamedTuple):
    """Where one fact came from: the department that supplied it, the evidence for it
    (a document and page, a file) and a note; each None where not given."""

    supplier: str | None = None
    evidence: str | None = None
    note: str | None = None


PROVENANCE = ("supplier", "evidence", "note")
"""What a fact written as a mapping may say besides its ``value``."""


def evidence_key(item_id: str) -> str:
    """The key, in the values the engine runs on, of the evidence an item lacks."""
    return f"evidence:{item_id}"


PROVENANCE_KEY = "#provenance"
"""The key, in the values the engine runs on, of where each fact came from."""
RECORDS_KEY = "#records"
"""The key, in the values the engine runs on, of each list's records."""
MEMBERS_KEY = "#members"
"""The key, in the values the engine runs on, of each list of sub-entities' members as
scored (put there when they are scored: :mod:`qualscore.scoring.members`)."""


class Deferred:
    """A text field of a frozen dataclass worked out when it is first read: it holds the
    text, or a function of no arguments that gives it (called once; two threads reading
    it at once may both call it, and get the same text)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.slot = "_" + name

    def __get__(self, obj: object, owner: type | None = None) -> str:
        if obj is None:
            raise AttributeError(self.name)
        value = obj.__dict__[self.slot]
        if not isinstance(value, str):
            value = obj.__dict__[self.slot] = value()
        return value  # type: ignore[no-any-return]  # (what value() gave: text)

    def __set__(self, obj: object, value: str | Callable[[], str]) -> None:
        obj.__dict__[self.slot] = value

    def later(self, obj: object, make: Callable[[], str]) -> None:
        """Have ``obj`` (not yet shared) work out its field by ``make()`` when first read."""
        obj.__dict__[self.slot] = make

    def resolved(self, obj: object) -> dict[str, Any]:
        """``obj.__dict__`` with the field worked out: what pickling it keeps."""
        self.__get__(obj)
        return dict(obj.__dict__)


_NONE: Mapping[str, Any] = MappingProxyType({})
"""An empty read-only mapping, shared (nothing can change it)."""


@dataclass(frozen=True)
class Facts:
    """Validated fact values for one entity.

    Attributes:
        values: key -> value (``Decimal`` or ``bool``), read-only.
        source: Where they came from (a file name, or ``<facts>``).
        sha256: A fingerprint of the values (not of the file's layout), worked out when
            first read (see :meth:`lazy`).
        rules_sha256: The fingerprint of the rule set they were checked against:
            they are valid for that rule set only (see :func:`bound_to`).
    """

    values: Mapping[str, Value]
    source: str
    sha256: str
    rules_sha256: str = ""
    entity: str | None = None
    period: str | None = None
    judged: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    reserved: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    """``entity``, ``period``, ``judged`` and each list as the file gives them (to build on,
    as tests do)."""
    provenance: Mapping[str, Provenance] = field(default_factory=lambda: MappingProxyType({}))
    """Where each fact came from, for the facts that say (or whose declaration names
    their supplier)."""
    missing_evidence: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """Each item that must have its evidence and lacks some, by id: the pieces it lacks
    (fact keys; ``judged:KEY`` for an assessors' judgement)."""
    records: Mapping[str, tuple[Record, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """Each list's records, by the list's key (its aggregates are among ``values``)."""
    members: Mapping[str, tuple[Member, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """Each list of sub-entities' members, by the list's key (their aggregates are worked
    out when they are scored)."""

    @classmethod
    def lazy(
        cls,
        fingerprint: Callable[[], str],
        values: Mapping[str, Value],
        source: str,
        rules_sha256: str,
        *,
        entity: str | None = None,
        period: str | None = None,
        reserved: Mapping[str, Any] = _NONE,
    ) -> Facts:
        """Facts of values only (no judgements, provenance, evidence, records or members),
        whose ``sha256`` is ``fingerprint()``, called when it is first read.

        Made without the constructor: a frozen dataclass's ``__init__`` sets each field
        through ``object.__setattr__``, which was a tenth of checking plain facts."""
        facts = object.__new__(cls)
        facts.__dict__.update(
            values=values, source=source, _sha256=fingerprint, rules_sha256=rules_sha256,
            entity=entity, period=period, judged=_NONE, reserved=reserved, provenance=_NONE,
            missing_evidence=_NONE, records=_NONE, members=_NONE,
        )  # fmt: skip
        return facts

    def __getstate__(self) -> dict[str, Any]:
        return _SHA256.resolved(self)

    @property
    def run_values(self) -> Mapping[str, Any]:
        """What the engine runs on: the values, the judged items' scores and reasons,
        the evidence each item lacks and where each fact came from."""
        if not (self.judged or self.provenance or self.missing_evidence or self.records):
            return self.values
        extra: dict[str, Any] = {evidence_key(k): v for k, v in self.missing_evidence.items()}
        if self.provenance:
            extra[PROVENANCE_KEY] = self.provenance
        if self.records:
            extra[RECORDS_KEY] = self.records
        return {**self.values, **self.judged, **extra}

    def bound_to(self, ruleset: RuleSet) -> Facts:
        """These facts, after making sure they were checked against ``ruleset``.

        Raises:
            FactsError: they were checked against another rule set (or none).
        """
        if self.rules_sha256 != ruleset.sha256:
            message = (
                f"these facts were checked against another rule set than {ruleset.id!r}; "
                "check them against it first (load_facts or check_facts)"
            )
            raise FactsError([Problem(self.source, 0, 0, message)])
        return self


_SHA256 = Deferred("sha256")
# Installed after @dataclass made __init__ (which sets the field through it).
setattr(Facts, "sha256", _SHA256)  # noqa: B010  # (mypy keeps the field's type: str)


def fingerprint_of(values: Mapping[str, Value]) -> str:
    """The sha256 of facts that are values only (no judgements, records, members or
    provenance): of the values as sorted JSON, as :func:`check_facts_document` takes it."""
    plain = {k: _text(v) for k, v in sorted(values.items())}
    return _digest(plain)


def _digest(plain: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(plain, ensure_ascii=False).encode()).hexdigest()


@in_context
def load_facts(
    ruleset: RuleSet,
    path: str | Path,
    *,
    targets: TargetTable | None = None,
    lists: Mapping[str, str | Path] | None = None,
) -> Facts:
    """Read and validate a facts file: YAML, JSON, or a CSV/XLSX ``key``/``value`` table.

    With ``targets``, the entity the file names (``entity:``) has its targets
    taken from that table, where the file does not give them itself. ``lists``
    gives lists of records from tables of their own (list key -> CSV/XLSX file:
    the list's fields as columns, one row per record; an ``entity`` column, if
    any, must name this entity).

    Raises:
        FactsError: every problem in the file, each with its line.
    """
    shown = str(path)
    try:
        if Path(path).suffix.lower() in (".csv", ".xlsx"):
            doc = table_document(Path(path), shown)
        else:
            doc = _yaml.load(Path(path), shown, language=ruleset.manifest.language)
    except FactsError:
        raise
    except SourceError as exc:
        raise FactsError(exc.problems) from None
    if not isinstance(doc.data, dict):
        raise FactsError([doc.problem((), "a facts file must be a mapping of fact keys to values")])
    if targets is not None:
        # The entity's name, or the file's (towns/丁堰.yaml is 丁堰) when it names none.
        named = doc.data.get("entity")
        name = named if isinstance(named, str) else Path(path).stem
        if isinstance(named, str) and name not in targets.rows:
            message = f"entity: {name!r} is not in {targets.source}"
            raise FactsError([doc.problem(("entity",), message)])
        if name in targets.rows:
            given = targets.for_entity(name)
            doc.data = {**{k: v for k, v in given.items() if k not in doc.data}, **doc.data}
    if any(d.sub for d in ruleset.lists):
        member_files(ruleset, doc, Path(path).parent)
    if lists:
        try:
            tables = load_lists(ruleset.lists, lists.items(), keyed=False, subsets=ruleset.subsets)
        except SourceError as exc:
            raise FactsError(exc.problems) from None
        named = doc.data.get("entity")
        name = named if isinstance(named, str) else Path(path).stem
        absent = [t for t in tables.values() if t.rows and name not in t.rows
                  and ANY_ENTITY not in t.rows]  # fmt: skip
        if absent:  # a name misspelt in the table would leave the list empty: said
            raise FactsError([_no_rows(t, name) for t in absent])
        doc.data = dict(doc.data)
        try:
            join(doc.data, doc, name, tables)
        except SourceError as exc:
            raise FactsError(exc.problems) from None
    return check_facts_document(ruleset, doc.data, doc)


def member_files(ruleset: RuleSet, doc: _yaml.Document, folder: Path) -> None:
    """Sub-entities named by their facts files: in a list of sub-entities, an entry that is
    text is the file of one member's facts (YAML or JSON, in ``folder`` or below it; its
    name, unless it gives one, the file's: ``schools/一小.yaml`` is 一小), read into
    ``doc`` in its place, so that a problem in it is told at its own line.

    Raises:
        FactsError: a file that is not inside ``folder``, or cannot be read.
    """
    if not isinstance(doc.data, dict):
        return
    problems = []
    for decl in ruleset.lists:
        entries = doc.data.get(decl.key)
        if not decl.sub or not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries):
            if not isinstance(entry, str):
                continue
            inner = PurePosixPath(entry)
            if inner.is_absolute() or ".." in inner.parts or inner.suffix.lower() not in (
                ".yaml", ".yml", ".json"
            ):  # fmt: skip
                message = (f"{decl.key}[{i}]: {_shorten(repr(entry))}: a member's facts file "
                           "(.yaml, .yml or .json) in this file's folder or below it")  # fmt: skip
                problems.append(doc.problem((decl.key, i), message))
                continue
            try:
                member = _yaml.load(folder / inner, str(folder / inner),
                                    language=ruleset.manifest.language)  # fmt: skip
            except SourceError as exc:
                problems.extend(exc.problems)
                continue
            if not isinstance(member.data, dict):
                problems.append(member.problem((), "a member's facts file is a mapping"))
                continue
            entries[i] = {SUB_NAME: inner.stem, **member.data}
            at = (decl.key, i)
            doc.marks.update(((*at, *k), v) for k, v in member.marks.items())
            doc.key_marks.update(((*at, *k), v) for k, v in member.key_marks.items())
            doc.files[at] = member.path
    if problems:
        raise FactsError(problems)


def _no_rows(table: ListTable, name: str) -> Problem:
    """A list's table naming other entities only: none of its rows is this one's."""
    names = sorted(table.rows)
    shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
    message = (
        f"no row of entity {name!r} (the table names {shown}): give its rows, or leave the "
        "entity column out"
    )
    return Problem(table.source, 1, table.columns.get("entity", 1), message)


def table_document(path: Path, shown: str) -> _yaml.Document:
    """A key/value table (as ``qualscore template`` writes it) as a facts document."""
    from qualscore.source.tables import read_table

    table = read_table(path, shown)
    if "key" not in table.columns or "value" not in table.columns:
        raise FactsError(
            [Problem(shown, 1, 1, "a facts table needs the columns 'key' and 'value'")]
        )
    doc = _yaml.Document(shown, {})
    doc.marks[()] = (1, 1)
    problems = []
    for row in table.rows:
        key, message = _table_key(row.values.get("key"), row.values.get("value"))
        if message:
            problems.append(Problem(shown, row.line, table.column("key"), message))
        if not key:
            continue
        if key in doc.data:
            problems.append(
                Problem(shown, row.line, table.column("key"), f"fact {key!r} is given twice")
            )
        if key.startswith("judged.") and key.count(".") >= 2:
            # judged.ID.field: the template's rows of a judged item, nested as a file has them
            item_id, field = key[len("judged.") :].rsplit(".", 1)
            block = doc.data.setdefault("judged", {})
            value = row.values.get("value")
            if isinstance(block, dict) and value is not None:
                block.setdefault(item_id, {})[field] = value
                doc.marks[("judged", item_id, field)] = (row.line, table.column("value"))
                doc.marks.setdefault(("judged", item_id), (row.line, table.column("key")))
                doc.marks.setdefault(("judged",), (row.line, table.column("key")))
            continue
        if key in ("entity", "period") and row.values.get("value") is None:
            continue  # left blank: the table does not say
        doc.data[key] = row.values.get("value")
        doc.marks[(key,)] = (row.line, table.column("value"))
        doc.key_marks[(key,)] = (row.line, table.column("key"))
        said = {k: row.values.get(k) for k in PROVENANCE if row.values.get(k) is not None}
        if said:  # supplier, evidence, note columns: where the fact came from
            doc.data[key] = {"value": doc.data[key], **said}
            for k in said:
                doc.marks[(key, k)] = (row.line, table.column(k))
    if problems:
        raise FactsError(problems)
    return doc


def _table_key(key: Any, value: Any) -> tuple[str, str | None]:
    """A facts table row's key, or why the row cannot be used (a row without either is skipped)."""
    if isinstance(key, BadCell):
        return "", f"key: {key.message}"
    if key is None and value is not None:
        return "", f"a value ({_show(value)}) without a key"
    return ("" if key is None else str(key)), None


@in_context
def check_facts(ruleset: RuleSet, data: Mapping[str, Any], *, source: str = "<facts>") -> Facts:
    """Validate fact values given in Python.

    Numbers may be ``int``, ``Decimal``, or ``str`` (``"87.3"``); a ``float``
    is read through its shortest ``repr``.

    Raises:
        FactsError: every problem found.
    """
    return _check_mapping(ruleset, data, source)


def _check_mapping(ruleset: RuleSet, data: Mapping[str, Any], source: str) -> Facts:
    """:func:`check_facts`, in the engine's decimal context already."""
    if not isinstance(data, Mapping):
        message = f"facts must be a mapping of fact keys to values, not {type(data).__name__}"
        raise FactsError([Problem(source, 0, 0, message)])
    from qualscore.facts.generated import generated_facts  # (it builds on this module)

    quick = generated_facts(ruleset, data, source)
    if quick is not None:  # the same Facts the full check gives, by the rule set's own code
        return quick
    doc = _yaml.Document(source, dict(data))
    return check_facts_document(ruleset, dict(data), doc)


@per_ruleset
def _declared(ruleset: RuleSet) -> dict[str, tuple[FactDecl, Decimal | None, Decimal | None]]:
    """key -> (declaration, lowest, highest allowed value), worked out once per rule set."""
    return {f.key: (f, *f.bounds) for f in ruleset.facts}


@per_ruleset
def _suppliers(ruleset: RuleSet) -> tuple[tuple[str, str], ...]:
    """``(key, supplier)`` of each fact whose declaration names who supplies it."""
    facts = [(f.key, f.supplier) for f in ruleset.facts if f.supplier is not None]
    return (*facts, *((d.key, d.supplier) for d in ruleset.lists if d.supplier is not None))


_SUGGESTIONS: weakref.WeakKeyDictionary[RuleSet, dict[str, Suggestions]] = (
    weakref.WeakKeyDictionary()
)


def _suggestions(ruleset: RuleSet, among: str) -> Suggestions:
    """Suggestions among a rule set's ``facts``, ``entities`` or ``judged`` items, made
    once per rule set: what they found for a misspelt name serves every row of a table."""
    made = _SUGGESTIONS.setdefault(ruleset, {})
    found = made.get(among)
    if found is None:
        if among == "facts":
            known: Iterable[str] = _declared(ruleset)
        else:
            known = ruleset.entities() if among == "entities" else ruleset.judged_items()
        found = made[among] = Suggestions(known)
    return found


RESERVED = ("entity", "period", "judged")
"""Top-level keys of a facts file that are not facts (unless a rule set declares them)."""


def check_facts_document(ruleset: RuleSet, data: dict[str, Any], doc: _yaml.Document) -> Facts:
    table = _declared(ruleset)
    declared = {key: spec[0] for key, spec in table.items()}
    problems: list[Problem] = []
    values: dict[str, Value] = {}
    original = data
    data = dict(data)
    identity: dict[str, str | None] = {}
    for word in ("entity", "period"):
        if word in data and word not in declared:
            identity[word], message = name_of(data.pop(word))
            if message:
                problems.append(doc.problem((word,), f"{word}: {message}"))
    full = ruleset
    entity = identity.get("entity")
    if ruleset.manifest.groups and "entity" not in declared:
        if entity is None and "entity" not in identity:
            names = ", ".join(ruleset.entities()[:5])
            more = ", …" if len(ruleset.entities()) > 5 else ""
            message = f"give entity: whom these facts are about (one of {names}{more})"
            problems.append(doc.problem((), message))
        elif entity is not None and ruleset.group_of(entity) is None:
            hint = _suggestions(ruleset, "entities").hint(entity)
            problems.append(doc.problem(("entity",), f"entity: unknown entity {entity!r}{hint}"))
        elif entity is not None:
            ruleset = ruleset.view(entity)
            table = _declared(ruleset)
            declared = {key: spec[0] for key, spec in table.items()}
            for key in [k for k in data if k not in declared and k in _declared(full)]:
                raw = data.pop(key)
                if raw is not None:
                    group = full.group_of(entity)
                    message = (
                        f"{key}: not a fact of {entity} (group {group}): only items (or vetoes) "
                        "that do not apply to it read it; leave it out"
                    )
                    problems.append(doc.problem((key,), message))
    judged: dict[str, Any] = {}
    provenance: dict[str, Provenance] = {}
    given = data.pop("judged", None) if "judged" not in declared else None
    whose = f"{entity} (group {full.group_of(entity)})" if entity is not None else None
    unknown = [str(k) for k in data if k not in declared]
    hints = _suggestions(ruleset, "facts").hints(unknown) if unknown else {}
    lists = _lists(ruleset)
    given_lists: dict[str, Any] = {}
    for key, raw in data.items():
        decl = declared.get(key)
        if decl is None and key in lists:
            if isinstance(raw, dict):  # {value: [...], supplier: …, evidence: …, note: …}
                raw, given_from = _with_provenance(key, raw, doc, problems)
                if given_from is not None:
                    provenance[key] = given_from
            given_lists[key] = raw
            continue
        if decl is None:
            hint = hints.get(str(key), "")
            shown = _shorten(repr(key))
            problems.append(doc.problem((key,), f"unknown fact {shown}{hint}", key=True))
            continue
        if isinstance(raw, dict):  # {value: …, supplier: …, evidence: …, note: …}
            raw, given_from = _with_provenance(key, raw, doc, problems)
            data[key] = raw  # (replacing a key's value: the loop goes on as it was)
            if given_from is not None:
                provenance[key] = given_from
        if raw is None and decl.role == "target":
            continue  # a blank target: this entity has none; items reading it do not apply
        value, message = _coerce(decl, raw, table[key][1], table[key][2])
        if message:
            problems.append(doc.problem((key,), f"{key}: {message}"))
        elif value is not None:
            values[key] = value
    for key, decl in declared.items():
        if key not in data:
            problems.append(doc.problem((), f"missing fact {key!r} ({decl.label})"))
    records: dict[str, tuple[Record, ...]] = {}
    members: dict[str, tuple[Member, ...]] = {}
    for key, listed in lists.items():
        if key not in given_lists:
            message = f"missing list {key!r} ({listed.label}); give {key}: [] if it has no record"
            problems.append(doc.problem((), message))
            continue
        if listed.sub:
            found_members, wrong = _members(ruleset, listed, given_lists[key], doc)
            problems.extend(wrong)
            if not wrong:
                members[key] = found_members
            continue
        found, wrong = check_records(listed, given_lists[key], doc, values, _field_value, _one_line)
        problems.extend(wrong)
        if not wrong:
            records[key] = found
    if records and not problems:
        problems.extend(_aggregates(ruleset, records, values, doc))
    # After the values: a judged item whose not_applicable holds on them needs no judgement.
    not_applying = _not_applying(ruleset, data, values)
    problems.extend(_judgements(ruleset, given, doc, judged, whose, not_applying))
    problems.extend(_blank_targets_of_vetoes(ruleset, data, doc))
    # Checks run on the values that are valid, so that every problem is reported at once.
    problems.extend(_cross_checks(ruleset, values, doc))
    if problems:
        raise FactsError(problems)
    worked = ruleset.list_of  # the aggregates: worked out of the records, not given
    plain: dict[str, Any] = {k: _text(v) for k, v in sorted(values.items()) if k not in worked}
    if judged:
        plain["judged"] = {k: _judged_text(v) for k, v in sorted(judged.items())}
    for key, found_members in sorted(members.items()):  # each sub-entity's own fingerprint
        plain[key] = [[m.name, m.part, None if m.weight is None else str(m.weight),
                       m.facts.sha256] for m in found_members]  # fmt: skip
    for key, given in sorted(records.items()):  # each record's fields and where it came from
        fields = [f.key for f in lists[key].fields]
        plain[key] = [
            {**{k: _text(r.values[k]) for k in fields}, **({"from": list(r.provenance)}
                                                        if r.provenance else {})}
            for r in given
        ]  # fmt: skip
    if provenance:  # what the file says of where its facts came from is part of them
        plain["provenance"] = {k: list(provenance[k]) for k in sorted(provenance)}
    for key, supplier in _suppliers(ruleset):  # the declared supplier, where the file names none
        if key in values or key in records:
            was = provenance.get(key, Provenance())
            if was.supplier is None:
                provenance[key] = was._replace(supplier=supplier)
    if provenance:
        provenance = {k: provenance[k] for k in sorted(provenance)}
    facts = Facts(
        MappingProxyType(values),
        doc.path,
        "",
        ruleset.sha256,
        entity=identity.get("entity"),
        period=identity.get("period"),
        judged=MappingProxyType(judged),
        reserved=MappingProxyType(
            {k: v for k, v in original.items() if k in RESERVED and k not in declared}
            | given_lists
        ),
        provenance=MappingProxyType(provenance),
        missing_evidence=MappingProxyType(
            _missing_evidence(ruleset, provenance, judged, records)
        ),
        records=MappingProxyType(records),
        members=MappingProxyType(members),
    )
    _SHA256.later(facts, partial(_digest, plain))  # (nothing changes plain after this)
    return facts


class Member(NamedTuple):
    """One sub-entity of a list (a county's school), or one part of one split by weights
    (the 小学 part of a 九年一贯制 school): its name, its part and weight, and its facts,
    checked against its list's rule set (amounts declared ``split`` already its share)."""

    name: str
    facts: Facts
    part: str | None = None
    weight: Decimal | None = None

    @property
    def shown(self) -> str:
        """How reports name it: ``一中``, or ``九年一贯制学校（小学，0.6）``."""
        if self.part is None:
            return self.name
        weight = "" if self.weight is None else f"，{format(self.weight.normalize(), 'f')}"
        return f"{self.name}（{self.part}{weight}）"


def _members(
    ruleset: RuleSet, decl: ListDecl, raw: Any, doc: _yaml.Document
) -> tuple[tuple[Member, ...], list[Problem]]:
    """The sub-entities of ``decl`` as a facts file gives them: each a mapping of its rule
    set's facts with its ``name`` (and, split by weights, its ``parts``: each a mapping
    with the part's name, its ``weight`` and the facts it gives of its own); every
    problem, at its record."""
    sub = ruleset.subsets[decl.key]
    key = decl.key
    refused = not_records(decl, raw, doc, f"{decl.label}, each a mapping with its name")
    if refused is not None:
        return (), [refused]
    problems: list[Problem] = []
    out: list[Member] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw):
        at = (key, i)
        if not isinstance(entry, dict):
            problems.append(doc.problem(at, f"{key}[{i}]: expected a mapping with its name"))
            continue
        data = dict(entry)
        name, why = name_of(data.pop(SUB_NAME, None))
        if name is None:
            said = why if SUB_NAME in entry else "give its name (name: …)"
            problems.append(doc.problem(at, f"{key}[{i}]: {said}"))
            continue
        if name in seen:
            twice = f"{key}[{i}]: {name!r} is given twice (first as {key}[{seen[name]}])"
            problems.append(doc.problem((*at, SUB_NAME), twice))
            continue
        seen[name] = i
        parts = data.pop("parts", None)
        shown = f"{key}[{i}] {name}"
        if parts is None:
            facts = _member_facts(sub, data, doc, at, shown, problems)
            if facts is not None:
                out.append(Member(name, facts))
            continue
        out.extend(_parts(sub, name, data, parts, doc, at, shown, problems))
    return tuple(out), problems


def _parts(
    sub: RuleSet,
    name: str,
    data: dict[str, Any],
    parts: Any,
    doc: _yaml.Document,
    at: tuple[str | int, ...],
    shown: str,
    problems: list[Problem],
) -> list[Member]:
    """A sub-entity split by weights: each part with the whole's facts and its own, and
    each amount declared ``split`` its weight's share; the weights add up to 1."""
    where = (*at, "parts")
    if not isinstance(parts, list) or not parts:
        problems.append(doc.problem(where, f"{shown}: parts: a list of its parts"))
        return []
    out: list[Member] = []
    weights: list[Decimal] = []
    split = [f.key for f in sub.facts if f.split]
    for j, part in enumerate(parts):
        here = (*where, j)
        if not isinstance(part, dict):
            message = f"{shown}: parts[{j}]: a mapping of part, weight and its own facts"
            problems.append(doc.problem(here, message))
            continue
        own = dict(part)
        label, _ = name_of(own.pop(SUB_PART, None))
        weight, _ = check_number(own.pop("weight", None))
        if label is None or weight is None or weight <= 0:
            said = "give its part (part: …) and its weight (weight: 0.6), above 0"
            problems.append(doc.problem(here, f"{shown}: parts[{j}]: {said}"))
            continue
        weights.append(weight)
        facts = _member_facts(sub, {**data, **own}, doc, here, f"{shown}（{label}）", problems)
        if facts is None:
            continue
        values = {k: (v * weight if k in split and isinstance(v, Decimal) else v)
                  for k, v in facts.values.items()}  # fmt: skip
        facts = replace(facts, values=MappingProxyType(values))
        out.append(Member(name, facts, label, weight))
    total = sum(weights, Decimal(0))
    if len(weights) == len(parts) and total != 1:
        shown_total = format(total.normalize(), "f")
        message = f"{shown}: the weights of its parts add up to {shown_total}, not 1"
        problems.append(doc.problem(where, message))
    return out


def _member_facts(
    sub: RuleSet,
    data: dict[str, Any],
    doc: _yaml.Document,
    at: tuple[str | int, ...],
    shown: str,
    problems: list[Problem],
) -> Facts | None:
    """One sub-entity's facts checked against its rule set; None (its problems added, each
    at its place and naming it) where they do not fit."""
    inner = doc.part(at, data)
    if sub.manifest.groups and "entity" not in data:  # its group: by its name
        data = {"entity": shown.split(" ", 1)[-1].split("（")[0], **data}
    try:
        return check_facts_document(sub, data, inner)
    except FactsError as exc:
        problems.extend(replace(p, message=f"{shown}: {p.message}") for p in exc.problems)
        return None


def _field_value(field: FieldDecl, raw: Any) -> tuple[Value | None, str | None]:
    """One field of a record, checked as a fact of its type is (text: one line)."""
    if field.type == "text":
        text, message = _one_line(raw)
        if message:
            return None, message
        if text is None:
            return None, "blank: give the text"
        if len(text) > MAX_CHOICE_TEXT:
            return None, f"over {MAX_CHOICE_TEXT} characters"
        return text, None
    low, high = field.bounds
    return _coerce(field, raw, low, high)


def _aggregates(
    ruleset: RuleSet,
    records: Mapping[str, tuple[Record, ...]],
    values: dict[str, Value],
    doc: _yaml.Document,
) -> list[Problem]:
    """Each list's aggregates worked out into ``values`` (one with nothing to work out
    from is left out: an item reading it does not apply); the problems, at the list."""
    facts = dict(values)
    mode = MODES[ruleset.manifest.rounding.mode]
    problems = []
    for decl in ruleset.lists:
        if decl.sub:
            continue  # worked out once its members are scored (qualscore.scoring.members)
        for aggregate in decl.aggregates:
            try:
                worked = work(decl, aggregate, records[decl.key], facts, mode)
            except ListProblem as exc:
                problems.append(doc.problem((decl.key,), f"{decl.key}: {exc}"))
                continue
            if worked.value is not None:
                values[aggregate.key] = worked.value
    return problems


@per_ruleset
def _lists(ruleset: RuleSet) -> dict[str, ListDecl]:
    """The lists a facts file gives, by key."""
    return {d.key: d for d in ruleset.lists}


def _with_provenance(
    key: str, raw: dict[Any, Any], doc: _yaml.Document, problems: list[Problem]
) -> tuple[Any, Provenance | None]:
    """A fact written as a mapping: its ``value``, and where it came from (None: nothing
    said). Each problem (no value, an unknown key, text that cannot be taken) is added."""
    for k in raw:
        if k != "value" and k not in PROVENANCE:
            hint = Suggestions(("value", *PROVENANCE)).hint(str(k))
            message = f"{key}: unknown key {_shorten(repr(k))}{hint} (a fact written as a "
            message += "mapping gives its value, and may give its supplier, evidence and note)"
            problems.append(doc.problem((key, k), message, key=True))
    if "value" not in raw:
        problems.append(doc.problem((key,), f"{key}: give its value (value: …)"))
    said: list[str | None] = []
    for k in PROVENANCE:
        text, bad = _one_line(raw.get(k))
        if bad:
            problems.append(doc.problem((key, k), f"{key}.{k}: {bad}"))
        said.append(text)
    found = Provenance(*said)
    return raw.get("value"), (found if found != Provenance() else None)


def _missing_evidence(
    ruleset: RuleSet,
    provenance: Mapping[str, Provenance],
    judged: Mapping[str, Any],
    records: Mapping[str, tuple[Record, ...]],
) -> dict[str, tuple[str, ...]]:
    """Each item that must have its evidence and lacks some: the pieces it lacks. (One
    that does not apply needs none: the engine decides that first.) A list has its
    evidence when it says it for the whole list, or each of its records says its own."""
    out: dict[str, tuple[str, ...]] = {}
    for item_id, pieces in ruleset.evidence_needed().items():
        lacking = []
        for piece in pieces:
            if piece.startswith("judged:"):
                texts = judged.get(piece + "#")
                if texts is None or texts[1] is None:
                    lacking.append(piece)
            elif (given := provenance.get(piece)) is None or given.evidence is None:
                listed = records.get(piece)
                short = [i for i, r in enumerate(listed or ())
                         if not (r.provenance and r.provenance[1])]  # fmt: skip
                if not listed:
                    lacking.append(piece)
                else:  # the records without their own: each named (tasks[2])
                    lacking.extend(f"{piece}[{i}]" for i in short)
        if lacking:
            out[item_id] = tuple(lacking)
    return out


def _one_line(value: Any) -> tuple[str | None, str | None]:
    """Text a department or assessor wrote (a reason, a piece of evidence, a supplier),
    on one line; or why it cannot be taken. Nothing given, or only spaces: None."""
    if value is None:
        return None, None
    if isinstance(value, BadCell):
        return None, value.message
    if isinstance(value, dict | list | bool):
        return None, f"expected text, got {_show(value)}"
    if not isinstance(value, str):
        value = format(value, "f") if isinstance(value, Decimal) else str(value)
    value = " ".join(value.split())  # one line
    # Text that reaches every report: no escape sequences, and of a sane length.
    if any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in value) or len(value) > 2000:
        return None, "control characters, or over 2,000 characters"
    return value or None, None


def _judged_text(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


IDENTITY = ("entity", "period")
"""The keys of a facts mapping that say whose and when, not facts."""


def identity_of(data: Mapping[str, Any]) -> tuple[dict[str, str | None], Mapping[str, Any]] | None:
    """The entity and period a mapping names, by key, and its facts without them; None
    when either cannot be read as a name (the full check then says why)."""
    if "entity" not in data and "period" not in data:
        return {}, data
    identity: dict[str, str | None] = {}
    for word in IDENTITY:
        if word in data:
            identity[word], message = name_of(data[word])
            if message:
                return None
    return identity, {k: v for k, v in data.items() if k not in IDENTITY}


def name_of(raw: Any) -> tuple[str | None, str | None]:
    """An entity's name or a period as text (``2018`` as ``"2018"``), or why it cannot be."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, dict | list):
        return None, f"expected a name, got {_show(raw)}"
    text = format(raw, "f") if isinstance(raw, Decimal) else str(raw)
    if (
        not text.strip()
        or len(text) > 200
        or any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text)
    ):
        return None, f"expected a name on one line, got {_show(raw)}"
    return text.strip(), None


_JUDGEMENT_KEYS = ("score", "deduction", "reason", "evidence", "assessor")


def _judgements(
    ruleset: RuleSet,
    given: Any,
    doc: _yaml.Document,
    out: dict[str, Any],
    whose: str | None,
    not_applying: frozenset[str] = frozenset(),
) -> list[Problem]:
    """The ``judged`` block: each judged item's score within bounds, with its reason; a
    judgement missing for an item that applies (not one of ``not_applying``).

    A judgement given for an item that does not apply is checked like any other, and
    not used: the item is scored as not applicable.
    """

    items = ruleset.judged_items()
    problems: list[Problem] = []
    if given is None:
        given = {}
    if not isinstance(given, dict):
        return [doc.problem(("judged",), "judged: expected a mapping of item ids to judgements")]
    # An entry left blank (a template not filled in for it) is no judgement.
    given = {
        k: v
        for k, v in given.items()
        if not (isinstance(v, dict) and v and all(x is None for x in v.values()))
    }
    by_text = {(format(k, "f") if isinstance(k, Decimal) else str(k)): k for k in given}
    elsewhere = ruleset.full.judged_items() if ruleset.full is not None else {}
    unknown = [t for t in by_text if t not in items and t not in elsewhere]
    hints = _suggestions(ruleset, "judged").hints(unknown) if unknown else {}
    for text, raw_key in by_text.items():
        where = ("judged", raw_key)
        if text not in items and text in elsewhere:
            noun = elsewhere[text].noun
            message = f"judged: {noun} {text!r} does not apply to {whose}; leave it out"
            problems.append(doc.problem(where, message, key=True))
            continue
        if text not in items:
            problems.append(doc.problem(where, _not_judged(items, text, hints), key=True))
            continue
        judged = items[text]
        shape, lower, upper, noun = judged.shape, judged.lower, judged.upper, judged.noun
        # A part scores from 0 to its points wherever its item is (its points are never
        # negative); an item of a penalty section from minus its points to 0.
        penalty = judged.part is None and ruleset.role(text) == "penalty"
        entry = given[raw_key]
        if not isinstance(entry, dict):
            entry = {"score": entry}
        unknown = [k for k in entry if k not in _JUDGEMENT_KEYS]
        for k in unknown:
            problems.append(
                doc.problem(
                    (*where, k), f"judged.{text}: unknown key {_shorten(repr(k))}", key=True
                )
            )
        field = "deduction" if shape.give == "deduction" else "score"
        other = "score" if field == "deduction" else "deduction"
        if other in entry:
            problems.append(
                doc.problem(
                    (*where, other), f"judged.{text}: this {noun} is judged by its {field}, "
                    f"not its {other}",
                )
            )  # fmt: skip
        texts = []
        for k in ("reason", "evidence", "assessor"):
            said, bad = _one_line(entry.get(k))
            if bad:
                problems.append(doc.problem((*where, k), f"judged.{text}.{k}: {bad}"))
            texts.append(said)
        if field not in entry:
            problems.append(doc.problem(where, f"judged.{text}: give the {field}"))
            continue
        number = _number(entry[field])
        if not isinstance(number, Decimal) or not number.is_finite():
            problems.append(
                doc.problem((*where, field), f"judged.{text}.{field}: expected a number, "
                f"got {_show(entry[field])}")
            )  # fmt: skip
            continue
        top = _ZERO if penalty else upper
        if field == "deduction":
            score = top - number
            if number < 0:
                message = f"a deduction is written as a positive number, not {number}"
                problems.append(doc.problem((*where, field), f"judged.{text}.{field}: {message}"))
                continue
        else:
            score = number
        if penalty and field == "score" and number > 0:
            message = f"this item deducts: write -{number}, not {number}"
            problems.append(doc.problem((*where, field), f"judged.{text}.{field}: {message}"))
            continue
        if lower is not None and score < lower:
            message = f"{number} gives {score}, below the {noun}'s lowest {lower}"
            if field == "score":
                message = f"{number} is below the {noun}'s lowest score {lower}"
            problems.append(doc.problem((*where, field), f"judged.{text}.{field}: {message}"))
            continue
        if score > top:
            message = f"{number} is above the {noun}'s {top} points"
            problems.append(doc.problem((*where, field), f"judged.{text}.{field}: {message}"))
            continue
        if texts[0] is None and shape.reason == "required":
            problems.append(doc.problem(where, f"judged.{text}: a reason is required"))
            continue
        out[judged_key(text)] = _plain(score, int(score.as_tuple().exponent))
        out[judged_key(text) + "#"] = tuple(texts)
    for text, judged in items.items():
        if text not in by_text and judged.shape.default != "full" and text not in not_applying:
            problems.append(
                doc.problem(
                    ("judged",) if "judged" in doc.data else (),
                    f"missing judgement of {judged.noun} {text!r} ({judged.title})",
                )
            )  # fmt: skip
    return problems


def _not_judged(items: Mapping[str, Judged], text: str, hints: Mapping[str, str]) -> str:
    """Why ``text`` is no key of the ``judged`` block: an item whose parts are judged (not
    the item itself) names them; else a "did you mean"."""
    parts = [k for k, j in items.items() if j.part is not None and k.startswith(text + "/")]
    if parts:
        named = ", ".join(repr(k) for k in parts)
        which = "part" if len(parts) == 1 else "parts"
        return f"judged: item {text!r} is not judged as a whole; give its judged {which} {named}"
    what = "judged part" if "/" in text else "judged item"
    return f"judged: no {what} {_shorten(repr(text))}{hints.get(text, '')}"


def _not_applying(
    ruleset: RuleSet, data: Mapping[str, Any], values: Mapping[str, Value]
) -> frozenset[str]:
    """The judged items that do not apply on these values, as the engine decides it: a
    target the item reads is blank, or its ``not_applicable`` condition holds. Where the
    condition cannot be decided here (a fact refused, a cohort value, a named value or a
    node it reads, a formula that fails), the item is taken to apply: its judgement is
    asked for, not waived."""
    found = set()
    for text, judged in ruleset.judged_items().items():
        item = judged.item
        # A blank target the item reads anywhere (a judged part's item may read some).
        read = {n for f in formulas_in(item) for n in f.names}
        if any(k in data and data[k] is None and ruleset.fact(k).role == "target" for k in read):
            found.add(text)
            continue
        na = item.not_applicable if isinstance(item, Item) else None
        if na is None:
            continue
        names = na.when.names
        if not na.when.nodes and all(k in values for k in names):
            try:
                holds = na.when.evaluate(values)
            except ArithmeticError:
                continue  # the engine refuses the entity, naming the formula
            if holds:
                found.add(text)
    return frozenset(found)


def _blank_targets_of_vetoes(
    ruleset: RuleSet, data: dict[str, Any], doc: _yaml.Document
) -> list[Problem]:
    """A blank target that a veto reads: an item reading it does not apply, but a veto
    cannot be decided without it, and deciding it either way would be a guess."""
    vetoes = ruleset.manifest.vetoes
    return [
        doc.problem((key,), f"{key}: blank, but veto {veto.id!r} reads it; give this target")
        for veto, applies in zip(vetoes, ruleset.vetoes_applying(), strict=True)
        if applies
        for key in veto.when.names
        if key in data and data[key] is None and ruleset.fact(key).role == "target"
    ]


def _text(value: Value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _coerce(
    decl: FactDecl | FieldDecl, raw: Any, low: Decimal | None, high: Decimal | None
) -> tuple[Value | None, str | None]:
    if isinstance(raw, BadCell):
        return None, raw.message
    if isinstance(raw, PercentCell):
        if decl.type != "percent" and decl.unit != "%":
            return None, (
                f"the cell shows {raw}, formatted as a percent, but this fact is not a "
                "percent; format the cell as a number"
            )
        raw = raw.percent
    if decl.type == "bool":
        return read_flag(raw)
    if decl.choices is not None:
        return _choice(decl, decl.choices, raw)
    number, message = read_number(raw)
    if number is None:
        return None, message
    if decl.type == "count" and number != number.to_integral_value():
        return None, f"expected a whole number, got {number}"
    if low is not None and number < low:
        return None, f"{number} is below the allowed minimum {low}"
    if high is not None and number > high:
        return None, f"{number} is above the allowed maximum {high}"
    return number, None


def read_number(raw: Any) -> tuple[Decimal | None, str | None]:
    """``raw`` read as any numeric fact reads it before its type and bounds are looked at:
    finite, within ``MAX_MAGNITUDE``, ``MAX_DIGITS`` and as many places, its text plain
    (``-0`` is ``0``, ``1E+2`` is ``100``); or why it cannot be read so."""
    number = _number(raw)
    if isinstance(number, str):
        return None, number
    if number is None:
        text = raw.strip().lower() if isinstance(raw, str) else ""
        if text in _NOT_FINITE:
            return None, f"expected a finite number, got {_show(raw)}"
        bare = text.removesuffix("%").strip()
        if text.endswith("%") and _NUMBER_TEXT.fullmatch(bare):
            return None, f"expected a number, got {_show(raw)} (write {bare}, without '%')"
        return None, f"expected a number, got {_show(raw)}"
    if not number.is_finite():
        return None, f"expected a finite number, got {_shorten(str(raw))}"
    if number.copy_abs() > MAX_MAGNITUDE:  # abs() would round, and overflow on 1E+999999999
        return None, f"{_shorten(str(number))} is too large (the limit is {MAX_MAGNITUDE:,})"
    shape = number.as_tuple()
    digits, exponent = len(shape.digits), int(shape.exponent)
    if digits > MAX_DIGITS:
        return None, f"{_shorten(str(number))} has more than {MAX_DIGITS} significant digits"
    if -exponent > MAX_DIGITS:
        return None, f"{_shorten(str(number))} has more than {MAX_DIGITS} decimal places"
    return _plain(number, exponent), None


def read_flag(raw: Any) -> tuple[bool | None, str | None]:
    """A boolean as given, or as one of :data:`BOOL_WORDS` (spaces around it dropped),
    or why it is neither, naming what is accepted."""
    if isinstance(raw, bool):
        return raw, None
    flag = BOOL_WORDS.get(raw.strip().lower()) if isinstance(raw, str) else None
    if flag is not None:
        return flag, None
    return None, f"expected true, false, 是 or 否, got {_show(raw)}"


def _choice(
    decl: FactDecl | FieldDecl, choices: tuple[str, ...], raw: Any
) -> tuple[str | None, str | None]:
    """One of a choice fact's values, as written or by its words (spaces around it
    dropped; a table's number cell 2 is the choice ``2``), or why it is none of them,
    with a "did you mean"."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, dict | list):
        return None, f"expected one of {_listed(decl, choices)}, got {_show(raw)}"
    if isinstance(raw, int | Decimal):  # a number cell: the choice it writes (2 is "2")
        number = Decimal(raw)  # (str() of a huge int fails; format() of 1E+999999 is huge)
        if not number.is_finite() or abs(number.adjusted()) > MAX_DIGITS:
            return None, f"{_show(raw)} is not one of {_listed(decl, choices)}"
        text = format(number, "f")
    else:
        text = str(raw).strip()
    if text in choices:
        return text, None
    named = {w: v for v, w in (decl.choice_labels or {}).items()}
    if text in named:  # its words: 优秀 for A
        return named[text], None
    known = (*choices, *named)
    hint = choice_hint(text, known) if len(text) <= MAX_SHOWN else ""
    return None, f"{_show(raw)} is not one of {_listed(decl, choices)}{hint}"


def _listed(decl: FactDecl | FieldDecl, choices: tuple[str, ...]) -> str:
    shown = ", ".join(decl.choice_text(c) for c in choices[:8])
    return f"the choices ({shown}{', …' if len(choices) > 8 else ''})"


@functools.cache
def _any_number() -> FactDecl:
    """A number fact with no bounds, made on first use (building a model's validator at
    import would cost every command's start)."""
    return FactDecl(key="value", type="number", label="value", choices=None, min=None, max=None)


def check_number(raw: Any) -> tuple[Decimal | None, str | None]:
    """``raw`` as a number a fact could hold (any sign), or why it cannot be one."""
    value, message = _coerce(_any_number(), raw, None, None)
    assert value is None or isinstance(value, Decimal)
    return value, message


def _number(raw: Any) -> Decimal | str | None:
    """``raw`` as a decimal; None if it is not a number; a message if it is one out of range."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    if isinstance(raw, str) and _NUMBER_TEXT.fullmatch(raw.strip()):
        try:
            return Decimal(raw.strip())
        except ArithmeticError:  # an exponent beyond what Decimal holds: 1e99999999999999999999
            return f"{_show(raw)} is out of range (the limit is {MAX_MAGNITUDE:,})"
    return None


def _plain(number: Decimal, exponent: int) -> Decimal:
    """``-0`` as ``0`` and ``1E+2`` as ``100``: the value unchanged, its text plain."""
    if number.is_zero():
        number = number.copy_abs()
    if exponent > 0:
        number = number.quantize(Decimal(1))
    return number


def _shorten(text: str) -> str:
    """``text`` cut to ``MAX_SHOWN`` characters, to quote it in a message."""
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _show(raw: Any) -> str:
    if raw is None:
        return "nothing (null)"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str):
        return _shorten(repr(raw))
    if isinstance(raw, dict | list):
        return "a " + ("mapping" if isinstance(raw, dict) else "list")
    if isinstance(raw, int):  # str() of an int stops at 4300 digits; Decimal's does not
        return _shorten(str(Decimal(raw)))
    if isinstance(raw, float | Decimal | PercentCell | BadCell):
        return _shorten(str(raw))
    return f"a {type(raw).__name__}"


def _cross_checks(ruleset: RuleSet, values: dict[str, Value], doc: _yaml.Document) -> list[Problem]:
    problems = []
    for check in ruleset.checks.checks:
        if any(name not in values for name in check.when.names):
            continue  # a value it reads is missing or already refused
        failure = ""
        try:
            held = check.when.evaluate(values)
        except ArithmeticError as exc:
            # Not computable on these values (a division by a fact that is 0): the
            # check cannot vouch for them, and the message says why it failed.
            held, failure = False, f"cannot be computed ({_arithmetic(exc)}); "
        if not held:
            shown = ", ".join(f"{k} = {_text(values[k])}" for k in check.when.names)
            first = check.when.names[0] if check.when.names else ""
            # Both come from the rule set and may span lines; a problem is one line.
            message, source = " ".join(check.message.split()), " ".join(check.when.source.split())
            text = f"{shown}: {failure}{message} (check: {source})"
            problems.append(doc.problem((first,), text))
    return problems


def _arithmetic(exc: ArithmeticError) -> str:
    if isinstance(exc, ZeroDivisionError | decimal.DivisionByZero):
        return "division by zero"
    return "a value too large" if isinstance(exc, decimal.Overflow) else "undefined arithmetic"


def judged_key(item_id: str) -> str:
    """The key of an item's judged score in the values the engine runs on."""
    return f"judged:{item_id}"


def facts_for(
    ruleset: RuleSet, facts: Facts | Mapping[str, Any], *, caller: str
) -> tuple[RuleSet, Facts]:
    """The rule set as it applies to the facts' entity, and the facts checked against it.

    Used by :func:`qualscore.evaluate` and :func:`qualscore.score`: a mapping is
    checked first; ``Facts`` must have been checked against this rule set.

    Raises:
        TypeError: ``ruleset`` is not a loaded rule set (``caller`` names the function).
        FactsError: the mapping does not fit, or the facts belong to another rule set.
    """
    if not isinstance(ruleset, RuleSet):
        given = type(ruleset).__name__
        raise TypeError(f"{caller}() needs a RuleSet from load_rules(), not {given}")
    if not isinstance(facts, Facts):
        facts = _check_mapping(ruleset, facts, "<facts>")  # (its callers are in the context)
    view = ruleset.view(facts.entity)
    return view, facts.bound_to(view)
