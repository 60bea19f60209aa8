"""Verdicts against a comparator, Fingertips style, and the 80% arithmetic."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard import aspiration
from dashboard.compare import change, verdict


@pytest.mark.parametrize(
    ("lo", "hi", "ref", "polarity", "short", "judgement"),
    [
        (76.0, 80.0, 75.0, "high_is_good", "Better", "better"),
        (70.0, 74.0, 75.0, "high_is_good", "Worse", "worse"),
        (76.0, 80.0, 75.0, "low_is_good", "Worse", "worse"),
        (70.0, 74.0, 75.0, "low_is_good", "Better", "better"),
        (76.0, 80.0, 75.0, "none", "Higher", "higher"),
        (70.0, 74.0, 75.0, "none", "Lower", "lower"),
        (73.0, 77.0, 75.0, "high_is_good", "Similar", "similar"),
        (75.0, 79.0, 75.0, "high_is_good", "Similar", "similar"),  # touching counts as similar
    ],
)
def test_the_interval_against_the_comparator_decides(lo, hi, ref, polarity, short, judgement):
    v = verdict((lo + hi) / 2, lo, hi, ref, polarity, "England")
    assert v.short == short
    assert v.judgement == judgement
    assert "England" in v.text


def test_no_interval_no_verdict_even_when_far_apart():
    v = verdict(50.0, None, None, 75.0, "high_is_good", "England")
    assert v.short == "No CI, no verdict"
    assert v.judgement == "none"


def test_no_figure_and_no_comparator_are_said_plainly():
    assert verdict(None, 1, 2, 3, "none").short == "No figure"
    assert verdict(float("nan"), 1, 2, 3, "none").short == "No figure"
    v = verdict(70.0, 68.0, 72.0, None, "high_is_good", "East of England")
    assert v.short == "No comparator figure"
    assert "East of England" in v.text


def test_the_sentence_names_the_direction_for_polarity_indicators():
    v = verdict(68.8, 64.2, 73.4, 75.7, "high_is_good", "England")
    assert v.text.startswith("Worse than England (lower)")


def test_people_needed_is_eighty_percent_of_the_base_minus_those_in_work():
    assert aspiration.people_needed(100_400, 146_000) == pytest.approx(0.8 * 146_000 - 100_400)
    assert aspiration.people_needed_rounded(100_400, 146_000) == 16_400
    assert aspiration.people_needed(90, 100) == 0.0  # above 80%: nobody needed
    assert aspiration.people_needed(None, 100) is None
    assert aspiration.people_needed(10, 0) is None


def test_the_period_is_the_latest_with_partnership_counts():
    rows = pd.DataFrame(
        {
            "area_code": ["P", "P", "A", "A"],
            "period": ["2022", "2023", "2022", "2023"],
            "period_start": pd.to_datetime(["2022-01-01", "2023-01-01"] * 2),
            "period_end": pd.to_datetime(["2022-12-31", "2023-12-31"] * 2),
            "value": [76.0, 77.0, 70.0, 71.0],
            "numerator": [760.0, math.nan, 70.0, 71.0],
            "denominator": [1000.0, math.nan, 100.0, 100.0],
        }
    )
    assert aspiration.choose_period(rows, "P") == "2022"
    result = aspiration.aspiration(rows, "P")
    part = result.table[result.table["area_code"] == "P"].iloc[0]
    assert part["gap_pp"] == pytest.approx(4.0)
    assert part["people_needed"] == pytest.approx(40.0)  # 0.8 × 1000 − 760
    assert part["people_needed_rounded"] == 0  # to the nearest hundred
    place = result.table[result.table["area_code"] == "A"].iloc[0]
    assert place["people_needed"] == pytest.approx(10.0)


def test_a_change_within_both_years_sampling_error_is_not_called():
    # Luton's APS employment rate (ONS local indicators file, hand-checked): 2022 67.5%
    # (63.2 to 71.8), 2023 70.5% (66.3 to 74.7). Standard errors 2.19 and 2.14: a change must
    # exceed 1.96 * sqrt(2.19^2 + 2.14^2) = 6.0 pp to count.
    c = change(70.5, 66.3, 74.7, 67.5, 63.2, 71.8, "high_is_good", unit="%", decimals=1,
               since="2022")
    assert c.short == "Up 3.0 pp, within sampling error"
    assert c.judgement == "similar"
    assert "6.0 pp either way" in c.text


@pytest.mark.parametrize(
    ("polarity", "short", "judgement"),
    [
        ("high_is_good", "Up 3.0 pp, improved (95%)", "better"),
        ("low_is_good", "Up 3.0 pp, worsened (95%)", "worse"),
        ("none", "Up 3.0 pp, changed (95%)", "higher"),
    ],
)
def test_a_change_beyond_sampling_error_follows_polarity(polarity, short, judgement):
    # Intervals of +/-0.5: the margin is 1.96 * sqrt(2) * 0.255 = 0.71 pp, well under 3.
    c = change(78.0, 77.5, 78.5, 75.0, 74.5, 75.5, polarity, unit="%", decimals=1, since="2022")
    assert (c.short, c.judgement) == (short, judgement)


def test_a_change_without_intervals_gives_the_direction_only():
    c = change(1200, None, None, 1500, None, None, "low_is_good", unit="people", decimals=0,
               since="2021")
    # No interval on either side: the direction, and a mark that it may be sampling noise.
    assert (c.short, c.judgement) == ("Down 300 people, no CI to judge", "none")
    assert "no verdict" in c.text


def test_no_earlier_figure_no_change():
    c = change(70.5, 66.3, 74.7, None, None, None, "high_is_good", unit="%", decimals=1,
               since="a year earlier")
    assert c.short == ""



def _series(rows):
    return pd.DataFrame(rows, columns=["period", "period_start", "period_end", "value",
                                       "numerator", "denominator"])


def test_a_place_against_80_says_its_gap_and_the_people_needed():
    series = _series([
        ("2022", "2022-01-01", "2022-12-31", 75.0, 75_000, 100_000),
        ("2023", "2023-01-01", "2023-12-31", 76.0, None, None),
    ])
    assert aspiration.place_sentence(series) == (
        "4.0 percentage points below the 80% aspiration in 2023. On the survey's counts for "
        "2022 (the latest with counts), about 5,000 more residents aged 16 to 64 in work would "
        "have closed the gap.")
    same = series.iloc[:1]
    assert aspiration.place_sentence(same).endswith(
        "in 2022: about 5,000 more residents aged 16 to 64 in work would close the gap (from "
        "the survey's counts).")
    above = _series([("2023", "2023-01-01", "2023-12-31", 81.0, None, None)])
    assert aspiration.place_sentence(above) == "At or above the 80% aspiration in 2023."
    assert aspiration.place_sentence(series.iloc[0:0]) == ""
