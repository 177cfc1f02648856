"""What generated code's names hold once lifted: numbers, conditions, texts, tuples, None.

A number is a :class:`~qualscore.columnar.numbers.Num` or
:class:`~qualscore.columnar.numbers.Ratio`; a condition a :class:`Bool`; a choice (or
a rounding mode's name) a :class:`Text`; a constant tuple or what a function returns a
:class:`Tup`; Python's None :data:`NONE`. :func:`select` joins two of them where an
``if`` chose between them, a None on one side becoming a null on the rows that take it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qualscore.columnar import numbers as nb
from qualscore.columnar.ir import Graph, Node, NotColumnar
from qualscore.columnar.numbers import Num, Ratio

__all__ = ["NONE", "Bool", "Input", "Text", "Tup", "Value", "node_of", "select"]


@dataclass(frozen=True)
class Bool:
    """A condition column."""

    node: Node


@dataclass(frozen=True)
class Text:
    """A text column (a choice), or a constant text (a rounding mode)."""

    node: Node


@dataclass(frozen=True)
class Tup:
    """A tuple of values (a constant tuple, what a function returns)."""

    items: tuple[Any, ...]


class _None:
    def __repr__(self) -> str:
        return "NONE"


NONE = _None()
"""Python's None."""

Value = Num | Ratio | Bool | Text | Tup | _None


@dataclass(frozen=True)
class Input:
    """How the scorer's input ``v[key]`` is held: kind (``int``, ``bool``, ``str``), the
    scale of a number, the largest raw value, and whether it may be blank."""

    kind: str
    scale: int = 0
    mag: int = 0
    null: bool = False


def select(g: Graph, cond: Node, a: Any, b: Any) -> Any:
    """``a`` where ``cond`` holds, else ``b`` (either may be None)."""
    if a is NONE and b is NONE:
        return NONE
    if a is NONE or b is NONE:
        other = b if a is NONE else a
        return _with_null(g, other, cond if a is NONE else g.not_(cond))
    if isinstance(a, Num | Ratio) and isinstance(b, Num | Ratio):
        return nb.select(g, cond, a, b)
    if isinstance(a, Bool) and isinstance(b, Bool):
        return Bool(g.if_(cond, a.node, b.node))
    if isinstance(a, Text) and isinstance(b, Text):
        return Text(g.if_(cond, a.node, b.node))
    if isinstance(a, Tup) and isinstance(b, Tup) and len(a.items) == len(b.items):
        pairs = zip(a.items, b.items, strict=True)
        return Tup(tuple(select(g, cond, x, y) for x, y in pairs))
    raise NotColumnar("a value that is a number on one path and not on another")


def node_of(value: Any) -> Node:
    if isinstance(value, Num):
        return value.raw
    if isinstance(value, Ratio):
        return value.num
    if isinstance(value, Bool | Text):
        return value.node
    raise NotColumnar("a value that is not a column")


def _with_null(g: Graph, value: Any, where: Node) -> Any:
    """``value`` with a null where ``where`` holds."""
    if isinstance(value, Num):
        return Num(g.if_(where, g.const(None), value.raw), value.scale)
    if isinstance(value, Ratio):
        return Ratio(g.if_(where, g.const(None), value.num), value.den)
    if isinstance(value, Bool):
        return Bool(g.if_(where, g.const(None, "bool"), value.node))
    if isinstance(value, Text):
        return Text(g.if_(where, g.const(None, "str"), value.node))
    raise NotColumnar("a value that is None on one path and a tuple on another")
