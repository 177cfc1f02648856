"""``qualscore batch ... --out X.xlsx`` as the entities grow: wall time and peak memory.

The workbook is the batch's heaviest output: every entity's explanation of every item
(59 rows an entity of rules/rugao-2018: 5,900,000 rows over six sheets at 100,000
entities), its departments and its scores. Each size is one cold process
(``procs.run``: wall time, the peak summed RSS of its process tree and the largest
process's own peak), the entities written as CSV tables of 2,000 rows as for the CSV
batch; the workbook is then checked to hold every entity (its sheets and the row count
of its summary, read from the zip without loading the workbook).

A section of its own, run only when asked (``--only xlsx``): at 100,000 entities it
takes about half an hour on 2 cores, most of it in explaining every item of every
entity (the worker processes), not in writing.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import qualscore

from . import procs
from .entities import random_entities, write_tables

__all__ = ["FULL", "QUICK", "xlsx_batch"]

FULL = [20_000, 100_000]
QUICK = [2_000]


def xlsx_batch(
    qualscore_command: str,
    rules_path: Path,
    sizes: list[int],
    seed: int,
    work: Path,
    jobs: int,
    limits: tuple[float, int],
) -> list[dict[str, Any]]:
    """One ``qualscore batch RULES TABLES... --out X.xlsx --jobs jobs --quiet`` per size;
    its row for the report (seconds, peak RSS, the workbook's size), printed as it comes.

    Raises:
        RuntimeError: a run failed, or its workbook does not hold every entity.
    """
    rules = qualscore.load_rules(rules_path)
    specs = [(d.key, d.type, *d.bounds) for d in rules.facts]
    rows = []
    for count in sizes:
        tables = write_tables(work / f"xlsx-{count}", [s[0] for s in specs],
                              random_entities(specs, count, seed + count))  # fmt: skip
        out = work / f"scores-{count}.xlsx"
        command = [qualscore_command, "batch", str(rules_path), *map(str, tables),
                   "--out", str(out), "--jobs", str(jobs), "--quiet"]  # fmt: skip
        run = procs.run(command, timeout=limits[0], max_rss=limits[1])
        if run.returncode not in (0, None):
            raise RuntimeError(f"batch to XLSX failed ({run.returncode}):\n{run.stderr[-2000:]}")
        row = {
            "entities": count,
            "jobs": jobs,
            "seconds": run.seconds,
            "tree_rss_peak_mib": run.tree_rss_peak / 2**20,
            "max_single_rss_mib": run.max_single_rss / 2**20,
            "killed_for": run.killed_for,
            "xlsx_mib": out.stat().st_size / 2**20 if out.exists() else 0.0,
        }
        if not run.killed:
            _check(out, count)
        rows.append(row)
        state = f"KILLED at the {run.killed_for} limit after " if run.killed else ""
        print(f"  {count:>7} entities to XLSX, --jobs {jobs}: {state}{run.seconds:.1f} s,"
              f" peak RSS: tree {row['tree_rss_peak_mib']:,.0f} MiB, largest process"
              f" {row['max_single_rss_mib']:,.0f} MiB; workbook {row['xlsx_mib']:,.0f} MiB",
              flush=True)  # fmt: skip
        out.unlink(missing_ok=True)
        for table in tables:
            table.unlink()
    return rows


def _check(book: Path, count: int) -> None:
    """The summary sheet holds a row for each of the ``count`` entities.

    Raises:
        RuntimeError: it does not.
    """
    with zipfile.ZipFile(book) as parts:
        summary = parts.read("xl/worksheets/sheet1.xml")
    found = re.search(rb'<autoFilter ref="A1:[A-Z]+(\d+)"', summary)
    if found is None or int(found.group(1)) != count + 1:
        raise RuntimeError(f"{book}: the summary does not hold {count:,} entities")
