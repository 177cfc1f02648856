"""``qualscore batch``: stream entities through the scorer into a report.

To CSV the batch streams end to end: the worker processes read, score and
format each entity's line; the lines are written to a scratch file as they
come and only each entity's sort key is kept, so memory does not grow with
the rows' width; the ranked file is then written in one pass and renamed into
place. To XLSX likewise: each row is written to a scratch file as it comes
(:mod:`qualscore.batch.spill`), and the workbook is streamed from the rows
read back in rank order (:mod:`qualscore.report.batch_xlsx`). With the
columnar engine, a CSV's lines of the rows it scores are made column by column,
and every line is kept as columns until it is ranked
(:class:`~qualscore.columnar.batch.Ranking`): a few hundred bytes an entity.
The other formats gather the (compact) rows first. Problems are told on stderr
in input order.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import itertools
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from qualscore.batch.rows import ranks
from qualscore.batch.runner import (
    CohortPass,
    Outcome,
    Shared,
    iter_entities,
    iter_units,
    score_units,
    shown,
    sort_key,
    target_items,
    unique,
    workers,
)
from qualscore.batch.spill import RowFile
from qualscore.catalogue import LANGUAGES
from qualscore.cli.common import jobs, make_console, progress
from qualscore.errors import Problem, SourceError
from qualscore.facts.lists import list_options, load_lists, orphans
from qualscore.facts.targets import load_targets
from qualscore.report import batch as writers
from qualscore.ruleset.loader import RuleSet, load_rules
from qualscore.scoring.cohort import CohortSummary
from qualscore.source.files import write_atomic, write_atomic_chunks

if TYPE_CHECKING:
    from qualscore.report.compare import Previous
    from qualscore.report.history import Year

__all__ = ["run"]

FORMATS = (".json", ".csv", ".xlsx", ".html")
EXIT_TERMINATED = 143
"""SIGTERM, as a shell reports a process ended by it (128 + 15)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that the batch stops like on Ctrl-C."""


def run(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    progress: Callable[[int | None, TextIO, bool], Any],
    console: Callable[[TextIO], Any],
) -> int:
    """Score ``args.inputs`` against ``args.rules``; return the exit code.

    Exit 0 when every entity was scored, 1 when some could not be (each told
    with its file and row), some --per-entity report could not be written or a
    list's table has records of no entity of the batch
    (each told), 2 when none could be scored or --out could not be written
    (an XLSX past a sheet's or a cell's limits among them), 143 on SIGTERM (the
    worker processes ended, no output file left behind). Ctrl-C raises
    KeyboardInterrupt, the workers ended likewise.

    Raises:
        SourceError: the rule set or the target table cannot be read.
    """
    try:
        with _sigterm_interrupts():
            return _run(args, out, err, progress, console)
    except Terminated:
        print("qualscore: terminated", file=err)
        return EXIT_TERMINATED


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` (only the main thread can catch it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    progress: Callable[[int | None, TextIO, bool], Any],
    console: Callable[[TextIO], Any],
) -> int:
    ruleset = load_rules(args.rules)
    jobs = workers(args.jobs)
    if jobs < args.jobs:
        print(f"qualscore: note: --jobs {args.jobs}: {jobs} processes, one per CPU", file=err)
    suffix = Path(args.out).suffix.lower() if args.out else ""
    if args.out and suffix not in FORMATS:
        print(
            shown(
                f"{args.out}: unknown output format {suffix!r} (use .json, .csv, .xlsx or .html)"
            ),
            file=err,
        )
        return 2
    if getattr(args, "bom", False) and suffix != ".csv":  # never silently ignored
        print("qualscore: batch --bom needs --out FILE.csv", file=err)
        return 2
    targets = args.targets
    if targets is None and (Path(args.rules) / "targets.yaml").is_file():
        targets = str(Path(args.rules) / "targets.yaml")
    # --out or --per-entity naming an input: refused before any work (cli.app._check_outputs)
    last = _last_time(args, ruleset, suffix)  # --compare: read and checked before any scoring
    tally = {"failed": 0, "scored": 0}
    language = args.lang or ruleset.manifest.language
    ids = target_items(ruleset)
    if suffix == ".xlsx":  # a scheme too wide for a sheet: told before any scoring
        _fits_xlsx(args.out, lambda: writers.xlsx_plan(writers.build(ruleset, [], ids, language)))
    per_entity = None
    if getattr(args, "per_entity", None):
        if args.per_entity_format == "pdf":
            from qualscore.report.pdf import find_browser

            if find_browser() is None:
                print("qualscore: --per-entity-format pdf needs Chromium (install the "
                      "'chromium' package)", file=err)  # fmt: skip
                return 2
        per_entity = _PerEntity(args, language, targets)
    extra = writers.extra_columns(ruleset)
    lists = tuple(args.lists or ())
    # A bad --list or table is refused before any scoring.
    tables = {}
    if lists:
        tables = load_lists(ruleset.lists, list_options(lists), subsets=ruleset.subsets)
    # The target table too, once: every pass and every worker process is given them.
    shared = Shared(ruleset, load_targets(ruleset, targets) if targets else None, tables)
    seen: set[str] = set()
    cohort: CohortPass | None = None
    summaries: tuple[CohortSummary, ...] = ()
    if ruleset.cohort:  # the passes that work out the cohort values, before the scores
        from qualscore.batch.cohort import cohort_values

        cohort, summaries = cohort_values(
            shared,
            lambda: iter_units(args.inputs),
            jobs=jobs,
            entries=per_entity is not None or suffix == ".xlsx",
        )
    columns = _columnar(args, shared, suffix, per_entity is not None, err)
    if columns is False:
        return 2
    csv_line = writers.CsvLine(bool(ids), extra) if suffix == ".csv" else None
    with progress(_count(args.inputs), err, args.quiet) as advance:
        if columns is not None:
            from qualscore.columnar import batch as columnar

            scored: Iterator[Any] = columnar.unique(columnar.score_inputs(
                columns, shared, args.inputs, jobs=jobs, fingerprints=suffix == ".json",
                csv=csv_line,
            ))  # fmt: skip
        else:
            scored = unique(score_units(
                shared,
                iter_units(args.inputs),
                jobs=jobs,
                detail=suffix == ".xlsx",
                keep=per_entity is not None,
                line=csv_line,
                cohort=cohort,
            ))  # fmt: skip
        stream = _counted(scored, tally, err, advance, per_entity, seen if tables else None)
        kept = RowFile() if suffix == ".xlsx" else None
        if suffix == ".csv":
            _stream_csv(args.out, stream, writers.item_columns(ruleset), bool(ids), extra,
                        bom=getattr(args, "bom", False), columns=columns is not None)  # fmt: skip
            outcomes: list[Outcome] = []
        elif kept is not None:  # its scratch file unnamed: nothing left behind, however it ends
            outcomes = _failures(stream, kept)
        else:
            outcomes = list(stream)
    unused = orphans(tables, seen)
    for problem in unused:  # a record no entity of the batch has: said, by its line
        print(shown(str(problem)), file=err)
    if not tally["scored"]:
        if kept is not None:
            kept.close()
        return 2  # nothing could be scored: a user error, nothing to rank or write
    if suffix != ".csv":
        years: tuple[Year, ...] = ()
        if last:
            names = kept.names() if kept is not None else (o.row.name for o in outcomes if o.row)
            years = _compared(args, ruleset, last, names, err)
        ranked = kept.ranking() if kept is not None else None
        links = per_entity.links(args.out) if per_entity is not None and suffix == ".html" else None
        report = writers.build(ruleset, outcomes, ids, language, None, summaries,
                               ranked=ranked, history=years, links=links)  # fmt: skip
        if suffix:
            with writing_status(err, args.out, language, args.quiet):
                if kept is not None:
                    with kept:
                        _write_xlsx(args.out, report)
                else:
                    render = {".json": writers.to_json, ".html": writers.to_html}[suffix]
                    write_atomic(args.out, render(report))
        else:
            writers.render_terminal(report, make_console(out))
    if tally["failed"]:
        print(
            f"qualscore: {tally['scored']} scored, {tally['failed']} could not be scored", file=err
        )
    if unused:
        records = "1 record" if len(unused) == 1 else f"{len(unused)} records"
        print(f"qualscore: {records} of no entity in this batch, not used", file=err)
    if err.isatty() and not args.quiet:  # the last line on a terminal: what was written
        from qualscore.scoring.words import words

        done = words(language)["written"]
        if per_entity is not None:
            n = per_entity.files.written
            print(shown(f"qualscore: {done} {args.per_entity} ({n})"), file=err)
        if args.out:
            print(shown(f"qualscore: {done} {args.out}"), file=err)
    unwritten = per_entity.files.failed if per_entity is not None else 0
    if unwritten:
        print(f"qualscore: {unwritten} of the --per-entity reports could not be written", file=err)
    return 1 if tally["failed"] or unwritten or unused else 0


def _last_time(
    args: argparse.Namespace, ruleset: RuleSet, suffix: str
) -> tuple[Previous, ...]:
    """``--compare``'s previous batches, read and checked, oldest first (none: not asked for).

    Raises:
        SourceError: --compare-any without --compare, --compare with a .csv, a previous
            document that cannot be read, is not a batch or is another scheme's or later,
            or two previous batches of one year.
    """
    paths = getattr(args, "compare", None) or []
    if isinstance(paths, str):  # one path, as a caller of run() may still give it
        paths = [paths]
    if not paths:
        if getattr(args, "compare_any", False):
            message = "--compare-any needs --compare LAST.json"
            raise SourceError([Problem("qualscore", 0, 0, message)])
        return ()
    if suffix == ".csv":
        message = "--compare: a .csv has no columns for last time (use .json, .xlsx, .html)"
        raise SourceError([Problem(args.out, 0, 0, message)])
    from qualscore.report.compare import check_origin, load
    from qualscore.report.history import ordered

    found = [load(path, batch=True) for path in paths]
    if not getattr(args, "compare_any", False):
        manifest = ruleset.manifest
        for last in found:
            check_origin(last, scheme=ruleset.id, title=manifest.title, year=manifest.year)
    return ordered(found)


def _compared(
    args: argparse.Namespace,
    ruleset: RuleSet,
    last: tuple[Previous, ...],
    names: Iterable[str],
    err: TextIO,
) -> tuple[Year, ...]:
    """The previous batches lined up with the entities scored (``names``); the entities
    new and gone since each told on ``err``, not left as a silent "—".

    Raises:
        SourceError: a previous batch holds none of the entities scored (without
            --compare-any).
    """
    from qualscore.report.history import history

    any_entity = getattr(args, "compare_any", False)
    years, notes = history(last, ruleset, names, any_entity=any_entity)
    for note in notes:
        print(shown(f"qualscore: note: {note}"), file=err)
    return years


def _fits_xlsx(path: str, make: Callable[[], Any]) -> Any:
    """``make()``, an XLSX limit it meets (checked before the workbook is begun) told as a
    problem of ``path``.

    Raises:
        SourceError: a row wider, or a text longer, than an XLSX sheet or cell holds.
    """
    try:
        return make()
    except writers.XlsxLimitError as exc:
        raise SourceError([Problem(path, 0, 0, str(exc))]) from None


def _failures(stream: Iterator[Outcome], kept: RowFile) -> list[Outcome]:
    """The outcomes not scored; every scored row kept in ``kept``, on disk."""
    failures = []
    for outcome in stream:
        if outcome.row is None:
            failures.append(outcome)
        else:
            kept.add(outcome.row)
    return failures


def _write_xlsx(path: str, report: writers.BatchReport) -> None:
    """The workbook streamed into a scratch file, then written to ``path`` in pieces.

    Raises:
        SourceError: the batch does not fit an XLSX workbook (told before it is begun),
            or ``path`` cannot be written.
    """
    from qualscore.report.document import report_date

    with tempfile.TemporaryFile() as book:
        _fits_xlsx(path, lambda: writers.write_xlsx(report, book, report_date(None)))
        book.seek(0)
        write_atomic_chunks(path, iter(lambda: book.read(1 << 20), b""))


def _count(inputs: list[str]) -> int | None:
    """How many entities the inputs name, when that is cheap (no tables to read)."""
    if any(Path(i).suffix.lower() in (".csv", ".xlsx") for i in inputs):
        return None
    return sum(1 for found in iter_entities(inputs) if not isinstance(found, Problem))


@contextlib.contextmanager
def writing_status(err: TextIO, path: str, language: str, quiet: bool) -> Iterator[None]:
    """A spinner naming the file being written, on a terminal only."""
    if quiet or not err.isatty():
        yield
        return
    from rich.console import Console

    from qualscore.report.safe import plain, width
    from qualscore.scoring.words import words

    console = Console(file=err, width=width(err))
    with console.status(plain(shown(f"{words(language)['writing']} {path}"))):
        yield


class _PerEntity:
    """--per-entity: each scored entity's report, rendered once its file name is known.

    The entities' names are read once before scoring (the inputs gone over
    again, not scored), so that every file name is settled from all of them.
    """

    SUFFIX: ClassVar[dict[str, str]] = {
        "html": ".html", "markdown": ".md", "json": ".json", "docx": ".docx", "pdf": ".pdf",
    }  # fmt: skip

    def __init__(self, args: argparse.Namespace, language: str, targets: str | None) -> None:
        from qualscore.batch.reports import PerEntity
        from qualscore.batch.runner import Entity
        from qualscore.cli.common import inputs_of
        from qualscore.report.document import report_date

        self.format = args.per_entity_format
        self.language = language
        self.day = report_date(None)
        names = (e.name for e in iter_entities(args.inputs) if isinstance(e, Entity))
        inputs = [*inputs_of(args), *([targets] if targets else [])]
        self.files = PerEntity(
            args.per_entity, self.SUFFIX[self.format], names, inputs=inputs, out=args.out
        )
        self.done: list[str] = []

    def write(self, outcome: Outcome) -> list[str]:
        """Write the outcome's report; return what to tell of it (a note, a problem)."""
        written = self.files.written
        told = self.files.write(outcome.entity.name, lambda: self._render(outcome))
        if self.files.written > written:  # only a report written is linked to
            self.done.append(outcome.entity.name)
        return told

    def links(self, out: str) -> dict[str, str]:
        """Each report written, by entity: its URL relative to ``out``'s folder, each part
        percent-encoded (an entity's name is the sender's: no ``#``, ``?``, ``:`` or quote
        of it is read as more than a character of a file name)."""
        import os
        from urllib.parse import quote

        base = os.path.dirname(os.path.abspath(out))
        found = {}
        for name in self.done:
            target = os.path.abspath(self.files.folder / self.files.plan[name].file)
            try:
                relative = os.path.relpath(target, base)
            except ValueError:  # another drive (Windows): no relative URL reaches it
                continue
            found[name] = "/".join(quote(part, safe="") for part in relative.split(os.sep))
        return found

    def _render(self, outcome: Outcome) -> str | bytes:
        import dataclasses

        from qualscore.cli.common import render_document

        assert outcome.result is not None
        result = outcome.result
        if result.entity is None:
            result = dataclasses.replace(result, entity=outcome.entity.name)
        return render_document(self.format, result, self.language, day=self.day)


