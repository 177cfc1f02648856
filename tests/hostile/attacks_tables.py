"""Attacks on CSV and XLSX tables: partial reads, Excel's number quirks, repeated columns, bombs."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import qualscore

from . import ROOT, attack, run

RUGAO = ROOT / "rules/rugao-2018"
CITY = ROOT / "examples/rugao-2018/city-sample.yaml"


def city_facts() -> tuple[list[str], dict[str, Any]]:
    """The Rugao fact keys in order, and the sample city's values."""
    rules = qualscore.load_rules(RUGAO)
    return [f.key for f in rules.facts], dict(qualscore.load_facts(rules, CITY).values)


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def city_csv(count: int) -> list[bytes]:
    """The lines of a CSV of ``count`` copies of the sample city, header first."""
    keys, facts = city_facts()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["entity", *keys])
    writer.writerows([f"city{i:04d}", *(_text(facts[k]) for k in keys)] for i in range(count))
    return buf.getvalue().encode("utf-8").splitlines()


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _excel(value: Any) -> Any:
    return value if isinstance(value, bool) else float(str(value))


def city_facts_book(path: Path, changes: dict[str, tuple[Any, str | None]]) -> Path:
    """The sample city as a key/value XLSX; ``changes`` sets a key's value and number format."""
    from openpyxl import Workbook

    keys, facts = city_facts()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["key", "value"])
    for i, key in enumerate(keys, start=2):
        value, number_format = changes.get(key, (_excel(facts[key]), None))
        sheet.append([key, value])
        if number_format:
            sheet.cell(i, 2).number_format = number_format
    book.save(path)
    return path


def city_book(path: Path, rows: dict[str, dict[str, Any]]) -> Path:
    """An XLSX of entities named by ``rows``, each the sample city with its changes."""
    from openpyxl import Workbook

    keys, facts = city_facts()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["entity", *keys])
    for name, changes in rows.items():
        sheet.append([name, *(changes.get(k, _excel(facts[k])) for k in keys)])
    book.save(path)
    return path


def rewrite_sheet(path: Path, change: Callable[[bytes], bytes]) -> Path:
    """Rewrite the first sheet's XML of a workbook, as a hostile tool could."""
    with zipfile.ZipFile(path) as source:
        parts = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts:
            out.writestr(name, change(data) if name == "xl/worksheets/sheet1.xml" else data)
    return path


def column_of(key: str) -> int:
    """The column of ``key`` in a city table (the entity is column 1)."""
    return city_facts()[0].index(key) + 2


@attack("a GBK name in row 501 of a CSV: that row reported by line, every other row scored")
def attack_gbk_row(tmp: Path) -> None:
    lines = city_csv(600)
    lines[500] = "城市".encode("gbk") + lines[500][8:]
    table = write_lines(tmp / "cities.csv", lines)
    result = run(["batch", RUGAO, table, "--out", tmp / "out.csv"])
    assert result.code == 1, f"exit {result.code}, not 1"
    assert f"{table}:501:1: entity: not UTF-8 text" in result.err, result.err[:300]
    assert "599 scored, 1 could not be scored" in result.err, result.err[-200:]


@attack("a 200,000-character cell in a CSV: that row reported with the limit, the rest scored")
def attack_long_field(tmp: Path) -> None:
    lines = city_csv(600)
    lines[299] = lines[299].replace(b",true,", b"," + b"x" * 200_000 + b",", 1)
    table = write_lines(tmp / "cities.csv", lines)
    result = run(["batch", RUGAO, table])
    assert result.code == 1, f"exit {result.code}, not 1"
    assert ":300:" in result.err and "a cell of 200,000 characters" in result.err, result.err[:300]
    assert "599 scored, 1 could not be scored" in result.err, result.err[-200:]


@attack("a percent fact typed 94.1% in Excel (stored 0.941): read as 94.1, refused for a count")
def attack_percent_cell(tmp: Path) -> None:
    good = city_facts_book(tmp / "good.xlsx", {"credit_entry_rate": (0.941, "0.0%")})
    rules = qualscore.load_rules(RUGAO)
    assert qualscore.load_facts(rules, good).values["credit_entry_rate"] == Decimal("94.1")
    assert run(["evaluate", RUGAO, good]).code == 0
    bad = city_facts_book(tmp / "bad.xlsx", {"credit_reports": (0.5, "0%")})
    run(["evaluate", RUGAO, bad]).user_error(
        "credit_reports: the cell shows 50%, formatted as a percent"
    )


