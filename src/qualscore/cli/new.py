"""``qualscore new`` and ``qualscore init``: next year's copy, or a new scheme."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from qualscore.analyst.newyear import new_scheme, new_year, old_year_notes

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
    """Copy ``RULES_FROM`` to ``RULES_TO`` for ``--year``; print what was done. Without
    ``RULES_TO`` (``qualscore init``), start a new scheme (``--id``, ``--start empty|demo``)."""
    if args.rules_to is None:
        scheme_id = args.id or Path(args.rules_from).name
        new = new_scheme(args.rules_from, scheme_id, args.year, args.start)
        files = sum(1 for p in Path(args.rules_from).rglob("*") if p.is_file())
        print(
            f"{new.path}: new rule set {new.id} ({new.manifest.year}), "
            f"{'from the demo' if args.start == 'demo' else 'empty'}: {files} files written",
            file=out,
        )
        return 0
    old, new = new_year(args.rules_from, args.rules_to, args.year)
    files = sum(1 for p in Path(args.rules_to).rglob("*") if p.is_file())
    kept = ", tests kept" if (Path(args.rules_to) / "tests").is_dir() else ""
    print(
        f"{new.path}: new rule set {new.id} ({new.manifest.year}) from "
        f"{old.path}: {files} files copied{kept}",
        file=out,
    )
    for note in old_year_notes(old, new):
        print(note, file=out)
    return 0
