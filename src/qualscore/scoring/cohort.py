"""Scoring against the cohort: ranks, shares of the best, means, across the entities.

A cohort value (``facts.yaml``'s ``cohort:``) is worked out in three steps,
level by level (:attr:`RuleSet.cohort_levels`):

1. :func:`own_values`: each entity's own value of it (a formula of its facts,
   or a node's score, scored with the levels before known);
2. :func:`aggregate`: across the entities of its scope, each entity's value
   (its rank, its share of the best, the scope's mean, …) with how it was
   worked out (:class:`~qualscore.scoring.trace.CohortEntry`);
3. the entities are scored with every value known (:func:`evaluate_cohort`).

Step 1 is per entity and step 2 needs only one number per entity and value,
so a batch runs step 1 in its worker processes and keeps only those columns.
Nothing depends on the order the entities come in: ranks are by value, ties
share a rank, and every list of entities is in name order.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from qualscore._decimal import in_context
from qualscore.errors import CohortError, EvaluationError, Problem, SourceError
from qualscore.facts.check import Facts, check_facts, facts_for
from qualscore.ruleset.cohort import TOTAL
from qualscore.ruleset.loader import RuleSet
from qualscore.ruleset.model import RANKS, CohortDecl
from qualscore.scoring import plan
from qualscore.scoring.plan import MODES
from qualscore.scoring.runtime import ERRORS, reason
from qualscore.scoring.trace import CohortEntry, Result

__all__ = [
    "CohortResult",
    "CohortSummary",
    "aggregate",
    "check_given",
    "evaluate_cohort",
    "load_cohort",
    "needs_cohort",
    "own_values",
    "reads_cohort",
    "score_with",
    "values_with",
]

_ZERO = Decimal(0)
_TWO = Decimal(2)
Values = Mapping[str, Any]


@dataclass(frozen=True)
class CohortSummary:
    """One cohort value over one scope: who it was computed from, and its value there
    (a mean, a median, …; for a rank or share, the best value)."""

    key: str
    label: str
    stat: str
    scope: str
    entities: tuple[str, ...]
    value: Decimal | None
    leaders: tuple[str, ...] = ()


@dataclass(frozen=True)
class CohortResult(Mapping[str, Result]):
    """Every entity's result (a mapping, in entity-name order), the cohort values used,
    and the entities that could not be scored (left out of every cohort) with why."""

    results: Mapping[str, Result]
    summaries: tuple[CohortSummary, ...] = ()
    failed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Result:
        return self.results[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)


def reads_cohort(ruleset: RuleSet) -> tuple[str, ...]:
    """The cohort values the rule set's items, bonus and vetoes read (for its entity)."""
    from qualscore.ruleset.loader import formulas as every

    keys = {c.key for c in ruleset.cohort}
    found: set[str] = set()
    nodes: list[Any] = [*ruleset.categories, *ruleset.manifest.vetoes]
    if ruleset.manifest.bonus is not None:
        nodes.append(ruleset.manifest.bonus)
    for node in nodes:
        found.update(n for f in every(node) for n in f.names if n in keys)
    return tuple(c.key for c in ruleset.cohort if c.key in found)


# --- step 1: each entity's own value --------------------------------------------------


def own_values(
    view: RuleSet, decls: Sequence[CohortDecl], values: Values
) -> dict[str, Decimal | None]:
    """The entity's own value of each of ``decls`` (None: it has none to compare).

    ``view`` is the rule set as it applies to the entity, ``values`` its facts
    and the cohort values of the levels before.

    Raises:
        EvaluationError: a formula failed on the entity's values.
    """
    out: dict[str, Decimal | None] = {}
    scores = None
    for decl in decls:
        if decl.of is not None:
            if any(n not in values or values[n] is None for n in decl.of.names):
                out[decl.key] = None
                continue
            try:
                value: Any = decl.of.evaluate(values)
            except ERRORS as exc:
                message = f"{decl.of.source.strip()}: {reason(exc)}"
                raise EvaluationError(decl.key, message, what="cohort value") from exc
        else:
            if scores is None:
                scores = plan(view).score(values)
            node = decl.score or ""
            value = scores.total if node == TOTAL else scores.items.get(node)
            if value is None:
                value = scores.nodes.get(node)
        assert value is None or isinstance(value, Decimal)
        out[decl.key] = value
    return out


