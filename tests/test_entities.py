"""Entity groups, signed scores, judged items and grades: the invented example
scheme examples/qingshui-rivers, its hand-worked expected results, and each
bad input of the kinds a real scheme meets as one ``file:line:col`` line, exit 2."""

from __future__ import annotations

import io
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

import qualscore
from conftest import ROOT, run_cli

SCHEME = ROOT / "examples" / "qingshui-rivers"
ENTITIES = sorted(p for p in (SCHEME / "entities").glob("*.yaml") if ".expected" not in p.name)


@pytest.fixture(scope="module")
def rules() -> qualscore.RuleSet:
    return qualscore.load_rules(SCHEME)


@pytest.mark.parametrize("path", ENTITIES, ids=lambda p: p.stem)
def test_each_entity_scores_as_worked_out_by_hand(rules: qualscore.RuleSet, path: Path) -> None:
    """Items, categories, total, maximum and grade as the expected file says; only what applies."""
    expected = yaml.load(path.with_suffix(".expected.yaml").read_text("utf-8"), yaml.BaseLoader)
    result = qualscore.evaluate(rules, qualscore.load_facts(rules, path))
    assert {i.id: i.score for i in result.items} == {
        k: D(v) for k, v in expected["items"].items()
    }
    assert {c.id: c.score for c in result.categories} == {
        k: D(v) for k, v in expected["categories"].items()
    }
    assert result.total == D(expected["total"])
    assert result.possible == D(expected["possible"])
    assert result.grade == expected["grade"]
    assert (result.entity, result.period) == (path.stem, "2024")
    assert qualscore.score(rules, qualscore.load_facts(rules, path)).total == result.total


def test_validate_strict_and_the_scheme_tests_reach_every_branch() -> None:
    assert run_cli("validate", str(SCHEME), "--strict")[0] == 0
    code, out, _ = run_cli("test", str(SCHEME), "--min-coverage", "100")
    assert code == 0, out
    assert "coverage: 100%" in out


def test_json_carries_entity_period_grade_and_penalties(rules: qualscore.RuleSet) -> None:
    code, out, _ = run_cli("evaluate", str(SCHEME), str(SCHEME / "entities" / "西山乡.yaml"),
                       "--format", "json")  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    assert (doc["entity"], doc["period"], doc["grade"], doc["total"]) == ("西山乡", "2024",
                                                                          "不合格", "8")  # fmt: skip
    penalty = next(c for c in doc["categories"] if c["role"] == "penalty")
    assert penalty["max"] is None and penalty["score"] == "-15"
    ids = [i["id"] for c in doc["categories"] for i in c["children"]]
    assert ids == ["1", "2", "3", "6", "7", "8", "9", "10", "11"]  # no department items
    judged = next(i for c in doc["categories"] for i in c["children"] if i["id"] == "8")
    assert judged["explanation"][0] == (
        "评审打分 15 / 20 分：满意度测评得分75%（依据：第三方测评报告.pdf）（评审：第三方测评机构）"
    )


