"""Fuzzing batch tables (CSV and XLSX) and every output format (hypothesis).

Three targets, each fed mutated copies of real inputs:

- a CSV table of the 14 towns of ``rules/rugao-2018-towns``, mutated as text
  (the edits of ``test_fuzz.mutate_text``: tokens, bytes, truncation, GBK-like
  bytes, duplicated lines), then ``qualscore batch`` to JSON, CSV, XLSX or HTML;
- the same table as an XLSX workbook, with cells replaced by hostile values
  (formulas, float noise, percent formats, huge and tiny numbers, error and
  date cells, control characters, text starting with ``=``), then ``batch``;
- the sample city's facts, mutated, then ``qualscore evaluate`` in every
  format and view.

The property: ``main`` returns (no exception escapes) with exit 0, 1 or 2; every
stderr line is one problem; an exit other than 2 leaves a whole output file,
in which no spreadsheet cell is a formula and no HTML carries a script; every
row of the input is either ranked or reported.

A short, derandomized run is part of the suite; ``make fuzz`` runs it long.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError
from tests.test_fuzz import TOKENS, mutate_text, mutated

from conftest import ROOT, run_cli

TOWNS_RULES = ROOT / "rules" / "rugao-2018-towns"
TOWNS = ROOT / "examples" / "rugao-2018" / "towns"
RUGAO = ROOT / "rules" / "rugao-2018"
SAMPLE = ROOT / "examples" / "rugao-2018" / "city-sample.yaml"

LONG = "QUALSCORE_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("QUALSCORE_FUZZ_EXAMPLES", "15"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)


def _towns() -> tuple[list[str], list[list[Any]]]:
    """The towns' facts as a header and rows, in file-name order."""
    rows = []
    for path in sorted(TOWNS.glob("*.yaml")):
        rows.append((path.stem, yaml.safe_load(path.read_text(encoding="utf-8"))))
    keys = sorted({k for _, data in rows for k in data})
    return ["entity", *keys], [[name, *(data.get(k) for k in keys)] for name, data in rows]


HEADER, ROWS = _towns()


def _csv_text() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([[_cell_text(v) for v in row] for row in ROWS])
    return buffer.getvalue()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


