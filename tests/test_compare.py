"""--compare LAST.json: each item's change, the total's and the rank's, in every format."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

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
