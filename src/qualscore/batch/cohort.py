"""A batch of a rule set with cohort values: the passes that work them out.

Each level of cohort values (:attr:`RuleSet.cohort_levels`) takes one pass
over the inputs, in the worker processes like any batch: each entity's own
values come back (one number per value: the columns the cohort needs, not
whole results), and the values across the cohort are worked out here. The
scoring pass that follows is given every entity's values. An entity whose
facts are refused is in no cohort (its problems are told once, by the scoring
pass); a second entity of the same name is not either. An entity whose own value
cannot be worked out (a formula that fails on its facts) is not scored, as
:func:`qualscore.evaluate_cohort` does not score it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

from qualscore.batch.runner import CohortPass, Outcome, Shared, score_units
from qualscore.batch.units import Unit
from qualscore.errors import CohortError, Problem
from qualscore.ruleset.loader import RuleSet
from qualscore.scoring.cohort import CohortSummary, Own, aggregate
from qualscore.scoring.trace import CohortEntry

__all__ = ["cohort_values", "refused_first"]

Known = dict[str, dict[str, CohortEntry | None]]


def cohort_values(
    rules: Shared | RuleSet | str,
    units: Callable[[], Iterable[Unit | Problem]],
    *,
    targets_path: str | None = None,
    jobs: int = 1,
    entries: bool = False,
    lists: Sequence[str] = (),
) -> tuple[CohortPass, tuple[CohortSummary, ...]]:
    """Every entity's cohort values (``entries``: and how each was worked out, for full
    results), and what each value was computed from.

    ``rules`` is the rule set with its tables (:class:`~qualscore.batch.runner.Shared`),
    or the rule set alone, its tables then read once from ``targets_path`` and ``lists``
    (the tables of lists of records, ``KEY=FILE``). ``units`` reads the inputs afresh for
    each pass.

    Raises:
        RuleSetError: the rule set cannot be loaded.
        SourceError: the target table cannot be read.
        CohortError: a cohort smaller than a value declares it needs.
    """
    shared = Shared.of(rules, targets_path, lists)
    ruleset = shared.ruleset
    keys = tuple(c.key for c in ruleset.cohort)
    known: Known = {}  # how each value was worked out: kept only when asked for
    values: dict[str, dict[str, Decimal]] = {}
    failed: dict[str, tuple[str, ...]] = {}
    unread: list[Problem] = []  # inputs refused before any entity was made of them
    summaries: list[CohortSummary] = []
    for level, decls in enumerate(ruleset.cohort_levels):
        columns: dict[str, dict[str, Own]] = {d.key: {} for d in decls}
        found = score_units(
            shared, units(), jobs=jobs,
            cohort=CohortPass(level, keys, _compact(values, keys), failed=failed),
        )  # fmt: skip
        seen: set[str] = set()
        for item in found:
            if isinstance(item, Problem) and level == 0:
                unread.append(item)
            if not isinstance(item, Outcome) or item.entity.name in seen:
                continue
            seen.add(item.entity.name)  # the first entity of a name, scored or not
            if item.problems:
                failed.setdefault(item.entity.name, item.problems)
            for key, value in (item.own or {}).items():
                columns[key][item.entity.name] = value
        for decl in decls:
            try:
                found_entries, found_summaries = aggregate(ruleset, decl, columns[decl.key])
            except CohortError as exc:
                raise refused_first(exc, failed, unread) from None
            summaries.extend(found_summaries)
            for name, entry in found_entries.items():
                values.setdefault(name, {})[decl.key] = entry.value
                if entries:
                    known.setdefault(name, {})[decl.key] = entry
            del found_entries
        del columns
    final = CohortPass(None, keys, _compact(values, keys), known if entries else None, failed)
    return final, tuple(summaries)


def refused_first(
    exc: CohortError, failed: dict[str, tuple[str, ...]], unread: Sequence[Problem] = ()
) -> CohortError:
    """``exc`` (a cohort too small) told after its cause: each input refused before it
    was read as an entity (a name seen twice, a name that is no name), then each entity
    left out of the cohort because it was refused, in name order, and why."""
    if not failed and not unread:
        return exc
    told = list(unread)
    for name in sorted(failed):
        for line in failed[name]:
            # A problem told as text ("path:line:col: message"): shown as it was written.
            where, sep, message = line.partition(": ")
            told.append(Problem(where, 0, 0, message) if sep else Problem(name, 0, 0, line))
    refused = f"; {len(failed) + len(unread)} refused (above)"
    error = CohortError(exc.problems)
    error.problems = [*told, *(replace(p, message=p.message + refused) for p in exc.problems)]
    error.args = ("\n".join(str(p) for p in error.problems),)
    return error


def _compact(
    values: dict[str, dict[str, Decimal]], keys: tuple[str, ...]
) -> dict[str, tuple[Decimal | None, ...]]:
    """Each entity's values in the order of ``keys``: what a worker process is sent."""
    return {name: tuple(found.get(k) for k in keys) for name, found in values.items()}
