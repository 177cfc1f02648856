"""The batch workbook, streamed: what a person sees of it, whole, against golden dumps;
departments with what they cost the total; exact decimals; the same bytes every time;
memory that does not grow with the entities.

The golden dumps (``tests/golden-xlsx/``) hold every cell of every sheet (value, type,
number format, bold, fill, wrap, quote prefix), the column widths, row heights, merged
cells, the frozen pane, the filter and the print settings. After an intended change,
refresh them and review the diff::

    QUALSCORE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_batch_xlsx.py
    git diff tests/golden-xlsx
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import os
import re
import tracemalloc
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from qualscore.analyst.analysis import departments
from qualscore.batch.cohort import cohort_values
from qualscore.batch.rows import Row, ranking
from qualscore.batch.runner import Outcome, iter_units, score_units, target_items
from qualscore.batch.spill import RowFile
from qualscore.cli.app import main
from qualscore.report import batch as writers
from qualscore.report.xlsx import XlsxLimitError, XlsxLimits
from qualscore.ruleset.loader import load_rules

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden-xlsx"
DAY = "2019-03-01"
SCHEMES = {
    # verdicts, named values, a grade capped by the rank of the total, three groups
    "chengjiang": ("examples/chengjiang-safety", "examples/chengjiang-safety/entities"),
    "demo": ("examples/demo", "examples/demo/facts"),  # English, the scheme's bonus
    "yunhe": ("examples/yunhe-quality", "examples/yunhe-quality/entities"),  # a bonus section
    "qingshui": ("examples/qingshui-rivers", "examples/qingshui-rivers/entities"),  # groups
    "towns": ("rules/rugao-2018-towns", "examples/rugao-2018/towns"),  # targets
}


def scored(name: str) -> tuple[writers.BatchReport, list[Outcome]]:
    """The scheme's shipped entities scored in full (after its cohort values, if it has
    any), and their batch report."""
    rules, inputs = (str(ROOT / p) for p in SCHEMES[name])
    ruleset = load_rules(rules)
    table = ROOT / SCHEMES[name][0] / "targets.yaml"
    targets = str(table) if table.is_file() else None
    cohort, summaries = None, ()
    if ruleset.cohort:
        cohort, summaries = cohort_values(rules, lambda: iter_units([inputs]),
                                          targets_path=targets, entries=True)  # fmt: skip
    found = score_units(rules, iter_units([inputs]), targets_path=targets, detail=True,
                        keep=True, cohort=cohort)  # fmt: skip
    outcomes = [o for o in found if isinstance(o, Outcome)]
    assert all(o.row is not None for o in outcomes), [o.problems for o in outcomes]
    language = ruleset.manifest.language
    return writers.build(ruleset, outcomes, target_items(ruleset), language,
                         cohort=summaries), outcomes  # fmt: skip


def seen(book_bytes: bytes, report: writers.BatchReport) -> str:
    """Everything a person sees of a workbook, one line a sheet's setting or a cell."""
    book = load_workbook(io.BytesIO(book_bytes))
    out = []
    for s in book.worksheets:
        setup = s.page_setup
        out.append(f"== {s.title} freeze={s.freeze_panes} filter={s.auto_filter.ref} "
                   f"titles={s.print_title_rows} {setup.orientation} paper={setup.paperSize} "
                   f"fit={setup.fitToWidth}x{setup.fitToHeight} "
                   f"{s.sheet_properties.pageSetUpPr.fitToPage}")  # fmt: skip
        widths = {k: v.width for k, v in sorted(s.column_dimensions.items()) if v.width}
        heights = {k: v.height for k, v in sorted(s.row_dimensions.items()) if v.height}
        merged = sorted(str(r) for r in s.merged_cells.ranges)
        out.append(f"widths={widths} heights={heights} merged={merged}")
        out += [_cell(c) for row in s.iter_rows() for c in row if c.has_style or c.value is not None]
    text = "\n".join(out) + "\n"
    return text.replace(report.rules_sha256, "RULES-SHA256").replace(
        f"'{report.engine_version}'", "'VERSION'"
    )


