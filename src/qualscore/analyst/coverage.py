"""Tier coverage: which branches of a rule set a set of scored cases reached.

A branch is one outcome the engine can choose for one rule:

- a tier table: each band, and ``otherwise`` (no band matched);
- a list of cases: each case, and ``otherwise``;
- a checklist part: held and not held (``when``), counted and none (``each``);
  a nested shape's own branches;
- a deduction step: applied and not applied; capped at its ``max`` when it has one;
- a formula: evaluated; a target: met and missed;
- an item's ``not_applicable``: holds (the other side is the item's shape);
- a veto: held and not held.

Coverage is the share of branches that at least one case reached, as the
engine's own trace records them. The bonus counts as an item. A branch that no
value in the facts' declared ranges can reach (:func:`unreachable`: a tier
table's ``otherwise`` when its bands hold every value, a step's ``max`` that
can never bind) is not counted, so that 100 % stays reachable; each shape's
module says which of its branches those are (``never``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from qualscore.language.ranges import Span, refine
from qualscore.linting.values import fact_domains, located
from qualscore.ruleset.loader import MANIFEST, Location, RuleSet
from qualscore.ruleset.model import Bonus, Item, Shape
from qualscore.scoring.shapes import module, module_of_trace, never
from qualscore.scoring.trace import ItemResult, Result, ShapeTrace

__all__ = ["Branch", "Key", "branches", "missing", "percent", "reached", "unreachable"]

Loc = tuple[str | int, ...]
Key = tuple[str, Loc, str]
"""A branch: the item (or veto) id, the path of its rule in the item, the outcome."""


@dataclass(frozen=True)
class Branch:
    """One outcome of one rule, and where the rule is written."""

    key: Key
    location: Location
    node: str
    description: str

    def __str__(self) -> str:
        return f"{self.location}: not reached: {self.node}: {self.description}"


def unreachable(ruleset: RuleSet) -> list[tuple[Branch, str]]:
    """Branches no declared value can reach, and why, in file order: what each shape's
    module rules out over the facts' declared ranges (where the item applies). They are
    left out of coverage."""
    out = []
    for node_id, node in _nodes(ruleset):
        domains = _domains(ruleset, node)
        if domains is None:
            continue
        name = "bonus" if node_id == "bonus" else f"item {node_id}"
        texts = {(loc, outcome): text for loc, outcome, text in _item_branches(node)}
        for loc, outcome, why in never(node.score, ("score",), domains):
            where = located(ruleset, node_id, loc)
            out.append((Branch((node_id, loc, outcome), where, name, texts[loc, outcome]), why))
    return out


def _nodes(ruleset: RuleSet) -> list[tuple[str, Item | Bonus]]:
    """Every item, and the bonus, by id."""
    nodes: list[tuple[str, Item | Bonus]] = [(i.id, i) for i in ruleset.items()]
    if ruleset.manifest.bonus is not None:
        nodes.append(("bonus", ruleset.manifest.bonus))
    return nodes


def _domains(ruleset: RuleSet, node: Item | Bonus) -> Mapping[str, Span] | None:
    """The declared ranges of the numbers a node's shape reads (facts, targets and cohort
    values), where it applies; None where it never does."""
    domains = {d.key: Span(*d.bounds, whole=d.type == "count") for d in ruleset.cohort}
    domains.update(fact_domains(ruleset))
    na = node.not_applicable if isinstance(node, Item) else None
    return domains if na is None else refine(na.when.tree, domains, holds=False)


def branches(ruleset: RuleSet) -> list[Branch]:
    """Every branch of the rule set that a declared value can reach, in file order
    (see :func:`unreachable` for the others)."""
    left_out = {b.key for b, _ in unreachable(ruleset)}
    out = []
    for node_id, node in _nodes(ruleset):
        name = "bonus" if node_id == "bonus" else f"item {node_id}"
        for loc, outcome, text in _item_branches(node):
            if (node_id, loc, outcome) in left_out:
                continue
            where = located(ruleset, node_id, loc)
            out.append(Branch((node_id, loc, outcome), where, name, text))
    for i, veto in enumerate(ruleset.manifest.vetoes):
        where = ruleset.locate(MANIFEST, ("vetoes", i))
        for outcome in ("held", "not held"):
            out.append(Branch((veto.id, (), outcome), where, f"veto {veto.id}", outcome))
    return out


def _item_branches(node: Item | Bonus) -> Iterator[tuple[Loc, str, str]]:
    if isinstance(node, Item) and node.not_applicable is not None:
        yield ("not_applicable",), "holds", f"not applicable ({node.not_applicable.reason})"
    yield from _shape_branches(node.score, ("score",))


def _shape_branches(shape: Shape, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    yield from module(shape.kind).branches(shape, loc)


def reached(ruleset: RuleSet, result: Result) -> set[Key]:
    """The branches one scored result went through."""
    found: set[Key] = set()
    items = {i.id: i for i in ruleset.items()}
    for item in result.items:
        rule = items.get(item.id)
        found |= set(_item_reached(item, rule))
    for veto in result.vetoes:
        if veto.applies:  # one that does not apply to the entity is not decided
            found.add((veto.id, (), "held" if veto.held else "not held"))
    return found


def _item_reached(item: ItemResult, rule: Item | None) -> Iterator[Key]:
    if item.shape is None:
        na = rule.not_applicable if rule is not None else None
        if na is not None and item.not_applicable == na.reason:
            yield item.id, ("not_applicable",), "holds"
        return
    for loc, outcome in _trace_reached(item.shape, ("score",)):
        yield item.id, loc, outcome


def _trace_reached(trace: ShapeTrace, loc: Loc) -> Iterator[tuple[Loc, str]]:
    yield from module_of_trace(trace).reached(trace, loc)


def percent(hit: int, total: int) -> Decimal:
    """``hit`` of ``total`` as a percentage, cut (never rounded up) to one decimal place."""
    if total == 0:
        return Decimal(100)
    exact = Decimal(hit * 100) / Decimal(total)
    return exact.quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def missing(all_branches: Iterable[Branch], hit: set[Key]) -> list[Branch]:
    """The branches no case reached, in file order."""
    return [b for b in all_branches if b.key not in hit]
