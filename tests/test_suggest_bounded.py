"""Every "did you mean" in qualscore goes through :mod:`qualscore.source.suggest`, so no
input costs more than a bounded number of difflib searches, each over a bounded number of
names: a rule set, a given cohort file, a rule-set test file of 5,000 unknown names still
names every one, the first ones with their suggestion, at most MAX_SEARCHES searches a kind."""

from __future__ import annotations

import ast
import difflib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, run_cli_no_traceback
from qualscore import CohortError, RuleSetError, evaluate, load_facts, load_rules
from qualscore.ruleset.formula import FormulaError, Type, compile_formula
from qualscore.source.suggest import (
    MAX_CANDIDATES,
    MAX_SEARCHES,
    KnownNames,
    Suggestions,
    hint,
)

SRC = ROOT / "src" / "qualscore"
MINI = ROOT / "tests" / "fixtures" / "mini"
YUNHE = ROOT / "examples" / "yunhe-quality"
N = 5_000


@pytest.fixture
def searches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every difflib search made anywhere (the module attribute is patched, so a call that
    bypassed :mod:`qualscore.source.suggest` would be counted too), as the number of names
    it compared with."""
    found: list[int] = []
    real = difflib.get_close_matches

    def counted(word: str, possibilities: Any, *args: Any, **kwargs: Any) -> list[str]:
        names = list(possibilities)
        found.append(len(names))
        return real(word, names, *args, **kwargs)

    monkeypatch.setattr(difflib, "get_close_matches", counted)
    yield found


def _bounded(searches: list[int], most: int = MAX_SEARCHES) -> None:
    assert 0 < len(searches) <= most
    assert max(searches) <= MAX_CANDIDATES


def _mini(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(MINI, root)
    return root


def _problems(root: Path) -> list[str]:
    with pytest.raises(RuleSetError) as info:
        load_rules(root)
    return [str(p) for p in info.value.problems]


# --- one way to search -----------------------------------------------------------------


def test_only_suggest_calls_difflib() -> None:
    """No module but suggest.py names difflib.get_close_matches: a new "did you mean"
    cannot bypass the bound."""
    callers = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name: str | None
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.alias):
                name = node.name
            else:
                name = getattr(node, "id", None)
            if name == "get_close_matches":
                callers.append(str(path.relative_to(SRC)))
    assert set(callers) == {"source/suggest.py"}


def test_searches_spent_leave_names_without_suggestion(searches: list[int]) -> None:
    """An object given ``searches=3`` searches for 3 distinct names in its life; a name
    already searched for keeps its answer, a new one gets none."""
    found = Suggestions(["rate", "reports", "ports"], searches=3)
    assert [found.close(n) for n in ("rat", "rat", "reprots", "zzz")] == [
        "rate",
        "rate",
        "reports",
        None,
    ]
    assert found.close("prots") is None
    assert found.hint("rat") == "; did you mean 'rate'?"
    assert len(searches) == 3


def test_known_names_is_a_mapping_whose_readers_share_one_bound(searches: list[int]) -> None:
    """A KnownNames reads like its dict, and all its readers together search MAX_SEARCHES
    times at most."""
    names = KnownNames({"rate": "number", "done": "bool"})
    assert dict(names) == {"rate": "number", "done": "bool"}
    assert "rate" in names and "rat" not in names and len(names) == 2
    unknown = ["ratx", *(f"unknown_{i}" for i in range(N - 2)), "rat"]
    hints = [hint(name, names) for name in unknown]
    assert hints[0] == "; did you mean 'rate'?"
    assert hints[-1] == ""  # 'rate' would be its suggestion, but the searches are spent
    assert len(searches) == MAX_SEARCHES


def test_one_off_hint_is_difflibs_among_few_names(searches: list[int]) -> None:
    """For a plain collection, hint() is one search, and among fewer than MAX_CANDIDATES
    names gives difflib's own answer."""
    known = ["rate", "reports", "ports", "failing"]
    assert hint("reprots", known) == "; did you mean 'reports'?"
    assert hint("zzz", known) == ""
    assert searches == [4, 4]


def test_formulas_compiled_with_known_names_share_one_bound(searches: list[int]) -> None:
    """5,000 formulas each reading an unknown name, compiled with one KnownNames: every one
    is refused by name, at MAX_SEARCHES searches in all."""
    types: KnownNames[Type] = KnownNames({"rate": "number", "reports": "number"})
    messages = []
    for i in range(N):
        with pytest.raises(FormulaError) as info:
            compile_formula(f"rates_{i} / 10", types)
        messages.append(info.value.message)
    assert messages[0] == "unknown name 'rates_0'; did you mean 'rate'?"
    assert messages[-1] == f"unknown name 'rates_{N - 1}'"
    _bounded(searches)


# --- a rule set --------------------------------------------------------------------------


