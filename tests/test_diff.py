"""`qualscore diff`: what changed between two years' schemes, and the impact on entities."""

from __future__ import annotations

import re
from pathlib import Path

from rich.cells import cell_len

import qualscore
from conftest import ROOT, item_yaml, run_cli, write_ruleset
from qualscore.analyst.diff import compare
from qualscore.analyst.impact import impact

RUGAO = str(ROOT / "rules" / "rugao-2018")
REVISED = str(ROOT / "examples" / "rugao-2019-revised")
ENTITIES = [f"{REVISED}/entities/city-sample.yaml", f"{REVISED}/entities/city-b.yaml"]
MINI = str(ROOT / "tests" / "fixtures" / "mini")

FACTS = "- {key: done, type: bool, label: Done}\n- {key: rate, type: percent, label: Rate}"
TIERS = "kind: tiers\nvalue: rate\nbands:\n  - {at_least: 90, points: 2}\n  - {at_least: 80, below: 90, points: 1}"
PARTS = "kind: parts\nparts:\n  - {label: done, when: done, points: 2}"


def changes(tmp_path: Path, before: str, after: str, **kwargs: str) -> list[tuple[str, ...]]:
    """The changes between two one-category rule sets with the given items (and facts)."""
    facts_a = kwargs.pop("facts_a", FACTS)
    facts_b = kwargs.pop("facts_b", FACTS)
    a = qualscore.load_rules(write_ruleset(tmp_path, facts_a, before, points=4))
    b = qualscore.load_rules(write_ruleset(tmp_path, facts_b, after, points=4))
    return [
        (c.node, c.kind, c.field, c.before, c.after)
        for c in compare(a, b).changes
        if c.node != "rule set"
    ]


def test_revised_example_changes() -> None:
    """2018 → the 2019 revision: 19.1's band, 19.2's threshold and texts, item 28 and its two facts."""
    found = compare(qualscore.load_rules(RUGAO), qualscore.load_rules(REVISED)).changes
    assert [(c.node, c.kind, c.field, c.before, c.after) for c in found] == [
        ("rule set", "year", "id", "rugao-2018", "rugao-2019"),
        ("rule set", "text", "title", "2018年度如皋市质量工作考核", "2019年度如皋市质量工作考核（修订示例）"),
        ("rule set", "year", "year", "2018", "2019"),
        ("fact one_stop_platform_built", "added", "", "—", "建成质量基础设施“一站式”服务平台"),
        ("fact one_stop_enterprises_served", "added", "", "—", "“一站式”服务平台年度服务企业数"),
        ("item 19.1", "text", "criteria", "…%）—90%的得1分，85%以下的…", "…%）—90%的得0.5分，85%以下的…"),
        ("item 19.1", "points", "bands[1].points", "1", "0.5"),
        ("item 19.2", "text", "title", "…督抽查合格率达92%以上。", "…督抽查合格率达95%以上。"),
        ("item 19.2", "text", "content", "…督抽查合格率达92%以上。（1分）", "…督抽查合格率达95%以上。（1分）"),
        ("item 19.2", "text", "criteria",
         "…督抽查合格率达92%（含92%）以上的得1分，达90%（含90%）—92%的得0.5分，…",
         "…督抽查合格率达95%（含95%）以上的得1分，达90%（含90%）—95%的得0.5分，…"),
        ("item 19.2", "band bounds", "bands[0].at_least", "92", "95"),
        ("item 19.2", "text", "bands[0].label", "92%（含92%）以上", "95%（含95%）以上"),
        ("item 19.2", "band bounds", "bands[1].below", "92", "95"),
        ("item 19.2", "text", "bands[1].label", "…（含90%）—92%", "…（含90%）—95%"),
        ("item 28", "added", "", "—", "质量基础设施“一站式”服务 (2)"),
    ]


def test_same_rule_set_has_no_changes() -> None:
    """A rule set against itself: no change, and the Markdown says so."""
    code, out, err = run_cli("diff", MINI, MINI, "--format", "markdown")
    assert (code, err) == (0, "")
    assert out == "# mini (2024) → mini (2024): 0 changes\n\nno differences\n"


