"""The public API: what ``import qualscore`` offers, and nothing by accident."""

from __future__ import annotations

import types

import pytest

import qualscore
from conftest import ROOT


def test_all_lists_exactly_the_public_names() -> None:
    """__all__ is sorted and names every public, non-module attribute of the package (each
    imported when first used: ``dir`` lists them, ``getattr`` imports them)."""
    public = {
        name
        for name in dir(qualscore)
        if not name.startswith("_")
        and not isinstance(getattr(qualscore, name), types.ModuleType)
        and name not in ("annotations", "TYPE_CHECKING")  # the module's own imports
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


def _city_result() -> qualscore.Result:
    rules = qualscore.load_rules(ROOT / "rules" / "rugao-2018")
    facts = qualscore.load_facts(rules, ROOT / "examples" / "rugao-2018" / "city-sample.yaml")
    return qualscore.evaluate(rules, facts)


@pytest.mark.parametrize("language", [None, "en"])
def test_to_dict_is_exactly_what_the_json_output_prints(language: str | None) -> None:
    """``result.to_dict()`` equals ``evaluate --format json`` parsed, in either language."""
    import json

    from conftest import run_cli

    argv = ["evaluate", str(ROOT / "rules" / "rugao-2018"),
            str(ROOT / "examples" / "rugao-2018" / "city-sample.yaml"), "--format", "json"]
    code, out, err = run_cli(*argv, *(["--lang", language] if language else []))
    assert (code, err) == (0, "")
    assert _city_result().to_dict(language) == json.loads(out)


def test_items_is_a_property_and_the_old_call_still_works_with_a_warning() -> None:
    """``result.items`` is the items' tuple; ``result.items()`` gives the same, warned."""
    result = _city_result()
    assert isinstance(result.items, tuple)
    assert [i.id for i in result.items][:3] == ["1", "2", "3.1"]
    assert result.items[-1] is result.bonus
    assert len(result.categories[0].items) == sum(
        len(c.items) if isinstance(c, qualscore.NodeResult) else 1
        for c in result.categories[0].children
    )
    with pytest.warns(DeprecationWarning, match=r"write \.items, not \.items\(\)"):
        called = result.items()
    assert called == result.items
    with pytest.warns(DeprecationWarning):
        assert result.categories[0].items() == result.categories[0].items


def test_the_typed_user_script_runs() -> None:
    """The script ``make check`` type-checks with ``mypy --strict`` also runs as written."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "typing" / "user_script.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "unknown fact 'no_such_fact'" in done.stdout


def test_result_explains_a_veto_as_the_cli_does() -> None:
    """``result.explain(veto_id)`` is what ``evaluate --explain VETO`` prints for it."""
    from qualscore.scoring.explain import explain_veto

    result = _city_result()
    veto = result.vetoes[0]
    assert result.explain(veto.id) == "\n".join(explain_veto(veto, "zh"))
    assert result.explain(veto.id).strip() != ""
