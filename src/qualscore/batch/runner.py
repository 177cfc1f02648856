"""Scoring many entities in worker processes: the units of work in, outcomes out in order.

The inputs are read into units of work (:mod:`qualscore.batch.units`): facts
files, and pieces of CSV tables that are left unparsed. A worker process does
all the work of a unit — reading a piece's rows, checking each entity's facts,
scoring them and, when the batch writes CSV, formatting each entity's line —
and sends back only what the batch keeps of each entity (:class:`Outcome`):
its name and where it came from, and its :class:`Row`, or its finished line
and sort key, or its problems; never its facts. What one worker does with one
entity is :func:`score_entity`, apart from how the units are read and sent, so
that the same entities can be gone over again.

At most a few units per process are in flight, so memory does not grow with
the number of entities. Outcomes, and the problems found reading the inputs,
come back in input order whatever the number of processes, so every output
and every message is the same for every ``jobs``. A name seen twice is found
in that order, the first one kept (:func:`unique`).

A bad entity never costs the others: scoring one entity turns every failure
into that entity's problem; a worker process that dies is replaced and the
units it held are scored again, one entity at a time if need be, so that only
an entity that kills a worker a second time is lost (and reported). Workers
die with the process that started them (:mod:`qualscore.batch.pool`).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualscore.batch.rows import (
    Cell,
    Ranked,
    Row,
    completion,
    rank_key,
    ranking,
    share,
    sort_key,
    target_items,
)
from qualscore.batch.units import (
    Entity,
    Rows,
    Sheet,
    Unit,
    describe,
    entities_of_rows,
    entities_of_sheet,
    is_facts_file,
    iter_units,
    shown,
)
from qualscore.errors import EvaluationError, Problem, RuleSetError, SourceError
from qualscore.facts.check import Facts, check_facts_document, member_files
from qualscore.facts.fast import quick_facts
from qualscore.facts.generated import generated_facts
from qualscore.facts.lists import ListTable, join, list_options, load_lists
from qualscore.facts.targets import TargetTable, load_targets
from qualscore.ruleset.loader import RuleSet, load_rules
from qualscore.ruleset.model import Item
from qualscore.ruleset.reads import SCHEME
from qualscore.scoring import shapes
from qualscore.scoring.cohort import Own, own_values
from qualscore.scoring.engine import evaluate, formulas
from qualscore.scoring.members import values_for
from qualscore.scoring.plan import deciding_veto, plan, verdicts_of
from qualscore.scoring.together import score_with
from qualscore.scoring.trace import CohortEntry, Result
from qualscore.source import yamlfile as _yaml
from qualscore.source.tables import csv_pieces

if TYPE_CHECKING:
    from qualscore.batch.pool import Pool

__all__ = [
    "Cell",
    "Entity",
    "LineFormat",
    "Outcome",
    "Ranked",
    "Row",
    "Rows",
    "Shared",
    "Work",
    "completion",
    "is_facts_file",
    "iter_entities",
    "iter_units",
    "rank_key",
    "ranking",
    "read_inputs",
    "score_all",
    "score_entity",
    "score_stream",
    "score_units",
    "seen_twice",
    "shown",
    "sort_key",
    "target_items",
    "unique",
    "workers",
]

CHUNK = 64
"""Entities of facts files sent to a worker process at a time (a piece of a CSV table
holds about as many rows)."""
TWICE = "scoring this entity stopped its worker process twice; not scored"

@dataclass(frozen=True)
class CohortPass:
    """What a pass over the entities does for a rule set with cohort values: work out
    each entity's own values of one level (``level``), or score it (``level`` None),
    with the cohort values known so far.

    ``values`` holds each entity's values, in the order of ``keys`` (None: it has
    none): what the worker processes are sent, compact. ``entries`` (how each value
    was worked out) only for a pass that keeps full results.
    """

    level: int | None
    keys: tuple[str, ...]
    values: Mapping[str, tuple[Decimal | None, ...]]
    entries: Mapping[str, Mapping[str, CohortEntry | None]] | None = None
    failed: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    """Entities that could not be worked out for the cohort, and why: not scored either."""

    def of(self, name: str) -> dict[str, Decimal]:
        """The cohort values of entity ``name``, by key."""
        found = self.values.get(name, ())
        return {k: v for k, v in zip(self.keys, found, strict=False) if v is not None}


LineFormat = Callable[[Row], bytes]
"""Turns a scored entity's row into its finished line of a CSV report (without its rank,
which is known only once every entity is scored). Given to the worker processes, so it
must be picklable: a top-level function or an instance of a top-level class."""


@dataclass(frozen=True)
class Outcome:
    """What a batch keeps of one entity: its row (and, when kept, its full result), or its
    finished CSV line and sort key, or why it was not scored.

    ``entity`` names it and says where it came from; its facts are not kept.
    """

    entity: Entity
    row: Row | None
    problems: tuple[str, ...] = ()
    result: Result | None = None
    line: bytes | None = None
    key: tuple[str, bool, Decimal, str] | None = None
    own: Mapping[str, Own] | None = None
    """In a pass that works out cohort values: the entity's own value of each."""

    @property
    def scored(self) -> bool:
        """Whether the entity was scored."""
        return not self.problems


