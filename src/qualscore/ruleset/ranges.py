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

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from qualscore._decimal import CONTEXT, exact, plain
from qualscore.ruleset.model import FactDecl

__all__ = [
    "Span",
    "constants",
    "fact_span",
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
_FLIP = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE}
_NEGATE = {
    ast.Lt: ast.GtE,
    ast.LtE: ast.Gt,
    ast.Gt: ast.LtE,
    ast.GtE: ast.Lt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
}


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


def fact_span(decl: FactDecl) -> Span:
    """The values a number fact may take: its declared range; a count's are whole."""
    low, high = decl.bounds
    return Span(low, high, whole=decl.type == "count")


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


def _parse(source: str) -> ast.expr:
    return ast.parse(source.strip(), mode="eval").body


def _number(node: ast.AST, source: str) -> Decimal | None:
    """The exact value of a number literal, read from its source text."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        text = ast.get_source_segment(source.strip(), node) or repr(node.value)
        return Decimal(text.replace("_", ""))
    return None


def constants(sources: Iterable[str]) -> set[Decimal]:
    """Every number literal written in the expressions."""
    found: set[Decimal] = set()
    for source in sources:
        for node in ast.walk(_parse(source)):
            value = _number(node, source)
            if value is not None:
                found.add(value)
    return found


def value_span(source: str, domains: Mapping[str, Span]) -> Span:
    """The values a number expression can take when its names range over ``domains``.

    A bound that cannot be computed in the private context (``round_half_up(x, 12)``
    of a declared maximum of 1e30 needs more digits than it holds) leaves the span
    unknown: the analysis over-approximates, it never fails.
    """
    with exact():
        try:
            return _Ranger(source).span(_parse(source), domains)  # read only: no copy
        except ArithmeticError:
            return _ANY


def refine(source: str, domains: Mapping[str, Span], holds: bool) -> dict[str, Span] | None:
    """``domains`` narrowed to where the condition holds (or not); None where it never can.

    Where a bound cannot be computed, ``domains`` is returned unnarrowed.
    """
    with exact():
        try:
            found = _Ranger(source).refine(_parse(source), domains, holds)
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


class _Ranger:
    def __init__(self, source: str) -> None:
        self.source = source

    def span(self, node: ast.AST, domains: Mapping[str, Span]) -> Span:
        value = _number(node, self.source)
        if value is not None:
            return Span(value, value, whole=value == value.to_integral_value())
        if isinstance(node, ast.Name):
            return domains.get(node.id, _ANY)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.span(node.operand, domains)
            if isinstance(node.op, ast.UAdd):
                return inner
            return _make(-_hi(inner), -_lo(inner), inner.whole)
        if isinstance(node, ast.BinOp):
            return self._binary(node, domains)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self._call(node.func.id, node.args, domains)
        if isinstance(node, ast.IfExp):
            return self._if(node, domains)
        return _ANY

    def _binary(self, node: ast.BinOp, domains: Mapping[str, Span]) -> Span:
        a, b = self.span(node.left, domains), self.span(node.right, domains)
        whole = a.whole and b.whole
        if isinstance(node.op, ast.Add):
            return _make(_lo(a) + _lo(b), _hi(a) + _hi(b), whole)
        if isinstance(node.op, ast.Sub):
            return _make(_lo(a) - _hi(b), _hi(a) - _lo(b), whole)
        if isinstance(node.op, ast.Mult):
            return _product(a, b, whole)
        if isinstance(node.op, ast.Div):
            c, d = _lo(b), _hi(b)
            if c > 0 or d < 0:
                return _product(a, _make(_inverse(d), _inverse(c), False), False)
            if c == 0 and d > 0:
                return _product(a, _make(_inverse(d), _INF, False), False)
            if d == 0 and c < 0:
                return _product(a, _make(-_INF, _inverse(c), False), False)
        return _ANY

    def _call(self, name: str, args: list[ast.expr], domains: Mapping[str, Span]) -> Span:
        spans = [self.span(a, domains) for a in args]
        whole = all(s.whole for s in spans)
        if name in ("min", "max"):
            pick_ = min if name == "min" else max
            return _make(pick_(_lo(s) for s in spans), pick_(_hi(s) for s in spans), whole)
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
        modes = {"ceil": ROUND_CEILING, "floor": ROUND_FLOOR, "round_half_up": ROUND_HALF_UP}
        if name not in modes:
            return _ANY
        places = self._places(args)
        quantum = _ONE.scaleb(-places)

        def rounded(x: Decimal) -> Decimal:
            return x if x.is_infinite() else x.quantize(quantum, rounding=modes[name], context=_CTX)

        return _make(rounded(_lo(one)), rounded(_hi(one)), places == 0)

    def _places(self, args: list[ast.expr]) -> int:
        if len(args) < 2:
            return 0
        value = _number(args[1], self.source)
        return int(value) if value is not None else 0

    def _if(self, node: ast.IfExp, domains: Mapping[str, Span]) -> Span:
        branches = []
        for body, holds in ((node.body, True), (node.orelse, False)):
            narrowed = self.refine(node.test, domains, holds)
            if narrowed is not None:
                branches.append(self.span(body, narrowed))
        if not branches:
            return _ANY
        lo, hi = min(_lo(s) for s in branches), max(_hi(s) for s in branches)
        return _make(lo, hi, all(s.whole for s in branches))

    def refine(
        self, node: ast.AST, domains: Mapping[str, Span], holds: bool
    ) -> Mapping[str, Span] | None:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.refine(node.operand, domains, not holds)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And) == holds:
            # a and b holds: both hold; a or b fails: both fail.
            narrowed: Mapping[str, Span] | None = domains
            for value in node.values:
                narrowed = self.refine(value, narrowed, holds) if narrowed is not None else None
            return narrowed
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            return self._compare(node, domains, holds)
        return domains

    def _compare(
        self, node: ast.Compare, domains: Mapping[str, Span], holds: bool
    ) -> Mapping[str, Span] | None:
        left, right, op = node.left, node.comparators[0], type(node.ops[0])
        value = _number(right, self.source)
        if not isinstance(left, ast.Name):
            left, right, value = right, left, _number(left, self.source)
            op = _FLIP.get(op, op)
        if not isinstance(left, ast.Name) or value is None or left.id not in domains:
            return domains
        if not holds:
            op = _NEGATE[op]
        bound = {
            ast.Lt: Span(hi=value, hi_open=True),
            ast.LtE: Span(hi=value),
            ast.Gt: Span(lo=value, lo_open=True),
            ast.GtE: Span(lo=value),
            ast.Eq: Span(value, value),
        }.get(op)
        current = domains[left.id]
        if bound is None:  # '!=': only an end can be cut off
            bound = _not_equal(current, value)
        narrowed = intersect(current, bound)
        return None if narrowed is None else {**domains, left.id: narrowed}


def _not_equal(current: Span, value: Decimal) -> Span:
    if current.lo == value:
        return Span(lo=value, lo_open=True)
    if current.hi == value:
        return Span(hi=value, hi_open=True)
    return _ANY


def _product(a: Span, b: Span, whole: bool) -> Span:
    corners = [_mul(x, y) for x in (_lo(a), _hi(a)) for y in (_lo(b), _hi(b))]
    return _make(min(corners), max(corners), whole)
