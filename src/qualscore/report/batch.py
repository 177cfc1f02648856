"""Batch outputs: the ranking, the item scores, departments and the target matrix.

One :class:`BatchReport` is built from the outcomes; each writer lays it out
as JSON, CSV, XLSX, HTML or rich tables. Every writer is deterministic.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from qualscore._version import __version__
from qualscore.batch.runner import (
    Cell,
    Outcome,
    Ranked,
    Row,
    ranking,
)
from qualscore.errors import QualscoreError
from qualscore.report.safe import (
    csv_text,
    formula_like,
    plain,
    sheet_text,
)
from qualscore.ruleset.loader import RuleSet
from qualscore.scoring.cohort import CohortSummary
from qualscore.scoring.words import cohort_number, fmt, result_word, words

__all__ = [
    "XLSX_CELL",
    "XLSX_COLUMNS",
    "XLSX_LIMITS",
    "XLSX_ROWS",
    "XLSX_SHEET_NAME",
    "BatchReport",
    "CsvLine",
    "XlsxLimitError",
    "XlsxLimits",
    "build",
    "render_terminal",
    "to_csv",
    "to_html",
    "to_json",
    "to_xlsx",
    "xlsx_pages",
    "xlsx_plan",
    "xlsx_sheet_names",
]

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
    previous: dict[str, tuple[Decimal, int]] | None = None
    """With ``--compare``: each entity's total and rank last time."""
    cohort: tuple[CohortSummary, ...] = ()
    """The cohort values: over which entities each was computed, its value there."""
    places: tuple[tuple[str, int | None], ...] = ()
    """Each cohort value's declared places, by key: what its value is shown to."""
    ruleset_id: str = ""
    year: int | None = None
    """The scheme's id and year, for ``--compare`` to know whose batch it reads."""

    def then(self, r: Ranked) -> tuple[str, str, str]:
        """Last time's total, the total's change, last time's rank (``—`` when unknown)."""
        from qualscore.report.compare import signed

        found = (self.previous or {}).get(r.name)
        if found is None:
            return "—", "—", "—"
        return fmt(found[0]), signed(r.row.total - found[0]), str(found[1])


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
    ruleset: RuleSet,
    outcomes: Sequence[Outcome],
    targets: Sequence[str],
    language: str,
    previous: dict[str, tuple[Decimal, int]] | None = None,
    cohort: Sequence[CohortSummary] = (),
) -> BatchReport:
    """Gather the ranking and the failures from the outcomes (and the cohort values)."""
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
        previous=previous,
        cohort=tuple(cohort),
        places=tuple((c.key, c.places) for c in ruleset.cohort),
        ruleset_id=ruleset.id,
        year=ruleset.manifest.year,
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


def _result(r: Ranked, language: str) -> str:
    return result_word(r.row.result_label, r.row.vetoed, language)


def to_json(report: BatchReport) -> str:
    """The batch as one JSON document."""
    doc: dict[str, Any] = {
        "ruleset": {
            **({"id": report.ruleset_id} if report.ruleset_id else {}),
            "title": report.title,
            **({"year": report.year} if report.year is not None else {}),
            "rules_sha256": report.rules_sha256,
        },
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
                **_previous_json(report, r),
                **({"cohort": dict(_exact(r.row.cohort))} if r.row.cohort else {}),
            }
            for r in report.ranked
        ],
        "failed": [
            {"entity": o.entity.name, "source": o.entity.source, "problems": list(o.problems)}
            for o in report.failures
        ],
    }
    if report.cohort:
        doc["cohort"] = [
            {
                "key": s.key, "label": s.label, "stat": s.stat, "scope": s.scope,
                "value": None if s.value is None else format(s.value, "f"),
                "shown": None if s.value is None else _cohort_value(report, s),
                "leaders": list(s.leaders), "entities": list(s.entities),
            }
            for s in report.cohort
        ]  # fmt: skip
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _exact(values: Sequence[tuple[str, Decimal]]) -> list[tuple[str, str]]:
    """Cohort values exactly as computed, their places kept (``40.8``, ``0.6667``)."""
    return [(k, format(v, "f")) for k, v in values]


