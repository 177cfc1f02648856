"""`qualscore schema`: JSON Schemas of the rule files, up to date, and every rule file valid under them."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conftest import ROOT, run_cli
from qualscore.analyst.schema import KINDS, render
from qualscore.source import yamlfile as _yaml

SCHEMA = ROOT / "schema"
LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def rule_files() -> list[tuple[Path, str]]:
    """Every rule and test file in the repository, with its kind."""
    found = []
    for manifest in sorted([*ROOT.glob("rules/*/ruleset.yaml"), *ROOT.glob("examples/*/ruleset.yaml"),
                            *ROOT.glob("examples/*/*/ruleset.yaml"),  # the rules of sub-entities
                            *ROOT.glob("tests/fixtures/*/ruleset.yaml")]):
        folder = manifest.parent
        found += [(manifest, "ruleset"), (folder / "facts.yaml", "facts")]
        found += [(p, "category") for p in sorted((folder / "categories").glob("*.yaml"))]
        found += [(p, "tests") for p in sorted((folder / "tests").glob("*.yaml"))]
    return found


def validator(kind: str) -> jsonschema.Draft202012Validator:
    """A validator for one kind, from the committed schema file."""
    return jsonschema.Draft202012Validator(json.loads((SCHEMA / f"{kind}.schema.json").read_text(encoding="utf-8")))


def errors(kind: str, data: Any) -> list[str]:
    """The schema's complaints about ``data``, as messages."""
    return [e.message for e in validator(kind).iter_errors(data)]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_committed_schema_is_up_to_date(kind: str) -> None:
    """schema/KIND.schema.json is exactly what the models give now (run `make schema` if not)."""
    assert (SCHEMA / f"{kind}.schema.json").read_text(encoding="utf-8") == render(kind)


def test_check_reports_up_to_date_and_stale(tmp_path: Path) -> None:
    """--check exits 0 on the committed files and 1 naming a stale one."""
    assert run_cli("schema", "--out", str(SCHEMA), "--check") == (0, "", "")
    for kind in KINDS:
        (tmp_path / f"{kind}.schema.json").write_text(render(kind), encoding="utf-8")
    (tmp_path / "facts.schema.json").write_text("{}\n", encoding="utf-8")
    code, out, _ = run_cli("schema", "--out", str(tmp_path), "--check")
    assert (code, out) == (1, f"{tmp_path}/facts.schema.json: out of date; run: qualscore schema --out {tmp_path}\n")


def test_write_and_print(tmp_path: Path) -> None:
    """--out writes every kind; a KIND alone prints that one; neither is a usage error."""
    code, out, _ = run_cli("schema", "--out", str(tmp_path))
    assert code == 0
    assert out.splitlines() == [f"{tmp_path}/{k}.schema.json: written" for k in KINDS]
    assert run_cli("schema", "category") == (0, render("category"), "")
    assert run_cli("schema")[0] == 2
    assert run_cli("schema", "--out", str(tmp_path / "nope"))[2] == f"{tmp_path}/nope: no such folder\n"


@pytest.mark.parametrize(("path", "kind"), rule_files(), ids=lambda v: str(v).replace(str(ROOT) + "/", ""))
def test_rule_file_is_valid_and_points_at_its_schema(path: Path, kind: str) -> None:
    """Each rule file validates against its schema, and its first line points an editor at it."""
    assert errors(kind, _yaml.load(path).data) == []
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    found = LINE.match(first)
    assert found is not None, first
    assert (path.parent / found.group(1)).resolve() == (SCHEMA / f"{kind}.schema.json").resolve()


def test_rule_files_found() -> None:
    """The repository's rule files are all found: eleven rule sets, one of them the rules of sub-entities."""
    kinds = [k for _, k in rule_files()]
    assert (kinds.count("ruleset"), kinds.count("tests")) == (11, 27)


GOOD_CATEGORY = {
    "id": "c", "title": "C", "points": 2,
    "items": [{
        "id": "1", "title": "One", "points": 2, "criteria": "c", "departments": ["D"],
        "score": {"kind": "tiers", "value": "rate", "bands": [{"at_least": 90, "points": 2}]},
    }],
}


