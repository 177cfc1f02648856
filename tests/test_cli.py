"""The command line, driven through ``main(argv) -> int``."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FIXTURES, run_cli

MINI = str(FIXTURES / "mini")
MINI_FACTS = str(FIXTURES / "mini-facts.yaml")


def test_validate_ok() -> None:
    """A good rule set validates with exit 0 and a one-line summary."""
    code, out, err = run_cli("validate", MINI)
    assert (code, out, err) == (0, f"{MINI}: ok: 4 items, 7 facts, 0 warnings\n", "")


def test_validate_broken_rule_set(tmp_path: Path) -> None:
    """A broken rule set gives one line per problem, exit 2, no traceback."""
    root = tmp_path / "r"
    root.mkdir()
    (root / "ruleset.yaml").write_text(
        "id: x\ntitle: X\nyear: 2024\nlanguage: fr\n", encoding="utf-8"
    )
    code, out, err = run_cli("validate", str(root))
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f"{root}/categories: no category files (*.yaml)",
        f"{root}/facts.yaml: no such file",
        f"{root}/ruleset.yaml:4:11: language: input should be 'zh' or 'en'",
    ]
    assert "Traceback" not in err


def test_evaluate_table_fits_80_columns() -> None:
    """The table is grouped by category and fits an 80-column terminal."""
    code, out, err = run_cli("evaluate", MINI, MINI_FACTS)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[1].split() == ["item", "title", "max", "score", "lost"]
    assert lines[3].split() == ["Main", "7", "5.2", "1.8"]
    assert lines[5].split() == ["2", "Pass", "rate", "2", "1", "1"]
    assert any(line.split() == ["total", "7", "6.2"] for line in lines)
    assert "veto (Veto): not triggered" in lines


def test_evaluate_json_contract_and_stable() -> None:
    """JSON follows the output contract and is byte-identical across runs."""
    first = run_cli("evaluate", MINI, MINI_FACTS, "--format", "json")
    second = run_cli("evaluate", MINI, MINI_FACTS, "--format", "json")
    assert first == second and first[0] == 0
    doc = json.loads(first[1])
    assert doc["total"] == "6.2"
    assert doc["vetoed"] is False
    assert doc["result"] == "scored"
    item = doc["categories"][0]["children"][1]
    assert (item["id"], item["score"], item["max"], item["lost"]) == ("2", "1", "2", "1")
    assert item["explanation"][0] == 'Pass rate = 89.99%: falls in band "≥ 80, < 90", 1 pt'
    assert doc["bonus"]["id"] == "bonus" and doc["bonus"]["score"] == "1"
    assert set(doc["fingerprint"]) == {"rules_sha256", "facts_sha256", "engine_version"}
    assert len(doc["fingerprint"]["rules_sha256"]) == 64


def test_explain_one_item() -> None:
    """--explain prints the item's criteria, inputs and explanation."""
    code, out, _ = run_cli("evaluate", MINI, MINI_FACTS, "--explain", "3")
    assert code == 0
    assert "Ports failing (failing) = 1" in out  # English punctuation in English
    assert "  port failing:\n" in out.replace(" │\n", "\n").replace("│ ", "") or "port failing:" in out
    assert "1 × 0.5 pt = 0.5 pt, minus 0.5 pt" in out
    assert "scores 1.5 of 2 (lost 0.5)" in out


def test_explain_unknown_item() -> None:
    """An unknown --explain id is a user error with a suggestion."""
    code, out, err = run_cli("evaluate", MINI, MINI_FACTS, "--explain", "5")
    assert (code, out) == (2, "")
    assert err == "qualscore: --explain: no item or veto '5'\n"


def test_missing_facts_file() -> None:
    """A facts file that does not exist: one line, exit 2."""
    code, _, err = run_cli("evaluate", MINI, "nope.yaml")
    assert (code, err) == (2, "nope.yaml: no such file\n")


def test_bad_facts_all_reported(tmp_path: Path) -> None:
    """Every facts problem is printed, one per line, and nothing is scored."""
    facts = tmp_path / "f.yaml"
    text = (FIXTURES / "mini-facts.yaml").read_text(encoding="utf-8")
    facts.write_text(
        text.replace("rate: 89.99", "rate: 101").replace("done: true", "done: yes"),
        encoding="utf-8",
    )
    code, out, err = run_cli("evaluate", MINI, str(facts))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{facts}:1:7: done: expected true, false, 是 or 否, got 'yes'",
        f"{facts}:2:7: rate: 101 is above the allowed maximum 100",
    ]


def test_usage_error_exit_2() -> None:
    """A wrong command line is a user error, exit 2."""
    code, _, err = run_cli("evaluate", MINI)
    assert code == 2
    assert "the following arguments are required: facts" in err


def test_division_by_zero_names_item(tmp_path: Path) -> None:
    """A formula failing at run time names the item, exit 2, no traceback."""
    import shutil

    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    cat = root / "categories" / "1-main.yaml"
    cat.write_text(
        cat.read_text(encoding="utf-8").replace("reports / 10", "10 / reports"), encoding="utf-8"
    )
    facts = tmp_path / "f.yaml"
    facts.write_text(
        (FIXTURES / "mini-facts.yaml")
        .read_text(encoding="utf-8")
        .replace("reports: 7", "reports: 0"),
        encoding="utf-8",
    )
    code, _, err = run_cli("evaluate", str(root), str(facts))
    assert (code, err) == (2, f"{root}: item 4: 10 / reports: division by zero\n")
