"""Attacks on ``--compare`` (a previous result) and ``--cohort`` (given cohort values).

A previous JSON is someone's file: forged numbers, deep nesting, the wrong shape, a result
of another scheme, entity or year. Given cohort values are typed in from a published
table: ranks below 1, halves, shares above 1, a mean nobody could have.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import ROOT, attack, run

RUGAO = ROOT / "rules/rugao-2018"
CITY = ROOT / "examples/rugao-2018/city-sample.yaml"
CITY_B = ROOT / "examples/rugao-2018/city-b.yaml"
DEMO = ROOT / "examples/demo"
YUNHE = ROOT / "examples/yunhe-quality"
TOWN = YUNHE / "entities/西溪镇.yaml"
PUBLISHED = YUNHE / "published/西溪镇.yaml"


def previous(tmp: Path, change: Callable[[dict[str, Any]], object] | None = None) -> Path:
    """city-b's result as ``evaluate --format json`` wrote it, then changed."""
    got = run(["evaluate", RUGAO, CITY_B, "--format", "json"])
    assert got.code == 0, got.err
    doc = json.loads(got.out)
    if change is not None:
        change(doc)
    path = tmp / "last.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def previous_batch(tmp: Path, *inputs: Path) -> Path:
    """A batch JSON of ``inputs`` under rugao-2018."""
    path = tmp / "last-batch.json"
    got = run(["batch", RUGAO, *inputs, "--out", path])
    assert got.code == 0, got.err
    return path


def one_line(got: Any) -> None:
    """Nothing on stdout and a single line on stderr."""
    assert got.out == "", got.out[:200]
    assert got.err.count("\n") == 1, got.err[:300]


@attack("a previous total of NaN, sNaN, Infinity or 1E+999999999: one line, no page of digits")
def attack_compare_forged_total(tmp: Path) -> None:
    for forged in ("NaN", "sNaN", "Infinity", "-Infinity", "1E+999999999", "0E-999999999"):
        last = previous(tmp, lambda d, f=forged: d.update(total=f))
        got = run(["evaluate", RUGAO, CITY, "--compare", last]).user_error(
            f"{last}: --compare: total: not a score: {forged!r}"
        )
        one_line(got)


@attack("bare JSON NaN, 1e400 and a number of 5,000 digits: never a float, never int()'s limit")
def attack_compare_forged_json_numbers(tmp: Path) -> None:
    last = previous(tmp)
    text = last.read_text(encoding="utf-8")
    for forged, shown in (("NaN", "NaN"), ("1e400", "1e400"), ("7" * 5000, "7" * 39 + "…")):
        last.write_text(text.replace('"total": "70.09"', f'"total": {forged}', 1), "utf-8")
        one_line(run(["evaluate", RUGAO, CITY, "--compare", last]).user_error(
            f"--compare: total: not a score: {shown} "
        ))  # fmt: skip


@attack('a previous rank of "first", 1e400, 5,000 digits, 0 or past the ranking is refused')
def attack_compare_forged_rank(tmp: Path) -> None:
    last = previous_batch(tmp, CITY_B)
    text = last.read_text(encoding="utf-8")
    for forged in ('"first"', "1e400", "9" * 5000, "0", "2", "-1", "true"):
        last.write_text(text.replace('"rank": 1', f'"rank": {forged}', 1), "utf-8")
        for argv in (["batch", RUGAO, CITY_B], ["evaluate", RUGAO, CITY_B]):
            one_line(run([*argv, "--compare", last]).user_error(
                f"{last}: --compare: ranking[0].rank: not a rank: ",
                "(a whole number from 1 to 1, the entities ranked)",
            ))  # fmt: skip


@attack("arrays nested 100,000 deep and categories 65 levels deep: refused, no RecursionError")
def attack_compare_deep_nesting(tmp: Path) -> None:
    deep = tmp / "deep.json"
    deep.write_text('{"categories": ' + "[" * 100_000 + "]" * 100_000 + ', "total": "1"}', "utf-8")
    one_line(run(["evaluate", RUGAO, CITY, "--compare", deep]).user_error(
        f"{deep}: --compare: nested too deeply to be a qualscore result"
    ))  # fmt: skip
    nested: dict[str, Any] = {"kind": "item", "id": "1", "score": "1"}
    for _ in range(65):
        nested = {"kind": "category", "children": [nested]}
    last = previous(tmp, lambda d: d.update(categories=[nested]))
    one_line(run(["evaluate", RUGAO, CITY, "--compare", last]).user_error(
        ": nested more than 64 levels deep"
    ))  # fmt: skip


@attack("categories as a text, an item without an id, a bonus as a list: the part named")
def attack_compare_wrong_shape(tmp: Path) -> None:
    changes: list[tuple[Callable[[dict[str, Any]], object], str]] = [
        (lambda d: d.update(categories="质量宏观管理"), "categories: not a list"),
        (lambda d: d["categories"][1]["children"][0].pop("id"),
         "categories[1].children[0].id: not a text"),
        (lambda d: d.update(bonus=["2.9"]), "bonus: not an object"),
        (lambda d: d.update(entity={"name": "x"}), "entity: not a text"),
    ]  # fmt: skip
    for change, message in changes:
        last = previous(tmp, change)
        one_line(run(["evaluate", RUGAO, CITY, "--compare", last]).user_error(
            f"{last}: --compare: {message}"
        ))  # fmt: skip