def _cell(c: Any) -> str:
    look = [
        "bold" if c.font.b else "",
        f"fill={c.fill.fgColor.rgb}" if c.fill.fill_type else "",
        f"wrap={c.alignment.wrap_text}" if c.alignment.wrap_text else "",
        f"v={c.alignment.vertical}" if c.alignment.vertical else "",
        "quoted" if c.quotePrefix else "",
    ]
    return f"{c.coordinate} {c.data_type} {c.value!r} {c.number_format} {' '.join(filter(None, look))}"


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_the_workbook_as_a_person_sees_it(name: str) -> None:
    """Every sheet, cell, format, width, merge, frozen header and filter, against its dump:
    the shipped examples' workbooks are as they were before streaming, but for the
    departments' sheet (points lost and what they cost), a bonus section's items (no loss)
    and a grouped scheme's explanations (each item's own score)."""
    report, _ = scored(name)
    got = seen(writers.to_xlsx(report, DAY), report)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("QUALSCORE_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    want = path.read_text(encoding="utf-8")
    if got != want:
        diff = difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                    f"golden-xlsx/{name}.txt", "written")  # fmt: skip
        pytest.fail(f"{name}: the workbook differs from its dump:\n{''.join(list(diff)[:60])}")


def test_departments_show_points_lost_and_their_cost_ranked_by_cost() -> None:
    """Each entity's points lost to each department and what they cost its total through
    the caps, as its own report has them; the departments costing the batch most first."""
    report, outcomes = scored("towns")
    sheet = load_workbook(io.BytesIO(writers.to_xlsx(report, DAY)))["各责任单位失分"]
    rows = list(sheet.iter_rows(values_only=True))
    names = [n for n in rows[0][1::2]]
    assert rows[1][1:3] == ("失分", "影响总分")
    totals: dict[str, Decimal] = {}
    for outcome in outcomes:
        assert outcome.result is not None
        line = next(r for r in rows[2:] if r[0] == outcome.entity.name)
        for d in departments(outcome.result):
            at = 1 + 2 * names.index(d.department)
            assert Decimal(str(line[at])) == d.lost and Decimal(str(line[at + 1])) == d.cost
            totals[d.department] = totals.get(d.department, Decimal(0)) + d.cost
    assert [totals.get(n, Decimal(0)) for n in names] == sorted(totals.values(), reverse=True)


