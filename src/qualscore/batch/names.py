"""File names for one report per entity: safe, bounded, one per entity, the same every run.

An entity's name becomes its report's file name (:func:`stem`): its control
characters shown as escapes, the characters a file name cannot hold (``/``,
``\\``, ``:``, ``*``, ``?``, ``"``, ``<``, ``>``, ``|``) as ``_``, no leading dot,
never empty. A stem longer than :data:`STEM_BYTES` in UTF-8 keeps a prefix
and gains ``~`` and a hash of the whole name, so that two long names sharing
a prefix still differ and the file name stays within the 255 bytes a file
system allows, temporary name included.

Two names can still ask for one file: ``a:b`` and ``a/b``, ``A`` and ``a`` (a
file system may ignore case), or a name asking for a file that is an input of
the run or its ``--out``. :func:`plan` settles every name at once, from the
set of names alone (not their order, nor how many processes scored them):
the first name of a clash in code-point order keeps the file, the others
take ``-2``, ``-3``... (the first free), and each is told why.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from qualscore.batch.units import shown

__all__ = ["MAX_NAME_BYTES", "STEM_BYTES", "Planned", "key", "plan", "stem"]

MAX_NAME_BYTES = 255
"""NAME_MAX: the most bytes of one file name on Linux and macOS file systems."""
STEM_BYTES = 200
"""The most bytes of a stem: leaves room within :data:`MAX_NAME_BYTES` for ``-N``, the
extension (at most 5 bytes) and the 18 bytes a temporary name (``.NAME.<12 hex>.tmp``)
adds while the report is written."""
HASH_CHARS = 10
"""Hex digits of the whole name's SHA-256 that end a shortened stem."""

_UNSAFE = frozenset('/\\:*?"<>|')


@dataclass(frozen=True)
class Planned:
    """An entity's report file name, and why it is not the name the entity asked for."""

    file: str
    note: str | None = None


def stem(name: str) -> str:
    """The file name (without extension) an entity's name asks for: safe and bounded."""
    text = _safe(name)
    if len(text.encode("utf-8")) <= STEM_BYTES:
        return text
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]
    room = STEM_BYTES - 1 - HASH_CHARS
    cut = text.encode("utf-8")[:room].decode("utf-8", "ignore")  # never half a character
    return f"{cut}~{digest}"


def _safe(name: str) -> str:
    """The name with no character a file name cannot hold, no leading dot, never empty."""
    text = "".join(
        "_" if c in _UNSAFE or ord(c) < 32 or ord(c) == 127 else c for c in shown(name)
    ).lstrip(".")
    return text or "entity"


def key(file_name: str) -> str:
    """What two file names that one file system may hold as the same file share: the name
    case-folded and normalised (``A.md`` and ``a.md``, composed and decomposed accents)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", file_name).casefold())


def plan(
    names: Iterable[str], suffix: str, *, taken: Callable[[str], str | None] = lambda _: None
) -> dict[str, Planned]:
    """The report file name of every entity name, settled from the set of names alone.

    Args:
        names: The entities' names (their order does not matter).
        suffix: The reports' extension (``.html``).
        taken: What a file name is when the run must not write it (``"an input"``),
            else None: that name goes to no entity.
    """
    wanted = {n: stem(n) for n in sorted(set(names))}
    clashes: dict[str, list[str]] = {}
    for name, asked in wanted.items():
        clashes.setdefault(key(asked + suffix), []).append(name)
    planned: dict[str, Planned] = {}
    used: set[str] = set()
    later: list[tuple[str, str]] = []
    for first, *rest in (clashes[k] for k in sorted(clashes)):
        file = wanted[first] + suffix
        why = taken(file)
        if why is None:
            used.add(key(file))
            long = len(_safe(first).encode("utf-8")) > STEM_BYTES
            planned[first] = Planned(file, "the name is too long for a file name" if long else None)
            later += [(n, f"{wanted[n]}{suffix} is taken by entity {first!r}") for n in rest]
        else:
            later += [(n, f"{wanted[n]}{suffix} is {why}") for n in [first, *rest]]
    counters: dict[str, int] = {}
    for name, why in sorted(later):
        asked = wanted[name]
        n = counters.get(key(asked), 1)
        while True:
            n += 1
            file = f"{asked}-{n}{suffix}"
            if key(file) not in used and taken(file) is None:
                break
        counters[key(asked)] = n
        used.add(key(file))
        planned[name] = Planned(file, why)
    return planned

