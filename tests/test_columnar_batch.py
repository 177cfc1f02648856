"""`qualscore batch --engine columnar` writes what `--engine row` writes, byte for byte, and
the same messages: plain tables scored by the columns, every other input and every row
the columns hand back by the row engine, in input order."""

from __future__ import annotations

import random
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

import qualscore
from conftest import ROOT, run_cli

pytest.importorskip("polars")

RUGAO = ROOT / "rules/rugao-2018"
CITY = ROOT / "examples/rugao-2018/city-sample.yaml"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def table(path: Path, count: int, seed: int, changes: dict[int, dict[str, str]] | None = None,
          *, newline: str = "\n", first: int = 0) -> Path:  # fmt: skip
    """``count`` cities: the sample city's facts, each number moved at random within its
    bounds (on a bound, a hair inside, or between), some cells changed by ``changes``."""
    rules = qualscore.load_rules(RUGAO)
    facts = qualscore.load_facts(rules, CITY).values
    rng = random.Random(seed)
    lines = [",".join(["entity", *(f.key for f in rules.facts)])]
    for n in range(count):
        cells = [f"c{first + n:05d}"]
        for decl in rules.facts:
            value = facts[decl.key]
            low, high = decl.bounds
            if isinstance(value, Decimal) and low is not None and high is not None:
                pick = rng.choice([low, high, low + Decimal("0.01"), high - Decimal("0.01"),
                                   low + (high - low) * Decimal(rng.randint(0, 100)) / 100])
                value = max(low, min(high, pick))
                if decl.type == "count":
                    value = value.to_integral_value()
            cells.append(_text(value))
        for key, text in (changes or {}).get(n, {}).items():
            if key == "entity":
                cells[0] = text
            else:
                cells[1 + [f.key for f in rules.facts].index(key)] = text
        lines.append(",".join(cells))
    path.write_text(newline.join(lines) + newline, encoding="utf-8")
    return path


def both(tmp_path: Path, inputs: list[Path], suffix: str, *more: object,
         rules: Path = RUGAO, jobs: int = 1) -> tuple[tuple[int, str], ...]:  # fmt: skip
    """Each engine's exit code and stderr, having checked that they wrote the same bytes
    (``jobs``: the processes of the row engine, in either)."""
    found = []
    for engine in ("row", "columnar"):
        out = tmp_path / f"{engine}{suffix}"
        code, _, err = run_cli("batch", rules, *inputs, "--out", out, "--quiet", "--jobs", jobs,
                               "--engine", engine, *more)  # fmt: skip
        found.append((code, err, out.read_bytes() if out.exists() else b""))
    (code_row, err_row, row), (code_col, err_col, col) = found
    assert col == row
    assert (code_col, err_col) == (code_row, err_row)
    return (code_row, err_row), (code_col, err_col)


@pytest.mark.parametrize("suffix", [".csv", ".json", ".html"])
def test_plain_tables_write_the_same_bytes(tmp_path: Path, suffix: str) -> None:
    """Two plain tables of random cities, every number on or near its bounds."""
    inputs = [table(tmp_path / "a.csv", 300, 1), table(tmp_path / "b.csv", 200, 2, first=300)]
    (code, err), _ = both(tmp_path, inputs, suffix)
    assert code == 0 and err == ""


def test_rows_handed_back_are_scored_and_told_in_their_place(tmp_path: Path) -> None:
    """Rows the columns do not take (a value out of bounds, text, a blank fact, spaces, a
    blank name, a name seen twice, an exponent) give the row engine's outcome and
    message, in the input's order."""
    keys = [f.key for f in qualscore.load_rules(RUGAO).facts]
    changes = {
        3: {keys[0]: "maybe"},
        7: {"credit_reports": "-5"},
        8: {"credit_reports": " 7 "},
        11: {"credit_reports": ""},
        12: {"entity": ""},
        15: {"entity": "c00002"},
        20: {"credit_reports": "1e1"},
        21: {"credit_reports": "+3"},
    }
    inputs = [table(tmp_path / "a.csv", 40, 3, changes)]
    (code, err), _ = both(tmp_path, inputs, ".csv")
    assert code == 1
    told = err.splitlines()
    assert told[-1].startswith("qualscore: ") and "could not be scored" in told[-1]
    assert any(":5:" in line for line in told)  # row 3 is line 5


