"""Scoring against the cohort: ranks, shares of the best, means, spreads, across the entities.

A cohort value (``facts.yaml``'s ``cohort:``) is worked out in three steps,
level by level (:attr:`RuleSet.cohort_levels`):

1. :func:`own_values`: each entity's own value of it (a formula of its facts,
   or a node's score, scored with the levels before known; with its weight for a
   weighted mean, and 1 or 0, whether its condition holds, for a ``count_if``);
2. :func:`aggregate`: across the entities of its scope, each entity's value
   (its rank, its share of the best, the scope's mean, standard deviation, …)
   with how it was worked out (:class:`~qualscore.scoring.trace.CohortEntry`;
   the sums and spreads by :mod:`qualscore.language.statistics`);
3. the entities are scored with every value known
   (:func:`qualscore.scoring.together.evaluate_cohort`).

Step 1 is per entity and step 2 needs only one number per entity and value,
so a batch runs step 1 in its worker processes and keeps only those columns.
Nothing depends on the order the entities come in: ranks are by value, ties
share a rank, and every list of entities is in name order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from qualscore._decimal import plain
from qualscore.errors import CohortError, EvaluationError, Problem
from qualscore.language import statistics
from qualscore.ruleset.cohort import TOTAL
from qualscore.ruleset.formula import Formula, Value
from qualscore.ruleset.loader import RuleSet
from qualscore.ruleset.model import RANKS, SPREADS, CohortDecl, Indicator
from qualscore.scoring.plan import MODES, Scores, plan
from qualscore.scoring.runtime import ERRORS, reason
from qualscore.scoring.trace import CohortEntry

__all__ = ["CohortSummary", "Own", "Weighted", "aggregate", "own_values", "unit_of"]

_ZERO = Decimal(0)
_ONE = Decimal(1)
_TWO = Decimal(2)
Values = Mapping[str, Any]


class Weighted(NamedTuple):
    """An entity's own value of a weighted mean: its value and its weight (>= 0)."""

    value: Decimal
    weight: Decimal


Own = Decimal | Weighted | None
"""An entity's own value of a cohort value: a number (for a ``count_if``, 1 or 0:
whether its condition holds), a :class:`Weighted` one, or None (it has none)."""


@dataclass(frozen=True)
class CohortSummary:
    """One cohort value over one scope: who it was computed from, and its value there
    (a mean, a median, …; for a rank or share, the best value); ``left_out``: the
    entities of the scope with no value (the node does not apply to them, a blank
    target), in no aggregate."""

    key: str
    label: str
    stat: str
    scope: str
    entities: tuple[str, ...]
    value: Decimal | None
    leaders: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    working: tuple[tuple[str, Decimal], ...] = ()
    """How a sum, spread, weighted mean or count_if was worked out
    (:class:`~qualscore.language.statistics.Worked`), and ``unrounded``: its value before
    ``places``."""


# --- step 1: each entity's own value --------------------------------------------------


def own_values(view: RuleSet, decls: Sequence[CohortDecl], values: Values) -> dict[str, Own]:
    """The entity's own value of each of ``decls`` (None: it has none to compare).

    ``view`` is the rule set as it applies to the entity, ``values`` its facts
    and the cohort values of the levels before. A value scoped to a group the entity
    is not in is not worked out for it (None): it is not compared there.

    Raises:
        EvaluationError: a formula failed on the entity's values, or a weight is below 0.
    """
    out: dict[str, Own] = {}
    entity = _Entity(view, values)
    for decl in decls:
        if decl.scope not in ("all", "group") and decl.scope != view.group:
            out[decl.key] = None  # scoped to another group: not compared, so not worked out
            continue
        if decl.when is not None:  # count_if: 1 where it holds, 0 where not
            held = entity.run(decl, decl.when)
            out[decl.key] = None if held is None else (_ONE if held else _ZERO)
            continue
        if decl.of is not None:
            value: Any = entity.run(decl, decl.of)
        else:
            value = _score_of(view, entity.scores, decl.score or "")
        assert value is None or isinstance(value, Decimal)
        out[decl.key] = value if decl.weight is None else _weighted(decl, value, entity)
    return out


