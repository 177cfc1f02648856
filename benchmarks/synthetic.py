"""Synthetic rule sets of any size, to show how loading and scoring grow with the items.

``write_scheme(folder, items)`` writes a valid rule-set folder (ruleset.yaml,
facts.yaml, categories/*.yaml) of ``items`` items over ``items // 2`` facts
(a quarter each bool, percent, count and rate), 100 items to a category file,
every fifth child an indicator of five items. The shapes cycle through tiers,
parts, deductions (a missing part and a capped shortfall), formula and cases;
every parent's declared points are its children's sum, so a scheme is
warning-free and its growth is all there is to measure.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from pathlib import Path

__all__ = ["fact_specs", "write_scheme"]

_TYPES = ("bool", "percent", "count", "rate")
ITEMS_PER_CATEGORY = 100


def _fact(n: int) -> tuple[str, str]:
    return f"f{n:05d}", _TYPES[n % len(_TYPES)]


def fact_specs(items: int) -> list[tuple[str, str, Decimal | None, Decimal | None]]:
    """The declared facts of a scheme of ``items`` items (key, type, min, max)."""
    out: list[tuple[str, str, Decimal | None, Decimal | None]] = []
    for n in range(_fact_count(items)):
        key, kind = _fact(n)
        high = Decimal(100) if kind == "percent" else None
        out.append((key, kind, None if kind == "bool" else Decimal(0), high))
    return out


def _fact_count(items: int) -> int:
    return max(8, items // 2)


class _Facts:
    """Picks facts of a given type, spread over the whole declared list."""

    def __init__(self, count: int) -> None:
        self.by_type = {t: [_fact(n)[0] for n in range(count) if _fact(n)[1] == t] for t in _TYPES}
        self.next = dict.fromkeys(_TYPES, 0)

    def take(self, kind: str) -> str:
        pool = self.by_type[kind]
        key = pool[self.next[kind] % len(pool)]
        self.next[kind] += 1
        return key


def _item(n: int, facts: _Facts) -> tuple[int, str]:
    """Item ``n``: its points and its YAML lines (a list entry, indented 2)."""
    points = 1 + n % 3
    half = Decimal(points) / 2
    shape = n % 5
    if shape == 0:
        score = [
            "kind: tiers",
            f"value: {facts.take('percent')}",
            "bands:",
            f"  - {{at_least: 90, points: {points}, label: 90 or more}}",
            f"  - {{at_least: 60, below: 90, points: {half}, label: 60 to 90}}",
            "otherwise: 0",
        ]
    elif shape == 1:
        score = [
            "kind: parts",
            "parts:",
            f"  - {{label: first part, when: {facts.take('bool')}, points: {half}}}",
            f"  - {{label: second part, when: {facts.take('bool')}, points: {half}}}",
        ]
    elif shape == 2:
        score = [
            "kind: deductions",
            "steps:",
            f"  - {{label: part missing, unless: {facts.take('bool')}, points: {half}}}",
            f"  - {{label: per unit short, per: 20 - {facts.take('count')},"
            f" points: {half / 10}, max: {half}}}",
        ]
    elif shape == 3:
        share = facts.take("percent")
        score = [
            "kind: formula",
            f"expr: 0 if {share} < 30 else min({points}, {share} / 80 * {points})",
        ]
    else:
        score = [
            "kind: cases",
            "cases:",
            f"  - {{when: {facts.take('rate')} >= 80 and {facts.take('bool')}, points: {points}}}",
            f"  - {{when: {facts.take('percent')} >= 50, points: {half}}}",
            "otherwise: 0",
        ]
    lines = [
        f'- id: "{n}"',
        f"  title: Item {n}",
        f"  points: {points}",
        f"  criteria: Synthetic item {n}, shape {score[0].split()[1]}.",
        "  departments: [Dept A]",
        "  score:",
        *("    " + line for line in score),
    ]
    return points, "\n".join(lines)


def write_scheme(folder: Path, items: int) -> Path:
    """Write a rule set of ``items`` items into ``folder`` (created); return it."""
    (folder / "categories").mkdir(parents=True, exist_ok=True)
    (folder / "ruleset.yaml").write_text(
        f"id: synthetic-{items}\ntitle: Synthetic scheme of {items} items\nyear: 2024\n"
        "language: en\nrounding: {places: 2, mode: half_up}\n",
        encoding="utf-8",
    )
    facts = ["facts:"]
    for key, kind, _low, _high in fact_specs(items):
        facts.append(f"  - {{key: {key}, type: {kind}, label: Fact {key}}}")
    (folder / "facts.yaml").write_text("\n".join(facts) + "\n", encoding="utf-8")
    picker = _Facts(_fact_count(items))
    n = 0
    category = 0
    while n < items:
        category += 1
        children: list[str] = []
        total = 0
        child = 0
        while n < items and child < ITEMS_PER_CATEGORY:
            if child % 5 == 4 and items - n >= 5:
                group = [_item(n + k, picker) for k in range(5)]
                points = sum(p for p, _ in group)
                body = "\n".join(_indent(text, 4) for _, text in group)
                children.append(
                    f'- id: "g{n}"\n  title: Indicator {n}\n  points: {points}\n  items:\n{body}'
                )
                n += 5
                child += 5
            else:
                points, text = _item(n, picker)
                children.append(text)
                n += 1
                child += 1
            total += points
        body = "\n".join(_indent(text, 2) for text in children)
        (folder / "categories" / f"{category:03d}.yaml").write_text(
            f"id: c{category}\ntitle: Category {category}\npoints: {total}\nitems:\n{body}\n",
            encoding="utf-8",
        )
    return folder


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic rule set.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--items", type=int, default=500)
    args = parser.parse_args(argv)
    write_scheme(args.folder, args.items)
    print(f"{args.folder}: {args.items} items, {_fact_count(args.items)} facts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
