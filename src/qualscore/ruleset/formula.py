"""Expressions over facts: parsed and checked once, evaluated many times.

This is the only module that imports simpleeval. An expression is parsed with
:mod:`ast`, checked against an allowlist of node types and a named allowlist
of functions, type-checked (booleans and numbers do not mix), and its number
literals are turned into exact decimals from their source text. Evaluation
then runs as Python code compiled from the checked tree, calling the same
decimal-only operator functions that simpleeval, the reference evaluator,
uses; a test holds the two to the same results on every shipped formula.

Everything outside the allowlist is refused when the rule set loads: attribute
access, dunder names, subscripts, lambdas, comprehensions, f-strings, ``:=``,
strings, ``**``, calls to anything but the named functions. So is what passes
the named limits below: length, nesting (no RecursionError can reach the
caller, neither from :func:`ast.parse` nor from simpleeval), the size and
places of number literals. At run time a step whose value passes
``MAX_RESULT`` raises :class:`ResultTooLarge`, and ``sqrt`` of a negative
number :class:`NegativeRoot`: each an :class:`ArithmeticError` the engine reports
as the rule's evaluation error, like a division by zero.

What the sandbox does not protect against: an expression that is allowed but
wrong (a threshold typed as 9 instead of 90). That is what rule-set tests and
the validator's warnings are for.
"""

from __future__ import annotations

import ast
import decimal
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import cached_property, partial
from types import CodeType
from typing import TYPE_CHECKING, Any, Literal, cast

from qualscore._decimal import CONTEXT, plain
from qualscore.source import suggest

if TYPE_CHECKING:
    from simpleeval import SimpleEval

__all__ = [
    "NODE_FUNCTIONS",
    "Formula",
    "FormulaError",
    "NegativeRoot",
    "ResultTooLarge",
    "Type",
    "Value",
    "compile_formula",
    "node_key",
]

Value = Decimal | bool
Type = Literal["bool", "number"]

MAX_LENGTH = 2000
"""Longest expression accepted, in characters."""
MAX_DEPTH = 40
"""Deepest nesting of an expression's syntax tree (operators count as a level).

Low enough that neither the checks here nor simpleeval's recursive evaluation
(two or three Python frames a level) can come near the interpreter's recursion
limit; ``ast.parse`` itself stops at 200 nested brackets and, within
``MAX_LENGTH``, at no depth that could exhaust the stack.
"""
MAX_PLACES = 12
"""Most decimal places ``round_half_up`` may ask for."""
MAX_LITERAL = Decimal(10) ** 15
"""Largest absolute value of a number written in an expression (as for facts)."""
MAX_LITERAL_PLACES = 12
"""Most decimal places of a number written in an expression."""
MAX_SHOWN = 24
"""Longest number literal quoted back in a message, in characters."""
MAX_RESULT = Decimal(10) ** 20
"""Largest absolute value any step of an evaluation may produce.

Facts and literals stay within 10**15; a product of two of them can pass this
limit and is refused as :class:`ResultTooLarge` instead of being carried on.
With 34 significant digits it leaves room for ``round_half_up`` to 12 places.
"""

_CONTEXT = CONTEXT


class FormulaError(ValueError):
    """A formula that cannot be compiled; ``message`` says why."""

    def __init__(self, message: str, offset: int = 0) -> None:
        self.message = message
        self.offset = offset
        super().__init__(message)


class ResultTooLarge(decimal.Overflow):
    """A step of an evaluation whose value is above :data:`MAX_RESULT`.

    An :class:`ArithmeticError` (a :class:`decimal.Overflow`), so the engine
    reports it as an evaluation error of the rule, like a division by zero.
    """


class NegativeRoot(decimal.InvalidOperation):
    """``sqrt`` of a negative number: not a real number.

    An :class:`ArithmeticError` (a :class:`decimal.InvalidOperation`, what
    :meth:`decimal.Decimal.sqrt` itself raises), so the engine reports it as an
    evaluation error of the rule, its message naming the number.
    """


