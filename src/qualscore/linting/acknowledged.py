"""Warnings the source itself causes, acknowledged in the rule files where they are about.

A scheme is scored as printed, its mistakes included ("the source prints 23;
its items add to 26"), so some warnings are there to stay. A rule file
acknowledges one on the node it is about, by its code
(:data:`qualscore.ruleset.codes.CODES`) and with a reason::

    - id: "19.1"
      ...
      acknowledge:
        - warning: band-order
          reason: 原文85%（含85%）—90%亦得1分，疑为0.5分之误；按原文计分

The node carries its own: an item, an indicator, a category (at the top of its
file), ``ruleset.yaml`` (the rule set's and its groups' ``total-points``), a
fact or a cohort value in ``facts.yaml``. An acknowledgement covers every
warning of its code about its node. ``validate`` lists each such warning as
acknowledged, with the reason, and does not count it, so ``--strict`` passes
on a scheme whose only warnings are its source's.

An acknowledgement that matches no warning (the source mended, the code
renamed, the acknowledgement written on the wrong node) is itself a warning,
at the acknowledgement: no excuse outlives its mistake, and none can be moved
to another node by accident.

A warning's code is read from the fixed words of its message (:data:`WORDS`),
never from its numbers or the rule set's own text: the checks that word the
messages live in the shape modules, which own them. ``tests/test_acknowledged.py``
makes a warning of every code, in each of its wordings, and reads it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from qualscore._patterns import lazy
from qualscore.linting.checks import LintWarning, found
from qualscore.ruleset.codes import STALE
from qualscore.ruleset.loader import FACTS, MANIFEST, Location, RuleSet
from qualscore.ruleset.model import Acknowledgement, Category, Indicator, Item

__all__ = ["WORDS", "Acknowledged", "Review", "code_of", "review"]

_AMOUNT = r"\S+(?:: a deduction of \S+)?"
_SHAPE = r"its (?:best band awards|best case awards|worst band awards|worst case awards|"
_SHAPE += r"deductions start from|deductions stop at) " + _AMOUNT
WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, lazy(words, re.DOTALL))
    for code, words in (
        ("band-gap", r"gap: "),
        ("formula-range", r"its formula gives "),
        ("children-over", r"its (?:children|items) add to \S+, more than "),
        ("children-under", r"its (?:children|items) add to \S+, less than "),
        ("parts-over", r"its parts (?:add to|deduct) \S+, more than "),
        ("parts-under", r"its parts (?:add to|deduct) \S+, less than "),
        ("shape-over", _SHAPE + r", more than "),
        ("shape-under", _SHAPE + r", less than "),
        ("not-applicable-over", r"not_applicable awards \S+, more than "),
        ("never-deducts", r"its deductions start at .* so they never deduct in a penalty section"),
        ("never-deducts", r"part .*'s score counts from 0 .* never deduct in a penalty section"),
        ("total-points", r"(?:its categories|what applies to its entities) declares? .* not the "),
        ("unread-fact", r"declared but read by no "),
        ("evidence-of-nothing", r"evidence: required, but it reads no fact and is not judged"),
        ("reserved-key", r"'(?:entity|period|judged)' is a reserved key of facts files"),
        ("criteria-number", r"criteria says .*, which is no bound of its bands"),
        (STALE, r"acknowledges warning \S+, but there is none about it"),
        ("band-order", r"band .* awards \S+, (?:as much as|more than) the band above it \("),
        ("band-unreachable", r"band .* can never be reached: "),
        ("band-overlap", r"band .* overlaps an earlier band: "),
        ("nothing-done", r"awards \S+ (?:of \S+ )?when every (?:fact|condition) it reads is false"),
    )
)
"""Each code with the fixed words its messages begin with, tried in this order."""


def code_of(warning: LintWarning) -> str | None:
    """The code of ``warning``: a key of :data:`~qualscore.ruleset.codes.CODES`, or
    ``stale-acknowledgement``; None for a warning no code names."""
    for code, words in WORDS:
        if words.match(warning.message):
            return code
    return None


@dataclass(frozen=True, order=True)
class Acknowledged:
    """A warning a rule file acknowledges, with its code and the reason given."""

    warning: LintWarning
    code: str
    reason: str

    def __str__(self) -> str:
        w = self.warning
        return f"{w.location}: acknowledged: {w.node}: {w.message} ({self.code}: {self.reason})"


@dataclass(frozen=True)
class Review:
    """A rule set's warnings, acknowledgements applied.

    Attributes:
        warnings: Those no rule file acknowledges, and one for each acknowledgement
            that matches no warning, in file order.
        acknowledged: Those a rule file acknowledges, in file order.
    """

    warnings: tuple[LintWarning, ...]
    acknowledged: tuple[Acknowledged, ...]


@dataclass(frozen=True)
class _Note:
    """One acknowledgement as written: the node it is on, and where."""

    node: str
    also: frozenset[str]
    """More names of the node's warnings (``ruleset.yaml``'s: its groups')."""
    given: Acknowledgement
    location: Location


