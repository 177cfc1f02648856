"""Three constructs every scheme has (issue #20): deductions per whole or per started step
(每下降5%扣0.5分), a part the assessors judge inside an item scored by rule (酌情扣0–2分), and
a part assessed by its own department."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import qualscore
from conftest import item_yaml, run_cli, write_ruleset
from qualscore import FactsError, RuleSetError, check_facts, evaluate, load_rules
from qualscore.analyst.coverage import branches, reached
from qualscore.report.data import to_json
from qualscore.report.docx import to_docx
from qualscore.report.html import to_html
from qualscore.report.markdown import to_markdown
from qualscore.report.template import to_yaml
from qualscore.report.terminal import render_item
from qualscore.scoring import plan
from qualscore.scoring.explain import explain

D = Decimal


# --- 1. whole steps and started steps ---------------------------------------------------

_FALL = "- {key: fall, type: number, label: 合格率下降幅度, unit: '%'}"


def _step(extra: str) -> str:
    return (
        "kind: deductions\nsteps:\n"
        f"  - {{label: 每下降5%扣0.5分, per: fall, points: 0.5{extra}}}"
    )


_STEPS = "".join(
    item_yaml(_step(extra), item_id=item_id, points=10)
    for item_id, extra in (
        ("whole", ", every: 5, count: whole"),
        ("started", ", every: 5, count: started"),
        ("every", ", every: 5"),
        ("ones", ", count: whole"),
        ("value", ""),
    )
)


@pytest.fixture(name="steps")
def _steps(tmp_path: Path) -> qualscore.RuleSet:
    return load_rules(write_ruleset(tmp_path, _FALL, _STEPS))


@pytest.mark.parametrize(
    ("fall", "whole", "started", "ones", "value"),
    [
        ("0", "0", "0", "0", "0"),
        ("0.001", "0", "1", "0", "0.001"),
        ("4.999", "0", "1", "4", "4.999"),
        ("5", "1", "1", "5", "5"),
        ("5.001", "1", "2", "5", "5.001"),
        ("9.999", "1", "2", "9", "9.999"),
        ("10", "2", "2", "10", "10"),
        ("12", "2", "3", "12", "12"),
        ("-0.001", "0", "0", "0", "0"),
        ("-12", "0", "0", "0", "0"),
    ],
)
def test_whole_and_started_steps_at_every_boundary(
    steps: qualscore.RuleSet, fall: str, whole: str, started: str, ones: str, value: str
) -> None:
    """On a step's boundary both count it; a hair below, only a started step counts; at 0
    or below nothing is deducted. ``every`` alone counts started steps (as before);
    ``count`` alone counts steps of 1; neither counts the value itself."""
    result = evaluate(steps, {"fall": fall})
    units = {i.id: i.shape.steps[0].units for i in result.items}  # type: ignore[union-attr]
    want = {"whole": whole, "started": started, "every": started, "ones": ones, "value": value}
    assert {k: str(max(v, D(0)) + 0) for k, v in units.items()} == {k: str(D(v)) for k, v in want.items()}
    scores = {i.id: i.score for i in result.items}
    assert scores == {k: (D(10) - D(v) * D("0.5")).quantize(D("0.01")) for k, v in want.items()}


def test_the_trace_says_how_steps_were_counted(steps: qualscore.RuleSet) -> None:
    """The trace records the unit size and whether whole or started units counted: ``every``
    alone is started, ``count`` alone counts steps of 1, neither leaves both unset."""
    step = {i.id: i.shape.steps[0] for i in evaluate(steps, {"fall": "12"}).items}  # type: ignore[union-attr]
    assert {k: (s.every, s.counted) for k, s in step.items()} == {
        "whole": (D(5), "whole"),
        "started": (D(5), "started"),
        "every": (D(5), "started"),
        "ones": (D(1), "whole"),
        "value": (None, None),
    }


def test_a_fall_of_12_is_2_whole_steps_or_3_started_ones_in_words(steps: qualscore.RuleSet) -> None:
    """The explanation says which steps count, in both languages."""
    result = evaluate(steps, {"fall": "12"})
    assert explain(result.item("whole"), "zh") == [
        "起始 10 分",
        "  每下降5%扣0.5分：",
        "    合格率下降幅度 = 12%",
        "    每满 5 计 1 个单位，不足 5 的部分不计（满 5 才计）：12 ÷ 5 向下取整 = 2 个单位",
        "    2 × 0.5 分 = 1 分，扣 1 分",
        "  10 − 1 = 9，得 9 分",
        "得 9 分（满分 10 分，失 1 分）",
    ]
    assert explain(result.item("whole"), "en")[3] == (
        "    one unit per whole 5, what is left under 5 not counting: 12 ÷ 5 rounded down = 2 units"
    )
    assert explain(result.item("started"), "zh")[3] == (
        "    每 5 计 1 个单位，不足 5 的按 1 个单位计（开始即计）：12 ÷ 5 向上取整 = 3 个单位"
    )
    assert explain(result.item("started"), "en")[3] == (
        "    one unit per 5, a started 5 counting whole: 12 ÷ 5 rounded up = 3 units"
    )


@pytest.mark.parametrize(
    ("item_id", "fall", "line"),
    [
        ("whole", "9.999", "9.999 ÷ 5 rounded down = 1 unit"),
        ("whole", "9.9999", "9.9999 ÷ 5 rounded down = 1 unit"),
        ("whole", "9.99949", "≈ 9.999 ÷ 5 rounded down = 1 unit"),
        ("started", "9.999", "≈ 10 ÷ 5 rounded up = 2 units"),
        ("whole", "10.001", "≈ 10 ÷ 5 rounded down = 2 units"),
        ("started", "10.001", "10.001 ÷ 5 rounded up = 3 units"),
        ("whole", "5", "5 ÷ 5 rounded down = 1 unit"),
        ("whole", "0", "0 ÷ 5 rounded down = 0 units"),
    ],
)
def test_a_number_shown_rounded_never_counts_other_steps(
    steps: qualscore.RuleSet, item_id: str, fall: str, line: str
) -> None:
    """A value shown to the rule set's 2 places keeps as many more as it takes not to cross
    a step's boundary: 9.999 in whole steps is not shown as ≈ 10, but as it is."""
    words = explain(evaluate(steps, {"fall": fall}).item(item_id), "en")[3]
    assert words.rsplit(": ", 1)[1] == line


