"""A Result as plain data (the JSON output contract) and as JSON text.

Decimals are strings without exponent (``"2.9"``); the order of keys is
fixed, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qualscore.analyst.analysis import costs, departments, headroom, sentence
from qualscore.facts.lists import ListWorking
from qualscore.scoring.explain import explain, explain_veto, is_bonus, places_of, value_working
from qualscore.scoring.shapes import derived, expressions
from qualscore.scoring.trace import (
    CohortEntry,
    Input,
    ItemResult,
    NamedValue,
    NodeResult,
    Result,
    ShapeTrace,
)
from qualscore.scoring.words import cohort_number, fmt
from qualscore.scoring.working import work

if TYPE_CHECKING:
    from qualscore.report.compare import Comparison

__all__ = ["to_data", "to_json"]


def to_json(
    result: Result, language: str | None = None, comparison: Comparison | None = None
) -> str:
    """The JSON document of the output contract, ending in a newline."""
    data = to_data(result, language)
    if comparison is not None:
        data["compare"] = compare_data(comparison)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def compare_data(c: Comparison) -> dict[str, Any]:
    """The comparison as plain data: whose result, totals, ranks, each item then and now."""
    then = c.then
    return {
        "source": c.source,
        "compared_with": None if then is None else {
            "scheme": then.scheme, "title": then.title, "year": then.year,
            "entity": then.entity, "period": then.period,
        },
        "total_before": None if c.total_before is None else fmt(c.total_before),
        "total_now": fmt(c.total_now),
        "total_change": None if c.total_change is None else fmt(c.total_change),
        "rank_before": c.rank_before,
        "rank_now": c.rank_now,
        "items": [
            {
                "id": i,
                "before": None if before is None else fmt(before),
                "now": fmt(now),
                "change": None if before is None else fmt(now - before),
            }
            for i, _t, before, now in c.items
        ],
    }


def to_data(result: Result, language: str | None = None) -> dict[str, Any]:
    """The output contract as plain data; ``language`` for the engine's words."""
    lang = language or result.language
    cost = costs(result)
    return {
        "ruleset": {"id": result.ruleset_id, "title": result.title, "year": result.year},
        "entity": result.entity,
        "period": result.period,
        "total": fmt(result.total),
        "possible": fmt(result.possible),
        "vetoed": result.vetoed,
        "result": result.result,
        "result_label": result.result_label,
        "grade": result.grade,
        **_verdict(result),
        **({"values": [_named(v, lang) for v in result.values]} if result.values else {}),
        **({"members": _members(result)} if result.members else {}),
        "categories": [_node(c, lang, cost) for c in result.categories],
        "bonus": _item(result.bonus, lang, cost) if result.bonus else None,
        "vetoes": [
            {
                "id": v.id,
                "title": v.title,
                "held": v.held,
                "applies": v.applies,
                "result": v.result,
                "grade": v.grade,
                "grade_at_most": v.grade_at_most,
                "inputs": [_input(i) for i in v.inputs],
                "explanation": explain_veto(v, lang),
            }
            for v in result.vetoes
        ],
        "headroom": [
            {
                "id": o.item_id,
                "action": o.action,
                "gain": fmt(o.gain),
                "effective": fmt(o.effective),
                "departments": list(o.departments),
            }
            for o in headroom(result, lang)
        ],
        "departments": [
            {
                "department": d.department,
                "lost": fmt(d.lost),
                "cost": fmt(d.cost),
                "items": [
                    {"id": i, "part": part, "lost": fmt(lost), "shared": shared,
                     "cost": fmt(item_cost)}
                    for i, _t, part, lost, shared, item_cost in d.items
                ],
            }
            for d in departments(result)
        ],
        "fingerprint": {
            "rules_sha256": result.rules_sha256,
            "facts_sha256": result.facts_sha256,
            "engine_version": result.engine_version,
        },
        **_cohort(result),
    }


