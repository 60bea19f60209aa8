"""Map: one indicator across the places, and the same figures in a table beside it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import filters as flt
from dashboard import maps, queries, state
from dashboard.compare import verdict
from dashboard.formatting import (
    format_ci,
    format_value,
    level_name,
    status_text,
)
from dashboard.views import current_filters
from pages import _shared

f = current_filters("map")


def render() -> None:
    if f.indicator is None:
        st.info("No indicator with figures for places is loaded yet. Choose another challenge, "
                "or load more sources with `python -m etl build --from <folder>`.")
        return
    meta = flt.indicator_meta(f.indicator)
    unit, decimals, polarity = meta["unit"], int(meta["decimals"]), meta["polarity"]
    level = f.level
    st.markdown(f"**{meta['title']}**: {meta['description']}")

    breakdown = "total"
    if "total" not in meta["breakdowns"]:
        options = {b: b for b in meta["breakdowns"]}
        breakdown = _shared.url_choice(
            state.BREAKDOWN, "Breakdown", options, next(iter(options)),
            what="a breakdown of this indicator",
        )

    rows = queries.observations((f.indicator,), level, (), f.period, breakdown, True)
    places = rows[~rows["is_comparator"]].reset_index(drop=True)
    comparators = rows[rows["is_comparator"]]
    if places.empty:
        st.info(f"No figures for {level_name(level, lower=True)} in this period.")
        return
    period = places["period"].iloc[0] if places["period"].nunique() == 1 else "several periods"

    members = queries.subicb_members()
    areas = queries.areas()
    lad_names = dict(
        zip(areas.loc[areas["area_level"] == "lad", "area_code"],
            areas.loc[areas["area_level"] == "lad", "display_name"], strict=True)
    )
    badges = maps.subicb_badges(members) if level == "subicb" else {}
    if level == "lad" and (places["status"] == "modelled").any():
        # Figures apportioned from a sub-ICB area: say on each place that it is not local.
        wide = maps.subicb_badges(members)
        modelled = places.loc[places["status"] == "modelled", "area_code"]
        badges = {c: f"{wide[c]}, modelled" for c in modelled if c in wide}

    layout = "map"
    have_geo = maps.available_levels()
    if level == "lad" and "lad_hex" in have_geo:
        layout = _shared.url_choice(
            state.LAYOUT, "Layout", {"map": "Map", "hex": "Hex map"}, "map",
            what="map or hex", widget="segmented",
            help_text="The hex map gives every local authority the same size, so small towns "
            "count as much as large rural areas.",
        )

    figs = maps.MapFigures(
        rows=places, unit=unit, decimals=decimals, polarity=polarity, title=meta["title"],
        unit_label=meta["unit_label"], badges=badges,
    )
    classes = maps.classify(places["value"].tolist(), polarity, unit, decimals)
    england = _shared.england_value(comparators)

    # The place selected: a click on the map or the table, else the URL's ``area``.
    codes = set(places["area_code"])
    area_parsed = state.resolve(
        state.AREA,
        lambda raw: state.parse_one(state.AREA, raw, sorted(codes), "", what="a place on this map"),
        lambda v: v == "" or v in codes,
        "",
    )
    selected = area_parsed.value or None
    if area_parsed.ignored:
        st.warning(area_parsed.ignored, icon=":material/link_off:")

    summary = maps.summary_sentence(figs, level, period)
    st.caption(summary, help="A one-line text summary of the map, for screen readers.")

    map_col, side_col = st.columns([3, 2], gap="medium")
    with map_col:
        deck = None
        note = ""
        try:
            deck, note = _deck(level, layout, figs, classes, members, lad_names, selected)
        except maps.GeometryUnavailable as exc:
            st.info(f"{exc} The table beside shows the same figures.")
        if deck is not None:
            event = st.pydeck_chart(
                deck, on_select="rerun", selection_mode="single-object", key="map_chart",
                height=560, alt=summary,
            )
            clicked = maps.selected_area(event)
            if clicked and clicked in codes:
                selected = clicked
            if note:
                st.caption(note)
    with side_col:
        legend_note = maps.subicb_note(members, lad_names) if level == "subicb" else ""
        unreliable = bool((places["status"] == "low_reliability").any())
        st.html(
            maps.legend_html(figs, classes, n_missing=int(places["value"].isna().sum()),
                             note=legend_note, unreliable=unreliable)
        )
        table = _table(places, unit, decimals, polarity, england, badges)
        event = _shared.table(
            table,
            hide_index=True, placeholder="—",
            key="map_table",
            on_select="rerun",
            selection_mode="single-row",
            column_config=_table_config(unit),
        )
        if "95% CI lower" not in table:
            st.caption(_shared.NO_VERDICT_NOTE)
        rows_picked = event.selection.rows if event is not None else []
        if rows_picked:
            selected = str(places.iloc[rows_picked[0]]["area_code"])
        if not comparators.empty:
            st.caption(
                "For comparison: "
                + "; ".join(
                    f"{r.area_name} {format_value(r.value, unit, decimals)}"
                    for r in comparators.itertuples(index=False)
                )
                + "."
            )

    state.commit(state.AREA, selected or "", "")
    if selected:
        _selection(places, selected, unit, decimals, polarity, england, comparators, badges)


def _deck(level, layout, figs, classes, members, lad_names, selected):
    """The pydeck map for the level and layout, and a caption about the outlines."""
    if level == "subicb":
        lads = maps.load_geometry("lad")
        lads = lads[lads["area_code"].isin(set(members["lad_code"]))]
        shapes = maps.subicb_geometry(lads, members)
        labels = maps.label_points(lads, figs.badges)
        deck = maps.choropleth(shapes, figs, classes, outlines=lads, labels=labels,
                               selected=selected)
        return deck, str(lads["geometry_note"].iloc[0] or "")
    if level == "lad":
        gdf = maps.load_geometry("lad_hex" if layout == "hex" else "lad")
        gdf = gdf[gdf["area_code"].isin(lad_names.keys())]
        unreliable = figs.rows.loc[figs.rows["status"] == "low_reliability", "area_code"].tolist()
        labels = maps.label_points(gdf, figs.badges, unreliable=unreliable)
        deck = maps.choropleth(gdf, figs, classes, labels=labels, selected=selected)
        note = str(gdf["geometry_note"].iloc[0] or "") if len(gdf) else ""
        if len(gdf) and bool(gdf["is_schematic"].iloc[0]) and layout != "hex":
            note = "Schematic shapes, not real boundaries. " + note
        return deck, note
    gdf = maps.load_geometry(level)
    gdf = gdf[gdf["lad_code"].isin(lad_names.keys())]
    lads = maps.load_geometry("lad")
    lads = lads[lads["area_code"].isin(lad_names.keys())]
    labels = maps.label_points(lads)
    deck = maps.choropleth(gdf, figs, classes, outlines=lads, labels=labels, selected=selected,
                           thin_lines=True)
    return deck, str(gdf["geometry_note"].iloc[0] or "") if len(gdf) else ""


def _table(places, unit, decimals, polarity, england, badges) -> pd.DataFrame:
    data = {
        "Place": places["area_name"],
        "Figure": places["value"].astype("float64"),
        "95% CI lower": places["ci_lower"].astype("float64"),
        "95% CI upper": places["ci_upper"].astype("float64"),
        "Period": places["period"],
        "Against England": [
            verdict(v, lo, hi, england, polarity, "England").short
            for v, lo, hi in zip(places["value"], places["ci_lower"], places["ci_upper"],
                                 strict=True)
        ],
        "Status": [status_text(s) for s in places["status"]],
    }
    if badges:
        data["Covers"] = [badges.get(c, "") for c in places["area_code"]]
    df = pd.DataFrame(data)
    if df["95% CI lower"].isna().all():
        df = df.drop(columns=["95% CI lower", "95% CI upper", "Against England"])
    if not df["Status"].astype(bool).any():
        df = df.drop(columns=["Status"])
    return df


def _table_config(unit: str) -> dict:
    fmt = "%.1f%%" if unit == "%" else "localized"
    suffix = "" if unit in ("%", "ratio", "") else f" ({unit})"
    return {
        "Place": st.column_config.TextColumn("Place", width="medium", pinned=True),
        "Figure": st.column_config.NumberColumn(f"Figure{suffix}", format=fmt, width="small"),
        "95% CI lower": st.column_config.NumberColumn("CI lower", format=fmt, width="small",
                                                      help="Lower 95% confidence limit"),
        "95% CI upper": st.column_config.NumberColumn("CI upper", format=fmt, width="small",
                                                      help="Upper 95% confidence limit"),
    }


def _selection(places, code, unit, decimals, polarity, england, comparators, badges) -> None:
    row = places[places["area_code"] == code]
    if row.empty:
        return
    r = row.iloc[0]
    with st.container(border=True, key="map_selection"):
        st.subheader(f"Selected: {r['area_name']}")
        ci = format_ci(r["ci_lower"], r["ci_upper"], unit, decimals)
        lines = [
            f"**{format_value(r['value'], unit, decimals)}** in {r['period']}"
            + (f" (95% CI {ci})" if ci else " (no confidence interval published)"),
        ]
        if badges.get(code):
            lines.append(f"This figure is {badges[code]}: it covers the whole NHS sub-ICB area.")
        if status_text(r["status"]):
            lines.append(status_text(r["status"]))
        for comp in comparators.itertuples(index=False):
            if comp.area_level in ("country", "partnership") or comp.area_code == r["region_code"]:
                lines.append(verdict(r["value"], r["ci_lower"], r["ci_upper"], comp.value,
                                     polarity, comp.area_name).text)
        st.markdown("  \n".join(lines))
        if r["area_level"] != "subicb":
            _shared.profile_link(code, r["area_name"])


render()
