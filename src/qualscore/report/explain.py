"""Words from a trace: one line per thing that happened to an item's score.

What an item adds (not applicable, the clamp, the summary) is here; each
shape's own lines come from its module in :mod:`qualscore.scoring.shapes`.
"""

from __future__ import annotations

from decimal import Decimal

from ..scoring.shapes import module_of_trace
from ..scoring.shapes._common import value_text
from ..trace import Input, ItemResult, ShapeTrace
from ..words import fmt, words

__all__ = ["explain", "value_text"]


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
    lines: list[str] = module_of_trace(shape).explain(shape, inputs, language, indent)
    return lines
