"""qualscore batch on a rule set with cohort values: the passes, the order, the failures."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import yaml

from conftest import ROOT, run_cli

YUNHE = ROOT / "examples" / "yunhe-quality"
KEYS = ("pass_rate", "brands", "standards_done", "staff_age", "labs", "complaint_rate")


def _towns() -> dict[str, dict[str, Any]]:
    towns = {}
    for path in sorted((YUNHE / "entities").glob("*.yaml")):
        if not path.name.endswith(".expected.yaml"):
            data = yaml.safe_load(path.read_text("utf-8"))
            towns[data["entity"]] = {k: data[k] for k in KEYS}
    return towns


def _table(path: Path, rows: list[tuple[str, dict[str, Any]]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["entity", *KEYS])
        for name, facts in rows:
            writer.writerow([name, *(str(facts[k]).lower() if isinstance(facts[k], bool)
                                     else facts[k] for k in KEYS)])  # fmt: skip
    return path


def test_batch_gives_the_hand_worked_ranks_and_totals(tmp_path: Path) -> None:
    """The eight towns' totals and ranks are those of their expected files."""
    out = tmp_path / "out.csv"
    code, _, err = run_cli("batch", YUNHE, YUNHE / "entities", "--out", out)
    assert code == 0, err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    for row in rows:
        want = yaml.safe_load((YUNHE / "entities" / f"{row['entity']}.expected.yaml").read_text())
        assert (row["total"], int(row["rank"])) == (str(want["total"]), want["rank"])


def test_shuffled_input_and_jobs_give_the_same_bytes(tmp_path: Path) -> None:
    """A table in another order, and --jobs 1 or 2, write byte-identical CSV and JSON."""
    towns = list(_towns().items())
    outputs = []
    for seed, jobs in ((1, 1), (2, 2), (3, 1)):
        random.Random(seed).shuffle(towns)
        table = _table(tmp_path / f"towns-{seed}.csv", towns)
        for suffix in (".csv", ".json"):
            out = tmp_path / f"out-{seed}{suffix}"
            code, _, err = run_cli("batch", YUNHE, table, "--out", out, "--jobs", jobs)
            assert code == 0, err
        outputs.append((tmp_path / f"out-{seed}.csv").read_bytes())
        outputs.append((tmp_path / f"out-{seed}.json").read_bytes())
    assert outputs[0] == outputs[2] == outputs[4] and outputs[1] == outputs[3] == outputs[5]


