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

from conftest import ROOT
from qualscore.analyst.analysis import departments
from qualscore.batch.cohort import cohort_values
from qualscore.batch.rows import Row, ranking
from qualscore.batch.runner import Outcome, iter_units, score_units, target_items
from qualscore.batch.spill import RowFile
from qualscore.cli.app import main
from qualscore.report import batch as writers
from qualscore.report.xlsx import XlsxLimitError, XlsxLimits
from qualscore.ruleset.loader import load_rules

GOLDEN = ROOT / "tests" / "golden-xlsx"
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
        out += [
            _cell(c) for row in s.iter_rows() for c in row if c.has_style or c.value is not None
        ]
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
    return (
        f"{c.coordinate} {c.data_type} {c.value!r} {c.number_format} {' '.join(filter(None, look))}"
    )


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


@pytest.mark.slow
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
    quote-prefixed (s=1, aligned to the top beside a wrapped text), a wrapped one (s=2), an
    error code and spaces kept as text (s=3: aligned to the top), XML's characters escaped
    (a carriage return too), a decimal exact (s=4), a share a percentage (s=5), nothing for
    None and "", a character XML cannot hold shown as its escape; an unstyled row's
    formula-like text quote-prefixed only (s=6)."""
    from openpyxl import Workbook

    from qualscore.report.xlsx import CellStyles, Percent, SheetRows

    sheet = Workbook(write_only=True).create_sheet("x")
    rows = SheetRows(str(tmp_path / "rows.xml"), 2, CellStyles(sheet), wrap={2: 10})
    rows.add(["=1+1", "wrapped", "#N/A", " lead", "a\rb<&>", Decimal("0.07"),
              Percent("0.9231"), 3, None, "", True, "x\x01\uffff"])  # fmt: skip
    rows.add(["-1", None], styled=False)
    rows.close()
    assert (tmp_path / "rows.xml").read_text(encoding="utf-8") == (
        '<row r="2"><c r="A2" s="1" t="inlineStr"><is><t>=1+1</t></is></c>'
        '<c r="B2" s="2" t="inlineStr"><is><t>wrapped</t></is></c>'
        '<c r="C2" s="3" t="inlineStr"><is><t>#N/A</t></is></c>'
        '<c r="D2" s="3" t="inlineStr"><is><t xml:space="preserve"> lead</t></is></c>'
        '<c r="E2" s="3" t="inlineStr"><is><t>a&#13;b&lt;&amp;&gt;</t></is></c>'
        '<c r="F2" s="4" t="n"><v>0.07</v></c><c r="G2" s="5" t="n"><v>0.9231</v></c>'
        '<c r="H2" s="3" t="n"><v>3</v></c><c r="K2" s="3" t="b"><v>1</v></c>'
        '<c r="L2" s="3" t="inlineStr"><is><t>x\\x01\\uffff</t></is></c></row>'
        '<row r="3"><c r="A3" s="6" t="inlineStr"><is><t>-1</t></is></c></row>'
    )


def test_a_wrapped_text_s_lines_are_counted_as_a_spreadsheet_breaks_them() -> None:
    """A CJK character is twice a Latin one, a word stays whole where it fits, a word
    longer than a line is broken, each line break starts a line, an empty text is a line;
    a CJK text never takes fewer lines than it is counted."""
    from qualscore.report.sheet_layout import text_lines

    # Width 6: 7 × 6 + 2 = 44 pixels hold three CJK characters (14⅔ each), six digits.
    assert [text_lines(t, 6) for t in ("", "江苏名", "江苏名牌", "123456", "1234567")] == [
        1, 1, 2, 1, 2,
    ]  # fmt: skip
    assert text_lines("江苏名\n\n牌", 6) == 3
    assert text_lines("word " * 20, 10) == 10  # two words a line: a third would not fit
    assert text_lines("x" * 100, 10) == 10  # ten a line, the word broken
    # CJK text: full lines but for the longest word (here 4 characters) on each, so never
    # fewer than shown: 28 a line in 60 columns, 210 in 8 lines; 4 where 3 lines hold it.
    assert text_lines("每项均已完成，" * 30, 60) == 8
    assert text_lines("一二三四五六七八九十 word", 10) == 4


def test_a_row_is_as_tall_as_its_lines_up_to_the_tallest_row() -> None:
    """16 points a line; no row taller than the 409 points a row can be."""
    from qualscore.report.sheet_layout import row_height

    assert [row_height(n) for n in (1, 3, 25, 26, 1000)] == [16.0, 48.0, 400.0, 409.0, 409.0]


def test_a_long_explanation_wraps_in_a_row_tall_enough_to_show_it_whole() -> None:
    """The explanation's cell wraps (60 wide), its row is as tall as its lines, and the
    cells beside it are aligned to the top, so that the row reads from its top."""
    report, _ = scored("demo")
    first = report.ranked[0]
    assert first.row.notes is not None
    long = "每项均已完成，" * 30  # 210 CJK characters: 28 a line in 60 columns, 8 lines
    notes = ((first.row.notes[0][0], long, first.row.notes[0][2]), *first.row.notes[1:])
    row = dataclasses.replace(first.row, notes=notes)
    report = dataclasses.replace(report, ranked=(dataclasses.replace(first, row=row),))
    sheet = load_workbook(io.BytesIO(writers.to_xlsx(report, DAY)))["Items explained"]
    assert sheet["G2"].value == long
    assert (sheet.column_dimensions["G"].width, sheet.row_dimensions[2].height) == (60, 128)
    assert (sheet["G2"].alignment.wrap_text, sheet["G2"].alignment.vertical) == (True, "top")
    assert (sheet["A2"].alignment.wrap_text, sheet["A2"].alignment.vertical) == (None, "top")


def test_a_sheet_fits_one_page_wide_only_where_it_stays_readable() -> None:
    """A4 landscape, the header rows on every page; one page wide up to 1,646 pixels of
    columns (printed at 60% or more: 35 columns six wide), else full size over several
    pages, the columns left of the frozen pane repeated on each."""
    from openpyxl import Workbook

    from qualscore.report.sheet_layout import print_setup

    book = Workbook()
    narrow, wide = book.active, book.create_sheet("wide")
    print_setup(narrow, [6.0] * 35, rows=1, columns=2)  # 35 × 47 = 1,645 pixels
    print_setup(wide, [6.0] * 36, rows=3, columns=5)  # 1,692 pixels
    got = [
        (s.page_setup.orientation, s.page_setup.paperSize, s.sheet_properties.pageSetUpPr.fitToPage,
         s.page_setup.fitToWidth, s.page_setup.fitToHeight, s.print_title_rows, s.print_title_cols)
        for s in (narrow, wide)
    ]  # fmt: skip
    assert got == [
        ("landscape", 9, True, 1, 0, "$1:$1", None),
        ("landscape", 9, False, None, None, "$1:$3", "$A:$E"),
    ]


def test_the_score_sheet_of_a_wide_scheme_runs_over_pages_with_its_first_columns() -> None:
    """rugao-2018's 64 columns (59 items): the score sheet prints full size, its five first
    columns and three header rows on every page; its summary still fits one page wide."""
    rules = load_rules(str(ROOT / "rules/rugao-2018"))
    report = writers.build(rules, [], target_items(rules), "zh")
    book = load_workbook(io.BytesIO(writers.to_xlsx(report, DAY)))
    items, summary = book["各项得分"], book["总览"]
    assert (len(report.items), items.max_column) == (59, 64)
    assert (items.sheet_properties.pageSetUpPr.fitToPage, items.print_titles) == (
        False, "'各项得分'!$1:$3,'各项得分'!$A:$E",
    )  # fmt: skip
    assert (summary.sheet_properties.pageSetUpPr.fitToPage, summary.page_setup.fitToWidth) == (
        True, 1,
    )  # fmt: skip


def test_the_summary_ranks_each_entity_by_each_cohort_rank() -> None:
    """A column per cohort value that ranks entities (rank, reverse rank), headed by its
    label, after the categories and before the group and grade (which stay last), each
    entity's rank a whole number; tied entities share theirs."""
    report, _ = scored("yunhe")
    rows = list(load_workbook(io.BytesIO(writers.to_xlsx(report, DAY)))["总览"].values)
    assert rows[0][9:] == ("抽查合格率全县排名", "质量投诉倒数排名", "质量发展得分排名")
    assert {r[1]: r[9:] for r in rows[1:9]} == {
        "东岭镇": (2, 6, 1), "红桥镇": (4, 5, 2), "西溪镇": (4, 3, 4), "青石镇": (6, 3, 3),
        "白沙乡": (8, 1, 6), "金塘乡": (1, 8, 5), "北山乡": (7, 2, 6), "南湖镇": (2, 7, 7),
    }  # fmt: skip


