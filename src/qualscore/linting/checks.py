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
  say: :func:`qualscore.scoring.shapes.extremes` and ``adds_to``);
- a tier table with a gap, an overlap, or a band no value can reach; a band
  that awards as much as the band above it (or more);
- a formula that can give more than its points, or less than its floor, over
  the facts' declared ranges (each shape's own: :func:`qualscore.scoring.shapes.lint`,
  told the ranges by :mod:`qualscore.linting.values`);
- deductions in a penalty section that never deduct
  (:func:`qualscore.scoring.shapes.never_deducts`);
- an item that awards points when every fact it reads is false or 0 (nothing
  done), unless 0 is the good case for one of them (an accident rate, a count
  of failures, a target of 0: raising it from 0 can lower the score), 0 is not
  the lowest value one may take (a signed change, a count declared ``min: 1``),
  or the points are written down for that outcome (a tier table's band or
  ``otherwise``, a list of cases' ``otherwise``): :mod:`qualscore.linting.nothing`;
- a declared fact that nothing reads;
- a percentage in an item's criteria that is no threshold of its bands
  (:mod:`qualscore.linting.criteria`);
- a department name that is not declared, or that looks like another
  (:mod:`qualscore.linting.departments`).

A fact read with the wrong type (a bool compared with a number) is not a
warning but a load error: expressions are type-checked when the rule set loads.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from qualscore._decimal import in_context
from qualscore.linting.criteria import criteria_warnings
from qualscore.linting.departments import department_warnings
from qualscore.linting.nothing import nothing_done
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
    FactDecl,
    Indicator,
    Item,
    ValueDecl,
    formulas_in,
)
from qualscore.scoring.plan import possible
from qualscore.scoring.shapes import adds_to, extremes, never_deducts, walk
from qualscore.scoring.shapes import lint as shape_warnings
from qualscore.scoring.words import fmt, points_text

__all__ = ["LintWarning", "found", "lint"]

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


def lint(ruleset: RuleSet) -> list[LintWarning]:
    """Every warning about ``ruleset`` that its rule files do not acknowledge, and one for
    each acknowledgement that matches no warning, in file order
    (:mod:`qualscore.linting.acknowledged`)."""
    from qualscore.linting.acknowledged import review

    return list(review(ruleset).warnings)


@in_context
def found(ruleset: RuleSet) -> list[LintWarning]:
    """Every warning about ``ruleset``, acknowledged or not, in file order."""
    warnings: list[LintWarning] = list(_total(ruleset))
    for category in ruleset.categories:
        warnings.extend(_group_points(ruleset, category))
    for item in ruleset.items():
        where = ruleset.locations[item.id]
        warnings.extend(_shape_warnings(ruleset, item))
        idle = nothing_done(ruleset, item)
        if idle is not None:
            warnings.append(LintWarning(where, f"item {item.id}", idle))
    warnings.extend(_unused(ruleset))
    warnings.extend(_evidence_of_nothing(ruleset))
    warnings.extend(_reserved(ruleset))
    warnings.extend(_penalty_deductions(ruleset))
    warnings.extend(LintWarning(*found) for found in department_warnings(ruleset))
    warnings.extend(LintWarning(*found) for found in criteria_warnings(ruleset))
    return sorted(warnings, key=lambda w: (w.location.path, w.location.line, w.location.col))


def _evidence_of_nothing(ruleset: RuleSet) -> Iterator[LintWarning]:
    """An item required to have evidence that reads no fact and is not judged: the rule
    never bites (it reads only targets, cohort values or other nodes, or nothing)."""
    for item_id, pieces in ruleset.evidence_needed().items():
        if not pieces:
            where = ruleset.locations.get(item_id) or ruleset.locate(MANIFEST, ("bonus",))
            yield LintWarning(
                where,
                f"item {item_id}",
                "evidence: required, but it reads no fact and is not judged: no evidence "
                "is asked of it",
            )


def _penalty_deductions(ruleset: RuleSet) -> Iterator[LintWarning]:
    """Deductions in a penalty section that can never deduct: the shape says which and why
    (:func:`qualscore.scoring.shapes.never_deducts`)."""
    from qualscore.linting.values import located

    for category in ruleset.categories:
        if category.kind != "penalty":
            continue
        for item in _items(category):
            for finding in never_deducts(item.score, ("score",), item.points):
                where = located(ruleset, item.id, finding.loc)
                yield LintWarning(where, f"item {item.id}", finding.message)


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
    nodes: list[tuple[str, Category | Indicator, Sequence[Indicator | Item], str]] = []
    # A category of criteria text has no items.
    if category.items:
        nodes.append((f"category {category.id}", category, category.items, "its children add to"))
    for child in category.items:
        if isinstance(child, Indicator):
            nodes.append((f"indicator {child.id}", child, child.items, "its items add to"))
    # A bonus or penalty section's cap, and its indicators', is what it may add or deduct
    # at most: its children adding to more is what a cap is for.
    lost = _LOST[category.kind]
    for name, node, children, what in nodes:
        points = [c.points for c in children]
        # points: none declares no sum; a child of points: none adds to no sum either
        # (what it may add has no end: the cap above it is there to bind).
        if node.points is None or None in points:
            continue
        total = sum((p for p in points if p is not None), _ZERO)
        over = category.kind == "score"
        message = _sum_message(total, node.points, what, over=over, lost=lost)
        if message:
            yield LintWarning(ruleset.locations[node.id], name, message)
    for item in _items(category):
        written = adds_to(item.score, penalty=category.kind == "penalty")
        message = None
        if written is not None and item.points is not None:  # none: no points to add up to
            message = _sum_message(written[1], item.points, written[0], lost=lost)
        if message:
            yield LintWarning(ruleset.locations[item.id], f"item {item.id}", message)
    for item in _items(category):
        yield from _best(ruleset, item)