def test_rule_file_of_5000_unknown_keys(tmp_path: Path, searches: list[int]) -> None:
    """Every one of 5,000 unknown keys of a category file is reported, the first ones with
    their suggestion, at MAX_SEARCHES searches (it was one a key, each over every key of
    every model)."""
    root = _mini(tmp_path)
    category = root / "categories" / "1-main.yaml"
    keys = ["titel", *(f"unknown_{i}" for i in range(N - 1))]
    category.write_text(category.read_text("utf-8") + "".join(f"{k}: 1\n" for k in keys), "utf-8")
    problems = _problems(root)
    assert len(problems) == N
    assert problems[0] == f"{category}:44:1: titel: unknown key 'titel'; did you mean 'title'?"
    assert problems[-1] == f"{category}:{43 + N}:1: unknown_{N - 2}: unknown key 'unknown_{N - 2}'"
    _bounded(searches)


@pytest.mark.slow
def test_5000_formulas_reading_unknown_names(tmp_path: Path, searches: list[int]) -> None:
    """5,000 formulas over five category files, each reading an unknown name: each is
    refused by name at its place, at MAX_SEARCHES searches for the whole rule set."""
    root = _mini(tmp_path)
    per_file = N // 5
    for f in range(5):
        items = "".join(
            f'  - {{id: "x{f}_{i}", title: X, points: 1, criteria: c, departments: [O], '
            f'score: {{kind: formula, expr: "rates{f}_{i} / 10"}}}}\n'
            for i in range(per_file)
        )
        text = f"id: c{f}\ntitle: C\npoints: {per_file}\nitems:\n{items}"
        (root / "categories" / f"{f}.yaml").write_text(text, "utf-8")
    problems = _problems(root)
    assert len(problems) == N
    first = root / "categories" / "0.yaml"
    assert problems[0] == (
        f"{first}:5:99: items[0].score.expr: unknown name 'rates0_0'; did you mean 'rate'?"
    )
    assert problems[-1].endswith(f"unknown name 'rates4_{per_file - 1}'")
    _bounded(searches)


def test_applies_to_of_5000_unknown_names(tmp_path: Path, searches: list[int]) -> None:
    """An applies_to naming 5,000 unknown entities: each is reported, at MAX_SEARCHES searches."""
    root = _mini(tmp_path)
    manifest = root / "ruleset.yaml"
    manifest.write_text(
        manifest.read_text("utf-8") + "groups:\n  - {id: towns, title: Towns, members: [A, B]}\n",
        "utf-8",
    )
    category = root / "categories" / "1-main.yaml"
    names = ", ".join(["town", *(f"g{i}" for i in range(N - 1))])
    text = category.read_text("utf-8")
    category.write_text(
        text.replace("    title: Work\n", f"    title: Work\n    applies_to: [{names}]\n"), "utf-8"
    )
    problems = _problems(root)
    assert len(problems) == N
    assert problems[0] == (
        f"{category}:8:18: applies_to: no group or entity 'town'; did you mean 'towns'?"
    )
    assert problems[-1].endswith(f"applies_to: no group or entity 'g{N - 2}'")
    _bounded(searches)


def test_2000_cohort_values_of_unknown_nodes_and_scopes(
    tmp_path: Path, searches: list[int]
) -> None:
    """2,000 cohort values (as many as a file's 50,000 values allow) each scoring an
    unknown node in an unknown scope: 4,000 problems, at MAX_SEARCHES searches for the
    nodes and as many for the scopes."""
    n = 2_000
    root = _mini(tmp_path)
    manifest = root / "ruleset.yaml"
    manifest.write_text(
        manifest.read_text("utf-8") + "groups:\n  - {id: towns, title: Towns, members: [A, B]}\n",
        "utf-8",
    )
    facts = root / "facts.yaml"
    decls = "".join(
        f"  - {{key: v{i}, label: V, stat: rank, score: mian{i}, scope: town{i}}}\n"
        for i in range(n)
    )
    facts.write_text(facts.read_text("utf-8") + "cohort:\n" + decls, "utf-8")
    problems = _problems(root)
    assert len(problems) == 2 * n
    assert problems[:2] == [
        f"{facts}:14:44: score: no item, indicator or category 'mian0' (or 'total'); "
        "did you mean 'main'?",
        f"{facts}:14:58: scope: 'town0' is not all, group or a group's id; did you mean 'towns'?",
    ]
    assert problems[-1].endswith(f"scope: 'town{n - 1}' is not all, group or a group's id")
    _bounded(searches, 2 * MAX_SEARCHES)


