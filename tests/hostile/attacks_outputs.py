"""Attacks on what qualscore writes: ``--out`` over inputs and devices, spreadsheet
formulas, terminal escapes, rich markup, Markdown/HTML/YAML injection, ``COLUMNS``.

The hostile texts go into a copy of ``examples/demo`` (titles, a department, a
fact label, the result) and into entity names (the facts files' names).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import select
import shutil
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from . import ROOT, attack, run

DEMO = ROOT / "examples" / "demo"
GOOD = "facts/good-county.yaml"

HOSTILE = (
    '=HYPERLINK("http://evil.example","y") [/]x see [note] here '
    "[link=http://evil.example]k[/link] <script>alert(1)</script>\n# Injected heading"
)
"""A text that is a formula, rich markup, a script and a heading at once."""

FORMULA_NAMES = ("=1+2", "+3", "-4+5", "@SUM(A1)", '=HYPERLINK("evil.example","y")')
"""Entity names a spreadsheet would read as formulas."""

_PLACES = {
    r"Riverton 2024 county food-safety assessment": "TITLE",
    r"Oversight and testing": "CATEGORY",
    r"Food-safety plan and coordination": "ITEM",
    r"(?<=[\[ ])County Administration(?=[,\]])": "DEPARTMENT",
    r"County food-safety plan adopted": "LABEL",
    r"\bPassed\b": "RESULT",
}


def hostile_demo(tmp: Path, text: str = HOSTILE) -> Path:
    """A copy of the demo rule set whose titles, a department, a label and the result start with ``text``."""
    rules = tmp / "demo"
    shutil.copytree(DEMO, rules)
    for path in rules.rglob("*.yaml"):
        body = path.read_text(encoding="utf-8")
        for pattern, tag in _PLACES.items():
            body = re.sub(pattern, lambda _m, tag=tag: json.dumps(f"{text} {tag}"), body)
        path.write_text(body, encoding="utf-8")
    return rules


def formula_entities(tmp: Path, extra: tuple[str, ...] = ()) -> Path:
    """A folder of facts files named like formulas (and ``extra`` names)."""
    folder = tmp / "entities"
    folder.mkdir()
    for name in (*FORMULA_NAMES, *extra):
        shutil.copy(DEMO / GOOD, folder / f"{name}.yaml")
    return folder


@contextlib.contextmanager
def environ(**values: str) -> Iterator[None]:
    """Set environment variables for the duration."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def no_formulas(book_path: Path, expected: tuple[str, ...]) -> None:
    """Assert no cell of the workbook is a formula and every ``expected`` text is a cell."""
    from openpyxl import load_workbook

    book = load_workbook(book_path)
    texts = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    for text in expected:
        assert text in texts, f"{text!r} not a cell of {book_path.name}"


def neutral_csv(text: str, expected: tuple[str, ...]) -> None:
    """Assert no CSV text cell starts a formula, and each ``expected`` text is a cell, quoted."""
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    for cell in cells:
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), f"formula cell {cell!r}"
        assert not re.match(r"-\D", cell), f"formula cell {cell!r}"
    for name in expected:
        assert "'" + name in cells, f"{name!r} not written as the text '{name}"


# --- --out over inputs and devices -------------------------------------------------------


@attack("--out naming the facts file, a rule file or an input table is refused; they stay")
def attack_out_over_inputs(tmp: Path) -> None:
    rules = tmp / "demo"
    shutil.copytree(DEMO, rules)
    facts, rule = rules / GOOD, rules / "categories" / "1-oversight.yaml"
    table = tmp / "targets.csv"
    table.write_text("entity\n", encoding="utf-8")
    kept = {p: p.read_bytes() for p in (facts, rule, table)}
    for out in (facts, rule):
        run(["evaluate", rules, facts, "--format", "json", "--out", out]).user_error("input")
    run(["batch", rules, facts, "--targets", table, "--out", table]).user_error("input")
    run(["batch", rules, rules / "facts", "--out", rules / "facts" / "r.csv"]).user_error("input")
    hard = tmp / "hard.json"
    os.link(facts, hard)
    run(["evaluate", rules, facts, "--format", "json", "--out", hard]).user_error("input")
    for path, data in kept.items():
        assert path.read_bytes() == data, f"{path.name} was overwritten"
    assert not (rules / "facts" / "r.csv").exists(), "a report was written into an input folder"


