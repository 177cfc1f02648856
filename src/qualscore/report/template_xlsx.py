"""Facts templates as workbooks, made to be filled in by hand.

A facts workbook opens on its table (one fact per row, the value to fill in
last) with an instructions sheet before it: what the workbook is, the scheme
and year, how to fill it in, and the departments with how many values each
answers for. A list's workbook is its table alone. In both, each value cell
checks what is typed into it, as the facts check will:

- a boolean offers 是 / 否 (true / false in English) in a drop-down;
- a choice offers its values in a drop-down, listed on a hidden sheet (a list
  written into the rule itself could not hold a comma or a quote);
- a number with a range (a percentage's 0..100 unless declared otherwise, a
  judged item's score) is checked against it, a whole number for a count,
  with a message saying the range before and after.

Every text is a text cell, never a formula (:func:`~qualscore.report.xlsx.texts_as_text`),
and the same rule set gives the same bytes.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from qualscore.catalogue import say
from qualscore.report.template import (
    COLUMNS,
    field_note,
    header,
    identity_rows,
    judged_bounds,
    list_columns,
    provenance_columns,
    rows,
)
from qualscore.report.xlsx import sheet_row, stable_zip, texts_as_text
from qualscore.ruleset.loader import RuleSet, record_fields
from qualscore.ruleset.model import FactDecl, FieldDecl

__all__ = ["Check", "checks", "facts_workbook", "list_workbook"]

Check = tuple[str, ...]
"""What a value cell accepts: ``("flag",)``, ``("choice", KEY)``, or
``(kind, low, high)`` for a ``decimal`` or ``whole`` number, a bound ``""`` where
there is none."""

_WIDTHS = (30, 10, 34, 50, 8, 8, 18, 12)
_EXTRA_WIDTH = 24
_VALUE_FILL = "FFFFF2CC"  # the cells to fill in, shaded as offices shade them (ARGB, opaque)
_GUIDE_WIDTH = 76  # a printed A4 page's width, at 60 Chinese characters a line


def checks(decl: FactDecl | FieldDecl) -> Check | None:
    """What a fact's or a field's value cell accepts; None for text and unbounded numbers."""
    if decl.type == "bool":
        return ("flag",)
    if decl.choices is not None:
        return ("choice", decl.key)
    if decl.type == "text":
        return None
    low, high = decl.bounds
    return _number_check(low, high, whole=decl.type == "count")


def _number_check(low: Decimal | None, high: Decimal | None, *, whole: bool) -> Check | None:
    if low is None and high is None:
        return None
    shown = ["" if b is None else format(b, "f") for b in (low, high)]
    return ("whole" if whole else "decimal", *shown)


def _row_checks(ruleset: RuleSet, keys: Iterable[str]) -> list[Check | None]:
    """Each row's check, by its key: a fact's, or a judged item's score or deduction."""
    judged = ruleset.judged_items()
    facts = {d.key: d for d in ruleset.facts}
    out: list[Check | None] = []
    for key in keys:
        if not key.startswith("judged."):
            out.append(checks(facts[key]))
            continue
        item_id, field = key[len("judged.") :].rsplit(".", 1)
        if field in ("reason", "evidence"):  # text, checked by the facts check alone
            out.append(None)
            continue
        _, shape, low, high, _ = judged[item_id]
        _, least, most = judged_bounds(shape, low, high)
        out.append(_number_check(least, most, whole=False))
    return out


def _validation(check: Check, language: str, choices: dict[str, str]) -> Any:
    """The data validation of one kind of check, its messages in ``language``."""
    from openpyxl.worksheet.datavalidation import DataValidation

    spec: dict[str, Any]
    if check[0] == "flag":
        yes, no = say(language, "template_flag_true"), say(language, "template_flag_false")
        spec = {"type": "list", "formula1": f'"{yes},{no}"'}
        text = say(language, "template_check_flag", yes=yes, no=no)
    elif check[0] == "choice":
        spec = {"type": "list", "formula1": choices[check[1]]}
        text = say(language, "template_check_choice")
    else:
        spec, text = _number_validation(check, language)
    title, error = say(language, "template_check_title"), say(language, "template_check_error")
    return DataValidation(
        **spec, allow_blank=True, showInputMessage=True, showErrorMessage=True,
        promptTitle=title, prompt=text, errorTitle=error, error=text, errorStyle="stop",
    )  # fmt: skip


def _number_validation(check: Check, language: str) -> tuple[dict[str, Any], str]:
    """A number's range check (``between``, or one bound) and the message saying it."""
    kind, low, high = check
    what = say(language, "template_check_whole" if kind == "whole" else "template_check_number")
    if low and high:
        spec = {"operator": "between", "formula1": low, "formula2": high}
        text = say(language, "template_check_between", low=low, high=high, what=what)
    elif low:
        spec = {"operator": "greaterThanOrEqual", "formula1": low}
        text = say(language, "template_check_from", low=low, what=what)
    else:
        spec = {"operator": "lessThanOrEqual", "formula1": high}
        text = say(language, "template_check_to", high=high, what=what)
    return {"type": kind, **spec}, text


