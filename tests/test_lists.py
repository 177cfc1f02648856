"""Lists of records: declared with typed fields, given as lists (or tables keyed by entity
in a batch), aggregated with a filter, by group, and explained record by record."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

import pytest

import qualscore
from conftest import rule_folder
from qualscore import FactsError, RuleSetError, check_facts, evaluate, load_rules
from qualscore.cli.app import main
from qualscore.report.data import to_data
from qualscore.scoring.explain import MAX_RECORDS_SHOWN, value_lines

D = Decimal

_MANIFEST = """\
id: dept
title: 部门考核
year: 2026
language: zh
rounding: {places: 2, mode: half_up}
total_points: 40
"""

_FACTS = """\
facts:
  - {key: load, type: number, label: 工作量系数, min: 0.5, max: 1.5}
lists:
  - key: tasks
    label: 重点工作任务
    supplier: 考核办
    fields:
      - {key: name, type: text, label: 任务名称}
      - {key: tier, type: choice, label: 档次, choices: [A, B, C]}
      - {key: level, type: choice, label: 级别, choices: ["1", "2", "3"]}
      - {key: done, type: bool, label: 是否完成}
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
    aggregates:
      - {key: task_count, label: 任务数, stat: count}
      - {key: done_count, label: 完成数, stat: count, where: done}
      - {key: done_sum, label: 完成任务分值合计, stat: sum, of: task_points, where: done}
      - {key: done_mean, label: 完成任务平均分值, stat: mean, of: task_points, where: done,
         unit: 分, places: 2}
      - {key: lowest, label: 最低分值, stat: min, of: task_points}
  - key: awards
    label: 获奖
    fields:
      - {key: event, type: text, label: 事项}
      - {key: level, type: choice, label: 级别, choices: [国家, 省, 市]}
      - {key: issuer, type: choice, label: 颁发单位, choices: [政府, 其他]}
    values:
      - key: base
        label: 级别分值
        table: {rows: level, cells: {国家: 3, 省: 2, 市: 1}}
      - key: award_value
        label: 获奖分值
        expr: "base if issuer == '政府' else base - 1"
    aggregates:
      - {key: award_points, label: 获奖加分, stat: sum, of: award_value, by: event, take: max}
  - key: votes
    label: 测评票
    fields:
      - {key: group, type: choice, label: 评价主体, choices: [领导, 同级, 群众]}
      - {key: grade, type: choice, label: 等次, choices: [A, B, C, D],
         choice_labels: {A: 优秀, B: 良好, C: 一般, D: 较差}}
    values:
      - {key: grade_points, label: 等次分值, table: {rows: grade, cells: {A: 100, B: 85, C: 70, D: 50}}}
    aggregates:
      - {key: rating, label: 综合测评得分, stat: weighted_mean, of: grade_points, by: group,
         weights: {领导: 0.4, 同级: 0.3, 群众: 0.3}, places: 2}
      - {key: panel, label: 去极值平均, stat: trimmed_mean, of: grade_points}
"""

_A = """\
id: A
title: 工作任务
points: 40
items:
  - {id: A1, title: 任务, points: 10, criteria: 完成任务平均分值乘系数乘2, departments: [考核办],
     score: {kind: formula, expr: done_mean * load * 2}}
  - {id: A2, title: 获奖, points: 10, criteria: 就高不累计, departments: [考核办],
     score: {kind: formula, expr: award_points}}
  - {id: A3, title: 测评, points: 10, criteria: 加权, departments: [考核办],
     score: {kind: formula, expr: rating / 10}}
  - {id: A4, title: 去极值, points: 10, criteria: 去掉最高最低, departments: [考核办],
     score: {kind: formula, expr: panel / 10}}
