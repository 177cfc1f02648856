"""Batch outputs ready to send: the XLSX laid out, one report per entity, the styled HTML."""

from __future__ import annotations

import io
import json
from pathlib import Path

from openpyxl import load_workbook

from conftest import ROOT, run_cli

TOWNS_RULES = ROOT / "rules/rugao-2018-towns"
TOWNS = ROOT / "examples/rugao-2018/towns"
CITIES = ROOT / "examples/rugao-2018"


def test_xlsx_needs_no_hand_work(tmp_path: Path) -> None:
    book_path = tmp_path / "towns.xlsx"
    assert run_cli("batch", TOWNS_RULES, TOWNS, "--out", book_path)[0] == 0
    book = load_workbook(book_path)
    assert book.sheetnames == [
        "总览", "各项得分", "逐项说明", "各责任单位失分", "目标任务完成情况", "未能评分", "关于本表",
    ]
    for sheet in book.worksheets:
        assert sheet.freeze_panes is not None, sheet.title
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows, sheet.title
    summary = book["总览"]
    assert [c.value for c in summary[1]] == ["名次", "被考核单位", "总分", "否决项", "考核结果",
                                             "目标完成率"]  # fmt: skip
    assert summary.auto_filter.ref == "A1:F15"
    assert summary["F2"].number_format == "0.00%" and float(summary["F2"].value) == 0.9231
    assert summary.column_dimensions["B"].width >= 20  # the longest name fits
    items = book["各项得分"]
    assert items["G2"].value == "江苏名牌申报数"
    assert items.freeze_panes == "G4"