def category(**score: Any) -> dict[str, Any]:
    """The good category with its one item's score replaced."""
    data = json.loads(json.dumps(GOOD_CATEGORY))
    data["items"][0]["score"] = score
    return data


def test_good_category_is_valid() -> None:
    """A minimal category passes."""
    assert errors("category", GOOD_CATEGORY) == []


@pytest.mark.parametrize(
    "data",
    [
        {**GOOD_CATEGORY, "pionts": 2},
        category(kind="tier", value="rate", bands=[{"at_least": 90, "points": 2}]),
        category(kind="tiers", value="rate", bands=[{"at_least": 90, "above": 80, "points": 2}]),
        category(kind="tiers", value="rate", bands=[{"points": 2}]),
        category(kind="tiers", value="rate", bands=[{"at_least": 90, "points": -1}]),
        category(kind="parts", parts=[{"label": "a", "points": 1, "when": "x", "each": "y"}]),
        category(kind="deductions", steps=[{"points": 1}]),
        category(kind="tiers", value="rate", bands=[{"at_least": "ninety", "points": 2}]),
    ],
    ids=["unknown key", "unknown kind", "two lower bounds", "no bound", "negative points",
         "part with two shapes", "step without a trigger", "bound not a number"],
)
def test_schema_refuses_what_the_loader_refuses(data: dict[str, Any]) -> None:
    """Each mistake an editor should flag is refused by the schema."""
    assert errors("category", data) != []


def test_tests_schema() -> None:
    """A test file's schema accepts facts of any scalar and refuses an unknown key."""
    good = {"base": "f.yaml", "cases": [{"name": "a", "facts": {"x": True, "y": 1.5, "z": None}, "expect": {"1": 2}}]}
    assert errors("tests", good) == []
    assert errors("tests", {"cases": [{"name": "a", "expct": {}}]}) != []


def test_pre_commit_hooks_run_validate_and_test() -> None:
    """.pre-commit-hooks.yaml offers `qualscore validate` and `qualscore test`; both pass on rugao-2018."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["qualscore-validate", "qualscore-test"]
    for hook in hooks:
        assert hook["pass_filenames"] is False and hook["language"] == "python"
        command = hook["entry"].split()
        assert command[0] == "qualscore"
        code, _, _ = run_cli(*command[1:], *hook.get("args", []), os.path.relpath(ROOT / "rules" / "rugao-2018"))
        assert code == 0


# --- the schema refuses what the loader refuses (issue #20) ----------------------------------

_JUDGED_PART = "kind: parts\nparts:\n  - {label: a, points: 2, score: {kind: judged}}"
_JUDGED_DEEP = (
    "kind: parts\nparts:\n  - label: a\n    points: 2\n    score:\n      kind: parts\n"
    "      parts:\n        - {label: b, points: 2, score: {kind: judged}}"
)
_NEEDS_ID = "a judged part needs an id: the facts file gives its judgement under judged as 'ITEM/ID'"


@pytest.mark.parametrize(
    ("score", "points", "message"),
    [
        (_JUDGED_PART, "2", f"13:11: items[0].score.parts[0]: {_NEEDS_ID}"),
        (_JUDGED_DEEP, "2", f"18:17: items[0].score.parts[0].score.parts[0]: {_NEEDS_ID}"),
        ("kind: deductions\nsteps:\n  - {when: done, points: 1, max: 1}", "2",
         "13:11: items[0].score.steps[0]: every and max go only with per"),
        ("kind: parts\nparts:\n  - {label: a, points: -1, score: {kind: formula, expr: 1}}", "2",
         "13:11: items[0].score.parts[0]: a part with a nested score cannot be worth negative points"),
        ("kind: parts\nparts:\n  - {label: a, points: 2, when: done}", "none",
         "1:1: only a bonus or penalty section may have points: none"),
    ],
    ids=["judged part without id", "judged nested part without id", "max without per",
         "negative part with a score", "points none in a score category"],
)
def test_schema_and_loader_refuse_the_same_category(tmp_path: Path, score: str, points: str, message: str) -> None:
    """What the loader refuses, with its message at its place, the category's schema refuses too."""
    import qualscore
    from conftest import item_yaml, write_ruleset

    root = write_ruleset(tmp_path, "- {key: done, type: bool, label: Done}", item_yaml(score, points=2), points=points)
    with pytest.raises(qualscore.RuleSetError) as caught:
        qualscore.load_rules(root)
    assert str(caught.value).splitlines() == [f"{root}/categories/1.yaml:{message}"]
    assert errors("category", _yaml.load(root / "categories" / "1.yaml").data) != []


