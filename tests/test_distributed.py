"""The columnar engine on Dask: a table scored partition by partition, in worker processes,
agrees with the row engine's batch on every item of every entity, and ranks as it does.

Ten thousand generated rugao-2018 rows (``tests/test_columnar.py`` makes them: numbers on
and a hair from every constant the scheme compares with, and oddly written cells) are
read by Dask in several partitions and scored on the local process scheduler; each
entity's row must be the batch's, each handed-back row one the quick check refuses,
the columns cannot hold or the row engine fails on, and the global ranking step must
give the batch's ranks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("polars")
dask = pytest.importorskip("dask")
pytest.importorskip("dask.dataframe")

import qualscore  # noqa: E402
from conftest import ROOT  # noqa: E402
from qualscore.batch.rows import ranking  # noqa: E402
from qualscore.batch.runner import Outcome  # noqa: E402
from qualscore.columnar import batch_rows, compile_columns, on_dask  # noqa: E402
from qualscore.facts.fast import quick_facts  # noqa: E402
from test_columnar import _batch, _reader, _rows, _write  # noqa: E402

RULES = "rules/rugao-2018"
ENTITIES = 10_000


@pytest.mark.slow
def test_dask_agrees_with_the_row_engine_on_every_item(tmp_path: Path) -> None:
    """10,000 entities scored on a local Dask scheduler: every item, category, total and
    result equal the batch's, and the ranks the global step gives are the batch's."""
    ruleset = qualscore.load_rules(ROOT / RULES)
    rows = _rows(ruleset, ENTITIES, seed=2018)
    csv = tmp_path / "facts.csv"
    _write(csv, rows)
    frame = on_dask.read_csv(csv, blocksize=1_000_000)
    assert frame.npartitions > 1
    with dask.config.set(scheduler="processes", num_workers=2):
        result = on_dask.score(ROOT / RULES, frame, fingerprints=True)
        computed = result.compute()
        ranked = on_dask.ranks(result).compute()
    scored = on_dask.scored_of(ROOT / RULES, computed)
    plan = compile_columns(ruleset)
    mine = {r.name: r for r in batch_rows(plan, scored)}
    returned = dict(scored.returned)
    outcomes = _batch(str(ROOT / RULES), csv)
    kept = []
    for n, cells in enumerate(rows):
        outcome = outcomes[n]
        assert isinstance(outcome, Outcome)
        data = {k: v for k, v in _reader(cells).items() if k != "entity"}
        if n in returned:
            quick = quick_facts(ruleset, data, "")
            assert (quick is None) == (returned[n] == "refused"), (n, returned[n])
            continue
        assert outcome.row is not None, (n, outcome.problems)
        assert mine[cells["entity"]] == outcome.row, n
        kept.append(outcome.row)
    assert len(kept) > ENTITIES // 5
    want = {r.name: r.rank for r in ranking(kept)}
    names = computed["entity"].to_list()
    got = {names[i]: int(ranked.iloc[i]) for i in range(len(names)) if i not in returned}
    assert got == want
