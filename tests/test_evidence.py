"""Where each fact came from (its supplier, evidence and note), and items that must have
their evidence: a rule stated once for a section (无佐证材料的不得分), an item lacking a
piece scoring 0 and saying which piece it lacks."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import qualscore
from conftest import rule_folder
from qualscore import FactsError, check_facts, evaluate, load_facts, load_rules, score
from qualscore.cli.app import main
from qualscore.report.data import to_data
from qualscore.report.html import to_html
from qualscore.report.template import to_csv, to_yaml
from qualscore.scoring.explain import explain

D = Decimal

_MANIFEST = """\
id: ev
title: 服务质量考核
year: 2026
language: zh
rounding: {places: 2, mode: half_up}
total_points: 30
"""

_FACTS = """\
facts:
  - {key: visits, type: count, label: 入户走访次数, supplier: 社区服务中心}
  - {key: rate, type: percent, label: 满意率}
  - {key: complaints, type: count, label: 有效投诉件数}
  - {key: closed, type: count, label: 办结件数}
values:
  - {key: closure, label: 办结率, expr: "closed / max(complaints, 1) * 100"}
"""

# Section A requires evidence of every item (A3 opts out); in B only B1 requires it.
_A = """\
id: A
title: 服务台账
points: 30
evidence: required
items:
  - {id: A1, title: 入户走访, points: 10, criteria: 每户1分, departments: [社区服务中心],
     score: {kind: formula, expr: visits}}
  - {id: A2, title: 办结率, points: 10, criteria: 办结率达90%得满分, departments: [办公室],
     score: {kind: tiers, value: closure, bands: [{at_least: 90, points: 10}]}}
  - {id: A3, title: 满意度, points: 5, criteria: 满意率达90%得满分, departments: [办公室],
     evidence: optional,
     score: {kind: tiers, value: rate, bands: [{at_least: 90, points: 5}]}}
  - {id: A4, title: 台账检查, points: 5, criteria: 检查组酌情打分, departments: [办公室],
     not_applicable: {when: "visits == 0", reason: 本年无走访},
     score: {kind: judged, reason: optional}}
"""

_B = """\
id: B
title: 投诉
kind: penalty
points: 10
items:
  - {id: B1, title: 有效投诉, points: 10, criteria: 每件扣2分, departments: [办公室],
     evidence: required, score: {kind: formula, expr: "-2 * complaints"}}
