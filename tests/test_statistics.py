"""Statistics, exact (issue #20): ``sqrt`` in formulas, and cohort values that are a sum, a
standard deviation (population and sample), a coefficient of variation, a weighted mean or
a count of the entities meeting a condition, each worked out by hand here."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from math import isqrt
from pathlib import Path
from typing import Any

import pytest

import qualscore
from conftest import ROOT, item_yaml, run_cli, write_ruleset
from qualscore import CohortError, EvaluationError, RuleSetError, evaluate, evaluate_cohort
from qualscore.language.ranges import Span, value_span
from qualscore.report.data import to_data
from qualscore.ruleset.formula import compile_formula
from qualscore.ruleset.model import CohortDecl
from qualscore.scoring.explain import explain
from simple_reference import reference

D = Decimal
VALUES = ["2", "4", "4", "4", "5", "5", "7", "9"]
"""Σx = 40, Σx² = 232, n = 8: mean 5, Σ(x − 5)² = 9 + 1 + 1 + 1 + 0 + 0 + 4 + 16 = 32."""


def _root(
    tmp_path: Path,
    cohort: str,
    *,
    facts: str = "- {key: x, type: number, label: 得分}",
    items: str | None = None,
    **kwargs: Any,
) -> Path:
    """A rule set whose item 1 reads every cohort value declared in ``cohort`` (the entries
    of ``cohort:``, one per line)."""
    if items is None:
        keys = re.findall(r"key: (\w+)", cohort)
        items = item_yaml(f"kind: formula\nexpr: 0 * ({' + '.join(keys)})", item_id="1")
    root = write_ruleset(tmp_path, facts, items, **kwargs)
    facts_file = root / "facts.yaml"
    facts_file.write_text(facts_file.read_text("utf-8") + "cohort:\n" + cohort, "utf-8")
    return root


def _rules(tmp_path: Path, cohort: str, **kwargs: Any) -> qualscore.RuleSet:
    return qualscore.load_rules(_root(tmp_path, cohort, **kwargs))


def _entities(values: list[str] = VALUES) -> dict[str, dict[str, Any]]:
    return {f"e{i}": {"x": v} for i, v in enumerate(values)}


def _facts_line(root: Path, key: str) -> int:
    """The line of cohort value ``key``'s declaration in facts.yaml."""
    lines = (root / "facts.yaml").read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if f"key: {key}," in line)


# --- sqrt ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "root"),
    [
        ("2", "1.414213562373095048801688724209698"),   # 1.41421356237309504880168872420969807…
        ("10", "3.162277660168379331998893544432719"),  # 3.16227766016837933199889354443271853…
        ("6.25", "2.5"),
        ("0", "0"),
        ("-0", "0"),
        ("1000000000000000", "31622776.60168379331998893544432719"),
    ],
)  # fmt: skip
def test_sqrt_keeps_34_significant_digits_the_last_rounded(x: str, root: str) -> None:
    """√2 to 34 digits cuts off 07…; √10 rounds …718|53… up to …719; an exact root is exact;
    the root of 0 and of -0 is 0, never -0. The generated code and simpleeval agree."""
    formula = compile_formula("sqrt(x)", {"x": "number"})
    got = formula.evaluate({"x": D(x)})
    assert repr(got) == repr(D(root)) and repr(reference(formula, {"x": D(x)})) == repr(got)


@pytest.mark.parametrize("n", [2, 3, 10, 15, 32, 99, 12345])
def test_sqrt_is_the_root_rounded_half_to_even_at_34_digits(n: int) -> None:
    """Against the integer square root: the 34 digits are the true root's, the last rounded
    to the nearest (a root of a whole number is never exactly half-way)."""
    got = compile_formula("sqrt(x)", {"x": "number"}).evaluate({"x": D(n)})
    assert isinstance(got, Decimal)
    places = -int(got.as_tuple().exponent)
    floor = isqrt(n * 10 ** (2 * places))  # the root, cut after `places` decimals
    twice = isqrt(n * 10 ** (2 * places + 2)) - floor * 10  # the next digit
    want = floor + (1 if twice >= 5 else 0)
    assert got == D(f"{want}E-{places}") and len(got.as_tuple().digits) == 34


