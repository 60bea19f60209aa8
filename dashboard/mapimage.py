"""The map as a PNG for board papers, drawn on the server with geopandas and matplotlib (no
browser, so no WebGL is needed).

The image is the map on screen: the same places, fills (from the same
:class:`~dashboard.mapclasses.Classes`) or circles (:class:`~dashboard.mapclasses.Symbols`),
hatching for no figure, outlines, place names and selected place, in the same Web Mercator
projection; with the title, period, legend, source line and the Ordnance Survey attribution
that any use of the boundaries needs. At least 1600 pixels wide.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg  # drawn without pyplot or a display
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, PathPatch, Rectangle
from matplotlib.path import Path

from dashboard.formatting import format_value, is_missing
from dashboard.mapclasses import (
    NO_DATA_FILL,
    SYMBOL_FILL,
    Classes,
    MapFigures,
    Symbols,
    darker_means,
)
from dashboard.maps import LAD_OUTLINE, NO_DATA_HATCH, OUTLINE, SELECTED_OUTLINE, fill_of

WIDTH_IN, HEIGHT_IN, DPI = 16.0, 10.0, 110  # 1760 x 1100 pixels
MERCATOR = "EPSG:3857"
OS_ATTRIBUTION = "Contains OS data © Crown copyright and database right."
CIRCLE_SCALE = 1.6  # screen pixels -> points on the printed map


@dataclass(frozen=True)
class MapText:
    """The words around the map."""

    title: str
    period: str
    subtitle: str  # what is mapped: unit and places ("% of residents aged 16 to 64 · ...")
    source: str  # "Source: Office for National Statistics, ..."
    note: str = ""  # the geometry caption, a sub-ICB note


def plain_source(rows: pd.DataFrame) -> str:
    """``Source: <publisher>, <title>; ...`` for the rows drawn (plain text)."""
    pairs = list(dict.fromkeys(
        (p, t) for p, t in zip(rows.get("publisher", []), rows.get("source_title", []),
                               strict=True)
        if isinstance(p, str) and isinstance(t, str)
    ))
    return ("Source: " + "; ".join(f"{p}, {t}" for p, t in pairs) + ".") if pairs else ""


def _rgba(colour: Sequence[int]) -> tuple[float, ...]:
    return tuple(c / 255 for c in colour)


def _path(geom) -> Path | None:
    """A shapely (Multi)Polygon as one matplotlib path (holes included)."""
    if geom is None or geom.is_empty:
        return None
    polys = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    parts = []
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            coords = list(ring.coords)
            codes = [Path.MOVETO] + [Path.LINETO] * (len(coords) - 2) + [Path.CLOSEPOLY]
            parts.append(Path(coords, codes))
    return Path.make_compound_path(*parts) if parts else None


def _draw(ax, gdf, *, face, edge, width: float, hatch: str | None = None, zorder: int = 1) -> None:
    patches, faces = [], []
    for geom, fc in zip(gdf.geometry, face if isinstance(face, list) else [face] * len(gdf),
                        strict=True):
        path = _path(geom)
        if path is not None:
            patches.append(PathPatch(path))
            faces.append(fc)
    if patches:
        ax.add_collection(PatchCollection(patches, facecolors=faces, edgecolors=[edge],
                                          linewidths=width, hatch=hatch, zorder=zorder))


def _legend(ax, figs: MapFigures, classes: Classes | Symbols, n_missing: int, text: MapText
            ) -> None:
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.text(0, 0.98, textwrap.fill(figs.unit_label, 40), fontsize=12, va="top", weight="bold")
    y = 0.86
    if isinstance(classes, Symbols):
        for value in classes.key_values():
            r = classes.radius(value) * CIRCLE_SCALE / 72 * DPI  # pixels in the image
            rx = r / (ax.bbox.width or 1)
            ry = r / (ax.bbox.height or 1)
            ax.add_patch(Circle((0.08, y - ry), radius=rx, transform=ax.transAxes,
                                facecolor=_rgba(SYMBOL_FILL), edgecolor="white", linewidth=1))
            ax.text(0.2, y - ry, format_value(value, classes.unit, 0), fontsize=12, va="center")
            y -= 2 * ry + 0.04
        how = ("Counts: each circle's area is proportional to the place's figure, scaled to the "
               f"largest figure of {classes.span or 'the places shown'}.")
    else:
        rows = list(zip(classes.colours, classes.labels(), strict=True))
        for colour, label in reversed(rows):  # highest values at the top
            ax.add_patch(Rectangle((0, y - 0.035), 0.12, 0.045, facecolor=colour,
                                   edgecolor="#555555", linewidth=0.8))
            ax.text(0.16, y - 0.012, label, fontsize=12, va="center")
            y -= 0.062
        how = f"{darker_means(classes.polarity)} {classes.method_text()}"
    ax.add_patch(Rectangle((0, y - 0.035), 0.12, 0.045, facecolor=_rgba(NO_DATA_FILL),
                           edgecolor=_rgba(NO_DATA_HATCH), hatch="///", linewidth=0.8))
    ax.text(0.16, y - 0.012, "No figure" + (f" ({n_missing})" if n_missing else ""),
            fontsize=12, va="center")
    y -= 0.09
    notes = [how] + ([text.note] if text.note else [])
    ax.text(0, y, "\n\n".join(textwrap.fill(n, 44) for n in notes), fontsize=10.5, va="top",
            color="#333333")


def render_png(
    gdf,
    figs: MapFigures,
    classes: Classes | Symbols,
    text: MapText,
    *,
    outlines=None,
    labels=None,
    selected: str | None = None,
) -> bytes:
    """The map as PNG bytes (see the module docstring). ``gdf``: the places drawn (EPSG:4326);
    ``outlines``: shapes outlined over them; ``labels``: shapes whose names are printed."""
    places = gdf.to_crs(MERCATOR)
    values = figs.rows.drop_duplicates("area_code").set_index("area_code")["value"]
    vals = [values.get(c) for c in places["area_code"]]
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.1, 0.64, 0.76))
    ax.set_axis_off()
    ax.set_aspect("equal")
    thin = len(places) > 60
    missing = [is_missing(v) for v in vals]
    faces = [_rgba(fill_of(classes, v)) for v in vals]
    _draw(ax, places, face=faces, edge=_rgba((*OUTLINE[:3], 150 if thin else 255)),
          width=0.25 if thin else 0.9)
    if any(missing):
        _draw(ax, places[missing], face=_rgba(NO_DATA_FILL), edge=_rgba(NO_DATA_HATCH),
              width=0, hatch="////", zorder=2)
        _draw(ax, places[missing], face="none", edge=_rgba(OUTLINE), width=0.25 if thin else 0.9,
              zorder=2)
    if outlines is not None and len(outlines):
        _draw(ax, outlines.to_crs(MERCATOR), face="none", edge=_rgba(LAD_OUTLINE), width=1.6,
              zorder=3)
    if isinstance(classes, Symbols):
        pts = [(g.representative_point(), classes.radius(v)) for g, v in
               zip(places.geometry, vals, strict=True)]
        pts = sorted((p for p in pts if p[1] > 0), key=lambda p: -p[1])
        ax.scatter([p.x for p, _ in pts], [p.y for p, _ in pts],
                   s=[(r * CIRCLE_SCALE) ** 2 for _, r in pts], color=_rgba(SYMBOL_FILL),
                   edgecolors="white", linewidths=0.8, zorder=4)
    if selected is not None and (places["area_code"] == selected).any():
        _draw(ax, places[places["area_code"] == selected], face="none",
              edge=_rgba(SELECTED_OUTLINE), width=3, zorder=5)
    minx, miny, maxx, maxy = (outlines.to_crs(MERCATOR) if outlines is not None and len(outlines)
                              else places).total_bounds
    pad = 0.03 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    if labels is not None:
        for row in labels.to_crs(MERCATOR).itertuples(index=False):
            p = row.geometry.representative_point()
            name = getattr(row, "display_name", None) or row.area_code
            ax.text(p.x, p.y, textwrap.fill(str(name), 16), fontsize=11, weight="bold",
                    ha="center", va="center", zorder=6, color="#111111",
                    bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none",
                          "boxstyle": "round,pad=0.2"})
    fig.text(0.02, 0.965, text.title, fontsize=22, weight="bold", va="top")
    fig.text(0.02, 0.915, f"{text.period} · {text.subtitle}", fontsize=14, va="top",
             color="#333333")
    _legend(fig.add_axes((0.69, 0.12, 0.29, 0.74)), figs, classes, sum(missing), text)
    foot = [text.source, OS_ATTRIBUTION]
    fig.text(0.02, 0.02, "\n".join(textwrap.fill(t, 190) for t in foot if t), fontsize=10.5,
             va="bottom", color="#333333")
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()
