"""The columnar engine against the row engine: the same rows, the same numbers, the same bytes.

Each shipped rule set that compiles is scored both ways on one CSV table: its example
facts, and thousands of generated rows whose numbers sit exactly on every constant the
rule set compares with, a hair below and above it, on the facts' bounds, at zero, and
now and then written oddly (a blank, spaces, ``007``, ``-0``, ``1e3``, seven places, a
word where a number goes). The row engine runs as the batch does (its CSV reader, quick
check and scorer: :func:`qualscore.batch.runner.score_units`); every row the columnar
engine scores must give the batch's row field for field and the same CSV line, and
every row it hands back must be one the quick check refuses (``refused``), one it
cannot hold (``beyond``) or one the row engine fails on (``failed``). Hypothesis rule
sets (``tests/test_differential.py``'s strategies) check the lifted scorer itself
against :func:`qualscore.score`, and each construct not covered is refused by name.
"""

from __future__ import annotations

import os
import random
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings

pl = pytest.importorskip("polars")

import qualscore  # noqa: E402
from conftest import ROOT, item_yaml, write_ruleset  # noqa: E402
from qualscore.batch.runner import Outcome, score_units  # noqa: E402
from qualscore.batch.units import iter_units  # noqa: E402
from qualscore.columnar import NotColumnar, batch_rows, compile_columns  # noqa: E402
from qualscore.columnar.compile import compile_scorer, inputs_of, value_column  # noqa: E402
from qualscore.columnar.lift import Input, constants  # noqa: E402
from qualscore.columnar.lines import csv_lines  # noqa: E402
from qualscore.columnar.plan import evaluate  # noqa: E402
from qualscore.errors import Problem  # noqa: E402
from qualscore.facts.fast import quick_facts  # noqa: E402
from qualscore.report.batch import CsvLine, csv_line, extra_columns  # noqa: E402
from qualscore.scoring.members import values_for  # noqa: E402
from qualscore.scoring.plan import plan as row_plan  # noqa: E402
from test_differential import _member_data, members, records, rule_sets, values  # noqa: E402

COMPILING = [
    "rules/rugao-2018", "rules/rugao-2018-towns", "examples/rugao-2019-revised", "examples/demo",
]  # fmt: skip
"""The shipped rule sets the columnar engine compiles."""
REFUSED = {
    "examples/yunhe-quality": "cohort values",
    "examples/chengjiang-safety": "entity groups",
    "examples/dept-appraisal": "entity groups",
    "examples/qingshui-rivers": "entity groups",
    "examples/county-schools": "facts with a supplier declared",
}
"""The others, and the construct each is refused for."""

ODD_NUMBERS = ["", " 5 ", "007", "-0", "-0.0", "1e3", "+5", "5.", ".5", "1.1234567",
               "0.0000001", "1234567890123", "99999999999999999", "true", "5,5", "\u30005"]  # fmt: skip
ODD_FLAGS = ["", "tRuE", " false ", "yes", "1", "TRUE ", "是 "]


def _values_of(ruleset: Any) -> list[Decimal]:
    """The numbers the rule set compares with or computes from (its constants)."""
    found = constants(row_plan(ruleset).source(False))
    out: set[Decimal] = set()
    for value in found.values():
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, Decimal):
                out.add(v)
    return sorted(out)


def _number(rnd: random.Random, fact: Any, near: list[Decimal]) -> str:
    """A cell for a numeric fact: a boundary, a hair from one, or a plain random value."""
    low, high = fact.bounds
    anchors = [*near, *(b for b in (low, high) if b is not None), Decimal(0)]
    pick = rnd.random()
    if pick < 0.5:
        value = rnd.choice(anchors) + rnd.choice(
            [Decimal(0), Decimal(0), Decimal("-0.01"), Decimal("0.01"), Decimal("-0.000001")]
        )
    else:
        value = Decimal(rnd.randint(0, 120)) + Decimal(rnd.randint(0, 99)) / 100
    if low is not None and value < low:
        value = low if rnd.random() < 0.9 else value
    if high is not None and value > high:
        value = high if rnd.random() < 0.9 else value
    if fact.type == "count":
        value = value.to_integral_value()
        return str(int(value)) if rnd.random() < 0.95 else f"{int(value)}.0"
    return format(value, "f")