def _bounded(value: Decimal) -> Decimal:
    if value.copy_abs() > MAX_RESULT:
        raise ResultTooLarge(f"result is above the limit of {MAX_RESULT:,}")
    return value


def _divide(a: Decimal, b: Decimal) -> Decimal:
    # 0 / 0 is decimal's "undefined", an InvalidOperation: name it what it is.
    if b.is_zero():
        raise decimal.DivisionByZero("division by zero")
    return _bounded(_CONTEXT.divide(a, b))


def _num(*args: Any) -> None:
    for a in args:
        if isinstance(a, bool) or not isinstance(a, Decimal):
            raise TypeError("arithmetic needs numbers")


def _round_half_up(x: Decimal, places: Decimal = Decimal(0)) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP, context=_CONTEXT)


def sqrt(x: Decimal) -> Decimal:
    """The square root of ``x``, in the private context: 34 significant digits, the last
    rounded half to even (as :meth:`decimal.Decimal.sqrt` rounds, whatever the context's
    mode): ``sqrt(2)`` is 1.414213562373095048801688724209698 (the next digits, 07…, cut
    off), ``sqrt(10)`` 3.162277660168379331998893544432719 (…718 and then 53…: rounded
    up). The rounding is beyond any ``places`` a scheme declares. An exact root is exact
    (``sqrt(6.25)`` is 2.5) and ``sqrt(0)`` is 0. A formula that wants fewer places
    says so: ``round_half_up(sqrt(x), 2)``.

    Raises:
        NegativeRoot: ``x`` is below 0.
    """
    if x < 0:
        raise NegativeRoot(f"square root of a negative number ({plain(x)})")
    # plus(): the root of -0 is -0, and a score of zero is 0, never -0.
    return _CONTEXT.plus(x.sqrt(context=_CONTEXT))


FUNCTIONS: dict[str, tuple[int, int, Callable[..., Decimal]]] = {
    # name: (fewest args, most args, implementation)
    "min": (2, 20, min),
    "max": (2, 20, max),
    "abs": (1, 1, abs),
    "ceil": (1, 1, lambda x: x.to_integral_value(rounding=ROUND_CEILING, context=_CONTEXT)),
    "floor": (1, 1, lambda x: x.to_integral_value(rounding=ROUND_FLOOR, context=_CONTEXT)),
    "round_half_up": (1, 2, _round_half_up),
    "sqrt": (1, 1, sqrt),
}

def _sum(*values: Decimal) -> Decimal:
    total = Decimal(0)
    for value in values:
        total = _bounded(_CONTEXT.add(total, value))
    return total


def _count_if(*conditions: bool) -> Decimal:
    return Decimal(sum(1 for c in conditions if c))


def _all(*conditions: bool) -> bool:
    return all(conditions)


def _any(*conditions: bool) -> bool:
    return any(conditions)


MAX_LISTED = 100
"""Most values one call of ``sum``, ``count_if``, ``all`` or ``any`` may list."""

LIST_FUNCTIONS: dict[str, tuple[Type, Type, Callable[..., Value]]] = {
    # name: (type of each argument, type of the result, implementation)
    "sum": ("number", "number", _sum),
    "count_if": ("bool", "number", _count_if),
    "all": ("bool", "bool", _all),
    "any": ("bool", "bool", _any),
}
"""Functions over a list of values, written as their arguments: ``count_if(a, b, c)``."""

NODE_FUNCTIONS: dict[str, Type] = {
    "score": "number",
    "applies": "bool",
    "met": "bool",
}
"""What a formula may read of a node (an item, indicator or section, by its id in quotes):
its score, whether it applies to the entity, whether its verdict is met."""


def node_key(function: str, node: str) -> str:
    """The key a node read is found under among the values: as it is written,
    ``score('1.2')`` (an id holds no quote)."""
    return f"{function}('{node}')"


