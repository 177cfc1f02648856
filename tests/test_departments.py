"""Departments declared with their aliases: an alias is read as its name everywhere a
rule file names a department, reports merge them, and lint tells unknown or look-alike
names at the place they are written."""

from __future__ import annotations

from pathlib import Path

import pytest

import qualscore
from conftest import ROOT, rule_folder
from qualscore.analyst.analysis import departments as losses_by_department

MANIFEST = """\
id: depts
title: Departments
year: 2024
language: en
vetoes:
  - id: veto
    title: Veto
    when: incident
    result: failed
    criteria: an incident fails the assessment
    departments: [Market Bureau]
{declared}"""

FACTS = """\
facts:
  - {key: done, type: bool, label: Work done, supplier: City Market Bureau}
  - {key: other, type: bool, label: Other work done}
  - {key: incident, type: bool, label: Incident}
"""

CATEGORY = """\
id: main
title: Main
points: 4
items:
  - id: "1"
    title: Work
    points: 2
    criteria: 2 points when done
    departments: [Market Bureau]
    score:
      kind: parts
      parts:
        - {label: work done, when: done, points: 2}
  - id: "2"
    title: Other work
    points: 2
    criteria: 2 points when done
    departments: [City Market Bureau, Health Office]
    assessing: City Market Bureau
    score:
      kind: parts
      parts:
        - {label: other work done, when: other, points: 1, departments: [City Market Bureau]}
        - {label: other work done twice, when: other, points: 1, departments: [Health Office]}
"""

DECLARED = """\
departments:
  - {name: Market Bureau, aliases: [City Market Bureau]}
  - Health Office
"""


def _rules(tmp_path: Path, declared: str = DECLARED, category: str = CATEGORY) -> Path:
    return rule_folder(
        tmp_path / "r", MANIFEST.format(declared=declared), FACTS, **{"1-main": category}
    )


def test_an_alias_is_read_as_its_name_wherever_a_department_is_named(tmp_path: Path) -> None:
    """Items, parts, assessing, vetoes and suppliers all read the alias as the name."""
    rules = qualscore.load_rules(_rules(tmp_path))
    one, two = list(rules.items())
    assert one.departments == ("Market Bureau",)
    assert two.departments == ("Market Bureau", "Health Office")
    assert two.assessing == "Market Bureau"
    assert two.score.parts[0].departments == ("Market Bureau",)  # type: ignore[union-attr]
    assert rules.manifest.vetoes[0].departments == ("Market Bureau",)
    assert rules.fact("done").supplier == "Market Bureau"  # type: ignore[union-attr]


def test_a_name_and_its_alias_in_one_list_are_one_department(tmp_path: Path) -> None:
    """``[Market Bureau, City Market Bureau]`` names one department once."""
    category = CATEGORY.replace(
        "departments: [Market Bureau]\n", "departments: [Market Bureau, City Market Bureau]\n", 1
    )
    rules = qualscore.load_rules(_rules(tmp_path, category=category))
    assert next(iter(rules.items())).departments == ("Market Bureau",)


def test_reports_merge_the_alias_into_its_department(tmp_path: Path) -> None:
    """The points lost by department count an office written two ways once."""
    rules = qualscore.load_rules(_rules(tmp_path))
    result = qualscore.evaluate(rules, {"done": False, "other": False, "incident": False})
    lost = {d.department: d.lost for d in losses_by_department(result)}
    assert lost == {"Market Bureau": 3, "Health Office": 1}


def test_without_a_declaration_names_stay_as_written(tmp_path: Path) -> None:
    """Rule sets that declare no departments load and score as before."""
    rules = qualscore.load_rules(_rules(tmp_path, declared=""))
    assert list(rules.items())[1].departments == ("City Market Bureau", "Health Office")
    result = qualscore.evaluate(rules, {"done": False, "other": False, "incident": False})
    lost = {d.department: d.lost for d in losses_by_department(result)}
    assert lost == {"Market Bureau": 2, "City Market Bureau": 1, "Health Office": 1}