def iter_entities(paths: Sequence[str]) -> Iterator[Entity | Problem]:
    """Every entity named by ``paths`` (facts files, folders, CSV/XLSX tables), lazily,
    read in this process.

    A problem with an input (an unreadable table, a name seen twice) is yielded
    in place of the entities it would have given.
    """
    seen: dict[str, str] = {}
    for unit in iter_units(paths):
        for found in _read(unit):
            if isinstance(found, Entity):
                if found.name in seen:
                    yield seen_twice(found, seen[found.name])
                    continue
                seen[found.name] = found.source
            yield found


def _read(unit: Unit | Problem) -> list[Entity | Problem]:
    """A unit's entities: a facts file's as it is, a piece of a table's or a workbook's
    read; if reading it fails, a problem after those read."""
    if not isinstance(unit, Rows | Sheet):
        return [unit]
    found: list[Entity | Problem] = []
    where = unit.path if isinstance(unit, Rows) else unit.where
    try:
        found.extend(entities_of_rows(unit) if isinstance(unit, Rows) else entities_of_sheet(unit))
    except SourceError as exc:
        found.extend(exc.problems)
    except OSError as exc:
        message = f"cannot read: {(exc.strerror or type(exc).__name__).lower()}"
        found.append(Problem(where, 0, 0, message))
    except Exception as exc:  # a broken table costs that table, not the batch
        found.append(Problem(where, 0, 0, f"cannot be read to the end: {describe(exc)}"))
    return found


def seen_twice(entity: Entity, first: str) -> Problem:
    """A name seen before, told where it is seen again: a table's row by its line (its
    source already names the line), a facts file by its name."""
    where = entity.path if entity.line else entity.source
    return Problem(where, entity.line, 0, f"entity {entity.name!r} also in {first}")


def unique(items: Iterable[Outcome | Problem]) -> Iterator[Outcome | Problem]:
    """``items`` with an entity whose name was seen before told as a problem in its place.

    The first entity of a name is kept, whether or not it could be scored.
    """
    seen: dict[str, str] = {}
    for item in items:
        if isinstance(item, Outcome):
            entity = item.entity
            if entity.name in seen:
                yield seen_twice(entity, seen[entity.name])
                continue
            seen[entity.name] = entity.source
        yield item


def read_inputs(paths: Sequence[str]) -> tuple[list[Entity], list[Problem]]:
    """Every entity named by ``paths``, and the problems with the inputs, at once."""
    found = list(iter_entities(paths))
    return [e for e in found if isinstance(e, Entity)], [p for p in found if isinstance(p, Problem)]


