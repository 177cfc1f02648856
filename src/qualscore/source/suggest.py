"""Suggestions ("did you mean"): a close known name for an unknown one, at a bounded cost.

:func:`difflib.get_close_matches` compares a name with every known name, and an
input can hold any number of unknown names: a table of 100,000 unknown columns
once ran it 300,000 times. A :class:`Suggestions` bounds both sides:

- it compares a name with at most ``MAX_CANDIDATES`` known names, those
  nearest to it in length (difflib's cutoff of 0.6 already rules out a name
  more than about twice as long or half as short);
- :meth:`Suggestions.hints` searches for the first ``MAX_SEARCHES`` distinct
  unknown names of one input only; each of the others is still reported, without
  a suggestion;
- what it found for a name is remembered (for ``MAX_REMEMBERED`` names), so a
  misspelt column is searched for once, not once per row;
- one made for one input that reports its unknown names one at a time (a rule
  set being loaded: its unknown keys, formulas reading unknown names) is given
  ``searches=MAX_SEARCHES``, a bound on its searches over its whole life.

:class:`KnownNames` is a mapping of known names carrying such a bounded
:class:`Suggestions`, for a mapping handed to many readers (a rule set's declared
facts, read by every formula); :func:`hint` asks it, or searches once for a
plain collection of names.

Ties go as difflib breaks them, so bounding never changes a suggestion among
fewer than ``MAX_CANDIDATES`` known names.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar

__all__ = [
    "MAX_CANDIDATES",
    "MAX_REMEMBERED",
    "MAX_SEARCHES",
    "KnownNames",
    "Suggestions",
    "choice_hint",
    "hint",
    "likeness",
]

V = TypeVar("V")

MAX_CANDIDATES = 1_000
"""Most known names one unknown name is compared with."""
MAX_SEARCHES = 20
"""Most distinct unknown names of one input given a suggestion."""
MAX_REMEMBERED = 4_096
"""Most unknown names whose suggestion is remembered."""


class Suggestions:
    """Suggestions among one set of known names (a rule set's facts, its entities).

    Args:
        known: The known names.
        searches: The most searches over the object's life, for one made for one input:
            once they are spent, a name not searched for before gets no suggestion.
            None for one kept across inputs, whose callers bound each input with
            :meth:`hints`.
    """

    def __init__(self, known: Iterable[str], *, searches: int | None = None) -> None:
        self._known = sorted(set(known), key=lambda name: (len(name), name))
        self._lengths = [len(name) for name in self._known]
        self._found: dict[str, str | None] = {}
        self._left = searches

    def close(self, name: str) -> str | None:
        """The known name closest to ``name``, or None when none is close enough (or
        the searches are spent)."""
        if name in self._found:
            return self._found[name]
        if self._left is not None:
            if self._left <= 0:
                return None
            self._left -= 1
        found = difflib.get_close_matches(name, self._near(name), n=1)
        close = found[0] if found else None
        if len(self._found) < MAX_REMEMBERED:
            self._found[name] = close
        return close

    def hint(self, name: str) -> str:
        """``; did you mean 'x'?`` for ``name``, or ``""`` when no known name is close."""
        close = self.close(name)
        return f"; did you mean {close!r}?" if close else ""

    def hints(self, names: Iterable[str], *, most: int = MAX_SEARCHES) -> dict[str, str]:
        """The hint for each of the first ``most`` distinct ``names`` (the others have none)."""
        found: dict[str, str] = {}
        for name in names:
            if name not in found:
                if len(found) >= most:
                    break
                found[name] = self.hint(name)
        return found

    def _near(self, name: str) -> list[str]:
        """The known names nearest to ``name`` in length, at most MAX_CANDIDATES of them."""
        if len(self._known) <= MAX_CANDIDATES:
            return self._known
        at = bisect.bisect_left(self._lengths, len(name))
        start = max(0, min(at - MAX_CANDIDATES // 2, len(self._known) - MAX_CANDIDATES))
        return self._known[start : start + MAX_CANDIDATES]


class KnownNames(Mapping[str, V]):
    """A read-only mapping of known names, with one :class:`Suggestions` among them for
    all its readers together: at most ``MAX_SEARCHES`` searches in its life.

    Made for one input: a rule set being loaded hands its declared facts to every
    formula, so 5,000 formulas each reading an unknown name cost ``MAX_SEARCHES``
    searches, not 5,000 (each over every declared fact).
    """

    def __init__(self, values: Mapping[str, V]) -> None:
        self._values = dict(values)
        self._suggestions: Suggestions | None = None

    def __getitem__(self, name: str) -> V:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def hint(self, name: str) -> str:
        """:meth:`Suggestions.hint` among the keys, within the shared bound."""
        if self._suggestions is None:  # made on the first unknown name: most loads have none
            self._suggestions = Suggestions(self._values, searches=MAX_SEARCHES)
        return self._suggestions.hint(name)


def hint(name: str, known: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for one unknown ``name``, or ``""``.

    A :class:`KnownNames` answers within the bound it shares with its other readers;
    any other collection costs one search, over at most ``MAX_CANDIDATES`` of its names.
    """
    if isinstance(known, KnownNames):
        return known.hint(name)
    return Suggestions(known).hint(name)


def choice_hint(text: str, choices: tuple[str, ...]) -> str:
    """``; did you mean 'B'?`` for a value that is none of a short list of choices: the
    one that differs only in case (``b``), or, among short values such as grades and
    levels (市及 for 市级), the one that differs in one character; else as :func:`hint`."""
    folded = [c for c in choices if c.casefold() == text.casefold()]
    if len(folded) == 1:
        return f"; did you mean {folded[0]!r}?"
    near = [
        c
        for c in choices
        if len(c) == len(text) <= 8 and sum(a != b for a, b in zip(c, text, strict=True)) == 1
    ]
    if len(near) == 1:
        return f"; did you mean {near[0]!r}?"
    return hint(text, choices[:MAX_CANDIDATES])



def likeness(a: str, b: str) -> float:
    """How alike ``a`` and ``b`` are, by difflib's ratio (1: the same): ``市场监管局`` /
    ``市市场监管局`` 0.91, ``市住建局`` / ``市交通局`` 0.5. The caller bounds how many pairs
    it asks about."""
    return difflib.SequenceMatcher(None, a, b).ratio()