def _counted(
    stream: Iterator[Any],
    tally: dict[str, int],
    err: TextIO,
    advance: Callable[[int], None] | None,
    per_entity: _PerEntity | None = None,
    seen: set[str] | None = None,
) -> Iterator[Any]:
    """The outcomes, each counted (and the columns' :class:`~qualscore.columnar.batch.Lines`,
    each of their rows); every problem told on ``err`` as it comes, in order; each
    entity's name added to ``seen``."""
    try:
        for outcome in stream:
            if isinstance(outcome, Problem):  # an input, or a row of one, that cannot be read
                print(shown(str(outcome)), file=err)
                tally["failed"] += 1
                continue
            if not isinstance(outcome, Outcome):  # the columns' lines: all scored, no report
                if seen is not None:
                    seen.update(outcome.frame["name"].to_list())
                if advance:
                    advance(len(outcome))
                tally["scored"] += len(outcome)
                yield outcome
                continue
            if seen is not None:
                seen.add(outcome.entity.name)
            if advance:
                advance(1)
            if not outcome.scored:
                tally["failed"] += 1
                for line in outcome.problems:
                    print(shown(line), file=err)
            else:
                tally["scored"] += 1
                if per_entity is not None:
                    for line in per_entity.write(outcome):
                        print(line, file=err)
            yield outcome
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()  # a batch that stops early ends its worker processes at once


