"""A user's script, type-checked with ``mypy --strict`` by ``make check``: the package
ships ``py.typed``, so every name below has a type and a mistake is caught."""

from __future__ import annotations

import json
from decimal import Decimal

import qualscore


def main() -> None:
    rules: qualscore.RuleSet = qualscore.load_rules("rules/rugao-2018")
    facts: qualscore.Facts = qualscore.load_facts(rules, "examples/rugao-2018/city-sample.yaml")
    result: qualscore.Result = qualscore.evaluate(rules, facts)
    total: Decimal = result.total
    ids: list[str] = [item.id for item in result.items]
    text: str = result.explain(ids[0])
    data: dict[str, object] = result.to_dict()
    scores: qualscore.Scores = qualscore.score(rules, facts)
    print(total, text, json.dumps(data, ensure_ascii=False)[:40], scores.total)
    try:
        qualscore.evaluate(rules, {"no_such_fact": 1})
    except qualscore.FactsError as error:
        for problem in error.problems:
            print(problem.line, problem.message)


if __name__ == "__main__":
    main()
