"""The comparators level: each configured LAD's region and England, beside the area's own places.

Outlines come from region or country boundaries where a source has them, else are dissolved
from a complete set of LAD boundaries; a comparator no source outlines is a table row only.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.area import ENGLAND_CODE, ENGLAND_NAME, Area
from core.errors import code_list
from core.lookups import Lookups
from geo import webgeom
from geo.levels import TOLERANCES
from geo.output import LevelStats, level_stats
from geo.store import COLUMNS
from geo.webgeom import BNG


def comparators(
    area: Area,
    region_of: dict[str, str],
    region_names: dict[str, str],
    region_raw: gpd.GeoDataFrame,
    country_raw: gpd.GeoDataFrame,
    lad_all: gpd.GeoDataFrame,
    lookups: Lookups,
    notes: list[str],
) -> tuple[gpd.GeoDataFrame, LevelStats]:
    """Each configured LAD's region and England; outlines where a source gives them."""
    regions = list(dict.fromkeys(region_of[c] for c in area.lad_codes if region_of.get(c)))
    no_region = [c for c in area.lad_codes if not region_of.get(c)]
    if no_region:
        notes.append(
            f"No region known for {code_list(no_region)} (give `region` in the area config): "
            "no regional comparator for them."
        )
    all_regions = lookups.region_of()
    lad_geoms = dict(zip(lad_all["area_code"], lad_all.geometry, strict=True))
    region_geoms = dict(zip(region_raw["area_code"], region_raw.geometry, strict=True))
    made_from: dict[str, str] = {}

    def dissolve(codes: list[str]) -> shapely.Geometry | None:
        parts, _, broken = webgeom.repair(np.array([lad_geoms[c] for c in codes], dtype=object))
        return webgeom.polygonal(shapely.union_all(parts[~broken])) if len(parts) else None

    geoms = {}
    for code in regions:
        if code in region_geoms:
            geoms[code], made_from[code] = region_geoms[code], "region boundaries"
            continue
        members = [c for c, r in all_regions.items() if r == code and c.startswith("E")]
        if members and all(c in lad_geoms for c in members):
            geoms[code], made_from[code] = dissolve(members), "dissolved from the LAD boundaries"
    english = [c for c, r in all_regions.items() if c.startswith("E") and r]
    if len(country_raw) and ENGLAND_CODE in set(country_raw["area_code"]):
        geoms[ENGLAND_CODE] = dict(
            zip(country_raw["area_code"], country_raw.geometry, strict=True)
        )[ENGLAND_CODE]
        made_from[ENGLAND_CODE] = "country boundaries"
    elif len({c for c in region_geoms if c.startswith("E12")}) == 9:
        parts, _, _ = webgeom.repair(
            np.array([region_geoms[c] for c in sorted(region_geoms)], dtype=object)
        )
        geoms[ENGLAND_CODE] = webgeom.polygonal(shapely.union_all(parts))
        made_from[ENGLAND_CODE] = "union of the nine regions"
    elif english and all(c in lad_geoms for c in english):
        geoms[ENGLAND_CODE] = dissolve(english)
        made_from[ENGLAND_CODE] = "dissolved from the LAD boundaries"

    codes = [*regions, ENGLAND_CODE]
    rows = pd.DataFrame(
        {
            "area_code": codes,
            "area_name": [region_names.get(c, c) for c in regions] + [ENGLAND_NAME],
            "parent_code": [ENGLAND_CODE] * len(regions) + [None],
            "level": ["region"] * len(regions) + ["country"],
        }
    )
    rows["display_name"] = rows["area_name"]
    rows["lad_code"] = None
    rows["region_code"] = [*regions, None]
    rule = TOLERANCES["region"]
    raw = np.array([geoms.get(c) for c in codes], dtype=object)
    present = ~shapely.is_missing(raw)
    simple = raw.copy()
    if present.any():
        simple[present] = webgeom.simplify_each(raw[present], rule)
    gdf = gpd.GeoDataFrame(rows, geometry=list(simple), crs=BNG)
    gdf["is_schematic"] = False
    gdf["geometry_note"] = [
        f"{made_from[c]}, simplified for the web" if c in made_from else "no outline in the sources"
        for c in codes
    ]
    web = webgeom.to_web(gdf)[list(COLUMNS)]
    missing = [c for c in codes if c not in made_from]
    if missing:
        notes.append(
            f"Comparators without an outline (table rows only): {code_list(missing)} — no region "
            "or country boundaries, nor a complete national LAD layer, among the sources."
        )
    before = gpd.GeoDataFrame(rows, geometry=list(raw), crs=BNG)
    st = level_stats(before[present], web[present], "regions and England", rule.describe())
    st.features = len(web)
    st.geometry_source = (
        "; ".join(sorted(set(made_from.values()))) if made_from else "table rows only (no outline)"
    )
    return web, st
