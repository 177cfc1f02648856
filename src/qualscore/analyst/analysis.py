"""What a report needs beyond the scores: headroom, departments, reconciliation.

Pure functions over a :class:`~qualscore.scoring.trace.Result`; the renderers only
lay out what these return.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from qualscore.scoring.explain import value_text
from qualscore.scoring.trace import (
    CasesTrace,
    DeductionsTrace,
    FormulaTrace,
    Input,
    ItemResult,
    NodeResult,
    PartsTrace,
    Result,
    ShapeTrace,
    TargetTrace,
    TiersTrace,
)
from qualscore.scoring.words import band_text, fmt

__all__ = ["DepartmentLoss", "Opportunity", "departments", "headroom", "reconcile", "sentence"]

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


@dataclass(frozen=True)
class DepartmentLoss:
    """Points lost on a department's items or parts.

    ``items`` holds (item id, title, part label or None, points lost, shared):
    ``shared`` is true when several departments answer for the same points.
    """

    department: str
    lost: Decimal
    items: tuple[tuple[str, str, str | None, Decimal, bool], ...]


def headroom(result: Result, language: str) -> list[Opportunity]:
    """Every opportunity, most points to the total first."""
    found: list[Opportunity] = []
    for category in result.categories:
        cat_room = max(category.points - category.sum, _ZERO)
        if category.role == "penalty" or not category.bounded:
            # No cap above: a deduction avoided counts in full, unless the section's own
            # most deduction binds (then avoiding one may give nothing back).
            cat_room = _ZERO if category.capped else Decimal("Infinity")
        for child in category.children:
            if isinstance(child, NodeResult):
                room = min(max(child.points - child.sum, _ZERO), cat_room)
                items = [c for c in child.children if isinstance(c, ItemResult)]
            else:
                room, items = cat_room, [child]
            for item in items:
                found.extend(_item_opportunities(item, room, language))
    if result.bonus is not None:
        found.extend(_item_opportunities(result.bonus, result.bonus.points, language))
    order = {item.id: i for i, item in enumerate(result.items())}
    return sorted(found, key=lambda o: (-o.effective, -o.gain, order[o.item_id]))


def _item_opportunities(item: ItemResult, room: Decimal, language: str) -> Iterator[Opportunity]:
    if item.shape is None or item.lost <= 0:
        return
    signed = item.role == "penalty" or item.floor != 0
    top = _ZERO if item.role == "penalty" else item.points
    for departments, action, gain in _shape(item.shape, item.inputs, language):
        if signed and gain.is_finite():
            # What the item gains once its own floor and top are applied to the raw value.
            low = item.floor
            raw = item.raw + gain
            raw = top if raw > top else raw
            raw = low if low is not None and raw < low else raw
            gain = raw - item.score
        gain = min(gain, item.lost)
        if gain > 0:
            yield Opportunity(
                item.id, item.title, departments or item.departments, action, gain, min(gain, room)
            )


Found = Iterator[tuple[tuple[str, ...], str, Decimal]]


def _shape(shape: ShapeTrace, inputs: tuple[Input, ...], language: str) -> Found:
    zh = language == "zh"
    if isinstance(shape, PartsTrace):
        for part in shape.parts:
            room = part.points - part.awarded
            if part.points < 0 and part.awarded < 0:
                action = f"避免「{part.label}」" if zh else f'avoid "{part.label}"'
                yield part.departments, action, -part.awarded
            elif part.kind == "when" and not part.held:
                yield (
                    part.departments,
                    (f"完成「{part.label}」" if zh else f'do "{part.label}"'),
                    room,
                )
            elif part.kind == "score" and part.inner is not None and room > 0:
                for deps, action, gain in _shape(part.inner, inputs, language):
                    yield deps or part.departments, action, min(gain, room)
    elif isinstance(shape, TiersTrace):
        yield from _tiers(shape, inputs, zh)
    elif isinstance(shape, CasesTrace):
        better = [i for i, p in enumerate(shape.points) if p > shape.value]
        if better:
            i = better[-1]
            label = shape.labels[i]
            yield (
                (),
                (f"符合「{label}」" if zh else f'meet "{label}"'),
                shape.points[i] - shape.value,
            )
    elif isinstance(shape, DeductionsTrace):
        for step in shape.steps:
            if step.applied and step.deducted > 0:
                action = (
                    f"消除扣分「{step.label}」" if zh else f'avoid the deduction "{step.label}"'
                )
                yield (), action, step.deducted
    elif isinstance(shape, TargetTrace) and not shape.met:
        verb = {"at_least": "达到", "above": "超过", "below": "低于", "at_most": "不超过"}
        goal, short = fmt_gain(shape.target), fmt_gain(shape.shortfall)
        if zh:
            action = f"{verb[shape.met_when]}目标 {goal}（差 {short}）"
        else:
            action = f"meet the target {goal} (short by {short})"
        yield (), action, shape.value if shape.value else Decimal("Infinity")
    elif isinstance(shape, FormulaTrace):
        name = shape.label or shape.expr
        yield (), (f"提高「{name}」" if zh else f'raise "{name}"'), Decimal("Infinity")


def _tiers(shape: TiersTrace, inputs: tuple[Input, ...], zh: bool) -> Found:
    better = [i for i, b in enumerate(shape.bands) if b.points > shape.value]
    if shape.matched is not None:
        better = [i for i in better if i < shape.matched]
    if not better:
        return
    band = shape.bands[better[-1]]
    unit = next((i.unit for i in inputs if i.key == shape.expr), shape.unit)
    if shape.better == "higher" and band.lower is not None:
        bound = value_text(band.lower, unit)
        verb = (
            ("达到" if band.lower_inclusive else "超过")
            if zh
            else ("reach" if band.lower_inclusive else "exceed")
        )
    elif band.upper is not None:
        bound = value_text(band.upper, unit)
        verb = (
            ("不超过" if band.upper_inclusive else "低于")
            if zh
            else ("stay at or below" if band.upper_inclusive else "get below")
        )
    else:
        bound, verb = "", ""
    text = band_text(band)
    action = f"{verb} {bound}（「{text}」档）" if zh else f'{verb} {bound} (band "{text}")'
    yield (), action, band.points - shape.value


def departments(result: Result) -> list[DepartmentLoss]:
    """Points lost per department, most first; each part charged to its own owner."""
    losses: dict[str, list[tuple[str, str, str | None, Decimal, bool]]] = {}
    for item in result.items():
        if item.id == "bonus":
            continue  # the bonus is extra: points not won there are not lost
        for owners, part, lost in _losses(item):
            for owner in owners:
                losses.setdefault(owner, []).append(
                    (item.id, item.title, part, lost, len(owners) > 1)
                )
    out = [
        DepartmentLoss(name, sum((e[3] for e in entries), _ZERO), tuple(entries))
        for name, entries in losses.items()
    ]
    return sorted(out, key=lambda d: (-d.lost, d.department))


def _losses(item: ItemResult) -> Iterator[tuple[tuple[str, ...], str | None, Decimal]]:
    shape = item.shape
    if item.lost <= 0:
        return
    if isinstance(shape, PartsTrace) and any(p.departments for p in shape.parts):
        owned = _ZERO
        for part in shape.parts:
            lost = part.points - part.awarded if part.kind != "each" else _ZERO
            if lost > 0:
                owned += lost
                yield part.departments or item.departments, part.label, lost
        rest = item.lost - owned
        if rest > 0:
            yield item.departments, None, rest
        return
    yield item.departments, None, item.lost


def reconcile(result: Result) -> list[str]:
    """Every way the result fails to add up (empty when it reconciles)."""
    problems: list[str] = []

    def node(n: NodeResult) -> None:
        total = sum((c.score for c in n.children), _ZERO)
        top = _ZERO if n.role == "penalty" else (n.points if n.bounded else None)
        want = total if top is None or total < top else top
        want = n.floor if n.floor is not None and want < n.floor else want
        if total != n.sum or n.score != want:
            problems.append(f"{n.kind} {n.id}: children add to {fmt(total)}, scored {fmt(n.score)}")
        for c in n.children:
            if isinstance(c, NodeResult):
                node(c)
                continue
            high = _ZERO if c.role == "penalty" else c.points
            if not (c.floor is None or c.floor <= c.score) or not c.score <= high:
                low = "-∞" if c.floor is None else fmt(c.floor)
                problems.append(f"item {c.id}: {fmt(c.score)} outside [{low}, {fmt(high)}]")

    for category in result.categories:
        node(category)
    total = sum((c.score for c in result.categories), _ZERO)
    total += result.bonus.score if result.bonus else _ZERO
    if total != result.total:
        problems.append(f"total: parts add to {fmt(total)}, total is {fmt(result.total)}")
    return problems


def next_step(item: ItemResult, language: str) -> str | None:
    """What would earn the item the most more, in words; None at full points."""
    best = next(iter(_item_opportunities(item, item.lost, language)), None)
    if best is None:
        return None
    gain = fmt_gain(best.gain)
    return (
        f"{best.action}可再得 {gain} 分"
        if language == "zh"
        else (f"{best.action} would earn {gain} more")
    )


def fmt_gain(value: Decimal) -> str:
    """A gain as shown: at most 2 decimals (``≈`` when rounded); exact values stay in JSON."""
    from qualscore.scoring.working import number_text

    return number_text(value, 2)


def sentence(item: ItemResult, language: str) -> str:
    """The item's explanation as one sentence, with what would have earned more."""
    from qualscore.scoring.explain import explain

    zh = language == "zh"
    lines = [line.strip() for line in explain(item, language)]
    tail = f"得 {fmt(item.score)} 分" if zh else f", {fmt(item.score)} pt"
    if len(lines) == 2 and lines[0].endswith(tail):
        # One band, case or target decided it: say the score once, with what was lost.
        extra = (
            f"（满分 {fmt(item.points)} 分，失 {fmt(item.lost)} 分）"
            if zh
            else f" (of {fmt(item.points)}, lost {fmt(item.lost)})"
        )
        lines = [lines[0] + extra]
    text = ("；" if zh else "; ").join(lines)
    best = next(iter(_item_opportunities(item, item.lost, language)), None)
    if best is not None:
        gain = fmt_gain(best.gain)
        text += (
            f"；{best.action}可再得 {gain} 分" if zh else f"; {best.action} would earn {gain} more"
        )
    return text + ("。" if zh else ".")
