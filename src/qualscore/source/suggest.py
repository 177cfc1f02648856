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
  misspelt column is searched for once, not once per row.

Ties go as difflib breaks them, so bounding never changes a suggestion among
fewer than ``MAX_CANDIDATES`` known names.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Iterable

__all__ = ["MAX_CANDIDATES", "MAX_REMEMBERED", "MAX_SEARCHES", "Suggestions"]

MAX_CANDIDATES = 1_000
"""Most known names one unknown name is compared with."""
MAX_SEARCHES = 20
"""Most distinct unknown names of one input given a suggestion."""
MAX_REMEMBERED = 4_096
"""Most unknown names whose suggestion is remembered."""


class Suggestions:
    """Suggestions among one set of known names (a rule set's facts, its entities)."""

    def __init__(self, known: Iterable[str]) -> None:
        self._known = sorted(set(known), key=lambda name: (len(name), name))
        self._lengths = [len(name) for name in self._known]
        self._found: dict[str, str | None] = {}

    def close(self, name: str) -> str | None:
        """The known name closest to ``name``, or None when none is close enough."""
        if name in self._found:
            return self._found[name]
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
