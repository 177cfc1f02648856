"""A loaded rule set as data, and back: what the cache of rule sets stores.

Loading a rule set (YAML with positions, pydantic, formula compilation, the checks
across files) costs more than scoring one entity with it. A rule set that loaded
is stored, by :func:`qualscore.ruleset.loader.load_rules`, in the cache of
:mod:`qualscore._cache` under the digests of the bytes the loader checked (and
pydantic's version), and the next load of the same files by the same engine
rebuilds it from there (:func:`recall`) without reading its YAML or validating
anything again.

What is stored is data, never code: JSON of the validated models, each field's
value as the model holds it, the formulas' typed trees, and the rule files as
read with the position of every node, so that a warning or an error found later
is told at the same ``file:line:col``. Every value is one of a few JSON forms
(:class:`_Writer`), every object's class is one of an allowlist (:data:`_CLASSES`:
the rule files' models, the language's tree, ``Formula``, ``Location``,
``Document``), and anything else is refused when storing (:class:`Unstorable`:
the rule set is then not stored) or when rebuilding (no cache: the rule set is
loaded from its files). The rule files as read are rebuilt only when asked for
(a warning's or an error's position): scoring never asks. The generated scorer
code is made again from the rebuilt models, as after any load; it is never stored.

Within one process, the last few rule sets recalled or stored are also kept as they
are (:data:`_KEPT`), under the same key and the cache's folder: loading the same files
again there (a service that loads per request, a batch's passes, a test run) gives
the same immutable ``RuleSet``, its scorer already generated and compiled. The key is
worked out from the files' bytes each time, so a file changed is a new rule set.

Models are rebuilt with pydantic's ``model_construct``, each field given the value
it held, and the fields set as they were: the values were validated when they
were stored, by this engine (its source is in the key). No validator is built
(``defer_build`` in :mod:`qualscore.ruleset.model`). Validating the stored JSON
again (``model_validate_json``) would build every validator and compile every
formula again, most of what loading costs.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel
from pydantic.version import VERSION as PYDANTIC_VERSION

from qualscore import _cache
from qualscore.language import tree
from qualscore.ruleset import model
from qualscore.ruleset.formula import Formula
from qualscore.ruleset.loader import Location, RuleSet
from qualscore.source.yamlfile import Document

__all__ = ["FORMAT", "Unstorable", "dumps", "keep", "loads", "recall"]

FORMAT = 1
"""The layout of the stored data; a change of layout is a change of source, so of key,
but the number is stored and checked as well."""


class Unstorable(ValueError):
    """A value the stored form has no place for (or stored data that is not of it)."""


def _classes() -> dict[str, type]:
    found: dict[str, type] = {"Formula": Formula, "Location": Location, "Document": Document}
    for module in (model, tree):
        for name, value in vars(module).items():
            is_class = isinstance(value, type) and value.__module__ == module.__name__
            if is_class and (issubclass(value, BaseModel) or dataclasses.is_dataclass(value)):
                found[name] = value
    return found


_CLASSES = _classes()
"""Every class an object stored may be of, by name (the names are unique across the
modules: a clash would show as a class missing here)."""

_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    """The names of a model's or a dataclass's fields, in order."""
    names = _FIELDS.get(cls)
    if names is None:
        if issubclass(cls, BaseModel):
            names = tuple(cls.__pydantic_fields__)
        else:
            names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        _FIELDS[cls] = names
    return names


# --- to data ---------------------------------------------------------------------


class _Writer:
    """Values to JSON forms. An object met again is written as a reference to its first
    writing, so that what the rule set shares (one formula in two places) stays shared."""

    def __init__(self) -> None:
        self.seen: dict[int, int] = {}
        self.kept: list[Any] = []  # what ``seen`` numbers, alive until the writing ends
        self.lines: list[str] = []  # the documents, one JSON text each (see dumps)

    def value(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, Decimal):
            return ["D", str(value)]
        if isinstance(value, tuple):
            return ["t", *(self.value(v) for v in value)]
        if isinstance(value, list):
            return ["l", *(self.value(v) for v in value)]
        if isinstance(value, dict):
            return ["d", *(self.value(x) for kv in value.items() for x in kv)]
        if isinstance(value, frozenset):
            return ["f", *sorted((self.value(v) for v in value), key=json.dumps)]
        return self.object(value)

    def object(self, value: Any) -> Any:
        cls = type(value)
        if _CLASSES.get(cls.__name__) is not cls:
            raise Unstorable(f"cannot store a {cls.__name__}")
        index = self.seen.get(id(value))
        if index is not None:
            return ["r", index]
        self.seen[id(value)] = len(self.kept)
        self.kept.append(value)
        names = _fields(cls)
        if isinstance(value, BaseModel):
            if value.__pydantic_extra__ or value.__pydantic_private__:
                raise Unstorable(f"a {cls.__name__} holds more than its fields")
            if set(value.__dict__) != set(names):
                raise Unstorable(f"a {cls.__name__} holds more than its fields")
            given = [n for n in names if n in value.__pydantic_fields_set__]
            return ["m", cls.__name__, given, *(self.value(value.__dict__[n]) for n in names)]
        return ["o", cls.__name__, *(self.value(getattr(value, n)) for n in names)]


def dumps(ruleset: RuleSet) -> str:
    """The rule set as lines of JSON text: the rule set's models, then each rule file as
    read (a document), one a line, which the first line numbers. JSON holds no line break
    but between values, so a reader parses the first line now and a document's line only
    when it is asked for (:class:`_Documents`).

    Raises:
        Unstorable: it holds a value the stored form has no place for, or it is a view
            of one entity (:meth:`RuleSet.view`), not a rule set as loaded.
    """
    writer = _Writer()
    first = json.dumps([FORMAT, _ruleset(writer, ruleset)], separators=(",", ":"))
    return "\n".join([first, *writer.lines])


def _document(writer: _Writer, doc: Document) -> int:
    """Write ``doc`` on a line of its own (its references its own: it is read back apart
    from the rest, when asked for); the line's number, counted from the second."""
    if type(doc) is not Document:
        raise Unstorable("not a document")
    writer.lines.append(json.dumps(_Writer().value(doc), separators=(",", ":")))
    return len(writer.lines)