def test_a_bonus_section_s_items_lose_nothing() -> None:
    """Unearned points of a bonus section's item are no loss: its lost cell is blank."""
    report, _ = scored("yunhe")
    sheet = load_workbook(io.BytesIO(writers.to_xlsx(report, DAY)))["逐项说明"]
    lost = {(r[0], r[1]): r[5] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert {v for (_, item), v in lost.items() if item == "7"} == {None}  # 质量发展排名加分
    assert any(v for (_, item), v in lost.items() if item != "7")


def test_a_grouped_scheme_explains_each_item_with_its_own_score() -> None:
    """An entity of a group that leaves items out: each explained item shows its own score."""
    report, outcomes = scored("qingshui")
    sheet = load_workbook(io.BytesIO(writers.to_xlsx(report, DAY)))["逐项说明"]
    for name, item, _title, _max, score, *_ in sheet.iter_rows(min_row=2, values_only=True):
        result = next(o.result for o in outcomes if o.entity.name == name)
        assert result is not None
        assert Decimal(str(score)) == result.item(str(item)).score, (name, item)


def test_every_score_is_written_as_its_exact_decimal() -> None:
    """0.07 is written 0.07 (openpyxl would write 0.07000000000000001), 5.00 as 5."""
    report, _ = scored("demo")
    first = report.ranked[0]
    scores = (Decimal("5.00"), *first.row.scores[1:])
    row = dataclasses.replace(first.row, total=Decimal("0.07"), scores=scores)
    report = dataclasses.replace(report, ranked=(dataclasses.replace(first, row=row),))
    with zipfile.ZipFile(io.BytesIO(writers.to_xlsx(report, DAY))) as book:
        summary = book.read("xl/worksheets/sheet1.xml").decode()
        items = book.read("xl/worksheets/sheet2.xml").decode()
    assert re.search(r'<c r="C2" s="\d+" t="n"><v>0.07</v></c>', summary)
    assert re.search(r'<c r="F4" s="\d+" t="n"><v>5</v></c>', items)


def test_the_same_batch_gives_the_same_bytes(tmp_path: Path) -> None:
    """Whatever the order of the inputs or the number of processes."""
    rules, folder = (str(ROOT / p) for p in SCHEMES["towns"])
    files = sorted(str(p) for p in Path(folder).iterdir())
    books = []
    for n, (inputs, jobs) in enumerate([([folder], "1"), ([folder], "2"), (files[::-1], "2")]):
        out = tmp_path / f"{n}.xlsx"
        code = main(["batch", rules, *inputs, "--out", str(out), "--jobs", jobs],
                    stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
        assert code == 0
        books.append(out.read_bytes())
    assert books[0] == books[1] == books[2]


def test_a_limit_met_writes_nothing() -> None:
    """A name longer than a cell holds: refused, and not a byte written."""
    report, _ = scored("demo")
    first = report.ranked[0]
    long = dataclasses.replace(first, row=dataclasses.replace(first.row, name="n" * 300))
    out = io.BytesIO()
    with pytest.raises(XlsxLimitError, match="a text of 300 characters"):
        writers.write_xlsx(dataclasses.replace(report, ranked=(long,)), out,
                           limits=XlsxLimits(cell=200))  # fmt: skip
    assert out.getvalue() == b""


def many(rows: list[Row], count: int) -> RowFile:
    """``count`` entities, copies of ``rows`` under names of their own, kept on disk."""
    kept = RowFile()
    for n in range(count):
        kept.add(dataclasses.replace(rows[n % len(rows)], name=f"e{n:06d}"))
    return kept


def test_memory_does_not_grow_with_the_entities(tmp_path: Path) -> None:
    """Writing 2,000 entities' workbook takes no more memory than writing 200's: one
    entity's rows at a time (the rows read from disk), whatever the count. Counted in
    bytes allocated (tracemalloc), not in seconds."""
    report, outcomes = scored("demo")
    rows = [o.row for o in outcomes if o.row is not None]
    peaks = []
    for count in (200, 2_000):
        with many(rows, count) as kept:
            ranked = dataclasses.replace(report, ranked=kept.ranking())
            tracemalloc.start()
            with (tmp_path / f"{count}.xlsx").open("wb") as out:
                writers.write_xlsx(ranked, out, DAY)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5 + 1_000_000, f"peak {peaks[0]:,} B, then {peaks[1]:,} B"


def test_rows_kept_on_disk_are_ranked_as_in_memory() -> None:
    """Ties, vetoes and groups: the ranking read back from disk is rows.ranking's."""
    base = Row("x", Decimal(0), False, None, "0" * 64, (), (), None)
    cases = [("9", False, None), ("9", False, None), ("7.5", False, None), ("9", True, None),
             ("8", False, "b"), ("8", False, "a"), ("8", False, "b"), ("1", False, "a")]  # fmt: skip
    rows = [
        dataclasses.replace(base, name=f"{n:02d}", total=Decimal(t), vetoed=v, group=g)
        for n, (t, v, g) in enumerate(cases)
    ]
    with RowFile() as kept:
        for row in rows[::-1]:
            kept.add(row)
        assert list(kept.names()) == [r.name for r in rows[::-1]]
        got = [(r.rank, r.row) for r in kept.ranking()]
    assert got == [(r.rank, r.row) for r in ranking(rows)]


def test_rows_are_written_as_spreadsheetml_that_holds_them_exactly(tmp_path: Path) -> None:
    """Each value as openpyxl would write it but for a decimal's digits: a formula-like text
    quote-prefixed (s=1), a wrapped one (s=2), an error code and spaces kept as text, XML's
    characters escaped (a carriage return too), a decimal exact (s=3), a share a percentage
    (s=4), nothing for None and "", a character XML cannot hold shown as its escape."""
    from openpyxl import Workbook

    from qualscore.report.xlsx import CellStyles, Percent, SheetRows

    sheet = Workbook(write_only=True).create_sheet("x")
    rows = SheetRows(str(tmp_path / "rows.xml"), 2, CellStyles(sheet), wrap=(2,))
    rows.add(["=1+1", "wrapped", "#N/A", " lead", "a\rb<&>", Decimal("0.07"),
              Percent("0.9231"), 3, None, "", True, "x\x01\uffff"])  # fmt: skip
    rows.add(["-1", None], styled=False)
    rows.close()
    assert (tmp_path / "rows.xml").read_text(encoding="utf-8") == (
        '<row r="2"><c r="A2" s="1" t="inlineStr"><is><t>=1+1</t></is></c>'
        '<c r="B2" s="2" t="inlineStr"><is><t>wrapped</t></is></c>'
        '<c r="C2" t="inlineStr"><is><t>#N/A</t></is></c>'
        '<c r="D2" t="inlineStr"><is><t xml:space="preserve"> lead</t></is></c>'
        '<c r="E2" t="inlineStr"><is><t>a&#13;b&lt;&amp;&gt;</t></is></c>'
        '<c r="F2" s="3" t="n"><v>0.07</v></c><c r="G2" s="4" t="n"><v>0.9231</v></c>'
        '<c r="H2" t="n"><v>3</v></c><c r="K2" t="b"><v>1</v></c>'
        '<c r="L2" t="inlineStr"><is><t>x\\x01\\uffff</t></is></c></row>'
        '<row r="3"><c r="A3" s="1" t="inlineStr"><is><t>-1</t></is></c></row>'
    )
