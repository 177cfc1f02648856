"""Items, indicators and the bonus with ``points: none`` (issue #20, "uncapped nodes"): no cap
of their own (a penalty item: no most deduction), a section above still capping them; every
view shows "—" as their maximum and no points lost; the validator quiet about sums they make
unbounded; a shape that reads the item's points refused at load, each message whole."""

from __future__ import annotations

import io
import json
import textwrap
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import qualscore
from conftest import item_yaml, write_ruleset
from qualscore.analyst.analysis import costs, departments, headroom, reconcile
from qualscore.analyst.schema import schema
from qualscore.linting.acknowledged import code_of
from qualscore.report.data import to_data
from qualscore.report.html import to_html
from qualscore.report.markdown import to_markdown
from qualscore.report.terminal import render_table
from qualscore.scoring.explain import explain

MANIFEST = """\
id: safety
title: Work safety
year: 2024
language: en
rounding: {places: 2, mode: half_up}
bonus:
  title: Innovation
  points: none
  criteria: 1 point per innovation, no maximum.
  departments: [Safety Office]
  score:
    kind: parts
    parts:
      - {label: Innovation, points: 1, each: innovations}
"""
FACTS = """\
facts:
  - {key: plan_done, type: bool, label: Plan revised}
  - {key: drills, type: count, label: Drills}
  - {key: honours, type: count, label: National honours}
  - {key: accidents, type: count, label: Accidents}
  - {key: innovations, type: count, label: Innovations}
"""
CATEGORIES = {
    # A score section of 10 points: item 1 (4 points), and indicator 2 of points: none
    # holding item 2.1 of points: none (2 points a drill): the section's 10 binds.
    "1.yaml": """\
        id: basics
        title: Basics
        points: 10
        items:
          - id: "1"
            title: Plan
            points: 4
            criteria: 4 points when the plan is revised.
            departments: [Safety Office]
            score:
              kind: parts
              parts:
                - {label: Plan revised, points: 4, when: plan_done}
          - id: "2"
            title: Drills
            points: none
            items:
              - id: "2.1"
                title: Drills held
                points: none
                criteria: 2 points a drill; the section gives at most 10.
                departments: [Safety Office]
                score:
                  kind: parts
                  parts:
                    - {label: Drill, points: 2, each: drills}
        """,
    "2.yaml": """\
        id: extra
        title: Extra points
        kind: bonus
        points: none
        items:
          - id: "8"
            title: Honours
            points: none
            criteria: 1 point per national honour, no maximum.
            departments: [Safety Office]
            score:
              kind: parts
              parts:
                - {label: National honour, points: 1, each: honours}
        """,
    "3.yaml": """\
        id: deduct
        title: Deductions
        kind: penalty
        points: none
        items:
          - id: "9"
            title: Accidents
            points: none
            criteria: 3 points off per accident.
            departments: [Safety Office]
            score:
              kind: parts
              parts:
                - {label: Accident, points: -3, each: accidents}
        """,
}
ENTITY = {"plan_done": True, "drills": 5, "honours": 7, "accidents": 4, "innovations": 2}


def _scheme(root: Path, categories: dict[str, str] | None = None) -> Path:
    (root / "categories").mkdir(parents=True)
    (root / "ruleset.yaml").write_text(MANIFEST, "utf-8")
    (root / "facts.yaml").write_text(FACTS, "utf-8")
    for name, text in (categories or CATEGORIES).items():
        (root / "categories" / name).write_text(textwrap.dedent(text), "utf-8")
    return root


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> qualscore.RuleSet:
    return qualscore.load_rules(_scheme(tmp_path_factory.mktemp("safety")))


@pytest.fixture(scope="module")
def result(rules: qualscore.RuleSet) -> qualscore.Result:
    return qualscore.evaluate(rules, ENTITY)


def _nodes(result: qualscore.Result) -> dict[str, tuple[Any, ...]]:
    """Each node's (points, bounded, sum, score, capped) and each item's (points, score, lost)."""
    found: dict[str, tuple[Any, ...]] = {}
    for category in result.categories:
        nodes = [category, *(c for c in category.children if isinstance(c, type(category)))]
        for node in nodes:
            found[node.id] = (node.points, node.bounded, node.sum, node.score, node.capped)
    for item in result.items:
        found[item.id] = (item.points, item.score, item.lost)
    return found


