"""The HTML report: one self-contained file (inline CSS and SVG, nothing fetched).

A summary, a bar per category (earned against possible), every item as an
expandable row with its explanation, the department view and the headroom
list. It prints on A4; printing opens every item.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from importlib.resources import files

from qualscore.analyst.analysis import (
    departments,
    fmt_gain,
    headroom,
    next_step,
)
from qualscore.report.compare import Comparison, headline, lines
from qualscore.report.document import (
    Document,
    build,
    charge_text,
    input_text,
    result_text,
    veto_basis,
    veto_text,
)
from qualscore.scoring.explain import (
    assessing_text,
    explain,
    is_bonus,
    lost_text,
    max_text,
    titled,
)
from qualscore.scoring.trace import ItemResult, NodeResult, Result
from qualscore.scoring.words import fmt, words

__all__ = ["to_html"]

CSS = (files(__package__) / "report.css").read_text(encoding="utf-8")

_SCRIPT = (
    "window.addEventListener('beforeprint', function () {"
    " document.querySelectorAll('details.item').forEach(function (d) { d.open = true; }); });"
)


def to_html(
    result: Result,
    language: str,
    *,
    report_day: str | None = None,
    summary_only: bool = False,
    comparison: Comparison | None = None,
) -> str:
    """The whole report as one HTML document; printed, it is the office's report (A4).

    ``report_day`` dates the cover; ``summary_only`` keeps the cover and the summary page.
    """
    w = words(language)
    lang = "zh-CN" if language == "zh" else "en"
    doc = build(result, language, report_day)
    body = [_cover(doc), _summary_page(result, doc, w, summary_only)]
    if comparison is not None:
        body.append(_comparison(comparison, language, w))
    if doc.values and not summary_only:
        body.append(
            f'<section class="values"><h2>{w["values"]}</h2><ul>'
            + _value_items(doc.values)
            + "</ul></section>"
        )
    if not summary_only:
        body += [_members(title, head, rows) for title, head, rows in doc.members]
    if not summary_only:
        body += [
            f'<section class="items"><h2>{w["items"]}</h2>',
            *(_category(c, language, w, result.has_points) for c in result.categories),
        ]
        if result.bonus is not None:
            body += [
                f"<h3>{escape(result.bonus.title)}</h3>",
                _head(w),
                _item(result.bonus, language, w, label=w["bonus"]),
            ]
        body.append("</section>")
        if result.has_points:  # what was lost, and what would earn more: points only
            body += [_departments(result, w), _headroom(result, language, w)]
    body.append(_footer(result, w))
    page = w["page"].replace("{page}", '" counter(page) "').replace("{pages}", '" counter(pages) "')
    print_css = (
        "@page { @bottom-center { content: \"" + page + "\"; font-size: 8pt; color: #5b6b7c; } }"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(_title(result))}</title>\n<style>{CSS}\n{print_css}</style>\n"
        "</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _value_items(lines: tuple[str, ...]) -> str:
    """Each value a list item; a list's records (``  · ``) nested under their aggregate."""
    out: list[str] = []
    inner: list[str] = []
    for line in lines:
        if line.startswith("  · ") or (line.startswith("  ") and inner):
            inner.append(f"<li>{escape(line.strip().removeprefix('· '))}</li>")
            continue
        if inner:
            out[-1] = out[-1].removesuffix("</li>") + "<ul>" + "".join(inner) + "</ul></li>"
            inner = []
        out.append(f"<li>{escape(line)}</li>")
    if inner:
        out[-1] = out[-1].removesuffix("</li>") + "<ul>" + "".join(inner) + "</ul></li>"
    return "".join(out)


def _members(title: str, head: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> str:
    """A list of sub-entities: one row per member, what it failed last."""
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f'<section class="members"><h2>{escape(title)}</h2><table><thead><tr>{cells}</tr>'
        f"</thead><tbody>{body}</tbody></table></section>"
    )