@attack("--out through a symbolic link writes the file it names; the link stays a link")
def attack_out_symlink(tmp: Path) -> None:
    target, link = tmp / "real.json", tmp / "link.json"
    target.write_text("old", encoding="utf-8")
    link.symlink_to(target)
    assert run(["evaluate", DEMO, DEMO / GOOD, "--format", "json", "--out", link]).code == 0
    assert link.is_symlink(), "the link was replaced by a file"
    assert json.loads(target.read_text(encoding="utf-8"))["total"], "the target was not written"


@attack("--out to a character device (a link to /dev/null) writes into it; the node stays")
def attack_out_device(tmp: Path) -> None:
    link = tmp / "null.md"
    link.symlink_to("/dev/null")
    assert run(["evaluate", DEMO, DEMO / GOOD, "--format", "markdown", "--out", link]).code == 0
    assert link.is_symlink() and os.readlink(link) == "/dev/null", "the link was replaced"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode), "/dev/null is no longer a device"


@attack("--out to a FIFO writes into the pipe; the FIFO stays a FIFO")
def attack_out_fifo(tmp: Path) -> None:
    fifo = tmp / "pipe.md"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    got = bytearray()

    def read() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if select.select([fd], [], [], 0.1)[0]:
                chunk = os.read(fd, 65536)
                if not chunk and got:
                    return
                got.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        code = run(["evaluate", DEMO, DEMO / GOOD, "--format", "markdown", "--out", fifo]).code
    finally:
        reader.join(35)
        os.close(fd)
    assert code == 0, f"exit {code}"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a file"
    assert got.startswith(b"# "), "nothing came through the pipe"


@attack("--out naming a folder is refused in one line")
def attack_out_folder(tmp: Path) -> None:
    run(["evaluate", DEMO, DEMO / GOOD, "--format", "json", "--out", tmp]).user_error("folder")
    assert tmp.is_dir()


# --- spreadsheet formulas ----------------------------------------------------------------


@attack("formula-like entity names and titles stay text in the batch XLSX and CSV")
def attack_batch_formulas(tmp: Path) -> None:
    rules = hostile_demo(tmp)
    entities = formula_entities(tmp)
    assert run(["batch", rules, entities, "--out", tmp / "r.xlsx"]).code == 0
    no_formulas(tmp / "r.xlsx", FORMULA_NAMES)
    assert run(["batch", rules, entities, "--out", tmp / "r.csv"]).code == 0
    neutral_csv((tmp / "r.csv").read_text(encoding="utf-8"), FORMULA_NAMES)


@attack("formula-like labels and departments stay text in the XLSX and CSV templates")
def attack_template_formulas(tmp: Path) -> None:
    rules = hostile_demo(tmp)
    assert run(["template", rules, "--format", "xlsx", "--out", tmp / "t.xlsx"]).code == 0
    no_formulas(tmp / "t.xlsx", (f"{HOSTILE} LABEL", f"{HOSTILE} DEPARTMENT"))
    assert run(["template", rules, "--format", "csv", "--out", tmp / "t.csv"]).code == 0
    neutral_csv((tmp / "t.csv").read_text(encoding="utf-8"), (f"{HOSTILE} LABEL",))


@attack("a control character in an entity name does not cost the XLSX; it shows as \\x01")
def attack_xlsx_control_characters(tmp: Path) -> None:
    entities = formula_entities(tmp, ("bad\x01name",))
    assert run(["batch", DEMO, entities, "--out", tmp / "r.xlsx"]).code == 0
    no_formulas(tmp / "r.xlsx", ("bad\\x01name",))


