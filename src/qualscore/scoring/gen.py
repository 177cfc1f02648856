"""The code generator's toolbox: names, constants, formulas, blocks of lines.

Generated code is built from two things only: the checked syntax trees of the
rule set's formulas (:mod:`qualscore.ruleset.formula` has refused everything outside
its allowlist) and model values (numbers, indices, flags). Every identifier in
it is made here: ``_k3`` for a constant, ``_f7`` for the value of the seventh
declared fact, ``_t12`` for a temporary. Text from a rule or facts file never
becomes an identifier; a fact is read from the values mapping by its key, a
string literal written with :func:`repr`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qualscore.ruleset.formula import NODE_FUNCTIONS, Formula

if TYPE_CHECKING:
    from qualscore.ruleset.model import Shape

__all__ = ["Gen", "Space"]

_BINARY = {ast.Add: "_add", ast.Sub: "_sub", ast.Mult: "_mul", ast.Div: "_div"}
_UNARY = {ast.USub: "_neg", ast.UAdd: "_pos"}
_COMPARE = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_CALLS = {
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


class Space:
    """The module-level names generated code may see: helpers, constants, the formula table.

    One per compiled rule set (or probe). Constants are keyed by type and text,
    so that ``Decimal("1.0")`` and ``Decimal("1")`` (equal, but printed
    differently) stay two constants.
    """

    def __init__(self, helpers: dict[str, Any]) -> None:
        self.names: dict[str, Any] = {"__builtins__": {}, **helpers}
        self._consts: dict[tuple[str, str], str] = {}
        self.formulas: list[tuple[str, Formula]] = []
        self.temps = 0
        """Temporaries made so far: a name is unique across the functions of one module."""
        self.whats: list[str] = []
        """What each formula's owner is, in an error: ``item``, ``veto``, ``value``, ``verdict``."""
        self.comments: list[str] = []

    def const(self, value: Decimal | str | tuple[Any, ...]) -> str:
        """The name of a constant holding ``value``."""
        key = (type(value).__name__, repr(value))
        name = self._consts.get(key)
        if name is None:
            name = self._consts[key] = f"_k{len(self._consts)}"
            self.names[name] = value
        return name

    def formula(self, formula: Formula, owner: str, what: str = "item") -> int:
        """The index of ``formula`` (read by ``owner``, an item or ``what``) in the table
        errors are named from."""
        self.formulas.append((owner, formula))
        self.whats.append(what)
        return len(self.formulas) - 1

    def constants_text(self) -> list[str]:
        """The constants as comments, for a reader of the generated source."""
        lines = []
        for (_kind, _), name in sorted(self._consts.items(), key=lambda kv: int(kv[1][2:])):
            value = self.names[name]
            shown = f"Decimal({str(value)!r})" if isinstance(value, Decimal) else repr(value)
            lines.append(f"# {name} = {shown}")
        return lines


class Gen:
    """Lines of one generated function, and what they read.

    Attributes:
        traced: Whether this function also builds the compact trace records.
        reads: Indices of the declared facts the function reads.
    """

    def __init__(self, space: Space, facts: dict[str, int], traced: bool) -> None:
        self.space = space
        self.facts = facts
        self.traced = traced
        self.lines: list[str] = []
        self.depth = 2
        self.count = 0
        self.reads: set[int] = set()
        self.owner = ""
        self.what = "item"
        """What the owner is, in an error (``item``, ``veto``, ``value``, ``verdict``)."""
        self.node_read: Callable[[str, str], str] | None = None
        """The code reading a node (``score``/``applies``/``met`` and its id)."""
        self.item: tuple[str, Decimal | None, Decimal | None] = ("", None, Decimal(0))
        """The item being emitted: its id, lowest and highest score (None: no bound)."""
        self.part: str | None = None
        """The id of the part whose score is being emitted, if it has one (a judged part's
        judgement is read by its item's id and it)."""

    def line(self, text: str) -> None:
        """Add a line at the current indentation."""
        self.lines.append("    " * self.depth + text)

    @contextmanager
    def block(self, head: str) -> Iterator[None]:
        """``head`` (an ``if``/``else`` line), then an indented block."""
        self.line(head)
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def tmp(self) -> str:
        """A fresh local name (unique in the module: a function may hand it to another)."""
        self.space.temps += 1
        return f"_t{self.space.temps}"

    def const(self, value: Decimal | str | tuple[Any, ...]) -> str:
        """The name of a constant holding ``value``."""
        return self.space.const(value)

    def expr(self, formula: Formula) -> str:
        """Python text for ``formula``; first a line naming it, for the error it may raise."""
        index = self.space.formula(formula, self.owner, self.what)
        self.line(f"_w = {index}")
        return self._lower(formula._tree)

    def value(self, formula: Formula) -> str:
        """A local holding the value of ``formula``."""
        text = self.expr(formula)
        name = self.tmp()
        self.line(f"{name} = {text}")
        return name

    def shape(self, shape: Shape, cap: str) -> tuple[str, str]:
        """Emit ``shape``: the local holding its value, and its record (text) when traced."""
        from qualscore.scoring.shapes import module

        emitted: tuple[str, str] = module(shape.kind).emit(self, shape, cap)
        return emitted

    def _lower(self, node: ast.AST) -> str:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return "True" if node.value else "False"
            assert isinstance(node.value, Decimal)
            return self.const(node.value)
        if isinstance(node, ast.Name):
            index = self.facts[node.id]
            self.reads.add(index)
            return f"_f{index}"
        if isinstance(node, ast.BinOp):
            helper = _BINARY[type(node.op)]
            return f"{helper}({self._lower(node.left)}, {self._lower(node.right)})"
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return f"(not {self._lower(node.operand)})"
            return f"{_UNARY[type(node.op)]}({self._lower(node.operand)})"
        if isinstance(node, ast.BoolOp):
            word = " and " if isinstance(node.op, ast.And) else " or "
            return "(" + word.join(self._lower(v) for v in node.values) + ")"
        if isinstance(node, ast.Compare):
            text = self._lower(node.left)
            for op, right in zip(node.ops, node.comparators, strict=True):
                text += f" {_COMPARE[type(op)]} {self._lower(right)}"
            return f"({text})"
        if isinstance(node, ast.IfExp):
            body, test, orelse = (self._lower(n) for n in (node.body, node.test, node.orelse))
            return f"({body} if {test} else {orelse})"
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if node.func.id in NODE_FUNCTIONS:
            read = node.args[0]
            assert self.node_read is not None and isinstance(read, ast.Constant)
            return self.node_read(node.func.id, str(read.value))
        args = ", ".join(self._lower(a) for a in node.args)
        return f"{_CALLS[node.func.id]}({args})"
