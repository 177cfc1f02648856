"""Cohort values: ranks, reverse ranks, shares of the best, means, computed across entities."""

from __future__ import annotations

import csv
import io
import random
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

import qualscore
from conftest import ROOT, run_cli
from qualscore import CohortError, RuleSetError, evaluate, evaluate_cohort, load_facts, load_rules
from qualscore.report.data import to_data
from qualscore.scoring.explain import explain

YUNHE = ROOT / "examples" / "yunhe-quality"
D = Decimal


def _towns() -> tuple[qualscore.RuleSet, dict[str, qualscore.Facts]]:
    rules = load_rules(YUNHE)
    towns = {}
    for path in sorted((YUNHE / "entities").glob("*.yaml")):
        if not path.name.endswith(".expected.yaml"):
            facts = load_facts(rules, path)
            assert facts.entity is not None
            towns[facts.entity] = facts
    return rules, towns


def test_the_eight_towns_score_as_worked_out_by_hand() -> None:
    """Every item, category and total of examples/yunhe-quality is its expected file's."""
    import yaml

    rules, towns = _towns()
    scored = evaluate_cohort(rules, towns)
    assert set(scored) == set(towns) and not scored.failed
    for name, result in scored.items():
        want = yaml.safe_load((YUNHE / "entities" / f"{name}.expected.yaml").read_text("utf-8"))
        got = {i.id: i.score for i in result.items}
        assert got == {k: D(str(v)) for k, v in want["items"].items()}, name
        assert {c.id: c.score for c in result.categories} == {
            k: D(str(v)) for k, v in want["categories"].items()
        }
        assert result.total == D(str(want["total"]))


def test_the_order_of_the_entities_changes_nothing() -> None:
    """Shuffled entities give equal results, cohort values and summaries."""
    rules, towns = _towns()
    first = evaluate_cohort(rules, towns)
    names = list(towns)
    random.Random(7).shuffle(names)
    again = evaluate_cohort(rules, {n: towns[n] for n in names})
    assert list(first) == list(again)
    assert first.summaries == again.summaries
    for name in first:
        assert to_data(first[name]) == to_data(again[name])


def test_ties_share_a_rank_and_the_next_is_skipped_or_not() -> None:
    """Competition ranks 1, 2, 2, 4; dense ranks 1, 2, 2, 3; tied counts and leaders."""
    rules, towns = _towns()
    scored = evaluate_cohort(rules, towns)
    pass_rank = {n: (r.cohort["pass_rank"].value, r.cohort["pass_rank"].tied)
                 for n, r in scored.items()}  # fmt: skip
    assert pass_rank["金塘乡"] == (1, 1)
    assert pass_rank["东岭镇"] == pass_rank["南湖镇"] == (2, 2)
    assert pass_rank["西溪镇"] == pass_rank["红桥镇"] == (4, 2)  # no 3rd
    dense = {n: r.cohort["development_rank"].value for n, r in scored.items()}
    assert dense["北山乡"] == dense["白沙乡"] == 6 and dense["南湖镇"] == 7
    share = scored["西溪镇"].cohort["brand_share"]
    assert share.value == D("0.6667") and share.best == 6
    assert share.leaders == ("东岭镇", "白沙乡", "青石镇")
    reverse = {n: r.cohort["complaint_reverse"].value for n, r in scored.items()}
    assert reverse["白沙乡"] == 1 and reverse["西溪镇"] == reverse["青石镇"] == 3
    assert reverse["红桥镇"] == 5


def test_the_mean_is_rounded_to_its_places_and_given_to_everyone() -> None:
    """326.5 / 8 = 40.8125 is 40.8 at one place."""
    rules, towns = _towns()
    scored = evaluate_cohort(rules, towns)
    assert {r.cohort["age_mean"].value for r in scored.values()} == {D("40.8")}
    summary = next(s for s in scored.summaries if s.key == "age_mean")
    assert summary.value == D("40.8") and len(summary.entities) == 8


