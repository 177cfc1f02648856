"""Schemes judged as well as scored, and schemes judged only (达标制): how each verdict was
decided, shown with what it read; a pass/fail scheme with no points shows no points."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document as Word

import qualscore
from conftest import rule_folder
from qualscore import RuleSetError, check_facts, evaluate, load_rules
from qualscore.cli.app import main
from qualscore.report.data import to_data
from qualscore.report.docx import to_docx
from qualscore.report.html import to_html
from qualscore.report.markdown import to_markdown
from qualscore.scoring.explain import explain

D = Decimal

_MANIFEST = """\
id: pf
title: 学校督导评估（达标制）
year: 2026
language: zh
rounding: {places: 2, mode: half_up}
total_points: 0
# A section that does not apply has no verdict, and met() of it is false: said here.
verdict: {met: "met('A') and (met('B') or not applies('B'))"}
"""

_FACTS = """\
facts:
  - {key: ratio, type: number, label: 生师比}
  - {key: area, type: number, label: 生均校舍面积, unit: 平方米}
  - {key: rural, type: bool, label: 农村学校}
"""

_A = """\
id: A
title: 办学条件
points: 0
verdict: {met: "met('A1') and met('A2')"}
items:
  - {id: A1, title: 生师比, criteria: 不高于19, departments: [人事科],
     verdict: {met: "ratio <= 19"}}
  - {id: A2, title: 校舍面积, criteria: 不低于6.5平方米, departments: [基建科],
     verdict: {met: "area >= 6.5", labels: [合格, 不合格]}}
"""

_B = """\
id: B
title: 农村学校
points: 0
applies_to: null
verdict: {met: "met('B1')"}
items:
  - {id: B1, title: 寄宿条件, criteria: 农村学校生均面积不低于8, departments: [基建科],
     not_applicable: {when: "not rural", reason: 非农村学校},
     verdict: {met: "area >= 8"}}
