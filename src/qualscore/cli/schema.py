"""``qualscore schema``: the JSON Schema of rule and test files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from qualscore.analyst.schema import KINDS, render
from qualscore.errors import Problem, SourceError
from qualscore.source.files import write_atomic

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
    """``qualscore schema [KIND] [--out DIR [--check]]``: print, write or check the schemas."""
    kinds = [args.kind] if args.kind else list(KINDS)
    if args.out is None:
        if args.check or args.kind is None:
            print(
                "qualscore: schema: give a KIND to print, or --out DIR to write them all", file=err
            )
            return 2
        out.write(render(args.kind))
        return 0
    folder = Path(args.out)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "no such folder"
        raise SourceError([Problem(args.out, 0, 0, what)])
    stale = []
    for kind in kinds:
        path = folder / f"{kind}.schema.json"
        text = render(kind)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        if args.check:
            stale.append(path)
        else:
            write_atomic(path, text)
            print(f"{path}: written", file=out)
    for path in stale:
        print(f"{path}: out of date; run: qualscore schema --out {args.out}", file=out)
    return 1 if stale else 0
