"""Immutable records of what happened while scoring: the explanation trace.

The per-item records are named tuples rather than frozen dataclasses: the same
immutability, at a fraction of the cost to build, which matters when a batch
builds hundreds of them per entity.

The engine builds them; the renderers in :mod:`qualscore.report` turn them
into words, tables, JSON and HTML. They hold values only, no behaviour beyond
small conveniences.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, Literal, NamedTuple, TypeVar

from qualscore.facts.check import Deferred, Provenance
from qualscore.facts.lists import ListWorking
from qualscore.ruleset.formula import Value

__all__ = [
    "BandTrace",
    "CasesTrace",
    "CohortEntry",
    "DeductionsTrace",
    "FormulaTrace",
    "Input",
    "ItemResult",
    "Items",
    "JudgedTrace",
    "NodeResult",
    "PartTrace",
    "PartsTrace",
    "RankTrace",
    "Result",
    "ShapeTrace",
    "StepTrace",
    "TargetTrace",
    "TiersTrace",
    "VetoResult",
]


class Input(NamedTuple):
    """A fact an item read, with its value."""

    key: str
    label: str
    value: Value
    unit: str | None
    provenance: Provenance | None = None
    """Where the fact came from (its supplier, evidence and note), where said."""
    words: str | None = None
    """For a choice fact whose value has words (``choice_labels``): those words (优秀)."""


class Judgement(NamedTuple):
    """How a node's verdict was decided: its condition as written and what it read."""

    expr: str
    inputs: tuple[Input, ...]
    """The facts, values and node reads its condition read, with their values."""


class NamedValue(NamedTuple):
    """A named value as worked out for one entity: its expression and what it read."""

    key: str
    label: str
    value: Value | None
    """Its value; None only for an aggregate of no record (a mean of none)."""
    unit: str | None
    expr: str
    inputs: tuple[Input, ...]
    """The facts, values and node reads its expression read, with their values."""
    cell: tuple[Input, ...] | None = None
    """For a lookup table: the row's (and the column's) choice that picked its cell."""
    records: ListWorking | None = None
    """For an aggregate of a list: how it was worked out, record by record."""


class PartTrace(NamedTuple):
    """One checklist part: what it checked and what it awarded."""

    label: str
    points: Decimal
    departments: tuple[str, ...]
    kind: Literal["when", "each", "score"]
    awarded: Decimal
    held: bool | None = None
    units: Decimal | None = None
    inner: ShapeTrace | None = None
    capped: bool = False
    expr: str | None = None
    """The ``when`` or ``each`` expression as written (an explanation works it through)."""


class PartsTrace(NamedTuple):
    """A checklist."""

    parts: tuple[PartTrace, ...]
    value: Decimal


class BandTrace(NamedTuple):
    """One band of a tier table, as written."""

    label: str
    points: Decimal
    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool


class TiersTrace(NamedTuple):
    """A value placed in a band (``matched`` is None when none matched)."""

    expr: str
    input: Decimal
    better: Literal["higher", "lower"]
    bands: tuple[BandTrace, ...]
    matched: int | None
    otherwise_label: str | None
    value: Decimal
    label: str | None = None
    unit: str | None = None


class CasesTrace(NamedTuple):
    """The first condition that held (``matched`` is None when none did)."""

    labels: tuple[str, ...]
    points: tuple[Decimal, ...]
    matched: int | None
    otherwise_label: str | None
    value: Decimal
    conditions: tuple[str, ...] = ()
    """Each case's condition as written (an explanation works them through)."""


class StepTrace(NamedTuple):
    """One deduction step and what it took."""

    label: str
    kind: Literal["unless", "when", "per"]
    points: Decimal
    applied: bool
    deducted: Decimal
    units: Decimal | None = None
    capped: bool = False
    expr: str | None = None
    """The ``unless``/``when``/``per`` expression as written."""
    value: Decimal | None = None
    """``per``: the expression's value (the shortfall) before units are counted."""
    every: Decimal | None = None
    """``per``: the size of one unit (None: the value itself is the count)."""
    most: Decimal | None = None
    """``per``: the most the step may deduct (``max``)."""
    counted: Literal["whole", "started"] | None = None
    """``per`` with a unit size: whether only whole units count (12 in units of 5: 2) or
    a started unit counts whole (3)."""


