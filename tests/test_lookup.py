"""Lookup tables: a named value given as a table keyed by one or two choice facts (档 × 级
→ points), every cell checked against the choices, the cell shown in the explanation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import qualscore
from conftest import rule_folder
from qualscore import RuleSetError, check_facts, evaluate, load_rules, score
from qualscore.report.data import to_data
from qualscore.scoring.explain import value_lines

D = Decimal

_MANIFEST = """\
id: lk
title: 重点任务考核
year: 2026
language: zh
rounding: {places: 2, mode: half_up}
total_points: 10
"""

_FACTS = """\
facts:
  - {key: tier, type: choice, label: 档次, choices: [A, B, C]}
  - {key: level, type: choice, label: 级别, choices: ["1", "2", "3"]}
  - {key: issuer, type: choice, label: 颁发单位, choices: [政府, 其他]}
values:
  - key: task_points
    label: 任务分值
    unit: 分
    table:
      rows: tier
      columns: level
      cells:
        A: {1: 5, 2: 4, 3: 3}
        B: {1: 4, 2: 3, 3: 2}
        C: {1: 3, 2: 2, 3: 1.5}
  - key: issuer_factor
    label: 颁发单位系数
    table: {rows: issuer, cells: {政府: 1, 其他: 0.5}}
"""

_A = """\
id: A
title: 重点任务
points: 10
items:
  - {id: A1, title: 任务完成, points: 5, criteria: 按档次与级别查表, departments: [办公室],
     score: {kind: formula, expr: task_points}}
  - {id: A2, title: 表彰, points: 5, criteria: 政府颁发4分，其他减半, departments: [办公室],
     score: {kind: formula, expr: 4 * issuer_factor}}
"""


def _write(tmp_path: Path, **files: str) -> Path:
    texts = {"manifest": _MANIFEST, "facts": _FACTS, "a": _A} | files
    return rule_folder(tmp_path / "rules", texts["manifest"], texts["facts"], a=texts["a"])


@pytest.fixture(name="rules")
def _rules(tmp_path: Path) -> qualscore.RuleSet:
    return load_rules(_write(tmp_path))


def _result(rules: qualscore.RuleSet, **facts: object) -> qualscore.Result:
    data = {"tier": "A", "level": "1", "issuer": "政府"} | facts
    return evaluate(rules, check_facts(rules, data))


@pytest.mark.parametrize(
    ("tier", "level", "points"),
    [("A", "1", "5"), ("A", "3", "3"), ("B", "2", "3"), ("C", "1", "3"), ("C", "3", "1.50")],
)
def test_each_cell_of_a_two_way_table(
    rules: qualscore.RuleSet, tier: str, level: str, points: str
) -> None:
    result = _result(rules, tier=tier, level=level)
    assert result.item("A1").score == D(points)
    assert score(rules, check_facts(rules, {"tier": tier, "level": level, "issuer": "政府"})).items[
        "A1"
    ] == D(points)


@pytest.mark.parametrize(("issuer", "points"), [("政府", "4"), ("其他", "2")])
def test_a_one_way_table(rules: qualscore.RuleSet, issuer: str, points: str) -> None:
    """An award from a non-government issuer counts at half."""
    assert _result(rules, issuer=issuer).item("A2").score == D(points)


def test_the_explanation_shows_the_cell(rules: qualscore.RuleSet) -> None:
    result = _result(rules, tier="B", level="2", issuer="其他")
    assert value_lines(result, "zh") == [
        "任务分值（task_points）= 3 分：按表：档次 B × 级别 2 → 3 分",
        "颁发单位系数（issuer_factor）= 0.5：按表：颁发单位 其他 → 0.5",
    ]
    values = {v["key"]: v for v in to_data(result)["values"]}
    assert [(c["key"], c["value"]) for c in values["task_points"]["cell"]] == [
        ("tier", "B"),
        ("level", "2"),
    ]


def _refused(tmp_path: Path, facts: str) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        load_rules(_write(tmp_path, facts=facts))
    return [str(p).replace(str(tmp_path / "rules"), "R") for p in caught.value.problems]


def test_a_missing_cell_is_refused(tmp_path: Path) -> None:
    problems = _refused(tmp_path, _FACTS.replace("C: {1: 3, 2: 2, 3: 1.5}", "C: {1: 3}"))
    assert problems == [
        "R/facts.yaml:13:9: values[0].table.cells: no cell for C × 2, C × 3",
    ]


def test_a_key_that_is_no_choice_is_refused_with_a_hint(tmp_path: Path) -> None:
    facts = _FACTS.replace("B: {1: 4, 2: 3, 3: 2}", "b: {1: 4, 2: 3, 4: 2}")
    assert _refused(tmp_path, facts) == [
        "R/facts.yaml:13:9: values[0].table.cells: no cell for B × 1, B × 2, B × 3",
        "R/facts.yaml:14:9: values[0].table.cells: 'b' is not a value of tier; did you mean 'B'?",
        "R/facts.yaml:14:25: values[0].table.cells.b: '4' is not a value of level",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("rows: issuer", "rows: task_points"), "'task_points' is not a choice fact"),
        (("rows: issuer, cells", "rows: issuer, expr: '1', cells"), "unknown key 'expr'"),
        (("cells: {政府: 1, 其他: 0.5}", "cells: {政府: {1: 1}, 其他: 0.5}"),
         "a table without columns maps each row to a number"),
    ],
)  # fmt: skip
def test_a_table_is_checked(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    problems = _refused(tmp_path, _FACTS.replace(*change))
    assert any(message in p for p in problems), problems


def test_expr_and_table_together_are_refused(tmp_path: Path) -> None:
    facts = _FACTS.replace("    label: 颁发单位系数\n", "    label: 颁发单位系数\n    expr: '1'\n")
    assert any("give expr or table, not both" in p for p in _refused(tmp_path, facts))


def test_a_large_table_stays_within_the_language_s_limits(tmp_path: Path) -> None:
    """150 rows: the table is a sum of sums (at most 100 values each), exact."""
    choices = [f"r{i}" for i in range(150)]
    facts = (
        "facts:\n"
        f"  - {{key: tier, type: choice, label: 档次, choices: [{', '.join(choices)}]}}\n"
        "values:\n  - key: task_points\n    label: 分值\n    table:\n      rows: tier\n"
        "      cells: {" + ", ".join(f"{c}: {i / 100}" for i, c in enumerate(choices)) + "}\n"
    )
    a = _A.split("  - {id: A2")[0]
    rules = load_rules(_write(tmp_path, facts=facts, a=a.replace("points: 10", "points: 5")))
    got = evaluate(rules, check_facts(rules, {"tier": "r149"})).item("A1")
    assert (got.raw, got.score) == (D("1.49"), D("1.49"))


_SCHOOL_FACTS = """\
facts:
  - {key: stage, type: choice, label: 学段, choices: [小学, 初中]}
  - {key: area, type: number, label: 生均校舍面积, unit: 平方米}
  - {key: built, type: count, label: 建校年份}
