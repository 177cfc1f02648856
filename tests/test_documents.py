"""The office's report as DOCX and PDF, opened for real.

The PDF is printed by headless Chromium; the DOCX is converted to PDF by
LibreOffice; poppler's ``pdftotext`` reads the text that comes out. Each is
skipped where the program is missing, and fails instead under
QUALSCORE_REQUIRE_BROWSER=1 / QUALSCORE_REQUIRE_OFFICE=1 (as CI sets them).
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
import zipfile
from pathlib import Path

import pytest

import qualscore
from conftest import ROOT, require_program, run_cli
from qualscore.report.docx import to_docx
from qualscore.report.html import to_html

RULES = ROOT / "rules/rugao-2018"
SAMPLE = ROOT / "examples/rugao-2018/city-sample.yaml"
DAY = "2019-03-01"


@pytest.fixture(scope="module")
def sample() -> qualscore.Result:
    rules = qualscore.load_rules(RULES)
    result = qualscore.evaluate(rules, qualscore.load_facts(rules, SAMPLE))
    return dataclasses.replace(result, entity="如皋市<b>&=1+1", period="2018年度")


def pdftotext(pdf: Path) -> str:
    tool = require_program(("pdftotext",), "pdftotext (poppler-utils)", "QUALSCORE_REQUIRE_OFFICE")
    run = subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, check=True,
                         timeout=120)  # fmt: skip
    return run.stdout.decode("utf-8")


def pages(pdf: Path) -> int:
    text = pdftotext(pdf)
    return text.count("\f")


def evaluate(*args: str) -> tuple[int, str]:
    code, _, err = run_cli("evaluate", RULES, SAMPLE, *args)
    return code, err


def test_docx_is_the_same_bytes_every_time(sample: qualscore.Result) -> None:
    first = to_docx(sample, "zh", report_day=DAY)
    assert first == to_docx(sample, "zh", report_day=DAY)
    book = zipfile.ZipFile(io.BytesIO(first))
    assert {i.date_time for i in book.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = book.read("docProps/core.xml").decode()
    assert "2019-03-01T00:00:00Z" in core
    body = book.read("word/document.xml").decode()
    # Untrusted text is text: escaped by XML, never a field or markup.
    assert "如皋市&lt;b&gt;&amp;=1+1" in body
    assert "<b>" not in body


@pytest.mark.slow  # runs a real browser or office suite
def test_docx_opens_in_libreoffice_and_reads_well(sample: qualscore.Result, tmp_path: Path) -> None:
    office = require_program(("soffice", "libreoffice"), "LibreOffice", "QUALSCORE_REQUIRE_OFFICE")
    source = tmp_path / "report.docx"
    source.write_bytes(to_docx(sample, "zh", report_day=DAY))
    subprocess.run(
        [office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
         "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    text = pdftotext(tmp_path / "report.pdf")
    cover = text.split("\f")[0].replace(" ", "")
    for expected in ("被考核单位", "如皋市<b>&=1+1", "2018年度", "90.39 / 100", "完成", DAY,
                     "第 1 页，共"):  # fmt: skip
        assert expected.replace(" ", "") in cover, expected
    summary = text.split("\f")[1]
    # Ranked by what the losses cost the total after caps, both numbers shown.
    assert "对总分影响最大的失分" in summary and "对总分影响最大的责任单位" in summary
    assert summary.count("影响总分") == 2  # a column of each
    flat = text.replace(" ", "")
    # Each explanation once, with its deciding numbers.
    assert flat.count("四舍五入取整(5.8)−四舍五入取整(7×1000÷1460)") == 1
    assert flat.count("计算值≈1.622222") == 1


@pytest.mark.slow  # runs a real browser or office suite
def test_pdf_is_printed_by_chromium_the_same_every_time(tmp_path: Path) -> None:
    require_program(("chromium", "chromium-browser"), "chromium", "QUALSCORE_REQUIRE_BROWSER")
    one, two = tmp_path / "one.pdf", tmp_path / "two.pdf"
    assert evaluate("--format", "pdf", "--out", str(one), "--date", DAY) == (0, "")
    assert evaluate("--format", "pdf", "--out", str(two), "--date", DAY) == (0, "")
    assert one.read_bytes() == two.read_bytes()
    assert b"/CreationDate (D:20190301000000" in one.read_bytes()
    text = pdftotext(one)
    sheets = text.split("\f")
    assert "90.39 / 100" in sheets[0] and DAY in sheets[0]
    assert "第 1 页，共" in sheets[0]
    assert "各类别得分" in sheets[1]
    flat = text.replace(" ", "")
    assert flat.count("计算值≈1.622222") == 1  # each explanation once


@pytest.mark.slow  # runs a real browser or office suite
def test_summary_only_pdf_is_the_cover_and_one_page(tmp_path: Path) -> None:
    require_program(("chromium", "chromium-browser"), "chromium", "QUALSCORE_REQUIRE_BROWSER")
    out = tmp_path / "s.pdf"
    assert evaluate("--format", "pdf", "--summary-only", "--out", str(out), "--date", DAY)[0] == 0
    assert pages(out) == 2


def test_html_print_has_cover_summary_and_each_explanation_once(
    sample: qualscore.Result,
) -> None:
    html = to_html(sample, "zh", report_day=DAY)
    assert html.count("计算值 ≈ 1.622222") == 1
    assert "如皋市&lt;b&gt;&amp;=1+1" in html and "<b>&=" not in html
    assert "counter(page)" in html and "break-after: page" in html
    assert "否决项</div><div>否决项" not in html
    assert 'class="n na"' not in html or "不适用" in html


def test_documents_need_out_and_a_real_date() -> None:
    assert evaluate("--format", "docx") == (2, "qualscore: --format docx needs --out FILE\n")
    code, err = evaluate("--format", "docx", "--out", "/tmp/never.docx", "--date", "2019-02-30")
    assert code == 2 and err.count("\n") == 1 and "--date" in err
    code, err = evaluate("--summary-only")
    assert code == 2 and err.count("\n") == 1


def test_docx_and_html_keep_hostile_names_as_text(sample: qualscore.Result) -> None:
    hostile = dataclasses.replace(sample, entity='=HYPERLINK("x")\x01<w:t>"</w:t><script>', period="\x07")
    body = zipfile.ZipFile(io.BytesIO(to_docx(hostile, "en", report_day=DAY))).read(
        "word/document.xml"
    ).decode()
    assert "\\x01" in body and "&lt;w:t&gt;" in body and "<script>" not in body
    html = to_html(hostile, "en", report_day=DAY)
    assert "<script>" not in html.split("<script>window")[0]


PAGE_BUDGET = 23
"""The worked case's PDF fits in 21 pages (32 before items stopped leaving half-empty
pages); two more for a font or a Chromium that sets lines a little longer."""


@pytest.mark.slow  # runs a real browser or office suite
def test_pdf_of_the_worked_case_keeps_to_its_page_budget(tmp_path: Path) -> None:
    """The worked case prints in at most PAGE_BUDGET pages, each item on one page."""
    require_program(("chromium", "chromium-browser"), "chromium", "QUALSCORE_REQUIRE_BROWSER")
    out = tmp_path / "r.pdf"
    assert evaluate("--format", "pdf", "--out", str(out), "--date", DAY) == (0, "")
    assert 18 <= pages(out) <= PAGE_BUDGET


def test_print_keeps_items_whole_without_a_page_each(sample: qualscore.Result) -> None:
    """An item is never split across pages, and no item forces a page break of its own."""
    html = to_html(sample, "zh", report_day=DAY)
    print_css = html[html.index("@media print"):html.index("</style>")]
    assert "details.item, .row, tr, .bar { break-inside: avoid; }" in print_css
    assert "break-before" not in print_css
    assert [line for line in print_css.splitlines() if "break-after: page" in line] == [
        "  .cover { break-after: page; padding-top: 30mm; }",
        "  .summary-page { break-after: page; }",
    ]


def test_html_explains_each_item_once_and_the_summary_links_to_it(
    sample: qualscore.Result,
) -> None:
    """Each item has one explanation, anchored by its id; the summary's items link there."""
    html = to_html(sample, "zh", report_day=DAY)
    assert html.count('class="explain"') == 59
    assert html.count('id="item-15"') == 1
    assert html.count('<div class="lines">') == 59
    losses = html[html.index("对总分影响最大的失分"):html.index("对总分影响最大的责任单位")]
    assert '<tr><td><a href="#item-15">15</a></td><td>统计分析开展情况</td>' in losses
    assert '<td><a href="#item-17.2">17.2</a>、<a href="#item-20.2">20.2</a></td>' in html
    assert '<tr class="opportunity"><td><a href="#item-15">15</a> 统计分析开展情况</td>' in html


