"""The expression language is one typed tree, and every walk of a formula is a visitor of it."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from decimal import Decimal
from pathlib import Path

import pytest

import qualscore
from qualscore.language import tree as T
from qualscore.language.parse import FormulaError, parse
from qualscore.language.tree import Visitor

SRC = Path(qualscore.__file__).resolve().parent

KINDS = sorted(
    {cls.kind for cls in vars(T).values() if inspect.isclass(cls) and issubclass(cls, T.Expr)}
    - {""}
)
TYPES: dict[str, T.Type] = {"rate": "number", "n": "number", "ok": "bool"}


def _visitors() -> list[type]:
    for info in pkgutil.walk_packages([str(SRC)], "qualscore."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found: list[type] = []
    pending = list(Visitor.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return [c for c in found if c.__module__.startswith("qualscore.")]


def test_the_tree_has_the_kinds_the_visitor_names() -> None:
    """Each kind of node names a method of :class:`Visitor`, and each such method a kind."""
    methods = {
        name
        for name, value in vars(Visitor).items()
        if inspect.isfunction(value) and name != "visit"
    }
    assert set(KINDS) == methods
    assert (
        sorted(
            [
                "binary",
                "call",
                "compare",
                "if_",
                "logic",
                "name",
                "noderead",
                "number",
                "text",
                "truth",
                "unary",
            ]
        )
        == KINDS
    )


def test_every_visitor_in_the_package_handles_every_kind() -> None:
    """No walk of a formula can meet a node it does not know: each visitor the package
    ships (lowering to code, ranges for lint, the auditor's working and words) has its
    own method for every kind of node."""
    visitors = _visitors()
    names = {f"{c.__module__}.{c.__qualname__}" for c in visitors}
    assert {
        "qualscore.language.lower.Standalone",
        "qualscore.language.ranges._Ranger",
        "qualscore.scoring.gen._Lower",
        "qualscore.scoring.working._Evaluate",
        "qualscore.scoring.working._Show",
    } <= names
    missing = [
        f"{c.__module__}.{c.__qualname__}.{kind}"
        for c in visitors
        for kind in KINDS
        if getattr(c, kind) is getattr(Visitor, kind)
    ]
    assert missing == []


def test_only_the_parser_reads_python_syntax() -> None:
    """One module turns a formula's text into the tree; nothing else in the package walks
    Python's syntax tree of a formula, and no second evaluator ships (simpleeval is the
    tests'). The columnar engine reads the syntax of the scorer qualscore generated (its
    own code, made from checked trees, never a formula's text) to lift it into columns."""
    importing = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("ast", "simpleeval") for n in names):
                importing.append(str(path.relative_to(SRC)))
    assert importing == ["columnar/calls.py", "columnar/lift.py", "language/parse.py"]


@pytest.mark.parametrize(
    "source",
    [
        "rate * 2 + 1_000",
        "score('安全生产') >= 0.5 and ok",
        "min(rate,\n    n) if not ok else -n",
        "0 <= rate < 100",
        "round_half_up(rate / 3, 2)",
    ],
)
def test_each_node_knows_where_it_was_written(source: str) -> None:
    """``source[node.start:node.end]`` is what the user wrote for the node, wherever it is
    and whatever characters come before it (a node id in Chinese, a second line)."""
    parsed = parse(source, TYPES)
    for node in T.walk(parsed.tree):
        written = parsed.source[node.start : node.end]
        assert written, node
        if isinstance(node, T.Number):
            assert written == node.written
        elif isinstance(node, T.Name):
            assert written == node.key
        elif isinstance(node, T.NodeRead):
            assert written == f"{node.function}('{node.node}')"
    assert (parsed.tree.start, parsed.tree.end) == (0, len(parsed.source))


def test_every_node_is_typed() -> None:
    """The parser types every node: a conditional takes its branches' type, a comparison
    is a boolean, a count of conditions a number."""
    parsed = parse("count_if(ok, rate > 1) if ok else n", TYPES)
    assert parsed.tree.type == "number"
    tree = parsed.tree
    assert isinstance(tree, T.If) and isinstance(tree.body, T.Call)
    assert (tree.test.type, tree.body.type, tree.orelse.type) == ("bool", "number", "number")
    ok, compare = tree.body.args
    assert (ok.type, compare.type) == ("bool", "bool")
    assert [n.type for n in T.walk(compare)] == ["bool", "number", "number"]


def test_numbers_are_exact_from_their_text() -> None:
    parsed = parse("0.1 + 1_000.50", TYPES)
    numbers = [n for n in T.walk(parsed.tree) if isinstance(n, T.Number)]
    assert [(n.value, n.written) for n in numbers] == [
        (Decimal("0.1"), "0.1"),
        (Decimal("1000.50"), "1_000.50"),
    ]
    assert repr(numbers[1].value) == "Decimal('1000.50')"


def test_what_an_expression_reads() -> None:
    parsed = parse("score('b') + rate if met('a') and ok else rate", {**TYPES})
    assert parsed.names == ("ok", "rate")
    assert parsed.nodes == (("met", "a"), ("score", "b"))
    assert T.reads(parsed.tree) == (parsed.names, parsed.nodes)


def test_walk_is_depth_first_in_written_order() -> None:
    parsed = parse("(rate + n) * 2", TYPES)
    assert [type(n).__name__ for n in T.walk(parsed.tree)] == [
        "Binary",
        "Binary",
        "Name",
        "Name",
        "Number",
    ]


def test_a_visitor_missing_a_kind_fails_at_once() -> None:
    """A visitor without a method for a kind raises when it meets one: never a silent
    default."""

    class Partial(Visitor[str]):
        def number(self, node: T.Number) -> str:
            return "n"

    tree = parse("rate + 1", TYPES).tree
    with pytest.raises(NotImplementedError):
        Partial().visit(tree)
    assert Partial().visit(parse("1", TYPES).tree) == "n"


def test_type_errors_are_found_while_the_tree_is_built() -> None:
    with pytest.raises(FormulaError, match="'and'/'or' need booleans"):
        parse("rate and ok", TYPES)
    with pytest.raises(FormulaError, match="both branches of 'if' must have the same type"):
        parse("rate if ok else ok", TYPES)
