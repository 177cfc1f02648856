"""The graph as Polars expressions: the engine that scores a table on one machine.

Integers are ``Int64`` columns, or ``Int128`` where a node may pass 64 bits
(:attr:`~qualscore.columnar.ir.Node.wide`); every operand is cast to its node's width
first, so no product wraps. Equality is ``eq_missing`` (None equals None, as in
Python), a null condition picks the ``otherwise`` branch.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from functools import partial, reduce
from typing import Any

import polars as pl

from qualscore.columnar.ir import Node
from qualscore.columnar.stages import Stages

__all__ = ["compute", "expression"]

_ORDER = {"lt": "__lt__", "le": "__le__", "gt": "__gt__", "ge": "__ge__"}


def _dtype(node: Node) -> Any:
    if node.kind == "int":
        return pl.Int128 if node.wide else pl.Int64
    return pl.Boolean if node.kind == "bool" else pl.String


def expression(node: Node, names: Mapping[int, str]) -> pl.Expr:
    """The expression computing ``node`` from the columns ``names`` (node id -> column)."""
    name = names.get(node.uid)
    if name is not None:
        return pl.col(name)
    args = [_as(a, node, names) for a in node.args]
    return _OPS[node.op](node, args)


def _as(arg: Node, node: Node, names: Mapping[int, str]) -> pl.Expr:
    """An operand, an integer cast to the width its reader computes in."""
    expr = expression(arg, names)
    if arg.kind != "int" or node.op == "if":
        return expr
    if node.op in ("add", "sub", "mul", "neg", "abs"):
        wide = node.wide
    else:
        wide = any(a.wide for a in node.args if a.kind == "int") or node.wide
    dtype = pl.Int128 if wide else pl.Int64
    if arg.op == "const":  # a literal of the width itself: a cast one would not broadcast
        return pl.lit(arg.value, dtype=dtype)
    if arg.wide == wide:
        return expr
    return expr.cast(dtype, strict=False)


def _const(node: Node, args: list[pl.Expr]) -> pl.Expr:
    return pl.lit(node.value, dtype=_dtype(node))


def _if(node: Node, args: list[pl.Expr]) -> pl.Expr:
    then, other = (_of_width(a, e, node) for a, e in zip(node.args[1:], args[1:], strict=True))
    return pl.when(args[0]).then(then).otherwise(other)


def _of_width(arg: Node, expr: pl.Expr, node: Node) -> pl.Expr:
    """A branch of an ``if``, of the ``if``'s own type."""
    if arg.op == "const":
        return pl.lit(arg.value, dtype=_dtype(node))
    if node.kind != "int" or arg.wide == node.wide:
        return expr
    return expr.cast(_dtype(node), strict=False)


def _order(method: str, node: Node, args: list[pl.Expr]) -> pl.Expr:
    return getattr(args[0], method)(args[1])  # type: ignore[no-any-return]


def _strip(node: Node, args: list[pl.Expr]) -> pl.Expr:
    text = args[0].str.strip_chars(node.value)
    return pl.when(text == "").then(None).otherwise(text)


_OPS: dict[str, Callable[[Node, list[pl.Expr]], pl.Expr]] = {
    "const": _const,
    "add": lambda n, a: (a[0] + a[1]).cast(_dtype(n), strict=False),
    "sub": lambda n, a: (a[0] - a[1]).cast(_dtype(n), strict=False),
    "mul": lambda n, a: (a[0] * a[1]).cast(_dtype(n), strict=False),
    # 0 - a: Polars has no negation (nor abs) of 128-bit integers.
    "neg": lambda n, a: (pl.lit(0, _dtype(n)) - a[0]).cast(_dtype(n), strict=False),
    "abs": lambda n, a: pl.when(a[0] < 0).then(pl.lit(0, _dtype(n)) - a[0]).otherwise(a[0])
    .cast(_dtype(n), strict=False),
    "fdiv": lambda n, a: (a[0] // a[1]).cast(_dtype(n), strict=False),
    "mod": lambda n, a: (a[0] % a[1]).cast(_dtype(n), strict=False),
    "int": lambda n, a: a[0].cast(pl.Int64),
    "eq": lambda n, a: a[0].eq_missing(a[1]),
    "ne": lambda n, a: a[0].ne_missing(a[1]),
    **{op: partial(_order, method) for op, method in _ORDER.items()},
    "and": lambda n, a: reduce(lambda x, y: x & y, a),
    "or": lambda n, a: reduce(lambda x, y: x | y, a),
    "not": lambda n, a: ~a[0],
    "isnull": lambda n, a: a[0].is_null(),
    "if": _if,
    "strip": _strip,
    "match": lambda n, a: a[0].str.contains(f"^(?:{n.value})$").fill_null(False),
    "group": lambda n, a: a[0].str.extract(f"^(?:{n.value[0]})$", n.value[1]),
    "slice": lambda n, a: a[0].str.slice(n.value[0], n.value[1]),
    "pad": lambda n, a: a[0].str.pad_end(n.value, "0"),
    "parse": lambda n, a: a[0].cast(_dtype(n), strict=False),
    "decimal": lambda n, a: a[0].cast(pl.Decimal(38, n.value), strict=False).to_physical()
    .cast(_dtype(n), strict=False),
    "isin": lambda n, a: a[0].is_in(list(n.value)).fill_null(False),
    "lenstr": lambda n, a: a[0].str.len_chars().cast(pl.Int64),
    "concat": lambda n, a: pl.concat_str(a, separator=n.value or "", ignore_nulls=bool(n.value)),
}


def compute(plan: Stages, frame: pl.DataFrame, keep: tuple[str, ...] = ()) -> pl.DataFrame:
    """The outputs of ``plan`` (columns named as its outputs) for the rows of ``frame``,
    with its columns ``keep`` beside them (the plan was cut with them as ``inputs``)."""
    steps, outputs = _expressions(plan)
    lazy = frame.lazy()
    for made, stage in zip(steps, plan.steps, strict=True):
        lazy = lazy.with_columns(made).select(stage.keep)
    return lazy.select([*keep, *outputs]).collect()


_MADE: weakref.WeakKeyDictionary[Stages, tuple[list[list[pl.Expr]], list[pl.Expr]]] = (
    weakref.WeakKeyDictionary()
)
"""The expressions of each plan's stages and outputs, made once: a batch computes the same
plan on many tables."""


def _expressions(plan: Stages) -> tuple[list[list[pl.Expr]], list[pl.Expr]]:
    """The expressions making each stage's columns, and the outputs', of ``plan``."""
    found = _MADE.get(plan)
    if found is None:
        steps = [[expression_of(n, plan).alias(plan.names[n.uid]) for n in stage.made]
                 for stage in plan.steps]  # fmt: skip
        outputs = [expression(node, plan.names).alias(name)
                   for name, node in plan.outputs.items()]  # fmt: skip
        found = _MADE[plan] = (steps, outputs)
    return found


def expression_of(node: Node, plan: Stages) -> pl.Expr:
    """A made column's own expression (its operands read from earlier columns)."""
    args = [_as(a, node, plan.names) for a in node.args]
    return _OPS[node.op](node, args)
