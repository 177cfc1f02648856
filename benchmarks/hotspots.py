"""Where the time goes: cProfile of one qualscore step, top functions printed.

    python -m benchmarks.hotspots evaluate            # evaluate() of rugao-2018, 200 entities
    python -m benchmarks.hotspots score
    python -m benchmarks.hotspots evaluate --synthetic --items 5000 --entities 5
    python -m benchmarks.hotspots batch --entities 300   # batch to CSV, in one process
    python -m benchmarks.hotspots load --items 1000      # load_rules of a synthetic scheme
    python -m benchmarks.hotspots lint --items 1000      # lint (validate's warnings)

Prints the top functions by own time (tottime) and by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import qualscore

from .entities import random_entities, write_tables
from .run import RUGAO, fact_specs
from .synthetic import write_scheme


def _scoring(step: str, rules_path: Path, entities: int, seed: int) -> Callable[[], object]:
    rules = qualscore.load_rules(rules_path)
    raw = random_entities(fact_specs(rules), entities, seed)
    facts = [qualscore.check_facts(rules, e) for e in raw]
    run = qualscore.evaluate if step == "evaluate" else qualscore.score
    run(rules, facts[0])  # whatever is built once per rule set, built before profiling
    return lambda: [run(rules, f) for f in facts]


def _batch(entities: int, seed: int, work: Path) -> Callable[[], object]:
    from qualscore.cli.app import main

    rules = qualscore.load_rules(RUGAO)
    specs = fact_specs(rules)
    tables = write_tables(
        work / "entities", [s[0] for s in specs], random_entities(specs, entities, seed)
    )
    argv = ["batch", str(RUGAO), *map(str, tables), "--out", str(work / "out.csv"), "--quiet"]
    return lambda: main(argv)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hotspots")
    parser.add_argument("step", choices=("evaluate", "score", "batch", "load", "lint"))
    parser.add_argument("--entities", type=int, default=200)
    parser.add_argument("--items", type=int, default=1000, help="synthetic scheme size")
    parser.add_argument(
        "--synthetic", action="store_true", help="evaluate/score a synthetic scheme, not Rugao"
    )
    parser.add_argument("--seed", type=int, default=20181127)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qualscore-profile-") as tmp:
        work = Path(tmp)
        if args.step in ("evaluate", "score"):
            scheme = write_scheme(work / "scheme", args.items) if args.synthetic else RUGAO
            run = _scoring(args.step, scheme, args.entities, args.seed)
        elif args.step == "batch":
            run = _batch(args.entities, args.seed, work)
        else:
            folder = write_scheme(work / "scheme", args.items)
            if args.step == "load":
                run = lambda: qualscore.load_rules(folder)  # noqa: E731
            else:
                rules = qualscore.load_rules(folder)
                run = lambda: qualscore.lint(rules)  # noqa: E731
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.runcall(run)
        elapsed = time.perf_counter() - start
    print(f"{args.step}: {elapsed:.2f} s under cProfile")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        text = out.getvalue()
        print(text[text.find("   ncalls") :])
    return 0


if __name__ == "__main__":
    sys.exit(main())
