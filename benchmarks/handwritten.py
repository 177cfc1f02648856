"""The Rugao 2018 scheme written by hand: the floor for plain Python.

Written straight from ``rules/rugao-2018/INTERPRETATION.md``, with no
qualscore import: exact ``Decimal`` arithmetic, each item rounded half up to
0.01 once, declared points capping every indicator and category, the bonus
capped at 5. ``score(facts)`` returns the 58 item scores (ids ``"1"`` ..
``"27.3"``), ``"bonus"`` and ``"total"``.

Facts are the validated values: a ``Decimal`` (or ``int``) for every number,
a ``bool`` for every flag, keyed as in ``rules/rugao-2018/facts.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["ITEM_IDS", "score"]

_0 = Decimal(0)
_1 = Decimal(1)
_2 = Decimal(2)
H = Decimal("0.5")  # half a point: the scheme's commonest step
Q = Decimal("0.25")
_CENT = Decimal("0.01")
_0_05 = Decimal("0.05")
_0_1 = Decimal("0.1")
_0_2 = Decimal("0.2")
_0_3 = Decimal("0.3")
_0_9 = Decimal("0.9")
_1_5 = Decimal("1.5")

ITEM_IDS: tuple[str, ...] = (
    "1", "2", "3.1", "3.2", "4.1", "4.2", "4.3", "5", "6", "7", "8",
    "9", "10.1", "10.2", "10.3",
    "11.1", "11.2", "11.3", "11.4", "11.5", "11.6", "11.7", "11.8",
    "12.1", "12.2", "12.3", "13.1", "13.2", "13.3", "13.4", "13.5", "13.6",
    "14", "15", "16.1", "16.2", "17.1", "17.2",
    "18", "19.1", "19.2", "19.3", "19.4", "19.5", "19.6", "20.1", "20.2",
    "21", "22.1", "22.2", "23", "24.1", "24.2", "25", "26", "27.1", "27.2", "27.3",
)  # fmt: skip
"""The 58 scored items in source order."""


def _r(x: Decimal) -> Decimal:
    """An item's score: rounded half up to 0.01, once, at the end of the item."""
    return x.quantize(_CENT, rounding=ROUND_HALF_UP)


def _missing(f: Mapping[str, Any], *keys: str) -> int:
    """How many of the bool facts ``keys`` are false."""
    return sum(1 for k in keys if not f[k])


def _tier(x: Decimal, bands: tuple[tuple[int, Decimal], ...], otherwise: Decimal) -> Decimal:
    """The points of the first band whose lower bound (inclusive) ``x`` reaches."""
    for bound, points in bands:
        if x >= bound:
            return points
    return otherwise


_T18 = ((12, _2), (8, _1_5), (4, _1))
_T19_2 = ((92, _1), (90, H))
_T19_3 = ((96, _2), (90, _1))
_T19_5 = ((95, _2), (90, _1))
_T20_2 = ((98, _2), (95, _1))
_T22_1 = ((85, _2), (70, _1_5), (65, _1))
_T22_2 = ((80, _2), (70, _1_5), (65, _1))
_T23 = ((70, _2), (65, _1_5), (60, _1))


