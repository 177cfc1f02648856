"""Templates departments fill in: headed in the rule set's language, checked as they are
typed into, with an instructions sheet; filled in, they load back as facts. Booleans are
true/false or 是/否 wherever a boolean is read."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import qualscore
from conftest import rule_folder, run_cli
from qualscore import FactsError, check_facts, load_facts, load_rules
from qualscore.catalogue import LANGUAGES
from qualscore.report.template import list_xlsx, to_csv, to_xlsx
from qualscore.source.tables import read_table

D = Decimal

_MANIFEST = """\
id: tpl-2024
title: 模板考核
year: 2024
language: {language}
rounding: {{places: 2, mode: half_up}}
total_points: 60
departments: [办公室, 质监科]
"""

_FACTS = """\
facts:
  - {key: done, type: bool, label: 已完成}
  - {key: rate, type: percent, label: 达标率, unit: "%", min: 60}
  - {key: visits, type: count, label: 检查次数, unit: 次}
  - {key: level, type: choice, label: 级别, choices: [省级, 市级, "县,乡"]}
  - {key: delta, type: number, label: 变化, min: -5, max: 5.5}
  - {key: extra, type: number, label: 其他}
lists:
  - key: tasks
    label: 任务
    fields:
      - {key: name, type: text, label: 名称}
      - {key: finished, type: bool, label: 是否完成}
    aggregates:
      - {key: finished_count, label: 完成数, stat: count, where: finished}
"""

_ITEMS = """\
id: A
title: 工作
points: 60
items:
  - {id: A1, title: 完成, points: 10, criteria: 完成得10分, departments: [办公室],
     score: {kind: formula, expr: "10 if done else 0"}}
  - {id: A2, title: 达标, points: 10, criteria: 达标率, departments: [质监科],
     score: {kind: formula, expr: "rate / 10"}}
  - {id: A3, title: 检查, points: 10, criteria: 每次1分, departments: [质监科],
     score: {kind: formula, expr: "min(visits, 10)"}}
  - {id: A4, title: 级别, points: 10, criteria: 省级10分, departments: [办公室],
     score: {kind: formula, expr: "10 if level == '省级' else 5"}}
  - {id: A5, title: 变化, points: 10, criteria: 变化加分, departments: [办公室],
     score: {kind: formula, expr: "max(0, delta) + min(extra, 0) * 0"}}
  - {id: A6, title: 任务, points: 10, criteria: 每项2分, departments: [办公室],
     score: {kind: formula, expr: "min(finished_count * 2, 10)"}}