def test_sqrt_of_a_negative_number_fails_the_rule_as_printed(tmp_path: Path) -> None:
    """sqrt(-1) is not a number: the item's evaluation error names the formula and the
    number, from Python and on the command line (exit 2); sqrt(0) scores 0."""
    root = write_ruleset(
        tmp_path,
        "- {key: change, type: number, label: 变化}",
        item_yaml("kind: formula\nexpr: 10 - sqrt(change)", item_id="3"),
    )
    rules = qualscore.load_rules(root)
    with pytest.raises(EvaluationError) as caught:
        evaluate(rules, {"change": "-1"})
    assert str(caught.value) == (
        "item 3: 10 - sqrt(change): square root of a negative number (-1)"
    )
    with pytest.raises(EvaluationError) as caught:
        qualscore.score(rules, {"change": "-1.50"})
    assert str(caught.value) == (
        "item 3: 10 - sqrt(change): square root of a negative number (-1.5)"
    )
    facts = tmp_path / "negative.yaml"
    facts.write_text("change: -1\n", "utf-8")
    assert run_cli("evaluate", root, facts) == (
        2, "", f"{root}: item 3: 10 - sqrt(change): square root of a negative number (-1)\n"
    )  # fmt: skip
    assert evaluate(rules, {"change": "0"}).item("3").score == D(10)


def test_sqrt_in_an_explanation_and_rounded_by_the_formula(tmp_path: Path) -> None:
    """The working names the root in words; round_half_up(sqrt(x), 2) is what a formula
    writes to want fewer places (√2 ≈ 1.414… is 1.41)."""
    rules = qualscore.load_rules(write_ruleset(
        tmp_path, "- {key: area, type: number, label: 面积}",
        item_yaml("kind: formula\nexpr: round_half_up(sqrt(area), 2)", item_id="1"),
    ))  # fmt: skip
    item = evaluate(rules, {"area": "2"}).item("1")
    assert item.score == D("1.41")
    assert explain(item, "zh")[:2] == [
        "公式：四舍五入保留2位小数(平方根(面积))",
        "  = 四舍五入保留2位小数(平方根(2)) = 四舍五入保留2位小数(≈ 1.41) = 1.41",
    ]


_SQRT = compile_formula("sqrt(x)", {"x": "number"})


def test_the_values_sqrt_can_take_for_lint() -> None:
    """Over [4, 100] it takes [2, 10]; over [-4, 2] only [0, √2] (below 0 it fails), the
    inexact end widened by one unit in the last place; over [-4, -2] nothing is known."""
    assert str(value_span(_SQRT.tree, {"x": Span(D(4), D(100))})) == "[2, 10]"
    assert str(value_span(_SQRT.tree, {"x": Span(D(-4), D(2))})) == (
        "[0, 1.414213562373095048801688724209699]"
    )
    assert str(value_span(_SQRT.tree, {"x": Span(D(-4), D(-2))})) == "(−∞, ∞)"


# --- the standard deviations and the coefficient of variation ------------------------------


def test_the_population_stdev_of_the_textbook_values_is_exactly_2(tmp_path: Path) -> None:
    """√(32 ÷ 8) = √4 = 2 exactly, with n, the mean, the sum of squared deviations and the
    variance in the working and the explanation."""
    rules = _rules(tmp_path, "  - {key: sd, label: 得分标准差, stat: stdev, of: x}\n")
    scored = evaluate_cohort(rules, _entities())
    entry = scored["e0"].cohort["sd"]
    assert repr(entry.value) == "Decimal('2')"
    assert dict(entry.working) == {"n": 8, "mean": 5, "squares": 32, "variance": 4}
    assert explain(scored["e0"].item("1"), "zh")[0] == (
        "得分标准差：本单位 2，8 个单位的标准差 2（平均值 5，离差平方和 32，"
        "方差 = 离差平方和 ÷ 8 = 4，标准差 = √方差 = 2）"
    )
    (summary,) = scored.summaries
    assert (summary.value, len(summary.entities), summary.working) == (D(2), 8, entry.working)


