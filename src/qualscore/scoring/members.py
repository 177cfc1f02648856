"""Sub-entities: each member of a list scored by its own rule set, then aggregated.

A list declared with ``rules: FOLDER`` holds sub-entities (a county's schools):
each member's facts were checked against that rule set (:class:`~qualscore.facts.check.Member`).
Before the entity is scored, :func:`values_for` scores every member
(:func:`qualscore.scoring.plan.Plan.score`), makes of each a record of what the
list's formulas may read (its facts, its named values, the score, verdict and
applicability of the nodes they name, its ``name`` and ``part``), and works out
the list's aggregates over those records with the one function every list uses
(:func:`qualscore.facts.lists.work`): a mean, a coefficient of variation, the
share of schools meeting a standard. The entity's generated code then reads the
aggregates like facts. Reports get each member's result (:class:`MemberResult`),
with what it failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from qualscore._decimal import MODES
from qualscore.errors import EvaluationError
from qualscore.facts.check import MEMBERS_KEY, RECORDS_KEY, Facts, Member
from qualscore.facts.lists import ListProblem, Record, work
from qualscore.ruleset.cohort import TOTAL
from qualscore.ruleset.formula import Value, node_key
from qualscore.ruleset.loader import RuleSet, record_fields
from qualscore.ruleset.model import SUB_NAME, SUB_PART, Indicator, ListDecl, formulas_in
from qualscore.ruleset.reads import SCHEME
from qualscore.scoring.plan import Scores, plan
from qualscore.scoring.trace import MemberResult

__all__ = ["MEMBERS_KEY", "member_results", "values_for"]

def values_for(ruleset: RuleSet, facts: Facts) -> Mapping[str, Any]:
    """What the engine runs on for ``facts``: their values and, for a rule set with lists
    of sub-entities, each member scored and each such list's aggregates worked out.

    Raises:
        EvaluationError: a member's formula failed, or an aggregate cannot be worked out
            (a weighted group with no member), the member or the list named.
    """
    values = facts.run_values
    lists = [d for d in ruleset.lists if d.sub]
    if not lists:
        return values
    out = dict(values)
    records = dict(out.get(RECORDS_KEY) or {})
    scored: dict[str, tuple[tuple[Member, Scores], ...]] = {}
    mode = MODES[ruleset.manifest.rounding.mode]
    for decl in lists:
        sub = ruleset.subsets[decl.key]
        nodes = sorted({n for f in formulas_in(decl) for n in f.nodes})
        found = []
        for member in facts.members.get(decl.key, ()):
            try:
                scores = plan(sub).score(member.facts.run_values)
            except EvaluationError as exc:
                raise EvaluationError(
                    decl.key, f"{member.shown}: {exc}", what="list of sub-entities"
                ) from exc
            found.append((member, scores))
        scored[decl.key] = tuple(found)
        made = tuple(_record(sub, member, scores, nodes) for member, scores in found)
        records[decl.key] = made
        fields = record_fields(decl, sub)
        for aggregate in decl.aggregates:
            try:
                done = work(decl, aggregate, made, facts.values, mode, fields)
            except ListProblem as exc:
                raise EvaluationError(aggregate.key, str(exc), what="aggregate") from exc
            if done.value is not None:
                out[aggregate.key] = done.value
    out[RECORDS_KEY] = MappingProxyType(records)
    out[MEMBERS_KEY] = MappingProxyType(scored)
    return out


def _record(
    sub: RuleSet, member: Member, scores: Scores, nodes: list[tuple[str, str]]
) -> Record:
    """What a list's formulas read of one member: its facts, its named values, the nodes
    they name, its name and part."""
    reading: dict[str, Value] = dict(member.facts.values)
    reading.update((k, v) for k, v in scores.values.items() if v is not None)
    reading[SUB_NAME] = member.name
    reading[SUB_PART] = member.part or ""
    for function, node in nodes:
        reading[node_key(function, node)] = _read(sub, scores, function, node)
    return Record(MappingProxyType(reading), None, member.shown)


def _read(sub: RuleSet, scores: Scores, function: str, node: str) -> Value:
    """``score``, ``met`` or ``applies`` of one of a member's nodes, as its own rule set's
    formulas would read it."""
    if function == "met":  # met('total'): the member's own verdict, its scheme's
        return bool(scores.verdicts.get(SCHEME if node == TOTAL else node))
    if function == "score":
        if node == TOTAL:
            return scores.total
        return scores.items[node] if node in scores.items else scores.nodes[node]
    items = _items_under(sub, node)
    return any(i not in scores.not_applicable for i in items)


def _items_under(sub: RuleSet, node: str) -> list[str]:
    """The ids of the items at or under ``node``."""
    found: list[str] = []
    for category in sub.categories:
        inside = category.id == node
        for child in category.items:
            ids = [i.id for i in child.items] if isinstance(child, Indicator) else [child.id]
            if inside or child.id == node:
                found.extend(ids)
            else:
                found.extend(i for i in ids if i == node)
    if node == "bonus" and sub.manifest.bonus is not None:
        found.append("bonus")
    return found


def member_results(
    ruleset: RuleSet, values: Mapping[str, Any]
) -> dict[str, tuple[MemberResult, ...]]:
    """Each list of sub-entities' members as reports show them (none: no such list)."""
    scored = values.get(MEMBERS_KEY)
    if not scored:
        return {}
    out: dict[str, tuple[MemberResult, ...]] = {}
    for decl in ruleset.lists:
        if decl.key in scored:
            sub = ruleset.subsets[decl.key]
            out[decl.key] = tuple(_member(decl, sub, m, s) for m, s in scored[decl.key])
    return out


def _member(decl: ListDecl, sub: RuleSet, member: Member, scores: Scores) -> MemberResult:
    from qualscore.scoring.plan import possible
    from qualscore.scoring.words import words

    said = words(sub.manifest.language)
    titles = {i.id: i.title for i in sub.items()}
    verdict = sub.manifest.verdict
    met = scores.verdicts.get("") if verdict is not None else None
    if verdict is not None:
        labels = verdict.labels or (said["verdict_met"], said["verdict_not_met"])
        shown: str | None = said["na"] if met is None else labels[0] if met else labels[1]
    else:
        shown = None
    judged = [i for i in titles if i in scores.verdicts]
    if judged:
        failed = [(i, titles[i]) for i in judged if scores.verdicts.get(i) is False]
    else:
        full = {i.id: i.points for i in sub.items() if i.points is not None}
        failed = [(i, titles[i]) for i, v in scores.items.items()
                  if i in full and v < full[i] and i not in scores.not_applicable]  # fmt: skip
    return MemberResult(decl.key, decl.label, member.shown, scores.total, possible(sub), shown,
                        met, tuple(failed))  # fmt: skip
