"""The values a fact may take, for the validator's range analysis
(:mod:`qualscore.language.ranges`)."""

from __future__ import annotations

from qualscore.language.ranges import Span
from qualscore.ruleset.model import FactDecl

__all__ = ["fact_span"]


def fact_span(decl: FactDecl) -> Span:
    """The values a number fact may take: its declared range; a count's are whole."""
    low, high = decl.bounds
    return Span(low, high, whole=decl.type == "count")