class _Entity:
    """One entity's values, and its scores once a cohort value needs them (the score of
    a node, a named value worked out with the scores)."""

    def __init__(self, view: RuleSet, values: Values) -> None:
        self.view = view
        self.values = values
        self.named = {v.key for v in view.values}

    @cached_property
    def scores(self) -> Scores:
        return plan(self.view).score(self.values)

    def run(self, decl: CohortDecl, formula: Formula) -> Value | None:
        """``formula`` on the entity's values; None where a value it reads is missing (a
        blank target, a cohort value the entity has none of).

        Raises:
            EvaluationError: the formula failed.
        """
        reading = self.values
        if any(n in self.named for n in formula.names):  # worked out with the scores
            worked = {k: v for k, v in self.scores.values.items() if v is not None}
            reading = {**self.values, **worked}
        if any(n not in reading or reading[n] is None for n in formula.names):
            return None
        try:
            return formula.evaluate(reading)
        except ERRORS as exc:
            message = f"{formula.source.strip()}: {reason(exc)}"
            raise EvaluationError(decl.key, message, what="cohort value") from exc


def _weighted(decl: CohortDecl, value: Decimal | None, entity: _Entity) -> Weighted | None:
    """The entity's value with its weight; None where either is missing.

    Raises:
        EvaluationError: the weight is below 0, or its formula failed.
    """
    assert decl.weight is not None
    weight = entity.run(decl, decl.weight)
    if value is None or weight is None:
        return None
    assert isinstance(weight, Decimal)
    if weight < 0:
        message = (
            f"weight {decl.weight.source.strip()} is {plain(weight)}, and a weight cannot be "
            "below 0"
        )
        raise EvaluationError(decl.key, message, what="cohort value")
    return Weighted(value, weight)


def _score_of(view: RuleSet, scores: Scores, node: str) -> Decimal | None:
    """The score of ``node`` (an item, indicator, category or the total); None where the
    node does not apply to the entity: not in its view (``applies_to``), an item that
    did not apply, or a parent none of whose items applied. What a node awards when it
    does not apply is no value to compare."""
    if node == TOTAL:
        return scores.total
    if node in scores.items:
        return None if node in scores.not_applicable else scores.items[node]
    value = scores.nodes.get(node)
    if value is None or not scores.not_applicable:
        return value
    items = _items_under(view, node)
    if items and all(i in scores.not_applicable for i in items):
        return None
    return value


def _items_under(view: RuleSet, node: str) -> tuple[str, ...]:
    """The ids of the items of the indicator or category ``node`` (as it applies)."""
    for category in view.categories:
        found: list[str] = []
        for child in category.items:
            inner = [i.id for i in child.items] if isinstance(child, Indicator) else [child.id]
            if child.id == node:
                return tuple(inner)
            found.extend(inner)
        if category.id == node:
            return tuple(found)
    return ()


def _rounded(value: Decimal, decl: CohortDecl, ruleset: RuleSet) -> Decimal:
    if decl.places is None:
        return value
    mode = MODES[ruleset.manifest.rounding.mode]
    return value.quantize(Decimal(1).scaleb(-decl.places), mode) + _ZERO


# --- step 2: across the cohort ------------------------------------------------------------


def aggregate(
    ruleset: RuleSet, decl: CohortDecl, own: Mapping[str, Own]
) -> tuple[dict[str, CohortEntry], list[CohortSummary]]:
    """Each entity's value of ``decl`` from every entity's own value, and the summaries.

    Entities with no own value are in no cohort; a scope whose cohort is smaller
    than ``min_entities`` (a sample standard deviation: than 2) is refused, and so is
    one where the value is not defined (a cv of a mean of 0, weights adding up to 0).

    Raises:
        CohortError: too few entities in a scope, or a value not defined there.
    """
    entries: dict[str, CohortEntry] = {}
    summaries: list[CohortSummary] = []
    problems: list[Problem] = []
    for scope, members, receivers in _scopes(ruleset, decl, own):
        cohort = sorted((name, own[name]) for name in members)
        if len(cohort) < _fewest(decl):
            problems.append(_too_few(ruleset, decl, scope, [n for n, _ in cohort]))
            continue
        left_out = tuple(n for n in _members(ruleset, decl, scope, own) if own[n] is None)
        try:
            found, summary = _stat(ruleset, decl, scope, cohort, receivers, left_out)
        except statistics.Undefined as exc:
            problems.append(_undefined(ruleset, decl, scope, str(exc)))
            continue
        entries.update(found)
        summaries.append(summary)
    if problems:
        raise CohortError(problems)
    return entries, summaries


def _fewest(decl: CohortDecl) -> int:
    """The fewest entities with a value a scope may have: ``min_entities``, and two for a
    sample standard deviation (it divides by n - 1)."""
    return max(decl.min_entities, 2) if decl.stat == "stdev_sample" else decl.min_entities


