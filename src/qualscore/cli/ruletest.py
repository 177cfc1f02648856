"""``qualscore test``: a rule set's own test cases and their coverage."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    pass

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
    ruletest.set_defaults(run=command)


def command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.analyst.ruletest import command

    return command(args, out, err)


def min_coverage(text: str) -> Any:
    from qualscore.analyst.ruletest import min_coverage

    return min_coverage(text)
