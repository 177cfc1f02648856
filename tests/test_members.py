"""Sub-entities: a list whose records are scored by a rule set of their own (a county's
schools), aggregated across them (coefficient of variation, share meeting a standard,
count failing), split into parts by weights, named in facts files or listed in a table
with a parent column, and shown as a table of who failed what."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qualscore
from conftest import rule_folder
from qualscore import EvaluationError, FactsError, RuleSetError, check_facts, evaluate, load_rules
from qualscore.cli.app import main
from qualscore.report.data import to_data
from qualscore.scoring.explain import member_tables, value_lines
from qualscore.scoring.members import values_for

D = Decimal

_COUNTY = """\
id: county
title: 县域义务教育优质均衡
year: 2026
language: zh
rounding: {places: 2, mode: half_up}
verdict: {met: "met('A1') and met('A2') and met('A3')", labels: [达标, 未达标]}
"""

_COUNTY_FACTS = """\
facts:
  - {key: plan_done, type: bool, label: 规划已落实}
lists:
  - key: schools
    label: 学校
    rules: schools
    aggregates:
      - {key: primary_cv, label: 小学生师比差异系数, stat: cv, of: teachers_per_100,
         where: "stage == '小学'", places: 4}
      - {key: junior_cv, label: 初中生师比差异系数, stat: cv, of: teachers_per_100,
         where: "stage == '初中'", places: 4}
      - {key: met_share, label: 学校达标比例, stat: share, when: "met('total')", places: 4}
      - {key: failing, label: 未达标学校数, stat: count, where: "not met('total')"}
      - {key: teachers_total, label: 专任教师总数, stat: sum, of: teachers}
"""

_COUNTY_A = """\
id: A
title: 均衡
points: 0
items:
  - {id: A1, title: 小学差异系数, criteria: 小学 ≤ 0.50, departments: [教育局],
     verdict: {met: "primary_cv <= 0.5"}}
  - {id: A2, title: 初中差异系数, criteria: 初中 ≤ 0.45, departments: [教育局],
     verdict: {met: "junior_cv <= 0.45"}}
  - {id: A3, title: 每所学校达标, criteria: 每所学校至少两项达标, departments: [教育局],
     verdict: {met: "failing == 0 and plan_done and teachers_total > 0"}}
"""

_SCHOOL = """\
id: school
title: 学校办学条件
year: 2026
language: zh
rounding: {places: 2, mode: half_up}
verdict: {met: "count_if(met('1'), met('2'), met('3')) >= 2", labels: [达标, 未达标]}
"""

_SCHOOL_FACTS = """\
facts:
  - {key: stage, type: choice, label: 学段, choices: [小学, 初中]}
  - {key: students, type: count, label: 在校生数}
  - {key: teachers, type: number, label: 专任教师数, split: true}
  - {key: area, type: number, label: 校舍面积, unit: 平方米, split: true}
  - {key: rural, type: bool, label: 农村学校}
values:
  - {key: teachers_per_100, label: 每百名学生专任教师数, expr: "teachers / students * 100", places: 2}
  - {key: area_per, label: 生均校舍面积, expr: "area / students", places: 2}
  - {key: teacher_standard, label: 教师标准, table: {rows: stage, cells: {小学: 4.2, 初中: 5.3}}}
  - {key: area_standard, label: 面积标准, table: {rows: stage, cells: {小学: 4.5, 初中: 5.8}}}
"""

_SCHOOL_S = """\
id: S
title: 办学条件
points: 0
items:
  - {id: "1", title: 教师, criteria: 每百名学生专任教师数达标, departments: [学校],
     verdict: {met: "teachers_per_100 >= teacher_standard"}}
  - {id: "2", title: 校舍, criteria: 生均校舍面积达标, departments: [学校],
     verdict: {met: "area_per >= area_standard"}}
  - {id: "3", title: 农村, criteria: 农村学校另有补助, departments: [学校], verdict: {met: "rural"}}
