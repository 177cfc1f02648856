"""A batch XLSX within what a workbook holds: a table too long for a sheet goes on over
further sheets; a row too wide or a text too long for a cell is refused before any of the
workbook is built (and a scheme too wide, before any scoring).

The limits are injected small (:class:`XlsxLimits`), so no test writes a million rows.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tests.hostile.attacks_batch import city_table

from conftest import ROOT
from qualscore.batch.runner import Entity, Outcome, read_inputs, score_all, target_items
from qualscore.cli.app import main
from qualscore.report import batch as writers
from qualscore.report.batch import (
    XLSX_CELL,
    XLSX_COLUMNS,
    XLSX_ROWS,
    XLSX_SHEET_NAME,
    XlsxLimitError,
    XlsxLimits,
    xlsx_pages,
    xlsx_plan,
    xlsx_sheet_names,
)
from qualscore.ruleset.loader import load_rules
from qualscore.scoring.words import words

DEMO = ROOT / "examples/demo"
RUGAO = ROOT / "rules/rugao-2018"


def demo_report(failures: tuple[Outcome, ...] = ()) -> writers.BatchReport:
    """The demo's three counties scored in full (12 explained items each)."""
    rules = load_rules(str(DEMO))
    entities, _ = read_inputs([str(DEMO / "facts")])
    outcomes = [*score_all(str(DEMO), entities), *failures]
    return writers.build(rules, outcomes, target_items(rules), "en")


def failure(name: str, *problems: str) -> Outcome:
    return Outcome(Entity(name, f"{name}.yaml", f"{name}.yaml", 0, None), None, problems)


def test_the_real_limits_are_excel_s() -> None:
    """1,048,576 rows, 16,384 columns (A to XFD), 32,767 characters a cell, 31 a sheet name."""
    from openpyxl.utils import get_column_letter

    assert (XLSX_ROWS, XLSX_COLUMNS, XLSX_CELL, XLSX_SHEET_NAME) == (1_048_576, 16_384, 32_767, 31)
    assert XlsxLimits() == XlsxLimits(XLSX_ROWS, XLSX_COLUMNS, XLSX_CELL)
    assert get_column_letter(XLSX_COLUMNS) == "XFD"


def test_100_000_entities_of_12_items_explain_over_two_sheets() -> None:
    """The issue's batch: 1,200,000 explanation rows (and a header) need two sheets."""
    assert xlsx_pages(100_000 * 12, head=1) == [1_048_575, 151_425]
    assert xlsx_pages(1_048_575, head=1) == [1_048_575]  # the edge: exactly a sheet
    assert xlsx_pages(1_048_576, head=1) == [1_048_575, 1]


def test_pages_keep_the_tail_on_the_last_sheet() -> None:
    """Rows below the table (the summary's tie rule) end the last sheet, never split."""
    assert xlsx_pages(0, head=1, tail=2, rows=10) == [0]
    assert xlsx_pages(7, head=1, tail=2, rows=10) == [7]
    assert xlsx_pages(8, head=1, tail=2, rows=10) == [8, 0]
    assert xlsx_pages(20, head=3, tail=0, rows=10) == [7, 7, 6]
    with pytest.raises(XlsxLimitError):
        xlsx_pages(1, head=10, rows=10)


def test_sheet_names_are_valid_in_every_language() -> None:
    """Every sheet's title, and its continuations up to (99999), is a valid sheet name."""
    keys = ("summary", "item_table", "explanations", "departments_view", "target_matrix",
            "failed", "metadata")  # fmt: skip
    for language in ("zh", "en"):
        for key in keys:
            for name in xlsx_sheet_names(words(language)[key], 99_999):
                assert 0 < len(name) <= XLSX_SHEET_NAME
                assert not set(name) & set("[]:*?/\\"), name
    long = xlsx_sheet_names("x" * 40, 12)
    assert long[0] == "x" * 31 and long[11] == "x" * 26 + " (12)"
    assert len(set(long)) == 12
    with pytest.raises(XlsxLimitError):
        xlsx_sheet_names("a/b", 1)


def test_the_plan_splits_only_what_does_not_fit() -> None:
    """With 10 rows a sheet: the 36 explanation rows go over 4 sheets, the rest stay whole."""
    plan = xlsx_plan(demo_report(), XlsxLimits(rows=10))
    assert plan == [
        ("Summary", 6), ("Scores by item", 6), ("Items explained", 10),
        ("Items explained (2)", 10), ("Items explained (3)", 10), ("Items explained (4)", 10),
        ("Points lost by department", 5), ("not scored", 1), ("about", 8),
    ]  # fmt: skip
    assert xlsx_plan(demo_report()) == [
        ("Summary", 6), ("Scores by item", 6), ("Items explained", 37),
        ("Points lost by department", 5), ("not scored", 1), ("about", 8),
    ]  # fmt: skip