def test_a_negative_value_deducts_nothing_and_says_so(steps: qualscore.RuleSet) -> None:
    """A value below 0 (the rate rose) counts no step, whole or started, and the explanation
    says there is no shortfall instead of rounding a negative number."""
    result = evaluate(steps, {"fall": "-7"})
    assert {i.id: i.score for i in result.items} == dict.fromkeys(
        ("whole", "started", "every", "ones", "value"), D("10.00")
    )
    assert explain(result.item("whole"), "en")[2:5] == [
        "    合格率下降幅度 = -7%",
        "    no shortfall: 0 units",
        "    0 × 0.5 pt = 0 pt, minus 0 pt",
    ]
    assert explain(result.item("started"), "zh")[3] == "    未出现差额，计 0 个单位"


def test_started_is_the_default_and_scores_exactly_as_before(tmp_path: Path) -> None:
    """``every`` without ``count`` compiles to the same code as ``count: started``."""
    one = load_rules(write_ruleset(tmp_path, _FALL, item_yaml(_step(", every: 5"))))
    two = load_rules(write_ruleset(tmp_path, _FALL, item_yaml(_step(", every: 5, count: started"))))
    first, second = (plan(r).source(True).split("\n", 1) for r in (one, two))
    assert first[0] != second[0] and first[1] == second[1]  # the rule set's name aside


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("{when: done, points: 1, count: whole}", "13:11: items[0].score.steps[0]: count goes only with per"),
        ("{per: 1, every: 5, count: partial, points: 1}",
         "13:37: items[0].score.steps[0].count: input should be 'whole' or 'started'"),
        ("{per: 1, every: -5, points: 1}",
         "13:27: items[0].score.steps[0].every: input should be greater than 0"),
    ],
    ids=["count without per", "unknown count", "negative every"],
)
def test_what_the_loader_refuses_of_a_step(tmp_path: Path, step: str, message: str) -> None:
    """``count`` goes only with ``per`` and is ``whole`` or ``started``; ``every`` is above 0."""
    root = write_ruleset(
        tmp_path, "- {key: done, type: bool, label: Done}",
        item_yaml(f"kind: deductions\nsteps:\n  - {step}"),
    )  # fmt: skip
    with pytest.raises(RuleSetError) as caught:
        load_rules(root)
    assert str(caught.value) == f"{root}/categories/1.yaml:{message}"


