"""What reads what: named values, node scores and verdicts, in one graph.

A formula reads facts, cohort values and named values by name, and nodes by
function: ``score('2.1')``, ``applies('2.1')`` (both worked out with the node's
score) and ``met('2.1')`` (its verdict). Each of these is a *unit* of one
entity's evaluation:

- ``("value", key)``: a named value (``facts.yaml``'s ``values:``);
- ``("score", id)``: an item's, indicator's or section's score (and whether it
  applies), the bonus's (``bonus``) or the total's (``total``);
- ``("verdict", id)``: a node's verdict; ``("verdict", "")`` the scheme's.

A unit depends on the units its formulas read, a parent's score on its
children's, a verdict on its node's score. :func:`graph` gives every unit's
dependencies; :func:`order` the units in declaration order, each after what it
reads (what the generated code runs); :func:`check` every read of a node that
does not exist, every ``met`` of a node with no verdict and every cycle, each
at its place in the rule files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qualscore.ruleset.cohort import TOTAL, depth_first
from qualscore.ruleset.formula import Formula
from qualscore.ruleset.model import (
    Bonus,
    Category,
    Indicator,
    Item,
    Manifest,
    ValueDecl,
    formulas_in,
)
from qualscore.source.suggest import MAX_SEARCHES, Suggestions

__all__ = ["SCHEME", "TOTAL", "Graph", "Unit", "graph", "item_formulas", "unit_of"]

Unit = tuple[str, str]
SCHEME = ""
"""The node id of the scheme's own verdict: ``("verdict", SCHEME)``."""


def unit_of(function: str, node: str) -> Unit:
    """The unit a node read reads: ``met`` a verdict, ``score``/``applies`` a score."""
    return ("verdict" if function == "met" else "score", node)


def item_formulas(item: Item | Bonus) -> Iterator[Formula]:
    """The formulas an item's score reads (its verdict aside)."""
    if isinstance(item, Item) and item.not_applicable is not None:
        yield item.not_applicable.when
    yield from formulas_in(item.score)


@dataclass(frozen=True)
class Graph:
    """Every unit of a rule set, in declaration order, with what it depends on."""

    deps: Mapping[Unit, tuple[Unit, ...]]
    verdicts: frozenset[str]
    """The nodes that have a verdict (``SCHEME`` for the scheme's own)."""

    def order(self) -> list[Unit]:
        """The units in declaration order, each after what it depends on (no cycles)."""
        return depth_first(self.deps, self.deps)[0]

    def cycles(self) -> list[list[Unit]]:
        """Every cycle met walking the graph, each from its first unit back to it."""
        return depth_first(self.deps, self.deps)[1]


def _reads(formulas: Iterable[Formula], values: Mapping[str, ValueDecl]) -> list[Unit]:
    out: list[Unit] = []
    for formula in formulas:
        out += [("value", n) for n in formula.names if n in values]
        out += [unit_of(f, n) for f, n in formula.nodes]
    return list(dict.fromkeys(out))


def graph(categories: Sequence[Category], manifest: Manifest, values: Sequence[ValueDecl]) -> Graph:
    """The units of a rule set and what each depends on."""
    named = {v.key: v for v in values}
    deps: dict[Unit, tuple[Unit, ...]] = {}
    verdicts: set[str] = set()

    def verdict(node_id: str, node: Any) -> None:
        if node.verdict is not None:
            verdicts.add(node_id)
            own = ("score", node_id) if node_id != SCHEME else ("score", TOTAL)
            deps[("verdict", node_id)] = (own, *_reads([node.verdict.met], named))

    for decl in values:
        deps.setdefault(("value", decl.key), tuple(_reads([decl.expr], named)))
    tops: list[Unit] = []
    for category in categories:
        children: list[Unit] = []
        for child in category.items:
            if isinstance(child, Indicator):
                inner = []
                for item in child.items:
                    deps[("score", item.id)] = tuple(_reads(item_formulas(item), named))
                    verdict(item.id, item)
                    inner.append(("score", item.id))
                deps[("score", child.id)] = tuple(inner)
                verdict(child.id, child)
            else:
                deps[("score", child.id)] = tuple(_reads(item_formulas(child), named))
                verdict(child.id, child)
            children.append(("score", child.id))
        deps[("score", category.id)] = tuple(children)
        verdict(category.id, category)
        tops.append(("score", category.id))
    if manifest.bonus is not None:
        deps[("score", "bonus")] = tuple(_reads(item_formulas(manifest.bonus), named))
        tops.append(("score", "bonus"))
    deps[("score", TOTAL)] = tuple(tops)
    verdict(SCHEME, manifest)
    return Graph(deps, frozenset(verdicts))


def node_ids(categories: Sequence[Category], manifest: Manifest) -> list[str]:
    """Every node a formula may read: items, indicators, sections, the bonus, the total."""
    ids: list[str] = []
    for category in categories:
        ids.append(category.id)
        for child in category.items:
            ids.append(child.id)
            if isinstance(child, Indicator):
                ids += [i.id for i in child.items]
    if manifest.bonus is not None:
        ids.append("bonus")
    ids.append(TOTAL)
    return ids


def describe(unit: Unit) -> str:
    """A unit in words, for a cycle's chain."""
    kind, name = unit
    if kind == "value":
        return f"value {name!r}"
    if kind == "verdict":
        return "the scheme's verdict" if name == SCHEME else f"the verdict of {name!r}"
    return "the total" if name == TOTAL else f"the score of {name!r}"


def unknown_reads(
    formula: Formula, known: set[str], verdicts: frozenset[str], suggestions: Suggestions
) -> Iterator[str]:
    """What is wrong with the node reads of ``formula``, one message each."""
    for function, node in formula.nodes:
        if node not in known:
            yield f"{function}({node!r}): no item, indicator or section {node!r}" + (
                suggestions.hint(node)
            )
        elif function == "met" and node not in verdicts:
            yield (
                f"met({node!r}): {node!r} has no verdict; give it one (verdict: {{met: …}}) "
                "or read its score"
            )


def suggestions_for(ids: Iterable[str]) -> Suggestions:
    """One bounded "did you mean" for every unknown node a rule set reads."""
    return Suggestions(ids, searches=MAX_SEARCHES)
