"""Compared with last time: a previous ``--format json`` output (or a batch JSON) against now.

:func:`load` reads the previous document and refuses, in one line, what a
qualscore run cannot have written: a file over :data:`MAX_BYTES`, nesting too
deep for the JSON reader, a score that is not a finite decimal of at most
:data:`MAX_WHOLE_DIGITS` whole digits and :data:`MAX_PLACES` places (``NaN``,
``1E+999999999``), a rank that is not a whole number within the ranking, a
part of the wrong shape. JSON numbers are kept as the text written: never a
float, never an integer of 5,000 digits.

:func:`check_origin` refuses a result of another scheme, of another entity or
of a later year (``--compare-any`` takes it anyway). A scheme is the same when
its id is, years aside: ``rugao-2019`` is compared with last year's
``rugao-2018`` (``qualscore new`` changes the year in the id), whatever its
rules' sha256. A batch JSON, which names no id, is matched by its title, years
aside.

:func:`compare` lines one result up with the previous document: each item's
score then and now, the total's change and, from a batch JSON, the rank then;
:func:`ranks_then` gives a batch each entity's total and rank then, and says
which entities the previous batch does not hold. Each format shows the same
:class:`Comparison`, whose :func:`headline` names what it is compared with.
A batch JSON also names its items' texts (``rule_items``, :class:`ItemText`):
:mod:`qualscore.report.history` matches an item renumbered since by them, and
lines a batch up with several earlier years.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from qualscore._patterns import lazy
from qualscore.catalogue import say, words
from qualscore.errors import Problem, SourceError
from qualscore.scoring.trace import Result
from qualscore.scoring.words import fmt
from qualscore.source.text import name_text

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_PLACES",
    "MAX_WHOLE_DIGITS",
    "Comparison",
    "ItemText",
    "Origin",
    "Previous",
    "check_origin",
    "compare",
    "headline",
    "lines",
    "load",
    "names_listed",
    "ranks_then",
    "same_scheme",
    "signed",
]

MAX_BYTES = 256 * 1024 * 1024
"""The largest previous document read (a batch JSON of 100,000 entities is about 150 MB)."""
MAX_DEPTH = 64
"""The deepest categories, indicators and items nest (a rule file nests 32 levels at most)."""
MAX_WHOLE_DIGITS = 15
"""A score is below 10**15 in size (a rule set's points are at most 100,000 an item)."""
MAX_PLACES = 12
"""A score has at most 12 decimal places, the most a rule set rounds to."""
MAX_TEXT = 1000
"""The longest id, title, entity name or period read."""
MAX_RULE_TEXT = 100_000
"""The longest item title, content or criteria read (``rule_items``): a rule's text."""
_SHOWN = 40
_NUMBER = lazy(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_YEAR = lazy(r"[-_. ]?(?<![0-9])[0-9]{4}(?![0-9])")
_ANYWAY = "; --compare-any compares it anyway"
_NOT_A_BATCH = "one entity's result; batch compares with a batch .json (batch --out x.json)"


class _Number(str):
    """A JSON number as written: never a float, so never rounded, infinite or NaN by accident."""


class _Integer(_Number):
    """A JSON integer as written: read as one only when it is short enough to be a rank."""


@dataclass(frozen=True)
class Origin:
    """Whose result a previous document is: the scheme (its id, title and year), the entity
    and the period, each as the document says (None: it does not say)."""

    scheme: str | None = None
    title: str | None = None
    year: int | None = None
    entity: str | None = None
    period: str | None = None

    def described(self, language: str, *, title: bool = False) -> str:
        """``2018 年，city-b`` / ``2018, city-b``: the period (else the year) and the entity,
        after the scheme's title when asked or when neither period nor year is known."""
        year = None if self.year is None else say(language, "compare_year", year=self.year)
        when = self.period or year
        parts = [p for p in (when, self.entity) if p]
        if (title or when is None) and self.title:
            parts.insert(0, self.title)
        return words(language)["comma"].join(name_text(p) for p in parts)


@dataclass(frozen=True)
class ItemText:
    """An item as a batch JSON names it (``rule_items``): what ``qualscore diff`` knows an
    item by when its id changed."""

    id: str
    title: str
    content: str | None
    criteria: str


@dataclass(frozen=True)
class Previous:
    """What a previous output said: total, rank (from a batch), each item's score, and whose
    result it is. A batch JSON (``batch``) gives each entity's total, rank and scores."""

    source: str
    total: Decimal
    rank: int | None
    items: dict[str, Decimal]
    entities: dict[str, tuple[Decimal, int, dict[str, Decimal]]]
    origin: Origin = Origin()
    batch: bool = False
    texts: tuple[ItemText, ...] | None = None
    """A batch's items as its rule set gave them (None: a batch written before it named
    them: items are then matched by id only)."""


@dataclass(frozen=True)
class Comparison:
    """One entity then and now; ``then`` says whose result it is compared with."""

    source: str
    total_before: Decimal | None
    total_now: Decimal
    rank_before: int | None
    rank_now: int | None
    items: tuple[tuple[str, str, Decimal | None, Decimal], ...]
    then: Origin | None = None
    other_scheme: bool = False

    @property
    def total_change(self) -> Decimal | None:
        return None if self.total_before is None else self.total_now - self.total_before


def signed(value: Decimal | None) -> str:
    """``+1.5``, ``-0.2``, ``0``; ``—`` when there is nothing to compare with."""
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + fmt(value)


# --- reading --------------------------------------------------------------------------------


def load(path: str | Path, *, batch: bool = False) -> Previous:
    """A previous ``evaluate --format json`` or ``batch --out x.json`` document, checked;
    with ``batch``, a batch's only.

    Raises:
        SourceError: not readable, too large, not JSON, nested too deep, neither kind of
            document (or not a batch's when asked), or a part of it that no qualscore run
            writes (each in one line).
    """
    from qualscore.source.yamlfile import decode, read_bytes

    shown = str(path)
    try:
        text = decode(read_bytes(Path(path), shown, MAX_BYTES), shown)
    except SourceError as exc:
        problems = [replace(p, message=f"--compare: {p.message}") for p in exc.problems]
        raise SourceError(problems) from None
    reader = _Reader(shown)
    try:
        doc = json.loads(text, parse_int=_integer, parse_float=_Number, parse_constant=_Number)
    except json.JSONDecodeError as exc:
        raise SourceError([Problem(shown, exc.lineno, exc.colno, f"--compare: not JSON: {exc.msg}")
                           ]) from None  # fmt: skip
    except RecursionError:
        reader.fail("", "nested too deeply to be a qualscore result")
    if isinstance(doc, dict) and "ranking" in doc:
        return reader.batch(doc)
    if isinstance(doc, dict) and "categories" in doc and "total" in doc:
        if batch:
            reader.fail("", _NOT_A_BATCH)
        return reader.result(doc)
    reader.fail("", "not a qualscore JSON report (evaluate --format json, or batch .json)")


def _integer(text: str) -> _Number:
    return _Integer(text) if len(text) <= 10 else _Number(text)


class _Reader:
    """Reads the parts of a previous document, refusing each that is not as written."""

    def __init__(self, shown: str) -> None:
        self.shown = shown

    def fail(self, where: str, message: str) -> NoReturn:
        if len(where) > 100:  # a path 64 levels deep, its start and its end kept
            where = where[:40] + "…" + where[-59:]
        place = f"{where}: " if where else ""
        raise SourceError([Problem(self.shown, 0, 0, f"--compare: {place}{message}")])

    def score(self, value: Any, where: str) -> Decimal:
        """A score: a finite decimal (text or a JSON number), bounded in size and places."""
        if isinstance(value, str) and len(value) <= 64 and _NUMBER.fullmatch(value):
            number = Decimal(value)  # finite: the pattern has no NaN nor Infinity
            places = -int(number.as_tuple().exponent)
            small = number.is_zero() or number.adjusted() < MAX_WHOLE_DIGITS
            if places <= MAX_PLACES and small:
                return number + 0  # 1E+2 as 100, -0 as 0
        bounds = f"a finite decimal below 10^{MAX_WHOLE_DIGITS}, at most {MAX_PLACES} places"
        self.fail(where, f"not a score: {_what(value)} ({bounds})")

    def text(
        self, value: Any, where: str, *, optional: bool = True, most: int = MAX_TEXT
    ) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str) or isinstance(value, _Number) or not value:
            self.fail(where, "not a text")
        if len(value) > most:
            self.fail(where, f"a text of {len(value):,} characters, more than {most:,}")
        return value

    def item_texts(self, value: Any) -> tuple[ItemText, ...] | None:
        """A batch's ``rule_items``: each item's id, title, content and criteria."""
        if value is None:
            return None
        found: dict[str, ItemText] = {}
        for i, row in enumerate(self.listed(value, "rule_items")):
            where = f"rule_items[{i}]"
            row = self.mapping(row, where)
            item_id = self.text(row.get("id"), f"{where}.id", optional=False)
            assert item_id is not None
            if item_id in found:
                self.fail(f"{where}.id", f"item {_shorten(item_id)} twice")
            title, content, criteria = (
                self.text(row.get(k), f"{where}.{k}", optional=k == "content", most=MAX_RULE_TEXT)
                for k in ("title", "content", "criteria")
            )
            assert title is not None and criteria is not None
            found[item_id] = ItemText(item_id, title, content, criteria)
        return tuple(found.values())

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, "not an object")
        return value

    def listed(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, "not a list")
        return value

    def origin(self, doc: dict[str, Any], batch: bool) -> Origin:
        ruleset = self.mapping(doc.get("ruleset"), "ruleset")
        scheme = self.text(ruleset.get("id"), "ruleset.id", optional=batch)
        title = self.text(ruleset.get("title"), "ruleset.title")
        year = ruleset.get("year")
        if year is not None or not batch:
            if not isinstance(year, _Integer) or not 1900 <= int(year) <= 2200:
                self.fail("ruleset.year", f"not a year: {_what(year)}")
            year = int(year)
        if scheme is None and title is None:
            self.fail("ruleset", "names neither an id nor a title")
        entity = None if batch else self.text(doc.get("entity"), "entity")
        period = None if batch else self.text(doc.get("period"), "period")
        return Origin(scheme, title, year, entity, period)

    def result(self, doc: dict[str, Any]) -> Previous:
        """One entity's result: its total and each item's score, the bonus as ``bonus``."""
        items: dict[str, Decimal] = {}
        categories = self.listed(doc["categories"], "categories")
        stack = [(f"categories[{i}]", node, 1) for i, node in enumerate(categories)][::-1]
        while stack:  # not recursive: a forged nesting costs no Python stack
            where, node, depth = stack.pop()
            node = self.mapping(node, where)
            if depth > MAX_DEPTH:
                self.fail(where, f"nested more than {MAX_DEPTH} levels deep")
            if node.get("kind") == "item":
                self.item(items, node, where)
                continue
            children = self.listed(node.get("children"), f"{where}.children")
            stack.extend(reversed([(f"{where}.children[{i}]", child, depth + 1)
                                   for i, child in enumerate(children)]))  # fmt: skip
        if doc.get("bonus") is not None:
            bonus = self.mapping(doc["bonus"], "bonus")
            items["bonus"] = self.score(bonus.get("score"), "bonus.score")
        total = self.score(doc["total"], "total")
        return Previous(self.shown, total, None, items, {}, self.origin(doc, batch=False))

    def item(self, items: dict[str, Decimal], node: dict[str, Any], where: str) -> None:
        item_id = self.text(node.get("id"), f"{where}.id", optional=False)
        assert item_id is not None
        if item_id in items:
            self.fail(f"{where}.id", f"item {_shorten(item_id)} twice")
        items[item_id] = self.score(node.get("score"), f"{where}.score")

    def batch(self, doc: dict[str, Any]) -> Previous:
        """A batch: each entity's total, rank (within the ranking) and item scores."""
        rows = self.listed(doc["ranking"], "ranking")
        entities: dict[str, tuple[Decimal, int, dict[str, Decimal]]] = {}
        for i, row in enumerate(rows):
            where = f"ranking[{i}]"
            row = self.mapping(row, where)
            name = self.text(row.get("entity"), f"{where}.entity", optional=False)
            assert name is not None
            if name in entities:
                self.fail(f"{where}.entity", f"{_shorten(name)} twice")
            rank = row.get("rank")
            if not isinstance(rank, _Integer) or not 1 <= int(rank) <= len(rows):
                self.fail(f"{where}.rank", f"not a rank: {_what(rank)} (a whole number "
                          f"from 1 to {len(rows):,}, the entities ranked)")  # fmt: skip
            scores = self.mapping(row.get("items", {}), f"{where}.items")
            entities[name] = (
                self.score(row.get("total"), f"{where}.total"),
                int(rank),
                {str(k): self.score(v, f"{where}.items[{_shorten(k)}]") for k, v in scores.items()},
            )
        origin = self.origin(doc, batch=True)
        texts = self.item_texts(doc.get("rule_items"))
        return Previous(self.shown, Decimal(0), None, {}, entities, origin, batch=True,
                        texts=texts)  # fmt: skip