"""

_VALUES: dict[str, Any] = {
    "done": True, "rate": "91.5", "visits": "7", "level": "县,乡", "delta": "-2.5", "extra": "3",
}  # fmt: skip
_FILLED = {"done": True, "rate": D("91.5"), "visits": 7, "level": "县,乡", "delta": D("-2.5"),
           "extra": 3}  # fmt: skip


@pytest.fixture(name="zh")
def _zh(tmp_path: Path) -> qualscore.RuleSet:
    return load_rules(_write(tmp_path / "zh", "zh"))


@pytest.fixture(name="en")
def _en(tmp_path: Path) -> qualscore.RuleSet:
    return load_rules(_write(tmp_path / "en", "en"))


def _write(root: Path, language: str) -> Path:
    return rule_folder(root, _MANIFEST.format(language=language), _FACTS, a=_ITEMS)


def _given(facts: qualscore.Facts) -> dict[str, Any]:
    return {k: facts.values[k] for k in _FILLED}


# --- headers ------------------------------------------------------------------------------------


def test_a_chinese_rule_sets_csv_template_is_headed_in_chinese(zh: qualscore.RuleSet) -> None:
    """The CSV header, types and ranges of a zh rule set are Chinese, row by row."""
    assert to_csv(zh).splitlines() == [
        "责任单位,相关项目,指标代码,指标名称,类型,计量单位,取值范围,填报值",
        "办公室,A1,done,已完成,是/否,,是 / 否,",
        '办公室,A4,level,级别,选项,,"省级 / 市级 / 县,乡",',
        "办公室,A5,delta,变化,数值,,'-5 至 5.5,",
        "办公室,A5,extra,其他,数值,,任意数,",
        "质监科,A2,rate,达标率,百分比,%,60 至 100,",
        "质监科,A3,visits,检查次数,个数,次,不小于 0（整数）,",
    ]


def test_an_english_rule_sets_csv_template_keeps_its_english_header(en: qualscore.RuleSet) -> None:
    """The en template is as before: English column names, declared types, ``..`` ranges."""
    assert to_csv(en).splitlines()[:4] == [
        "department,items,key,label,type,unit,range,value",
        "办公室,A1,done,已完成,bool,,true / false,",
        '办公室,A4,level,级别,choice,,"省级 / 市级 / 县,乡",',
        "办公室,A5,delta,变化,number,,'-5..5.5,",
    ]


def test_every_english_template_heading_is_the_column_name_it_stands_for() -> None:
    """The English catalogue heads each template column with its own name (what is read)."""
    english = LANGUAGES["en"].WORDS
    names = [k.removeprefix("template_col_") for k in english if k.startswith("template_col_")]
    assert names == ["department", "items", "key", "label", "type", "unit", "range", "value",
                     "entity", "supplier", "evidence", "note"]  # fmt: skip
    assert all(english[f"template_col_{n}"] == n for n in names)


def test_a_chinese_header_reads_as_the_english_one(tmp_path: Path) -> None:
    """指标代码 and 填报值 are read as key and value; 考核对象 as entity; others unchanged."""
    path = tmp_path / "t.csv"
    path.write_text("考核对象,指标代码,填报值,佐证材料,自定义\n甲,done,是,文件1,x\n", "utf-8")
    table = read_table(path)
    assert table.columns == ("entity", "key", "value", "evidence", "自定义")
    assert table.rows[0].values == {"entity": "甲", "key": "done", "value": "是",
                                    "evidence": "文件1", "自定义": "x"}  # fmt: skip


def test_a_column_named_in_both_languages_is_named_twice(tmp_path: Path) -> None:
    """key and 指标代码 in one header: the second is refused as a repeat, saying which it is."""
    path = tmp_path / "t.csv"
    path.write_text("key,指标代码,value\ndone,done,true\n", "utf-8")
    with pytest.raises(qualscore.SourceError) as caught:
        read_table(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:1:2: column '指标代码 = key' appears twice (first in column 1)"
    ]


# --- filled in and loaded back ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_filled_csv_template_loads_as_the_facts(tmp_path: Path, language: str) -> None:
    """The CSV template, its value column filled (是 for zh, true for en), loads the facts."""
    rules = load_rules(_write(tmp_path / "r", language))
    rows = list(csv.reader(io.StringIO(to_csv(rules))))
    flag = "是" if language == "zh" else "TRUE"
    for row in rows[1:]:
        row[7] = flag if row[2] == "done" else str(_VALUES[row[2]])
    path = tmp_path / "filled.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    assert _given(load_facts(rules, path, lists={"tasks": _no_tasks(tmp_path)})) == _FILLED


def _no_tasks(tmp_path: Path) -> Path:
    path = tmp_path / "no-tasks.csv"
    path.write_text("name,finished\n", "utf-8")
    return path


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_filled_xlsx_template_loads_as_the_facts(tmp_path: Path, language: str) -> None:
    """The workbook, its value cells filled with openpyxl (否/是 text, numbers as numbers),
    loads the facts from the sheet after the instructions."""
    from openpyxl import load_workbook

    rules = load_rules(_write(tmp_path / "r", language))
    path = tmp_path / "t.xlsx"
    path.write_bytes(to_xlsx(rules))
    book = load_workbook(path)
    sheet = book.worksheets[1]
    for row in sheet.iter_rows(min_row=2):
        key = str(row[2].value)
        given = _VALUES[key]
        row[7].value = ("是" if language == "zh" else True) if key == "done" else (
            given if key == "level" else float(given))  # fmt: skip
    book.save(path)
    assert _given(load_facts(rules, path, lists={"tasks": _no_tasks(tmp_path)})) == _FILLED


def test_a_filled_template_scores_on_the_command_line(tmp_path: Path) -> None:
    """template --format csv, filled, then evaluate: the filled table scores like the facts."""
    rules = _write(tmp_path / "cli", "zh")
    code, out, err = run_cli("template", rules, "--format", "csv")
    assert code == 0 and err.startswith("qualscore: note: a key/value table holds no list")
    rows = list(csv.reader(io.StringIO(out)))
    for row in rows[1:]:
        row[7] = "否" if row[2] == "done" else str(_VALUES[row[2]])
    table = tmp_path / "filled.csv"
    table.write_text("".join(",".join(f'"{c}"' for c in r) + "\n" for r in rows), "utf-8")
    (tmp_path / "tasks.csv").write_text("name,finished\n修路,是\n建桥,否\n", "utf-8")
    code, out, err = run_cli("evaluate", rules, table, "--list", f"tasks={tmp_path / 'tasks.csv'}",
                             "--format", "json")  # fmt: skip
    assert code == 0, err
    import json

    # 0 + 9.15 + 7 + 5 + 0 + 2
    assert json.loads(out)["total"] == "23.15"


# --- 是/否 wherever a boolean is read -----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [("是", True), ("否", False), ("TRUE", True), ("False", False), (" 是 ", True)],
)
def test_a_boolean_fact_in_yaml_is_true_false_or_shi_fou(
    zh: qualscore.RuleSet, tmp_path: Path, written: str, value: bool
) -> None:
    """A YAML facts file may write 是/否 or true/false in any case, quoted or not."""
    path = tmp_path / "f.yaml"
    body = "".join(f"{k}: {v}\n" for k, v in _VALUES.items() if k not in ("done", "level"))
    path.write_text(f'done: "{written}"\nlevel: "县,乡"\n{body}tasks: []\n', "utf-8")
    assert load_facts(zh, path).values["done"] is value


def test_shi_in_a_batch_row_takes_the_fast_path(tmp_path: Path) -> None:
    """是 in a batch table's row is taken by the fast path as true, with the fingerprint the
    full check gives; a word it does not know is left to the full check."""
    from qualscore.facts.fast import quick_facts

    plain = {k: str(v) for k, v in _VALUES.items() if k != "done"} | {"level": "1"}
    rules = _no_lists(tmp_path)
    shi = quick_facts(rules, {"done": "是", **plain}, "t")
    true = quick_facts(rules, {"done": True, **plain}, "t")
    full = check_facts(rules, {"done": "是", **plain})
    assert shi is not None and true is not None
    assert (shi.values["done"], shi.sha256) == (True, true.sha256) == (True, full.sha256)
    assert quick_facts(rules, {"done": "yes", **plain}, "t") is None  # checked in full


def test_a_batch_table_headed_in_chinese(tmp_path: Path) -> None:
    """A batch table whose entity column is headed 考核对象, its booleans 是/否, scores."""
    import json

    rules = _no_lists(tmp_path)
    table = tmp_path / "all.csv"
    table.write_text("考核对象,done,rate,visits,level,delta,extra\n甲,是,91.5,7,1,-2.5,3\n"
                     "乙,否,60,0,1,1,0\n", "utf-8")  # fmt: skip
    out = tmp_path / "out.json"
    code, _, err = run_cli("batch", tmp_path / "fast", table, "--out", out)
    assert code == 0, err
    ranking = json.loads(out.read_text("utf-8"))["ranking"]
    # 甲: 10 + 9.15 + 7 + 10 + 0 + 0; 乙: 0 + 6 + 0 + 10 + 1 + 0
    assert [(r["entity"], r["total"]) for r in ranking] == [("甲", "36.15"), ("乙", "17")]
    assert rules.manifest.language == "zh"


def _no_lists(tmp_path: Path) -> qualscore.RuleSet:
    """The rule set without its list, and without its choice (the fast path takes neither)."""
    facts = _FACTS.split("lists:")[0].replace(
        '  - {key: level, type: choice, label: 级别, choices: [省级, 市级, "县,乡"]}\n',
        "  - {key: level, type: number, label: 级别}\n",
    )
    items = _ITEMS.replace("level == '省级'", "level > 0").replace(
        '"min(finished_count * 2, 10)"', "0"
    )
    root = tmp_path / "fast"
    if not root.exists():
        rule_folder(root, _MANIFEST.format(language="zh"), facts, a=items)
    return load_rules(root)


def test_shi_fou_in_xlsx_cells_and_list_records(zh: qualscore.RuleSet, tmp_path: Path) -> None:
    """A list's XLSX table with 是/否 text cells, and records given in Python with 是/否,
    count their finished records alike."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (("name", "finished"), ("修路", "是"), ("建桥", "否"), ("架线", True)):
        sheet.append(row)
    path = tmp_path / "tasks.xlsx"
    book.save(path)
    given = {k: v for k, v in _VALUES.items()}
    from_table = load_facts(zh, _yaml_facts(tmp_path, given), lists={"tasks": path})
    records = [{"name": "修路", "finished": "是"}, {"name": "建桥", "finished": "否"},
               {"name": "架线", "finished": "true"}]  # fmt: skip
    in_python = check_facts(zh, {**given, "tasks": records})
    assert from_table.values["finished_count"] == in_python.values["finished_count"] == 2


