"""Reports: explanations, headroom, departments, reconciliation, every format."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console

import qualscore
from conftest import ROOT
from qualscore.analyst.analysis import (
    departments,
    headroom,
    reconcile,
    sentence,
)
from qualscore.cli.app import main
from qualscore.report.data import to_json
from qualscore.report.html import to_html
from qualscore.report.markdown import to_markdown
from qualscore.report.terminal import render_departments, render_headroom, render_table

RUGAO = ROOT / "rules/rugao-2018"
FACT_FILES = sorted((ROOT / "examples").glob("*/*.yaml")) + sorted((ROOT / "examples").glob("*/facts/*.yaml"))
CASES = [
    (f.parent.parent if f.parent.name == "facts" else RUGAO, f)
    for f in FACT_FILES
    if not f.name.endswith(".expected.yaml") and f.name not in ("ruleset.yaml", "facts.yaml")
]


def result_for(rules_dir: Path, facts: Path) -> qualscore.Result:
    rules = qualscore.load_rules(rules_dir)
    return qualscore.evaluate(rules, qualscore.load_facts(rules, facts))


@pytest.fixture(scope="module")
def sample() -> qualscore.Result:
    return result_for(RUGAO, ROOT / "examples/rugao-2018/city-sample.yaml")


def test_there_are_example_cases() -> None:
    """The reconciliation test below runs over real example files."""
    assert len(CASES) >= 4


@pytest.mark.parametrize(("rules_dir", "facts"), CASES, ids=[c[1].name for c in CASES])
def test_every_report_reconciles(rules_dir: Path, facts: Path) -> None:
    """Items add up to indicators, categories and the total, caps applied, for every example."""
    result = result_for(rules_dir, facts)
    assert reconcile(result) == []
    data = json.loads(to_json(result))
    total = sum(Decimal(c["score"]) for c in data["categories"]) + Decimal(
        data["bonus"]["score"] if data["bonus"] else "0"
    )
    assert total == Decimal(data["total"])


def test_reconcile_finds_a_wrong_total(sample: qualscore.Result) -> None:
    """reconcile() is a real check: a tampered total does not pass."""
    import dataclasses

    wrong = dataclasses.replace(sample, total=sample.total + Decimal("0.01"))
    assert reconcile(wrong) == ["total: parts add to 90.39, total is 90.4"]


def test_tier_sentence_with_next_band(sample: qualscore.Result) -> None:
    """A tier item says its value, its band as the source writes it, and what the next band earns."""
    assert sentence(sample.item("20.2"), "zh") == (
        "其它工程一次验收合格率 = 97.3%，落在「95%（含95%）—98%」档，得 1 分（满分 2 分，失 1 分）；"
        "达到 98%（「98%以上（含98%）」档）可再得 1 分。"
    )


def test_input_keeps_its_written_precision(sample: qualscore.Result) -> None:
    """A rate given as 91.00 is shown as 91.00%, as the department wrote it."""
    rules = qualscore.load_rules(RUGAO)
    facts = dict(qualscore.load_facts(rules, ROOT / "examples/rugao-2018/city-sample.yaml").values)
    facts["provincial_spot_check_pass_rate"] = Decimal("91.00")
    result = qualscore.evaluate(rules, facts)
    assert sentence(result.item("19.2"), "zh") == (
        "产品省级监督抽查合格率 = 91.00%，落在「90%（含90%）—92%」档，得 0.5 分（满分 1 分，失 0.5 分）；"
        "达到 92%（「92%（含92%）以上」档）可再得 0.5 分。"
    )


def test_binding_cap_shown(sample: qualscore.Result) -> None:
    """Indicator 13 earns 5.75 and is capped at 5; the table says so."""
    indicator = sample.categories[1].children[-1]
    assert isinstance(indicator, qualscore.NodeResult)
    assert (indicator.id, indicator.sum, indicator.score, indicator.capped) == (
        "13", Decimal("5.75"), Decimal("5"), True)
    out = io.StringIO()
    render_table(sample, Console(file=out, width=80, color_system=None), "zh")
    assert "工程质量监管制度建设与实施（5.75 → 封顶 5）" in out.getvalue()


def test_headroom_respects_caps(sample: qualscore.Result) -> None:
    """An item under a capped category can gain for itself but adds nothing to the total."""
    found = {o.item_id: o for o in headroom(sample, "zh")}
    assert (found["4.3"].gain, found["4.3"].effective) == (Decimal(1), Decimal(0))
    assert (found["15"].gain, found["15"].effective) == (Decimal(1), Decimal(1))
    ordered = [o.effective for o in headroom(sample, "zh")]
    assert ordered == sorted(ordered, reverse=True)


def test_departments_charge_each_part_to_its_owner(sample: qualscore.Result) -> None:
    """Item 15's missing service analysis is 市发改委's point, not the whole item's departments'."""
    by_name = {d.department: d for d in departments(sample)}
    assert by_name["市发改委"].items == (
        ("15", "统计分析开展情况", "开展服务质量分析研究并公布质量安全信息", Decimal(1), False,
         Decimal(1)),
    )  # fmt: skip
    assert "市住建局" not in {e[0] for e in by_name.get("市住建局", by_name["市发改委"]).items if e[0] == "15"}
    assert all(e[0] != "bonus" for d in by_name.values() for e in d.items)


def test_english_engine_words(sample: qualscore.Result) -> None:
    """--lang en puts the engine's own words in English, leaving the scheme's labels."""
    text = sentence(sample.item("20.2"), "en")
    assert text.startswith("其它工程一次验收合格率 = 97.3%: falls in band \"95%（含95%）—98%\", 1 pt")
    assert text.endswith("would earn 1 more.")


def test_terminal_views_render(sample: qualscore.Result) -> None:
    """The headroom and department views print, within 80 columns."""
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None)
    render_headroom(sample, console, "zh")
    render_departments(sample, console, "zh")
    text = out.getvalue()
    assert "提升空间" in text and "各责任单位失分" in text
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("fmt", ["json", "markdown", "html"])
def test_formats_are_byte_stable_and_fingerprinted(fmt: str, sample: qualscore.Result) -> None:
    """Each document format gives the same bytes twice and carries the fingerprint."""
    render = {"json": lambda r: to_json(r), "markdown": lambda r: to_markdown(r, "zh"),
              "html": lambda r: to_html(r, "zh")}[fmt]
    again = result_for(RUGAO, ROOT / "examples/rugao-2018/city-sample.yaml")
    text = render(sample)
    assert text == render(again)
    assert sample.rules_sha256 in text and sample.facts_sha256 in text
    assert qualscore.__version__ in text


def test_html_is_self_contained(sample: qualscore.Result) -> None:
    """The HTML fetches nothing: no external URLs for scripts, styles, fonts or images."""
    html = to_html(sample, "zh")
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert "@page { size: A4" in html
    assert html.count('class="item"') == 59


def test_out_writes_file(tmp_path: Path) -> None:
    """--out writes the document to a file and nothing to stdout."""
    target = tmp_path / "r.md"
    out, err = io.StringIO(), io.StringIO()
    code = main(["evaluate", str(RUGAO), str(ROOT / "examples/rugao-2018/city-sample.yaml"),
                 "--format", "markdown", "--out", str(target)], stdout=out, stderr=err)
    assert (code, out.getvalue(), err.getvalue()) == (0, "", "")
    assert target.read_text(encoding="utf-8").startswith("# 2018年度如皋市质量工作考核\n")


def test_out_to_missing_folder_is_user_error(tmp_path: Path) -> None:
    """Writing into a folder that does not exist is one line and exit 2."""
    err = io.StringIO()
    target = tmp_path / "nope" / "r.html"
    code = main(["evaluate", str(RUGAO), str(ROOT / "examples/rugao-2018/city-sample.yaml"),
                 "--format", "html", "--out", str(target)], stdout=io.StringIO(), stderr=err)
    assert (code, err.getvalue()) == (2, f"{target}: cannot write: no such folder\n")
