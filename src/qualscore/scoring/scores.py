"""Scores only: the same numbers as :func:`qualscore.evaluate`, without the trace.

For scoring many entities when nobody will read the explanation. It runs the
scores-only variant of the code generated for the rule set
(:mod:`qualscore.scoring`): the same generator as the traced variant, so the
two cannot disagree. ``tests/test_scores.py`` checks it against
:func:`evaluate` on random facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qualscore._decimal import in_context
from qualscore.facts.check import Facts, facts_for
from qualscore.ruleset.loader import RuleSet
from qualscore.scoring import Scores, plan

__all__ = ["Scores", "score"]


@in_context
def score(ruleset: RuleSet, facts: Facts | Mapping[str, Any]) -> Scores:
    """Score one entity without building a trace.

    Raises:
        FactsError: a mapping that does not fit the declarations.
        EvaluationError: a formula failed (for example a division by zero).
    """
    ruleset, facts = facts_for(ruleset, facts, caller="score")
    return plan(ruleset).score(facts.run_values)
