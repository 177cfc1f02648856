"""From an expression's text to its typed tree, refusing everything outside the language.

The text is parsed with :mod:`ast`, then checked against an allowlist of node
types and a named allowlist of functions, and turned into the typed tree
(:mod:`qualscore.language.tree`), with its types checked (booleans and numbers
do not mix) and its number literals made exact decimals from their source text.

Everything outside the allowlist is refused: attribute access, dunder names,
subscripts, lambdas, comprehensions, f-strings, ``:=``, strings, ``**``, calls to
anything but the named functions. So is what passes the named limits below:
length, nesting (no RecursionError can reach the caller from :func:`ast.parse`
or any visitor), the size and places of number literals.

What this does not protect against: an expression that is allowed but wrong (a
threshold typed as 9 instead of 90). That is what rule-set tests and the
validator's warnings are for.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from qualscore._patterns import lazy
from qualscore.language.ops import FUNCTIONS, LIST_FUNCTIONS, MAX_LISTED, NODE_FUNCTIONS
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
    reads,
)
from qualscore.source import suggest

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_LITERAL",
    "MAX_LITERAL_PLACES",
    "MAX_PLACES",
    "FormulaError",
    "Parsed",
    "mentioned",
    "parse",
]

MAX_LENGTH = 2000
"""Longest expression accepted, in characters."""
MAX_DEPTH = 40
"""Deepest nesting of an expression's syntax tree (operators count as a level).

Low enough that no visitor (one or two Python frames a level) can come near the
interpreter's recursion limit; ``ast.parse`` itself stops at 200 nested brackets
and, within ``MAX_LENGTH``, at no depth that could exhaust the stack.
"""
MAX_PLACES = 12
"""Most decimal places ``round_half_up`` may ask for."""
MAX_LITERAL = Decimal(10) ** 15
"""Largest absolute value of a number written in an expression (as for facts)."""
MAX_LITERAL_PLACES = 12
"""Most decimal places of a number written in an expression."""
MAX_TEXT = 200
"""Longest text literal, in characters (a choice's value)."""
MAX_SHOWN = 24
"""Longest number literal quoted back in a message, in characters."""


class FormulaError(ValueError):
    """A formula that cannot be compiled; ``message`` says why, ``offset`` where."""

    def __init__(self, message: str, offset: int = 0) -> None:
        self.message = message
        self.offset = offset
        super().__init__(message)


@dataclass(frozen=True)
class Parsed:
    """A checked expression: its text, typed tree, and what it reads (each sorted)."""

    source: str
    tree: Expr
    names: tuple[str, ...]
    nodes: tuple[tuple[str, str], ...]


_BOOL_NAMES = {"true": True, "false": False}
_LITERALS = {
    bytes: "bytes",
    complex: "complex numbers",
    type(None): "'None'",
    type(...): "'...'",
}
_CONTROL = lazy(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NODE_ID = lazy(r"[^\s/\\'\"]{1,64}")
_DECIMAL = lazy(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not"}
_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}

_ALLOWED = (
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
)

_WHAT = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.JoinedStr: "f-strings",
    ast.NamedExpr: "':='",
    ast.Pow: "'**'",
    ast.Mod: "'%'",
    ast.FloorDiv: "'//'",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.Starred: "'*'",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.In: "'in'",
    ast.NotIn: "'not in'",
    ast.Is: "'is'",
    ast.IsNot: "'is not'",
    ast.BitAnd: "'&'",
    ast.BitOr: "'|'",
    ast.BitXor: "'^'",
    ast.Invert: "'~'",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.MatMult: "'@'",
}


def parse(source: str, types: Mapping[str, Type], *, limit: int = MAX_LENGTH) -> Parsed:
    """Parse and check an expression.

    Args:
        source: The expression text (leading and trailing space is dropped).
        types: The type of every name the expression may read: a
            :class:`~qualscore.source.suggest.KnownNames` when many formulas are
            compiled for one input, so that their "did you mean" searches are bounded
            together.
        limit: The longest text taken (a lookup table written as an expression is
            longer than anyone writes one; its cells are bounded instead).

    Raises:
        FormulaError: a syntax error, a construct not allowed, an unknown name,
            or a type error.
    """
    text = source.strip()
    if not text:
        raise FormulaError("empty expression")
    if len(text) > limit:
        raise FormulaError(f"expression is {len(text)} characters long, more than {limit}")
    control = _CONTROL.search(text)
    if control:
        raise FormulaError(
            f"control character U+{ord(control.group()):04X} in an expression", control.start()
        )
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"invalid syntax: {exc.msg}", (exc.offset or 1) - 1) from None
    except (RecursionError, MemoryError):
        raise FormulaError("expression is nested too deeply") from None
    except ValueError as exc:
        raise FormulaError(f"invalid syntax: {exc}") from None
    checker = _Checker(text, types)
    checker.check(tree.body, 0)
    built = _Builder(text, types, checker).build(tree.body)
    names, nodes = reads(built)
    return Parsed(text, built, names, nodes)


