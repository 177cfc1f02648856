"""A cache of what ``qualscore validate`` found, and of loaded rule sets, keyed by
everything they depend on.

Validating a rule set that has not changed gives the same lines every time, and
loading it gives the same rule set. The key is the sha256 of the rule files'
bytes (``ruleset.yaml``, ``facts.yaml``, ``categories/*.yaml``, by name), of
qualscore's own source files, its version, the Python version, and the
command's arguments. A hit of ``validate`` prints the stored lines without
importing the models or loading anything; a hit of a rule set
(:func:`get_data`, written by :mod:`qualscore.ruleset.stored`) rebuilds it
without reading or validating its YAML.

The rule files are read by one function, :func:`read_regular`, for the cache
and for the loader alike: only regular files (a FIFO, ``/dev/zero`` or a
folder is refused before it is read, and a FIFO swapped in after that check
cannot block the open), and never more than the size limit plus one byte.
An entry is written under the key of the bytes the loader itself checked
(:func:`files_key` of ``RuleSet.sources``), not of a second reading, so a
file edited while ``validate`` runs can never have its new text cached under
the old verdict: the next run reads the new bytes, another key, and validates.

An entry is data (JSON of the printed lines and the exit code, or of a rule
set's models), never code.
It is never used when it is stale (any file changed: another key), and not
when it looks truncated, foreign or tampered with: it must be a regular file
within :data:`MAX_ENTRY_BYTES`, parse whole, record its own key and a
matching checksum, and it and its folder must belong to the user and be
writable by no one else. Entries are written to a private temporary file and
renamed into place, so concurrent writers leave one whole entry. Anyone who
can write as the user can still forge an entry that passes, as they could
edit qualscore itself; the cache trusts no one else.

``QUALSCORE_CACHE_DIR`` sets the folder (empty: no cache, and the rule files
are not even read for a key); by default ``$XDG_CACHE_HOME/qualscore`` or
``~/.cache/qualscore``. Nothing here raises but :func:`read_regular`: a cache
that cannot be read or written is no cache.

This module imports nothing from qualscore (nor pydantic): ``qualscore validate``
answers a hit before importing the models.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MAX_DATA_BYTES", "MAX_ENTRY_BYTES", "MAX_FILE_BYTES", "Entry", "NotRegular", "TooLarge",
    "files_key", "get", "get_data", "key", "put", "put_data", "read_regular",
]  # fmt: skip

_PACKAGE = Path(__file__).resolve().parent

MAX_FILE_BYTES = 2 * 1024 * 1024
"""The largest rule or facts file read, in bytes."""

MAX_ENTRY_BYTES = 8 * 1024 * 1024
"""The largest entry of findings read back; a larger one is not one this module wrote."""

MAX_DATA_BYTES = 128 * 1024 * 1024
"""The largest data entry (a loaded rule set) written or read back."""

RULE_FILES = ("ruleset.yaml", "facts.yaml")
"""The rule files of a folder besides ``categories/*.yaml``."""


class NotRegular(OSError):
    """The path is a folder, a FIFO, a device or anything else that is not a regular file."""

    def __init__(self, folder: bool) -> None:
        super().__init__("is a directory" if folder else "is not a regular file")
        self.folder = folder


class TooLarge(OSError):
    """The file holds more than the limit."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes, more than {limit}")
        self.size = size
        self.limit = limit


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, refused when it holds more than ``limit``.

    The file is opened without blocking (a FIFO put in its place after any check
    cannot hang the open), checked on the open descriptor, and read for at most
    ``limit + 1`` bytes, so a sparse file of gigabytes costs nothing.

    Raises:
        NotRegular: it is a folder, a FIFO, a device or a socket.
        TooLarge: it holds more than ``limit`` bytes.
        OSError: it cannot be opened or read (missing, permission denied, ...).
        ValueError: the name holds a NUL.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        mode = os.stat(path).st_mode  # a socket cannot be opened at all: say what it is
        if not stat.S_ISREG(mode):
            raise NotRegular(stat.S_ISDIR(mode)) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(stat.S_ISDIR(info.st_mode))
        if info.st_size > limit:
            raise TooLarge(info.st_size, limit)
        chunks, left = [], limit + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        raw = b"".join(chunks)
    finally:
        os.close(fd)
    if len(raw) > limit:  # it grew after fstat
        raise TooLarge(max(info.st_size, len(raw)), limit)
    return raw


@dataclass(frozen=True)
class Entry:
    """What a command printed, and its exit code."""

    out: str
    err: str
    code: int


def folder() -> Path | None:
    """The cache folder, or None when the cache is off."""
    chosen = os.environ.get("QUALSCORE_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qualscore"


@functools.cache
def _engine_digest() -> bytes:
    # Every source file of the package (_version.py among them): any change is a new engine.
    # Read once a process: the engine running is the one its modules were imported from.
    digest = hashlib.sha256(f"{sys.version}\0".encode())
    for parts, path in sorted(_sources()):
        digest.update(f"{'/'.join(parts)}\0".encode())
        with open(path, "rb") as file:
            digest.update(file.read())
    return digest.digest()


def _sources() -> list[tuple[tuple[str, ...], str]]:
    """Each ``*.py`` of the package, as its path's parts below the package (sorted, they
    are in ``Path.rglob``'s order) and its path, without making a ``Path`` of each (a
    cache hit's key reads them all)."""
    found = []
    for folder, _, files in os.walk(_PACKAGE):  # (not through a link)
        under = Path(folder).relative_to(_PACKAGE).parts
        found += [((*under, f), os.path.join(folder, f)) for f in files if f.endswith(".py")]
    return found


def file_digest(data: bytes) -> str:
    """The sha256 of one rule file's bytes, as :func:`files_key` takes it."""
    return hashlib.sha256(data).hexdigest()


def files_key(sources: Mapping[str, str], command: str, rules: str, *args: str) -> str:
    """The key of ``command`` on a rule set whose files' digests are ``sources``.

    ``sources`` maps each file's name in the folder (``categories/1.yaml``) to
    :func:`file_digest` of its bytes: the loader's own (``RuleSet.sources``)
    when an entry is written, a fresh :func:`read_regular` of each when one is
    looked up.
    """
    digest = hashlib.sha256(_engine_digest())
    digest.update(json.dumps([command, rules, *args]).encode())
    digest.update(json.dumps(sorted(sources.items())).encode())
    return digest.hexdigest()


def key(command: str, rules: str, *args: str) -> str | None:
    """The key of ``command`` on the rule files now in the folder ``rules``.

    None when the cache is off or a key cannot be made: a file is missing, not
    a regular file, too large or unreadable (the loader will say which).
    """
    if folder() is None:
        return None
    try:
        root = Path(rules)
        names = _rule_files(root)
        for sub in sorted(p for p in root.iterdir() if (p / RULE_FILES[0]).is_file()):
            names += [f"{sub.name}/{name}" for name in _rule_files(sub)]  # sub-entities' rules
        sources = {name: file_digest(read_regular(root / name, MAX_FILE_BYTES)) for name in names}
        return files_key(sources, command, rules, *args)
    except (OSError, ValueError):
        return None


def _rule_files(root: Path) -> list[str]:
    """The rule files of the rule set in ``root``, by name in the folder."""
    categories = sorted(p.name for p in (root / "categories").iterdir() if p.suffix == ".yaml")
    return [*RULE_FILES, *(f"categories/{name}" for name in categories)]


def _checksum(entry_key: str, entry: Entry) -> str:
    text = json.dumps([entry_key, entry.out, entry.err, entry.code])
    return hashlib.sha256(text.encode()).hexdigest()


def _private(path: Path) -> bool:
    """Whether ``path`` belongs to this user and no one else may write it."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()


def get(entry_key: str) -> Entry | None:
    """The entry stored under ``entry_key``, if there is one and it can be trusted."""
    raw = _read(f"{entry_key}.json", MAX_ENTRY_BYTES)
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
        texts = (data["out"], data["err"], data["key"], data["checksum"])
        if not all(isinstance(t, str) for t in texts) or type(data["code"]) is not int:
            return None
        entry = Entry(data["out"], data["err"], data["code"])
        if data["key"] != entry_key or data["checksum"] != _checksum(entry_key, entry):
            return None
        return entry
    except (ValueError, KeyError, TypeError, RecursionError):
        return None


def put(entry_key: str, entry: Entry) -> None:
    """Store ``entry`` under ``entry_key``, privately and atomically."""
    data = {"key": entry_key, "out": entry.out, "err": entry.err, "code": entry.code}
    data["checksum"] = _checksum(entry_key, entry)
    _write(f"{entry_key}.json", json.dumps(data, ensure_ascii=False).encode("utf-8"))


def get_data(entry_key: str) -> bytes | None:
    """The data stored under ``entry_key`` by :func:`put_data`, if it can be trusted.

    A data entry is one line of JSON (its key and the sha256 of the key and the data),
    then the data: what it means is its writer's to say (JSON, never code).
    """
    raw = _read(f"{entry_key}.data", MAX_DATA_BYTES)
    if raw is None:
        return None
    head, newline, data = raw.partition(b"\n")
    try:
        header = json.loads(head.decode("utf-8"))
        if not newline or not isinstance(header, dict) or header.get("key") != entry_key:
            return None
        if header.get("checksum") != _data_checksum(entry_key, data):
            return None
    except (ValueError, RecursionError):
        return None
    return data


def put_data(entry_key: str, data: bytes) -> None:
    """Store ``data`` under ``entry_key``, privately and atomically (not when it holds
    more than :data:`MAX_DATA_BYTES`: it would not be read back)."""
    header = json.dumps({"key": entry_key, "checksum": _data_checksum(entry_key, data)})
    raw = header.encode() + b"\n" + data
    if len(raw) <= MAX_DATA_BYTES:
        _write(f"{entry_key}.data", raw)


def _data_checksum(entry_key: str, data: bytes) -> str:
    return hashlib.sha256(entry_key.encode() + b"\0" + data).hexdigest()


def _read(name: str, limit: int) -> bytes | None:
    """The bytes of the entry ``name``, if it and its folder are the user's alone."""
    where = folder()
    if where is None:
        return None
    path = where / name
    try:
        if not (_private(where) and _private(path)):
            return None
        return read_regular(path, limit)
    except (OSError, ValueError):
        return None


def _write(name: str, raw: bytes) -> None:
    """Write the entry ``name``: to a private temporary file, then renamed into place, so
    that a reader never sees half of it and concurrent writers leave one whole."""
    where = folder()
    if where is None:
        return
    import tempfile  # only to write: a hit has no need of it

    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(where):
            return
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(raw)
            os.chmod(tmp, 0o600)
            os.replace(tmp, where / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