def test_renumbered_item(tmp_path: Path) -> None:
    """An item inserted at 3.1 shifts the next two: they are renumbered, not changed or removed."""

    def item(shape: str, item_id: str, what: str) -> str:
        text = item_yaml(shape, item_id=item_id, points=1)
        return text.replace(f"Item {item_id}", what).replace("As the test says.", f"{what}.")

    before = item(PARTS, "3.1", "Work") + item(TIERS, "3.2", "Rate")
    after = item(PARTS, "3.1", "New") + item(PARTS, "3.2", "Work") + item(TIERS, "3.3", "Rate")
    assert changes(tmp_path, before, after) == [
        ("item 3.1", "added", "", "—", "New (1)"),
        ("item 3.2", "renumbered", "", "3.1", "3.2"),
        ("item 3.3", "renumbered", "", "3.2", "3.3"),
    ]


def test_added_and_removed_items(tmp_path: Path) -> None:
    """An item with a new id and new criteria is added; one that is gone is removed."""
    before = item_yaml(PARTS, item_id="1", points=2) + item_yaml(TIERS, item_id="2", points=2)
    after = item_yaml(PARTS, item_id="1", points=2) + item_yaml(
        TIERS.replace("at_least: 90", "at_least: 95"), item_id="9", points=2
    ).replace("As the test says.", "New criteria.")
    assert changes(tmp_path, before, after) == [
        ("item 9", "added", "", "—", "Item 9 (2)"),
        ("item 2", "removed", "", "Item 2", "—"),
    ]


def test_points_formula_bounds_departments_and_scoring(tmp_path: Path) -> None:
    """Each field that changed is one row, named by its kind."""
    before = item_yaml(TIERS, points=2)
    after = (
        item_yaml(TIERS.replace("value: rate", "value: rate * 1").replace("below: 90, points: 1", "below: 90, points: 0.5"), points=2)
        .replace("at_least: 80", "above: 80")
        .replace("[Test Department]", "[Test Department, Lab]")
        + "    better: lower\n"
    )
    assert changes(tmp_path, before, after) == [
        ("item 1", "departments", "departments", "Test Department", "Test Department、Lab"),
        ("item 1", "formula", "value", "rate", "rate * 1"),
        ("item 1", "scoring", "better", "higher", "lower"),
        ("item 1", "band bounds", "bands[1].at_least", "80", "—"),
        ("item 1", "points", "bands[1].points", "1", "0.5"),
        ("item 1", "band bounds", "bands[1].above", "—", "80"),
    ]


def test_inserted_band_is_one_row(tmp_path: Path) -> None:
    """A band inserted at the top is one row; the bands after it are not reported as changed."""
    before = item_yaml(TIERS, points=2)
    after = item_yaml(TIERS.replace("bands:\n", "bands:\n  - {at_least: 95, points: 2}\n"), points=2)
    assert changes(tmp_path, before, after) == [
        ("item 1", "band bounds", "bands[0]", "—", "{at_least: 95, points: 2}"),
    ]


def test_moved_item_and_indicator_changes(tmp_path: Path) -> None:
    """An item moved into a new indicator is moved; the indicator is added; points change."""
    before = item_yaml(PARTS, item_id="1", points=2) + item_yaml(TIERS, item_id="2", points=2)
    indicator = '- id: "G"\n  title: Group\n  points: 2\n  items:\n' + "\n".join(
        "    " + line for line in item_yaml(TIERS, item_id="2", points=2).splitlines()
    ) + "\n"
    after = item_yaml(PARTS, item_id="1", points=2) + indicator
    assert changes(tmp_path, before, after) == [
        ("indicator G", "added", "", "—", "Group (2)"),
        ("item 2", "moved", "", "category c1", "indicator G"),
    ]


def test_fact_and_check_changes(tmp_path: Path) -> None:
    """A declared fact's range and a cross-fact check are compared too."""
    facts_b = FACTS.replace("label: Rate}", "label: Rate, max: 99}")
    items = item_yaml(PARTS, points=2) + item_yaml(TIERS, item_id="2", points=2)
    found = changes(tmp_path, items, items, facts_b=facts_b)
    assert found == [("fact rate", "fact", "max", "—", "99")]