def _apply(
    sheet: Any, cells: Iterable[tuple[str, Check | None]], language: str, choices: dict[str, str]
) -> None:
    """One data validation per kind of check, over every cell that has it, in the order
    the kinds first appear (the same workbook, the same bytes)."""
    grouped: dict[Check, list[str]] = {}
    for cell, check in cells:
        if check is not None:
            grouped.setdefault(check, []).append(cell)
    for check, where in grouped.items():
        rule = _validation(check, language, choices)
        for cell in where:
            rule.add(cell)
        sheet.add_data_validation(rule)


def _choice_sheet(
    book: Any, language: str, decls: Iterable[FactDecl | FieldDecl]
) -> dict[str, str]:
    """A hidden sheet listing each choice's values, a column each: key -> its range."""
    from openpyxl.utils import get_column_letter

    found = [d for d in decls if d.choices is not None]
    if not found:
        return {}
    title = say(language, "template_sheet_choices")
    sheet = book.create_sheet(title)
    sheet.sheet_state = "hidden"
    out = {}
    for col, decl in enumerate(found, start=1):
        assert decl.choices is not None
        letter = get_column_letter(col)
        for row, value in enumerate(decl.choices, start=1):
            sheet.cell(row=row, column=col, value=sheet_row([value])[0])
        out[decl.key] = f"'{title}'!${letter}$1:${letter}${len(decl.choices)}"
    return out


def facts_workbook(ruleset: RuleSet, entity: str | None = None) -> bytes:
    """The key/value template as a workbook: instructions, then the table to fill in.

    The header, types, ranges and every word are in the rule set's language.
    """
    from openpyxl import Workbook

    language = ruleset.manifest.language
    book = Workbook()
    guide = book.active
    assert guide is not None
    guide.title = say(language, "template_sheet_guide")
    sheet = book.create_sheet(say(language, "template_sheet_facts"))
    table = [*identity_rows(ruleset, entity), *((*r, None) for r in rows(ruleset, language))]
    _fill_table(sheet, header(ruleset), table)
    fact_keys = [str(r[2]) for r in table[len(identity_rows(ruleset, entity)) :]]
    asked = set(fact_keys)
    choices = _choice_sheet(book, language, (d for d in ruleset.facts if d.key in asked))
    first = 2 + len(table) - len(fact_keys)
    letter = "H"  # the value column: the eighth of COLUMNS
    cells = (f"{letter}{first + i}" for i in range(len(fact_keys)))
    _apply(sheet, zip(cells, _row_checks(ruleset, fact_keys), strict=True), language, choices)
    _write_guide(guide, ruleset, entity, table[len(table) - len(fact_keys) :])
    _open_on(book, sheet)
    return _saved(book)


def _fill_table(sheet: Any, names: tuple[str, ...], table: list[tuple[Any, ...]]) -> None:
    """The header (bold), the rows, the value column shaded, columns sized, header frozen."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.append(names)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table:
        sheet.append(sheet_row(row))
    shade = PatternFill("solid", start_color=_VALUE_FILL, end_color=_VALUE_FILL)
    value = len(COLUMNS)
    for number in range(1, len(table) + 2):
        sheet.cell(row=number, column=value).fill = shade
    for i in range(1, len(names) + 1):
        width = _WIDTHS[i - 1] if i <= len(_WIDTHS) else _EXTRA_WIDTH
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    _print_across(sheet, landscape=True)
    sheet.print_title_rows = "1:1"


def _print_across(sheet: Any, *, landscape: bool) -> None:
    """Print the sheet one page wide (as many pages down as it takes)."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _open_on(book: Any, sheet: Any) -> None:
    """Open the workbook on ``sheet``, its tab alone selected (two selected tabs would be
    grouped, and what is typed into one would go into both)."""
    for other in book.worksheets:
        other.sheet_view.tabSelected = other is sheet
    book.active = book.worksheets.index(sheet)


def _saved(book: Any) -> bytes:
    texts_as_text(book)
    out = io.BytesIO()
    book.save(out)
    return stable_zip(out.getvalue())


