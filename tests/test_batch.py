"""Many entities: targets, batch scoring and ranking, tables in and out, templates."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

import qualscore
from conftest import ROOT, require_program, run_cli
from qualscore.batch.runner import (
    completion,
    ranking,
    read_inputs,
    score_all,
    score_stream,
    target_items,
)
from qualscore.cli.app import main
from qualscore.errors import SourceError
from qualscore.facts.targets import load_targets

RUGAO = ROOT / "rules/rugao-2018"
TOWNS_RULES = ROOT / "rules/rugao-2018-towns"
TOWNS = ROOT / "examples/rugao-2018/towns"
SAMPLE = ROOT / "examples/rugao-2018/city-sample.yaml"

# Checked by hand against the source's 目标任务分解表 and each town's facts file:
# one letter per target row 1..13, Y met, N missed, - no target for that town.
EXPECTED_MATRIX = {
    "如城街道": "YNNYYYYYYYYNN",
    "开发区（城北街道）": "NNYNYNYNYNNNN",
    "长江镇（如皋港区）": "YYYYYYYYYYYNY",
    "高新区（城南街道）": "-NYY-YYYYYYNY",
    "东陈": "-N-YYYNYYYYYY",
    "丁堰": "YY-N-YYYYYYYY",
    "白蒲": "YY-Y-NYYYNYYY",
    "下原": "-Y-Y-YNYNYYYN",
    "九华": "YN-NYNYYYYYYY",
    "石庄": "-Y-Y-YYYYYYYY",
    "吴窑": "-N-Y-NYYYYYNN",
    "江安": "-N-N-YYNYNNNY",
    "搬经": "NY-Y-YYYYYNNY",
    "磨头": "-Y-Y-NYYYYYYY",
}


def test_towns_completion_matrix() -> None:
    """Each town's 13 targets are met, missed or not applicable exactly as checked by hand."""
    entities, problems = read_inputs([str(TOWNS)])
    assert problems == [] and len(entities) == 14
    outcomes = score_all(str(TOWNS_RULES), entities, targets_path=str(TOWNS_RULES / "targets.yaml"))
    rules = qualscore.load_rules(TOWNS_RULES)
    ids = target_items(rules)
    assert ids == tuple(str(i) for i in range(1, 14))
    got = {}
    for outcome in outcomes:
        assert outcome.result is not None, outcome.problems
        cells, _ = completion(outcome.result, ids)
        got[outcome.entity.name] = "".join(
            {"met": "Y", "missed": "N", "na": "-"}[cells[i].state] for i in ids
        )
    assert got == EXPECTED_MATRIX


def test_completion_share_and_shortfall() -> None:
    """东陈 meets 10 of its 11 applicable targets and misses row 2 by 1 and row 7 by 4.7."""
    entities, _ = read_inputs([str(TOWNS / "东陈.yaml")])
    [outcome] = score_all(
        str(TOWNS_RULES), entities, targets_path=str(TOWNS_RULES / "targets.yaml")
    )
    assert outcome.result is not None
    cells, share = completion(outcome.result, tuple(str(i) for i in range(1, 14)))
    assert share == Decimal("81.82")  # 9 of 11, half up
    assert (cells["2"].state, cells["2"].shortfall) == ("missed", Decimal(1))
    assert (cells["7"].state, cells["7"].shortfall) == ("missed", Decimal("4.7"))
    assert cells["1"].state == "na"
    assert outcome.result.item("1").not_applicable == "无此项目标任务（江苏名牌申报数（目标任务））"


def test_strict_bound_missed_at_equality() -> None:
    """Rows 9-10 are met only below the bound: a death rate of exactly 0.1 misses."""
    entities, _ = read_inputs([str(TOWNS / "白蒲.yaml")])
    [outcome] = score_all(
        str(TOWNS_RULES), entities, targets_path=str(TOWNS_RULES / "targets.yaml")
    )
    assert outcome.result is not None
    trace = outcome.result.item("10").shape
    assert isinstance(trace, qualscore.scoring.trace.TargetTrace)
    assert (trace.actual, trace.target, trace.met) == (Decimal("0.1"), Decimal("0.1"), False)


def test_ranking_ties_share_a_rank_and_vetoed_last(tmp_path: Path) -> None:
    """Equal totals share a rank and are listed by name; a vetoed entity comes last."""
    text = SAMPLE.read_text(encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "z.yaml").write_text(
        text.replace("systemic_quality_incident: false", "systemic_quality_incident: true"),
        encoding="utf-8",
    )
    (tmp_path / "c.yaml").write_text(
        text.replace("credit_reports: 8", "credit_reports: 10"), encoding="utf-8"
    )
    entities, _ = read_inputs([str(tmp_path)])
    ranked = ranking(o.row for o in score_all(str(RUGAO), entities) if o.row is not None)
    assert [(r.rank, r.name, r.row.total) for r in ranked] == [
        (1, "a", Decimal("90.39")),
        (1, "b", Decimal("90.39")),
        (1, "c", Decimal("90.39")),
        (4, "z", Decimal("90.39")),
    ]


