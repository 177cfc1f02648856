"""An entity's grade over columns: :func:`qualscore.scoring.plan.grade_of`, written as ``if``s.

The first held veto that forces a grade gives it; else the first band holding the
total, made no better than the worst ``grade_at_most`` of the held vetoes (``grades:``
lists the best first); no band holding the total: no grade.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qualscore.columnar import numbers as nb
from qualscore.columnar.ir import Node, NotColumnar
from qualscore.columnar.values import Text, Tup

if TYPE_CHECKING:
    from qualscore.columnar.lift import Lifter
    from qualscore.ruleset.loader import RuleSet

__all__ = ["grade"]


def grade(lift: Lifter, total: Any, held: Any) -> Any:
    """The grade (a text column, null: none) of ``total`` with the vetoes ``held``."""
    ruleset: RuleSet | None = getattr(lift, "ruleset", None)
    if ruleset is None or not isinstance(held, Tup):
        raise NotColumnar("grades")
    g = lift.g
    vetoes = ruleset.manifest.vetoes
    holds = [lift.truth(h) for h in held.items]
    order: dict[str, int] = {}
    for i, band in enumerate(ruleset.manifest.grades):
        order.setdefault(band.grade, i)
    names = sorted(order, key=order.__getitem__)
    # The band's place in grades: (null: no band holds the total), then the caps.
    place: Node = g.const(None)
    for band in reversed(ruleset.bands()):
        place = g.if_(_contains(lift, band, total), g.const(order[band.grade]), place)
    for veto, h in zip(vetoes, holds, strict=True):
        if veto.grade_at_most is not None:
            cap = g.const(order[veto.grade_at_most])
            place = g.if_(g.and_(h, g.cmp("lt", place, cap)), cap, place)
    text: Node = g.const(None, "str")
    for i in reversed(range(len(names))):
        text = g.if_(g.cmp("eq", place, g.const(i)), g.const(names[i]), text)
    for veto, h in reversed(list(zip(vetoes, holds, strict=True))):
        if veto.grade is not None:
            text = g.if_(h, g.const(veto.grade), text)
    return Text(text)


def _contains(lift: Lifter, band: Any, total: Any) -> Node:
    g = lift.g
    tests = []
    for bound, op in (("at_least", "ge"), ("above", "gt"), ("below", "lt"), ("at_most", "le")):
        value = getattr(band, bound)
        if value is not None:
            tests.append(nb.compare(g, op, total, nb.const(g, value)))
    return g.and_(*tests)
