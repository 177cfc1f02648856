"""One language (issue #20): named values, nodes that read nodes, functions over lists,
verdicts as well as points; what reads what ordered, and every cycle refused."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import qualscore
from conftest import ROOT, run_cli
from qualscore import RuleSetError, check_facts, evaluate, load_rules
from qualscore.report.data import to_data
from qualscore.ruleset.formula import FormulaError, compile_formula
from simple_reference import reference

D = Decimal

_MANIFEST = """\
id: lang
title: 指标达标考核（测试）
year: 2026
language: zh
rounding: {places: 2, mode: half_up}
total_points: 30
"""

_FACTS = """\
facts:
  - {key: rate1, type: percent, label: 一号指标完成率, unit: "%"}
  - {key: rate2, type: percent, label: 二号指标完成率, unit: "%"}
  - {key: rate3, type: percent, label: 三号指标完成率, unit: "%"}
  - {key: target, type: percent, label: 目标, role: target}
values:
  # Declared after the value it reads: the order comes from what reads what.
  - {key: all_near, label: 各项不低于要求的六成, expr: "all(rate1 >= 54, rate2 >= 54, rate3 >= 54)"}
  - {key: met_count, label: 达标指标数, expr: "count_if(met('A1'), met('A2'), met('A3'))"}
  - {key: mean_rate, label: 平均完成率, expr: "sum(rate1, rate2, rate3) / 3", places: 2}
  - {key: gap, label: 距目标, expr: "target - mean_rate"}
"""

_CORE = """\
id: A
title: 核心指标
points: 20
verdict: {met: "score('A') >= 12"}
items:
  - {id: A1, title: 一号指标, points: 5, criteria: 按完成率计分, departments: [甲局],
     score: {kind: formula, expr: "rate1 / 20"}, verdict: {met: "rate1 >= 90"}}
  - {id: A2, title: 二号指标, points: 5, criteria: 按完成率计分, departments: [甲局],
     score: {kind: formula, expr: "rate2 / 20"}, verdict: {met: "rate2 >= 90"}}
  - {id: A3, title: 三号指标, points: 5, criteria: 按完成率计分, departments: [乙局],
     score: {kind: formula, expr: "rate3 / 20"}, verdict: {met: "rate3 >= 90"}}
  - id: A4
    title: 综合
    points: 5
    criteria: 至少两项达标、且每项不低于要求的六成的，得5分
    departments: [甲局]
    score: {kind: cases, cases: [{when: "met_count >= 2 and all_near", points: 5}]}
"""

_OTHER = """\
id: B
title: 其他
points: 10
verdict: {met: "score('B') >= 6", labels: [合格, 不合格]}
items:
  - {id: B1, title: 随核心指标, points: 5, criteria: 核心指标得分的四分之一, departments: [丙局],
     score: {kind: formula, expr: "score('A') / 4"}}
  - {id: B2, title: 距目标, points: 5, criteria: 每差1个百分点扣1分, departments: [丙局],
     score: {kind: formula, expr: "5 - max(0, gap)"}}