def _comparison(c: Comparison, language: str, w: dict[str, str]) -> str:
    changed = [row for row in lines(c, language) if row[4] != "0"]
    rows = "".join(
        f'<tr><td>{escape(i)}</td><td>{escape(t)}</td><td class="n">{a}</td>'
        f'<td class="n">{b}</td><td class="n">{d}</td></tr>'
        for i, t, a, b, d in changed
    )
    same = len(c.items) - len(changed)
    rest = ""
    if same:
        rest = f"其余 {same} 项无变化。" if language == "zh" else f"{same} items unchanged."
    table = (
        f"<table><thead><tr><th>{w['item']}</th><th>{w['title']}</th>"
        f'<th class="n">{w["previous"]}</th><th class="n">{w["score"]}</th>'
        f'<th class="n">{w["change"]}</th></tr></thead><tbody>{rows}</tbody></table>'
        if changed
        else ""
    )
    return (
        f'<section class="compare"><h2>{w["compare"]}</h2>'
        f"<p>{escape(headline(c, language))}</p>{table}<p class=\"muted\">{rest}</p></section>"
    )


def _title(result: Result) -> str:
    return f"{result.entity} · {result.title}" if result.entity else result.title


def _cover(doc: Document) -> str:
    rows = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in doc.cover
    )
    return (
        f'<header class="cover"><h1>{escape(doc.title)}</h1>'
        f'<table class="facts">{rows}</table></header>'
    )


def _summary_page(result: Result, doc: Document, w: dict[str, str], only: bool) -> str:
    cls = "summary-page only" if only else "summary-page"
    out = [f'<section class="{cls}"><h2>{w["summary"]}</h2>', _summary(result, doc.language, w)]
    if not doc.points:  # a scheme judged only: its verdicts are on the cover, no points
        out.append("</section>")
        return "\n".join(out)
    out += [f"<h3>{w['by_category']}</h3>", _bars(result, w)]
    out.append(
        f'<table class="categories"><thead><tr><th>{w["category"]}</th><th class="n">{w["max"]}'
        f'</th><th class="n">{w["score"]}</th><th class="n">{w["lost"]}</th>'
        f"<th>{w['cap_binds']}</th></tr></thead><tbody>"
        + "".join(
            f'<tr><td>{escape(t)}</td><td class="n">{m}</td><td class="n">{s}</td>'
            f'<td class="n">{lost}</td><td>{escape(cap)}</td></tr>'
            for t, m, s, lost, cap in doc.categories
        )
        + "</tbody></table>"
    )
    if doc.losses:
        out.append(
            f"<h3>{w['biggest_losses']}</h3><table><thead><tr><th>{w['item']}</th>"
            f'<th>{w["title"]}</th><th class="n">{w["lost"]}</th><th class="n">{w["cost"]}</th>'
            "</tr></thead><tbody>"
            + "".join(
                f'<tr><td>{escape(i)}</td><td>{escape(t)}</td><td class="n">{lost}</td>'
                f'<td class="n">{cost}</td></tr>'
                for i, t, lost, cost in doc.losses
            )
            + "</tbody></table>"
        )
    if doc.departments:
        out.append(
            f"<h3>{w['departments_most']}</h3><table><thead><tr><th>{w['department']}</th>"
            f'<th class="n">{w["lost"]}</th><th class="n">{w["cost"]}</th><th>{w["item"]}</th>'
            "</tr></thead><tbody>"
            + "".join(
                f'<tr><td>{escape(d)}</td><td class="n">{lost}</td><td class="n">{cost}</td>'
                f"<td>{escape(ids)}</td></tr>"
                for d, lost, cost, ids in doc.departments
            )
            + "</tbody></table>"
        )
    out.append("</section>")
    return "\n".join(out)


def _summary(result: Result, language: str, w: dict[str, str]) -> str:
    cards = [
        f'<div class="card"><div class="muted">{w["total"]}</div>'
        f'<div class="big">{fmt(result.total)}</div>'
        f'<div class="muted">/ {fmt(result.possible)}</div></div>'
    ][: 1 if result.has_points else 0]
    for veto in result.vetoes:
        state = escape(veto_text(veto, language))
        cls = "card vetoed" if veto.held else "card"
        title = "" if veto.title == w["veto"] else f"<div>{escape(veto.title)}</div>"
        basis = veto_basis(veto, language)
        read = "" if basis is None else f'<div class="muted">{escape(basis)}</div>'
        cards.append(
            f'<div class="{cls}"><div class="muted">{w["veto"]}</div>'
            f"{title}<div><b>{state}</b></div>{read}</div>"
        )
    cards.append(
        f'<div class="card"><div class="muted">{w["result"]}</div>'
        f'<div class="big">{escape(result_text(result, language))}</div></div>'
    )
    if result.verdict is not None and result.has_points:  # scored and judged: the verdict
        cls = "card vetoed" if result.met is False else "card"  # too, at a glance
        cards.append(
            f'<div class="{cls}"><div class="muted">{w["verdict"]}</div>'
            f'<div class="big">{escape(result.verdict)}</div></div>'
        )
    for key in ("entity", "period", "grade"):
        value = getattr(result, key)
        if value is not None:
            cards.append(
                f'<div class="card" data-{key}=""><div class="muted">{w[key]}</div>'
                f'<div class="big">{escape(value)}</div></div>'
            )
    return '<div class="summary">' + "".join(cards) + "</div>"


