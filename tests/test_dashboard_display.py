"""The display model on real query results: what a reader sees in each kind of figure table.

Rows come from the query layer over the sample warehouse built by the real ETL; expected texts
are worked out here from the warehouse's numbers (rounding, separators, intervals, verdicts).
"""

from __future__ import annotations

import pandas as pd
import pytest

from core.vocabulary import STATUSES
from dashboard import display, queries
from dashboard import profile as prof
from dashboard.aspiration import aspiration
from dashboard.formatting import total_title
from tests.test_app_pages import (
    ENGLAND,
    LADS,
    PARTNERSHIP,
    nearest_hundred,
    pct,
    sample_app,  # noqa: F401  (fixture)
    sample_geometry,  # noqa: F401  (fixture)
    sample_warehouse,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.usefixtures("sample_app")


def _latest(indicator: str, *, periods: str = "latest") -> pd.DataFrame:
    return queries.observations((indicator,), "lad", (), periods, "total", True)


def _verdict(lo: float, hi: float, england: float, polarity: str) -> str:
    if lo <= england <= hi:
        return "Similar"
    above = lo > england
    return "Better" if above == (polarity == "high_is_good") else "Worse"


def test_each_place_reads_as_its_rounded_figure_interval_and_verdict():
    rows = _latest("employment_rate_16_64")
    table = display.figure_table(rows, against=[display.england(rows)])
    shown = table.set_index("Place")
    eng = rows.loc[rows["area_code"] == ENGLAND, "value"].iloc[0]
    # Every figure is ordinary, so no status column.
    assert list(table.columns) == ["Place", "Figure", "95% CI", "Against England"]
    for r in rows[rows["area_code"].isin(LADS)].itertuples(index=False):
        assert shown.loc[r.area_name, "Figure"] == pct(r.value)
        assert shown.loc[r.area_name, "95% CI"] == f"{r.ci_lower:.1f} to {r.ci_upper:.1f}%"
        assert shown.loc[r.area_name, "Against England"] == _verdict(
            r.ci_lower, r.ci_upper, eng, "high_is_good")
    part = rows[rows["area_code"] == PARTNERSHIP].iloc[0]
    # Made from the places' counts, with the approximate interval their errors give: judged
    # against England like a place.
    assert part["status"] is None or pd.isna(part["status"])
    assert shown.loc[part["area_name"], "95% CI"] == (
        f"{part['ci_lower']:.1f} to {part['ci_upper']:.1f}%"
    )
    assert shown.loc[part["area_name"], "Against England"] == _verdict(
        part["ci_lower"], part["ci_upper"], eng, "high_is_good")
    assert shown.loc["England", "Against England"] == ""  # England is not judged against itself
    # One period for every row: said once, in the heading, not in a column.
    assert table.attrs["period"] == rows["period"].iloc[0]
    assert STATUSES["aggregated"] not in display.notes(table)


def test_counts_carry_separators_and_their_unit_and_no_interval_means_no_verdict():
    rows = _latest("job_adverts_new_by_occupation")
    places = rows[~rows["is_comparator"]]
    table = display.figure_table(places, columns=("place", "figure", "against"),
                                 against=[display.england(rows)])
    assert list(table.columns) == ["Place", "Figure"]
    assert list(table["Figure"]) == [f"{v:,.0f} adverts" for v in places["value"]]
    assert display.notes(table) == display.NO_VERDICT_NOTE


def test_a_status_shared_by_every_figure_is_said_below_a_sortable_table_not_in_it():
    rows = _latest("unemployment_rate_16_64", periods="all")
    places = rows[~rows["is_comparator"]].reset_index(drop=True)
    kw = {"columns": ("place", "figure", "ci", "against", "period", "status"),
          "against": [display.england(rows)], "numbers": True, "once": ("period", "status"),
          "blank_verdicts": True}
    table = display.figure_table(places, **kw)
    # Figures stay numbers for sorting; several periods and statuses, so both get a column.
    assert table["Figure"].tolist() == pytest.approx(places["value"].astype(float).tolist())
    assert list(table.columns) == ["Place", "Figure", "Period", "Status"]
    unreliable = places["status"] == "low_reliability"
    assert set(table.loc[unreliable.to_numpy(), "Status"]) == {"Unreliable"}
    assert set(table.loc[~unreliable.to_numpy(), "Status"]) == {""}
    one = display.figure_table(places[unreliable].reset_index(drop=True), **kw)
    assert "Status" not in one
    assert one.attrs["statuses"] == ["low_reliability"]


def test_the_distance_to_80_reads_in_points_and_people():
    series = queries.series("employment_rate_16_64", (PARTNERSHIP, *LADS, ENGLAND))
    rows = aspiration(series, PARTNERSHIP).table
    places = rows[rows["area_code"] != ENGLAND]
    table = display.figure_table(
        places, columns=("place", "figure", "ci", "gap", "needed", "against"),
        against=[display.england(rows)], headers={"figure": "Employment rate"},
        keep=("ci", "needed", "against"), once=())
    assert list(table.columns) == ["Place", "Employment rate", "95% CI", "Gap to 80%",
                                   "People needed in work", "Against England"]
    for r, gap, needed in zip(places.itertuples(index=False), table["Gap to 80%"],
                              table["People needed in work"], strict=True):
        people = nearest_hundred(max(0.0, 0.8 * r.denominator - r.numerator))
        # Above the aspiration a place reads "above 80%", never "0.0 pp" to go.
        expected = ("above 80%" if round(80 - r.value, 1) < 0 else "at 80%"
                    if round(80 - r.value, 1) == 0 else f"{80 - r.value:.1f} pp")
        assert gap == expected
        assert needed == ("none" if people == 0 else f"{people:,}")


def test_a_place_profile_reads_against_each_comparator():
    areas = queries.areas()
    names = dict(zip(areas["area_code"], areas["display_name"], strict=True))
    p = prof.place("E06000032", areas, queries.subicb_members(), PARTNERSHIP)
    obs = queries.area_observations((p.code, *p.chain, *(c for _, c in p.comparators)))
    table = prof.profile(p, obs, queries.indicators(), names)
    shown = prof.figures(p, table, names, "Luton").set_index("Indicator")
    comparators = [names[c] for _, c in p.comparators]
    assert list(shown.columns[:2]) == ["Period", "Luton"]
    # One column per comparator: the verdict against its figure, and the figure.
    assert [c for c in shown.columns if c.startswith("vs ")] == [f"vs {c}" for c in comparators]
    emp = table[table["indicator_id"] == "employment_rate_16_64"].iloc[0]
    row = shown.loc[total_title(emp["title"])]
    assert row["Luton"] == pct(emp["value"])
    assert row["95% CI"] == f"{emp['ci_lower']:.1f} to {emp['ci_upper']:.1f}%"
    word = _verdict(emp["ci_lower"], emp["ci_upper"], emp["england_value"], "high_is_good")
    than = "Similar to" if word == "Similar" else f"{word} than"
    assert row["vs England"] == f"{than} {pct(emp['england_value'])}"
    # A figure that stands in from a wider area says so and carries no verdict of its own: its
    # comparator columns give their figures alone.
    wider = table[table["covers"] != ""].iloc[0]  # fit notes: published for the sub-ICB area
    w = shown.loc[total_title(wider["title"])]
    assert w["Figure covers"] == wider["covers"] == "BLMK-wide"
    for c in comparators:
        assert not any(v in w[f"vs {c}"] for v in ("Better", "Worse", "Similar", "Higher",
                                                    "Lower"))


def test_above_80_reads_in_words_and_a_sorted_gap_stays_a_number():
    values = pd.Series([67.46, 80.0, 80.04, 81.9])
    assert display._gaps(values, numbers=False) == ["12.5 pp", "at 80%", "at 80%", "above 80%"]
    numbers = display._gaps(values, numbers=True)
    assert numbers == pytest.approx([12.54, 0.0, -0.04, -1.9])  # sorts in the order of the rates
    assert [display.gap_text(g) for g in numbers] == ["12.5 pp", "at 80%", "at 80%", "above 80%"]


def test_a_source_says_its_release_date_else_a_real_retrieval_date_never_the_build_day():
    built = {"built_at": pd.Timestamp("2026-12-04 17:59"), "mode": "files", "is_sample": False}
    assert display.source_date("2024-04-16", "2026-12-04 15:06", built) == "released 16 Apr 2024"
    # A Nomis download records the day it was fetched: that is a retrieval.
    assert display.source_date(None, "2023-04-24", built) == "retrieved 24 Apr 2023"
    # A file without a date of its own carries its copy time, the build's day: not a date.
    assert display.source_date(None, "2026-12-04 15:06", built) == "release date not recorded"
    # A live build fetches on the day it runs: that is when the figures were retrieved.
    live = {**built, "mode": "live"}
    assert display.source_date(None, "2026-12-04 15:06", live) == "retrieved 4 Dec 2026"
    assert display.source_date(None, None, built) == "release date not recorded"
    rows = pd.DataFrame({"publisher": ["ONS", "ONS", "DfE"], "source_title": ["ELS", "ELS", "NEET"],
                         "release_date": ["2024-04-16", "2025-11-27", None],
                         "retrieved_at": [None, None, "2026-12-04"]})
    assert display.source_line(rows, built) == (
        "Source: ONS, ELS (released 16 Apr 2024 and 27 Nov 2025); DfE, NEET (release date not "
        "recorded).")
