"""The statistics of a cohort value, worked out exactly: sums, spreads, weighted means.

Each function takes the values of one cohort (entities with no value already
left out) and gives a :class:`Worked`: the value, before any ``places``
rounding, and the numbers an auditor recomputes it from (``working``: ``n``,
the mean, the sum of squared deviations, ...), in the order they are worked
out.

The sums are exact whatever the values' digits: each value is taken as a whole
number of the smallest unit any of them has (0.01 for 95.25 and 3.5), so
``Σx``, ``Σx²`` and ``n·Σx² − (Σx)²`` are Python integers, never rounded. Every
division and square root is then one operation of the private context
(:data:`qualscore._decimal.CONTEXT`: 34 significant digits, half to even):

- the mean is ``Σx ÷ n``;
- the sum of squared deviations ``Σ(x − mean)²`` is ``(n·Σx² − (Σx)²) ÷ n``, the
  exact sum rounded once (a rounded mean never enters it);
- the variance is ``(n·Σx² − (Σx)²) ÷ (n·n)`` (population) or ``÷ (n·(n − 1))``
  (sample): the sum of squared deviations divided by ``n`` or ``n − 1``, rounded
  once; the standard deviation its square root (:func:`~qualscore.ruleset.formula.sqrt`);
- the coefficient of variation is the population standard deviation ÷ the mean;
- the weighted mean is ``Σ(weight·x) ÷ Σweight``.

What is not defined raises :class:`Undefined` (the cohort value then has no
value: :mod:`qualscore.scoring.cohort` refuses it, at its declaration).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from qualscore._decimal import CONTEXT, plain
from qualscore.language.ops import sqrt

__all__ = ["Undefined", "Worked", "count_if", "spread", "total", "weighted_mean"]

_C = CONTEXT


class Undefined(ArithmeticError):
    """A statistic that has no value for these values (a cv of a mean of 0); the message
    says why."""


class Worked(NamedTuple):
    """A statistic's value (before ``places``) and the numbers it was worked out from,
    each ``(name, value)``: ``n``, ``sum``, ``mean``, ``squares`` (the sum of squared
    deviations), ``variance``, ``stdev``, ``weights``, ``weighted``, ``count``."""

    value: Decimal
    working: tuple[tuple[str, Decimal], ...]


def _wholes(values: Sequence[Decimal]) -> tuple[list[int], int]:
    """The values as whole numbers of the smallest unit ``10**exponent`` any of them has,
    and that exponent: exact, however many digits."""
    exponent = min(int(v.as_tuple().exponent) for v in values)
    out = []
    for v in values:
        sign, digits, exp = v.as_tuple()
        whole = int("".join(map(str, digits))) * 10 ** (int(exp) - exponent)
        out.append(-whole if sign else whole)
    return out, exponent


def _decimal(whole: int, exponent: int) -> Decimal:
    """``whole × 10**exponent``, exactly (the constructor does not round)."""
    return Decimal(f"{whole}E{exponent}")


def total(values: Sequence[Decimal]) -> Worked:
    """The sum of the values, to 34 significant digits (exact for any values a facts file
    or a score can hold)."""
    wholes, exponent = _wholes(values)
    value = _C.plus(_decimal(sum(wholes), exponent))
    return Worked(value, (("n", Decimal(len(values))), ("sum", value)))


def spread(stat: str, values: Sequence[Decimal]) -> Worked:
    """``stdev`` (population), ``stdev_sample`` (n − 1: at least two values) or ``cv``
    (population stdev ÷ mean) of the values.

    Raises:
        Undefined: a cv whose mean is 0 or below.
    """
    n = len(values)
    wholes, exponent = _wholes(values)
    s = sum(wholes)
    deviations = n * sum(w * w for w in wholes) - s * s  # n·Σ(x − mean)², exact, >= 0
    scaled = _decimal(deviations, 2 * exponent)
    mean = _C.divide(_decimal(s, exponent), n)
    squares = _C.divide(scaled, n)
    divisor = n - 1 if stat == "stdev_sample" else n
    variance = _C.divide(scaled, n * divisor)
    stdev = sqrt(variance)
    working = (("n", Decimal(n)), ("mean", mean), ("squares", squares), ("variance", variance))
    if stat != "cv":
        return Worked(stdev, working)
    if s <= 0:
        raise Undefined(
            f"the mean of its {n} values is {plain(mean)}, and a coefficient of variation "
            "divides by a mean above 0"
        )
    return Worked(_C.divide(stdev, mean), (*working, ("stdev", stdev)))


def weighted_mean(pairs: Sequence[tuple[Decimal, Decimal]]) -> Worked:
    """The mean of the values weighted by their weights (each pair: value, weight >= 0).

    Raises:
        Undefined: the weights add up to 0.
    """
    values, value_exp = _wholes([v for v, _ in pairs])
    weights, weight_exp = _wholes([w for _, w in pairs])
    weight = sum(weights)
    if weight == 0:
        raise Undefined(
            f"the weights of its {len(pairs)} entities add up to 0, and a weighted mean "
            "divides by them"
        )
    weighted = _decimal(sum(v * w for v, w in zip(values, weights, strict=True)),
                        value_exp + weight_exp)  # fmt: skip
    sum_of_weights = _decimal(weight, weight_exp)
    value = _C.divide(weighted, sum_of_weights)
    working = (("n", Decimal(len(pairs))), ("weights", _C.plus(sum_of_weights)),
               ("weighted", _C.plus(weighted)))  # fmt: skip
    return Worked(value, working)


def count_if(held: Sequence[bool]) -> Worked:
    """How many hold, of how many."""
    count = Decimal(sum(held))
    return Worked(count, (("n", Decimal(len(held))), ("count", count)))
