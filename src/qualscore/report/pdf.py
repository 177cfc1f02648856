"""The PDF report: the HTML report printed by headless Chromium.

Why Chromium: the HTML report already lays out the office's report for A4
(cover, summary page, items kept with their details, page numbers from CSS
``@page`` margin boxes), and CJK text shapes and wraps as in the browser
people open the HTML in, so the PDF and the printed HTML are the same pages.
A Python PDF library would mean a second layout to keep in step, and none of
the well-kept ones shapes CJK line breaks as well. The cost is a program:
``chromium`` (Debian package ``chromium``) must be installed; without it
``--format pdf`` is a one-line error.

Same inputs, same bytes: Chromium stamps the PDF with the time it printed;
those dates are replaced by the report's date (``--date``, else
``SOURCE_DATE_EPOCH``, else today), written the same length so the file's
cross-reference offsets stay right. Chromium writes no random document id, but
its tagged-PDF structure names each element after the page's DOM node id
(``/ID (node00000015)``), and how many nodes got an id before printing depends
on timing: on a busy machine two prints differed by one in every id. The ids are
renumbered 1, 2, 3, ... in their own order, eight digits as before, so the
``/IDTree`` stays sorted and every offset stays right.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PdfError", "find_browser", "fix_dates", "fix_ids", "to_pdf"]

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--no-pdf-header-footer", "--hide-scrollbars",
)  # fmt: skip
TIMEOUT = 180


class PdfError(RuntimeError):
    """The PDF could not be made; the message says why in one line."""


def find_browser() -> str | None:
    """The Chromium to print with, if installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def to_pdf(html: str, report_day: str) -> bytes:
    """``html`` printed to PDF on A4, its dates set to ``report_day`` (YYYY-MM-DD).

    Raises:
        PdfError: no browser, or it failed.
    """
    browser = find_browser()
    if browser is None:
        raise PdfError("--format pdf needs Chromium (install the 'chromium' package)")
    with tempfile.TemporaryDirectory(prefix="qualscore-pdf-") as tmp:
        folder = Path(tmp)
        page, out = folder / "report.html", folder / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [
            browser,
            *FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=True)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise PdfError(f"Chromium could not print the report: {type(exc).__name__}") from None
        if not out.exists():
            raise PdfError("Chromium printed no PDF")
        return fix_ids(fix_dates(out.read_bytes(), report_day))


_DATE = re.compile(rb"/(CreationDate|ModDate) ?\(D:([0-9]{14})([^)]*)\)")


def fix_dates(pdf: bytes, report_day: str) -> bytes:
    """Every creation and modification date set to ``report_day``, each the same length."""
    stamp = report_day.replace("-", "").encode() + b"000000"

    def same_length(match: re.Match[bytes]) -> bytes:
        zone = match.group(3)
        fixed = b"+00'00'"[: len(zone)] if zone else b""
        fixed = fixed.ljust(len(zone), b" ") if zone else b""
        return match.group(0).replace(match.group(2) + zone, stamp + fixed)

    return _DATE.sub(same_length, pdf)


_NODE_ID = re.compile(rb"\(node([0-9]{8})\)")


def fix_ids(pdf: bytes) -> bytes:
    """Every structure element id (``node00000015``) renumbered by rank, the same length.

    The ranks keep the ids' order, so a name tree of them stays sorted.
    """
    ids = sorted({int(n) for n in _NODE_ID.findall(pdf)})
    rank = {n: i for i, n in enumerate(ids, start=1)}
    return _NODE_ID.sub(lambda m: b"(node%08d)" % rank[int(m.group(1))], pdf)
