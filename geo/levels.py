"""The nested levels of the area (``lsoa``, ``msoa``, ``lad``, ``partnership``) from raw boundaries.

:func:`read_boundaries` combines every file of a level, checks it against the places the
lookups give, and picks the *base*: the finest level that covers the whole area.
:func:`nested_levels` repairs and simplifies the base as a coverage and dissolves every coarser
level from it, so LSOAs sit exactly inside their MSOA, MSOAs inside their LAD.
:func:`web_layer` makes a whole boundary file web-ready the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.area import Area
from core.errors import BoundaryError, code_list
from geo import webgeom
from geo.boundaries import RawLayer, Sources, read_boundary_file
from geo.output import LevelStats, level_stats
from geo.places import successors
from geo.store import COLUMNS
from geo.webgeom import BNG, Tolerance

# Simplification per base level (see docs/geo.md for the measurements behind these numbers).
TOLERANCES = {
    "lsoa": Tolerance(fraction=0.15, minimum=40.0, maximum=400.0),
    "msoa": Tolerance(fraction=0.15, minimum=40.0, maximum=400.0),
    "lad": Tolerance(fraction=0.05, minimum=50.0, maximum=500.0),
    "region": Tolerance(fraction=0.02, minimum=250.0, maximum=1500.0),
}
NESTED = ("lsoa", "msoa", "lad", "partnership")  # finest first


@dataclass
class Boundaries:
    """The raw boundaries of one build (EPSG:27700) and the base level chosen from them."""

    base: str  # "lsoa", "msoa" or "lad": the finest level covering every configured LAD
    lsoa: gpd.GeoDataFrame  # the area's LSOAs
    msoa: gpd.GeoDataFrame  # the area's MSOAs
    lad: gpd.GeoDataFrame  # the configured LADs
    lad_all: gpd.GeoDataFrame  # every LAD in the sources, under today's codes
    region: gpd.GeoDataFrame
    country: gpd.GeoDataFrame


def read_boundaries(area: Area, sources: Sources, places: pd.DataFrame) -> Boundaries:
    """Every level's boundaries from ``sources``, narrowed to the area, checked, with the base.

    ``places`` is :func:`geo.places.place_lsoas`. Raises BoundaryError naming the file (or
    URL) and codes at fault: a configured LAD found nowhere, LSOAs or MSOAs missing from
    boundaries that cover the area, or no level covering every configured LAD.
    """
    notes = sources.notes
    configured = list(area.lad_codes)
    succ = successors(area, sources.lookups)
    msoas = _msoas(places)
    lad_of_lsoa = dict(zip(places["lsoa_code"], places["lad_code"], strict=True))
    lad_of_msoa = dict(zip(msoas["msoa_code"], msoas["lad_code"], strict=True))

    lsoa_raw = _combine(sources.layers, "lsoa", notes)
    msoa_raw = _combine(sources.layers, "msoa", notes)
    lad_all = _combine(sources.layers, "lad", notes)
    lad_all = _to_current(lad_all, succ)
    region_raw = _combine(sources.layers, "region", notes)
    country_raw = _combine(sources.layers, "country", notes)

    lsoa_raw = lsoa_raw[lsoa_raw["area_code"].isin(places["lsoa_code"])]
    msoa_raw = msoa_raw[msoa_raw["area_code"].isin(msoas["msoa_code"])]
    lad_raw = lad_all[lad_all["area_code"].isin(configured)]

    anywhere = set(places["lad_code"]) | set(lad_raw["area_code"])
    unknown = [c for c in configured if c not in anywhere]
    if unknown:
        seen = sorted(set(lad_all["area_code"]) | set(sources.lookups.lsoa21["lad_code"].dropna()))
        raise BoundaryError(
            sources.origin,
            f"configured local authority(ies) {code_list(unknown)} appear in no boundary file or "
            f"lookup here ({len(seen)} other LAD codes do, e.g. {code_list(seen, 5)}). Check the "
            f"area config ({area.source}) or the source.",
            unknown,
        )
    _check_unexpected(sources.layers, "lsoa", set(places["lsoa_code"]), set(configured), succ)

    if len(lsoa_raw):
        _check_complete(lsoa_raw, places["lsoa_code"], "lsoa", sources.origin, lad_of_lsoa)
    if len(msoa_raw):
        _check_complete(msoa_raw, msoas["msoa_code"], "msoa", sources.origin, lad_of_msoa)
    lsoa_ok = len(lsoa_raw) > 0 and set(places["lad_code"]) == set(configured)
    msoa_ok = len(msoa_raw) > 0 and set(msoas["lad_code"]) == set(configured)
    if len(lsoa_raw) and not lsoa_ok:
        lacking = sorted(set(configured) - set(places["lad_code"]))
        raise BoundaryError(
            sources.origin,
            "LSOA boundaries were found, but no lookup (or LAD code on the features) places any "
            f"LSOA in configured LAD(s) {code_list(lacking)}.",
            lacking,
        )
    if lsoa_ok:
        base = "lsoa"
    elif msoa_ok:
        base = "msoa"
        notes.append("No LSOA boundaries for the area: the LSOA level was not built.")
    elif set(lad_raw["area_code"]) == set(configured):
        base = "lad"
        notes.append("No neighbourhood boundaries for the area: only LAD-level maps were built.")
    else:
        missing = sorted(set(configured) - set(lad_raw["area_code"]))
        raise BoundaryError(
            sources.origin,
            f"no boundaries cover every configured local authority; missing: {code_list(missing)}.",
            missing,
        )
    return Boundaries(base, lsoa_raw, msoa_raw, lad_raw, lad_all, region_raw, country_raw)


def nested_levels(
    area: Area,
    sources: Sources,
    bounds: Boundaries,
    places: pd.DataFrame,
    lad_names: dict[str, str],
    region_of: dict[str, str],
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, LevelStats]]:
    """The base level and every coarser one dissolved from it, web-ready, with their stats.

    Raises BoundaryError for a base geometry with no area even after ``make_valid``.
    """
    notes = sources.notes
    configured = list(area.lad_codes)
    base = bounds.base
    msoas = _msoas(places)
    lad_of_lsoa = dict(zip(places["lsoa_code"], places["lad_code"], strict=True))
    lad_of_msoa = dict(zip(msoas["msoa_code"], msoas["lad_code"], strict=True))

    rule = TOLERANCES[base]
    base_raw = {"lsoa": bounds.lsoa, "msoa": bounds.msoa, "lad": bounds.lad}[base]
    base_raw = _repaired(base_raw.sort_values("area_code").reset_index(drop=True), base, notes)
    geoms = base_raw.geometry.to_numpy()
    if webgeom.is_coverage(geoms):
        simple = webgeom.simplify_by_size(geoms, rule)
    else:
        notes.append(
            f"The {base.upper()} boundaries do not form a clean coverage (overlaps, or borders "
            "whose vertices differ); each polygon was simplified on its own, so neighbouring "
            "outlines may not meet exactly."
        )
        simple = webgeom.simplify_each(geoms, rule)
    base_codes = base_raw["area_code"].to_numpy()
    if sources.mode == "live":
        origin = f"ONS {base.upper()} boundaries ({sources.described.get(base, sources.origin)})"
    else:
        files = sorted({Path(s).name for s in base_raw["source"]})
        shown = files[0] if len(files) == 1 else f"{len(files)} files"
        origin = f"ONS {base.upper()} boundaries ({shown} under {sources.origin})"
    note = f"{origin}, simplified for web maps"
    levels: dict[str, gpd.GeoDataFrame] = {}
    stats: dict[str, LevelStats] = {}

    def parents_for(level: str) -> np.ndarray:
        if level == base:
            return base_codes
        if base == "lsoa" and level == "msoa":
            msoa_of = dict(zip(places["lsoa_code"], places["msoa_code"], strict=True))
            return np.array([msoa_of[c] for c in base_codes])
        if level == "lad":
            lookup = {"lsoa": lad_of_lsoa, "msoa": lad_of_msoa, "lad": {c: c for c in configured}}
            return np.array([lookup[base][c] for c in base_codes])
        return np.array([area.code] * len(base_codes))

    for level in NESTED[NESTED.index(base) :]:
        keys = parents_for(level)
        if level == base:
            raw_geoms, web_geoms, codes = geoms, simple, list(base_codes)
        else:
            raw_union = webgeom.union_groups(geoms, keys)
            web_union = webgeom.union_groups(simple, keys)
            codes = list(web_union)
            if level == "lad":  # in config order, as legends and tables list them
                codes = [c for c in configured if c in web_union]
            raw_geoms = np.array([raw_union[c] for c in codes], dtype=object)
            web_geoms = np.array([web_union[c] for c in codes], dtype=object)
        rows = _rows(level, codes, area, places, lad_names, region_of)
        caption = note if level == base else f"Dissolved from {note}"
        web = _web_frame(rows, web_geoms, level, caption)
        levels[level] = web
        before = gpd.GeoDataFrame(rows, geometry=list(raw_geoms), crs=BNG)
        source = f"{base.upper()} boundaries" + (" (dissolved)" if level != base else "")
        stats[level] = level_stats(before, web, source, rule.describe())

    if base == "lsoa" and len(bounds.msoa):
        _compare_msoas(levels, bounds.msoa, geoms, parents_for("msoa"), notes)
    return levels, stats


def web_layer(path: Path, level: str, prefix: str = "") -> gpd.GeoDataFrame:
    """One boundary file made web-ready the way a build makes its base level: repaired
    (``make_valid``), coverage-simplified with the level's :data:`TOLERANCES` (each polygon on
    its own where the file is not a clean coverage), EPSG:4326 with rounded coordinates.

    For layers beyond the configured area, such as every English LAD (``prefix="E"``). Returns
    ``area_code``, ``area_name``, ``display_name`` and geometry; raises BoundaryError for a
    file that is not a boundary layer of ``level`` or has a geometry with no area.
    """
    layer = read_boundary_file(Path(path))
    if not isinstance(layer, RawLayer) or layer.level != level:
        why = layer.reason if not isinstance(layer, RawLayer) else f"a {layer.level} layer"
        raise BoundaryError(str(path), f"not a {level.upper()} boundary layer ({why}).")
    gdf = layer.gdf[layer.gdf["area_code"].astype(str).str.startswith(prefix)].to_crs(BNG)
    gdf = gdf.assign(source=str(path)).sort_values("area_code").reset_index(drop=True)
    gdf = _repaired(gdf, level, [])
    geoms = gdf.geometry.to_numpy()
    rule = TOLERANCES[level]
    simplify = webgeom.simplify_by_size if webgeom.is_coverage(geoms) else webgeom.simplify_each
    names = gdf["area_name"].where(gdf["area_name"].notna(), gdf["area_code"])
    out = gpd.GeoDataFrame(
        {"area_code": gdf["area_code"], "area_name": names, "display_name": names},
        geometry=list(simplify(geoms, rule)),
        crs=BNG,
    )
    return webgeom.to_web(out)


def _msoas(places: pd.DataFrame) -> pd.DataFrame:
    """One row per MSOA of the area (that of its first LSOA)."""
    return places.dropna(subset=["msoa_code"]).drop_duplicates("msoa_code")


def _combine(layers: list[RawLayer], level: str, notes: list[str]) -> gpd.GeoDataFrame:
    """One GeoDataFrame (EPSG:27700) of a level from every file; the first file wins a code."""
    frames = []
    for layer in layers:
        if layer.level != level:
            continue
        g = layer.gdf.to_crs(BNG)
        g["source"] = layer.source
        frames.append(g)
    if not frames:
        return gpd.GeoDataFrame(
            {"area_code": [], "area_name": [], "source": []}, geometry=[], crs=BNG
        )
    combined = pd.concat(frames, ignore_index=True)
    dupes = combined["area_code"].duplicated()
    if dupes.any():
        files = sorted(set(combined.loc[dupes, "source"]))
        notes.append(
            f"{int(dupes.sum())} {level.upper()} code(s) appear in more than one file; the first "
            f"file in name order was used (also in: {', '.join(files)})."
        )
    return gpd.GeoDataFrame(combined[~dupes].reset_index(drop=True), crs=BNG)


def _to_current(lads: gpd.GeoDataFrame, succ: dict[str, str]) -> gpd.GeoDataFrame:
    """LAD features under today's codes: former districts merged into their successor."""
    lads = lads.copy()
    lads["area_code"] = lads["area_code"].map(lambda c: succ.get(c, c))
    merged = lads["area_code"].duplicated(keep=False)
    if not merged.any():
        return lads
    parts = []
    for _, group in lads[merged].groupby("area_code"):
        geoms, _, broken = webgeom.repair(group.geometry.to_numpy())
        row = group.iloc[[0]].copy()
        row["area_name"] = None
        row = row.set_geometry([webgeom.polygonal(shapely.union_all(geoms[~broken]))], crs=lads.crs)
        parts.append(row)
    return gpd.GeoDataFrame(pd.concat([lads[~merged], *parts], ignore_index=True), crs=lads.crs)


