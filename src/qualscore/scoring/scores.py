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
from qualscore.scoring.members import values_for
from qualscore.scoring.together import check_given, needs_cohort, reads_cohort, values_with

__all__ = ["Scores", "score"]


@in_context
def score(
    ruleset: RuleSet,
    facts: Facts | Mapping[str, Any],
    *,
    cohort: Mapping[str, Any] | None = None,
) -> Scores:
    """Score one entity without building a trace: the fast path when only the numbers
    are wanted.

    Args:
        ruleset: A rule set from :func:`qualscore.load_rules`.
        facts: Facts from :func:`qualscore.load_facts`, or a mapping of fact keys to
            values, which is validated first.
        cohort: As for :func:`qualscore.evaluate`.

    Returns:
        The entity's :class:`~qualscore.Scores`: total, result, grade, verdict and each
        item's score, equal to what :func:`qualscore.evaluate` gives.

    Raises:
        FactsError: a mapping that does not fit the declarations.
        CohortError: the rule set needs cohort values that were not given, or those
            given do not fit.
        EvaluationError: a formula failed (for example a division by zero).
    """
    ruleset, facts = facts_for(ruleset, facts, caller="score")
    if cohort is not None or (ruleset.cohort and reads_cohort(ruleset)):
        if cohort is None:
            raise needs_cohort(ruleset)
        given = check_given(ruleset, cohort)
        return plan(ruleset).score(values_with(ruleset, facts, given))
    return plan(ruleset).score(values_for(ruleset, facts))
