"""Facts checked quickly when they are plainly valid, as a table row's usually are.

:func:`quick_facts` accepts only the common case, and gives exactly the
:class:`~qualscore.facts.check.Facts` that :func:`check_facts_document` gives
for it — the same values in the same order, the same decimal text, the same
fingerprint: every declared fact given once and nothing else (``entity`` and
``period`` aside), numbers written as plain decimal text (``-12.5``) well
within the limits and bounds (or ``Decimal``, ``int`` and ``float`` values
whose text is such a number, as a caller's mapping gives them), booleans
already booleans (or 是/否, as a Chinese table writes them), a blank only for a
target no veto reads, and every cross-fact check holding. A rule set with
entity groups, judged items, choice facts, lists of records, evidence required
or suppliers declared is not taken. For anything else it returns None, and the
caller checks the facts in full, for the exact messages.

What a rule set needs for this is worked out once and kept with it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from qualscore.facts.check import BOOL_WORDS, RESERVED, Facts, identity_of
from qualscore.ruleset.formula import Value
from qualscore.ruleset.loader import RuleSet, per_ruleset

__all__ = ["quick_facts"]

_PLAIN_NUMBER = r"-?[0-9]{1,15}(?:\.[0-9]{1,18})?"
"""A number taken quickly: below 10**15, at most 33 digits and 18 places, so within
``MAX_MAGNITUDE`` and ``MAX_DIGITS`` whatever it is."""
_PLAIN_NUMBERS = re.compile(f"(?:{_PLAIN_NUMBER},)*")
"""Plain numbers, each followed by a comma: a row's numbers checked by one match."""
_ONE_NUMBER = re.compile(_PLAIN_NUMBER)
_NOT_AS_WRITTEN = re.compile(r"(?:^|,)0[0-9]|\.[0-9]{7}")
"""A number whose decimal prints otherwise than it is written: with a leading zero
(``007`` is ``7``) or seven places or more (``0.0000001`` is ``1E-7``)."""
_PLAIN_INT = 10**15
"""An int below this in size is written as a plain number; any other is checked in full."""
_NO_ESCAPE = re.compile(r"[A-Za-z0-9_]+")
"""Keys that JSON writes as they are (a fact key is an identifier)."""
_BOOL_TEXT = {True: "true", False: "false"}
_ZH_FLAGS = {k: v for k, v in BOOL_WORDS.items() if k in ("是", "否")}
"""A Chinese table's booleans: its true and false are booleans when the table is read."""

Bounds = tuple[Decimal | None, Decimal | None, bool]
"""A numeric fact's lowest and highest value, and whether it is a whole number."""


@dataclass(frozen=True)
class _Plan:
    """What checking a rule set's facts quickly needs, worked out once."""

    usable: bool
    keys: frozenset[str]
    flags: tuple[str, ...]  # the boolean facts
    numbers: tuple[str, ...]  # the numeric facts
    bounds: tuple[Bounds, ...]  # of each numeric fact
    checked: tuple[tuple[int, Decimal | None, Decimal | None, bool], ...]
    """The numeric facts with a bound that 0 and up may break (a lowest value above 0, a
    highest value, a whole number), by their place: all there is to check of numbers
    written without a minus sign."""
    blank_ok: frozenset[str]  # targets no veto reads: a blank means none
    template: str | None  # the fingerprinted JSON, "%s" for each value (of flags + numbers)
    order: tuple[int, ...]  # where each value of flags + numbers goes in the template


@per_ruleset
def _plan(ruleset: RuleSet) -> _Plan:
    vetoed = {name for veto in ruleset.manifest.vetoes for name in veto.when.names}
    flags = tuple(f.key for f in ruleset.facts if f.type == "bool")
    numeric = [f for f in ruleset.facts if f.type != "bool"]
    keys = frozenset(f.key for f in ruleset.facts)
    every = [*flags, *(f.key for f in numeric)]
    plain = all(_NO_ESCAPE.fullmatch(k) for k in keys)
    return _Plan(
        usable=not ruleset.manifest.groups
        and not ruleset.judged_items()
        and not ruleset.evidence_needed()
        and not any(f.type == "choice" for f in ruleset.facts)
        and not any(f.supplier for f in ruleset.facts)
        and not ruleset.lists
        and not keys.intersection(RESERVED),
        keys=keys,
        flags=flags,
        numbers=tuple(f.key for f in numeric),
        bounds=tuple((*f.bounds, f.type == "count") for f in numeric),
        checked=tuple(
            (i, low if low is not None and low > 0 else None, high, whole)
            for i, (low, high, whole) in enumerate((*f.bounds, f.type == "count") for f in numeric)
            if (low is not None and low > 0) or high is not None or whole
        ),
        blank_ok=frozenset(f.key for f in ruleset.facts if f.role == "target")
        - frozenset(vetoed),
        template=_template(sorted(keys)) if plain else None,
        order=tuple(sorted(range(len(every)), key=every.__getitem__)),
    )


def _template(keys: list[str]) -> str:
    """The JSON of ``keys`` as ``json.dumps`` writes it, ``%s`` for each value."""
    return "{" + ", ".join(f'"{k}": "%s"' for k in keys) + "}"


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
    split = identity_of(data)
    if split is None:
        return None
    identity, facts = split
    if facts.keys() != plan.keys:
        return None
    found = _values(plan, facts)
    if found is None or not _checks_hold(ruleset, found[0]):
        return None
    values, fingerprint = found
    return Facts(
        MappingProxyType(values),
        source,
        fingerprint,
        ruleset.sha256,
        entity=identity.get("entity"),
        period=identity.get("period"),
        judged=MappingProxyType({}),
        reserved=MappingProxyType(
            {k: data[k] for k in RESERVED if k in data}
        ),
    )


