"""The quick facts check gives exactly the full check's Facts, or gives none."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.hostile.attacks_batch import veto_rules

import qualscore
from conftest import ROOT
from qualscore import FactsError, RuleSet
from qualscore._decimal import exact
from qualscore.facts.check import Facts, check_facts, check_facts_document
from qualscore.facts.fast import quick_facts
from qualscore.facts.targets import load_targets
from qualscore.source import yamlfile as _yaml

RUGAO = ROOT / "rules/rugao-2018"
TOWNS = ROOT / "rules/rugao-2018-towns"
CITY = ROOT / "examples/rugao-2018/city-sample.yaml"

CELLS = [
    "0", "-0", "-0.00", "0.00", "100", "100.0", "100.01", "-1", "-0.5", "1e3", "1E-7", " 5 ",
    "5%", "007", "0.0000001", "0.00000000", "999999999999999", "1000000000000000",
    "999999999999999.999999999999999999", "1.0000000000000000001", "1,2", "1_000", "١",
    "Infinity", "NaN", "+5", ".5", "5.", "12.50", "3", "3.5", "", "true", "abc",
    True, False, None, 5, Decimal("5.0"), 2.5,
]  # fmt: skip
"""Cells at and beyond every limit, plainly written or not."""


def as_cells(facts: Facts) -> dict[str, Any]:
    """Facts written back as a table row's cells: numbers as text, booleans as booleans."""
    return {k: v if isinstance(v, bool) else str(v) for k, v in facts.values.items()}


@pytest.fixture(scope="module")
def rugao() -> tuple[RuleSet, dict[str, Any]]:
    rules = qualscore.load_rules(RUGAO)
    return rules, as_cells(qualscore.load_facts(rules, CITY))


def same(quick: Facts, full: Facts) -> None:
    """Two Facts alike in every field, each value's type and text, and their order."""
    shown = [(k, type(v), str(v)) for k, v in quick.values.items()]
    assert shown == [(k, type(v), str(v)) for k, v in full.values.items()]
    assert quick == full
    assert (quick.sha256, quick.source, quick.rules_sha256) == (
        full.sha256, full.source, full.rules_sha256,
    )  # fmt: skip
    assert (quick.entity, quick.period) == (full.entity, full.period)
    assert dict(quick.judged) == dict(full.judged) and dict(quick.reserved) == dict(full.reserved)


def compare(rules: RuleSet, row: dict[str, Any]) -> Facts | None:
    """The quick check against the full one on ``row``: the same Facts, or None."""
    with exact():
        quick = quick_facts(rules, row, "t.csv")
    try:  # the full check itself (check_facts takes the quick one when it can)
        full = check_facts_document(rules, dict(row), _yaml.Document("t.csv", dict(row)))
    except FactsError:
        assert quick is None
        return None
    if quick is not None:
        same(quick, full)
    return quick


def test_a_plain_row_is_taken(rugao: tuple[RuleSet, dict[str, Any]]) -> None:
    """The sample city as a table row is taken quickly, with the full check's Facts."""
    rules, row = rugao
    assert compare(rules, row) is not None
    assert compare(rules, {**row, "entity": "如皋", "period": 2018}) is not None


@pytest.mark.parametrize("cell", CELLS, ids=repr)
def test_each_cell_in_every_kind_of_fact(rugao: tuple[RuleSet, dict[str, Any]], cell: Any) -> None:
    """Every tricky cell in a percent, a count, a rate and a boolean fact: same or none."""
    rules, row = rugao
    kinds = {f.type: f.key for f in rules.facts}
    for key in kinds.values():
        compare(rules, {**row, key: cell})


def test_negative_zero_is_zero(rugao: tuple[RuleSet, dict[str, Any]]) -> None:
    """``-0.00`` is read as ``0.00``, as the full check reads it."""
    rules, row = rugao
    key = next(f.key for f in rules.facts if f.type == "percent")
    facts = compare(rules, {**row, key: "-0.00"})
    assert facts is not None and str(facts.values[key]) == "0.00"


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_random_rows(rugao: tuple[RuleSet, dict[str, Any]], data: st.DataObject) -> None:
    """Rows with random cells, keys left out or added: the quick check agrees or declines."""
    rules, row = rugao
    row = dict(row)
    keys = list(row)
    for key in data.draw(st.lists(st.sampled_from(keys), max_size=4)):
        row[key] = data.draw(
            st.one_of(
                st.sampled_from(CELLS),
                st.decimals(allow_nan=False, allow_infinity=False).map(str),
                st.from_regex(r"-?[0-9]{1,17}(\.[0-9]{0,20})?", fullmatch=True),
                # as a caller's mapping gives them: Decimal, int, float, any of them odd
                st.decimals(),
                st.integers(),
                st.floats(),
                st.decimals(min_value=-100, max_value=1000, places=3),
            )
        )
    for key in data.draw(st.lists(st.sampled_from(keys), max_size=2)):
        row.pop(key, None)
    if data.draw(st.booleans()):
        row[data.draw(st.sampled_from(["extra", "judged", "entity", "period"]))] = "x"
    if data.draw(st.booleans()):
        row = dict(reversed(row.items()))  # another column order
    compare(rules, row)


def test_blank_targets_and_vetoes(tmp_path: Path) -> None:
    """A blank target is left out as the full check leaves it; one a veto reads is declined."""
    towns = qualscore.load_rules(TOWNS)
    targets = load_targets(towns, str(TOWNS / "targets.yaml"))
    vetoing = qualscore.load_rules(veto_rules(tmp_path))
    taken = []
    for town in sorted(targets.rows):
        path = ROOT / f"examples/rugao-2018/towns/{town}.yaml"
        row = as_cells(qualscore.load_facts(towns, path, targets=targets))
        row.update({k: None for k, v in targets.for_entity(town).items() if v is None})
        taken.append(compare(towns, row) is not None)
        compare(vetoing, row)
    assert all(taken)


def test_groups_and_judged_items_are_declined() -> None:
    """A rule set with entity groups or judged items is checked in full, always."""
    rules = qualscore.load_rules(ROOT / "examples/qingshui-rivers")
    assert quick_facts(rules, {}, "t.csv") is None


def test_a_callers_plain_mapping_takes_the_quick_check(
    rugao: tuple[RuleSet, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check_facts`` (and so ``evaluate`` and ``score`` on a mapping) of plainly valid
    values, numbers as ``Decimal``, ``int`` or ``float``, never runs the full check, and
    gives what the full check gives."""
    import qualscore.facts.check as check

    rules, row = rugao
    typed: dict[str, Any] = {}
    for n, (key, text) in enumerate(row.items()):
        if isinstance(text, bool):
            typed[key] = text
        else:
            number = Decimal(text)
            whole = number == number.to_integral_value()
            typed[key] = (int(number) if whole and n % 2 else number) if whole or n % 3 else float(text)
    full = check_facts_document(rules, dict(typed), _yaml.Document("<facts>", dict(typed)))

    def refused(*_: Any) -> Facts:
        raise AssertionError("the full check ran")

    monkeypatch.setattr(check, "check_facts_document", refused)
    same(check_facts(rules, typed), full)
    assert qualscore.evaluate(rules, typed).facts_sha256 == full.sha256
    assert qualscore.score(rules, typed).total == qualscore.evaluate(rules, full).total
