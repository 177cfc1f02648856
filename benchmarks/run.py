"""qualscore against its peers, side by side, in one process: ``python -m benchmarks.run``.

Machines are noisy, so every figure that matters is a ratio measured in the
same rounds: each round times one block of the same entities for every
contender in turn (the order rotating), and the report gives the median over
the rounds, of the times and of each round's ratios.

Contenders, per entity of rules/rugao-2018 (58 items, a bonus, a veto):

  facts   qualscore.check_facts(rules, mapping) -> Facts (timed on its own)
  (a)     qualscore.evaluate(rules, facts): every score and the full trace
  (b)     qualscore.score(rules, facts): the scores only
  (c)     benchmarks.handwritten.score(values): the same scheme by hand, the floor
  (d)     GoRules ZEN, ZenEngine.evaluate(key, context), with and without its trace

Before anything is timed, (b), (c) and (d) must give (a)'s score for every
item, the bonus and the total of every entity. Then: the whole-process time
of ``qualscore validate`` (with and without its cache) and of ``qualscore evaluate
--format json`` against ``python -c "import pydantic, yaml"``; how
loading, validating and scoring grow with synthetic schemes of more items;
and ``qualscore batch`` to CSV as the entities grow (wall time, peak memory).

``--quick`` runs small sizes, for development; ``make bench`` the full ones.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import qualscore

from . import handwritten, procs, synthetic, xlsx
from .entities import FactSpec, random_entities, write_tables

ROOT = Path(__file__).resolve().parent.parent
RUGAO = ROOT / "rules" / "rugao-2018"
CITY = ROOT / "examples" / "rugao-2018" / "city-sample.yaml"
YUNHE = ROOT / "examples" / "yunhe-quality"
"""A scheme scored against the cohort: ranks, a share of the best, a mean, a reverse rank
and the rank of a subtotal (two levels: three passes over the entities)."""
BIN = Path(sys.executable).parent
QUALSCORE = str(BIN / "qualscore")

# Targets (a 2-core machine): ratios at most these.
TARGET_A_OVER_C = 1.5
TARGET_B_OVER_C = 1.1
TARGET_B_DICT_OVER_C = 1.2
TARGET_A_OVER_D = 0.5
TARGET_VALIDATE = 2.5
TARGET_VALIDATE_NOCACHE = 4.0
TARGET_EVALUATE = 2.5
TARGET_BATCH_SECONDS = 20.0
TARGET_BATCH_SPEEDUP = 1.6
"""``batch --jobs 2`` at least this many times as fast as ``--jobs 1``, at SPEEDUP_AT: the
size of the batch time target (at 10,000 entities the half second both spend starting up
weighs too; that speed-up is printed too)."""
SPEEDUP_AT = 100_000
# A step is called superlinear when its cost grows faster than size ** this.
LINEAR_EXPONENT = 1.15


@dataclass
class Sizes:
    rounds: int
    block: int
    pool: int
    process_runs: int
    items: list[int]
    entities: list[int]


FULL = Sizes(rounds=25, block=40, pool=400, process_runs=10, items=[500, 1000, 5000],
             entities=[1000, 10000, 100000])  # fmt: skip
QUICK = Sizes(rounds=7, block=20, pool=100, process_runs=3, items=[100, 200, 500],
              entities=[200, 1000, 2000])  # fmt: skip


@dataclass
class Report:
    machine: dict[str, str] = field(default_factory=dict)
    per_entity: dict[str, dict[str, float]] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    process: dict[str, float] = field(default_factory=dict)
    scaling_items: list[dict[str, Any]] = field(default_factory=list)
    scaling_entities: list[dict[str, Any]] = field(default_factory=list)
    cohort_batch: list[dict[str, Any]] = field(default_factory=list)
    xlsx_batch: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    jobs: int = 2
    errors: list[str] = field(default_factory=list)


class Failed(Exception):
    """A command the benchmark runs failed: the section stops, the report goes on."""


def machine() -> dict[str, str]:
    """nproc, the CPU model, Python, the platform and the engine's version."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "qualscore").rglob("*.py")):
        digest.update(path.read_bytes())
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "engine_sources_sha256": digest.hexdigest()[:12],
        "nproc": str(os.cpu_count()),
        "loadavg_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "qualscore": qualscore.__version__,
    }
    try:
        info["zen-engine"] = version("zen-engine")
    except PackageNotFoundError:
        info["zen-engine"] = "not installed"
    return info


def fact_specs(rules: qualscore.RuleSet) -> list[FactSpec]:
    return [(d.key, d.type, *d.bounds) for d in rules.facts]