# --- scores ---------------------------------------------------------------------------------


def test_uncapped_items_score_past_any_cap_and_the_section_cap_binds(
    rules: qualscore.RuleSet, result: qualscore.Result
) -> None:
    """7 honours add 7 (no cap), 4 accidents deduct 12 (no most deduction), the bonus adds 2;
    5 drills earn 10 in the uncapped indicator, whose section cuts 14 to its 10 points.
    What the scheme can give stays the score section's 10."""
    assert _nodes(result) == {
        "basics": (D(10), True, D(14), D(10), True),
        "2": (D(0), False, D(10), D(10), False),
        "extra": (D(0), False, D(7), D(7), False),
        "deduct": (D(0), False, D(-12), D(-12), False),
        "1": (D(4), D(4), D(0)),
        "2.1": (None, D(10), D(0)),
        "8": (None, D(7), D(0)),
        "9": (None, D(-12), D(12)),
        "bonus": (None, D(2), D(0)),
    }
    assert (result.total, result.possible) == (D(7), D(10))
    assert reconcile(result) == []
    fast = qualscore.score(rules, ENTITY)
    assert (dict(fast.items), dict(fast.nodes), fast.total) == (
        {"1": D(4), "2.1": D(10), "8": D(7), "9": D(-12), "bonus": D(2)},
        {"2": D(10), "basics": D(10), "extra": D(7), "deduct": D(-12)},
        D(7),
    )


@pytest.mark.parametrize(
    ("drills", "plan", "section"),
    [(3, True, (D(10), D(10), False)), (4, True, (D(12), D(10), True)),
     (3, False, (D(6), D(6), False)), (0, False, (D(0), D(0), False))],
    ids=["exactly the section's 10", "over it by 2", "under it", "nothing"],
)  # fmt: skip
def test_the_section_caps_an_uncapped_indicator_at_its_edges(
    rules: qualscore.RuleSet, drills: int, plan: bool, section: tuple[D, D, bool]
) -> None:
    """4 + 3 × 2 is exactly the section's 10 (no cap shown); one drill more is 12 → 10;
    without the plan 6; nothing done, 0. The indicator and item keep their whole sum."""
    got = qualscore.evaluate(rules, {**ENTITY, "drills": drills, "plan_done": plan})
    basics = got.categories[0]
    assert (basics.sum, basics.score, basics.capped) == section
    assert got.item("2.1").score == got.categories[0].children[1].score == D(2 * drills)
    fast = qualscore.score(rules, {**ENTITY, "drills": drills, "plan_done": plan})
    assert (fast.nodes["basics"], fast.nodes["2"], fast.items["2.1"]) == (
        section[1], D(2 * drills), D(2 * drills)
    )


@pytest.mark.parametrize(
    ("x", "category"),
    [("9.99", ("9.99", "9.99", False)), ("10", ("10", "10", False)),
     ("10.01", ("10.01", "10", True))],
    ids=["a hair below the section's 10", "exactly 10", "a hair above"],
)  # fmt: skip
def test_an_uncapped_item_meets_its_sections_cap(
    make_rules: Any, x: str, category: tuple[str, str, bool]
) -> None:
    """A formula of points: none keeps 10.01 whole; its section of 10 cuts it there, and only
    there."""
    rules = make_rules("- {key: x, type: number, label: X}",
                       item_yaml("kind: formula\nexpr: x", points="none"), points=10)
    got = qualscore.evaluate(rules, {"x": D(x)})
    node = got.categories[0]
    assert (got.item("1").score, node.sum, node.score, node.capped) == (
        D(x), D(category[0]), D(category[1]), category[2]
    )


