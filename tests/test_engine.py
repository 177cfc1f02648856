"""The engine, shape by shape, at the edges; then the examples/demo rule set by hand.

Every rule set here is written into ``tmp_path`` by the helpers in conftest.py.
Every expected number is an exact Decimal.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import textwrap
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pytest

import qualscore
from conftest import ROOT, item_yaml
from qualscore.cli.app import main
from qualscore.scoring.trace import (
    CasesTrace,
    DeductionsTrace,
    FormulaTrace,
    ItemResult,
    NodeResult,
    PartsTrace,
    TiersTrace,
)

D = Decimal
MakeRules = Callable[..., qualscore.RuleSet]

NUMBER = "- {key: v, type: number, label: The value}"
BOOLS_AND_NUMBER = """
- {key: a, type: bool, label: Condition a}
- {key: b, type: bool, label: Condition b}
- {key: v, type: number, label: The value}
"""


def one_item(
    make_rules: MakeRules, score_yaml: str, *, facts: str = NUMBER, points: str | int = 10,
    extra: str = "", **kwargs: Any,
) -> qualscore.RuleSet:
    """A rule set of one item "1" scored by ``score_yaml``."""
    return make_rules(facts, item_yaml(score_yaml, points=points, extra=extra), **kwargs)


def item(rules: qualscore.RuleSet, facts: Mapping[str, Any], item_id: str = "1") -> ItemResult:
    """Evaluate ``facts`` and return the result of one item."""
    return qualscore.evaluate(rules, facts).item(item_id)


def score(rules: qualscore.RuleSet, **facts: Any) -> Decimal:
    """The score of item "1"."""
    result = item(rules, facts).score
    assert isinstance(result, Decimal)
    return result


# --- tiers ---------------------------------------------------------------------

TIERS_AT_LEAST = """
kind: tiers
value: v
better: higher
bands:
  - {at_least: 90, points: 3}
  - {at_least: 80, below: 90, points: 2}
otherwise: 1
otherwise_label: under 80
"""


@pytest.mark.parametrize(
    ("value", "expected"),
    [("100", "3"), ("90", "3"), ("89.99", "2"), ("80", "2"), ("79.99", "1"), ("-5", "1")],
)
def test_tiers_at_least_includes_its_bound(make_rules: MakeRules, value: str, expected: str) -> None:
    """An at_least band includes its bound (90 is in ">= 90", 89.99 falls to the band below)."""
    rules = one_item(make_rules, TIERS_AT_LEAST)
    assert score(rules, v=value) == D(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("90.01", "3"), ("90", "2"), ("80.01", "2"), ("80", "0"), ("0", "0")],
)
def test_tiers_above_excludes_its_bound(make_rules: MakeRules, value: str, expected: str) -> None:
    """An above band excludes its bound, an at_most band includes it, and `otherwise` defaults to 0."""
    rules = one_item(make_rules, """
        kind: tiers
        value: v
        bands:
          - {above: 90, points: 3}
          - {above: 80, at_most: 90, points: 2}
    """)
    assert score(rules, v=value) == D(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("4.99", "2"), ("5", "1"), ("6", "1"), ("6.01", "0")],
)
def test_tiers_below_excludes_at_most_includes(
    make_rules: MakeRules, value: str, expected: str
) -> None:
    """A below bound excludes its value (5 is not below 5) while an at_most bound includes it."""
    rules = one_item(make_rules, """
        kind: tiers
        value: v
        better: lower
        bands:
          - {below: 5, points: 2}
          - {at_least: 5, at_most: 6, points: 1}
    """)
    assert score(rules, v=value) == D(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", "6"), ("2", "6"), ("2.01", "4"), ("5", "4"), ("5.01", "2"), ("9.99", "2"),
     ("10", "0"), ("12", "0")],
)
def test_tiers_lower_is_better(make_rules: MakeRules, value: str, expected: str) -> None:
    """With better: lower, a rate on an at_most bound keeps the better band and a hair above drops."""
    rules = one_item(make_rules, """
        kind: tiers
        value: v
        better: lower
        bands:
          - {at_most: 2, points: 6}
          - {above: 2, at_most: 5, points: 4}
          - {above: 5, below: 10, points: 2}
        otherwise: 0
        otherwise_label: 10 or more
    """)
    assert score(rules, v=value) == D(expected)


def test_tiers_first_matching_band_wins(make_rules: MakeRules) -> None:
    """Bands are checked in order and the first that contains the value scores, even if a later one pays more."""
    rules = one_item(make_rules, """
        kind: tiers
        value: v
        bands:
          - {at_least: 50, points: 1}
          - {at_least: 90, points: 3}
    """)
    assert score(rules, v="95") == D(1)


def test_tiers_trace_names_the_band_or_none(make_rules: MakeRules) -> None:
    """The tiers trace gives the input, the matched band's index, and None when `otherwise` applied."""
    rules = one_item(make_rules, TIERS_AT_LEAST)
    hit = item(rules, {"v": "85"}).shape
    assert isinstance(hit, TiersTrace)
    assert (hit.input, hit.matched, hit.value, hit.better) == (D(85), 1, D(2), "higher")
    assert (hit.bands[1].lower, hit.bands[1].lower_inclusive) == (D(80), True)
    assert (hit.bands[1].upper, hit.bands[1].upper_inclusive) == (D(90), False)
    miss = item(rules, {"v": "10"}).shape
    assert isinstance(miss, TiersTrace)
    assert (miss.matched, miss.value, miss.otherwise_label) == (None, D(1), "under 80")


def test_tiers_value_is_an_expression(make_rules: MakeRules) -> None:
    """A tiers value may be any number expression, evaluated exactly (180 / 2 = 90 is on the bound)."""
    rules = one_item(make_rules, TIERS_AT_LEAST.replace("value: v", "value: v / 2"))
    assert score(rules, v="180") == D(3)
    assert score(rules, v="179.98") == D(2)


