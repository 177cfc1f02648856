"""Reports that mislead no more: losses and what they cost the total, bonus, sections
with no cap, numbers as people read them, the cause first, one result word."""

from __future__ import annotations

import decimal
import io
import json
import re
import shutil
import textwrap
import zipfile
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

import qualscore
from conftest import ROOT, run_cli
from qualscore import evaluate_cohort
from qualscore.analyst.analysis import costs, departments, headroom, rise
from qualscore.report.data import to_data
from qualscore.report.document import biggest_losses, build
from qualscore.report.docx import to_docx
from qualscore.report.html import to_html
from qualscore.report.markdown import to_markdown
from qualscore.report.terminal import render_departments, render_table
from qualscore.scoring.explain import explain, lost_text
from qualscore.scoring.runtime import reason
from qualscore.scoring.words import cohort_number
from qualscore.scoring.working import work

RUGAO = ROOT / "rules/rugao-2018"
SAMPLE = ROOT / "examples/rugao-2018/city-sample.yaml"
QINGSHUI = ROOT / "examples/qingshui-rivers"
YUNHE = ROOT / "examples/yunhe-quality"
LONG_DIGITS = re.compile(r"\d+\.\d{9,}")
"""A number with nine or more decimals: what no report shows a person."""


def _result(rules: Path, facts: Path | dict[str, Any]) -> qualscore.Result:
    ruleset = qualscore.load_rules(rules)
    if isinstance(facts, Path):
        return qualscore.evaluate(ruleset, qualscore.load_facts(ruleset, facts))
    return qualscore.evaluate(ruleset, facts)


@pytest.fixture(scope="module")
def sample() -> qualscore.Result:
    return _result(RUGAO, SAMPLE)


# A scheme small enough to work out by hand: an indicator capped at 4 (its items add to
# 6), a category capped at 3, a penalty section capped at -5, an uncapped bonus section;
# no veto and no normal_result.
_CATEGORIES = {
    "1.yaml": """
        id: c1
        title: 一
        points: 10
        items:
          - id: "1"
            title: 指标一
            points: 4
            items:
              - {id: "1.1", title: 甲, points: 3, criteria: x, departments: [甲局],
                 score: {kind: formula, expr: a}}
              - {id: "1.2", title: 乙, points: 3, criteria: x, departments: [乙局],
                 score: {kind: formula, expr: b}}
          - {id: "2", title: 丙, points: 5, criteria: x, departments: [丙局],
             score: {kind: formula, expr: c}}
        """,
    "2.yaml": """
        id: c2
        title: 二
        points: 3
        items:
          - {id: "6", title: 庚, points: 2, criteria: x, departments: [庚局],
             score: {kind: formula, expr: g}}
          - {id: "7", title: 辛, points: 2, criteria: x, departments: [庚局],
             score: {kind: formula, expr: h}}
        """,
    "3.yaml": """
        id: p
        title: 扣分
        kind: penalty
        points: 5
        items:
          - {id: "3", title: 丁, points: 4, criteria: x, departments: [丁局],
             score: {kind: formula, expr: "-d"}}
          - {id: "4", title: 戊, points: 4, criteria: x, departments: [丁局, 戊局],
             score: {kind: formula, expr: "-e"}}
        """,
    "4.yaml": """
        id: b
        title: 加分
        kind: bonus
        points: none
        items:
          - {id: "5", title: 己, points: 6, criteria: x, departments: [己局],
             score: {kind: formula, expr: f}}
        """,
}
FACTS = {"a": 3, "b": 2, "c": 4, "d": 4, "e": 3, "f": 2, "g": 1, "h": 1}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small")
    (root / "categories").mkdir()
    (root / "ruleset.yaml").write_text(
        "id: small\ntitle: 小考核\nyear: 2024\nlanguage: zh\n"
        "rounding: {places: 2, mode: half_up}\n", "utf-8"
    )  # fmt: skip
    facts = "".join(f"  - {{key: {k}, type: number, label: {k.upper()}}}\n" for k in FACTS)
    (root / "facts.yaml").write_text("facts:\n" + facts, "utf-8")
    for name, text in _CATEGORIES.items():
        (root / "categories" / name).write_text(textwrap.dedent(text), "utf-8")
    (root / "entity.yaml").write_text(yaml.safe_dump(FACTS), "utf-8")
    return root


