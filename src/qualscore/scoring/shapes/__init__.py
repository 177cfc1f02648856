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

``tests/test_shapes.py`` checks that every registered module provides every part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

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

__all__ = ["PARTS", "REGISTRY", "module", "module_of_trace"]

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


Sub = Callable[[Any, Any], Any]
"""Expands a nested shape's record: ``sub(shape, record)``."""
Branches = Iterator[tuple[tuple[str | int, ...], str, str]]