def _scopes(
    ruleset: RuleSet, decl: CohortDecl, own: Mapping[str, Own]
) -> Iterator[tuple[str, list[str], list[str]]]:
    """(scope, the entities compared, the entities given the value), scope by scope."""
    valued = sorted(n for n, v in own.items() if v is not None)
    ranks = decl.stat in RANKS or decl.stat == "share_of_best"
    if decl.scope == "all":
        yield "all", valued, valued if ranks else sorted(own)
    elif decl.scope == "group":
        groups: dict[str, list[str]] = {}
        for name in sorted(own):
            groups.setdefault(ruleset.group_of(name) or "", []).append(name)
        for group, names in sorted(groups.items()):
            compared = [n for n in names if own[n] is not None]
            if compared:
                yield group, compared, compared if ranks else names
    else:
        compared = [n for n in valued if ruleset.group_of(n) == decl.scope]
        yield decl.scope, compared, compared if ranks else sorted(own)


def _members(
    ruleset: RuleSet, decl: CohortDecl, scope: str, own: Mapping[str, Own]
) -> list[str]:
    """Every entity of ``scope``, with a value or not, in name order."""
    if decl.scope == "all":
        return sorted(own)
    return sorted(n for n in own if (ruleset.group_of(n) or "") == scope)


def _too_few(ruleset: RuleSet, decl: CohortDecl, scope: str, names: list[str]) -> Problem:
    where = _where(ruleset, decl)
    who = ", ".join(names[:10]) + (", …" if len(names) > 10 else "") if names else "none"
    within = "" if scope == "all" else f" of group {scope!r}"
    need = _fewest(decl)
    why = " (a sample standard deviation divides by n - 1)" if need > decl.min_entities else ""
    message = (
        f"cohort value {decl.key!r} needs at least {need} entit{'y' if need == 1 else 'ies'}"
        f"{within} with a value{why}; {len(names)} ha{'s' if len(names) == 1 else 've'} one "
        f"({who})"
    )
    return Problem(where[0], where[1], where[2], message)


def _undefined(ruleset: RuleSet, decl: CohortDecl, scope: str, why: str) -> Problem:
    within = "" if scope == "all" else f" of group {scope!r}"
    where = _where(ruleset, decl)
    return Problem(*where, f"cohort value {decl.key!r}{within} has no value: {why}")


def _where(ruleset: RuleSet, decl: CohortDecl) -> tuple[str, int, int]:
    full = ruleset.full or ruleset
    index = next(i for i, c in enumerate(full.cohort) if c.key == decl.key)
    place = full.locate("facts.yaml", ("cohort", index))
    return place.path, place.line, place.col


_WORKED = ("sum", *SPREADS, "weighted_mean", "count_if")
"""The stats :mod:`qualscore.language.statistics` works out, with their working."""


def _stat(
    ruleset: RuleSet,
    decl: CohortDecl,
    scope: str,
    cohort: list[tuple[str, Own]],
    receivers: list[str],
    left_out: tuple[str, ...] = (),
) -> tuple[dict[str, CohortEntry], CohortSummary]:
    """The value of ``decl`` over one scope's cohort, for each of ``receivers``.

    Raises:
        statistics.Undefined: a sum, spread or weighted mean that has no value here.
    """
    if decl.stat in _WORKED:
        return _worked(ruleset, decl, scope, cohort, receivers, left_out)
    values = [v for _, v in cohort if isinstance(v, Decimal)]
    names = tuple(n for n, _ in cohort)
    size = len(values)
    higher = decl.better == "higher"
    best = (max(values) if higher else min(values)) if values else None
    leaders = tuple(n for n, v in cohort if v == best)
    entry = CohortEntry(decl.key, decl.label, decl.stat, _ZERO, None, size, scope,
                        best=best, leaders=leaders, unit=unit_of(ruleset, decl),
                        scored=decl.score is not None, places=decl.places,
                        left_out=len(left_out))  # fmt: skip
    summary = CohortSummary(decl.key, decl.label, decl.stat, scope, names, best, leaders,
                            left_out)  # fmt: skip
    own = {n: v for n, v in cohort if not isinstance(v, Weighted)}
    out: dict[str, CohortEntry] = {}
    if decl.stat in RANKS:
        reverse = decl.stat == "reverse_rank"
        for name, (rank, tied) in _ranks(own, higher != reverse, decl.ties).items():
            out[name] = entry._replace(value=Decimal(rank), own=own[name], tied=tied)
        return out, summary
    if decl.stat == "share_of_best":
        for name in receivers:
            share = _share(own[name], best, higher)
            if share is not None:
                share = _rounded(share, decl, ruleset)
                out[name] = entry._replace(value=share, own=own[name])
        return out, summary
    value = _summary(decl.stat, values)
    if decl.stat in ("mean", "median"):
        value = _rounded(value, decl, ruleset)
    for name in receivers:
        out[name] = entry._replace(value=value, own=own.get(name), best=None, leaders=())
    # A maximum or minimum names who holds it (the lowest for min, whichever end is best).
    shown = tuple(n for n, v in cohort if v == value) if decl.stat in ("max", "min") else ()
    return out, replace(summary, value=value, leaders=shown)


