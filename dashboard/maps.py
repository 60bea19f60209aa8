"""Maps (pydeck) that read without a basemap, and the sentence that summarises one.

Decisions, applied to every map:

* Fills come from the figures' classes (:mod:`dashboard.mapclasses`), so the legend and the map
  cannot disagree; counts are circles at the places, over pale shapes, never a choropleth.
* A click anywhere in a place selects it: only the places' fills are picked (their outlines are
  not: picking thousands of outline paths took the browser longer than a click lasts, so a
  click on a neighbourhood map was lost).
* The scroll wheel scrolls the page, never the map; drag, double-click, pinch and the keyboard
  move and zoom it, and the page offers a reset.
* Places without a figure are pale grey with diagonal hatching: never a colour of the scale.
* Outlines and local-authority labels are drawn on the map itself; there are no basemap tiles.
* Figures published only for NHS sub-ICB areas are drawn on the sub-ICB area (the union of its
  places), and each place is labelled "<sub-ICB>-wide" rather than shown as if local.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

import pandas as pd
import pydeck as pdk

from dashboard.formatting import (
    format_ci,
    format_number,
    format_value,
    is_missing,
    level_name,
    status_text,
)
from dashboard.mapclasses import (
    COUNT_BASE_FILL,
    NO_DATA_FILL,
    SYMBOL_FILL,
    SYMBOL_OUTLINE,
    Classes,
    MapFigures,
    Symbols,
)
from dashboard.mapgeometry import geometry_caption, load_geometry, subicb_geometry
from dashboard.maplabels import LABEL_SIZE, fit_height, fit_labels, label_points, view_for

AREAS_LAYER = "areas"
NO_DATA_HATCH = (110, 110, 110, 255)
OUTLINE = (70, 70, 70, 255)
LAD_OUTLINE = (33, 33, 33, 255)
SELECTED_OUTLINE = (230, 0, 126, 255)
LABEL_COLOUR = (17, 17, 17, 255)
LABEL_BACKGROUND = (255, 255, 255, 220)


def _tooltip_props(
    code: str, name: object, value: object, lo: object, hi: object, period: object,
    status: object, figs: MapFigures,
) -> dict[str, str]:
    badge = figs.badges.get(str(code), "")
    ci = format_ci(lo, hi, figs.unit, figs.decimals)
    return {
        "tt_name": str(name if not is_missing(name) and name else code),
        "tt_value": "No figure" if is_missing(value)
        else format_value(value, figs.unit, figs.decimals),
        "tt_ci": f"95% CI {ci}" if ci else "No confidence interval published",
        "tt_period": "" if is_missing(period) else str(period),
        # Said only when the figure is not an ordinary one (an empty line says nothing).
        "tt_status": "".join(f" · {t}" for t in (status_text(status),
                                                 f"figure is {badge}" if badge else "") if t),
    }


TOOLTIP = {
    "html": "<b>{tt_name}</b><br/>{tt_value}<br/>{tt_ci}<br/>{tt_period}<i>{tt_status}</i>",
    "style": {
        "backgroundColor": "#ffffff",
        "color": "#111111",
        "border": "1px solid #444444",
        "fontSize": "13px",
        "padding": "6px 8px",
    },
}


def fill_of(classes: Classes | Symbols, value: object) -> tuple[int, int, int, int]:
    """A place's fill: its class colour; for counts a pale fill under the circle; no-data grey."""
    if isinstance(classes, Symbols):
        return NO_DATA_FILL if is_missing(value) else COUNT_BASE_FILL
    return classes.colour_of(value)  # type: ignore[arg-type]


def feature_collection(gdf, figs: MapFigures, classes: Classes | Symbols) -> dict:
    """GeoJSON for the pickable layer: geometry plus fill colour and tooltip text."""
    merged = gdf[["area_code", "geometry"]].copy()
    vals = figs.rows.drop_duplicates("area_code").set_index("area_code")
    aligned = vals.reindex(merged["area_code"])
    shape_names = (dict(zip(gdf["area_code"], gdf["display_name"], strict=True))
                   if "display_name" in gdf else {})

    def col(name: str) -> list:
        return aligned[name].tolist() if name in aligned else [None] * len(aligned)

    props: dict[str, list] = {k: [] for k in ("fill", "no_data", "tt_name", "tt_value", "tt_ci",
                                              "tt_period", "tt_status")}
    for code, name, value, lo, hi, period, status in zip(
        merged["area_code"], col("area_name"), col("value"), col("ci_lower"), col("ci_upper"),
        col("period"), col("status"), strict=True,
    ):
        if is_missing(name) or not name:
            name = shape_names.get(code, code)
        props["fill"].append(list(fill_of(classes, value)))
        props["no_data"].append(bool(is_missing(value)))
        for key, text in _tooltip_props(code, name, value, lo, hi, period, status,
                                        figs).items():
            props[key].append(text)
    merged["area_code"] = merged["area_code"].astype(str)
    for key, values in props.items():
        merged[key] = values
    return features(merged)


