"""Attacks on the cache of ``validate``: what it reads, and when it may answer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qualscore.ruleset import loader

from . import ROOT, attack, run

DEMO = ROOT / "examples/demo"


def _demo(tmp: Path) -> Path:
    return Path(shutil.copytree(DEMO, tmp / "demo"))


def validate_process(rules: Path, cache: str) -> subprocess.CompletedProcess[str]:
    """``qualscore validate RULES`` as the command runs it, in a process of its own; the
    timeout only stops a hang, it measures nothing."""
    env = {**os.environ, "QUALSCORE_CACHE_DIR": cache, "PYTHONPATH": str(ROOT / "src")}
    code = "import sys; from qualscore.cli.app import run_process; sys.exit(run_process())"
    return subprocess.run(
        [sys.executable, "-c", code, "validate", str(rules)],
        capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip


@attack("a FIFO, /dev/zero or a sparse 3 GB file among the category files: refused unread")
def attack_cache_reads_no_special_file(tmp: Path) -> None:
    rules = _demo(tmp)
    pipe = rules / "categories" / "9-pipe.yaml"
    os.mkfifo(pipe)
    for cache in (str(tmp / "cache"), ""):
        done = validate_process(rules, cache)
        assert done.returncode == 2, (cache, done.returncode, done.stderr[:300])
        assert done.stderr == f"{pipe}: is not a regular file\n", done.stderr[:300]
    pipe.unlink()
    (rules / "categories" / "9-zero.yaml").symlink_to("/dev/zero")
    run(["validate", rules]).user_error("9-zero.yaml: is not a regular file")
    (rules / "categories" / "9-zero.yaml").unlink()
    with (rules / "categories" / "9-huge.yaml").open("wb") as handle:
        handle.truncate(3 * 1024**3)
    tracemalloc.start()
    try:
        got = run(["validate", rules])
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    got.user_error("9-huge.yaml: file is 3221225472 bytes, more than the limit of 2097152")
    assert peak < 16 * 1024 * 1024, f"validate allocated {peak // 1024} KiB"


@contextmanager
def _cache_in(folder: Path) -> Iterator[None]:
    """The cache of ``validate`` in ``folder`` while inside, as it was after."""
    old = os.environ.get("QUALSCORE_CACHE_DIR")
    os.environ["QUALSCORE_CACHE_DIR"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            del os.environ["QUALSCORE_CACHE_DIR"]
        else:
            os.environ["QUALSCORE_CACHE_DIR"] = old


@attack("a rule file changed while validate runs: the verdict is cached for the bytes it judged")
def attack_cache_keyed_on_checked_bytes(tmp: Path) -> None:
    rules = _demo(tmp)
    category = sorted((rules / "categories").glob("*.yaml"))[0]
    good = category.read_text(encoding="utf-8")
    category.write_text("items: [\n", encoding="utf-8")  # broken when validate starts
    real = loader.load_rules

    def mended_then_loaded(path: object) -> object:
        category.write_text(good, encoding="utf-8")  # mended after the cache looked
        return real(path)  # type: ignore[arg-type]

    with _cache_in(tmp / "cache"):
        loader.load_rules = mended_then_loaded  # type: ignore[assignment]
        try:
            first = run(["validate", rules])
        finally:
            loader.load_rules = real
        assert first.code == 0, first.err[:300]
        category.write_text("items: [\n", encoding="utf-8")  # the broken bytes again
        run(["validate", rules]).user_error(f"{category}:")
