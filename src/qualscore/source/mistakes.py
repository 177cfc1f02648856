"""YAML mistakes told in the reader's language, with the fix.

PyYAML says what its parser expected (``mapping values are not allowed here``,
``found character '\\t' that cannot start any token``); whoever wrote the file
by hand needs to hear what they typed wrong and how to put it right. This
module tells the mistakes people make in rule and facts files that way:

- a tab used to indent or to separate;
- wrong indentation: a line that lines up with nothing above it (the message
  lists the columns that would fit, nearest first);
- ``key： value`` with the full-width colon a Chinese input method types;
- ``: `` inside an unquoted value;
- a quote or a bracket left open, a bracket that closes nothing, a missing
  comma between the entries of ``[…]`` or ``{…}``;
- a comma in an unquoted value of a ``{…}`` mapping, which ends the value and
  makes a key without a value of the rest (found after parsing, by
  :func:`comma_splits`).

Any other parse error is told as the parser says it. A message is told where
the parser stopped, but for the full-width colon and the comma, which it never
notices: those are told where they are written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from yaml import MarkedYAMLError
from yaml.nodes import MappingNode, Node, ScalarNode

from qualscore._patterns import lazy
from qualscore.catalogue import say

__all__ = [
    "Place",
    "comma_splits",
    "language_of",
    "lines_of",
    "may_split",
    "misplaced_colon",
    "parse_error",
    "wide_colons",
]

Place = tuple[int, int]
"""A line and a column, both counted from 0 as PyYAML's marks count them."""

MAX_QUOTED = 24
"""Longest piece of the file quoted in one of these messages, in characters: a message
quotes up to four pieces and stays one short line."""
MAX_COLUMNS = 2
"""Most columns a wrong indentation's message offers (the nearest levels above it)."""
_MAX_BACK = 20
"""Most lines looked back over for the full-width colon behind a parse error."""

