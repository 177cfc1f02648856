"""Exact numbers as integer columns: a scaled decimal, or a quotient kept as two integers.

A :class:`Num` is ``raw / 10 ** scale`` (``2.50`` is ``250`` at scale 2), a
:class:`Ratio` is ``num / den`` with ``den > 0`` (a division by a fact: ``a / b`` kept
exactly, to be rounded or compared later). Their operations mirror what the row engine
does with :class:`~decimal.Decimal` in its private context, digit for digit:

- sums, differences and products of decimals are exact there as long as they need at
  most 34 significant digits; a number that might need more is refused
  (:class:`~qualscore.columnar.ir.NotColumnar`);
- a quotient there is rounded to 34 significant digits, here it is exact. The two
  agree for everything a rule does with a quotient afterwards (compare it, round it to
  a few places, add or scale it and round again): the exact quotient of integers below
  ``10**18`` is never within 10**-34 of its own value away from a decimal of few digits
  unless it equals it, so rounding it first cannot move it across a boundary.
  :data:`FINE` bounds the denominators this holds for;
- ``quantize`` and ``to_integral_value`` round by the rule set's mode with integer
  division (:func:`round_div`).

Every operation returns its value and, where the row engine could fail (a division by
zero, a result above ``MAX_RESULT``), the condition under which it fails: such a row is
handed back to the row engine, which words the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)

from qualscore.columnar.ir import Graph, Node, NotColumnar
from qualscore.language.ops import MAX_RESULT

__all__ = ["FINE", "Num", "Number", "Ratio", "round_div"]

DIGITS = 10**34
"""A decimal of the row engine's context holds integers (its digits) below this exactly."""
FINE = 10**29
"""How large the integers deciding a comparison or rounding of quotients may be. Two
quotients of integers that differ, differ by at least one over the product of their
denominators; the row engine's, rounded to 34 digits (a few times, in a chain of
operations), stray from the exact ones by less than 10**-31 of their size. So the
rounded ones compare (and round) as the exact ones do while the numerators, brought to
a common denominator, stay below 10**31: this keeps a hundredfold margin."""
_MAX = int(MAX_RESULT)


@dataclass(frozen=True)
class Num:
    """A decimal: ``raw / 10 ** scale``."""

    raw: Node
    scale: int

    @property
    def mag(self) -> int:
        return self.raw.mag


@dataclass(frozen=True)
class Ratio:
    """A quotient: ``num / den``, ``den`` above 0."""

    num: Node
    den: Node


Number = Num | Ratio


def const(g: Graph, value: Decimal) -> Num:
    """A decimal constant at its own scale (``Decimal("2.50")``: 250 at scale 2)."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    raw = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    if exponent > 0:
        return Num(g.const(raw * 10**exponent), 0)
    return Num(g.const(raw), -exponent)


def at_scale(g: Graph, a: Num, scale: int) -> Node:
    """``a``'s raw integer at a scale at least its own."""
    return g.scale(a.raw, scale - a.scale)


def aligned(g: Graph, a: Num, b: Num) -> tuple[Node, Node, int]:
    s = max(a.scale, b.scale)
    return at_scale(g, a, s), at_scale(g, b, s), s


def as_ratio(g: Graph, a: Number) -> Ratio:
    if isinstance(a, Ratio):
        return a
    return Ratio(a.raw, g.const(10**a.scale))


def _exact(a: Num) -> Num:
    if a.mag >= DIGITS:
        raise NotColumnar("a number that may need more than 34 digits")
    return a


def add(g: Graph, a: Number, b: Number, sign: int = 1) -> Number:
    """``a + b`` (``sign`` -1: ``a - b``)."""
    if isinstance(a, Num) and isinstance(b, Num):
        x, y, s = aligned(g, a, b)
        return _exact(Num(g.add(x, y) if sign > 0 else g.sub(x, y), s))
    p, q = as_ratio(g, a), as_ratio(g, b)
    if p.den is q.den:
        num = g.add(p.num, q.num) if sign > 0 else g.sub(p.num, q.num)
        return Ratio(num, p.den)
    left, right = g.mul(p.num, q.den), g.mul(q.num, p.den)
    return Ratio(g.add(left, right) if sign > 0 else g.sub(left, right), g.mul(p.den, q.den))


def mul(g: Graph, a: Number, b: Number) -> Number:
    if isinstance(a, Num) and isinstance(b, Num):
        return _exact(Num(g.mul(a.raw, b.raw), a.scale + b.scale))
    p, q = as_ratio(g, a), as_ratio(g, b)
    return Ratio(g.mul(p.num, q.num), g.mul(p.den, q.den))


def neg(g: Graph, a: Number) -> Number:
    if isinstance(a, Num):
        return Num(g.neg(a.raw), a.scale)
    return Ratio(g.neg(a.num), a.den)


def div(g: Graph, a: Number, b: Number) -> tuple[Number, Node]:
    """``a / b`` and when it fails (``b`` is 0)."""
    p, q = as_ratio(g, a), as_ratio(g, b)
    zero = g.cmp("eq", q.num, g.const(0))
    if q.num.op == "const":  # by a constant: a decimal again when its inverse is one
        inverse = _terminating(q.num.value, q.den)
        if inverse is not None and isinstance(a, Num):
            factor, places = inverse
            return _exact(Num(g.mul(a.raw, g.const(factor)), a.scale + places)), zero
    # num/den: the divisor's sign moves to the numerator, so that den stays above 0.
    sign = g.if_(g.cmp("lt", q.num, g.const(0)), g.const(-1), g.const(1))
    if isinstance(a, Num) and isinstance(b, Num):  # (a / 10**s) / (b / 10**t): no common 10**s
        num = g.mul(g.scale(a.raw, max(0, b.scale - a.scale)), sign)
        den = g.scale(_abs(g, b.raw), max(0, a.scale - b.scale))
    else:
        num = g.mul(g.mul(p.num, q.den), sign)
        den = g.mul(p.den, _abs(g, q.num))
    # A zero divisor: den 1, never 0, so that no engine divides by zero (the row is failed).
    den = g.if_(zero, g.const(1), den)
    return Ratio(num, den), zero