"""


def _write(tmp_path: Path, **files: str) -> Path:
    texts = {"manifest": _MANIFEST, "facts": _FACTS, "a": _A, "b": _B} | files
    return rule_folder(tmp_path / "rules", texts["manifest"], texts["facts"], a=texts["a"], b=texts["b"])


@pytest.fixture(name="rules")
def _rules(tmp_path: Path) -> qualscore.RuleSet:
    return load_rules(_write(tmp_path))


def _judge(rules: qualscore.RuleSet, **facts: object) -> qualscore.Result:
    return evaluate(rules, check_facts(rules, {"ratio": 18, "area": 7, "rural": False} | facts))


def test_an_item_judged_only_needs_no_score_and_no_points(rules: qualscore.RuleSet) -> None:
    """Written with a verdict and nothing else, an item scores 0 of 0; the scheme is judged
    only (no points anywhere)."""
    result = _judge(rules)
    assert [(i.id, i.points, i.score) for i in result.items] == [
        ("A1", D(0), D(0)),
        ("A2", D(0), D(0)),
        ("B1", D(0), D(0)),
    ]
    assert (result.total, result.possible, result.has_points) == (D(0), D(0), False)


def test_an_item_with_neither_score_nor_verdict_is_refused(tmp_path: Path) -> None:
    text = _A.replace(',\n     verdict: {met: "ratio <= 19"}}', "}")
    with pytest.raises(RuleSetError) as caught:
        load_rules(_write(tmp_path, a=text))
    problems = [str(p).replace(str(tmp_path / "rules"), "R") for p in caught.value.problems]
    assert problems[:2] == [
        "R/categories/a.yaml:6:5: items[0]: missing key 'points'",
        "R/categories/a.yaml:6:5: items[0]: missing key 'score'",
    ]


@pytest.mark.parametrize(
    ("area", "a2", "scheme"),
    [("6.5", "合格", "达标"), ("6.49", "不合格", "未达标"), ("6.51", "合格", "达标")],
)
def test_verdicts_on_the_boundary_and_a_hair_below(
    rules: qualscore.RuleSet, area: str, a2: str, scheme: str
) -> None:
    result = _judge(rules, area=area)
    assert result.item("A2").verdict == a2
    assert result.verdict == scheme


def test_an_items_explanation_works_its_verdict_through(rules: qualscore.RuleSet) -> None:
    """An item judged only is explained by its condition alone, worked with what it read;
    one that does not apply has no verdict to explain."""
    result = _judge(rules, area="6.49")
    assert explain(result.item("A2"), "zh") == [
        "判定条件：生均校舍面积 ≥ 6.5 = 6.49 ≥ 6.5 = 不成立",
        "判定：不合格",
    ]
    assert explain(result.item("A2"), "en") == [
        "condition: 生均校舍面积 ≥ 6.5 = 6.49 ≥ 6.5 = does not hold",
        "verdict: 不合格",
    ]
    assert explain(result.item("B1"), "zh") == ["不适用：非农村学校"]
    rural = _judge(rules, rural=True, area=8)
    assert explain(rural.item("B1"), "zh") == [
        "判定条件：生均校舍面积 ≥ 8 = 8 ≥ 8 = 成立",
        "判定：达标",
    ]


def test_a_scored_items_explanation_ends_with_its_verdict(tmp_path: Path) -> None:
    """An item with points and a verdict keeps its working and summary, then says how its
    verdict was decided, with the score it read."""
    manifest = _MANIFEST.replace("total_points: 0", "total_points: 10")
    a = _A.replace("points: 0", "points: 10").replace(
        "  - {id: A1, title: 生师比, criteria: 不高于19, departments: [人事科],\n"
        '     verdict: {met: "ratio <= 19"}}',
        "  - {id: A1, title: 生师比, points: 10, criteria: 每高1扣2分, departments: [人事科],\n"
        '     score: {kind: formula, expr: "10 - 2 * max(0, ratio - 15)"},\n'
        "     verdict: {met: \"score('A1') >= 6\"}}",
    )
    rules = load_rules(_write(tmp_path, manifest=manifest, a=a))
    result = _judge(rules, ratio=17)
    lines = explain(result.item("A1"), "zh")
    assert lines[-3:] == [
        "得 6 分（满分 10 分，失 4 分）",
        "判定条件：生师比得分 ≥ 6 = 6 ≥ 6 = 成立",
        "判定：达标",
    ]
    assert result.has_points
    assert _judge(rules, ratio="17.01").item("A1").verdict == "未达标"


def test_the_json_gives_each_verdicts_condition_and_what_it_read(rules: qualscore.RuleSet) -> None:
    data = to_data(_judge(rules, area="6.49"))
    assert data["judgement"] == {
        "expr": "met('A') and (met('B') or not applies('B'))",
        "inputs": [
            {"key": "applies('B')", "label": "农村学校是否适用", "value": False, "unit": None},
            {"key": "met('A')", "label": "办学条件是否达标", "value": False, "unit": None},
            {"key": "met('B')", "label": "农村学校是否达标", "value": False, "unit": None},
        ],
    }
    a2 = data["categories"][0]["children"][1]
    assert a2["judgement"] == {
        "expr": "area >= 6.5",
        "inputs": [{"key": "area", "label": "生均校舍面积", "value": "6.49", "unit": "平方米"}],
    }
    b1 = data["categories"][1]["children"][0]
    assert b1["met"] is None and "judgement" not in b1  # does not apply: nothing decided
    json.dumps(data)


def test_a_scheme_judged_only_shows_no_points_in_any_view(rules: qualscore.RuleSet) -> None:
    """No 满分/得分/失分 columns, no 总分, no losses by department, no headroom: the
    verdicts, how each was decided, and which nodes failed."""
    result = _judge(rules, area="6.49")
    text = io.StringIO()
    code = main_capture(result, text)
    assert code == 0
    shown = text.getvalue()
    for absent in ("满分", "总分", "失分", "已评分"):
        assert absent not in shown, absent
    assert "校舍面积（不合格）" in shown and "考核结果：未达标" in shown
    assert "未达标的项目：A 办学条件；A2 校舍面积" in shown

    md = to_markdown(result, "zh")
    for absent in ("满分", "总分", "各责任单位失分", "提升空间", "已评分"):
        assert absent not in md, absent
    assert (
        "| A2 | 校舍面积（不合格） | 判定条件：生均校舍面积 ≥ 6.5 = 6.49 ≥ 6.5 = 不成立；判定：不合格。 |"
        in md
    )
    assert "\n\n\n" not in md

    page = to_html(result, "zh", report_day="2026-12-07")
    for absent in ("总分", "各责任单位失分", "提升空间", "已评分"):
        assert absent not in page, absent
    assert "判定条件" in page

    word = Word(io.BytesIO(to_docx(result, "zh", report_day="2026-12-07")))
    paragraphs = "\n".join(p.text for p in word.paragraphs)
    cells = "\n".join(c.text for t in word.tables for row in t.rows for c in row.cells)
    for absent in ("总分", "满分", "总览"):
        assert absent not in paragraphs + cells, absent
    assert "判定：不合格" in paragraphs and "校舍面积（不合格）" in cells


def test_a_scheme_with_points_keeps_its_total(tmp_path: Path) -> None:
    """Points anywhere: every view keeps its points and total, verdicts or not."""
    manifest = _MANIFEST.replace("total_points: 0", "total_points: 5")
    b = _B.replace("points: 0", "points: 5").replace(
        '     verdict: {met: "area >= 8"}}',
        '     points: 5, score: {kind: formula, expr: "5"}, verdict: {met: "area >= 8"}}',
    )
    rules = load_rules(_write(tmp_path, manifest=manifest, b=b))
    result = _judge(rules, rural=True, area=8)
    assert result.has_points and result.total == D(5)
    assert "总分" in to_markdown(result, "zh")


def main_capture(result: qualscore.Result, out: io.StringIO) -> int:
    from rich.console import Console

    from qualscore.report.terminal import render_table

    render_table(result, Console(file=out, width=100, color_system=None))
    return 0


def test_the_cli_validates_a_scheme_judged_only_strictly(tmp_path: Path) -> None:
    assert main(["validate", "--strict", str(_write(tmp_path))]) == 0


def test_an_item_with_points_but_no_score_is_refused_even_with_a_verdict(tmp_path: Path) -> None:
    """Points it could never earn are a mistake, not a judged-only item."""
    text = _A.replace(
        '     verdict: {met: "ratio <= 19"}}', '     points: 5, verdict: {met: "ratio <= 19"}}'
    )
    with pytest.raises(RuleSetError) as caught:
        load_rules(_write(tmp_path, a=text))
    problems = [str(p).replace(str(tmp_path / "rules"), "R") for p in caught.value.problems]
    assert problems[0] == "R/categories/a.yaml:6:5: items[0]: missing key 'score'"


def test_a_batch_of_a_scheme_judged_only_shows_no_total_and_no_rank(tmp_path: Path) -> None:
    """Every total is 0 and every entity would be 1st: the terminal and the HTML list the
    entities by name with their verdicts, and say so; the tables keep their columns."""
    rules = _write(tmp_path)
    table = tmp_path / "s.csv"
    table.write_text("entity,ratio,area,rural\n甲,18,7,false\n乙,20,7,true\n", encoding="utf-8")
    out = io.StringIO()
    assert main(["batch", str(rules), str(table)], stdout=out) == 0
    text = out.getvalue()
    rule = "达标制：不计总分、不排名；按名称排列，触发否决项的排在最后"
    assert rule in text and "总分" not in text.replace(rule, "") and " # " not in text
    lines = [line.split() for line in text.splitlines() if line.strip().startswith(("甲", "乙"))]
    assert lines == [["乙", "已评分", "未达标", "A", "A1", "B", "B1"], ["甲", "已评分", "达标"]]
    page = tmp_path / "out.html"
    assert main(["batch", str(rules), str(table), "--out", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert "<th>被考核单位</th><th>考核结果</th><th>判定</th>" in html
    assert "总分" not in html.replace(rule, "")
    sheet = tmp_path / "out.csv"
    assert main(["batch", str(rules), str(table), "--out", str(sheet)]) == 0
    assert sheet.read_text(encoding="utf-8").startswith("rank,entity,total")
