"""The invented scheme examples/chengjiang-safety: six entities scored together, each
total, verdict, rank of the total and grade as worked out by hand in its EXPECTED.md
(named values reading items' verdicts, a section's and the scheme's verdict, a grade
capped by the rank of the total with a tie at the boundary, a bonus with no cap, a
deduction per whole step, a judged part and an item for two of three groups)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

import qualscore
from conftest import ROOT, entity_facts, expected_of, run_cli
from qualscore.scoring.explain import explain

D = Decimal
SCHEME = ROOT / "examples" / "chengjiang-safety"
ENTITIES = SCHEME / "entities"

# Worked out by hand (EXPECTED.md), not copied from the program's output:
# name: (total, 总分全县排名, grade, the scheme's verdict, section 一's verdict)
HAND = {
    "石桥镇": (D("100.5"), 1, "优秀", "达标", "达标"),
    "梅园乡": (D("99.89"), 2, "优秀", "未达标", "未达标"),
    "东坡镇": (D("94.5"), 3, "优秀", "未达标", "未达标"),
    "松林镇": (D("94"), 4, "优秀", "达标", "达标"),
    "湖滨街道": (D("94"), 4, "优秀", "达标", "达标"),
    "青龙乡": (D("91.8"), 6, "良好", "达标", "达标"),  # last: 后两位 caps 优秀 at 良好
}


def _expected(name: str) -> dict[str, Any]:
    return expected_of(ENTITIES / f"{name}.expected.yaml")


@pytest.fixture(scope="module")
def rules() -> qualscore.RuleSet:
    return qualscore.load_rules(SCHEME)


@pytest.fixture(scope="module")
def scored(rules: qualscore.RuleSet) -> qualscore.CohortResult:
    towns = entity_facts(rules, ENTITIES)
    return qualscore.evaluate_cohort(rules, towns)


def test_the_six_get_the_hand_worked_totals_ranks_grades_and_verdicts(
    scored: qualscore.CohortResult,
) -> None:
    """Totals, ranks of the total, grades, the scheme's and section 一's verdicts; nobody
    vetoed, every result 已评定."""
    assert not scored.failed
    got = {
        name: (r.total, r.cohort["total_rank"].value, r.grade, r.verdict,
               r.categories[0].verdict)
        for name, r in scored.items()
    }  # fmt: skip
    assert got == HAND
    assert {(r.vetoed, r.result_label) for r in scored.values()} == {(False, "已评定")}


def test_the_tie_at_the_boundary_rank_keeps_both_out_of_the_last_two(
    scored: qualscore.CohortResult,
) -> None:
    """松林镇 and 湖滨街道 (94) share 4th: there is no 5th, so 后两位 (rank >= 5) holds for
    青龙乡 alone, and only its grade is capped; its total stays 91.8."""
    held = {n for n, r in scored.items() for v in r.vetoes if v.id == "后两位" and v.held}
    assert held == {"青龙乡"}
    tie = {n: (r.cohort["total_rank"].value, r.cohort["total_rank"].tied)
           for n, r in scored.items() if n in ("松林镇", "湖滨街道")}  # fmt: skip
    assert tie == {"松林镇": (4, 2), "湖滨街道": (4, 2)}
    assert all(not v.held for r in scored.values() for v in r.vetoes if v.id == "较大事故")


@pytest.mark.parametrize("name", sorted(HAND))
def test_each_item_category_value_and_verdict_is_its_expected_file(
    scored: qualscore.CohortResult, name: str
) -> None:
    """Every item, category, named value and verdict as entities/NAME.expected.yaml says;
    only the items that apply to the entity (2.3 for 镇 and 乡, 2.4 for 街道)."""
    want, result = _expected(name), scored[name]
    assert {i.id: i.score for i in result.items} == {k: D(v) for k, v in want["items"].items()}
    assert {c.id: c.score for c in result.categories} == {
        k: D(v) for k, v in want["categories"].items()
    }
    assert (result.total, result.possible) == (D(want["total"]), D(want["possible"]))
    assert {v.key: str(v.value).lower() for v in result.values} == want["values"]
    verdicts = {n.id: n.verdict for n in result.judged()} | {"scheme": result.verdict}
    assert verdicts == want["verdicts"]
    assert (result.cohort["total_rank"].value, result.grade) == (
        int(want["total_rank"]),
        want["grade"],
    )


def test_the_bonus_section_s_rule_zeroes_the_promotion_reported_without_its_proof(
    scored: qualscore.CohortResult,
) -> None:
    """Section 四 requires evidence (stated once for the section): 石桥镇 reports its
    promotion with a note but no proof, so 4.2 adds nothing and says why; every other
    piece of section 四 came with its evidence."""
    item = scored["石桥镇"].item("4.2")
    assert (item.score, item.missing_evidence) == (D(0), (("innovation_promoted", "安全生产工作经验被市级以上推广"),))
    assert "缺少佐证材料（安全生产工作经验被市级以上推广），本项不得分" in explain(item, "zh")
    assert item.inputs[0].provenance == ("县安委办", None, "推广证明未随报表报送")
    others = [i for n in HAND for i in scored[n].items if i.missing_evidence]
    assert [i.id for i in others] == ["4.2"]


def test_batch_ranks_each_group_and_agrees_with_the_expected_files(tmp_path: Path) -> None:
    """`qualscore batch`: each group ranked on its own, the totals, grades, verdicts, the
    nodes not met and the rank of the total (JSON ``cohort``) of the expected files."""
    out = tmp_path / "out.json"
    code, _, err = run_cli("batch", SCHEME, ENTITIES, "--out", out)
    assert (code, err) == (0, "")
    rows = json.loads(out.read_text("utf-8"))["ranking"]
    got = {r["entity"]: (r["group"], r["rank"], r["total"], r["grade"], r["verdict"],
                         set(r["not_met"]), int(r["cohort"]["total_rank"]))
           for r in rows}  # fmt: skip
    groups = {"石桥镇": "镇", "松林镇": "镇", "东坡镇": "镇", "梅园乡": "乡", "青龙乡": "乡",
              "湖滨街道": "街道"}  # fmt: skip
    assert got == {
        n: (groups[n], int(w["rank"]), w["total"], w["grade"], w["verdicts"]["scheme"],
            {k for k, v in w["verdicts"].items() if k != "scheme" and v == "未达标"},
            int(w["total_rank"]))
        for n in HAND
        for w in [_expected(n)]
    }  # fmt: skip
    csv_out = tmp_path / "out.csv"
    assert run_cli("batch", SCHEME, ENTITIES, "--out", csv_out)[0] == 0
    table = {r["entity"]: r for r in csv.DictReader(csv_out.open(encoding="utf-8"))}
    assert (table["湖滨街道"]["2.3"], table["湖滨街道"]["2.4"]) == ("", "6")
    assert (table["青龙乡"]["2.3"], table["青龙乡"]["2.4"]) == ("6", "")


def test_one_entity_scored_alone_with_its_published_rank_gets_its_batch_result(
    rules: qualscore.RuleSet,
) -> None:
    """青龙乡 with published/青龙乡.yaml (total_rank 6): 91.8, capped at 良好."""
    given = yaml.safe_load((SCHEME / "published" / "青龙乡.yaml").read_text("utf-8"))
    facts = qualscore.load_facts(rules, ENTITIES / "青龙乡.yaml")
    result = qualscore.evaluate(rules, facts, cohort=given)
    assert (result.total, result.grade, result.verdict) == (D("91.8"), "良好", "达标")


def test_validate_strict_and_the_scheme_tests_reach_every_branch() -> None:
    """No warning to acknowledge; the cases of tests/ pass and reach every branch."""
    code, out, err = run_cli("validate", SCHEME, "--strict")
    assert (code, err) == (0, "")
    assert out.endswith("0 warnings\n")
    code, out, _ = run_cli("test", SCHEME, "--min-coverage", "100")
    assert code == 0, out
    assert out.endswith("coverage: 100% (43 of 43 branches reached)\n")