def _what(value: Any) -> str:
    """A value read from the document, as a message shows it: a text quoted and cut short,
    a list or an object by its kind (never written out: it may nest a thousand deep)."""
    if isinstance(value, _Number):  # a JSON number, as written
        return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"
    if isinstance(value, str):
        return _shorten(value)
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "an object"
    return json.dumps(value)  # true, false, null


def _shorten(text: str) -> str:
    """``text`` quoted as it can be shown on one line, at most about 40 characters."""
    cut = text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
    return repr(name_text(cut))


# --- whose result -----------------------------------------------------------------------------


def _scheme_key(text: str) -> str:
    """An id or a title with its years taken out: the same scheme from year to year."""
    return _YEAR.sub("", text).casefold()


def same_scheme(origin: Origin, scheme: str, title: str) -> bool:
    """Whether ``origin`` is of the scheme ``scheme`` (its title: ``title``), years aside."""
    if origin.scheme is not None:
        return _scheme_key(origin.scheme) == _scheme_key(scheme)
    return origin.title is not None and _scheme_key(origin.title) == _scheme_key(title)


def check_origin(
    previous: Previous, *, scheme: str, title: str, year: int, entity: str | None = None
) -> None:
    """Refuse a previous result of another scheme, a later year or (when both name it)
    another entity than ``entity``.

    Raises:
        SourceError: one line saying whose result it is; ``--compare-any`` takes it anyway.
    """
    then = previous.origin
    fail = _Reader(previous.source).fail
    if not same_scheme(then, scheme, title):
        # a batch JSON names its scheme by its title only
        named, now = (then.scheme, scheme) if then.scheme is not None else (then.title, title)
        assert named is not None
        fail("", f"a result of scheme {_shorten(named)}, not of {_shorten(now)}{_ANYWAY}")
    if then.year is not None and then.year > year:
        fail("", f"a result of {then.year}, later than this one of {year}{_ANYWAY}")
    if then.entity is not None and entity is not None and then.entity != entity:
        fail("", f"the result of {_shorten(then.entity)}, not of {_shorten(entity)}{_ANYWAY}")


