"""What qualscore writes stays safe whatever the input says.

``--out`` never destroys an input, a link or a device and writes durably; text
is text in spreadsheets (no formulas), terminals (no escapes, no rich markup),
Markdown and YAML; the console width is bounded. The attacks themselves are in
``tests/hostile/attacks_outputs.py``; these are the finer checks.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import stat
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tests.hostile.attacks_outputs import (
    DEMO,
    FORMULA_NAMES,
    GOOD,
    HOSTILE,
    formula_entities,
    hostile_demo,
    no_formulas,
)

from conftest import require_program, run_cli
from qualscore.batch.runner import Outcome, Row
from qualscore.errors import SourceError
from qualscore.report import batch as writers
from qualscore.report.safe import (
    csv_text,
    md,
    plain,
    visible,
    visible_line,
    width,
)
from qualscore.ruleset.loader import load_rules
from qualscore.source import files as _files
from qualscore.source.files import check_output, write_atomic

# --- writing files -----------------------------------------------------------------------


def test_write_does_not_touch_the_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new file gets 0666 less the umask without qualscore ever calling os.umask."""
    old = os.umask(0o027)
    try:
        monkeypatch.setattr(os, "umask", lambda *_: pytest.fail("os.umask called"))
        write_atomic(tmp_path / "new.txt", "x")
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o640


