"""pydantic models of rule files. No I/O, and no validator built until one is used.

Expressions are compiled while a model is validated: the validation context
carries the declared types of facts (``{"types": {key: "bool"|"number"}}``),
so that a syntax error or an unknown name in a formula becomes a pydantic
error at the formula's own place in the file.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from qualscore.ruleset.codes import CODES, STALE
from qualscore.ruleset.formula import (
    Formula,
    FormulaError,
    Type,
    compile_formula,
)
from qualscore.source.suggest import hint

__all__ = [
    "MODEL_PARTS",
    "POINTS_TEXT",
    "Acknowledgement",
    "Aggregate",
    "Band",
    "Bonus",
    "Case",
    "CasesShape",
    "Category",
    "Check",
    "CohortDecl",
    "DeductionsShape",
    "Department",
    "DepartmentDecl",
    "DepartmentName",
    "EntityGroup",
    "FactDecl",
    "FactsFile",
    "FieldDecl",
    "FormulaShape",
    "Grade",
    "Indicator",
    "Item",
    "JudgedShape",
    "ListDecl",
    "Manifest",
    "NotApplicable",
    "Part",
    "PartsShape",
    "RankShape",
    "Rounding",
    "Shape",
    "Step",
    "Table",
    "TargetShape",
    "TiersShape",
    "ValueDecl",
    "Verdict",
    "Veto",
    "department_names",
    "formulas_in",
    "models_in",
]

MAX_CELLS = 2_000
"""Most cells a lookup table may have."""
MAX_CHOICES = 200
"""Most values a choice fact may list."""
MAX_CHOICE_TEXT = 200
"""Longest value of a choice fact, in characters (the language's longest text literal)."""

FACT_TYPES: dict[str, Type] = {
    "bool": "bool",
    "count": "number",
    "percent": "number",
    "rate": "number",
    "amount": "number",
    "number": "number",
    "choice": "text",
    "text": "text",
}


class _Strict(BaseModel):
    # defer_build: a model's validator is built when a rule file is first validated, not
    # on import, and then only the validators of the files' models (FactsFile, Manifest,
    # Category), each with its parts inline. A rule set rebuilt from the cache
    # (qualscore.ruleset.stored, model_construct) builds none. Nothing here may validate
    # at import (a default is constructed, not validated), nor call model_rebuild(): that
    # builds the validator at once, deferred or not (Part's forward reference to Shape is
    # resolved when Part is first built, from this module's namespace).
    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True
    )


def _compiler(want: Type | None) -> Any:
    """Compile an expression of type ``want`` (None: either type)."""

    def compile_(value: Any, info: ValidationInfo) -> Formula:
        if isinstance(value, Formula):  # compiled already (a lookup table's expression)
            return value
        if isinstance(value, bool) and want != "number":
            value = "true" if value else "false"
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValueError("must be an expression (a string)")
        types = (info.context or {}).get("types", {})
        try:
            formula = compile_formula(value, types)
        except FormulaError as exc:
            hint = ""
            if value.count("(") > value.count(")") and "," not in value:
                hint = (
                    "; in a {…} mapping a comma ends the value: quote the expression "
                    '(each: "max(0, n - 1)")'
                )
            raise ValueError(exc.message + hint) from None
        if want is not None and formula.type != want:
            noun = "a true/false condition" if want == "bool" else "a number"
            raise ValueError(f"must be {noun}, but {value.strip()!r} is not")
        return formula

    return BeforeValidator(compile_)


# WithJsonSchema: what ``qualscore schema`` says an expression is (its text, or a literal).
_BOOL_SCHEMA = {"type": ["string", "boolean"], "description": "a true/false expression"}
_NUM_SCHEMA = {"type": ["string", "number"], "description": "a number expression"}
BoolExpr = Annotated[Formula, _compiler("bool"), WithJsonSchema(_BOOL_SCHEMA)]
NumExpr = Annotated[Formula, _compiler("number"), WithJsonSchema(_NUM_SCHEMA)]
_ANY_SCHEMA = {"type": ["string", "number", "boolean"], "description": "an expression"}
AnyExpr = Annotated[Formula, _compiler(None), WithJsonSchema(_ANY_SCHEMA)]
Points = Annotated[Decimal, Field(ge=0, le=100000, allow_inf_nan=False)]
Signed = Annotated[Decimal, Field(ge=-100000, le=100000, allow_inf_nan=False)]
"""Points that may be negative: a deduction written as the source writes it (-5)."""


def _none_word(value: Any) -> Any:
    return None if isinstance(value, str) and value.strip().lower() == "none" else value


_FLOOR_SCHEMA = {
    "anyOf": [{"type": "number"}, {"type": "null"}, {"const": "none"}],
    "description": "the lowest score: a number (default 0), or none: no lower bound",
}
POINTS_TEXT = r"^\s*(\+?(\d+\.?\d*|\.\d+)|-(0+\.?0*|\.0+))([eE][-+]?\d+)?\s*$"
"""A decimal written as text that is not below 0 (``-0`` is not): points as a string."""
_CAP_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 100000},
        {"type": "string", "pattern": POINTS_TEXT},
        {"type": "null"},
        {"const": "none"},
    ],
    "description": "declared points, or none: no cap (a score section's points are a number)",
}
Floor = Annotated[Signed | None, BeforeValidator(_none_word), WithJsonSchema(_FLOOR_SCHEMA)]
"""The lowest a node may score: 0 (扣完为止, the default), a negative number, or ``none``."""
Cap = Annotated[Points | None, BeforeValidator(_none_word), WithJsonSchema(_CAP_SCHEMA)]
"""Declared points, or ``none``: no cap. An item, an indicator, the bonus or a bonus or
penalty section may have none; a score section may not (its points are what it can give)."""
Text = Annotated[str, Field(min_length=1)]
Ident = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
NodeId = Annotated[str, Field(pattern=r"^[^\s/\\]{1,64}$")]


def _canonical(name: str, info: ValidationInfo) -> str:
    """The declared name of the department ``name`` is an alias of (``name`` itself when
    the rule set declares no departments or ``name`` is no alias)."""
    names = (info.context or {}).get("departments") or {}
    return str(names.get(name, name))


