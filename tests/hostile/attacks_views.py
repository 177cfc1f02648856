"""Attacks on what the views show: numbers no one can read, causes buried under effects."""

from __future__ import annotations

import csv
import json
import re
import shutil
import zipfile
from pathlib import Path

import yaml

from . import ROOT, attack, run

YUNHE = ROOT / "examples/yunhe-quality"
KEYS = ("pass_rate", "brands", "standards_done", "staff_age", "labs", "complaint_rate")
LONG = re.compile(r"\d\.\d{9,}")


def towns_table(path: Path, rows: list[tuple[str, dict[str, str]]]) -> Path:
    """A CSV of yunhe's towns: the first town's facts, with each row's changes."""
    first = yaml.safe_load((YUNHE / "entities" / "东岭镇.yaml").read_text("utf-8"))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["entity", *KEYS])
        for name, changes in rows:
            facts = {k: str(first[k]).lower() for k in KEYS} | changes
            writer.writerow([name, *(facts[k] for k in KEYS)])
    return path


@attack("a cohort mean of facts with 30 decimals is shown rounded in every batch view")
def attack_cohort_mean_of_long_decimals(tmp: Path) -> None:
    rules = tmp / "rules"
    shutil.copytree(YUNHE, rules)
    facts = rules / "facts.yaml"
    facts.write_text(facts.read_text("utf-8").replace("    places: 1\n", ""), "utf-8")
    ages = ["38.123456789012345678901234567891", "41.987654321098765432109876543211", "40"]
    table = towns_table(tmp / "towns.csv",
                        [(f"镇{i}", {"staff_age": age}) for i, age in enumerate(ages)])  # fmt: skip
    shown = run(["batch", rules, table])
    assert shown.code == 0, shown.err[:300]
    assert not LONG.search(shown.out), "the terminal shows a number of many decimals"
    for suffix in ("html", "json", "xlsx"):
        out = tmp / f"out.{suffix}"
        assert run(["batch", rules, table, "--out", out]).code == 0
        if suffix == "json":
            doc = json.loads(out.read_text("utf-8"))
            mean = next(s for s in doc["cohort"] if s["key"] == "age_mean")
            assert LONG.search(mean["value"]), "the JSON lost the exact mean"
            assert not LONG.search(mean["shown"]), f"the JSON shows {mean['shown']}"
            continue
        text = out.read_text("utf-8") if suffix == "html" else "".join(
            zipfile.ZipFile(out).read(n).decode("utf-8")
            for n in zipfile.ZipFile(out).namelist() if n.startswith("xl/sharedStrings")
        )  # fmt: skip
        assert not LONG.search(text), f"the {suffix} shows a number of many decimals"


@attack("every entity refused: each is told, with its reason, before the cohort left short")
def attack_refused_entities_come_first(tmp: Path) -> None:
    names = ["\x1b[31m红\x1b[0m镇", "<b>镇</b>", "=HYPERLINK(1)"]
    table = towns_table(tmp / "towns.csv", [(n, {"pass_rate": "120"}) for n in names])
    lines = run(["batch", YUNHE, table]).user_error("3 refused (above)").err.splitlines()
    assert len(lines) == 4, lines
    assert "control character U+001B not allowed" in lines[0]  # refused as it was read
    assert all("pass_rate: 120 is above the allowed maximum 100" in x for x in lines[1:3])
    assert "\x1b" not in "".join(lines), "a control character reached the terminal"
    assert lines[-1].endswith("0 have one (none); 3 refused (above)"), lines[-1]