def score(f: Mapping[str, Any]) -> dict[str, Decimal]:
    """Every item's score, the bonus and the total of one entity."""
    s: dict[str, Decimal] = {}

    # 质量宏观管理 (items 1-8, declared 23)
    s["1"] = _r(
        2 * f["quality_plan_issued"]
        + f["upgrade_action_product"]
        + f["upgrade_action_engineering"]
        + f["upgrade_action_service"]
        + _0
    )
    s["2"] = _r(_2 if f["leadership_body_running"] else _0)
    s["3.1"] = _r(Decimal(f["party_supervision_mechanism"] + f["in_government_performance_review"]))
    s["3.2"] = _r(_2 if f["town_quality_assessment"] else _0)
    s["4.1"] = _r(f["brand_plan"] + H * f["brand_goals_in_annual_plan"])
    s["4.2"] = _r(f["brand_measures"] + f["brand_demo_zone_work"] + H * f["brand_value_evaluation"])
    s["4.3"] = _r(Decimal(f["benchmark_campaign"] + f["award_experience_sharing"]))
    reports = f["credit_reports"]
    r5 = H if reports >= 10 else max(_0, H - _0_05 * (10 - reports))
    s["5"] = _r(
        H * (f["credit_entry_rate"] > f["credit_entry_rate_previous"])
        + r5
        + f["standards_self_declaration"]
        + f["credit_joint_punishment"]
    )
    s["6"] = _r(
        H * (f["admission_review_quality"] + f["admission_review_energy"]
             + f["admission_review_environment"])
    )  # fmt: skip
    platforms = 0
    for p in ("12315", "12365", "12312", "12331", "12301"):
        rate = f["closure_rate_" + p]
        if rate >= 100 or rate > f["closure_rate_" + p + "_previous"]:
            platforms += 1
    s["7"] = _r(H * platforms)
    funding, previous = f["quality_funding"], f["quality_funding_previous"]
    s["8"] = _r(_2 if funding >= previous else _1 if funding >= _0_9 * previous else _0)

    # 质量安全监管 (items 9-13, declared 27)
    coverage = f["food_risk_monitoring_coverage"]
    s["9"] = _r(
        _2 if f["food_risk_monitoring_completed"] and coverage >= 100
        else _1 if coverage >= 95 else _0
    )  # fmt: skip
    s["10.1"] = _r(H * (f["regional_quality_crackdown"] + f["import_export_counterfeit_crackdown"]))
    s["10.2"] = _r(
        H * (f["agri_routine_monitoring"] + f["agri_special_rectification"]
             + f["agri_input_counterfeit_crackdown"])
    )  # fmt: skip
    s["10.3"] = _r(
        H * (f["food_drug_counterfeit_campaign"] + f["rural_food_counterfeit_campaign"]
             + f["food_label_additive_inspection"])
    )  # fmt: skip
    s["11.1"] = _r(
        f["town_food_drug_assessment"]
        + H * (f["small_workshop_management"] + f["food_supervision_cooperation"])
    )
    s["11.2"] = _r(_2 if f["grassroots_agri_supervision"] else _0)
    sampling = f["circulation_sampling_completion"]
    if sampling >= 98:
        a = _1
    else:
        started = ((98 - sampling) / 5).to_integral_value(rounding=ROUND_CEILING)
        a = max(_0, 1 - _0_2 * started)
    s["11.3"] = _r(a + f["online_market_campaign"])
    s["11.4"] = _r(_1 if f["transport_product_spot_check"] else _0)
    m = _missing(f, "pesticide_spot_check", "pesticide_results_reported",
                 "pesticide_violations_handled")  # fmt: skip
    s["11.5"] = _r(max(_0, 1 - H * m))
    m = _missing(f, "school_canteen_inspection", "school_canteen_joint_supervision")
    s["11.6"] = _r(max(_0, 1 - H * m))
    m = _missing(f, "special_equipment_hazard_screening", "special_equipment_foundation",
                 "special_equipment_provincial_tasks")  # fmt: skip
    s["11.7"] = _r(max(_0, 1 - H * m))
    s["11.8"] = _r(H * (f["grain_stock_inspection"] + f["grain_over_limit_action"]))
    s["12.1"] = _r(Decimal(f["service_standardization"] + f["service_brand_support"]))
    m = _missing(f, "tourism_responsibility_list", "tourism_no_major_accident")
    s["12.2"] = _r(max(_0, 1 - H * m) + H * f["tourism_bad_records_published"])
    s["12.3"] = _r(
        H * (f["medical_quality_system"] + f["medical_quality_assessment"]
             + f["medical_quality_disclosure"])
    )  # fmt: skip
    s["13.1"] = _r(_1 if f["engineering_upgrade_deployment"] else _0)
    s["13.2"] = _r(
        (f["supervision_agency_sound"] and f["supervision_staff_ratio"] >= 75)
        + H * f["supervision_funding_ensured"]
    )
    supervised = f["new_project_supervision_coverage"]
    s["13.3"] = _r(H if supervised >= 100 else Q if supervised >= 90 else _0)
    m = _missing(f, "enforcement_inspections", "rectification_followup", "incident_investigation")
    s["13.4"] = _r(1 - Q * m)
    s["13.5"] = _r(
        H * f["engineering_upgrade_campaign"]
        + H * (f["engineering_complaint_rate"] < f["engineering_complaint_rate_previous"])
    )
    s["13.6"] = _r(_1 if f["road_water_project_spot_check"] else _0)

    # 质量基础建设 (items 14-17, declared 14)
    s["14"] = _r(
        Decimal(f["standardization_coordination"] + f["metrology_system"]
                + f["certification_system"])
    )  # fmt: skip
    s["15"] = _r(
        Decimal(f["quality_analysis_product"] + f["quality_analysis_engineering"]
                + f["quality_analysis_service"])
    )  # fmt: skip
    ports, failing = f["first_class_ports"], f["first_class_ports_failing"]
    if ports == 0:
        s["16.1"] = _r(_2)  # not applicable: full points
    elif ports == 1 and failing == 1:
        s["16.1"] = _r(_0)
    else:
        s["16.1"] = _r(max(_0, 2 - H * failing))
    s["16.2"] = _r(
        H * (f["port_joint_prevention"] + f["inspection_capacity_policy"]) + f["port_joint_drill"]
    )
    s["17.1"] = _r(H * (f["quality_education_activities"] + f["chief_quality_officer_training"]))
    s["17.2"] = _r(
        f["training_market_regulation"]
        + H * (f["training_construction"] + f["training_water"] + f["training_transport"]
               + f["talent_program_352"])
    )  # fmt: skip

    # 质量结果 (items 18-27, declared 36)
    s["18"] = _r(_tier(f["invention_patents_per_10k"], _T18, H))
    s["19.1"] = _r(_1 if f["national_spot_check_pass_rate"] >= 85 else _0)
    s["19.2"] = _r(_tier(f["provincial_spot_check_pass_rate"], _T19_2, _0))
    s["19.3"] = _r(_tier(f["agri_monitoring_pass_rate"], _T19_3, _0))
    green = f["green_food_share"]
    s["19.4"] = _r(_0 if green < 30 else min(_2, green / 45 * 2))
    s["19.5"] = _r(_tier(f["provincial_food_check_pass_rate"], _T19_5, _0))
    s["19.6"] = _r(
        Decimal(
            (f["special_equipment_accident_rate"] < _0_3)
            + (f["special_equipment_death_rate"] < _0_1)
        )
    )
    s["20.1"] = _r(
        Decimal(
            (f["major_project_first_acceptance_rate"] >= 100)
            + (f["major_project_filing_rate"] >= 100)
        )
    )
    s["20.2"] = _r(_tier(f["other_project_first_acceptance_rate"], _T20_2, _0))
    s["21"] = _r(
        2
        - (_0 if f["air_quality_target_met"] else _1)
        - min(_1, _0_2 * f["water_sections_failing"])
    )
    s["22.1"] = _r(_tier(f["producer_service_satisfaction"], _T22_1, _0))
    s["22.2"] = _r(_tier(f["consumer_service_satisfaction"], _T22_2, _0))
    s["23"] = _r(_tier(f["public_quality_satisfaction"], _T23, _0))
    enterprises = f["enterprises_above_scale"]
    if enterprises == 0:
        s["24.1"] = _r(_1)  # not applicable: full points
    else:
        # Each ratio rounded half up to a whole per-mille (比例取千分位整数), exactly.
        brands = int(f["jiangsu_brand_products"])
        local = (2000 * brands + int(enterprises)) // (2 * int(enterprises))
        average = f["city_avg_brand_permille"].quantize(_1, rounding=ROUND_HALF_UP)
        s["24.1"] = _r(_1 if local >= average else max(_0, 1 - _0_1 * (average - local)))
    s["24.2"] = _r(H * (f["brand_demo_zone_approved"] + f["regional_brand_awarded"]))
    indications = f["new_geographical_indications"]
    s["25"] = _r(_2 if indications >= 2 else _1 if indications == 1 else _0)
    shortfall = f["new_aa_credit_target"] - f["new_aa_credit_enterprises"]
    s["26"] = _r(_1 if shortfall <= 0 else max(_0, 1 - H * shortfall))
    shortfall = f["new_certified_target"] - f["new_certified_enterprises"]
    s["27.1"] = _r(_1 if shortfall <= 0 else max(_0, 1 - _0_1 * shortfall))
    applied, target = f["standardization_pilots_applied"], f["standardization_pilots_target"]
    s["27.2"] = _r(_1 if target == 0 or applied >= target else Decimal(applied) / target)
    energy = f["energy_saving_enterprises"]
    if energy == 0:
        s["27.3"] = _r(_1)  # not applicable: full points
    else:
        # r = certified / enterprises * 100, not rounded: compared exactly, without dividing.
        certified100 = f["aaa_measurement_certified"] * 100
        s["27.3"] = _r(_1 if certified100 >= 3 * energy else H if certified100 >= energy else _0)

    bonus = min(
        Decimal(5),
        H * f["innovations_promoted_city"]
        + f["innovations_promoted_province"]
        + 2 * f["innovations_promoted_national"]
        + _0_2 * f["mayor_quality_awards"]
        + H * f["national_or_provincial_quality_awards"]
        + f["china_quality_awards"]
        + H * f["provincial_excellent_projects"]
        + f["national_engineering_awards"]
        + f["national_brand_demo_zone_named"],
    )
    s["bonus"] = _r(bonus)

    def capped(points: int | Decimal, *ids: str) -> Decimal:
        return min(Decimal(points), sum((s[i] for i in ids), _0))

    macro = min(
        Decimal(23),
        s["1"] + s["2"] + capped(4, "3.1", "3.2") + capped(6, "4.1", "4.2", "4.3")
        + s["5"] + s["6"] + s["7"] + s["8"],
    )  # fmt: skip
    safety = min(
        Decimal(27),
        s["9"]
        + capped(4, "10.1", "10.2", "10.3")
        + capped(11, "11.1", "11.2", "11.3", "11.4", "11.5", "11.6", "11.7", "11.8")
        + capped(5, "12.1", "12.2", "12.3")
        + capped(5, "13.1", "13.2", "13.3", "13.4", "13.5", "13.6"),
    )
    foundation = min(
        Decimal(14),
        s["14"] + s["15"] + capped(4, "16.1", "16.2") + capped(4, "17.1", "17.2"),
    )
    results = min(
        Decimal(36),
        s["18"]
        + capped(10, "19.1", "19.2", "19.3", "19.4", "19.5", "19.6")
        + capped(4, "20.1", "20.2")
        + s["21"]
        + capped(4, "22.1", "22.2")
        + s["23"]
        + capped(2, "24.1", "24.2")
        + s["25"]
        + s["26"]
        + capped(3, "27.1", "27.2", "27.3"),
    )
    s["total"] = macro + safety + foundation + results + s["bonus"]
    return s
