"""The stable codes of the validator's warnings: what a rule file acknowledges a warning by.

A scheme's source sometimes gets its own numbers wrong ("the source prints 23;
its items add to 26"), and the rule set must keep them as printed. A rule file
acknowledges such a warning where it is about (an item, an indicator, a
category, ``ruleset.yaml``, a fact), by its code and with a reason
(:class:`qualscore.ruleset.model.Acknowledgement`); :mod:`qualscore.linting.acknowledged`
matches acknowledgements against the warnings.

A code names what is wrong, not how the message words it, so it stays when a
message's numbers or words change. Where points do not add up, ``-over`` (the
cap binds) and ``-under`` (points that can never be earned or deducted) are two
codes: they are two different mistakes, and a source mended the other way round
leaves the old acknowledgement stale instead of excusing the new mistake.

The codes are part of the rule language, so they live here, in the layer of the
models, and not with the checks (which import the models).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["CODES", "STALE"]

CODES: Mapping[str, str] = MappingProxyType(
    {
        "total-points": (
            "the categories (or what applies to a group) add to other than total_points"
        ),
        "children-over": "a category's or indicator's children add to more than its points",
        "children-under": "a category's or indicator's children add to less than its points",
        "parts-over": "a checklist's parts award (or deduct) more than the item's points",
        "parts-under": "a checklist's parts award (or deduct) less than the item's points",
        "shape-over": "the most a shape gives (or deducts) is more than its points",
        "shape-under": "the most a shape gives (or deducts) is less than its points",
        "not-applicable-over": "not_applicable awards more than the item's points",
        "never-deducts": "deductions in a penalty section that never deduct",
        "band-order": "a band awards as much as the band above it, or more",
        "band-gap": "a value between two bands, or beyond the best band, falls in none",
        "band-overlap": "a value falls in two bands",
        "band-unreachable": "a band no value can fall in",
        "formula-range": "a formula can leave what its item may score",
        "nothing-done": "an item awards points when every fact it reads is false or 0",
        "unread-fact": "a declared fact or cohort value that nothing reads",
        "evidence-of-nothing": "evidence: required on an item that reads no fact and is not judged",
        "reserved-key": "a fact named entity, period or judged",
        "criteria-number": "an item's criteria name a percentage that is no bound of its bands",
    }
)
"""Every code a rule file may acknowledge, with what it means (``qualscore schema`` shows it)."""

STALE = "stale-acknowledgement"
"""The code of the warning about an acknowledgement that matches no warning: it is not
acknowledged but removed."""