OPERATORS: dict[type, Callable[..., Value]] = {
    ast.Add: lambda a, b: _bounded(_CONTEXT.add(a, b)),
    ast.Sub: lambda a, b: _bounded(_CONTEXT.subtract(a, b)),
    ast.Mult: lambda a, b: _bounded(_CONTEXT.multiply(a, b)),
    ast.Div: _divide,
    ast.USub: lambda a: _CONTEXT.minus(a),
    ast.UAdd: lambda a: _CONTEXT.plus(a),
    ast.Not: lambda a: not a,
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}

_BOOL_NAMES = {"true": True, "false": False}
_LITERALS = {
    str: "strings",
    bytes: "bytes",
    complex: "complex numbers",
    type(None): "'None'",
    type(...): "'...'",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NODE_ID = re.compile(r"[^\s/\\'\"]{1,64}")
_DECIMAL = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


@dataclass(frozen=True, eq=False)
class Formula:
    """A compiled expression.

    Attributes:
        source: The expression as written.
        names: The fact, target, cohort and named-value keys it reads, sorted.
        type: ``"bool"`` or ``"number"``.
        nodes: The nodes it reads, as ``(function, node id)`` pairs (``("met", "2.1")``),
            sorted; the values it is evaluated on hold each under :func:`node_key`.
    """

    source: str
    names: tuple[str, ...]
    type: Type
    _tree: ast.AST
    nodes: tuple[tuple[str, str], ...] = ()

    @property
    def reads(self) -> tuple[str, ...]:
        """Every key it reads among the values: its names, then its node reads' keys."""
        return self.names + tuple(node_key(f, n) for f, n in self.nodes)

    # Made on first use, not when the rule set loads: scoring runs the rule set's
    # generated code (qualscore.scoring), and simpleeval only where a test asks.
    @cached_property
    def _compiled(self) -> tuple[CodeType, dict[str, Any]]:
        return _compiled(self._tree)

    @property
    def _code(self) -> CodeType:
        return self._compiled[0]

    @property
    def _globals(self) -> dict[str, Any]:
        return self._compiled[1]

    @cached_property
    def _evaluator(self) -> SimpleEval:
        from simpleeval import SimpleEval

        evaluator = SimpleEval(operators=OPERATORS, functions=_call_table(), names={})
        for name in NODE_FUNCTIONS:
            # A node read is a value like any other: looked up by its key when called.
            evaluator.functions[name] = partial(_read_node, evaluator, name)
        return evaluator

    def evaluate(self, values: Mapping[str, Value]) -> Value:
        """Evaluate against fact values, fast: the checked tree compiled to Python code.

        Raises:
            ArithmeticError: a division by zero, or a step whose value is above
                :data:`MAX_RESULT` (:class:`ResultTooLarge`).
        """
        code, space = self._compiled
        result: Value = eval(code, space, {"_values": values})
        return result

    def reference(self, values: Mapping[str, Value]) -> Value:
        """Evaluate the same checked tree on simpleeval: the reference for :meth:`evaluate`.

        Raises:
            ArithmeticError: as :meth:`evaluate`.
        """
        self._evaluator.names = values
        result: Value = self._evaluator.eval(self.source, previously_parsed=self._tree)
        return result

    def __repr__(self) -> str:
        return f"Formula({self.source!r})"


def _read_node(evaluator: SimpleEval, function: str, node: str) -> Value:
    value: Value = evaluator.names[node_key(function, node)]
    return value


def compile_formula(source: str, types: Mapping[str, Type]) -> Formula:
    """Parse, check and prepare an expression.

    Args:
        source: The expression text.
        types: The type of every name the expression may read: a
            :class:`~qualscore.source.suggest.KnownNames` when many formulas are
            compiled for one input, so that their "did you mean" searches are bounded
            together.

    Raises:
        FormulaError: a syntax error, a construct not allowed, an unknown name,
            or a type error.
    """
    text = source.strip()
    if not text:
        raise FormulaError("empty expression")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"expression is {len(text)} characters long, more than {MAX_LENGTH}")
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
    body = checker.rewrite(tree.body, 0)
    kind = checker.infer(body)
    return Formula(text, tuple(sorted(checker.names)), kind, body, tuple(sorted(checker.nodes)))


