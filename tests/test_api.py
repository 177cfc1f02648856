"""The public API: what ``import qualscore`` offers, and nothing by accident."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

import qualscore

ROOT = Path(__file__).resolve().parents[1]


def test_all_lists_exactly_the_public_names() -> None:
    """__all__ is sorted and names every public, non-module attribute of the package."""
    public = {
        name
        for name, value in vars(qualscore).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"  # from __future__ import annotations
    }
    assert qualscore.__all__ == sorted(qualscore.__all__)
    assert set(qualscore.__all__) - {"__version__"} == public


def test_ruleset_is_immutable() -> None:
    """A loaded rule set cannot be changed: its models are frozen and its maps read-only."""
    import dataclasses

    import pydantic
    import pytest

    rules = qualscore.load_rules("tests/fixtures/mini")
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.path = "x"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        rules.manifest.title = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        rules.locations["1"] = rules.locations["1"]  # type: ignore[index]


def test_result_explains_an_item_as_every_view_does() -> None:
    from qualscore.scoring.explain import explain

    rules = qualscore.load_rules(ROOT / "rules" / "rugao-2018")
    result = qualscore.evaluate(
        rules, qualscore.load_facts(rules, ROOT / "examples" / "rugao-2018" / "city-sample.yaml")
    )
    assert result.explain("19.2") == "\n".join(explain(result.item("19.2"), "zh"))
    assert result.explain("19.2").startswith("产品省级监督抽查合格率 = 93.8%")
    assert result.explain("19.2", "en").startswith("产品省级监督抽查合格率 = 93.8%: falls in band")
    with pytest.raises(KeyError):
        result.explain("no such item")
