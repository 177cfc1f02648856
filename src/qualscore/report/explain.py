"""Words from a trace: one line per thing that happened to an item's score.

What an item adds (not applicable, the clamp, the summary) is here; each
shape's own lines come from its module in :mod:`qualscore.scoring.shapes`.
"""

from __future__ import annotations

from decimal import Decimal

from ..scoring.shapes import module_of_trace
from ..scoring.shapes._common import value_text
from ..trace import Input, ItemResult, NodeResult, Result, ShapeTrace
from ..words import fmt, words

__all__ = ["explain", "identity", "max_text", "value_text"]


def max_text(node: NodeResult | ItemResult) -> str:
    """The 满分 column: a penalty's most deduction as minus, ``—`` for a section with no cap."""
    if isinstance(node, NodeResult) and not node.bounded:
        return "—"
    return fmt(-node.points) if node.role == "penalty" else fmt(node.points)


def identity(result: Result, language: str) -> list[str]:
    """Whom and what period the report is about, and the grade: one line each that is known."""
    w = words(language)
    sep = "：" if language == "zh" else ": "
    pairs = [("entity", result.entity), ("period", result.period), ("grade", result.grade)]
    return [f"{w[key]}{sep}{value}" for key, value in pairs if value is not None]


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
        low = item.floor if item.role != "penalty" else -item.points
        top = Decimal(0) if item.role == "penalty" else item.points
        bounded = item.raw if low is None or item.raw > low else low
        bounded = top if top < bounded else bounded
        if item.role != "penalty" and low is not None and low != 0 and bounded == low:
            lines.append(f"{fmt(item.raw)} → {w['lower']} {fmt(bounded)}")  # the item's floor
        else:
            lines.append(f"{fmt(item.raw)} → {w['clamped']} {fmt(bounded)}")
    lines.append(_summary(item, language))
    return lines


def _summary(item: ItemResult, language: str) -> str:
    if item.role == "penalty":
        if language == "zh":
            return f"扣 {fmt(-item.score)} 分（最多扣 {fmt(item.points)} 分）"
        return f"deducts {fmt(-item.score)} (at most {fmt(item.points)})"
    if language == "zh":
        return f"得 {fmt(item.score)} 分（满分 {fmt(item.points)} 分，失 {fmt(item.lost)} 分）"
    return f"scores {fmt(item.score)} of {fmt(item.points)} (lost {fmt(item.lost)})"


def _shape(shape: ShapeTrace, inputs: tuple[Input, ...], language: str, indent: str) -> list[str]:
    lines: list[str] = module_of_trace(shape).explain(shape, inputs, language, indent)
    return lines
