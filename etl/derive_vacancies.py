"""Local vacancies by industry, modelled: local employment by industry (BRES) times the UK's
vacancies per 100 employee jobs in that industry (ONS Vacancy Survey, VACS02).

For each area, BRES year and SIC 2007 section with both figures::

    modelled vacancies = employment in the section x UK vacancies per 100 jobs in it / 100

The rate is the mean of the year's four calendar quarters (Jan-Mar ... Oct-Dec); where VACS02
does not yet cover the whole year, the latest four quarters stand in (a build note says so).
Every figure is ``modelled``: never a count of real vacancies. ``total`` adds the
sections made (VACS02 has no agriculture, section A).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from etl.recipes import OBS_COLUMNS
from etl.records import worse_status

EMPLOYMENT = "employment_by_industry"
RATES = "uk_vacancies_per_100_jobs_by_industry"
TARGET = "vacancies_modelled_by_industry"
UK = "K02000001"
_SECTION = re.compile(r"^sic:[A-U]$")
_WITHHELD = {"suppressed", "missing", "not_applicable"}


def _quarterly_rates(obs: pd.DataFrame) -> dict[str, dict[pd.Timestamp, float]]:
    """Section -> {quarter start: UK vacancies per 100 jobs} for the calendar quarters."""
    rates = obs[(obs["indicator_id"] == RATES) & (obs["area_code"] == UK) & obs["value"].notna()]
    out: dict[str, dict[pd.Timestamp, float]] = {}
    for b, start, end, value in zip(
        rates["breakdown"], rates["period_start"], rates["period_end"], rates["value"], strict=True
    ):
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        if start.month in (1, 4, 7, 10) and start.day == 1 and (end - start).days in range(88, 93):
            out.setdefault(str(b), {})[start] = float(value)
    return out


def _rate_for(quarters: dict[pd.Timestamp, float], year: int) -> tuple[float, bool] | None:
    """The year's mean rate and whether it stands in from other quarters (None: no quarters)."""
    own = [v for q, v in quarters.items() if q.year == year]
    if len(own) == 4:
        return float(np.mean(own)), False
    latest = sorted(quarters)[-4:]
    if len(latest) < 4 or latest[-1].year > year:
        return None  # an old BRES year with quarters missing: no stand-in from later years
    return float(np.mean([quarters[q] for q in latest])), True


def vacancies_modelled_by_industry(obs: pd.DataFrame, ctx: object) -> pd.DataFrame:
    """Modelled vacancies per section and in total, for every area with BRES by section."""
    emp = obs[
        (obs["indicator_id"] == EMPLOYMENT)
        & obs["breakdown"].astype(str).str.match(_SECTION)
        & obs["value"].notna()
        & ~obs["status"].isin(_WITHHELD)
    ]
    if emp.empty:
        return pd.DataFrame(columns=OBS_COLUMNS)
    rates = _quarterly_rates(obs)
    if not rates:
        getattr(ctx, "notes", []).append(
            f"{TARGET}: not made: no UK vacancies per 100 jobs by industry (VACS02) is loaded."
        )
        return pd.DataFrame(columns=OBS_COLUMNS)
    rows = []
    stood_in: set[int] = set()
    for _, r in emp.iterrows():
        year = pd.Timestamp(r["period_end"]).year
        found = _rate_for(rates.get(str(r["breakdown"]), {}), year)
        if found is None:
            continue
        rate, stand_in = found
        if stand_in:
            stood_in.add(year)
        status = worse_status(r["status"] if isinstance(r["status"], str) else None, "modelled")
        rows.append(
            {
                **{c: r[c] for c in ("area_code", "period_start", "period_end", "period_label")},
                "indicator_id": TARGET,
                "area_name": None,
                "geo_vintage": None,
                "breakdown": r["breakdown"],
                "value": float(r["value"]) * rate / 100.0,
                "numerator": np.nan,
                "denominator": np.nan,
                "ci_lower": np.nan,
                "ci_upper": np.nan,
                "status": status,
                "source_id": r["source_id"],
            }
        )
    for year in sorted(stood_in):
        getattr(ctx, "notes", []).append(
            f"{TARGET}: VACS02 does not cover all of {year}; its latest four quarters stand in."
        )
    out = pd.DataFrame(rows, columns=OBS_COLUMNS)
    if out.empty:
        return out
    key = ["area_code", "period_start", "period_end"]
    totals = out.groupby(key, as_index=False, sort=True).agg(
        value=("value", "sum"),
        period_label=("period_label", "first"),
        source_id=("source_id", "first"),
        status=("status", "first"),
    )
    totals = totals.assign(
        indicator_id=TARGET, breakdown="total", area_name=None, geo_vintage=None,
        numerator=np.nan, denominator=np.nan, ci_lower=np.nan, ci_upper=np.nan,
        counts_source=None, numerator_ci_half=np.nan,
    )
    return pd.concat([out, totals[OBS_COLUMNS]], ignore_index=True)
