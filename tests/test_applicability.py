"""Applicability meets other features (issue #20): a node that does not apply needs no
judgement, is left out of every aggregate over entities (which says how many), a value
scoped to a group is worked out for that group only, and a veto reads ranks of scores."""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import qualscore
from conftest import ROOT, item_yaml, run_cli, write_ruleset
from qualscore import FactsError, check_facts, evaluate, evaluate_cohort, load_rules
from qualscore.report.data import to_data
from qualscore.scoring.explain import explain

D = Decimal


# --- 1. a judged item that does not apply needs no judgement ---------------------------

_PORTS = """
- {key: ports, type: count, label: Ports}
- {key: port_target, type: count, label: Port target, role: target}
"""
_JUDGED_NA = item_yaml(
    "kind: judged",
    item_id="7",
    extra="""
    not_applicable:
      when: ports == 0
      award: 0
      reason: no ports to inspect
    """,
) + item_yaml("kind: formula\nexpr: min(ports, 5)", item_id="8", points=5)


def _judged_rules(tmp_path: Path) -> qualscore.RuleSet:
    return load_rules(write_ruleset(tmp_path, _PORTS, _JUDGED_NA))


def test_a_judged_item_that_does_not_apply_needs_no_judgement(tmp_path: Path) -> None:
    """With no ports, item 7 is not applicable: no judgement asked, its award, its reason."""
    rules = _judged_rules(tmp_path)
    result = evaluate(rules, check_facts(rules, {"ports": 0, "port_target": 1}))
    item = result.item("7")
    assert (item.score, item.not_applicable, item.shape) == (D(0), "no ports to inspect", None)
    assert result.total == D(0)


def test_a_judged_item_that_applies_still_needs_its_judgement(tmp_path: Path) -> None:
    """With ports, the judgement is required, as before; given, it scores."""
    rules = _judged_rules(tmp_path)
    with pytest.raises(FactsError) as caught:
        check_facts(rules, {"ports": 2, "port_target": 1})
    assert str(caught.value) == "<facts>:1:1: missing judgement of item '7' (Item 7)"
    facts = check_facts(rules, {"ports": 2, "port_target": 1,
                                "judged": {"7": {"score": 6, "reason": "two ports seen"}}})  # fmt: skip
    assert evaluate(rules, facts).total == D(8)


def test_a_judgement_given_for_an_item_that_does_not_apply_is_checked_not_used(
    tmp_path: Path,
) -> None:
    """A judgement given anyway (a template filled in for every item) is still checked
    against the item's bounds, and the item stays not applicable."""
    rules = _judged_rules(tmp_path)
    facts = check_facts(rules, {"ports": 0, "port_target": 1,
                                "judged": {"7": {"score": 6, "reason": "seen"}}})  # fmt: skip
    assert evaluate(rules, facts).item("7").not_applicable == "no ports to inspect"
    with pytest.raises(FactsError) as caught:
        check_facts(rules, {"ports": 0, "port_target": 1,
                            "judged": {"7": {"score": 11, "reason": "seen"}}})  # fmt: skip
    assert str(caught.value) == "<facts>:1:1: judged.7.score: 11 is above the item's 10 points"


def test_a_blank_target_the_condition_reads_makes_the_judgement_unneeded(tmp_path: Path) -> None:
    """An item reading a blank target does not apply: its judgement is not asked either."""
    items = item_yaml(
        "kind: judged",
        item_id="7",
        extra="""
        not_applicable:
          when: port_target == 0
          reason: no port target
        """,
    )
    rules = load_rules(write_ruleset(tmp_path, _PORTS, items))
    result = evaluate(rules, check_facts(rules, {"ports": 3, "port_target": None}))
    assert (result.item("7").score, result.item("7").not_applicable) == (D(10), "no port target")


def test_a_condition_that_cannot_be_decided_keeps_the_judgement_asked(tmp_path: Path) -> None:
    """A refused fact leaves the condition undecided: the judgement is asked for, beside
    the fact's own problem (nothing is waived on a guess)."""
    rules = _judged_rules(tmp_path)
    with pytest.raises(FactsError) as caught:
        check_facts(rules, {"ports": -1, "port_target": 1})
    assert str(caught.value).splitlines() == [
        "<facts>:1:1: missing judgement of item '7' (Item 7)",
        "<facts>:1:1: ports: -1 is below the allowed minimum 0",
    ]


