"""Facts checked quickly when they are plainly valid, as a table row's usually are.

:func:`quick_facts` accepts only the common case, and gives exactly the
:class:`~qualscore.facts.check.Facts` that :func:`check_facts_document` gives
for it — the same values in the same order, the same decimal text, the same
fingerprint: every declared fact given once and nothing else (``entity`` and
``period`` aside), numbers written as plain decimal text (``-12.5``) well
within the limits and bounds, booleans already booleans, a blank only for a
target no veto reads, and every cross-fact check holding. A rule set with
entity groups or judged items is not taken. For anything else it returns None,
and the caller checks the facts in full, for the exact messages.

What a rule set needs for this is worked out once and kept with it.
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from qualscore.facts.check import RESERVED, Facts, name_of
from qualscore.ruleset.formula import Value
from qualscore.ruleset.loader import RuleSet

__all__ = ["quick_facts"]

_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,18})?")
"""Numbers taken quickly: below 10**15, at most 33 digits and 18 places, so within
``MAX_MAGNITUDE`` and ``MAX_DIGITS`` whatever they are."""
_NO_ESCAPE = re.compile(r"[A-Za-z0-9_]+")
"""Keys that JSON writes as they are (a fact key is an identifier)."""


@dataclass(frozen=True)
class _Plan:
    """What checking a rule set's facts quickly needs, worked out once."""

    keys: frozenset[str]
    numbers: Mapping[str, tuple[Decimal | None, Decimal | None, bool]]  # low, high, whole
    blank_ok: frozenset[str]  # targets no veto reads: a blank means none
    plain_keys: bool  # every key needs no escaping in JSON
    usable: bool


_PLANS: weakref.WeakKeyDictionary[RuleSet, _Plan] = weakref.WeakKeyDictionary()


def _plan(ruleset: RuleSet) -> _Plan:
    found = _PLANS.get(ruleset)
    if found is None:
        found = _PLANS[ruleset] = _make_plan(ruleset)
    return found


def _make_plan(ruleset: RuleSet) -> _Plan:
    vetoed = {name for veto in ruleset.manifest.vetoes for name in veto.when.names}
    numbers = {
        f.key: (*f.bounds, f.type == "count") for f in ruleset.facts if f.type != "bool"
    }
    keys = frozenset(f.key for f in ruleset.facts)
    return _Plan(
        keys,
        numbers,
        frozenset(f.key for f in ruleset.facts if f.role == "target" and f.key not in vetoed),
        all(_NO_ESCAPE.fullmatch(k) for k in keys),
        not ruleset.manifest.groups
        and not ruleset.judged_items()
        and not keys.intersection(RESERVED),
    )


def quick_facts(ruleset: RuleSet, data: Mapping[str, Any], source: str) -> Facts | None:
    """``data`` checked against ``ruleset`` when it is plainly valid; None otherwise.

    Args:
        ruleset: The rule set (the whole one: a view of one entity is not taken).
        data: Fact keys to values, as a table row or a file gives them.
        source: Where they came from, as the facts will tell.
    """
    plan = _plan(ruleset)
    if not plan.usable or ruleset.full is not None:
        return None
    identity: dict[str, str | None] = {}
    for word in ("entity", "period"):
        if word in data:
            identity[word], message = name_of(data[word])
            if message:
                return None
    if len(data) - len(identity) != len(plan.keys) or "judged" in data:
        return None
    values = _values(plan, data)
    if values is None or not _checks_hold(ruleset, values):
        return None
    return Facts(
        MappingProxyType(values),
        source,
        _fingerprint(values, plain_keys=plan.plain_keys),
        ruleset.sha256,
        entity=identity.get("entity"),
        period=identity.get("period"),
        judged=MappingProxyType({}),
        reserved=MappingProxyType({k: v for k, v in data.items() if k in RESERVED}),
    )


def _values(plan: _Plan, data: Mapping[str, Any]) -> dict[str, Value] | None:
    """The values, in the order given, when every one is plainly valid; None otherwise."""
    values: dict[str, Value] = {}
    numbers = plan.numbers
    for key, raw in data.items():
        if key not in plan.keys:
            if key in ("entity", "period"):
                continue
            return None
        bounds = numbers.get(key)
        if bounds is None:  # a boolean fact
            if type(raw) is not bool:
                return None
            values[key] = raw
        elif type(raw) is str and _PLAIN_NUMBER.fullmatch(raw):
            number = _number(raw, bounds)
            if number is None:
                return None
            values[key] = number
        elif raw is None and key in plan.blank_ok:
            continue  # a blank target: items reading it do not apply
        else:
            return None
    return values


def _number(text: str, bounds: tuple[Decimal | None, Decimal | None, bool]) -> Decimal | None:
    """Plain decimal text as the full check reads it (``-0`` is ``0``), within bounds."""
    number = Decimal(text)
    if number.is_zero():
        number = number.copy_abs()
    low, high, whole = bounds
    if whole and number != number.to_integral_value():
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def _checks_hold(ruleset: RuleSet, values: dict[str, Value]) -> bool:
    """Whether every cross-fact check whose facts are all given holds."""
    for check in ruleset.checks.checks:
        if any(name not in values for name in check.when.names):
            continue
        try:
            if not check.when.evaluate(values):
                return False
        except ArithmeticError:
            return False
    return True


def _fingerprint(values: dict[str, Value], *, plain_keys: bool) -> str:
    """The sha256 the full check gives: of the values as sorted JSON.

    With keys that need no escaping, the JSON is written directly: a decimal's
    text and ``true``/``false`` need none either, and ``json.dumps`` separates
    with ``", "`` and ``": "``.
    """
    items = sorted(values.items())
    if plain_keys:
        canonical = "{" + ", ".join(f'"{k}": "{_text(v)}"' for k, v in items) + "}"
    else:
        canonical = json.dumps({k: _text(v) for k, v in items}, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _text(value: Value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)
