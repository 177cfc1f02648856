"""The generated engine against a plain reference interpreter, on random rule sets and facts.

Hypothesis writes rule sets from every shape (parts nested in parts, tiers,
cases, deductions with ``every``/``count``/``max``/``from``/floors, formulas,
targets), with caps that bind, ``not_applicable``, blank targets, a bonus and
vetoes (forcing a grade or capping it, with or without a result), random
rounding, and formulas over a few facts (division by zero, numbers too large
and square roots of negative numbers included), signed scores (negative parts
and cases, item and node floors, penalty and uncapped bonus sections; items,
indicators and the bonus of ``points: none``), named values, node reads
(``score``, ``applies``, ``met``) and verdicts, judged items and parts (judged
at their bounds and between, or left to their default), and grades. For each
rule set and facts, ``qualscore.evaluate`` must give the interpreter in
``tests/reference_engine.py`` the same result, field by field and digit by
digit (``repr``: the same exponents, no ``-0`` where the interpreter has
``0``), ``qualscore.score`` the same numbers, and a failure the same error.
``QUALSCORE_DIFF_EXAMPLES`` sets the number of rule sets (300), shared out among
``CHUNKS`` tests of as many each, drawn at random, so that the workers of
``pytest -n`` share the work rather than one worker carrying it alone.
"""

from __future__ import annotations

import decimal
import json
import os
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import qualscore
from qualscore._decimal import MODES
from qualscore.ruleset import reads
from qualscore.ruleset.loader import RuleSet
from qualscore.ruleset.model import Category, FactsFile, Manifest, formulas_in
from qualscore.scoring.members import values_for
from qualscore.scoring.trace import NodeResult, Result
from reference_engine import evaluate as reference

