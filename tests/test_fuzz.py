"""Fuzzing the loaders with mutated copies of real rule and facts files (hypothesis).

Three targets, each fed mutated copies of real files:

- the rule-set loader: one file of ``rules/rugao-2018`` mutated per example,
  then ``load_rules``; when it still loads, ``lint``, ``evaluate`` with the
  sample city's facts, and the JSON report;
- the facts loader: ``examples/rugao-2018/city-sample.yaml`` mutated, then
  ``load_facts``; when it still loads, ``evaluate`` and the JSON report;
- a scheme with cohort values: one file of ``examples/yunhe-quality`` mutated,
  then ``load_rules``, ``lint`` and its eight towns scored together
  (``evaluate_cohort``), each result's JSON report.

Mutations are of two kinds: on the text (delete, duplicate, swap or re-indent
lines; insert YAML syntax, hostile tokens, invalid UTF-8, NULs; truncate) and
on the data (replace, delete or add a value anywhere in the tree with a
hostile one - huge, NaN, negative, a string, a list, a hostile formula - and
write the YAML again), so that the fuzzing reaches past the YAML parser into
validation, formulas and scoring.

The property: the only exceptions that ever escape are the project's own user
errors (``RuleSetError``/``FactsError``/``CohortError``, and ``EvaluationError`` from
scoring),
each problem one line naming the file.

A short, derandomized run is part of the suite. The long run is
``make fuzz`` (``QUALSCORE_FUZZ_EXAMPLES=5000``, random seeds); its figures are
in tests/README.md.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import qualscore
from conftest import ROOT
from qualscore.errors import (
    EvaluationError,
    FactsError,
    Problem,
    RuleSetError,
)
from qualscore.report.data import to_json
from qualscore.source import yamlfile as _yaml

RULES_DIR = ROOT / "rules" / "rugao-2018"
SAMPLE = ROOT / "examples" / "rugao-2018" / "city-sample.yaml"
RULES = qualscore.load_rules(RULES_DIR)
RULE_FILES = sorted(p.relative_to(RULES_DIR).as_posix() for p in RULES_DIR.rglob("*.yaml"))

LONG = "QUALSCORE_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("QUALSCORE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)

# --- what a mutation can put in ----------------------------------------------------------

TOKENS = [
    "&a ", "*a", "<<: *a", "!!python/object/apply:os.system ['id']", "!!binary aGk=", "!custom ",
    "[", "]", "{", "}", ": ", "- ", "? ", "|", ">-", "'", '"', "#", ",", "\t", "  ", "\n", "\r\n",
    "---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:yaml.org,2002:python/\n",
    "no", "off", "yes", "on", "y", "2018-01-01", "1:30", "0x1f", "0o7", "1_000", "010",
    ".nan", ".inf", "-.inf", "NaN", "1e999", "1e-999", "1e999999999", "1e-999999", "9" * 60, "-0", "-1", "101", "0.000000000000001",
    "null", "~", "true", "False", "", "[" * 60, "{a: " * 40, "\\u0000", '"\\ud800"', '"\\e[2J"',
    "__import__('os')", "().__class__", "x.__class__", "(" * 300, "min()", "1/0", "v ** 9", "'s'",
    "\u2028", "\ufeff", "\x00", "\x1b", "\x85", "质", "é", "𠀀",
]

HOSTILE_FORMULAS = [
    "__import__('os').system('id')", "().__class__.__bases__[0].__subclasses__()", "x.__class__",
    "9 ** 9 ** 9", "'a' * 10 ** 9", "[i for i in (1, 2)]", "lambda: 1", "f'{x}'", "(y := 1)",
    "min()", "abs(1, 2)", "credit_reports / 0", "credit_reports * 1000000000000000 * 1000000000000000",
    "(" * 199 + "1" + ")" * 199, "-" * 1999 + "1", "not " * 450 + "true", "1e999", "0x10",
    "quality_plan_issued + 1", "credit_reports > quality_plan_issued", "unknown_fact",
    "1 if quality_plan_issued else true", "round_half_up(credit_reports, 99)", "true", "1",
]

SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=20),
    st.sampled_from(TOKENS),
    st.sampled_from(HOSTILE_FORMULAS),
    st.sampled_from([0, 1, -1, 100, 101, Decimal("99.99"), Decimal("1E+16"), Decimal("-0")]),
)
VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=8) | st.sampled_from(["kind", "when", "points", "id"]), inner, max_size=3),
    ),
    max_leaves=6,
)


# --- text mutations -------------------------------------------------------------------------


@st.composite
def mutate_text(draw: st.DrawFn, text: str) -> bytes:
    """``text`` with one to four random edits, as bytes (some edits are not UTF-8)."""
    data = text.encode("utf-8")
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        lines = data.split(b"\n")
        kind = draw(
            st.sampled_from(
                ["insert", "replace", "delete-line", "dup-line", "swap-lines", "indent",
                 "dedent", "bytes", "truncate", "flip"]
            )
        )
        at = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        line = draw(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)))
        if kind == "insert":
            data = data[:at] + draw(st.sampled_from(TOKENS)).encode() + data[at:]
        elif kind == "replace":
            width = draw(st.integers(min_value=1, max_value=12))
            data = data[:at] + draw(st.sampled_from(TOKENS)).encode() + data[at + width :]
        elif kind == "delete-line":
            del lines[line]
            data = b"\n".join(lines)
        elif kind == "dup-line":
            lines.insert(line, lines[line])
            data = b"\n".join(lines)
        elif kind == "swap-lines":
            other = draw(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)))
            lines[line], lines[other] = lines[other], lines[line]
            data = b"\n".join(lines)
        elif kind == "indent":
            lines[line] = b"  " + lines[line]
            data = b"\n".join(lines)
        elif kind == "dedent":
            lines[line] = lines[line][2:] if lines[line].startswith(b"  ") else lines[line]
            data = b"\n".join(lines)
        elif kind == "bytes":
            data = data[:at] + draw(st.binary(min_size=1, max_size=6)) + data[at:]
        elif kind == "truncate":
            data = data[:at]
        else:
            if data:
                data = data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1 :]
    return data


# --- data mutations -------------------------------------------------------------------------


def paths(node: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a tree of dicts and lists."""
    yield here
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*here, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from paths(value, (*here, i))


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    Decimal, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:float", str(value))
)


