"""The Markdown report: summary, categories, items explained, departments, headroom.

Every text from the rule set or the facts goes through :func:`~.safe.md`: HTML
and Markdown syntax escaped, line breaks made spaces, so a title can neither
run a script in a Markdown viewer nor start a heading of its own.
"""

from __future__ import annotations

from qualscore.analyst.analysis import departments, headroom, sentence
from qualscore.catalogue import say
from qualscore.report.compare import Comparison, headline, lines
from qualscore.report.document import (
    charge_text,
    input_text,
    result_text,
    separator,
    veto_basis,
    veto_text,
)
from qualscore.report.safe import md
from qualscore.scoring.explain import (
    lost_text,
    max_text,
    member_tables,
    titled,
    value_lines,
    verdict_lines,
)
from qualscore.scoring.trace import ItemResult, NodeResult, Result
from qualscore.scoring.words import fmt, words

__all__ = ["to_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(*cells: str) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def to_markdown(result: Result, language: str, comparison: Comparison | None = None) -> str:
    """The whole report as Markdown text, ending in a newline."""
    w = words(language)
    out = [f"# {md(result.title)}", ""]
    out += _summary(result, language, w)
    if comparison is not None:
        out += _comparison(comparison, language, w)
    if result.has_points:
        out += _by_category(result, language, w)
    named = value_lines(result, language)
    if named:
        out += ["", f"## {w['values']}", ""]
        out += [f"  - {md(line[4:])}" if line.startswith("  · ") else f"- {md(line)}"
                for line in named]  # fmt: skip
    for title, head, rows in member_tables(result, language):
        out += ["", f"## {md(title)}", "", "| " + " | ".join(md(h) for h in head) + " |",
                "|" + "---|" * len(head)]  # fmt: skip
        out += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    out += ([] if out[-1] == "" else [""]) + [f"## {w['items']}", ""]
    for category in result.categories:
        out += _category(category, language, w, points=result.has_points)
    if result.bonus is not None:
        out += [
            f"### {md(result.bonus.title)}",
            "",
            md(_evidence(result.bonus, language) + sentence(result.bonus, language), start=True),
            "",
        ]
    if result.has_points:  # what was lost, and what would earn more: points only
        out += _departments(result, w)
        out += _headroom(result, language, w)
    out += ["---", "", _fingerprint(result, w), ""]
    return "\n".join(out)


def _by_category(result: Result, language: str, w: dict[str, str]) -> list[str]:
    out = [
        f"## {w['by_category']}",
        "",
        _row(w["category"], w["max"], w["score"], w["lost"], w["sum"]),
        "|---|--:|--:|--:|---|",
    ]
    for c in result.categories:
        note = f"{fmt(c.sum)} → {w['cap']} {max_text(c)}" if c.capped else fmt(c.sum)
        out.append(_row(md(c.title), max_text(c), fmt(c.score), lost_text(c, language), note))
    if result.bonus is not None:
        b = result.bonus
        out.append(_row(md(b.title), max_text(b), fmt(b.score), "", fmt(b.raw)))
    out.append(_row(f"**{w['total']}**", fmt(result.possible), f"**{fmt(result.total)}**", "", ""))
    return out


def _summary(result: Result, language: str, w: dict[str, str]) -> list[str]:
    sep = separator(language)
    lines = []
    if result.entity:
        lines.append(f"- {w['entity']}{sep}{md(result.entity)}")
    if result.period:
        lines.append(f"- {w['period']}{sep}{md(result.period)}")
    if result.has_points:
        lines.append(f"- **{w['total']}{sep}{fmt(result.total)}** / {fmt(result.possible)}")
    for veto in result.vetoes:
        state = md(veto_text(veto, language))
        title = "" if veto.title == w["veto"] else f"{md(veto.title)} — "
        basis = veto_basis(veto, language)
        more = "" if basis is None else f"{w['lp']}{md(basis)}{w['rp']}"
        lines.append(f"- {w['veto']}{sep}{title}{state}{more}")
    lines.append(f"- {w['result']}{sep}{md(result_text(result, language))}")
    if result.grade is not None:
        lines.append(f"- {w['grade']}{sep}{md(result.grade)}")
    lines += [f"- {md(line)}" for line in verdict_lines(result, language)]
    return [*lines, ""]


def _category(
    category: NodeResult, language: str, w: dict[str, str], *, points: bool = True
) -> list[str]:
    if not points:
        return _judged_category(category, language, w)
    heading = say(language, "titled_score", title=md(titled(category, category.title, language)),
                  score=fmt(category.score), max=max_text(category))  # fmt: skip
    out = [f"### {heading}", ""]
    if category.criteria:
        out += [md(category.criteria, start=True), ""]
    out += [
        _row(w["item"], w["title"], w["max"], w["score"], w["lost"], w["explanation"]),
        "|---|---|--:|--:|--:|---|",
    ]
    for child in category.children:
        if isinstance(child, NodeResult):
            cap = f" ({fmt(child.sum)} → {w['cap']} {max_text(child)})" if child.capped else ""
            out.append(
                _row(
                    f"**{md(child.id)}**",
                    f"**{md(titled(child, child.title, language))}**{cap}",
                    max_text(child),
                    fmt(child.score),
                    lost_text(child, language),
                    "",
                )
            )
            items: tuple[ItemResult, ...] = child.items
        else:
            items = (child,)
        for item in items:
            out.append(
                _row(
                    md(item.id),
                    md(titled(item, item.title, language)),
                    max_text(item),
                    fmt(item.score),
                    lost_text(item, language),
                    md(_evidence(item, language) + sentence(item, language)),
                )
            )
    return [*out, ""]


def _judged_category(category: NodeResult, language: str, w: dict[str, str]) -> list[str]:
    """A section of a scheme judged only: its verdict in the heading, no points."""
    out = [f"### {md(titled(category, category.title, language))}", ""]
    if category.criteria:
        out += [md(category.criteria, start=True), ""]
    out += [_row(w["item"], w["title"], w["explanation"]), "|---|---|---|"]
    for child in category.children:
        items = child.items if isinstance(child, NodeResult) else (child,)
        if isinstance(child, NodeResult):
            title = f"**{md(titled(child, child.title, language))}**"
            out.append(_row(f"**{md(child.id)}**", title, ""))
        for item in items:
            explained = md(_evidence(item, language) + sentence(item, language))
            out.append(_row(md(item.id), md(titled(item, item.title, language)), explained))
    return [*out, ""]


def _evidence(item: ItemResult, language: str) -> str:
    """The facts the item read, before its sentence: ``依据：label：value；… ``."""
    if not item.inputs:
        return ""
    w = words(language)
    shown = w["list_sep"].join(input_text(i, language) for i in item.inputs)
    return say(language, "labelled", label=w["inputs"], text=shown) + w["sentence_end"]


def _comparison(c: Comparison, language: str, w: dict[str, str]) -> list[str]:
    out = [f"## {w['compare']}", "", md(headline(c, language), start=True), ""]
    changed = [row for row in lines(c, language) if row[4] not in ("0",)]
    if changed:
        out += [
            _row(w["item"], w["title"], w["previous"], w["score"], w["change"]),
            "|---|---|--:|--:|--:|",
        ]
        out += [_row(md(i), md(t), a, b, d) for i, t, a, b, d in changed]
    same = len(c.items) - len(changed)
    if same:
        out += ["", say(language, "unchanged_items", count=same)]
    return [*out, ""]


def _departments(result: Result, w: dict[str, str]) -> list[str]:
    out = [f"## {w['departments_view']}", ""]
    losses = departments(result)
    if not losses:
        return [*out, w["no_loss"], ""]
    out += [_row(w["department"], w["lost"], w["cost"], w["item"]), "|---|--:|--:|---|"]
    for d in losses:
        parts = []
        for item_id, _title, part, lost, shared, cost in d.items:
            label = f"{item_id}「{part}」" if part else item_id
            shared_text = f"{w['comma']}{w['shared']}" if shared else ""
            parts.append(f"{md(label)}{w['lp']}{charge_text(lost, cost, w)}{shared_text}{w['rp']}")
        row = _row(md(d.department), fmt(d.lost), fmt(d.cost), w["list_sep"].join(parts))
        out.append(row)
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