def _repaired(gdf: gpd.GeoDataFrame, level: str, notes: list[str]) -> gpd.GeoDataFrame:
    """``gdf`` with valid polygonal geometry; a geometry with no area left is an error."""
    geoms, repaired, broken = webgeom.repair(gdf.geometry.to_numpy())
    if broken.any():
        bad = gdf[broken]
        raise BoundaryError(
            ", ".join(sorted(set(bad["source"]))),
            f"{int(broken.sum())} {level.upper()} geometry(ies) are empty, not polygons, or have "
            "no area even after make_valid; fix or re-download the file.",
            bad["area_code"],
        )
    if repaired.any():
        for source, codes in gdf[repaired].groupby("source")["area_code"]:
            notes.append(
                f"{source}: {len(codes)} invalid {level.upper()} geometry(ies) repaired with "
                f"make_valid: {code_list(codes)}."
            )
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))


def _check_complete(
    gdf: gpd.GeoDataFrame, wanted: pd.Series, level: str, origin: str, lad_of: dict[str, str]
) -> None:
    """Raise if boundaries were found for the area but some of its places are missing."""
    missing = sorted(set(wanted) - set(gdf["area_code"]))
    if missing:
        per_lad = pd.Series([lad_of.get(c) for c in missing]).value_counts()
        where = ", ".join(f"{n} in {lad}" for lad, n in per_lad.items())
        raise BoundaryError(
            origin,
            f"{level.upper()} boundaries were found for the configured area, but {len(missing)} "
            f"of its {len(set(wanted))} {level.upper()}s have none ({where}). Add the missing "
            "files (or check the area config against the files).",
            missing,
        )