def _values(plan: _Plan, data: Mapping[str, Any]) -> tuple[dict[str, Value], str] | None:
    """The values, in the order given, and their fingerprint, when every one is plainly
    valid; None otherwise. Every declared key is in ``data``, and no other."""
    flags = list(map(data.__getitem__, plan.flags))
    if flags and set(map(type, flags)) != {bool}:
        flags = [_ZH_FLAGS.get(f, f) if type(f) is str else f for f in flags]
        if set(map(type, flags)) != {bool}:
            return None  # true/false are booleans already: any other text is checked in full
        data = {**data, **dict(zip(plan.flags, flags, strict=True))}
    given = list(map(data.__getitem__, plan.numbers))
    if any(t is None for t in given):  # (`None in` would compare each Decimal with None)
        return _values_with_blanks(plan, data)
    texts = given
    try:
        joined = ",".join(texts) + ","
    except TypeError:  # not text: a number given in Python or an XLSX cell, a bad cell
        texts = [_as_text(t) for t in given]
        if any(t is None for t in texts):
            return None
        joined = ",".join(texts) + ","
    if texts and not (_PLAIN_NUMBERS.fullmatch(joined) and joined.count(",") == len(texts)):
        return None  # (a comma in a text would pass for two numbers)
    if texts is given:
        numbers = list(map(Decimal, texts))
    else:  # a Decimal given is kept as it is, as the full check keeps it (its text is plain)
        pairs = zip(given, texts, strict=True)
        numbers = [g if type(g) is Decimal else Decimal(t) for g, t in pairs]
    negative = "-" in joined
    if negative:
        numbers = [n if n else n.copy_abs() for n in numbers]  # -0 is 0
    if negative:
        if not _within(numbers, texts, plan.bounds, negative=True):
            return None
    elif not _within_plain(numbers, texts, plan.checked):
        return None
    values = dict(data)
    values.update(zip(plan.numbers, numbers, strict=True))
    if plan.template is None:
        return values, _fingerprint(values)
    # A number's text is how its decimal prints, but for a minus zero and _NOT_AS_WRITTEN.
    plain = not negative and not _NOT_AS_WRITTEN.search(joined)
    shown = [*map(_BOOL_TEXT.__getitem__, flags), *(texts if plain else map(str, numbers))]
    canonical = plan.template % tuple(map(shown.__getitem__, plan.order))
    return values, hashlib.sha256(canonical.encode()).hexdigest()


def _as_text(raw: Any) -> Any:
    """A number given in Python as the text the full check reads it as: a ``Decimal`` or
    an ``int`` as written, a ``float`` by its shortest ``repr`` (``87.3``); text as it is.
    None for anything else (a boolean, a cell that is not a number). A text that is not
    plain (``1E+2``) then fails the plain pattern, and the facts are checked in full."""
    kind = type(raw)
    if kind is str:
        return raw
    if kind is Decimal:
        return str(raw)
    if kind is int:  # (str() of an int of over 4,300 digits fails: too large to be plain)
        return str(raw) if -_PLAIN_INT < raw < _PLAIN_INT else None
    if kind is float:
        return repr(raw)
    return None


def _within_plain(
    numbers: list[Decimal],
    texts: list[str],
    checked: tuple[tuple[int, Decimal | None, Decimal | None, bool], ...],
) -> bool:
    """:func:`_within` for numbers written without a minus sign: only the bounds 0 and
    up may break are looked at."""
    for i, low, high, whole in checked:
        number = numbers[i]
        if low is not None and number < low:
            return False
        if high is not None and number > high:
            return False
        if whole and "." in texts[i] and number != number.to_integral_value():
            return False
    return True


def _within(
    numbers: list[Decimal], texts: list[str], bounds: tuple[Bounds, ...], *, negative: bool
) -> bool:
    """Whether each number is within its bounds (and whole where it must be).

    Without a minus sign among the texts, a lowest value of 0 or less holds.
    """
    for number, text, (low, high, whole) in zip(numbers, texts, bounds, strict=True):
        if low is not None and (negative or low > 0) and number < low:
            return False
        if high is not None and number > high:
            return False
        if whole and "." in text and number != number.to_integral_value():
            return False
    return True


def _values_with_blanks(
    plan: _Plan, data: Mapping[str, Any]
) -> tuple[dict[str, Value], str] | None:
    """As :func:`_values`, for facts of which some targets are left blank."""
    values: dict[str, Value] = {}
    bounds = dict(zip(plan.numbers, plan.bounds, strict=True))
    for key, raw in data.items():
        limits = bounds.get(key)
        if limits is None:
            values[key] = raw  # a boolean, checked already
        elif raw is None and key in plan.blank_ok:
            continue  # a blank target: items reading it do not apply
        elif type(raw) is str and _ONE_NUMBER.fullmatch(raw):
            number = Decimal(raw)
            number = number if number else number.copy_abs()
            if not _within([number], [raw], (limits,), negative=True):
                return None
            values[key] = number
        else:
            return None
    return values, _fingerprint(values)


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


def _fingerprint(values: dict[str, Value]) -> str:
    """The sha256 the full check gives: of the values as sorted JSON."""
    plain = {k: _text(v) for k, v in sorted(values.items())}
    return hashlib.sha256(json.dumps(plain, ensure_ascii=False).encode()).hexdigest()


def _text(value: Value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)