def test_replacing_keeps_the_mode(tmp_path: Path) -> None:
    """A file written over keeps its permissions."""
    path = tmp_path / "kept.txt"
    path.write_text("old")
    path.chmod(0o600)
    write_atomic(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_writes_are_flushed_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary file is flushed before the rename and the folder after it."""
    synced: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr(_files.os, "fsync", fsync)
    write_atomic(tmp_path / "out.txt", "x")
    assert synced == ["file", "folder"]


def test_no_temporary_file_is_left_on_failure(tmp_path: Path) -> None:
    """A write that fails half-way leaves neither the output nor a temporary file."""

    def chunks() -> object:
        yield b"part"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        _files.write_atomic_chunks(tmp_path / "out.csv", chunks())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_an_input_is_found_however_it_is_named(tmp_path: Path) -> None:
    """An input named through '..', a symbolic link or a hard link is still refused."""
    facts = tmp_path / "facts.yaml"
    facts.write_text("a: 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.yaml").symlink_to(facts)
    os.link(facts, tmp_path / "hard.yaml")
    for out in ("sub/../facts.yaml", "link.yaml", "hard.yaml"):
        with pytest.raises(SourceError, match="an input"):
            check_output(tmp_path / out, [facts])
    check_output(tmp_path / "other.yaml", [facts])


def test_a_report_is_refused_inside_the_rule_set_folder(tmp_path: Path) -> None:
    """Writing a template into the rule-set folder given as input is refused with exit 2."""
    rules = tmp_path / "demo"
    shutil.copytree(DEMO, rules)
    code, _, err = run_cli("template", rules, "--out", rules / "categories" / "x.yaml")
    assert code == 2 and "an input folder" in err
    assert not (rules / "categories" / "x.yaml").exists()


def test_out_to_a_dangling_link_creates_its_target(tmp_path: Path) -> None:
    """A link to a file not yet there is written through: the target created, the link kept."""
    link = tmp_path / "report.md"
    link.symlink_to(tmp_path / "made.md")
    assert run_cli("evaluate", DEMO, DEMO / GOOD, "--format", "markdown", "--out", link)[0] == 0
    assert link.is_symlink() and (tmp_path / "made.md").read_text().startswith("# ")


# --- spreadsheets ------------------------------------------------------------------------


def test_batch_xlsx_keeps_formula_names_as_text(tmp_path: Path) -> None:
    """Batch XLSX: formula-like entity names and rule texts are text cells, intact."""
    rules, entities = hostile_demo(tmp_path), formula_entities(tmp_path)
    assert run_cli("batch", rules, entities, "--out", tmp_path / "r.xlsx")[0] == 0
    no_formulas(tmp_path / "r.xlsx", (*FORMULA_NAMES, f"{HOSTILE} RESULT"))
    book = load_workbook(tmp_path / "r.xlsx")
    totals = [row[2].value for row in book.worksheets[0].iter_rows(min_row=2, max_row=6)]
    assert all(isinstance(v, (int, float)) for v in totals), "totals are numbers"


def test_batch_csv_neutralises_text_but_not_numbers(tmp_path: Path) -> None:
    """Batch CSV: a formula-like text gets a leading quote; totals and scores stay plain numbers."""
    rules, entities = hostile_demo(tmp_path), formula_entities(tmp_path)
    assert run_cli("batch", rules, entities, "--out", tmp_path / "r.csv")[0] == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "r.csv").read_text(encoding="utf-8"))))
    names = {row[1] for row in rows[1:]}
    assert names == {"'" + n for n in FORMULA_NAMES}
    assert {row[2] for row in rows[1:]} == {"50.55"}
    assert all(row[4] == f"'{HOSTILE} RESULT" for row in rows[1:])


def test_csv_cells_follow_owasp() -> None:
    """A text starting with = + - @ tab or CR is quoted; a negative number is not a text."""
    for text in ("=1", "+1", "-1+1", "@x", "\tx", "\rx"):
        assert csv_text(text) == "'" + text
    assert csv_text("plain") == "plain"
    assert writers._csv_cell(Decimal("-1.5")) == "-1.5"


def test_template_xlsx_keeps_formula_labels_as_text(tmp_path: Path) -> None:
    """Template XLSX: labels and departments starting with '=' are text cells, intact."""
    rules = hostile_demo(tmp_path)
    assert run_cli("template", rules, "--format", "xlsx", "--out", tmp_path / "t.xlsx")[0] == 0
    no_formulas(tmp_path / "t.xlsx", (f"{HOSTILE} LABEL", f"{HOSTILE} DEPARTMENT"))


def test_template_csv_quotes_formula_labels(tmp_path: Path) -> None:
    """Template CSV: a formula-like label gets a leading quote; the keys stay as they are."""
    rules = hostile_demo(tmp_path)
    assert run_cli("template", rules, "--format", "csv", "--out", tmp_path / "t.csv")[0] == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8"))))
    plan = next(row for row in rows if row[2] == "plan_adopted")
    assert plan[0] == f"'{HOSTILE} DEPARTMENT" and plan[3] == f"'{HOSTILE} LABEL"


def test_a_control_character_does_not_cost_the_workbook(tmp_path: Path) -> None:
    """Names and departments holding \\x01 are written visibly; the workbook is still saved."""
    ruleset = load_rules(DEMO)
    row = Row("a\x01b", Decimal(1), False, None, "0" * 64, (Decimal(0),) * 12, (), None,
              (("dep\x02t", Decimal(1)),))
    outcome = Outcome(None, row)  # type: ignore[arg-type]
    report = writers.build(ruleset, [outcome], [], "en")
    (tmp_path / "r.xlsx").write_bytes(writers.to_xlsx(report))
    no_formulas(tmp_path / "r.xlsx", ("a\\x01b", "dep\\x02t"))


@pytest.mark.slow  # runs a real browser or office suite
def test_libreoffice_reads_names_as_text(tmp_path: Path) -> None:
    """LibreOffice converts the batch XLSX back to the names as written, no formula computed."""
    office = require_program(("soffice", "libreoffice"), "LibreOffice", "QUALSCORE_REQUIRE_OFFICE")
    book = tmp_path / "r.xlsx"
    assert run_cli("batch", DEMO, formula_entities(tmp_path), "--out", book)[0] == 0
    subprocess.run(
        [office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(tmp_path / "csv"), str(book)],
        check=True, capture_output=True, timeout=180,
    )
    text = (tmp_path / "csv" / "r.csv").read_text(encoding="utf-8")
    names = {row[1] for row in list(csv.reader(io.StringIO(text)))[1:6]}
    assert names == set(FORMULA_NAMES)


@pytest.mark.slow  # runs a real browser or office suite
def test_chromium_runs_no_script_from_names(tmp_path: Path) -> None:
    """Chromium opens the batch HTML of script-named entities and finds no script element."""
    from test_browser import load

    page = tmp_path / "b.html"
    entities = formula_entities(tmp_path, ("<script>document.title='pwned'<\u2215script>",))
    assert run_cli("batch", hostile_demo(tmp_path), entities, "--out", page)[0] == 0
    dom, _console = load(page, tmp_path)
    assert "<script" not in dom and "pwned</title>" not in dom


# --- terminals and documents -------------------------------------------------------------


def test_visible_escapes_control_characters() -> None:
    """ESC, BEL, C1, bidi overrides and lone surrogates show as escapes; letters stay."""
    shown = visible("a\x1b]0;x\x07b\x9b\u202ec\udcff中")
    assert shown == "a\\x1b]0;x\\x07b\\x9b\\u202ec\\udcff中"
    assert visible("line\nnext\ttab") == "line\nnext\ttab"
    assert visible_line("line\nnext\r") == "line\\nnext\\r"


def test_plain_is_never_markup() -> None:
    """Rich markup in a text is kept as written: nothing dropped, nothing raised."""
    assert plain("[/]x see [note] here [link=http://e]k[/link]").plain == (
        "[/]x see [note] here [link=http://e]k[/link]"
    )


def test_markdown_text_is_escaped() -> None:
    """HTML, emphasis, links and line breaks in a text become inert Markdown."""
    assert md("<b>&</b>\n# h *x* [a](j)") == "&lt;b&gt;&amp;&lt;/b&gt; # h \\*x\\* [a\\](j)"
    assert md("# title", start=True) == "\\# title"
    assert md("one_stop bands[0]") == "one_stop bands[0]"


def test_error_lines_show_escapes(tmp_path: Path) -> None:
    """A file name with ESC in an error message reaches stderr escaped, on one line."""
    code, _, err = run_cli("evaluate", DEMO, tmp_path / "x\x1b[2Jy.yaml")
    assert code == 2 and "\x1b" not in err and "\\x1b[2J" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("columns", "expected"), [("abc", 80), ("0", 80), ("-3", 80), ("5", 20), ("99999999", 500)]
)
def test_console_width_is_bounded(
    columns: str, expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """COLUMNS outside 20..500 is clamped; a value that is not a positive number is ignored."""
    monkeypatch.setenv("COLUMNS", columns)
    assert width(io.StringIO()) == expected


def test_terminal_report_has_no_rule_markup(tmp_path: Path) -> None:
    """The evaluate table prints a rule set's bracketed text as written, not as styles."""
    code, out, err = run_cli("evaluate", hostile_demo(tmp_path), DEMO / GOOD, "--view", "all")
    assert code == 0, err
    assert "[/]x see [note] here" in out


def test_out_is_not_ignored_for_the_table(tmp_path: Path) -> None:
    """evaluate --out without a document format is refused, not silently printed to stdout."""
    code, out, err = run_cli("evaluate", DEMO, DEMO / GOOD, "--out", tmp_path / "r.txt")
    assert code == 2 and "--format" in err and out == ""
    assert not (tmp_path / "r.txt").exists()


def test_per_entity_reports_keep_hostile_names_as_text(tmp_path: Path) -> None:
    """--per-entity: names like formulas, markup and paths become plain file names and text."""
    rules, entities = hostile_demo(tmp_path), formula_entities(tmp_path, ("a b",))
    folder = tmp_path / "reports"
    code = run_cli("batch", rules, entities, "--per-entity", folder, "--per-entity-format", "html")[0]
    assert code == 0
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 6 and "=HYPERLINK(_evil.example_,_y_).html" in names
    assert not any(n.startswith(".") for n in names)
    for page in folder.iterdir():
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html
        assert html.count("<script>") == 1  # only the report's own print script
