"""Census 2021 bulk CSVs of table TS066 (economic activity status), one per level of area."""

from __future__ import annotations

import random
from collections.abc import Sequence

from etl.samplegen.output import csv_bytes
from etl.samplegen.places import Place

TS066 = "Economic activity status"
TS066_COLUMNS = (
    "Total: All usual residents aged 16 years and over",
    "Economically active (excluding full-time students)",
    "Economically active (excluding full-time students):In employment",
    "Economically active (excluding full-time students): Unemployed",
    "Economically active and a full-time student",
    "Economically active and a full-time student:In employment",
    "Economically active and a full-time student: Unemployed",
    "Economically inactive",
    "Economically inactive: Retired",
    "Economically inactive: Student",
    "Economically inactive: Looking after home or family",
    "Economically inactive: Long-term sick or disabled",
    "Economically inactive: Other",
)


def census_ts066(places: Sequence[Place], rng: random.Random) -> bytes:
    """A Census 2021 bulk CSV (``census2021-ts066-<level>.csv`` layout, a subset of columns)."""
    rows: list[list[object]] = [
        ["date", "geography", "geography code", *(f"{TS066}: {c}" for c in TS066_COLUMNS)]
    ]
    for place in places:
        total = round(place.pop_16_plus * rng.gauss(0.985, 0.005))
        inactive = round(total * rng.gauss(0.375, 0.015))
        student_active = round(total * rng.gauss(0.025, 0.004))
        active = total - inactive - student_active
        unemployed = round(active * rng.gauss(0.045, 0.006))
        student_unemployed = round(student_active * rng.gauss(0.16, 0.02))
        shares = {
            "Retired": rng.gauss(0.57, 0.03),
            "Student": rng.gauss(0.14, 0.02),
            "Looking after home or family": rng.gauss(0.12, 0.01),
            "Long-term sick or disabled": rng.gauss(0.105, 0.012),
        }
        parts = {k: round(inactive * v) for k, v in shares.items()}
        parts["Other"] = inactive - sum(parts.values())
        rows.append(
            [
                2021,
                place.name,
                place.code,
                total,
                active,
                active - unemployed,
                unemployed,
                student_active,
                student_active - student_unemployed,
                student_unemployed,
                inactive,
                parts["Retired"],
                parts["Student"],
                parts["Looking after home or family"],
                parts["Long-term sick or disabled"],
                parts["Other"],
            ]
        )
    return csv_bytes(rows)
