"""Words from a trace: one line per thing that happened to an item's score.

What an item adds (not applicable, the clamp, the summary) is here; each
shape's own lines come from its module in :mod:`qualscore.scoring.shapes`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from qualscore.facts.lists import ListWorking
from qualscore.language import statistics
from qualscore.language.ops import sqrt
from qualscore.ruleset.formula import Value
from qualscore.ruleset.model import SPREADS
from qualscore.scoring.shapes._common import explain_shape, shown_value, value_text, worked
from qualscore.scoring.trace import (
    CohortEntry,
    Input,
    ItemResult,
    Judgement,
    NamedValue,
    NodeResult,
    Result,
    ShapeTrace,
    VetoResult,
)
from qualscore.scoring.words import (
    STAT_WORDS,
    WORKING_WORDS,
    cohort_number,
    fmt,
    fmt_approx,
    words,
)
from qualscore.scoring.working import Working, number_text, work

__all__ = [
    "assessing_text",
    "cohort_line",
    "explain",
    "explain_veto",
    "identity",
    "is_bonus",
    "judged_only",
    "judgement_lines",
    "lost_text",
    "max_text",
    "member_tables",
    "shown_value",
    "table_cell",
    "titled",
    "value_lines",
    "value_text",
    "value_working",
    "verdict_lines",
    "veto_effect",
    "veto_state",
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


def assessing_text(item: ItemResult, language: str) -> str | None:
    """Who assesses the item: its assessing department, then each part's that names its
    own, with the part (``县河长办；县水利局（工作成效）``); None when none is named."""
    w = words(language)
    named = [item.assessing] if item.assessing else []
    named += [f"{dept}{w['lp']}{label}{w['rp']}" for label, dept in item.assessing_parts]
    return w["list_sep"].join(named) or None


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
        worked = judgement_lines(result.judgement, result.verdict, language)
        lines.extend(worked or [f"{w['verdict']}{sep}{result.verdict}"])
    failed = result.failed()
    if failed:
        listed = ("；" if language == "zh" else "; ").join(
            f"{n.id} {n.title}" for n in failed
        )
        lines.append(f"{w['verdict_failed']}{sep}{listed}")
    return lines


def judged_only(item: ItemResult) -> bool:
    """An item judged met or not met and scored nothing (a verdict and 0 points): its
    points are not worth showing."""
    return item.verdict is not None and item.points == 0


def judgement_lines(judgement: Judgement | None, verdict: str | None, language: str) -> list[str]:
    """How a verdict was decided: its condition with labels, worked through with the
    values it read, then the verdict (``判定条件：校舍面积 ≥ 6.5 = 6 ≥ 6.5 = 不成立``,
    ``判定：未达标``). Nothing where there is no verdict or the node does not apply."""
    if judgement is None or verdict is None:
        return []
    w = words(language)
    sep = "：" if language == "zh" else ": "
    values = {i.key: i.value for i in judgement.inputs}
    labels = {i.key: i.label for i in judgement.inputs}
    done = work(judgement.expr, values, labels, language)
    worked = None if done is None else f"{done.formula} = " + " = ".join(done.steps)
    condition = judgement.expr if worked is None else worked
    return [f"{w['verdict_condition']}{sep}{condition}", f"{w['verdict']}{sep}{verdict}"]


def value_lines(result: Result, language: str) -> list[str]:
    """Each named value worked out once: ``达标指标数（met_count）= 2：…``, the steps after."""
    sep = "：" if language == "zh" else ": "
    lines = []
    for named in result.values:
        if named.records is not None:  # an aggregate of a list: worked record by record
            lines.extend(list_lines(named, language))
            continue
        shown = _named_value(named.value, named.unit, language)
        head = f"{named.label}（{named.key}）= {shown}" if language == "zh" else (
            f"{named.label} ({named.key}) = {shown}"
        )  # fmt: skip
        done = value_working(named, language)
        if named.cell is not None:  # a lookup table: the cell its choices picked
            lines.append(f"{head}{sep}{table_cell(named, language)}")
        elif done is None:
            lines.append(f"{head}{sep}{named.expr}")
        else:
            lines.append(f"{head}{sep}{done.formula} = " + " = ".join(done.steps[1:] or
                         done.steps))  # fmt: skip
    return lines


MAX_RECORDS_SHOWN = 20
"""Most records an explanation lists for one aggregate (the rest are counted)."""

_LIST_WORDS = {
    "zh": {"count": "条数", "sum": "合计", "mean": "平均", "min": "最低", "max": "最高",
           "trimmed_mean": "去掉一个最高、一个最低后平均", "weighted_mean": "加权平均",
           "stdev": "标准差", "cv": "差异系数", "share": "占比",
           "records": "{label} {n} 条", "kept": "其中 {kept} 条符合条件（{where}）",
           "by": "按{field}分组，每组取{take}", "none": "记录不足，无法计算", "counted": "计入",
           "dropped": "不计（同组已取{take}）", "not_kept": "不计（条件不成立）",
           "more": "……另 {n} 条", "group": "{group}组", "evidence": "佐证材料", "note": "备注",
           "not_met": "不计（{when} 不成立）", "mean_of": "平均",
           "left_out": "不符合条件（{where}），不计", "and_more": " 等 {n} 条"},
    "en": {"count": "count", "sum": "sum", "mean": "mean", "min": "lowest", "max": "highest",
           "trimmed_mean": "mean without the highest and the lowest",
           "stdev": "standard deviation", "cv": "coefficient of variation", "share": "share",
           "weighted_mean": "weighted mean", "records": "{label}: {n} records",
           "kept": "{kept} of them meet the condition ({where})",
           "by": "grouped by {field}, each group's {take}",
           "none": "too few records to work it out",
           "counted": "counted", "dropped": "not counted (its group's {take} is taken)",
           "not_kept": "not counted (the condition does not hold)",
           "more": "… {n} more", "group": "group {group}", "evidence": "evidence", "note": "note",
           "not_met": "not counted ({when} does not hold)", "mean_of": "mean",
           "left_out": "not counted ({where} does not hold)", "and_more": " ({n} in all)"},
}  # fmt: skip


def list_lines(named: NamedValue, language: str) -> list[str]:
    """An aggregate of a list worked out: the records read, the condition, the groups,
    the stat with its numbers, then each record's contribution (at most
    :data:`MAX_RECORDS_SHOWN`)."""
    done = named.records
    assert done is not None
    w = _LIST_WORDS["zh" if language == "zh" else "en"]
    zh = language == "zh"
    sep, joiner = ("：", "，") if zh else (": ", ", ")
    head = f"{named.label}（{named.key}）" if zh else f"{named.label} ({named.key})"
    said = [w["records"].format(label=done.list_label, n=done.records)]
    if done.kept != done.records:
        said.append(w["kept"].format(kept=done.kept, where=done.where or ""))
    if done.by is not None:
        said.append(w["by"].format(field=done.by, take=w[done.take or "mean"]))
    if done.value is None:
        return [f"{head} = {w['none']}{sep}{joiner.join(said)}"]
    value = _named_value(done.value, named.unit, language)
    link = sep if done.stat in ("stdev", "cv") else " = "  # 差异系数：σ = √…
    said.append(f"{w[done.stat]}{link}{_stat_working(done)}".replace("= ≈", "≈"))
    if done.unrounded is not None and done.unrounded != done.value:
        places = max(0, -int(done.value.as_tuple().exponent))
        rounded = format(done.value, "f")  # its places as rounded: 0.0340, not 0.034
        said.append(f"按考核细则保留 {places} 位小数为 {rounded}" if zh
                    else f"rounded to {places} places: {rounded}")  # fmt: skip
    lines = [f"{head} = {value}{sep}{joiner.join(said)}"]
    kept = [c for c in done.contributions if c.kept]
    for c in kept[:MAX_RECORDS_SHOWN]:
        if done.when is not None:  # a share: whether its condition holds
            state = w["counted"] if c.counted else w["not_met"].format(when=done.when)
        else:
            state = w["counted"] if c.counted else w["dropped"].format(take=w[done.take or "mean"])
        shown_group = c.group is not None and c.group != c.name
        parts = [w["group"].format(group=c.group)] if shown_group else []
        if c.cell is not None and c.value is not None:  # the table's cell it came from
            parts += [f"{c.cell} → {fmt(c.value)}"]
        else:
            parts += [fmt(c.value)] if c.value is not None else []
        parts.append(state)
        if c.evidence:
            parts.append(f"{w['evidence']}{sep}{c.evidence}")
        if c.note:
            parts.append(f"{w['note']}{sep}{c.note}")
        lines.append(f"  · {c.name}{sep}{joiner.join(parts)}")
    hidden = len(kept) - MAX_RECORDS_SHOWN
    if hidden > 0:
        lines.append(f"  {w['more'].format(n=hidden)}")
    left = [c.name for c in done.contributions if not c.kept]
    if left:  # those the condition leaves out: named once, on one line
        names = ("、" if zh else ", ").join(left[:MAX_RECORDS_SHOWN])
        more = w["and_more"].format(n=len(left)) if len(left) > MAX_RECORDS_SHOWN else ""
        lines.append(f"  · {w['left_out'].format(where=done.where)}{sep}{names}{more}")
    return lines


def _stat_working(done: ListWorking) -> str:
    """The numbers a list's stat ran over, and its value: ``(4 + 3) ÷ 2 = 3.5``."""
    over = [fmt(v) for v in done.over[:MAX_RECORDS_SHOWN]]
    more = " + …" if len(done.over) > MAX_RECORDS_SHOWN else ""
    value = fmt_approx(done.unrounded if done.unrounded is not None else Decimal(0), 8)
    n = len(done.over)
    if done.stat == "count":
        return value
    if done.stat == "sum":
        return f"{' + '.join(over)}{more} = {value}" if n > 1 else value
    if done.stat in ("min", "max"):
        return f"{done.stat}({', '.join(over)}{', …' if more else ''}) = {value}"
    if done.stat == "mean":
        return f"({' + '.join(over)}{more}) ÷ {n} = {value}" if n > 1 else value
    if done.stat == "trimmed_mean":
        high, low = fmt(max(done.over)), fmt(min(done.over))
        return f"({' + '.join(over)}{more} − {high} − {low}) ÷ {n - 2} = {value}"
    if done.stat == "share":
        return f"{sum(1 for v in done.over if v)} ÷ {n} = {value}"
    if done.stat in ("stdev", "cv"):  # the numbers it is worked from, then the spread
        worked = dict(statistics.spread(done.stat, done.over).working)
        mean, squares = _term(worked["mean"]), _term(worked["squares"])
        stdev = fmt_approx(sqrt(worked["variance"]), 8)
        said = f"σ = √(Σ(x − μ)² ÷ n)，μ = {mean}，Σ(x − μ)² = {squares}，n = {n}，σ = {stdev}"
        return f"{said}，σ ÷ μ = {value}" if done.stat == "cv" else said
    terms = [f"{_term(v)} × {fmt(weight)}" for _, v, weight in done.groups if weight]
    return f"{' + '.join(terms)} = {value}"


