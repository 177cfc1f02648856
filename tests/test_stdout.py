"""A stdout that is closed, whose reader is gone or whose disk is full: one line on stderr
(``qualscore: stdout: ...``), exit 2; never a traceback, never a silent success.

These run the real process (``python -m qualscore``): a closed descriptor 1 and a
broken pipe are things of the process, not of ``main()``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from qualscore.cli.app import main
from qualscore.cli.common import OutputFailed, Stdout

DEMO = ROOT / "examples/demo"
GOOD = DEMO / "facts/good-county.yaml"
RUGAO = ROOT / "rules/rugao-2018"
CITY = ROOT / "examples/rugao-2018/city-sample.yaml"
QUALSCORE = [sys.executable, "-m", "qualscore"]
WAIT = 600
"""Seconds to wait for a process before calling it hung: generous, never a measure."""


def closed(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run qualscore with descriptor 1 closed, as a shell's ``>&-`` leaves it."""
    script = 'exec "$@" >&-'
    argv = ["sh", "-c", script, "sh", *QUALSCORE, *(str(a) for a in args)]
    return subprocess.run(argv, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=WAIT)


@pytest.mark.parametrize(
    "args",
    [
        ("evaluate", DEMO, GOOD, "--format", "json"),
        ("evaluate", DEMO, GOOD),
        ("batch", DEMO, DEMO / "facts"),
        ("validate", DEMO),
    ],
    ids=["evaluate-json", "evaluate-table", "batch", "validate"],
)
def test_a_closed_stdout_is_one_line_and_exit_2(args: tuple[str | Path, ...]) -> None:
    """Output meant for a closed stdout: not dropped silently with exit 0, not a traceback."""
    done = closed(*args)
    assert (done.returncode, done.stderr) == (2, "qualscore: stdout: closed\n")


def test_a_closed_stdout_is_no_matter_when_nothing_goes_to_it(tmp_path: Path) -> None:
    """evaluate --out FILE with stdout closed: the file written, exit 0, nothing said."""
    out = tmp_path / "r.json"
    done = closed("evaluate", DEMO, GOOD, "--format", "json", "--out", out)
    assert (done.returncode, done.stderr) == (0, "")
    assert out.read_text(encoding="utf-8").startswith("{")


def test_a_reader_gone_before_the_batch_writes_is_told(tmp_path: Path) -> None:
    """batch into a pipe whose reader has closed it: one line, exit 2, no 'Exception ignored'."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    errors = tmp_path / "stderr"
    with errors.open("w", encoding="utf-8") as err:
        code = subprocess.run(
            [*QUALSCORE, "batch", str(DEMO), str(DEMO / "facts")],
            stdout=write, stderr=err, cwd=ROOT, timeout=WAIT,
        ).returncode  # fmt: skip
    os.close(write)
    assert (code, errors.read_text(encoding="utf-8")) == (2, "qualscore: stdout: broken pipe\n")


def test_head_1_is_a_broken_pipe_told_in_one_line() -> None:
    """``qualscore evaluate ... --explain all | head -1`` (110 kB, more than a pipe holds):
    the first line reaches head; qualscore says the pipe broke and exits 2."""
    script = 'set -o pipefail; "$@" | head -1'
    args = [*QUALSCORE, "evaluate", str(RUGAO), str(CITY), "--explain", "all"]
    done = subprocess.run(
        ["bash", "-c", script, "bash", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=WAIT,
    )  # fmt: skip
    assert done.stdout.count("\n") == 1
    assert (done.returncode, done.stderr) == (2, "qualscore: stdout: broken pipe\n")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_full_disk_is_told() -> None:
    """stdout on /dev/full: the write fails with ENOSPC, told in one line."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        done = subprocess.run(
            [*QUALSCORE, "evaluate", str(DEMO), str(GOOD), "--format", "json"],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=WAIT,
        )  # fmt: skip
    assert (done.returncode, done.stderr) == (2, "qualscore: stdout: no space left on device\n")


class _Broken(io.StringIO):
    """A stream whose reader is gone after ``keep`` characters."""

    def __init__(self, keep: int) -> None:
        super().__init__()
        self.keep = keep

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.keep:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


@pytest.mark.parametrize("keep", [0, 200])
def test_main_tells_a_broken_pipe_through_rich_too(keep: int) -> None:
    """The table goes through rich, which would turn a broken pipe into a silent exit 1."""
    err = io.StringIO()
    code = main(["evaluate", str(DEMO), str(GOOD)], stdout=_Broken(keep), stderr=err)
    assert (code, err.getvalue()) == (2, "qualscore: stdout: broken pipe\n")


def test_stdout_passes_writes_through_and_marks_a_failure() -> None:
    """Stdout writes to its stream; on failure it says so (``failed``) for the process."""
    kept = io.StringIO()
    out = Stdout(kept)
    assert out.write("abc") == 3 and kept.getvalue() == "abc" and not out.failed
    assert not out.isatty() and out.encoding == "utf-8"
    gone = Stdout(None)
    assert gone.write("") == 0 and not gone.failed  # nothing written, nothing wrong
    with pytest.raises(OutputFailed, match="closed"):
        gone.write("x")
    assert gone.failed
