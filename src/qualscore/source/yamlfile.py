"""Strict YAML with positions.

Rule and facts files are read into plain Python values while every node's
line and column is remembered, so that a later error (pydantic's, a formula's,
a fact's) can point at the place in the file. The reading is strict on
purpose:

- duplicate keys, aliases, merge keys, explicit tags other than the core ones
  and multi-document streams are errors;
- plain scalars resolve only to ``true``/``false``, ``null``, integers and
  decimals, so YAML 1.1's ``no``, ``on``, ``off`` and dates stay strings;
- decimals are built from their source text (``Decimal("87.3")``), never
  through a float;
- files must be regular files of UTF-8 text (a BOM is allowed) of at most
  ``MAX_FILE_BYTES``; a file in another encoding (GBK, UTF-16) is refused with
  a message that says so, not decoded by guessing;
- nesting deeper than ``MAX_DEPTH`` and more than ``MAX_NODES`` nodes are
  refused as soon as they are met, so that neither PyYAML's recursive composer
  nor its pure-Python scanner can be made to crash or crawl;
- an empty file, control characters (raw or escaped) and lone surrogates are
  errors;
- the mistakes people make typing YAML by hand (a tab, wrong indentation, a
  full-width colon, a quote or bracket left open, a comma that splits a value of a
  ``{…}`` mapping) are told with their fix, in the file's language
  (:mod:`qualscore.source.mistakes`).

Every refusal is a :class:`~qualscore.errors.SourceError` of one-line problems.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from qualscore import _cache
from qualscore._patterns import lazy
from qualscore.catalogue import say
from qualscore.errors import Problem, SourceError
from qualscore.source import mistakes

MAX_FILE_BYTES = _cache.MAX_FILE_BYTES
"""Largest rule or facts file read, in bytes (the largest shipped file has 18 KB)."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists in one file (the shipped rule files nest 12)."""
MAX_NODES = 50_000
"""Most YAML nodes (mappings, lists, keys and values) in one file. The shipped files have
at most about 1,100; PyYAML spends some 40 microseconds a node, so this bounds a file's
reading to about two seconds however it is written."""
MAX_TABLE_NODES = 400_000
"""Most YAML nodes in a target table (:func:`qualscore.facts.targets.load_targets`): a
province's 3,000 counties with 20 targets each, written as a list per target (some
63,000 values) or a mapping per county (some 123,000), with room to spare; read in
about 16 seconds at the worst."""
MAX_TABLE_BYTES = 16 * 1024 * 1024
"""Largest YAML target table read, in bytes (3,000 counties x 20 targets written a
mapping per county, long keys and Chinese names, are some 3 MB)."""
MAX_SHOWN = 80
"""Longest piece of a file's text quoted back in a message, in characters."""
MAX_EXPONENT = 1000
"""Largest power of ten a number may be written with (``1e1000``, ``1e-1000``).

Text in the file is never amplified: ``1e999999999`` would print as a billion
digits wherever a report writes it out (and ``every: 1e-999999`` would
overflow a division). Long numbers written out in digits are not affected."""

Loc = tuple[str | int, ...]

_T = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_T + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}


class _Resolver(BaseResolver):
    """Resolves plain scalars to booleans, null, integers and decimals only."""