def test_other_inputs_are_scored_by_the_row_engine_in_order(tmp_path: Path) -> None:
    """A table with quotes, one with CRLF line ends, a folder of facts files and a plain
    table, given in that order: the same outputs and messages as the row engine's."""
    quoted = table(tmp_path / "q.csv", 5, 4, {1: {"entity": '"a, b"'}}, first=100)
    crlf = table(tmp_path / "r.csv", 5, 5, newline="\r\n", first=200)
    folder = tmp_path / "cities"
    folder.mkdir()
    shutil.copy(CITY, folder / "city.yaml")
    plain = table(tmp_path / "p.csv", 30, 6, {2: {"credit_reports": "x"}}, first=300)
    (code, err), _ = both(tmp_path, [quoted, crlf, folder, plain], ".json", jobs=2)
    assert code == 1 and "p.csv:4:" in err


def test_columnar_names_what_it_cannot_and_refuses_explained_outputs(tmp_path: Path) -> None:
    """`auto` (the default) scores a small CSV quietly; `--engine columnar` names the
    construct of a rule set with cohort values and scores it by the row engine, and with
    a workbook out is refused as a usage error."""
    inputs = [table(tmp_path / "a.csv", 20, 7)]
    out = tmp_path / "auto.csv"
    assert run_cli("batch", RUGAO, *inputs, "--out", out, "--quiet")[0] == 0
    code, _, err = run_cli("batch", RUGAO, *inputs, "--out", tmp_path / "x.xlsx", "--quiet",
                           "--engine", "columnar")  # fmt: skip
    assert code == 2 and "--engine columnar scores only" in err
    yunhe = ROOT / "examples/yunhe-quality"
    code, _, err = run_cli("batch", yunhe, yunhe / "entities", "--out", tmp_path / "y.csv",
                           "--quiet", "--engine", "columnar")  # fmt: skip
    assert code == 0
    assert err.startswith("qualscore: note: the columnar engine does not compute cohort values")


def test_auto_takes_columns_from_its_bound_of_table_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`auto` scores by columns when the CSV tables hold AUTO_COLUMNS_BYTES or more (exactly
    on the bound: columns; a byte short: the row engine); the output is the same."""
    import qualscore.columnar.batch as columnar
    from qualscore.cli import batch as cli_batch

    made = []
    real = columnar.score_inputs

    def counted(*args: object, **kwargs: object) -> object:
        made.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(columnar, "score_inputs", counted)
    inputs = table(tmp_path / "a.csv", 30, 8)
    size = inputs.stat().st_size
    outs = []
    for bound, expected in ((size + 1, []), (size, [1])):
        made.clear()
        monkeypatch.setattr(cli_batch, "AUTO_COLUMNS_BYTES", bound)
        out = tmp_path / f"auto-{bound}.csv"
        assert run_cli("batch", RUGAO, inputs, "--out", out, "--quiet") == (0, "", "")
        assert made == expected
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


HOSTILE = ["=1+2", "+x", "-3", "@SUM(A1)", "'quoted", " padded ", "tab\there", "\tlead",
           "a\u202eb", "c1\u0085x", "true", "FALSE", "", "名字", "back\\slash", "semi;colon",
           " c00019 ", "True"]  # fmt: skip
"""Entity names of a plain table: formula-like, a tab, a bidi override, a C1 control,
``true`` and ``false`` (any case), blank, stripped; the last two seen again once read
(``c00019`` a few rows on, ``true`` before)."""


@pytest.mark.parametrize("bom", [False, True])
def test_hostile_names_and_names_seen_twice_write_the_same_bytes(tmp_path: Path,
                                                                 bom: bool) -> None:  # fmt: skip
    """Hostile names in plain tables, and in tables read by the batch's reader only (a
    comma, a quote, a cell over two lines, a control character in a name): the same bytes (with
    --bom too) and the same messages, a name seen twice told at its line in order,
    whichever engine scored the first."""
    changes = {n: {"entity": name} for n, name in enumerate(HOSTILE)}
    plain = table(tmp_path / "a.csv", len(HOSTILE) + 5, 11, changes)
    quoted = table(tmp_path / "q.csv", 6, 12, {
        0: {"entity": '"a, b"'}, 1: {"entity": '"line\nbreak"'}, 2: {"entity": '"say ""hi"""'},
        3: {"entity": '"=2+3"'}, 4: {"entity": "c00021"}, 5: {"entity": "ctl\x01"},
    }, first=100)  # fmt: skip
    again = table(tmp_path / "b.csv", 4, 13, {1: {"entity": "say \"hi\""}, 2: {"entity": "名字"}},
                  first=200)  # fmt: skip
    more = ("--bom",) if bom else ()
    (code, err), _ = both(tmp_path, [plain, quoted, again], ".csv", *more)
    assert code == 1
    told = err.splitlines()
    assert sum("also in" in line for line in told) == 5  # c00019, True, c00021, say "hi", 名字
    assert (tmp_path / "columnar.csv").read_bytes().startswith(b"\xef\xbb\xbf" if bom else b"rank,")