def _check_unexpected(
    layers: list[RawLayer], level: str, wanted: set[str], configured: set[str], succ: dict
) -> None:
    """Raise if a file's own LAD column puts codes in the area that the lookups do not."""
    for layer in layers:
        if layer.level != level:
            continue
        g = layer.gdf
        lad = g["lad_hint"].map(lambda c: succ.get(c, c) if isinstance(c, str) else None)
        odd = g.loc[lad.isin(configured) & ~g["area_code"].isin(wanted), "area_code"]
        if len(odd):
            raise BoundaryError(
                layer.source,
                f"{len(odd)} {level.upper()} code(s) here lie in a configured LAD by the file's "
                "own LAD column, but the lookups do not place them in the area. The boundaries and "
                "lookups are probably of different vintages (2011 vs 2021 areas?).",
                odd,
            )


def _web_frame(
    rows: pd.DataFrame, geoms: np.ndarray, level: str, note: str, crs: str = BNG
) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(rows.reset_index(drop=True), geometry=list(geoms), crs=crs)
    gdf["level"] = level
    gdf["is_schematic"] = False
    gdf["geometry_note"] = note
    web = webgeom.to_web(gdf)
    return web[[*COLUMNS[:-1], "geometry"]] if set(COLUMNS) <= set(web.columns) else web


