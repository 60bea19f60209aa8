"""Compare: places side by side for the chosen indicators, with 95% confidence intervals."""

from __future__ import annotations

import streamlit as st

from dashboard import compareview, measures, queries, state, steps
from dashboard import filters as flt
from dashboard.formatting import join_names, md
from dashboard.views import current_filters, page_path

f = current_filters("compare")
info = queries.info()
st.markdown(
    "Each chart puts the chosen places side by side: a dot for the figure, a line for its 95% "
    "confidence interval, and England's figure as a dashed line. Colour and shape give the "
    "verdict against England, which appears only where the interval lies wholly on one side."
)

if not f.indicators:
    st.info("Choose one or more indicators in the bar above.")
else:
    lad_names = flt.place_options()  # the partnership's places, the only ones offered
    chosen = join_names(md(lad_names[c]) for c in f.places) if f.places else "all places"
    st.caption(f"Places: {chosen}. Latest period for each indicator, named in its heading.")
    for note in measures.notes(f.indicators):
        st.caption(md(note, 600))
    for ind_id in f.indicators:
        section = compareview.section(ind_id, tuple(f.places), dict(info))
        if section is None:
            continue
        with st.container(border=True, key=f"compare_{ind_id}"):
            steps.draw(section)

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