# --- comparing ----------------------------------------------------------------------------


def compare(
    result: Result,
    previous: Previous,
    entity: str | None = None,
    rank: int | None = None,
    *,
    any_entity: bool = False,
) -> Comparison:
    """``result`` against ``previous``; a batch document is looked up by ``entity`` (the
    name a batch gives the facts file), then by the result's own. With ``any_entity``, a
    batch of one entity of another name is taken.

    Raises:
        SourceError: a batch document without that entity.
    """
    then = previous.origin
    if previous.batch:
        names = [n for n in (entity, result.entity) if n is not None]
        name = next((n for n in names if n in previous.entities), names[0] if names else "")
        found = previous.entities.get(name)
        if found is None and any_entity and len(previous.entities) == 1:
            name, found = next(iter(previous.entities.items()))
        if found is None:
            _missing(previous, name)
        total_before: Decimal | None = found[0]
        rank_before: int | None = found[1]
        items = found[2]
        then = replace(then, entity=name)
    else:
        total_before, rank_before, items = previous.total, previous.rank, previous.items
    rows = tuple((i.id, i.title, items.get(i.id), i.score) for i in result.items)
    other = not same_scheme(then, result.ruleset_id, result.title)
    return Comparison(previous.source, total_before, result.total, rank_before, rank, rows,
                      then, other)  # fmt: skip