@pytest.mark.parametrize(
    ("rules_dir", "inputs"),
    [(TOWNS_RULES, [TOWNS]), (RUGAO, [SAMPLE, ROOT / "examples/rugao-2018/city-b.yaml"])],
)
def test_fast_rows_equal_full_rows(rules_dir: Path, inputs: list[Path]) -> None:
    """A row from the scores-only path equals the row built from the full trace."""
    entities, _ = read_inputs([str(i) for i in inputs])
    targets = str(rules_dir / "targets.yaml") if (rules_dir / "targets.yaml").exists() else None
    fast = list(score_stream(str(rules_dir), entities, targets_path=targets))
    full = list(score_stream(str(rules_dir), entities, targets_path=targets, keep=True))
    assert [o.row for o in fast] == [o.row for o in full]
    assert all(o.row is not None for o in fast)


def test_broken_row_costs_only_itself(tmp_path: Path) -> None:
    """A CSV with a bad value in one row: the others are scored, the row is named, exit 1."""
    rules = qualscore.load_rules(RUGAO)
    facts = qualscore.load_facts(rules, SAMPLE).values
    keys = [f.key for f in rules.facts]
    table = tmp_path / "cities.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["entity", *keys])
        for name in ("甲", "乙", "丙"):
            row = [
                str(facts[k]).lower() if isinstance(facts[k], bool) else str(facts[k]) for k in keys
            ]
            if name == "乙":
                row[keys.index("credit_reports")] = "八"
            writer.writerow([name, *row])
    out_file = tmp_path / "out.csv"
    code, _, err = run_cli("batch", str(RUGAO), str(table), "--out", str(out_file))
    col = keys.index("credit_reports") + 2
    assert code == 1
    assert err.splitlines() == [
        f"{table}:3:{col}: credit_reports: expected a number, got '八'",
        "qualscore: 2 scored, 1 could not be scored",
    ]
    lines = out_file.read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["1", "丙", "90.39"],
        ["1", "甲", "90.39"],
    ]


def test_jobs_give_identical_outputs(tmp_path: Path) -> None:
    """--jobs 1 and --jobs 2 write byte-identical CSV, JSON and XLSX."""
    for suffix in ("csv", "json", "xlsx"):
        one, two = tmp_path / f"1.{suffix}", tmp_path / f"2.{suffix}"
        assert run_cli("batch", str(TOWNS_RULES), str(TOWNS), "--out", str(one), "--jobs", "1")[0] == 0
        assert run_cli("batch", str(TOWNS_RULES), str(TOWNS), "--out", str(two), "--jobs", "2")[0] == 0
        assert one.read_bytes() == two.read_bytes(), suffix


def test_json_output_has_ranking_and_matrix(tmp_path: Path) -> None:
    """The JSON batch output carries the tie rule, the ranking and each town's targets."""
    target = tmp_path / "towns.json"
    assert run_cli("batch", str(TOWNS_RULES), str(TOWNS), "--out", str(target))[0] == 0
    doc = json.loads(target.read_text(encoding="utf-8"))
    first = doc["ranking"][0]
    assert (first["rank"], first["entity"], first["total"]) == (1, "长江镇（如皋港区）", "12")
    assert first["completion_percent"] == "92.31"
    assert first["targets"]["12"] == {"state": "missed", "shortfall": "2"}
    assert "名次相同" in doc["tie_rule"]


