"""The one decimal context every number in qualscore is computed in.

Python's decimal module keeps a context per thread that any caller may change
(``getcontext().prec = 3``, an ``Inexact`` trap): arithmetic written as plain
``a + b`` follows it. qualscore's results must not depend on what the caller
did, nor differ between two ways of writing the same rule, so every entry
point that computes runs its work inside :func:`exact`, a copy of
:data:`CONTEXT`, and code that must not depend on the thread's context at all
(formula operators) calls :data:`CONTEXT`'s methods directly.

34 significant digits is IEEE decimal128's precision: facts are refused
beyond it (``facts.MAX_DIGITS``), so no input is ever rounded on the way in.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["CONTEXT", "MODES", "PRECISION", "exact", "in_context", "plain"]

PRECISION = 34
"""Significant digits of every intermediate value."""

CONTEXT = decimal.Context(
    prec=PRECISION,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=999_999,
    Emin=-999_999,
    capitals=1,
    clamp=0,
    flags=[],
    traps=[decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow],
)
"""The private context. Never installed as is: :func:`exact` installs a copy."""

MODES = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "down": decimal.ROUND_DOWN,
    "up": decimal.ROUND_UP,
}
"""A rule set's rounding modes (``rounding: {mode: half_up}``), as :mod:`decimal` names them."""


def exact() -> decimal._ContextManager:
    """A ``with`` block computing in a fresh copy of :data:`CONTEXT`, whatever the caller set."""
    return decimal.localcontext(CONTEXT)


P = ParamSpec("P")
R = TypeVar("R")


def in_context(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a public entry point so that it always computes in :data:`CONTEXT`."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with decimal.localcontext(CONTEXT):
            return fn(*args, **kwargs)

    return wrapper


def plain(value: decimal.Decimal) -> str:
    """A decimal without exponent or trailing zeros: ``Decimal("2.50")`` -> ``"2.5"``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
