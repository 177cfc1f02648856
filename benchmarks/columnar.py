"""The columnar engine on one machine: rugao-2018 entities from one CSV table, scored whole.

Writes ``--entities`` seeded random rugao-2018 entities (``entities.py``: valid facts,
the scheme's edges often) as one CSV table, then, in a fresh process (so that its peak
memory is the scoring's alone), times each step the batch would take with
``--engine columnar``:

- **compile**: the rule set loaded and compiled to column expressions;
- **read + check + score**: the table read piece by piece (``PIECE_ROWS`` rows), each
  piece's cells checked as the quick check checks them, read and scored;
- **rows**: each scored entity's ``batch.rows.Row`` made (what a JSON or HTML batch keeps);
- **csv** (with ``--write``): each scored entity's CSV line, made column by column as a CSV
  batch makes them (``columnar.lines.csv_lines``: no row made), and written.

It prints seconds, microseconds per entity (wall and CPU) and the peak RSS. Run:
``.venv/bin/python -m benchmarks.columnar --entities 1000000`` (``--help`` for more).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import qualscore

from .entities import random_entities

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
RUGAO = ROOT / "rules" / "rugao-2018"
DISTINCT = 20_000
"""Distinct entities drawn; a larger table repeats them under new names (the scoring
cost is the same, the writing much cheaper)."""


def write_table(path: Path, count: int, seed: int = 2018) -> None:
    """``count`` rugao-2018 entities as one CSV table (``entity`` first)."""
    ruleset = qualscore.load_rules(RUGAO)
    specs = [(f.key, f.type, *f.bounds) for f in ruleset.facts]
    drawn = random_entities(specs, min(count, DISTINCT), seed)
    keys = [s[0] for s in specs]
    rows = [[_cell(e[k]) for k in keys] for e in drawn]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["entity", *keys])
        for n in range(count):
            writer.writerow([f"e{n:07d}", *rows[n % len(rows)]])


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def measure(path: Path, write: bool) -> dict[str, float]:
    """Each step's wall seconds and the process's CPU seconds and peak RSS (MiB)."""
    import polars as pl

    from qualscore.columnar import batch_rows, compile_columns, score_csv
    from qualscore.columnar.lines import csv_lines
    from qualscore.report.batch import CsvLine

    figures: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    ruleset = qualscore.load_rules(RUGAO)
    plan = compile_columns(ruleset)
    figures["compile"] = time.perf_counter() - wall
    scoring = rows_time = writing = 0.0
    entities = returned = 0
    out = open(path.with_suffix(".out.csv"), "wb") if write else None  # noqa: SIM115
    tick = time.perf_counter()
    for scored in score_csv(plan, path):
        now = time.perf_counter()
        scoring += now - tick
        made = list(batch_rows(plan, scored))
        tick = time.perf_counter()
        rows_time += tick - now
        entities += len(made)
        returned += len(scored.returned)
        if out is not None:
            lines = csv_lines(plan, scored, CsvLine(targets=False))["line"]
            out.write(lines.str.join("").cast(pl.Binary).item())
            now, tick = tick, time.perf_counter()
            writing += tick - now
        tick = time.perf_counter()
    if out is not None:
        out.close()
    figures.update({"read+check+score": scoring, "rows": rows_time})
    if write:
        figures["csv"] = writing
    figures["total"] = time.perf_counter() - wall
    figures["cpu"] = time.process_time() - cpu
    figures["entities"] = entities
    figures["returned"] = returned
    figures["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def report(figures: dict[str, float], count: int) -> str:
    """The figures as lines: seconds, µs per entity."""
    lines = [f"rugao-2018, {count:,} entities ({int(figures['entities']):,} scored, "
             f"{int(figures['returned']):,} handed back)"]  # fmt: skip
    for step in ("compile", "read+check+score", "rows", "csv", "total"):
        if step in figures:
            seconds = figures[step]
            lines.append(f"  {step:18s} {seconds:8.2f} s  {seconds / count * 1e6:8.1f} µs/entity")
    cpu = figures["cpu"]
    lines.append(f"  {'cpu':18s} {cpu:8.2f} s  {cpu / count * 1e6:8.1f} µs/entity")
    lines.append(f"  peak RSS           {figures['peak_mib']:8.0f} MiB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the table (unless given), then measure in a fresh process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--csv", type=Path, help="score this table (else one is written)")
    parser.add_argument("--write", action="store_true", help="also write each row's CSV line")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.csv, args.write)))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = args.csv
        if path is None:
            path = Path(folder) / "entities.csv"
            started = time.perf_counter()
            write_table(path, args.entities)
            print(f"(table written in {time.perf_counter() - started:.1f} s)", file=sys.stderr)
        command = [sys.executable, "-m", "benchmarks.columnar", "--measure", "--csv", str(path)]
        done = subprocess.run(
            command + (["--write"] if args.write else []),
            check=True, capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
        print(report(json.loads(done.stdout.splitlines()[-1]), args.entities))
    return 0


if __name__ == "__main__":
    sys.exit(main())
