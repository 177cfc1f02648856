"""The facts check generated per rule set gives exactly the full check's Facts, or none."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualscore
import qualscore.facts.check as check
import qualscore.facts.generated as generated
from conftest import ROOT
from qualscore import FactsError, RuleSet
from qualscore._decimal import exact
from qualscore.facts.check import MAX_MAGNITUDE, Facts, check_facts_document
from qualscore.facts.generated import checker_source, generated_facts
from qualscore.ruleset.model import FactDecl
from qualscore.source import yamlfile as _yaml

SHIPPED = sorted(
    p.parent.relative_to(ROOT).as_posix()
    for p in [*ROOT.glob("rules/*/ruleset.yaml"), *ROOT.glob("examples/**/ruleset.yaml")]
)
"""Every rule set the project ships."""
RUGAO = ROOT / "rules/rugao-2018"
CITY = ROOT / "examples/rugao-2018/city-sample.yaml"


@pytest.fixture(scope="module")
def shipped() -> dict[str, RuleSet]:
    return {path: qualscore.load_rules(ROOT / path) for path in SHIPPED}


@pytest.fixture(scope="module")
def rugao() -> tuple[RuleSet, dict[str, Any]]:
    rules = qualscore.load_rules(RUGAO)
    return rules, dict(qualscore.load_facts(rules, CITY).values)


def full(rules: RuleSet, data: dict[str, Any]) -> Facts | None:
    """What the full check gives (None: it refuses them)."""
    try:
        with exact():
            return check_facts_document(rules, dict(data), _yaml.Document("<facts>", dict(data)))
    except FactsError:
        return None


def quick(rules: RuleSet, data: dict[str, Any]) -> Facts | None:
    with exact():
        return generated_facts(rules, data, "<facts>")


def same(got: Facts, want: Facts) -> None:
    """Alike in every field, each value's type and text (exponent, trailing zeros), their
    order and the fingerprint."""
    shown = [(k, type(v), str(v)) for k, v in got.values.items()]
    assert shown == [(k, type(v), str(v)) for k, v in want.values.items()]
    assert got == want
    assert got.sha256 == want.sha256
    assert (got.entity, got.period, dict(got.reserved)) == (
        want.entity, want.period, dict(want.reserved),
    )  # fmt: skip


# ---------------------------------------------------------------- drawn facts

_HAIR = Decimal("0.01")
_FLAG_TEXTS = ["true", "false", "TRUE", "False", " true ", "\tfalse\n", "是", "否", " 是 ",
               "yes", "1", "", "真"]  # fmt: skip


def _edges(decl: FactDecl) -> list[Decimal]:
    """The values on a fact's bounds and a hair beyond, and some in between."""
    low, high = decl.bounds
    out = [Decimal(0), Decimal("-0"), Decimal("-0.00"), Decimal(1), Decimal("12.50")]
    for bound in (low, high):
        if bound is not None:
            out += [bound, bound - _HAIR, bound + _HAIR, bound - 1, bound + 1]
    out += [MAX_MAGNITUDE, MAX_MAGNITUDE + 1, -MAX_MAGNITUDE, Decimal("1E+3"), Decimal("1E-7")]
    return out


def _texts(number: Decimal) -> st.SearchStrategy[str]:
    """``number`` written as text in every way the full check reads."""
    plain = format(number, "f")
    sign, digits, exponent = number.as_tuple()
    mantissa = ("-" if sign else "") + "".join(map(str, digits))
    forms = [
        plain, str(number), f" {plain} ", f"\t{plain}\n", plain + ("0" if "." in plain else ".0"),
        plain + "000" if "." in plain else plain + ".000", f"{mantissa}e{exponent}",
        f"{mantissa}E{int(exponent):+d}", f"{plain}e0", f"{plain}%", f"{plain}x",
    ]  # fmt: skip
    if not sign:
        forms += [f"+{plain}", f" +{plain} "]
    return st.sampled_from(forms)


_ODD = [None, True, False, "", "abc", "NaN", "-Infinity", "1_000", "١", [1], {"value": 1}]
"""Values no number is."""


