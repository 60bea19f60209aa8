"""Benchmarking a place against a comparator, the way Fingertips does.

Method (Fingertips "CI overlapping reference value, 95%"): a place is *higher* than a comparator
when its whole 95% confidence interval lies above the comparator's figure, *lower* when it lies
wholly below, and *similar* when the interval contains the comparator's figure. A figure without a
confidence interval gets no verdict ("no CI, no verdict"): a difference may be sampling noise.

Polarity turns higher/lower into better/worse: for the employment rate higher is better, for the
inactivity rate lower is better, and some indicators carry no judgement at all.

Change over a year (:func:`change`): the latest figure against the same area's figure a year
earlier. Both are survey estimates, so the change counts only where it is larger than their
combined sampling error: each standard error is taken from its 95% interval (half-width / 1.96)
and the change is significant when it exceeds 1.96 times the square root of their summed squares.
This treats the two years as independent samples, which for the Annual Population Survey (whose
households stay for up to five quarters) is an approximation.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.formatting import format_number, format_value, is_missing

HIGHER = "higher"
LOWER = "lower"
SIMILAR = "similar"
NO_CI = "no_ci"
NO_VALUE = "no_value"
NO_COMPARATOR = "no_comparator"

# Colour-blind-safe (Okabe-Ito based); always shown together with the words.
JUDGEMENT_COLOURS: dict[str, str] = {
    "better": "#0072B2",
    "worse": "#E69F00",
    "similar": "#BDBDBD",
    "higher": "#5E3C99",
    "lower": "#B2ABD2",
    "none": "#E0E0E0",
}
JUDGEMENT_ORDER = ("better", "similar", "worse", "higher", "lower", "none")
# Shapes as well as colours, so a verdict never rests on colour alone. Better and worse get
# shapes with no direction (for a rate where lower is better, "better" is lower: an upward
# triangle would say the opposite); higher and lower, which carry no judgement, point the way
# the figure lies.
JUDGEMENT_SHAPES: dict[str, str] = {
    "better": "diamond",
    "similar": "circle",
    "worse": "square",
    "higher": "triangle-up",
    "lower": "triangle-down",
    "none": "cross",
}
JUDGEMENT_LABELS: dict[str, str] = {
    "better": "Better (95% CI)",
    "similar": "Similar",
    "worse": "Worse (95% CI)",
    "higher": "Higher (95% CI)",
    "lower": "Lower (95% CI)",
    "none": "No verdict (no CI or no figure)",
}


def _judgement(code: str, polarity: str) -> str:
    """``higher``/``lower`` as better or worse where the indicator has a polarity."""
    if polarity == "high_is_good":
        return "better" if code == HIGHER else "worse"
    if polarity == "low_is_good":
        return "better" if code == LOWER else "worse"
    return code


@dataclass(frozen=True)
class Verdict:
    """The outcome of one comparison."""

    code: str  # higher, lower, similar, no_ci, no_value, no_comparator
    judgement: str  # better, worse, similar, higher, lower, none
    short: str  # a table cell: "Better", "Similar", "No CI, no verdict"
    text: str  # a sentence naming the comparator


def verdict(
    value: float | None,
    ci_lower: float | None,
    ci_upper: float | None,
    reference: float | None,
    polarity: str,
    comparator: str = "the comparator",
) -> Verdict:
    """Compare a figure (with its 95% CI) against a comparator's figure."""
    if is_missing(value):
        return Verdict(NO_VALUE, "none", "No figure", "No figure to compare.")
    if is_missing(reference):
        return Verdict(
            NO_COMPARATOR,
            "none",
            "No comparator figure",
            f"No figure for {comparator} for the same period.",
        )
    if is_missing(ci_lower) or is_missing(ci_upper):
        return Verdict(
            NO_CI,
            "none",
            "No CI, no verdict",
            f"No confidence interval, so no verdict against {comparator}.",
        )
    lo, hi, ref = float(ci_lower), float(ci_upper), float(reference)
    if lo > ref:
        code = HIGHER
    elif hi < ref:
        code = LOWER
    else:
        return Verdict(
            SIMILAR,
            "similar",
            "Similar",
            f"Similar to {comparator}: the 95% confidence interval includes its figure.",
        )
    side = "above" if code == HIGHER else "below"
    judgement = _judgement(code, polarity)
    word = {"better": "Better", "worse": "Worse"}.get(judgement, code.capitalize())
    direction = code if judgement in ("better", "worse") else ""
    detail = f" ({direction})" if direction else ""
    return Verdict(
        code,
        judgement,
        word,
        f"{word} than {comparator}{detail}: the 95% confidence interval lies wholly {side} its "
        "figure.",
    )


