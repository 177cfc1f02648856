"""What the office's report holds, whatever it is printed as (HTML, PDF, DOCX).

A cover (entity, period, scheme, total, result, date, fingerprint), a one-page
summary (categories, the biggest losses, the departments that lost most), the
item table, and each item's explanation once. The HTML report and the DOCX
lay out the same :class:`Document`, so they say the same things in the same
order; the PDF is the HTML printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from qualscore.analyst.analysis import costs, departments, next_step
from qualscore.catalogue import say
from qualscore.report.dates import report_date
from qualscore.scoring.explain import (
    MemberTable,
    assessing_text,
    explain,
    lost_text,
    max_text,
    member_tables,
    shown_value,
    titled,
    value_lines,
    verdict_lines,
    veto_effect,
    veto_state,
)
from qualscore.scoring.trace import (
    Input,
    ItemResult,
    NodeResult,
    Result,
    VetoResult,
)
from qualscore.scoring.words import fmt, result_word, words

__all__ = [
    "Document",
    "Explanation",
    "biggest_losses",
    "build",
    "charge_text",
    "input_text",
    "report_date",
    "result_text",
    "separator",
    "veto_basis",
    "veto_text",
]

TOP = 5
"""How many losses and departments the summary lists (those that cost the total most)."""


@dataclass(frozen=True)
class Explanation:
    """One item, explained once."""

    id: str
    title: str
    points: str
    score: str
    lost: str
    not_applicable: bool
    content: str | None
    criteria: str
    departments: str
    inputs: tuple[str, ...]
    lines: tuple[str, ...]
    next_step: str | None
    assessing: str | None = None
    """Who assesses the item (考核部门), when the scheme names it."""


@dataclass(frozen=True)
class Document:
    """The office's report, in words ready to lay out."""

    language: str
    title: str
    cover: tuple[tuple[str, str], ...]
    categories: tuple[tuple[str, str, str, str, str], ...]
    losses: tuple[tuple[str, str, str, str], ...]
    """(item, title, lost, cost to the total), the costliest first."""
    departments: tuple[tuple[str, str, str, str], ...]
    """(department, lost, cost to the total, its items), the costliest first."""
    rows: tuple[tuple[str, str, str, str, str, str], ...]
    explanations: tuple[Explanation, ...]
    fingerprint: str
    w: dict[str, str]
    values: tuple[str, ...] = ()
    """Each named value worked out once (``达标指标数（met_count）= 2：…``)."""
    points: bool = True
    """False for a scheme judged only (达标制): verdicts, no points, no total."""
    members: tuple[MemberTable, ...] = ()
    """Each list of sub-entities as a table: who they are, and what each failed."""


def separator(language: str) -> str:
    """What stands between a label and its text (``：`` in Chinese, ``: `` in English)."""
    return say(language, "labelled", label="", text="")


def input_text(i: Input, language: str) -> str:
    """An input as the report shows it: its label and value, no key."""
    w = words(language)
    value = (w["yes"] if i.value else w["no"]) if isinstance(i.value, bool) else shown_value(i)
    return say(language, "labelled", label=i.label, text=value)


def veto_text(veto: VetoResult, language: str) -> str:
    """A veto's state as every view says it, with what it does when it holds
    (``已触发，等级至多为 良好``)."""
    state = veto_state(veto, language)
    if not veto.held:
        return state
    return say(language, "veto_held", state=state, effect=veto_effect(veto, language))


def veto_basis(veto: VetoResult, language: str) -> str | None:
    """The values a held veto read and the departments answerable for it, in one line
    (``依据：总分全县排名：6；责任单位：县安委办``); None for a veto that did not hold."""
    if not veto.held or not (veto.inputs or veto.departments):
        return None
    w = words(language)
    said = []
    if veto.inputs:
        read = w["list_sep"].join(input_text(i, language) for i in veto.inputs)
        said.append(say(language, "labelled", label=w["inputs"], text=read))
    if veto.departments:
        who = w["enum_sep"].join(veto.departments)
        said.append(say(language, "labelled", label=w["department"], text=who))
    return w["list_sep"].join(said)


def result_text(result: Result, language: str) -> str:
    """The result: the scheme's word for it, else 已否决 or 已评分 (as every view says it);
    in a scheme judged only (达标制) with no word of its own and not vetoed, its verdict."""
    if not (result.has_points or result.vetoed) and result.result_label is None and result.verdict:
        return result.verdict
    return result_word(result.result_label, result.vetoed, language)


def charge_text(
    lost: Decimal, cost: Decimal, w: dict[str, str], number: Callable[[Decimal], str] = fmt
) -> str:
    """A department's loss on one item: ``失 1 分``, and what it cost the total when the
    caps above the item made that less (``失 1 分，影响总分 0 分``)."""
    if cost == lost:
        return w["lost_points"].format(lost=number(lost))
    return w["lost_cost"].format(lost=number(lost), cost=number(cost))


