"""Hostile CSV and XLSX tables: each is read whole, a bad row named by line, or refused whole.

Tables come from a dozen departments' spreadsheets: a GBK name pasted into a
UTF-8 file, a 200,000-character cell, percent-formatted cells, binary float
noise, a repeated column, a number of 5,000 digits, an error cell, a zip bomb.
None of them may cut a table short or end in a traceback.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import qualscore
from conftest import ROOT, run_cli_no_traceback
from qualscore import FactsError, RuleSet
from qualscore.errors import SourceError
from qualscore.facts.check import _coerce
from qualscore.facts.targets import load_targets
from qualscore.source import tables as tables_module
from qualscore.source.tables import read_table

MINI = ROOT / "tests/fixtures/mini"
TOWNS = ROOT / "rules/rugao-2018-towns"
HEADER = ["entity", "done", "rate", "reports", "ports", "failing", "awards", "incident"]
GOOD_ROW = ["true", "89.99", "7", "3", "1", "3", "false"]
FACTS = {
    "done": True,
    "rate": 89.99,
    "reports": 7,
    "ports": 3,
    "failing": 1,
    "awards": 3,
    "incident": False,
}


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return qualscore.load_rules(MINI)


def entity_csv(count: int) -> list[bytes]:
    """The lines of a CSV of ``count`` good entities for the mini rule set, header first."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([f"e{i:04d}", *GOOD_ROW] for i in range(count))
    return buf.getvalue().encode("utf-8").splitlines()


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def entity_book(path: Path, rows: list[list[Any]], formats: dict[str, str] | None = None) -> Path:
    """An XLSX of entities for the mini rule set; ``formats`` maps cells to number formats."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    for cell, number_format in (formats or {}).items():
        sheet[cell].number_format = number_format
    book.save(path)
    return path


def facts_book(path: Path, values: dict[str, Any], formats: dict[str, str]) -> Path:
    """A key/value facts XLSX; ``formats`` maps fact keys to number formats of their value."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["key", "value"])
    for i, (key, value) in enumerate(values.items(), start=2):
        sheet.append([key, value])
        if key in formats:
            sheet.cell(i, 2).number_format = formats[key]
    book.save(path)
    return path