@attack("another scheme's result (item \"1\" of the demo is not rugao's) is refused, not compared")
def attack_compare_another_scheme(tmp: Path) -> None:
    other = tmp / "demo.json"
    got = run(["evaluate", DEMO, DEMO / "facts/good-county.yaml", "--format", "json"])
    other.write_text(got.out, encoding="utf-8")
    one_line(run(["evaluate", RUGAO, CITY, "--compare", other]).user_error(
        "a result of scheme 'riverton-2024', not of 'rugao-2018'", "--compare-any"
    ))  # fmt: skip
    shown = run(
        ["evaluate", RUGAO, CITY, "--compare", other, "--compare-any", "--format", "markdown"]
    )
    assert shown.code == 0 and "Riverton 2024 county food-safety" in shown.out, shown.err


@attack("another entity's result, both named, is refused; a later year's is too")
def attack_compare_another_entity_or_later_year(tmp: Path) -> None:
    last = previous(tmp, lambda d: d.update(entity="甲市"))
    named = tmp / "乙市.yaml"
    named.write_text(CITY.read_text(encoding="utf-8") + "entity: 乙市\n", encoding="utf-8")
    one_line(run(["evaluate", RUGAO, named, "--compare", last]).user_error(
        "the result of '甲市', not of '乙市'"
    ))  # fmt: skip
    later = previous(tmp, lambda d: d["ruleset"].update(year=2019))
    one_line(run(["evaluate", RUGAO, CITY, "--compare", later]).user_error(
        "a result of 2019, later than this one of 2018"
    ))  # fmt: skip


@attack("an entity missing from a previous batch: evaluate refuses, batch says so on stderr")
def attack_compare_entity_missing_from_batch(tmp: Path) -> None:
    last = previous_batch(tmp, CITY_B)
    one_line(run(["evaluate", RUGAO, CITY, "--compare", last]).user_error(
        "no entity 'city-sample' in it (it ranks 1: city-b)"
    ))  # fmt: skip
    out = tmp / "now.json"
    got = run(["batch", RUGAO, CITY, CITY_B, "--compare", last, "--out", out])
    assert (
        got.code == 0
        and "not in it (no total then), 1 of the 2 entities scored: city-sample" in got.err
    ), got.err
    none = tmp / "none.json"
    one_line(run(["batch", RUGAO, CITY, "--compare", last, "--out", none]).user_error(
        "holds none of the entities scored (1: city-sample)"
    ))  # fmt: skip
    assert not none.exists(), "an output written though the comparison was refused"


@attack("a previous file over the size limit is refused before it is read whole")
def attack_compare_file_too_large(tmp: Path) -> None:
    from qualscore.report import compare

    big = tmp / "big.json"
    with big.open("wb") as handle:  # sparse: no disk, but stat says 256 MiB and one byte
        handle.truncate(compare.MAX_BYTES + 1)
    one_line(run(["evaluate", RUGAO, CITY, "--compare", big]).user_error(
        f"{big}: --compare: file is {compare.MAX_BYTES + 1} bytes, more than the limit"
    ))  # fmt: skip


def given(tmp: Path, **change: str) -> Path:
    """西溪镇's published cohort values with ``change``."""
    lines = []
    for line in PUBLISHED.read_text(encoding="utf-8").splitlines():
        key = line.split(":", 1)[0]
        lines.append(f"{key}: {change[key]}" if key in change else line)
    path = tmp / "given.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@attack("given ranks of -3, 0 and 0.5 are refused at their line (once 第 -3 名 and 44 points)")
def attack_cohort_bad_ranks(tmp: Path) -> None:
    for rank in ("-3", "0", "0.5", "1000001"):
        path = given(tmp, pass_rank=rank)
        one_line(run(["evaluate", YUNHE, TOWN, "--cohort", path]).user_error(
            f"{path}:4:12: pass_rank: {rank} is not a rank (a whole number from 1 to the "
            "cohort's size: no count of it is given, so at most 1,000,000)"
        ))  # fmt: skip


@attack("a given share of the best of 7.5, and a mean age of 140, are refused")
def attack_cohort_bad_share_and_mean(tmp: Path) -> None:
    path = given(tmp, brand_share="7.5")
    one_line(run(["evaluate", YUNHE, TOWN, "--cohort", path]).user_error(
        f"{path}:5:14: brand_share: 7.5 is not a share of the best (a number from 0 to 1)"
    ))  # fmt: skip
    path = given(tmp, age_mean="140")
    one_line(run(["evaluate", YUNHE, TOWN, "--cohort", path]).user_error(
        f"{path}:6:11: age_mean: 140 is not a mean of staff_age, which lies in [18, 70]"
    ))  # fmt: skip
    ok = run(["evaluate", YUNHE, TOWN, "--cohort", PUBLISHED, "--format", "json"])
    assert ok.code == 0 and json.loads(ok.out)["total"] == "40.17", ok.err
