"""The invented scheme examples/county-schools: two counties judged through their
schools, each school by a rule set of its own (six conditions against requirements by
stage, two adjusted by an attribute of the school; five of six met and none below 85 %),
each county by the coefficient of variation of four conditions per stage, every school
passing, the share meeting all six and two facts of its own. Every number is the one
worked out by hand in its EXPECTED.md; the folder of facts files and the tables give the
same results and the same fingerprints."""

from __future__ import annotations

import csv
import json
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

import qualscore
from conftest import ROOT, expected_of, run_cli
from qualscore.report.data import to_data
from qualscore.scoring.explain import explain, member_tables, value_lines

D = Decimal
SCHEME = ROOT / "examples" / "county-schools"
COUNTIES = SCHEME / "counties"
TABLES = SCHEME / "tables"

# Worked out by hand (EXPECTED.md), not copied from the program's output:
# county: (total, verdict, A, B, C, the nodes not met)
HAND = {
    "东林县": (D(95), "通过", D(40), D(30), D(25), []),
    "西坪县": (D(95), "未通过", D(35), D(30), D(30), ["A", "A2", "A2.3"]),
}
# Each spread: n, Σx, Σx² (exact), σ and cv to 6 places, cv to 4 places (EXPECTED.md).
SPREADS = {
    "东林县": {
        "primary_teachers_cv": (7, "42.27", "256.4689", "0.417216", "0.069092", "0.0691"),
        "primary_senior_cv": (7, "8.82", "11.9332", "0.342261", "0.271636", "0.2716"),
        "primary_area_cv": (7, "48", "330.68", "0.468606", "0.068338", "0.0683"),
        "primary_equipment_cv": (7, "17402", "43609402", "222.976616", "0.089693", "0.0897"),
        "junior_teachers_cv": (4, "28.95", "209.6525", "0.178098", "0.024608", "0.0246"),
        "junior_senior_cv": (4, "6.97", "12.3349", "0.217758", "0.124969", "0.1250"),
        "junior_area_cv": (4, "31.7", "251.49", "0.258602", "0.032631", "0.0326"),
        "junior_equipment_cv": (4, "12400", "38460000", "70.710678", "0.022810", "0.0228"),
    },
    "西坪县": {
        "primary_teachers_cv": (5, "29.22", "170.858", "0.138795", "0.023750", "0.0237"),
        "primary_senior_cv": (5, "5.65", "6.3919", "0.038471", "0.034045", "0.0340"),
        "primary_area_cv": (5, "33.6", "225.98", "0.193907", "0.028855", "0.0289"),
        "primary_equipment_cv": (5, "11800", "27860000", "48.989795", "0.020758", "0.0208"),
        "junior_teachers_cv": (3, "22.5", "169.1378", "0.359537", "0.047938", "0.0479"),
        "junior_senior_cv": (3, "4.92", "8.0742", "0.042426", "0.025870", "0.0259"),
        "junior_area_cv": (3, "36.1", "542.01", "5.989064", "0.497706", "0.4977"),
        "junior_equipment_cv": (3, "9600", "30740000", "81.649658", "0.025516", "0.0255"),
    },
}
# The members meeting all six of the members, and the share to 4 places.
SHARES = {"东林县": (8, 11, D("0.7273")), "西坪县": (6, 8, D("0.7500"))}
# Each member: its verdict and the conditions it does not meet (EXPECTED.md).
MEMBERS = {
    "东林县": [
        ("东林一小", "达标", ()),
        ("东林二小", "达标", ()),
        ("城关小学", "达标", (("4", "生均体育运动场地面积"),)),
        ("河口小学", "达标", ()),
        ("石岭小学", "达标", (("6", "每百名学生计算机台数"),)),
        ("桃源小学", "达标", ()),
        ("东林一中", "达标", ()),
        ("东林二中", "达标", (("6", "每百名学生计算机台数"),)),
        ("河口中学", "达标", ()),
        ("东林实验学校（小学，0.6）", "达标", ()),
        ("东林实验学校（初中，0.4）", "达标", ()),
    ],
    "西坪县": [
        ("西坪一小", "达标", ()),
        ("西坪二小", "达标", ()),
        ("龙潭小学", "达标", ()),
        ("青山小学", "达标", (("6", "每百名学生计算机台数"),)),
        ("柳湾小学", "达标", (("3", "生均校舍建筑面积"),)),
        ("西坪一中", "达标", ()),
        ("龙潭中学", "达标", ()),
        ("西坪三中", "达标", ()),
    ],
}


