"""Overview: the partnership against the 80% employment aspiration; each challenge at a glance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.area import ENGLAND_CODE
from dashboard import charts, display, focus, panels, queries
from dashboard.aspiration import EMPLOYMENT_RATE, TARGET_RATE, aspiration
from dashboard.formatting import (
    date_text,
    format_number,
    format_points,
    format_value,
    md,
    status_notes,
    status_text,
    total_title,
)
from dashboard.tables import static_table
from dashboard.views import page_path

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


def distance_to_80() -> None:
    """The section on the 80% aspiration."""
    st.header("Distance to an 80% employment rate", anchor="distance-to-80")
    codes = (partnership, *lads["area_code"], *regions, ENGLAND_CODE)
    series = queries.series(EMPLOYMENT_RATE, tuple(c for c in codes if c))
    if series.empty:
        focus.not_loaded(
            "the employment rate (Annual Population Survey)",
            "Without it this page cannot say how far each place is from the 80% aspiration.",
            "`python -m etl build` (live Nomis) or `python -m etl build --from <folder>` with an "
            "APS extract",
            "employment",
        )
        return
    result = aspiration(series, partnership)
    rows = result.table
    part = rows[rows["area_code"] == partnership]
    period = md(result.period)
    newest = series.sort_values("period_end").iloc[-1]["period"]
    later = (f" Rates for {md(newest)} are published without the counts, so the distance is "
             f"measured for {period}; the challenge cards below, the map and the profiles show "
             f"{md(newest)}." if newest != result.period and result.has_counts else "")
    st.caption(
        f"Employment rate of residents aged 16 to 64 in **{period}**. Source: Office for "
        "National Statistics, Annual Population Survey. People needed = 80% of residents aged "
        "16 to 64 minus those in work, from the survey's own counts, rounded to the nearest 100."
        f"{later}"
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
                "at or above 80%" if gap <= 0 else format_points(gap),
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


distance_to_80()


# ---------------------------------------------------------------------------------------------
# The six challenges
# ---------------------------------------------------------------------------------------------

st.header("The six challenges", anchor="challenges")
st.caption(
    "Each card shows one headline indicator for the challenge, with each place against England "
    "in the latest period published. A verdict appears only where the 95% confidence intervals "
    "support one."
)
ind_meta = queries.indicators().set_index("indicator_id")
chal = queries.challenges()
place_names = dict(zip(lads["area_code"], lads["display_name"], strict=True))

NOTHING_LOADED: dict[str, str] = {
    "women": "**No figures by sex are loaded yet.** Female employment and inactivity rates, "
    "inactivity to look after family or home, and the gender pay gap need the Annual "
    "Population Survey and ASHE extracts by sex.",
    "insecure_work": "**Not loaded yet.** This card would show jobs paid below the Real Living "
    "Wage (ASHE) and part-time or temporary work (Annual Population Survey).",
    "employer_vacancies": "**Not loaded yet.** This card would show online job adverts per "
    "1,000 residents, or employment by industry (BRES), for each place.",
}


def card_caption(places: pd.DataFrame, meta: pd.Series, eng: float | None, table) -> str:
    """Highest, lowest, England, sources and what a blank verdict means."""
    valued = places.dropna(subset=["value"])
    unit, dec = meta["unit"], int(meta["decimals"])
    parts = []
    if len(valued):
        hi = valued.loc[valued["value"].idxmax()]
        lo = valued.loc[valued["value"].idxmin()]
        parts.append(f"Highest {md(hi['area_name'])}: {format_value(hi['value'], unit, dec)}; "
                     f"lowest {md(lo['area_name'])}: {format_value(lo['value'], unit, dec)}.")
    if eng is not None:
        parts.append(f"England: {format_value(eng, unit, dec)}.")
    parts.append(display.notes(table))
    parts.append(display.source_line(places))
    return " ".join(p for p in parts if p)


def neighbourhood_card(key: str, ind_id: str, level: str, meta: pd.Series) -> None:
    """A card whose headline is published only for neighbourhoods: each place's range."""
    rows = queries.observations((ind_id,), level, (), "latest", "total", False)
    rows = rows[rows["value"].notna()]
    unit, dec = meta["unit"], int(meta["decimals"])
    period = rows["period"].iloc[0] if len(rows) else ""
    kind = "small neighbourhoods" if level == "lsoa" else "neighbourhoods"
    st.markdown(display.heading(meta["title"], meta["unit_label"], period))
    frame = pd.DataFrame(
        [
            {"Place": place_names.get(code, code),
             f"Range across its {kind}": f"{format_number(g['value'].min(), dec)} to "
                                         f"{format_value(g['value'].max(), unit, dec)}"}
            for code, g in rows.groupby("lad_code", sort=False)
        ]
    )
    if not frame.empty:
        frame = frame.sort_values("Place")
        static_table(frame, key=f"card_table_{key}")
    st.caption(f"Published for {kind} only, so each place shows the lowest and highest of its "
               f"{kind}. " + display.source_line(rows))


