"""Choropleth maps (pydeck) that read without a basemap, and the sentence that summarises one.

Decisions, applied to every map:

* Fills come from the figures' classes (:mod:`dashboard.mapclasses`), so the legend and the map
  cannot disagree.
* Places without a figure are pale grey with diagonal hatching: never a colour of the scale.
* Outlines and local-authority labels are drawn on the map itself; there are no basemap tiles.
* Figures published only for NHS sub-ICB areas are drawn on the sub-ICB area (the union of its
  places), and each place is labelled "<sub-ICB>-wide" rather than shown as if local.
"""

from __future__ import annotations

import json
import math
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
from dashboard.mapclasses import Classes, MapFigures
from dashboard.mapgeometry import geometry_caption, load_geometry, subicb_geometry

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


def feature_collection(gdf, figs: MapFigures, classes: Classes) -> dict:
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
        props["fill"].append(list(classes.colour_of(value)))
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


def label_points(gdf, badges: dict[str, str] | None = None, unreliable: Sequence[str] = ()
                 ) -> list[dict]:
    """One label per place at a point inside it (names, plus a badge line where given), with
    the place's bounds so :func:`choropleth` can fit the label to the shape as drawn."""
    out = []
    for row in gdf.itertuples(index=False):
        point = row.geometry.representative_point()
        name = getattr(row, "display_name", None) or getattr(row, "area_name", row.area_code)
        text = str(name) + (" *" if row.area_code in unreliable else "")
        badge = (badges or {}).get(row.area_code)
        if badge:
            text += f"\n({badge})"
        out.append({"text": text, "position": [point.x, point.y],
                    "bounds": [float(b) for b in row.geometry.bounds]})
    return out


LABEL_SIZE = 13
CHAR_PX = 7.0  # average width of a character at LABEL_SIZE, bold (with the label's padding)
LINE_PX = 17


def _label_px(text: str) -> tuple[float, float]:
    lines = text.split("\n")
    return max(len(line) for line in lines) * CHAR_PX + 6, len(lines) * LINE_PX + 4


def _two_lines(text: str) -> str:
    """The first line of ``text`` broken at the space that best balances its two halves."""
    first, _, rest = text.partition("\n")
    words = first.split(" ")
    if len(words) < 2:
        return text
    best = min(range(1, len(words)),
               key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))))
    broken = " ".join(words[:best]) + "\n" + " ".join(words[best:])
    return broken + ("\n" + rest if rest else "")


def fit_labels(labels: Sequence[dict], view: pdk.ViewState) -> list[dict]:
    """Labels placed so they never hide a place: centred where the name fits well inside the
    shape as drawn at ``view``'s zoom, on two lines where that makes it fit, and otherwise just
    beside the shape's east edge (a small town such as Luton stays visible under its name)."""
    scale = 512 * 2 ** float(view.zoom)

    def merc_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi) * scale

    out = []
    for label in labels:
        text, (lon, lat) = label["text"], label["position"]
        anchor, offset = "middle", [0, 0]
        bounds = label.get("bounds")
        if bounds:
            minx, miny, maxx, maxy = bounds
            shape_w = (maxx - minx) / 360 * scale
            shape_h = merc_y(maxy) - merc_y(miny)

            def fits(t: str, w: float = shape_w, h: float = shape_h) -> bool:
                tw, th = _label_px(t)
                return tw <= 0.85 * w and th <= 0.6 * h and tw * th <= 0.25 * w * h

            if not fits(text):
                wrapped = _two_lines(text)
                if wrapped != text and fits(wrapped):
                    text = wrapped
                else:
                    lon, anchor, offset = maxx, "start", [5, 0]
        out.append({"text": text, "position": [lon, lat], "anchor": anchor, "offset": offset})
    return out


