"""What generated code may call: the formula operators, and the one way a rule fails.

The operators are the language's own (:data:`qualscore.language.lower.HELPERS`: the
private decimal context, the :data:`~qualscore.language.ops.MAX_RESULT` limit, a
division by zero named as such), so generated code computes exactly what a formula
computes.
The namespace has no builtins: only these names and the rule set's constants.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from qualscore.errors import EvaluationError
from qualscore.language.lower import HELPERS
from qualscore.language.ops import ERRORS, reason
from qualscore.ruleset.formula import Formula

__all__ = ["ERRORS", "failure", "helpers", "reason"]


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
        **HELPERS,
        "_E": ERRORS,
        "_Z": Decimal(0),
        "_CEIL": ROUND_CEILING,
        "_FLOOR": ROUND_FLOOR,
    }
