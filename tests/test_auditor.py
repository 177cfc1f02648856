"""An auditor recomputes every item of a city from the JSON trace alone.

Nothing of qualscore is used but its JSON output: the inputs, each shape's
trace (bands and their bounds, the case matched, each deduction's value,
unit size and cap, each part) and each expression's exact working. The
arithmetic here is written anew (plain ``decimal``), so a report that left
out a deciding number, or a trace that disagreed with its score, fails.
"""

from __future__ import annotations

import ast
import io
import json
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import pytest

from conftest import ROOT
from qualscore.cli.app import main

CITIES = ["city-sample", "city-b"]


def document(city: str) -> dict[str, Any]:
    out = io.StringIO()
    code = main(["evaluate", str(ROOT / "rules/rugao-2018"),
                 str(ROOT / f"examples/rugao-2018/{city}.yaml"), "--format", "json"],
                stdout=out, stderr=io.StringIO())  # fmt: skip
    assert code == 0
    doc: dict[str, Any] = json.loads(out.getvalue())
    return doc


def items(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for child in node.get("children", []):
        found.extend([child] if child["kind"] == "item" else items(child))
    return found


def evaluate(source: str, values: dict[str, Any]) -> Any:
    """An expression over the JSON's inputs, computed anew (34 digits, as the engine)."""

    def run(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, bool) else Decimal(
                ast.get_source_segment(source, node) or ""
            )
        if isinstance(node, ast.Name):
            return {"true": True, "false": False}.get(node.id, values.get(node.id))
        if isinstance(node, ast.BinOp):
            a, b = run(node.left), run(node.right)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            assert isinstance(node.op, ast.Div)
            return a / b
        if isinstance(node, ast.UnaryOp):
            v = run(node.operand)
            return (not v) if isinstance(node.op, ast.Not) else (-v if isinstance(node.op, ast.USub) else v)
        if isinstance(node, ast.BoolOp):
            results = [run(v) for v in node.values]
            return all(results) if isinstance(node.op, ast.And) else any(results)
        if isinstance(node, ast.Compare):
            left, ok = run(node.left), True
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                right = run(right_node)
                ok = ok and {ast.Lt: left < right, ast.LtE: left <= right, ast.Gt: left > right,
                             ast.GtE: left >= right, ast.Eq: left == right,
                             ast.NotEq: left != right}[type(op)]  # fmt: skip
                left = right
            return ok
        if isinstance(node, ast.IfExp):
            return run(node.body) if run(node.test) else run(node.orelse)
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            args = [run(a) for a in node.args]
            name = node.func.id
            if name == "round_half_up":
                places = int(args[1]) if len(args) > 1 else 0
                return args[0].quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
            if name in ("ceil", "floor"):
                return args[0].to_integral_value(ROUND_CEILING if name == "ceil" else ROUND_FLOOR)
            return {"min": min, "max": max, "abs": abs}[name](*args)
        raise AssertionError(ast.dump(node))

    with localcontext() as ctx:
        ctx.prec = 34
        return run(ast.parse(source, mode="eval").body)


def number(text: str | None) -> Decimal:
    assert text is not None
    return Decimal(text)


def shape_value(trace: dict[str, Any], values: dict[str, Any], cap: Decimal) -> Decimal:
    """The shape's value recomputed from the trace's numbers and the inputs."""
    kind = trace["shape"]
    if kind == "parts":
        total = Decimal(0)
        for part in trace["parts"]:
            points = number(part["points"])
            if part["kind"] == "when":
                held = evaluate(part["expr"], values)
                assert held == part["held"]
                total += points if held else 0
            elif part["kind"] == "each":
                units = max(evaluate(part["expr"], values), Decimal(0))
                assert units == number(part["units"])
                total += units * points
            else:
                inner = shape_value(part["inner"], values, points)
                total += min(points, max(inner, Decimal(0)))
        return total
    if kind == "tiers":
        value = evaluate(trace["expr"], values)
        assert value == number(trace["input"])
        for i, band in enumerate(trace["bands"]):
            low, high = band["lower"], band["upper"]
            fits = (low is None or (value >= number(low) if band["lower_inclusive"]
                                    else value > number(low)))  # fmt: skip
            fits = fits and (high is None or (value <= number(high) if band["upper_inclusive"]
                                              else value < number(high)))  # fmt: skip
            if fits:
                assert trace["matched"] == i
                return number(band["points"])
        assert trace["matched"] is None
        return number(trace["value"])  # otherwise: the source's points for no band
    if kind == "cases":
        for i, condition in enumerate(trace["conditions"]):
            if evaluate(condition, values):
                assert trace["matched"] == i
                return number(trace["points"][i])
        assert trace["matched"] is None
        return number(trace["value"])
    if kind == "deductions":
        taken = Decimal(0)
        for step in trace["steps"]:
            points = number(step["points"])
            if step["kind"] == "per":
                value = evaluate(step["expr"], values)
                assert value == number(step["value"])
                units = value
                if step["every"] is not None:  # whole steps only, or a started one counting whole
                    mode = ROUND_FLOOR if step["counted"] == "whole" else ROUND_CEILING
                    units = (value / number(step["every"])).to_integral_value(mode)
                units = max(units, Decimal(0))
                assert units == number(step["units"])
                deducted = units * points
                if step["most"] is not None:
                    deducted = min(deducted, number(step["most"]))
            else:
                held = evaluate(step["expr"], values)
                deducted = points if (held if step["kind"] == "when" else not held) else Decimal(0)
            assert deducted == number(step["deducted"])
            taken += deducted
        return max(number(trace["start"]) - taken, number(trace["floor"]))
    if kind == "formula":
        return Decimal(evaluate(trace["expr"], values))
    if kind == "target":
        actual, target = evaluate(trace["actual_expr"], values), evaluate(trace["target_expr"], values)
        met = {"at_least": actual >= target, "above": actual > target,
               "below": actual < target, "at_most": actual <= target}[trace["met_when"]]  # fmt: skip
        return cap if met else Decimal(0)
    raise AssertionError(kind)


@pytest.mark.parametrize("city", CITIES)
def test_every_item_recomputes_from_the_json_trace(city: str) -> None:
    doc = document(city)
    every = [i for c in doc["categories"] for i in items(c)] + [doc["bonus"]]
    assert len(every) == 59
    for item in every:
        values = {
            i["key"]: i["value"] if isinstance(i["value"], bool) else Decimal(i["value"])
            for i in item["inputs"]
        }
        points = number(item["max"])
        if item["not_applicable"] is not None:
            raw = number(item["raw"])
            assert item["lost"] == "0"
        else:
            raw = shape_value(item["trace"], values, points)
            assert raw == number(item["raw"]), item["id"]
        score = min(max(raw, Decimal(0)), points).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert score == number(item["score"]), item["id"]
        # Every worked expression's exact value is what the auditor computes.
        for working in item["working"]:
            assert evaluate(working["expr"], values) == (
                working["value"] if isinstance(working["value"], bool) else number(working["value"])
            ), item["id"]
    total = Decimal(0)
    for category in doc["categories"]:
        child_sum = Decimal(0)
        for child in category["children"]:
            if child["kind"] == "item":
                child_sum += number(child["score"])
            else:
                inner = sum((number(i["score"]) for i in items(child)), Decimal(0))
                child_sum += min(inner, number(child["max"]))
        total += min(child_sum, number(category["max"]))
    total += min(number(doc["bonus"]["score"]), number(doc["bonus"]["max"]))
    assert total == number(doc["total"])
