"""Facts: validated against a rule set's declarations before anything is scored.

Every problem of one facts file is collected and raised at once: unknown keys
(with a "did you mean"), missing keys, wrong types, values out of range, and
the rule set's cross-fact checks.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import _yaml
from .errors import FactsError, Problem, SourceError
from .formula import Value
from .loader import RuleSet
from .model import FactDecl

__all__ = ["Facts", "check_facts", "load_facts"]

MAX_MAGNITUDE = Decimal(10) ** 15
"""Largest absolute value a numeric fact may have."""


@dataclass(frozen=True)
class Facts:
    """Validated fact values for one entity.

    Attributes:
        values: key -> value (``Decimal`` or ``bool``), read-only.
        source: Where they came from (a file name, or ``<facts>``).
        sha256: A fingerprint of the values (not of the file's layout).
    """

    values: Mapping[str, Value]
    source: str
    sha256: str


def load_facts(ruleset: RuleSet, path: str | Path) -> Facts:
    """Read and validate a facts file (YAML or JSON).

    Raises:
        FactsError: every problem in the file, each with its line.
    """
    shown = str(path)
    try:
        doc = _yaml.load(Path(path), shown)
    except FactsError:
        raise
    except SourceError as exc:
        raise FactsError(exc.problems) from None
    if not isinstance(doc.data, dict):
        raise FactsError([doc.problem((), "a facts file must be a mapping of fact keys to values")])
    return _check(ruleset, doc.data, doc)


def check_facts(ruleset: RuleSet, data: Mapping[str, Any], *, source: str = "<facts>") -> Facts:
    """Validate fact values given in Python.

    Numbers may be ``int``, ``Decimal``, or ``str`` (``"87.3"``); a ``float``
    is read through its shortest ``repr``.

    Raises:
        FactsError: every problem found.
    """
    doc = _yaml.Document(source, dict(data))
    return _check(ruleset, dict(data), doc)


def _check(ruleset: RuleSet, data: dict[str, Any], doc: _yaml.Document) -> Facts:
    declared = {f.key: f for f in ruleset.facts}
    problems: list[Problem] = []
    values: dict[str, Value] = {}
    for key, raw in data.items():
        decl = declared.get(key)
        if decl is None:
            close = difflib.get_close_matches(str(key), list(declared), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(doc.problem((key,), f"unknown fact {key!r}{hint}", key=True))
            continue
        value, message = _coerce(decl, raw)
        if message:
            problems.append(doc.problem((key,), f"{key}: {message}"))
        elif value is not None:
            values[key] = value
    for key, decl in declared.items():
        if key not in data:
            problems.append(doc.problem((), f"missing fact {key!r} ({decl.label})"))
    if not problems:
        problems.extend(_cross_checks(ruleset, values, doc))
    if problems:
        raise FactsError(problems)
    canonical = json.dumps({k: _text(v) for k, v in sorted(values.items())}, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return Facts(MappingProxyType(values), doc.path, digest)


def _text(value: Value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _coerce(decl: FactDecl, raw: Any) -> tuple[Value | None, str | None]:
    if decl.type == "bool":
        if isinstance(raw, bool):
            return raw, None
        hint = " (write true or false)" if isinstance(raw, str) else ""
        return None, f"expected true or false, got {_show(raw)}{hint}"
    number = _number(raw)
    if number is None:
        return None, f"expected a number, got {_show(raw)}"
    if not number.is_finite():
        return None, f"expected a finite number, got {raw}"
    if abs(number) > MAX_MAGNITUDE:
        return None, f"{number} is too large (the limit is {MAX_MAGNITUDE:,})"
    if decl.type == "count" and number != number.to_integral_value():
        return None, f"expected a whole number, got {number}"
    low, high = decl.bounds
    if low is not None and number < low:
        return None, f"{number} is below the allowed minimum {low}"
    if high is not None and number > high:
        return None, f"{number} is above the allowed maximum {high}"
    return number, None


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    if isinstance(raw, str):
        try:
            return Decimal(raw.strip())
        except InvalidOperation:
            return None
    return None


def _show(raw: Any) -> str:
    if raw is None:
        return "nothing (null)"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str):
        return repr(raw)
    if isinstance(raw, dict | list):
        return "a " + ("mapping" if isinstance(raw, dict) else "list")
    return str(raw)


def _cross_checks(ruleset: RuleSet, values: dict[str, Value], doc: _yaml.Document) -> list[Problem]:
    problems = []
    for check in ruleset.checks.checks:
        try:
            held = check.when.evaluate(values)
        except ArithmeticError:
            held = False
        if not held:
            shown = ", ".join(f"{k} = {_text(values[k])}" for k in check.when.names)
            first = check.when.names[0] if check.when.names else ""
            problems.append(
                doc.problem((first,), f"{shown}: {check.message} (check: {check.when.source})")
            )
    return problems