def _ruleset(writer: _Writer, ruleset: RuleSet) -> list[Any]:
    if ruleset.full is not None or ruleset.group is not None or ruleset.outside:
        raise Unstorable("a view of one entity is made from its rule set, not stored")
    if ruleset.facts is not ruleset.checks.facts:
        raise Unstorable("the facts are not the facts file's")
    return [
        ruleset.path,
        writer.value(ruleset.manifest),
        writer.value(ruleset.checks),
        writer.value(ruleset.categories),
        ruleset.sha256,
        writer.value(dict(ruleset.locations)),
        {name: _document(writer, doc) for name, doc in ruleset.documents.items()},
        writer.value(dict(ruleset.node_paths)),
        dict(ruleset.sources),
        {key: _ruleset(writer, sub) for key, sub in ruleset.subsets.items()},
    ]


# --- from data -------------------------------------------------------------------


class _Reader:
    """JSON forms to values: the inverse of :class:`_Writer`."""

    def __init__(self) -> None:
        self.made: list[Any] = []
        self.forms: dict[str, Callable[[list[Any]], Any]] = {
            "D": self._decimal,
            "t": lambda form: tuple(self.value(v) for v in form[1:]),
            "l": lambda form: [self.value(v) for v in form[1:]],
            "d": self._dict,
            "f": lambda form: frozenset(self.value(v) for v in form[1:]),
            "r": lambda form: self.made[form[1]],
            "m": self._model,
            "o": self._object,
        }

    def value(self, form: Any) -> Any:
        if not isinstance(form, list):
            if form is None or isinstance(form, bool | int | str):
                return form
            raise Unstorable(f"not a stored value: {type(form).__name__}")
        if not form or not isinstance(form[0], str) or form[0] not in self.forms:
            raise Unstorable("not a stored value")
        return self.forms[form[0]](form)

    def _decimal(self, form: list[Any]) -> Decimal:
        if len(form) != 2 or not isinstance(form[1], str):
            raise Unstorable("not a stored number")
        return Decimal(form[1])

    def _dict(self, form: list[Any]) -> dict[Any, Any]:
        items = [self.value(v) for v in form[1:]]
        if len(items) % 2:
            raise Unstorable("not a stored mapping")
        return dict(zip(items[::2], items[1::2], strict=True))

    def _class(self, form: list[Any], at_least: int) -> tuple[type, tuple[str, ...]]:
        cls = _CLASSES.get(form[1]) if len(form) >= at_least and isinstance(form[1], str) else None
        if cls is None:
            raise Unstorable("not a stored object")
        names = _fields(cls)
        if len(form) != at_least + len(names):
            raise Unstorable(f"not a stored {cls.__name__}")
        return cls, names

    def _model(self, form: list[Any]) -> BaseModel:
        cls, names = self._class(form, 3)
        assert issubclass(cls, BaseModel)
        index = len(self.made)
        self.made.append(None)  # its place, so that references inside count alike
        given = form[2]
        if not isinstance(given, list) or not set(given) <= set(names):
            raise Unstorable(f"not a stored {cls.__name__}")
        values = {n: self.value(v) for n, v in zip(names, form[3:], strict=True)}
        built = cls.model_construct(set(given), **values)
        if built.__dict__.keys() != values.keys():  # an alias taken for a name: not ours
            raise Unstorable(f"not a stored {cls.__name__}")
        self.made[index] = built
        return built

    def _object(self, form: list[Any]) -> Any:
        cls, names = self._class(form, 2)
        if issubclass(cls, BaseModel):
            raise Unstorable("not a stored object")
        index = len(self.made)
        self.made.append(None)
        values = [self.value(v) for v in form[2:]]
        built = cls(**dict(zip(names, values, strict=True)))
        self.made[index] = built
        return built