_Resolver.add_implicit_resolver(
    _T + "bool", lazy(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Resolver.add_implicit_resolver(
    _T + "null", lazy(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Resolver.add_implicit_resolver(_T + "int", lazy(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_Resolver.add_implicit_resolver(
    _T + "float",
    lazy(
        r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9]+[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


_KINDS: dict[str, type[Node]] = {_T + "map": MappingNode, _T + "seq": SequenceNode}
_UNPRINTABLE = lazy("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_UNPRINTABLE_KEY = lazy("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_SURROGATE = lazy("[\ud800-\udfff]")
_INT_DIGITS = 100
"""Integers longer than this are read through Decimal (int() stops at 4300 digits)."""


class _Refused(Exception):
    def __init__(self, mark: Any, message: str) -> None:
        self.mark = mark
        self.message = message


class _Composer(Composer):
    """PyYAML's composer, refusing aliases, deep nesting and too many nodes on the way."""

    def __init__(self, most: int = MAX_NODES) -> None:
        super().__init__()
        self.depth = 0
        self.nodes = 0
        self.most = most

    # PyYAML's mixins find check_event/peek_event on the parser at run time.
    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        mark = self.peek_event().start_mark  # type: ignore[attr-defined]
        if self.check_event(AliasEvent):  # type: ignore[attr-defined]
            raise _Refused(mark, "aliases (*name) are not allowed")
        self.nodes += 1
        if self.nodes > self.most:
            raise _Refused(mark, f"more than {self.most:,} values in one file")
        if self.depth >= MAX_DEPTH:
            raise _Refused(mark, f"nested more than {MAX_DEPTH} levels deep")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Loader(Reader, Scanner, Parser, _Composer, _Resolver):
    def __init__(self, text: str, most: int = MAX_NODES) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        _Composer.__init__(self, most)
        _Resolver.__init__(self)


try:
    from yaml.cyaml import CParser as _CParser  # type: ignore[attr-defined]  # stubs omit it

    _FAST = True
except ImportError:  # PyYAML without libyaml: the pure-Python reader does it all
    _FAST = False


def _fast_node(text: str, most: int = MAX_NODES) -> Node | None:
    """Parse with libyaml's events under the same composer and resolver, if it can.

    Only for text that the pure-Python loader would accept too: any problem at
    all (or no libyaml) returns None, and the caller reads the text again the
    slow way, whose messages and positions the error tests pin down.
    """
    if not _FAST or Reader.NON_PRINTABLE.search(text):
        return None

    class Fast(_Composer, _CParser, _Resolver):
        def __init__(self, source: str) -> None:
            _CParser.__init__(self, source)
            _Composer.__init__(self, most)
            _Resolver.__init__(self)

    loader = Fast(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    except Exception:
        return None
    finally:
        loader.dispose()


@dataclass
class Document:
    """A YAML file read into plain values, with the position of every node."""

    path: str
    data: Any
    marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    files: dict[Loc, str] = field(default_factory=dict)
    """Parts that come from another file (a list's records, from their own table): the
    file, by the part's loc; a problem at or under one names that file."""

    def where(self, loc: Iterable[str | int], *, key: bool = False) -> tuple[int, int]:
        """Return (line, col) of the deepest node on ``loc`` that exists.

        Parts of ``loc`` that are not in the data (pydantic's union tags) are
        skipped. With ``key``, the position of the last mapping key is given
        when the loc ends on one.
        """
        found = self._found(loc)
        if key and found in self.key_marks:
            return self.key_marks[found]
        return self.marks.get(found, (1, 1))

    def _found(self, loc: Iterable[str | int]) -> Loc:
        """The part of ``loc`` that exists in the data."""
        node: Any = self.data
        found: Loc = ()
        for part in loc:
            in_dict = isinstance(node, dict) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if in_dict or in_list:
                node = node[part]
            else:
                continue
            found = (*found, part)
        return found

    def part(self, at: Loc, data: Any) -> Document:
        """The part of this document at ``at`` as a document of its own, holding ``data``
        (that part, or what is made of it): each position as it is in the whole, so that a
        problem found in the part is told where it is written."""
        n = len(at)
        inner = Document(self.path, data)
        inner.marks = {k[n:]: v for k, v in self.marks.items() if k[:n] == at}
        inner.key_marks = {k[n:]: v for k, v in self.key_marks.items() if k[:n] == at}
        inner.files = {k[n:]: v for k, v in self.files.items() if k[:n] == at}
        for k, v in self.files.items():  # the part comes from another file as a whole
            if k == at[: len(k)]:
                inner.path = v
        return inner

    def problem(self, loc: Iterable[str | int], message: str, *, key: bool = False) -> Problem:
        """A :class:`Problem` at the node ``loc`` points to."""
        loc = tuple(loc)
        line, col = self.where(loc, key=key)
        path = self.path
        if self.files:
            found = self._found(loc)
            path = next((self.files[found[:n]] for n in range(len(found), 0, -1)
                         if found[:n] in self.files), path)  # fmt: skip
        return Problem(path, line, col, message)


def read_bytes(path: Path, shown: str, limit: int | None = None) -> bytes:
    """Read a file's bytes, refusing a folder, a missing file or one over the size limit.

    The reading is :func:`qualscore._cache.read_regular`'s, the same for the
    loader and for the cache of ``validate``: what is not a regular file (a
    pipe, a device such as /dev/zero) is refused without blocking, and at most
    ``limit + 1`` bytes are ever read.

    Raises:
        SourceError: the file is missing, unreadable or too large.
    """
    limit = MAX_FILE_BYTES if limit is None else limit

    def refuse(message: str) -> SourceError:
        return SourceError([Problem(shown, 0, 0, message)])

    try:
        return _cache.read_regular(path, limit)
    except _cache.NotRegular as exc:
        what = "is a directory, not a file" if exc.folder else "is not a regular file"
        raise refuse(what) from None
    except _cache.TooLarge as exc:
        raise refuse(f"file is {exc.size} bytes, more than the limit of {limit}") from None
    except FileNotFoundError:
        raise refuse("no such file") from None
    except PermissionError:
        raise refuse("permission denied") from None
    except OSError as exc:
        raise refuse(f"cannot read: {(exc.strerror or 'i/o error').lower()}") from None
    except ValueError:  # a NUL in the name
        raise refuse("not a valid file name") from None


def read_text(path: Path, shown: str) -> str:
    """Read a UTF-8 file, refusing what is too large or not UTF-8.

    Raises:
        SourceError: the file is missing, unreadable, too large or not UTF-8.
    """
    return decode(read_bytes(path, shown), shown)


def decode(raw: bytes, shown: str) -> str:
    """UTF-8 text (a BOM is dropped), or an error that names what the bytes are instead.

    Nothing is decoded by guessing: a GBK file (as Chinese editions of Windows
    save it) could as well be Big5 or Shift JIS, so it is refused with a hint.

    Raises:
        SourceError: UTF-16, binary or other non-UTF-8 bytes.
    """

    def refuse(message: str, line: int = 0) -> SourceError:
        return SourceError([Problem(shown, line, 1 if line else 0, message)])

    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise refuse("file is UTF-16 text (saved as 'Unicode'?); save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if b"\x00" in raw:
            raise refuse("file is binary, not text") from None
        try:
            raw.decode("gbk")
        except UnicodeDecodeError:
            raise refuse("file is not UTF-8 text; save it as UTF-8", line) from None
        raise refuse(
            "file is not UTF-8 text (a GBK file saved by a Windows editor?); save it as UTF-8",
            line,
        ) from None


def load(
    path: Path,
    shown: str | None = None,
    *,
    language: str | None = None,
    table: bool = False,
) -> Document:
    """Read one YAML file strictly; ``language`` (``zh``, ``en``) tells its mistakes in
    that language, by default in the file's own (:func:`mistakes.language_of`).
    ``table``: a target table, read within :data:`MAX_TABLE_BYTES` and
    :data:`MAX_TABLE_NODES` rather than a rule or facts file's bounds.

    Raises:
        SourceError: every problem found in the file.
    """
    shown = shown if shown is not None else str(path)
    limit = MAX_TABLE_BYTES if table else None
    text = decode(read_bytes(path, shown, limit), shown)
    if path.suffix.lower() == ".json":
        # JSON allows tabs between tokens where YAML's flow style does not; a raw
        # tab cannot stand inside a JSON string, so each one is a space.
        text = text.replace("\t", " ")
    return loads(text, shown, language=language, most=MAX_TABLE_NODES if table else MAX_NODES)


def loads(
    text: str, shown: str, *, language: str | None = None, most: int = MAX_NODES
) -> Document:
    """Read YAML text strictly; ``shown`` names it in errors, ``language`` as in :func:`load`;
    at most ``most`` nodes.

    Raises:
        SourceError: every problem found in the text.
    """
    fast = _fast_node(text, most)
    if fast is not None:
        return render_document(fast, shown, text=text, language=language)
    try:
        # The reader checks the whole text for unprintable characters at once.
        loader = _Loader(text, most)
    except ReaderError as exc:
        raise SourceError([_unprintable(shown, text, exc)]) from None
    try:
        node = loader.get_single_node()
    except _Refused as exc:
        raise SourceError([_at(shown, exc.mark, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        language = language or mistakes.language_of(text)
        place, message = mistakes.parse_error(exc, text, language)
        line, col = (place[0] + 1, place[1] + 1) if place is not None else (0, 0)
        raise SourceError([Problem(shown, line, col, message)]) from None
    except yaml.YAMLError as exc:
        language = language or mistakes.language_of(text)
        message = say(language, "yaml_invalid", detail=_one_line(str(exc)))
        raise SourceError([Problem(shown, 0, 0, message)]) from None
    finally:
        loader.dispose()
    if node is None:
        raise SourceError([Problem(shown, 0, 0, "file is empty")])
    return render_document(node, shown, text=text, language=language)


@dataclass
class _Telling:
    """The text a document was read from, to tell the mistakes found after parsing."""

    text: str
    given: str | None

    @functools.cached_property
    def lines(self) -> list[str]:
        return mistakes.lines_of(self.text)

    @functools.cached_property
    def language(self) -> str:
        return self.given or mistakes.language_of(self.text)

    @staticmethod
    def tell(
        doc: Document, problems: list[Problem], found: list[tuple[mistakes.Place, str]]
    ) -> None:
        """Add the mistakes ``found`` (places from 0) to ``problems``."""
        problems.extend(Problem(doc.path, line + 1, col + 1, m) for (line, col), m in found)

    def wide_colons(self, doc: Document, problems: list[Problem], nodes: list[Node]) -> None:
        """Add the full-width colons among ``nodes`` (:func:`mistakes.wide_colons`) to
        ``problems``; the file's language is worked out only if there is one to tell."""
        self.tell(doc, problems, mistakes.wide_colons(nodes, lambda: self.language))


def render_document(
    node: Node, shown: str, *, text: str | None = None, language: str | None = None
) -> Document:
    """The document ``node`` holds; ``text`` is what it was read from, without which the
    mistakes found after parsing (a comma that split a value, a full-width colon) are not
    looked for.

    Raises:
        SourceError: every problem found in the values.
    """
    doc = Document(shown, None)
    problems: list[Problem] = []
    telling = _Telling(text, language) if text is not None else None
    if telling is not None and isinstance(node, ScalarNode):
        telling.wide_colons(doc, problems, [node])
    doc.data = _convert(node, (), doc, problems, telling)
    if problems:
        raise SourceError(problems)
    return doc


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _unprintable(shown: str, text: str, exc: ReaderError) -> Problem:
    position = int(exc.position)
    line = text.count("\n", 0, position) + 1
    col = position - (text.rfind("\n", 0, position) + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return Problem(shown, line, col, f"control character U+{ord(char):04X} not allowed")


def _shorten(text: str) -> str:
    """``text`` cut to ``MAX_SHOWN`` characters, to quote it in a message."""
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _at(shown: str, mark: Any, message: str) -> Problem:
    if mark is None:
        return Problem(shown, 0, 0, message)
    return Problem(shown, mark.line + 1, mark.column + 1, message)


def _convert(
    node: Node, loc: Loc, doc: Document, problems: list[Problem], telling: _Telling | None
) -> Any:
    doc.marks[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in _ALLOWED_TAGS:
        tag = _shorten(node.tag)
        problems.append(_at(doc.path, node.start_mark, f"tag {tag!r} is not allowed"))
        return None
    if not isinstance(node, _KINDS.get(node.tag, ScalarNode)):
        kinds: dict[type[Node], str] = {MappingNode: "a mapping", SequenceNode: "a list"}
        what = kinds.get(type(node), "a scalar")
        problems.append(_at(doc.path, node.start_mark, f"tag {node.tag!r} does not fit {what}"))
        return None
    if isinstance(node, MappingNode):
        return _convert_mapping(node, loc, doc, problems, telling)
    if isinstance(node, SequenceNode):
        if telling is not None and any(isinstance(c, MappingNode) for c in node.value):
            telling.wide_colons(doc, problems, node.value)
        return [
            _convert(child, (*loc, i), doc, problems, telling) for i, child in enumerate(node.value)
        ]
    assert isinstance(node, ScalarNode)
    return _scalar(node, doc, problems)


def _convert_mapping(
    node: MappingNode, loc: Loc, doc: Document, problems: list[Problem], telling: _Telling | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if telling is not None and node.flow_style and mistakes.may_split(node):
        found = mistakes.comma_splits(node, telling.lines, telling.language)
        telling.tell(doc, problems, found)
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag == _T + "merge":
            problems.append(_at(doc.path, key_node.start_mark, "keys must be plain scalars"))
            continue
        key = _joined(str(key_node.value))
        if not _printable(key_node, key, doc, problems, key=True):
            continue
        if key in out:
            first = doc.key_marks[(*loc, key)]
            problems.append(
                _at(
                    doc.path,
                    key_node.start_mark,
                    f"duplicate key {_shorten(key)!r} (first at line {first[0]})",
                )
            )
            continue
        doc.key_marks[(*loc, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        out[key] = _convert(value_node, (*loc, key), doc, problems, telling)
    return out


def _scalar(node: ScalarNode, doc: Document, problems: list[Problem]) -> Any:
    text = str(node.value)
    tag = node.tag
    if tag == _T + "str":
        text = _joined(text)
        return text if _printable(node, text, doc, problems) else None
    if tag == _T + "null":
        return None
    if tag == _T + "bool":
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        problems.append(_at(doc.path, node.start_mark, f"{_shorten(text)!r} is not a boolean"))
        return None
    try:
        if tag == _T + "int" and len(text) <= _INT_DIGITS:
            return int(text, 10)
        lowered = text.lower().lstrip("+")
        if lowered in (".inf", "-.inf", ".nan"):
            return Decimal(lowered.replace(".", ""))
        number = Decimal(text)
        if abs(int(number.as_tuple().exponent)) > MAX_EXPONENT:
            message = f"{_shorten(text)!r} is out of range (exponent beyond ±{MAX_EXPONENT})"
            problems.append(_at(doc.path, node.start_mark, message))
            return None
        return number
    except (ValueError, ArithmeticError):
        problems.append(_at(doc.path, node.start_mark, f"{_shorten(text)!r} is not a number"))
        return None


def _joined(text: str) -> str:
    """JSON's escaped surrogate pairs (``"\\ud840\\udc00"``) as the one character they mean.

    PyYAML reads each ``\\u`` escape alone; JSON writers (Python's json.dumps among
    them) escape every character beyond U+FFFF as such a pair. A lone half is left
    for :func:`_printable` to refuse.
    """
    if not _SURROGATE.search(text):
        return text
    try:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        return text


def _printable(
    node: Node, text: str, doc: Document, problems: list[Problem], *, key: bool = False
) -> bool:
    """Refuse control characters and lone surrogates written as escapes (``"\\x1b"``).

    A key may not hold a tab or a line break either: keys are echoed in messages,
    which are one line each.
    """
    found = (_UNPRINTABLE_KEY if key else _UNPRINTABLE).search(text)
    if found is None:
        return True
    code = ord(found.group())
    what = "lone surrogate" if 0xD800 <= code <= 0xDFFF else "control character"
    where = " in a key" if key else ""
    problems.append(_at(doc.path, node.start_mark, f"{what} U+{code:04X} not allowed{where}"))
    return False
