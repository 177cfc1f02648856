"""Words for the values a scheme works out once: each named value with its working, a
lookup table's cell, and an aggregate of a list record by record.

:mod:`qualscore.scoring.explain` re-exports what the reports read from here.
"""

from __future__ import annotations

from decimal import Decimal

from qualscore.catalogue import say, words
from qualscore.facts.lists import Contribution, ListWorking
from qualscore.language import statistics
from qualscore.language.ops import sqrt
from qualscore.ruleset.formula import Value
from qualscore.scoring.shapes._common import value_text
from qualscore.scoring.trace import NamedValue, Result
from qualscore.scoring.words import fmt, fmt_approx, plural
from qualscore.scoring.working import Working, work

__all__ = [
    "MAX_RECORDS_SHOWN",
    "list_lines",
    "named_value_text",
    "table_cell",
    "value_lines",
    "value_working",
]

MAX_RECORDS_SHOWN = 20
"""Most records an explanation lists for one aggregate (the rest are counted)."""


def value_lines(result: Result, language: str) -> list[str]:
    """Each named value worked out once: ``达标指标数（met_count）= 2：…``, the steps after."""
    sep = words(language)["colon"]
    lines = []
    for named in result.values:
        if named.records is not None:  # an aggregate of a list: worked record by record
            lines.extend(list_lines(named, language))
            continue
        shown = named_value_text(named.value, named.unit, language)
        head = say(language, "named_value", label=named.label, key=named.key, shown=shown)
        done = value_working(named, language)
        if named.cell is not None:  # a lookup table: the cell its choices picked
            lines.append(f"{head}{sep}{table_cell(named, language)}")
        elif done is None:
            lines.append(f"{head}{sep}{named.expr}")
        else:
            lines.append(f"{head}{sep}{done.formula} = " + " = ".join(done.steps[1:] or
                         done.steps))  # fmt: skip
    return lines


def list_lines(named: NamedValue, language: str) -> list[str]:
    """An aggregate of a list worked out: the records read, the condition, the groups,
    the stat with its numbers, then each record's contribution (at most
    :data:`MAX_RECORDS_SHOWN`)."""
    done = named.records
    assert done is not None
    w = words(language)
    sep, joiner = w["colon"], w["comma"]
    head = say(language, "named", label=named.label, key=named.key)
    said = [plural(language, "list_records", done.records, label=done.list_label)]
    if done.kept != done.records:
        said.append(say(language, "list_kept", kept=done.kept, where=done.where or ""))
    if done.by is not None:
        said.append(say(language, "list_by", field=done.by, take=_take(done, language)))
    if done.value is None:
        return [f"{head} = {w['list_none']}{sep}{joiner.join(said)}"]
    value = named_value_text(done.value, named.unit, language)
    link = sep if done.stat in ("stdev", "cv") else " = "  # 差异系数：σ = √…
    said.append(f"{w['list_' + done.stat]}{link}{_stat_working(done, joiner)}".replace("= ≈", "≈"))
    if done.unrounded is not None and done.unrounded != done.value:
        places = max(0, -int(done.value.as_tuple().exponent))
        rounded = format(done.value, "f")  # its places as rounded: 0.0340, not 0.034
        said.append(say(language, "list_rounded", places=places, rounded=rounded))
    return [f"{head} = {value}{sep}{joiner.join(said)}", *_record_lines(done, language)]


def _take(done: ListWorking, language: str) -> str:
    """What each group gives, in words (``最高``, ``highest``); a mean when not said."""
    return words(language)[f"list_{done.take or 'mean'}"]


def _record_lines(done: ListWorking, language: str) -> list[str]:
    """Each record kept, with what it gave (at most :data:`MAX_RECORDS_SHOWN`, the rest
    counted), then those the condition leaves out, named on one line."""
    w = words(language)
    sep, joiner = w["colon"], w["comma"]
    kept = [c for c in done.contributions if c.kept]
    lines = [
        f"  · {c.name}{sep}{joiner.join(_contribution(c, done, language))}"
        for c in kept[:MAX_RECORDS_SHOWN]
    ]
    hidden = len(kept) - MAX_RECORDS_SHOWN
    if hidden > 0:
        lines.append(f"  {say(language, 'list_more', n=hidden)}")
    left = [c.name for c in done.contributions if not c.kept]
    if left:  # those the condition leaves out: named once, on one line
        names = w["names_sep"].join(left[:MAX_RECORDS_SHOWN])
        many = len(left) > MAX_RECORDS_SHOWN
        more = say(language, "list_and_more", n=len(left)) if many else ""
        lines.append(f"  · {say(language, 'list_left_out', where=done.where)}{sep}{names}{more}")
    return lines


