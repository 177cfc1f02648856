"""Cohort values: what each reads, the order they are computed in, and their checks.

A cohort value (``facts.yaml``'s ``cohort:``) is computed across the entities
assessed: from a formula ``of`` facts (and earlier cohort values), or from the
``score`` of a node, which depends on every cohort value that node's items
read; a weighted mean's ``weight`` and a count_if's ``when`` are formulas read
like ``of``. The values are computed in *levels*: level 0 reads no cohort value;
level n reads one of level n - 1 at most. Each level needs one pass over the
entities (scoring them with the levels before it known), and the final scores
one more. A value that depends, however indirectly, on itself is refused when
the rule set is loaded, the cycle named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from qualscore.errors import Problem
from qualscore.ruleset.formula import Formula
from qualscore.ruleset.model import (
    RANKS,
    Category,
    CohortDecl,
    EntityGroup,
    Indicator,
    Manifest,
    ValueDecl,
    formulas_in,
    models_in,
)
from qualscore.source import yamlfile as _yaml
from qualscore.source.suggest import MAX_SEARCHES, Suggestions

__all__ = [
    "TOTAL",
    "check_cohort",
    "check_ranks",
    "depth_first",
    "levels",
    "node_formulas",
    "reads",
]

K = TypeVar("K")

TOTAL = "total"
"""``score: total``: the cohort value of the entity's total."""


def node_formulas(
    categories: Sequence[Category], manifest: Manifest, node_id: str
) -> list[Formula] | None:
    """Every formula the score of ``node_id`` reads (None: no such node)."""
    if node_id == TOTAL:
        nodes: list[Any] = list(categories)
        if manifest.bonus is not None:
            nodes.append(manifest.bonus)
        return [f for n in nodes for f in formulas_in(n)]
    for category in categories:
        if category.id == node_id:
            return list(formulas_in(category))
        for child in category.items:
            if child.id == node_id:
                return list(formulas_in(child))
            if isinstance(child, Indicator):
                for item in child.items:
                    if item.id == node_id:
                        return list(formulas_in(item))
    return None


def reads(
    decl: CohortDecl,
    categories: Sequence[Category],
    manifest: Manifest,
    keys: Iterable[str],
    values: Sequence[ValueDecl] = (),
) -> set[str]:
    """The cohort values ``decl`` depends on, among ``keys``: those its own formulas (``of``,
    ``weight``, ``when``) and the score it takes read, through the named values and the
    nodes they read too."""
    wanted = set(keys)
    found = list(formulas_in(decl))
    if decl.score is not None:
        found += node_formulas(categories, manifest, decl.score) or []
    named = {v.key: v for v in values}
    todo, seen = list(found), {id(f) for f in found}
    while todo:
        formula = todo.pop()
        more = [named[n].expr for n in formula.names if n in named]
        for _, node in formula.nodes:
            more += node_formulas(categories, manifest, node) or []
        for f in more:
            if id(f) not in seen:
                seen.add(id(f))
                found.append(f)
                todo.append(f)
    return {n for f in found for n in f.names if n in wanted}


def levels(
    decls: Sequence[CohortDecl],
    categories: Sequence[Category],
    manifest: Manifest,
    values: Sequence[ValueDecl] = (),
) -> tuple[tuple[CohortDecl, ...], ...]:
    """The cohort values by level (each in declaration order); a rule set without a cycle."""
    keys = [d.key for d in decls]
    deps = {d.key: sorted(reads(d, categories, manifest, keys, values)) for d in decls}
    order, _cycles_found = depth_first(keys, deps)
    level: dict[str, int] = {}
    for key in order:  # every key after what it reads
        level[key] = 1 + max((level.get(k, 0) for k in deps[key]), default=-1)
    count = 1 + max(level.values(), default=-1)
    return tuple(tuple(d for d in decls if level[d.key] == n) for n in range(count))


def depth_first(
    keys: Iterable[K], deps: Mapping[K, Sequence[K]]
) -> tuple[list[K], list[list[K]]]:
    """The keys in an order where each comes after what it reads, and every cycle met
    (a path that comes back to its start). Iterative: a chain of thousands of values
    is no deeper for Python's stack than one. What a key reads that is not among
    ``deps`` is passed over. The one walk of what reads what: cohort values, named
    values, the units of a rule set (:mod:`qualscore.ruleset.reads`)."""
    state: dict[K, int] = {}  # 1: on the current path; 2: done
    order: list[K] = []
    cycles: list[list[K]] = []
    for root in keys:
        if root in state:
            continue
        state[root] = 1
        path, stack = [root], [iter(deps[root])]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                done = path.pop()
                state[done] = 2
                order.append(done)
            elif state.get(step) == 1:
                cycles.append([*path[path.index(step) :], step])
            elif step not in state and step in deps:
                state[step] = 1
                path.append(step)
                stack.append(iter(deps[step]))
    return order, cycles


