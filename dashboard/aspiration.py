"""Distance to the Get Britain Working aspiration of an 80% employment rate.

People needed in work to reach 80% = 0.8 × residents aged 16 to 64 − residents in work, from the
Annual Population Survey numerator and denominator of the employment rate (never from averaged
rates). The figure is shown rounded to the nearest 100, because the survey counts are estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.formatting import is_missing, round_to

EMPLOYMENT_RATE = "employment_rate_16_64"
TARGET_RATE = 80.0
ROUND_TO = 100


def people_needed(numerator: float | None, denominator: float | None) -> float | None:
    """Extra people in work for an 80% rate: 0.8 × denominator − numerator (0 when above)."""
    if is_missing(numerator) or is_missing(denominator) or float(denominator) <= 0:
        return None
    return max(0.0, TARGET_RATE / 100 * float(denominator) - float(numerator))


def people_needed_rounded(numerator: float | None, denominator: float | None) -> int | None:
    """The same, rounded to the nearest 100 for display."""
    needed = people_needed(numerator, denominator)
    return None if needed is None else round_to(needed, ROUND_TO)


@dataclass(frozen=True)
class Aspiration:
    """The employment-rate rows for one period and how each place stands against 80%."""

    period: str | None
    table: pd.DataFrame  # area_code, area_name, area_level, value, ci..., gap_pp, people_needed
    has_counts: bool


def choose_period(series: pd.DataFrame, partnership_code: str) -> str | None:
    """The latest period with a numerator and denominator for the partnership (else for any
    place; else the latest period with a rate)."""
    if series.empty:
        return None
    with_counts = series[series["numerator"].notna() & series["denominator"].notna()]
    for frame in (with_counts[with_counts["area_code"] == partnership_code], with_counts, series):
        frame = frame[frame["value"].notna() | frame["numerator"].notna()]
        if not frame.empty:
            row = frame.sort_values(["period_end", "period_start"]).iloc[-1]
            return str(row["period"])
    return None


def aspiration(series: pd.DataFrame, partnership_code: str) -> Aspiration:
    """Rows of the chosen period with the gap (percentage points) and people needed."""
    period = choose_period(series, partnership_code)
    if period is None:
        return Aspiration(None, series.iloc[0:0].copy(), False)
    rows = series[series["period"] == period].copy()
    rows["gap_pp"] = TARGET_RATE - rows["value"].astype("float64")
    rows["people_needed"] = [
        people_needed(n, d) for n, d in zip(rows["numerator"], rows["denominator"], strict=True)
    ]
    rows["people_needed_rounded"] = [
        people_needed_rounded(n, d)
        for n, d in zip(rows["numerator"], rows["denominator"], strict=True)
    ]
    has_counts = bool(rows["people_needed"].notna().any())
    return Aspiration(period, rows.reset_index(drop=True), has_counts)


def place_sentence(series: pd.DataFrame) -> str:
    """How one place stands against 80%, from its own employment-rate series (every period):
    the gap in its latest period, and the people needed in work from the latest period with
    survey counts. Empty when the series has no rate."""
    rated = series[series["value"].notna()].sort_values(["period_end", "period_start"])
    if rated.empty:
        return ""
    latest = rated.iloc[-1]
    gap = TARGET_RATE - float(latest["value"])
    aim = f"the {TARGET_RATE:g}% aspiration"
    if gap <= 0:
        return f"At or above {aim} in {latest['period']}."
    text = f"{gap:.1f} percentage points below {aim} in {latest['period']}"
    counted = rated[rated["numerator"].notna() & rated["denominator"].notna()]
    needed = (people_needed_rounded(counted.iloc[-1]["numerator"],
                                    counted.iloc[-1]["denominator"])
              if not counted.empty else None)
    if not needed:
        return text + "."
    when = counted.iloc[-1]["period"]
    if when == latest["period"]:
        return (f"{text}: about {needed:,} more residents aged 16 to 64 in work would close "
                "the gap (from the survey's counts).")
    return (f"{text}. On the survey's counts for {when} (the latest with counts), about "
            f"{needed:,} more residents aged 16 to 64 in work would have closed the gap.")
