"""The command line: ``qualscore validate`` and ``qualscore evaluate``.

The only module that prints and picks exit codes: 0 success, 1 a finding
(reserved for commands that check something), 2 a user error (bad rule set,
bad facts, missing file), one ``path:line:col: message`` line per problem.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from qualscore._decimal import exact
from qualscore._version import __version__
from qualscore.errors import EvaluationError, QualscoreError, SourceError

if TYPE_CHECKING:
    from rich.console import Console

    from qualscore.scoring.trace import Result

__all__ = ["main"]

EXIT_OK = 0
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
"""Ctrl-C, as a shell reports a process ended by SIGINT."""


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
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 2)")
    validate.set_defaults(run=_validate)
    evaluate = sub.add_parser("evaluate", help="score one entity's facts")
    evaluate.add_argument("rules", help="the rule-set folder")
    evaluate.add_argument("facts", help="the facts file (YAML or JSON)")
    evaluate.add_argument(
        "--format",
        choices=("table", "json", "markdown", "html", "docx", "pdf"),
        default="table",
        help="docx and pdf need --out; pdf is the HTML printed by Chromium",
    )
    evaluate.add_argument(
        "--limit",
        type=_positive,
        default=15,
        metavar="N",
        help="the headroom view lists the first N ways to earn more (default 15)",
    )
    evaluate.add_argument(
        "--all", action="store_true", help="the headroom view lists every way to earn more"
    )
    evaluate.add_argument(
        "--compare",
        metavar="LAST.json",
        help="compare with a previous --format json output (or a batch .json): "
        "each item's change, the total's and the rank's",
    )
    evaluate.add_argument(
        "--summary-only",
        action="store_true",
        help="html, docx, pdf: the cover and the summary page only",
    )
    evaluate.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="the report's date on the cover (default: SOURCE_DATE_EPOCH, else today)",
    )
    evaluate.add_argument(
        "--targets",
        metavar="TABLE",
        help="per-entity targets, found by the facts file's entity name (YAML, CSV or XLSX); "
        "default: RULES/targets.yaml if present",
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
    batch = sub.add_parser(
        "batch", help="score many entities; rank them; write JSON, CSV, XLSX or HTML"
    )
    batch.add_argument("rules", help="the rule-set folder")
    batch.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="facts files, folders of them, or CSV/XLSX tables with an 'entity' column",
    )
    batch.add_argument(
        "--targets",
        metavar="TABLE",
        help="per-entity targets (YAML, CSV or XLSX); default: RULES/targets.yaml if present",
    )
    batch.add_argument("--out", metavar="FILE", help="write .json, .csv, .xlsx or .html")
    batch.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="score in N processes (at most one per CPU)",
    )
    batch.add_argument(
        "--compare",
        metavar="LAST.json",
        help="compare with a previous batch .json: each entity's total and rank then",
    )
    batch.add_argument(
        "--per-entity",
        metavar="DIR",
        help="also write one report per entity into DIR (see --per-entity-format)",
    )
    batch.add_argument(
        "--per-entity-format",
        choices=("html", "markdown", "json", "docx", "pdf"),
        default="html",
        help="the format of --per-entity reports (default: html)",
    )
    batch.add_argument("--lang", choices=("zh", "en"))
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.set_defaults(run=_batch)
    template = sub.add_parser("template", help="write a facts template for departments to fill in")
    template.add_argument("rules", help="the rule-set folder")
    template.add_argument("--format", choices=("yaml", "csv", "xlsx"), default="yaml")
    template.add_argument("--out", metavar="FILE", help="write to FILE (needed for xlsx)")
    template.add_argument(
        "--entity",
        metavar="NAME",
        help="only the facts of what applies to this entity, or to this group of entities",
    )
    template.set_defaults(run=_template)
    ruletest = sub.add_parser(
        "test", help="run a rule set's test cases; report failures and tier coverage"
    )
    ruletest.add_argument("rules", help="the rule-set folder")
    ruletest.add_argument(
        "tests", nargs="*", metavar="TESTS", help="test files or folders (default: RULES/tests)"
    )
    ruletest.add_argument(
        "--min-coverage",
        metavar="P",
        type=_min_coverage,
        help="fail when fewer than P %% of the branches are reached",
    )
    ruletest.set_defaults(run=_ruletest)
    diff = sub.add_parser("diff", help="what changed between two rule sets, and its impact")
    diff.add_argument("rules_a", metavar="RULES_A", help="the earlier rule-set folder")
    diff.add_argument("rules_b", metavar="RULES_B", help="the later rule-set folder")
    diff.add_argument(
        "--facts",
        nargs="+",
        default=[],
        metavar="FILE",
        help="score these facts files under both rule sets, side by side",
    )
    diff.add_argument("--format", choices=("table", "markdown"), default="table")
    diff.set_defaults(run=_diff)
    schema = sub.add_parser("schema", help="write the JSON Schema of rule and test files")
    schema.add_argument(
        "kind", nargs="?", choices=("ruleset", "facts", "category", "tests"), help="one kind only"
    )
    schema.add_argument("--out", metavar="DIR", help="write KIND.schema.json files into DIR")
    schema.add_argument(
        "--check", action="store_true", help="with --out: exit 1 if a file there is out of date"
    )
    schema.set_defaults(run=_schema)
    new = sub.add_parser("new", help="copy a rule set to a new year, its tests kept")
    new.add_argument("rules_from", metavar="RULES_FROM", help="the rule-set folder to copy")
    new.add_argument("rules_to", metavar="RULES_TO", help="the new folder (must not exist)")
    new.add_argument("--year", type=int, required=True, help="the new rule set's year")
    new.set_defaults(run=_new)
    init = sub.add_parser("init", help="start a new scheme: empty, or a copy of the demo")
    init.add_argument("rules_from", metavar="RULES", help="the new folder (must not exist)")
    init.add_argument("--year", type=int, required=True, help="the scheme's year")
    init.add_argument("--id", help="the scheme's id (default: the folder's name)")
    init.add_argument(
        "--start",
        choices=("empty", "demo"),
        default="empty",
        help="one item to replace (empty), or a copy of the demo scheme (examples/demo)",
    )
    init.set_defaults(run=_new, rules_to=None)
    compile_ = sub.add_parser(
        "compile", help="print the Python a rule set is compiled to: exactly what scores it"
    )
    compile_.add_argument("rules", help="the rule-set folder")
    compile_.add_argument(
        "--traced",
        action="store_true",
        help="the variant evaluate runs (scores and trace records), not the scores-only one",
    )
    compile_.set_defaults(run=_compile)
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
        print(_one_line(str(exc)), file=err)
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
            print(_one_line(str(problem)), file=err)
        return EXIT_USER_ERROR
    except EvaluationError as exc:
        print(_one_line(f"{getattr(args, 'rules', 'qualscore')}: {exc}"), file=err)
        return EXIT_USER_ERROR
    except QualscoreError as exc:
        for line in str(exc).splitlines() or ["qualscore: error"]:
            print(_one_line(line), file=err)
        return EXIT_USER_ERROR
    except OSError as exc:
        # A file the modules did not expect to fail (an unreadable folder met
        # by a stat): still the user's environment, still one line, not a traceback.
        where = exc.filename if exc.filename is not None else "qualscore"
        print(_one_line(f"{where}: {(exc.strerror or type(exc).__name__).lower()}"), file=err)
        return EXIT_USER_ERROR


def _one_line(text: str) -> str:
    """A message as one line: a line break or control character from the input shown escaped."""
    from qualscore.report.safe import visible_line

    return visible_line(text)


def _validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import io

    from qualscore import _cache

    key = _cache.key("validate", args.rules, "--strict" if args.strict else "")
    hit = _cache.get(key) if key is not None else None
    if hit is not None:  # the same files and the same engine: the same findings
        out.write(hit.out)
        err.write(hit.err)
        return hit.code
    found_out, found_err = io.StringIO(), io.StringIO()
    code = _validate_now(args, found_out, found_err)
    out.write(found_out.getvalue())
    err.write(found_err.getvalue())
    if key is not None:
        _cache.put(key, _cache.Entry(found_out.getvalue(), found_err.getvalue(), code))
    return code


def _validate_now(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.lint.checks import lint
    from qualscore.ruleset.loader import load_rules
    from qualscore.scoring.words import count

    ruleset = load_rules(args.rules)
    warnings = lint(ruleset)
    if args.strict and warnings:
        for warning in warnings:
            line = f"{warning.location}: error: {warning.node}: {warning.message}"
            print(_one_line(line), file=err)
        many = count(len(warnings), "warning")
        print(_one_line(f"{ruleset.path}: {many}, errors under --strict"), file=err)
        return EXIT_USER_ERROR
    for warning in warnings:
        print(_one_line(str(warning)), file=err)
    items = sum(1 for _ in ruleset.items())
    print(
        f"{ruleset.path}: ok: {count(items, 'item')}, {count(len(ruleset.facts), 'fact')}, "
        f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}",
        file=out,
    )
    return EXIT_OK


def _evaluate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.facts.check import load_facts
    from qualscore.ruleset.loader import load_rules
    from qualscore.scoring.engine import evaluate

    if args.out and args.format == "table":  # --out is never silently ignored
        print("qualscore: evaluate --out needs --format json, markdown, html, docx or pdf",
              file=err)  # fmt: skip
        return EXIT_USER_ERROR
    if args.format in ("docx", "pdf") and not args.out:
        print(f"qualscore: --format {args.format} needs --out FILE", file=err)
        return EXIT_USER_ERROR
    if args.summary_only and args.format not in ("html", "docx", "pdf"):
        print("qualscore: --summary-only needs --format html, docx or pdf", file=err)
        return EXIT_USER_ERROR
    import os

    from qualscore.report.document import report_date

    # HTML shows a date only when given (the same facts give the same page every day);
    # a DOCX or PDF always has one: --date, else SOURCE_DATE_EPOCH, else today.
    dated = bool(args.date or os.environ.get("SOURCE_DATE_EPOCH")) or args.format in ("docx", "pdf")
    try:
        day = report_date(args.date)
    except ValueError:
        print(f"qualscore: --date: not a date (YYYY-MM-DD): {args.date!r}", file=err)
        return EXIT_USER_ERROR
    ruleset = load_rules(args.rules)
    targets = None
    path = args.targets
    if path is None and any(d.role == "target" for d in ruleset.facts):
        default = Path(args.rules) / "targets.yaml"
        path = str(default) if default.is_file() else None
    if path is not None:
        from qualscore.facts.targets import load_targets

        targets = load_targets(ruleset, path)
    facts = load_facts(ruleset, args.facts, targets=targets)
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
    comparison = None
    if args.compare:
        from qualscore.report.compare import compare, load

        comparison = compare(result, load(args.compare), entity=Path(args.facts).stem)
    if args.format != "table":
        import contextlib

        from qualscore.cli.batch import writing_status

        writing = (
            writing_status(err, args.out, language, False) if args.out else contextlib.nullcontext()
        )
        try:
            with writing:
                document = render_document(
                    args.format,
                    result,
                    language,
                    day=day,
                    summary_only=args.summary_only,
                    comparison=comparison,
                    dated=dated,
                )
        except RuntimeError as exc:  # PdfError: no browser, or it failed
            print(f"qualscore: {exc}", file=err)
            return EXIT_USER_ERROR
        code = _write(args.out, document, out, inputs=(args.rules, args.facts))
        if args.out and err.isatty():
            from qualscore.report.safe import visible_line
            from qualscore.scoring.words import words

            print(f"qualscore: {words(language)['written']} {visible_line(args.out)}", file=err)
        return code
    from qualscore.report.terminal import (
        render_departments,
        render_headroom,
        render_item,
        render_table,
    )

    console = _console(out)
    if wanted:
        for item_id in wanted:
            render_item(result, result.item(item_id), console, language)
        return EXIT_OK
    if args.view in ("scores", "all"):
        render_table(result, console, language)
    if comparison is not None:
        from qualscore.report.terminal import render_comparison

        render_comparison(comparison, console, language)
    if args.view in ("headroom", "all"):
        render_headroom(result, console, language, None if args.all else args.limit)
    if args.view in ("departments", "all"):
        render_departments(result, console, language)
    return EXIT_OK


def _batch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.cli.batch import run

    return run(
        args, out, err, lambda total, stream, quiet: _progress(total, stream, quiet=quiet), _console
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def _jobs(text: str) -> int:
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


def _min_coverage(text: str) -> Any:
    from qualscore.analyst.ruletest import min_coverage

    return min_coverage(text)


def _ruletest(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.analyst.ruletest import command

    return command(args, out, err)


def _diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.cli.diff import command

    return command(args, out, err)


def _schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.analyst.schema import command

    return command(args, out, err)


def _new(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.analyst.newyear import command

    return command(args, out, err)


def _template(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.report import template
    from qualscore.ruleset.loader import load_rules

    ruleset = load_rules(args.rules)
    if args.entity is not None:
        names = {*ruleset.entities(), *(g.id for g in ruleset.manifest.groups)}
        if args.entity not in names:
            import difflib

            close = difflib.get_close_matches(args.entity, sorted(names), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            what = "no entity or group" if names else "the rule set declares no groups, so no"
            print(f"qualscore: template --entity: {what} {args.entity!r}{hint}", file=err)
            return EXIT_USER_ERROR
    ruleset, entity = template.for_entity(ruleset, args.entity)
    if args.format == "xlsx":
        if not args.out:
            print("qualscore: template --format xlsx needs --out FILE", file=err)
            return EXIT_USER_ERROR
        from qualscore.source.files import write_atomic

        write_atomic(args.out, template.to_xlsx(ruleset, entity), inputs=(args.rules,))
        return EXIT_OK
    text = (
        template.to_yaml(ruleset, entity)
        if args.format == "yaml"
        else template.to_csv(ruleset, entity)
    )
    return _write(args.out, text, out, inputs=(args.rules,))


def _compile(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.ruleset.loader import load_rules
    from qualscore.scoring import plan

    out.write(plan(load_rules(args.rules)).source(args.traced))
    return EXIT_OK


def _progress(total: int | None, err: TextIO, *, quiet: bool) -> Any:
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


def _write(
    path: str | None, text: str | bytes, out: TextIO, *, inputs: Sequence[str] = ()
) -> int:
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


def _console(out: TextIO) -> Console:
    from qualscore.report.safe import console

    return console(out)
