"""Geography: the configured area, boundaries, lookups and web-ready map geometry.

Public API for the dashboard
============================

``geo.load_level(level: str, geo_dir: Path | None = None) -> geopandas.GeoDataFrame``
    One level of built map geometry, in EPSG:4326 (longitude/latitude), one row per place,
    with these columns:

    ===============  ==================================================================
    ``area_code``    ONS GSS code (``E01…`` LSOA, ``E02…`` MSOA, ``E06…`` LAD, ``E12…``
                     region, ``E92000001`` England), or the partnership's project code
    ``area_name``    official name (``Bedford 005A``, ``Bedford 005``, ``Bedford``)
    ``display_name`` what to show a reader: for MSOAs the House of Commons Library name
                     (``Brickhill``), for LSOAs ``Bedford 005A (Brickhill)``
    ``parent_code``  the place it sits in: LSOA -> MSOA -> LAD -> partnership; region ->
                     England; None for the partnership and England
    ``lad_code``     the LAD it lies in (None for the partnership and comparators)
    ``region_code``  that LAD's region (``E12…``), where known
    ``level``        ``lsoa``, ``msoa``, ``lad``, ``partnership``, ``lad_hex``, ``region``
                     or ``country``
    ``is_schematic`` True for hexagons (the sample build, and ``lad_hex`` always): a map
                     must then say it is not showing real boundaries
    ``geometry_note`` one line saying where the outlines come from, fit for a map caption
    ``geometry``     (Multi)Polygon; None for a comparator no source gives an outline for
    ===============  ==================================================================

    Levels: ``"lad"``, ``"msoa"``, ``"lsoa"``, ``"partnership"`` (the configured LADs
    dissolved), ``"lad_hex"`` (one equal hexagon per LAD, placed roughly where it lies, so
    small dense places such as Luton get the same weight as large rural ones) and
    ``"comparators"`` (each LAD's region and England). Levels nest exactly: every LSOA lies
    inside its MSOA and every MSOA inside its LAD, border for border.

    For pydeck (0.9.3) pass ``gdf.__geo_interface__`` as a layer's data, not the
    GeoDataFrame itself (which serialises to flat records and draws nothing).

    Raises ``ValueError`` for an unknown level and ``geo.GeometryNotBuilt`` (a
    ``FileNotFoundError``) naming the missing file and the command that builds it. The offline
    sample build has no ``msoa``/``lsoa`` levels: check ``available_levels`` first.

``geo.available_levels(geo_dir: Path | None = None) -> list[str]``
    The levels built there, e.g. ``["lad", "partnership", "lad_hex", "comparators"]`` after
    ``--sample``.

``geo.geo_dir() -> Path``
    Where geometry is read from by default: ``$GEO_DIR``, else ``data/geo`` in the repository.

``geo.build_info(geo_dir: Path | None = None) -> dict``
    The build's manifest: ``mode`` (live/files/sample), ``is_schematic``, ``area``, per-level
    ``features`` and GeoJSON bytes, ``notes``. ``{}`` when nothing is built.

Building
========
``python -m geo build`` (live ONS Open Geography Portal, cached), ``--from DIR`` (boundary and
lookup files), ``--sample`` (schematic, offline); ``--out DIR`` (default ``data/geo``). See
``docs/geo.md``. Live with no network and no cache falls back to the sample, loudly.
"""

from __future__ import annotations

from core.errors import BoundaryError, GeoError, GeometryNotBuilt
from geo.store import available_levels, build_info, geo_dir, load_level

__all__ = [
    "BoundaryError",
    "GeoError",
    "GeometryNotBuilt",
    "available_levels",
    "build_info",
    "geo_dir",
    "load_level",
]
