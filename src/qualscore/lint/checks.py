"""Warnings about a rule set that loads but may not say what its authors meant.

A warning never stops scoring: sources are sometimes inconsistent, and the
rule set must keep the source's numbers. The validator reports each one, with
the node's place and a value that shows the problem:

- points that do not add up, at every level: the categories against
  ``total_points``, children against an indicator's or category's points, a
  checklist's parts, the best band or case, and a deduction's start, against
  an item's (or a part's) points: above, the cap binds; below, points can never
  be earned. A bonus or penalty section's cap (and its indicators') is the most
  it adds or deducts, so only children adding to less are reported there; a
  penalty item's parts, worst band or case and lowest deduction are what it
  deducts, against its points (what the shape gives is the shape module's to
  say: :func:`qualscore.scoring.shapes.extremes`);
- a tier table with a gap, an overlap, or a band no value can reach; a band
  that awards as much as the band above it (or more);
- a formula that can give more than its points, or less than its floor, over
  the facts' declared ranges (:mod:`qualscore.lint.values`);
- an item that awards points when every fact it reads is false or 0 (nothing
  done), unless 0 is the good case for one of them (an accident rate, a count
  of failures, a target of 0: raising it from 0 can lower the score), 0 is not
  the lowest value one may take (a signed change, a count declared ``min: 1``),
  or the points are written down for that outcome (a tier table's band or
  ``otherwise``, a list of cases' ``otherwise``): :mod:`qualscore.lint.nothing`;
- a declared fact that nothing reads.

A fact read with the wrong type (a bool compared with a number) is not a
warning but a load error: expressions are type-checked when the rule set loads.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from qualscore._decimal import in_context
from qualscore.lint.nothing import nothing_done
from qualscore.ruleset.loader import (
    FACTS,
    MANIFEST,
    Location,
    RuleSet,
    item_bounds,
)
from qualscore.ruleset.model import (
    Category,
    CohortDecl,
    DeductionsShape,
    FactDecl,
    FormulaShape,
    Indicator,
    Item,
    PartsShape,
    Shape,
    TiersShape,
)
from qualscore.scoring.engine import formulas
from qualscore.scoring.plan import possible
from qualscore.scoring.shapes import extremes
from qualscore.scoring.trace import BandTrace
from qualscore.scoring.words import band_text, fmt, points_text

__all__ = ["LintWarning", "lint"]

_ZERO = Decimal(0)
_LOST = {"score": "earned", "bonus": "earned", "penalty": "deducted"}
"""What points beyond the reach of a node's children can never be, by its section's kind."""


@dataclass(frozen=True, order=True)
class LintWarning:
    """One warning about one node."""

    location: Location
    node: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: warning: {self.node}: {self.message}"


@in_context
def lint(ruleset: RuleSet) -> list[LintWarning]:
    """Every warning about ``ruleset``, in file order."""
    warnings: list[LintWarning] = list(_total(ruleset))
    for category in ruleset.categories:
        warnings.extend(_group_points(ruleset, category))
    for item in ruleset.items():
        where = ruleset.locations[item.id]
        for shape in _shapes(item.score):
            warnings.extend(_tiers(where, f"item {item.id}", shape))
        warnings.extend(_values(ruleset, item))
        idle = nothing_done(ruleset, item)
        if idle is not None:
            warnings.append(LintWarning(where, f"item {item.id}", idle))
    warnings.extend(_unused(ruleset))
    warnings.extend(_reserved(ruleset))
    warnings.extend(_penalty_deductions(ruleset))
    return sorted(warnings, key=lambda w: (w.location.path, w.location.line, w.location.col))


def _penalty_deductions(ruleset: RuleSet) -> Iterator[LintWarning]:
    """A ``deductions`` shape in a penalty section that can never deduct.

    A penalty item scores from 0 down: its deductions start at 0 (unless ``from``
    says otherwise) and stop at their floor, 0 unless written, so without a
    negative ``floor`` of their own (the item's is minus its points already, and
    the loader refuses another) they never take anything. Deductions that are a
    part's score never deduct whatever their floor: a part counts its score from 0
    up to its points, and a penalty part with a score is worth 0.
    """
    from qualscore.lint.values import located

    for category in ruleset.categories:
        if category.kind != "penalty":
            continue
        for item in _items(category):
            shape = item.score
            if isinstance(shape, DeductionsShape):
                start = shape.start if shape.start is not None else _ZERO
                if start <= shape.floor:
                    yield LintWarning(
                        ruleset.locations[item.id],
                        f"item {item.id}",
                        f"its deductions start at {fmt(start)} and stop at their floor "
                        f"{fmt(shape.floor)}, so they never deduct in a penalty section; give "
                        f"the deductions a negative floor of their own "
                        f"(score.floor: {fmt(-item.points)})",
                    )
            for i, part in enumerate(shape.parts if isinstance(shape, PartsShape) else ()):
                nested = () if part.score is None else _shapes(part.score)
                if any(isinstance(s, DeductionsShape) for s in nested):
                    yield LintWarning(
                        located(ruleset, item.id, ("score", "parts", i, "score")),
                        f"item {item.id}",
                        f"part {part.label}'s score counts from 0 up to the part's "
                        f"{fmt(part.points)} points, so its deductions never deduct in a penalty "
                        "section; make them the item's own score",
                    )


def _reserved(ruleset: RuleSet) -> Iterator[LintWarning]:
    """A fact named ``entity``, ``period`` or ``judged``: the facts file's own keys."""
    for i, decl in enumerate(ruleset.facts):
        if decl.key in ("entity", "period", "judged"):
            yield LintWarning(
                ruleset.locate(FACTS, ("facts", i, "key")),
                f"fact {decl.key}",
                f"'{decl.key}' is a reserved key of facts files; declared as a fact it stays "
                f"a fact, and no facts file can give its {decl.key} as such: rename the fact",
            )