MemberTable = tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]]
"""A list of sub-entities as a table: its title, its columns and a row per member."""


def member_tables(result: Result, language: str) -> list[MemberTable]:
    """Each list of sub-entities' members: name, total (where its scheme scores), verdict
    (where it has one) and what it failed."""
    zh = language == "zh"
    w = words(language)
    out = []
    for members in result.members.values():
        if not members:
            continue
        scored = any(m.possible for m in members)
        judged = any(m.verdict is not None for m in members)
        head = ["名称" if zh else "name"]
        head += [w["score"]] if scored else []
        head += [w["verdict"]] if judged else []
        head.append(w["verdict_failed"] if judged else w["lost"])
        rows = []
        for m in members:
            row = [m.name]
            row += [f"{fmt(m.total)} / {fmt(m.possible)}"] if scored else []
            row += [m.verdict or ""] if judged else []
            row.append(("、" if zh else "; ").join(f"{i} {t}" for i, t in m.failed) or "—")
            rows.append(tuple(row))
        label = members[0].list_label
        title = f"{label}一览（{len(members)}）" if zh else f"{label} ({len(members)})"
        out.append((title, tuple(head), tuple(rows)))
    return out


def _term(value: Decimal) -> str:
    """A number inside a sum: to 8 places, ``…`` where it goes on (93.33333333…)."""
    shown = fmt_approx(value, 8)
    return shown.removeprefix("≈ ") + "…" if shown.startswith("≈ ") else shown


