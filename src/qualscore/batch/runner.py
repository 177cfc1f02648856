"""Scoring many entities: inputs from files, folders or tables; targets; processes.

Entities stream through: a table is read row by row, at most a few chunks are
in flight in the worker processes, and each entity comes back as a compact
:class:`Row` (its scores, targets and, when asked, department losses) rather
than a whole trace. A bad entity never costs the others: its problems are kept
with its file and row, and the rest are scored. Rows come back in input order
whatever the number of processes, so every output is the same for every
``jobs``.

Scoring one entity turns every failure into that entity's problem; a worker
process that dies is replaced and the entities it held are scored again, one
at a time if need be, so that only an entity that kills a worker a second time
is lost (and reported). Workers die with the process that started them.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from qualscore.errors import EvaluationError, Problem, SourceError
from qualscore.facts.check import Facts, check_facts_document
from qualscore.facts.targets import TargetTable, load_targets
from qualscore.ruleset.loader import RuleSet, load_rules
from qualscore.ruleset.model import Item, TargetShape
from qualscore.scoring.engine import evaluate, formulas, target_check
from qualscore.scoring.scores import score
from qualscore.scoring.trace import Result, TargetTrace
from qualscore.source import yamlfile as _yaml
from qualscore.source.tables import BadCell, stream_table
from qualscore.source.text import name_text

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
    "shown",
    "target_items",
    "workers",
]

FACTS_SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_STEM = ".expected"
"""A folder's ``NAME.expected.yaml`` holds an example's expected scores, not facts."""
TABLE_SUFFIXES = (".csv", ".xlsx")
CHUNK = 64
"""Entities sent to a worker process at a time."""
IN_FLIGHT = 4
"""Chunks per process queued at once: bounds memory, however many entities."""
STOP_SECONDS = 5
"""How long a stopped batch waits for each worker process to end."""


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
    scores: tuple[Decimal | None, ...]  # every item in rule-set order, the bonus last (None: n/a)
    cells: tuple[Cell, ...]  # the target items, in order
    share: Decimal | None  # targets met / applicable, in percent
    losses: tuple[tuple[str, Decimal], ...] | None = None  # per department, with detail
    group: str | None = None  # the entity's group: rankings are per group
    grade: str | None = None
    notes: tuple[tuple[str, str, Decimal | None], ...] | None = None
    """With detail: (item id, explanation, points lost or None when it does not apply)."""

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
    """The entities of one input; whatever goes wrong reading it is a problem naming it."""
    where = shown(given)
    try:
        yield from _entities_in(Path(given), given, where)
    except SourceError as exc:
        yield from exc.problems
    except OSError as exc:
        yield Problem(where, 0, 0, f"cannot read: {(exc.strerror or type(exc).__name__).lower()}")
    except Exception as exc:  # a broken table costs that table, not the batch
        yield Problem(where, 0, 0, f"cannot be read to the end: {_describe(exc)}")


def _entities_in(path: Path, given: str, where: str) -> Iterator[Entity | Problem]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if is_facts_file(p))
        if not files:
            yield Problem(where, 0, 0, "folder holds no facts files (*.yaml, *.yml, *.json)")
        yield from (Entity(shown(f.stem), shown(str(f)), str(f), 0, None) for f in files)
    elif path.suffix.lower() == ".csv" and path.is_file():
        yield from _csv_entities(path, where)
    elif path.suffix.lower() == ".xlsx":
        yield from _table_entities(path, where)
    else:
        yield Entity(shown(path.stem), where, given, 0, None)


def is_facts_file(path: Path) -> bool:
    """Whether a folder's file is an entity's facts: ``*.yaml``, ``*.yml`` or ``*.json``.

    Not a file whose name starts with ``.`` or ``_`` (hidden, or kept aside),
    nor an example's ``NAME.expected.yaml`` (its expected scores), nor a
    sub-folder: name those explicitly to score them.
    """
    name = path.name
    return (
        path.suffix.lower() in FACTS_SUFFIXES
        and not name.startswith((".", "_"))
        and not path.stem.lower().endswith(SKIPPED_STEM)
        and path.is_file()
    )


def shown(text: str) -> str:
    """``text`` as it can be printed and written anywhere, on one line (a file name's
    undecodable bytes and control characters as escapes)."""
    return name_text(text)


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
    name = shown(str(values.get("entity") or f"row {line}"))
    data = {k: v for k, v in values.items() if k != "entity"}
    judged = [k for k in data if k.startswith("judged.") and k.count(".") >= 2]
    if judged:  # judged.ID.field columns: a judged item's score, reason and evidence
        block: dict[str, dict[str, Any]] = {}
        for key in judged:
            value = data.pop(key)
            item_id, field = key[len("judged.") :].rsplit(".", 1)
            if value is not None:
                block.setdefault(item_id, {})[field] = value
        data["judged"] = block
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
        jobs: How many processes (at most :func:`workers` of it are started).
        detail: Also work out points lost per department (needs the full trace).
        keep: Keep each entity's full :class:`Result` (for small batches).

    Raises:
        RuleSetError: the rule set cannot be loaded.
        SourceError: the target table cannot be read.
    """
    args = (rules_path, targets_path, detail, keep)
    _init(*args)  # fail here, once, on a bad rule set or table
    chunks = _chunks(entities, CHUNK)
    if workers(jobs) <= 1:
        for chunk in chunks:
            yield from _score_chunk(chunk)
        return
    pool = _Pool(workers(jobs), args)
    try:
        yield from pool.stream(chunks)
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


