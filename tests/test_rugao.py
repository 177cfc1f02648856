"""The 2018 Rugao rule set (rules/rugao-2018) against its INTERPRETATION.md, item by item.

Every test starts from the sample city's facts (examples/rugao-2018/city-sample.yaml,
loaded once) and overrides only the facts under test. Every expected number is an
exact Decimal worked out by hand from INTERPRETATION.md, not read off the engine.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import yaml

import qualscore
from conftest import ROOT
from qualscore.cli.app import main
from qualscore.ruleset.formula import Value
from qualscore.ruleset.model import Indicator, PartsShape
from qualscore.scoring.engine import formulas
from qualscore.scoring.trace import DeductionsTrace, NodeResult, TiersTrace

D = Decimal
RULES = ROOT / "rules" / "rugao-2018"
EXAMPLES = ROOT / "examples" / "rugao-2018"
CONTRACT = ROOT / "tests" / "fixtures" / "rugao-2018" / "facts-contract.yaml"
NA = "不涉及，不扣分"


@dataclass(frozen=True)
class City:
    """The rule set and the sample city's facts; each call overrides only what a test is about."""

    rules: qualscore.RuleSet
    facts: Mapping[str, Value]

    def evaluate(self, **overrides: Any) -> qualscore.Result:
        """The sample city scored with ``overrides`` in place of its own facts."""
        return qualscore.evaluate(self.rules, {**self.facts, **overrides})

    def score(self, item_id: str, **overrides: Any) -> Decimal:
        """One item's score for the sample city with ``overrides``."""
        return self.evaluate(**overrides).item(item_id).score


@pytest.fixture(scope="module")
def rules() -> qualscore.RuleSet:
    """The rule set, loaded once."""
    return qualscore.load_rules(RULES)


@pytest.fixture(scope="module")
def city(rules: qualscore.RuleSet) -> City:
    """The sample city, loaded once."""
    return City(rules, dict(qualscore.load_facts(rules, EXAMPLES / "city-sample.yaml").values))


def node(result: qualscore.Result, node_id: str) -> NodeResult:
    """The category or indicator with this id."""
    for category in result.categories:
        if category.id == node_id:
            return category
        for child in category.children:
            if isinstance(child, NodeResult) and child.id == node_id:
                return child
    raise KeyError(node_id)


def indicators(result: qualscore.Result) -> dict[str, NodeResult]:
    """Every indicator by id."""
    return {c.id: c for cat in result.categories for c in cat.children if isinstance(c, NodeResult)}


# The sample's categories add to 23 + 25.3 + 12 + 27.19 = 87.49 before its bonus of 2.9.
SAMPLE_CATEGORIES = D("87.49")

# Facts that give every item its full points (the rest of the sample already does).
FULL = {
    "award_experience_sharing": True,
    "credit_reports": 10,
    "closure_rate_12312": 100,
    "quality_funding": "1120",
    "food_supervision_cooperation": True,
    "circulation_sampling_completion": 98,
    "grain_over_limit_action": True,
    "medical_quality_disclosure": True,
    "new_project_supervision_coverage": 100,
    "quality_analysis_service": True,
    "inspection_capacity_policy": True,
    "training_transport": True,
    "green_food_share": 45,
    "other_project_first_acceptance_rate": 98,
    "water_sections_failing": 0,
    "producer_service_satisfaction": 85,
    "consumer_service_satisfaction": 80,
    "jiangsu_brand_products": 9,  # 9000 / 1460 = 6.16 -> 6 per mille, avg 5.8 -> 6
    "regional_brand_awarded": True,
    "new_aa_credit_enterprises": 4,
    "new_certified_enterprises": 50,
    "standardization_pilots_applied": 6,
    "aaa_measurement_certified": 6,  # 6 / 180 = 3.33 %
}

NO_BONUS = {
    "innovations_promoted_city": 0,
    "innovations_promoted_province": 0,
    "innovations_promoted_national": 0,
    "mayor_quality_awards": 0,
    "national_or_provincial_quality_awards": 0,
    "china_quality_awards": 0,
    "provincial_excellent_projects": 0,
    "national_engineering_awards": 0,
    "national_brand_demo_zone_named": False,
}


# --- the worked cases ------------------------------------------------------------------


@pytest.mark.parametrize("case", ["city-sample", "city-b"])
def test_worked_case_matches_expected_file(rules: qualscore.RuleSet, case: str) -> None:
    """Each worked case scores as its expected file says on every item, indicator, category, the total and the veto."""
    with (EXAMPLES / f"{case}.expected.yaml").open(encoding="utf-8") as f:
        expected = yaml.load(f, Loader=yaml.BaseLoader)  # every scalar a string: exact decimals
    result = qualscore.evaluate(rules, qualscore.load_facts(rules, EXAMPLES / f"{case}.yaml"))
    assert {i.id: i.score for i in result.items} == {
        k: D(v) for k, v in expected["items"].items()}
    assert {k: n.score for k, n in indicators(result).items()} == {
        k: D(v) for k, v in expected["indicators"].items()}
    assert {c.id: c.score for c in result.categories} == {
        k: D(v) for k, v in expected["categories"].items()}
    assert result.total == D(expected["total"])
    assert result.vetoed is {"true": True, "false": False}[expected["vetoed"]]


# --- tiers: each bound exactly and a hair below ---------------------------------------------