def test_a_name_declared_twice_is_an_error_at_its_line(tmp_path: Path) -> None:
    """An alias that is also a name (or another's alias) is refused where it is declared."""
    declared = DECLARED + "  - {name: Lab, aliases: [Health Office]}\n"
    with pytest.raises(qualscore.RuleSetError) as caught:
        qualscore.load_rules(_rules(tmp_path, declared=declared))
    assert str(caught.value) == (
        f"{tmp_path / 'r'}/ruleset.yaml:13:3: departments: 'Health Office' is declared twice "
        "(a name or an alias)"
    )


def test_lint_tells_a_name_that_is_not_declared_where_it_is_written(tmp_path: Path) -> None:
    """An undeclared name is a warning at the name, with the nearest declared name."""
    category = CATEGORY.replace("[City Market Bureau, Health Office]", "[City Market Bureau, Health Ofice]")
    category = category.replace("departments: [Health Office]", "departments: [Health Ofice]")
    rules = qualscore.load_rules(_rules(tmp_path, category=category))
    found = [str(w) for w in qualscore.lint(rules) if w.node.startswith("department")]
    assert found == [
        f"{tmp_path / 'r'}/categories/1-main.yaml:18:39: warning: department Health Ofice: "
        "'Health Ofice' is not one of the departments ruleset.yaml declares (did you mean "
        "'Health Office'?): declare it, or add it to the aliases of the department it is"
    ]


def test_lint_tells_two_names_that_look_like_one_department(tmp_path: Path) -> None:
    """Without a declaration, a name that is a small edit of another is a warning at its
    first place, saying how to declare the alias; names unlike any other are not."""
    rules = qualscore.load_rules(_rules(tmp_path, declared=""))
    found = [str(w) for w in qualscore.lint(rules) if w.node.startswith("department")]
    shown = tmp_path / "r"
    assert found == [
        f"{shown}/categories/1-main.yaml:18:19: warning: department City Market Bureau: 'City "
        f"Market Bureau' looks like 'Market Bureau' (at {shown}/categories/1-main.yaml:9:19): "
        "if they are one "
        "department, declare it in ruleset.yaml, departments: [{name: Market Bureau, aliases: "
        "[City Market Bureau]}], and every report merges them"
    ]


@pytest.mark.parametrize("ruleset", ["rules/rugao-2018", "examples/rugao-2019-revised"])
def test_rugao_names_each_office_once(ruleset: str) -> None:
    """The shipped scheme declares its departments: five offices written two ways each
    are one department each in every report, and lint finds no unknown name."""
    rules = qualscore.load_rules(ROOT / ruleset)
    named = {d for item in rules.items() for d in item.departments}
    assert not named & {"市市场监管局", "市质量强市工作小组办公室", "市交通运输局", "市水利局", "市建设局"}
    assert not [w for w in qualscore.lint(rules) if w.node.startswith("department")]


@pytest.mark.parametrize(
    ("first", "second", "alike"),
    [("市交通局", "市交通运输局", True), ("市水务局", "市水利局", False)],
    ids=["exactly 0.8", "0.75"],
)
def test_names_look_alike_from_a_likeness_of_0_8(
    tmp_path: Path, first: str, second: str, alike: bool
) -> None:
    """Two names as alike as SIMILAR (0.8) are one department's two names, as far as lint
    can tell; a hair less (0.75) are two departments."""
    from qualscore.linting.departments import SIMILAR
    from qualscore.source.suggest import likeness

    assert (likeness(first, second) >= SIMILAR) is alike
    def named(text: str) -> str:  # every department the rule files name, one of the two
        return text.replace("City Market Bureau", second).replace("Market Bureau", first)

    root = rule_folder(tmp_path / "r", named(MANIFEST.format(declared="")), named(FACTS),
                       **{"1-main": named(CATEGORY).replace("Health Office", first)})  # fmt: skip
    rules = qualscore.load_rules(root)
    found = [w.node for w in qualscore.lint(rules) if w.node.startswith("department")]
    assert found == ([f"department {second}"] if alike else [])