def _worked(
    ruleset: RuleSet,
    decl: CohortDecl,
    scope: str,
    cohort: list[tuple[str, Own]],
    receivers: list[str],
    left_out: tuple[str, ...],
) -> tuple[dict[str, CohortEntry], CohortSummary]:
    """A sum, spread, weighted mean or count_if: the same for every entity given it, with
    the numbers it was worked out from, and its value before ``places`` where it has them.

    Raises:
        statistics.Undefined: the value is not defined for this cohort.
    """
    found = _statistic(decl.stat, [v for _, v in cohort if v is not None])
    value = _rounded(found.value, decl, ruleset)
    working = found.working
    if decl.places is not None:
        working = (*working, ("unrounded", found.value))
    entry = CohortEntry(decl.key, decl.label, decl.stat, value, None, len(cohort), scope,
                        unit=unit_of(ruleset, decl), scored=decl.score is not None,
                        places=decl.places, left_out=len(left_out),
                        working=working)  # fmt: skip
    own = dict(cohort)
    out: dict[str, CohortEntry] = {}
    for name in receivers:
        mine = own.get(name)
        if isinstance(mine, Weighted):
            out[name] = entry._replace(own=mine.value, weight=mine.weight)
        else:
            out[name] = entry._replace(own=mine)
    names = tuple(n for n, _ in cohort)
    summary = CohortSummary(decl.key, decl.label, decl.stat, scope, names, value,
                            left_out=left_out, working=working)  # fmt: skip
    return out, summary


def _statistic(stat: str, values: list[Decimal | Weighted]) -> statistics.Worked:
    """The statistic over the cohort's own values (each a pair for a weighted mean).

    Raises:
        statistics.Undefined: it has no value for them.
    """
    if stat == "weighted_mean":
        return statistics.weighted_mean([v for v in values if isinstance(v, Weighted)])
    numbers = [v for v in values if isinstance(v, Decimal)]
    if stat == "sum":
        return statistics.total(numbers)
    if stat == "count_if":
        return statistics.count_if([v == _ONE for v in numbers])
    return statistics.spread(stat, numbers)


def unit_of(ruleset: RuleSet, decl: CohortDecl) -> str | None:
    """The unit of the values compared: the declared one, else that of the one fact ``of``
    reads alone (a rank of ``pass_rate`` compares percents)."""
    if decl.unit is not None or decl.of is None:
        return decl.unit
    name = decl.of.source.strip()
    if decl.of.names == (name,):
        found = (ruleset.full or ruleset).fact(name)
        return found.unit
    return None


def _ranks(
    own: Mapping[str, Decimal | None], high_first: bool, ties: str
) -> dict[str, tuple[int, int]]:
    """Each entity's rank and how many share it; sorting once (n log n)."""
    ordered = sorted(
        ((v, n) for n, v in own.items() if v is not None), key=lambda p: p[0], reverse=high_first
    )
    out: dict[str, tuple[int, int]] = {}
    i, distinct = 0, 0
    while i < len(ordered):
        j = i
        while j < len(ordered) and ordered[j][0] == ordered[i][0]:
            j += 1
        distinct += 1
        rank = i + 1 if ties == "competition" else distinct
        for _, name in ordered[i:j]:
            out[name] = (rank, j - i)
        i = j
    return out


def _share(value: Decimal | None, best: Decimal | None, higher: bool) -> Decimal | None:
    """``value`` as a share of ``best`` (1 for the best); None where that is not defined
    (a best of 0, a negative value)."""
    if value is None or best is None or value < 0 or best <= 0:
        return None
    if higher:
        return value / best
    return None if value == 0 else best / value


def _summary(stat: str, values: list[Decimal]) -> Decimal:
    if stat == "count":
        return Decimal(len(values))
    if stat == "max":
        return max(values)
    if stat == "min":
        return min(values)
    if stat == "mean":
        return sum(values, _ZERO) / len(values)
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / _TWO
