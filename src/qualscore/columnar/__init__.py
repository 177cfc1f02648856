"""The columnar engine: a rule set compiled to column expressions, scoring a whole table at once.

For a batch whose output is scores only, the row engine's one-entity-at-a-time scorer
can give way to this: the same generated scorer lifted once into integer column
expressions (:mod:`~qualscore.columnar.lift`), the facts checked as the quick check
checks them (:mod:`~qualscore.columnar.facts`), computed for every row at once by
Polars (:mod:`~qualscore.columnar.plan`) or, past one machine, by Dask
(:mod:`~qualscore.columnar.on_dask`). The numbers are the row engine's, digit for
digit; a row it does not take goes back to the row engine, and so does a rule set
with a construct it does not compute (:class:`NotColumnar` names it).
"""

from __future__ import annotations

from qualscore.columnar.ir import NotColumnar
from qualscore.columnar.plan import REASONS, ColumnarPlan, Scored, compile_columns, score_csv
from qualscore.columnar.rows import batch_rows

__all__ = [
    "REASONS",
    "ColumnarPlan",
    "NotColumnar",
    "Scored",
    "batch_rows",
    "compile_columns",
    "score_csv",
]