def table_cell(named: NamedValue, language: str) -> str:
    """The cell of a lookup table an entity's choices picked: ``按表：档次 A × 级别 2 → 4``."""
    picked = " × ".join(f"{i.label} {i.value}" for i in named.cell or ())
    value = _named_value(named.value, named.unit, language)
    return f"按表：{picked} → {value}" if language == "zh" else f"by the table: {picked} → {value}"


def value_working(named: NamedValue, language: str) -> Working | None:
    """A named value's expression worked through with what it read."""
    values = {i.key: i.value for i in named.inputs}
    labels = {i.key: i.label for i in named.inputs}
    return work(named.expr, values, labels, language)


def _named_value(value: Value | None, unit: str | None, language: str) -> str:
    if value is None:  # an aggregate of no record
        return _LIST_WORDS["zh" if language == "zh" else "en"]["none"]
    if isinstance(value, bool):
        w = words(language)
        return w["yes"] if value else w["no"]
    return value_text(value, unit)


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
    lines.extend(provenance_lines(item.inputs, language))
    if item.missing_evidence:
        joiner = "、" if language == "zh" else ", "
        pieces = joiner.join(label for _, label in item.missing_evidence)
        lines.append(w["evidence_missing"].format(pieces=pieces))
    if judged_only(item):  # judged, not scored: how the verdict was decided is all there is
        lines.extend(judgement_lines(item.judgement, item.verdict, language))
        return lines
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
    lines.extend(judgement_lines(item.judgement, item.verdict, language))
    return lines


