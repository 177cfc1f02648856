"""Rule-file mistakes: each reported as one exact ``file:line:col: message`` line."""

from __future__ import annotations

from pathlib import Path

import pytest

import qualscore
from conftest import ROOT
from qualscore import RuleSetError

MANIFEST = """\
id: t
title: T
year: 2024
language: en
"""

FACTS = """\
facts:
  - {key: done, type: bool, label: Done}
  - {key: rate, type: percent, label: Rate}
"""

ITEM = """\
id: c
title: C
points: 10
items:
  - id: "1"
    title: One
    points: 2
    criteria: c
    departments: [D]
    score:
      kind: parts
      parts:
        - {label: done, when: done, points: 2}
"""


def write(
    tmp_path: Path,
    *,
    manifest: str = MANIFEST,
    facts: str = FACTS,
    categories: dict[str, str] | None = None,
) -> Path:
    """Write a rule set folder and return it."""
    root = tmp_path / "r"
    (root / "categories").mkdir(parents=True)
    (root / "ruleset.yaml").write_text(manifest, encoding="utf-8")
    (root / "facts.yaml").write_text(facts, encoding="utf-8")
    for name, text in (categories or {"1.yaml": ITEM}).items():
        (root / "categories" / name).write_text(text, encoding="utf-8")
    return root


def problems(root: Path) -> list[str]:
    """The load errors of ``root``, as printed, with the folder shown as 'r'."""
    with pytest.raises(RuleSetError) as info:
        qualscore.load_rules(root)
    return [str(p).replace(str(root), "r") for p in info.value.problems]


def item_with(score: str) -> dict[str, str]:
    """A category whose one item has the given ``score:`` block (indented 6)."""
    head = ITEM.split("    score:\n")[0]
    return {"1.yaml": head + "    score:\n" + score}


def test_good_rule_set_loads(tmp_path: Path) -> None:
    """The base rule set of these tests loads cleanly."""
    ruleset = qualscore.load_rules(write(tmp_path))
    assert [i.id for i in ruleset.items()] == ["1"]


def test_misspelt_key(tmp_path: Path) -> None:
    """An unknown key is refused with a suggestion, and the key it replaced is missing."""
    root = write(
        tmp_path, categories={"1.yaml": ITEM.replace("    points: 2\n", "    pionts: 2\n")}
    )
    assert problems(root) == [
        "r/categories/1.yaml:5:5: items[0]: missing key 'points'",
        "r/categories/1.yaml:7:5: items[0].pionts: unknown key 'pionts'; did you mean 'points'?",
    ]


def test_wrong_type(tmp_path: Path) -> None:
    """A word where points are expected is refused at the value."""
    root = write(tmp_path, categories={"1.yaml": ITEM.replace("points: 2\n", "points: two\n", 1)})
    assert problems(root) == [
        "r/categories/1.yaml:7:13: items[0].points: input should be a valid decimal"
    ]


def test_duplicate_key(tmp_path: Path) -> None:
    """A key given twice in one mapping is refused, naming the first one's line."""
    root = write(
        tmp_path,
        categories={"1.yaml": ITEM.replace("    title: One\n", "    title: One\n    title: Two\n")},
    )
    assert problems(root) == ["r/categories/1.yaml:7:5: duplicate key 'title' (first at line 6)"]


def test_formula_syntax_error(tmp_path: Path) -> None:
    """A formula that does not parse is refused at the formula."""
    root = write(
        tmp_path,
        categories=item_with(
            "      kind: parts\n      parts:\n        - {label: x, when: 'done and', points: 2}\n"
        ),
    )
    assert problems(root) == [
        "r/categories/1.yaml:13:28: items[0].score.parts[0].when: invalid syntax: invalid syntax"
    ]


def test_unknown_name_in_formula(tmp_path: Path) -> None:
    """A name that is not a declared fact is refused with a "did you mean"."""
    root = write(tmp_path, categories={"1.yaml": ITEM.replace("when: done", "when: dne")})
    assert problems(root) == [
        "r/categories/1.yaml:13:31: items[0].score.parts[0].when: unknown name 'dne'; did you mean 'done'?"
    ]


def test_missing_points(tmp_path: Path) -> None:
    """An item without points is refused at the item."""
    root = write(tmp_path, categories={"1.yaml": ITEM.replace("    points: 2\n", "")})
    assert problems(root) == ["r/categories/1.yaml:5:5: items[0]: missing key 'points'"]