class _Checker:
    """The first pass: refuse what is not allowed (before any type is looked at)."""

    def __init__(self, text: str, types: Mapping[str, Type]) -> None:
        self.text = text
        self.line = None if "\n" in text or "\r" in text else text.encode()
        """The text's UTF-8 bytes when it is one line: a node's text is then a slice of
        them (what :func:`ast.get_source_segment` finds, without splitting the text into
        lines again for every node)."""
        self.types = types
        self.numbers: dict[int, tuple[Decimal, str]] = {}
        """Each number literal's exact value and text, by the id of its ast node."""

    def check(self, node: ast.AST, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _fail(node, f"expression is nested more than {MAX_DEPTH} levels deep")
        if not isinstance(node, _ALLOWED):
            what = _WHAT.get(type(node), type(node).__name__)
            raise _fail(node, f"{what} not allowed in an expression")
        if isinstance(node, ast.Constant):
            self._constant(node)
            return
        if isinstance(node, ast.Name):
            self._name(node)
            return
        if isinstance(node, ast.Call):
            if self._call(node):
                return  # a node read: its one argument is the node's id, checked
            for a in node.args:
                self.check(a, depth + 1)
            return
        for _, value in ast.iter_fields(node):
            if isinstance(value, ast.AST):
                self.check(value, depth + 1)
            elif isinstance(value, list):
                for v in value:
                    self.check(v, depth + 1)

    def _constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool):
            return
        if isinstance(node.value, str):  # a choice's value, '初中': one line, and short
            if _CONTROL.search(node.value) or "\n" in node.value or "\r" in node.value:
                raise _fail(node, "text must be one line without control characters")
            if not 1 <= len(node.value) <= MAX_TEXT:
                raise _fail(node, f"text must be 1 to {MAX_TEXT} characters")
            return
        if not isinstance(node.value, int | float):
            what = _LITERALS.get(type(node.value), type(node.value).__name__)
            raise _fail(node, f"{what} not allowed in an expression")
        # The exact value is read from the source text, never through a float.
        written = self._written(node) or repr(node.value)
        segment = written.replace("_", "")
        shown = _shorten(written)
        if not _DECIMAL.fullmatch(segment):
            raise _fail(node, f"number {shown!r} must be written in decimal digits")
        try:
            exact = Decimal(segment)
        except ArithmeticError:  # an exponent beyond what decimal can hold
            raise _fail(node, f"number {shown} is out of range") from None
        if abs(exact) > MAX_LITERAL:
            raise _fail(node, f"number {shown} is too large (the limit is {MAX_LITERAL:,})")
        exponent = exact.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_LITERAL_PLACES:
            raise _fail(node, f"number {shown} has more than {MAX_LITERAL_PLACES} decimal places")
        self.numbers[id(node)] = (exact, written)

    def _written(self, node: ast.expr) -> str | None:
        """What the user wrote for ``node``."""
        if self.line is None or node.end_col_offset is None:
            return ast.get_source_segment(self.text, node)
        return self.line[node.col_offset : node.end_col_offset].decode()

    def _name(self, node: ast.Name) -> None:
        # Python folds look-alike letters (NFKC): 'ｒａｔｅ' would silently read 'rate'.
        written = self._written(node) or node.id
        if written != node.id:
            raise _fail(node, f"name {written!r} must be written in ASCII letters")
        if node.id in _BOOL_NAMES:
            return
        if node.id.startswith("_"):
            raise _fail(node, f"name {node.id!r} not allowed")
        if node.id not in self.types:
            raise _fail(node, f"unknown name {node.id!r}{suggest.hint(node.id, self.types)}")

    def _call(self, node: ast.Call) -> bool:
        """Check a call; True if it reads a node (``score("1.2")``)."""
        known = FUNCTIONS.keys() | LIST_FUNCTIONS.keys() | NODE_FUNCTIONS.keys()
        if not isinstance(node.func, ast.Name) or node.func.id not in known:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            allowed = ", ".join(sorted(known))
            raise _fail(node, f"function {name!r} not allowed (allowed: {allowed})")
        if node.keywords:
            raise _fail(node, "keyword arguments not allowed")
        function = node.func.id
        if function in NODE_FUNCTIONS:
            arg = node.args[0] if len(node.args) == 1 else None
            if not (
                isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and _NODE_ID.fullmatch(arg.value)
            ):
                raise _fail(
                    node,
                    f"{function}() takes the id of one item, indicator or section, in quotes: "
                    f"{function}('2.1')",
                )
            return True
        if function in LIST_FUNCTIONS:
            if not 1 <= len(node.args) <= MAX_LISTED:
                raise _fail(
                    node, f"{function}() takes 1 to {MAX_LISTED} values, not {len(node.args)}"
                )
            return False
        low, high, _ = FUNCTIONS[function]
        if not low <= len(node.args) <= high:
            wanted = f"{low} to {high} arguments" if low < high else f"exactly {low} argument"
            raise _fail(node, f"{function}() takes {wanted}, not {len(node.args)}")
        if function == "round_half_up" and len(node.args) == 2:
            places = node.args[1]
            if not (
                isinstance(places, ast.Constant)
                and type(places.value) is int
                and 0 <= places.value <= MAX_PLACES
            ):
                raise _fail(node, f"round_half_up places must be a whole number 0..{MAX_PLACES}")
        return False