def score_stream(
    rules: Shared | RuleSet | str,
    entities: Iterable[Entity],
    *,
    targets_path: str | None = None,
    jobs: int = 1,
    detail: bool = False,
    keep: bool = False,
    lists: Sequence[str] = (),
) -> Iterator[Outcome]:
    """Score entities in ``jobs`` processes, yielding outcomes in input order.

    Args:
        rules: The rule set and the tables every entity is scored with
            (:class:`Shared`), or the rule set (or its folder) alone, the
            tables then read from ``targets_path`` and ``lists``.
        entities: The entities, read lazily.
        targets_path: A target table, if the rule set has targets.
        jobs: How many processes (at most :func:`workers` of it are started).
        detail: Also work out points lost per department (needs the full trace).
        keep: Keep each entity's full :class:`Result` (for small batches).
        lists: Tables of lists of records, each ``KEY=FILE`` (:mod:`qualscore.batch.lists`).

    Raises:
        RuleSetError: the rule set cannot be loaded.
        SourceError: the target table or a list's table cannot be read.
    """
    stream = score_units(
        rules, entities, targets_path=targets_path, jobs=jobs, detail=detail, keep=keep,
        lists=lists,
    )  # fmt: skip
    try:
        for item in stream:
            assert isinstance(item, Outcome)  # entities give outcomes only
            yield item
    finally:
        stream.close()


def score_units(
    rules: Shared | RuleSet | str,
    units: Iterable[Unit | Problem],
    *,
    targets_path: str | None = None,
    jobs: int = 1,
    detail: bool = False,
    keep: bool = False,
    line: LineFormat | None = None,
    cohort: CohortPass | None = None,
    lists: Sequence[str] = (),
) -> Generator[Outcome | Problem, None, None]:
    """Score units of work in ``jobs`` processes, yielding outcomes and problems in order.

    A problem among ``units`` (one found reading the inputs) comes out in its
    place; a piece of a table gives the outcome of each of its entities and a
    problem for each row that cannot be read.

    Args:
        rules: The rule set and the tables every entity is scored with
            (:class:`Shared`), or the rule set (or its folder) alone, the
            tables then read from ``targets_path`` and ``lists``.
        units: Entities, pieces of tables and problems, read lazily.
        targets_path: A target table, if the rule set has targets.
        jobs: How many processes (at most :func:`workers` of it are started).
        detail: Also work out points lost per department (needs the full trace).
        keep: Keep each entity's full :class:`Result` (for small batches).
        line: Format each scored entity's CSV line in the workers (unless
            ``detail`` or ``keep``): its outcome then carries the line and the
            sort key instead of the row.
        cohort: For a rule set with cohort values: what this pass does
            (:func:`qualscore.batch.cohort.cohort_values` makes the passes).
        lists: Tables of lists of records, each ``KEY=FILE`` (:mod:`qualscore.batch.lists`).

    Raises:
        RuleSetError: the rule set cannot be loaded.
        SourceError: the target table or a list's table cannot be read.
    """
    shared = Shared.of(rules, targets_path, lists)  # fails here, once, on a bad table
    work = Work.of(shared, detail=detail, keep=keep, line=line, cohort=cohort)
    tasks = _tasks(units)
    if workers(jobs) <= 1:
        for task in tasks:
            yield from [task] if isinstance(task, Problem) else work.task(task)
        return
    from qualscore.batch.pool import Pool  # (pebble) only for a batch of processes

    pool: Pool[Task, Outcome | Problem] = Pool(
        workers(jobs), _init_worker, (work,), _work, _units_alone, _lost_task
    )
    try:
        yield from pool.stream(tasks)
    except BaseException:
        pool.stop()  # Ctrl-C, SIGTERM, a consumer that stopped: no worker outlives it
        raise
    pool.close()