def _bars(result: Result, w: dict[str, str]) -> str:
    # Only sections with a maximum to draw against: no penalty, no uncapped bonus.
    rows = [(c.title, c.score, c.points, c.capped) for c in result.categories if c.role == "score"]
    bonus = result.bonus
    if bonus is not None and bonus.points is not None:
        rows.append((bonus.title, bonus.score, bonus.points, False))
    top = max((r[2] for r in rows), default=Decimal(1)) or Decimal(1)
    parts = [f'<div class="bars" role="img" aria-label="{w["by_category"]}">']
    for title, score, points, capped in rows:
        full = (points / top * 100).quantize(Decimal("0.1"))
        got = (score / top * 100).quantize(Decimal("0.1"))
        parts.append(
            f'<div class="bar"><span class="label">{escape(title)}</span>'
            f'<span class="track"><span class="full" style="width:{full}%">'
            f'<span class="got" style="width:{_share(got, full)}%"></span></span></span>'
            f'<span class="n">{fmt(score)} / {fmt(points)}'
            f"{' ' + w['cap_binds'] if capped else ''}</span></div>"
        )
    parts.append("</div>")
    return "".join(parts)


def _share(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return Decimal(0)
    return min(part / whole * 100, Decimal(100)).quantize(Decimal("0.1"))


def _head(w: dict[str, str]) -> str:
    return (
        f'<div class="row head"><span>{w["item"]}</span><span>{w["title"]}</span>'
        f'<span class="n">{w["max"]}</span><span class="n">{w["score"]}</span>'
        f'<span class="n">{w["lost"]}</span></div>'
    )


def _category(category: NodeResult, language: str, w: dict[str, str], points: bool = True) -> str:
    if not points:
        return _judged_category(category, language, w)
    cap = (
        f' <span class="cap">{fmt(category.sum)} → {w["cap"]} {max_text(category)}</span>'
        if category.capped
        else ""
    )
    out = [
        f"<h3>{escape(titled(category, category.title, language))}{w['lp']}"
        f"{fmt(category.score)} / {max_text(category)}"
        f"{w['rp']}{cap}</h3>",
        _head(w),
    ]
    if category.criteria:  # a category of criteria text (its items, if any, follow)
        out.insert(1, f'<p class="criteria">{escape(category.criteria)}</p>')
    for child in category.children:
        if isinstance(child, NodeResult):
            icap = (
                f' <span class="cap">{fmt(child.sum)} → {w["cap"]} {max_text(child)}</span>'
                if child.capped
                else ""
            )
            out.append(
                f'<div class="row indicator" data-indicator="{escape(child.id)}">'
                f"<span>{escape(child.id)}</span>"
                f"<span>{escape(titled(child, child.title, language))}{icap}</span>"
                f'<span class="n">{max_text(child)}</span>'
                f'<span class="n">{fmt(child.score)}</span>'
                f'<span class="n">{lost_text(child, language)}</span></div>'
            )
            out.extend(_item(i, language, w) for i in child.items())
        else:
            out.append(_item(child, language, w))
    return "\n".join(out)


def _judged_category(category: NodeResult, language: str, w: dict[str, str]) -> str:
    """A section of a scheme judged only: verdicts after the titles, no points."""
    out = [
        f"<h3>{escape(titled(category, category.title, language))}</h3>",
        f'<div class="row head"><span>{w["item"]}</span><span>{w["title"]}</span>'
        "<span></span><span></span><span></span></div>",
    ]
    if category.criteria:
        out.insert(1, f'<p class="criteria">{escape(category.criteria)}</p>')
    for child in category.children:
        if isinstance(child, NodeResult):
            out.append(
                f'<div class="row indicator" data-indicator="{escape(child.id)}">'
                f"<span>{escape(child.id)}</span>"
                f"<span>{escape(titled(child, child.title, language))}</span>"
                "<span></span><span></span><span></span></div>"
            )
            out.extend(_item(i, language, w, points=False) for i in child.items())
        else:
            out.append(_item(child, language, w, points=False))
    return "\n".join(out)


def _item(
    item: ItemResult,
    language: str,
    w: dict[str, str],
    label: str | None = None,
    *,
    points: bool = True,
) -> str:
    shown = lost_text(item, language) if points else ""
    lost = (
        f'<span class="n na">{shown}</span>'
        if item.not_applicable is not None
        else f'<span class="n lost">{shown}</span>'
        if item.lost > 0 and not is_bonus(item)
        else f'<span class="n">{shown}</span>'
    )
    sep = "：" if language == "zh" else ": "
    inputs = "".join(
        f'<li data-key="{escape(i.key)}">{escape(input_text(i, language))}</li>'
        for i in item.inputs
    )
    lines = "".join(f"<p>{_line(line)}</p>" for line in explain(item, language))
    step = next_step(item, language)
    content = f"<p><b>{w['content']}</b>{sep}{escape(item.content)}</p>" if item.content else ""
    assessing = assessing_text(item, language)
    return (
        f'<details class="item" data-item="{escape(item.id)}"><summary class="row">'
        f"<span>{escape(label or item.id)}</span>"
        f"<span>{escape(titled(item, item.title, language))}</span>"
        + (
            f'<span class="n">{max_text(item)}</span><span class="n">{fmt(item.score)}</span>{lost}'
            if points
            else '<span class="n"></span><span class="n"></span><span class="n"></span>'
        )
        + f'</summary><div class="explain">{content}'
        f"<p><b>{w['criteria']}</b>{sep}{escape(item.criteria)}</p>"
        f"<p><b>{w['departments']}</b>{sep}{escape('、'.join(item.departments))}</p>"
        + (f"<p><b>{w['assessing']}</b>{sep}{escape(assessing)}</p>" if assessing else "")
        + (f"<p><b>{w['inputs']}</b></p><ul>{inputs}</ul>" if inputs else "")
        + f'<div class="lines">{lines}</div>'
        + (f"<p><b>{w['next_step']}</b>{sep}{escape(step)}</p>" if step else "")
        + "</div></details>"
    )


def _departments(result: Result, w: dict[str, str]) -> str:
    losses = departments(result)
    out = [f"<h2>{w['departments_view']}</h2>"]
    if not losses:
        return out[0] + f"<p>{w['no_loss']}</p>"
    out.append(
        f'<table><thead><tr><th>{w["department"]}</th><th class="n">{w["lost"]}</th>'
        f'<th class="n">{w["cost"]}</th><th>{w["item"]}</th></tr></thead><tbody>'
    )
    for d in losses:
        entries = w["list_sep"].join(
            escape(f"{item_id}「{part}」" if part else item_id)
            + f"{w['lp']}{charge_text(lost, cost, w)}"
            + (f"{w['comma']}{w['shared']}{w['rp']}" if shared else w["rp"])
            for item_id, _title, part, lost, shared, cost in d.items
        )
        out.append(
            f'<tr class="department"><td>{escape(d.department)}</td>'
            f'<td class="n">{fmt(d.lost)}</td><td class="n">{fmt(d.cost)}</td>'
            f"<td>{entries}</td></tr>"
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
            f'<td>{escape(o.action)}</td><td class="n">{fmt_gain(o.gain)}</td>'
            f'<td class="n">{fmt_gain(o.effective)}</td>'
            f'<td>{escape("、".join(o.departments))}</td></tr>'
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def _footer(result: Result, w: dict[str, str]) -> str:
    return (
        f"<footer>{w['fingerprint']}: {w['rules']} sha256 {result.rules_sha256} · "
        f"{w['facts']} sha256 {result.facts_sha256} · "
        f"qualscore {escape(result.engine_version)}</footer>"
    )


def _line(line: str) -> str:
    """An explanation line: its indentation kept as a margin, its text escaped."""
    depth = (len(line) - len(line.lstrip(" "))) // 2
    text = escape(line.strip(" "))
    return f'<span class="d{min(depth, 4)}">{text}</span>' if depth else text
