"""The package's layers: imports point down only, and no module reaches into another's privates."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

SRC = ROOT / "src" / "qualscore"

LAYERS = (
    "catalogue", "source", "language", "ruleset", "facts", "scoring", "linting", "analyst",
    "batch", "columnar", "report", "cli",
)  # fmt: skip
"""Lowest first (the catalogue of words imports nothing of the package). A module may
import from its own layer and the layers below it; the
leaf modules at the top of the package (errors, _cache, _decimal, _version, _gc,
_patterns) are below all."""

LEAVES = {"errors", "_cache", "_decimal", "_version", "_gc", "_patterns"}

UPWARD = {
    # Result.to_dict() is a façade of the JSON output, which is built in report/ (it
    # reads the analyst's headroom and losses); imported inside the method, when called.
    ("qualscore.scoring.trace", "qualscore.report.data"),
}
"""The only imports that point up, each with why."""


def _layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in LEAVES:
        return -1
    return LAYERS.index(parts[1])


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module, names) for every import of a qualscore module in the file."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith("qualscore"):
                found.append((node.lineno, target, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("qualscore"):
                    found.append((node.lineno, alias.name, []))
    return found


MODULES = sorted(p for p in SRC.rglob("*.py") if p.parent != SRC or p.stem in LEAVES)


def test_every_subpackage_is_a_layer() -> None:
    """Each folder of the package is one of the declared layers, so the test below sees it."""
    folders = {p.name for p in SRC.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=[_module(p) for p in MODULES])
def test_imports_point_down(path: Path) -> None:
    """A module imports nothing from a layer above its own."""
    own = _layer(_module(path))
    upward = [
        f"{path.name}:{line}: imports {target}"
        for line, target, _ in _imports(path)
        if _layer(target) > own and (_module(path), target) not in UPWARD
    ]
    assert upward == []


@pytest.mark.parametrize("path", MODULES, ids=[_module(p) for p in MODULES])
def test_no_private_names_from_other_modules(path: Path) -> None:
    """A module imports no ``_private`` name from another module (a private module of the
    package, and the shapes' ``_common`` helpers, are the package's, not one module's)."""
    reached = [
        f"{path.name}:{line}: {name} from {target}"
        for line, target, names in _imports(path)
        for name in names
        if name.startswith("_")
        and not target.endswith("._common")
        and name != "__version__"
        and not (SRC.parent / Path(*f"{target}.{name}".split("."))).with_suffix(".py").exists()
    ]
    assert reached == []


def test_only_report_and_cli_import_rich() -> None:
    """The engine records numbers; only report/ and cli/ import rich."""
    offenders = []
    for path in MODULES:
        layer = _module(path).split(".")[1]
        if layer in ("report", "cli"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [node.module or ""] if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names] if isinstance(node, ast.Import) else []
            )
            offenders += [f"{path.name}:{node.lineno}" for n in names if n.split(".")[0] == "rich"]
    assert offenders == []
