"""What a batch keeps of each scored entity, and the ranking of them.

A :class:`Row` is compact — its scores, targets and, when asked, department
losses and what they cost the total — rather than a whole trace, so that a
batch of many entities holds little per entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from qualscore.ruleset.loader import RuleSet
from qualscore.scoring import shapes
from qualscore.scoring.trace import Result

__all__ = [
    "Cell",
    "Ranked",
    "Row",
    "completion",
    "rank_key",
    "ranking",
    "ranks",
    "share",
    "sort_key",
    "target_items",
]


@dataclass(frozen=True)
class Cell:
    """One target of one entity: met, missed by ``shortfall``, or not applicable."""

    state: str  # "met" | "missed" | "na"
    shortfall: Decimal | None = None
    actual: Decimal | None = None
    target: Decimal | None = None
    relation: str | None = None


@dataclass(frozen=True)
class Row:
    """What a batch keeps of one scored entity."""

    name: str
    total: Decimal
    vetoed: bool
    result_label: str | None
    facts_sha256: str
    scores: tuple[Decimal | None, ...]  # every item in rule-set order, the bonus last (None: n/a)
    cells: tuple[Cell, ...]  # the target items, in order
    share: Decimal | None  # targets met / applicable, in percent
    losses: tuple[tuple[str, Decimal], ...] | None = None  # per department, with detail
    group: str | None = None  # the entity's group: rankings are per group
    grade: str | None = None
    notes: tuple[tuple[str, str, Decimal | None], ...] | None = None
    """With detail: (item id, explanation, points lost or None when it does not apply)."""
    cohort: tuple[tuple[str, Decimal], ...] = ()
    """The cohort values it was scored with, by key (what ``evaluate --cohort`` reads)."""
    costs: tuple[tuple[str, Decimal], ...] | None = None
    """With detail: per department, what its lost points cost the total, through every cap
    (how much the total would rise had the department lost none)."""
    verdict: str | None = None
    """The scheme's verdict in words (达标 / 未达标), where it has one."""
    not_met: str | None = None
    """The ids of the nodes whose verdict is not met, in order (``1.2 3``), where the
    scheme gives nodes verdicts."""
    categories: tuple[Decimal | None, ...] = ()
    """Each category's score, in the rule set's order, as the engine capped it, then the
    scheme's bonus where it has one (None: it does not apply to the entity's group)."""

    @property
    def result(self) -> str:
        """``"vetoed"`` or ``"scored"``."""
        return "vetoed" if self.vetoed else "scored"


def target_items(ruleset: RuleSet) -> tuple[str, ...]:
    """The ids of the items that score an actual against a target."""
    return tuple(i.id for i in ruleset.items() if shapes.completes(i.score))


def completion(result: Result, targets: Sequence[str]) -> tuple[dict[str, Cell], Decimal | None]:
    """The entity's targets (item id -> cell) and its completion share in percent.

    The share is met / applicable, rounded half up to 0.01 %; None when the
    entity has no applicable target.
    """
    cells: dict[str, Cell] = {}
    for item_id in targets:
        done = shapes.completion(result.item(item_id).shape)
        if done is None:  # the item did not apply
            cells[item_id] = Cell("na")
        else:
            state = "met" if done.met else "missed"
            cells[item_id] = Cell(state, done.shortfall, done.actual, done.target, done.met_when)
    return cells, share(list(cells.values()))


def share(cells: Sequence[Cell]) -> Decimal | None:
    """Targets met / applicable, in percent, rounded to 0.01 %; None when none applies."""
    applicable = [c for c in cells if c.state != "na"]
    if not applicable:
        return None
    met = sum(1 for c in applicable if c.state == "met")
    return (Decimal(met) * 100 / len(applicable)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Ranked:
    """One line of a ranking."""

    rank: int
    row: Row

    @property
    def name(self) -> str:
        """The entity's name."""
        return self.row.name


def ranking(rows: Iterable[Row]) -> list[Ranked]:
    """Rows by total, highest first; a vetoed entity after every other.

    Equal totals share a rank (1, 2, 2, 4) and are listed by name. Entities of
    entity groups are ranked within their group (groups in name order).
    """
    ordered = sorted(rows, key=sort_key)
    numbers = ranks(sort_key(row) for row in ordered)
    return [Ranked(rank, row) for rank, row in zip(numbers, ordered, strict=True)]


def ranks(keys: Iterable[tuple[str, bool, Decimal, str]]) -> Iterator[int]:
    """The rank of each of ``keys``, :func:`sort_key` values in their sorted order: equal
    totals share a rank (1, 2, 2, 4), and each entity group is ranked on its own."""
    rank, previous, start = 0, None, 0
    for i, (group, vetoed, total, _name) in enumerate(keys):
        if previous is not None and previous[0] != group:
            start = i
        if (group, vetoed, total) != previous:
            rank, previous = i - start + 1, (group, vetoed, total)
        yield rank


def rank_key(row: Row) -> tuple[bool, Decimal, str]:
    """The sort key of the ranking: not vetoed first, then highest total, then name."""
    return (row.vetoed, -row.total, row.name)


def sort_key(row: Row) -> tuple[str, bool, Decimal, str]:
    """Where a row goes in a batch's output: by group, then as :func:`rank_key`."""
    return (row.group or "", *rank_key(row))
