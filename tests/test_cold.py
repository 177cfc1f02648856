"""A cold start: ``import qualscore`` imports nothing heavy, and a command imports what it
needs alone.

Each test runs a fresh interpreter and looks at ``sys.modules``: what was imported is
counted, not how long it took.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import qualscore
from conftest import ROOT

HEAVY = (
    "pydantic.main",  # a model's machinery: ``import pydantic`` alone is light
    "qualscore.ruleset.model",
    "qualscore.ruleset.loader",
    "qualscore.scoring.engine",
    "rich",
    "jinja2",
    "openpyxl",
    "docx",
    "yaml",
)
"""What ``import qualscore`` alone must not import."""

REPORTS = ("rich", "jinja2", "openpyxl", "docx", "qualscore.report.terminal",
           "qualscore.report.html", "qualscore.report.batch", "qualscore.cli.batch",
           "qualscore.report.document", "qualscore.report.compare", "qualscore.source.tables")  # fmt: skip
"""What ``evaluate --format json`` must not import: no renderer, nor the comparison (no
``--compare``), nor the CSV and XLSX readers (the facts are a YAML file)."""


def imported(code: str, *names: str, cache: str = "") -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; which of ``names`` it has imported then."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps({{n: n in sys.modules for n in {names!r}}}))"
    env = {**os.environ, "QUALSCORE_CACHE_DIR": cache}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found: dict[str, bool] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_import_qualscore_imports_nothing_heavy() -> None:
    """`import qualscore` builds no model and imports neither rich, jinja2, openpyxl nor docx."""
    assert imported("import qualscore", *HEAVY) == dict.fromkeys(HEAVY, False)


def test_a_public_name_imports_its_module_when_used() -> None:
    """The first use of a name imports its module; the name is then the module's own."""
    found = imported(
        "import qualscore\nassert qualscore.load_rules is qualscore.ruleset.loader.load_rules",
        "qualscore.ruleset.loader", "rich",
    )
    assert found == {"qualscore.ruleset.loader": True, "rich": False}


@pytest.mark.parametrize(
    "before",
    [
        "",
        "import qualscore.linting",
        "import qualscore.linting.checks",
        "from qualscore.linting import acknowledged",
        "from qualscore.linting.checks import lint",
        "import qualscore.cli.validate",
        "qualscore.LintWarning",
        "assert callable(qualscore.lint)\nimport qualscore.linting.acknowledged",
    ],
)
def test_lint_is_the_function_whatever_was_imported_first(before: str) -> None:
    """`qualscore.lint` is the linting function after any import, in either order."""
    code = f"import qualscore\n{before}\nimport qualscore.linting.checks as c\n"
    code += "assert qualscore.lint is c.lint, qualscore.lint\n"
    code += "from qualscore import lint\nassert lint is c.lint\n"
    imported(code)


def test_every_public_name_is_there_and_listed() -> None:
    """Each name of `__all__` resolves, `dir()` lists them, and no other name is made up."""
    for name in qualscore.__all__:
        assert getattr(qualscore, name) is not None
    assert set(qualscore.__all__) <= set(dir(qualscore))
    assert callable(qualscore.lint) and qualscore.lint.__module__ == "qualscore.linting.checks"
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        qualscore.nothing_here  # noqa: B018


def test_evaluate_as_json_imports_no_renderer() -> None:
    """`qualscore evaluate --format json` imports no table, template, sheet or document
    renderer, nor the batch command, the comparison or the readers of tables."""
    code = (
        "import io\nfrom qualscore.cli.app import main\n"
        "assert main(['evaluate', 'rules/rugao-2018', 'examples/rugao-2018/city-sample.yaml',"
        " '--format', 'json'], stdout=io.StringIO()) == 0\n"
    )
    assert imported(code, *REPORTS) == dict.fromkeys(REPORTS, False)


def test_a_command_imports_its_own_module_alone() -> None:
    """A command run imports its subcommand's module and not the others'."""
    others = ("qualscore.cli.batch", "qualscore.cli.diff", "qualscore.cli.ruletest",
              "qualscore.cli.schema", "qualscore.cli.new", "qualscore.cli.template")  # fmt: skip
    code = (
        "import io\nfrom qualscore.cli.app import main\n"
        "main(['validate', 'rules/rugao-2018'], stdout=io.StringIO(), stderr=io.StringIO())\n"
    )
    found = imported(code, "qualscore.cli.validate", *others)
    assert found == {"qualscore.cli.validate": True, **dict.fromkeys(others, False)}


def test_help_lists_every_command() -> None:
    """`--help` (and an unknown command) still know every subcommand; a command named
    first has its own parser alone."""
    import argparse

    from conftest import run_cli
    from qualscore.cli.app import _parser

    def commands(argv: list[str]) -> set[str]:
        parser = _parser(argv)
        found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return set(found[0].choices)

    every = {"validate", "evaluate", "batch", "template", "test", "diff", "schema", "new",
             "init", "compile"}  # fmt: skip
    assert commands([]) == commands(["--help"]) == commands(["evaluat"]) == every
    assert commands(["test", "r"]) == {"test"}
    assert commands(["init"]) == {"new", "init"}
    code, _, err = run_cli("evaluat")
    assert code == 2 and "invalid choice: 'evaluat'" in err
