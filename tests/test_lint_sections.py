"""The validator on floors, bonus and penalty sections, and facts that cannot be 0 (issue #20):
each warning exact, with file:line:col, and silent where the rule is right."""

from __future__ import annotations

from pathlib import Path

import pytest

import qualscore
from conftest import item_yaml, write_ruleset

N5 = "- {key: n, type: count, label: N, max: 5}"
DONE = "- {key: done, type: bool, label: Done}"
TWO = "- {key: a, type: bool, label: A}\n- {key: b, type: bool, label: B}"


def warnings(
    tmp_path: Path, facts: str, items: str, *, points: int | str = 2, kind: str = "score"
) -> list[str]:
    """The warnings of a one-category rule set of this ``kind`` (a bonus or penalty section
    has `kind:` at line 3, so its items start a line lower), with its folder shown as 'r'."""
    root = write_ruleset(tmp_path, facts, items, points=points)
    if kind != "score":
        path = root / "categories" / "1.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("title: Category 1\n", f"title: Category 1\nkind: {kind}\n"))
    return [str(w).replace(str(root), "r") for w in qualscore.lint(qualscore.load_rules(root))]


def indicator(items: str, *, points: int) -> str:
    """An indicator "I" of ``points`` holding ``items``."""
    body = "\n".join("    " + line if line else line for line in items.splitlines())
    return f'- id: "I"\n  title: Indicator\n  points: {points}\n  items:\n{body}\n'


# --- a formula against the item's own floor --------------------------------------------------


def test_formula_within_a_negative_floor_is_quiet(tmp_path: Path) -> None:
    """0.5 × n − 0.5 is -0.5 at n = 0: within the item's floor of -1, not "clamped to [0, 2]"."""
    item = item_yaml("kind: formula\nexpr: 0.5 * n - 0.5", points=2, extra="floor: -1")
    assert warnings(tmp_path, N5, item) == []


def test_formula_below_a_negative_floor(tmp_path: Path) -> None:
    """n − 3 is -3 at n = 0, below the floor of -1: the clamp shown is the item's, [-1, 2]."""
    item = item_yaml("kind: formula\nexpr: n - 3", points=2, extra="floor: -1")
    assert warnings(tmp_path, N5, item) == [
        "r/categories/1.yaml:12:13: warning: item 1: its formula gives -3 at n = 0, below -1; "
        "the score is clamped to [-1, 2]"
    ]


def test_formula_with_no_floor_is_only_capped(tmp_path: Path) -> None:
    """With `floor: none` nothing is too low; n − 1 reaching 4 is capped at the 2 points."""
    item = item_yaml("kind: formula\nexpr: n - 1", points=2, extra="floor: none")
    assert warnings(tmp_path, N5, item) == [
        "r/categories/1.yaml:12:13: warning: item 1: its formula gives 4 at n = 5, more than its "
        "2 points; the score is capped at 2"
    ]


def test_formula_deducting_within_a_penalty_items_points_is_quiet(tmp_path: Path) -> None:
    """-0.5 × n deducts at most 2.5 of a 3-point penalty item: it scores -2.5, not "below 0"."""
    item = item_yaml("kind: formula\nexpr: -0.5 * n", points=3)
    assert warnings(tmp_path, N5, item, points="none", kind="penalty") == []


def test_formula_leaving_a_penalty_items_range(tmp_path: Path) -> None:
    """A penalty item scores in [-points, 0]: 1 − n is 1 at n = 0 and -4 at n = 5, both outside [-2, 0]."""
    item = item_yaml("kind: formula\nexpr: 1 - n", points=2)
    assert warnings(tmp_path, N5, item, points="none", kind="penalty") == [
        "r/categories/1.yaml:13:13: warning: item 1: its formula gives -4 at n = 5, below -2, "
        "and 1 at n = 0, above 0; the score is clamped to [-2, 0]"
    ]


# --- nothing done: a fact that cannot be 0 -----------------------------------------------------


@pytest.mark.parametrize(
    ("fact", "expr"),
    [
        ("- {key: n, type: count, label: N, min: 1}", "min(2, n)"),
        ("- {key: n, type: percent, label: N, min: 50}", "n / 50"),
        ("- {key: n, type: number, label: N, max: -1}", "min(2, -n)"),
    ],
    ids=["count from 1", "percent from 50", "number up to -1"],
)
def test_a_fact_that_cannot_be_0_is_not_nothing_done(tmp_path: Path, fact: str, expr: str) -> None:
    """0 is not a value the fact may take, so its lowest value is no "nothing done"."""
    assert warnings(tmp_path, fact, item_yaml(f"kind: formula\nexpr: {expr}", points=2)) == []


def test_a_fact_from_0_is_still_probed(tmp_path: Path) -> None:
    """A count declared `min: 0` (its default) is probed at 0 as before."""
    fact = "- {key: n, type: count, label: N, min: 0}"
    assert warnings(tmp_path, fact, item_yaml("kind: formula\nexpr: min(2, n + 1)", points=2)) == [
        "r/categories/1.yaml:5:5: warning: item 1: awards 1 of 2 when every fact it reads is false or 0"
    ]


