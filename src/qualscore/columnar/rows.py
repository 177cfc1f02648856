"""A batch's rows from a scored table: what the existing writers write, byte for byte.

:func:`batch_rows` turns each accepted entity of a :class:`~qualscore.columnar.plan.Scored`
into the :class:`~qualscore.batch.rows.Row` the row engine's batch keeps for scores-only
output (no explanations): the same name, total, result, fingerprint, item and category
scores, grade and verdicts. It works column by column: each integer column becomes
decimals through a cache (scores take few distinct values), and a row is then made
from its fields directly (a frozen dataclass's ``__init__`` costs three times as much).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import polars as pl

from qualscore._gc import collector_paused
from qualscore.batch.rows import Cell, Row, share
from qualscore.batch.units import shown
from qualscore.columnar.facts import SPACE
from qualscore.columnar.plan import ColumnarPlan, Scored
from qualscore.ruleset.reads import SCHEME
from qualscore.scoring.plan import verdicts_of

__all__ = ["batch_rows", "entity_names", "verdict_columns"]

_WORDS = {"true": True, "false": False}
_FIELDS = tuple(f.name for f in dataclasses.fields(Row))
_DIRECT = not hasattr(Row, "__slots__") and _FIELDS == (
    "name", "total", "vetoed", "result_label", "facts_sha256", "scores", "cells", "share",
    "losses", "group", "grade", "notes", "cohort", "costs", "verdict", "not_met", "categories",
)  # fmt: skip
"""Whether a row can be made from its fields' dict (the fields as this module knows them)."""


class _Decimals(dict[Any, Any]):
    """Decimals of integers at one scale, each made once (None stays None)."""

    def __init__(self, scale: int) -> None:
        super().__init__({None: None})
        self.scale = scale

    def __missing__(self, raw: int) -> Decimal:
        made = self[raw] = Decimal(f"{raw}E-{self.scale}")  # exact, in any context
        return made


def _row(fields: dict[str, Any]) -> Row:
    if not _DIRECT:
        return Row(**fields)
    row: Row = object.__new__(Row)
    object.__setattr__(row, "__dict__", fields)
    return row


def batch_rows(
    plan: ColumnarPlan,
    scored: Scored,
    *,
    line: Callable[[int], int] = lambda row: row + 2,
) -> Iterator[Row]:
    """The batch row of each accepted entity of ``scored``, in input order.

    Args:
        plan: The plan that scored it.
        scored: What :meth:`ColumnarPlan.score` gave. Scored without fingerprints, each
            row's ``facts_sha256`` is empty.
        line: A row's line in its file, for the name of an entity whose name is blank
            (``row N``, as the batch names it).
    """
    if scored.frame.height == 0:
        return
    with collector_paused():  # many small objects that all live on: no collection for them
        made = _rows(plan, scored, line)
    yield from made


def _rows(
    plan: ColumnarPlan, scored: Scored, line: Callable[[int], int]
) -> list[Row]:
    ruleset = plan.ruleset
    compiled = plan.compiled
    frame = scored.frame

    def numbers(name: str) -> list[Any]:
        return list(map(_Decimals(plan.scales[name]).__getitem__, frame[name].to_list()))

    scores = list(zip(*(numbers(f"i:{k}") for k in compiled.items), strict=True))
    categories = list(zip(*(numbers(f"n:{k}") for k in compiled.categories), strict=True))
    if "bonus" in compiled.items and ruleset.manifest.bonus is not None:
        categories = [(*c, s[-1]) for c, s in zip(categories, scores, strict=True)]
    if not compiled.categories:
        categories = [()] * frame.height
    verdict, not_met = _verdicts(plan, scored)
    cells, shares = _cells(plan, scored)
    sha = _fingerprints(scored)
    common = {"losses": None, "group": None, "notes": None, "cohort": (), "costs": None}
    totals = numbers("total")
    names = entity_names(frame, line).to_list()
    return [
        _row({
            "name": names[i], "total": totals[i], "vetoed": vetoed,
            "result_label": label, "facts_sha256": sha[i], "scores": scores[i],
            "cells": cells[i], "share": shares[i], **common,
            "grade": grade, "verdict": verdict[i], "not_met": not_met[i],
            "categories": categories[i],
        })
        for i, (vetoed, label, grade) in enumerate(
            frame.select("vetoed", "label", "grade").iter_rows()
        )
    ]  # fmt: skip


_UNSAFE = "[\\x00-\\x1f\\x7f-\\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
"""What :func:`~qualscore.source.text.name_text` shows as an escape."""


