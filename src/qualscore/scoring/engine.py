"""Scoring: pure functions from a compiled rule set and validated facts to a Result.

Decimal end to end. An item's score is its shape's value, clamped to
[0, points] and rounded once as the rule set declares. A parent scores the
sum of its children, capped at its declared points. The total is the sum of
the categories plus the bonus (capped at its points). A veto changes the
result, not the score.

The rules run as Python generated once per rule set (:mod:`qualscore.scoring`);
this module is the public entry point over it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from qualscore._decimal import in_context
from qualscore.facts.check import Facts, facts_for
from qualscore.ruleset.loader import RuleSet
from qualscore.ruleset.model import TiersShape
from qualscore.scoring import formulas, plan
from qualscore.scoring.members import values_for
from qualscore.scoring.shapes.tiers import band_traces as _band_traces
from qualscore.scoring.together import check_given, needs_cohort, reads_cohort, score_with
from qualscore.scoring.trace import BandTrace, Result

__all__ = ["band_traces", "evaluate", "formulas", "target_check"]

_ZERO = Decimal(0)


@in_context
def evaluate(
    ruleset: RuleSet,
    facts: Facts | Mapping[str, Any],
    *,
    cohort: Mapping[str, Any] | None = None,
) -> Result:
    """Score one entity.

    Args:
        ruleset: A rule set from :func:`qualscore.load_rules`.
        facts: Facts from :func:`qualscore.load_facts`, or a mapping of fact
            keys to values, which is validated first.
        cohort: For a rule set that scores entities against each other: the
            entity's cohort values, by key (its rank, a published average, …;
            None for a value whose cohort does not include it). Without them
            such a rule set is refused; :func:`qualscore.evaluate_cohort`
            computes them from the entities themselves.

    Returns:
        The entity's :class:`~qualscore.Result`: total, result (scored or vetoed),
        grade, verdict, every category, item and veto with the facts it read and how
        it came to its score (``result.explain(item_id)``, ``result.to_dict()``).

    Raises:
        FactsError: the mapping does not fit the declarations.
        CohortError: the rule set needs cohort values that were not given, or
            those given do not fit.
        EvaluationError: a formula failed (for example a division by zero).
    """
    ruleset, facts = facts_for(ruleset, facts, caller="evaluate")
    if cohort is not None or (ruleset.cohort and reads_cohort(ruleset)):
        if cohort is None:
            raise needs_cohort(ruleset)
        return score_with(ruleset, facts, check_given(ruleset, cohort))
    values = values_for(ruleset, facts)
    # The facts' fingerprint is worked out when the result's is first read, if ever.
    if facts.entity is None and facts.period is None:
        result = plan(ruleset).result(values, "")
    else:
        result = plan(ruleset).result(values, "", facts.entity, facts.period)
    return result.fingerprint_later(partial(getattr, facts, "sha256"))


def target_check(actual: Decimal, target: Decimal, met_when: str) -> tuple[bool, Decimal]:
    """Whether ``actual`` meets ``target`` under ``met_when``, and the shortfall (0 when met)."""
    met = {
        "at_least": actual >= target,
        "above": actual > target,
        "below": actual < target,
        "at_most": actual <= target,
    }[met_when]
    gap = target - actual if met_when in ("at_least", "above") else actual - target
    return met, _ZERO if met else max(gap, _ZERO)


def band_traces(shape: TiersShape) -> tuple[BandTrace, ...]:
    """A tier table's bands as the trace records them."""
    return _band_traces(shape)