# --- terminals ---------------------------------------------------------------------------


@attack("ESC and OSC sequences in names and file names never reach the terminal raw")
def attack_terminal_escapes(tmp: Path) -> None:
    evil = "\x1b]0;pwned\x07\x1b[31mred\x9b"
    entities = formula_entities(tmp, (evil,))
    shown = run(["batch", DEMO, entities])
    assert shown.code == 0 and "red" in shown.out, shown.err
    failed = run(["evaluate", DEMO, tmp / f"{evil}.yaml"])
    assert failed.code == 2
    for text in (shown.out, shown.err, failed.err):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), f"raw control in {text!r}"


@attack("rule text and names are never read as rich markup (evaluate, explain, batch, diff)")
def attack_rich_markup(tmp: Path) -> None:
    rules = hostile_demo(tmp)
    facts = DEMO / GOOD
    entities = formula_entities(tmp, ("see [note] here [link=evil.example]k",))
    outputs = [
        run(["evaluate", rules, facts, "--view", "all"]),
        run(["evaluate", rules, facts, "--explain", "all"]),
        run(["batch", rules, entities]),
        run(["diff", DEMO, rules]),
    ]
    for done in outputs:
        assert done.code == 0, f"exit {done.code}: {done.err[:200]!r}"
        assert "see [note] here" in done.out, f"markup eaten: {done.out[:300]!r}"
        assert "\x1b]8" not in done.out, "a terminal hyperlink"


# --- documents ---------------------------------------------------------------------------


@attack("Markdown report and diff: no live <script>, a line break starts no heading")
def attack_markdown(tmp: Path) -> None:
    rules = hostile_demo(tmp)
    report = run(["evaluate", rules, DEMO / GOOD, "--format", "markdown"])
    changes = run(["diff", DEMO, rules, "--format", "markdown"])
    for done in (report, changes):
        assert done.code == 0, done.err
        assert "<script" not in done.out, "a live <script> tag"
        assert not re.search(r"^#+ Injected", done.out, re.M), "a line break started a heading"


@attack("YAML template: a line break in a label does not pre-fill a value")
def attack_yaml_template(tmp: Path) -> None:
    import yaml

    done = run(["template", hostile_demo(tmp, "Plan\ntraining_hours_target: 0 #")])
    assert done.code == 0, done.err
    values = yaml.safe_load(done.out)
    assert "training_hours_target" not in values, "a label pre-filled a target"
    assert all(v is None for v in values.values()), "a label pre-filled a value"
    assert "plan_adopted" in values


@attack("HTML reports escape every rule text and name: no script but the report's own")
def attack_html(tmp: Path) -> None:
    rules = hostile_demo(tmp)
    assert run(["evaluate", rules, DEMO / GOOD, "--format", "html", "--out", tmp / "r.html"]).code == 0
    page = (tmp / "r.html").read_text(encoding="utf-8")
    assert page.count("<script") == 1, "a script from the rule set"
    entities = formula_entities(tmp, ("<script>alert(1)<\u2215script>",))
    assert run(["batch", rules, entities, "--out", tmp / "b.html"]).code == 0
    assert "<script" not in (tmp / "b.html").read_text(encoding="utf-8")


@attack("COLUMNS=abc, 0 or 99999999: the width stays within 20..500 columns")
def attack_columns(tmp: Path) -> None:
    for columns in ("abc", "0", "99999999", "-5"):
        with environ(COLUMNS=columns):
            done = run(["evaluate", DEMO, DEMO / GOOD, "--view", "all"])
            changes = run(["diff", DEMO, DEMO])
        assert done.code == 0 and changes.code == 0, f"COLUMNS={columns}: {done.err[:200]!r}"
        longest = max(len(line) for line in (done.out + changes.out).splitlines())
        assert longest <= 500, f"COLUMNS={columns}: a line of {longest} characters"
