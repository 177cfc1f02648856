"""--compare LAST.json: each item's change, the total's and the rank's, in every format."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from qualscore.cli.app import main

ROOT = Path(__file__).parent.parent
RULES = ROOT / "rules/rugao-2018"
SAMPLE = ROOT / "examples/rugao-2018/city-sample.yaml"
CITY_B = ROOT / "examples/rugao-2018/city-b.yaml"


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def last(tmp_path: Path) -> Path:
    path = tmp_path / "last.json"
    code, out, _ = run("evaluate", RULES, CITY_B, "--format", "json")
    assert code == 0
    path.write_text(out, encoding="utf-8")
    return path


def test_json_carries_the_changes(last: Path) -> None:
    code, out, _ = run("evaluate", RULES, SAMPLE, "--format", "json", "--compare", last)
    assert code == 0
    compare = json.loads(out)["compare"]
    assert (compare["total_before"], compare["total_now"], compare["total_change"]) == (
        "70.09", "90.39", "20.3",
    )
    item = next(i for i in compare["items"] if i["id"] == "19.4")
    assert (item["before"], item["now"], item["change"]) == ("1.84", "1.62", "-0.22")


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_every_text_format_shows_it(last: Path, fmt: str) -> None:
    code, out, _ = run("evaluate", RULES, SAMPLE, "--format", fmt, "--compare", last)
    assert code == 0
    assert "70.09 → 90.39" in out and "+20.3" in out
    assert "-0.22" in out  # 19.4 went down


def test_docx_shows_it(last: Path, tmp_path: Path) -> None:
    target = tmp_path / "r.docx"
    code, _, _ = run("evaluate", RULES, SAMPLE, "--format", "docx", "--out", target,
                     "--compare", last, "--date", "2019-03-01")  # fmt: skip
    assert code == 0
    body = zipfile.ZipFile(target).read("word/document.xml").decode()
    assert "70.09 → 90.39" in body and "-0.22" in body


def test_batch_shows_rank_and_total_then(tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    assert run("batch", RULES, CITY_B, "--out", first)[0] == 0
    second = tmp_path / "second.json"
    assert run("batch", RULES, SAMPLE.parent, "--out", second, "--compare", first)[0] == 0
    ranking = {r["entity"]: r for r in json.loads(second.read_text(encoding="utf-8"))["ranking"]}
    assert ranking["city-b"]["previous"] == {
        "total": "70.09", "rank": 1, "total_change": "0", "rank_change": -1,
    }
    assert ranking["city-sample"]["previous"] is None


def test_a_bad_previous_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    code, _, err = run("evaluate", RULES, SAMPLE, "--compare", bad)
    assert code == 2 and err.count("\n") == 1 and "not a qualscore JSON report" in err


# --- a previous file that no qualscore run wrote is refused in one line --------------------

REVISED = ROOT / "examples/rugao-2019-revised"


def _doc(last: Path) -> dict[str, object]:
    return json.loads(last.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _refused(previous: Path, *extra: str | Path, command: str = "evaluate") -> str:
    """Run with ``--compare previous``; assert exit 2, nothing on stdout, one line; the line."""
    inputs = (RULES, SAMPLE) if command == "evaluate" else (RULES, SAMPLE.parent)
    code, out, err = run(command, *inputs, "--compare", previous, *extra)
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
        code, out, err = run("evaluate", RULES, SAMPLE, "--format", "json", "--compare", last)
        assert (code, err) == (0, "")
        if change is not None:
            assert json.loads(out)["compare"]["total_change"] == change


@pytest.fixture
def batch_last(tmp_path: Path) -> Path:
    path = tmp_path / "first.json"
    assert run("batch", RULES, CITY_B, "--out", path)[0] == 0
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
    code, out, err = run("evaluate", rules, facts, "--format", "json")
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
    code, out, err = run("evaluate", RULES, SAMPLE, "--format", "markdown", "--compare", other,
                         "--compare-any")  # fmt: skip
    assert (code, err) == (0, "")
    assert "；上期为 Riverton 2024 county food-safety assessment，2024 年\n" in out


def test_last_years_result_of_the_same_scheme_is_compared_and_named(tmp_path: Path) -> None:
    """rugao-2019 (its rules changed, its id a year on) against last year's rugao-2018: the
    normal use, compared, and the report says with which year."""
    prev = _evaluated(tmp_path, RULES, CITY_B)
    facts = REVISED / "entities/city-sample.yaml"
    code, out, err = run("evaluate", REVISED, facts, "--lang", "en", "--compare", prev)
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
    assert run("evaluate", RULES, SAMPLE, "--compare", last, "--compare-any")[0] == 0


def test_another_entitys_result_is_refused_and_the_same_ones_named(tmp_path: Path) -> None:
    """Both naming their entity, 甲市's result is not compared with 乙市's; 甲市's last
    period is, and the report names it and the period."""
    prev = _evaluated(tmp_path, RULES, _facts(tmp_path, CITY_B, "prev", entity="甲市",
                                              period="2017年度"))  # fmt: skip
    other = _facts(tmp_path, SAMPLE, "other", entity="乙市")
    code, out, err = run("evaluate", RULES, other, "--compare", prev)
    assert (code, out, err) == (
        2, "",
        f"{prev}: --compare: the result of '甲市', not of '乙市'; --compare-any compares it "
        "anyway\n",
    )  # fmt: skip
    same = _facts(tmp_path, SAMPLE, "same", entity="甲市")
    code, out, err = run("evaluate", RULES, same, "--format", "markdown", "--compare", prev)
    assert (code, err) == (0, "")
    assert "总分 70.09 → 90.39（+20.3）；上期为 2017年度，甲市\n" in out


def test_an_entity_not_in_a_previous_batch_is_refused(batch_last: Path) -> None:
    """evaluate against a batch without the facts file's entity: refused, naming whom the
    batch holds; --compare-any takes a batch's only entity and says which it is."""
    assert _refused(batch_last) == (
        f"{batch_last}: --compare: no entity 'city-sample' in it (it ranks 1: city-b); "
        "--compare-any compares with its only entity"
    )
    code, out, err = run("evaluate", RULES, SAMPLE, "--format", "markdown", "--compare",
                         batch_last, "--compare-any")  # fmt: skip
    assert (code, err) == (0, "")
    assert "；上期为 2018 年，city-b\n" in out  # a batch names its scheme's year


