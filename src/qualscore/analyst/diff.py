"""What changed between two rule sets (two years of a scheme), and what it does to scores.

Items are matched by id; an item whose id is gone and whose criteria (or
title and content) reappear under an id that is new is *renumbered*, not
removed and added. For each matched item every field is compared, and each
difference is named by its kind: points, band bounds, formula, departments,
text, scoring (anything else about how it scores), or moved (to another
indicator or category). Categories, indicators, the bonus, vetoes, the
manifest and the declared facts are compared the same way. Acknowledged
warnings (``acknowledge:``) are left out: they change no score and no text.

:mod:`qualscore.analyst.impact` scores entities under both rule sets, side by side.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from qualscore.ruleset.formula import Formula
from qualscore.ruleset.loader import RuleSet
from qualscore.ruleset.model import Indicator, Item

__all__ = ["Change", "Comparison", "compare", "item_pairs"]

_KINDS = {
    **dict.fromkeys(("at_least", "above", "below", "at_most"), "band bounds"),
    **dict.fromkeys(("points", "otherwise", "award", "floor", "from", "max"), "points"),
    **dict.fromkeys(("when", "unless", "per", "each", "value", "expr", "actual"), "formula"),
    **dict.fromkeys(("departments", "responsible"), "departments"),
    **dict.fromkeys(
        ("title", "content", "criteria", "section", "label", "otherwise_label", "reason"), "text"
    ),
}


@dataclass(frozen=True)
class Change:
    """One difference: which node, what kind, which field, before and after (as text)."""

    node: str
    kind: str
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Comparison:
    """The changes from ``a`` to ``b``, and which item of ``a`` is which item of ``b``."""

    a: RuleSet
    b: RuleSet
    changes: tuple[Change, ...]
    pairs: Mapping[str, str]


def compare(a: RuleSet, b: RuleSet) -> Comparison:
    """Every change from rule set ``a`` to rule set ``b``, in ``b``'s order."""
    changes: list[Change] = list(_manifest(a, b))
    changes.extend(_facts(a, b))
    changes.extend(_groups(a, b))
    pairs = item_pairs(a, b)
    changes.extend(_items(a, b, pairs))
    return Comparison(a, b, tuple(changes), pairs)


# --- plain values -----------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A model as nested dicts and lists of strings, decimals and booleans (formulas as text)."""
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        # An acknowledged warning is a note on the source, not the scheme: it scores nothing.
        return {
            (info.alias or name): plain(getattr(value, name))
            for name, info in fields.items()
            if getattr(value, name) not in (None, ()) and name != "acknowledge"
        }
    if isinstance(value, Formula):
        return value.source
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def show(value: Any) -> str:
    """A plain value as one short line."""
    from qualscore.scoring.words import fmt

    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, list):
        return (
            "、".join(show(v) for v in value)
            if all(isinstance(v, str) for v in value)
            else ("[" + ", ".join(show(v) for v in value) + "]")
        )
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items() if k != "score") + "}"
    return str(value)


