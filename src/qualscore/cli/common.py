"""What the subcommands share: exit codes, one-line messages, writing outputs, the
console and the progress bar."""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

    from qualscore.scoring.trace import Result

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USER_ERROR",
    "INPUTS",
    "OUTPUTS",
    "OutputFailed",
    "Stdout",
    "inputs_of",
    "jobs",
    "make_console",
    "one_line",
    "positive",
    "progress",
    "render_document",
    "write",
]

EXIT_OK = 0
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
"""Ctrl-C, as a shell reports a process ended by SIGINT."""

INPUTS = ("rules", "facts", "inputs", "targets", "compare", "cohort")
"""The arguments, in any command, that name its input files and folders."""
OUTPUTS = ("out", "per_entity")
"""The arguments that name what a command writes: never over an input, nor over each other."""


def inputs_of(args: argparse.Namespace) -> list[str]:
    """Every input file and folder the command's arguments name (:data:`INPUTS`)."""
    found: list[str] = []
    for name in INPUTS:
        value = getattr(args, name, None)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found += [v for v in value if isinstance(v, str)]
    return found


def one_line(text: str) -> str:
    """A message as one line: a line break or control character from the input shown escaped."""
    from qualscore.report.safe import visible_line

    return visible_line(text)


class OutputFailed(Exception):
    """Standard output could not be written: closed, a reader gone (broken pipe), a full disk.

    Attributes:
        reason: What went wrong, lowercase (``broken pipe``).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Stdout(io.TextIOBase):
    """Standard output as the commands write to it: every failure raises :class:`OutputFailed`.

    Without it a closed stdout (``>&-``, which Python gives as ``None``) is written to
    nowhere, silently, by rich; and a broken pipe is either a traceback or, inside rich,
    a silent exit 1. ``failed`` says whether a write failed, so that the process can
    point its stdout at the null device before the interpreter flushes it on exit.
    """

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self.stream = stream  # None: closed
        self.failed = False

    def write(self, text: str) -> int:
        if self.stream is None:
            if text:
                self._fail("closed")
            return len(text)
        try:
            return self.stream.write(text)
        except (OSError, ValueError) as exc:  # ValueError: a stream Python has closed
            self._fail(exc)
        raise AssertionError("unreachable")  # pragma: no cover

    def flush(self) -> None:
        if self.stream is None:
            return
        try:
            self.stream.flush()
        except (OSError, ValueError) as exc:
            self._fail(exc)

    def isatty(self) -> bool:
        return self.stream is not None and self.stream.isatty()

    def fileno(self) -> int:
        if self.stream is None:
            raise io.UnsupportedOperation("stdout is closed")
        return self.stream.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]  # a plain attribute in typeshed
        return getattr(self.stream, "encoding", None) or "utf-8"

    def _fail(self, why: Exception | str) -> None:
        """Raises: OutputFailed, always."""
        self.failed = True
        if isinstance(why, str):
            raise OutputFailed(why)
        if isinstance(why, OSError):
            raise OutputFailed((why.strerror or type(why).__name__).lower()) from None
        raise OutputFailed("closed") from None


def progress(total: int | None, err: TextIO, *, quiet: bool) -> Any:
    """A context giving an advance(n) callback: a rich bar on a terminal, else nothing.

    No bar for a handful of entities (a known ``total`` under 50), with ``quiet``,
    or when ``err`` is not a terminal.
    """
    import contextlib

    if quiet or (total is not None and total < 50) or not err.isatty():
        return contextlib.nullcontext(None)

    @contextlib.contextmanager
    def bar() -> Iterator[Callable[[int], None]]:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            Task,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        from qualscore.report.safe import width

        class Rate(ProgressColumn):
            def render(self, task: Task) -> Text:
                speed = task.finished_speed or task.speed
                return Text("" if speed is None else f"{speed:,.1f}/s", style="progress.data.speed")

        console = Console(file=err, width=width(err))
        columns: list[ProgressColumn] = [TextColumn("{task.description}"), BarColumn()]
        columns += [MofNCompleteColumn(), Rate(), TimeElapsedColumn()]
        if total is not None:
            columns.append(TimeRemainingColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("scoring", total=total)
            yield lambda n: progress.advance(task, n)

    return bar()


def render_document(
    fmt: str,
    result: Result,
    language: str,
    *,
    day: str,
    summary_only: bool = False,
    comparison: Any = None,
    dated: bool = True,
) -> str | bytes:
    if fmt == "docx":
        from qualscore.report.docx import to_docx

        return to_docx(
            result, language, report_day=day, summary_only=summary_only, comparison=comparison
        )
    if fmt == "json":
        from qualscore.report.data import to_json

        return to_json(result, language, comparison)
    if fmt == "markdown":
        from qualscore.report.markdown import to_markdown

        return to_markdown(result, language, comparison)
    from qualscore.report.html import to_html

    html = to_html(
        result,
        language,
        report_day=day if fmt == "pdf" or dated else None,
        summary_only=summary_only,
        comparison=comparison,
    )
    if fmt == "pdf":
        from qualscore.report.pdf import to_pdf

        return to_pdf(html, day)
    return html


def write(path: str | None, text: str | bytes, out: TextIO, *, inputs: Sequence[str] = ()) -> int:
    """Write ``text`` to ``path``, or to ``out`` without one.

    Raises:
        SourceError: ``path`` is one of ``inputs`` or cannot be written.
    """
    if path is None:
        assert isinstance(text, str)
        out.write(text)
        return EXIT_OK
    from qualscore.source.files import write_atomic

    write_atomic(path, text, inputs=inputs)
    return EXIT_OK


def make_console(out: TextIO) -> Console:
    """A rich console on ``out``, its width bounded whatever ``COLUMNS`` says."""
    from qualscore.report.safe import console

    return console(out)


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def jobs(text: str) -> int:
    """A ``--jobs`` value: a whole number, at least 1.

    Raises:
        argparse.ArgumentTypeError: anything else (the parser makes it exit 2).
    """
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {jobs}")
    return jobs
