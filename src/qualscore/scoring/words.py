"""The engine's own words in each report language, and number formatting.

Labels, titles and source text come from the rule set; only the few words the
engine adds (score, lost, not applicable ...) live here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from qualscore._decimal import plain
from qualscore.ruleset.model import Band
from qualscore.scoring.trace import BandTrace

__all__ = [
    "COHORT_PLACES",
    "STAT_WORDS",
    "WORDS",
    "WORKING_WORDS",
    "band_name",
    "band_text",
    "bounds_text",
    "cohort_number",
    "count",
    "fmt",
    "fmt_approx",
    "points_text",
    "result_word",
    "words",
]

COHORT_PLACES = 4
"""Decimals a cohort value is shown to when it declares no ``places`` (a mean of
percentages, 95.2375; a share, 0.6667); more are rounded, with ``≈``."""


def points_text(value: Decimal) -> str:
    """``1 point``, ``0.5 points``, ``2 points``: an amount of points in English."""
    return "1 point" if value == 1 else f"{fmt(value)} points"


def count(n: int, word: str) -> str:
    """``1 item``, ``2 items``: an English count with its noun (plural with ``s``)."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def fmt(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: ``Decimal("2.50")`` -> ``"2.5"``."""
    return plain(value)


def fmt_approx(value: Decimal, places: int = 4) -> str:
    """Like :func:`fmt`, but a value with more than ``places`` decimals is shown as ``≈ x``."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        rounded = value.quantize(Decimal(1).scaleb(-places))
        return fmt(rounded) if rounded == value else "≈ " + fmt(rounded)  # 90.000…0 is 90
    return fmt(value)


def cohort_number(value: Decimal, places: int | None = None) -> str:
    """A cohort value as people read it: at its declared ``places`` (``40.8``, ``0.6667``,
    ``41.0``), else to at most :data:`COHORT_PLACES` decimals; ``≈`` when that rounds it
    (half up). The JSON keeps it exact: ``29593.05555555555555555555555555556`` is shown
    ``≈ 29593.0556``."""
    shown = COHORT_PLACES if places is None else places
    try:
        rounded = value.quantize(Decimal(1).scaleb(-shown), rounding=ROUND_HALF_UP)
    except ArithmeticError:  # more digits than a decimal holds: shown as it is
        return fmt(value)
    text = fmt(rounded) if places is None else format(rounded, "f")
    return text if rounded == value else "≈ " + text


STAT_WORDS: dict[str, dict[str, str]] = {
    "zh": {"max": "最高值", "min": "最低值", "mean": "平均值", "median": "中位数", "count": "个数",
           "sum": "合计", "stdev": "标准差", "stdev_sample": "样本标准差", "cv": "变异系数",
           "weighted_mean": "加权平均值"},
    "en": {"max": "the highest", "min": "the lowest", "mean": "the mean", "median": "the median",
           "count": "the count", "sum": "the sum", "stdev": "the standard deviation",
           "stdev_sample": "the sample standard deviation",
           "cv": "the coefficient of variation", "weighted_mean": "the weighted mean"},
}  # fmt: skip
"""What a cohort value that is the same for every entity is, by its stat."""

WORKING_WORDS: dict[str, dict[str, str]] = {
    "zh": {"mean": "平均值", "squares": "离差平方和", "variance": "方差", "stdev": "标准差",
           "cv": "变异系数", "weights": "权数合计", "weighted": "加权值合计",
           "weighted_mean": "加权平均值", "weight": "权数", "holds": "成立",
           "fails": "不成立", "rounded": "保留 {places} 位小数为 {value}",
           "counted": "{size}中 {count} 个成立", "own_held": "本单位{held}，"},
    "en": {"mean": "mean", "squares": "sum of squared deviations", "variance": "variance",
           "stdev": "standard deviation", "cv": "cv", "weights": "sum of weights",
           "weighted": "sum of weighted values", "weighted_mean": "weighted mean",
           "weight": "weight", "holds": "holds", "fails": "does not hold",
           "rounded": "to {places} places: {value}",
           "counted": "holds for {count} of {size}", "own_held": "{held} for this entity; "},
}  # fmt: skip
"""The words of how a sum, spread, weighted mean or count_if was worked out."""


def result_word(label: str | None, vetoed: bool, language: str) -> str:
    """The result, in every view alike: the scheme's word for it, else ``已否决``
    (vetoed) or ``已评分`` (scored)."""
    if label:
        return label
    w = words(language)
    return w["vetoed"] if vetoed else w["scored"]


WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "item": "项目",
        "title": "内容",
        "max": "满分",
        "score": "得分",
        "lost": "失分",
        "total": "总分",
        "bonus": "加分项",
        "veto": "否决项",
        "vetoed": "已否决",
        "not_vetoed": "未触发",
        "triggered": "已触发",
        "result": "考核结果",
        "departments": "责任单位",
        "na": "不适用",
        "inputs": "依据",
        "criteria": "评分标准",
        "content": "考核内容",
        "met": "是",
        "unmet": "否",
        "matched": "落在",
        "band": "档",
        "none_matched": "未达到任何档",
        "deduct": "扣",
        "points": "分",
        "per": "每",
        "floor": "扣完为止",
        "grade": "等级",
        "group": "组别",
        "assessing": "考核部门",
        "lower": "本项下限",
        "cap": "封顶",
        "no_cap": "不设上限",
        "capped": "超出封顶，按",
        "count": "计",
        "of": "满分",
        "sum": "合计",
        "rules": "规则",
        "facts": "事实",
        "engine": "引擎",
        "fingerprint": "指纹",
        "category": "类别",
        "indicator": "指标",
        "possible": "可得",
        "clamped": "按可得范围截取为",
        "formula": "公式",
        "yes": "是",
        "no": "否",
        "and": "且",
        "otherwise": "其余情况",
        "summary": "总览",
        "by_category": "各类别得分",
        "items": "各项得分与说明",
        "departments_view": "各责任单位失分",
        "headroom": "提升空间",
        "gain": "本项可增",
        "effective": "总分可增",
        "action": "做法",
        "shared": "共同负责",
        "explanation": "说明",
        "part": "分项",
        "cap_binds": "封顶生效",
        "department": "责任单位",
        "no_loss": "无失分",
        "no_headroom": "各项均已满分",
        "no_target": "无此项目标任务（{label}）",
        "no_cohort": "未计入比较（{label}：本单位无可比的值，或比较范围不含本单位）",
        "no_value": "无此项数据（{label}：所依据的值本单位没有）",
        "no_records": "记录不足，无法计算（{label}）",
        "verdict": "判定",
        "verdict_met": "达标",
        "verdict_not_met": "未达标",
        "verdict_failed": "未达标的项目",
        "verdict_condition": "判定条件",
        "judged_evidence": "评审依据",
        "evidence_missing": "缺少佐证材料（{pieces}），本项不得分",
        "supplier": "报送单位",
        "evidence": "佐证材料",
        "note": "备注",
        "evidence_none": "无",
        "values": "计算值",
        "not_met": "未达标项目",
        "read_score": "{title}得分",
        "read_applies": "{title}是否适用",
        "read_met": "{title}是否达标",
        "target_met": "完成",
        "target_matrix": "目标任务完成情况",
        "target_missed": "未完成",
        "lp": "（",
        "rp": "）",
        "comma": "，",
        "list_sep": "；",
        "entity": "被考核单位",
        "source": "来源",
        "period": "考核期",
        "scheme": "考核细则",
        "date": "报告日期",
        "biggest_losses": "对总分影响最大的失分",
        "departments_most": "对总分影响最大的责任单位",
        "cost": "影响总分",
        "lost_cost": "失 {lost} 分，影响总分 {cost} 分",
        "item_table": "各项得分",
        "explanations": "逐项说明",
        "page": "第 {page} 页，共 {pages} 页",
        "next_step": "可提升",
        "lost_points": "失 {lost} 分",
        "rank": "名次",
        "completion": "目标完成率",
        "failed": "未能评分",
        "reason": "原因",
        "metadata": "关于本表",
        "scored": "已评分",
        "value": "值",
        "entity_report": "单位报告",
        "written": "已写入",
        "writing": "正在写入",
        "scoring": "正在评分",
        "compare": "与上期比较",
        "previous": "上期",
        "change": "变化",
        "per_started": (
            "每 {size} 计 1 个单位，不足 {size} 的按 1 个单位计（开始即计）："
            "{value} ÷ {size} 向上取整 = {units} 个单位"
        ),
        "per_whole": (
            "每满 {size} 计 1 个单位，不足 {size} 的部分不计（满 {size} 才计）："
            "{value} ÷ {size} 向下取整 = {units} 个单位"
        ),
        "no_shortfall": "未出现差额，计 0 个单位",
    },
    "en": {
        "item": "item",
        "title": "title",
        "max": "max",
        "score": "score",
        "lost": "lost",
        "total": "total",
        "bonus": "bonus",
        "veto": "veto",
        "vetoed": "vetoed",
        "not_vetoed": "not triggered",
        "triggered": "triggered",
        "result": "result",
        "departments": "departments",
        "na": "not applicable",
        "inputs": "inputs",
        "criteria": "criteria",
        "content": "content",
        "met": "yes",
        "unmet": "no",
        "matched": "falls in",
        "band": "band",
        "none_matched": "no band matched",
        "deduct": "minus",
        "points": "points",
        "per": "per",
        "floor": "floor reached",
        "grade": "grade",
        "group": "group",
        "assessing": "assessed by",
        "lower": "floor",
        "cap": "cap",
        "no_cap": "no maximum",
        "capped": "over its cap, counted as",
        "count": "counts",
        "of": "out of",
        "sum": "sum",
        "rules": "rules",
        "facts": "facts",
        "engine": "engine",
        "fingerprint": "fingerprint",
        "category": "category",
        "indicator": "indicator",
        "possible": "possible",
        "clamped": "clamped to",
        "formula": "formula",
        "yes": "yes",
        "no": "no",
        "and": "and",
        "otherwise": "otherwise",
        "summary": "Summary",
        "by_category": "Scores by category",
        "items": "Items explained",
        "departments_view": "Points lost by department",
        "headroom": "Headroom",
        "gain": "item gain",
        "effective": "total gain",
        "action": "what would earn it",
        "shared": "shared",
        "explanation": "explanation",
        "part": "part",
        "cap_binds": "cap binds",
        "department": "department",
        "no_loss": "no points lost",
        "no_headroom": "every item at full points",
        "no_target": "no target for this entity ({label})",
        "no_value": "no value for this entity ({label}: it reads a value the entity has not)",
        "no_records": "too few records to work it out ({label})",
        "verdict": "verdict",
        "verdict_met": "met",
        "verdict_not_met": "not met",
        "verdict_failed": "not met",
        "verdict_condition": "condition",
        "judged_evidence": "the assessors' evidence",
        "evidence_missing": "no evidence for {pieces}: the item scores 0",
        "supplier": "supplied by",
        "evidence": "evidence",
        "note": "note",
        "evidence_none": "none",
        "values": "Values worked out",
        "not_met": "not met",
        "read_score": "score of {title}",
        "read_applies": "{title} applies",
        "read_met": "{title} met",
        "no_cohort": (
            "not compared ({label}: this entity has no value to compare, or is outside "
            "the cohort)"
        ),
        "target_met": "met",
        "target_matrix": "Targets met",
        "target_missed": "missed",
        "lp": " (",
        "rp": ")",
        "comma": ", ",
        "list_sep": "; ",
        "entity": "entity",
        "source": "source",
        "period": "period",
        "scheme": "scheme",
        "date": "date",
        "biggest_losses": "Losses that cost the total most",
        "departments_most": "Departments whose losses cost the total most",
        "cost": "cost to total",
        "lost_cost": "lost {lost}, cost to total {cost}",
        "item_table": "Scores by item",
        "explanations": "Items explained",
        "page": "page {page} of {pages}",
        "next_step": "to earn more",
        "lost_points": "lost {lost}",
        "rank": "rank",
        "completion": "targets met",
        "failed": "not scored",
        "reason": "reason",
        "metadata": "about",
        "scored": "scored",
        "value": "value",
        "entity_report": "entity report",
        "written": "written",
        "writing": "writing",
        "scoring": "scoring",
        "compare": "Compared with last time",
        "previous": "last time",
        "change": "change",
        "per_started": (
            "one unit per {size}, a started {size} counting whole: "
            "{value} ÷ {size} rounded up = {units}"
        ),
        "per_whole": (
            "one unit per whole {size}, what is left under {size} not counting: "
            "{value} ÷ {size} rounded down = {units}"
        ),
        "no_shortfall": "no shortfall: 0 units",
    },
}


def words(language: str) -> dict[str, str]:
    """The engine's words for ``language`` (English when unknown)."""
    return WORDS.get(language, WORDS["en"])


def band_text(band: BandTrace) -> str:
    """How a band is written: its label, or its bounds in symbols."""
    if band.label:
        return band.label
    parts = []
    if band.lower is not None:
        parts.append(("≥ " if band.lower_inclusive else "> ") + fmt(band.lower))
    if band.upper is not None:
        parts.append(("≤ " if band.upper_inclusive else "< ") + fmt(band.upper))
    return ", ".join(parts)


def bounds_text(band: BandTrace, language: str = "en") -> str:
    """A band's bounds in symbols, whatever its label: ``≥ 90 且 < 92``."""
    parts = []
    if band.lower is not None:
        parts.append(("≥ " if band.lower_inclusive else "> ") + fmt(band.lower))
    if band.upper is not None:
        parts.append(("≤ " if band.upper_inclusive else "< ") + fmt(band.upper))
    return (" 且 " if language == "zh" else " and ").join(parts)


def band_name(band: Band) -> str:
    trace = BandTrace(
        band.label or "",
        band.points,
        band.lower,
        band.at_least is not None,
        band.upper,
        band.at_most is not None,
    )
    return band_text(trace)