@pytest.mark.parametrize(
    ("item_id", "fact", "value", "expected"),
    [
        ("13.3", "new_project_supervision_coverage", "100", "0.5"),
        ("13.3", "new_project_supervision_coverage", "99.99", "0.25"),
        ("13.3", "new_project_supervision_coverage", "90", "0.25"),
        ("13.3", "new_project_supervision_coverage", "89.99", "0"),
        ("18", "invention_patents_per_10k", "12", "2"),
        ("18", "invention_patents_per_10k", "11.99", "1.5"),
        ("18", "invention_patents_per_10k", "8", "1.5"),
        ("18", "invention_patents_per_10k", "7.99", "1"),
        ("18", "invention_patents_per_10k", "4", "1"),
        ("18", "invention_patents_per_10k", "3.99", "0.5"),
        ("18", "invention_patents_per_10k", "0", "0.5"),
        ("19.1", "national_spot_check_pass_rate", "90", "1"),
        ("19.1", "national_spot_check_pass_rate", "89.99", "1"),  # verbatim: the lower band also gives 1
        ("19.1", "national_spot_check_pass_rate", "85", "1"),
        ("19.1", "national_spot_check_pass_rate", "84.99", "0"),
        ("19.2", "provincial_spot_check_pass_rate", "92", "1"),
        ("19.2", "provincial_spot_check_pass_rate", "91.99", "0.5"),
        ("19.2", "provincial_spot_check_pass_rate", "90", "0.5"),
        ("19.2", "provincial_spot_check_pass_rate", "89.99", "0"),
        ("19.3", "agri_monitoring_pass_rate", "96", "2"),
        ("19.3", "agri_monitoring_pass_rate", "95.99", "1"),
        ("19.3", "agri_monitoring_pass_rate", "90", "1"),
        ("19.3", "agri_monitoring_pass_rate", "89.99", "0"),
        ("19.5", "provincial_food_check_pass_rate", "95", "2"),
        ("19.5", "provincial_food_check_pass_rate", "94.99", "1"),
        ("19.5", "provincial_food_check_pass_rate", "90", "1"),
        ("19.5", "provincial_food_check_pass_rate", "89.99", "0"),
        ("20.2", "other_project_first_acceptance_rate", "98", "2"),
        ("20.2", "other_project_first_acceptance_rate", "97.99", "1"),
        ("20.2", "other_project_first_acceptance_rate", "95", "1"),
        ("20.2", "other_project_first_acceptance_rate", "94.99", "0"),
        ("22.1", "producer_service_satisfaction", "85", "2"),
        ("22.1", "producer_service_satisfaction", "84.99", "1.5"),
        ("22.1", "producer_service_satisfaction", "70", "1.5"),
        ("22.1", "producer_service_satisfaction", "69.99", "1"),
        ("22.1", "producer_service_satisfaction", "65", "1"),
        ("22.1", "producer_service_satisfaction", "64.99", "0"),
        ("22.2", "consumer_service_satisfaction", "80", "2"),
        ("22.2", "consumer_service_satisfaction", "79.99", "1.5"),
        ("22.2", "consumer_service_satisfaction", "70", "1.5"),
        ("22.2", "consumer_service_satisfaction", "69.99", "1"),
        ("22.2", "consumer_service_satisfaction", "65", "1"),
        ("22.2", "consumer_service_satisfaction", "64.99", "0"),
        ("23", "public_quality_satisfaction", "70", "2"),
        ("23", "public_quality_satisfaction", "69.99", "1.5"),
        ("23", "public_quality_satisfaction", "65", "1.5"),
        ("23", "public_quality_satisfaction", "64.99", "1"),
        ("23", "public_quality_satisfaction", "60", "1"),
        ("23", "public_quality_satisfaction", "59.99", "0"),
        ("25", "new_geographical_indications", 5, "2"),
        ("25", "new_geographical_indications", 2, "2"),
        ("25", "new_geographical_indications", 1, "1"),
        ("25", "new_geographical_indications", 0, "0"),
    ],
)
def test_tier_bounds(city: City, item_id: str, fact: str, value: Any, expected: str) -> None:
    """A tier's bound is inside its band (（含）) and a hair below falls to the band under it."""
    assert city.score(item_id, **{fact: value}) == D(expected)


@pytest.mark.parametrize(
    ("certified", "enterprises", "ratio", "expected"),
    [
        (3, 100, "3", "1"),
        (6, 200, "3", "1"),
        (2985, 100000, "2.985", "0.5"),  # 2.985 % is below 3 %: the ratio is not rounded
        (4, 134, None, "0.5"),  # city-b: 2.985... %
        (1, 100, "1", "0.5"),
        (999, 100000, "0.999", "0"),
        (0, 180, "0", "0"),
    ],
)
def test_27_3_ratio_bounds(
    city: City, certified: int, enterprises: int, ratio: str | None, expected: str
) -> None:
    """27.3 places the unrounded share certified / enterprises × 100 in its bands: 3 % → 1, 2.985 % → 0.5, 1 % → 0.5, below → 0."""
    result = city.evaluate(aaa_measurement_certified=certified,
                           energy_saving_enterprises=enterprises).item("27.3")
    assert result.score == D(expected)
    assert isinstance(result.shape, TiersTrace)
    if ratio is not None:
        assert result.shape.input == D(ratio)
    assert result.not_applicable is None


@pytest.mark.parametrize(
    ("funding", "previous", "expected"),
    [
        ("1200", "1120", "2"),
        ("1120", "1120", "2"),  # not reduced (含与上年度相同)
        ("1119.99", "1120", "1"),
        ("1008", "1120", "1"),  # exactly 90 % of last year: a fall of exactly 10 %
        ("1007.99", "1120", "0"),
        ("0", "1120", "0"),
        ("0", "0", "2"),  # last year 0: never a fall
        ("35.5", "0", "2"),
    ],
)
def test_8_funding(city: City, funding: str, previous: str, expected: str) -> None:
    """8 gives 2 when funding did not fall, 1 down to exactly 90 % of last year, else 0."""
    assert city.score("8", quality_funding=funding, quality_funding_previous=previous) == D(expected)


