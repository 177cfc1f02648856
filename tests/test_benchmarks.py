"""The benchmark's contenders compute the same scores as qualscore (benchmarks/).

The hand-written function and the GoRules ZEN model are only worth timing if
they do the same work: both are checked here against ``qualscore.evaluate`` on
random entities and against the worked cases. The ZEN tests skip where
zen-engine is not installed (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import importlib
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

import qualscore
from conftest import ROOT

RUGAO = ROOT / "rules" / "rugao-2018"
EXAMPLES = sorted((ROOT / "examples" / "rugao-2018").glob("*.expected.yaml"))
SEED = 20181127


def _bench(name: str) -> ModuleType:
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    return importlib.import_module(f"benchmarks.{name}")


handwritten = _bench("handwritten")
entities = _bench("entities")


@pytest.fixture(scope="module")
def rules() -> qualscore.RuleSet:
    return qualscore.load_rules(RUGAO)


@pytest.fixture(scope="module")
def cases(rules: qualscore.RuleSet) -> list[tuple[qualscore.Facts, dict[str, Decimal]]]:
    """300 random entities, validated, with qualscore.evaluate's items, bonus and total."""
    specs = [(d.key, d.type, *d.bounds) for d in rules.facts]
    out = []
    for raw in entities.random_entities(specs, 300, SEED):
        facts = qualscore.check_facts(rules, raw)  # every generated entity is valid
        result = qualscore.evaluate(rules, facts)
        want = {i.id: i.score for i in result.items}
        want["total"] = result.total
        out.append((facts, want))
    return out


def _expected(path: Path) -> dict[str, Decimal]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    want = {str(k): Decimal(str(v)) for k, v in doc["items"].items()}
    want["total"] = Decimal(str(doc["total"]))
    return want


def _facts(rules: qualscore.RuleSet, expected: Path) -> qualscore.Facts:
    return qualscore.load_facts(rules, expected.with_name(expected.name.replace(".expected", "")))


def test_handwritten_has_every_item(rules: qualscore.RuleSet) -> None:
    """The hand-written function names the rule set's 58 items, in order, plus bonus and total."""
    assert tuple(i.id for i in rules.items()) == handwritten.ITEM_IDS
    facts = _facts(rules, EXAMPLES[0])
    assert list(handwritten.score(dict(facts.values))) == [*handwritten.ITEM_IDS, "bonus", "total"]


@pytest.mark.parametrize("expected", EXAMPLES, ids=lambda p: p.name)
def test_handwritten_on_the_worked_cases(rules: qualscore.RuleSet, expected: Path) -> None:
    """Every item and the total of each worked case, as its expected file gives them."""
    got = handwritten.score(dict(_facts(rules, expected).values))
    want = _expected(expected)
    assert {k: got[k] for k in want} == want


def test_handwritten_agrees_with_evaluate(cases: list[Any]) -> None:
    """On 300 random entities, every item, the bonus and the total are qualscore's exactly."""
    for facts, want in cases:
        assert handwritten.score(dict(facts.values)) == want


def test_random_entities_reach_the_edges(cases: list[Any]) -> None:
    """The generator reaches every band: exact bounds, not-applicable items, caps."""
    seen: dict[str, set[Decimal]] = {}
    for _facts, want in cases:
        for key, value in want.items():
            seen.setdefault(key, set()).add(value)
    assert {Decimal("0.25"), Decimal("0.5"), Decimal(1)} <= seen["13.4"]  # 0 to 3 parts missing
    assert {Decimal(0), Decimal("0.5"), Decimal(1)} <= seen["27.3"]  # incl. 3 % and 1 % exactly
    assert {Decimal(0), Decimal(2)} <= seen["16.1"]  # one failing port of one; no port
    assert len(seen["19.4"]) > 10 and len(seen["27.2"]) > 10  # items rounded to 0.01


def test_random_entities_are_seeded(rules: qualscore.RuleSet) -> None:
    specs = [(d.key, d.type, *d.bounds) for d in rules.facts]
    assert entities.random_entities(specs, 5, 1) == entities.random_entities(specs, 5, 1)
    assert entities.random_entities(specs, 5, 1) != entities.random_entities(specs, 5, 2)


def test_zen_model_is_built_from_its_spec() -> None:
    """rugao-2018.jdm.json is what build.py writes from the spec (no hand edits)."""
    build = _bench("zen.build")
    assert build.MODEL.read_text(encoding="utf-8") == build.render()


@pytest.mark.parametrize("expected", EXAMPLES, ids=lambda p: p.name)
def test_zen_on_the_worked_cases(rules: qualscore.RuleSet, expected: Path) -> None:
    """The ZEN model scores each worked case as expected (to 0.01), with and without trace."""
    pytest.importorskip("zen")
    model = _bench("zen.model")
    engine = model.engine()
    context = model.context(_facts(rules, expected).values)
    want = _expected(expected)
    for options in (None, {"trace": True}):
        got = model.scores(engine.evaluate(model.KEY, context, options), handwritten.ITEM_IDS)
        assert {k: got[k] for k in want} == want


def test_zen_agrees_with_evaluate(cases: list[Any]) -> None:
    """On 300 random entities the ZEN model gives qualscore's scores, rounded to 0.01."""
    pytest.importorskip("zen")
    model = _bench("zen.model")
    engine = model.engine()
    decision = model.decision(engine)
    for facts, want in cases:
        context = model.context(facts.values)
        assert model.scores(engine.evaluate(model.KEY, context), handwritten.ITEM_IDS) == want
        assert model.scores(decision.evaluate(context), handwritten.ITEM_IDS) == want


def test_synthetic_scheme_loads_without_warnings(tmp_path: Path) -> None:
    """A synthetic scheme is a valid, warning-free rule set of the size asked for."""
    synthetic = _bench("synthetic")
    rules = qualscore.load_rules(synthetic.write_scheme(tmp_path / "s", 60))
    assert sum(1 for _ in rules.items()) == 60
    assert qualscore.lint(rules) == []
    specs = synthetic.fact_specs(60)
    for raw in entities.random_entities(specs, 20, SEED):
        result = qualscore.evaluate(rules, raw)
        assert Decimal(0) <= result.total <= result.possible


def test_run_measures_and_kills_a_command() -> None:
    """procs.run: exit code, wall time, a nonzero RSS; a command past its limit is killed."""
    procs = _bench("procs")
    hold = (
        "import time; x = bytearray(50_000_000); x[::4096] = b'1' * len(x[::4096]); time.sleep(0.5)"
    )
    done = procs.run([sys.executable, "-c", hold])
    assert done.returncode == 0 and not done.killed
    assert done.max_single_rss >= 50_000_000 and done.tree_rss_peak >= 50_000_000
    # Killed, not finished: it would sleep ten minutes; the margin holds on a busy machine.
    slow = procs.run([sys.executable, "-c", "import time; time.sleep(600)"], timeout=0.5)
    assert slow.killed_for == "time" and slow.returncode is None and slow.seconds < 300


def test_growth_exponents() -> None:
    run = _bench("run")
    assert run.exponents([1, 10, 100], [2.0, 20.0, 2000.0]) == pytest.approx([1.0, 2.0])