def test_an_uncapped_penalty_item_under_a_capped_section(tmp_path: Path) -> None:
    """A penalty section of 20: an uncapped item deducting 12 stands, 24 is cut to -20; no
    accident deducts 0, never -0."""
    capped = {**CATEGORIES, "3.yaml": CATEGORIES["3.yaml"].replace("points: none\n        items",
                                                                   "points: 20\n        items")}
    rules = qualscore.load_rules(_scheme(tmp_path / "r", capped))
    found = []
    for accidents in (0, 4, 8):
        got = qualscore.evaluate(rules, {**ENTITY, "accidents": accidents})
        deduct = got.categories[2]
        found.append((got.item("9").score, deduct.sum, deduct.score, deduct.capped))
    assert repr(found) == repr([
        (D("0.00"), D("0.00"), D("0.00"), False),
        (D("-12.00"), D("-12.00"), D("-12.00"), False),
        (D("-24.00"), D("-24.00"), D(-20), True),
    ])  # fmt: skip


def test_an_uncapped_item_keeps_its_floor_and_its_not_applicable_award(
    make_rules: Any,
) -> None:
    """A formula of points: none is not capped (1000) but is held at its floor 0 (-5 → 0),
    or not held with `floor: none`; not applicable awards what it says (3)."""
    facts = "- {key: x, type: number, label: X}\n- {key: gone, type: bool, label: Gone}"
    items = item_yaml("kind: formula\nexpr: x", points="none", extra=(
        "not_applicable: {when: gone, award: 3, reason: Closed}"
    )) + item_yaml("kind: formula\nexpr: x", item_id="2", points="none", extra="floor: none")
    rules = make_rules(facts, items, points=2000)
    scores = [
        (qualscore.evaluate(rules, {"x": x, "gone": gone}).item("1").score,
         qualscore.evaluate(rules, {"x": x, "gone": gone}).item("2").score)
        for x, gone in ((1000, False), (-5, False), (-5, True))
    ]  # fmt: skip
    assert scores == [(D(1000), D(1000)), (D(0), D(-5)), (D(3), D(-5))]
    clamped = qualscore.evaluate(rules, {"x": -5, "gone": False}).item("1")
    assert explain(clamped, "en")[-2:] == ["-5 → clamped to 0", "scores 0 (no maximum)"]


# --- views -----------------------------------------------------------------------------------

TABLE = """\
                                  Work safety
item      title                                              max   score    lost
────────────────────────────────────────────────────────────────────────────────
          Basics (14 → cap 10)                                10      10       0
  1       Plan                                                 4       4       0
  2       Drills                                               —      10
    2.1   Drills held                                          —      10

          Extra points                                         —       7
  8       Honours                                              —       7

          Deductions                                           —     -12      12
  9       Accidents                                            —     -12      12

+         Innovation                                           —       2

total                                                         10       7
"""


def test_the_terminal_shows_no_maximum_and_no_loss(result: qualscore.Result) -> None:
    """"—" for every uncapped node's maximum, its lost column blank; the penalty item still
    shows what it deducts."""
    out = io.StringIO()
    render_table(result, Console(file=out, width=80, color_system=None), "en")
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    assert lines == [*TABLE.splitlines(), "result: scored", lines[-1]]
    assert lines[-1].startswith("rules sha256 ")


def test_markdown_shows_no_maximum_and_no_loss(result: qualscore.Result) -> None:
    """The whole Markdown report but its fingerprint: "—" as the maximum, nothing lost,
    "no maximum" in the explanations; only the penalty's deduction is lost and headroom."""
    text = to_markdown(result, "en")
    assert text.split("\n---\n")[0] == textwrap.dedent("""\
        # Work safety

        - **total: 7** / 10
        - result: scored

        ## Scores by category

        | category | max | score | lost | sum |
        |---|--:|--:|--:|---|
        | Basics | 10 | 10 | 0 | 14 → cap 10 |
        | Extra points | — | 7 |  | 7 |
        | Deductions | — | -12 | 12 | -12 |
        | Innovation | — | 2 |  | 2 |
        | **total** | 10 | **7** |  |  |

        ## Items explained

        ### Basics (10 / 10)

        | item | title | max | score | lost | explanation |
        |---|---|--:|--:|--:|---|
        | 1 | Plan | 4 | 4 | 0 | inputs: Plan revised: yes. ✓ Plan revised: 4 pt; scores 4 of 4 (lost 0). |
        | **2** | **Drills** | — | 10 |  |  |
        | 2.1 | Drills held | — | 10 |  | inputs: Drills: 5. Drill: 5 × 2 pt = 10 pt; scores 10 (no maximum). |

        ### Extra points (7 / —)

        | item | title | max | score | lost | explanation |
        |---|---|--:|--:|--:|---|
        | 8 | Honours | — | 7 |  | inputs: National honours: 7. National honour: 7 × 1 pt = 7 pt; adds 7 (no maximum). |

        ### Deductions (-12 / —)

        | item | title | max | score | lost | explanation |
        |---|---|--:|--:|--:|---|
        | 9 | Accidents | — | -12 | 12 | inputs: Accidents: 4. Accident: 4 × -3 pt = -12 pt; deducts 12 (no maximum); avoid "Accident" would earn 12 more. |

        ### Innovation

        inputs: Innovations: 2. Innovation: 2 × 1 pt = 2 pt; adds 2 (no maximum).

        ## Points lost by department

        | department | lost | cost to total | item |
        |---|--:|--:|---|
        | Safety Office | 12 | 12 | 9 (lost 12) |

        ## Headroom

        | item | what would earn it | item gain | total gain | departments |
        |---|---|--:|--:|---|
        | 9 Accidents | avoid "Accident" | 12 | 12 | Safety Office |
        """)  # fmt: skip


