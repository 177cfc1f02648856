"""The batch's target cells over columns: each target item met, missed or not applicable.

What :func:`qualscore.batch.runner` works out for each item scored against a target
(``_target_cell``), apart from its score: not applicable where a value it reads is
blank or its ``not_applicable`` holds; else its actual value and target (the shape's
two formulas), whether the target is met, and by how much it is missed (0 when met).
Its outputs are ``c:ID`` (``met``, ``missed`` or ``na``) and ``c:ID:actual``,
``c:ID:target``, ``c:ID:short`` (decimals, null where it does not apply).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qualscore.columnar import numbers as nb
from qualscore.columnar.ir import Graph, Node, NotColumnar
from qualscore.columnar.lift import Lifter
from qualscore.columnar.numbers import Num
from qualscore.columnar.values import NONE, Text
from qualscore.language.lower import Standalone
from qualscore.scoring.plan import formulas

if TYPE_CHECKING:
    from qualscore.columnar.compile import Output

__all__ = ["cells"]

_MET = {"at_least": "ge", "above": "gt", "below": "lt", "at_most": "le"}


def cells(lift: Lifter, items: list[Any], outputs: dict[str, Output]) -> None:
    """Add each target item's cell to ``outputs`` (and where working it out fails, to
    ``lift.failures``)."""
    from qualscore.columnar.compile import Output

    g = lift.g
    for item in items:
        shape = item.score
        reads = sorted({n for f in formulas(item) for n in f.names})
        blank = g.or_(*(g.op("isnull", _node(lift.read(n))) for n in reads))
        na = blank
        outer = lift.path
        lift.path = g.not_(blank)
        if item.not_applicable is not None:
            na = g.or_(blank, lift.truth(_formula(lift, item.not_applicable.when)))
        lift.path = g.not_(na)
        actual, target = _formula(lift, shape.actual), _formula(lift, shape.target)
        lift.path = outer
        if not (isinstance(actual, Num) and isinstance(target, Num)):
            raise NotColumnar(f"item {item.id}: a target or actual value that is not a decimal")
        met = nb.compare(g, _MET[shape.met_when], actual, target)
        upward = shape.met_when in ("at_least", "above")
        gap = nb.add(g, target, actual, -1) if upward else nb.add(g, actual, target, -1)
        assert isinstance(gap, Num)
        zero = Num(g.const(0), 0)
        short = nb.select(g, g.or_(met, nb.compare(g, "lt", gap, zero)), zero, gap)
        assert isinstance(short, Num)
        state = g.if_(na, g.const("na"), g.if_(met, g.const("met"), g.const("missed")))
        outputs[f"c:{item.id}"] = Output(state)
        for name, value in (("actual", actual), ("target", target), ("short", short)):
            node = g.if_(na, g.const(None), value.raw)
            outputs[f"c:{item.id}:{name}"] = Output(node, value.scale)


def _formula(lift: Lifter, formula: Any) -> Any:
    """A formula of the facts over columns, lifted with the scorer's inputs (what it may
    fail on recorded in ``lift.failures``, on the lifter's current path)."""
    lowering = Standalone()
    text = lowering.visit(formula.tree)
    inner = Lifter(lift.g, lowering.space, lift.inputs, lift.column)
    inner.path = lift.path
    value = inner.expression(text)
    lift.failures.extend(inner.failures)
    if value is NONE or isinstance(value, Text):
        raise NotColumnar("a target or actual value that is not a decimal")
    return value


def _node(value: Any) -> Node:
    from qualscore.columnar.values import node_of

    return node_of(value)


_ = Graph