def reference(result: qualscore.Result) -> dict[str, Decimal]:
    """(a)'s answer in the hand-written function's terms: items, bonus, total."""
    out = {i.id: i.score for i in result.items()}
    out["total"] = result.total
    return out


def _disagree(name: str, index: int, want: dict[str, Decimal], got: dict[str, Decimal]) -> str:
    keys = [k for k in want if want[k] != got.get(k)]
    shown = ", ".join(f"{k}: {want[k]} != {got.get(k)}" for k in keys[:5])
    return f"{name} disagrees with qualscore.evaluate on entity {index}: {shown}"


# ---------------------------------------------------------------- per entity


def per_entity(sizes: Sizes, seed: int, report: Report, *, with_zen: bool) -> None:
    rules = qualscore.load_rules(RUGAO)
    raw = random_entities(fact_specs(rules), sizes.pool, seed)
    facts = [qualscore.check_facts(rules, r) for r in raw]
    values = [dict(f.values) for f in facts]
    contenders: dict[str, Callable[[int, int], object]] = {}

    def timed(name: str) -> Callable[[Callable[[int, int], object]], Callable[[int, int], object]]:
        def add(fn: Callable[[int, int], object]) -> Callable[[int, int], object]:
            contenders[name] = fn
            return fn

        return add

    @timed("facts")
    def _facts(lo: int, hi: int) -> object:
        for r in raw[lo:hi]:
            qualscore.check_facts(rules, r)
        return None

    @timed("a")
    def _evaluate(lo: int, hi: int) -> object:
        for f in facts[lo:hi]:
            qualscore.evaluate(rules, f)
        return None

    @timed("b")
    def _score(lo: int, hi: int) -> object:
        for f in facts[lo:hi]:
            qualscore.score(rules, f)
        return None

    # The caller's path: a plain dict (Decimal and bool values) straight in, checked by
    # evaluate()/score() themselves.
    @timed("a_dict")
    def _evaluate_dict(lo: int, hi: int) -> object:
        for r in raw[lo:hi]:
            qualscore.evaluate(rules, r)
        return None

    @timed("b_dict")
    def _score_dict(lo: int, hi: int) -> object:
        for r in raw[lo:hi]:
            qualscore.score(rules, r)
        return None

    @timed("c")
    def _hand(lo: int, hi: int) -> object:
        for v in values[lo:hi]:
            handwritten.score(v)
        return None

    # Agreement first: every contender must give (a)'s numbers on every entity.
    refs = [reference(qualscore.evaluate(rules, f)) for f in facts]
    for i, (f, v, want) in enumerate(zip(facts, values, refs, strict=True)):
        fast = qualscore.score(rules, f)
        got = {**fast.items, "total": fast.total}
        if got != want:
            sys.exit(_disagree("qualscore.score", i, want, dict(got)))
        if (hand := handwritten.score(v)) != want:
            sys.exit(_disagree("handwritten.score", i, want, hand))
    checked = ["b", "c"]
    if with_zen:
        from .zen import model as zen_model

        engine = zen_model.engine()
        decision = zen_model.decision(engine)
        contexts = [zen_model.context(v) for v in values]
        key = zen_model.KEY
        trace_on: Any = {"trace": True}

        @timed("d")
        def _zen(lo: int, hi: int) -> object:
            for c in contexts[lo:hi]:
                engine.evaluate(key, c)
            return None

        @timed("d_trace")
        def _zen_trace(lo: int, hi: int) -> object:
            for c in contexts[lo:hi]:
                engine.evaluate(key, c, trace_on)
            return None

        @timed("d_decision")
        def _zen_decision(lo: int, hi: int) -> object:
            for c in contexts[lo:hi]:
                decision.evaluate(c)
            return None

        for i, (c, want) in enumerate(zip(contexts, refs, strict=True)):
            for name, response in (
                ("ZEN", engine.evaluate(key, c)),
                ("ZEN (trace)", engine.evaluate(key, c, trace_on)),
                ("ZEN (decision)", decision.evaluate(c)),
            ):
                got = zen_model.scores(response, handwritten.ITEM_IDS)
                if got != want:
                    sys.exit(_disagree(name, i, want, got))
        checked += ["d", "d_trace", "d_decision"]
    print(
        f"agreement: {', '.join(checked)} equal (a) on all {len(facts)} entities "
        f"(58 items, bonus, total)",
        flush=True,
    )

    names = list(contenders)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(sizes.rounds):
        lo = (r * sizes.block) % sizes.pool
        hi = min(lo + sizes.block, sizes.pool)
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            fn = contenders[name]
            gc.collect()
            start = time.perf_counter_ns()
            fn(lo, hi)
            times[name].append((time.perf_counter_ns() - start) / 1000 / (hi - lo))
    for name, ts in times.items():
        report.per_entity[name] = {
            "median_us": statistics.median(ts),
            "min_us": min(ts),
            "p25_us": _quantile(ts, 0.25),
            "p75_us": _quantile(ts, 0.75),
        }

    def ratio(top: str, bottom: str) -> float:
        return statistics.median(a / b for a, b in zip(times[top], times[bottom], strict=True))

    report.ratios["a/c"] = ratio("a", "c")
    report.ratios["b/c"] = ratio("b", "c")
    report.ratios["facts/c"] = ratio("facts", "c")
    report.ratios["a_dict/c"] = ratio("a_dict", "c")
    report.ratios["b_dict/c"] = ratio("b_dict", "c")
    if with_zen:
        report.ratios["a/d_trace"] = ratio("a", "d_trace")
        report.ratios["a/d"] = ratio("a", "d")
        report.ratios["b/d"] = ratio("b", "d")
        report.ratios["c/d"] = ratio("c", "d")
        report.ratios["a_dict/d_trace"] = ratio("a_dict", "d_trace")


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---------------------------------------------------------------- whole process


