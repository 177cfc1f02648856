"""Writing output files so that a crash never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import Problem, SourceError

__all__ = ["write_atomic", "write_atomic_chunks"]


def write_atomic(path: str | Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    Raises:
        SourceError: the folder does not exist or cannot be written.
    """
    write_atomic_chunks(path, [text.encode("utf-8") if isinstance(text, str) else text])


def _mode(target: Path) -> int:
    """The mode the file would have had: its current one, or the default under umask."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic_chunks(path: str | Path, chunks: Iterable[bytes]) -> None:
    """Like :func:`write_atomic`, for output produced piece by piece.

    Raises:
        SourceError: the folder does not exist or cannot be written.
    """
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except FileNotFoundError:
        raise SourceError([Problem(str(path), 0, 0, "cannot write: no such folder")]) from None
    except OSError as exc:
        raise SourceError([Problem(str(path), 0, 0, f"cannot write: {exc.strerror}")]) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.chmod(tmp, _mode(target))
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise SourceError([Problem(str(path), 0, 0, f"cannot write: {exc.strerror}")]) from None
        raise
