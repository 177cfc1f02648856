"""The columnar plan: a table of facts in, every accepted entity's scores out, on Polars.

:func:`compile_columns` compiles a rule set once (:mod:`qualscore.columnar.compile`);
:meth:`ColumnarPlan.score` reads a table's cells (:mod:`qualscore.columnar.facts`),
scores the rows it accepts, and hands back the others, each with why:

- ``refused``: the quick check of facts does not take the row, or the batch's table
  reader would not read one of its cells (a control character): the row engine reads
  and checks it in full and words its problems;
- ``beyond``: a number the columns do not hold exactly (more decimals, or more digits
  before the point, than :mod:`~qualscore.columnar.facts` allows);
- ``failed``: a formula fails on the row (a division by zero, a number too large): the
  row engine words the error.

A table is scored in pieces of :data:`PIECE_ROWS` rows, so memory holds one piece's
columns at a time (:func:`score_csv`).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from qualscore.columnar import facts, on_polars
from qualscore.columnar.compile import Compiled, compile_scorer, value_column
from qualscore.columnar.ir import Graph, NotColumnar
from qualscore.columnar.numbers import Num
from qualscore.columnar.stages import Stages, stages
from qualscore.ruleset.loader import RuleSet

__all__ = [
    "PIECE_ROWS", "REASONS", "ColumnarPlan", "Scored", "compile_columns", "evaluate", "score_csv",
]  # fmt: skip

PIECE_ROWS = 65_536
"""Rows scored at a time by :func:`score_csv`."""
REASONS = ("refused", "beyond", "failed")
"""Why a row is handed back to the row engine (see the module's docstring)."""
ROW = "row"
"""The column numbering a table's rows from 0, kept through every step."""


@dataclass(frozen=True)
class Scored:
    """The outcome of scoring a table.

    Attributes:
        frame: One row per accepted entity, in input order: ``row`` (its number in
            the table, from 0), ``entity`` (the cell as written), ``json`` (the text
            its fingerprint hashes, or ``sha256:HEX`` for a row whose numbers print
            otherwise than written; null when not asked for), ``odd``, and the outputs of
            :class:`~qualscore.columnar.compile.Compiled` as integers (a number
            at its scale, :attr:`ColumnarPlan.scales`).
        returned: ``(row, reason)`` for each row handed back, in input order;
            ``reason`` one of :data:`REASONS`.
    """

    frame: pl.DataFrame
    returned: list[tuple[int, str]] = field(default_factory=list)
    first: int = 0
    """The number of the table's first row."""


class ColumnarPlan:
    """A rule set compiled to column expressions, scored with Polars.

    Attributes:
        ruleset: The rule set.
        compiled: The scorer over columns (engine-neutral).
        scales: The scale of each number output (``total``, ``i:ID``, ``n:ID``).
    """

    def __init__(self, ruleset: RuleSet, compiled: Compiled) -> None:
        self.ruleset = ruleset
        self.compiled = compiled
        self.scales = {k: o.scale for k, o in compiled.outputs.items() if o.node.kind == "int"}
        outputs = {k: o.node for k, o in compiled.outputs.items()}
        self.scoring: Stages = stages(outputs, (ROW, "entity", "json", "odd"))
        self._readings: dict[tuple[tuple[str, ...], bool], tuple[Stages, Stages]] = {}

    def reading(
        self, columns: tuple[str, ...], fingerprints: bool = False
    ) -> tuple[Stages, Stages]:
        """How a table with ``columns`` is read (made once per set of columns): whether each
        row is plain and its reading as one (right for the plain rows alone), and the
        reading of the others (with ``fingerprints``, also the text each row's
        fingerprint is made from).

        Raises:
            NotColumnar: the quick check of facts takes no row of this rule set.
        """
        found = self._readings.get((columns, fingerprints))
        if found is None:
            made = []
            for plain in (True, False):
                graph = Graph()
                reading = facts.read(self.ruleset, columns, graph, plain=plain)
                outputs = {"refused": reading.refused, "beyond": reading.beyond,
                           "odd": reading.odd}  # fmt: skip
                if fingerprints:
                    outputs["json"] = reading.json
                if plain:
                    outputs["plain"] = facts.plain(self.ruleset, columns, graph)
                else:
                    outputs["empty"] = facts.blank_row(graph, columns)
                for key, value in reading.values.items():
                    node = value.raw if isinstance(value, Num) else value.node
                    outputs[value_column(key)] = node
                made.append(stages(outputs, (ROW, "entity")))
            found = self._readings[(columns, fingerprints)] = (made[0], made[1])
        return found

    def score(self, table: pl.DataFrame, *, first: int = 0, fingerprints: bool = False) -> Scored:
        """Score a table of raw cell text (an ``entity`` column, one per fact key).

        Args:
            table: Every column text (``pl.String``), a blank cell null or empty, as
                :func:`read_csv` reads a CSV table.
            first: The number of the table's first row (a piece of a longer table).
            fingerprints: Also make the text of each row's facts fingerprint (its
                sha256 is what :func:`~qualscore.columnar.rows.batch_rows` gives as
                ``facts_sha256``). It costs more than the scores do.

        Returns:
            The accepted rows' scores, and the rows handed back. A row whose every cell
            is blank is neither: the batch's reader skips it too.
        """
        columns = tuple(table.columns)
        if "entity" not in columns:
            raise ValueError("a facts table needs an 'entity' column")
        plain, full = self.reading(columns, fingerprints)
        frame = table.rename({c: facts.column(c) for c in columns if c != "entity"})
        frame = frame.with_row_index(ROW, offset=first).with_columns(pl.col(ROW).cast(pl.Int64))
        keep = (ROW, "entity")
        quick = on_polars.compute(plain, frame, keep)  # every row read as plain, in one pass
        read = [quick.filter("plain").drop("plain")]  # most tables: every row
        others = frame.filter(~quick["plain"])
        del frame, quick
        if others.height:
            done = on_polars.compute(full, others, keep)
            read.append(done.filter(~pl.col("empty")).drop("empty"))
        together = pl.concat(read, how="vertical_relaxed").sort(ROW) if len(read) > 1 else read[0]
        back = together.select(
            ROW, reason=pl.when("refused").then(pl.lit("refused"))
            .when("beyond").then(pl.lit("beyond")).otherwise(None)
        ).filter(pl.col("reason").is_not_null())  # fmt: skip
        accepted = together.filter(~(pl.col("refused") | pl.col("beyond")))
        if not fingerprints:
            accepted = accepted.with_columns(json=pl.lit(None, pl.String))
        else:
            accepted = self._odd(accepted, table, first)
        del together, read
        scored = on_polars.compute(self.scoring, accepted, (ROW, "entity", "json", "odd"))
        failed = scored.filter(pl.col("failed")).select(ROW, reason=pl.lit("failed"))
        returned = pl.concat([back, failed]).sort(ROW)
        return Scored(
            scored.filter(~pl.col("failed")),
            [(int(r), str(w)) for r, w in returned.iter_rows()],
            first,
        )


    def _odd(self, accepted: pl.DataFrame, table: pl.DataFrame, first: int) -> pl.DataFrame:
        """Each ``odd`` row's fingerprint made in Python from its cells, in ``json`` as
        ``sha256:HEX`` (the others' ``json`` is the text to hash)."""
        odd = accepted.filter("odd")[ROW].to_list()
        if not odd:
            return accepted
        cells = table.drop("entity")
        made = {r: "sha256:" + facts.fingerprint(self.ruleset, cells.row(r - first, named=True))
                for r in odd}  # fmt: skip
        shas = pl.DataFrame({ROW: list(made), "sha": list(made.values())},
                            schema={ROW: pl.Int64, "sha": pl.String})  # fmt: skip
        joined = accepted.join(shas, on=ROW, how="left", maintain_order="left")
        return joined.with_columns(pl.coalesce("sha", "json").alias("json")).drop("sha")


def evaluate(compiled: Compiled, values: pl.DataFrame, cut: Stages | None = None) -> pl.DataFrame:
    """The outputs of ``compiled`` for a frame of values already read: a ``row`` column
    and one per value (``v:KEY``: an integer at its input's scale, a boolean, a text)."""
    if cut is None:
        cut = stages({k: o.node for k, o in compiled.outputs.items()}, (ROW,))
    return on_polars.compute(cut, values, (ROW,))


def compile_columns(ruleset: RuleSet) -> ColumnarPlan:
    """Compile ``ruleset`` for the columnar engine.

    Raises:
        NotColumnar: a construct the columnar engine does not compute; its
            ``construct`` names it and the item it is in.
    """
    refusal = facts.unusable(ruleset)
    if refusal is not None:
        raise NotColumnar(refusal)
    if ruleset.cohort:
        raise NotColumnar("cohort values (ranks and other values over all entities)")
    return ColumnarPlan(ruleset, compile_scorer(ruleset))


def read_csv(path: str | Path, **options: object) -> pl.LazyFrame:
    """A CSV table as raw cell text, every column a string (nothing inferred)."""
    return pl.scan_csv(path, infer_schema=False, **options)  # type: ignore[arg-type]


def score_csv(
    plan: ColumnarPlan, path: str | Path, *, piece: int = PIECE_ROWS, fingerprints: bool = False
) -> Iterator[Scored]:
    """Score a CSV table piece by piece, in order (its rows numbered from 0 across pieces).

    The next piece is read and scored in a thread while the caller works on this one
    (Polars computes without holding the interpreter), so that making the rows of one
    piece and scoring the next take the two cores at once.
    """
    pieces = iter(read_csv(path).collect_batches(chunk_size=piece))

    def scored_from(start: int) -> tuple[Scored, int] | None:
        table = next(pieces, None)
        while table is not None and table.height == 0:
            table = next(pieces, None)
        if table is None:
            return None
        return plan.score(table, first=start, fingerprints=fingerprints), table.height

    with ThreadPoolExecutor(max_workers=1) as ahead:
        coming = ahead.submit(scored_from, 0)
        while (done := coming.result()) is not None:
            scored, height = done
            coming = ahead.submit(scored_from, scored.first + height)
            yield scored