def test_coverage_leaves_out_a_whole_step_the_range_never_reaches(tmp_path: Path) -> None:
    """A value declared below one whole step never deducts: coverage leaves "applied" out and
    says why; counted started, the same range does deduct."""
    facts = "- {key: fall, type: number, label: Fall, min: 0, max: 4.5}"
    root = write_ruleset(tmp_path, facts, item_yaml(_step(", every: 5, count: whole")))
    unreachable = qualscore.analyst.coverage.unreachable(load_rules(root))
    assert [(b.key, why) for b, why in unreachable] == [
        (("1", ("score", "steps", 0), "applied"),
         "fall is at most 4.5, under one whole 5: nothing to deduct"),
    ]  # fmt: skip
    root = write_ruleset(tmp_path, facts, item_yaml(_step(", every: 5")))
    assert qualscore.analyst.coverage.unreachable(load_rules(root)) == []


# --- 2. a judged part inside an item scored by rule -------------------------------------

_RIVERS = """
- {key: rivers, type: count, label: 河道条数}
- {key: patrol_rules, type: bool, label: 已建立巡河制度}
- {key: river_target, type: count, label: 河道整治目标, role: target}
"""
_JUDGED_PARTS = (
    item_yaml(
        """
        kind: parts
        parts:
          - {label: 建立巡河制度, when: patrol_rules, points: 3}
          - id: 成效
            label: 巡河成效（现场检查评分0–2分）
            points: 2
            assessing: 县河长办
            score: {kind: judged}
        """,
        item_id="3.1",
        points=5,
        extra="""
        assessing: 县水利局
        not_applicable: {when: rivers == 0, award: 0, reason: 辖区内无河道}
        """,
    )
    + item_yaml(
        """
        kind: parts
        parts:
          - {label: 完成整治, when: rivers >= river_target, points: 2}
          - id: 台账
            label: 台账（酌情扣0–2分）
            points: 2
            score: {kind: judged, give: deduction}
        """,
        item_id="3.2",
        points=4,
    )
)
_GOOD = {"rivers": 3, "patrol_rules": True, "river_target": 2}


@pytest.fixture(name="rivers")
def _rivers(tmp_path: Path) -> qualscore.RuleSet:
    return load_rules(write_ruleset(tmp_path, _RIVERS, _JUDGED_PARTS))


def _judged(score: Any, deduction: Any = 0) -> dict[str, Any]:
    return {
        "3.1/成效": {"score": score, "reason": "两条河段巡河记录不全", "evidence": "检查记录-0612.pdf",
                     "assessor": "县河长办督查组"},
        "3.2/台账": {"deduction": deduction, "reason": "台账缺两个月"},
    }  # fmt: skip


def _problems(rules: qualscore.RuleSet, facts: dict[str, Any]) -> list[str]:
    with pytest.raises(FactsError) as caught:
        check_facts(rules, facts)
    return str(caught.value).splitlines()


@pytest.mark.parametrize(
    ("score", "deduction", "scores"),
    [
        (0, 0, ("3.00", "4.00")),
        ("1.5", "0.5", ("4.50", "3.50")),
        (2, 2, ("5.00", "2.00")),
    ],
    ids=["score 0, nothing deducted", "between", "full score, all deducted"],
)
def test_a_judged_part_scores_its_judgement_within_its_bounds(
    rivers: qualscore.RuleSet, score: Any, deduction: Any, scores: tuple[str, str]
) -> None:
    """The part scores what the assessors give (0 to its points), or its points less what
    they deduct; the item adds it to its other parts."""
    result = evaluate(rivers, check_facts(rivers, {**_GOOD, "judged": _judged(score, deduction)}))
    assert (str(result.item("3.1").score), str(result.item("3.2").score)) == scores


