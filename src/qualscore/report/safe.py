"""Untrusted text made safe for each place it is shown.

Every text from a rule set, a facts file, a file name or a table cell goes
through one of these before it reaches a terminal, a Markdown or YAML file or
a spreadsheet cell:

- :func:`visible` shows control characters (ESC, OSC, BEL, C1, bidi overrides)
  as ``\\x1b``-style escapes; :func:`visible_line` also line breaks.
- :func:`plain` wraps text in a rich ``Text``, so ``[/]`` or ``[link=…]`` is
  never read as markup.
- :func:`md` escapes HTML and Markdown syntax; :func:`sheet_text` and
  :func:`csv_text` keep a text cell from becoming a spreadsheet formula.
- :func:`console` builds a rich console whose width is bounded whatever
  ``COLUMNS`` says.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TextIO

from qualscore._patterns import lazy
from qualscore.source.text import escape_match, visible, visible_line

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

__all__ = [
    "console",
    "csv_text",
    "md",
    "plain",
    "sheet_text",
    "visible",
    "visible_line",
    "width",
]

MIN_WIDTH, MAX_WIDTH, DEFAULT_WIDTH = 20, 500, 80


def plain(text: str, style: str = "") -> Text:
    """A rich ``Text`` of ``text`` with control characters visible, never read as markup."""
    from rich.text import Text

    return Text(visible(text), style=style)


# Emphasis, code and strike marks; an underscore only where it could open or
# close emphasis (not inside a word: one_stop stays as written); a ``]`` that
# would close a link or image text, ``[x](url)`` or ``[x][ref]``.
_MD_INLINE = lazy(r"([\\`*~])|(?<!\w)_|_(?!\w)|\](?=[(\[:])")
_MD_BLOCK = lazy(r"^(\s*)([#>+=-]|\d+[.)](?=\s|$))")
_BREAK = lazy("\r\n|[\r\n\x85\u2028\u2029]")


def md(text: str, *, start: bool = False) -> str:
    """``text`` for a Markdown line or table cell: HTML and Markdown syntax escaped.

    Line breaks become spaces (a title never starts a heading of its own);
    ``|`` is left to the table writer. With ``start`` the text begins a line,
    so a heading, quote or list marker there is escaped too.
    """
    one = visible(_BREAK.sub(" ", text))
    one = one.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    one = _MD_INLINE.sub(lambda m: "\\" + m.group(), one)
    return _MD_BLOCK.sub(r"\1\\\2", one) if start else one


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = lazy("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def sheet_text(text: str) -> str:
    """``text`` for an XLSX cell: characters XML cannot hold shown as escapes."""
    return _ILLEGAL_XML.sub(escape_match, text)


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as the start of a formula."""
    return text.startswith(_FORMULA_START)


def csv_text(text: str) -> str:
    """A CSV text cell neutralised per OWASP: a formula-like start gets a leading quote."""
    return "'" + text if formula_like(text) else text


def width(out: TextIO) -> int:
    """The console width for ``out``: the terminal's, else ``COLUMNS``, bounded to 20..500.

    An invalid ``COLUMNS`` (not a number, 0) is ignored: 80 columns.
    """
    found: int | None = None
    try:
        if out.isatty():
            found = os.get_terminal_size(out.fileno()).columns
    except (OSError, ValueError, AttributeError):
        found = None
    if not found:
        columns = os.environ.get("COLUMNS", "").strip()
        found = int(columns) if columns.isdigit() and len(columns) < 10 else 0
    if not found:
        return DEFAULT_WIDTH
    return max(MIN_WIDTH, min(MAX_WIDTH, found))


def console(out: TextIO) -> Console:
    """A rich console on ``out`` of bounded width, no highlighting, no soft wrap."""
    from rich.console import Console

    return Console(file=out, width=width(out), highlight=False, soft_wrap=False)
