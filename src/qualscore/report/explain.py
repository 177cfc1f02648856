"""Words from a trace: one line per thing that happened to an item's score."""

from __future__ import annotations

from decimal import Decimal

from ..formula import Value
from ..trace import (
    CasesTrace,
    DeductionsTrace,
    FormulaTrace,
    Input,
    ItemResult,
    PartsTrace,
    PartTrace,
    ShapeTrace,
    StepTrace,
    TargetTrace,
    TiersTrace,
)
from ..words import band_text, fmt, fmt_approx, words

__all__ = ["explain", "value_text"]


def value_text(value: Value, unit: str | None = None) -> str:
    """A fact value as it was given (91.00 stays 91.00), with its unit."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = format(value, "f")
    return f"{text}{unit}" if unit and unit in ("%", "‰") else (f"{text} {unit}" if unit else text)


def explain(item: ItemResult, language: str) -> list[str]:
    """The explanation of one item, line by line, in ``language``."""
    w = words(language)
    lines: list[str] = []
    if item.not_applicable is not None:
        lines.append(
            f"{w['na']}：{item.not_applicable}"
            if language == "zh"
            else f"{w['na']}: {item.not_applicable}"
        )
    elif item.shape is not None:
        lines.extend(_shape(item.shape, item.inputs, language, ""))
    if item.clamped:
        bounded = min(max(item.raw, Decimal(0)), item.points)
        lines.append(f"{fmt(item.raw)} → {w['clamped']} {fmt(bounded)}")
    lines.append(_summary(item, language))
    return lines


def _summary(item: ItemResult, language: str) -> str:
    if language == "zh":
        return f"得 {fmt(item.score)} 分（满分 {fmt(item.points)} 分，失 {fmt(item.lost)} 分）"
    return f"scores {fmt(item.score)} of {fmt(item.points)} (lost {fmt(item.lost)})"


def _shape(shape: ShapeTrace, inputs: tuple[Input, ...], language: str, indent: str) -> list[str]:
    if isinstance(shape, PartsTrace):
        return [line for p in shape.parts for line in _part(p, inputs, language, indent)]
    if isinstance(shape, TiersTrace):
        return [indent + _tiers(shape, inputs, language)]
    if isinstance(shape, CasesTrace):
        return [indent + _cases(shape, language)]
    if isinstance(shape, DeductionsTrace):
        return _deductions(shape, language, indent)
    if isinstance(shape, TargetTrace):
        return [indent + _target(shape, inputs, language)]
    return [indent + _formula(shape, language)]


_RELATION = {"at_least": "≥", "above": ">", "below": "<", "at_most": "≤"}


def _target(t: TargetTrace, inputs: tuple[Input, ...], language: str) -> str:
    w = words(language)
    subject = _subject(t.actual_expr, inputs)
    if subject == t.actual_expr:
        subject = f"{t.actual_expr} = {fmt_approx(t.actual)}"
    goal = f"{_RELATION[t.met_when]} {fmt(t.target)}"
    if language == "zh":
        state = w["target_met"] if t.met else f"{w['target_missed']}（差 {fmt(t.shortfall)}）"
        return f"{subject}，目标 {goal}，{state}，得 {fmt(t.value)} 分"
    state = w["target_met"] if t.met else f"{w['target_missed']} (short by {fmt(t.shortfall)})"
    return f"{subject}; target {goal}: {state}, {fmt(t.value)} pt"


def _pts(value: Decimal, language: str) -> str:
    return f"{fmt(value)} 分" if language == "zh" else f"{fmt(value)} pt"


def _part(part: PartTrace, inputs: tuple[Input, ...], language: str, indent: str) -> list[str]:
    sep = "：" if language == "zh" else ": "
    if part.kind == "when":
        mark = "✓" if part.held else "✗"
        return [
            f"{indent}{mark} {part.label}{sep}{_pts(part.awarded, language)}"
            f"{'' if part.held else ' / ' + _pts(part.points, language)}"
        ]
    if part.kind == "each":
        units = fmt(part.units or Decimal(0))
        return [
            f"{indent}{part.label}{sep}{units} × {_pts(part.points, language)} = "
            f"{_pts(part.awarded, language)}"
        ]
    assert part.inner is not None
    head = (
        f"{indent}{part.label}{sep}{_pts(part.awarded, language)} / {_pts(part.points, language)}"
    )
    return [head, *_shape(part.inner, inputs, language, indent + "  ")]


def _subject(expr: str, inputs: tuple[Input, ...]) -> str:
    for i in inputs:
        if i.key == expr:
            return f"{i.label} = {value_text(i.value, i.unit)}"
    return expr


def _tiers(t: TiersTrace, inputs: tuple[Input, ...], language: str) -> str:
    subject = _subject(t.expr, inputs)
    if subject == t.expr:
        name = t.label or t.expr
        subject = f"{name} = {fmt_approx(t.input)}{t.unit or ''}"
    if t.matched is None:
        other = f"（{t.otherwise_label}）" if t.otherwise_label else ""
        if language == "zh":
            return f"{subject}，未达到任何档{other}，得 {fmt(t.value)} 分"
        return f"{subject}: no band matched{other}, {fmt(t.value)} pt"
    band = band_text(t.bands[t.matched])
    if language == "zh":
        return f"{subject}，落在「{band}」档，得 {fmt(t.value)} 分"
    return f'{subject}: falls in band "{band}", {fmt(t.value)} pt'


def _cases(c: CasesTrace, language: str) -> str:
    if c.matched is None:
        other = f"（{c.otherwise_label}）" if c.otherwise_label else ""
        if language == "zh":
            return f"不符合任何条件{other}，得 {fmt(c.value)} 分"
        return f"no condition held{other}: {fmt(c.value)} pt"
    label = c.labels[c.matched]
    if language == "zh":
        return f"符合「{label}」，得 {fmt(c.value)} 分"
    return f'"{label}" holds: {fmt(c.value)} pt'


def _deductions(d: DeductionsTrace, language: str, indent: str) -> list[str]:
    zh = language == "zh"
    lines = [f"{indent}{'起始' if zh else 'start at'} {_pts(d.start, language)}"]
    for step in d.steps:
        if step.applied:
            lines.append(indent + "  " + _step(step, language))
    if not any(s.applied for s in d.steps):
        lines.append(indent + "  " + ("无扣分" if zh else "nothing deducted"))
    if d.floored:
        lines.append(
            f"{indent}  {'扣完为止，得' if zh else 'floor reached:'} {_pts(d.floor, language)}"
        )
    return lines


def _step(step: StepTrace, language: str) -> str:
    zh = language == "zh"
    amount = f"-{fmt(step.deducted)}"
    if step.kind == "per":
        units = fmt(step.units or Decimal(0))
        detail = f"{units} × {fmt(step.points)}"
        if step.capped:
            detail += "，封顶" if zh else ", capped"
        return f"{amount}：{step.label}（{detail}）" if zh else f"{amount}: {step.label} ({detail})"
    return f"{amount}：{step.label}" if zh else f"{amount}: {step.label}"


def _formula(f: FormulaTrace, language: str) -> str:
    name = f.label or ("公式" if language == "zh" else "formula")
    return (
        f"{name}：{f.expr} = {fmt_approx(f.value)}"
        if language == "zh"
        else (f"{name}: {f.expr} = {fmt_approx(f.value)}")
    )
