"""Facts templates for departments to fill in: YAML, CSV or XLSX.

Every declared fact (not the targets, which come from a target table) with its
label, type, unit, range and the items it feeds, grouped by the department
that answers for it. A filled template loads as facts as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from qualscore.catalogue import say
from qualscore.facts.check import PROVENANCE
from qualscore.report.safe import csv_text, visible_line
from qualscore.ruleset.formula import Formula
from qualscore.ruleset.loader import RuleSet, record_fields
from qualscore.ruleset.model import FactDecl, FieldDecl, Part, Shape, formulas_in
from qualscore.scoring.engine import formulas
from qualscore.scoring.words import fmt

__all__ = [
    "COLUMNS",
    "field_note",
    "header",
    "identity_rows",
    "judged_bounds",
    "list_columns",
    "list_csv",
    "list_xlsx",
    "needs_evidence",
    "provenance_columns",
    "rows",
    "span",
    "to_csv",
    "to_xlsx",
    "to_yaml",
]

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
        if item.verdict is not None:  # what its verdict reads (an item judged only: all)
            note(item.verdict.met.names, item.departments, item.id)
    bonus = ruleset.manifest.bonus
    if bonus is not None:
        for f in formulas(bonus):
            note(f.names, bonus.departments, "bonus")
    for veto, applies in zip(ruleset.manifest.vetoes, ruleset.vetoes_applying(), strict=True):
        if applies:
            note(veto.when.names, veto.departments, veto.id)
    # A fact a cohort value or a named value is worked out of belongs to the items that
    # read that value (a named value may read a cohort value, and the other way round:
    # passed on until nothing changes).
    derived = [d for level in ruleset.cohort_levels for d in level] + list(ruleset.values)
    for _ in range(len(derived) + 1):
        before = {k: (len(v[0]), len(v[1])) for k, v in found.items()}
        for decl in derived:
            if decl.key in found:
                deps, items = found[decl.key]
                for item_id in list(items):
                    for formula in formulas_in(decl):  # of, weight, when; expr
                        note(formula.names, tuple(deps), item_id)
        if before == {k: (len(v[0]), len(v[1])) for k, v in found.items()}:
            break
    return found


def _with_parts(shape: Shape, part: Part | None = None) -> Iterator[tuple[Part | None, Formula]]:
    from qualscore.scoring.shapes import module

    found: Iterator[tuple[Part | None, Formula]] = module(shape.kind).owners(shape, part)
    return found


def _range(decl: FactDecl | FieldDecl, language: str = "en") -> str:
    """What a fact or field may be, in ``language``: 是 / 否, its choices, its range."""
    if decl.type == "bool":
        return f"{say(language, 'template_flag_true')} / {say(language, 'template_flag_false')}"
    if decl.type == "text":
        return say(language, "template_range_text")
    if decl.choices is not None:
        return " / ".join(decl.choice_text(c) for c in decl.choices)
    low, high = decl.bounds
    return span(language, low, high, whole=decl.type == "count")


def span(language: str, low: Decimal | None, high: Decimal | None, *, whole: bool = False) -> str:
    """A range as the template writes it: ``0..100``, ``>= 0`` (``0 至 100``, ``不小于 0``)."""
    said = say(language, "template_range_whole") if whole else ""
    if low is not None and high is not None:
        return say(language, "template_range_between", low=fmt(low), high=fmt(high), whole=said)
    if low is not None:
        return say(language, "template_range_from", low=fmt(low), whole=said)
    if high is not None:
        return say(language, "template_range_to", high=fmt(high), whole=said)
    return say(language, "template_range_any")


def judged_bounds(
    shape: Any, low: Decimal | None, high: Decimal
) -> tuple[str, Decimal | None, Decimal | None]:
    """A judged item's field (``score`` or ``deduction``) and the range it is given in."""
    if shape.give == "deduction":
        return "deduction", Decimal(0), (high - low if low is not None else None)
    return "score", low, high


def for_entity(ruleset: RuleSet, name: str | None) -> tuple[RuleSet, str | None]:
    """The rule set as it applies to an entity, or to a group (its first member), and the
    entity's name (None for a group: each member writes its own)."""
    if name is None:
        return ruleset, None
    for group in ruleset.manifest.groups:
        if name == group.id:
            return ruleset.view(group.members[0]), None
    return ruleset.view(name), name


