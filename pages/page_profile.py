"""Place profile: every indicator for one place against its region, England and the partnership."""

from __future__ import annotations

import streamlit as st

from dashboard import profilesteps, queries, state, steps
from dashboard import profileview as exports
from dashboard.filterbar import url_choice
from dashboard.formatting import md
from dashboard.views import current_filters, page_path

f = current_filters("profile")
info = queries.info()
code = url_choice(
    state.AREA, "Place", profilesteps.place_options(), info["partnership_code"],
    what="a place in the partnership (local authority, neighbourhood or the partnership)",
    help_text="Type to search: local authorities, neighbourhoods (MSOA) and small "
    "neighbourhoods (LSOA).",
)
v = profilesteps.view(code, f.challenge, dict(info))
p = v.p
st.header(md(p.name), anchor="place")
st.caption(md(v.description, 300))

if v.table.empty:
    st.info("No figures for this place in the chosen challenge. Choose another challenge or "
            "place.")
else:
    exports.profile_buttons(p, v.own, v.wider, v.obs, v.names, v.group, info)
    steps.draw(v.own_steps)
    steps.draw(v.wider_steps)
    if v.group is not None:
        exports.places_like(v.group, info)

    st.subheader("Trends and notes", anchor="trends")
    for s in v.sections:
        # Expanders track their state, so a trend chart is drawn only when its section is open
        # (the first series opens by default).
        with st.expander(s.label, key=f"profile_exp_{s.indicator_id}", expanded=s.expanded,
                         on_change="rerun") as section:
            steps.draw(s.body)
            if s.has_trend and section.open:
                st.vega_lite_chart(**profilesteps.trend(code, f.challenge, dict(info),
                                                        s.indicator_id))
            st.caption(s.caption)

    if p.level in ("lad", "msoa", "lsoa"):
        st.page_link(page_path("map"), label="See this place on the map", icon=":material/map:",
                     query_params={"area": p.code, "level": p.level})
