"""No traceback for a user error, in any subcommand: one clear line and exit code 2.

The subcommands and their positional arguments are read from the argparse
parser itself (``qualscore.cli.app._parser()``), so a command added later is
covered the day it is added. For each path-like positional in turn, the bad
path is substituted and the others get valid values (``tests/fixtures/mini``
and ``tests/fixtures/mini-facts.yaml``); the bad paths are a missing file, an
empty file, a folder, a binary file and a file (or folder) that cannot be read.

Permission denied when running as root: root ignores file modes, so the file
is ``chmod 000``-ed as usual *and*, when ``os.geteuid() == 0``, every way of
opening, listing or (inside a folder) stat-ing it is made to raise
``PermissionError`` exactly as the kernel would for another user.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import io
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from qualscore.cli.app import _parser, main

MINI = FIXTURES / "mini"
MINI_FACTS = FIXTURES / "mini-facts.yaml"

# Valid values of positionals by dest; a positional not listed is given one from its help
# text (a "folder" is the mini rule set, anything else the mini facts file).
VALID: dict[str, Path] = {"rules": MINI, "facts": MINI_FACTS, "inputs": MINI_FACTS}
# Values of options a command requires.
REQUIRED_OPTIONS: dict[str, list[str]] = {"year": ["--year", "2031"]}

BAD_CASES = ("missing", "empty file", "folder", "binary file", "unreadable")

# (command, positional): where a command does not yet meet the standard. The tests are
# marked xfail(strict=True), so that fixing the command makes them fail until the entry goes.
KNOWN: dict[tuple[str, str], str] = {}

LINE = re.compile(r"^(?P<path>.+?)(?::(?P<line>\d+):(?P<col>\d+))?: (?P<message>[a-z'(].*)$")


@dataclass(frozen=True)
class Positional:
    command: str
    dest: str
    index: int
    folder: bool  # it wants a folder (a rule set), not a file
    output: bool  # it names something to create ("must not exist")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(found) == 1, "qualscore has one level of subcommands"
    return dict(found[0].choices)


def positionals(sub: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in sub._actions if not a.option_strings]


def is_path(action: argparse.Action) -> bool:
    return action.choices is None and action.type in (None, str, Path)


def describe(command: str, sub: argparse.ArgumentParser) -> Iterator[Positional]:
    for index, action in enumerate(positionals(sub)):
        if not is_path(action):
            continue
        text = (action.help or "").lower()
        folder = "folder" in text and "file" not in text
        output = "must not exist" in text or text.startswith("the new ")
        yield Positional(command, action.dest, index, folder, output)


ALL = [p for name, sub in subcommands().items() for p in describe(name, sub)]


def test_every_command_with_a_path_is_covered() -> None:
    """The discovery finds the commands that read files (so the matrix below is not empty)."""
    commands = {p.command for p in ALL}
    assert {"validate", "evaluate"} <= commands
    assert {("evaluate", "rules"), ("evaluate", "facts")} <= {(p.command, p.dest) for p in ALL}


def valid_value(action: argparse.Action, tmp_path: Path) -> list[str]:
    """A valid value for a positional that is not under test (none, if it may be left out)."""
    if action.nargs in ("?", "*"):
        return []
    if action.choices is not None:
        return [str(next(iter(action.choices)))]
    text = (action.help or "").lower()
    if "must not exist" in text or text.startswith("the new "):
        return [str(tmp_path / f"new-{action.dest}")]
    if action.dest in VALID:
        return [str(VALID[action.dest])]
    return [str(MINI if "folder" in text and "file" not in text else MINI_FACTS)]


def argv_for(target: Positional, bad: Path, tmp_path: Path) -> list[str]:
    sub = subcommands()[target.command]
    argv = [target.command]
    for index, action in enumerate(positionals(sub)):
        argv += [str(bad)] if index == target.index else valid_value(action, tmp_path)
    for action in sub._actions:
        if action.option_strings and action.required:
            assert action.dest in REQUIRED_OPTIONS, (
                f"{target.command} requires {action.option_strings[0]}: add a value to REQUIRED_OPTIONS"
            )
            argv += REQUIRED_OPTIONS[action.dest]
    return argv


# --- permission denied, also for root ---------------------------------------------------------


def _inside(path: Any, target: Path, *, strictly: bool) -> bool:
    if isinstance(path, int):
        return False
    try:
        here = Path(os.path.abspath(os.fspath(path)))
    except (TypeError, ValueError):
        return False
    return (here != target or not strictly) and (here == target or target in here.parents)


def deny(monkeypatch: pytest.MonkeyPatch, target: Path) -> None:
    """Make ``target`` unreadable as it is for anyone but root: chmod 000, and for root,
    PermissionError from every open, listing and stat below it (a folder) or of it (open)."""
    target = Path(os.path.abspath(target))
    target.chmod(0)
    if os.geteuid() != 0:
        return

    def refuse(path: Any) -> PermissionError:
        return PermissionError(13, "Permission denied", os.fspath(path))

    def guard(real: Callable[..., Any], *, strictly: bool) -> Callable[..., Any]:
        def wrapper(path: Any = ".", *args: Any, **kwargs: Any) -> Any:
            if _inside(path, target, strictly=strictly):
                raise refuse(path)
            return real(path, *args, **kwargs)

        return wrapper

    folder = target.is_dir()
    for module, name in ((builtins, "open"), (io, "open"), (os, "open")):
        monkeypatch.setattr(module, name, guard(getattr(module, name), strictly=False))
    if folder:
        monkeypatch.setattr(os, "stat", guard(os.stat, strictly=True))
        monkeypatch.setattr(os, "scandir", guard(os.scandir, strictly=False))
        monkeypatch.setattr(os, "listdir", guard(os.listdir, strictly=False))


def test_denied_file_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulation (or the real mode, for a user) does refuse reading: the check is real."""
    path = tmp_path / "f.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    deny(monkeypatch, path)
    with pytest.raises(PermissionError):
        path.read_bytes()
    with pytest.raises(PermissionError):
        open(path, "rb")  # noqa: SIM115
    assert (tmp_path / "other.yaml").write_text("ok", encoding="utf-8") == 2


