"""Attacks on the core: names, the decimal context, facts from another rule set, limits."""

from __future__ import annotations

import decimal
import os
import shutil
from pathlib import Path
from typing import Any

import qualscore
from qualscore.errors import FactsError
from qualscore.ruleset.formula import Formula

from . import ROOT, attack, run

RUGAO = ROOT / "rules/rugao-2018"
CITY = ROOT / "examples/rugao-2018/city-sample.yaml"
DEMO = ROOT / "examples/demo"


def _demo(tmp: Path) -> Path:
    rules = tmp / "demo"
    shutil.copytree(DEMO, rules)
    return rules


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@attack("facts named like the engine's own names (_k2, _v, _f0, _w) change no result")
def attack_fact_named_like_a_constant(tmp: Path) -> None:
    plain = qualscore.load_rules(DEMO)
    county = DEMO / "facts/good-county.yaml"
    expected = qualscore.evaluate(plain, qualscore.load_facts(plain, county))
    rules = _demo(tmp)
    names = ("_k2", "_k3", "_v", "_f0", "_w", "_add")
    declared = "".join(f"  - {{key: {n}, type: count, label: shadow {n}}}\n" for n in names)
    _edit(rules / "facts.yaml", "facts:\n", "facts:\n" + declared)
    # A check whose constants would be shadowed (999 for 0, 1 or 2) if facts were variables.
    shadow_check = "  - when: committee_meetings * 0 + 1 + 2 == 3\n    message: shadowed\n"
    _edit(rules / "facts.yaml", "checks:\n", "checks:\n" + shadow_check)
    facts_file = rules / "facts/good-county.yaml"
    given = "".join(f"{n}: 999\n" for n in names)
    facts_file.write_text(facts_file.read_text(encoding="utf-8") + given, encoding="utf-8")
    shadowed = qualscore.load_rules(rules)
    facts = qualscore.load_facts(shadowed, facts_file)
    got = qualscore.evaluate(shadowed, facts)
    assert got.total == expected.total, f"total {got.total}, not {expected.total}"
    assert qualscore.score(shadowed, facts).total == expected.total
    assert [i.score for i in got.items] == [i.score for i in expected.items]
    outcome = run(["evaluate", rules, facts_file, "--format", "json"])
    assert outcome.code == 0, outcome.err[:200]


@attack("the caller's decimal context (prec 3, an Inexact trap) does not change a total")
def attack_caller_decimal_context(tmp: Path) -> None:
    rules = qualscore.load_rules(RUGAO)
    facts = qualscore.load_facts(rules, CITY)
    expected = qualscore.evaluate(rules, facts).total
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.traps[decimal.Inexact] = True
        ctx.rounding = decimal.ROUND_DOWN
        again = qualscore.load_rules(RUGAO)
        facts_again = qualscore.load_facts(again, CITY)
        assert qualscore.evaluate(again, facts_again).total == expected
        assert qualscore.score(again, facts_again).total == expected
        assert decimal.getcontext().prec == 3, "the caller's context was changed"


@attack("facts checked against one rule set are refused by another")
def attack_facts_of_another_rule_set(tmp: Path) -> None:
    rules = _demo(tmp)
    narrowed = _demo(tmp / "narrowed")
    _edit(narrowed / "facts.yaml", "unit: meetings}", "unit: meetings, max: 1}")
    loose = qualscore.load_rules(rules)
    strict = qualscore.load_rules(narrowed)
    facts = qualscore.load_facts(loose, rules / "facts/good-county.yaml")
    for fn in (qualscore.evaluate, qualscore.score):
        try:
            fn(strict, facts)
        except FactsError as exc:
            assert "checked against another rule set" in str(exc), str(exc)
        else:
            raise AssertionError(f"{fn.__name__} scored facts checked against another rule set")


@attack("evaluate() given a path instead of a loaded rule set says what it needs")
def attack_evaluate_given_a_path(tmp: Path) -> None:
    try:
        qualscore.evaluate(str(RUGAO), {})  # type: ignore[arg-type]
    except TypeError as exc:
        assert "load_rules" in str(exc), str(exc)
    else:
        raise AssertionError("evaluate() accepted a path")


