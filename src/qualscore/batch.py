"""Scoring many entities: inputs from files, folders or tables; targets; processes.

A bad entity never costs the others: its problems are kept with its file and
row, and the rest are scored. Results come back in input order whatever the
number of processes, so every output is the same for every ``jobs``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import _yaml
from .engine import evaluate
from .errors import EvaluationError, Problem, SourceError
from .facts import _check
from .loader import RuleSet, load_rules
from .model import TargetShape
from .tables import read_table
from .targets import TargetTable, load_targets
from .trace import Result, TargetTrace

__all__ = [
    "Cell",
    "Entity",
    "Outcome",
    "Ranked",
    "completion",
    "ranking",
    "read_inputs",
    "score_all",
    "target_items",
]

FACTS_SUFFIXES = (".yaml", ".yml", ".json")
TABLE_SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class Entity:
    """One entity to score: its name, where it came from and its raw facts."""

    name: str
    source: str
    path: str
    line: int
    data: dict[str, Any] | None  # None: read the facts file at ``path``


@dataclass(frozen=True)
class Outcome:
    """An entity's result, or the problems that kept it from being scored."""

    entity: Entity
    result: Result | None
    problems: tuple[str, ...] = ()


def read_inputs(paths: Sequence[str]) -> tuple[list[Entity], list[Problem]]:
    """Every entity named by ``paths``: facts files, folders of them, CSV/XLSX tables."""
    entities: list[Entity] = []
    problems: list[Problem] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in FACTS_SUFFIXES)
            if not files:
                problems.append(
                    Problem(given, 0, 0, "folder holds no facts files (*.yaml, *.json)")
                )
            entities += [Entity(f.stem, str(f), str(f), 0, None) for f in files]
        elif path.suffix.lower() in TABLE_SUFFIXES:
            try:
                entities += _table_entities(path, given)
            except SourceError as exc:
                problems += exc.problems
        else:
            entities.append(Entity(path.stem, given, given, 0, None))
    seen: dict[str, str] = {}
    for e in entities:
        if e.name in seen:
            problems.append(
                Problem(e.source, e.line, 0, f"entity {e.name!r} also in {seen[e.name]}")
            )
        seen.setdefault(e.name, e.source)
    return entities, problems


def _table_entities(path: Path, given: str) -> list[Entity]:
    table = read_table(path, given)
    if "entity" not in table.columns:
        raise SourceError([Problem(given, 1, 1, "a facts table needs an 'entity' column")])
    out = []
    for row in table.rows:
        name = str(row.values.get("entity") or f"row {row.line}")
        data = {k: v for k, v in row.values.items() if k != "entity"}
        out.append(Entity(name, f"{given}:{row.line}", given, row.line, data))
    return out


def score_all(
    rules_path: str,
    entities: Sequence[Entity],
    *,
    targets_path: str | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Score every entity, in ``jobs`` processes; outcomes in input order.

    Raises:
        RuleSetError: the rule set cannot be loaded.
        SourceError: the target table cannot be read.
    """
    _init(rules_path, targets_path)  # fail here, once, on a bad rule set or table
    if jobs <= 1 or len(entities) < 2:
        out = []
        for entity in entities:
            out.append(_score(entity))
            if progress:
                progress(1)
        return out
    chunk = max(1, min(64, len(entities) // (jobs * 4) or 1))
    with ProcessPoolExecutor(jobs, initializer=_init, initargs=(rules_path, targets_path)) as pool:
        results = []
        for outcome in pool.map(_score, entities, chunksize=chunk):
            results.append(outcome)
            if progress:
                progress(1)
    return results


_STATE: dict[str, Any] = {}


def _init(rules_path: str, targets_path: str | None) -> None:
    ruleset = load_rules(rules_path)
    _STATE["ruleset"] = ruleset
    _STATE["targets"] = load_targets(ruleset, targets_path) if targets_path else None


def _score(entity: Entity) -> Outcome:
    ruleset: RuleSet = _STATE["ruleset"]
    targets: TargetTable | None = _STATE["targets"]
    try:
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
                raise SourceError(
                    [
                        Problem(
                            entity.source,
                            entity.line,
                            0,
                            f"entity {entity.name!r} is not in {targets.source}",
                        )
                    ]
                )
            doc.data = {**doc.data, **targets.for_entity(entity.name)}
        return Outcome(entity, evaluate(ruleset, _check(ruleset, doc.data, doc)))
    except SourceError as exc:
        return Outcome(entity, None, tuple(str(p) for p in exc.problems))
    except EvaluationError as exc:
        return Outcome(entity, None, (f"{entity.source}: {exc}",))


@dataclass(frozen=True)
class Ranked:
    """One line of a ranking."""

    rank: int
    name: str
    result: Result


def ranking(outcomes: Sequence[Outcome]) -> list[Ranked]:
    """Scored entities by total, highest first; a vetoed entity after every other.

    Equal totals share a rank (1, 2, 2, 4) and are listed by name.
    """
    scored = [(o.entity.name, o.result) for o in outcomes if o.result is not None]
    scored.sort(key=lambda p: (p[1].vetoed, -p[1].total, p[0]))
    out: list[Ranked] = []
    for i, (name, result) in enumerate(scored):
        same = out and (out[-1].result.vetoed, out[-1].result.total) == (
            result.vetoed,
            result.total,
        )
        out.append(Ranked(out[-1].rank if same else i + 1, name, result))
    return out


@dataclass(frozen=True)
class Cell:
    """One target of one entity: met, missed by ``shortfall``, or not applicable."""

    state: str  # "met" | "missed" | "na"
    shortfall: Decimal | None = None
    actual: Decimal | None = None
    target: Decimal | None = None
    relation: str | None = None


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
    applicable = [c for c in cells.values() if c.state != "na"]
    if not applicable:
        return cells, None
    met = sum(1 for c in applicable if c.state == "met")
    share = (Decimal(met) * 100 / len(applicable)).quantize(Decimal("0.01"))
    return cells, share


def iter_items(outcomes: Sequence[Outcome]) -> Iterator[str]:
    """The item ids of the first scored entity, in order (the same for every entity)."""
    for o in outcomes:
        if o.result is not None:
            yield from (i.id for i in o.result.items())
            return