def test_html_shows_no_maximum_and_no_loss(result: qualscore.Result) -> None:
    """Each uncapped row: "—" as its maximum, an empty lost cell; no bar for the uncapped
    bonus (nothing to draw it against)."""
    html = to_html(result, "en")
    rows = [
        html[html.index(f'data-{kind}="{node}"'):].split("</summary>" if kind == "item" else
                                                          "</div>", 1)[0]
        for kind, node in (("indicator", "2"), ("item", "2.1"), ("item", "8"), ("item", "9"),
                           ("item", "bonus"))
    ]  # fmt: skip
    assert rows == [
        'data-indicator="2"><span>2</span><span>Drills</span><span class="n">—</span>'
        '<span class="n">10</span><span class="n"></span>',
        'data-item="2.1"><summary class="row"><span>2.1</span><span>Drills held</span>'
        '<span class="n">—</span><span class="n">10</span><span class="n"></span>',
        'data-item="8"><summary class="row"><span>8</span><span>Honours</span>'
        '<span class="n">—</span><span class="n">7</span><span class="n"></span>',
        'data-item="9"><summary class="row"><span>9</span><span>Accidents</span>'
        '<span class="n">—</span><span class="n">-12</span><span class="n lost">12</span>',
        'data-item="bonus"><summary class="row"><span>bonus</span><span>Innovation</span>'
        '<span class="n">—</span><span class="n">2</span><span class="n"></span>',
    ]
    bars = html[html.index('<div class="bars"'):].split("</div></div>", 1)[0]
    assert bars.count('class="bar"') == 1 and "Innovation" not in bars


def test_json_says_null_for_no_maximum_and_no_loss(result: qualscore.Result) -> None:
    """JSON: `max` null for each uncapped node, `lost` null for an uncapped item outside a
    penalty section (a penalty item's lost is what it deducts); the explanation ends with
    "no maximum"."""
    data = json.loads(json.dumps(to_data(result, "en")))

    def picked(node: dict[str, Any]) -> dict[str, Any]:
        keys = ("max", "score", "lost", "explanation") if node["kind"] == "item" else (
            "max", "sum", "score", "capped")
        return {k: node[k] for k in keys}

    basics, extra, deduct = data["categories"]
    assert [picked(n) for n in (basics["children"][1], basics["children"][1]["children"][0],
                                extra, extra["children"][0], deduct["children"][0],
                                data["bonus"])] == [
        {"max": None, "sum": "10", "score": "10", "capped": False},
        {"max": None, "score": "10", "lost": None,
         "explanation": ["Drill: 5 × 2 pt = 10 pt", "scores 10 (no maximum)"]},
        {"max": None, "sum": "7", "score": "7", "capped": False},
        {"max": None, "score": "7", "lost": None,
         "explanation": ["National honour: 7 × 1 pt = 7 pt", "adds 7 (no maximum)"]},
        {"max": None, "score": "-12", "lost": "12",
         "explanation": ["Accident: 4 × -3 pt = -12 pt", "deducts 12 (no maximum)"]},
        {"max": None, "score": "2", "lost": None,
         "explanation": ["Innovation: 2 × 1 pt = 2 pt", "adds 2 (no maximum)"]},
    ]  # fmt: skip


