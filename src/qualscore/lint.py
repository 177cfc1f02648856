"""Warnings about a rule set that loads but may not say what its authors meant.

A warning never stops scoring: sources are sometimes inconsistent, and the
rule set must keep the source's numbers. The validator reports each one, with
the node's place and the numbers that show the problem:

- declared points that the children's points exceed (the cap binds) or fall
  short of (points that can never be earned), at every level;
- a tier band that awards as much as the band above it (or more);
- an item that reads only true/false facts and still awards points when all
  of them are false.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from .engine import _Scorer, formulas
from .loader import Location, RuleSet
from .model import Category, DeductionsShape, Indicator, Item, PartsShape, Shape, TiersShape
from .trace import BandTrace
from .words import band_text, fmt

__all__ = ["LintWarning", "lint"]


@dataclass(frozen=True, order=True)
class LintWarning:
    """One warning about one node."""

    location: Location
    node: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: warning: {self.node}: {self.message}"


def lint(ruleset: RuleSet) -> list[LintWarning]:
    """Every warning about ``ruleset``, in file order."""
    warnings: list[LintWarning] = []
    for category in ruleset.categories:
        warnings.extend(_points(ruleset, category))
    for item in ruleset.items():
        where = ruleset.locations[item.id]
        for shape in _shapes(item.score):
            warnings.extend(_tiers(where, f"item {item.id}", shape))
        warnings.extend(_nothing_done(ruleset, item, where))
    return sorted(warnings, key=lambda w: (w.location.path, w.location.line, w.location.col))


def _shapes(shape: Shape) -> Iterator[Shape]:
    yield shape
    if isinstance(shape, PartsShape):
        for part in shape.parts:
            if part.score is not None:
                yield from _shapes(part.score)


def _sum_message(total: Decimal, points: Decimal, what: str) -> str | None:
    if total > points:
        return (
            f"its {what} add to {fmt(total)}, more than its declared {fmt(points)} points; "
            f"the cap of {fmt(points)} binds"
        )
    if total < points:
        return (
            f"its {what} add to {fmt(total)}, less than its declared {fmt(points)} points; "
            f"{fmt(points - total)} points can never be earned"
        )
    return None


def _points(ruleset: RuleSet, category: Category) -> Iterator[LintWarning]:
    nodes: list[tuple[str, Category | Indicator | Item, Decimal, str]] = []
    children = sum((c.points for c in category.items), Decimal(0))
    nodes.append((f"category {category.id}", category, children, "children"))
    for child in category.items:
        if isinstance(child, Indicator):
            total = sum((i.points for i in child.items), Decimal(0))
            nodes.append((f"indicator {child.id}", child, total, "items"))
    for item in (c for c in ruleset.items() if c.id in {n.id for n in _all(category)}):
        if isinstance(item.score, PartsShape) and all(p.each is None for p in item.score.parts):
            total = sum((p.points for p in item.score.parts), Decimal(0))
            nodes.append((f"item {item.id}", item, total, "parts"))
    for name, node, total, what in nodes:
        message = _sum_message(total, node.points, what)
        if message:
            yield LintWarning(ruleset.locations[node.id], name, message)


def _all(category: Category) -> Iterator[Item | Indicator]:
    for child in category.items:
        yield child
        if isinstance(child, Indicator):
            yield from child.items


def _penalises(shape: Shape) -> bool:
    """Whether a shape deducts when something holds: there, all-false is the best case."""
    if isinstance(shape, DeductionsShape):
        return any(step.when is not None for step in shape.steps)
    return any(p.score is not None and _penalises(p.score) for p in getattr(shape, "parts", ()))


def _tiers(where: Location, name: str, shape: Shape) -> Iterator[LintWarning]:
    if not isinstance(shape, TiersShape):
        return
    bands = [
        BandTrace(
            b.label or "", b.points, b.lower, b.at_least is not None, b.upper, b.at_most is not None
        )
        for b in shape.bands
    ]
    for above, band in itertools.pairwise(bands):
        if band.points >= above.points:
            same = "as much as" if band.points == above.points else "more than"
            yield LintWarning(
                where,
                name,
                f"band {band_text(band)} awards {fmt(band.points)}, {same} the band above it "
                f"({band_text(above)}, {fmt(above.points)})",
            )


def _nothing_done(ruleset: RuleSet, item: Item, where: Location) -> Iterator[LintWarning]:
    keys = {n for f in formulas(item) for n in f.names}
    if not keys or any(ruleset.fact(k).type != "bool" for k in keys) or _penalises(item.score):
        return
    result = _Scorer(ruleset, dict.fromkeys(keys, False)).item(item, item.id)
    if result.score > 0 and result.not_applicable is None:
        yield LintWarning(
            where,
            f"item {item.id}",
            f"awards {fmt(result.score)} of {fmt(item.points)} "
            "when every condition it reads is false",
        )