# --- cases ---------------------------------------------------------------------

CASES = """
kind: cases
cases:
  - {when: v >= 10, points: 5, label: ten or more}
  - {when: v >= 5, points: 3}
otherwise: 1
otherwise_label: under 5
"""


@pytest.mark.parametrize(
    ("value", "expected", "matched"),
    [("12", "5", 0), ("10", "5", 0), ("9.99", "3", 1), ("5", "3", 1), ("4.99", "1", None)],
)
def test_cases_first_match_wins(
    make_rules: MakeRules, value: str, expected: str, matched: int | None
) -> None:
    """The first case that holds scores (12 satisfies both), and `otherwise` when none holds."""
    rules = one_item(make_rules, CASES)
    result = item(rules, {"v": value})
    assert result.score == D(expected)
    assert isinstance(result.shape, CasesTrace)
    assert result.shape.matched == matched


def test_cases_labels_default_to_the_condition(make_rules: MakeRules) -> None:
    """A case without a label is named in the trace by its condition as written."""
    rules = one_item(make_rules, CASES)
    trace = item(rules, {"v": "7"}).shape
    assert isinstance(trace, CasesTrace)
    assert trace.labels == ("ten or more", "v >= 5")
    assert trace.points == (D(5), D(3))


def test_cases_otherwise_defaults_to_zero(make_rules: MakeRules) -> None:
    """A cases shape without `otherwise` scores 0 when no condition holds."""
    rules = one_item(make_rules, """
        kind: cases
        cases:
          - {when: v > 0, points: 2}
    """)
    assert score(rules, v="0") == D(0)
    assert score(rules, v="0.01") == D(2)


# --- parts ---------------------------------------------------------------------

PARTS_WHEN = """
kind: parts
parts:
  - {label: Part A, when: a, points: 2, departments: [Dept A]}
  - {label: Part B, when: b, points: 3}
"""


@pytest.mark.parametrize(
    ("a", "b", "expected"), [(True, True, "5"), (True, False, "2"), (False, True, "3"),
                             (False, False, "0")],
)
def test_parts_when_awards_only_when_true(
    make_rules: MakeRules, a: bool, b: bool, expected: str
) -> None:
    """A `when` part awards its points when its condition holds and 0 when it does not."""
    rules = one_item(make_rules, PARTS_WHEN, facts=BOOLS_AND_NUMBER, points=5)
    assert score(rules, a=a, b=b, v=0) == D(expected)


def test_parts_trace_keeps_per_part_departments(make_rules: MakeRules) -> None:
    """Each part's trace records whether it held, what it awarded and its own departments."""
    rules = one_item(make_rules, PARTS_WHEN, facts=BOOLS_AND_NUMBER, points=5)
    trace = item(rules, {"a": True, "b": False, "v": 0}).shape
    assert isinstance(trace, PartsTrace)
    first, second = trace.parts
    assert (first.kind, first.held, first.awarded, first.departments) == ("when", True, D(2), ("Dept A",))
    assert (second.held, second.awarded, second.departments) == (False, D(0), ())
    assert trace.value == D(2)


@pytest.mark.parametrize(
    ("units", "expected"), [("0", "0"), ("1", "0.4"), ("2.5", "1"), ("-3", "0")],
)
def test_parts_each_multiplies_units(make_rules: MakeRules, units: str, expected: str) -> None:
    """An `each` part awards points × units (2.5 × 0.4 = 1.0); a negative count awards nothing."""
    rules = one_item(make_rules, """
        kind: parts
        parts:
          - {label: Per unit, each: v, points: 0.4}
    """)
    result = item(rules, {"v": units})
    assert result.score == D(expected)
    assert isinstance(result.shape, PartsTrace)
    assert result.shape.parts[0].units == max(D(units), D(0))


def test_parts_item_cap_binds(make_rules: MakeRules) -> None:
    """Parts that add to more than the item's points are cut to the item's points, and the clamp is recorded."""
    rules = one_item(make_rules, """
        kind: parts
        parts:
          - {label: Part A, when: a, points: 4}
          - {label: Part B, when: b, points: 4}
    """, facts=BOOLS_AND_NUMBER, points=5)
    both = item(rules, {"a": True, "b": True, "v": 0})
    assert (both.score, both.raw, both.clamped) == (D(5), D(8), True)
    one = item(rules, {"a": True, "b": False, "v": 0})
    assert (one.score, one.raw, one.clamped) == (D(4), D(4), False)


def test_parts_each_capped_at_item_points(make_rules: MakeRules) -> None:
    """An `each` line that adds beyond the item's points is capped at them (30 × 0.4 = 12 -> 10)."""
    rules = one_item(make_rules, """
        kind: parts
        parts:
          - {label: Per unit, each: v, points: 0.4}
    """)
    result = item(rules, {"v": "30"})
    assert (result.score, result.raw, result.clamped) == (D(10), D(12), True)


NESTED = """
kind: parts
parts:
  - {label: Flag, when: a, points: 1}
  - label: Nested
    points: 3
    departments: [Dept N]
    score: {kind: formula, expr: v}
"""


@pytest.mark.parametrize(
    ("value", "awarded", "capped"), [("5", "3", True), ("3", "3", False), ("2", "2", False)],
)
def test_parts_nested_score_capped_at_part_points(
    make_rules: MakeRules, value: str, awarded: str, capped: bool
) -> None:
    """A nested score is cut to its part's points (5 -> 3), and the part's trace says so."""
    rules = one_item(make_rules, NESTED, facts=BOOLS_AND_NUMBER, points=4)
    result = item(rules, {"a": True, "b": False, "v": value})
    assert isinstance(result.shape, PartsTrace)
    part = result.shape.parts[1]
    assert (part.kind, part.awarded, part.capped, part.departments) == (
        "score", D(awarded), capped, ("Dept N",))
    assert isinstance(part.inner, FormulaTrace)
    assert part.inner.value == D(value)
    assert result.score == D(1) + D(awarded)


