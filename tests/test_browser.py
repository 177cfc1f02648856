"""The HTML report opened in a real browser: headless Chromium.

Skipped where Chromium is not installed, unless QUALSCORE_REQUIRE_BROWSER=1
(as CI sets it), in which case a missing browser fails the test.
"""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import qualscore
from conftest import ROOT, require_program
from qualscore.report.html import to_html

pytestmark = pytest.mark.slow  # runs a real browser

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0",
]


def chromium() -> str:
    """The browser to use, or skip (fail under QUALSCORE_REQUIRE_BROWSER=1)."""
    return require_program(("chromium", "chromium-browser"), "chromium", "QUALSCORE_REQUIRE_BROWSER")


def load(page: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """Open ``page``; return the DOM after scripts ran and the console messages."""
    run = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )
    console = [line for line in run.stderr.splitlines() if re.search(r":CONSOLE(\(|:)", line)]
    return run.stdout, console


class _Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.items: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "item" in (found.get("class") or "").split() and found.get("data-item"):
            self.items.append(found["data-item"] or "")


def item_rows(dom: str) -> list[str]:
    """The ids of the item rows in a DOM."""
    parser = _Rows()
    parser.feed(dom)
    return parser.items


def test_console_errors_are_detected(tmp_path: Path) -> None:
    """The check below can fail: a page with a script error shows in the console."""
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>nonexistent();</script></body></html>", encoding="utf-8")
    _, console = load(page, tmp_path)
    assert any("nonexistent is not defined" in line for line in console)


def test_rugao_report_loads_cleanly_with_every_item(tmp_path: Path) -> None:
    """The Rugao report loads with no console message and one row per item."""
    rules = qualscore.load_rules(ROOT / "rules/rugao-2018")
    result = qualscore.evaluate(
        rules, qualscore.load_facts(rules, ROOT / "examples/rugao-2018/city-sample.yaml")
    )
    page = tmp_path / "report.html"
    page.write_text(to_html(result, "zh"), encoding="utf-8")
    dom, console = load(page, tmp_path)
    assert console == []
    assert item_rows(dom) == [item.id for item in result.items]
    assert len(item_rows(dom)) == 59  # 58 numbered items and the bonus