def _yaml_facts(tmp_path: Path, given: dict[str, Any]) -> Path:
    path = tmp_path / "facts.yaml"
    path.write_text("".join(f'{k}: "{v}"\n' if isinstance(v, str) else f"{k}: {str(v).lower()}\n"
                            for k, v in given.items()), "utf-8")  # fmt: skip
    return path


@pytest.mark.parametrize("written", ["yes", "Y", "1", "✓", "对", "是的"])
def test_a_bad_boolean_says_what_is_accepted(
    zh: qualscore.RuleSet, tmp_path: Path, written: str
) -> None:
    """Anything but true, false, 是 or 否 is refused, the message naming those four."""
    path = tmp_path / "f.csv"
    path.write_text(f"key,value\ndone,{written}\n", "utf-8")
    with pytest.raises(FactsError) as caught:
        load_facts(zh, path)
    assert f"{path}:2:2: done: expected true, false, 是 or 否, got {written!r}" in [
        str(p) for p in caught.value.problems
    ]


def test_a_bad_boolean_in_a_list_record_names_the_record(zh: qualscore.RuleSet) -> None:
    """A list record's boolean field refuses 'done', naming the record and what is accepted."""
    with pytest.raises(FactsError) as caught:
        check_facts(zh, {**_VALUES, "tasks": [{"name": "修路", "finished": "done"}]})
    assert [str(p) for p in caught.value.problems] == [
        "<facts>:1:1: tasks[0].finished: expected true, false, 是 or 否, got 'done'"
    ]


