"""Every White Paper challenge tells a local story from the real files alone: with only the shared
data loaded, each challenge has at least two headline measures with a figure for each of the six
places, from at least two datasets; youth opens on a youth measure, women's on measures by sex."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core.vocabulary import CHALLENGES
from etl import build

pytestmark = pytest.mark.shared_data

PLACES = ("E06000055", "E06000056", "E06000032", "E06000042", "E06000061", "E06000062")


@pytest.fixture(scope="module")
def warehouse(shared_data, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("all") / "w.duckdb"
    build.run("files", db, from_dir=shared_data)
    return db


def headline_measures(db: Path) -> dict[str, list[tuple[int, str, list[str]]]]:
    """challenge -> its headline measures with a figure for all six places in one period:
    (headline, indicator, datasets of those figures)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            """
            WITH figures AS (
                SELECT o.indicator_id, o.period_end, o.area_code, s.dataset
                FROM observations o JOIN sources s USING (source_id)
                WHERE o.value IS NOT NULL AND list_contains($places, o.area_code)
            ), complete AS (
                SELECT indicator_id, period_end, list(DISTINCT dataset) AS datasets
                FROM figures GROUP BY ALL
                HAVING count(DISTINCT area_code) = len($places)
            )
            SELECT i.challenges[1], i.headline, i.indicator_id,
                   flatten(list(c.datasets)) AS datasets
            FROM indicators i JOIN complete c USING (indicator_id)
            WHERE i.headline IS NOT NULL
            GROUP BY ALL ORDER BY ALL
            """,
            {"places": list(PLACES)},
        ).fetchall()
    finally:
        con.close()
    out: dict[str, list] = {c: [] for c in CHALLENGES}
    for challenge, headline, indicator, datasets in rows:
        out[challenge].append((headline, indicator, sorted(set(datasets))))
    return out


def test_every_challenge_has_two_headline_measures_for_all_six_places_from_two_datasets(
    warehouse,
):
    found = headline_measures(warehouse)
    for challenge, measures in found.items():
        assert len(measures) >= 2, (challenge, measures)
        datasets = {d for _, _, ds in measures for d in ds}
        assert len(datasets) >= 2, (challenge, measures)
    listed = {c: [m[1] for m in ms] for c, ms in found.items()}
    assert listed == {
        "employer_vacancies": ["employment_by_occupation", "apprenticeship_starts_per_100k"],
        "disparities": ["employment_rate_16_64", "unemployment_rate_16_64",
                        "level3_plus_pct_16_64"],
        "exclusion": ["inactivity_rate_16_64", "census_long_term_sick_pct",
                      "inactive_long_term_sick_pct_of_inactive"],
        "youth": ["neet_16_17_pct", "level3_plus_pct_20_24"],
        "insecure_work": ["part_time_pct", "median_weekly_pay_resident"],
        "women": ["claimant_rate_female_16_64", "no_qualifications_female_pct_16_64"],
    }
    # Women's measures are by sex (claimant count table CC01, APS T19); youth's for young people
    # (DfE NEET, APS T19's 20-24 age band).
    datasets = {c: {d for _, _, ds in ms for d in ds} for c, ms in found.items()}
    assert datasets["women"] == {"ons_cc01", "aps_t19"}
    assert datasets["youth"] == {"dfe_neet", "aps_t19"}
    assert datasets["insecure_work"] == {"census_ts066", "ashe_resident"}


def test_youth_opens_on_a_youth_measure_and_each_challenge_numbers_its_headlines(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT challenges[1], headline, indicator_id FROM indicators "
            "WHERE headline IS NOT NULL ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    first = {c: i for c, h, i in rows if h == 1}
    assert set(first) == set(CHALLENGES)
    assert first["youth"] == "neet_16_17_pct"
    for challenge in CHALLENGES:
        numbers = [h for c, h, _ in rows if c == challenge]
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) in (2, 3)
