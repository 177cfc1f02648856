"""What a report needs beyond the scores: headroom, departments, reconciliation.

Pure functions over a :class:`~qualscore.scoring.trace.Result`; the renderers only
lay out what these return.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from qualscore.catalogue import say
from qualscore.scoring.explain import is_bonus
from qualscore.scoring.shapes import headroom as shape_headroom
from qualscore.scoring.shapes import losses
from qualscore.scoring.trace import (
    ItemResult,
    NodeResult,
    Result,
)
from qualscore.scoring.words import fmt, words

__all__ = [
    "DepartmentLoss",
    "Opportunity",
    "clamp",
    "costs",
    "departments",
    "headroom",
    "reconcile",
    "rise",
    "sentence",
]

_ZERO = Decimal(0)


@dataclass(frozen=True)
class Opportunity:
    """One way an item could have earned more.

    Attributes:
        item_id: The item.
        title: The item's title.
        departments: Who owns the points at stake.
        action: What would earn them, in the report's language.
        gain: Points the item would gain.
        effective: Points the total would gain, after indicator and category caps.
    """

    item_id: str
    title: str
    departments: tuple[str, ...]
    action: str
    gain: Decimal
    effective: Decimal


Charge = tuple[str, str, str | None, Decimal, bool, Decimal]
"""(item id, title, part label or None, points lost, shared, cost to the total)."""


@dataclass(frozen=True)
class DepartmentLoss:
    """Points lost on a department's items or parts, and what they cost the total.

    ``items`` holds (item id, title, part label or None, points lost, shared,
    cost): ``shared`` is true when several departments answer for the same
    points; an entry's cost is what the total would gain had that item (or part)
    alone earned its points, through every cap above it (:func:`rise`).
    ``cost`` is what the total would gain had all of them earned their points
    together: less than the entries' costs added up when they share a cap.
    """

    department: str
    lost: Decimal
    items: tuple[Charge, ...]
    cost: Decimal = _ZERO


Paths = dict[str, tuple[NodeResult, ...]]


def _paths(result: Result) -> Paths:
    """Each item's indicator and category, innermost first (the bonus: none)."""
    found: Paths = {}

    def walk(node: NodeResult, above: tuple[NodeResult, ...]) -> None:
        for child in node.children:
            if isinstance(child, NodeResult):
                walk(child, (child, *above))
            else:
                found[child.id] = above

    for category in result.categories:
        walk(category, (category,))
    if result.bonus is not None:
        found[result.bonus.id] = ()
    return found


def clamp(node: NodeResult, total: Decimal) -> Decimal:
    """The score of ``node`` when its children add to ``total``: its cap (a penalty
    section's 0 at most), then its floor (a penalty section's most deduction)."""
    top = _ZERO if node.role == "penalty" else (node.points if node.bounded else None)
    score = total if top is None or total < top else top
    return node.floor if node.floor is not None and score < node.floor else score


def rise(result: Result, gains: dict[str, Decimal], paths: Paths | None = None) -> Decimal:
    """How much the total rises when each item of ``gains`` scores that much more, all
    together, through every cap and floor above them (exact).

    One item alone: what it gives the total; an item under a capped category gives
    nothing. ``paths`` (from a previous call's result) saves walking the tree again.
    """
    paths = paths if paths is not None else _paths(result)
    total = _ZERO
    level: dict[int, tuple[tuple[NodeResult, ...], Decimal]] = {}
    for item_id, gain in gains.items():
        path = paths[item_id]
        if not path:
            total += gain  # the bonus: its own points are its cap
            continue
        before = level.get(id(path[0]), (path, _ZERO))[1]
        level[id(path[0])] = (path, before + gain)
    while level:  # indicators, then categories: each node's change goes to its parent
        above: dict[int, tuple[tuple[NodeResult, ...], Decimal]] = {}
        for path, change in level.values():
            node = path[0]
            change = clamp(node, node.sum + change) - clamp(node, node.sum)
            if len(path) == 1:
                total += change
                continue
            before = above.get(id(path[1]), (path[1:], _ZERO))[1]
            above[id(path[1])] = (path[1:], before + change)
        level = above
    return total


def costs(result: Result) -> dict[str, Decimal]:
    """What each item's lost points cost the total: how much the total would rise had
    that item alone earned full points (0 under a capped category). Unearned bonus is
    no loss: bonus items are left out, as are items that do not apply."""
    paths = _paths(result)
    return {
        item.id: rise(result, {item.id: item.lost}, paths)
        for item in result.items
        if item.lost > 0 and not is_bonus(item)
    }


def headroom(result: Result, language: str) -> list[Opportunity]:
    """Every opportunity, most points to the total first."""
    found: list[Opportunity] = []
    paths = _paths(result)
    for item in result.items:
        for o in _item_opportunities(item, language):
            found.append(replace(o, effective=rise(result, {item.id: o.gain}, paths)))
    order = {item.id: i for i, item in enumerate(result.items)}
    return sorted(found, key=lambda o: (-o.effective, -o.gain, order[o.item_id]))


def _item_opportunities(item: ItemResult, language: str) -> Iterator[Opportunity]:
    """The item's ways to earn more, each with what the item gains (``effective`` too:
    what the total gains is for :func:`headroom` to work out, through the caps).

    An item with no cap (``points: none``) loses nothing, yet may earn more: what a
    shape says it would gain, where that is a number (not where the facts decide)."""
    top = _ZERO if item.role == "penalty" else item.points
    if item.shape is None or (item.lost <= 0 and top is not None):
        return
    signed = item.role == "penalty" or item.floor != 0
    for departments, action, gain in shape_headroom(item.shape, item.inputs, language):
        if signed and gain.is_finite():
            # What the item gains once its own floor and top are applied to the raw value.
            low = item.floor
            raw = item.raw + gain
            raw = top if top is not None and raw > top else raw
            raw = low if low is not None and raw < low else raw
            gain = raw - item.score
        gain = min(gain, item.lost) if top is not None else gain
        if gain > 0 and gain.is_finite():
            yield Opportunity(
                item.id, item.title, departments or item.departments, action, gain, gain
            )


