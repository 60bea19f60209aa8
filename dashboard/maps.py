"""Choropleth maps (pydeck) that read without a basemap, and the legend and summary beside them.

Decisions, applied to every map:

* Colours come from viridis (colour-blind safe, readable in greyscale), computed here in Python
  from class breaks so the legend and the map cannot disagree.
* Darker always means worse where the indicator has a polarity (lower employment, higher
  inactivity); where it has none, darker means higher. The legend says which.
* Places without a figure are pale grey with diagonal hatching: never a colour of the scale.
* Outlines and local-authority labels are drawn on the map itself; there are no basemap tiles.
* Figures published only for NHS sub-ICB areas are drawn on the sub-ICB area (the union of its
  places), and each place is labelled "<sub-ICB>-wide" rather than shown as if local.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from core import settings
from dashboard.formatting import (
    format_ci,
    format_number,
    format_value,
    is_missing,
    level_name,
    status_text,
)

AREAS_LAYER = "areas"
MAX_CLASSES = 5

# Viridis sampled at nine points, darkest first.
VIRIDIS = (
    "#440154",
    "#472D7B",
    "#3B528B",
    "#2C728E",
    "#21918C",
    "#28AE80",
    "#5EC962",
    "#ADDC30",
    "#FDE725",
)
NO_DATA_FILL = (224, 224, 224, 255)
NO_DATA_HATCH = (110, 110, 110, 255)
OUTLINE = (70, 70, 70, 255)
LAD_OUTLINE = (33, 33, 33, 255)
SELECTED_OUTLINE = (230, 0, 126, 255)
LABEL_COLOUR = (17, 17, 17, 255)
LABEL_BACKGROUND = (255, 255, 255, 220)


class GeometryUnavailable(RuntimeError):
    """Map geometry for a level has not been built; the message says how to build it."""


GEO_HINT = "Build the map geometry with `python -m geo build` (or `make run`)."


# ---------------------------------------------------------------------------------------------
# Geometry (behind geo.load_level)
# ---------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=8)
def _load(level: str, geo_dir: str | None, stamp: float) -> object:
    import geo

    return geo.load_level(level, geo_dir)


def _geo_stamp(geo_dir: str | None) -> float:
    from pathlib import Path

    root = Path(geo_dir) if geo_dir else settings.geo_dir()
    try:
        return max((p.stat().st_mtime for p in root.glob("*")), default=0.0)
    except OSError:
        return 0.0


def geo_dir() -> str | None:
    """The geometry folder the geo package uses (None when geo is not installed)."""
    try:
        import geo

        return str(geo.geo_dir())
    except (ImportError, AttributeError):
        return None


def available_levels() -> tuple[str, ...]:
    """Geometry levels that have been built (``lad``, ``msoa``, ``lsoa``, ``lad_hex``...)."""
    try:
        import geo

        return tuple(geo.available_levels(geo.geo_dir()))
    except (ImportError, AttributeError, OSError, ValueError):
        return ()


def load_geometry(level: str):  # -> geopandas.GeoDataFrame
    """The built geometry for ``level`` (EPSG:4326), or GeometryUnavailable saying what to run."""
    folder = geo_dir()
    if folder is None:
        raise GeometryUnavailable("Map geometry is not available yet. " + GEO_HINT)
    try:
        gdf = _load(level, folder, _geo_stamp(folder))
    except (FileNotFoundError, OSError, KeyError, ValueError, ImportError, AttributeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GeometryUnavailable(
            f"No map geometry for {level_name(level, lower=True)} ({first}). " + GEO_HINT
        ) from None
    return gdf


def subicb_geometry(lads, members: pd.DataFrame):  # -> geopandas.GeoDataFrame
    """Sub-ICB areas as the union of their member places' shapes."""
    joined = lads.merge(members[["lad_code", "subicb_code"]], left_on="area_code",
                        right_on="lad_code", how="inner", suffixes=("", "_m"))
    if joined.empty:
        return joined
    dissolved = joined.dissolve(by="subicb_code", as_index=False)
    dissolved["area_code"] = dissolved["subicb_code"]
    return dissolved[["area_code", "geometry"]]


# ---------------------------------------------------------------------------------------------
# Classes and colours
# ---------------------------------------------------------------------------------------------


def hex_to_rgba(colour: str, alpha: int = 255) -> tuple[int, int, int, int]:
    """``#21918C`` -> ``(33, 145, 140, 255)``."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha


EQUAL_STEPS_UP_TO = 10  # places; more than this and classes are quantiles


def class_method(n_values: int) -> str:
    """``equal`` steps for a handful of places (quantiles of six values mostly show noise),
    ``quantile`` for many."""
    return "equal" if n_values <= EQUAL_STEPS_UP_TO else "quantile"


def class_breaks(values: Sequence[float], k: int = MAX_CLASSES, decimals: int = 1) -> list[float]:
    """Class edges (k+1 numbers, lowest to highest, strictly increasing).

    Equal steps across the range for up to ten places, quantiles beyond. Fewer classes when
    there are fewer distinct values; edges are rounded to the indicator's decimals so the legend
    shows exactly the numbers used.
    """
    vals = np.array([float(v) for v in values if not is_missing(v)], dtype=float)
    if vals.size == 0:
        return []
    distinct = np.unique(np.round(vals, decimals))
    k = max(1, min(k, distinct.size))
    if k == 1:
        return [float(distinct[0]), float(distinct[-1])]
    if class_method(vals.size) == "equal":
        edges = np.linspace(vals.min(), vals.max(), k + 1)
    else:
        edges = np.quantile(vals, np.linspace(0, 1, k + 1))
    step = 10.0 ** (-decimals)
    lo = math.floor(vals.min() / step) * step
    hi = math.ceil(vals.max() / step) * step
    inner = [round(float(e), decimals) for e in edges[1:-1]]
    out = [round(lo, decimals)]
    for e in inner:
        if lo < e < hi and e > out[-1]:
            out.append(e)
    out.append(round(hi, decimals))
    return out


def palette(n_classes: int, polarity: str) -> list[str]:
    """Colours for classes lowest to highest; darker = worse (or higher when no polarity).

    The palest viridis yellow is left out so every class stands apart from the white page.
    """
    if n_classes <= 0:
        return []
    if n_classes == 1:
        picks = [VIRIDIS[4]]
    else:
        picks = [VIRIDIS[round(i)] for i in np.linspace(0, 7, n_classes)]  # dark -> light
    return picks if polarity == "high_is_good" else list(reversed(picks))


def darker_means(polarity: str, title: str = "") -> str:
    """The legend's sentence on colour direction."""
    if polarity == "high_is_good":
        return "Darker = worse (lower values)."
    if polarity == "low_is_good":
        return "Darker = worse (higher values)."
    return "Darker = higher values (no better or worse judgement)."


