"""An expression worked through as an auditor would: labels, numbers substituted, each step.

A rule's expression (``0 if green_food_share < 30 else min(2, green_food_share / 45 * 2)``)
is Python-like source; a report must never show it that way. :func:`work` turns
it, with the fact values an item read, into

- ``formula``: the expression with the facts' labels, operators as written in
  arithmetic (``×``, ``÷``, ``≥``) and functions named in words
  (``四舍五入取整``, ``较小值``);
- ``steps``: the numbers substituted, then each level worked out in turn
  (arithmetic over numbers at once, each function call, each comparison),
  down to the value, with the conditions decided on the way (``36.5 < 30：不成立``);
- ``derived``: every value worked out on the way, exact, with the expression
  it came from (what the JSON trace carries, so any report can be rebuilt);
- ``value``: the exact value.

Display numbers are rounded to ``places`` (the rule set's places) with ``≈``;
exact values stay in ``derived`` and ``value``. The arithmetic is the
engine's own (:mod:`qualscore.ruleset.formula`), so the value is the value scored.
Nothing here is used to score: a failure to work an expression (a fact
missing, a division by zero) gives ``None`` and the report keeps its other lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar, NamedTuple

from qualscore.catalogue import say, words, working_words
from qualscore.language.ops import BINARY, COMPARE, UNARY, Value, implementation
from qualscore.language.parse import MAX_PLACES, FormulaError, parse
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
    Type,
    Unary,
    Visitor,
)
from qualscore.scoring.words import cohort_number

__all__ = ["Derived", "Working", "number_text", "work"]


class Derived(NamedTuple):
    """One value worked out on the way: its expression as written, readable, and exact."""

    source: str
    text: str
    value: Value


class Working(NamedTuple):
    """An expression worked through (see the module's doc)."""

    formula: str
    steps: tuple[str, ...]
    conditions: tuple[str, ...]
    derived: tuple[Derived, ...]
    value: Value


def number_text(value: Decimal, places: int) -> str:
    """A number as shown: exact when it has at most ``places`` decimals (trailing zeros
    aside: 34.6500 is 34.65), else ``≈`` rounded."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return _plain(rounded) if rounded == value else "≈ " + _plain(rounded)
    return _plain(value)


def _input(value: Decimal) -> str:
    """A value an expression reads, as given; one with more decimals than anything a
    scheme declares (a cohort mean worked out to 32 places) as :func:`cohort_number`
    shows it (``≈ 39.8333``)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES:
        return cohort_number(value)
    return _plain(value)


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_PREC_OR, _PREC_AND, _PREC_NOT, _PREC_CMP, _PREC_ADD, _PREC_MUL, _PREC_UNARY, _PREC_ATOM = range(
    1, 9
)
_BIN = {"+": ("+", _PREC_ADD), "-": ("−", _PREC_ADD), "*": ("×", _PREC_MUL),
        "/": ("÷", _PREC_MUL)}  # fmt: skip
_CMP = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}


@dataclass(frozen=True, slots=True)
class _Lit(Expr):
    """A value already worked out, and how it is shown."""

    value: Value
    text: str
    kind: ClassVar[str] = "lit"


class _Types(Mapping[str, Type]):
    """Every name an expression to be worked may read, typed by its value (a name with
    no value reads as a number; working it then fails, and the report leaves it out)."""

    def __init__(self, values: Mapping[str, Value]) -> None:
        self.read = values

    def __getitem__(self, key: str) -> Type:
        value = self.read.get(key)
        if isinstance(value, bool):
            return "bool"
        return "text" if isinstance(value, str) else "number"

    def __contains__(self, key: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.read)

    def __len__(self) -> int:
        return len(self.read)


class _Evaluate(Visitor[Value]):
    """The value of a (partly worked) tree, with the language's own arithmetic."""

    def __init__(self, values: Mapping[str, Value]) -> None:
        self.values = values

    def lit(self, node: _Lit) -> Value:
        return node.value

    def number(self, node: Number) -> Value:
        return node.value

    def truth(self, node: Truth) -> Value:
        return node.value

    def text(self, node: Text) -> Value:
        return node.value

    def name(self, node: Name) -> Value:
        return self.values[node.key]

    def noderead(self, node: NodeRead) -> Value:
        return self.values[node.key]

    def binary(self, node: Binary) -> Value:
        return BINARY[node.op](self.visit(node.left), self.visit(node.right))  # type: ignore[arg-type]

    def unary(self, node: Unary) -> Value:
        value = self.visit(node.operand)
        return (not value) if node.op == "not" else UNARY[node.op](value)  # type: ignore[arg-type]

    def logic(self, node: Logic) -> Value:
        is_and = node.op == "and"
        for v in node.values:
            if self.visit(v) is not is_and:
                return not is_and
        return is_and

    def compare(self, node: Compare) -> Value:
        left = self.visit(node.operands[0])
        for op, right_node in zip(node.ops, node.operands[1:], strict=True):
            right = self.visit(right_node)
            if not COMPARE[op](left, right):
                return False
            left = right
        return True

    def call(self, node: Call) -> Value:
        return implementation(node.function)(*(self.visit(a) for a in node.args))

    def if_(self, node: If) -> Value:
        return self.visit(node.body if self.visit(node.test) else node.orelse)


