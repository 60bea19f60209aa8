"""Compare: places side by side for the chosen indicators, with 95% confidence intervals."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, display, measures, queries, state
from dashboard import filters as flt
from dashboard.compare import change_on_a_year
from dashboard.formatting import breakdown_label, join_names, md, total_title
from dashboard.tables import static_table
from dashboard.views import current_filters, page_path

f = current_filters("compare")
info = queries.info()
st.markdown(
    "Each chart puts the chosen places side by side: a dot for the figure, a line for its 95% "
    "confidence interval, and England's figure as a dashed line. Colour and shape give the "
    "verdict against England, which appears only where the interval lies wholly on one side."
)

CHANGE_NOTE = (
    "Change on a year earlier: against the same place's figure a year before; *improved* or "
    "*worsened* only where the change is larger than both years' sampling error would explain "
    "(95%), otherwise *within sampling error*: a jump between two survey years is often noise. "
    "Without confidence intervals only the direction is given. pp: percentage points."
)

if not f.indicators:
    st.info("Choose one or more indicators in the bar above.")
else:
    members = queries.subicb_members()
    areas = queries.areas()
    lad_names = dict(zip(areas.loc[areas["area_level"] == "lad", "area_code"],
                         areas.loc[areas["area_level"] == "lad", "display_name"], strict=True))
    chosen = join_names(md(lad_names[c]) for c in f.places) if f.places else "all places"
    st.caption(f"Places: {chosen}. Latest period for each indicator, named in its heading.")
    for note in measures.notes(f.indicators):
        st.caption(md(note, 600))
    for ind_id in f.indicators:
        meta = flt.indicator_meta(ind_id)
        level = next((lv for lv in ("lad", "subicb") if lv in meta["place_levels"]), None)
        if level is None:
            continue
        breakdown = "total" if "total" in meta["breakdowns"] else meta["breakdowns"][0]
        rows = queries.observations((ind_id,), level, tuple(f.places), "latest", breakdown, True)
        places = rows[~rows["is_comparator"]]
        comps = rows[rows["is_comparator"]]
        unit, decimals = meta["unit"], int(meta["decimals"])
        england = display.england(comps)
        with st.container(border=True, key=f"compare_{ind_id}"):
            period = places["period"].iloc[0] if len(places) else ""
            title = (total_title(meta["title"]) if breakdown == "total"
                     else f"{meta['title']}: {breakdown_label(breakdown)}")
            st.subheader(md(f"{title}, {period}" if period else title))
            st.caption(f"{md(meta['unit_label'])}. {display.source_line(places, info)}")
            shown = pd.concat([places, comps[comps["area_level"] == "partnership"]])
            shown = shown.assign(judgement=display.judgements(shown, england))
            if shown["value"].notna().any():
                st.vega_lite_chart(
                    spec=charts.spec("compare_chart", shown, unit=unit,
                                     unit_label=meta["unit_label"], decimals=decimals,
                                     reference=england.figure),
                    key=f"compare_chart_{ind_id}",
                    height=charts.bars_height(int(shown["value"].notna().sum())),
                    alt=f"{meta['title']} by place with 95% confidence intervals, "
                        "England as a dashed line",
                )
            badges = display.subicb_badges(members) if level == "subicb" else {}
            if level == "subicb":
                st.caption(md(display.subicb_note(members, lad_names), 600))
            # The change on a year earlier, judged against both years' sampling error.
            history = queries.observations((ind_id,), level, tuple(f.places), "all", breakdown,
                                           False)
            none = history.iloc[0:0]  # comparators: no change column entry
            rows = rows.assign(change=[change_on_a_year(r, none if r["is_comparator"]
                                                        else history)
                                       for _, r in rows.iterrows()])
            table_df = display.figure_table(
                rows, columns=("place", "figure", "ci", "change", "against", "covers",
                               "status"),
                against=[england], badges=badges)
            static_table(table_df, key=f"compare_table_{ind_id}", width="content",
                         nowrap=("95% CI",))
            foot = [display.notes(table_df)]
            if display.HEADERS["change"] in table_df:
                foot.append(CHANGE_NOTE)
            st.caption(" ".join(x for x in foot if x))

    # The same figures to take away: the Data page builds every download.
    at_lad = [i for i in f.indicators if "lad" in flt.indicator_meta(i)["place_levels"]]
    if at_lad:
        st.page_link(
            page_path("data"),
            label="Download these figures (CSV or XLSX)" if len(at_lad) == len(f.indicators)
            else "Download the local authority figures (CSV or XLSX)",
            icon=":material/download:",
            query_params={state.CHALLENGE: f.challenge, state.INDICATORS: at_lad,
                          state.PLACES: list(f.places), state.LEVEL: "lad",
                          state.PERIOD: state.LATEST},
        )