@pytest.mark.parametrize(
    ("completed", "coverage", "expected"),
    [
        (True, "100", "2"),
        (False, "100", "1"),  # the 95 % band does not need the task completed
        (True, "99.99", "1"),
        (True, "95", "1"),
        (False, "95", "1"),
        (True, "94.99", "0"),
        (False, "94.99", "0"),
    ],
)
def test_9_food_risk_monitoring(city: City, completed: bool, coverage: str, expected: str) -> None:
    """9 gives 2 only when completed with coverage 100, 1 for coverage >= 95 either way, else 0."""
    assert city.score("9", food_risk_monitoring_completed=completed,
                      food_risk_monitoring_coverage=coverage) == D(expected)


@pytest.mark.parametrize(
    ("sound", "ratio", "funded", "expected"),
    [
        (True, "75", True, "1.5"),
        (True, "74.99", True, "0.5"),
        (False, "100", True, "0.5"),
        (True, "75", False, "1"),
        (True, "74.99", False, "0"),
    ],
)
def test_13_2_staff_ratio(city: City, sound: bool, ratio: str, funded: bool, expected: str) -> None:
    """13.2's first point needs a sound agency and a staff ratio of at least 75 %; funding adds 0.5."""
    assert city.score("13.2", supervision_agency_sound=sound, supervision_staff_ratio=ratio,
                      supervision_funding_ensured=funded) == D(expected)


@pytest.mark.parametrize(
    ("accidents", "deaths", "expected"),
    [("0.29", "0.09", "2"), ("0.3", "0.09", "1"), ("0.29", "0.1", "1"), ("0.3", "0.1", "0"),
     ("0", "0", "2")],
)
def test_19_6_rates_strictly_below(city: City, accidents: str, deaths: str, expected: str) -> None:
    """19.6 gives a point for an accident rate below 0.3 and one for a death rate below 0.1 (the bound itself misses)."""
    assert city.score("19.6", special_equipment_accident_rate=accidents,
                      special_equipment_death_rate=deaths) == D(expected)


@pytest.mark.parametrize(
    ("acceptance", "filing", "expected"),
    [("100", "100", "2"), ("99.99", "100", "1"), ("100", "99.99", "1"), ("99.99", "99.99", "0")],
)
def test_20_1_both_at_100(city: City, acceptance: str, filing: str, expected: str) -> None:
    """20.1 gives a point for each of the two rates that reaches 100 %."""
    assert city.score("20.1", major_project_first_acceptance_rate=acceptance,
                      major_project_filing_rate=filing) == D(expected)


PLATFORMS = ["12315", "12365", "12312", "12331", "12301"]
# Every platform flat below 100 (97 -> 97): item 7 gives 0.
FLAT = {k: "97" for p in PLATFORMS for k in (f"closure_rate_{p}", f"closure_rate_{p}_previous")}


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [("100", "100", "0.5"), ("100", "99", "0.5"), ("97.1", "97", "0.5"), ("97", "97", "0"),
     ("96.9", "97", "0"), ("99.99", "99.99", "0")],
)
def test_7_each_platform(
    city: City, platform: str, current: str, previous: str, expected: str
) -> None:
    """7 gives a platform 0.5 when its closure rate is 100 % or rose; equal below 100 or a fall gives 0."""
    assert city.score("7", **{**FLAT, f"closure_rate_{platform}": current,
                              f"closure_rate_{platform}_previous": previous}) == D(expected)


def test_7_all_platforms(city: City) -> None:
    """7 adds 0.5 per platform: all five at 100 % give 2.5, all flat give 0."""
    all_full = {k: "100" for k in FLAT}
    assert city.score("7", **all_full) == D("2.5")
    assert city.score("7", **FLAT) == D(0)


@pytest.mark.parametrize(
    ("rate", "previous", "reports", "expected"),
    [
        ("87.3", "84.6", 10, "3"),
        ("87.3", "84.6", 20, "3"),  # more than 10 reports: no bonus beyond 0.5
        ("87.3", "84.6", 9, "2.95"),
        ("87.3", "84.6", 8, "2.9"),
        ("87.3", "84.6", 1, "2.55"),
        ("87.3", "84.6", 0, "2.5"),  # 0.5 - 10 × 0.05 = 0
        ("84.6", "84.6", 10, "2.5"),  # equal is no rise
        ("84.5", "84.6", 10, "2.5"),
        ("84.61", "84.6", 10, "3"),
    ],
)
def test_5_credit(city: City, rate: str, previous: str, reports: int, expected: str) -> None:
    """5 gives 0.5 for a rising credit-entry rate and 0.5 for 10 reports less 0.05 per missing report, plus the sample's 1 + 1."""
    assert city.score("5", credit_entry_rate=rate, credit_entry_rate_previous=previous,
                      credit_reports=reports) == D(expected)


# --- deductions: 0, 1 and many missing --------------------------------------------------------


def _missing(keys: tuple[str, ...], missing: tuple[int, ...]) -> dict[str, bool]:
    return {k: i not in missing for i, k in enumerate(keys)}


