"""Test cases stored with a rule set, run like unit tests: ``qualscore test RULES``.

A rule set's tests are YAML files, by default ``RULES/tests/*.yaml``::

    base: facts/full-marks.yaml        # optional: a facts file, relative to this file
    facts: {systemic_quality_incident: false}   # optional: over the base, for every case
    cases:
      - name: 19.1 at exactly 90% is the top band
        facts: {national_spot_check_pass_rate: 90}   # over the base (or all facts)
        expect: {"19.1": 1, "19": 10}                # item, indicator, category or bonus
        total: 96                                    # optional
        result: scored                               # optional: scored | vetoed
      - name: more failing ports than ports is refused
        facts: {first_class_ports: 1, first_class_ports_failing: 2}
        error: 未在规定时限内达标                     # a refusal or failure with this text

A case passes when every score it expects is exactly the engine's. A case
whose facts are refused (without ``error``) is a mistake in the test file:
its problems are printed as ``file:line:col: message`` and the run exits 2.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema, model_validator

from qualscore.analyst.coverage import (
    Key,
    reached,
)
from qualscore.errors import (
    CohortError,
    EvaluationError,
    FactsError,
    Problem,
    SourceError,
)
from qualscore.facts.check import PROVENANCE, Facts, check_facts_document, check_number, load_facts
from qualscore.ruleset.loader import RuleSet
from qualscore.ruleset.model import Indicator
from qualscore.scoring.engine import evaluate
from qualscore.scoring.together import evaluate_cohort
from qualscore.scoring.trace import NodeResult, Result
from qualscore.scoring.words import fmt
from qualscore.source import yamlfile as _yaml
from qualscore.source.files import write_atomic
from qualscore.source.suggest import MAX_SEARCHES, Suggestions

__all__ = ["CaseFile", "RuleCase", "Update", "apply_updates", "load_suites", "run"]

TESTS = "tests"

Loc = tuple[str | int, ...]
FactValue = Annotated[
    Any, WithJsonSchema({"type": ["boolean", "number", "string", "null", "object", "array"]})
]  # an object: the ``judged`` block, or a fact with where it came from; an array: a list
Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleCase(_Model):
    """One case: facts, and the scores they must give (or the error they must raise)."""

    name: Text
    base: Text | None = None
    facts: dict[str, FactValue] = {}
    expect: dict[str, Decimal] = {}
    total: Decimal | None = None
    result: Literal["scored", "vetoed"] | None = None
    grade: Text | None = None
    verdict: Text | None = None
    """The scheme's verdict, in its words (达标 / 未达标)."""
    met: dict[str, bool | None] = {}
    """Each node's verdict by id: true (met), false (not met), null (it does not apply)."""
    values: dict[str, FactValue] = {}
    """Named values and the aggregates of lists, by key: a number, true or false (null:
    it has none, a mean of no record)."""
    error: Text | None = None
    cohort: dict[str, FactValue] | None = None
    """The entity's cohort values, given (a rule set that scores entities together)."""
    entities: dict[str, dict[str, FactValue]] | None = None
    """Several entities scored together (each over the case's facts): ranks, means …"""
    each: dict[str, dict[str, Decimal]] = {}
    """With ``entities``: the scores each entity must get (``total`` for its total)."""

    @model_validator(mode="after")
    def _expects_something(self) -> RuleCase:
        if self.entities is not None and (self.expect or self.total is not None):
            raise ValueError("a case of several entities expects scores under each: ENTITY")
        unknown = [n for n in self.each if n not in (self.entities or {})]
        if unknown:
            raise ValueError(f"each: {unknown[0]!r} is not one of the case's entities")
        scores = (
            bool(self.expect)
            or bool(self.each)
            or self.total is not None
            or self.result is not None
            or self.grade is not None
            or self.verdict is not None
            or bool(self.met)
            or bool(self.values)
        )
        if self.error is not None and scores:
            raise ValueError("a case that expects an error expects no scores")
        if self.error is None and not scores:
            raise ValueError(
                "a case must expect something: expect, total, result, grade, verdict, met, "
                "values or error"
            )
        return self