@st.composite
def mutate_data(draw: st.DrawFn, text: str) -> bytes:
    """``text`` read, one to three values in its tree replaced, deleted or added, written again."""
    tree = _yaml.loads(text, "seed").data
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        where = draw(st.sampled_from(list(paths(tree))))
        if not where:
            tree = draw(VALUES)
            continue
        parent: Any = tree
        for part in where[:-1]:
            parent = parent[part]
        last = where[-1]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add", "rename"]))
        if action == "replace":
            parent[last] = draw(VALUES)
        elif action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=10) | st.sampled_from(TOKENS))] = draw(VALUES)
        elif action == "add":
            parent.insert(last, draw(VALUES))
        elif isinstance(parent, dict):
            parent[str(last) + draw(st.sampled_from(["s", "_", "1", "x"]))] = parent.pop(last)
    dumped = yaml.dump(tree, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    return dumped.encode("utf-8", "surrogatepass")


def mutated(text: str) -> st.SearchStrategy[bytes]:
    return st.one_of(mutate_text(text), mutate_data(text))


# --- the property -------------------------------------------------------------------------


def assert_well_formed(problems: list[Problem], prefix: str) -> None:
    """Each problem is one line that names a file of the input."""
    assert problems
    for problem in problems:
        assert "\n" not in str(problem) and "\r" not in str(problem), str(problem)
        assert problem.path.startswith(prefix), str(problem)
        assert problem.message and problem.line >= 0 and problem.col >= 0


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="qualscore-fuzz-") as tmp:
        root = Path(tmp) / "rules"
        shutil.copytree(RULES_DIR, root)
        yield Path(tmp)


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_rule_set_loader(workdir: Path, data: st.DataObject) -> None:
    """A mutated rule file: RuleSetError, or a rule set that scores (or fails as EvaluationError)."""
    name = data.draw(st.sampled_from(RULE_FILES), label="file")
    original = (RULES_DIR / name).read_text(encoding="utf-8")
    mutant = data.draw(mutated(original), label="mutant")
    root = workdir / "rules"
    (root / name).write_bytes(mutant)
    try:
        try:
            rules = qualscore.load_rules(root)
        except RuleSetError as exc:
            assert_well_formed(exc.problems, str(root))
            event("rules: refused")
            return
        qualscore.lint(rules)
        try:
            facts = qualscore.load_facts(rules, SAMPLE)
        except FactsError as exc:
            assert_well_formed(exc.problems, str(SAMPLE))
            event("rules: loaded, sample facts refused")
            return
        try:
            result = qualscore.evaluate(rules, facts)
        except EvaluationError as exc:
            assert "\n" not in str(exc)
            event("rules: loaded, evaluation error")
            return
        assert to_json(result)
        event("rules: loaded and scored")
    finally:
        (root / name).write_text(original, encoding="utf-8")


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_facts_loader(workdir: Path, data: st.DataObject) -> None:
    """A mutated facts file: FactsError, or facts that score (or fail as EvaluationError)."""
    mutant = data.draw(mutated(SAMPLE.read_text(encoding="utf-8")), label="mutant")
    path = workdir / "facts.yaml"
    path.write_bytes(mutant)
    try:
        facts = qualscore.load_facts(RULES, path)
    except FactsError as exc:
        assert_well_formed(exc.problems, str(path))
        event("facts: refused")
        return
    try:
        result = qualscore.evaluate(RULES, facts)
    except EvaluationError as exc:
        assert "\n" not in str(exc)
        event("facts: loaded, evaluation error")
        return
    assert to_json(result)
    event("facts: loaded and scored")