def class_of(value: float | None, edges: Sequence[float]) -> int | None:
    """Index of the class a value falls in (None for a missing value)."""
    if is_missing(value) or len(edges) < 2:
        return None
    v = float(value)
    for i in range(1, len(edges) - 1):
        if v < edges[i]:
            return i - 1
    return len(edges) - 2


@dataclass
class Classes:
    """Edges, colours and the words for the legend."""

    edges: list[float]
    colours: list[str]
    polarity: str
    unit: str
    decimals: int
    method: str = "quantile"

    def colour_of(self, value: float | None) -> tuple[int, int, int, int]:
        idx = class_of(value, self.edges)
        if idx is None:
            return NO_DATA_FILL
        return hex_to_rgba(self.colours[idx], 235)

    def labels(self) -> list[str]:
        out = []
        for i in range(len(self.edges) - 1):
            lo = format_number(self.edges[i], self.decimals)
            hi = format_value(self.edges[i + 1], self.unit, self.decimals)
            out.append(f"{lo} to {hi}" if lo != format_number(self.edges[i + 1], self.decimals)
                       else hi)
        return out


def classify(values: Sequence[float], polarity: str, unit: str, decimals: int) -> Classes:
    """Class breaks and colours for the values on a map."""
    edges = class_breaks(values, MAX_CLASSES, decimals)
    n = max(len(edges) - 1, 0)
    n_values = sum(1 for v in values if not is_missing(v))
    return Classes(edges, palette(n, polarity), polarity, unit, decimals,
                   class_method(n_values))


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------


@dataclass
class MapFigures:
    """The figures drawn: one row per place (area_code, value, CI, period, status, badge)."""

    rows: pd.DataFrame
    unit: str
    decimals: int
    polarity: str
    title: str
    unit_label: str
    badges: dict[str, str] = field(default_factory=dict)  # area_code -> "BLMK-wide"


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


# ---------------------------------------------------------------------------------------------
# Legend and text summary
# ---------------------------------------------------------------------------------------------


def legend_html(figs: MapFigures, classes: Classes, *, n_missing: int, note: str = "",
                unreliable: bool = False) -> str:
    """The legend as HTML: class swatches with ranges and units, no-figure swatch, direction."""
    esc = html.escape
    rows = []
    for colour, label in zip(classes.colours, classes.labels(), strict=True):
        rows.append(
            f'<div class="gsmw-legend-row"><span class="gsmw-swatch" '
            f'style="background:{colour}"></span><span>{esc(label)}</span></div>'
        )
    rows_html = "".join(reversed(rows))  # highest values at the top
    method = ("Classes are equal steps across the range of the places shown."
              if classes.method == "equal"
              else "Classes split the places shown into groups of similar size.")
    nodata = (
        '<div class="gsmw-legend-row"><span class="gsmw-swatch gsmw-nodata"></span>'
        f"<span>No figure{esc(f' ({n_missing})' if n_missing else '')}</span></div>"
    )
    extra = ""
    if unreliable:
        extra += "<div>* unreliable estimate (small sample)</div>"
    if note:
        extra += f"<div>{esc(note)}</div>"
    return (
        "<style>.gsmw-legend{font-size:0.9rem;line-height:1.35;color:#111;}"
        ".gsmw-legend-row{display:flex;align-items:center;gap:0.5rem;margin:2px 0;}"
        ".gsmw-swatch{display:inline-block;width:1.6rem;height:1rem;border:1px solid #555;"
        "flex:none;}"
        ".gsmw-nodata{background:repeating-linear-gradient(45deg,#e0e0e0 0,#e0e0e0 3px,"
        "#6e6e6e 3px,#6e6e6e 4px);}"
        ".gsmw-legend-note{color:#333;margin-top:0.4rem;font-size:0.85rem;}</style>"
        f'<div class="gsmw-legend" role="group" aria-label="Map legend">'
        f"<div><b>{esc(figs.title)}</b></div>"
        f"<div>{esc(figs.unit_label)}</div>"
        f"{rows_html}{nodata}"
        f'<div class="gsmw-legend-note">{esc(darker_means(classes.polarity))} '
        f"{esc(method)}{extra}</div></div>"
    )


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


_PATH_NOTE = re.compile(r"\s*\([^()]*(?:/|\\|\bfiles? under\b)[^()]*\)")


def geometry_caption(note: object) -> str:
    """The geometry's note as a reader sees it: where the shapes come from, without the build
    machine's folders (``ONS LSOA boundaries (6 files under /srv/...)`` loses the brackets)."""
    text = "" if is_missing(note) else _PATH_NOTE.sub("", str(note)).strip()
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."