def _items(category: Category) -> Iterator[Item]:
    for child in category.items:
        yield from (child.items if isinstance(child, Indicator) else (child,))


def _best(ruleset: RuleSet, item: Item) -> Iterator[LintWarning]:
    """The most a tier table, a list of cases or a deduction's start gives, against its cap;
    in a penalty section, the most it deducts against the item's points."""
    from qualscore.linting.values import item_domains, located

    role = ruleset.role(item.id)
    domains = item_domains(ruleset, item)
    if domains is None:  # not applicable whatever the facts: its shape is never read
        domains = {}
    bounds = item_bounds(item, role)
    for shape, loc, (_, cap) in walk(item.score, ("score",), bounds):
        best, worst = extremes(shape, cap, domains)
        if role == "penalty":
            # A part's score counts from 0 up in a penalty section too: only the item's own;
            # an item of points: none deducts without limit, no most to fall short of.
            most = item.points if loc == ("score",) else None
            message = None if most is None else _deducts(worst, most)
        else:
            whose = "its declared" if loc == ("score",) else "its part's"
            # cap None: points: none, nothing for the shape's points to fall short of.
            message = None
            if best is not None and cap is not None:
                message = _sum_message(best[1], cap, best[0], whose)
        if message:
            yield LintWarning(located(ruleset, item.id, loc), f"item {item.id}", message)
    na, most = item.not_applicable, item.points
    if na is not None and na.award is not None and most is not None and na.award > most:
        yield LintWarning(
            located(ruleset, item.id, ("not_applicable", "award")),
            f"item {item.id}",
            f"not_applicable awards {fmt(na.award)}, more than its declared "
            f"{points_text(most)}; the cap of {fmt(most)} binds",
        )


def _deducts(worst: tuple[str, Decimal] | None, points: Decimal) -> str | None:
    """The most a penalty item's shape deducts against the item's points; nothing for a
    shape that never deducts (:func:`_penalty_deductions` says why for deductions)."""
    if worst is None or worst[1] >= 0:
        return None
    words, value = worst
    return _sum_message(-value, points, f"{words} {fmt(value)}: a deduction of", lost="deducted")


# --- what each shape says of itself -----------------------------------------------------


def _shape_warnings(ruleset: RuleSet, item: Item) -> Iterator[LintWarning]:
    """Each shape's own warnings, nested ones' included (a tier table's bands, a formula's
    range: :func:`qualscore.scoring.shapes.lint`), over the facts' declared ranges where
    the item is scored."""
    from qualscore.linting.values import ItemProbe, item_domains, located

    probe = ItemProbe(ruleset, item, item_domains(ruleset, item))
    bounds = item_bounds(item, ruleset.role(item.id))
    for shape, loc, clamp in walk(item.score, ("score",), bounds):
        for finding in shape_warnings(shape, loc, clamp, probe):
            where = located(ruleset, item.id, finding.loc)
            yield LintWarning(where, f"item {item.id}", finding.message)


# --- facts ------------------------------------------------------------------------------


def _unused(ruleset: RuleSet) -> Iterator[LintWarning]:
    # Everything a formula anywhere reads: items (their verdicts too), sections' verdicts,
    # the bonus, the vetoes and the scheme's verdict, the checks, cohort values, named values.
    read = {n for c in ruleset.categories for f in formulas_in(c) for n in f.names}
    read |= {n for f in formulas_in(ruleset.manifest) for n in f.names}
    read |= {n for c in ruleset.checks.checks for n in c.when.names}
    read |= {n for c in ruleset.cohort for f in formulas_in(c) for n in f.names}
    read |= {n for v in ruleset.values for n in v.expr.names}
    read |= {n for d in ruleset.lists for f in formulas_in(d) for n in f.names}
    declared: list[tuple[str, str, Sequence[FactDecl | CohortDecl | ValueDecl], str]] = [
        ("facts", "fact", ruleset.facts, "item, bonus, veto or check"),
        ("cohort", "cohort value", ruleset.cohort, "item, bonus, veto or cohort value"),
        ("values", "value", ruleset.values, "item, bonus, veto, verdict or value"),
    ]
    for where, what, decls, readers in declared:
        for i, decl in enumerate(decls):
            if decl.key not in read:
                yield LintWarning(
                    ruleset.locate(FACTS, (where, i)),
                    f"{what} {decl.key}",
                    f"declared but read by no {readers}",
                )
    for i, listed in enumerate(ruleset.lists):
        for j, aggregate in enumerate(listed.aggregates):
            if aggregate.key not in read:
                yield LintWarning(
                    ruleset.locate(FACTS, ("lists", i, "aggregates", j)),
                    f"aggregate {aggregate.key}",
                    "declared but read by no item, bonus, veto, verdict or value",
                )