def test_the_sample_stdev_divides_by_n_minus_1_and_places_round_it(tmp_path: Path) -> None:
    """√(32 ÷ 7) = 2.13808993529939507747642784703802817…: 34 digits, then 2.14 at two
    places; the explanation shows it before and after."""
    rules = _rules(
        tmp_path, "  - {key: sds, label: 得分样本标准差, stat: stdev_sample, of: x, places: 2}\n"
    )
    entry = evaluate_cohort(rules, _entities())["e3"].cohort["sds"]
    assert entry.value == D("2.14")
    working = dict(entry.working)
    assert working["variance"] == D("4.571428571428571428571428571428571")
    assert working["unrounded"] == D("2.138089935299395077476427847038028")
    assert isqrt(32 * 10**70 // 7) == 213808993529939507747642784703802817  # the digits cut
    from qualscore.scoring.explain import cohort_line

    assert cohort_line(entry, "en") == (
        "得分样本标准差: this entity 4, the sample standard deviation of 8 entities: 2.14 "
        "(mean 5, sum of squared deviations 32, variance = sum of squared deviations ÷ (8 − 1) "
        "≈ 4.5714, standard deviation = √variance ≈ 2.1381, to 2 places: 2.14)"
    )


_GROUPS = """
groups:
  - {id: 乡镇, members: [东岭镇, 西溪镇, 南湖镇, 北山乡, 金塘乡, 白沙乡, 红桥镇, 青石镇]}
  - {id: 部门, members: [县市场监管局, 县统计局]}
"""
_TOWNS = dict(zip(["东岭镇", "西溪镇", "南湖镇", "北山乡", "金塘乡", "白沙乡", "红桥镇", "青石镇"],
                  ["92", "94", "94", "94", "95", "95", "97", "99"], strict=True))  # fmt: skip


def _pass_rates() -> dict[str, dict[str, Any]]:
    return {**{n: {"pass_rate": v} for n, v in _TOWNS.items()},
            "县市场监管局": {"pass_rate": "99"}, "县统计局": {"pass_rate": "97"}}  # fmt: skip


def test_the_cv_of_the_towns_is_the_stdev_over_the_mean_and_reaches_the_departments(
    tmp_path: Path,
) -> None:
    """Pass rates 92 … 99: mean 95, stdev 2, cv 2 ÷ 95 = 0.0210526…, 0.0211 at four places,
    worked out over the towns only and given to the two departments too (the example of
    docs/rule-language.md, word for word)."""
    cohort = ("  - {key: rate_cv, label: 各镇抽查合格率离散系数, stat: cv, of: pass_rate,"
              " scope: 乡镇, places: 4}\n")  # fmt: skip
    rules = _rules(tmp_path, cohort, facts='- {key: pass_rate, type: percent, label: 抽查合格率, unit: "%"}',
                   manifest_yaml=_GROUPS)  # fmt: skip
    scored = evaluate_cohort(rules, _pass_rates())
    line = ("各镇抽查合格率离散系数：本单位 94%，乡镇8 个单位的变异系数 0.0211（平均值 95，离差平方和 32，"
            "方差 = 离差平方和 ÷ 8 = 4，标准差 = √方差 = 2，变异系数 = 标准差 ÷ 平均值 ≈ 0.0211，"
            "保留 4 位小数为 0.0211）")  # fmt: skip
    assert explain(scored["西溪镇"].item("1"), "zh")[0] == line
    assert line in (ROOT / "docs" / "rule-language.md").read_text("utf-8")
    department = scored["县统计局"].cohort["rate_cv"]
    assert (department.value, department.own, department.size) == (D("0.0211"), None, 8)
    assert dict(department.working)["unrounded"] == D("0.02105263157894736842105263157894737")
    (summary,) = scored.summaries
    assert (summary.scope, summary.entities) == ("乡镇", tuple(sorted(_TOWNS)))


def test_scope_group_works_each_group_out_on_its_own(tmp_path: Path) -> None:
    """The departments' stdev is over their own two rates (97, 99: 1), the towns' over
    theirs (2)."""
    cohort = "  - {key: sd, label: 合格率标准差, stat: stdev, of: pass_rate, scope: group}\n"
    rules = _rules(tmp_path, cohort, facts="- {key: pass_rate, type: percent, label: 合格率}",
                   manifest_yaml=_GROUPS)  # fmt: skip
    scored = evaluate_cohort(rules, _pass_rates())
    assert {s.scope: s.value for s in scored.summaries} == {"乡镇": D(2), "部门": D(1)}
    assert scored["县统计局"].cohort["sd"].value == 1 and scored["东岭镇"].cohort["sd"].value == 2


@pytest.mark.parametrize(
    ("mode", "half"), [("half_up", "1.3"), ("half_even", "1.2"), ("down", "1.2"), ("up", "1.3")]
)
def test_places_round_a_half_in_the_rule_sets_mode(tmp_path: Path, mode: str, half: str) -> None:
    """Values 0 and 2.5: mean 1.25, each 1.25 from it, so the stdev is exactly 1.25; values 1
    and 2 weighted 3 and 1: (3 + 2) ÷ 4 = 1.25. At one place each is the rule set's
    rounding of a half."""
    cohort = ("  - {key: sd, label: 标准差, stat: stdev, of: x, places: 1}\n"
              "  - {key: wm, label: 加权平均, stat: weighted_mean, of: y, weight: w, places: 1}\n")
    facts = ("- {key: x, type: number, label: x}\n- {key: y, type: number, label: y}\n"
             "- {key: w, type: number, label: w}")  # fmt: skip
    rules = _rules(tmp_path, cohort, facts=facts, rounding=f"{{places: 2, mode: {mode}}}")
    entities = {"a": {"x": "0", "y": "1", "w": "3"}, "b": {"x": "2.5", "y": "2", "w": "1"}}
    cohort_of_a = evaluate_cohort(rules, entities)["a"].cohort
    assert (cohort_of_a["sd"].value, cohort_of_a["wm"].value) == (D(half), D(half))
    assert dict(cohort_of_a["sd"].working)["unrounded"] == D("1.25")
    assert dict(cohort_of_a["wm"].working)["unrounded"] == D("1.25")


def test_a_sample_stdev_of_one_entity_is_refused(tmp_path: Path) -> None:
    """It divides by n − 1: one entity with a value is refused at the declaration, as
    min_entities refuses, saying why; a population stdev of one is 0."""
    cohort = ("  - {key: sd, label: 标准差, stat: stdev, of: x}\n"
              "  - {key: sds, label: 样本标准差, stat: stdev_sample, of: x}\n")  # fmt: skip
    root = _root(tmp_path, cohort)
    rules = qualscore.load_rules(root)
    with pytest.raises(CohortError) as caught:
        evaluate_cohort(rules, {"e0": {"x": "7"}})
    assert str(caught.value) == (
        f"{root}/facts.yaml:{_facts_line(root, 'sds')}:5: cohort value 'sds' needs at least 2 "
        "entities with a value (a sample standard deviation divides by n - 1); 1 has one (e0)"
    )
    assert evaluate_cohort(rules, {"e0": {"x": "7"}, "e1": {"x": "7"}})["e0"].cohort["sds"].value == 0


@pytest.mark.parametrize(
    ("values", "why"),
    [(["-1", "1"], "is 0"), (["-1", "-3"], "is -2"), (["0", "0"], "is 0")],
)
def test_a_cv_without_a_mean_above_0_is_refused_naming_it(
    tmp_path: Path, values: list[str], why: str
) -> None:
    """A coefficient of variation divides by the mean: a mean of 0 (or below) is no value,
    said at its declaration, not a crash."""
    root = _root(tmp_path, "  - {key: cv, label: 离散系数, stat: cv, of: x}\n")
    with pytest.raises(CohortError) as caught:
        evaluate_cohort(qualscore.load_rules(root), _entities(values))
    assert str(caught.value) == (
        f"{root}/facts.yaml:{_facts_line(root, 'cv')}:5: cohort value 'cv' has no value: the "
        f"mean of its 2 values {why}, and a coefficient of variation divides by a mean above 0"
    )


# --- the weighted mean ------------------------------------------------------------------------

_WEIGHTED = ('- {key: pass_rate, type: percent, label: 合格率, unit: "%"}\n'
             "- {key: population, type: number, label: 常住人口, unit: 万人}")  # fmt: skip


def test_the_weighted_mean_weighs_each_entity(tmp_path: Path) -> None:
    """98% over 10 and 90% over 30: (980 + 2700) ÷ 40 = 92; each entity's weight is in its
    explanation and its JSON."""
    cohort = ("  - {key: pop_mean, label: 按常住人口加权的平均合格率, stat: weighted_mean,"
              " of: pass_rate, weight: population}\n")  # fmt: skip
    rules = _rules(tmp_path, cohort, facts=_WEIGHTED)
    scored = evaluate_cohort(rules, {"甲": {"pass_rate": "98", "population": "10"},
                                     "乙": {"pass_rate": "90", "population": "30"}})  # fmt: skip
    entry = scored["甲"].cohort["pop_mean"]
    assert (entry.value, entry.own, entry.weight) == (D(92), D(98), D(10))
    assert dict(entry.working) == {"n": 2, "weights": 40, "weighted": 3680}
    assert explain(scored["甲"].item("1"), "zh")[0] == (
        "按常住人口加权的平均合格率：本单位 98%，权数 10，2 个单位的加权平均值 92%（权数合计 40，"
        "加权值合计 3680，加权平均值 = 加权值合计 ÷ 权数合计 = 92）"
    )
    data = to_data(scored["甲"])["cohort"]["pop_mean"]
    assert (data["weight"], data["working"]) == (
        "10", {"n": "2", "weights": "40", "weighted": "3680"}
    )


def test_weights_adding_up_to_0_or_below_0_are_refused(tmp_path: Path) -> None:
    """Weights of 0 and 0: no weighted mean, said at the declaration; a weight below 0
    fails its entity (named), the others are scored without it."""
    cohort = ("  - {key: pop_mean, label: 加权平均合格率, stat: weighted_mean, of: pass_rate,"
              " weight: population}\n")  # fmt: skip
    root = _root(tmp_path, cohort, facts=_WEIGHTED)
    rules = qualscore.load_rules(root)
    with pytest.raises(CohortError) as caught:
        evaluate_cohort(rules, {"甲": {"pass_rate": "98", "population": "0"},
                                "乙": {"pass_rate": "90", "population": "0"}})  # fmt: skip
    assert str(caught.value) == (
        f"{root}/facts.yaml:{_facts_line(root, 'pop_mean')}:5: cohort value 'pop_mean' has no "
        "value: the weights of its 2 entities add up to 0, and a weighted mean divides by them"
    )
    scored = evaluate_cohort(rules, {"甲": {"pass_rate": "98", "population": "-1"},
                                     "乙": {"pass_rate": "90", "population": "3"}})  # fmt: skip
    assert dict(scored.failed) == {
        "甲": ("cohort value pop_mean: weight population is -1, and a weight cannot be below 0",)
    }
    assert scored["乙"].cohort["pop_mean"].value == D(90)


# --- count_if and sum -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "count"), [("x >= 5", 4), ("x > 5", 2), ("x == 4", 3), ("x > 9", 0)]
)
def test_count_if_counts_the_entities_it_holds_for_ties_included(
    tmp_path: Path, when: str, count: int
) -> None:
    """Of 2, 4, 4, 4, 5, 5, 7, 9: both 5s are on the boundary of x >= 5 and counted, the
    three 4s are equal to 4; none is above 9 (a count of 0 is a value)."""
    rules = _rules(tmp_path, f'  - {{key: top, label: 达标单位数, stat: count_if, when: "{when}"}}\n')
    entry = evaluate_cohort(rules, _entities())["e0"].cohort["top"]
    assert (entry.value, entry.size, dict(entry.working)) == (count, 8, {"n": 8, "count": count})


