"""Small helpers the shape modules share: words for points and inputs, and what lint finds."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from qualscore.catalogue import say, words, working_words
from qualscore.ruleset.formula import Formula, Value
from qualscore.ruleset.model import Part
from qualscore.scoring.trace import Input
from qualscore.scoring.words import fmt

__all__ = ["Completion", "Finding", "Loc", "pts", "subject", "value_text"]

Loc = tuple[str | int, ...]


class Finding(NamedTuple):
    """A warning a shape's lint gives: where inside its item (``("score", "bands", 1)``;
    ``()`` the item itself) and what is wrong, in words."""

    loc: Loc
    message: str


def value_text(value: Value, unit: str | None = None) -> str:
    """A fact value as it was given (91.00 stays 91.00), with its unit."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # a choice, as written
        return value
    text = format(value, "f")
    return f"{text}{unit}" if unit and unit in ("%", "‰") else (f"{text} {unit}" if unit else text)


def pts(value: Decimal, language: str) -> str:
    """``2 分`` or ``2 pt``."""
    return say(language, "pt", points=fmt(value))


def shown_value(i: Input) -> str:
    """A value an item read as given, with its unit, or with its words (``A（优秀）``)."""
    text = value_text(i.value, i.unit)
    return text if i.words is None else f"{text}（{i.words}）"


def subject(expr: str, inputs: tuple[Input, ...]) -> str:
    """``label = value`` when ``expr`` is one fact the item read, else ``expr``."""
    for i in inputs:
        if i.key == expr:
            return f"{i.label} = {shown_value(i)}"
    return expr


def worked(
    expr: str, inputs: tuple[Input, ...], language: str, places: int
) -> tuple[str, str, tuple[str, ...]] | None:
    """``expr`` worked through with the inputs: (formula in words, ``= …`` chain, conditions).

    ``None`` when ``expr`` is a single fact (its value is in the inputs) or cannot be worked.
    """
    from qualscore.scoring.working import work

    if any(i.key == expr for i in inputs):
        return None
    done = work(
        expr, {i.key: i.value for i in inputs}, {i.key: i.label for i in inputs}, language, places
    )
    if done is None or (len(done.steps) == 1 and done.steps[0] == done.formula):
        return None  # nothing to work out (a number written as it is)
    return done.formula, chain(done.steps, language), done.conditions


def explain_shape(
    trace: Any, inputs: tuple[Input, ...], language: str, indent: str, places: int
) -> list[str]:
    """``trace`` explained by its shape's module, numbers shown to ``places``.

    A shape module written before ``places`` existed (``explain(trace, inputs,
    language, indent)``) still works: it is called without it.
    """
    from qualscore.scoring.shapes import module_of_trace

    explain = module_of_trace(trace).explain
    if _takes_places(explain):
        lines: list[str] = explain(trace, inputs, language, indent, places)
    else:
        lines = explain(trace, inputs, language, indent)
    return lines


@functools.cache
def _takes_places(explain: Callable[..., list[str]]) -> bool:
    """Whether a shape module's ``explain`` takes ``places`` (asked once a function: each
    item's explanation asks again)."""
    import inspect

    return "places" in inspect.signature(explain).parameters


def changes(inputs: tuple[Input, ...]) -> list[str]:
    """``(x - x_previous) / x_previous * 100`` for each fact read with its previous year's value.

    The change from last year decides items that compare this year with the last
    (item 8: 减少10%以内); an explanation shows it, worked through like any expression.
    """
    numbers = {i.key for i in inputs if isinstance(i.value, Decimal)}
    return [
        f"({k} - {k}_previous) / {k}_previous * 100"
        for k in sorted(numbers)
        if f"{k}_previous" in numbers
    ]


def chain(steps: tuple[str, ...], language: str) -> str:
    """Steps of a working as one line: ``= a = b ≈ c``; a condition's as ``a，即 b：成立``."""
    if not steps:
        return ""
    truths = working_words(language)
    if steps[-1] in (truths["holds"], truths["fails"]):
        w = words(language)
        sep = w["chain_ie"]
        head = sep.join(steps[1:-1]) if len(steps) > 2 else ""
        body = steps[0] + (sep + head if head else "")
        return f"{body}{w['colon']}{steps[-1]}"
    out = steps[0]
    for s in steps[1:]:
        out += f" {s}" if s.startswith("≈") else f" = {s}"
    return out


def number(value: Decimal, places: int) -> str:
    """A derived number as shown: at most ``places`` decimals, ``≈`` when rounded for display."""
    from qualscore.scoring.working import number_text

    return number_text(value, places)


def owned(part: Part | None, formulas: Iterable[Formula]) -> Iterator[tuple[Part | None, Formula]]:
    """Each expression with the part that answers for it (the facts template's departments)."""
    for f in formulas:
        yield part, f


class Completion(NamedTuple):
    """A target met or missed: how far from met (0 when met), the actual value, the target
    and the rule (``at_least`` ...), for a batch's target matrix."""

    met: bool
    shortfall: Decimal
    actual: Decimal
    target: Decimal
    met_when: str
