"""The HTML report: one self-contained file (inline CSS, nothing fetched).

A summary, a bar per category (earned against possible), every item as an
expandable row with its explanation (the one place an item is explained: the
summary's tables link to it), the department view and the headroom list. It
prints on A4; printing opens every item.

The markup is in Jinja2 templates (``templates/``, package data) rendered with
autoescaping: every text from the rule set or the facts reaches the page as
text. This module only gathers that text; it writes no markup of its own.
"""

from __future__ import annotations

from decimal import Decimal
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from qualscore.analyst.analysis import departments, fmt_gain, headroom, next_step
from qualscore.catalogue import say
from qualscore.report.compare import Comparison, headline, lines
from qualscore.report.document import (
    TOP,
    Document,
    build,
    charge_text,
    input_text,
    result_text,
    separator,
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

__all__ = ["CSS", "ENV", "to_html"]

CSS = (files(__package__) / "report.css").read_text(encoding="utf-8")
"""The report's style sheet (the batch report shares it)."""

_SCRIPT = Markup(
    "window.addEventListener('beforeprint', function () {"
    " document.querySelectorAll('details.item').forEach(function (d) { d.open = true; }); });"
)

ENV = Environment(
    loader=PackageLoader("qualscore.report", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,  # a name the template misspells fails, never prints ""
)
"""The reports' templates (``templates/``), autoescaped: the entity report's and the
batch's (:func:`qualscore.report.batch.to_html`)."""

View = dict[str, Any]


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
    doc = build(result, language, report_day)
    known = frozenset(i.id for i in result.items)
    whole = not summary_only
    scored = whole and result.has_points
    # The catalogue's footer words around the page counters, as a CSS string.
    page = w["page"].replace("{page}", '" counter(page) "').replace("{pages}", '" counter(pages) "')
    print_css = (
        '@page { @bottom-center { content: "' + page + '"; font-size: 8pt; color: #5b6b7c; } }'
    )
    return ENV.get_template("report.html.j2").render(
        lang=w["html_lang"],
        title=_title(result),
        css=Markup(CSS + "\n" + print_css),
        script=_SCRIPT,
        w=w,
        doc=doc,
        summary=_summary_page(result, doc, known, summary_only),
        comparison=None if comparison is None else _comparison(comparison, language, known),
        values=_value_items(doc.values) if whole else (),
        members=doc.members if whole else (),
        sections=[_category(c, language, result.has_points) for c in result.categories]
        if whole
        else None,
        bonus=_item(result.bonus, language, w["bonus"]) if whole and result.bonus else None,
        losses=_departments(result, w) if scored else None,
        headroom={"rows": _headroom(result, language), "known": known} if scored else None,
        rules_sha256=result.rules_sha256,
        facts_sha256=result.facts_sha256,
        engine_version=result.engine_version,
    ) + "\n"


def _title(result: Result) -> str:
    return f"{result.entity} · {result.title}" if result.entity else result.title


def _value_items(shown: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """Each value with its list's records (``  · ``) nested under their aggregate."""
    out: list[tuple[str, list[str]]] = []
    for line in shown:
        if out and (line.startswith("  · ") or (line.startswith("  ") and out[-1][1])):
            out[-1][1].append(line.strip().removeprefix("· "))
        else:
            out.append((line, []))
    return out


def _comparison(c: Comparison, language: str, known: frozenset[str]) -> View:
    changed = [row for row in lines(c, language) if row[4] != "0"]
    same = len(c.items) - len(changed)
    rest = say(language, "unchanged_items", count=same) if same else ""
    return {"headline": headline(c, language), "rows": changed, "rest": rest, "known": known}


def _summary_page(result: Result, doc: Document, known: frozenset[str], only: bool) -> View:
    """The summary page: the cards, and with points the bars and the three tables."""
    view: View = {
        "cls": "summary-page only" if only else "summary-page",
        "cards": _cards(result, doc.language),
        "bars": None,
        "known": known,
    }
    if not doc.points:  # a scheme judged only: its verdicts are on the cover, no points
        return view
    ids = {d.department: list(dict.fromkeys(i for i, *_ in d.items))
           for d in departments(result)[:TOP]}  # fmt: skip
    view.update(
        bars=_bars(result, doc.w),
        categories=doc.categories,
        losses=doc.losses,
        departments=[(d, lost, cost, ids[d]) for d, lost, cost, _ in doc.departments],
    )
    return view


def _card(cls: str, label: str, **shown: str | None) -> View:
    return {"cls": cls, "label": label, "data": None, "title": None, "big": None,
            "bold": None, "sub": None} | shown  # fmt: skip


def _cards(result: Result, language: str) -> list[View]:
    """The summary's cards: total, each veto, the result, the verdict, who and when."""
    w = words(language)
    cards = []
    if result.has_points:
        cards.append(_card("card", w["total"], big=fmt(result.total),
                           sub=f"/ {fmt(result.possible)}"))  # fmt: skip
    for veto in result.vetoes:
        title = None if veto.title == w["veto"] else veto.title
        cls = "card vetoed" if veto.held else "card"
        cards.append(_card(cls, w["veto"], title=title, bold=veto_text(veto, language),
                           sub=veto_basis(veto, language)))  # fmt: skip
    cards.append(_card("card", w["result"], big=result_text(result, language)))
    if result.verdict is not None and result.has_points:  # scored and judged: the verdict
        cls = "card vetoed" if result.met is False else "card"  # too, at a glance
        cards.append(_card(cls, w["verdict"], big=result.verdict))
    for key in ("entity", "period", "grade"):
        value = getattr(result, key)
        if value is not None:
            cards.append(_card("card", w[key], data=key, big=value))
    return cards


def _bars(result: Result, w: dict[str, str]) -> list[View]:
    # Only sections with a maximum to draw against: no penalty, no uncapped bonus.
    rows = [(c.title, c.score, c.points, c.capped) for c in result.categories if c.role == "score"]
    bonus = result.bonus
    if bonus is not None and bonus.points is not None:
        rows.append((bonus.title, bonus.score, bonus.points, False))
    top = max((r[2] for r in rows), default=Decimal(1)) or Decimal(1)
    out = []
    for title, score, points, capped in rows:
        full = (points / top * 100).quantize(Decimal("0.1"))
        got = (score / top * 100).quantize(Decimal("0.1"))
        shown = f"{fmt(score)} / {fmt(points)}" + (" " + w["cap_binds"] if capped else "")
        out.append({"title": title, "full": full, "got": _share(got, full), "shown": shown})
    return out


def _share(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return Decimal(0)
    return min(part / whole * 100, Decimal(100)).quantize(Decimal("0.1"))


def _cap(node: NodeResult, w: dict[str, str]) -> str | None:
    return f"{fmt(node.sum)} → {w['cap']} {max_text(node)}" if node.capped else None


def _category(category: NodeResult, language: str, points: bool) -> View:
    """A category's heading and its rows: indicators, each followed by its items."""
    w = words(language)
    heading = titled(category, category.title, language)
    if points:
        heading = say(language, "titled_score", title=heading, score=fmt(category.score),
                      max=max_text(category))  # fmt: skip
    rows: list[tuple[str, View]] = []
    for child in category.children:
        if isinstance(child, NodeResult):
            rows.append(("indicator", {
                "id": child.id, "title": titled(child, child.title, language),
                "cap": _cap(child, w) if points else None, "max": max_text(child),
                "score": fmt(child.score), "lost": lost_text(child, language),
            }))  # fmt: skip
            rows += [("item", _item(i, language, points=points)) for i in child.items]
        else:
            rows.append(("item", _item(child, language, points=points)))
    return {"heading": heading, "cap": _cap(category, w) if points else None,
            "criteria": category.criteria, "points": points, "rows": rows}  # fmt: skip


def _item(
    item: ItemResult, language: str, label: str | None = None, *, points: bool = True
) -> View:
    """An item's row and its explanation, as text."""
    lost_class = (
        "n na" if item.not_applicable is not None
        else "n lost" if item.lost > 0 and not is_bonus(item)
        else "n"
    )  # fmt: skip
    return {
        "id": item.id, "label": label or item.id, "title": titled(item, item.title, language),
        "points": points, "max": max_text(item), "score": fmt(item.score),
        "lost": lost_text(item, language) if points else "", "lost_class": lost_class,
        "sep": separator(language), "content": item.content,
        "criteria": item.criteria, "departments": "、".join(item.departments),
        "assessing": assessing_text(item, language),
        "inputs": [(i.key, input_text(i, language)) for i in item.inputs],
        "lines": [_line(line) for line in explain(item, language)],
        "next_step": next_step(item, language),
    }  # fmt: skip


def _line(line: str) -> tuple[int, str]:
    """An explanation line: its depth of indentation (kept as a margin, at most 4), its text."""
    depth = (len(line) - len(line.lstrip(" "))) // 2
    return min(depth, 4), line.strip(" ")


def _departments(result: Result, w: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """Each department's loss, cost and items (``8（失 1 分，影响总分 0 分）``)."""
    out = []
    for d in departments(result):
        entries = w["list_sep"].join(
            (f"{item_id}「{part}」" if part else item_id)
            + f"{w['lp']}{charge_text(lost, cost, w)}"
            + (f"{w['comma']}{w['shared']}{w['rp']}" if shared else w["rp"])
            for item_id, _title, part, lost, shared, cost in d.items
        )
        out.append((d.department, fmt(d.lost), fmt(d.cost), entries))
    return out


def _headroom(result: Result, language: str) -> list[View]:
    return [
        {"id": o.item_id, "title": o.title, "action": o.action, "gain": fmt_gain(o.gain),
         "effective": fmt_gain(o.effective), "departments": "、".join(o.departments)}
        for o in headroom(result, language)
    ]  # fmt: skip