def test_html_report_shows_only_the_units_items_with_penalties_and_reasons(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, _, err = run_cli("evaluate", str(SCHEME), str(SCHEME / "entities" / "东湖镇.yaml"),
                       "--format", "html", "--out", str(out))  # fmt: skip
    assert code == 0, err
    html = out.read_text("utf-8")
    assert 'data-item="6"' in html and 'data-item="4"' not in html
    assert "东湖镇" in html and "良好" in html
    assert "扣 5 分（最多扣 20 分）" in html
    assert "河面漂浮物清理不及时" in html and "未评审，按满分计 20 分" in html


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_judgements_and_entities_are_one_line_each_all_at_once(tmp_path: Path) -> None:
    """Out of bounds, no reason, a positive deduction, a fact that does not apply: all at once."""
    facts = _write(tmp_path, "bad.yaml", (SCHEME / "tests" / "facts" / "department.yaml").read_text(
        "utf-8").replace('"4": {score: 30, reason: 专项任务全部完成}', '"4": {score: 31}').replace(
        '"11": {score: 0, reason: 督查未发现问题}', '"11": {score: 3, reason: 符号错}').replace(
        '"3": {score: 15, reason: 台账完整规范}', '"3": {score: 12}') + "cleanups_done: 3\n")  # fmt: skip
    code, _, err = run_cli("evaluate", str(SCHEME), str(facts))
    assert code == 2
    lines = err.splitlines()
    assert all(line.startswith(f"{facts}:") for line in lines), err
    assert any("judged.4.score: 31 is above the item's 30 points" in x for x in lines)
    assert any("judged.11.score: this item deducts: write -3, not 3" in x for x in lines)
    assert any("judged.3: a reason is required" in x for x in lines)
    assert any("cleanups_done: not a fact of 县水利局 (group 重点部门)" in x for x in lines)
    town = _write(tmp_path, "town.yaml", (SCHEME / "tests" / "facts" / "town.yaml").read_text(
        "utf-8").replace('  "11":', '  "4": {score: 20, reason: 不适用}\n  "11":'))  # fmt: skip
    code, _, err = run_cli("evaluate", str(SCHEME), str(town))
    assert code == 2 and "judged: item '4' does not apply to 东湖镇 (group 乡镇)" in err, err
    assert "Traceback" not in err


def test_unknown_entity_and_missing_entity(tmp_path: Path) -> None:
    facts = _write(tmp_path, "x.yaml", "entity: 南湖镇\nperiod: 2024\n")
    code, _, err = run_cli("evaluate", str(SCHEME), str(facts))
    assert code == 2
    assert f"{facts}:1:9: entity: unknown entity '南湖镇'" in err
    facts = _write(tmp_path, "y.yaml", "rules_issued: true\n")
    code, _, err = run_cli("evaluate", str(SCHEME), str(facts))
    assert code == 2 and "give entity: whom these facts are about" in err


def _scheme(tmp_path: Path, manifest_extra: str, category: str) -> Path:
    root = tmp_path / "rules"
    (root / "categories").mkdir(parents=True)
    (root / "ruleset.yaml").write_text(
        "id: t\ntitle: T\nyear: 2024\nlanguage: zh\n" + manifest_extra, encoding="utf-8"
    )
    (root / "facts.yaml").write_text(
        "facts:\n  - {key: n, type: count, label: N}\n", encoding="utf-8"
    )
    (root / "categories" / "1.yaml").write_text(category, encoding="utf-8")
    return root


ITEM = (
    "  - id: '1'\n    title: A\n    points: 5\n    criteria: c\n    departments: [D]\n"
    "    score: {kind: parts, parts: [{label: p, points: %s, each: n}]}\n"
)


def test_an_entity_in_two_groups_and_a_positive_penalty_are_refused(tmp_path: Path) -> None:
    root = _scheme(
        tmp_path,
        "groups:\n  - {id: A, members: [x, y]}\n  - {id: B, members: [y]}\n",
        "id: c\ntitle: C\nkind: penalty\npoints: none\napplies_to: [A, Q]\nitems:\n" + ITEM % "5",
    )
    code, _, err = run_cli("validate", str(root))
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert f"{root}/ruleset.yaml:7:23: entity 'y' is in groups 'A' and 'B'" in err
    assert "applies_to: no group or entity 'Q'" in err
    assert "a penalty section deducts: write -5, not 5" in err


def test_uncapped_sections_only_for_bonus_or_penalty(tmp_path: Path) -> None:
    root = _scheme(tmp_path, "", "id: c\ntitle: C\npoints: none\nitems:\n" + ITEM % "1")
    code, _, err = run_cli("validate", str(root))
    assert code == 2 and "only a bonus or penalty section may have points: none" in err


# --- what else the analyst met --------------------------------------------------------------


def test_evaluate_finds_an_entitys_targets_by_its_name(tmp_path: Path) -> None:
    """A town's facts file (named 丁堰, or saying entity: 丁堰) scores with its row of targets.yaml."""
    towns = ROOT / "rules" / "rugao-2018-towns"
    town = ROOT / "examples" / "rugao-2018" / "towns" / "丁堰.yaml"
    code, out, err = run_cli("evaluate", str(towns), str(town), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["total"] == "10"
    named = _write(tmp_path, "x.yaml", "entity: 丁堰\n" + town.read_text("utf-8"))
    code, out, err = run_cli("evaluate", str(towns), str(named), "--format", "json",
                         "--targets", str(towns / "targets.yaml"))  # fmt: skip
    assert code == 0, err
    assert (json.loads(out)["entity"], json.loads(out)["total"]) == ("丁堰", "10")
    unknown = _write(tmp_path, "y.yaml", "entity: 北城\n" + town.read_text("utf-8"))
    code, _, err = run_cli("evaluate", str(towns), str(unknown))
    assert code == 2 and f"{unknown}:1:9: entity: '北城' is not in" in err


def test_a_comma_in_a_flow_mapping_says_what_happened(tmp_path: Path) -> None:
    root = _scheme(tmp_path, "", "id: c\ntitle: C\npoints: 5\nitems:\n" + ITEM % "1")
    category = root / "categories" / "1.yaml"
    category.write_text(category.read_text("utf-8").replace("each: n", "each: max(0, n - 1)"))
    code, _, err = run_cli("validate", str(root))
    assert code == 2
    assert "quote the expression" in err.splitlines()[0]
    assert "a comma inside an unquoted expression split the {…} mapping" in err.splitlines()[1]


def test_a_blank_target_keeps_the_items_own_not_applicable_reason(tmp_path: Path) -> None:
    root = _scheme(tmp_path, "", "id: c\ntitle: C\npoints: 5\nitems:\n" + (
        "  - id: '1'\n    title: A\n    points: 5\n    criteria: c\n    departments: [D]\n"
        "    not_applicable: {when: n == 0, reason: 辖区内无此类企业，不扣分}\n"
        "    score: {kind: target, actual: n, target: t}\n"))  # fmt: skip
    (root / "facts.yaml").write_text(
        "facts:\n  - {key: n, type: count, label: N}\n"
        "  - {key: t, type: count, label: T, role: target}\n", encoding="utf-8"
    )
    rules = qualscore.load_rules(root)
    item = qualscore.evaluate(rules, {"n": 3, "t": None}).item("1")
    assert (item.not_applicable, item.score) == ("辖区内无此类企业，不扣分", D(5))


def test_lint_leaves_a_signed_change_alone(tmp_path: Path) -> None:
    """0 is "stable" for a change declared from -10 to 10: awarding then is the source's intent."""
    root = _scheme(tmp_path, "", "id: c\ntitle: C\npoints: 2\nitems:\n" + (
        "  - id: '1'\n    title: A\n    points: 2\n    criteria: c\n    departments: [D]\n"
        "    score: {kind: formula, expr: 'min(2, 1.5 + n / 10)'}\n"))  # fmt: skip
    (root / "facts.yaml").write_text(
        "facts:\n  - {key: n, type: number, label: N, min: -10, max: 10}\n", encoding="utf-8"
    )
    code, out, err = run_cli("validate", str(root), "--strict")
    assert code == 0, out + err


def test_template_for_an_entity_lists_only_its_facts_and_judged_items(tmp_path: Path) -> None:
    code, out, _ = run_cli("template", str(SCHEME), "--entity", "西山乡")
    assert code == 0
    assert 'entity: "西山乡"' in out and "period: 2024" in out
    assert "cleanups_done:" in out and "overdue_tasks:" not in out
    assert '"8": {score: , reason: , evidence: }' in out and '"4":' not in out
    code, out, _ = run_cli("template", str(SCHEME), "--entity", "重点部门", "--format", "csv")
    assert code == 0
    assert "judged.4.score" in out and "judged.4.reason" in out and "judged.4.evidence" in out
    assert "cleanups_done" not in out
    code, _, err = run_cli("template", str(SCHEME), "--entity", "南湖镇")
    assert code == 2 and "no entity or group '南湖镇'" in err


def test_a_filled_in_csv_template_scores_like_the_facts_file(tmp_path: Path) -> None:
    import csv

    code, out, _ = run_cli("template", str(SCHEME), "--entity", "西山乡", "--format", "csv")
    facts = yaml.safe_load((SCHEME / "entities" / "西山乡.yaml").read_text("utf-8"))
    values = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in facts.items()
              if k not in ("judged", "period")}  # fmt: skip
    for item_id, judged in facts["judged"].items():
        values.update({f"judged.{item_id}.{k}": str(v) for k, v in judged.items()})
    rows = list(csv.reader(io.StringIO(out)))
    for row in rows[1:]:
        row[-1] = values.get(row[2], row[-1])
    table = tmp_path / "filled.csv"
    with table.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    code, out, err = run_cli("evaluate", str(SCHEME), str(table), "--format", "json")
    assert code == 0, err
    assert (json.loads(out)["entity"], json.loads(out)["total"]) == ("西山乡", "8")


def test_new_starts_an_empty_or_demo_based_scheme(tmp_path: Path) -> None:
    code, out, _ = run_cli("init", str(tmp_path / "river"), "--year", "2025", "--id", "river-2025")
    assert code == 0, out
    rules = qualscore.load_rules(tmp_path / "river")
    assert (rules.id, rules.manifest.year) == ("river-2025", 2025)
    code, out, _ = run_cli("validate", str(tmp_path / "river"), "--strict")
    assert (code, out.endswith("ok: 1 item, 1 fact, 0 warnings\n")) == (0, True)  # singular
    code, out, _ = run_cli("init", str(tmp_path / "d"), "--year", "2026", "--start", "demo")
    assert code == 0, out
    assert qualscore.load_rules(tmp_path / "d").id == "d"
    code, _, err = run_cli("init", str(tmp_path / "d"), "--year", "2026")
    assert code == 2 and "already exists" in err


def test_an_otherwise_no_declared_value_reaches_is_left_out_of_coverage(tmp_path: Path) -> None:
    root = _scheme(tmp_path, "", "id: c\ntitle: C\npoints: 2\nitems:\n" + (
        "  - id: '1'\n    title: A\n    points: 2\n    criteria: c\n    departments: [D]\n"
        "    score:\n      kind: tiers\n      value: r\n      bands:\n"
        "        - {at_least: 50, points: 2}\n        - {below: 50, points: 1}\n"))  # fmt: skip
    (root / "facts.yaml").write_text(
        "facts:\n  - {key: r, type: percent, label: R}\n", encoding="utf-8"
    )
    (root / "tests").mkdir()
    (root / "tests" / "t.yaml").write_text(
        "cases:\n  - {name: high, facts: {r: 60}, expect: {'1': 2}}\n"
        "  - {name: low, facts: {r: 10}, expect: {'1': 1}}\n", encoding="utf-8"
    )
    code, out, _ = run_cli("test", str(root), "--min-coverage", "100")
    assert code == 0, out
    assert "coverage: 100% (2 of 2 branches reached)" in out
    assert "unreachable, not counted: item 1: otherwise (0 points): the bands" in out
    assert "hold every value r may take (0..100)" in out


@pytest.mark.parametrize("path", ENTITIES, ids=lambda p: p.stem)
def test_each_entity_equals_the_reference_interpreter_on_its_view(
    rules: qualscore.RuleSet, path: Path
) -> None:
    """What applies to an entity is a rule set of its own: the reference interpreter agrees."""
    import dataclasses

    from reference_engine import evaluate as reference

    facts = qualscore.load_facts(rules, path)
    got = qualscore.evaluate(rules, facts)
    view = rules.view(facts.entity)
    assert view is rules.view(facts.entity)  # one view, one compiled plan, per group
    want = reference(view, facts.run_values, facts.sha256)
    want = dataclasses.replace(want, entity=facts.entity, period=facts.period)
    assert repr(got) == repr(want)


def test_diff_reads_a_facts_file_that_names_its_entity_and_judged_items() -> None:
    entity = SCHEME / "entities" / "县水利局.yaml"
    code, out, err = run_cli("diff", str(SCHEME), str(SCHEME), "--facts", str(entity))
    assert code == 0, err
    assert "县水利局" in out


def test_points_of_a_category_of_per_entity_blocks_add_up_per_group(tmp_path: Path) -> None:
    """One category holding every unit's own items: its sum is checked as each group sees it."""
    block = (
        "  - id: '%s'\n    title: A\n    points: 10\n    criteria: c\n    departments: [D]\n"
        "    applies_to: [%s]\n"
        "    score: {kind: parts, parts: [{label: p, points: 10, when: n > 0}]}\n"
    )
    root = _scheme(
        tmp_path,
        "groups:\n  - {id: A, members: [x]}\n  - {id: B, members: [y]}\n",
        "id: c\ntitle: C\npoints: 10\nitems:\n" + block % ("1", "A") + block % ("2", "B"),
    )
    code, out, err = run_cli("validate", str(root), "--strict")
    assert code == 0, out + err
    category = root / "categories" / "1.yaml"
    category.write_text(category.read_text("utf-8").replace("applies_to: [B]", "applies_to: [A]"))
    code, out, err = run_cli("validate", str(root))
    assert "its children add to 20, more than its declared 10 points; the cap of 10 binds " \
        "(for group A)" in err


def test_a_category_of_criteria_text_without_items_loads_and_scores(tmp_path: Path) -> None:
    from reference_engine import evaluate as reference

    root = _scheme(tmp_path, "", "id: c\ntitle: C\npoints: 5\nitems:\n" + ITEM % "1")
    (root / "categories" / "0.yaml").write_text(
        "id: general\ntitle: 总体要求\npoints: 0\ncriteria: 各单位按本办法自查。\n", encoding="utf-8"
    )
    rules = qualscore.load_rules(root)
    facts = qualscore.check_facts(rules, {"n": 2})
    result = qualscore.evaluate(rules, facts)
    first = result.categories[0]
    assert (first.id, first.score, first.children) == ("general", D(0), ())
    assert result.total == D(2) and qualscore.score(rules, facts).total == D(2)
    assert repr(result) == repr(reference(rules, facts.run_values, facts.sha256))
    assert first.criteria == "各单位按本办法自查。"
    from qualscore.report.data import to_data
    from qualscore.report.html import to_html

    assert to_data(result)["categories"][0]["criteria"] == "各单位按本办法自查。"
    assert '<p class="criteria">各单位按本办法自查。</p>' in to_html(result, "zh")
    (root / "categories" / "0.yaml").write_text("id: g\ntitle: G\npoints: 0\n", encoding="utf-8")
    code, _, err = run_cli("validate", str(root))
    assert code == 2 and "a category needs items, or criteria text when it has none" in err


def test_judged_texts_with_escape_sequences_are_refused(rules: qualscore.RuleSet) -> None:
    """A facts file with an escape is refused as it is read; a mapping given in Python too."""
    data = yaml.safe_load((SCHEME / "tests" / "facts" / "department.yaml").read_text("utf-8"))
    data["judged"]["3"]["reason"] = "台账\x1b[31m红字"
    data["judged"]["4"]["reason"] = ["a", "b"]
    with pytest.raises(qualscore.FactsError) as info:
        qualscore.check_facts(rules, data)
    text = str(info.value)
    assert "judged.3.reason: control characters, or over 2,000 characters" in text
    assert "judged.4.reason: expected text, got a list" in text


SHARED_TABLE = """\
entity,rules_issued,patrol_rate,overdue_tasks,section_quality_met,cleanups_done,cleanups_missed,\
awards,provincial_criticisms,city_criticisms,major_pollution_incident,judged.3.score,\
judged.3.reason,judged.4.score,judged.4.reason,judged.8.score,judged.8.reason,judged.11.score,\
judged.11.reason
县水利局,true,96,1,,,,1,0,1,false,13,台账基本完整,27,按期推进,,,-2,巡查记录不全
县生态环境局,true,88,0,,,,0,0,0,false,12,分类不规范,24,进度滞后,,,0,未发现问题
东湖镇,true,92,%s,true,8,1,2,1,0,false,14,台账完整,,,,,-1,清理不及时
西山乡,false,70,,false,2,4,0,1,2,false,8,缺失较多,,,15,满意度75%%,-4,未整改
"""


def test_batch_of_a_shared_table_ranks_each_group_on_net_totals(tmp_path: Path) -> None:
    """Blank cells for another group's facts are fine; a value there is refused for that row."""
    table = _write(tmp_path, "all.csv", SHARED_TABLE % "")
    code, _, err = run_cli("batch", str(SCHEME), str(table), "--out", str(tmp_path / "r.json"))
    assert code == 0, err
    ranking = json.loads((tmp_path / "r.json").read_text("utf-8"))["ranking"]
    assert [(r["group"], r["rank"], r["entity"], r["total"], r["grade"]) for r in ranking] == [
        ("乡镇", 1, "东湖镇", "85", "良好"),
        ("乡镇", 2, "西山乡", "8", "不合格"),
        ("重点部门", 1, "县水利局", "87", "良好"),
        ("重点部门", 2, "县生态环境局", "86", "良好"),
    ]
    assert "4" not in ranking[0]["items"] and ranking[2]["items"]["4"] == "27"
    table = _write(tmp_path, "bad.csv", SHARED_TABLE % "2")
    code, _, err = run_cli("batch", str(SCHEME), str(table))
    assert code == 1
    assert "overdue_tasks: not a fact of 东湖镇 (group 乡镇)" in err


def test_headroom_offers_avoiding_a_penalty_and_respects_the_items_floor(
    rules: qualscore.RuleSet,
) -> None:
    from qualscore.analyst.analysis import headroom, reconcile

    result = qualscore.evaluate(rules, qualscore.load_facts(rules, SCHEME / "entities" / "西山乡.yaml"))
    offers = {(o.item_id, o.action): (o.gain, o.effective) for o in headroom(result, "zh")}
    assert offers[("7", "避免「应开展未开展保洁」")] == (D(9), D(9))  # -8 + 12 = 4, from the floor -5
    assert offers[("10", "避免「市级书面通报批评」")] == (D(6), D(6))  # no cap on the section
    assert reconcile(result) == []


def test_batch_html_names_each_entitys_group_and_grade(tmp_path: Path) -> None:
    out = tmp_path / "b.html"
    code, _, err = run_cli("batch", str(SCHEME), str(SCHEME / "entities"), "--out", str(out))
    assert code == 0, err
    html = out.read_text("utf-8")
    assert "<th>组别</th><th>等级</th>" in html and "各考核组分别排名" in html
    row = '<td class="n">2</td><td>西山乡</td><td class="n">8</td><td>已评定</td><td>乡镇</td><td>不合格</td>'
    assert row in html


def test_batch_csv_ends_each_row_with_its_group_and_grade(tmp_path: Path) -> None:
    out = tmp_path / "b.csv"
    code, _, err = run_cli("batch", str(SCHEME), str(SCHEME / "entities"), "--out", str(out))
    assert code == 0, err
    lines = out.read_text("utf-8").splitlines()
    assert lines[0] == "rank,entity,total,vetoed,result,1,2,3,4,5,6,7,8,9,10,11,group,grade"
    assert lines[2] == "2,西山乡,8,false,已评定,0,5,8,,,0,-5,15,0,-11,-4,乡镇,不合格"
    assert lines[3].startswith("1,县水利局,87,") and lines[3].endswith(",重点部门,良好")


def test_an_entity_s_group_is_found_by_one_lookup() -> None:
    """Every member of every group is found in its group, an unknown name in none, and the
    groups' members are read once, whatever the number of lookups."""
    rules = qualscore.load_rules(ROOT / "examples" / "qingshui-rivers")
    members = {m: g.id for g in rules.manifest.groups for m in g.members}
    assert members and all(rules.group_of(m) == g for m, g in members.items())
    assert rules.group_of("no such entity") is None
    assert rules._group_by_member == members  # worked out once, kept with the rule set
    assert rules._group_by_member is rules._group_by_member
