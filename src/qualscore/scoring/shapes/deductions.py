"""``deductions``: start from full points and subtract, never below the floor."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Literal

from qualscore.catalogue import say
from qualscore.language.ranges import Span, value_span
from qualscore.ruleset.formula import Formula
from qualscore.ruleset.model import DeductionsShape, Part, Step
from qualscore.scoring.gen import Gen
from qualscore.scoring.shapes._common import (
    Finding,
    Loc,
    number,
    owned,
    pts,
    subject,
    worked,
)
from qualscore.scoring.trace import DeductionsTrace, Input, StepTrace
from qualscore.scoring.words import fmt, plural, words

__all__ = [
    "KIND",
    "MODEL",
    "TRACE",
    "branches",
    "emit",
    "expand",
    "explain",
    "expressions",
    "extremes",
    "formulas",
    "headroom",
    "never",
    "never_deducts",
    "owners",
    "penalises",
    "reached",
    "subtracts",
]

KIND = "deductions"
MODEL = DeductionsShape
TRACE = DeductionsTrace


def formulas(shape: DeductionsShape) -> Iterator[Formula]:
    """Each step's condition or value, in order."""
    for step in shape.steps:
        yield from (f for f in (step.unless, step.when, step.per) if f is not None)


def owners(shape: DeductionsShape, part: Part | None) -> Iterator[tuple[Part | None, Formula]]:
    """Each expression with the part that answers for it (the facts template's departments)."""
    return owned(part, formulas(shape))


def _step(gen: Gen, step: Step, total: str) -> str:
    points = gen.const(step.points)
    if step.per is None:
        condition = step.unless or step.when
        assert condition is not None
        applied = gen.tmp()
        text = gen.expr(condition)
        gen.line(f"{applied} = not {text}" if step.unless is not None else f"{applied} = {text}")
        gen.line(f"{total} = {total} + ({points} if {applied} else _Z)")
        return applied
    value = gen.value(step.per)
    units, deducted = gen.tmp(), gen.tmp()
    if step.counting is not None:
        size, how = step.counting
        mode = "_FLOOR" if how == "whole" else "_CEIL"
        gen.line(f"{units} = ({value} / {gen.const(size)}).to_integral_value({mode})")
        gen.line(f"{units} = _Z if _Z > {units} else {units}")
    else:
        gen.line(f"{units} = _Z if _Z > {value} else {value}")
    gen.line(f"{deducted} = {units} * {points}")
    capped = "False"
    if step.max is not None:
        most, capped = gen.const(step.max), gen.tmp()
        gen.line(f"{capped} = {deducted} > {most}")
        gen.line(f"{deducted} = {most} if {capped} else {deducted}")
    gen.line(f"{total} = {total} + {deducted}")
    return f"({value}, {units}, {deducted}, {capped})"


def emit(gen: Gen, shape: DeductionsShape, cap: str) -> tuple[str, str]:
    """Each step in order; record ``(before the floor, after, (step records))``.

    A step's record: ``applied`` (unless/when), or ``(value, units, deducted,
    capped)`` (per): the value as computed, the units counted from it (whole or
    started units of ``every``, or the value itself; never below 0), what was
    deducted, whether ``max`` bound.
    """
    start = gen.const(shape.start) if shape.start is not None else cap
    total, before, value = gen.tmp(), gen.tmp(), gen.tmp()
    gen.line(f"{total} = _Z")
    records = [_step(gen, s, total) for s in shape.steps]
    floor = gen.const(shape.floor)
    gen.line(f"{before} = {start} - {total}")
    gen.line(f"{value} = {floor} if {floor} > {before} else {before}")
    return value, f"({before}, {value}, ({', '.join(records)},))"


def _label(step: Step) -> str:
    return step.label or next(f.source for f in (step.unless, step.when, step.per) if f)


def _expand_step(step: Step, record: Any) -> StepTrace:
    if step.per is None:
        kind: Literal["unless", "when"] = "unless" if step.unless is not None else "when"
        deducted = step.points if record else Decimal(0)
        condition = step.unless or step.when
        assert condition is not None
        return StepTrace(_label(step), kind, step.points, record, deducted, expr=condition.source)
    value, units, deducted, capped = record
    size, how = step.counting or (None, None)
    return StepTrace(
        _label(step), "per", step.points, units > 0, deducted, units, capped,
        step.per.source, value, size, step.max, how,
    )  # fmt: skip


def expand(
    shape: DeductionsShape,
    record: tuple[Decimal, Decimal, tuple[Any, ...]],
    sub: Any,
    cap: Decimal | None,
) -> DeductionsTrace:
    """The trace of every step, and of the floor."""
    before, value, steps = record
    start = shape.start if shape.start is not None else cap
    assert start is not None  # points: none needs a from (the model's needs_points)
    traces = tuple(_expand_step(s, r) for s, r in zip(shape.steps, steps, strict=True))
    return DeductionsTrace(start, traces, shape.floor, before < shape.floor, value)