def test_parts_nested_deductions_start_from_part_points(make_rules: MakeRules) -> None:
    """Nested deductions start from their part's points, not the item's, unless `from` says otherwise."""
    rules = one_item(make_rules, """
        kind: parts
        parts:
          - label: Nested
            points: 3
            score:
              kind: deductions
              steps:
                - {when: a, points: 1}
          - label: From five
            points: 2
            score:
              kind: deductions
              from: 5
              steps:
                - {when: b, points: 1}
    """, facts=BOOLS_AND_NUMBER, points=10)
    result = item(rules, {"a": True, "b": True, "v": 0})
    assert isinstance(result.shape, PartsTrace)
    first, second = result.shape.parts
    assert isinstance(first.inner, DeductionsTrace)
    assert (first.inner.start, first.awarded) == (D(3), D(2))
    assert isinstance(second.inner, DeductionsTrace)
    assert (second.inner.start, second.inner.value, second.awarded, second.capped) == (
        D(5), D(4), D(2), True)
    assert result.score == D(4)


# --- deductions ----------------------------------------------------------------


def test_deductions_unless_deducts_when_condition_fails(make_rules: MakeRules) -> None:
    """An `unless` step deducts when its condition does not hold (a missing part), else nothing."""
    rules = one_item(make_rules, """
        kind: deductions
        steps:
          - {label: Missing A, unless: a, points: 2}
    """, facts=BOOLS_AND_NUMBER)
    assert score(rules, a=False, b=False, v=0) == D(8)
    assert score(rules, a=True, b=False, v=0) == D(10)
    trace = item(rules, {"a": False, "b": False, "v": 0}).shape
    assert isinstance(trace, DeductionsTrace)
    step = trace.steps[0]
    assert (step.label, step.kind, step.applied, step.deducted) == ("Missing A", "unless", True, D(2))


def test_deductions_when_deducts_when_condition_holds(make_rules: MakeRules) -> None:
    """A `when` step deducts when its condition holds, and is labelled by its condition if unlabelled."""
    rules = one_item(make_rules, """
        kind: deductions
        steps:
          - {when: b, points: 2.5}
    """, facts=BOOLS_AND_NUMBER)
    assert score(rules, a=False, b=True, v=0) == D("7.5")
    assert score(rules, a=False, b=False, v=0) == D(10)
    trace = item(rules, {"a": False, "b": True, "v": 0}).shape
    assert isinstance(trace, DeductionsTrace)
    assert (trace.steps[0].label, trace.steps[0].kind) == ("b", "when")


@pytest.mark.parametrize(
    ("value", "expected"), [("0", "10"), ("3", "8.5"), ("2.5", "8.75"), ("-4", "10")],
)
def test_deductions_per_unit(make_rules: MakeRules, value: str, expected: str) -> None:
    """A `per` step deducts points × value, fractions included; a value <= 0 deducts nothing."""
    rules = one_item(make_rules, """
        kind: deductions
        steps:
          - {per: v, points: 0.5}
    """)
    assert score(rules, v=value) == D(expected)


def test_deductions_negative_per_is_not_applied(make_rules: MakeRules) -> None:
    """A negative `per` value is recorded as not applied, with nothing deducted (no bonus from a surplus)."""
    rules = one_item(make_rules, """
        kind: deductions
        steps:
          - {per: v, points: 1}
    """)
    result = item(rules, {"v": "-4"})
    assert isinstance(result.shape, DeductionsTrace)
    step = result.shape.steps[0]
    assert (step.applied, step.deducted, step.units) == (False, D(0), D(0))
    assert result.score == D(10)


@pytest.mark.parametrize(
    ("value", "units", "expected"),
    [("0", "0", "10"), ("0.01", "1", "9"), ("5", "1", "9"), ("5.01", "2", "8"), ("10", "2", "8"),
     ("10.01", "3", "7"), ("-3", "0", "10")],
)
def test_deductions_every_counts_started_units(
    make_rules: MakeRules, value: str, units: str, expected: str
) -> None:
    """With `every: 5`, each started 5 units deducts once: exactly 10 is 2 units, 10.01 is 3."""
    rules = one_item(make_rules, """
        kind: deductions
        steps:
          - {per: v, every: 5, points: 1}
    """)
    result = item(rules, {"v": value})
    assert result.score == D(expected)
    assert isinstance(result.shape, DeductionsTrace)
    assert result.shape.steps[0].units == D(units)


@pytest.mark.parametrize(
    ("value", "deducted", "capped"), [("2", "2", False), ("3", "3", False), ("3.01", "3", True),
                                      ("5", "3", True)],
)
def test_deductions_max_caps_a_per_step(
    make_rules: MakeRules, value: str, deducted: str, capped: bool
) -> None:
    """A per step's `max` caps what it deducts; a deduction exactly at the max is not marked capped."""
    rules = one_item(make_rules, """
        kind: deductions
        steps:
          - {per: v, points: 1, max: 3}
    """)
    result = item(rules, {"v": value})
    assert isinstance(result.shape, DeductionsTrace)
    step = result.shape.steps[0]
    assert (step.deducted, step.capped) == (D(deducted), capped)
    assert result.score == D(10) - D(deducted)


