"""The invented scheme examples/dept-appraisal: six departments in two groups, scored
mostly from lists of records (a rater panel's votes, key tasks, awards), each total,
rank within the group, grade and aggregate as worked out by hand in its EXPECTED.md
(a weighted mean by rater group, a trimmed mean of one element's votes, counts and a
mean over the tasks done, the highest award of each event, a bonus that needs its
evidence, a grade capped by the rank within the group with a tie at the 优秀 bound).
The same data as tables (tables/*.csv) gives the same batch."""

from __future__ import annotations

import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

import qualscore
from conftest import ROOT, entity_facts, expected_of, run_cli
from qualscore.scoring.explain import explain, value_lines

D = Decimal
SCHEME = ROOT / "examples" / "dept-appraisal"
ENTITIES = SCHEME / "entities"
TABLES = SCHEME / "tables"
LISTS = [a for k in ("votes", "tasks", "awards") for a in ("--list", f"{k}={TABLES / k}.csv")]

# Worked out by hand (EXPECTED.md), not copied from the program's output:
# name: (group, total, 组内总分排名, grade)
HAND = {
    "县委组织部": ("党群部门", D("96.05"), 1, "优秀"),
    "县委办": ("党群部门", D("91.44"), 2, "优秀"),
    "县总工会": ("党群部门", D("90.89"), 3, "良好"),  # last of its group: 优秀 capped
    "县教育局": ("政府部门", D("94.1"), 1, "优秀"),
    "县发改局": ("政府部门", D("90"), 2, "优秀"),  # tied with 县住建局 on the 优秀 bound
    "县住建局": ("政府部门", D("90"), 2, "优秀"),
}

# The votes, by rater (县领导, 部门互评 ①, ②, 服务对象 ①, ②), each rater's grades of
# 工作实绩 / 作风建设 / 服务质量 in the order of the facts file (EXPECTED.md's table).
VOTES = {
    "县委组织部": "AAA AAB ABA AAA BAA",
    "县委办": "ABA ABB BAB AAB ABA",
    "县总工会": "AAB BBA ABB AAA ABA",
    "县发改局": "AAA AAB ABA BCA BDB",
    "县教育局": "AAA ABA BAB AAB BCA",
    "县住建局": "ACB ABB BBA ABA ABB",
}
POINTS = {"A": D(100), "B": D(80), "C": D(60), "D": D(40)}
# Each rater group's sum of points (its mean is the sum ÷ 3 or ÷ 6), worked out by hand.
GROUP_SUMS = {
    "县委组织部": (300, 560, 580),
    "县委办": (280, 520, 560),
    "县总工会": (280, 520, 580),
    "县发改局": (300, 560, 440),
    "县教育局": (300, 540, 520),
    "县住建局": (240, 520, 540),
}
# The five 作风建设 votes' points (#2, #5, #8, #11, #14), by hand.
STYLE = {
    "县委组织部": (100, 100, 80, 100, 100),
    "县委办": (80, 80, 100, 100, 80),
    "县总工会": (100, 80, 80, 100, 80),
    "县发改局": (100, 100, 80, 60, 40),
    "县教育局": (100, 80, 100, 100, 60),
    "县住建局": (60, 80, 80, 80, 80),
}
# The tasks: (name, points by 档 × 级, done, late: not done and due by September).
TASKS = {
    "县委组织部": [("干部队伍建设", 10, True, False), ("基层党建示范点", 9, True, False),
                  ("人才引进计划", 9, True, False), ("党员教育培训", 8, True, False),
                  ("组工信息化", 7, False, False)],
    "县委办": [("重要文稿起草", 10, True, False), ("督查督办闭环", 8, True, False),
              ("机要保密规范化", 8, True, False), ("值班应急体系", 8, True, False),
              ("协同办公平台", 7, False, True)],
    "县总工会": [("职工服务阵地建设", 9, True, False), ("劳模工匠选树", 9, True, False),
                ("困难职工帮扶", 8, True, False), ("新就业形态劳动者入会", 8, True, False)],
    "县发改局": [("重大项目攻坚", 10, True, False), ("营商环境优化", 9, True, False),
                ("粮食安全储备", 9, True, False), ("价格监测预警", 8, True, False),
                ("数字经济规划", 8, False, True)],
    "县教育局": [("义务教育优质均衡", 10, True, False), ("城东学校新建", 9, True, False),
                ("学前教育扩容", 9, True, False), ("教师队伍建设", 7, True, False),
                ("智慧校园", 7, True, False), ("校园安全提升", 6, False, True)],
    "县住建局": [("老旧小区改造", 10, True, False), ("保障性住房", 9, True, False),
                ("燃气管网更新", 9, True, False), ("建筑市场整治", 8, True, False),
                ("海绵城市试点", 8, True, False)],
}  # fmt: skip
# The awards: (event, points: the table's, one level lower from another issuer, and
# whether it is the highest of its event, the one that counts).
AWARDS = {
    "县委组织部": [("全市党建创新案例", D(2), True)],
    "县委办": [("全省政务信息工作先进单位", D(1), True)],
    "县总工会": [("职工职业技能大赛", D(1), False), ("职工职业技能大赛", D(2), True)],
    "县发改局": [("营商环境改革", D(2), False), ("营商环境改革", D(3), True),
                ("重大项目观摩", D(1), True)],
    "县教育局": [("全国义务教育优质均衡发展县", D(3), True), ("全省教育系统先进集体", D(2), True),
                ("全市教学成果奖", D(2), True)],
    "县住建局": [("全省住建系统先进集体", D(3), True), ("全市安全文明工地", D(1), True)],
}  # fmt: skip


