"""One table, written as CSV and as XLSX, reads the same, cell for cell, and scores the same.

An XLSX row stores no blank cells at its end; a CSV line may leave out its last
commas. Both are blank cells, as a blank written out is: a row of a target
table whose last targets are blank has no such targets (the items do not
apply), whatever the format. XLSX rows with blank targets at their end were
once read as missing them, and 2,021 of 20,000 towns were refused.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import qualscore
from conftest import ROOT, run_cli_no_traceback
from qualscore.errors import SourceError
from qualscore.facts.targets import load_targets
from qualscore.source.tables import Table, read_table

TOWNS = ROOT / "rules" / "rugao-2018-towns"
TOWN_FACTS = ROOT / "examples" / "rugao-2018" / "towns"

NOT_WRITTEN = object()
"""A cell an XLSX row never writes (and a CSV line leaves out, at the end of a row)."""
EMPTY_TEXT = object()
"""A cell written as an empty string (openpyxl writes an empty inline string)."""
STYLED_NONE = object()
"""A cell written with no value but a number format (openpyxl writes it, valueless)."""
BLANKS = (NOT_WRITTEN, EMPTY_TEXT, STYLED_NONE, None)


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    """The table as CSV: a blank cell is empty text, and a row ends after its last cell
    that is not :data:`NOT_WRITTEN` (so a row can be shorter than the header)."""
    lines = [",".join(header)]
    for row in rows:
        cells = list(row)
        while cells and cells[-1] is NOT_WRITTEN:
            cells.pop()
        lines.append(",".join("" if c in BLANKS else _text(c) for c in cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    """The same table as XLSX: numbers as numbers, each kind of blank as its name says."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            if value is NOT_WRITTEN:
                continue
            if value is EMPTY_TEXT:
                sheet.cell(r, c).value = ""
            elif value is STYLED_NONE:
                sheet.cell(r, c).number_format = "0.00"
            else:
                sheet.cell(r, c, value)
    book.save(path)
    return path


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _same(a: Any, b: Any) -> bool:
    """Whether a CSV cell and an XLSX cell say the same (CSV numbers stay text when read)."""
    if isinstance(a, str) and isinstance(b, Decimal):
        return Decimal(a) == b
    return type(a) is type(b) and a == b


def assert_same_reading(csv_table: Table, xlsx_table: Table) -> None:
    assert csv_table.columns == xlsx_table.columns
    assert [r.line for r in csv_table.rows] == [r.line for r in xlsx_table.rows]
    for mine, theirs in zip(csv_table.rows, xlsx_table.rows, strict=True):
        assert list(mine.values) == list(csv_table.columns), f"line {mine.line} lacks columns"
        assert list(theirs.values) == list(xlsx_table.columns), f"line {theirs.line} lacks columns"
        for column in csv_table.columns:
            a, b = mine.values[column], theirs.values[column]
            assert _same(a, b), f"line {mine.line}, {column}: CSV {a!r}, XLSX {b!r}"


# --- reading ---------------------------------------------------------------------------------


HEADER = ["entity", "a", "b", "c", "d"]
ROWS: list[list[Any]] = [
    ["full", 1, "text", True, 2.5],
    ["last blank not written", 1, "text", True, NOT_WRITTEN],
    ["last two blank not written", 1, "text", NOT_WRITTEN, NOT_WRITTEN],
    ["last written empty", 1, "text", True, EMPTY_TEXT],
    ["last written valueless", 1, "text", True, STYLED_NONE],
    ["middle blank", 1, NOT_WRITTEN, True, 3],
    ["only a name", NOT_WRITTEN, NOT_WRITTEN, NOT_WRITTEN, NOT_WRITTEN],
    [NOT_WRITTEN, 7, NOT_WRITTEN, NOT_WRITTEN, NOT_WRITTEN],
    ["every kind at the end", 1, EMPTY_TEXT, STYLED_NONE, NOT_WRITTEN],
]