@pytest.fixture(scope="module")
def small_result(small: Path) -> qualscore.Result:
    return _result(small, small / "entity.yaml")


# --- losses that cost nothing -----------------------------------------------------------


def test_rugao_items_under_the_capped_category_cost_the_total_nothing(
    sample: qualscore.Result,
) -> None:
    """4.3, 8 and 7 lose points under 质量宏观管理 (23.4 → 封顶 23): they cost nothing, and
    13.3 under indicator 13 (5.75 → 封顶 5) neither; 15 costs its whole point."""
    cost = costs(sample)
    assert {i: cost[i] for i in ("4.3", "8", "7", "5", "13.3")} == dict.fromkeys(
        ("4.3", "8", "7", "5", "13.3"), D(0)
    )
    assert (sample.item("4.3").lost, cost["15"], cost["19.4"]) == (D(1), D(1), D("0.38"))
    assert "bonus" not in cost  # unearned bonus is no loss


def test_the_summary_ranks_losses_by_their_cost_and_shows_both(sample: qualscore.Result) -> None:
    """The summary's biggest losses: the costliest first, each with lost and cost; the
    capped ones come last of all."""
    assert biggest_losses(sample) == (
        ("15", "统计分析开展情况", "1", "1"),
        ("20.2", "其它工程一次验收合格率达98%以上。", "1", "1"),
        ("11.1", "食品药品安全监管和考核评价。", "0.5", "0.5"),
        ("11.8", "提高粮食产品供给质量，开展库存粮食质量安全专项检查。", "0.5", "0.5"),
        ("12.3", "加强医疗质量监管，逐步推动医疗质量信息公开工作。", "0.5", "0.5"),
    )
    every = biggest_losses(sample, top=100)
    assert [row[0] for row in every[-5:]] == ["4.3", "8", "7", "13.3", "5"]
    assert all(row[3] == "0" for row in every[-5:])


def test_departments_are_ranked_by_what_they_cost_the_total(sample: qualscore.Result) -> None:
    """市财政局 lost 1 point (item 8) that cost the total nothing: charged 0, ranked after
    every department whose losses cost something."""
    found = departments(sample)
    by_name = {d.department: d for d in found}
    assert (by_name["市财政局"].lost, by_name["市财政局"].cost) == (D(1), D(0))
    assert (by_name["市场监管局"].lost, by_name["市场监管局"].cost) == (D("4.53"), D("2.93"))
    costs_in_order = [d.cost for d in found]
    assert costs_in_order == sorted(costs_in_order, reverse=True)
    assert [d.department for d in found][-4:] == ["市财政局", "市旅游局", "市商务局", "市住建局"]


def test_every_view_shows_a_departments_cost(sample: qualscore.Result) -> None:
    """Terminal, Markdown, HTML and JSON say 8 lost 1 point and cost the total 0."""
    out = io.StringIO()
    render_departments(sample, Console(file=out, width=120, color_system=None), "zh")
    line = next(x for x in out.getvalue().splitlines() if x.lstrip().startswith("市财政局"))
    assert line.split() == ["市财政局", "1", "0", "8（失", "1", "分，影响总分", "0", "分）"]
    assert "| 市财政局 | 1 | 0 | 8（失 1 分，影响总分 0 分） |" in to_markdown(sample, "zh")
    assert (
        '<tr class="department"><td>市财政局</td><td class="n">1</td><td class="n">0</td>'
        "<td>8（失 1 分，影响总分 0 分）</td></tr>"
    ) in to_html(sample, "zh")
    data = to_data(sample)
    finance = next(d for d in data["departments"] if d["department"] == "市财政局")
    assert finance == {"department": "市财政局", "lost": "1", "cost": "0", "items": [
        {"id": "8", "part": None, "lost": "1", "shared": False, "cost": "0"}]}  # fmt: skip
    item_8 = next(
        i for c in data["categories"] for i in c["children"] if i["id"] == "8"
    )
    assert (item_8["lost"], item_8["cost"]) == ("1", "0")
    assert data["bonus"]["cost"] is None