def _previous_json(report: BatchReport, r: Ranked) -> dict[str, Any]:
    if report.previous is None:
        return {}
    found = report.previous.get(r.name)
    if found is None:
        return {"previous": None}
    return {
        "previous": {
            "total": fmt(found[0]),
            "rank": found[1],
            "total_change": fmt(r.row.total - found[0]),
            "rank_change": found[1] - r.rank,
        }
    }


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


@dataclass(frozen=True)
class CsvLine:
    """A row's CSV line without its rank, as bytes: what a batch's worker processes write
    for each entity before the ranking is known (picklable, to be sent to them)."""

    targets: bool
    extra: tuple[str, ...] = ()

    def __call__(self, row: Row) -> bytes:
        """The line of ``row``, as :func:`csv_line` writes it, less its leading ``rank,``."""
        return csv_line(0, row, self.targets, self.extra).encode("utf-8")[2:]


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


XLSX_ROWS = 1_048_576
"""Rows of one XLSX worksheet (Excel's specifications and limits)."""
XLSX_COLUMNS = 16_384
"""Columns of one worksheet (A to XFD)."""
XLSX_CELL = 32_767
"""Characters of one cell."""
XLSX_SHEET_NAME = 31
"""Characters of a sheet's name, which holds none of ``[]:*?/\\``."""
_SHEET_NAME_FORBIDDEN = frozenset("[]:*?/\\")


@dataclass(frozen=True)
class XlsxLimits:
    """What one worksheet holds: the real limits, or smaller ones in a test."""

    rows: int = XLSX_ROWS
    columns: int = XLSX_COLUMNS
    cell: int = XLSX_CELL


XLSX_LIMITS = XlsxLimits()
"""The limits a workbook is held to when none are given (a test may set smaller ones)."""


class XlsxLimitError(QualscoreError):
    """The batch does not fit in an XLSX workbook as laid out (a row too wide, a text too
    long): told before any of the workbook is built."""


@dataclass(frozen=True)
class _Table:
    """One table of the workbook: header rows, a body that may run over several sheets
    (the header repeated on each), and last rows on the last sheet (after its filter)."""

    title: str
    head: list[list[Any]]
    body: Callable[[], Iterator[list[Any]]]
    tail: list[list[Any]] = field(default_factory=list)
    finish: dict[str, Any] = field(default_factory=dict)


def to_xlsx(
    report: BatchReport, today: str | None = None, *, limits: XlsxLimits | None = None
) -> bytes:
    """A workbook ready to send: summary, items, explanations, departments, targets,
    entities not scored and what the workbook is (metadata).

    Headers are in the report's language; every sheet has its header frozen, an
    autofilter, column widths that fit, and prints landscape, fit to the page
    width, with the header repeated. Percentages are percentages. Every text
    (a name, a title, a department) is a text cell: never a formula.

    A table longer than a sheet holds goes on over further sheets, named
    ``TITLE (2)``, ``TITLE (3)``... (:func:`xlsx_plan`), its header repeated;
    a failure's reasons longer than a cell holds go on over further rows.

    Raises:
        XlsxLimitError: a row wider or a text longer than a sheet or a cell holds,
            found before the workbook is built.
    """
    from openpyxl import Workbook

    chosen = limits or XLSX_LIMITS
    tables = _tables(report, today, chosen)
    layout = _layout(tables, chosen)  # every limit checked before the workbook is begun
    book = Workbook()
    made = 0
    for table, sheets in zip(tables, layout, strict=True):
        rows = table.body()
        for name, take in sheets:
            sheet: Any = book.active if made == 0 else book.create_sheet(name)
            made += 1
            sheet.title = name
            for line in table.head:
                sheet.append(line)
            for _ in range(take):
                sheet.append(next(rows))
            _finish(sheet, **table.finish)
        for line in table.tail:  # on the last sheet, below its filter
            sheet.append(line)
    texts_as_text(book)
    out = io.BytesIO()
    book.save(out)
    return stable_zip(out.getvalue())