def _expected(name: str) -> dict[str, Any]:
    return expected_of(ENTITIES / f"{name}.expected.yaml")


@pytest.fixture(scope="module")
def rules() -> qualscore.RuleSet:
    return qualscore.load_rules(SCHEME)


@pytest.fixture(scope="module")
def scored(rules: qualscore.RuleSet) -> qualscore.CohortResult:
    departments = entity_facts(rules, ENTITIES)
    assert sorted(departments) == sorted(HAND)
    return qualscore.evaluate_cohort(rules, departments)


def _value(result: qualscore.Result, key: str) -> Any:
    return next(v for v in result.values if v.key == key)


def test_the_six_get_the_hand_worked_totals_ranks_and_grades(
    scored: qualscore.CohortResult,
) -> None:
    """Totals, ranks within the group and grades; nobody vetoed, every result 已评定."""
    assert not scored.failed
    got = {
        name: (HAND[name][0], r.total, r.cohort["group_rank"].value, r.grade)
        for name, r in scored.items()
    }
    assert got == HAND
    assert {(r.vetoed, r.result_label, r.possible) for r in scored.values()} == {
        (False, "已评定", D(100))
    }


def test_the_tie_at_90_keeps_both_in_2nd_and_only_the_last_of_a_group_is_capped(
    scored: qualscore.CohortResult,
) -> None:
    """县发改局 and 县住建局 (90, on the 优秀 bound) share 2nd of 政府部门: there is no 3rd,
    so 组内末位 holds for 县总工会 alone (3rd of 党群部门), whose 90.89 becomes 良好."""
    held = {n for n, r in scored.items() for v in r.vetoes if v.id == "组内末位" and v.held}
    assert held == {"县总工会"}
    tie = {n: (r.cohort["group_rank"].value, r.cohort["group_rank"].tied)
           for n, r in scored.items() if r.total == 90}  # fmt: skip
    assert tie == {"县发改局": (2, 2), "县住建局": (2, 2)}


@pytest.mark.parametrize("name", sorted(HAND))
def test_each_item_category_and_aggregate_is_its_expected_file(
    scored: qualscore.CohortResult, name: str
) -> None:
    """Every item, category, aggregate, rank and grade as entities/NAME.expected.yaml says."""
    want, result = _expected(name), scored[name]
    assert {i.id: i.score for i in result.items} == {k: D(v) for k, v in want["items"].items()}
    assert {c.id: c.score for c in result.categories} == {
        k: D(v) for k, v in want["categories"].items()
    }
    assert (result.total, result.possible) == (D(want["total"]), D(want["possible"]))
    assert {v.key: v.value for v in result.values} == {k: D(v) for k, v in want["values"].items()}
    capped = any(v.held for v in result.vetoes if v.id == "组内末位")
    assert (result.cohort["group_rank"].value, result.grade, capped) == (
        int(want["group_rank"]),
        want["grade"],
        want["capped"] == "true",
    )