def test_cost_goes_through_every_cap_exactly(small_result: qualscore.Result) -> None:
    """An item under a capped indicator costs nothing; one under a category with 2 points
    of room costs its loss; a deduction in a penalty section capped at -5 (its items
    deduct 7) costs only what avoiding it gives back (4 → 2, 3 → 1), not 0 as before."""
    assert costs(small_result) == {"1.2": D(0), "2": D(1), "6": D(1), "7": D(1), "3": D(2),
                                   "4": D(1)}  # fmt: skip
    together = rise(small_result, {"3": D(4), "4": D(3)})
    assert together == D(5)  # both avoided: -7 → 0, the section from -5 to 0
    assert rise(small_result, {"6": D(1), "7": D(1)}) == D(1)  # one point of room under c2
    offers = {o.item_id: (o.gain, o.effective) for o in headroom(small_result, "zh")}
    assert offers["3"] == (D(4), D(2)) and offers["1.2"] == (D(1), D(0))


def test_a_departments_cost_is_its_losses_made_good_together(
    small_result: qualscore.Result,
) -> None:
    """庚局's two items share one point of room: each alone costs 1, together 1; 丁局
    answers for both deductions, which together give back 5, more than 2 + 1."""
    by_name = {d.department: d for d in departments(small_result)}
    assert (by_name["庚局"].lost, by_name["庚局"].cost) == (D(2), D(1))
    assert [e[5] for e in by_name["庚局"].items] == [D(1), D(1)]
    assert (by_name["丁局"].lost, by_name["丁局"].cost) == (D(7), D(5))
    order = [d.department for d in departments(small_result)]
    assert order == ["丁局", "戊局", "庚局", "丙局", "乙局"]  # by cost, then by points lost


# --- unearned bonus, sections with no cap -------------------------------------------------


def test_unearned_bonus_is_no_loss(small_result: qualscore.Result) -> None:
    """A bonus section's item that earned 2 of 6 is charged to nobody and loses nothing in
    any view: the lost column is blank, the explanation says what it added."""
    assert all(e[0] != "5" for d in departments(small_result) for e in d.items)
    item = small_result.item("5")
    assert lost_text(item, "zh") == "" and explain(item, "zh")[-1] == "加 2 分（最多加 6 分）"
    out = io.StringIO()
    render_table(small_result, Console(file=out, width=80, color_system=None), "zh")
    row = next(x for x in out.getvalue().splitlines() if x.lstrip().startswith("5 "))
    assert row.split() == ["5", "己", "6", "2"]
    doc = build(small_result, "zh")
    assert ("5", "己", "6", "2", "", "item") in doc.rows
    assert next(e for e in doc.explanations if e.id == "5").lost == ""


def test_the_rugao_bonus_loses_nothing(sample: qualscore.Result) -> None:
    """The scheme's bonus: no 失分 in the table row, 加 2.9 分 in its explanation."""
    bonus = sample.bonus
    assert bonus is not None
    assert explain(bonus, "zh")[-1] == "加 2.9 分（最多加 5 分）"
    assert explain(bonus, "en")[-1] == "adds 2.9 (at most 5)"
    html = to_html(sample, "zh")
    assert '<span class="n">2.9</span><span class="n"></span></summary>' in html


def test_a_section_with_no_cap_shows_no_maximum_in_html_and_docx() -> None:
    """qingshui's 加分项 and 扣分项 have no cap: 满分 is —, never 0, in the summary, the
    item table and the DOCX; the penalty items show their most deduction, minus."""
    result = _result(QINGSHUI, QINGSHUI / "entities/东湖镇.yaml")
    doc = build(result, "zh", "2024-12-31")
    rows = {row[0]: row for row in doc.categories}
    assert rows["加分项"][1:4] == ("—", "4", "") and rows["扣分项"][1:4] == ("—", "-6", "6")
    assert ("", "加分项", "—", "4", "", "category") in doc.rows
    assert ("10", "通报批评", "-20", "-5", "5", "item") in doc.rows
    html = to_html(result, "zh")
    assert '<td>加分项</td><td class="n">—</td>' in html
    assert '<td>加分项</td><td class="n">0</td>' not in html
    body = zipfile.ZipFile(io.BytesIO(to_docx(result, "zh", report_day="2024-12-31"))).read(
        "word/document.xml"
    ).decode()
    cells = re.findall(r"<w:t>([^<]*)</w:t>", body)
    start = cells.index("加分项")
    assert cells[start + 1 : start + 3] == ["—", "4"]
    # The department view: 9 (an unearned bonus of 6) is nobody's loss.
    assert all(e[0] != "9" for d in departments(result) for e in d.items)