def _judged_rows(ruleset: RuleSet, language: str = "en") -> list[tuple[str, ...]]:
    """Three rows per judged item or part: its score (or deduction), the reason, the
    evidence; under the department that assesses it (a part's own, else its item's)."""
    out: list[tuple[str, ...]] = []
    for item_id, judged in ruleset.judged_items().items():
        item, shape, low, high, part = judged
        deps = (part.assessing, *part.departments) if part is not None else ()
        dep = next((d for d in deps if d), None) or item.assessing or item.departments[0]
        field, least, most = judged_bounds(shape, low, high)
        given = span(language, least, most)
        if shape.default == "full":
            given += say(language, "template_judged_full")
        title = judged.title
        named = {f: say(language, f"template_judged_{f}") for f in (field, "reason", "evidence")}
        reason = say(language, f"template_judged_{shape.reason}")
        optional = say(language, "template_judged_optional")
        number = say(language, "template_type_number")
        text = say(language, "template_type_text")
        out += [
            (dep, item_id, f"judged.{item_id}.{field}", f"{title}（{named[field]}）", number,
             "分", given),
            (dep, item_id, f"judged.{item_id}.reason", f"{title}（{named['reason']}）", text, "",
             reason),
            (dep, item_id, f"judged.{item_id}.evidence", f"{title}（{named['evidence']}）", text,
             "", optional),
        ]  # fmt: skip
    return out


def rows(ruleset: RuleSet, language: str = "en") -> list[tuple[str, ...]]:
    """(department, items, key, label, type, unit, range) per fact, grouped by department;
    then three rows per judged item (score, reason, evidence). The type and range are
    written in ``language``."""
    owners = _owners(ruleset)
    out: list[tuple[str, ...]] = []
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
                say(language, f"template_type_{decl.type}"),
                decl.unit or "",
                _range(decl, language),
            )
        )
    order = list(dict.fromkeys(r[0] for r in out))
    return sorted(out, key=lambda r: order.index(r[0])) + _judged_rows(ruleset, language)


def header(ruleset: RuleSet) -> tuple[str, ...]:
    """A key/value table's column names, in the rule set's language: the columns of
    :data:`COLUMNS`, then the provenance columns if the rule set asks for them."""
    names = (*COLUMNS, *provenance_columns(ruleset))
    return tuple(say(ruleset.manifest.language, f"template_col_{name}") for name in names)


def _head(ruleset: RuleSet, entity: str | None) -> list[str]:
    """``entity`` and ``period`` lines, for a rule set that names whom it assesses."""
    if not ruleset.manifest.groups:
        return []
    who = f'entity: "{visible_line(entity)}"' if entity else "entity:"
    return ["", who, f"period: {ruleset.manifest.year}"]


def to_yaml(ruleset: RuleSet, entity: str | None = None) -> str:
    """A YAML facts file with every value blank and a comment per fact; the judged items
    under ``judged``, with their score (or deduction), reason and evidence blank."""
    lines = [
        f"# {visible_line(ruleset.manifest.title)}: facts template (rule set {ruleset.id}).",
        "# Fill in every value after its key: true or false for yes/no questions, plain",
        "# numbers for the rest (91.5 for 91.5 %). Keep the keys as they are.",
        *(
            ["# A choice: one of the values listed after its label (or the words in brackets)."]
            if any(d.choices for d in ruleset.facts)
            else []
        ),
        *_head(ruleset, entity),
    ]
    department = None
    judged = []
    evidenced = needs_evidence(ruleset)
    for dep, items, key, label, kind, unit, span in rows(ruleset):
        if key.startswith("judged."):
            judged.append((dep, items, key, label, span))
            continue
        if dep != department:
            lines += ["", f"# ── {visible_line(dep)} ──"]
            department = dep
        unit_text = f" {unit}" if unit else ""
        lines.append(visible_line(f"# {label}｜{kind}{unit_text}｜{span}｜{items}"))
        if key in evidenced:  # its evidence is required: the fact written as a mapping
            lines.append(visible_line(f"# evidence required by {' '.join(evidenced[key])}"))
            lines.append(f"{key}: {{value: , evidence: }}")
        else:
            lines.append(f"{key}:")
    lines += _list_lines(ruleset)
    if judged:
        lines += ["", "# ── judged: the assessors' score, reason and evidence ──", "judged:"]
        for i in range(0, len(judged), 3):
            (dep, item_id, key, label, span), reason = judged[i], judged[i + 1][4]
            field = key.rsplit(".", 1)[1]
            lines.append(visible_line(f"  # {label}｜{span}｜reason {reason}｜{dep}"))
            lines.append(f"  {item_id!r}: {{{field}: , reason: , evidence: }}".replace("'", '"'))
    return "\n".join(lines) + "\n"


