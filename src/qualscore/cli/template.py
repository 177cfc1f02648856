"""``qualscore template``: a facts template for departments to fill in."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from qualscore.cli.common import (
    EXIT_OK,
    EXIT_USER_ERROR,
    write,
)

__all__ = ["command", "register"]


def register(sub: Any) -> None:
    """Add ``qualscore template`` to the subcommands."""
    template = sub.add_parser("template", help="write a facts template for departments to fill in")
    template.add_argument("rules", help="the rule-set folder")
    template.add_argument(
        "--format",
        choices=("yaml", "csv", "xlsx"),
        default="yaml",
        help="yaml (default); csv or xlsx: a table headed in the rule set's language; xlsx "
        "also has an instructions sheet first, drop-downs and range checks on the values",
    )
    template.add_argument("--out", metavar="FILE", help="write to FILE (needed for xlsx)")
    template.add_argument(
        "--entity",
        metavar="NAME",
        help="only the facts of what applies to this entity, or to this group of entities",
    )
    template.add_argument(
        "--bom",
        action="store_true",
        help="with --format csv and --out: start the file with a UTF-8 byte order mark, so "
        "that Excel opens it as UTF-8",
    )
    template.add_argument(
        "--list",
        metavar="KEY",
        help="the table of one list of records instead (an 'entity' column, the list's "
        "fields, supplier, evidence, note): for batch --list KEY=FILE",
    )
    template.set_defaults(run=command)


def command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from qualscore.report import template
    from qualscore.ruleset.loader import load_rules

    ruleset = load_rules(args.rules)
    if args.entity is not None:
        names = {*ruleset.entities(), *(g.id for g in ruleset.manifest.groups)}
        if args.entity not in names:
            from qualscore.source.suggest import hint

            what = "no entity or group" if names else "the rule set declares no groups, so no"
            shown = f"{args.entity!r}{hint(args.entity, names)}"
            print(f"qualscore: template --entity: {what} {shown}", file=err)
            return EXIT_USER_ERROR
    ruleset, entity = template.for_entity(ruleset, args.entity)
    if args.bom and (args.format != "csv" or not args.out):  # never silently ignored
        print("qualscore: template --bom needs --format csv and --out FILE", file=err)
        return EXIT_USER_ERROR
    if args.list is not None:
        return _list(args, ruleset, out, err)
    if ruleset.lists and args.format != "yaml":
        keys = ", ".join(d.key for d in ruleset.lists)
        print(f"qualscore: note: a key/value table holds no list of records ({keys}): "
              "write each with template --list KEY, give it with --list KEY=FILE",
              file=err)  # fmt: skip
    if args.format == "xlsx":
        if not args.out:
            print("qualscore: template --format xlsx needs --out FILE", file=err)
            return EXIT_USER_ERROR
        from qualscore.source.files import write_atomic

        write_atomic(args.out, template.to_xlsx(ruleset, entity), inputs=(args.rules,))
        return EXIT_OK
    text = (
        template.to_yaml(ruleset, entity)
        if args.format == "yaml"
        else template.to_csv(ruleset, entity)
    )
    return write(args.out, _with_bom(args, text), out, inputs=(args.rules,))


def _with_bom(args: argparse.Namespace, text: str) -> str:
    """A CSV written to a file with ``--bom``: a UTF-8 byte order mark first, for Excel."""
    return "\ufeff" + text if args.bom and args.format == "csv" and args.out else text


def _list(args: argparse.Namespace, ruleset: Any, out: TextIO, err: TextIO) -> int:
    """``template --list KEY``: the table of one list of records, CSV or XLSX."""
    from qualscore.report import template

    keys = [d.key for d in ruleset.lists]
    if args.list not in keys:
        from qualscore.source.suggest import hint

        known = ", ".join(keys) or "none"
        print(f"qualscore: template --list: no list {args.list!r} (the rule set's lists: "
              f"{known}){hint(args.list, keys)}", file=err)  # fmt: skip
        return EXIT_USER_ERROR
    if args.format == "yaml":
        print("qualscore: template --list writes a table: --format csv or xlsx", file=err)
        return EXIT_USER_ERROR
    if args.format == "xlsx":
        if not args.out:
            print("qualscore: template --format xlsx needs --out FILE", file=err)
            return EXIT_USER_ERROR
        from qualscore.source.files import write_atomic

        write_atomic(args.out, template.list_xlsx(ruleset, args.list), inputs=(args.rules,))
        return EXIT_OK
    text = _with_bom(args, template.list_csv(ruleset, args.list))
    return write(args.out, text, out, inputs=(args.rules,))