def _guide_lines(ruleset: RuleSet, table: list[tuple[Any, ...]]) -> list[str]:
    """The numbered ways to fill the table in, those that apply to this rule set."""
    language = ruleset.manifest.language
    types = {d.type for d in ruleset.facts if d.role != "target"}
    extra = provenance_columns(ruleset)
    col = dict(zip((*COLUMNS, *extra), header(ruleset), strict=True))
    lines = [say(language, "template_guide_rows", sheet=say(language, "template_sheet_facts"),
                 value=col["value"])]  # fmt: skip
    if types - {"bool", "choice"} or any(str(r[2]).startswith("judged.") for r in table):
        lines.append(say(language, "template_guide_numbers", unit=col["unit"]))
        lines.append(say(language, "template_guide_ranges", range=col["range"]))
    if "bool" in types:
        lines.append(say(language, "template_guide_flags"))
    if "choice" in types:
        lines.append(say(language, "template_guide_choices"))
    if extra:
        lines.append(say(language, "template_guide_evidence", evidence=col["evidence"],
                         supplier=col["supplier"], note=col["note"]))  # fmt: skip
    else:
        lines.append(say(language, "template_guide_evidence_apart"))
    if ruleset.judged_items():
        lines.append(say(language, "template_guide_judged"))
    if ruleset.lists:
        keys = ", ".join(d.key for d in ruleset.lists)
        lines.append(say(language, "template_guide_lists", lists=keys))
    return [f"{i}. {line}" for i, line in enumerate(lines, start=1)]


def _write_guide(
    guide: Any, ruleset: RuleSet, entity: str | None, table: list[tuple[Any, ...]]
) -> None:
    """The instructions sheet: the workbook, the scheme, how to fill it in, the departments."""
    from openpyxl.styles import Alignment, Font

    language, title = ruleset.manifest.language, ruleset.manifest.title
    counts: dict[str, int] = {}
    for row in table:
        counts[str(row[0])] = counts.get(str(row[0]), 0) + 1
    big, bold = Font(bold=True, size=14), Font(bold=True)
    said = [
        (say(language, "template_guide_title", title=title), big),
        (say(language, "template_guide_what"), None),
        ("", None),
        (say(language, "template_guide_scheme", title=title, ruleset=ruleset.id), None),
        (say(language, "template_guide_year", year=ruleset.manifest.year), None),
        *([(say(language, "template_guide_entity", entity=entity), None)] if entity else []),
        ("", None),
        (say(language, "template_guide_how"), bold),
        *((line, None) for line in _guide_lines(ruleset, table)),
        ("", None),
        (say(language, "template_guide_departments", count=len(counts)), bold),
    ]
    wrap = Alignment(wrap_text=True, vertical="top")
    for text, font in said:
        guide.append(sheet_row([text]))
        cell = guide.cell(row=guide.max_row, column=1)
        cell.alignment = wrap
        if font is not None:
            cell.font = font
        # Neither Excel nor LibreOffice sizes a wrapped row when it opens the file.
        guide.row_dimensions[guide.max_row].height = _height(text, 14 if font is big else 11)
    _department_counts(guide, language, counts)
    guide.column_dimensions["A"].width = _GUIDE_WIDTH
    guide.column_dimensions["B"].width = 12
    _print_across(guide, landscape=False)


def _department_counts(guide: Any, language: str, counts: dict[str, int]) -> None:
    """Each department, in the table's order, with how many values it fills in."""
    from openpyxl.styles import Font

    guide.append(sheet_row([say(language, "template_col_department"),
                            say(language, "template_guide_count")]))  # fmt: skip
    for cell in guide[guide.max_row]:
        cell.font = Font(bold=True)
    for department, count in counts.items():
        guide.append(sheet_row([department, count]))


def _height(text: str, size: float) -> float:
    """The height of a row wrapping ``text`` in the guide's first column, in points: a
    wide (Chinese) character takes two of the column's character widths."""
    units = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    lines = max(1, -(-units // (_GUIDE_WIDTH - 4)))
    return float(lines * round(size * 1.4))


def list_workbook(ruleset: RuleSet, key: str) -> bytes:
    """A list's table as a workbook: each field's header says its label, type and range in
    a note; each field's cells check what is typed (drop-downs, ranges) for as many
    records as the list may hold."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    decl = next(d for d in ruleset.lists if d.key == key)
    language = ruleset.manifest.language
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = key
    columns = list_columns(ruleset, key)
    sheet.append(columns)
    fields = record_fields(decl, ruleset.subsets.get(key))
    cells: list[tuple[str, Check | None]] = []
    for i, name in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=i)
        cell.font = Font(bold=True)
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = 18 if name in fields or name == "entity" else 24
        field = fields.get(name)
        if field is not None:
            cell.comment = Comment(field_note(field, language), "qualscore")
            cells.append((f"{letter}2:{letter}{decl.max_records + 1}", checks(field)))
    choices = _choice_sheet(book, language, (f for f in fields.values() if f.key in columns))
    _apply(sheet, cells, language, choices)
    sheet.freeze_panes = "A2"
    return _saved(book)
