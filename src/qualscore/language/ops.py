"""The language's arithmetic and functions: what every visitor computes with.

Every arithmetic step runs in the one private decimal context
(:data:`qualscore._decimal.CONTEXT`), and a step whose value passes
:data:`MAX_RESULT` raises :class:`ResultTooLarge`; ``sqrt`` of a negative number
raises :class:`NegativeRoot`. Both are :class:`ArithmeticError`, which the engine
reports as the rule's evaluation error, like a division by zero.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from qualscore._decimal import CONTEXT, plain
from qualscore.language.tree import Type

__all__ = [
    "BINARY",
    "COMPARE",
    "ERRORS",
    "FUNCTIONS",
    "LIST_FUNCTIONS",
    "MAX_LISTED",
    "MAX_RESULT",
    "NODE_FUNCTIONS",
    "UNARY",
    "NegativeRoot",
    "ResultTooLarge",
    "Value",
    "reason",
    "sqrt",
]

Value = Decimal | bool | str
"""What an expression reads or gives: a number, a boolean, or a choice's text."""

MAX_RESULT = Decimal(10) ** 20
"""Largest absolute value any step of an evaluation may produce.

Facts and literals stay within 10**15; a product of two of them can pass this
limit and is refused as :class:`ResultTooLarge` instead of being carried on.
With 34 significant digits it leaves room for ``round_half_up`` to 12 places.
"""
MAX_LISTED = 100
"""Most values one call of ``sum``, ``count_if``, ``all`` or ``any`` may list."""

_CONTEXT = CONTEXT


class ResultTooLarge(decimal.Overflow):
    """A step of an evaluation whose value is above :data:`MAX_RESULT`.

    An :class:`ArithmeticError` (a :class:`decimal.Overflow`), so the engine
    reports it as an evaluation error of the rule, like a division by zero.
    """


class NegativeRoot(decimal.InvalidOperation):
    """``sqrt`` of a negative number: not a real number.

    An :class:`ArithmeticError` (a :class:`decimal.InvalidOperation`, what
    :meth:`decimal.Decimal.sqrt` itself raises), so the engine reports it as an
    evaluation error of the rule, its message naming the number.
    """


def _bounded(value: Decimal) -> Decimal:
    if value.copy_abs() > MAX_RESULT:
        raise ResultTooLarge(f"result is above the limit of {MAX_RESULT:,}")
    return value


def _add(a: Decimal, b: Decimal) -> Decimal:
    return _bounded(_CONTEXT.add(a, b))


def _subtract(a: Decimal, b: Decimal) -> Decimal:
    return _bounded(_CONTEXT.subtract(a, b))


def _multiply(a: Decimal, b: Decimal) -> Decimal:
    return _bounded(_CONTEXT.multiply(a, b))


def _divide(a: Decimal, b: Decimal) -> Decimal:
    # 0 / 0 is decimal's "undefined", an InvalidOperation: name it what it is.
    if b.is_zero():
        raise decimal.DivisionByZero("division by zero")
    return _bounded(_CONTEXT.divide(a, b))


def _round_half_up(x: Decimal, places: Decimal = Decimal(0)) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP, context=_CONTEXT)


def sqrt(x: Decimal) -> Decimal:
    """The square root of ``x``, in the private context: 34 significant digits, the last
    rounded half to even (as :meth:`decimal.Decimal.sqrt` rounds, whatever the context's
    mode): ``sqrt(2)`` is 1.414213562373095048801688724209698 (the next digits, 07…, cut
    off), ``sqrt(10)`` 3.162277660168379331998893544432719 (…718 and then 53…: rounded
    up). The rounding is beyond any ``places`` a scheme declares. An exact root is exact
    (``sqrt(6.25)`` is 2.5) and ``sqrt(0)`` is 0. A formula that wants fewer places
    says so: ``round_half_up(sqrt(x), 2)``.

    Raises:
        NegativeRoot: ``x`` is below 0.
    """
    if x < 0:
        raise NegativeRoot(f"square root of a negative number ({plain(x)})")
    # plus(): the root of -0 is -0, and a score of zero is 0, never -0.
    return _CONTEXT.plus(x.sqrt(context=_CONTEXT))


BINARY: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "+": _add,
    "-": _subtract,
    "*": _multiply,
    "/": _divide,
}
UNARY: dict[str, Callable[[Decimal], Decimal]] = {
    "-": _CONTEXT.minus,
    "+": _CONTEXT.plus,
}
COMPARE: dict[str, Callable[[Any, Any], bool]] = {  # ordered: numbers only (parse says)
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}

FUNCTIONS: dict[str, tuple[int, int, Callable[..., Decimal]]] = {
    # name: (fewest args, most args, implementation)
    "min": (2, 20, min),
    "max": (2, 20, max),
    "abs": (1, 1, abs),
    "ceil": (1, 1, lambda x: x.to_integral_value(rounding=ROUND_CEILING, context=_CONTEXT)),
    "floor": (1, 1, lambda x: x.to_integral_value(rounding=ROUND_FLOOR, context=_CONTEXT)),
    "round_half_up": (1, 2, _round_half_up),
    "sqrt": (1, 1, sqrt),
}
"""Functions of numbers."""


def _sum(*values: Decimal) -> Decimal:
    total = Decimal(0)
    for value in values:
        total = _bounded(_CONTEXT.add(total, value))
    return total


def _count_if(*conditions: bool) -> Decimal:
    return Decimal(sum(1 for c in conditions if c))


def _all(*conditions: bool) -> bool:
    return all(conditions)


def _any(*conditions: bool) -> bool:
    return any(conditions)


LIST_FUNCTIONS: dict[str, tuple[Type, Type, Callable[..., Value]]] = {
    # name: (type of each argument, type of the result, implementation)
    "sum": ("number", "number", _sum),
    "count_if": ("bool", "number", _count_if),
    "all": ("bool", "bool", _all),
    "any": ("bool", "bool", _any),
}
"""Functions over a list of values, written as their arguments: ``count_if(a, b, c)``."""

NODE_FUNCTIONS: dict[str, Type] = {
    "score": "number",
    "applies": "bool",
    "met": "bool",
}
"""What a formula may read of a node (an item, indicator or section, by its id in quotes):
its score, whether it applies to the entity, whether its verdict is met."""


def implementation(function: str) -> Callable[..., Value]:
    """The implementation of a function of :data:`FUNCTIONS` or :data:`LIST_FUNCTIONS`."""
    if function in FUNCTIONS:
        return FUNCTIONS[function][2]
    return LIST_FUNCTIONS[function][2]


ERRORS = (ArithmeticError, TypeError)
"""What a formula can raise at run time; everything else is a bug, and propagates."""


def reason(exc: BaseException) -> str:
    """A failed computation in words: the same whatever the output (scores or trace)."""
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, decimal.Overflow):
        return "number too large"
    if isinstance(exc, TypeError):  # a value that is not a number where one is needed
        return "a value it reads is not a number"
    if isinstance(exc, NegativeRoot):  # its message names the number
        return str(exc)
    return "the result is not a valid number"  # decimal's InvalidOperation: said in words