def _unique_departments(value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
    if len(set(value)) != len(value):
        raise ValueError("departments are listed twice")
    # Two names of one department (an alias and its name) are one department.
    return tuple(dict.fromkeys(_canonical(name, info) for name in value))


DepartmentName = Annotated[Text, AfterValidator(_canonical)]
"""A department's name as a rule file writes it, read as its declared name (an alias in
``ruleset.yaml``'s ``departments`` is replaced by the name it stands for)."""
Departments = Annotated[tuple[Text, ...], AfterValidator(_unique_departments)]


class Department(_Strict):
    """A department as every report names it, and the other names rule files may use
    for it (``市场监管局`` written ``市市场监管局`` in one place): reports merge them."""

    name: Text
    aliases: tuple[Text, ...] = ()


def _department(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


_DEPARTMENT_SCHEMA = {
    "anyOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "aliases": {"type": "array", "items": {"type": "string", "minLength": 1}},
            },
            "required": ["name"],
            "additionalProperties": False,
        },
    ],
    "description": "a department's name, or {name: ..., aliases: [other names for it]}",
}
DepartmentDecl = Annotated[
    Department, BeforeValidator(_department), WithJsonSchema(_DEPARTMENT_SCHEMA)
]
"""A department: its name alone, or ``{name: ..., aliases: [...]}``."""


def department_names(declared: tuple[Department, ...]) -> dict[str, str]:
    """Every name and alias declared, each to the name reports use."""
    return {
        **{d.name: d.name for d in declared},
        **{alias: d.name for d in declared for alias in d.aliases},
    }


def _one_of(model: BaseModel, names: tuple[str, ...]) -> None:
    given = [n for n in names if getattr(model, n) is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one of {', '.join(names)}")


# --- acknowledged warnings ---------------------------------------------------


def _known_warning(value: str, info: ValidationInfo) -> str:
    if value in CODES:
        return value
    if value == STALE:
        raise ValueError(f"{STALE} is not acknowledged: remove the acknowledgement it is about")
    # The loader hands every file one bounded "did you mean" (a KnownNames of the codes).
    known = (info.context or {}).get("codes", CODES)
    raise ValueError(f"unknown warning {value!r}{hint(value, known)}")


def _said(value: str) -> str:
    if not value.strip():
        raise ValueError("must say why the rule keeps what the source prints")
    return value


_CODE_SCHEMA = {
    "oneOf": [{"const": code, "description": what} for code, what in CODES.items()],
    "description": "the code of the warning acknowledged (docs/analyst-tooling.md)",
}
_REASON_SCHEMA = {"type": "string", "pattern": r"\S", "description": "why the source is kept"}
WarningCode = Annotated[str, AfterValidator(_known_warning), WithJsonSchema(_CODE_SCHEMA)]
Reason = Annotated[str, AfterValidator(_said), WithJsonSchema(_REASON_SCHEMA)]


class Acknowledgement(_Strict):
    """A warning about this node that the source itself causes, kept on purpose: its code,
    and why (``the source prints 23; its items add to 26``)."""

    warning: WarningCode
    reason: Reason


def _once_each(value: tuple[Acknowledgement, ...]) -> tuple[Acknowledgement, ...]:
    seen: set[str] = set()
    for acknowledgement in value:
        if acknowledgement.warning in seen:
            raise ValueError(f"warning {acknowledgement.warning!r} is acknowledged twice")
        seen.add(acknowledgement.warning)
    return value


Acknowledgements = Annotated[tuple[Acknowledgement, ...], AfterValidator(_once_each)]
"""A node's acknowledged warnings, one per code: an acknowledgement covers every warning
of its code about its node."""


# --- scoring shapes -------------------------------------------------------


class Part(_Strict):
    """One line of a checklist.

    ``id`` names the part within its item (unique there, at any depth); a part whose
    score the assessors give (``score: {kind: judged}``) needs one: the facts file gives
    its judgement under ``judged`` as ``"ITEM/ID"``. ``assessing``: the department that
    assesses this part, where it is not the item's.
    """

    id: NodeId | None = None
    label: Text
    points: Signed
    departments: Departments = ()
    assessing: DepartmentName | None = None
    when: BoolExpr | None = None
    each: NumExpr | None = None
    score: Shape | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> Part:
        _one_of(self, ("when", "each", "score"))
        if self.points < 0 and self.score is not None:
            raise ValueError("a part with a nested score cannot be worth negative points")
        if self.id is None and getattr(self.score, "ASSESSED", False):  # see MODEL_PARTS
            raise ValueError(
                "a judged part needs an id: the facts file gives its judgement under "
                "judged as 'ITEM/ID'"
            )
        return self


class PartsShape(_Strict):
    """The sum of parts, capped at the item's points."""

    kind: Literal["parts"]
    parts: tuple[Part, ...] = Field(min_length=1)

    def awards(self, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Decimal]]:
        """Each part's points, with where they are written (see :data:`MODEL_PARTS`)."""
        for k, part in enumerate(self.parts):
            yield (*loc, "parts", k, "points"), part.points


def _check_bounds(band: Band | Grade) -> None:
    if band.at_least is not None and band.above is not None:
        raise ValueError("give at most one of at_least, above")
    if band.below is not None and band.at_most is not None:
        raise ValueError("give at most one of below, at_most")
    low = band.at_least if band.at_least is not None else band.above
    high = band.below if band.below is not None else band.at_most
    if low is None and high is None:
        raise ValueError("a band needs a bound: at_least, above, below or at_most")
    if (
        low is not None
        and high is not None
        and (low > high or (low == high and (band.above is not None or band.below is not None)))
    ):
        raise ValueError(f"empty band: lower bound {low} is not below upper bound {high}")


class Band(_Strict):
    """One band of a tier table; every bound explicit."""

    at_least: Decimal | None = Field(None, allow_inf_nan=False)
    above: Decimal | None = Field(None, allow_inf_nan=False)
    below: Decimal | None = Field(None, allow_inf_nan=False)
    at_most: Decimal | None = Field(None, allow_inf_nan=False)
    points: Points
    label: Text | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Band:
        _check_bounds(self)
        return self

    @property
    def lower(self) -> Decimal | None:
        """The lower bound, inclusive or not."""
        return self.at_least if self.at_least is not None else self.above

    @property
    def upper(self) -> Decimal | None:
        """The upper bound, inclusive or not."""
        return self.below if self.below is not None else self.at_most

    def contains(self, value: Decimal) -> bool:
        """Whether ``value`` falls in this band."""
        return not (
            (self.at_least is not None and value < self.at_least)
            or (self.above is not None and value <= self.above)
            or (self.below is not None and value >= self.below)
            or (self.at_most is not None and value > self.at_most)
        )


class TiersShape(_Strict):
    """A value against ordered bands."""

    kind: Literal["tiers"]
    value: NumExpr
    label: Text | None = None
    unit: Text | None = None
    better: Literal["higher", "lower"] = "higher"
    bands: tuple[Band, ...] = Field(min_length=1)
    otherwise: Points = Decimal(0)
    otherwise_label: Text | None = None

    def awards(self, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Decimal]]:
        """Each band's points and ``otherwise``, with where they are written."""
        for k, band in enumerate(self.bands):
            yield (*loc, "bands", k, "points"), band.points
        yield (*loc, "otherwise"), self.otherwise