@pytest.mark.parametrize(
    ("value", "expected", "floored"), [("1", "3", False), ("2", "2", False), ("3", "2", True),
                                       ("2.01", "2", True)],
)
def test_deductions_floor(make_rules: MakeRules, value: str, expected: str, floored: bool) -> None:
    """Deductions never go below `floor`; landing exactly on the floor is not marked floored."""
    rules = one_item(make_rules, """
        kind: deductions
        steps:
          - {when: b, points: 6}
          - {per: v, points: 1}
        floor: 2
    """, facts=BOOLS_AND_NUMBER)
    result = item(rules, {"a": False, "b": True, "v": value})
    assert result.score == D(expected)
    assert isinstance(result.shape, DeductionsTrace)
    assert (result.shape.floor, result.shape.floored) == (D(2), floored)


def test_deductions_default_floor_is_zero(make_rules: MakeRules) -> None:
    """Without a floor, deductions that exceed the start leave 0, never a negative score."""
    rules = one_item(make_rules, """
        kind: deductions
        steps:
          - {per: v, points: 1}
    """)
    result = item(rules, {"v": "25"})
    assert isinstance(result.shape, DeductionsTrace)
    assert (result.shape.value, result.shape.floored, result.score) == (D(0), True, D(0))


def test_deductions_from_sets_the_start(make_rules: MakeRules) -> None:
    """`from` sets the starting value instead of the item's points."""
    rules = one_item(make_rules, """
        kind: deductions
        from: 6
        steps:
          - {per: v, points: 0.5}
    """)
    result = item(rules, {"v": "1"})
    assert isinstance(result.shape, DeductionsTrace)
    assert (result.shape.start, result.score) == (D(6), D("5.5"))


# --- formula and rounding ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "clamped"),
    [("7", "5", True), ("5", "5", False), ("3.5", "3.5", False), ("0", "0", False),
     ("-2", "0", True), ("5.001", "5", True), ("-0.001", "0", True)],
)
def test_formula_clamped_to_zero_and_points(
    make_rules: MakeRules, value: str, expected: str, clamped: bool
) -> None:
    """A formula's value is clamped to [0, points] at both ends, and the raw value and clamp are kept."""
    rules = one_item(make_rules, "{kind: formula, expr: v}", points=5)
    result = item(rules, {"v": value})
    assert (result.score, result.raw, result.clamped) == (D(expected), D(value), clamped)
    assert isinstance(result.shape, FormulaTrace)
    assert (result.shape.expr, result.shape.value) == ("v", D(value))


@pytest.mark.parametrize(
    ("mode", "value", "expected"),
    [("half_up", "1.625", "1.63"), ("half_up", "1.6249", "1.62"), ("half_up", "1.615", "1.62"),
     ("half_up", "1.635", "1.64"), ("half_even", "1.625", "1.62"), ("half_even", "1.635", "1.64"),
     ("half_even", "1.6251", "1.63"), ("half_even", "1.615", "1.62"), ("down", "1.629", "1.62"),
     ("up", "1.621", "1.63"), ("half_up", "2", "2.00")],
)
def test_rounding_modes_at_the_half(
    make_rules: MakeRules, mode: str, value: str, expected: str
) -> None:
    """An item's score is rounded to the declared places in the declared mode (half_up: 1.625 -> 1.63)."""
    rules = one_item(make_rules, "{kind: formula, expr: v}", points=5,
                     rounding=f"{{places: 2, mode: {mode}}}")
    result = score(rules, v=value)
    assert str(result) == expected
    assert result == D(expected)


def test_rounding_half_up_of_an_exact_quotient(make_rules: MakeRules) -> None:
    """13 / 8 is exactly 1.625 and rounds half up to 1.63, with no float error pulling it down."""
    rules = one_item(make_rules, "{kind: formula, expr: v / 8}", points=5)
    assert score(rules, v="13") == D("1.63")
    assert score(rules, v="12.9992") == D("1.62")


@pytest.mark.parametrize(("mode", "expected"), [("half_up", "3"), ("half_even", "2")])
def test_rounding_to_whole_points(make_rules: MakeRules, mode: str, expected: str) -> None:
    """With places: 0, 2.5 rounds to 3 half up and to 2 half even."""
    rules = one_item(make_rules, "{kind: formula, expr: v}", points=5,
                     rounding=f"{{places: 0, mode: {mode}}}")
    assert str(score(rules, v="2.5")) == expected


def test_rounding_happens_once_per_item(make_rules: MakeRules) -> None:
    """Parts are summed exactly and the item rounded once: 0.005 + 0.005 = 0.01, not 0.01 + 0.01."""
    rules = one_item(make_rules, """
        kind: parts
        parts:
          - {label: One, each: v, points: 0.005}
          - {label: Two, each: v, points: 0.005}
    """)
    result = item(rules, {"v": "1"})
    assert (result.raw, result.score) == (D("0.010"), D("0.01"))


def test_formula_round_half_up_function(make_rules: MakeRules) -> None:
    """round_half_up(x, 1) in an expression rounds 1.25 to 1.3 exactly."""
    rules = one_item(make_rules, "{kind: formula, expr: 'round_half_up(v, 1)'}", points=5)
    assert score(rules, v="1.25") == D("1.3")
    assert score(rules, v="1.2499") == D("1.2")


def test_formula_division_by_zero_names_the_item(make_rules: MakeRules) -> None:
    """A division by zero raises EvaluationError naming the item and the expression."""
    rules = make_rules(NUMBER, item_yaml("{kind: formula, expr: 10 / v}", item_id="3.2"))
    with pytest.raises(qualscore.EvaluationError) as caught:
        qualscore.evaluate(rules, {"v": 0})
    assert caught.value.rule_id == "3.2"
    assert caught.value.message == "10 / v: division by zero"
    assert str(caught.value) == "item 3.2: 10 / v: division by zero"


