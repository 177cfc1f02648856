"""A batch compared with earlier years, as each format shows it (``batch --compare``).

The JSON gives whose batches it was compared with (each one's entities new and
gone since, its items renumbered) and, per entity, its totals and ranks over
the years and each item's score last time and now; the HTML and the terminal
add the earlier years' totals to the ranking, name the entities new and gone,
and show the items (the HTML every one of each entity, folded; the terminal
those whose score changed). What is compared is
:class:`~qualscore.report.history.Year`'s, held by the
:class:`~qualscore.report.batch.BatchReport`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table

from qualscore.catalogue import say, words
from qualscore.report.compare import signed
from qualscore.report.history import ItemChange
from qualscore.report.safe import plain
from qualscore.scoring.words import fmt

if TYPE_CHECKING:
    from qualscore.batch.rows import Ranked
    from qualscore.report.batch import BatchReport

__all__ = [
    "compare_notes",
    "compare_view",
    "history_json",
    "render_item_changes",
    "then_columns",
    "trend_json",
]

ItemRow = tuple[str, str, str, str, str]
"""An item's row in the comparison: its id as shown, its title, its score then and now,
the change."""


def history_json(report: BatchReport) -> dict[str, Any]:
    """Whose batches it was compared with, oldest first: the entities new and gone since
    each, and the items renumbered (item now: item then)."""
    if not report.history:
        return {}
    return {
        "compared_with": [
            {
                "scheme": y.origin.scheme, "title": y.origin.title, "year": y.origin.year,
                "new": list(y.new), "gone": list(y.gone), "renumbered": y.renumbered(),
            }
            for y in report.history
        ]
    }  # fmt: skip


def trend_json(report: BatchReport, r: Ranked) -> dict[str, Any]:
    """The entity's total and rank in each year then and now, and each item's score last
    time and now (``item_changes``: None when it was not ranked then)."""
    if not report.history:
        return {}
    trend: list[dict[str, Any]] = []
    for y in report.history:
        found = y.entities.get(r.name)
        trend.append({"year": y.origin.year, "total": None if found is None else fmt(found[0]),
                      "rank": None if found is None else found[1]})  # fmt: skip
    trend.append({"year": report.year, "total": fmt(r.row.total), "rank": r.rank})
    found_items = report.items_then(r)
    changes = None if found_items is None else [
        {"id": now_id, "then_id": was, "then": _exact_or_none(then),
         "now": _exact_or_none(now), "change": _exact_or_none(_change(then, now))}
        for now_id, was, then, now in found_items
    ]  # fmt: skip
    return {"trend": trend, "item_changes": changes}


def _change(then: Decimal | None, now: Decimal | None) -> Decimal | None:
    return None if then is None or now is None else now - then


def _exact_or_none(value: Decimal | None) -> str | None:
    return None if value is None else fmt(value)


def then_columns(report: BatchReport) -> list[str]:
    """The headings of the columns of earlier years: each year's total before last time,
    then last time's total, the change and last time's rank."""
    if report.previous is None:
        return []
    w = words(report.language)
    earlier = [y.label(report.language) for y in report.history[:-1]]
    return [*earlier, w["previous"], w["change"], w["compare_rank_then"]]


def compare_notes(report: BatchReport) -> list[str]:
    """What the batch was compared with, and for each previous batch the entities new since
    and gone since, every one named."""
    if not report.history:
        return []
    language = report.language
    sep = say(language, "batch_names_sep")
    labels = sep.join(y.label(language) for y in report.history)
    notes = [say(language, "compare_years", years=labels)]
    for y in report.history:
        for key, names in (("compare_new", y.new), ("compare_gone", y.gone)):
            if names:
                notes.append(say(language, key, then=y.label(language), count=len(names),
                                 names=sep.join(names)))  # fmt: skip
        if y.renumbered():
            pairs = sep.join(f"{now} ← {then}" for now, then in y.renumbered().items())
            notes.append(say(language, "compare_renumbered_since", then=y.label(language),
                             pairs=pairs))  # fmt: skip
    return notes


def compare_view(report: BatchReport) -> dict[str, Any] | None:
    """The comparison as the batch's page shows it (``batch_parts.html.j2``): whose batches,
    the entities new and gone (``notes``), then each entity's items last time and now,
    folded (``entities``); None without ``--compare``."""
    if not report.history:
        return None
    return {
        "notes": compare_notes(report),
        "heading": say(report.language, "compare_items"),
        "entities": _entity_changes(report),
    }


def _entity_changes(report: BatchReport) -> Iterator[tuple[str, list[ItemRow]]]:
    """Each entity ranked last time: its totals then and now, and each of its items' rows
    (one entity at a time: the ranking may be read from disk)."""
    titles = {**report.history[-1].titles, **{i[0]: i[1] for i in report.items}}
    for r in report.ranked:
        rows = report.items_then(r)
        if rows is None:  # new since: no items then (named in the notes)
            continue
        then, change = report.then(r)[:2]
        summary = say(report.language, "compare_entity", entity=r.name, then=then,
                      now=fmt(r.row.total), change=change)  # fmt: skip
        yield summary, [_item_row(report.language, row, titles) for row in rows]


def _item_row(language: str, row: ItemChange, titles: Mapping[str, str]) -> ItemRow:
    """One item last time and now: its id (and its id then, when renumbered), its title
    (``titles``: now's by id, then then's for an item gone since), its scores and change."""
    now_id, was, then, now = row
    shown = _item_shown(language, now_id, was)
    title = titles.get(now_id if now_id is not None else was or "", "—")
    first, last = ("—" if v is None else fmt(v) for v in (then, now))
    return shown, title, first, last, signed(_change(then, now))


def _item_shown(language: str, now_id: str | None, was: str | None) -> str:
    """An item's id now (its id then for an item gone since), and its id then when it was
    renumbered."""
    if now_id is None:
        return was or ""
    if was is not None and was != now_id:
        return now_id + say(language, "compare_renumbered", then_id=was)
    return now_id


def render_item_changes(report: BatchReport, console: Console) -> None:
    """Each item whose score changed since last time, entity by entity (the JSON and the
    HTML have every item); a line saying so when none did."""
    if not report.history:
        return
    w = words(report.language)
    table = Table(title=plain(say(report.language, "compare_changed")), box=box.SIMPLE_HEAD,
                  show_edge=False)  # fmt: skip
    for key in ("entity", "item", "previous", "score", "change"):
        table.add_column(w[key], justify="left" if key in ("entity", "item") else "right")
    for r in report.ranked:
        for now_id, was, then, now in report.items_then(r) or ():
            if then == now:
                continue
            shown = _item_shown(report.language, now_id, was)
            cells = ["—" if v is None else fmt(v) for v in (then, now)]
            table.add_row(plain(r.name), plain(shown), *cells, signed(_change(then, now)))
    if table.row_count:
        console.print(table)
    else:
        console.print(plain(say(report.language, "compare_unchanged")), style="dim")
