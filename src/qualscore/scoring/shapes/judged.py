"""``judged``: points awarded by assessors, given per entity in the facts file.

A facts file gives, under ``judged``, each judged item's score (or deduction),
the reason, and optionally the evidence and the assessor; a judged part's
(酌情扣 0–2 分 inside an item scored by rule) by ``ITEM/PART``, the item's id
and the part's. The facts loader checks the score against the item's (or the
part's) bounds and the reason where it is required, and hands the engine the
score under the key ``judged:ID`` and the texts under ``judged:ID#`` (keys no
fact can have: a fact key is an identifier). The generated code reads both with
a :func:`repr` literal.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from qualscore.catalogue import say, words
from qualscore.ruleset.formula import Formula
from qualscore.ruleset.model import JudgedShape, Part
from qualscore.scoring.gen import Gen
from qualscore.scoring.shapes._common import Loc
from qualscore.scoring.trace import Input, JudgedTrace
from qualscore.scoring.words import fmt

__all__ = [
    "KIND",
    "MODEL",
    "TRACE",
    "branches",
    "emit",
    "expand",
    "explain",
    "formulas",
    "key",
    "reached",
]

KIND = "judged"
MODEL = JudgedShape
TRACE = JudgedTrace


def key(item_id: str, part_id: str | None = None) -> str:
    """The key of an item's judged score in the values the engine runs on; of a part's,
    with the part's id (``ITEM/PART``, as the facts file gives it)."""
    from qualscore.facts.check import judged_key

    return judged_key(item_id if part_id is None else f"{item_id}/{part_id}")


def formulas(shape: JudgedShape) -> Iterator[Formula]:
    """None: the score comes from the assessors."""
    return iter(())


def owners(shape: JudgedShape, part: Part | None) -> Iterator[tuple[Part | None, Formula]]:
    """None: the facts template gives a judged item its own score, reason and evidence columns."""
    return iter(())


def emit(gen: Gen, shape: JudgedShape, cap: str) -> tuple[str, str]:
    """The judged score, or ``cap`` (full marks) where the default applies and none was given.

    Record: ``(given score or None, (reason, evidence, assessor) or None)``.
    """
    name = key(gen.item[0], gen.part)
    given, value = gen.tmp(), gen.tmp()
    gen.line(f"{given} = v.get({name!r})")
    gen.line(f"{value} = {cap} if {given} is None else {given}")
    return value, f"({given}, v.get({name + '#'!r}))"


def expand(shape: JudgedShape, record: Any, sub: Any, cap: Decimal | None) -> JudgedTrace:
    """The judgement as given, or the default."""
    assert cap is not None  # a judged item has points (the model's needs_points)
    given, texts = record
    reason, evidence, assessor = texts if texts is not None else (None, None, None)
    score = cap if given is None else given
    deduction = cap - score if shape.give == "deduction" else None
    return JudgedTrace(
        given is not None, score, cap, reason, evidence, assessor, deduction, score, shape.label
    )


def branches(shape: JudgedShape, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """Judged; and not judged (full marks) where that is the declared default."""
    yield (*loc, "judged"), "judged", "judged by the assessors"
    if shape.default == "full":
        yield (*loc, "judged"), "default", "not judged: full marks by default"


def reached(trace: JudgedTrace, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Judged, or the default."""
    yield (*loc, "judged"), "judged" if trace.judged else "default"


def explain(trace: JudgedTrace, inputs: tuple[Input, ...], language: str, indent: str) -> list[str]:
    """``评审打分 X / Y 分：reason（依据：evidence）``; a deduction, or the default, likewise."""
    points, score = fmt(trace.points), fmt(trace.score)
    if not trace.judged:
        return [indent + say(language, "judged_default", points=points)]
    if trace.points == 0 and trace.score <= 0:
        text = say(language, "judged_deducted", deducted=fmt(-trace.score))
    elif trace.deduction is not None:
        deducted = fmt(trace.deduction)
        text = say(language, "judged_deduction", deducted=deducted, score=score, points=points)
    else:
        text = say(language, "judged_scored", score=score, points=points)
    if trace.reason:
        text += f"{words(language)['colon']}{trace.reason}"
    if trace.evidence:
        text += say(language, "judged_basis", evidence=trace.evidence)
    if trace.assessor:
        text += say(language, "judged_assessor", assessor=trace.assessor)
    return [indent + text]
