"""Boundary files: found under a folder, recognised by content, read in any CRS.

Formats: GeoJSON (``.geojson``/``.json``), GeoPackage, shapefile, GeoParquet. A file is a
boundary layer when it holds polygons and a column of ONS GSS codes; the level comes from the
codes themselves (``E01…`` LSOA, ``E02…`` MSOA, ``E06…``–``E09…``/``W06…`` LAD, ``E12…``
region, ``E92…`` country), not from the file name. When several columns hold codes (the LSOA
files carry their LAD and region too) the one with a different code on every feature wins, and
a column named like ``LSOA21CD`` beats one that is not. 2011 LSOA/MSOA layers (``LSOA11CD``)
are recognised and skipped: the maps use 2021 areas.

Refused, with the file named: a geographic file with no code column, a file with no CRS (or
coordinates that contradict the CRS it declares), a file that cannot be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq

from core import folders
from core.area import level_of
from core.errors import BoundaryError
from core.lookups import Lookups, find_lookups

SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".parquet", ".geoparquet")
LEVEL_ORDER = ("lsoa", "msoa", "lad", "region", "country")
GSS = re.compile(r"^[EWSNK]\d{8}$")
_NAMED_CODE = re.compile(r"^(lsoa|msoa|lad|ltla|rgn|ctry)(\d\d)cd$", re.IGNORECASE)
_NAMED_LEVEL = {
    "lsoa": "lsoa",
    "msoa": "msoa",
    "lad": "lad",
    "ltla": "lad",
    "rgn": "region",
    "ctry": "country",
}


@dataclass
class Skipped:
    """A file under the source folder that is not a boundary layer this build uses, and why."""

    path: str
    reason: str


@dataclass
class RawLayer:
    """One boundary layer as read: ``area_code``, ``area_name``, ``lad_hint`` and geometry.

    ``lad_hint`` is the LAD code a feature carries (``LADCD_ACTIVE``, ``LAD22CD``…) when the
    file has one; it lets LSOAs be placed when no lookup file is at hand.
    """

    level: str
    source: str
    code_field: str
    name_field: str | None
    gdf: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)


def _peek_geojson(path: Path) -> bool:
    """Whether a ``.json`` file looks like GeoJSON (Nomis and ONS metadata are JSON too)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return '"FeatureCollection"' in head or ('"type"' in head and '"features"' in head)


def _is_geoparquet(path: Path) -> bool:
    try:
        meta = pq.read_schema(path).metadata or {}
    except Exception:
        return False
    return b"geo" in meta


def _read_any(path: Path) -> gpd.GeoDataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".geoparquet"):
            return gpd.read_parquet(path)
        return gpd.read_file(path)
    except Exception as exc:
        raise BoundaryError(path, f"could not be read as a boundary file ({exc}).") from None


def _code_columns(gdf: gpd.GeoDataFrame) -> list[tuple[str, str, bool, bool]]:
    """Columns holding GSS codes: (column, level, unique per feature, named like XXX21CD)."""
    out = []
    for col in gdf.columns:
        if col == gdf.geometry.name or not (
            pd.api.types.is_object_dtype(gdf[col]) or pd.api.types.is_string_dtype(gdf[col])
        ):
            continue
        values = gdf[col].dropna().astype(str).str.strip()
        if values.empty or not values.str.match(GSS.pattern).mean() > 0.5:
            continue
        levels = values.map(level_of).dropna()
        if levels.empty:
            continue
        level = levels.mode().iloc[0]
        named = _NAMED_CODE.match(str(col))
        if named and named.group(1).lower() in ("lsoa", "msoa") and named.group(2) != "21":
            level = f"{named.group(1).lower()}{named.group(2)}"  # e.g. lsoa11: not used
        out.append((str(col), level, bool(values.is_unique), bool(named)))
    return out


def _name_column(gdf: gpd.GeoDataFrame, code_field: str) -> str | None:
    wanted = re.sub(r"cd$", "nm", code_field, flags=re.IGNORECASE)
    for col in gdf.columns:
        if str(col).lower() == wanted.lower():
            return str(col)
    for col in gdf.columns:
        if str(col).lower() in ("name", "area_name", "areanm"):
            return str(col)
    return None


