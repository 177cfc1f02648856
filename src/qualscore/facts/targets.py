"""Per-entity target tables: entities × target keys, a blank cell meaning no target.

A table is YAML (``entities:`` and ``targets:``, a list per key or one value
for every entity), CSV or XLSX (a column ``entity``, then one column per
target key). Its keys must be declared in the rule set with ``role: target``;
its values are checked like facts when an entity is scored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualscore.errors import Problem, SourceError
from qualscore.ruleset.loader import RuleSet
from qualscore.source import yamlfile as _yaml
from qualscore.source.cells import BadCell
from qualscore.source.suggest import Suggestions

__all__ = ["TargetTable", "load_targets"]


@dataclass(frozen=True)
class TargetTable:
    """Targets by entity: ``rows[entity][key]`` is a value, or None for no target."""

    source: str
    entities: tuple[str, ...]
    keys: tuple[str, ...]
    rows: Mapping[str, Mapping[str, Any]]

    def for_entity(self, entity: str) -> dict[str, Any]:
        """The targets of one entity (every key; None where it has none).

        Raises:
            KeyError: the table has no such entity.
        """
        return dict(self.rows[entity])


def load_targets(ruleset: RuleSet, path: str | Path) -> TargetTable:
    """Read a target table and check its keys against the rule set.

    Raises:
        SourceError: the file cannot be read (a CSV/XLSX table is read whole or
            refused, every bad row named), or names an unknown key or an entity
            twice, or a list has the wrong length.
    """
    path = Path(path)
    shown = str(path)
    if path.suffix.lower() in (".csv", ".xlsx"):
        from qualscore.source.tables import read_table

        table = read_table(path)
        rows = {}
        problems = []
        for row in table.rows:
            cell = row.values.get("entity")
            if isinstance(cell, BadCell):
                problems.append(Problem(shown, row.line, cell.col, f"entity: {cell.message}"))
                continue
            name = str(cell or "").strip()
            if not name:
                problems.append(Problem(shown, row.line, 1, "a row without an entity name"))
                continue
            if name in rows:
                problems.append(Problem(shown, row.line, 1, f"entity {name!r} is listed twice"))
            rows[name] = {k: v for k, v in row.values.items() if k != "entity"}
        keys = tuple(k for k in table.columns if k != "entity")
        problems += _check_keys(ruleset, keys, lambda k: Problem(shown, 1, table.column(k), ""))
        if problems:
            raise SourceError(problems)
        return TargetTable(shown, tuple(rows), keys, rows)
    doc = _yaml.load(path, shown, language=ruleset.manifest.language, table=True)
    return _from_yaml(ruleset, doc)


def _from_yaml(ruleset: RuleSet, doc: _yaml.Document) -> TargetTable:
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        raise SourceError(
            [doc.problem((), "a target table needs 'entities' (a list) and 'targets'")]
        )
    targets = data.get("targets")
    if not isinstance(targets, dict):
        raise SourceError([doc.problem(("targets",), "'targets' must map target keys to values")])
    entities = [str(e) for e in data["entities"]]
    problems = [
        doc.problem(("entities", i), f"entity {e!r} is listed twice")
        for i, e in enumerate(entities)
        if e in entities[:i]
    ]
    problems += _check_keys(
        ruleset, tuple(targets), lambda k: doc.problem(("targets", k), "", key=True)
    )
    rows: dict[str, dict[str, Any]] = {e: {} for e in entities}
    for key, values in targets.items():
        if isinstance(values, list):
            if len(values) != len(entities):
                message = f"{key}: {len(values)} values for {len(entities)} entities"
                problems.append(doc.problem(("targets", key), message))
                continue
            for entity, value in zip(entities, values, strict=True):
                rows[entity][key] = value
        else:
            for entity in entities:
                rows[entity][key] = values
    if problems:
        raise SourceError(problems)
    return TargetTable(doc.path, tuple(entities), tuple(targets), rows)


def _check_keys(ruleset: RuleSet, keys: tuple[str, ...], at: Any) -> list[Problem]:
    declared = {f.key for f in ruleset.facts if f.role == "target"}
    unknown = [key for key in keys if key not in declared]
    hints = Suggestions(declared).hints(unknown) if unknown else {}
    problems = []
    for key in unknown:
        where: Problem = at(key)
        message = f"{key!r} is not a declared target{hints.get(key, '')}"
        problems.append(Problem(where.path, where.line, where.col, message))
    return problems