def _rows(ruleset: Any, count: int, seed: int) -> list[dict[str, str]]:
    """``count`` generated rows of raw cell text (an odd cell in about a fifth)."""
    rnd = random.Random(seed)
    near = _values_of(ruleset)
    rows = []
    for n in range(count):
        row = {"entity": f"e{n}"}
        for fact in ruleset.facts:
            if fact.type == "bool":
                row[fact.key] = rnd.choice(["true", "false", "TRUE", "False", "是", "否"])
            elif fact.role == "target" and rnd.random() < 0.1:
                row[fact.key] = ""  # blank: the items reading it do not apply
            else:
                row[fact.key] = _number(rnd, fact, near)
        if rnd.random() < 0.2:
            fact = rnd.choice(ruleset.facts)
            row[fact.key] = rnd.choice(ODD_FLAGS if fact.type == "bool" else ODD_NUMBERS)
        rows.append(row)
    return rows


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    """The rows as a CSV table (cells quoted, so a comma in one is the cell's)."""
    head = list(rows[0])
    lines = [",".join(head)]
    for row in rows:
        lines.append(",".join('"' + row[k].replace('"', '""') + '"' for k in head))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _batch(rules: str, csv: Path) -> list[Outcome | Problem]:
    """What the row engine's batch makes of the table, row by row, in order: an entity's
    outcome, or the problem of a row its reader cannot read."""
    return list(score_units(rules, iter_units([str(csv)])))


def _reader(cells: dict[str, str]) -> dict[str, Any]:
    """A row as the batch's table reader gives it (stripped, blank None, true/false)."""
    out: dict[str, Any] = {}
    for key, raw in cells.items():
        text = raw.strip()
        out[key] = None if not text else {"true": True, "false": False}.get(text.lower(), text)
    return out


def _readable(cells: dict[str, str]) -> bool:
    """Whether the table reader reads every cell (no control character, no line break)."""
    return not any(re.search("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\r\\n]", c)
                   for c in cells.values())  # fmt: skip


def _agree(rules: str, rows: list[dict[str, str]], tmp_path: Path) -> dict[str, int]:
    """Score ``rows`` both ways and assert they agree; how many rows went which way."""
    ruleset = qualscore.load_rules(ROOT / rules)
    plan = compile_columns(ruleset)
    csv = tmp_path / "facts.csv"
    _write(csv, rows)
    table = pl.read_csv(csv, infer_schema=False)
    scored = plan.score(table, fingerprints=True)
    mine = dict(zip(scored.frame["row"].to_list(), batch_rows(plan, scored), strict=True))
    targets, extra = bool(plan.compiled.targets), extra_columns(ruleset)
    line = CsvLine(targets, extra)
    made = csv_lines(plan, scored, line)
    assert made["row"].to_list() == list(mine)
    assert made["name"].to_list() == [row.name for row in mine.values()]
    assert made["line"].to_list() == [line(row).decode() for row in mine.values()]
    returned = dict(scored.returned)
    outcomes = _batch(str(ROOT / rules), csv)
    assert len(outcomes) == len(rows)
    counts = {"scored": 0, "refused": 0, "beyond": 0, "failed": 0}
    for n, cells in enumerate(rows):
        name, outcome = n, outcomes[n]
        if isinstance(outcome, Problem):  # the reader refused the row: so must the columns
            assert returned.get(n) == "refused", (n, outcome)
            counts["refused"] += 1
            continue
        data = {k: v for k, v in _reader(cells).items() if k != "entity"}
        quick = quick_facts(ruleset, data, "") if _readable(cells) else None
        if n in returned:
            reason = returned[n]
            counts[reason] += 1
            assert (quick is None) == (reason == "refused"), (name, reason)
            if reason == "failed":
                assert not outcome.scored, name
            continue
        assert quick is not None, f"{name}: scored, yet the quick check refuses it"
        assert outcome.row is not None, (name, outcome.problems)
        assert mine[name] == outcome.row, name
        assert csv_line(1, mine[name], targets, extra) == csv_line(1, outcome.row, targets, extra)
        counts["scored"] += 1
    assert counts["scored"] + sum(v for k, v in counts.items() if k != "scored") == len(rows)
    return counts


