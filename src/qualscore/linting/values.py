"""What a shape's lint reads about its item: the values its facts may take.

A shape says what is wrong with itself (``lint`` in its module, see
:data:`qualscore.scoring.shapes.OPTIONAL`): a tier table's gaps, overlaps and
bands no value can reach, a formula that can leave what its item may score
([floor, points]; floor 0 unless written; a penalty item's [-points, 0]; a
part's [0, points]). It asks this module, through an :class:`ItemProbe`:

- the facts' declared ranges (:mod:`qualscore.ruleset.ranges`) where the item
  is scored: a count is whole, a percent is 0..100, and an item's score is read
  only where its ``not_applicable`` condition does not hold;
- the highest and lowest values the engine itself computes for a formula over
  those ranges, for facts that pass the rule set's checks: a range's end is
  only a suspicion until a value beyond it is computed. A side that only an
  unbounded fact can push past the cap is a per-unit score capped by the
  item's points, as an ``each`` part is, and is not reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from qualscore.language.ranges import Span, constants, intersect, refine
from qualscore.ruleset.formula import Formula, Value
from qualscore.ruleset.loader import Location, RuleSet, per_ruleset
from qualscore.ruleset.model import FactDecl, Item
from qualscore.ruleset.ranges import fact_span

__all__ = [
    "ItemProbe",
    "fact_domains",
    "item_domains",
    "located",
    "passes_checks",
]

MAX_TRIES = 4096
"""Most fact combinations tried to confirm a formula's range with the engine."""

_ZERO = Decimal(0)
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class ItemProbe:
    """What a shape's ``lint`` asks about the item it scores
    (:class:`qualscore.scoring.shapes.Probe`)."""

    ruleset: RuleSet
    item: Item
    domains: Mapping[str, Span] | None
    """The number facts' ranges where the item is scored (:func:`item_domains`)."""

    def extremes(self, formula: Formula) -> tuple[Extreme | None, Extreme | None]:
        """The highest and lowest values the engine computes for ``formula`` over
        candidate facts in :attr:`domains` that pass the rule set's checks."""
        assert self.domains is not None, "the item is never scored: there is nothing to compute"
        return _extremes(self.ruleset, self.item, formula, self.domains)


def item_domains(ruleset: RuleSet, item: Item) -> Mapping[str, Span] | None:
    """The number facts' ranges where the item is scored; None when it never is.

    The declared ranges are worked out once per rule set, not once per item.
    """
    domains = fact_domains(ruleset)
    if item.not_applicable is None:
        return domains
    return refine(item.not_applicable.when.tree, domains, holds=False)


@per_ruleset
def fact_domains(ruleset: RuleSet) -> Mapping[str, Span]:
    """Every number fact's declared range, worked out once per rule set (do not change it)."""
    numbers = (f for f in ruleset.facts if f.type not in ("bool", "choice"))
    return MappingProxyType({f.key: fact_span(f) for f in numbers})


# --- formulas -----------------------------------------------------------------------


Extreme = tuple[Decimal, dict[str, Value]]
"""A value a formula takes, with the facts that give it."""


def _extremes(
    ruleset: RuleSet, item: Item, formula: Formula, domains: Mapping[str, Span]
) -> tuple[Extreme | None, Extreme | None]:
    """The highest and lowest values the engine computes over candidate facts that pass
    the rule set's checks (of equal values, the first candidate tried).

    The formula is computed for every candidate first; the checks are then asked only
    about the candidates from the top and from the bottom until one passes, so that
    thousands of checks cost a few verdicts per item, not one per candidate.
    """
    condition = item.not_applicable.when if item.not_applicable else None
    names = sorted(set(formula.names) | set(condition.names if condition else ()))
    numbers = constants([formula.tree, *([condition.tree] if condition else [])])
    choices = [_candidates(ruleset, n, domains, numbers) for n in names]
    found: list[Extreme] = []
    for combo in itertools.islice(itertools.product(*choices), MAX_TRIES):
        values = dict(zip(names, combo, strict=True))
        result = _evaluate(formula, condition, values)
        if result is not None:
            found.append((result, values))
    checks = _checks(ruleset)
    highest = sorted(range(len(found)), key=lambda i: (-found[i][0], i))
    high = next((found[i] for i in highest if checks.passes(found[i][1])), None)
    lowest = sorted(range(len(found)), key=lambda i: (found[i][0], i))
    low = next((found[i] for i in lowest if checks.passes(found[i][1])), None)
    return high, low