def test_every_kind_of_blank_reads_as_in_csv(tmp_path: Path) -> None:
    """Each row reads with every column, a blank as None, the same from CSV and XLSX: a
    cell never written, one written empty or valueless, a row shorter than the header."""
    csv_table = read_table(write_csv(tmp_path / "t.csv", HEADER, ROWS))
    xlsx_table = read_table(write_xlsx(tmp_path / "t.xlsx", HEADER, ROWS))
    assert_same_reading(csv_table, xlsx_table)
    assert xlsx_table.rows[2].values == {
        "entity": "last two blank not written",
        "a": Decimal(1),
        "b": "text",
        "c": None,
        "d": None,
    }
    assert csv_table.rows[6].values == {"entity": "only a name", **dict.fromkeys("abcd")}


def test_csv_line_without_its_last_commas_reads_as_blanks(tmp_path: Path) -> None:
    """`x,1` under a header of five columns is `x,1,,,`: three blank cells, not three missing."""
    short = tmp_path / "short.csv"
    short.write_text("entity,a,b,c,d\nx,1\n", encoding="utf-8")
    commas = tmp_path / "commas.csv"
    commas.write_text("entity,a,b,c,d\nx,1,,,\n", encoding="utf-8")
    assert read_table(short).rows == read_table(commas).rows
    assert read_table(short).rows[0].values == {"entity": "x", "a": "1", **dict.fromkeys("bcd")}


def test_a_value_beyond_the_header_is_still_refused(tmp_path: Path) -> None:
    """Lining rows up to the header does not swallow a value past its last column."""
    path = tmp_path / "wide.xlsx"
    write_xlsx(path, HEADER, [["x", 1, 2, 3, 4, 5]])
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:2:6: a value in column 6, beyond the header's 5 columns"
    ]


# --- scoring: the towns' targets ---------------------------------------------------------------


def _towns() -> tuple[list[str], list[str], dict[str, dict[str, Any]]]:
    """The actual fact keys, the target keys (one with blanks last), and each town's
    facts and targets, from the shipped examples and targets.yaml."""
    import yaml

    rules = qualscore.load_rules(TOWNS)
    targets = [f.key for f in rules.facts if f.role == "target"]
    # jiangsu_brand_applications_target is blank for half the towns: put it last.
    targets.remove("jiangsu_brand_applications_target")
    targets.append("jiangsu_brand_applications_target")
    table = yaml.safe_load((TOWNS / "targets.yaml").read_text(encoding="utf-8"))
    towns: dict[str, dict[str, Any]] = {}
    actual: list[str] = []
    for i, name in enumerate(table["entities"]):
        facts = yaml.safe_load((TOWN_FACTS / f"{name}.yaml").read_text(encoding="utf-8"))
        actual = [k for k in facts if k not in ("entity", "period")]
        given = {k: v[i] if isinstance(v, list) else v for k, v in table["targets"].items()}
        towns[name] = {**{k: facts[k] for k in actual}, **given}
    return actual, targets, towns


def _blank(value: Any, i: int) -> Any:
    """A blank target, as each town's row writes it: never, empty, or valueless."""
    return value if value is not None else (NOT_WRITTEN, EMPTY_TEXT, STYLED_NONE)[i % 3]