def test_count_if_says_whether_it_holds_for_the_entity(tmp_path: Path) -> None:
    """The explanation of an entity it holds for, and of one it does not; own is 1 or 0."""
    rules = _rules(tmp_path, "  - {key: top, label: 得分达5分的单位数, stat: count_if, when: x >= 5}\n")
    scored = evaluate_cohort(rules, _entities())
    assert explain(scored["e4"].item("1"), "zh")[0] == "得分达5分的单位数：本单位成立，8 个单位中 4 个成立"
    assert explain(scored["e0"].item("1"), "en")[0] == (
        "得分达5分的单位数: does not hold for this entity; holds for 4 of 8 entities"
    )
    assert (scored["e4"].cohort["top"].own, scored["e0"].cohort["top"].own) == (1, 0)


def test_the_sum_adds_the_values_exactly(tmp_path: Path) -> None:
    """0.1 + 0.2 + … is exact: 40.3 from 2, 4, 4, 4, 5, 5, 7, 9.3."""
    rules = _rules(tmp_path, "  - {key: total, label: 得分合计, stat: sum, of: x}\n")
    entry = evaluate_cohort(rules, _entities([*VALUES[:-1], "9.3"]))["e0"].cohort["total"]
    assert (entry.value, dict(entry.working)) == (D("40.3"), {"n": 8, "sum": D("40.3")})