# --- numbers as people read them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        ("29593.05555555555555555555555555556", None, "≈ 29593.0556"),
        ("40.8125", None, "40.8125"),  # four decimals: exact
        ("40.81255", None, "≈ 40.8126"),  # rounded half up
        ("-2.00005", None, "≈ -2.0001"),
        ("0.00", None, "0"),
        ("800.0000", None, "800"),
        ("40.8", 1, "40.8"),
        ("41.0", 1, "41.0"),  # at its declared places
        ("1.0000", 4, "1.0000"),
        ("0.123456", 4, "≈ 0.1235"),
        ("0.1234567", 6, "≈ 0.123457"),  # more than four when declared
    ],
)
def test_cohort_numbers_are_shown_at_their_places(
    value: str, places: int | None, shown: str
) -> None:
    """A declared value at its places; else at most four decimals, ≈ when rounded."""
    assert cohort_number(D(value), places) == shown


def _yunhe_without_places(tmp_path: Path) -> Path:
    root = tmp_path / "yunhe"
    shutil.copytree(YUNHE, root)
    facts = root / "facts.yaml"
    text = facts.read_text("utf-8").replace("    places: 1\n", "")
    assert "places: 1" not in text
    facts.write_text(text, "utf-8")
    return root


def _three_towns(tmp_path: Path) -> Path:
    folder = tmp_path / "towns"
    folder.mkdir()
    ages = {"东岭镇": "40", "西溪镇": "38.5", "南湖镇": "41"}  # mean 119.5 / 3 = 39.8333…
    for name, age in ages.items():
        text = (YUNHE / "entities" / f"{name}.yaml").read_text("utf-8")
        text = re.sub(r"staff_age: .*", f"staff_age: {age}", text)
        (folder / f"{name}.yaml").write_text(text, "utf-8")
    return folder


def test_a_mean_without_places_is_shown_rounded_and_kept_exact(tmp_path: Path) -> None:
    """A mean of three ages has 32 decimals: the terminal, the batch HTML and the
    explanations show ≈ 39.8333; the JSON keeps the exact value beside the shown one."""
    rules, towns = _yunhe_without_places(tmp_path), _three_towns(tmp_path)
    code, out, err = run_cli("batch", rules, towns)
    assert code == 0, err
    assert "全县检验检测人员平均年龄 ≈ 39.8333，按 3 个单位计算" in out
    assert not LONG_DIGITS.search(out)
    html = tmp_path / "out.html"
    assert run_cli("batch", rules, towns, "--out", html)[0] == 0
    page = html.read_text("utf-8")
    assert "全县检验检测人员平均年龄 ≈ 39.8333，按 3 个单位计算" in page
    assert not LONG_DIGITS.search(page)
    out_json = tmp_path / "out.json"
    assert run_cli("batch", rules, towns, "--out", out_json)[0] == 0
    summary = next(s for s in json.loads(out_json.read_text("utf-8"))["cohort"]
                   if s["key"] == "age_mean")  # fmt: skip
    assert summary["value"].startswith("39.83333333333333") and summary["shown"] == "≈ 39.8333"
    ruleset = qualscore.load_rules(rules)
    entities = {p.stem: yaml.safe_load(p.read_text("utf-8")) for p in towns.glob("*.yaml")}
    result = evaluate_cohort(ruleset, entities)["西溪镇"]
    lines = [x for i in result.items for x in explain(i, "zh")]
    assert "全县检验检测人员平均年龄：本单位 38.5 岁，3 个单位的平均值 ≈ 39.8333 岁" in lines
    assert not any(LONG_DIGITS.search(x) for x in lines)
    entry = to_data(result)["cohort"]["age_mean"]
    assert entry["value"].startswith("39.83333333333333") and entry["shown"] == "≈ 39.8333"


def test_declared_places_are_kept_in_every_view() -> None:
    """brand_share declares 4 places, age_mean 1: 0.6667 and 40.8, exact in the JSON."""
    ruleset = qualscore.load_rules(YUNHE)
    entities = {
        p.stem: yaml.safe_load(p.read_text("utf-8"))
        for p in (YUNHE / "entities").glob("*.yaml")
        if not p.name.endswith(".expected.yaml")
    }
    result = evaluate_cohort(ruleset, entities)["西溪镇"]
    data = to_data(result)["cohort"]
    assert (data["brand_share"]["value"], data["brand_share"]["shown"]) == ("0.6667", "0.6667")
    assert (data["age_mean"]["value"], data["age_mean"]["shown"]) == ("40.8", "40.8")
    assert (data["pass_rank"]["value"], data["pass_rank"]["shown"]) == ("4", "4")