def test_chinese_explanations_say_no_maximum(rules: qualscore.RuleSet) -> None:
    """In Chinese the last line reads 不设上限 for each kind of section."""
    got = qualscore.evaluate(rules, ENTITY)
    assert [explain(got.item(i), "zh")[-1] for i in ("2.1", "8", "9", "bonus")] == [
        "得 10 分（不设上限）", "加 7 分（不设上限）", "扣 12 分（不设上限）", "加 2 分（不设上限）",
    ]


def test_an_uncapped_item_loses_nothing_and_costs_nothing(result: qualscore.Result) -> None:
    """Losses: only the penalty item's deduction; no department is charged for points an
    uncapped item did not earn; its headroom is a part it could still do, never infinite."""
    assert costs(result) == {"9": D(12)}
    assert [(d.department, d.lost, d.cost) for d in departments(result)] == [
        ("Safety Office", D(12), D(12))
    ]
    assert [(o.item_id, o.gain, o.effective) for o in headroom(result, "en")] == [
        ("9", D(12), D(12))
    ]


def _section(root: Path, kind: str) -> qualscore.RuleSet:
    """The rule set written by ``write_ruleset``, its category made a ``kind`` section."""
    path = root / "categories" / "1.yaml"
    text = path.read_text("utf-8").replace("title: Category 1\n", f"title: Category 1\nkind: {kind}\n")
    path.write_text(text, "utf-8")
    return qualscore.load_rules(root)


def test_headroom_of_an_uncapped_bonus_item_is_what_its_shape_says(tmp_path: Path) -> None:
    """An uncapped bonus item with a part not done may earn that part's 3 points; a formula
    of points: none, whose gain the facts decide, offers no (infinite) headroom."""
    facts = "- {key: done, type: bool, label: Done}\n- {key: x, type: number, label: X}"
    items = item_yaml(
        "kind: parts\nparts:\n  - {label: Award, points: 3, when: done}", points="none"
    ) + item_yaml("kind: formula\nexpr: x", item_id="2", points="none")
    rules = _section(write_ruleset(tmp_path, facts, items, points="none"), "bonus")
    got = qualscore.evaluate(rules, {"done": False, "x": 1})
    assert [(o.item_id, o.action, o.gain, o.effective) for o in headroom(got, "en")] == [
        ("1", 'do "Award"', D(3), D(3))
    ]


# --- validate ------------------------------------------------------------------------------


def test_validate_is_quiet_about_uncapped_nodes(rules: qualscore.RuleSet) -> None:
    """No "can never be earned", no sum of children against 10: the uncapped indicator adds
    to no sum; the scheme validates clean."""
    assert qualscore.lint(rules) == []


def test_validate_warns_where_the_same_items_are_capped(tmp_path: Path) -> None:
    """The same checks fire on capped points, so their silence is the uncapped points'
    doing: a section of 6 over an indicator of 3 whose items declare 4 and 1, the first's
    best band 5. Uncapped, the indicator and item 1 add to no sum and fall short of none;
    item 2, capped at 1, is still told its formula goes past it."""
    facts = "- {key: n, type: count, label: N, max: 5}"
    body = '- id: "I"\n  title: Indicator\n  points: IND\n  items:\n' + textwrap.indent(
        item_yaml("kind: tiers\nvalue: n\nbands:\n  - {at_least: 3, points: 5}", points="ONE")
        + item_yaml("kind: formula\nexpr: n * 3", item_id="2", points=1),
        "    ",
    )
    found = []
    for ind, one in (("3", "4"), ("none", "none")):
        text = body.replace("IND", ind).replace("ONE", one)
        rules = qualscore.load_rules(write_ruleset(tmp_path, facts, text, points=6))
        found.append([str(w).replace(rules.path, "r") for w in qualscore.lint(rules)])
    formula = (
        "r/categories/1.yaml:26:17: warning: item 2: its formula gives 15 at n = 5, more than "
        "its 1 point; the score is clamped to [0, 1]"
    )
    assert found == [
        [
            "r/categories/1.yaml:1:1: warning: category c1: its children add to 3, less than its "
            "declared 6 points; 3 points can never be earned",
            "r/categories/1.yaml:5:5: warning: indicator I: its items add to 5, more than its "
            "declared 3 points; the cap of 3 binds",
            "r/categories/1.yaml:15:11: warning: item 1: its best band awards 5, more than its "
            "declared 4 points; the cap of 4 binds",
            formula,
        ],
        [formula],
    ]


