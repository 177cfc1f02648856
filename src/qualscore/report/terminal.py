"""The terminal report: a rich table grouped by category, and one item explained.

Every text from the rule set or the facts goes in as :func:`~.safe.plain`, so
it is shown as written: never read as rich markup, control characters visible.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from qualscore.analyst.analysis import (
    departments,
    fmt_gain,
    headroom,
    next_step,
)
from qualscore.catalogue import say
from qualscore.report.compare import Comparison, headline, lines
from qualscore.report.document import (
    charge_text,
    result_text,
    separator,
    veto_basis,
    veto_text,
)
from qualscore.report.safe import plain
from qualscore.scoring.explain import (
    assessing_text,
    explain,
    explain_veto,
    is_bonus,
    lost_text,
    max_text,
    member_tables,
    shown_value,
    titled,
    verdict_lines,
)
from qualscore.scoring.trace import ItemResult, NodeResult, Result, VetoResult
from qualscore.scoring.words import fmt, words

__all__ = [
    "render_departments",
    "render_headroom",
    "render_item",
    "render_table",
    "render_veto",
]


def render_table(result: Result, console: Console, language: str | None = None) -> None:
    """Print the score table: categories, indicators, items, bonus, total, veto."""
    language = language or result.language
    w = words(language)
    who = " · ".join(v for v in (result.entity, result.period) if v is not None)
    table = Table(
        title=plain(f"{result.title} — {who}" if who else result.title),
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        expand=True,
    )
    table.add_column(w["item"], no_wrap=True, min_width=6)
    table.add_column(w["title"], overflow="ellipsis", no_wrap=True, ratio=1)
    points = result.has_points  # a scheme judged only: verdicts after the titles, no points
    for name in ("max", "score", "lost") if points else ():
        table.add_column(w[name], justify="right", no_wrap=True, min_width=5)
    for category in result.categories:
        _add_node(table, category, language, style="bold", points=points)
        for child in category.children:
            if isinstance(child, NodeResult):
                _add_node(table, child, language, style="", indent="  ", points=points)
                for item in child.children:
                    assert isinstance(item, ItemResult)
                    _add_item(table, item, "    ", language, points=points)
            else:
                _add_item(table, child, "  ", language, points=points)
        table.add_section()
    if result.bonus is not None:
        _add_item(table, result.bonus, "", language, label="+")
    if points:
        table.add_section()
        table.add_row(
            Text(w["total"], style="bold"),
            "",
            fmt(result.possible),
            Text(fmt(result.total), style="bold"),
            "",
        )
    console.print(table)
    for veto in result.vetoes:
        state = veto_text(veto, language)
        name = f"{w['veto']}{w['lp']}{veto.title}{w['rp']}"
        console.print(plain(say(language, "labelled", label=name, text=state)))
        basis = veto_basis(veto, language)
        if basis is not None:
            console.print(plain(f"  {basis}"))
    shown = result_text(result, language)
    console.print(plain(say(language, "labelled", label=w["result"], text=shown)))
    if result.grade is not None:
        console.print(plain(say(language, "labelled", label=w["grade"], text=result.grade)))
    for line in verdict_lines(result, language):
        console.print(plain(line))
    for title, head, rows in member_tables(result, language):  # each sub-entity, what it failed
        members = Table(title=plain(title), box=box.SIMPLE_HEAD, show_edge=False,
                        pad_edge=False, expand=True)  # fmt: skip
        for i, name in enumerate(head):  # the last column (what it failed) takes the room
            last = i == len(head) - 1
            members.add_column(plain(name), no_wrap=not last, ratio=1 if last else None)
        for row in rows:
            members.add_row(*(plain(c) for c in row))
        console.print(members)
    console.print(
        Text(
            f"{w['rules']} sha256 {result.rules_sha256[:12]} · {w['facts']} sha256 "
            f"{result.facts_sha256[:12]} · qualscore {result.engine_version}",
            style="dim",
        )
    )


def _add_node(
    table: Table,
    node: NodeResult,
    language: str,
    *,
    style: str,
    indent: str = "",
    points: bool = True,
) -> None:
    w = words(language)
    title = titled(node, node.title, language)
    if node.capped:
        title += f"{w['lp']}{fmt(node.sum)} → {w['cap']} {max_text(node)}{w['rp']}"
    shown_id = "" if node.kind == "category" else node.id
    if not points:
        table.add_row(plain(indent + shown_id, style=style), plain(title, style=style))
        return
    table.add_row(
        plain(indent + shown_id, style=style),
        plain(title, style=style),
        max_text(node),
        Text(fmt(node.score), style=style),
        lost_text(node, language),
    )


def _add_item(
    table: Table,
    item: ItemResult,
    indent: str,
    language: str,
    label: str | None = None,
    *,
    points: bool = True,
) -> None:
    if not points:
        table.add_row(plain(indent + (label or item.id)), plain(titled(item, item.title, language)))
        return
    lost_style = "red" if item.lost > 0 and not is_bonus(item) else ""
    table.add_row(
        plain(indent + (label or item.id)),
        plain(titled(item, item.title, language)),
        max_text(item),
        fmt(item.score),
        Text(
            lost_text(item, language),
            style="dim" if item.not_applicable is not None else lost_style,
        ),
    )


def render_item(
    result: Result, item: ItemResult, console: Console, language: str | None = None
) -> None:
    """Print one item with its source text, inputs and explanation."""
    language = language or result.language
    body = _source(item, language)
    body.extend(plain(line) for line in explain(item, language))
    more = next_step(item, language)
    if more is not None:
        body.append(plain(more, style="bold"))
    title = plain(f"{item.id} {item.title}")
    console.print(Panel(Group(*body), title=title, title_align="left", box=box.ROUNDED))


def render_veto(
    result: Result, veto: VetoResult, console: Console, language: str | None = None
) -> None:
    """Print one veto as an item is printed: its source text, the values it read, and
    its condition worked through, and what it did."""
    language = language or result.language
    body = _source(veto, language)
    body.extend(plain(line) for line in explain_veto(veto, language))
    title = plain(f"{veto.id} {veto.title}")
    console.print(Panel(Group(*body), title=title, title_align="left", box=box.ROUNDED))


def _source(node: ItemResult | VetoResult, language: str) -> list[Text]:
    """An item's or veto's source text, departments and the values it read."""
    w = words(language)
    sep = separator(language)
    body: list[Text] = []
    if node.content:
        body.append(plain(f"{w['content']}{sep}{node.content}"))
    body.append(plain(f"{w['criteria']}{sep}{node.criteria}"))
    body.append(plain(f"{w['departments']}{sep}{'、'.join(node.departments)}"))
    assessing = (
        assessing_text(node, language)
        if isinstance(node, ItemResult)
        else getattr(node, "assessing", None)
    )
    if assessing:
        body.append(plain(f"{w['assessing']}{sep}{assessing}"))
    if node.inputs:
        body.append(Text(w["inputs"] + sep, style="bold"))
        for i in node.inputs:
            value = (
                (w["yes"] if i.value else w["no"])
                if isinstance(i.value, bool)
                else shown_value(i)
            )
            shown = say(language, "input_keyed", label=i.label, key=i.key, value=value)
            body.append(plain(f"  {shown}"))
    body.append(Text(""))
    return body


def render_headroom(
    result: Result, console: Console, language: str, limit: int | None = 15
) -> None:
    """Print the top opportunities, most points to the total first (``limit`` None: all)."""
    w = words(language)
    found = headroom(result, language)
    table = Table(title=w["headroom"], box=box.SIMPLE_HEAD, expand=True, show_edge=False)
    table.add_column(w["item"], no_wrap=True)
    table.add_column(w["action"], ratio=1)
    table.add_column(w["gain"], justify="right", no_wrap=True)
    table.add_column(w["effective"], justify="right", no_wrap=True)
    shown = found if limit is None else found[:limit]
    for o in shown:
        table.add_row(plain(o.item_id), plain(o.action), fmt_gain(o.gain), fmt_gain(o.effective))
    console.print(table if found else Text(w["no_headroom"]))
    if len(found) > len(shown):
        rest = len(found) - len(shown)
        console.print(Text(say(language, "more_hidden", rest=rest), style="dim"))


def render_departments(result: Result, console: Console, language: str) -> None:
    """Print the points lost per department, with each department's items."""
    w = words(language)
    losses = departments(result)
    table = Table(title=w["departments_view"], box=box.SIMPLE_HEAD, expand=True, show_edge=False)
    table.add_column(w["department"], no_wrap=True)
    table.add_column(w["lost"], justify="right", no_wrap=True)
    table.add_column(w["cost"], justify="right", no_wrap=True)
    table.add_column(w["item"], ratio=1, overflow="fold")  # every entry whole, never "…"
    for d in losses:
        entries = "、".join(
            f"{i}{w['lp']}{charge_text(lost, cost, w, fmt_gain)}{w['rp']}"
            + ("*" if shared else "")
            for i, _t, _p, lost, shared, cost in d.items
        )
        table.add_row(plain(d.department), fmt(d.lost), fmt(d.cost), plain(entries))
    console.print(table if losses else Text(w["no_loss"]))
    if any(entry[4] for d in losses for entry in d.items):  # (…, shared, cost)
        console.print(Text(f"* {w['shared']}", style="dim"))


def render_comparison(c: Comparison, console: Console, language: str) -> None:
    """Print the total's and rank's change, and each item whose score changed."""
    w = words(language)
    said = say(language, "labelled", label=w["compare"], text=headline(c, language))
    console.print(plain(said, style="bold"))
    changed = [row for row in lines(c, language) if row[4] != "0"]
    if changed:
        table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False)
        table.add_column(w["item"], no_wrap=True)
        table.add_column(w["title"], ratio=1, overflow="ellipsis", no_wrap=True)
        for name in ("previous", "score", "change"):
            table.add_column(w[name], justify="right", no_wrap=True)
        for i, t, a, b, d in changed:
            table.add_row(plain(i), plain(t), a, b, d)
        console.print(table)
    same = len(c.items) - len(changed)
    if same:
        console.print(Text(say(language, "unchanged_count", count=same), style="dim"))
