"""The cache of `qualscore validate`: used only when nothing it depends on changed."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest

from qualscore import _cache
from qualscore.cli.app import main
from qualscore.ruleset import loader

ROOT = Path(__file__).parent.parent


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache folder for this test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A copy of the mini rule set to change."""
    return Path(shutil.copytree(ROOT / "tests/fixtures/mini", tmp_path / "mini"))


def validate(path: Path, *flags: str) -> tuple[int, str, str]:
    """Run `qualscore validate`; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", str(path), *flags], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the rule sets loaded from now on."""
    seen: list[str] = []
    real = loader.load_rules.__wrapped__  # type: ignore[attr-defined]

    def spy(path: object) -> object:
        seen.append(str(path))
        return real(path)

    monkeypatch.setattr(loader, "load_rules", loader.in_context(spy))
    return seen


def entries(cache: Path) -> list[Path]:
    """The cache's entries."""
    return sorted(cache.glob("*.json"))


def test_a_second_validate_is_a_hit_with_the_same_output(
    cache: Path, rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same files twice: the second run loads nothing and prints the same lines."""
    first = validate(rules)
    seen = loads(monkeypatch)
    assert validate(rules) == first
    assert seen == []
    assert first == (0, f"{rules}: ok: 4 items, 7 facts, 0 warnings\n", "")
    assert len(entries(cache)) == 1


def test_a_changed_rule_file_is_never_served_from_the_cache(
    cache: Path, rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Editing one category file makes another key: the rule set is validated again."""
    validate(rules)
    category = sorted((rules / "categories").glob("*.yaml"))[0]
    category.write_text(category.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    seen = loads(monkeypatch)
    validate(rules)
    assert seen == [str(rules)]
    before = _cache.key("validate", str(rules), "")
    shutil.copy(category, rules / "categories" / "2-copy.yaml")  # a new file, the same text
    assert _cache.key("validate", str(rules), "") not in (None, before)


def test_strict_is_its_own_entry(cache: Path, rules: Path) -> None:
    """--strict and not strict are cached apart."""
    assert validate(rules) == validate(rules, "--strict") == validate(rules)
    assert len(entries(cache)) == 2


def test_a_tampered_entry_is_not_used(cache: Path, rules: Path) -> None:
    """An entry whose text was edited no longer matches its checksum and is ignored."""
    want = validate(rules)
    (entry,) = entries(cache)
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["err"] = ""
    entry.write_text(json.dumps(data), encoding="utf-8")
    assert validate(rules) == want


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_an_entry_others_may_write_is_not_used(cache: Path, rules: Path) -> None:
    """An entry (or folder) that someone else could have written is ignored."""
    want = validate(rules)
    (entry,) = entries(cache)
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["err"] = ""
    forged = _cache.Entry(data["out"], "", data["code"])
    data["checksum"] = _cache._checksum(data["key"], forged)
    entry.write_text(json.dumps(data), encoding="utf-8")
    entry.chmod(0o666)
    assert validate(rules) == want


def test_an_empty_cache_dir_setting_turns_the_cache_off(
    tmp_path: Path, rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QUALSCORE_CACHE_DIR set to nothing: every validate loads the rule set."""
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", "")
    validate(rules)
    seen = loads(monkeypatch)
    validate(rules)
    assert seen == [str(rules)]


def test_the_key_covers_the_engine_source(
    cache: Path, rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A different engine (its sources' digest) makes a different key."""
    before = _cache.key("validate", str(rules))
    monkeypatch.setattr(_cache, "_engine_digest", lambda: b"another engine")
    assert before is not None
    assert _cache.key("validate", str(rules)) not in (None, before)


def test_the_command_answers_a_hit_without_importing_qualscore(cache: Path, rules: Path) -> None:
    """`qualscore validate` of unchanged rules prints the cached lines before importing the package."""
    import subprocess
    import sys

    script = (
        "import sys, qualscore_launch\n"
        f"sys.argv = ['qualscore', 'validate', {str(rules)!r}]\n"
        "code = qualscore_launch.main()\n"
        "print(code, 'qualscore' in sys.modules, 'pydantic' in sys.modules)\n"
    )
    env = {**os.environ, "QUALSCORE_CACHE_DIR": str(cache)}
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    line = f"{rules}: ok: 4 items, 7 facts, 0 warnings\n"
    assert (first.stdout, first.stderr) == (line + "0 True True\n", "")
    assert (second.stdout, second.stderr) == (line + "0 False False\n", "")


@pytest.mark.parametrize(
    "argv",
    [["validate"], ["validate", "a", "b"], ["validate", "--help"], ["evaluate", "r", "f"],
     ["validate", "r", "--strict", "--strict"]],
)  # fmt: skip
def test_the_command_asks_the_cache_only_for_plain_validate(argv: list[str]) -> None:
    """Anything but `validate RULES [--strict]` goes straight to the full command line."""
    import qualscore_launch

    assert qualscore_launch._cached(argv) is None
