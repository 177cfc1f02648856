"""Number formatting, and the engine's words as the explanations read them.

Labels, titles and source text come from the rule set; the few words the engine
adds (score, lost, not applicable ...) live in :mod:`qualscore.catalogue`, one
catalogue per language; this module keeps the by-language views of them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from qualscore._decimal import plain
from qualscore.catalogue import LANGUAGES, say, words
from qualscore.ruleset.model import Band
from qualscore.scoring.trace import BandTrace

__all__ = [
    "COHORT_PLACES",
    "STAT_WORDS",
    "WORDS",
    "WORKING_WORDS",
    "band_name",
    "band_text",
    "bounds_text",
    "cohort_number",
    "count",
    "fmt",
    "fmt_approx",
    "plural",
    "points_text",
    "result_word",
    "words",
]

COHORT_PLACES = 4
"""Decimals a cohort value is shown to when it declares no ``places`` (a mean of
percentages, 95.2375; a share, 0.6667); more are rounded, with ``≈``."""


def plural(language: str, key: str, n: Decimal | int, /, **fields: object) -> str:
    """The message ``key_one`` when ``n`` is 1, else ``key_other``: a count whose words
    follow its number (``1 unit``, ``2 units``; ``2`` in 中文), with ``n`` as ``{n}``.

    Raises:
        KeyError: the catalogue has no ``key_one`` or ``key_other``, or a field it names
            was not given.
    """
    form = "one" if n == 1 else "other"
    return say(language, f"{key}_{form}", n=fmt(Decimal(n)), **fields)


def points_text(value: Decimal, language: str = "en") -> str:
    """``1 point``, ``0.5 points``, ``2 points``: an amount of points (``2 分`` in 中文)."""
    form = "one" if value == 1 else "other"
    return say(language, f"points_{form}", points=fmt(value))


def count(n: int, word: str) -> str:
    """``1 item``, ``2 items``: an English count with its noun (plural with ``s``), for the
    messages of the command line and lint, which are written in English only."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def fmt(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: ``Decimal("2.50")`` -> ``"2.5"``."""
    return plain(value)


def fmt_approx(value: Decimal, places: int = 4) -> str:
    """Like :func:`fmt`, but a value with more than ``places`` decimals is shown as ``≈ x``."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        rounded = value.quantize(Decimal(1).scaleb(-places))
        return fmt(rounded) if rounded == value else "≈ " + fmt(rounded)  # 90.000…0 is 90
    return fmt(value)


def cohort_number(value: Decimal, places: int | None = None) -> str:
    """A cohort value as people read it: at its declared ``places`` (``40.8``, ``0.6667``,
    ``41.0``), else to at most :data:`COHORT_PLACES` decimals; ``≈`` when that rounds it
    (half up). The JSON keeps it exact: ``29593.05555555555555555555555555556`` is shown
    ``≈ 29593.0556``."""
    shown = COHORT_PLACES if places is None else places
    try:
        rounded = value.quantize(Decimal(1).scaleb(-shown), rounding=ROUND_HALF_UP)
    except ArithmeticError:  # more digits than a decimal holds: shown as it is
        return fmt(value)
    text = fmt(rounded) if places is None else format(rounded, "f")
    return text if rounded == value else "≈ " + text


STAT_WORDS: dict[str, dict[str, str]] = {code: c.STATS for code, c in LANGUAGES.items()}
"""What a cohort value that is the same for every entity is, by its stat."""

WORKING_WORDS: dict[str, dict[str, str]] = {code: c.WORKING for code, c in LANGUAGES.items()}
"""The words of how a sum, spread, weighted mean or count_if was worked out."""


def result_word(label: str | None, vetoed: bool, language: str) -> str:
    """The result, in every view alike: the scheme's word for it, else ``已否决``
    (vetoed) or ``已评分`` (scored)."""
    if label:
        return label
    w = words(language)
    return w["vetoed"] if vetoed else w["scored"]


WORDS: dict[str, dict[str, str]] = {code: c.WORDS for code, c in LANGUAGES.items()}
"""The reports' words by language (the catalogues' ``WORDS``)."""


def band_text(band: BandTrace) -> str:
    """How a band is written: its label, or its bounds in symbols."""
    if band.label:
        return band.label
    parts = []
    if band.lower is not None:
        parts.append(("≥ " if band.lower_inclusive else "> ") + fmt(band.lower))
    if band.upper is not None:
        parts.append(("≤ " if band.upper_inclusive else "< ") + fmt(band.upper))
    return ", ".join(parts)


def bounds_text(band: BandTrace, language: str = "en") -> str:
    """A band's bounds in symbols, whatever its label: ``≥ 90 且 < 92``."""
    parts = []
    if band.lower is not None:
        parts.append(("≥ " if band.lower_inclusive else "> ") + fmt(band.lower))
    if band.upper is not None:
        parts.append(("≤ " if band.upper_inclusive else "< ") + fmt(band.upper))
    return say(language, "expr_and").join(parts)


def band_name(band: Band) -> str:
    trace = BandTrace(
        band.label or "",
        band.points,
        band.lower,
        band.at_least is not None,
        band.upper,
        band.at_most is not None,
    )
    return band_text(trace)