def workers(jobs: int) -> int:
    """How many processes ``jobs`` gets: at least 1, at most the CPUs this process may use."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(jobs, cpus))


Task = list[Unit]
"""What a worker process is sent at once: a piece of a table, or up to CHUNK entities."""


def _tasks(units: Iterable[Unit | Problem]) -> Iterator[Task | Problem]:
    """The units as tasks, in order: entities together, each piece of a table and each
    workbook alone."""
    entities: Task = []
    for unit in units:
        if isinstance(unit, Entity):
            entities.append(unit)
            if len(entities) < CHUNK:
                continue
        if entities:
            yield entities
            entities = []
        if not isinstance(unit, Entity):
            yield [unit] if isinstance(unit, Rows | Sheet) else unit
    if entities:
        yield entities


def _units_alone(task: Task) -> Iterator[Task]:
    """The task's units one entity at a time: a piece of a table cut into its records, a
    workbook read here into its entities (and the problems with its rows, passed on)."""
    for unit in task:
        if isinstance(unit, Rows):
            for first, body in csv_pieces(unit.body, unit.first, 1):
                yield [dataclasses.replace(unit, first=first, body=body)]
        elif isinstance(unit, Sheet):
            yield from ([found] for found in _read(unit))  # type: ignore[misc]
        else:
            yield [unit]


def _lost_task(task: Task) -> list[Outcome | Problem]:
    return [found for unit in task for found in _lost(unit)]


def _lost(unit: Unit) -> list[Outcome | Problem]:
    """What to tell of a unit of one entity that stopped its worker process twice."""
    found = _read(unit)
    return [
        f if isinstance(f, Problem) else Outcome(_bare(f), None, (f"{f.source}: {TWICE}",))
        for f in found
    ]




def score_all(
    rules: Shared | RuleSet | str,
    entities: Sequence[Entity],
    *,
    targets_path: str | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    lists: Sequence[str] = (),
) -> list[Outcome]:
    """Score every entity and keep every full result (for small batches and the API).

    Raises:
        RuleSetError: the rule set cannot be loaded.
        SourceError: the target table cannot be read.
    """
    out = []
    stream = score_stream(
        rules, entities, targets_path=targets_path, jobs=jobs, detail=True, keep=True,
        lists=lists,
    )  # fmt: skip
    for outcome in stream:
        out.append(outcome)
        if progress:
            progress(1)
    return out


@dataclass(frozen=True)
class Shared:
    """What every entity of a batch is scored with, read once: the rule set, the
    target table and the tables of lists of records.

    A worker process gets it once, when it starts: inherited where processes
    are forked, else sent, the rule set then as its folder and fingerprint,
    loaded again and refused if its files have changed since (:meth:`__getstate__`).
    """

    ruleset: RuleSet
    targets: TargetTable | None = None
    lists: Mapping[str, ListTable] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(
        cls, rules: Shared | RuleSet | str, targets_path: str | None = None,
        lists: Sequence[str] = (),
    ) -> Shared:  # fmt: skip
        """``rules`` as it is, or the rule set (loaded from its folder when given one) with
        the target table and the tables of lists read from ``targets_path`` and ``lists``.

        Raises:
            RuleSetError: the rule set cannot be loaded.
            SourceError: the target table or a list's table cannot be read.
        """
        if isinstance(rules, Shared):
            return rules
        ruleset = rules if isinstance(rules, RuleSet) else load_rules(rules)
        tables = {}
        if lists:
            tables = load_lists(ruleset.lists, list_options(lists), subsets=ruleset.subsets)
        targets = load_targets(ruleset, targets_path) if targets_path else None
        return cls(ruleset, targets, tables)

    def __getstate__(self) -> dict[str, Any]:
        return {"rules": (self.ruleset.path, self.ruleset.sha256), "targets": self.targets,
                "lists": dict(self.lists)}  # fmt: skip

    def __setstate__(self, state: dict[str, Any]) -> None:
        path, sha256 = state["rules"]
        ruleset = load_rules(path)
        if ruleset.sha256 != sha256:
            raise RuleSetError([Problem(path, 0, 0, "the rule files changed while the batch ran")])
        object.__setattr__(self, "ruleset", ruleset)
        object.__setattr__(self, "targets", state["targets"])
        object.__setattr__(self, "lists", state["lists"])


@dataclass(frozen=True)
class Work:
    """What one pass of a batch does with each entity: the :class:`Shared` tables, what
    is kept of each entity, and the cohort values so far. The same in every process."""

    shared: Shared
    detail: bool = False
    keep: bool = False
    line: LineFormat | None = None
    cohort: CohortPass | None = None

    @classmethod
    def of(
        cls, shared: Shared, *, detail: bool, keep: bool, line: LineFormat | None,
        cohort: CohortPass | None,
    ) -> Work:  # fmt: skip
        """The pass; a line is formatted in the workers only where rows are not kept whole."""
        whole = detail or keep or (cohort is not None and cohort.level is not None)
        return cls(shared, detail, keep, None if whole else line, cohort)

    @functools.cached_property
    def target_ids(self) -> tuple[str, ...]:
        return target_items(self.shared.ruleset)

    @functools.cached_property
    def target_models(self) -> dict[str, Item]:
        return {i.id: i for i in self.shared.ruleset.items() if shapes.completes(i.score)}

    def task(self, task: Task) -> list[Outcome | Problem]:
        """Every entity of a task scored, in order."""
        out: list[Outcome | Problem] = []
        for unit in task:
            for found in _read(unit):
                out.append(found if isinstance(found, Problem) else score_entity(self, found))
        return out


_WORKER: list[Work] = []
"""In a worker process only: the pass it was started for (set once, by :func:`_init_worker`).
The process that runs a batch never sets it: each batch there holds its own :class:`Work`."""


def _init_worker(parent: int, work: Work) -> None:
    """Set up a worker process: it dies with ``parent``, leaves Ctrl-C to it, and does
    ``work``'s pass."""
    from qualscore.batch.pool import die_with

    die_with(parent)
    _WORKER[:] = [work]


