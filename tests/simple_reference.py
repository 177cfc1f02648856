"""simpleeval, the reference a formula's own code is held to.

The engine ships one evaluator: the code the typed tree is lowered to
(:mod:`qualscore.language.lower`). The tests hold it to an independent one:
simpleeval's recursive evaluator, walking Python's own syntax tree of the
formula's text (not the engine's parse), with the language's operator functions
and number literals made exact from their text.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from simpleeval import SimpleEval

from qualscore.language.ops import BINARY, COMPARE, FUNCTIONS, LIST_FUNCTIONS, NODE_FUNCTIONS, UNARY
from qualscore.ruleset.formula import Formula, Value, node_key

__all__ = ["reference"]

_OPERATORS: dict[type, Any] = {
    ast.Add: BINARY["+"],
    ast.Sub: BINARY["-"],
    ast.Mult: BINARY["*"],
    ast.Div: BINARY["/"],
    ast.USub: UNARY["-"],
    ast.UAdd: UNARY["+"],
    ast.Not: lambda a: not a,
    ast.Eq: COMPARE["=="],
    ast.NotEq: COMPARE["!="],
    ast.Lt: COMPARE["<"],
    ast.LtE: COMPARE["<="],
    ast.Gt: COMPARE[">"],
    ast.GtE: COMPARE[">="],
}


class _Exact(ast.NodeTransformer):
    def __init__(self, source: str) -> None:
        self.source = source

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, int | float) and not isinstance(node.value, bool):
            text = ast.get_source_segment(self.source, node) or repr(node.value)
            return ast.copy_location(ast.Constant(Decimal(text.replace("_", ""))), node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in ("true", "false"):
            return ast.copy_location(ast.Constant(node.id == "true"), node)
        return node


def _read_node(evaluator: SimpleEval, function: str, node: str) -> Value:
    value: Value = evaluator.names[node_key(function, node)]
    return value


def reference(formula: Formula, values: Mapping[str, Value]) -> Value:
    """``formula`` evaluated by simpleeval on ``values``.

    Raises:
        ArithmeticError: as :meth:`Formula.evaluate`.
    """
    functions: dict[str, Any] = {name: fn for name, (_, _, fn) in FUNCTIONS.items()}
    functions.update((name, fn) for name, (_, _, fn) in LIST_FUNCTIONS.items())
    evaluator = SimpleEval(operators=_OPERATORS, functions=functions, names=values)
    for name in NODE_FUNCTIONS:
        evaluator.functions[name] = partial(_read_node, evaluator, name)
    tree = _Exact(formula.source).visit(ast.parse(formula.source, mode="eval")).body
    result: Value = evaluator.eval(formula.source, previously_parsed=tree)
    return result
