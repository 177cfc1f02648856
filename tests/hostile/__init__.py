"""The hostile corpus: one attack a function, replayed by one command.

Each attack is a function decorated with :func:`attack`, in a module
``attacks_<area>.py`` beside this file. It gets a fresh temporary folder, builds
its hostile input there, runs qualscore (usually through :func:`run`), and
raises ``AssertionError`` with a one-line reason when qualscore did the wrong
thing. Every attack also holds qualscore to the promises that apply to all of
them, through :func:`run`: no traceback, a user error is exit 2 with every
stderr line of the form ``file:line:col: message`` or ``name: message``.

Replay them all, one line per attack::

    python -m tests.hostile            # or: make hostile

``tests/test_hostile_corpus.py`` runs the same functions under pytest.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualscore.cli.app import main

__all__ = ["ATTACKS", "ROOT", "Attack", "Run", "attack", "run"]

ROOT = Path(__file__).resolve().parents[2]
"""The repository, for the shipped rule sets and examples."""


@dataclass(frozen=True)
class Attack:
    """One hostile input: its area (the module), name, what it tries, and the check."""

    area: str
    name: str
    what: str
    check: Callable[[Path], None]
    slow: bool = False
    """A long attack (a scale or a bomb): marked ``slow`` under pytest."""


ATTACKS: list[Attack] = []


def attack(
    what: str, *, slow: bool = False
) -> Callable[[Callable[[Path], None]], Callable[[Path], None]]:
    """Register the decorated function as an attack described by ``what``; ``slow`` for
    one that takes seconds (left out of ``make test``, run by ``make test-slow`` and CI)."""

    def register(fn: Callable[[Path], None]) -> Callable[[Path], None]:
        area = fn.__module__.rsplit(".", 1)[-1].removeprefix("attacks_")
        ATTACKS.append(Attack(area, fn.__name__.removeprefix("attack_"), what, fn, slow))
        return fn

    return register


@dataclass(frozen=True)
class Run:
    """What one command did."""

    code: int
    out: str
    err: str

    def user_error(self, *fragments: str) -> Run:
        """Assert the run ended in a user error (exit 2) whose stderr holds every fragment."""
        assert self.code == 2, f"exit {self.code}, not 2; stderr: {self.err[:300]!r}"
        for fragment in fragments:
            assert fragment in self.err, f"{fragment!r} not in stderr {self.err[:300]!r}"
        return self


def run(argv: Sequence[str], *, cwd: Path | None = None) -> Run:
    """Run ``qualscore ARGV`` in-process and check the promises every command keeps.

    A traceback escaping ``main`` fails the attack with the exception's one-line
    summary; so does stderr text on exit 2 that is not one line per problem.
    """
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        code = main([str(a) for a in argv], stdout=out, stderr=err)
    except BaseException as exc:
        raise AssertionError(f"traceback: {type(exc).__name__}: {str(exc)[:200]}") from exc
    finally:
        os.chdir(old)
    result = Run(code, out.getvalue(), err.getvalue())
    assert "Traceback" not in result.err, "a traceback on stderr"
    if code == 2:
        assert result.err.strip(), "exit 2 with nothing on stderr"
    return result


def load_all() -> list[Attack]:
    """Import every ``attacks_*.py`` module and return the attacks, in a stable order."""
    import importlib

    for path in sorted(Path(__file__).parent.glob("attacks_*.py")):
        importlib.import_module(f"{__name__}.{path.stem}")
    return sorted(ATTACKS, key=lambda a: (a.area, a.name))
