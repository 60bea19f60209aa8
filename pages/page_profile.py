"""Place profile: every indicator for one place against its region, England and the partnership."""

from __future__ import annotations

import streamlit as st

from dashboard import aspiration, charts, measures, queries, state
from dashboard import profile as prof
from dashboard import profileview as exports
from dashboard.aspiration import EMPLOYMENT_RATE, TARGET_RATE
from dashboard.compare import NO_COMPARATOR
from dashboard.display import source_line
from dashboard.filterbar import url_choice
from dashboard.formatting import (
    format_value,
    join_names,
    level_name,
    md,
    status_notes,
    text_of,
    total_title,
)
from dashboard.tables import static_table
from dashboard.views import current_filters, page_path, profile_link

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

code = url_choice(
    state.AREA, "Place", options, partnership,
    what="a place in the partnership (local authority, neighbourhood or the partnership)",
    help_text="Type to search: local authorities, neighbourhoods (MSOA) and small "
    "neighbourhoods (LSOA).",
)
p = prof.place(code, areas, queries.subicb_members(), partnership)
st.header(md(p.name), anchor="place")
st.caption(md(prof.describe(p, names), 300))

obs = queries.area_observations(tuple(dict.fromkeys([p.code, *p.chain, *(c for _, c in
                                                                         p.comparators)])))
# A local authority is also compared with its statistical neighbours' median.
p, obs, names, group = exports.with_neighbours(p, obs, names)
name_here = p.name if p.name not in {names.get(c, c) for _, c in p.comparators} else "Figure"

catalogue = queries.indicators()
if f.challenge != state.ALL_CHALLENGES:
    catalogue = catalogue[[f.challenge in list(c) for c in catalogue["challenges"]]]
table = prof.cached_profile(p, obs, catalogue, names)

if table.empty:
    st.info("No figures for this place in the chosen challenge. Choose another challenge or "
            "place.")
else:
    comparators = list(p.comparators)
    own = table[table["covers"] == ""]  # the place's own figures, not a wider area's
    wider = table[table["covers"] != ""]
    exports.profile_buttons(p, own, wider, obs, names, group, info)

    st.subheader(f"Figures for {md(p.name)}", anchor="own-figures")
    if own.empty:
        st.info(f"No figure in this challenge is published for {md(p.name)} itself: those "
                "below are for the wider area it lies in.")
    else:
        st.markdown(
            "Each figure is compared with "
            + join_names(f"**{md(names.get(c, c))}**" for _, c in comparators)
            + " for the same period. *Better*, *worse*, *higher* or *lower* appear only where "
            "the place's 95% confidence interval lies wholly on one side of the comparator's "
            "figure."
        )
        shown = prof.figures(p, own, names, name_here)
        static_table(shown, key="profile_table",
                     nowrap=(name_here, "95% CI"))
        foot = [
            "Each *vs* column gives the comparator's figure for the same period, after the "
            "verdict where there is one (*Worse than 77.5%*: the place's figure is worse than "
            "the comparator's 77.5%). A figure alone: no confidence interval, so no verdict. A "
            "blank: the comparator has no figure for that period."
        ]
        if "Change on a year earlier" in shown:
            foot.append(
                "Change on a year earlier: against the same place's figure for the period a "
                "year before; *improved* or *worsened* only where the change is larger than "
                "both years' sampling error would explain (95%), otherwise *within sampling "
                "error*; pp: percentage points."
            )
        if group is not None:
            foot.append(f"{md(group.label)}: the median of its ten statistical neighbours "
                        "(below), where at least half of them have a figure for the period.")
        statuses = [x for x in own["status"].dropna() if x]
        if statuses:
            foot.append(status_notes(statuses))
        st.caption(" ".join(foot))
        for note in measures.notes(own["indicator_id"]):
            st.caption(md(note, 600))

    kind = level_name(p.level, singular=True)
    for area, grp in wider.groupby("figure_area", sort=False):
        area_name = names.get(area, area)
        st.subheader(f"Published only for {md(area_name)}", anchor=f"wider-{area}")
        st.markdown(
            f"These figures are **not published for {md(p.name)}** ({md(kind)}): they are "
            f"{md(area_name)}'s own, shown under its name for context, without verdicts."
        )
        static_table(prof.wider_figures(p, grp, names), key=f"profile_wider_{area}",
                     nowrap=("95% CI",))
        if area in lad_names:
            profile_link(area, area_name)

    if group is not None:
        exports.places_like(group, info)

    st.subheader("Trends and notes", anchor="trends")
    meta = catalogue.set_index("indicator_id")
    first_series: str | bool = False
    for row in table.itertuples(index=False):
        m = meta.loc[row.indicator_id]
        # Expanders track their state, so a trend chart is drawn only when its section is open
        # (the first series opens by default).
        first_series = first_series or (row.n_periods > 1 and row.indicator_id)
        whose = f" · {md(row.covers_name)}'s figure" if row.covers else ""
        with st.expander(f"{md(total_title(row.title))}: "
                         f"{format_value(row.value, row.unit, row.decimals)} · {md(row.period)}"
                         f"{whose}",
                         key=f"profile_exp_{row.indicator_id}",
                         expanded=first_series == row.indicator_id,
                         on_change="rerun") as section:
            st.markdown(md(m["description"], 800))
            if row.covers:
                st.markdown(
                    f"This is **{md(row.covers_name)}**'s figure ({md(row.covers)}): it is not "
                    f"published for {md(p.name)} itself. How it compares with the region and "
                    "England is on that area's own profile."
                )
                if row.figure_area in lad_names:
                    profile_link(row.figure_area, names.get(row.figure_area, ""))
            else:
                verdicts = [getattr(row, f"{r}_verdict").text for r, _ in comparators]
                if row.change.code != NO_COMPARATOR:
                    verdicts.append(row.change.text)
                if row.indicator_id == EMPLOYMENT_RATE:
                    mine = obs[(obs["indicator_id"] == EMPLOYMENT_RATE)
                               & (obs["area_code"] == row.figure_area)]
                    verdicts.append(aspiration.place_sentence(mine))
                st.markdown("\n".join(f"- {md(v, 400)}" for v in verdicts if v))
            if row.n_periods > 1 and section.open:
                codes = [row.figure_area, *(c for _, c in comparators if c != row.figure_area)]
                series = obs[(obs["indicator_id"] == row.indicator_id)
                             & obs["area_code"].isin(codes)]
                order = [names.get(c, c) for c in codes]
                st.vega_lite_chart(
                    spec=charts.spec("trend", series, unit=row.unit, unit_label=row.unit_label,
                                     decimals=row.decimals, order=order,
                                     target=TARGET_RATE if row.indicator_id == EMPLOYMENT_RATE
                                     else None),
                    key=f"trend_{row.indicator_id}",
                    height=charts.trend_height(series["area_code"].nunique()),
                    alt=f"Trend of {row.title} for {', '.join(order)}",
                )
            source = obs[(obs["indicator_id"] == row.indicator_id)
                         & (obs["area_code"] == row.figure_area)
                         & (obs["period"] == row.period)]
            notes = [source_line(source, info)]
            if text_of(m["caveats"]):
                notes.append(f"Caveats: {md(m['caveats'], 800)}")
            st.caption(" ".join(n for n in notes if n))

    if p.level in ("lad", "msoa", "lsoa"):
        st.page_link(page_path("map"), label="See this place on the map", icon=":material/map:",
                     query_params={"area": p.code, "level": p.level})
