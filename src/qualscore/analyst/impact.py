"""The impact of a change of scheme: entities scored under two rule sets, side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qualscore.analyst.diff import Comparison
from qualscore.errors import FactsError, Problem, SourceError
from qualscore.facts.check import check_facts_document
from qualscore.ruleset.loader import RuleSet
from qualscore.scoring.engine import evaluate
from qualscore.scoring.together import evaluate_cohort
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
    read by that one only; a key neither declares is an error. Under a rule
    set that scores entities against each other (cohort values), the files
    are scored together, as one cohort.

    Raises:
        SourceError: a file cannot be read, or its facts do not fit a rule set.
    """
    docs, problems = [], []
    for path in paths:
        try:
            docs.append((path, _document(comparison, path)))
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FactsError(problems)
    sides = [_score(ruleset, docs) for ruleset in (comparison.a, comparison.b)]
    return [Impact(Path(path).stem, sides[0][path], sides[1][path]) for path, _ in docs]


def _document(comparison: Comparison, path: str) -> _yaml.Document:
    doc = _read(path)
    if not isinstance(doc.data, dict):
        raise FactsError([doc.problem((), "a facts file must be a mapping of fact keys to values")])
    a, b = comparison.a, comparison.b
    known = {f.key for f in (*a.facts, *b.facts)}
    unknown = [k for k in doc.data if k not in known and k not in _reserved(known)]
    if unknown:
        raise FactsError(
            [
                doc.problem((k,), f"unknown fact {k!r} (in neither rule set)", key=True)
                for k in unknown
            ]
        )
    return doc


def _reserved(known: set[str]) -> set[str]:
    """entity, period and judged: the facts file's own keys, read by both rule sets."""
    return {"entity", "period", "judged"} - known


def _score(ruleset: RuleSet, docs: list[tuple[str, _yaml.Document]]) -> dict[str, Result]:
    """Every file scored under ``ruleset``: one by one, or together as a cohort.

    Raises:
        FactsError: a file's facts do not fit, or an entity of a cohort cannot be scored.
    """
    keys = {f.key for f in ruleset.facts}
    keys |= _reserved(keys)
    facts, problems = {}, []
    for path, doc in docs:
        try:
            data = {k: v for k, v in doc.data.items() if k in keys}
            facts[path] = check_facts_document(ruleset, data, doc)
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FactsError(problems)
    if not ruleset.cohort:
        return {path: evaluate(ruleset, f) for path, f in facts.items()}
    scored = evaluate_cohort(ruleset, facts)
    if scored.failed:
        raise FactsError(
            [Problem(path, 0, 0, why[0]) for path, why in scored.failed.items()]
        )
    return dict(scored.items())


def _read(path: str) -> _yaml.Document:
    if Path(path).suffix.lower() in (".csv", ".xlsx"):
        from qualscore.facts.check import table_document

        return table_document(Path(path), path)
    try:
        return _yaml.load(Path(path), path)
    except SourceError as exc:
        raise FactsError(exc.problems) from None