def review(ruleset: RuleSet) -> Review:
    """Every warning about ``ruleset`` (as loaded, not a view of one entity), sorted into
    acknowledged and not."""
    warnings = found(ruleset)
    notes = list(_notes(ruleset))
    by_key = {(name, n.given.warning): n for n in notes for name in (n.node, *n.also)}
    used: set[int] = set()
    left: list[LintWarning] = []
    acknowledged: list[Acknowledged] = []
    for warning in warnings:
        note = by_key.get((warning.node, code_of(warning) or ""))
        if note is None:
            left.append(warning)
        else:
            used.add(id(note))
            acknowledged.append(Acknowledged(warning, note.given.warning, note.given.reason))
    # The first warning left of each code in each file: where a stale one may have been meant.
    first: dict[tuple[str, str | None], LintWarning] = {}
    for warning in left:
        first.setdefault((warning.location.path, code_of(warning)), warning)
    stale = [_stale(n, first) for n in notes if id(n) not in used]
    left += stale
    for sub in ruleset.subsets.values():  # the rules each list of sub-entities is scored by
        inner = review(sub)
        left += inner.warnings
        acknowledged += inner.acknowledged
    return Review(tuple(sorted(left, key=_order)), tuple(acknowledged))


def _order(warning: LintWarning) -> tuple[str, int, int]:
    where = warning.location
    return where.path, where.line, where.col


def _stale(note: _Note, first: dict[tuple[str, str | None], LintWarning]) -> LintWarning:
    """The warning that ``note`` matches none; it names a warning of its code left
    unacknowledged in its file, if there is one: it may have been meant for that."""
    code = note.given.warning
    message = f"acknowledges warning {code}, but there is none about it"
    other = first.get((note.location.path, code))
    if other is not None:
        message += f" ({other.node} has one, at {other.location}): move or remove it"
    else:
        message += ": remove the acknowledgement"
    return LintWarning(note.location, note.node, message)


def _notes(ruleset: RuleSet) -> Iterator[_Note]:
    """Every acknowledgement in the rule files, with the node it is on."""
    manifest = ruleset.manifest
    groups = frozenset(f"group {g.id}" for g in manifest.groups)
    yield from _on(ruleset, "rule set", manifest.acknowledge, MANIFEST, (), groups)
    for i, fact in enumerate(ruleset.checks.facts):
        yield from _on(ruleset, f"fact {fact.key}", fact.acknowledge, FACTS, ("facts", i))
    for i, value in enumerate(ruleset.cohort):
        name = f"cohort value {value.key}"
        yield from _on(ruleset, name, value.acknowledge, FACTS, ("cohort", i))
    for category in ruleset.categories:
        nodes: list[tuple[str, Category | Indicator | Item]] = [
            (f"category {category.id}", category)
        ]
        for child in category.items:
            if isinstance(child, Indicator):
                nodes.append((f"indicator {child.id}", child))
                nodes += [(f"item {item.id}", item) for item in child.items]
            else:
                nodes.append((f"item {child.id}", child))
        for name, node in nodes:
            if node.acknowledge:
                file, loc = ruleset.node_paths[node.id]
                yield from _on(ruleset, name, node.acknowledge, file, loc)


def _on(
    ruleset: RuleSet,
    node: str,
    given: tuple[Acknowledgement, ...],
    file: str,
    loc: tuple[str | int, ...],
    also: frozenset[str] = frozenset(),
) -> Iterator[_Note]:
    for k, acknowledgement in enumerate(given):
        where = ruleset.locate(file, (*loc, "acknowledge", k))
        yield _Note(node, also, acknowledgement, where)
