"""The calls of generated scorer code, over columns: the formula operators and functions,
``quantize``, and the functions of the scorer itself.

Each is what :mod:`qualscore.language.ops` (and :class:`~decimal.Decimal`) computes, in
integers: see :mod:`qualscore.columnar.numbers` for why the results are the same digits.
An operator the row engine bounds (``+``, ``-``, ``*``, ``/`` of a formula, ``sum``)
records when it fails (:meth:`Lifter.fail_when`).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import ROUND_HALF_UP
from typing import TYPE_CHECKING, Any

from qualscore.columnar import numbers as nb
from qualscore.columnar.ir import NotColumnar
from qualscore.columnar.numbers import Num, Ratio
from qualscore.columnar.values import NONE, Bool, Text, Tup

if TYPE_CHECKING:
    from qualscore.columnar.lift import Lifter

__all__ = ["call"]

_BOUNDED = {"_add": 1, "_sub": -1}


def call(lift: Lifter, node: ast.Call, env: Mapping[Any, Any]) -> Any:
    """The value of a call in generated code."""
    func = node.func
    if node.keywords:
        raise NotColumnar("a call it does not know")
    if isinstance(func, ast.Attribute):
        return _method(lift, node, func, env)
    if not isinstance(func, ast.Name):
        raise NotColumnar("a call it does not know")
    name = func.id
    if name in lift.functions:
        assert isinstance(env, dict)  # a function fills the containers it is handed
        return lift.call(name, [lift.expr(a, env) for a in node.args], env)
    if name == "_Scores":
        keys = ("items", "nodes", "total", "vetoed", "grade", "na", "held", "values", "verdicts")
        got = [_box(lift, a, env) for a in node.args]
        return dict(zip(keys, got, strict=True))
    args = [lift.expr(a, env) for a in node.args]
    g = lift.g
    if name in ("_all", "_any"):
        conds = [lift.truth(a) for a in args]
        return Bool(g.and_(*conds) if name == "_all" else g.or_(*conds))
    if name == "_count_if":
        total: Any = Num(g.const(0), 0)
        for a in args:
            total = nb.add(g, total, Num(g.as_int(lift.truth(a)), 0))
        return total
    if name == "_grade":
        from qualscore.columnar.grades import grade

        return grade(lift, args[0], args[1])
    if not all(isinstance(a, Num | Ratio) for a in args):
        if any(a is NONE or isinstance(a, Tup) for a in args):
            raise NotColumnar("a call on a value that is not a number")
        raise NotColumnar("arithmetic on a value that is not a number")
    return _number(lift, name, args)


def _box(lift: Lifter, arg: ast.expr, env: Mapping[Any, Any]) -> Any:
    """An argument of ``_Scores``: a container by its keys in order, or a value."""
    if isinstance(arg, ast.Name) and arg.id in lift.order and arg.id not in env:
        return {k: env.get((arg.id, k)) for k in lift.order[arg.id]}
    return lift.expr(arg, env)


def _number(lift: Lifter, name: str, args: list[Any]) -> Any:
    g = lift.g
    if name in _BOUNDED or name == "_mul":
        a, b = args
        value = nb.mul(g, a, b) if name == "_mul" else nb.add(g, a, b, _BOUNDED[name])
        return _checked(lift, value)
    if name == "_div":
        value, zero = nb.div(g, args[0], args[1])
        lift.fail_when(zero)
        return _checked(lift, value)
    if name == "_sum":
        total: Any = Num(g.const(0), 0)
        for a in args:
            total = _checked(lift, nb.add(g, total, a))
        return total
    if name in ("_neg", "_pos"):
        return nb.neg(g, args[0]) if name == "_neg" else args[0]
    if name in ("_min", "_max"):  # Python's min and max: the first of equal values
        out = args[0]
        for a in args[1:]:
            better = nb.compare(g, "lt" if name == "_min" else "gt", a, out)
            out = nb.select(g, better, a, out)
        return out
    if name == "_abs":
        a = args[0]
        return nb.select(g, nb.compare(g, "lt", a, Num(g.const(0), 0)), nb.neg(g, a), a)
    if name in ("_ceil", "_floor"):
        return nb.quantize(g, args[0], 0, "ROUND_CEILING" if name == "_ceil" else "ROUND_FLOOR")
    if name == "_round":
        places = _places(args[1]) if len(args) > 1 else 0
        return nb.quantize(g, args[0], places, ROUND_HALF_UP)
    if name == "_sqrt":
        raise NotColumnar("a square root")
    raise NotColumnar(f"the function {name.lstrip('_')}")


def _checked(lift: Lifter, value: Any) -> Any:
    lift.fail_when(nb.bounded(lift.g, value))
    return nb.clamp(lift.g, value)


def _places(arg: Any) -> int:
    """A constant number of places (``round_half_up(x, 2)``)."""
    if isinstance(arg, Num) and arg.raw.op == "const" and arg.raw.value is not None:
        whole, rest = divmod(arg.raw.value, 10**arg.scale)
        if rest == 0:
            return int(whole)
    raise NotColumnar("rounding to a number of places that is not a whole constant")


def _method(lift: Lifter, node: ast.Call, func: ast.Attribute, env: Mapping[Any, Any]) -> Any:
    if isinstance(func.value, ast.Name) and env.get(func.value.id) == "v" and func.attr == "get":
        return lift.read(_key(node.args[0]))
    target = lift.expr(func.value, env)
    args = [lift.expr(a, env) for a in node.args]
    if not isinstance(target, Num | Ratio):
        raise NotColumnar("a call on a value that is not a number")
    if func.attr == "quantize" and len(args) == 2 and isinstance(args[1], Text):
        quantum = args[0]
        if not (isinstance(quantum, Num) and quantum.raw.value == 1):
            raise NotColumnar("rounding to a step that is not a power of ten")
        return nb.quantize(lift.g, target, quantum.scale, args[1].node.value)
    if func.attr == "to_integral_value" and len(args) == 1 and isinstance(args[0], Text):
        return nb.quantize(lift.g, target, 0, args[0].node.value)
    raise NotColumnar(f"the method {func.attr}")


def _key(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise NotColumnar("a value read by a key that is not a constant")
