"""Choice facts: a fact whose value is one of a declared list (grades A–D, 省级 / 市级 /
县级), compared with text in formulas, checked with a "did you mean" wherever written."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

import qualscore
from conftest import rule_folder
from qualscore import FactsError, RuleSetError, check_facts, evaluate, load_facts, load_rules
from qualscore.cli.app import main
from qualscore.report.data import to_data
from qualscore.report.template import to_csv, to_yaml
from qualscore.scoring.explain import explain

D = Decimal

_MANIFEST = """\
id: ch
title: 部门考核
year: 2026
language: zh
rounding: {places: 2, mode: half_up}
total_points: 20
"""

_FACTS = """\
facts:
  - {key: grade, type: choice, label: 测评等级, choices: [A, B, C, D]}
  - {key: level, type: choice, label: 表彰级别, choices: [省级, 市级, 县级, 无]}
  - {key: tier, type: choice, label: 档次, choices: ["1", "2", "3"]}
values:
  - {key: grade_points, label: 测评得分, expr: "10 if grade == 'A' else (8 if grade == 'B' else 0)"}
"""

_A = """\
id: A
title: 综合
points: 20
items:
  - {id: A1, title: 民主测评, points: 10, criteria: A 10、B 8, departments: [组织部],
     score: {kind: formula, expr: grade_points}}
  - id: A2
    title: 表彰
    points: 10
    criteria: 省级10 市级6 县级3
    departments: [办公室]
    not_applicable: {when: "tier == '3'", reason: 三档单位不考核}
    score:
      kind: cases
      cases:
        - {when: "level == '省级'", points: 10}
        - {when: "level == '市级'", points: 6}
        - {when: "level == '县级'", points: 3}
