"""Expressions over facts: parsed and checked once, evaluated many times.

A :class:`Formula` is an expression of the rule language
(:mod:`qualscore.language`) as the rule set holds it: its text, its typed tree
(:func:`qualscore.language.parse.parse` has refused everything outside the
language), its type, and what it reads. Its own :meth:`Formula.evaluate` runs
the code :class:`~qualscore.language.lower.Standalone` makes of the tree, on
the same helpers as the rule set's generated code.

At run time a step whose value passes ``MAX_RESULT`` raises
:class:`ResultTooLarge`, and ``sqrt`` of a negative number :class:`NegativeRoot`:
each an :class:`ArithmeticError` the engine reports as the rule's evaluation
error, like a division by zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import CodeType
from typing import Any

from qualscore.language.lower import Standalone
from qualscore.language.ops import (
    FUNCTIONS,
    LIST_FUNCTIONS,
    MAX_LISTED,
    MAX_RESULT,
    NODE_FUNCTIONS,
    NegativeRoot,
    ResultTooLarge,
    Value,
    sqrt,
)
from qualscore.language.parse import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_LITERAL,
    MAX_LITERAL_PLACES,
    MAX_PLACES,
    FormulaError,
    parse,
)
from qualscore.language.tree import Expr, Type, node_key

__all__ = [
    "FUNCTIONS",
    "LIST_FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_LISTED",
    "MAX_LITERAL",
    "MAX_LITERAL_PLACES",
    "MAX_PLACES",
    "MAX_RESULT",
    "NODE_FUNCTIONS",
    "Formula",
    "FormulaError",
    "NegativeRoot",
    "ResultTooLarge",
    "Type",
    "Value",
    "compile_formula",
    "node_key",
    "sqrt",
]


@dataclass(frozen=True, eq=False)
class Formula:
    """A compiled expression.

    Attributes:
        source: The expression as written.
        names: The fact, target, cohort and named-value keys it reads, sorted.
        type: ``"bool"`` or ``"number"``.
        tree: Its typed tree (:mod:`qualscore.language.tree`).
        nodes: The nodes it reads, as ``(function, node id)`` pairs (``("met", "2.1")``),
            sorted; the values it is evaluated on hold each under :func:`node_key`.
    """

    source: str
    names: tuple[str, ...]
    type: Type
    tree: Expr
    nodes: tuple[tuple[str, str], ...] = ()

    @property
    def reads(self) -> tuple[str, ...]:
        """Every key it reads among the values: its names, then its node reads' keys."""
        return self.names + tuple(node_key(f, n) for f, n in self.nodes)

    # Made on first use, not when the rule set loads: scoring runs the rule set's
    # generated code (qualscore.scoring), which lowers the same tree.
    @cached_property
    def _compiled(self) -> tuple[CodeType, dict[str, Any]]:
        return Standalone().code(self.tree)

    def evaluate(self, values: Mapping[str, Value]) -> Value:
        """Evaluate against the values it reads (each under its key, node reads under
        :func:`node_key`).

        Raises:
            ArithmeticError: a division by zero, or a step whose value is above
                :data:`MAX_RESULT` (:class:`ResultTooLarge`).
        """
        code, space = self._compiled
        result: Value = eval(code, space, {"_values": values})
        return result

    def __repr__(self) -> str:
        return f"Formula({self.source!r})"


def compile_formula(source: str, types: Mapping[str, Type], *, limit: int = MAX_LENGTH) -> Formula:
    """Parse, check and prepare an expression (:func:`qualscore.language.parse.parse`).

    Raises:
        FormulaError: a syntax error, a construct not allowed, an unknown name,
            or a type error.
    """
    parsed = parse(source, types, limit=limit)
    return Formula(parsed.source, parsed.names, parsed.tree.type, parsed.tree, parsed.nodes)
