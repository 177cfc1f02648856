"""Not applicable is not lost: in the item, its category, the departments and every format."""

from __future__ import annotations

from pathlib import Path

import qualscore
from qualscore.analyst.analysis import departments
from qualscore.report.markdown import to_markdown

TOWNS = Path("rules/rugao-2018-towns")
TOWN = Path("examples/rugao-2018/towns/丁堰.yaml")


def _town() -> qualscore.Result:
    from qualscore.batch.runner import read_inputs, score_all

    entities, _ = read_inputs([str(TOWN)])
    (outcome,) = score_all(str(TOWNS), entities, targets_path=str(TOWNS / "targets.yaml"))
    assert outcome.result is not None
    return outcome.result


def test_blank_target_is_not_lost() -> None:
    result = _town()
    na = [i for i in result.items if i.not_applicable is not None]
    assert na, "丁堰 has targets that do not apply"
    for item in na:
        assert item.lost == 0
    charged = {i for d in departments(result) for i, *_ in d.items}
    assert not charged & {i.id for i in na}
    assert sum(c.lost for c in result.categories) == sum(
        i.lost for i in result.items if i.id != "bonus"
    )
    text = to_markdown(result, "zh")
    row = next(line for line in text.splitlines() if line.startswith(f"| {na[0].id} |"))
    assert "| 不适用 |" in row