@pytest.mark.parametrize(
    ("source", "value", "steps"),
    [
        ("max(0, -x)", "-25", ["较大值(0, −(-25))", "较大值(0, 25)", "25"]),
        ("5 - x", "-3", ["5 − (-3)", "8"]),
        ("2 * x", "-3", ["2 × (-3)", "-6"]),
        ("x - 1", "-3", ["-3 − 1", "-4"]),  # first: no sign before it, no brackets
        ("-x", "3", ["−3", "-3"]),
    ],
)
def test_a_negative_number_after_a_sign_is_in_brackets(
    source: str, value: str, steps: list[str]
) -> None:
    """Never ``−-25`` or ``5 − -3``: a negative number after a sign is bracketed."""
    done = work(source, {"x": D(value)}, {"x": "甲"}, "zh")
    assert done is not None and list(done.steps) == steps


# --- the cause first ------------------------------------------------------------------------


def test_a_cohort_left_short_by_refused_entities_names_them_first(tmp_path: Path) -> None:
    """Every town refused: each one and why, in name order, then the cohort value they left
    without enough entities, saying so; exit 2, nothing written."""
    folder = tmp_path / "towns"
    folder.mkdir()
    for name in ("东岭镇", "西溪镇"):
        text = (YUNHE / "entities" / f"{name}.yaml").read_text("utf-8")
        (folder / f"{name}.yaml").write_text(re.sub(r"pass_rate: .*", "pass_rate: 120", text),
                                             "utf-8")  # fmt: skip
    out = tmp_path / "out.csv"
    code, _, err = run_cli("batch", YUNHE, folder, "--out", out)
    assert code == 2 and not out.exists()
    lines = err.splitlines()
    assert [x.split(":")[0] for x in lines[:2]] == [str(folder / "东岭镇.yaml"),
                                                   str(folder / "西溪镇.yaml")]  # fmt: skip
    assert all("pass_rate: 120 is above the allowed maximum 100" in x for x in lines[:2])
    assert lines[2].endswith(
        "cohort value 'pass_rank' needs at least 3 entities with a value; 0 have one (none); "
        "2 refused (above)"
    )
    assert len(lines) == 3


def test_a_failed_formula_is_told_in_words_not_an_exception_name() -> None:
    """No ``TypeError`` or ``InvalidOperation`` in a message a person reads."""
    assert reason(TypeError("arithmetic needs numbers")) == "a value it reads is not a number"
    assert reason(decimal.InvalidOperation()) == "the result is not a valid number"
    assert reason(ZeroDivisionError()) == "division by zero"


# --- one result word ------------------------------------------------------------------------


def test_with_no_veto_and_no_result_word_every_view_says_scored(
    small: Path, small_result: qualscore.Result, tmp_path: Path
) -> None:
    """已评分, never 未触发 (a veto's state) nor a blank: the terminal, Markdown, HTML, the
    cover of the DOCX and PDF, and the batch's terminal, HTML and XLSX."""
    out = io.StringIO()
    render_table(small_result, Console(file=out, width=80, color_system=None), "zh")
    assert "考核结果：已评分" in out.getvalue().splitlines()
    assert "- 考核结果：已评分" in to_markdown(small_result, "zh").splitlines()
    html = to_html(small_result, "zh")
    assert '<div class="muted">考核结果</div><div class="big">已评分</div>' in html
    assert "未触发" not in html
    assert ("考核结果", "已评分") in build(small_result, "zh").cover
    code, text, err = run_cli("batch", small, small / "entity.yaml")
    assert code == 0, err
    assert re.search(r"1\s+entity\s+7\s+已评分", text)
    page = tmp_path / "b.html"
    assert run_cli("batch", small, small / "entity.yaml", "--out", page)[0] == 0
    assert '<td class="n">7</td><td>已评分</td>' in page.read_text("utf-8")
    book = tmp_path / "b.xlsx"
    assert run_cli("batch", small, small / "entity.yaml", "--out", book)[0] == 0
    from openpyxl import load_workbook

    sheet = load_workbook(book).worksheets[0]
    assert [c.value for c in sheet[2]][:5] == [1, "entity", 7, "否", "已评分"]
