"""The cache of `qualscore validate`: used only when nothing it depends on changed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from tests.hostile.attacks_cache import validate_process

from conftest import ROOT, run_cli
from qualscore import _cache
from qualscore.ruleset import loader


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A copy of the mini rule set to change."""
    return Path(shutil.copytree(ROOT / "tests/fixtures/mini", tmp_path / "mini"))


def validate(path: Path, *flags: str) -> tuple[int, str, str]:
    """Run `qualscore validate`; return (exit code, stdout, stderr)."""
    return run_cli("validate", path, *flags)


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


def test_the_command_answers_a_hit_without_importing_the_models(cache: Path, rules: Path) -> None:
    """`qualscore validate` of unchanged rules prints the cached lines without importing
    the models, pydantic's or the linter."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from qualscore.cli.app import run_process\n"
        f"sys.argv = ['qualscore', 'validate', {str(rules)!r}]\n"
        "code = run_process()\n"
        "print(code, *(m in sys.modules for m in ('qualscore.ruleset.model', 'pydantic',"
        " 'qualscore.linting')))\n"
    )
    env = {**os.environ, "QUALSCORE_CACHE_DIR": str(cache)}
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    line = f"{rules}: ok: 4 items, 7 facts, 0 warnings\n"
    assert (first.stdout, first.stderr) == (line + "0 True True True\n", "")
    assert (second.stdout, second.stderr) == (line + "0 False False False\n", "")


# --- the cache reads the rule files as the loader does ---------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
@pytest.mark.parametrize("cache_on", [True, False], ids=["cache on", "cache off"])
def test_a_fifo_among_the_category_files_is_refused_not_waited_on(
    tmp_path: Path, rules: Path, cache_on: bool
) -> None:
    """A FIFO named like a category file: one line, exit 2, with the cache on or off."""
    os.mkfifo(rules / "categories" / "9-pipe.yaml")
    done = validate_process(rules, str(tmp_path / "cache") if cache_on else "")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [f"{rules}/categories/9-pipe.yaml: is not a regular file"]


def test_a_category_file_linked_to_dev_zero_is_refused_unread(
    cache: Path, rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A symlink to /dev/zero is not a regular file: neither the key nor the loader reads it."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    (rules / "categories" / "9-zero.yaml").symlink_to("/dev/zero")
    assert _cache.key("validate", str(rules), "") is None
    with pytest.raises(_cache.NotRegular):
        _cache.read_regular(rules / "categories" / "9-zero.yaml", 10)
    assert validate(rules) == (2, "", f"{rules}/categories/9-zero.yaml: is not a regular file\n")
    assert entries(cache) == []


def test_a_sparse_three_gigabyte_category_file_costs_no_memory(cache: Path, rules: Path) -> None:
    """Its size is read, not its bytes: refused in one line, a few KiB allocated."""
    huge = rules / "categories" / "9-huge.yaml"
    with huge.open("wb") as handle:
        handle.truncate(3 * 1024**3)
    tracemalloc.start()
    try:
        got = validate(rules)
        assert _cache.key("validate", str(rules), "") is None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    size, limit = 3 * 1024**3, _cache.MAX_FILE_BYTES
    assert got == (2, "", f"{huge}: file is {size} bytes, more than the limit of {limit}\n")
    assert peak < 16 * 1024 * 1024, f"peaked at {peak // 1024} KiB"


def test_a_file_edited_while_validate_runs_is_not_cached_as_ok(
    cache: Path, rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry is keyed on the bytes the loader checked, not on the cache's own reading.

    The file is broken when the cache looks, mended before the loader reads it: the
    "ok" belongs to the mended bytes, so the broken bytes are validated next time.
    """
    category = sorted((rules / "categories").glob("*.yaml"))[0]
    good = category.read_text(encoding="utf-8")
    category.write_text("items: [\n", encoding="utf-8")
    real = loader.load_rules

    def mended_then_loaded(path: object) -> object:
        category.write_text(good, encoding="utf-8")
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "load_rules", mended_then_loaded)
    assert validate(rules)[0] == 0
    monkeypatch.setattr(loader, "load_rules", real)
    category.write_text("items: [\n", encoding="utf-8")
    code, out, err = validate(rules)
    assert (code, out) == (2, "") and err.startswith(f"{category}:"), err


def test_the_key_and_the_loader_agree_on_the_same_bytes(cache: Path, rules: Path) -> None:
    """What the loader records as read is what a fresh key reads: a hit follows a miss."""
    ruleset = loader.load_rules(rules)
    assert set(ruleset.sources) == {
        "ruleset.yaml", "facts.yaml",
        *(f"categories/{p.name}" for p in (rules / "categories").glob("*.yaml")),
    }  # fmt: skip
    fresh = _cache.key("validate", str(rules), "")
    assert fresh == _cache.files_key(ruleset.sources, "validate", str(rules), "")


def test_with_the_cache_off_no_key_is_made(
    rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QUALSCORE_CACHE_DIR= reads no rule file for a key: only the loader reads them."""
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", "")

    def no_reading(*args: object) -> bytes:
        raise AssertionError("a rule file was read for a key")

    monkeypatch.setattr(_cache, "read_regular", no_reading)
    assert _cache.key("validate", str(rules), "") is None


@pytest.mark.parametrize(
    "damage",
    ["truncated", "a FIFO", "too large", "the code as text", "another key", "not an object"],
)
def test_a_damaged_or_foreign_entry_is_not_used(cache: Path, rules: Path, damage: str) -> None:
    """An entry cut short, swapped for a FIFO, grown past the limit, retyped or moved from
    another key is passed over (and never waited on): the rule set is validated again."""
    want = validate(rules)
    (entry,) = entries(cache)
    text = entry.read_text(encoding="utf-8")
    data = json.loads(text)
    if damage == "truncated":
        entry.write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "a FIFO":
        entry.unlink()
        os.mkfifo(entry, 0o600)
    elif damage == "too large":
        entry.write_text(text + " " * _cache.MAX_ENTRY_BYTES, encoding="utf-8")
    elif damage == "the code as text":
        data["code"] = "0"
        entry.write_text(json.dumps(data), encoding="utf-8")
    elif damage == "another key":  # a whole, checksummed entry of another rule set
        other = "0" * 64
        forged = {**data, "key": other, "out": "forged: ok\n"}
        forged["checksum"] = _cache._checksum(other, _cache.Entry("forged: ok\n", "", 0))
        entry.write_text(json.dumps(forged), encoding="utf-8")
    else:
        entry.write_text("[1, 2]", encoding="utf-8")
    assert _cache.get(data["key"]) is None
    assert validate(rules) == want


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_cache_hit_that_cannot_be_written_says_so(cache: Path, rules: Path) -> None:
    """A hit printed to a full disk, or to a reader gone, is one line and exit 2, as a miss is."""
    env = {**os.environ, "QUALSCORE_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-c",
               "import sys; from qualscore.cli.app import run_process; sys.exit(run_process())",
               "validate", str(rules)]  # fmt: skip
    assert subprocess.run(command, env=env, capture_output=True, timeout=120).returncode == 0
    with open("/dev/full", "w") as full:
        done = subprocess.run(command, env=env, stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=120)  # fmt: skip
    assert (done.returncode, done.stderr) == (2, "qualscore: stdout: no space left on device\n")
    reader, writer = os.pipe()
    os.close(reader)  # nobody will read what the hit prints
    try:
        done = subprocess.run(command, env=env, stdout=writer, stderr=subprocess.PIPE, text=True,
                              timeout=120)  # fmt: skip
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (2, "qualscore: stdout: broken pipe\n")
