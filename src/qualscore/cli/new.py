"""``qualscore new`` and ``qualscore init``: next year's copy, or a new scheme."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    pass

__all__ = ["command", "register"]


def register(sub: Any) -> None:
    """Add ``qualscore new`` to the subcommands."""
    new = sub.add_parser("new", help="copy a rule set to a new year, its tests kept")
    new.add_argument("rules_from", metavar="RULES_FROM", help="the rule-set folder to copy")
    new.add_argument("rules_to", metavar="RULES_TO", help="the new folder (must not exist)")
    new.add_argument("--year", type=int, required=True, help="the new rule set's year")
    new.set_defaults(run=command)
    init = sub.add_parser("init", help="start a new scheme: empty, or a copy of the demo")
    init.add_argument("rules_from", metavar="RULES", help="the new folder (must not exist)")
    init.add_argument("--year", type=int, required=True, help="the scheme's year")
    init.add_argument("--id", help="the scheme's id (default: the folder's name)")
    init.add_argument(
        "--start",
        choices=("empty", "demo"),
        default="empty",
        help="one item to replace (empty), or a copy of the demo scheme (examples/demo)",
    )
    init.set_defaults(run=command, rules_to=None)


def command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.analyst.newyear import command

    return command(args, out, err)