# --- cases in a penalty section ----------------------------------------------------------------


def test_penalty_cases_deducting_the_items_points_are_quiet(tmp_path: Path) -> None:
    """A penalty item's best case is no deduction, 0: that is no point "that can never be earned"."""
    item = item_yaml("kind: cases\ncases:\n  - {when: done, points: -2}", points=2)
    assert warnings(tmp_path, DONE, item, points="none", kind="penalty") == []


def test_penalty_cases_deducting_less_than_the_items_points(tmp_path: Path) -> None:
    """A worst case of -1 in a 2-point penalty item leaves 1 point that is never deducted."""
    item = item_yaml("kind: cases\ncases:\n  - {when: done, points: -1}", points=2)
    assert warnings(tmp_path, DONE, item, points="none", kind="penalty") == [
        "r/categories/1.yaml:12:7: warning: item 1: its worst case awards -1: a deduction of 1, "
        "less than its declared 2 points; 1 point can never be deducted"
    ]


def test_penalty_cases_deducting_more_than_the_items_points(tmp_path: Path) -> None:
    """A worst case of -3 in a 2-point penalty item is cut to -2."""
    item = item_yaml("kind: cases\ncases:\n  - {when: done, points: -3}", points=2)
    assert warnings(tmp_path, DONE, item, points="none", kind="penalty") == [
        "r/categories/1.yaml:12:7: warning: item 1: its worst case awards -3: a deduction of 3, "
        "more than its declared 2 points; the cap of 2 binds"
    ]


def test_penalty_deductions_with_a_floor_above_minus_the_points(tmp_path: Path) -> None:
    """Deductions stopping at -1 in a 2-point penalty item never deduct the second point."""
    score = "kind: deductions\nfloor: -1\nsteps:\n  - {per: n, points: 1}"
    assert warnings(tmp_path, N5, item_yaml(score, points=2), points="none", kind="penalty") == [
        "r/categories/1.yaml:12:7: warning: item 1: its deductions stop at -1: a deduction of 1, "
        "less than its declared 2 points; 1 point can never be deducted"
    ]


def test_penalty_deductions_that_cannot_reach_their_floor(tmp_path: Path) -> None:
    """Two `when` steps of 1 deduct 2 at most, whatever the floor of -5 allows."""
    score = (
        "kind: deductions\nfloor: -5\nsteps:\n  - {when: a, points: 1}\n  - {when: b, points: 1}"
    )
    assert warnings(tmp_path, TWO, item_yaml(score, points=5), points="none", kind="penalty") == [
        "r/categories/1.yaml:12:7: warning: item 1: its deductions stop at -2: a deduction of 2, "
        "less than its declared 5 points; 3 points can never be deducted"
    ]


# --- sums in bonus and penalty sections --------------------------------------------------------


def test_bonus_section_whose_items_add_to_less_than_its_cap(tmp_path: Path) -> None:
    """A 5-point bonus section of one 2-point item can never give its 5 points."""
    item = item_yaml("kind: parts\nparts:\n  - {label: a, when: done, points: 2}", points=2)
    assert warnings(tmp_path, DONE, item, points=5, kind="bonus") == [
        "r/categories/1.yaml:1:1: warning: category c1: its children add to 2, less than its "
        "declared 5 points; 3 points can never be earned"
    ]


def test_bonus_or_penalty_section_whose_items_add_to_more_than_its_cap_is_quiet(
    tmp_path: Path,
) -> None:
    """A section's cap is what it adds or deducts at most: items adding to more is what it is for."""
    bonus = item_yaml("kind: parts\nparts:\n  - {label: a, when: done, points: 2}", points=2)
    assert warnings(tmp_path, DONE, bonus, points=1, kind="bonus") == []
    penalty = item_yaml("kind: parts\nparts:\n  - {label: a, when: done, points: -2}", points=2)
    assert warnings(tmp_path, DONE, penalty, points=1, kind="penalty") == []


def test_penalty_section_whose_items_deduct_less_than_its_cap(tmp_path: Path) -> None:
    """A penalty section of 5 whose one item deducts at most 2 never deducts the other 3."""
    item = item_yaml("kind: parts\nparts:\n  - {label: a, when: done, points: -2}", points=2)
    assert warnings(tmp_path, DONE, item, points=5, kind="penalty") == [
        "r/categories/1.yaml:1:1: warning: category c1: its children add to 2, less than its "
        "declared 5 points; 3 points can never be deducted"
    ]


def test_section_without_a_cap_is_not_summed(tmp_path: Path) -> None:
    """`points: none` declares no sum to check."""
    item = item_yaml("kind: parts\nparts:\n  - {label: a, when: done, points: -2}", points=2)
    assert warnings(tmp_path, DONE, item, points="none", kind="penalty") == []


