"""Worker processes read their own pieces of a table: the same records, lines, outputs and
messages, in input order, for every --jobs and whichever way an entity is checked."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.hostile.attacks_batch import city_table, veto_rules

from conftest import ROOT, run_cli
from qualscore.batch import runner
from qualscore.batch.runner import iter_entities, iter_units, score_units, workers
from qualscore.errors import Problem
from qualscore.source.tables import csv_head, csv_pieces, csv_rows, stream_table

RUGAO = ROOT / "rules/rugao-2018"
CITY = ROOT / "examples/rugao-2018/city-sample.yaml"
QINGSHUI = ROOT / "examples/qingshui-rivers"
TWO = pytest.mark.skipif(workers(2) < 2, reason="one CPU: no worker processes")


def records(body: bytes, size: int | None) -> list[Any]:
    """The rows of ``body`` read whole (``size`` None) or piece by piece."""
    columns = ("a", "b", "c")
    if size is None:
        return list(csv_rows(columns, body, "t.csv", 2))
    return [r for n, b in csv_pieces(body, 2, size) for r in csv_rows(columns, b, "t.csv", n)]


PARTS = [b"a", b",", b'"', b'""', b"\r", b"\n", b"\r\n", b"\x00", "é".encode(), b"\xff", b" "]


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(PARTS), max_size=40), st.integers(1, 12))
def test_pieces_read_as_the_whole(parts: list[bytes], size: int) -> None:
    """Cut anywhere the csv module ends a record, pieces give the whole's rows and problems."""
    body = b"".join(parts)
    assert records(body, size) == records(body, None)
    assert b"".join(b for _, b in csv_pieces(body, 2, size)) == body


@pytest.mark.parametrize(
    "body",
    [
        b'x,"one\nline two",3\ny,2,3\n',  # a quoted cell over two lines, across a cut
        b"x,1,2\r\ny,3,4\r\nz,5,6\r\n",  # CRLF
        b"x,1,2\ny,3,4",  # no newline at the end
        b'x,a"b,2\ny,"c\n',  # a quote inside a plain cell; a quote never closed
        b"x,1\r2,3\ny,4,5\n",  # a line break inside a plain cell: that record is unreadable
    ],
)
def test_pieces_of_one_record(body: bytes) -> None:
    """Pieces as small as a record read as the whole, line numbers included."""
    assert records(body, 1) == records(body, None)
    assert records(body, 5) == records(body, None)


def test_quoted_newline_is_not_a_boundary() -> None:
    """A newline inside quotes never ends a piece."""
    body = b'x,"1\n2\n3",4\ny,5,6\n'
    assert [b for _, b in csv_pieces(body, 2, 1)] == [b'x,"1\n2\n3",4\n', b"y,5,6\n"]
    assert [n for n, _ in csv_pieces(body, 2, 1)] == [2, 5]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_head_and_pieces_read_as_stream_table(tmp_path: Path, bom: bytes) -> None:
    """A table's header and its pieces give stream_table's columns and rows (a BOM too)."""
    path = tmp_path / "t.csv"
    path.write_bytes(bom + b'entity,"a,""b""",c\r\nx,1,2\r\n\r\ny,"3\n",4\nz,5,6,7')
    columns, body, first = csv_head(path, "t.csv")
    whole_columns, whole = stream_table(path, "t.csv")
    assert columns == whole_columns == ("entity", 'a,"b"', "c") and first == 2
    pieces = [r for n, b in csv_pieces(body, first, 1) for r in csv_rows(columns, b, "t.csv", n)]
    assert pieces == list(whole)


def mixed_inputs(tmp_path: Path) -> list[Path]:
    """A CSV table with bad rows, a duplicate and a blank name; an XLSX table; a facts file."""
    from openpyxl import Workbook

    names = [f"c{i:03d}" for i in range(150)]
    names[40] = "c010"  # a duplicate
    bad = {
        "c005": ("credit_reports", "lots"),
        "c070": ("credit_reports", "-1"),
        "c071": ("credit_reports", " 7 "),
        "c072": ("credit_entry_rate", "-0.00"),
        "c120": ("credit_entry_rate", "1e99999999999999999999"),
    }
    table = city_table(tmp_path / "a.csv", names, bad)
    text = table.read_text(encoding="utf-8").splitlines(keepends=True)
    text.insert(90, "\n")  # a blank line
    text.insert(95, '"broken\n')  # a quote never closed swallows the rest
    table.write_text("".join(text[:100]) + "".join(text[96:]), encoding="utf-8")
    rows = list(csv.reader(io.StringIO("".join(text[:3]), newline="")))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for i, row in enumerate(rows):
        sheet.append([f"x{i}" if i else row[0], *row[1:]] if i else row)
    sheet.append(["c001", *rows[1][1:]])  # a duplicate of the CSV's
    book.save(tmp_path / "b.xlsx")
    second = city_table(tmp_path / "c.csv", ["d1", "c002", "d2"], {"d2": ("credit_reports", "x")})
    return [table, tmp_path / "b.xlsx", CITY, second]


