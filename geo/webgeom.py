"""Web-ready geometry: repaired, simplified as a coverage, in WGS84 with trimmed precision.

How a layer is made light without tearing its borders apart
-----------------------------------------------------------
Boundaries are simplified in British National Grid (EPSG:27700, metres) with GEOS coverage
simplification (:func:`shapely.coverage_simplify`, Visvalingam–Whyatt), which moves every
shared border once, so neighbours keep meeting exactly: no slivers, no gaps.

One tolerance for every polygon would either leave rural areas heavy or wreck small town
neighbourhoods (in the South Midlands an LSOA spans 0.3 km in Luton and 9 km in rural
Northamptonshire). So the tolerance is set per polygon, as a fraction of its size (the square
root of its area) clamped to a range, and *each border takes the tolerance of the smaller
polygon beside it*. That is done with passes from the largest tolerance to the smallest, each
simplifying only the borders between polygons at or above that tolerance
(``simplify_boundary=False`` keeps the other borders fixed). The outside edge of the area is
handled by a temporary frame polygon around it, so it is simplified like any other border.

Then the geometry is projected to EPSG:4326 and coordinates are rounded to
:data:`COORD_DECIMALS` decimal places (about a metre), which shortens the GeoJSON a map sends.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
COORD_DECIMALS = 5  # 1e-5 degrees: about 1.1 m north-south, 0.7 m east-west at 52°N


@dataclass(frozen=True)
class Tolerance:
    """How hard to simplify: ``fraction`` of each polygon's size, within [minimum, maximum] m."""

    fraction: float
    minimum: float
    maximum: float

    def describe(self) -> str:
        return (
            f"{self.fraction:.0%} of each polygon's size (√area), "
            f"clamped to {self.minimum:.0f}–{self.maximum:.0f} m"
        )

    def steps(self) -> np.ndarray:
        """The tolerances actually used: a geometric ladder (×1.5) from minimum to maximum."""
        if self.maximum <= self.minimum:
            return np.array([self.minimum])
        n = math.ceil(math.log(self.maximum / self.minimum, 1.5))
        return np.unique(np.minimum(self.minimum * 1.5 ** np.arange(n + 1), self.maximum))

    def per_polygon(self, geoms: np.ndarray) -> np.ndarray:
        """Each polygon's tolerance, rounded down to a step of the ladder."""
        size = np.sqrt(shapely.area(geoms))
        wanted = np.clip(self.fraction * size, self.minimum, self.maximum)
        steps = self.steps()
        idx = np.searchsorted(steps, wanted, side="right") - 1
        return steps[np.clip(idx, 0, len(steps) - 1)]


def polygonal(geom: shapely.Geometry | None) -> shapely.Geometry | None:
    """Only the polygon parts of ``geom`` (make_valid can return lines and points beside them)."""
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom
    parts = [
        p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon | shapely.MultiPolygon)
    ]
    if not parts:
        return None
    polys = [q for p in parts for q in shapely.get_parts(p)]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def repair(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Make every geometry valid and polygonal.

    Returns ``(geometries, repaired, broken)``: boolean masks of those that needed
    ``make_valid`` and of those left with no area at all (null, empty, lines or points).
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    invalid = ~missing & ~shapely.is_valid(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    out = np.array([polygonal(g) for g in geoms], dtype=object)
    broken = shapely.is_missing(out) | (shapely.area(out) <= 0)
    return out, invalid, broken


def is_coverage(geoms: np.ndarray) -> bool:
    """Whether the polygons form a coverage: no overlaps, shared borders match vertex for vertex."""
    return bool(shapely.coverage_is_valid(np.asarray(geoms, dtype=object)))


def simplify_by_size(geoms: np.ndarray, rule: Tolerance) -> np.ndarray:
    """Coverage-simplify projected polygons, each border at the smaller neighbour's tolerance.

    ``geoms`` must be in a metric CRS and form a valid coverage (see :func:`is_coverage`).
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return geoms.copy()
    tol = rule.per_polygon(geoms)
    union = dissolve(geoms)
    xmin, ymin, xmax, ymax = union.bounds
    pad = max(rule.maximum * 10, 1000.0)
    frame = shapely.box(xmin - pad, ymin - pad, xmax + pad, ymax + pad).difference(union)
    work = np.append(geoms.copy(), np.array([frame], dtype=object))
    work_tol = np.append(tol, tol.max())
    for t in sorted(set(tol.tolist()), reverse=True):
        members = work_tol >= t
        if members.sum() >= 2:
            work[members] = shapely.coverage_simplify(work[members], t, simplify_boundary=False)
    return work[:-1]


def simplify_each(geoms: np.ndarray, rule: Tolerance) -> np.ndarray:
    """Fallback for polygons that are not a coverage: simplify each one on its own."""
    tol = rule.per_polygon(np.asarray(geoms, dtype=object))
    return shapely.simplify(np.asarray(geoms, dtype=object), tol, preserve_topology=True)


def dissolve(geoms: np.ndarray) -> shapely.Geometry:
    """Union of a coverage: the fast exact coverage union, or a full union where the polygons'
    shared borders do not match vertex for vertex (GEOS then refuses the coverage union)."""
    try:
        return shapely.coverage_union_all(np.asarray(geoms, dtype=object))
    except shapely.errors.GEOSException:
        return shapely.union_all(np.asarray(geoms, dtype=object))


def union_groups(geoms: np.ndarray, keys: Sequence[str]) -> dict[str, shapely.Geometry]:
    """Dissolve a coverage by key: exact, shared borders vanish, outer ones keep every vertex."""
    keys = np.asarray(keys, dtype=object)
    out = {}
    for key in dict.fromkeys(keys.tolist()):
        members = np.asarray(geoms, dtype=object)[keys == key]
        out[key] = polygonal(dissolve(members))
    return out


def round_coords(geoms: np.ndarray, decimals: int = COORD_DECIMALS) -> np.ndarray:
    """Round coordinates (in place of set_precision, whose grid arithmetic leaves 0.1+0.2 tails)."""
    rounded = shapely.transform(np.asarray(geoms, dtype=object), lambda c: np.round(c, decimals))
    bad = ~shapely.is_valid(rounded)
    if bad.any():
        rounded[bad] = [polygonal(g) for g in shapely.make_valid(rounded[bad])]
    return rounded


def to_web(gdf: gpd.GeoDataFrame, decimals: int = COORD_DECIMALS) -> gpd.GeoDataFrame:
    """``gdf`` in EPSG:4326 with rounded coordinates, every geometry valid."""
    out = gdf.to_crs(WGS84)
    geoms = out.geometry.to_numpy()
    present = ~shapely.is_missing(geoms)
    if present.any():
        geoms = geoms.copy()
        geoms[present] = round_coords(geoms[present], decimals)
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=WGS84))
    return out


def geojson_bytes(gdf: gpd.GeoDataFrame, columns: Sequence[str] = ()) -> int:
    """Size of the compact GeoJSON a map would be sent for ``gdf`` (with these properties)."""
    cols = [c for c in columns if c in gdf.columns]
    sub = gdf[[*cols, gdf.geometry.name]]
    return len(json.dumps(sub.__geo_interface__, separators=(",", ":")))
