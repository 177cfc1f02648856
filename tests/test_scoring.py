"""The generated engine: its source, its safety, its errors, its shapes, its lazy trace."""

from __future__ import annotations

import ast
import pickle
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

import qualscore
from conftest import ROOT, item_yaml, run_cli
from qualscore.ruleset.model import Shape
from qualscore.scoring import plan
from qualscore.scoring.shapes import PARTS, REGISTRY

MINI = ROOT / "tests" / "fixtures" / "mini"
RUGAO = ROOT / "rules" / "rugao-2018"


@pytest.mark.parametrize("traced", [False, True])
def test_compile_prints_the_source_that_runs(traced: bool) -> None:
    """`qualscore compile` prints exactly the source the engine compiled, valid Python."""
    args = ["compile", str(RUGAO), *(["--traced"] if traced else [])]
    code, out, err = run_cli(*args)
    assert (code, err) == (0, "")
    assert out == plan(qualscore.load_rules(RUGAO)).source(traced)
    tree = ast.parse(out)
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    # A function per section's run (each unit after what it reads), and run calling them.
    assert functions == ["_s0", "_s1", "_s2", "_s3", "_s4", "run"]
    assert "# item '19.4': formula" in out


def test_no_rule_text_becomes_an_identifier() -> None:
    """Every name in the generated code is the compiler's own (_fN, _kN, _tN, helpers)."""
    rules = qualscore.load_rules(RUGAO)
    for traced in (False, True):
        tree = ast.parse(plan(rules).source(traced))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments) for a in n.args}
        assert all(n.startswith("_") or n == "v" for n in names), sorted(names)
        keys = {d.key for d in rules.facts}
        assert not names & keys


def test_fact_values_cannot_shadow_the_engine() -> None:
    """Values under keys named like generated names change nothing: facts are read by key."""
    rules = qualscore.load_rules(MINI)
    facts = {"done": True, "rate": 90, "reports": 5, "ports": 1, "failing": 0, "awards": 0,
             "incident": False}  # fmt: skip
    values = dict(qualscore.check_facts(rules, facts).values)
    want = plan(rules).score(values)
    hostile = {**values, **{f"_k{i}": Decimal(99) for i in range(20)}, "_Z": Decimal(7),
               "_add": None, "_w": 3, "v": None}  # fmt: skip
    assert plan(rules).score(hostile) == want
    assert plan(rules).result(hostile, "").total == want.total


def test_a_failing_veto_is_worded_the_same_by_evaluate_and_score(tmp_path: Path) -> None:
    """A veto that divides by zero names the veto and the formula, in both outputs."""
    from conftest import write_ruleset

    root = write_ruleset(
        tmp_path,
        "- {key: v, type: number, label: V}",
        item_yaml("{kind: formula, expr: v}"),
        manifest_yaml="""
        vetoes:
          - {id: V1, title: Veto, when: 1 / v > 2, result: Failed, criteria: No., departments: [D]}
        """,
    )
    rules = qualscore.load_rules(root)
    messages = []
    for run_ in (qualscore.evaluate, qualscore.score):
        with pytest.raises(qualscore.EvaluationError) as caught:
            run_(rules, {"v": 0})
        messages.append(str(caught.value))
    assert messages == ["veto V1: 1 / v > 2: division by zero"] * 2


def test_a_number_too_large_is_worded_the_same_by_evaluate_and_score(tmp_path: Path) -> None:
    """A step above the limit is "number too large" from score() as from evaluate()."""
    from conftest import write_ruleset

    root = write_ruleset(tmp_path, "- {key: v, type: number, label: V}",
                         item_yaml("{kind: formula, expr: v * v}", item_id="7"))  # fmt: skip
    rules = qualscore.load_rules(root)
    messages = []
    for run_ in (qualscore.evaluate, qualscore.score):
        with pytest.raises(qualscore.EvaluationError) as caught:
            run_(rules, {"v": 10**15})
        messages.append(str(caught.value))
    assert messages == ["item 7: v * v: number too large"] * 2


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_shape_module_provides_every_part(kind: str) -> None:
    """Each registered shape module has its kind, model, trace, codegen, expansion, coverage, words."""
    shape: ModuleType = REGISTRY[kind]
    missing = [p for p in PARTS if not hasattr(shape, p)]
    assert missing == []
    assert kind == shape.KIND
    assert shape.MODEL.model_fields["kind"].annotation.__args__ == (kind,)
    for part in PARTS[3:]:
        assert callable(getattr(shape, part)) and getattr(shape, part).__doc__


def test_every_shape_of_the_model_is_registered() -> None:
    """The registry holds exactly the shapes the rule language has."""
    kinds = {m.model_fields["kind"].annotation.__args__[0] for m in Shape.__origin__.__args__}  # type: ignore[attr-defined]
    assert kinds == set(REGISTRY)


def test_the_trace_is_expanded_from_records_not_by_running_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """evaluate() runs the rules once; reading the trace later runs nothing, and equals an eager one."""
    rules = qualscore.load_rules(RUGAO)
    facts = qualscore.load_facts(rules, ROOT / "examples/rugao-2018/city-sample.yaml")
    result = qualscore.evaluate(rules, facts)
    assert "_expander" in result.__dict__
    with monkeypatch.context() as patch:

        def refuse(*args: object) -> None:
            raise AssertionError("the rules ran again")

        patch.setattr(type(plan(rules)), "_compiled", refuse)
        assert result.item("19.4").score == Decimal("1.62")
    assert "_expander" not in result.__dict__
    copy = pickle.loads(pickle.dumps(qualscore.evaluate(rules, facts)))
    assert repr(copy) == repr(result)


def test_a_single_formula_reads_facts_by_key_too() -> None:
    """Formula.evaluate (checks, batch cells) is not fooled by values named like its constants."""
    from qualscore.ruleset.formula import compile_formula

    formula = compile_formula("x + 5", {"x": "number"})
    hostile = {"x": Decimal(1), "_values": None, "_op_Add": None}
    hostile |= {f"_k{i}": Decimal(100) for i in range(5)}
    assert formula.evaluate(hostile) == Decimal(6)


@pytest.mark.slow
def test_a_category_of_thousands_of_items_compiles(tmp_path: Path) -> None:
    """A long category is summed statement by statement: no expression as deep as it is long."""
    from conftest import write_ruleset

    items = "".join(
        item_yaml("{kind: formula, expr: v}", item_id=str(n), points=1) for n in range(2700)
    )
    rules = qualscore.load_rules(
        write_ruleset(tmp_path, "- {key: v, type: number, label: V}", items, points=3000)
    )
    assert qualscore.score(rules, {"v": "0.5"}).total == Decimal(1350)
    assert qualscore.evaluate(rules, {"v": "0.5"}).categories[0].sum == Decimal(1350)
