"""The terminal report: a rich table grouped by category, and one item explained."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..trace import ItemResult, NodeResult, Result
from ..words import fmt, words
from .explain import explain, value_text

__all__ = ["render_item", "render_table"]


def render_table(result: Result, console: Console) -> None:
    """Print the score table: categories, indicators, items, bonus, total, veto."""
    w = words(result.language)
    table = Table(
        title=f"{result.title}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        expand=True,
    )
    table.add_column(w["item"], no_wrap=True, min_width=6)
    table.add_column(w["title"], overflow="ellipsis", no_wrap=True, ratio=1)
    for name in ("max", "score", "lost"):
        table.add_column(w[name], justify="right", no_wrap=True, min_width=5)
    for category in result.categories:
        _add_node(table, category, w, style="bold")
        for child in category.children:
            if isinstance(child, NodeResult):
                _add_node(table, child, w, style="", indent="  ")
                for item in child.children:
                    assert isinstance(item, ItemResult)
                    _add_item(table, item, "    ")
            else:
                _add_item(table, child, "  ")
        table.add_section()
    if result.bonus is not None:
        _add_item(table, result.bonus, "", label="+")
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
        state = w["vetoed"] if veto.held else w["not_vetoed"]
        console.print(
            f"{w['veto']}（{veto.title}）：{state}"
            if result.language == "zh"
            else f"{w['veto']} ({veto.title}): {state}"
        )
    if result.result_label:
        console.print(
            f"{w['result']}：{result.result_label}"
            if result.language == "zh"
            else f"{w['result']}: {result.result_label}"
        )
    console.print(
        Text(
            f"{w['rules']} sha256 {result.rules_sha256[:12]} · {w['facts']} sha256 "
            f"{result.facts_sha256[:12]} · qualscore {result.engine_version}",
            style="dim",
        )
    )


def _add_node(
    table: Table, node: NodeResult, w: dict[str, str], *, style: str, indent: str = ""
) -> None:
    title = node.title
    if node.capped:
        title += f"（{fmt(node.sum)} → {w['cap']} {fmt(node.points)}）"
    shown_id = "" if node.kind == "category" else node.id
    table.add_row(
        Text(indent + shown_id, style=style),
        Text(title, style=style),
        fmt(node.points),
        Text(fmt(node.score), style=style),
        fmt(node.lost),
    )


def _add_item(table: Table, item: ItemResult, indent: str, label: str | None = None) -> None:
    lost_style = "red" if item.lost > 0 else ""
    table.add_row(
        indent + (label or item.id),
        item.title,
        fmt(item.points),
        fmt(item.score),
        Text(fmt(item.lost), style=lost_style),
    )


def render_item(result: Result, item: ItemResult, console: Console) -> None:
    """Print one item with its source text, inputs and explanation."""
    w = words(result.language)
    sep = "：" if result.language == "zh" else ": "
    body: list[Text] = []
    if item.content:
        body.append(Text(f"{w['content']}{sep}{item.content}"))
    body.append(Text(f"{w['criteria']}{sep}{item.criteria}"))
    body.append(Text(f"{w['departments']}{sep}{'、'.join(item.departments)}"))
    if item.inputs:
        body.append(Text(w["inputs"] + sep, style="bold"))
        for i in item.inputs:
            value = (
                (w["yes"] if i.value else w["no"])
                if isinstance(i.value, bool)
                else value_text(i.value, i.unit)
            )
            body.append(Text(f"  {i.label}（{i.key}）= {value}"))
    body.append(Text(""))
    body.extend(Text(line) for line in explain(item, result.language))
    title = f"{item.id} {item.title}"
    console.print(Panel(Group(*body), title=title, title_align="left", box=box.ROUNDED))
