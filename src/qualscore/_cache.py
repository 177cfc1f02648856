"""A cache of what ``qualscore validate`` found, keyed by everything it depends on.

Validating a rule set that has not changed gives the same lines every time:
the key is the sha256 of the rule files exactly as the loader reads them
(``ruleset.yaml``, ``facts.yaml``, ``categories/*.yaml``, names and bytes),
of qualscore's own source files, its version, the Python version, and the
command's arguments. A hit prints the stored lines without importing the
models or loading anything.

An entry is never used when it is stale (any file changed: another key), and
not when it looks tampered with: its recorded key and checksum must match,
and the entry and its folder must belong to the user and be writable by no
one else. Anyone who can write as the user can still forge an entry that
passes, as they could edit qualscore itself; the cache trusts no one else.

``QUALSCORE_CACHE_DIR`` sets the folder (empty: no cache); by default
``$XDG_CACHE_HOME/qualscore`` or ``~/.cache/qualscore``. Nothing here raises:
a cache that cannot be read or written is no cache.

This module imports nothing from qualscore: the ``qualscore`` command
(``qualscore_launch``) loads it on its own to answer a hit before importing
the package, its models and pydantic.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Entry", "get", "key", "put"]

_PACKAGE = Path(__file__).resolve().parent


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


def _engine_digest() -> bytes:
    # Every source file of the package (_version.py among them): any change is a new engine.
    digest = hashlib.sha256(f"{sys.version}\0".encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(f"{path.relative_to(_PACKAGE)}\0".encode())
        digest.update(path.read_bytes())
    return digest.digest()


def key(command: str, rules: str, *args: str) -> str | None:
    """The key of ``command`` run on the rule-set folder ``rules``; None when it cannot be made."""
    try:
        root = Path(rules)
        digest = hashlib.sha256(_engine_digest())
        digest.update(json.dumps([command, rules, *args]).encode())
        categories = sorted(p for p in (root / "categories").iterdir() if p.suffix == ".yaml")
        names = ["ruleset.yaml", "facts.yaml", *(f"categories/{p.name}" for p in categories)]
        for name in names:
            data = (root / name).read_bytes()
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()
    except (OSError, ValueError):
        return None


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
    where = folder()
    if where is None:
        return None
    path = where / f"{entry_key}.json"
    try:
        if not (_private(where) and _private(path)):
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        entry = Entry(str(data["out"]), str(data["err"]), int(data["code"]))
        if data["key"] != entry_key or data["checksum"] != _checksum(entry_key, entry):
            return None
        return entry
    except (OSError, ValueError, KeyError, TypeError):
        return None


def put(entry_key: str, entry: Entry) -> None:
    """Store ``entry`` under ``entry_key``, privately and atomically."""
    where = folder()
    if where is None:
        return
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(where):
            return
        data = {"key": entry_key, "out": entry.out, "err": entry.err, "code": entry.code}
        data["checksum"] = _checksum(entry_key, entry)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(data, file, ensure_ascii=False)
            os.chmod(tmp, 0o600)
            os.replace(tmp, where / f"{entry_key}.json")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
