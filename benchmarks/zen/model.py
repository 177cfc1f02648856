"""GoRules ZEN as a contender: the engine, its input, and its scores as decimals.

ZEN computes with its own decimal type but hands numbers to Python as
``float``, and takes no ``Decimal`` in: the context is a dict of ``float`` and
``bool`` built once per entity (as qualscore's facts are validated once), and
each number that comes back is read through its shortest ``repr`` and rounded
half up to 0.01 before it is compared with qualscore's exact score.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import zen

from .build import MODEL, item_key

__all__ = ["KEY", "context", "decision", "engine", "scores"]

KEY = "rugao-2018"
_CENT = Decimal("0.01")


def engine() -> zen.ZenEngine:
    """An engine whose static loader holds the model under :data:`KEY`.

    The static loader parses and compiles the model once; a loader callback
    is called again on every ``evaluate(key, ...)``.
    """
    content = json.loads(MODEL.read_text(encoding="utf-8"))
    return zen.ZenEngine({"loader": {"type": "static", "content": {KEY: content}}})


def decision(zen_engine: zen.ZenEngine) -> zen.ZenDecision:
    """The model as a decision object (``decision.evaluate(context)``)."""
    return zen_engine.create_decision(MODEL.read_text(encoding="utf-8"))


def context(facts: Mapping[str, Any]) -> dict[str, float | bool]:
    """ZEN's input for validated facts: each ``Decimal`` as a ``float``."""
    return {k: v if isinstance(v, bool) else float(v) for k, v in facts.items()}


def scores(result: Mapping[str, Any], item_ids: tuple[str, ...]) -> dict[str, Decimal]:
    """The items, ``bonus`` and ``total`` of one ``evaluate`` response, to 0.01."""
    out = result["result"]

    def read(key: str) -> Decimal:
        return Decimal(repr(out[key])).quantize(_CENT, rounding=ROUND_HALF_UP)

    values = {i: read(item_key(i)) for i in item_ids}
    values["bonus"] = read("bonus")
    values["total"] = read("total")
    return values