def _work(task: Task) -> list[Outcome | Problem]:
    """What a worker process does with a task: every entity of it scored, in order."""
    return _WORKER[0].task(task)


def score_entity(work: Work, entity: Entity) -> Outcome:
    """One entity scored, as the batch keeps it: its facts dropped and, when the batch
    writes CSV, its row turned into its line and sort key."""
    outcome = _score(work, entity)
    bare = _bare(entity)
    line = work.line
    if outcome.row is None or line is None:
        return dataclasses.replace(outcome, entity=bare)
    return Outcome(bare, None, line=line(outcome.row), key=sort_key(outcome.row))


def _bare(entity: Entity) -> Entity:
    """The entity without its facts: what is kept of it once it is read."""
    return entity if entity.data is None else dataclasses.replace(entity, data=None)


def _score(work: Work, entity: Entity) -> Outcome:
    """Score one entity; whatever goes wrong becomes its problem, naming its file and row."""
    try:
        return _score_checked(work, entity)
    except SourceError as exc:
        return Outcome(entity, None, tuple(str(p) for p in exc.problems))
    except EvaluationError as exc:
        return Outcome(entity, None, (f"{entity.source}: {exc}",))
    except Exception as exc:  # one entity's failure is never the batch's
        return Outcome(entity, None, (_failure(entity, exc),))


def _score_checked(work: Work, entity: Entity) -> Outcome:
    """Score one entity.

    Raises:
        SourceError: its facts do not fit, or a veto reads a target it has not.
        EvaluationError: a formula failed on its facts.
    """
    ruleset = work.shared.ruleset
    cohort = work.cohort
    if cohort is not None and entity.name in cohort.failed:
        return Outcome(entity, None, cohort.failed[entity.name])
    facts = _facts(work.shared, entity)
    known = cohort.of(entity.name) if cohort is not None else {}
    given = values_for(ruleset, facts)
    values = {**given, **known} if known else given
    if cohort is not None and cohort.level is not None:
        levels = ruleset.cohort_levels[cohort.level]
        return Outcome(entity, None, own=own_values(ruleset.view(facts.entity), levels, values))
    if work.detail or work.keep:
        if cohort is not None:
            entries = (cohort.entries or {}).get(entity.name, {})
            result = score_with(ruleset.view(facts.entity), facts, entries, entity.name)
        else:
            result = evaluate(ruleset, facts)
        row = _row_of_result(work, entity.name, result)
        return Outcome(entity, row, result=result if work.keep else None)
    return Outcome(entity, _row_of_scores(work, entity.name, facts, values, known))


