"""Batch outputs: the ranking, the item scores, departments and the target matrix.

One :class:`BatchReport` is built from the outcomes; each writer lays it out
as JSON, CSV, XLSX, HTML or rich tables. Every writer is deterministic. The
XLSX workbook, streamed, is :mod:`qualscore.report.batch_xlsx`'s (what a
workbook holds, :mod:`qualscore.report.xlsx`'s): here it is held to
:data:`XLSX_LIMITS`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Literal, NamedTuple

from markupsafe import Markup
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
from qualscore.catalogue import say
from qualscore.report.batch_compare import (
    compare_notes,
    compare_view,
    history_json,
    render_item_changes,
    then_columns,
    trend_json,
)
from qualscore.report.compare import ItemText
from qualscore.report.history import ItemChange, Year, item_texts
from qualscore.report.safe import csv_text, plain
from qualscore.report.xlsx import (
    XLSX_CELL,
    XLSX_COLUMNS,
    XLSX_LIMITS,
    XLSX_ROWS,
    XLSX_SHEET_NAME,
    XlsxLimitError,
    XlsxLimits,
    xlsx_pages,
    xlsx_sheet_names,
)

# Where the facts template's writer has long found them (qualscore.report.xlsx holds them).
from qualscore.report.xlsx import sheet_row as sheet_row
from qualscore.report.xlsx import stable_zip as stable_zip
from qualscore.report.xlsx import texts_as_text as texts_as_text
from qualscore.ruleset.loader import RuleSet
from qualscore.ruleset.model import ROUNDED
from qualscore.scoring.cohort import CohortSummary
from qualscore.scoring.plan import possible
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
    "category_columns",
    "cell_text",
    "cohort_lines",
    "order_rule",
    "render_terminal",
    "to_csv",
    "to_html",
    "to_json",
    "to_xlsx",
    "write_xlsx",
    "xlsx_pages",
    "xlsx_plan",
    "xlsx_sheet_names",
]

def order_rule(report: BatchReport) -> str:
    """How the batch is ordered, in the report's language (a scheme judged only, 达标制,
    where every total is 0, by name)."""
    return say(report.language, "batch_tie_rule" if report.points else "batch_judged_rule")


@dataclass(frozen=True)
class BatchReport:
    """Everything the batch writers show."""

    title: str
    language: str
    rules_sha256: str
    engine_version: str
    items: tuple[tuple[str, str, Decimal | None], ...]
    ranked: Sequence[Ranked]
    """The scored entities, ranked: a tuple, or rows read from disk one at a time
    (:class:`~qualscore.batch.spill.Ranking`)."""
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
    no_loss: frozenset[str] = frozenset()
    """The items whose unearned points are no loss: the scheme's bonus, a bonus section's,
    and an item with no cap (``points: none``) outside a penalty section."""
    points: bool = True
    """False for a scheme judged only (达标制, :attr:`Result.has_points`): the terminal and
    HTML show no total and no rank (the tables and JSON keep their columns, total 0)."""
    texts: tuple[ItemText, ...] = ()
    """Each item's id, title, content and criteria: what a later batch's ``--compare``
    matches a renumbered item by (the JSON's ``rule_items``)."""
    history: tuple[Year, ...] = ()
    """With ``--compare``: each previous batch, oldest first (the last is ``previous``)."""
    links: Mapping[str, str] | None = None
    """Each entity's report, written alongside: a relative URL, percent-encoded."""
    categories: tuple[tuple[str, str, Decimal | None], ...] = ()
    """Each category's id, title and points, in order: the columns of each entity's
    category scores (:attr:`Row.categories`)."""

    def earlier(self, r: Ranked) -> list[str]:
        """The entity's total in each year compared before last time (``—``: none then)."""
        return [_total_then(y, r.name) for y in self.history[:-1]]

    def items_then(self, r: Ranked) -> list[ItemChange] | None:
        """Each item last time and now (:meth:`Year.items_of`); None: not ranked then."""
        last = self.history[-1] if self.history else None
        if last is None or r.name not in last.entities:
            return None
        now = zip((i[0] for i in self.items), r.row.scores, strict=True)
        return last.items_of(r.name, now)

    def then(self, r: Ranked) -> tuple[str, str, str]:
        """Last time's total, the total's change, last time's rank (``—`` when unknown)."""
        from qualscore.report.compare import signed

        found = (self.previous or {}).get(r.name)
        if found is None:
            return "—", "—", "—"
        return fmt(found[0]), signed(r.row.total - found[0]), str(found[1])


def _total_then(year: Year, name: str) -> str:
    found = year.entities.get(name)
    return "—" if found is None else fmt(found[0])


def category_columns(ruleset: RuleSet) -> tuple[tuple[str, str, Decimal | None], ...]:
    """Each category's id, title and points, then the scheme's bonus (``bonus``)."""
    found = tuple((c.id, c.title, c.points) for c in ruleset.categories)
    bonus = ruleset.manifest.bonus
    return (*found, ("bonus", bonus.title, bonus.points)) if bonus is not None else found


def item_columns(ruleset: RuleSet) -> tuple[tuple[str, str, Decimal | None], ...]:
    """(id, title, points) of every item, the bonus last: the order of a row's scores
    (points None: ``points: none``, no cap)."""
    items = tuple((i.id, i.title, i.points) for i in ruleset.items())
    if ruleset.manifest.bonus is not None:
        items += (("bonus", ruleset.manifest.bonus.title, ruleset.manifest.bonus.points),)
    return items


def extra_columns(ruleset: RuleSet) -> tuple[str, ...]:
    """``group`` and ``grade``, for a scheme that declares entity groups and grades;
    ``verdict`` and ``not_met`` for one that gives itself and its nodes verdicts."""
    manifest = ruleset.manifest
    graded = bool(manifest.grades) or any(v.grade is not None for v in manifest.vetoes)
    judged = ruleset.graph.verdicts
    return (
        (("group",) if manifest.groups else ())
        + (("grade",) if graded else ())
        + (("verdict",) if manifest.verdict is not None else ())
        + (("not_met",) if judged - {""} else ())
    )


def build(
    ruleset: RuleSet,
    outcomes: Sequence[Outcome],
    targets: Sequence[str],
    language: str,
    previous: dict[str, tuple[Decimal, int]] | None = None,
    cohort: Sequence[CohortSummary] = (),
    *,
    ranked: Sequence[Ranked] | None = None,
    history: Sequence[Year] = (),
    links: Mapping[str, str] | None = None,
) -> BatchReport:
    """Gather the ranking and the failures from the outcomes (and the cohort values).

    ``ranked``: the scored rows ranked already, kept apart from ``outcomes``
    (:class:`~qualscore.batch.spill.RowFile`); the outcomes then give the failures only.
    ``history``: the previous batches, oldest first (``previous`` is then the last's);
    ``links``: each entity's report's relative URL.
    """
    if history and previous is None:
        previous = {n: (t, rank) for n, (t, rank, _) in history[-1].entities.items()}
    titles = {i.id: i.title for i in ruleset.items()}
    items = item_columns(ruleset)
    if ranked is None:
        ranked = tuple(ranking(o.row for o in outcomes if o.row is not None))
    return BatchReport(
        title=ruleset.manifest.title,
        language=language,
        rules_sha256=ruleset.sha256,
        engine_version=__version__,
        items=items,
        ranked=ranked,
        targets=tuple((t, titles[t]) for t in targets),
        failures=tuple(o for o in outcomes if o.row is None),
        extra=extra_columns(ruleset),
        categories=category_columns(ruleset),
        previous=previous,
        cohort=tuple(cohort),
        places=tuple((c.key, c.places) for c in ruleset.cohort),
        ruleset_id=ruleset.id,
        year=ruleset.manifest.year,
        no_loss=frozenset(
            i
            for i, _, points in items
            if i == "bonus"
            or ruleset.role(i) == "bonus"
            or (points is None and ruleset.role(i) != "penalty")
        ),
        points=possible(ruleset) != 0
        or (ruleset.manifest.verdict is None and not ruleset.graph.verdicts),
        texts=item_texts(ruleset),
        history=tuple(history),
        links=links,
    )


def _cells(report: BatchReport, row: Row) -> dict[str, Cell]:
    return {key: cell for (key, _), cell in zip(report.targets, row.cells, strict=True)}


def cell_text(cell: Cell, language: str) -> str:
    """A target's cell as the matrices show it: ✓, —, or ✗ with the actual and the target
    or the shortfall."""
    if cell.state == "met":
        return "✓"
    if cell.state == "na":
        return "—"
    if cell.relation in ("below", "above") and cell.actual is not None and cell.target is not None:
        sign = "<" if cell.relation == "below" else ">"
        return say(language, "batch_missed_bound", actual=fmt(cell.actual), sign=sign,
                   target=fmt(cell.target))  # fmt: skip
    return say(language, "batch_short", short=fmt(cell.shortfall or Decimal(0)))


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
        "tie_rule": order_rule(report),
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
                **({"verdict": r.row.verdict} if r.row.verdict is not None else {}),
                **(
                    {"not_met": r.row.not_met.split(" ") if r.row.not_met else []}
                    if r.row.not_met is not None
                    else {}
                ),
                "items": {
                    i[0]: fmt(v)
                    for i, v in zip(report.items, r.row.scores, strict=True)
                    if v is not None
                },
                **_completion_json(report, r.row),
                **_previous_json(report, r),
                **trend_json(report, r),
                **({"cohort": dict(_exact(r.row.cohort))} if r.row.cohort else {}),
            }
            for r in report.ranked
        ],
        "failed": [
            {"entity": o.entity.name, "source": o.entity.source, "problems": list(o.problems)}
            for o in report.failures
        ],
        **history_json(report),
    }
    if report.cohort:
        doc["cohort"] = [
            {
                "key": s.key, "label": s.label, "stat": s.stat, "scope": s.scope,
                "value": None if s.value is None else format(s.value, "f"),
                "shown": None if s.value is None else _cohort_value(report, s),
                "leaders": list(s.leaders), "entities": list(s.entities),
                "left_out": list(s.left_out),
                **({"working": {k: format(v, "f") for k, v in s.working}} if s.working else {}),
            }
            for s in report.cohort
        ]  # fmt: skip
    doc["rule_items"] = [
        {"id": i.id, "title": i.title, "content": i.content, "criteria": i.criteria}
        for i in report.texts
    ]
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
    items: Sequence[tuple[str, str, Decimal | None]], targets: bool, extra: Sequence[str] = ()
) -> list[str]:
    """The CSV header: rank, entity, total, vetoed, result, [completion], every item,
    [group, grade]."""
    head = ["rank", "entity", "total", "vetoed", "result"]
    if targets:
        head.append("completion_percent")
    return head + [i[0] for i in items] + list(extra)


