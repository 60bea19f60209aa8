"""Overview: the partnership against the 80% employment aspiration; each challenge at a glance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.area import ENGLAND_CODE
from dashboard import cards, charts, display, focus, panels, provenance, queries
from dashboard.aspiration import EMPLOYMENT_RATE, TARGET_RATE, aspiration
from dashboard.formatting import (
    format_number,
    format_points,
    format_value,
    md,
    status_notes,
    status_text,
)
from dashboard.tables import static_table

info = queries.info()
partnership = info["partnership_code"]
areas = queries.areas()
lads = areas[(areas["area_level"] == "lad") & areas["in_partnership"]]
regions = sorted(set(lads["region_code"].dropna()))
name_of = dict(zip(areas["area_code"], areas["display_name"], strict=True))
partnership_name = md(info["partnership_name"])

st.markdown(
    "The *Get Britain Working* White Paper aspires to an **80% employment rate**. This page shows "
    f"how far {partnership_name} and each of its places are from it, and where each place "
    "stands on the six challenges."
)


# ---------------------------------------------------------------------------------------------
# Distance to 80%
# ---------------------------------------------------------------------------------------------


def distance_to_80() -> dict[str, str]:
    """The section on the 80% aspiration; the employment rate's period it shows (so the cards
    below show the same)."""
    st.header("Distance to an 80% employment rate", anchor="distance-to-80")
    codes = (partnership, *lads["area_code"], *regions, ENGLAND_CODE)
    series = queries.series(EMPLOYMENT_RATE, tuple(c for c in codes if c))
    if series.empty:
        focus.not_loaded(
            "the employment rate (Annual Population Survey)",
            "Without it this page cannot say how far each place is from the 80% aspiration.",
            "employment",
        )
        return {}
    result = aspiration(series, partnership)
    rows = result.table
    part = rows[rows["area_code"] == partnership]
    period = md(result.period)
    newest = series.sort_values("period_end").iloc[-1]["period"]
    later = (f" Rates for {md(newest)} are published without the counts, so the distance, and "
             f"the employment rate on this page, are for {period}; the map and the place "
             f"profiles show {md(newest)}." if newest != result.period and result.has_counts
             else "")
    st.caption(
        f"Employment rate of residents aged 16 to 64 in **{period}**. "
        f"{display.source_line(rows[rows['area_code'] != partnership], info)} People needed = "
        "80% of residents aged 16 to 64 minus those in work, from the survey's own counts, "
        f"rounded to the nearest 100.{later}"
    )
    if not part.empty:
        p = part.iloc[0]
        with st.container(horizontal=True, key="headline_metrics"):
            st.metric(
                f"{partnership_name} employment rate, {period}",
                format_value(p["value"], "%", 1),
                help=status_text(p["status"]) or None,
                border=True,
            )
            gap = p["gap_pp"]
            st.metric(
                f"Gap to 80%, {period}",
                format_points(gap) if display.gap_text(gap).endswith("pp")
                else display.gap_text(gap),
                border=True,
            )
            needed = p["people_needed_rounded"]
            st.metric(
                f"More people in work needed to reach 80%, {period}",
                "none" if needed == 0 else format_number(needed) if needed is not None else
                "no counts published",
                border=True,
            )
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
    left, right = st.columns([3, 2])
    with left:
        static_table(table, key="aspiration_table",
                     nowrap=("Employment rate", "95% CI", "Gap to 80%"))
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
        st.caption(" ".join(foot))
    with right:
        chart_rows = places.copy()
        chart_rows["judgement"] = display.judgements(places, england)
        st.vega_lite_chart(
            spec=charts.spec("compare_chart", chart_rows, unit="%",
                             unit_label=f"Employment rate, %, {result.period}", decimals=1,
                             reference=TARGET_RATE, reference_name="80% aspiration",
                             judged_against="England", order=list(places["area_name"])),
            key="chart_aspiration",
            height=charts.bars_height(int(chart_rows["value"].notna().sum())),
            alt=f"Employment rate by place, {result.period}, with 95% confidence intervals "
                "and the 80% aspiration as a dashed line",
        )
        st.caption(
            "Dots: employment rate; lines: 95% confidence interval; dashed line: the 80% "
            "aspiration. Colour and shape give the verdict against England."
        )
    # A later year of rates without counts: the cards show the rate for this period too.
    return {EMPLOYMENT_RATE: str(result.period)} if later else {}


pinned = distance_to_80()


# ---------------------------------------------------------------------------------------------
# The six challenges
# ---------------------------------------------------------------------------------------------

st.header("The six challenges", anchor="challenges")
st.caption(
    "Each card shows the challenge's headline measures for each place, with the period in its "
    "heading. A verdict against England appears only where the 95% confidence intervals support "
    "one."
)
chal = queries.challenges()
cols = st.columns(2)  # two to a row: room for a place and three measures
for i, ch in enumerate(chal.itertuples(index=False)):
    with cols[i % 2]:
        cards.card(ch.challenge_id, ch.title, pinned, info)


# ---------------------------------------------------------------------------------------------
# Focus panels
# ---------------------------------------------------------------------------------------------

titles = dict(zip(chal["challenge_id"], chal["title"], strict=True))
for challenge_id in ("employer_vacancies", "exclusion"):
    group = [p for p in panels.PANELS if p.challenge == challenge_id]
    st.header(f"Focus: {md(titles.get(challenge_id, challenge_id))}",
              anchor=f"focus-{challenge_id}")
    for p in group:
        focus.panel(p)


# ---------------------------------------------------------------------------------------------
# Freshness
# ---------------------------------------------------------------------------------------------

def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


st.header("How fresh are the figures?", anchor="freshness")
fresh = provenance.freshness()
if fresh.empty:
    st.caption("No figures are loaded.")
else:
    static_table(
        pd.DataFrame(
            {
                "Indicator": fresh["title"],
                "Latest period": fresh["latest_period"],
                "Published": [_sentence(display.source_date(r, g, info)) or "Sample"
                              for r, g in zip(fresh["release_date"], fresh["retrieved_at"],
                                              strict=True)],
            }
        ),
        key="freshness_table",
    )
    st.caption(
        "Published: the publisher's release date where the source gives one, otherwise the day "
        "the file was retrieved where the file records it. The About page lists every source."
    )
