"""Scoring entities together, or one entity with its cohort values given.

:func:`evaluate_cohort` works the cohort values out level by level from the
entities themselves (:mod:`qualscore.scoring.cohort`) and scores each entity
with them; :func:`check_given` and :func:`load_cohort` take them from the
caller instead (last year's published ranks, a bureau's average), and
:func:`needs_cohort` is the error of scoring one entity without them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qualscore._decimal import in_context
from qualscore.errors import CohortError, EvaluationError, Problem, SourceError
from qualscore.facts.check import Facts, check_facts, facts_for
from qualscore.ruleset.loader import RuleSet
from qualscore.ruleset.model import RANKS, SPREADS, CohortDecl, formulas_in
from qualscore.scoring.cohort import CohortSummary, Own, aggregate, own_values
from qualscore.scoring.members import values_for
from qualscore.scoring.plan import plan
from qualscore.scoring.trace import CohortEntry, Result
from qualscore.scoring.words import fmt
from qualscore.source.suggest import Suggestions

if TYPE_CHECKING:
    from qualscore.language.ranges import Span

__all__ = [
    "MAX_COHORT",
    "CohortResult",
    "check_given",
    "evaluate_cohort",
    "load_cohort",
    "needs_cohort",
    "reads_cohort",
    "score_with",
    "values_with",
]

MAX_COHORT = 1_000_000
"""The largest cohort a given rank or count is taken from when no count of that cohort is
given: as many entities as a cohort value may declare it needs (``min_entities``)."""


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
    keys = {c.key for c in ruleset.cohort}
    found: set[str] = set()
    vetoes = zip(ruleset.manifest.vetoes, ruleset.vetoes_applying(), strict=True)
    nodes: list[Any] = [*ruleset.categories, *(v for v, applies in vetoes if applies)]
    if ruleset.manifest.bonus is not None:
        nodes.append(ruleset.manifest.bonus)
    for node in nodes:
        found.update(n for f in formulas_in(node) for n in f.names if n in keys)
    return tuple(c.key for c in ruleset.cohort if c.key in found)


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
    _numbers, wrong = _checked_values(ruleset, doc.data)
    if wrong:
        raise CohortError([doc.problem((key,), message, key=of_key)
                           for key, message, of_key in wrong])  # fmt: skip
    return _Given(doc.data, doc.path)


class _Given(dict[str, Any]):
    """Cohort values read from a file: checked again with its name as their source."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        super().__init__(data)
        self.source = source


def _checked_value(
    declared: Mapping[str, CohortDecl], key: Any, raw: Any, hints: Mapping[str, str]
) -> tuple[Decimal | None, str | None, bool]:
    """A given cohort value: its number (None: the entity is not in that cohort), or what
    is wrong with it, and whether that is its key (an unknown value) or its value;
    ``hints`` are the "did you mean" of the unknown keys (those searched for)."""
    from qualscore.facts.check import check_number

    if str(key) not in declared:
        hint = hints.get(str(key), "")
        what = "" if declared else " (the rule set declares none)"
        return None, f"unknown cohort value {str(key)!r}{what}{hint}", True
    if raw is None:
        return None, None, False
    number, wrong = check_number(raw)
    return number, (f"{key}: {wrong}" if wrong else None), False


def _checked_values(
    ruleset: RuleSet, given: Mapping[Any, Any]
) -> tuple[dict[str, Decimal | None], list[tuple[Any, str, bool]]]:
    """The given values that are right (None: not in that cohort), and each that is not:
    its key, what is wrong and whether that is the key (an unknown value) or its value."""
    declared = {c.key: c for c in ruleset.cohort}
    numbers: dict[str, Decimal | None] = {}
    wrong: list[tuple[Any, str, bool]] = []
    # A file of 5,000 unknown keys costs MAX_SEARCHES searches, not 5,000.
    unknown = [str(key) for key in given if str(key) not in declared]
    hints = Suggestions(declared).hints(unknown) if unknown else {}
    for key, raw in given.items():
        number, message, of_key = _checked_value(declared, key, raw, hints)
        if message:
            wrong.append((key, message, of_key))
        else:
            numbers[str(key)] = number
    sizes = _sizes(declared, numbers)
    for key, number in list(numbers.items()):
        message = None if number is None else _outside(ruleset, declared[key], number, sizes)
        if message:
            wrong.append((key, f"{key}: {message}", False))
            del numbers[key]
    return numbers, wrong


def _sizes(
    declared: Mapping[str, CohortDecl], numbers: Mapping[str, Decimal | None]
) -> dict[tuple[str, str], tuple[Decimal, str]]:
    """The cohort sizes the given counts tell, by (scope, what is counted): a rank of the
    same cohort is at most its count."""
    sizes = {}
    for key, number in numbers.items():
        decl = declared[key]
        if number is None or decl.stat != "count":
            continue
        if _whole_in(number, decl.min_entities, MAX_COHORT):
            sizes[(decl.scope, _source(decl))] = (number, f"{fmt(number)}, the count {key!r}")
    return sizes