def _list_lines(ruleset: RuleSet) -> list[str]:
    """Each list of records: what reports it and what reads it, its fields described, and
    one blank record to copy (a list with no record is ``KEY: []``)."""
    owners = _owners(ruleset)
    evidenced = needs_evidence(ruleset)
    lines: list[str] = []
    for decl in ruleset.lists:
        items = list(dict.fromkeys(i for a in decl.aggregates
                                   for i in owners.get(a.key, ([], []))[1]))  # fmt: skip
        by = f"reported by {decl.supplier}｜" if decl.supplier else ""
        fields = list(record_fields(decl, ruleset.subsets.get(decl.key)).values())
        if decl.sub:  # a member's part and weight: only for one split into parts
            fields = [f for f in fields if f.key != "part" and getattr(f, "role", "") != "target"]
        keys = [f.key for f in fields] + (["evidence"] if decl.key in evidenced else [])
        lines += [
            "",
            visible_line(f"# ── {decl.label} ({decl.key}): one record per line; "
                         f"{decl.key}: [] if none ──"),
            visible_line(f"# {by}read by {' '.join(items) or '-'}"),
            *(visible_line(f"#   {f.key}: {f.label}｜{f.type}{' ' + f.unit if f.unit else ''}"
                           f"｜{_range(f)}") for f in fields),
            *([visible_line(f"#   evidence required by {' '.join(evidenced[decl.key])}")]
              if decl.key in evidenced else []),
            *(["#   a member split into parts by weights: parts: [{part: , weight: , …}, …]"]
              if decl.sub else []),
            f"{decl.key}:",
            "  - {" + ", ".join(f"{k}: " for k in keys) + "}",
        ]  # fmt: skip
    return lines


def list_columns(ruleset: RuleSet, key: str) -> tuple[str, ...]:
    """The columns of a list's table: ``entity``, its fields, then where each record came
    from (``supplier``, ``evidence``, ``note``)."""
    decl = next(d for d in ruleset.lists if d.key == key)
    if decl.sub:  # a member: its name, its part and weight (if split), its rule set's facts
        sub = ruleset.subsets[key]
        return ("entity", "name", "part", "weight", *(f.key for f in sub.facts))
    return ("entity", *(f.key for f in decl.fields), *PROVENANCE)


def list_csv(ruleset: RuleSet, key: str) -> str:
    """A list's table to fill, one row per record (``batch --list KEY=FILE``): its header."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(list_columns(ruleset, key))
    return out.getvalue()


def list_xlsx(ruleset: RuleSet, key: str) -> bytes:
    """A list's table as a workbook, each field described in its header's note, with
    drop-downs and range checks (:func:`qualscore.report.template_xlsx.list_workbook`)."""
    from qualscore.report.template_xlsx import list_workbook

    return list_workbook(ruleset, key)


def field_note(field: FactDecl | FieldDecl, language: str = "en") -> str:
    """A field's label, type, unit and range, on one line: ``完成｜是/否｜是 / 否``."""
    unit = f" {field.unit}" if field.unit else ""
    kind = say(language, f"template_type_{field.type}")
    return visible_line(f"{field.label}｜{kind}{unit}｜{_range(field, language)}")


def identity_rows(ruleset: RuleSet, entity: str | None) -> list[tuple[str, ...]]:
    """The ``entity`` and ``period`` rows, value filled where known, for a rule set that
    names whom it assesses (none otherwise)."""
    if not ruleset.manifest.groups:
        return []
    text = say(ruleset.manifest.language, "template_type_text")
    return [
        ("", "", "entity", "考核对象 / entity", text, "", "", entity or ""),
        ("", "", "period", "考核期 / period", text, "", "", str(ruleset.manifest.year)),
    ]


def to_csv(ruleset: RuleSet, entity: str | None = None) -> str:
    """A key/value table with the description of each fact; fill the ``value`` column.

    The header, types and ranges are in the rule set's language (``指标代码`` …
    ``填报值`` for a Chinese one); either header loads back as facts. A text a
    spreadsheet would read as a formula gets a leading ``'`` (OWASP).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    extra = provenance_columns(ruleset)
    writer.writerow(header(ruleset))
    for head in identity_rows(ruleset, entity):
        writer.writerow((*(csv_text(c) for c in head), *("" for _ in extra)))
    for row in rows(ruleset, ruleset.manifest.language):
        writer.writerow((*(csv_text(c) for c in row), "", *("" for _ in extra)))
    return out.getvalue()


def provenance_columns(ruleset: RuleSet) -> tuple[str, ...]:
    """``supplier``, ``evidence`` and ``note`` columns, for a rule set that requires
    evidence or names who supplies a fact: where each fact came from."""
    if ruleset.evidence_needed() or any(d.supplier for d in ruleset.facts):
        return PROVENANCE
    return ()


def needs_evidence(ruleset: RuleSet) -> dict[str, list[str]]:
    """Each fact some item must have the evidence of: those items."""
    out: dict[str, list[str]] = {}
    for item_id, pieces in ruleset.evidence_needed().items():
        for key in pieces:
            out.setdefault(key, []).append(item_id)
    return out


def to_xlsx(ruleset: RuleSet, entity: str | None = None) -> bytes:
    """The CSV template as a workbook, with an instructions sheet first, drop-downs and
    range checks on the values (:func:`qualscore.report.template_xlsx.facts_workbook`)."""
    from qualscore.report.template_xlsx import facts_workbook

    return facts_workbook(ruleset, entity)