def _shapes(shape: Shape) -> Iterator[Shape]:
    yield shape
    if isinstance(shape, PartsShape):
        for part in shape.parts:
            if part.score is not None:
                yield from _shapes(part.score)


# --- points ---------------------------------------------------------------------------


def _sum_message(
    total: Decimal,
    points: Decimal,
    what: str,
    whose: str = "its declared",
    *,
    over: bool = True,
    lost: str = "earned",
) -> str | None:
    """``what`` (``its children add to``) ``total``, against ``points``; None when equal, or
    above with ``over`` False (a cap that is there to bind). ``lost``: what points below
    the declared ones can never be (``earned``, ``deducted``)."""
    if total > points and over:
        return (
            f"{what} {fmt(total)}, more than {whose} {points_text(points)}; "
            f"the cap of {fmt(points)} binds"
        )
    if total < points:
        return (
            f"{what} {fmt(total)}, less than {whose} {points_text(points)}; "
            f"{points_text(points - total)} can never be {lost}"
        )
    return None


def _total(ruleset: RuleSet) -> Iterator[LintWarning]:
    declared = ruleset.manifest.total_points
    if declared is None:
        return
    if not ruleset.manifest.groups:
        total = possible(ruleset)
        if total != declared:
            yield LintWarning(
                ruleset.locate(MANIFEST, ("total_points",)),
                "rule set",
                f"its categories declare {points_text(total)}, "
                f"not the {fmt(declared)} of total_points",
            )
        return
    # Each entity is scored on what applies to it: its maximum must be the declared total.
    for group in ruleset.manifest.groups:
        wrong = sorted({possible(ruleset.view(m)) for m in group.members} - {declared})
        if wrong:
            yield LintWarning(
                ruleset.locate(MANIFEST, ("total_points",)),
                f"group {group.id}",
                f"what applies to its entities declares {', '.join(fmt(w) for w in wrong)} "
                f"points, not the {fmt(declared)} of total_points",
            )


def _restricted(category: Category) -> bool:
    """Whether some of the category's children apply only to some entities."""
    for child in category.items:
        if child.applies_to is not None:
            return True
        if isinstance(child, Indicator) and any(i.applies_to is not None for i in child.items):
            return True
    return False


def _group_points(ruleset: RuleSet, category: Category) -> Iterator[LintWarning]:
    """Point sums as each entity is scored: per group when children apply to some only."""
    if not ruleset.manifest.groups or not _restricted(category):
        yield from _points(ruleset, category)
        return
    seen: set[tuple[str, str]] = set()
    for entity in ruleset.entities():
        view = ruleset.view(entity)
        for mine in (c for c in view.categories if c.id == category.id):
            for warning in _points(view, mine):
                group = ruleset.group_of(entity)
                key = (str(warning.location), warning.message)
                if key not in seen:
                    seen.add(key)
                    if warning.node.startswith(("category ", "indicator ")):
                        message = f"{warning.message} (for group {group})"
                        warning = LintWarning(warning.location, warning.node, message)
                    yield warning


def _points(ruleset: RuleSet, category: Category) -> Iterator[LintWarning]:
    nodes: list[tuple[str, Category | Indicator | Item, Decimal, str]] = []
    # A category of criteria text has no items; a section of points: none declares no sum.
    if category.items and category.points is not None:
        children = sum((c.points for c in category.items), _ZERO)
        nodes.append((f"category {category.id}", category, children, "its children add to"))
    for child in category.items:
        if isinstance(child, Indicator):
            total = sum((i.points for i in child.items), _ZERO)
            nodes.append((f"indicator {child.id}", child, total, "its items add to"))
    # A bonus or penalty section's cap, and its indicators', is what it may add or deduct
    # at most: its children adding to more is what a cap is for.
    lost = _LOST[category.kind]
    for name, node, total, what in nodes:
        assert node.points is not None
        over = category.kind == "score"
        message = _sum_message(total, node.points, what, over=over, lost=lost)
        if message:
            yield LintWarning(ruleset.locations[node.id], name, message)
    for item in _items(category):
        if isinstance(item.score, PartsShape) and all(p.each is None for p in item.score.parts):
            message = _parts_message(item, item.score, category.kind == "penalty")
            if message:
                yield LintWarning(ruleset.locations[item.id], f"item {item.id}", message)
    for item in _items(category):
        yield from _best(ruleset, item)