def _candidates(
    ruleset: RuleSet, name: str, domains: Mapping[str, Span], numbers: set[Decimal]
) -> list[Value]:
    decl = ruleset.fact(name)
    if decl.type == "bool":
        return [False, True]
    if isinstance(decl, FactDecl) and decl.choices is not None:
        return list(decl.choices)
    span = domains[name]
    tries = {span.lo, span.hi, _ZERO, Decimal(1)}
    tries |= {n + d for n in numbers for d in (Decimal(-1), _ZERO, Decimal(1))}
    inside = [v for v in tries if v is not None and intersect(span, Span(v, v)) is not None]
    return sorted(inside)


def _evaluate(
    formula: Formula, condition: Formula | None, values: dict[str, Value]
) -> Decimal | None:
    """The formula's value where the item applies; None where it does not or cannot be computed."""
    try:
        if condition is not None and condition.evaluate(values):
            return None
        result = formula.evaluate(values)
    except (ArithmeticError, TypeError):
        return None
    return result if isinstance(result, Decimal) else None


@dataclass(frozen=True)
class _Group:
    """The checks that read the same facts, and their verdict on each set of values tried."""

    names: tuple[str, ...]
    checks: tuple[Formula, ...]
    verdicts: dict[tuple[Value, ...], bool]

    def passes(self, values: Mapping[str, Value]) -> bool:
        key = tuple(values[n] for n in self.names)
        verdict = self.verdicts.get(key)
        if verdict is None:
            try:
                verdict = all(check.evaluate(values) for check in self.checks)
            except ArithmeticError:  # a check that cannot be computed is not passed
                verdict = False
            self.verdicts[key] = verdict
        return verdict


class _Checks:
    """A rule set's cross-fact checks, grouped by the facts they read.

    A check's verdict depends only on the values of the facts it reads, so each
    group decides each combination of its facts' values once, whatever the
    other facts, items and candidates: the work is linear in the checks, not in
    checks × candidates tried.
    """

    def __init__(self, ruleset: RuleSet) -> None:
        by_names: dict[tuple[str, ...], list[Formula]] = {}
        for check in ruleset.checks.checks:
            if check.applies_to is not None and ruleset.full is None:
                continue  # the whole rule set: an entity it does not apply to may break it
            by_names.setdefault(check.when.names, []).append(check.when)
        self.groups = tuple(_Group(k, tuple(v), {}) for k, v in by_names.items())
        self.applicable: dict[frozenset[str], tuple[_Group, ...]] = {}

    def passes(self, values: Mapping[str, Value]) -> bool:
        keys = frozenset(values)
        groups = self.applicable.get(keys)
        if groups is None:
            groups = tuple(g for g in self.groups if keys.issuperset(g.names))
            self.applicable[keys] = groups
        return all(group.passes(values) for group in groups)


_checks = per_ruleset(_Checks)


def passes_checks(ruleset: RuleSet, values: Mapping[str, Value]) -> bool:
    """Whether ``values`` pass every cross-fact check that reads only facts among them.

    A check that cannot be computed on these values (a division by zero) is not
    passed. Each check's verdict on each combination of the values it reads is
    worked out once per rule set (lint tries many values of the same facts), so
    a rule set with thousands of checks costs each check a few verdicts, not
    one per value tried.
    """
    return _checks(ruleset).passes(values)


def located(ruleset: RuleSet, item_id: str, loc: Loc) -> Location:
    """Where the node at ``loc`` inside the item ``item_id`` is written."""
    name, base = ruleset.node_paths[item_id]
    return ruleset.locate(name, (*base, *loc))
