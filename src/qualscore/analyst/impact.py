"""The impact of a change of scheme: entities scored under two rule sets, side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qualscore.analyst.diff import Comparison
from qualscore.errors import FactsError, SourceError
from qualscore.facts.check import check_facts_document
from qualscore.scoring.engine import evaluate
from qualscore.scoring.trace import Result
from qualscore.source import yamlfile as _yaml

__all__ = ["Impact", "impact"]


@dataclass(frozen=True)
class Impact:
    """One entity scored under both rule sets."""

    entity: str
    a: Result
    b: Result


def impact(comparison: Comparison, paths: Sequence[str]) -> list[Impact]:
    """Score each facts file under both rule sets.

    A file gives the facts of both: a key that only one rule set declares is
    read by that one only; a key neither declares is an error.

    Raises:
        SourceError: a file cannot be read, or its facts do not fit a rule set.
    """
    out, problems = [], []
    for path in paths:
        try:
            out.append(_score_both(comparison, path))
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FactsError(problems)
    return out


def _score_both(comparison: Comparison, path: str) -> Impact:
    doc = _read(path)
    if not isinstance(doc.data, dict):
        raise FactsError([doc.problem((), "a facts file must be a mapping of fact keys to values")])
    a, b = comparison.a, comparison.b
    known = {f.key for f in (*a.facts, *b.facts)}
    # entity, period and judged are the facts file's own keys: both rule sets read them.
    reserved = {"entity", "period", "judged"} - known
    unknown = [k for k in doc.data if k not in known and k not in reserved]
    if unknown:
        raise FactsError(
            [
                doc.problem((k,), f"unknown fact {k!r} (in neither rule set)", key=True)
                for k in unknown
            ]
        )
    results = []
    for ruleset in (a, b):
        keys = {f.key for f in ruleset.facts} | reserved
        data = {k: v for k, v in doc.data.items() if k in keys}
        results.append(evaluate(ruleset, check_facts_document(ruleset, data, doc)))
    return Impact(Path(path).stem, results[0], results[1])


def _read(path: str) -> _yaml.Document:
    if Path(path).suffix.lower() in (".csv", ".xlsx"):
        from qualscore.facts.check import table_document

        return table_document(Path(path), path)
    try:
        return _yaml.load(Path(path), path)
    except SourceError as exc:
        raise FactsError(exc.problems) from None
