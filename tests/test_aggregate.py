"""Figures for composite areas: summed from parts, never averaged, never replacing published."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from etl import aggregate
from etl.catalogue import catalogue
from etl.recipes import OBS_COLUMNS


def _row(code, value, num=np.nan, den=np.nan, status=None, year=2022):
    return {
        "indicator_id": "x", "area_code": code, "area_name": None, "geo_vintage": None,
        "period_start": date(year, 1, 1), "period_end": date(year, 12, 31),
        "period_label": str(year), "breakdown": "total", "value": value, "numerator": num,
        "denominator": den, "ci_lower": np.nan, "ci_upper": np.nan, "status": status,
        "source_id": "s:1",
    }


@pytest.fixture()
def rate():
    return catalogue().indicators["employment_rate_16_64"]


@pytest.fixture()
def count():
    return catalogue().indicators["claimant_count_16_plus"]


def test_a_rate_is_recomputed_from_summed_counts(rate):
    obs = pd.DataFrame([_row("A", 50.0, 50, 100), _row("B", 90.0, 900, 1000)], columns=OBS_COLUMNS)
    made = aggregate.combine(obs, rate, {"P": ["A", "B"]})
    assert len(made) == 1
    # (50 + 900) / (100 + 1000), not the mean of 50% and 90%.
    assert made.iloc[0]["value"] == pytest.approx(100 * 950 / 1100)
    assert made.iloc[0]["status"] == "aggregated"


def test_no_parent_figure_when_a_part_is_missing_or_withheld(rate, count):
    missing = pd.DataFrame([_row("A", 50.0, 50, 100)], columns=OBS_COLUMNS)
    assert aggregate.combine(missing, rate, {"P": ["A", "B"]}).empty
    withheld = pd.DataFrame(
        [_row("A", 5.0), _row("B", np.nan, status="suppressed")], columns=OBS_COLUMNS
    )
    assert aggregate.combine(withheld, count, {"P": ["A", "B"]}).empty


def test_rates_without_counts_are_not_aggregated(rate):
    obs = pd.DataFrame([_row("A", 50.0), _row("B", 60.0)], columns=OBS_COLUMNS)
    assert aggregate.combine(obs, rate, {"P": ["A", "B"]}).empty


def test_a_published_parent_figure_is_kept(count):
    obs = pd.DataFrame(
        [_row("old1", 10.0), _row("old2", 20.0), _row("new", 31.0), _row("old1", 5.0, year=2019),
         _row("old2", 6.0, year=2019)],
        columns=OBS_COLUMNS,
    )
    made = aggregate.combine(obs, count, {"new": ["old1", "old2"]})
    # 2022: the successor published its own 31, so nothing is made; 2019: summed from its parts.
    assert list(made["period_label"]) == ["2019"]
    assert made.iloc[0]["value"] == 11.0