# --- who is left out ---------------------------------------------------------------------------


def test_entities_with_no_value_are_left_out_of_every_new_stat(tmp_path: Path) -> None:
    """Item 1 does not apply to d and e: the stdev of its score is over a, b, c (0.4, 0.5,
    0.6: √(0.02 ÷ 3)); a count_if and a weighted mean reading c's blank target leave c
    out (of a, b, d, e: 3 meet their goal, 0.5 each, so the weighted mean is the mean),
    and each value says how many it left out."""
    items = (
        item_yaml("kind: formula\nexpr: share", item_id="1", points=1,
                  extra="not_applicable: {when: not has_ports, reason: no ports}")
        + item_yaml("kind: formula\nexpr: 0 * (sd + top + wm)", item_id="2")
    )  # fmt: skip
    facts = ("- {key: share, type: number, label: Share}\n"
             "- {key: has_ports, type: bool, label: Has ports}\n"
             "- {key: goal, type: number, label: Goal, role: target}")  # fmt: skip
    cohort = ('  - {key: sd, label: 份额标准差, stat: stdev, score: "1"}\n'
              "  - {key: top, label: 达标数, stat: count_if, when: share >= goal}\n"
              "  - {key: wm, label: 加权份额, stat: weighted_mean, of: share, weight: goal}\n")
    rules = _rules(tmp_path, cohort, facts=facts, items=items)
    entities = {
        "a": {"share": "0.4", "has_ports": True, "goal": "0.5"},
        "b": {"share": "0.5", "has_ports": True, "goal": "0.5"},
        "c": {"share": "0.6", "has_ports": True, "goal": None},
        "d": {"share": "0.9", "has_ports": False, "goal": "0.5"},
        "e": {"share": "0.9", "has_ports": False, "goal": "0.5"},
    }
    scored = evaluate_cohort(rules, entities)
    summaries = {s.key: (s.value, s.entities, s.left_out) for s in scored.summaries}
    assert summaries == {
        "sd": (D("0.08164965809277260327324280249019638"), ("a", "b", "c"), ("d", "e")),
        "top": (D(3), ("a", "b", "d", "e"), ("c",)),
        "wm": (D("0.675"), ("a", "b", "d", "e"), ("c",)),  # 1.35 ÷ 2
    }
    assert isqrt(2 * 10**72 // 300) == 81649658092772603273242802490196379  # √(0.02 ÷ 3): …37|9
    assert explain(scored["d"].item("2"), "zh")[:2] == [
        "份额标准差：3 个单位（另 2 个单位无可比的值，未计入）的标准差 ≈ 0.0816（平均值 0.5，"
        "离差平方和 0.02，方差 = 离差平方和 ÷ 3 ≈ 0.0067，标准差 = √方差 ≈ 0.0816）",
        "达标数：本单位成立，4 个单位（另 1 个单位无可比的值，未计入）中 3 个成立",
    ]


# --- what the rules may say, and what a given value may be ----------------------------------


@pytest.mark.parametrize(
    ("entry", "col", "message"),
    [
        ("{key: a, label: A, stat: mean, of: x, weight: x}", 51,
         "cohort[0].weight: weight weighs the values of a weighted_mean; a mean reads none"),
        ("{key: a, label: A, stat: weighted_mean, of: x}", 5,
         "cohort[0]: weighted_mean needs weight: what each entity's value weighs"),
        ("{key: a, label: A, stat: count_if, of: x, when: x > 1}", 44,
         "cohort[0].of: count_if counts the entities for which when holds; it reads no of"),
        ('{key: a, label: A, stat: count_if, score: "1", when: x > 1}', 47,
         "cohort[0].score: count_if counts the entities for which when holds; it reads no score"),
        ("{key: a, label: A, stat: count_if}", 5,
         "cohort[0]: count_if needs when: the condition an entity is counted on"),
        ("{key: a, label: A, stat: stdev, of: x, when: x > 1}", 50,
         "cohort[0].when: when is the condition of a count_if; a stdev reads none"),
        ("{key: a, label: A, stat: sum, of: x, places: 2}", 5,
         "cohort[0]: places rounds a mean, a median, a share, a stdev, a cv or a weighted mean, "
         "not a sum"),
        ("{key: a, label: A, stat: count_if, when: x}", 46,
         "cohort[0].when: must be a true/false condition, but 'x' is not"),
    ],
)  # fmt: skip
def test_what_a_stat_reads_is_checked_at_load(
    tmp_path: Path, entry: str, col: int, message: str
) -> None:
    """weight only on a weighted_mean (and required there), when only on a count_if (and
    required there, of and score refused), places not on a sum: each at its place."""
    root = _root(tmp_path, f"  - {entry}\n", items=item_yaml("kind: formula\nexpr: x"))
    with pytest.raises(RuleSetError) as caught:
        qualscore.load_rules(root)
    assert str(caught.value) == f"{root}/facts.yaml:4:{col}: {message}"


def test_a_weight_or_condition_is_read_like_of(tmp_path: Path) -> None:
    """A fact only a weight reads is not unread (no warning); a weight reading another
    cohort value puts it a level later, and a cycle through weights is named as such."""
    facts = ("- {key: x, type: number, label: x}\n- {key: pop, type: count, label: pop}\n"
             "- {key: big, type: number, label: big}")  # fmt: skip
    cohort = ("  - {key: wm, label: 加权, stat: weighted_mean, of: x, weight: pop}\n"
              "  - {key: n, label: 大于加权平均的单位数, stat: count_if, when: big > wm}\n")
    rules = _rules(tmp_path, cohort, facts=facts, items=item_yaml("kind: formula\nexpr: n"), points=10)
    assert [str(w) for w in qualscore.lint(rules)] == []
    assert [[d.key for d in level] for level in rules.cohort_levels] == [["wm"], ["n"]]
    knot = ("  - {key: a, label: A, stat: weighted_mean, of: x, weight: b}\n"
            "  - {key: b, label: B, stat: weighted_mean, of: x, weight: a}\n")  # fmt: skip
    root = _root(tmp_path, knot, facts=facts, items=item_yaml("kind: formula\nexpr: a + b"))
    with pytest.raises(RuleSetError) as caught:
        qualscore.load_rules(root)
    assert str(caught.value) == (
        f"{root}/facts.yaml:6:11: cohort value 'a' depends on itself: a → b → a "
        "(its weight reads 'b')"
    )


@pytest.mark.parametrize(
    ("stat", "bounds"),
    [("stdev", (0, None)), ("stdev_sample", (0, None)), ("cv", (0, None)), ("count_if", (0, None)),
     ("sum", (None, None)), ("weighted_mean", (None, None))],
)  # fmt: skip
def test_the_range_each_new_stat_can_take(stat: str, bounds: tuple[int | None, ...]) -> None:
    """A spread and a count are never below 0; a sum or a weighted mean may be anything."""
    extra = {"when": "true"} if stat == "count_if" else {"of": "1"}
    if stat == "weighted_mean":
        extra["weight"] = "1"
    decl = CohortDecl.model_validate({"key": "v", "label": "v", "stat": stat, **extra})
    assert decl.bounds == bounds
    assert decl.type == ("count" if stat == "count_if" else "number")


def test_coverage_knows_a_stdev_is_never_below_0(tmp_path: Path) -> None:
    """A step per −stdev never deducts, so qualscore test leaves it out of coverage; per
    −sum it may."""
    from qualscore.analyst.coverage import unreachable

    cohort = ("  - {key: sd, label: 标准差, stat: stdev, of: x}\n"
              "  - {key: total, label: 合计, stat: sum, of: x}\n")  # fmt: skip
    items = (item_yaml("kind: deductions\nsteps:\n  - {per: 0 - sd, points: 1}", item_id="1")
             + item_yaml("kind: deductions\nsteps:\n  - {per: 0 - total, points: 1}", item_id="2"))
    rules = _rules(tmp_path, cohort, items=items)
    assert [(b.key[0], b.key[2], why) for b, why in unreachable(rules)] == [
        ("1", "applied", "0 - sd is at most 0: nothing to deduct"),
    ]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"sd": "-0.5"}, "sd: -0.5 is not a stdev (a number from 0)"),
        ({"cv": "-1"}, "cv: -1 is not a cv (a number from 0)"),
        ({"top": "2.5"}, "top: 2.5 is not a count of the cohort (a whole number from 0 to 1,000,000)"),
        ({"wm": "101"}, "wm: 101 is not a weighted_mean of x, which lies in [0, 100]"),
    ],
)  # fmt: skip
def test_a_given_value_is_what_its_stat_can_be(
    tmp_path: Path, given: dict[str, str], message: str
) -> None:
    """A standard deviation or cv below 0, a count that is not whole, a weighted mean
    outside what it averages: refused; the edges (0, a sum of anything) are taken."""
    cohort = ("  - {key: sd, label: sd, stat: stdev, of: x}\n"
              "  - {key: cv, label: cv, stat: cv, of: x}\n"
              "  - {key: top, label: top, stat: count_if, when: x > 50}\n"
              "  - {key: wm, label: wm, stat: weighted_mean, of: x, weight: x}\n"
              "  - {key: total, label: total, stat: sum, of: x}\n")  # fmt: skip
    rules = _rules(tmp_path, cohort, facts="- {key: x, type: percent, label: x}")
    edges = {"sd": 0, "cv": 0, "top": 0, "wm": 100, "total": "-12345.6"}
    assert evaluate(rules, {"x": "60"}, cohort=edges).total == 0
    with pytest.raises(CohortError) as caught:
        evaluate(rules, {"x": "60"}, cohort={**edges, **given})
    assert str(caught.value) == f"<cohort>: {message}"