def test_html_templates_escape_every_untrusted_text(sample: qualscore.Result) -> None:
    """An entity name, period and item text reach the page as text, never as markup."""
    evil = '<img src=x onerror=alert(1)>"\'&'
    hostile = dataclasses.replace(sample, entity=evil, period=evil)
    html = to_html(hostile, "en", report_day=DAY)
    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;&#34;&#39;&amp;") == 5  # title, cover x2, cards x2
    assert html.count("<script>") == 1


def test_docx_links_each_item_to_its_one_explanation(sample: qualscore.Result) -> None:
    """The item table's ids link to bookmarks on the explanations, one per item."""
    body = zipfile.ZipFile(io.BytesIO(to_docx(sample, "zh", report_day=DAY))).read(
        "word/document.xml"
    ).decode()
    assert body.count("<w:bookmarkStart ") == 59
    assert body.count('<w:hyperlink w:anchor="item') == 59
    assert body.count('w:name="item1"') == 1 and body.count('w:anchor="item1"') == 1


def test_docx_sizes_columns_to_content_and_shows_the_assessing_department() -> None:
    """The item table's number columns are as narrow as their numbers, the title takes the
    rest, and an item's assessing department (考核部门) is a column and a line of its own."""
    from docx import Document as Word

    root = ROOT / "examples/county-schools"
    rules = qualscore.load_rules(root)
    result = qualscore.evaluate(rules, qualscore.load_facts(rules, root / "counties/东林县.yaml"))
    word = Word(io.BytesIO(to_docx(result, "zh", report_day=DAY)))
    items = next(t for t in word.tables if t.rows[0].cells[-1].text == "考核部门")
    head = [c.text for c in items.rows[0].cells]
    assert head == ["项目", "内容", "满分", "得分", "失分", "考核部门"]
    widths = [round(c.width.mm) for c in items.columns]
    assert widths[2:5] == [13, 13, 13] and sum(widths) == 174 and widths[1] == max(widths)
    assert "县教育督导室" in [row.cells[-1].text for row in items.rows]
    said = [p.text for p in word.paragraphs]
    assert "考核部门：县教育督导室" in said