# --- the workbook -------------------------------------------------------------------------------


def _rules_of(sheet: Any) -> dict[str, tuple[Any, ...]]:
    """Each data validation of a sheet, by the cells it covers: its kind and bounds."""
    return {
        str(v.sqref): (v.type, v.operator, v.formula1, v.formula2, v.prompt, v.error)
        for v in sheet.data_validations.dataValidation
    }


def test_the_zh_workbook_checks_each_value_cell(zh: qualscore.RuleSet) -> None:
    """Drop-downs for the boolean (是,否) and the choice (on the hidden sheet), a decimal
    range for the number and the percentage, a whole number for the count."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(to_xlsx(zh)))
    assert book.sheetnames == ["填报说明", "填报表", "选项"]
    assert book["选项"].sheet_state == "hidden"
    assert [c.value for c in book["选项"]["A"]] == ["省级", "市级", "县,乡"]
    sheet = book["填报表"]
    assert [sheet.cell(row=r, column=3).value for r in range(2, 8)] == [
        "done", "level", "delta", "extra", "rate", "visits"]  # fmt: skip
    assert _rules_of(sheet) == {
        "H2": ("list", None, '"是,否"', None, "请在下拉列表中选择：是 或 否。",
               "请在下拉列表中选择：是 或 否。"),
        "H3": ("list", None, "'选项'!$A$1:$A$3", None, "请在下拉列表中选择所列的值之一。",
               "请在下拉列表中选择所列的值之一。"),
        "H4": ("decimal", "between", "-5", "5.5", "请填写 -5 至 5.5 之间的数。",
               "请填写 -5 至 5.5 之间的数。"),
        "H6": ("decimal", "between", "60", "100", "请填写 60 至 100 之间的数。",
               "请填写 60 至 100 之间的数。"),
        "H7": ("whole", "greaterThanOrEqual", "0", None, "请填写不小于 0 的整数。",
               "请填写不小于 0 的整数。"),
    }  # fmt: skip
    checks = sheet.data_validations.dataValidation
    assert all(v.showErrorMessage and v.showInputMessage and v.allow_blank for v in checks)
    assert {(v.promptTitle, v.errorTitle, v.errorStyle) for v in checks} == {
        ("填报提示", "填报有误", "stop")
    }
    assert book.active.title == "填报表" and not book["填报说明"].sheet_view.tabSelected


def test_the_en_workbook_offers_true_and_false(en: qualscore.RuleSet) -> None:
    """An English workbook's boolean drop-down is true,false; its sheets are named in English."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(to_xlsx(en)))
    assert book.sheetnames == ["instructions", "facts", "choices"]
    checks = _rules_of(book["facts"])
    assert checks["H2"][:3] == ("list", None, '"true,false"')
    assert checks["H6"][2:5] == ("60", "100", "Enter a number from 60 to 100.")


