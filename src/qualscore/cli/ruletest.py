"""``qualscore test``: a rule set's own test cases and their coverage."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from qualscore.analyst.coverage import (
    branches,
    missing,
    percent,
    unreachable,
)
from qualscore.analyst.ruletest import TESTS, Report, apply_updates, load_suites, run
from qualscore.analyst.ruletest import min_coverage as percent_argument
from qualscore.ruleset.loader import RuleSet, load_rules
from qualscore.scoring.words import count, fmt

__all__ = ["command", "register"]


def register(sub: Any) -> None:
    """Add ``qualscore ruletest`` to the subcommands."""
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
        type=min_coverage,
        help="fail when fewer than P %% of the branches are reached",
    )
    ruletest.add_argument(
        "--update",
        action="store_true",
        help="write what the rules give now over each expected value that differs, in the "
        "test files, after listing each change (file:line:col: old → new)",
    )
    ruletest.set_defaults(run=command)


def command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``qualscore test RULES [TESTS...] [--min-coverage P]``: 0 pass, 1 fail, 2 user error."""
    ruleset = load_rules(args.rules)
    suites = load_suites(ruleset, args.tests or [f"{ruleset.path}/{TESTS}"])
    report = run(ruleset, suites)
    for problem in sorted(set(report.errors)):
        print(problem, file=err)
    for failure in report.failures:
        print(failure, file=out)
    if getattr(args, "update", False) and report.updates:
        for change in apply_updates(report.updates):
            print(f"updated {change}", file=out)
        changed = len(report.updates)
        print(f"qualscore: {changed} expected value{'s' if changed != 1 else ''} updated; "
              "run qualscore test again to check", file=out)  # fmt: skip
    every = branches(ruleset)
    if report.refused:  # coverage of a partial run would mislead
        _summary(ruleset, report, out)
        refused = "1 case" if report.refused == 1 else f"{report.refused} cases"
        print(f"coverage: not measured ({refused} refused)", file=out)
        return 2
    for branch in missing(every, report.hit):
        print(branch, file=out)
    for branch, why in unreachable(ruleset):
        print(f"{branch.location}: unreachable, not counted: {branch.node}: "
              f"{branch.description}: {why}", file=out)  # fmt: skip
    _summary(ruleset, report, out)
    hit = sum(1 for b in every if b.key in report.hit)
    share = percent(hit, len(every))
    print(f"coverage: {fmt(share)}% ({hit} of {len(every)} branches reached)", file=out)
    below = args.min_coverage is not None and hit * 100 < args.min_coverage * len(every)
    if below:
        print(f"coverage {fmt(share)}% is below the minimum of {fmt(args.min_coverage)}%", file=out)
    return 1 if report.failed or below else 0


def _summary(ruleset: RuleSet, report: Report, out: TextIO) -> None:
    failed = len(report.failed)
    passed = report.cases - failed - report.refused
    refused = f", {report.refused} refused" if report.refused else ""
    print(
        f"{ruleset.path}: {count(report.cases, 'case')}, {passed} passed, {failed} failed{refused}",
        file=out,
    )


def min_coverage(text: str) -> Any:
    return percent_argument(text)