AUTO_COLUMNS_BYTES = 1024 * 1024
"""``--engine auto`` takes the columns for at least this many bytes of CSV tables (some
1,500 rows of 140 facts): below it, importing Polars and compiling cost more than they
save."""


def _csv_bytes(inputs: list[str]) -> int:
    """How many bytes of CSV tables the inputs name (a file that cannot be read: none)."""
    total = 0
    for given in inputs:
        path = Path(given)
        if path.suffix.lower() == ".csv":
            with contextlib.suppress(OSError):
                total += path.stat().st_size if path.is_file() else 0
    return total


def _columnar(
    args: argparse.Namespace, shared: Shared, suffix: str, explained: bool, err: TextIO
) -> Any:
    """The rule set compiled for the columnar engine, when ``--engine`` and the batch let
    it score: None for the row engine; False when ``--engine columnar`` cannot serve
    (told on ``err``: a usage error).

    ``auto`` takes it for scores-only output of at least :data:`AUTO_COLUMNS_BYTES` of CSV
    tables, and otherwise, or for a rule set with a construct it does not compute, the
    row engine, silently; ``columnar``
    names that construct on ``err`` before the row engine scores.
    """
    engine = getattr(args, "engine", "auto")
    if engine == "row":
        return None
    if engine == "auto" and _csv_bytes(args.inputs) < AUTO_COLUMNS_BYTES:
        return None  # too little for the columns to pay for Polars and compiling
    needs = []
    if explained:
        needs.append("--per-entity reports explain every item")
    if suffix == ".xlsx":
        needs.append("the workbook explains every item")
    if shared.lists:
        needs.append("--list tables")
    if shared.targets is not None:
        needs.append("a target table")
    if needs:
        if engine == "columnar":
            print(f"qualscore: --engine columnar scores only: {'; '.join(needs)} "
                  "(use --engine row)", file=err)  # fmt: skip
            return False
        return None
    try:
        from qualscore.columnar import NotColumnar, compile_columns
    except ImportError:  # Polars missing: the row engine serves
        return None
    try:
        return compile_columns(shared.ruleset)
    except NotColumnar as exc:
        if engine == "columnar":
            print(shown(f"qualscore: note: the columnar engine does not compute "
                        f"{exc.construct}; scored by the row engine"), file=err)  # fmt: skip
        return None


