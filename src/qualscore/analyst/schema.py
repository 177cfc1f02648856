"""JSON Schema of the rule files, from the pydantic models: ``qualscore schema``.

One schema per kind of file, so that an editor (through a
``# yaml-language-server: $schema=...`` line at the top of the file) completes
and checks its keys:

- ``ruleset`` for ``ruleset.yaml``, ``facts`` for ``facts.yaml``,
  ``category`` for ``categories/*.yaml``;
- ``tests`` for a rule set's test files (``tests/*.yaml``, :mod:`qualscore.analyst.ruletest`).

A schema checks the shape of a file (keys, types, ranges, which keys go
together, which parts need an ``id``, which sections may have ``points:
none``); what needs the whole rule set (a name a formula reads, an id used
twice) is the loader's to check. Numbers are decimals: a YAML number, or a
string of one. The files are written byte for byte the same for the same
models.
"""

from __future__ import annotations

import json
from typing import Any, get_args

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from qualscore.analyst.ruletest import CaseFile
from qualscore.ruleset.model import (
    Band,
    Category,
    FactsFile,
    Manifest,
    Part,
    Shape,
    Step,
)

__all__ = ["KINDS", "render", "schema"]

KINDS: dict[str, tuple[type[BaseModel], str]] = {
    "ruleset": (Manifest, "qualscore rule set manifest (ruleset.yaml)"),
    "facts": (FactsFile, "qualscore fact declarations (facts.yaml)"),
    "category": (Category, "qualscore category (categories/*.yaml)"),
    "tests": (CaseFile, "qualscore rule-set test cases (tests/*.yaml)"),
}
"""Each kind of file: its model and its schema's title."""

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_DECIMAL_TEXT = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


_NOT_BELOW_ZERO = r"^\s*(\+?(\d+\.?\d*|\.\d+)|-(0+\.?0*|\.0+))([eE][-+]?\d+)?\s*$"
"""A decimal string that is not below 0 (``-0`` is not)."""


_NONE = {"const": "none"}


def _one_of(*names: str) -> dict[str, Any]:
    return {"oneOf": [{"required": [n]} for n in names]}


def _assessed() -> list[str]:
    """The kinds of the shapes whose score the assessors give (the model says: ``ASSESSED``)."""
    models = get_args(get_args(Shape)[0])
    return [
        get_args(m.model_fields["kind"].annotation)[0]
        for m in models
        if getattr(m, "ASSESSED", False)
    ]


_RULES: dict[type[BaseModel], dict[str, Any]] = {
    # What the models' validators check across keys, as far as a schema can say it.
    Band: {
        "anyOf": [{"required": [n]} for n in ("at_least", "above", "below", "at_most")],
        "not": {"anyOf": [{"required": ["at_least", "above"]}, {"required": ["below", "at_most"]}]},
    },
    Part: {
        **_one_of("when", "each", "score"),
        # A part with a nested score cannot be worth negative points.
        "if": {"required": ["score"], "properties": {"score": {"type": "object"}}},
        "then": {
            "properties": {
                "points": {
                    "anyOf": [
                        {"type": "number", "minimum": 0},
                        {"type": "string", "pattern": _NOT_BELOW_ZERO},
                    ]
                }
            }
        },
        # A part whose score the assessors give needs an id: its judgement is keyed by it.
        "allOf": [
            {
                "if": {
                    "required": ["score"],
                    "properties": {
                        "score": {
                            "required": ["kind"],
                            "properties": {"kind": {"enum": _assessed()}},
                        }
                    },
                },
                "then": {"required": ["id"]},
            }
        ],
    },
    Step: {
        **_one_of("unless", "when", "per"),
        "dependentRequired": {"every": ["per"], "max": ["per"], "count": ["per"]},
    },
    Category: {
        "anyOf": [{"required": ["items"]}, {"required": ["criteria"]}],
        # Only a bonus or penalty section may have points: none.
        "if": {
            "not": {"required": ["kind"], "properties": {"kind": {"enum": ["bonus", "penalty"]}}}
        },
        "then": {"properties": {"points": {"not": {"anyOf": [{"type": "null"}, _NONE]}}}},
    },
}


class _Generator(GenerateJsonSchema):
    """pydantic's generator, writing a decimal as a number (or a string of one), and
    which keys go together in a band, a part and a step."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        body = super().model_schema(schema)
        return {**body, **_RULES.get(schema["cls"], {})}

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        number: dict[str, Any] = {"type": "number"}
        for ours, theirs in (
            ("ge", "minimum"),
            ("le", "maximum"),
            ("gt", "exclusiveMinimum"),
            ("lt", "exclusiveMaximum"),
        ):
            if schema.get(ours) is not None:
                number[theirs] = _plain(schema[ours])  # type: ignore[literal-required]
        return {"anyOf": [number, {"type": "string", "pattern": _DECIMAL_TEXT}]}


def _plain(value: Any) -> int | float:
    """A bound as JSON writes it: 100000, not 100000.0."""
    number = float(value)
    return int(number) if number.is_integer() else number


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind of file."""
    model, title = KINDS[kind]
    body = model.model_json_schema(schema_generator=_Generator)
    body = _numbers(body)
    return {"$schema": DIALECT, "$id": f"{kind}.schema.json", **body, "title": title}


def _numbers(node: Any) -> Any:
    """Defaults written as decimal strings ("0") turned into numbers."""
    if isinstance(node, dict):
        out = {k: _numbers(v) for k, v in node.items()}
        default = out.get("default")
        if isinstance(default, str) and "anyOf" in out and _is_decimal(out):
            out["default"] = _plain(default)
        return out
    if isinstance(node, list):
        return [_numbers(v) for v in node]
    return node


def _is_decimal(node: dict[str, Any]) -> bool:
    return any(isinstance(o, dict) and o.get("type") == "number" for o in node["anyOf"])


def render(kind: str) -> str:
    """The schema of ``kind`` as the text of its file."""
    return json.dumps(schema(kind), ensure_ascii=False, indent=2) + "\n"
