"""Applicability meets other features (issue #20): a node that does not apply needs no
judgement, is left out of every aggregate over entities (which says how many), a value
scoped to a group is worked out for that group only, and a veto reads ranks of scores."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import qualscore
from conftest import item_yaml, write_ruleset
from qualscore import FactsError, check_facts, evaluate, load_rules
from qualscore.cli.app import main

D = Decimal


def _run(*argv: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


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
    code, out, err = _run("evaluate", root, facts, "--format", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    item = next(i for c in doc["categories"] for i in c["children"] if i["id"] == "7")
    assert (item["score"], item["not_applicable"]) == ("0", "no ports to inspect")