def test_the_workbook_follows_the_plan_and_loses_no_row() -> None:
    """The split workbook: every sheet the plan says, the header on each, the 36 rows in order."""
    report = demo_report()
    limits = XlsxLimits(rows=10)
    book = load_workbook(io.BytesIO(writers.to_xlsx(report, "2024-01-01", limits=limits)))
    assert [(s.title, s.max_row) for s in book.worksheets] == xlsx_plan(report, limits)
    whole = load_workbook(io.BytesIO(writers.to_xlsx(report, "2024-01-01")))["Items explained"]
    rows = list(whole.iter_rows(values_only=True))
    split = [book["Items explained"], *(book[f"Items explained ({n})"] for n in (2, 3, 4))]
    got = []
    for sheet in split:
        lines = list(sheet.iter_rows(values_only=True))
        assert lines[0] == rows[0]  # the header on every sheet
        assert sheet.freeze_panes == "C2" and sheet.auto_filter.ref
        got += lines[1:]
    assert got == rows[1:]


def test_long_reasons_go_on_over_rows_never_cut() -> None:
    """A failure whose reasons pass a cell's length: whole reasons to a row, a reason longer
    than a cell in pieces; joined back, nothing is lost."""
    problems = ("p1 " + "a" * 400, "p2 " + "b" * 400, "p3 " + "c" * 2300)
    report = demo_report((failure("bad", *problems),))
    limits = XlsxLimits(cell=1000)  # the demo's longest other text has 629 characters
    book = load_workbook(io.BytesIO(writers.to_xlsx(report, limits=limits)))
    rows = list(book["not scored"].iter_rows(values_only=True))[1:]
    assert len(rows) == 4
    assert all(r[0] == "bad" and r[1] == "bad.yaml" for r in rows)
    assert [len(r[2]) for r in rows] == [807, 1000, 1000, 303]
    assert rows[0][2] == "\n".join(problems[:2])
    assert "".join(r[2] for r in rows[1:]) == problems[2]


def test_a_name_longer_than_a_cell_is_refused_before_the_workbook() -> None:
    """An entity name a cell cannot hold: refused (never cut, which would make two names
    alike), naming the sheet and the length."""
    report = demo_report((failure("n" * 1200),))
    with pytest.raises(XlsxLimitError, match=r"sheet 'not scored': a text of 1,200 characters"):
        writers.to_xlsx(report, limits=XlsxLimits(cell=1000))


def test_a_scheme_wider_than_a_sheet_is_refused_before_scoring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More item columns than a sheet holds: one line, exit 2, before any entity is scored
    (entity 'a', whose facts are bad, is never told)."""
    table = city_table(tmp_path / "c.csv", ["a"], {"a": ("credit_reports", "many")})
    out = tmp_path / "r.xlsx"
    monkeypatch.setattr(writers, "XLSX_LIMITS", XlsxLimits(columns=20))
    err = io.StringIO()
    code = main(["batch", str(RUGAO), str(table), "--out", str(out)], stdout=io.StringIO(),
                stderr=err)  # fmt: skip
    columns = 5 + len(writers.item_columns(load_rules(str(RUGAO))))
    assert (code, err.getvalue()) == (2, (
        f"{out}: sheet '各项得分' would need {columns} columns; an XLSX sheet holds 20: "
        "write .json or .csv instead\n"
    ))  # fmt: skip
    assert not out.exists()


def test_a_batch_too_long_for_one_sheet_is_written_over_several(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """batch --out X.xlsx whose explanations pass a sheet: exit 0, continued on more sheets."""
    monkeypatch.setattr(writers, "XLSX_LIMITS", XlsxLimits(rows=20))
    out = tmp_path / "r.xlsx"
    err = io.StringIO()
    code = main(["batch", str(DEMO), str(DEMO / "facts"), "--out", str(out)],
                stdout=io.StringIO(), stderr=err)  # fmt: skip
    assert (code, err.getvalue()) == (0, "")
    names = load_workbook(out).sheetnames
    assert names[2:4] == ["Items explained", "Items explained (2)"]