def _expected(name: str) -> dict[str, Any]:
    return expected_of(COUNTIES / f"{name}.expected.yaml")


@pytest.fixture(scope="module")
def rules() -> qualscore.RuleSet:
    return qualscore.load_rules(SCHEME)


@pytest.fixture(scope="module")
def scored(rules: qualscore.RuleSet) -> dict[str, qualscore.Result]:
    out = {}
    for name in HAND:
        facts = qualscore.load_facts(rules, COUNTIES / f"{name}.yaml")
        assert facts.entity == name
        out[name] = qualscore.evaluate(rules, facts)
    return out


def _data(result: qualscore.Result, key: str) -> dict[str, Any]:
    """The JSON of a named value: its records, the values it was taken over, unrounded."""
    [value] = [v for v in to_data(result)["values"] if v["key"] == key]
    return value


def _value(result: qualscore.Result, key: str) -> Decimal:
    [named] = [v for v in result.values if v.key == key]
    return named.value


def test_the_two_counties_get_the_hand_worked_totals_and_verdicts(
    scored: dict[str, qualscore.Result],
) -> None:
    """Both 95; 东林县 通过, 西坪县 未通过 on the spread of 初中 floor area alone."""
    got = {
        name: (r.total, r.verdict, *(c.score for c in r.categories),
               [n.id for n in r.judged() if n.met is False])
        for name, r in scored.items()
    }  # fmt: skip
    assert got == HAND
    assert {(r.possible, r.result_label) for r in scored.values()} == {(D(100), "已评估")}


@pytest.mark.parametrize("name", sorted(HAND))
def test_every_spread_is_the_hand_worked_one(
    scored: dict[str, qualscore.Result], name: str
) -> None:
    """Each coefficient of variation, to the 4 places it is compared at, and before them
    within the 6 places EXPECTED.md works to; n and its members as counted by hand."""
    result = scored[name]
    for key, (n, _sx, _sxx, _sd, cv, rounded) in SPREADS[name].items():
        named = next(v for v in result.values if v.key == key)
        assert named.value == D(rounded), key
        unrounded = D(_data(result, key)["records"]["unrounded"])
        assert abs(unrounded - D(cv)) < D("0.0000005"), key
        assert _data(result, key)["records"]["kept"] == n, key


@pytest.mark.parametrize("name", sorted(HAND))
def test_each_spread_worked_from_its_sums(scored: dict[str, qualscore.Result], name: str) -> None:
    """The values each spread was taken over, as listed record by record, give the Σx and
    Σx² of EXPECTED.md, and from them (n·Σx² − (Σx)²) ÷ n² its σ, to 6 places."""
    for key, (n, sx, sxx, sd, _cv, _r) in SPREADS[name].items():
        over = [D(x) for x in _data(scored[name], key)["records"]["over"]]
        assert (len(over), sum(over), sum(x * x for x in over)) == (n, D(sx), D(sxx)), key
        variance = (n * D(sxx) - D(sx) ** 2) / (n * n)
        assert abs(variance.sqrt() - D(sd)) < D("0.0000005"), key


@pytest.mark.parametrize("name", sorted(HAND))
def test_failing_and_the_share_meeting_all_six(
    scored: dict[str, qualscore.Result], name: str
) -> None:
    """No school fails in either county; 8 of 11 members (东林县) and 6 of 8 (西坪县)
    meet all six."""
    met, of, share = SHARES[name]
    assert _value(scored[name], "failing") == 0
    assert _value(scored[name], "all_six_share") == share
    assert (D(met) / D(of)).quantize(D("0.0001"), ROUND_HALF_UP) == share


