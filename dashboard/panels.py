"""Focus panels under two challenges, and the headline indicator of each challenge.

A panel lists the indicators it draws on; it shows its figures when any of them is in the
warehouse and otherwise says what is missing (for the board) and the command that loads it (for
officers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from dashboard import queries

LOAD_FROM = "python -m etl build --from <folder with the downloaded files>"


@dataclass(frozen=True)
class Panel:
    """One focus panel."""

    key: str
    title: str
    challenge: str
    indicator_ids: tuple[str, ...]
    source: str  # where the figures come from, in words
    load_hint: str  # the command (or step) that loads them
    missing: str = ""  # what the panel would show, for a reader when nothing is loaded


PANELS: tuple[Panel, ...] = (
    Panel(
        "fit_notes",
        "Fit notes issued by GP practices",
        "exclusion",
        ("fit_notes_per_1000_16_64", "fit_notes_not_fit_pct", "fit_notes_long_duration_pct"),
        "NHS England, Fit Notes Issued by GP Practices (published for NHS sub-ICB areas)",
        f"`{LOAD_FROM}` with the NHS England fit-note CSV files in that folder",
        "how many fit notes GPs issue per 1,000 working-age residents and how many say "
        "'not fit for work', for the NHS areas covering the partnership",
    ),
    Panel(
        "job_adverts",
        "Online job adverts",
        "employer_vacancies",
        (
            "job_adverts_new_per_1000_16_64",
            "job_adverts_new_by_occupation",
            "job_adverts_per_1000_16_64",
            "job_adverts_total",
            "job_adverts_by_occupation",
            "job_adverts_adzuna_units",
        ),
        "ONS online job adverts by local authority (Textkernel / Adzuna)",
        f"`{LOAD_FROM}` with the ONS online job adverts workbook in that folder",
        "how many jobs employers advertise online in each place, and in which occupations",
    ),
    Panel(
        "uk_vacancies",
        "UK vacancies by industry (national context)",
        "employer_vacancies",
        ("uk_vacancies_by_industry", "uk_vacancies_per_100_jobs_by_industry"),
        "ONS Vacancy Survey, VACS02 / X06 (UK only: there is no local series)",
        f"`{LOAD_FROM}` with the ONS VACS02 or X06 workbook in that folder",
        "which industries have the most vacancies across the UK, for context",
    ),
    Panel(
        "care_workforce",
        "Health and social care workforce",
        "employer_vacancies",
        (
            "employment_by_industry",
            "job_adverts_new_by_occupation",
            "job_adverts_by_occupation",
            "uk_vacancies_by_industry",
            "uk_vacancies_per_100_jobs_by_industry",
        ),
        "BRES employment in SIC section Q, online job adverts in care occupations, and the UK "
        "vacancies in health and social work",
        f"`{LOAD_FROM}` with the BRES (NM_189_1) industry extract, the job adverts workbook and "
        "the ONS vacancies workbook",
        "how many people work in health and social care in each place, and the adverts and "
        "vacancies in it",
    ),
)

# The first of these with figures for places is a challenge's headline on the overview.
HEADLINES: dict[str, tuple[str, ...]] = {
    # The Adzuna series' "units" mean nothing outside their own panel: never a headline.
    "employer_vacancies": (
        "job_adverts_new_per_1000_16_64",
        "job_adverts_per_1000_16_64",
        "jobs_density",
        "employment_by_industry",
    ),
    "disparities": (
        "employment_rate_16_64",
        "claimant_rate_16_64",
        "census_economically_inactive_pct",
    ),
    "exclusion": (
        "inactivity_rate_16_64",
        "inactive_long_term_sick_pct_of_inactive",
        "census_long_term_sick_pct",
        "fit_notes_per_1000_16_64",
    ),
    "youth": (
        "neet_or_not_known_16_17_pct",
        "youth_claimant_rate_16_24",
        "claimant_count_16_24",
        "census_never_worked_pct",
    ),
    "insecure_work": (
        "below_living_wage_pct",
        "part_time_pct",
        "temporary_pct",
    ),
    "women": (
        "employment_rate_female_16_64",
        "inactive_looking_after_family_pct",
        "census_lone_parent_households_pct",
    ),
}
# Cards whose headline must come from their own list: another challenge's indicator (the
# all-persons employment rate for women) would only repeat that card.
OWN_HEADLINE_ONLY = frozenset({"women", "employer_vacancies"})
NEIGHBOURHOOD_LEVELS = ("msoa", "lsoa")
CARE_SIC = "sic:Q"
# SOC 2020 health and care groups: health professionals, health and social care associate
# professionals, caring personal service occupations (and their sub-groups).
CARE_SOC = ("soc:22", "soc:32", "soc:61")
SIC_SECTION = re.compile(r"^sic:[A-U]$")
CARD_LEVELS = ("lad", "subicb")


def held(indicator_ids: tuple[str, ...]) -> list[str]:
    """The indicators among ``indicator_ids`` with figures in the warehouse."""
    ind = queries.indicators()
    have = set(ind.loc[ind["n_obs"] > 0, "indicator_id"])
    return [i for i in indicator_ids if i in have]


def headline(challenge_id: str) -> tuple[str, str] | None:
    """(indicator id, level) of the challenge's headline, or None when nothing is loaded.

    The preferred indicators come first, at a place level (local authority or sub-ICB area) that
    has figures for the partnership's places; then, for a preferred indicator published only for
    neighbourhoods, that level (the card shows each place's range). Otherwise any indicator of
    the challenge with figures for places that no other card leads with, rates before counts;
    cards in ``OWN_HEADLINE_ONLY`` never fall back.
    """
    ind = queries.indicators()
    ind = ind[ind["n_obs"] > 0]
    by_id = {r.indicator_id: r for r in ind.itertuples(index=False)}

    def level_of(row, levels: tuple[str, ...] = CARD_LEVELS) -> str | None:
        held_levels = list(row.place_levels)
        return next((lv for lv in levels if lv in held_levels), None)

    preferred = [by_id[i] for i in HEADLINES.get(challenge_id, ()) if i in by_id]
    for row in preferred:
        if level_of(row):
            return row.indicator_id, level_of(row)
    for row in preferred:
        if level_of(row, NEIGHBOURHOOD_LEVELS):
            return row.indicator_id, level_of(row, NEIGHBOURHOOD_LEVELS)
    if challenge_id in OWN_HEADLINE_ONLY:
        return None
    others = {i for ch, ids in HEADLINES.items() if ch != challenge_id for i in ids}
    mine = [r for r in by_id.values() if challenge_id in list(r.challenges) and level_of(r)
            and r.indicator_id not in others]
    mine.sort(key=lambda r: (r.unit not in ("%", "per 1,000", "ratio"), r.polarity == "none"))
    return (mine[0].indicator_id, level_of(mine[0])) if mine else None


def care_occupation(breakdown: str) -> bool:
    """True for the SOC 2020 health and care occupation groups (and their sub-groups)."""
    return any(str(breakdown).startswith(code) for code in CARE_SOC)


# Occupation series, newest first: new adverts per quarter, then the discontinued snapshot.
ADVERTS_BY_OCCUPATION = ("job_adverts_new_by_occupation", "job_adverts_by_occupation")
CARE_WORKERS = "soc:6135"  # SOC 2020 unit group: care workers and home carers


def sub_major_group(breakdown: str) -> bool:
    """True for a SOC 2020 sub-major group (``soc:61``), the level adverts are charted at."""
    return bool(re.fullmatch(r"soc:\d\d", str(breakdown)))


def industry_section(breakdown: str) -> bool:
    """True for a single SIC 2007 section (``sic:Q``), not a group such as ``sic:G-S``."""
    return bool(SIC_SECTION.match(str(breakdown)))


def care_share(rows: pd.DataFrame) -> pd.DataFrame:
    """Employment in SIC section Q as a share of all employment, per area (latest period)."""
    total = rows[rows["breakdown"] == "total"][["area_code", "area_name", "period", "value"]]
    care = rows[rows["breakdown"] == CARE_SIC][["area_code", "period", "value"]]
    merged = care.merge(total, on=["area_code", "period"], suffixes=("_q", "_total"))
    merged["share_pct"] = 100 * merged["value_q"] / merged["value_total"]
    return merged[["area_code", "area_name", "period", "value_q", "value_total", "share_pct"]]