def test_explanations_show_the_cohort() -> None:
    """The rank, of how many, the ties; the best and who holds it; the mean."""
    rules, towns = _towns()
    result = evaluate_cohort(rules, towns)["西溪镇"]
    lines = [line for item in result.items for line in explain(item, "zh")]
    assert "抽查合格率全县排名：本单位 97%，第 4 名 / 8 个单位（与另 1 个单位并列）" in lines
    assert any("为第 1 名（东岭镇、白沙乡、青石镇，6 个）的 66.67%" in line for line in lines)
    assert "全县检验检测人员平均年龄：本单位 38.5 岁，8 个单位的平均值 40.8 岁" in lines
    assert "质量投诉倒数排名第 3 名，按排名扣 1 分" in lines
    data = to_data(result)
    assert data["cohort"]["pass_rank"] == {
        "label": "抽查合格率全县排名", "stat": "rank", "value": "4", "shown": "4", "own": "97.0",
        "size": 8, "left_out": 0,
        "scope": "all", "tied": 2, "best": "99.1", "leaders": ["金塘乡"], "given": False,
        "scored": False,
    }  # fmt: skip
    lines_7 = explain(result.item("7"), "zh")
    assert "质量发展得分排名：本单位得分 23.67，第 4 名 / 8 个单位" in lines_7


def test_one_entity_is_refused_without_its_cohort_values_and_reproduced_with_them() -> None:
    """evaluate() needs the cohort values; given those batch computed, it gives batch's score."""
    rules, towns = _towns()
    with pytest.raises(CohortError, match="scores each entity against the others"):
        evaluate(rules, towns["西溪镇"])
    together = evaluate_cohort(rules, towns)["西溪镇"]
    given = {k: e.value for k, e in together.cohort.items()}
    alone = evaluate(rules, towns["西溪镇"], cohort=given)
    assert alone.total == together.total == D("40.17")
    assert [i.score for i in alone.items] == [i.score for i in together.items]
    assert alone.cohort["pass_rank"].given


def test_given_cohort_values_are_checked() -> None:
    """Unknown, missing and malformed values are refused, all at once."""
    rules, towns = _towns()
    with pytest.raises(CohortError) as caught:
        evaluate(rules, towns["西溪镇"], cohort={"pass_rnk": 1, "brand_share": "x"})
    text = str(caught.value)
    assert "unknown cohort value 'pass_rnk'; did you mean 'pass_rank'?" in text
    assert "brand_share: expected a number, got 'x'" in text
    assert "missing cohort value 'age_mean'" in text


def test_a_cohort_smaller_than_declared_is_refused_with_its_members() -> None:
    """min_entities: 3 with two towns names the declaration and the two towns."""
    rules, towns = _towns()
    with pytest.raises(CohortError) as caught:
        evaluate_cohort(rules, {n: towns[n] for n in ("东岭镇", "西溪镇")})
    assert str(caught.value).endswith(
        "facts.yaml:12:5: cohort value 'pass_rank' needs at least 3 entities with a value; "
        "2 have one (东岭镇, 西溪镇)"
    )


def test_an_entity_with_bad_facts_is_left_out_of_every_cohort() -> None:
    """Its problems are kept; the others are ranked among themselves."""
    rules, towns = _towns()
    entities: dict[str, object] = dict(towns)
    entities["坏镇"] = {"pass_rate": 200}
    scored = evaluate_cohort(rules, entities)  # type: ignore[arg-type]
    assert "坏镇" not in scored and any("pass_rate" in p for p in scored.failed["坏镇"])
    assert all(len(s.entities) == 8 for s in scored.summaries)


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "r"
    shutil.copytree(YUNHE, target)
    return target


