"""The columnar engine's intermediate form: a graph of column operations, engine-neutral.

A rule set compiled for columns is a directed acyclic graph of :class:`Node`: input
columns, constants, integer arithmetic, comparisons, logic, ``if`` and a few text
operations for reading table cells. Every number is an integer (a decimal scaled by a
power of ten, or a quotient's numerator and denominator, held apart by
:mod:`qualscore.columnar.numbers`), so that an engine computes exactly with integer
columns: no float. Each integer node knows the largest absolute value
it can take (``mag``), worked out from the facts' bounds, so an engine knows whether 64
bits hold it or 128 are needed (``wide``); a node that 128 bits may not hold is refused
as it is made (:class:`NotColumnar`).

Nodes are made through a :class:`Graph`, which makes each distinct node once, so that a
value read twice is one node, computed once by an engine
(:mod:`qualscore.columnar.stages`). Division and modulo floor, as Python's do; a null
(a blank target) passes through arithmetic and is false as a condition.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["INT64", "LIMIT", "Graph", "Node", "NotColumnar"]

INT64 = 2**63 - 1
"""The largest value a 64-bit column holds."""
LIMIT = 10**38
"""The largest absolute value any integer node may take: 128-bit columns hold it."""

KINDS = ("int", "bool", "str")


class NotColumnar(Exception):
    """A construct of a rule set that the columnar engine does not compute.

    Attributes:
        construct: The construct in words, with the item it is in
            (``item 24.1: a formula dividing by a fact``).
    """

    def __init__(self, construct: str) -> None:
        super().__init__(construct)
        self.construct = construct


@dataclass(eq=False)
class Node:
    """One column operation: ``op`` over ``args``, with a constant ``value`` where it has one.

    Attributes:
        op: What it computes (see :data:`OPS`).
        kind: ``int``, ``bool`` or ``str``.
        args: Its operands.
        value: A constant's value, an input column's name, a pattern, a count of places.
        mag: For an integer: the largest absolute value it can take.
    """

    op: str
    kind: str
    args: tuple[Node, ...] = ()
    value: Any = None
    mag: int = 0
    uid: int = field(default=0)
    null: bool = False
    """Whether it may be null (a blank target, or what reads one)."""

    @property
    def wide(self) -> bool:
        """Whether it needs a 128-bit column."""
        return self.kind == "int" and self.mag > INT64

    def __repr__(self) -> str:
        inner = ", ".join(f"#{a.uid}" for a in self.args)
        return f"#{self.uid}={self.op}({inner}{', ' if inner else ''}{self.value!r})"


OPS = {
    # leaves
    "col": "an input column (value: its name)",
    "const": "a constant (value: an int, bool or str; None: a null)",
    # integers
    "add": "a + b", "sub": "a - b", "mul": "a * b", "neg": "-a", "abs": "|a|",
    "fdiv": "floor(a / b)", "mod": "a - b * floor(a / b)", "int": "a boolean as 0 or 1",
    # comparisons and logic
    "eq": "a == b (as Python compares None: null == null)", "ne": "not eq",
    "lt": "a < b", "le": "a <= b", "gt": "a > b", "ge": "a >= b",
    "and": "every arg", "or": "any arg", "not": "not a", "isnull": "a is null",
    "if": "b where a holds, else c (a null condition does not hold)",
    # text cells
    "strip": "a without the characters of value at either end; empty as null",
    "match": "a matches the pattern value (whole; a null does not)",
    "group": "group value[1] of the pattern value[0] in a (null: no match)",
    "slice": "value[1] characters of a from value[0] (None: to its end)",
    "pad": "a with zeros after it to value characters",
    "parse": "a's digits as an integer",
    "decimal": "a plain decimal's text (at most value places) as an integer at scale value",
    "isin": "a is one of the texts of value",
    "lenstr": "a's length in characters",
    "concat": "the args' texts one after another, value between (with a value: nulls left "
    "out, else a null arg gives null)",
}  # fmt: skip
"""Every operation an engine implements."""

_RESULT = {
    **dict.fromkeys(("add", "sub", "mul", "neg", "abs", "fdiv", "mod", "int", "parse", "lenstr",
                     "decimal"), "int"),
    **dict.fromkeys(("eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "isnull", "match",
                     "isin"), "bool"),
    **dict.fromkeys(("strip", "group", "concat", "slice", "pad"), "str"),
}  # fmt: skip


class Graph:
    """Makes nodes, each distinct one once (by operation, operands and value)."""

    def __init__(self) -> None:
        self._made: dict[tuple[Any, ...], Node] = {}
        self.count = 0

    def _node(self, op: str, kind: str, args: Sequence[Node], value: Any, mag: int) -> Node:
        key = (op, kind, tuple(a.uid for a in args), repr(value) if op == "const" else value)
        found = self._made.get(key)
        if found is None:
            if mag > LIMIT:
                raise NotColumnar("a number too large for columns of 128 bits")
            self.count += 1
            null = _nullable(op, args, value)
            found = self._made[key] = Node(op, kind, tuple(args), value, mag, self.count, null)
        return found

    # --- leaves -------------------------------------------------------------------------

    def col(self, name: str, kind: str, mag: int = 0, *, null: bool = False) -> Node:
        """The input column ``name`` (``null``: it may hold nulls)."""
        return self._node("col", kind, (), (name, null), mag)

    def const(self, value: int | bool | str | None, kind: str = "int") -> Node:
        """A constant (None: a null of ``kind``)."""
        if isinstance(value, bool):
            kind = "bool"
        elif isinstance(value, str):
            kind = "str"
        mag = abs(value) if kind == "int" and isinstance(value, int) else 0
        return self._node("const", kind, (), value, mag)

    def op(self, op: str, *args: Node, value: Any = None, mag: int = 0) -> Node:
        """``op`` over ``args`` (a constant operation on constants is folded)."""
        folded = _fold(op, args, value)
        if folded is not None:
            return self.const(folded, _RESULT.get(op, "int"))
        return self._node(op, _RESULT[op], args, value, mag)

    # --- integers -----------------------------------------------------------------------

    def add(self, a: Node, b: Node) -> Node:
        if _is(b, 0):
            return a
        if _is(a, 0):
            return b
        return self.op("add", a, b, mag=a.mag + b.mag)

    def sub(self, a: Node, b: Node) -> Node:
        if _is(b, 0):
            return a
        return self.op("sub", a, b, mag=a.mag + b.mag)

    def mul(self, a: Node, b: Node) -> Node:
        if _is(b, 1):
            return a
        if _is(a, 1):
            return b
        if _is(a, 0) or _is(b, 0):
            return self.const(0)
        return self.op("mul", a, b, mag=a.mag * b.mag)

    def scale(self, a: Node, power: int) -> Node:
        """``a`` times 10 ** ``power``."""
        return a if power == 0 else self.mul(a, self.const(10**power))

    def neg(self, a: Node) -> Node:
        return self.op("neg", a, mag=a.mag)

    def fdiv(self, a: Node, b: Node) -> Node:
        return self.op("fdiv", a, b, mag=a.mag)

    def mod(self, a: Node, b: Node) -> Node:
        return self.op("mod", a, b, mag=b.mag)

    def as_int(self, cond: Node) -> Node:
        return self.op("int", cond, mag=1)

    # --- conditions ---------------------------------------------------------------------

    def cmp(self, op: str, a: Node, b: Node) -> Node:
        return self.op(op, a, b)

    def not_(self, a: Node) -> Node:
        if a.op == "not":
            return a.args[0]
        return self.op("not", a)

    def and_(self, *args: Node) -> Node:
        kept = _flat("and", args)
        if any(_is(a, False) for a in kept):
            return self.const(False)
        kept = [a for a in kept if not _is(a, True)]
        if not kept:
            return self.const(True)
        return kept[0] if len(kept) == 1 else self.op("and", *kept)

    def or_(self, *args: Node) -> Node:
        kept = _flat("or", args)
        if any(_is(a, True) for a in kept):
            return self.const(True)
        kept = [a for a in kept if not _is(a, False)]
        if not kept:
            return self.const(False)
        return kept[0] if len(kept) == 1 else self.op("or", *kept)

    def if_(self, cond: Node, then: Node, other: Node) -> Node:
        """``then`` where ``cond`` holds, else ``other`` (a null ``cond`` does not hold)."""
        if then is other:
            return then
        if _is(cond, True):
            return then
        if _is(cond, False):
            return other
        kind = then.kind if not _is(then, None) else other.kind
        return self._node("if", kind, (cond, then, other), None, max(then.mag, other.mag))


def _nullable(op: str, args: Sequence[Node], value: Any) -> bool:
    if op == "col":
        return bool(value[1])
    if op == "const":
        return value is None
    if op in ("isnull", "eq", "ne", "match", "isin"):
        return False  # equality is Python's: None == None, None != 1
    if op == "if":
        return args[1].null or args[2].null
    return any(a.null for a in args)


def _is(node: Node, value: Any) -> bool:
    return node.op == "const" and node.value is value if value is None or isinstance(
        value, bool
    ) else node.op == "const" and type(node.value) is int and node.value == value


def _flat(op: str, args: Sequence[Node]) -> list[Node]:
    out: list[Node] = []
    for a in args:
        out.extend(a.args if a.op == op else (a,))
    seen: set[int] = set()
    return [a for a in out if not (a.uid in seen or seen.add(a.uid))]  # type: ignore[func-returns-value]


def _fold(op: str, args: Sequence[Node], value: Any) -> Any:
    """The constant an operation on constants gives; None when it is not folded."""
    if not args or any(a.op != "const" or a.value is None for a in args):
        return None
    v = [a.value for a in args]
    if op in ("add", "sub", "mul", "neg", "abs", "fdiv", "mod") and all(type(x) is int for x in v):
        if op in ("fdiv", "mod") and v[1] == 0:
            return None
        return {"add": lambda: v[0] + v[1], "sub": lambda: v[0] - v[1],
                "mul": lambda: v[0] * v[1], "neg": lambda: -v[0], "abs": lambda: abs(v[0]),
                "fdiv": lambda: v[0] // v[1], "mod": lambda: v[0] % v[1]}[op]()  # fmt: skip
    if op == "int" and type(v[0]) is bool:
        return int(v[0])
    if op in ("lt", "le", "gt", "ge", "eq", "ne") and type(v[0]) is type(v[1]):
        import operator

        return bool(getattr(operator, op)(v[0], v[1]))
    if op == "not":
        return not v[0]
    return None


def walk(roots: Sequence[Node]) -> Iterator[Node]:
    """Every node ``roots`` reach, each once, operands before the nodes reading them."""
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, done = stack.pop()
        if done:
            yield node
            continue
        if node.uid in seen:
            continue
        seen.add(node.uid)
        stack.append((node, True))
        stack.extend((a, False) for a in reversed(node.args) if a.uid not in seen)