def provenance_lines(inputs: tuple[Input, ...], language: str) -> list[str]:
    """Where each fact read came from, one line per fact that says: its supplier, its
    evidence and a note (来源：信用信息归集率（报送单位：市场监管局；依据：…））."""
    w = words(language)
    lines = []
    for given in inputs:
        came = given.provenance
        if came is None:
            continue
        said = [(w[k], v) for k, v in zip(("supplier", "evidence", "note"), came, strict=True) if v]
        if language == "zh":
            lines.append(f"来源：{given.label}（" + "；".join(f"{k}：{v}" for k, v in said) + "）")
        else:
            lines.append(f"source: {given.label} (" + "; ".join(f"{k}: {v}" for k, v in said) + ")")
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
    enough to recompute it (:mod:`~qualscore.language.statistics`)."""
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
    figures = dict(entry.working)
    steps = _steps(entry.stat, figures, figures.get("unrounded", entry.value), w)
    if "unrounded" in figures:
        steps.append(w["rounded"].format(places=entry.places, value=value))
    if not steps:
        return line
    return line + (f"（{'，'.join(steps)}）" if zh else f" ({', '.join(steps)})")


def _steps(stat: str, figures: dict[str, Decimal], raw: Decimal, w: dict[str, str]) -> list[str]:
    """The steps of a spread or weighted mean (``raw``: its value before ``places``), each
    number to :data:`~qualscore.scoring.words.COHORT_PLACES`."""

    def eq(value: Decimal) -> str:
        shown = cohort_number(value)
        return shown if shown.startswith("≈") else f"= {shown}"

    if stat == "weighted_mean":
        return [f"{w['weights']} {cohort_number(figures['weights'])}",
                f"{w['weighted']} {cohort_number(figures['weighted'])}",
                f"{w['weighted_mean']} = {w['weighted']} ÷ {w['weights']} {eq(raw)}"]  # fmt: skip
    if stat not in SPREADS:
        return []
    n = fmt(figures["n"])
    divisor = f"({n} − 1)" if stat == "stdev_sample" else n
    steps = [f"{w['mean']} {cohort_number(figures['mean'])}",
             f"{w['squares']} {cohort_number(figures['squares'])}",
             f"{w['variance']} = {w['squares']} ÷ {divisor} {eq(figures['variance'])}",
             f"{w['stdev']} = √{w['variance']} {eq(figures.get('stdev', raw))}"]  # fmt: skip
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


# --- vetoes ---------------------------------------------------------------------------


def veto_state(veto: VetoResult, language: str) -> str:
    """不适用, 未触发, 已否决 (it holds and decides the result) or 已触发 (it holds and
    only caps the grade)."""
    w = words(language)
    if not veto.applies:
        return w["na"]
    if not veto.held:
        return w["not_vetoed"]
    return w["vetoed"] if veto.result else w["triggered"]


def veto_effect(veto: VetoResult, language: str) -> str:
    """What a veto does when it holds: ``结果为 未完成，等级为 不合格``, ``等级至多为 良好``."""
    zh = language == "zh"
    parts = []
    if veto.result:
        parts.append(f"结果为 {veto.result}" if zh else f"result {veto.result}")
    if veto.grade is not None:
        parts.append(f"等级为 {veto.grade}" if zh else f"grade {veto.grade}")
    if veto.grade_at_most is not None:
        parts.append(f"等级至多为 {veto.grade_at_most}" if zh
                     else f"grade at most {veto.grade_at_most}")  # fmt: skip
    return ("，" if zh else ", ").join(parts)


def explain_veto(veto: VetoResult, language: str) -> list[str]:
    """The explanation of one veto, line by line: whether it applies, the cohort values it
    read and how each was worked out, its condition worked through with the values it
    read, and what it did."""
    zh = language == "zh"
    sep = "：" if zh else ": "
    if not veto.applies:
        return [
            "不适用：适用范围（applies_to）不含本单位，不判定" if zh
            else "not applicable: its applies_to leaves this entity out; not decided"
        ]  # fmt: skip
    lines = [cohort_line(entry, language) for entry in veto.cohort]
    if veto.absent:
        names = "、".join(veto.absent) if zh else ", ".join(veto.absent)
        lines.append(
            f"本单位无「{names}」的值（不在其比较范围内），不触发"
            if zh
            else f"this entity has no value of {names} (not compared): not triggered"
        )
    else:
        lines.extend(_condition(veto, language))
    state = veto_state(veto, language)
    lines.append(f"{state}{sep}{veto_effect(veto, language)}" if veto.held else state)
    return lines


def _condition(veto: VetoResult, language: str) -> list[str]:
    """``条件：…`` and the condition worked through, ``…：成立``."""
    zh = language == "zh"
    w = words(language)
    sep = "：" if zh else ": "
    head = "条件" if zh else "condition"
    truth = ("成立" if veto.held else "不成立") if zh else (
        "holds" if veto.held else "does not hold")  # fmt: skip
    one = next((i for i in veto.inputs if i.key == veto.when.strip()), None)
    if one is not None:  # one fact, read as it is
        value = (w["yes"] if one.value else w["no"]) if isinstance(one.value, bool) else (
            shown_value(one))  # fmt: skip
        return [f"{head}{sep}{one.label} = {value}{sep}{truth}"]
    done = worked(veto.when, veto.inputs, language, veto.places)
    if done is None:
        return []
    return [f"{head}{sep}{done[0]}", done[1]]
