"""The exception tree of qualscore.

Every error a user can cause derives from :class:`QualscoreError` and knows
where it happened::

    QualscoreError
    ├── SourceError            one or more problems in files, each file:line:col
    │   ├── RuleSetError       a rule set that cannot be loaded
    │   ├── FactsError         a facts file that does not fit the declarations
    │   └── CohortError        cohort values that cannot be computed or were not given
    └── EvaluationError        a formula that failed at run time (names the rule)

A :class:`SourceError` carries every :class:`Problem` found, so that a user
sees all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CohortError",
    "EvaluationError",
    "FactsError",
    "Problem",
    "QualscoreError",
    "RuleSetError",
    "SourceError",
]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at one place in a file.

    Attributes:
        path: The file, as the user named it.
        line: 1-based line, 0 when the problem concerns the whole file.
        col: 1-based column, 0 when unknown.
        message: What is wrong, lowercase, without a trailing period.
    """

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        # One problem, one line, whatever a message echoes back from the input.
        message = self.message.replace("\r", "\\r").replace("\n", "\\n")
        if self.line:
            return f"{self.path}:{self.line}:{self.col}: {message}"
        return f"{self.path}: {message}"


class QualscoreError(Exception):
    """The root of every error qualscore raises on purpose."""


class SourceError(QualscoreError):
    """Problems in input files, all reported at once, sorted by place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class RuleSetError(SourceError):
    """A rule set that cannot be loaded."""


class FactsError(SourceError):
    """A facts file that does not fit the rule set's declarations."""


class CohortError(SourceError):
    """Cohort values that cannot be computed (too few entities) or were not given.

    Each problem is placed at the cohort value's declaration in ``facts.yaml``.
    """


class EvaluationError(QualscoreError):
    """A rule that failed while scoring (for example a division by zero)."""

    def __init__(self, rule_id: str, message: str, *, what: str = "item") -> None:
        self.rule_id = rule_id
        self.message = message
        super().__init__(f"{what} {rule_id}: {message}")
