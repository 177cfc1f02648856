"""Facts templates for departments to fill in: YAML, CSV or XLSX.

Every declared fact (not the targets, which come from a target table) with its
label, type, unit, range and the items it feeds, grouped by the department
that answers for it. A filled template loads as facts as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from .engine import formulas
from .formula import Formula
from .loader import RuleSet
from .model import FactDecl, Part, Shape
from .words import fmt

__all__ = ["rows", "to_csv", "to_xlsx", "to_yaml"]

COLUMNS = ("department", "items", "key", "label", "type", "unit", "range", "value")


def _owners(ruleset: RuleSet) -> dict[str, tuple[list[str], list[str]]]:
    """fact key -> (departments, item ids), in the order the scheme names them."""
    found: dict[str, tuple[list[str], list[str]]] = {}

    def note(names: tuple[str, ...], departments: tuple[str, ...], item_id: str) -> None:
        for name in names:
            deps, items = found.setdefault(name, ([], []))
            deps.extend(d for d in departments if d not in deps)
            if item_id not in items:
                items.append(item_id)

    for item in ruleset.items():
        for part, f in _with_parts(item.score):
            note(
                f.names,
                part.departments if part and part.departments else item.departments,
                item.id,
            )
        if item.not_applicable:
            note(item.not_applicable.when.names, item.departments, item.id)
    bonus = ruleset.manifest.bonus
    if bonus is not None:
        for f in formulas(bonus):
            note(f.names, bonus.departments, "bonus")
    for veto in ruleset.manifest.vetoes:
        note(veto.when.names, veto.departments, veto.id)
    return found


def _with_parts(shape: Shape, part: Part | None = None) -> Iterator[tuple[Part | None, Formula]]:
    from .scoring.shapes import module

    found: Iterator[tuple[Part | None, Formula]] = module(shape.kind).owners(shape, part)
    return found


def _range(decl: FactDecl) -> str:
    if decl.type == "bool":
        return "true / false"
    low, high = decl.bounds
    whole = " (whole number)" if decl.type == "count" else ""
    if low is not None and high is not None:
        return f"{fmt(low)}..{fmt(high)}{whole}"
    if low is not None:
        return f">= {fmt(low)}{whole}"
    return "any number"


def rows(ruleset: RuleSet) -> list[tuple[str, str, str, str, str, str, str]]:
    """(department, items, key, label, type, unit, range) per fact, grouped by department."""
    owners = _owners(ruleset)
    out = []
    for decl in ruleset.facts:
        if decl.role == "target":
            continue
        deps, items = owners.get(decl.key, ([], []))
        out.append(
            (
                "、".join(deps[:1]) or "-",
                " ".join(items),
                decl.key,
                decl.label,
                decl.type,
                decl.unit or "",
                _range(decl),
            )
        )
    order = list(dict.fromkeys(r[0] for r in out))
    return sorted(out, key=lambda r: order.index(r[0]))


def to_yaml(ruleset: RuleSet) -> str:
    """A YAML facts file with every value blank and a comment per fact."""
    lines = [
        f"# {ruleset.manifest.title}: facts template (rule set {ruleset.id}).",
        "# Fill in every value after its key: true or false for yes/no questions, plain",
        "# numbers for the rest (91.5 for 91.5 %). Keep the keys as they are.",
    ]
    department = None
    for dep, items, key, label, kind, unit, span in rows(ruleset):
        if dep != department:
            lines += ["", f"# ── {dep} ──"]
            department = dep
        unit_text = f" {unit}" if unit else ""
        lines.append(f"# {label}｜{kind}{unit_text}｜{span}｜{items}")
        lines.append(f"{key}:")
    return "\n".join(lines) + "\n"


def to_csv(ruleset: RuleSet) -> str:
    """A key/value table with the description of each fact; fill the ``value`` column."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows(ruleset):
        writer.writerow((*row, ""))
    return out.getvalue()


def to_xlsx(ruleset: RuleSet) -> bytes:
    """The CSV template as a workbook, header bold, columns sized."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .report.batch import _stable_zip

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "facts"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(ruleset):
        sheet.append((*row, None))
    for letter, width in zip("ABCDEFGH", (18, 10, 34, 40, 8, 6, 18, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return _stable_zip(out.getvalue())
