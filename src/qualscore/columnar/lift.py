"""The generated scorer, run once over symbolic columns: the rule set as a graph of column ops.

:mod:`qualscore.scoring.plan` writes a rule set's scores-only scorer as Python of a
small, fixed form (assignments, ``if``/``else``, conditional expressions, the formula
operators, ``quantize``). Rather than deriving each shape's meaning a second time,
:class:`Lifter` runs that very code once with every value a column expression
(:mod:`qualscore.columnar.ir`) instead of a number: an assignment binds a name to an
expression, an ``if`` runs both branches and joins what they bound with ``if`` nodes,
a formula operator becomes integer arithmetic (:mod:`qualscore.columnar.numbers`) and
adds, for an operator that may fail, the condition under which it fails. The result
is what the scorer returns, for all entities at once.

Anything outside that form (a construct this module does not know) is refused with
:class:`~qualscore.columnar.ir.NotColumnar`, naming the item it is in: the row
engine then scores the rule set.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from qualscore.columnar import numbers as nb
from qualscore.columnar.ir import Graph, Node, NotColumnar
from qualscore.columnar.numbers import Num, Number, Ratio
from qualscore.columnar.values import NONE, Bool, Input, Text, Tup, Value, node_of, select

__all__ = ["NONE", "Bool", "Input", "Lifter", "Text", "Value", "constants"]


_UNSET = object()
"""A name not bound on one path of an ``if``."""
_ITEM = re.compile(r"\s*# item '(.*)': (\w+)$")
_COMPARE = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq",
            ast.NotEq: "ne"}  # fmt: skip
_CONTAINERS = ("_S", "_A", "_I", "_N", "_D", "_V")


class Lifter:
    """Runs generated scorer source over columns.

    Args:
        graph: Where the nodes are made.
        names: The module's names (constants and helpers), as the plan made them.
        inputs: How each value the scorer reads is held, by key.
        column: The column name of an input key.
        table: The plan's formula table ((owner, formula) by index), to name an item.
        whats: What each formula's owner is (``item``, ``veto``, ``value``).
        given: Values already made for some keys, read instead of an input column.
    """

    def __init__(
        self,
        graph: Graph,
        names: Mapping[str, Any],
        inputs: Mapping[str, Input],
        column: Callable[[str], str],
        table: Sequence[tuple[str, Any]] = (),
        whats: Sequence[str] = (),
        *,
        given: Mapping[str, Any] | None = None,
    ) -> None:
        self.g = graph
        self.names = names
        self.inputs = inputs
        self.column = column
        self.table, self.whats = table, whats
        self.given = given or {}
        """Values already made for some keys (the facts as read from a table's cells)."""
        self.functions: dict[str, ast.FunctionDef] = {}
        self.failures: list[Node] = []
        """When each operator that may fail does, on the path that runs it."""
        self.order: dict[str, list[str]] = {c: [] for c in _CONTAINERS}
        self.path: Node = graph.const(True)
        self.where = "the rule set"
        self.items: dict[int, str] = {}
        self.result: Any = None

    # --- entry points -------------------------------------------------------------------

    def module(self, source: str) -> Any:
        """Run ``run(v)`` of the module ``source``; what it returns."""
        for n, line in enumerate(source.splitlines(), start=1):
            found = _ITEM.match(line)
            if found:
                self.items[n] = f"item {found.group(1)}"
        tree = ast.parse(source)
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                raise NotColumnar("a construct of the generated scorer it does not know")
            self.functions[node.name] = node
        env: dict[Any, Any] = {}
        return self.call("run", [], env)

    def expression(self, text: str, values: str = "_values") -> Any:
        """The value of one formula's own code (``_values['k']`` read as inputs)."""
        tree = ast.parse(text, mode="eval")
        return self.expr(tree.body, {values: "v"})

    # --- statements ---------------------------------------------------------------------

    def call(self, name: str, args: list[Any], env: dict[Any, Any]) -> Any:
        fn = self.functions[name]
        params = [a.arg for a in fn.args.args]
        local: dict[Any, Any] = {k: v for k, v in env.items() if isinstance(k, tuple)}
        local.update(
            {p: a for p, a in zip(params, args, strict=False) if p != "v" and p not in _CONTAINERS}
        )
        local["v"] = "v"
        returned = self.block(fn.body, local)
        env.update({k: v for k, v in local.items() if isinstance(k, tuple)})
        return returned

    def block(self, body: Sequence[ast.stmt], env: dict[Any, Any]) -> Any:
        """Run statements; what a ``return`` at their end returns."""
        for stmt in body:
            self._where(stmt)
            try:
                if isinstance(stmt, ast.Return):
                    return None if stmt.value is None else self.expr(stmt.value, env)
                if isinstance(stmt, ast.Try):
                    return self.block(stmt.body, env)
                self.statement(stmt, env)
            except NotColumnar as exc:
                if getattr(exc, "located", False):
                    raise
                located = NotColumnar(f"{self.where}: {exc.construct}")
                located.located = True  # type: ignore[attr-defined]
                raise located from None
        return None

    def _where(self, stmt: ast.stmt) -> None:
        if stmt.lineno - 1 in self.items:
            self.where = self.items[stmt.lineno - 1]

    def statement(self, stmt: ast.stmt, env: dict[Any, Any]) -> None:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            self.assign(stmt.targets[0], stmt.value, env)
        elif isinstance(stmt, ast.If):
            self.branch(stmt, env)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self.effect(stmt.value, env)
        else:
            raise _unknown(stmt)

    def assign(self, target: ast.expr, value: ast.expr, env: dict[Any, Any]) -> None:
        if isinstance(target, ast.Name) and target.id == "_w":
            self._formula(value)
        elif isinstance(target, ast.Name) and target.id in _CONTAINERS:
            self._container(target.id, value, env)
        elif isinstance(target, ast.Name):
            env[target.id] = self.expr(value, env)
        elif isinstance(target, ast.Tuple):
            got = self.expr(value, env)
            assert isinstance(got, Tup) and len(got.items) == len(target.elts)
            for t, v in zip(target.elts, got.items, strict=True):
                assert isinstance(t, ast.Name)
                env[t.id] = v
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            key = _text(target.slice)
            box = target.value.id
            env[(box, key)] = self.expr(value, env)
            if key not in self.order.get(box, [key]):
                self.order[box].append(key)
        else:
            raise _unknown(target)

    def _formula(self, value: ast.expr) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, int):
            i = value.value
            if 0 <= i < len(self.table):
                what = self.whats[i] if i < len(self.whats) else "item"
                owner = self.table[i][0]
                self.where = f"{what} {owner}" if what != "verdict of" else f"verdict of {owner}"

    def _container(self, box: str, value: ast.expr, env: dict[Any, Any]) -> None:
        if isinstance(value, ast.Dict) and value.keys:  # the same values, in another order
            keys = [_text(k) for k in value.keys if k is not None]
            got = [self.expr(v, env) for v in value.values]
            for k in [k for k in list(env) if isinstance(k, tuple) and k[0] == box]:
                del env[k]
            env.update({(box, k): v for k, v in zip(keys, got, strict=True)})
            self.order[box] = keys
        elif isinstance(value, ast.Dict | ast.List):
            for k in [k for k in list(env) if isinstance(k, tuple) and k[0] == box]:
                del env[k]
            self.order[box] = []
        else:
            raise _unknown(value)

    def effect(self, call: ast.Call, env: dict[Any, Any]) -> None:
        func = call.func
        if isinstance(func, ast.Attribute) and _name(func.value) == "_A" and func.attr == "append":
            key = _text(call.args[0])
            env[("_A", key)] = Bool(self.g.const(True))
            if key not in self.order["_A"]:
                self.order["_A"].append(key)
        elif isinstance(func, ast.Name) and func.id in self.functions:
            self.call(func.id, [self.expr(a, env) for a in call.args], env)
        else:
            raise _unknown(call)

    def branch(self, stmt: ast.If, env: dict[Any, Any]) -> None:
        cond = self.truth(self.expr(stmt.test, env))
        outer = self.path
        then_env, else_env = dict(env), dict(env)
        self.path = self.g.and_(outer, cond)
        self.block(stmt.body, then_env)
        self.path = self.g.and_(outer, self.g.not_(cond))
        self.block(stmt.orelse, else_env)
        self.path = outer
        for key in {*then_env, *else_env}:
            a, b = then_env.get(key, _UNSET), else_env.get(key, _UNSET)
            if a is b:
                env[key] = a
            elif isinstance(key, tuple) and key[0] == "_A":  # appended on one path only
                env[key] = Bool(self.g.if_(cond, _cond(a, self.g), _cond(b, self.g)))
            elif a is _UNSET or b is _UNSET:
                env[key] = b if a is _UNSET else a  # read only where it was bound
            else:
                env[key] = self.select(cond, a, b)

    # --- values -------------------------------------------------------------------------

    def truth(self, value: Any) -> Node:
        """A value as a condition, as Python's ``if`` reads it (None is false)."""
        g = self.g
        if isinstance(value, Bool):
            node = value.node
        elif isinstance(value, Num):
            node = g.cmp("ne", value.raw, g.const(0))
        elif value is NONE:
            return g.const(False)
        else:
            raise NotColumnar("a condition on a value that is not a yes or no")
        if node.null:
            node = g.and_(g.not_(g.op("isnull", node)), node)
        return node

    def select(self, cond: Node, a: Any, b: Any) -> Any:
        """``a`` where ``cond`` holds, else ``b`` (either may be None)."""
        return select(self.g, cond, a, b)

    def fail_when(self, cond: Node | None) -> None:
        """Record that the row engine fails where ``cond`` holds on the current path."""
        if cond is not None:
            self.failures.append(self.g.and_(self.path, cond))

    def expr(self, node: ast.expr, env: Mapping[Any, Any]) -> Any:
        method = getattr(self, f"_{type(node).__name__.lower()}", None)
        if method is None:
            raise _unknown(node)
        return method(node, env)

    def _name(self, node: ast.Name, env: Mapping[Any, Any]) -> Any:
        if node.id in env:
            return env[node.id]
        if node.id == "_Z":
            return Num(self.g.const(0), 0)
        if node.id in _CONTAINERS:  # handed to a function: containers are shared
            return node.id
        if node.id in self.names:
            return self.constant(self.names[node.id])
        raise _unknown(node)

    def constant(self, value: Any) -> Any:
        g = self.g
        if value is None:
            return NONE
        if isinstance(value, bool):
            return Bool(g.const(value))
        if isinstance(value, int):
            return Num(g.const(value), 0)
        if isinstance(value, Decimal):
            return nb.const(g, value)
        if isinstance(value, str):
            return Text(g.const(value))
        if isinstance(value, tuple):
            return Tup(tuple(self.constant(v) for v in value))
        raise NotColumnar("a constant of a kind it does not know")

    def _constant(self, node: ast.Constant, env: Mapping[Any, Any]) -> Any:
        return self.constant(node.value)

    def _subscript(self, node: ast.Subscript, env: Mapping[Any, Any]) -> Any:
        base = node.value
        if isinstance(base, ast.Name) and env.get(base.id) == "v":
            return self.read(_text(node.slice))
        if isinstance(base, ast.Name) and base.id in _CONTAINERS:
            return env[(base.id, _text(node.slice))]
        seq, index = self.expr(base, env), self.expr(node.slice, env)
        if isinstance(seq, Tup) and isinstance(index, Num) and index.scale == 0:
            return self._pick(seq, index)
        raise _unknown(node)

    def _pick(self, seq: Tup, index: Num) -> Any:
        """``seq[index]`` for an index column (a null index: None)."""
        out: Any = NONE
        for i in reversed(range(len(seq.items))):
            out = self.select(self.g.cmp("eq", index.raw, self.g.const(i)), seq.items[i], out)
        return out

    def read(self, key: str) -> Any:
        """The value the scorer reads as ``v[key]``."""
        if key in self.given:
            return self.given[key]
        spec = self.inputs.get(key)
        if spec is None and key.startswith("judged:"):
            raise NotColumnar("a judged score (an assessor's judgement the facts give)")
        if spec is None:
            raise NotColumnar(f"a value that is not a fact ({key})")
        node = self.g.col(self.column(key), spec.kind, spec.mag, null=spec.null)
        if spec.kind == "int":
            return Num(node, spec.scale)
        return Bool(node) if spec.kind == "bool" else Text(node)

    def _tuple(self, node: ast.Tuple, env: Mapping[Any, Any]) -> Any:
        return Tup(tuple(self.expr(e, env) for e in node.elts))

    def _ifexp(self, node: ast.IfExp, env: Mapping[Any, Any]) -> Any:
        cond = self.truth(self.expr(node.test, env))
        outer = self.path
        self.path = self.g.and_(outer, cond)
        a = self.expr(node.body, env)
        self.path = self.g.and_(outer, self.g.not_(cond))
        b = self.expr(node.orelse, env)
        self.path = outer
        return self.select(cond, a, b)

    def _boolop(self, node: ast.BoolOp, env: Mapping[Any, Any]) -> Any:
        # Python's and/or stop early: a later operand runs only where the earlier decide
        # nothing (what it could fail on counts only there).
        outer, conds = self.path, []
        for value in node.values:
            conds.append(self.truth(self.expr(value, env)))
            step = conds[-1] if isinstance(node.op, ast.And) else self.g.not_(conds[-1])
            self.path = self.g.and_(self.path, step)
        self.path = outer
        join = self.g.and_ if isinstance(node.op, ast.And) else self.g.or_
        return Bool(join(*conds))

    def _unaryop(self, node: ast.UnaryOp, env: Mapping[Any, Any]) -> Any:
        value = self.expr(node.operand, env)
        if isinstance(node.op, ast.Not):
            return Bool(self.g.not_(self.truth(value)))
        if isinstance(node.op, ast.USub) and isinstance(value, Num | Ratio):
            return nb.neg(self.g, value)
        if isinstance(node.op, ast.UAdd) and isinstance(value, Num | Ratio):
            return value
        raise _unknown(node)

    def _compare(self, node: ast.Compare, env: Mapping[Any, Any]) -> Any:
        left = self.expr(node.left, env)
        conds = []
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.expr(right_node, env)
            conds.append(self.compare(op, left, right))
            left = right
        return Bool(self.g.and_(*conds))

    def compare(self, op: ast.cmpop, a: Any, b: Any) -> Node:
        g = self.g
        if isinstance(op, ast.Is | ast.IsNot) and (a is NONE or b is NONE):
            other = b if a is NONE else a
            null = g.const(True) if other is NONE else g.op("isnull", node_of(other))
            return null if isinstance(op, ast.Is) else g.not_(null)
        name = _COMPARE.get(type(op))
        if name is None:
            raise NotColumnar(_IN if isinstance(op, ast.In | ast.NotIn) else "a comparison "
                              "it does not know")
        if isinstance(a, Num | Ratio) and isinstance(b, Num | Ratio):
            if name in ("eq", "ne") and (node_of(a).null or node_of(b).null):
                return self._nullable_equal(name, a, b)
            return nb.compare(g, name, a, b)
        if isinstance(a, Bool | Text) and isinstance(b, Bool | Text) and name in ("eq", "ne"):
            return g.cmp(name, a.node, b.node)
        raise NotColumnar("a comparison of values of different kinds")

    def _nullable_equal(self, name: str, a: Number, b: Number) -> Node:
        g = self.g
        na, nb_ = g.op("isnull", node_of(a)), g.op("isnull", node_of(b))
        both = g.and_(g.not_(na), g.not_(nb_))
        equal = g.or_(g.and_(na, nb_), g.and_(both, nb.compare(g, "eq", a, b)))
        return equal if name == "eq" else g.not_(equal)

    def _binop(self, node: ast.BinOp, env: Mapping[Any, Any]) -> Any:
        a, b = self.expr(node.left, env), self.expr(node.right, env)
        if not (isinstance(a, Num | Ratio) and isinstance(b, Num | Ratio)):
            raise NotColumnar("arithmetic on a value that is not a number")
        g = self.g
        if isinstance(node.op, ast.Add | ast.Sub):
            return nb.add(g, a, b, 1 if isinstance(node.op, ast.Add) else -1)
        if isinstance(node.op, ast.Mult):
            return nb.mul(g, a, b)
        if isinstance(node.op, ast.Div):
            value, zero = nb.div(g, a, b)
            self.fail_when(zero)
            return value
        raise _unknown(node)

    def _call(self, node: ast.Call, env: Mapping[Any, Any]) -> Any:
        from qualscore.columnar.calls import call

        return call(self, node, env)


_IN = "evidence or a judgement the facts must give"


def _cond(value: Any, g: Graph) -> Node:
    return g.const(False) if value is _UNSET else value.node


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _text(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise _unknown(node)


def _unknown(node: ast.AST) -> NotColumnar:
    return NotColumnar(f"a construct it does not know ({ast.unparse(node)[:60]})")


_CONSTANT = re.compile(r"# (_k[0-9]+) = (.*)$")


def constants(source: str) -> dict[str, Any]:
    """The constants of generated source, read from its header (``# _k3 = Decimal('2')``)."""
    found: dict[str, Any] = {}
    for line in source.splitlines():
        if not line.startswith("#"):
            if line.startswith("def "):
                break
            continue
        match = _CONSTANT.match(line)
        if match:
            found[match.group(1)] = _literal(ast.parse(match.group(2), mode="eval").body)
    return found


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(_literal(e) for e in node.elts)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Decimal"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
    ):
        return Decimal(str(node.args[0].value))
    raise NotColumnar("a constant of a kind it does not know")
