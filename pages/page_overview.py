"""Overview: the partnership against the 80% employment aspiration; each challenge at a glance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, panels, queries
from dashboard.aspiration import EMPLOYMENT_RATE, TARGET_RATE, aspiration
from dashboard.compare import verdict
from dashboard.formatting import (
    format_ci,
    format_number,
    format_points,
    format_value,
    status_text,
)
from dashboard.views import page_path
from pages import _shared

info = queries.info()
partnership = info["partnership_code"]
areas = queries.areas()
lads = areas[(areas["area_level"] == "lad") & areas["in_partnership"]]
regions = sorted(set(lads["region_code"].dropna()))
name_of = dict(zip(areas["area_code"], areas["display_name"], strict=True))

st.markdown(
    "The *Get Britain Working* White Paper aspires to an **80% employment rate**. This page shows "
    f"how far {info['partnership_name']} and each of its places are from it, and where each place "
    "stands on the six challenges."
)


# ---------------------------------------------------------------------------------------------
# Distance to 80%
# ---------------------------------------------------------------------------------------------


def distance_to_80() -> None:
    st.header("Distance to an 80% employment rate", anchor="distance-to-80")
    codes = (partnership, *lads["area_code"], *regions, _shared.ENGLAND)
    series = queries.series(EMPLOYMENT_RATE, tuple(c for c in codes if c))
    if series.empty:
        _shared.not_loaded(
            "The employment rate (Annual Population Survey)",
            "`python -m etl build` (live Nomis) or `python -m etl build --from <folder>` with an "
            "APS extract",
            "employment",
        )
        return
    result = aspiration(series, partnership)
    rows = result.table
    part = rows[rows["area_code"] == partnership]
    newest = series.sort_values("period_end").iloc[-1]["period"]
    later = (f" Rates for {newest} are published without the counts, so the distance is "
             f"measured for {result.period}; the map and profiles show {newest}."
             if newest != result.period and result.has_counts else "")
    st.caption(
        f"Employment rate of residents aged 16 to 64, Annual Population Survey, {result.period}. "
        "People needed = 80% of residents aged 16 to 64 minus those in work, from the survey's "
        f"own counts, rounded to the nearest 100.{later}"
    )
    if not part.empty:
        p = part.iloc[0]
        with st.container(horizontal=True, key="headline_metrics"):
            st.metric(
                f"{info['partnership_name']} employment rate",
                format_value(p["value"], "%", 1),
                help=status_text(p["status"]) or None,
                border=True,
            )
            gap = p["gap_pp"]
            st.metric(
                "Gap to 80%",
                "at or above 80%" if gap <= 0 else format_points(gap),
                border=True,
            )
            needed = p["people_needed_rounded"]
            st.metric(
                "More people in work needed to reach 80%",
                "none" if needed == 0 else format_number(needed) if needed is not None else
                "no counts published",
                border=True,
            )
    places = rows[rows["area_code"].isin(set(lads["area_code"]) | {partnership})].copy()
    places["order"] = places["area_code"].eq(partnership)
    places = places.sort_values(["order", "value"], ascending=[True, True])
    england = rows[rows["area_code"] == _shared.ENGLAND]["value"]
    eng = float(england.iloc[0]) if len(england) else None
    table = pd.DataFrame(
        {
            "Place": places["area_name"],
            "Employment rate": [format_value(v, "%", 1) for v in places["value"]],
            "95% CI": [format_ci(lo, hi, "%", 1) for lo, hi in
                       zip(places["ci_lower"], places["ci_upper"], strict=True)],
            "Gap to 80% (points)": [
                "at or above 80%" if g <= 0 else f"{g:.1f}" for g in places["gap_pp"]
            ],
            "People needed in work": [
                "" if n is None or pd.isna(n) else ("none" if n == 0 else format_number(n))
                for n in places["people_needed_rounded"]
            ],
            "Against England": [
                verdict(v, lo, hi, eng, "high_is_good", "England").short
                for v, lo, hi in zip(places["value"], places["ci_lower"], places["ci_upper"],
                                     strict=True)
            ],
            "Status": [status_text(s) for s in places["status"]],
        }
    )
    if not table["Status"].astype(bool).any():
        table = table.drop(columns=["Status"])
    left, right = st.columns([5, 4])
    with left:
        small = st.column_config.TextColumn(width="small")
        _shared.table(
            table, key="aspiration_table",
            column_config={"Place": st.column_config.TextColumn(width="medium"),
                           **{c: small for c in table.columns if c != "Place"}},
        )
        context = rows[rows["area_code"].isin([*regions, _shared.ENGLAND])]
        if not context.empty:
            st.caption(
                "For comparison: "
                + "; ".join(
                    f"{r.area_name} {format_value(r.value, '%', 1)}"
                    for r in context.itertuples(index=False)
                )
                + "."
            )
    with right:
        chart_rows = places.copy()
        chart_rows["judgement"] = [
            verdict(v, lo, hi, eng, "high_is_good", "England").judgement
            for v, lo, hi in zip(chart_rows["value"], chart_rows["ci_lower"],
                                 chart_rows["ci_upper"], strict=True)
        ]
        st.altair_chart(
            charts.compare_chart(chart_rows, unit="%", unit_label="Employment rate, %",
                                 decimals=1, reference=TARGET_RATE,
                                 reference_name="80% aspiration", judged_against="England"),
            key="chart_aspiration",
            height=charts.bars_height(int(chart_rows["value"].notna().sum())),
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
    "Each card shows one headline indicator for the challenge, with each place against England. "
    "A verdict appears only where the 95% confidence intervals support one."
)
ind_meta = queries.indicators().set_index("indicator_id")
chal = queries.challenges()
cols = st.columns(3)
for i, ch in enumerate(chal.itertuples(index=False)):
    with cols[i % 3], st.container(border=True, key=f"card_{ch.challenge_id}"):
        st.markdown(f"#### {ch.title}")
        pick = panels.headline(ch.challenge_id)
        if pick is None:
            st.markdown("**No indicator for this challenge is loaded yet.**")
            st.caption("Load more sources with `python -m etl build --from <folder>`.")
            continue
        ind_id, level = pick
        meta = ind_meta.loc[ind_id]
        rows = queries.observations((ind_id,), level, (), "latest", "total", True)
        places = rows[~rows["is_comparator"]]
        eng = _shared.england_value(rows)
        st.markdown(f"**{meta['title']}**  \n{meta['unit_label']}, {places['period'].iloc[0]}")
        table = _shared.figure_table(
            places.sort_values("value", ascending=meta["polarity"] == "low_is_good"),
            unit=meta["unit"], decimals=int(meta["decimals"]), polarity=meta["polarity"],
            england=eng,
        )
        table = table[[c for c in ("Place", "Figure", "Against England") if c in table]]
        _shared.table(table, hide_index=True, placeholder="—", key=f"card_table_{ch.challenge_id}")
        valued = places.dropna(subset=["value"])
        if len(valued):
            hi = valued.loc[valued["value"].idxmax()]
            lo = valued.loc[valued["value"].idxmin()]
            eng_text = (f" England: {format_value(eng, meta['unit'], int(meta['decimals']))}."
                        if eng is not None else "")
            st.caption(
                f"Highest {hi['area_name']} "
                f"({format_value(hi['value'], meta['unit'], int(meta['decimals']))}), lowest "
                f"{lo['area_name']} "
                f"({format_value(lo['value'], meta['unit'], int(meta['decimals']))}).{eng_text}"
                + ("" if "Against England" in table else " " + _shared.NO_VERDICT_NOTE)
            )
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
    st.header(f"Focus: {titles.get(challenge_id, challenge_id)}", anchor=f"focus-{challenge_id}")
    for p in group:
        _shared.panel(p)


# ---------------------------------------------------------------------------------------------
# Freshness
# ---------------------------------------------------------------------------------------------

st.header("How fresh are the figures?", anchor="freshness")
fresh = queries.freshness()
if fresh.empty:
    st.caption("No figures are loaded.")
else:
    _shared.table(
        pd.DataFrame(
            {
                "Indicator": fresh["title"],
                "Latest period": fresh["latest_period"],
                "Figures": [format_number(n) for n in fresh["n_obs"]],
                "Published": [
                    "" if pd.isna(d) else pd.Timestamp(d).strftime("%-d %b %Y")
                    for d in fresh["release_date"]
                ],
                "Retrieved": [
                    "" if pd.isna(d) else pd.Timestamp(d).strftime("%-d %b %Y")
                    for d in fresh["retrieved_at"]
                ],
            }
        ),
        hide_index=True, placeholder="—",
        key="freshness_table",
    )
    if info["built_at"] is not None:
        st.caption(f"Warehouse built {info['built_at'].strftime('%-d %B %Y at %H:%M')}.")