"""

SCHOOLS: list[dict[str, Any]] = [
    {"name": "一小", "stage": "小学", "students": 800, "teachers": 40, "area": 4000,
     "rural": False},
    {"name": "二小", "stage": "小学", "students": 500, "teachers": 20, "area": 2000,
     "rural": True},
    {"name": "一中", "stage": "初中", "students": 900, "teachers": 50, "area": 5400,
     "rural": False},
    {"name": "实验学校", "teachers": 60, "area": 6000, "rural": False, "parts": [
        {"part": "小学", "weight": "0.6", "stage": "小学", "students": 700},
        {"part": "初中", "weight": "0.4", "stage": "初中", "students": 400},
    ]},
]  # fmt: skip


def _write(root: Path, *, facts: str = _COUNTY_FACTS, school_facts: str = _SCHOOL_FACTS,
           school: str = _SCHOOL) -> Path:  # fmt: skip
    rules = rule_folder(root / "rules", _COUNTY, facts, a=_COUNTY_A)
    rule_folder(rules / "schools", school, school_facts, s=_SCHOOL_S)
    return rules


@pytest.fixture(name="rules")
def _rules(tmp_path: Path) -> qualscore.RuleSet:
    return load_rules(_write(tmp_path))


def _facts(**given: object) -> dict[str, object]:
    return {"entity": "清河县", "plan_done": True, "schools": SCHOOLS} | given


def test_each_school_judged_and_the_county_through_them(rules: qualscore.RuleSet) -> None:
    # By hand. 每百名学生专任教师数: 一小 40/800 = 5.00; 二小 20/500 = 4.00; 一中 50/900
    # = 5.56; 实验学校 split 0.6 / 0.4: 小学 36/700 = 5.14, 初中 24/400 = 6.00.
    # 小学 5, 4, 5.14: n = 3, Σx = 14.14, Σx² = 67.4196; variance = (3 × 67.4196 − 14.14²)
    # ÷ 9 = 2.3192 ÷ 9 = 0.25769; stdev 0.50763; cv = 0.50763 ÷ 4.71333 = 0.10770 → 0.1077.
    # 初中 5.56, 6.00: mean 5.78, stdev 0.22, cv 0.22 ÷ 5.78 = 0.03806 → 0.0381.
    # Each school two of three: 一小 1 ✓ 2 ✓ (5.00 ≥ 4.5) 3 ✗; 二小 ✗ ✗ ✓ → fails;
    # 一中 ✓ ✓ ✗; 实验学校 小学 5.14 ✓ 3600/700 = 5.14 ✓; 初中 6.00 ✓ 2400/400 = 6 ✓.
    facts = check_facts(rules, _facts())
    values = values_for(rules, facts)
    assert values["primary_cv"] == D("0.1077")
    assert values["junior_cv"] == D("0.0381")
    assert values["met_share"] == D("0.8000")  # 4 of the 5
    assert values["failing"] == 1
    assert values["teachers_total"] == 170  # 40 + 20 + 50 + 36 + 24: split by weight
    result = evaluate(rules, facts)
    assert result.verdict == "未达标"
    assert [(i.id, i.met) for i in result.items] == [("A1", True), ("A2", True), ("A3", False)]
    [members] = result.members.values()
    assert [(m.name, m.verdict, m.failed) for m in members] == [
        ("一小", "达标", (("3", "农村"),)),
        ("二小", "未达标", (("1", "教师"), ("2", "校舍"))),
        ("一中", "达标", (("3", "农村"),)),
        ("实验学校（小学，0.6）", "达标", (("3", "农村"),)),
        ("实验学校（初中，0.4）", "达标", (("3", "农村"),)),
    ]


def test_the_explanation_works_each_spread_school_by_school(rules: qualscore.RuleSet) -> None:
    lines = value_lines(evaluate(rules, check_facts(rules, _facts())), "zh")
    start = next(i for i, x in enumerate(lines) if x.startswith("小学生师比差异系数"))
    # Σ(x − μ)² = (n·Σx² − (Σx)²) ÷ n = 2.3192 ÷ 3 = 0.77306667…
    assert lines[start] == (
        "小学生师比差异系数（primary_cv） = 0.1077：学校 5 条，其中 3 条符合条件（stage == "
        "'小学'），差异系数：σ = √(Σ(x − μ)² ÷ n)，μ = 4.71333333…，Σ(x − μ)² = 0.77306667…，"
        "n = 3，σ ≈ 0.50763066，σ ÷ μ ≈ 0.10770099，按考核细则保留 4 位小数为 0.1077"
    )
    assert lines[start + 1 : start + 5] == [
        "  · 一小：5，计入",
        "  · 二小：4，计入",
        "  · 实验学校（小学，0.6）：5.14，计入",
        "  · 不符合条件（stage == '小学'），不计：一中、实验学校（初中，0.4）",
    ]
    assert "  · 二小：不计（met('total') 不成立）" in lines


def test_the_table_of_schools_in_every_view(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    result = evaluate(rules, check_facts(rules, _facts()))
    [(title, head, rows)] = member_tables(result, "zh")
    assert (title, head) == ("学校一览（5）", ("名称", "判定", "未达标的项目"))
    assert rows[1] == ("二小", "未达标", "1 教师、2 校舍")
    data = to_data(result)
    assert data["members"]["schools"][1] == {
        "name": "二小", "total": "0", "possible": "0", "verdict": "未达标", "met": False,
        "failed": [{"id": "1", "title": "教师"}, {"id": "2", "title": "校舍"}],
    }  # fmt: skip
    facts_file = tmp_path / "清河县.yaml"
    facts_file.write_text(json.dumps(_facts(), ensure_ascii=False), encoding="utf-8")
    rules_path = str(tmp_path / "rules")
    for fmt in ("markdown", "html"):
        out = io.StringIO()
        code = main(["evaluate", rules_path, str(facts_file), "--format", fmt], stdout=out,
                    stderr=io.StringIO())  # fmt: skip
        assert code == 0
        assert "学校一览（5）" in out.getvalue()
        assert "1 教师、2 校舍" in out.getvalue()
    out = io.StringIO()
    assert main(["evaluate", rules_path, str(facts_file)], stdout=out, stderr=io.StringIO()) == 0
    assert "学校一览（5）" in out.getvalue()


def test_a_member_named_by_its_facts_file(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    (tmp_path / "qh").mkdir()
    (tmp_path / "qh" / "二小.yaml").write_text(
        "stage: 小学\nstudents: 500\nteachers: 20\narea: 2000\nrural: true\n", encoding="utf-8"
    )
    given = [s for s in SCHOOLS if s["name"] != "二小"]
    path = tmp_path / "清河县.yaml"
    path.write_text(json.dumps(_facts(schools=[*given, "qh/二小.yaml"]), ensure_ascii=False),
                    encoding="utf-8")  # fmt: skip
    inline = check_facts(rules, _facts(schools=[*given, SCHOOLS[1]]))
    loaded = qualscore.load_facts(rules, path)
    assert loaded.sha256 == inline.sha256  # the same facts, however given
    (tmp_path / "qh" / "二小.yaml").write_text(
        "stage: 小学\nstudents: 500\nteachers: 20\narea: 2000\nrural: maybe\n", encoding="utf-8"
    )
    with pytest.raises(FactsError) as caught:
        qualscore.load_facts(rules, path)
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.col) == (str(tmp_path / "qh" / "二小.yaml"), 5, 8)
    assert problem.message == (
        "schools[3] 二小: rural: expected true, false, 是 or 否, got 'maybe'"
    )
    path.write_text(json.dumps(_facts(schools=["../x.yaml"]), ensure_ascii=False),
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(FactsError, match="a member's facts file"):
        qualscore.load_facts(rules, path)


@pytest.mark.parametrize(
    ("schools", "message"),
    [
        ([{"stage": "小学"}], "schools[0]: give its name (name: …)"),
        ([SCHOOLS[0], SCHOOLS[0]], "schools[1]: '一小' is given twice (first as schools[0])"),
        ([dict(SCHOOLS[0], rural="x")],
         "schools[0] 一小: rural: expected true, false, 是 or 否, got 'x'"),
        ([dict(SCHOOLS[0], stage="高中")],
         "schools[0] 一小: stage: '高中' is not one of the choices (小学, 初中); did you mean "
         "'初中'?"),
        ([{**SCHOOLS[3], "parts": [dict(SCHOOLS[3]["parts"][0], weight="0.7"),
                                   SCHOOLS[3]["parts"][1]]}],
         "schools[0] 实验学校: the weights of its parts add up to 1.1, not 1"),
        ([{**SCHOOLS[3], "parts": [{"part": "小学", "stage": "小学", "students": 1}]}],
         "schools[0] 实验学校: parts[0]: give its part (part: …) and its weight (weight: 0.6), "
         "above 0"),
        ("一小", "schools: expected a list of 学校, each a mapping with its name"),
    ],
)
def test_each_bad_member_in_one_line(
    rules: qualscore.RuleSet, schools: object, message: str
) -> None:
    with pytest.raises(FactsError) as caught:
        check_facts(rules, _facts(schools=schools))
    assert [p.message for p in caught.value.problems] == [message]


def test_a_members_failing_formula_names_it(rules: qualscore.RuleSet) -> None:
    schools = [*SCHOOLS[:2], dict(SCHOOLS[2], students=0)]
    with pytest.raises(EvaluationError, match=r"schools: 一中: value teachers_per_100: "):
        evaluate(rules, check_facts(rules, _facts(schools=schools)))


def test_no_member_of_a_stage_leaves_its_spread_without_value(rules: qualscore.RuleSet) -> None:
    schools = [SCHOOLS[0], SCHOOLS[1]]  # no 初中 at all
    result = evaluate(rules, check_facts(rules, _facts(schools=schools)))
    assert (result.item("A2").verdict, result.item("A2").met) == ("不适用", None)
    assert "初中生师比差异系数（junior_cv） = 记录不足，无法计算：学校 2 条，其中 0 条符合条件（stage == " \
        "'初中'）" in value_lines(result, "zh")


def _problems(tmp_path: Path, **files: str) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        load_rules(_write(tmp_path, **files))
    return [p.message for p in caught.value.problems]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"facts": _COUNTY_FACTS.replace("rules: schools", "rules: ../schools")},
         "lists[0].rules: '../schools': a folder inside the rule set's"),
        ({"facts": _COUNTY_FACTS.replace("rules: schools", "rules: school")},
         "no such folder; a rule set is a folder with ruleset.yaml"),
        ({"facts": _COUNTY_FACTS.replace("met('total')\", places", "met('S')\", places")},
         "met('S'): 'S' has no verdict"),
        ({"facts": _COUNTY_FACTS.replace("not met('total')", "not met('4')")},
         "met('4'): no item, indicator or section '4'"),
        ({"school_facts": _SCHOOL_FACTS.replace("values:", "  - {key: name, type: bool, "
                                                "label: 名}\nvalues:")},
         "declares 'name', the field that names a sub-entity"),
        ({"school_facts": _SCHOOL_FACTS.replace("values:", "  - {key: plan_done, type: bool, "
                                                "label: 规划}\nvalues:")},
         "declares 'plan_done', also the name of a fact here"),
        ({"school_facts": _SCHOOL_FACTS.replace("label: 农村学校}", "label: 农村学校, split: true}")},
         "split: a bool fact is not an amount a part takes its share of"),
        ({"facts": _COUNTY_FACTS.replace("of: teachers_per_100,\n         where: \"stage == '小学'\"",
                                         "of: teachers_per_100,\n         where: \"stage == '高中'\"")},
         "'高中' is not a value of stage"),
    ],
)  # fmt: skip
def test_rule_mistakes_of_sub_entities(tmp_path: Path, files: dict[str, str], message: str) -> None:
    found = _problems(tmp_path, **files)
    assert any(message in p for p in found), found


def test_a_sub_entitys_rules_are_part_of_the_fingerprint(tmp_path: Path) -> None:
    first = load_rules(_write(tmp_path / "a")).sha256
    changed = load_rules(_write(tmp_path / "b", school_facts=_SCHOOL_FACTS.replace("4.2", "4.3")))
    assert changed.sha256 != first
    assert "schools/facts.yaml" in changed.sources


# --- batch: counties with their schools in a table with a parent column ---------------


def _tables(tmp_path: Path) -> tuple[Path, Path]:
    counties = tmp_path / "counties.csv"
    counties.write_text("entity,plan_done\n清河县,true\n白沙县,true\n", encoding="utf-8")
    schools = tmp_path / "schools.csv"
    schools.write_text(
        "entity,name,part,weight,stage,students,teachers,area,rural\n"
        "清河县,一小,,,小学,800,40,4000,false\n"
        "清河县,二小,,,小学,500,20,2000,true\n"
        "清河县,一中,,,初中,900,50,5400,false\n"
        "清河县,实验学校,小学,0.6,小学,700,60,6000,false\n"
        "清河县,实验学校,初中,0.4,初中,400,60,6000,false\n"
        "白沙县,白沙小学,,,小学,300,15,1500,true\n"
        "白沙县,白沙中学,,,初中,300,17,2000,true\n",
        encoding="utf-8",
    )
    return counties, schools


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_of_counties_with_their_schools_in_a_table(tmp_path: Path, jobs: str) -> None:
    rules = _write(tmp_path)
    counties, schools = _tables(tmp_path)
    out = tmp_path / "out.json"
    err = io.StringIO()
    code = main(["batch", str(rules), str(counties), "--list", f"schools={schools}", "--out",
                 str(out), "--jobs", jobs, "--quiet"], stdout=io.StringIO(), stderr=err)  # fmt: skip
    assert (code, err.getvalue()) == (0, "")
    ranking = {e["entity"]: e for e in json.loads(out.read_text("utf-8"))["ranking"]}
    # 清河县 as above: 二小 fails. 白沙县: 白沙小学 15/300 = 5.00 ✓ 1500/300 = 5 ✓ ✓;
    # 白沙中学 17/300 = 5.67 ✓ 2000/300 = 6.67 ✓ ✓: every school passes; 小学 alone: cv 0,
    # 初中 alone: cv 0.
    assert ranking["清河县"]["verdict"] == "未达标"
    assert ranking["白沙县"]["verdict"] == "达标"
    rules_set = load_rules(rules)
    inline = check_facts(rules_set, _facts())
    assert ranking["清河县"]["facts_sha256"] == inline.sha256  # the table gives the same facts


def test_batch_tells_a_school_of_no_county(tmp_path: Path) -> None:
    rules = _write(tmp_path)
    counties, schools = _tables(tmp_path)
    schools.write_text(schools.read_text("utf-8") + "黑水县,黑水小学,,,小学,1,1,1,true\n",
                       encoding="utf-8")  # fmt: skip
    err = io.StringIO()
    code = main(["batch", str(rules), str(counties), "--list", f"schools={schools}", "--quiet"],
                stdout=io.StringIO(), stderr=err)  # fmt: skip
    assert code == 1
    assert f"{schools}:9:1: entity '黑水县' is in no input of this batch" in err.getvalue()


# --- the aggregates against a plain computation, on random schools ---------------------


school = st.fixed_dictionaries({
    "stage": st.sampled_from(["小学", "初中"]),
    "students": st.integers(1, 2000),
    "teachers": st.integers(1, 150),
    "area": st.integers(0, 20000),
    "rural": st.booleans(),
})  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(schools=st.lists(school, min_size=0, max_size=7))
def test_aggregates_across_members_match_a_plain_computation(
    tmp_path_factory: pytest.TempPathFactory, schools: list[dict[str, Any]]
) -> None:
    from fractions import Fraction

    from qualscore.language.statistics import spread

    rules = _cached_rules(tmp_path_factory)
    named = [dict(s, name=f"校{i}") for i, s in enumerate(schools)]
    facts = check_facts(rules, _facts(schools=named))
    values = values_for(rules, facts)
    per_100, met = [], []
    for s in schools:  # each school the plain way: its ratio rounded, its three checks
        ratio = (Fraction(s["teachers"]) / s["students"] * 100)
        shown = D(ratio.numerator) / D(ratio.denominator)
        rounded = shown.quantize(D("0.01"), "ROUND_HALF_UP")
        area = (D(s["area"]) / D(s["students"])).quantize(D("0.01"), "ROUND_HALF_UP")
        standard = (D("4.2"), D("4.5")) if s["stage"] == "小学" else (D("5.3"), D("5.8"))
        checks = [rounded >= standard[0], area >= standard[1], s["rural"]]
        per_100.append((s["stage"], rounded))
        met.append(sum(checks) >= 2)
    assert values["failing"] == sum(1 for m in met if not m)
    if schools:
        share = (D(sum(met)) / D(len(met))).quantize(D("0.0001"), "ROUND_HALF_UP")
        assert values["met_share"] == share
    else:
        assert "met_share" not in values
    primary = [x for stage, x in per_100 if stage == "小学"]
    if primary and sum(primary) > 0:
        cv = spread("cv", primary).value.quantize(D("0.0001"), "ROUND_HALF_UP")
        assert values["primary_cv"] == cv
    elif not primary:
        assert "primary_cv" not in values


_CACHE: dict[str, qualscore.RuleSet] = {}


def _cached_rules(factory: pytest.TempPathFactory) -> qualscore.RuleSet:
    if "rules" not in _CACHE:
        _CACHE["rules"] = load_rules(_write(factory.mktemp("members")))
    return _CACHE["rules"]


# --- rule tests expect verdicts, node verdicts and values ---------------------------------


def test_rule_tests_expect_verdicts_and_values(tmp_path: Path) -> None:
    rules = _write(tmp_path)
    (rules / "tests").mkdir()
    given = json.dumps(_facts(), ensure_ascii=False)
    (rules / "tests" / "t.yaml").write_text(
        "cases:\n"
        f"  - name: as worked by hand\n    facts: {given}\n"
        "    verdict: 未达标\n    met: {A1: true, A2: true, A3: false}\n"
        "    values: {primary_cv: 0.1077, junior_cv: '0.0381', failing: 1, met_share: 0.8}\n"
        f"  - name: wrong on purpose\n    facts: {given}\n"
        "    verdict: 达标\n    met: {A3: true, A9: false}\n"
        "    values: {failing: 0, failng: null}\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    code = main(["test", str(rules)], stdout=out, stderr=io.StringIO())
    path = rules / "tests" / "t.yaml"
    assert code == 1
    assert out.getvalue().splitlines()[:5] == [
        f"{path}:9:14: FAIL wrong on purpose: verdict: expected 达标, got 未达标",
        f"{path}:10:15: FAIL wrong on purpose: met: A3: expected true, got false",
        f"{path}:10:25: FAIL wrong on purpose: met: 'A9' has no verdict here (or is no item, "
        "indicator or section)",
        f"{path}:11:23: FAIL wrong on purpose: values: failing: expected 0, got 1",
        f"{path}:11:34: FAIL wrong on purpose: values: 'failng': no named value or aggregate of "
        "that name; did you mean 'failing'?",
    ]
    assert out.getvalue().splitlines()[5] == f"{rules}: 2 cases, 1 passed, 1 failed"