# --- batch, and the JSON an auditor recomputes from ---------------------------------------------


def test_batch_works_the_new_stats_out_as_evaluate_cohort(tmp_path: Path) -> None:
    """qualscore batch (two worker processes: the own values, weights with them, travel
    between processes) gives the same values as evaluate_cohort, and its JSON summaries
    carry the working."""
    cohort = ("  - {key: sds, label: 样本标准差, stat: stdev_sample, of: x, places: 2}\n"
              "  - {key: wm, label: 加权平均, stat: weighted_mean, of: x, weight: w, places: 3}\n"
              "  - {key: top, label: 达标数, stat: count_if, when: x >= 5}\n")
    facts = "- {key: x, type: number, label: x}\n- {key: w, type: count, label: w}"
    root = _root(tmp_path, cohort, facts=facts)
    entities = {f"e{i}": {"x": v, "w": i + 1} for i, v in enumerate(VALUES)}
    scored = evaluate_cohort(qualscore.load_rules(root), entities)
    table = tmp_path / "entities.csv"
    table.write_text("entity,x,w\n" + "".join(f"{n},{f['x']},{f['w']}\n"
                                              for n, f in entities.items()), "utf-8")  # fmt: skip
    out = tmp_path / "out.json"
    assert run_cli("batch", root, table, "--out", out, "--jobs", "2") == (0, "", "")
    doc = json.loads(out.read_text("utf-8"))
    assert {r["entity"]: r["cohort"] for r in doc["ranking"]} == {
        n: {k: format(e.value, "f") for k, e in r.cohort.items()} for n, r in scored.items()
    }
    assert {s["key"]: (s["value"], s["working"]) for s in doc["cohort"]} == {
        "sds": ("2.14", {"n": "8", "mean": "5", "squares": "32",
                         "variance": "4.571428571428571428571428571428571",
                         "unrounded": "2.138089935299395077476427847038028"}),
        "wm": ("5.944", {"n": "8", "weights": "36", "weighted": "214",
                         "unrounded": "5.944444444444444444444444444444444"}),
        "top": ("4", {"n": "8", "count": "4"}),
    }  # fmt: skip