"""

_TASKS = [
    {"name": "道路改造", "tier": "A", "level": "2", "done": True},
    {"name": "菜场提升", "tier": "B", "level": 1, "done": True},
    {"name": "河道整治", "tier": "C", "level": 3, "done": False},
]
_AWARDS = [
    {"event": "文明城市", "level": "省", "issuer": "政府"},
    {"event": "文明城市", "level": "国家", "issuer": "政府"},
    {"event": "质量奖", "level": "市", "issuer": "其他"},
    {"event": "创新奖", "level": "国家", "issuer": "其他"},
]
_VOTES = [
    {"group": "领导", "grade": "A"},
    {"group": "领导", "grade": "良好"},
    {"group": "同级", "grade": "B"},
    {"group": "群众", "grade": "C"},
    {"group": "群众", "grade": "A"},
]


def _write(root: Path, facts: str = _FACTS, a: str = _A) -> Path:
    return rule_folder(root / "rules", _MANIFEST, facts, a=a)


@pytest.fixture(name="rules")
def _rules(tmp_path: Path) -> qualscore.RuleSet:
    return load_rules(_write(tmp_path))


def _facts(**given: object) -> dict[str, object]:
    return {"load": "1.2", "tasks": _TASKS, "awards": _AWARDS, "votes": _VOTES} | given


def _result(rules: qualscore.RuleSet, **given: object) -> qualscore.Result:
    return evaluate(rules, check_facts(rules, _facts(**given)))


def test_aggregates_worked_out_by_hand(rules: qualscore.RuleSet) -> None:
    facts = check_facts(rules, _facts())
    # tasks: A×2 = 4 and B×1 = 4 done, C×3 = 1.5 not done
    assert facts.values["task_count"] == 3
    assert facts.values["done_count"] == 2
    assert facts.values["done_sum"] == 8
    assert facts.values["done_mean"] == D("4.00")
    assert facts.values["lowest"] == D("1.5")
    # 文明城市: 省 2, 国家 3 → 3 only; 质量奖 市 by another issuer 1 - 1 = 0; 创新奖 国家 other 2
    assert facts.values["award_points"] == 5
    # 领导 (100 + 85) / 2 = 92.5; 同级 85; 群众 (70 + 100) / 2 = 85
    # 92.5 × 0.4 + 85 × 0.3 + 85 × 0.3 = 37 + 25.5 + 25.5 = 88
    assert facts.values["rating"] == D("88.00")
    # 100, 85, 85, 70, 100: without one 100 and the 70, (100 + 85 + 85) / 3 = 90
    assert facts.values["panel"] == 90
    result = evaluate(rules, facts)
    assert result.item("A1").score == D("9.6")  # 4 × 1.2 × 2
    assert result.item("A2").score == 5
    assert result.item("A3").score == D("8.8")
    assert result.item("A4").score == 9
    assert result.total == D("32.4")


def test_the_order_of_records_changes_no_value(rules: qualscore.RuleSet) -> None:
    first = _result(rules)
    rng = random.Random(7)
    for _ in range(5):
        shuffled = {k: rng.sample(v, len(v)) for k, v in
                    {"tasks": _TASKS, "awards": _AWARDS, "votes": _VOTES}.items()}  # fmt: skip
        again = _result(rules, **shuffled)
        assert again.total == first.total
        assert [n.value for n in again.values] == [n.value for n in first.values]


def test_an_empty_list_counts_zero_and_a_mean_of_nothing_does_not_apply(
    rules: qualscore.RuleSet,
) -> None:
    facts = check_facts(rules, _facts(tasks=[]))
    assert facts.values["task_count"] == 0
    assert facts.values["done_sum"] == 0
    assert "done_mean" not in facts.values  # no record: no mean
    result = evaluate(rules, facts)
    item = result.item("A1")
    assert item.not_applicable == "记录不足，无法计算（完成任务平均分值）"
    lines = value_lines(result, "zh")
    assert "完成任务平均分值（done_mean） = 记录不足，无法计算：重点工作任务 0 条" in lines


def test_where_holding_for_none_is_a_mean_of_nothing(rules: qualscore.RuleSet) -> None:
    tasks = [dict(t, done=False) for t in _TASKS]
    facts = check_facts(rules, _facts(tasks=tasks))
    assert facts.values["done_count"] == 0
    assert "done_mean" not in facts.values
    assert facts.values["lowest"] == D("1.5")  # min reads every record: no where


@pytest.mark.parametrize(
    ("grades", "panel"),
    [
        (["A", "B", "C"], "85"),  # exactly three: only the middle one is left
        (["A", "A", "A", "D"], "100"),  # ties: one of the highest dropped, not all
    ],
)
def test_trimmed_mean_drops_one_highest_and_one_lowest(
    rules: qualscore.RuleSet, grades: list[str], panel: str
) -> None:
    groups = ["领导", "同级", "群众", "群众"]
    votes = [{"group": g, "grade": x} for g, x in zip(groups, grades, strict=False)]
    facts = check_facts(rules, _facts(votes=votes))
    assert facts.values["panel"] == D(panel)


def test_trimmed_mean_of_two_has_no_value(tmp_path: Path) -> None:
    # 群众 weighs 0 here: a weighted mean may lack it.
    facts = _FACTS.replace("weights: {领导: 0.4, 同级: 0.3, 群众: 0.3}",
                           "weights: {领导: 0.5, 同级: 0.5, 群众: 0}")  # fmt: skip
    rules = load_rules(_write(tmp_path, facts))
    two = [{"group": "领导", "grade": "A"}, {"group": "同级", "grade": "B"}]
    checked = check_facts(rules, _facts(votes=two))
    assert "panel" not in checked.values
    assert checked.values["rating"] == D("92.50")  # (100 × 0.5 + 85 × 0.5)
    result = evaluate(rules, checked)
    assert result.item("A4").not_applicable == "记录不足，无法计算（去极值平均）"
    three = [*two, {"group": "同级", "grade": "C"}]
    assert check_facts(rules, _facts(votes=three)).values["panel"] == 85


def test_a_weighted_group_without_record_is_refused_in_one_line(
    rules: qualscore.RuleSet,
) -> None:
    votes = [v for v in _VOTES if v["group"] != "同级"]
    with pytest.raises(FactsError) as caught:
        check_facts(rules, _facts(votes=votes))
    [problem] = caught.value.problems
    assert problem.message == (
        "votes: rating: no record of group '同级' to weigh (a weighted_mean needs each "
        "group it weighs)"
    )


def test_the_highest_of_each_event_only(rules: qualscore.RuleSet) -> None:
    # Two awards of one event at the same value: it counts once.
    awards = [
        {"event": "文明城市", "level": "省", "issuer": "政府"},
        {"event": "文明城市", "level": "国家", "issuer": "其他"},
    ]
    facts = check_facts(rules, _facts(awards=awards))
    assert facts.values["award_points"] == 2
    result = evaluate(rules, facts)
    named = next(n for n in result.values if n.key == "award_points")
    assert named.records is not None
    assert [c.counted for c in named.records.contributions] == [True, False]


def test_mean_is_rounded_half_up_to_its_places(rules: qualscore.RuleSet) -> None:
    tasks = [
        {"name": "甲", "tier": "A", "level": "1", "done": True},  # 5
        {"name": "乙", "tier": "A", "level": "1", "done": True},  # 5
        {"name": "丙", "tier": "C", "level": "2", "done": True},  # 2
    ]
    facts = check_facts(rules, _facts(tasks=tasks))
    assert facts.values["done_mean"] == D("4.00")  # 12 / 3
    tasks[2] = {"name": "丙", "tier": "C", "level": "3", "done": True}  # 1.5: 11.5 / 3
    facts = check_facts(rules, _facts(tasks=tasks))
    assert facts.values["done_mean"] == D("3.83")  # 3.8333… half up
    result = evaluate(rules, facts)
    [line] = [x for x in value_lines(result, "zh") if x.startswith("完成任务平均分值")]
    assert line.endswith("平均 = (5 + 5 + 1.5) ÷ 3 ≈ 3.83333333，按考核细则保留 2 位小数为 3.83")


def test_explanation_lists_each_record(rules: qualscore.RuleSet) -> None:
    result = _result(rules)
    lines = value_lines(result, "zh")
    start = lines.index(
        "完成任务平均分值（done_mean） = 4.00 分：重点工作任务 3 条，其中 2 条符合条件（done），"
        "平均 = (4 + 4) ÷ 2 = 4"
    )
    assert lines[start + 1 : start + 4] == [
        "  · 道路改造：档次 A × 级别 2 → 4，计入",
        "  · 菜场提升：档次 B × 级别 1 → 4，计入",
        "  · 不符合条件（done），不计：河道整治",
    ]
    assert (
        "获奖加分（award_points） = 5：获奖 4 条，按事项分组，每组取最高，合计 = 2 + 3 + 0 = 5"
        in lines
    )
    assert "  · 文明城市：2，不计（同组已取最高）" in lines
    assert any(x.startswith("综合测评得分（rating） = 88.00：") and
               "加权平均 = 92.5 × 0.4 + 85 × 0.3 + 85 × 0.3 = 88" in x for x in lines)  # fmt: skip
    english = value_lines(result, "en")
    assert "  · not counted (done does not hold): 河道整治" in english


def test_explanation_shows_a_bounded_number_of_records(rules: qualscore.RuleSet) -> None:
    tasks = [{"name": f"任务{i}", "tier": "A", "level": "1", "done": True} for i in range(25)]
    lines = value_lines(_result(rules, tasks=tasks), "zh")
    start = next(i for i, x in enumerate(lines) if x.startswith("任务数"))
    shown = lines[start + 1 : start + 1 + MAX_RECORDS_SHOWN + 1]
    assert shown[-1] == "  ……另 5 条"
    assert all(x.startswith("  · 任务") for x in shown[:-1])


def test_json_carries_each_records_part(rules: qualscore.RuleSet) -> None:
    data = to_data(_result(rules))
    named = {v["key"]: v for v in data["values"]}
    worked = named["award_points"]["records"]
    assert worked["list"] == "awards"
    assert worked["by"] == "事项" and worked["take"] == "max"
    assert [c["counted"] for c in worked["contributions"]] == [False, True, True, True]
    # groups in the order of their names (创新奖, 文明城市, 质量奖), not of the records
    assert [g["value"] for g in worked["groups"]] == ["2", "3", "0"]
    json.dumps(data)  # plain JSON all through


def test_a_list_supplier_and_record_evidence_reach_the_item(rules: qualscore.RuleSet) -> None:
    tasks = [dict(t, evidence=f"验收报告第{i}页") for i, t in enumerate(_TASKS, 1)]
    result = _result(rules, tasks=tasks)
    [came] = [i.provenance for i in result.item("A1").inputs if i.key == "done_mean"]
    assert came is not None and came.supplier == "考核办"
    lines = value_lines(result, "zh")
    assert "  · 道路改造：档次 A × 级别 2 → 4，计入，佐证材料：验收报告第1页" in lines


# --- facts as given ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"tasks": "道路改造"}, "tasks: expected a list of records (one mapping of name, tier, "
                               "level, done each)"),
        ({"tasks": ["x"]}, "tasks[0]: expected a mapping of name, tier, level, done"),
        ({"tasks": [{"name": "x", "tier": "A", "level": "1"}]},
         "tasks[0]: missing field 'done' (是否完成)"),
        ({"tasks": [{"name": "x", "tier": "A", "levle": "1", "level": "1", "done": True}]},
         "tasks[0]: unknown field 'levle'; did you mean 'level'?"),
        ({"tasks": [{"name": "x", "tier": "a", "level": "1", "done": True}]},
         "tasks[0].tier: 'a' is not one of the choices (A, B, C); did you mean 'A'?"),
        ({"tasks": [{"name": " ", "tier": "A", "level": "1", "done": True}]},
         "tasks[0].name: blank: give the text"),
        ({"tasks": [{"name": "x", "tier": "A", "level": "4", "done": True}]},
         "tasks[0].level: '4' is not one of the choices (1, 2, 3)"),
        ({"votes": [{"group": "领导", "grade": "优"}]},
         "votes[0].grade: '优' is not one of the choices (A（优秀）, B（良好）, C（一般）, D（较差）); "
         "did you mean '优秀'?"),
    ],
)
def test_each_bad_record_is_told_at_its_place(
    rules: qualscore.RuleSet, given: dict[str, object], message: str
) -> None:
    with pytest.raises(FactsError) as caught:
        check_facts(rules, _facts(**given))
    assert message in [p.message for p in caught.value.problems]


def test_a_missing_list_says_how_to_give_none(rules: qualscore.RuleSet) -> None:
    facts = _facts()
    del facts["awards"]
    with pytest.raises(FactsError) as caught:
        check_facts(rules, facts)
    assert [p.message for p in caught.value.problems] == [
        "missing list 'awards' (获奖); give awards: [] if it has no record"
    ]


def test_too_many_records_are_refused(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, _FACTS.replace("    supplier: 考核办\n",
                                                       "    supplier: 考核办\n    max_records: 2\n")))  # fmt: skip
    with pytest.raises(FactsError, match=r"tasks: 3 records, more than the 2 allowed"):
        check_facts(rules, _facts())


def test_yaml_facts_file_places_a_bad_record(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(
        "load: 1\nawards: []\nvotes:\n  - {group: 领导, grade: A}\n  - {group: 同级, grade: A}\n"
        "  - {group: 群众, grade: A}\ntasks:\n  - name: 甲\n    tier: D\n    level: 1\n"
        "    done: true\n",
        encoding="utf-8",
    )
    with pytest.raises(FactsError) as caught:
        qualscore.load_facts(rules, path)
    [problem] = caught.value.problems
    assert (problem.line, problem.col) == (9, 11)
    assert problem.message.startswith("tasks[0].tier: 'D' is not one of the choices")


def test_fingerprint_holds_the_records(rules: qualscore.RuleSet) -> None:
    one = check_facts(rules, _facts())
    two = check_facts(rules, _facts())
    assert one.sha256 == two.sha256
    changed = [dict(_TASKS[0], name="别的任务"), *_TASKS[1:]]
    assert check_facts(rules, _facts(tasks=changed)).sha256 != one.sha256


# --- the rule files --------------------------------------------------------------------


def _problems(tmp_path: Path, facts: str) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        load_rules(_write(tmp_path, facts))
    return [p.message for p in caught.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("by: group,\n         weights: {领导: 0.4, 同级: 0.3, 群众: 0.3}",
         "by: group,\n         weights: {领导: 0.4, 同级: 0.3, 群众: 0.2}",
         "weights: they add up to 0.9, not 1"),
        ("weights: {领导: 0.4, 同级: 0.3, 群众: 0.3}", "weights: {领导: 0.7, 同级: 0.3}",
         "lists[2].aggregates[0].weights: no weight for '群众' (give 0 to leave it out)"),
        ("weights: {领导: 0.4, 同级: 0.3, 群众: 0.3}", "weights: {领导: 0.4, 同僚: 0.3, 群众: 0.3}",
         "lists[2].aggregates[0].weights: '同僚' is not a value of group; did you mean '同级'?"),
        ("by: event, take: max", "by: evnt, take: max",
         "lists[1].aggregates[0].by: 'evnt' is not a field of awards; did you mean 'event'?; "
         "records are grouped by a choice or text field"),
        ("{key: task_count, label: 任务数, stat: count}",
         "{key: task_count, label: 任务数, stat: count, of: task_points}",
         "a count counts the records (those where holds for); it reads no of"),
        ("stat: min, of: task_points", "stat: min",
         "a min needs of: the number each record gives"),
        ("by: event, take: max", "take: max",
         "take: what counts of each group; give by: the field to group by"),
        ("by: event, take: max", "by: event",
         "by: groups the records; give take: what counts of each group (max: only the "
         "highest of each)"),
        ("{key: name, type: text, label: 任务名称}", "{key: load, type: text, label: 任务名称}",
         "lists[0].fields[0].key: 'load' is the name of a fact"),
        ("where: done}", "where: \"tier == 'D'\"}",
         "lists[0].aggregates[1].where: 'D' is not a value of tier ('A', 'B', 'C')"),
        ("expr: \"base if issuer == '政府' else base - 1\"",
         "expr: \"base if issuer == '政府' else bsae - 1\"",
         "lists[1].values[1].expr: unknown name 'bsae'; did you mean 'base'?"),
    ],
)
def test_rule_file_mistakes_each_in_one_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in _FACTS
    found = _problems(tmp_path, _FACTS.replace(old, new))
    assert any(message in p for p in found), found


def test_an_entity_formula_cannot_read_a_field(tmp_path: Path) -> None:
    a = _A.replace("expr: award_points}", "expr: task_points}")
    with pytest.raises(RuleSetError) as caught:
        load_rules(_write(tmp_path, a=a))
    assert any("unknown name 'task_points'" in p.message for p in caught.value.problems)


def test_a_record_value_reads_only_those_before_it(tmp_path: Path) -> None:
    facts = _FACTS.replace(
        "      - key: base\n        label: 级别分值\n        table: {rows: level, cells: {国家: 3, 省: 2, 市: 1}}\n"
        "      - key: award_value\n        label: 获奖分值\n        expr: \"base if issuer == '政府' else base - 1\"\n",
        "      - key: award_value\n        label: 获奖分值\n        expr: \"base if issuer == '政府' else base - 1\"\n"
        "      - key: base\n        label: 级别分值\n        table: {rows: level, cells: {国家: 3, 省: 2, 市: 1}}\n",
    )  # fmt: skip
    found = _problems(tmp_path, facts)
    assert any("reads 'base', declared after it" in p for p in found), found


def test_a_list_formula_cannot_read_a_node(tmp_path: Path) -> None:
    facts = _FACTS.replace("where: done}", "where: \"done and met('A1')\"}")
    found = _problems(tmp_path, facts)
    assert any("reads met('A1'): a list's formulas read its fields" in p for p in found), found


# --- evidence --------------------------------------------------------------------------


def test_required_evidence_of_a_list_is_its_own_or_every_records(tmp_path: Path) -> None:
    a = _A.replace("departments: [考核办],\n     score: {kind: formula, expr: done_mean",
                   "departments: [考核办], evidence: required,\n     score: {kind: formula, "
                   "expr: done_mean")  # fmt: skip
    rules = load_rules(_write(tmp_path, a=a))
    lacking = _result(rules)
    assert lacking.item("A1").score == 0
    assert lacking.item("A1").missing_evidence == (
        ("tasks[0]", "重点工作任务第1条"), ("tasks[1]", "重点工作任务第2条"),
        ("tasks[2]", "重点工作任务第3条"), ("load", "工作量系数"),
    )  # fmt: skip
    load = {"value": "1.2", "evidence": "编制文件"}
    whole = _result(rules, load=load, tasks={"value": _TASKS, "evidence": "任务清单.pdf"})
    assert whole.item("A1").score == D("9.6")
    each = [dict(t, evidence=f"第{i}页") for i, t in enumerate(_TASKS, 1)]
    assert _result(rules, load=load, tasks=each).item("A1").score == D("9.6")
    one_short = [*each[:2], _TASKS[2]]
    short = _result(rules, load=load, tasks=one_short).item("A1")
    assert (short.score, short.missing_evidence) == (0, (("tasks[2]", "重点工作任务第3条"),))


# --- batch -----------------------------------------------------------------------------


def _tables(tmp_path: Path) -> dict[str, Path]:
    files = {
        "ents.csv": "entity,load\n办公室,1.2\n财政局,1\n",
        "tasks.csv": "entity,name,tier,level,done,evidence\n"
        "办公室,道路改造,A,2,true,\n办公室,菜场提升,B,1,true,验收报告第3页\n"
        "财政局,预算公开,A,1,true,\n",
        "awards.csv": "entity,event,level,issuer\n办公室,文明城市,省,政府\n",
        "votes.csv": "entity,group,grade\n办公室,领导,A\n办公室,同级,B\n办公室,群众,B\n"
        "财政局,领导,A\n财政局,同级,B\n财政局,群众,C\n",
    }
    out = {}
    for name, text in files.items():
        out[name] = tmp_path / name
        out[name].write_text(text, encoding="utf-8")
    return out


def _batch(tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    import io

    rules = _write(tmp_path)
    t = _tables(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["batch", str(rules), str(t["ents.csv"]), "--list", f"tasks={t['tasks.csv']}",
         "--list", f"awards={t['awards.csv']}", "--list", f"votes={t['votes.csv']}",
         "--quiet", *extra],
        stdout=out, stderr=err,
    )  # fmt: skip
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_joins_each_entitys_records(tmp_path: Path, jobs: str) -> None:
    out_file = tmp_path / "out.json"
    code, _, err = _batch(tmp_path, "--out", str(out_file), "--jobs", jobs)
    assert (code, err) == (0, "")
    data = json.loads(out_file.read_text(encoding="utf-8"))
    totals = {e["entity"]: e["total"] for e in data["ranking"]}
    # 办公室: A1 (4 + 4) / 2 × 1.2 × 2 = 9.6; A2 2; A3 (100×0.4 + 85×0.3 + 85×0.3)/10 = 9.1;
    # A4 (100 + 85 + 85 − 100 − 85) ÷ 1 = 85 → 8.5
    assert totals["办公室"] == "29.2"
    # 财政局: A1 5 × 1 × 2 = 10; A2 no award 0; A3 (40 + 25.5 + 21)/10 = 8.65; A4 85 → 8.5
    assert totals["财政局"] == "27.15"


def test_batch_tells_a_bad_record_at_its_row_and_an_orphan_by_its_line(tmp_path: Path) -> None:
    t = _tables(tmp_path)
    t["tasks.csv"].write_text(
        "entity,name,tier,level,done\n办公室,道路改造,D,2,true\n统计局,普查,A,1,true\n"
        "财政局,预算公开,A,1,true\n",
        encoding="utf-8",
    )
    rules = _write(tmp_path)
    import io

    err = io.StringIO()
    code = main(
        ["batch", str(rules), str(t["ents.csv"]), "--list", f"tasks={t['tasks.csv']}",
         "--list", f"awards={t['awards.csv']}", "--list", f"votes={t['votes.csv']}",
         "--quiet", "--out", str(tmp_path / "o.csv")],
        stdout=io.StringIO(), stderr=err,
    )  # fmt: skip
    lines = err.getvalue().splitlines()
    assert code == 1
    assert lines[0] == (
        f"{t['tasks.csv']}:2:3: tasks[0].tier: 'D' is not one of the choices (A, B, C)"
    )
    assert lines[1] == (
        f"{t['tasks.csv']}:3:1: entity '统计局' is in no input of this batch: its record "
        "is not used"
    )
    assert lines[-1] == "qualscore: 1 record of no entity in this batch, not used"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("taks=x.csv", "--list: 'taks' is no list of the rule set (its lists: tasks, awards, "
                       "votes); did you mean 'tasks'?"),
        ("tasks", "--list: 'tasks': write --list KEY=FILE"),
    ],
)
def test_batch_refuses_a_bad_list_option(tmp_path: Path, spec: str, message: str) -> None:
    import io

    rules = _write(tmp_path)
    t = _tables(tmp_path)
    err = io.StringIO()
    code = main(["batch", str(rules), str(t["ents.csv"]), "--list", spec, "--quiet"],
                stdout=io.StringIO(), stderr=err)  # fmt: skip
    assert code == 2
    assert message in err.getvalue()


def test_batch_refuses_a_column_that_is_no_field(tmp_path: Path) -> None:
    import io

    rules = _write(tmp_path)
    t = _tables(tmp_path)
    t["awards.csv"].write_text("entity,event,levle,issuer\n办公室,文明城市,省,政府\n",
                               encoding="utf-8")  # fmt: skip
    err = io.StringIO()
    code = main(["batch", str(rules), str(t["ents.csv"]), "--list", f"awards={t['awards.csv']}",
                 "--quiet"], stdout=io.StringIO(), stderr=err)  # fmt: skip
    assert code == 2
    text = err.getvalue()
    assert f"{t['awards.csv']}:1:3: column 'levle' is no field of awards; did you mean 'level'?" in text
    assert f"{t['awards.csv']}:1:1: no column for the field 'level' of awards" in text


# --- CSV for Excel -------------------------------------------------------------------


def test_csv_with_a_byte_order_mark_for_excel(tmp_path: Path) -> None:
    import io

    rules = _write(tmp_path)
    t = _tables(tmp_path)
    out = tmp_path / "out.csv"
    argv = ["batch", str(rules), str(t["ents.csv"]), "--list", f"tasks={t['tasks.csv']}",
            "--list", f"awards={t['awards.csv']}", "--list", f"votes={t['votes.csv']}",
            "--quiet", "--out", str(out)]  # fmt: skip
    assert main([*argv, "--bom"], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    with_bom = out.read_bytes()
    assert main(argv, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    assert with_bom == b"\xef\xbb\xbf" + out.read_bytes()  # the same table, the mark first
    err = io.StringIO()
    json_out = str(tmp_path / "out.json")
    assert main([*argv[:-1], json_out, "--bom"], stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue() == "qualscore: batch --bom needs --out FILE.csv\n"
    template = tmp_path / "tasks-template.csv"
    code = main(["template", str(rules), "--list", "tasks", "--format", "csv", "--bom", "--out",
                 str(template)], stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert code == 0
    assert template.read_bytes().startswith(b"\xef\xbb\xbfentity,name,tier,level,done,")
    # and a table with the mark reads as one without it
    (tmp_path / "ents_bom.csv").write_bytes(b"\xef\xbb\xbf" + t["ents.csv"].read_bytes())
    again = tmp_path / "again.csv"
    argv[2] = str(tmp_path / "ents_bom.csv")
    argv[-1] = str(again)
    assert main(argv, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    assert again.read_bytes() == out.read_bytes()
