"""The tree as Python source: what the engine runs.

:class:`Lowering` turns a checked tree into one Python expression over a few
helper names (:data:`HELPERS`: the language's arithmetic and functions) and
whatever its subclass makes of constants, names and node reads. Nothing from
the expression's text becomes an identifier: a constant is a name the subclass
chooses, a fact is read through :meth:`Lowering.read`. The rule set's generated
code (:mod:`qualscore.scoring.gen`) and a single formula's own code
(:class:`Standalone`) are both made here, so a formula means the same wherever
it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from types import CodeType
from typing import Any

from qualscore.language.ops import BINARY, FUNCTIONS, LIST_FUNCTIONS, UNARY
from qualscore.language.tree import (
    Binary,
    Call,
    Compare,
    Expr,
    If,
    Logic,
    Name,
    NodeRead,
    Number,
    Text,
    Truth,
    Unary,
    Visitor,
    node_key,
)

__all__ = ["HELPERS", "Constants", "Lowering", "Standalone"]

_BINARY_NAMES = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div"}
_UNARY_NAMES = {"-": "_neg", "+": "_pos"}
_CALL_NAMES = {
    "min": "_min",
    "max": "_max",
    "abs": "_abs",
    "ceil": "_ceil",
    "floor": "_floor",
    "round_half_up": "_round",
    "sqrt": "_sqrt",
    "sum": "_sum",
    "count_if": "_count_if",
    "all": "_all",
    "any": "_any",
}

HELPERS: dict[str, Callable[..., Any]] = {
    **{name: BINARY[op] for op, name in _BINARY_NAMES.items()},
    **{name: UNARY[op] for op, name in _UNARY_NAMES.items()},
    **{_CALL_NAMES[name]: fn for name, (_, _, fn) in FUNCTIONS.items()},
    **{_CALL_NAMES[name]: fn for name, (_, _, fn) in LIST_FUNCTIONS.items()},
}
"""The names lowered code calls, and what they are."""


class Constants:
    """The constants generated code reads by name: each value once, as ``_k0``, ``_k1``...,
    in ``names`` (the namespace the code runs in), so that no value is written into the
    code as text."""

    def __init__(self, names: dict[str, Any]) -> None:
        self.names = names
        self._consts: dict[tuple[str, str], str] = {}

    def const(self, value: Any) -> str:
        """The name of a constant holding ``value``."""
        key = (type(value).__name__, repr(value))
        name = self._consts.get(key)
        if name is None:
            name = self._consts[key] = f"_k{len(self._consts)}"
            self.names[name] = value
        return name


class Lowering(Visitor[str]):
    """Python text for a tree. A subclass says how constants, names and node reads are
    written (:meth:`const`, :meth:`read`, :meth:`read_node`)."""

    def const(self, value: Decimal) -> str:
        """The name holding the constant ``value``."""
        raise NotImplementedError

    def read(self, key: str) -> str:
        """The text reading the value of name ``key``."""
        raise NotImplementedError

    def read_node(self, function: str, node: str) -> str:
        """The text reading ``function`` (``score``, ``applies``, ``met``) of node ``node``."""
        raise NotImplementedError

    def number(self, node: Number) -> str:
        return self.const(node.value)

    def truth(self, node: Truth) -> str:
        return "True" if node.value else "False"

    def text(self, node: Text) -> str:
        return repr(node.value)  # a Python literal of the text, quotes escaped

    def name(self, node: Name) -> str:
        return self.read(node.key)

    def noderead(self, node: NodeRead) -> str:
        return self.read_node(node.function, node.node)

    def unary(self, node: Unary) -> str:
        if node.op == "not":
            return f"(not {self.visit(node.operand)})"
        return f"{_UNARY_NAMES[node.op]}({self.visit(node.operand)})"

    def binary(self, node: Binary) -> str:
        return f"{_BINARY_NAMES[node.op]}({self.visit(node.left)}, {self.visit(node.right)})"

    def logic(self, node: Logic) -> str:
        return "(" + f" {node.op} ".join(self.visit(v) for v in node.values) + ")"

    def compare(self, node: Compare) -> str:
        text = self.visit(node.operands[0])
        for op, right in zip(node.ops, node.operands[1:], strict=True):
            text += f" {op} {self.visit(right)}"
        return f"({text})"

    def if_(self, node: If) -> str:
        body, test, orelse = (self.visit(n) for n in (node.body, node.test, node.orelse))
        return f"({body} if {test} else {orelse})"

    def call(self, node: Call) -> str:
        args = ", ".join(self.visit(a) for a in node.args)
        return f"{_CALL_NAMES[node.function]}({args})"


class Standalone(Lowering):
    """One formula's own code: every name and node read looked up by its key in the one
    local ``_values`` (a fact's name is never a name in the code, so no fact can shadow
    a helper, whatever it is called), constants in its globals, no builtins."""

    def __init__(self) -> None:
        self.space: dict[str, Any] = {"__builtins__": {}, **HELPERS}
        self._consts: dict[str, str] = {}

    def const(self, value: Decimal) -> str:
        key = repr(value)  # Decimal('1.0') and Decimal('1') stay two constants
        if key not in self._consts:
            self._consts[key] = name = f"_k{len(self._consts)}"
            self.space[name] = value
        return self._consts[key]

    def read(self, key: str) -> str:
        return f"_values[{key!r}]"

    def read_node(self, function: str, node: str) -> str:
        return self.read(node_key(function, node))

    def code(self, tree: Expr) -> tuple[CodeType, dict[str, Any]]:
        """The compiled code of ``tree`` and the globals it runs in."""
        return compile(self.visit(tree), "<formula>", "eval"), self.space