def test_a_cycle_is_refused_at_load_naming_it(tmp_path: Path) -> None:
    """A rank of category 一 read by an item in 一 depends on itself."""
    root = _copy(tmp_path)
    path = root / "categories" / "1-development.yaml"
    text = path.read_text("utf-8").replace("expr: 10 * brand_share", "expr: 10 - development_rank")
    path.write_text(text, "utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rules(root)
    assert str(caught.value).endswith(
        "facts.yaml:33:10: cohort value 'development_rank' depends on itself: "
        "development_rank → development_rank (its score of '一' reads 'development_rank')"
    )


def test_a_rank_shape_must_read_a_rank_and_a_score_must_name_a_node(tmp_path: Path) -> None:
    """kind: rank over a mean, and score: naming no node, are load errors."""
    root = _copy(tmp_path)
    cat = root / "categories" / "1-development.yaml"
    cat.write_text(cat.read_text("utf-8").replace("rank: pass_rank", "rank: age_mean"), "utf-8")
    facts = root / "facts.yaml"
    facts.write_text(facts.read_text("utf-8").replace("score: 一 ", "score: 壹 "), "utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rules(root)
    text = str(caught.value)
    assert "score: no item, indicator or category '壹' (or 'total')" in text
    assert "rank: must name a cohort value whose stat is rank or reverse_rank" in text


def test_groups_rank_within_each_group_and_a_group_scope_reaches_everyone() -> None:
    """scope: group ranks each group alone; a mean over one group is given to all."""
    from qualscore.ruleset.model import CohortDecl
    from qualscore.scoring.cohort import aggregate

    rules = load_rules(ROOT / "examples" / "qingshui-rivers")
    own = {"县水利局": D(3), "县生态环境局": D(5), "东湖镇": D(5), "西山乡": D(1)}
    ranked = CohortDecl(key="r", label="名次", stat="rank", of=None, score="total",
                        scope="group")  # fmt: skip
    entries, summaries = aggregate(rules, ranked, own)
    assert {n: e.value for n, e in entries.items()} == {
        "县生态环境局": 1, "县水利局": 2, "东湖镇": 1, "西山乡": 2,
    }  # fmt: skip
    assert [s.scope for s in summaries] == ["乡镇", "重点部门"]
    mean = ranked.model_copy(update={"stat": "mean", "scope": "乡镇"})
    entries, _ = aggregate(rules, mean, own)
    assert {e.value for e in entries.values()} == {D(3)} and len(entries) == 4


def test_score_is_refused_without_cohort_values_and_agrees_with_them() -> None:
    """score() needs the values as evaluate() does, and gives the same numbers with them."""
    rules, towns = _towns()
    with pytest.raises(CohortError, match="scores each entity against the others"):
        qualscore.score(rules, towns["南湖镇"])
    together = evaluate_cohort(rules, towns)["南湖镇"]
    given = {k: e.value for k, e in together.cohort.items()}
    scores = qualscore.score(rules, towns["南湖镇"], cohort=given)
    assert scores.total == together.total == D(19)
    assert dict(scores.items) == {i.id: i.score for i in together.items}


def test_a_rule_set_without_cohort_values_refuses_given_ones() -> None:
    """Cohort values given to a rule set that declares none are unknown, not ignored."""
    rules = load_rules(ROOT / "rules" / "rugao-2018")
    facts = load_facts(rules, ROOT / "examples" / "rugao-2018" / "city-sample.yaml")
    with pytest.raises(CohortError, match="unknown cohort value 'rank'"):
        evaluate(rules, facts, cohort={"rank": 1})


def test_a_facts_check_may_not_read_a_cohort_value(tmp_path: Path) -> None:
    """Checks run on one entity's facts, before any cohort value exists: refused at load."""
    root = _copy(tmp_path)
    facts = root / "facts.yaml"
    text = facts.read_text("utf-8").replace(
        "\n# Computed", "\nchecks:\n  - {when: pass_rank >= 1, message: m}\n\n# Computed"
    )
    facts.write_text(text, "utf-8")
    with pytest.raises(RuleSetError, match=r"facts.yaml:11:12: checks\[0\].when: reads cohort"):
        load_rules(root)


def test_a_cohort_formula_that_fails_costs_only_its_entity(tmp_path: Path) -> None:
    """A division by zero in one town's ``of`` leaves that town out, named, the cohort
    value named; the other towns are ranked among themselves."""
    root = _copy(tmp_path)
    facts = root / "facts.yaml"
    facts.write_text(facts.read_text("utf-8").replace("of: pass_rate", "of: 100 / labs"), "utf-8")
    rules = load_rules(root)
    towns = {}
    for path in sorted((YUNHE / "entities").glob("*.yaml")):
        if not path.name.endswith(".expected.yaml"):
            f = load_facts(rules, path)
            towns[f.entity] = f
    scored = evaluate_cohort(rules, towns)
    assert scored.failed == {"北山乡": ("cohort value pass_rank: 100 / labs: division by zero",)}
    assert len(scored) == 7 and all(len(s.entities) == 7 for s in scored.summaries)


def test_the_facts_template_lists_a_cohort_values_facts_under_its_items() -> None:
    """pass_rate is read only by the rank item 1 reads: the template lists it under item 1's
    department, and lists no cohort value (they are computed, never given)."""
    from qualscore.report.template import to_csv

    rows = list(csv.reader(io.StringIO(to_csv(load_rules(YUNHE)))))
    by_key = {r[2]: r for r in rows[1:]}
    assert by_key["pass_rate"][:2] == ["县市场监管局", "1"]
    assert by_key["complaint_rate"][:2] == ["县市场监管局", "6"]
    assert not {"pass_rank", "age_mean", "development_rank"} & set(by_key)


@pytest.mark.slow
def test_long_chains_and_knots_of_cohort_values_load_without_deep_recursion(
    tmp_path: Path,
) -> None:
    """3,000 values each read the one before (3,000 levels); a knot of three is one
    problem naming the cycle, and a chain of 3,000 back to its start is cut short."""
    root = _copy(tmp_path)
    facts = root / "facts.yaml"
    base = facts.read_text("utf-8")
    chain = "".join(f"  - {{key: c{i}, label: c, stat: max, of: c{i - 1}}}\n" for i in range(1, 3000))
    facts.write_text(base + "  - {key: c0, label: c, stat: max, of: pass_rate}\n" + chain, "utf-8")
    rules = load_rules(root)
    assert len(rules.cohort_levels) == 3000 and rules.cohort_levels[-1][0].key == "c2999"
    knot = ("  - {key: a, label: a, stat: max, of: b}\n  - {key: b, label: b, stat: max, of: c}\n"
            "  - {key: c, label: c, stat: max, of: a}\n")  # fmt: skip
    facts.write_text(base + knot, "utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rules(root)
    assert len(caught.value.problems) == 1
    assert "cohort value 'a' depends on itself: a → b → c → a (its of reads 'b')" in str(
        caught.value
    )
    loop = "".join(f"  - {{key: d{i}, label: d, stat: max, of: d{(i + 1) % 3000}}}\n"
                   for i in range(3000))  # fmt: skip
    facts.write_text(base + loop, "utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rules(root)
    assert "d0 → d1 → d2 → d3 → d4 → d5 → d6 → d7 → d8 → d9 → … → d0" in str(caught.value)


def test_a_tie_at_the_top_of_many_names_only_a_few() -> None:
    """Twelve towns share the best: the explanation names five and says how many."""
    from qualscore.scoring.explain import cohort_line
    from qualscore.scoring.trace import CohortEntry

    leaders = tuple(f"镇{i:02d}" for i in range(12))
    entry = CohortEntry("s", "占第1名的比例", "share_of_best", D(1), D(6), 12, "all",
                        best=D(6), leaders=leaders)  # fmt: skip
    assert cohort_line(entry, "zh") == (
        "占第1名的比例：本单位 6，为第 1 名（镇00、镇01、镇02、镇03、镇04 等 12 个单位，6）的 "
        "100%（12 个单位），比例 1"
    )


def test_a_cohort_value_no_rule_reads_is_warned_of(tmp_path: Path) -> None:
    """An unread cohort value is a warning at its declaration; the facts it reads count
    as read (no warning for them)."""
    root = _copy(tmp_path)
    facts = root / "facts.yaml"
    facts.write_text(
        facts.read_text("utf-8") + "  - {key: spare, label: 备用, stat: max, of: labs}\n", "utf-8"
    )
    found = [str(w) for w in qualscore.lint(load_rules(root))]
    assert found == [
        f"{root}/facts.yaml:38:5: warning: cohort value spare: declared but read by no item, "
        "bonus, veto or cohort value"
    ]


# --- given values are what they say they are ---------------------------------------------

_PUBLISHED = {"pass_rank": 4, "brand_share": "0.6667", "age_mean": "40.8",
              "complaint_reverse": 3, "development_rank": 4}  # fmt: skip


def _evaluate_given(rules: Path, given: Path) -> tuple[int, str, str]:
    return run_cli("evaluate", rules, rules / "entities" / "西溪镇.yaml", "--cohort", given)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("pass_rank", "-3", "-3 is not a rank"),
        ("pass_rank", "0", "0 is not a rank"),
        ("pass_rank", "0.5", "0.5 is not a rank"),
        ("complaint_reverse", "1000001", "1000001 is not a rank"),
    ],
)
def test_a_given_rank_is_a_whole_number_from_one(
    tmp_path: Path, key: str, value: str, message: str
) -> None:
    """A rank below 1 or not whole is refused at its place in the file, the bound said
    (without a count of the cohort, the largest cohort qualscore takes: 1,000,000)."""
    given = tmp_path / "given.yaml"
    values = {**_PUBLISHED, key: value}
    given.write_text("".join(f"{k}: {v}\n" for k, v in values.items()), "utf-8")
    line = list(values).index(key) + 1
    code, out, err = _evaluate_given(YUNHE, given)
    assert (code, out) == (2, "")
    assert err == (
        f"{given}:{line}:{len(key) + 3}: {key}: {message} (a whole number from 1 to the cohort's "
        "size: no count of it is given, so at most 1,000,000)\n"
    )


def test_the_edges_of_given_values_are_taken() -> None:
    """Rank 1 and 1,000,000, a share of 0 and of 1, a mean at either end of the ages'
    declared range [18, 70]: each is a value the cohort could have given."""
    rules, towns = _towns()
    for change in ({"pass_rank": 1}, {"pass_rank": 1_000_000}, {"brand_share": 0},
                   {"brand_share": 1}, {"age_mean": 18}, {"age_mean": 70}):  # fmt: skip
        evaluate(rules, towns["西溪镇"], cohort={**_PUBLISHED, **change})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"brand_share": "7.5"}, "brand_share: 7.5 is not a share of the best (a number from 0 to 1)"),
        ({"brand_share": "-0.01"}, "brand_share: -0.01 is not a share of the best (a number from 0 to 1)"),
        ({"age_mean": "70.1"}, "age_mean: 70.1 is not a mean of staff_age, which lies in [18, 70]"),
        ({"age_mean": "17.9"}, "age_mean: 17.9 is not a mean of staff_age, which lies in [18, 70]"),
    ],
)  # fmt: skip
def test_a_given_share_or_mean_lies_in_its_range(change: dict[str, str], message: str) -> None:
    """From Python as from a file: a share outside [0, 1] and a mean outside the range of
    the fact it averages are refused, the town not scored (once 44 instead of 40.17)."""
    rules, towns = _towns()
    with pytest.raises(CohortError) as caught:
        evaluate(rules, towns["西溪镇"], cohort={**_PUBLISHED, **change})
    assert str(caught.value) == f"<cohort>: {message}"


