"""The HTML report: one self-contained file (inline CSS and SVG, nothing fetched).

A summary, a bar per category (earned against possible), every item as an
expandable row with its explanation, the department view and the headroom
list. It prints on A4; printing opens every item.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from importlib.resources import files

from ..trace import Input, ItemResult, NodeResult, Result
from ..words import fmt, words
from .analysis import departments, headroom, sentence
from .explain import explain, value_text

__all__ = ["to_html"]

_CSS = (files(__package__) / "report.css").read_text(encoding="utf-8")

_SCRIPT = (
    "window.addEventListener('beforeprint', function () {"
    " document.querySelectorAll('details.item').forEach(function (d) { d.open = true; }); });"
)


def to_html(result: Result, language: str) -> str:
    """The whole report as one HTML document."""
    w = words(language)
    lang = "zh-CN" if language == "zh" else "en"
    body = [
        f"<h1>{escape(result.title)}</h1>",
        _summary(result, w),
        f"<h2>{w['by_category']}</h2>",
        _bars(result, w),
        f"<h2>{w['items']}</h2>",
        *(_category(c, language, w) for c in result.categories),
    ]
    if result.bonus is not None:
        body += [
            f"<h3>{w['bonus']}</h3>",
            _head(w),
            _item(result.bonus, language, w, label=w["bonus"]),
        ]
    body += [_departments(result, w), _headroom(result, language, w), _footer(result, w)]
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(result.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _summary(result: Result, w: dict[str, str]) -> str:
    cards = [
        f'<div class="card"><div class="muted">{w["total"]}</div>'
        f'<div class="big">{fmt(result.total)}</div>'
        f'<div class="muted">/ {fmt(result.possible)}</div></div>'
    ]
    for veto in result.vetoes:
        state = w["vetoed"] if veto.held else w["not_vetoed"]
        cls = "card vetoed" if veto.held else "card"
        cards.append(
            f'<div class="{cls}"><div class="muted">{w["veto"]}</div>'
            f"<div>{escape(veto.title)}</div><div><b>{state}</b></div></div>"
        )
    if result.result_label:
        cards.append(
            f'<div class="card"><div class="muted">{w["result"]}</div>'
            f'<div class="big">{escape(result.result_label)}</div></div>'
        )
    return '<div class="summary">' + "".join(cards) + "</div>"


def _bars(result: Result, w: dict[str, str]) -> str:
    rows = [(c.title, c.score, c.points, c.capped) for c in result.categories]
    if result.bonus is not None:
        rows.append((w["bonus"], result.bonus.score, result.bonus.points, False))
    top = max((r[2] for r in rows), default=Decimal(1)) or Decimal(1)
    width, label_w, bar_w, row_h = 640, 150, 380, 30
    parts = [
        f'<svg role="img" aria-label="{w["by_category"]}" width="100%" '
        f'viewBox="0 0 {width} {row_h * len(rows) + 10}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (title, score, points, capped) in enumerate(rows):
        y = 5 + i * row_h
        full = (points / top * bar_w).quantize(Decimal("0.1"))
        got = (score / top * bar_w).quantize(Decimal("0.1"))
        parts.append(
            f'<text x="0" y="{y + 18}" font-size="13">{escape(title)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{full}" height="18" fill="#e8edf2"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{got}" height="18" fill="#2f7d4f"/>'
            f'<text x="{label_w + bar_w + 10}" y="{y + 18}" font-size="13">'
            f"{fmt(score)} / {fmt(points)}{' ' + w['cap_binds'] if capped else ''}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _head(w: dict[str, str]) -> str:
    return (
        f'<div class="row head"><span>{w["item"]}</span><span>{w["title"]}</span>'
        f'<span class="n">{w["max"]}</span><span class="n">{w["score"]}</span>'
        f'<span class="n">{w["lost"]}</span></div>'
    )


def _category(category: NodeResult, language: str, w: dict[str, str]) -> str:
    cap = (
        f' <span class="cap">{fmt(category.sum)} → {w["cap"]} {fmt(category.points)}</span>'
        if category.capped
        else ""
    )
    out = [
        f"<h3>{escape(category.title)}（{fmt(category.score)} / {fmt(category.points)}）{cap}</h3>",
        _head(w),
    ]
    for child in category.children:
        if isinstance(child, NodeResult):
            icap = (
                f' <span class="cap">{fmt(child.sum)} → {w["cap"]} {fmt(child.points)}</span>'
                if child.capped
                else ""
            )
            out.append(
                f'<div class="row indicator" data-indicator="{escape(child.id)}">'
                f"<span>{escape(child.id)}</span><span>{escape(child.title)}{icap}</span>"
                f'<span class="n">{fmt(child.points)}</span>'
                f'<span class="n">{fmt(child.score)}</span>'
                f'<span class="n">{fmt(child.lost)}</span></div>'
            )
            out.extend(_item(i, language, w) for i in child.items())
        else:
            out.append(_item(child, language, w))
    return "\n".join(out)


def _item(item: ItemResult, language: str, w: dict[str, str], label: str | None = None) -> str:
    lost = (
        f'<span class="n lost">{fmt(item.lost)}</span>'
        if item.lost > 0
        else f'<span class="n na">{w["na"]}</span>'
        if item.not_applicable is not None
        else '<span class="n">0</span>'
    )
    sep = "：" if language == "zh" else ": "
    inputs = "".join(
        f"<li>{escape(i.label)}（{escape(i.key)}）= {escape(_value(i, w))}</li>"
        for i in item.inputs
    )
    lines = "".join(f"<p>{escape(line)}</p>" for line in explain(item, language))
    content = f"<p><b>{w['content']}</b>{sep}{escape(item.content)}</p>" if item.content else ""
    return (
        f'<details class="item" data-item="{escape(item.id)}"><summary class="row">'
        f"<span>{escape(label or item.id)}</span><span>{escape(item.title)}</span>"
        f'<span class="n">{fmt(item.points)}</span><span class="n">{fmt(item.score)}</span>{lost}'
        f'</summary><div class="explain">{content}'
        f"<p><b>{w['criteria']}</b>{sep}{escape(item.criteria)}</p>"
        f"<p><b>{w['departments']}</b>{sep}{escape('、'.join(item.departments))}</p>"
        + (f"<p><b>{w['inputs']}</b></p><ul>{inputs}</ul>" if inputs else "")
        + f"{lines}<p><b>{w['explanation']}</b>{sep}{escape(sentence(item, language))}</p>"
        + "</div></details>"
    )


def _value(i: Input, w: dict[str, str]) -> str:
    if isinstance(i.value, bool):
        return w["yes"] if i.value else w["no"]
    return value_text(i.value, i.unit)


def _departments(result: Result, w: dict[str, str]) -> str:
    losses = departments(result)
    out = [f"<h2>{w['departments_view']}</h2>"]
    if not losses:
        return out[0] + f"<p>{w['no_loss']}</p>"
    out.append(
        f'<table><thead><tr><th>{w["department"]}</th><th class="n">{w["lost"]}</th>'
        f"<th>{w['item']}</th></tr></thead><tbody>"
    )
    for d in losses:
        entries = "；".join(
            escape(f"{item_id}「{part}」" if part else item_id)
            + f" {fmt(lost)}"
            + (f"（{w['shared']}）" if shared else "")
            for item_id, _title, part, lost, shared in d.items
        )
        out.append(
            f'<tr class="department"><td>{escape(d.department)}</td>'
            f'<td class="n">{fmt(d.lost)}</td><td>{entries}</td></tr>'
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def _headroom(result: Result, language: str, w: dict[str, str]) -> str:
    found = headroom(result, language)
    out = [f"<h2>{w['headroom']}</h2>"]
    if not found:
        return out[0] + f"<p>{w['no_headroom']}</p>"
    out.append(
        f"<table><thead><tr><th>{w['item']}</th><th>{w['action']}</th>"
        f'<th class="n">{w["gain"]}</th><th class="n">{w["effective"]}</th>'
        f"<th>{w['departments']}</th></tr></thead><tbody>"
    )
    for o in found:
        out.append(
            f'<tr class="opportunity"><td>{escape(o.item_id)} {escape(o.title)}</td>'
            f'<td>{escape(o.action)}</td><td class="n">{fmt(o.gain)}</td>'
            f'<td class="n">{fmt(o.effective)}</td><td>{escape("、".join(o.departments))}</td></tr>'
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def _footer(result: Result, w: dict[str, str]) -> str:
    return (
        f"<footer>{w['fingerprint']}: {w['rules']} sha256 {result.rules_sha256} · "
        f"{w['facts']} sha256 {result.facts_sha256} · "
        f"qualscore {escape(result.engine_version)}</footer>"
    )