class DeductionsTrace(NamedTuple):
    """Deductions from a starting value down to a floor."""

    start: Decimal
    steps: tuple[StepTrace, ...]
    floor: Decimal
    floored: bool
    value: Decimal


class FormulaTrace(NamedTuple):
    """A free expression and its value."""

    expr: str
    value: Decimal
    label: str | None = None


class TargetTrace(NamedTuple):
    """An actual value against its target; ``shortfall`` is how far from met (0 when met)."""

    actual_expr: str
    actual: Decimal
    target_expr: str
    target: Decimal
    met_when: Literal["at_least", "above", "below", "at_most"]
    met: bool
    shortfall: Decimal
    value: Decimal


class JudgedTrace(NamedTuple):
    """Points an assessor awarded (``judged`` False: the declared default applied)."""

    judged: bool
    score: Decimal
    points: Decimal
    reason: str | None
    evidence: str | None
    assessor: str | None
    deduction: Decimal | None
    value: Decimal
    label: str | None = None


class CohortEntry(NamedTuple):
    """One cohort value of one entity, and how it was worked out.

    ``own`` is the entity's own value that was ranked or compared (None when it
    has none, or the value was given); ``size`` how many entities the value was
    computed over (``entities`` names them in a :class:`CohortSummary`); ``tied``
    how many share the entity's rank, itself included; ``best`` and ``leaders``
    the best value and who holds it (ranks and shares).
    """

    key: str
    label: str
    stat: str
    value: Decimal
    own: Decimal | None
    size: int
    scope: str
    tied: int = 1
    best: Decimal | None = None
    leaders: tuple[str, ...] = ()
    unit: str | None = None
    given: bool = False
    scored: bool = False
    """The values compared are a node's scores (``score:``), not a formula's values."""
    places: int | None = None
    """The places the value was rounded to (its declaration's ``places``): what it is shown to."""
    left_out: int = 0
    """How many entities of the scope have no value (the node does not apply to them, a
    blank target): in no rank, mean or count."""
    weight: Decimal | None = None
    """The entity's own weight in a weighted mean."""
    working: tuple[tuple[str, Decimal], ...] = ()
    """How a sum, spread, weighted mean or count_if was worked out, each ``(name, value)``
    (:class:`~qualscore.language.statistics.Worked`; ``unrounded``: the value before its
    ``places``); ``own`` of a count_if is 1 where its condition holds for the entity, 0
    where not."""


class RankTrace(NamedTuple):
    """Points by rank: the entity's rank, the table's row it matched (None: beyond it)."""

    rank: Decimal
    matched: int | None
    points: tuple[Decimal, ...]
    value: Decimal
    key: str
    """The cohort value read as the rank (its details are in ``Result.cohort``)."""
    label: str | None = None


ShapeTrace = (
    PartsTrace
    | TiersTrace
    | CasesTrace
    | DeductionsTrace
    | FormulaTrace
    | TargetTrace
    | JudgedTrace
    | RankTrace
)