class Case(_Strict):
    """One condition of a ``cases`` shape."""

    when: BoolExpr
    points: Signed
    label: Text | None = None


class CasesShape(_Strict):
    """Conditions checked in order; the first that holds scores."""

    kind: Literal["cases"]
    cases: tuple[Case, ...] = Field(min_length=1)
    otherwise: Signed = Decimal(0)
    otherwise_label: Text | None = None

    def awards(self, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Decimal]]:
        """Each case's points and ``otherwise``, with where they are written."""
        for k, case in enumerate(self.cases):
            yield (*loc, "cases", k, "points"), case.points
        yield (*loc, "otherwise"), self.otherwise


class Step(_Strict):
    """One deduction."""

    label: Text | None = None
    unless: BoolExpr | None = None
    when: BoolExpr | None = None
    per: NumExpr | None = None
    every: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)] | None = None
    count: Literal["whole", "started"] | None = None
    max: Points | None = None
    points: Points

    @model_validator(mode="after")
    def _one_trigger(self) -> Step:
        _one_of(self, ("unless", "when", "per"))
        if self.per is None and (self.every is not None or self.max is not None):
            raise ValueError("every and max go only with per")
        if self.per is None and self.count is not None:
            raise ValueError("count goes only with per")
        return self

    @property
    def counting(self) -> tuple[Decimal, Literal["whole", "started"]] | None:
        """How a ``per`` step counts its value: the size of a step and whether only whole
        steps count (每下降5%: 12 is 2 steps) or a started one counts whole (每少5%不足5%按5%:
        12 is 3); None: the value itself is the count (no ``every``, no ``count``).
        ``every`` alone counts started steps; ``count`` alone counts steps of 1."""
        if self.every is None and self.count is None:
            return None
        return self.every or Decimal(1), self.count or "started"


class DeductionsShape(_Strict):
    """Start from full points and subtract, never below the floor."""

    model_config = ConfigDict(populate_by_name=False)

    kind: Literal["deductions"]
    start: Signed | None = Field(None, alias="from")
    steps: tuple[Step, ...] = Field(min_length=1)
    floor: Signed = Decimal(0)

    def needs_points(self, *, penalty: bool) -> str | None:
        """Without ``from``, the deductions start from the item's points (a penalty
        item's from 0): see :data:`MODEL_PARTS`."""
        if self.start is not None or penalty:
            return None
        return "deductions start from the item's points: give them a start of their own (from: N)"


class FormulaShape(_Strict):
    """A free expression, clamped to [0, points]."""

    kind: Literal["formula"]
    expr: NumExpr
    label: Text | None = None


class TargetShape(_Strict):
    """An actual value against a (per-entity) target: full points when met, else 0."""

    kind: Literal["target"]
    actual: NumExpr
    target: NumExpr
    met_when: Literal["at_least", "above", "below", "at_most"] = "at_least"

    def needs_points(self, *, penalty: bool) -> str | None:
        """A target met awards the item's points (a penalty item's 0): see :data:`MODEL_PARTS`."""
        if penalty:
            return None
        return "a target item needs points: it awards them when the target is met"


class JudgedShape(_Strict):
    """Points awarded by assessors: each entity's facts file gives the score (or the
    deduction), a reason, and optionally the evidence and the assessor, under ``judged``."""

    kind: Literal["judged"]
    give: Literal["score", "deduction"] = "score"
    default: Literal["none", "full"] = "none"
    reason: Literal["required", "optional"] = "required"
    label: Text | None = None

    ASSESSED: ClassVar[bool] = True
    """The assessors give its score (see :data:`MODEL_PARTS`)."""

    def needs_points(self, *, penalty: bool) -> str | None:
        """The item's points bound the assessors' score, in a penalty section too (see
        :data:`MODEL_PARTS`)."""
        return "a judged item needs points: they bound the score the assessors may give"


class RankShape(_Strict):
    """Points by rank: the first of ``points`` for rank 1, the second for rank 2, …;
    ``otherwise`` for a rank beyond the table. ``rank`` names a cohort value whose
    stat is ``rank`` or ``reverse_rank``."""

    kind: Literal["rank"]
    rank: NumExpr
    points: tuple[Signed, ...] = Field(min_length=1, max_length=1000)
    otherwise: Signed = Decimal(0)
    label: Text | None = None

    READS_RANK: ClassVar[tuple[str, ...]] = ("rank",)
    """Its fields that must name a cohort value whose stat is a rank (see :data:`MODEL_PARTS`)."""


MODEL_PARTS = ("awards", "ASSESSED", "READS_RANK", "needs_points")
"""What the loader asks a shape it asks the shape's model, each where it has something to
say (the rest of a shape's protocol is its module's, :mod:`qualscore.scoring.shapes`,
a layer above): ``awards(loc)``, every number of points it awards with where it is
written (a penalty section refuses a positive one); ``ASSESSED``, true where the
assessors give its score (``RuleSet.judged_items``; a part so scored needs an ``id``);
``READS_RANK``, its fields that must name a cohort value that is a rank;
``needs_points(penalty=...)``, why it cannot score an item (or the bonus) with ``points:
none``, None where it can (the loader refuses such an item with that reason)."""
Shape = Annotated[
    PartsShape
    | TiersShape
    | CasesShape
    | DeductionsShape
    | FormulaShape
    | TargetShape
    | JudgedShape
    | RankShape,
    Field(discriminator="kind"),
]


# --- the tree ---------------------------------------------------------------


class NotApplicable(_Strict):
    """When an item does not apply, and what it then awards."""

    when: BoolExpr
    award: Signed | None = None
    reason: Text


AppliesTo = tuple[Text, ...] | None
"""Entity groups or entities a node applies to; ``None``: every entity."""


class Verdict(_Strict):
    """A node judged met or not met (达标 / 未达标), as well as scored.

    ``met`` is the condition; it may read the node's own score (``score('2')``), any
    other node, named values and facts. ``labels``: the words for met and not met
    (default 达标 / 未达标 in a Chinese scheme, met / not met in an English one).
    """

    met: BoolExpr
    labels: tuple[Text, Text] | None = None


Evidence = Literal["required", "optional"] | None
"""Whether the facts an item reads must each come with their evidence (``required``:
an item missing a piece scores 0, and says which piece it lacks; ``optional``: not
for this node, whatever a section above it says); None: as the node above it says."""


class _Scored(_Strict):
    title: Text
    points: Cap
    content: Text | None = None
    criteria: Text
    responsible: Text | None = None
    departments: Departments = Field(min_length=1)
    assessing: DepartmentName | None = None
    score: Shape
    evidence: Evidence = None

    @property
    def assessing_parts(self) -> tuple[tuple[str, str], ...]:
        """Each part, at any depth, that names the department assessing it:
        ``(label, department)``, in the order written."""
        return tuple(
            (node.label, node.assessing)
            for _, node in models_in(self.score)
            if isinstance(node, Part) and node.assessing is not None
        )


