"""Attacks on what a run writes: outputs over its inputs and over each other, entity names
that make bad file names, workbooks past a format's limits, a closed or broken stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from . import ROOT, attack, run
from .attacks_batch import RUGAO, city_table

DEMO = ROOT / "examples" / "demo"
GOOD = DEMO / "facts" / "good-county.yaml"
QUALSCORE = [sys.executable, "-m", "qualscore"]
WAIT = 600
"""Seconds before a process is called hung: generous, never a measure."""


def facts(tmp: Path, *names: str) -> Path:
    """A folder holding the demo's good county under each of ``names``."""
    folder = tmp / "facts"
    folder.mkdir()
    for name in names:
        shutil.copy(GOOD, folder / f"{name}.yaml")
    return folder


def entity_of(path: Path) -> str:
    """The entity a --per-entity JSON report is of."""
    return str(json.loads(path.read_text(encoding="utf-8"))["entity"])


@contextlib.contextmanager
def xlsx_limits(**limits: int) -> Iterator[None]:
    """Hold every workbook to smaller limits while inside (no million rows written)."""
    from qualscore.report import batch as writers

    real = writers.XLSX_LIMITS
    writers.XLSX_LIMITS = writers.XlsxLimits(**limits)
    try:
        yield
    finally:
        writers.XLSX_LIMITS = real


# --- outputs over inputs and over each other ------------------------------------------------


@attack("--per-entity: an entity named like the --compare file beside it leaves that file be")
def attack_entity_named_like_compare(tmp: Path) -> None:
    folder = facts(tmp, "last", "other")
    reports = tmp / "reports"
    reports.mkdir()
    last = reports / "last.json"
    assert run(["batch", DEMO, folder, "--out", last]).code == 0
    kept = last.read_bytes()
    done = run(["batch", DEMO, folder, "--compare", last, "--per-entity", reports,
                "--per-entity-format", "json"])  # fmt: skip
    assert done.code == 0, done.err[:300]
    assert last.read_bytes() == kept, "last year's batch was overwritten by an entity's report"
    assert entity_of(reports / "last-2.json") == "last"
    assert "last.json is an input" in done.err, "the move was not told"


@attack("--out naming an entity's report: --out is the batch, the report goes beside it")
def attack_out_named_like_a_report(tmp: Path) -> None:
    folder = facts(tmp, "all", "b")
    reports = tmp / "reports"
    done = run(["batch", DEMO, folder, "--out", reports / "all.json", "--per-entity", reports,
                "--per-entity-format", "json"])  # fmt: skip
    assert done.code == 0, done.err[:300]
    assert "ranking" in json.loads((reports / "all.json").read_text(encoding="utf-8"))
    assert entity_of(reports / "all-2.json") == "all"
    assert "is the --out file" in done.err


@attack("--out over --compare (batch, evaluate) or --cohort (evaluate) is refused; both kept")
def attack_out_over_compare_or_cohort(tmp: Path) -> None:
    folder = facts(tmp, "a")
    last = tmp / "last.json"
    assert run(["batch", DEMO, folder, "--out", last]).code == 0
    kept = last.read_bytes()
    run(["batch", DEMO, folder, "--out", last, "--compare", last]).user_error("an input")
    for flag in ("--compare", "--cohort"):
        run(["evaluate", DEMO, GOOD, "--format", "json", "--out", last, flag, last]).user_error(
            "an input"
        )
    assert last.read_bytes() == kept, "--compare/--cohort file overwritten"


@attack("--per-entity inside an input folder, or naming --out's path, is refused up front")
def attack_per_entity_over_inputs_or_out(tmp: Path) -> None:
    folder = facts(tmp, "a")
    run(["batch", DEMO, folder, "--per-entity", folder / "r"]).user_error("input folder")
    both = tmp / "both"
    run(["batch", DEMO, folder, "--per-entity", both, "--out", both]).user_error("--out")
    assert not both.exists() and not (folder / "r").exists(), "something was written"


@attack("a JSON facts file in the reports folder is not replaced by its entity's JSON report")
def attack_report_over_json_facts(tmp: Path) -> None:
    import yaml

    here = tmp / "here"
    here.mkdir()
    given = here / "a.json"
    given.write_text(json.dumps(yaml.safe_load(GOOD.read_text(encoding="utf-8"))), "utf-8")
    kept = given.read_bytes()
    done = run(["batch", DEMO, given, "--per-entity", here, "--per-entity-format", "json"])
    assert done.code == 0, done.err[:300]
    assert given.read_bytes() == kept, "the facts file was replaced by a report"
    assert entity_of(here / "a-2.json") == "a"


# --- entity names as file names -------------------------------------------------------------


@attack("a name of 100 Chinese characters (300 bytes) costs nothing: every report and --out")
def attack_long_entity_name(tmp: Path) -> None:
    table = city_table(tmp / "c.csv", ["中" * 100, "中" * 100 + "乙", "after"])
    reports, out = tmp / "reports", tmp / "r.json"
    done = run(["batch", RUGAO, table, "--per-entity", reports, "--out", out])
    assert done.code == 0, done.err[:300]
    names = [p.name for p in reports.iterdir()]
    assert len(names) == 3 and "after.html" in names, f"reports: {names}"
    assert all(len(n.encode()) <= 255 for n in names)
    assert len(json.loads(out.read_text(encoding="utf-8"))["ranking"]) == 3