def test_failed_entities_have_their_sheet(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("credit_reports: many\n", encoding="utf-8")
    book_path = tmp_path / "cities.xlsx"
    code, _, _ = run_cli("batch", ROOT / "rules/rugao-2018", CITIES / "city-b.yaml", bad,
                     "--out", book_path)  # fmt: skip
    assert code == 1
    failed = load_workbook(book_path)["未能评分"]
    rows = list(failed.iter_rows(values_only=True))
    assert rows[0] == ("被考核单位", "来源", "原因")
    assert rows[1][0] == "bad" and "credit_reports" in rows[1][2]


def test_one_report_per_entity(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    code, _, _ = run_cli("batch", ROOT / "rules/rugao-2018", CITIES, "--per-entity", folder,
                     "--per-entity-format", "json")  # fmt: skip
    assert code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["city-b.json", "city-sample.json"]
    doc = json.loads((folder / "city-sample.json").read_text(encoding="utf-8"))
    assert doc["entity"] == "city-sample" and doc["total"] == "90.39"


def test_batch_html_is_styled_like_the_report(tmp_path: Path) -> None:
    page = tmp_path / "towns.html"
    assert run_cli("batch", TOWNS_RULES, TOWNS, "--out", page)[0] == 0
    html = page.read_text(encoding="utf-8")
    assert "--ink:" in html and '<html lang="zh-CN">' in html
    assert "<th>被考核单位</th>" in html


def test_per_entity_file_names_stay_in_the_folder(tmp_path: Path) -> None:
    from tests.hostile.attacks_batch import city_table

    table = city_table(tmp_path / "c.csv", ["../up", ".hidden", "a:b", "A", "a"])
    folder = tmp_path / "out"
    code, _, err = run_cli("batch", ROOT / "rules/rugao-2018", table, "--per-entity", folder,
                       "--per-entity-format", "markdown")  # fmt: skip
    assert code == 0, err
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(["_up.md", "hidden.md", "a_b.md", "A.md", "a-2.md"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "out"]


def test_progress_bar_on_a_terminal_shows_count_rate_and_eta() -> None:
    import time

    from qualscore.cli.common import progress as _progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    with _progress(60, err, quiet=False) as advance:
        for _ in range(60):
            advance(1)
            time.sleep(0.002)
    shown = err.getvalue()
    assert "60/60" in shown and "/s" in shown
    piped = io.StringIO()
    with _progress(60, piped, quiet=False) as advance:
        assert advance is None
    assert piped.getvalue() == ""


def test_batch_html_links_each_entity_to_its_report_safely(tmp_path: Path) -> None:
    """Entities' names are the senders': each link is a relative URL, every part of it
    percent-encoded (no markup, scheme, query or fragment of a name survives), and it
    reaches the report written for that entity."""
    import re
    from urllib.parse import unquote

    from tests.hostile.attacks_batch import city_table

    names = ["<script>alert(1)</script>", 'a"b&c', "x#y?z", "javascript:alert(1)", "%2e%2e",
             "../up", "市 一"]  # fmt: skip
    table = city_table(tmp_path / "c.csv", names)
    folder = tmp_path / "r e#p"
    page = tmp_path / "page.html"
    code, _, err = run_cli("batch", ROOT / "rules/rugao-2018", table, "--per-entity", folder,
                       "--out", page)  # fmt: skip
    assert (code, err) == (0, "")
    html = page.read_text(encoding="utf-8")
    links = re.findall(r'<td><a href="([^"]*)">(.*?)</a></td>', html)
    assert links == [
        ("r%20e%23p/%252e%252e.html", "%2e%2e"),
        ("r%20e%23p/_up.html", "../up"),
        ("r%20e%23p/_script_alert%281%29__script_.html",
         "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("r%20e%23p/a_b%26c.html", "a&#34;b&amp;c"),
        ("r%20e%23p/javascript_alert%281%29.html", "javascript:alert(1)"),
        ("r%20e%23p/x%23y_z.html", "x#y?z"),
        ("r%20e%23p/%E5%B8%82%20%E4%B8%80.html", "市 一"),
    ]  # fmt: skip
    assert "<script>" not in html
    for href, _ in links:
        assert (tmp_path / unquote(href)).is_file(), href


def test_batch_html_without_reports_alongside_links_nothing(tmp_path: Path) -> None:
    """A batch HTML with no --per-entity reports alongside links no entity."""
    page = tmp_path / "page.html"
    assert run_cli("batch", ROOT / "rules/rugao-2018", CITIES, "--out", page)[0] == 0
    assert "<a href" not in page.read_text(encoding="utf-8")


def test_no_report_module_escapes_html_by_hand() -> None:
    """Every HTML page is rendered from an autoescaped template: no module of the reports
    calls ``escape(`` or imports ``html.escape``."""
    import re

    by_hand = re.compile(
        r"(?<![\w.])escape\(|\bhtml\.escape\b|^\s*(from html import|import html\b)"
    )
    modules = sorted((ROOT / "src/qualscore/report").glob("*.py"))
    assert "batch.py" in {m.name for m in modules}
    found = [
        f"{m.name}:{n}: {line.strip()}"
        for m in modules
        for n, line in enumerate(m.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line)
    ]
    assert found == []


def test_batch_html_names_an_entity_not_scored_as_text(tmp_path: Path) -> None:
    """An entity not scored is listed with its name, its source and its problem as text:
    the markup and the quotes a department sent are escaped, nothing of them runs."""
    from tests.hostile.attacks_batch import city_table, column

    name = "<i>bad</i> & 'co'"
    table = city_table(tmp_path / "c.csv", ["ok", name],
                       {name: ("credit_reports", '<script>x</script>"')})  # fmt: skip
    page = tmp_path / "page.html"
    assert run_cli("batch", ROOT / "rules/rugao-2018", table, "--out", page)[0] == 1
    html = page.read_text(encoding="utf-8")
    assert (
        "<tr><td>&lt;i&gt;bad&lt;/i&gt; &amp; &#39;co&#39;</td>"
        f"<td>{table}:3</td><td>{table}:3:{column('credit_reports')}: credit_reports: expected "
        "a number, got &#39;&lt;script&gt;x&lt;/script&gt;&#34;&#39;</td></tr></tbody></table>\n"
        "<footer>"
    ) in html
    assert "<script>" not in html and "<i>" not in html


def test_batch_html_comparison_names_each_entity_as_text(tmp_path: Path) -> None:
    """Compared with last year, each entity's folded items are headed by its name as text,
    its markup escaped, the ranking's row beside it giving the totals then."""
    from tests.hostile.attacks_batch import city_table

    table = city_table(tmp_path / "c.csv", ["<script>alert(1)</script>", "it's"])
    rules = ROOT / "rules/rugao-2018"
    last = tmp_path / "last.json"
    assert run_cli("batch", rules, table, "--out", last)[0] == 0
    page = tmp_path / "page.html"
    code, _, err = run_cli("batch", rules, table, "--out", page, "--compare", last)
    assert (code, err) == (0, "")
    html = page.read_text(encoding="utf-8")
    summaries = [line.split("</summary>")[0] for line in html.splitlines()
                 if line.startswith("<details>")]  # fmt: skip
    assert summaries == [
        "<details><summary>&lt;script&gt;alert(1)&lt;/script&gt;：总分 90.39 → 90.39（0）",
        "<details><summary>it&#39;s：总分 90.39 → 90.39（0）",
    ]
    assert (
        '<tr><td class="n">1</td><td>it&#39;s</td><td class="n">90.39</td><td>完成</td>'
        '<td class="n">90.39</td><td class="n">0</td><td class="n">1</td></tr>'
    ) in html
    assert "<script>" not in html
