"""Schematic hex levels: ``lad_hex`` beside a real build, and the offline sample build.

Both are one equal hexagon per LAD laid out by :mod:`geo.hexes` and marked ``is_schematic``:
:func:`lad_hex` places them from the real LAD outlines; :func:`sample` from approximate centres
(the area config's, else ``geo/sample_centres.toml``), with no real boundaries at all.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import Transformer

from core.area import ENGLAND_CODE, ENGLAND_NAME, Area
from core.errors import code_list
from core.lookups import LSOA21_COLUMNS, Lookups
from geo import hexes, webgeom
from geo.output import MAP_PROPERTIES, GeoBuild, LevelStats
from geo.places import lookups_out
from geo.store import COLUMNS
from geo.webgeom import WGS84

MERCATOR = "EPSG:3857"  # hex maps are laid out in the projection web maps draw in
SAMPLE_CENTRES = Path(__file__).with_name("sample_centres.toml")
SCHEMATIC_NOTE = (
    "Schematic hex map: one equal hexagon per local authority, placed roughly where it lies. "
    "Not real boundaries."
)


def lad_hex(lads: gpd.GeoDataFrame, area: Area) -> gpd.GeoDataFrame:
    """One equal hexagon per LAD, placed from the real LAD outlines (see :mod:`geo.hexes`)."""
    projected = lads.to_crs(MERCATOR)
    order = {c: i for i, c in enumerate(area.lad_codes)}
    projected = projected.sort_values("area_code", key=lambda s: s.map(order)).reset_index(
        drop=True
    )
    centres = [(p.x, p.y) for p in projected.geometry.centroid]
    geoms = projected.geometry.to_numpy()
    touching = [
        (i, j)
        for i in range(len(geoms))
        for j in range(i + 1, len(geoms))
        if shapely.intersects(shapely.buffer(geoms[i], 80.0), geoms[j])
    ]
    polys, _ = hexes.hex_geometries(centres, touching)
    out = projected.drop(columns="geometry").copy()
    out["level"] = "lad_hex"
    out["is_schematic"] = True
    out["geometry_note"] = (
        "Hex map: one equal hexagon per local authority, placed roughly where it lies (a "
        "schematic view beside the real map)."
    )
    gdf = gpd.GeoDataFrame(out, geometry=polys, crs=MERCATOR)
    return webgeom.to_web(gdf)[list(COLUMNS)]


def sample_centres(area: Area) -> list[tuple[float, float] | None]:
    """Approximate (lon, lat) centres of the configured LADs: from the config, else shipped."""
    shipped = tomllib.loads(SAMPLE_CENTRES.read_text(encoding="utf-8")).get("centres", {})
    out = []
    for lad in area.lads:
        centre = lad.centre or shipped.get(lad.code)
        out.append(tuple(centre) if centre else None)
    return out


def sample(area: Area) -> GeoBuild:
    """The offline build: a schematic hex cartogram of the configured LADs (no real outlines)."""
    to_merc = Transformer.from_crs(WGS84, MERCATOR, always_xy=True)
    centres = [to_merc.transform(*c) if c else None for c in sample_centres(area)]
    polys, _ = hexes.hex_geometries(centres, hexes.likely_touching(centres))
    names = [lad.name or lad.code for lad in area.lads]
    regions = [lad.region for lad in area.lads]
    lads = gpd.GeoDataFrame(
        {
            "area_code": list(area.lad_codes),
            "area_name": names,
            "display_name": names,
            "parent_code": area.code,
            "lad_code": list(area.lad_codes),
            "region_code": regions,
            "level": "lad",
            "is_schematic": True,
            "geometry_note": SCHEMATIC_NOTE,
        },
        geometry=polys,
        crs=MERCATOR,
    )
    part = gpd.GeoDataFrame(
        {
            "area_code": [area.code],
            "area_name": [area.name],
            "display_name": [area.name],
            "parent_code": [None],
            "lad_code": [None],
            "region_code": [None],
            "level": ["partnership"],
            "is_schematic": [True],
            "geometry_note": [SCHEMATIC_NOTE],
        },
        geometry=[shapely.union_all(polys)],
        crs=MERCATOR,
    )
    lad_web = webgeom.to_web(lads)[list(COLUMNS)]
    hex_web = lad_web.copy()
    hex_web["level"] = "lad_hex"
    regions_known = list(dict.fromkeys(r for r in regions if r))
    comps = gpd.GeoDataFrame(
        {
            "area_code": [*regions_known, ENGLAND_CODE],
            "area_name": [area.region_names.get(r, r) for r in regions_known] + [ENGLAND_NAME],
            "display_name": [area.region_names.get(r, r) for r in regions_known] + [ENGLAND_NAME],
            "parent_code": [ENGLAND_CODE] * len(regions_known) + [None],
            "lad_code": None,
            "region_code": [*regions_known, None],
            "level": ["region"] * len(regions_known) + ["country"],
            "is_schematic": True,
            "geometry_note": "no outline in the sample",
        },
        geometry=[None] * (len(regions_known) + 1),
        crs=WGS84,
    )
    levels = {
        "lad": lad_web,
        "partnership": webgeom.to_web(part)[list(COLUMNS)],
        "lad_hex": hex_web,
        "comparators": comps[list(COLUMNS)],
    }
    stats = {
        level: LevelStats(
            features=len(gdf),
            bytes_after=webgeom.geojson_bytes(gdf, MAP_PROPERTIES)
            if level != "comparators"
            else None,
            geometry_source="schematic hexagons" if level != "comparators" else "table rows only",
        )
        for level, gdf in levels.items()
    }
    unplaced = [
        lad.code for lad, c in zip(area.lads, sample_centres(area), strict=True) if c is None
    ]
    notes = [
        "Neighbourhood (MSOA/LSOA) levels are not built from the sample: a hexagon per "
        "neighbourhood placed without real boundaries would suggest a geography that is not "
        "there. Build with real boundaries (`python -m geo build` or `--from DIR`) for them."
    ]
    if unplaced:
        notes.append(
            f"No approximate centre for {code_list(unplaced)}: placed in a compact honeycomb "
            "next to the others. Add `centre = [lon, lat]` to their [[lad]] entries to place them."
        )
    return GeoBuild(
        mode="sample",
        origin="the schematic layout shipped with the project",
        area=area,
        levels=levels,
        lookups=lookups_out(
            area,
            Lookups(),
            pd.DataFrame(columns=LSOA21_COLUMNS),
            {lad.code: lad.name for lad in area.lads if lad.name},
            {lad.code: lad.region for lad in area.lads if lad.region},
            area.region_names,
        ),
        stats=stats,
        notes=notes,
        is_schematic=True,
    )
