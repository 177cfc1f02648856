"""Words from a trace: one line per thing that happened to an item's score.

What an item adds (not applicable, the clamp, the summary) is here, with the
scheme's verdict, its members and its vetoes; each shape's own lines come from its
module in :mod:`qualscore.scoring.shapes`, a cohort value's from
:mod:`~qualscore.scoring.explain_cohort`, and the named values' and the lists'
from :mod:`~qualscore.scoring.explain_values` (re-exported here). Every word is
the catalogue's (:mod:`qualscore.catalogue`): the code names a message.
"""

from __future__ import annotations

from decimal import Decimal

from qualscore.catalogue import say, working_words
from qualscore.scoring.explain_cohort import LEADERS_SHOWN, cohort_line
from qualscore.scoring.explain_values import (
    MAX_RECORDS_SHOWN,
    table_cell,
    value_lines,
    value_working,
)
from qualscore.scoring.shapes._common import explain_shape, shown_value, value_text, worked
from qualscore.scoring.trace import (
    Input,
    ItemResult,
    Judgement,
    NodeResult,
    Result,
    ShapeTrace,
    VetoResult,
)
from qualscore.scoring.words import fmt, words
from qualscore.scoring.working import number_text, work

__all__ = [
    "LEADERS_SHOWN",
    "MAX_RECORDS_SHOWN",
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
    sep = w["colon"]
    lines = []
    if result.verdict is not None:
        worked = judgement_lines(result.judgement, result.verdict, language)
        lines.extend(worked or [f"{w['verdict']}{sep}{result.verdict}"])
    failed = result.failed()
    if failed:
        listed = w["list_sep"].join(f"{n.id} {n.title}" for n in failed)
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
    sep = w["colon"]
    values = {i.key: i.value for i in judgement.inputs}
    labels = {i.key: i.label for i in judgement.inputs}
    done = work(judgement.expr, values, labels, language)
    worked = None if done is None else f"{done.formula} = " + " = ".join(done.steps)
    condition = judgement.expr if worked is None else worked
    return [f"{w['verdict_condition']}{sep}{condition}", f"{w['verdict']}{sep}{verdict}"]


MemberTable = tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]]
"""A list of sub-entities as a table: its title, its columns and a row per member."""


def member_tables(result: Result, language: str) -> list[MemberTable]:
    """Each list of sub-entities' members: name, total (where its scheme scores), verdict
    (where it has one) and what it failed."""
    w = words(language)
    out = []
    for members in result.members.values():
        if not members:
            continue
        scored = any(m.possible for m in members)
        judged = any(m.verdict is not None for m in members)
        head = [w["member_name"]]
        head += [w["score"]] if scored else []
        head += [w["verdict"]] if judged else []
        head.append(w["verdict_failed"] if judged else w["lost"])
        rows = []
        for m in members:
            row = [m.name]
            row += [f"{fmt(m.total)} / {fmt(m.possible)}"] if scored else []
            row += [m.verdict or ""] if judged else []
            row.append(w["failed_sep"].join(f"{i} {t}" for i, t in m.failed) or "—")
            rows.append(tuple(row))
        title = say(language, "member_title", label=members[0].list_label, n=len(members))
        out.append((title, tuple(head), tuple(rows)))
    return out


def is_bonus(node: NodeResult | ItemResult) -> bool:
    """The scheme's bonus, a bonus section or one of its items: extra points, none lost."""
    return node.role == "bonus" or node.id == "bonus"


def identity(result: Result, language: str) -> list[str]:
    """Whom and what period the report is about, and the grade: one line each that is known."""
    w = words(language)
    sep = w["colon"]
    pairs = [("entity", result.entity), ("period", result.period), ("grade", result.grade)]
    return [f"{w[key]}{sep}{value}" for key, value in pairs if value is not None]


def explain(item: ItemResult, language: str) -> list[str]:
    """The explanation of one item, line by line, in ``language``."""
    w = words(language)
    lines: list[str] = []
    if item.not_applicable is not None:
        lines.append(f"{w['na']}{w['colon']}{item.not_applicable}")
    lines.extend(cohort_line(entry, language) for entry in item.cohort)
    lines.extend(provenance_lines(item.inputs, language))
    if item.missing_evidence:
        pieces = w["names_sep"].join(label for _, label in item.missing_evidence)
        lines.append(say(language, "evidence_missing", pieces=pieces))
    if judged_only(item):  # judged, not scored: how the verdict was decided is all there is
        lines.extend(judgement_lines(item.judgement, item.verdict, language))
        return lines
    if item.not_applicable is None and item.shape is not None:
        lines.extend(_shape(item.shape, item.inputs, language, "", places_of(item)))
    lines.extend(_bounded_lines(item, language))
    lines.append(_summary(item, language))
    lines.extend(judgement_lines(item.judgement, item.verdict, language))
    return lines


