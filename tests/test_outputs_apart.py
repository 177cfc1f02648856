"""No output of a run is written over an input of it, nor over another of its outputs.

One report per entity: each file name settled from all the names (whatever
their order or --jobs), within 255 bytes, never an input's or --out's; a
report that cannot be written costs that report only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tests.hostile.attacks_batch import city_table
from tests.hostile.attacks_files import facts

from conftest import ROOT, run_cli

DEMO = ROOT / "examples/demo"
GOOD = DEMO / "facts/good-county.yaml"
RUGAO = ROOT / "rules/rugao-2018"


def last_batch(tmp_path: Path, folder: Path, out: Path) -> bytes:
    """Write a batch JSON of ``folder`` to ``out`` (last year's, for --compare)."""
    out.parent.mkdir(exist_ok=True)
    assert run_cli("batch", DEMO, folder, "--out", out)[0] == 0
    return out.read_bytes()


@pytest.mark.parametrize("flag", ["--compare", "--cohort"])
def test_evaluate_out_over_compare_or_cohort_is_refused(tmp_path: Path, flag: str) -> None:
    """evaluate --out naming the --compare or --cohort file: exit 2, the file kept."""
    given = tmp_path / "given.json"
    given.write_text("{}\n", encoding="utf-8")
    code, out, err = run_cli("evaluate", DEMO, GOOD, "--format", "json", "--out", given, flag, given)
    assert code == 2 and out == ""
    assert err == f"{given}: refusing to overwrite {given}, an input\n"
    assert given.read_text(encoding="utf-8") == "{}\n"


def test_batch_out_over_compare_is_refused_before_scoring(tmp_path: Path) -> None:
    """batch --out naming last year's --compare file: refused in one line, the file kept."""
    folder = facts(tmp_path, "a", "b")
    last = tmp_path / "last.json"
    kept = last_batch(tmp_path, folder, last)
    code, _, err = run_cli("batch", DEMO, folder, "--out", last, "--compare", last)
    assert code == 2 and err == f"{last}: refusing to overwrite {last}, an input\n"
    assert last.read_bytes() == kept


def test_out_and_per_entity_naming_one_path_are_refused(tmp_path: Path) -> None:
    """--out and --per-entity naming the same path: refused before any work, nothing made."""
    folder = facts(tmp_path, "a")
    both = tmp_path / "both"
    code, _, err = run_cli("batch", DEMO, folder, "--out", both, "--per-entity", both)
    assert code == 2
    assert err == f"{both}: --per-entity is also --out: one would replace the other\n"
    assert not both.exists()


def test_per_entity_inside_an_input_folder_is_refused(tmp_path: Path) -> None:
    """--per-entity naming the facts folder (or a folder in it): refused, nothing written."""
    folder = facts(tmp_path, "a")
    code, _, err = run_cli("batch", DEMO, folder, "--per-entity", folder / "reports")
    assert code == 2 and "an input folder" in err
    assert sorted(p.name for p in folder.iterdir()) == ["a.yaml"]


def test_an_entity_named_like_the_compare_file_keeps_it(tmp_path: Path) -> None:
    """An entity 'last' beside last.json (--compare) in the reports folder: its report is
    last-2.json, last.json is kept, and the move is told."""
    folder = facts(tmp_path, "last", "other")
    reports = tmp_path / "reports"
    last = reports / "last.json"
    kept = last_batch(tmp_path, folder, last)
    code, _, err = run_cli("batch", DEMO, folder, "--compare", last, "--per-entity", reports,
                       "--per-entity-format", "json")  # fmt: skip
    assert code == 0, err
    assert last.read_bytes() == kept
    assert sorted(p.name for p in reports.iterdir()) == ["last-2.json", "last.json", "other.json"]
    assert json.loads((reports / "last-2.json").read_text(encoding="utf-8"))["entity"] == "last"
    assert (
        f"qualscore: note: the report of entity 'last' is {reports / 'last-2.json'}: "
        "last.json is an input\n"
    ) in err


def test_an_entity_named_like_out_leaves_out_to_the_batch(tmp_path: Path) -> None:
    """--out reports/all.json and an entity 'all' (and 'ALL'): --out is the batch, the
    entities' reports go to ALL-2.json and all-3.json, in code-point order."""
    folder = facts(tmp_path, "all", "ALL")
    reports = tmp_path / "reports"
    code, _, err = run_cli("batch", DEMO, folder, "--out", reports / "all.json",
                       "--per-entity", reports, "--per-entity-format", "json")  # fmt: skip
    assert code == 0, err
    assert "ranking" in json.loads((reports / "all.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in reports.iterdir()) == ["ALL-2.json", "all-3.json", "all.json"]
    for file, name in (("ALL-2.json", "ALL"), ("all-3.json", "all")):
        doc = json.loads((reports / file).read_text(encoding="utf-8"))
        assert doc["entity"] == name
    assert "all.json is the --out file" in err


def test_a_json_facts_file_in_the_reports_folder_is_not_replaced(tmp_path: Path) -> None:
    """Facts files a.json given one by one, reports into their folder: a.json stays facts."""
    folder = tmp_path / "here"
    folder.mkdir()
    facts = folder / "a.json"
    facts.write_text(json.dumps(yaml.safe_load(GOOD.read_text())), encoding="utf-8")
    kept = facts.read_bytes()
    code, _, err = run_cli("batch", DEMO, facts, "--per-entity", folder, "--per-entity-format", "json")
    assert code == 0, err
    assert facts.read_bytes() == kept
    assert json.loads((folder / "a-2.json").read_text(encoding="utf-8"))["entity"] == "a"


def test_long_names_fit_and_cost_nothing_else(tmp_path: Path) -> None:
    """Names of 100 Chinese characters (300 bytes): each report within 255 bytes, the batch
    and every other report written, exit 0."""
    long_a, long_b = "中" * 100, "中" * 100 + "乙"
    table = city_table(tmp_path / "c.csv", [long_a, long_b, "after"])
    reports = tmp_path / "reports"
    code, _, err = run_cli("batch", RUGAO, table, "--per-entity", reports, "--out", tmp_path / "r.csv",
                       "--per-entity-format", "markdown")  # fmt: skip
    assert code == 0, err
    names = sorted(p.name for p in reports.iterdir())
    assert len(names) == 3 and "after.md" in names
    assert all(len(n.encode()) <= 255 for n in names)
    assert err.count("the name is too long for a file name") == 2
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").count("\n") == 4


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_report_names_do_not_depend_on_order_or_jobs(tmp_path: Path, jobs: str) -> None:
    """The same names in two orders, with 1 or 2 processes: every entity gets the same file."""
    names = ["a", "A", "a:b", "a/b", "ａ", "a-2"]
    seen = []
    for n, order in enumerate((names, names[::-1])):
        table = city_table(tmp_path / f"c{n}.csv", order)
        reports = tmp_path / f"r{n}"
        code, _, err = run_cli("batch", RUGAO, table, "--per-entity", reports, "--jobs", jobs,
                           "--per-entity-format", "json")  # fmt: skip
        assert code == 0, err
        seen.append(
            {p.name: json.loads(p.read_text(encoding="utf-8"))["entity"] for p in reports.iterdir()}
        )
    assert seen[0] == seen[1]
    assert seen[0] == {
        "A.json": "A", "a-3.json": "a", "ａ-4.json": "ａ", "a-2.json": "a-2",
        "a_b.json": "a/b", "a_b-2.json": "a:b",
    }  # fmt: skip


def test_a_report_that_cannot_be_written_costs_only_itself(tmp_path: Path) -> None:
    """A folder where one entity's report would go: that report is told and not written;
    the other reports and --out are; exit 1."""
    folder = facts(tmp_path, "a", "b", "c")
    reports = tmp_path / "reports"
    (reports / "b.html").mkdir(parents=True)
    out = tmp_path / "r.json"
    code, _, err = run_cli("batch", DEMO, folder, "--per-entity", reports, "--out", out)
    assert code == 1
    assert err.splitlines() == [
        f"{reports / 'b.html'}: cannot write: is a folder",
        "qualscore: 1 of the --per-entity reports could not be written",
    ]
    assert sorted(p.name for p in reports.iterdir()) == ["a.html", "b.html", "c.html"]
    assert (reports / "b.html").is_dir()
    assert len(json.loads(out.read_text(encoding="utf-8"))["ranking"]) == 3