CELLS = st.one_of(
    st.sampled_from(TOKENS),
    st.sampled_from(["=1+1", "=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1",
                     "\x01名", "\x1b[2J", "[/]x", "<script>alert(1)</script>", "#DIV/0!"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(float),
    st.sampled_from([5.000000000000001, 0.941, 1e-300, 1e300]),
    st.booleans(),
    st.none(),
    st.text(max_size=30),
)


@st.composite
def workbook(draw: st.DrawFn) -> bytes:
    """The towns table as XLSX, with one to five cells replaced by hostile values."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        r = draw(st.integers(min_value=1, max_value=len(ROWS) + 1))
        c = draw(st.integers(min_value=1, max_value=len(HEADER)))
        value = draw(CELLS)
        cell = sheet.cell(row=r, column=c)
        try:
            cell.value = value
        except (ValueError, TypeError, IllegalCharacterError):
            continue  # openpyxl refuses it as a writer: a sheet cannot hold it
        if draw(st.booleans()) and isinstance(value, float):
            cell.number_format = draw(st.sampled_from(["0.0%", "0.00", "yyyy-mm-dd", "@"]))
    buffer = io.BytesIO()
    try:
        book.save(buffer)
    except (ValueError, TypeError, AttributeError):
        assume(False)  # openpyxl cannot write this workbook: no clerk could send it either
    return buffer.getvalue()


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="qualscore-fuzz-out-") as tmp:
        yield Path(tmp)


def _run(argv: list[str]) -> tuple[int, str]:
    code, _, err = run_cli(*argv)
    assert code in (0, 1, 2), f"exit {code}"
    for line in err.splitlines():
        assert "Traceback" not in line, err
    return code, err


def _check_output(path: Path, fmt: str) -> None:
    """A whole output, carrying no live formula and no script."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"a formula in {sheet.title}!{cell.coordinate}"
    elif fmt == "csv":
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), f"a live cell {cell!r}"
                if cell.startswith("-"):
                    Decimal(cell)  # only a number may start with a minus
    elif fmt == "json":
        json.loads(path.read_text(encoding="utf-8"))
    else:
        text = path.read_text(encoding="utf-8").lower()
        # The report's own script (open every item before printing) is the only one.
        scripts = [chunk.split("</script>")[0] for chunk in text.split("<script")[1:]]
        assert all(s.startswith(">window.addeventlistener('beforeprint'") for s in scripts), (
            "a script in the HTML that the report did not write"
        )


def _batch(workdir: Path, table: Path, fmt: str) -> None:
    out = workdir / f"out.{fmt}"
    out.unlink(missing_ok=True)
    code, err = _run(["batch", str(TOWNS_RULES), str(table), "--out", str(out)])
    if code != 2:
        assert out.exists(), f"exit {code} without {out.name}: {err[:300]}"
        _check_output(out, fmt)


FORMATS = st.sampled_from(["json", "csv", "xlsx", "html"])


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_batch_csv(workdir: Path, data: st.DataObject) -> None:
    """A mutated CSV table never escapes as an exception nor leaves a live output."""
    table = workdir / "towns.csv"
    table.write_bytes(data.draw(mutate_text(_csv_text())))
    _batch(workdir, table, data.draw(FORMATS))


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_batch_xlsx(workdir: Path, data: st.DataObject) -> None:
    """A workbook with hostile cells never escapes as an exception nor leaves a live output."""
    table = workdir / "towns.xlsx"
    table.write_bytes(data.draw(workbook()))
    _batch(workdir, table, data.draw(FORMATS))


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_every_format(workdir: Path, data: st.DataObject) -> None:
    """Mutated facts, rendered in every format and view, never escape as an exception."""
    facts = workdir / "city.yaml"
    facts.write_bytes(data.draw(mutated(SAMPLE.read_text(encoding="utf-8"))))
    fmt = data.draw(st.sampled_from(["table", "json", "markdown", "html", "docx"]))
    view = data.draw(st.sampled_from(["scores", "headroom", "departments", "all"]))
    lang = data.draw(st.sampled_from(["zh", "en"]))
    out = workdir / f"report.{fmt}"
    argv = ["evaluate", str(RUGAO), str(facts), "--format", fmt, "--lang", lang, "--out", str(out)]
    if fmt == "table":
        argv[-2:] = ["--view", view, "--explain", "all"]
    code, err = _run(argv)
    assert code in (0, 2), f"exit {code}: {err[:300]}"
    if code == 0 and fmt == "docx":
        import zipfile
        from xml.etree import ElementTree

        body = zipfile.ZipFile(out).read("word/document.xml")
        ElementTree.fromstring(body)  # well-formed: no text became markup
        footer = b"".join(
            zipfile.ZipFile(out).read(n) for n in zipfile.ZipFile(out).namelist() if "footer" in n
        )
        assert body.count(b"instrText") == 0 and footer.count(b"<w:instrText") == 2
    elif code == 0 and fmt != "table":
        _check_output(out, "json" if fmt == "json" else "html")


def test_seed_table_scores_every_town(workdir: Path) -> None:
    """Unmutated, the CSV seed ranks all 14 towns with exit 0 (the fuzz starts from valid input)."""
    table = workdir / "seed.csv"
    table.write_text(_csv_text(), encoding="utf-8")
    out = workdir / "seed.json"
    code, err = _run(["batch", str(TOWNS_RULES), str(table), "--out", str(out)])
    assert code == 0, err
    assert len(json.loads(out.read_text(encoding="utf-8"))["ranking"]) == len(ROWS) == 14
    shutil.copy(out, workdir / "seed-copy.json")
