"""The command line: ``qualscore validate`` and ``qualscore evaluate``.

The only module that prints and picks exit codes: 0 success, 1 a finding
(reserved for commands that check something), 2 a user error (bad rule set,
bad facts, missing file, an output that would overwrite an input, a standard
output that is closed or whose reader is gone), one ``path:line:col: message``
line per problem.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from types import ModuleType
from typing import TextIO, cast

from qualscore._decimal import exact
from qualscore._version import __version__
from qualscore.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_USER_ERROR,
    OUTPUTS,
    OutputFailed,
    Stdout,
    inputs_of,
    one_line,
)
from qualscore.errors import EvaluationError, Problem, QualscoreError, SourceError

__all__ = ["main", "run_process"]

COMMANDS = ("validate", "evaluate", "batch", "template", "ruletest", "diff", "schema", "new",
            "compile")  # fmt: skip
"""Every subcommand's module in ``qualscore.cli``, in the order ``--help`` lists them: each
adds its own parser (``register``) and does its own work (``command``)."""

NAMES = {"test": "ruletest", "init": "new"}
"""The subcommands named otherwise than their module (the others are their module's name)."""


def _command(name: str) -> ModuleType:
    return import_module(f"qualscore.cli.{name}")


class _Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of exiting, so main() returns 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``argv`` naming a subcommand first, only that one's.

    A subcommand's module is imported to add its parser, and the modules import what
    their commands need: a command run imports its own module alone, while ``--help``, an
    option first or an unknown command imports every one (to list them, or to say which
    there are).
    """
    parser = _Parser(prog="qualscore", description="Score assessment schemes from YAML rules.")
    parser.add_argument("--version", action="version", version=f"qualscore {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    first = argv[0] if argv else None
    chosen = NAMES.get(first, first) if first is not None else None
    for name in (chosen,) if chosen in COMMANDS else COMMANDS:
        _command(name).register(sub)
    return parser


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the command line; return the exit code."""
    given = stdout if stdout is not None else sys.stdout  # None: the process has no stdout
    out = given if isinstance(given, Stdout) else Stdout(given)  # run_process gives its own
    err = stderr or sys.stderr or io.StringIO()  # no stderr: the exit code still tells
    given_argv = list(argv) if argv is not None else sys.argv[1:]
    try:
        args = _parser(given_argv).parse_args(given_argv)
    except _UsageError as exc:
        print(one_line(str(exc)), file=err)
        return EXIT_USER_ERROR
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    return _run(args, out, err)


def _run(args: argparse.Namespace, out: Stdout, err: TextIO) -> int:
    """Run the parsed command; every failure a user can meet told in one line per problem."""
    try:
        with exact():
            _check_outputs(args)
            code = int(args.run(args, out, err))
            out.flush()  # a broken pipe found now, not by the interpreter on its way out
            return code
    except KeyboardInterrupt:
        # Ctrl-C: whatever was being written is a temporary file, removed on the way out.
        print("qualscore: interrupted", file=err)
        return EXIT_INTERRUPTED
    except OutputFailed as exc:
        print(f"qualscore: stdout: {exc.reason}", file=err)
        return EXIT_USER_ERROR
    except SourceError as exc:
        for problem in exc.problems:
            print(one_line(str(problem)), file=err)
        return EXIT_USER_ERROR
    except EvaluationError as exc:
        print(one_line(f"{getattr(args, 'rules', 'qualscore')}: {exc}"), file=err)
        return EXIT_USER_ERROR
    except QualscoreError as exc:
        for line in str(exc).splitlines() or ["qualscore: error"]:
            print(one_line(line), file=err)
        return EXIT_USER_ERROR
    except OSError as exc:
        # A file the modules did not expect to fail (an unreadable folder met
        # by a stat): still the user's environment, still one line, not a traceback.
        where = exc.filename if exc.filename is not None else "qualscore"
        print(one_line(f"{where}: {(exc.strerror or type(exc).__name__).lower()}"), file=err)
        return EXIT_USER_ERROR


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output named over an input or over another output.

    Raises:
        SourceError: an output is an input, lies in an input folder, or is another output.
    """
    named = [(name, getattr(args, name)) for name in OUTPUTS if getattr(args, name, None)]
    if not named:
        return  # nothing written: nothing to import or resolve
    from qualscore.source.files import Inputs, check_output

    inputs = Inputs(inputs_of(args))
    for _, path in named:
        check_output(path, inputs)
    seen: dict[str, str] = {}
    for name, path in named:
        where = os.path.realpath(path)
        if where in seen:
            message = f"--{_flag(name)} is also --{_flag(seen[where])}: one would replace the other"
            raise SourceError([Problem(path, 0, 0, message)])
        seen[where] = name


def _flag(name: str) -> str:
    return name.replace("_", "-")


def run_process() -> int:
    """``main()`` for the ``qualscore`` process itself.

    A standard stream closed when the process starts is opened on the null
    device, so that no file the run opens takes its number (and a write meant
    for it); a closed stdout is still one that nothing can be written to. Once
    writing to stdout has failed (a reader gone), stdout is pointed at the null
    device, so that the interpreter's last flush cannot fail again with
    "Exception ignored ... BrokenPipeError".

    A run stopped by Ctrl-C or SIGTERM has already ended its workers and removed
    its temporary files; it leaves at once (``os._exit``), so that no interpreter
    exit handler can keep it waiting on a worker's queue that will never drain.
    """
    closed = _reserve_standard_streams()
    stdout = Stdout(None if 1 in closed else sys.stdout)
    code = main(stdout=cast(TextIO, stdout), stderr=io.StringIO() if 2 in closed else None)
    if code != 0:  # a run that failed after writing to stdout: its pipe may be broken too
        with contextlib.suppress(OutputFailed):
            stdout.flush()
    if stdout.failed:
        _to_null(1)
    if code in (EXIT_INTERRUPTED, 143):
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                pass  # leaving at once: what could not be written is lost either way
        os._exit(code)
    return code


def _reserve_standard_streams() -> set[int]:
    """Open the null device on each of the descriptors 0, 1, 2 that is closed; return them."""
    closed = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.add(fd)
            _to_null(fd)
    return closed


def _to_null(fd: int) -> None:
    """Point descriptor ``fd`` at the null device."""
    null = os.open(os.devnull, os.O_RDWR)
    if null != fd:
        os.dup2(null, fd)
        os.close(null)
