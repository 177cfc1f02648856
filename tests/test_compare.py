"""--compare LAST.json: each item's change, the total's and the rank's, in every format."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, run_cli

RULES = ROOT / "rules/rugao-2018"
SAMPLE = ROOT / "examples/rugao-2018/city-sample.yaml"
CITY_B = ROOT / "examples/rugao-2018/city-b.yaml"


@pytest.fixture
def last(tmp_path: Path) -> Path:
    path = tmp_path / "last.json"
    code, out, _ = run_cli("evaluate", RULES, CITY_B, "--format", "json")
    assert code == 0
    path.write_text(out, encoding="utf-8")
    return path


def test_json_carries_the_changes(last: Path) -> None:
    code, out, _ = run_cli("evaluate", RULES, SAMPLE, "--format", "json", "--compare", last)
    assert code == 0
    compare = json.loads(out)["compare"]
    assert (compare["total_before"], compare["total_now"], compare["total_change"]) == (
        "70.09", "90.39", "20.3",
    )
    item = next(i for i in compare["items"] if i["id"] == "19.4")
    assert (item["before"], item["now"], item["change"]) == ("1.84", "1.62", "-0.22")


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_every_text_format_shows_it(last: Path, fmt: str) -> None:
    code, out, _ = run_cli("evaluate", RULES, SAMPLE, "--format", fmt, "--compare", last)
    assert code == 0
    assert "70.09 → 90.39" in out and "+20.3" in out
    assert "-0.22" in out  # 19.4 went down


def test_docx_shows_it(last: Path, tmp_path: Path) -> None:
    target = tmp_path / "r.docx"
    code, _, _ = run_cli("evaluate", RULES, SAMPLE, "--format", "docx", "--out", target,
                     "--compare", last, "--date", "2019-03-01")  # fmt: skip
    assert code == 0
    body = zipfile.ZipFile(target).read("word/document.xml").decode()
    assert "70.09 → 90.39" in body and "-0.22" in body


def test_batch_shows_rank_and_total_then(tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    assert run_cli("batch", RULES, CITY_B, "--out", first)[0] == 0
    second = tmp_path / "second.json"
    assert run_cli("batch", RULES, SAMPLE.parent, "--out", second, "--compare", first)[0] == 0
    ranking = {r["entity"]: r for r in json.loads(second.read_text(encoding="utf-8"))["ranking"]}
    assert ranking["city-b"]["previous"] == {
        "total": "70.09", "rank": 1, "total_change": "0", "rank_change": -1,
    }
    assert ranking["city-sample"]["previous"] is None


def test_a_bad_previous_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    code, _, err = run_cli("evaluate", RULES, SAMPLE, "--compare", bad)
    assert code == 2 and err.count("\n") == 1 and "not a qualscore JSON report" in err


# --- a previous file that no qualscore run wrote is refused in one line --------------------

REVISED = ROOT / "examples/rugao-2019-revised"


def _doc(last: Path) -> dict[str, object]:
    return json.loads(last.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _refused(previous: Path, *extra: str | Path, command: str = "evaluate") -> str:
    """Run with ``--compare previous``; assert exit 2, nothing on stdout, one line; the line."""
    inputs = (RULES, SAMPLE) if command == "evaluate" else (RULES, SAMPLE.parent)
    code, out, err = run_cli(command, *inputs, "--compare", previous, *extra)
    assert (code, out, err.count("\n")) == (2, "", 1), err
    return err.rstrip("\n")


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ('"NaN"', "'NaN'"),
        ('"sNaN"', "'sNaN'"),
        ('"1E+999999999"', "'1E+999999999'"),
        ('"Infinity"', "'Infinity'"),
        ("NaN", "NaN"),
        ("1e400", "1e400"),
        ("9" * 5000, "9" * 39 + "…"),
        ('"70.0900000000001"', "'70.0900000000001'"),
        ('"1000000000000000"', "'1000000000000000'"),
        ("true", "true"),
    ],
)
def test_a_forged_total_is_refused(last: Path, written: str, shown: str) -> None:
    """A total that is no finite decimal, is 10^15 or more, has more than 12 places or is
    no number is refused: no traceback, no page of digits."""
    text = last.read_text(encoding="utf-8").replace('"total": "70.09"', f'"total": {written}', 1)
    last.write_text(text, encoding="utf-8")
    assert _refused(last) == (
        f"{last}: --compare: total: not a score: {shown} (a finite decimal below 10^15, "
        "at most 12 places)"
    )


def test_the_edges_of_a_score_are_taken(last: Path) -> None:
    """12 places and 15 whole digits are what a score may have; 1E+2 is 100."""
    for total, change in (("0.000000000001", "90.389999999999"), ("999999999999999", None),
                          ("1E+2", "-9.61")):  # fmt: skip
        doc = _doc(last)
        doc["total"] = total
        last.write_text(json.dumps(doc), encoding="utf-8")
        code, out, err = run_cli("evaluate", RULES, SAMPLE, "--format", "json", "--compare", last)
        assert (code, err) == (0, "")
        if change is not None:
            assert json.loads(out)["compare"]["total_change"] == change


@pytest.fixture
def batch_last(tmp_path: Path) -> Path:
    path = tmp_path / "first.json"
    assert run_cli("batch", RULES, CITY_B, "--out", path)[0] == 0
    return path


@pytest.mark.parametrize(
    ("written", "shown"),
    [('"first"', "'first'"), ("1e400", "1e400"), ("9" * 5000, "9" * 39 + "…"), ("0", "0"),
     ("2", "2"), ("1.0", "1.0"), ("true", "true"), ("null", "null")],
)  # fmt: skip
def test_a_forged_rank_is_refused(batch_last: Path, written: str, shown: str) -> None:
    """A rank is a whole number from 1 to the number of entities ranked (1 here)."""
    text = batch_last.read_text(encoding="utf-8").replace('"rank": 1', f'"rank": {written}', 1)
    batch_last.write_text(text, encoding="utf-8")
    assert _refused(batch_last, command="batch") == (
        f"{batch_last}: --compare: ranking[0].rank: not a rank: {shown} (a whole number from 1 "
        "to 1, the entities ranked)"
    )


def test_deep_nesting_is_refused_without_a_recursion_error(tmp_path: Path, last: Path) -> None:
    """Arrays 100,000 deep, and categories nested past 64 levels, are one line each."""
    deep = tmp_path / "deep.json"
    deep.write_text('{"categories": ' + "[" * 100_000 + "]" * 100_000 + ', "total": "1"}', "utf-8")
    assert _refused(deep) == f"{deep}: --compare: nested too deeply to be a qualscore result"
    doc = _doc(last)
    nested: dict[str, object] = {"kind": "item", "id": "1", "score": "1"}
    for _ in range(65):
        nested = {"kind": "category", "children": [nested]}
    doc["categories"] = [nested]
    last.write_text(json.dumps(doc), encoding="utf-8")
    line = _refused(last)
    assert line.startswith(f"{last}: --compare: categories[0].children[0].")
    assert line.endswith(".children[0]: nested more than 64 levels deep")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(categories="abc"), "categories: not a list"),
        (lambda d: d["categories"][0]["children"][0].pop("id"), "categories[0].children[0].id: not a text"),
        (lambda d: d["categories"][0]["children"][0].update(id=1), "categories[0].children[0].id: not a text"),
        (lambda d: d["categories"][0].pop("children"), "categories[0].children: not a list"),
        (lambda d: d["categories"].append(7), "categories[4]: not an object"),
        (lambda d: d.update(bonus=[]), "bonus: not an object"),
        (lambda d: d.update(entity="x" * 1001), "entity: a text of 1,001 characters, more than 1,000"),
        (lambda d: d.update(period=2017), "period: not a text"),
        (lambda d: d.pop("ruleset"), "ruleset: not an object"),
        (lambda d: d["ruleset"].update(year="2017"), "ruleset.year: not a year: '2017'"),
        (lambda d: d["ruleset"].update(year=1899), "ruleset.year: not a year: 1899"),
    ],
)  # fmt: skip
def test_a_result_of_the_wrong_shape_is_refused(last: Path, change: Any, message: str) -> None:
    """Each part read is checked for what it is, and the first wrong one named."""
    doc = _doc(last)
    change(doc)
    last.write_text(json.dumps(doc), encoding="utf-8")
    assert _refused(last) == f"{last}: --compare: {message}"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(ranking="abc"), "ranking: not a list"),
        (lambda d: d["ranking"][0].update(items="x"), "ranking[0].items: not an object"),
        (lambda d: d["ranking"][0].update(items={"1": "NaN"}),
         "ranking[0].items['1']: not a score: 'NaN' (a finite decimal below 10^15, at most 12 places)"),
        (lambda d: d["ranking"][0].pop("entity"), "ranking[0].entity: not a text"),
        (lambda d: d["ranking"].append(dict(d["ranking"][0], rank=2)), "ranking[1].entity: 'city-b' twice"),
        (lambda d: [d["ruleset"].pop(k) for k in ("id", "title")],
         "ruleset: names neither an id nor a title"),
        (lambda d: d.update(rule_items="x"), "rule_items: not a list"),
        (lambda d: d["rule_items"].insert(1, d["rule_items"][0]), "rule_items[1].id: item '1' twice"),
        (lambda d: d["rule_items"][0].update(criteria="x" * 100_001),
         "rule_items[0].criteria: a text of 100,001 characters, more than 100,000"),
        (lambda d: d["rule_items"][0].update(content=7), "rule_items[0].content: not a text"),
    ],
)  # fmt: skip
def test_a_batch_of_the_wrong_shape_is_refused(batch_last: Path, change: Any, message: str) -> None:
    """A batch's rows are checked as a result's parts are, before anything is scored."""
    doc = _doc(batch_last)
    change(doc)
    batch_last.write_text(json.dumps(doc), encoding="utf-8")
    assert _refused(batch_last, command="batch") == f"{batch_last}: --compare: {message}"


def test_a_file_too_large_is_refused_unread(last: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over MAX_BYTES (256 MiB; 1,000 bytes here) a file is refused before it is parsed."""
    from qualscore.report import compare

    monkeypatch.setattr(compare, "MAX_BYTES", 1000)
    size = last.stat().st_size
    assert _refused(last) == (
        f"{last}: --compare: file is {size} bytes, more than the limit of 1000"
    )


