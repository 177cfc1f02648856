"""Which values an expression can take over the facts' declared ranges.

The validator uses this to find tier tables with gaps and formulas that leave
[0, points]. It is interval arithmetic over an expression's syntax tree, with
two refinements: a count is a whole number, and ``x if c else y`` reads ``x``
only where ``c`` holds (as an item's score is read only where its
``not_applicable`` condition does not). It over-approximates (``x - x`` spans
``[lo - hi, hi - lo]``, not 0), so the validator confirms what it finds with a
concrete value that the engine itself computes before it warns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from qualscore._decimal import CONTEXT, exact, plain
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
    walk,
)

__all__ = [
    "Span",
    "constants",
    "intersect",
    "pick",
    "refine",
    "subtract",
    "value_span",
]

_INF = Decimal("Infinity")
_CTX = CONTEXT
_ZERO = Decimal(0)
_ONE = Decimal(1)
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


@dataclass(frozen=True)
class Span:
    """An interval of numbers: ``None`` for an unbounded end; ``whole`` for whole numbers only."""

    lo: Decimal | None = None
    hi: Decimal | None = None
    lo_open: bool = False
    hi_open: bool = False
    whole: bool = False

    def __str__(self) -> str:
        low = "−∞" if self.lo is None else plain(self.lo)
        high = "∞" if self.hi is None else plain(self.hi)
        left = "(" if self.lo is None or self.lo_open else "["
        right = ")" if self.hi is None or self.hi_open else "]"
        return f"{left}{low}, {high}{right}" + (" whole numbers" if self.whole else "")


def intersect(a: Span, b: Span) -> Span | None:
    """The values in both spans, or None when there are none."""
    lo, lo_open = _max_lower((a.lo, a.lo_open), (b.lo, b.lo_open))
    hi, hi_open = _min_upper((a.hi, a.hi_open), (b.hi, b.hi_open))
    span = Span(lo, hi, lo_open, hi_open, a.whole or b.whole)
    return span if pick(span) is not None else None


def _max_lower(
    a: tuple[Decimal | None, bool], b: tuple[Decimal | None, bool]
) -> tuple[Decimal | None, bool]:
    if a[0] is None:
        return b
    if b[0] is None or a[0] > b[0]:
        return a
    return (a[0], a[1] or b[1]) if a[0] == b[0] else b


def _min_upper(
    a: tuple[Decimal | None, bool], b: tuple[Decimal | None, bool]
) -> tuple[Decimal | None, bool]:
    if a[0] is None:
        return b
    if b[0] is None or a[0] < b[0]:
        return a
    return (a[0], a[1] or b[1]) if a[0] == b[0] else b


def subtract(span: Span, others: Iterable[Span]) -> list[Span]:
    """The parts of ``span`` in none of ``others`` (each part holding at least one value)."""
    pieces = [span]
    for other in others:
        pieces = [rest for piece in pieces for rest in _minus(piece, other)]
    return pieces


def _minus(a: Span, b: Span) -> list[Span]:
    below = None if b.lo is None else intersect(a, Span(hi=b.lo, hi_open=not b.lo_open))
    above = None if b.hi is None else intersect(a, Span(lo=b.hi, lo_open=not b.hi_open))
    return [s for s in (below, above) if s is not None]


def pick(span: Span) -> Decimal | None:
    """A value in ``span`` (the middle when both ends are bounded), or None when it is empty."""
    lo, hi = span.lo, span.hi
    if span.whole:
        first = None if lo is None else _whole_above(lo, span.lo_open)
        last = None if hi is None else _whole_below(hi, span.hi_open)
        if first is not None and last is not None:
            return first if first <= last else None
        return first if first is not None else (last if last is not None else _ZERO)
    if lo is not None and hi is not None:
        if lo == hi:
            return lo if not (span.lo_open or span.hi_open) else None
        return (lo + hi) / 2 if lo < hi else None
    if lo is not None:
        return lo + _ONE if span.lo_open else lo
    if hi is not None:
        return hi - _ONE if span.hi_open else hi
    return _ZERO


def _whole_above(value: Decimal, open_: bool) -> Decimal:
    up = value.to_integral_value(rounding=ROUND_CEILING)
    return up + _ONE if open_ and up == value else up


def _whole_below(value: Decimal, open_: bool) -> Decimal:
    down = value.to_integral_value(rounding=ROUND_FLOOR)
    return down - _ONE if open_ and down == value else down


# --- expressions -------------------------------------------------------------------


def constants(trees: Iterable[Expr]) -> set[Decimal]:
    """Every number literal written in the expressions."""
    return {n.value for tree in trees for n in walk(tree) if isinstance(n, Number)}


def value_span(tree: Expr, domains: Mapping[str, Span]) -> Span:
    """The values a number expression can take when its names range over ``domains``.

    A name (or node read) not in ``domains`` can take any value. A bound that cannot
    be computed in the private context (``round_half_up(x, 12)`` of a declared
    maximum of 1e30 needs more digits than it holds) leaves the span unknown: the
    analysis over-approximates, it never fails.
    """
    with exact():
        try:
            return _Ranger(domains).visit(tree)
        except ArithmeticError:
            return _ANY


def refine(tree: Expr, domains: Mapping[str, Span], holds: bool) -> dict[str, Span] | None:
    """``domains`` narrowed to where the condition holds (or not); None where it never can.

    Where a bound cannot be computed, ``domains`` is returned unnarrowed.
    """
    with exact():
        try:
            found = _refine(tree, domains, holds)
            return None if found is None else dict(found)
        except ArithmeticError:
            return dict(domains)


def _lo(span: Span) -> Decimal:
    return -_INF if span.lo is None else span.lo


def _hi(span: Span) -> Decimal:
    return _INF if span.hi is None else span.hi


def _make(lo: Decimal, hi: Decimal, whole: bool) -> Span:
    return Span(None if lo == -_INF else lo, None if hi == _INF else hi, whole=whole)


def _mul(a: Decimal, b: Decimal) -> Decimal:
    return _ZERO if a.is_zero() or b.is_zero() else _CTX.multiply(a, b)


def _inverse(value: Decimal) -> Decimal:
    return _ZERO if value.is_infinite() else _CTX.divide(_ONE, value)


def _root(value: Decimal, *, down: bool) -> Decimal:
    """The square root of a bound, widened by one unit in the last place where it is not
    exact: a span holds every value ``sqrt`` gives, however it rounds."""
    if value.is_infinite():
        return value
    root = value.sqrt(context=_CTX)
    # A root of at most half the context's digits squares exactly: compare it then.
    short = len(root.normalize(_CTX).as_tuple().digits) <= _CTX.prec // 2
    if short and _CTX.multiply(root, root) == value:
        return root
    return _CTX.next_minus(root) if down else _CTX.next_plus(root)


_ANY = Span()
_MODES = {"ceil": ROUND_CEILING, "floor": ROUND_FLOOR, "round_half_up": ROUND_HALF_UP}


class _Ranger(Visitor[Span]):
    """The span of a number expression (a boolean one spans anything)."""

    def __init__(self, domains: Mapping[str, Span]) -> None:
        self.domains = domains

    def number(self, node: Number) -> Span:
        return Span(node.value, node.value, whole=node.value == node.value.to_integral_value())

    def name(self, node: Name) -> Span:
        return self.domains.get(node.key, _ANY)

    def noderead(self, node: NodeRead) -> Span:
        return self.domains.get(node.key, _ANY)

    def truth(self, node: Truth) -> Span:
        return _ANY

    def text(self, node: Text) -> Span:
        return _ANY

    def logic(self, node: Logic) -> Span:
        return _ANY

    def compare(self, node: Compare) -> Span:
        return _ANY

    def unary(self, node: Unary) -> Span:
        if node.op == "not":
            return _ANY
        inner = self.visit(node.operand)
        if node.op == "+":
            return inner
        return _make(-_hi(inner), -_lo(inner), inner.whole)

    def binary(self, node: Binary) -> Span:
        a, b = self.visit(node.left), self.visit(node.right)
        whole = a.whole and b.whole
        if node.op == "+":
            return _make(_lo(a) + _lo(b), _hi(a) + _hi(b), whole)
        if node.op == "-":
            return _make(_lo(a) - _hi(b), _hi(a) - _lo(b), whole)
        if node.op == "*":
            return _product(a, b, whole)
        c, d = _lo(b), _hi(b)
        if c > 0 or d < 0:
            return _product(a, _make(_inverse(d), _inverse(c), False), False)
        if c == 0 and d > 0:
            return _product(a, _make(_inverse(d), _INF, False), False)
        if d == 0 and c < 0:
            return _product(a, _make(-_INF, _inverse(c), False), False)
        return _ANY

    def call(self, node: Call) -> Span:
        name = node.function
        spans = [self.visit(a) for a in node.args]
        whole = all(s.whole for s in spans)
        if name in ("min", "max"):
            pick_ = min if name == "min" else max
            return _make(pick_(_lo(s) for s in spans), pick_(_hi(s) for s in spans), whole)
        if name == "sum":
            return _make(sum((_lo(s) for s in spans), _ZERO), sum((_hi(s) for s in spans), _ZERO),
                         whole)  # fmt: skip
        if name == "count_if":
            return Span(_ZERO, Decimal(len(spans)), whole=True)
        one = spans[0]
        if name == "abs":
            if _lo(one) >= 0:
                return one
            if _hi(one) <= 0:
                return _make(-_hi(one), -_lo(one), one.whole)
            return _make(_ZERO, max(-_lo(one), _hi(one)), one.whole)
        if name == "sqrt":  # below 0 it fails (an evaluation error), so it never gives a value
            if _hi(one) < 0:
                return _ANY
            return _make(_root(max(_lo(one), _ZERO), down=True), _root(_hi(one), down=False), False)
        if name not in _MODES:
            return _ANY
        places = _places(node.args)
        quantum = _ONE.scaleb(-places)

        def rounded(x: Decimal) -> Decimal:
            return (
                x if x.is_infinite() else x.quantize(quantum, rounding=_MODES[name], context=_CTX)
            )

        return _make(rounded(_lo(one)), rounded(_hi(one)), places == 0)

    def if_(self, node: If) -> Span:
        branches = []
        for body, holds in ((node.body, True), (node.orelse, False)):
            narrowed = _refine(node.test, self.domains, holds)
            if narrowed is not None:
                branches.append(_Ranger(narrowed).visit(body))
        if not branches:
            return _ANY
        lo, hi = min(_lo(s) for s in branches), max(_hi(s) for s in branches)
        return _make(lo, hi, all(s.whole for s in branches))


def _places(args: tuple[Expr, ...]) -> int:
    if len(args) < 2:
        return 0
    places = args[1]
    return int(places.value) if isinstance(places, Number) else 0


def _refine(node: Expr, domains: Mapping[str, Span], holds: bool) -> Mapping[str, Span] | None:
    if isinstance(node, Unary) and node.op == "not":
        return _refine(node.operand, domains, not holds)
    if isinstance(node, Logic) and (node.op == "and") == holds:
        # a and b holds: both hold; a or b fails: both fail.
        narrowed: Mapping[str, Span] | None = domains
        for value in node.values:
            narrowed = _refine(value, narrowed, holds) if narrowed is not None else None
        return narrowed
    if isinstance(node, Compare) and len(node.ops) == 1:
        return _compare(node, domains, holds)
    return domains


def _compare(node: Compare, domains: Mapping[str, Span], holds: bool) -> Mapping[str, Span] | None:
    left, right = node.operands
    op = node.ops[0]
    if not isinstance(left, Name | NodeRead):
        left, right = right, left
        op = _FLIP.get(op, op)
    if not isinstance(left, Name | NodeRead) or not isinstance(right, Number):
        return domains
    if left.key not in domains:
        return domains
    value = right.value
    if not holds:
        op = _NEGATE[op]
    bound = {
        "<": Span(hi=value, hi_open=True),
        "<=": Span(hi=value),
        ">": Span(lo=value, lo_open=True),
        ">=": Span(lo=value),
        "==": Span(value, value),
    }.get(op)
    current = domains[left.key]
    if bound is None:  # '!=': only an end can be cut off
        bound = _not_equal(current, value)
    narrowed = intersect(current, bound)
    return None if narrowed is None else {**domains, left.key: narrowed}


def _not_equal(current: Span, value: Decimal) -> Span:
    if current.lo == value:
        return Span(lo=value, lo_open=True)
    if current.hi == value:
        return Span(hi=value, hi_open=True)
    return _ANY


def _product(a: Span, b: Span, whole: bool) -> Span:
    corners = [_mul(x, y) for x in (_lo(a), _hi(a)) for y in (_lo(b), _hi(b))]
    return _make(min(corners), max(corners), whole)