class ItemResult(NamedTuple):
    """The score of one item (or the bonus), with its whole explanation.

    ``raw`` is the shape's value before the item's clamp to [0, points] and
    rounding; ``clamped`` says the clamp changed it. ``points`` is None for an item
    with ``points: none``: no cap (in a penalty section, no most deduction).
    """

    id: str
    title: str
    section: str | None
    points: Decimal | None
    score: Decimal
    departments: tuple[str, ...]
    content: str | None
    criteria: str
    responsible: str | None
    inputs: tuple[Input, ...]
    shape: ShapeTrace | None
    not_applicable: str | None
    raw: Decimal
    clamped: bool
    floor: Decimal | None = Decimal(0)
    role: Literal["score", "bonus", "penalty"] = "score"
    assessing: str | None = None
    cohort: tuple[CohortEntry, ...] = ()
    """The cohort values among its inputs, with how each was worked out."""
    verdict: str | None = None
    """Its verdict in words (达标 / 未达标), if it has one; None if it does not apply."""
    met: bool | None = None
    """Whether its verdict is met (None: no verdict, or it does not apply)."""
    assessing_parts: tuple[tuple[str, str], ...] = ()
    """Its parts that name the department assessing them: ``(label, department)``."""
    judgement: Judgement | None = None
    """How its verdict was decided (None: no verdict, or it does not apply)."""
    missing_evidence: tuple[tuple[str, str], ...] = ()
    """The evidence it must have and lacks, ``(key, label)`` each (a fact's key, or
    ``judged:KEY`` for an assessors' judgement): it scores 0 for lacking it."""

    @property
    def lost(self) -> Decimal:
        """Points not earned; in a penalty section, the points deducted; none when the item
        does not apply (not applicable is not lost), nor when it has no cap (nothing is
        out of reach, so nothing is lost: :attr:`bounded`)."""
        if self.not_applicable is not None:
            return Decimal(0)
        if self.role == "penalty":
            return -self.score
        return Decimal(0) if self.points is None else self.points - self.score

    @property
    def bounded(self) -> bool:
        """Whether the item declares its points: ``points: none`` has no maximum to show
        and loses no points (a penalty item's deductions are still what it deducts)."""
        return self.points is not None

    @property
    def penalty(self) -> bool:
        """Whether this item deducts (a penalty section's item)."""
        return self.role == "penalty"


class NodeResult(NamedTuple):
    """An indicator or category: the capped sum of its children."""

    id: str
    title: str
    kind: Literal["indicator", "category"]
    points: Decimal
    children: tuple[NodeResult | ItemResult, ...]
    sum: Decimal
    score: Decimal
    role: Literal["score", "bonus", "penalty"] = "score"
    bounded: bool = True
    floor: Decimal | None = Decimal(0)
    criteria: str | None = None
    verdict: str | None = None
    """Its verdict in words (达标 / 未达标), if it has one; None if it does not apply."""
    met: bool | None = None
    """Whether its verdict is met (None: no verdict, or it does not apply)."""
    judgement: Judgement | None = None
    """How its verdict was decided (None: no verdict, or it does not apply)."""

    @property
    def capped(self) -> bool:
        """Whether the declared points (a penalty section's: its most deduction) cut the sum."""
        if self.role == "penalty":
            return self.bounded and self.sum < -self.points
        return self.bounded and self.sum > self.points

    @property
    def floored(self) -> bool:
        """Whether the node's floor lifted the children's sum."""
        return self.role != "penalty" and self.score > self.sum

    @property
    def lost(self) -> Decimal:
        """Points not earned; in a penalty section, the points deducted; less what items
        that do not apply leave unscored (not applicable is not lost)."""
        if self.role == "penalty":
            return -self.score
        if not self.bounded:
            return Decimal(0)
        unscored = sum(
            (
                i.points - i.score
                for i in self.items
                if i.not_applicable is not None and i.points is not None
            ),
            Decimal(0),
        )
        lost = self.points - self.score - max(unscored, Decimal(0))
        return max(lost, Decimal(0)) if unscored else self.points - self.score

    @property
    def items(self) -> Items:
        """Every item below this node, in order."""
        out: list[ItemResult] = []
        for child in self.children:
            out.extend(child.items if isinstance(child, NodeResult) else (child,))
        return Items(out)