def _with_count(tmp_path: Path, places_age_max: str | None = None) -> Path:
    """The example with a count of the towns ranked by pass rate (a rank's cohort size)."""
    root = _copy(tmp_path)
    facts = root / "facts.yaml"
    text = facts.read_text("utf-8")
    if places_age_max is not None:
        text = text.replace("min: 18, max: 70}", f"min: 18, max: {places_age_max}}}")
    count = "  - {key: towns, label: 参评乡镇数, stat: count, of: pass_rate, min_entities: 3}\n"
    facts.write_text(text + count, "utf-8")
    return root


def test_a_rank_is_at_most_the_given_count_of_its_cohort(tmp_path: Path) -> None:
    """With the count of the same cohort given (8 towns), rank 8 is taken and rank 9 is
    refused naming the count; a count below the declared min_entities is refused."""
    rules = load_rules(_with_count(tmp_path))
    facts = load_facts(rules, YUNHE / "entities" / "西溪镇.yaml")
    assert evaluate(rules, facts, cohort={**_PUBLISHED, "towns": 8, "pass_rank": 8}).total
    with pytest.raises(CohortError) as caught:
        evaluate(rules, facts, cohort={**_PUBLISHED, "towns": 8, "pass_rank": 9})
    assert str(caught.value) == (
        "<cohort>: pass_rank: 9 is not a rank (a whole number from 1 to 8, the count 'towns')"
    )
    with pytest.raises(CohortError) as caught:
        evaluate(rules, facts, cohort={**_PUBLISHED, "towns": 2})
    assert str(caught.value) == (
        "<cohort>: towns: 2 is not a count of the cohort (a whole number from 3, its "
        "min_entities, to 1,000,000)"
    )


def test_a_rounded_mean_may_round_past_the_range_by_its_places(tmp_path: Path) -> None:
    """Ages up to 70.05 with the mean rounded to 1 place: a mean of 70.05 is published as
    70.1, which is taken; 70.2 cannot be."""
    rules = load_rules(_with_count(tmp_path, places_age_max="70.05"))
    facts = load_facts(rules, YUNHE / "entities" / "西溪镇.yaml")
    evaluate(rules, facts, cohort={**_PUBLISHED, "age_mean": "70.1"})
    with pytest.raises(CohortError, match=r"70.2 is not a mean of staff_age, .* \[18, 70.1\]"):
        evaluate(rules, facts, cohort={**_PUBLISHED, "age_mean": "70.2"})