def _ranking(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["failed"] == []
    ranking: list[dict[str, Any]] = data["ranking"]
    return ranking


@pytest.fixture(scope="module")
def towns() -> tuple[list[str], list[str], dict[str, dict[str, Any]]]:
    return _towns()


def test_batch_scores_a_facts_table_the_same_from_csv_and_xlsx(
    tmp_path: Path, towns: tuple[list[str], list[str], dict[str, dict[str, Any]]]
) -> None:
    """Every town of a facts table whose last column is a target left blank for half of
    them is scored, and scored the same, from CSV and XLSX; the same as from YAML. (The
    rule set is copied without its targets.yaml: the table alone gives the targets.)"""
    import shutil

    rules = tmp_path / "towns"
    shutil.copytree(TOWNS, rules)
    (rules / "targets.yaml").unlink()
    actual, targets, by_town = towns
    header = ["entity", *actual, *targets]
    rows = [
        [name, *(_blank(facts[k], i) for k in (*actual, *targets))]
        for i, (name, facts) in enumerate(by_town.items())
    ]
    assert sum(r[-1] in BLANKS for r in rows) >= 5
    results = {}
    for kind, write in (("csv", write_csv), ("xlsx", write_xlsx)):
        table = write(tmp_path / f"towns.{kind}", header, rows)
        out = tmp_path / f"{kind}.json"
        code, _, err = run_cli_no_traceback("batch", rules, table, "--quiet", "--jobs", "1", "--out", out)
        assert (code, err) == (0, ""), err[:300]
        results[kind] = _ranking(out)
    assert len(results["xlsx"]) == len(by_town)
    assert results["xlsx"] == results["csv"]
    out = tmp_path / "yaml.json"
    assert run_cli_no_traceback("batch", TOWNS, TOWN_FACTS, "--quiet", "--jobs", "1", "--out", out)[0] == 0
    assert [(r["entity"], r["total"], r["items"]) for r in _ranking(out)] == [
        (r["entity"], r["total"], r["items"]) for r in results["xlsx"]
    ]


def test_target_table_reads_the_same_from_csv_xlsx_and_yaml(
    tmp_path: Path, towns: tuple[list[str], list[str], dict[str, dict[str, Any]]]
) -> None:
    """`--targets` as CSV or XLSX, its last column blank for half the towns (written in
    each of the three ways), gives the scores the shipped targets.yaml gives."""
    _, targets, by_town = towns
    header = ["entity", *targets]
    rows = [
        [name, *(_blank(facts[k], i) for k in targets)]
        for i, (name, facts) in enumerate(by_town.items())
    ]
    rankings = {}
    for kind, write in (("csv", write_csv), ("xlsx", write_xlsx)):
        table = write(tmp_path / f"targets.{kind}", header, rows)
        loaded = load_targets(qualscore.load_rules(TOWNS), table)
        assert all(list(loaded.rows[name]) == targets for name in by_town)
        out = tmp_path / f"{kind}.json"
        code, _, err = run_cli_no_traceback(
            "batch", TOWNS, TOWN_FACTS, "--targets", table, "--quiet", "--jobs", "1", "--out", out
        )
        assert (code, err) == (0, ""), err[:300]
        rankings[kind] = _ranking(out)
    out = tmp_path / "yaml.json"
    assert run_cli_no_traceback("batch", TOWNS, TOWN_FACTS, "--quiet", "--jobs", "1", "--out", out)[0] == 0
    assert rankings["csv"] == rankings["xlsx"] == _ranking(out)
    assert len(rankings["xlsx"]) == len(by_town)


def _province(keys: list[str], counties: int) -> str:
    """A YAML target table of ``counties`` counties, every target given for each, a list
    of values per target."""
    names = [f"县{i:04d}" for i in range(counties)]
    lines = [f"entities: [{', '.join(names)}]", "targets:"]
    lines += [f"  {k}: [{', '.join(str(i % 7) for i in range(counties))}]" for k in keys]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_a_province_sized_yaml_target_table_is_read(tmp_path: Path) -> None:
    """5,000 counties with every one of the towns' 13 targets given (65,000 values, as
    many as 3,000 counties with 20 targets would write): over the 50,000 values a rule or
    facts file may hold, within a target table's bound; the same text read as a facts
    file is refused at that bound."""
    from qualscore.source import yamlfile as _yaml

    towns = qualscore.load_rules(ROOT / "rules" / "rugao-2018-towns")
    keys = sorted({f.key for f in towns.facts if f.role == "target"})
    path = tmp_path / "targets.yaml"
    path.write_text(_province(keys, 5000), encoding="utf-8")
    table = load_targets(towns, str(path))
    assert len(table.rows) == 5000 and len(keys) * 5000 > _yaml.MAX_NODES
    assert table.for_entity("县4999")[keys[0]] == Decimal(4999 % 7)
    with pytest.raises(SourceError, match=f"more than {_yaml.MAX_NODES:,} values in one file"):
        _yaml.load(path)
