"""Charts (Altair): trends with confidence bands and place comparisons with CI bars."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.compare import (
    JUDGEMENT_COLOURS,
    JUDGEMENT_LABELS,
    JUDGEMENT_ORDER,
    JUDGEMENT_SHAPES,
)
from dashboard.formatting import format_ci, format_value, status_text

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
FONT = "Source Sans Pro, Helvetica Neue, Arial, sans-serif"


ROW_PX = 34
AXIS_AND_LEGEND_PX = 130
TREND_PX = 260


def bars_height(n_rows: int) -> int:
    """Pixel height for ``st.altair_chart`` of a bar chart with ``n_rows`` bars (Streamlit
    sizes layered charts from the element height, not from the spec)."""
    return max(2, n_rows) * ROW_PX + AXIS_AND_LEGEND_PX


def trend_height(n_lines: int = 5) -> int:
    """Pixel height for ``st.altair_chart`` of a trend chart with its legend (one name a line)."""
    return TREND_PX + AXIS_AND_LEGEND_PX + max(0, n_lines - 4) * 18


AXIS_TITLE_CHARS = 40  # longer titles do not fit up the side of a trend chart


def _axis_title(unit: str, unit_label: str, *, short: bool = False) -> str:
    """The unit label; with ``short`` the bare unit where the label would not fit an axis (the
    heading above the chart gives the label in full)."""
    if short and len(unit_label) > AXIS_TITLE_CHARS and unit not in ("", "ratio"):
        return unit
    return unit_label if unit_label else unit


def _with_text(df: pd.DataFrame, unit: str, decimals: int) -> pd.DataFrame:
    out = df.copy()
    out["value_text"] = [format_value(v, unit, decimals) for v in out["value"]]
    out["ci_text"] = [
        format_ci(lo, hi, unit, decimals) or "none published"
        for lo, hi in zip(out["ci_lower"], out["ci_upper"], strict=True)
    ]
    out["status_text"] = [status_text(s) or "ordinary figure" for s in out["status"]]
    return out


def _configure(chart: alt.TopLevelMixin, legend_columns: int = 2) -> alt.TopLevelMixin:
    # Legends below the chart in at most two columns with labels cut at 170 px: they fit a
    # phone's 390 px as well as a desktop column.
    return (
        chart.configure_axis(labelFontSize=12, titleFontSize=12, labelFont=FONT, titleFont=FONT,
                             labelColor="#222222", titleColor="#222222")
        .configure_legend(labelFontSize=12, titleFontSize=12, labelFont=FONT, titleFont=FONT,
                          labelColor="#222222", titleColor="#222222", orient="bottom",
                          columns=legend_columns, labelLimit=170)
        .configure_title(font=FONT, fontSize=14, anchor="start", color="#111111")
        .configure_view(stroke=None)
    )


def trend(
    series: pd.DataFrame,
    *,
    unit: str,
    unit_label: str,
    decimals: int,
    order: Sequence[str] = (),
    target: float | None = None,
    height: int = TREND_PX,
) -> alt.TopLevelMixin:
    """Lines over time, one per area, with a shaded 95% confidence band where published."""
    df = _with_text(series, unit, decimals)
    df["period_end"] = pd.to_datetime(df["period_end"])
    names = list(dict.fromkeys([*order, *df["area_name"]]))
    names = [n for n in names if n in set(df["area_name"])]
    scale = alt.Scale(domain=names, range=list(SERIES_COLOURS[: len(names)]))
    # The legend comes from the lines alone (the bands would make its swatches pale), one name
    # a line so that long names fit a phone.
    colour = alt.Color(
        "area_name:N", title=None, scale=scale, sort=names,
        legend=alt.Legend(columns=1, symbolType="stroke", symbolStrokeWidth=3, symbolSize=300),
    )
    band_colour = alt.Color("area_name:N", scale=scale, sort=names, legend=None)
    # Years on a long series; months where it spans only a few years (monthly fit notes).
    ends = df["period_end"].dropna()
    short = len(ends) > 0 and (ends.max() - ends.min()).days < 3 * 366
    x = alt.X("period_end:T", title="Period ending",
              axis=alt.Axis(format="%b %Y" if short else "%Y", tickCount=6, labelOverlap=True))
    y = alt.Y("value:Q", title=_axis_title(unit, unit_label, short=True),
              scale=alt.Scale(zero=False))
    tooltip = [
        alt.Tooltip("area_name:N", title="Place"),
        alt.Tooltip("period:N", title="Period"),
        alt.Tooltip("value_text:N", title="Figure"),
        alt.Tooltip("ci_text:N", title="95% CI"),
        alt.Tooltip("status_text:N", title="Status"),
    ]
    base = alt.Chart(df)
    band = (
        base.transform_filter("isValid(datum.ci_lower) && isValid(datum.ci_upper)")
        .mark_area(opacity=0.15)
        .encode(x=x, y="ci_lower:Q", y2="ci_upper:Q", color=band_colour)
    )
    line = base.mark_line(point=alt.OverlayMarkDef(size=40), strokeWidth=2).encode(
        x=x, y=y, color=colour, tooltip=tooltip
    )
    layers = [band, line]
    if target is not None:
        rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(
            strokeDash=[6, 4], color="#444444"
        ).encode(y="target:Q")
        text = alt.Chart(pd.DataFrame({"target": [target], "label": [f"{target:g}% aspiration"]}))
        text = text.mark_text(align="left", dx=4, dy=-6, color="#444444").encode(
            y="target:Q", text="label:N", x=alt.value(0)
        )
        layers += [rule, text]
    # Each layer keeps its own legend: the lines' (full colour) shows, the bands' is off.
    return _configure(alt.layer(*layers).resolve_legend(color="independent")
                      .properties(height=height))


def compare_chart(
    rows: pd.DataFrame,
    *,
    unit: str,
    unit_label: str,
    decimals: int,
    reference: float | None = None,
    reference_name: str = "England",
    judged_against: str = "England",
    height_per_row: int = ROW_PX,
    order: Sequence[str] | None = None,
) -> alt.TopLevelMixin:
    """Places side by side: a dot per place coloured by its verdict, with its 95% CI as a line,
    on an axis that starts near the figures (so differences are visible), and a dashed reference
    line (England, or the 80% aspiration).

    ``rows`` needs area_name, value, ci_lower, ci_upper, status, period and ``judgement``.
    Places are listed top to bottom in ``order`` (names) when given, else highest first.
    """
    df = _with_text(rows[rows["value"].notna()], unit, decimals)
    if "judgement" not in df:
        df["judgement"] = "none"
    df["judgement_label"] = df["judgement"].map(JUDGEMENT_LABELS)
    if order is None:
        order = df.sort_values("value", ascending=False)["area_name"].tolist()
    else:
        order = [n for n in order if n in set(df["area_name"])]
    present = [j for j in JUDGEMENT_ORDER if j in set(df["judgement"])]
    lows = [*df["value"], *df["ci_lower"].dropna()] + ([reference] if reference is not None else [])
    highs = [*df["value"], *df["ci_upper"].dropna()] + (
        [reference] if reference is not None else []
    )
    span = max(highs) - min(lows) if lows else 1.0
    pad = span * 0.08 or 1.0
    domain = [min(lows) - pad, max(highs) + pad]
    x_scale = alt.Scale(domain=domain, zero=False, nice=False)
    y = alt.Y("area_name:N", title=None, sort=order, axis=alt.Axis(labelLimit=240))
    tooltip = [
        alt.Tooltip("area_name:N", title="Place"),
        alt.Tooltip("period:N", title="Period"),
        alt.Tooltip("value_text:N", title="Figure"),
        alt.Tooltip("ci_text:N", title="95% CI"),
        alt.Tooltip("judgement_label:N", title=f"Against {judged_against}"),
        alt.Tooltip("status_text:N", title="Status"),
    ]
    whiskers = (
        alt.Chart(df)
        .transform_filter("isValid(datum.ci_lower) && isValid(datum.ci_upper)")
        .mark_rule(color="#333333", strokeWidth=2)
        .encode(y=y, x=alt.X("ci_lower:Q", scale=x_scale, title=_axis_title(unit, unit_label)),
                x2="ci_upper:Q")
    )
    shapes = alt.Scale(
        domain=[JUDGEMENT_LABELS[j] for j in present],
        range=[JUDGEMENT_SHAPES[j] for j in present],
    )
    outlines = (
        alt.Chart(df)
        .mark_point(filled=False, size=190, color="#222222", strokeWidth=1, opacity=1)
        .encode(y=y, x=alt.X("value:Q", scale=x_scale),
                shape=alt.Shape("judgement_label:N", scale=shapes,
                                title=f"Against {judged_against}"))
    )
    dots = (
        alt.Chart(df)
        .mark_point(filled=True, size=170, opacity=1)
        .encode(
            y=y,
            x=alt.X("value:Q", scale=x_scale, title=_axis_title(unit, unit_label)),
            color=alt.Color(
                "judgement_label:N",
                title=f"Against {judged_against}",
                scale=alt.Scale(
                    domain=[JUDGEMENT_LABELS[j] for j in present],
                    range=[JUDGEMENT_COLOURS[j] for j in present],
                ),
            ),
            shape=alt.Shape("judgement_label:N", title=f"Against {judged_against}", scale=shapes),
            tooltip=tooltip,
        )
    )
    layers = [whiskers, dots, outlines]
    if reference is not None:
        ref = pd.DataFrame({"x": [reference], "label": [reference_name]})
        layers.insert(
            0, alt.Chart(ref).mark_rule(strokeDash=[6, 4], color="#111111", strokeWidth=1.5)
            .encode(x=alt.X("x:Q", scale=x_scale),
                    tooltip=[alt.Tooltip("label:N", title="Dashed line")])
        )
    height = max(80, height_per_row * len(order))
    return _configure(alt.layer(*layers).properties(height=height), legend_columns=1)


def share_bars(
    rows: pd.DataFrame, *, label_col: str, value_col: str, title: str,
    highlight: str | Sequence[str] | None, value_title: str, unit: str = "",
    decimals: int = 0,
) -> alt.TopLevelMixin:
    """Horizontal bars of a breakdown (e.g. vacancies by industry) with the bar or bars named
    in ``highlight`` picked out. Each bar's name and figure are written above it, across the
    chart's full width, so the bars keep their length on a phone however long the names."""
    marked = {highlight} if isinstance(highlight, str) else set(highlight or ())
    df = rows.copy()
    df["highlight"] = ["Highlighted" if lab in marked else "Other" for lab in df[label_col]]
    df["label_text"] = [f"{lab}: {format_value(v, unit, decimals)}"
                        for lab, v in zip(df[label_col], df[value_col], strict=True)]
    order = df.sort_values(value_col, ascending=False)[label_col].tolist()
    y = alt.Y(f"{label_col}:N", sort=order, title=None, axis=None)
    tooltip = [alt.Tooltip("label_text:N", title="Group")]
    bars = alt.Chart(df).mark_bar(size=12, yOffset=7).encode(
        y=y,
        x=alt.X(f"{value_col}:Q", title=_axis_title(unit, value_title, short=True),
                axis=alt.Axis(tickCount=5, labelFlush=True, labelOverlap=True)),
        color=alt.Color(
            "highlight:N",
            scale=alt.Scale(domain=["Highlighted", "Other"], range=["#D55E00", "#9E9E9E"]),
            legend=None,
        ),
        tooltip=tooltip,
    )
    # A name longer than the chart is wide ends in an ellipsis (the tooltip has it in full).
    labels = alt.Chart(df).mark_text(align="left", baseline="bottom", dy=-1, fontSize=12,
                                     font=FONT, color="#222222",
                                     limit=alt.ExprRef("width")).encode(
        y=y, x=alt.value(0), text="label_text:N", tooltip=tooltip)
    chart = alt.layer(bars, labels).properties(height=ROW_PX * max(2, len(order)), title=title)
    return _configure(chart)


_BUILDERS: dict[str, Callable[..., alt.TopLevelMixin]] = {
    "trend": trend, "compare_chart": compare_chart, "share_bars": share_bars,
}
# Altair's theme is global to the process: one conversion at a time.
_ALTAIR_LOCK = threading.Lock()


@st.cache_data(max_entries=256, show_spinner=False)
def spec(builder: str, data: pd.DataFrame, **options: Any) -> dict:
    """The Vega-Lite spec of chart ``builder`` (``trend``, ``compare_chart`` or ``share_bars``)
    for ``data`` and ``options``, for ``st.vega_lite_chart``.

    Kept between reruns: building and validating a layered Altair chart takes tens of
    milliseconds, which every rerun of a page would otherwise spend again. The data travels in
    the spec's ``datasets``; no theme is applied (Streamlit's own is, when it draws the chart).
    """
    chart = _BUILDERS[builder](data, **options)
    with _ALTAIR_LOCK, alt.theme.enable("none"):
        return chart.to_dict()