@pytest.mark.parametrize("rules", COMPILING)
def test_generated_rows_agree_with_the_batch(rules: str, tmp_path: Path) -> None:
    """Six hundred generated rows: each scored row is the batch's row, each handed-back
    row is refused by the quick check, beyond the columns or failed by the row engine
    (the slow test of generated rule sets draws many more)."""
    ruleset = qualscore.load_rules(ROOT / rules)
    counts = _agree(rules, _rows(ruleset, 600, seed=len(rules)), tmp_path)
    assert counts["scored"] > 90 and counts["refused"] > 0 and counts["beyond"] > 0


def _facts_rows(folder: Path) -> list[dict[str, str]]:
    """The example facts files of ``folder`` as table rows of text."""
    rows = []
    for path in sorted(folder.glob("*.yaml")):
        if path.stem.endswith(".expected"):
            continue
        data = qualscore.load_facts(qualscore.load_rules(ROOT / "rules/rugao-2018"), path).values
        row = {"entity": path.stem}
        row.update({k: ("true" if v else "false") if isinstance(v, bool) else str(v)
                    for k, v in data.items()})  # fmt: skip
        rows.append(row)
    return rows


def test_the_worked_examples_agree(tmp_path: Path) -> None:
    """The worked case's example cities score the same on both engines."""
    rows = _facts_rows(ROOT / "examples/rugao-2018")
    assert len(rows) == 2
    assert _agree("rules/rugao-2018", rows, tmp_path)["scored"] == 2


def test_boundaries_exactly_and_a_hair_below(tmp_path: Path) -> None:
    """Each percent fact exactly on each constant the rule set compares with and 0.000001
    below it, one fact at a time, scores as the row engine does."""
    ruleset = qualscore.load_rules(ROOT / "rules/rugao-2018")
    base = {"entity": "base", **{f.key: "true" if f.type == "bool" else "1" for f in
                                   ruleset.facts}}  # fmt: skip
    rows = []
    near = [v for v in _values_of(ruleset) if 0 <= v <= 100]
    for fact in ruleset.facts:
        if fact.type not in ("percent", "rate", "amount"):
            continue
        for value in near:
            for hair in (Decimal(0), Decimal("-0.000001")):
                row = dict(base, entity=f"{fact.key}={value + hair}")
                row[fact.key] = format(value + hair, "f") if value + hair >= 0 else "0"
                rows.append(row)
    counts = _agree("rules/rugao-2018", rows, tmp_path)
    assert counts["scored"] > 0.9 * len(rows)


def test_rejected_rows_are_those_the_quick_check_refuses(tmp_path: Path) -> None:
    """Oddly written cells: a row is handed back as ``refused`` exactly when the quick
    check does not take it, as ``beyond`` only when its number has more than six places
    or twelve digits before the point."""
    ruleset = qualscore.load_rules(ROOT / "rules/rugao-2018")
    base = {"entity": "base", **{f.key: "true" if f.type == "bool" else "1" for f in
                                   ruleset.facts}}  # fmt: skip
    rows = []
    for fact in ruleset.facts[:40]:
        for odd in ODD_FLAGS if fact.type == "bool" else ODD_NUMBERS:
            rows.append(dict(base, entity=f"{fact.key}:{odd!r}", **{fact.key: odd}))
    counts = _agree("rules/rugao-2018", rows, tmp_path)
    assert counts["refused"] > 0 and counts["beyond"] > 0 and counts["scored"] > 0


def test_a_row_every_cell_blank_is_no_entity() -> None:
    """A row of blank cells is skipped, as the batch's reader skips it: neither scored nor
    handed back."""
    plan = compile_columns(qualscore.load_rules(ROOT / "rules/rugao-2018"))
    keys = ["entity", *(f.key for f in plan.ruleset.facts)]
    table = pl.DataFrame({k: [None, " "] for k in keys}, schema={k: pl.String for k in keys})
    scored = plan.score(table)
    assert scored.frame.height == 0 and scored.returned == []