def test_nothing_done_on_an_uncapped_item_is_acknowledgeable(make_rules: Any) -> None:
    """An uncapped item that awards points when nothing is done is still told (of no
    maximum), under its code, so that a rule file may acknowledge it."""
    rules = make_rules("- {key: n, type: count, label: N}",
                       item_yaml("kind: formula\nexpr: n + 2", points="none"))
    assert [(w.message, code_of(w)) for w in qualscore.lint(rules)] == [
        ("awards 2 when every fact it reads is false or 0", "nothing-done")
    ]


def test_penalty_deductions_that_never_deduct_on_an_uncapped_item(tmp_path: Path) -> None:
    """Deductions in a penalty section stopping at 0: warned, without a floor to copy from
    the item's points (it has none)."""
    facts = "- {key: n, type: count, label: N}"
    items = item_yaml("kind: deductions\nsteps:\n  - {per: n, points: 2}", points="none")
    rules = _section(write_ruleset(tmp_path, facts, items, points="none"), "penalty")
    assert [str(w).replace(rules.path, "r") for w in qualscore.lint(rules)] == [
        "r/categories/1.yaml:6:5: warning: item 1: its deductions start at 0 and stop at their "
        "floor 0, so they never deduct in a penalty section; give the deductions a negative "
        "floor of their own"
    ]


# --- refused at load -----------------------------------------------------------------------

NEEDS = "- {key: n, type: count, label: N}\n- {key: t, type: count, label: T, role: target}"


@pytest.mark.parametrize(
    ("kind", "score", "extra", "message"),
    [
        ("score", "kind: judged", "",
         "points: none: a judged item needs points: they bound the score the assessors may give"),
        ("penalty", "kind: judged\ngive: deduction", "",
         "points: none: a judged item needs points: they bound the score the assessors may give"),
        ("bonus", "kind: target\nactual: n\ntarget: t", "",
         "points: none: a target item needs points: it awards them when the target is met"),
        ("score", "kind: deductions\nsteps:\n  - {per: n, points: 1}", "",
         "points: none: deductions start from the item's points: give them a start of their "
         "own (from: N)"),
        ("score", "kind: formula\nexpr: n", "not_applicable: {when: n > 3, reason: Closed}",
         "points: none: not_applicable awards the item's points: give it an award of its own "
         "(award: N)"),
    ],
    ids=["judged", "judged penalty", "target", "deductions without from", "not_applicable"],
)  # fmt: skip
def test_a_shape_that_needs_the_points_is_refused(
    tmp_path: Path, kind: str, score: str, extra: str, message: str
) -> None:
    """Each at the `none` of the item's points, one line, the reason whole."""
    root = write_ruleset(tmp_path, NEEDS, item_yaml(score, points="none", extra=extra),
                         points="none" if kind != "score" else 10)  # fmt: skip
    path = root / "categories" / "1.yaml"
    if kind != "score":
        text = path.read_text("utf-8").replace("title: Category 1\n", f"title: Category 1\nkind: {kind}\n")
        path.write_text(text, "utf-8")
    line = 7 if kind == "score" else 8
    with pytest.raises(qualscore.RuleSetError) as caught:
        qualscore.load_rules(root)
    assert str(caught.value).splitlines() == [f"{path}:{line}:13: {message}"]