cols = st.columns(3)
for i, ch in enumerate(chal.itertuples(index=False)):
    with cols[i % 3], st.container(border=True, key=f"card_{ch.challenge_id}"):
        st.markdown(f"#### {md(ch.title)}")
        pick = panels.headline(ch.challenge_id)
        if ch.challenge_id == "women" and (pick is None or pick[1] not in panels.CARD_LEVELS):
            st.markdown(NOTHING_LOADED["women"])
        if pick is None:
            if ch.challenge_id != "women":
                st.markdown(NOTHING_LOADED.get(
                    ch.challenge_id, "**Not loaded yet.** No indicator for this challenge has "
                    "figures for the partnership's places."))
            st.caption("For officers: load more sources with "
                       "`python -m etl build --from <folder>`.")
            continue
        ind_id, level = pick
        meta = ind_meta.loc[ind_id]
        if level not in panels.CARD_LEVELS:
            neighbourhood_card(ch.challenge_id, ind_id, level, meta)
        else:
            rows = queries.observations((ind_id,), level, (), "latest", "total", True)
            places = rows[~rows["is_comparator"]]
            england = display.england(rows)
            table = display.figure_table(
                places.sort_values("value", ascending=meta["polarity"] == "low_is_good"),
                columns=("place", "figure", "against"), against=[england],
            )
            st.markdown(display.heading(total_title(meta["title"]), meta["unit_label"],
                                        table.attrs["period"]))
            static_table(table, key=f"card_table_{ch.challenge_id}")
            st.caption(card_caption(places, meta, england.figure, table))
        st.page_link(
            page_path("map"), label="See it on the map", icon=":material/map:",
            query_params={"challenge": ch.challenge_id, "indicator": ind_id, "level": level},
        )


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

st.header("How fresh are the figures?", anchor="freshness")
fresh = queries.freshness()
if fresh.empty:
    st.caption("No figures are loaded.")
else:

    def _source_date(released: object, retrieved: object) -> str:
        if date_text(released):
            return f"Released {date_text(released, short=True)}"
        if date_text(retrieved):
            return f"File retrieved {date_text(retrieved, short=True)}"
        return "Not recorded"

    static_table(
        pd.DataFrame(
            {
                "Indicator": fresh["title"],
                "Latest period": fresh["latest_period"],
                "Figures loaded": [format_number(n) for n in fresh["n_obs"]],
                "Source date": [_source_date(r, g) for r, g in
                                zip(fresh["release_date"], fresh["retrieved_at"], strict=True)],
            }
        ),
        key="freshness_table",
    )
    st.caption(
        "Source date: the publisher's release date where the file records it, otherwise the "
        "day the file was downloaded. Figures loaded count every place, comparator and period."
    )