def features(gdf) -> dict:
    """A GeoJSON FeatureCollection of ``gdf`` without what the map never reads: no bounding box
    per feature and no feature ids (``__geo_interface__`` adds both: 8% of an LSOA map)."""
    return {
        "type": "FeatureCollection",
        "features": list(gdf.iterfeatures(na="null", show_bbox=False, drop_id=True)),
    }


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation. pydeck indents by two spaces, which made the JSON a
    map sends to the browser 3.7 times its compact size at LSOA level (3.0 MB against 0.8 MB)."""

    def to_json(self) -> str:
        from pydeck.bindings.json_tools import default_serialize

        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def hatch_paths(gdf, no_data_codes: Sequence[str], spacing: float | None = None) -> list[dict]:
    """Diagonal hatching lines clipped to the places without a figure."""
    from shapely.geometry import LineString, MultiLineString

    sub = gdf[gdf["area_code"].isin(list(no_data_codes))]
    if sub.empty:
        return []
    minx, miny, maxx, maxy = gdf.total_bounds
    if spacing is None:
        spacing = max(maxx - minx, maxy - miny) / 90
    paths = []
    for geom in sub.geometry:
        if geom is None or geom.is_empty:
            continue
        x0, y0, x1, y1 = geom.bounds
        span = (x1 - x0) + (y1 - y0)
        n = int(span / spacing) + 2
        for i in range(n):
            start = x0 - (y1 - y0) + i * spacing
            line = LineString([(start, y0), (start + (y1 - y0), y1)])
            cut = geom.intersection(line)
            parts = cut.geoms if isinstance(cut, MultiLineString) else [cut]
            for part in parts:
                if isinstance(part, LineString) and not part.is_empty:
                    paths.append({"path": [list(c) for c in part.coords]})
    return paths


def controlled_view() -> pdk.View:
    """The map view: drag to move, double-click, pinch or keys to zoom; the wheel scrolls the
    page (a map that zooms on the wheel traps a reader scrolling past it)."""
    return pdk.View(
        type="MapView",
        controller={"scrollZoom": False, "dragRotate": False, "touchRotate": False,
                    "doubleClickZoom": True, "touchZoom": True, "keyboard": True,
                    "dragPan": True, "inertia": False},
    )


def symbol_points(gdf, figs: MapFigures, symbols: Symbols) -> list[dict]:
    """One circle per place with a figure, at a point inside the place, largest drawn first so
    small circles stay on top."""
    vals = figs.rows.drop_duplicates("area_code").set_index("area_code")["value"]
    out = []
    for row in gdf.itertuples(index=False):
        radius = symbols.radius(vals.get(row.area_code))
        if radius > 0:
            point = row.geometry.representative_point()
            out.append({"position": [round(point.x, 5), round(point.y, 5)],
                        "radius": round(max(radius, 1.5), 1)})
    return sorted(out, key=lambda d: -d["radius"])


def _outline_layer(layer_id: str, gdf, colour: Sequence[int], width: float) -> pdk.Layer:
    return pdk.Layer(
        "GeoJsonLayer",
        id=layer_id,
        data=features(gdf[["area_code", "geometry"]]),
        pickable=False,
        stroked=True,
        filled=False,
        get_line_color=list(colour),
        line_width_units="'pixels'",
        get_line_width=width,
    )


def choropleth(
    gdf,
    figs: MapFigures,
    classes: Classes | Symbols,
    *,
    outlines=None,
    labels: Sequence[dict] = (),
    selected: str | None = None,
    thin_lines: bool = False,
    height: int = 560,
    labels_inside: bool = False,
) -> pdk.Deck:
    """The map: classed fills (or, for counts, circles), hatching for no figure, outlines,
    labels; no basemap. ``labels_inside`` keeps each label in its own shape (hex maps)."""
    fc = feature_collection(gdf, figs, classes)
    no_data = [f["properties"]["area_code"] for f in fc["features"]
               if f["properties"]["no_data"]]
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            id=AREAS_LAYER,
            data=fc,
            pickable=True,
            stroked=True,
            filled=True,
            get_fill_color="properties.fill",
            get_line_color=[*OUTLINE[:3], 150 if thin_lines else 255],
            line_width_units="'pixels'",
            get_line_width=0.5 if thin_lines else 1.2,
            auto_highlight=True,
            highlight_color=[255, 255, 255, 90],
            # Picked by its fill alone: picking every outline path made a click on a map of
            # a thousand neighbourhoods outlast the browser's click, and the click was lost.
            _sub_layer_props={"polygons-stroke": {"pickable": False}},
        )
    ]
    hatch = hatch_paths(gdf, no_data)
    if hatch:
        layers.append(
            pdk.Layer(
                "PathLayer",
                id="no-figure-hatching",
                data=hatch,
                get_path="path",
                get_color=list(NO_DATA_HATCH),
                width_units="'pixels'",
                get_width=1,
                pickable=False,
            )
        )
    if outlines is not None and len(outlines):
        layers.append(_outline_layer("place-outlines", outlines, LAD_OUTLINE, 2))
    if isinstance(classes, Symbols):
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                id="count-circles",
                data=symbol_points(gdf, figs, classes),
                get_position="position",
                get_radius="radius",
                radius_units="'pixels'",
                get_fill_color=list(SYMBOL_FILL),
                get_line_color=list(SYMBOL_OUTLINE),
                stroked=True,
                line_width_units="'pixels'",
                get_line_width=1,
                pickable=False,
            )
        )
    if selected is not None and (gdf["area_code"] == selected).any():
        layers.append(_outline_layer("selected-place", gdf[gdf["area_code"] == selected],
                                     SELECTED_OUTLINE, 4))
    view = view_for(outlines if outlines is not None and len(outlines) else gdf,
                    height_px=height)
    if labels:
        layers.append(
            pdk.Layer(
                "TextLayer",
                id="place-labels",
                data=fit_labels(labels, view, inside=labels_inside),
                get_text="text",
                get_position="position",
                get_size="size" if labels_inside else LABEL_SIZE,
                get_color=list(LABEL_COLOUR),
                get_text_anchor="anchor",
                get_pixel_offset="offset",
                get_alignment_baseline="'center'",
                background=True,
                get_background_color=list(LABEL_BACKGROUND),
                background_padding=[3, 2, 3, 2],
                font_family="'Source Sans Pro, Helvetica Neue, Arial, sans-serif'",
                font_weight=600,
                character_set="'auto'",
                pickable=False,
            )
        )
    return CompactDeck(
        layers=layers,
        initial_view_state=view,
        views=[controlled_view()],
        # No basemap: map_provider=None with pydeck's own map_style. (map_style=None would make
        # Streamlit fetch Carto's basemap style and tiles for its theme.)
        map_provider=None,
        tooltip=TOOLTIP,
        height=height,
    )


def level_shapes(
    level: str, *, members: pd.DataFrame, lad_codes: Collection[str], hex_layout: bool = False,
):  # -> tuple[GeoDataFrame, GeoDataFrame | None, GeoDataFrame, str]
    """The shapes of a level's map: (places drawn, outlines drawn over them or None, the shapes
    labelled, the geometry caption). Sub-ICB areas are the union of their member places, each
    place outlined; local authorities on their boundaries or (``hex_layout``) as equal hexagons;
    neighbourhoods with their local authorities outlined. Raises GeometryUnavailable."""
    places = set(lad_codes)
    if level == "subicb":
        lads = load_geometry("lad")
        lads = lads[lads["area_code"].isin(set(members["lad_code"]))]
        return (subicb_geometry(lads, members), lads, lads,
                geometry_caption(lads["geometry_note"].iloc[0]))
    if level == "lad":
        gdf = load_geometry("lad_hex" if hex_layout else "lad")
        gdf = gdf[gdf["area_code"].isin(places)]
        note = geometry_caption(gdf["geometry_note"].iloc[0]) if len(gdf) else ""
        if len(gdf) and bool(gdf["is_schematic"].iloc[0]) and not hex_layout:
            note = "Schematic shapes, not real boundaries. " + note
        return gdf, None, gdf, note
    gdf = load_geometry(level)
    gdf = gdf[gdf["lad_code"].isin(places)]
    lads = load_geometry("lad")
    lads = lads[lads["area_code"].isin(places)]
    return gdf, lads, lads, geometry_caption(gdf["geometry_note"].iloc[0]) if len(gdf) else ""


def level_map(
    level: str,
    figs: MapFigures,
    classes: Classes | Symbols,
    *,
    members: pd.DataFrame,
    lad_codes: Collection[str],
    hex_layout: bool = False,
    selected: str | None = None,
    height: int | None = None,
) -> tuple[pdk.Deck, str]:
    """The map of the partnership's places (``lad_codes``) at ``level`` (see
    :func:`level_shapes`), and a caption about the shapes. Raises GeometryUnavailable.
    ``height``: the map's height in pixels; by default just enough for the places (the Deck's
    ``height``)."""
    gdf, outlines, named, note = level_shapes(level, members=members, lad_codes=lad_codes,
                                              hex_layout=hex_layout)
    if height is None:
        height = fit_height(outlines if outlines is not None and len(outlines) else gdf)
    unreliable = ()
    if level == "lad":
        unreliable = figs.rows.loc[figs.rows["status"] == "low_reliability", "area_code"].tolist()
    labels = label_points(named, figs.badges if level in ("lad", "subicb") else None,
                          unreliable=unreliable)
    deck = choropleth(gdf, figs, classes, outlines=outlines, labels=labels, selected=selected,
                      thin_lines=level in ("msoa", "lsoa"), height=height,
                      labels_inside=level == "lad" and hex_layout)
    return deck, note


def level_height(level: str, *, members: pd.DataFrame, lad_codes: Collection[str],
                 hex_layout: bool = False) -> int:
    """The height in pixels of the map :func:`level_map` draws by default: just enough for the
    places fitted to a phone-wide map. Raises GeometryUnavailable."""
    gdf, outlines, _, _ = level_shapes(level, members=members, lad_codes=lad_codes,
                                       hex_layout=hex_layout)
    return fit_height(outlines if outlines is not None and len(outlines) else gdf)


def place_names(rows: pd.DataFrame, level: str, lad_names: dict[str, str]) -> list[str]:
    """The names a reader sees for places at ``level``: a neighbourhood (MSOA) as
    "<neighbourhood name>, <local authority>" (many councils have a "Town Centre"); other
    levels as they are."""
    names = rows["area_name"].tolist()
    if level != "msoa" or "lad_code" not in rows:
        return names
    return [f"{n}, {lad_names[lad]}" if lad_names.get(lad) and not str(n).endswith(
        lad_names[lad]) else n for n, lad in zip(names, rows["lad_code"], strict=True)]


def selected_area(event: object) -> str | None:
    """The area code a map click selected (None when nothing is selected): from the event
    ``st.pydeck_chart`` returns, or from the chart's value in ``st.session_state`` (read before
    the map is built, so the click is outlined in the same run)."""
    try:
        selection = (event.get("selection") if isinstance(event, dict)
                     else event.selection)  # type: ignore[attr-defined]
        objects = selection.get("objects", {}) if isinstance(selection, dict) else getattr(
            selection, "objects", {}
        )
        picked = (objects or {}).get(AREAS_LAYER) or []
    except (AttributeError, TypeError):
        return None
    for obj in picked:
        props = obj.get("properties", obj) if isinstance(obj, dict) else {}
        code = props.get("area_code")
        if code:
            return str(code)
    return None



def summary_sentence(figs: MapFigures, level: str, period: str) -> str:
    """One line for screen readers: highest and lowest place, period, how many have no figure."""
    rows = figs.rows
    valued = rows[rows["value"].notna()]
    n = len(rows)
    kind = level_name(level, lower=True)
    if valued.empty:
        return f"No {kind} has a figure for {figs.title.lower()} in {period}."
    top = valued.sort_values("value").iloc[-1]
    low = valued.sort_values("value").iloc[0]
    missing = n - len(valued)
    tail = f"; {missing} without a figure" if missing else ""
    return (
        f"{figs.title}, {period}: highest {format_value(top['value'], figs.unit, figs.decimals)} "
        f"in {top['area_name']}, lowest {format_value(low['value'], figs.unit, figs.decimals)} "
        f"in {low['area_name']}, across {format_number(n)} {kind}{tail}."
    )
