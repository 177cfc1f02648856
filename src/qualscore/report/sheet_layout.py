"""How a sheet shows and prints: the lines a wrapped text takes, the height of its row,
and the print setup of every sheet.

openpyxl does not fit a row to its text, and no spreadsheet does so on opening a file
that says nothing of it: a wrapped text's row is made as tall as its lines
(:func:`text_lines`, :func:`row_height`), counted from the column's width as a
spreadsheet draws it. Every sheet prints on A4, landscape, its header repeated on each
page (:func:`print_setup`): one page wide where that stays readable, else over several
pages, its first columns repeated too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

__all__ = [
    "LINE_HEIGHT",
    "MAX_ROW_HEIGHT",
    "PAGE_WIDTH",
    "SMALLEST_SCALE",
    "print_setup",
    "row_height",
    "text_lines",
]

LINE_HEIGHT = 16.0
"""Points a line of wrapped 11-point text takes: Excel's default row is 15 points; a CJK
font's line (Noto Sans CJK, DengXian) is a little taller."""
MAX_ROW_HEIGHT = 409.0
"""The tallest row XLSX holds, in points (Excel's specifications and limits)."""

# A run of Latin letters, digits and signs (a word, kept whole on its line where it fits)
# with the spaces after it, or any other one character (a CJK line breaks anywhere).
_TOKEN = re.compile(r"[!-~]+ *| +|.")


def text_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` wide: never fewer than
    a spreadsheet shows it in, so that a row as tall shows it whole. In the column's
    pixels (7 a character wide, 2 more of its padding left for text), a Latin character
    or a digit 7 pixels, a wide (CJK) one 14⅔ (11 points at 96 dpi); each of its lines
    broken as a spreadsheet breaks it (:func:`_wrapped`)."""
    room = max(_WIDE, math.floor(width * 21) + 6)  # in thirds of a pixel: 3 × (7w + 2)
    lines = 0
    for line in text.split("\n"):
        shown = _shown(line)
        lines += 1 if shown <= room else _wrapped(line, shown, room)  # most: one, and fast
    return lines


_NARROW, _WIDE = 21, 44
"""A character's width in thirds of a pixel: a Latin one's 7, a wide one's 14⅔."""
# The wide characters (East Asian width W and F): CJK, kana, hangul, fullwidth forms; as a
# pattern, the same whatever Unicode version the Python running it knows.
_WIDE_CHARS = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
    "\U00020000-\U0003fffd]"
)
_WORD = re.compile(r"[!-~]{2,}")


def _wrapped(line: str, shown: int, room: int) -> int:
    """The lines one line of text, ``shown`` wide, takes broken into lines of ``room``.

    Latin text breaks between words: each word is placed, a word kept whole where it
    fits. CJK text breaks after any character, so each line but the last is full but for
    a word that went on to the next line or a character that may not start one (``，``):
    counted in one pass as if every line were short by the longest of these (a line more
    now and then), rather than one step a character.
    """
    if not line.isascii():
        short = max(_WIDE, _NARROW * max(map(len, _WORD.findall(line)), default=0))
        if short <= room // 2:
            # Every line but the last holds more than room - short, the last one character.
            return max(1, -(-(shown - _NARROW) // (room - short)))
    count, used = 1, 0
    for token in _TOKEN.findall(line):
        word = token.rstrip(" ")
        width = _shown(word)
        if used and used + width > room:  # the word starts the next line
            count, used = count + 1, 0
        while width > room:  # a word longer than a line: broken where the line ends
            count, width = count + 1, width - room
        used += width + _NARROW * (len(token) - len(word))
    return count


def _shown(text: str) -> int:
    """How wide ``text`` shows, in thirds of a pixel."""
    if text.isascii():
        return _NARROW * len(text)
    return _NARROW * len(text) + (_WIDE - _NARROW) * len(_WIDE_CHARS.findall(text))


def row_height(lines: int) -> float:
    """The height, in points, of a row showing ``lines`` lines (at most the tallest row)."""
    return min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT)


PAGE_WIDTH = 988
"""Pixels across an A4 page printed landscape: 297 mm less the default margins (0.7 inch
each side), 261 mm, at 96 pixels an inch."""
SMALLEST_SCALE = 0.6
"""The smallest scale a sheet is printed at to fit it one page wide: 11-point text at 60%
is 6.6 points, the smallest print an office reads without a glass. A sheet wider than
``PAGE_WIDTH / SMALLEST_SCALE`` (some 1,650 pixels: the first columns and about 25 of
six-wide score columns) prints at full size over several pages instead."""


def _pixels(width: float) -> int:
    """A column's width in pixels: 7 a character of Calibri 11 and 5 of padding."""
    return math.floor(width * 7 + 5)


def print_setup(sheet: Any, widths: Sequence[float], *, rows: int, columns: int) -> None:
    """Print ``sheet`` on A4, landscape, its first ``rows`` rows repeated on every page:
    one page wide where that takes a scale of :data:`SMALLEST_SCALE` or more, else at full
    size over as many pages as it needs, its first ``columns`` columns repeated on each."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = "9"  # A4
    fits = sum(_pixels(w) for w in widths) * SMALLEST_SCALE <= PAGE_WIDTH
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=fits)
    if fits:
        setup.fitToWidth, setup.fitToHeight = 1, 0  # 0: as many pages down as it takes
    elif columns:
        sheet.print_title_cols = f"A:{get_column_letter(columns)}"
    if rows:
        sheet.print_title_rows = f"1:{rows}"