PESTICIDE = ("pesticide_spot_check", "pesticide_results_reported", "pesticide_violations_handled")
CANTEEN = ("school_canteen_inspection", "school_canteen_joint_supervision")
EQUIPMENT = ("special_equipment_hazard_screening", "special_equipment_foundation",
             "special_equipment_provincial_tasks")
ENGINEERING = ("enforcement_inspections", "rectification_followup", "incident_investigation")


@pytest.mark.parametrize(
    ("item_id", "keys", "missing", "expected"),
    [
        ("11.5", PESTICIDE, (), "1"),
        ("11.5", PESTICIDE, (0,), "0.5"),
        ("11.5", PESTICIDE, (1,), "0.5"),
        ("11.5", PESTICIDE, (2,), "0.5"),
        ("11.5", PESTICIDE, (0, 2), "0"),
        ("11.5", PESTICIDE, (0, 1, 2), "0"),  # 1 - 1.5, floored at 0
        ("11.6", CANTEEN, (), "1"),
        ("11.6", CANTEEN, (0,), "0.5"),
        ("11.6", CANTEEN, (1,), "0.5"),
        ("11.6", CANTEEN, (0, 1), "0"),
        ("11.7", EQUIPMENT, (), "1"),
        ("11.7", EQUIPMENT, (1,), "0.5"),
        ("11.7", EQUIPMENT, (0, 1), "0"),
        ("11.7", EQUIPMENT, (0, 1, 2), "0"),
        ("13.4", ENGINEERING, (), "1"),
        ("13.4", ENGINEERING, (2,), "0.75"),
        ("13.4", ENGINEERING, (0, 1), "0.5"),
        ("13.4", ENGINEERING, (0, 1, 2), "0.25"),  # verbatim: 3 × 0.25 leaves 0.25
    ],
)
def test_missing_part_deductions(
    city: City, item_id: str, keys: tuple[str, ...], missing: tuple[int, ...], expected: str
) -> None:
    """Each missing part deducts its share (0.5, or 0.25 for 13.4), never below 0."""
    assert city.score(item_id, **_missing(keys, missing)) == D(expected)


@pytest.mark.parametrize(
    ("listed", "no_accident", "published", "expected"),
    [(True, True, True, "1.5"), (False, True, True, "1"), (True, False, True, "1"),
     (False, False, True, "0.5"), (False, False, False, "0"), (True, True, False, "1")],
)
def test_12_2_tourism(
    city: City, listed: bool, no_accident: bool, published: bool, expected: str
) -> None:
    """12.2's first point loses 0.5 per missing requirement (to 0), and publishing bad records adds 0.5."""
    assert city.score("12.2", tourism_responsibility_list=listed,
                      tourism_no_major_accident=no_accident,
                      tourism_bad_records_published=published) == D(expected)


@pytest.mark.parametrize(
    ("air", "sections", "expected", "capped"),
    [
        (True, 0, "2", False), (True, 1, "1.8", False), (True, 5, "1", False), (True, 6, "1", True),
        (False, 0, "1", False), (False, 1, "0.8", False), (False, 5, "0", False),
        (False, 6, "0", True),
    ],
)
def test_21_environment(city: City, air: bool, sections: int, expected: str, capped: bool) -> None:
    """21 loses 1 for the air target and 0.2 per failing water section, at most 1 for the sections."""
    result = city.evaluate(air_quality_target_met=air, water_sections_failing=sections).item("21")
    assert result.score == D(expected)
    assert isinstance(result.shape, DeductionsTrace)
    water = result.shape.steps[1]
    assert (water.deducted, water.capped) == (min(D("0.2") * sections, D(1)), capped)


@pytest.mark.parametrize(
    ("achieved", "target", "expected"),
    [(4, 4, "1"), (9, 4, "1"), (3, 4, "0.5"), (2, 4, "0"), (0, 4, "0"), (0, 0, "1")],
)
def test_26_aa_credit_shortfall(city: City, achieved: int, target: int, expected: str) -> None:
    """26 loses 0.5 per enterprise short of the target, never below 0, and a surplus adds nothing."""
    assert city.score("26", new_aa_credit_enterprises=achieved,
                      new_aa_credit_target=target) == D(expected)


@pytest.mark.parametrize(
    ("achieved", "target", "expected"),
    [(50, 50, "1"), (60, 50, "1"), (49, 50, "0.9"), (47, 50, "0.7"), (41, 50, "0.1"),
     (40, 50, "0"), (0, 50, "0")],
)
def test_27_1_certified_shortfall(city: City, achieved: int, target: int, expected: str) -> None:
    """27.1 loses 0.1 per enterprise short of the target, never below 0."""
    assert city.score("27.1", new_certified_enterprises=achieved,
                      new_certified_target=target) == D(expected)


@pytest.mark.parametrize(
    ("ports", "failing", "expected"),
    [(1, 0, "2"), (3, 0, "2"), (3, 1, "1.5"), (2, 1, "1.5"), (2, 2, "1"), (3, 3, "0.5"),
     (5, 4, "0"), (10, 5, "0"), (1, 1, "0")],
)
def test_16_1_ports(city: City, ports: int, failing: int, expected: str) -> None:
    """16.1 loses 0.5 per failing port (to 0), and a single port that fails gives 0."""
    result = city.evaluate(first_class_ports=ports, first_class_ports_failing=failing).item("16.1")
    assert (result.score, result.not_applicable) == (D(expected), None)


