"""The scores-only path gives exactly the numbers of the full evaluation."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest

import qualscore
from conftest import ROOT
from qualscore import NodeResult, Result, RuleSet
from qualscore.facts.targets import load_targets


def random_facts(rules: RuleSet, rng: random.Random) -> dict[str, object]:
    """Valid facts spread over each declared range, with edge values often."""
    facts: dict[str, object] = {}
    for decl in rules.facts:
        if decl.type == "bool":
            facts[decl.key] = rng.random() < 0.7
            continue
        low, high = decl.bounds
        top = high if high is not None else Decimal(rng.choice([3, 10, 60, 2000]))
        bottom = low if low is not None else Decimal(0)
        if decl.type == "count":
            facts[decl.key] = rng.randint(int(bottom), int(top))
        else:
            facts[decl.key] = Decimal(rng.randint(int(bottom * 100), int(top * 100))) / 100
    return facts


def flatten(result: Result) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    items = {i.id: i.score for i in result.items}
    nodes: dict[str, Decimal] = {}
    for category in result.categories:
        nodes[category.id] = category.score
        nodes.update({c.id: c.score for c in category.children if isinstance(c, NodeResult)})
    return items, nodes


@pytest.mark.parametrize("rules_dir", ["rules/rugao-2018", "examples/demo", "tests/fixtures/mini"])
def test_scores_match_evaluate_on_random_facts(rules_dir: str) -> None:
    """On random entities every item, parent, total and veto agree with evaluate()."""
    rules = qualscore.load_rules(ROOT / rules_dir)
    rng = random.Random(20181127)
    checked = 0
    for _ in range(600):
        facts = random_facts(rules, rng)
        try:
            full = qualscore.evaluate(rules, facts)
        except qualscore.FactsError:
            continue  # a cross-fact check refused the draw
        fast = qualscore.score(rules, facts)
        items, nodes = flatten(full)
        assert (dict(fast.items), dict(fast.nodes), fast.total, fast.vetoed) == (
            items, nodes, full.total, full.vetoed)
        checked += 1
    assert checked >= 100  # draws that break a cross-fact check are refused, not scored


def test_scores_of_the_worked_case() -> None:
    """score() gives the worked case's total and item scores."""
    rules = qualscore.load_rules(ROOT / "rules/rugao-2018")
    scores = qualscore.score(rules, qualscore.load_facts(rules, ROOT / "examples/rugao-2018/city-sample.yaml"))
    assert scores.total == Decimal("90.39")
    assert scores.items["19.4"] == Decimal("1.62")
    assert scores.nodes["13"] == Decimal(5)
    assert len(scores.items) == 59


def test_scores_of_a_blank_target() -> None:
    """A town without a target gets 0 for that row from score(), as from evaluate()."""
    rules = qualscore.load_rules(ROOT / "rules/rugao-2018-towns")
    import yaml

    facts = yaml.safe_load((ROOT / "examples/rugao-2018/towns/东陈.yaml").read_text(encoding="utf-8"))
    targets = load_targets(rules, ROOT / "rules/rugao-2018-towns/targets.yaml")
    data = {k: str(v) for k, v in facts.items()} | targets.for_entity("东陈")
    full, fast = qualscore.evaluate(rules, data), qualscore.score(rules, data)
    assert fast.items["1"] == full.item("1").score == Decimal("0.00")
    assert fast.total == full.total == Decimal(9)


def test_scores_name_the_failing_formula(tmp_path: Path) -> None:
    """A division by zero in score() is an EvaluationError naming the item and the formula."""
    import shutil

    root = tmp_path / "mini"
    shutil.copytree(ROOT / "tests/fixtures/mini", root)
    cat = root / "categories" / "1-main.yaml"
    cat.write_text(cat.read_text(encoding="utf-8").replace("reports / 10", "10 / reports"), encoding="utf-8")
    rules = qualscore.load_rules(root)
    facts = {"done": True, "rate": 90, "reports": 0, "ports": 1, "failing": 0, "awards": 0, "incident": False}
    with pytest.raises(qualscore.EvaluationError) as caught:
        qualscore.score(rules, facts)
    assert str(caught.value) == "item 4: 10 / reports: division by zero"