def test_the_json_working_recomputes_every_spread(tmp_path: Path) -> None:
    """From the JSON alone: variance = squares ÷ n (or n − 1), the stdev its root, the cv
    the stdev over the mean, each to the digit the engine gave (34 significant digits)."""
    from qualscore._decimal import CONTEXT

    cohort = ("  - {key: sd, label: sd, stat: stdev, of: x}\n"
              "  - {key: sds, label: sds, stat: stdev_sample, of: x}\n"
              "  - {key: cv, label: cv, stat: cv, of: x}\n")  # fmt: skip
    rules = _rules(tmp_path, cohort)
    data = to_data(evaluate_cohort(rules, _entities(["1", "2", "2", "7.5"]))["e0"])["cohort"]
    for key, minus in (("sd", 0), ("sds", 1), ("cv", 0)):
        w = {k: D(v) for k, v in data[key]["working"].items()}
        variance = CONTEXT.divide(w["squares"], w["n"] - minus)
        assert variance == w["variance"]
        stdev = variance.sqrt(CONTEXT)
        want = CONTEXT.divide(stdev, w["mean"]) if key == "cv" else stdev
        assert D(data[key]["value"]) == want, key
    # The mean 12.5 ÷ 4 = 3.125; 2.125² + 1.125² + 1.125² + 4.375² = 26.1875.
    assert (data["sd"]["working"]["mean"], data["sd"]["working"]["squares"]) == ("3.125", "26.1875")