def branches(shape: DeductionsShape, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """Each step applied and not applied; capped at its ``max`` when it has one."""
    for i, step in enumerate(shape.steps):
        here = (*loc, "steps", i)
        outcomes = ["applied", "not applied"] + (["capped"] if step.max is not None else [])
        for outcome in outcomes:
            yield here, outcome, f"step {_label(step)}: {outcome}"


def never(
    shape: DeductionsShape, loc: Loc, domains: Mapping[str, Span]
) -> Iterator[tuple[Loc, str, str]]:
    """What the declared range of a ``per`` step's value rules out: applied (the value is
    never above 0), not applied (always above 0), capped (never past its ``max``)."""
    for i, step in enumerate(shape.steps):
        if step.per is None:
            continue
        here, source = (*loc, "steps", i), step.per.source
        span = value_span(step.per.tree, domains)
        size, how = step.counting or (None, None)
        if span.hi is not None and span.hi <= 0:
            yield here, "applied", f"{source} is at most {fmt(span.hi)}: nothing to deduct"
        elif span.hi is not None and size is not None and how == "whole" and span.hi < size:
            yield (
                here,
                "applied",
                f"{source} is at most {fmt(span.hi)}, under one whole {fmt(size)}: "
                "nothing to deduct",
            )
        if how == "whole":
            assert size is not None
            if span.lo is not None and span.lo >= size:
                yield (
                    here,
                    "not applied",
                    f"{source} is always at least one whole {fmt(size)}: the step always deducts",
                )
        elif span.lo is not None and (span.lo > 0 or (span.lo == 0 and span.lo_open)):
            yield here, "not applied", f"{source} is always above 0: the step always deducts"
        most = _per_most(step, span)
        if step.max is not None and most is not None and most <= step.max:
            assert span.hi is not None
            yield (
                here,
                "capped",
                (
                    f"{source} is at most {fmt(span.hi)}, so the step deducts at most {fmt(most)}: "
                    f"its max of {fmt(step.max)} never binds"
                ),
            )


def extremes(
    shape: DeductionsShape, cap: Decimal | None, domains: Mapping[str, Span]
) -> tuple[tuple[str, Decimal] | None, tuple[str, Decimal] | None]:
    """Where the deductions start (``from``, else the cap) and the lowest they reach: the
    floor, or above it when the steps can take only so much over the declared ranges."""
    start = shape.start if shape.start is not None else cap
    if start is None:  # points: none and no from: refused when the rules load
        return None, None
    lowest = start
    for step in shape.steps:
        per = step.per
        most = step.points if per is None else _per_most(step, value_span(per.tree, domains))
        if most is None or (step.max is not None and most > step.max):
            most = step.max
        if most is None:
            lowest = shape.floor
            break
        lowest -= most
    lowest = max(lowest, shape.floor)
    return ("its deductions start from", start), ("its deductions stop at", lowest)


def never_deducts(shape: DeductionsShape, loc: Loc, points: Decimal | None) -> Iterator[Finding]:
    """Deductions that start at or below their floor (on the item): a penalty item scores
    from 0 down, so they start at 0 unless ``from`` says otherwise, and stop at their floor,
    0 unless written (the item's is minus its points already, and the loader refuses
    another). ``points`` None: the item deducts without limit, so the floor to give is
    the deductions' own to choose."""
    start = shape.start if shape.start is not None else Decimal(0)
    if start <= shape.floor:
        example = "" if points is None else f" (score.floor: {fmt(-points)})"
        yield Finding(
            (),
            f"its deductions start at {fmt(start)} and stop at their floor "
            f"{fmt(shape.floor)}, so they never deduct in a penalty section; give "
            f"the deductions a negative floor of their own{example}",
        )


def subtracts(shape: DeductionsShape) -> bool:
    """Always: its points are taken from where it starts."""
    return True


def penalises(shape: DeductionsShape) -> bool:
    """When a step deducts because something holds (``when``)."""
    return any(step.when is not None for step in shape.steps)


def _per_most(step: Step, span: Span) -> Decimal | None:
    """The most a ``per`` step deducts, before its ``max``, for values in ``span`` (None: no
    bound)."""
    if span.hi is None:
        return None
    units = span.hi
    if step.counting is not None:
        units = units_of(units, *step.counting)
    return max(units, Decimal(0)) * step.points


def reached(trace: DeductionsTrace, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Each step applied or not, and capped."""
    for i, step in enumerate(trace.steps):
        yield (*loc, "steps", i), "applied" if step.applied else "not applied"
        if step.capped:
            yield (*loc, "steps", i), "capped"


def explain(
    trace: DeductionsTrace,
    inputs: tuple[Input, ...],
    language: str,
    indent: str,
    places: int = 2,
) -> list[str]:
    """The start; each ``per`` step worked through; each condition that deducted; the floor."""
    lines = [f"{indent}{say(language, 'ded_start', start=pts(trace.start, language))}"]
    for step in trace.steps:
        if step.kind == "per" or step.applied:
            lines.extend(_explain_step(step, inputs, language, indent + "  ", places))
    if not any(s.applied for s in trace.steps):
        lines.append(indent + "  " + words(language)["ded_none"])
    taken = sum((s.deducted for s in trace.steps), Decimal(0))
    if any(s.applied for s in trace.steps):
        before = trace.start - taken
        total = say(language, "ded_total", start=fmt(trace.start), taken=fmt(taken),
                    before=fmt(before), score=pts(max(before, trace.floor), language))  # fmt: skip
        lines.append(f"{indent}  {total}")
    if trace.floored:
        floored = say(language, "ded_floored", score=pts(trace.floor, language))
        lines.append(f"{indent}  {floored}")
    return lines


def units_of(value: Decimal, size: Decimal, how: str) -> Decimal:
    """The steps of ``size`` in ``value``: whole ones (rounded down), or started ones
    (rounded up); never below 0."""
    mode = ROUND_FLOOR if how == "whole" else ROUND_CEILING
    return max((value / size).to_integral_value(mode), Decimal(0))


def _shown(value: Decimal, size: Decimal, how: str, places: int) -> str:
    """``value`` to ``places`` decimals, or to as many more as it takes for the number shown
    to count the same steps (9.999 in whole steps of 5 is 1 step: shown ``≈ 9.999``, not
    ``≈ 10``, which would be 2)."""
    units = units_of(value, size, how)
    for shown in range(places, 35):
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int) or exponent >= -shown:
            break
        rounded = value.quantize(Decimal(1).scaleb(-shown), rounding=ROUND_HALF_UP)
        if units_of(rounded, size, how) == units:
            return number(value, shown)
    return fmt(value)


def _explain_step(
    step: StepTrace, inputs: tuple[Input, ...], language: str, indent: str, places: int
) -> list[str]:
    w = words(language)
    sep = w["colon"]
    done = worked(step.expr, inputs, language, places) if step.expr else None
    if step.kind != "per":
        lines = [f"{indent}-{fmt(step.deducted)}{sep}{step.label}"]
        if done is not None:
            lines.append(f"{indent}  {w['condition']}{sep}{done[0]}")
            lines.append(f"{indent}  {done[1]}")
        return lines
    lines = [f"{indent}{step.label}{sep}"]
    if done is not None:
        lines.append(f"{indent}  {done[0]}")
        lines.append(f"{indent}  = {done[1]}")
    elif step.value is not None and step.expr:
        said = subject(step.expr, inputs)
        lines.append(f"{indent}  {said}")
    return lines + [f"{indent}  {line}" for line in _per_lines(step, language, places)]


def _per_lines(step: StepTrace, language: str, places: int) -> list[str]:
    """A ``per`` step's units counted from its value, then units × points, capped at the
    step's most."""
    w = words(language)
    value, units = step.value, step.units or Decimal(0)
    lines = []
    if value is not None and (value < 0 or (value == 0 and step.every is None)):
        lines.append(w["no_shortfall"])
    elif value is not None and step.every is not None:
        how = step.counted or "started"
        lines.append(say(
            language,
            "per_whole" if how == "whole" else "per_started",
            size=fmt(step.every),
            value=_shown(value, step.every, how, places),
            units=plural(language, "units", units),
        ))  # fmt: skip
    most = ""
    if step.most is not None:
        most = say(language, "ded_most_capped" if step.capped else "ded_most", most=fmt(step.most))
    gross = say(language, "ded_gross", units=fmt(units), points=fmt(step.points),
                gross=fmt(units * step.points), most=most, deducted=fmt(step.deducted))  # fmt: skip
    return [*lines, gross]


# --- what a report says beyond the explanation -----------------------------------------


def headroom(
    trace: DeductionsTrace, inputs: tuple[Input, ...], language: str
) -> Iterator[tuple[tuple[str, ...], str, Decimal]]:
    """Each deduction taken, to avoid."""
    for step in trace.steps:
        if step.applied and step.deducted > 0:
            yield (), say(language, "ded_avoid", label=step.label), step.deducted


def expressions(trace: DeductionsTrace) -> Iterator[str]:
    """Each step's condition or value, in order."""
    yield from (s.expr for s in trace.steps if s.expr)
