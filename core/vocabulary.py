"""The words every layer shares: area levels, figure statuses, polarity, aggregation, challenges.

The warehouse schema's CHECK lists are these tuples (a contract test holds them equal), the
catalogue is checked against them, and the dashboard shows :data:`STATUSES` text to readers.
"""

from __future__ import annotations

# Area levels, from smallest to largest. The warehouse and the maps use these names.
LEVELS: tuple[str, ...] = ("lsoa", "msoa", "lad", "subicb", "partnership", "region", "country")

# Figure statuses and the words a reader sees for each. None (no status) is a normal figure.
STATUSES: dict[str, str] = {
    "suppressed": "Not available: sample too small or disclosive",
    "low_reliability": "Unreliable estimate: small sample",
    "below_threshold": "Estimate below 500",
    "missing": "Figure missing in the source",
    "not_applicable": "Not applicable",
    "provisional": "Provisional",
    "estimated": "Estimated: part of the figure is missing or suppressed, or an input stands in "
    "from the nearest period (the indicator's notes say which)",
    "modelled": "Modelled: apportioned from a wider area",
    "aggregated": "Summed from its smaller areas; no confidence interval can be derived",
}

# Strength of statuses when several apply to one figure (the most serious wins).
STATUS_RANK: dict[str | None, int] = {
    None: 0,
    "provisional": 1,
    "estimated": 1,
    "aggregated": 1,
    "modelled": 2,
    "below_threshold": 3,
    "low_reliability": 4,
    "missing": 5,
    "not_applicable": 5,
    "suppressed": 6,
}

# Which way is better for an indicator.
POLARITIES: tuple[str, ...] = ("high_is_good", "low_is_good", "none")

# How the partnership's figure is made from its places' figures.
AGGREGATES: tuple[str, ...] = ("ratio", "sum", "none")

# The six challenges of the Get Britain Working White Paper (2024), in the White Paper's order.
CHALLENGES: dict[str, str] = {
    "employer_vacancies": "Employer vacancies",
    "disparities": "Disparities in labour market outcomes",
    "exclusion": "Exclusion from the labour market",
    "youth": "Youth employment",
    "insecure_work": "Insecure and low-quality work",
    "women": "Challenges for women",
}

# What became of each file (or live request) a build found: read, passed by, a second copy of
# one already read, a format it reads but broken, or a live fetch that failed.
FILE_OUTCOMES: tuple[str, ...] = ("loaded", "skipped", "duplicate", "quarantined", "failed")
