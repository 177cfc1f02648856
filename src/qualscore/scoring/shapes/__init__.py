"""The scoring shapes: one module each, and the registry that maps a ``kind`` to it.

A shape module holds everything about its shape (see ``docs/extending.md``):

- ``KIND``, ``MODEL``, ``TRACE``: its ``kind`` in rule files, its pydantic
  model (in :mod:`qualscore.ruleset.model`) and its trace record
  (in :mod:`qualscore.scoring.trace`);
- ``formulas(shape)``: the expressions it reads, in the order written (an
  item's inputs); ``owners(shape, part)``: each with the part that answers
  for it (the departments the facts template lists a fact under);
- ``emit(gen, shape, cap)``: the Python it compiles to, returning the local
  that holds its value and, in the traced variant, its compact record;
- ``expand(shape, record, sub)``: the compact record made into its trace record;
- ``branches(shape, loc)`` and ``reached(trace, loc)``: how coverage sees it;
- ``explain(trace, inputs, language, indent)``: its lines in a report, in
  either language.

and, when it has something to say, the parts in :data:`OPTIONAL`, asked through
:func:`extremes` and :func:`never` (a shape without them is not asked).

``tests/test_scoring.py`` checks that every registered module provides every part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING, Any

from qualscore.scoring.shapes import (
    cases,
    deductions,
    formula,
    judged,
    parts,
    rank,
    target,
    tiers,
)

if TYPE_CHECKING:
    from qualscore.ruleset.ranges import Span

__all__ = [
    "OPTIONAL",
    "PARTS",
    "REGISTRY",
    "Extreme",
    "extremes",
    "module",
    "module_of_trace",
    "never",
]

PARTS = (
    "KIND",
    "MODEL",
    "TRACE",
    "formulas",
    "owners",
    "emit",
    "expand",
    "branches",
    "reached",
    "explain",
)
"""What every shape module provides."""

OPTIONAL = ("extremes", "never")
"""What a shape module may provide, for the validator and coverage:

- ``extremes(shape, cap, domains)``: the most and the least the shape gives by the
  points written in it, each with the words that name it (``("its best band
  awards", 2)``), or None where the facts decide; ``cap`` is what it is scored
  against (its item's or part's points, 0 in a penalty section), ``domains`` the
  number facts' declared ranges;
- ``never(shape, loc, domains)``: the outcomes of ``branches`` that no value in
  ``domains`` can reach, each ``(loc, outcome, why)``; coverage leaves them out.
"""

Extreme = tuple[str, Decimal]
"""An end of what a shape gives, with the words that name it: ``("its best case awards", 2)``."""

REGISTRY: dict[str, ModuleType] = {
    m.KIND: m for m in (parts, tiers, cases, deductions, formula, target, judged, rank)
}
"""``kind`` -> the module of that shape."""

_BY_TRACE: dict[type, ModuleType] = {m.TRACE: m for m in REGISTRY.values()}


def module(kind: str) -> ModuleType:
    """The module of the shape ``kind``.

    Raises:
        KeyError: no such shape.
    """
    return REGISTRY[kind]


def module_of_trace(trace: object) -> ModuleType:
    """The module whose trace record ``trace`` is.

    Raises:
        KeyError: not a shape's trace record.
    """
    return _BY_TRACE[type(trace)]


def extremes(
    shape: Any, cap: Decimal, domains: Mapping[str, Span]
) -> tuple[Extreme | None, Extreme | None]:
    """The most and the least ``shape`` gives by its written points (see :data:`OPTIONAL`);
    (None, None) for a shape whose module does not say."""
    ask = getattr(module(shape.kind), "extremes", None)
    return (None, None) if ask is None else ask(shape, cap, domains)


def never(
    shape: Any, loc: tuple[str | int, ...], domains: Mapping[str, Span]
) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """The outcomes of ``shape`` no value in ``domains`` can reach, each with why (see
    :data:`OPTIONAL`); none for a shape whose module does not say."""
    ask = getattr(module(shape.kind), "never", None)
    if ask is not None:
        yield from ask(shape, loc, domains)


Sub = Callable[[Any, Any], Any]
"""Expands a nested shape's record: ``sub(shape, record)``."""
Branches = Iterator[tuple[tuple[str | int, ...], str, str]]