def _rows(
    level: str,
    codes: list[str],
    area: Area,
    places: pd.DataFrame,
    lad_names: dict[str, str],
    region_of: dict[str, str],
) -> pd.DataFrame:
    """The attribute columns of a level, in ``codes`` order."""
    if level == "lsoa":
        p = places.set_index("lsoa_code").loc[codes]
        names = p["lsoa_name"].fillna(pd.Series(codes, index=p.index))
        hcl = p["msoa_hcl_name"]
        display = [
            f"{n} ({h})" if isinstance(h, str) else n for n, h in zip(names, hcl, strict=True)
        ]
        out = pd.DataFrame(
            {
                "area_code": codes,
                "area_name": names.to_numpy(),
                "display_name": display,
                "parent_code": p["msoa_code"].to_numpy(),
                "lad_code": p["lad_code"].to_numpy(),
            }
        )
    elif level == "msoa":
        p = _msoas(places).set_index("msoa_code")
        p = p.loc[codes]
        names = p["msoa_name"].where(p["msoa_name"].notna(), pd.Series(codes, index=p.index))
        hcl = p["msoa_hcl_name"]
        out = pd.DataFrame(
            {
                "area_code": codes,
                "area_name": names.to_numpy(),
                "display_name": hcl.where(hcl.notna(), names).to_numpy(),
                "parent_code": p["lad_code"].to_numpy(),
                "lad_code": p["lad_code"].to_numpy(),
            }
        )
    elif level == "lad":
        names = [lad_names.get(c, c) for c in codes]
        out = pd.DataFrame(
            {
                "area_code": codes,
                "area_name": names,
                "display_name": names,
                "parent_code": area.code,
                "lad_code": codes,
            }
        )
    else:  # partnership
        out = pd.DataFrame(
            {
                "area_code": [area.code],
                "area_name": [area.name],
                "display_name": [area.name],
                "parent_code": [None],
                "lad_code": [None],
            }
        )
    out["region_code"] = out["lad_code"].map(lambda c: region_of.get(c) if c else None)
    return out.astype(object).where(out.notna(), None)


def _compare_msoas(
    levels: dict[str, gpd.GeoDataFrame],
    msoa_raw: gpd.GeoDataFrame,
    lsoa_geoms: np.ndarray,
    keys: np.ndarray,
    notes: list[str],
) -> None:
    """Note MSOAs whose own boundary differs from the union of their LSOAs by over 1% of area."""
    unions = webgeom.union_groups(lsoa_geoms, keys)
    own = dict(zip(msoa_raw["area_code"], msoa_raw.geometry, strict=True))
    off = []
    for code, geom in unions.items():
        theirs = own.get(code)
        if theirs is None or geom is None:
            continue
        theirs = webgeom.polygonal(shapely.make_valid(theirs))
        if theirs is None:
            continue
        diff = shapely.area(shapely.symmetric_difference(geom, theirs))
        if diff > 0.01 * max(shapely.area(theirs), 1.0):
            off.append(code)
    if off:
        notes.append(
            f"{len(off)} MSOA(s) differ by over 1% of their area from the union of their LSOAs "
            f"(boundaries of different vintages?); the union was used: {code_list(off)}."
        )
