"""``qualscore evaluate``: score one entity and report it in a format."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from qualscore.catalogue import LANGUAGES
from qualscore.cli.common import (
    EXIT_OK,
    EXIT_USER_ERROR,
    make_console,
    positive,
    render_document,
    write,
)

if TYPE_CHECKING:
    from qualscore.report.compare import Comparison
    from qualscore.scoring.trace import Result

__all__ = ["command", "register"]


def register(sub: Any) -> None:
    """Add ``qualscore evaluate`` to the subcommands."""
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
        type=positive,
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
        "each item's change, the total's and the rank's; a result of another scheme "
        "(years aside: rugao-2019 compares with rugao-2018), of another entity or of a "
        "later year is refused",
    )
    evaluate.add_argument(
        "--compare-any",
        action="store_true",
        help="with --compare: compare even with a result of another scheme, entity or a "
        "later year (or a batch's only entity, whatever its name); the report names it",
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
        "--list",
        dest="lists",
        action="append",
        metavar="KEY=TABLE",
        help="a list of records from its own CSV/XLSX table: the list's fields as columns, "
        "optionally supplier, evidence and note; one row per record (repeat for each list)",
    )
    evaluate.add_argument(
        "--cohort",
        metavar="FILE",
        help="the entity's cohort values (YAML: key: value), for a rule set that scores "
        "entities against each other; qualscore batch computes them itself",
    )
    evaluate.add_argument(
        "--view",
        choices=("scores", "headroom", "departments", "all"),
        default="scores",
        help="what the table shows (table format only)",
    )
    evaluate.add_argument(
        "--lang",
        choices=tuple(LANGUAGES),
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
        help="explain one item or veto in full (repeatable; 'all' for every item and veto)",
    )
    evaluate.set_defaults(run=command)


def command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.facts.check import load_facts
    from qualscore.facts.lists import list_options
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
    if args.compare_any and not args.compare:
        print("qualscore: --compare-any needs --compare LAST.json", file=err)
        return EXIT_USER_ERROR
    import os

    from qualscore.report.dates import report_date

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
    lists = dict(list_options(args.lists)) if args.lists else None
    facts = load_facts(ruleset, args.facts, targets=targets, lists=lists)
    cohort = None
    if args.cohort is not None:
        from qualscore.scoring.together import load_cohort

        cohort = load_cohort(ruleset, args.cohort)
    result = evaluate(ruleset, facts, cohort=cohort)
    vetoes = {v.id: v for v in result.vetoes}
    ids = [i.id for i in result.items] + list(vetoes)
    wanted = ids if "all" in args.explain else args.explain
    unknown = [i for i in wanted if i not in ids]
    if unknown:
        from qualscore.source.suggest import hint

        noun = "item or veto" if vetoes else "item"
        print(f"qualscore: --explain: no {noun} {unknown[0]!r}{hint(unknown[0], ids)}",
              file=err)  # fmt: skip
        return EXIT_USER_ERROR
    language = args.lang or result.language
    comparison = None
    if args.compare:
        comparison = _comparison(args, result)
    if args.format != "table":
        import contextlib

        writing: Any = contextlib.nullcontext()
        if args.out:
            from qualscore.cli.batch import writing_status

            writing = writing_status(err, args.out, language, False)
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
        code = write(args.out, document, out, inputs=(args.rules, args.facts))
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
        render_veto,
    )

    console = make_console(out)
    if wanted:
        for node_id in wanted:
            if node_id in vetoes:  # ids are unique across items and vetoes (loader)
                render_veto(result, vetoes[node_id], console, language)
            else:
                render_item(result, result.item(node_id), console, language)
        if comparison is not None:  # asked for with the explanations: shown, not dropped
            from qualscore.report.terminal import render_comparison

            render_comparison(comparison, console, language)
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


def _comparison(args: argparse.Namespace, result: Result) -> Comparison:
    """The result against ``--compare``'s document: of the same scheme, entity and no later
    year unless ``--compare-any``.

    Raises:
        SourceError: the document cannot be read, is not a qualscore result, or is
            another's (each in one line).
    """
    from qualscore.report.compare import check_origin, compare, load
    from qualscore.source.text import name_text

    previous = load(args.compare)
    if not args.compare_any:
        check_origin(previous, scheme=result.ruleset_id, title=result.title,
                     year=result.year, entity=result.entity)  # fmt: skip
    name = name_text(Path(args.facts).stem)  # as batch names the facts file
    return compare(result, previous, entity=name, any_entity=args.compare_any)
