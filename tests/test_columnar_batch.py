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


def both(tmp_path: Path, inputs: list[Path], suffix: str) -> tuple[tuple[int, str], ...]:
    """Each engine's exit code and stderr, having checked that they wrote the same bytes."""
    found = []
    for engine in ("row", "columnar"):
        out = tmp_path / f"{engine}{suffix}"
        code, _, err = run_cli("batch", RUGAO, *inputs, "--out", out, "--quiet", "--jobs", "2",
                               "--engine", engine)  # fmt: skip
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
    (code, err), _ = both(tmp_path, [quoted, crlf, folder, plain], ".json")
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
