"""Facts checked by Python generated for their rule set: a caller's mapping, quickly.

:func:`generated_facts` takes the facts a caller (or a table row) gives and returns
exactly the :class:`~qualscore.facts.check.Facts` that
:func:`~qualscore.facts.check.check_facts_document` returns for them: the same values
(the same ``Decimal``, with the same exponent and trailing zeros), in the same order,
the same fingerprint; or None, and the caller checks them in full, for the messages.
It never words a problem, so it can never word one differently.

Each value is read as the full check reads it, by the same functions
(:func:`~qualscore.facts.check.read_number`, :func:`~qualscore.facts.check.read_flag`):
numbers as ``Decimal``, ``int``, ``float`` (through its shortest ``repr``) or text
(spaces around it, a leading ``+``, an exponent, trailing zeros), booleans as
booleans or their words (``TRUE``, ``true``, 是, 否), a choice by its value or its
words, a target left blank where no veto reads it. Two screens spare the per-value
reading in the common case, and are exact only where they pass: numbers that are all
``Decimal`` printed without an exponent (so finite, with no more digits or places than
their text has characters, none above 34), or all plain decimal text
(``-12.5``); and booleans that are all booleans. Otherwise each value is read one by
one.

What the generated code adds is the checks that differ from fact to fact, written out
once per rule set: each number's bounds (the declared ones and ``MAX_MAGNITUDE``;
numbers written without a minus sign only against those they may break), a count's
wholeness, and the rule set's cross-fact checks as Python expressions. It is built
only from the validated rule set: fact keys as ``repr`` literals, bounds and choice
tables as constants in its namespace, checks lowered from their checked syntax trees
(:mod:`qualscore.language.lower`); no text of a rule file becomes code.

A rule set with entity groups, judged items, evidence required, suppliers declared,
lists, or a fact named ``entity``, ``period`` or ``judged`` is not taken: its facts
are always checked in full. The fingerprint is worked out only when it is read.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import partial
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from qualscore.facts.check import (
    MAX_DIGITS,
    MAX_MAGNITUDE,
    RESERVED,
    Facts,
    fingerprint_of,
    identity_of,
    read_flag,
    read_number,
)
from qualscore.language.lower import HELPERS, Constants, Lowering
from qualscore.ruleset.formula import Value
from qualscore.ruleset.loader import RuleSet, per_ruleset
from qualscore.ruleset.model import FactDecl

__all__ = ["checker_source", "generated_facts"]

Run = Callable[[Mapping[str, Any]], "dict[str, Value] | None"]
"""A rule set's generated check: the values of facts without ``entity`` or ``period``."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_PLAIN_NUMBERS = re.compile(r"(?:-?[0-9]{1,15}(?:\.[0-9]{1,18})?,)*")
"""Numbers as plain text, each followed by a comma: below 10**15, at most 33 digits."""
_PLAIN_KINDS = frozenset({Decimal, int, float, str})
_BLANK: Any = object()
"""A choice left blank (a target no veto reads): left out of the values."""
_BOOL_TEXT = {True: "true", False: "false"}


def generated_facts(ruleset: RuleSet, data: Mapping[str, Any], source: str) -> Facts | None:
    """``data`` checked against ``ruleset`` by its generated code: the full check's Facts,
    or None where the full check must run (to word a problem, or for what the generated
    code does not take). Call it in the engine's decimal context.

    Args:
        ruleset: The rule set (the whole one: a view of one entity is not taken).
        data: Fact keys to values, as a caller or a table row gives them.
        source: Where they came from, as the facts will tell.
    """
    made = _made(ruleset)
    if made is None or ruleset.full is not None:
        return None
    run, fingerprint = made
    split = identity_of(data)
    if split is None:
        return None
    identity, facts = split
    reserved = _EMPTY
    if facts is not data:
        reserved = MappingProxyType({k: data[k] for k in RESERVED if k in data})
    values = run(facts)
    if values is None:
        return None
    return Facts.lazy(
        partial(fingerprint, values),
        MappingProxyType(values),
        source,
        ruleset.sha256,
        entity=identity.get("entity"),
        period=identity.get("period"),
        reserved=reserved,
    )


def _usable(ruleset: RuleSet) -> bool:
    keys = {f.key for f in ruleset.facts}
    return not (
        ruleset.manifest.groups
        or ruleset.judged_items()
        or ruleset.evidence_needed()
        or any(f.supplier for f in ruleset.facts)
        or ruleset.lists
        or keys.intersection(RESERVED)
    )