class VetoResult(NamedTuple):
    """Whether a veto condition held, what it read and what it does when it holds.

    ``applies`` False: its ``applies_to`` leaves the entity out; it did not hold and read
    nothing. ``absent``: the labels of values it reads that the entity has not (a rank
    it is not in): then it does not hold.
    """

    id: str
    title: str
    held: bool
    result: str | None
    inputs: tuple[Input, ...]
    applies: bool = True
    when: str = ""
    grade: str | None = None
    grade_at_most: str | None = None
    content: str | None = None
    criteria: str = ""
    departments: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    cohort: tuple[CohortEntry, ...] = ()
    """The cohort values among its inputs, with how each was worked out."""
    places: int = 2
    """The rule set's places: what the numbers of its working are shown to."""


T = TypeVar("T")

_PENDING: Any = object()
"""A lazy field of a :class:`Result` not expanded yet."""

Expansion = tuple[tuple[NodeResult, ...], ItemResult | None, tuple[VetoResult, ...]]


class _Later(Generic[T]):
    """A field of :class:`Result` that may be filled in when first read.

    :func:`qualscore.evaluate` runs the rules once, keeping compact records;
    the trace objects (and the words a report builds from them) are made from
    those records on first access, without running any rule again.
    """

    def __init__(self, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, obj: Result | None, owner: type | None = None) -> T:
        if obj is None:
            raise AttributeError(self.slot)
        value: T = obj.__dict__[self.slot]
        if value is _PENDING:
            obj._expand()
            value = obj.__dict__[self.slot]
        return value

    def __set__(self, obj: Result, value: T) -> None:
        obj.__dict__[self.slot] = value


class MemberResult(NamedTuple):
    """One sub-entity (a county's school) as scored by its list's rule set: its name (with
    its part), total, verdict, and what it failed: the items whose verdict is not met,
    or, in a scheme without verdicts, those that lost points (id, title)."""

    list_key: str
    list_label: str
    name: str
    total: Decimal
    possible: Decimal
    verdict: str | None
    met: bool | None
    failed: tuple[tuple[str, str], ...]


class Items(tuple[ItemResult, ...]):
    """The items of a result or a node, in order: a tuple.

    ``items`` was a method before it was a property; calling it, ``result.items()``,
    still gives the same tuple, with a :class:`DeprecationWarning`.
    """

    __slots__ = ()

    def __call__(self) -> Items:
        warnings.warn(
            "Result.items and NodeResult.items are properties: write .items, not .items()",
            DeprecationWarning,
            stacklevel=2,
        )
        return self