def test_a_weight_and_a_condition_may_read_named_values(tmp_path: Path) -> None:
    """``weight: people`` and ``when: rate >= 95`` where both are named values (worked out
    with the entity's scores): 98 × 2 + 90 × 6 = 736 over 8 people is 92; one rate is 95
    or more."""
    facts = "- {key: passed, type: count, label: passed}\n- {key: tested, type: count, label: tested}"
    cohort = ("  - {key: wm, label: 加权合格率, stat: weighted_mean, of: rate, weight: people}\n"
              "  - {key: top, label: 合格率达95的单位数, stat: count_if, when: rate >= 95}\n"
              "values:\n"
              "  - {key: rate, label: 合格率, expr: 100 * passed / tested}\n"
              "  - {key: people, label: 人数, expr: tested / 50}\n")  # fmt: skip
    rules = _rules(tmp_path, cohort, facts=facts)
    scored = evaluate_cohort(rules, {"甲": {"passed": 98, "tested": 100},
                                     "乙": {"passed": 270, "tested": 300}})  # fmt: skip
    assert (scored["甲"].cohort["wm"].value, scored["甲"].cohort["wm"].weight) == (D(92), D(2))
    assert (scored["乙"].cohort["top"].value, scored["乙"].cohort["top"].own) == (D(1), D(0))
