"""Reading published cells, markers, Nomis status texts and period labels."""

from __future__ import annotations

import math
from datetime import date

import pytest

from etl.records import obs_status, parse_cell, parse_period


@pytest.mark.parametrize(
    ("raw", "value", "status"),
    [
        ("1,234", 1234.0, None),
        (" 67.5 ", 67.5, None),
        ("!", math.nan, "suppressed"),
        ("*", math.nan, "low_reliability"),
        ("~", math.nan, "below_threshold"),
        ("-", math.nan, "missing"),
        ("c", math.nan, "suppressed"),
        ("z", math.nan, "not_applicable"),
        ("", math.nan, "missing"),
        (None, math.nan, "missing"),
    ],
)
def test_cells_become_values_and_statuses_never_zero(raw, value, status):
    got_value, got_status = parse_cell(raw)
    assert got_status == status
    assert (math.isnan(got_value) and math.isnan(value)) or got_value == value


def test_unknown_text_is_refused_so_the_parser_can_name_the_cell():
    assert parse_cell("n/a") is None
    assert parse_cell("12 approx") is None


def test_nomis_status_text_wins_over_the_one_letter_code():
    disclosive = (
        "Estimate and confidence interval not available since the group sample size is zero "
        "or disclosive (0-2)"
    )
    assert obs_status("-", disclosive) == "suppressed"
    assert obs_status("A", "Normal Value") is None
    assert obs_status("Q", "Estimate and confidence interval unreliable since the group sample "
                           "size is small (3-9)") == "low_reliability"
    assert obs_status("X", None) == "suppressed"
    assert obs_status(None, None) is None


@pytest.mark.parametrize(
    ("raw", "start", "end", "label"),
    [
        ("Oct 2019-Sep 2020", date(2019, 10, 1), date(2020, 9, 30), "Oct 2019-Sep 2020"),
        ("Jan 2022-Dec 2022", date(2022, 1, 1), date(2022, 12, 31), "Jan 2022-Dec 2022"),
        ("January 2025", date(2025, 1, 1), date(2025, 1, 31), "January 2025"),
        ("2025-02", date(2025, 2, 1), date(2025, 2, 28), "February 2025"),
        ("Dec-17", date(2017, 12, 1), date(2017, 12, 31), "December 2017"),
        ("2004-01-01/P1Y", date(2004, 1, 1), date(2004, 12, 31), "2004"),
        ("2021", date(2021, 1, 1), date(2021, 12, 31), "2021"),
        ("2023/24", date(2023, 4, 1), date(2024, 3, 31), "2023/24"),
        ("202324", date(2023, 9, 1), date(2024, 8, 31), "2023/24"),
    ],
)
def test_periods(raw, start, end, label):
    assert parse_period(raw) == (start, end, label)


def test_an_unknown_period_is_an_error():
    with pytest.raises(ValueError, match="unrecognised period"):
        parse_period("sometime in spring")