def process_times(sizes: Sizes, report: Report) -> None:
    """Whole commands against the bare import, interleaved, fresh processes.

    ``validate`` runs with its cache of findings (``qualscore._cache``) in a fresh
    folder, filled by one untimed run first: every timed run is a hit, as for an
    analyst validating a rule set again. ``validate_nocache`` has the cache off:
    loading, linting and printing every time. ``evaluate`` scores the worked case to
    ``--format json`` with the cache on (the rule set rebuilt from it, its code generated
    and compiled again, the facts read and checked). Every command, and the import it is
    compared with, starts from bytecode compiled once into a private folder
    (:func:`procs.bytecode_env`).
    """
    with tempfile.TemporaryDirectory(prefix="qualscore-cache-") as tmp:
        cache, compiled = Path(tmp) / "cache", Path(tmp) / "bytecode"
        base = procs.bytecode_env(os.environ, compiled)
        hit_env = {**base, "QUALSCORE_CACHE_DIR": str(cache)}
        off_env = {**base, "QUALSCORE_CACHE_DIR": ""}
        validate = [QUALSCORE, "validate", str(RUGAO)]
        evaluate = [QUALSCORE, "evaluate", str(RUGAO), str(CITY), "--format", "json"]
        commands: dict[str, tuple[list[str], dict[str, str]]] = {
            "validate": (validate, hit_env),
            "validate_nocache": (validate, off_env),
            "evaluate": (evaluate, hit_env),
            "import": ([sys.executable, "-c", "import pydantic, yaml"], off_env),
        }
        try:
            times = procs.interleaved(commands, sizes.process_runs)
        except subprocess.CalledProcessError as exc:
            raise Failed(f"{' '.join(exc.cmd)}: exit {exc.returncode}") from None
    for name, ts in times.items():
        report.process[f"{name}_median_s"] = statistics.median(ts)
        report.process[f"{name}_min_s"] = min(ts)
    for name in ("validate", "validate_nocache", "evaluate"):
        report.ratios[f"{name}/import"] = statistics.median(
            v / i for v, i in zip(times[name], times["import"], strict=True)
        )


# ---------------------------------------------------------------- scaling