def test_an_entity_not_ranked_by_a_cohort_value_has_a_blank_rank() -> None:
    """An entity without a cohort value (left out of it) shows no rank there, not 0."""
    report, _ = scored("yunhe")
    first = report.ranked[0]
    row = dataclasses.replace(first.row, cohort=tuple(c for c in first.row.cohort
                                                      if c[0] != "pass_rank"))  # fmt: skip
    report = dataclasses.replace(report, ranked=(dataclasses.replace(first, row=row),))
    rows = list(load_workbook(io.BytesIO(writers.to_xlsx(report, DAY)))["总览"].values)
    assert rows[1][1:] == ("东岭镇", 50, "否", "已评定", 29, 18, 0, 3, None, 6, 1)


def test_the_summary_gives_each_category_s_score_as_capped() -> None:
    """A column per category (and the scheme's bonus), headed by its title and points,
    each entity's score there as the engine capped it: with the bonus they add up to the
    total; rugao's columns are its four categories and its bonus."""
    report, _ = scored("yunhe")
    rows = list(load_workbook(io.BytesIO(writers.to_xlsx(report, DAY)))["总览"].values)
    assert rows[0][5:9] == ("质量发展（30分）", "质量基础（20分）", "质量投诉扣分（2分）",
                            "综合加分（3分）")  # fmt: skip
    assert [r[5:9] for r in rows[1:4]] == [(29, 18, 0, 3), (25.33, 20, 0, 2.5),
                                           (23.67, 16, -1, 1.5)]  # fmt: skip
    assert all(sum(Decimal(str(v)) for v in r[5:9]) == Decimal(str(r[2])) for r in rows[1:9])
    ruleset = load_rules(ROOT / "rules" / "rugao-2018")
    assert writers.category_columns(ruleset)[0] == ("质量宏观管理", "质量宏观管理", Decimal(23))
    assert writers.category_columns(ruleset)[-1] == ("bonus", "加分项", Decimal(5))