def csv_head(
    items: Sequence[tuple[str, str, Decimal | None]], targets: bool, extra: Sequence[str] = ()
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

    def text(self, value: str) -> str:
        """A text as a cell of these lines (neutralised, quoted where need be), as
        :func:`csv_line` writes it: what writes lines column by column asks of it."""
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([_csv_cell(value), ""])
        return out.getvalue()[:-2]


_DIGITS: dict[Decimal, str] = {}
"""Each decimal's digits as a CSV cell shows them, as they are first made: a batch's
scores take few distinct values, and the digits depend on the value only (``2.50`` and
``2.5`` are both ``2.5``, ``-0`` is ``0``). Kept to :data:`_DIGITS_KEPT` values."""
_DIGITS_KEPT = 65_536


def _csv_cell(value: Any) -> Any:
    """A value as a CSV cell: a decimal in digits, a text neutralised, a count as it is."""
    if isinstance(value, Decimal):
        digits = _DIGITS.get(value)
        if digits is None:
            if len(_DIGITS) >= _DIGITS_KEPT:
                _DIGITS.clear()
            digits = _DIGITS[value] = fmt(value)
        return digits
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


# The XLSX workbook is qualscore.report.batch_xlsx's; these hold it to XLSX_LIMITS, read
# here when called, so that a test may set smaller limits on this module.


def to_xlsx(report: BatchReport, today: str | None = None, *,
            limits: XlsxLimits | None = None) -> bytes:  # fmt: skip
    """The batch as an XLSX workbook, as bytes (:func:`qualscore.report.batch_xlsx.to_xlsx`),
    held to ``limits`` or to :data:`XLSX_LIMITS`.

    Raises:
        XlsxLimitError: a row wider or a text longer than a sheet or a cell holds.
    """
    from qualscore.report import batch_xlsx

    return batch_xlsx.to_xlsx(report, today, limits=limits or XLSX_LIMITS)


def write_xlsx(report: BatchReport, out: IO[bytes], today: str | None = None, *,
               limits: XlsxLimits | None = None) -> None:  # fmt: skip
    """The batch as an XLSX workbook, streamed into ``out``
    (:func:`qualscore.report.batch_xlsx.write_xlsx`), held to ``limits`` or to
    :data:`XLSX_LIMITS`.

    Raises:
        XlsxLimitError: a row wider or a text longer than a sheet or a cell holds.
    """
    from qualscore.report import batch_xlsx

    batch_xlsx.write_xlsx(report, out, today, limits=limits or XLSX_LIMITS)


def xlsx_plan(report: BatchReport, limits: XlsxLimits | None = None) -> list[tuple[str, int]]:
    """The sheets of the batch's workbook, each with its number of rows
    (:func:`qualscore.report.batch_xlsx.xlsx_plan`), held to ``limits`` or to
    :data:`XLSX_LIMITS`.

    Raises:
        XlsxLimitError: a row wider or a text longer than a sheet or a cell holds.
    """
    from qualscore.report import batch_xlsx

    return batch_xlsx.xlsx_plan(report, limits or XLSX_LIMITS)


def _judged(report: BatchReport) -> tuple[str, ...]:
    """The verdict columns of the scheme (``verdict``, ``not_met``), as the CSV has them."""
    return tuple(e for e in report.extra if e in ("verdict", "not_met"))


class _Td(NamedTuple):
    """A cell of the ranking: its text, a number (right-aligned), a link (a relative URL)."""

    text: str
    number: bool = False
    href: str | None = None


def to_html(report: BatchReport) -> str:
    """The ranking, the completion matrix and the entities not scored, styled like the report.

    The page is ``templates/batch.html.j2``'s, autoescaped: every text here reaches it as text.
    """
    from qualscore.report.html import CSS, ENV

    grouped = any(r.row.group is not None for r in report.ranked)
    graded = "grade" in report.extra  # a column of the scheme, whatever the entities' grades
    language = report.language
    return ENV.get_template("batch.html.j2").render(
        lang=say(language, "batch_html_lang"),
        title=report.title,
        css=Markup(CSS),  # the package's own style sheet: no text of the rules or the facts
        w=words(language),
        order_rule=order_rule(report),
        group_rule=say(language, "batch_group_rule") if grouped else None,
        head=_ranking_head(report, grouped, graded),
        rows=_ranking_rows(report, grouped, graded),
        cohort=cohort_lines(report),
        comparison=compare_view(report),
        matrix=_matrix(report) if report.targets else None,
        failures=[(o.entity.name, o.entity.source, o.problems) for o in report.failures],
        rules_sha256=report.rules_sha256,
        engine_version=report.engine_version,
    ) + "\n"


def _ranking_head(report: BatchReport, grouped: bool, graded: bool) -> list[tuple[str, bool]]:
    """The ranking's headings, each with whether its column holds numbers."""
    w = words(report.language)
    head = [(w["entity"], False)]
    if report.points:  # judged only: no rank, no total
        head = [(w["rank"], True), (w["entity"], False), (w["total"], True)]
    head.append((w["result"], False))
    if report.targets:
        head.append((w["completion"], True))
    texts = (("group",) if grouped else ()) + (("grade",) if graded else ()) + _judged(report)
    head += [(w[key], False) for key in texts]
    return head + [(label, True) for label in then_columns(report)]


def _ranking_rows(report: BatchReport, grouped: bool, graded: bool) -> Iterator[list[_Td]]:
    """Each ranked entity's cells, in the columns of :func:`_ranking_head` (one row at a
    time: the ranking may be read from disk)."""
    for r in report.ranked:
        # Linked to its report when one was written alongside (the URL percent-encoded).
        name = _Td(r.name, href=(report.links or {}).get(r.name))
        cells = [name]
        if report.points:
            cells = [_Td(str(r.rank), True), name, _Td(fmt(r.row.total), True)]
        cells.append(_Td(_result(r, report.language)))
        if report.targets:
            cells.append(_Td(_share(r.row.share), True))
        if grouped:
            cells.append(_Td(r.row.group or ""))
        if graded:
            cells.append(_Td(r.row.grade or ""))
        cells += [_Td(getattr(r.row, e) or "") for e in _judged(report)]
        if report.previous is not None:
            cells += [_Td(x, True) for x in [*report.earlier(r), *report.then(r)]]
        yield cells


def _matrix(report: BatchReport) -> dict[str, Any]:
    """The target matrix: the targets (key, title) and :func:`_matrix_rows`."""
    return {"targets": report.targets, "rows": _matrix_rows(report)}


def _matrix_rows(report: BatchReport) -> Iterator[tuple[str, list[str], str]]:
    """Each entity's name, its cells' texts in the targets' order and its completion."""
    for r in report.ranked:
        cells = _cells(report, r.row)
        texts = [cell_text(cells[k], report.language) for k, _ in report.targets]
        yield r.name, texts, _share(r.row.share)


def render_terminal(report: BatchReport, console: Console) -> None:
    """The ranking and, with targets, the completion matrix."""
    w = words(report.language)
    table = Table(title=plain(report.title), box=box.SIMPLE_HEAD, show_edge=False)
    scored = report.points  # judged only: no rank, no total
    columns: list[tuple[str, Literal["left", "right"]]] = [(w["entity"], "left")]
    if scored:
        columns = [("#", "right"), (w["entity"], "left"), (w["total"], "right")]
    for name, justify in [*columns, (w["result"], "left")]:
        table.add_column(name, justify=justify, no_wrap=True)
    if report.targets:
        table.add_column("%", justify="right", no_wrap=True)
    grouped = any(r.row.group is not None for r in report.ranked)
    graded = "grade" in report.extra  # a column of the scheme, whatever the entities' grades
    if grouped:
        table.add_column(w["group"], no_wrap=True)
    if graded:
        table.add_column(w["grade"], no_wrap=True)
    for e in _judged(report):
        table.add_column(w[e])
    for label in then_columns(report):
        table.add_column(plain(label), justify="right", no_wrap=True)
    for r in report.ranked:
        line = [plain(str(r.rank)), plain(r.name), plain(fmt(r.row.total))]
        if not scored:
            line = [plain(r.name)]
        line.append(plain(_result(r, report.language)))
        if report.targets:
            line.append(plain(_share(r.row.share)))
        if grouped:
            line.append(plain(r.row.group or ""))
        if graded:
            line.append(plain(r.row.grade or ""))
        line.extend(plain(getattr(r.row, e) or "") for e in _judged(report))
        if report.previous is not None:
            line.extend(plain(x) for x in [*report.earlier(r), *report.then(r)])
        table.add_row(*line)
    console.print(table)
    console.print(plain(order_rule(report), style="dim"))
    if grouped:
        console.print(plain(say(report.language, "batch_group_rule"), style="dim"))
    for head, who in _cohort_parts(report):  # the names apart: a narrow terminal folds them
        console.print(plain(head), style="dim")
        console.print(plain(f"  {who}"), style="dim")
    for note in compare_notes(report):
        console.print(plain(note), style="dim")
    render_item_changes(report, console)
    if report.targets:
        _render_matrix(report, console)


def cohort_lines(report: BatchReport) -> list[str]:
    """Each cohort value: over which entities (and which scope) it was computed."""
    sep = say(report.language, "batch_label_sep")
    return [f"{head}{sep}{who}" for head, who in _cohort_parts(report)]


def _cohort_parts(report: BatchReport) -> list[tuple[str, str]]:
    """Each cohort value's line in two: what it is (and its value), then the entities."""
    language = report.language
    sep = say(language, "batch_names_sep")
    out = []
    for s in report.cohort:
        names = list(s.entities[:12]) + (["…"] if len(s.entities) > 12 else [])
        scope = "" if s.scope == "all" else say(language, "batch_scope", scope=s.scope)
        value = ""
        if s.value is not None and s.stat not in ("rank", "reverse_rank", "share_of_best"):
            value = f" {_cohort_value(report, s)}"
        gone = sep.join(s.left_out[:12]) + ("…" if len(s.left_out) > 12 else "")
        left = ""
        if s.left_out:
            left = say(language, "batch_left_out", count=len(s.left_out), names=gone)
        line = say(language, "batch_cohort_line", label=s.label, scope=scope, value=value,
                   count=len(s.entities), left=left)  # fmt: skip
        out.append((line, sep.join(names)))
    return out


def _cohort_value(report: BatchReport, s: CohortSummary) -> str:
    """A summary's value as shown: a mean, median, spread or weighted mean to its declared
    places, ``≈`` when rounded (:func:`~qualscore.scoring.words.cohort_number`); the JSON
    keeps it exact."""
    # A share's summary holds the best value, not a share: it is shown as it is.
    rounded = s.stat in ROUNDED and s.stat != "share_of_best"
    places = dict(report.places).get(s.key) if rounded else None
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
    sep = say(report.language, "batch_label_sep")
    for r in report.ranked:
        cells = _cells(report, r.row)
        misses += [
            f"{r.name} {k} {titles[k]}{sep}{cell_text(c, report.language)}"
            for k, c in cells.items()
            if c.state == "missed"
        ]
    for chunk in chunks:
        title = w["target_matrix"]
        if len(chunks) > 1:
            title += say(report.language, "batch_matrix_part", first=chunk[0], last=chunk[-1])
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
