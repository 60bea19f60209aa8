"""Map: one indicator across the places, and the same figures in a table beside it."""

from __future__ import annotations

import streamlit as st

from dashboard import filters as flt
from dashboard import mapgeometry, mapimage, maps, mapview, queries, state
from dashboard.compare import verdict
from dashboard.filterbar import url_choice
from dashboard.formatting import format_ci, format_value, level_name, md, status_text
from dashboard.tables import figure_columns, table
from dashboard.views import current_filters, page_path, profile_link

f = current_filters("map")

# A click on the map or a row picked in the table selects a place once: the pick is read from
# the widgets' state before the map is built (so the place is outlined in the same run), kept
# in the URL's ``area``, and the widgets start afresh under new keys. A selection left standing
# in the chart would make Streamlit fade every other place, and the map would no longer match
# its legend.
PICKS = "_map_picks"
CSS = """<style>
/* The map's toolbar (reset, download) wraps under the map on a narrow screen. */
.st-key-map_tools [data-testid='stHorizontalBlock']{flex-wrap:wrap;gap:0.5rem;}
/* A table wider than a phone scrolls inside its own box, never the page. */
.st-key-map_table_box{max-width:100%;overflow-x:auto;}
/* The selected place's panel: the pink of its outline on the map. */
.st-key-map_selection{border-left:4px solid rgb(230,0,126) !important;}
</style>"""


def _reset_view() -> None:
    """Start the map afresh (new widget keys): its first view, no selection left standing."""
    st.session_state[PICKS] = st.session_state.get(PICKS, 0) + 1


def _widget_keys() -> tuple[str, str]:
    n = st.session_state.get(PICKS, 0)
    return f"map_chart_{n}", f"map_table_{n}"


def _picked(codes: list[str]) -> str | None:
    """The place just clicked on the map or picked in the table, if any (then the widgets get
    new keys)."""
    chart_key, table_key = _widget_keys()
    picked = maps.selected_area(st.session_state.get(chart_key))
    if picked not in codes:
        picked = None
        table_state = st.session_state.get(table_key)
        try:
            rows = table_state["selection"]["rows"] if table_state is not None else []
        except (KeyError, TypeError):
            rows = []
        if rows and 0 <= rows[0] < len(codes):
            picked = codes[rows[0]]
    if picked:
        st.session_state[PICKS] = st.session_state.get(PICKS, 0) + 1
    return picked


def render() -> None:
    if f.indicator is None:
        st.info("No indicator with figures for places is loaded yet. Choose another challenge.")
        return
    meta = flt.indicator_meta(f.indicator)
    unit, decimals, polarity = meta["unit"], int(meta["decimals"]), meta["polarity"]
    level = f.level
    st.markdown(f"**{md(meta['title'])}**: {md(meta['description'], 600)}")

    breakdown = "total"
    if "total" not in meta["breakdowns"]:
        options = {b: b for b in meta["breakdowns"]}
        breakdown = url_choice(
            state.BREAKDOWN, "Breakdown", options, next(iter(options)),
            what="a breakdown of this indicator",
        )

    v = mapview.view(f.indicator, level, f.period, breakdown)
    if v is None:
        st.info(f"No figures for {level_name(level, lower=True)} in this period.")
        return
    places, comparators, period = v.places, v.comparators, v.period
    st.html(CSS)

    layout = "map"
    have_geo = mapgeometry.available_levels()
    if level == "lad" and "lad_hex" in have_geo:
        layout = url_choice(
            state.LAYOUT, "Layout", {"map": "Map", "hex": "Hex map"}, "map",
            what="map or hex", widget="segmented",
            help_text="The hex map gives every local authority the same size, so small towns "
            "count as much as large rural areas.",
        )

    # The place selected: just clicked on the map or in the table, else the URL's ``area``.
    codes = list(places["area_code"])
    area_parsed = state.resolve(
        state.AREA,
        lambda raw: state.parse_one(state.AREA, raw, sorted(codes), "",
                                    what="a place on this map"),
        lambda v: v == "" or v in codes,
        "",
    )
    selected = _picked(codes) or area_parsed.value or None
    st.session_state[state.AREA] = selected or ""
    state.commit(state.AREA, selected or "", "")
    if area_parsed.ignored:
        st.warning(area_parsed.ignored, icon=":material/link_off:")
    chart_key, table_key = _widget_keys()

    map_col, side_col = st.columns([5, 4], gap="medium")
    with map_col:
        note = ""
        try:
            deck, note, height = mapview.deck(mapgeometry.geometry_stamp(), f.indicator, level,
                                              f.period, breakdown, layout == "hex", selected)
        except mapgeometry.GeometryUnavailable as exc:
            deck = None
            st.info(f"{exc} The table beside shows the same figures.")
        if deck is not None:
            st.pydeck_chart(
                deck, on_select="rerun", selection_mode="single-object", key=chart_key,
                height=height, alt=v.summary,
            )
        st.caption(md(v.summary, 600) + (" " + md(note, 300) if note else ""),
                   help="A one-line text summary of the map, for screen readers.")
        if deck is not None:
            _map_tools(level, layout == "hex", v.figs, v.classes, selected, v.members,
                       v.lad_names, period, meta, places)
    with side_col:
        if selected:
            _selection(places, selected, unit, decimals, polarity, comparators, v.badges)
        st.html(v.legend)
        shown = v.table
        when = f", {md(period)}" if period != "several periods" else ""
        st.markdown(f"**The same figures{when}**  \nPick a row to select the place.")
        table(
            shown,
            hide_index=True, placeholder="—",
            key=table_key, box="map_table",
            on_select="rerun",
            selection_mode="single-row",
            column_config=_narrow_place_column(figure_columns(shown, unit, decimals)),
        )
        st.caption(v.foot)
        st.page_link(
            page_path("data"), label="Download these figures (CSV or XLSX)",
            icon=":material/download:",
            query_params={state.CHALLENGE: f.challenge, state.INDICATORS: f.indicator,
                          state.LEVEL: level, state.PERIOD: f.period},
        )