def rewrite_sheet(path: Path, change: Callable[[bytes], bytes]) -> Path:
    """Rewrite the first sheet's XML of a workbook, as a hostile tool could."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            out.writestr(info.filename, data)
    return path


def row(name: str, **changed: Any) -> list[Any]:
    return [name, *(changed.get(k, v) for k, v in FACTS.items())]


# --- a partial read presented as complete ---------------------------------------------------


def test_gbk_name_costs_only_its_row(tmp_path: Path) -> None:
    """A GBK entity name in row 501 of 3,000 is reported by line; the other 2,999 are scored."""
    lines = entity_csv(3000)
    lines[500] = "城市".encode("gbk") + lines[500][5:]
    table = write_lines(tmp_path / "t.csv", lines)
    code, _, err = run_cli_no_traceback("batch", MINI, table, "--out", tmp_path / "out.csv")
    assert code == 1
    assert err.splitlines() == [
        f"{table}:501:1: entity: not UTF-8 text (GBK, as Windows saves it?); save the table as UTF-8",
        "qualscore: 2999 scored, 1 could not be scored",
    ]
    assert len((tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()) == 3000


def test_gbk_value_in_a_facts_table_names_its_line(rules: RuleSet, tmp_path: Path) -> None:
    """A GBK value in a key/value facts table refuses the file, naming the line and column."""
    lines = [b"key,value", *(f"{k},{str(v).lower()}".encode() for k, v in FACTS.items())]
    lines[3] = b"reports," + "七".encode("gbk")
    path = write_lines(tmp_path / "f.csv", lines)
    with pytest.raises(FactsError) as info:
        qualscore.load_facts(rules, path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:4:2: reports: not UTF-8 text (GBK, as Windows saves it?); save the table as UTF-8"
    ]


def test_long_field_costs_only_its_row(tmp_path: Path) -> None:
    """A 200,000-character cell in row 500 is reported with the limit; every other row is scored."""
    lines = entity_csv(3000)
    lines[499] = lines[499].replace(b"89.99", b"9" * 200_000)
    table = write_lines(tmp_path / "t.csv", lines)
    code, _, err = run_cli_no_traceback("batch", MINI, table, "--out", tmp_path / "out.csv")
    assert code == 1
    assert err.splitlines() == [
        f"{table}:500:3: rate: a cell of 200,000 characters, more than 32,767",
        "qualscore: 2999 scored, 1 could not be scored",
    ]


def test_unclosed_quote_is_reported_with_the_lines_it_swallowed(tmp_path: Path) -> None:
    """A quote never closed swallows the rows after it: the row is reported with the lines it spans."""
    lines = entity_csv(10)
    lines[5] = lines[5].replace(b"89.99", b'"89.99')
    table = write_lines(tmp_path / "t.csv", lines)
    code, _, err = run_cli_no_traceback("batch", MINI, table)
    assert code == 1
    assert f"{table}:6:3: rate: a cell running over lines 6-11 (a quote not closed?)" in err
    assert "4 scored, 1 could not be scored" in err


def test_value_beyond_the_header_is_reported(tmp_path: Path) -> None:
    """A row with a value in a column the header does not name is reported, not cut to size."""
    lines = entity_csv(3)
    lines[2] += b",surplus"
    table = write_lines(tmp_path / "t.csv", lines)
    code, _, err = run_cli_no_traceback("batch", MINI, table)
    assert code == 1
    assert f"{table}:3:9: a value in column 9, beyond the header's 8 columns" in err


def test_control_character_in_a_cell_is_reported(tmp_path: Path) -> None:
    """A control character in an entity name refuses that row, naming line and column."""
    lines = entity_csv(3)
    lines[1] = b"e\x07" + lines[1][5:]
    table = write_lines(tmp_path / "t.csv", lines)
    code, _, err = run_cli_no_traceback("batch", MINI, table)
    assert code == 1
    assert f"{table}:2:1: entity: control character U+0007 not allowed" in err


# --- percent-formatted cells and float noise ------------------------------------------------


def test_percent_cell_reads_as_the_percent_shown(rules: RuleSet, tmp_path: Path) -> None:
    """A percent fact typed as 94.1% in Excel (stored 0.941) is read as exactly 94.1."""
    path = facts_book(tmp_path / "f.xlsx", {**FACTS, "rate": 0.941}, {"rate": "0.0%"})
    rate = qualscore.load_facts(rules, path).values["rate"]
    assert isinstance(rate, Decimal)
    assert str(rate) == "94.1"


def test_whole_percent_cell_reads_plainly(rules: RuleSet, tmp_path: Path) -> None:
    """100% (stored 1) is read as 100, written without an exponent."""
    path = facts_book(tmp_path / "f.xlsx", {**FACTS, "rate": 1}, {"rate": "0%"})
    assert str(qualscore.load_facts(rules, path).values["rate"]) == "100"


def test_percent_cell_refused_for_a_count(rules: RuleSet, tmp_path: Path) -> None:
    """A percent-formatted cell for a fact that is not a percent is refused, saying why."""
    path = facts_book(tmp_path / "f.xlsx", {**FACTS, "reports": 0.5}, {"reports": "0%"})
    with pytest.raises(FactsError) as info:
        qualscore.load_facts(rules, path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:4:2: reports: the cell shows 50%, formatted as a percent, but this fact "
        "is not a percent; format the cell as a number"
    ]


def test_float_noise_reads_as_excel_shows_it(rules: RuleSet, tmp_path: Path) -> None:
    """5.000000000000001 (what =1.6+2.7+0.7 stores) is read as the 5 Excel shows."""
    path = facts_book(tmp_path / "f.xlsx", {**FACTS, "reports": 5.000000000000001}, {})
    values = qualscore.load_facts(rules, path).values
    assert values["reports"] == Decimal(5)
    assert str(values["rate"]) == "89.99"


# --- repeated columns -----------------------------------------------------------------------


def test_repeated_column_refused_in_a_batch_csv(tmp_path: Path) -> None:
    """A batch CSV naming a column twice is refused whole, not read with the last value winning."""
    lines = entity_csv(3)
    lines[0] = lines[0].replace(b"awards", b"rate")
    table = write_lines(tmp_path / "t.csv", lines)
    code, _, err = run_cli_no_traceback("batch", MINI, table)
    assert code == 2
    assert err.splitlines() == [
        f"{table}:1:7: column 'rate' appears twice (first in column 3)",
    ]


def test_repeated_column_refused_in_a_batch_xlsx(tmp_path: Path) -> None:
    """A batch XLSX naming a column twice is refused the same way as the CSV."""
    book = entity_book(tmp_path / "t.xlsx", [row("a")])
    rewrite_sheet(book, lambda xml: xml.replace(b"<t>awards</t>", b"<t>rate</t>"))
    code, _, err = run_cli_no_traceback("batch", MINI, book)
    assert code == 2
    assert f"{book}:1:7: column 'rate' appears twice (first in column 3)" in err


def test_repeated_column_refused_in_a_facts_table(rules: RuleSet, tmp_path: Path) -> None:
    """A key/value facts CSV with two 'value' columns is refused."""
    path = write_lines(tmp_path / "f.csv", [b"key,value,value", b"done,true,false"])
    with pytest.raises(FactsError) as info:
        qualscore.load_facts(rules, path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:1:3: column 'value' appears twice (first in column 2)"
    ]


def test_repeated_column_refused_in_a_target_table(tmp_path: Path) -> None:
    """A target table naming a target twice is refused."""
    towns = qualscore.load_rules(TOWNS)
    key = next(f.key for f in towns.facts if f.role == "target")
    path = write_lines(tmp_path / "t.csv", [f"entity,{key},{key}".encode(), b"a,1,2"])
    with pytest.raises(SourceError) as info:
        load_targets(towns, path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:1:3: column {key!r} appears twice (first in column 2)"
    ]


def test_blank_key_with_a_value_is_refused(rules: RuleSet, tmp_path: Path) -> None:
    """A facts table row with a value but no key is reported, not skipped."""
    lines = [b"key,value", *(f"{k},{str(v).lower()}".encode() for k, v in FACTS.items())]
    path = write_lines(tmp_path / "f.csv", [*lines, b",12"])
    with pytest.raises(FactsError) as info:
        qualscore.load_facts(rules, path)
    assert [str(p) for p in info.value.problems] == [f"{path}:9:1: a value ('12') without a key"]


# --- numbers out of range -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"1e99999999999999999999"', "rate: '1e99999999999999999999' is out of range"),
        ("1e99999999999999999999", "'1e99999999999999999999' is not a number"),
    ],
)
def test_overflowing_exponent_in_yaml_facts(tmp_path: Path, value: str, message: str) -> None:
    """An exponent beyond what a decimal can hold is one line naming the value, exit 2."""
    text = (ROOT / "tests/fixtures/mini-facts.yaml").read_text(encoding="utf-8")
    path = tmp_path / "f.yaml"
    path.write_text(text.replace("rate: 89.99", f"rate: {value}"), encoding="utf-8")
    code, _, err = run_cli_no_traceback("evaluate", MINI, path)
    assert code == 2
    assert err.splitlines() == [
        f"{path}:2:7: {message}"
        + ("" if "not" in message else " (the limit is 1,000,000,000,000,000)")
    ]


def test_long_integer_in_xlsx_costs_only_its_entity(tmp_path: Path) -> None:
    """A 65-digit number in one XLSX row refuses that entity, naming row and column."""
    book = entity_book(tmp_path / "t.xlsx", [row("a"), row("b", reports=123456789), row("c")])
    rewrite_sheet(book, lambda xml: xml.replace(b"<v>123456789</v>", b"<v>" + b"9" * 65 + b"</v>"))
    code, _, err = run_cli_no_traceback("batch", MINI, book)
    assert code == 1
    assert err.splitlines() == [
        f"{book}:3:4: reports: a number of 65 digits; a spreadsheet number has 15 digits",
        "qualscore: 2 scored, 1 could not be scored",
    ]


def test_huge_integer_in_xlsx_refuses_its_table(tmp_path: Path) -> None:
    """A 5,000-digit number (past what Python converts; no spreadsheet program writes one)
    refuses its workbook, saying why, without a traceback."""
    book = entity_book(tmp_path / "t.xlsx", [row("a"), row("b", reports=123456789), row("c")])
    rewrite_sheet(
        book, lambda xml: xml.replace(b"<v>123456789</v>", b"<v>" + b"9" * 5000 + b"</v>")
    )
    code, _, err = run_cli_no_traceback("batch", MINI, book)
    assert code == 2
    assert err.splitlines()[0] == (
        f"{book}: row 3 holds a number of thousands of digits; a spreadsheet number has 15 "
        "digits: the table cannot be read"
    )


# --- linear checks --------------------------------------------------------------------------


def _backtracking_repeats(pattern: str) -> list[int]:
    """Where ``pattern`` repeats something without a possessive ``+`` after the repeat (``*``,
    ``+``, ``?``, ``{m,n}``): a place the regex engine can go back to and try again."""
    found, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
        elif char == "[":  # a class: its characters are no repeats
            i = pattern.index("]", i + 2) + 1
        elif char == "(" and pattern.startswith("?", i + 1):
            i += 2  # (?: and the like
        elif char in "*+?{":
            end = pattern.index("}", i) if char == "{" else i
            possessive = pattern.startswith("+", end + 1)
            if not possessive:
                found.append(i)
            i = end + 1 + possessive
        else:
            i += 1
    return found


def test_number_check_cannot_backtrack(rules: RuleSet) -> None:
    """The number pattern repeats only possessively, so matching is linear in the text (a
    digit string ending in a letter once took hours at 150,000 digits): a 1,000,000-digit
    non-number is refused as such. Work is bounded by the pattern's shape, not timed."""
    from qualscore.facts.check import _NUMBER_TEXT

    assert _backtracking_repeats(_NUMBER_TEXT.pattern) == []
    assert _backtracking_repeats("[0-9]+(?:x)?") == [5, 11]  # the scanner finds what it looks for
    decl = next(f for f in rules.facts if f.key == "rate")
    _, message = _coerce(decl, "1" * 1_000_000 + "x", None, None)
    assert message is not None and message.startswith("expected a number, got '1111")