def _stream_csv(
    path: str,
    stream: Iterator[Any],
    items: Any,
    targets: bool,
    extra: Any = (),
    *,
    bom: bool = False,
    columns: bool = False,
) -> None:
    """The outcomes' lines ranked into ``path`` (nothing written when none was scored).

    The row engine's lines go to a scratch file as they come, only their sort keys kept;
    with ``columns``, every line is kept as columns (:class:`~qualscore.columnar.batch.Ranking`),
    the columns' :class:`~qualscore.columnar.batch.Lines` as they come."""
    line_of = writers.CsvLine(targets, tuple(extra))
    head = writers.csv_head(items, targets, extra).encode("utf-8")
    if bom:  # Excel reads it as UTF-8
        head = codecs.BOM_UTF8 + head
    if columns:
        from qualscore.columnar.batch import Lines, Ranking

        ranking = Ranking()
        for outcome in stream:
            if isinstance(outcome, Lines):
                ranking.add_lines(outcome)
            elif (found := _line(outcome, line_of)) is not None:
                ranking.add(*found)
        if len(ranking):
            write_atomic_chunks(path, itertools.chain([head], ranking.ranked()))
        return
    with tempfile.TemporaryFile() as scratch:
        keys = []
        for outcome in stream:
            found = _line(outcome, line_of)
            if found is not None:
                key, line = found
                keys.append((*key, scratch.tell(), len(line)))
                scratch.write(line)
        if not keys:
            return
        keys.sort()

        def ranked() -> Iterator[bytes]:
            yield head
            places = ranks(k[:4] for k in keys)  # the one rank rule: ties, each group apart
            for rank, (*_key, offset, length) in zip(places, keys, strict=True):
                scratch.seek(offset)
                yield f"{rank},".encode() + scratch.read(length)

        write_atomic_chunks(path, ranked())


