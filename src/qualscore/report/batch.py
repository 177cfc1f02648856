"""Batch outputs: the ranking, the item scores, departments and the target matrix.

One :class:`BatchReport` is built from the outcomes; each writer lays it out
as JSON, CSV, XLSX, HTML or rich tables. Every writer is deterministic.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from .._version import __version__
from ..batch import Cell, Outcome, Ranked, Row, ranking
from ..loader import RuleSet
from ..words import fmt, words
from .safe import csv_text, formula_like, plain, sheet_text

__all__ = ["BatchReport", "build", "render_terminal", "to_csv", "to_html", "to_json", "to_xlsx"]

TIE_RULE = {
    "zh": "按总分从高到低排名；触发否决项的排在最后；总分相同者名次相同，按名称排列",
    "en": "ranked by total, highest first; vetoed entities last; equal totals share a rank "
    "and are listed by name",
}


GROUP_RULE = {
    "zh": "各考核组分别排名（按净得分，扣分项已扣除）",
    "en": "each entity group is ranked on its own (on net totals, penalties deducted)",
}


@dataclass(frozen=True)
class BatchReport:
    """Everything the batch writers show."""

    title: str
    language: str
    rules_sha256: str
    engine_version: str
    items: tuple[tuple[str, str, Decimal], ...]
    ranked: tuple[Ranked, ...]
    targets: tuple[tuple[str, str], ...]
    failures: tuple[Outcome, ...]
    extra: tuple[str, ...] = ()  # "group", "grade": the last columns, where the scheme has them


def item_columns(ruleset: RuleSet) -> tuple[tuple[str, str, Decimal], ...]:
    """(id, title, points) of every item, the bonus last: the order of a row's scores."""
    items = tuple((i.id, i.title, i.points) for i in ruleset.items())
    if ruleset.manifest.bonus is not None:
        items += (("bonus", ruleset.manifest.bonus.title, ruleset.manifest.bonus.points),)
    return items


def extra_columns(ruleset: RuleSet) -> tuple[str, ...]:
    """``group`` and ``grade``, for a scheme that declares entity groups and grades."""
    manifest = ruleset.manifest
    graded = bool(manifest.grades) or any(v.grade is not None for v in manifest.vetoes)
    return (("group",) if manifest.groups else ()) + (("grade",) if graded else ())


def build(
    ruleset: RuleSet, outcomes: Sequence[Outcome], targets: Sequence[str], language: str
) -> BatchReport:
    """Gather the ranking and the failures from the outcomes."""
    titles = {i.id: i.title for i in ruleset.items()}
    return BatchReport(
        title=ruleset.manifest.title,
        language=language,
        rules_sha256=ruleset.sha256,
        engine_version=__version__,
        items=item_columns(ruleset),
        ranked=tuple(ranking(o.row for o in outcomes if o.row is not None)),
        targets=tuple((t, titles[t]) for t in targets),
        failures=tuple(o for o in outcomes if o.row is None),
        extra=extra_columns(ruleset),
    )


def _cells(report: BatchReport, row: Row) -> dict[str, Cell]:
    return {key: cell for (key, _), cell in zip(report.targets, row.cells, strict=True)}


def _cell_text(cell: Cell, language: str) -> str:
    if cell.state == "met":
        return "✓"
    if cell.state == "na":
        return "—"
    if cell.relation in ("below", "above") and cell.actual is not None and cell.target is not None:
        sign = "<" if cell.relation == "below" else ">"
        return (
            f"✗ {fmt(cell.actual)}（{sign}{fmt(cell.target)}）"
            if language == "zh"
            else (f"✗ {fmt(cell.actual)} (needs {sign} {fmt(cell.target)})")
        )
    short = fmt(cell.shortfall or Decimal(0))
    return f"✗ 差{short}" if language == "zh" else f"✗ short by {short}"


def _share(share: Decimal | None) -> str:
    return "—" if share is None else f"{fmt(share)}%"


def _result(r: Ranked) -> str:
    return r.row.result_label or ("vetoed" if r.row.vetoed else "")


