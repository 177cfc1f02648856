"""An item that awards points when nothing is done: every fact it reads false or 0.

0 (or false) for every fact is probed with the engine itself. No warning:

- when 0 is the good case for one of the facts: raising it from 0 can lower the
  score (an accident rate, a count of failures, a target of 0, a ``when:``
  penalty);
- when 0 is not the lowest value a number may take: its declared range goes
  below 0 (a signed change, where 0 is "stable") or does not hold 0 (``min: 1``);
- for points the scheme writes down for that outcome: a tier table's bands and
  ``otherwise``, a list of cases' ``otherwise``;
- for an item reading a cohort value (a rank is the others' doing too), or one
  that does not apply.

A part the assessors judge is judged at its lowest score: nothing done earns nothing
there either.
"""

from __future__ import annotations

from decimal import Decimal

from qualscore.errors import EvaluationError
from qualscore.facts.check import judged_key
from qualscore.language.ranges import constants
from qualscore.ruleset.formula import Value
from qualscore.ruleset.loader import RuleSet
from qualscore.ruleset.model import Item
from qualscore.scoring import item_function
from qualscore.scoring.engine import formulas
from qualscore.scoring.shapes import penalises, thresholds, within, zeroed
from qualscore.scoring.words import fmt

__all__ = ["nothing_done"]

_ZERO = Decimal(0)


def nothing_done(ruleset: RuleSet, item: Item) -> str | None:
    """What ``item`` awards when nothing is done, as a warning's message; None when it
    awards nothing then, or when there is no "nothing done" to speak of."""
    keys = sorted({n for f in formulas(item) for n in f.names})
    # A shape that deducts when something holds has its best case in all-false.
    if not keys or any(penalises(s) for s in within(item.score)):
        return None
    # A rank, a share or a mean is the others' doing as much as the entity's: there is
    # no "nothing done" to probe.
    if any(ruleset.fact(k).role == "cohort" for k in keys):
        return None
    # A choice (a grade, a stage) has no value that means "nothing done".
    if any(getattr(ruleset.fact(k), "type", None) == "choice" for k in keys):
        return None
    # 0 is "nothing done" only as the lowest value a number may take: where its declared
    # range goes below 0 (a signed change) it is a middle value, such as "stable", and
    # where the range does not hold 0 (min: 1) no entity can have done nothing.
    if any(ruleset.fact(k).type != "bool" and not _from_zero(ruleset, k) for k in keys):
        return None
    # Without the points the scheme writes down for an outcome (a band, otherwise).
    plain = item.model_copy(update={"score": zeroed(item.score)})
    zero = {k: _zero(ruleset, k) for k in keys}
    score = _score(ruleset, plain, zero)
    if score is None or score <= 0 or _zero_is_good(ruleset, plain, zero, score):
        return None
    numbers = any(ruleset.fact(k).type != "bool" for k in keys)
    when = "every fact it reads is false or 0" if numbers else "every condition it reads is false"
    of = "" if item.points is None else f" of {fmt(item.points)}"  # points: none: of no maximum
    return f"awards {fmt(score)}{of} when {when}"


def _from_zero(ruleset: RuleSet, key: str) -> bool:
    """Whether a number fact's declared range starts at 0 (or, unbounded below, holds it)."""
    low, high = ruleset.fact(key).bounds
    return (low is None or low == 0) and (high is None or high >= 0)


def _zero(ruleset: RuleSet, key: str) -> Value:
    """False, or 0: a value every fact the item reads may take (see :func:`_from_zero`)."""
    return False if ruleset.fact(key).type == "bool" else _ZERO


def _score(ruleset: RuleSet, item: Item, values: dict[str, Value]) -> Decimal | None:
    """The item's score for these facts; None if they fail a check, the item does not
    apply, or a formula fails."""
    from qualscore.linting.values import passes_checks

    lowest = {
        judged_key(key): _ZERO if judged.lower is None else judged.lower
        for key, judged in ruleset.judged_items().items()
        if judged.part is not None and key.startswith(f"{item.id}/")
    }
    try:
        if not passes_checks(ruleset, values):
            return None
        result = item_function(ruleset, item, item.id)({**values, **lowest})
    except (EvaluationError, ArithmeticError):
        return None
    return None if result.not_applicable is not None else result.score


def _zero_is_good(ruleset: RuleSet, item: Item, zero: dict[str, Value], score: Decimal) -> bool:
    """Whether raising one fact from 0 (or false) can lower the score: 0 is its good case."""
    numbers = constants(f.tree for f in formulas(item))
    numbers |= {v for shape in within(item.score) for v in thresholds(shape)}
    for key, base in zero.items():
        for value in _probes(ruleset, key, base, numbers):
            other = _score(ruleset, item, {**zero, key: value})
            if other is not None and other < score:
                return True
    return False


def _probes(ruleset: RuleSet, key: str, base: Value, numbers: set[Decimal]) -> list[Value]:
    decl = ruleset.fact(key)
    if decl.type == "bool":
        return [True]
    assert isinstance(base, Decimal)
    high = decl.bounds[1]
    tries = {Decimal(1), *(n + d for n in numbers for d in (_ZERO, Decimal(1)))}
    if high is not None:
        tries.add(high)
    whole = decl.type == "count"
    return sorted(
        v
        for v in tries
        if v > base and (high is None or v <= high) and (not whole or v == v.to_integral_value())
    )
