"""The typed expression tree, and the one way to walk it.

Every node knows its type (``"number"`` or ``"bool"``) and where it was written
(``start``/``end``: character offsets into the expression's source, so
``source[node.start:node.end]`` is what the user wrote for it). The tree is made
by :func:`qualscore.language.parse.parse` only, after every check has passed:
a visitor may assume that operands have the types their operator needs, that a
function has the number of arguments it takes, and that every name is known.

A visitor (:class:`Visitor`) has one method per kind of node, named after it
in lower case (``number``, ``binary``, ``call``…); :meth:`Visitor.visit`
dispatches on the node's class. A kind of node added here without a method in
a visitor fails at once, in the visitor's tests, not silently at run time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Generic, Literal, TypeVar

__all__ = [
    "BINARY_OPS",
    "COMPARE_OPS",
    "Binary",
    "Call",
    "Compare",
    "Expr",
    "If",
    "Logic",
    "Name",
    "NodeRead",
    "Number",
    "Text",
    "Truth",
    "Type",
    "Unary",
    "Visitor",
    "children",
    "node_key",
    "reads",
    "walk",
]

Type = Literal["bool", "number", "text"]
"""``text``: a choice fact's value, and a text literal (``'初中'``) compared with it."""

BINARY_OPS = ("+", "-", "*", "/")
COMPARE_OPS = ("==", "!=", "<", "<=", ">", ">=")


def node_key(function: str, node: str) -> str:
    """The key a node read is found under among the values: as it is written,
    ``score('1.2')`` (an id holds no quote)."""
    return f"{function}('{node}')"


@dataclass(frozen=True, slots=True, kw_only=True)
class Expr:
    """A node of the tree: its type and where it was written."""

    type: Type
    start: int = 0
    end: int = 0
    kind: ClassVar[str] = ""
    """The name of the visitor method for this kind of node."""


@dataclass(frozen=True, slots=True)
class Number(Expr):
    """A number as written (``written``, underscores dropped), held exactly."""

    value: Decimal
    written: str
    kind: ClassVar[str] = "number"


@dataclass(frozen=True, slots=True)
class Truth(Expr):
    """``true`` or ``false``."""

    value: bool
    kind: ClassVar[str] = "truth"


@dataclass(frozen=True, slots=True)
class Text(Expr):
    """A text literal, ``'初中'``: one of a choice fact's values, compared with it."""

    value: str
    kind: ClassVar[str] = "text"


@dataclass(frozen=True, slots=True)
class Name(Expr):
    """A fact, target, cohort value or named value, read by its key."""

    key: str
    kind: ClassVar[str] = "name"


@dataclass(frozen=True, slots=True)
class NodeRead(Expr):
    """What a formula reads of a node: ``score('2.1')``, ``applies('2.1')``, ``met('2.1')``."""

    function: str
    node: str
    kind: ClassVar[str] = "noderead"

    @property
    def key(self) -> str:
        """The key its value is found under among the values (:func:`node_key`)."""
        return node_key(self.function, self.node)


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    """``-x``, ``+x`` or ``not x``."""

    op: Literal["-", "+", "not"]
    operand: Expr
    kind: ClassVar[str] = "unary"


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    """Arithmetic: ``+``, ``-``, ``*``, ``/`` (one of :data:`BINARY_OPS`)."""

    op: str
    left: Expr
    right: Expr
    kind: ClassVar[str] = "binary"


@dataclass(frozen=True, slots=True)
class Logic(Expr):
    """``a and b and …`` or ``a or b or …``."""

    op: Literal["and", "or"]
    values: tuple[Expr, ...]
    kind: ClassVar[str] = "logic"


@dataclass(frozen=True, slots=True)
class Compare(Expr):
    """A comparison, chained as written: ``0 <= x < 5`` holds both ``0 <= x`` and ``x < 5``.

    ``ops[i]`` (one of :data:`COMPARE_OPS`) stands between ``operands[i]`` and ``operands[i + 1]``.
    """

    ops: tuple[str, ...]
    operands: tuple[Expr, ...]
    kind: ClassVar[str] = "compare"


@dataclass(frozen=True, slots=True)
class If(Expr):
    """``body if test else orelse``."""

    test: Expr
    body: Expr
    orelse: Expr
    kind: ClassVar[str] = "if_"


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """A call of one of the language's functions (:mod:`qualscore.language.ops`)."""

    function: str
    args: tuple[Expr, ...] = field(default=())
    kind: ClassVar[str] = "call"


def children(node: Expr) -> tuple[Expr, ...]:
    """The nodes directly under ``node``, in the order they were written."""
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Logic):
        return node.values
    if isinstance(node, Compare):
        return node.operands
    if isinstance(node, If):
        return (node.body, node.test, node.orelse)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Expr) -> Iterator[Expr]:
    """``node`` and every node under it, each before its children."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(reversed(children(current)))


def reads(node: Expr) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """What an expression reads: the keys of its names, and its node reads as
    ``(function, node id)`` pairs; each sorted, each once."""
    names: set[str] = set()
    nodes: set[tuple[str, str]] = set()
    for n in walk(node):
        if isinstance(n, Name):
            names.add(n.key)
        elif isinstance(n, NodeRead):
            nodes.add((n.function, n.node))
    return tuple(sorted(names)), tuple(sorted(nodes))


R = TypeVar("R")


class Visitor(Generic[R]):
    """A walk over the tree: one method per kind of node (see the module doc)."""

    def visit(self, node: Expr) -> R:
        """What this visitor makes of ``node``."""
        method = getattr(self, node.kind)
        result: R = method(node)
        return result

    def number(self, node: Number) -> R:
        raise NotImplementedError

    def truth(self, node: Truth) -> R:
        raise NotImplementedError

    def text(self, node: Text) -> R:
        raise NotImplementedError

    def name(self, node: Name) -> R:
        raise NotImplementedError

    def noderead(self, node: NodeRead) -> R:
        raise NotImplementedError

    def unary(self, node: Unary) -> R:
        raise NotImplementedError

    def binary(self, node: Binary) -> R:
        raise NotImplementedError

    def logic(self, node: Logic) -> R:
        raise NotImplementedError

    def compare(self, node: Compare) -> R:
        raise NotImplementedError

    def if_(self, node: If) -> R:
        raise NotImplementedError

    def call(self, node: Call) -> R:
        raise NotImplementedError