def _judged_only_schema(schema: dict[str, Any]) -> None:
    """An item judged only (a verdict, no ``score:``) needs neither score nor points."""
    schema["required"] = [k for k in schema.get("required", ()) if k not in ("score", "points")]
    schema["anyOf"] = [
        {"required": ["score", "points"]},
        {
            "required": ["verdict"],
            "not": {"required": ["score"]},
            "properties": {"points": {"const": 0}},
        },
    ]


class Item(_Scored):
    """A scored item: the leaf of the tree. ``points: none``: no cap (in a penalty
    section, no most deduction); an indicator or section above it still caps it. Its
    score must not need the points (not judged; outside a penalty section, no target,
    deductions with their own ``from``, ``not_applicable`` with its own ``award``)."""

    model_config = ConfigDict(**_Strict.model_config, json_schema_extra=_judged_only_schema)

    id: NodeId
    section: Text | None = None
    not_applicable: NotApplicable | None = None
    floor: Floor = Decimal(0)
    applies_to: AppliesTo = None
    acknowledge: Acknowledgements = ()
    verdict: Verdict | None = None

    @model_validator(mode="before")
    @classmethod
    def _judged_only(cls, data: Any) -> Any:
        """An item judged only (a verdict, no ``score:``, no points or 0) scores 0 of 0."""
        if (
            isinstance(data, dict)
            and "score" not in data
            and data.get("verdict") is not None
            and data.get("points", 0) in (0, "0")
        ):
            data = {**data, "score": {"kind": "formula", "expr": "0"}, "points": 0}
        return data

    @model_validator(mode="after")
    def _floor(self) -> Item:
        if self.floor is not None and self.points is not None and self.floor > self.points:
            raise ValueError(f"floor {self.floor} is above the item's points {self.points}")
        return self


class Indicator(_Strict):
    """A group of items with its own declared points (``none``: no cap)."""

    id: NodeId
    title: Text
    section: Text | None = None
    points: Cap
    items: tuple[Item, ...] = Field(min_length=1)
    floor: Floor = Decimal(0)
    applies_to: AppliesTo = None
    acknowledge: Acknowledgements = ()
    verdict: Verdict | None = None
    evidence: Evidence = None
    """For every item under it that does not say (a rule stated once for a group)."""


def _child_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "indicator" if "items" in value else "item"
    return "indicator" if isinstance(value, Indicator) else "item"


Child = Annotated[
    Annotated[Item, Tag("item")] | Annotated[Indicator, Tag("indicator")],
    Discriminator(_child_kind),
]


class Category(_Strict):
    """A category file.

    ``kind: penalty`` makes a section of deductions: its items score 0 down to
    minus their points, and the section down to minus its points (``none``: no
    cap). ``kind: bonus`` is a section of extra points (``points: none``: no cap).
    Neither counts in what the scheme can give.
    """

    id: NodeId
    title: Text
    kind: Literal["score", "bonus", "penalty"] = "score"
    points: Cap
    floor: Floor = Decimal(0)
    criteria: Text | None = None
    applies_to: AppliesTo = None
    items: tuple[Child, ...] = Field((), min_length=1)
    acknowledge: Acknowledgements = ()
    verdict: Verdict | None = None
    evidence: Evidence = None
    """For every item of the section that does not say (无书面材料的不得分, stated once)."""

    @model_validator(mode="after")
    def _shape(self) -> Category:
        if self.points is None and self.kind == "score":
            raise ValueError("only a bonus or penalty section may have points: none")
        if not self.items and self.criteria is None:
            raise ValueError("a category needs items, or criteria text when it has none")
        return self


class Bonus(_Scored):
    """Extra points, capped at ``points`` (``none``: not capped)."""


class Veto(_Strict):
    """A condition that changes the result or the grade, not the score.

    When it holds: ``result`` is the result label (the entity is vetoed), ``grade``
    forces a grade, ``grade_at_most`` caps it (the grades' order is ``grades:``'s,
    first the best). A veto that only caps the grade may leave ``result`` out: the
    result stays what it was. ``applies_to``: as an item's; a veto that does not
    apply to an entity does not hold for it.
    """

    model_config = ConfigDict(
        **_Strict.model_config,
        json_schema_extra={
            "anyOf": [{"required": ["result"]}, {"required": ["grade_at_most"]}],
            "not": {"required": ["grade", "grade_at_most"]},
        },
    )

    id: NodeId
    title: Text
    when: BoolExpr
    result: Text | None = None
    content: Text | None = None
    criteria: Text
    responsible: Text | None = None
    departments: Departments = Field(min_length=1)
    grade: Text | None = None
    grade_at_most: Text | None = None
    applies_to: AppliesTo = None

    @model_validator(mode="after")
    def _effect(self) -> Veto:
        if self.grade is not None and self.grade_at_most is not None:
            raise ValueError(
                "give grade (the grade it forces) or grade_at_most (the grade it caps), not both"
            )
        if self.result is None and self.grade_at_most is None:
            raise ValueError(
                "missing key 'result' (the result label when it holds; only a veto with "
                "grade_at_most may leave it out)"
            )
        return self


class Grade(_Strict):
    """A grade band on the total; bounds written as a tier band's."""

    grade: Text
    at_least: Decimal | None = Field(None, allow_inf_nan=False)
    above: Decimal | None = Field(None, allow_inf_nan=False)
    below: Decimal | None = Field(None, allow_inf_nan=False)
    at_most: Decimal | None = Field(None, allow_inf_nan=False)
    label: Text | None = None
    applies_to: AppliesTo = None

    @model_validator(mode="after")
    def _bounds(self) -> Grade:
        _check_bounds(self)
        return self

    def contains(self, value: Decimal) -> bool:
        """Whether ``value`` falls in this band."""
        return not (
            (self.at_least is not None and value < self.at_least)
            or (self.above is not None and value <= self.above)
            or (self.below is not None and value >= self.below)
            or (self.at_most is not None and value > self.at_most)
        )


class EntityGroup(_Strict):
    """A group of assessed entities (重点考核部门, 乡镇 …) and its members."""

    id: Text
    title: Text | None = None
    members: tuple[Text, ...] = Field(min_length=1)


class Rounding(_Strict):
    """How an item's score is rounded, once, at the end."""

    places: int = Field(2, ge=0, le=12)
    mode: Literal["half_up", "half_even", "down", "up"] = "half_up"


