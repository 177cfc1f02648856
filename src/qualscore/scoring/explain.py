"""Words from a trace: one line per thing that happened to an item's score.

What an item adds (not applicable, the clamp, the summary) is here; each
shape's own lines come from its module in :mod:`qualscore.scoring.shapes`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from qualscore.scoring.shapes._common import explain_shape, value_text
from qualscore.scoring.trace import (
    CohortEntry,
    Input,
    ItemResult,
    NodeResult,
    Result,
    ShapeTrace,
)
from qualscore.scoring.words import cohort_number, fmt, words
from qualscore.scoring.working import number_text

__all__ = [
    "cohort_line",
    "explain",
    "identity",
    "is_bonus",
    "lost_text",
    "max_text",
    "titled",
    "value_text",
    "verdict_lines",
]


def max_text(node: NodeResult | ItemResult) -> str:
    """The 满分 column: a penalty's most deduction as minus, ``—`` for a node with no cap
    (``points: none``)."""
    points = node.points if node.bounded else None
    if points is None:
        return "—"
    return fmt(-points) if node.role == "penalty" else fmt(points)


def lost_text(node: NodeResult | ItemResult, language: str) -> str:
    """The 失分 column: blank for bonus (points not won there are not lost) and for a node
    with no cap outside a penalty section (nothing is out of its reach), 不适用 for an item
    that does not apply."""
    if is_bonus(node):
        return ""
    if isinstance(node, ItemResult) and node.not_applicable is not None:
        return words(language)["na"]
    if not node.bounded and node.role != "penalty":
        return ""
    return fmt(node.lost)


def titled(node: NodeResult | ItemResult, title: str, language: str) -> str:
    """``title`` with the node's verdict after it (``指标1（未达标）``), if it has one."""
    if node.verdict is None:
        return title
    w = words(language)
    return f"{title}{w['lp']}{node.verdict}{w['rp']}"


def verdict_lines(result: Result, language: str) -> list[str]:
    """The scheme's verdict, and which nodes did not meet theirs: what every view says."""
    w = words(language)
    sep = "：" if language == "zh" else ": "
    lines = []
    if result.verdict is not None:
        lines.append(f"{w['verdict']}{sep}{result.verdict}")
    failed = result.failed()
    if failed:
        listed = ("；" if language == "zh" else "; ").join(
            f"{n.id} {n.title}" for n in failed
        )
        lines.append(f"{w['verdict_failed']}{sep}{listed}")
    return lines


def is_bonus(node: NodeResult | ItemResult) -> bool:
    """The scheme's bonus, a bonus section or one of its items: extra points, none lost."""
    return node.role == "bonus" or node.id == "bonus"


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
    lines.extend(cohort_line(entry, language) for entry in item.cohort)
    if item.not_applicable is None and item.shape is not None:
        lines.extend(_shape(item.shape, item.inputs, language, "", places_of(item)))
    places = places_of(item)
    if item.clamped:
        low = item.floor
        if item.role == "penalty":
            low = None if item.points is None else -item.points
        top = Decimal(0) if item.role == "penalty" else item.points
        bounded = item.raw if low is None or item.raw > low else low
        bounded = top if top is not None and top < bounded else bounded
        shown = number_text(item.raw, places)
        if item.role != "penalty" and low is not None and low != 0 and bounded == low:
            lines.append(f"{shown} → {w['lower']} {fmt(bounded)}")  # the item's floor
        else:
            lines.append(f"{shown} → {w['clamped']} {fmt(bounded)}")
        if bounded != item.score:
            lines.append(_rounded(bounded, item.score, places, language))
    elif item.not_applicable is None and item.raw != item.score:
        lines.append(_rounded(item.raw, item.score, places, language))
    lines.append(_summary(item, language))
    return lines


def _summary(item: ItemResult, language: str) -> str:
    if item.points is None:
        return _open_summary(item, language)
    if item.role == "penalty":
        if language == "zh":
            return f"扣 {fmt(-item.score)} 分（最多扣 {fmt(item.points)} 分）"
        return f"deducts {fmt(-item.score)} (at most {fmt(item.points)})"
    if is_bonus(item) and item.not_applicable is None:  # extra points: none are lost
        if language == "zh":
            return f"加 {fmt(item.score)} 分（最多加 {fmt(item.points)} 分）"
        return f"adds {fmt(item.score)} (at most {fmt(item.points)})"
    if item.not_applicable is not None:
        if language == "zh":
            return f"得 {fmt(item.score)} 分（满分 {fmt(item.points)} 分；不适用，不计失分）"
        return f"scores {fmt(item.score)} of {fmt(item.points)} (not applicable: nothing lost)"
    if language == "zh":
        return f"得 {fmt(item.score)} 分（满分 {fmt(item.points)} 分，失 {fmt(item.lost)} 分）"
    return f"scores {fmt(item.score)} of {fmt(item.points)} (lost {fmt(item.lost)})"