def _walk(before: Any, after: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """Each place where two plain values differ: (path, before, after)."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            yield from _walk(before.get(key), after.get(key), f"{path}.{key}" if path else key)
    elif isinstance(before, list) and isinstance(after, list) and not _strings(before, after):
        yield from _walk_list(before, after, path)
    elif before != after:
        yield path, before, after


def _walk_list(before: list[Any], after: list[Any], path: str) -> Iterator[tuple[str, Any, Any]]:
    """Two lists (of bands, parts, steps) aligned, so that one inserted band is one row.

    Elements in the same place that changed are compared field by field; an
    element added or removed is one row, at its index in the list that has it.
    """
    matcher = difflib.SequenceMatcher(a=[repr(v) for v in before], b=[repr(v) for v in after])
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            yield from _walk(before[i1 + k], after[j1 + k], f"{path}[{j1 + k}]")
        for k in range(i1 + pairs, i2):
            yield f"{path}[{k}]", before[k], None
        for k in range(j1 + pairs, j2):
            yield f"{path}[{k}]", None, after[k]


def _strings(*lists: list[Any]) -> bool:
    return all(isinstance(v, str) for values in lists for v in values)


def _kind(path: str) -> str:
    last = path.rsplit(".", 1)[-1]
    if last.endswith("]"):
        return "band bounds" if last.startswith("bands[") else "scoring"
    return _KINDS.get(last, "scoring")


def _excerpt(before: str, after: str, context: int = 8) -> tuple[str, str]:
    """The differing middle of two texts, with a little context on each side."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    limit = min(len(before), len(after)) - start
    while end < limit and before[-1 - end] == after[-1 - end]:
        end += 1
    lo = max(0, start - context)

    def cut(text: str) -> str:
        hi = min(len(text), len(text) - end + context)
        return ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")

    return cut(before), cut(after)


def _changes(node: str, before: Any, after: Any, base: str = "") -> Iterator[Change]:
    for found, old, new in _walk(before, after, base):
        path = found.removeprefix("score.")
        if isinstance(old, str) and isinstance(new, str) and _kind(path) == "text":
            old, new = _excerpt(old, new)
            yield Change(node, "text", path, old, new)
        else:
            yield Change(node, _kind(path), path, show(old), show(new))


# --- the parts of a rule set ------------------------------------------------------------


def _manifest(a: RuleSet, b: RuleSet) -> Iterator[Change]:
    skip = ("bonus", "vetoes")
    old = {k: v for k, v in plain(a.manifest).items() if k not in skip}
    new = {k: v for k, v in plain(b.manifest).items() if k not in skip}
    for change in _changes("rule set", old, new):
        kind = {"id": "year", "year": "year", "language": "text"}.get(change.field, change.kind)
        yield Change(change.node, kind, change.field, change.before, change.after)
    yield from _optional("bonus", a.manifest.bonus, b.manifest.bonus)
    old_vetoes = {v.id: v for v in a.manifest.vetoes}
    new_vetoes = {v.id: v for v in b.manifest.vetoes}
    for key in [*old_vetoes, *(k for k in new_vetoes if k not in old_vetoes)]:
        yield from _optional(f"veto {key}", old_vetoes.get(key), new_vetoes.get(key))


def _optional(node: str, old: BaseModel | None, new: BaseModel | None) -> Iterator[Change]:
    if old is None and new is None:
        return
    if old is None or new is None:
        what = new if old is None else old
        assert what is not None
        title = show(getattr(what, "title", ""))
        yield Change(
            node,
            "added" if old is None else "removed",
            "",
            *(("—", title) if old is None else (title, "—")),
        )
        return
    yield from _changes(node, plain(old), plain(new))


def _facts(a: RuleSet, b: RuleSet) -> Iterator[Change]:
    old = {f.key: f for f in a.facts}
    new = {f.key: f for f in b.facts}
    for key in [*new, *(k for k in old if k not in new)]:
        if key not in new:
            yield Change(f"fact {key}", "removed", "", old[key].label, "—")
        elif key not in old:
            yield Change(f"fact {key}", "added", "", "—", new[key].label)
        else:
            for change in _changes(f"fact {key}", plain(old[key]), plain(new[key])):
                yield Change(change.node, "fact", change.field, change.before, change.after)
    yield from _cohort(a, b)
    old_checks = {c.when.source for c in a.checks.checks}
    new_checks = {c.when.source for c in b.checks.checks}
    for source in sorted(old_checks - new_checks):
        yield Change("check", "removed", "", source, "—")
    for source in sorted(new_checks - old_checks):
        yield Change("check", "added", "", "—", source)


def _cohort(a: RuleSet, b: RuleSet) -> Iterator[Change]:
    """Cohort values: added, removed, and every field changed (a tie policy, a scope …)."""
    old = {c.key: c for c in a.cohort}
    new = {c.key: c for c in b.cohort}
    for key in [*new, *(k for k in old if k not in new)]:
        node = f"cohort value {key}"
        if key not in new:
            yield Change(node, "removed", "", old[key].label, "—")
        elif key not in old:
            yield Change(node, "added", "", "—", new[key].label)
        else:
            for change in _changes(node, plain(old[key]), plain(new[key])):
                yield Change(change.node, "cohort", change.field, change.before, change.after)


def _groups(a: RuleSet, b: RuleSet) -> Iterator[Change]:
    """Categories and indicators: added, removed, points, title, moved."""
    old, new = _group_index(a), _group_index(b)
    for key in [*new, *(k for k in old if k not in new)]:
        before, after = old.get(key), new.get(key)
        if after is None:
            assert before is not None
            yield Change(_group_name(before[0]), "removed", "", _summary(before[0]), "—")
            continue
        if before is None:
            yield Change(_group_name(after[0]), "added", "", "—", _summary(after[0]))
            continue
        name = _group_name(after[0])
        fields = ("points", "title", "section")
        yield from _changes(name, _pick(before[0], fields), _pick(after[0], fields))
        if before[1] != after[1]:
            yield Change(name, "moved", "", before[1], after[1])


def _summary(node: Any) -> str:
    return f"{node.title} ({show(node.points)})"


def _pick(node: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(node, f, None) for f in fields}


def _group_name(node: Any) -> str:
    return f"{'indicator' if isinstance(node, Indicator) else 'category'} {node.id}"


def _group_index(ruleset: RuleSet) -> dict[str, tuple[Any, str]]:
    """Categories and indicators by kind and id, with where each stands."""
    index: dict[str, tuple[Any, str]] = {}
    for category in ruleset.categories:
        index[f"category {category.id}"] = (category, "")
        for child in category.items:
            if isinstance(child, Indicator):
                index[f"indicator {child.id}"] = (child, f"category {category.id}")
    return index


def _parents(ruleset: RuleSet) -> dict[str, tuple[Item, str]]:
    """Every item by id, with where it stands (its indicator or category)."""
    out: dict[str, tuple[Item, str]] = {}
    for category in ruleset.categories:
        for child in category.items:
            if isinstance(child, Indicator):
                out.update({i.id: (i, f"indicator {child.id}") for i in child.items})
            else:
                out[child.id] = (child, f"category {category.id}")
    return out


def item_pairs(a: RuleSet, b: RuleSet) -> dict[str, str]:
    """Which item of ``a`` is which item of ``b``.

    The same id with the same criteria first; then an item whose criteria (or
    title and content) reappear under exactly one other id: renumbered; then
    the same id, whatever changed in it.
    """
    old, new = _parents(a), _parents(b)
    pairs = {k: k for k in old if k in new and _same_item(old[k][0], new[k][0])}
    gone = [k for k in old if k not in pairs]
    fresh = [k for k in new if k not in pairs.values()]
    for key in gone:
        same = [k for k in fresh if _same_item(old[key][0], new[k][0])]
        if len(same) == 1:
            pairs[key] = same[0]
            fresh.remove(same[0])
    for key in [k for k in old if k not in pairs and k in fresh]:
        pairs[key] = key
    return pairs


def _same_item(one: Item, two: Item) -> bool:
    return one.criteria == two.criteria or (
        one.title == two.title and one.content is not None and one.content == two.content
    )


def _items(a: RuleSet, b: RuleSet, pairs: Mapping[str, str]) -> Iterator[Change]:
    old, new = _parents(a), _parents(b)
    back = {v: k for k, v in pairs.items()}
    for key in new:
        if key not in back:
            item = new[key][0]
            yield Change(f"item {key}", "added", "", "—", f"{item.title} ({show(item.points)})")
            continue
        (one, parent_a), (two, parent_b) = old[back[key]], new[key]
        if back[key] != key:
            yield Change(f"item {key}", "renumbered", "", back[key], key)
        if parent_a != parent_b:
            yield Change(f"item {key}", "moved", "", parent_a, parent_b)
        before = {k: v for k, v in plain(one).items() if k != "id"}
        after = {k: v for k, v in plain(two).items() if k != "id"}
        yield from _changes(f"item {key}", before, after)
    for key in old:
        if key not in pairs:
            yield Change(f"item {key}", "removed", "", old[key][0].title, "—")
