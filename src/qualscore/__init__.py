"""qualscore: score assessment schemes from declarative YAML rules, exactly.

Typical use::

    import qualscore

    rules = qualscore.load_rules("rules/rugao-2018")
    facts = qualscore.load_facts(rules, "examples/rugao-2018/city-sample.yaml")
    result = qualscore.evaluate(rules, facts)
    print(result.total, result.vetoed)
"""

from __future__ import annotations

from qualscore._version import __version__
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
from qualscore.lint.checks import LintWarning, lint
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
