"""Shared helpers: the repository's folders, the command line run in this process, and a
small rule set written into a temporary folder from YAML strings.

``ROOT`` is the repository's root (``ROOT / "rules/rugao-2018"``), ``FIXTURES`` the
folder ``tests/fixtures``. ``run_cli(*argv)`` runs ``qualscore ARGV`` and returns
(exit code, stdout, stderr); ``run_cli_no_traceback`` does the same and fails the test
when stderr holds a traceback. A test imports them: ``from conftest import ROOT, run_cli``.

``write_ruleset(tmp_path, facts_yaml, items_yaml, ...)`` writes ``ruleset.yaml``,
``facts.yaml`` and ``categories/1.yaml`` into a fresh sub-folder and returns it.
``item_yaml(score_yaml, ...)`` writes one item with every required key, so a
test only spells out what it is about. Both are plain functions, also offered
as fixtures of the same name; ``make_rules`` writes and loads in one step.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import qualscore

__all__ = [
    "FIXTURES",
    "ROOT",
    "entity_facts",
    "expected_of",
    "item_yaml",
    "pure_python_document",
    "require_program",
    "rule_folder",
    "run_cli",
    "run_cli_no_traceback",
    "write_ruleset",
]

# The repository's root: the rule sets, examples, docs and sources the tests read.
ROOT = Path(__file__).resolve().parent.parent
# The small rule sets and facts files kept for the tests.
FIXTURES = ROOT / "tests" / "fixtures"

# No test reads or writes the user's cache: each test process has its own, made empty and
# removed at exit, so rule sets load as a user's do (from the cache once stored). A test
# of the cache itself sets its own folder (the ``cache`` fixture) or none.
_CACHE = tempfile.mkdtemp(prefix="qualscore-test-cache-")
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
os.environ["QUALSCORE_CACHE_DIR"] = _CACHE


def rule_folder(root: Path, manifest: str, facts: str, **categories: str) -> Path:
    """A rule set written as given: ``ruleset.yaml``, ``facts.yaml`` and each category as
    ``categories/NAME.yaml``, in ``root`` (made if need be), which it returns."""
    (root / "categories").mkdir(parents=True, exist_ok=True)
    (root / "ruleset.yaml").write_text(manifest, encoding="utf-8")
    (root / "facts.yaml").write_text(facts, encoding="utf-8")
    for name, text in categories.items():
        (root / "categories" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def _block(text: str, indent: int) -> str:
    return textwrap.indent(textwrap.dedent(text).strip("\n"), " " * indent)


def item_yaml(
    score_yaml: str,
    *,
    item_id: str = "1",
    points: str | int = 10,
    extra: str = "",
) -> str:
    """One item as a YAML list entry: ``score_yaml`` is the shape (a mapping),
    ``extra`` more keys of the item (``not_applicable: ...``)."""
    lines = [
        f'- id: "{item_id}"',
        f"  title: Item {item_id}",
        f"  points: {points}",
        "  criteria: As the test says.",
        "  departments: [Test Department]",
        "  score:",
        _block(score_yaml, 4),
    ]
    if extra.strip():
        lines.append(_block(extra, 2))
    return "\n".join(lines) + "\n"


def write_ruleset(
    tmp_path: Path,
    facts_yaml: str,
    items_yaml: str,
    *,
    points: str | int = 100,
    checks_yaml: str = "",
    manifest_yaml: str = "",
    rounding: str = "{places: 2, mode: half_up}",
) -> Path:
    """Write a one-category rule set into a new folder under ``tmp_path``; return the folder.

    Args:
        facts_yaml: The entries of the ``facts:`` list (``- {key: x, type: number, label: x}``).
        items_yaml: The entries of the category's ``items:`` list (see :func:`item_yaml`).
        points: The category's declared points.
        checks_yaml: The entries of ``checks:`` in facts.yaml, if any.
        manifest_yaml: More top-level keys of ruleset.yaml (``bonus:``, ``vetoes:``, ...).
        rounding: The rule set's ``rounding`` mapping.
    """
    n = 1
    while (tmp_path / f"rules-{n}").exists():
        n += 1
    root = tmp_path / f"rules-{n}"
    (root / "categories").mkdir(parents=True)
    manifest = (
        f"id: test-{n}\ntitle: Test rules\nyear: 2024\nlanguage: en\nrounding: {rounding}\n"
    )
    if manifest_yaml.strip():
        manifest += textwrap.dedent(manifest_yaml).strip("\n") + "\n"
    (root / "ruleset.yaml").write_text(manifest, encoding="utf-8")
    facts = "facts:\n" + _block(facts_yaml, 2) + "\n"
    if checks_yaml.strip():
        facts += "checks:\n" + _block(checks_yaml, 2) + "\n"
    (root / "facts.yaml").write_text(facts, encoding="utf-8")
    category = (
        f"id: c1\ntitle: Category 1\npoints: {points}\nitems:\n" + _block(items_yaml, 2) + "\n"
    )
    (root / "categories" / "1.yaml").write_text(category, encoding="utf-8")
    return root


@pytest.fixture(name="write_ruleset")
def _write_ruleset_fixture() -> Callable[..., Path]:
    """:func:`write_ruleset`, as a fixture."""
    return write_ruleset


@pytest.fixture(name="item_yaml")
def _item_yaml_fixture() -> Callable[..., str]:
    """:func:`item_yaml`, as a fixture."""
    return item_yaml


@pytest.fixture
def make_rules(tmp_path: Path) -> Callable[..., qualscore.RuleSet]:
    """Write a rule set (arguments as :func:`write_ruleset`, without ``tmp_path``) and load it."""

    def make(facts_yaml: str, items_yaml: str, **kwargs: Any) -> qualscore.RuleSet:
        return qualscore.load_rules(write_ruleset(tmp_path, facts_yaml, items_yaml, **kwargs))

    return make


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache folder for this test (every other test runs with no cache)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", str(folder))
    return folder


def require_program(names: tuple[str, ...], what: str, env: str) -> str:
    """The first of ``names`` on PATH; else skip, or fail when ``env`` is set to 1 (as in CI)."""
    import os
    import shutil

    import pytest

    for name in names:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get(env) == "1":
        pytest.fail(f"{what} is not installed but {env}=1")
    pytest.skip(f"{what} is not installed")


def run_cli(*argv: Any) -> tuple[int, str, str]:
    """Run the command line in this process: (exit code, stdout, stderr)."""
    import io

    from qualscore.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def run_cli_no_traceback(*argv: Any) -> tuple[int, str, str]:
    """:func:`run_cli`, failing the test when stderr holds a traceback: for inputs built to
    break the program, which may exit with any code but must never print one."""
    code, out, err = run_cli(*argv)
    assert "Traceback" not in err
    return code, out, err


def entity_facts(rules: Any, folder: Path) -> dict[str, Any]:
    """Each entity's facts in ``folder`` (its ``*.yaml`` files but the hand-worked
    ``*.expected.yaml``), by name: every file names its entity after itself."""
    import qualscore

    found = {}
    for path in sorted(folder.glob("*.yaml")):
        if not path.name.endswith(".expected.yaml"):
            facts = qualscore.load_facts(rules, path)
            assert facts.entity == path.stem
            found[path.stem] = facts
    return found


def pure_python_document(text: str, shown: str, *, checked: bool = False) -> Any:
    """The document PyYAML's pure-Python reader alone builds of ``text`` (as without
    libyaml); ``checked``: with the checks made after parsing (a full-width colon, a
    comma that split a value), which raise ``SourceError``."""
    from qualscore.source import yamlfile as _yaml

    loader = _yaml._Loader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    assert node is not None
    return _yaml.render_document(node, shown, text=text if checked else None)


def expected_of(path: Path) -> dict[str, Any]:
    """An example's ``NAME.expected.yaml``, every scalar as text (as written by hand)."""
    import yaml

    loaded: dict[str, Any] = yaml.load(path.read_text("utf-8"), yaml.BaseLoader)
    return loaded
