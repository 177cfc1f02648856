"""Vetoes and grades: ``grade_at_most`` caps the grade (a rank cohort value over five
entities worked by hand, ties at the boundary), a forced grade and caps together,
``applies_to`` on a veto, a grade band and a facts check, ``--explain`` of a veto, what
every view shows of a held veto, and the load errors, each whole."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import qualscore
from conftest import run_cli
from qualscore.errors import RuleSetError

D = Decimal

_MANIFEST = """\
id: veto-demo
title: 2024 乡镇质量工作考核
year: 2024
language: zh
normal_result: 完成
grades:
  - {grade: 优秀, at_least: 90}
  - {grade: 良好, at_least: 80, below: 90}
  - {grade: 合格, at_least: 60, below: 80}
  - {grade: 不合格, below: 60}
vetoes:
  - id: 事故
    title: 重大质量安全事故
    when: major_incident
    result: 未完成
    grade: 不合格
    criteria: 发生重大质量安全事故的，考核结果为未完成，等级为不合格。
    departments: [县市场监管局]
  - id: 后三位
    title: 排名后三位不得评为优秀
    when: rank_total >= 3
    grade_at_most: 良好
    criteria: 总分排名后三位的，不得评为优秀。
    departments: [县质量办]
  - id: 通报
    title: 被通报批评两次以上
    when: criticisms >= 2
    grade_at_most: 合格
    criteria: 年内被省级通报批评两次以上的，等级至多为合格。
    departments: [县质量办]
"""
_FACTS = """\
facts:
  - {key: earned, type: number, label: 考核得分, min: 0, max: 100}
  - {key: major_incident, type: bool, label: 发生重大质量安全事故}
  - {key: criticisms, type: count, label: 省级通报批评次数, unit: 次}
cohort:
  - {key: rank_total, label: 总分全县排名, stat: rank, score: total}
"""
_CATEGORY = """\
id: 质量工作
title: 质量工作
points: 100
items:
  - id: "1"
    title: 质量工作考核得分
    points: 100
    criteria: 按考核得分计。
    departments: [县质量办]
    score: {kind: formula, expr: earned}
"""

# Five towns, worked by hand. Totals 95, 92, 92, 91, 70: competition ranks 1, 2, 2, 4, 5.
# 后三位 (rank_total >= 3) holds for 丁 and 戊 only: 乙 and 丙 tie for 2nd, so neither is in
# the last three, though 丙 is third in name order. Grades by total: 优秀 for 甲, 乙, 丙,
# 丁 (91 >= 90), 合格 for 戊 (70).
#   甲: rank 1, criticised twice: 通报 caps 优秀 at 合格            -> 合格, result 完成
#   乙, 丙: rank 2: no veto holds                                  -> 优秀
#   丁: rank 4 (91, a point over 优秀's bound): 后三位 caps at 良好, 通报 at 合格: the lowest
#                                                                  -> 合格
#   戊: rank 5, an incident: 事故 forces 不合格 (whatever 后三位 says), result 未完成, vetoed
TOWNS: dict[str, dict[str, Any]] = {
    "甲镇": {"earned": 95, "major_incident": False, "criticisms": 2},
    "乙镇": {"earned": 92, "major_incident": False, "criticisms": 1},
    "丙镇": {"earned": 92, "major_incident": False, "criticisms": 0},
    "丁镇": {"earned": 91, "major_incident": False, "criticisms": 2},
    "戊镇": {"earned": 70, "major_incident": True, "criticisms": 0},
}
EXPECTED = {  # name: (rank_total, grade, vetoed, result label)
    "甲镇": ("1", "合格", False, "完成"),
    "乙镇": ("2", "优秀", False, "完成"),
    "丙镇": ("2", "优秀", False, "完成"),
    "丁镇": ("4", "合格", False, "完成"),
    "戊镇": ("5", "不合格", True, "未完成"),
}


def _rules(tmp_path: Path, manifest: str = _MANIFEST, facts: str = _FACTS) -> Path:
    root = tmp_path / "rules"
    if root.exists():
        shutil.rmtree(root)
    (root / "categories").mkdir(parents=True)
    (root / "ruleset.yaml").write_text(manifest, "utf-8")
    (root / "facts.yaml").write_text(facts, "utf-8")
    (root / "categories" / "1.yaml").write_text(_CATEGORY, "utf-8")
    return root


def _table(tmp_path: Path, towns: dict[str, dict[str, Any]]) -> Path:
    keys = ["earned", "major_incident", "criticisms"]
    lines = [",".join(["entity", *keys])]
    lines += [",".join([n, *(str(f[k]).lower() for k in keys)]) for n, f in towns.items()]
    table = tmp_path / "towns.csv"
    table.write_text("\n".join(lines) + "\n", "utf-8")
    return table


# --- grade_at_most over a cohort rank -------------------------------------------------


def test_a_rank_cap_over_five_towns_worked_by_hand(tmp_path: Path) -> None:
    """evaluate_cohort and batch grade the five towns as worked out by hand: ties at the
    boundary rank share it, a cap never raises a grade, caps take the lowest, a forced
    grade wins, and a veto that only caps leaves the total, the result and the ranking."""
    root = _rules(tmp_path)
    rules = qualscore.load_rules(root)
    facts = {n: qualscore.check_facts(rules, f) for n, f in TOWNS.items()}
    scored = qualscore.evaluate_cohort(rules, facts)
    got = {
        n: (format(r.cohort["rank_total"].value, "f"), r.grade, r.vetoed, r.result_label)
        for n, r in scored.items()
    }
    assert got == EXPECTED
    assert {n: r.total for n, r in scored.items()} == {n: D(f["earned"]) for n, f in TOWNS.items()}
    out = tmp_path / "towns.json"
    assert run_cli("batch", root, _table(tmp_path, TOWNS), "--out", out) == (0, "", "")
    doc = json.loads(out.read_text("utf-8"))
    ranking = [
        (r["rank"], r["entity"], r["total"], r["grade"], r["vetoed"], r["result_label"])
        for r in doc["ranking"]
    ]
    assert ranking == [  # 戊 is vetoed: last; the capped 甲 and 丁 keep their places
        (1, "甲镇", "95", "合格", False, "完成"),
        (2, "丙镇", "92", "优秀", False, "完成"),
        (2, "乙镇", "92", "优秀", False, "完成"),
        (4, "丁镇", "91", "合格", False, "完成"),
        (5, "戊镇", "70", "不合格", True, "未完成"),
    ]


BATCH_TABLE = """\
           2024 乡镇质量工作考核
 #   被考核单位   总分   考核结果   等级