def test_attribute_access_refused(tmp_path: Path) -> None:
    """Attribute access in a formula is refused when the rule set loads."""
    root = write(
        tmp_path, categories={"1.yaml": ITEM.replace("when: done", "when: done.__class__")}
    )
    assert problems(root) == [
        "r/categories/1.yaml:13:31: items[0].score.parts[0].when: attribute access not allowed in an expression"
    ]


def test_call_outside_allowlist_refused(tmp_path: Path) -> None:
    """Only the named functions may be called."""
    root = write(tmp_path, categories=item_with("      kind: formula\n      expr: pow(rate, 2)\n"))
    assert problems(root) == [
        "r/categories/1.yaml:12:13: items[0].score.expr: function 'pow' not allowed "
        "(allowed: abs, all, any, applies, ceil, count_if, floor, max, met, min, round_half_up, score, sqrt, sum)"
    ]


def test_empty_tier_band(tmp_path: Path) -> None:
    """A band whose lower bound is above its upper bound is refused."""
    root = write(
        tmp_path,
        categories=item_with(
            "      kind: tiers\n      value: rate\n      bands:\n"
            "        - {at_least: 95, below: 90, points: 1}\n"
        ),
    )
    assert problems(root) == [
        "r/categories/1.yaml:14:11: items[0].score.bands[0]: "
        "empty band: lower bound 95 is not below upper bound 90"
    ]


def test_band_with_two_lower_bounds(tmp_path: Path) -> None:
    """A band may not say both at_least and above."""
    root = write(
        tmp_path,
        categories=item_with(
            "      kind: tiers\n      value: rate\n      bands:\n"
            "        - {at_least: 90, above: 90, points: 1}\n"
        ),
    )
    assert problems(root) == [
        "r/categories/1.yaml:14:11: items[0].score.bands[0]: give at most one of at_least, above"
    ]


def test_unknown_shape_kind(tmp_path: Path) -> None:
    """A misspelt shape kind is refused, listing the kinds there are."""
    root = write(tmp_path, categories=item_with("      kind: tier\n      value: rate\n"))
    [message] = problems(root)
    assert message.startswith(
        "r/categories/1.yaml:11:7: items[0].score: input tag 'tier' found using 'kind'"
    )


def test_condition_must_be_boolean(tmp_path: Path) -> None:
    """A number where a condition is expected is refused."""
    root = write(tmp_path, categories={"1.yaml": ITEM.replace("when: done", "when: rate + 1")})
    assert problems(root) == [
        "r/categories/1.yaml:13:31: items[0].score.parts[0].when: "
        "must be a true/false condition, but 'rate + 1' is not"
    ]


def test_boolean_compared_with_number(tmp_path: Path) -> None:
    """Comparing a true/false fact with a number is a load error."""
    root = write(tmp_path, categories={"1.yaml": ITEM.replace("when: done", "when: done > 1")})
    assert problems(root) == [
        "r/categories/1.yaml:13:31: items[0].score.parts[0].when: cannot compare a boolean with a number"
    ]


def test_step_with_two_triggers(tmp_path: Path) -> None:
    """A deduction step must have exactly one of unless, when, per."""
    root = write(
        tmp_path,
        categories=item_with(
            "      kind: deductions\n      steps:\n        - {unless: done, per: rate, points: 1}\n"
        ),
    )
    assert problems(root) == [
        "r/categories/1.yaml:13:11: items[0].score.steps[0]: give exactly one of unless, when, per"
    ]


def test_duplicate_item_id_across_files(tmp_path: Path) -> None:
    """Item ids are unique across the whole rule set."""
    second = ITEM.replace("id: c\n", "id: d\n")
    root = write(tmp_path, categories={"1.yaml": ITEM, "2.yaml": second})
    assert problems(root) == [
        "r/categories/2.yaml:5:5: id '1' is used twice (first at r/categories/1.yaml:5:5)"
    ]


def test_yaml_syntax_error(tmp_path: Path) -> None:
    """A YAML syntax error names its line and column."""
    root = write(tmp_path, facts="facts:\n  - {key: done, type: bool\n")
    [message] = problems(root)
    assert message.startswith("r/facts.yaml:3:1: not valid YAML: ")


def test_alias_refused(tmp_path: Path) -> None:
    """YAML aliases are refused (no alias bombs)."""
    root = write(tmp_path, manifest=MANIFEST + "title2: &a x\nother: *a\n")
    assert problems(root) == ["r/ruleset.yaml:6:8: aliases (*name) are not allowed"]