def _bounded_lines(item: ItemResult, language: str) -> list[str]:
    """The raw score brought within the item's floor and cap, then rounded to the rule
    set's places: a line for each that changed it."""
    w = words(language)
    places = places_of(item)
    if not item.clamped:
        if item.not_applicable is None and item.raw != item.score:
            return [_rounded(item.raw, item.score, places, language)]
        return []
    low = item.floor
    if item.role == "penalty":
        low = None if item.points is None else -item.points
    top = Decimal(0) if item.role == "penalty" else item.points
    bounded = item.raw if low is None or item.raw > low else low
    bounded = top if top is not None and top < bounded else bounded
    shown = number_text(item.raw, places)
    if item.role != "penalty" and low is not None and low != 0 and bounded == low:
        lines = [f"{shown} → {w['lower']} {fmt(bounded)}"]  # the item's floor
    else:
        lines = [f"{shown} → {w['clamped']} {fmt(bounded)}"]
    if bounded != item.score:
        lines.append(_rounded(bounded, item.score, places, language))
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
        pairs = w["list_sep"].join(f"{k}{w['colon']}{v}" for k, v in said)
        lines.append(say(language, "provenance", label=given.label, said=pairs))
    return lines


def _summary(item: ItemResult, language: str) -> str:
    """The last line of an item: what it scored, added or deducted, of how many."""
    if item.points is None:
        return _open_summary(item, language)
    points, lost = fmt(item.points), fmt(item.lost)
    if item.role == "penalty":
        return say(language, "summary_penalty", score=fmt(-item.score), points=points)
    if is_bonus(item) and item.not_applicable is None:  # extra points: none are lost
        return say(language, "summary_bonus", score=fmt(item.score), points=points)
    if item.not_applicable is not None:
        return say(language, "summary_na", score=fmt(item.score), points=points)
    return say(language, "summary_scored", score=fmt(item.score), points=points, lost=lost)


def _open_summary(item: ItemResult, language: str) -> str:
    """The last line of an item with ``points: none``: what it scored, added or deducted,
    with no maximum and nothing lost (``不设上限``)."""
    w = words(language)
    na = ""
    if item.role == "penalty":
        key, amount = "open_penalty", fmt(-item.score)
    elif is_bonus(item) and item.not_applicable is None:
        key, amount = "open_bonus", fmt(item.score)
    else:
        key, amount = "open_scored", fmt(item.score)
        na = w["open_na"] if item.not_applicable is not None else ""
    return say(language, key, score=amount, no_cap=w["no_cap"], na=na)


def places_of(item: ItemResult) -> int:
    """The rule set's places: every item's score is rounded to them."""
    exponent = item.score.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _rounded(raw: Decimal, score: Decimal, places: int, language: str) -> str:
    exact = fmt(raw) if len(fmt(raw)) <= 12 else number_text(raw, places + 4)
    return say(language, "rounded_score", exact=exact, places=places, score=fmt(score))


def _shape(
    shape: ShapeTrace, inputs: tuple[Input, ...], language: str, indent: str, places: int
) -> list[str]:
    return explain_shape(shape, inputs, language, indent, places)


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
    parts = []
    if veto.result:
        parts.append(say(language, "veto_result", result=veto.result))
    if veto.grade is not None:
        parts.append(say(language, "veto_grade", grade=veto.grade))
    if veto.grade_at_most is not None:
        parts.append(say(language, "veto_grade_at_most", grade=veto.grade_at_most))
    return words(language)["comma"].join(parts)


def explain_veto(veto: VetoResult, language: str) -> list[str]:
    """The explanation of one veto, line by line: whether it applies, the cohort values it
    read and how each was worked out, its condition worked through with the values it
    read, and what it did."""
    w = words(language)
    if not veto.applies:
        return [w["veto_na"]]
    lines = [cohort_line(entry, language) for entry in veto.cohort]
    if veto.absent:
        names = w["names_sep"].join(veto.absent)
        lines.append(say(language, "veto_absent", names=names))
    else:
        lines.extend(_condition(veto, language))
    state = veto_state(veto, language)
    lines.append(f"{state}{w['colon']}{veto_effect(veto, language)}" if veto.held else state)
    return lines


def _condition(veto: VetoResult, language: str) -> list[str]:
    """``条件：…`` and the condition worked through, ``…：成立``."""
    w = words(language)
    sep = w["colon"]
    head = w["condition"]
    truth = working_words(language)["holds" if veto.held else "fails"]
    one = next((i for i in veto.inputs if i.key == veto.when.strip()), None)
    if one is not None:  # one fact, read as it is
        value = (w["yes"] if one.value else w["no"]) if isinstance(one.value, bool) else (
            shown_value(one))  # fmt: skip
        return [f"{head}{sep}{one.label} = {value}{sep}{truth}"]
    done = worked(veto.when, veto.inputs, language, veto.places)
    if done is None:
        return []
    return [f"{head}{sep}{done[0]}", done[1]]