@pytest.mark.parametrize("name", sorted(HAND))
def test_the_panel_rating_and_the_trimmed_style_score_vote_by_vote(
    scored: qualscore.CohortResult, name: str
) -> None:
    """Each vote's points from its grade; each rater group's mean (its sum ÷ 3 or ÷ 6)
    weighted 0.4 / 0.3 / 0.3; the five 作风建设 votes, one highest and one lowest dropped."""
    result = scored[name]
    rating, style = _value(result, "rating").records, _value(result, "style_score").records
    grades = VOTES[name].replace(" ", "")
    assert [(c.name, c.value, c.counted) for c in rating.contributions] == [
        (f"#{i + 1}", POINTS[g], True) for i, g in enumerate(grades)
    ]
    sums, sizes = GROUP_SUMS[name], (3, 6, 6)
    assert [(g, round(v, 20), w) for g, v, w in rating.groups] == [
        (group, round(D(s) / n, 20), D(weight))
        for group, s, n, weight in zip(("县领导", "部门互评", "服务对象"), sums, sizes,
                                       ("0.4", "0.3", "0.3"), strict=True)
    ]  # fmt: skip
    kept = [c for c in style.contributions if c.kept]
    assert [c.record for c in kept] == [1, 4, 7, 10, 13]
    assert tuple(c.value for c in kept) == tuple(D(p) for p in STYLE[name])
    middle = sorted(STYLE[name])[1:-1]
    assert style.value == round(D(sum(middle)) / 3, 2)


@pytest.mark.parametrize("name", sorted(HAND))
def test_the_tasks_and_awards_record_by_record(scored: qualscore.CohortResult, name: str) -> None:
    """Each task's points (档 × 级), which count in done_mean and late_count; each award's
    points and whether it is the highest of its event."""
    result = scored[name]
    done = _value(result, "done_mean").records.contributions
    assert [(c.name, c.value, c.counted) for c in done] == [
        (n, D(p) if d else None, d) for n, p, d, _ in TASKS[name]
    ]
    late = _value(result, "late_count").records.contributions
    assert [c.counted for c in late] == [x for *_, x in TASKS[name]]
    awards = _value(result, "award_points").records.contributions
    assert [(c.name, c.value, c.counted) for c in awards] == AWARDS[name]


def test_the_words_of_a_grade_are_read_as_its_letter(rules: qualscore.RuleSet) -> None:
    """县委办's votes are written 优秀 / 良好: read as A / B."""
    facts = qualscore.load_facts(rules, ENTITIES / "县委办.yaml")
    grades = "".join(str(r.values["grade"]) for r in facts.records["votes"])
    assert grades == VOTES["县委办"].replace(" ", "")


def test_the_explanations_work_each_aggregate_out_record_by_record(
    scored: qualscore.CohortResult,
) -> None:
    """县发改局's 计算值 lines: the trimmed mean, the mean of the tasks done, the count of
    those late, the highest award of each event; the weighted mean of the groups."""
    lines = value_lines(scored["县发改局"], "zh")
    for line in (
        "作风建设评价得分（style_score） = 80.00 分：民主测评票 15 条，其中 5 条符合条件"
        "（element == '作风建设'），去掉一个最高、一个最低后平均 = "
        "(100 + 100 + 80 + 60 + 40 − 100 − 40) ÷ 3 = 80",
        "已完成任务平均分值（done_mean） = 9.00 分：重点工作任务 5 条，其中 4 条符合条件"
        "（done），平均 = (10 + 9 + 9 + 8) ÷ 4 = 9",
        "  · 重大项目攻坚：档次 A × 级别 1 → 10，计入",
        "  · 不符合条件（done），不计：数字经济规划",
        "严重滞后任务数（late_count） = 1：重点工作任务 5 条，其中 1 条符合条件"
        "（not done and due_month <= 9），条数 = 1",
        "  · 数字经济规划：计入",
        "获奖加分合计（award_points） = 4 分：获奖表彰 3 条，按表彰事项分组，每组取最高，"
        "合计 = 3 + 1 = 4",
        "  · 营商环境改革：2，不计（同组已取最高），佐证材料：全国工商联通报",
        "  · 营商环境改革：3，计入，佐证材料：省人民政府办公厅通报 2026-22 号",
        "  · #14：服务对象组，评价等次 D（较差） → 40，计入",
    ):
        assert line in lines
    rating = next(x for x in lines if x.startswith("综合测评得分（rating）"))
    # the weighted mean of the groups: 40 + 28 + 22
    assert rating == (
        "综合测评得分（rating） = 90.00 分：民主测评票 15 条，按评价主体分组，每组取平均，"
        "加权平均 = 100 × 0.4 + 93.33333333… × 0.3 + 73.33333333… × 0.3 = 90"
    )