def departments(result: Result) -> list[DepartmentLoss]:
    """Points lost per department, each part charged to its own owner, with what they
    cost the total after caps; most cost first (then most lost, then by name).

    Unearned bonus (the scheme's bonus, a bonus section's items) is not lost.
    """
    paths = _paths(result)
    by_id = {item.id: item for item in result.items}
    losses: dict[str, list[Charge]] = {}
    for item in by_id.values():
        if is_bonus(item):
            continue
        for owners, part, lost in _losses(item):
            cost = rise(result, {item.id: min(lost, item.lost)}, paths)
            for owner in owners:
                losses.setdefault(owner, []).append(
                    (item.id, item.title, part, lost, len(owners) > 1, cost)
                )
    out = []
    for name, entries in losses.items():
        together: dict[str, Decimal] = {}
        for entry in entries:
            together[entry[0]] = together.get(entry[0], _ZERO) + entry[3]
        owed = {i: min(lost, by_id[i].lost) for i, lost in together.items()}
        lost = sum((e[3] for e in entries), _ZERO)
        out.append(DepartmentLoss(name, lost, tuple(entries), rise(result, owed, paths)))
    return sorted(out, key=lambda d: (-d.cost, -d.lost, d.department))


def _losses(item: ItemResult) -> Iterator[tuple[tuple[str, ...], str | None, Decimal]]:
    """Who answers for the item's lost points: the parts that name their own departments
    (the shape says: :func:`qualscore.scoring.shapes.losses`), the item's the rest."""
    if item.lost <= 0:
        return
    owned = _ZERO
    for departments, part, lost in losses(item.shape) if item.shape is not None else ():
        owned += lost
        yield departments or item.departments, part, lost
    rest = item.lost - owned
    if rest > 0:
        yield item.departments, None, rest


def reconcile(result: Result) -> list[str]:
    """Every way the result fails to add up (empty when it reconciles)."""
    problems: list[str] = []

    def node(n: NodeResult) -> None:
        total = sum((c.score for c in n.children), _ZERO)
        want = clamp(n, total)
        if total != n.sum or n.score != want:
            problems.append(f"{n.kind} {n.id}: children add to {fmt(total)}, scored {fmt(n.score)}")
        for c in n.children:
            if isinstance(c, NodeResult):
                node(c)
                continue
            high = _ZERO if c.role == "penalty" else c.points
            if not (c.floor is None or c.floor <= c.score) or not (high is None or c.score <= high):
                low = "-∞" if c.floor is None else fmt(c.floor)
                up = "∞" if high is None else fmt(high)
                problems.append(f"item {c.id}: {fmt(c.score)} outside [{low}, {up}]")

    for category in result.categories:
        node(category)
    total = sum((c.score for c in result.categories), _ZERO)
    total += result.bonus.score if result.bonus else _ZERO
    if total != result.total:
        problems.append(f"total: parts add to {fmt(total)}, total is {fmt(result.total)}")
    return problems


def next_step(item: ItemResult, language: str) -> str | None:
    """What would earn the item the most more, in words; None at full points."""
    best = next(iter(_item_opportunities(item, language)), None)
    if best is None:
        return None
    return say(language, "next_gain", action=best.action, gain=fmt_gain(best.gain))


def fmt_gain(value: Decimal) -> str:
    """A gain as shown: at most 2 decimals (``≈`` when rounded); exact values stay in JSON."""
    from qualscore.scoring.working import number_text

    return number_text(value, 2)


def sentence(item: ItemResult, language: str) -> str:
    """The item's explanation as one sentence, with what would have earned more."""
    from qualscore.scoring.explain import explain, judged_only, judgement_lines

    w = words(language)
    lines = [line.strip() for line in explain(item, language)]
    # How its verdict was decided comes last: said after the score, not merged into it.
    judged = [] if judged_only(item) else judgement_lines(item.judgement, item.verdict, language)
    if judged and lines[-len(judged) :] == judged:
        lines = lines[: -len(judged)]
    if len(lines) == 2 and lines[0].endswith(say(language, "sentence_tail", score=fmt(item.score))):
        # One band, case or target decided it: say the score once, with what was lost.
        lines = [lines[0] + _said_points(item, language)]
    # A line that ends in its colon (a deduction step's label) runs on into the next.
    # (The lines are stripped: an English ": " is ":" here, and gets its space back.)
    colon = w["colon"]
    bare = colon.rstrip()
    joined: list[str] = []
    for line in lines + judged:
        if joined and joined[-1].endswith(bare):
            joined[-1] += colon[len(bare) :] + line
        else:
            joined.append(line)
    text = w["list_sep"].join(joined)
    step = next_step(item, language)
    if step is not None:
        text += w["list_sep"] + step
    return text + w["stop"]


def _said_points(item: ItemResult, language: str) -> str:
    """What a one-line sentence adds after the score: no cap, the bonus's most, or the
    item's points and what was lost."""
    w = words(language)
    if item.points is None:  # no cap: nothing is out of reach, nothing lost
        return f"{w['lp']}{w['no_cap']}{w['rp']}"
    if is_bonus(item):  # extra points: none are lost
        return say(language, "sentence_bonus", points=fmt(item.points))
    return say(language, "sentence_lost", points=fmt(item.points), lost=fmt(item.lost))