def test_python_tag_refused(tmp_path: Path) -> None:
    """A ``!!python/...`` tag is refused, never constructed."""
    root = write(
        tmp_path, manifest=MANIFEST.replace("title: T", "title: !!python/object:os.system T")
    )
    assert problems(root) == [
        "r/ruleset.yaml:2:8: tag 'tag:yaml.org,2002:python/object:os.system' is not allowed"
    ]


def test_yaml11_words_stay_strings(tmp_path: Path) -> None:
    """``no`` is a string, so it cannot sneak in where a boolean is declared."""
    root = write(tmp_path, manifest=MANIFEST.replace("language: en", "language: no"))
    [message] = problems(root)
    assert message.startswith("r/ruleset.yaml:4:11: language: input should be 'zh' or 'en'")


def test_unknown_fact_type(tmp_path: Path) -> None:
    """A fact type outside the list is refused at the type."""
    root = write(tmp_path, facts=FACTS.replace("type: percent", "type: percentage"))
    [message] = problems(root)
    assert message.startswith("r/facts.yaml:3:23: facts[1].type: input should be ")


def test_fact_declared_twice(tmp_path: Path) -> None:
    """A fact key declared twice is refused at the second declaration."""
    root = write(tmp_path, facts=FACTS + "  - {key: done, type: bool, label: Again}\n")
    assert problems(root) == ["r/facts.yaml:4:11: fact 'done' is declared twice"]


def test_missing_manifest(tmp_path: Path) -> None:
    """A folder without ruleset.yaml says so."""
    root = write(tmp_path)
    (root / "ruleset.yaml").unlink()
    assert problems(root) == ["r/ruleset.yaml: no such file"]


def test_not_a_folder(tmp_path: Path) -> None:
    """A path that is not a folder is refused."""
    missing = tmp_path / "nope"
    with pytest.raises(RuleSetError) as info:
        qualscore.load_rules(missing)
    assert [str(p) for p in info.value.problems] == [
        f"{missing}: no such folder; a rule set is a folder with ruleset.yaml"
    ]


def test_gbk_file_refused_with_reason(tmp_path: Path) -> None:
    """A file saved as GBK gets an error that says it is not UTF-8."""
    root = write(tmp_path)
    (root / "ruleset.yaml").write_bytes(MANIFEST.replace("title: T", "title: 质量").encode("gbk"))
    assert problems(root) == [
        "r/ruleset.yaml:2:1: file is not UTF-8 text (a GBK file saved by a Windows editor?); save it as UTF-8"
    ]


def test_bom_and_crlf_accepted(tmp_path: Path) -> None:
    """A UTF-8 BOM and Windows line ends are read as usual."""
    root = write(tmp_path)
    (root / "ruleset.yaml").write_bytes(b"\xef\xbb\xbf" + MANIFEST.replace("\n", "\r\n").encode())
    assert qualscore.load_rules(root).manifest.title == "T"


def test_every_problem_reported_at_once_sorted(tmp_path: Path) -> None:
    """Problems in several files come together, sorted by file and line."""
    root = write(
        tmp_path,
        manifest=MANIFEST.replace("year: 2024", "year: 1066"),
        categories={"1.yaml": ITEM.replace("when: done", "when: dne")},
    )
    found = problems(root)
    assert len(found) == 2
    assert found[0].startswith("r/categories/1.yaml:13:31: ")
    assert found[1].startswith(
        "r/ruleset.yaml:3:7: year: input should be greater than or equal to 1900"
    )


def test_a_key_of_another_place_is_not_suggested_as_itself(tmp_path: Path) -> None:
    """'each' in a deduction step (a key of checklist parts) is refused without the
    absurd "did you mean 'each'?"."""
    import shutil

    import qualscore
    from qualscore.errors import RuleSetError

    rules = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "demo", rules)
    path = rules / "categories" / "1-oversight.yaml"
    text = path.read_text(encoding="utf-8")
    old = "per: failed_samples - failed_samples_handled, points: 0.5}"
    path.write_text(text.replace(old, "each: failed_samples, points: 0.5}"), encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        qualscore.load_rules(rules)
    messages = [p.message for p in caught.value.problems]
    assert any(m.endswith("unknown key 'each'; it is not a key at this place") for m in messages)
    assert not any("did you mean 'each'" in m for m in messages)
