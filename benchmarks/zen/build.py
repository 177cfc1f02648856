"""Write the ZEN decision model (JDM) of the Rugao scheme from its readable spec.

    python -m benchmarks.zen.build           # rewrite rugao-2018.jdm.json
    python -m benchmarks.zen.build --check   # exit 1 if the JSON is not what the spec gives

The model is one expression node. For every item it computes ``i_<id>`` (dots
as underscores: ``i_19_4``), the shape's value clamped to [0, points] and
rounded to 0.01; then ``n_<id>`` for each indicator and ``c_<n>`` for each
category (the capped sums), ``bonus`` and ``total``. Later expressions read
earlier ones through ``$``, so the total is computed once, in the model.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

__all__ = ["MODEL", "SPEC", "build", "item_key", "main", "render"]

HERE = Path(__file__).parent
SPEC = HERE / "rugao-2018.spec.yaml"
MODEL = HERE / "rugao-2018.jdm.json"

_IVERSON = re.compile(r"\{([^{}]*)\}")


def item_key(item_id: str) -> str:
    """The model's output key of an item: ``"19.4"`` -> ``"i_19_4"``."""
    return "i_" + item_id.replace(".", "_")


def _expr(text: str) -> str:
    """A spec expression in ZEN's language: ``{x}`` -> ``(x ? 1 : 0)``, one line."""
    return " ".join(_IVERSON.sub(r"((\1) ? 1 : 0)", text).split())


def _num(value: Any) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def build(spec: dict[str, Any]) -> dict[str, Any]:
    """The JDM decision graph of ``spec``: input -> one expression node -> output."""
    expressions: list[tuple[str, str]] = []

    def item(node: dict[str, Any]) -> str:
        key = item_key(str(node["id"]))
        points = _num(node["points"])
        expressions.append((key, f"round(max([0, min([{points}, {_expr(node['score'])}])]), 2)"))
        return key

    categories = []
    for n, category in enumerate(spec["categories"], start=1):
        children = []
        for child in category["children"]:
            if "items" in child:
                keys = [item(i) for i in child["items"]]
                key = "n_" + str(child["id"]).replace(".", "_")
                total = " + ".join(f"$.{k}" for k in keys)
                expressions.append((key, f"min([{_num(child['points'])}, {total}])"))
                children.append(key)
            else:
                children.append(item(child))
        key = f"c_{n}"
        total = " + ".join(f"$.{k}" for k in children)
        expressions.append((key, f"min([{_num(category['points'])}, {total}])"))
        categories.append(key)
    bonus = spec["bonus"]
    expressions.append(
        ("bonus", f"round(min([{_num(bonus['points'])}, {_expr(bonus['score'])}]), 2)")
    )
    expressions.append(("total", " + ".join(f"$.{k}" for k in [*categories, "bonus"])))
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {
                "id": "request",
                "type": "inputNode",
                "name": "facts",
                "position": {"x": 0, "y": 0},
                "content": {},
            },
            {
                "id": "scores",
                "type": "expressionNode",
                "name": "rugao-2018 scores",
                "position": {"x": 300, "y": 0},
                "content": {
                    "expressions": [
                        {"id": f"e{i}", "key": key, "value": value}
                        for i, (key, value) in enumerate(expressions, start=1)
                    ],
                    "passThrough": False,
                    "inputField": None,
                    "outputPath": None,
                    "executionMode": "single",
                },
            },
            {
                "id": "response",
                "type": "outputNode",
                "name": "scores",
                "position": {"x": 600, "y": 0},
                "content": {},
            },
        ],
        "edges": [
            {"id": "in", "sourceId": "request", "targetId": "scores", "type": "edge"},
            {"id": "out", "sourceId": "scores", "targetId": "response", "type": "edge"},
        ],
    }


def render(spec_path: Path = SPEC) -> str:
    """The JSON text the spec gives (what ``rugao-2018.jdm.json`` must hold)."""
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    return json.dumps(build(spec), ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the JSON is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = MODEL.read_text(encoding="utf-8") if MODEL.exists() else ""
        if current != text:
            print(f"{MODEL}: out of date; run python -m benchmarks.zen.build", file=sys.stderr)
            return 1
        return 0
    MODEL.write_text(text, encoding="utf-8")
    print(f"{MODEL}: {len(text.splitlines())} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