class _Show(Visitor[tuple[str, int]]):
    """A (partly worked) tree as text, and its precedence: names as labels (``names``)
    or as their values."""

    def __init__(self, worker: _Worker, names: bool) -> None:
        self.w = worker
        self.names = names

    def lit(self, node: _Lit) -> tuple[str, int]:
        return node.text, _PREC_ATOM

    def number(self, node: Number) -> tuple[str, int]:
        return node.written, _PREC_ATOM

    def truth(self, node: Truth) -> tuple[str, int]:
        return self.w.words["expr_true" if node.value else "expr_false"], 8

    def text(self, node: Text) -> tuple[str, int]:
        return self.w.quoted(node.value), _PREC_ATOM

    def _read(self, key: str) -> tuple[str, int]:
        if self.names:
            return self.w.labels.get(key, key), _PREC_ATOM
        value = self.w.values[key]
        if isinstance(value, bool):
            return self.w.words["yes" if value else "no"], 8
        if isinstance(value, str):  # a choice
            return self.w.quoted(value), _PREC_ATOM
        return _input(value), _PREC_ATOM

    def name(self, node: Name) -> tuple[str, int]:
        return self._read(node.key)

    def noderead(self, node: NodeRead) -> tuple[str, int]:
        return self._read(node.key)

    def binary(self, node: Binary) -> tuple[str, int]:
        sign, prec = _BIN[node.op]
        left = self.wrap(node.left, prec)
        right = self.signed(node.right, prec + (0 if node.op in ("+", "*") else 1))
        return f"{left} {sign} {right}", prec

    def unary(self, node: Unary) -> tuple[str, int]:
        if node.op == "not":
            inner = self.wrap(node.operand, _PREC_NOT)
            return say(self.w.language, "expr_not", operand=inner), _PREC_NOT
        sign = "−" if node.op == "-" else "+"
        return f"{sign}{self.signed(node.operand, _PREC_UNARY)}", _PREC_UNARY

    def logic(self, node: Logic) -> tuple[str, int]:
        is_and = node.op == "and"
        prec = _PREC_AND if is_and else _PREC_OR
        word = self.w.words["expr_and" if is_and else "expr_or"]
        return word.join(self.wrap(v, prec + 1) for v in node.values), prec

    def compare(self, node: Compare) -> tuple[str, int]:
        text = self.wrap(node.operands[0], _PREC_CMP + 1)
        for op, side in zip(node.ops, node.operands[1:], strict=True):
            # "等于", not "=": the working joins its steps with "=" (n = 0 = 0 = 成立)
            shown = self.w.words["expr_equals"] if op == "==" else _CMP[op]
            text += f" {shown} {self.wrap(side, _PREC_CMP + 1)}"
        return text, _PREC_CMP

    def call(self, node: Call) -> tuple[str, int]:
        args = node.args
        word = self.w.words[f"fn_{node.function}"]
        if node.function == "round_half_up" and len(args) == 2:
            n = self.visit(args[1])[0]
            word = say(self.w.language, "fn_round_places", places=n)
            args = args[:1]
        inner = ", ".join(self.visit(a)[0] for a in args)
        return f"{word}({inner})", _PREC_ATOM

    def if_(self, node: If) -> tuple[str, int]:
        test, body, orelse = (self.visit(n)[0] for n in (node.test, node.body, node.orelse))
        return say(self.w.language, "expr_if", test=test, body=body, orelse=orelse), _PREC_ATOM

    def wrap(self, node: Expr, prec: int) -> str:
        text, own = self.visit(node)
        return f"({text})" if own < prec else text

    def signed(self, node: Expr, prec: int) -> str:
        """An operand after a sign: a negative number in brackets, ``5 − (-3)``, never
        ``5 − -3`` or ``−-25``."""
        text = self.wrap(node, prec)
        return f"({text})" if text.startswith(("-", "≈ -")) else text


_LEAVES = (_Lit, Number, Truth, Name, NodeRead, Text)


