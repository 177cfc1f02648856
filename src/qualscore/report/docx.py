"""The Word report (python-docx): the same document as the printed HTML.

A cover, a one-page summary, the item table, each item's explanation once,
page numbers in the footer. Text is set as text (python-docx escapes XML);
characters XML cannot hold are shown as escapes. Same inputs, same bytes:
the document's dates are the report's date, and the package is re-zipped with
fixed timestamps in a fixed order.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from qualscore.report.compare import Comparison, headline, lines
from qualscore.report.document import Document, build, separator
from qualscore.report.safe import sheet_text
from qualscore.scoring.trace import Result

__all__ = ["to_docx"]

FONT = "Noto Sans CJK SC"
MUTED = RGBColor(0x5B, 0x6B, 0x7C)
LOST = RGBColor(0xB3, 0x41, 0x2E)


def to_docx(
    result: Result,
    language: str,
    *,
    report_day: str,
    summary_only: bool = False,
    comparison: Comparison | None = None,
) -> bytes:
    """The Word document of ``result``; ``report_day`` (YYYY-MM-DD) dates it."""
    doc = build(result, language, report_day)
    word = new_document()
    _setup(word, doc, report_day)
    _cover(word, doc)
    if doc.points or comparison is not None:  # a scheme judged only: its cover says it all
        _page_break(word)
        _summary(word, doc)
    if comparison is not None:
        w = doc.w
        _heading(word, w["compare"], 2)
        _para(word, headline(comparison, language))
        changed = [row for row in lines(comparison, language) if row[4] != "0"]
        if changed:
            head = [w["item"], w["title"], w["previous"], w["score"], w["change"]]
            _table(word, head, changed, {2, 3, 4}, _widths(head, changed, wide=1))
    if doc.values and not summary_only:
        _heading(word, doc.w["values"], 1)
        for line in doc.values:  # a list's records indented under their aggregate
            paragraph = _para(word, line.strip() if line.startswith("  ") else line,
                              size=8.5 if line.startswith("  ") else None)  # fmt: skip
            if line.startswith("  "):
                paragraph.paragraph_format.left_indent = Mm(6)
                paragraph.paragraph_format.space_after = Pt(0)
    for title, columns, rows in () if summary_only else doc.members:
        _heading(word, title, 1)
        _table(word, list(columns), rows, set(), _widths(columns, rows))
    if not summary_only:
        _page_break(word)
        _items(word, doc)
        _explanations(word, doc)
    _para(word, doc.fingerprint, size=7, color=MUTED)
    out = io.BytesIO()
    word.save(out)
    return _fixed_zip(out.getvalue())


def _widths(
    head: Sequence[str], rows: Sequence[Sequence[str]], page: int = 174, wide: int = -1
) -> tuple[int, ...]:
    """Column widths (mm) sized to their content: each column as wide as its longest cell
    (a CJK character counting two), at least its header's and at most 60 mm; the column
    ``wide`` (the last by default) takes what is left of the ``page``, at least 30 mm."""
    def width(text: str) -> int:
        return sum(2 if ord(c) > 0x2E7F else 1 for c in text)

    wanted = [max([width(h), *(width(r[i]) for r in rows)]) for i, h in enumerate(head)]
    mm = [min(60, 5 + 2 * w) for w in wanted]
    wide = wide % len(head)
    mm[wide] = max(30, page - sum(mm) + mm[wide])
    return tuple(mm)


def _t(text: str) -> str:
    return sheet_text(text)


def _setup(word: Any, doc: Document, report_day: str) -> None:
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(18))
    section.top_margin, section.bottom_margin = Mm(16), Mm(18)
    normal = word.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(9.5)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), FONT)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        style = word.styles[name]
        style.font.name = FONT
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    when = datetime.fromisoformat(report_day).replace(tzinfo=UTC)
    props = word.core_properties
    props.author = props.last_modified_by = "qualscore"
    props.title = _t(doc.title)
    props.created = props.modified = props.last_printed = when
    props.revision = 1
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, _, rest = doc.w["page"].partition("{page}")
    middle, _, after = rest.partition("{pages}")
    footer.add_run(before)
    _field(footer, "PAGE")
    footer.add_run(middle)
    _field(footer, "NUMPAGES")
    footer.add_run(after)
    for run in footer.runs:
        run.font.size = Pt(8)
        run.font.color.rgb = MUTED


def _field(paragraph: Any, code: str) -> None:
    """A Word field (``PAGE``, ``NUMPAGES``) that Word and LibreOffice fill in."""
    run = paragraph.add_run()
    begin, separate, end = (OxmlElement("w:fldChar") for _ in range(3))
    begin.set(qn("w:fldCharType"), "begin")
    separate.set(qn("w:fldCharType"), "separate")
    end.set(qn("w:fldCharType"), "end")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {code} "
    shown = OxmlElement("w:t")
    shown.text = "1"
    for element in (begin, instr, separate, shown, end):
        run._r.append(element)


def _para(
    word: Any, text: str, *, size: float | None = None, bold: bool = False, color: Any = None,
    style: str | None = None,
) -> Any:
    paragraph = word.add_paragraph(style=style)
    run = paragraph.add_run(_t(text))
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
    return paragraph


def _heading(word: Any, text: str, level: int) -> None:
    word.add_heading(_t(text), level=level)


def _page_break(word: Any) -> None:
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _table(
    word: Any,
    head: list[str],
    rows: Sequence[tuple[str, ...]],
    numeric: set[int],
    widths: tuple[int, ...],
) -> Any:
    table = word.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, text in enumerate(head):
        cell = table.rows[0].cells[i]
        cell.text = _t(text)
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(table.rows[0])
    for row in rows:
        cells = table.add_row().cells
        for i, text in enumerate(row):
            cells[i].text = _t(text)
            if i in numeric:
                cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    table.autofit = False
    for column, mm in zip(table.columns, widths, strict=True):
        column.width = Mm(mm)  # the grid: what LibreOffice lays the columns out by
    for row in table.rows:
        for cell, mm in zip(row.cells, widths, strict=True):
            cell.width = Mm(mm)
    return table


def _repeat_header(row: Any) -> None:
    props = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    props.append(header)


def _cover(word: Any, doc: Document) -> None:
    for _ in range(4):
        word.add_paragraph()
    title = _para(word, doc.title, size=22, bold=True)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    word.add_paragraph()
    table = word.add_table(rows=0, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for key, value in doc.cover:
        cells = table.add_row().cells
        cells[0].text = _t(key)
        cells[1].text = _t(value)
        cells[0].paragraphs[0].runs[0].font.color.rgb = MUTED
        for cell in cells:
            cell.paragraphs[0].runs[0].font.size = Pt(12)
    table.columns[0].width = Mm(40)
    table.columns[1].width = Mm(120)


def _summary(word: Any, doc: Document) -> None:
    w = doc.w
    _heading(word, w["summary"], 1)
    if not doc.points:  # a scheme judged only: the cover gives its verdicts
        return
    _heading(word, w["by_category"], 2)
    head = [w["category"], w["max"], w["score"], w["lost"], w["cap_binds"]]
    _table(
        word,
        head,
        list(doc.categories),
        {1, 2, 3},
        _widths(head, doc.categories, wide=0),
    )
    if doc.losses:
        _heading(word, w["biggest_losses"], 2)
        head = [w["item"], w["title"], w["lost"], w["cost"]]
        _table(word, head, list(doc.losses), {2, 3}, _widths(head, doc.losses, wide=1))
    if doc.departments:
        _heading(word, w["departments_most"], 2)
        _table(
            word,
            [w["department"], w["lost"], w["cost"], w["item"]],
            list(doc.departments),
            {1, 2},
            _widths([w["department"], w["lost"], w["cost"], w["item"]], doc.departments),
        )


def _items(word: Any, doc: Document) -> None:
    """The item table: each item's id links to its explanation, the one place it is
    explained; the assessing department (考核部门) as a column when the scheme names one."""
    w = doc.w
    _heading(word, w["item_table"], 1)
    assessing = {e.id: e.assessing or "" for e in doc.explanations}
    shown = any(assessing.values())
    head = [w["item"], w["title"], *((w["max"], w["score"], w["lost"]) if doc.points else ())]
    head += [w["assessing"]] if shown else []
    rows = [
        (*r[:2], *(r[2:5] if doc.points else ()),
         *((assessing.get(r[0], "") if r[5] in ("item", "na") else "",) if shown else ()))
        for r in doc.rows
    ]  # fmt: skip
    numeric = {2, 3, 4} if doc.points else set()
    anchors = _anchors(doc)
    table = _table(word, head, rows, numeric, _widths(head, rows, wide=1))
    for row, data in zip(table.rows[1:], doc.rows, strict=True):
        if data[5] in ("category", "indicator"):
            for cell in row.cells:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            continue
        item_id = "bonus" if data[0] == w["bonus"] else data[0]
        if item_id in anchors:
            _link(row.cells[0].paragraphs[0], anchors[item_id])
        if doc.points and data[5] == "item" and data[4] not in ("0", ""):
            row.cells[4].paragraphs[0].runs[0].font.color.rgb = LOST


def _anchors(doc: Document) -> dict[str, str]:
    """Each item's bookmark, by the item's place: Word wants a name of letters and
    digits, and an id (``3.1``) need not be one."""
    return {e.id: f"item{n}" for n, e in enumerate(doc.explanations, start=1)}


def _link(paragraph: Any, anchor: str) -> None:
    """The paragraph's runs made a link to the bookmark ``anchor`` in the document."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    for run in list(paragraph.runs):
        run.font.underline = True
        link.append(run._r)  # moves the run inside the link
    paragraph._p.append(link)


