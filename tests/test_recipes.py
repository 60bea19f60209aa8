"""Recipes: one indicator from several sources, the preferred one first, gaps filled, one label."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from etl.catalogue import catalogue
from etl.recipes import build_indicator
from etl.records import frame, normalise_label


def _records(dataset, rows, source):
    df = frame([
        {"dataset": dataset, "area_code": code, "area_name": code, "period_start": date(2022, 1, 1),
         "period_end": date(2022, 12, 31), "period_label": label, "category": cat,
         "measure": measure, "value": value, "origin": f"{source}.csv"}
        for code, label, cat, measure, value in rows
    ])
    df["source_id"] = source
    df["retrieved_rank"] = 0
    df["norm"] = df["category"].map(normalise_label)
    return df


def test_preferred_source_wins_and_the_other_fills_numerator_and_denominator():
    ind = catalogue().indicators["employment_rate_16_64"]
    ons = _records("ons_local_indicators", [
        ("E06000032", "2022", "Employment rate", "value", 67.5),
        ("E06000032", "2022", "Employment rate", "ci_lower", 63.2),
        ("E06000032", "2022", "Employment rate", "ci_upper", 71.8),
        ("E06000055", "2022", "Employment rate", "value", 75.7),
    ], "ons")
    t01 = _records("aps_t01", [
        ("E06000032", "Jan 2022-Dec 2022", "Aged 16-64 - In employment : All People", "count",
         95200),
        ("E06000032", "Jan 2022-Dec 2022", "Aged 16-64 - All : All People", "count", 141000),
        ("E06000042", "Jan 2022-Dec 2022", "Aged 16-64 - In employment : All People", "count",
         150000),
        ("E06000042", "Jan 2022-Dec 2022", "Aged 16-64 - All : All People", "count", 200000),
    ], "t01")
    obs, notes = build_indicator(ind, {"ons_local_indicators": ons, "aps_t01": t01})
    by_area = obs.set_index("area_code")
    luton = by_area.loc["E06000032"]
    # The published rate and interval are kept; the counts that agree with it are filled in.
    assert (luton["value"], luton["ci_lower"], luton["ci_upper"]) == (67.5, 63.2, 71.8)
    assert (luton["numerator"], luton["denominator"]) == (95200, 141000)
    assert luton["source_id"] == "ons"
    # A place only the second source covers comes from it, computed from its counts.
    assert by_area.loc["E06000042", "value"] == pytest.approx(75.0)
    # One label for one period, whichever source a row came from.
    assert set(obs["period_label"]) == {"2022"}
    assert notes == []


def test_a_disagreeing_second_source_is_reported_not_used():
    ind = catalogue().indicators["employment_rate_16_64"]
    ons = _records("ons_local_indicators", [("E06000032", "2022", "Employment rate", "value",
                                             67.5)], "ons")
    t01 = _records("aps_t01", [
        ("E06000032", "2022", "Aged 16-64 - In employment : All People", "count", 120000),
        ("E06000032", "2022", "Aged 16-64 - All : All People", "count", 141000),
    ], "t01")
    obs, notes = build_indicator(ind, {"ons_local_indicators": ons, "aps_t01": t01})
    assert len(obs) == 1
    assert pd.isna(obs.iloc[0]["numerator"])
    assert any("differ from the preferred source" in n for n in notes)