def _compiled(tree: ast.AST) -> tuple[CodeType, dict[str, Any]]:
    """Python code for an already checked tree, and the only globals it may see.

    The tree holds nothing but the allowlisted nodes, so the code can do no
    more than simpleeval would: every arithmetic step goes through the same
    operator functions (decimal context, MAX_RESULT), every call through the
    same checked functions, and facts are read by key from the one local
    ``_values`` (a fact's name is never a name in the code, so no fact can
    shadow these globals, whatever it is called). No builtins.
    """
    space: dict[str, Any] = {"__builtins__": {}}
    calls = _call_table()

    def helper(name: str, fn: Callable[..., Any], args: list[ast.expr], node: ast.AST) -> ast.expr:
        space.setdefault(name, fn)
        call = ast.Call(ast.Name(name, ast.Load()), [lower(a) for a in args], [])
        return ast.copy_location(call, node)

    # One frame per level of the tree (no NodeTransformer, no deepcopy): the deepest
    # allowed formula compiles well inside the recursion budget the tests hold it to.
    def lower(node: ast.AST) -> ast.expr:
        if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
            name = f"_k{len(space)}"
            space[name] = node.value
            return ast.copy_location(ast.Name(name, ast.Load()), node)
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            return helper(f"_op_{op.__name__}", OPERATORS[op], [node.left, node.right], node)
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
            unary = type(node.op)
            return helper(f"_op_{unary.__name__}", OPERATORS[unary], [node.operand], node)
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            if node.func.id in NODE_FUNCTIONS:
                read_key = node_key(node.func.id, node.args[0].value)  # type: ignore[attr-defined]
                value = ast.Subscript(
                    ast.Name("_values", ast.Load()), ast.Constant(read_key), ast.Load()
                )
                return ast.copy_location(value, node)
            return helper(f"_fn_{node.func.id}", calls[node.func.id], node.args, node)
        if isinstance(node, ast.UnaryOp):
            return ast.copy_location(ast.UnaryOp(node.op, lower(node.operand)), node)
        if isinstance(node, ast.BoolOp):
            return ast.copy_location(ast.BoolOp(node.op, [lower(v) for v in node.values]), node)
        if isinstance(node, ast.Compare):
            lowered = ast.Compare(lower(node.left), node.ops, [lower(c) for c in node.comparators])
            return ast.copy_location(lowered, node)
        if isinstance(node, ast.IfExp):
            lowered_if = ast.IfExp(lower(node.test), lower(node.body), lower(node.orelse))
            return ast.copy_location(lowered_if, node)
        if isinstance(node, ast.Name):
            # A fact is read by its key from the values, never as a name: a fact
            # named like a constant (_k2) could otherwise change what 'x + 5' means.
            read = ast.Subscript(ast.Name("_values", ast.Load()), ast.Constant(node.id), ast.Load())
            return ast.copy_location(read, node)
        assert isinstance(node, ast.Constant)
        return node

    expression = ast.fix_missing_locations(ast.Expression(lower(tree)))
    return compile(expression, "<formula>", "eval"), space


def _call_table() -> dict[str, Callable[..., Any]]:
    def checked(fn: Callable[..., Decimal]) -> Callable[..., Decimal]:
        def call(*args: Any) -> Decimal:
            _num(*args)
            return fn(*args)

        return call

    def listed(want: Type, fn: Callable[..., Value]) -> Callable[..., Value]:
        def call(*args: Any) -> Value:
            if want == "number":
                _num(*args)
            elif not all(isinstance(a, bool) for a in args):
                raise TypeError("needs true/false values")
            return fn(*args)

        return call

    table: dict[str, Callable[..., Any]] = {
        name: checked(fn) for name, (_, _, fn) in FUNCTIONS.items()
    }
    table.update((name, listed(want, fn)) for name, (want, _, fn) in LIST_FUNCTIONS.items())
    return table


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


