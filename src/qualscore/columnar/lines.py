"""A batch's CSV lines from a scored table, made column by column: the bytes the row
path writes for the same rows.

:func:`csv_lines` gives, for each accepted entity of a
:class:`~qualscore.columnar.plan.Scored`, the line the batch's writer
(:class:`~qualscore.report.batch.CsvLine`) makes of the
:class:`~qualscore.batch.rows.Row` that :func:`~qualscore.columnar.rows.batch_rows`
would make (its name, total, result, completion, every item's score and the scheme's
last columns, without its rank), and what the batch ranks it by. No row is made: each
column's distinct values are written once, as the row path writes them (a decimal's
digits by :func:`~qualscore.scoring.words.fmt`, a text's cell by the writer itself), and
the cells of a line are joined by Polars. Only an entity name whose cell may not be the
name as it stands (a formula's start, a comma or a quote) is made in Python; so is one
that is not the cell stripped (blank, ``true``, a control character).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

import polars as pl

from qualscore.batch.rows import Cell, Row, share
from qualscore.columnar.plan import ColumnarPlan, Scored
from qualscore.columnar.rows import entity_names, verdict_columns
from qualscore.scoring.words import fmt

__all__ = ["CsvFormat", "csv_lines"]

_QUOTED = '[,"\r\n]'
"""What the :mod:`csv` module quotes a cell for (the delimiter, the quote, a line break)."""


class CsvFormat(Protocol):
    """How a batch writes its CSV lines (:class:`~qualscore.report.batch.CsvLine`)."""

    @property
    def targets(self) -> bool:
        """Whether a line has the completion column."""

    @property
    def extra(self) -> tuple[str, ...]:
        """The scheme's last columns (``group``, ``grade``, ``verdict``, ``not_met``)."""

    def __call__(self, row: Row) -> bytes:
        """A row's line, without its rank."""

    def text(self, value: str) -> str:
        """A text as a cell of a line: neutralised (a formula's start) and quoted."""


def csv_lines(
    plan: ColumnarPlan,
    scored: Scored,
    csv: CsvFormat,
    *,
    line: Callable[[int], int] = lambda row: row + 2,
) -> pl.DataFrame:
    """Each accepted entity's CSV line, in input order, as ``csv`` writes the line of its
    row.

    Args:
        plan: The plan that scored it.
        scored: What :meth:`ColumnarPlan.score` gave.
        csv: How the lines are written: with the completion column or not, the
            scheme's last columns, and each text's cell.
        line: A row's line in its file, for the name of an entity whose name is blank.

    Returns:
        ``row`` (as in ``scored.frame``), ``name`` (the entity's name, as the batch
        gives it), ``line`` (its CSV line without its rank, ending in a newline),
        ``vetoed`` and ``total`` (an integer at ``plan.scales["total"]``).
    """
    frame = scored.frame
    verdict, not_met = verdict_columns(plan, frame)
    label = pl.col("label")
    texts = {
        "result": pl.when(label.is_null() | (label == "")).then(
            pl.when("vetoed").then(pl.lit("vetoed")).otherwise(pl.lit("scored"))
        ).otherwise(label),
        "grade": pl.col("grade"), "verdict": verdict, "not_met": not_met,
    }  # fmt: skip
    numbers = ["total", *(f"i:{k}" for k in plan.compiled.items)]
    targets, extra = csv.targets, csv.extra
    shown = [e for e in extra if e in texts]
    distinct = frame.select(
        *(pl.col(c).drop_nulls().unique().implode() for c in numbers),
        *(texts[t].drop_nulls().unique().implode().alias(t) for t in ["result", *shown]),
    ).row(0, named=True)  # fmt: skip
    digits = {c: _digits(pl.col(c), pl.Series(distinct[c], dtype=frame.schema[c]),
                         plan.scales[c]) for c in numbers}  # fmt: skip
    names = entity_names(frame, line)
    made = {"cell:name": _name_cells(names, csv)}  # columns, not literals: those slow the join
    if targets:
        made["cell:completion"] = _completion(plan, frame)
    cells = [pl.col("cell:name"), digits["total"],
             pl.col("vetoed").replace_strict({True: "true", False: "false"},
                                             return_dtype=pl.String).fill_null(""),
             _texts(texts["result"], distinct["result"], csv)]  # fmt: skip
    if targets:
        cells.append(pl.col("cell:completion"))
    cells += [digits[f"i:{k}"] for k in plan.compiled.items]
    cells += [_texts(texts[e], distinct[e], csv) if e in texts else pl.lit("") for e in extra]
    cells[-1] = cells[-1] + "\n"  # the line's end, on its last cell (the shorter text)
    written = frame.with_columns(**made).select(*(c.alias(str(n)) for n, c in enumerate(cells)))
    return pl.DataFrame({
        "row": frame["row"], "name": names,
        "line": written.select(pl.concat_str(pl.all(), separator=",")).to_series(),
        "vetoed": frame["vetoed"], "total": frame["total"],
    })  # fmt: skip


def _digits(column: pl.Expr, distinct: pl.Series, scale: int) -> pl.Expr:
    """Integers at ``scale`` (``distinct`` the values among them) as CSV cells: each
    value's digits made once, as the row path writes its decimal; a null blank."""
    if distinct.is_empty():
        return pl.lit("")
    texts = [fmt(Decimal(f"{raw}E-{scale}")) for raw in distinct.to_list()]
    return column.replace_strict(distinct, texts, return_dtype=pl.String).fill_null("")


def _texts(column: pl.Expr, distinct: list[Any], csv: CsvFormat) -> pl.Expr:
    """Texts (``distinct`` the texts among them) as CSV cells: each text's cell made once;
    a null blank."""
    if not distinct:
        return pl.lit("")
    cells = [csv.text(text) for text in distinct]
    return column.replace_strict(distinct, cells, return_dtype=pl.String).fill_null("")


def _name_cells(names: pl.Series, csv: CsvFormat) -> pl.Series:
    """Entity names as CSV cells: a name as it is, unless its first character or a
    character the :mod:`csv` module quotes for may make its cell another (a formula's
    start: ``=1+2`` is written ``'=1+2``); those made by ``csv``."""
    first = names.str.slice(0, 1)
    starts = [c for c in first.drop_nulls().unique().to_list() if csv.text(c + "a") != c + "a"]
    odd = names.str.contains(_QUOTED) | first.is_in(starts)
    if not odd.any():
        return names
    made = [csv.text(name) for name in names.filter(odd).to_list()]
    return names.clone().scatter(odd.arg_true(), made)


def _completion(plan: ColumnarPlan, frame: pl.DataFrame) -> pl.Series:
    """Each row's completion cell: its share of targets met
    (:func:`~qualscore.batch.rows.share`), worked out once per count of targets met and
    applicable."""
    states = [pl.col(f"c:{item}") for item in plan.compiled.targets]
    counts = frame.select(
        met=pl.sum_horizontal(s.eq_missing("met").cast(pl.Int64) for s in states),
        applicable=pl.sum_horizontal(s.ne_missing("na").cast(pl.Int64) for s in states),
    )  # fmt: skip
    key = counts["met"] * (len(states) + 1) + counts["applicable"]
    if key.is_empty():
        return key.cast(pl.String)
    made: dict[Any, str] = {}
    for met, applicable in counts.unique().iter_rows():
        found = share([Cell("met")] * met + [Cell("missed")] * (applicable - met))
        made[met * (len(states) + 1) + applicable] = "" if found is None else fmt(found)
    return key.replace_strict(list(made), list(made.values()), return_dtype=pl.String)
