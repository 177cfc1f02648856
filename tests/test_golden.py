"""Whole rendered outputs against golden files in ``tests/golden/``.

Not substrings: each output is compared whole, so a changed word, number,
line or ordering shows as a diff. The items explained cover every shape
(parts, parts with a nested deduction, tiers on a fact and on a derived
ratio, cases, deductions per unit with ``every`` and ``max``, formulas with
conditions and ratios, targets met, missed and not applicable) in both
languages; the documents are the Markdown, JSON and HTML reports of the
worked case and the towns' batch.

After an intended change, refresh the files and review the diff::

    QUALSCORE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
    git diff tests/golden
"""

from __future__ import annotations

import difflib
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from qualscore.batch.runner import read_inputs, score_all
from qualscore.report.safe import console
from qualscore.report.terminal import render_item

GOLDEN = ROOT / "tests" / "golden"
RULES = ROOT / "rules/rugao-2018"
SAMPLE = ROOT / "examples/rugao-2018/city-sample.yaml"
CITY_B = ROOT / "examples/rugao-2018/city-b.yaml"
TOWNS_RULES = ROOT / "rules/rugao-2018-towns"
TOWNS = ROOT / "examples/rugao-2018/towns"
DAY = "2019-03-01"
# One item of each shape and case: parts (5: with a nested per-unit deduction; 13.2: a
# compound condition), tiers (19.2 on a fact, 27.3 on a ratio), cases (8), deductions
# (11.3: started units, 21: a max, 24.1: per-mille rounded), formula (19.4, 27.2).
ITEMS = ["5", "13.2", "19.2", "27.3", "8", "11.3", "21", "24.1", "19.4", "27.2"]
TOWN_ITEMS = ["4", "3", "7"]  # a target missed, one that does not apply, a rate missed


def cli(*args: str | Path) -> str:
    code, out, err = run_cli(*args)
    assert code in (0, 1), err
    return out


def town_items(language: str) -> str:
    entities, _ = read_inputs([str(TOWNS / "丁堰.yaml")])
    (outcome,) = score_all(str(TOWNS_RULES), entities, targets_path=str(TOWNS_RULES / "targets.yaml"))
    result = outcome.result
    assert result is not None
    out = io.StringIO()
    shown = console(out)
    for item_id in TOWN_ITEMS:
        render_item(result, result.item(item_id), shown, language)
    return out.getvalue()


def explain(language: str, facts: Path = SAMPLE) -> str:
    wanted = [a for i in ITEMS for a in ("--explain", i)]
    return cli("evaluate", RULES, facts, *wanted, "--lang", language)


CASES: dict[str, Callable[[], str]] = {
    "explain.zh.txt": lambda: explain("zh"),
    "explain.en.txt": lambda: explain("en"),
    "explain-city-b.zh.txt": lambda: explain("zh", CITY_B),
    "explain-town-targets.zh.txt": lambda: town_items("zh"),
    "explain-town-targets.en.txt": lambda: town_items("en"),
    "city-sample.zh.md": lambda: cli("evaluate", RULES, SAMPLE, "--format", "markdown"),
    "city-sample.en.md": lambda: cli("evaluate", RULES, SAMPLE, "--format", "markdown",
                                     "--lang", "en"),
    "city-sample.json": lambda: cli("evaluate", RULES, SAMPLE, "--format", "json"),
    "city-sample.zh.html": lambda: cli("evaluate", RULES, SAMPLE, "--format", "html",
                                       "--date", DAY),
    "city-sample.table.en.txt": lambda: cli("evaluate", RULES, SAMPLE, "--view", "all",
                                            "--lang", "en", "--all"),
    "towns.zh.txt": lambda: cli("batch", TOWNS_RULES, TOWNS),
}


@pytest.fixture(autouse=True)
def fixed_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    got = CASES[name]()
    path = GOLDEN / name
    if os.environ.get("QUALSCORE_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}: run QUALSCORE_UPDATE_GOLDEN=1 pytest {__file__}"
    want = path.read_text(encoding="utf-8")
    if got != want:
        diff = "".join(
            list(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                      f"golden/{name}", "rendered"))[:80]
        )  # fmt: skip
        pytest.fail(
            f"{name} differs from its golden file (refresh with QUALSCORE_UPDATE_GOLDEN=1 "
            f"pytest tests/test_golden.py if intended):\n{diff}"
        )


def test_golden_files_are_all_used() -> None:
    """No stale golden file lingers after a case is removed."""
    if GOLDEN.exists():
        assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(CASES)