def batch(rules: Path, inputs: list[Path], out: Path, *extra: str) -> tuple[int, str, bytes]:
    code, _, err = run_cli("batch", rules, *inputs, "--out", out, "--quiet", *extra)
    return code, err, out.read_bytes() if out.exists() else b""


@TWO
def test_jobs_give_the_same_bytes_and_messages(tmp_path: Path) -> None:
    """--jobs 1 and --jobs 2 write the same CSV and tell the same problems in input order."""
    inputs = mixed_inputs(tmp_path)
    one = batch(RUGAO, inputs, tmp_path / "1.csv", "--jobs", "1")
    two = batch(RUGAO, inputs, tmp_path / "2.csv", "--jobs", "2")
    assert one == two
    code, err, _ = one
    lines = err.splitlines()
    assert code == 1 and lines[-1] == "qualscore: 94 scored, 7 could not be scored", lines
    assert lines[:-1] == parent_reading(RUGAO, inputs)


@pytest.mark.slow
@TWO
@pytest.mark.parametrize("suffix", ["csv", "json", "xlsx"])
def test_workers_tell_what_the_parent_would(tmp_path: Path, suffix: str) -> None:
    """Every output and message is what reading every row in this process gives."""
    inputs = mixed_inputs(tmp_path)
    code, err, data = batch(RUGAO, inputs, tmp_path / f"w.{suffix}", "--jobs", "2")
    expected = parent_reading(RUGAO, inputs)
    assert err.splitlines()[:-1] == expected
    assert code == 1
    if suffix == "csv":
        again = batch(RUGAO, inputs, tmp_path / "p.csv", "--per-entity", str(tmp_path / "r"))
        assert again[2] == data  # lines formatted in the parent (full results kept)


def parent_reading(rules: Path, inputs: list[Path]) -> list[str]:
    """The messages of a batch whose inputs are read here, in order (as before the workers)."""
    entities: list[Any] = []
    lines = []
    for found in iter_entities([str(p) for p in inputs]):
        if isinstance(found, Problem):
            lines.append(("input", len(entities), str(found)))
        else:
            entities.append(found)
    outcomes = list(runner.score_stream(str(rules), entities))
    for i, outcome in enumerate(outcomes):
        lines += [("score", i, p) for p in outcome.problems]
    order = {"input": 0, "score": 1}
    lines.sort(key=lambda t: (t[1], order[t[0]]))
    return [line for _, _, line in lines]


def test_units_keep_input_order(tmp_path: Path) -> None:
    """Units, problems among them, come out of score_units in input order, each row's own."""
    inputs = [str(p) for p in mixed_inputs(tmp_path)]
    units = list(iter_units(inputs, piece=200))
    assert sum(isinstance(u, runner.Rows) for u in units) > 10
    items = list(score_units(str(RUGAO), units))
    names = [i.entity.name for i in items if isinstance(i, runner.Outcome)]
    expected = [e.name for e in iter_entities(inputs) if isinstance(e, runner.Entity)]
    assert [n for n in dict.fromkeys(names)] == expected


def test_quick_and_full_checks_write_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Facts checked quickly or in full give the same output bytes and messages."""
    inputs = mixed_inputs(tmp_path)
    quick = batch(RUGAO, inputs, tmp_path / "q.csv")
    monkeypatch.setattr(runner, "quick_facts", lambda *args: None)
    full = batch(RUGAO, inputs, tmp_path / "f.csv")
    assert quick == full


def qingshui_table(path: Path) -> Path:
    """The scheme's entities of every group as one CSV table (judged items as columns)."""
    rows = []
    for file in sorted((QINGSHUI / "entities").glob("*.yaml")):
        if file.name.endswith(".expected.yaml"):
            continue
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for item, entry in (data.pop("judged", None) or {}).items():
            for field, value in entry.items():
                data[f"judged.{item}.{field}"] = value
        rows.append({k: str(v).lower() if isinstance(v, bool) else v for k, v in data.items()})
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows([*rows, rows[0]])  # the last a duplicate
    return path


@TWO
def test_groups_and_targets_give_the_same_bytes(tmp_path: Path) -> None:
    """Entity groups, judged items and blank targets: --jobs 1 and 2 write the same."""
    table = qingshui_table(tmp_path / "q.csv")
    one = batch(QINGSHUI, [table], tmp_path / "1.csv", "--jobs", "1")
    two = batch(QINGSHUI, [table], tmp_path / "2.csv", "--jobs", "2")
    assert one == two and one[0] == 1 and "also in" in one[1]
    rules = veto_rules(tmp_path)
    towns = ROOT / "examples/rugao-2018/towns"
    one = batch(rules, [towns], tmp_path / "t1.csv", "--jobs", "1")
    two = batch(rules, [towns], tmp_path / "t2.csv", "--jobs", "2")
    assert one == two and "7 scored, 7 could not be scored" in one[1]
    shutil.rmtree(rules)