@pytest.mark.parametrize(
    ("score", "extra"),
    [("kind: target\nactual: n\ntarget: t", ""),
     ("kind: deductions\nfloor: -9\nsteps:\n  - {per: n, points: 1}", ""),
     ("kind: formula\nexpr: -n", "not_applicable: {when: n > 3, reason: Closed}")],
    ids=["target", "deductions without from", "not_applicable without award"],
)  # fmt: skip
def test_in_a_penalty_section_the_same_shapes_need_no_points(
    tmp_path: Path, score: str, extra: str
) -> None:
    """A penalty item's top is 0 whatever its points: a target met, deductions' start and
    not applicable give 0 there, so points: none loads."""
    root = write_ruleset(tmp_path, NEEDS, item_yaml(score, points="none", extra=extra),
                         points="none")  # fmt: skip
    path = root / "categories" / "1.yaml"
    path.write_text(path.read_text("utf-8").replace("title: Category 1\n",
                                                    "title: Category 1\nkind: penalty\n"), "utf-8")
    assert [i.points for i in qualscore.load_rules(root).items()] == [None]


def test_deductions_with_their_own_start_score_an_uncapped_item(make_rules: Any) -> None:
    """`from: 6` gives uncapped deductions their start: 6 − 2 × 1 = 4."""
    rules = make_rules(NEEDS, item_yaml("kind: deductions\nfrom: 6\nsteps:\n  - {per: n, points: 1}",
                                        points="none"))
    assert qualscore.evaluate(rules, {"n": 2, "t": 1}).item("1").score == D(4)


def test_a_judged_part_of_an_uncapped_item_is_bounded_by_its_parts_points(
    make_rules: Any,
) -> None:
    """A judged part needs no item points: the part's 2 bound the judgement (2 taken, 2.5
    refused as a bad fact) and the item adds it to its uncapped count (3 × 1 + 2 = 5)."""
    score = (
        "kind: parts\nparts:\n  - {label: Counted, points: 1, each: n}\n"
        "  - {label: Inspection, id: site, points: 2, score: {kind: judged}}"
    )
    rules = make_rules(NEEDS, item_yaml(score, points="none"))
    judged = {"1/site": {"score": 2, "reason": "Good"}}
    assert qualscore.evaluate(rules, {"n": 3, "t": 1, "judged": judged}).item("1").score == D(5)
    with pytest.raises(qualscore.FactsError) as caught:
        qualscore.check_facts(rules, {"n": 3, "t": 1, "judged": {"1/site": {"score": "2.5",
                                                                              "reason": "x"}}})
    assert [p.message for p in caught.value.problems] == [
        "judged.1/site.score: 2.5 is above the part's 2 points"
    ]


def test_the_manifests_bonus_refuses_a_judged_score_without_points(tmp_path: Path) -> None:
    """The bonus too: at its points in ruleset.yaml."""
    root = _scheme(tmp_path / "r")
    manifest = root / "ruleset.yaml"
    text = manifest.read_text("utf-8")
    manifest.write_text(text[: text.index("  score:")] + "  score: {kind: judged}\n", "utf-8")
    with pytest.raises(qualscore.RuleSetError) as caught:
        qualscore.load_rules(root)
    assert str(caught.value).splitlines() == [
        f"{manifest}:8:11: points: none: a judged item needs points: they bound the score the "
        "assessors may give"
    ]


# --- the schema -------------------------------------------------------------------------------


def test_the_schema_accepts_none_and_null_on_items_indicators_and_the_bonus() -> None:
    """`points: none` and `points: null` on an item, an indicator and the bonus; a negative
    number still refused."""
    import jsonschema

    def valid(kind: str, data: dict[str, Any]) -> bool:
        return jsonschema.Draft202012Validator(schema(kind)).is_valid(data)

    item = {"id": "1", "title": "One", "criteria": "c", "departments": ["D"],
            "score": {"kind": "formula", "expr": "1"}}
    bonus = {"title": "B", "criteria": "c", "departments": ["D"],
             "score": {"kind": "formula", "expr": "1"}}
    manifest = {"id": "m", "title": "M", "year": 2024, "language": "en"}
    found = []
    for points in ("none", None, "2.5", -1):
        category = {"id": "c", "title": "C", "points": 10, "items": [
            {**item, "points": points},
            {"id": "I", "title": "I", "points": points, "items": [{**item, "id": "2", "points": 2}]},
        ]}
        found.append((valid("category", category),
                      valid("ruleset", {**manifest, "bonus": {**bonus, "points": points}})))
    assert found == [(True, True), (True, True), (True, True), (False, False)]  # fmt: skip