@dataclass(frozen=True)
class Result:
    """Everything :func:`qualscore.evaluate` found for one entity.

    ``categories``, ``bonus`` and ``vetoes`` may be expanded lazily from the
    engine's compact records (see :meth:`lazy`); reading them is the same either way.
    """

    ruleset_id: str
    title: str
    year: int
    language: str
    categories: tuple[NodeResult, ...]
    bonus: ItemResult | None
    vetoes: tuple[VetoResult, ...]
    total: Decimal
    possible: Decimal
    vetoed: bool
    result_label: str | None
    rules_sha256: str
    facts_sha256: str
    engine_version: str
    grade: str | None = None
    entity: str | None = None
    period: str | None = None
    cohort: Mapping[str, CohortEntry] = field(default_factory=dict)
    """The cohort values this entity was scored against, by key (none: no cohort)."""
    members: Mapping[str, tuple[MemberResult, ...]] = field(default_factory=dict)
    """Each list of sub-entities' members as scored, by the list's key (none: no such list)."""
    verdict: str | None = None
    """The scheme's verdict in words (达标 / 未达标), if it has one."""
    met: bool | None = None
    """Whether the scheme's verdict is met (None: the scheme has none)."""
    judgement: Judgement | None = None
    """How the scheme's verdict was decided (None: it has none)."""
    values: tuple[NamedValue, ...] = ()
    """The named values worked out for this entity, in declaration order (a value the
    entity has none of, reading a blank target, is left out)."""

    @classmethod
    def lazy(cls, expand: Callable[[], Expansion], **fields: Any) -> Result:
        """A result whose categories, bonus and vetoes ``expand()`` makes on first read."""
        result = cls(categories=_PENDING, bonus=_PENDING, vetoes=_PENDING, **fields)
        result.__dict__["_expander"] = expand
        return result

    def _expand(self) -> None:
        # Two threads may both expand: the same records give equal objects either way.
        expander = self.__dict__.get("_expander")
        if expander is None:  # another thread has just finished
            return
        categories, bonus, vetoes = expander()
        self.__dict__.update(_categories=categories, _bonus=bonus, _vetoes=vetoes)
        self.__dict__.pop("_expander", None)

    def __getstate__(self) -> dict[str, Any]:
        if "_expander" in self.__dict__:
            self._expand()
        return _FACTS_SHA256.resolved(self)

    def fingerprint_later(self, fingerprint: Callable[[], str]) -> Result:
        """This result (just made, not shared yet), its ``facts_sha256`` worked out by
        ``fingerprint()`` when first read: the facts' fingerprint costs nothing to a caller
        who never reads it."""
        _FACTS_SHA256.later(self, fingerprint)
        return self

    @property
    def result(self) -> str:
        """``"vetoed"`` when a veto held, else ``"scored"``."""
        return "vetoed" if self.vetoed else "scored"

    @property
    def items(self) -> Items:
        """Every item in order, the bonus last."""
        out: list[ItemResult] = []
        for category in self.categories:
            out.extend(category.items)
        if self.bonus is not None:
            out.append(self.bonus)
        return Items(out)

    def judged(self) -> tuple[NodeResult | ItemResult, ...]:
        """Every node and item with a verdict, in order (sections, then what is in them)."""
        out: list[NodeResult | ItemResult] = []

        def walk(node: NodeResult | ItemResult) -> None:
            if node.verdict is not None:
                out.append(node)
            if isinstance(node, NodeResult):
                for child in node.children:
                    walk(child)

        for category in self.categories:
            walk(category)
        return tuple(out)

    @property
    def has_points(self) -> bool:
        """False for a scheme judged only (达标制): nothing in it has points and the scheme
        or a node has a verdict. Its views show verdicts, no points and no total."""
        return self.possible != 0 or (self.verdict is None and not self.judged())

    def failed(self) -> tuple[NodeResult | ItemResult, ...]:
        """The nodes and items whose verdict is not met, in order."""
        return tuple(n for n in self.judged() if n.met is False)

    def item(self, item_id: str) -> ItemResult:
        """The item with this id.

        Raises:
            KeyError: no such item.
        """
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def explain(self, item_id: str, language: str | None = None) -> str:
        """How the item (or ``bonus``) came to its score, or whether the veto ``item_id``
        held and on what, line by line, as every view says it (in ``language``, default
        the rule set's).

        Raises:
            KeyError: no such item or veto.
        """
        # (the explanations read this module's types)
        from qualscore.scoring.explain import explain, explain_veto

        language = language or self.language
        veto = next((v for v in self.vetoes if v.id == item_id), None)
        if veto is not None and not any(i.id == item_id for i in self.items):
            return "\n".join(explain_veto(veto, language))
        return "\n".join(explain(self.item(item_id), language))

    def to_dict(self, language: str | None = None) -> dict[str, Any]:
        """The result as plain data: exactly what ``qualscore evaluate --format json``
        prints (numbers as exact decimal strings), in ``language`` (default the rule
        set's) for the engine's words.

        >>> json.dumps(result.to_dict(), ensure_ascii=False)  # doctest: +SKIP
        """
        # The output contract is built where the reports are; it reads this module.
        from qualscore.report.data import to_data

        return to_data(self, language or self.language)


# Installed after @dataclass made __init__ (which sets these through them): a field
# read goes through _Later, which expands pending records first.
for _name in ("categories", "bonus", "vetoes"):
    setattr(Result, _name, _Later[Any](_name))
_FACTS_SHA256 = Deferred("facts_sha256")
setattr(Result, "facts_sha256", _FACTS_SHA256)  # noqa: B010  # (mypy keeps the field's type)