"""


def _write(tmp_path: Path, **files: str) -> Path:
    """A rule set of the files above, any of them replaced (``facts``, ``core``, ...)."""
    root = tmp_path / "rules"
    (root / "categories").mkdir(parents=True, exist_ok=True)
    texts = {"manifest": _MANIFEST, "facts": _FACTS, "core": _CORE, "other": _OTHER} | files
    (root / "ruleset.yaml").write_text(texts["manifest"], encoding="utf-8")
    (root / "facts.yaml").write_text(texts["facts"], encoding="utf-8")
    (root / "categories" / "1-core.yaml").write_text(texts["core"], encoding="utf-8")
    (root / "categories" / "2-other.yaml").write_text(texts["other"], encoding="utf-8")
    return root


def _score(rules: qualscore.RuleSet, **facts: Any) -> qualscore.Result:
    return evaluate(rules, check_facts(rules, {"target": 80} | facts))


@pytest.fixture(name="rules")
def _rules(tmp_path: Path) -> qualscore.RuleSet:
    return load_rules(_write(tmp_path))


def _problems(tmp_path: Path, **files: str) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        load_rules(_write(tmp_path, **files))
    root = str(tmp_path / "rules")
    return [str(p).replace(root, "R") for p in caught.value.problems]


# --- named values and node reads ---------------------------------------------------


def test_named_values_and_node_reads_by_hand(rules: qualscore.RuleSet) -> None:
    """95, 92, 55: A1 and A2 met (2 of 3), all at least 54: A4 scores 5. A = 4.75 + 4.6
    + 2.75 + 5 = 17.1; B1 = 17.1 / 4 = 4.275 → 4.28; mean 80.67 (two places), gap
    80 - 80.67 = -0.67: nothing short, B2 = 5; at a target of 82, gap 1.33: B2 = 3.67."""
    result = _score(rules, rate1=95, rate2=92, rate3=55)
    scores = {i.id: i.score for i in result.items}
    assert scores == {
        "A1": D("4.75"), "A2": D("4.6"), "A3": D("2.75"), "A4": D(5),
        "B1": D("4.28"), "B2": D(5),
    }  # fmt: skip
    assert result.total == D("26.38")
    assert _score(rules, rate1=95, rate2=92, rate3=55, target=82).item("B2").score == D("3.67")
    assert {i.key: i.value for i in result.values} == {
        "all_near": True, "met_count": D(2), "mean_rate": D("80.67"), "gap": D("-0.67"),
    }  # fmt: skip


def test_k_of_n_exactly_on_the_boundary_and_a_hair_below(rules: qualscore.RuleSet) -> None:
    """Two met and the third at 54 exactly: 5 points; at 53.99 (below six tenths): 0;
    one met only: 0."""
    assert _score(rules, rate1=90, rate2=90, rate3=54).item("A4").score == D(5)
    assert _score(rules, rate1=90, rate2=90, rate3="53.99").item("A4").score == D(0)
    assert _score(rules, rate1=90, rate2="89.99", rate3=100).item("A4").score == D(5)
    assert _score(rules, rate1=90, rate2="89.99", rate3="89.99").item("A4").score == D(0)


def test_a_value_reading_a_blank_target_has_none_and_its_reader_does_not_apply(
    rules: qualscore.RuleSet,
) -> None:
    """No target: ``gap`` has no value, so B2 (which reads it) does not apply, and says why."""
    result = _score(rules, rate1=95, rate2=92, rate3=55, target=None)
    item = result.item("B2")
    assert (item.score, item.not_applicable) == (
        D(0),
        "无此项数据（距目标：所依据的值本单位没有）",
    )
    assert "gap" not in {i.key for i in result.values}


def test_the_scores_path_and_the_explained_path_agree(rules: qualscore.RuleSet) -> None:
    facts = check_facts(rules, {"rate1": 95, "rate2": 92, "rate3": 55, "target": 80})
    scores = qualscore.score(rules, facts)
    result = evaluate(rules, facts)
    assert scores.total == result.total
    assert dict(scores.items) == {i.id: i.score for i in result.items}
    assert scores.verdicts == {"A": True, "A1": True, "A2": True, "A3": False, "B": True}
    assert dict(scores.values)["met_count"] == D(2)


def test_a_value_that_fails_is_named_as_a_value(tmp_path: Path) -> None:
    facts = _FACTS + '  - {key: ratio, label: 比值, expr: "rate1 / (rate2 - rate3)"}\n'
    rules = load_rules(_write(tmp_path, facts=facts))
    with pytest.raises(qualscore.EvaluationError) as caught:
        _score(rules, rate1=1, rate2=5, rate3=5)
    assert str(caught.value) == "value ratio: rate1 / (rate2 - rate3): division by zero"


# --- verdicts ------------------------------------------------------------------------


def test_verdicts_of_items_sections_and_the_scheme(tmp_path: Path) -> None:
    manifest = _MANIFEST + "verdict: {met: \"met('A') and met('B') and met_count == 3\"}\n"
    rules = load_rules(_write(tmp_path, manifest=manifest))
    result = _score(rules, rate1=95, rate2=92, rate3=55)
    assert [(n.id, n.verdict, n.met) for n in result.judged()] == [
        ("A", "达标", True), ("A1", "达标", True), ("A2", "达标", True),
        ("A3", "未达标", False), ("B", "合格", True),
    ]  # fmt: skip
    assert (result.verdict, result.met) == ("未达标", False)
    assert [n.id for n in result.failed()] == ["A3"]
    passed = _score(rules, rate1=95, rate2=92, rate3=90)
    assert (passed.verdict, passed.met, passed.failed()) == ("达标", True, ())


def test_every_view_shows_the_verdicts(tmp_path: Path) -> None:
    manifest = _MANIFEST + "verdict: {met: \"met('A') and met_count == 3\"}\n"
    root = _write(tmp_path, manifest=manifest)
    (tmp_path / "f.yaml").write_text("rate1: 95\nrate2: 92\nrate3: 55\ntarget: 80\n")
    out = _cli("evaluate", root, tmp_path / "f.yaml")
    assert "判定：未达标\n未达标的项目：A3 三号指标\n" in out
    assert "三号指标（未达标）" in out and "其他（合格）" in out
    markdown = _cli("evaluate", root, tmp_path / "f.yaml", "--format", "markdown")
    assert "- 判定：未达标\n- 未达标的项目：A3 三号指标\n" in markdown
    html = _cli("evaluate", root, tmp_path / "f.yaml", "--format", "html")
    assert "<th>判定</th><td>未达标</td>" in html and "三号指标（未达标）" in html
    data = json.loads(_cli("evaluate", root, tmp_path / "f.yaml", "--format", "json"))
    assert (data["verdict"], data["met"]) == ("未达标", False)
    core = data["categories"][0]
    assert (core["verdict"], core["met"]) == ("达标", True)
    assert [(c["id"], c.get("met")) for c in core["children"]] == [
        ("A1", True), ("A2", True), ("A3", False), ("A4", None),
    ]  # fmt: skip
    assert "verdict" not in core["children"][3]  # no verdict: no key


def test_a_scheme_without_verdicts_keeps_its_json(tmp_path: Path) -> None:
    rules = load_rules(ROOT / "examples" / "demo")
    facts = qualscore.load_facts(
        rules, ROOT / "examples" / "demo" / "facts" / "good-county.yaml"
    )
    data = to_data(evaluate(rules, facts))
    assert "verdict" not in data and "values" not in data
    assert all("verdict" not in c for c in data["categories"])


def test_a_node_that_does_not_apply_has_no_verdict(tmp_path: Path) -> None:
    core = _CORE.replace(
        'verdict: {met: "rate3 >= 90"}}',
        'verdict: {met: "rate3 >= 90"}, not_applicable: {when: "rate3 == 0", reason: 无此项}}',
    )
    rules = load_rules(_write(tmp_path, core=core))
    result = _score(rules, rate1=95, rate2=92, rate3=0)
    item = result.item("A3")
    assert (item.verdict, item.met, item.not_applicable) == ("不适用", None, "无此项")
    assert "A3" not in [n.id for n in result.failed()]
    # met() of a node that does not apply is false: two of three, as the rule reads it.
    assert dict(qualscore.score(rules, check_facts(rules, {"rate1": 95, "rate2": 92,
                "rate3": 0, "target": 80})).values)["met_count"] == D(2)  # fmt: skip


# --- what is refused -----------------------------------------------------------------


def test_an_unknown_node_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    other = _OTHER.replace("score('A') / 4", "score('A5') / 4")
    assert _problems(tmp_path, other=other) == [
        "R/categories/2-other.yaml:7:35: items[0].score.expr: score('A5'): no item, "
        "indicator or section 'A5'; did you mean 'A'?"
    ]


def test_met_of_a_node_without_a_verdict_is_refused(tmp_path: Path) -> None:
    facts = _FACTS.replace("met('A3')", "met('A4')")
    assert _problems(tmp_path, facts=facts) == [
        "R/facts.yaml:9:42: values[1].expr: met('A4'): 'A4' has no verdict; give it one "
        "(verdict: {met: …}) or read its score"
    ]


def test_a_cycle_of_values_is_refused_with_its_chain(tmp_path: Path) -> None:
    facts = _FACTS + (
        '  - {key: a, label: a, expr: "b + 1"}\n  - {key: b, label: b, expr: "a + 1"}\n'
    )
    assert _problems(tmp_path, facts=facts) == [
        "R/facts.yaml:12:30: values[4].expr: a cycle: value 'a' → value 'b' → value 'a'"
    ]


def test_a_node_reading_itself_through_a_value_is_refused(tmp_path: Path) -> None:
    facts = _FACTS + '  - {key: loop, label: loop, expr: "score(\'B\') + 1"}\n'
    other = _OTHER.replace("score('A') / 4", "loop / 4")
    (problem,) = _problems(tmp_path, facts=facts, other=other)
    assert problem == (
        "R/facts.yaml:12:36: values[4].expr: a cycle: value 'loop' → the score of 'B' → "
        "the score of 'B1' → value 'loop'"
    )


def test_a_value_named_like_a_fact_is_refused(tmp_path: Path) -> None:
    facts = _FACTS + '  - {key: rate1, label: again, expr: "1"}\n'
    assert _problems(tmp_path, facts=facts) == [
        "R/facts.yaml:12:11: values[4].key: 'rate1' is the name of a fact"
    ]


def test_a_check_reading_a_value_is_refused(tmp_path: Path) -> None:
    facts = _FACTS + "checks:\n  - {when: met_count >= 0, message: x}\n"
    assert _problems(tmp_path, facts=facts) == [
        "R/facts.yaml:13:12: checks[0].when: reads met_count: a check is of "
        "one entity's facts as given, before anything is worked out from them"
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("score(1)", "score() takes the id of one item, indicator or section, in quotes: "
         "score('2.1')"),
        ("met(x)", "met() takes the id of one item, indicator or section, in quotes: "
         "met('2.1')"),
        ("score('a', 'b')", "score() takes the id of one item, indicator or section, in "
         "quotes: score('2.1')"),
        ("count_if(x)", "count_if() needs booleans"),
        ("sum(x > 1)", "sum() needs numbers"),
        ("all()", "all() takes 1 to 100 values, not 0"),
        ("'text' + 1", "'+' needs numbers"),  # text is compared with a choice, not added
        ("score('a b')", "score() takes the id of one item, indicator or section, in "
         "quotes: score('2.1')"),
    ],
)  # fmt: skip
def test_node_reads_and_lists_refused(source: str, message: str) -> None:
    with pytest.raises(FormulaError) as caught:
        compile_formula(source, {"x": "number"})
    assert caught.value.message == message


def test_list_functions_exactly() -> None:
    types: dict[str, Any] = {"x": "number", "b": "bool"}
    values: dict[str, Any] = {"x": D("0.1"), "b": False}
    cases = {
        "sum(x, x, x)": D("0.3"),
        "count_if(b, not b, x > 0)": D(2),
        "all(x > 0, b)": False,
        "any(x > 0, b)": True,
        "count_if(b)": D(0),
    }
    for source, want in cases.items():
        formula = compile_formula(source, types)
        assert formula.evaluate(values) == want == reference(formula, values), source


def _cli(*argv: Any) -> str:
    code, out, err = run_cli(*argv)
    assert code == 0, err
    return out


def test_validate_passes_a_rule_set_of_values_and_node_reads(tmp_path: Path) -> None:
    root = _write(tmp_path)
    assert _cli("validate", root, "--strict") == f"{root}: ok: 6 items, 4 facts, 0 warnings\n"


def test_batch_shows_the_verdicts_in_every_table(tmp_path: Path) -> None:
    """CSV and JSON give the scheme's verdict and the nodes not met (乙镇: A = 4.75 + 4.6
    + 4.5 + 5 = 18.85, B1 = 4.7125 → 4.71, B2 = 5: 28.56); a
    scheme without verdicts has neither column (the golden batch files hold that)."""
    manifest = _MANIFEST + "verdict: {met: \"met('A') and met_count == 3\"}\n"
    root = _write(tmp_path, manifest=manifest)
    towns = tmp_path / "towns"
    towns.mkdir()
    (towns / "甲镇.yaml").write_text("rate1: 95\nrate2: 92\nrate3: 55\ntarget: 80\n")
    (towns / "乙镇.yaml").write_text("rate1: 95\nrate2: 92\nrate3: 90\ntarget: 80\n")
    _cli("batch", root, towns, "--out", tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines() == [
        "rank,entity,total,vetoed,result,A1,A2,A3,A4,B1,B2,verdict,not_met",
        "1,乙镇,28.56,false,scored,4.75,4.6,4.5,5,4.71,5,达标,",
        "2,甲镇,26.38,false,scored,4.75,4.6,2.75,5,4.28,5,未达标,A3",
    ]
    _cli("batch", root, towns, "--out", tmp_path / "out.json")
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [(e["entity"], e["verdict"], e["not_met"]) for e in data["ranking"]] == [
        ("乙镇", "达标", []), ("甲镇", "未达标", ["A3"]),
    ]  # fmt: skip


@pytest.mark.slow
def test_a_long_chain_of_values_loads_and_a_long_cycle_is_shown_short(tmp_path: Path) -> None:
    """1,996 values each reading the one before (with the 4 above, the most a facts file
    may declare): worked out in order, no recursion; closed into a cycle, refused with the
    chain cut to its first ten and its last; one value more, refused."""
    chain = [f'  - {{key: c{i}, label: c{i}, expr: "c{i - 1} + 1"}}' for i in range(1, 1996)]
    facts = _FACTS + '  - {key: c0, label: c0, expr: "rate1"}\n' + "\n".join(chain) + "\n"
    other = _OTHER.replace("score('A') / 4", "c1995 - 2088")
    rules = load_rules(_write(tmp_path, facts=facts, other=other))
    assert _score(rules, rate1=95, rate2=92, rate3=55).item("B1").score == D(2)  # 95 + 1995
    looped = facts.replace('expr: "rate1"', 'expr: "c1995"')
    (problem,) = _problems(tmp_path, facts=looped, other=other)
    assert problem == (
        "R/facts.yaml:12:32: values[4].expr: a cycle: value 'c0' → value 'c1995' → "
        + " → ".join(f"value 'c{i}'" for i in range(1994, 1986, -1))
        + " → … → value 'c0'"
    )
    more = facts + '  - {key: over, label: over, expr: "1"}\n'
    assert _problems(tmp_path, facts=more) == [
        "R/facts.yaml:8:3: values: tuple should have at most 2000 items after validation, "
        "not 2001"
    ]