@pytest.mark.parametrize(
    ("judged", "message"),
    [
        ({"3.1/成效": {"score": "2.01", "reason": "r"}},
         "judged.3.1/成效.score: 2.01 is above the part's 2 points"),
        ({"3.1/成效": {"score": "-0.5", "reason": "r"}},
         "judged.3.1/成效.score: -0.5 is below the part's lowest score 0"),
        ({"3.2/台账": {"deduction": "2.5", "reason": "r"}},
         "judged.3.2/台账.deduction: 2.5 gives -0.5, below the part's lowest 0"),
        ({"3.2/台账": {"deduction": -1, "reason": "r"}},
         "judged.3.2/台账.deduction: a deduction is written as a positive number, not -1"),
        ({"3.1/成效": {"score": 1}}, "judged.3.1/成效: a reason is required"),
        ({"3.2/台账": {"deduction": 1, "score": 1, "reason": "r"}},
         "judged.3.2/台账: this part is judged by its deduction, not its score"),
    ],
    ids=["above its points", "below 0", "deducts more than its points", "negative deduction",
         "no reason", "score for a deduction"],
)  # fmt: skip
def test_a_judgement_outside_the_parts_bounds_is_refused(
    rivers: qualscore.RuleSet, judged: dict[str, Any], message: str
) -> None:
    """A part's judgement is checked like an item's, against the part's own points."""
    given = {**_judged(1), **judged}
    assert _problems(rivers, {**_GOOD, "judged": given}) == [f"<facts>:1:1: {message}"]


def test_a_missing_judgement_of_a_part_is_the_same_error_as_an_items(
    rivers: qualscore.RuleSet,
) -> None:
    """Each judged part of an item that applies needs its judgement, named by its key."""
    assert _problems(rivers, _GOOD) == [
        "<facts>:1:1: missing judgement of part '3.1/成效' (Item 3.1: 巡河成效（现场检查评分0–2分）)",
        "<facts>:1:1: missing judgement of part '3.2/台账' (Item 3.2: 台账（酌情扣0–2分）)",
    ]


def test_a_judgement_under_the_items_id_or_a_wrong_part_is_named(
    rivers: qualscore.RuleSet,
) -> None:
    """The item's own id points at its judged part; a part id mistyped gets a suggestion."""
    given = {"3.1": {"score": 1, "reason": "r"}, "3.2/台帐": {"deduction": 1, "reason": "r"}}
    assert _problems(rivers, {**_GOOD, "judged": given}) == [
        "<facts>:1:1: judged: item '3.1' is not judged as a whole; give its judged part '3.1/成效'",
        "<facts>:1:1: judged: no judged part '3.2/台帐'; did you mean '3.2/台账'?",
        "<facts>:1:1: missing judgement of part '3.1/成效' (Item 3.1: 巡河成效（现场检查评分0–2分）)",
        "<facts>:1:1: missing judgement of part '3.2/台账' (Item 3.2: 台账（酌情扣0–2分）)",
    ]


def test_an_item_that_does_not_apply_needs_no_judgement_of_its_parts(
    rivers: qualscore.RuleSet,
) -> None:
    """With no rivers item 3.1 does not apply, and with a blank target item 3.2 neither: no
    judgement is asked for their parts, and they lose nothing."""
    result = evaluate(rivers, check_facts(rivers, {**_GOOD, "rivers": 0, "river_target": None}))
    assert [(i.id, i.score, i.not_applicable) for i in result.items] == [
        ("3.1", D("0.00"), "辖区内无河道"),
        ("3.2", D("0.00"), "no target for this entity (河道整治目标)"),
    ]


def test_the_part_shows_its_judgement_with_reason_evidence_and_assessor(
    rivers: qualscore.RuleSet,
) -> None:
    """The explanation shows the part's score, then the judgement as a judged item's reads."""
    result = evaluate(rivers, check_facts(rivers, {**_GOOD, "judged": _judged("1.5", "0.5")}))
    assert explain(result.item("3.1"), "zh") == [
        "✓ 建立巡河制度：3 分",
        "巡河成效（现场检查评分0–2分）：1.5 分 / 2 分",
        "  评审打分 1.5 / 2 分：两条河段巡河记录不全（依据：检查记录-0612.pdf）（评审：县河长办督查组）",
        "得 4.5 分（满分 5 分，失 0.5 分）",
    ]
    assert explain(result.item("3.2"), "en") == [
        "✓ 完成整治: 2 pt",
        "  condition: 河道条数 ≥ 河道整治目标",
        "  3 ≥ 2: holds",
        "台账（酌情扣0–2分）: 1.5 pt / 2 pt",
        "  judged: 0.5 pt deducted, 1.5 / 2 pt: 台账缺两个月",
        "scores 3.5 of 4 (lost 0.5)",
    ]


