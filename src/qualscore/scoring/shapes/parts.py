"""``parts``: a checklist; the item scores the sum of its parts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from qualscore.catalogue import say, words
from qualscore.language.ranges import Span
from qualscore.ruleset.formula import Formula
from qualscore.ruleset.model import Part, PartsShape
from qualscore.scoring.gen import Gen
from qualscore.scoring.shapes._common import (
    Finding,
    Loc,
    explain_shape,
    pts,
    worked,
)
from qualscore.scoring.trace import Input, PartsTrace, PartTrace
from qualscore.scoring.words import fmt

__all__ = [
    "KIND",
    "MODEL",
    "TRACE",
    "adds_to",
    "branches",
    "emit",
    "expand",
    "explain",
    "expressions",
    "formulas",
    "headroom",
    "losses",
    "nested",
    "never",
    "never_deducts",
    "owners",
    "reached",
    "zeroed",
]

KIND = "parts"
MODEL = PartsShape
TRACE = PartsTrace

_ZERO = Decimal(0)
Found = Iterator[tuple[tuple[str, ...], str, Decimal]]
"""Ways to earn more (or points lost): ``(departments, words, points)``."""


def formulas(shape: PartsShape) -> Iterator[Formula]:
    """Each part's expression, nested shapes' included, in order."""
    from qualscore.scoring.shapes import module

    for part in shape.parts:
        for f in (part.when, part.each):
            if f is not None:
                yield f
        if part.score is not None:
            yield from module(part.score.kind).formulas(part.score)


def owners(shape: PartsShape, part: Part | None) -> Iterator[tuple[Part | None, Formula]]:
    """Each expression with the part that answers for it: its own, a nested shape's included."""
    from qualscore.scoring.shapes import module

    for p in shape.parts:
        for f in (p.when, p.each):
            if f is not None:
                yield p, f
        if p.score is not None:
            yield from module(p.score.kind).owners(p.score, p)


def _part(gen: Gen, part: Part, total: str) -> str:
    points = gen.const(part.points)
    if part.when is not None:
        held = gen.tmp()
        gen.line(f"{held} = {gen.expr(part.when)}")
        gen.line(f"{total} = {total} + ({points} if {held} else _Z)")
        return held
    if part.each is not None:
        value = gen.value(part.each)
        units, awarded = gen.tmp(), gen.tmp()
        gen.line(f"{units} = _Z if _Z > {value} else {value}")
        # + _Z: no units of a negative part deduct 0, not -0.
        signed = " + _Z" if part.points < 0 else ""
        gen.line(f"{awarded} = {units} * {points}{signed}")
        gen.line(f"{total} = {total} + {awarded}")
        return f"({value}, {units}, {awarded})"
    assert part.score is not None
    outer, gen.part = gen.part, part.id
    inner, record = gen.shape(part.score, points)
    gen.part = outer
    floor, awarded = gen.tmp(), gen.tmp()
    gen.line(f"{floor} = _Z if _Z > {inner} else {inner}")
    gen.line(f"{awarded} = {points} if {points} < {floor} else {floor}")
    gen.line(f"{total} = {total} + {awarded}")
    return f"({inner}, {awarded}, {record})"


def emit(gen: Gen, shape: PartsShape, cap: str) -> tuple[str, str]:
    """Each part in order, summed; record ``(sum, (part records))``.

    A part's record: ``held`` (when), ``(value, units, awarded)`` (each),
    ``(value, awarded, inner record)`` (a nested shape, capped at the part's points).
    """
    total = gen.tmp()
    gen.line(f"{total} = _Z")
    records = [_part(gen, p, total) for p in shape.parts]
    return total, f"({total}, ({', '.join(records)},))"


def _expand_part(part: Part, record: Any, sub: Any) -> PartTrace:
    if part.when is not None:
        awarded = part.points if record else Decimal(0)
        return PartTrace(
            part.label, part.points, part.departments, "when", awarded, held=record,
            expr=part.when.source,
        )  # fmt: skip
    if part.each is not None:
        _, units, awarded = record
        return PartTrace(
            part.label, part.points, part.departments, "each", awarded, units=units,
            expr=part.each.source,
        )  # fmt: skip
    assert part.score is not None
    value, awarded, inner = record
    return PartTrace(
        part.label,
        part.points,
        part.departments,
        "score",
        awarded,
        inner=sub.shape(part.score, inner, part.points),
        capped=awarded != value,
    )


def expand(
    shape: PartsShape, record: tuple[Decimal, tuple[Any, ...]], sub: Any, cap: Decimal | None
) -> PartsTrace:
    """The trace of every part."""
    value, parts = record
    traces = tuple(_expand_part(p, r, sub) for p, r in zip(shape.parts, parts, strict=True))
    return PartsTrace(traces, value)