@pytest.mark.parametrize("name", sorted(HAND))
def test_each_item_value_and_verdict_is_its_expected_file(
    scored: dict[str, qualscore.Result], name: str
) -> None:
    """Every item, indicator, category, named value, verdict and member as
    counties/NAME.expected.yaml says."""
    want, result = _expected(name), scored[name]
    assert {i.id: i.score for i in result.items} == {k: D(v) for k, v in want["items"].items()}
    indicators = {c.id: c.score for cat in result.categories for c in cat.children
                  if isinstance(c, type(cat))}  # fmt: skip
    assert indicators == {k: D(v) for k, v in want["indicators"].items()}
    assert {c.id: c.score for c in result.categories} == {
        k: D(v) for k, v in want["categories"].items()
    }
    assert (result.total, result.possible) == (D(want["total"]), D(want["possible"]))
    assert {v.key: v.value for v in result.values} == {k: D(v) for k, v in want["values"].items()}
    verdicts = {n.id: n.verdict for n in result.judged()} | {"scheme": result.verdict}
    assert verdicts == want["verdicts"]
    assert [n.id for n in result.judged() if n.met is False] == want["not_met"]
    [members] = result.members.values()
    assert [(m.name, m.total, m.verdict, [i for i, _ in m.failed]) for m in members] == [
        (n, D(t), v, f) for n, t, v, f in want["members"]
    ]


@pytest.mark.parametrize("name", sorted(HAND))
def test_each_school_s_verdict_and_what_it_failed(
    scored: dict[str, qualscore.Result], name: str
) -> None:
    """result.members: every school 达标, five with one condition not met (each at least
    85 % of it); 东林实验学校 as its two parts, weighted 0.6 and 0.4."""
    [(key, members)] = scored[name].members.items()
    assert key == "schools"
    assert [(m.name, m.verdict, m.failed) for m in members] == MEMBERS[name]
    assert all(m.met and m.possible == 60 for m in members)
    assert {m.name: m.total for m in members if m.failed} == {
        m: D(56) for m, _, f in MEMBERS[name] if f
    }


def test_the_failing_spread_is_explained_with_its_working(
    scored: dict[str, qualscore.Result],
) -> None:
    """西坪县's A2.3: its three 初中 values listed, the spread of each worked (σ ÷ μ), and
    the verdict's condition 0.4977 ≤ 0.45 不成立."""
    result = scored["西坪县"]
    lines = value_lines(result, "zh")
    start = next(i for i, x in enumerate(lines) if x.startswith("初中生均校舍建筑面积差异系数"))
    assert "其中 3 条符合条件（stage == '初中'）" in lines[start]
    # μ = 36.1 ÷ 3; Σ(x − μ)² = 19.6544… + 16.2677… + 71.6844… = 107.6066…
    assert "μ = 12.03333333…，Σ(x − μ)² = 107.60666667…，n = 3" in lines[start]
    assert "σ ≈ 5.98906411，σ ÷ μ ≈ 0.49770616" in lines[start]
    assert lines[start].endswith("0.4977")
    assert lines[start + 1 : start + 4] == ["  · 西坪一中：7.6，计入", "  · 龙潭中学：8，计入",
                                            "  · 西坪三中：20.5，计入"]  # fmt: skip
    assert lines[start + 4].startswith("  · 不符合条件（stage == '初中'），不计：")
    lines = explain(result.item("A2.3"), "zh")
    assert (
        "判定条件：初中生均校舍建筑面积差异系数 ≤ 初中校际差异系数上限 = 0.4977 ≤ 0.45 = 不成立"
        in lines
    )
    assert lines[-1] == "判定：未达标"


def test_a_member_s_own_file_is_a_facts_file_of_the_school_rule_set() -> None:
    """东林一中.yaml, named in 东林县's list, scored alone by schools/: all six met, 60."""
    schools = qualscore.load_rules(SCHEME / "schools")
    result = qualscore.evaluate(
        schools, qualscore.load_facts(schools, COUNTIES / "东林县" / "东林一中.yaml")
    )
    assert (result.total, result.verdict) == (D(60), "达标")
    assert {v.key: v.value for v in result.values if v.key in ("met_count", "all_near")} == {
        "met_count": 6,
        "all_near": True,
    }