def test_a_category_that_does_not_apply_to_the_entity_s_group_is_blank() -> None:
    """A town has no score in the key departments' own category: blank, not 0."""
    report, _ = scored("qingshui")
    rows = list(load_workbook(io.BytesIO(writers.to_xlsx(report, DAY)))["总览"].values)
    assert rows[0][5:10] == ("共性指标（40分）", "重点部门个性指标（60分）", "乡镇个性指标（60分）",
                             "加分项", "扣分项")  # fmt: skip
    assert {r[1]: r[5:10] for r in rows[1:5]} == {
        "东湖镇": (34, None, 53, 4, -6), "西山乡": (13, None, 10, 0, -15),
        "县水利局": (38, 52, None, 2, -5), "县生态环境局": (32, 54, None, 0, 0),
    }  # fmt: skip


def test_the_score_sheet_names_each_entity_s_group_its_rank_is_within() -> None:
    """Ranks 1, 2, 1, 2 read with their groups beside them."""
    report, _ = scored("qingshui")
    rows = list(load_workbook(io.BytesIO(writers.to_xlsx(report, DAY)))["各项得分"].values)
    assert rows[0][5] == "组别"
    assert [(r[0], r[1], r[5]) for r in rows[3:]] == [
        (1, "东湖镇", "乡镇"), (2, "西山乡", "乡镇"),
        (1, "县水利局", "重点部门"), (2, "县生态环境局", "重点部门"),
    ]  # fmt: skip


def test_a_department_s_name_shows_whole_over_its_two_columns() -> None:
    """A department's name, merged over its two columns, wraps in a row as tall as it
    takes there (16 columns wide: seven CJK characters a line, two lines)."""
    report, _ = scored("towns")
    name = "市质量强市工作领导小组办公室"  # 14 CJK characters
    ranked = []
    for r in report.ranked:
        losses = tuple((name, lost) for _, lost in r.row.losses or ())
        costs = tuple((name, cost) for _, cost in r.row.costs or ())
        ranked.append(dataclasses.replace(r, row=dataclasses.replace(r.row, losses=losses,
                                                                     costs=costs)))  # fmt: skip
    report = dataclasses.replace(report, ranked=tuple(ranked))
    sheet = load_workbook(io.BytesIO(writers.to_xlsx(report, DAY)))["各责任单位失分"]
    assert (sheet["B1"].value, sheet["B1"].alignment.wrap_text) == (name, True)
    assert [str(m) for m in sheet.merged_cells.ranges] == ["B1:C1"]
    assert (sheet.column_dimensions["B"].width + sheet.column_dimensions["C"].width,
            sheet.row_dimensions[1].height) == (16, 32)  # fmt: skip


def test_what_a_department_sends_stays_text_in_the_new_columns() -> None:
    """A name or a group that reads as a formula is a quote-prefixed text in the summary
    and beside the ranks of the score sheet, never a formula."""
    report, _ = scored("qingshui")
    first = report.ranked[0]
    row = dataclasses.replace(first.row, name="=1+1", group='=HYPERLINK("x")')
    report = dataclasses.replace(report, ranked=(dataclasses.replace(first, row=row),))
    book = load_workbook(io.BytesIO(writers.to_xlsx(report, DAY)))
    cells = [book["总览"]["B2"], book["总览"]["K2"], book["各项得分"]["B4"],
             book["各项得分"]["F4"]]  # fmt: skip
    assert [(c.value, c.data_type, c.quotePrefix) for c in cells] == [
        ("=1+1", "s", True), ('=HYPERLINK("x")', "s", True),
        ("=1+1", "s", True), ('=HYPERLINK("x")', "s", True),
    ]  # fmt: skip