def _number_value(decl: FactDecl) -> st.SearchStrategy[Any]:
    low, high = decl.bounds
    edges = st.sampled_from(_edges(decl))
    inside = st.decimals(
        min_value=low if low is not None else -1000,
        max_value=high if high is not None else 10**6,
        allow_nan=False,
        allow_infinity=False,
    )
    number = st.one_of(edges, inside, st.decimals())
    return st.one_of(
        number,  # a Decimal, NaN, infinities and long ones among them
        number.filter(lambda d: d.is_finite()).flatmap(_texts),
        number.filter(lambda d: d.is_finite()).map(lambda d: d.scaleb(2).scaleb(-2)),
        st.integers(min_value=-(10**16), max_value=10**16),
        st.floats(),
        st.sampled_from(_ODD),
    )


def _value(decl: FactDecl) -> st.SearchStrategy[Any]:
    if decl.type == "bool":
        return st.one_of(
            st.booleans(),
            st.sampled_from(_FLAG_TEXTS),
            st.sampled_from([None, 1, 0, Decimal(1), 1.0, [True]]),
        )
    if decl.choices is not None:
        words = list((decl.choice_labels or {}).values())
        known = [*decl.choices, *words]
        return st.one_of(
            st.sampled_from(known),
            st.sampled_from(known).map(lambda c: f" {c}\t"),
            st.sampled_from([None, "", "zzz", 1, Decimal(2), True]),
        )
    return _number_value(decl)


def _taken(rules: RuleSet, data: dict[str, Any]) -> bool:
    """Whether ``data`` has only what the generated check reads itself: the declared
    keys (and ``entity``, ``period``), numbers as Decimal, int, float or text, booleans as
    booleans or text, choices as text, a blank only for a target."""
    if checker_source(rules) is None:
        return False
    declared = {f.key: f for f in rules.facts}
    if set(data) - {"entity", "period"} != set(declared):
        return False
    for key, raw in data.items():
        decl = declared.get(key)
        if decl is None:
            continue
        if raw is None:
            if decl.role != "target":
                return False
            continue
        kinds: tuple[type, ...] = (Decimal, int, float, str)
        if decl.type == "bool":
            kinds = (bool, str)
        elif decl.choices is not None:
            kinds = (str,)
        if type(raw) not in kinds:
            return False
    return True


@st.composite
def _facts(draw: st.DrawFn, rules: RuleSet) -> dict[str, Any]:
    """One mapping for ``rules``: every fact drawn (most left as a valid sample), keys
    sometimes left out or added, the order sometimes changed."""
    facts = list(rules.facts)
    data = {f.key: draw(_valid(f)) for f in facts}
    for decl in draw(st.lists(st.sampled_from(facts), max_size=6)):
        data[decl.key] = draw(_value(decl))
    if draw(st.integers(0, 9)) == 0 and data:
        data.pop(draw(st.sampled_from(sorted(data))))
    extra = draw(st.integers(0, 9))
    if extra == 0:
        data["extra"] = 1
    elif extra in (1, 2):
        data[draw(st.sampled_from(["entity", "period"]))] = draw(
            st.sampled_from(["甲市", 2018, Decimal("2018"), " 乙 ", "", None, True, "a\nb"])
        )
    if draw(st.booleans()):
        data = dict(reversed(data.items()))
    return data


