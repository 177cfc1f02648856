"""``qualscore diff RULES_A RULES_B [--facts FILE...] [--format table|markdown]``.

Prints the changes (:mod:`qualscore.analyst.diff`) as a table for the terminal or as
Markdown, and with ``--facts`` the impact: each entity's total under both rule
sets, then each item whose score differs. The same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TextIO

from qualscore.analyst.diff import Comparison, compare
from qualscore.analyst.impact import Impact, impact
from qualscore.report.safe import md, plain
from qualscore.ruleset.loader import load_rules
from qualscore.scoring.words import fmt

__all__ = ["Rows", "command", "impact_rows", "to_markdown"]


@dataclass(frozen=True)
class Rows:
    """A table: a title, its column names, its rows of text, and a note under it."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


def _names(comparison: Comparison) -> tuple[str, str]:
    """How the two rule sets head a column: their years, or their ids for the same year."""
    a, b = comparison.a.manifest, comparison.b.manifest
    return (str(a.year), str(b.year)) if a.year != b.year else (a.id, b.id)


def _delta(before: Decimal | None, after: Decimal | None) -> str:
    if before is None or after is None:
        return "new" if before is None else "removed"
    change = after - before
    return "0" if change == 0 else ("+" if change > 0 else "") + fmt(change)


def _score(value: Decimal | None) -> str:
    return "—" if value is None else fmt(value)


def change_rows(comparison: Comparison) -> Rows:
    """The changes, one row each."""
    first, second = _names(comparison)
    title = (
        f"{comparison.a.id} ({comparison.a.manifest.year}) → "
        f"{comparison.b.id} ({comparison.b.manifest.year}): {len(comparison.changes)} changes"
    )
    rows = tuple((c.node, c.kind, c.field, c.before, c.after) for c in comparison.changes)
    return Rows(title, ("node", "change", "field", first, second), rows)


def impact_rows(comparison: Comparison, impacts: list[Impact]) -> Iterator[Rows]:
    """The totals of every entity, then each entity's items whose score differs."""
    first, second = _names(comparison)
    totals = tuple(
        (i.entity, fmt(i.a.total), fmt(i.b.total), _delta(i.a.total, i.b.total), _result(i))
        for i in impacts
    )
    yield Rows("Impact: totals", ("entity", first, second, "Δ", "result"), totals)
    for one in impacts:
        rows = []
        same = 0
        for item_id, title, before, after in _item_scores(comparison, one):
            if before == after:
                same += 1
                continue
            rows.append((item_id, title, _score(before), _score(after), _delta(before, after)))
        note = f"{same} items score the same under both" if same else ""
        yield Rows(
            f"Impact: {one.entity}", ("item", "title", first, second, "Δ"), tuple(rows), note
        )


def _result(one: Impact) -> str:
    a, b = one.a.result_label or one.a.result, one.b.result_label or one.b.result
    return a if a == b else f"{a} → {b}"


def _item_scores(
    comparison: Comparison, one: Impact
) -> Iterator[tuple[str, str, Decimal | None, Decimal | None]]:
    old = {i.id: i for i in one.a.items}
    back = {v: k for k, v in comparison.pairs.items()}
    back["bonus"] = "bonus"
    for item in one.b.items:
        was = old.pop(back[item.id], None) if item.id in back else None
        label = item.id if was is None or was.id == item.id else f"{was.id} → {item.id}"
        yield label, item.title, was.score if was else None, item.score
    for item in old.values():
        yield item.id, item.title, item.score, None


def to_markdown(tables: list[Rows]) -> str:
    """The tables as Markdown: a heading and a table each."""
    out = []
    for i, table in enumerate(tables):
        out.append(("# " if i == 0 else "## ") + md(table.title) + "\n")
        if table.rows:
            out.append("| " + " | ".join(table.columns) + " |")
            out.append("|" + "---|" * len(table.columns))
            out.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows)
            out.append("")
        if table.note or not table.rows:
            out.append(md(table.note or "no differences", start=True) + "\n")
    return "\n".join(out)


def _cell(text: str) -> str:
    """A table cell: one line, HTML and Markdown syntax escaped, ``|`` escaped."""
    return " ".join(md(text).split()).replace("|", "\\|") or " "


def _render(tables: list[Rows], out: TextIO) -> None:
    """Print the tables with rich; no text from a rule set is read as markup."""
    from rich.table import Table

    from qualscore.report.safe import console as make_console

    console = make_console(out)
    for table in tables:
        grid = Table(
            title=plain(table.title), title_justify="left", show_edge=False, pad_edge=False
        )
        for column in table.columns:
            grid.add_column(plain(column), overflow="fold")
        for row in table.rows:
            grid.add_row(*(plain(c) for c in row))
        if table.rows:
            console.print(grid)
        else:
            console.print(plain(table.title))
        if table.note or not table.rows:
            console.print(plain(table.note or "no differences"))
        console.print()


def command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Compare two rule sets; with --facts, score the entities under both."""
    comparison = compare(load_rules(args.rules_a), load_rules(args.rules_b))
    tables = [change_rows(comparison)]
    if args.facts:
        tables.extend(impact_rows(comparison, impact(comparison, args.facts)))
    if args.format == "markdown":
        out.write(to_markdown(tables))
    else:
        _render(tables, out)
    return 0


def register(sub: Any) -> None:
    """Add ``qualscore diff`` to the subcommands."""
    diff = sub.add_parser("diff", help="what changed between two rule sets, and its impact")
    diff.add_argument("rules_a", metavar="RULES_A", help="the earlier rule-set folder")
    diff.add_argument("rules_b", metavar="RULES_B", help="the later rule-set folder")
    diff.add_argument(
        "--facts",
        nargs="+",
        default=[],
        metavar="FILE",
        help="score these facts files under both rule sets, side by side",
    )
    diff.add_argument("--format", choices=("table", "markdown"), default="table")
    diff.set_defaults(run=command)