values:
  - key: area_standard
    label: 生均校舍面积标准
    unit: 平方米
    table: {rows: stage, cells: {小学: 4.5, 初中: 5.8}}
  - {key: new_school, label: 近五年新建, expr: "built >= 2022"}
"""

_SCHOOL_A = """\
id: A
title: 办学条件
points: 10
items:
  - id: A1
    title: 校舍面积
    points: 10
    criteria: 生均校舍面积达到本学段标准（近五年新建学校另加1平方米）
    departments: [基建科]
    verdict: {met: "area >= area_standard + (1 if new_school else 0)"}
    score: {kind: formula, expr: "10 if area >= area_standard + (1 if new_school else 0) else 0"}
"""


@pytest.mark.parametrize(
    ("stage", "area", "built", "met"),
    [
        ("小学", "4.5", 2000, True),  # on the primary standard
        ("小学", "4.49", 2000, False),  # a hair below
        ("初中", "5.79", 2000, False),  # the junior standard is higher
        ("初中", "5.8", 2000, True),
        ("初中", "6.79", 2022, False),  # built within five years: one more square metre
        ("初中", "6.8", 2022, True),
        ("初中", "5.8", 2021, True),  # built before: the plain standard
    ],
)
def test_a_threshold_picked_by_the_entity_s_attributes(
    tmp_path: Path, stage: str, area: str, built: int, met: bool
) -> None:
    """A threshold by attribute is a table keyed by a choice (the stage) and a named value
    of a number (the year built); the explanation says which standard applied."""
    rules = load_rules(_write(tmp_path, facts=_SCHOOL_FACTS, a=_SCHOOL_A))
    result = evaluate(rules, check_facts(rules, {"stage": stage, "area": area, "built": built}))
    assert (result.item("A1").met, result.item("A1").score) == (met, D(10 if met else 0))
    standard = "4.5" if stage == "小学" else "5.8"
    assert value_lines(result, "zh")[0] == (
        f"生均校舍面积标准（area_standard）= {standard} 平方米：按表：学段 {stage} → {standard} 平方米"
    )