def _open_summary(item: ItemResult, language: str) -> str:
    """The last line of an item with ``points: none``: what it scored, added or deducted,
    with no maximum and nothing lost (``不设上限``)."""
    open_ = words(language)["no_cap"]
    if item.role == "penalty":
        verb, amount = "deducts", fmt(-item.score)
    elif is_bonus(item) and item.not_applicable is None:
        verb, amount = "adds", fmt(item.score)
    else:
        verb, amount = "scores", fmt(item.score)
    na = item.not_applicable is not None and verb == "scores"
    if language == "zh":
        zh = {"deducts": "扣", "adds": "加", "scores": "得"}[verb]
        return f"{zh} {amount} 分（{open_}{'；不适用' if na else ''}）"
    return f"{verb} {amount} ({open_}{'; not applicable' if na else ''})"


def places_of(item: ItemResult) -> int:
    """The rule set's places: every item's score is rounded to them."""
    exponent = item.score.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _rounded(raw: Decimal, score: Decimal, places: int, language: str) -> str:
    exact = fmt(raw) if len(fmt(raw)) <= 12 else number_text(raw, places + 4)
    if language == "zh":
        return f"计算值 {exact}，按考核细则保留 {places} 位小数（四舍五入）为 {fmt(score)}"
    return f"computed {exact}, rounded half up to {places} places: {fmt(score)}"


def _shape(
    shape: ShapeTrace, inputs: tuple[Input, ...], language: str, indent: str, places: int
) -> list[str]:
    return explain_shape(shape, inputs, language, indent, places)


_STATS = {
    "zh": {"max": "最高值", "min": "最低值", "mean": "平均值", "median": "中位数", "count": "个数"},
    "en": {"max": "the highest", "min": "the lowest", "mean": "the mean", "median": "the median",
           "count": "the count"},
}  # fmt: skip


def cohort_line(entry: CohortEntry, language: str) -> str:
    """How a cohort value the item reads was worked out: the entity's own value, the
    cohort's size, the rank and the ties, the best and who holds it."""
    zh = language == "zh"
    sep = "：" if zh else ": "
    head = f"{entry.label}{sep}"
    if entry.given:
        unit = None if entry.stat in _UNITLESS else entry.unit
        given = _with_unit(entry.value, unit, entry.places)
        return head + (f"{given}（给定，未由本次比较算出）" if zh
                       else f"{given} (given, not computed here)")  # fmt: skip
    own = "" if entry.own is None else (
        f"本单位{'得分' if entry.scored else ''} {_with_unit(entry.own, entry.unit)}，" if zh
        else f"this entity{' scored' if entry.scored else ''} {_with_unit(entry.own, entry.unit)}, "
    )  # fmt: skip
    scope = "" if entry.scope == "all" else (f"{entry.scope}" if zh else f" in {entry.scope}")
    size = f"{scope}{entry.size} 个单位" if zh else f"{entry.size} entities{scope}"
    if entry.left_out:  # those the node does not apply to: in no aggregate, and said so
        n = entry.left_out
        size += f"（另 {n} 个单位无可比的值，未计入）" if zh else f" ({n} with no value left out)"
    if entry.stat in ("rank", "reverse_rank"):
        tied = ""
        if entry.tied > 1:
            others = entry.tied - 1
            tied = f"（与另 {others} 个单位并列）" if zh else f" (tied with {others})"
        if zh:
            which = "倒数第" if entry.stat == "reverse_rank" else "第"
            return f"{head}{own}{which} {fmt(entry.value)} 名 / {size}{tied}"
        which = "rank from the bottom" if entry.stat == "reverse_rank" else "rank"
        return f"{head}{own}{which} {fmt(entry.value)} of {size}{tied}"
    if entry.stat == "share_of_best":
        best = _with_unit(entry.best, entry.unit) if entry.best is not None else "—"
        who = ("、" if zh else ", ").join(entry.leaders[:LEADERS_SHOWN])
        if len(entry.leaders) > LEADERS_SHOWN:  # a tie at the top of thousands: not all named
            more = len(entry.leaders)
            who += f" 等 {more} 个单位" if zh else f" and others, {more} in all"
        percent = fmt((entry.value * 100).quantize(Decimal("0.01"), ROUND_HALF_UP))
        share = cohort_number(entry.value, entry.places)
        if zh:
            return (f"{head}{own}为第 1 名（{who}，{best}）的 {percent}%（{size}），"
                    f"比例 {share}")  # fmt: skip
        return (f"{head}{own}{percent}% of the best ({who}, {best}; {size}), "
                f"share {share}")  # fmt: skip
    what = _STATS["zh" if zh else "en"][entry.stat]
    value = _with_unit(entry.value, None if entry.stat == "count" else entry.unit, entry.places)
    if zh:
        return f"{head}{own}{size}的{what} {value}"
    return f"{head}{own}{what} of {size}: {value}"


_UNITLESS = ("rank", "reverse_rank", "share_of_best", "count")
LEADERS_SHOWN = 5
"""Most entities named as sharing the best value in an explanation (the JSON names all)."""


def _with_unit(value: Decimal, unit: str | None, places: int | None = None) -> str:
    """A number and its unit as the reports write them: ``97%``, ``40.8 岁``; to its
    ``places`` (:func:`~.words.cohort_number`)."""
    shown = cohort_number(value, places)
    if not unit:
        return shown
    return f"{shown}{unit}" if unit in ("%", "‰") else f"{shown} {unit}"
