"""Warnings about the departments a rule set names.

Schemes name one office two ways (``市场监管局`` here, ``市市场监管局`` there), and
a report that lists the points each department lost then splits one office in
two. ``ruleset.yaml`` may declare its departments, each with the other names the
rule files use for it (``aliases``); loading reads an alias as its name, so every
report merges them. Lint then warns:

- when departments are declared: about a name written in a rule file that is
  neither a declared name nor an alias (with the nearest declared name);
- when none are: about two names that look like one department (one a small
  edit of the other), suggesting the declaration.

Names are read from the rule files as written (``departments``, ``assessing``,
``supplier``), so a warning points at the name itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qualscore.ruleset.loader import MANIFEST, Location, RuleSet
from qualscore.ruleset.model import department_names
from qualscore.source.suggest import likeness

__all__ = ["department_warnings"]

_KEYS = ("departments", "assessing", "supplier")
"""The keys whose values name departments."""

SIMILAR = 0.8
"""How alike two names must be (difflib's ratio) to look like one department:
``市场监管局`` / ``市市场监管局`` 0.91, ``市交通局`` / ``市交通运输局`` 0.8; ``市住建局`` /
``市交通局`` 0.5 are two."""

MAX_NAMES = 500
"""Most distinct names compared pairwise (more: none are, the comparison would be slow)."""


def department_warnings(ruleset: RuleSet) -> Iterator[tuple[Location, str, str]]:
    """``(location, node, message)`` for each unknown or doubtful department name."""
    written = _written(ruleset)
    declared = department_names(ruleset.manifest.departments)
    if declared:
        yield from _unknown(written, declared)
    else:
        yield from _alike(written)


def _written(ruleset: RuleSet) -> dict[str, Location]:
    """Each department name written in the rule files, at its first place (file order)."""
    found: dict[str, Location] = {}
    for name, doc in ruleset.documents.items():
        for loc, value in _names(doc.data, ()):
            if name == MANIFEST and loc[:1] == ("departments",):
                continue  # the declaration itself
            line, col = doc.where(loc)
            place = Location(doc.path, line, col)
            if value not in found or _order(place) < _order(found[value]):
                found[value] = place
    return dict(sorted(found.items(), key=lambda kv: _order(kv[1])))


def _order(place: Location) -> tuple[str, int, int]:
    return place.path, place.line, place.col


def _names(node: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = (*loc, key)
            if key in _KEYS and isinstance(value, str):
                yield here, value
            elif key in _KEYS and isinstance(value, list):
                yield from (((*here, i), v) for i, v in enumerate(value) if isinstance(v, str))
            else:
                yield from _names(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _names(value, (*loc, i))


def _unknown(
    written: dict[str, Location], declared: dict[str, str]
) -> Iterator[tuple[Location, str, str]]:
    for name, place in written.items():
        if name in declared:
            continue
        scored = sorted((-likeness(name, d), d) for d in list(declared)[:MAX_NAMES])
        near = scored[0][1] if scored and -scored[0][0] >= SIMILAR else None
        hint = f" (did you mean {near!r}?)" if near else ""
        yield (
            place,
            f"department {name}",
            f"{name!r} is not one of the departments ruleset.yaml declares{hint}: declare it, "
            "or add it to the aliases of the department it is",
        )


def _alike(written: dict[str, Location]) -> Iterator[tuple[Location, str, str]]:
    names = list(written)[:MAX_NAMES]
    for j, later in enumerate(names):
        for earlier in names[:j]:
            if likeness(earlier, later) < SIMILAR:
                continue
            yield (
                written[later],
                f"department {later}",
                f"{later!r} looks like {earlier!r} (at {written[earlier]}): if they are one "
                f"department, declare it in ruleset.yaml, departments: [{{name: {earlier}, "
                f"aliases: [{later}]}}], and every report merges them",
            )
            break