def test_a_whole_bad_rule_set_stays_within_its_kinds_bounds(
    tmp_path: Path, searches: list[int]
) -> None:
    """Unknown keys, a formula's unknown name and 5,000 applies_to names at once: each
    kind has its own MAX_SEARCHES, no more."""
    root = _mini(tmp_path)
    category = root / "categories" / "1-main.yaml"
    text = category.read_text("utf-8").replace("expr: reports / 10", "expr: rates / 10")
    text = text.replace(
        "    title: Work\n",
        "    title: Work\n    applies_to: [" + ", ".join(f"g{i}" for i in range(N)) + "]\n",
    )
    category.write_text(text + "".join(f"unknown_{i}: 1\n" for i in range(N)), "utf-8")
    manifest = root / "ruleset.yaml"
    manifest.write_text(
        manifest.read_text("utf-8") + "groups:\n  - {id: towns, title: Towns, members: [A, B]}\n",
        "utf-8",
    )
    problems = _problems(root)
    assert len(problems) >= N
    _bounded(searches, 3 * MAX_SEARCHES)


# --- inputs beside a rule set ------------------------------------------------------------


def test_given_cohort_file_of_5000_unknown_keys(tmp_path: Path, searches: list[int]) -> None:
    """evaluate --cohort with a file of 5,000 unknown values: every one is named, the first
    with its suggestion, at MAX_SEARCHES searches (it was one a key)."""
    given = tmp_path / "given.yaml"
    keys = ["pass_rnk", *(f"unknown_value_{i}" for i in range(N - 1))]
    given.write_text("".join(f"{k}: 1\n" for k in keys), "utf-8")
    code, _, err = run_cli_no_traceback("evaluate", YUNHE, YUNHE / "entities" / "西溪镇.yaml", "--cohort", given)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == N
    assert lines[0] == f"{given}:1:1: unknown cohort value 'pass_rnk'; did you mean 'pass_rank'?"
    assert lines[-1] == f"{given}:{N}:1: unknown cohort value 'unknown_value_{N - 2}'"
    _bounded(searches)


def test_given_cohort_mapping_of_5000_unknown_keys(searches: list[int]) -> None:
    """The same through the API (evaluate(cohort=...)): at MAX_SEARCHES searches."""
    rules = load_rules(YUNHE)
    facts = load_facts(rules, YUNHE / "entities" / "西溪镇.yaml")
    given = {"pass_rnk": 1, **{f"unknown_value_{i}": 1 for i in range(N - 1)}}
    with pytest.raises(CohortError) as info:
        evaluate(rules, facts, cohort=given)
    messages = [p.message for p in info.value.problems]
    assert "unknown cohort value 'pass_rnk'; did you mean 'pass_rank'?" in messages
    assert sum(m.startswith("unknown cohort value") for m in messages) == N
    _bounded(searches)


@pytest.mark.slow
def test_rule_test_files_of_5000_unknown_names(tmp_path: Path, searches: list[int]) -> None:
    """Two test files, one of 5,000 unknown expectations, one of 5,000 unknown keys: every
    one is reported, at MAX_SEARCHES searches for the nodes and as many for the keys, for
    both files together."""
    folder = tmp_path / "tests"
    folder.mkdir()
    expect = ", ".join(["mian: 1", *(f"n{i}: 1" for i in range(N - 1))])
    (folder / "a.yaml").write_text(f"cases:\n  - name: a\n    expect: {{{expect}}}\n", "utf-8")
    keys = "".join(f"    k{i}: 1\n" for i in range(N - 1))
    (folder / "b.yaml").write_text(f"cases:\n  - name: b\n    expekt: 1\n{keys}", "utf-8")
    code, _, err = run_cli_no_traceback("test", MINI, folder)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 2 * N
    assert lines[0] == (
        f"{folder}/a.yaml:3:14: cases[0].expect: no item, indicator or category 'mian'; "
        "did you mean 'main'?"
    )
    assert (
        f"{folder}/b.yaml:3:5: cases[0].expekt: unknown key 'expekt'; did you mean 'expect'?"
        in lines
    )
    _bounded(searches, 2 * MAX_SEARCHES)


def test_template_entity_among_5000_entities_is_one_bounded_search(
    tmp_path: Path, searches: list[int]
) -> None:
    """template --entity in a rule set of 5,000 entities: one search, over at most
    MAX_CANDIDATES of them, which still finds the misspelt one."""
    root = _mini(tmp_path)
    members = ", ".join([*(f"town_{i}" for i in range(N - 1)), "Dingyan_town"])
    manifest = root / "ruleset.yaml"
    manifest.write_text(
        manifest.read_text("utf-8")
        + f"groups:\n  - {{id: towns, title: Towns, members: [{members}]}}\n",
        "utf-8",
    )
    code, _, err = run_cli_no_traceback("template", root, "--entity", "Dingyan_twn")
    assert code == 2
    assert (
        err
        == "qualscore: template --entity: no entity or group 'Dingyan_twn'; did you mean 'Dingyan_town'?\n"
    )
    assert searches == [MAX_CANDIDATES]