def test_schema_allows_judged_as_an_items_own_and_points_none_in_a_section() -> None:
    """A judged item, a judged part with its id, and `points: none` in a bonus or penalty
    section, stay valid."""
    assert errors("category", category(kind="judged")) == []
    part = {"id": "site", "label": "a", "points": 2, "score": {"kind": "judged"}}
    assert errors("category", category(kind="parts", parts=[part])) == []
    for kind in ("bonus", "penalty"):
        assert errors("category", {**GOOD_CATEGORY, "kind": kind, "points": "none"}) == []
        assert errors("category", {**GOOD_CATEGORY, "kind": kind, "points": None}) == []
    assert errors("category", {**GOOD_CATEGORY, "points": "none"}) != []


def test_schema_and_loader_refuse_a_judged_bonus_part_without_an_id(tmp_path: Path) -> None:
    """A part of the bonus may be judged, with an id: without one the loader says where, and
    the schema refuses it; with one, both accept it."""
    import qualscore
    from conftest import item_yaml, write_ruleset

    bonus = (
        "bonus:\n  title: B\n  points: 2\n  criteria: c\n  departments: [D]\n  score:\n"
        "    kind: parts\n    parts:\n      - {label: b, points: 2, score: {kind: judged}}\n"
    )
    item = item_yaml("kind: parts\nparts:\n  - {label: a, when: done, points: 2}", points=2)
    root = write_ruleset(tmp_path, "- {key: done, type: bool, label: Done}", item, points=2, manifest_yaml=bonus)
    with pytest.raises(qualscore.RuleSetError) as caught:
        qualscore.load_rules(root)
    assert str(caught.value).splitlines() == [f"{root}/ruleset.yaml:14:9: bonus.score.parts[0]: {_NEEDS_ID}"]
    assert errors("ruleset", _yaml.load(root / "ruleset.yaml").data) != []
    with_id = (root / "ruleset.yaml").read_text(encoding="utf-8").replace("{label: b,", "{id: b, label: b,")
    (root / "ruleset.yaml").write_text(with_id, encoding="utf-8")
    assert list(qualscore.load_rules(root).judged_items()) == ["bonus/b"]
    assert errors("ruleset", _yaml.load(root / "ruleset.yaml").data) == []


@pytest.mark.parametrize(
    ("points", "valid"),
    [(0, True), (1.5, True), ("2", True), ("+2", True), ("-0", True), ("-0.0", True),
     (-1, False), ("-1", False), ("-0.5", False)],
)
def test_a_part_with_a_score_is_not_worth_negative_points(points: Any, valid: bool) -> None:
    """The schema reads a part's points as the model does when the part has a nested score."""
    part = {"label": "a", "points": points, "score": {"kind": "formula", "expr": "1"}}
    assert (errors("category", category(kind="parts", parts=[part])) == []) is valid
    part = {"label": "a", "points": points, "when": "done"}
    assert errors("category", category(kind="parts", parts=[part])) == []


def test_a_category_needs_items_or_criteria() -> None:
    """A category with neither items nor criteria text is refused, as the loader refuses it."""
    bare = {k: v for k, v in GOOD_CATEGORY.items() if k != "items"}
    assert errors("category", bare) != []
    assert errors("category", {**bare, "criteria": "见附件"}) == []
