"""The Markdown report: summary, categories, items explained, departments, headroom.

Every text from the rule set or the facts goes through :func:`~.safe.md`: HTML
and Markdown syntax escaped, line breaks made spaces, so a title can neither
run a script in a Markdown viewer nor start a heading of its own.
"""

from __future__ import annotations

from ..trace import NodeResult, Result
from ..words import fmt, words
from .analysis import departments, headroom, sentence
from .safe import md

__all__ = ["to_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(*cells: str) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def to_markdown(result: Result, language: str) -> str:
    """The whole report as Markdown text, ending in a newline."""
    w = words(language)
    out = [f"# {md(result.title)}", ""]
    out += _summary(result, language, w)
    out += [
        f"## {w['by_category']}",
        "",
        _row(w["category"], w["max"], w["score"], w["lost"], w["sum"]),
        "|---|--:|--:|--:|---|",
    ]
    for c in result.categories:
        note = f"{fmt(c.sum)} → {w['cap']} {fmt(c.points)}" if c.capped else fmt(c.sum)
        out.append(_row(md(c.title), fmt(c.points), fmt(c.score), fmt(c.lost), note))
    if result.bonus is not None:
        b = result.bonus
        out.append(_row(w["bonus"], fmt(b.points), fmt(b.score), "", fmt(b.raw)))
    out.append(_row(f"**{w['total']}**", fmt(result.possible), f"**{fmt(result.total)}**", "", ""))
    out += ["", f"## {w['items']}", ""]
    for category in result.categories:
        out += _category(category, language, w)
    if result.bonus is not None:
        out += [f"### {w['bonus']}", "", md(sentence(result.bonus, language), start=True), ""]
    out += _departments(result, w)
    out += _headroom(result, language, w)
    out += ["---", "", _fingerprint(result, w), ""]
    return "\n".join(out)


def _summary(result: Result, language: str, w: dict[str, str]) -> list[str]:
    sep = "：" if language == "zh" else ": "
    lines = [f"- **{w['total']}{sep}{fmt(result.total)}** / {fmt(result.possible)}"]
    for veto in result.vetoes:
        lines.append(
            f"- {w['veto']}{sep}{md(veto.title)} — {w['vetoed'] if veto.held else w['not_vetoed']}"
        )
    if result.result_label:
        lines.append(f"- {w['result']}{sep}{md(result.result_label)}")
    return [*lines, ""]


def _category(category: NodeResult, language: str, w: dict[str, str]) -> list[str]:
    out = [
        f"### {md(category.title)}（{fmt(category.score)} / {fmt(category.points)}）"
        if language == "zh"
        else f"### {md(category.title)} ({fmt(category.score)} / {fmt(category.points)})",
        "",
    ]
    out += [
        _row(w["item"], w["title"], w["max"], w["score"], w["lost"], w["explanation"]),
        "|---|---|--:|--:|--:|---|",
    ]
    for child in category.children:
        if isinstance(child, NodeResult):
            cap = f" ({fmt(child.sum)} → {w['cap']} {fmt(child.points)})" if child.capped else ""
            out.append(
                _row(
                    f"**{md(child.id)}**",
                    f"**{md(child.title)}**{cap}",
                    fmt(child.points),
                    fmt(child.score),
                    fmt(child.lost),
                    "",
                )
            )
            items = child.items()
        else:
            items = (child,)
        for item in items:
            out.append(
                _row(
                    md(item.id),
                    md(item.title),
                    fmt(item.points),
                    fmt(item.score),
                    w["na"] if item.not_applicable is not None else fmt(item.lost),
                    md(sentence(item, language)),
                )
            )
    return [*out, ""]


def _departments(result: Result, w: dict[str, str]) -> list[str]:
    out = [f"## {w['departments_view']}", ""]
    losses = departments(result)
    if not losses:
        return [*out, w["no_loss"], ""]
    out += [_row(w["department"], w["lost"], w["item"]), "|---|--:|---|"]
    for d in losses:
        parts = []
        for item_id, _title, part, lost, shared in d.items:
            label = f"{item_id}「{part}」" if part else item_id
            parts.append(f"{md(label)} {fmt(lost)}" + (f"（{w['shared']}）" if shared else ""))
        out.append(_row(md(d.department), fmt(d.lost), "；".join(parts)))
    return [*out, ""]


def _headroom(result: Result, language: str, w: dict[str, str]) -> list[str]:
    out = [f"## {w['headroom']}", ""]
    found = headroom(result, language)
    if not found:
        return [*out, w["no_headroom"], ""]
    out += [
        _row(w["item"], w["action"], w["gain"], w["effective"], w["departments"]),
        "|---|---|--:|--:|---|",
    ]
    for o in found:
        out.append(
            _row(
                md(f"{o.item_id} {o.title}"),
                md(o.action),
                fmt(o.gain),
                fmt(o.effective),
                md("、".join(o.departments)),
            )
        )
    return [*out, ""]


def _fingerprint(result: Result, w: dict[str, str]) -> str:
    return (
        f"{w['fingerprint']}: {w['rules']} sha256 `{result.rules_sha256}` · "
        f"{w['facts']} sha256 `{result.facts_sha256}` · qualscore {result.engine_version}"
    )