@attack("binary float noise from Excel (=1.6+2.7+0.7 stores 5.000000000000001): read as 5")
def attack_float_noise(tmp: Path) -> None:
    book = city_facts_book(tmp / "f.xlsx", {"credit_reports": (5.000000000000001, None)})
    rules = qualscore.load_rules(RUGAO)
    assert qualscore.load_facts(rules, book).values["credit_reports"] == Decimal(5)
    assert run(["evaluate", RUGAO, book]).code == 0


@attack("a CSV naming a column twice: refused whole, as the same XLSX is, not last-value-wins")
def attack_duplicate_columns(tmp: Path) -> None:
    lines = city_csv(3)
    keys, _ = city_facts()
    lines[0] = lines[0].replace(f",{keys[1]},".encode(), f",{keys[0]},".encode())
    table = write_lines(tmp / "cities.csv", lines)
    run(["batch", RUGAO, table]).user_error(f"{table}:1:3: column '{keys[0]}' appears twice")


@attack("an exponent beyond any decimal in YAML facts, a 5,000-digit XLSX number: one line each")
def attack_overflowing_numbers(tmp: Path) -> None:
    text = CITY.read_text(encoding="utf-8")
    facts = tmp / "city.yaml"
    facts.write_text(
        text.replace("credit_reports: ", 'credit_reports: "1e99999999999999999999" #', 1),
        encoding="utf-8",
    )
    run(["evaluate", RUGAO, facts]).user_error(
        "credit_reports: '1e99999999999999999999' is out of range"
    )
    book = city_book(tmp / "cities.xlsx", {"a": {}, "b": {"credit_reports": 123456789}, "c": {}})
    rewrite_sheet(
        book, lambda xml: xml.replace(b"<v>123456789</v>", b"<v>" + b"9" * 5000 + b"</v>")
    )
    # No spreadsheet program writes it; openpyxl stops there: the table is refused, in a line.
    run(["batch", RUGAO, book]).user_error(f"{book}: row 3 holds a number of thousands of digits")


@attack("a 2 MB facts file whose value is digits ending in a letter: refused, in linear work")
def attack_quadratic_number_text(tmp: Path) -> None:
    text = CITY.read_text(encoding="utf-8")
    facts = tmp / "city.yaml"
    hostile = '"' + "1" * 2_000_000 + 'x" #'
    facts.write_text(
        text.replace("credit_reports: ", f"credit_reports: {hostile}", 1), encoding="utf-8"
    )
    # That the check's work grows linearly is measured in CPU time, as a ratio with a wide
    # margin, by tests/test_tables_hostile.py::test_number_check_is_linear; a bound in
    # seconds here would fail on a busy machine, not on a slow check.
    run(["evaluate", RUGAO, facts]).user_error("credit_reports: expected a number")


@attack("a small XLSX unpacking to 300 MB, or with a cell at row 16,000,000: refused", slow=True)
def attack_xlsx_bomb(tmp: Path) -> None:
    book = city_book(tmp / "bomb.xlsx", {"a": {}})
    padding = b" " * (300 * 1024 * 1024)
    rewrite_sheet(book, lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + padding))
    assert book.stat().st_size < 2 * 1024 * 1024, "the bomb is not small"
    run(["batch", RUGAO, book]).user_error("the workbook unpacks to", "more than the limit")
    far = b'<row r="16000000"><c r="A16000000" t="inlineStr"><is><t>x</t></is></c></row>'
    sparse = city_book(tmp / "sparse.xlsx", {"a": {}})
    rewrite_sheet(sparse, lambda xml: xml.replace(b"</sheetData>", far + b"</sheetData>"))
    run(["batch", RUGAO, sparse]).user_error("a row beyond the limit of 1,048,576 rows")


@attack("an XLSX error cell, a date and a formula without a result: each costs only its row")
def attack_bad_xlsx_cells(tmp: Path) -> None:
    rows = {
        "a": {},
        "b": {"credit_reports": "#DIV/0!"},
        "c": {"credit_reports": datetime.date(2024, 1, 5)},
        "d": {"credit_reports": "=1+2"},
        "e": {},
    }
    book = city_book(tmp / "cities.xlsx", rows)
    result = run(["batch", RUGAO, book])
    assert result.code == 1, f"exit {result.code}, not 1"
    col = column_of("credit_reports")
    for line, message in ((3, "error #DIV/0!"), (4, "a date or time"), (5, "a formula with no")):
        assert f"{book}:{line}:{col}: credit_reports: " in result.err, result.err[:300]
        assert message in result.err, f"{message!r} not in {result.err[:300]!r}"
    assert "2 scored, 3 could not be scored" in result.err, result.err[-200:]