def test_interrupted_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while writing: exit 130 in one line, the previous output whole, no stray file."""
    target = tmp_path / "out.csv"
    target.write_text("old,content\n", encoding="utf-8")

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    err = io.StringIO()
    code = main(
        ["batch", str(TOWNS_RULES), str(TOWNS), "--out", str(target)],
        stdout=io.StringIO(),
        stderr=err,
    )
    assert (code, err.getvalue()) == (130, "qualscore: interrupted\n")
    assert target.read_text(encoding="utf-8") == "old,content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_no_progress_bar_when_not_a_terminal() -> None:
    """Output to a pipe carries no progress bar, only the results."""
    code, out, err = run_cli("batch", str(TOWNS_RULES), str(TOWNS))
    assert code == 0 and err == ""
    assert "scoring" not in out


def test_targets_table_from_csv(tmp_path: Path) -> None:
    """A CSV target table works like the YAML one; a blank cell means no target."""
    rules = qualscore.load_rules(TOWNS_RULES)
    table = tmp_path / "t.csv"
    table.write_text("entity,jiangsu_brand_applications_target\n东陈,\n丁堰,1\n", encoding="utf-8")
    targets = load_targets(rules, table)
    assert targets.for_entity("东陈") == {"jiangsu_brand_applications_target": None}
    assert targets.for_entity("丁堰") == {"jiangsu_brand_applications_target": "1"}


def test_unknown_target_key(tmp_path: Path) -> None:
    """A table column that is not a declared target is refused with a suggestion."""
    rules = qualscore.load_rules(TOWNS_RULES)
    table = tmp_path / "t.csv"
    table.write_text("entity,jiangsu_brand_application_target\n东陈,1\n", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load_targets(rules, table)
    assert [str(p) for p in info.value.problems] == [
        f"{table}:1:2: 'jiangsu_brand_application_target' is not a declared target; "
        "did you mean 'jiangsu_brand_applications_target'?"
    ]


def fill(values: dict[str, object], key: str) -> object:
    value = values[key]
    return value if isinstance(value, bool) else Decimal(str(value))


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_filled_template_loads_as_facts(fmt: str, tmp_path: Path) -> None:
    """template → filled in → scored, in every template format, without editing anything else."""
    rules = qualscore.load_rules(RUGAO)
    values = dict(qualscore.load_facts(rules, SAMPLE).values)
    path = tmp_path / f"t.{fmt}"
    assert run_cli("template", str(RUGAO), "--format", fmt, "--out", str(path))[0] == 0
    if fmt == "yaml":
        lines = path.read_text(encoding="utf-8").splitlines()
        text = "\n".join(
            f"{line} {str(values[line[:-1]]).lower()}"
            if line.endswith(":") and not line.startswith("#")
            else line
            for line in lines
        )
        path.write_text(text + "\n", encoding="utf-8")
    elif fmt == "csv":
        rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
        for row in rows[1:]:
            row[-1] = str(values[row[2]]).lower()
        path.write_text(
            "\n".join(",".join(f'"{c}"' for c in r) for r in rows) + "\n", encoding="utf-8"
        )
    else:
        from openpyxl import load_workbook

        book = load_workbook(path)
        sheet = book.active
        assert sheet is not None
        for row in sheet.iter_rows(min_row=2):
            value = values[str(row[2].value)]
            row[7].value = value if isinstance(value, bool) else float(str(value))
        book.save(path)
    facts = qualscore.load_facts(rules, path)
    assert qualscore.evaluate(rules, facts).total == Decimal("90.39")


def test_template_groups_by_department() -> None:
    """The YAML template names each department once, its facts beneath it."""
    code, out, _ = run_cli("template", str(RUGAO))
    assert code == 0
    headers = [line for line in out.splitlines() if line.startswith("# ── ")]
    assert len(headers) == len(set(headers))
    assert "# ── 市农委 ──" in headers
    assert out.count(":\n") >= 139  # every fact but none of the targets


def libreoffice() -> str:
    """LibreOffice, or skip (fail under QUALSCORE_REQUIRE_OFFICE=1)."""
    return require_program(("soffice", "libreoffice"), "LibreOffice", "QUALSCORE_REQUIRE_OFFICE")


@pytest.mark.slow  # runs a real browser or office suite
def test_xlsx_opens_in_a_real_spreadsheet(tmp_path: Path) -> None:
    """LibreOffice converts the item sheet to CSV and reads back the same numbers."""
    office = libreoffice()
    book = tmp_path / "towns.xlsx"
    assert run_cli("batch", str(TOWNS_RULES), str(TOWNS), "--out", str(book))[0] == 0
    subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            # UTF-8, cells as shown (so the two-decimal format shows), every sheet to its own file
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
            "--outdir",
            str(tmp_path),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )

    def sheet(name: str) -> list[list[str]]:
        text = (tmp_path / f"towns-{name}.csv").read_text(encoding="utf-8")
        return list(csv.reader(text.splitlines()))

    summary = sheet("总览")
    # Headers in the rule set's language, the share as a percentage.
    assert summary[0] == ["名次", "被考核单位", "总分", "否决项", "考核结果", "目标完成率"]
    assert summary[1] == ["1", "长江镇（如皋港区）", "12.00", "否", "已评分", "92.31%"]
    assert [row[1] for row in summary[1:15]] == [r for r in summary_names()]
    items = sheet("各项得分")
    assert items[1][6:8] == ["江苏名牌申报数", "南通名牌申报数"]  # titles under the ids
    assert items[3][:6] == ["1", "长江镇（如皋港区）", "12.00", "否", "已评分", "92.31%"]
    assert items[3][6:] == ["1.00"] * 11 + ["0.00", "1.00"]
    matrix = sheet("目标任务完成情况")
    assert matrix[1][12] == "✗ 差2"
    notes = sheet("逐项说明")
    assert notes[0][:3] == ["被考核单位", "项目", "内容"]
    assert any(row[1] == "12" and "差 2" in row[6] for row in notes[1:])
    failed = sheet("未能评分")
    assert failed[0] == ["被考核单位", "来源", "原因"]
    about = sheet("关于本表")
    assert about[2][1] == writers_sha()


def writers_sha() -> str:
    import qualscore

    return qualscore.load_rules(TOWNS_RULES).sha256


def summary_names() -> list[str]:
    """The towns in ranking order, from the scores checked above."""
    return [
        "长江镇（如皋港区）",
        "丁堰",
        "石庄",
        "东陈",
        "九华",
        "如城街道",
        "白蒲",
        "磨头",
        "高新区（城南街道）",
        "搬经",
        "下原",
        "吴窑",
        "开发区（城北街道）",
        "江安",
    ]


def test_xlsx_facts_table_in(tmp_path: Path) -> None:
    """An XLSX with one row per entity is read like the CSV: numbers exact, booleans as booleans."""
    from openpyxl import Workbook

    rules = qualscore.load_rules(RUGAO)
    facts = qualscore.load_facts(rules, SAMPLE).values
    keys = [f.key for f in rules.facts]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["entity", *keys])
    for name, rate in (("甲", 91.0), ("乙", 89.99)):
        values = [rate if k == "provincial_spot_check_pass_rate" else
                  (facts[k] if isinstance(facts[k], bool) else float(str(facts[k]))) for k in keys]
        sheet.append([name, *values])
    table = tmp_path / "cities.xlsx"
    book.save(table)
    out = tmp_path / "out.json"
    assert run_cli("batch", str(RUGAO), str(table), "--out", str(out))[0] == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    scores = {r["entity"]: r["items"]["19.2"] for r in doc["ranking"]}
    assert scores == {"甲": "0.5", "乙": "0"}


def test_progress_bar_on_a_terminal() -> None:
    """On a terminal a batch of 50 or more shows a progress bar; --quiet hides it."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    shown, hidden = Terminal(), Terminal()
    from qualscore.cli import common as cli

    with cli.progress(60, shown, quiet=False) as advance:
        assert advance is not None
        advance(60)
    with cli.progress(60, hidden, quiet=True) as advance:
        assert advance is None
    with cli.progress(10, hidden, quiet=False) as advance:
        assert advance is None
    assert "scoring" in shown.getvalue()
    assert hidden.getvalue() == ""