class _Pool:
    """Worker processes that are replaced when one dies, the chunks it held scored again."""

    def __init__(self, size: int, args: tuple[str, str | None, bool, bool]) -> None:
        self.size = size
        self.args = args
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.size, initializer=_init_worker, initargs=(os.getpid(), *self.args)
        )

    def restart(self) -> None:
        """Replace a broken pool with a fresh one."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()

    def submit(self, chunk: list[Entity]) -> Future[list[Outcome]] | None:
        """The chunk sent to a worker; None when the pool is already broken."""
        try:
            return self.executor.submit(_score_chunk, chunk)
        except BrokenProcessPool:
            return None

    def stream(self, chunks: Iterable[list[Entity]]) -> Iterator[Outcome]:
        """Outcomes in input order, a few chunks in flight per process."""
        pending: deque[tuple[list[Entity], Future[list[Outcome]] | None]] = deque()
        for chunk in chunks:
            pending.append((chunk, self.submit(chunk)))
            if len(pending) >= self.size * IN_FLIGHT:
                yield from self._collect(pending)
        while pending:
            yield from self._collect(pending)

    def _collect(
        self, pending: deque[tuple[list[Entity], Future[list[Outcome]] | None]]
    ) -> Iterator[Outcome]:
        """The oldest chunk's outcomes; after a worker died, every chunk in flight's."""
        chunk, future = pending.popleft()
        try:
            if future is None:
                raise BrokenProcessPool("the pool broke before the chunk was sent")
            yield from future.result()
            return
        except BrokenProcessPool:
            pass
        # A worker died: every chunk not yet back is scored again, carefully, in order.
        held = [(chunk, future), *pending]
        pending.clear()
        self.restart()
        for chunk, future in held:
            done = future is not None and future.done() and future.exception() is None
            yield from future.result() if done and future else self._retry(chunk)

    def _retry(self, chunk: list[Entity]) -> list[Outcome]:
        """A chunk scored alone; if a worker dies again, each entity alone."""
        future = self.submit(chunk)
        try:
            if future is not None:
                return future.result()
        except BrokenProcessPool:
            pass
        self.restart()
        return [self._alone(entity) for entity in chunk]

    def _alone(self, entity: Entity) -> Outcome:
        future = self.submit([entity])
        try:
            if future is not None:
                return future.result()[0]
        except BrokenProcessPool:
            pass
        self.restart()
        message = "scoring this entity stopped its worker process twice; not scored"
        return Outcome(entity, None, (f"{entity.source}: {message}",))

    def close(self) -> None:
        """Wait for the workers to finish and end them."""
        self.executor.shutdown(wait=True)

    def stop(self) -> None:
        """End the workers now, whatever they are doing.

        The executor's own thread is then waited for (a few seconds at most):
        left running, it races Python's exit handler, which prints a traceback.
        """
        processes = dict(getattr(self.executor, "_processes", None) or {})
        manager = getattr(self.executor, "_executor_manager_thread", None)
        # The queue's feeder thread may be blocked writing to the pipe of workers that
        # are about to die; left to be joined at exit, it would hang the process.
        call_queue = getattr(self.executor, "_call_queue", None)
        if call_queue is not None:
            call_queue.cancel_join_thread()
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in processes.values():
            process.kill()
        for process in processes.values():
            process.join(STOP_SECONDS)
        if isinstance(manager, threading.Thread):
            manager.join(STOP_SECONDS)


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


def _init_worker(
    parent: int, rules_path: str, targets_path: str | None, detail: bool, keep: bool
) -> None:
    """Set up a worker process: it dies with ``parent``, leaves Ctrl-C to it, loads the rules."""
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent shuts the pool down
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited by fork
    _init(rules_path, targets_path, detail, keep)


PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal a process gets when its parent dies."""


def _die_with(parent: int) -> None:
    """End this process when ``parent`` ends, even by SIGKILL.

    On Linux the kernel sends SIGKILL (prctl PR_SET_PDEATHSIG); elsewhere, or
    if that fails, a daemon thread checks every half second that the parent
    is still there.
    """
    if sys.platform.startswith("linux") and _pdeathsig():
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(1)
        return
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="parent-watch").start()


def _pdeathsig() -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        threading.Event().wait(0.5)
    os._exit(1)


def _score_chunk(chunk: list[Entity]) -> list[Outcome]:
    return [_score(entity) for entity in chunk]


def _score(entity: Entity) -> Outcome:
    """Score one entity; whatever goes wrong becomes its problem, naming its file and row."""
    try:
        return _score_checked(entity)
    except SourceError as exc:
        return Outcome(entity, None, tuple(str(p) for p in exc.problems))
    except EvaluationError as exc:
        return Outcome(entity, None, (f"{entity.source}: {exc}",))
    except Exception as exc:  # one entity's failure is never the batch's
        return Outcome(entity, None, (_failure(entity, exc),))