EXAMPLES = int(os.environ.get("QUALSCORE_DIFF_EXAMPLES", "300"))
CHUNKS = 6
# Rounded up: a count that does not divide evenly gives a few more examples, never fewer.
PER_CHUNK = -(-EXAMPLES // CHUNKS)

NUMBERS = ["n0", "n1", "n2"]
BOOLS = ["b0", "b1"]
TARGET = "t0"
CHOICE, CHOICES = "g0", ["A", "B", "省级"]
FACTS = [
    *({"key": k, "type": "number", "label": f"Number {k}"} for k in NUMBERS),
    *({"key": k, "type": "bool", "label": f"Flag {k}"} for k in BOOLS),
    {"key": TARGET, "type": "number", "label": "A target", "role": "target"},
    {"key": CHOICE, "type": "choice", "label": "A grade", "choices": CHOICES,
     "choice_labels": {"A": "Excellent", "省级": "省级表彰"}},
]
TYPES = {d["key"]: {"bool": "bool", "choice": "text"}.get(d["type"], "number") for d in FACTS}
TYPES |= {"v0": "number", "w0": "bool"}  # the named values every rule set declares
TYPES |= {"a0": "number", "a1": "number"}  # the aggregates of the two lists declared
# The list every rule set declares: records with a number, a flag, a choice and a text;
# a value worked out per record; one aggregate of a random stat, filter and grouping.
FIELDS = [
    {"key": "x", "type": "number", "label": "X"},
    {"key": "f", "type": "bool", "label": "F"},
    {"key": "g", "type": "choice", "label": "G", "choices": ["A", "B", "C"]},
    {"key": "e", "type": "text", "label": "Event"},
]
RECORD_TYPES = {"n0": "number", "b0": "bool", "x": "number", "f": "bool", "g": "text",
                "e": "text", "y": "number"}  # fmt: skip
WEIGHTS = [{"A": "0.5", "B": "0.3", "C": "0.2"}, {"A": "1", "B": "0", "C": "0"},
           {"A": "0.25", "B": "0.25", "C": "0.5"}]  # fmt: skip
LITERALS = ["0", "1", "2.5", "10", "0.001", "3.0", "100", "1000000000000000"]
POINTS = ["0", "0.5", "1", "1.0", "2", "2.50", "3", "5", "10"]

# Named values and node reads among the atoms: a rule set where they make a cycle, or
# read a node that is not there (or met() of one with no verdict), is rejected.
atom = st.sampled_from(
    [*NUMBERS, *LITERALS, TARGET, "v0", "a0", "a1", "score('1')", "score('c0')"]
)
bool_atom = st.sampled_from(
    [*BOOLS, "w0", "met('2')", "applies('1')", *(f"{CHOICE} == '{c}'" for c in CHOICES),
     f"{CHOICE} != 'B'"]
)  # fmt: skip


def _num(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from("+-*/"), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
        st.tuples(st.sampled_from(["abs", "ceil", "floor", "-"]), inner).map(
            lambda t: f"{t[0]}({t[1]})"
        ),
        inner.map(lambda x: f"round_half_up({x}, 1)"),
        inner.map(lambda x: f"sqrt({x})"),
        st.tuples(inner, bool_atom, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
    )


num_expr = st.recursive(atom, _num, max_leaves=5)
bool_expr = st.one_of(
    bool_atom,
    bool_atom.map(lambda b: f"not {b}"),
    st.tuples(num_expr, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), num_expr).map(
        lambda t: f"{t[0]} {t[1]} {t[2]}"
    ),
    st.tuples(bool_atom, st.sampled_from(["and", "or"]), bool_atom).map(
        lambda t: f"{t[0]} {t[1]} {t[2]}"
    ),
)
# A veto reads no target: a blank target leaves an item not applicable, but a veto has no such case.
veto_expr = st.one_of(
    bool_atom,
    st.tuples(
        st.sampled_from(NUMBERS), st.sampled_from(["<", ">="]), st.sampled_from(LITERALS)
    ).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
)
points = st.sampled_from(POINTS)
signed = st.sampled_from([*POINTS, "-1", "-2.5", "-10"])
floors = st.sampled_from([None, "0", "-3", "none", "0.5"])
label = st.one_of(st.none(), st.sampled_from(["A label", "Another"]))


def _band(bounds: tuple[str, str, int]) -> dict[str, Any]:
    low, high, which = bounds
    lo, hi = sorted((Decimal(low), Decimal(high)), key=Decimal)
    if which == 0:
        return {"at_least": str(lo)}
    if which == 1:
        return {"below": str(hi)}
    if which == 2:
        return {"at_least": str(lo), "below": str(hi)} if lo < hi else {"at_least": str(lo)}
    return {"above": str(lo), "at_most": str(hi)} if lo < hi else {"at_most": str(hi)}


bands = st.lists(
    st.builds(
        lambda b, p, lab: {**_band(b), "points": p, **({"label": lab} if lab else {})},
        st.tuples(st.sampled_from(["-1", "0", "1", "2.5", "10"]),
                  st.sampled_from(["0", "1", "2.5", "10", "50"]), st.integers(0, 3)),
        points,
        label,
    ),
    min_size=1,
    max_size=3,
)  # fmt: skip


def _step() -> st.SearchStrategy[dict[str, Any]]:
    flag = st.builds(
        lambda kind, cond, p, lab: {kind: cond, "points": p, **({"label": lab} if lab else {})},
        st.sampled_from(["unless", "when"]), bool_expr, points, label,
    )  # fmt: skip
    per = st.builds(
        lambda value, p, every, most, count: {
            "per": value, "points": p, **({"every": every} if every else {}),
            **({"max": most} if most else {}), **({"count": count} if count else {}),
        },
        num_expr, points, st.sampled_from([None, "1", "5", "0.5"]), st.sampled_from([None, "1", "2.5"]),
        st.sampled_from([None, "whole", "started"]),
    )  # fmt: skip
    return st.one_of(flag, per)


judged = st.builds(
    lambda give, lab, default: {"kind": "judged", "default": default, "give": give,
                       **({"label": lab} if lab else {})},
    st.sampled_from(["score", "deduction"]), label, st.sampled_from(["full", "none"]),
)  # fmt: skip


def _shapes(inner: st.SearchStrategy[dict[str, Any]] | None) -> st.SearchStrategy[dict[str, Any]]:
    leaf_part = st.one_of(
        st.builds(lambda lab, c, p: {"label": lab, "when": c, "points": p},
                  st.sampled_from(["P1", "P2"]), bool_expr, signed),
        st.builds(lambda lab, e, p: {"label": lab, "each": e, "points": p},
                  st.sampled_from(["E1", "E2"]), num_expr, signed),
    )  # fmt: skip
    part = leaf_part
    if inner is not None:
        nested = st.builds(
            lambda s, p, deps: {"label": "Nested", "score": s, "points": p,
                                **({"departments": deps} if deps else {})},
            inner, points, st.sampled_from([None, ["Dept N"]]),
        )  # fmt: skip
        # A judged part: its id is numbered per item (_item), its judgement drawn per entity.
        judged_part = st.builds(
            lambda s, p, who: {"id": "?", "label": "Judged", "score": s, "points": p,
                               **({"assessing": who} if who else {})},
            judged, points, st.sampled_from([None, "Office J"]),
        )  # fmt: skip
        part = st.one_of(leaf_part, nested, judged_part)
    return st.one_of(
        st.builds(lambda e, lab: {"kind": "formula", "expr": e, **({"label": lab} if lab else {})},
                  num_expr, label),
        st.builds(lambda v, b, o, better: {"kind": "tiers", "value": v, "bands": b,
                                           "otherwise": o, "better": better},
                  num_expr, bands, points, st.sampled_from(["higher", "lower"])),
        st.builds(lambda cs, o: {"kind": "cases", "cases": cs, "otherwise": o},
                  st.lists(st.builds(lambda c, p, lab: {"when": c, "points": p,
                                                        **({"label": lab} if lab else {})},
                                     bool_expr, signed, label), min_size=1, max_size=3),
                  signed),
        st.builds(lambda steps, start, floor: {"kind": "deductions", "steps": steps,
                                               **({"from": start} if start else {}),
                                               "floor": floor},
                  st.lists(_step(), min_size=1, max_size=3), st.sampled_from([None, "4", "1.5"]),
                  st.sampled_from(["0", "0.5", "1"])),
        st.builds(lambda a, t, m: {"kind": "target", "actual": a, "target": t, "met_when": m},
                  num_expr, st.sampled_from([TARGET, "n1", "2.5"]),
                  st.sampled_from(["at_least", "above", "below", "at_most"])),
        st.builds(lambda ps: {"kind": "parts", "parts": ps},
                  st.lists(part, min_size=1, max_size=3)),
    )  # fmt: skip


shapes = _shapes(_shapes(_shapes(None)))


def _needs_points(shape: dict[str, Any], na: dict[str, Any] | None) -> bool:
    """Whether an item of this shape needs its points in some section (the loader refuses
    ``points: none`` for it there): judged, a target, deductions without ``from``, and
    ``not_applicable`` without ``award``."""
    return (
        shape["kind"] in ("judged", "target")
        or (shape["kind"] == "deductions" and "from" not in shape)
        or (na is not None and "award" not in na)
    )


def _number_parts(node: Any, ids: Any) -> None:
    """Each part with an id gets the next of ``ids``: unique within its item."""
    if isinstance(node, dict):
        if "id" in node:
            node["id"] = next(ids)
        for value in node.values():
            _number_parts(value, ids)
    elif isinstance(node, list):
        for value in node:
            _number_parts(value, ids)


def _item(
    shape: dict[str, Any], p: str, na: dict[str, Any] | None, floor: str | None = None
) -> dict[str, Any]:
    if p == "none" and _needs_points(shape, na):
        p = "5"  # points: none only where nothing reads the points
    shape = json.loads(json.dumps(shape))  # hypothesis may hand the same dict to two items
    _number_parts(shape, (f"j{n}" for n in range(1, 100)))
    item = {"title": "An item", "points": p, "criteria": "As written.",
            "departments": ["Dept A"], "score": shape}  # fmt: skip
    if na is not None:
        item["not_applicable"] = na
    if floor is not None:
        item["floor"] = floor
    return item


not_applicable = st.one_of(
    st.none(),
    st.builds(lambda c, award: {"when": c, "reason": "Does not apply",
                                **({"award": award} if award else {})},
              bool_expr, st.sampled_from([None, "0", "1", "7"])),
)  # fmt: skip
# points: none (no cap; a penalty item's most deduction none) about one time in five.
open_points = st.one_of(points, st.just("none"))
items = st.builds(_item, st.one_of(shapes, judged), open_points, not_applicable, floors)


@st.composite
def rule_sets(draw: st.DrawFn) -> RuleSet:
    """A random rule set of one or two categories, a bonus and vetoes sometimes."""
    categories = []
    counter = iter(range(1, 100))
    for c in range(draw(st.integers(1, 2))):
        children: list[dict[str, Any]] = []
        for _ in range(draw(st.integers(1, 3))):
            if draw(st.booleans()):
                inner = [
                    {**draw(items), "id": f"{next(counter)}"}
                    for _ in range(draw(st.integers(1, 2)))
                ]
                indicator = {"id": f"i{next(counter)}", "title": "Indicator",
                             "points": draw(open_points), "items": inner}  # fmt: skip
                floor = draw(st.sampled_from([None, "-2", "none"]))
                if floor is not None:
                    indicator["floor"] = floor
                children.append(indicator)
            else:
                children.append({**draw(items), "id": f"{next(counter)}"})
        kind = draw(st.sampled_from(["score", "score", "penalty", "bonus"]))
        cap = ["1", "5", "20"] + ([] if kind == "score" else ["none"])
        category = {"id": f"c{c}", "title": f"Category {c}", "kind": kind,
                    "points": draw(st.sampled_from(cap)), "items": children}  # fmt: skip
        floor = draw(st.sampled_from([None, "-4", "none"]))
        if floor is not None:
            category["floor"] = floor
        categories.append(category)
    manifest: dict[str, Any] = {
        "id": "diff", "title": "Differential", "year": 2024,
        "language": draw(st.sampled_from(["zh", "en"])),
        "rounding": {"places": draw(st.integers(0, 3)),
                     "mode": draw(st.sampled_from(["half_up", "half_even", "down", "up"]))},
    }  # fmt: skip
    if draw(st.booleans()):
        bonus = draw(items)
        bonus.pop("not_applicable", None)
        manifest["bonus"] = bonus
    vetoes = draw(st.lists(veto_expr, max_size=3))
    graded = draw(st.booleans())
    # What each veto does when it holds: forces D, or (with grades) caps the grade at A or
    # B, with or without a result of its own.
    effects = st.sampled_from(
        [{"grade": "D"}, {}] + ([{"grade_at_most": "B"}, {"grade_at_most": "A"}] if graded else [])
    )
    manifest["vetoes"] = []
    for i, w in enumerate(vetoes):
        effect = draw(effects)
        if "grade_at_most" not in effect or draw(st.booleans()):
            effect = {**effect, "result": f"Failed {i}"}
        manifest["vetoes"].append({"id": f"v{i}", "title": "Veto", "when": w, "criteria": "No.",
                                   "departments": ["Dept V"], **effect})  # fmt: skip
    if graded:
        manifest["grades"] = [{"grade": "A", "at_least": "5"}, {"grade": "B", "above": "-1",
                              "below": "5"}]  # fmt: skip
    if draw(st.booleans()):
        manifest["normal_result"] = "Passed"
    for node in _verdict_nodes(categories):  # verdicts here and there
        if draw(st.booleans()):
            node["verdict"] = {"met": draw(bool_expr)}
    for node in _verdict_nodes(categories):  # evidence required, or not, here and there
        said = draw(st.sampled_from([None, None, None, "required", "optional"]))
        if said is not None:
            node["evidence"] = said
    if draw(st.booleans()):
        manifest["verdict"] = {"met": draw(bool_expr), "labels": ["Pass", "Fail"]}
    values = [
        {"key": "v0", "label": "Value v0", "expr": draw(num_expr),
         **({"places": 1} if draw(st.booleans()) else {})},
        {"key": "w0", "label": "Value w0", "expr": draw(bool_expr)},
    ]  # fmt: skip
    context = {"types": TYPES, "fact_types": {d["key"]: TYPES[d["key"]] for d in FACTS}}
    try:
        context["sub_types"] = {"m0": MEMBER_TYPES}
        facts = FactsFile.model_validate(
            {"facts": FACTS, "values": values, "lists": [draw(list_decls()), draw(member_lists())]},
            context=context,
        )
        rules = RuleSet(
            path="<differential>",
            manifest=Manifest.model_validate(manifest, context=context),
            facts=facts.facts,
            checks=facts,
            categories=tuple(Category.model_validate(c, context=context) for c in categories),
            sha256="0" * 64,
            locations={},
            subsets={"m0": MEMBER},
        )
    except ValidationError:
        reject()  # a literal division by zero, refused when the rules load
    graph = rules.graph
    known = set(reads.node_ids(rules.categories, rules.manifest))
    hints = reads.suggestions_for(())
    formulas = [f for c in rules.categories for f in formulas_in(c)]
    formulas += [*formulas_in(rules.manifest), *(v.expr for v in rules.values)]
    if graph.cycles() or any(
        next(reads.unknown_reads(f, known, graph.verdicts, hints), None) for f in formulas
    ):
        reject()  # refused when the rules load, with the chain or the node named
    return rules


def _verdict_nodes(categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every node of the drawn categories, sections first."""
    out: list[dict[str, Any]] = []
    for category in categories:
        out.append(category)
        for child in category["items"]:
            out.append(child)
            out.extend(child.get("items", ()))
    return out


values = st.fixed_dictionaries(
    {
        **{k: st.sampled_from(["0", "-0", "1", "2.5", "-3", "10", "0.001", "99.99",
                               "1000000000000000", "-2.50"]) for k in NUMBERS},
        **{k: st.booleans() for k in BOOLS},
        TARGET: st.sampled_from([None, "0", "2.5", "10"]),
        CHOICE: st.sampled_from([*CHOICES, " A ", "Excellent"]),
    }
)  # fmt: skip


@st.composite
def list_decls(draw: st.DrawFn) -> dict[str, Any]:
    """The list ``l0``: a value ``y`` per record and an aggregate ``a0`` of any kind."""
    stat = draw(st.sampled_from(["count", "sum", "mean", "min", "max", "trimmed_mean",
                                 "weighted_mean"]))  # fmt: skip
    aggregate: dict[str, Any] = {"key": "a0", "label": "Aggregate a0", "stat": stat}
    where = draw(st.sampled_from([None, "f", "x > 0", "g != 'B'", "x >= n0"]))
    if where is not None:
        aggregate["where"] = where
    if stat == "weighted_mean":
        aggregate.update(by="g", weights=draw(st.sampled_from(WEIGHTS)),
                         take=draw(st.sampled_from(["mean", "max", "sum", "count"])))  # fmt: skip
    elif draw(st.booleans()):
        aggregate.update(by=draw(st.sampled_from(["g", "e"])),
                         take=draw(st.sampled_from(["count", "sum", "mean", "min", "max",
                                                    "trimmed_mean"])))  # fmt: skip
    counted = aggregate.get("take", stat) == "count"
    if not counted:
        aggregate["of"] = draw(st.sampled_from(["x", "y", "x * 2 + y"]))
    if stat in ("mean", "trimmed_mean", "weighted_mean") and draw(st.booleans()):
        aggregate["places"] = draw(st.integers(0, 2))
    value = draw(st.sampled_from([
        {"key": "y", "label": "Y", "expr": "x * 2 if f else x - n0"},
        {"key": "y", "label": "Y", "table": {"rows": "g", "cells": {"A": 3, "B": "1.5", "C": 0}}},
        {"key": "y", "label": "Y", "expr": "(10 / x) if x != 0 else 0"},
    ]))  # fmt: skip
    return {"key": "l0", "label": "List l0", "fields": FIELDS, "values": [value],
            "aggregates": [aggregate]}


records = st.lists(
    st.fixed_dictionaries({
        "x": st.sampled_from(["0", "1", "-2", "2.5", "7", "0.001"]),
        "f": st.booleans(),
        "g": st.sampled_from(["A", "B", "C"]),
        "e": st.sampled_from(["ev1", "ev2", "ev3"]),
    }),
    max_size=6,
)  # fmt: skip


def _member_rules() -> RuleSet:
    """The rule set of the sub-entities every rule set declares (``m0``): two facts, a
    named value, two items with verdicts (one judged only) and the scheme's own verdict."""
    types = {"s0": "number", "s1": "bool", "u0": "number"}
    facts = FactsFile.model_validate({
        "facts": [{"key": "s0", "type": "number", "label": "S0", "split": True},
                  {"key": "s1", "type": "bool", "label": "S1"}],
        "values": [{"key": "u0", "label": "U0", "expr": "s0 * 2 if s1 else s0"}],
    }, context={"types": types})  # fmt: skip
    manifest = Manifest.model_validate({
        "id": "member", "title": "Member", "year": 2024, "language": "zh",
        "rounding": {"places": 1, "mode": "half_up"},
        "verdict": {"met": "met('k1') or s1"},
    }, context={"types": types})  # fmt: skip
    category = Category.model_validate({
        "id": "k", "title": "K", "points": "10", "items": [
            {"id": "k1", "title": "K1", "points": "5", "criteria": "x", "departments": ["D"],
             "score": {"kind": "formula", "expr": "u0"}, "verdict": {"met": "u0 >= 1"}},
            {"id": "k2", "title": "K2", "points": "5", "criteria": "x", "departments": ["D"],
             "score": {"kind": "formula", "expr": "s0 / 2"}},
        ]}, context={"types": types})  # fmt: skip
    return RuleSet(path="<member>", manifest=manifest, facts=facts.facts, checks=facts,
                   categories=(category,), sha256="1" * 64, locations={})  # fmt: skip


MEMBER = _member_rules()
MEMBER_TYPES = {"s0": "number", "s1": "bool", "u0": "number"}


@st.composite
def member_lists(draw: st.DrawFn) -> dict[str, Any]:
    """The list of sub-entities ``m0`` and its aggregate ``a1`` of any kind."""
    stat = draw(st.sampled_from(["count", "sum", "mean", "min", "max", "stdev", "cv", "share"]))
    aggregate: dict[str, Any] = {"key": "a1", "label": "Aggregate a1", "stat": stat}
    where = draw(st.sampled_from([None, "s1", "met('total')", "met('k1')", "part != 'B'"]))
    if where is not None:
        aggregate["where"] = where
    if stat == "share":
        aggregate["when"] = draw(st.sampled_from(["met('total')", "score('k2') > 1", "s1"]))
    elif stat != "count":
        aggregate["of"] = draw(st.sampled_from(["s0", "u0", "score('total')", "score('k1')"]))
    if stat in ("mean", "stdev", "cv", "share") and draw(st.booleans()):
        aggregate["places"] = draw(st.integers(0, 3))
    return {"key": "m0", "label": "Members", "rules": "members", "aggregates": [aggregate]}


members = st.lists(
    st.fixed_dictionaries({
        "s0": st.sampled_from(["0", "1", "2.5", "-1", "4"]),
        "s1": st.booleans(),
        "split": st.sampled_from([None, ("0.5", "0.5"), ("0.3", "0.7")]),
    }),
    max_size=4,
)  # fmt: skip


def _member_data(given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The members as a facts file gives them (some split into parts A and B)."""
    out = []
    for i, m in enumerate(given):
        record: dict[str, Any] = {"name": f"M{i}", "s0": m["s0"], "s1": m["s1"]}
        if m["split"] is not None:
            record["parts"] = [{"part": p, "weight": w} for p, w in zip("AB", m["split"],
                                                                        strict=True)]  # fmt: skip
        out.append(record)
    return out


def _plain_members(rules: RuleSet, given: list[dict[str, Any]], facts_values: Any) -> Any:
    """``a1`` worked out the plain way: each member (or part) scored by the reference
    interpreter, the stat in fractions; None (no value) or ``"undefined"``."""
    from qualscore.language.statistics import spread
    from qualscore.ruleset.formula import compile_formula
    from simple_reference import reference as plain

    aggregate = rules.lists[1].aggregates[0]
    types = {**MEMBER_TYPES, "name": "text", "part": "text"}
    rows: list[Any] = []
    for i, m in enumerate(given):
        parts = [(None, Decimal(1))] if m["split"] is None else [
            (p, Decimal(w)) for p, w in zip("AB", m["split"], strict=True)
        ]
        for part, weight in parts:
            s0 = Decimal(m["s0"]) * weight if part is not None else Decimal(m["s0"])
            checked = qualscore.check_facts(MEMBER, {"s0": str(s0), "s1": m["s1"]})
            result = reference(MEMBER, checked.run_values, checked.sha256)
            reading = {"s0": s0, "s1": m["s1"], "u0": next(v.value for v in result.values),
                       "name": f"M{i}", "part": part or "",
                       "met('total')": bool(result.met), "met('k1')": bool(result.item("k1").met),
                       "score('total')": result.total, "score('k1')": result.item("k1").score,
                       "score('k2')": result.item("k2").score}  # fmt: skip
            if aggregate.where is not None and not plain(
                compile_formula(aggregate.where.source, types), reading
            ):
                continue
            rows.append(reading)
    if aggregate.stat == "share":
        when = compile_formula(aggregate.when.source, types)
        if not rows:
            return None
        return Fraction(sum(1 for r in rows if plain(when, r)), len(rows))
    if aggregate.stat == "count":
        return Fraction(len(rows))
    of = compile_formula(aggregate.of.source, types)
    xs = [plain(of, r) for r in rows]
    if aggregate.stat == "sum":
        return sum((Fraction(x) for x in xs), Fraction(0))
    if not xs:
        return None
    if aggregate.stat in ("min", "max"):
        return Fraction({"min": min, "max": max}[aggregate.stat](xs))
    if aggregate.stat == "mean":
        return sum((Fraction(x) for x in xs), Fraction(0)) / len(xs)
    try:
        return Fraction(spread(aggregate.stat, xs).value)  # a square root: to 34 digits
    except ArithmeticError:
        return "undefined"


def _plain_aggregate(rules: RuleSet, data: dict[str, Any]) -> Any:
    """``a0`` worked out the plain way, in fractions: its value, None (no value) or
    ``"missing"`` (a weighted group with no record)."""
    from qualscore.ruleset.formula import compile_formula
    from simple_reference import reference as plain

    decl = rules.lists[0]
    aggregate = decl.aggregates[0]
    facts = {"n0": Decimal(data["n0"]), "b0": data["b0"]}
    value_decl = decl.values[0]
    y_formula = compile_formula(value_decl.expr.source, RECORD_TYPES, limit=100_000)
    rows = []
    for r in data["l0"]:
        given = r.get("value", r)
        record = {"x": Decimal(given["x"]), "f": given["f"], "g": given["g"], "e": given["e"]}
        record["y"] = plain(y_formula, {**facts, **record})
        reading = {**facts, **record}
        if aggregate.where is not None and not plain(aggregate.where, reading):
            continue
        of = None if aggregate.of is None else Fraction(plain(aggregate.of, reading))
        rows.append((record, of))

    def stat(name: str, xs: list[Fraction]) -> Fraction | None:
        if name == "count":
            return Fraction(len(xs))
        if name == "sum":
            return sum(xs, Fraction(0))
        if not xs or (name == "trimmed_mean" and len(xs) < 3):
            return None
        if name == "min":
            return min(xs)
        if name == "max":
            return max(xs)
        if name == "mean":
            return sum(xs, Fraction(0)) / len(xs)
        return (sum(xs, Fraction(0)) - max(xs) - min(xs)) / (len(xs) - 2)

    numbers = [Fraction(1) if of is None else of for _, of in rows]
    if aggregate.by is None:
        return stat(aggregate.stat, numbers)
    groups: dict[str, list[Fraction]] = {}
    for (record, _), x in zip(rows, numbers, strict=True):
        groups.setdefault(str(record[aggregate.by]), []).append(x)
    taken = {g: stat(aggregate.take or "mean", xs) for g, xs in groups.items()}
    taken = {g: v for g, v in taken.items() if v is not None}
    if aggregate.stat != "weighted_mean":
        return stat(aggregate.stat, list(taken.values()))
    weights = {g: Fraction(w) for g, w in (aggregate.weights or {}).items()}
    if any(w > 0 and g not in taken for g, w in weights.items()):
        return "missing"
    return sum((weights[g] * v for g, v in taken.items()), Fraction(0)) / sum(
        (weights[g] for g in taken), Fraction(0)
    ) if any(weights[g] for g in taken) else None


def _difference(want: str, got: str) -> str:
    """Where two results part, a few fields either side (the reference's first)."""
    import difflib

    lines = difflib.unified_diff(
        want.replace(", ", ",\n").splitlines(), got.replace(", ", ",\n").splitlines(),
        "reference", "engine", n=6, lineterm="",
    )  # fmt: skip
    return "\n".join(list(lines)[:60])


def _verdicts(result: Result) -> dict[str, bool | None]:
    found: dict[str, bool | None] = {n.id: n.met for n in result.judged()}
    if result.verdict is not None:
        found[""] = result.met
    return found


def _judgements(rules: RuleSet, draw: st.DrawFn) -> dict[str, Any]:
    """A judgement of every judged item and part (of those judged in full by default,
    some): its lowest score, its highest, or between, as a score or a deduction."""
    out: dict[str, Any] = {}
    for key, judged in rules.judged_items().items():
        if judged.shape.default == "full" and not draw(st.booleans()):
            continue
        penalty = judged.part is None and rules.role(key) == "penalty"
        top = Decimal(0) if penalty else judged.upper
        low = judged.lower if judged.lower is not None else top - 3
        score = draw(st.sampled_from([top, low, (top + low) / 2]))
        entry: dict[str, Any] = {"reason": "Seen", "assessor": draw(st.sampled_from([None, "Team"])),
                                 "evidence": draw(st.sampled_from([None, "Minutes"]))}
        if judged.shape.give == "deduction":
            entry["deduction"] = str(top - score)
        else:
            entry["score"] = str(score)
        out[key] = entry
    return out


def _scores(result: Result) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    items = {i.id: i.score for i in result.items}
    nodes: dict[str, Decimal] = {}
    for category in result.categories:
        nodes.update({c.id: c.score for c in category.children if isinstance(c, NodeResult)})
        nodes[category.id] = category.score
    return items, nodes


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(CHUNKS))
@settings(max_examples=PER_CHUNK, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])  # fmt: skip
@given(rules=rule_sets(),
       entities=st.lists(st.tuples(values, records, members), min_size=1, max_size=4),
       draw=st.data())  # fmt: skip
def test_generated_code_matches_the_reference(
    chunk: int, rules: RuleSet, entities: list[dict[str, Any]], draw: st.DataObject
) -> None:
    """Scores, traces and errors of evaluate() and score() equal the reference interpreter's;
    the list's aggregate equals its plain computation in fractions (``chunk``: which of the
    CHUNKS shares of the examples this is)."""
    for data, listed, given_members in entities:
        # Some facts with their evidence (and a supplier), the others without; some
        # records with theirs.
        data = {
            k: {"value": v, "evidence": f"File {k}", "supplier": "Dept S"}
            if v is not None and draw.draw(st.booleans())
            else v
            for k, v in data.items()
        }
        data["l0"] = [dict(r, evidence=f"Record {i}") if draw.draw(st.booleans()) else r
                      for i, r in enumerate(listed)]  # fmt: skip
        data["m0"] = _member_data(given_members)
        plain = {**{k: (v["value"] if isinstance(v, dict) else v) for k, v in data.items()}}
        try:
            expected = _plain_aggregate(rules, plain)
        except ArithmeticError:
            expected = "failed"  # a record's formula failed (a division by zero)
        try:
            facts = qualscore.check_facts(rules, {**data, "judged": _judgements(rules, draw.draw)})
        except qualscore.FactsError as exc:
            assert expected in ("missing", "failed"), exc
            continue
        assert expected not in ("missing", "failed")
        places = rules.lists[0].aggregates[0].places
        if expected is None:
            assert "a0" not in facts.values
        elif places is None:  # exact, or within the 34 digits a division keeps
            got_value = Fraction(facts.values["a0"])
            assert abs(got_value - expected) <= Fraction(1, 10**30) * max(1, abs(expected))
        else:
            with decimal.localcontext(prec=80):
                exact_value = Decimal(expected.numerator) / Decimal(expected.denominator)
                mode = MODES[rules.manifest.rounding.mode]
                rounded = exact_value.quantize(Decimal(1).scaleb(-places), mode)
            assert facts.values["a0"] == rounded
        want_members = _plain_members(rules, given_members, facts.values)
        try:
            run_values = values_for(rules, facts)
        except qualscore.EvaluationError:
            assert want_members == "undefined"
            with pytest.raises(qualscore.EvaluationError):
                qualscore.evaluate(rules, facts)
            continue
        if want_members is None:
            assert "a1" not in run_values
        else:
            got_value = Fraction(run_values["a1"])
            places = rules.lists[1].aggregates[0].places
            if places is None:
                assert abs(got_value - want_members) <= Fraction(1, 10**30) * max(
                    1, abs(want_members)
                )
            else:
                with decimal.localcontext(prec=80):
                    exact = Decimal(want_members.numerator) / Decimal(want_members.denominator)
                    mode = MODES[rules.manifest.rounding.mode]
                    assert run_values["a1"] == exact.quantize(Decimal(1).scaleb(-places), mode)
        try:
            want = reference(rules, run_values, facts.sha256)
        except qualscore.EvaluationError as exc:
            for run in (qualscore.evaluate, qualscore.score):
                try:
                    run(rules, facts)
                except qualscore.EvaluationError as got:
                    assert (got.rule_id, got.message) == (exc.rule_id, exc.message)
                else:
                    raise AssertionError(f"{run.__name__} did not fail: {exc}")
            continue
        got = qualscore.evaluate(rules, facts)
        assert repr(got) == repr(want), _difference(repr(want), repr(got))
        fast = qualscore.score(rules, facts)
        items, nodes = _scores(want)
        assert repr((dict(fast.items), dict(fast.nodes), fast.total, fast.vetoed)) == repr(
            (items, nodes, want.total, want.vetoed)
        )
        assert fast.grade == want.grade
        assert dict(fast.verdicts) == dict(_verdicts(want))
        assert {k: v for k, v in fast.values.items() if v is not None} == {
            i.key: i.value for i in want.values if i.records is None  # aggregates: in the facts
        }