def _one_item(tmp_path: Path, formula: str) -> Any:
    """A rule set of one formula item over facts ``x`` and ``y``."""
    path = write_ruleset(
        tmp_path,
        "- {key: x, type: number, label: X}\n- {key: y, type: number, label: Y}\n",
        item_yaml(f"kind: formula\nexpr: {formula}", points=1),
    )
    return qualscore.load_rules(path)


def test_a_division_by_zero_is_handed_back(tmp_path: Path) -> None:
    """Where the row engine fails (a division by zero in a formula), the row goes back to
    it as ``failed``, so that it words the error."""
    plan = compile_columns(_one_item(tmp_path, "x / y"))
    table = pl.DataFrame({"entity": ["a", "b"], "x": ["1", "1"], "y": ["0", "4"]})
    scored = plan.score(table)
    assert scored.returned == [(0, "failed")]
    assert [r.scores for r in batch_rows(plan, scored)] == [(Decimal("0.25"),)]


@pytest.mark.parametrize("rules", sorted(REFUSED))
def test_what_does_not_compile_is_named(rules: str) -> None:
    """A shipped rule set with a construct the columns do not compute is refused, the
    construct named in words (and the item, where it is one item's)."""
    with pytest.raises(NotColumnar) as caught:
        compile_columns(qualscore.load_rules(ROOT / rules))
    assert caught.value.construct.startswith(REFUSED[rules]), caught.value.construct


@pytest.mark.parametrize(
    ("formula", "construct"),
    [
        ("sqrt(x)", "item 1: a square root"),
        ("x * x * x", "item 1: a number that may need more than 34 digits"),
    ],
)
def test_a_construct_not_covered_names_its_item(
    formula: str, construct: str, tmp_path: Path
) -> None:
    """A formula the columns do not compute is refused with its item's id."""
    with pytest.raises(NotColumnar) as caught:
        compile_columns(_one_item(tmp_path, formula))
    assert caught.value.construct == construct



# --- hypothesis rule sets: the lifted scorer against qualscore.score ----------------------

EXAMPLES = int(os.environ.get("QUALSCORE_COLUMNAR_EXAMPLES", "150"))
AGGREGATES = {"a0": Input("int", 8, 10**24, True), "a1": Input("int", 8, 10**24, True)}
"""The two lists' aggregates of every generated rule set: values the facts do not give."""


def _value_frame(inputs: dict[str, Input], values: Any) -> Any:
    """One row of the values the scorer reads, each in its input's column (None: a value
    these columns do not hold exactly)."""
    columns: dict[str, Any] = {"row": pl.Series([0], dtype=pl.Int64)}
    for key, spec in inputs.items():
        value = values.get(key)
        if spec.kind == "int":
            raw = None if value is None else value.scaleb(spec.scale)
            if raw is not None and (raw != raw.to_integral_value() or abs(raw) > spec.mag):
                return None
            dtype = pl.Int128 if spec.mag >= 2**63 else pl.Int64
            columns[value_column(key)] = pl.Series([None if raw is None else int(raw)], dtype=dtype)
        else:
            dtype = pl.Boolean if spec.kind == "bool" else pl.String
            columns[value_column(key)] = pl.Series([value], dtype=dtype)
    return pl.DataFrame(columns)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])  # fmt: skip
