"""``qualscore validate``: load and lint a rule set; its findings cached."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from qualscore.cli.common import (
    EXIT_OK,
    EXIT_USER_ERROR,
    one_line,
)

if TYPE_CHECKING:
    from qualscore.ruleset.loader import RuleSet

__all__ = ["command", "register"]


def register(sub: Any) -> None:
    """Add ``qualscore validate`` to the subcommands."""
    validate = sub.add_parser("validate", help="check a rule set; print its errors and warnings")
    validate.add_argument("rules", help="the rule-set folder")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 2)")
    validate.set_defaults(run=command)


def command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import io

    from qualscore import _cache

    flag = "--strict" if args.strict else ""
    key = _cache.key("validate", args.rules, flag)
    hit = _cache.get(key) if key is not None else None
    if hit is not None:  # the same files and the same engine: the same findings
        out.write(hit.out)
        err.write(hit.err)
        return hit.code
    # Imported only now: a hit builds no model (nor imports pydantic).
    from qualscore.ruleset.loader import load_rules

    ruleset = load_rules(args.rules)
    found_out, found_err = io.StringIO(), io.StringIO()
    code = _findings(ruleset, args.strict, found_out, found_err)
    out.write(found_out.getvalue())
    err.write(found_err.getvalue())
    # Keyed on the bytes the loader checked, not on the reading above: a file edited
    # meanwhile is another key, validated again next time.
    if _cache.folder() is not None:
        stored = _cache.files_key(ruleset.sources, "validate", args.rules, flag)
        _cache.put(stored, _cache.Entry(found_out.getvalue(), found_err.getvalue(), code))
    return code


def _findings(ruleset: RuleSet, strict: bool, out: TextIO, err: TextIO) -> int:
    from qualscore.linting.acknowledged import review
    from qualscore.scoring.words import count

    found = review(ruleset)
    warnings = found.warnings
    # Acknowledged warnings are listed in their place among the others, never counted.
    lines = [(a.warning.location, one_line(str(a))) for a in found.acknowledged]
    kind = "error" if strict and warnings else "warning"
    for warning in warnings:
        line = f"{warning.location}: {kind}: {warning.node}: {warning.message}"
        lines.append((warning.location, one_line(line)))
    for _, line in sorted(lines, key=lambda x: (x[0].path, x[0].line, x[0].col)):
        print(line, file=err)
    if strict and warnings:
        many = count(len(warnings), "warning")
        print(one_line(f"{ruleset.path}: {many}, errors under --strict"), file=err)
        return EXIT_USER_ERROR
    items = sum(1 for _ in ruleset.items())
    cohort = f"{count(len(ruleset.cohort), 'cohort value')}, " if ruleset.cohort else ""
    cohort = (f"{count(len(ruleset.lists), 'list')}, " if ruleset.lists else "") + cohort
    known = f", {len(found.acknowledged)} acknowledged" if found.acknowledged else ""
    print(
        f"{ruleset.path}: ok: {count(items, 'item')}, {count(len(ruleset.facts), 'fact')}, "
        f"{cohort}{len(warnings)} warning{'s' if len(warnings) != 1 else ''}{known}",
        file=out,
    )
    return EXIT_OK