# --- not applicable -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item_id", "overrides", "expected"),
    [
        ("16.1", {"first_class_ports": 0, "first_class_ports_failing": 0}, "2"),
        ("24.1", {"enterprises_above_scale": 0, "jiangsu_brand_products": 0}, "1"),
        ("24.1", {"enterprises_above_scale": 0, "jiangsu_brand_products": 3}, "1"),
        ("27.2", {"standardization_pilots_target": 0, "standardization_pilots_applied": 0}, "1"),
        ("27.2", {"standardization_pilots_target": 0, "standardization_pilots_applied": 2}, "1"),
        ("27.3", {"energy_saving_enterprises": 0, "aaa_measurement_certified": 0}, "1"),
    ],
)
def test_not_applicable_awards_full_points(
    city: City, item_id: str, overrides: dict[str, Any], expected: str
) -> None:
    """An item with an empty population awards its full points and says "不涉及，不扣分" in the trace."""
    result = city.evaluate(**overrides).item(item_id)
    assert result.score == D(expected) == result.points
    assert result.not_applicable is not None
    assert NA in result.not_applicable


@pytest.mark.parametrize(("ports", "failing"), [(1, 2), (0, 1), (3, 4)])
def test_16_1_more_failing_than_ports_is_refused(city: City, ports: int, failing: int) -> None:
    """More failing ports than ports is refused as a FactsError naming both keys, and nothing is scored."""
    with pytest.raises(qualscore.FactsError) as caught:
        city.evaluate(first_class_ports=ports, first_class_ports_failing=failing)
    assert [p.message for p in caught.value.problems] == [
        f"first_class_ports = {ports}, first_class_ports_failing = {failing}: "
        "未在规定时限内达标的一类开放口岸数不能大于辖区内一类开放口岸数 "
        "(check: first_class_ports_failing <= first_class_ports)"
    ]


# --- 11.3, 24.1, 19.4, 27.2 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("completion", "expected"),
    [("100", "2"), ("98", "2"), ("97.99", "1.8"), ("97", "1.8"), ("93", "1.8"), ("92.9", "1.6"),
     ("88", "1.6"), ("87.9", "1.4"), ("78", "1.2"), ("77.9", "1"), ("0", "1")],
)
def test_11_3_started_five_percent_steps(city: City, completion: str, expected: str) -> None:
    """11.3's sampling part loses 0.2 per started 5 % below 98 (to 0), plus the sample's online campaign 1."""
    assert city.score("11.3", circulation_sampling_completion=completion) == D(expected)


def test_11_3_without_online_campaign(city: City) -> None:
    """11.3 without the online campaign is the sampling part alone: 92.9 → 0.6, 0 → 0."""
    assert city.score("11.3", circulation_sampling_completion="92.9",
                      online_market_campaign=False) == D("0.6")
    assert city.score("11.3", circulation_sampling_completion="0",
                      online_market_campaign=False) == D(0)


@pytest.mark.parametrize(
    ("products", "enterprises", "average", "shortfall", "expected"),
    [
        (7, 1460, "5.8", 1, "0.9"),  # the sample: 4.79 → 5, 5.8 → 6
        (9, 2000, "5.5", 1, "0.9"),  # local exactly 4.5 → 5 (half up), avg 5.5 → 6
        (7, 2000, "4.5", 1, "0.9"),  # local exactly 3.5 → 4, avg exactly 4.5 → 5
        (11, 2000, "6.4", 0, "1"),  # local 5.5 → 6, avg 6.4 → 6: equal after rounding
        (9, 1460, "5.8", 0, "1"),  # 6.16 → 6 = 6
        (20, 1460, "5.8", 0, "1"),  # local above average
        (0, 1460, "5.8", 6, "0.4"),
        (0, 1460, "15", 15, "0"),  # far below: 1 - 1.5, floored at 0
    ],
)
def test_24_1_per_mille_rounding(
    city: City, products: int, enterprises: int, average: str, shortfall: int, expected: str
) -> None:
    """24.1 rounds both per-mille ratios half up to whole numbers and loses 0.1 per per-mille below the average."""
    result = city.evaluate(jiangsu_brand_products=products, enterprises_above_scale=enterprises,
                           city_avg_brand_permille=average).item("24.1")
    assert result.score == D(expected)
    assert isinstance(result.shape, DeductionsTrace)
    assert result.shape.steps[0].units == D(shortfall)


@pytest.mark.parametrize(
    ("share", "raw", "expected"),
    [
        ("36.5", None, "1.62"),  # 1.6222...
        ("36.5625", "1.625", "1.63"),  # exactly on the half: rounds up
        ("30.9375", "1.375", "1.38"),
        ("30.0375", "1.335", "1.34"),
        ("33.75", "1.5", "1.5"),
        ("30", None, "1.33"),  # 1.333...
        ("29.99", "0", "0"),
        ("0", "0", "0"),
        ("44.8", None, "1.99"),  # 1.99111...
        ("44.99", None, "2"),  # 1.99955... rounds to 2.00
        ("45", "2", "2"),
        ("60", "2", "2"),
        ("100", "2", "2"),
    ],
)
def test_19_4_green_food_share(city: City, share: str, raw: str | None, expected: str) -> None:
    """19.4 is share / 45 × 2, capped at 2, 0 below 30 %, rounded half up to 0.01 once."""
    result = city.evaluate(green_food_share=share).item("19.4")
    assert result.score == D(expected)
    if raw is not None:
        assert result.raw == D(raw)


@pytest.mark.parametrize(
    ("applied", "target", "expected"),
    [(4, 6, "0.67"), (1, 3, "0.33"), (2, 3, "0.67"), (1, 6, "0.17"), (1, 8, "0.13"),
     (0, 3, "0"), (3, 3, "1"), (5, 3, "1")],
)
def test_27_2_proportional(city: City, applied: int, target: int, expected: str) -> None:
    """27.2 is applied / target rounded half up to 0.01 (1/8 = 0.125 → 0.13), and 1 once the target is met."""
    result = city.evaluate(standardization_pilots_applied=applied,
                           standardization_pilots_target=target).item("27.2")
    assert (result.score, result.not_applicable) == (D(expected), None)