_HAN = lazy("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_BREAK = lazy("\r\n|[\r\n\x85\u2028\u2029]")
_KEY_LINE = lazy(r"( *)((?:- +)*)([^\s#'\"{}\[\],:-][^#]*?|-[^\s#][^#]*?) *:(?: |$)")
_WIDE_COLON = lazy(r"( *)((?:- +)*)([^\s:：#'\"{}\[\],-][^\s:：#]*) *：")
_BRACKETS = {"[": "]", "{": "}"}
# Outside text: a quote that starts a value (after the start of a line, ':', '-', a bracket
# or a comma), or a comment. Inside: what escapes the quote, or the quote that ends it.
_OUTSIDE = lazy(r"""(?:^|(?<=[:\-\[{,?]))[ \t]*(["'])|(?:^|(?<=[ \t]))#""")
_INSIDE = {'"': lazy(r'\\.?|"'), "'": lazy(r"''|'")}
_MAX_LINE = 1000
"""Longest start of a line looked at for a key: keys stand at the start, and the patterns
must not take a hostile file's megabyte-long line quadratically."""


_HAN_TEXT, _OTHER_TEXT = "zh", "en"
"""The catalogue a file holding Han text is told in, and any other file's."""


def language_of(text: str) -> str:
    """The language to tell a file's YAML mistakes in: ``zh`` when its text holds
    Han characters, else ``en``.

    A YAML mistake stops a file being read before the rule set's ``language:`` is
    known: the broken file may be ``ruleset.yaml`` itself, and a facts file is
    read on its own. The people who write a Chinese rule set or its facts write
    titles, criteria and entity names in Chinese, while an English rule set's
    files hold no Han text, so the file itself tells who reads the message. A
    caller that knows the rule set's language passes it instead.
    """
    return _HAN_TEXT if _HAN.search(text) else _OTHER_TEXT


def lines_of(text: str) -> list[str]:
    """The lines of ``text``, broken where YAML breaks them (so marks index them)."""
    return _BREAK.split(text)


def _line(lines: list[str], row: int) -> str:
    """Line ``row`` (from 0), or "" past the end: a mark may stand at the end of the text."""
    return lines[row] if 0 <= row < len(lines) else ""


def _key_line(line: str) -> re.Match[str] | None:
    """``key:`` (after any dashes) at the start of ``line``."""
    return _KEY_LINE.match(line[:_MAX_LINE])


def _clip(text: str) -> str:
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…"


def _shown(text: str) -> str:
    """A piece of the file quoted in a message: one line, clipped."""
    return repr(_clip(" ".join(text.split())))


def _quoted_value(key: str, value: str) -> str:
    """``key: 'value'``: the value in single quotes, as the fix of a message."""
    text = " ".join(value.split())
    return f"{_clip(key)}: '" + _clip(text).replace("'", "''") + "'"


def parse_error(exc: MarkedYAMLError, text: str, language: str) -> tuple[Place | None, str]:
    """Where to tell a parse error, and what to tell: what is wrong and how to fix it.

    Args:
        exc: PyYAML's error.
        text: the text it was reading.
        language: the language of the message (``zh``, ``en``).
    """
    lines = lines_of(text)
    mark = exc.problem_mark or exc.context_mark
    for tell in _TELLERS:
        found = tell(exc, lines, language)
        if found is not None:
            place, detail = found
            return place, say(language, "yaml_invalid", detail=detail)
    detail = ", ".join(p for p in (exc.context, exc.problem) if p) or type(exc).__name__
    at = None if mark is None else (mark.line, mark.column)
    return at, say(language, "yaml_invalid", detail=" ".join(detail.split()))


Told = tuple[Place, str] | None
"""Where a mistake is and the message (without ``not valid YAML``), or None: not this one."""


def _problem_place(exc: MarkedYAMLError) -> Place | None:
    mark = exc.problem_mark
    return None if mark is None else (mark.line, mark.column)


def _tab(exc: MarkedYAMLError, lines: list[str], language: str) -> Told:
    place = _problem_place(exc)
    problem = str(exc.problem)
    if place is None or not ("'\\t'" in problem or "tab character" in problem):
        return None
    return place, say(language, "yaml_tab")


def _quote_at_end(exc: MarkedYAMLError, lines: list[str], language: str) -> Told:
    place, opened = _problem_place(exc), exc.context_mark
    quoted = str(exc.context).startswith("while scanning a quoted scalar")
    if place is None or opened is None or not quoted or "end of stream" not in str(exc.problem):
        return None
    quote = _line(lines, opened.line)[opened.column : opened.column + 1]
    if quote not in ("'", '"'):
        return None
    return place, say(language, "yaml_quote_eof", quote=repr(quote), line=opened.line + 1,
                      col=opened.column + 1)  # fmt: skip


def _wide_colon(exc: MarkedYAMLError, lines: list[str], language: str) -> Told:
    """A full-width colon after a key on the line the parser stopped at or on one of the
    lines before it, back to the nearest line that holds a key."""
    place = _problem_place(exc)
    if place is None:
        return None
    for row in range(min(place[0], len(lines) - 1), max(-1, place[0] - _MAX_BACK), -1):
        found = misplaced_colon(lines[row], language)
        if found is not None:
            return (row, found[0]), found[1]
        if row != place[0] and _key_line(lines[row]):
            return None
    return None


def misplaced_colon(line: str, language: str) -> tuple[int, str] | None:
    """The column of a full-width colon written after a key at the start of ``line``, and
    the message, or None when ``line`` does not start so."""
    found = _WIDE_COLON.match(line[:_MAX_LINE])
    if found is None:
        return None
    key, rest = found.group(3), line[found.end() :].strip()
    fixed = f"{_clip(key)}: {_clip(rest)}" if rest else f"{_clip(key)}:"
    message = say(language, "yaml_fullwidth_colon", key=_shown(key), fixed=fixed)
    return found.end() - 1, message


def wide_colons(nodes: list[Node], language: Callable[[], str]) -> list[tuple[Place, str]]:
    """Plain text among ``nodes`` (the whole file, the entries of a list of mappings) that
    starts ``key：``: a mapping written with a full-width colon, read as text; told in
    ``language()``, asked for only when there is one (working it out reads the whole file).

    Text that merely starts so elsewhere (a value ``说明：见附件``) is left alone.
    """
    out: list[tuple[Place, str]] = []
    for node in nodes:
        if isinstance(node, ScalarNode) and not node.style and "：" in str(node.value):
            found = misplaced_colon(str(node.value), language())
            if found is not None:
                out.append(((node.start_mark.line, node.start_mark.column + found[0]), found[1]))
    return out


def _quote_spans(lines: list[str], last: int) -> Iterator[tuple[int, int, str, int, int]]:
    """Quoted scalars begun on lines up to ``last``: (row, col, quote, end row, end col)."""
    opened: tuple[int, int, str] | None = None
    for row in range(min(last, len(lines) - 1) + 1):
        line, i = lines[row], 0
        while True:
            if opened is None:
                found = _OUTSIDE.search(line, i)
                if found is None or found.group(1) is None:
                    break  # the line ends, or a comment ends it
                opened, i = (row, found.start(1), found.group(1)), found.end()
                continue
            found = _INSIDE[opened[2]].search(line, i)
            if found is None:
                break  # the text goes on to the next line
            if found.group() == opened[2]:
                yield (*opened, row, found.start())
                opened = None
            i = found.end()


def _quote_runs_on(exc: MarkedYAMLError, lines: list[str], language: str) -> Told:
    """A quote left open on its line closes on the line the parser stopped at, by the
    quote that was meant to open the next text."""
    place = _problem_place(exc)
    if place is None:
        return None
    for row, col, quote, end_row, end_col in _quote_spans(lines, place[0]):
        if row < end_row == place[0] and end_col < place[1]:
            return place, say(language, "yaml_quote_runs_on", quote=repr(quote),
                              line=row + 1, col=col + 1)  # fmt: skip
    return None


def _open_bracket(exc: MarkedYAMLError, lines: list[str], language: str) -> Told:
    place, opened = _problem_place(exc), exc.context_mark
    flow = str(exc.context).startswith("while parsing a flow")
    if place is None or opened is None or not flow or not str(exc.problem).startswith("expected"):
        return None
    opener = _line(lines, opened.line)[opened.column : opened.column + 1]
    if opener not in _BRACKETS:
        return None
    got = str(exc.problem).rpartition(" but got ")[2].strip("'")
    fields = {"opener": repr(opener), "closer": repr(_BRACKETS[opener])}
    if got == "<stream end>":
        key = "yaml_open_eof"
    elif place[0] > opened.line:
        key = "yaml_open_here"
    else:
        return place, say(language, "yaml_flow_entry", found=repr(got), **fields)
    return place, say(language, key, line=opened.line + 1, col=opened.column + 1, **fields)


def _stray_closer(exc: MarkedYAMLError, lines: list[str], language: str) -> Told:
    place = _problem_place(exc)
    closer = str(exc.problem).rpartition(" but found ")[2].strip("'")
    if place is None or closer not in ("]", "}"):
        return None
    opener = "[" if closer == "]" else "{"
    return place, say(language, "yaml_stray_closer", closer=repr(closer), opener=repr(opener))


def _colon_in_value(exc: MarkedYAMLError, lines: list[str], language: str) -> Told:
    place = _problem_place(exc)
    if place is None or exc.problem != "mapping values are not allowed here":
        return None
    line = _line(lines, place[0])
    found = _key_line(line[: place[1]])
    if found is None:
        return None
    value = line[found.end() :].partition(" #")[0]
    key = found.group(3)
    fixed = _quoted_value(key, value)
    return place, say(language, "yaml_colon_in_value", key=_shown(key), fixed=fixed)


def _lead(line: str) -> tuple[int, str, bool]:
    """A line's first column (from 1) past its indentation and dashes, what to call the
    line in a message (its key, else its text) and whether it is a list entry."""
    found = _key_line(line)
    if found is not None:
        return len(found.group(1)) + len(found.group(2)) + 1, found.group(3), False
    stripped = line.lstrip(" ")
    return len(line) - len(stripped) + 1, stripped, stripped.startswith("- ")


def _levels(lines: list[str], row: int, *, entry: bool) -> list[tuple[int, str, int]]:
    """The columns a line at ``row`` could start in, nearest first: the keys (for a list
    entry, the dashes) of the mappings (lists) still open above it, as (column, what
    is there, line from 1)."""
    found: list[tuple[int, str, int]] = []
    bound: int | None = None  # a block that starts left of a line closes the ones right of it
    for above in range(min(row, len(lines)) - 1, -1, -1):
        line = lines[above]
        stripped = line.lstrip(" ")
        keyed = _key_line(line)
        dashed = stripped.startswith("- ")
        if keyed is None and not dashed:
            continue  # a blank line, a comment, or text that goes on from the line above
        indent = len(line) - len(stripped) + 1
        if entry:
            col, what, fits = indent, stripped, dashed
        elif keyed is not None:
            col, what, fits = indent + len(keyed.group(2)), keyed.group(3), True
        else:
            col, what, fits = indent, stripped, False
        if fits and (bound is None or col < bound):
            found.append((col, what, above + 1))
        bound = indent if bound is None else min(bound, indent)
        if bound == 1:
            break  # nothing above starts left of column 1
    return found


def _columns(levels: list[tuple[int, str, int]], col: int, language: str) -> str:
    """The ``MAX_COLUMNS`` levels nearest to ``col``, as a message offers them."""
    nearest = sorted(levels, key=lambda level: abs(level[0] - col))[:MAX_COLUMNS]
    shown = [say(language, "yaml_column", col=c, text=_shown(what), line=line)
             for c, what, line in nearest]  # fmt: skip
    return say(language, "yaml_or").join(shown)


def _indentation(exc: MarkedYAMLError, lines: list[str], language: str) -> Told:
    """A line that starts in a column where nothing open above it starts."""
    place = _problem_place(exc)
    problem = str(exc.problem)
    found = problem.rpartition(" but found ")[2].strip("'")
    deeper = problem == "mapping values are not allowed here"
    expected = problem.startswith("expected <block end>") and found in (
        "<block mapping start>", "<block sequence start>", "?", "-")  # fmt: skip
    if place is None or not (deeper or expected):
        return None
    col, what, entry = _lead(_line(lines, place[0]))
    levels = _levels(lines, place[0], entry=entry)
    if not levels or col in (c for c, _, _ in levels):
        return None
    if not deeper:
        columns = _columns(levels, col, language)
        return place, say(language, "yaml_indent", text=_shown(what), col=col, columns=columns)
    above_col, above, line = levels[0]
    if col <= above_col:
        return None
    columns = _columns(levels, col, language)
    return place, say(language, "yaml_indent_deeper", text=_shown(what), col=col,
                      above=_shown(above), line=line, columns=columns)  # fmt: skip


def _no_colon(exc: MarkedYAMLError, lines: list[str], language: str) -> Told:
    opened = exc.context_mark
    if opened is None or exc.problem != "could not find expected ':'":
        return None
    text = _line(lines, opened.line)[opened.column :].partition(" #")[0]
    return (opened.line, opened.column), say(language, "yaml_no_colon", text=_shown(text))


_TELLERS: tuple[Callable[[MarkedYAMLError, list[str], str], Told], ...] = (
    _quote_at_end,
    _tab,
    _wide_colon,
    _quote_runs_on,
    _open_bracket,
    _stray_closer,
    _colon_in_value,
    _indentation,
    _no_colon,
)
"""Each mistake's teller, the surest first: the first that knows the error tells it."""


def _between(lines: list[str], start: Any, end: Any) -> str:
    """The text between two marks."""
    first, last = _line(lines, start.line), _line(lines, end.line)
    if start.line == end.line:
        return first[start.column : end.column]
    middle = lines[start.line + 1 : end.line]
    return "\n".join([first[start.column :], *middle, last[: end.column]])


def _keyless(pair: tuple[Node, Node], lines: list[str]) -> bool:
    """Whether a ``{…}`` mapping's entry is a plain key with no ``:`` and no value.

    A plain scalar's style is None from PyYAML's parser and "" from libyaml's.
    """
    key, value = pair
    return (
        isinstance(key, ScalarNode) and not key.style and isinstance(value, ScalarNode)
        and value.value == "" and not value.style
        and ":" not in _between(lines, key.end_mark, value.start_mark)
    )  # fmt: skip


def may_split(node: MappingNode) -> bool:
    """Whether an entry of ``node`` after the first has an empty value: a quick look, before
    :func:`comma_splits` reads the text."""
    return any(isinstance(v, ScalarNode) and v.value == "" for _, v in node.value[1:])


def comma_splits(node: MappingNode, lines: list[str], language: str) -> list[tuple[Place, str]]:
    """The commas that ended an unquoted value of the ``{…}`` mapping ``node`` and made
    the rest of it keys without values (``{label: 95%以上,含95%以上}``): where each
    is, and the message.

    An expression split so (``{each: max(0, n)}``) is left to the rule set's
    loader, which tells it by its unbalanced parenthesis.
    """
    out: list[tuple[Place, str]] = []
    pairs, i = node.value, 1
    while i < len(pairs):
        owner, value = pairs[i - 1]
        end = i
        while end < len(pairs) and _keyless(pairs[end], lines):
            end += 1
        plain = isinstance(value, ScalarNode) and not value.style and value.value != ""
        if end > i and plain and value.value.count("(") <= value.value.count(")"):
            last = pairs[end - 1][0].end_mark
            text = _between(lines, value.start_mark, last)
            gap = _between(lines, value.end_mark, pairs[i][0].start_mark)
            row, col = value.end_mark.line, value.end_mark.column
            comma = gap.find(",")
            place = (row, col + comma) if comma >= 0 and "\n" not in gap[:comma] else (row, col)
            fixed = _quoted_value(str(owner.value), text)
            out.append((place, say(language, "yaml_split_comma", owner=_shown(str(owner.value)),
                                   value=_shown(value.value), piece=_shown(pairs[i][0].value),
                                   fixed=fixed)))  # fmt: skip
        i = max(end, i + 1)
    return out
