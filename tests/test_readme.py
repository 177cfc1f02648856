"""Every command the README shows runs as written, with the exit code it promises."""

from __future__ import annotations

import io
import re
import shlex
import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from qualscore.cli.app import main

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    """The ``qualscore ...`` lines of the README's shell blocks, trailing comments removed."""
    found = []
    for block in re.findall(r"```(?:sh|bash|console|shell)\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            if line.startswith("qualscore "):
                found.append(re.sub(r"\s+#.*$", "", line))
    return found


COMMANDS = _commands()


def test_the_readme_shows_commands() -> None:
    """The README's examples are found, so the test below cannot pass vacuously."""
    assert len(COMMANDS) >= 10


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of what the commands read, so that their outputs land there."""
    copy = tmp_path_factory.mktemp("readme")
    for name in ("rules", "examples", "schema", "docs"):
        shutil.copytree(ROOT / name, copy / name)
    return copy


def _printed(command: str) -> bool:
    """Whether the command prints a PDF (by a real browser)."""
    return "--format pdf" in command or "--per-entity-format pdf" in command


@pytest.mark.parametrize(
    "command",
    [pytest.param(c, marks=[pytest.mark.slow] if _printed(c) else []) for c in COMMANDS],
)
def test_readme_command(command: str, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command exits as the README says, with nothing on stderr but warnings."""
    if _printed(command):
        from conftest import require_program

        require_program(("chromium", "chromium-browser"), "chromium", "QUALSCORE_REQUIRE_BROWSER")
    monkeypatch.chdir(project)
    monkeypatch.setenv("COLUMNS", "100")
    out, err = io.StringIO(), io.StringIO()
    code = main(shlex.split(command)[1:], stdout=out, stderr=err)
    # Every command succeeds, `validate rules/rugao-2018 --strict` too: the rule files
    # acknowledge the source's own mistakes, so none of its warnings is left.
    assert code == 0, err.getvalue()[-2000:]
    assert "Traceback" not in err.getvalue()