def recognise(gdf: gpd.GeoDataFrame, source: str | Path) -> RawLayer | Skipped:
    """Turn a GeoDataFrame read from ``source`` into a :class:`RawLayer` (or say why not).

    Raises :class:`BoundaryError` for a layer that is geographic but unusable.
    """
    source = str(source)
    if gdf.empty:
        return Skipped(source, "no features")
    geom_types = set(gdf.geometry.dropna().geom_type)
    if not geom_types:
        raise BoundaryError(source, "has features but no geometries.")
    if not geom_types & {"Polygon", "MultiPolygon"}:
        return Skipped(source, f"holds {', '.join(sorted(geom_types))}, not boundaries (polygons)")
    candidates = _code_columns(gdf)
    if not candidates:
        cols = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise BoundaryError(
            source,
            "no column holds ONS area codes (E01… LSOA, E02… MSOA, E06…/E07…/E08…/E09… LAD, "
            f"E12… region), so its features cannot be matched to places. Columns: {cols}.",
        )
    usable = [c for c in candidates if c[1] in LEVEL_ORDER]
    if not usable:
        found = sorted({c[1] for c in candidates})
        return Skipped(source, f"area codes of a level the maps do not use ({', '.join(found)})")
    col, level, _, _ = min(usable, key=lambda c: (not c[2], not c[3], LEVEL_ORDER.index(c[1])))
    if gdf.crs is None:
        raise BoundaryError(
            source,
            "has no coordinate reference system, so its coordinates cannot be placed. "
            + _crs_hint(gdf)
            + " Save it again with its CRS (a .prj beside a shapefile, the SRS of a GeoPackage "
            "layer, 'crs' in GeoParquet metadata).",
        )
    _check_crs_plausible(gdf, source)
    name_field = _name_column(gdf, col)
    hints = [c[0] for c in candidates if c[1] == "lad" and c[0] != col]
    lad_hint = next((h for h in hints if "lad" in h.lower()), hints[0] if hints else None)
    out = gpd.GeoDataFrame(
        {
            "area_code": gdf[col].astype(str).str.strip().to_numpy(),
            "area_name": gdf[name_field].astype(object).to_numpy() if name_field else None,
            "lad_hint": gdf[lad_hint].astype(object).to_numpy() if lad_hint else None,
        },
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    out = out[out["area_code"].map(level_of) == level].reset_index(drop=True)
    notes = []
    if not out["area_code"].is_unique:
        dupes = out.loc[out["area_code"].duplicated(), "area_code"].unique()
        notes.append(f"{source}: {len(dupes)} code(s) on several features were merged.")
        out = out.dissolve("area_code", aggfunc="first", as_index=False)
    return RawLayer(level, source, col, name_field, out, notes)


def _crs_hint(gdf: gpd.GeoDataFrame) -> str:
    xmin, ymin, xmax, ymax = gdf.total_bounds
    if xmin >= 0 and xmax <= 700_000 and ymin >= 0 and ymax <= 1_300_000 and xmax > 1000:
        return "Its coordinates look like British National Grid metres (EPSG:27700)."
    if xmin >= -180 and xmax <= 180 and ymin >= -90 and ymax <= 90:
        return "Its coordinates look like longitude/latitude (EPSG:4326)."
    return ""


def _check_crs_plausible(gdf: gpd.GeoDataFrame, source: str) -> None:
    """A file declaring degrees whose numbers are metres (GeoJSON defaults to WGS84) is refused."""
    if gdf.crs is None or not gdf.crs.is_geographic:
        return
    xmin, ymin, xmax, ymax = gdf.total_bounds
    if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
        raise BoundaryError(
            source,
            f"declares (or, as GeoJSON without a 'crs' member, defaults to) {gdf.crs.to_string()} "
            f"longitude/latitude, but its coordinates run to {xmax:,.0f}, {ymax:,.0f}. "
            + _crs_hint(gdf)
            + " State the real CRS in the file.",
        )


def read_boundary_file(path: Path) -> RawLayer | Skipped:
    """Read one file and recognise it (see the module docstring)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json" and not _peek_geojson(path):
        return Skipped(str(path), "JSON, but not GeoJSON")
    if suffix in (".parquet", ".geoparquet") and not _is_geoparquet(path):
        return Skipped(str(path), "Parquet without GeoParquet metadata")
    return recognise(_read_any(path), path)


def walk(root: Path, suffixes: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """Files under ``root`` with these suffixes, sorted, following symbolic links but reading
    each real folder once (a loop is named in the notes, see ``core.folders.walk``)."""
    return folders.walk(root, lambda path: path.suffix.lower() in suffixes)


def scan(root: Path, notes: list[str] | None = None) -> tuple[list[RawLayer], list[Skipped]]:
    """Every boundary layer under ``root`` (a folder, searched recursively, or one file).

    What the walk could not read (a folder loop, a dangling link) is added to ``notes``.
    """
    root = Path(root)
    if not root.exists():
        raise BoundaryError(root, "does not exist.")
    paths, walked = ([root], []) if root.is_file() else walk(root, SUFFIXES)
    if notes is not None:
        notes += walked
    layers: list[RawLayer] = []
    skipped: list[Skipped] = []
    for path in paths:
        result = read_boundary_file(path)
        (layers if isinstance(result, RawLayer) else skipped).append(result)
    return layers, skipped


@dataclass
class Sources:
    """Everything one build reads: boundary layers, lookups, and what was passed over."""

    mode: str  # "files" or "live"
    origin: str  # the folder read, or the service base URL
    layers: list[RawLayer] = field(default_factory=list)
    lookups: Lookups = field(default_factory=Lookups)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    described: dict[str, str] = field(default_factory=dict)  # what each level came from


def from_folder(root: Path) -> Sources:
    """Boundary layers and lookup CSVs found under ``root``."""
    walked: list[str] = []
    layers, skipped = scan(root, walked)
    lookups = find_lookups(root)
    notes = walked + [n for layer in layers for n in layer.notes]
    return Sources("files", str(root), layers, lookups, skipped, notes)