def test_indicator_in_a_bonus_section(tmp_path: Path) -> None:
    """An indicator of a bonus section is checked as the section is: less than its points only."""
    item = item_yaml("kind: parts\nparts:\n  - {label: a, when: done, points: 1}", points=1)
    assert warnings(tmp_path, DONE, indicator(item, points=3), points="none", kind="bonus") == [
        "r/categories/1.yaml:6:5: warning: indicator I: its items add to 1, less than its "
        "declared 3 points; 2 points can never be earned"
    ]
    assert warnings(tmp_path, DONE, indicator(item, points=1), points="none", kind="bonus") == []


def test_penalty_items_parts(tmp_path: Path) -> None:
    """A penalty item's `when` parts are summed as deductions, against the most it deducts."""
    parts = "kind: parts\nparts:\n  - {label: a, when: a, points: -1}\n  - {label: b, when: b, points: -1}"
    assert warnings(tmp_path, TWO, item_yaml(parts, points=3), points="none", kind="penalty") == [
        "r/categories/1.yaml:6:5: warning: item 1: its parts deduct 2, less than its declared "
        "3 points; 1 point can never be deducted"
    ]
    assert warnings(tmp_path, TWO, item_yaml(parts, points=1), points="none", kind="penalty") == [
        "r/categories/1.yaml:6:5: warning: item 1: its parts deduct 2, more than its declared "
        "1 point; the cap of 1 binds"
    ]
    assert warnings(tmp_path, TWO, item_yaml(parts, points=2), points="none", kind="penalty") == []


# --- what to write to make deductions deduct in a penalty section ------------------------------


def test_the_floor_suggested_for_penalty_deductions_is_one_the_loader_accepts(
    tmp_path: Path,
) -> None:
    """The suggestion names the deductions' own floor: written there it loads and the warning
    goes; written on the item, where the message does not say to put it, the loader refuses it."""
    score = "kind: deductions\nsteps:\n  - {per: n, points: 1}"
    assert warnings(tmp_path, N5, item_yaml(score, points=1), points="none", kind="penalty") == [
        "r/categories/1.yaml:6:5: warning: item 1: its deductions start at 0 and stop at their "
        "floor 0, so they never deduct in a penalty section; give the deductions a negative "
        "floor of their own (score.floor: -1)"
    ]
    fixed = item_yaml(score + "\nfloor: -1", points=1)
    assert warnings(tmp_path, N5, fixed, points="none", kind="penalty") == []
    with pytest.raises(qualscore.RuleSetError, match="a penalty item's floor is minus its points"):
        warnings(
            tmp_path,
            N5,
            item_yaml(score, points=1, extra="floor: -1"),
            points="none",
            kind="penalty",
        )


def test_deductions_nested_in_a_penalty_part_are_told_to_move(tmp_path: Path) -> None:
    """A part's score counts from 0 up to the part's points, 0 in a penalty section: no floor
    makes nested deductions deduct, so the warning says to make them the item's score (and
    the parts, worth 0, deduct nothing of the item's point)."""
    nested = (
        "kind: parts\nparts:\n  - label: a\n    points: 0\n"
        "    score: {kind: deductions, floor: FLOOR, steps: [{per: n, points: 1}]}"
    )
    for floor in ("0", "-1"):
        item = item_yaml(nested.replace("FLOOR", floor), points=1)
        assert warnings(tmp_path, N5, item, points="none", kind="penalty") == [
            "r/categories/1.yaml:6:5: warning: item 1: its parts deduct 0, less than its declared "
            "1 point; 1 point can never be deducted",
            "r/categories/1.yaml:16:18: warning: item 1: part a's score counts from 0 up to the "
            "part's 0 points, so its deductions never deduct in a penalty section; make them "
            "the item's own score",
        ]


# --- asking the shape ---------------------------------------------------------------------------


def test_optional_shape_parts_are_documented_functions() -> None:
    """The optional parts, where a shape module has them, are documented functions; the
    tables and lists of cases say what they award, deductions where they start and stop,
    parts what they add to and which shapes they hold, tables and formulas their own lint;
    judged and rank scores offer no headroom."""
    from qualscore.scoring.shapes import OPTIONAL, REGISTRY

    offered = {k: [p for p in OPTIONAL if hasattr(m, p)] for k, m in REGISTRY.items()}
    report = ["headroom", "expressions"]
    assert {k: v for k, v in offered.items() if v} == {
        "parts": ["never", "nested", "adds_to", "never_deducts", "zeroed", "headroom", "losses",
                  "expressions"],
        "tiers": ["extremes", "never", "lint", "zeroed", "thresholds", *report],
        "cases": ["extremes", "zeroed", *report, "derived"],
        "deductions": ["extremes", "never", "never_deducts", "subtracts", "penalises", *report],
        "formula": ["lint", *report],
        "target": report,
    }  # fmt: skip
    for kind, parts in offered.items():
        for part in parts:
            assert callable(getattr(REGISTRY[kind], part)) and getattr(REGISTRY[kind], part).__doc__