def _parts_message(item: Item, shape: PartsShape, penalty: bool) -> str | None:
    """A checklist's parts against the item's points: what they award, or in a penalty
    section what they deduct."""
    if penalty:
        total = sum((-p.points for p in shape.parts if p.points < 0), _ZERO)
        return _sum_message(total, item.points, "its parts deduct", lost="deducted")
    total = sum((p.points for p in shape.parts if p.points > 0), _ZERO)
    return _sum_message(total, item.points, "its parts add to")


def _items(category: Category) -> Iterator[Item]:
    for child in category.items:
        yield from (child.items if isinstance(child, Indicator) else (child,))


def _best(ruleset: RuleSet, item: Item) -> Iterator[LintWarning]:
    """The most a tier table, a list of cases or a deduction's start gives, against its cap;
    in a penalty section, the most it deducts against the item's points."""
    from qualscore.lint.values import item_domains, located, shapes

    role = ruleset.role(item.id)
    domains = item_domains(ruleset, item)
    if domains is None:  # not applicable whatever the facts: its shape is never read
        domains = {}
    bounds = item_bounds(item, role)
    for shape, loc, (_, cap) in shapes(item.score, ("score",), bounds):
        best, worst = extremes(shape, cap, domains)
        if role == "penalty":
            # A part's score counts from 0 up in a penalty section too: only the item's own.
            message = _deducts(worst, item.points) if loc == ("score",) else None
        else:
            whose = "its declared" if loc == ("score",) else "its part's"
            message = _sum_message(best[1], cap, best[0], whose) if best else None
        if message:
            yield LintWarning(located(ruleset, item.id, loc), f"item {item.id}", message)
    na = item.not_applicable
    if na is not None and na.award is not None and na.award > item.points:
        yield LintWarning(
            located(ruleset, item.id, ("not_applicable", "award")),
            f"item {item.id}",
            f"not_applicable awards {fmt(na.award)}, more than its declared "
            f"{points_text(item.points)}; the cap of {fmt(item.points)} binds",
        )


def _deducts(worst: tuple[str, Decimal] | None, points: Decimal) -> str | None:
    """The most a penalty item's shape deducts against the item's points; nothing for a
    shape that never deducts (:func:`_penalty_deductions` says why for deductions)."""
    if worst is None or worst[1] >= 0:
        return None
    words, value = worst
    return _sum_message(-value, points, f"{words} {fmt(value)}: a deduction of", lost="deducted")


# --- tier tables and formulas -------------------------------------------------------


def _tiers(where: Location, name: str, shape: Shape) -> Iterator[LintWarning]:
    if not isinstance(shape, TiersShape):
        return
    bands = [
        BandTrace(
            b.label or "", b.points, b.lower, b.at_least is not None, b.upper, b.at_most is not None
        )
        for b in shape.bands
    ]
    for above, band in itertools.pairwise(bands):
        if band.points >= above.points:
            same = "as much as" if band.points == above.points else "more than"
            yield LintWarning(
                where,
                name,
                f"band {band_text(band)} awards {fmt(band.points)}, {same} the band above it "
                f"({band_text(above)}, {fmt(above.points)})",
            )


def _values(ruleset: RuleSet, item: Item) -> Iterator[LintWarning]:
    from qualscore.lint.values import (
        formula_findings,
        item_domains,
        located,
        shapes,
        tier_findings,
    )

    domains = item_domains(ruleset, item)
    if domains is None:  # not applicable whatever the facts: nothing to read
        return
    bounds = item_bounds(item, ruleset.role(item.id))
    for shape, loc, clamp in shapes(item.score, ("score",), bounds):
        if isinstance(shape, TiersShape):
            findings = tier_findings(shape, loc, domains)
        elif isinstance(shape, FormulaShape):
            findings = formula_findings(ruleset, item, shape, loc, clamp, domains)
        else:
            continue
        for finding in findings:
            where = located(ruleset, item.id, finding.loc)
            yield LintWarning(where, f"item {item.id}", finding.message)


# --- facts ------------------------------------------------------------------------------


def _unused(ruleset: RuleSet) -> Iterator[LintWarning]:
    read = {n for item in ruleset.items() for f in formulas(item) for n in f.names}
    if ruleset.manifest.bonus is not None:
        read |= {n for f in formulas(ruleset.manifest.bonus) for n in f.names}
    read |= {n for v in ruleset.manifest.vetoes for n in v.when.names}
    read |= {n for c in ruleset.checks.checks for n in c.when.names}
    read |= {n for c in ruleset.cohort if c.of is not None for n in c.of.names}
    declared: list[tuple[str, str, Sequence[FactDecl | CohortDecl], str]] = [
        ("facts", "fact", ruleset.facts, "item, bonus, veto or check"),
        ("cohort", "cohort value", ruleset.cohort, "item, bonus, veto or cohort value"),
    ]
    for where, what, decls, readers in declared:
        for i, decl in enumerate(decls):
            if decl.key not in read:
                yield LintWarning(
                    ruleset.locate(FACTS, (where, i)),
                    f"{what} {decl.key}",
                    f"declared but read by no {readers}",
                )