def _rounded(value: Decimal, decl: CohortDecl, ruleset: RuleSet) -> Decimal:
    if decl.places is None:
        return value
    mode = MODES[ruleset.manifest.rounding.mode]
    return value.quantize(Decimal(1).scaleb(-decl.places), mode) + _ZERO


# --- step 2: across the cohort ------------------------------------------------------------


def aggregate(
    ruleset: RuleSet, decl: CohortDecl, own: Mapping[str, Decimal | None]
) -> tuple[dict[str, CohortEntry], list[CohortSummary]]:
    """Each entity's value of ``decl`` from every entity's own value, and the summaries.

    Entities with no own value are in no cohort; a scope whose cohort is smaller
    than ``min_entities`` is refused.

    Raises:
        CohortError: too few entities in a scope.
    """
    entries: dict[str, CohortEntry] = {}
    summaries: list[CohortSummary] = []
    problems: list[Problem] = []
    for scope, members, receivers in _scopes(ruleset, decl, own):
        cohort = sorted((name, own[name]) for name in members)
        if len(cohort) < decl.min_entities:
            problems.append(_too_few(ruleset, decl, scope, [n for n, _ in cohort]))
            continue
        found, summary = _stat(ruleset, decl, scope, cohort, receivers)
        entries.update(found)
        summaries.append(summary)
    if problems:
        raise CohortError(problems)
    return entries, summaries


