"""A warning when an item's criteria text names a threshold its rules do not have.

A scheme's thresholds change from year to year (90 % becomes 92 %), and the
criteria text, copied from last year's file, often keeps the old number. The
text is what auditors and departments read, so a stale number misleads them
while the score is right.

Only the percentages of the criteria of items scored against bounds of their own
(a shape with thresholds, :func:`qualscore.scoring.shapes.thresholds`: a ``tiers``
table's bands, anywhere in the item) are compared: that is where a number in the text is
a threshold. A percentage matches when it is a bound of a band or a number an
expression of the item compares with (``rate >= 100`` in a part), as written or
as a fraction (92 % and 0.92). Anything else is told, once per item, with the
numbers the rules do have; a text that means it (a growth rate in a sentence)
acknowledges the warning (``criteria-number``).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from qualscore._patterns import lazy
from qualscore.language.tree import Number, walk
from qualscore.ruleset.loader import Location, RuleSet
from qualscore.ruleset.model import Item, formulas_in, models_in
from qualscore.scoring import shapes
from qualscore.scoring.words import fmt

__all__ = ["criteria_warnings"]

_PERCENT = lazy(r"(?<![\d.])(\d+(?:\.\d+)?)\s*[%％]")
"""A percentage as criteria write it: ``92%``, ``92 %``, ``92％``, ``99.5%``."""

_HUNDRED = Decimal(100)


def criteria_warnings(ruleset: RuleSet) -> Iterator[tuple[Location, str, str]]:
    """``(location, node, message)`` for each item whose criteria name a percentage that
    is no threshold of its rules."""
    from qualscore.linting.values import located

    for item in ruleset.items():
        bounds = _bounds(item)
        if not bounds:
            continue
        said = dict.fromkeys(m.group(1) for m in _PERCENT.finditer(item.criteria))
        stray = [n for n in said if not {Decimal(n), Decimal(n) / _HUNDRED} & bounds]
        if stray:
            shown = ", ".join(fmt(b) for b in sorted(bounds))
            yield (
                located(ruleset, item.id, ("criteria",)),
                f"item {item.id}",
                f"criteria says {', '.join(n + '%' for n in stray)}, which is no bound of its "
                f"bands (its rules compare with {shown}): the text may be left from an "
                "earlier year",
            )


def _bounds(item: Item) -> frozenset[Decimal]:
    """The numbers the item's rules compare with; empty when no shape of it has bounds
    of its own (bands)."""
    found: set[Decimal] = set()
    for _loc, model in models_in(item.score):
        if getattr(model, "kind", None) in shapes.REGISTRY:
            found.update(shapes.thresholds(model))
    if not found:
        return frozenset()
    found.update(
        node.value
        for formula in formulas_in(item.score)
        for node in walk(formula.tree)
        if isinstance(node, Number)
    )
    return frozenset(found)
