"""Writing output files: atomic and durable, never over an input or a device node.

A regular file (or a new one) is written to a temporary file beside it, which
is flushed to disk and renamed over it; the folder is then flushed too, so a
crash or a power cut leaves the old file or the new one, never half of one.
A symbolic link is written through to the file it names and stays a link. A
FIFO or a character device (``/dev/stdout``, ``/dev/null``) is written to
directly. Anything else (a folder, a socket, a block device) is refused, as is
an output that is one of the command's inputs or lies inside an input folder.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from qualscore.errors import Problem, SourceError

__all__ = ["Inputs", "check_output", "write_atomic", "write_atomic_chunks"]


def _refuse(path: str | Path, message: str) -> SourceError:
    return SourceError([Problem(str(path), 0, 0, message)])


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def write_atomic(path: str | Path, text: str | bytes, *, inputs: Iterable[str | Path] = ()) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    Raises:
        SourceError: ``path`` is one of ``inputs`` or inside an input folder, is
            not a file that can be replaced, or its folder does not exist or
            cannot be written.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    write_atomic_chunks(path, [data], inputs=inputs)


def write_atomic_chunks(
    path: str | Path, chunks: Iterable[bytes], *, inputs: Iterable[str | Path] = ()
) -> None:
    """Like :func:`write_atomic`, for output produced piece by piece.

    Raises:
        SourceError: as :func:`write_atomic`.
    """
    check_output(path, inputs)
    kind = _kind(path)
    if kind == "stream":
        _write_stream(path, chunks)
        return
    target = Path(os.path.realpath(path)) if kind == "link" else Path(path)
    _replace(path, target, chunks)


def _kind(path: str | Path) -> str:
    """'file' (regular or new), 'link' (a symlink to one) or 'stream' (FIFO, character device).

    Raises:
        SourceError: a folder, socket or block device, or a link to one.
    """
    try:
        link = stat.S_ISLNK(os.lstat(path).st_mode)
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "link" if os.path.islink(path) else "file"
    except OSError as exc:
        raise _refuse(path, f"cannot write: {_reason(exc)}") from None
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return "stream"
    if stat.S_ISDIR(mode):
        raise _refuse(path, "cannot write: is a folder")
    if not stat.S_ISREG(mode):
        raise _refuse(path, "cannot write: not a regular file, a FIFO or a character device")
    return "link" if link else "file"


def _write_stream(path: str | Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` straight into a FIFO or character device, which stays as it is.

    Raises:
        SourceError: it cannot be opened or written.
    """
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    except BrokenPipeError:
        raise _refuse(path, "cannot write: the reader closed the pipe") from None
    except OSError as exc:
        raise _refuse(path, f"cannot write: {_reason(exc)}") from None


def _replace(shown: str | Path, target: Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to a temporary file, flush it, rename it onto ``target``, flush the folder.

    Raises:
        SourceError: the folder does not exist or cannot be written.
    """
    fd, tmp = _temporary(shown, target)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            _keep_mode(handle.fileno(), target)
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _refuse(shown, f"cannot write: {_reason(exc)}") from None
        raise
    _sync_folder(shown, target.parent)


def _temporary(shown: str | Path, target: Path) -> tuple[int, Path]:
    """A new file beside ``target``, created 0666 so the kernel applies the umask.

    Raises:
        SourceError: the folder does not exist or cannot be written.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
        except FileNotFoundError:
            raise _refuse(shown, "cannot write: no such folder") from None
        except OSError as exc:
            raise _refuse(shown, f"cannot write: {_reason(exc)}") from None
    raise _refuse(shown, "cannot write: no free temporary name")


def _keep_mode(fd: int, target: Path) -> None:
    """Give the new file the permissions of the one it replaces, if there is one."""
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        return
    os.fchmod(fd, mode)


def _sync_folder(shown: str | Path, folder: Path) -> None:
    """Flush the folder, so the rename survives a power cut.

    Raises:
        SourceError: the folder cannot be flushed (a file system that cannot is fine).
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # a folder we may write but not read: the rename is still done
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise _refuse(shown, f"cannot write: {_reason(exc)}") from None
    finally:
        os.close(fd)


def check_output(path: str | Path, inputs: Iterable[str | Path]) -> None:
    """Refuse an output that is one of ``inputs``, a file in an input folder, or inside one.

    Files are compared by device and inode (hard links, symbolic links and
    ``..`` in a name do not hide one) and by their resolved path. Give an
    :class:`Inputs` to check many outputs against the same inputs: each input
    folder is then walked once, not once per output.

    Raises:
        SourceError: ``path`` names an input, or lies inside an input folder.
    """
    found = (inputs if isinstance(inputs, Inputs) else Inputs(inputs)).owner(path)
    if found is not None:
        raise _input(path, found)


class Inputs:
    """A run's inputs, resolved once: what no output of the run may be written over.

    Iterating gives the paths as given.
    """

    def __init__(self, paths: Iterable[str | Path]) -> None:
        self.given = tuple(paths)
        self._resolved = [(Path(os.path.realpath(g)), g) for g in self.given]
        self._ids: dict[tuple[int, int], str | Path] | None = None

    def __iter__(self) -> Iterator[str | Path]:
        return iter(self.given)

    def owner(self, path: str | Path) -> str | Path | None:
        """The input that ``path`` is (by name or by identity) or lies inside; None if none."""
        out = Path(os.path.realpath(path))
        for where, given in self._resolved:
            if out == where or where in out.parents:
                return given
        try:
            out_id = _identity(os.stat(out))
        except OSError:
            return None  # a file that does not exist yet is no input
        return self._identities().get(out_id)

    def _identities(self) -> dict[tuple[int, int], str | Path]:
        """(device, inode) of every input and every file in an input folder, walked once."""
        if self._ids is None:
            self._ids = {}
            for where, given in self._resolved:
                for found in _identities(where):
                    self._ids.setdefault(found, given)
        return self._ids


def _input(path: str | Path, given: str | Path) -> SourceError:
    if Path(given).is_dir():
        return _refuse(path, f"refusing to write inside {given}, an input folder")
    return _refuse(path, f"refusing to overwrite {given}, an input")


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def _identities(where: Path) -> Iterator[tuple[int, int]]:
    """(device, inode) of ``where`` and, for a folder, of every file beneath it."""
    try:
        yield _identity(os.stat(where))
    except OSError:
        return
    if not where.is_dir():
        return
    for folder, _dirs, names in os.walk(where):
        for name in names:
            try:
                yield _identity(os.stat(os.path.join(folder, name)))
            except OSError:
                continue