def _score_checked(entity: Entity) -> Outcome:
    """Score one entity.

    Raises:
        SourceError: its facts do not fit, or a veto reads a target it has not.
        EvaluationError: a formula failed on its facts.
    """
    ruleset: RuleSet = _STATE["ruleset"]
    facts = _facts(ruleset, entity, _STATE["targets"])
    if _STATE["detail"] or _STATE["keep"]:
        result = evaluate(ruleset, facts)
        row = _row_of_result(entity.name, result, _STATE["target_ids"], _STATE["detail"])
        return Outcome(entity, row, result=result if _STATE["keep"] else None)
    return Outcome(entity, _row_of_scores(entity.name, ruleset, facts, _STATE["target_ids"]))


def _failure(entity: Entity, exc: Exception) -> str:
    """What to tell of an entity whose scoring raised an unexpected exception."""
    if isinstance(exc, ArithmeticError):
        cell = _unholdable(entity)
        if cell:
            return cell
        return f"{entity.source}: a value is too large or not a number ({_describe(exc)})"
    return f"{entity.source}: not scored: internal error ({_describe(exc)}); please report it"


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


def _describe(exc: BaseException) -> str:
    """An exception in one line: its type and, when it has one, its message."""
    text = shown(str(exc))[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _facts(ruleset: RuleSet, entity: Entity, targets: TargetTable | None) -> Facts:
    """The entity's facts, checked, its targets from ``targets`` added.

    Raises:
        SourceError: the facts cannot be read or do not fit, or the entity has no targets.
    """
    if entity.data is None:
        doc = _yaml.load(Path(entity.path), entity.source)
    else:
        doc = _yaml.Document(shown(entity.path), dict(entity.data))
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
            raise SourceError([Problem(doc.path, entity.line, 0, message)])
        doc.data = {**doc.data, **targets.for_entity(entity.name)}
    if ruleset.manifest.groups and "entity" not in doc.data:
        doc.data = {"entity": entity.name, **doc.data}  # a file's or row's name says whom
    return check_facts_document(ruleset, doc.data, doc)


def _aligned(ruleset: RuleSet, scores: dict[str, Decimal]) -> tuple[Decimal | None, ...]:
    """Item scores in the whole rule set's order; None where an item does not apply."""
    ids = [i.id for i in ruleset.items()] + (["bonus"] if ruleset.manifest.bonus else [])
    return tuple(scores.get(i) for i in ids)


def _row_of_result(name: str, result: Result, target_ids: Sequence[str], detail: bool) -> Row:
    cells, share = completion(result, target_ids)
    losses = notes = None
    if detail:
        from qualscore.analyst.analysis import departments, sentence

        losses = tuple((d.department, d.lost) for d in departments(result))
        notes = tuple(
            (i.id, sentence(i, result.language), None if i.not_applicable else i.lost)
            for i in result.items()
        )
    ruleset: RuleSet = _STATE["ruleset"]
    groups = bool(ruleset.manifest.groups)
    return Row(
        name,
        result.total,
        result.vetoed,
        result.result_label,
        result.facts_sha256,
        _aligned(ruleset, {i.id: i.score for i in result.items()})
        if groups
        else tuple(i.score for i in result.items()),
        tuple(cells[t] for t in target_ids),
        share,
        losses,
        ruleset.group_of(result.entity) if groups and result.entity else None,
        result.grade,
        notes,
    )


def _row_of_scores(name: str, ruleset: RuleSet, facts: Facts, target_ids: Sequence[str]) -> Row:
    scores = score(ruleset, facts)
    cells = [_target_cell(_STATE["target_models"][t], facts) for t in target_ids]
    vetoed = scores.vetoed
    label = _veto_label(ruleset, facts) if vetoed else ruleset.manifest.normal_result
    groups = bool(ruleset.manifest.groups)
    return Row(
        name,
        scores.total,
        vetoed,
        label,
        facts.sha256,
        _aligned(ruleset, dict(scores.items)) if groups else tuple(scores.items.values()),
        tuple(cells),
        _share(cells),
        None,
        ruleset.group_of(facts.entity) if groups and facts.entity else None,
        scores.grade,
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

    Equal totals share a rank (1, 2, 2, 4) and are listed by name. Entities of
    entity groups are ranked within their group (groups in name order).
    """
    ordered = sorted(rows, key=lambda r: (r.group or "", *rank_key(r)))
    out: list[Ranked] = []
    start = 0
    for i, row in enumerate(ordered):
        if out and out[-1].row.group != row.group:
            start = i
        same = (
            out
            and out[-1].row.group == row.group
            and (out[-1].row.vetoed, out[-1].row.total) == (row.vetoed, row.total)
        )
        out.append(Ranked(out[-1].rank if same else i - start + 1, row))
    return out


def rank_key(row: Row) -> tuple[bool, Decimal, str]:
    """The sort key of the ranking: not vetoed first, then highest total, then name."""
    return (row.vetoed, -row.total, row.name)
