"""Untrusted text shown safely: control characters, line breaks and a file name's
undecodable bytes as visible escapes (``\\x1b``, ``\\n``, ``\\xff``).

The one implementation below every place that prints or writes a name, a cell
or a rule's text: :mod:`qualscore.report.safe` builds on it for terminals,
Markdown and spreadsheets, and batch for entity names taken from file names.
"""

from __future__ import annotations

import os
import re

from qualscore._patterns import lazy

__all__ = ["escape_match", "name_text", "visible", "visible_line"]

# C0 but tab and newline, DEL, C1, the bidi overrides and isolates, the line
# and paragraph separators (YAML and some terminals break lines at them), lone
# surrogates (a file name's undecodable bytes: no stream could encode them).
_CONTROL = lazy(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_CONTROL_LINE = lazy(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_match(match: re.Match[str]) -> str:
    """The escape that shows one matched character (``\\n``, ``\\x1b``, ``\\u202e``)."""
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character but tab and newline shown as an escape."""
    return _CONTROL.sub(escape_match, text)


def visible_line(text: str) -> str:
    """``text`` as one line: line breaks, tabs and control characters shown as escapes."""
    return _CONTROL_LINE.sub(escape_match, text)


def name_text(text: str) -> str:
    """A name (often a file's) as it can be printed and written anywhere, on one line.

    A file name's bytes that are not UTF-8 (kept by :func:`os.fsdecode` as
    surrogates) become ``\\xff``-style escapes of those bytes; control
    characters become escapes as in :func:`visible_line`.
    """
    try:
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeError:  # a lone surrogate that did not come from a file name
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return visible_line(text)
