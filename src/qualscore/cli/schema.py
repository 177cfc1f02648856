"""``qualscore schema``: the JSON Schema of rule and test files."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    pass

__all__ = ["command", "register"]


def register(sub: Any) -> None:
    """Add ``qualscore schema`` to the subcommands."""
    schema = sub.add_parser("schema", help="write the JSON Schema of rule and test files")
    schema.add_argument(
        "kind", nargs="?", choices=("ruleset", "facts", "category", "tests"), help="one kind only"
    )
    schema.add_argument("--out", metavar="DIR", help="write KIND.schema.json files into DIR")
    schema.add_argument(
        "--check", action="store_true", help="with --out: exit 1 if a file there is out of date"
    )
    schema.set_defaults(run=command)


def command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.analyst.schema import command

    return command(args, out, err)
