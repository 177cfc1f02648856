"""Seeded random entities: valid facts for a rule set, with edge values often.

Every value respects its fact's declared type and range, and the Rugao
cross-fact check (``first_class_ports_failing <= first_class_ports``) always
holds. About a third of the numbers are drawn from the scheme's own edges
(exact tier bounds, a value equal to last year's, a zero population), so that
every band and every "not applicable" branch is reached many times.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = [
    "PER_TABLE",
    "FactSpec",
    "edges_of",
    "random_entities",
    "random_facts",
    "write_csv",
    "write_tables",
]

FactSpec = tuple[str, str, Decimal | None, Decimal | None]
"""A declared fact: key, type, lowest allowed value, highest allowed value (None: none)."""

_CENT = Decimal("0.01")

# The Rugao scheme's edges: every tier bound (the value on it, and just below it),
# and values that make a rounding, a "started 5 %" step or a deduction cap exact.
RUGAO_EDGES: dict[str, tuple[str, ...]] = {
    "credit_reports": ("0", "9", "10", "11"),
    "food_risk_monitoring_coverage": ("94.99", "95", "99.99", "100"),
    "circulation_sampling_completion": ("0", "88", "92.9", "93", "97", "98", "100"),
    "supervision_staff_ratio": ("74.99", "75"),
    "new_project_supervision_coverage": ("89.99", "90", "99.99", "100"),
    "first_class_ports": ("0", "1", "2", "4"),
    "invention_patents_per_10k": ("0", "3.99", "4", "8", "11.99", "12"),
    "national_spot_check_pass_rate": ("84.99", "85", "89.99", "90"),
    "provincial_spot_check_pass_rate": ("89.99", "90", "91.99", "92"),
    "agri_monitoring_pass_rate": ("89.99", "90", "95.99", "96"),
    "green_food_share": ("0", "29.99", "30", "36.45", "45", "90", "100"),
    "provincial_food_check_pass_rate": ("89.99", "90", "94.99", "95"),
    "special_equipment_accident_rate": ("0", "0.29", "0.3"),
    "special_equipment_death_rate": ("0", "0.09", "0.1"),
    "major_project_first_acceptance_rate": ("99.99", "100"),
    "major_project_filing_rate": ("99.99", "100"),
    "other_project_first_acceptance_rate": ("94.99", "95", "97.99", "98"),
    "water_sections_failing": ("0", "1", "5", "6"),
    "producer_service_satisfaction": ("64.99", "65", "70", "85"),
    "consumer_service_satisfaction": ("64.99", "65", "70", "80"),
    "public_quality_satisfaction": ("59.99", "60", "65", "70"),
    "jiangsu_brand_products": ("0", "1", "3", "7"),
    "enterprises_above_scale": ("0", "400", "1460"),
    "city_avg_brand_permille": ("0", "2.5", "5.8", "6.49", "6.5"),
    "new_geographical_indications": ("0", "1", "2", "3"),
    "new_aa_credit_target": ("0", "1", "4"),
    "new_certified_target": ("0", "10", "50"),
    "standardization_pilots_applied": ("0", "1", "4"),
    "standardization_pilots_target": ("0", "6", "8"),
    "aaa_measurement_certified": ("0", "1", "3", "5"),
    "energy_saving_enterprises": ("0", "100", "134", "180"),
}

# Pairs (current, previous): the current year often equals last year's value exactly.
_PAIRS: tuple[tuple[str, str], ...] = (
    ("credit_entry_rate", "credit_entry_rate_previous"),
    ("closure_rate_12315", "closure_rate_12315_previous"),
    ("closure_rate_12365", "closure_rate_12365_previous"),
    ("closure_rate_12312", "closure_rate_12312_previous"),
    ("closure_rate_12331", "closure_rate_12331_previous"),
    ("closure_rate_12301", "closure_rate_12301_previous"),
    ("quality_funding", "quality_funding_previous"),
    ("engineering_complaint_rate", "engineering_complaint_rate_previous"),
    ("new_aa_credit_enterprises", "new_aa_credit_target"),
    ("new_certified_enterprises", "new_certified_target"),
    ("standardization_pilots_applied", "standardization_pilots_target"),
)


def edges_of(specs: Iterable[FactSpec]) -> dict[str, tuple[Decimal, ...]]:
    """The Rugao edges of the declared facts, kept only where they are in range."""
    out: dict[str, tuple[Decimal, ...]] = {}
    for key, _type, low, high in specs:
        values = tuple(Decimal(v) for v in RUGAO_EDGES.get(key, ()))
        values = tuple(
            v for v in values if (low is None or v >= low) and (high is None or v <= high)
        )
        if values:
            out[key] = values
    return out


def _draw(rng: random.Random, kind: str, low: Decimal | None, high: Decimal | None) -> Any:
    if kind == "bool":
        return rng.random() < 0.7
    bottom = low if low is not None else Decimal(0)
    top = high if high is not None else bottom + Decimal(rng.choice((3, 10, 60, 2000)))
    if kind == "count":
        return Decimal(rng.randint(int(bottom), int(top)))
    return Decimal(rng.randint(int(bottom * 100), int(top * 100))) * _CENT


def random_facts(
    specs: Sequence[FactSpec],
    rng: random.Random,
    edges: Mapping[str, tuple[Decimal, ...]] | None = None,
) -> dict[str, Any]:
    """One valid entity: ``bool`` for flags, ``Decimal`` for numbers."""
    edges = edges if edges is not None else edges_of(specs)
    facts: dict[str, Any] = {}
    bounds = {key: (low, high) for key, _t, low, high in specs}
    for key, kind, low, high in specs:
        if key in edges and rng.random() < 0.35:
            facts[key] = rng.choice(edges[key])
        else:
            facts[key] = _draw(rng, kind, low, high)
    for current, previous in _PAIRS:
        if current in facts and previous in facts and rng.random() < 0.25:
            facts[current] = facts[previous]
    if "quality_funding" in facts and rng.random() < 0.15:
        # A fall of exactly 10 %: still 1 point.
        facts["quality_funding"] = (facts["quality_funding_previous"] * Decimal("0.9")).quantize(
            _CENT
        )
        low, high = bounds["quality_funding"]
        if (low is not None and facts["quality_funding"] < low) or (
            high is not None and facts["quality_funding"] > high
        ):
            facts["quality_funding"] = facts["quality_funding_previous"]
    if "first_class_ports_failing" in facts:
        ports = int(facts["first_class_ports"])
        facts["first_class_ports_failing"] = Decimal(
            ports if ports and rng.random() < 0.3 else rng.randint(0, ports)
        )
    return facts


def random_entities(specs: Sequence[FactSpec], count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` entities, the same for the same seed."""
    rng = random.Random(seed)
    edges = edges_of(specs)
    return [random_facts(specs, rng, edges) for _ in range(count)]


def write_csv(
    path: Path, keys: Sequence[str], entities: Iterable[Mapping[str, Any]], first: int = 0
) -> None:
    """One table: an ``entity`` column (``e000000``...), then one column per fact."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("entity", *keys))
        for i, facts in enumerate(entities, start=first):
            writer.writerow((f"e{i:06d}", *(_cell(facts[k]) for k in keys)))


PER_TABLE = 2000
"""Entities per CSV file: ``qualscore batch`` reads no input file over 2 MiB, and a
Rugao row is about 700 bytes."""


def write_tables(
    folder: Path,
    keys: Sequence[str],
    entities: Sequence[Mapping[str, Any]],
    per_table: int = PER_TABLE,
) -> list[Path]:
    """The entities as CSV tables of ``per_table`` rows each, names unique across them."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, first in enumerate(range(0, len(entities), per_table)):
        path = folder / f"entities-{n:03d}.csv"
        write_csv(path, keys, entities[first : first + per_table], first)
        paths.append(path)
    return paths


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
