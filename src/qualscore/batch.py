"""Scoring many entities: inputs from files, folders or tables; targets; processes.

Entities stream through: a table is read row by row, at most a few chunks are
in flight in the worker processes, and each entity comes back as a compact
:class:`Row` (its scores, targets and, when asked, department losses) rather
than a whole trace. A bad entity never costs the others: its problems are kept
with its file and row, and the rest are scored. Rows come back in input order
whatever the number of processes, so every output is the same for every
``jobs``.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import _yaml
from .engine import evaluate, formulas, target_check
from .errors import EvaluationError, Problem, SourceError
from .facts import Facts, _check
from .loader import RuleSet, load_rules
from .model import Item, TargetShape
from .scores import score
from .tables import BadCell, stream_table
from .targets import TargetTable, load_targets
from .trace import Result, TargetTrace

__all__ = [
    "Cell",
    "Entity",
    "Outcome",
    "Ranked",
    "Row",
    "completion",
    "iter_entities",
    "ranking",
    "read_inputs",
    "score_all",
    "score_stream",
    "target_items",
]

FACTS_SUFFIXES = (".yaml", ".yml", ".json")
TABLE_SUFFIXES = (".csv", ".xlsx")
CHUNK = 64
"""Entities sent to a worker process at a time."""
IN_FLIGHT = 4
"""Chunks per process queued at once: bounds memory, however many entities."""


@dataclass(frozen=True)
class Entity:
    """One entity to score: its name, where it came from and its raw facts."""

    name: str
    source: str
    path: str
    line: int
    data: dict[str, Any] | None  # None: read the facts file at ``path``


@dataclass(frozen=True)
class Cell:
    """One target of one entity: met, missed by ``shortfall``, or not applicable."""

    state: str  # "met" | "missed" | "na"
    shortfall: Decimal | None = None
    actual: Decimal | None = None
    target: Decimal | None = None
    relation: str | None = None


@dataclass(frozen=True)
class Row:
    """What a batch keeps of one scored entity."""

    name: str
    total: Decimal
    vetoed: bool
    result_label: str | None
    facts_sha256: str
    scores: tuple[Decimal, ...]  # every item in rule-set order, the bonus last
    cells: tuple[Cell, ...]  # the target items, in order
    share: Decimal | None  # targets met / applicable, in percent
    losses: tuple[tuple[str, Decimal], ...] | None = None  # per department, with detail

    @property
    def result(self) -> str:
        """``"vetoed"`` or ``"scored"``."""
        return "vetoed" if self.vetoed else "scored"


@dataclass(frozen=True)
class Outcome:
    """An entity's row (and, when kept, its full result), or why it was not scored."""

    entity: Entity
    row: Row | None
    problems: tuple[str, ...] = ()
    result: Result | None = None


def iter_entities(paths: Sequence[str]) -> Iterator[Entity | Problem]:
    """Every entity named by ``paths`` (facts files, folders, CSV/XLSX tables), lazily.

    A problem with an input (an unreadable table, a name seen twice) is yielded
    in place of the entities it would have given.
    """
    seen: dict[str, str] = {}
    for given in paths:
        for found in _entities_of(given):
            if isinstance(found, Entity):
                if found.name in seen:
                    message = f"entity {found.name!r} also in {seen[found.name]}"
                    yield Problem(found.source, found.line, 0, message)
                    continue
                seen[found.name] = found.source
            yield found


def _entities_of(given: str) -> Iterator[Entity | Problem]:
    path = Path(given)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in FACTS_SUFFIXES)
        if not files:
            yield Problem(given, 0, 0, "folder holds no facts files (*.yaml, *.json)")
        yield from (Entity(f.stem, str(f), str(f), 0, None) for f in files)
    elif path.suffix.lower() == ".csv" and path.is_file():
        yield from _csv_entities(path, given)
    elif path.suffix.lower() == ".xlsx":
        try:
            yield from _table_entities(path, given)
        except SourceError as exc:
            yield from exc.problems
    else:
        yield Entity(path.stem, given, given, 0, None)


def _csv_entities(path: Path, given: str) -> Iterator[Entity | Problem]:
    try:
        yield from _table_entities(path, given)
    except SourceError as exc:
        yield from exc.problems


