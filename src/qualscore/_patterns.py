"""Regular expressions compiled when first used, not when their module is imported.

A command imports many modules for the sake of a few of their functions; compiling
every module's patterns at import made each run pay for all of them (a pattern over
the Han ranges alone takes milliseconds), used or not.
"""

from __future__ import annotations

import re
from typing import Any, cast

__all__ = ["lazy", "lazy_bytes"]

_METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer")


class _Lazy:
    """A pattern's text and flags; compiled by the first attribute asked for, after which
    its methods are this object's own (no lookup through here any more)."""

    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._source: tuple[Any, int] = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not a pattern's (a copy asking for its state, say)
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, done when the pattern is first used."""
    return cast("re.Pattern[str]", _Lazy(pattern, flags))


def lazy_bytes(pattern: bytes, flags: int = 0) -> re.Pattern[bytes]:
    """:func:`lazy` for a pattern of bytes."""
    return cast("re.Pattern[bytes]", _Lazy(pattern, flags))