class _Builder:
    """The second pass: the typed tree, refusing what mixes types."""

    def __init__(self, text: str, types: Mapping[str, Type], checker: _Checker) -> None:
        self.types = types
        self.numbers = checker.numbers
        self.offsets = _Offsets(text)

    def where(self, node: ast.AST) -> tuple[int, int]:
        return self.offsets.span(node)

    def build(self, node: ast.AST) -> Expr:
        start, end = self.where(node)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return Truth(node.value, type="bool", start=start, end=end)
            if isinstance(node.value, str):
                return Text(node.value, type="text", start=start, end=end)
            exact, written = self.numbers[id(node)]
            return Number(exact, written, type="number", start=start, end=end)
        if isinstance(node, ast.Name):
            if node.id in _BOOL_NAMES:
                return Truth(_BOOL_NAMES[node.id], type="bool", start=start, end=end)
            return Name(node.id, type=self.types[node.id], start=start, end=end)
        if isinstance(node, ast.BoolOp):
            values = self.expect(node.values, "bool", "'and'/'or' need booleans")
            return Logic(
                "and" if isinstance(node.op, ast.And) else "or",
                values,
                type="bool",
                start=start,
                end=end,
            )
        if isinstance(node, ast.UnaryOp):
            unary = _UNARY[type(node.op)]
            want: Type = "bool" if unary == "not" else "number"
            (operand,) = self.expect([node.operand], want, f"'{unary}' needs a {_noun(want)}")
            return Unary(unary, operand, type=want, start=start, end=end)  # type: ignore[arg-type]
        if isinstance(node, ast.BinOp):
            binary = _BINARY[type(node.op)]
            left, right = self.expect(
                [node.left, node.right], "number", f"'{binary}' needs numbers"
            )
            if binary == "/" and isinstance(right, Number) and right.value == 0:
                raise _fail(node.right, "division by zero")
            return Binary(binary, left, right, type="number", start=start, end=end)
        if isinstance(node, ast.Compare):
            return self.compare(node, start, end)
        if isinstance(node, ast.IfExp):
            (test,) = self.expect([node.test], "bool", "the condition of 'if' must be a boolean")
            body = self.build(node.body)
            (orelse,) = self.expect(
                [node.orelse], body.type, "both branches of 'if' must have the same type"
            )
            return If(test, body, orelse, type=body.type, start=start, end=end)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        function = node.func.id
        if function in NODE_FUNCTIONS:
            node_id = str(cast(ast.Constant, node.args[0]).value)
            kind = NODE_FUNCTIONS[function]
            return NodeRead(function, node_id, type=kind, start=start, end=end)
        if function in LIST_FUNCTIONS:
            want, result, _ = LIST_FUNCTIONS[function]
            args = self.expect(node.args, want, f"{function}() needs {_noun(want)}s")
            return Call(function, args, type=result, start=start, end=end)
        args = self.expect(node.args, "number", f"{function}() needs numbers")
        return Call(function, args, type="number", start=start, end=end)

    def compare(self, node: ast.Compare, start: int, end: int) -> Expr:
        operands = tuple(self.build(o) for o in [node.left, *node.comparators])
        ops = tuple(_COMPARE[type(op)] for op in node.ops)
        kinds = {o.type for o in operands}
        if len(kinds) > 1:
            a = {"bool": "a boolean", "number": "a number", "text": "text"}
            first, second = sorted(kinds)[:2]
            raise _fail(node, f"cannot compare {a[first]} with {a[second]}")
        if kinds & {"bool", "text"} and any(op not in ("==", "!=") for op in ops):
            what = "booleans" if "bool" in kinds else "text"
            raise _fail(node, f"{what} cannot be ordered with <, <=, >, >=")
        return Compare(ops, operands, type="bool", start=start, end=end)

    def expect(self, nodes: list[ast.expr], want: Type, message: str) -> tuple[Expr, ...]:
        built = []
        for n in nodes:
            child = self.build(n)
            if child.type != want:
                raise _fail(n, message)
            built.append(child)
        return tuple(built)


