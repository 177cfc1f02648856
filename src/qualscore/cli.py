"""The command line: ``qualscore validate`` and ``qualscore evaluate``.

The only module that prints and picks exit codes: 0 success, 1 a finding
(reserved for commands that check something), 2 a user error (bad rule set,
bad facts, missing file), one ``path:line:col: message`` line per problem.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from ._version import __version__
from .errors import EvaluationError, QualscoreError, SourceError

if TYPE_CHECKING:
    from rich.console import Console

    from .trace import Result

__all__ = ["main"]

EXIT_OK = 0
EXIT_USER_ERROR = 2


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
    validate = sub.add_parser("validate", help="check a rule set; print its errors and warnings")
    validate.add_argument("rules", help="the rule-set folder")
    validate.set_defaults(run=_validate)
    evaluate = sub.add_parser("evaluate", help="score one entity's facts")
    evaluate.add_argument("rules", help="the rule-set folder")
    evaluate.add_argument("facts", help="the facts file (YAML or JSON)")
    evaluate.add_argument(
        "--format", choices=("table", "json", "markdown", "html"), default="table"
    )
    evaluate.add_argument(
        "--view",
        choices=("scores", "headroom", "departments", "all"),
        default="scores",
        help="what the table shows (table format only)",
    )
    evaluate.add_argument(
        "--lang",
        choices=("zh", "en"),
        help="language of the engine's own words (default: the rule set's)",
    )
    evaluate.add_argument(
        "--out", metavar="FILE", help="write the report to FILE instead of stdout"
    )
    evaluate.add_argument(
        "--explain",
        metavar="ID",
        action="append",
        default=[],
        help="explain one item in full (repeatable; 'all' for every item)",
    )
    evaluate.set_defaults(run=_evaluate)
    # Each further command: a parser here, set_defaults(run=...), its work in its own module.
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
        print(exc, file=err)
        return EXIT_USER_ERROR
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    try:
        return int(args.run(args, out, err))
    except SourceError as exc:
        for problem in exc.problems:
            print(problem, file=err)
        return EXIT_USER_ERROR
    except EvaluationError as exc:
        print(f"{args.rules}: {exc}", file=err)
        return EXIT_USER_ERROR
    except QualscoreError as exc:
        print(exc, file=err)
        return EXIT_USER_ERROR


def _validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .lint import lint
    from .loader import load_rules

    ruleset = load_rules(args.rules)
    warnings = lint(ruleset)
    for warning in warnings:
        print(warning, file=err)
    items = sum(1 for _ in ruleset.items())
    print(
        f"{ruleset.path}: ok: {items} items, {len(ruleset.facts)} facts, "
        f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}",
        file=out,
    )
    return EXIT_OK


def _evaluate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .engine import evaluate
    from .facts import load_facts
    from .loader import load_rules

    ruleset = load_rules(args.rules)
    facts = load_facts(ruleset, args.facts)
    result = evaluate(ruleset, facts)
    ids = [i.id for i in result.items()]
    wanted = ids if "all" in args.explain else args.explain
    unknown = [i for i in wanted if i not in ids]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], ids, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        print(f"qualscore: --explain: no item {unknown[0]!r}{hint}", file=err)
        return EXIT_USER_ERROR
    language = args.lang or result.language
    if args.format != "table":
        return _write(args.out, _document(args.format, result, language), out)
    from .report.terminal import render_departments, render_headroom, render_item, render_table

    console = _console(out)
    if wanted:
        for item_id in wanted:
            render_item(result, result.item(item_id), console, language)
        return EXIT_OK
    if args.view in ("scores", "all"):
        render_table(result, console, language)
    if args.view in ("headroom", "all"):
        render_headroom(result, console, language)
    if args.view in ("departments", "all"):
        render_departments(result, console, language)
    return EXIT_OK


def _document(fmt: str, result: Result, language: str) -> str:
    if fmt == "json":
        from .report.data import to_json

        return to_json(result, language)
    if fmt == "markdown":
        from .report.markdown import to_markdown

        return to_markdown(result, language)
    from .report.html import to_html

    return to_html(result, language)


def _write(path: str | None, text: str, out: TextIO) -> int:
    if path is None:
        out.write(text)
        return EXIT_OK
    from ._files import write_atomic

    write_atomic(path, text)
    return EXIT_OK


def _console(out: TextIO) -> Console:
    from rich.console import Console

    width = None if out.isatty() else int(os.environ.get("COLUMNS", "80"))
    return Console(file=out, width=width, highlight=False, soft_wrap=False)