def scaling_items(sizes: Sizes, seed: int, work: Path, report: Report) -> None:
    """Load, validate and score synthetic schemes of growing size."""
    for items in sizes.items:
        folder = synthetic.write_scheme(work / f"scheme-{items}", items)
        loads = []
        for _ in range(3):
            start = time.perf_counter()
            rules = qualscore.load_rules(folder)
            loads.append(time.perf_counter() - start)
            if loads[-1] > 30:  # one run of a slow size is enough
                break
        validates = []
        for _ in range(3 if min(loads) < 10 else 1):
            run = procs.run([QUALSCORE, "validate", str(folder)])
            if run.returncode != 0:
                raise Failed(f"qualscore validate {folder} failed:\n{run.stderr[-2000:]}")
            validates.append(run.seconds)
        entities = random_entities(synthetic.fact_specs(items), 13, seed)
        checked = [qualscore.check_facts(rules, e) for e in entities]
        first: dict[str, float] = {}
        steady: dict[str, float] = {}
        for name, fn in (("evaluate", qualscore.evaluate), ("score", qualscore.score)):
            # The first call on a fresh rule set pays for whatever is prepared once per
            # rule set; it is what an analyst waits for. Then two more, and 10 timed.
            start = time.perf_counter()
            fn(rules, checked[0])
            first[name] = (time.perf_counter() - start) * 1e3
            for f in checked[1:3]:
                fn(rules, f)
            # The full collection that loading and compiling put off (gc paused) is a
            # one-off of the rule set's size, not a per-entity cost: run it before timing.
            gc.collect()
            blocks = []
            for _ in range(3):  # the best of three blocks: the machine is shared
                start = time.perf_counter()
                for f in checked[3:]:
                    fn(rules, f)
                blocks.append((time.perf_counter() - start) / len(checked[3:]) * 1e6)
            steady[name] = min(blocks)
        row = {
            "items": items,
            "facts": len(rules.facts),
            "load_s": min(loads),
            "validate_s": statistics.median(validates),
            "evaluate_first_ms": first["evaluate"],
            "evaluate_us": steady["evaluate"],
            "score_first_ms": first["score"],
            "score_us": steady["score"],
        }
        report.scaling_items.append(row)
        print(
            f"  {items:>6} items: load {row['load_s']:.2f} s, validate {row['validate_s']:.2f} s,"
            f" evaluate first {first['evaluate']:,.0f} ms then {steady['evaluate']:,.0f} µs,"
            f" score first {first['score']:,.0f} ms then {steady['score']:,.0f} µs",
            flush=True,
        )


def scaling_entities(
    sizes: Sizes, seed: int, work: Path, jobs: int, limits: tuple[float, int], report: Report
) -> None:
    """``qualscore batch`` to CSV over growing numbers of Rugao entities.

    The entities are written as CSV tables of 2,000 rows (``qualscore batch``
    reads no input file over 2 MiB), all passed to one command. Each size runs
    with ``--jobs jobs``; the smallest, the largest and ``SPEEDUP_AT`` also
    with ``--jobs 1``, to show what the process pool costs or gains. A run is killed
    at ``limits`` (seconds, bytes of the process tree's RSS), and the sizes
    after it are skipped.
    """
    rules = qualscore.load_rules(RUGAO)
    specs = fact_specs(rules)
    keys = [s[0] for s in specs]
    timeout, max_rss = limits
    for n, count in enumerate(sizes.entities):
        entities = random_entities(specs, count, seed + count)
        tables = write_tables(work / f"entities-{count}", keys, entities)
        del entities
        out = work / f"scores-{count}.csv"
        killed = False
        alone = n in (0, len(sizes.entities) - 1) or count in (SPEEDUP_AT, 10_000)
        for j in [1, jobs] if alone and jobs != 1 else [jobs]:
            command = [QUALSCORE, "batch", str(RUGAO), *map(str, tables), "--out", str(out),
                       "--jobs", str(j), "--quiet"]  # fmt: skip
            run = procs.run(command, timeout=timeout, max_rss=max_rss)
            row = _batch_row(count, j, run)
            if run.returncode not in (0, None):
                raise Failed(
                    f"qualscore batch of {count} entities failed ({run.returncode}):\n"
                    f"{run.stderr[-2000:]}"
                )
            if not run.killed:
                lines = out.read_text(encoding="utf-8").count("\n")
                if lines != count + 1:
                    raise Failed(f"{out}: {lines} lines, expected {count + 1}")
            out.unlink(missing_ok=True)
            report.scaling_entities.append(row)
            state = f"KILLED at the {run.killed_for} limit after " if run.killed else ""
            print(
                f"  {count:>7} entities, --jobs {j}: {state}{run.seconds:.1f} s"
                f" ({row['us_per_entity']:,.0f} µs/entity), peak RSS: tree"
                f" {row['tree_rss_peak_mib']:,.0f} MiB, largest process"
                f" {row['max_single_rss_mib']:,.0f} MiB",
                flush=True,
            )
            killed = killed or run.killed
        for table in tables:
            table.unlink()
        if killed:
            break


def _batch_row(count: int, jobs: int, run: procs.Run) -> dict[str, Any]:
    """One ``qualscore batch`` run as the report keeps it."""
    return {
        "entities": count,
        "jobs": jobs,
        "seconds": run.seconds,
        "us_per_entity": run.seconds / count * 1e6,
        "tree_rss_peak_mib": run.tree_rss_peak / 2**20,
        "max_single_rss_mib": run.max_single_rss / 2**20,
        "killed_for": run.killed_for,
    }


