"""One compiler, two outputs: a rule set turned into Python, once, and run per entity.

:func:`plan` generates Python source for the whole rule set (one function per
category, one for the bonus, one for the vetoes, and one that calls them),
compiles it once and keeps it while the rule set lives. The same generator
writes two variants:

- ``score``: the scores only (:class:`Scores`);
- ``trace``: the same statements, also building compact records (tuples of
  numbers, flags and indices, no text) from which :meth:`Plan.result` makes a
  :class:`~qualscore.scoring.trace.Result` whose trace objects are built on first read.

Each shape's code comes from its module in :mod:`qualscore.scoring.shapes`; an
item adds what every item does: a blank target (the item does not apply), the
``not_applicable`` condition, the clamp to [0, points] and the rounding, once.
Any arithmetic failure is one :class:`~qualscore.errors.EvaluationError`
naming the item (or veto) and the formula, in both variants.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, cast

from qualscore._decimal import MODES
from qualscore._gc import collector_paused
from qualscore._version import __version__
from qualscore.facts.check import (
    MEMBERS_KEY,
    PROVENANCE_KEY,
    RECORDS_KEY,
    Provenance,
    evidence_key,
)
from qualscore.facts.lists import Record, work
from qualscore.ruleset.cohort import TOTAL
from qualscore.ruleset.formula import Formula, Value, node_key
from qualscore.ruleset.loader import RuleSet, item_bounds, node_bounds, per_ruleset, record_fields
from qualscore.ruleset.model import (
    MAY_BE_EMPTY,
    Aggregate,
    Bonus,
    Category,
    CohortDecl,
    FactDecl,
    Indicator,
    Item,
    Shape,
    ValueDecl,
    Veto,
    formulas_in,
)
from qualscore.ruleset.reads import SCHEME
from qualscore.scoring import runtime
from qualscore.scoring.gen import Gen, Space
from qualscore.scoring.shapes import module
from qualscore.scoring.trace import (
    Input,
    ItemResult,
    Judgement,
    NamedValue,
    NodeResult,
    Result,
    ShapeTrace,
    VetoResult,
)
from qualscore.scoring.words import words

__all__ = [
    "MODES",
    "Plan",
    "Scores",
    "deciding_veto",
    "formulas",
    "grade_of",
    "item_function",
    "plan",
    "possible",
]

_ZERO = Decimal(0)
Values = Mapping[str, Value]


@dataclass(frozen=True)
class Scores:
    """Every item's score (the bonus as ``"bonus"``), every parent's, the total, the veto;
    and the items (and bonus) that did not apply, each scored what it then awards."""

    items: Mapping[str, Decimal]
    nodes: Mapping[str, Decimal]
    total: Decimal
    vetoed: bool
    grade: str | None = None
    not_applicable: Collection[str] = ()
    held: tuple[bool | None, ...] = ()
    """Whether each veto holds, in declaration order (None: it does not apply)."""
    values: Mapping[str, Value | None] = field(default_factory=dict)
    """Each named value (None: it reads a value the entity has not)."""
    verdicts: Mapping[str, bool | None] = field(default_factory=dict)
    """Each verdict by node id (``""``: the scheme's); None where the node does not apply."""


def possible(ruleset: RuleSet) -> Decimal:
    """What the scheme can give: the points of its scored categories (not bonus or penalty)."""
    return sum((c.points or _ZERO for c in ruleset.categories if c.kind == "score"), _ZERO)


def grade_of(ruleset: RuleSet, total: Decimal, held: tuple[bool | None, ...]) -> str | None:
    """The grade of an entity (``ruleset``: the view of it, whose bands are those that
    apply to it): the first held veto's forced ``grade``, whatever any cap says; else the
    first band holding the total, capped by the held vetoes' ``grade_at_most`` (the
    lowest of them, in ``grades:``'s order, the best first). No band holding the total:
    no grade, capped or not."""
    caps = []
    for veto, h in zip(ruleset.manifest.vetoes, held, strict=True):
        if h and veto.grade is not None:
            return veto.grade
        if h and veto.grade_at_most is not None:
            caps.append(veto.grade_at_most)
    grade = next((band.grade for band in ruleset.bands() if band.contains(total)), None)
    if grade is None or not caps:
        return grade
    order: dict[str, int] = {}  # a grade's place: where grades: first names it
    for i, band in enumerate(ruleset.manifest.grades):
        order.setdefault(band.grade, i)
    return max((grade, *caps), key=order.__getitem__)


def _words(decl: Any, value: Any) -> str | None:
    """The words of a choice fact's value, if its declaration gives them."""
    labels = getattr(decl, "choice_labels", None)
    return None if not labels or not isinstance(value, str) else labels.get(value)


def _provenance(values: Values) -> Mapping[str, Provenance]:
    """Where each fact came from, as the facts passed it on with the values."""
    return cast("Mapping[str, Provenance]", values.get(PROVENANCE_KEY) or {})


def deciding_veto(ruleset: RuleSet, held: tuple[bool | None, ...]) -> Veto | None:
    """The veto that decides the result: the first that holds and says a ``result``
    (one that only caps the grade leaves the result as it was); None: not vetoed."""
    vetoes = ruleset.manifest.vetoes
    return next((v for v, h in zip(vetoes, held, strict=True) if h and v.result), None)


def formulas(node: Item | Bonus | Shape) -> Iterator[Formula]:
    """Every expression an item or shape reads, in the order written."""
    if isinstance(node, Item | Bonus):
        if isinstance(node, Item) and node.not_applicable:
            yield node.not_applicable.when
        node = node.score
    yield from module(node.kind).formulas(node)


# --- generating ---------------------------------------------------------------------


class _Writer:
    """Generates one variant of a rule set's module."""

    def __init__(self, ruleset: RuleSet, traced: bool) -> None:
        self.ruleset = ruleset
        self.traced = traced
        self.space = Space(runtime.helpers())
        static = plan(ruleset)._static  # worked out once per rule set, not per probe
        self.facts, self.targets, self.keys = static.order, static.targets, static.keys
        self.given = static.given
        self.probe = False
        """One item compiled alone (the linter's probes): what it reads of other nodes
        and named values comes in the values, like facts."""
        self.reads: dict[tuple[str, str], str] = {}
        """The local holding each node read (``("met", "2.1")``), once emitted."""
        self.applies: dict[str, str] = {}
        """The local saying whether each node applies, where something needs it."""
        rounding = ruleset.manifest.rounding
        self.quantum = self.space.const(Decimal(1).scaleb(-rounding.places))
        self.mode = self.space.const(MODES[rounding.mode])
        self.functions: list[str] = []

    def function(
        self, name: str, params: str, body: Callable[[Gen], str], *, scores: bool = False
    ) -> None:
        """``def name(params)``: ``body`` fills it and returns what it returns (``scores``:
        first the dicts the scores-only variant fills)."""
        gen = Gen(self.space, self.facts, self.traced)
        if scores:
            gen.lines += ["        _A = []"]
        result = body(gen)
        gen.line(f"return {result}")
        self.functions.append(self._def(name, params, gen, gen.lines))

    def item(
        self, gen: Gen, item: Item | Bonus, item_id: str, role: str = "score"
    ) -> tuple[str, str]:
        """The item's rounded score, and its record ``(raw, score, state, shape record)``.

        ``state`` is 0 (scored), 1 (not applicable), 2 + i (the target fact i is blank)
        or -1 (it lacks evidence it must have: 0, its record the pieces it lacks).
        """
        gen.owner = item_id
        gen.line(f"# item {item_id!r}: {item.score.kind}")  # repr: a comment stays one line
        raw, state, record = gen.tmp(), gen.tmp(), gen.tmp()
        reads = {n for f in formulas(item) for n in f.names}
        blank = sorted(self.facts[k] for k in reads if self.facts[k] in self.targets)
        depth = gen.depth
        lower, upper = item_bounds(item, role)
        na = item.not_applicable if isinstance(item, Item) else None
        # A blank target: the item does not apply; one that says what it then awards, that.
        # Not applicable awards the item's points unless it says: the loader refuses an
        # item with points: none whose not_applicable does not say (a penalty's top is 0).
        default = upper if upper is not None else _ZERO
        blank_award = "_Z"
        if na is not None and blank:
            blank_award = gen.const(na.award if na.award is not None else default)
        for n, index in enumerate(blank):
            with gen.block(f"{'if' if n == 0 else 'elif'} _f{index} is None:"):
                self._set(gen, raw, blank_award, state, str(2 + index), record)
            gen.reads.add(index)
        if blank:
            gen.line("else:")
            gen.depth += 1
        if na is not None:
            award = gen.const(na.award if na.award is not None else default)
            with gen.block(f"if {gen.expr(na.when)}:"):
                self._set(gen, raw, award, state, "1", record)
            gen.line("else:")
            gen.depth += 1
        if item_id in self.ruleset.evidence_needed():  # evidence lacking: it scores 0
            lacking = evidence_key(item_id)
            with gen.block(f"if {lacking!r} in v:"):
                self._set(gen, raw, "_Z", state, "-1", record, f"v[{lacking!r}]")
            gen.line("else:")
            gen.depth += 1
        gen.item = (item_id, lower, upper)
        # points: none: no cap, and no shape reads one (the loader refuses those that would).
        cap = "None" if upper is None else gen.const(upper)
        value, shape_record = gen.shape(item.score, cap)
        self._set(gen, raw, value, state, "0", record, shape_record)
        gen.depth = depth
        points, bounded, score = cap, gen.tmp(), gen.tmp()
        if lower == _ZERO and upper is not None and upper == item.points:
            # Compare, don't max(): max(Decimal('-0'), 0) is -0, which would print as '-0.00'.
            gen.line(
                f"{bounded} = _Z if {raw} <= _Z else ({points} if {points} < {raw} else {raw})"
            )
            gen.line(f"{score} = {bounded}.quantize({self.quantum}, {self.mode})")
        else:
            top = raw if upper is None else f"({points} if {points} < {raw} else {raw})"
            if lower is None:
                gen.line(f"{bounded} = {top}")
            else:
                low = gen.const(lower)
                gen.line(f"{bounded} = {low} if {raw} <= {low} else {top}")
            # + _Z: a signed score of zero is 0, never -0.
            gen.line(f"{score} = {bounded}.quantize({self.quantum}, {self.mode}) + _Z")
        return score, f"({raw}, {score}, {state}, {record})"

    def _set(
        self, gen: Gen, raw: str, value: str, state: str, code: str, record: str, rec: str = "None"
    ) -> None:
        gen.line(f"{raw} = {value}")
        applies = code in ("0", "-1")  # lacking evidence, it applies and scores 0
        flag = self.applies.get(gen.owner)
        if flag is not None:
            gen.line(f"{flag} = {applies}")
        if self.traced:
            gen.line(f"{state} = {code}")
            gen.line(f"{record} = {rec}")
        elif not applies:  # scores only: which items did not apply (a cohort leaves them out)
            gen.line(f"_A.append({gen.owner!r})")

    def node(
        self,
        gen: Gen,
        node_id: str,
        bounds: tuple[Decimal | None, Decimal | None],
        children: list[str],
        signed: bool,
    ) -> str:
        """The bounded sum of ``children`` (locals); a ``(sum, score)`` text pair when traced.

        ``signed``: a child may score below zero, so the node's floor is applied too.
        """
        lower, upper = bounds
        total, score = gen.tmp(), gen.tmp()
        gen.line(f"{total} = _Z")
        for child in children:  # one statement each: no expression as deep as a category is long
            gen.line(f"{total} = {total} + {child}")
        if upper is None:
            gen.line(f"{score} = {total}")
        else:
            cap = gen.const(upper)
            gen.line(f"{score} = {cap} if {cap} < {total} else {total}")
        if lower is not None and (signed or lower != _ZERO):
            low = gen.const(lower)
            gen.line(f"{score} = {low} if {score} < {low} else {score}")
        return f"{total}, {score}"


    # --- the whole rule set, unit by unit ----------------------------------------------

    def run(self, gen: Gen) -> str:
        """Every unit of the rule set in an order where each comes after what it reads
        (:mod:`qualscore.ruleset.reads`), then the vetoes; what ``run`` returns."""
        ruleset = self.ruleset
        self.structure = _structure(ruleset)
        gen.node_read = self._node_read
        self._flags(gen)
        self.scores: dict[str, str] = {}
        self.records: dict[str, str] = {}
        self.verdicts: dict[str, str] = {}
        self.ran: list[str] = []
        # Each section's units run in a function of their own, as long as they run one
        # after another: a function of a few hundred locals, not one of thousands (past
        # 256 locals every access takes two instructions). What one function hands
        # another goes through _S (see _link).
        self.segments: list[Gen] = []
        segment, current = gen, None
        for kind, name in ruleset.graph.order():
            key = None if kind == "value" or name == TOTAL else self.structure.section.get(name)
            if key is None:
                segment, current = gen, None
            elif key != current:
                segment, current = Gen(self.space, self.facts, self.traced), key
                segment.node_read = self._node_read
                gen.line(f"#call {len(self.segments)}")
                self.segments.append(segment)
            if kind == "value":
                self._value(segment, name)
            elif kind == "verdict":
                self._verdict(segment, name)
            else:
                self._score(segment, name)
        names = self._vetoes(gen)
        held = f"({', '.join(names)},)" if names else "()"
        # Vetoed: one that says a result holds (as deciding_veto, written out).
        deciding = [n for n, v in zip(names, ruleset.manifest.vetoes, strict=True) if v.result]
        vetoed = f"(True if ({' or '.join(deciding)}) else False)" if deciding else "False"
        verdicts = [(n, self.verdicts[n]) for n in sorted(self.verdicts)]
        values = [(d.key, f"_f{self.facts[d.key]}") for d in ruleset.values]
        total = self.scores[TOTAL]
        if self.traced:
            cats = "".join(f"{self.records[c.id]}, " for c in ruleset.categories)
            bonus = self.records.get("bonus", "None")
            shown = "".join(f"{v}, " for _, v in verdicts)
            named = "".join(f"{v}, " for _, v in values)
            reads = sorted(self.structure.node_reads)
            read = "".join(f"{self._node_read(f, n)}, " for f, n in reads)
            return f"({total}, ({cats}), {bonus}, {held}, ({shown}), ({named}), ({read}))"
        # The scores in the order the nodes are written, whatever order they ran in.
        structure = self.structure
        items = [n for n in structure.ids if isinstance(structure.nodes[n], Item)] + (
            ["bonus"] if "bonus" in self.scores else []
        )
        nodes = structure.post
        if [n for n in self.ran if n in self.scores and n in items] != items:
            gen.line("_I = {" + ", ".join(f"{n!r}: _I[{n!r}]" for n in items) + "}")
        if [n for n in self.ran if n in nodes] != nodes:
            gen.line("_N = {" + ", ".join(f"{n!r}: _N[{n!r}]" for n in nodes) + "}")
        gen.line("_D = {" + ", ".join(f"{n!r}: {v}" for n, v in verdicts) + "}")
        gen.line("_V = {" + ", ".join(f"{k!r}: {v}" for k, v in values) + "}")
        grade = f"_grade({total}, {held})" if self._graded() else "None"
        return f"_Scores(_I, _N, {total}, {vetoed}, {grade}, _A, {held}, _V, _D)"

    def _flags(self, gen: Gen) -> None:
        """A local per node whose applying something reads (``applies()``, a verdict)."""
        structure = self.structure
        wanted = {n for (f, n) in structure.node_reads if f == "applies"}
        wanted |= set(self.ruleset.graph.verdicts) - {SCHEME}
        todo = list(wanted)  # a parent applies if any child does: they need theirs
        while todo:
            children = structure.children.get(todo.pop(), ())
            todo += [c for c in children if c not in wanted]
            wanted.update(children)
        for node_id in structure.ids:
            if node_id in wanted:
                self.applies[node_id] = gen.tmp()

    def _node_read(self, function: str, node: str) -> str:
        if self.probe or node not in self.structure.known:
            # One item compiled alone reads other nodes from its values; a node the
            # entity is not assessed on (applies_to) scores 0 and neither applies nor
            # is met.
            default = "_Z" if function == "score" else "False"
            if not self.probe:
                return default
            return f"v.get({node_key(function, node)!r}, {default})"
        if function == "score":
            return self.scores[node]
        if function == "applies":
            return self.applies.get(node, "True")
        return f"({self.verdicts[node]} is True)"

    def _score(self, gen: Gen, node_id: str) -> None:
        structure = self.structure
        role = self.ruleset.role(node_id)
        if node_id == TOTAL:
            total = gen.tmp()
            gen.line(f"{total} = _Z")
            for top in [c.id for c in self.ruleset.categories] + (
                ["bonus"] if "bonus" in self.scores else []
            ):
                gen.line(f"{total} = {total} + {self.scores[top]}")
            self.scores[TOTAL] = total
            return
        node = structure.nodes[node_id]
        if isinstance(node, Item | Bonus):
            item_role = role if isinstance(node, Item) else "score"
            score, record = self.item(gen, node, node_id, item_role)
            self._keep(gen, node_id, score, record, "_I")
            return
        children = structure.children[node_id]
        kind = structure.role[node_id]
        signed = any(self._signed(c, kind) for c in children)
        bounds = node_bounds(node.points, node.floor, kind)
        pair = self.node(gen, node_id, bounds, [self.scores[c] for c in children], signed)
        inner = "".join(f"{self.records[c]}, " for c in children) if self.traced else ""
        self._keep(gen, node_id, pair.split(", ")[1], f"({pair}, ({inner}))", "_N")
        flag = self.applies.get(node_id)
        if flag is not None:
            gen.line(f"{flag} = " + " or ".join(self.applies[c] for c in children))

    def _keep(self, gen: Gen, node_id: str, score: str, record: str, into: str) -> None:
        """A node's score (stored in ``_I``/``_N`` when scores only) and its record (a
        local when traced: one name for a later function to read)."""
        self.scores[node_id] = score
        if self.traced:
            self.records[node_id] = gen.tmp()
            gen.line(f"{self.records[node_id]} = {record}")
        else:
            gen.line(f"{into}[{node_id!r}] = {score}")
            self.ran.append(node_id)

    def _signed(self, node_id: str, role: str) -> bool:
        """Whether ``node_id`` may score below zero (its parent's floor then applies)."""
        node = self.structure.nodes[node_id]
        if isinstance(node, Item):
            low = item_bounds(node, role)[0]
            return low is None or low < _ZERO
        signed = any(self._signed(c, role) for c in self.structure.children[node_id])
        low = node_bounds(node.points, node.floor, role)[0]
        return signed and (low is None or low < _ZERO)

    def _value(self, gen: Gen, key: str) -> None:
        decl = self.structure.values[key]
        gen.owner, gen.what = key, "value"
        gen.line(f"# value {key!r}")
        local = f"_f{self.facts[key]}"
        absent = sorted(self.facts[n] for n in decl.expr.names if self.facts[n] in self.targets)
        text = self._rounded(gen, decl, gen.expr(decl.expr)) if not absent else ""
        if absent:
            gen.reads.update(absent)
            with gen.block(f"if {' or '.join(f'_f{i} is None' for i in absent)}:"):
                gen.line(f"{local} = None")
            with gen.block("else:"):
                gen.line(f"{local} = {self._rounded(gen, decl, gen.expr(decl.expr))}")
        else:
            gen.line(f"{local} = {text}")
        gen.what = "item"

    def _rounded(self, gen: Gen, decl: ValueDecl, text: str) -> str:
        if decl.places is None:
            return text
        quantum = gen.const(Decimal(1).scaleb(-decl.places))
        return f"({text}).quantize({quantum}, {self.mode}) + _Z"

    def _verdict(self, gen: Gen, node_id: str) -> None:
        node = self.structure.nodes[node_id] if node_id != SCHEME else self.ruleset.manifest
        verdict = node.verdict
        assert verdict is not None
        gen.owner, gen.what = node_id or self.ruleset.id, "verdict of"
        local = gen.tmp()
        # No verdict where the node does not apply, or where the condition reads a value
        # the entity has not (a blank target, a cohort value it is not in).
        absent = sorted(
            self.facts[n] for n in verdict.met.names if self.facts[n] in self.targets
        )
        gen.reads.update(absent)
        tests = [f"_f{i} is not None" for i in absent]
        flag = self.applies.get(node_id)
        if flag is not None:
            tests.insert(0, flag)
        if not tests:
            gen.line(f"{local} = True if {gen.expr(verdict.met)} else False")
        else:
            with gen.block(f"if {' and '.join(tests)}:"):
                gen.line(f"{local} = True if {gen.expr(verdict.met)} else False")
            with gen.block("else:"):
                gen.line(f"{local} = None")
        self.verdicts[node_id] = local
        gen.what = "item"

    def _vetoes(self, gen: Gen) -> list[str]:
        """Whether each veto holds; None for one whose ``applies_to`` leaves the entity
        out (it is not decided). A veto reading a value the entity has not (a cohort
        value it is not in: a rank of a node that does not apply to it) does not hold,
        as an item reading it does not apply. (A blank target a veto reads is refused
        with the facts.) In a pass that works out cohort values, those of later passes
        are not known yet: the vetoes are decided in the last pass."""
        held: list[str] = []
        applying = self.ruleset.vetoes_applying()
        for veto, applies in zip(self.ruleset.manifest.vetoes, applying, strict=True):
            gen.owner, gen.what = veto.id, "veto"
            name = gen.tmp()
            if not applies:
                gen.line(f"{name} = None")
                held.append(name)
                continue
            absent = sorted(self.facts[k] for k in veto.when.names if self.facts[k] in self.targets)
            if not absent:
                gen.line(f"{name} = True if {gen.expr(veto.when)} else False")
            else:
                gen.reads.update(absent)
                with gen.block(f"if {' or '.join(f'_f{i} is None' for i in absent)}:"):
                    gen.line(f"{name} = False")
                with gen.block("else:"):
                    gen.line(f"{name} = True if {gen.expr(veto.when)} else False")
            held.append(name)
        gen.what = "item"
        return held

    def module(self) -> str:
        """The whole module's source."""
        ruleset = self.ruleset
        main = Gen(self.space, self.facts, self.traced)
        main.lines += ["        _S = {}", "        _A = []", "        _I = {}", "        _N = {}"]
        main.line(f"return {self.run(main)}")
        self._link(main)
        header = [
            f"# qualscore {__version__}: rule set {ruleset.id!r} (sha256 {ruleset.sha256}),",
            f"# {'scores and compact trace records' if self.traced else 'scores only'}.",
            "# _fN is the value of the N-th declared fact (cohort value, named value);",
            "# _kN a constant (listed below); _w the formula running, named in an error;",
            "# _add etc. the formula operators. Each unit comes after what it reads.",
            *(f"# _f{i}: {k!r}" for i, k in enumerate(self.keys)),
            *self.space.constants_text(),
            "",
        ]
        return "\n".join(header + self.functions)

    def _link(self, main: Gen) -> None:
        """The functions of the module: each section's run (``_s0``...) and ``run``, which
        calls them in turn. What run reads of a function comes back as its return value;
        a local one function makes and another reads is handed over in ``_S``: written
        where it is made, read where it is needed."""
        segments = self.segments
        made = [_assigned(g.lines) for g in segments]
        main_made = _assigned(main.lines)
        used = [_names(g.lines) for g in segments]
        main_used = _names(main.lines)

        def given(g: Gen) -> set[str]:
            return {f"_f{i}" for i in g.reads if i < self.given or self.probe}

        wanted = [used[i] - made[i] - given(g) for i, g in enumerate(segments)]
        out: list[str] = []
        returned = [sorted(made[i] & main_used) for i in range(len(segments))]
        for i, g in enumerate(segments):
            later = set().union(*wanted[i + 1 :])
            body = [f"        {n} = _S[{n!r}]" for n in sorted(wanted[i])]
            body += g.lines + [f"        _S[{n!r}] = {n}" for n in sorted(made[i] & later)]
            if returned[i]:
                body.append(f"        return {', '.join(returned[i])}")
            out.append(self._def(f"_s{i}", "v, _S, _A, _I, _N", g, body))
        lines: list[str] = []
        for line in main.lines:
            if line.startswith("        #call "):
                i = int(line.split()[-1])
                # What this function reads that run made before calling it.
                lines += [f"        _S[{n!r}] = {n}" for n in sorted(wanted[i] & main_made)]
                call = f"_s{i}(v, _S, _A, _I, _N)"
                if returned[i]:  # what run reads of it comes back as its return value
                    call = f"{', '.join(returned[i])} = {call}"
                lines.append(f"        {call}")
            else:
                lines.append(line)
        out.append(self._def("run", "v", main, lines))
        self.functions.extend(out)

    def _def(self, name: str, params: str, gen: Gen, lines: list[str]) -> str:
        prelude = []
        for index in sorted(gen.reads):
            if index >= self.given and not self.probe:
                continue  # a named value: worked out in the module itself
            key = repr(self.keys[index])
            read = f"v.get({key})" if index in self.targets else f"v[{key}]"
            prelude.append(f"        _f{index} = {read}")
        return "\n".join(
            [
                f"def {name}({params}):",
                "    _w = -1",
                "    try:",
                *prelude,
                *lines,
                "    except _E as _e:",
                "        raise _fail(_w, _e) from _e",
                "",
            ]
        )

    def _graded(self) -> bool:
        manifest = self.ruleset.manifest
        return bool(manifest.grades) or any(v.grade is not None for v in manifest.vetoes)


_ASSIGNED = re.compile(r"\s*(_[tf][0-9]+) = ")
_TOKENS = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|#.*|(?<!\w)(_[tf][0-9]+)(?!\w)""")
"""A string literal (as :func:`repr` writes one), a comment, or a generated local: the
local's name is the group, which is empty for the others."""


def _assigned(lines: list[str]) -> set[str]:
    """The generated locals a function's lines assign."""
    return {m.group(1) for line in lines if (m := _ASSIGNED.match(line))}


def _names(lines: list[str]) -> set[str]:
    """The generated locals a function's lines read or write: names, not text in quotes
    (a node's id written as a key may look like one) nor in a comment."""
    found = set(_TOKENS.findall("\n".join(lines)))
    found.discard("")
    return found


class _Structure:
    """The nodes of a rule set (as it applies to one entity) by id: each node, its
    children, the items under it, its section's kind; the node reads of its formulas."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.nodes: dict[str, Any] = {}
        self.children: dict[str, list[str]] = {}
        self.items_under: dict[str, list[str]] = {}
        self.role: dict[str, str] = {}
        self.ids: list[str] = []
        for category in ruleset.categories:
            self._add(category.id, category, category.kind)
            under: list[str] = []
            for child in category.items:
                self._add(child.id, child, category.kind)
                self.children[category.id].append(child.id)
                if isinstance(child, Indicator):
                    for item in child.items:
                        self._add(item.id, item, category.kind)
                        self.children[child.id].append(item.id)
                    self.items_under[child.id] = [i.id for i in child.items]
                    under += self.items_under[child.id]
                else:
                    under.append(child.id)
            self.items_under[category.id] = under
        self.post: list[str] = []
        """The nodes children first: each indicator before its section."""
        for category in ruleset.categories:
            self.post += [c.id for c in category.items if isinstance(c, Indicator)]
            self.post.append(category.id)
        if ruleset.manifest.bonus is not None:
            self._add("bonus", ruleset.manifest.bonus, "score")
        self.known = set(self.nodes) | {TOTAL}
        self.section = {n: "bonus" if n == "bonus" else "" for n in self.nodes}
        """The run (function) a node's units go in: its section's, the bonus's own."""
        for category in ruleset.categories:
            self.section[category.id] = category.id
            for child in category.items:
                self.section[child.id] = category.id
                for item in getattr(child, "items", ()):
                    self.section[item.id] = category.id
        self.values = {d.key: d for d in ruleset.values}
        formulas = [f for n in self.nodes.values() for f in formulas_in(n)]
        formulas += [d.expr for d in ruleset.values]
        formulas += [v.when for v in ruleset.manifest.vetoes]
        if ruleset.manifest.verdict is not None:
            formulas.append(ruleset.manifest.verdict.met)
        self.node_reads = {r for f in formulas for r in f.nodes}

    def _add(self, node_id: str, node: Any, role: str) -> None:
        self.nodes[node_id] = node
        self.children[node_id] = []
        self.role[node_id] = role
        self.ids.append(node_id)


_structure = per_ruleset(_Structure)
"""A rule set's structure, made once: each variant's writer reads it, and so does every
item the linter compiles on its own."""


def _load(source: str, space: Space, name: str, extra: dict[str, Any]) -> Callable[..., Any]:
    """Compile ``source`` into ``space`` and return its function ``run``."""
    table, whats = tuple(space.formulas), tuple(space.whats)
    space.names["_fail"] = lambda index, exc: runtime.failure(table, index, exc, whats)
    space.names.update(extra)
    code = compile(source, name, "exec")
    exec(code, space.names)
    run: Callable[..., Any] = space.names["run"]
    return run


# --- the plan -----------------------------------------------------------------------


class Plan:
    """A rule set compiled: ``score(values)``, ``records(values)``, and their source."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._static = _Static(ruleset)
        self._sources: dict[bool, str] = {}
        self._runs: dict[bool, Callable[..., Any]] = {}
        self._tables: dict[bool, tuple[tuple[str, Formula], ...]] = {}

    def source(self, traced: bool) -> str:
        """The generated Python source of one variant."""
        self._compiled(traced)
        return self._sources[traced]

    def formulas(self, traced: bool) -> tuple[tuple[str, Formula], ...]:
        """Every formula one variant runs, with the item (or veto) that reads it, in code order."""
        self._compiled(traced)
        return self._tables[traced]

    def _compiled(self, traced: bool) -> Callable[..., Any]:
        run = self._runs.get(traced)
        if run is None:
            with collector_paused():
                writer = _Writer(self.ruleset, traced)
                source = writer.module()
                name = f"<qualscore:{self.ruleset.id}{':trace' if traced else ''}>"
                extra = {
                    "_Scores": Scores,
                    "_grade": partial(grade_of, self.ruleset),
                }
                run = _load(source, writer.space, name, extra)
            self._sources[traced], self._runs[traced] = source, run
            self._tables[traced] = tuple(writer.space.formulas)
        return run

    def score(self, values: Values) -> Scores:
        """The scores of one entity.

        Raises:
            EvaluationError: a formula failed.
        """
        scores: Scores = self._compiled(False)(values)
        return scores

    def result(
        self,
        values: Values,
        facts_sha256: str,
        entity: str | None = None,
        period: str | None = None,
        *,
        cohort: Mapping[str, Any] | None = None,
    ) -> Result:
        """The traced variant's records for one entity, as a lazily expanded Result
        (``cohort``: the cohort values it was scored with, how each was worked out).

        Raises:
            EvaluationError: a formula failed.
        """
        total, cats, bonus, held, verdicts, named, read = self._compiled(True)(values)
        static = self._static
        if named or read:  # what the named values and node reads came to: read like facts
            worked = zip(static.keys[static.given :], named, strict=True)
            values = {**values, **{k: v for k, v in worked if v is not None}}
            values.update(zip(static.node_reads, read, strict=True))
        # Verdicts and named values only where the rule set has them: nothing to pay if not.
        met = dict(zip(static.judged, verdicts, strict=True)) if verdicts else {}
        manifest = self.ruleset.manifest
        vetoes = manifest.vetoes
        decided = next((vetoes[i] for i in static.deciding if held[i]), None)  # deciding_veto
        extra: dict[str, Any] = {}
        if manifest.verdict is not None:
            extra.update(
                verdict=static.verdict(manifest, met.get(SCHEME)),
                met=met.get(SCHEME),
                judgement=static.judgement(manifest, values, met.get(SCHEME)),
            )
        if named or RECORDS_KEY in values:
            extra["values"] = static.named(values)
        if MEMBERS_KEY in values:  # each sub-entity as scored, and what it failed
            from qualscore.scoring.members import member_results

            extra["members"] = member_results(self.ruleset, values)
        return Result.lazy(
            partial(static.expand, cats, bonus, held, values, cohort or {}, met),
            **extra,
            ruleset_id=self.ruleset.id,
            title=manifest.title,
            year=manifest.year,
            language=manifest.language,
            total=total,
            possible=static.possible,
            vetoed=decided is not None,
            result_label=manifest.normal_result if decided is None else decided.result,
            rules_sha256=self.ruleset.sha256,
            facts_sha256=facts_sha256,
            engine_version=__version__,
            grade=grade_of(self.ruleset, total, held) if static.graded else None,
            entity=entity,
            period=period,
            **({"cohort": cohort} if cohort else {}),
        )


class _Static:
    """What every expansion shares, worked out once per rule set."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.possible = possible(ruleset)
        vetoes = ruleset.manifest.vetoes
        self.deciding = tuple(i for i, v in enumerate(vetoes) if v.result)
        """The vetoes that say a result, by index: the first that holds decides it."""
        self.graded = bool(ruleset.manifest.grades) or any(v.grade for v in vetoes)
        """Whether an entity can have a grade at all (a cap alone gives none)."""
        self._bands: dict[int, Any] = {}
        self._labels: dict[int, Any] = {}
        # The facts, then the cohort values: read by index; a target or a cohort value
        # may be absent (an item reading it then does not apply).
        # The facts, the aggregates of their lists, then the cohort values: read by index;
        # a target, an aggregate of no record or a cohort value may be absent (an item
        # reading it then does not apply).
        self.keys = tuple(d.key for d in ruleset.facts) + tuple(a.key for a in ruleset.aggregates)
        self.keys += tuple(c.key for c in ruleset.cohort)
        self.given = len(self.keys)
        """Keys below this index come in the values; the named values after them are
        worked out by the generated code."""
        self.keys += tuple(d.key for d in ruleset.values)
        self.order = {k: i for i, k in enumerate(self.keys)}
        targets = {i for i, d in enumerate(ruleset.facts) if d.role == "target"}
        targets |= {self.order[a.key] for a in ruleset.aggregates if a.stat in MAY_BE_EMPTY}
        targets |= {self.order[c.key] for c in ruleset.cohort}
        for kind, key in ruleset.graph.order():  # a named value reading one that may be
            if kind == "value":  # absent may be absent itself
                decl = ruleset.fact(key)
                assert isinstance(decl, ValueDecl)
                if any(self.order[n] in targets for n in decl.expr.names):
                    targets.add(self.order[key])
        self.targets = frozenset(targets)
        self._reads: dict[int, tuple[FactDecl | CohortDecl | ValueDecl | Aggregate, ...]] = {}
        structure = _structure(ruleset)
        self.node_ids = tuple(structure.ids)
        """Every node's id, in the order written."""
        self.judged = tuple(sorted(ruleset.graph.verdicts))
        """The nodes with a verdict, in the order the traced run returns them."""
        self.node_reads = tuple(node_key(f, n) for f, n in sorted(structure.node_reads))
        """The keys of every node read, in the order the traced run returns them."""
        self.titles = {n: getattr(m, "title", n) for n, m in structure.nodes.items()}

    def reads(
        self, item: Item | Bonus
    ) -> tuple[FactDecl | CohortDecl | ValueDecl | Aggregate, ...]:
        """The facts (and cohort values) ``item`` reads, in declaration order."""
        found = self._reads.get(id(item))
        if found is None:
            keys = {n for f in formulas(item) for n in f.names}
            ordered = sorted(keys, key=self.order.__getitem__)
            found = self._reads[id(item)] = tuple(self.ruleset.fact(k) for k in ordered)
        return found

    def bands(self, shape: Any) -> Any:
        found = self._bands.get(id(shape))
        if found is None:
            from qualscore.scoring.shapes.tiers import band_traces

            found = self._bands[id(shape)] = band_traces(shape)
        return found

    def labels(self, shape: Any) -> Any:
        found = self._labels.get(id(shape))
        if found is None:
            from qualscore.scoring.shapes.cases import labels

            found = self._labels[id(shape)] = labels(shape)
        return found

    def shape(self, shape: Shape, record: Any, cap: Decimal | None) -> ShapeTrace:
        """The trace record of ``shape`` from its compact record."""
        trace: ShapeTrace = module(shape.kind).expand(shape, record, self, cap)
        return trace

    def named(self, values: Values) -> tuple[NamedValue, ...]:
        """The named values the entity has, each with what its expression read."""
        said = words(self.ruleset.manifest.language)
        out = []
        for decl in self.ruleset.values:
            if decl.key not in values:
                continue
            read = self._inputs(decl.expr.names, values) + tuple(
                Input(key, said[f"read_{f}"].format(title=self.titles.get(n, n)), values[key], None)
                for f, n in decl.expr.nodes
                if (key := node_key(f, n)) in values
            )  # fmt: skip
            cell = None
            if decl.table is not None:  # the choices that picked its cell, row first
                axes = (decl.table.rows, decl.table.columns)
                cell = tuple(i for k in axes for i in read if i.key == k)
            out.append(NamedValue(decl.key, decl.label, values[decl.key], decl.unit,
                                  decl.expr.source, read, cell))  # fmt: skip
        return self._aggregates(values) + tuple(out)

    def _aggregates(self, values: Values) -> tuple[NamedValue, ...]:
        """Each aggregate of a list the entity gives, worked out record by record."""
        records = cast("Mapping[str, tuple[Record, ...]] | None", values.get(RECORDS_KEY))
        if not records:
            return ()
        mode = MODES[self.ruleset.manifest.rounding.mode]
        out = []
        for decl in self.ruleset.lists:
            fields = record_fields(decl, self.ruleset.subsets.get(decl.key)) if decl.sub else None
            for aggregate in decl.aggregates:
                done = work(decl, aggregate, records[decl.key], values, mode, fields)
                shown = aggregate.of.source if aggregate.of is not None else aggregate.stat
                out.append(NamedValue(aggregate.key, aggregate.label, done.value, aggregate.unit,
                                      shown, (), None, done))  # fmt: skip
        return tuple(out)

    def node_inputs(self, item: Item | Bonus, values: Values) -> tuple[Input, ...]:
        """The nodes ``item`` reads, each with what it came to (``score('2')`` = 17.1)."""
        said = words(self.ruleset.manifest.language)
        reads = sorted({r for f in formulas(item) for r in f.nodes})
        return tuple(
            Input(key, said[f"read_{function}"].format(title=self.titles.get(node, node)),
                  values[key], None)
            for function, node in reads
            if (key := node_key(function, node)) in values
        )  # fmt: skip

    def judgement(self, node: Any, values: Values, met: bool | None) -> Judgement | None:
        """How a node's (or the scheme's) verdict was decided: its condition and what it
        read; None where it has no verdict or it does not apply."""
        verdict = getattr(node, "verdict", None)
        if verdict is None or met is None:
            return None
        said = words(self.ruleset.manifest.language)
        read = self._inputs(verdict.met.names, values) + tuple(
            Input(key, said[f"read_{f}"].format(title=self.titles.get(n, n)), values[key], None)
            for f, n in verdict.met.nodes
            if (key := node_key(f, n)) in values
        )  # fmt: skip
        return Judgement(verdict.met.source, read)

    def verdict(self, node: Any, met: bool | None) -> str | None:
        """A node's verdict in words: its own labels, or the language's; the words for
        not applicable where it has a verdict and does not apply (``met`` None)."""
        verdict = getattr(node, "verdict", None)  # the bonus has none
        if verdict is None:
            return None
        said = words(self.ruleset.manifest.language)
        if met is None:
            return said["na"]
        labels = verdict.labels or (said["verdict_met"], said["verdict_not_met"])
        return labels[0] if met else labels[1]

    def item(
        self,
        item: Item | Bonus,
        item_id: str,
        record: Any,
        values: Values,
        cohort: Mapping[str, Any] | None = None,
        met: Mapping[str, bool | None] | None = None,
    ) -> ItemResult:
        """The full result of one item from its record (``cohort``: the entity's cohort
        values, how each was worked out; ``met``: the verdicts, by node id)."""
        raw, score, state, shape_record = record
        came = self._came(values)
        reason = None
        if state == 1:
            assert isinstance(item, Item) and item.not_applicable is not None
            reason = item.not_applicable.reason
        elif state >= 2:
            decl = self.ruleset.fact(self.keys[state - 2])
            said = {"cohort": "no_cohort", "value": "no_value", "aggregate": "no_records"}.get(
                decl.role, "no_target"
            )
            reason = words(self.ruleset.manifest.language)[said].format(label=decl.label)
            if isinstance(item, Item) and item.not_applicable is not None:
                reason = item.not_applicable.reason  # the item's own words for not applying
        lacking: tuple[tuple[str, str], ...] = ()
        if state == -1:
            judged = words(self.ruleset.manifest.language)["judged_evidence"]
            lacking = tuple(
                (k, judged if k.startswith("judged:") else self.ruleset.label(k))
                for k in shape_record
            )
        role = self.ruleset.role(item_id) if isinstance(item, Item) else "score"
        lower, upper = item_bounds(item, role)
        trace = None if state else self.shape(item.score, shape_record, upper)
        bounded = raw if lower is None or raw > lower else lower
        bounded = upper if upper is not None and upper < bounded else bounded
        return ItemResult(
            id=item_id,
            title=item.title,
            section=item.section if isinstance(item, Item) else None,
            points=item.points,
            score=score,
            departments=item.departments,
            content=item.content,
            criteria=item.criteria,
            responsible=item.responsible,
            inputs=tuple(
                Input(d.key, d.label, values[d.key], d.unit, came.get(d.key),
                      _words(d, values[d.key]))
                for d in self.reads(item)
                if d.key in values
            )
            + self.node_inputs(item, values),
            shape=trace,
            not_applicable=reason,
            raw=raw,
            clamped=bounded != raw,
            floor=lower,
            role=role,
            assessing=item.assessing,
            assessing_parts=item.assessing_parts,
            cohort=tuple(cohort[d.key] for d in self.reads(item) if d.key in cohort)
            if cohort
            else (),
            verdict=self.verdict(item, (met or {}).get(item_id)),
            met=(met or {}).get(item_id),
            judgement=self.judgement(item, values, (met or {}).get(item_id)),
            missing_evidence=lacking,
        )

    def expand(
        self,
        cats: Any,
        bonus: Any,
        held: tuple[bool | None, ...],
        values: Values,
        cohort: Mapping[str, Any] | None = None,
        met: Mapping[str, bool | None] | None = None,
    ) -> tuple[tuple[NodeResult, ...], ItemResult | None, tuple[VetoResult, ...]]:
        """Categories, bonus and vetoes from the records of one run."""
        met = met or {}
        categories = tuple(
            self._category(c, r, values, cohort, met)
            for c, r in zip(self.ruleset.categories, cats, strict=True)
        )
        manifest = self.ruleset.manifest
        bonus_result = (
            self.item(manifest.bonus, "bonus", bonus, values, cohort, met)
            if manifest.bonus
            else None
        )
        vetoes = tuple(
            self.veto(v, h, values, cohort or {})
            for v, h in zip(manifest.vetoes, held, strict=True)
        )
        return categories, bonus_result, vetoes

    def veto(
        self, veto: Veto, held: bool | None, values: Values, cohort: Mapping[str, Any]
    ) -> VetoResult:
        """One veto's record: whether it applied and held, and what it read."""
        names = veto.when.names if held is not None else ()
        inputs = self._inputs(names, values)
        return VetoResult(
            veto.id,
            veto.title,
            bool(held),
            veto.result,
            inputs,
            applies=held is not None,
            when=veto.when.source,
            grade=veto.grade,
            grade_at_most=veto.grade_at_most,
            content=veto.content,
            criteria=veto.criteria,
            departments=veto.departments,
            absent=tuple(self.ruleset.fact(n).label for n in names if n not in values),
            cohort=tuple(cohort[i.key] for i in inputs if i.key in cohort),
            places=self.ruleset.manifest.rounding.places,
        )

    def _inputs(self, names: tuple[str, ...], values: Values) -> tuple[Input, ...]:
        keys = sorted((n for n in names if n in values), key=self.order.__getitem__)
        came = self._came(values)
        return tuple(
            Input(k, (d := self.ruleset.fact(k)).label, values[k], d.unit, came.get(k),
                  _words(d, values[k]))
            for k in keys
        )

    def _came(self, values: Values) -> Mapping[str, Provenance]:
        """Where each fact came from; an aggregate from where its list came from."""
        came = _provenance(values)
        if not came or not self.ruleset.lists:
            return came
        lists = self.ruleset.list_of
        return {**{k: came[d.key] for k, d in lists.items() if d.key in came}, **came}

    def _category(
        self,
        category: Category,
        record: Any,
        values: Values,
        cohort: Mapping[str, Any] | None,
        met: Mapping[str, bool | None],
    ) -> NodeResult:
        total, score, records = record
        role = category.kind
        children: list[NodeResult | ItemResult] = []
        for child, rec in zip(category.items, records, strict=True):
            if isinstance(child, Indicator):
                inner_total, inner_score, inner = rec
                items = tuple(
                    self.item(i, i.id, r, values, cohort, met)
                    for i, r in zip(child.items, inner, strict=True)
                )
                most = child.points if child.points is not None else _ZERO  # none: no cap
                children.append(
                    NodeResult(
                        child.id, child.title, "indicator", most, items, inner_total,
                        inner_score, role, child.points is not None,
                        node_bounds(child.points, child.floor, role)[0], None,
                        self.verdict(child, met.get(child.id)), met.get(child.id),
                        self.judgement(child, values, met.get(child.id)),
                    )
                )  # fmt: skip
            else:
                children.append(self.item(child, child.id, rec, values, cohort, met))
        points = category.points if category.points is not None else _ZERO
        return NodeResult(
            category.id, category.title, "category", points, tuple(children), total, score,
            role, category.points is not None,
            node_bounds(category.points, category.floor, role)[0], category.criteria,
            self.verdict(category, met.get(category.id)), met.get(category.id),
            self.judgement(category, values, met.get(category.id)),
        )  # fmt: skip


def verdicts_of(
    ruleset: RuleSet, verdicts: Mapping[str, bool | None]
) -> tuple[str | None, tuple[str, ...]]:
    """The scheme's verdict in words, and the nodes not met in the order written, from the
    verdicts of a run (:attr:`Scores.verdicts`): what a batch row shows."""
    compiled = plan(ruleset)
    if not verdicts:
        return None, ()
    static = compiled._static
    scheme = static.verdict(ruleset.manifest, verdicts.get(SCHEME)) if SCHEME in verdicts else None
    order = [n for n in static.node_ids if verdicts.get(n) is False]
    return scheme, tuple(order)


@per_ruleset
def plan(ruleset: RuleSet) -> Plan:
    """The compiled plan of ``ruleset``, made on first use and kept while it lives."""
    return Plan(ruleset)


_ITEMS: dict[int, tuple[Item, RuleSet, Callable[[Values], ItemResult]]] = {}
_ITEMS_KEPT = 4  # the linter probes one item at a time: keep few, hold few rule sets


def item_function(ruleset: RuleSet, item: Item, item_id: str) -> Callable[[Values], ItemResult]:
    """One item compiled on its own (the linter's probes of items it has changed).

    The last few are kept, so that probing one item with many values compiles it once.

    Raises:
        EvaluationError: (from the function) a formula failed.
    """
    kept = _ITEMS.get(id(item))
    if kept is not None and kept[0] is item and kept[1] is ruleset:
        return kept[2]
    writer = _Writer(ruleset, traced=True)
    writer.probe = True
    writer.structure = _structure(ruleset)

    def body(gen: Gen) -> str:
        gen.node_read = writer._node_read
        return writer.item(gen, item, item_id, ruleset.role(item_id))[1]

    writer.function("run", "v", body)
    source = "\n".join(writer.functions)
    run = _load(source, writer.space, f"<qualscore:{ruleset.id}:{item_id}>", {})
    static = plan(ruleset)._static

    def evaluate(values: Values) -> ItemResult:
        return static.item(item, item_id, run(values), values)

    if len(_ITEMS) >= _ITEMS_KEPT:
        _ITEMS.pop(next(iter(_ITEMS)))
    _ITEMS[id(item)] = (item, ruleset, evaluate)
    return evaluate
