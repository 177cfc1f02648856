"""Whole batches on the paths a user takes: CSV in and out against a plain copy of the
same tables, a million entities, and XLSX in against the same data as CSV.

Every figure is a cold ``qualscore batch`` subprocess (``procs.run``: wall time, the peak
of the summed RSS of its process tree), on rules/rugao-2018 and seeded random entities
(``entities.py``) in tables of 2,000 rows (``qualscore batch`` reads no CSV over 2 MiB):

- **CSV, 100,000 entities**: ``batch ... --out out.csv --jobs 2`` with each engine
  (``--engine row``, ``--engine columnar`` where the batch has it), against the floor: a
  cold ``python`` that copies the same tables with ``csv.reader`` -> ``csv.writer``.
- **1,000,000 entities**: the same, the columnar engine only (the row engine takes many
  minutes), with its peak memory.
- **XLSX, 20,000 entities**: the same data as ten workbooks of 2,000 rows and as one of
  20,000, against the ten CSV tables (row engine, ``--jobs 2``).

Run: ``.venv/bin/python -m benchmarks.tables`` (``--help`` for the sizes). Each
output is checked: the same bytes from both engines, and a line per entity.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import qualscore

from . import procs
from .entities import PER_TABLE, random_entities, write_csv

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
RUGAO = ROOT / "rules" / "rugao-2018"
QUALSCORE = str(Path(sys.executable).parent / "qualscore")
COPY = """
import csv, sys
for path in sys.argv[1:]:
    with open(path, newline="", encoding="utf-8") as src, \\
         open(path + ".copy", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\\n")
        for row in csv.reader(src):
            writer.writerow(row)
"""


def engines() -> list[str]:
    """The engines ``qualscore batch --engine`` offers (``["row"]`` where it has none)."""
    shown = subprocess.run([QUALSCORE, "batch", "--help"], capture_output=True, text=True)
    if "--engine" not in shown.stdout:
        return ["row"]
    return [e for e in ("row", "columnar") if e in shown.stdout.split("--engine", 1)[1][:200]]


def tables(folder: Path, count: int, seed: int) -> list[Path]:
    """``count`` random rugao-2018 entities as CSV tables of 2,000 rows, made once."""
    done = sorted(folder.glob("entities-*.csv"))
    if done:
        return done
    rules = qualscore.load_rules(RUGAO)
    specs = [(d.key, d.type, *d.bounds) for d in rules.facts]
    keys = [s[0] for s in specs]
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for first in range(0, count, 100_000):  # a slice at a time: memory stays small
        part = random_entities(specs, min(100_000, count - first), seed + first)
        for start in range(0, len(part), PER_TABLE):  # names numbered across the slices
            path = folder / f"entities-{(first + start) // PER_TABLE:04d}.csv"
            write_csv(path, keys, part[start : start + PER_TABLE], first + start)
            paths.append(path)
    return paths


def workbooks(folder: Path, csvs: Sequence[Path], whole: bool) -> list[Path]:
    """The CSV tables as workbooks, numbers as numbers: one per table, or one in all.

    Each sheet states its extent (``<dimension ref="A1:EK2001"/>``), as Excel, LibreOffice
    and openpyxl's ordinary mode write it; openpyxl's write-only mode, used here to write
    them fast, leaves it out, and a reader then reads the whole sheet once more to find it.
    """
    import csv

    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    def book(rows: list[list[str]], path: Path) -> Path:
        out = Workbook(write_only=True)
        sheet = out.create_sheet()
        sheet.append(rows[0])
        for row in rows[1:]:
            sheet.append([row[0], *map(_number, row[1:])])
        out.save(path)
        extent = f"A1:{get_column_letter(max(map(len, rows)))}{len(rows)}"
        _state_extent(path, extent)
        return path

    folder.mkdir(parents=True, exist_ok=True)
    read = [list(csv.reader(p.open(newline="", encoding="utf-8"))) for p in csvs]
    if whole:
        rows = [read[0][0], *(r for table in read for r in table[1:])]
        return [book(rows, folder / "all.xlsx")]
    return [book(rows, folder / f"{p.stem}.xlsx") for rows, p in zip(read, csvs, strict=True)]


def _state_extent(path: Path, extent: str) -> None:
    """Write ``<dimension ref="EXTENT"/>`` into the workbook's one sheet, where the
    format puts it (after ``sheetPr``)."""
    import zipfile

    scratch = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(scratch, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                tag = f'<dimension ref="{extent}"/>'.encode()
                data = data.replace(b"<sheetViews>", tag + b"<sheetViews>", 1)
                assert tag in data, f"{path}: no place for the sheet's extent"
            new.writestr(item, data)
    scratch.replace(path)


def _number(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    if not text:
        return None
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(text)


def batch(inputs: Sequence[Path], out: Path, engine: str | None, limits: tuple[float, int]
          ) -> procs.Run:  # fmt: skip
    command = [QUALSCORE, "batch", str(RUGAO), *map(str, inputs), "--out", str(out),
               "--jobs", "2", "--quiet", *(["--engine", engine] if engine else [])]  # fmt: skip
    run = procs.run(command, timeout=limits[0], max_rss=limits[1])
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} ... failed ({run.returncode}):\n"
                           f"{run.stderr[-2000:]}")  # fmt: skip
    return run


def copy(inputs: Sequence[Path]) -> procs.Run:
    run = procs.run([sys.executable, "-c", COPY, *map(str, inputs)])
    for path in inputs:
        Path(str(path) + ".copy").unlink()
    return run


def line(name: str, run: procs.Run, count: int, floor: float | None = None) -> str:
    ratio = f"  {run.seconds / floor:5.2f}x" if floor else ""
    per = run.seconds / count * 1e6
    return (f"{name:<34} {run.seconds:8.2f} s {per:8.1f} µs/entity "
            f"{run.tree_rss_peak / 2**20:8.0f} MiB{ratio}")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tables", description=__doc__)
    parser.add_argument("--entities", type=int, default=100_000, help="the CSV batch's size")
    parser.add_argument("--million", type=int, default=1_000_000,
                        help="the largest batch, columnar engine (0: none)")  # fmt: skip
    parser.add_argument("--xlsx", type=int, default=20_000, help="the XLSX batch's size (0: none)")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--work", type=Path, help="keep the generated tables here")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv)
    limits = (args.timeout, 8 * 2**30)
    work = args.work or Path(tempfile.mkdtemp(prefix="qualscore-bench-"))
    offered = engines()
    print(f"engines: {', '.join(offered)}; work: {work}", flush=True)
    try:
        inputs = tables(work / f"csv-{args.entities}", args.entities, args.seed)
        floor = copy(inputs)
        print(line(f"csv copy, {args.entities:,}", floor, args.entities), flush=True)
        outs = []
        for engine in offered:
            out = work / f"out-{engine}.csv"
            run = batch(inputs, out, engine if len(offered) > 1 else None, limits)
            print(line(f"batch --engine {engine}, {args.entities:,}", run, args.entities,
                       floor.seconds), flush=True)  # fmt: skip
            outs.append(out.read_bytes())
        if len(set(outs)) > 1:
            raise RuntimeError("the engines wrote different bytes")
        if args.million and "columnar" in offered:
            big = tables(work / f"csv-{args.million}", args.million, args.seed)
            run = batch(big, work / "out-big.csv", "columnar", limits)
            print(line(f"batch --engine columnar, {args.million:,}", run, args.million),
                  flush=True)  # fmt: skip
        if args.xlsx:
            csvs = tables(work / f"csv-{args.xlsx}", args.xlsx, args.seed + 1)
            row = ["--engine", "row"] if len(offered) > 1 else []
            as_csv = batch(csvs, work / "x-csv.csv", row[1] if row else None, limits)
            print(line(f"batch csv, {args.xlsx:,}", as_csv, args.xlsx), flush=True)
            for whole in (False, True):
                books = workbooks(work / f"xlsx-{args.xlsx}-{whole}", csvs, whole)
                out = work / f"x-{whole}.csv"
                run = batch(books, out, row[1] if row else None, limits)
                name = "one workbook" if whole else f"{len(books)} workbooks"
                print(line(f"batch xlsx ({name}), {args.xlsx:,}", run, args.xlsx,
                           as_csv.seconds), flush=True)  # fmt: skip
                if out.read_bytes() != (work / "x-csv.csv").read_bytes():
                    raise RuntimeError("the XLSX batch wrote other bytes than the CSV one")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
