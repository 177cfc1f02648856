"""The scoring engine: a rule set compiled to Python once, run per entity.

- :mod:`.plan`: the compiler (one generator, a scores-only and a traced variant)
  and the lazy expansion of compact records into a :class:`~qualscore.scoring.trace.Result`;
- :mod:`.shapes`: one module per scoring shape, and the registry of them;
- :mod:`.gen`, :mod:`.runtime`: the generator's toolbox and what generated code may call.

:func:`qualscore.evaluate` and :func:`qualscore.score` are thin wrappers over
:func:`plan`; ``qualscore compile RULES`` prints the generated source.
"""

from __future__ import annotations

from qualscore.scoring.plan import (
    Plan,
    Scores,
    formulas,
    item_function,
    plan,
)

__all__ = ["Plan", "Scores", "formulas", "item_function", "plan"]
