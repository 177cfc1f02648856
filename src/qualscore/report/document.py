"""What the office's report holds, whatever it is printed as (HTML, PDF, DOCX).

A cover (entity, period, scheme, total, result, date, fingerprint), a one-page
summary (categories, the biggest losses, the departments that lost most), the
item table, and each item's explanation once. The HTML report and the DOCX
lay out the same :class:`Document`, so they say the same things in the same
order; the PDF is the HTML printed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime

from qualscore.analyst.analysis import departments, next_step
from qualscore.scoring.explain import explain, value_text
from qualscore.scoring.trace import (
    Input,
    ItemResult,
    NodeResult,
    Result,
)
from qualscore.scoring.words import fmt, words

__all__ = ["Document", "Explanation", "build", "report_date"]

TOP = 5
"""How many losses and departments the summary lists."""


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


@dataclass(frozen=True)
class Document:
    """The office's report, in words ready to lay out."""

    language: str
    title: str
    cover: tuple[tuple[str, str], ...]
    categories: tuple[tuple[str, str, str, str, str], ...]
    losses: tuple[tuple[str, str, str], ...]
    departments: tuple[tuple[str, str, str], ...]
    rows: tuple[tuple[str, str, str, str, str, str], ...]
    explanations: tuple[Explanation, ...]
    fingerprint: str
    w: dict[str, str]


def report_date(given: str | None) -> str:
    """The report's date: ``given`` (YYYY-MM-DD), else ``SOURCE_DATE_EPOCH``, else today (UTC).

    Raises:
        ValueError: ``given`` or ``SOURCE_DATE_EPOCH`` is not a date.
    """
    if given:
        return date.fromisoformat(given).isoformat()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), UTC).date().isoformat()
    return datetime.now(UTC).date().isoformat()


def input_text(i: Input, language: str) -> str:
    """An input as the report shows it: its label and value, no key."""
    w = words(language)
    if isinstance(i.value, bool):
        value = w["yes"] if i.value else w["no"]
    else:
        value = value_text(i.value, i.unit)
    return f"{i.label}：{value}" if language == "zh" else f"{i.label}: {value}"


def lost_text(item: ItemResult, w: dict[str, str]) -> str:
    """The lost column: 不适用 for an item that does not apply."""
    return w["na"] if item.not_applicable is not None else fmt(item.lost)


def result_text(result: Result, w: dict[str, str]) -> str:
    """The result: the scheme's word for it, ``vetoed`` when a veto held."""
    if result.result_label:
        return result.result_label
    return w["vetoed"] if result.vetoed else w["not_vetoed"]


def fingerprint(result: Result, w: dict[str, str]) -> str:
    """Rules and facts sha256 and the engine version, in one line."""
    return (
        f"{w['rules']} sha256 {result.rules_sha256} · {w['facts']} sha256 "
        f"{result.facts_sha256} · qualscore {result.engine_version}"
    )


def build(result: Result, language: str, report_day: str | None = None) -> Document:
    """The document of ``result`` in ``language``; ``report_day`` for the cover's date."""
    w = words(language)
    zh = language == "zh"
    cover: list[tuple[str, str]] = []
    if result.entity:
        cover.append((w["entity"], result.entity))
    if result.period:
        cover.append((w["period"], result.period))
    cover.append((w["scheme"], f"{result.title}（{result.year}）" if zh else
                  f"{result.title} ({result.year})"))  # fmt: skip
    cover.append((w["total"], f"{fmt(result.total)} / {fmt(result.possible)}"))
    if result.grade is not None:
        cover.append((w["grade"], result.grade))
    cover.append((w["result"], result_text(result, w)))
    for veto in result.vetoes:
        state = w["vetoed"] if veto.held else w["not_vetoed"]
        name = veto.title
        if veto.title != w["veto"]:
            name = f"{w['veto']}{w['lp']}{veto.title}{w['rp']}"
        cover.append((name, state))
    if report_day:
        cover.append((w["date"], report_day))
    cover.append(
        (w["fingerprint"], f"{result.rules_sha256[:12]} · {result.facts_sha256[:12]} · "
         f"qualscore {result.engine_version}")
    )  # fmt: skip
    categories = [
        (
            c.title,
            fmt(c.points),
            fmt(c.score),
            fmt(c.lost),
            f"{fmt(c.sum)} → {w['cap']} {fmt(c.points)}" if c.capped else "",
        )
        for c in result.categories
    ]
    if result.bonus is not None:
        b = result.bonus
        categories.append((b.title, fmt(b.points), fmt(b.score), "", ""))
    items = list(result.items())
    scored = [i for i in items if i is not result.bonus]
    biggest = sorted((i for i in scored if i.lost > 0), key=lambda i: (-i.lost, _order(i, scored)))
    losses = tuple((i.id, i.title, fmt(i.lost)) for i in biggest[:TOP])
    depts = tuple(
        (
            d.department,
            fmt(d.lost),
            ("、" if zh else ", ").join(
                dict.fromkeys(item_id for item_id, *_ in d.items)
            ),
        )
        for d in departments(result)[:TOP]
    )
    rows = []
    for node in result.categories:
        rows.append(("", node.title, fmt(node.points), fmt(node.score), fmt(node.lost), "category"))
        for child in node.children:
            if isinstance(child, NodeResult):
                rows.append((child.id, child.title, fmt(child.points), fmt(child.score),
                             fmt(child.lost), "indicator"))  # fmt: skip
                rows.extend(_row(i, w) for i in child.items())
            else:
                rows.append(_row(child, w))
    if result.bonus is not None:
        rows.append(_row(result.bonus, w, result.bonus.title))
    explanations = tuple(_explanation(i, language, w) for i in items)
    return Document(
        language,
        result.title,
        tuple(cover),
        tuple(categories),
        losses,
        depts,
        tuple(rows),
        explanations,
        fingerprint(result, w),
        w,
    )


def _order(item: ItemResult, items: list[ItemResult]) -> int:
    return items.index(item)


Row = tuple[str, str, str, str, str, str]


def _row(item: ItemResult, w: dict[str, str], label: str | None = None) -> Row:
    kind = "na" if item.not_applicable is not None else "item"
    shown = w["bonus"] if label else item.id
    title = label or item.title
    return (shown, title, fmt(item.points), fmt(item.score), lost_text(item, w), kind)


def _explanation(item: ItemResult, language: str, w: dict[str, str]) -> Explanation:
    return Explanation(
        item.id,
        item.title,
        fmt(item.points),
        fmt(item.score),
        lost_text(item, w),
        item.not_applicable is not None,
        item.content,
        item.criteria,
        "、".join(item.departments) if language == "zh" else ", ".join(item.departments),
        tuple(input_text(i, language) for i in item.inputs),
        tuple(explain(item, language)),
        next_step(item, language),
    )