def test_the_award_without_its_proof_zeroes_the_bonus_item(
    scored: qualscore.CohortResult,
) -> None:
    """Section 四 requires evidence: 县住建局's provincial award has none (a note says
    why), so 4.1 adds nothing though its awards add up to 4; everyone else's awards
    came with their evidence."""
    item = scored["县住建局"].item("4.1")
    assert (item.score, item.missing_evidence) == (D(0), (("awards[0]", "获奖表彰第1条"),))
    assert "缺少佐证材料（获奖表彰第1条），本项不得分" in explain(item, "zh")
    assert _value(scored["县住建局"], "award_points").value == 4
    others = [n for n in HAND for i in scored[n].items if i.missing_evidence]
    assert others == ["县住建局"]


def test_one_department_scored_alone_with_its_published_rank_gets_its_batch_result(
    rules: qualscore.RuleSet,
) -> None:
    """县总工会 with published/县总工会.yaml (group_rank 3): 90.89, capped at 良好."""
    given = yaml.safe_load((SCHEME / "published" / "县总工会.yaml").read_text("utf-8"))
    facts = qualscore.load_facts(rules, ENTITIES / "县总工会.yaml")
    result = qualscore.evaluate(rules, facts, cohort=given)
    assert (result.total, result.grade) == (D("90.89"), "良好")


def _batch(tmp_path: Path, name: str, *inputs: Any) -> dict[str, Any]:
    out = tmp_path / name
    code, _, err = run_cli("batch", SCHEME, *inputs, "--out", out, "--quiet")
    assert (code, err) == (0, "")
    data: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return data


def test_the_folder_and_the_tables_give_the_same_batch_with_one_or_two_jobs(
    tmp_path: Path,
) -> None:
    """`qualscore batch` over entities/ and over tables/ (departments.csv and one table
    per list), with --jobs 1 and 2: the same JSON, and the expected files' ranks, totals,
    grades, items and group ranks."""
    runs = [
        _batch(tmp_path, f"{kind}-{jobs}.json", *inputs, "--jobs", jobs)
        for kind, inputs in (
            ("folder", (ENTITIES,)),
            ("tables", (TABLES / "departments.csv", *LISTS)),
        )
        for jobs in (1, 2)
    ]
    assert all(run == runs[0] for run in runs[1:])
    rows = runs[0]["ranking"]
    got = {r["entity"]: (r["group"], r["rank"], D(r["total"]), r["grade"],
                         {k: D(v) for k, v in r["items"].items()},
                         int(r["cohort"]["group_rank"]))
           for r in rows}  # fmt: skip
    assert got == {
        n: (HAND[n][0], int(w["rank"]), D(w["total"]), w["grade"],
            {k: D(v) for k, v in w["items"].items()}, int(w["group_rank"]))
        for n in HAND
        for w in [_expected(n)]
    }  # fmt: skip


def test_the_tables_have_the_columns_template_writes() -> None:
    """Each list's table has the `entity` column and every field of its list, and no
    column `qualscore template --list KEY --format csv` does not write."""
    for key in ("votes", "tasks", "awards"):
        code, out, _ = run_cli("template", SCHEME, "--list", key, "--format", "csv")
        assert code == 0
        template = out.splitlines()[0].split(",")
        header = (TABLES / f"{key}.csv").read_text("utf-8").splitlines()[0].split(",")
        assert set(header) <= set(template)
        assert [c for c in template if c not in ("supplier", "evidence", "note")] == [
            c for c in header if c not in ("evidence", "note")
        ]


