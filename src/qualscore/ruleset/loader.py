"""Load a rule-set folder into a compiled, immutable :class:`RuleSet`.

Loading is compiling: YAML with positions, then pydantic (formulas compiled on
the way), then checks across files (unique ids). Every problem of every file
is collected and raised at once as a :class:`~qualscore.errors.RuleSetError`.
"""

from __future__ import annotations

import functools
import hashlib
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, TypeVar, cast

from pydantic import BaseModel, TypeAdapter, ValidationError

from qualscore import _cache
from qualscore._decimal import in_context
from qualscore._gc import collector_paused
from qualscore.catalogue import LANGUAGES, say
from qualscore.errors import Problem, RuleSetError, SourceError
from qualscore.language.parse import mentioned
from qualscore.language.tree import Compare, Name, Text, walk
from qualscore.ruleset import reads
from qualscore.ruleset.codes import CODES
from qualscore.ruleset.cohort import TOTAL, check_cohort, check_ranks, depth_first, levels
from qualscore.ruleset.formula import (
    Formula,
    FormulaError,
    Type,
    compile_formula,
)
from qualscore.ruleset.model import (
    FACT_TYPES,
    MAX_VALUES,
    SUB_NAME,
    SUB_PART,
    Aggregate,
    Bonus,
    Category,
    Check,
    CohortDecl,
    DepartmentDecl,
    FactDecl,
    FactsFile,
    FieldDecl,
    Grade,
    Indicator,
    Item,
    JudgedShape,
    ListDecl,
    Manifest,
    Part,
    Table,
    ValueDecl,
    Veto,
    department_names,
    formulas_in,
    models_in,
)
from qualscore.source import yamlfile as _yaml
from qualscore.source.suggest import MAX_SEARCHES, KnownNames, Suggestions, choice_hint, hint

__all__ = ["Judged", "Location", "RuleSet", "load_rules", "per_ruleset"]