def test_denied_folder_cannot_be_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "rules"
    shutil.copytree(MINI, root)
    deny(monkeypatch, root)
    assert root.exists()  # its own entry stays visible, as for a real mode-000 folder
    with pytest.raises(PermissionError):
        (root / "ruleset.yaml").read_text(encoding="utf-8")
    with pytest.raises(PermissionError):
        os.listdir(root)


# --- the matrix -------------------------------------------------------------------------------------


def make_bad(case: str, target: Positional, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bad = tmp_path / "bad"
    if case == "missing":
        return tmp_path / "missing.yaml"
    if case == "empty file":
        bad.write_bytes(b"")
    elif case == "folder":
        bad.mkdir()
    elif case == "binary file":
        bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\xff\xfe\xfd")
    else:
        if target.folder:
            shutil.copytree(MINI, bad)
        else:
            shutil.copy(MINI_FACTS, bad)
        deny(monkeypatch, bad)
    return bad


def cases() -> Iterator[Any]:
    for target in ALL:
        for case in BAD_CASES:
            if case == "missing" and target.output:
                continue  # a folder to create: missing is what it should be
            marks = []
            reason = KNOWN.get((target.command, target.dest))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            yield pytest.param(target, case, id=f"{target.command}-{target.dest}-{case}", marks=marks)


@pytest.mark.parametrize(("target", "case"), list(cases()))
def test_bad_path_is_one_clear_line_and_exit_2(
    target: Positional, case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each command, each path argument, each kind of bad path: exit 2, nothing on stdout,
    one ``path[:line:col]: message`` line about that path on stderr, no traceback."""
    monkeypatch.chdir(tmp_path)
    bad = make_bad(case, target, tmp_path, monkeypatch)
    argv = argv_for(target, bad, tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert (code, out.getvalue()) == (2, ""), err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert lines, "an error must be printed"
    if case == "folder" and target.folder:
        # An empty folder given as a rule set: each missing part is named (up to three lines).
        assert len(lines) <= 3, lines
    else:
        assert len(lines) == 1, lines
    for line in lines:
        match = LINE.match(line)
        assert match, line
        assert match["path"] == str(bad) or match["path"].startswith(f"{bad}/"), line


def test_unreadable_folder_inside_a_rule_set_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule set whose categories folder cannot be read: a line, not a PermissionError."""
    root = tmp_path / "rules"
    shutil.copytree(MINI, root)
    deny(monkeypatch, root / "categories")
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", str(root)], stdout=out, stderr=err)
    assert code == 2
    lines = err.getvalue().splitlines()
    assert lines and all(LINE.match(line) for line in lines), lines
    assert any(line.startswith(f"{root}/categories") for line in lines), lines


@pytest.fixture(autouse=True)
def _restore_modes(tmp_path: Path) -> Iterator[None]:
    """Give back read permission so that pytest can clean tmp_path up."""
    yield
    for path in [tmp_path, *tmp_path.rglob("*")] if tmp_path.exists() else []:
        with contextlib.suppress(OSError):
            path.chmod(path.stat().st_mode | stat.S_IRWXU)