def test_the_cli_evaluates_a_facts_file_without_the_judgement(tmp_path: Path) -> None:
    """qualscore evaluate: exit 0, item 7 shown as not applicable in the JSON."""
    root = write_ruleset(tmp_path, _PORTS, _JUDGED_NA)
    facts = tmp_path / "f.yaml"
    facts.write_text("ports: 0\nport_target: 1\n", "utf-8")
    code, out, err = run_cli("evaluate", root, facts, "--format", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    item = next(i for c in doc["categories"] for i in c["children"] if i["id"] == "7")
    assert (item["score"], item["not_applicable"]) == ("0", "no ports to inspect")


# --- helpers: the same entities scored by evaluate_cohort and by qualscore batch ------------


def _with_cohort(root: Path, cohort_yaml: str) -> Path:
    """``root`` with ``cohort:`` added to its facts.yaml."""
    facts = root / "facts.yaml"
    facts.write_text(facts.read_text("utf-8") + "cohort:\n" + cohort_yaml, "utf-8")
    return root


def _batch(tmp_path: Path, root: Path, entities: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """qualscore batch of ``entities`` (one CSV row each): its JSON."""
    keys = sorted({k for facts in entities.values() for k in facts})
    table = tmp_path / f"{root.name}.csv"
    rows = [",".join(["entity", *keys])]
    for name, facts in entities.items():
        rows.append(",".join([name, *(str(facts.get(k, "")).lower() for k in keys)]))
    table.write_text("\n".join(rows) + "\n", "utf-8")
    out = tmp_path / f"{root.name}.json"
    code, _, err = run_cli("batch", root, table, "--out", out)
    assert (code, err) == (0, ""), err
    doc: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return doc


def _as_batch_says(scored: qualscore.CohortResult) -> dict[str, Any]:
    """What a batch JSON says of each entity, from evaluate_cohort's results."""
    from qualscore.scoring.words import fmt

    return {
        name: {
            "total": fmt(r.total),
            "items": {i.id: fmt(i.score) for i in r.items},
            "cohort": {k: format(e.value, "f") for k, e in r.cohort.items()},
        }
        for name, r in scored.items()
    }


def _batch_says(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        r["entity"]: {"total": r["total"], "items": r["items"], "cohort": r.get("cohort", {})}
        for r in doc["ranking"]
    }


# --- 2. an entity where a node does not apply is in no aggregate of its score --------------

_PORT_STATS = """\
  - {key: share_mean, label: Mean share, stat: mean, score: "1"}
  - {key: share_median, label: Median share, stat: median, score: "1"}
  - {key: share_max, label: Best share, stat: max, score: "1"}
  - {key: share_min, label: Worst share, stat: min, score: "1"}
  - {key: share_count, label: Entities compared, stat: count, score: "1"}
  - {key: share_of_top, label: Share of the best, stat: share_of_best, score: "1", places: 4}
  - {key: share_rank, label: Rank of share, stat: rank, score: "1"}
"""
_PORT_ENTITIES = {
    "a": {"share": "0.4", "has_ports": True},
    "b": {"share": "0.5", "has_ports": True},
    "c": {"share": "0.6", "has_ports": True},
    "d": {"share": "0.9", "has_ports": False},
    "e": {"share": "0.9", "has_ports": False},
}


def _port_rules(tmp_path: Path, award: str) -> Path:
    """Item 1 (a share) does not apply without ports, awarding ``award``; item 2 reads
    its rank, item 3 its share of the best, item 4 the other stats."""
    items = (
        item_yaml(
            "kind: formula\nexpr: share",
            item_id="1",
            points=1,
            extra=f"not_applicable: {{when: not has_ports, {award}reason: no ports}}",
        )
        + item_yaml("{kind: rank, rank: share_rank, points: [3, 2, 1]}", item_id="2", points=3)
        + item_yaml("kind: formula\nexpr: 10 * share_of_top", item_id="3")
        + item_yaml(
            "kind: formula\n"
            "expr: 0 * (share_mean + share_median + share_max + share_min + share_count)",
            item_id="4",
        )
    )
    facts = """
    - {key: share, type: number, label: Share}
    - {key: has_ports, type: bool, label: Has ports}
    """
    return _with_cohort(write_ruleset(tmp_path, facts, items), _PORT_STATS)


@pytest.mark.parametrize("award", ["award: 0, ", ""], ids=["award-0", "award-full"])
def test_every_stat_of_a_score_leaves_out_the_entities_where_it_does_not_apply(
    tmp_path: Path, award: str
) -> None:
    """Whatever the item awards when it does not apply, d and e are left out: the mean is
    0.5 over 3 (not 0.3 or 0.7 over 5), d and e have no rank and no share, and each
    value says that 2 were left out."""
    rules = load_rules(_port_rules(tmp_path, award))
    scored = evaluate_cohort(rules, _PORT_ENTITIES)
    summaries = {s.key: (s.value, s.entities, s.leaders, s.left_out) for s in scored.summaries}
    compared, out = ("a", "b", "c"), ("d", "e")
    assert summaries == {
        "share_mean": (D("0.5"), compared, (), out),
        "share_median": (D("0.5"), compared, (), out),
        "share_max": (D("0.6"), compared, ("c",), out),
        "share_min": (D("0.4"), compared, ("a",), out),
        "share_count": (D(3), compared, (), out),
        "share_of_top": (D("0.6"), compared, ("c",), out),
        "share_rank": (D("0.6"), compared, ("c",), out),
    }
    ranks = {n: r.cohort.get("share_rank") for n, r in scored.items()}
    assert {n: e.value if e else None for n, e in ranks.items()} == {
        "a": 3, "b": 2, "c": 1, "d": None, "e": None,
    }  # fmt: skip
    assert scored["a"].cohort["share_of_top"].value == D("0.6667")
    assert "share_of_top" not in scored["d"].cohort
    assert {e.left_out for r in scored.values() for e in r.cohort.values()} == {2}
    d = scored["d"]
    assert [(i.id, i.not_applicable is not None) for i in d.items] == [
        ("1", True), ("2", True), ("3", True), ("4", False),
    ]  # fmt: skip
    assert d.cohort["share_mean"].own is None and d.cohort["share_mean"].value == D("0.5")


def test_the_explanation_and_the_json_say_how_many_were_left_out(tmp_path: Path) -> None:
    """The rank's line ends with the 2 left out; the JSON carries ``left_out``."""
    rules = load_rules(_port_rules(tmp_path, ""))
    result = evaluate_cohort(rules, _PORT_ENTITIES)["a"]
    assert explain(result.item("2"), "en") == [
        "Rank of share: this entity scored 0.4, rank 3 of 3 entities (2 with no value left out)",
        "Rank of share: rank 3: 1 pt by rank",
        "scores 1 of 3 (lost 2)",
    ]
    assert explain(result.item("2"), "zh")[0] == (
        "Rank of share：本单位得分 0.4，第 3 名 / 3 个单位（另 2 个单位无可比的值，未计入）"
    )
    data = to_data(result)["cohort"]
    assert (data["share_mean"]["size"], data["share_mean"]["left_out"]) == (3, 2)
    assert data["share_mean"]["value"] == "0.50"


def test_batch_leaves_out_the_same_entities_as_evaluate_cohort(tmp_path: Path) -> None:
    """qualscore batch: the same scores and cohort values; summaries over a, b, c."""
    root = _port_rules(tmp_path, "award: 0, ")
    scored = evaluate_cohort(load_rules(root), _PORT_ENTITIES)
    doc = _batch(tmp_path, root, _PORT_ENTITIES)
    assert _batch_says(doc) == _as_batch_says(scored)
    assert {s["key"]: s["entities"] for s in doc["cohort"]}["share_mean"] == ["a", "b", "c"]
    assert {r["entity"]: r["cohort"]["share_mean"] for r in doc["ranking"]} == dict.fromkeys(
        "abcde", "0.50"
    )


def test_an_indicator_none_of_whose_items_apply_is_left_out_of_its_rank(tmp_path: Path) -> None:
    """An indicator whose every item does not apply has no score to rank (what its items
    award is no value); one with an item that applies is ranked on its score."""
    port_items = item_yaml(
        "kind: formula\nexpr: ports", item_id="1.1", points=5,
        extra="not_applicable: {when: ports == 0, reason: no ports}",
    ) + item_yaml(
        "kind: formula\nexpr: 2 * ports", item_id="1.2", points=5,
        extra="not_applicable: {when: ports == 0, reason: no ports}",
    )  # fmt: skip
    items = (
        '- id: "1"\n  title: Ports\n  points: 10\n  items:\n'
        + textwrap.indent(port_items, "    ")
        + item_yaml("{kind: rank, rank: port_rank, points: [2, 1]}", item_id="2", points=2)
    )
    facts = "- {key: ports, type: count, label: Ports}"
    root = _with_cohort(
        write_ruleset(tmp_path, facts, items),
        '  - {key: port_rank, label: Port rank, stat: rank, score: "1"}\n',
    )
    entities = {"x": {"ports": 1}, "y": {"ports": 2}, "z": {"ports": 0}}
    scored = evaluate_cohort(load_rules(root), entities)
    assert {n: r.item("2").score for n, r in scored.items()} == {"x": 1, "y": 2, "z": 0}
    assert scored["z"].item("2").not_applicable is not None
    (summary,) = scored.summaries
    assert (summary.entities, summary.left_out) == (("x", "y"), ("z",))
    assert _batch_says(_batch(tmp_path, root, entities)) == _as_batch_says(scored)


# --- 3. a value scoped to a group is worked out for that group's entities only -----------

_GROUPS = """
groups:
  - {id: depts, members: [d1, d2]}
  - {id: towns, members: [t1, t2]}
"""
_GROUP_ENTITIES = {
    "d1": {"done": 4, "staff": 2},
    "d2": {"done": 6, "staff": 2},
    "t1": {"done": 0, "staff": 0},
    "t2": {"done": 1, "staff": 1},
}


def _group_rules(tmp_path: Path) -> Path:
    """Departments are compared by done per staff (scope: depts); a town has no staff to
    divide by. Item 3 lets towns read the departments' mean; item 4 ranks the departments."""
    items = (
        item_yaml("kind: formula\nexpr: 10 - abs(done / staff - ratio_mean)", item_id="1",
                  extra="applies_to: [depts]")
        + item_yaml("kind: formula\nexpr: done + staff", item_id="2", extra="applies_to: [towns]")
        + item_yaml("kind: formula\nexpr: ratio_mean", item_id="3", extra="applies_to: [towns]")
        + item_yaml("{kind: rank, rank: ratio_rank, points: [2, 1]}", item_id="4", points=2)
    )  # fmt: skip
    facts = """
    - {key: done, type: count, label: Done}
    - {key: staff, type: count, label: Staff}
    """
    root = write_ruleset(tmp_path, facts, items, manifest_yaml=_GROUPS)
    return _with_cohort(
        root,
        "  - {key: ratio_mean, label: Done per staff mean, stat: mean, of: done / staff,"
        " scope: depts}\n"
        "  - {key: ratio_rank, label: Done per staff rank, stat: rank, of: done / staff,"
        " scope: depts}\n",
    )


def test_a_value_scoped_to_a_group_is_not_worked_out_for_another_groups_entities(
    tmp_path: Path,
) -> None:
    """t1 has no staff: done / staff is never computed for it, so it is scored, not
    refused; the towns are in neither the mean nor the ranking, and not left out of it."""
    rules = load_rules(_group_rules(tmp_path))
    scored = evaluate_cohort(rules, _GROUP_ENTITIES)
    assert dict(scored.failed) == {}
    totals = {n: r.total for n, r in scored.items()}
    assert totals == {"d1": D("10.5"), "d2": D("11.5"), "t1": D("2.5"), "t2": D("4.5")}
    summaries = {s.key: (s.scope, s.entities, s.value, s.left_out) for s in scored.summaries}
    assert summaries == {
        "ratio_mean": ("depts", ("d1", "d2"), D("2.5"), ()),
        "ratio_rank": ("depts", ("d1", "d2"), D(3), ()),
    }


def test_another_groups_entity_is_compared_with_the_group_or_not_at_all(tmp_path: Path) -> None:
    """A town reading the departments' mean is compared with it (no own value of its own);
    a town reading their rank has none: that item does not apply to it (not compared)."""
    rules = load_rules(_group_rules(tmp_path))
    town = evaluate_cohort(rules, _GROUP_ENTITIES)["t2"]
    mean = town.cohort["ratio_mean"]
    assert (mean.value, mean.own, mean.size, mean.scope) == (D("2.5"), None, 2, "depts")
    assert explain(town.item("3"), "en")[0] == (
        "Done per staff mean: the mean of 2 entities in depts: 2.5"
    )
    assert "ratio_rank" not in town.cohort
    assert town.item("4").not_applicable == (
        "not compared (Done per staff rank: this entity has no value to compare, "
        "or is outside the cohort)"
    )


def test_batch_works_a_group_scoped_value_out_as_evaluate_cohort_does(tmp_path: Path) -> None:
    """qualscore batch: every entity scored (none refused for a division by zero), the
    same scores and cohort values as evaluate_cohort."""
    root = _group_rules(tmp_path)
    scored = evaluate_cohort(load_rules(root), _GROUP_ENTITIES)
    doc = _batch(tmp_path, root, _GROUP_ENTITIES)
    assert doc["failed"] == []
    assert _batch_says(doc) == _as_batch_says(scored)


# --- 4. a veto reads the rank of a score ------------------------------------------------

YUNHE = ROOT / "examples" / "yunhe-quality"
_BOTTOM_THREE = """
grades:
  - {grade: 优秀, at_least: 40}
  - {grade: 合格, below: 40}
vetoes:
  - id: 后三位
    title: 质量发展得分排名后三位
    when: development_rank >= 6
    result: 不得评为优秀
    grade: 合格
    criteria: 质量发展得分排名后三位的，不得评为优秀。
    departments: [县质量办]
"""


def _yunhe_bottom_three(tmp_path: Path) -> Path:
    """examples/yunhe-quality, with grades and a veto on the rank of category 一's score."""
    import shutil

    root = tmp_path / "yunhe"
    shutil.copytree(YUNHE, root)
    manifest = root / "ruleset.yaml"
    manifest.write_text(manifest.read_text("utf-8") + _BOTTOM_THREE, "utf-8")
    return root


def _yunhe_towns(rules: qualscore.RuleSet, root: Path) -> dict[str, qualscore.Facts]:
    towns = {}
    for path in sorted((root / "entities").glob("*.yaml")):
        if not path.name.endswith(".expected.yaml"):
            facts = qualscore.load_facts(rules, path)
            assert facts.entity is not None
            towns[facts.entity] = facts
    return towns


_VETOED = {"北山乡", "南湖镇", "白沙乡"}  # development ranks 6, 7 and 6 (dense)


def test_a_veto_on_the_rank_of_a_score_is_decided_after_the_scores(tmp_path: Path) -> None:
    """The bottom three by category 一's score are vetoed (graded 合格), the others
    graded by their totals, which the veto leaves as they were."""
    import yaml

    root = _yunhe_bottom_three(tmp_path)
    assert run_cli("validate", root)[0] == 0
    rules = load_rules(root)
    scored = evaluate_cohort(rules, _yunhe_towns(rules, root))
    assert dict(scored.failed) == {}
    vetoed = {n for n, r in scored.items() if r.vetoed}
    assert vetoed == _VETOED
    assert {n: r.cohort["development_rank"].value >= 6 for n, r in scored.items()} == {
        n: n in _VETOED for n in scored
    }
    for name, result in scored.items():
        want = yaml.safe_load((root / "entities" / f"{name}.expected.yaml").read_text("utf-8"))
        assert result.total == D(str(want["total"]))
        graded = "合格" if name in _VETOED or result.total < 40 else "优秀"
        assert (result.grade, result.result_label) == (
            graded,
            "不得评为优秀" if name in _VETOED else "已评定",
        )


def test_batch_decides_the_veto_as_evaluate_cohort_does(tmp_path: Path) -> None:
    """qualscore batch: no entity refused; the same totals, results and grades."""
    root = _yunhe_bottom_three(tmp_path)
    rules = load_rules(root)
    scored = evaluate_cohort(rules, _yunhe_towns(rules, root))
    out = tmp_path / "out.json"
    code, _, err = run_cli("batch", root, root / "entities", "--out", out)
    assert (code, err) == (0, "")
    doc = json.loads(out.read_text("utf-8"))
    assert doc["failed"] == []
    assert _batch_says(doc) == _as_batch_says(scored)
    assert {r["entity"]: (r["vetoed"], r["result_label"], r["grade"]) for r in doc["ranking"]} == {
        n: (r.vetoed, r.result_label, r.grade) for n, r in scored.items()
    }


def test_a_veto_reading_a_value_the_entity_has_not_does_not_hold(tmp_path: Path) -> None:
    """d and e, where item 1 does not apply, have no rank: a veto on the rank does not
    apply to them, so it does not hold (as an item reading it does not apply); a, ranked
    3rd, is vetoed. Given with the value null, evaluate decides it alike."""
    root = _port_rules(tmp_path, "")
    manifest = root / "ruleset.yaml"
    manifest.write_text(
        manifest.read_text("utf-8") + "vetoes:\n  - {id: last, title: Last, "
        "when: share_rank >= 3, result: failed, criteria: The last is failed.,"
        " departments: [Test Department]}\n",
        "utf-8",
    )
    rules = load_rules(root)
    scored = evaluate_cohort(rules, _PORT_ENTITIES)
    assert {n: r.vetoed for n, r in scored.items()} == {
        "a": True, "b": False, "c": False, "d": False, "e": False,
    }  # fmt: skip
    doc = _batch(tmp_path, root, _PORT_ENTITIES)
    assert {r["entity"]: r["vetoed"] for r in doc["ranking"]} == {
        n: r.vetoed for n, r in scored.items()
    }
    # d's values as evaluate_cohort worked them out; None: in no such cohort (no rank).
    given = {c.key: None for c in rules.cohort} | {
        k: e.value for k, e in scored["d"].cohort.items()
    }
    assert given["share_rank"] is None
    facts = check_facts(rules, _PORT_ENTITIES["d"])
    assert evaluate(rules, facts, cohort=given).vetoed is False
    assert qualscore.score(rules, facts, cohort=given).vetoed is False


def test_batch_words_a_later_veto_as_the_plan_decided_it(tmp_path: Path) -> None:
    """Two vetoes, the first on a rank d and e have not, the second holding for them: batch
    gives d and e the second's result word, as evaluate_cohort does (it used to decide the
    vetoes again and fail on the missing rank: an internal error for d and e)."""
    root = _port_rules(tmp_path, "")
    manifest = root / "ruleset.yaml"
    manifest.write_text(
        manifest.read_text("utf-8") + "vetoes:\n"
        "  - {id: last, title: Last, when: share_rank >= 3, result: failed,"
        " criteria: The last is failed., departments: [Test Department]}\n"
        "  - {id: portless, title: No ports, when: not has_ports, result: no ports,"
        " criteria: No ports fails., departments: [Test Department]}\n",
        "utf-8",
    )
    scored = evaluate_cohort(load_rules(root), _PORT_ENTITIES)
    doc = _batch(tmp_path, root, _PORT_ENTITIES)
    assert doc["failed"] == []
    words = {r["entity"]: (r["vetoed"], r["result_label"]) for r in doc["ranking"]}
    assert words == {n: (r.vetoed, r.result_label) for n, r in scored.items()}
    assert words == {
        "a": (True, "failed"), "b": (False, None), "c": (False, None),
        "d": (True, "no ports"), "e": (True, "no ports"),
    }  # fmt: skip


def test_batch_says_which_entities_a_cohort_value_left_out(tmp_path: Path) -> None:
    """The batch JSON names the entities with no value (d and e: item 1 does not apply to
    them), and the terminal says how many and which, after the value's line."""
    root = _port_rules(tmp_path, "")
    doc = _batch(tmp_path, root, _PORT_ENTITIES)
    assert {c["key"]: c["left_out"] for c in doc["cohort"]} == {
        c["key"]: ["d", "e"] for c in doc["cohort"]
    }
    table = next(tmp_path.glob("*.csv"))
    code, out, err = run_cli("batch", root, table)
    assert (code, err) == (0, "")
    assert "Rank of share, computed from 3 (2 with no value left out: d, e)" in out, out
