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

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qualscore.language.lower import Constants, Lowering
from qualscore.ruleset.formula import Formula

if TYPE_CHECKING:
    from qualscore.ruleset.model import Shape

__all__ = ["Gen", "Space"]


class Space(Constants):
    """The module-level names generated code may see: helpers, constants, the formula table.

    One per compiled rule set (or probe). Constants are keyed by type and text,
    so that ``Decimal("1.0")`` and ``Decimal("1")`` (equal, but printed
    differently) stay two constants.
    """

    def __init__(self, helpers: dict[str, Any]) -> None:
        super().__init__({"__builtins__": {}, **helpers})
        self.formulas: list[tuple[str, Formula]] = []
        self.temps = 0
        """Temporaries made so far: a name is unique across the functions of one module."""
        self.whats: list[str] = []
        """What each formula's owner is, in an error: ``item``, ``veto``, ``value``, ``verdict``."""
        self.comments: list[str] = []

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
        return _Lower(self).visit(formula.tree)

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


class _Lower(Lowering):
    """A formula in generated code: constants in the module's space, a fact as the local
    holding its value (``_f7``), a node read as the generator says."""

    def __init__(self, gen: Gen) -> None:
        self.gen = gen

    def const(self, value: Decimal) -> str:
        return self.gen.const(value)

    def read(self, key: str) -> str:
        index = self.gen.facts[key]
        self.gen.reads.add(index)
        return f"_f{index}"

    def read_node(self, function: str, node: str) -> str:
        assert self.gen.node_read is not None
        return self.gen.node_read(function, node)