def test_division_by_zero_in_a_nested_shape_names_the_item(make_rules: MakeRules) -> None:
    """A division by zero inside a nested tiers value still names the enclosing item."""
    rules = make_rules(NUMBER, item_yaml("""
        kind: parts
        parts:
          - label: Nested
            points: 2
            score:
              kind: tiers
              value: 1 / v
              bands:
                - {at_least: 1, points: 2}
    """, item_id="7"))
    with pytest.raises(qualscore.EvaluationError) as caught:
        qualscore.evaluate(rules, {"v": 0})
    assert caught.value.rule_id == "7"


def test_zero_divided_by_zero_raises_evaluation_error(make_rules: MakeRules) -> None:
    """0 / 0 raises EvaluationError naming the item, not a bare decimal exception."""
    rules = make_rules(NUMBER, item_yaml("{kind: formula, expr: v / v}", item_id="3.2"))
    with pytest.raises(qualscore.EvaluationError) as caught:
        qualscore.evaluate(rules, {"v": 0})
    assert caught.value.rule_id == "3.2"


def test_zero_divided_by_zero_says_division_by_zero(make_rules: MakeRules) -> None:
    """0 / 0 is reported as a division by zero, like 10 / 0."""
    rules = make_rules(NUMBER, item_yaml("{kind: formula, expr: v / v}", item_id="3.2"))
    with pytest.raises(qualscore.EvaluationError) as caught:
        qualscore.evaluate(rules, {"v": 0})
    assert caught.value.message == "v / v: division by zero"


def test_negative_zero_scores_plain_zero(make_rules: MakeRules) -> None:
    """A formula that evaluates to negative zero (0 × -1) scores a plain, unsigned 0.00."""
    rules = one_item(make_rules, "{kind: formula, expr: v * -1}", points=5)
    result = score(rules, v="0")
    assert result == D(0)
    assert str(result) == "0.00"


# --- not applicable --------------------------------------------------------------

NA_FACTS = """
- {key: present, type: bool, label: Something to assess}
- {key: v, type: number, label: The value}
"""


@pytest.mark.parametrize(
    ("award", "expected"), [("", "4"), ("award: 1.5", "1.5"), ("award: 0", "0"), ("award: 7", "4")],
)
def test_not_applicable_awards(make_rules: MakeRules, award: str, expected: str) -> None:
    """A not-applicable item awards its points by default, else `award` (within [0, points])."""
    extra = f"""
        not_applicable:
          when: not present
          {award}
          reason: Nothing to assess
    """
    rules = one_item(make_rules, "{kind: formula, expr: 10 / v}", facts=NA_FACTS, points=4,
                     extra=extra)
    result = item(rules, {"present": False, "v": 0})
    assert result.score == D(expected)
    assert (result.not_applicable, result.shape) == ("Nothing to assess", None)


def test_not_applicable_false_scores_the_shape(make_rules: MakeRules) -> None:
    """When the not-applicable condition does not hold, the shape scores as usual."""
    rules = one_item(make_rules, "{kind: formula, expr: 10 / v}", facts=NA_FACTS, points=4, extra="""
        not_applicable:
          when: not present
          award: 1
          reason: Nothing to assess
    """)
    result = item(rules, {"present": True, "v": 4})
    assert (result.score, result.not_applicable) == (D("2.5"), None)
    assert isinstance(result.shape, FormulaTrace)


# --- indicators, categories, bonus, vetoes -------------------------------------------

PAIR_FACTS = """
- {key: a, type: number, label: Value a}
- {key: b, type: number, label: Value b}
"""


def indicator_yaml(points: str | int) -> str:
    """Indicator "2" of declared ``points`` holding items 2.1 (expr a) and 2.2 (expr b), 4 points each."""
    items = item_yaml("{kind: formula, expr: a}", item_id="2.1", points=4) + item_yaml(
        "{kind: formula, expr: b}", item_id="2.2", points=4)
    return f'- id: "2"\n  title: Indicator 2\n  points: {points}\n  items:\n' + textwrap.indent(
        items, "    ")


@pytest.mark.parametrize(
    ("a", "b", "total", "expected", "capped"),
    [("4", "4", "8", "6", "True"), ("4", "2", "6", "6", "False"), ("1", "2", "3", "3", "False")],
)
def test_indicator_cap(
    make_rules: MakeRules, a: str, b: str, total: str, expected: str, capped: str
) -> None:
    """An indicator scores its items' sum capped at its declared points (8 -> 6); exactly 6 is not capped."""
    rules = make_rules(PAIR_FACTS, indicator_yaml(6))
    result = qualscore.evaluate(rules, {"a": a, "b": b})
    node = result.categories[0].children[0]
    assert isinstance(node, NodeResult)
    assert (node.kind, node.sum, node.score, node.capped) == (
        "indicator", D(total), D(expected), capped == "True")
    assert node.lost == D(6) - D(expected)
    assert [i.id for i in node.items] == ["2.1", "2.2"]


@pytest.mark.parametrize(
    ("a", "b", "total", "expected", "capped"),
    [("4", "3", "7", "5", "True"), ("3", "2", "5", "5", "False"), ("2", "2", "4", "4", "False")],
)
def test_category_cap(
    make_rules: MakeRules, a: str, b: str, total: str, expected: str, capped: str
) -> None:
    """A category scores its children's sum capped at its declared points, and the total follows it."""
    items = item_yaml("{kind: formula, expr: a}", item_id="1", points=4) + item_yaml(
        "{kind: formula, expr: b}", item_id="2", points=4)
    rules = make_rules(PAIR_FACTS, items, points=5)
    result = qualscore.evaluate(rules, {"a": a, "b": b})
    category = result.categories[0]
    assert (category.kind, category.sum, category.score, category.capped) == (
        "category", D(total), D(expected), capped == "True")
    assert (result.total, result.possible) == (D(expected), D(5))