class CaseFile(_Model):
    """A file of cases, with a base facts file and facts shared by its cases."""

    base: Text | None = None
    facts: dict[str, FactValue] = {}
    cases: tuple[RuleCase, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Suite:
    """One test file, read and checked against the rule set."""

    doc: _yaml.Document
    spec: CaseFile
    folder: Path


@dataclass(frozen=True)
class Failure:
    """An expectation that did not hold."""

    where: str
    case: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: FAIL {self.case}: {self.message}"


@dataclass
class Report:
    """What a run found."""

    cases: int = 0
    refused: int = 0
    failed: set[tuple[str, str]] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    hit: set[Key] = field(default_factory=set)
    updates: list[Update] = field(default_factory=list)
    """Each failed expectation's value as the rules give it now (``--update``)."""


# --- reading ------------------------------------------------------------------------


def load_suites(ruleset: RuleSet, paths: list[str]) -> list[Suite]:
    """Read and check the test files in ``paths`` (files, or folders of ``*.yaml``).

    Raises:
        SourceError: every problem in every file, each with its place.
    """
    problems: list[Problem] = []
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        found = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        if not found or (not path.is_dir() and not path.exists()):
            what = "no test files (*.yaml)" if path.is_dir() else "no such file or folder"
            problems.append(Problem(given.rstrip("/"), 0, 0, what))
        files.extend(f for f in found if f.exists())
    # Every file's unknown names share one bound a kind: MAX_SEARCHES searches in all.
    nodes = Suggestions(_node_ids(ruleset), searches=MAX_SEARCHES)
    keys = Suggestions({*CaseFile.model_fields, *RuleCase.model_fields}, searches=MAX_SEARCHES)
    suites = []
    for file in files:
        try:
            doc = _yaml.load(file)
        except SourceError as exc:
            problems.extend(exc.problems)
            continue
        suite = _suite(ruleset, doc, file.parent, problems, nodes=nodes, keys=keys)
        if suite is not None:
            suites.append(suite)
    if problems:
        raise SourceError(problems)
    return suites


def _suite(
    ruleset: RuleSet,
    doc: _yaml.Document,
    folder: Path,
    problems: list[Problem],
    *,
    nodes: Suggestions,
    keys: Suggestions,
) -> Suite | None:
    """One test file read and checked, or None with its problems added to ``problems``;
    ``nodes`` and ``keys`` suggest a node and a key for an unknown one."""
    if not isinstance(doc.data, dict):
        problems.append(doc.problem((), "a test file must be a mapping with 'cases'"))
        return None
    try:
        spec = CaseFile.model_validate(doc.data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # A list whose elements failed is also reported "too short": keep only the cause.
        locs = [tuple(e["loc"]) for e in errors]
        problems.extend(
            _problem(doc, e, keys)
            for e in errors
            if not (
                e["type"] == "too_short"
                and any(
                    c[: len(e["loc"])] == tuple(e["loc"]) and c != tuple(e["loc"]) for c in locs
                )
            )
        )
        return None
    known = set(_node_ids(ruleset))
    seen: dict[str, int] = {}
    for i, case in enumerate(spec.cases):
        if case.name in seen:
            first = seen[case.name]
            message = f"cases[{i}].name: case {case.name!r} is named twice (first: cases[{first}])"
            problems.append(doc.problem(("cases", i, "name"), message))
        seen.setdefault(case.name, i)
        for key in case.expect:
            if key not in known:
                hint = nodes.hint(key)
                message = f"cases[{i}].expect: no item, indicator or category {key!r}{hint}"
                problems.append(doc.problem(("cases", i, "expect", key), message, key=True))
    return Suite(doc, spec, folder)


def _node_ids(ruleset: RuleSet) -> list[str]:
    ids = []
    for category in ruleset.categories:
        ids.append(category.id)
        for child in category.items:
            ids.append(child.id)
            if isinstance(child, Indicator):
                ids.extend(i.id for i in child.items)
    return ids + (["bonus"] if ruleset.manifest.bonus is not None else [])


def _problem(doc: _yaml.Document, error: Any, keys: Suggestions) -> Problem:
    """One pydantic error as a problem; ``keys`` suggests a key for an unknown one."""
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        hint = keys.hint(str(loc[-1]))
        return _at(doc, loc, f"unknown key {loc[-1]!r}{hint}", key=True)
    if error["type"] == "missing":
        return _at(doc, loc[:-1], f"missing key {loc[-1]!r}")
    message = str(error["msg"]).removeprefix("Value error, ")
    return _at(doc, loc, message[:1].lower() + message[1:])


def _at(doc: _yaml.Document, loc: tuple[Any, ...], message: str, *, key: bool = False) -> Problem:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    return doc.problem(loc, f"{path}: {message}" if path else message, key=key)


# --- running ------------------------------------------------------------------------


def run(ruleset: RuleSet, suites: list[Suite]) -> Report:
    """Run every case of every suite; collect failures, refusals and the branches reached."""
    report = Report()
    bases: dict[Path, Facts] = {}
    for suite in suites:
        for i, case in enumerate(suite.spec.cases):
            report.cases += 1
            _run_case(ruleset, suite, i, case, bases, report)
    return report


def _run_case(
    ruleset: RuleSet, suite: Suite, i: int, case: RuleCase, bases: dict[Path, Facts], report: Report
) -> None:
    doc, here = suite.doc, ("cases", i)
    if case.entities is not None:
        _run_cohort_case(ruleset, suite, i, case, bases, report)
        return
    try:
        result = evaluate(ruleset, _facts(ruleset, suite, i, case, bases), cohort=case.cohort)
    except (FactsError, EvaluationError, CohortError) as exc:
        text = str(exc)
        if case.error is not None and case.error in text:
            return
        if case.error is None and isinstance(exc, FactsError | CohortError):
            report.errors.extend(exc.problems)
            report.refused += 1
        elif case.error is None:
            _fail(report, doc, here, case.name, f"scoring failed: {text}")
        else:
            got = " / ".join(text.splitlines())
            _fail(
                report,
                doc,
                (*here, "error"),
                case.name,
                f"expected an error with {case.error!r}, got: {got}",
            )
        return
    if case.error is not None:
        message = f"expected an error with {case.error!r}, but the facts were scored"
        _fail(report, doc, (*here, "error"), case.name, message)
        return
    report.hit |= reached(ruleset, result)
    _compare(report, suite, i, case, result, ruleset)


def _run_cohort_case(
    ruleset: RuleSet, suite: Suite, i: int, case: RuleCase, bases: dict[Path, Facts], report: Report
) -> None:
    """Several entities scored together; each compared with what ``each`` expects."""
    doc, here = suite.doc, ("cases", i)
    entities = case.entities or {}
    try:
        facts = {
            name: _facts(ruleset, suite, i, case, bases, extra=(name, given))
            for name, given in entities.items()
        }
        scored = evaluate_cohort(ruleset, facts)
    except (FactsError, CohortError) as exc:
        text = str(exc)
        if case.error is not None and case.error in text:
            return
        if case.error is None:
            report.errors.extend(exc.problems)
            report.refused += 1
            return
        got = " / ".join(text.splitlines())
        message = f"expected an error with {case.error!r}, got: {got}"
        _fail(report, doc, (*here, "error"), case.name, message)
        return
    if scored.failed:
        name, why = next(iter(scored.failed.items()))
        if case.error is None or not any(case.error in w for w in why):
            _fail(report, doc, (*here, "entities", name), case.name, f"{name}: {why[0]}")
        return
    if case.error is not None:
        message = f"expected an error with {case.error!r}, but the entities were scored"
        _fail(report, doc, (*here, "error"), case.name, message)
        return
    for result in scored.values():
        report.hit |= reached(ruleset, result)
    for name, wanted in case.each.items():
        result = scored[name]
        scores = {**_scores(result), "total": result.total}
        for key, want in wanted.items():
            where = (*here, "each", name, key)
            if key not in scores:
                message = f"{name}: {key}: not scored for this entity (it does not apply to it)"
                _fail(report, doc, where, case.name, message)
            elif scores[key] != want:
                shown = "total" if key == "total" else _name(result, key)
                message = f"{name}: {shown}: expected {fmt(want)}, got {fmt(scores[key])}"
                _fail(report, doc, where, case.name, message, new=fmt(scores[key]))


def _compare(
    report: Report, suite: Suite, i: int, case: RuleCase, result: Result, ruleset: RuleSet
) -> None:
    doc, here = suite.doc, ("cases", i)
    scores = _scores(result)
    for key, want in case.expect.items():
        if key not in scores:
            message = f"{key}: not scored for this entity (it does not apply to it)"
            _fail(report, doc, (*here, "expect", key), case.name, message)
        elif scores[key] != want:
            message = f"{_name(result, key)}: expected {fmt(want)}, got {fmt(scores[key])}"
            _fail(report, doc, (*here, "expect", key), case.name, message, new=fmt(scores[key]))
    if case.total is not None and case.total != result.total:
        message = f"total: expected {fmt(case.total)}, got {fmt(result.total)}"
        _fail(report, doc, (*here, "total"), case.name, message, new=fmt(result.total))
    if case.result is not None and case.result != result.result:
        message = f"result: expected {case.result}, got {result.result}"
        _fail(report, doc, (*here, "result"), case.name, message, new=result.result)
    if case.grade is not None and case.grade != result.grade:
        message = f"grade: expected {case.grade}, got {result.grade}"
        _fail(report, doc, (*here, "grade"), case.name, message, new=_yaml_text(result.grade))
    if case.verdict is not None and case.verdict != result.verdict:
        message = f"verdict: expected {case.verdict}, got {result.verdict or 'none'}"
        new = _yaml_text(result.verdict)
        _fail(report, doc, (*here, "verdict"), case.name, message, new=new)
    judged = {n.id: n.met for n in result.judged()}
    for node, met in case.met.items():
        if node not in judged:
            message = f"met: {node!r} has no verdict here (or is no item, indicator or section)"
            _fail(report, doc, (*here, "met", node), case.name, message)
        elif judged[node] is not met:
            message = f"met: {node}: expected {_said(met)}, got {_said(judged[node])}"
            new = _yaml_text(judged[node])
            _fail(report, doc, (*here, "met", node), case.name, message, new=new)
    named = {v.key: v.value for v in result.values}
    declared = {v.key for v in ruleset.values} | {a.key for a in ruleset.aggregates}
    for name, wanted in case.values.items():
        where = (*here, "values", name)
        if name not in declared:
            hint = Suggestions(declared).hint(name)
            message = f"values: {name!r}: no named value or aggregate of that name{hint}"
            _fail(report, doc, where, case.name, message)
            continue
        if name not in named and wanted is not None:
            message = f"values: {name!r}: no named value or aggregate of that name has a value"
            _fail(report, doc, where, case.name, message)
            continue
        got = named.get(name)
        same = got is None if wanted is None else _same_value(got, wanted)
        if not same:
            message = f"values: {name}: expected {_said(wanted)}, got {_said(got)}"
            _fail(report, doc, where, case.name, message, new=_yaml_text(got))


def _same_value(got: Any, want: Any) -> bool:
    """Whether a value worked out is the one expected (a number by its value: 4 is 4.00)."""
    if isinstance(got, bool) or isinstance(want, bool):
        return got is want
    if isinstance(got, Decimal):
        number, _ = check_number(want)
        return number is not None and number == got
    return bool(got == want)


def _said(value: Any) -> str:
    """A value in a message: true, false, none, or the number as written."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return fmt(value) if isinstance(value, Decimal) else str(value)


def _fail(
    report: Report,
    doc: _yaml.Document,
    loc: Loc,
    case: str,
    message: str,
    *,
    new: str | None = None,
) -> None:
    """A failed expectation, at its place; ``new``: the value it should say instead, as
    YAML (for ``--update``), where the expectation is written in the test file itself."""
    line, col = doc.where(loc)
    report.failures.append(Failure(f"{doc.path}:{line}:{col}", case, message))
    report.failed.add((doc.path, case))
    if new is not None and doc.where(loc) != doc.where(loc[:-1]):  # written there itself
        report.updates.append(Update(doc.path, line, col, new))


def _yaml_text(value: Any) -> str:
    """A value as a YAML scalar: true, false, null, a number, or text (quoted when YAML
    would read it otherwise)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return fmt(value)
    text = str(value)
    plain = re.fullmatch(r"[^\s:#,\[\]{}'\"&*!|>%@`\-?][^:#,\[\]{}]*", text)
    words = ("true", "false", "null", "yes", "no", "on", "off")
    if plain and text.strip() == text and text.lower() not in words:
        return text
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True)
class Update:
    """A value a test file expects, to be replaced by what the rules give now."""

    path: str
    line: int
    col: int
    new: str


def apply_updates(updates: list[Update]) -> list[str]:
    """Write each new expected value over the old one, in place (the rest of each file
    as it is); one line per change, ``file:line:col: old → new``.

    Raises:
        SourceError: a test file that cannot be written, or changed since it was read.
    """
    said = []
    by_file: dict[str, list[Update]] = {}
    for update in updates:
        by_file.setdefault(update.path, []).append(update)
    for path, found in sorted(by_file.items()):
        lines = Path(path).read_text(encoding="utf-8").split("\n")
        for update in sorted(found, key=lambda u: (u.line, -u.col)):  # right to left
            text = lines[update.line - 1]
            start = update.col - 1
            end = _scalar_end(text, start)
            old = text[start:end]
            lines[update.line - 1] = text[:start] + update.new + text[end:]
            said.append(f"{path}:{update.line}:{update.col}: {old} → {update.new}")
        write_atomic(path, "\n".join(lines))
    return said


def _scalar_end(text: str, start: int) -> int:
    """Where the YAML scalar starting at ``start`` ends: its closing quote, or the first
    ``,``, ``}``, ``]`` or `` #`` after it, or the line's end (spaces before it dropped)."""
    if text[start : start + 1] in ("'", '"'):
        quote = text[start]
        end = text.find(quote, start + 1)
        while quote == "'" and end != -1 and text[end + 1 : end + 2] == "'":  # '' in '...'
            end = text.find(quote, end + 2)
        return len(text) if end == -1 else end + 1
    stops = [i for i in (text.find(c, start) for c in (",", "}", "]", " #")) if i != -1]
    end = min(stops, default=len(text))
    return len(text[:end].rstrip())


def _facts(
    ruleset: RuleSet,
    suite: Suite,
    i: int,
    case: RuleCase,
    bases: dict[Path, Facts],
    extra: tuple[str, dict[str, Any]] | None = None,
) -> Facts:
    """The case's facts: its base file's, then the file's shared facts, then its own.

    Each value is placed, for a message about it, where the test file gives it
    (a base file's values at the ``base:`` line).
    """
    doc = suite.doc
    base = case.base if case.base is not None else suite.spec.base
    data: dict[str, Any] = {}
    marks: dict[Loc, tuple[int, int]] = {(): doc.where(("cases", i))}
    keys: dict[Loc, tuple[int, int]] = {}
    if base is not None:
        path = (suite.folder / base).resolve()
        if path not in bases:
            bases[path] = load_facts(ruleset, suite.folder / base)
        worked = ruleset.list_of  # the aggregates of lists: worked out, not given
        data.update((k, v) for k, v in bases[path].values.items() if k not in worked)
        data.update(bases[path].reserved)  # entity, period, judged, and the lists as given
        for key, came in bases[path].provenance.items():  # where the base's facts came from
            said = {k: v for k, v in zip(PROVENANCE, came, strict=True) if v is not None}
            data[key] = {"value": data[key], **said}
        at = doc.where(("cases", i, "base") if case.base is not None else ("base",))
        marks.update({(k,): at for k in data})
        keys.update({(k,): at for k in data})
    layers: list[tuple[Loc, dict[str, Any]]] = [
        (("facts",), suite.spec.facts),
        (("cases", i, "facts"), case.facts),
    ]
    if extra is not None:  # one of several entities: its own facts over the case's
        layers.append((("cases", i, "entities", extra[0]), extra[1]))
        if ruleset.manifest.groups and "entity" not in extra[1]:
            data["entity"] = extra[0]
    for loc, given in layers:
        judged = data.get("judged")
        was = {k: data[k] for k in given if isinstance(data.get(k), dict) and k != "judged"}
        data.update(given)
        for key, fact in was.items():  # a new value keeps where the fact came from; a
            new = given[key]  # mapping changes what it says (evidence: null: none)
            data[key] = {**fact, **new} if isinstance(new, dict) else {**fact, "value": new}
        if isinstance(judged, dict) and isinstance(given.get("judged"), dict):
            data["judged"] = {**judged, **given["judged"]}  # a case judges some items anew
        marks.update({(k,): doc.where((*loc, k)) for k in given})
        keys.update({(k,): doc.where((*loc, k), key=True) for k in given})
    return check_facts_document(ruleset, data, _yaml.Document(doc.path, data, marks, keys))


def _scores(result: Result) -> dict[str, Decimal]:
    scores: dict[str, Decimal] = {}

    def walk(node: NodeResult) -> None:
        scores[node.id] = node.score
        for child in node.children:
            if isinstance(child, NodeResult):
                walk(child)
            else:
                scores[child.id] = child.score

    for category in result.categories:
        walk(category)
    if result.bonus is not None:
        scores["bonus"] = result.bonus.score
    return scores


def _name(result: Result, key: str) -> str:
    for category in result.categories:
        if category.id == key:
            return f"category {key}"
        for child in category.children:
            if child.id == key and isinstance(child, NodeResult):
                return f"indicator {key}"
    return "bonus" if key == "bonus" else f"item {key}"


# --- the command --------------------------------------------------------------------


def min_coverage(text: str) -> Decimal:
    """``--min-coverage``: a percentage from 0 to 100."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be a percentage from 0 to 100, not {text}")
    return value