def test_batches_of_two_rule_sets_interleave_in_one_process() -> None:
    """A batch is given its rule set, not a folder to keep in the module: two batches of
    different schemes, their streams read turn about, each score as they do alone."""
    from qualscore.batch.runner import Shared

    towns, _ = read_inputs([str(TOWNS)])
    cities, _ = read_inputs([str(ROOT / "examples/rugao-2018")])
    shared = Shared.of(str(TOWNS_RULES), str(TOWNS_RULES / "targets.yaml"))
    alone_towns = [o.row for o in score_stream(shared, towns)]
    alone_cities = [o.row for o in score_stream(qualscore.load_rules(RUGAO), cities)]
    one = score_stream(shared, towns)
    two = score_stream(qualscore.load_rules(RUGAO), cities)
    mixed_towns, mixed_cities = [], []
    for _ in range(len(towns)):
        mixed_towns.append(next(one).row)
        if len(mixed_cities) < len(cities):
            mixed_cities.append(next(two).row)
    assert mixed_towns == alone_towns and mixed_cities == alone_cities
    assert alone_towns[0] is not None and alone_towns[0].cells  # the targets were read once


def test_shared_sent_to_a_process_reloads_only_the_same_rule_files(tmp_path: Path) -> None:
    """Where worker processes are spawned, the rule set goes as its folder and fingerprint:
    the same files load again; files changed since are refused, never scored by."""
    import pickle
    import shutil

    from qualscore.batch.runner import Shared
    from qualscore.errors import RuleSetError

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "examples/demo", rules)
    shared = Shared.of(str(rules))
    sent = pickle.dumps(shared)
    assert pickle.loads(sent).ruleset.sha256 == shared.ruleset.sha256
    manifest = rules / "ruleset.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with pytest.raises(RuleSetError, match="changed while the batch ran"):
        pickle.loads(sent)
