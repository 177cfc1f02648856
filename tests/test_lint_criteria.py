"""Lint warns when an item's criteria name a percentage that is no threshold of its
bands: the text left from an earlier year after a threshold changed."""

from __future__ import annotations

from pathlib import Path

import qualscore
from conftest import ROOT, item_yaml, write_ruleset
from qualscore.linting.checks import found

RATE = "- {key: rate, type: percent, label: Pass rate}\n- {key: done, type: bool, label: Done}"
BANDS = "kind: tiers\nvalue: rate\nbands:\n  - {at_least: 95, points: 2}\n  - {at_least: 90, below: 95, points: 1}"


def _warnings(tmp_path: Path, criteria: str, shape: str = BANDS, facts: str = RATE) -> list[str]:
    items = item_yaml(shape, points=2).replace("As the test says.", criteria)
    root = write_ruleset(tmp_path, facts, items, points=2)
    return [w.message for w in found(qualscore.load_rules(root)) if w.node == "item 1"]


def test_criteria_naming_the_bands_bounds_give_no_warning(tmp_path: Path) -> None:
    """95% and 90% (full-width ％ and a space too) are the bands' bounds."""
    assert _warnings(tmp_path, "95%（含95%）以上得2分，90 ％—95％得1分") == []


def test_a_threshold_left_from_last_year_is_told_with_the_bounds_the_rules_have(
    tmp_path: Path,
) -> None:
    """The band starts at 95 now; the text still says 92%: one warning, every stray number."""
    assert _warnings(tmp_path, "92%以上得2分，90%—92%得1分，88%以下不得分") == [
        "criteria says 92%, 88%, which is no bound of its bands (its rules compare with 90, "
        "95): the text may be left from an earlier year"
    ]


def test_the_warning_is_at_the_criteria(tmp_path: Path) -> None:
    """The warning points at the item's criteria line."""
    items = item_yaml(BANDS, points=2).replace("As the test says.", "92%以上得2分")
    root = write_ruleset(tmp_path, RATE, items, points=2)
    (warning,) = [w for w in found(qualscore.load_rules(root)) if w.node == "item 1"]
    text = Path(warning.location.path).read_text("utf-8").splitlines()
    assert text[warning.location.line - 1][warning.location.col - 1 :] == "92%以上得2分"


def test_a_bound_written_as_a_fraction_matches_its_percentage(tmp_path: Path) -> None:
    """Bands of a rate written 0.95 and 0.9 match a text saying 95% and 90%."""
    facts = "- {key: rate, type: number, label: Pass rate}"
    shape = BANDS.replace("95", "0.95").replace("90,", "0.9,")
    assert _warnings(tmp_path, "95%以上得2分，90%以上得1分", shape, facts) == []
    assert _warnings(tmp_path / "b", "96%以上得2分", shape, facts) != []


def test_a_number_an_expression_compares_with_matches(tmp_path: Path) -> None:
    """A part of the item whose condition reads ``rate >= 100`` makes 100% a threshold."""
    shape = (
        "kind: parts\nparts:\n  - label: band\n    points: 1\n    score:\n"
        "      kind: tiers\n      value: rate\n      bands:\n        - {at_least: 90, points: 1}\n"
        "  - {label: all, when: rate >= 100, points: 1}"
    )
    assert _warnings(tmp_path, "90%以上得1分，达到100%再得1分", shape) == []
    assert _warnings(tmp_path / "b", "90%以上得1分，达到99%再得1分", shape)[0].startswith(
        "criteria says 99%, which is no bound"
    )


def test_an_item_without_bands_is_not_read(tmp_path: Path) -> None:
    """A checklist's criteria may name any percentage: its facts are judged, not compared."""
    shape = "kind: parts\nparts:\n  - {label: done, when: done, points: 2}"
    assert _warnings(tmp_path, "覆盖率达到92%的得2分", shape) == []


def test_the_shipped_rule_sets_have_no_stale_threshold() -> None:
    """rugao-2018's criteria and its 2019 revision's name only their bands' bounds."""
    root = ROOT
    for folder in ("rules/rugao-2018", "examples/rugao-2019-revised"):
        warned = [w for w in found(qualscore.load_rules(root / folder)) if "criteria says" in w.message]
        assert warned == []