def test_the_members_table_in_markdown_html_and_the_terminal() -> None:
    """Each view shows the table of schools (名称, 得分, 判定, 未达标的项目)."""
    for fmt, row in (
        ("markdown", "| 柳湾小学 | 56 / 60 | 达标 | 3 生均校舍建筑面积 |"),
        ("html", "3 生均校舍建筑面积"),
    ):
        code, out, err = run_cli("evaluate", SCHEME, COUNTIES / "西坪县.yaml", "--format", fmt)
        assert (code, err) == (0, "")
        assert "义务教育学校一览（8）" in out
        assert row in out
    code, out, _ = run_cli("evaluate", SCHEME, COUNTIES / "东林县.yaml")
    assert code == 0
    assert "义务教育学校一览（11）" in out
    assert "东林实验学校（初中，0.4）" in out
    [(title, head, rows)] = member_tables(qualscore.evaluate(
        qualscore.load_rules(SCHEME),
        qualscore.load_facts(qualscore.load_rules(SCHEME), COUNTIES / "东林县.yaml"),
    ), "zh")  # fmt: skip
    assert (title, head) == ("义务教育学校一览（11）", ("名称", "得分", "判定", "未达标的项目"))
    assert rows[2] == ("城关小学", "56 / 60", "达标", "4 生均体育运动场地面积")


def _batch_json(tmp_path: Path, jobs: str, *inputs: Any) -> dict[str, dict[str, Any]]:
    out = tmp_path / f"out-{jobs}-{len(inputs)}.json"
    code, _, err = run_cli("batch", SCHEME, *inputs, "--out", out, "--jobs", jobs, "--quiet")
    assert (code, err) == (0, "")
    return {r["entity"]: r for r in json.loads(out.read_text("utf-8"))["ranking"]}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_over_the_folder_and_over_the_tables_agree(
    tmp_path: Path, rules: qualscore.RuleSet, jobs: str
) -> None:
    """`qualscore batch` over counties/ and over tables/counties.csv with --list
    schools=tables/schools.csv: the same totals, verdicts, items, nodes not met and facts
    fingerprints, as the expected files say."""
    folder = _batch_json(tmp_path, jobs, COUNTIES)
    tables = _batch_json(
        tmp_path, jobs, TABLES / "counties.csv", "--list", f"schools={TABLES / 'schools.csv'}"
    )
    assert folder == tables
    for name in HAND:
        want, row = _expected(name), folder[name]
        assert (D(row["total"]), row["verdict"], row["not_met"]) == (
            D(want["total"]), want["verdicts"]["scheme"], want["not_met"])  # fmt: skip
        assert {k: D(v) for k, v in row["items"].items()} == {
            k: D(v) for k, v in want["items"].items()
        }
        facts = qualscore.load_facts(rules, COUNTIES / f"{name}.yaml")
        assert row["facts_sha256"] == facts.sha256
    assert {r["rank"] for r in folder.values()} == {1}  # both 95: a tie


def test_a_school_in_its_own_file_gives_the_same_fingerprint_as_inline(
    rules: qualscore.RuleSet,
) -> None:
    """东林县 names two schools by their own files; written inline they are the same facts."""
    data = yaml.safe_load((COUNTIES / "东林县.yaml").read_text("utf-8"))
    inline = []
    for school in data["schools"]:
        if isinstance(school, str):
            path = COUNTIES / school
            school = {"name": path.stem} | yaml.safe_load(path.read_text("utf-8"))
        inline.append(school)
    assert qualscore.check_facts(rules, data | {"schools": inline}).sha256 == (
        qualscore.load_facts(rules, COUNTIES / "东林县.yaml").sha256
    )