class Manifest(_Strict):
    """``ruleset.yaml``."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    title: Text
    year: int = Field(ge=1900, le=2200)
    language: Literal["zh", "en"]
    # Constructed, not validated: the models are built when first used, not on import.
    rounding: Rounding = Rounding.model_construct(places=2, mode="half_up")
    total_points: Points | None = None
    normal_result: Text | None = None
    bonus: Bonus | None = None
    vetoes: tuple[Veto, ...] = ()
    grades: tuple[Grade, ...] = ()
    groups: tuple[EntityGroup, ...] = ()
    acknowledge: Acknowledgements = ()
    verdict: Verdict | None = None
    """The scheme's own verdict (达标 / 未达标): a pass/fail scheme, or one scored as well."""
    departments: tuple[DepartmentDecl, ...] = ()
    """The departments the scheme names, each with the other names rule files may use for
    it; when declared, lint warns about a name that is none of them."""

    @field_validator("departments")
    @classmethod
    def _one_name_each(cls, value: tuple[Department, ...]) -> tuple[Department, ...]:
        seen: set[str] = set()
        for d in value:
            for name in (d.name, *d.aliases):
                if name in seen:
                    raise ValueError(f"{name!r} is declared twice (a name or an alias)")
                seen.add(name)
        return value


class _Valued(_Strict):
    """What a fact and a record's field declare alike: a key, a type, words, a range."""

    key: Ident
    type: Literal["bool", "count", "percent", "rate", "amount", "number", "choice", "text"]
    label: Text
    unit: Text | None = None
    choices: tuple[Text, ...] | None = Field(None, min_length=1, max_length=MAX_CHOICES)
    """A ``choice`` fact's values, as written in a facts file and compared in formulas
    (``stage == '初中'``): grades A–D, 省级 / 市级 / 县级, a school's stage."""
    choice_labels: dict[Text, Text] | None = None
    """Words for some or all of the values (``{A: 优秀, B: 良好}``): a facts file may give
    a value or its words, and reports show both (``A（优秀）``)."""
    min: Decimal | None = Field(None, allow_inf_nan=False)
    max: Decimal | None = Field(None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _range(self) -> _Valued:
        if self.type in ("bool", "choice", "text") and (
            self.min is not None or self.max is not None
        ):
            raise ValueError(f"a {self.type} fact has no min or max")
        if (self.type == "choice") != (self.choices is not None):
            raise ValueError(
                "a choice fact lists its values (choices: [A, B, C])"
                if self.type == "choice"
                else "only a choice fact has choices (type: choice)"
            )
        if self.choice_labels is not None:
            if self.choices is None:
                raise ValueError("only a choice fact has choice_labels")
            stray = [k for k in self.choice_labels if k not in self.choices]
            if stray:
                raise ValueError(f"choice_labels: {stray[0]!r} is not one of the choices")
            words = list(self.choice_labels.values())
            clash = [
                w
                for v, w in self.choice_labels.items()
                if words.count(w) > 1 or (w in self.choices and w != v)
            ]
            if clash:
                raise ValueError(f"choice_labels: {clash[0]!r} would name two values")
        if self.choices is not None:
            twice = sorted({c for c in self.choices if self.choices.count(c) > 1})
            if twice:
                raise ValueError(f"choices: {', '.join(map(repr, twice))} listed twice")
            long = [c for c in self.choices if len(c) > MAX_CHOICE_TEXT or "\n" in c]
            if long:
                limit = f"one line of at most {MAX_CHOICE_TEXT} characters"
                raise ValueError(f"choices: {long[0]!r}: a choice is {limit}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self

    def choice_text(self, value: str) -> str:
        """A choice's value with its words, if it has any: ``A（优秀）``."""
        said = (self.choice_labels or {}).get(value)
        return value if said is None or said == value else f"{value}（{said}）"

    @property
    def bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """The allowed range, defaults of the type applied."""
        low = {
            "count": Decimal(0),
            "percent": Decimal(0),
            "rate": Decimal(0),
            "amount": Decimal(0),
        }.get(self.type)
        high = Decimal(100) if self.type == "percent" else None
        return (
            self.min if self.min is not None else low,
            self.max if self.max is not None else high,
        )


class FactDecl(_Valued):
    """One declared fact or per-entity target."""

    type: Literal["bool", "count", "percent", "rate", "amount", "number", "choice"]
    role: Literal["fact", "target"] = "fact"
    supplier: DepartmentName | None = None
    """The department that reports it (a facts file may name another for one entity)."""
    split: bool = False
    """For a sub-entity split into parts by weights (a school teaching two stages): the
    fact is an amount each part takes its weight's share of (teachers, floor area)."""
    acknowledge: Acknowledgements = ()

    @model_validator(mode="after")
    def _split_amount(self) -> FactDecl:
        if self.split and self.type in ("bool", "choice", "percent", "rate"):
            raise ValueError(
                f"split: a {self.type} fact is not an amount a part takes its share of"
            )
        return self


class FieldDecl(_Valued):
    """One field of a list's records: as a fact is declared, and ``text`` too (a task's
    name, an event's title: shown, compared with ``==``, never computed with)."""


class Check(_Strict):
    """A condition every facts file must meet (with ``applies_to``: every facts file of
    the entities it names)."""

    when: BoolExpr
    message: Text
    applies_to: AppliesTo = None


COHORT_STATS = (
    "rank", "reverse_rank", "share_of_best", "max", "min", "mean", "median", "count", "sum",
    "stdev", "stdev_sample", "cv", "weighted_mean", "count_if",
)  # fmt: skip
"""What a cohort value can be, over the entities assessed."""
RANKS = ("rank", "reverse_rank")
SPREADS = ("stdev", "stdev_sample", "cv")
"""The stats of how far the values lie from their mean: never below 0."""
ROUNDED = ("mean", "median", "share_of_best", *SPREADS, "weighted_mean")
"""The stats ``places`` may round: those whose value is not already a value compared."""


class CohortDecl(_Strict):
    """A value computed across the entities assessed (the cohort), read by formulas
    like a fact: a rank, a reverse rank, a share of the best, or the cohort's
    maximum, minimum, mean, median, count, sum, standard deviation (population or
    sample), coefficient of variation or weighted mean of a value; or how many of
    the cohort meet a condition (``count_if``).

    The value ranked or aggregated is ``of`` (a formula over facts and earlier
    cohort values) or ``score`` (the score of an item, indicator or category, or
    ``total``); a ``weighted_mean`` weighs each entity's by its ``weight`` (a
    formula, read per entity like ``of``), and ``count_if`` reads neither: it counts
    the entities for which ``when`` holds. ``scope`` is ``all`` (every entity
    assessed), ``group`` (the entity's own group) or a group's id. ``ties``:
    ``competition`` (1, 2, 2, 4) or ``dense`` (1, 2, 2, 3). ``places``: a mean,
    median, share, standard deviation, coefficient of variation or weighted mean is
    rounded to these places (the rule set's rounding mode) before any formula reads it.
    """

    key: Ident
    label: Text
    stat: Literal[
        "rank", "reverse_rank", "share_of_best", "max", "min", "mean", "median", "count",
        "sum", "stdev", "stdev_sample", "cv", "weighted_mean", "count_if",
    ]  # fmt: skip
    of: NumExpr | None = None
    score: NodeId | None = None
    weight: NumExpr | None = None
    when: BoolExpr | None = None
    better: Literal["higher", "lower"] = "higher"
    ties: Literal["competition", "dense"] = "competition"
    scope: Text = "all"
    places: int | None = Field(None, ge=0, le=12)
    min_entities: int = Field(1, ge=1, le=1_000_000)
    unit: Text | None = None
    acknowledge: Acknowledgements = ()

    @field_validator("of", "score")
    @classmethod
    def _not_counted(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("stat") == "count_if":
            raise ValueError(
                f"count_if counts the entities for which when holds; it reads no {info.field_name}"
            )
        return value

    @field_validator("weight")
    @classmethod
    def _weighted(cls, value: Any, info: ValidationInfo) -> Any:
        stat = info.data.get("stat")
        if value is not None and stat is not None and stat != "weighted_mean":
            raise ValueError(f"weight weighs the values of a weighted_mean; a {stat} reads none")
        return value

    @field_validator("when")
    @classmethod
    def _counted(cls, value: Any, info: ValidationInfo) -> Any:
        stat = info.data.get("stat")
        if value is not None and stat is not None and stat != "count_if":
            raise ValueError(f"when is the condition of a count_if; a {stat} reads none")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> CohortDecl:
        if self.stat == "count_if":
            if self.when is None:
                raise ValueError("count_if needs when: the condition an entity is counted on")
        else:
            _one_of(self, ("of", "score"))
        if self.stat == "weighted_mean" and self.weight is None:
            raise ValueError("weighted_mean needs weight: what each entity's value weighs")
        if self.places is not None and self.stat not in ROUNDED:
            raise ValueError(
                "places rounds a mean, a median, a share, a stdev, a cv or a weighted "
                f"mean, not a {self.stat}"
            )
        return self

    @property
    def type(self) -> str:
        """A cohort value is a number; a rank or a count is a whole one."""
        return "count" if self.stat in (*RANKS, "count", "count_if") else "number"

    @property
    def role(self) -> str:
        """``cohort``: computed, never given in a facts file."""
        return "cohort"

    @property
    def bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """The range it can take: a rank from 1; a count, a share, a standard deviation
        and a coefficient of variation from 0 (a cv's mean is above 0)."""
        if self.stat in RANKS:
            return Decimal(1), None
        if self.stat in ("count", "count_if", "share_of_best", *SPREADS):
            return Decimal(0), None
        return None, None


MAX_VALUES = 2000
"""Most named values a facts file may declare."""


def _cell_key(key: Any) -> Any:
    """A cell's key as the choice it names: ``1:`` in YAML is the choice ``"1"``."""
    if isinstance(key, bool):
        return key
    if isinstance(key, int | Decimal):
        return format(key, "f") if isinstance(key, Decimal) else str(key)
    return key


class Table(_Strict):
    """A lookup table: a number for each value of a choice fact (``rows``), or for each
    pair of values of two (``rows`` × ``columns``): 档 × 级 → points.

    ``cells`` maps each row's value to its number, or (with ``columns``) to a mapping of
    each column's value to its number. Every value of the choices must have its cell:
    the loader says which one is missing, and which key is no value of the choice."""

    rows: Ident
    columns: Ident | None = None
    cells: dict[str, Signed | dict[str, Signed]] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _keys_as_text(cls, data: Any) -> Any:
        cells = data.get("cells") if isinstance(data, dict) else None
        if isinstance(cells, dict):
            keyed = {
                _cell_key(k): {_cell_key(c): x for c, x in v.items()} if isinstance(v, dict) else v
                for k, v in cells.items()
            }
            data = {**data, "cells": keyed}
        return data

    @model_validator(mode="after")
    def _shape(self) -> Table:
        if len(self.pairs()) > MAX_CELLS:
            raise ValueError(f"cells: more than {MAX_CELLS:,} cells")
        nested = [isinstance(v, dict) for v in self.cells.values()]
        if self.columns is None and any(nested):
            raise ValueError("cells: a table without columns maps each row to a number")
        if self.columns is not None and not all(nested):
            raise ValueError(f"cells: with columns, each row maps each {self.columns} to a number")
        return self

    def pairs(self) -> list[tuple[str, str | None, Decimal]]:
        """Every cell: ``(row, column or None, number)``, in the order written."""
        out: list[tuple[str, str | None, Decimal]] = []
        for row, v in self.cells.items():
            if isinstance(v, dict):
                out.extend((row, column, x) for column, x in v.items())
            else:
                out.append((row, None, v))
        return out

    def expression(self) -> str:
        """The table as an expression of the language: a sum with one term per cell, the
        cell's number where its row (and column) is the entity's, else 0. Exactly one
        term counts, so the sum is the cell's number, exactly as written."""
        terms = []
        for row, column, x in self.pairs():
            test = f"{self.rows} == {row!r}"
            if column is not None:
                test += f" and {self.columns} == {column!r}"
            terms.append(f"({format(x, 'f')} if {test} else 0)")
        while len(terms) > 1:  # sum() takes at most 100 values: sums of sums beyond
            terms = [f"sum({', '.join(terms[i : i + 100])})" for i in range(0, len(terms), 100)]
        return terms[0]


def _expr_or_table_schema(schema: dict[str, Any]) -> None:
    """A named value gives its expression or its lookup table."""
    schema["required"] = [k for k in schema.get("required", ()) if k != "expr"]
    schema["oneOf"] = [{"required": ["expr"]}, {"required": ["table"]}]


class ValueDecl(_Strict):
    """A named value: worked out once per entity from facts, cohort values, other named
    values and the scores and states of nodes, and read by name like a fact.

    Its type is its expression's: a number, or true/false. ``places`` rounds a number
    (the rule set's rounding mode) before anything reads it.
    """

    model_config = ConfigDict(**_Strict.model_config, json_schema_extra=_expr_or_table_schema)

    key: Ident
    label: Text
    expr: AnyExpr
    table: Table | None = None
    """A lookup table instead of an expression (:class:`Table`); ``expr`` is then the
    table written as an expression, which every part of the engine reads."""
    unit: Text | None = None
    places: int | None = Field(None, ge=0, le=12)
    acknowledge: Acknowledgements = ()

    @model_validator(mode="before")
    @classmethod
    def _table_as_expression(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and "table" in data:
            if "expr" in data:
                raise ValueError("give expr or table, not both")
            try:
                table = Table.model_validate(data["table"])
            except ValidationError:
                return {**data, "expr": "0"}  # the table's own problems are reported under it
            types = (info.context or {}).get("types", {})
            for axis in (table.rows, table.columns):
                if axis is not None and axis in types and types[axis] != "text":
                    raise ValueError(
                        f"table: {axis!r} is not a choice fact; a table is keyed by choice "
                        "facts (type: choice)"
                    )
            text = table.expression()
            if types:  # compiled here: longer than any expression written by hand
                try:
                    compiled = compile_formula(text, types, limit=MAX_CELLS * 600)
                except FormulaError as exc:
                    raise ValueError(f"table: {exc.message}") from None
                return {**data, "expr": compiled}
            data = {**data, "expr": text}
        return data

    @model_validator(mode="after")
    def _rounded_number(self) -> ValueDecl:
        if self.places is not None and self.expr.type != "number":
            raise ValueError("places rounds a number, not a true/false value")
        return self

    @property
    def type(self) -> str:
        """``bool`` or ``number``: its expression's type."""
        return self.expr.type

    @property
    def role(self) -> str:
        """``value``: worked out, never given in a facts file."""
        return "value"

    @property
    def bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """No declared range: lint works it out from the expression."""
        return None, None


LIST_STATS = (
    "count", "sum", "mean", "min", "max", "trimmed_mean", "weighted_mean", "stdev", "cv", "share",
)  # fmt: skip
"""What an aggregate of a list can be."""
TAKEN = ("count", "sum", "mean", "min", "max", "trimmed_mean")
"""What an aggregate may take within each group of records (``by:``)."""
MAY_BE_EMPTY = ("mean", "min", "max", "trimmed_mean", "weighted_mean", "stdev", "cv", "share")
"""The stats that have no value over no record (an item reading one then does not apply)."""
SUB_NAME = "name"
"""The field naming a sub-entity (a school) in its list's records."""
SUB_PART = "part"
"""The field naming a part of a sub-entity split by weights (小学 of a 九年一贯制 school)."""
MAX_FIELDS = 50
"""Most fields a list's records may have."""
MAX_RECORDS = 100_000
"""Most records one entity's list may hold."""


class Aggregate(_Strict):
    """A value worked out over the records of a list (a department's task list, a panel's
    votes), read by name like a fact: how many records there are (``count``), or the
    ``sum``, ``mean``, ``min``, ``max``, ``trimmed_mean`` (the highest and the lowest
    dropped) or ``weighted_mean`` of ``of``.

    ``where`` keeps only the records it holds for. ``by`` groups the records by a field
    (the event an award is for, the group a rater is in) and ``take`` says what counts
    of each group (``max``: only the highest, 就高不累计); the stat then runs over the
    groups. A ``weighted_mean`` is by a choice field, each of its values weighed by
    ``weights`` (adding up to 1): raters 40 % / 30 % / 30 %.
    """

    key: Ident
    label: Text
    stat: Literal[
        "count", "sum", "mean", "min", "max", "trimmed_mean", "weighted_mean", "stdev", "cv",
        "share",
    ]  # fmt: skip
    of: NumExpr | None = None
    where: BoolExpr | None = None
    when: BoolExpr | None = None
    """For a ``share``: the condition whose share of the records (those ``where`` keeps)
    it is: the share of schools meeting the standard."""
    by: Ident | None = None
    take: Literal["count", "sum", "mean", "min", "max", "trimmed_mean"] | None = None
    weights: dict[Text, Decimal] | None = None
    places: int | None = Field(None, ge=0, le=12)
    unit: Text | None = None
    acknowledge: Acknowledgements = ()

    @model_validator(mode="before")
    @classmethod
    def _weights_as_text(cls, data: Any) -> Any:
        weights = data.get("weights") if isinstance(data, dict) else None
        if isinstance(weights, dict):  # 1: in YAML is the choice "1"
            data = {**data, "weights": {_cell_key(k): v for k, v in weights.items()}}
        return data

    @model_validator(mode="after")
    def _shape(self) -> Aggregate:
        if (self.stat == "share") != (self.when is not None):
            raise ValueError(
                "a share needs when: the condition whose share of the records it is"
                if self.stat == "share"
                else f"when is the condition of a share; a {self.stat} reads none"
            )
        if self.stat == "share" and self.by is not None:
            raise ValueError("a share is of the records: it has no by")
        counted = self.stat in ("count", "share") if self.by is None else self.take == "count"
        if counted and self.of is not None:
            raise ValueError("a count counts the records (those where holds for); it reads no of")
        if not counted and self.of is None:
            raise ValueError(f"a {self.stat} needs of: the number each record gives")
        if self.by is None and self.take is not None:
            raise ValueError("take: what counts of each group; give by: the field to group by")
        if self.by is not None and self.take is None and self.stat != "weighted_mean":
            raise ValueError(
                "by: groups the records; give take: what counts of each group "
                "(max: only the highest of each)"
            )
        if (self.stat == "weighted_mean") != (self.weights is not None):
            raise ValueError(
                "a weighted_mean weighs each group: give by: and weights: {A: 0.4, B: 0.6}"
                if self.stat == "weighted_mean"
                else f"weights weigh the groups of a weighted_mean, not a {self.stat}"
            )
        if self.weights is not None:
            if self.by is None:
                raise ValueError("a weighted_mean weighs each group: give by:, the field")
            negative = [k for k, w in self.weights.items() if w < 0]
            if negative:
                raise ValueError(f"weights: {negative[0]!r} weighs below 0")
            total = sum(self.weights.values(), Decimal(0))
            if total != 1:
                raise ValueError(
                    f"weights: they add up to {format(total.normalize(), 'f')}, not 1"
                )
        if self.places is not None and self.stat not in (
            "mean", "trimmed_mean", "weighted_mean", "stdev", "cv", "share"
        ):  # fmt: skip
            raise ValueError(f"places rounds a mean, a spread or a share, not a {self.stat}")
        return self

    @property
    def type(self) -> str:
        """A count is a whole number; every other aggregate a number."""
        return "count" if self.stat == "count" else "number"

    @property
    def role(self) -> str:
        """``aggregate``: worked out from a list, never given in a facts file."""
        return "aggregate"

    @property
    def bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """A count from 0; any other what its records give."""
        return (Decimal(0), None) if self.stat == "count" else (None, None)


class ListDecl(_Strict):
    """A fact that is a list of records with typed fields: a department's key tasks, a
    panel's votes, award events. A facts file gives it as a list of mappings (a batch
    as a second table, one row per record, keyed by entity).

    ``values`` are worked out for each record from its fields (and the entity's facts),
    as named values are for an entity: a lookup table of 档 × 级, a level one lower for
    another issuer. ``aggregates`` are what items read of it (:class:`Aggregate`); its
    formulas read the fields, the record's values and the entity's facts.
    """

    key: Ident
    label: Text
    fields: tuple[FieldDecl, ...] = Field((), max_length=MAX_FIELDS)
    rules: Text | None = None
    """Sub-entities instead of plain records: the folder (in the rule set's) of the rule
    set each record is scored by (a county's schools, each with its own facts, items and
    verdict); the records' fields are that rule set's facts, and each has a ``name``."""
    values: tuple[ValueDecl, ...] = Field((), max_length=MAX_VALUES)
    aggregates: tuple[Aggregate, ...] = Field(min_length=1, max_length=MAX_VALUES)
    supplier: DepartmentName | None = None
    """The department that reports it (a facts file may name another for one entity)."""
    max_records: int = Field(1_000, ge=1, le=MAX_RECORDS)
    """Most records one entity may give (a guard against a table pasted twice)."""
    acknowledge: Acknowledgements = ()

    @model_validator(mode="wrap")
    @classmethod
    def _scoped(cls, data: Any, handler: Any, info: ValidationInfo) -> Any:
        """Its formulas compile against its fields and values, and the entity's facts; a
        list of sub-entities' against their rule set's facts and named values."""
        context = info.context
        if not isinstance(context, dict) or not isinstance(data, dict):
            return handler(data)
        entity = context.get("types", {})
        facts = dict(context.get("fact_types") or entity)
        if data.get("rules") is not None:
            sub = context.get("sub_types", {}).get(data.get("key"), {})
            scoped = {**facts, **sub, SUB_NAME: "text", SUB_PART: "text"}
        else:
            scoped = facts | record_types(data, facts)
        context["types"] = scoped
        try:
            return handler(data)
        finally:
            context["types"] = entity

    @model_validator(mode="after")
    def _fields_or_rules(self) -> ListDecl:
        if self.rules is None and not self.fields:
            raise ValueError(
                "a list declares its records' fields, or the rules its sub-entities are "
                "scored by (rules: FOLDER)"
            )
        if self.rules is not None and (self.fields or self.values):
            what = "fields" if self.fields else "values"
            raise ValueError(
                f"a list of sub-entities (rules: {self.rules}) has no {what}: its records "
                "are given and worked out by its rule set"
            )
        return self

    @property
    def sub(self) -> bool:
        """Whether its records are sub-entities, each scored by its own rule set."""
        return self.rules is not None

    def field(self, key: str) -> FieldDecl | None:
        """The field ``key`` (None: no such field)."""
        return next((f for f in self.fields if f.key == key), None)


def record_types(data: Any, outer: Mapping[str, Type]) -> dict[str, Type]:
    """The types of a list's fields and of its values (each its expression's, read in the
    order written, with the entity's ``outer`` names), from its raw declaration."""
    fields = data.get("fields") if isinstance(data, dict) else None
    out: dict[str, Type] = {}
    for entry in fields if isinstance(fields, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            out[entry["key"]] = FACT_TYPES.get(str(entry.get("type")), "number")
    values = data.get("values") if isinstance(data, dict) else None
    for entry in values if isinstance(values, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            expr = entry.get("expr")
            kind: Type = "number"
            if isinstance(expr, bool):
                kind = "bool"
            elif isinstance(expr, str):
                with contextlib.suppress(FormulaError):
                    kind = compile_formula(expr, {**outer, **out}).type
            out.setdefault(entry["key"], kind)
    return out


class FactsFile(_Strict):
    """``facts.yaml``."""

    facts: tuple[FactDecl, ...] = ()
    checks: tuple[Check, ...] = ()
    cohort: tuple[CohortDecl, ...] = ()
    values: tuple[ValueDecl, ...] = Field((), max_length=MAX_VALUES)
    lists: tuple[ListDecl, ...] = Field((), max_length=MAX_VALUES)

    @model_validator(mode="after")
    def _something_given(self) -> FactsFile:
        if not self.facts and not self.lists:
            raise ValueError("declare the facts (facts: [...]) or lists of records (lists:)")
        return self


def formulas_in(node: Any) -> Iterator[Formula]:
    """Every formula anywhere in a model (what an item reads, whatever its shape)."""
    if isinstance(node, Formula):
        yield node
    elif isinstance(node, BaseModel):
        yield from _formulas_of(node)
    elif isinstance(node, tuple | list):
        for value in node:
            yield from formulas_in(value)


T = TypeVar("T")
_Kept = dict[int, tuple["weakref.ref[BaseModel]", Any]]


def _once(table: _Kept, model: BaseModel, make: Callable[[BaseModel], T]) -> T:
    """``make(model)``, made once per model (a model is frozen) and kept in ``table`` by the
    model's id, with a reference to the model that removes the entry when the model goes
    (so that an id used again finds nothing stale)."""
    key = id(model)
    kept = table.get(key)
    if kept is not None and kept[0]() is model:
        found: T = kept[1]
        return found
    made = make(model)

    def gone(_: weakref.ref[BaseModel]) -> None:
        table.pop(key, None)  # ``table`` itself: module globals may be gone at exit

    table[key] = (weakref.ref(model, gone), made)
    return made


_FORMULAS: _Kept = {}
_MODELS: _Kept = {}


def _formulas_of(model: BaseModel) -> tuple[Formula, ...]:
    """The formulas of one model, in field order, found once: the scorer and the linter
    ask each item, section and rule set many times."""

    def make(model: BaseModel) -> tuple[Formula, ...]:
        fields = type(model).__pydantic_fields__
        return tuple(f for name in fields for f in formulas_in(getattr(model, name)))

    return _once(_FORMULAS, model, make)


def models_in(
    node: Any, loc: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], BaseModel]]:
    """Every model anywhere in ``node``, itself first, with its place in the file."""
    if isinstance(node, BaseModel):
        for inner, model in _models_of(node):
            yield (*loc, *inner), model
    elif isinstance(node, tuple):
        for i, value in enumerate(node):
            yield from models_in(value, (*loc, i))


_Placed = tuple[tuple[tuple[str | int, ...], BaseModel], ...]


def _models_of(model: BaseModel) -> _Placed:
    """Each model in ``model`` (itself first), with its place in it, found once."""

    def make(model: BaseModel) -> _Placed:
        found: list[tuple[tuple[str | int, ...], BaseModel]] = [((), model)]
        for name, field in type(model).__pydantic_fields__.items():
            found += models_in(getattr(model, name), (field.alias or name,))
        return tuple(found)

    return _once(_MODELS, model, make)
