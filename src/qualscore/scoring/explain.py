"""Words from a trace: one line per thing that happened to an item's score.

What an item adds (not applicable, the clamp, the summary) is here; each
shape's own lines come from its module in :mod:`qualscore.scoring.shapes`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from qualscore.ruleset.model import SPREADS
from qualscore.scoring.shapes._common import explain_shape, value_text
from qualscore.scoring.trace import (
    CohortEntry,
    Input,
    ItemResult,
    NodeResult,
    Result,
    ShapeTrace,
)
from qualscore.scoring.words import STAT_WORDS, WORKING_WORDS, cohort_number, fmt, words
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
    """The 满分 column: a penalty's most deduction as minus, ``—`` for a section with no cap."""
    if isinstance(node, NodeResult) and not node.bounded:
        return "—"
    return fmt(-node.points) if node.role == "penalty" else fmt(node.points)


def lost_text(node: NodeResult | ItemResult, language: str) -> str:
    """The 失分 column: blank for bonus (points not won there are not lost), 不适用 for an
    item that does not apply."""
    if is_bonus(node):
        return ""
    if isinstance(node, ItemResult) and node.not_applicable is not None:
        return words(language)["na"]
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
        low = item.floor if item.role != "penalty" else -item.points
        top = Decimal(0) if item.role == "penalty" else item.points
        bounded = item.raw if low is None or item.raw > low else low
        bounded = top if top < bounded else bounded
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
    mine = "" if entry.own is None else _with_unit(entry.own, entry.unit)
    if entry.weight is not None:  # a weighted mean: the entity's weight beside its value
        weight = WORKING_WORDS["zh" if zh else "en"]["weight"]
        mine += f"，{weight} {cohort_number(entry.weight)}" if zh else (
            f", {weight} {cohort_number(entry.weight)}"
        )  # fmt: skip
    own = "" if entry.own is None else (
        f"本单位{'得分' if entry.scored else ''} {mine}，" if zh
        else f"this entity{' scored' if entry.scored else ''} {mine}, "
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
    if entry.working:
        return head + _worked(entry, own, size, zh)
    what = STAT_WORDS["zh" if zh else "en"][entry.stat]
    value = _with_unit(entry.value, None if entry.stat == "count" else entry.unit, entry.places)
    if zh:
        return f"{head}{own}{size}的{what} {value}"
    return f"{head}{own}{what} of {size}: {value}"


def _worked(entry: CohortEntry, own: str, size: str, zh: bool) -> str:
    """A sum, spread, weighted mean or count_if, with the numbers it was worked out from:
    enough to recompute it (:mod:`~qualscore.scoring.statistics`)."""
    w = WORKING_WORDS["zh" if zh else "en"]
    if entry.stat == "count_if":
        held = "" if entry.own is None else w["own_held"].format(
            held=w["holds"] if entry.own == 1 else w["fails"]
        )  # fmt: skip
        return held + w["counted"].format(size=size, count=fmt(entry.value))
    what = STAT_WORDS["zh" if zh else "en"][entry.stat]
    unit = None if entry.stat in _UNITLESS else entry.unit
    value = _with_unit(entry.value, unit, entry.places)
    line = f"{own}{size}的{what} {value}" if zh else f"{own}{what} of {size}: {value}"
    worked = dict(entry.working)
    steps = _steps(entry.stat, worked, worked.get("unrounded", entry.value), w)
    if "unrounded" in worked:
        steps.append(w["rounded"].format(places=entry.places, value=value))
    if not steps:
        return line
    return line + (f"（{'，'.join(steps)}）" if zh else f" ({', '.join(steps)})")


def _steps(stat: str, worked: dict[str, Decimal], raw: Decimal, w: dict[str, str]) -> list[str]:
    """The steps of a spread or weighted mean (``raw``: its value before ``places``), each
    number to :data:`~qualscore.scoring.words.COHORT_PLACES`."""

    def eq(value: Decimal) -> str:
        shown = cohort_number(value)
        return shown if shown.startswith("≈") else f"= {shown}"

    if stat == "weighted_mean":
        return [f"{w['weights']} {cohort_number(worked['weights'])}",
                f"{w['weighted']} {cohort_number(worked['weighted'])}",
                f"{w['weighted_mean']} = {w['weighted']} ÷ {w['weights']} {eq(raw)}"]  # fmt: skip
    if stat not in SPREADS:
        return []
    n = fmt(worked["n"])
    divisor = f"({n} − 1)" if stat == "stdev_sample" else n
    steps = [f"{w['mean']} {cohort_number(worked['mean'])}",
             f"{w['squares']} {cohort_number(worked['squares'])}",
             f"{w['variance']} = {w['squares']} ÷ {divisor} {eq(worked['variance'])}",
             f"{w['stdev']} = √{w['variance']} {eq(worked.get('stdev', raw))}"]  # fmt: skip
    if stat == "cv":
        steps.append(f"{w['cv']} = {w['stdev']} ÷ {w['mean']} {eq(raw)}")
    return steps


_UNITLESS = ("rank", "reverse_rank", "share_of_best", "count", "count_if", "cv")
LEADERS_SHOWN = 5
"""Most entities named as sharing the best value in an explanation (the JSON names all)."""


def _with_unit(value: Decimal, unit: str | None, places: int | None = None) -> str:
    """A number and its unit as the reports write them: ``97%``, ``40.8 岁``; to its
    ``places`` (:func:`~.words.cohort_number`)."""
    shown = cohort_number(value, places)
    if not unit:
        return shown
    return f"{shown}{unit}" if unit in ("%", "‰") else f"{shown} {unit}"