@attack("a declared maximum of 1e30 meeting round_half_up(x, 12) and floor(x / 3) in lint")
def attack_lint_huge_range(tmp: Path) -> None:
    rules = _demo(tmp)
    _edit(
        rules / "categories/2-outcomes.yaml",
        "expr: (literacy_rate - 60) / 30 * 5",
        "expr: min(5, round_half_up(funding, 12) + floor(funding / 3))",
    )
    _edit(rules / "facts.yaml", "unit: thousand USD}", "unit: thousand USD, max: 1e30}")
    result = run(["validate", rules])
    assert result.code == 0, f"exit {result.code}: {result.err[:200]}"


@attack("a cross-fact check dividing by a fact that is 0 says it cannot be computed")
def attack_check_divides_by_zero(tmp: Path) -> None:
    rules = _demo(tmp)
    _edit(
        rules / "facts.yaml",
        "when: failed_samples_handled <= failed_samples",
        "when: failed_samples_handled / failed_samples <= 1",
    )
    county = rules / "facts/good-county.yaml"
    text = county.read_text(encoding="utf-8").splitlines()
    text = [
        f"{line.split(':')[0]}: 0"
        if line.startswith(("failed_samples:", "failed_samples_handled:"))
        else line
        for line in text
    ]
    county.write_text("\n".join(text) + "\n", encoding="utf-8")
    run(["evaluate", rules, county]).user_error("cannot be computed (division by zero)")


@attack("qualscore new on a folder with a symbolic link to /dev/zero refuses before copying")
def attack_new_follows_a_link_to_dev_zero(tmp: Path) -> None:
    rules = _demo(tmp)
    (rules / "notes.txt").symlink_to("/dev/zero")
    target = tmp / "next"
    run(["new", rules, target, "--year", "2031"]).user_error("notes.txt", "a symbolic link")
    assert not target.exists(), "something was written"
    assert [p.name for p in tmp.iterdir() if p.name.startswith(".")] == [], "a stray staging folder"


@attack("qualscore new on a folder with a FIFO refuses before copying (the copy would block)")
def attack_new_meets_a_fifo(tmp: Path) -> None:
    rules = _demo(tmp)
    os.mkfifo(rules / "pipe")
    run(["new", rules, tmp / "next", "--year", "2031"]).user_error("pipe", "not a regular file")


@attack("validate with 5,000 cross-fact checks over a formula item's facts stays fast (linear)")
def attack_many_checks(tmp: Path) -> None:
    rules = _demo(tmp)
    checks = "".join(
        f"  - when: literacy_rate != {i}.5\n    message: check {i}\n" for i in range(5000)
    )
    _edit(rules / "facts.yaml", "checks:\n", "checks:\n" + checks)
    # Work counted, not seconds: every formula evaluated, checks and items alike. Trying
    # each check on each of an item's candidate facts was 4,096 evaluations a check.
    calls = [0]
    real = Formula.evaluate

    def counted(self: Formula, values: Any) -> Any:
        calls[0] += 1
        return real(self, values)

    Formula.evaluate = counted  # type: ignore[method-assign]
    try:
        result = run(["validate", rules])
    finally:
        Formula.evaluate = real  # type: ignore[method-assign]
    assert result.code == 0, result.err[:200]
    assert calls[0] <= 40 * 5000, f"{calls[0]:,} formula evaluations for 5,000 checks"


@attack("evaluate: a veto reading a target left blank is one line naming the target, not a crash")
def attack_veto_reads_blank_target(tmp: Path) -> None:
    rules = _demo(tmp)
    _edit(
        rules / "ruleset.yaml",
        "    when: major_outbreak_concealed\n",
        "    when: major_outbreak_concealed or training_hours < training_hours_target\n",
    )
    county = rules / "facts/good-county.yaml"
    lines = county.read_text(encoding="utf-8").splitlines()
    lines = [
        "training_hours_target: null" if line.startswith("training_hours_target:") else line
        for line in lines
    ]
    county.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run(["evaluate", rules, county]).user_error(
        "good-county.yaml:", "training_hours_target: blank, but veto 'veto' reads it"
    )


@attack("a cross-fact check reading an undeclared fact is reported, not an empty error")
def attack_check_reads_an_undeclared_fact(tmp: Path) -> None:
    rules = tmp / "rules"
    shutil.copytree(RUGAO, rules)
    _edit(
        rules / "facts.yaml",
        "  - {key: first_class_ports, type: count,",
        "  - {key: x_ports, type: count,",
    )
    run(["validate", rules]).user_error(
        "facts.yaml:145:11: checks[0].when: unknown name 'first_class_ports'"
    )
