"""Words for a value worked out over a cohort: the entity's own value, the cohort's
size, a rank and its ties, a share of the best, and a sum, spread or weighted mean with
the numbers it was worked out from.

:mod:`qualscore.scoring.explain` re-exports :func:`cohort_line` from here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from qualscore.catalogue import say, stat_word, words, working_words
from qualscore.ruleset.model import SPREADS
from qualscore.scoring.trace import CohortEntry
from qualscore.scoring.words import cohort_number, fmt

__all__ = ["LEADERS_SHOWN", "cohort_line"]

_UNITLESS = ("rank", "reverse_rank", "share_of_best", "count", "count_if", "cv")
LEADERS_SHOWN = 5
"""Most entities named as sharing the best value in an explanation (the JSON names all)."""


def cohort_line(entry: CohortEntry, language: str) -> str:
    """How a cohort value the item reads was worked out: the entity's own value, the
    cohort's size, the rank and the ties, the best and who holds it."""
    head = f"{entry.label}{words(language)['colon']}"
    if entry.given:
        unit = None if entry.stat in _UNITLESS else entry.unit
        given = _with_unit(entry.value, unit, entry.places)
        return head + say(language, "cohort_given", given=given)
    own, size = _own(entry, language), _size(entry, language)
    if entry.stat in ("rank", "reverse_rank"):
        tied = say(language, "cohort_tied", n=entry.tied - 1) if entry.tied > 1 else ""
        rank = fmt(entry.value)
        return head + say(language, f"cohort_{entry.stat}", own=own, rank=rank, size=size,
                          tied=tied)  # fmt: skip
    if entry.stat == "share_of_best":
        return head + _share_of_best(entry, own, size, language)
    if entry.working:
        return head + _worked(entry, own, size, language)
    what = stat_word(language, entry.stat)
    value = _with_unit(entry.value, None if entry.stat == "count" else entry.unit, entry.places)
    return head + say(language, "cohort_stat", own=own, size=size, what=what, value=value)


def _own(entry: CohortEntry, language: str) -> str:
    """The entity's own value (with its weight in a weighted mean), or nothing."""
    if entry.own is None:
        return ""
    mine = _with_unit(entry.own, entry.unit)
    if entry.weight is not None:  # a weighted mean: the entity's weight beside its value
        weight = working_words(language)["weight"]
        mine += f"{words(language)['comma']}{weight} {cohort_number(entry.weight)}"
    return say(language, "cohort_own_scored" if entry.scored else "cohort_own", mine=mine)


def _size(entry: CohortEntry, language: str) -> str:
    """How many entities the cohort holds, within its scope, and how many it leaves out."""
    if entry.scope == "all":
        size = say(language, "cohort_size", size=entry.size)
    else:
        size = say(language, "cohort_size_in", size=entry.size, scope=entry.scope)
    if entry.left_out:  # those the node does not apply to: in no aggregate, and said so
        size += say(language, "cohort_left_out", n=entry.left_out)
    return size


def _share_of_best(entry: CohortEntry, own: str, size: str, language: str) -> str:
    """The entity's value as a share of the best, and who holds the best."""
    best = _with_unit(entry.best, entry.unit) if entry.best is not None else "—"
    who = words(language)["names_sep"].join(entry.leaders[:LEADERS_SHOWN])
    if len(entry.leaders) > LEADERS_SHOWN:  # a tie at the top of thousands: not all named
        who += say(language, "cohort_leaders_more", n=len(entry.leaders))
    percent = fmt((entry.value * 100).quantize(Decimal("0.01"), ROUND_HALF_UP))
    share = cohort_number(entry.value, entry.places)
    return say(language, "cohort_share_of_best", own=own, who=who, best=best,
               percent=percent, size=size, share=share)  # fmt: skip


def _worked(entry: CohortEntry, own: str, size: str, language: str) -> str:
    """A sum, spread, weighted mean or count_if, with the numbers it was worked out from:
    enough to recompute it (:mod:`~qualscore.language.statistics`)."""
    w = working_words(language)
    if entry.stat == "count_if":
        held = "" if entry.own is None else w["own_held"].format(
            held=w["holds"] if entry.own == 1 else w["fails"]
        )  # fmt: skip
        return held + w["counted"].format(size=size, count=fmt(entry.value))
    what = stat_word(language, entry.stat)
    unit = None if entry.stat in _UNITLESS else entry.unit
    value = _with_unit(entry.value, unit, entry.places)
    line = say(language, "cohort_stat", own=own, size=size, what=what, value=value)
    figures = dict(entry.working)
    steps = _steps(entry.stat, figures, figures.get("unrounded", entry.value), w)
    if "unrounded" in figures:
        steps.append(w["rounded"].format(places=entry.places, value=value))
    if not steps:
        return line
    said = words(language)
    return f"{line}{said['lp']}{said['comma'].join(steps)}{said['rp']}"


def _steps(stat: str, figures: dict[str, Decimal], raw: Decimal, w: dict[str, str]) -> list[str]:
    """The steps of a spread or weighted mean (``raw``: its value before ``places``), each
    number to :data:`~qualscore.scoring.words.COHORT_PLACES`."""

    def eq(value: Decimal) -> str:
        shown = cohort_number(value)
        return shown if shown.startswith("≈") else f"= {shown}"

    if stat == "weighted_mean":
        return [f"{w['weights']} {cohort_number(figures['weights'])}",
                f"{w['weighted']} {cohort_number(figures['weighted'])}",
                f"{w['weighted_mean']} = {w['weighted']} ÷ {w['weights']} {eq(raw)}"]  # fmt: skip
    if stat not in SPREADS:
        return []
    n = fmt(figures["n"])
    divisor = f"({n} − 1)" if stat == "stdev_sample" else n
    steps = [f"{w['mean']} {cohort_number(figures['mean'])}",
             f"{w['squares']} {cohort_number(figures['squares'])}",
             f"{w['variance']} = {w['squares']} ÷ {divisor} {eq(figures['variance'])}",
             f"{w['stdev']} = √{w['variance']} {eq(figures.get('stdev', raw))}"]  # fmt: skip
    if stat == "cv":
        steps.append(f"{w['cv']} = {w['stdev']} ÷ {w['mean']} {eq(raw)}")
    return steps


def _with_unit(value: Decimal, unit: str | None, places: int | None = None) -> str:
    """A number and its unit as the reports write them: ``97%``, ``40.8 岁``; to its
    ``places`` (:func:`~.words.cohort_number`)."""
    shown = cohort_number(value, places)
    if not unit:
        return shown
    return f"{shown}{unit}" if unit in ("%", "‰") else f"{shown} {unit}"
