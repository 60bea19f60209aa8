"""Place profile: every indicator for one place against its region, England and the partnership."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, queries, state
from dashboard import profile as prof
from dashboard.aspiration import EMPLOYMENT_RATE, TARGET_RATE
from dashboard.formatting import format_ci, format_value, join_names, level_name, status_text
from dashboard.views import current_filters, page_path
from pages import _shared

COMPACT = {"no_ci": "no CI", "no_comparator": "—", "no_value": "—"}

f = current_filters("profile")
info = queries.info()
partnership = info["partnership_code"]
areas = queries.areas()
names = dict(zip(areas["area_code"], areas["display_name"], strict=True))
lad_names = dict(zip(areas.loc[areas["area_level"] == "lad", "area_code"],
                     areas.loc[areas["area_level"] == "lad", "display_name"], strict=True))

places = areas[areas["in_partnership"] & areas["area_level"].isin(
    ["partnership", "lad", "msoa", "lsoa"])].copy()
rank = {"partnership": 0, "lad": 1, "msoa": 2, "lsoa": 3}
places["rank"] = places["area_level"].map(rank)
places = places.sort_values(["rank", "display_name"])


def _label(level: str, display_name: str, lad_code: str | None) -> str:
    kind = level_name(level, singular=True)
    if level in ("msoa", "lsoa"):
        return f"{display_name} · {kind} in {lad_names.get(lad_code, '')}"
    return f"{display_name} · {kind}"


options = {r.area_code: _label(r.area_level, r.display_name, r.lad_code)
           for r in places.itertuples(index=False)}

code = _shared.url_choice(
    state.AREA, "Place", options, partnership,
    what="a place in the partnership (local authority, neighbourhood or the partnership)",
    help_text="Type to search: local authorities, neighbourhoods (MSOA) and small "
    "neighbourhoods (LSOA).",
)
p = prof.place(code, areas, queries.subicb_members(), partnership)
st.header(p.name, anchor="place")
st.caption(prof.describe(p, names))

obs = queries.area_observations(tuple(dict.fromkeys([p.code, *p.chain, *(c for _, c in
                                                                         p.comparators)])))
catalogue = queries.indicators()
if f.challenge != state.ALL_CHALLENGES:
    catalogue = catalogue[[f.challenge in list(c) for c in catalogue["challenges"]]]
table = prof.cached_profile(p, obs, catalogue, names)

if table.empty:
    st.info("No figures for this place in the chosen challenge. Choose another challenge or "
            "place.")
else:
    roles = [role for role, _ in p.comparators]
    role_titles = {"england": "England", "region": "Region", "partnership": "Partnership",
                   "lad": "Local authority"}
    described = {"england": "England", "region": "its region ({})",
                 "partnership": "the partnership ({})", "lad": "its local authority ({})"}
    st.markdown(
        "Each figure is compared with "
        + join_names(described[r].format(names.get(c, c)) for r, c in p.comparators)
        + " for the same period. *Better*, *worse*, *higher* or *lower* appear only where the "
        "place's 95% confidence interval lies wholly on one side of the comparator's figure; "
        "figures without a confidence interval get no verdict."
    )
    display = pd.DataFrame(
        {
            "Indicator": table["title"],
            "Period": table["period"],
            "Figure": [format_value(v, u, d) for v, u, d in
                       zip(table["value"], table["unit"], table["decimals"], strict=True)],
            "95% CI": [format_ci(lo, hi, u, d) for lo, hi, u, d in
                       zip(table["ci_lower"], table["ci_upper"], table["unit"], table["decimals"],
                           strict=True)],
            "Figure covers": table["covers"],
            **{
                role_titles[r]: [
                    "—" if pd.isna(v) else format_value(v, u, d)
                    for v, u, d in zip(table[f"{r}_value"], table["unit"], table["decimals"],
                                       strict=True)
                ]
                for r in roles
            },
            **{
                f"Against {role_titles[r] if r == 'england' else role_titles[r].lower()}": [
                    COMPACT.get(v.code, v.short) for v in table[f"{r}_verdict"]
                ]
                for r in roles
            },
            "Status": [status_text(s) for s in table["status"]],
        }
    )
    if not table["covers"].astype(bool).any():
        display = display.drop(columns=["Figure covers"])
    if not display["95% CI"].astype(bool).any():
        display = display.drop(columns=["95% CI"])
    _shared.table(display, key="profile_table")
    st.caption(
        "Better, worse, similar, higher, lower: against the comparator's figure for the same "
        "period, where the 95% confidence interval allows. *no CI*: the figure has no confidence "
        "interval, so no verdict. *—*: the comparator has no figure for that period."
    )

    st.subheader("Trends and notes")
    meta = catalogue.set_index("indicator_id")
    first_series: str | bool = False
    for row in table.itertuples(index=False):
        m = meta.loc[row.indicator_id]
        # Expanders track their state, so a trend chart is drawn only when its section is open
        # (the first series opens by default).
        first_series = first_series or (row.n_periods > 1 and row.indicator_id)
        with st.expander(f"{row.title}: {format_value(row.value, row.unit, row.decimals)} "
                         f"({row.period})", key=f"profile_exp_{row.indicator_id}",
                         expanded=first_series == row.indicator_id,
                         on_change="rerun") as section:
            st.markdown(str(m["description"]))
            verdicts = [getattr(row, f"{r}_verdict").text for r in roles]
            st.markdown("\n".join(f"- {v}" for v in verdicts))
            if row.covers:
                st.caption(f"This figure covers {row.covers_name} as a whole ({row.covers}): "
                           f"it is not published for {p.name} itself.")
            if row.n_periods > 1 and section.open:
                codes = [row.figure_area, *(c for _, c in p.comparators)]
                series = obs[(obs["indicator_id"] == row.indicator_id)
                             & obs["area_code"].isin(codes)]
                order = [names.get(c, c) for c in codes]
                st.altair_chart(
                    charts.trend(series, unit=row.unit, unit_label=row.unit_label,
                                 decimals=row.decimals, order=order,
                                 target=TARGET_RATE if row.indicator_id == EMPLOYMENT_RATE
                                 else None),
                    key=f"trend_{row.indicator_id}",
                    height=charts.trend_height(),
                )
            if str(m["caveats"]).strip():
                st.caption(f"Caveats: {m['caveats']}")

    if p.level in ("lad", "msoa", "lsoa"):
        st.page_link(page_path("map"), label="See this place on the map", icon=":material/map:",
                     query_params={"area": p.code, "level": p.level})
