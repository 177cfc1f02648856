"""Attacks on "did you mean": inputs of thousands of unknown names, work counted in
difflib searches, never seconds.

- a given cohort values file of 5,000 unknown keys (a search a key, over every declared
  cohort value);
- a rule set of 5,000 unknown keys and 1,000 formulas reading unknown names (a search
  a key over every key of every model, a search a formula over every declared fact).
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

from qualscore.source.suggest import MAX_CANDIDATES, MAX_SEARCHES

from . import ROOT, attack, run
from .attacks_slow import counting

MINI = ROOT / "tests/fixtures/mini"
YUNHE = ROOT / "examples/yunhe-quality"


@attack("a given cohort file of 5,000 unknown keys: every one named, 20 suggestion searches")
def attack_given_cohort_of_unknown_keys(tmp: Path) -> None:
    keys = ["pass_rnk", *(f"unknown_value_{i}" for i in range(4_999))]
    given = tmp / "given.yaml"
    given.write_text("".join(f"{k}: 1\n" for k in keys), encoding="utf-8")
    town = YUNHE / "entities/西溪镇.yaml"
    compared: list[int] = []

    def measured(word: str, names: list[str], *args: object, **kwargs: object) -> bool:
        compared.append(len(names))
        return True

    with counting(difflib, "get_close_matches", measured) as searches:
        outcome = run(["evaluate", YUNHE, town, "--cohort", given]).user_error()
    lines = outcome.err.splitlines()
    assert len(lines) == len(keys), f"{len(lines):,} problems, not {len(keys):,}"
    assert lines[0] == f"{given}:1:1: unknown cohort value 'pass_rnk'; did you mean 'pass_rank'?"
    assert searches[0] <= MAX_SEARCHES, f"{searches[0]:,} difflib searches (one a key once)"
    assert max(compared) <= MAX_CANDIDATES, f"a search over {max(compared):,} names"


@attack("a rule set of 5,000 unknown keys and 1,000 unknown formula names: 20 searches a kind")
def attack_rule_set_of_unknown_names(tmp: Path) -> None:
    rules = tmp / "mini"
    shutil.copytree(MINI, rules)
    category = rules / "categories/1-main.yaml"
    text = category.read_text(encoding="utf-8")
    category.write_text(text + "".join(f"unknown_{i}: 1\n" for i in range(5_000)), "utf-8")
    items = "".join(
        f'  - {{id: "x{i}", title: X, points: 1, criteria: c, departments: [O], '
        f'score: {{kind: formula, expr: "rates_{i} / 10"}}}}\n'
        for i in range(1_000)
    )
    (rules / "categories/2-more.yaml").write_text(
        f"id: more\ntitle: More\npoints: 1000\nitems:\n{items}", encoding="utf-8"
    )
    with counting(difflib, "get_close_matches") as searches:
        outcome = run(["validate", rules]).user_error()
    lines = outcome.err.splitlines()
    assert len(lines) == 6_000, f"{len(lines):,} problems, not 6,000"
    assert searches[0] <= 2 * MAX_SEARCHES, f"{searches[0]:,} difflib searches (one a name once)"
    assert lines[-1].endswith("unknown name 'rates_999'"), lines[-1]
