"""Run a command and measure it: wall time, and the peak memory of its process tree; and
time short commands against each other, interleaved (:func:`interleaved`).

Two memory figures, both sampled every ``interval`` seconds from /proc (Linux):
the peak of the sum of the resident set sizes of the command and all its
descendants, and the largest single process's own peak (its ``VmHWM``).
``ru_maxrss`` is not used: a child exec'd from a large parent inherits the
parent's high-water mark, so it would report the benchmark's own size.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Run", "bytecode_env", "interleaved", "run"]


@dataclass(frozen=True)
class Run:
    """One measured run of a command."""

    seconds: float
    returncode: int | None  # None: killed at a limit
    tree_rss_peak: int  # bytes; 0 where /proc cannot be read
    max_single_rss: int  # bytes: the largest VmHWM seen
    stderr: str
    killed_for: str | None = None  # "time" or "memory": the limit it was killed at

    @property
    def killed(self) -> bool:
        return self.killed_for is not None


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        out.setdefault(int(fields[1]), []).append(int(entry))
    return out


def tree_rss(root: int) -> tuple[int, int]:
    """The summed RSS of ``root`` and every process below it, and their largest VmHWM (bytes)."""
    children = _children()
    total = largest = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, ()))
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        try:
            total += int(fields["VmRSS"].split()[0]) * 1024
            largest = max(largest, int(fields["VmHWM"].split()[0]) * 1024)
        except (KeyError, ValueError, IndexError):
            continue  # a zombie has no memory lines
    return total, largest


def run(
    command: Sequence[str],
    *,
    timeout: float | None = None,
    max_rss: int | None = None,
    interval: float = 0.05,
    cwd: Path | None = None,
) -> Run:
    """Run ``command`` to the end, or kill its whole process group at a limit.

    Args:
        timeout: Seconds of wall time.
        max_rss: Bytes of summed RSS of the process tree (checked at each sample).
    """
    peak = largest = 0
    reason: list[str] = []
    done = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(command),
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )

    def sample() -> None:
        nonlocal peak, largest
        while not done.is_set():
            total, hwm = tree_rss(proc.pid)
            peak, largest = max(peak, total), max(largest, hwm)
            if max_rss is not None and peak > max_rss and not reason:
                reason.append("memory")
                kill()
            done.wait(interval)

    def kill(why: str | None = None) -> None:
        if why and not reason:
            reason.append(why)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err: list[bytes] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read() if proc.stderr else b""))
    reader.start()
    timer = threading.Timer(timeout, kill, ("time",)) if timeout else None
    if timer:
        timer.start()
    _, status = os.waitpid(proc.pid, 0)
    seconds = time.perf_counter() - start
    if timer:
        timer.cancel()
    done.set()
    sampler.join()
    if reason:
        kill()  # workers the killed command left behind
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    reader.join()
    return Run(
        seconds=seconds,
        returncode=None if reason else proc.returncode,
        tree_rss_peak=peak,
        max_single_rss=largest,
        stderr=b"".join(err).decode("utf-8", "replace"),
        killed_for=reason[0] if reason else None,
    )


def bytecode_env(env: Mapping[str, str], folder: Path) -> dict[str, str]:
    """``env`` for a command timed from a cold start, its bytecode compiled once into
    ``folder`` (``PYTHONPYCACHEPREFIX``) and read from there on, whatever
    ``PYTHONDONTWRITEBYTECODE`` says: a command and the one it is compared with then both
    start from compiled bytecode, as an installed package does, not one from its source."""
    out = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out["PYTHONPYCACHEPREFIX"] = str(folder)
    return out


def interleaved(
    commands: Mapping[str, tuple[Sequence[str], Mapping[str, str]]], runs: int
) -> dict[str, list[float]]:
    """The wall time of each command (by name: its argv and environment) in ``runs`` fresh
    processes, one run of each in turn, the order rotating every round; after one untimed
    run of each (which compiles its bytecode and fills any cache it has).

    Raises:
        subprocess.CalledProcessError: a command failed.
    """
    names = list(commands)
    for name in names:
        argv, env = commands[name]
        subprocess.run(list(argv), check=True, capture_output=True, env=dict(env))
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(runs):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            argv, env = commands[name]
            start = time.perf_counter()
            subprocess.run(list(argv), check=True, capture_output=True, env=dict(env))
            times[name].append(time.perf_counter() - start)
    return times
