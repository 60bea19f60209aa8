"""NHS England fit notes for the two sub-ICB areas of the default configuration, by month,
status, diagnosis chapter and duration."""

from __future__ import annotations

import calendar
import random

from etl.samplegen.output import csv_bytes
from etl.samplegen.places import LADS

# NHS sub-ICB areas of the default configuration: ODS code, name as NHS England writes it, members.
SUB_ICBS = (
    ("M1J4Y", "NHS Bedfordshire, Luton and Milton Keynes ICB - M1J4Y",
     ("E06000055", "E06000056", "E06000032", "E06000042")),
    ("78H", "NHS Northamptonshire ICB - 78H", ("E06000061", "E06000062")),
)
FIT_NOTE_MONTHS = [(y, m) for y in (2023, 2024) for m in range(1, 13)]
DIAGNOSES = (
    ("Mental and behavioural disorders", 0.36),
    ("Diseases of the musculoskeletal system and connective tissue", 0.19),
    ("Other", 0.45),
)
DURATIONS = (("< 21 Days", 0.46), (">= 21 Days", 0.49), ("Indefinite", 0.05))


def fit_notes_csv(rng: random.Random) -> bytes:
    """NHS England fit notes by sub-ICB location, month, status, diagnosis chapter and duration
    (the documented layout; ``*`` marks a suppressed small count)."""
    pop = {p.code: p.pop_16_64 for p in LADS}
    rows: list[list[object]] = [[
        "Date", "Sub ICB Location code", "Sub ICB Location name", "Fit note status",
        "Diagnosis (ICD10 chapter)", "Duration", "Count of fit notes",
    ]]
    for code, name, members in SUB_ICBS:
        per_1000 = 25.0 if code == "M1J4Y" else 27.5  # a month's fit notes per 1,000 aged 16-64
        people = sum(pop[m] for m in members)
        for i, (year, month) in enumerate(FIT_NOTE_MONTHS):
            winter = 1.08 if month in (1, 2, 3, 10, 11, 12) else 0.95
            total = people / 1000 * per_1000 * winter * (1 + 0.004 * i) * rng.uniform(0.96, 1.04)
            label = f"{calendar.month_abbr[month]}-{year % 100:02d}"  # as a spreadsheet saves it
            for status, share in (("Not fit", 0.935), ("May be fit", 0.065)):
                for diagnosis, d_share in DIAGNOSES:
                    for duration, t_share in DURATIONS:
                        count = round(total * share * d_share * t_share * rng.uniform(0.9, 1.1))
                        rows.append([label, code, name, status, diagnosis, duration,
                                     "*" if count < 5 else count])
    return csv_bytes(rows, crlf=True)