def _failure(entity: Entity, exc: Exception) -> str:
    """What to tell of an entity whose scoring raised an unexpected exception."""
    if isinstance(exc, ArithmeticError):
        cell = _unholdable(entity)
        if cell:
            return cell
        return f"{entity.source}: a value is too large or not a number ({describe(exc)})"
    return f"{entity.source}: not scored: internal error ({describe(exc)}); please report it"


def _unholdable(entity: Entity) -> str | None:
    """The first of a table row's cells whose number cannot be held exactly, told as a problem."""
    for col, (key, value) in enumerate((entity.data or {}).items(), start=2):
        if isinstance(value, str):
            try:
                number = Decimal(value.strip())
                ok = number.is_finite() and abs(number.adjusted()) <= MAX_EXPONENT
            except ArithmeticError:
                ok = False
            if not ok:
                message = f"{key}: {shown(value)[:40]!r} is not a number qualscore can hold"
                return str(Problem(shown(entity.path), entity.line, col, message))
    return None


MAX_EXPONENT = 100
"""A cell whose number has a larger decimal exponent is told as the cause of an overflow."""


def _facts(shared: Shared, entity: Entity) -> Facts:
    """The entity's facts, checked, its targets from ``targets`` added.

    Plainly valid facts are taken by the rule set's generated check
    (:func:`generated_facts`) or, where it does not serve, :func:`quick_facts`; the
    others are checked in full, for the exact messages.

    Raises:
        SourceError: the facts cannot be read or do not fit, or the entity has no targets.
    """
    ruleset, targets, tables = shared.ruleset, shared.targets, shared.lists
    doc = None
    if entity.data is None:
        doc = _yaml.load(Path(entity.path), entity.source)
        if not isinstance(doc.data, dict):
            raise SourceError(
                [doc.problem((), "a facts file must be a mapping of fact keys to values")]
            )
        if any(d.sub for d in ruleset.lists):  # members named by their facts files
            member_files(ruleset, doc, Path(entity.path).parent)
        data, path = doc.data, doc.path
    else:
        data, path = entity.data, shown(entity.path)
    if tables:  # each list's records, from its own table
        if doc is None:
            doc = _row_document(entity, path)
        data = dict(data)
        join(data, doc, entity.name, tables)
    if targets is not None:
        if entity.name not in targets.rows:
            message = f"entity {entity.name!r} is not in {targets.source}"
            raise SourceError([Problem(path, entity.line, 0, message)])
        data = {**data, **targets.for_entity(entity.name)}
    if ruleset.manifest.groups and "entity" not in data:
        data = {"entity": entity.name, **data}  # a file's or row's name says whom
    quick = generated_facts(ruleset, data, path) or quick_facts(ruleset, data, path)
    if quick is not None:
        return quick
    if doc is None:
        doc = _row_document(entity, path)
    doc.data = data
    return check_facts_document(ruleset, data, doc)


def _row_document(entity: Entity, path: str) -> _yaml.Document:
    """A table row as a document: each fact's line and column, for the messages."""
    row = entity.data or {}
    doc = _yaml.Document(path, dict(row))
    doc.marks = {(k,): (entity.line, i + 2) for i, k in enumerate(row)}
    doc.key_marks = dict(doc.marks)
    doc.marks[()] = (entity.line, 1)
    return doc


def _aligned(ruleset: RuleSet, scores: dict[str, Decimal]) -> tuple[Decimal | None, ...]:
    """Item scores in the whole rule set's order; None where an item does not apply."""
    ids = [i.id for i in ruleset.items()] + (["bonus"] if ruleset.manifest.bonus else [])
    return tuple(scores.get(i) for i in ids)