Z_95 = 1.96


def _difference_text(diff: float, unit: str, decimals: int) -> str:
    size = abs(diff)
    return f"{format_number(size, decimals)} pp" if unit == "%" else format_value(size, unit,
                                                                                  decimals)


def change(
    value: float | None,
    ci_lower: float | None,
    ci_upper: float | None,
    earlier: float | None,
    earlier_lower: float | None,
    earlier_upper: float | None,
    polarity: str,
    *,
    unit: str,
    decimals: int,
    since: str,
) -> Verdict:
    """The change from a year earlier's figure (period ``since``) to the latest one.

    ``code`` is higher, lower or similar (a change within sampling error), no_ci (no interval on
    one side: the direction is given without a verdict) or no_comparator (no earlier figure).
    """
    if is_missing(value) or is_missing(earlier):
        return Verdict(NO_COMPARATOR, "none", "", f"No figure for {since} to compare with.")
    diff = float(value) - float(earlier)
    direction = "No change" if round(diff, decimals) == 0 else "Up" if diff > 0 else "Down"
    moved = direction if direction == "No change" else (
        f"{direction} {_difference_text(diff, unit, decimals)}")
    bounds = (ci_lower, ci_upper, earlier_lower, earlier_upper)
    if any(is_missing(b) for b in bounds):
        return Verdict(NO_CI, "none", f"{moved}, no CI to judge",
                       f"{moved} since {since}; no confidence interval, so no verdict on the "
                       "change: it may be sampling noise.")
    se_now = (float(ci_upper) - float(ci_lower)) / (2 * Z_95)
    se_then = (float(earlier_upper) - float(earlier_lower)) / (2 * Z_95)
    margin = Z_95 * (se_now**2 + se_then**2) ** 0.5
    if abs(diff) <= margin:
        return Verdict(SIMILAR, "similar", f"{moved}, within sampling error",
                       f"{moved} since {since}, within sampling error (a change of up to "
                       f"{_difference_text(margin, unit, decimals)} either way could be chance): "
                       "no significant change.")
    code = HIGHER if diff > 0 else LOWER
    judgement = _judgement(code, polarity)
    word = {"better": "improved", "worse": "worsened"}.get(judgement, "changed")
    return Verdict(code, judgement, f"{moved}, {word} (95%)",
                   f"{moved} since {since}: larger than sampling error would explain (95% "
                   f"confidence), so the figure has {word}.")


def year_before(rows: pd.DataFrame, ref: pd.Series) -> pd.Series | None:
    """Among one area's ``rows``, the one for the period of the same length ending a year before
    ``ref``'s (None when there is none)."""
    year = pd.DateOffset(years=1)
    start, end = pd.Timestamp(ref["period_start"]) - year, pd.Timestamp(ref["period_end"]) - year
    hit = rows[(pd.to_datetime(rows["period_start"]) == start)
               & (pd.to_datetime(rows["period_end"]) == end)]
    return None if hit.empty else hit.iloc[0]


def change_on_a_year(row: pd.Series, history: pd.DataFrame) -> Verdict:
    """:func:`change` from the figure a year before ``row``'s, found among ``history`` (query
    rows of any areas and periods; only ``row``'s area and indicator count)."""
    own = history[(history["area_code"] == row["area_code"])
                  & (history["indicator_id"] == row["indicator_id"])]
    if "breakdown" in row and "breakdown" in own:
        own = own[own["breakdown"] == row["breakdown"]]
    before = year_before(own, row)
    return change(
        row["value"], row["ci_lower"], row["ci_upper"],
        None if before is None else before["value"],
        None if before is None else before["ci_lower"],
        None if before is None else before["ci_upper"],
        row["polarity"], unit=row["unit"], decimals=int(row["decimals"]),
        since="a year earlier" if before is None else str(before["period"]),
    )