def branches(shape: PartsShape, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """Held and not held (``when``), counted and none (``each``), a nested shape's own."""
    from qualscore.scoring.shapes import module

    for i, part in enumerate(shape.parts):
        here = (*loc, "parts", i)
        if part.score is not None:
            yield from module(part.score.kind).branches(part.score, (*here, "score"))
            continue
        pair = ("held", "not held") if part.when is not None else ("counted", "none")
        for outcome in pair:
            yield here, outcome, f"part {part.label}: {outcome}"


def never(
    shape: PartsShape, loc: Loc, domains: Mapping[str, Span]
) -> Iterator[tuple[Loc, str, str]]:
    """What a nested shape's own module rules out."""
    from qualscore.scoring.shapes import never as nested

    for i, part in enumerate(shape.parts):
        if part.score is not None:
            yield from nested(part.score, (*loc, "parts", i, "score"), domains)


def nested(shape: PartsShape, loc: Loc) -> Iterator[tuple[Any, Loc, Decimal]]:
    """Each part's score, capped at the part's points."""
    for i, part in enumerate(shape.parts):
        if part.score is not None:
            yield part.score, (*loc, "parts", i, "score"), part.points


def adds_to(shape: PartsShape, *, penalty: bool) -> tuple[str, Decimal] | None:
    """What the parts award, or in a penalty section deduct; None with an ``each`` part,
    whose count the facts decide."""
    if any(p.each is not None for p in shape.parts):
        return None
    if penalty:
        return "its parts deduct", sum((-p.points for p in shape.parts if p.points < 0), _ZERO)
    return "its parts add to", sum((p.points for p in shape.parts if p.points > 0), _ZERO)


def never_deducts(shape: PartsShape, loc: Loc, points: Decimal) -> Iterator[Finding]:
    """A part whose score subtracts (at any depth): a part counts its score from 0 up to its
    points, and a penalty part with a score is worth 0, so those deductions never deduct."""
    from qualscore.scoring.shapes import subtracts, within

    for i, part in enumerate(shape.parts):
        if part.score is not None and any(subtracts(s) for s in within(part.score)):
            yield Finding(
                (*loc, "parts", i, "score"),
                f"part {part.label}'s score counts from 0 up to the part's "
                f"{fmt(part.points)} points, so its deductions never deduct in a penalty "
                "section; make them the item's own score",
            )


def zeroed(shape: PartsShape) -> PartsShape:
    """The parts with what their nested shapes write down for an outcome at 0."""
    from qualscore.scoring.shapes import zeroed as inner

    parts = tuple(
        p if p.score is None else p.model_copy(update={"score": inner(p.score)})
        for p in shape.parts
    )
    return shape.model_copy(update={"parts": parts})


def reached(trace: PartsTrace, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Each part's outcome."""
    from qualscore.scoring.shapes import module_of_trace

    for i, part in enumerate(trace.parts):
        here = (*loc, "parts", i)
        if part.inner is not None:
            yield from module_of_trace(part.inner).reached(part.inner, (*here, "score"))
        elif part.kind == "when":
            yield here, "held" if part.held else "not held"
        else:
            yield here, "counted" if part.units else "none"


def explain(
    trace: PartsTrace,
    inputs: tuple[Input, ...],
    language: str,
    indent: str,
    places: int = 2,
) -> list[str]:
    """One line a part (✓/✗, units × points), its condition's numbers, a nested shape's lines."""
    return [
        line for p in trace.parts for line in _explain_part(p, inputs, language, indent, places)
    ]


def _explain_part(
    part: PartTrace, inputs: tuple[Input, ...], language: str, indent: str, places: int
) -> list[str]:
    """One part's lines: met or not, units × points, or a nested shape's score and lines."""
    w = words(language)
    sep = w["colon"]
    done = worked(part.expr, inputs, language, places) if part.expr else None
    if part.kind == "when":
        mark = "✓" if part.held else "✗"
        lines = [
            f"{indent}{mark} {part.label}{sep}{pts(part.awarded, language)}"
            f"{'' if part.held else ' / ' + pts(part.points, language)}"
        ]
        if done is not None:
            lines.append(f"{indent}  {w['condition']}{sep}{done[0]}")
            lines.append(f"{indent}  {done[1]}")
        return lines
    if part.kind == "each":
        units = fmt(part.units or Decimal(0))
        lines = [
            f"{indent}{part.label}{sep}{units} × {pts(part.points, language)} = "
            f"{pts(part.awarded, language)}"
        ]
        if done is not None:
            lines.insert(0, f"{indent}{done[0]} = {done[1]}")
        return lines
    assert part.inner is not None
    head = f"{indent}{part.label}{sep}{pts(part.awarded, language)} / {pts(part.points, language)}"
    if part.capped:
        head += w["parts_capped"]
    inner = explain_shape(part.inner, inputs, language, indent + "  ", places)
    return [head, *inner]


# --- what a report says beyond the explanation -----------------------------------------


def headroom(trace: PartsTrace, inputs: tuple[Input, ...], language: str) -> Found:
    """A negative part to avoid, a part not done, and what a nested shape could gain, up
    to its part's points; each for the part's departments (a nested shape's own first)."""
    from qualscore.scoring.shapes import headroom as inner

    for part in trace.parts:
        room = part.points - part.awarded
        if part.points < 0 and part.awarded < 0:
            action = say(language, "parts_avoid", label=part.label)
            yield part.departments, action, -part.awarded
        elif part.kind == "when" and not part.held:
            yield part.departments, say(language, "parts_do", label=part.label), room
        elif part.kind == "score" and part.inner is not None and room > 0:
            for deps, action, gain in inner(part.inner, inputs, language):
                yield deps or part.departments, action, min(gain, room)


def losses(trace: PartsTrace) -> Found:
    """What each part lost, for its own departments, when any part names them (the rest
    of the item's loss is its departments'); an ``each`` part loses nothing it was owed."""
    if not any(p.departments for p in trace.parts):
        return
    for part in trace.parts:
        lost = part.points - part.awarded if part.kind != "each" else _ZERO
        if lost > 0:
            yield part.departments, part.label, lost


def expressions(trace: PartsTrace) -> Iterator[str]:
    """Each part's condition or count, and a nested shape's expressions, in order."""
    from qualscore.scoring.shapes import expressions as inner

    for part in trace.parts:
        if part.expr:
            yield part.expr
        if part.inner is not None:
            yield from inner(part.inner)
