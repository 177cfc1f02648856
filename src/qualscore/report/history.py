"""A batch compared with earlier years' batches: ``batch --compare A --compare B``.

Each previous batch JSON is read and checked as :mod:`qualscore.report.compare`
reads one. :func:`ordered` puts them in the order of their years (whatever
their order on the command line), refusing two of one year and, among
several, one that names no year. :func:`history` lines each up with the
entities scored now: which are new (scored now, not then) and which are gone
(then, not scored now), each named, and which item then each item now is.

An item is matched as ``qualscore diff`` matches it (:mod:`qualscore.analyst.diff`):
by id, and an item renumbered between the two rule sets with its old number.
That needs the previous batch's items' texts (``rule_items``, which a batch
JSON carries); a batch written before it carried them is matched by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, NoReturn, cast

from qualscore.errors import Problem, SourceError
from qualscore.report.compare import ItemText, Origin, Previous, names_listed, ranks_then

if TYPE_CHECKING:
    from qualscore.ruleset.loader import RuleSet

__all__ = ["ItemChange", "Year", "history", "item_texts", "ordered"]

ItemChange = tuple[str | None, str | None, Decimal | None, Decimal | None]
"""One item of an entity then and now: (id now, id then, score then, score now); an id is
None for an item added since (then) or gone since (now), a score None where it has none."""


@dataclass(frozen=True)
class Year:
    """One previous batch as compared: whose it is, its entities' totals, ranks and item
    scores, which item then each item now is, and the entities new and gone."""

    source: str
    origin: Origin
    entities: Mapping[str, tuple[Decimal, int, dict[str, Decimal]]]
    pairs: Mapping[str, str]
    """Item now -> its item then (the bonus is the bonus); an item new since is not in it."""
    new: tuple[str, ...]
    gone: tuple[str, ...]
    titles: Mapping[str, str]
    """Each item's title then, by its id then (empty: the batch does not name them)."""

    def label(self, language: str) -> str:
        """What the year is called: ``2017 年`` / ``2017``, else the scheme's title."""
        return self.origin.described(language) or self.source

    def renumbered(self) -> dict[str, str]:
        """Item now -> item then, for each item whose id changed."""
        return {now: then for now, then in self.pairs.items() if now != then}

    def items_of(self, name: str, now: Iterable[tuple[str, Decimal | None]]) -> list[ItemChange]:
        """Entity ``name``'s items then and now (``now``: each item's id and score now, in
        order); the items it had a score for then and that are gone since come last."""
        then = self.entities[name][2]
        rows: list[ItemChange] = []
        used = set()
        for item_id, score in now:
            was = self.pairs.get(item_id)
            used.add(was)
            rows.append((item_id, was, None if was is None else then.get(was), score))
        rows += [(None, was, score, None) for was, score in then.items() if was not in used]
        return rows


def ordered(previous: Sequence[Previous]) -> tuple[Previous, ...]:
    """The previous batches oldest first, by their years.

    Raises:
        SourceError: among several, one names no year, or two name the same year.
    """
    if len(previous) < 2:
        return tuple(previous)
    seen: dict[int, str] = {}
    for one in previous:
        year = one.origin.year
        if year is None:
            _fail(one, "names no year (ruleset.year); several --compare batches are "
                  "ordered by their years")  # fmt: skip
        if year in seen:
            _fail(one, f"a batch of {year}, as is {seen[year]}: one --compare a year")
        seen[year] = one.source
    return tuple(sorted(previous, key=lambda p: p.origin.year or 0))


def _fail(previous: Previous, message: str) -> NoReturn:
    raise SourceError([Problem(previous.source, 0, 0, f"--compare: {message}")])


def history(
    previous: Sequence[Previous], ruleset: RuleSet, names: Iterable[str], *, any_entity: bool
) -> tuple[tuple[Year, ...], list[str]]:
    """Each previous batch (oldest first) lined up with the entities scored now, and the
    notes that name, for each, the entities new and gone.

    Raises:
        SourceError: a previous batch holds none of the entities scored (unless
            ``any_entity``).
    """
    scored = sorted(set(names))
    years: list[Year] = []
    notes: list[str] = []
    for one in ordered(previous):
        _, note = ranks_then(one, scored, any_entity=any_entity)
        if note:  # an entity new this time is said, not left as a silent "—"
            notes.append(note)
        now = set(scored)
        new = tuple(n for n in scored if n not in one.entities)
        gone = tuple(sorted(n for n in one.entities if n not in now))
        if gone:  # nor is an entity that was ranked then and is not scored now
            ranked = f"{len(gone):,} of the {len(one.entities):,} entities it ranks"
            notes.append(f"--compare {one.source}: not scored now (a total then only), "
                         f"{ranked}: {names_listed(gone)}")  # fmt: skip
        titles = {i.id: i.title for i in one.texts or ()}
        pairs = _pairs(one, ruleset)
        years.append(Year(one.source, one.origin, one.entities, pairs, new, gone, titles))
    return tuple(years), notes


def item_texts(ruleset: RuleSet) -> tuple[ItemText, ...]:
    """Each item of ``ruleset`` as a batch JSON names it (``rule_items``)."""
    return tuple(ItemText(i.id, i.title, i.content, i.criteria) for i in ruleset.items())


@dataclass(frozen=True)
class _Items:
    """A rule set's items as :mod:`qualscore.analyst.diff` walks a rule set: one category
    (its id unused) holding every item, however deep each stands in its rule set."""

    id: str
    items: tuple[ItemText, ...]


@dataclass(frozen=True)
class _Flat:
    categories: tuple[_Items, ...]


def _flat(texts: tuple[ItemText, ...]) -> RuleSet:
    """``texts`` as the rule set that the item matching of ``qualscore diff`` reads: it reads
    each item's id, title, content and criteria, and nothing else."""
    return cast("RuleSet", _Flat((_Items("", texts),)))


def _pairs(previous: Previous, ruleset: RuleSet) -> dict[str, str]:
    """Item now -> item then: as ``qualscore diff`` pairs them when the batch names its
    items' texts, else by id."""
    texts = item_texts(ruleset)
    if previous.texts is None:
        pairs = {i.id: i.id for i in texts}
    else:
        # The one matching ``qualscore diff`` does (an item renumbered is the item it was),
        # given the items' texts, all it reads of a rule set to pair them.
        from qualscore.analyst.diff import item_pairs

        found = item_pairs(_flat(previous.texts), _flat(texts))
        pairs = {now: was for was, now in found.items()}
    if ruleset.manifest.bonus is not None:
        pairs["bonus"] = "bonus"
    return pairs
