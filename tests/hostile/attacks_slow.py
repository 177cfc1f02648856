"""Attacks that cost time or leave things wrong quietly: work counted, never seconds.

- thousands of cross-fact checks against formula items whose range leaves
  [0, points] (each check was tried on 4,096 candidate facts per item);
- a table of thousands of unknown columns (a "did you mean" search per cell);
- an XLSX table whose rows end in blank cells (read as missing, not blank);
- ``qualscore new`` whose copy fails (a broken rule set left behind).
"""

from __future__ import annotations

import csv
import difflib
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import qualscore
from qualscore.analyst import newyear
from qualscore.ruleset.formula import Formula
from qualscore.source.suggest import MAX_SEARCHES

from . import ROOT, attack, run

MINI = ROOT / "tests/fixtures/mini"
TOWNS_RULES = ROOT / "rules/rugao-2018-towns"
TOWNS = ROOT / "examples/rugao-2018/towns"


@contextmanager
def counting(
    obj: Any, name: str, count: Callable[..., bool] = lambda *a, **k: True
) -> Iterator[list[int]]:
    """``obj.name`` counted while inside: the list holds how many calls ``count`` accepted."""
    calls = [0]
    real = getattr(obj, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += bool(count(*args, **kwargs))
        return real(*args, **kwargs)

    setattr(obj, name, counted)
    try:
        yield calls
    finally:
        setattr(obj, name, real)


def _mini(tmp: Path) -> Path:
    rules = tmp / "mini"
    shutil.copytree(MINI, rules)
    return rules


@attack("3,000 cross-fact checks against a formula leaving [0, points]: a few verdicts a check")
def attack_thousands_of_checks_and_a_formula(tmp: Path) -> None:
    rules = _mini(tmp)
    checks = 3_000
    with (rules / "facts.yaml").open("a", encoding="utf-8") as facts:
        for k in range(checks):
            facts.write(
                f"  - when: rate <= {100 + k} or failing <= ports\n    message: check {k}\n"
            )
    category = rules / "categories/1-main.yaml"
    text = category.read_text(encoding="utf-8").replace("points: 7", "points: 8", 1)
    expr = "rate / 20 - 2 + min(reports, 3) / 7 - min(failing, 5) / 11 + min(ports, 13) / 17"
    text += (
        '  - id: "5"\n    title: Net\n    points: 1\n    criteria: net\n'
        f"    departments: [Office]\n    score:\n      kind: formula\n      expr: {expr}\n"
    )
    category.write_text(text, encoding="utf-8")
    ruleset = qualscore.load_rules(rules)
    mine = {id(c.when) for c in ruleset.checks.checks}
    with counting(Formula, "evaluate", lambda self, values: id(self) in mine) as calls:
        found = [w for w in qualscore.lint(ruleset) if w.node == "item 5"]
    assert len(found) == 1 and "its formula gives -2 at" in found[0].message, found
    # Trying each check on each candidate was 4,096 evaluations a check.
    assert 0 < calls[0] <= 16 * checks, f"{calls[0]:,} check evaluations for {checks:,} checks"
    outcome = run(["validate", rules])
    assert outcome.code == 0 and "item 5: its formula gives" in outcome.err, outcome.err[:300]


@attack("a facts table of 20,000 unknown columns: every one named, 20 suggestion searches")
def attack_thousands_of_unknown_columns(tmp: Path) -> None:
    keys = ["done", "rate", "reports", "ports", "failing", "awards", "incident"]
    extra = ["reprots_", *(f"x{i}" for i in range(19_999))]
    table = tmp / "wide.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["entity", *keys, *extra])
        for name in "ABC":
            writer.writerow([name, "true", "90", "3", "2", "1", "0", "false", *["1"] * len(extra)])
    with counting(difflib, "get_close_matches") as searches:
        outcome = run(["batch", MINI, table, "--quiet", "--jobs", "1"]).user_error()
    lines = outcome.err.splitlines()
    assert len(lines) == 3 * len(extra), f"{len(lines):,} problems, not {3 * len(extra):,}"
    assert lines[0] == f"{table}:2:9: unknown fact 'reprots_'; did you mean 'reports'?", lines[0]
    assert searches[0] <= MAX_SEARCHES, f"{searches[0]:,} difflib searches (one a cell once)"


def _towns_table(tmp: Path) -> tuple[Path, list[str], list[list[Any]]]:
    """The towns rule set without its targets.yaml, and a facts table of the example towns
    with their targets, the one blank for half of them last."""
    import yaml

    rules = tmp / "towns"
    shutil.copytree(TOWNS_RULES, rules)
    given = yaml.safe_load((rules / "targets.yaml").read_text(encoding="utf-8"))
    (rules / "targets.yaml").unlink()
    targets = sorted(given["targets"], key=lambda k: k == "jiangsu_brand_applications_target")
    header: list[str] = []
    rows = []
    for i, name in enumerate(given["entities"]):
        facts = yaml.safe_load((TOWNS / f"{name}.yaml").read_text(encoding="utf-8"))
        actual = [k for k in facts if k not in ("entity", "period")]
        header = ["entity", *actual, *targets]
        values = {k: v[i] if isinstance(v, list) else v for k, v in given["targets"].items()}
        rows.append([name, *(facts[k] for k in actual), *(values[k] for k in targets)])
    return rules, header, rows


@attack("an XLSX table whose rows end in blank targets scores every town, as its CSV does")
def attack_xlsx_rows_ending_in_blanks(tmp: Path) -> None:
    from openpyxl import Workbook

    rules, header, rows = _towns_table(tmp)
    assert sum(r[-1] is None for r in rows) >= 5
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)  # a None at the end of a row: no cell written
    book.save(tmp / "towns.xlsx")
    with (tmp / "towns.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([str(v).lower() if isinstance(v, bool) else v for v in r] for r in rows)
    ranking = {}
    for kind in ("csv", "xlsx"):
        out = tmp / f"{kind}.json"
        outcome = run(
            ["batch", rules, tmp / f"towns.{kind}", "--quiet", "--jobs", "1", "--out", out]
        )
        assert outcome.code == 0, f"{kind}: exit {outcome.code}: {outcome.err[:200]}"
        data = json.loads(out.read_text(encoding="utf-8"))
        assert data["failed"] == [], f"{kind}: {len(data['failed'])} towns refused"
        ranking[kind] = data["ranking"]
    assert len(ranking["xlsx"]) == len(rows)
    assert ranking["xlsx"] == ranking["csv"], "the XLSX scores differ from the CSV's"


@attack("qualscore new whose copy does not load (an anchored year) leaves no folder behind")
def attack_new_copy_that_does_not_load(tmp: Path) -> None:
    source = _mini(tmp)
    manifest = source / "ruleset.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("year: 2024", "year: &y 2024"),
        encoding="utf-8",
    )
    target = tmp / "next"
    run(["new", source, target, "--year", "2025"]).user_error(
        f"{target}: the copy does not load (below); nothing was written",
        f"{target}/ruleset.yaml:4:7: year: input should be a valid integer",
    )
    assert sorted(p.name for p in tmp.iterdir()) == ["mini"], sorted(p.name for p in tmp.iterdir())


@attack("Ctrl-C while qualscore new copies leaves no half-made folder behind")
def attack_new_interrupted(tmp: Path) -> None:
    real = newyear._repoint_schemas

    def interrupt(*args: Any) -> None:
        raise KeyboardInterrupt

    newyear._repoint_schemas = interrupt  # type: ignore[assignment]
    try:
        outcome = run(["new", MINI, tmp / "next", "--year", "2025"])
    finally:
        newyear._repoint_schemas = real  # type: ignore[assignment]
    assert outcome.code == 130, f"exit {outcome.code}"
    assert list(tmp.iterdir()) == [], sorted(p.name for p in tmp.iterdir())
