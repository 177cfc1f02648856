"""Every attack of the hostile corpus (tests/hostile/) is refused or handled correctly."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.hostile import Attack, load_all

ATTACKS = load_all()


def test_the_corpus_is_not_empty() -> None:
    """The replay command has attacks to replay."""
    assert len(ATTACKS) >= 1


@pytest.mark.parametrize(
    "item",
    [
        pytest.param(a, id=f"{a.area}/{a.name}", marks=[pytest.mark.slow] if a.slow else [])
        for a in ATTACKS
    ],
)
def test_attack(item: Attack, tmp_path: Path) -> None:
    """The attack is refused in one line with exit 2, or handled correctly."""
    item.check(tmp_path)