def check_cohort(
    decls: Sequence[CohortDecl],
    categories: Sequence[Category],
    manifest: Manifest,
    fact_keys: Iterable[str],
    doc: _yaml.Document,
    values: Sequence[ValueDecl] = (),
) -> list[Problem]:
    """Every problem with the cohort values: names, nodes, scopes, cycles."""
    problems: list[Problem] = []
    facts = set(fact_keys)
    seen: set[str] = set()
    nodes = _node_ids(categories)
    # One bound for all the declarations: 5,000 unknown nodes cost MAX_SEARCHES searches.
    node_names = Suggestions(nodes, searches=MAX_SEARCHES)
    group_names = Suggestions((g.id for g in manifest.groups), searches=MAX_SEARCHES)
    for i, decl in enumerate(decls):
        where = ("cohort", i)
        if decl.key in facts:
            message = f"cohort value {decl.key!r}: a fact of that name is declared"
            problems.append(doc.problem((*where, "key"), message))
        elif decl.key in seen:
            message = f"cohort value {decl.key!r} is declared twice"
            problems.append(doc.problem((*where, "key"), message))
        seen.add(decl.key)
        if decl.score is not None and decl.score not in nodes:
            hint = node_names.hint(decl.score)
            message = f"score: no item, indicator or category {decl.score!r} (or 'total'){hint}"
            problems.append(doc.problem((*where, "score"), message))
        problems.extend(_scope(decl, manifest.groups, doc, where, group_names))
    if not problems:
        problems.extend(_cycles(decls, categories, manifest, doc, values))
    return problems


def check_ranks(
    category: Category, decls: Mapping[str, CohortDecl], doc: _yaml.Document
) -> list[Problem]:
    """A shape's field that must name a rank (its model's ``READS_RANK``: a ``rank`` shape's
    ``rank``) names a cohort value that is a rank."""
    problems = []
    for loc, node in models_in(category):
        for field in getattr(node, "READS_RANK", ()):
            name = getattr(node, field).source.strip()
            decl = decls.get(name)
            if decl is None or decl.stat not in RANKS:
                ranks = [k for k, d in decls.items() if d.stat in RANKS]
                known = f" (the ranks declared: {', '.join(ranks)})" if ranks else (
                    "; declare one under cohort: in facts.yaml"
                )  # fmt: skip
                message = (
                    f"{field}: must name a cohort value whose stat is rank or reverse_rank{known}"
                )
                problems.append(doc.problem((*loc, field), message))
    return problems


def _node_ids(categories: Sequence[Category]) -> set[str]:
    ids = {TOTAL}
    for category in categories:
        ids.add(category.id)
        for child in category.items:
            ids.add(child.id)
            if isinstance(child, Indicator):
                ids.update(i.id for i in child.items)
    return ids


def _scope(
    decl: CohortDecl,
    groups: Sequence[EntityGroup],
    doc: _yaml.Document,
    where: tuple[str | int, ...],
    suggestions: Suggestions,
) -> list[Problem]:
    names = [g.id for g in groups]
    if decl.scope == "all" or decl.scope in names:
        return []
    if decl.scope == "group":
        if groups:
            return []
        message = "scope: group: ruleset.yaml declares no entity groups"
        return [doc.problem((*where, "scope"), message)]
    hint = suggestions.hint(decl.scope)
    message = f"scope: {decl.scope!r} is not all, group or a group's id{hint}"
    return [doc.problem((*where, "scope"), message)]


def _how(decl: CohortDecl, key: str) -> str:
    """Which of ``decl``'s sources reads ``key``: ``of``, ``weight``, ``when`` or the score."""
    for name in ("of", "weight", "when"):
        formula = getattr(decl, name)
        if formula is not None and key in formula.names:
            return name
    return f"score of {decl.score!r}"


def _cycles(
    decls: Sequence[CohortDecl],
    categories: Sequence[Category],
    manifest: Manifest,
    doc: _yaml.Document,
    values: Sequence[ValueDecl] = (),
) -> list[Problem]:
    keys = [d.key for d in decls]
    index = {d.key: i for i, d in enumerate(decls)}
    deps = {d.key: sorted(reads(d, categories, manifest, keys, values), key=index.__getitem__)
            for d in decls}  # fmt: skip
    problems: list[Problem] = []
    told: set[str] = set()
    for cycle in depth_first(keys, deps)[1]:
        if told.intersection(cycle):
            continue  # one problem for values caught in one knot
        told.update(cycle)
        first = decls[index[cycle[0]]]
        how = _how(first, cycle[1])
        shown = cycle if len(cycle) <= 12 else [*cycle[:10], "…", cycle[-1]]
        message = (
            f"cohort value {cycle[0]!r} depends on itself: {' → '.join(shown)} "
            f"(its {how} reads {cycle[1]!r})"
        )
        problems.append(doc.problem(("cohort", index[cycle[0]], "key"), message))
    return problems