# --- whose result it is ----------------------------------------------------------------------


def _facts(tmp_path: Path, source: Path, name: str, **identity: str) -> Path:
    """A copy of ``source`` naming its entity and period."""
    path = tmp_path / f"{name}.yaml"
    extra = "".join(f"{k}: {v}\n" for k, v in identity.items())
    path.write_text(source.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def _evaluated(tmp_path: Path, rules: Path, facts: Path, name: str = "prev.json") -> Path:
    path = tmp_path / name
    code, out, err = run_cli("evaluate", rules, facts, "--format", "json")
    assert code == 0, err
    path.write_text(out, encoding="utf-8")
    return path


def test_another_schemes_result_is_refused_unless_asked(tmp_path: Path) -> None:
    """The demo scheme's result is not compared with rugao's item by item (item "1" of one
    is not item "1" of the other); --compare-any compares it and names its scheme."""
    demo = ROOT / "examples/demo"
    other = _evaluated(tmp_path, demo, demo / "facts/good-county.yaml")
    assert _refused(other) == (
        f"{other}: --compare: a result of scheme 'riverton-2024', not of 'rugao-2018'; "
        "--compare-any compares it anyway"
    )
    code, out, err = run_cli("evaluate", RULES, SAMPLE, "--format", "markdown", "--compare", other,
                         "--compare-any")  # fmt: skip
    assert (code, err) == (0, "")
    assert "；上期为 Riverton 2024 county food-safety assessment，2024 年\n" in out


def test_last_years_result_of_the_same_scheme_is_compared_and_named(tmp_path: Path) -> None:
    """rugao-2019 (its rules changed, its id a year on) against last year's rugao-2018: the
    normal use, compared, and the report says with which year."""
    prev = _evaluated(tmp_path, RULES, CITY_B)
    facts = REVISED / "entities/city-sample.yaml"
    code, out, err = run_cli("evaluate", REVISED, facts, "--lang", "en", "--compare", prev)
    assert (code, err) == (0, "")
    assert "total 70.09 → 91.89 (+21.8); compared with 2018\n" in out


def test_a_later_years_result_is_refused(last: Path) -> None:
    """A 2019 result is not "last time" for a 2018 one; the same year (facts corrected) is."""
    doc = _doc(last)
    doc["ruleset"]["year"] = 2019  # type: ignore[index]
    last.write_text(json.dumps(doc), encoding="utf-8")
    assert _refused(last) == (
        f"{last}: --compare: a result of 2019, later than this one of 2018; "
        "--compare-any compares it anyway"
    )
    assert run_cli("evaluate", RULES, SAMPLE, "--compare", last, "--compare-any")[0] == 0


def test_another_entitys_result_is_refused_and_the_same_ones_named(tmp_path: Path) -> None:
    """Both naming their entity, 甲市's result is not compared with 乙市's; 甲市's last
    period is, and the report names it and the period."""
    prev = _evaluated(tmp_path, RULES, _facts(tmp_path, CITY_B, "prev", entity="甲市",
                                              period="2017年度"))  # fmt: skip
    other = _facts(tmp_path, SAMPLE, "other", entity="乙市")
    code, out, err = run_cli("evaluate", RULES, other, "--compare", prev)
    assert (code, out, err) == (
        2, "",
        f"{prev}: --compare: the result of '甲市', not of '乙市'; --compare-any compares it "
        "anyway\n",
    )  # fmt: skip
    same = _facts(tmp_path, SAMPLE, "same", entity="甲市")
    code, out, err = run_cli("evaluate", RULES, same, "--format", "markdown", "--compare", prev)
    assert (code, err) == (0, "")
    assert "总分 70.09 → 90.39（+20.3）；上期为 2017年度，甲市\n" in out


def test_an_entity_not_in_a_previous_batch_is_refused(batch_last: Path) -> None:
    """evaluate against a batch without the facts file's entity: refused, naming whom the
    batch holds; --compare-any takes a batch's only entity and says which it is."""
    assert _refused(batch_last) == (
        f"{batch_last}: --compare: no entity 'city-sample' in it (it ranks 1: city-b); "
        "--compare-any compares with its only entity"
    )
    code, out, err = run_cli("evaluate", RULES, SAMPLE, "--format", "markdown", "--compare",
                         batch_last, "--compare-any")  # fmt: skip
    assert (code, err) == (0, "")
    assert "；上期为 2018 年，city-b\n" in out  # a batch names its scheme's year


def test_a_batch_names_the_entities_the_previous_one_does_not_hold(
    batch_last: Path, tmp_path: Path
) -> None:
    """One entity new this time: scored, shown with no total then, and said on stderr (not a
    silent "—"); none of the entities in it: refused, nothing written."""
    second = tmp_path / "second.json"
    code, _, err = run_cli("batch", RULES, SAMPLE.parent, "--out", second, "--compare", batch_last)
    assert (code, err) == (
        0,
        f"qualscore: note: --compare {batch_last}: not in it (no total then), 1 of the 2 "
        "entities scored: city-sample\n",
    )
    third = tmp_path / "third.json"
    code, out, err = run_cli("batch", RULES, SAMPLE, "--out", third, "--compare", batch_last)
    assert (code, out, err) == (
        2, "",
        f"{batch_last}: --compare: holds none of the entities scored (1: city-sample); it "
        "ranks 1: city-b; --compare-any compares it anyway\n",
    )  # fmt: skip
    assert not third.exists()


def test_batch_compare_is_refused_where_it_cannot_be_shown(last: Path, tmp_path: Path) -> None:
    """One entity's result, a .csv output, and --compare-any alone are each refused before
    anything is scored or written."""
    assert _refused(last, command="batch") == (
        f"{last}: --compare: one entity's result; batch compares with a batch .json "
        "(batch --out x.json)"
    )
    out = tmp_path / "x.csv"
    assert _refused(last, "--out", out, command="batch") == (
        f"{out}: --compare: a .csv has no columns for last time (use .json, .xlsx, .html)"
    )
    assert not out.exists()
    alone = (2, "", "qualscore: --compare-any needs --compare LAST.json\n")
    assert run_cli("evaluate", RULES, SAMPLE, "--compare-any") == alone
    assert run_cli("batch", RULES, SAMPLE, "--compare-any") == alone


def test_explain_with_compare_shows_both(last: Path) -> None:
    """--explain with --compare: the item explained, then the comparison (not dropped)."""
    code, out, err = run_cli("evaluate", RULES, SAMPLE, "--explain", "19.4", "--compare", last)
    assert (code, err) == (0, "")
    assert "总分 70.09 → 90.39（+20.3）；上期为 2018 年" in out and "19.4" in out


def test_a_batch_of_another_scheme_is_refused_by_its_title(tmp_path: Path) -> None:
    """A batch JSON names its scheme's id (and one written before it did, its title): years
    aside, that says whose it is; the demo's batch is not rugao's, a batch of the same title
    a year on is."""
    demo = ROOT / "examples/demo"
    other = tmp_path / "demo.json"
    assert run_cli("batch", demo, demo / "facts", "--out", other)[0] == 0
    assert _refused(other, command="batch") == (
        f"{other}: --compare: a result of scheme 'riverton-2024', "
        "not of 'rugao-2018'; --compare-any compares it anyway"
    )
    doc = _doc(other)
    del doc["ruleset"]["id"]  # type: ignore[attr-defined]  # as an earlier release wrote it
    other.write_text(json.dumps(doc), encoding="utf-8")
    assert _refused(other, command="batch") == (
        f"{other}: --compare: a result of scheme 'Riverton 2024 county food-safety assess…', "
        "not of '2018年度如皋市质量工作考核'; --compare-any compares it anyway"
    )
    first = tmp_path / "first.json"
    assert run_cli("batch", RULES, CITY_B, "--out", first)[0] == 0
    doc = _doc(first)
    doc["ruleset"]["title"] = "2017年度如皋市质量工作考核"  # type: ignore[index]
    first.write_text(json.dumps(doc), encoding="utf-8")
    assert run_cli("batch", RULES, CITY_B, "--compare", first)[:1] == (0,)


def test_the_json_says_whose_result_it_was_compared_with(batch_last: Path) -> None:
    """A batch JSON names its scheme's id and year; evaluate's JSON comparison names the
    scheme, year, entity and period it was compared with, as the document gave them."""
    assert _doc(batch_last)["ruleset"] == {
        "id": "rugao-2018", "title": "2018年度如皋市质量工作考核", "year": 2018,
        "rules_sha256": _doc(batch_last)["ruleset"]["rules_sha256"],  # type: ignore[index]
    }  # fmt: skip
    code, out, err = run_cli("evaluate", RULES, SAMPLE, "--format", "json", "--compare", batch_last,
                         "--compare-any")  # fmt: skip
    assert (code, err) == (0, "")
    assert json.loads(out)["compare"]["compared_with"] == {
        "scheme": "rugao-2018", "title": "2018年度如皋市质量工作考核", "year": 2018,
        "entity": "city-b", "period": None,
    }  # fmt: skip


# --- several years, item by item, renumbered items ----------------------------------------


def _scheme(tmp_path: Path, year: int, *, swap: bool = False) -> Path:
    """rugao-2018's rules as the scheme of ``year``; with ``swap``, items 19.4 and 19.5
    renumbered each as the other (their texts kept: ``qualscore diff`` pairs them)."""
    rules = tmp_path / f"rugao-{year}"
    shutil.copytree(RULES, rules, ignore=shutil.ignore_patterns("tests"))
    manifest = rules / "ruleset.yaml"
    text = manifest.read_text(encoding="utf-8")
    for old, new in (("id: rugao-2018", f"id: rugao-{year}"), ("year: 2018", f"year: {year}"),
                     ("title: 2018", f"title: {year}")):  # fmt: skip
        text = text.replace(old, new, 1)
    manifest.write_text(text, encoding="utf-8")
    if swap:
        results = rules / "categories/4-results.yaml"
        text = results.read_text(encoding="utf-8").replace('id: "19.4"', 'id: "19.x"')
        text = text.replace('id: "19.5"', 'id: "19.4"').replace('id: "19.x"', 'id: "19.5"')
        results.write_text(text, encoding="utf-8")
    return rules


def _batch(tmp_path: Path, rules: Path, name: str, *inputs: str | Path) -> Path:
    """A batch of ``inputs`` under ``rules`` written to ``name``; it must succeed."""
    out = tmp_path / name
    code, _, err = run_cli("batch", rules, *inputs, "--out", out)
    assert code == 0, err
    return out


def _entities(tmp_path: Path, folder: str, **sources: Path) -> Path:
    """A folder of facts files, each entity (its file's name) a copy of a sample's facts."""
    where = tmp_path / folder
    where.mkdir()
    for name, source in sources.items():
        shutil.copyfile(source, where / f"{name}.yaml")
    return where


def test_a_renumbered_item_is_compared_with_its_old_number(tmp_path: Path) -> None:
    """19.4 of 2018 is 19.5 of 2019 (and 19.5 is 19.4): city-b's 19.5 now (1.84) is compared
    with its 19.4 then (1.62, its facts then the sample's), as qualscore diff pairs them."""
    then = _entities(tmp_path, "then", **{"city-b": SAMPLE})
    last = _batch(tmp_path, RULES, "2018.json", then)
    now = _batch(tmp_path, _scheme(tmp_path, 2019, swap=True), "2019.json", CITY_B, "--compare",
                 last)  # fmt: skip
    doc = _doc(now)
    assert doc["compared_with"] == [{  # type: ignore[index]
        "scheme": "rugao-2018", "title": "2018年度如皋市质量工作考核", "year": 2018,
        "new": [], "gone": [], "renumbered": {"19.5": "19.4", "19.4": "19.5"},
    }]  # fmt: skip
    (row,) = doc["ranking"]  # type: ignore[misc]
    changes = {c["id"]: c for c in row["item_changes"]}
    assert changes["19.5"] == {"id": "19.5", "then_id": "19.4", "then": "1.62", "now": "1.84",
                               "change": "0.22"}  # fmt: skip
    assert changes["19.4"] == {"id": "19.4", "then_id": "19.5", "then": "2", "now": "2",
                               "change": "0"}  # fmt: skip
    assert row["previous"] == {"total": "90.39", "rank": 1, "total_change": "-20.3",
                               "rank_change": 0}  # fmt: skip
    code, out, err = run_cli("batch", tmp_path / "rugao-2019", CITY_B, "--compare", last,
                         "--lang", "en")  # fmt: skip
    assert (code, err) == (0, "")
    shown = [" ".join(line.split()) for line in out.splitlines()]
    assert "items renumbered since 2018 (now ← then): 19.5 ← 19.4, 19.4 ← 19.5" in shown
    assert "city-b 19.5 (was 19.4) 1.62 1.84 +0.22" in shown
    assert not any(line.startswith("city-b 19.4 ") for line in shown)  # 2 then, 2 now


def test_a_batch_without_its_items_texts_is_matched_by_id(tmp_path: Path) -> None:
    """A batch written before it named its items (no ``rule_items``): 19.5 is compared with
    19.5, the only match it can make."""
    last = _batch(tmp_path, RULES, "2018.json", _entities(tmp_path, "then", **{"city-b": SAMPLE}))
    doc = _doc(last)
    del doc["rule_items"]
    last.write_text(json.dumps(doc), encoding="utf-8")
    now = _batch(tmp_path, _scheme(tmp_path, 2019, swap=True), "2019.json", CITY_B, "--compare",
                 last)  # fmt: skip
    (row,) = _doc(now)["ranking"]  # type: ignore[misc]
    change = next(c for c in row["item_changes"] if c["id"] == "19.5")
    assert change == {"id": "19.5", "then_id": "19.5", "then": "2", "now": "1.84",
                      "change": "-0.16"}  # fmt: skip


def _two_years(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The 2019 scheme (19.4 and 19.5 renumbered), a 2017 batch of city-b and a 2018 batch
    of city-b (the sample's facts) and city-sample."""
    y2017 = _batch(tmp_path, _scheme(tmp_path, 2017), "2017.json", CITY_B)
    then = _entities(tmp_path, "then", **{"city-b": SAMPLE, "city-sample": SAMPLE})
    y2018 = _batch(tmp_path, RULES, "2018.json", then)
    return _scheme(tmp_path, 2019, swap=True), y2017, y2018


def test_two_years_in_either_order_give_the_same_bytes(tmp_path: Path) -> None:
    """--compare 2017 --compare 2018 and the other way round: the same JSON, HTML and
    terminal, ordered by year, each entity's totals across the years."""
    rules, y2017, y2018 = _two_years(tmp_path)
    outputs = []
    for first, second in ((y2017, y2018), (y2018, y2017)):
        got = []
        for suffix in ("json", "html"):
            out = tmp_path / f"now-{first.stem}.{suffix}"
            code, _, err = run_cli("batch", rules, SAMPLE.parent, "--out", out, "--compare", first,
                               "--compare", second)  # fmt: skip
            assert (code, err) == (0, f"qualscore: note: --compare {y2017}: not in it (no total "
                                      "then), 1 of the 2 entities scored: city-sample\n")
            got.append(out.read_bytes())
        got.append(run_cli("batch", rules, SAMPLE.parent, "--compare", first, "--compare", second,
                       "--lang", "en")[1].encode())  # fmt: skip
        outputs.append(got)
    assert outputs[0] == outputs[1]
    doc = json.loads(outputs[0][0])
    assert [y["year"] for y in doc["compared_with"]] == [2017, 2018]
    trends = {r["entity"]: r["trend"] for r in doc["ranking"]}
    assert trends == {
        "city-sample": [{"year": 2017, "total": None, "rank": None},
                        {"year": 2018, "total": "90.39", "rank": 1},
                        {"year": 2019, "total": "90.39", "rank": 1}],
        "city-b": [{"year": 2017, "total": "70.09", "rank": 1},
                   {"year": 2018, "total": "90.39", "rank": 1},
                   {"year": 2019, "total": "70.09", "rank": 2}],
    }  # fmt: skip
    terminal = outputs[0][2].decode()
    assert " #   entity        total   result    2017   last time   change   rank last time \n" in terminal
    assert " 2   city-b        70.09   完成     70.09       90.39    -20.3                1 \n" in terminal
    assert "compared with: 2017, 2018\nnot in 2017, scored now (1): city-sample\n" in terminal
    html = outputs[0][1].decode()
    assert ('<td class="n">70.09</td><td class="n">90.39</td><td class="n">-20.3</td>'
            '<td class="n">1</td></tr>') in html  # fmt: skip
    assert "<p class=\"muted\">比较对象：2017 年、2018 年</p>" in html
    assert ("<tr><td>19.5（上期 19.4）</td><td>农产品“三品”占比达45%（2017年目标）</td><td class=\"n\">1.62</td>"
            '<td class="n">1.84</td><td class="n">+0.22</td></tr>') in html


def test_two_batches_of_one_year_are_refused(tmp_path: Path) -> None:
    """Two --compare batches of 2018 cannot be ordered: refused in one line, naming both."""
    rules, _, y2018 = _two_years(tmp_path)
    again = tmp_path / "again.json"
    shutil.copyfile(y2018, again)
    code, out, err = run_cli("batch", rules, SAMPLE.parent, "--compare", y2018, "--compare", again)
    assert (code, out, err) == (
        2, "", f"{again}: --compare: a batch of 2018, as is {y2018}: one --compare a year\n",
    )  # fmt: skip


def test_new_and_gone_entities_are_each_named(tmp_path: Path) -> None:
    """city-sample is new (not in last year's batch), city-gone is gone (in it, not scored
    now): both told on stderr and in the JSON and the HTML, none dropped."""
    then = _entities(tmp_path, "then", **{"city-b": CITY_B, "city-gone": SAMPLE})
    last = _batch(tmp_path, RULES, "last.json", then)
    page = tmp_path / "now.html"
    code, _, err = run_cli("batch", RULES, SAMPLE.parent, "--out", page, "--compare", last)
    assert (code, err) == (0, (
        f"qualscore: note: --compare {last}: not in it (no total then), 1 of the 2 entities "
        "scored: city-sample\n"
        f"qualscore: note: --compare {last}: not scored now (a total then only), 1 of the 2 "
        "entities it ranks: city-gone\n"
    ))  # fmt: skip
    html = page.read_text(encoding="utf-8")
    assert ('<p class="muted">2018 年中没有、本次新评分的单位（1 个）：city-sample</p>\n'
            '<p class="muted">2018 年中有、本次未评分的单位（1 个）：city-gone</p>') in html
    now = tmp_path / "now.json"
    assert run_cli("batch", RULES, SAMPLE.parent, "--out", now, "--compare", last)[0] == 0
    (compared,) = _doc(now)["compared_with"]  # type: ignore[misc]
    assert (compared["new"], compared["gone"]) == (["city-sample"], ["city-gone"])
    rows = {r["entity"]: r for r in _doc(now)["ranking"]}  # type: ignore[attr-defined]
    assert rows["city-sample"]["item_changes"] is None and rows["city-sample"]["previous"] is None


def test_a_later_compare_of_another_scheme_is_refused(tmp_path: Path) -> None:
    """Of two --compare batches, the second another scheme's (the demo's): refused in one
    line before anything is scored; --compare-any takes it."""
    demo = ROOT / "examples/demo"
    other = _batch(tmp_path, demo, "demo.json", demo / "facts")
    own = _batch(tmp_path, RULES, "own.json", CITY_B)
    assert _refused(own, "--compare", other, command="batch") == (
        f"{other}: --compare: a result of scheme 'riverton-2024', not of 'rugao-2018'; "
        "--compare-any compares it anyway"
    )