def _scopes(
    ruleset: RuleSet, decl: CohortDecl, own: Mapping[str, Decimal | None]
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


def _too_few(ruleset: RuleSet, decl: CohortDecl, scope: str, names: list[str]) -> Problem:
    where = _where(ruleset, decl)
    who = ", ".join(names[:10]) + (", …" if len(names) > 10 else "") if names else "none"
    within = "" if scope == "all" else f" of group {scope!r}"
    need = decl.min_entities
    message = (
        f"cohort value {decl.key!r} needs at least {need} entit{'y' if need == 1 else 'ies'}"
        f"{within} with a value; {len(names)} ha{'s' if len(names) == 1 else 've'} one ({who})"
    )
    return Problem(where[0], where[1], where[2], message)


def _where(ruleset: RuleSet, decl: CohortDecl) -> tuple[str, int, int]:
    full = ruleset.full or ruleset
    index = next(i for i, c in enumerate(full.cohort) if c.key == decl.key)
    place = full.locate("facts.yaml", ("cohort", index))
    return place.path, place.line, place.col


def _stat(
    ruleset: RuleSet,
    decl: CohortDecl,
    scope: str,
    cohort: list[tuple[str, Decimal | None]],
    receivers: list[str],
) -> tuple[dict[str, CohortEntry], CohortSummary]:
    values = [v for _, v in cohort if v is not None]
    names = tuple(n for n, _ in cohort)
    size = len(values)
    higher = decl.better == "higher"
    best = (max(values) if higher else min(values)) if values else None
    leaders = tuple(n for n, v in cohort if v == best)
    entry = CohortEntry(decl.key, decl.label, decl.stat, _ZERO, None, size, scope,
                        best=best, leaders=leaders, unit=unit_of(ruleset, decl))  # fmt: skip
    own = dict(cohort)
    out: dict[str, CohortEntry] = {}
    if decl.stat in RANKS:
        reverse = decl.stat == "reverse_rank"
        for name, (rank, tied) in _ranks(own, higher != reverse, decl.ties).items():
            out[name] = entry._replace(value=Decimal(rank), own=own[name], tied=tied)
        return out, CohortSummary(decl.key, decl.label, decl.stat, scope, names, best, leaders)
    if decl.stat == "share_of_best":
        for name in receivers:
            share = _share(own[name], best, higher)
            if share is not None:
                share = _rounded(share, decl, ruleset)
                out[name] = entry._replace(value=share, own=own[name])
        return out, CohortSummary(decl.key, decl.label, decl.stat, scope, names, best, leaders)
    value = _summary(decl.stat, values)
    if decl.stat in ("mean", "median"):
        value = _rounded(value, decl, ruleset)
    for name in receivers:
        out[name] = entry._replace(value=value, own=own.get(name), best=None, leaders=())
    shown = leaders if decl.stat in ("max", "min") else ()
    return out, CohortSummary(decl.key, decl.label, decl.stat, scope, names, value, shown)


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


# --- the API ----------------------------------------------------------------------------


def load_cohort(ruleset: RuleSet, path: str) -> Mapping[str, Any]:
    """A file of cohort values (``key: value``), read and checked against the whole rule set.

    Raises:
        CohortError: the file cannot be read, or is not a mapping of known values.
    """
    from pathlib import Path

    from qualscore.source import yamlfile

    try:
        doc = yamlfile.load(Path(path), path)
    except SourceError as exc:
        raise CohortError(exc.problems) from None
    if not isinstance(doc.data, dict):
        raise CohortError([doc.problem((), "a cohort file must be a mapping of keys to values")])
    declared = {c.key for c in ruleset.cohort}
    problems = []
    for key in doc.data:
        if str(key) not in declared:
            close = difflib.get_close_matches(str(key), sorted(declared), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            what = "" if declared else " (the rule set declares none)"
            message = f"unknown cohort value {str(key)!r}{what}{hint}"
            problems.append(doc.problem((key,), message, key=True))
        else:
            _number, wrong = check_number_or_none(doc.data[key])
            if wrong:
                problems.append(doc.problem((key,), f"{key}: {wrong}"))
    if problems:
        raise CohortError(problems)
    return _Given(doc.data, doc.path)


class _Given(dict[str, Any]):
    """Cohort values read from a file: checked again with its name as their source."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        super().__init__(data)
        self.source = source


def check_number_or_none(raw: Any) -> tuple[Decimal | None, str | None]:
    """A cohort value as given: a number, or nothing (not in that cohort)."""
    from qualscore.facts.check import check_number

    return (None, None) if raw is None else check_number(raw)


def check_given(
    ruleset: RuleSet, given: Mapping[str, Any], *, source: str = "<cohort>"
) -> dict[str, CohortEntry | None]:
    """Cohort values given by the caller (last year's ranks, a published average),
    checked: each a number (None: the entity is not in that cohort), every one the
    entity's items read given, none unknown.

    Raises:
        CohortError: unknown, missing or malformed values, all at once.
    """
    declared = {c.key: c for c in ruleset.cohort}
    source = getattr(given, "source", source)
    problems: list[Problem] = []
    out: dict[str, CohortEntry | None] = {}
    for key, raw in given.items():
        decl = declared.get(str(key))
        if decl is None:
            close = difflib.get_close_matches(str(key), list(declared), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(Problem(source, 0, 0, f"unknown cohort value {str(key)!r}{hint}"))
            continue
        if raw is None:
            out[decl.key] = None
            continue
        number, message = check_number_or_none(raw)
        if message or number is None:
            problems.append(Problem(source, 0, 0, f"{decl.key}: {message}"))
            continue
        out[decl.key] = CohortEntry(decl.key, decl.label, decl.stat, number, None, 0,
                                    decl.scope, unit=decl.unit, given=True)  # fmt: skip
    for key in reads_cohort(ruleset):
        if key not in given:
            label = declared[key].label
            problems.append(Problem(source, 0, 0, f"missing cohort value {key!r} ({label})"))
    if problems:
        raise CohortError(problems)
    return out


def needs_cohort(ruleset: RuleSet) -> CohortError:
    """The error of scoring one entity of a cohort rule set without its cohort values."""
    keys = reads_cohort(ruleset) or tuple(c.key for c in ruleset.cohort)
    full = ruleset.full or ruleset
    place = full.locate("facts.yaml", ("cohort",)) if "facts.yaml" in full.documents else None
    message = (
        f"rule set {ruleset.id!r} scores each entity against the others "
        f"(cohort values: {', '.join(keys)}): score them together (evaluate_cohort, "
        "qualscore batch), or give the cohort values (evaluate(..., cohort=...), "
        "qualscore evaluate --cohort FILE)"
    )
    where = (place.path, place.line, place.col) if place else (ruleset.path, 0, 0)
    return CohortError([Problem(*where, message)])


@in_context
def evaluate_cohort(
    ruleset: RuleSet, entities: Mapping[str, Facts | Mapping[str, Any]]
) -> CohortResult:
    """Score every entity against the others: cohort values first, then each entity.

    Args:
        ruleset: A rule set from :func:`qualscore.load_rules`.
        entities: Entity name -> its facts (``Facts``, or a mapping checked first).

    An entity whose facts do not fit, or whose scoring fails, is left out of
    every cohort and listed in ``failed`` with why; the others are scored.

    Raises:
        CohortError: a cohort with fewer entities than a value declares it needs.
    """
    checked, failed = _checked(ruleset, entities)
    known: dict[str, dict[str, CohortEntry]] = {name: {} for name in checked}
    summaries: list[CohortSummary] = []
    for level in ruleset.cohort_levels:
        columns: dict[str, dict[str, Decimal | None]] = {d.key: {} for d in level}
        for name, (view, facts) in list(checked.items()):
            try:
                found = own_values(view, level, _values(facts, known[name]))
            except EvaluationError as exc:
                failed[name] = (str(exc),)
                del checked[name]
                continue
            for key, value in found.items():
                columns[key][name] = value
        for decl in level:
            own = {n: v for n, v in columns[decl.key].items() if n in checked}
            entries, found_summaries = aggregate(ruleset, decl, own)
            summaries.extend(found_summaries)
            for name, entry in entries.items():
                known[name][decl.key] = entry
    results: dict[str, Result] = {}
    for name in sorted(checked):
        view, facts = checked[name]
        try:
            results[name] = score_with(view, facts, known[name], name)
        except EvaluationError as exc:
            failed[name] = (str(exc),)
    return CohortResult(results, tuple(summaries), dict(sorted(failed.items())))


def score_with(
    view: RuleSet,
    facts: Facts,
    entries: Mapping[str, CohortEntry | None],
    name: str | None = None,
) -> Result:
    """One entity's result, scored with its cohort values (``name``: the entity's,
    where its facts do not name it).

    Raises:
        EvaluationError: a formula failed.
    """
    values = _values(facts, entries)
    kept = {k: e for k, e in sorted(entries.items()) if e is not None}
    entity = facts.entity if facts.entity is not None else name
    return plan(view).result(values, facts.sha256, entity, facts.period, cohort=kept)


def values_with(facts: Facts, entries: Mapping[str, CohortEntry | None]) -> Mapping[str, Any]:
    """What the engine runs on: the facts' values (and judgements) and the cohort values."""
    return _values(facts, entries) if entries else facts.run_values


def _values(facts: Facts, entries: Mapping[str, CohortEntry | None]) -> dict[str, Any]:
    values = dict(facts.run_values)
    values.update((k, e.value) for k, e in entries.items() if e is not None)
    return values


def _checked(
    ruleset: RuleSet, entities: Mapping[str, Facts | Mapping[str, Any]]
) -> tuple[dict[str, tuple[RuleSet, Facts]], dict[str, tuple[str, ...]]]:
    checked: dict[str, tuple[RuleSet, Facts]] = {}
    failed: dict[str, tuple[str, ...]] = {}
    for name in sorted(entities):
        given = entities[name]
        try:
            if not isinstance(given, Facts):
                data = dict(given)
                if ruleset.manifest.groups and "entity" not in data:
                    data["entity"] = name
                given = check_facts(ruleset, data, source=name)
            checked[name] = facts_for(ruleset, given, caller="evaluate_cohort")
        except SourceError as exc:
            failed[name] = tuple(str(p) for p in exc.problems)
    return checked, failed