def test_impact_scores_each_entity_under_both() -> None:
    """city-sample gains 1.5 (19.2 −0.5, new item 28 +2); city-b 0.5 (19.1 −0.5, 28 +1)."""
    comparison = compare(qualscore.load_rules(RUGAO), qualscore.load_rules(REVISED))
    found = impact(comparison, ENTITIES)
    assert [(i.entity, str(i.a.total), str(i.b.total)) for i in found] == [
        ("city-sample", "90.39", "91.89"),
        ("city-b", "70.09", "70.59"),
    ]
    differ = {
        (one.entity, item.id): (str(old[item.id]) if item.id in old else None, str(item.score))
        for one in found
        for old in [{i.id: i.score for i in one.a.items}]
        for item in one.b.items
        if old.get(item.id) != item.score
    }
    assert differ == {
        ("city-sample", "19.2"): ("1.00", "0.50"),
        ("city-sample", "28"): (None, "2.00"),
        ("city-b", "19.1"): ("1.00", "0.50"),
        ("city-b", "28"): (None, "1.00"),
    }


def test_impact_reads_only_each_rule_sets_own_facts() -> None:
    """Under 2018, the revision's extra facts are left out: the score is the 2018 file's own."""
    comparison = compare(qualscore.load_rules(RUGAO), qualscore.load_rules(REVISED))
    one = impact(comparison, ENTITIES[:1])[0]
    alone = qualscore.load_facts(comparison.a, ROOT / "examples" / "rugao-2018" / "city-sample.yaml")
    assert one.a.facts_sha256 == alone.sha256


def test_docs_show_the_real_diff_output() -> None:
    """docs/analyst-tooling.md shows exactly what `qualscore diff --format markdown --facts` prints."""
    code, out, _ = run_cli("diff", "rules/rugao-2018", "examples/rugao-2019-revised", "--format", "markdown",
                       "--facts", *(e.replace(f"{ROOT}/", "") for e in ENTITIES))
    assert code == 0
    docs = (ROOT / "docs" / "analyst-tooling.md").read_text(encoding="utf-8")
    assert out in docs


def test_table_fits_80_columns_and_is_stable() -> None:
    """The terminal table fits 80 columns, and two runs print the same bytes."""
    first = run_cli("diff", RUGAO, REVISED, "--facts", *ENTITIES)
    assert first == run_cli("diff", RUGAO, REVISED, "--facts", *ENTITIES)
    assert first[0] == 0
    assert max(cell_len(line) for line in first[1].splitlines()) <= 80
    assert "city-sample │ 90.39 │ 91.89 │ +1.5 │ 完成" in first[1]


def test_markdown_escapes_pipes(tmp_path: Path) -> None:
    """A '|' in a text is escaped so that the Markdown table keeps its columns."""
    before = item_yaml(PARTS, points=2)
    after = before.replace("title: Item 1", "title: Item | one")
    a = write_ruleset(tmp_path, FACTS.split("\n")[0], before, points=2)
    b = write_ruleset(tmp_path, FACTS.split("\n")[0], after, points=2)
    code, out, _ = run_cli("diff", str(a), str(b), "--format", "markdown")
    assert code == 0
    assert "| item 1 | text | title | Item 1 | Item \\| one |" in out.splitlines()


def test_facts_key_in_neither_rule_set(tmp_path: Path) -> None:
    """A facts key that neither rule set declares is a user error at its line, exit 2."""
    facts = tmp_path / "f.yaml"
    facts.write_text(Path(ENTITIES[1]).read_text(encoding="utf-8") + "bogus_key: 1\n", encoding="utf-8")
    code, out, err = run_cli("diff", RUGAO, REVISED, "--facts", str(facts))
    lines = len(facts.read_text(encoding="utf-8").splitlines())
    assert (code, out) == (2, "")
    assert err == f"{facts}:{lines}:1: unknown fact 'bogus_key' (in neither rule set)\n"


def test_facts_missing_a_key_of_one_rule_set() -> None:
    """A 2018 facts file lacks the facts the revision adds: each missing one is named, exit 2."""
    code, _, err = run_cli("diff", RUGAO, REVISED, "--facts", "examples/rugao-2018/city-b.yaml")
    assert code == 2
    assert [re.sub(r":\d+:\d+:", ":L:C:", line) for line in err.splitlines()] == [
        "examples/rugao-2018/city-b.yaml:L:C: missing fact 'one_stop_enterprises_served' (“一站式”服务平台年度服务企业数)",
        "examples/rugao-2018/city-b.yaml:L:C: missing fact 'one_stop_platform_built' (建成质量基础设施“一站式”服务平台)",
    ]