def entity_names(frame: pl.DataFrame, line: Callable[[int], int]) -> pl.Series:
    """Each row's entity name: the cell stripped where that is all it takes (most), else
    as :func:`_name` makes it."""
    stripped = pl.col("entity").str.strip_chars(SPACE)
    names = frame.select(
        pl.when(
            ~pl.col("entity").str.contains(_UNSAFE)
            & ~stripped.str.to_lowercase().is_in(["true", "false"])
            & (stripped.str.len_chars() > 0)
        ).then(stripped).alias("name")
    ).to_series()  # fmt: skip
    odd = names.is_null()
    if not odd.any():
        return names
    made = [_name(entity, line(row))
            for row, entity in frame.filter(odd).select("row", "entity").iter_rows()]  # fmt: skip
    return names.scatter(odd.arg_true(), made)


def _verdicts(plan: ColumnarPlan, scored: Scored) -> tuple[Sequence[Any], Sequence[Any]]:
    """The scheme's verdict in words and the nodes not met, of each row, as the batch
    gives them (:func:`verdict_columns`)."""
    said, failed = verdict_columns(plan, scored.frame)
    found = scored.frame.select("row", said=said, failed=failed)  # a column: literals spread
    return found["said"].to_list(), found["failed"].to_list()


def verdict_columns(plan: ColumnarPlan, frame: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
    """The scheme's verdict in words and the ids of the nodes not met (separated by
    spaces), of each row of ``frame``, as the batch gives them
    (:func:`~qualscore.scoring.plan.verdicts_of`, worked out once per value); null where
    the scheme has none."""
    ruleset = plan.ruleset
    verdicts = plan.compiled.verdicts
    nodes = bool(ruleset.graph.verdicts - {SCHEME})
    none = pl.lit(None, pl.String)
    if not verdicts:
        return none, pl.lit("") if nodes else none
    said: pl.Expr = none
    if SCHEME in verdicts:
        words = {m: verdicts_of(ruleset, {SCHEME: m})[0] for m in (True, False, None)}
        met = pl.col(f"d:{SCHEME}")
        said = (pl.when(met.eq_missing(True)).then(pl.lit(words[True], pl.String))
                .when(met.eq_missing(False)).then(pl.lit(words[False], pl.String))
                .otherwise(pl.lit(words[None], pl.String)))  # fmt: skip
    if not nodes:
        return said, none
    order = [i for i in _node_ids(ruleset) if i in verdicts]
    if not order:
        return said, pl.lit("")
    failed = pl.concat_str(
        [pl.when(pl.col(f"d:{o}").eq_missing(False)).then(pl.lit(o)) for o in order],
        separator=" ", ignore_nulls=True,
    )  # fmt: skip
    return said, failed


def _cells(plan: ColumnarPlan, scored: Scored) -> tuple[list[Any], list[Any]]:
    """Each row's target cells and its share of targets met (as the batch works them out:
    :func:`~qualscore.batch.rows.share`), each distinct cell made once."""
    frame, targets = scored.frame, plan.compiled.targets
    if not targets:
        return [()] * frame.height, [None] * frame.height
    relation = {i.id: str(getattr(i.score, "met_when", "")) for i in plan.ruleset.items()
                if i.id in targets}  # fmt: skip
    columns = []
    for item in targets:
        made: dict[tuple[Any, ...], Cell] = {}
        numbers = [
            list(map(_Decimals(plan.scales[f"c:{item}:{n}"]).__getitem__,
                     frame[f"c:{item}:{n}"].to_list()))
            for n in ("short", "actual", "target")
        ]  # fmt: skip
        column = []
        for key in zip(frame[f"c:{item}"].to_list(), *numbers, strict=True):
            cell = made.get(key)
            if cell is None:
                state = key[0]
                cell = made[key] = (
                    Cell("na")
                    if state == "na"
                    else Cell(state, key[1], key[2], key[3], relation[item])
                )
            column.append(cell)
        columns.append(column)
    cells = list(zip(*columns, strict=True))
    return cells, [share(c) for c in cells]


def _fingerprints(scored: Scored) -> list[str]:
    """Each row's ``facts_sha256`` (empty when scored without fingerprints)."""
    frame = scored.frame
    if frame["json"].null_count() == frame.height:
        return [""] * frame.height
    return [
        text[7:] if text.startswith("sha256:") else hashlib.sha256(text.encode()).hexdigest()
        for text in frame["json"].to_list()
    ]


def _node_ids(ruleset: Any) -> list[str]:
    """Every node's id in the order written: category, its children, their items."""
    out: list[str] = []
    for category in ruleset.categories:
        out.append(category.id)
        for child in category.items:
            out.append(child.id)
            out.extend(i.id for i in getattr(child, "items", ()))
    return out


def _name(cell: str | None, line: int) -> str:
    """An entity's name as the batch gives it: the cell stripped, ``true`` (any case) as
    ``True``; a blank one, or ``false`` (a boolean, so no name), as ``row N``."""
    text = cell.strip(SPACE) if cell is not None else ""
    word = _WORDS.get(text.lower())
    if not text or word is False:
        return f"row {line}"
    return shown(str(word) if word is not None else text)