@per_ruleset
def _made(ruleset: RuleSet) -> tuple[Run, Callable[[dict[str, Value]], str]] | None:
    """The rule set's generated check and its fingerprint, made once; None if not taken."""
    if not _usable(ruleset):
        return None
    source, names = _generate(ruleset)
    code = compile(source, f"<qualscore:{ruleset.id}:facts>", "exec")
    exec(code, names)
    run: Run = names["run"]
    return run, _fingerprinter(ruleset)


def checker_source(ruleset: RuleSet) -> str | None:
    """The Python generated to check ``ruleset``'s facts (None: it has none), to read."""
    return _generate(ruleset)[0] if _usable(ruleset) else None


# ---------------------------------------------------------------- the code


class _Names(Constants):
    """The generated module's names: helpers, and a constant for each value it compares
    with (keyed by type and text: ``Decimal("1.0")`` and ``Decimal("1")`` stay two)."""

    def __init__(self) -> None:
        super().__init__({
            "__builtins__": {},
            **HELPERS,
            "ArithmeticError": ArithmeticError,
            "KeyError": KeyError,
            "_len": len,
            "_list": list,
            "_map": map,
            "_type": type,
            "_dict": dict,
            "_zip": zip,
            "_BLANK": _BLANK,
            "_screen": _screen,
            "_flags": _flags,
            "_numbers": _numbers,
            "_choice": _choice,
            "_drop_blanks": _drop_blanks,
        })  # fmt: skip

    def getter(self, facts: Sequence[FactDecl]) -> str:
        """A function of the values giving those of ``facts``, in their order, as a tuple."""
        keys = tuple(f.key for f in facts)
        made = itemgetter(*keys) if len(keys) > 1 else partial(_one, keys[0])
        return self.const(made)


class _CheckLowering(Lowering):
    """A cross-fact check over the values being built: each fact read by its key."""

    def __init__(self, names: _Names) -> None:
        self.names = names

    def const(self, value: Decimal) -> str:
        return self.names.const(value)

    def read(self, key: str) -> str:
        return f"values[{key!r}]"

    def read_node(self, function: str, node: str) -> str:
        raise AssertionError("a check reads facts only")  # (the loader allows no other)


def _generate(ruleset: RuleSet) -> tuple[str, dict[str, Any]]:
    """The source of ``run(data)`` for ``ruleset``, and the names it runs with."""
    names = _Names()
    vetoes = zip(ruleset.manifest.vetoes, ruleset.vetoes_applying(), strict=True)
    vetoed = {name for veto, applies in vetoes if applies for name in veto.when.names}
    blank_ok = {f.key for f in ruleset.facts if f.role == "target" and f.key not in vetoed}
    flags = [f for f in ruleset.facts if f.type == "bool"]
    choices = [f for f in ruleset.facts if f.type != "bool" and f.choices is not None]
    numbers = [f for f in ruleset.facts if f.type != "bool" and f.choices is None]
    lines = [
        f"# qualscore: the facts of rule set {ruleset.id!r} (sha256 {ruleset.sha256})",
        "def run(data):",
        f"    if _len(data) != {len(ruleset.facts)}:",
        "        return None",
        "    try:",
        *(f"        {name} = {names.getter(group)}(data)"
          for name, group in (("fl", flags), ("nu", numbers), ("ch", choices)) if group),
        "    except KeyError:",
        "        return None",
        "    changed = False",
    ]  # fmt: skip
    if flags:
        mask = names.const(tuple(f.key in blank_ok for f in flags))
        lines += [
            f"    if _list(_map(_type, fl)) != {names.const([bool] * len(flags))}:",
            f"        fl = _flags(fl, {mask})",
            "        if fl is None:",
            "            return None",
            "        changed = True",
        ]
    if numbers:
        lines += _number_lines(names, numbers, blank_ok)
    for i, f in enumerate(choices):
        assert f.choices is not None
        named = {w: v for v, w in (f.choice_labels or {}).items()}
        table = names.const(MappingProxyType({**named, **{c: c for c in f.choices}}))
        lines += [
            f"    c{i} = _choice(ch[{i}], {table}, {f.key in blank_ok})",
            f"    if c{i} is None:",
            "        return None",
        ]
    lines.append("    values = _dict(data)")
    lines += _update_lines(names, flags, numbers, choices)
    lines += _check_lines(names, ruleset, blank_ok)
    lines.append("    return values")
    return "\n".join(lines) + "\n", names.names