def test_the_json_gives_each_entitys_cohort_values_which_evaluate_reproduces(
    tmp_path: Path,
) -> None:
    """Scored alone with the values batch worked out, 西溪镇 gets its batch total."""
    out = tmp_path / "out.json"
    assert run_cli("batch", YUNHE, YUNHE / "entities", "--out", out)[0] == 0
    doc = json.loads(out.read_text("utf-8"))
    entry = next(r for r in doc["ranking"] if r["entity"] == "西溪镇")
    given = tmp_path / "given.yaml"
    given.write_text(yaml.safe_dump(entry["cohort"], allow_unicode=True), "utf-8")
    code, text, err = run_cli(
        "evaluate", YUNHE, YUNHE / "entities" / "西溪镇.yaml", "--cohort", given,
        "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(text)["total"] == entry["total"] == "40.17"
    assert [s["key"] for s in doc["cohort"]] == [
        "pass_rank", "brand_share", "age_mean", "complaint_reverse", "development_rank",
    ]  # fmt: skip
    assert all(len(s["entities"]) == 8 for s in doc["cohort"])


def test_a_bad_entity_is_left_out_of_the_cohort_and_said_so(tmp_path: Path) -> None:
    """A town whose facts are refused costs only itself: the others are ranked among
    themselves, its problem is told once, exit 1."""
    towns = list(_towns().items())
    bad = {**towns[0][1], "pass_rate": 120}
    table = _table(tmp_path / "towns.csv", [*towns, ("坏镇", bad)])
    out = tmp_path / "out.json"
    code, _, err = run_cli("batch", YUNHE, table, "--out", out)
    assert code == 1
    assert err.count("pass_rate: 120 is above the allowed maximum 100") == 1
    doc = json.loads(out.read_text("utf-8"))
    assert all("坏镇" not in s["entities"] and len(s["entities"]) == 8 for s in doc["cohort"])
    assert [r["total"] for r in doc["ranking"]][:2] == ["50", "47.83"]


def test_a_duplicate_entity_is_not_counted_twice(tmp_path: Path) -> None:
    """The second row of a name is refused and is in no cohort."""
    towns = list(_towns().items())
    table = _table(tmp_path / "towns.csv", [*towns, (towns[0][0], towns[1][1])])
    out = tmp_path / "out.json"
    code, _, err = run_cli("batch", YUNHE, table, "--out", out)
    assert code == 1 and "also in" in err
    doc = json.loads(out.read_text("utf-8"))
    assert all(len(s["entities"]) == 8 for s in doc["cohort"])


def test_too_small_a_cohort_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """Two towns are fewer than pass_rank's min_entities: exit 2, the declaration named."""
    towns = list(_towns().items())[:2]
    out = tmp_path / "out.csv"
    code, _, err = run_cli("batch", YUNHE, _table(tmp_path / "towns.csv", towns), "--out", out)
    assert code == 2 and not out.exists()
    assert "facts.yaml:12:5: cohort value 'pass_rank' needs at least 3 entities" in err
    assert "Traceback" not in err


def test_ties_in_a_table_share_ranks_and_points(tmp_path: Path) -> None:
    """Four equal towns all rank first: each gets item 1's first points and the bonus's."""
    town = _towns()["西溪镇"]
    table = _table(tmp_path / "towns.csv", [(n, town) for n in ("甲", "乙", "丙", "丁")])
    out = tmp_path / "out.csv"
    assert run_cli("batch", YUNHE, table, "--out", out)[0] == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {(r["rank"], r["1"], r["7"], r["6"]) for r in rows} == {("1", "10", "3", "-2")}


def test_hostile_names_in_the_cohort_stay_text(tmp_path: Path) -> None:
    """Names that look like a formula, markup or a script are shown as text in the cohort's
    lines and explanations: CSV neutralised, HTML escaped, the terminal without markup."""
    town = _towns()["西溪镇"]
    names = ["=HYPERLINK(\"x\")", "[bold red]镇[/]", "<script>alert(1)</script>"]
    table = _table(tmp_path / "towns.csv", [(n, {**town, "brands": i + 5})
                                            for i, n in enumerate(names)])  # fmt: skip
    html, csv_out = tmp_path / "out.html", tmp_path / "out.csv"
    assert run_cli("batch", YUNHE, table, "--out", html)[0] == 0
    assert run_cli("batch", YUNHE, table, "--out", csv_out)[0] == 0
    page = html.read_text("utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "'=HYPERLINK" in csv_out.read_text("utf-8")
    code, text, _ = run_cli("batch", YUNHE, table)
    assert code == 0 and "[bold red]镇[/]" in text


def test_groups_are_ranked_each_on_their_own_in_a_batch(tmp_path: Path) -> None:
    """scope: group ranks the towns among towns and the departments among departments;
    a mean over one group reaches every entity; the JSON says over whom."""
    import shutil

    root = tmp_path / "r"
    shutil.copytree(ROOT / "examples" / "qingshui-rivers", root)
    facts = root / "facts.yaml"
    facts.write_text(
        facts.read_text("utf-8") + "cohort:\n"
        "  - {key: group_rank, label: 组内排名, stat: rank, score: 一, scope: group}\n"
        "  - {key: dept_mean, label: 部门平均巡河率, stat: mean, of: patrol_rate, scope: 重点部门}\n",
        "utf-8",
    )
    bonus = root / "categories" / "4-bonus.yaml"
    bonus.write_text(
        bonus.read_text("utf-8") + '  - id: "9b"\n    title: 组内排名加分\n    points: 2\n'
        "    criteria: 按共性指标得分在本组排名，第1名加2分，第2名加1分。\n"
        "    departments: [各被考核单位]\n"
        '    score: {kind: formula, expr: "max(0, 3 - group_rank) + 0 * dept_mean"}\n',
        "utf-8",
    )
    out = tmp_path / "out.json"
    code, _, err = run_cli("batch", root, root / "entities", "--out", out)
    assert code == 0, err
    doc = json.loads(out.read_text("utf-8"))
    bonus_of = {r["entity"]: r["items"]["9b"] for r in doc["ranking"]}
    assert bonus_of == {"县水利局": "2", "县生态环境局": "1", "东湖镇": "2", "西山乡": "1"}
    totals = {r["entity"]: r["total"] for r in doc["ranking"]}
    assert totals == {"县水利局": "89", "县生态环境局": "87", "东湖镇": "87", "西山乡": "9"}
    scopes = {(s["key"], s["scope"]): s["entities"] for s in doc["cohort"]}
    assert scopes[("group_rank", "乡镇")] == ["东湖镇", "西山乡"]
    assert scopes[("group_rank", "重点部门")] == ["县水利局", "县生态环境局"]
    assert {r["cohort"]["dept_mean"] for r in doc["ranking"]} == {
        next(s["value"] for s in doc["cohort"] if s["key"] == "dept_mean")
    }


def test_an_entity_whose_cohort_formula_fails_is_not_scored(tmp_path: Path) -> None:
    """As evaluate_cohort: the town is told as not scored, once; the rest are ranked."""
    import shutil

    root = tmp_path / "r"
    shutil.copytree(YUNHE, root)
    facts = root / "facts.yaml"
    facts.write_text(facts.read_text("utf-8").replace("of: pass_rate", "of: 100 / labs"), "utf-8")
    out = tmp_path / "out.json"
    code, _, err = run_cli("batch", root, root / "entities", "--out", out)
    assert code == 1
    assert err.count("cohort value pass_rank: 100 / labs: division by zero") == 1
    doc = json.loads(out.read_text("utf-8"))
    assert [f["entity"] for f in doc["failed"]] == ["北山乡"] and len(doc["ranking"]) == 7


def test_a_cohort_file_with_mistakes_is_refused_line_by_line(tmp_path: Path) -> None:
    """evaluate --cohort: an unknown value and a value that is no number, each at its place."""
    given = tmp_path / "given.yaml"
    given.write_text("pass_rnk: 4\nbrand_share: x\n", "utf-8")
    code, _, err = run_cli("evaluate", YUNHE, YUNHE / "entities" / "西溪镇.yaml", "--cohort", given)
    assert code == 2 and "Traceback" not in err
    assert err.splitlines() == [
        f"{given}:1:1: unknown cohort value 'pass_rnk'; did you mean 'pass_rank'?",
        f"{given}:2:14: brand_share: expected a number, got 'x'",
    ]