def test_rows_handed_back_and_names_seen_twice_across_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Groups of a few rows (a table each): rows handed back first, last, one after
    another and all of a table, and names seen again in the same table and in later
    ones, give the row engine's bytes and messages in order."""
    import qualscore.columnar.batch as columnar

    monkeypatch.setattr(columnar, "GROUP_ROWS", 7)
    keys = [f.key for f in qualscore.load_rules(RUGAO).facts]
    first = table(tmp_path / "a.csv", 6, 21, {0: {keys[3]: "x"}, 3: {"credit_reports": "-1"},
                                              4: {"credit_reports": "1e1"},
                                              5: {"entity": "c00001"}})  # fmt: skip
    second = table(tmp_path / "b.csv", 5, 22, {0: {"entity": "c00002"}, 4: {keys[0]: ""}},
                   first=6)  # fmt: skip
    third = table(tmp_path / "c.csv", 9, 23, {2: {"entity": "c00007"}, 3: {"entity": "c00012"},
                                              8: {"credit_reports": "+3"}}, first=11)  # fmt: skip
    none = table(tmp_path / "d.csv", 2, 24, {0: {"credit_reports": "-1"}, 1: {keys[1]: "no"}},
                 first=20)  # every row handed back: a group of no line  # fmt: skip
    (code, err), _ = both(tmp_path, [first, second, third, none], ".csv")
    assert code == 1
    assert [line.split(": ")[0] for line in err.splitlines() if "also in" in line] == [
        f"{tmp_path / 'a.csv'}:7:0", f"{tmp_path / 'b.csv'}:2:0", f"{tmp_path / 'c.csv'}:4:0",
        f"{tmp_path / 'c.csv'}:5:0",
    ]  # fmt: skip
    assert f"{tmp_path / 'd.csv'}:3:" in err


def _targets_rules(tmp_path: Path) -> Path:
    """A rule set with a target item, grades (one formula-like), a veto forcing a grade
    and giving a formula-like result, and verdicts of an item and of the scheme."""
    from conftest import item_yaml, write_ruleset

    return write_ruleset(
        tmp_path,
        "- {key: x, type: percent, label: X}\n- {key: t, type: number, label: T, role: target}\n"
        "- {key: bad, type: bool, label: Bad}\n",
        item_yaml("kind: formula\nexpr: x / 10", points=10, extra='verdict: {met: "x >= 50"}')
        + item_yaml("kind: target\nactual: x\ntarget: t\nmet_when: at_least", item_id="2",
                    points=5),
        points=15,
        manifest_yaml="""
            grades:
              - {grade: "=优", at_least: 12}
              - {grade: 中, at_least: 6}
              - {grade: 差, below: 6}
            vetoes:
              - {id: v1, title: Bad, when: bad, result: "-failed", grade: 差, criteria: c,
                 departments: [D]}
            verdict: {met: "score('1') >= 5"}
        """,
    )  # fmt: skip


