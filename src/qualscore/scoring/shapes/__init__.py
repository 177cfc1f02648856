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

and, when it has something to say, the parts in :data:`OPTIONAL`, each asked through
the function of the same name here (a shape without it is not asked, and the answer is
the one that function gives for "nothing to say"): the validator's checks of it, its
nested shapes, what ``nothing done`` scores, and a report's headroom, losses and
workings. Nothing outside this package asks which shape it has
(``tests/test_shape_protocol.py`` counts the places that do).

``tests/test_scoring.py`` checks that every registered module provides every part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, cast

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
from qualscore.scoring.shapes._common import Completion, Finding, Loc

if TYPE_CHECKING:
    from qualscore.language.ranges import Span
    from qualscore.ruleset.formula import Formula, Value
    from qualscore.scoring.trace import Input

__all__ = [
    "OPTIONAL",
    "PARTS",
    "REGISTRY",
    "Bounds",
    "Completion",
    "Extreme",
    "Finding",
    "Found",
    "Probe",
    "Sample",
    "adds_to",
    "check",
    "completes",
    "completion",
    "derived",
    "expressions",
    "extremes",
    "headroom",
    "lint",
    "losses",
    "module",
    "module_of_trace",
    "nested",
    "never",
    "never_deducts",
    "penalises",
    "subtracts",
    "thresholds",
    "walk",
    "within",
    "zeroed",
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

OPTIONAL = (
    "extremes",
    "never",
    "nested",
    "lint",
    "adds_to",
    "never_deducts",
    "subtracts",
    "penalises",
    "zeroed",
    "thresholds",
    "headroom",
    "losses",
    "expressions",
    "derived",
)
"""What a shape module may provide, for the validator, coverage and reports (see
``docs/extending.md``):

- ``extremes(shape, cap, domains)``: the most and the least the shape gives by the
  points written in it, each with the words that name it (``("its best band
  awards", 2)``), or None where the facts decide; ``cap`` is what it is scored
  against (its item's or part's points, 0 in a penalty section; None for an item with
  ``points: none``), ``domains`` the number facts' declared ranges;
- ``never(shape, loc, domains)``: the outcomes of ``branches`` that no value in
  ``domains`` can reach, each ``(loc, outcome, why)``; coverage leaves them out;
- ``nested(shape, loc)``: the shapes written inside it, each ``(shape, loc, points)``
  with the points it is capped at (a part's score);
- ``lint(shape, loc, bounds, probe)``: its own warnings, each a :class:`Finding`
  (a tier table's bands, a formula's range); ``bounds`` what its value is clamped to;
- ``adds_to(shape, penalty=...)``: what the points written in it add to, against its
  item's points, with the words that name it (``("its parts add to", 3)``); in a
  penalty section what they deduct; None where the facts decide;
- ``never_deducts(shape, loc, points)``: in a penalty section, what in it never deducts
  and why, each a :class:`Finding` (``points`` the item's, None for ``points: none``);
- ``subtracts(shape)``: whether it scores by subtracting from where it starts;
- ``penalises(shape)``: whether it takes points when a condition holds (then "nothing
  done", everything false, is its best case);
- ``zeroed(shape)``: the shape with the points it writes down for an outcome (a band,
  ``otherwise``) at 0, to see what nothing done scores without them;
- ``thresholds(shape)``: the numbers it compares a value with that no expression of it
  writes (a tier table's bounds), to probe values around;

and, asked of a trace record (the report's, of one entity):

- ``headroom(trace, inputs, language)``: what would earn more, each ``(departments,
  action, gain)``, the departments () for the item's, the gain ``Infinity`` where the
  facts decide how much;
- ``losses(trace)``: the points lost that a part's own departments answer for, each
  ``(departments, part label, lost)``; the rest of the item's loss is its departments';
- ``expressions(trace)``: the expressions the trace names, nested ones' included, that
  the JSON works through;
- ``derived(trace, inputs)``: expressions worked out from the inputs that decide it
  without being written in it (a list of cases' change from last year), worked first.
- ``completion(trace)`` and ``check(shape, values)``: for a shape that scores an actual
  value against a target, the :class:`Completion` (met, shortfall, actual, target, rule),
  as scored and as worked out from the facts alone; a batch's target matrix reads them,
  and a shape that has ``check`` gets a column there (:func:`completes`).
"""

Extreme = tuple[str, Decimal]
"""An end of what a shape gives, with the words that name it: ``("its best case awards", 2)``."""

Bounds = tuple[Decimal | None, Decimal | None]
"""What a shape's value is clamped to: (lowest, highest), None for no bound (``floor:
none``; ``points: none``)."""

Sample = tuple[Decimal, Mapping[str, "Value"]]
"""A value a formula takes, with the facts that give it."""


class Probe(Protocol):
    """What the validator tells a shape's ``lint`` about the item it scores."""

    @property
    def domains(self) -> Mapping[str, Span] | None:
        """The number facts' ranges where the item is scored; None where it never is."""

    def extremes(self, formula: Formula) -> tuple[Sample | None, Sample | None]:
        """The highest and the lowest values the engine computes for ``formula`` over facts
        that pass the rule set's checks, where the item applies (None: no such facts)."""


_ZERO = Decimal(0)

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
    shape: Any, cap: Decimal | None, domains: Mapping[str, Span]
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


def nested(shape: Any, loc: Loc) -> Iterator[tuple[Any, Loc, Decimal]]:
    """The shapes written inside ``shape``, each with its path and the points it is capped
    at (see :data:`OPTIONAL`); none for a shape whose module does not say."""
    ask = getattr(module(shape.kind), "nested", None)
    if ask is not None:
        yield from ask(shape, loc)


def walk(shape: Any, loc: Loc, bounds: Bounds) -> Iterator[tuple[Any, Loc, Bounds]]:
    """The shape and every shape nested in it, at any depth, in order, with its path and
    what its value is clamped to: ``bounds`` for the shape itself, [0, points] inside."""
    yield shape, loc, bounds
    for inner, here, points in nested(shape, loc):
        yield from walk(inner, here, (_ZERO, points))


def within(shape: Any) -> Iterator[Any]:
    """The shape and every shape nested in it, at any depth, in order."""
    for inner, _, _ in walk(shape, (), (None, _ZERO)):
        yield inner


def lint(shape: Any, loc: Loc, bounds: Bounds, probe: Probe) -> Iterator[Finding]:
    """The warnings ``shape`` gives about itself (see :data:`OPTIONAL`); none for a shape
    whose module does not say."""
    ask = getattr(module(shape.kind), "lint", None)
    if ask is not None:
        yield from ask(shape, loc, bounds, probe)


def adds_to(shape: Any, *, penalty: bool) -> Extreme | None:
    """What the points written in ``shape`` add to, or deduct in a penalty section (see
    :data:`OPTIONAL`); None for a shape whose module does not say."""
    ask = getattr(module(shape.kind), "adds_to", None)
    return None if ask is None else ask(shape, penalty=penalty)


def never_deducts(shape: Any, loc: Loc, points: Decimal | None) -> Iterator[Finding]:
    """In a penalty section, what in ``shape`` never deducts, and why (see :data:`OPTIONAL`);
    none for a shape whose module does not say."""
    ask = getattr(module(shape.kind), "never_deducts", None)
    if ask is not None:
        yield from ask(shape, loc, points)


def subtracts(shape: Any) -> bool:
    """Whether ``shape`` scores by subtracting from where it starts (see :data:`OPTIONAL`)."""
    ask = getattr(module(shape.kind), "subtracts", None)
    return ask is not None and bool(ask(shape))


def penalises(shape: Any) -> bool:
    """Whether ``shape`` takes points when a condition holds (see :data:`OPTIONAL`)."""
    ask = getattr(module(shape.kind), "penalises", None)
    return ask is not None and bool(ask(shape))


def zeroed(shape: Any) -> Any:
    """``shape`` with the points it writes down for an outcome at 0 (see :data:`OPTIONAL`);
    the shape itself for one whose module does not say."""
    ask = getattr(module(shape.kind), "zeroed", None)
    return shape if ask is None else ask(shape)


def thresholds(shape: Any) -> Iterator[Decimal]:
    """The numbers ``shape`` compares a value with that none of its expressions writes (see
    :data:`OPTIONAL`); none for a shape whose module does not say."""
    ask = getattr(module(shape.kind), "thresholds", None)
    if ask is not None:
        yield from ask(shape)


Found = Iterator[tuple[tuple[str, ...], str, Decimal]]
"""Ways to earn more, or points lost: ``(departments, words, points)``."""


def headroom(trace: Any, inputs: tuple[Input, ...], language: str) -> Found:
    """What would earn the shape of ``trace`` more (see :data:`OPTIONAL`); nothing for a
    shape whose module does not say."""
    ask = getattr(module_of_trace(trace), "headroom", None)
    if ask is not None:
        yield from ask(trace, inputs, language)


def losses(trace: Any) -> Found:
    """The points lost that a part's own departments answer for (see :data:`OPTIONAL`);
    none for a shape whose module does not say."""
    ask = getattr(module_of_trace(trace), "losses", None)
    if ask is not None:
        yield from ask(trace)


def expressions(trace: Any) -> Iterator[str]:
    """The expressions ``trace`` names, in order (see :data:`OPTIONAL`); none for a shape
    whose module does not say."""
    ask = getattr(module_of_trace(trace), "expressions", None)
    if ask is not None:
        yield from ask(trace)


def derived(trace: Any, inputs: tuple[Input, ...]) -> list[str]:
    """Expressions worked out from ``inputs`` that decide ``trace`` (see :data:`OPTIONAL`);
    none for a shape whose module does not say."""
    ask = getattr(module_of_trace(trace), "derived", None)
    return [] if ask is None else list(ask(trace, inputs))


Sub = Callable[[Any, Any], Any]
"""Expands a nested shape's record: ``sub(shape, record)``."""
Branches = Iterator[tuple[tuple[str | int, ...], str, str]]


def completes(shape: Any) -> bool:
    """Whether ``shape`` scores an actual value against a target (see :data:`OPTIONAL`):
    a batch's target matrix has a column for it."""
    return hasattr(module(shape.kind), "check")


def check(shape: Any, values: Mapping[str, Any]) -> Completion:
    """The target met or missed, worked out from the facts ``values`` (see :data:`OPTIONAL`).

    Raises:
        AttributeError: ``shape`` scores no target (ask :func:`completes` first).
    """
    return cast(Completion, module(shape.kind).check(shape, values))


def completion(trace: Any) -> Completion | None:
    """The target met or missed as scored (see :data:`OPTIONAL`); None for a trace of a
    shape with no target, or no shape's (an item that did not apply)."""
    found = _BY_TRACE.get(type(trace))
    ask = None if found is None else getattr(found, "completion", None)
    return None if ask is None else cast(Completion, ask(trace))