def _source(decl: CohortDecl) -> str:
    """What a cohort value ranks, counts or averages: its formula, the node scored, or
    (a count_if) its condition."""
    if decl.of is not None:
        return decl.of.source.strip()
    return f"when {decl.when.source.strip()}" if decl.when is not None else f"score {decl.score}"


def _whole_in(number: Decimal, low: int, high: int) -> bool:
    return number == number.to_integral_value() and low <= number <= high


def _outside(
    ruleset: RuleSet,
    decl: CohortDecl,
    number: Decimal,
    sizes: Mapping[tuple[str, str], tuple[Decimal, str]],
) -> str | None:
    """Why ``number`` cannot be the value of ``decl`` (None: it can): a rank is a whole
    number from 1 to the cohort's size, a share lies in [0, 1], a count_if is a whole
    number, a standard deviation or cv is not below 0, a mean, weighted mean, median,
    maximum or minimum lies where the values it is taken of can lie; a sum anywhere."""
    if decl.stat in RANKS:
        size, said = sizes.get((decl.scope, _source(decl)), (None, None))
        high = MAX_COHORT if size is None else int(size)
        if _whole_in(number, 1, high):
            return None
        told = said or f"the cohort's size: no count of it is given, so at most {MAX_COHORT:,}"
        return f"{fmt(number)} is not a rank (a whole number from 1 to {told})"
    if decl.stat == "count":
        if _whole_in(number, decl.min_entities, MAX_COHORT):
            return None
        return (f"{fmt(number)} is not a count of the cohort (a whole number from "
                f"{decl.min_entities}, its min_entities, to {MAX_COHORT:,})")  # fmt: skip
    if decl.stat == "share_of_best":
        if 0 <= number <= 1:
            return None
        return f"{fmt(number)} is not a share of the best (a number from 0 to 1)"
    if decl.stat == "count_if":
        if _whole_in(number, 0, MAX_COHORT):
            return None
        return (f"{fmt(number)} is not a count of the cohort (a whole number from 0 to "
                f"{MAX_COHORT:,})")  # fmt: skip
    if decl.stat in SPREADS:
        return None if number >= 0 else f"{fmt(number)} is not a {decl.stat} (a number from 0)"
    if decl.stat == "sum":
        return None
    span = _span(ruleset, decl)
    below = span is not None and span.lo is not None and number < span.lo
    above = span is not None and span.hi is not None and number > span.hi
    if not (below or above):
        return None
    return f"{fmt(number)} is not a {decl.stat} of {_source(decl)}, which lies in {span}"


def _span(ruleset: RuleSet, decl: CohortDecl) -> Span | None:
    """Where the values a mean, median, maximum or minimum is taken of can lie (widened
    to ``places`` where the value is rounded); None where that is not worked out (a
    node's score)."""
    from decimal import ROUND_CEILING, ROUND_FLOOR

    from qualscore._decimal import exact
    from qualscore.language.ranges import Span, value_span
    from qualscore.ruleset.ranges import fact_span

    if decl.of is None:
        return None
    full = ruleset.full or ruleset
    domains = {f.key: fact_span(f) for f in full.facts if f.type != "bool"}
    span = value_span(decl.of.tree, domains)
    if decl.places is None:
        return span
    step = Decimal(1).scaleb(-decl.places)
    with exact():
        try:
            low = None if span.lo is None else span.lo.quantize(step, ROUND_FLOOR)
            high = None if span.hi is None else span.hi.quantize(step, ROUND_CEILING)
        except ArithmeticError:  # more digits than the context holds: leave it unbounded
            return None
    return Span(low, high)


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
    numbers, wrong = _checked_values(ruleset, given)
    problems = [Problem(source, 0, 0, message) for _key, message, _of_key in wrong]
    out: dict[str, CohortEntry | None] = {}
    for key, number in numbers.items():
        decl = declared[key]
        if number is None:
            out[decl.key] = None
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
        columns: dict[str, dict[str, Own]] = {d.key: {} for d in level}
        for name, (view, facts) in list(checked.items()):
            try:
                found = own_values(view, level, _values(view, facts, known[name]))
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
    values = _values(view, facts, entries)
    kept = {k: e for k, e in sorted(entries.items()) if e is not None}
    entity = facts.entity if facts.entity is not None else name
    return plan(view).result(values, facts.sha256, entity, facts.period, cohort=kept)


def values_with(
    ruleset: RuleSet, facts: Facts, entries: Mapping[str, CohortEntry | None]
) -> Mapping[str, Any]:
    """What the engine runs on: the facts' values (and judgements, and the aggregates of
    their sub-entities) and the cohort values."""
    return _values(ruleset, facts, entries) if entries else values_for(ruleset, facts)


def _values(
    ruleset: RuleSet, facts: Facts, entries: Mapping[str, CohortEntry | None]
) -> dict[str, Any]:
    values = dict(values_for(ruleset, facts))
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
