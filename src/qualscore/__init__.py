"""qualscore: score assessment schemes from declarative YAML rules, exactly.

Typical use::

    import qualscore

    rules = qualscore.load_rules("rules/rugao-2018")
    facts = qualscore.load_facts(rules, "examples/rugao-2018/city-sample.yaml")
    result = qualscore.evaluate(rules, facts)
    print(result.total, result.vetoed)

Each public name is imported from its module when it is first used (PEP 562): ``import
qualscore`` alone builds no model and imports neither pydantic's validators nor rich,
so that a command starts at once and a cached ``validate`` never pays for them.
"""

from __future__ import annotations

# Modules, not names: the package's namespace holds its public names alone.
import importlib
import typing

from qualscore._version import __version__

if typing.TYPE_CHECKING:
    from qualscore.errors import (
        CohortError,
        EvaluationError,
        FactsError,
        Problem,
        QualscoreError,
        RuleSetError,
        SourceError,
    )
    from qualscore.facts.check import Facts, check_facts, load_facts
    from qualscore.linting.checks import LintWarning, lint
    from qualscore.ruleset.loader import RuleSet, load_rules
    from qualscore.scoring.cohort import CohortSummary
    from qualscore.scoring.engine import evaluate
    from qualscore.scoring.scores import Scores, score
    from qualscore.scoring.together import CohortResult, evaluate_cohort
    from qualscore.scoring.trace import ItemResult, NodeResult, Result

__all__ = [
    "CohortError",
    "CohortResult",
    "CohortSummary",
    "EvaluationError",
    "Facts",
    "FactsError",
    "ItemResult",
    "LintWarning",
    "NodeResult",
    "Problem",
    "QualscoreError",
    "Result",
    "RuleSet",
    "RuleSetError",
    "Scores",
    "SourceError",
    "__version__",
    "check_facts",
    "evaluate",
    "evaluate_cohort",
    "lint",
    "load_facts",
    "load_rules",
    "score",
]

_WHERE = {
    "CohortError": "qualscore.errors",
    "CohortResult": "qualscore.scoring.together",
    "CohortSummary": "qualscore.scoring.cohort",
    "EvaluationError": "qualscore.errors",
    "Facts": "qualscore.facts.check",
    "FactsError": "qualscore.errors",
    "ItemResult": "qualscore.scoring.trace",
    "LintWarning": "qualscore.linting.checks",
    "NodeResult": "qualscore.scoring.trace",
    "Problem": "qualscore.errors",
    "QualscoreError": "qualscore.errors",
    "Result": "qualscore.scoring.trace",
    "RuleSet": "qualscore.ruleset.loader",
    "RuleSetError": "qualscore.errors",
    "Scores": "qualscore.scoring.scores",
    "SourceError": "qualscore.errors",
    "check_facts": "qualscore.facts.check",
    "evaluate": "qualscore.scoring.engine",
    "evaluate_cohort": "qualscore.scoring.together",
    "lint": "qualscore.linting.checks",
    "load_facts": "qualscore.facts.check",
    "load_rules": "qualscore.ruleset.loader",
    "score": "qualscore.scoring.scores",
}
"""The module each public name (but ``__version__``) is defined in."""


def __getattr__(name: str) -> typing.Any:
    """The public name ``name``, imported from its module on first use and kept here.

    Raises:
        AttributeError: ``name`` is not one of :data:`__all__`.
    """
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'qualscore' has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value  # found here from now on: no second call
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