class _Offsets:
    """Character offsets into the text from :mod:`ast`'s lines and UTF-8 byte columns."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True) or [""]
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def at(self, line: int, column: int) -> int:
        text = self.lines[line - 1] if line <= len(self.lines) else ""
        chars = len(text.encode("utf-8")[:column].decode("utf-8", errors="ignore"))
        return self.starts[line - 1] + chars

    def span(self, node: ast.AST) -> tuple[int, int]:
        line, column = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        end_line = getattr(node, "end_lineno", None) or line
        end_column = getattr(node, "end_col_offset", None)
        start = self.at(line, column)
        end = self.at(end_line, end_column) if end_column is not None else start
        return start, end


def _fail(node: ast.AST, message: str) -> FormulaError:
    return FormulaError(message, getattr(node, "col_offset", 0))


def _shorten(text: str) -> str:
    """``text`` cut to ``MAX_SHOWN`` characters for a message."""
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _noun(kind: Type) -> str:
    return {"bool": "boolean", "text": "text"}.get(kind, "number")


def mentioned(source: str) -> set[str]:
    """The names an expression's text mentions, before anything is known of their types
    (nothing if it does not parse): what orders named values before each is checked."""
    if len(source) > MAX_LENGTH:
        return set()
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - _BOOL_NAMES.keys()