"""


def _write(tmp_path: Path, **files: str) -> Path:
    texts = {"manifest": _MANIFEST, "facts": _FACTS, "a": _A} | files
    return rule_folder(tmp_path / "rules", texts["manifest"], texts["facts"], a=texts["a"])


@pytest.fixture(name="rules")
def _rules(tmp_path: Path) -> qualscore.RuleSet:
    return load_rules(_write(tmp_path))


def _score(rules: qualscore.RuleSet, **facts: object) -> qualscore.Result:
    return evaluate(rules, check_facts(rules, {"grade": "B", "level": "市级", "tier": "1"} | facts))


@pytest.mark.parametrize(("level", "points"), [("省级", 10), ("市级", 6), ("县级", 3), ("无", 0)])
def test_each_choice_scores_its_case(rules: qualscore.RuleSet, level: str, points: int) -> None:
    assert _score(rules, level=level).item("A2").score == points


def test_a_named_value_reads_a_choice(rules: qualscore.RuleSet) -> None:
    assert [_score(rules, grade=g).item("A1").score for g in "ABCD"] == [10, 8, 0, 0]


def test_a_choice_decides_applicability(rules: qualscore.RuleSet) -> None:
    """Not applicable, it awards its points (not_applicable says no award of its own)."""
    item = _score(rules, tier="3").item("A2")
    assert (item.not_applicable, item.score, item.lost) == ("三档单位不考核", D(10), D(0))


def test_a_choice_is_read_as_written_with_spaces_around_dropped(rules: qualscore.RuleSet) -> None:
    facts = check_facts(rules, {"grade": " A ", "level": "省级", "tier": 2})
    assert (facts.values["grade"], facts.values["tier"]) == ("A", "2")  # 2: the choice '2'


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"grade": "b"}, "grade: 'b' is not one of the choices (A, B, C, D); did you mean 'B'?"),
        ({"level": "市及"}, "level: '市及' is not one of the choices (省级, 市级, 县级, 无); "
                           "did you mean '市级'?"),
        ({"grade": True}, "grade: expected one of the choices (A, B, C, D), got true"),
        ({"tier": "4"}, "tier: '4' is not one of the choices (1, 2, 3)"),
    ],
)  # fmt: skip
def test_a_value_that_is_no_choice_is_refused(
    rules: qualscore.RuleSet, given: dict[str, object], message: str
) -> None:
    with pytest.raises(FactsError) as caught:
        check_facts(rules, {"grade": "B", "level": "市级", "tier": "1"} | given)
    assert [p.message for p in caught.value.problems] == [message]


@pytest.mark.parametrize(
    ("given", "shown"),
    [(10**5000, "100000000000000000000000000000000000000…"), (D("1E+999999999"), "1E+999999999"),
     (D("NaN"), "NaN"), (2.5, "2.5")],
    ids=["huge int", "huge exponent", "NaN", "float"],
)  # fmt: skip
def test_a_number_where_a_choice_is_declared_is_refused_in_one_line(
    rules: qualscore.RuleSet, given: object, shown: str
) -> None:
    """A huge number, as a Python caller or a spreadsheet may send it: one message."""
    with pytest.raises(FactsError) as caught:
        check_facts(rules, {"grade": given, "level": "市级", "tier": "1"})
    assert [p.message for p in caught.value.problems] == [
        f"grade: {shown} is not one of the choices (A, B, C, D)"
    ]


def test_a_facts_file_places_a_misspelt_choice(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("grade: B\nlevel: 市及\ntier: '1'\n", encoding="utf-8")
    with pytest.raises(FactsError) as caught:
        load_facts(rules, path)
    assert str(caught.value.problems[0]).endswith(
        "f.yaml:2:8: level: '市及' is not one of the choices (省级, 市级, 县级, 无); did you mean '市级'?"
    )


def _refused(tmp_path: Path, **files: str) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        load_rules(_write(tmp_path, **files))
    return [str(p).replace(str(tmp_path / "rules"), "R") for p in caught.value.problems]


def test_a_text_that_is_no_choice_is_refused_where_written(tmp_path: Path) -> None:
    problems = _refused(tmp_path, a=_A.replace("level == '县级'", "level == '县极'"))
    assert problems == [
        "R/categories/a.yaml:18:18: items[1].score.cases[2].when: '县极' is not a value of "
        "level ('省级', '市级', '县级', '无'); did you mean '县级'?"
    ]


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("level > '省级'", "text cannot be ordered with <, <=, >, >="),
        ("level == 1", "cannot compare a number with text"),
        ("level + 1 > 2", "'+' needs numbers"),
        ("level", "must be a true/false condition, but 'level' is not"),
    ],
)
def test_text_only_compares_for_equality(tmp_path: Path, expr: str, message: str) -> None:
    problems = _refused(tmp_path, a=_A.replace("level == '省级'", expr))
    assert len(problems) == 1 and message in problems[0], problems


@pytest.mark.parametrize(
    ("decl", "message"),
    [
        ("{key: g, type: choice, label: 等级}", "a choice fact lists its values"),
        ("{key: g, type: number, label: 等级, choices: [A]}", "only a choice fact has choices"),
        ("{key: g, type: choice, label: 等级, choices: [A, B, A]}", "'A' listed twice"),
        ("{key: g, type: choice, label: 等级, choices: [A], min: 0}", "a choice fact has no min"),
    ],
)
def test_a_choice_declaration_is_checked(tmp_path: Path, decl: str, message: str) -> None:
    facts = _FACTS.replace("facts:\n", f"facts:\n  - {decl}\n")
    problems = _refused(tmp_path, facts=facts)
    assert any(message in p for p in problems), problems


def test_the_explanation_and_the_json_show_the_choice(rules: qualscore.RuleSet) -> None:
    result = _score(rules)
    a2 = result.item("A2")
    assert [(i.key, i.value) for i in a2.inputs] == [("level", "市级"), ("tier", "1")]
    lines = explain(a2, "zh")
    assert lines[:4] == ["条件：表彰级别 等于 “省级”", "  “市级” 等于 “省级”：不成立",
                         "条件：表彰级别 等于 “市级”", "  “市级” 等于 “市级”：成立"]  # fmt: skip
    assert "符合「level == '市级'」，得 6 分" in lines
    inputs = to_data(result)["categories"][0]["children"][1]["inputs"]
    assert inputs[0]["value"] == "市级"


def test_a_condition_over_a_choice_is_worked_with_its_value(tmp_path: Path) -> None:
    """A verdict reading a choice shows it worked through with the value read."""
    a = _A.replace(
        "score: {kind: formula, expr: grade_points}}",
        "score: {kind: formula, expr: grade_points}, verdict: {met: \"grade == 'A'\"}}",
    )
    rules = load_rules(_write(tmp_path, a=a))
    lines = explain(_score(rules).item("A1"), "zh")
    assert "判定条件：测评等级 等于 “A” = “B” 等于 “A” = 不成立" in lines


def test_the_template_lists_the_choices(rules: qualscore.RuleSet) -> None:
    rows = to_csv(rules).splitlines()
    assert "办公室,A2,level,表彰级别,选项,,省级 / 市级 / 县级 / 无," in rows
    # grade is read through a named value: its department is the item's that reads it
    assert "组织部,A1,grade,测评等级,选项,,A / B / C / D," in rows


def test_a_batch_table_of_choices(tmp_path: Path) -> None:
    rules = _write(tmp_path)
    table = tmp_path / "depts.csv"
    table.write_text("entity,grade,level,tier\n甲,A,省级,1\n乙,B,县级,2\n丙,b,县级,2\n", "utf-8")
    out, err = tmp_path / "out.json", io.StringIO()
    code = main(["batch", str(rules), str(table), "--out", str(out)], stderr=err)
    assert (
        code == 1
        and "depts.csv:4:2: grade: " in err.getvalue()
        and "did you mean 'B'?" in err.getvalue()
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert {r["entity"]: r["total"] for r in doc["ranking"]} == {"甲": "20", "乙": "11"}


def test_validate_is_clean(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["validate", "--strict", str(_write(tmp_path))], stdout=out) == 0, out.getvalue()


_LABELLED = _FACTS.replace(
    "choices: [A, B, C, D]}",
    "choices: [A, B, C, D], choice_labels: {A: 优秀, B: 良好, C: 一般, D: 较差}}",
)


def test_a_choice_may_be_given_by_its_words(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, facts=_LABELLED))
    assert "A（优秀） / B（良好） / C（一般） / D（较差）" in to_csv(rules)
    assert "# A choice: one of the values listed after its label" in to_yaml(rules)
    facts = check_facts(rules, {"grade": "良好", "level": "市级", "tier": "1"})
    assert facts.values["grade"] == "B"
    result = evaluate(rules, facts)
    assert result.item("A1").score == 8


def test_reports_show_a_choice_with_its_words(tmp_path: Path) -> None:
    a = _A.replace(
        "score: {kind: formula, expr: grade_points}}",
        "score: {kind: formula, expr: \"10 if grade == 'A' else 0\"}}",
    )
    rules = load_rules(_write(tmp_path, facts=_LABELLED, a=a))
    result = evaluate(rules, check_facts(rules, {"grade": "A", "level": "市级", "tier": "1"}))
    a1 = result.item("A1")
    assert [(i.key, i.value, i.words) for i in a1.inputs] == [("grade", "A", "优秀")]
    inputs = to_data(result)["categories"][0]["children"][0]["inputs"]
    assert (inputs[0]["value"], inputs[0]["words"]) == ("A", "优秀")
    out = io.StringIO()
    facts = tmp_path / "f.yaml"
    facts.write_text("grade: 优秀\nlevel: 市级\ntier: '1'\n", encoding="utf-8")
    assert (
        main(["evaluate", str(tmp_path / "rules"), str(facts), "--explain", "A1"], stdout=out) == 0
    )
    assert "测评等级（grade）= A（优秀）" in out.getvalue()


def test_a_misspelt_choice_lists_the_words_and_suggests_among_them(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, facts=_LABELLED))
    with pytest.raises(FactsError) as caught:
        check_facts(rules, {"grade": "良", "level": "市级", "tier": "1"})
    assert [p.message for p in caught.value.problems] == [
        "grade: '良' is not one of the choices (A（优秀）, B（良好）, C（一般）, D（较差）); "
        "did you mean '良好'?"
    ]
    with pytest.raises(FactsError) as caught:
        check_facts(rules, {"grade": "良号", "level": "市级", "tier": "1"})
    assert caught.value.problems[0].message.endswith("did you mean '良好'?")


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ("{E: 优秀}", "choice_labels: 'E' is not one of the choices"),
        ("{A: 好, B: 好}", "choice_labels: '好' would name two values"),
        ("{A: B}", "choice_labels: 'B' would name two values"),
    ],
)
def test_choice_labels_are_checked(tmp_path: Path, labels: str, message: str) -> None:
    facts = _FACTS.replace(
        "choices: [A, B, C, D]}", f"choices: [A, B, C, D], choice_labels: {labels}}}"
    )
    problems = _refused(tmp_path, facts=facts)
    assert any(message in p for p in problems), problems