class _Documents(Mapping[str, Document]):
    """The rule files as read, each rebuilt when it is first asked for: scoring never
    asks, a warning or an error does (for its position)."""

    def __init__(self, lines: list[bytes], forms: dict[str, int]) -> None:
        self._lines = lines
        self._forms = forms
        self._made: dict[str, Document] = {}

    def __getitem__(self, name: str) -> Document:
        doc = self._made.get(name)
        if doc is None:
            try:
                doc = _Reader().value(json.loads(self._lines[self._forms[name]]))
            except (TypeError, ValueError, IndexError, RecursionError):
                doc = None  # checksummed, written by dumps: not met but by a forger
            if not isinstance(doc, Document):
                raise KeyError(name)
            self._made[name] = doc
        return doc

    def __iter__(self) -> Iterator[str]:
        return iter(self._forms)

    def __len__(self) -> int:
        return len(self._forms)


def loads(text: bytes) -> RuleSet:
    """The rule set :func:`dumps` wrote as ``text``.

    Raises:
        Unstorable: ``text`` is not what :func:`dumps` writes (another layout, a class
            not allowed, a malformed value).
    """
    try:
        lines = text.split(b"\n")
        found = json.loads(lines[0])
        if not isinstance(found, list) or len(found) != 2 or found[0] != FORMAT:
            raise Unstorable("not a stored rule set of this layout")
        return _read(_Reader(), found[1], lines)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        if isinstance(exc, Unstorable):
            raise
        raise Unstorable(f"not a stored rule set: {type(exc).__name__}") from None