def fingerprint(result: Result, w: dict[str, str]) -> str:
    """Rules and facts sha256 and the engine version, in one line."""
    return (
        f"{w['rules']} sha256 {result.rules_sha256} · {w['facts']} sha256 "
        f"{result.facts_sha256} · qualscore {result.engine_version}"
    )


def build(result: Result, language: str, report_day: str | None = None) -> Document:
    """The document of ``result`` in ``language``; ``report_day`` for the cover's date."""
    w = words(language)
    cover: list[tuple[str, str]] = []
    if result.entity:
        cover.append((w["entity"], result.entity))
    if result.period:
        cover.append((w["period"], result.period))
    cover.append((w["scheme"], say(language, "scheme_year", title=result.title,
                                   year=result.year)))  # fmt: skip
    if result.has_points:
        cover.append((w["total"], f"{fmt(result.total)} / {fmt(result.possible)}"))
    if result.grade is not None:
        cover.append((w["grade"], result.grade))
    cover.append((w["result"], result_text(result, language)))
    for line in verdict_lines(result, language):
        head, _, rest = line.partition(separator(language))
        cover.append((head, rest))
    for veto in result.vetoes:
        name = veto.title
        if veto.title != w["veto"]:
            name = f"{w['veto']}{w['lp']}{veto.title}{w['rp']}"
        basis = veto_basis(veto, language)
        state = veto_text(veto, language)
        cover.append((name, state if basis is None else f"{state}{w['lp']}{basis}{w['rp']}"))
    if report_day:
        cover.append((w["date"], report_day))
    cover.append(
        (w["fingerprint"], f"{result.rules_sha256[:12]} · {result.facts_sha256[:12]} · "
         f"qualscore {result.engine_version}")
    )  # fmt: skip
    categories = [
        (
            c.title,
            max_text(c),
            fmt(c.score),
            lost_text(c, language),
            f"{fmt(c.sum)} → {w['cap']} {max_text(c)}" if c.capped else "",
        )
        for c in result.categories
    ]
    if result.bonus is not None:
        b = result.bonus
        categories.append((b.title, max_text(b), fmt(b.score), "", ""))
    items = list(result.items)
    depts = tuple(
        (
            d.department,
            fmt(d.lost),
            fmt(d.cost),
            w["enum_sep"].join(dict.fromkeys(item_id for item_id, *_ in d.items)),
        )
        for d in departments(result)[:TOP]
    )
    rows = []
    for node in result.categories:
        rows.append(_node_row(node, language, "category"))
        for child in node.children:
            if isinstance(child, NodeResult):
                rows.append(_node_row(child, language, "indicator"))
                rows.extend(_row(i, language) for i in child.items)
            else:
                rows.append(_row(child, language))
    if result.bonus is not None:
        rows.append(_row(result.bonus, language, result.bonus.title))
    explanations = tuple(_explanation(i, language) for i in items)
    return Document(
        language,
        result.title,
        tuple(cover),
        tuple(categories),
        biggest_losses(result),
        depts,
        tuple(rows),
        explanations,
        fingerprint(result, w),
        w,
        tuple(value_lines(result, language)),
        result.has_points,
        tuple(member_tables(result, language)),
    )


def biggest_losses(result: Result, top: int = TOP) -> tuple[tuple[str, str, str, str], ...]:
    """(item, title, lost, cost to the total) of the ``top`` items whose losses cost the
    total most (then that lost most, then in the scheme's order): an item under a capped
    category loses points that cost nothing, and comes last."""
    cost = costs(result)
    order = {item.id: i for i, item in enumerate(result.items)}
    items = [i for i in result.items if i.id in cost]
    ranked = sorted(items, key=lambda i: (-cost[i.id], -i.lost, order[i.id]))
    return tuple((i.id, i.title, fmt(i.lost), fmt(cost[i.id])) for i in ranked[:top])


Row = tuple[str, str, str, str, str, str]


def _node_row(node: NodeResult, language: str, kind: str) -> Row:
    shown = "" if kind == "category" else node.id
    title = titled(node, node.title, language)
    return (shown, title, max_text(node), fmt(node.score), lost_text(node, language), kind)


def _row(item: ItemResult, language: str, label: str | None = None) -> Row:
    kind = "na" if item.not_applicable is not None else "item"
    shown = words(language)["bonus"] if label else item.id
    title = titled(item, label or item.title, language)
    return (shown, title, max_text(item), fmt(item.score), lost_text(item, language), kind)


def _explanation(item: ItemResult, language: str) -> Explanation:
    return Explanation(
        item.id,
        item.title,
        max_text(item),
        fmt(item.score),
        lost_text(item, language),
        item.not_applicable is not None,
        item.content,
        item.criteria,
        words(language)["enum_sep"].join(item.departments),
        tuple(input_text(i, language) for i in item.inputs),
        tuple(explain(item, language)),
        next_step(item, language),
        assessing_text(item, language),
    )