def _missing(previous: Previous, name: str) -> NoReturn:
    names = sorted(previous.entities)
    held = f"it ranks {len(names):,}: {names_listed(names)}" if names else "it ranks none"
    hint = "; --compare-any compares with its only entity" if len(names) == 1 else ""
    _Reader(previous.source).fail("", f"no entity {_shorten(name)} in it ({held}){hint}")


def names_listed(names: Iterable[str], most: int = 5) -> str:
    """The first ``most`` names, shown safely, and ``…`` when there are more."""
    found = list(names)
    shown = ", ".join(name_text(n) for n in found[:most])
    return shown + (", …" if len(found) > most else "")


def ranks_then(
    previous: Previous, names: Iterable[str], *, any_entity: bool = False
) -> tuple[dict[str, tuple[Decimal, int]], str | None]:
    """Each entity's total and rank in the previous batch, and a note naming the entities
    scored now that it does not hold (None: it holds every one).

    Raises:
        SourceError: the previous document is one entity's result, or holds none of the
            entities scored now (unless ``any_entity``).
    """
    fail = _Reader(previous.source).fail
    if not previous.batch:
        fail("", _NOT_A_BATCH)
    scored = sorted(set(names))
    new = [n for n in scored if n not in previous.entities]
    if scored and len(new) == len(scored) and not any_entity:
        held = names_listed(sorted(previous.entities))
        fail("", f"holds none of the entities scored ({len(scored):,}: {names_listed(scored)}); "
             f"it ranks {len(previous.entities):,}: {held}{_ANYWAY}")  # fmt: skip
    then = {n: (total, rank) for n, (total, rank, _) in previous.entities.items()}
    if not new:
        return then, None
    count = f"{len(new):,} of the {len(scored):,} entities scored"
    told = f"--compare {previous.source}: not in it (no total then), {count}: {names_listed(new)}"
    return then, told


# --- showing ------------------------------------------------------------------------------


def lines(c: Comparison, language: str) -> list[tuple[str, str, str, str, str]]:
    """Rows of the comparison table: id, title, then, now, change (items that changed first)."""
    return [
        (
            item_id,
            title,
            "—" if before is None else fmt(before),
            fmt(now),
            signed(None if before is None else now - before),
        )
        for item_id, title, before, now in c.items
    ]


def headline(c: Comparison, language: str) -> str:
    """The total's (and the rank's) change in one sentence, and what it is compared with."""
    w = words(language)
    then = "—" if c.total_before is None else fmt(c.total_before)
    text = say(language, "compare_total", total=w["total"], then=then, now=fmt(c.total_now),
               change=signed(c.total_change))  # fmt: skip
    if c.rank_before is not None or c.rank_now is not None:
        before = "—" if c.rank_before is None else str(c.rank_before)
        now = "—" if c.rank_now is None else str(c.rank_now)
        text += say(language, "compare_rank", rank=w["rank"], then=before, now=now)
    if c.then is not None:
        said = c.then.described(language, title=c.other_scheme)
        if said:
            text += say(language, "compare_with", then=said)
    return text