def test_category_sums_capped_indicator_scores(make_rules: MakeRules) -> None:
    """A category adds its indicators' capped scores, not their raw sums."""
    rules = make_rules(PAIR_FACTS, indicator_yaml(6) + item_yaml(
        "{kind: formula, expr: a}", item_id="3", points=4))
    result = qualscore.evaluate(rules, {"a": "4", "b": "4"})
    assert (result.categories[0].sum, result.total) == (D(10), D(10))


BONUS = """
bonus:
  title: Bonus
  points: 3
  criteria: Extra points, at most 3.
  departments: [Test Department]
  score:
    kind: parts
    parts:
      - {label: Awards, each: awards, points: 1}
      - {label: Named, when: named, points: 2}
"""
BONUS_FACTS = """
- {key: v, type: number, label: The value}
- {key: awards, type: count, label: Awards}
- {key: named, type: bool, label: Named}
"""


@pytest.mark.parametrize(
    ("awards", "named", "raw", "bonus"),
    [(0, False, "0", "0"), (1, False, "1", "1"), (3, False, "3", "3"), (4, False, "4", "3"),
     (2, True, "4", "3")],
)
def test_bonus_capped_and_added_to_total(
    make_rules: MakeRules, awards: int, named: bool, raw: str, bonus: str
) -> None:
    """The bonus is capped at its points (4 -> 3) and added to the categories' sum."""
    rules = one_item(make_rules, "{kind: formula, expr: v}", facts=BONUS_FACTS, manifest_yaml=BONUS)
    result = qualscore.evaluate(rules, {"v": "7.25", "awards": awards, "named": named})
    assert result.bonus is not None
    assert (result.bonus.raw, result.bonus.score, result.bonus.clamped) == (
        D(raw), D(bonus), D(raw) > D(3))
    assert result.item("bonus") is result.bonus
    assert result.total == D("7.25") + D(bonus)
    assert result.possible == D(100)


def test_no_bonus(make_rules: MakeRules) -> None:
    """A rule set without a bonus has result.bonus None and a total of the categories alone."""
    rules = one_item(make_rules, "{kind: formula, expr: v}")
    result = qualscore.evaluate(rules, {"v": "1.5"})
    assert (result.bonus, result.total) == (None, D("1.5"))


VETOES = """
normal_result: Passed
vetoes:
  - id: veto
    title: Veto
    when: concealed
    result: Failed
    criteria: Concealing an incident fails the assessment.
    departments: [Test Department]
  - id: veto2
    title: Second veto
    when: v > 100
    result: Failed badly
    criteria: A value over 100 fails the assessment.
    departments: [Test Department]
"""
VETO_FACTS = """
- {key: v, type: number, label: The value}
- {key: concealed, type: bool, label: An incident was concealed}
"""


@pytest.mark.parametrize(
    ("concealed", "value", "vetoed", "label"),
    [(False, "100", False, "Passed"), (True, "100", True, "Failed"),
     (False, "100.01", True, "Failed badly"), (True, "100.01", True, "Failed")],
)
def test_veto_changes_result_not_score(
    make_rules: MakeRules, concealed: bool, value: str, vetoed: bool, label: str
) -> None:
    """A veto that holds sets result and result_label (the first held, in order) and leaves the total."""
    rules = one_item(make_rules, "{kind: formula, expr: v}", facts=VETO_FACTS, manifest_yaml=VETOES)
    result = qualscore.evaluate(rules, {"v": value, "concealed": concealed})
    assert (result.vetoed, result.result, result.result_label) == (
        vetoed, "vetoed" if vetoed else "scored", label)
    assert result.total == D(10)
    assert [v.held for v in result.vetoes] == [concealed, D(value) > 100]


def test_no_normal_result_gives_no_label(make_rules: MakeRules) -> None:
    """Without normal_result and without a held veto, result_label is None."""
    rules = one_item(make_rules, "{kind: formula, expr: v}")
    result = qualscore.evaluate(rules, {"v": "1"})
    assert (result.vetoed, result.result, result.result_label, result.vetoes) == (
        False, "scored", None, ())


# --- exactness ------------------------------------------------------------------------


def test_decimal_sum_is_exact_from_floats(make_rules: MakeRules) -> None:
    """Facts given as Python floats 0.1 and 0.2 add to exactly Decimal('0.3'), never 0.30000000000000004."""
    rules = one_item(make_rules, "{kind: formula, expr: a + b}", facts=PAIR_FACTS)
    result = item(rules, {"a": 0.1, "b": 0.2})
    assert isinstance(result.raw, Decimal)
    assert isinstance(result.score, Decimal)
    assert (result.raw, result.score) == (D("0.3"), D("0.30"))


def test_ten_tenths_make_exactly_one(make_rules: MakeRules) -> None:
    """Ten items of 0.1 each add to a category sum and total of exactly 1."""
    items = "".join(item_yaml("{kind: formula, expr: v}", item_id=str(n), points=1)
                    for n in range(1, 11))
    rules = make_rules(NUMBER, items, points=10)
    result = qualscore.evaluate(rules, {"v": "0.1"})
    assert result.categories[0].sum == D(1)
    assert result.total == D(1)
    assert isinstance(result.total, Decimal)


def _floats(value: Any, path: str = "result") -> list[str]:
    """Where a float hides in a trace."""
    if isinstance(value, float):
        return [path]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [p for f in dataclasses.fields(value)
                for p in _floats(getattr(value, f.name), f"{path}.{f.name}")]
    if isinstance(value, tuple | list):
        return [p for i, v in enumerate(value) for p in _floats(v, f"{path}[{i}]")]
    return []