───────────────────────────────────────────
 1   甲镇           95   完成       合格
 2   丙镇           92   完成       优秀
 2   乙镇           92   完成       优秀
 4   丁镇           91   完成       合格
 5   戊镇           70   未完成     不合格
按总分从高到低排名；触发否决项的排在最后；总分相同者名次相同，按名称排列
总分全县排名，按 5 个单位计算
  丁镇、丙镇、乙镇、戊镇、甲镇
"""


def test_every_batch_output_shows_the_capped_grade_in_a_stable_column(tmp_path: Path) -> None:
    """CSV: the grade last, after the items; the terminal's table likewise; the workbook's
    summary sheet has the grade column."""
    root = _rules(tmp_path)
    table = _table(tmp_path, TOWNS)
    out = tmp_path / "towns.csv.out.csv"
    assert run_cli("batch", root, table, "--out", out) == (0, "", "")
    assert out.read_text("utf-8") == (
        "rank,entity,total,vetoed,result,1,grade\n"
        "1,甲镇,95,false,完成,95,合格\n"
        "2,丙镇,92,false,完成,92,优秀\n"
        "2,乙镇,92,false,完成,92,优秀\n"
        "4,丁镇,91,false,完成,91,合格\n"
        "5,戊镇,70,true,未完成,70,不合格\n"
    )
    code, shown, err = run_cli("batch", root, table)
    assert (code, "".join(line.rstrip() + "\n" for line in shown.splitlines()), err) == (
        0, BATCH_TABLE, "")  # fmt: skip
    from openpyxl import load_workbook

    book = tmp_path / "towns.xlsx"
    assert run_cli("batch", root, table, "--out", book)[0] == 0
    sheet = load_workbook(book, read_only=True).worksheets[0]
    rows = [tuple(c for c in row) for row in sheet.iter_rows(max_row=6, values_only=True)]
    assert [r[:2] + r[-1:] for r in rows] == [
        ("名次", "被考核单位", "等级"),
        (1, "甲镇", "合格"),
        (2, "丙镇", "优秀"),
        (2, "乙镇", "优秀"),
        (4, "丁镇", "合格"),
        (5, "戊镇", "不合格"),
    ]


def _one(rules: qualscore.RuleSet, rank: int, **facts: Any) -> qualscore.Result:
    given = {"earned": 95, "major_incident": False, "criticisms": 0, **facts}
    return qualscore.evaluate(rules, given, cohort={"rank_total": rank})


@pytest.mark.parametrize(
    ("rank", "facts", "grade"),
    [
        (2, {"earned": 90}, "优秀"),  # exactly on 优秀's bound, not in the last three
        (3, {"earned": 90}, "良好"),  # exactly the first capped rank
        (3, {"earned": "89.99"}, "良好"),  # a hair below: 良好 already, the cap changes nothing
        (3, {"earned": 75}, "合格"),  # a cap never raises a grade
        (3, {"earned": 95, "criticisms": 2}, "合格"),  # two caps: the lowest
        (1, {"earned": 95, "criticisms": 1}, "优秀"),  # a hair below 通报's condition
    ],
)
def test_a_cap_at_its_edges(tmp_path: Path, rank: int, facts: dict[str, Any], grade: str) -> None:
    """The cap binds from rank 3 on, exactly at its condition; never raises a grade."""
    rules = qualscore.load_rules(_rules(tmp_path))
    result = _one(rules, rank, **facts)
    assert (result.grade, result.vetoed, result.result_label) == (grade, False, "完成")


def test_a_forced_grade_wins_over_every_cap(tmp_path: Path) -> None:
    """事故 forces 良好 here, better than 通报's cap 合格: the forced grade is the grade."""
    manifest = _MANIFEST.replace("grade: 不合格\n", "grade: 良好\n")
    rules = qualscore.load_rules(_rules(tmp_path, manifest))
    result = _one(rules, 5, major_incident=True, criticisms=3)
    assert (result.grade, result.vetoed, result.result_label) == ("良好", True, "未完成")
    assert [(v.id, v.held) for v in result.vetoes] == [("事故", True), ("后三位", True),
                                                       ("通报", True)]  # fmt: skip


