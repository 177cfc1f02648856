"""``deductions``: start from full points and subtract, never below the floor."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal

from ...formula import Formula
from ...model import DeductionsShape, Part, Step
from ...trace import DeductionsTrace, Input, StepTrace
from ...words import fmt
from ..gen import Gen
from ._common import Loc, pts

__all__ = [
    "KIND",
    "MODEL",
    "TRACE",
    "branches",
    "emit",
    "expand",
    "explain",
    "formulas",
    "owners",
    "reached",
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
    for f in formulas(shape):
        yield part, f


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
    if step.every is not None:
        gen.line(f"{units} = ({value} / {gen.const(step.every)}).to_integral_value(_CEIL)")
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
    capped)`` (per): the value as computed, the units counted from it (started
    ``every`` units, never below 0), what was deducted, whether ``max`` bound.
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
        return StepTrace(_label(step), kind, step.points, record, deducted)
    _, units, deducted, capped = record
    return StepTrace(_label(step), "per", step.points, units > 0, deducted, units, capped)


def expand(
    shape: DeductionsShape, record: tuple[Decimal, Decimal, tuple[Any, ...]], sub: Any, cap: Decimal
) -> DeductionsTrace:
    """The trace of every step, and of the floor."""
    before, value, steps = record
    start = shape.start if shape.start is not None else cap
    traces = tuple(_expand_step(s, r) for s, r in zip(shape.steps, steps, strict=True))
    return DeductionsTrace(start, traces, shape.floor, before < shape.floor, value)


def branches(shape: DeductionsShape, loc: Loc) -> Iterator[tuple[Loc, str, str]]:
    """Each step applied and not applied; capped at its ``max`` when it has one."""
    for i, step in enumerate(shape.steps):
        here = (*loc, "steps", i)
        outcomes = ["applied", "not applied"] + (["capped"] if step.max is not None else [])
        for outcome in outcomes:
            yield here, outcome, f"step {_label(step)}: {outcome}"


def reached(trace: DeductionsTrace, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Each step applied or not, and capped."""
    for i, step in enumerate(trace.steps):
        yield (*loc, "steps", i), "applied" if step.applied else "not applied"
        if step.capped:
            yield (*loc, "steps", i), "capped"


def explain(
    trace: DeductionsTrace, inputs: tuple[Input, ...], language: str, indent: str
) -> list[str]:
    """The start, each deduction applied, the floor when it bound."""
    zh = language == "zh"
    lines = [f"{indent}{'起始' if zh else 'start at'} {pts(trace.start, language)}"]
    for step in trace.steps:
        if step.applied:
            lines.append(indent + "  " + _explain_step(step, language))
    if not any(s.applied for s in trace.steps):
        lines.append(indent + "  " + ("无扣分" if zh else "nothing deducted"))
    if trace.floored:
        reached_ = "扣完为止，得" if zh else "floor reached:"
        lines.append(f"{indent}  {reached_} {pts(trace.floor, language)}")
    return lines


def _explain_step(step: StepTrace, language: str) -> str:
    zh = language == "zh"
    amount = f"-{fmt(step.deducted)}"
    if step.kind == "per":
        units = fmt(step.units or Decimal(0))
        detail = f"{units} × {fmt(step.points)}"
        if step.capped:
            detail += "，封顶" if zh else ", capped"
        return f"{amount}：{step.label}（{detail}）" if zh else f"{amount}: {step.label} ({detail})"
    return f"{amount}：{step.label}" if zh else f"{amount}: {step.label}"