MANIFEST = "ruleset.yaml"
FACTS = "facts.yaml"
CATEGORIES = "categories"

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Location:
    """Where a node of the rule set is written."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True, eq=False)
class RuleSet:
    """A validated, compiled rule set. Immutable; safe to share.

    Attributes:
        path: The folder it was loaded from, as given.
        manifest: ``ruleset.yaml``.
        facts: The declared facts and targets, in declaration order.
        checks: Cross-fact checks from ``facts.yaml``.
        categories: The categories, in file-name order.
        sha256: A fingerprint of every file read.
        locations: Where each item, indicator and category is written, by id.
        documents: The rule files as read, with the position of every node, by name
            relative to the folder (``facts.yaml``, ``categories/1.yaml``).
        node_paths: For each item, indicator and category id, and ``bonus``: its file's
            name and its path in that file, to place a warning on any part of it.
        sources: The sha256 of each rule file's bytes exactly as read and checked, by
            name relative to the folder: what the caches of ``validate`` and of rule sets
            (:mod:`qualscore.ruleset.stored`) are keyed on.
    """

    path: str
    manifest: Manifest
    facts: tuple[FactDecl, ...]
    checks: FactsFile
    categories: tuple[Category, ...]
    sha256: str
    locations: Mapping[str, Location] = field(repr=False)
    documents: Mapping[str, _yaml.Document] = field(default_factory=dict, repr=False)
    node_paths: Mapping[str, tuple[str, _yaml.Loc]] = field(default_factory=dict, repr=False)
    sources: Mapping[str, str] = field(default_factory=dict, repr=False)
    full: RuleSet | None = field(default=None, repr=False)
    """For a view of one entity (:meth:`view`): the whole rule set."""
    group: str | None = None
    """For a view of one entity: the id of its group (which cohort values it is in)."""
    subsets: Mapping[str, RuleSet] = field(default_factory=dict, repr=False)
    """The rule set each list of sub-entities is scored by, by the list's key."""
    outside: frozenset[tuple[str, int]] = frozenset()
    """For a view of one entity: the vetoes and grade bands whose ``applies_to`` leaves
    it out, as ``("vetoes", i)`` and ``("grades", i)``."""

    def locate(self, name: str, loc: _yaml.Loc = ()) -> Location:
        """Where the node at ``loc`` of the rule file ``name`` (``facts.yaml``) is written."""
        doc = self.documents[name]
        line, col = doc.where(loc)
        return Location(doc.path, line, col)

    @property
    def id(self) -> str:
        """The rule set's id."""
        return self.manifest.id

    def fact(self, key: str) -> FactDecl | CohortDecl | ValueDecl | Aggregate:
        """The declaration of ``key``: a fact, a target, a cohort value, a named value or
        an aggregate of a list."""
        return self._facts_by_key[key]

    @cached_property
    def _facts_by_key(self) -> dict[str, FactDecl | CohortDecl | ValueDecl | Aggregate]:
        found: dict[str, FactDecl | CohortDecl | ValueDecl | Aggregate] = {
            v.key: v for v in self.values
        }
        found.update((c.key, c) for c in self.cohort)
        found.update((a.key, a) for a in self.aggregates)
        found.update((f.key, f) for f in self.facts)
        return found

    def label(self, key: str) -> str:
        """The label of a fact, a value of any kind, a list, or a list's record (``tasks[2]``:
        重点工作任务第3条)."""
        found = self._facts_by_key.get(key)
        if found is not None:
            return found.label
        listed, _, index = key.partition("[")  # a list's record: tasks[2]
        label = next((d.label for d in self.lists if d.key == listed), None)
        if label is None:
            return key
        if not index.rstrip("]").isdigit():
            return label
        number = int(index.rstrip("]")) + 1
        return say(self.manifest.language, "record_of", label=label, number=number)

    @property
    def lists(self) -> tuple[ListDecl, ...]:
        """The lists of records (``facts.yaml``'s ``lists:``), in declaration order."""
        return self.checks.lists

    @cached_property
    def aggregates(self) -> tuple[Aggregate, ...]:
        """Every list's aggregates, list by list, each in declaration order."""
        return tuple(a for decl in self.lists for a in decl.aggregates)

    @cached_property
    def list_of(self) -> Mapping[str, ListDecl]:
        """The list each aggregate is of, by the aggregate's key."""
        return MappingProxyType({a.key: d for d in self.lists for a in d.aggregates})

    @property
    def cohort(self) -> tuple[CohortDecl, ...]:
        """The cohort values (``facts.yaml``'s ``cohort:``), in declaration order."""
        return self.checks.cohort

    @property
    def values(self) -> tuple[ValueDecl, ...]:
        """The named values (``facts.yaml``'s ``values:``), in declaration order."""
        return self.checks.values

    @cached_property
    def graph(self) -> reads.Graph:
        """What reads what: named values, node scores and verdicts (:mod:`.reads`)."""
        return reads.graph(self.categories, self.manifest, self.values)

    @cached_property
    def cohort_levels(self) -> tuple[tuple[CohortDecl, ...], ...]:
        """The cohort values by the pass that computes them (:mod:`qualscore.ruleset.cohort`)."""
        return levels(self.cohort, self.categories, self.manifest, self.values)

    def items(self) -> Iterator[Item]:
        """Every item, in order."""
        for category in self.categories:
            for child in category.items:
                yield from (child.items if isinstance(child, Indicator) else (child,))

    def group_of(self, entity: str) -> str | None:
        """The id of the group ``entity`` belongs to (None: no group names it): one lookup,
        however many groups and members (a province's 3,000 counties)."""
        return self._group_by_member.get(entity)

    @cached_property
    def _group_by_member(self) -> dict[str, str]:
        """Each member of a group, to its group (the first group that names it)."""
        found: dict[str, str] = {}
        for group in self.manifest.groups:
            for member in group.members:
                found.setdefault(member, group.id)
        return found

    def vetoes_applying(self) -> tuple[bool, ...]:
        """Whether each veto (``ruleset.yaml``'s, all of them, in order) applies to this
        view's entity: one that does not apply does not hold for it."""
        return tuple(("vetoes", i) not in self.outside for i in range(len(self.manifest.vetoes)))

    def bands(self) -> tuple[Grade, ...]:
        """The grade bands that apply to this view's entity, in order."""
        grades = self.manifest.grades
        return tuple(b for i, b in enumerate(grades) if ("grades", i) not in self.outside)

    def entities(self) -> tuple[str, ...]:
        """Every entity the groups name, in order."""
        return tuple(m for g in self.manifest.groups for m in g.members)

    def view(self, entity: str | None) -> RuleSet:
        """The rule set as it applies to ``entity``: only the nodes whose ``applies_to``
        names it or its group, and only the facts they read. Itself when nothing is
        restricted (no groups, or no entity named)."""
        if entity is None or not self.manifest.groups:
            return self
        known = self._views.get(entity)
        if known is not None:
            return known
        keys = {entity, self.group_of(entity) or ""}

        def applies(node: Category | Indicator | Item | Veto | Grade | Check) -> bool:
            return node.applies_to is None or bool(keys & set(node.applies_to))

        categories: list[Category] = []
        for category in self.categories:
            if not applies(category):
                continue
            children: list[Indicator | Item] = []
            for child in category.items:
                if not applies(child):
                    continue
                if isinstance(child, Indicator):
                    inner = tuple(i for i in child.items if applies(i))
                    if not inner:
                        continue
                    if len(inner) != len(child.items):
                        child = child.model_copy(update={"items": inner})
                children.append(child)
            if category.items and not children:
                continue
            if len(children) != len(category.items):
                category = category.model_copy(update={"items": tuple(children)})
            categories.append(category)
        shape: tuple[Any, ...] = tuple(
            (c.id, tuple(getattr(x, "id", "") for x in c.items)) for c in categories
        ) + tuple(i.id for c in categories for x in c.items for i in getattr(x, "items", ()))
        manifest = self.manifest
        nodes: tuple[tuple[str, tuple[Veto | Grade | Check, ...]], ...] = (
            ("vetoes", manifest.vetoes),
            ("grades", manifest.grades),
            ("checks", self.checks.checks),
        )
        outside = frozenset(
            (where, i) for where, some in nodes for i, node in enumerate(some) if not applies(node)
        )
        if outside:  # a rule set whose vetoes, grades and checks apply to all: as before
            shape = (shape, tuple(sorted(outside)))
        # One view per group and shape: a view knows its group (a value scoped to another
        # group is not worked out for it), and its fingerprint is the shape's alone.
        group = self.group_of(entity)
        found = self._views.get((group, shape))
        if found is None:
            found = self._restricted(tuple(categories), group, repr(shape), outside)
            self._views[(group, shape)] = found
        self._views[entity] = found  # the next call for this entity is one lookup
        return found

    @cached_property
    def _views(self) -> dict[Any, RuleSet]:
        return {}

    def _restricted(
        self,
        categories: tuple[Category, ...],
        group: str | None,
        shape: str,
        outside: frozenset[tuple[str, int]],
    ) -> RuleSet:
        def reads(cats: tuple[Category, ...]) -> set[str]:
            names: set[str] = set()
            for category in cats:
                for child in category.items:
                    for item in child.items if isinstance(child, Indicator) else (child,):
                        names.update(n for f in formulas_in(item) for n in f.names)
            return names

        others: set[str] = set()
        if self.manifest.bonus is not None:
            others.update(n for f in formulas_in(self.manifest.bonus) for n in f.names)
        vetoed: set[str] = set()  # what the vetoes read: only those that apply keep it
        for i, veto in enumerate(self.manifest.vetoes):
            (vetoed if ("vetoes", i) in outside else others).update(veto.when.names)
        dropped = (reads(self.categories) | vetoed) - reads(categories) - others
        facts = tuple(d for d in self.facts if d.key not in dropped)
        checks = self.checks.model_copy(
            update={
                "facts": facts,
                "checks": tuple(
                    c
                    for i, c in enumerate(self.checks.checks)
                    if not set(c.when.names) & dropped and ("checks", i) not in outside
                ),
            }
        )
        # The whole rule set's fingerprint and which of its nodes apply: facts checked
        # against one view are refused by another.
        digest = hashlib.sha256(f"{self.sha256}\0view\0{shape}".encode())
        return RuleSet(
            path=self.path,
            manifest=self.manifest,
            facts=facts,
            checks=checks,
            categories=categories,
            sha256=digest.hexdigest(),
            locations=self.locations,
            documents=self.documents,
            node_paths=self.node_paths,
            sources=self.sources,
            subsets=self.subsets,
            full=self,
            group=group,
            outside=frozenset(o for o in outside if o[0] != "checks"),
        )

    def role(self, item_id: str) -> Role:
        """The kind of section the item is in: ``score``, ``bonus`` or ``penalty``."""
        return self._roles.get(item_id, "score")

    @cached_property
    def _roles(self) -> dict[str, Role]:
        roles: dict[str, Role] = {}
        for category in self.categories:
            for child in category.items:
                for item in child.items if isinstance(child, Indicator) else (child,):
                    roles[item.id] = category.kind
        return roles

    def judged_items(self) -> dict[str, Judged]:
        """What the assessors score, by the key the facts file gives its judgement under:
        an item's id (the item is judged), or ``ITEM/PART`` (a part of it is)."""
        return self._judged

    @cached_property
    def _judged(self) -> dict[str, Judged]:
        found: dict[str, Judged] = {}
        nodes: list[tuple[str, Item | Bonus]] = [(i.id, i) for i in self.items()]
        if self.manifest.bonus is not None:
            nodes.append(("bonus", self.manifest.bonus))
        for item_id, item in nodes:
            if getattr(item.score, "ASSESSED", False):  # the model says (see MODEL_PARTS)
                shape = cast(JudgedShape, item.score)
                lowest, highest = self.bounds(item, item_id)
                # A judged item has points: the loader refuses one without (needs_points).
                assert highest is not None
                found[item_id] = Judged(item, shape, lowest, highest)
            for _, part in models_in(item.score):
                if isinstance(part, Part) and getattr(part.score, "ASSESSED", False):
                    shape = cast(JudgedShape, part.score)
                    key = f"{item_id}/{part.id}"
                    found[key] = Judged(item, shape, _ZERO, part.points, part)
        return found

    def evidence_needed(self) -> dict[str, tuple[str, ...]]:
        """The items that must have their evidence (``evidence: required``, on the item or
        the nearest indicator or section that says), by id: each with the pieces it
        needs, in the order read: the facts its score reads (directly or through named
        values; not targets or cohort values), then ``judged:KEY`` for each judgement
        of it or of its parts (the assessors' evidence)."""
        return self._evidence

    @cached_property
    def _evidence(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        judged = self.judged_items()

        def need(item: Item | Bonus, item_id: str, said: str | None) -> None:
            if (item.evidence or said) != "required":
                return
            keys: dict[str, None] = {}
            for formula in formulas_in(item.score):
                for name in formula.names:
                    self._inputs_of(name, keys)
            keys.update(
                (f"judged:{k}", None) for k in judged if k == item_id or k.startswith(item_id + "/")
            )
            found[item_id] = tuple(keys)

        for category in self.categories:
            for child in category.items:
                if isinstance(child, Indicator):
                    for item in child.items:
                        need(item, item.id, child.evidence or category.evidence)
                else:
                    need(child, child.id, category.evidence)
        if self.manifest.bonus is not None:
            need(self.manifest.bonus, "bonus", None)
        return found

    def _inputs_of(self, name: str, into: dict[str, None]) -> None:
        """The facts ``name`` is, or a named value reads, into ``into`` (in order)."""
        decl = self._facts_by_key.get(name)
        if isinstance(decl, FactDecl):
            if decl.role == "fact":
                into[name] = None
        elif isinstance(decl, ValueDecl):
            for inner in decl.expr.names:
                self._inputs_of(inner, into)
        elif isinstance(decl, Aggregate):  # its list: its evidence, or each record's
            into[self.list_of[name].key] = None

    def bounds(self, item: Item | Bonus, item_id: str) -> tuple[Decimal | None, Decimal | None]:
        """The lowest and highest score of an item (None: no floor, no cap)."""
        return item_bounds(item, self.role(item_id))


Role = Literal["score", "bonus", "penalty"]


class Judged(NamedTuple):
    """What the assessors score: an item, or a part of one (``part``), with the lowest and
    highest score it may be given (a part's: 0 to its points)."""

    item: Item | Bonus
    shape: JudgedShape
    lower: Decimal | None
    upper: Decimal
    part: Part | None = None

    @property
    def noun(self) -> str:
        """``item`` or ``part``: what a message about its judgement calls it."""
        return "item" if self.part is None else "part"

    @property
    def title(self) -> str:
        """The item's title; a part's with its label (``Item 7: site inspection``)."""
        return self.item.title if self.part is None else f"{self.item.title}: {self.part.label}"


def item_bounds(item: Item | Bonus, role: str) -> tuple[Decimal | None, Decimal | None]:
    """An item's score range: [floor, points], or [-points, 0] in a penalty section; None
    for an open end (``floor: none``; ``points: none``: no cap, or no most deduction)."""
    if role == "penalty":
        return (None if item.points is None else -item.points), _ZERO
    return (item.floor if isinstance(item, Item) else _ZERO), item.points


def node_bounds(
    points: Decimal | None, floor: Decimal | None, role: str
) -> tuple[Decimal | None, Decimal | None]:
    """An indicator's or category's range: [floor, points], or [-points, 0] in a penalty one."""
    if role == "penalty":
        return (None if points is None else -points), _ZERO
    return floor, points


@in_context
def load_rules(path: str | Path) -> RuleSet:
    """Load and compile the rule set in the folder ``path``.

    A rule set loaded before from the same bytes by the same engine is rebuilt from
    the cache (:mod:`qualscore.ruleset.stored`), unless ``QUALSCORE_CACHE_DIR`` is
    empty; one loaded from its files is stored there.

    Raises:
        RuleSetError: every problem found, each with its file, line and column.
    """
    with collector_paused():
        if _cache.folder() is None:
            return _load_rules(path)
        from qualscore.ruleset import stored  # it imports this module

        found = stored.recall(path)
        if found is not None:
            return found
        ruleset = _load_rules(path)
        stored.keep(ruleset, path)
        return ruleset


def _load_rules(path: str | Path, sub: bool = False) -> RuleSet:
    root = Path(path)
    shown = str(path).rstrip("/") or "."
    try:
        is_folder, exists = root.is_dir(), root.exists()
        if is_folder:
            next(root.iterdir(), None)  # a folder we may not look into: say so once
    except PermissionError:
        raise RuleSetError([Problem(shown, 0, 0, "permission denied")]) from None
    except OSError as exc:
        raise RuleSetError([Problem(shown, 0, 0, f"cannot read: {exc.strerror}")]) from None
    if not is_folder:
        what = "is not a folder" if exists else "no such folder"
        raise RuleSetError(
            [Problem(shown, 0, 0, f"{what}; a rule set is a folder with {MANIFEST}")]
        )
    reader = _Reader(root, shown)
    facts_doc = reader.read(FACTS)
    types = _types(facts_doc.data if facts_doc else None)
    reader.fact_types = _fact_types(facts_doc.data if facts_doc else None)
    subsets = reader.read_subsets(facts_doc, sub) if facts_doc is not None else {}
    manifest_doc = reader.read(MANIFEST)  # its departments name what every file names
    reader.departments = _departments(manifest_doc)
    reader.language = _language(manifest_doc)  # its mistakes told in it from here on
    unread = len(reader.problems)
    facts = reader.validate(facts_doc, FactsFile, types)
    if reader.unread_subsets:  # what a list's formulas read of rules that did not load: the
        # cause is told (in those rules); each name they read would look unknown
        inside = tuple(f"lists[{i}].aggregates" for i in reader.unread_subsets)
        reader.problems[unread:] = [p for p in reader.problems[unread:]
                                    if not p.message.startswith(inside)]  # fmt: skip
    manifest = reader.validate(manifest_doc, Manifest, types)
    category_files, listing = _category_files(root / CATEGORIES)
    if not category_files:
        reader.problems.append(Problem(f"{shown}/{CATEGORIES}", 0, 0, listing))
    categories = []
    for file in category_files:
        doc = reader.read(f"{CATEGORIES}/{file.name}")
        category = reader.validate(doc, Category, types)
        if category is not None and doc is not None:
            categories.append(category)
            reader.locate(category, doc)
    if facts is not None:
        reader.check_fact_keys(facts)
        reader.check_lists(facts, subsets)
    if facts is not None and manifest is not None:
        reader.check_cohort(facts, manifest, categories)
        reader.check_reads(facts, manifest, categories)
    if manifest is not None:
        if manifest.bonus is not None:
            reader.check_parts(manifest.bonus.score, ("bonus", "score"), reader.docs[MANIFEST])
            reader.check_points(manifest.bonus, ("bonus",), reader.docs[MANIFEST], "bonus")
        reader.check_ids(manifest)
        reader.check_groups(manifest, categories, facts)
        reader.check_grades(manifest)
    if facts is None:
        # Without the declarations every name would look unknown: report the cause only.
        # The declarations' own unknown names (a check reading an undeclared fact) stay:
        # they may be why the declarations failed.
        reader.problems = [
            p
            for p in reader.problems
            if ": unknown name " not in p.message or p.path.endswith(FACTS)
        ]
    if reader.problems or facts is None or manifest is None:
        raise RuleSetError(reader.problems)
    return RuleSet(
        path=shown,
        manifest=manifest,
        facts=facts.facts,
        checks=facts,
        categories=tuple(categories),
        sha256=reader.digest.hexdigest(),
        sources=MappingProxyType(reader.sources),
        subsets=MappingProxyType(subsets),
        locations=MappingProxyType(reader.locations),
        documents=MappingProxyType(reader.docs),
        node_paths=MappingProxyType(reader.paths),
    )


def _category_files(folder: Path) -> tuple[list[Path], str]:
    """The category files, or none and why (a folder that cannot be read says so)."""
    try:
        if not folder.is_dir():
            return [], "no category files (*.yaml)"
        files = sorted(p for p in folder.iterdir() if p.suffix == ".yaml")
    except PermissionError:
        return [], "permission denied"
    except OSError as exc:
        return [], f"cannot read: {exc.strerror}"
    return files, "no category files (*.yaml)"


def _types(raw: Any) -> KnownNames[Type]:
    """Declared types from raw facts data, for compiling formulas: the facts', the
    cohort values' (numbers) and the named values' (their expressions'); with one
    bounded "did you mean" for all the formulas."""
    return KnownNames(_value_types(raw))


def _value_types(raw: Any) -> dict[str, Type]:
    """The named values' types: each its expression's, compiled against the facts, the
    cohort values and the named values typed before it (in as many rounds as values,
    so that the order they are written in does not matter). What does not compile is
    left out here and reported where the facts file is validated."""
    entries = raw.get("values") if isinstance(raw, dict) else None
    pending = [
        (e["key"], e.get("expr"))
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, dict) and isinstance(e.get("key"), str)
    ][:MAX_VALUES]
    names: dict[str, Type] = {}
    lists = raw.get("lists") if isinstance(raw, dict) else None
    for entry in lists if isinstance(lists, list) else []:
        aggregates = entry.get("aggregates") if isinstance(entry, dict) else None
        for aggregate in aggregates if isinstance(aggregates, list) else []:
            if isinstance(aggregate, dict) and isinstance(aggregate.get("key"), str):
                names[aggregate["key"]] = "number"
    cohort = raw.get("cohort") if isinstance(raw, dict) else None
    for entry in cohort if isinstance(cohort, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            names[entry["key"]] = "number"
    facts = raw.get("facts") if isinstance(raw, dict) else None
    for entry in facts if isinstance(facts, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            names[entry["key"]] = FACT_TYPES.get(str(entry.get("type")), "number")
    written = dict(pending)
    deps = {key: sorted(_names_read(expr) & written.keys()) for key, expr in written.items()}
    for key in depth_first(written, deps)[0]:  # each after the values it reads
        names.setdefault(key, _type_of(written[key], names))
    return names


def _fact_types(raw: Any) -> dict[str, Type]:
    """The declared facts' types alone: what a list's formulas may read of the entity
    (its aggregates are worked out from the facts as given, before anything else)."""
    facts = raw.get("facts") if isinstance(raw, dict) else None
    return {
        entry["key"]: FACT_TYPES.get(str(entry.get("type")), "number")
        for entry in (facts if isinstance(facts, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("key"), str)
    }


def _names_read(expr: Any) -> set[str]:
    """The names an expression's text mentions (nothing if it does not parse)."""
    return mentioned(expr) if isinstance(expr, str) else set()


def _type_of(expr: Any, names: Mapping[str, Type]) -> Type:
    """An expression's type; a number if it cannot be compiled (its error comes later,
    where it is written, and a value in a cycle reads values not typed yet)."""
    if isinstance(expr, bool):
        return "bool"
    if isinstance(expr, str):
        try:
            return compile_formula(expr, names).type
        except FormulaError:
            pass
    return "number"


def _language(doc: _yaml.Document | None) -> str | None:
    """The language ``ruleset.yaml`` declares, when it is one of the catalogues'."""
    said = doc.data.get("language") if doc is not None and isinstance(doc.data, dict) else None
    return said if isinstance(said, str) and said in LANGUAGES else None


def _departments(doc: _yaml.Document | None) -> dict[str, str]:
    """The departments ``ruleset.yaml`` declares, each name and alias to its name, read
    before any file is validated so that each reads an alias as its name. Declarations
    that do not validate give none here: the manifest's validation tells what is wrong."""
    raw = doc.data.get("departments") if doc is not None and isinstance(doc.data, dict) else None
    if not raw:
        return {}
    try:
        declared = TypeAdapter(tuple[DepartmentDecl, ...]).validate_python(raw)
    except ValidationError:
        return {}
    return department_names(declared)


class _Reader:
    def __init__(self, root: Path, shown: str) -> None:
        self.root = root
        self.shown = shown
        self.problems: list[Problem] = []
        self.digest = hashlib.sha256()
        self.sources: dict[str, str] = {}
        self.locations: dict[str, Location] = {}
        self.docs: dict[str, _yaml.Document] = {}
        self.placed: list[tuple[str, Location]] = []
        self.paths: dict[str, tuple[str, _yaml.Loc]] = {"bonus": (MANIFEST, ("bonus",))}
        # Every file's unknown keys share one bound: a rule set of 5,000 unknown keys
        # costs MAX_SEARCHES searches, not 5,000.
        self.keys = Suggestions(_field_names(), searches=MAX_SEARCHES)
        self.codes = KnownNames(CODES)  # and its unknown warning codes share another
        self.fact_types: dict[str, Type] = {}
        self.sub_types: dict[str, dict[str, Type]] = {}
        self.departments: dict[str, str] = {}  # every declared name and alias -> name
        self.language: str | None = None  # the manifest's, once read: the files after it
        self.unread_subsets: list[int] = []

    def read_subsets(self, doc: _yaml.Document, sub: bool) -> dict[str, RuleSet]:
        """The rule set of each list of sub-entities (``rules: FOLDER``), loaded from its
        folder inside this one; its files count in this rule set's fingerprint."""
        lists = doc.data.get("lists") if isinstance(doc.data, dict) else None
        out: dict[str, RuleSet] = {}
        for i, entry in enumerate(lists if isinstance(lists, list) else []):
            if not isinstance(entry, dict) or not isinstance(entry.get("rules"), str):
                continue
            key, folder = entry.get("key"), entry["rules"]
            where = ("lists", i, "rules")
            if sub:
                message = f"lists[{i}].rules: a sub-entity's rule set has no sub-entities itself"
                self.problems.append(doc.problem(where, message))
                self.unread_subsets.append(i)
                continue
            inner = PurePosixPath(folder)
            if inner.is_absolute() or ".." in inner.parts or not inner.parts:
                message = f"lists[{i}].rules: {folder!r}: a folder inside the rule set's"
                self.problems.append(doc.problem(where, message))
                self.unread_subsets.append(i)
                continue
            try:
                found = _load_rules(self.root / inner, sub=True)
            except RuleSetError as exc:
                self.problems.extend(exc.problems)
                self.unread_subsets.append(i)
                continue
            if found.cohort:
                message = (
                    f"lists[{i}].rules: {folder}/facts.yaml declares cohort values: a "
                    "sub-entity is scored alone (aggregate across them with this list's "
                    "aggregates)"
                )
                self.problems.append(doc.problem(where, message))
                continue
            self.digest.update(f"{folder}\0{found.sha256}\0".encode())
            self.sources.update((f"{inner}/{n}", d) for n, d in found.sources.items())
            if isinstance(key, str):
                out[key] = found
                self.sub_types[key] = {
                    **{f.key: FACT_TYPES[f.type] for f in found.facts},
                    **{a.key: "number" for a in found.aggregates},
                    **{v.key: cast("Type", v.type) for v in found.values},
                }
        return out

    def read(self, name: str) -> _yaml.Document | None:
        path = self.root / name
        shown = f"{self.shown}/{name}"
        try:
            raw = _yaml.read_bytes(path, shown)
            self.sources[name] = _cache.file_digest(raw)
            text = _yaml.decode(raw, shown)
            self.digest.update(f"{name}\0{len(text)}\0".encode())
            self.digest.update(text.encode())
            doc = _yaml.loads(text, shown, language=self.language)
        except SourceError as exc:
            self.problems.extend(exc.problems)
            return None
        self.docs[name] = doc
        return doc

    def validate(
        self, doc: _yaml.Document | None, model: type[M], types: KnownNames[Type]
    ) -> M | None:
        if doc is None:
            return None
        if not isinstance(doc.data, dict):
            self.problems.append(doc.problem((), "must be a mapping of keys to values"))
            return None
        try:
            context = {"types": types, "codes": self.codes, "fact_types": self.fact_types,
                       "sub_types": self.sub_types, "departments": self.departments}  # fmt: skip
            return model.model_validate(doc.data, context=context)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            # A list whose elements failed is also reported "too short": keep only the cause.
            causes = [tuple(e["loc"]) for e in errors]
            self.problems.extend(
                _problem(doc, e, self.keys)
                for e in errors
                if not (
                    e["type"] == "too_short"
                    and any(
                        c[: len(e["loc"])] == tuple(e["loc"]) and c != tuple(e["loc"])
                        for c in causes
                    )
                )
            )
            return None

    def locate(self, category: Category, doc: _yaml.Document) -> None:
        def place(node_id: str, loc: tuple[str | int, ...]) -> None:
            line, col = doc.where(loc)
            self.placed.append((node_id, Location(doc.path, line, col)))
            self.locations.setdefault(node_id, Location(doc.path, line, col))
            self.paths.setdefault(node_id, (doc.path[len(self.shown) + 1 :], loc))

        place(category.id, ())
        for i, child in enumerate(category.items):
            place(child.id, ("items", i))
            if isinstance(child, Indicator):
                for j, item in enumerate(child.items):
                    place(item.id, ("items", i, "items", j))
                    self.check_item(item, ("items", i, "items", j), doc, category.kind)
            else:
                self.check_item(child, ("items", i), doc, category.kind)

    def check_parts(self, score: Any, loc: tuple[str | int, ...], doc: _yaml.Document) -> None:
        """Each part's id once within its item, at any depth: a judged part's judgement is
        given in the facts file by the item's id and it."""
        seen: dict[str, int] = {}
        for where, node in models_in(score, loc):
            if not isinstance(node, Part) or node.id is None:
                continue
            if node.id in seen:
                first = seen[node.id]
                message = f"part id {node.id!r} is used twice in this item (first at line {first})"
                self.problems.append(doc.problem((*where, "id"), message))
            seen.setdefault(node.id, doc.where((*where, "id"))[0])

    def check_item(
        self, item: Item, loc: tuple[str | int, ...], doc: _yaml.Document, role: str
    ) -> None:
        """Its parts' ids once each; a penalty section's points only deductions;
        ``points: none`` only where nothing needs the points."""
        self.check_parts(item.score, (*loc, "score"), doc)
        self.check_points(item, loc, doc, role)
        if role != "penalty":
            return
        if isinstance(item, Item) and item.floor != _ZERO:
            self.problems.append(
                doc.problem((*loc, "floor"), "a penalty item's floor is minus its points")
            )
        for path, points in _shape_points(item.score, (*loc, "score")):
            if points > 0:
                message = f"a penalty section deducts: write -{points}, not {points}"
                self.problems.append(doc.problem(path, message))

    def check_points(
        self, item: Item | Bonus, loc: tuple[str | int, ...], doc: _yaml.Document, role: str
    ) -> None:
        """An item (or the bonus) with ``points: none`` whose score would read its points:
        the shape's model says why (``needs_points``), and ``not_applicable`` awards them
        unless it says what it awards (a penalty item's most is 0 whatever its points)."""
        if item.points is not None:
            return
        penalty = role == "penalty"
        ask = getattr(item.score, "needs_points", None)  # the model says (see MODEL_PARTS)
        why = None if ask is None else ask(penalty=penalty)
        na = item.not_applicable if isinstance(item, Item) else None
        if why is None and na is not None and na.award is None and not penalty:
            why = "not_applicable awards the item's points: give it an award of its own (award: N)"
        if why is not None:
            self.problems.append(doc.problem((*loc, "points"), f"points: none: {why}"))

    def check_groups(
        self, manifest: Manifest, categories: list[Category], facts: FactsFile | None
    ) -> None:
        """An entity in one group only; ``applies_to`` naming only groups and entities
        (an item's, indicator's, category's, veto's, grade band's or check's)."""
        doc = self.docs.get(MANIFEST)
        seen: dict[str, str] = {}
        for i, group in enumerate(manifest.groups):
            for j, member in enumerate(group.members):
                if member in seen and doc is not None:
                    message = (
                        f"entity {member!r} is in groups {seen[member]!r} and {group.id!r}: "
                        "an entity belongs to one group, whose items it is scored on"
                    )
                    self.problems.append(doc.problem(("groups", i, "members", j), message))
                seen.setdefault(member, group.id)
        names = set(seen) | {g.id for g in manifest.groups}
        suggestions = Suggestions(names, searches=MAX_SEARCHES)
        files: list[tuple[_yaml.Document | None, list[tuple[Any, tuple[str | int, ...]]]]] = []
        for category in categories:
            file = self.paths.get(category.id)
            nodes: list[tuple[Any, tuple[str | int, ...]]] = [(category, ())]
            for i, child in enumerate(category.items):
                nodes.append((child, ("items", i)))
                if isinstance(child, Indicator):
                    nodes += [
                        (item, ("items", i, "items", j)) for j, item in enumerate(child.items)
                    ]
            files.append((self.docs.get(file[0]) if file else None, nodes))
        files.append((doc, [*((v, ("vetoes", i)) for i, v in enumerate(manifest.vetoes)),
                            *((g, ("grades", i)) for i, g in enumerate(manifest.grades))]))
        checks = facts.checks if facts is not None else ()
        files.append((self.docs.get(FACTS), [(c, ("checks", i)) for i, c in enumerate(checks)]))
        for node_doc, nodes in files:
            if node_doc is None:
                continue
            for node, loc in nodes:
                for k, name in enumerate(node.applies_to or ()):
                    if name in names:
                        continue
                    if not manifest.groups:
                        message = "applies_to names entities, but ruleset.yaml declares no groups"
                    else:
                        close = suggestions.hint(name)
                        message = f"applies_to: no group or entity {name!r}{close}"
                    self.problems.append(node_doc.problem((*loc, "applies_to", k), message))

    def check_grades(self, manifest: Manifest) -> None:
        """A veto's ``grade_at_most`` names a grade of ``grades:`` (whose order it caps in)."""
        doc = self.docs.get(MANIFEST)
        grades = tuple(dict.fromkeys(g.grade for g in manifest.grades))
        for i, veto in enumerate(manifest.vetoes):
            name = veto.grade_at_most
            if name is None or name in grades or doc is None:
                continue
            if not grades:
                message = "caps the grade, but ruleset.yaml declares no grades"
            else:
                message = f"no grade {name!r} in grades{hint(name, grades)}"
            where = ("vetoes", i, "grade_at_most")
            self.problems.append(doc.problem(where, f"vetoes[{i}].grade_at_most: {message}"))

    def check_fact_keys(self, facts: FactsFile) -> None:
        doc = self.docs[FACTS]
        seen: set[str] = set()
        for i, decl in enumerate(facts.facts):
            if decl.key in seen:
                self.problems.append(
                    doc.problem(("facts", i, "key"), f"fact {decl.key!r} is declared twice")
                )
            seen.add(decl.key)

    def check_cohort(
        self, facts: FactsFile, manifest: Manifest, categories: list[Category]
    ) -> None:
        """The cohort values' names, nodes, scopes and order; ``rank`` shapes naming ranks."""
        decls = {d.key: d for d in facts.cohort}
        for i, check in enumerate(facts.checks):
            read = [n for n in check.when.names if n in decls]
            if read:
                message = (
                    f"checks[{i}].when: reads cohort value {read[0]!r}: a check is of one "
                    "entity's facts, before any cohort value is known"
                )
                self.problems.append(self.docs[FACTS].problem(("checks", i, "when"), message))
        self.problems.extend(
            check_cohort(
                facts.cohort,
                categories,
                manifest,
                [f.key for f in facts.facts],
                self.docs[FACTS],
                facts.values,
            )
        )
        for category in categories:
            file = self.paths.get(category.id)
            doc = self.docs.get(file[0]) if file else None
            if doc is not None:
                self.problems.extend(check_ranks(category, decls, doc))

    def check_lists(self, facts: FactsFile, subsets: Mapping[str, RuleSet]) -> None:
        """Each list's key, fields, values and aggregates: names taken once, a field for
        ``by``, weights for each value of it, tables keyed by choice fields, and formulas
        that read only what a record and its entity's facts give (a sub-entity's: its
        facts, its named values and its nodes)."""
        doc = self.docs[FACTS]
        taken = {d.key: "fact" for d in facts.facts} | {d.key: "cohort value" for d in facts.cohort}
        taken |= {d.key: "named value" for d in facts.values}
        fact_choices = {d.key: d.choices for d in facts.facts if d.choices is not None}
        for i, decl in enumerate(facts.lists):
            here: tuple[str | int, ...] = ("lists", i)
            if decl.key in taken:
                message = f"lists[{i}].key: {decl.key!r} is the name of a {taken[decl.key]}"
                self.problems.append(doc.problem((*here, "key"), message))
            taken.setdefault(decl.key, "list")
            own: dict[str, str] = {}
            for j, declared in enumerate(decl.fields):
                if declared.key in own or declared.key in taken:
                    what = own.get(declared.key) or taken[declared.key]
                    message = f"lists[{i}].fields[{j}].key: {declared.key!r} is the name of a "
                    message += what
                    self.problems.append(doc.problem((*here, "fields", j, "key"), message))
                own.setdefault(declared.key, "field")
            fields: dict[str, Any] = {f.key: f for f in decl.fields}
            sub = subsets.get(decl.key) if decl.sub else None
            if sub is not None:
                fields = record_fields(decl, sub)
                self._check_sub(i, decl, sub, taken)
            elif decl.sub:
                continue  # its rule set did not load: its problems are told
            later = {v.key for v in decl.values}
            for j, value in enumerate(decl.values):
                later.discard(value.key)
                at = (*here, "values", j)
                if value.key in own or value.key in taken:
                    what = own.get(value.key) or taken[value.key]
                    message = f"lists[{i}].values[{j}].key: {value.key!r} is the name of a {what}"
                    self.problems.append(doc.problem((*at, "key"), message))
                own.setdefault(value.key, "value")
                ahead = sorted(later & set(value.expr.names))
                if ahead:
                    message = (
                        f"lists[{i}].values[{j}]: reads {ahead[0]!r}, declared after it: a "
                        "record's values are worked out in the order written"
                    )
                    self.problems.append(doc.problem((*at, "key"), message))
                if value.table is not None:
                    self.check_table(value.table, (*at, "table"), fields)
            for j, aggregate in enumerate(decl.aggregates):
                at = (*here, "aggregates", j)
                if aggregate.key in taken:
                    message = (
                        f"lists[{i}].aggregates[{j}].key: {aggregate.key!r} is the name of a "
                        f"{taken[aggregate.key]}"
                    )
                    self.problems.append(doc.problem((*at, "key"), message))
                taken.setdefault(aggregate.key, "list's aggregate")
                self._check_by(decl, aggregate, at, fields)
            choices = fact_choices | {
                k: f.choices for k, f in fields.items() if f.choices is not None
            }
            tables = {(*here, "values", j, "expr") for j, v in enumerate(decl.values) if v.table}
            for loc, formula in _formulas_placed(decl, here):
                if loc in tables:
                    continue  # a table written as an expression: its cells are checked as such
                shown = _dotted(doc, loc)
                if sub is not None:  # a sub-entity's nodes: each must be one of its rule set
                    known = set(reads.node_ids(sub.categories, sub.manifest))
                    hints = reads.suggestions_for(known)
                    verdicts = sub.graph.verdicts  # met('total'): its scheme's own verdict
                    if sub.manifest.verdict is not None:
                        verdicts = verdicts | {TOTAL}
                    for message in reads.unknown_reads(formula, known, verdicts, hints):
                        self.problems.append(doc.problem(loc, f"{shown}: {message}"))
                elif formula.nodes:
                    function, node = formula.nodes[0]
                    message = (
                        f"{shown}: reads {function}({node!r}): a list's formulas read its "
                        "fields and the entity's facts, before anything is scored"
                    )
                    self.problems.append(doc.problem(loc, message))
                for message in _unknown_choices(formula, choices):
                    self.problems.append(doc.problem(loc, f"{shown}: {message}"))

    def _check_sub(
        self, i: int, decl: ListDecl, sub: RuleSet, taken: Mapping[str, str]
    ) -> None:
        """A sub-entity's facts and values shadow none of the entity's names, and leave
        ``name`` and ``part`` to name it."""
        doc = self.docs[FACTS]
        for key in [*(f.key for f in sub.facts), *(v.key for v in sub.values),
                    *(a.key for a in sub.aggregates)]:  # fmt: skip
            if key in (SUB_NAME, SUB_PART):
                message = (
                    f"lists[{i}].rules: {decl.rules}/facts.yaml declares {key!r}, the field "
                    f"that names a {'sub-entity' if key == SUB_NAME else 'part of one'}"
                )
                self.problems.append(doc.problem(("lists", i, "rules"), message))
            elif key in taken:
                message = (
                    f"lists[{i}].rules: {decl.rules}/facts.yaml declares {key!r}, also the "
                    f"name of a {taken[key]} here: a formula of this list could not tell them "
                    "apart; rename one"
                )
                self.problems.append(doc.problem(("lists", i, "rules"), message))

    def _check_by(
        self,
        decl: ListDecl,
        aggregate: Aggregate,
        at: tuple[str | int, ...],
        fields: Mapping[str, Any],
    ) -> None:
        """``by`` names a field to group by; a weighted mean's weights, each of its values."""
        doc = self.docs[FACTS]
        if aggregate.by is None:
            return
        field = fields.get(aggregate.by)
        shown = _dotted(doc, (*at, "by"))
        if field is None or field.type not in ("choice", "text"):
            what = (
                f"not a field of {decl.key}{hint(aggregate.by, list(fields))}"
                if field is None
                else f"a {field.type} field"
            )
            message = f"{shown}: {aggregate.by!r} is {what}; records are grouped by a choice "
            message += "or text field"
            self.problems.append(doc.problem((*at, "by"), message))
            return
        if aggregate.weights is None:
            return
        if field.choices is None:
            message = f"{shown}: a weighted_mean is by a choice field, whose values are weighed"
            self.problems.append(doc.problem((*at, "by"), message))
            return
        for key in aggregate.weights:
            if key not in field.choices:
                message = f"{_dotted(doc, (*at, 'weights'))}: "
                message += _no_choice(key, field.key, field.choices)
                self.problems.append(doc.problem((*at, "weights", key), message, key=True))
        unweighed = [c for c in field.choices if c not in aggregate.weights]
        if unweighed:
            message = f"{_dotted(doc, (*at, 'weights'))}: no weight for "
            message += ", ".join(repr(c) for c in unweighed) + " (give 0 to leave it out)"
            self.problems.append(doc.problem((*at, "weights"), message))

    def check_table(
        self, table: Table, loc: tuple[str | int, ...], declared: Mapping[str, Any]
    ) -> None:
        """A lookup table's rows and columns are choice facts (or a list's choice fields),
        each cell's key is one of their values (with a "did you mean"), and every value
        has its cell."""
        doc = self.docs[FACTS]
        axes = [("rows", table.rows)] + ([("columns", table.columns)] if table.columns else [])
        choices: dict[str, tuple[str, ...]] = {}
        for axis, key in axes:
            decl = declared.get(key)
            if decl is None or decl.choices is None:
                what = "not a declared fact" if decl is None else f"a {decl.type} fact"
                message = f"{_dotted(doc, (*loc, axis))}: {key!r} is {what}; a table is keyed "
                message += "by choice facts (type: choice)"
                self.problems.append(doc.problem((*loc, axis), message))
                return
            choices[axis] = decl.choices
        rows = choices["rows"]
        for row, cells in table.cells.items():
            if row not in rows:
                message = f"{_dotted(doc, (*loc, 'cells'))}: {_no_choice(row, table.rows, rows)}"
                self.problems.append(doc.problem((*loc, "cells", row), message, key=True))
            if isinstance(cells, dict):
                columns = choices["columns"]
                for column in (c for c in cells if c not in columns):
                    at = (*loc, "cells", row, column)
                    said = _no_choice(column, str(table.columns), columns)
                    message = f"{_dotted(doc, at[:-1])}: {said}"
                    self.problems.append(doc.problem(at, message, key=True))
        given = {(r, c) for r, c, _ in table.pairs()}
        wanted = [(r, c) for r in rows for c in choices.get("columns", (None,))]
        missing = [(r, c) for r, c in wanted if (r, c) not in given]
        if missing:
            shown = ", ".join(r if c is None else f"{r} × {c}" for r, c in missing[:6])
            more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
            message = f"{_dotted(doc, (*loc, 'cells'))}: no cell for {shown}{more}"
            self.problems.append(doc.problem((*loc, "cells"), message))

    def check_reads(
        self, facts: FactsFile, manifest: Manifest, categories: list[Category]
    ) -> None:
        """Named values' keys; every node a formula reads; cycles of what reads what."""
        doc = self.docs[FACTS]
        declared_facts = {d.key: d for d in facts.facts}
        taken = {d.key: "fact" for d in facts.facts} | {d.key: "cohort value" for d in facts.cohort}
        for listed in facts.lists:
            taken.setdefault(listed.key, "list")
            taken.update((a.key, "list's aggregate") for a in listed.aggregates)
        for i, decl in enumerate(facts.values):
            if decl.key in taken:
                message = f"values[{i}].key: {decl.key!r} is the name of a {taken[decl.key]}"
                self.problems.append(doc.problem(("values", i, "key"), message))
            taken.setdefault(decl.key, "value")
        for i, decl in enumerate(facts.values):
            if decl.table is not None:
                self.check_table(decl.table, ("values", i, "table"), declared_facts)
        named = {v.key for v in facts.values}
        for i, check in enumerate(facts.checks):
            read = [n for n in check.when.names if n in named] + [
                f"{f}({n!r})" for f, n in check.when.nodes
            ]
            if read:
                message = (
                    f"checks[{i}].when: reads {read[0]}: a check is of one entity's facts as "
                    "given, before anything is worked out from them"
                )
                self.problems.append(doc.problem(("checks", i, "when"), message))
        for i, cohort in enumerate(facts.cohort):
            if cohort.of is not None and cohort.of.nodes:
                message = (
                    f"cohort[{i}].of: reads {cohort.of.nodes[0][0]}(): "
                    "rank a node with score: instead"
                )
                self.problems.append(doc.problem(("cohort", i, "of"), message))
        found = reads.graph(categories, manifest, facts.values)
        ids = reads.node_ids(categories, manifest)
        known, hints = set(ids), reads.suggestions_for(ids)
        places: list[tuple[_yaml.Document, Any]] = [(doc, facts)]
        if MANIFEST in self.docs:
            places.append((self.docs[MANIFEST], manifest))
        for category in categories:
            file = self.paths.get(category.id)
            if file is not None and file[0] in self.docs:
                places.append((self.docs[file[0]], category))
        choices = {d.key: d.choices for d in facts.facts if d.choices is not None}
        tables = {("values", i, "expr") for i, d in enumerate(facts.values) if d.table}
        for where_doc, model in places:
            for loc, formula in _formulas_placed(model):
                if loc in tables and where_doc is doc:
                    continue  # a table written as an expression: its cells are checked as such
                if loc[:1] == ("lists",) and where_doc is doc:
                    continue  # a list's formulas: checked with its fields (check_lists)
                for message in reads.unknown_reads(formula, known, found.verdicts, hints):
                    shown = _dotted(where_doc, loc)
                    self.problems.append(where_doc.problem(loc, f"{shown}: {message}"))
                for message in _unknown_choices(formula, choices):
                    shown = _dotted(where_doc, loc)
                    self.problems.append(where_doc.problem(loc, f"{shown}: {message}"))
        for cycle in found.cycles():
            words = [reads.describe(u) for u in cycle]
            chain = " → ".join(words if len(words) <= 12 else [*words[:10], "…", words[-1]])
            first = cycle[0]
            if first[0] == "value":
                index = next(i for i, v in enumerate(facts.values) if v.key == first[1])
                message = f"values[{index}].expr: a cycle: {chain}"
                self.problems.append(doc.problem(("values", index, "expr"), message))
                continue
            place = self.paths.get(first[1] or "bonus")
            if place is None or place[0] not in self.docs:
                place = (MANIFEST, ("verdict",))
            loc = (*place[1], "verdict") if first[0] == "verdict" else place[1]
            where_doc = self.docs[place[0]]
            shown = _dotted(where_doc, loc) or first[1]
            self.problems.append(where_doc.problem(loc, f"{shown}: a cycle: {chain}"))

    def check_ids(self, manifest: Manifest) -> None:
        reserved = {"bonus"} | {v.id for v in manifest.vetoes}
        seen: dict[str, Location] = {}
        for node_id, where in self.placed:
            if node_id in reserved:
                message = f"id {node_id!r} is reserved for the bonus or a veto"
            elif node_id in seen:
                message = f"id {node_id!r} is used twice (first at {seen[node_id]})"
            else:
                seen[node_id] = where
                continue
            self.problems.append(Problem(where.path, where.line, where.col, message))


def record_fields(decl: ListDecl, sub: RuleSet | None = None) -> dict[str, Any]:
    """What a list's records have, by key: its fields, or (a list of sub-entities) its
    rule set's facts with the sub-entity's ``name`` and ``part``."""
    if sub is None:
        return {f.key: f for f in decl.fields}
    named = {
        SUB_NAME: FieldDecl.model_validate({"key": SUB_NAME, "type": "text", "label": "名称"}),
        SUB_PART: FieldDecl.model_validate({"key": SUB_PART, "type": "text", "label": "部分"}),
    }
    return {**named, **{f.key: f for f in sub.facts}}


def _formulas_placed(
    node: Any, at: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Formula]]:
    """Every formula in a model, with its place in the file."""
    for loc, model in models_in(node, at):
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            if isinstance(value, Formula):
                yield (*loc, info.alias or name), value


def _shape_points(shape: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[Any, Decimal]]:
    """Every number of points a shape awards, with where it is written (a penalty's check):
    its model's ``awards``, none for a shape without it (see ``MODEL_PARTS``)."""
    awards = getattr(shape, "awards", None)
    if awards is not None:
        yield from awards(loc)


@functools.cache
def _field_names() -> frozenset[str]:
    from qualscore.ruleset import model

    names: set[str] = set()
    for name in model.__all__:
        cls = getattr(model, name)
        if isinstance(cls, type) and issubclass(cls, BaseModel):
            for fname, info in cls.model_fields.items():
                names.add(info.alias or fname)
    return frozenset(names)


def _unknown_choices(
    formula: Formula, choices: Mapping[str, tuple[str, ...]]
) -> Iterator[str]:
    """A text compared with a choice fact that is none of its values (a misspelt grade
    would never match, and the comparison would never hold), with a "did you mean"."""
    if not choices:
        return
    for node in walk(formula.tree):
        if not isinstance(node, Compare):
            continue
        facts = [o.key for o in node.operands if isinstance(o, Name) and o.key in choices]
        for text in (o.value for o in node.operands if isinstance(o, Text)):
            for key in facts:
                if text not in choices[key]:
                    yield _no_choice(text, key, choices[key], listed=True)


def _no_choice(text: str, key: str, choices: tuple[str, ...], *, listed: bool = False) -> str:
    """``'b' is not a value of tier``, the values listed or not, with a "did you mean"."""
    shown = ""
    if listed:
        more = ", …" if len(choices) > 8 else ""
        shown = " (" + ", ".join(repr(c) for c in choices[:8]) + more + ")"
    return f"{text!r} is not a value of {key}{shown}{choice_hint(text, choices)}"


def _dotted(doc: _yaml.Document, loc: tuple[str | int, ...], *, leaf: bool = True) -> str:
    """``items[2].score.bands[0]``: the loc as it stands in the data (union tags dropped)."""
    out = ""
    node: Any = doc.data
    for part in loc:
        if isinstance(node, dict) and part in node:
            out += f".{part}" if out else str(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out += f"[{part}]"
            node = node[part]
        elif leaf and isinstance(part, str) and isinstance(node, dict) and part == loc[-1]:
            out += f".{part}" if out else part
    return out


def _problem(doc: _yaml.Document, error: Any, keys: Suggestions) -> Problem:
    """One pydantic error as a problem; ``keys`` suggests a key for an unknown one."""
    loc = tuple(error["loc"])
    kind = error["type"]
    key = False
    if kind == "extra_forbidden":
        key = True
        text = str(loc[-1])
        if text.count(")") > text.count("("):
            message = (
                f"unknown key {loc[-1]!r}: a comma inside an unquoted expression split the "
                "{…} mapping; quote the expression"
            )
        elif text in _field_names():  # a key of another place: suggesting itself helps nobody
            message = f"unknown key {loc[-1]!r}; it is not a key at this place"
        else:
            message = f"unknown key {loc[-1]!r}{keys.hint(text)}"
    elif kind == "missing":
        message = f"missing key {loc[-1]!r}"
        loc_text = _dotted(doc, loc[:-1], leaf=False)
        line, col = doc.where(loc[:-1])
        return Problem(doc.path, line, col, f"{loc_text}: {message}" if loc_text else message)
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        message = message[:1].lower() + message[1:]
    where = _dotted(doc, loc)
    line, col = doc.where(loc, key=key)
    return Problem(doc.path, line, col, f"{where}: {message}" if where else message)


def per_ruleset(make: Callable[[RuleSet], T]) -> Callable[[RuleSet], T]:
    """``make(ruleset)`` worked out once per rule set and kept while the rule set lives
    (a compiled plan, a fact table): the one memo of what a rule set determines."""
    found: weakref.WeakKeyDictionary[RuleSet, T] = weakref.WeakKeyDictionary()

    @functools.wraps(make)
    def once(ruleset: RuleSet) -> T:
        value = found.get(ruleset)
        if value is None:
            value = found[ruleset] = make(ruleset)
        return value

    return once
