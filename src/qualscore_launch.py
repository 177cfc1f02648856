"""The ``qualscore`` command: answers a cached ``validate`` before importing qualscore.

Importing the package builds its pydantic models, most of a cold
``qualscore validate``. When the same rule files were validated before by the
same engine, the findings are in the cache (``qualscore/_cache.py``, which
imports nothing from the package and is loaded here on its own), and are
printed as they were. Anything else, and any doubt, goes to
:func:`qualscore.cli.app.main`.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["main"]


def _cache() -> ModuleType | None:
    spec = importlib.util.find_spec("qualscore")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "_cache.py"
    loaded = importlib.util.spec_from_file_location("_qualscore_cache", path)
    if loaded is None or loaded.loader is None:
        return None
    module = importlib.util.module_from_spec(loaded)
    sys.modules["_qualscore_cache"] = module  # dataclasses look their module up
    loaded.loader.exec_module(module)
    return module


def _cached(argv: list[str]) -> int | None:
    """The exit code of a cache hit for ``validate RULES [--strict]``, after printing it."""
    if not argv or argv[0] != "validate" or sys.stdout is None:
        return None  # a closed stdout is the command's to tell
    rest = argv[1:]
    folders = [a for a in rest if not a.startswith("-")]
    flags = [a for a in rest if a.startswith("-")]
    if len(folders) != 1 or any(f != "--strict" for f in flags) or len(flags) > 1:
        return None
    cache = _cache()
    if cache is None:
        return None
    key = cache.key("validate", folders[0], "--strict" if flags else "")
    hit = cache.get(key) if key is not None else None
    if hit is None:
        return None
    sys.stderr.write(hit.err)
    try:
        sys.stdout.write(hit.out)
        sys.stdout.flush()
    except (OSError, ValueError) as exc:  # a reader gone, a full disk: as the command says it
        reason = (exc.strerror or type(exc).__name__).lower() if isinstance(exc, OSError) else ""
        sys.stderr.write(f"qualscore: stdout: {reason or 'closed'}\n")
        null = os.open(os.devnull, os.O_WRONLY)  # no second failure at the interpreter's exit
        os.dup2(null, 1)
        os.close(null)
        return 2
    return int(hit.code)


def main() -> int:
    """Run the ``qualscore`` command; return its exit code."""
    try:
        code = _cached(sys.argv[1:])
    except Exception:
        code = None
    if code is not None:
        return code
    from qualscore.cli.app import run_process

    return run_process()