def _bookmark(paragraph: Any, anchor: str, number: int) -> None:
    """A bookmark named ``anchor`` around the paragraph (what a link points at)."""
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), anchor)
    end.set(qn("w:id"), str(number))
    paragraph._p.insert(0, start)
    paragraph._p.append(end)


def _explanations(word: Any, doc: Document) -> None:
    w = doc.w
    sep = separator(doc.language)
    _heading(word, w["explanations"], 1)
    anchors = _anchors(doc)
    for number, e in enumerate(doc.explanations):
        shown = w["bonus"] if e.id == "bonus" else e.id
        _bookmark(word.add_heading(_t(f"{shown} {e.title}"), level=3), anchors[e.id], number)
        if doc.points:
            # none lost for the bonus: points not won there are not lost
            key = "score_of_lost" if e.lost else "score_of"
            _para(word, w[key].format(score=e.score, max=e.points, lost=e.lost), bold=True)
        if e.content:
            _labelled(word, w["content"] + sep, e.content)
        _labelled(word, w["criteria"] + sep, e.criteria)
        _labelled(word, w["departments"] + sep, e.departments)
        if e.assessing:
            _labelled(word, w["assessing"] + sep, e.assessing)
        if e.inputs:
            _labelled(word, w["inputs"] + sep, "")
            for line in e.inputs:
                word.add_paragraph(_t(line), style="List Bullet")
        for line in e.lines:
            depth = (len(line) - len(line.lstrip(" "))) // 2
            paragraph = _para(word, line.strip(" "))
            paragraph.paragraph_format.left_indent = Mm(5 * depth)
            paragraph.paragraph_format.space_after = Pt(0)
        if e.next_step:
            _labelled(word, w["next_step"] + sep, e.next_step)


def _labelled(word: Any, label: str, text: str) -> None:
    paragraph = word.add_paragraph()
    run = paragraph.add_run(_t(label))
    run.bold = True
    paragraph.add_run(_t(text))
    paragraph.paragraph_format.space_after = Pt(0)


def _fixed_zip(data: bytes) -> bytes:
    """The package re-zipped: entries in name order, every timestamp 1980-01-01."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    first = [n for n in names if n == "[Content_Types].xml"]
    ordered = first + sorted(n for n in names if n not in first)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in ordered:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return out.getvalue()