def _contribution(c: Contribution, done: ListWorking, language: str) -> list[str]:
    """What one record gave: its group, its value (or the table's cell it came from),
    whether it counts, and its evidence and note."""
    w = words(language)
    if c.counted:
        state = w["list_counted"]
    elif done.when is not None:  # a share: its condition does not hold for the record
        state = say(language, "list_not_met", when=done.when)
    else:
        state = say(language, "list_dropped", take=_take(done, language))
    shown_group = c.group is not None and c.group != c.name
    parts = [say(language, "list_group", group=c.group)] if shown_group else []
    if c.cell is not None and c.value is not None:  # the table's cell it came from
        parts += [f"{c.cell} → {fmt(c.value)}"]
    else:
        parts += [fmt(c.value)] if c.value is not None else []
    parts.append(state)
    if c.evidence:
        parts.append(f"{w['evidence']}{w['colon']}{c.evidence}")
    if c.note:
        parts.append(f"{w['note']}{w['colon']}{c.note}")
    return parts


def _stat_working(done: ListWorking, comma: str) -> str:
    """The numbers a list's stat ran over, and its value: ``(4 + 3) ÷ 2 = 3.5``."""
    over = [fmt(v) for v in done.over[:MAX_RECORDS_SHOWN]]
    more = " + …" if len(done.over) > MAX_RECORDS_SHOWN else ""
    value = fmt_approx(done.unrounded if done.unrounded is not None else Decimal(0), 8)
    n = len(done.over)
    if done.stat == "count":
        return value
    if done.stat == "sum":
        return f"{' + '.join(over)}{more} = {value}" if n > 1 else value
    if done.stat in ("min", "max"):
        return f"{done.stat}({', '.join(over)}{', …' if more else ''}) = {value}"
    if done.stat == "mean":
        return f"({' + '.join(over)}{more}) ÷ {n} = {value}" if n > 1 else value
    if done.stat == "trimmed_mean":
        high, low = fmt(max(done.over)), fmt(min(done.over))
        return f"({' + '.join(over)}{more} − {high} − {low}) ÷ {n - 2} = {value}"
    if done.stat == "share":
        return f"{sum(1 for v in done.over if v)} ÷ {n} = {value}"
    if done.stat in ("stdev", "cv"):  # the numbers it is worked from, then the spread
        worked = dict(statistics.spread(done.stat, done.over).working)
        mean, squares = _term(worked["mean"]), _term(worked["squares"])
        stdev = fmt_approx(sqrt(worked["variance"]), 8)
        said = comma.join(
            ("σ = √(Σ(x − μ)² ÷ n)", f"μ = {mean}", f"Σ(x − μ)² = {squares}", f"n = {n}",
             f"σ = {stdev}")
        )  # fmt: skip
        return f"{said}{comma}σ ÷ μ = {value}" if done.stat == "cv" else said
    terms = [f"{_term(v)} × {fmt(weight)}" for _, v, weight in done.groups if weight]
    return f"{' + '.join(terms)} = {value}"


def _term(value: Decimal) -> str:
    """A number inside a sum: to 8 places, ``…`` where it goes on (93.33333333…)."""
    shown = fmt_approx(value, 8)
    return shown.removeprefix("≈ ") + "…" if shown.startswith("≈ ") else shown


def table_cell(named: NamedValue, language: str) -> str:
    """The cell of a lookup table an entity's choices picked: ``按表：档次 A × 级别 2 → 4``."""
    picked = " × ".join(f"{i.label} {i.value}" for i in named.cell or ())
    value = named_value_text(named.value, named.unit, language)
    return say(language, "table_cell", picked=picked, value=value)


def value_working(named: NamedValue, language: str) -> Working | None:
    """A named value's expression worked through with what it read."""
    values = {i.key: i.value for i in named.inputs}
    labels = {i.key: i.label for i in named.inputs}
    return work(named.expr, values, labels, language)


def named_value_text(value: Value | None, unit: str | None, language: str) -> str:
    """A named value as shown: with its unit, ``是``/``否`` for a truth, and ``记录不足，
    无法计算`` for an aggregate of no record."""
    if value is None:  # an aggregate of no record
        return words(language)["list_none"]
    if isinstance(value, bool):
        w = words(language)
        return w["yes"] if value else w["no"]
    return value_text(value, unit)