def test_targets_grades_and_verdicts_write_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A completion column (a blank target: not applicable), grades, a veto, verdicts,
    a table of which no row is scored by the columns; and the town rule set's thirteen
    targets, given in the table: the same bytes."""
    import qualscore.columnar.batch as columnar

    monkeypatch.setattr(columnar, "GROUP_ROWS", 100)
    rules = _targets_rules(tmp_path)
    rng = random.Random(31)
    lines = ["entity,x,t,bad"]
    for n in range(120):
        target = rng.choice(["", "0", "50", "70.5", str(rng.randint(0, 100))])
        lines.append(f"e{n},{rng.choice(['0', '49.99', '50', '100', str(rng.randint(0, 100))])},"
                     f"{target},{rng.choice(['true', 'false', 'false'])}")  # fmt: skip
    lines[5] = "e4,101,1,false"  # refused: handed back
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refused = tmp_path / "r.csv"
    refused.write_text("entity,x,t,bad\nr1,-1,1,false\nr2,1,1,maybe\n", encoding="utf-8")
    (code, err), _ = both(tmp_path, [path, refused], ".csv", rules=rules)
    assert code == 1 and err.count("\n") == 4
    head = (tmp_path / "columnar.csv").read_text(encoding="utf-8").splitlines()[0]
    assert head == "rank,entity,total,vetoed,result,completion_percent,1,2,grade,verdict,not_met"
    towns = tmp_path / "towns"
    shutil.copytree(ROOT / "rules/rugao-2018-towns", towns)
    (towns / "targets.yaml").unlink()  # the targets in the table: the columns score it
    ruleset = qualscore.load_rules(towns)
    rng = random.Random(32)
    lines = [",".join(["entity", *(f.key for f in ruleset.facts)])]
    for n in range(80):
        lines.append(",".join([f"镇{n}", *(rng.choice(["", "0", "1", "3", "12"])
                                           if f.role == "target" else str(rng.randint(0, 9))
                                           for f in ruleset.facts)]))  # fmt: skip
    path = tmp_path / "towns.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (code, err), _ = both(tmp_path, [path], ".csv", rules=towns)
    assert (code, err) == (0, "")


def test_the_ranking_of_lines_is_the_scratch_files(tmp_path: Path) -> None:
    """:class:`Ranking` (the columns' lines kept as columns) orders and ranks as the row
    engine's scratch file does: equal totals written with other exponents share a rank,
    vetoed entities last, names in code point order (past the BMP too)."""
    import polars as pl

    from qualscore.batch.runner import Entity, Outcome
    from qualscore.cli.batch import _stream_csv
    from qualscore.columnar.batch import Lines

    names = ["b", "a", "\uffff", "\U00010000", "é", "c", "d", "e"]
    totals = [500, 500, 500, 500, 0, 250, 500, 700]
    vetoed = [False, False, False, False, False, True, True, False]
    block = Lines("t.csv", pl.DataFrame({
        "name": names[:5], "line": [f"{n},line\n" for n in names[:5]], "vetoed": vetoed[:5],
        "total": totals[:5], "at": list(range(2, 7)),
    }), 2)  # fmt: skip
    others = [Outcome(Entity(n, "", "", 0, None), None, line=f"{n},line\n".encode(),
                      key=("", v, -Decimal(t).scaleb(-2 - (i % 2)) * 10 ** (i % 2), n))
              for i, (n, t, v) in enumerate(zip(names[5:], totals[5:], vetoed[5:], strict=True))]
    whole = [Outcome(Entity(n, "", "", 0, None), None, line=f"{n},line\n".encode(),
                     key=("", v, -Decimal(t).scaleb(-2), n))
             for n, t, v in zip(names, totals, vetoed, strict=True)]  # fmt: skip
    items = (("1", "One", None),)
    _stream_csv(str(tmp_path / "columns.csv"), iter([block, *others]), items, False,
                columns=True)  # fmt: skip
    _stream_csv(str(tmp_path / "scratch.csv"), iter(whole), items, False)
    written = (tmp_path / "columns.csv").read_text(encoding="utf-8")
    assert written == (tmp_path / "scratch.csv").read_text(encoding="utf-8")
    assert written.splitlines()[1:] == [
        "1,e,line", "2,a,line", "2,b,line", "2,\uffff,line", "2,\U00010000,line", "6,é,line",
        "7,d,line", "8,c,line",
    ]  # fmt: skip
