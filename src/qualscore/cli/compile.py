"""``qualscore compile``: print the Python a rule set compiles to."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from qualscore.cli.common import (
    EXIT_OK,
)

__all__ = ["command", "register"]


def register(sub: Any) -> None:
    """Add ``qualscore compile`` to the subcommands."""
    compile_ = sub.add_parser(
        "compile", help="print the Python a rule set is compiled to: exactly what scores it"
    )
    compile_.add_argument("rules", help="the rule-set folder")
    compile_.add_argument(
        "--traced",
        action="store_true",
        help="the variant evaluate runs (scores and trace records), not the scores-only one",
    )
    compile_.set_defaults(run=command)


def command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.ruleset.loader import load_rules
    from qualscore.scoring import plan

    out.write(plan(load_rules(args.rules)).source(args.traced))
    return EXIT_OK
