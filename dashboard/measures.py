"""Measures that look alike but are not the same: the one line that tells them apart, for any
view that shows both."""

from __future__ import annotations

from collections.abc import Iterable

# (indicator ids that look alike, the line that tells them apart). A view shows a line when it
# shows at least two of its measures.
SIMILAR: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"inactivity_rate_16_64", "census_economically_inactive_pct"}),
     "Two inactivity figures: the survey rate (Annual Population Survey) is for residents aged "
     "16 to 64 over a year, with a confidence interval; the Census 2021 share counts every usual "
     "resident aged 16 and over on one day, retired people included, so it is much higher."),
    (frozenset({"inactive_long_term_sick_pct_of_inactive", "census_long_term_sick_pct"}),
     "Two long-term sickness figures: the survey one is a share of economically inactive "
     "residents aged 16 to 64; the Census 2021 one a share of all usual residents aged 16 and "
     "over."),
    (frozenset({"no_qualifications_pct_16_64", "no_qualifications_female_pct_16_64"}),
     "Two no-qualification figures: one for all residents aged 16 to 64 (Explore Local "
     "Statistics, 2022 on), the other for women only, from the older Nomis table T19 (to 2021)."),
    (frozenset({"level3_plus_pct_16_64", "level4_plus_female_pct_16_64"}),
     "Two qualification levels: Level 3 or above (A level or equivalent) for all residents aged "
     "16 to 64, and NVQ4 or above (degree level) for women only."),
    (frozenset({"neet_16_17_pct", "neet_or_not_known_16_17_pct", "not_known_16_17_pct"}),
     "Three NEET figures: NEET counts the young people known to be out of education, employment "
     "or training; 'NEET or not known' adds those whose activity the council does not know, "
     "the Department for Education's headline measure."),
    (frozenset({"unemployment_rate_16_64", "unemployment_rate_modelled",
                "claimant_rate_16_64"}),
     "Unemployment measures differ: the survey rate is a share of economically active "
     "residents aged 16 to 64; the modelled rate (aged 16 and over) adds the claimant count to "
     "steady it; the claimant rate counts benefit claims, a share of all residents aged 16 to "
     "64."),
    (frozenset({"job_adverts_adzuna_units", "job_adverts_total", "job_adverts_per_1000_16_64"}),
     "Two job-advert series: the Adzuna series (to January 2022) is in ONS units, not adverts, "
     "and cannot be compared with the later Textkernel counts."),
)


def notes(indicator_ids: Iterable[str]) -> list[str]:
    """The lines for the look-alike measures among ``indicator_ids`` (two or more of a set)."""
    shown = set(indicator_ids)
    return [text for ids, text in SIMILAR if len(ids & shown) >= 2]