def test_the_instructions_sheet(zh: qualscore.RuleSet) -> None:
    """The instructions: what the workbook is, the scheme and year, how to fill it in, and
    each department with how many values it answers for."""
    from openpyxl import load_workbook

    guide = load_workbook(io.BytesIO(to_xlsx(zh)))["填报说明"]
    lines = [tuple(c for c in row if c is not None) for row in guide.iter_rows(values_only=True)]
    assert lines == [
        ("模板考核：数据填报表",),
        ("本工作簿供各责任单位填报考核所需的数据。填好后交回考核办公室，由 qualscore 按考核细则计分。",),
        (),
        ("考核方案：模板考核（规则集 tpl-2024）",),
        ("考核年度：2024",),
        (),
        ("填报方法",),
        ("1. 在“填报表”工作表中，每行填报一项指标，只在“填报值”列填写一个值；其他各列请勿改动，也不要增删行。",),
        ("2. 数值只填数字，不带单位、千位分隔符或百分号：91.5% 填 91.5；单位见“计量单位”列。",),
        ("3. 取值须在“取值范围”列所示的范围内；超出范围的数值，表格会拒绝并提示。",),
        ("4. “是/否”类指标在下拉列表中选择：“是”表示已做到或已发生，“否”表示未做到或未发生（填 true 或 false 亦可）。",),
        ("5. “选项”类指标在下拉列表中选择所列的值之一。",),
        ("6. 佐证材料另行整理，随本表一并报送。",),
        ("7. 记录清单（tasks）不在本表中，另用 qualscore template --list 生成的表格填报。",),
        (),
        ("责任单位（共 2 个）",),
        ("责任单位", "填报项数"),
        ("办公室", 4),
        ("质监科", 2),
    ]  # fmt: skip


def test_the_same_rule_set_gives_the_same_workbook(zh: qualscore.RuleSet) -> None:
    """Two workbooks of one rule set are the same bytes."""
    assert to_xlsx(zh) == to_xlsx(zh)


def test_a_lists_workbook_checks_its_boolean_field(zh: qualscore.RuleSet, tmp_path: Path) -> None:
    """template --list: the boolean field's column offers 是,否 for every record it may hold,
    and the table, filled in, loads."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(list_xlsx(zh, "tasks")))
    sheet = book["tasks"]
    decl = zh.lists[0]
    assert _rules_of(sheet) == {
        f"C2:C{decl.max_records + 1}": ("list", None, '"是,否"', None,
                                          "请在下拉列表中选择：是 或 否。",
                                          "请在下拉列表中选择：是 或 否。"),
    }  # fmt: skip
    assert sheet["C1"].comment.text == "是否完成｜是/否｜是 / 否"
    sheet.append(("facts", "修路", "是"))  # the facts file's name: its entity
    path = tmp_path / "tasks.xlsx"
    book.save(path)
    facts = load_facts(zh, _yaml_facts(tmp_path, _VALUES), lists={"tasks": path})
    assert facts.values["finished_count"] == 1


def test_formula_like_labels_stay_text_in_every_sheet(tmp_path: Path) -> None:
    """A department and a label starting with '=' are text cells, quote-prefixed, in the
    table and in the instructions."""
    from openpyxl import load_workbook

    hostile = _ITEMS.replace("departments: [办公室]", "departments: ['=HYPERLINK(1)']")
    facts = _FACTS.replace("label: 已完成", "label: '=1+1'")
    manifest = _MANIFEST.format(language="zh").replace(
        "[办公室, 质监科]", "['=HYPERLINK(1)', 质监科]"
    )
    rules = load_rules(rule_folder(tmp_path / "h", manifest, facts, a=hostile))
    book = load_workbook(io.BytesIO(to_xlsx(rules)))
    cells = [c for s in book.worksheets for row in s.iter_rows() for c in row if c.value]
    assert all(c.data_type != "f" for c in cells)
    marked = {(c.parent.title, c.value) for c in cells if c.quotePrefix}
    assert marked == {("填报表", "=HYPERLINK(1)"), ("填报表", "=1+1"), ("填报表", "-5 至 5.5"),
                      ("填报说明", "=HYPERLINK(1)")}  # fmt: skip
