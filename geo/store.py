"""Reading built map geometry: where it lives, which levels exist, one level as a GeoDataFrame."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import geopandas as gpd

from core import settings
from core.errors import GeometryNotBuilt

DEFAULT_GEO_DIR = settings.REPO_ROOT / "data" / "geo"
MANIFEST = "manifest.json"

LEVEL_FILES = {
    "lad": "lad.parquet",
    "msoa": "msoa.parquet",
    "lsoa": "lsoa.parquet",
    "partnership": "partnership.parquet",
    "lad_hex": "lad_hex.parquet",
    "comparators": "comparators.parquet",
}
LEVELS = tuple(LEVEL_FILES)
COLUMNS = (
    "area_code",
    "area_name",
    "display_name",
    "parent_code",
    "lad_code",
    "region_code",
    "level",
    "is_schematic",
    "geometry_note",
    "geometry",
)
BUILD_COMMANDS = (
    "python -m geo build (live ONS portal), python -m geo build --from DIR (boundary files), "
    "or python -m geo build --sample (schematic, offline)"
)


def geo_dir() -> Path:
    """Where built geometry lives: ``$GEO_DIR`` if set, else ``data/geo`` in the repository."""
    return settings.geo_dir()


_default_dir = geo_dir  # the parameters below are also called geo_dir


def build_info(geo_dir: Path | None = None) -> dict:
    """The build's ``manifest.json`` (mode, is_schematic, area, per-level counts and bytes,
    notes), or ``{}`` if nothing has been built there."""
    path = Path(geo_dir or _default_dir()) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def available_levels(geo_dir: Path | None = None) -> list[str]:
    """The levels built in ``geo_dir`` (default :func:`geo_dir`), in :data:`LEVELS` order."""
    folder = Path(geo_dir) if geo_dir else _default_dir()
    return [level for level, name in LEVEL_FILES.items() if (folder / name).is_file()]


@lru_cache(maxsize=32)
def _read(path: str, mtime_ns: int) -> gpd.GeoDataFrame:
    return gpd.read_parquet(path)


def load_level(level: str, geo_dir: Path | None = None) -> gpd.GeoDataFrame:
    """One level of built geometry, in EPSG:4326, with the columns in :data:`COLUMNS`.

    Raises ValueError for an unknown level and :class:`GeometryNotBuilt` (a
    FileNotFoundError) naming the missing file and the command that builds it.
    """
    if level not in LEVEL_FILES:
        raise ValueError(f"unknown map level {level!r}; levels are {', '.join(LEVELS)}")
    folder = Path(geo_dir) if geo_dir else _default_dir()
    path = folder / LEVEL_FILES[level]
    if not path.is_file():
        info = build_info(folder)
        why = ""
        if info.get("is_schematic") and level in ("msoa", "lsoa"):
            why = (
                " The geometry there is the offline schematic sample, which has no "
                "neighbourhood level."
            )
        elif info:
            why = f" The build there ({info.get('mode')}) did not produce this level."
        raise GeometryNotBuilt(
            f"Map geometry {path} does not exist.{why} Build it with: {BUILD_COMMANDS}"
            + (f" --out {folder}" if folder.resolve() != DEFAULT_GEO_DIR.resolve() else "")
            + "."
        )
    gdf = _read(str(path.resolve()), path.stat().st_mtime_ns).copy()
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        gdf = gdf.set_crs(4326, allow_override=True) if gdf.crs is None else gdf.to_crs(4326)
    for col in COLUMNS:
        if col not in gdf.columns:
            gdf[col] = None
    return gdf[list(COLUMNS)]