def test_every_view_shows_the_parts_judgement(rivers: qualscore.RuleSet) -> None:
    """Terminal, Markdown, HTML, DOCX and JSON each carry the judgement line whole, and the
    JSON trace its score, reason, evidence and assessor."""
    result = evaluate(rivers, check_facts(rivers, {**_GOOD, "judged": _judged("1.5", "0.5")}))
    line = "评审打分 1.5 / 2 分：两条河段巡河记录不全（依据：检查记录-0612.pdf）（评审：县河长办督查组）"
    out = io.StringIO()
    render_item(result, result.item("3.1"), Console(file=out, width=200, color_system=None), "zh")
    assert line in [row.strip(" │") for row in out.getvalue().splitlines()]
    assert line in to_markdown(result, "zh")
    assert f"<p>{line}</p>" in to_html(result, "zh").replace('<span class="d1">', "").replace("</span>", "")
    document = zipfile.ZipFile(io.BytesIO(to_docx(result, "zh", report_day="2024-01-01")))
    assert line in document.read("word/document.xml").decode()
    item = json.loads(to_json(result, "zh"))["categories"][0]["children"][0]
    assert f"  {line}" in item["explanation"]
    inner = item["trace"]["parts"][1]["inner"]
    assert {k: inner[k] for k in ("shape", "judged", "score", "points", "reason", "evidence", "assessor")} == {
        "shape": "judged", "judged": True, "score": "1.5", "points": "2",
        "reason": "两条河段巡河记录不全", "evidence": "检查记录-0612.pdf", "assessor": "县河长办督查组",
    }  # fmt: skip


def test_the_template_asks_for_each_judged_part(rivers: qualscore.RuleSet) -> None:
    """The facts template has a line to fill in per judged part, under its assessing
    department, and the filled-in template loads."""
    text = to_yaml(rivers)
    judged = text[text.index("\njudged:\n") + 1 :].splitlines()
    assert judged == [
        "judged:",
        "  # Item 3.1: 巡河成效（现场检查评分0–2分）（score）｜0..2｜reason required｜县河长办",
        '  "3.1/成效": {score: , reason: , evidence: }',
        "  # Item 3.2: 台账（酌情扣0–2分）（deduction）｜0..2｜reason required｜Test Department",
        '  "3.2/台账": {deduction: , reason: , evidence: }',
    ]


def test_coverage_sees_a_judged_part(rivers: qualscore.RuleSet) -> None:
    """The judged part is a branch of its item, reached by a case that judges it."""
    keys = [b.key for b in branches(rivers)]
    assert ("3.1", ("score", "parts", 1, "score", "judged"), "judged") in keys
    result = evaluate(rivers, check_facts(rivers, {**_GOOD, "judged": _judged(1)}))
    assert ("3.1", ("score", "parts", 1, "score", "judged"), "judged") in reached(rivers, result)


def test_validate_does_not_count_a_judged_part_as_earned_when_nothing_is_done(
    tmp_path: Path,
) -> None:
    """'Nothing done' judges the part at its lowest: no warning that the item awards points
    when every fact it reads is false."""
    items = item_yaml(
        """
        kind: parts
        parts:
          - {label: 建立巡河制度, when: patrol_rules, points: 3}
          - {id: 成效, label: 巡河成效, points: 2, score: {kind: judged}}
        """,
        points=5,
    )
    rules = load_rules(write_ruleset(tmp_path, _RIVERS, items, points=5))
    assert [str(w).split("warning: ", 1)[1] for w in qualscore.lint(rules)] == [
        "fact rivers: declared but read by no item, bonus, veto or check",
        "fact river_target: declared but read by no item, bonus, veto or check",
    ]


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ("{label: 成效, points: 2, score: {kind: judged}}",
         "13:11: items[0].score.parts[0]: a judged part needs an id: the facts file gives its "
         "judgement under judged as 'ITEM/ID'"),
        ("{id: a/b, label: 成效, points: 2, score: {kind: judged}}",
         "13:16: items[0].score.parts[0].id: string should match pattern '^[^\\s/\\\\]{1,64}$'"),
    ],
    ids=["no id", "a slash in the id"],
)  # fmt: skip
def test_a_judged_part_needs_an_id_of_its_own(tmp_path: Path, part: str, message: str) -> None:
    """A judged part without an id, or with a slash in it, is refused where it is written."""
    root = write_ruleset(tmp_path, _RIVERS, item_yaml(f"kind: parts\nparts:\n  - {part}"))
    with pytest.raises(RuleSetError) as caught:
        load_rules(root)
    assert str(caught.value) == f"{root}/categories/1.yaml:{message}"