"""


def _write(tmp_path: Path, **files: str) -> Path:
    texts = {"manifest": _MANIFEST, "facts": _FACTS, "a": _A, "b": _B} | files
    return rule_folder(tmp_path / "rules", texts["manifest"], texts["facts"], a=texts["a"], b=texts["b"])


@pytest.fixture(name="rules")
def _rules(tmp_path: Path) -> qualscore.RuleSet:
    return load_rules(_write(tmp_path))


def _with(value: object, evidence: str | None = "台账", **more: str) -> dict[str, object]:
    return {"value": value, **({"evidence": evidence} if evidence else {}), **more}


def _full(**changes: object) -> dict[str, Any]:
    """Every fact with its evidence, and A4 judged with its own: nothing lacking."""
    data: dict[str, Any] = {
        "visits": _with(8, "走访台账第3页", note="含补录2户"),
        "rate": 92,
        "complaints": _with(2, "投诉登记表", supplier="12345热线"),
        "closed": _with(2, "办结回访记录"),
        "judged": {"A4": {"score": 4, "evidence": "检查记录-11-05"}},
    }
    return data | changes


def _scores(result: qualscore.Result) -> dict[str, Decimal]:
    return {i.id: i.score for i in result.items}


def test_with_every_piece_of_evidence_items_score_as_written(rules: qualscore.RuleSet) -> None:
    result = evaluate(rules, check_facts(rules, _full()))
    assert _scores(result) == {"A1": 8, "A2": 10, "A3": 5, "A4": 4, "B1": -4}
    assert all(i.missing_evidence == () for i in result.items)


def test_an_item_lacking_a_fact_s_evidence_scores_0_and_says_which(
    rules: qualscore.RuleSet,
) -> None:
    result = evaluate(rules, check_facts(rules, _full(visits=8)))
    a1 = result.item("A1")
    assert (a1.score, a1.missing_evidence) == (D(0), (("visits", "入户走访次数"),))
    assert "缺少佐证材料（入户走访次数），本项不得分" in explain(a1, "zh")
    assert explain(a1, "zh")[-1] == "得 0 分（满分 10 分，失 10 分）"
    # It applies: counted in what the scheme can give, points lost.
    assert (a1.not_applicable, a1.lost, result.total) == (None, D(10), D(15))


def test_a_named_value_needs_the_evidence_of_the_facts_it_reads(
    rules: qualscore.RuleSet,
) -> None:
    result = evaluate(rules, check_facts(rules, _full(closed=2)))
    assert result.item("A2").missing_evidence == (("closed", "办结件数"),)
    assert result.item("A2").score == 0


def test_a_rule_for_the_section_binds_every_item_but_one_that_opts_out(
    rules: qualscore.RuleSet,
) -> None:
    """rate has no evidence: A3 says evidence: optional, so it still scores."""
    assert evaluate(rules, check_facts(rules, _full())).item("A3").score == 5


def test_a_penalty_item_lacking_evidence_deducts_nothing(rules: qualscore.RuleSet) -> None:
    result = evaluate(rules, check_facts(rules, _full(complaints=_with(2, None, supplier="热线"))))
    b1 = result.item("B1")
    assert (b1.score, [k for k, _ in b1.missing_evidence]) == (D(0), ["complaints"])
    assert result.item("A2").score == 0  # closure reads complaints too


def test_a_judged_item_needs_the_assessors_evidence(rules: qualscore.RuleSet) -> None:
    result = evaluate(rules, check_facts(rules, _full(judged={"A4": {"score": 4}})))
    a4 = result.item("A4")
    assert (a4.score, a4.missing_evidence) == (D(0), (("judged:A4", "评审依据"),))


def test_an_item_that_does_not_apply_needs_no_evidence(rules: qualscore.RuleSet) -> None:
    """visits 0: A4 does not apply, and neither its judgement nor its evidence is asked."""
    result = evaluate(rules, check_facts(rules, _full(visits=_with(0), judged={})))
    a4 = result.item("A4")
    assert (a4.not_applicable, a4.missing_evidence) == ("本年无走访", ())


def test_the_scores_only_path_agrees(rules: qualscore.RuleSet) -> None:
    for data in (_full(), _full(visits=8), _full(judged={"A4": {"score": 4}}), _full(closed=2)):
        facts = check_facts(rules, data)
        fast, full = score(rules, facts), evaluate(rules, facts)
        assert dict(fast.items) == _scores(full)
        assert fast.total == full.total


def test_where_each_fact_came_from_is_shown_with_it(rules: qualscore.RuleSet) -> None:
    result = evaluate(rules, check_facts(rules, _full()))
    a1 = result.item("A1")
    assert a1.inputs[0].provenance == ("社区服务中心", "走访台账第3页", "含补录2户")
    assert explain(a1, "zh")[0] == (
        "来源：入户走访次数（报送单位：社区服务中心；佐证材料：走访台账第3页；备注：含补录2户）"
    )
    data = to_data(result)
    inputs = {i["key"]: i for c in data["categories"] for n in c["children"] for i in n["inputs"]}
    assert inputs["complaints"] | {} == {
        "key": "complaints", "label": "有效投诉件数", "value": "2", "unit": None,
        "supplier": "12345热线", "evidence": "投诉登记表", "note": None,
    }  # fmt: skip
    assert "supplier" not in inputs["rate"]  # nothing said: nothing added


def test_missing_evidence_is_in_the_json(rules: qualscore.RuleSet) -> None:
    data = to_data(evaluate(rules, check_facts(rules, _full(visits=8))))
    items = {n["id"]: n for c in data["categories"] for n in c["children"]}
    assert items["A1"]["missing_evidence"] == [{"key": "visits", "label": "入户走访次数"}]
    assert "missing_evidence" not in items["A2"]


def test_the_declared_supplier_holds_unless_the_file_names_another(
    rules: qualscore.RuleSet,
) -> None:
    facts = check_facts(rules, _full(visits=_with(8, "台账")))
    assert facts.provenance["visits"].supplier == "社区服务中心"
    facts = check_facts(rules, _full(visits=_with(8, "台账", supplier="民政办")))
    assert facts.provenance["visits"].supplier == "民政办"


def test_evidence_is_part_of_the_fingerprint(rules: qualscore.RuleSet) -> None:
    one = check_facts(rules, _full())
    other = check_facts(rules, _full(closed=_with(2, "另一份记录")))
    assert one.values == other.values and one.sha256 != other.sha256
    # The supplier the rule set declares is the rules', not the file's: naming it again
    # changes nothing in the file's fingerprint... but the file saying it does.
    plain = _full(visits=_with(8, "走访台账第3页", note="含补录2户"))
    named = _full(visits=_with(8, "走访台账第3页", note="含补录2户", supplier="社区服务中心"))
    assert check_facts(rules, plain).provenance == check_facts(rules, named).provenance
    assert check_facts(rules, plain).sha256 != check_facts(rules, named).sha256


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"value": 8, "evidance": "x"}, "visits: unknown key 'evidance'; did you mean 'evidence'?"),
        ({"evidence": "x"}, "visits: give its value (value: …)"),
        ({"value": 8, "evidence": ["a", "b"]}, "visits.evidence: expected text, got a list"),
        ({"value": 8, "note": "a\x1bb"}, "visits.note: control characters"),
    ],
)
def test_a_fact_written_as_a_mapping_is_checked(
    rules: qualscore.RuleSet, given: dict[str, object], message: str
) -> None:
    with pytest.raises(FactsError) as caught:
        check_facts(rules, _full(visits=given))
    assert any(message in p.message for p in caught.value.problems), caught.value.problems


def test_a_facts_file_places_each_problem(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(
        "visits: {value: 8, evidance: 台账}\nrate: 92\ncomplaints: 2\nclosed: 2\n"
        "judged: {A4: {score: 4}}\n",
        encoding="utf-8",
    )
    with pytest.raises(FactsError) as caught:
        load_facts(rules, path)
    assert [str(p).replace(str(tmp_path), "T") for p in caught.value.problems] == [
        "T/f.yaml:1:20: visits: unknown key 'evidance'; did you mean 'evidence'? (a fact "
        "written as a mapping gives its value, and may give its supplier, evidence and note)"
    ]


def test_a_key_value_table_takes_evidence_columns(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    table = tmp_path / "f.csv"
    table.write_text(
        "key,value,supplier,evidence,note\nvisits,8,,走访台账,\nrate,92,,,\n"
        "complaints,2,12345热线,投诉登记表,\nclosed,2,,,\njudged.A4.score,4,,,\n"
        "judged.A4.evidence,检查记录,,,\n",
        encoding="utf-8",
    )
    result = evaluate(rules, load_facts(rules, table))
    assert _scores(result) == {"A1": 8, "A2": 0, "A3": 5, "A4": 4, "B1": -4}
    assert result.item("A2").missing_evidence == (("closed", "办结件数"),)
    assert result.item("B1").inputs[0].provenance == ("12345热线", "投诉登记表", None)


def test_a_batch_table_takes_fact_dot_evidence_columns(tmp_path: Path) -> None:
    rules = _write(tmp_path)
    table = tmp_path / "towns.csv"
    table.write_text(
        "entity,visits,visits.evidence,rate,complaints,complaints.evidence,closed,"
        "closed.evidence,judged.A4.score,judged.A4.evidence\n"
        "甲,8,台账,92,2,登记表,2,回访记录,4,检查记录\n"
        "乙,8,,92,2,登记表,2,回访记录,4,检查记录\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.json"
    err = io.StringIO()
    assert main(["batch", str(rules), str(table), "--out", str(out)], stderr=err) == 0, (
        err.getvalue()
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    scores = {r["entity"]: r["items"]["A1"] for r in doc["ranking"]}
    assert scores == {"甲": "8", "乙": "0"}


def test_templates_ask_for_the_evidence(rules: qualscore.RuleSet) -> None:
    text = to_yaml(rules)
    assert "# evidence required by A1\nvisits: {value: , evidence: }" in text
    assert "\nrate:\n" in text  # A3 opts out: rate is asked for as a plain value
    assert to_csv(rules).splitlines()[0].endswith(",填报值,报送单位,佐证材料,备注")


def test_untrusted_evidence_text_is_escaped_in_html(rules: qualscore.RuleSet) -> None:
    facts = check_facts(rules, _full(visits=_with(8, "<script>alert(1)</script>")))
    html = to_html(evaluate(rules, facts), "zh")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_a_rule_set_without_evidence_keeps_its_fingerprints(tmp_path: Path) -> None:
    """No provenance said: the facts' fingerprint is the values' alone, as before."""
    plain = _FACTS.replace(", supplier: 社区服务中心", "")
    a, b = _A.replace("evidence: required\n", ""), _B.replace("evidence: required, ", "")
    rules = load_rules(_write(tmp_path, facts=plain, a=a, b=b))
    facts = check_facts(rules, {k: v for k, v in _full().items() if k != "judged"} | {
        "visits": 8, "complaints": 2, "closed": 2, "judged": {"A4": {"score": 4}}})  # fmt: skip
    assert facts.provenance == {} and facts.missing_evidence == {}
    assert evaluate(rules, facts).item("A1").inputs[0].provenance is None


def test_an_item_zeroed_for_its_evidence_still_counts_among_the_entities(tmp_path: Path) -> None:
    """Where evidence meets cohort values: an item lacking its evidence applies and scores
    0, so a mean of its score counts it with its 0, and the
    rank of the total sees the lost points."""
    facts = _FACTS + (
        "cohort:\n"
        "  - {key: a1_mean, label: 走访得分均值, stat: mean, score: A1}\n"
        "  - {key: total_rank, label: 总分排名, stat: rank, score: total}\n"
    )
    rules = load_rules(_write(tmp_path, facts=facts))
    ones = {
        "甲": _full(),  # A1 8
        "乙": _full(visits=8),  # no evidence: A1 0
        "丙": _full(visits=_with(0), judged={}),  # A1 0 too, and A4 does not apply
    }
    got = qualscore.evaluate_cohort(rules, {n: check_facts(rules, d) for n, d in ones.items()})
    assert not got.failed
    assert {n: got[n].item("A1").score for n in ones} == {"甲": 8, "乙": 0, "丙": 0}
    mean = got["甲"].cohort["a1_mean"]
    # All three apply, 乙 lacking its evidence too: (8 + 0 + 0) / 3, none left out.
    assert (mean.value, mean.left_out) == (D("2.666666666666666666666666666666667"), 0)
    assert {n: got[n].cohort["total_rank"].value for n in ones} == {"甲": 1, "乙": 3, "丙": 2}