def _number_lines(names: _Names, numbers: Sequence[FactDecl], blank_ok: set[str]) -> list[str]:
    """Read the numbers (screened, or one by one), then each one's bounds and wholeness."""
    mask = names.const(tuple(f.key in blank_ok for f in numbers))
    dots = names.const((".",) * len(numbers))
    lines = [
        f"    found = _screen(nu, {names.const([Decimal] * len(numbers))})",
        "    if found is None:",
        f"        numbers = _numbers(nu, {mask})",
        "        if numbers is None:",
        "            return None",
        f"        texts, negative, changed = {dots}, True, True",
        "    else:",
        "        numbers, texts, negative, converted = found",
        "        changed = changed or converted",
        f"    ({''.join(f'n{i}, ' for i in range(len(numbers)))}) = numbers",
        "    if negative:",
    ]
    plain = []  # the checks of numbers without a minus sign (never blank: screened)
    for i, f in enumerate(numbers):
        low, high = f.bounds
        low = -MAX_MAGNITUDE if low is None else max(low, -MAX_MAGNITUDE)
        high = MAX_MAGNITUDE if high is None else min(high, MAX_MAGNITUDE)
        lo, hi = names.const(low), names.const(high)
        test = f"n{i} < {lo} or n{i} > {hi}"
        if f.key in blank_ok:
            test = f"n{i} is not None and ({test})"
        lines += [f"        if {test}:", "            return None"]
        tests = [f"n{i} < {lo}"] if low > 0 else []
        plain += [f"    if {' or '.join([*tests, f'n{i} > {hi}'])}:", "        return None"]
    lines += ["    else:", *("    " + line for line in plain)]
    for i, f in enumerate(numbers):
        if f.type == "count":  # a text without a point is whole; another is worked out
            blank = f" and n{i} is not None" if f.key in blank_ok else ""
            lines += [
                f"    if '.' in texts[{i}]{blank} and n{i} != n{i}.to_integral_value():",
                "        return None",
            ]
    return lines


def _update_lines(
    names: _Names,
    flags: Sequence[FactDecl],
    numbers: Sequence[FactDecl],
    choices: Sequence[FactDecl],
) -> list[str]:
    """The values as read where they differ from those given (in the order given)."""
    lines = ["    if changed:"]
    if flags:
        lines.append(f"        values.update(_zip({names.const(tuple(f.key for f in flags))}, fl))")
    if numbers:
        keys = names.const(tuple(f.key for f in numbers))
        lines.append(f"        values.update(_zip({keys}, numbers))")
    lines.append("        _drop_blanks(values)")
    for i, f in enumerate(choices):
        lines += [
            f"    if c{i} is _BLANK:",
            f"        del values[{f.key!r}]",
            "    else:",
            f"        values[{f.key!r}] = c{i}",
        ]
    return lines


def _check_lines(names: _Names, ruleset: RuleSet, blank_ok: set[str]) -> list[str]:
    """The cross-fact checks whose facts are given, each as a Python expression."""
    declared = {f.key for f in ruleset.facts}
    lines = []
    for check in ruleset.checks.checks:
        read = check.when.names
        if check.when.nodes or not set(read) <= declared:
            continue  # (reads nothing a facts file gives: the full check skips it too)
        given = [f"{k!r} in values" for k in read if k in blank_ok]
        test = f"not {_CheckLowering(names).visit(check.when.tree)}"
        lines += [f"        if {' and '.join([*given, test])}:", "            return None"]
    if not lines:
        return []
    return ["    try:", *lines, "    except ArithmeticError:", "        return None"]


# ---------------------------------------------------------------- what the code calls


def _one(key: str, values: Mapping[str, Any]) -> tuple[Any]:
    return (values[key],)