def _narrow_place_column(config: dict) -> dict:
    """A wide place column (a table of names and one figure) is not pinned: on a phone a pinned
    column that wide would leave the figure no room to scroll into view."""
    place = config.get("Place")
    if place is not None and isinstance(place.get("width"), int) and place["width"] > 190:
        config["Place"] = {**place, "pinned": False}
    return config


def _map_tools(level, hex_layout, figs, classes, selected, members, lad_names, period, meta,
               places) -> None:
    """Under the map: how to move it, a reset, and the map as a PNG for board papers (drawn,
    and its shapes gathered, only when the download is clicked)."""

    def png() -> bytes:
        gdf, outlines, named, note = maps.level_shapes(level, members=members,
                                                       lad_codes=lad_names.keys(),
                                                       hex_layout=hex_layout)
        areas = queries.areas()
        partnership = areas.loc[areas["area_level"] == "partnership", "display_name"]
        where = f" in {partnership.iloc[0]}" if len(partnership) else ""
        text = mapimage.MapText(
            title=str(meta["title"]), period=str(period),
            subtitle=f"{meta['unit_label']} · {level_name(level)}{where}",
            source=mapimage.plain_source(places), note=note,
        )
        return mapimage.render_png(gdf, figs, classes, text, outlines=outlines, labels=named,
                                   selected=selected)

    with st.container(key="map_tools"):
        st.caption("Drag to move the map; double-click, pinch or press + and − to zoom.")
        reset, download = st.columns(2)
        reset.button("Reset map view", icon=":material/center_focus_strong:",
                     on_click=_reset_view, key="map_reset", width="stretch")
        slug = "".join(c if c.isalnum() else "-" for c in str(period).lower()).strip("-")
        download.download_button(
            "Download map (PNG)", data=png, file_name=f"map_{f.indicator}_{level}_{slug}.png",
            mime="image/png", icon=":material/image:", on_click="ignore", key="map_png",
            width="stretch",
            help="The map with its legend, title, period and sources, for a board paper.",
        )


def _selection(places, code, unit, decimals, polarity, comparators, badges) -> None:
    row = places[places["area_code"] == code]
    if row.empty:
        return
    r = row.iloc[0]
    with st.container(border=True, key="map_selection"):
        st.subheader(f"Selected: {md(r['area_name'])}")
        ci = format_ci(r["ci_lower"], r["ci_upper"], unit, decimals)
        lines = [
            f"**{format_value(r['value'], unit, decimals)}** in {md(r['period'])}"
            + (f", 95% CI {ci}" if ci else ", no confidence interval published"),
        ]
        if badges.get(code):
            lines.append(f"This figure is {md(badges[code])}: it covers the whole NHS sub-ICB "
                         "area.")
        if status_text(r["status"]):
            lines.append(md(status_text(r["status"])))
        for comp in comparators.itertuples(index=False):
            if comp.area_level in ("country", "partnership") or comp.area_code == r["region_code"]:
                lines.append(md(verdict(r["value"], r["ci_lower"], r["ci_upper"], comp.value,
                                        polarity, comp.area_name).text, 400))
        st.markdown("  \n".join(lines))
        if r["area_level"] != "subicb":
            profile_link(code, r["area_name"])


render()
