"""The graph cut into stages of columns: what an engine computes, step by step.

An engine turns each node into an expression over its operands. A node read by more
than one other (a score that its section and the total both add) would be computed
again inside each reader, and a chain of such nodes again and again: so each node read
twice, or whose expression grows past :data:`INLINE` operations, becomes a column of
its own. A column is made in the first stage after every column it reads; after each
stage, the columns no later stage reads are dropped, so that memory holds the columns
alive at once, not every column ever made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qualscore.columnar.ir import Node, walk

__all__ = ["INLINE", "Stage", "Stages", "stages"]

INLINE = 40
"""The most operations one column's expression holds before an operand becomes a column."""


@dataclass(frozen=True)
class Stage:
    """Columns made together (each reads only earlier stages' columns), then those kept."""

    made: tuple[Node, ...]
    keep: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Stages:
    """A graph's stages, and each column's name (each plan its own: an engine may keep what
    it makes of one)."""

    steps: tuple[Stage, ...]
    names: Mapping[int, str]
    outputs: Mapping[str, Node]

    def name(self, node: Node) -> str:
        return self.names[node.uid]


def stages(outputs: Mapping[str, Node], inputs: Sequence[str] = ()) -> Stages:
    """The stages computing ``outputs`` (by name) from the input columns.

    ``inputs`` are kept to the end (the row number, say) beside the outputs.
    """
    roots = list(outputs.values())
    order = list(walk(roots))
    readers = Counter(a.uid for n in order for a in n.args)
    own: set[int] = {r.uid for r in roots}
    size: dict[int, int] = {}
    fixed: set[int] = set()  # nodes of constants only: inlined, never a column of their own
    for n in order:
        if n.op == "const" or (n.args and all(a.uid in fixed for a in n.args)):
            fixed.add(n.uid)
        if n.op == "col" or n.uid in fixed:
            size[n.uid] = 0
            continue
        total = 1 + sum(size[a.uid] for a in n.args)
        if readers[n.uid] > 1 or total > INLINE:
            own.add(n.uid)
            total = 0
        size[n.uid] = total if n.uid not in own else 0
    names = {
        n.uid: f"_c{n.uid}" for n in order if n.uid in own and n.op != "col" and n.uid not in fixed
    }
    for n in order:
        if n.op == "col":
            names[n.uid] = n.value[0]
    level: dict[int, int] = {}
    for n in order:
        deps = [level[a.uid] + (1 if a.uid in names and a.op != "col" else 0) for a in n.args]
        level[n.uid] = max(deps, default=0)
    made: dict[int, list[Node]] = {}
    for n in order:
        if n.uid in names and n.op != "col":
            made.setdefault(level[n.uid], []).append(n)
    last: dict[str, int] = {}
    steps = sorted(made)
    for i, step in enumerate(steps):
        for n in made[step]:
            for name in _reads(n, names):
                last[name] = i
    for name in [*(names[r.uid] for r in roots if r.uid in names), *inputs]:
        last[name] = len(steps)
    out = []
    for i, step in enumerate(steps):
        alive = [names[n.uid] for lv in steps[: i + 1] for n in made[lv]]
        alive += [names[n.uid] for n in order if n.op == "col"]
        keep = tuple(dict.fromkeys(c for c in [*alive, *inputs] if last.get(c, -1) > i))
        out.append(Stage(tuple(made[step]), keep))
    return Stages(tuple(out), names, dict(outputs))


def _reads(node: Node, names: Mapping[int, str]) -> set[str]:
    """The columns ``node``'s expression reads (through the operands it inlines)."""
    found: set[str] = set()
    stack = list(node.args)
    while stack:
        a = stack.pop()
        if a.uid in names:
            found.add(names[a.uid])
        else:
            stack.extend(a.args)
    return found