def _read(reader: _Reader, form: Any, lines: list[bytes]) -> RuleSet:
    path, manifest, checks, categories, sha256, locations, docs, paths, sources, subs = form
    for line in docs.values():  # a document is read when asked for: its line now
        if type(line) is not int or not 0 < line < len(lines):
            raise Unstorable("not a stored document")
    documents = _Documents(lines, docs)
    # In the order written: a reference counts the objects read before it.
    manifest, checks, categories = (reader.value(f) for f in (manifest, checks, categories))
    locations, paths = reader.value(locations), reader.value(paths)
    subsets = {key: _read(reader, sub, lines) for key, sub in subs.items()}
    if not isinstance(checks, model.FactsFile):
        raise Unstorable("not a stored rule set")
    ruleset = RuleSet(
        path=path,
        manifest=manifest,
        facts=checks.facts,
        checks=checks,
        categories=categories,
        sha256=sha256,
        sources=MappingProxyType(dict(sources)),
        subsets=MappingProxyType(subsets),
        locations=MappingProxyType(locations),
        documents=documents,
        node_paths=MappingProxyType(paths),
    )
    _check(ruleset)
    return ruleset


def _check(ruleset: RuleSet) -> None:
    """Refuse a rebuilt rule set whose parts are not of the classes they must be."""
    wanted = (
        (ruleset.manifest, model.Manifest),
        (ruleset.checks, model.FactsFile),
        (ruleset.path, str),
        (ruleset.sha256, str),
    )
    if not all(isinstance(value, cls) for value, cls in wanted):
        raise Unstorable("not a stored rule set")
    if not isinstance(ruleset.categories, tuple) or not all(
        isinstance(c, model.Category) for c in ruleset.categories
    ):
        raise Unstorable("not a stored rule set")
    if not all(isinstance(v, Location) for v in ruleset.locations.values()):
        raise Unstorable("not a stored rule set")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in ruleset.sources.items()):
        raise Unstorable("not a stored rule set")


# --- the cache -------------------------------------------------------------------

_COMMAND = "ruleset"


KEPT_MOST = 8
"""How many rule sets a process keeps as they are (:data:`_KEPT`)."""

_KEPT: OrderedDict[tuple[str, str], RuleSet] = OrderedDict()
"""The rule sets this process recalled or stored last, by cache folder and key, the
latest last."""

_KEEPING = threading.Lock()
"""Held while :data:`_KEPT` is read or changed: threads may load rule sets at once."""


def _kept(entry_key: str, ruleset: RuleSet | None = None) -> RuleSet | None:
    """The rule set kept under ``entry_key`` (in this cache folder), or None; with
    ``ruleset``, keep it there (the oldest let go past :data:`KEPT_MOST`)."""
    where = (str(_cache.folder()), entry_key)
    with _KEEPING:
        if ruleset is None:
            found = _KEPT.get(where)
            if found is not None:
                _KEPT.move_to_end(where)
            return found
        _KEPT[where] = ruleset
        _KEPT.move_to_end(where)
        while len(_KEPT) > KEPT_MOST:
            _KEPT.popitem(last=False)
        return ruleset


def recall(path: str | Path) -> RuleSet | None:
    """The rule set in the folder ``path`` as stored when the same files were loaded by
    the same engine; None when there is none (or none to trust, or no cache)."""
    entry_key = _cache.key(_COMMAND, str(path), PYDANTIC_VERSION, str(FORMAT))
    if entry_key is None:
        return None
    found = _kept(entry_key)
    if found is not None:
        return found
    data = _cache.get_data(entry_key)
    if data is None:
        return None
    try:
        return _kept(entry_key, loads(data))
    except Unstorable:
        return None


def keep(ruleset: RuleSet, path: str | Path) -> None:
    """Store ``ruleset``, loaded from the folder ``path``, under the digests of the bytes
    its loader checked (``RuleSet.sources``): a file changed meanwhile is another key."""
    entry_key = _cache.files_key(ruleset.sources, _COMMAND, str(path), PYDANTIC_VERSION,
                                 str(FORMAT))  # fmt: skip
    _kept(entry_key, ruleset)
    try:
        text = dumps(ruleset)
    except Unstorable:
        return
    _cache.put_data(entry_key, text.encode("utf-8"))