def test_a_part_id_is_used_once_in_its_item(tmp_path: Path) -> None:
    """Two parts of one item (at any depth) may not share an id; two items' parts may."""
    score = """
    kind: parts
    parts:
      - {id: a, label: One, points: 1, score: {kind: judged}}
      - label: Nested
        points: 1
        score:
          kind: parts
          parts:
            - {id: a, label: Two, points: 1, score: {kind: judged}}
    """
    root = write_ruleset(
        tmp_path, _RIVERS, item_yaml(score, item_id="1") + item_yaml(score, item_id="2")
    )
    with pytest.raises(RuleSetError) as caught:
        load_rules(root)
    assert str(caught.value).splitlines() == [
        f"{root}/categories/1.yaml:19:22: part id 'a' is used twice in this item (first at line 13)",
        f"{root}/categories/1.yaml:34:22: part id 'a' is used twice in this item (first at line 28)",
    ]


# --- 3. a part assessed by its own department --------------------------------------------


def test_a_parts_assessing_department_is_shown_beside_the_items(
    rivers: qualscore.RuleSet,
) -> None:
    """The terminal, HTML and JSON show the part's assessing department where they show the
    item's, with the part's label; also for an item that does not apply."""
    for facts in ({**_GOOD, "judged": _judged(1)}, {**_GOOD, "rivers": 0, "judged": _judged(1)}):
        result = evaluate(rivers, check_facts(rivers, facts))
        item = result.item("3.1")
        out = io.StringIO()
        render_item(result, item, Console(file=out, width=200, color_system=None), "zh")
        rows = [row.strip(" │") for row in out.getvalue().splitlines()]
        assert "考核部门：县水利局；县河长办（巡河成效（现场检查评分0–2分））" in rows
        assert (
            "<p><b>考核部门</b>：县水利局；县河长办（巡河成效（现场检查评分0–2分））</p>"
            in to_html(result, "zh")
        )
        doc = json.loads(to_json(result, "en"))["categories"][0]["children"][0]
        assert (doc["assessing"], doc["assessing_parts"]) == (
            "县水利局",
            [{"part": "巡河成效（现场检查评分0–2分）", "assessing": "县河长办"}],
        )


def test_a_part_assessing_alone_is_shown_alone(tmp_path: Path) -> None:
    """An item that names no assessing department of its own shows its parts' only, in
    English with English brackets; an item with neither shows none."""
    items = item_yaml(
        "kind: parts\nparts:\n  - {label: Site visit, when: patrol_rules, points: 2, "
        "assessing: River Office}",
        points=2,
    ) + item_yaml("kind: formula\nexpr: rivers", item_id="2", points=2)
    rules = load_rules(write_ruleset(tmp_path, _RIVERS, items, points=4))
    result = evaluate(rules, check_facts(rules, {**_GOOD, "river_target": 1}))
    shown = []
    for item in result.items:
        out = io.StringIO()
        render_item(result, item, Console(file=out, width=200, color_system=None), "en")
        shown.append([r.strip(" │") for r in out.getvalue().splitlines() if "assessed by" in r])
    assert shown == [["assessed by: River Office (Site visit)"], []]


def test_the_cli_evaluates_a_judged_part_from_a_facts_file(tmp_path: Path) -> None:
    """qualscore evaluate reads ``judged: {"3.1/成效": …}`` from YAML and explains it."""
    root = write_ruleset(tmp_path, _RIVERS, _JUDGED_PARTS)
    facts = tmp_path / "f.yaml"
    facts.write_text(
        "rivers: 3\npatrol_rules: true\nriver_target: 2\njudged:\n"
        '  "3.1/成效": {score: 2, reason: 记录完整, assessor: 县河长办}\n'
        '  "3.2/台账": {deduction: 0, reason: 台账齐全}\n',
        "utf-8",
    )
    code, out, err = run_cli("evaluate", root, facts, "--format", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert [(i["id"], i["score"]) for i in doc["categories"][0]["children"]] == [
        ("3.1", "5"), ("3.2", "4"),
    ]  # fmt: skip
    facts.write_text("rivers: 3\npatrol_rules: true\nriver_target: 2\n", "utf-8")
    code, out, err = run_cli("evaluate", root, facts)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{facts}:1:1: missing judgement of part '3.1/成效' (Item 3.1: 巡河成效（现场检查评分0–2分）)",
        f"{facts}:1:1: missing judgement of part '3.2/台账' (Item 3.2: 台账（酌情扣0–2分）)",
    ]