# --- veto and bonus ---------------------------------------------------------------------------


def test_veto_sets_result_not_total(city: City) -> None:
    """A systemic quality incident makes the result 未完成 while the total stays the one computed without it."""
    normal = city.evaluate()
    vetoed = city.evaluate(systemic_quality_incident=True)
    assert (normal.vetoed, normal.result, normal.result_label) == (False, "scored", "完成")
    assert (vetoed.vetoed, vetoed.result, vetoed.result_label) == (True, "vetoed", "未完成")
    assert vetoed.total == normal.total == D("90.39")
    assert [(v.id, v.held) for v in vetoed.vetoes] == [("veto", True)]


@pytest.mark.parametrize(
    ("fact", "value", "expected"),
    [
        ("innovations_promoted_city", 1, "0.5"),
        ("innovations_promoted_city", 2, "1"),
        ("innovations_promoted_province", 1, "1"),
        ("innovations_promoted_national", 1, "2"),
        ("mayor_quality_awards", 1, "0.2"),
        ("mayor_quality_awards", 3, "0.6"),
        ("national_or_provincial_quality_awards", 1, "0.5"),
        ("china_quality_awards", 1, "1"),
        ("china_quality_awards", 2, "2"),
        ("provincial_excellent_projects", 1, "0.5"),
        ("national_engineering_awards", 1, "1"),
        ("national_brand_demo_zone_named", True, "1"),
    ],
)
def test_bonus_line_weights(city: City, fact: str, value: Any, expected: str) -> None:
    """Each bonus line adds its weight per unit, and the bonus is added to the categories' total."""
    result = city.evaluate(**{**NO_BONUS, fact: value})
    assert result.bonus is not None
    assert result.bonus.score == D(expected)
    assert result.total == SAMPLE_CATEGORIES + D(expected)


def test_no_bonus_adds_nothing(city: City) -> None:
    """With no bonus line met the bonus is 0 and the total is the categories' sum."""
    result = city.evaluate(**NO_BONUS)
    assert result.bonus is not None
    assert (result.bonus.score, result.total) == (D(0), SAMPLE_CATEGORIES)


@pytest.mark.parametrize(
    ("overrides", "raw", "clamped"),
    [
        # city-b: 2 × 0.5 + 1 + 2 + 3 × 0.2 + 0.5 + 2 × 0.5 + 1 = 7.1
        ({"innovations_promoted_city": 2, "innovations_promoted_province": 1,
          "innovations_promoted_national": 1, "mayor_quality_awards": 3,
          "national_or_provincial_quality_awards": 1, "provincial_excellent_projects": 2,
          "national_brand_demo_zone_named": True}, "7.1", True),
        ({"innovations_promoted_national": 2, "national_brand_demo_zone_named": True}, "5", False),
        ({"mayor_quality_awards": 25}, "5", False),
        ({"mayor_quality_awards": 26}, "5.2", True),
        ({"china_quality_awards": 4, "national_engineering_awards": 4}, "8", True),
    ],
)
def test_bonus_capped_at_5(
    city: City, overrides: dict[str, Any], raw: str, clamped: bool
) -> None:
    """The bonus is capped at 5: above 5 gives 5, exactly 5 gives 5 unclamped."""
    result = city.evaluate(**{**NO_BONUS, **overrides})
    assert result.bonus is not None
    assert (result.bonus.raw, result.bonus.score, result.bonus.clamped) == (D(raw), D(5), clamped)
    assert result.total == SAMPLE_CATEGORIES + D(5)


# --- caps ----------------------------------------------------------------------------------


def test_full_facts_give_every_item_its_points(city: City) -> None:
    """With every item at its full points the categories give 23 + 27 + 14 + 32 = 96, plus the sample's bonus 2.9."""
    result = city.evaluate(**FULL)
    short = {i.id: i.score for i in result.items if i.id != "bonus" and i.score != i.points}
    assert short == {}
    assert [(c.id, c.sum, c.score, c.capped) for c in result.categories] == [
        ("质量宏观管理", D(26), D(23), True),
        ("质量安全监管", D(27), D(27), False),
        ("质量基础建设", D(14), D(14), False),
        ("质量结果", D(32), D(32), False),
    ]
    assert node(result, "质量结果").lost == D(4)
    assert (result.total, result.possible) == (D("98.9"), D(100))
    assert city.evaluate(**FULL, innovations_promoted_national=3).total == D(101)


@pytest.mark.parametrize(
    ("overrides", "total", "score", "capped"),
    [
        ({}, "5.75", "5", True),  # the sample: 1 + 1.5 + 0.25 + 1 + 1 + 1
        ({"new_project_supervision_coverage": 100}, "6", "5", True),  # everything full
        ({"engineering_upgrade_deployment": False}, "4.75", "4.75", False),
        ({"new_project_supervision_coverage": 100, "road_water_project_spot_check": False},
         "5", "5", False),
    ],
)
def test_indicator_13_capped_at_5(
    city: City, overrides: dict[str, Any], total: str, score: str, capped: bool
) -> None:
    """Indicator 13's items add to up to 6, and its declared 5 caps the sum."""
    indicator = node(city.evaluate(**overrides), "13")
    assert (indicator.sum, indicator.score, indicator.capped) == (D(total), D(score), capped)