def _table_entities(path: Path, given: str) -> Iterator[Entity | Problem]:
    """One entity a row; a row that cannot be read is a Problem in its place.

    Raises:
        SourceError: the table is refused whole (before any entity is given).
    """
    columns, rows = stream_table(path, given)
    if "entity" not in columns:
        raise SourceError([Problem(given, 1, 1, "a facts table needs an 'entity' column")])
    for row in rows:
        if isinstance(row, Problem):
            yield row
        elif isinstance(name := row.values.get("entity"), BadCell):
            yield Problem(given, row.line, name.col, f"entity: {name.message}")
        else:
            yield _entity(row.values, given, row.line)


def _entity(values: dict[str, Any], given: str, line: int) -> Entity:
    name = str(values.get("entity") or f"row {line}")
    data = {k: v for k, v in values.items() if k != "entity"}
    return Entity(name, f"{given}:{line}", given, line, data)


def read_inputs(paths: Sequence[str]) -> tuple[list[Entity], list[Problem]]:
    """Every entity named by ``paths``, and the problems with the inputs, at once."""
    found = list(iter_entities(paths))
    return [e for e in found if isinstance(e, Entity)], [p for p in found if isinstance(p, Problem)]


def score_stream(
    rules_path: str,
    entities: Iterable[Entity],
    *,
    targets_path: str | None = None,
    jobs: int = 1,
    detail: bool = False,
    keep: bool = False,
) -> Iterator[Outcome]:
    """Score entities in ``jobs`` processes, yielding outcomes in input order.

    Args:
        rules_path: The rule-set folder (each process loads it once).
        entities: The entities, read lazily.
        targets_path: A target table, if the rule set has targets.
        jobs: How many processes.
        detail: Also work out points lost per department (needs the full trace).
        keep: Keep each entity's full :class:`Result` (for small batches).

    Raises:
        RuleSetError: the rule set cannot be loaded.
        SourceError: the target table cannot be read.
    """
    args = (rules_path, targets_path, detail, keep)
    _init(*args)  # fail here, once, on a bad rule set or table
    chunks = _chunks(entities, CHUNK)
    if jobs <= 1:
        for chunk in chunks:
            yield from _score_chunk(chunk)
        return
    with ProcessPoolExecutor(jobs, initializer=_init, initargs=args) as pool:
        pending: deque[Future[list[Outcome]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_score_chunk, chunk))
            if len(pending) >= jobs * IN_FLIGHT:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def score_all(
    rules_path: str,
    entities: Sequence[Entity],
    *,
    targets_path: str | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Score every entity and keep every full result (for small batches and the API).

    Raises:
        RuleSetError: the rule set cannot be loaded.
        SourceError: the target table cannot be read.
    """
    out = []
    stream = score_stream(
        rules_path, entities, targets_path=targets_path, jobs=jobs, detail=True, keep=True
    )
    for outcome in stream:
        out.append(outcome)
        if progress:
            progress(1)
    return out


def _chunks(items: Iterable[Entity], size: int) -> Iterator[list[Entity]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


_STATE: dict[str, Any] = {}


def _init(rules_path: str, targets_path: str | None, detail: bool, keep: bool) -> None:
    ruleset = load_rules(rules_path)
    _STATE.update(
        ruleset=ruleset,
        targets=load_targets(ruleset, targets_path) if targets_path else None,
        target_ids=target_items(ruleset),
        target_models={i.id: i for i in ruleset.items() if isinstance(i.score, TargetShape)},
        detail=detail,
        keep=keep,
    )


def _score_chunk(chunk: list[Entity]) -> list[Outcome]:
    return [_score(entity) for entity in chunk]


def _score(entity: Entity) -> Outcome:
    ruleset: RuleSet = _STATE["ruleset"]
    try:
        facts = _facts(ruleset, entity, _STATE["targets"])
        if _STATE["detail"] or _STATE["keep"]:
            result = evaluate(ruleset, facts)
            row = _row_of_result(entity.name, result, _STATE["target_ids"], _STATE["detail"])
            return Outcome(entity, row, result=result if _STATE["keep"] else None)
        return Outcome(entity, _row_of_scores(entity.name, ruleset, facts, _STATE["target_ids"]))
    except SourceError as exc:
        return Outcome(entity, None, tuple(str(p) for p in exc.problems))
    except EvaluationError as exc:
        return Outcome(entity, None, (f"{entity.source}: {exc}",))


def _facts(ruleset: RuleSet, entity: Entity, targets: TargetTable | None) -> Facts:
    if entity.data is None:
        doc = _yaml.load(Path(entity.path), entity.path)
    else:
        doc = _yaml.Document(entity.path, dict(entity.data))
        doc.marks = {(k,): (entity.line, i + 2) for i, k in enumerate(entity.data)}
        doc.key_marks = dict(doc.marks)
        doc.marks[()] = (entity.line, 1)
    if not isinstance(doc.data, dict):
        raise SourceError(
            [doc.problem((), "a facts file must be a mapping of fact keys to values")]
        )
    if targets is not None:
        if entity.name not in targets.rows:
            message = f"entity {entity.name!r} is not in {targets.source}"
            raise SourceError([Problem(entity.source, entity.line, 0, message)])
        doc.data = {**doc.data, **targets.for_entity(entity.name)}
    return _check(ruleset, doc.data, doc)


def _row_of_result(name: str, result: Result, target_ids: Sequence[str], detail: bool) -> Row:
    cells, share = completion(result, target_ids)
    losses = None
    if detail:
        from .report.analysis import departments

        losses = tuple((d.department, d.lost) for d in departments(result))
    return Row(
        name,
        result.total,
        result.vetoed,
        result.result_label,
        result.facts_sha256,
        tuple(i.score for i in result.items()),
        tuple(cells[t] for t in target_ids),
        share,
        losses,
    )


def _row_of_scores(name: str, ruleset: RuleSet, facts: Facts, target_ids: Sequence[str]) -> Row:
    scores = score(ruleset, facts)
    cells = [_target_cell(_STATE["target_models"][t], facts) for t in target_ids]
    vetoed = scores.vetoed
    label = _veto_label(ruleset, facts) if vetoed else ruleset.manifest.normal_result
    return Row(
        name,
        scores.total,
        vetoed,
        label,
        facts.sha256,
        tuple(scores.items.values()),
        tuple(cells),
        _share(cells),
    )


def _veto_label(ruleset: RuleSet, facts: Facts) -> str | None:
    return next((v.result for v in ruleset.manifest.vetoes if v.when.evaluate(facts.values)), None)


def _target_cell(item: Item, facts: Facts) -> Cell:
    values = facts.values
    if any(n not in values for f in formulas(item) for n in f.names):
        return Cell("na")
    if item.not_applicable is not None and item.not_applicable.when.evaluate(values):
        return Cell("na")
    shape = item.score
    assert isinstance(shape, TargetShape)
    actual, target = shape.actual.evaluate(values), shape.target.evaluate(values)
    assert isinstance(actual, Decimal) and isinstance(target, Decimal)
    met, shortfall = target_check(actual, target, shape.met_when)
    return Cell("met" if met else "missed", shortfall, actual, target, shape.met_when)


def target_items(ruleset: RuleSet) -> tuple[str, ...]:
    """The ids of the items that score an actual against a target."""
    return tuple(i.id for i in ruleset.items() if isinstance(i.score, TargetShape))


def completion(result: Result, targets: Sequence[str]) -> tuple[dict[str, Cell], Decimal | None]:
    """The entity's targets (item id -> cell) and its completion share in percent.

    The share is met / applicable, rounded half up to 0.01 %; None when the
    entity has no applicable target.
    """
    cells: dict[str, Cell] = {}
    for item_id in targets:
        trace = result.item(item_id).shape
        if isinstance(trace, TargetTrace):
            state = "met" if trace.met else "missed"
            cells[item_id] = Cell(
                state, trace.shortfall, trace.actual, trace.target, trace.met_when
            )
        else:
            cells[item_id] = Cell("na")
    return cells, _share(list(cells.values()))


def _share(cells: Sequence[Cell]) -> Decimal | None:
    applicable = [c for c in cells if c.state != "na"]
    if not applicable:
        return None
    met = sum(1 for c in applicable if c.state == "met")
    return (Decimal(met) * 100 / len(applicable)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Ranked:
    """One line of a ranking."""

    rank: int
    row: Row

    @property
    def name(self) -> str:
        """The entity's name."""
        return self.row.name


def ranking(rows: Iterable[Row]) -> list[Ranked]:
    """Rows by total, highest first; a vetoed entity after every other.

    Equal totals share a rank (1, 2, 2, 4) and are listed by name.
    """
    ordered = sorted(rows, key=rank_key)
    out: list[Ranked] = []
    for i, row in enumerate(ordered):
        same = out and (out[-1].row.vetoed, out[-1].row.total) == (row.vetoed, row.total)
        out.append(Ranked(out[-1].rank if same else i + 1, row))
    return out


def rank_key(row: Row) -> tuple[bool, Decimal, str]:
    """The sort key of the ranking: not vetoed first, then highest total, then name."""
    return (row.vetoed, -row.total, row.name)
