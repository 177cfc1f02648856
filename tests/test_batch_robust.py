"""A batch survives its worst entity: failures, dead workers, odd names, folders, --jobs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tests.hostile.attacks_batch import city_table, killing, veto_rules

from conftest import ROOT, run_cli
from qualscore.batch import runner as batch
from qualscore.batch.runner import (
    Entity,
    Outcome,
    read_inputs,
    score_all,
    score_stream,
    shown,
    workers,
)

RUGAO = ROOT / "rules/rugao-2018"
CITY = ROOT / "examples/rugao-2018/city-sample.yaml"
TOWNS = ROOT / "examples/rugao-2018/towns"


def test_shown_escapes_undecodable_bytes_and_control_characters() -> None:
    """A file name's non-UTF-8 bytes and any control character are shown as escapes."""
    assert shown(os.fsdecode(b"d\xff.yaml")) == "d\\xff.yaml"
    assert shown("a\nb\x07c\x1b[31m") == "a\\nb\\x07c\\x1b[31m"
    assert shown("如城街道 (1)") == "如城街道 (1)"
    assert shown("\ud800") == "\\ud800"


def test_folder_skips_expected_hidden_and_underscore_files(tmp_path: Path) -> None:
    """A folder yields its *.yaml/*.yml/*.json facts, not *.expected.*, .x, _x or sub-folders."""
    for name in ("a.yaml", "b.yml", "c.json", "a.expected.yaml", ".d.yaml", "_e.yaml", "f.csv"):
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
    (tmp_path / "sub.yaml").mkdir()
    entities, problems = read_inputs([str(tmp_path)])
    assert problems == []
    assert [e.name for e in entities] == ["a", "b", "c"]


def test_readme_folder_example_is_all_facts() -> None:
    """examples/rugao-2018 holds two cities; their expected-score files are not entities."""
    entities, problems = read_inputs([str(ROOT / "examples/rugao-2018")])
    assert problems == [] and [e.name for e in entities] == ["city-b", "city-sample"]


def test_workers_never_exceed_the_cpus() -> None:
    """--jobs is capped at the CPUs this process may use, and is at least 1."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert workers(100) == cpus
    assert workers(1) == 1
    assert workers(0) == 1


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_bad_jobs_is_a_usage_error(jobs: str) -> None:
    """--jobs 0, negative or not a number is refused in one line with exit 2."""
    code, _, err = run_cli("batch", str(RUGAO), str(CITY), f"--jobs={jobs}")
    assert code == 2
    assert len(err.splitlines()) == 1 and "--jobs" in err


def test_unexpected_failure_is_the_entitys_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any exception scoring one entity becomes its problem, naming its file; the rest score."""
    real = batch._score_checked

    def failing(work: batch.Work, entity: Entity) -> Outcome:
        if entity.name == "city-b":
            raise RuntimeError("boom")
        return real(work, entity)

    monkeypatch.setattr(batch, "_score_checked", failing)
    entities, _ = read_inputs([str(ROOT / "examples/rugao-2018")])
    outcomes = list(score_stream(str(RUGAO), entities))
    assert [o.row is not None for o in outcomes] == [False, True]
    [problem] = outcomes[0].problems
    assert problem.startswith(f"{entities[0].source}: ") and "RuntimeError: boom" in problem


def test_veto_on_a_blank_target_is_a_problem(tmp_path: Path) -> None:
    """A veto reading a target the entity has none of is that entity's problem, same every path."""
    rules = veto_rules(tmp_path)
    entities, _ = read_inputs([str(TOWNS / "东陈.yaml"), str(TOWNS / "丁堰.yaml")])
    targets = str(rules / "targets.yaml")
    fast = list(score_stream(str(rules), entities, targets_path=targets))
    full = score_all(str(rules), entities, targets_path=targets)
    for outcomes in (fast, full):
        assert [o.row is None for o in outcomes] == [True, False]
        message = "jiangsu_brand_applications_target: blank, but veto 'brand' reads it"
        assert message in outcomes[0].problems[0]


