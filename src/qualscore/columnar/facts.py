"""Table cells checked and read as columns, with exactly the acceptance of the quick check.

A row's cells are what the batch's table reader gives for them (text, stripped; a
blank cell None; ``true``/``false`` in any case a boolean) handed to
:func:`qualscore.facts.fast.quick_facts`. Here the same tests are column expressions
over the raw cell text (:mod:`qualscore.columnar.ir`): a row is ``refused`` exactly
when the quick check would not take it (the row engine then checks it in full and
words the problems), else its values are read into integer columns.

Two more conditions hand an accepted row back to the row engine without it being
wrong: ``beyond``, a number with more decimals than its column's scale or more than
:data:`DIGITS` digits before the point (the columns would not hold it exactly), and
nothing else. ``odd`` rows are scored here, but their fingerprint is made in Python
from the row (a number whose decimal prints otherwise than it is written: ``007``,
``-0``, seven places or more), as :func:`quick_facts` makes it.

Numbers never pass through float: a cell's digits are cut at the point and each
part read as an integer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from qualscore.columnar import numbers as nb
from qualscore.columnar.ir import Graph, Node, NotColumnar
from qualscore.columnar.lift import Bool, Lifter
from qualscore.columnar.numbers import Num
from qualscore.facts.check import PROVENANCE
from qualscore.facts.fast import quick_facts
from qualscore.language.lower import Standalone
from qualscore.ruleset.loader import RuleSet
from qualscore.source.tables import MAX_CELL_CHARS

__all__ = [
    "DIGITS", "PLACES", "Reading", "blank_row", "cell", "column", "fingerprint", "plain", "read",
    "scale_of", "unusable",
]  # fmt: skip

PLACES = 6
"""Decimals a number column holds (a count's: none; more where a bound has more)."""
DIGITS = 12
"""Digits before the point a number column holds."""

SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
"""What :meth:`str.strip` strips: the table reader strips each cell so. (The last space
of Unicode is U+3000, the ideographic space: looking past it costs a fifth of a second at
import.)"""
_NUMBER = r"(-?)([0-9]{1,15})(?:\.([0-9]{1,18}))?"
"""The quick check's plain number (``_PLAIN_NUMBER``), its sign, whole part and decimals."""
_TRUE = "[Tt][Rr][Uu][Ee]"
_FALSE = "[Ff][Aa][Ll][Ss][Ee]"
_NAME = "[^\\x00-\\x1f\\x7f-\\x9f]{1,200}"
"""A period's text as :func:`~qualscore.facts.check.name_of` takes it: on one line."""
_AS_WRITTEN = "-?[1-9][0-9]*(?:\\.[0-9]{1,6})?|-?0\\.[0-9]*[1-9][0-9]*|0(?:\\.0{1,6})?"
"""A number whose decimal prints as it is written (else the row is ``odd``): no leading
zero, at most six places, no minus zero. (``0.0000001`` prints ``1E-7``.)"""


def column(key: str) -> str:
    """The table column of fact ``key`` once read (apart from the names the engine makes)."""
    return f"f:{key}"


@dataclass(frozen=True)
class Reading:
    """What the check makes of a table's cells, for every row at once."""

    values: dict[str, Any]
    """Each fact's value (:class:`Num`, :class:`Bool`)."""
    refused: Node
    beyond: Node
    odd: Node
    json: Node
    """The fingerprinted JSON of the facts (right where the row is not ``odd``)."""
    inputs: tuple[str, ...]
    """The table's columns the reading reads."""


def plain(ruleset: RuleSet, columns: tuple[str, ...], graph: Graph) -> Node:
    """Whether a row is plain: every fact's cell in the short form :func:`read` with
    ``plain`` reads (no blank, no space around, no leading zero, at most six places and
    :data:`DIGITS` digits before the point, a boolean as ``true``, ``TRUE``, ``True``, ``是``
    and their opposites). Most rows are; the others are read cell by cell."""
    g = graph
    tests = []
    for fact in ruleset.facts:
        if fact.key not in columns:
            return g.const(False)
        text = g.col(column(fact.key), "str", null=True)
        if fact.type == "bool":
            tests.append(g.op("isin", text, value=(*_TRUES, *_FALSES)))
        else:
            tests.append(g.op("match", text, value=_plain_form(fact)))
    return g.and_(*tests)


_TRUES = ("true", "TRUE", "True", "是")
_FALSES = ("false", "FALSE", "False", "否")


def _plain_form(fact: Any) -> str:
    digits = f"[1-9][0-9]{{0,{DIGITS - 1}}}"
    if fact.type == "count":
        return f"0|{digits}"
    places = f"(?:\\.[0-9]{{1,{min(PLACES, scale_of(fact))}}})?"
    return f"(?:0|{digits}){places}|-{digits}{places}"


def read(
    ruleset: RuleSet, columns: tuple[str, ...], graph: Graph, *, plain: bool = False
) -> Reading:
    """The reading of a table with ``columns`` (``entity``, maybe ``period``, the facts);
    with ``plain``, of its plain rows only (:func:`plain`), faster.

    Raises:
        NotColumnar: the quick check takes no row of this rule set.
    """
    refusal = unusable(ruleset)
    if refusal is not None:
        raise NotColumnar(refusal)
    g = graph
    keys = {f.key for f in ruleset.facts}
    provenance = {f"{k}.{p}" for k in keys for p in PROVENANCE}
    given = set(columns) - {"entity"}
    refused = _identity(g, keys, given, provenance)
    # A cell the table reader cannot read refuses its row there: a fact's cell of a plain
    # row is plain, so only the others need looking at.
    refused += [_unreadable(g, c) for c in columns if not plain or c not in keys]
    values: dict[str, Any] = {}
    beyond: list[Node] = []
    odd: list[Node] = []
    texts: dict[str, Node] = {}
    for fact in ruleset.facts:
        if plain:
            got = _plain(g, fact)
        else:
            text = cell(g, fact.key) if fact.key in given else g.const(None, "str")
            got = _bool(g, text) if fact.type == "bool" else _number(g, ruleset, fact, text)
        values[fact.key] = got.value
        refused.append(got.refused)
        beyond.append(got.beyond)
        odd.append(got.odd)
        texts[fact.key] = got.text
    refused.append(_checks(ruleset, g, values))
    pieces = [
        g.op("concat", g.const(f"{json.dumps(k, ensure_ascii=False)}: \""), texts[k],
             g.const('"'))
        for k in sorted(texts)
    ]  # fmt: skip
    text = g.op("concat", g.const("{"), g.op("concat", *pieces, value=", "), g.const("}"))
    inputs = tuple(c for c in columns if c in keys or c == "period" or c in provenance)
    return Reading(
        values, g.or_(*refused), g.or_(*beyond), g.or_(*odd), text,
        tuple(column(c) for c in inputs),
    )  # fmt: skip


_BAD = "(?s).*[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\r\\n].*"
"""A cell the table reader refuses (``source.tables``): a control character or a line
break in it."""


def _unreadable(g: Graph, name: str) -> Node:
    raw = g.col("entity" if name == "entity" else column(name), "str", null=True)
    long = g.cmp("gt", g.op("lenstr", raw, mag=10**9), g.const(MAX_CELL_CHARS))
    return g.or_(g.op("match", raw, value=_BAD), g.and_(g.not_(g.op("isnull", raw)), long))


def _identity(g: Graph, keys: set[str], given: set[str], provenance: set[str]) -> list[Node]:
    """Where a row is refused for its columns: other facts than the declared ones, a fact
    said to come from somewhere (a ``KEY.evidence`` cell), a period that is no name."""
    refused: list[Node] = []
    if given - provenance != keys | ({"period"} & given) or any(
        c.startswith("judged.") for c in given
    ):
        refused.append(g.const(True))  # the facts are not the declared ones: no row is taken
    for name in sorted(given & provenance):
        refused.append(g.not_(g.op("isnull", cell(g, name))))
    if "period" in given:
        period = cell(g, "period")
        refused.append(g.or_(g.not_(g.op("match", period, value=_NAME)),
                             g.op("match", period, value=f"{_TRUE}|{_FALSE}")))  # fmt: skip
    return refused


def unusable(ruleset: RuleSet) -> str | None:
    """Why the quick check takes no facts of this rule set (as fast.py's ``usable``)."""
    if ruleset.manifest.groups:
        return "entity groups (the quick check of facts does not take them)"
    if ruleset.judged_items():
        return "judged items"
    if ruleset.evidence_needed():
        return "evidence required for an item"
    if any(f.type == "choice" for f in ruleset.facts):
        return "choice facts"
    if any(f.supplier for f in ruleset.facts):
        return "facts with a supplier declared"
    if ruleset.lists:
        return "lists of records"
    if {f.key for f in ruleset.facts} & {"entity", "period", "judged"}:
        return "a fact named entity, period or judged"
    if ruleset.full is not None:
        return "a view of one entity"
    return None


def cell(g: Graph, key: str) -> Node:
    """A cell as the table reader gives it: stripped, a blank one null."""
    name = "entity" if key == "entity" else column(key)
    return g.op("strip", g.col(name, "str", null=True), value=SPACE)


def blank_row(g: Graph, columns: tuple[str, ...]) -> Node:
    """Whether every cell of a row is blank: the table reader skips such a row."""
    return g.and_(*(g.op("isnull", cell(g, c)) for c in columns))


@dataclass(frozen=True)
class _Got:
    """One cell read: its value, whether it refuses or is beyond the row, whether its
    fingerprint text is made in Python (``odd``), and that text."""

    value: Any
    refused: Node
    beyond: Node
    odd: Node
    text: Node


def _plain(g: Graph, fact: Any) -> _Got:
    """A cell of a plain row (:func:`plain`): its text is its value as written."""
    text = g.col(column(fact.key), "str", null=True)
    no = g.const(False)
    if fact.type == "bool":
        flag = g.op("isin", text, value=_TRUES)
        return _Got(Bool(flag), no, no, no, g.if_(flag, g.const("true"), g.const("false")))
    scale = scale_of(fact)
    value = Num(g.op("decimal", text, value=scale, mag=_limit(fact) * 10**scale), scale)
    return _Got(value, g.or_(*_outside(g, fact, value)), no, no, text)


def _bool(g: Graph, text: Node) -> _Got:
    ok = g.op("match", text, value=f"{_TRUE}|{_FALSE}|是|否")
    flag = g.op("match", text, value=f"{_TRUE}|是")
    no = g.const(False)
    return _Got(Bool(flag), g.not_(ok), no, no, g.if_(flag, g.const("true"), g.const("false")))


def _limit(fact: Any) -> int:
    """Above the largest whole part a fact's column holds."""
    low, high = fact.bounds
    if high is not None and low is not None:
        return int(min(10**DIGITS, int(max(abs(low), abs(high))) + 1))
    return int(10**DIGITS)


def _outside(g: Graph, fact: Any, value: Num, more: Node | None = None,
             minus: Node | None = None) -> list[Node]:  # fmt: skip
    """Where a value is outside its fact's bounds (``more``: digits past the column's
    scale were cut off, the value is a hair further from zero)."""
    low, high = fact.bounds
    out: list[Node] = []
    for bound, op in ((low, "lt"), (high, "gt")):
        if bound is None:
            continue
        limit = nb.const(g, bound)
        beyond = nb.compare(g, op, value, limit)
        if more is not None and minus is not None:
            toward = minus if op == "lt" else g.not_(minus)
            beyond = g.or_(beyond, g.and_(nb.compare(g, "eq", value, limit), more, toward))
        out.append(beyond)
    return out


def scale_of(fact: Any) -> int:
    """The scale of a fact's column: none for a count, else :data:`PLACES` or its bounds'."""
    if fact.type == "count":
        return 0
    places = [-int(b.as_tuple().exponent) for b in fact.bounds if b is not None]
    return int(max([PLACES, *places]))


def _number(g: Graph, ruleset: RuleSet, fact: Any, cell: Node) -> _Got:
    """A number's cell read digit by digit: refused as the quick check refuses it, beyond
    where the column does not hold it."""
    vetoed = {n for v in ruleset.manifest.vetoes for n in v.when.names}
    blank_ok = fact.role == "target" and fact.key not in vetoed
    scale = scale_of(fact)
    blank = g.op("isnull", cell)
    written = g.op("match", cell, value=_NUMBER)
    minus = g.cmp("eq", g.op("group", cell, value=(_NUMBER, 1)), g.const("-"))
    whole = g.op("parse", g.op("group", cell, value=(_NUMBER, 2)), mag=10**15)
    places = g.op("group", cell, value=(_NUMBER, 3))
    places = g.if_(g.op("isnull", places), g.const(""), places)
    head = g.op("parse", g.op("pad", g.op("slice", places, value=(0, scale)), value=scale),
                mag=10**scale) if scale else g.const(0)  # fmt: skip
    more = g.not_(g.op("match", g.op("slice", places, value=(scale, None)), value="0*"))
    exact = g.add(g.scale(whole, scale), head)
    exact = g.if_(minus, g.neg(exact), exact)
    out = _outside(g, fact, Num(exact, scale), more, minus)
    if fact.type == "count":
        out.append(more)  # not a whole number
    refused = g.if_(blank, g.const(not blank_ok), g.or_(g.not_(written), *out))
    limit = _limit(fact)
    beyond = g.and_(g.not_(blank), g.or_(more, g.cmp("ge", whole, g.const(limit))))
    held = g.op("add", exact, g.const(0), mag=limit * 10**scale)  # the rows not beyond
    odd = g.and_(g.not_(blank), g.not_(g.op("match", cell, value=_AS_WRITTEN)))
    return _Got(Num(held, scale), refused, beyond, odd, cell)


def _checks(ruleset: RuleSet, g: Graph, values: dict[str, Any]) -> Node:
    """Where a cross-fact check whose facts are all given fails (or cannot be worked out)."""
    failed: list[Node] = []
    for check in ruleset.checks.checks:
        lowering = Standalone()
        text = lowering.visit(check.when.tree)
        lift = Lifter(g, lowering.space, {}, column, given=values)
        try:
            got = lift.expression(text)
        except NotColumnar as exc:
            raise NotColumnar(f"a check of the facts: {exc.construct}") from None
        names = [values[n] for n in check.when.names]
        blank = g.or_(*(g.op("isnull", v.raw) for v in names if isinstance(v, Num)))
        holds = g.and_(lift.truth(got), g.not_(g.or_(*lift.failures)))
        failed.append(g.and_(g.not_(blank), g.not_(holds)))
    return g.or_(*failed)


_WORDS = {"true": True, "false": False}


def fingerprint(ruleset: RuleSet, cells: dict[str, str | None]) -> str:
    """The fingerprint of one row's facts (``cells``: its cell text by column, ``entity``
    aside), made in Python as the quick check makes it: for a row whose numbers print
    otherwise than they are written (``odd``).

    Raises:
        ValueError: the quick check does not take the row (it is not one the columns accept).
    """
    data: dict[str, Any] = {}
    for key, raw in cells.items():
        text = raw.strip(SPACE) if raw is not None else ""
        data[key] = _WORDS.get(text.lower(), text) if text else None
    facts = quick_facts(ruleset, data, "")
    if facts is None:
        raise ValueError("a row the quick check does not take has no fingerprint here")
    return facts.sha256