def cohort_batch(
    sizes: Sizes, seed: int, work: Path, jobs: int, limits: tuple[float, int], report: Report
) -> None:
    """``qualscore batch`` of examples/yunhe-quality (every item read a cohort value) on
    the largest number of entities, with ``--jobs jobs`` and ``--jobs 1``; the output
    checked to hold every entity, ranked."""
    rules = qualscore.load_rules(YUNHE)
    specs = fact_specs(rules)
    count = max(sizes.entities)
    tables = write_tables(work / "towns", [s[0] for s in specs],
                          random_entities(specs, count, seed + 7))  # fmt: skip
    out = work / "towns.csv"
    for j in sorted({jobs, 1}, reverse=True):
        command = [QUALSCORE, "batch", str(YUNHE), *map(str, tables), "--out", str(out),
                   "--jobs", str(j), "--quiet"]  # fmt: skip
        run = procs.run(command, timeout=limits[0], max_rss=limits[1])
        row = _batch_row(count, j, run)
        if run.returncode not in (0, None):
            raise Failed(f"batch (cohort) failed ({run.returncode}):\n{run.stderr[-2000:]}")
        if not run.killed and out.read_text(encoding="utf-8").count("\n") != count + 1:
            raise Failed(f"{out}: not {count + 1} lines")
        report.cohort_batch.append(row)
        print(f"  {count:>7} entities with cohort values, --jobs {j}: {run.seconds:.1f} s,"
              f" peak RSS: tree {row['tree_rss_peak_mib']:,.0f} MiB, largest process"
              f" {row['max_single_rss_mib']:,.0f} MiB", flush=True)  # fmt: skip
        out.unlink(missing_ok=True)
    for table in tables:
        table.unlink()


def xlsx_section(
    sizes: list[int], seed: int, work: Path, jobs: int, limits: tuple[float, int], report: Report
) -> None:
    """``qualscore batch`` of rules/rugao-2018 to XLSX at each size (benchmarks/xlsx.py)."""
    try:
        report.xlsx_batch += xlsx.xlsx_batch(QUALSCORE, RUGAO, sizes, seed, work, jobs, limits)
    except RuntimeError as exc:
        raise Failed(str(exc)) from None


def exponents(sizes: Sequence[float], costs: Sequence[float]) -> list[float]:
    """The growth exponent between consecutive sizes: cost ~ size ** exponent."""
    return [
        math.log(c2 / c1) / math.log(s2 / s1)
        for (s1, c1), (s2, c2) in zip(
            zip(sizes, costs, strict=True), list(zip(sizes, costs, strict=True))[1:], strict=False
        )
        if c1 > 0 and c2 > 0
    ]


# ---------------------------------------------------------------- the report


def _batch_rows(report: Report) -> list[dict[str, Any]]:
    """The batch runs at ``--jobs report.jobs`` that finished."""
    return [r for r in report.scaling_entities if r["jobs"] == report.jobs and not r["killed_for"]]


def _speedup(report: Report, at: int = SPEEDUP_AT) -> float | None:
    """How many times as fast ``--jobs report.jobs`` was as ``--jobs 1`` at ``at`` entities."""
    runs = {r["jobs"]: r["seconds"] for r in report.scaling_entities
            if r["entities"] == at and not r["killed_for"]}  # fmt: skip
    if report.jobs == 1 or 1 not in runs or report.jobs not in runs:
        return None
    return float(runs[1] / runs[report.jobs])


