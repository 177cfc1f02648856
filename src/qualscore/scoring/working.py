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

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from qualscore.ruleset.formula import (
    FUNCTIONS,
    LIST_FUNCTIONS,
    MAX_PLACES,
    NODE_FUNCTIONS,
    OPERATORS,
    Value,
    node_key,
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
    """A number as shown: exact when it has at most ``places`` decimals, else ``≈`` rounded."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return "≈ " + _plain(rounded)
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
_BIN = {ast.Add: ("+", _PREC_ADD), ast.Sub: ("−", _PREC_ADD), ast.Mult: ("×", _PREC_MUL),
        ast.Div: ("÷", _PREC_MUL)}  # fmt: skip
_CMP = {ast.Lt: "<", ast.LtE: "≤", ast.Gt: ">", ast.GtE: "≥", ast.Eq: "=", ast.NotEq: "≠"}
_FN = {
    "zh": {"min": "较小值", "max": "较大值", "abs": "绝对值", "ceil": "向上取整",
           "floor": "向下取整", "round_half_up": "四舍五入取整", "sqrt": "平方根", "sum": "合计",
           "count_if": "成立的个数", "all": "全部成立", "any": "任一成立"},
    "en": {"min": "min", "max": "max", "abs": "abs", "ceil": "round up",
           "floor": "round down", "round_half_up": "round half up", "sqrt": "square root",
           "sum": "sum", "count_if": "how many hold", "all": "all hold", "any": "any holds"},
}  # fmt: skip


class _NodeReads(ast.NodeTransformer):
    """A node read (``score('2')``) is a value like a fact: a name, keyed as written."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Name) and node.func.id in NODE_FUNCTIONS:
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                read = ast.Name(node_key(node.func.id, arg.value), ast.Load())
                return ast.copy_location(read, node)
        self.generic_visit(node)
        return node


@dataclass
class _Lit:
    """A value already worked out, and how it is shown."""

    value: Value
    text: str


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
        self.zh = language == "zh"
        self.lang = "zh" if self.zh else "en"
        self.places = places
        self.derived: list[Derived] = []
        self.conditions: list[str] = []

    # -- showing -----------------------------------------------------------------

    def truth(self, value: bool) -> str:
        if self.zh:
            return "成立" if value else "不成立"
        return "holds" if value else "does not hold"

    def lit(self, value: Value) -> _Lit:
        if isinstance(value, bool):
            return _Lit(value, self.truth(value))
        return _Lit(value, number_text(value, self.places))

    def show(self, node: Any, names: bool) -> tuple[str, int]:
        """``node`` as text and its precedence; facts as labels (``names``) or values."""
        if isinstance(node, _Lit):
            return node.text, _PREC_ATOM
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return ("是" if node.value else "否") if self.zh else str(node.value).lower(), 8
            return ast.get_source_segment(self.source, node) or str(node.value), _PREC_ATOM
        if isinstance(node, ast.Name):
            if names:
                return self.labels.get(node.id, node.id), _PREC_ATOM
            value = self.values[node.id]
            if isinstance(value, bool):
                return ("是" if value else "否") if self.zh else ("yes" if value else "no"), 8
            return _input(value), _PREC_ATOM
        if isinstance(node, ast.BinOp):
            sign, prec = _BIN[type(node.op)]
            left = self.wrap(node.left, prec, names)
            right = self.signed(node.right, prec + (0 if isinstance(node.op, ast.Add | ast.Mult)
                                                    else 1), names)  # fmt: skip
            return f"{left} {sign} {right}", prec
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                inner = self.wrap(node.operand, _PREC_NOT, names)
                return (f"非 {inner}" if self.zh else f"not {inner}"), _PREC_NOT
            sign = "−" if isinstance(node.op, ast.USub) else "+"
            return f"{sign}{self.signed(node.operand, _PREC_UNARY, names)}", _PREC_UNARY
        if isinstance(node, ast.BoolOp):
            is_and = isinstance(node.op, ast.And)
            prec = _PREC_AND if is_and else _PREC_OR
            word = (" 且 " if is_and else " 或 ") if self.zh else (" and " if is_and else " or ")
            return word.join(self.wrap(v, prec + 1, names) for v in node.values), prec
        if isinstance(node, ast.Compare):
            text = self.wrap(node.left, _PREC_CMP + 1, names)
            for op, side in zip(node.ops, node.comparators, strict=True):
                text += f" {_CMP[type(op)]} {self.wrap(side, _PREC_CMP + 1, names)}"
            return text, _PREC_CMP
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            name = node.func.id
            args: list[ast.expr] = node.args
            word = _FN[self.lang][name]
            if name == "round_half_up" and len(args) == 2:
                n = self.show(args[1], names)[0]
                word = f"四舍五入保留{n}位小数" if self.zh else f"round half up to {n} places"
                args = args[:1]
            inner = ", ".join(self.show(a, names)[0] for a in args)
            return f"{word}({inner})", _PREC_ATOM
        if isinstance(node, ast.IfExp):
            test = self.show(node.test, names)[0]
            body = self.show(node.body, names)[0]
            orelse = self.show(node.orelse, names)[0]
            if self.zh:
                return f"（{test} 时为 {body}，否则为 {orelse}）", _PREC_ATOM
            return f"({body} if {test}, otherwise {orelse})", _PREC_ATOM
        raise TypeError(type(node).__name__)

    def wrap(self, node: Any, prec: int, names: bool) -> str:
        text, own = self.show(node, names)
        return f"({text})" if own < prec else text

    def signed(self, node: Any, prec: int, names: bool) -> str:
        """An operand after a sign: a negative number in brackets, ``5 − (-3)``, never
        ``5 − -3`` or ``−-25``."""
        text = self.wrap(node, prec, names)
        return f"({text})" if text.startswith(("-", "≈ -")) else text

    # -- working -----------------------------------------------------------------

    def evaluate(self, node: Any) -> Value:
        if isinstance(node, _Lit):
            return node.value
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return node.value
            return Decimal((ast.get_source_segment(self.source, node) or "").replace("_", ""))
        if isinstance(node, ast.Name):
            return self.values[node.id]
        if isinstance(node, ast.BinOp):
            return OPERATORS[type(node.op)](self.evaluate(node.left), self.evaluate(node.right))
        if isinstance(node, ast.UnaryOp):
            return OPERATORS[type(node.op)](self.evaluate(node.operand))
        if isinstance(node, ast.BoolOp):
            is_and = isinstance(node.op, ast.And)
            for v in node.values:
                held = self.evaluate(v)
                if held is not is_and:
                    return not is_and
            return is_and
        if isinstance(node, ast.Compare):
            left = self.evaluate(node.left)
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                right = self.evaluate(right_node)
                if not OPERATORS[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            name = node.func.id
            fn = FUNCTIONS[name][2] if name in FUNCTIONS else LIST_FUNCTIONS[name][2]
            result: Value = fn(*(self.evaluate(a) for a in node.args))
            return result
        if isinstance(node, ast.IfExp):
            return self.evaluate(node.body if self.evaluate(node.test) else node.orelse)
        raise TypeError(type(node).__name__)

    def leafy(self, node: Any) -> bool:
        return isinstance(node, _Lit | ast.Constant | ast.Name)

    def arithmetic(self, node: Any) -> bool:
        """Arithmetic over numbers only: worked out in one step."""
        if self.leafy(node):
            return True
        if isinstance(node, ast.BinOp):
            return self.arithmetic(node.left) and self.arithmetic(node.right)
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
            return self.arithmetic(node.operand)
        return False

    def done(self, node: Any, original: Any) -> _Lit:
        value = self.evaluate(node)
        source = ast.get_source_segment(self.source, original) if original is not None else None
        if source is not None:
            self.derived.append(Derived(source, self.show(original, True)[0], value))
        return self.lit(value)

    def reduce(self, node: Any) -> Any:
        """One level worked out: every node whose parts are known becomes its value."""
        if self.leafy(node):
            return node
        original = getattr(node, "_original", node)
        if self.arithmetic(node):
            return self.done(node, original)
        if isinstance(node, ast.IfExp):
            if self.leafy(node.test) or self.arithmetic(node.test):
                held = self.evaluate(node.test)
                return self.reduce(node.body if held else node.orelse)
            if self.ready(node.test):
                self.note(node.test)
                held = self.evaluate(node.test)
                return self.reduce(node.body if held else node.orelse)
            return self.copy(node, test=self.reduce(node.test), body=node.body,
                             orelse=node.orelse)  # fmt: skip
        if self.ready(node):
            if isinstance(node, ast.Compare | ast.BoolOp | ast.UnaryOp):
                self.note(node)
            return self.done(node, original)
        if isinstance(node, ast.BinOp):
            return self.copy(node, left=self.reduce(node.left), right=self.reduce(node.right))
        if isinstance(node, ast.UnaryOp):
            return self.copy(node, operand=self.reduce(node.operand))
        if isinstance(node, ast.BoolOp):
            return self.copy(node, values=[self.reduce(v) for v in node.values])
        if isinstance(node, ast.Compare):
            return self.copy(
                node,
                left=self.reduce(node.left),
                comparators=[self.reduce(c) for c in node.comparators],
            )
        if isinstance(node, ast.Call):
            return self.copy(node, args=[self.reduce(a) for a in node.args])
        raise TypeError(type(node).__name__)

    def ready(self, node: Any) -> bool:
        """Every part of ``node`` is known."""
        if isinstance(node, ast.Compare):
            return all(self.leafy(c) for c in (node.left, *node.comparators))
        if isinstance(node, ast.BoolOp):
            return all(self.leafy(v) for v in node.values)
        if isinstance(node, ast.UnaryOp):
            return self.leafy(node.operand)
        if isinstance(node, ast.Call):
            return all(self.leafy(a) for a in node.args)
        return False

    def note(self, node: Any) -> None:
        held = self.evaluate(node)
        sep = "：" if self.zh else ": "
        self.conditions.append(f"{self.show(node, False)[0]}{sep}{self.truth(bool(held))}")

    def copy(self, node: Any, **fields: Any) -> Any:
        new = type(node)(**{**{f: getattr(node, f) for f in node._fields}, **fields})
        ast.copy_location(new, node)
        new._original = getattr(node, "_original", node)
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
        tree = _NodeReads().visit(ast.parse(source, mode="eval")).body
    except (SyntaxError, ValueError, RecursionError):
        return None
    worker = _Worker(source, values, labels, language, places)
    try:
        value = worker.evaluate(tree)
        formula = worker.show(tree, True)[0]
        steps = [worker.show(tree, False)[0]]
        node: Any = tree
        for _ in range(60):
            if isinstance(node, _Lit):
                break
            leaf = worker.leafy(node)
            node = worker.lit(worker.evaluate(node)) if leaf else worker.reduce(node)
            shown = worker.show(node, False)[0]
            if shown != steps[-1]:
                steps.append(shown)
    except (ArithmeticError, KeyError, TypeError, ValueError):
        return None
    return Working(formula, tuple(steps), tuple(worker.conditions), tuple(worker.derived), value)