def test_mutations_reach_past_the_parser(workdir: Path) -> None:
    """The data mutations produce files that parse, so validation and scoring are fuzzed too."""
    text = SAMPLE.read_text(encoding="utf-8")
    parsed = 0

    @settings(max_examples=30, deadline=None, derandomize=True, database=None)
    @given(mutate_data(text))
    def count(mutant: bytes) -> None:
        nonlocal parsed
        try:
            _yaml.loads(mutant.decode("utf-8"), "f")
        except Exception:
            return
        parsed += 1

    count()
    assert parsed >= 15


COHORT_DIR = ROOT / "examples" / "yunhe-quality"
COHORT_FILES = ["facts.yaml", *(f"categories/{p.name}" for p in
                                sorted((COHORT_DIR / "categories").glob("*.yaml")))]  # fmt: skip
TOWNS = sorted(p for p in (COHORT_DIR / "entities").glob("*.yaml")
               if not p.name.endswith(".expected.yaml"))  # fmt: skip


@pytest.fixture(scope="module")
def cohort_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="qualscore-fuzz-cohort-") as tmp:
        root = Path(tmp) / "rules"
        shutil.copytree(COHORT_DIR, root)
        yield root


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_fuzz_cohort_rule_set(cohort_dir: Path, data: st.DataObject) -> None:
    """A mutated file of a scheme with cohort values: RuleSetError, or the towns scored
    together (CohortError for too small a cohort, each entity's refusal kept)."""
    name = data.draw(st.sampled_from(COHORT_FILES), label="file")
    original = (COHORT_DIR / name).read_text(encoding="utf-8")
    (cohort_dir / name).write_bytes(data.draw(mutated(original), label="mutant"))
    try:
        try:
            rules = qualscore.load_rules(cohort_dir)
        except RuleSetError as exc:
            assert_well_formed(exc.problems, str(cohort_dir))
            event("cohort rules: refused")
            return
        qualscore.lint(rules)
        towns: dict[str, Any] = {}
        for path in TOWNS:
            try:
                towns[path.stem] = qualscore.load_facts(rules, path)
            except FactsError as exc:
                assert_well_formed(exc.problems, str(path))
        try:
            scored = qualscore.evaluate_cohort(rules, towns)
        except qualscore.CohortError as exc:
            assert_well_formed(exc.problems, str(cohort_dir))
            event("cohort rules: cohort refused")
            return
        for result in scored.values():
            assert to_json(result)
        assert all(why and "\n" not in "".join(why) for why in scored.failed.values())
        event("cohort rules: loaded and scored")
    finally:
        (cohort_dir / name).write_text(original, encoding="utf-8")