def test_the_tables_hold_the_same_schools_as_the_folder() -> None:
    """tables/schools.csv: one row a school, 东林实验学校 one row a part (0.6 + 0.4) with
    the whole school's amounts on each."""
    rows = list(csv.DictReader((TABLES / "schools.csv").open(encoding="utf-8")))
    assert [r["name"] for r in rows if r["entity"] == "西坪县"] == [
        n for n, _, _ in MEMBERS["西坪县"]
    ]
    parts = [r for r in rows if r["name"] == "东林实验学校"]
    assert [(r["part"], r["weight"], r["students"], r["teachers"]) for r in parts] == [
        ("小学", "0.6", "900", "105"),
        ("初中", "0.4", "600", "105"),
    ]


def test_validate_strict_and_the_scheme_tests_reach_every_branch() -> None:
    """No warning, for the county's rules and the schools'; the cases of tests/ and of
    schools/tests/ pass and reach every branch."""
    for rules, line in ((SCHEME, "12 items, 2 facts, 1 list, 0 warnings"),
                        (SCHEME / "schools", "6 items, 10 facts, 0 warnings")):  # fmt: skip
        code, out, err = run_cli("validate", rules, "--strict")
        assert (code, err) == (0, "")
        assert out.endswith(f"{line}\n")
    code, out, _ = run_cli("test", SCHEME, "--min-coverage", "100")
    assert code == 0, out
    assert out.endswith("coverage: 100% (26 of 26 branches reached)\n")
    code, out, _ = run_cli("test", SCHEME / "schools", "--min-coverage", "100")
    assert code == 0, out
    assert out.endswith("coverage: 100% (18 of 18 branches reached)\n")


@pytest.mark.parametrize("fmt", ["json", "markdown", "html", "docx"])
def test_evaluate_renders_every_format(tmp_path: Path, fmt: str) -> None:
    """Each report format of one county renders, with its verdict and its schools."""
    out = tmp_path / f"西坪县.{fmt}"
    code, _, err = run_cli("evaluate", SCHEME, COUNTIES / "西坪县.yaml", "--format", fmt,
                        "--out", out)  # fmt: skip
    assert (code, err) == (0, "")
    if fmt == "json":
        data = json.loads(out.read_text("utf-8"))
        assert (data["verdict"], data["met"], data["total"]) == ("未通过", False, "95")
        assert [m["name"] for m in data["members"]["schools"]] == [
            n for n, _, _ in MEMBERS["西坪县"]
        ]
        assert data["members"]["schools"][4]["failed"] == [{"id": "3", "title": "生均校舍建筑面积"}]
        return
    if fmt == "docx":
        with zipfile.ZipFile(out) as docx:
            text = docx.read("word/document.xml").decode("utf-8")
    else:
        text = out.read_text("utf-8")
    assert "义务教育学校一览（8）" in text
    assert "未通过" in text
    assert "西坪三中" in text


@pytest.mark.parametrize("suffix", ["json", "csv", "xlsx", "html"])
def test_batch_renders_every_format(tmp_path: Path, suffix: str) -> None:
    """`batch --out x.json|x.csv|x.xlsx|x.html` over the folder: both counties, their
    verdicts and what 西坪县 did not meet."""
    out = tmp_path / f"results.{suffix}"
    code, _, err = run_cli("batch", SCHEME, COUNTIES, "--out", out, "--quiet")
    assert (code, err) == (0, "")
    if suffix == "csv":
        table = {r["entity"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
        assert {
            n: (r["total"], r["verdict"], r["not_met"], r["A2.3"]) for n, r in table.items()
        } == {
            "东林县": ("95", "通过", "", "5"),
            "西坪县": ("95", "未通过", "A A2 A2.3", "0"),
        }
    elif suffix == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(out, read_only=True)["总览"]
        rows = {r[1]: r[2:] for r in sheet.iter_rows(values_only=True) if len(r) > 5}
        assert (rows["东林县"][:3], rows["东林县"][-1:]) == ((95, "否", "已评估"), ("通过",))
        assert (rows["西坪县"][:3], rows["西坪县"][-2:]) == (
            (95, "否", "已评估"), ("未通过", "A A2 A2.3"),
        )  # fmt: skip
        assert sum(rows["东林县"][3:-1]) == sum(rows["西坪县"][3:-2]) == 95  # by category
    else:
        text = out.read_text("utf-8")
        assert "东林县" in text
        assert "未通过" in text