def to_json(report: BatchReport) -> str:
    """The batch as one JSON document."""
    doc: dict[str, Any] = {
        "ruleset": {"title": report.title, "rules_sha256": report.rules_sha256},
        "engine_version": report.engine_version,
        "tie_rule": TIE_RULE.get(report.language, TIE_RULE["en"]),
        "ranking": [
            {
                "rank": r.rank,
                "entity": r.name,
                "total": fmt(r.row.total),
                "vetoed": r.row.vetoed,
                "result": r.row.result,
                "result_label": r.row.result_label,
                "facts_sha256": r.row.facts_sha256,
                **({"group": r.row.group} if r.row.group is not None else {}),
                **({"grade": r.row.grade} if r.row.grade is not None else {}),
                "items": {
                    i[0]: fmt(v)
                    for i, v in zip(report.items, r.row.scores, strict=True)
                    if v is not None
                },
                **_completion_json(report, r.row),
            }
            for r in report.ranked
        ],
        "failed": [
            {"entity": o.entity.name, "source": o.entity.source, "problems": list(o.problems)}
            for o in report.failures
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _completion_json(report: BatchReport, row: Row) -> dict[str, Any]:
    if not report.targets:
        return {}
    return {
        "completion_percent": None if row.share is None else fmt(row.share),
        "targets": {
            k: {"state": c.state, "shortfall": None if c.shortfall is None else fmt(c.shortfall)}
            for k, c in _cells(report, row).items()
        },
    }


def csv_header(
    items: Sequence[tuple[str, str, Decimal]], targets: bool, extra: Sequence[str] = ()
) -> list[str]:
    """The CSV header: rank, entity, total, vetoed, result, [completion], every item,
    [group, grade]."""
    head = ["rank", "entity", "total", "vetoed", "result"]
    if targets:
        head.append("completion_percent")
    return head + [i[0] for i in items] + list(extra)


def csv_head(
    items: Sequence[tuple[str, str, Decimal]], targets: bool, extra: Sequence[str] = ()
) -> str:
    """The CSV header line (with its newline), item ids quoted and neutralised as texts."""
    out = io.StringIO()
    header = csv_header(items, targets, extra)
    csv.writer(out, lineterminator="\n").writerow(csv_text(c) for c in header)
    return out.getvalue()


def _header(report: BatchReport) -> list[str]:
    return csv_header(report.items, bool(report.targets), report.extra)


def _values(rank: int, row: Row, targets: bool, extra: Sequence[str] = ()) -> list[Any]:
    values: list[Any] = [rank, row.name, row.total, row.vetoed, row.result_label or row.result]
    if targets:
        values.append(row.share)
    return values + list(row.scores) + [getattr(row, e) for e in extra]


def _line(report: BatchReport, r: Ranked) -> list[Any]:
    return _values(r.rank, r.row, bool(report.targets), report.extra)


def csv_line(rank: int, row: Row, targets: bool, extra: Sequence[str] = ()) -> str:
    """One CSV line (with its newline) for a ranked row: decimals as plain strings.

    A text that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``,
    tab, CR first) gets a leading ``'``, as OWASP advises; numbers stay numbers.
    """
    out = io.StringIO()
    cells = [_csv_cell(v) for v in _values(rank, row, targets, extra)]
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _csv_cell(value: Any) -> Any:
    """A value as a CSV cell: a decimal in digits, a text neutralised, a count as it is."""
    if isinstance(value, Decimal):
        return fmt(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return csv_text(value) if isinstance(value, str) else value


def to_csv(report: BatchReport) -> str:
    """One row per scored entity: rank, total, result, completion, every item's score."""
    out = io.StringIO()
    out.write(csv_head(report.items, bool(report.targets), report.extra))
    for r in report.ranked:
        out.write(csv_line(r.rank, r.row, bool(report.targets), report.extra))
    return out.getvalue()


def to_xlsx(report: BatchReport) -> bytes:
    """A workbook: summary, items, departments and (with targets) the completion matrix.

    Every text (a name, a title, a department) is a text cell: never a formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    w = words(report.language)
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = w["summary"]
    summary.append(
        ["rank", "entity", "total", "vetoed", "result"]
        + (["completion_percent"] if report.targets else [])
    )
    for r in report.ranked:
        summary.append(sheet_row(_line(report, r)[: 6 if report.targets else 5]))
    summary.append([])
    summary.append([TIE_RULE.get(report.language, TIE_RULE["en"])])
    items = book.create_sheet(w["items"])
    items.append(sheet_row(_header(report)))
    items.append(
        ["", w["max"], "", "", ""] + ([""] if report.targets else []) + [i[2] for i in report.items]
    )
    for r in report.ranked:
        items.append(sheet_row(_line(report, r)))
    losses = {r.name: dict(r.row.losses or ()) for r in report.ranked}
    names = sorted({d for lost in losses.values() for d in lost})
    deps = book.create_sheet(w["departments_view"])
    deps.append(sheet_row(["entity", *names]))
    for r in report.ranked:
        deps.append(sheet_row([r.name, *(losses[r.name].get(n, Decimal(0)) for n in names)]))
    if report.targets:
        _matrix_sheet(book.create_sheet(w["target_matrix"]), report)
    for sheet in book.worksheets:
        for head in sheet[1]:
            head.font = Font(bold=True)
        for cells_of_row in sheet.iter_rows():
            for cell in cells_of_row:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "0.00"
    texts_as_text(book)
    out = io.BytesIO()
    book.save(out)
    return _stable_zip(out.getvalue())


def _matrix_sheet(matrix: Any, report: BatchReport) -> None:
    """The completion matrix: one row per entity, one column per target item."""
    matrix.append(
        sheet_row(
            ["entity", *(f"{t} {title}" for t, title in report.targets), "completion_percent"]
        )
    )
    for r in report.ranked:
        texts = [_cell_text(c, report.language) for c in r.row.cells]
        matrix.append(sheet_row([r.name, *texts, r.row.share]))


def sheet_row(values: Sequence[Any]) -> list[Any]:
    """A row for ``Worksheet.append``: each text with the characters XML cannot hold escaped.

    openpyxl refuses a cell holding ``\\x01`` (and would lose the whole
    workbook to one bad name); it is shown as the four characters ``\\x01``.
    """
    return [sheet_text(v) if isinstance(v, str) else v for v in values]


def texts_as_text(book: Any) -> None:
    """Mark every text cell of ``book`` a string, never a formula.

    openpyxl reads a text starting with ``=`` as a formula; a name such as
    ``=HYPERLINK(...)`` stays the text it is, quote-prefixed so that editing
    the cell in a spreadsheet keeps it text.
    """
    for sheet in book.worksheets:
        for cells_of_row in sheet.iter_rows():
            for cell in cells_of_row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if formula_like(cell.value):
                        cell.quotePrefix = True


def _stable_zip(data: bytes) -> bytes:
    """Rewrite a workbook with fixed timestamps, so the same report gives the same bytes."""
    import re
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2000-01-01T00:00:00Z", body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    return out.getvalue()


def to_html(report: BatchReport) -> str:
    """The ranking and the completion matrix as one self-contained HTML page."""
    w = words(report.language)
    grouped = any(r.row.group is not None for r in report.ranked)
    graded = any(r.row.grade is not None for r in report.ranked)
    rows = "".join(
        f"<tr><td>{r.rank}</td><td>{escape(r.name)}</td><td class=n>{fmt(r.row.total)}</td>"
        f"<td>{escape(_result(r))}</td>"
        + (f"<td>{escape(r.row.group or '')}</td>" if grouped else "")
        + (f"<td>{escape(r.row.grade or '')}</td>" if graded else "")
        + "</tr>"
        for r in report.ranked
    )
    extra = (f"<th>{w['group']}</th>" if grouped else "") + (
        f"<th>{w['grade']}</th>" if graded else ""
    )
    parts = [
        f"<!DOCTYPE html><html><head><meta charset=utf-8><title>{escape(report.title)}</title>",
        "<style>body{font-family:sans-serif;margin:1.5rem}table{border-collapse:collapse}"
        "td,th{border-bottom:1px solid #ccc;padding:.2rem .5rem}.n{text-align:right}</style>",
        "</head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f"<p>{escape(TIE_RULE.get(report.language, TIE_RULE['en']))}</p>",
        f"<p>{escape(GROUP_RULE.get(report.language, GROUP_RULE['en']))}</p>" if grouped else "",
        f"<table><tr><th>#</th><th>entity</th><th>{w['total']}</th><th>{w['result']}</th>"
        f"{extra}</tr>",
        f"{rows}</table>",
    ]
    if report.targets:
        head = "".join(f"<th title='{escape(t)}'>{escape(k)}</th>" for k, t in report.targets)
        body = ""
        for r in report.ranked:
            cells, share = _cells(report, r.row), r.row.share
            body += (
                f"<tr><td>{escape(r.name)}</td>"
                + "".join(
                    f"<td>{escape(_cell_text(cells[k], report.language))}</td>"
                    for k, _ in report.targets
                )
                + f"<td class=n>{_share(share)}</td></tr>"
            )
        parts.append(
            f"<h2>{w['target_matrix']}</h2><table><tr><th></th>{head}<th>%</th></tr>{body}</table>"
        )
    footer = f"{w['rules']} sha256 {report.rules_sha256} · qualscore {report.engine_version}"
    parts.append(f"<footer>{footer}</footer>")
    return "".join(parts) + "</body></html>\n"


def render_terminal(report: BatchReport, console: Console) -> None:
    """The ranking and, with targets, the completion matrix."""
    w = words(report.language)
    table = Table(title=plain(report.title), box=box.SIMPLE_HEAD, show_edge=False)
    for name, justify in (
        ("#", "right"),
        ("entity", "left"),
        (w["total"], "right"),
        (w["result"], "left"),
    ):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    if report.targets:
        table.add_column("%", justify="right", no_wrap=True)
    grouped = any(r.row.group is not None for r in report.ranked)
    graded = any(r.row.grade is not None for r in report.ranked)
    if grouped:
        table.add_column(w["group"], no_wrap=True)
    if graded:
        table.add_column(w["grade"], no_wrap=True)
    for r in report.ranked:
        line = [plain(str(r.rank)), plain(r.name), plain(fmt(r.row.total)), plain(_result(r))]
        if report.targets:
            line.append(plain(_share(r.row.share)))
        if grouped:
            line.append(plain(r.row.group or ""))
        if graded:
            line.append(plain(r.row.grade or ""))
        table.add_row(*line)
    console.print(table)
    console.print(plain(TIE_RULE.get(report.language, TIE_RULE["en"]), style="dim"))
    if grouped:
        console.print(plain(GROUP_RULE.get(report.language, GROUP_RULE["en"]), style="dim"))
    if report.targets:
        _render_matrix(report, console)


def _render_matrix(report: BatchReport, console: Console) -> None:
    w = words(report.language)
    matrix = Table(title=w["target_matrix"], box=box.SIMPLE_HEAD, show_edge=False)
    matrix.add_column("entity", no_wrap=True)
    for key, _ in report.targets:
        matrix.add_column(plain(key), justify="center", no_wrap=True, min_width=2)
    misses = []
    titles = dict(report.targets)
    for r in report.ranked:
        cells = _cells(report, r.row)
        matrix.add_row(
            plain(r.name),
            *({"met": "✓", "na": "—"}.get(cells[k].state, "✗") for k, _ in report.targets),
        )
        misses += [
            f"{r.name} {k} {titles[k]}: {_cell_text(c, report.language)}"
            for k, c in cells.items()
            if c.state == "missed"
        ]
    console.print(matrix)
    console.print(plain(f"✓ {w['target_met']} · ✗ {w['target_missed']} · — {w['na']}", "dim"))
    for line in misses:
        console.print(plain(line))