def _cohort(result: Result) -> dict[str, Any]:
    """The cohort values the entity was scored with (none: the key is left out)."""
    if not result.cohort:
        return {}
    return {"cohort": {k: cohort_data(e) for k, e in result.cohort.items()}}


def cohort_data(entry: CohortEntry) -> dict[str, Any]:
    """A cohort value as the JSON carries it: every number that decided it, exact, and
    the value as the reports show it (``shown``: to its declared places, ``≈`` when
    rounded); a weighted mean's ``weight`` (the entity's) and the ``working`` of a sum,
    spread, weighted mean or count_if (``n``, ``mean``, ``squares``, ``variance``, …,
    ``unrounded``) where it has them."""
    return {
        "label": entry.label,
        "stat": entry.stat,
        "value": _exact(entry.value),
        "shown": cohort_number(entry.value, entry.places),
        "own": None if entry.own is None else _exact(entry.own),
        "size": entry.size,
        "left_out": entry.left_out,
        "scope": entry.scope,
        "tied": entry.tied,
        "best": None if entry.best is None else _exact(entry.best),
        "leaders": list(entry.leaders),
        "given": entry.given,
        "scored": entry.scored,
        **({"weight": _exact(entry.weight)} if entry.weight is not None else {}),
        **({"working": {k: _exact(v) for k, v in entry.working}} if entry.working else {}),
    }


def _exact(value: Decimal) -> str:
    """A decimal exactly as computed, its places kept (``97.0``, ``0.6667``), no exponent."""
    return format(value, "f")


def _node(node: NodeResult, language: str, cost: dict[str, Decimal]) -> dict[str, Any]:
    return {
        "id": node.id,
        "kind": node.kind,
        "title": node.title,
        "role": node.role,
        "criteria": node.criteria,
        "max": fmt(node.points) if node.bounded else None,
        "floor": None if node.floor is None else fmt(node.floor),
        "sum": fmt(node.sum),
        "score": fmt(node.score),
        "capped": node.capped,
        **_verdict(node),
        "children": [
            _node(c, language, cost) if isinstance(c, NodeResult) else _item(c, language, cost)
            for c in node.children
        ],
    }


def _item(item: ItemResult, language: str, cost: dict[str, Decimal]) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": "item",
        "title": item.title,
        "section": item.section,
        "role": item.role,
        "max": None if item.points is None else fmt(item.points),
        "floor": None if item.floor is None else fmt(item.floor),
        "score": fmt(item.score),
        "lost": fmt(item.lost) if item.bounded or item.role == "penalty" else None,
        "cost": None if is_bonus(item) else fmt(cost.get(item.id, Decimal(0))),
        "departments": list(item.departments),
        "assessing": item.assessing,
        "assessing_parts": [{"part": p, "assessing": d} for p, d in item.assessing_parts],
        "not_applicable": item.not_applicable,
        "inputs": [_input(i) for i in item.inputs],
        "explanation": explain(item, language),
        "sentence": sentence(item, language),
        "trace": _trace(item.shape) if item.shape is not None else None,
        "working": _workings(item, language),
        "raw": fmt(item.raw),
        "clamped": item.clamped,
        **_verdict(item),
        **(
            {"missing_evidence": [{"key": k, "label": v} for k, v in item.missing_evidence]}
            if item.missing_evidence
            else {}
        ),
    }


def _named(named: NamedValue, language: str) -> dict[str, Any]:
    """A named value: its value, its expression, what it read and its working."""
    done = value_working(named, language)
    return {
        "key": named.key,
        "label": named.label,
        "value": _value(named.value),
        "unit": named.unit,
        "expr": named.expr,
        "inputs": [_input(i) for i in named.inputs],
        "formula": done.formula if done else None,
        "steps": list(done.steps) if done else [],
        **({"cell": [_input(i) for i in named.cell]} if named.cell is not None else {}),
        **({"records": _records(named.records)} if named.records is not None else {}),
    }