def test_a_cap_with_a_result_vetoes_and_a_total_outside_every_band_has_no_grade(
    tmp_path: Path,
) -> None:
    """A cap that says ``result:`` decides the result (and the entity is vetoed); a total in
    no band has no grade to cap."""
    manifest = _MANIFEST.replace(
        "    grade_at_most: 合格\n", "    grade_at_most: 合格\n    result: 通报批评\n"
    ).replace("  - {grade: 不合格, below: 60}\n", "")
    rules = qualscore.load_rules(_rules(tmp_path, manifest))
    result = _one(rules, 1, criticisms=2)
    assert (result.grade, result.vetoed, result.result_label) == ("合格", True, "通报批评")
    assert _one(rules, 5, earned=59, criticisms=2).grade is None
    assert qualscore.score(rules, {"earned": 95, "major_incident": False, "criticisms": 2},
                           cohort={"rank_total": 1}).vetoed is True  # fmt: skip


# --- what a held veto shows ---------------------------------------------------------------


def _fourth(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The rules, 丁's facts and 丁's cohort values (rank 4 of 5)."""
    root = _rules(tmp_path)
    facts = tmp_path / "丁镇.yaml"
    facts.write_text("entity: 丁镇\nearned: 91\nmajor_incident: false\ncriticisms: 2\n", "utf-8")
    cohort = tmp_path / "cohort.yaml"
    cohort.write_text("rank_total: 4\n", "utf-8")
    return root, facts, cohort


EXPLAIN_FOURTH = """\
╭─ 后三位 排名后三位不得评为优秀 ──────────────────────────────────────────────╮
│ 评分标准：总分排名后三位的，不得评为优秀。                                   │
│ 责任单位：县质量办                                                           │
│ 依据：                                                                       │
│   总分全县排名（rank_total）= 4                                              │
│                                                                              │
│ 总分全县排名：4（给定，未由本次比较算出）                                    │
│ 条件：总分全县排名 ≥ 3                                                       │
│ 4 ≥ 3：成立                                                                  │
│ 已触发：等级至多为 良好                                                      │
╰──────────────────────────────────────────────────────────────────────────────╯
╭─ 事故 重大质量安全事故 ──────────────────────────────────────────────────────╮
│ 评分标准：发生重大质量安全事故的，考核结果为未完成，等级为不合格。           │
│ 责任单位：县市场监管局                                                       │
│ 依据：                                                                       │
│   发生重大质量安全事故（major_incident）= 否                                 │
│                                                                              │
│ 条件：发生重大质量安全事故 = 否：不成立                                      │
│ 未触发                                                                       │
╰──────────────────────────────────────────────────────────────────────────────╯
"""


def test_explain_a_veto_like_an_item(tmp_path: Path) -> None:
    """--explain ID of a veto: its source text, the values it read, the cohort value worked
    out, its condition worked through, and what it did."""
    root, facts, cohort = _fourth(tmp_path)
    argv = ("evaluate", root, facts, "--cohort", cohort, "--explain", "后三位", "--explain", "事故")
    assert run_cli(*argv) == (0, EXPLAIN_FOURTH, "")


def test_an_unknown_explain_id_is_suggested_among_items_and_vetoes(tmp_path: Path) -> None:
    """The did-you-mean looks among the vetoes too."""
    root, facts, cohort = _fourth(tmp_path)
    argv = ("evaluate", root, facts, "--cohort", cohort, "--explain", "后三")
    assert run_cli(*argv) == (
        2,
        "",
        "qualscore: --explain: no item or veto '后三'; did you mean '后三位'?\n",
    )


def test_every_view_shows_what_a_held_veto_read(tmp_path: Path) -> None:
    """The terminal, Markdown, HTML, the DOCX/PDF cover and the JSON name the values a held
    veto read, and only a held veto's."""
    root, facts, cohort = _fourth(tmp_path)
    base = ("evaluate", root, facts, "--cohort", cohort)
    table = run_cli(*base)[1]
    assert (
        "否决项（排名后三位不得评为优秀）：已触发，等级至多为 良好\n"
        "  依据：总分全县排名：4；责任单位：县质量办\n"
        in table
    )
    assert "否决项（重大质量安全事故）：未触发\n考核结果" not in table  # 通报 comes between
    assert (
        "否决项（被通报批评两次以上）：已触发，等级至多为 合格\n"
        "  依据：省级通报批评次数：2 次；责任单位：县质量办\n"
        in table
    )
    markdown = run_cli(*base, "--format", "markdown")[1]
    assert (
        "- 否决项：排名后三位不得评为优秀 — 已触发，等级至多为 良好（依据：总分全县排名：4；"
        "责任单位：县质量办）\n"
        in markdown
    )
    assert "- 否决项：重大质量安全事故 — 未触发\n" in markdown
    html = run_cli(*base, "--format", "html")[1]
    assert (
        '<div class="card vetoed"><div class="muted">否决项</div><div>排名后三位不得评为优秀</div>'
        '<div><b>已触发，等级至多为 良好</b></div><div class="muted">依据：总分全县排名：4；'
        '责任单位：县质量办</div></div>'
        in html
    )
    from qualscore.report.document import build

    rules = qualscore.load_rules(root)
    result = qualscore.evaluate(rules, qualscore.load_facts(rules, facts), cohort={"rank_total": 4})
    cover = dict(build(result, "zh").cover)
    assert (
        cover["否决项（排名后三位不得评为优秀）"]
        == "已触发，等级至多为 良好（依据：总分全县排名：4；责任单位：县质量办）"
    )
    assert cover["否决项（重大质量安全事故）"] == "未触发"
    doc = json.loads(run_cli(*base, "--format", "json")[1])
    assert doc["vetoes"][1] == {
        "id": "后三位",
        "title": "排名后三位不得评为优秀",
        "held": True,
        "applies": True,
        "result": None,
        "grade": None,
        "grade_at_most": "良好",
        "inputs": [{"key": "rank_total", "label": "总分全县排名", "value": "4", "unit": None}],
        "explanation": [
            "总分全县排名：4（给定，未由本次比较算出）",
            "条件：总分全县排名 ≥ 3",
            "4 ≥ 3：成立",
            "已触发：等级至多为 良好",
        ],
    }
    assert (doc["grade"], doc["vetoed"], doc["result_label"], doc["total"]) == (
        "合格", False, "完成", "91")  # fmt: skip


# --- applies_to on a veto, a grade band and a check -----------------------------------

_GROUPS = """\
groups:
  - id: 乡镇
    members: [东湖镇, 西山乡]
  - id: 部门
    members: [县水利局]
"""
_GROUPED = (
    """\
id: grouped
title: 分组考核
year: 2024
language: zh
normal_result: 完成
"""
    + _GROUPS
    + """\
grades:
  - {grade: 优秀, at_least: 90, applies_to: [乡镇]}
  - {grade: 优秀, at_least: 85, applies_to: [部门]}
  - {grade: 良好, at_least: 60}
  - {grade: 不合格, below: 60}
vetoes:
  - id: 河长制
    title: 河长制落实不到位
    when: not river_chief_done
    grade_at_most: 良好
    applies_to: [乡镇]
    criteria: 乡镇河长制落实不到位的，不得评为优秀。
    departments: [县河长办]
"""
)
_GROUPED_FACTS = """\
facts:
  - {key: earned, type: number, label: 考核得分, min: 0, max: 100}
  - {key: river_chief_done, type: bool, label: 河长制落实到位}
  - {key: patrols, type: count, label: 巡河次数}
  - {key: patrols_planned, type: count, label: 计划巡河次数}
checks:
  - when: patrols <= patrols_planned
    message: 巡河次数不能超过计划
    applies_to: [县水利局]
"""


NOT_APPLYING = """\
╭─ 河长制 河长制落实不到位 ────────────────────────────────────────────────────╮
│ 评分标准：乡镇河长制落实不到位的，不得评为优秀。                             │
│ 责任单位：县河长办                                                           │
│                                                                              │
│ 不适用：适用范围（applies_to）不含本单位，不判定                             │
╰──────────────────────────────────────────────────────────────────────────────╯
"""


def _grouped(tmp_path: Path) -> qualscore.RuleSet:
    return qualscore.load_rules(_rules(tmp_path, _GROUPED, _GROUPED_FACTS))


def test_a_veto_that_does_not_apply_is_shown_as_not_applying(tmp_path: Path) -> None:
    """河长制 applies to 乡镇: for 县水利局 it is not decided, needs no fact, and every view
    says 不适用; for a town it holds as usual."""
    rules = _grouped(tmp_path)
    bureau = {"entity": "县水利局", "earned": 88, "patrols": 3, "patrols_planned": 4}
    result = qualscore.evaluate(rules, bureau)
    veto = result.vetoes[0]
    assert (veto.applies, veto.held, veto.inputs) == (False, False, ())
    assert result.grade == "优秀"  # 部门's own band: 88 >= 85
    facts = tmp_path / "bureau.yaml"
    facts.write_text(json.dumps(bureau, ensure_ascii=False), "utf-8")
    table = run_cli("evaluate", tmp_path / "rules", facts)[1]
    assert "否决项（河长制落实不到位）：不适用\n" in table
    assert run_cli("evaluate", tmp_path / "rules", facts, "--explain", "河长制") == (
        0,
        NOT_APPLYING,
        "",
    )
    doc = json.loads(run_cli("evaluate", tmp_path / "rules", facts, "--format", "json")[1])
    assert (doc["vetoes"][0]["applies"], doc["vetoes"][0]["held"]) == (False, False)
    with pytest.raises(qualscore.FactsError) as caught:
        qualscore.check_facts(rules, {**bureau, "river_chief_done": True})
    assert [p.message for p in caught.value.problems] == [
        "river_chief_done: not a fact of 县水利局 (group 部门): only items (or vetoes) that do "
        "not apply to it read it; leave it out"
    ]
    town = {"entity": "东湖镇", "earned": 95, "river_chief_done": False, "patrols": 9,
            "patrols_planned": 4}  # fmt: skip
    result = qualscore.evaluate(rules, town)  # the check is the bureau's: 9 > 4 is fine here
    assert (result.vetoes[0].applies, result.vetoes[0].held, result.grade) == (True, True, "良好")


def test_a_grade_band_with_applies_to(tmp_path: Path) -> None:
    """The first band that applies to the entity and holds its total: 87 is 优秀 for the
    bureau (its band from 85), 良好 for a town (its band from 90); 85 and 84.99 on each side
    of the bureau's bound."""
    rules = _grouped(tmp_path)
    done = {"river_chief_done": True}
    bureau = {"entity": "县水利局", "patrols": 3, "patrols_planned": 4}
    town = {"entity": "西山乡", "patrols": 3, "patrols_planned": 4, **done}
    assert qualscore.evaluate(rules, {**bureau, "earned": 87}).grade == "优秀"
    assert qualscore.evaluate(rules, {**bureau, "earned": 85}).grade == "优秀"
    assert qualscore.evaluate(rules, {**bureau, "earned": "84.99"}).grade == "良好"
    assert qualscore.evaluate(rules, {**town, "earned": 87}).grade == "良好"
    assert qualscore.evaluate(rules, {**town, "earned": 90}).grade == "优秀"
    assert qualscore.score(rules, {**town, "earned": 90}).grade == "优秀"


def test_a_check_with_applies_to_checks_only_its_entities(tmp_path: Path) -> None:
    """The check applies to 县水利局: its facts are refused there, a town's are not."""
    rules = _grouped(tmp_path)
    with pytest.raises(qualscore.FactsError) as caught:
        qualscore.check_facts(
            rules, {"entity": "县水利局", "earned": 88, "patrols": 5, "patrols_planned": 4}
        )
    assert [p.message for p in caught.value.problems] == [
        "patrols = 5, patrols_planned = 4: 巡河次数不能超过计划 (check: patrols <= patrols_planned)"
    ]
    town = {"entity": "西山乡", "earned": 88, "river_chief_done": True, "patrols": 5,
            "patrols_planned": 4}  # fmt: skip
    assert qualscore.check_facts(rules, town).values["patrols"] == 5


# --- load errors ---------------------------------------------------------------------------


def _errors(tmp_path: Path, manifest: str, facts: str = _FACTS) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        qualscore.load_rules(_rules(tmp_path, manifest, facts))
    return [str(p) for p in caught.value.problems]


def test_a_grade_at_most_not_in_grades_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    """A cap naming no grade of grades: is refused where it is written, with a suggestion."""
    manifest = _MANIFEST.replace("grade_at_most: 良好", "grade_at_most: 良")
    assert _errors(tmp_path, manifest) == [
        f"{tmp_path}/rules/ruleset.yaml:22:20: vetoes[1].grade_at_most: no grade '良' in "
        "grades; did you mean '良好'?"
    ]


def test_a_grade_at_most_without_grades_is_refused(tmp_path: Path) -> None:
    """A cap with no grades: to cap is refused, at each cap."""
    manifest = _MANIFEST.replace(_MANIFEST[_MANIFEST.index("grades:") : _MANIFEST.index(
        "vetoes:")], "")  # fmt: skip
    assert _errors(tmp_path, manifest) == [
        f"{tmp_path}/rules/ruleset.yaml:17:20: vetoes[1].grade_at_most: caps the grade, but "
        "ruleset.yaml declares no grades",
        f"{tmp_path}/rules/ruleset.yaml:23:20: vetoes[2].grade_at_most: caps the grade, but "
        "ruleset.yaml declares no grades",
    ]


def test_a_veto_with_grade_and_grade_at_most_or_with_neither_result_is_refused(
    tmp_path: Path,
) -> None:
    """Both grade and grade_at_most, or a veto with neither result nor grade_at_most."""
    manifest = _MANIFEST.replace(
        "    grade: 不合格\n", "    grade: 不合格\n    grade_at_most: 合格\n"
    )
    assert _errors(tmp_path, manifest) == [
        f"{tmp_path}/rules/ruleset.yaml:12:5: vetoes[0]: give grade (the grade it forces) or "
        "grade_at_most (the grade it caps), not both"
    ]
    manifest = _MANIFEST.replace("    result: 未完成\n", "")
    assert _errors(tmp_path, manifest) == [
        f"{tmp_path}/rules/ruleset.yaml:12:5: vetoes[0]: missing key 'result' (the result "
        "label when it holds; only a veto with grade_at_most may leave it out)"
    ]


def test_an_unknown_group_in_applies_to_of_a_veto_a_band_or_a_check(tmp_path: Path) -> None:
    """applies_to of a veto, a grade band or a check names a group or entity, as an item's."""
    manifest = _GROUPED.replace("applies_to: [乡镇]}", "applies_to: [乡]}").replace(
        "    applies_to: [乡镇]\n", "    applies_to: [部]\n"
    )
    facts = _GROUPED_FACTS.replace("applies_to: [县水利局]", "applies_to: [县水利]")
    assert _errors(tmp_path, manifest, facts) == [
        f"{tmp_path}/rules/facts.yaml:9:18: applies_to: no group or entity '县水利'; did you "
        "mean '县水利局'?",
        f"{tmp_path}/rules/ruleset.yaml:12:44: applies_to: no group or entity '乡'; did you "
        "mean '乡镇'?",
        f"{tmp_path}/rules/ruleset.yaml:21:18: applies_to: no group or entity '部'; did you "
        "mean '部门'?",
    ]
