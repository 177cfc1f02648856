"""Suggestions ("did you mean") cost a bounded number of searches, each over a bounded
number of names, however many unknown names an input holds; what they suggest is difflib's."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import qualscore
from conftest import ROOT, run_cli_no_traceback
from qualscore.errors import SourceError
from qualscore.facts.targets import load_targets
from qualscore.source import suggest
from qualscore.source.suggest import MAX_CANDIDATES, MAX_SEARCHES, Suggestions
from qualscore.source.tables import read_table

MINI = ROOT / "tests" / "fixtures" / "mini"
TOWNS = ROOT / "rules" / "rugao-2018-towns"
MINI_ROW = ["true", "90", "3", "2", "1", "0", "false"]
MINI_KEYS = ["done", "rate", "reports", "ports", "failing", "awards", "incident"]


@pytest.fixture
def searches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Each difflib search made through :mod:`qualscore.source.suggest`, as the number of
    names it compared with."""
    found: list[int] = []
    real = difflib.get_close_matches

    def counted(word: str, possibilities: Any, *args: Any, **kwargs: Any) -> list[str]:
        found.append(len(possibilities))
        return real(word, possibilities, *args, **kwargs)

    monkeypatch.setattr(suggest.difflib, "get_close_matches", counted)
    yield found


@pytest.mark.parametrize("name", ["rat", "reprots", "fialing", "zzz", "", "awardsawards"])
def test_suggestion_is_difflibs(name: str) -> None:
    """Among fewer names than the bound, the suggestion is exactly difflib's, ties and all."""
    expected = difflib.get_close_matches(name, MINI_KEYS, n=1)
    assert Suggestions(MINI_KEYS).close(name) == (expected[0] if expected else None)


def test_a_search_compares_with_at_most_max_candidates_names(searches: list[int]) -> None:
    """Among 20,000 known names, a name is compared with the MAX_CANDIDATES nearest in
    length, which still hold its close match."""
    known = [f"town_{i}" for i in range(20_000)] + ["quality_award_applications"]
    assert Suggestions(known).close("quality_award_aplications") == "quality_award_applications"
    assert searches == [MAX_CANDIDATES]


def test_hints_for_the_first_distinct_names_only(searches: list[int]) -> None:
    """The first MAX_SEARCHES distinct names get a hint (a repeat is not searched again);
    the rest get none, and no search."""
    names = ["rat", "rat", *(f"unknown{i}" for i in range(100_000))]
    hints = Suggestions(MINI_KEYS).hints(names)
    assert len(hints) == MAX_SEARCHES == len(searches)
    assert hints["rat"] == "; did you mean 'rate'?"
    assert hints["unknown0"] == ""
    assert "unknown19" not in hints


def test_a_name_is_searched_for_once(searches: list[int]) -> None:
    """What was found for a name is remembered: a misspelt column costs one search, not one a row."""
    found = Suggestions(MINI_KEYS)
    assert [found.hint("reprots") for _ in range(1_000)] == ["; did you mean 'reports'?"] * 1_000
    assert len(searches) == 1


def test_batch_table_of_many_unknown_columns_searches_a_bounded_number_of_times(
    tmp_path: Path, searches: list[int]
) -> None:
    """3 rows of 20,000 unknown columns: each unknown column is reported on each row, the
    first with its suggestion, at MAX_SEARCHES searches in all (it was one a cell)."""
    extra = ["rat_", *(f"x{i}" for i in range(19_999))]
    lines = [",".join(["entity", *MINI_KEYS, *extra])]
    lines += [",".join([name, *MINI_ROW, *["1"] * len(extra)]) for name in "ABC"]
    table = tmp_path / "wide.csv"
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run_cli_no_traceback("batch", MINI, table, "--quiet", "--jobs", "1")
    assert code == 2
    problems = err.splitlines()
    assert len(problems) == 3 * len(extra)
    assert problems[0] == f"{table}:2:9: unknown fact 'rat_'; did you mean 'rate'?"
    assert problems[-1] == f"{table}:4:{8 + len(extra)}: unknown fact 'x19998'"
    assert len(searches) <= MAX_SEARCHES


def test_target_table_of_many_unknown_columns_searches_a_bounded_number_of_times(
    tmp_path: Path, searches: list[int]
) -> None:
    """Every unknown column of a target table is named, at MAX_SEARCHES searches in all."""
    rules = qualscore.load_rules(TOWNS)
    extra = ["national_spot_check_pass_rate_targt", *(f"x{i}" for i in range(4_999))]
    table = tmp_path / "targets.csv"
    table.write_text(",".join(["entity", *extra]) + "\n丁堰," + ",".join("1" * len(extra)) + "\n")
    with pytest.raises(SourceError) as info:
        load_targets(rules, table)
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == len(extra)
    assert problems[0] == (
        f"{table}:1:2: 'national_spot_check_pass_rate_targt' is not a declared target; "
        "did you mean 'national_spot_check_pass_rate_target'?"
    )
    assert problems[-1] == f"{table}:1:{1 + len(extra)}: 'x4998' is not a declared target"
    assert len(searches) <= MAX_SEARCHES


def test_header_repeat_far_along_names_its_first_column(tmp_path: Path) -> None:
    """A column repeated at the end of a 100,000-column header names where it first was."""
    columns = ["entity", *(f"c{i}" for i in range(100_000)), "c7"]
    table = tmp_path / "t.csv"
    table.write_text(",".join(columns) + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        read_table(table)
    assert [str(p) for p in info.value.problems] == [
        f"{table}:1:100002: column 'c7' appears twice (first in column 9)"
    ]