def test_overflowing_cell_costs_its_row(tmp_path: Path) -> None:
    """A cell of 1e99999999999999999999 is reported at its row; the other rows are written."""
    table = city_table(
        tmp_path / "c.csv", ["a", "b", "c"], {"b": ("credit_reports", "1e99999999999999999999")}
    )
    code, _, err = run_cli("batch", str(RUGAO), str(table), "--out", str(tmp_path / "o.csv"))
    assert code == 1
    assert err.splitlines()[0].startswith(f"{table}:3:")
    assert len((tmp_path / "o.csv").read_text(encoding="utf-8").splitlines()) == 3


def test_non_utf8_file_name_is_written_escaped(tmp_path: Path) -> None:
    """A facts file named with non-UTF-8 bytes is scored; JSON and CSV carry its name escaped."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(CITY, os.fsdecode(bytes(folder) + b"/b\xff.yaml"))
    for suffix in ("json", "csv"):
        out = tmp_path / f"out.{suffix}"
        assert run_cli("batch", str(RUGAO), str(folder), "--out", str(out))[0] == 0
        assert "b\\xff" in out.read_text(encoding="utf-8").replace("\\\\", "\\")


@pytest.mark.skipif(workers(2) < 2, reason="one CPU: no worker processes")
def test_dead_worker_chunks_are_scored_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed once costs nothing; an entity that kills it again is its own problem."""
    entities, _ = read_inputs([str(city_table(tmp_path / "c.csv", [f"e{i}" for i in range(200)]))])
    monkeypatch.setattr(batch, "_score_checked", killing("e70", once=tmp_path / "once"))
    once = list(score_stream(str(RUGAO), entities, jobs=2))
    assert (tmp_path / "once").exists()
    assert [o.entity.name for o in once] == [e.name for e in entities]
    assert all(o.row is not None for o in once)
    monkeypatch.setattr(batch, "_score_checked", killing("e70"))
    again = list(score_stream(str(RUGAO), entities, jobs=2))
    assert [o.entity.name for o in again] == [e.name for e in entities]
    assert [o.entity.name for o in again if o.row is None] == ["e70"]
    assert "stopped its worker process" in again[70].problems[0]


@pytest.mark.skipif(workers(2) < 2, reason="one CPU: no worker processes")
def test_dead_worker_reading_a_workbook_costs_one_entity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workbook is read and scored by one worker; if an entity of it kills the worker, the
    workbook's entities are scored again one by one, and only that entity is lost."""
    from tests.hostile.attacks_tables import city_book

    names = [f"e{i:02d}" for i in range(30)]
    book = city_book(tmp_path / "c.xlsx", {name: {} for name in names})
    monkeypatch.setattr(batch, "_score_checked", killing("e07"))
    found = list(batch.score_units(str(RUGAO), batch.iter_units([str(book)]), jobs=2))
    assert [o.entity.name for o in found if isinstance(o, Outcome)] == names
    assert [o.entity.name for o in found if isinstance(o, Outcome) and o.row is None] == ["e07"]
    assert "stopped its worker process" in found[7].problems[0]


def test_a_name_seen_again_is_told_at_its_row_once(tmp_path: Path) -> None:
    """A table given twice: each name seen again is told at its file and line, the line
    named once (``t.csv:2:0``, not ``t.csv:2:2:0``), and where it was first seen."""
    table = city_table(tmp_path / "t.csv", ["a", "b"])
    code, _, err = run_cli("batch", RUGAO, table, table, "--out", tmp_path / "o.csv")
    assert code == 1
    assert err.splitlines()[:2] == [
        f"{table}:2:0: entity 'a' also in {table}:2",
        f"{table}:3:0: entity 'b' also in {table}:3",
    ]