def _valid(decl: FactDecl) -> st.SearchStrategy[Any]:
    """A value of the fact the full check takes, mostly."""
    if decl.type == "bool":
        return st.booleans()
    if decl.choices is not None:
        return st.sampled_from(decl.choices)
    low, high = decl.bounds
    if decl.type == "count":
        start = int(low or 0)
        return st.integers(start, int(min(high or start + 50, start + 50))).map(Decimal)
    return st.decimals(
        min_value=low if low is not None else -50,
        max_value=high if high is not None else 5000,
        allow_nan=False,
        allow_infinity=False,
        places=2,
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_agrees_with_the_full_check(
    shipped: dict[str, RuleSet], path: str, data: st.DataObject
) -> None:
    """Over every shipped rule set: where the full check refuses, the generated one gives
    nothing; where it accepts what the generated check reads, it gives the same Facts
    (values, their text, order, fingerprint); anything else it leaves to the full check."""
    rules = shipped[path]
    facts = data.draw(_facts(rules))
    got, want = quick(rules, facts), full(rules, facts)
    if want is None or not _taken(rules, facts):
        if got is not None:
            assert want is not None
            same(got, want)
    else:
        assert got is not None, facts
        same(got, want)


def test_which_rule_sets_are_generated(shipped: dict[str, RuleSet]) -> None:
    """Rule sets with entity groups, judged items, evidence, suppliers or lists are always
    checked in full; the others have a generated check."""
    made = {path for path, rules in shipped.items() if checker_source(rules) is not None}
    assert "rules/rugao-2018" in made and "rules/rugao-2018-towns" in made
    assert "examples/qingshui-rivers" not in made  # (entity groups)
    assert "examples/county-schools" not in made  # (lists of sub-entities)
    assert quick(shipped["examples/qingshui-rivers"], {}) is None


# ---------------------------------------------------------------- each widened form


def _fact(rules: RuleSet, kind: str, low: Decimal | None, high: Decimal | None) -> str:
    return next(f.key for f in rules.facts if f.type == kind and f.bounds == (low, high))


WIDENED = [
    # (the kind of fact, the value given, the value read: its text exactly)
    ("percent", "100", "100"),
    ("percent", "100.0", "100.0"),
    ("percent", " 5 ", "5"),
    ("percent", "\t5.50\n", "5.50"),
    ("percent", "+5", "5"),
    ("percent", "+0", "0"),
    ("percent", "-0", "0"),
    ("percent", "-0.00", "0.00"),
    ("percent", "1e2", "100"),
    ("percent", "1E+2", "100"),
    ("percent", "0.5e1", "5"),
    ("percent", "0.50e1", "5.0"),
    ("percent", "5e-1", "0.5"),
    ("percent", "5.000", "5.000"),
    ("percent", ".5", "0.5"),
    ("percent", "5.", "5"),
    ("percent", "0.0000001", "1E-7"),
    ("percent", "007", "7"),
    ("percent", Decimal("1E+2"), "100"),
    ("percent", Decimal("-0"), "0"),
    ("percent", Decimal("5.000"), "5.000"),
    ("percent", 100, "100"),
    ("percent", 87.3, "87.3"),
    ("percent", 1e-7, "1E-7"),
    ("percent", 0.1 + 0.2, "0.30000000000000004"),
    ("count", "1e3", "1000"),
    ("count", " +3 ", "3"),
    ("count", "3.0", "3.0"),
    ("count", Decimal("3.00"), "3.00"),
    ("count", 3.0, "3.0"),
    ("amount", 10**15, "1000000000000000"),
    ("amount", "1e15", "1000000000000000"),
    ("amount", Decimal("999999999999999.999999999999999999"), "999999999999999.999999999999999999"),
    ("bool", "TRUE", "True"),
    ("bool", "true", "True"),
    ("bool", " False ", "False"),
    ("bool", "是", "True"),
    ("bool", "否", "False"),
    ("bool", " 否\t", "False"),
]  # fmt: skip

REFUSED = [
    # (the kind of fact, a value the full check refuses)
    ("percent", "100.01"),
    ("percent", "100.00000000000000000000000000000001"),
    ("percent", "-0.01"),
    ("percent", Decimal("100.01")),
    ("percent", Decimal("-1E-30")),
    ("percent", 100.00000000000001),
    ("percent", "1e3"),
    ("percent", "1e99999999999999999999"),
    ("percent", "5%"),
    ("percent", "1_0"),
    ("percent", "١"),
    ("percent", "NaN"),
    ("percent", Decimal("NaN")),
    ("percent", Decimal("sNaN")),
    ("percent", Decimal("Infinity")),
    ("percent", float("nan")),
    ("percent", "0.12345678901234567890123456789012345"),
    ("percent", Decimal("0.12345678901234567890123456789012345")),
    ("percent", True),
    ("percent", None),
    ("percent", ""),
    ("count", "3.5"),
    ("count", Decimal("0.5")),
    ("count", "-1"),
    ("count", Decimal("1E-7")),
    ("amount", 10**15 + 1),
    ("amount", Decimal("1000000000000000.000000000000000001")),
    ("amount", "1e16"),
    ("amount", 10**5000),
    ("bool", "yes"),
    ("bool", "1"),
    ("bool", 1),
    ("bool", Decimal(1)),
    ("bool", None),
    ("bool", ""),
]


def _shown(value: Any) -> str:
    """A test id: the value's repr, cut short (an int of 5,000 digits has none)."""
    try:
        return repr(value)[:40]
    except ValueError:
        return f"{type(value).__name__} of many digits"


def _key(rules: RuleSet, kind: str) -> str:
    """A fact of this kind with the default bounds of its type."""
    return next(f.key for f in rules.facts if f.type == kind and f.min is None and f.max is None)


@pytest.mark.parametrize(("kind", "given", "read"), WIDENED, ids=_shown)
def test_each_widened_form_exactly(
    rugao: tuple[RuleSet, dict[str, Any]], kind: str, given: Any, read: str
) -> None:
    """Each way of writing a value the full check takes is taken by the generated check,
    read to the same Decimal (exponent and trailing zeros) or boolean."""
    rules, values = rugao
    key = _key(rules, kind)
    data = {**values, key: given}
    got, want = quick(rules, data), full(rules, data)
    assert want is not None and got is not None
    same(got, want)
    assert str(got.values[key]) == read
    assert type(got.values[key]) is (bool if kind == "bool" else Decimal)


@pytest.mark.parametrize(("kind", "given"), REFUSED, ids=_shown)
def test_each_value_refused_is_left_to_the_full_check(
    rugao: tuple[RuleSet, dict[str, Any]], kind: str, given: Any
) -> None:
    """A value the full check refuses (on its bound a hair beyond, not finite, too many
    digits, not whole, not a boolean) gets nothing from the generated check."""
    rules, values = rugao
    data = {**values, _key(rules, kind): given}
    assert full(rules, data) is None
    assert quick(rules, data) is None


@pytest.mark.parametrize("given", ["100", "100.000", Decimal("1E+2"), 100, 100.0, "0", "-0"])
def test_a_bound_exactly_on_it(rugao: tuple[RuleSet, dict[str, Any]], given: Any) -> None:
    """A percent exactly on its bounds, 0 and 100, however written, is taken."""
    rules, values = rugao
    data = {**values, _key(rules, "percent"): given}
    got, want = quick(rules, data), full(rules, data)
    assert got is not None and want is not None
    same(got, want)


def _lowest(rules: RuleSet) -> dict[str, Any]:
    """Facts for ``rules`` the full check takes: each at its lowest (0 where it has none),
    true, or its first choice."""
    data: dict[str, Any] = {}
    for f in rules.facts:
        if f.type == "bool":
            data[f.key] = True
        elif f.choices is not None:
            data[f.key] = f.choices[0]
        else:
            data[f.key] = f.bounds[0] if f.bounds[0] is not None else Decimal(0)
    return data


@pytest.mark.parametrize("path", ["examples/county-schools/schools", "examples/demo"])
def test_each_bound_exactly_on_it_and_a_hair_beyond(
    shipped: dict[str, RuleSet], path: str
) -> None:
    """Every number on each of its bounds (declared or its type's) is taken; a hair
    beyond (one unit of its 34th digit) it is refused, by both checks."""
    rules = shipped[path]
    base = _lowest(rules)
    assert full(rules, base) is not None
    for decl in rules.facts:
        if decl.type == "bool" or decl.choices is not None:
            continue
        for bound, step in zip(decl.bounds, (-1, 1), strict=True):
            if bound is None:
                continue
            with exact():  # (34 digits: the default context's 28 would round it away)
                beyond = {**base, decl.key: bound + Decimal(step).scaleb(bound.adjusted() - 33)}
            on = {**base, decl.key: bound}
            if (want := full(rules, on)) is not None:  # (a cross-fact check may refuse it)
                got = quick(rules, on)
                assert got is not None, (decl.key, bound)
                same(got, want)
            assert full(rules, beyond) is None and quick(rules, beyond) is None, decl.key


def test_cross_fact_check_on_its_edge(rugao: tuple[RuleSet, dict[str, Any]]) -> None:
    """The cross-fact check (failing ports <= ports): equal holds, one more fails."""
    rules, values = rugao
    ports = {**values, "first_class_ports": Decimal(3), "first_class_ports_failing": Decimal(3)}
    assert quick(rules, ports) is not None
    over = {**ports, "first_class_ports_failing": Decimal(4)}
    assert quick(rules, over) is None and full(rules, over) is None


def test_blank_targets(shipped: dict[str, RuleSet]) -> None:
    """A target left blank is left out of the values, as the full check leaves it out."""
    for path in ("rules/rugao-2018-towns", "examples/demo"):
        rules = shipped[path]
        targets = [f for f in rules.facts if f.role == "target"]
        assert targets
        data: dict[str, Any] = {}
        for f in rules.facts:
            low = f.bounds[0] or Decimal(0)
            data[f.key] = True if f.type == "bool" else low
        data.update({f.key: None for f in targets})
        got, want = quick(rules, data), full(rules, data)
        assert want is not None and got is not None
        same(got, want)
        assert not any(f.key in got.values for f in targets)


def test_entity_and_period(rugao: tuple[RuleSet, dict[str, Any]]) -> None:
    """``entity`` and ``period`` are read as the full check reads them; a bad one is left
    to it."""
    rules, values = rugao
    data = {"entity": " 如皋 ", **values, "period": 2018}
    got, want = quick(rules, data), full(rules, data)
    assert got is not None and want is not None
    same(got, want)
    assert (got.entity, got.period) == ("如皋", "2018")
    assert quick(rules, {**values, "entity": ""}) is None


def test_choices(shipped: dict[str, RuleSet]) -> None:
    """A choice by its value, by its words, or with spaces around it; another is left to
    the full check."""
    rules = shipped["examples/county-schools/schools"]
    decl = next(f for f in rules.facts if f.choices is not None)
    assert decl.choices is not None
    data = _lowest(rules)
    words = list((decl.choice_labels or {}).values())
    for written in [*decl.choices, *words, f" {decl.choices[0]} "]:
        chosen = {**data, decl.key: written}
        got, want = quick(rules, chosen), full(rules, chosen)
        assert got is not None and want is not None
        same(got, want)
    assert quick(rules, {**data, decl.key: "no such choice"}) is None


# ---------------------------------------------------------------- the caller's path


def test_a_plain_dict_never_runs_the_full_check(
    rugao: tuple[RuleSet, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check_facts``, ``evaluate`` and ``score`` on a mapping written in any of the
    widened forms take the generated check, and give what the full check gives."""
    rules, values = rugao
    data: dict[str, Any] = {}
    for n, (key, value) in enumerate(values.items()):
        if isinstance(value, bool):
            data[key] = ("TRUE" if value else "否") if n % 2 else value
        else:
            data[key] = [value, str(value), f" +{value} ", f"{value}e0", float(value)][n % 5]
    want = full(rules, data)
    assert want is not None

    def refused(*_: Any) -> Facts:
        raise AssertionError("the full check ran")

    monkeypatch.setattr(check, "check_facts_document", refused)
    same(qualscore.check_facts(rules, data), want)
    assert qualscore.evaluate(rules, data).facts_sha256 == want.sha256
    assert qualscore.score(rules, data).total == qualscore.evaluate(rules, want).total


# ---------------------------------------------------------------- the fingerprint


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the fingerprints worked out (by the generated check's and the full one's)."""
    calls: list[int] = []

    def counted(wrapped: Callable[..., str]) -> Callable[..., str]:
        def count(*args: Any) -> str:
            calls.append(1)
            return wrapped(*args)

        return count

    monkeypatch.setattr(generated, "_sha256", counted(generated._sha256))
    monkeypatch.setattr(generated, "fingerprint_of", counted(check.fingerprint_of))
    monkeypatch.setattr(check, "_digest", counted(check._digest))
    return calls


def test_the_fingerprint_is_worked_out_when_read(
    rugao: tuple[RuleSet, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking, evaluating and scoring a mapping work out no fingerprint; reading it works
    it out once, equal to the full check's."""
    rules, values = rugao
    want = full(rules, values)
    assert want is not None
    eager = want.sha256
    calls = _counting(monkeypatch)
    facts = qualscore.check_facts(rules, values)
    result = qualscore.evaluate(rules, values)
    qualscore.score(rules, values)
    assert calls == []
    assert facts.sha256 == eager and facts.sha256 == eager
    assert len(calls) == 1
    assert result.facts_sha256 == eager and result.facts_sha256 == eager
    assert len(calls) == 2
    assert qualscore.evaluate(rules, facts).facts_sha256 == eager
    assert len(calls) == 2  # (the facts had theirs already)


def test_the_full_checks_fingerprint_is_worked_out_when_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A facts file checked in full works out its fingerprint when it is read too."""
    rules = qualscore.load_rules(RUGAO)
    eager = qualscore.load_facts(rules, CITY).sha256
    calls = _counting(monkeypatch)
    facts = qualscore.load_facts(rules, CITY)
    assert calls == []
    assert facts.sha256 == eager and len(calls) == 1


def test_the_fingerprint_with_blanks_and_choices(shipped: dict[str, RuleSet]) -> None:
    """Where a target is blank or a choice is given, the fingerprint is the full check's."""
    rules = shipped["rules/rugao-2018-towns"]
    data: dict[str, Any] = {f.key: f.bounds[0] or Decimal(1) for f in rules.facts}
    data.update({f.key: None for f in rules.facts if f.role == "target"})
    got, want = quick(rules, data), full(rules, data)
    assert got is not None and want is not None and got.sha256 == want.sha256


def test_lazy_fingerprints_pickle_and_compare(rugao: tuple[RuleSet, dict[str, Any]]) -> None:
    """A result sent to another process carries its fingerprint; results and facts compare
    equal whether or not it was worked out."""
    rules, values = rugao
    result = qualscore.evaluate(rules, values)
    other = qualscore.evaluate(rules, values)
    assert result == other  # (works both out)
    fresh = qualscore.evaluate(rules, values)
    copy = pickle.loads(pickle.dumps(fresh))
    assert copy.facts_sha256 == other.facts_sha256 and copy.to_dict() == other.to_dict()
    one, two = qualscore.check_facts(rules, values), qualscore.check_facts(rules, values)
    assert one == two and one.sha256 == two.sha256
    assert repr(one) == repr(two)


def test_the_generated_source_names_no_fact_by_code(rugao: tuple[RuleSet, dict[str, Any]]) -> None:
    """Fact keys appear in the generated code only as string literals."""
    rules, _ = rugao
    source = checker_source(rules)
    assert source is not None
    for decl in rules.facts:
        for line in source.splitlines():
            if decl.key in line and not line.lstrip().startswith("#"):
                assert repr(decl.key) in line


def test_a_fact_named_like_a_local_cannot_shadow(make_rules: Any, item_yaml: Any) -> None:
    """Facts called ``values``, ``data``, ``n0`` or ``fl`` are read by their keys like any
    other: no fact's name is a name in the generated code."""
    rules = make_rules(
        """
        - {key: values, type: count, label: Values}
        - {key: data, type: percent, label: Data}
        - {key: n0, type: number, label: N0, min: -5, max: 5}
        - {key: fl, type: bool, label: Fl}
        """,
        item_yaml("{kind: formula, expr: values + data + n0}"),
        checks_yaml="- {when: n0 <= values, message: n0 is at most values}",
    )
    data = {"values": "3", "data": Decimal("50.5"), "n0": "-5", "fl": "TRUE"}
    got, want = quick(rules, data), full(rules, data)
    assert got is not None and want is not None
    same(got, want)
    assert quick(rules, {**data, "n0": "4"}) is None  # (the check: 4 <= 3 fails)