def test_validate_strict_is_clean() -> None:
    code, out, err = run_cli("validate", SCHEME, "--strict")
    assert (code, err) == (0, "")
    assert out.endswith("0 warnings\n")


def test_the_scheme_tests_pass_and_reach_every_branch() -> None:
    """The cases of tests/ (a base facts file with lists, as the example lays them out)
    pass and reach every branch."""
    code, out, _ = run_cli("test", SCHEME, "--min-coverage", "100")
    assert code == 0, out
    assert out.endswith("coverage: 100% (13 of 13 branches reached)\n")


# The record lines every report of 县总工会 must show (its awards for one event).
RECORD_LINES = ("职工职业技能大赛：1，不计（同组已取最高）", "职工职业技能大赛：2，计入")


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    return re.sub(r"<[^>]+>", "", xml)


@pytest.mark.parametrize("fmt", ["json", "markdown", "html", "docx"])
def test_every_report_of_one_department_explains_its_aggregates(tmp_path: Path, fmt: str) -> None:
    """`evaluate --format json|markdown|html|docx` renders 县总工会 with its aggregates
    worked out record by record."""
    out = tmp_path / f"report.{fmt}"
    code, _, err = run_cli(
        "evaluate", SCHEME, ENTITIES / "县总工会.yaml",
        "--cohort", SCHEME / "published" / "县总工会.yaml",
        "--format", fmt, "--out", out,
    )  # fmt: skip
    assert (code, err) == (0, "")
    if fmt == "json":
        data = json.loads(out.read_text("utf-8"))
        awards = next(v for v in data["values"] if v["key"] == "award_points")["records"]
        assert [(c["name"], c["value"], c["counted"]) for c in awards["contributions"]] == [
            ("职工职业技能大赛", "1", False),
            ("职工职业技能大赛", "2", True),
        ]
        assert (data["total"], data["grade"]) == ("90.89", "良好")
        return
    text = _docx_text(out) if fmt == "docx" else out.read_text("utf-8")
    for line in (*RECORD_LINES, "劳模工匠选树：档次 B × 级别 1 → 9，计入", "90.89"):
        assert line in text


@pytest.mark.parametrize("suffix", ["xlsx", "html", "csv", "json"])
def test_every_batch_format_renders(tmp_path: Path, suffix: str) -> None:
    """`batch --out x.xlsx|x.html|x.csv|x.json` over the tables: each written, each with
    the six totals (the batch outputs hold the items, not the aggregates' working)."""
    out = tmp_path / f"batch.{suffix}"
    code, _, err = run_cli("batch", SCHEME, TABLES / "departments.csv", *LISTS, "--out", out,
                        "--quiet")  # fmt: skip
    assert (code, err) == (0, "")
    if suffix == "xlsx":
        with zipfile.ZipFile(out) as book:
            text = "".join(book.read(n).decode("utf-8") for n in book.namelist()
                           if n.startswith("xl/worksheets/"))  # fmt: skip
    else:
        text = out.read_text("utf-8")
    for name, (_, total, _, _) in HAND.items():
        assert name in text
        assert str(total) in text


@pytest.mark.parametrize("fmt", ["html", "markdown", "json", "docx"])
def test_batch_per_entity_reports_explain_the_aggregates(tmp_path: Path, fmt: str) -> None:
    """`batch --per-entity DIR` writes one report per department, each with its
    aggregates record by record."""
    folder = tmp_path / "reports"
    code, _, err = run_cli("batch", SCHEME, ENTITIES, "--quiet", "--per-entity", folder,
                        "--per-entity-format", fmt)  # fmt: skip
    assert (code, err) == (0, "")
    suffix = {"markdown": "md"}.get(fmt, fmt)
    path = folder / f"县总工会.{suffix}"
    text = _docx_text(path) if fmt == "docx" else path.read_text("utf-8")
    for line in RECORD_LINES if fmt != "json" else ("职工职业技能大赛",):
        assert line in text
    assert sorted(p.stem for p in folder.iterdir()) == sorted(HAND)