def _targets(report: Report) -> None:
    t = report.targets

    def add(name: str, value: float, limit: float, unit: str = "x", note: str = "") -> None:
        t.append({"target": name, "measured": value, "limit": limit, "unit": unit,
                  "met": value <= limit, "factor": value / limit, "note": note})  # fmt: skip

    if "a/c" in report.ratios:
        add("(a) evaluate <= 1.5 x (c) hand-written", report.ratios["a/c"], TARGET_A_OVER_C)
        add("(b) score <= 1.1 x (c) hand-written", report.ratios["b/c"], TARGET_B_OVER_C)
        add("evaluate(rules, dict) <= 1.5 x (c) on the dict", report.ratios["a_dict/c"],
            TARGET_A_OVER_C, note="the caller's path")  # fmt: skip
        add("score(rules, dict) <= 1.2 x (c) on the dict", report.ratios["b_dict/c"],
            TARGET_B_DICT_OVER_C, note="the caller's path")  # fmt: skip
    if "a/d_trace" in report.ratios:
        add("(a) evaluate <= 0.5 x (d) ZEN with trace", report.ratios["a/d_trace"],
            TARGET_A_OVER_D)  # fmt: skip
    if "validate/import" in report.ratios:
        add("validate cold <= 2.5 x import pydantic, yaml", report.ratios["validate/import"],
            TARGET_VALIDATE, note="cache hit")  # fmt: skip
        add("validate, no cache, <= 4 x import pydantic, yaml",
            report.ratios["validate_nocache/import"], TARGET_VALIDATE_NOCACHE,
            note="loads and lints every time")  # fmt: skip
        add("evaluate --format json <= 2.5 x import", report.ratios["evaluate/import"],
            TARGET_EVALUATE, note="rule set from the cache")  # fmt: skip
    done = _batch_rows(report)
    if report.scaling_entities:
        name = f"100,000 entities, batch --jobs {report.jobs} to CSV <= 20 s"
        measured = [r for r in done if r["entities"] == 100_000]
        if measured:
            add(name, measured[0]["seconds"], TARGET_BATCH_SECONDS, " s")
        elif done:
            last = done[-1]
            guess = last["seconds"] / last["entities"] * 100_000
            note = f"extrapolated linearly from {last['entities']:,} entities"
            add(name, guess, TARGET_BATCH_SECONDS, " s", note)
        speedup = _speedup(report)
        if speedup is not None:
            # add() calls a target met at or below its limit: the time ratio, 1 / speed-up.
            add(f"--jobs {report.jobs} >= {TARGET_BATCH_SPEEDUP} x --jobs 1 (time ratio)",
                1 / speedup, 1 / TARGET_BATCH_SPEEDUP,
                note=f"speed-up {speedup:.2f} x at {SPEEDUP_AT:,} entities")  # fmt: skip
    for label, rows, size_key, cost_keys in (
        ("items", report.scaling_items, "items", ("load_s", "validate_s", "evaluate_first_ms",
                                                  "evaluate_us", "score_first_ms", "score_us")),
        ("entities", done, "entities", ("seconds",)),
    ):  # fmt: skip
        for key in cost_keys:
            exps = exponents([r[size_key] for r in rows], [r[key] for r in rows])
            if exps:
                # The verdict is the growth between the two largest sizes, where fixed
                # costs weigh least; every step's exponent is listed beside it.
                steps = ", ".join(f"{e:.2f}" for e in exps)
                add(f"{key} linear in {label} (growth exponent)", exps[-1], LINEAR_EXPONENT, "^",
                    f"exponents between sizes: {steps}")  # fmt: skip


def memory_growth(report: Report) -> str:
    """Whether the batch's peak memory stays flat as the entities grow, in words."""
    done = _batch_rows(report)
    if len(done) < 2:
        return ""
    first, last = done[0], done[-1]
    slope = (last["tree_rss_peak_mib"] - first["tree_rss_peak_mib"]) / (
        last["entities"] - first["entities"]
    )
    growth = last["tree_rss_peak_mib"] / first["tree_rss_peak_mib"]
    exponent = exponents([first["entities"], last["entities"]], [first["tree_rss_peak_mib"],
                         last["tree_rss_peak_mib"]])[0]  # fmt: skip
    verdict = (
        "flat"
        if growth < 1.25
        else "near-flat (sublinear)"
        if exponent < 0.25
        else "grows with the entities"
    )
    return (
        f"memory: peak RSS of the process tree x{growth:.2f} from {first['entities']:,} to"
        f" {last['entities']:,} entities ({slope * 1024:,.2f} KiB more per entity,"
        f" growth exponent {exponent:.2f}): {verdict}"
    )


