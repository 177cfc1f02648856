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
from qualscore.facts.check import Facts, check_facts
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
    if not isinstance(ruleset, RuleSet):
        given = type(ruleset).__name__
        raise TypeError(f"score() needs a RuleSet from load_rules(), not {given}")
    if not isinstance(facts, Facts):
        facts = check_facts(ruleset, facts)
    facts = facts.bound_to(ruleset.view(facts.entity))
    ruleset = ruleset.view(facts.entity)
    return plan(ruleset).score(facts.run_values)