def _line(
    outcome: Outcome, line_of: writers.CsvLine
) -> tuple[tuple[str, bool, Decimal, str], bytes] | None:
    """A scored outcome's sort key and CSV line (without its rank); None if not scored."""
    if outcome.line is not None and outcome.key is not None:  # formatted by a worker
        return outcome.key, outcome.line
    if outcome.row is not None:
        return sort_key(outcome.row), line_of(outcome.row)
    return None


def register(sub: Any) -> None:
    """Add ``qualscore batch`` to the subcommands."""
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
    batch.add_argument(
        "--list",
        dest="lists",
        action="append",
        metavar="KEY=TABLE",
        help="a list of records from its own CSV/XLSX table: an 'entity' column, the "
        "list's fields, optionally supplier, evidence and note; one row per record "
        "(repeat for each list)",
    )
    batch.add_argument("--out", metavar="FILE", help="write .json, .csv, .xlsx or .html")
    batch.add_argument(
        "--bom",
        action="store_true",
        help="start a .csv with a UTF-8 byte order mark, so that Excel (a Chinese Windows "
        "one too) opens it as UTF-8",
    )
    batch.add_argument(
        "--engine",
        choices=("auto", "row", "columnar"),
        default="auto",
        help="how to score: 'row' (one entity at a time: every output), 'columnar' (whole "
        "CSV tables at once, on Polars: scores only, no --per-entity, no .xlsx), 'auto' "
        "(columnar where it serves, else row; the default). With 'columnar', a rule the "
        "columnar engine does not compute is named, and the row engine scores",
    )
    batch.add_argument(
        "--jobs",
        type=jobs,
        default=1,
        metavar="N",
        help="score in N processes (at most one per CPU)",
    )
    batch.add_argument(
        "--compare",
        action="append",
        metavar="LAST.json",
        help="compare with a previous batch .json: each entity's total and rank then, and "
        "each item's score then and now (an item renumbered since, matched as 'qualscore "
        "diff' does); repeat for several years, ordered by their years, for each entity's "
        "totals over them (not in a .csv); a batch of another scheme (years aside) or "
        "holding none of these entities is refused, and the entities new and gone are named",
    )
    batch.add_argument(
        "--compare-any",
        action="store_true",
        help="with --compare: compare even with a batch of another scheme or of other "
        "entities",
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
    batch.add_argument("--lang", choices=tuple(LANGUAGES))
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.set_defaults(run=command)


def command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return run(
        args,
        out,
        err,
        lambda total, stream, quiet: progress(total, stream, quiet=quiet),
        make_console,
    )