def _members(result: Result) -> dict[str, list[dict[str, Any]]]:
    """Each list of sub-entities' members: name, total, verdict, and what each failed."""
    return {
        key: [
            {"name": m.name, "total": fmt(m.total), "possible": fmt(m.possible),
             "verdict": m.verdict, "met": m.met,
             "failed": [{"id": i, "title": t} for i, t in m.failed]}
            for m in members
        ]
        for key, members in result.members.items()
    }  # fmt: skip


def _records(done: ListWorking) -> dict[str, Any]:
    """How an aggregate of a list was worked out: each record's part, each group's value."""
    def number(v: Decimal | None) -> Any:
        return None if v is None else _value(v)

    return {
        "list": done.list_key,
        "stat": done.stat,
        "where": done.where,
        "by": done.by,
        "take": done.take,
        "records": done.records,
        "kept": done.kept,
        "groups": [
            {"group": g, "value": _value(v), "weight": number(w)} for g, v, w in done.groups
        ],
        "over": [_value(v) for v in done.over],
        "unrounded": number(done.unrounded),
        "contributions": [
            {"record": c.record + 1, "name": c.name, "value": number(c.value),
             "kept": c.kept, "counted": c.counted, "group": c.group, "evidence": c.evidence,
             "note": c.note, "cell": c.cell}
            for c in done.contributions
        ],
    }  # fmt: skip


def _verdict(node: Result | NodeResult | ItemResult) -> dict[str, Any]:
    """``verdict`` (its words), ``met`` and ``judgement`` (its condition and what it read,
    where it applies) where the node has a verdict; nothing where not,
    so a scheme without verdicts keeps the output it always had."""
    if node.verdict is None:
        return {}
    out: dict[str, Any] = {"verdict": node.verdict, "met": node.met}
    if node.judgement is not None:  # how it was decided: the condition and what it read
        out["judgement"] = {
            "expr": node.judgement.expr,
            "inputs": [_input(i) for i in node.judgement.inputs],
        }
    return out


def _workings(item: ItemResult, language: str) -> list[dict[str, Any]]:
    """Every expression the item's trace names, worked through with its inputs, exact."""
    if item.shape is None:
        return []
    values = {i.key: i.value for i in item.inputs}
    labels = {i.key: i.label for i in item.inputs}
    places = places_of(item)
    out: list[dict[str, Any]] = []
    # What the shape works out from the inputs first (a change from last year), then the
    # expressions it names, nested ones' included: the shape says which.
    for source in [*derived(item.shape, item.inputs), *expressions(item.shape)]:
        if source in values or any(w["expr"] == source for w in out):
            continue
        done = work(source, values, labels, language, places)
        if done is None:
            continue
        out.append(
            {
                "expr": source,
                "formula": done.formula,
                "steps": list(done.steps),
                "conditions": list(done.conditions),
                "derived": [
                    {"expr": d.source, "formula": d.text, "value": _value(d.value)}
                    for d in done.derived
                ],
                "value": _value(done.value),
            }
        )
    return out


def _value(value: Any) -> Any:
    if value is None:  # an aggregate of no record
        return None
    return value if isinstance(value, bool | str) else fmt(value)


def _input(i: Input) -> dict[str, Any]:
    value: Any = i.value if isinstance(i.value, bool | str) else fmt(i.value)
    out = {"key": i.key, "label": i.label, "value": value, "unit": i.unit}
    if i.words is not None:  # a choice's words
        out["words"] = i.words
    if i.provenance is not None:  # where it came from, where said
        out.update(zip(("supplier", "evidence", "note"), i.provenance, strict=True))
    return out


def _trace(shape: ShapeTrace) -> dict[str, Any]:
    data = {"shape": type(shape).__name__.removesuffix("Trace").lower()}
    data.update({name: _plain(value) for name, value in shape._asdict().items()})
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        if type(value).__name__ in (
            "PartsTrace",
            "TiersTrace",
            "CasesTrace",
            "DeductionsTrace",
            "FormulaTrace",
            "TargetTrace",
            "JudgedTrace",
            "RankTrace",
        ):
            return _trace(value)  # type: ignore[arg-type]
        return {name: _plain(v) for name, v in value._asdict().items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