def test_no_float_anywhere_in_a_result(make_rules: MakeRules) -> None:
    """Every number in a result and its traces is a Decimal: no float anywhere."""
    items = (item_yaml(TIERS_AT_LEAST.replace("value: v", "value: a"), item_id="1")
             + item_yaml(CASES.replace("v >=", "a >="), item_id="2")
             + item_yaml("""
                 kind: parts
                 parts:
                   - {label: Each, each: b, points: 0.3}
                   - label: Nested
                     points: 2
                     score:
                       kind: deductions
                       steps:
                         - {per: a, every: 7, points: 0.25, max: 1}
               """, item_id="3")
             + item_yaml("{kind: formula, expr: a / 3}", item_id="4"))
    rules = make_rules(PAIR_FACTS, items)
    result = qualscore.evaluate(rules, {"a": 85.5, "b": 2.5})
    assert _floats(result) == []
    numbers = [result.total, result.possible, result.categories[0].sum]
    numbers += [n for i in result.items for n in (i.score, i.raw, i.points, i.lost)]
    assert all(isinstance(n, Decimal) for n in numbers)
    # 85.5 / 3 = 28.5, clamped to the item's 10 points.
    assert (result.item("4").raw, result.item("4").score) == (D("28.5"), D(10))
    # 2.5 × 0.3 = 0.75; nested: ceil(85.5 / 7) = 13 started units × 0.25 = 3.25, max 1: 2 - 1 = 1.
    assert result.item("3").score == D("1.75")


# --- examples/demo ----------------------------------------------------------------------

DEMO = ROOT / "examples" / "demo"


@pytest.fixture(scope="module")
def demo() -> qualscore.RuleSet:
    """The demo rule set."""
    return qualscore.load_rules(DEMO)


def demo_result(demo: qualscore.RuleSet, county: str) -> qualscore.Result:
    """The demo evaluated for one of its facts files."""
    return qualscore.evaluate(demo, qualscore.load_facts(demo, DEMO / "facts" / f"{county}.yaml"))


def scores(result: qualscore.Result) -> dict[str, Decimal]:
    """Every item's score by id."""
    return {i.id: i.score for i in result.items}


def test_demo_loads_and_warns_only_where_intended(demo: qualscore.RuleSet) -> None:
    """The demo loads with 11 items, a target fact, and two intended warnings: indicator 3's cap
    binds, and item 8's formula relies on the clamp to [0, 5]."""
    assert (demo.id, demo.manifest.language, demo.manifest.total_points) == ("riverton-2024", "en", D(50))
    assert [i.id for i in demo.items()] == ["1", "2", "3.1", "3.2", "3.3", "4", "5", "6", "7", "8", "9"]
    assert demo.fact("training_hours_target").role == "target"
    assert len(demo.checks.checks) == 2
    warnings = qualscore.lint(demo)
    assert [(w.node, w.message) for w in warnings] == [
        ("indicator 3", "its items add to 12, more than its declared 10 points; the cap of 10 binds"),
        ("item 8", "its formula gives -10 at literacy_rate = 0, below 0, and ≈ 6.6667 at "
                   "literacy_rate = 100, more than its 5 points; the score is clamped to [0, 5]"),
    ]


def test_demo_uses_every_shape(demo: qualscore.RuleSet) -> None:
    """The demo's items and bonus use all five shapes, nested deductions included."""
    kinds = {i.score.kind for i in demo.items()}
    assert kinds == {"parts", "tiers", "cases", "deductions", "formula"}
    nested = [p.score.kind for i in demo.items() if i.score.kind == "parts"
              for p in i.score.parts if p.score is not None]
    assert nested == ["deductions"]


def test_demo_good_county(demo: qualscore.RuleSet) -> None:
    """good-county: 25 + 24.05 + bonus 1.5 = 50.55, passed."""
    result = demo_result(demo, "good-county")
    # Oversight: 1 = 2 + 1 (4 meetings, on the bound) + 3 (no shortfall) = 6; 2: 520 >= 500 -> 4;
    # 3.1 = 4 (100%), 3.2 = 4, 3.3 = 4 (no deduction): indicator 3 adds 12, capped at 10;
    # 4: 20/20 = 100% -> 5. Category 6 + 4 + 10 + 5 = 25.
    # Outcomes: 5: 1.8 <= 2 -> 6; 6: 5 - 2 × 0.25 = 4.5; 7: 4; 8: (87.3 - 60) / 30 × 5 = 4.55;
    # 9: 96.5 > 95 -> 5. Category 6 + 4.5 + 4 + 4.55 + 5 = 24.05.
    # Bonus: 1 × 0.5 + 1 × 1 = 1.5.
    assert scores(result) == {
        "1": D(6), "2": D(4), "3.1": D(4), "3.2": D(4), "3.3": D(4), "4": D(5),
        "5": D(6), "6": D("4.5"), "7": D(4), "8": D("4.55"), "9": D(5), "bonus": D("1.5"),
    }
    oversight, outcomes = result.categories
    indicator = oversight.children[2]
    assert isinstance(indicator, NodeResult)
    assert (indicator.id, indicator.sum, indicator.score, indicator.capped) == ("3", D(12), D(10), True)
    assert (oversight.score, outcomes.score) == (D(25), D("24.05"))
    assert (result.total, result.possible) == (D("50.55"), D(50))
    assert (result.vetoed, result.result, result.result_label) == (False, "scored", "Passed")


