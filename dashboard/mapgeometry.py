"""Map geometry: the built shapes of each level (read through ``geo``'s read API), cached until a
new geometry build, and the sub-ICB areas made from their member places.

A level that has not been built raises :class:`GeometryUnavailable`, whose message says what to
run; a page then shows its table without the map.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import streamlit as st

import geo
from core import settings
from dashboard.formatting import is_missing, level_name


class GeometryUnavailable(RuntimeError):
    """Map geometry for a level has not been built; the message says how to build it."""


GEO_HINT = "Build the map geometry with `python -m geo build` (or `make run`)."


@st.cache_resource(show_spinner=False, max_entries=8)
def _load(level: str, geo_dir: str | None, stamp: float) -> object:
    return geo.load_level(level, geo_dir)


def _geo_stamp(geo_dir: str | None) -> float:
    root = Path(geo_dir) if geo_dir else settings.geo_dir()
    try:
        return max((p.stat().st_mtime for p in root.glob("*")), default=0.0)
    except OSError:
        return 0.0


def geo_dir() -> str | None:
    """The geometry folder the geo package uses (None when geo cannot say)."""
    try:
        return str(geo.geo_dir())
    except (ImportError, AttributeError):
        return None


def available_levels() -> tuple[str, ...]:
    """Geometry levels that have been built (``lad``, ``msoa``, ``lsoa``, ``lad_hex``...)."""
    try:
        return tuple(geo.available_levels(geo.geo_dir()))
    except (ImportError, AttributeError, OSError, ValueError):
        return ()


def geometry_stamp() -> tuple[str | None, float]:
    """Which geometry build the maps are drawn from (its folder and newest file's time): a key
    for what is kept per build, so a new ``geo build`` is drawn on the next rerun."""
    folder = geo_dir()
    return folder, _geo_stamp(folder)


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


_PATH_NOTE = re.compile(r"\s*\([^()]*(?:/|\\|\bfiles? under\b)[^()]*\)")


def geometry_caption(note: object) -> str:
    """The geometry's note as a reader sees it: where the shapes come from, without the build
    machine's folders (``ONS LSOA boundaries (6 files under /srv/...)`` loses the brackets)."""
    text = "" if is_missing(note) else _PATH_NOTE.sub("", str(note)).strip()
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."
