"""What generated code may call: the formula operators, and the one way a rule fails.

The operators are :mod:`qualscore.ruleset.formula`'s own (its private decimal
context, the :data:`~qualscore.ruleset.formula.MAX_RESULT` limit, a division by zero
named as such), so generated code computes exactly what a formula computes.
The namespace has no builtins: only these names and the rule set's constants.
"""

from __future__ import annotations

import ast
import decimal
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from qualscore.errors import EvaluationError
from qualscore.ruleset.formula import (
    FUNCTIONS,
    LIST_FUNCTIONS,
    OPERATORS,
    Formula,
    NegativeRoot,
)

__all__ = ["ERRORS", "failure", "helpers", "reason"]

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


def failure(
    table: Sequence[tuple[str, Formula]],
    index: int,
    exc: BaseException,
    whats: Sequence[str] = (),
) -> Exception:
    """The error naming the item (veto, named value, verdict) and the formula that raised
    ``exc``."""
    if not 0 <= index < len(table):  # before any formula ran: not a rule's failure
        return RuntimeError(f"qualscore: generated code failed: {exc!r}")
    owner, formula = table[index]
    what = whats[index] if index < len(whats) else "item"
    return EvaluationError(owner, f"{formula.source}: {reason(exc)}", what=what)


def helpers() -> dict[str, Any]:
    """The helper names of a fresh namespace (``_fail`` is bound once the table is known)."""
    return {
        "_add": OPERATORS[ast.Add],
        "_sub": OPERATORS[ast.Sub],
        "_mul": OPERATORS[ast.Mult],
        "_div": OPERATORS[ast.Div],
        "_neg": OPERATORS[ast.USub],
        "_pos": OPERATORS[ast.UAdd],
        "_min": FUNCTIONS["min"][2],
        "_max": FUNCTIONS["max"][2],
        "_abs": FUNCTIONS["abs"][2],
        "_ceil": FUNCTIONS["ceil"][2],
        "_floor": FUNCTIONS["floor"][2],
        "_round": FUNCTIONS["round_half_up"][2],
        "_sqrt": FUNCTIONS["sqrt"][2],
        **{f"_{name}": fn for name, (_, _, fn) in LIST_FUNCTIONS.items()},
        "_E": ERRORS,
        "_Z": Decimal(0),
        "_CEIL": ROUND_CEILING,
        "_FLOOR": ROUND_FLOOR,
    }
