"""The command line: ``qualscore validate`` and ``qualscore evaluate``.

The only module that prints and picks exit codes: 0 success, 1 a finding
(reserved for commands that check something), 2 a user error (bad rule set,
bad facts, missing file), one ``path:line:col: message`` line per problem.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from qualscore._decimal import exact
from qualscore._version import __version__
from qualscore.cli import batch, diff, evaluate, new, ruletest, schema, template, validate
from qualscore.cli import compile as compile_
from qualscore.cli.common import EXIT_INTERRUPTED, EXIT_USER_ERROR, one_line
from qualscore.errors import EvaluationError, QualscoreError, SourceError

__all__ = ["main", "run_process"]

COMMANDS = (validate, evaluate, batch, template, ruletest, diff, schema, new, compile_)
"""Every subcommand's module, in the order ``--help`` lists them: each adds its own parser
(``register``) and does its own work (``command``)."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of exiting, so main() returns 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qualscore", description="Score assessment schemes from YAML rules.")
    parser.add_argument("--version", action="version", version=f"qualscore {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the command line; return the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = _parser().parse_args(list(argv) if argv is not None else None)
    except _UsageError as exc:
        print(one_line(str(exc)), file=err)
        return EXIT_USER_ERROR
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    try:
        with exact():
            return int(args.run(args, out, err))
    except KeyboardInterrupt:
        # Ctrl-C: whatever was being written is a temporary file, removed on the way out.
        print("qualscore: interrupted", file=err)
        return EXIT_INTERRUPTED
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


def run_process() -> int:
    """``main()`` for the ``qualscore`` process itself.

    A run stopped by Ctrl-C or SIGTERM has already ended its workers and removed
    its temporary files; it leaves at once (``os._exit``), so that no interpreter
    exit handler can keep it waiting on a worker's queue that will never drain.
    """
    import os

    code = main()
    if code in (EXIT_INTERRUPTED, 143):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