def xlsx_plan(report: BatchReport, limits: XlsxLimits | None = None) -> list[tuple[str, int]]:
    """The sheets :func:`to_xlsx` makes of ``report``, each with its number of rows, worked
    out without building the workbook.

    Raises:
        XlsxLimitError: a row wider or a text longer than a sheet or a cell holds.
    """
    chosen = limits or XLSX_LIMITS
    tables = _tables(report, None, chosen)
    return [
        (name, len(t.head) + take + (len(t.tail) if i == len(sheets) - 1 else 0))
        for t, sheets in zip(tables, _layout(tables, chosen), strict=True)
        for i, (name, take) in enumerate(sheets)
    ]


def xlsx_pages(body: int, *, head: int, tail: int = 0, rows: int = XLSX_ROWS) -> list[int]:
    """How many body rows each sheet of a table holds: all on one sheet when they fit
    with the ``head`` rows (and the ``tail`` rows, which end the last sheet), else as many
    as fit on each sheet, the head repeated on every one."""
    room = rows - head
    if room < 1 or tail > room:
        raise XlsxLimitError(f"a sheet of {rows:,} rows holds no rows after its header")
    count = max(1, -(-(body + tail) // room))
    return [max(0, min(room, body - i * room)) for i in range(count)]


def xlsx_sheet_names(title: str, count: int) -> list[str]:
    """``title``, then ``title (2)``, ``title (3)``...: each within 31 characters (the title
    cut, never the number), with none of the characters a sheet name cannot hold.

    Raises:
        XlsxLimitError: ``title`` holds a character a sheet name cannot.
    """
    bad = sorted(set(title) & _SHEET_NAME_FORBIDDEN)
    if bad or not title.strip() or title.startswith("'") or title.endswith("'"):
        raise XlsxLimitError(f"{title!r} cannot name a sheet")
    names = []
    for n in range(1, count + 1):
        suffix = "" if n == 1 else f" ({n})"
        names.append(title[: XLSX_SHEET_NAME - len(suffix)] + suffix)
    return names


def _layout(tables: Sequence[_Table], limits: XlsxLimits) -> list[list[tuple[str, int]]]:
    """Each table's sheets, named, with how many body rows each holds; every row's width
    and every text's length checked on the way.

    Raises:
        XlsxLimitError: a row wider or a text longer than a sheet or a cell holds.
    """
    layout = []
    for table in tables:
        for line in [*table.head, *table.tail]:
            _check_row(line, table.title, limits)
        count = 0
        for line in table.body():
            count += 1
            _check_row(line, table.title, limits)
        pages = xlsx_pages(count, head=len(table.head), tail=len(table.tail), rows=limits.rows)
        layout.append(list(zip(xlsx_sheet_names(table.title, len(pages)), pages, strict=True)))
    return layout


def _check_row(line: Sequence[Any], title: str, limits: XlsxLimits) -> None:
    """Raises: XlsxLimitError: the row is wider, or a text in it longer, than XLSX holds."""
    if len(line) > limits.columns:
        raise XlsxLimitError(
            f"sheet {title!r} would need {len(line):,} columns; an XLSX sheet holds "
            f"{limits.columns:,}: write .json or .csv instead"
        )
    for value in line:
        if isinstance(value, str) and len(value) > limits.cell:
            raise XlsxLimitError(
                f"sheet {title!r}: a text of {len(value):,} characters ({value[:40]!r}…); "
                f"an XLSX cell holds {limits.cell:,}: write .json or .csv instead"
            )


def _tables(report: BatchReport, today: str | None, limits: XlsxLimits) -> list[_Table]:
    """Every table of the workbook, in its order; rows as :func:`sheet_row` makes them."""
    w = words(report.language)
    head = [w["rank"], w["entity"], w["total"], w["veto"], w["result"]]
    if report.targets:
        head.append(w["completion"])
    base = len(head)
    titles = {i[0]: i for i in report.items}
    losses = {r.name: dict(r.row.losses or ()) for r in report.ranked}
    names = sorted({d for lost in losses.values() for d in lost})

    def summary() -> Iterator[list[Any]]:
        for r in report.ranked:
            line = _xlsx_line(report, r, w)[:base]
            if report.previous is not None:
                found = report.previous.get(r.name)
                line += (
                    [found[0], r.row.total - found[0], found[1]] if found else [None, None, None]
                )
            yield sheet_row(line)

    def notes() -> Iterator[list[Any]]:
        for r in report.ranked:
            for (item_id, text, lost), score in zip(r.row.notes or (), r.row.scores, strict=False):
                _id, title, points = titles[item_id]
                shown: Any = w["na"] if lost is None else ("" if item_id == "bonus" else lost)
                yield sheet_row([r.name, item_id, title, points, score, shown, text])

    then = [w["previous"], w["change"], f"{w['previous']}{w['rank']}"]
    tables = [
        _Table(w["summary"], [[*head, *(then if report.previous is not None else [])]], summary,
               [[], [TIE_RULE.get(report.language, TIE_RULE["en"])]],
               {"header_rows": 1, "frozen": "C2", "numbers": 2}),
        _Table(w["item_table"], [
            sheet_row([*head, *(i[0] for i in report.items)]),
            sheet_row([""] * len(head) + [i[1] for i in report.items]),
            sheet_row([""] * (len(head) - 1) + [w["max"]] + [i[2] for i in report.items]),
        ], lambda: (sheet_row([*_xlsx_line(report, r, w), *r.row.scores]) for r in report.ranked),
            finish={"header_rows": 3, "frozen": f"{_column(len(head) + 1)}4", "numbers": 2,
                    "title_row": 2}),
        _Table(w["explanations"], [[w["entity"], w["item"], w["title"], w["max"], w["score"],
                                    w["lost"], w["explanation"]]], notes,
               finish={"header_rows": 1, "frozen": "C2", "numbers": 2, "wrap": (3, 7)}),
        _Table(w["departments_view"], [sheet_row([w["entity"], *names])], lambda: (
            sheet_row([r.name, *(losses[r.name].get(n, Decimal(0)) for n in names)])
            for r in report.ranked
        ), finish={"header_rows": 1, "frozen": "B2", "numbers": 2, "wrap_header": True}),
    ]  # fmt: skip
    if report.targets:
        tables.append(_matrix_table(report))
    tables.append(_Table(
        w["failed"], [[w["entity"], w["source"], w["reason"]]],
        lambda: (line for o in report.failures for line in _failure_rows(o, limits.cell)),
        finish={"header_rows": 1, "frozen": "A2", "numbers": 2, "wrap": (3,)},
    ))  # fmt: skip
    tables.append(_meta_table(report, today))
    return tables


def _failure_rows(o: Outcome, cell: int) -> Iterator[list[Any]]:
    """An entity not scored: its reasons in one cell, or over as many rows as a cell's
    length needs (whole reasons to a row where they fit), never cut short."""
    reasons = [sheet_text(p) for p in o.problems] or [""]
    chunk: list[str] = []
    for reason in reasons:
        pieces = [reason[i : i + cell] for i in range(0, len(reason), cell)] or [""]
        for piece in pieces:
            if chunk and len("\n".join([*chunk, piece])) > cell:
                yield sheet_row([o.entity.name, o.entity.source, "\n".join(chunk)])
                chunk = []
            chunk.append(piece)
    yield sheet_row([o.entity.name, o.entity.source, "\n".join(chunk)])


def _matrix_table(report: BatchReport) -> _Table:
    """The completion matrix: one row per entity, one column per target item."""
    w = words(report.language)

    def body() -> Iterator[list[Any]]:
        for r in report.ranked:
            texts = [_cell_text(c, report.language) for c in r.row.cells]
            share = None if r.row.share is None else _Percent(r.row.share / 100)
            yield sheet_row([r.name, *texts, share])

    head = [w["entity"], *(f"{t} {title}" for t, title in report.targets), w["completion"]]
    return _Table(w["target_matrix"], [sheet_row(head)], body, finish={
        "header_rows": 1, "frozen": "B2", "numbers": 2, "wrap_header": True,
    })  # fmt: skip


def _meta_table(report: BatchReport, today: str | None) -> _Table:
    """What the workbook is: the scheme, its rules' hash, the engine, the date, the counts."""
    w = words(report.language)
    rows = [
        (w["scheme"], report.title),
        (w["rules"] + " sha256", report.rules_sha256),
        ("qualscore", report.engine_version),
        (w["date"], today or ""),
        (w["entity"], str(len(report.ranked))),
        (w["failed"], str(len(report.failures))),
        (w["rank"], TIE_RULE.get(report.language, TIE_RULE["en"])),
        *((s.label, text) for s, text in zip(report.cohort, cohort_lines(report), strict=True)),
    ]

    def body() -> Iterator[list[Any]]:
        for key, value in rows:
            yield sheet_row([key, value])

    finish = {"header_rows": 1, "frozen": "A2", "numbers": 2, "wrap": (2,)}
    return _Table(w["metadata"], [[w["metadata"], w["value"]]], body, finish=finish)


def _xlsx_line(report: BatchReport, r: Ranked, w: dict[str, str]) -> list[Any]:
    """Rank, entity, total, veto (yes/no), result in words, completion as a fraction."""
    row = r.row
    line: list[Any] = [
        r.rank,
        row.name,
        row.total,
        w["yes"] if row.vetoed else w["no"],
        result_word(row.result_label, row.vetoed, report.language),
    ]
    if report.targets:
        line.append(None if row.share is None else _Percent(row.share / 100))
    return line


class _Percent(Decimal):
    """A share to show as a percentage (``0.9231`` shows as 92.31%)."""


def _column(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _shown_width(value: Any) -> int:
    text = fmt(value) if isinstance(value, Decimal) else str(value if value is not None else "")
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in longest)


def _finish(
    sheet: Any,
    *,
    header_rows: int,
    frozen: str,
    numbers: int,
    wrap: tuple[int, ...] = (),
    title_row: int | None = None,
    wrap_header: bool = False,
) -> None:
    """Header bold and frozen, autofilter, widths, number formats, print settings."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.properties import PageSetupProperties

    fill = PatternFill("solid", fgColor="E8EDF2")
    for row in sheet.iter_rows(min_row=1, max_row=header_rows):
        for cell in row:
            cell.font = Font(bold=True)
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=wrap_header or row[0].row == title_row,
                                       vertical="top")  # fmt: skip
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            if isinstance(cell.value, _Percent):
                cell.number_format = "0.00%"
            elif isinstance(cell.value, Decimal):
                cell.number_format = "0." + "0" * numbers
            if cell.column in wrap and cell.row > header_rows:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.row == title_row or (wrap_header and cell.row <= header_rows):
                continue
            widths[cell.column] = max(widths.get(cell.column, 0), _shown_width(cell.value))
    for column, width in widths.items():
        most = 60 if column in wrap else 40
        sheet.column_dimensions[_column(column)].width = max(6, min(width + 2, most))
    if title_row is not None:
        sheet.row_dimensions[title_row].height = 60
    sheet.freeze_panes = frozen
    if sheet.max_row > header_rows:
        sheet.auto_filter.ref = (
            f"A{header_rows}:{_column(sheet.max_column)}{sheet.max_row}"
        )
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = f"1:{header_rows}"


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


def stable_zip(data: bytes) -> bytes:
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
    """The ranking, the completion matrix and the entities not scored, styled like the report."""
    from qualscore.report.html import CSS

    w = words(report.language)
    grouped = any(r.row.group is not None for r in report.ranked)
    graded = any(r.row.grade is not None for r in report.ranked)
    lang = "zh-CN" if report.language == "zh" else "en"
    targets = bool(report.targets)
    head = (
        f'<th class="n">{w["rank"]}</th><th>{w["entity"]}</th><th class="n">{w["total"]}</th>'
        f"<th>{w['result']}</th>" + (f'<th class="n">{w["completion"]}</th>' if targets else "")
        + (f"<th>{w['group']}</th>" if grouped else "")
        + (f"<th>{w['grade']}</th>" if graded else "")
        + (
            f'<th class="n">{w["previous"]}</th><th class="n">{w["change"]}</th>'
            f'<th class="n">{w["previous"]}{w["rank"]}</th>'
            if report.previous is not None
            else ""
        )
    )
    rows = "".join(
        f'<tr><td class="n">{r.rank}</td><td>{escape(r.name)}</td>'
        f'<td class="n">{fmt(r.row.total)}</td><td>{escape(_result(r, report.language))}</td>'
        + (f'<td class="n">{_share(r.row.share)}</td>' if targets else "")
        + (f"<td>{escape(r.row.group or '')}</td>" if grouped else "")
        + (f"<td>{escape(r.row.grade or '')}</td>" if graded else "")
        + (
            "".join(f'<td class="n">{escape(x)}</td>' for x in report.then(r))
            if report.previous is not None
            else ""
        )
        + "</tr>"
        for r in report.ranked
    )
    parts = [
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(report.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="muted">{escape(TIE_RULE.get(report.language, TIE_RULE["en"]))}</p>',
        (
            f'<p class="muted">{escape(GROUP_RULE.get(report.language, GROUP_RULE["en"]))}</p>'
            if grouped
            else ""
        ),
        f"<h2>{w['summary']}</h2>",
        f'<table class="ranking"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>',
        *(f'<p class="muted">{escape(text)}</p>' for text in cohort_lines(report)),
    ]
    if targets:
        cols = "".join(
            f'<th title="{escape(t)}">{escape(k)}</th>' for k, t in report.targets
        )
        body = ""
        for r in report.ranked:
            cells, share = _cells(report, r.row), r.row.share
            body += (
                f"<tr><td>{escape(r.name)}</td>"
                + "".join(
                    f"<td>{escape(_cell_text(cells[k], report.language))}</td>"
                    for k, _ in report.targets
                )
                + f'<td class="n">{_share(share)}</td></tr>'
            )
        legend = "".join(
            f"<li>{escape(k)} {escape(t)}</li>" for k, t in report.targets
        )
        parts.append(
            f"<h2>{w['target_matrix']}</h2><div style=\"overflow-x:auto\"><table class=\"matrix\">"
            f'<thead><tr><th>{w["entity"]}</th>{cols}<th class="n">{w["completion"]}</th></tr>'
            f"</thead><tbody>{body}</tbody></table></div>"
            f'<p class="muted">✓ {w["target_met"]} · ✗ {w["target_missed"]} · — {w["na"]}</p>'
            f'<ol class="muted">{legend}</ol>'
        )
    if report.failures:
        failed = "".join(
            f"<tr><td>{escape(o.entity.name)}</td><td>{escape(o.entity.source)}</td>"
            f"<td>{'<br>'.join(escape(p) for p in o.problems)}</td></tr>"
            for o in report.failures
        )
        parts.append(
            f"<h2>{w['failed']}</h2><table><thead><tr><th>{w['entity']}</th>"
            f"<th>{w['source']}</th><th>{w['reason']}</th></tr></thead><tbody>{failed}"
            "</tbody></table>"
        )
    footer = f"{w['rules']} sha256 {report.rules_sha256} · qualscore {report.engine_version}"
    parts.append(f"<footer>{footer}</footer>")
    return "\n".join(parts) + "\n</body>\n</html>\n"


def render_terminal(report: BatchReport, console: Console) -> None:
    """The ranking and, with targets, the completion matrix."""
    w = words(report.language)
    table = Table(title=plain(report.title), box=box.SIMPLE_HEAD, show_edge=False)
    for name, justify in (
        ("#", "right"),
        (w["entity"], "left"),
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
    if report.previous is not None:
        for name in ("previous", "change", "rank"):
            label = w[name] if name != "rank" else f"{w['previous']}{w['rank']}"
            table.add_column(label, justify="right", no_wrap=True)
    for r in report.ranked:
        line = [plain(str(r.rank)), plain(r.name), plain(fmt(r.row.total))]
        line.append(plain(_result(r, report.language)))
        if report.targets:
            line.append(plain(_share(r.row.share)))
        if grouped:
            line.append(plain(r.row.group or ""))
        if graded:
            line.append(plain(r.row.grade or ""))
        if report.previous is not None:
            line.extend(plain(x) for x in report.then(r))
        table.add_row(*line)
    console.print(table)
    console.print(plain(TIE_RULE.get(report.language, TIE_RULE["en"]), style="dim"))
    if grouped:
        console.print(plain(GROUP_RULE.get(report.language, GROUP_RULE["en"]), style="dim"))
    for head, who in _cohort_parts(report):  # the names apart: a narrow terminal folds them
        console.print(plain(head), style="dim")
        console.print(plain(f"  {who}"), style="dim")
    if report.targets:
        _render_matrix(report, console)


def cohort_lines(report: BatchReport) -> list[str]:
    """Each cohort value: over which entities (and which scope) it was computed."""
    sep = "：" if report.language == "zh" else ": "
    return [f"{head}{sep}{who}" for head, who in _cohort_parts(report)]


def _cohort_parts(report: BatchReport) -> list[tuple[str, str]]:
    """Each cohort value's line in two: what it is (and its value), then the entities."""
    zh = report.language == "zh"
    out = []
    for s in report.cohort:
        names = list(s.entities[:12]) + (["…"] if len(s.entities) > 12 else [])
        who = ("、" if zh else ", ").join(names)
        scope = "" if s.scope == "all" else (f"（{s.scope}）" if zh else f" ({s.scope})")
        value = ""
        if s.value is not None and s.stat in ("mean", "median", "max", "min", "count"):
            value = f" {_cohort_value(report, s)}"
        if zh:
            out.append((f"{s.label}{scope}{value}，按 {len(s.entities)} 个单位计算", who))
        else:
            out.append((f"{s.label}{scope}{value}, computed from {len(s.entities)}", who))
    return out


def _cohort_value(report: BatchReport, s: CohortSummary) -> str:
    """A summary's value as shown: a mean or median to its declared places, ``≈`` when
    rounded (:func:`~qualscore.scoring.words.cohort_number`); the JSON keeps it exact."""
    places = dict(report.places).get(s.key) if s.stat in ("mean", "median") else None
    return cohort_number(s.value, places) if s.value is not None else "—"


def _render_matrix(report: BatchReport, console: Console) -> None:
    """The matrix, in as many tables as the width needs: no target column is ever dropped."""
    w = words(report.language)
    name_width = max((cell_len(r.name) for r in report.ranked), default=6) + 3
    col_width = max((cell_len(k) for k, _ in report.targets), default=1) + 3
    per_table = max(1, (console.width - name_width) // max(col_width, 4))
    keys = [k for k, _ in report.targets]
    chunks = [keys[i : i + per_table] for i in range(0, len(keys), per_table)] or [[]]
    misses = []
    titles = dict(report.targets)
    sep = "：" if report.language == "zh" else ": "
    for r in report.ranked:
        cells = _cells(report, r.row)
        misses += [
            f"{r.name} {k} {titles[k]}{sep}{_cell_text(c, report.language)}"
            for k, c in cells.items()
            if c.state == "missed"
        ]
    for chunk in chunks:
        title = w["target_matrix"]
        if len(chunks) > 1:
            title += f"（{chunk[0]}–{chunk[-1]}）" if report.language == "zh" else (
                f" ({chunk[0]}–{chunk[-1]})"
            )
        matrix = Table(title=plain(title), box=box.SIMPLE_HEAD, show_edge=False)
        matrix.add_column(w["entity"], no_wrap=True)
        for key in chunk:
            matrix.add_column(plain(key), justify="center", no_wrap=True, min_width=2)
        for r in report.ranked:
            cells = _cells(report, r.row)
            matrix.add_row(
                plain(r.name),
                *({"met": "✓", "na": "—"}.get(cells[k].state, "✗") for k in chunk),
            )
        console.print(matrix)
    console.print(plain(f"✓ {w['target_met']} · ✗ {w['target_missed']} · — {w['na']}", "dim"))
    for line in misses:
        console.print(plain(line))