@pytest.mark.parametrize(
    ("overrides", "total", "score", "capped"),
    [
        ({}, "23.4", "23", True),  # the sample
        ({"credit_reports": 0}, "23", "23", False),  # item 5 loses 0.4: exactly on the cap
        ({"credit_reports": 0, "quality_plan_issued": False}, "21", "21", False),
        ({"award_experience_sharing": True, "credit_reports": 10, "quality_funding": "1120",
          "closure_rate_12312": "100"}, "26", "23", True),
    ],
)
def test_category_macro_capped_at_23(
    city: City, overrides: dict[str, Any], total: str, score: str, capped: bool
) -> None:
    """质量宏观管理's items add to up to 26 and its declared 23 caps the sum."""
    category = node(city.evaluate(**overrides), "质量宏观管理")
    assert (category.sum, category.score, category.capped) == (D(total), D(score), capped)


# --- the rule set's structure -----------------------------------------------------------------

ITEM_POINTS = {
    "1": "5", "2": "2", "3.1": "2", "3.2": "2", "4.1": "1.5", "4.2": "2.5", "4.3": "2", "5": "3",
    "6": "1.5", "7": "2.5", "8": "2", "9": "2", "10.1": "1", "10.2": "1.5", "10.3": "1.5",
    "11.1": "2", "11.2": "2", "11.3": "2", "11.4": "1", "11.5": "1", "11.6": "1", "11.7": "1",
    "11.8": "1", "12.1": "2", "12.2": "1.5", "12.3": "1.5", "13.1": "1", "13.2": "1.5",
    "13.3": "0.5", "13.4": "1", "13.5": "1", "13.6": "1", "14": "3", "15": "3", "16.1": "2",
    "16.2": "2", "17.1": "1", "17.2": "3", "18": "2", "19.1": "1", "19.2": "1", "19.3": "2",
    "19.4": "2", "19.5": "2", "19.6": "2", "20.1": "2", "20.2": "2", "21": "2", "22.1": "2",
    "22.2": "2", "23": "2", "24.1": "1", "24.2": "1", "25": "2", "26": "1", "27.1": "1",
    "27.2": "1", "27.3": "1",
}
INDICATORS = {
    "3": ("4", ["3.1", "3.2"]), "4": ("6", ["4.1", "4.2", "4.3"]),
    "10": ("4", ["10.1", "10.2", "10.3"]), "11": ("11", [f"11.{n}" for n in range(1, 9)]),
    "12": ("5", ["12.1", "12.2", "12.3"]), "13": ("5", [f"13.{n}" for n in range(1, 7)]),
    "16": ("4", ["16.1", "16.2"]), "17": ("4", ["17.1", "17.2"]),
    "19": ("10", [f"19.{n}" for n in range(1, 7)]), "20": ("4", ["20.1", "20.2"]),
    "22": ("4", ["22.1", "22.2"]), "24": ("2", ["24.1", "24.2"]),
    "27": ("3", ["27.1", "27.2", "27.3"]),
}
CATEGORIES = {
    "质量宏观管理": ("23", ["1", "2", "3", "4", "5", "6", "7", "8"]),
    "质量安全监管": ("27", ["9", "10", "11", "12", "13"]),
    "质量基础建设": ("14", ["14", "15", "16", "17"]),
    "质量结果": ("36", ["18", "19", "20", "21", "22", "23", "24", "25", "26", "27"]),
}


def test_58_items_in_source_order(rules: qualscore.RuleSet) -> None:
    """There are exactly 58 numbered items, with the points of INTERPRETATION.md, in the source's order."""
    items = list(rules.items())
    assert len(items) == 58
    assert [i.id for i in items] == list(ITEM_POINTS)
    assert {i.id: i.points for i in items} == {k: D(v) for k, v in ITEM_POINTS.items()}
    source = (RULES / "SOURCE.txt").read_text(encoding="utf-8")
    places = [source.index(i.criteria) for i in items]
    assert places == sorted(places)


def test_indicators_and_categories(rules: qualscore.RuleSet) -> None:
    """Indicators and categories group the items and declare the points INTERPRETATION.md gives."""
    cats = {c.id: (c.points, [x.id for x in c.items]) for c in rules.categories}
    assert cats == {k: (D(p), ids) for k, (p, ids) in CATEGORIES.items()}
    found = {x.id: (x.points, [i.id for i in x.items]) for c in rules.categories
             for x in c.items if isinstance(x, Indicator)}
    assert found == {k: (D(p), ids) for k, (p, ids) in INDICATORS.items()}
    assert rules.manifest.total_points == D(100)
    assert rules.manifest.bonus is not None
    assert rules.manifest.bonus.points == D(5)


def test_facts_match_the_contract(rules: qualscore.RuleSet) -> None:
    """The rule set declares exactly the contract's facts (keys, order, types, labels), each read by its contract item and nothing else read."""
    with CONTRACT.open(encoding="utf-8") as f:
        contract = yaml.safe_load(f)["facts"]
    assert [(d.key, d.type) for d in rules.facts] == [(c["key"], c["type"]) for c in contract]
    assert [d.label for d in rules.facts] == [c["zh"] for c in contract]
    readers: dict[str, set[str]] = {}
    for item in rules.items():
        for formula in formulas(item):
            for name in formula.names:
                readers.setdefault(name, set()).add(item.id)
    assert rules.manifest.bonus is not None
    for formula in formulas(rules.manifest.bonus):
        for name in formula.names:
            readers.setdefault(name, set()).add("bonus")
    for veto in rules.manifest.vetoes:
        for name in veto.when.names:
            readers.setdefault(name, set()).add(veto.id)
    assert readers == {c["key"]: {str(c["item"])} for c in contract}
    checked = {name for check in rules.checks.checks for name in check.when.names}
    assert checked == {"first_class_ports", "first_class_ports_failing"}


