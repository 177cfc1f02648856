"""Nothing outside a shape's module asks which shape it has: it asks the shape.

Each shape is one module of ``qualscore/scoring/shapes`` (and its pydantic model, which the
loader asks, a layer below). A question about a shape elsewhere (``isinstance(shape,
TiersShape)``, a ``match`` on its class, ``shape.kind == "tiers"``) is a shape spread over
many modules: it belongs in the shape's protocol, asked through the registry
(``docs/extending.md``).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT
from qualscore.ruleset.model import Shape
from qualscore.scoring import shapes
from qualscore.scoring.shapes import OPTIONAL, REGISTRY
from qualscore.scoring.trace import ShapeTrace

SRC = ROOT / "src" / "qualscore"
SHAPES = SRC / "scoring" / "shapes"

MODELS = frozenset(m.MODEL.__name__ for m in REGISTRY.values())
TRACES = frozenset(m.TRACE.__name__ for m in REGISTRY.values())
CLASSES = MODELS | TRACES
"""The shapes' model and trace classes: what asking which shape a node has names."""

KINDS = frozenset(REGISTRY)

ALLOWED: dict[str, int] = {}
"""Files that still ask, with how many times: none. A file that must ask for a while is
listed here with its count, and the list only shrinks."""

MODEL_PARTS = ("awards", "ASSESSED", "READS_RANK", "needs_points")
"""What the loader and the cohort checks ask a shape's model (``ruleset/`` is below the
shape modules), each where the model has something to say (``ruleset/model.py``)."""


def _names(node: ast.AST) -> set[str]:
    """The class names written in ``node``: ``A``, ``model.A``, ``A | B``, ``(A, B)``."""
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            found.add(sub.attr)
    return found


def _kinds(node: ast.AST) -> set[str]:
    """The shape kinds written as literals in ``node``: ``"tiers"``, ``("parts", "cases")``."""
    return {
        sub.value
        for sub in ast.walk(node)
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value in KINDS
    }


def _call(node: ast.Call) -> str | None:
    """``isinstance(x, TiersShape)``, ``issubclass(…)``: what it asks about, if a shape."""
    if not (isinstance(node.func, ast.Name) and node.func.id in ("isinstance", "issubclass")):
        return None
    named = _names(node.args[1]) & CLASSES if len(node.args) == 2 else set()
    return f"{node.func.id}(…, {'|'.join(sorted(named))})" if named else None


def _compare(node: ast.Compare) -> str | None:
    """``x.kind == "tiers"``, ``x.kind in ("parts", …)``, ``type(x) is TiersShape``."""
    sides = [node.left, *node.comparators]
    kinds = set().union(*map(_kinds, sides))
    if kinds and any(isinstance(s, ast.Attribute) and s.attr == "kind" for s in sides):
        return f".kind compared with {sorted(kinds)}"
    typed = [s for s in sides if isinstance(s, ast.Call) and _names(s.func) == {"type"}]
    named = set().union(*(_names(s) for s in sides if s not in typed)) & CLASSES
    return f"type(…) compared with {'|'.join(sorted(named))}" if typed and named else None


def asks(tree: ast.AST) -> list[tuple[int, str]]:
    """Each place that asks which shape a node has: (line, what)."""
    found = []
    for node in ast.walk(tree):
        what = None
        if isinstance(node, ast.Call):
            what = _call(node)
        elif isinstance(node, ast.MatchClass) and _names(node.cls) & CLASSES:
            what = f"case {'|'.join(sorted(_names(node.cls) & CLASSES))}()"
        elif isinstance(node, ast.Compare):
            what = _compare(node)
        if what is not None:
            found.append((getattr(node, "lineno", 0), what))
    return sorted(found)


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if SHAPES not in p.parents)


def test_the_shapes_classes_are_known() -> None:
    """The classes counted are every shape of the rule language (the test counts something)."""
    union = {m.__name__ for m in Shape.__origin__.__args__}  # type: ignore[attr-defined]
    traces = {t.__name__ for t in ShapeTrace.__args__}  # type: ignore[attr-defined]
    assert (union, traces) == (MODELS, TRACES) and len(CLASSES) >= 16


def test_no_module_outside_the_shapes_asks_which_shape_it_has() -> None:
    """Outside ``scoring/shapes/`` only the files allowed ask, and no more often than counted."""
    counts: Counter[str] = Counter()
    where: dict[str, list[str]] = {}
    for path in _modules():
        name = path.relative_to(SRC).as_posix()
        found = asks(ast.parse(path.read_text(encoding="utf-8")))
        if found:
            counts[name] = len(found)
            where[name] = [f"{name}:{line}: {what}" for line, what in found]
    over = {n: where[n] for n in counts if counts[n] > ALLOWED.get(n, 0)}
    assert over == {}, "ask the shape instead: add a part to its protocol (docs/extending.md)"
    assert dict(counts) == ALLOWED, "a file asks less now: lower its count in ALLOWED"


@pytest.mark.parametrize(
    ("source", "count"),
    [
        ("isinstance(s, TiersShape)", 1),
        ("isinstance(s, model.PartsShape | CasesShape)", 1),
        ("isinstance(s, (JudgedShape, int))", 1),
        ("issubclass(type(s), RankShape)", 1),
        ("type(s) is FormulaShape", 1),
        ("s.kind == 'tiers'", 1),
        ("s.score.kind in ('parts', 'cases')", 1),
        ("match s:\n    case TargetShape(): pass", 1),
        ("isinstance(t, PartsTrace)", 1),
        ("isinstance(s, Item)", 0),
        ("category.kind == 'penalty'", 0),
        ("getattr(s, 'awards', None)", 0),
    ],
)
def test_the_count_sees_every_way_of_asking(source: str, count: int) -> None:
    """isinstance, issubclass, type(…) is, a ``match`` class pattern and a literal kind count."""
    assert len(asks(ast.parse(source))) == count


def test_every_optional_part_is_asked_through_the_registry() -> None:
    """Each optional part has a function of its name in the registry, which asks the module."""
    for part in OPTIONAL:
        assert callable(getattr(shapes, part, None)), part
        assert part in shapes.__all__


def test_what_the_loader_asks_a_model_is_on_some_model() -> None:
    """The model-side parts are spelled as some shape's model spells them: a typo would make
    the loader silently ask nobody."""
    for part in MODEL_PARTS:
        assert any(hasattr(m.MODEL, part) for m in REGISTRY.values()), part
