"""A rule set compiled for columns: the scorer lifted once into outputs (engine-neutral).

:func:`compile_columns` lifts the rule set's scores-only scorer
(:mod:`qualscore.columnar.lift`) over one integer or boolean column per fact, and
names what a batch row needs of it: the total, whether a veto decides the result and
its word, each item's and category's score, the grade, the verdicts, and whether the
row engine would fail on the row. What it cannot compute raises
:class:`~qualscore.columnar.ir.NotColumnar`, naming the construct and its item.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from qualscore.columnar import facts
from qualscore.columnar.cells import cells
from qualscore.columnar.ir import Graph, Node, NotColumnar
from qualscore.columnar.lift import NONE, Bool, Input, Lifter, Text, constants
from qualscore.columnar.numbers import Num
from qualscore.ruleset.loader import RuleSet, item_bounds, node_bounds
from qualscore.ruleset.reads import SCHEME
from qualscore.scoring import runtime, shapes
from qualscore.scoring.plan import plan

__all__ = ["Compiled", "Output", "compile_scorer", "inputs_of", "value_column"]


@dataclass(frozen=True)
class Output:
    """One output column: its node and, for a number, its scale."""

    node: Node
    scale: int = 0


@dataclass(frozen=True)
class Compiled:
    """The scorer over columns.

    Attributes:
        graph: Where its nodes are.
        inputs: How each fact's column is held.
        outputs: Output columns by name: ``total``, ``vetoed``, ``label``, ``grade``,
            ``failed``, ``i:ID`` (each item, the bonus as ``i:bonus``, in the order
            the row engine lists them), ``n:ID`` (each category), ``d:ID`` (each
            verdict, ``d:`` the scheme's), ``c:ID...`` (each target item's cell:
            :mod:`qualscore.columnar.cells`).
        items: The item ids in order; ``categories`` the categories'.
    """

    graph: Graph
    inputs: dict[str, Input]
    outputs: dict[str, Output]
    items: tuple[str, ...]
    categories: tuple[str, ...]
    verdicts: tuple[str, ...]
    targets: tuple[str, ...] = ()
    """The items scored against a target, in order: each has a cell (``c:ID``...)."""


def value_column(key: str) -> str:
    """The column holding the value of fact ``key`` once read."""
    return f"v:{key}"


def inputs_of(ruleset: RuleSet) -> dict[str, Input]:
    """How each fact's value is held: a boolean, or an integer at its scale."""
    vetoed = {n for v in ruleset.manifest.vetoes for n in v.when.names}
    out: dict[str, Input] = {}
    for f in ruleset.facts:
        if f.type in ("bool", "choice"):
            out[f.key] = Input("bool" if f.type == "bool" else "str", null=f.role == "target")
            continue
        scale = facts.scale_of(f)
        low, high = f.bounds
        limit = 10**facts.DIGITS
        if high is not None and low is not None:
            limit = min(limit, int(max(abs(low), abs(high))) + 1)
        blank = f.role == "target" and f.key not in vetoed
        out[f.key] = Input("int", scale, limit * 10**scale, blank)
    return out


def compile_scorer(ruleset: RuleSet, inputs: dict[str, Input] | None = None) -> Compiled:
    """The rule set's scorer over columns (``inputs``: how each value it reads is held, if
    not as :func:`inputs_of` says: values the facts do not give, such as aggregates).

    Raises:
        NotColumnar: a construct the columns do not compute.
    """
    scorer = plan(ruleset)
    source = scorer.source(False)
    names = {**runtime.helpers(), **constants(source)}
    graph = Graph()
    inputs = inputs if inputs is not None else inputs_of(ruleset)
    lift = Lifter(graph, names, inputs, value_column, scorer.formulas(False),
                  _whats(ruleset, scorer.formulas(False)))  # fmt: skip
    lift.ruleset = ruleset  # type: ignore[attr-defined]  # the grades read its bands
    got = lift.module(source)
    g = graph
    outputs: dict[str, Output] = {}
    outputs["total"] = _number(got["total"], "the total")
    vetoed = lift.truth(got["vetoed"])
    outputs["vetoed"] = Output(vetoed)
    outputs["label"] = Output(_label(lift, ruleset, got["held"]))
    grade = got["grade"]
    outputs["grade"] = Output(grade.node if isinstance(grade, Text) else g.const(None, "str"))
    items = tuple(got["items"])
    for key, value in got["items"].items():
        outputs[f"i:{key}"] = _number(value, f"item {key}")
    categories = tuple(c.id for c in ruleset.categories)
    for key in categories:
        outputs[f"n:{key}"] = _number(got["nodes"][key], f"category {key}")
    verdicts = tuple(got["verdicts"])
    for key, value in got["verdicts"].items():
        outputs[f"d:{key}"] = Output(_maybe(g, value))
    targets = [i for i in ruleset.items() if shapes.completes(i.score)]
    cells(lift, targets, outputs)
    outputs["failed"] = Output(g.or_(*lift.failures))
    _narrow(g, ruleset, outputs)
    return Compiled(graph, inputs, outputs, items, categories, verdicts,
                    tuple(i.id for i in targets))  # fmt: skip