def test_a_batch_names_the_entities_the_previous_one_does_not_hold(
    batch_last: Path, tmp_path: Path
) -> None:
    """One entity new this time: scored, shown with no total then, and said on stderr (not a
    silent "—"); none of the entities in it: refused, nothing written."""
    second = tmp_path / "second.json"
    code, _, err = run("batch", RULES, SAMPLE.parent, "--out", second, "--compare", batch_last)
    assert (code, err) == (
        0,
        f"qualscore: note: --compare {batch_last}: not in it (no total then), 1 of the 2 "
        "entities scored: city-sample\n",
    )
    third = tmp_path / "third.json"
    code, out, err = run("batch", RULES, SAMPLE, "--out", third, "--compare", batch_last)
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
    assert run("evaluate", RULES, SAMPLE, "--compare-any") == alone
    assert run("batch", RULES, SAMPLE, "--compare-any") == alone


def test_explain_with_compare_shows_both(last: Path) -> None:
    """--explain with --compare: the item explained, then the comparison (not dropped)."""
    code, out, err = run("evaluate", RULES, SAMPLE, "--explain", "19.4", "--compare", last)
    assert (code, err) == (0, "")
    assert "总分 70.09 → 90.39（+20.3）；上期为 2018 年" in out and "19.4" in out


def test_a_batch_of_another_scheme_is_refused_by_its_title(tmp_path: Path) -> None:
    """A batch JSON names its scheme's id (and one written before it did, its title): years
    aside, that says whose it is; the demo's batch is not rugao's, a batch of the same title
    a year on is."""
    demo = ROOT / "examples/demo"
    other = tmp_path / "demo.json"
    assert run("batch", demo, demo / "facts", "--out", other)[0] == 0
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
    assert run("batch", RULES, CITY_B, "--out", first)[0] == 0
    doc = _doc(first)
    doc["ruleset"]["title"] = "2017年度如皋市质量工作考核"  # type: ignore[index]
    first.write_text(json.dumps(doc), encoding="utf-8")
    assert run("batch", RULES, CITY_B, "--compare", first)[:1] == (0,)


def test_the_json_says_whose_result_it_was_compared_with(batch_last: Path) -> None:
    """A batch JSON names its scheme's id and year; evaluate's JSON comparison names the
    scheme, year, entity and period it was compared with, as the document gave them."""
    assert _doc(batch_last)["ruleset"] == {
        "id": "rugao-2018", "title": "2018年度如皋市质量工作考核", "year": 2018,
        "rules_sha256": _doc(batch_last)["ruleset"]["rules_sha256"],  # type: ignore[index]
    }  # fmt: skip
    code, out, err = run("evaluate", RULES, SAMPLE, "--format", "json", "--compare", batch_last,
                         "--compare-any")  # fmt: skip
    assert (code, err) == (0, "")
    assert json.loads(out)["compare"]["compared_with"] == {
        "scheme": "rugao-2018", "title": "2018年度如皋市质量工作考核", "year": 2018,
        "entity": "city-b", "period": None,
    }  # fmt: skip