class _Checker:
    def __init__(self, text: str, types: Mapping[str, Type]) -> None:
        self.text = text
        self.types = types
        self.names: set[str] = set()
        self.nodes: set[tuple[str, str]] = set()

    def fail(self, node: ast.AST, message: str) -> FormulaError:
        return FormulaError(message, getattr(node, "col_offset", 0))

    def rewrite(self, node: ast.AST, depth: int) -> ast.AST:
        """Refuse what is not allowed; make literals exact decimals."""
        if depth > MAX_DEPTH:
            raise self.fail(node, f"expression is nested more than {MAX_DEPTH} levels deep")
        if not isinstance(node, _ALLOWED):
            what = _WHAT.get(type(node), type(node).__name__)
            raise self.fail(node, f"{what} not allowed in an expression")
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Call):
            if self._call(node):
                return node  # a node read: its one argument is the node's id, checked
            node.args = [cast(ast.expr, self.rewrite(a, depth + 1)) for a in node.args]
            return node
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.AST):
                setattr(node, name, self.rewrite(value, depth + 1))
            elif isinstance(value, list):
                setattr(node, name, [self.rewrite(v, depth + 1) for v in value])
        return node

    def _constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, bool):
            return node
        if not isinstance(node.value, int | float):
            what = _LITERALS.get(type(node.value), type(node.value).__name__)
            raise self.fail(node, f"{what} not allowed in an expression")
        # The exact value is read from the source text, never through a float.
        written = ast.get_source_segment(self.text, node) or repr(node.value)
        segment = written.replace("_", "")
        shown = _shorten(written)
        if not _DECIMAL.fullmatch(segment):
            raise self.fail(node, f"number {shown!r} must be written in decimal digits")
        try:
            exact = Decimal(segment)
        except ArithmeticError:  # an exponent beyond what decimal can hold
            raise self.fail(node, f"number {shown} is out of range") from None
        if abs(exact) > MAX_LITERAL:
            raise self.fail(node, f"number {shown} is too large (the limit is {MAX_LITERAL:,})")
        exponent = exact.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_LITERAL_PLACES:
            raise self.fail(
                node, f"number {shown} has more than {MAX_LITERAL_PLACES} decimal places"
            )
        return ast.copy_location(ast.Constant(exact), node)  # type: ignore[arg-type]

    def _name(self, node: ast.Name) -> ast.AST:
        # Python folds look-alike letters (NFKC): 'ｒａｔｅ' would silently read 'rate'.
        written = ast.get_source_segment(self.text, node) or node.id
        if written != node.id:
            raise self.fail(node, f"name {written!r} must be written in ASCII letters")
        if node.id in _BOOL_NAMES:
            return ast.copy_location(ast.Constant(_BOOL_NAMES[node.id]), node)
        if node.id.startswith("_"):
            raise self.fail(node, f"name {node.id!r} not allowed")
        if node.id not in self.types:
            raise self.fail(node, f"unknown name {node.id!r}{suggest.hint(node.id, self.types)}")
        self.names.add(node.id)
        return node

    def _call(self, node: ast.Call) -> bool:
        """Check a call; True if it reads a node (``score("1.2")``)."""
        known = FUNCTIONS.keys() | LIST_FUNCTIONS.keys() | NODE_FUNCTIONS.keys()
        if not isinstance(node.func, ast.Name) or node.func.id not in known:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            allowed = ", ".join(sorted(known))
            raise self.fail(node, f"function {name!r} not allowed (allowed: {allowed})")
        if node.keywords:
            raise self.fail(node, "keyword arguments not allowed")
        if node.func.id in NODE_FUNCTIONS:
            self._node_read(node, node.func.id)
            return True
        if node.func.id in LIST_FUNCTIONS:
            if not 1 <= len(node.args) <= MAX_LISTED:
                raise self.fail(
                    node, f"{node.func.id}() takes 1 to {MAX_LISTED} values, not {len(node.args)}"
                )
            node.func = ast.copy_location(ast.Name(node.func.id, ast.Load()), node.func)
            return False
        low, high, _ = FUNCTIONS[node.func.id]
        if not low <= len(node.args) <= high:
            wanted = f"{low} to {high} arguments" if low < high else f"exactly {low} argument"
            raise self.fail(node, f"{node.func.id}() takes {wanted}, not {len(node.args)}")
        if node.func.id == "round_half_up" and len(node.args) == 2:
            places = node.args[1]
            if not (
                isinstance(places, ast.Constant)
                and type(places.value) is int
                and 0 <= places.value <= MAX_PLACES
            ):
                raise self.fail(
                    node, f"round_half_up places must be a whole number 0..{MAX_PLACES}"
                )
        node.func = ast.copy_location(ast.Name(node.func.id, ast.Load()), node.func)
        return False

    def _node_read(self, node: ast.Call, function: str) -> None:
        arg = node.args[0] if len(node.args) == 1 else None
        if not (
            isinstance(arg, ast.Constant)
            and isinstance(arg.value, str)
            and _NODE_ID.fullmatch(arg.value)
        ):
            raise self.fail(
                node,
                f"{function}() takes the id of one item, indicator or section, in quotes: "
                f"{function}('2.1')",
            )
        node.func = ast.copy_location(ast.Name(function, ast.Load()), node.func)
        self.nodes.add((function, arg.value))

    def infer(self, node: ast.AST) -> Type:
        """The type of an already rewritten node; refuse mixing types."""
        if isinstance(node, ast.Constant):
            return "bool" if isinstance(node.value, bool) else "number"
        if isinstance(node, ast.Name):
            return self.types[node.id]
        if isinstance(node, ast.BoolOp):
            self._expect(node.values, "bool", "'and'/'or' need booleans")
            return "bool"
        if isinstance(node, ast.UnaryOp):
            want: Type = "bool" if isinstance(node.op, ast.Not) else "number"
            self._expect([node.operand], want, f"'{_op(node.op)}' needs a {_noun(want)}")
            return want
        if isinstance(node, ast.BinOp):
            self._expect([node.left, node.right], "number", f"'{_op(node.op)}' needs numbers")
            right = node.right
            if (
                isinstance(node.op, ast.Div)
                and isinstance(right, ast.Constant)
                and right.value == 0
            ):
                raise self.fail(right, "division by zero")
            return "number"
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.IfExp):
            self._expect([node.test], "bool", "the condition of 'if' must be a boolean")
            kind = self.infer(node.body)
            self._expect([node.orelse], kind, "both branches of 'if' must have the same type")
            return kind
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        name = node.func.id
        if name in NODE_FUNCTIONS:
            return NODE_FUNCTIONS[name]
        if name in LIST_FUNCTIONS:
            want, result, _ = LIST_FUNCTIONS[name]
            self._expect(node.args, want, f"{name}() needs {_noun(want)}s")
            return result
        self._expect(node.args, "number", f"{name}() needs numbers")
        return "number"

    def _compare(self, node: ast.Compare) -> Type:
        operands = [node.left, *node.comparators]
        kinds = [self.infer(o) for o in operands]
        ordered = any(not isinstance(op, ast.Eq | ast.NotEq) for op in node.ops)
        if len(set(kinds)) > 1:
            raise self.fail(node, "cannot compare a boolean with a number")
        if ordered and kinds[0] == "bool":
            raise self.fail(node, "booleans cannot be ordered with <, <=, >, >=")
        return "bool"

    def _expect(self, nodes: list[ast.expr], want: Type, message: str) -> None:
        for n in nodes:
            if self.infer(n) != want:
                raise self.fail(n, message)


def _op(op: ast.AST) -> str:
    return {
        ast.Not: "not",
        ast.USub: "-",
        ast.UAdd: "+",
        ast.Add: "+",
        ast.Sub: "-",
        ast.Mult: "*",
        ast.Div: "/",
    }.get(type(op), type(op).__name__)


def _shorten(text: str) -> str:
    """``text`` cut to ``MAX_SHOWN`` characters for a message."""
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _noun(kind: Type) -> str:
    return "boolean" if kind == "bool" else "number"