def _narrow(g: Graph, ruleset: RuleSet, outputs: dict[str, Output]) -> None:
    """Each score's column as narrow as the scheme's bounds make it (an item is clamped to
    [floor, points], a category to its own): what the generic bounds of its operations
    would leave 128 bits wide fits in 64 (the rows outside them are not the scores'.)"""
    spans: dict[str, int | None] = {}
    for item in ruleset.items():
        spans[item.id] = _span(item_bounds(item, ruleset.role(item.id)))
    if ruleset.manifest.bonus is not None:
        spans["bonus"] = _span(item_bounds(ruleset.manifest.bonus, "score"))
    for category in ruleset.categories:
        low, high = node_bounds(category.points, category.floor, category.kind)
        under = [spans.get(i.id) for c in category.items for i in getattr(c, "items", [c])]
        floors = [item_bounds(i, ruleset.role(i.id))[0] for c in category.items
                  for i in getattr(c, "items", [c])]  # fmt: skip
        if low is None and all(f is not None and f >= 0 for f in floors):
            low = Decimal(0)  # no item below 0: neither is their sum
        spans[category.id] = _span((low, high)) if None not in under else None
    tops = [spans.get(c.id) for c in ruleset.categories]
    if ruleset.manifest.bonus is not None:
        tops.append(spans.get("bonus"))
    whole = None if None in tops else sum(t for t in tops if t is not None)
    for name, output in list(outputs.items()):
        key = name[2:] if name[:2] in ("i:", "n:") else ("" if name == "total" else None)
        if key is None:
            continue
        span = whole if name == "total" else spans.get(key)
        if span is not None and output.node.kind == "int":
            mag = span * 10**output.scale
            if mag < output.node.mag:
                node = g.op("add", output.node, g.const(0), mag=mag)
                outputs[name] = Output(node, output.scale)


def _span(bounds: tuple[Decimal | None, Decimal | None]) -> int | None:
    """The largest size a value within ``bounds`` has (None: unbounded), rounded up."""
    low, high = bounds
    if low is None or high is None:
        return None
    return int(max(abs(low), abs(high))) + 1


def _whats(ruleset: RuleSet, table: Any) -> list[str]:
    vetoes = {v.id for v in ruleset.manifest.vetoes}
    values = {d.key for d in ruleset.values}
    return ["veto" if o in vetoes else "value" if o in values else "item" for o, _ in table]


def _number(value: Any, what: str) -> Output:
    if not isinstance(value, Num):
        raise NotColumnar(f"{what}: a score that is not a decimal")
    return Output(value.raw, value.scale)


def _maybe(g: Graph, value: Any) -> Node:
    """A verdict: met, not met, or null where it does not apply."""
    if value is NONE:
        return g.const(None, "bool")
    if isinstance(value, Bool):
        return value.node
    raise NotColumnar("a verdict that is not a yes or no")


def _label(lift: Lifter, ruleset: RuleSet, held: Any) -> Node:
    """The result's word: the first held veto's that says one, else the normal result."""
    g = lift.g
    label = g.const(ruleset.manifest.normal_result, "str")
    vetoes = ruleset.manifest.vetoes
    for veto, h in reversed(list(zip(vetoes, held.items, strict=True))):
        if veto.result:
            label = g.if_(lift.truth(h), g.const(veto.result), label)
    return label


_ = SCHEME
