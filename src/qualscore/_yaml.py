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
- files must be UTF-8 (a BOM is allowed) and at most ``MAX_FILE_BYTES``.
"""

from __future__ import annotations

import re
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
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from .errors import Problem, SourceError

MAX_FILE_BYTES = 2 * 1024 * 1024

Loc = tuple[str | int, ...]

_T = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_T + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}


class _Resolver(BaseResolver):
    """Resolves plain scalars to booleans, null, integers and decimals only."""


_Resolver.add_implicit_resolver(
    _T + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Resolver.add_implicit_resolver(
    _T + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Resolver.add_implicit_resolver(_T + "int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_Resolver.add_implicit_resolver(
    _T + "float",
    re.compile(
        r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9]+[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


class _AliasRefused(Exception):
    def __init__(self, mark: Any) -> None:
        self.mark = mark


class _Composer(Composer):
    # PyYAML's mixins find check_event/peek_event on the parser at run time.
    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):  # type: ignore[attr-defined]
            raise _AliasRefused(self.peek_event().start_mark)  # type: ignore[attr-defined]
        return super().compose_node(parent, index)


class _Loader(Reader, Scanner, Parser, _Composer, _Resolver):
    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        _Composer.__init__(self)
        _Resolver.__init__(self)


@dataclass
class Document:
    """A YAML file read into plain values, with the position of every node."""

    path: str
    data: Any
    marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: Iterable[str | int], *, key: bool = False) -> tuple[int, int]:
        """Return (line, col) of the deepest node on ``loc`` that exists.

        Parts of ``loc`` that are not in the data (pydantic's union tags) are
        skipped. With ``key``, the position of the last mapping key is given
        when the loc ends on one.
        """
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
        if key and found in self.key_marks:
            return self.key_marks[found]
        return self.marks.get(found, (1, 1))

    def problem(self, loc: Iterable[str | int], message: str, *, key: bool = False) -> Problem:
        """A :class:`Problem` at the node ``loc`` points to."""
        line, col = self.where(loc, key=key)
        return Problem(self.path, line, col, message)


def read_text(path: Path, shown: str) -> str:
    """Read a UTF-8 file, refusing what is too large or not UTF-8.

    Raises:
        SourceError: the file is missing, unreadable, too large or not UTF-8.
    """
    try:
        if path.is_dir():
            raise SourceError([Problem(shown, 0, 0, "is a directory, not a file")])
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SourceError(
                [
                    Problem(
                        shown,
                        0,
                        0,
                        f"file is {size} bytes, more than the limit of {MAX_FILE_BYTES}",
                    )
                ]
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError([Problem(shown, 0, 0, "no such file")]) from None
    except PermissionError:
        raise SourceError([Problem(shown, 0, 0, "permission denied")]) from None
    except OSError as exc:
        raise SourceError([Problem(shown, 0, 0, f"cannot read: {exc.strerror}")]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return _not_utf8(shown, line)


def _not_utf8(shown: str, line: int) -> str:
    raise SourceError(
        [
            Problem(
                shown,
                line,
                1,
                "file is not UTF-8 text (a GBK file saved by a Windows editor?); save it as UTF-8",
            )
        ]
    )


def load(path: Path, shown: str | None = None) -> Document:
    """Read one YAML file strictly.

    Raises:
        SourceError: every problem found in the file.
    """
    shown = shown if shown is not None else str(path)
    return loads(read_text(path, shown), shown)


def loads(text: str, shown: str) -> Document:
    """Read YAML text strictly; ``shown`` names it in errors.

    Raises:
        SourceError: every problem found in the text.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except _AliasRefused as exc:
        raise SourceError([_at(shown, exc.mark, "aliases (*name) are not allowed")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SourceError([_at(shown, mark, _yaml_message(exc))]) from None
    except yaml.YAMLError as exc:
        raise SourceError([Problem(shown, 0, 0, f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    doc = Document(shown, None)
    problems: list[Problem] = []
    if node is not None:
        doc.data = _convert(node, (), doc, problems)
    if problems:
        raise SourceError(problems)
    return doc


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    return "not valid YAML: " + ", ".join(parts) if parts else "not valid YAML"


def _at(shown: str, mark: Any, message: str) -> Problem:
    if mark is None:
        return Problem(shown, 0, 0, message)
    return Problem(shown, mark.line + 1, mark.column + 1, message)


def _convert(node: Node, loc: Loc, doc: Document, problems: list[Problem]) -> Any:
    doc.marks[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if node.tag not in _ALLOWED_TAGS:
        problems.append(_at(doc.path, node.start_mark, f"tag {node.tag!r} is not allowed"))
        return None
    if isinstance(node, MappingNode):
        return _convert_mapping(node, loc, doc, problems)
    if isinstance(node, SequenceNode):
        return [_convert(child, (*loc, i), doc, problems) for i, child in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    return _scalar(node, doc, problems)


def _convert_mapping(
    node: MappingNode, loc: Loc, doc: Document, problems: list[Problem]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag == _T + "merge":
            problems.append(_at(doc.path, key_node.start_mark, "keys must be plain scalars"))
            continue
        key = str(key_node.value)
        if key in out:
            first = doc.key_marks[(*loc, key)]
            problems.append(
                _at(
                    doc.path,
                    key_node.start_mark,
                    f"duplicate key {key!r} (first at line {first[0]})",
                )
            )
            continue
        doc.key_marks[(*loc, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        out[key] = _convert(value_node, (*loc, key), doc, problems)
    return out


def _scalar(node: ScalarNode, doc: Document, problems: list[Problem]) -> Any:
    text = str(node.value)
    tag = node.tag
    if tag == _T + "str":
        return text
    if tag == _T + "null":
        return None
    if tag == _T + "bool":
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        problems.append(_at(doc.path, node.start_mark, f"{text!r} is not a boolean"))
        return None
    try:
        if tag == _T + "int":
            return int(text, 10)
        lowered = text.lower().lstrip("+")
        if lowered in (".inf", "-.inf", ".nan"):
            return Decimal(lowered.replace(".", ""))
        return Decimal(text)
    except (ValueError, ArithmeticError):
        problems.append(_at(doc.path, node.start_mark, f"{text!r} is not a number"))
        return None