def print_report(report: Report) -> None:
    m = report.machine
    print()
    print(f"machine: {m['nproc']} cores, {m['cpu']}, Python {m['python']}, {m['platform']}")
    print(
        f"load average (1, 5, 15 min): {m['loadavg_at_start']} at the start,"
        f" {m.get('loadavg_at_end', '?')} at the end"
    )
    print(
        f"qualscore {m['qualscore']} (src/qualscore/*.py sha256 {m['engine_sources_sha256']}),"
        f" zen-engine {m['zen-engine']}, {m['date']}"
    )
    print()
    labels = {
        "facts": "facts   check_facts (validation, once per entity)",
        "a": "(a)     qualscore.evaluate, full trace",
        "b": "(b)     qualscore.score, scores only",
        "a_dict": "(a)     evaluate(rules, plain dict): checked, traced",
        "b_dict": "(b)     score(rules, plain dict): checked",
        "c": "(c)     hand-written Python (Decimal)",
        "d": "(d)     ZEN engine.evaluate(key, ctx)",
        "d_trace": "(d')    ZEN engine.evaluate(key, ctx, trace)",
        "d_decision": "        ZEN decision.evaluate(ctx)  [info]",
    }
    print(f"{'per entity, rules/rugao-2018':<52}{'median µs':>12}{'p25':>10}{'p75':>10}{'min':>10}")
    for name, stats in report.per_entity.items():
        print(
            f"{labels[name]:<52}{stats['median_us']:>12,.1f}{stats['p25_us']:>10,.1f}"
            f"{stats['p75_us']:>10,.1f}{stats['min_us']:>10,.1f}"
        )
    print()
    print("ratios (median of per-round ratios):")
    for name, value in report.ratios.items():
        print(f"  {name:<18}{value:>10.2f}")
    if report.process:
        p = report.process
        print()
        print(
            f"whole process: qualscore validate rules/rugao-2018 {p['validate_median_s']:.3f} s"
            f" (min {p['validate_min_s']:.3f}) with its cache,"
            f" {p['validate_nocache_median_s']:.3f} s (min {p['validate_nocache_min_s']:.3f})"
            f" without; evaluate CITY --format json {p['evaluate_median_s']:.3f} s"
            f" (min {p['evaluate_min_s']:.3f}); python -c 'import pydantic, yaml'"
            f" {p['import_median_s']:.3f} s (min {p['import_min_s']:.3f})"
        )
    if report.scaling_items:
        print()
        print(f"{'items':>6}{'facts':>6}{'load s':>8}{'validate s':>11}"
              f"{'evaluate 1st ms':>16}{'evaluate µs':>12}{'score 1st ms':>13}{'score µs':>10}"
              f"{'load µs/item':>13}{'validate µs/item':>17}")  # fmt: skip
        for r in report.scaling_items:
            print(
                f"{r['items']:>6}{r['facts']:>6}{r['load_s']:>8.2f}{r['validate_s']:>11.2f}"
                f"{r['evaluate_first_ms']:>16,.0f}{r['evaluate_us']:>12,.0f}"
                f"{r['score_first_ms']:>13,.0f}{r['score_us']:>10,.0f}"
                f"{r['load_s'] / r['items'] * 1e6:>13,.0f}"
                f"{r['validate_s'] / r['items'] * 1e6:>17,.0f}"
            )
    if report.scaling_entities:
        print()
        print(f"{'entities':>10}{'jobs':>6}{'batch s':>10}{'µs/entity':>12}{'tree RSS MiB':>14}"
              f"{'largest MiB':>13}")  # fmt: skip
        for r in report.scaling_entities:
            mark = f"  (killed at the {r['killed_for']} limit)" if r["killed_for"] else ""
            print(
                f"{r['entities']:>10,}{r['jobs']:>6}{r['seconds']:>10.1f}"
                f"{r['us_per_entity']:>12,.0f}{r['tree_rss_peak_mib']:>14,.0f}"
                f"{r['max_single_rss_mib']:>13,.0f}{mark}"
            )
        if line := memory_growth(report):
            print(line)
        for at in sorted({r["entities"] for r in report.scaling_entities}):
            if (speedup := _speedup(report, at)) is not None:
                print(f"speed-up: --jobs {report.jobs} {speedup:.2f} x as fast as --jobs 1"
                      f" at {at:,} entities")  # fmt: skip
    for r in report.cohort_batch:
        print(f"cohort values (examples/yunhe-quality, 3 passes): {r['entities']:,} entities,"
              f" --jobs {r['jobs']}: {r['seconds']:.1f} s, tree RSS {r['tree_rss_peak_mib']:,.0f}"
              f" MiB, largest {r['max_single_rss_mib']:,.0f} MiB")  # fmt: skip
    for r in report.xlsx_batch:
        killed = f" (killed at the {r['killed_for']} limit)" if r["killed_for"] else ""
        print(f"XLSX (rules/rugao-2018): {r['entities']:,} entities, --jobs {r['jobs']}:"
              f" {r['seconds']:.1f} s{killed}, tree RSS {r['tree_rss_peak_mib']:,.0f} MiB,"
              f" largest {r['max_single_rss_mib']:,.0f} MiB, workbook {r['xlsx_mib']:,.0f} MiB"
              )  # fmt: skip
    if report.targets:
        print()
        print("targets:")
        for t in report.targets:
            unit = t["unit"]
            shown = (
                f"exponent {t['measured']:.2f} (limit {t['limit']})"
                if unit == "^"
                else f"{t['measured']:.2f}{unit} (limit {t['limit']}{unit})"
            )
            verdict = (
                "met"
                if t["met"]
                else "MISSED: superlinear"
                if unit == "^"
                else f"MISSED by {t['factor']:.1f}x"
            )
            note = f" ({t['note']})" if t["note"] else ""
            print(f"  {t['target']:<52} {shown:<34} {verdict}{note}")
    for error in report.errors:
        print(f"\nFAILED: {error}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument("--seed", type=int, default=20181127)
    parser.add_argument("--rounds", type=int, help="interleaved rounds (per-entity timing)")
    parser.add_argument("--block", type=int, help="entities per contender per round")
    parser.add_argument("--items", type=int, nargs="+", help="synthetic scheme sizes")
    parser.add_argument("--entities", type=int, nargs="+", help="batch sizes")
    parser.add_argument("--jobs", type=int, default=2, help="qualscore batch --jobs")
    parser.add_argument(
        "--xlsx-entities", type=int, nargs="+",
        help="batch sizes of the xlsx section (default 20,000 and 100,000; --quick 2,000)",
    )  # fmt: skip
    parser.add_argument(
        "--batch-timeout", type=float, default=600, help="kill a batch run after this many s"
    )
    parser.add_argument(
        "--batch-max-rss",
        type=float,
        default=8.0,
        metavar="GIB",
        help="kill a batch run whose process tree holds more than this many GiB",
    )
    parser.add_argument("--no-zen", action="store_true", help="leave GoRules ZEN out")
    parser.add_argument(
        "--only",
        choices=("entity", "process", "items", "batch", "cohort", "xlsx"),
        nargs="+",
        help="run only these sections (xlsx runs only when named: about half an hour)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    # validate's cache of findings stays off, except where process_times times it on purpose.
    os.environ["QUALSCORE_CACHE_DIR"] = ""
    base = QUICK if args.quick else FULL
    sizes = Sizes(
        rounds=args.rounds or base.rounds,
        block=args.block or base.block,
        pool=base.pool,
        process_runs=base.process_runs,
        items=args.items or base.items,
        entities=args.entities or base.entities,
    )
    sizes.pool = max(sizes.pool, sizes.block)
    xlsx_sizes = args.xlsx_entities or (xlsx.QUICK if args.quick else xlsx.FULL)
    sections = set(args.only or ("entity", "process", "items", "batch", "cohort"))
    with_zen = not args.no_zen
    if with_zen:
        try:
            import zen  # noqa: F401
        except ImportError:
            sys.exit("zen-engine is not installed: pip install -e '.[bench]', or pass --no-zen")
    report = Report(machine=machine(), jobs=args.jobs)
    started = time.perf_counter()

    def section(title: str, work: Callable[[], None]) -> None:
        print(title, flush=True)
        try:
            work()
        except Failed as exc:
            report.errors.append(str(exc))
            print(f"  FAILED: {exc}", flush=True)
        if args.json:  # after every section, so that a later failure loses nothing
            args.json.write_text(json.dumps(asdict(report), indent=2, ensure_ascii=False) + "\n")

    with tempfile.TemporaryDirectory(prefix="qualscore-bench-") as tmp:
        work = Path(tmp)
        limits = (args.batch_timeout, int(args.batch_max_rss * 2**30))
        steps: list[tuple[str, str, Callable[[], None]]] = [
            ("entity", f"per entity: {sizes.rounds} rounds x {sizes.block} entities ...",
             lambda: per_entity(sizes, args.seed, report, with_zen=with_zen)),
            ("process", f"whole process: {sizes.process_runs} runs each ...",
             lambda: process_times(sizes, report)),
            ("items", f"synthetic schemes: {sizes.items} items ...",
             lambda: scaling_items(sizes, args.seed, work, report)),
            ("batch", f"qualscore batch --jobs {args.jobs}: {sizes.entities} entities ...",
             lambda: scaling_entities(sizes, args.seed, work, args.jobs, limits, report)),
            ("cohort", f"qualscore batch, cohort values: {max(sizes.entities)} entities ...",
             lambda: cohort_batch(sizes, args.seed, work, args.jobs, limits, report)),
            ("xlsx", f"qualscore batch to XLSX --jobs {args.jobs}: {xlsx_sizes} entities ...",
             lambda: xlsx_section(xlsx_sizes, args.seed, work, args.jobs, limits, report)),
        ]  # fmt: skip
        for name, title, step in steps:
            if name in sections:
                section(title, step)
    report.machine["loadavg_at_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    _targets(report)
    print_report(report)
    print(f"\n(benchmark ran {time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=2, ensure_ascii=False) + "\n")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