def _screen(
    given: tuple[Any, ...], decimals: list[type]
) -> tuple[Sequence[Decimal], Sequence[str], bool, bool] | None:
    """The numbers, their texts, whether any has a minus sign and whether any differs
    from what was given, when all are plainly valid; None if they must be read one by
    one. Only the bounds are left to check. (``decimals``: ``Decimal`` for each.)"""
    texts: Sequence[str]
    if list(map(type, given)) == decimals:
        # A Decimal prints without an exponent (E), NaN or Infinity (N, I; e where the
        # context prints a small e) only when its exponent is 0 or below; its digits and
        # places are then no more than its text's characters.
        texts = list(map(str, given))
        joined = ",".join(texts)
        if "E" in joined or "N" in joined or "I" in joined or "e" in joined:
            return None
        if max(map(len, texts)) > MAX_DIGITS:
            return None
        numbers: Sequence[Decimal] = given
        converted = False
    elif set(map(type, given)) <= _PLAIN_KINDS:
        try:
            texts = list(map(str, given))  # (an int of over 4,300 digits cannot print)
        except ValueError:
            return None
        joined = ",".join(texts) + ","
        if not (_PLAIN_NUMBERS.fullmatch(joined) and joined.count(",") == len(texts)):
            return None  # (a comma in a text would pass for two numbers)
        numbers = [g if g.__class__ is Decimal else Decimal(t)
                   for g, t in zip(given, texts, strict=True)]  # fmt: skip
        converted = True
    else:
        return None
    if "-" in joined:  # -0 is 0 (its places kept: -0.00 is 0.00)
        return [n if n else n.copy_abs() for n in numbers], texts, True, True
    return numbers, texts, False, converted


def _each(
    given: tuple[Any, ...], blank_ok: tuple[bool, ...], read: Callable[[Any], tuple[Any, Any]]
) -> list[Any] | None:
    """Each value as the full check's ``read`` reads it (None: a blank target); None if
    one cannot be read."""
    out: list[Any] = []
    for raw, blank in zip(given, blank_ok, strict=True):
        if raw is None and blank:
            out.append(None)
            continue
        value, _ = read(raw)
        if value is None:
            return None
        out.append(value)
    return out


def _flags(given: tuple[Any, ...], blank_ok: tuple[bool, ...]) -> list[bool | None] | None:
    """Each boolean as the full check reads it (None: a blank target); None if one
    cannot be read."""
    return _each(given, blank_ok, read_flag)


def _numbers(given: tuple[Any, ...], blank_ok: tuple[bool, ...]) -> list[Decimal | None] | None:
    """Each number as the full check reads it, bounds aside (None: a blank target);
    None if one cannot be read."""
    return _each(given, blank_ok, read_number)


def _choice(raw: Any, table: Mapping[str, str], blank_ok: bool) -> Any:
    """A choice given as text, by its value or its words (spaces around it dropped);
    ``_BLANK`` for a blank target; None for anything else."""
    if raw is None and blank_ok:
        return _BLANK
    if raw.__class__ is str:
        return table.get(raw.strip())
    return None


def _drop_blanks(values: dict[str, Any]) -> None:
    for key in [k for k, v in values.items() if v is None]:
        del values[key]


# ---------------------------------------------------------------- the fingerprint


def _fingerprinter(ruleset: RuleSet) -> Callable[[dict[str, Value]], str]:
    """The fingerprint of the values as :func:`fingerprint_of` takes it: sorted JSON,
    written by a template with each value's text in its place when every fact is given
    (JSON the same as ``json.dumps`` writes, keys escaped as it escapes them)."""
    facts = sorted(ruleset.facts, key=lambda f: f.key)
    keys = [f.key for f in facts]
    written = (json.dumps(k, ensure_ascii=False).replace("%", "%%") for k in keys)
    template = "{" + ", ".join(f'{k}: "%s"' for k in written) + "}"
    flags = [f.key for f in facts if f.type == "bool"]
    others = [f.key for f in facts if f.type != "bool"]
    texted = [f.key for f in facts if f.type != "bool" and f.choices is not None]
    order = tuple(sorted(range(len(keys)), key=[*flags, *others].__getitem__))
    get_flags = _getter(flags)
    get_others = _getter(others)
    count = len(keys)

    def fingerprint(values: dict[str, Value]) -> str:
        if len(values) != count or texted:  # a blank left out; a choice's text escaped
            return fingerprint_of(values)
        shown = [*map(_BOOL_TEXT.__getitem__, get_flags(values)),
                 *map(str, get_others(values))]  # fmt: skip
        canonical = template % tuple(map(shown.__getitem__, order))
        return _sha256(canonical)

    return fingerprint


def _getter(keys: Sequence[str]) -> Callable[[Mapping[str, Any]], Sequence[Any]]:
    if not keys:
        return lambda _: ()
    if len(keys) == 1:
        return lambda values: (values[keys[0]],)
    return itemgetter(*keys)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
