"""qualscore: score assessment schemes from declarative YAML rules, exactly.

Typical use::

    import qualscore

    rules = qualscore.load_rules("rules/rugao-2018")
    facts = qualscore.load_facts(rules, "examples/rugao-2018/city-sample.yaml")
    result = qualscore.evaluate(rules, facts)
    print(result.total, result.vetoed)

The public names are imported when first used (PEP 562), so that a command
answered from the validate cache, or a program that only needs the errors,
does not pay for building the rule language's models.
"""

from __future__ import annotations

import importlib
import typing

from ._version import __version__
from .errors import EvaluationError, FactsError, Problem, QualscoreError, RuleSetError, SourceError

if typing.TYPE_CHECKING:
    from .engine import evaluate
    from .facts import Facts, check_facts, load_facts
    from .lint import LintWarning, lint
    from .loader import RuleSet, load_rules
    from .scores import Scores, score
    from .trace import ItemResult, NodeResult, Result

__all__ = [
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
    "lint",
    "load_facts",
    "load_rules",
    "score",
]

_LAZY = {
    "evaluate": "qualscore.engine",
    "Facts": "qualscore.facts",
    "check_facts": "qualscore.facts",
    "load_facts": "qualscore.facts",
    "LintWarning": "qualscore.lint",
    "lint": "qualscore.lint",
    "RuleSet": "qualscore.loader",
    "load_rules": "qualscore.loader",
    "Scores": "qualscore.scores",
    "score": "qualscore.scores",
    "ItemResult": "qualscore.trace",
    "NodeResult": "qualscore.trace",
    "Result": "qualscore.trace",
}
"""Where each public name lives: imported on first use, then kept here."""


def __getattr__(name: str) -> typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qualscore' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
