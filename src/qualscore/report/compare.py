"""Compared with last time: a previous ``--format json`` output (or a batch JSON) against now.

:func:`load` reads the previous document; :func:`compare` lines it up with a
result: each item's score then and now, the total's change and, from a batch
JSON, the rank then. Each format shows the same :class:`Comparison`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from qualscore.errors import Problem, SourceError
from qualscore.scoring.trace import Result
from qualscore.scoring.words import fmt, words

__all__ = ["Comparison", "Previous", "compare", "load", "signed"]


@dataclass(frozen=True)
class Previous:
    """What a previous output said: total, rank (from a batch), each item's score."""

    source: str
    total: Decimal
    rank: int | None
    items: dict[str, Decimal]
    entities: dict[str, tuple[Decimal, int, dict[str, Decimal]]]


@dataclass(frozen=True)
class Comparison:
    """One entity then and now."""

    source: str
    total_before: Decimal | None
    total_now: Decimal
    rank_before: int | None
    rank_now: int | None
    items: tuple[tuple[str, str, Decimal | None, Decimal], ...]

    @property
    def total_change(self) -> Decimal | None:
        return None if self.total_before is None else self.total_now - self.total_before


def signed(value: Decimal | None) -> str:
    """``+1.5``, ``-0.2``, ``0``; ``—`` when there is nothing to compare with."""
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + fmt(value)


def _number(text: Any, where: str) -> Decimal:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        raise SourceError([Problem(where, 0, 0, f"not a number: {str(text)[:40]!r}")]) from None


def load(path: str | Path) -> Previous:
    """A previous ``evaluate --format json`` or ``batch --out x.json`` document.

    Raises:
        SourceError: not readable, not JSON, or neither kind of document.
    """
    shown = str(path)
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise SourceError([Problem(shown, 0, 0, f"--compare: cannot read: {reason}")]) from None
    if isinstance(doc, dict) and isinstance(doc.get("ranking"), list):
        entities = {}
        for row in doc["ranking"]:
            scores = {k: _number(v, shown) for k, v in (row.get("items") or {}).items()}
            entities[str(row.get("entity"))] = (
                _number(row.get("total"), shown), int(row.get("rank", 0)), scores,
            )  # fmt: skip
        return Previous(shown, Decimal(0), None, {}, entities)
    if isinstance(doc, dict) and "categories" in doc and "total" in doc:
        items: dict[str, Decimal] = {}

        def walk(node: dict[str, Any]) -> None:
            for child in node.get("children", []):
                if child.get("kind") == "item":
                    items[str(child["id"])] = _number(child["score"], shown)
                else:
                    walk(child)

        for category in doc["categories"]:
            walk(category)
        if doc.get("bonus"):
            items["bonus"] = _number(doc["bonus"]["score"], shown)
        return Previous(shown, _number(doc["total"], shown), None, items, {})
    message = "--compare: not a qualscore JSON report (evaluate --format json, or batch .json)"
    raise SourceError([Problem(shown, 0, 0, message)])


def compare(
    result: Result, previous: Previous, entity: str | None = None, rank: int | None = None
) -> Comparison:
    """``result`` against ``previous``; a batch document is looked up by ``entity``."""
    total, rank_before, items = previous.total, previous.rank, previous.items
    found = None
    if previous.entities:
        name = entity or result.entity
        found = previous.entities.get(name or "")
        if found is None and len(previous.entities) == 1:
            found = next(iter(previous.entities.values()))
    if previous.entities:
        total_before: Decimal | None = None if found is None else found[0]
        rank_before = None if found is None else found[1]
        items = {} if found is None else found[2]
    else:
        total_before = total
    rows = tuple(
        (i.id, i.title, items.get(i.id), i.score) for i in result.items()
    )
    return Comparison(previous.source, total_before, result.total, rank_before, rank, rows)


def lines(c: Comparison, language: str) -> list[tuple[str, str, str, str, str]]:
    """Rows of the comparison table: id, title, then, now, change (items that changed first)."""
    return [
        (
            item_id,
            title,
            "—" if before is None else fmt(before),
            fmt(now),
            signed(None if before is None else now - before),
        )
        for item_id, title, before, now in c.items
    ]


def headline(c: Comparison, language: str) -> str:
    """The total's (and the rank's) change in one sentence."""
    w = words(language)
    zh = language == "zh"
    then = "—" if c.total_before is None else fmt(c.total_before)
    text = (
        f"{w['total']} {then} → {fmt(c.total_now)}（{signed(c.total_change)}）"
        if zh
        else f"{w['total']} {then} → {fmt(c.total_now)} ({signed(c.total_change)})"
    )
    if c.rank_before is not None or c.rank_now is not None:
        before = "—" if c.rank_before is None else str(c.rank_before)
        now = "—" if c.rank_now is None else str(c.rank_now)
        text += f"；{w['rank']} {before} → {now}" if zh else f"; {w['rank']} {before} → {now}"
    return text