def _row_of_result(work: Work, name: str, result: Result) -> Row:
    target_ids, detail = work.target_ids, work.detail
    cells, share = completion(result, target_ids)
    losses = notes = costs = None
    if detail:
        from qualscore.analyst.analysis import departments, sentence

        owed = departments(result)
        losses = tuple((d.department, d.lost) for d in owed)
        costs = tuple((d.department, d.cost) for d in owed)
        notes = tuple(
            (i.id, sentence(i, result.language), None if i.not_applicable else i.lost)
            for i in result.items
        )
    ruleset = work.shared.ruleset
    groups = bool(ruleset.manifest.groups)
    return Row(
        name,
        result.total,
        result.vetoed,
        result.result_label,
        result.facts_sha256,
        _aligned(ruleset, {i.id: i.score for i in result.items})
        if groups
        else tuple(i.score for i in result.items),
        tuple(cells[t] for t in target_ids),
        share,
        losses,
        ruleset.group_of(result.entity) if groups and result.entity else None,
        result.grade,
        notes,
        tuple((k, e.value) for k, e in result.cohort.items()),
        costs,
        result.verdict,
        " ".join(n.id for n in result.failed()) if ruleset.graph.verdicts - {SCHEME} else None,
        _categories(
            ruleset,
            {c.id: c.score for c in result.categories},
            None if result.bonus is None else result.bonus.score,
        ),
    )


def _categories(
    ruleset: RuleSet, scores: Mapping[str, Decimal], bonus: Decimal | None
) -> tuple[Decimal | None, ...]:
    """Each category's score in the whole rule set's order, then the scheme's bonus where
    it has one; None where one does not apply."""
    found = tuple(scores.get(c.id) for c in ruleset.categories)
    return (*found, bonus) if ruleset.manifest.bonus is not None else found


def _row_of_scores(
    work: Work,
    name: str,
    facts: Facts,
    values: Mapping[str, Any],
    known: Mapping[str, Decimal],
) -> Row:
    """The row of one entity, scored on ``values`` (its facts and cohort values)."""
    ruleset = work.shared.ruleset
    view = ruleset.view(facts.entity)
    scores = plan(view).score(values)
    cells = [_target_cell(work.target_models[t], facts) for t in work.target_ids]
    vetoed = scores.vetoed
    label = _veto_label(ruleset, scores.held) if vetoed else ruleset.manifest.normal_result
    groups = bool(ruleset.manifest.groups)
    verdict, failed = verdicts_of(view, scores.verdicts)
    return Row(
        name,
        scores.total,
        vetoed,
        label,
        facts.sha256,
        _aligned(ruleset, dict(scores.items)) if groups else tuple(scores.items.values()),
        tuple(cells),
        share(cells),
        None,
        ruleset.group_of(facts.entity) if groups and facts.entity else None,
        scores.grade,
        cohort=tuple(sorted(known.items())),
        verdict=verdict,
        not_met=" ".join(failed) if ruleset.graph.verdicts - {SCHEME} else None,
        categories=_categories(ruleset, scores.nodes, scores.items.get("bonus")),
    )


def _veto_label(ruleset: RuleSet, held: tuple[bool | None, ...]) -> str | None:
    """The deciding veto's result word, as the plan decided which held (not decided again
    here, where a cohort value the entity has not would be read as a missing name)."""
    veto = deciding_veto(ruleset, held)
    return None if veto is None else veto.result


def _target_cell(item: Item, facts: Facts) -> Cell:
    values = facts.values
    if any(n not in values for f in formulas(item) for n in f.names):
        return Cell("na")
    if item.not_applicable is not None and item.not_applicable.when.evaluate(values):
        return Cell("na")
    done = shapes.check(item.score, values)
    state = "met" if done.met else "missed"
    return Cell(state, done.shortfall, done.actual, done.target, done.met_when)