def view_for(gdf, width_px: int = 720, height_px: int = 560) -> pdk.ViewState:
    """A view that fits the shapes."""
    minx, miny, maxx, maxy = gdf.total_bounds
    lon = (minx + maxx) / 2
    lat = (miny + maxy) / 2

    def merc(y: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(y) / 2))

    lon_span = max(maxx - minx, 1e-6)
    y_span = max(merc(maxy) - merc(miny), 1e-6)
    zoom_x = math.log2(width_px / 512 * 360 / lon_span)
    zoom_y = math.log2(height_px / 512 * 2 * math.pi / y_span)
    zoom = min(zoom_x, zoom_y) - 0.1
    return pdk.ViewState(longitude=lon, latitude=lat, zoom=round(zoom, 2), min_zoom=4, max_zoom=16)


def choropleth(
    gdf,
    figs: MapFigures,
    classes: Classes,
    *,
    outlines=None,
    labels: Sequence[dict] = (),
    selected: str | None = None,
    thin_lines: bool = False,
    height: int = 560,
) -> pdk.Deck:
    """The map: classed fills, hatching for no figure, outlines, labels; no basemap."""
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
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                id="place-outlines",
                data=features(outlines[["area_code", "geometry"]]),
                pickable=False,
                stroked=True,
                filled=False,
                get_line_color=list(LAD_OUTLINE),
                line_width_units="'pixels'",
                get_line_width=2,
            )
        )
    if selected is not None and (gdf["area_code"] == selected).any():
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                id="selected-place",
                data=features(gdf[gdf["area_code"] == selected][["area_code", "geometry"]]),
                pickable=False,
                stroked=True,
                filled=False,
                get_line_color=list(SELECTED_OUTLINE),
                line_width_units="'pixels'",
                get_line_width=4,
            )
        )
    view = view_for(outlines if outlines is not None and len(outlines) else gdf,
                    height_px=height)
    if labels:
        layers.append(
            pdk.Layer(
                "TextLayer",
                id="place-labels",
                data=fit_labels(labels, view),
                get_text="text",
                get_position="position",
                get_size=LABEL_SIZE,
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
        # No basemap: map_provider=None with pydeck's own map_style. (map_style=None would make
        # Streamlit fetch Carto's basemap style and tiles for its theme.)
        map_provider=None,
        tooltip=TOOLTIP,
        height=height,
    )


def level_map(
    level: str,
    figs: MapFigures,
    classes: Classes,
    *,
    members: pd.DataFrame,
    lad_codes: Collection[str],
    hex_layout: bool = False,
    selected: str | None = None,
) -> tuple[pdk.Deck, str]:
    """The map of the partnership's places (``lad_codes``) at ``level``, and a caption about the
    outlines: sub-ICB areas drawn as the union of their member places, each place outlined;
    local authorities on their boundaries or (``hex_layout``) as equal hexagons; neighbourhoods
    with their local authorities outlined. Raises GeometryUnavailable."""
    places = set(lad_codes)
    if level == "subicb":
        lads = load_geometry("lad")
        lads = lads[lads["area_code"].isin(set(members["lad_code"]))]
        shapes = subicb_geometry(lads, members)
        labels = label_points(lads, figs.badges)
        deck = choropleth(shapes, figs, classes, outlines=lads, labels=labels,
                          selected=selected)
        return deck, geometry_caption(lads["geometry_note"].iloc[0])
    if level == "lad":
        gdf = load_geometry("lad_hex" if hex_layout else "lad")
        gdf = gdf[gdf["area_code"].isin(places)]
        unreliable = figs.rows.loc[figs.rows["status"] == "low_reliability", "area_code"].tolist()
        labels = label_points(gdf, figs.badges, unreliable=unreliable)
        deck = choropleth(gdf, figs, classes, labels=labels, selected=selected)
        note = geometry_caption(gdf["geometry_note"].iloc[0]) if len(gdf) else ""
        if len(gdf) and bool(gdf["is_schematic"].iloc[0]) and not hex_layout:
            note = "Schematic shapes, not real boundaries. " + note
        return deck, note
    gdf = load_geometry(level)
    gdf = gdf[gdf["lad_code"].isin(places)]
    lads = load_geometry("lad")
    lads = lads[lads["area_code"].isin(places)]
    labels = label_points(lads)
    deck = choropleth(gdf, figs, classes, outlines=lads, labels=labels, selected=selected,
                      thin_lines=True)
    return deck, geometry_caption(gdf["geometry_note"].iloc[0]) if len(gdf) else ""


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
