"""The columnar engine past one machine: a table as a Dask data frame, scored by partition.

Each partition of the table (raw cell text, every column a string) is scored where it
lies, from the same compiled graph as on one machine: :func:`score` maps
:meth:`~qualscore.columnar.plan.ColumnarPlan.score` over the partitions, each worker
compiling the rule set once (from its folder, as the row engine's workers load it).
A row keeps its number in the whole table (``row``), and the rows handed back stay in
the frame with their ``reason``, their scores null.

What needs every entity is a global step, made of per-partition pieces that add up:
:func:`ranks` ranks the totals (the batch's ranking: not vetoed first, then the highest
total, equal ones sharing a rank) by counting each (vetoed, total) per partition, adding
the counts, accumulating them in order, and joining each row to its rank, so that no
worker ever holds more than its partition and the table of distinct totals. A cohort
value (a rank of a fact, a mean) is computed the same way: see ``docs/scale.md``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]  # (no stubs in the environment)
import polars as pl

from qualscore.columnar.plan import ROW, ColumnarPlan, Scored, compile_columns
from qualscore.ruleset.loader import load_rules

__all__ = ["ranks", "read_csv", "score", "scored_of"]

REASON = "reason"


@lru_cache(maxsize=4)
def _plan(rules: str) -> ColumnarPlan:
    """The rule set of folder ``rules`` compiled, once per worker process."""
    return compile_columns(load_rules(rules))


def read_csv(path: str | Path, **options: Any) -> Any:
    """A CSV table as a Dask data frame of raw cell text (a blank cell as ``""``)."""
    import dask.dataframe as dd

    return dd.read_csv(str(path), dtype=str, keep_default_na=False, na_values=[], **options)


def _partition(
    part: pd.DataFrame,
    rules: str,
    offsets: tuple[int, ...],
    fingerprints: bool,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """One partition scored (``partition_info``: which, as Dask says)."""
    plan = _plan(rules)
    number = partition_info["number"] if partition_info else 0
    table = pl.from_pandas(part.reset_index(drop=True)).cast(pl.String)
    scored = plan.score(table, first=offsets[number], fingerprints=fingerprints)
    out = scored.frame.with_columns(pl.lit(None, pl.String).alias(REASON))
    back = pl.DataFrame(scored.returned, schema={ROW: pl.Int64, REASON: pl.String}, orient="row")
    both = pl.concat([out, back], how="diagonal_relaxed").sort(ROW).select(_meta_columns(plan))
    wide = [c for c, t in both.schema.items() if t == pl.Int128]  # no 128 bits in Arrow: text
    both = both.with_columns(pl.col(wide).cast(pl.String))
    return both.to_pandas(use_pyarrow_extension_array=True)


def _meta_columns(plan: ColumnarPlan) -> list[str]:
    return [ROW, "entity", "json", "odd", REASON, *plan.compiled.outputs]


def score(rules: str | Path, frame: Any, *, fingerprints: bool = False) -> Any:
    """The table ``frame`` (a Dask data frame of cell text) scored partition by partition.

    Args:
        rules: The rule-set folder (each worker compiles it once).
        frame: The table, as :func:`read_csv` reads it.
        fingerprints: Also make each row's fingerprint text (``json``).

    Returns:
        A Dask data frame with a row per entity in input order: ``row``, ``entity``,
        ``json``, ``odd``, ``reason`` (null: scored; else why it is handed back) and the
        outputs of the compiled plan (null where handed back).

    Raises:
        NotColumnar: the rule set has a construct the columnar engine does not compute.
    """
    rules = str(rules)
    _plan(rules)  # refused here, once, if it does not compile
    lengths = frame.map_partitions(len).compute()
    offsets = tuple(int(sum(lengths[:i])) for i in range(len(lengths)))
    meta = _partition(frame._meta, rules, (0,), fingerprints)
    return frame.map_partitions(
        _partition, rules, offsets, fingerprints, meta=meta, align_dataframes=False
    )


def scored_of(rules: str | Path, frame: pd.DataFrame) -> Scored:
    """A computed result of :func:`score` as the :class:`Scored` that
    :func:`~qualscore.columnar.rows.batch_rows` takes."""
    table = pl.from_pandas(frame)
    outputs = _plan(str(rules)).compiled.outputs
    wide = [c for c, o in outputs.items() if o.node.wide]
    table = table.with_columns(pl.col(wide).cast(pl.Int128))
    back = table.filter(pl.col(REASON).is_not_null())
    returned = [(int(r), str(w)) for r, w in back.select(ROW, REASON).iter_rows()]
    kept = table.filter(pl.col(REASON).is_null()).drop(REASON)
    return Scored(kept, returned, 0)


def ranks(scored: Any) -> Any:
    """Each scored row's rank (a global step): 1 + the rows before it, not vetoed first,
    then by total, highest first; equal totals share a rank (1, 2, 2, 4).

    Returns:
        A Dask series of ranks, by the frame's index (null where the row was handed back).
    """
    kept = scored[scored[REASON].isna()]
    counts = kept.groupby(["vetoed", "total"]).size().compute().reset_index(name="n")
    counts = counts.sort_values(["vetoed", "total"], ascending=[True, False])
    counts["rank"] = counts["n"].cumsum() - counts["n"] + 1
    table = counts[["vetoed", "total", "rank"]]
    return scored.map_partitions(_join_ranks, table, meta=("rank", "Int64"))


def _join_ranks(part: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    joined = part[["vetoed", "total"]].merge(table, how="left", on=["vetoed", "total"])
    return pd.Series(joined["rank"].to_numpy(), index=part.index, name="rank", dtype="Int64")