def test_demo_weak_county(demo: qualscore.RuleSet) -> None:
    """weak-county: three items not applicable, low and edge bands, floor and caps: 14 + 5 + 3 = 22."""
    result = demo_result(demo, "weak-county")
    # 1: 0 + 0 (3 meetings) + training: 40 - 12.5 = 27.5 short = 3 started tens × 1 = 3, max 2 -> 1.
    # 2: 450 >= 0.9 × 500 = 450 exactly -> 2. 3.1: 94.99 -> 2. 3.2: 0 + 2 (5 stations) = 2.
    # 3.3: no failed sample -> not applicable, 4. Indicator 3: 2 + 2 + 4 = 8, not capped.
    # 4: no workshops -> not applicable, award 3. Category 1 + 2 + 8 + 3 = 14.
    # 5: rate 10 is not below 10 -> 0. 6: 5 - (11 × 0.25 = 2.75, max 2) - 1 - 2 = 0 -> floor 1.
    # 7: no schools -> not applicable, 4. 8: (55 - 60) / 30 × 5 < 0 -> 0. 9: 85 is not above 85 -> 0.
    # Category 0 + 1 + 4 + 0 + 0 = 5. Bonus: 3 × 0.5 + 2 × 1 = 3.5, capped at 3.
    assert scores(result) == {
        "1": D(1), "2": D(2), "3.1": D(2), "3.2": D(2), "3.3": D(4), "4": D(3),
        "5": D(0), "6": D(1), "7": D(4), "8": D(0), "9": D(0), "bonus": D(3),
    }
    assert [i.id for i in result.items if i.not_applicable] == ["3.3", "4", "7"]
    training = result.item("1").shape
    assert isinstance(training, PartsTrace)
    inner = training.parts[2].inner
    assert isinstance(inner, DeductionsTrace)
    assert (inner.steps[0].units, inner.steps[0].deducted, inner.steps[0].capped) == (D(3), D(2), True)
    complaints = result.item("6").shape
    assert isinstance(complaints, DeductionsTrace)
    assert (complaints.steps[0].capped, complaints.floored, complaints.value) == (True, True, D(1))
    literacy = result.item("8")
    assert (literacy.clamped, literacy.raw < 0) == (True, True)
    assert result.bonus is not None
    assert (result.bonus.raw, result.bonus.clamped) == (D("3.5"), True)
    indicator = result.categories[0].children[2]
    assert isinstance(indicator, NodeResult)
    assert (indicator.sum, indicator.capped) == (D(8), False)
    assert [c.score for c in result.categories] == [D(14), D(5)]
    assert result.total == D(22)
    assert (result.vetoed, result.result_label) == (False, "Passed")


def test_demo_vetoed_county(demo: qualscore.RuleSet) -> None:
    """vetoed-county: 16.5 + 17.83 + bonus 2 = 36.33 is still computed, but the veto fails it."""
    result = demo_result(demo, "vetoed-county")
    # 1: 2 + 1 + (5 hours short: 1 started ten, -1) 2 = 5. 2: 480 >= 450 -> 2. 3.1: 97.5 -> 3.
    # 3.2: 2 + 0 (4 stations) = 2. 3.3: published, recall delayed -2, 5 - 4 = 1 not followed
    # up -0.5: 4 - 2 - 0.5 = 1.5.
    # Indicator 3: 3 + 2 + 1.5 = 6.5. 4: 10/12 = 83.3% -> 3. Category 5 + 2 + 6.5 + 3 = 16.5.
    # 5: rate 2 is at most 2 -> 6. 6: nothing deducted -> 5. 7: spring only -> 2.
    # 8: (71 - 60) / 30 × 5 = 1.8333... -> 1.83. 9: 95 is at most 95 -> 3.
    # Category 6 + 5 + 2 + 1.83 + 3 = 17.83. Bonus: named -> 2.
    assert scores(result) == {
        "1": D(5), "2": D(2), "3.1": D(3), "3.2": D(2), "3.3": D("1.5"), "4": D(3),
        "5": D(6), "6": D(5), "7": D(2), "8": D("1.83"), "9": D(3), "bonus": D(2),
    }
    assert [c.score for c in result.categories] == [D("16.5"), D("17.83")]
    assert result.total == D("36.33")
    assert (result.vetoed, result.result, result.result_label) == (True, "vetoed", "Not passed")
    assert [(v.id, v.held) for v in result.vetoes] == [("veto", True)]


def test_demo_checks_refuse_inconsistent_facts(demo: qualscore.RuleSet) -> None:
    """A facts file that follows up more failed samples than failed is refused by the demo's check."""
    facts = dict(qualscore.load_facts(demo, DEMO / "facts" / "good-county.yaml").values)
    facts["failed_samples_handled"] = D(4)
    with pytest.raises(qualscore.FactsError) as caught:
        qualscore.check_facts(demo, facts)
    assert [p.message for p in caught.value.problems] == [
        "failed_samples = 3, failed_samples_handled = 4: more failed samples followed up than "
        "failed (check: failed_samples_handled <= failed_samples)"
    ]


def test_demo_cli() -> None:
    """`qualscore validate` exits 0 with its two warnings, and `evaluate --format json` gives the total."""
    out, err = io.StringIO(), io.StringIO()
    assert main(["validate", str(DEMO)], stdout=out, stderr=err) == 0
    assert out.getvalue().endswith("ok: 11 items, 28 facts, 2 warnings\n")
    assert err.getvalue().count("warning:") == 2
    out = io.StringIO()
    code = main(["evaluate", str(DEMO), str(DEMO / "facts" / "good-county.yaml"), "--format", "json"],
                stdout=out, stderr=err)
    assert code == 0
    data = json.loads(out.getvalue())
    assert (data["total"], data["result_label"], data["vetoed"]) == ("50.55", "Passed", False)
    assert data["categories"][0]["children"][2]["capped"] is True
    out = io.StringIO()
    code = main(["evaluate", str(DEMO), str(DEMO / "facts" / "weak-county.yaml")], stdout=out,
                stderr=err)
    assert code == 0
    assert re.search(r"^total\s+50\s+22\s*$", out.getvalue(), re.MULTILINE)