@attack("names clashing as file names (case, /, :, fullwidth) settle the same for any order or --jobs")
def attack_clashing_names(tmp: Path) -> None:
    names = ["a", "A", "a:b", "a/b", "ａ", "a-2", "..", "entity"]
    seen = []
    for n, (order, jobs) in enumerate(((names, "1"), (names[::-1], "2"))):
        table = city_table(tmp / f"c{n}.csv", order)
        reports = tmp / f"r{n}"
        done = run(["batch", RUGAO, table, "--per-entity", reports, "--jobs", jobs,
                    "--per-entity-format", "json"])  # fmt: skip
        assert done.code == 0, done.err[:300]
        seen.append({p.name: entity_of(p) for p in reports.iterdir()})
        assert done.err.count("qualscore: note: the report of entity") == 4, done.err
    assert seen[0] == seen[1], f"{seen[0]} != {seen[1]}"
    assert sorted(seen[0].values()) == sorted(names), "a report is missing or twice"


@attack("a report that cannot be written (a folder in its place) costs that report only")
def attack_report_cannot_be_written(tmp: Path) -> None:
    folder = facts(tmp, "a", "b", "c")
    reports = tmp / "reports"
    (reports / "b.html").mkdir(parents=True)
    done = run(["batch", DEMO, folder, "--per-entity", reports, "--out", tmp / "r.csv"])
    assert done.code == 1, f"exit {done.code}"
    assert "b.html: cannot write: is a folder" in done.err
    assert (reports / "a.html").is_file() and (reports / "c.html").is_file()
    assert (tmp / "r.csv").read_text(encoding="utf-8").count("\n") == 4


# --- formats' limits ------------------------------------------------------------------------


@attack("an XLSX table longer than a sheet holds goes on over further sheets, header repeated")
def attack_xlsx_too_long(tmp: Path) -> None:
    from openpyxl import load_workbook

    out = tmp / "r.xlsx"
    with xlsx_limits(rows=8):
        done = run(["batch", DEMO, DEMO / "facts", "--out", out])
    assert done.code == 0, done.err[:300]
    book = load_workbook(out)
    explained = [s for s in book.sheetnames if s.startswith("Items explained")]
    assert explained[:2] == ["Items explained", "Items explained (2)"], book.sheetnames
    rows = sum(book[s].max_row - 1 for s in explained)
    assert rows == 36, f"{rows} explanation rows, not 36"
    assert all(book[s].max_row <= 8 for s in book.sheetnames)


@attack("an XLSX row wider than a sheet, or a name longer than a cell, is refused in one line")
def attack_xlsx_too_wide(tmp: Path) -> None:
    table = city_table(tmp / "c.csv", ["x" * 300])
    out = tmp / "r.xlsx"
    with xlsx_limits(columns=20):
        run(["batch", RUGAO, table, "--out", out]).user_error("columns; an XLSX sheet holds 20")
    with xlsx_limits(cell=200):
        run(["batch", RUGAO, table, "--out", out]).user_error("an XLSX cell holds 200")
    assert not out.exists()


# --- stdout ---------------------------------------------------------------------------------


def _process(script: str, *args: str | Path, shell: str = "sh") -> subprocess.CompletedProcess[str]:
    argv = [shell, "-c", script, shell, *QUALSCORE, *(str(a) for a in args)]
    return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=WAIT)


@attack("stdout closed (>&-): evaluate, evaluate --format json and batch say so, exit 2")
def attack_stdout_closed(tmp: Path) -> None:
    for args in (["evaluate", DEMO, GOOD], ["evaluate", DEMO, GOOD, "--format", "json"],
                 ["batch", DEMO, DEMO / "facts"]):  # fmt: skip
        done = _process('exec "$@" >&-', *args)
        assert (done.returncode, done.stderr) == (2, "qualscore: stdout: closed\n"), (
            f"{args[0]}: exit {done.returncode}, stderr {done.stderr[-300:]!r}"
        )


@attack("| head -1: the first line through, then one line on stderr and exit 2, no traceback")
def attack_stdout_head(tmp: Path) -> None:
    city = ROOT / "examples" / "rugao-2018" / "city-sample.yaml"
    done = _process('set -o pipefail; "$@" | head -1', "evaluate", RUGAO, city, "--explain",
                    "all", shell="bash")  # fmt: skip
    assert done.stdout.count("\n") == 1, "head did not get its line"
    assert (done.returncode, done.stderr) == (2, "qualscore: stdout: broken pipe\n"), (
        f"exit {done.returncode}, stderr {done.stderr[-300:]!r}"
    )


@attack("batch into a pipe nobody reads: one line, exit 2, not a silent exit 1")
def attack_stdout_no_reader(tmp: Path) -> None:
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([*QUALSCORE, "batch", str(DEMO), str(DEMO / "facts")],
                              stdout=write, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                              timeout=WAIT)  # fmt: skip
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (2, "qualscore: stdout: broken pipe\n"), (
        f"exit {done.returncode}, stderr {done.stderr[-300:]!r}"
    )