class _Worker:
    def __init__(
        self,
        source: str,
        values: Mapping[str, Value],
        labels: Mapping[str, str],
        language: str,
        places: int,
    ) -> None:
        self.source = source
        self.values = values
        self.labels = labels
        self.language = language
        self.words = words(language)
        self.places = places
        self.derived: list[Derived] = []
        self.conditions: list[str] = []
        self._evaluate = _Evaluate(values)
        self._origins: dict[int, tuple[Expr, Expr]] = {}
        """Each worked copy's original (by the copy's id; the copy is held so the id stays
        its own)."""

    # -- showing -----------------------------------------------------------------

    def truth(self, value: bool) -> str:
        return working_words(self.language)["holds" if value else "fails"]

    def quoted(self, text: str) -> str:
        """A choice or a text as a condition shows it: ``“优秀”``, ``'A'``."""
        return say(self.language, "quoted", text=text)

    def lit(self, value: Value) -> _Lit:
        if isinstance(value, bool):
            return _Lit(value, self.truth(value), type="bool")
        if isinstance(value, str):  # a choice
            return _Lit(value, self.quoted(value), type="text")
        return _Lit(value, number_text(value, self.places), type="number")

    def show(self, node: Expr, names: bool) -> str:
        return _Show(self, names).visit(node)[0]

    # -- working -----------------------------------------------------------------

    def evaluate(self, node: Expr) -> Value:
        return self._evaluate.visit(node)

    def leafy(self, node: Expr) -> bool:
        return isinstance(node, _LEAVES)

    def arithmetic(self, node: Expr) -> bool:
        """Arithmetic over numbers only: worked out in one step."""
        if self.leafy(node):
            return True
        if isinstance(node, Binary):
            return self.arithmetic(node.left) and self.arithmetic(node.right)
        if isinstance(node, Unary) and node.op != "not":
            return self.arithmetic(node.operand)
        return False

    def original(self, node: Expr) -> Expr:
        found = self._origins.get(id(node))
        return found[1] if found is not None and found[0] is node else node

    def done(self, node: Expr, original: Expr) -> _Lit:
        value = self.evaluate(node)
        source = self.source[original.start : original.end]
        if source:
            self.derived.append(Derived(source, self.show(original, True), value))
        return self.lit(value)

    def reduce(self, node: Expr) -> Expr:
        """One level worked out: every node whose parts are known becomes its value."""
        if self.leafy(node):
            return node
        original = self.original(node)
        if self.arithmetic(node):
            return self.done(node, original)
        if isinstance(node, If):
            if self.leafy(node.test) or self.arithmetic(node.test):
                held = self.evaluate(node.test)
                return self.reduce(node.body if held else node.orelse)
            if self.ready(node.test):
                self.note(node.test)
                held = self.evaluate(node.test)
                return self.reduce(node.body if held else node.orelse)
            return self.copy(node, test=self.reduce(node.test))
        if self.ready(node):
            if isinstance(node, Compare | Logic | Unary):
                self.note(node)
            return self.done(node, original)
        if isinstance(node, Binary):
            return self.copy(node, left=self.reduce(node.left), right=self.reduce(node.right))
        if isinstance(node, Unary):
            return self.copy(node, operand=self.reduce(node.operand))
        if isinstance(node, Logic):
            return self.copy(node, values=tuple(self.reduce(v) for v in node.values))
        if isinstance(node, Compare):
            return self.copy(node, operands=tuple(self.reduce(c) for c in node.operands))
        if isinstance(node, Call):
            return self.copy(node, args=tuple(self.reduce(a) for a in node.args))
        raise TypeError(type(node).__name__)

    def ready(self, node: Expr) -> bool:
        """Every part of ``node`` is known."""
        if isinstance(node, Compare):
            return all(self.leafy(c) for c in node.operands)
        if isinstance(node, Logic):
            return all(self.leafy(v) for v in node.values)
        if isinstance(node, Unary):
            return self.leafy(node.operand)
        if isinstance(node, Call):
            return all(self.leafy(a) for a in node.args)
        return False

    def note(self, node: Expr) -> None:
        held = self.evaluate(node)
        colon = self.words["colon"]
        self.conditions.append(f"{self.show(node, False)}{colon}{self.truth(bool(held))}")

    def copy(self, node: Expr, **fields: Any) -> Expr:
        new = replace(node, **fields)
        self._origins[id(new)] = (new, self.original(node))
        return new


def work(
    source: str,
    values: Mapping[str, Value],
    labels: Mapping[str, str],
    language: str,
    places: int = 2,
) -> Working | None:
    """``source`` worked through with ``values`` (see the module doc); ``None`` if it cannot."""
    try:
        parsed = parse(source, _Types(values))
    except FormulaError:
        return None
    worker = _Worker(parsed.source, values, labels, language, places)
    tree: Expr = parsed.tree
    try:
        value = worker.evaluate(tree)
        formula = worker.show(tree, True)
        steps = [worker.show(tree, False)]
        node = tree
        for _ in range(60):
            if isinstance(node, _Lit):
                break
            leaf = worker.leafy(node)
            node = worker.lit(worker.evaluate(node)) if leaf else worker.reduce(node)
            shown = worker.show(node, False)
            if shown != steps[-1]:
                steps.append(shown)
    except (ArithmeticError, KeyError, TypeError, ValueError):
        return None
    return Working(formula, tuple(steps), tuple(worker.conditions), tuple(worker.derived), value)