def _abs(g: Graph, a: Node) -> Node:
    return g.op("abs", a, mag=a.mag)


def _terminating(value: int, den: Node) -> tuple[int, int] | None:
    """``(factor, places)`` with ``den / value == factor / 10 ** places`` exactly, when
    the constant ``den / value`` is a terminating decimal."""
    if den.op != "const" or value == 0:
        return None
    inverse = Decimal(den.value) / Decimal(value)
    if inverse * value != den.value:
        return None
    sign, digits, exponent = inverse.normalize().as_tuple()
    assert isinstance(exponent, int)
    factor = int("".join(map(str, digits))) * (-1 if sign else 1)
    return (factor * 10**exponent, 0) if exponent >= 0 else (factor, -exponent)


def bounded(g: Graph, a: Number) -> Node | None:
    """When ``a`` is above the row engine's ``MAX_RESULT`` (None: it never is)."""
    if isinstance(a, Num):
        if a.mag <= _MAX * 10**a.scale:
            return None
        limit = g.const(_MAX * 10**a.scale)
        return g.cmp("gt", _abs(g, a.raw), limit)
    # |num| > den * MAX, without the product: floor(|num| / MAX) > den, or equal with a rest.
    size, limit = _abs(g, a.num), g.const(_MAX)
    whole = g.fdiv(size, limit)
    rest = g.cmp("ne", g.mod(size, limit), g.const(0))
    return g.or_(g.cmp("gt", whole, a.den), g.and_(g.cmp("eq", whole, a.den), rest))


def clamp(g: Graph, a: Number) -> Number:
    """``a`` once it has passed :func:`bounded`: no larger than ``MAX_RESULT``."""
    if isinstance(a, Num) and a.mag > _MAX * 10**a.scale:
        return Num(_limited(g, a.raw, _MAX * 10**a.scale), a.scale)
    return a


def _limited(g: Graph, raw: Node, mag: int) -> Node:
    """``raw`` known (for the rows that matter) to be at most ``mag`` in size."""
    return g.op("add", raw, g.const(0, "int"), mag=mag) if raw.mag > mag else raw


def compare(g: Graph, op: str, a: Number, b: Number) -> Node:
    """``a op b`` (``lt``, ``le``...)."""
    if isinstance(a, Num) and isinstance(b, Num):
        x, y, _ = aligned(g, a, b)
        return g.cmp(op, x, y)
    p, q = as_ratio(g, a), as_ratio(g, b)
    left, right = g.mul(p.num, q.den), g.mul(q.num, p.den)
    _fine(left.mag + right.mag)
    return g.cmp(op, left, right)


def _fine(size: int) -> None:
    """Refuse a comparison (or rounding) of quotients whose exact difference, as integers,
    may be as large as ``size``: the row engine's quotients, each exact to 34 digits,
    then decide it as the exact ones do only while ``size`` stays below :data:`FINE`."""
    if size > FINE:
        raise NotColumnar("a quotient too fine to compare exactly")


def select(g: Graph, cond: Node, a: Number, b: Number) -> Number:
    """``a`` where ``cond`` holds, else ``b``."""
    if isinstance(a, Num) and isinstance(b, Num):
        x, y, s = aligned(g, a, b)
        return Num(g.if_(cond, x, y), s)
    p, q = as_ratio(g, a), as_ratio(g, b)
    return Ratio(g.if_(cond, p.num, q.num), g.if_(cond, p.den, q.den))


def quantize(g: Graph, a: Number, places: int, mode: str) -> Num:
    """``a`` rounded to ``places`` decimals by ``mode`` (a :mod:`decimal` rounding name)."""
    if isinstance(a, Num):
        if a.scale <= places:
            return Num(at_scale(g, a, places), places)
        return Num(round_div(g, a.raw, g.const(10 ** (a.scale - places)), mode), places)
    _fine(a.num.mag * 10 ** (places + 1))  # a half-way point has one more place
    return Num(round_div(g, g.scale(a.num, places), a.den, mode), places)


def round_div(g: Graph, n: Node, d: Node, mode: str) -> Node:
    """``n / d`` (``d`` above 0) rounded to an integer by ``mode``."""
    q, r = g.fdiv(n, d), g.mod(n, d)
    rest = g.cmp("ne", r, g.const(0))
    if mode == ROUND_FLOOR:
        return q
    if mode == ROUND_CEILING:
        return g.add(q, g.as_int(rest))
    negative = g.cmp("lt", n, g.const(0))
    if mode in (ROUND_DOWN, ROUND_UP):
        up = g.and_(rest, negative if mode == ROUND_DOWN else g.not_(negative))
        return g.add(q, g.as_int(up))
    twice = g.mul(r, g.const(2))
    if mode == ROUND_HALF_UP:  # a half rounds away from zero: up unless negative
        up = g.or_(
            g.cmp("gt", twice, d), g.and_(g.cmp("eq", twice, d), g.not_(negative))
        )
        return g.add(q, g.as_int(up))
    if mode == ROUND_HALF_EVEN:
        odd = g.cmp("ne", g.mod(q, g.const(2)), g.const(0))
        up = g.or_(g.cmp("gt", twice, d), g.and_(g.cmp("eq", twice, d), odd))
        return g.add(q, g.as_int(up))
    raise NotColumnar(f"the rounding mode {mode}")
