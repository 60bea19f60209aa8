"""The overview's own sections, worked out once per warehouse version (``dashboard.memo``) and
drawn on each rerun: the distance to an 80% employment rate (:func:`distance_to_80`) and how
fresh the figures are (:func:`freshness_table`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from core.area import ENGLAND_CODE
from dashboard import charts, display, memo, provenance, queries, steps
from dashboard.aspiration import EMPLOYMENT_RATE, TARGET_RATE, aspiration
from dashboard.formatting import (
    format_number,
    format_points,
    format_value,
    md,
    status_notes,
    status_text,
)
from dashboard.steps import Step


@dataclass(frozen=True)
class Distance:
    """What the section on the 80% aspiration shows (not to be changed by a page)."""

    caption: str
    metrics: tuple[tuple[str, str, str | None], ...]  # (label, value, help), the partnership's
    table: Step
    foot: str
    chart: dict  # ``st.vega_lite_chart`` options
    pinned: dict[str, str]  # the employment rate's period, where the cards must show it too


@memo.cached
def distance_to_80(version: str, info: dict) -> Distance | None:
    """The partnership and its places against the 80% aspiration (``info``: the build's record,
    ``queries.info()``); None without employment rates."""
    partnership = info["partnership_code"]
    partnership_name = md(info["partnership_name"])
    areas = queries.areas()
    lads = areas[(areas["area_level"] == "lad") & areas["in_partnership"]]
    regions = sorted(set(lads["region_code"].dropna()))
    codes = (partnership, *lads["area_code"], *regions, ENGLAND_CODE)
    series = queries.series(EMPLOYMENT_RATE, tuple(c for c in codes if c))
    if series.empty:
        return None
    result = aspiration(series, partnership)
    rows = result.table
    part = rows[rows["area_code"] == partnership]
    period = md(result.period)
    newest = series.sort_values("period_end").iloc[-1]["period"]
    later = (f" Rates for {md(newest)} are published without the counts, so the distance, and "
             f"the employment rate on this page, are for {period}; the map and the place "
             f"profiles show {md(newest)}." if newest != result.period and result.has_counts
             else "")
    caption = (
        f"Employment rate of residents aged 16 to 64 in **{period}**. "
        f"{display.source_line(rows[rows['area_code'] != partnership], info)} People needed = "
        "80% of residents aged 16 to 64 minus those in work, from the survey's own counts, "
        f"rounded to the nearest 100.{later}"
    )
    metrics: list[tuple[str, str, str | None]] = []
    if not part.empty:
        p = part.iloc[0]
        gap = p["gap_pp"]
        needed = p["people_needed_rounded"]
        metrics = [
            (f"{partnership_name} employment rate, {period}", format_value(p["value"], "%", 1),
             status_text(p["status"]) or None),
            (f"Gap to 80%, {period}",
             format_points(gap) if display.gap_text(gap).endswith("pp")
             else display.gap_text(gap), None),
            (f"More people in work needed to reach 80%, {period}",
             "none" if needed == 0 else format_number(needed) if needed is not None else
             "no counts published", None),
        ]
    places = rows[rows["area_code"].isin(set(lads["area_code"]) | {partnership})].copy()
    # Furthest from 80% first, the partnership last: the chart beside lists them the same way.
    places["order"] = places["area_code"].eq(partnership)
    places = places.sort_values(["order", "value"], ascending=[True, True])
    england = display.england(rows)
    table = display.figure_table(
        places, columns=("place", "figure", "ci", "gap", "needed", "against"),
        against=[england], headers={"figure": "Employment rate"},
        keep=("ci", "needed", "against"), once=(),
    )
    foot = ["pp: percentage points."]
    statuses = [s for s in places["status"].dropna() if s]
    if statuses:
        foot.append(f"{partnership_name}: {status_notes(statuses)[:1].lower()}"
                    f"{status_notes(statuses)[1:]} So it gets no verdict against England.")
    context = rows[rows["area_code"].isin([*regions, ENGLAND_CODE])]
    if not context.empty:
        foot.append(
            f"For comparison, {period}: "
            + "; ".join(f"{md(r.area_name)} {format_value(r.value, '%', 1)}"
                        for r in context.itertuples(index=False))
            + "."
        )
    chart_rows = places.copy()
    chart_rows["judgement"] = display.judgements(places, england)
    chart = {
        "spec": charts.spec("compare_chart", chart_rows, unit="%",
                            unit_label=f"Employment rate, %, {result.period}", decimals=1,
                            reference=TARGET_RATE, reference_name="80% aspiration",
                            judged_against="England", order=list(places["area_name"])),
        "key": "chart_aspiration",
        "height": charts.bars_height(int(chart_rows["value"].notna().sum())),
        "alt": f"Employment rate by place, {result.period}, with 95% confidence intervals "
               "and the 80% aspiration as a dashed line",
    }
    return Distance(
        caption=caption, metrics=tuple(metrics),
        table=steps.table(table, "aspiration_table",
                          nowrap=("Employment rate", "95% CI", "Gap to 80%")),
        foot=" ".join(foot), chart=chart,
        # A later year of rates without counts: the cards show the rate for this period too.
        pinned={EMPLOYMENT_RATE: str(result.period)} if later else {},
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


@memo.cached
def freshness_table(version: str, info: Mapping) -> Step | None:
    """Each indicator's latest period and when it was published; None without figures."""
    fresh = provenance.freshness()
    if fresh.empty:
        return None
    return steps.table(
        pd.DataFrame(
            {
                "Indicator": fresh["title"],
                "Latest period": fresh["latest_period"],
                "Published": [_sentence(display.source_date(r, g, info)) or "Sample"
                              for r, g in zip(fresh["release_date"], fresh["retrieved_at"],
                                              strict=True)],
            }
        ),
        "freshness_table",
    )