def test_texts_verbatim_from_source(rules: qualscore.RuleSet) -> None:
    """Every item's, the bonus's and the veto's content, criteria and responsible text appears verbatim in SOURCE.txt."""
    source = (RULES / "SOURCE.txt").read_text(encoding="utf-8")
    assert rules.manifest.bonus is not None
    nodes = [*rules.items(), rules.manifest.bonus, *rules.manifest.vetoes]
    assert len(nodes) == 60
    missing = [
        (getattr(n, "id", "bonus"), field, text)
        for n in nodes
        for field, text in (("content", n.content), ("criteria", n.criteria),
                            ("responsible", n.responsible))
        if text is None or text not in source
    ]
    assert missing == []


def test_texts_are_whole_source_cells(rules: qualscore.RuleSet) -> None:
    """Every criteria text is a whole line of SOURCE.txt and every content text ends one, so no text is cut short."""
    lines = [line.strip() for line in
             (RULES / "SOURCE.txt").read_text(encoding="utf-8").splitlines()]
    assert rules.manifest.bonus is not None
    nodes = [*rules.items(), rules.manifest.bonus, *rules.manifest.vetoes]
    cut = [
        getattr(n, "id", "bonus") for n in nodes
        if n.criteria not in lines or not any(line.endswith(n.content or "\0") for line in lines)
    ]
    assert cut == []


@pytest.mark.parametrize(
    ("item_id", "parts"),
    [
        # 市市场监管局, 市建设局, 市交通运输局, 市水利局 as written: aliases in ruleset.yaml
        ("1", [("市质量强市工作领导小组办公室",), ("市场监管局",),
               ("市住建局", "市交通局", "市水务局"), ("市发改委",)]),
        ("6", [("市场监管局",), ("市发改委",), ("市环保局",)]),
        ("15", [("市场监管局",), ("市住建局", "市交通局", "市水务局"), ("市发改委",)]),
        ("17.2", [("市场监管局",), ("市住建局",), ("市水务局",), ("市交通局",), ("市场监管局",)]),
    ],
)
def test_parts_carry_their_own_departments(
    rules: qualscore.RuleSet, item_id: str, parts: list[tuple[str, ...]]
) -> None:
    """Items 1, 6, 15 and 17.2 name each part's own departments, which together are the item's."""
    item = next(i for i in rules.items() if i.id == item_id)
    assert isinstance(item.score, PartsShape)
    assert [p.departments for p in item.score.parts] == parts
    assert {d for p in parts for d in p} == set(item.departments)


@pytest.mark.parametrize("flags", [[], ["--strict"]])
def test_validate_lists_the_five_warnings_acknowledged(flags: list[str]) -> None:
    """`qualscore validate` (--strict too) exits 0 and lists the source's five mistakes as
    acknowledged, each with its code and reason: indicator 13, both category sums, 13.4 and
    19.1's band; none is counted as a warning."""
    out, err = io.StringIO(), io.StringIO()
    assert main(["validate", str(RULES), *flags], stdout=out, stderr=err) == 0
    assert out.getvalue() == f"{RULES}: ok: 58 items, 140 facts, 0 warnings, 5 acknowledged\n"
    categories = RULES / "categories"
    assert err.getvalue().splitlines() == [
        f"{categories}/1-macro.yaml:2:1: acknowledged: category 质量宏观管理: its children add "
        "to 26, more than its declared 23 points; the cap of 23 binds (children-over: the source "
        "prints 质量宏观管理（23分）, but its items 1–8 print 5 + 2 + 4 + 6 + 3 + 1.5 + 2.5 + 2 = 26 "
        "points; both are kept as printed, and the 23 caps the category)",
        f"{categories}/2-safety.yaml:221:5: acknowledged: indicator 13: its items add to 6, more "
        "than its declared 5 points; the cap of 5 binds (children-over: the source prints "
        "13.工程质量监管制度建设与实施（5分）, but its items 13.1–13.6 print 1 + 1.5 + 0.5 + 1 + 1 + 1 "
        "= 6 points; both are kept as printed, and the 5 caps the indicator)",
        f"{categories}/2-safety.yaml:271:9: acknowledged: item 13.4: awards 0.25 of 1 when every "
        "condition it reads is false (nothing-done: the source gives 1 point for three tasks and "
        "takes 0.25 for each one missing, 每缺一项扣0.25分, so 0.25 is left when none is done; "
        "kept as printed)",
        f"{categories}/4-results.yaml:2:1: acknowledged: category 质量结果: its children add to 32, "
        "less than its declared 36 points; 4 points can never be earned (children-under: the "
        "source prints 质量结果（36分）, but its items 18–27 print 2 + 10 + 4 + 2 + 4 + 2 + 2 + 2 + "
        "1 + 3 = 32 points; both are kept as printed, so 4 points can never be earned and the "
        "four categories give at most 96, not 100)",
        f"{categories}/4-results.yaml:32:9: acknowledged: item 19.1: band 85%（含85%）—90% awards "
        "1, as much as the band above it (90%（含90%）以上, 1) (band-order: the source gives 1 "
        "point for 90%（含90%）以上 and 1 point again for 85%（含85%）—90%, likely a misprint for "
        "0.5; kept as printed, so 85 % scores as much as 90 %)",
    ]