def test_two_megabyte_hostile_facts_file_completes(tmp_path: Path) -> None:
    """A 2 MB facts file whose value is a digit string that ends in a letter is refused in seconds."""
    text = (ROOT / "tests/fixtures/mini-facts.yaml").read_text(encoding="utf-8")
    path = tmp_path / "f.yaml"
    path.write_text(text.replace("rate: 89.99", f'rate: "{"1" * 2_000_000}x"'), encoding="utf-8")
    code, _, err = run_cli_no_traceback("evaluate", MINI, path)
    assert code == 2
    assert err.startswith(f"{path}:2:7: rate: expected a number, got '1111")


# --- workbooks: bombs, limits and bad cells -------------------------------------------------


def test_zip_bomb_refused_unopened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbook that would unpack past the limit is refused by its zip directory, unopened."""
    monkeypatch.setattr(tables_module, "MAX_UNPACKED_BYTES", 1024 * 1024)
    book = entity_book(tmp_path / "t.xlsx", [row("a")])
    rewrite_sheet(book, lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * 2_000_000))
    assert book.stat().st_size < 100_000
    with pytest.raises(SourceError) as info:
        read_table(book)
    assert [p.message for p in info.value.problems] == [
        f"the workbook unpacks to {book_size(book):,} bytes, more than the limit of 1,048,576"
    ]


def book_size(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(i.file_size for i in archive.infolist())


@pytest.mark.slow
def test_row_beyond_excel_limit_refused(tmp_path: Path) -> None:
    """A cell at row 16,000,000 of a tiny workbook refuses the table once past Excel's last
    row, instead of reading on to row 16M."""
    book = entity_book(tmp_path / "t.xlsx", [row("a")])
    far = b'<row r="16000000"><c r="A16000000" t="inlineStr"><is><t>x</t></is></c></row>'
    rewrite_sheet(book, lambda xml: xml.replace(b"</sheetData>", far + b"</sheetData>"))
    with pytest.raises(SourceError) as info:
        read_table(book)
    assert [p.message for p in info.value.problems] == [
        "a row beyond the limit of 1,048,576 rows"
    ]


@pytest.mark.slow
def test_forty_thousand_row_workbook_is_read(tmp_path: Path) -> None:
    """A 40,000-row workbook of over 2 MB, refused before, is read whole."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["entity", *(f"v{i}" for i in range(8))])
    for i in range(40_000):
        sheet.append([f"e{i}", *((i * 7919 + j * 104729) % 999983 / 1000 for j in range(8))])
    path = tmp_path / "big.xlsx"
    book.save(path)
    assert path.stat().st_size > 2 * 1024 * 1024
    from qualscore.source.tables import stream_table

    columns, rows = stream_table(path, str(path))
    assert len(columns) == 9
    assert sum(1 for _ in rows) == 40_000


def test_bad_cells_cost_only_their_rows(tmp_path: Path) -> None:
    """An error value, a date and a formula without a result each refuse their row alone."""
    rows = [
        row("a"),
        row("b", rate="#DIV/0!"),
        row("c", rate=datetime.date(2024, 1, 5)),
        row("d", reports="=1+2"),
        row("e"),
    ]
    book = entity_book(tmp_path / "t.xlsx", rows)
    code, _, err = run_cli_no_traceback("batch", MINI, book)
    assert code == 1
    assert err.splitlines() == [
        f"{book}:3:3: rate: the cell shows the error #DIV/0!",
        f"{book}:4:3: rate: a date or time, not a number (format the cell as a number)",
        f"{book}:5:4: reports: a formula with no saved result",
        "qualscore: 2 scored, 3 could not be scored",
    ]
