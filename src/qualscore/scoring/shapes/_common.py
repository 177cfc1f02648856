"""Small helpers the shape modules share: words for points and inputs."""

from __future__ import annotations

from decimal import Decimal

from ...formula import Value
from ...trace import Input
from ...words import fmt

__all__ = ["Loc", "pts", "subject", "value_text"]

Loc = tuple[str | int, ...]


def value_text(value: Value, unit: str | None = None) -> str:
    """A fact value as it was given (91.00 stays 91.00), with its unit."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = format(value, "f")
    return f"{text}{unit}" if unit and unit in ("%", "‰") else (f"{text} {unit}" if unit else text)


def pts(value: Decimal, language: str) -> str:
    """``2 分`` or ``2 pt``."""
    return f"{fmt(value)} 分" if language == "zh" else f"{fmt(value)} pt"


def subject(expr: str, inputs: tuple[Input, ...]) -> str:
    """``label = value`` when ``expr`` is one fact the item read, else ``expr``."""
    for i in inputs:
        if i.key == expr:
            return f"{i.label} = {value_text(i.value, i.unit)}"
    return expr