@given(rules=rule_sets(), data=values, listed=records, given_members=members)
def test_generated_rule_sets_score_as_the_row_engine(
    rules: Any, data: dict[str, Any], listed: Any, given_members: Any
) -> None:
    """Every rule set test_differential.py draws that compiles scores its facts as
    qualscore.score() does: each item, category, the total, the veto, the grade, each
    verdict; and it fails (the row handed back) exactly where qualscore.score() fails."""
    inputs = {**inputs_of(rules), **AGGREGATES}
    try:
        compiled = compile_scorer(rules, inputs)
    except NotColumnar as exc:
        assert exc.construct
        reject()
    document = {**data, "l0": listed, "m0": _member_data(given_members)}
    try:
        facts = qualscore.check_facts(rules, document)
        frame = _value_frame(inputs, values_for(rules, facts))
    except (qualscore.FactsError, qualscore.EvaluationError):
        reject()
    if frame is None:
        reject()
    got = evaluate(compiled, frame).row(0, named=True)
    try:
        want = qualscore.score(rules, facts)
    except qualscore.EvaluationError:
        assert got["failed"]
        return
    assert not got["failed"]

    def number(name: str) -> Decimal:
        return Decimal(f"{got[name]}E-{compiled.outputs[name].scale}")

    assert [number(f"i:{k}") for k in compiled.items] == list(want.items.values())
    assert [number(f"n:{k}") for k in compiled.categories] == [
        want.nodes[k] for k in compiled.categories
    ]
    assert (number("total"), got["vetoed"], got["grade"]) == (want.total, want.vetoed, want.grade)
    assert {k: got[f"d:{k}"] for k in compiled.verdicts} == dict(want.verdicts)


FORMS = ["0", "-0", "-0.0", "0.000", "5", "-5", "-0.5", "12.25", "-12.25", "007", "00.5",
         "0.000001", "0.0000001", "1.5000000", "1.1234567", "999999999999", "1000000000000",
         "123456789012345", "1e3", "+5", "5.", ".5", " 5", "5 ", "\u30005", "５", "", "true",
         "1,5", "0.1234560", "-999999999999.999999"]  # fmt: skip
"""Numbers written every way a cell may hold one."""


def test_numbers_written_every_way_read_as_the_quick_check(tmp_path: Path) -> None:
    """Each way of writing a number, in an unbounded number, a count, a percent and a
    target: refused exactly where the quick check refuses it, scored (with the same
    fingerprint) or handed back as beyond where it takes it."""
    path = write_ruleset(
        tmp_path,
        "- {key: x, type: number, label: X}\n- {key: c, type: count, label: C}\n"
        "- {key: p, type: percent, label: P}\n- {key: b, type: bool, label: B}\n"
        "- {key: t, type: number, label: T, role: target}\n",
        item_yaml("kind: formula\nexpr: x * 2 + c - p / 4", points=1000)
        + item_yaml("kind: formula\nexpr: t - x", item_id="2", points=1),
        points=2000,
    )
    base = {"entity": "", "x": "1", "c": "2", "p": "50", "b": "true", "t": "3"}
    rows = [
        dict(base, entity=f"{key}={form!r}", **{key: form})
        for key in ("x", "c", "p", "t")
        for form in FORMS
    ]
    counts = _agree(str(path), rows, tmp_path)
    assert counts["scored"] > 20 and counts["refused"] > 20 and counts["beyond"] > 5


def test_names_and_cells_the_reader_refuses(tmp_path: Path) -> None:
    """Entity names as the batch gives them (stripped, ``true`` as ``True``, a blank one
    as ``row N``) and as its CSV writes them (a formula neutralised, a comma or a quote
    quoted, a control character escaped), and a row with a cell the table reader cannot
    read (a control character, in any column) handed back."""
    ruleset = qualscore.load_rules(ROOT / "rules/rugao-2018")
    base = {"entity": "", **{f.key: "true" if f.type == "bool" else "1" for f in
                             ruleset.facts}}  # fmt: skip
    names = [" padded ", "true", "FALSE", "", "名字", "a\u202eb", "=cmd", "tab\there", "@x",
             'a, "b"', "-1", "\u0085c1", "\twith tab"]  # fmt: skip
    rows = [dict(base, entity=name) for name in names]
    rows.append(dict(base, entity="control", credit_reports="5\x1f"))
    rows.append(dict(base, entity="control\x1f"))
    counts = _agree("rules/rugao-2018", rows, tmp_path)
    assert counts == {"scored": len(names), "refused": 2, "beyond": 0, "failed": 0}


def test_the_spaces_stripped_are_every_space() -> None:
    """The cells are stripped of every character :meth:`str.strip` strips."""
    import sys

    from qualscore.columnar.facts import SPACE

    assert "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()) == SPACE
