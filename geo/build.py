"""One geometry build: sources -> checked, nested, simplified levels -> GeoParquet, swapped in.

Levels written (each a GeoParquet file in EPSG:4326, see :mod:`geo.store` for the columns):
``lsoa``, ``msoa``, ``lad`` and ``partnership`` for the configured area, ``comparators``
(each LAD's region and England; geometry only where a source gives it), and ``lad_hex``
(one equal hexagon per LAD). The sample build writes only schematic ``lad``, ``partnership``
and ``lad_hex``, marked ``is_schematic``.

Nesting. The finest level the sources cover completely is the *base*: it is repaired,
simplified as a coverage (:func:`geo.webgeom.simplify_by_size`), and every coarser level is
dissolved from it. LSOAs therefore sit exactly inside their MSOA, MSOAs inside their LAD, and a
LAD outline drawn over a neighbourhood map lines up with it. (For ONS BGC layers this loses
nothing: the MSOA layer is itself the union of its LSOAs. An ultra-generalised LAD layer, by
contrast, strays up to 500 m from the neighbourhood outlines, so it is used only when there is
no neighbourhood layer.)

Nothing is replaced until everything is built: levels are written to a temporary folder beside
the output, which is then swapped in.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from tqdm import tqdm

from core.area import ENGLAND_CODE, ENGLAND_NAME, Area, load_area
from core.errors import BoundaryError, GeoError, LiveUnavailable, code_list
from core.lookups import LSOA21_COLUMNS, Lookups, check_one_parent, write_lookups
from geo import hexes, webgeom
from geo.boundaries import RawLayer, Sources, from_folder, read_boundary_file
from geo.store import COLUMNS, LEVEL_FILES, MANIFEST, geo_dir
from geo.webgeom import BNG, WGS84, Tolerance

# Simplification per base level (see docs/geo.md for the measurements behind these numbers).
TOLERANCES = {
    "lsoa": Tolerance(fraction=0.15, minimum=40.0, maximum=400.0),
    "msoa": Tolerance(fraction=0.15, minimum=40.0, maximum=400.0),
    "lad": Tolerance(fraction=0.05, minimum=50.0, maximum=500.0),
    "region": Tolerance(fraction=0.02, minimum=250.0, maximum=1500.0),
}
MAP_PROPERTIES = ("area_code", "display_name")  # what a map layer carries besides its values
MERCATOR = "EPSG:3857"  # hex maps are laid out in the projection web maps draw in
SAMPLE_CENTRES = Path(__file__).with_name("sample_centres.toml")
SCHEMATIC_NOTE = (
    "Schematic hex map: one equal hexagon per local authority, placed roughly where it lies. "
    "Not real boundaries."
)


@dataclass
class LevelStats:
    """What one level holds and weighs."""

    features: int
    bytes_before: int | None = None
    bytes_after: int | None = None
    coords_before: int | None = None
    coords_after: int | None = None
    geometry_source: str = ""
    tolerance: str = ""


@dataclass
class GeoBuild:
    """A built set of levels, before or after it is written."""

    mode: str
    origin: str
    area: Area
    levels: dict[str, gpd.GeoDataFrame]
    lookups: Lookups
    stats: dict[str, LevelStats] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    is_schematic: bool = False
    out_dir: Path | None = None

    def summary(self) -> str:
        """The closing summary: features and GeoJSON bytes per level, notes, skipped files."""
        kind = "SCHEMATIC SAMPLE" if self.is_schematic else self.mode
        lines = [f"Map geometry built ({kind}) from {self.origin}"]
        if self.out_dir:
            lines[0] += f" into {self.out_dir}"
        if self.is_schematic:
            lines.append(
                "  These are schematic hexagons shipped with the project, NOT real boundaries."
            )
        lines.append(
            f"  {'level':12s} {'features':>8s} {'GeoJSON before':>15s} {'after':>10s}  geometry"
        )
        for level, st in self.stats.items():
            before = f"{st.bytes_before:,}" if st.bytes_before else "-"
            after = f"{st.bytes_after:,}" if st.bytes_after else "-"
            lines.append(
                f"  {level:12s} {st.features:8d} {before:>15s} {after:>10s}  {st.geometry_source}"
            )
        if self.skipped:
            lines.append(f"Skipped {len(self.skipped)} file(s):")
            lines += [f"  - {s}" for s in self.skipped]
        if self.notes:
            lines.append("Notes:")
            lines += [f"  * {n}" for n in self.notes]
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# Places: which LSOAs and MSOAs the area holds, what they are called, how they nest
# ------------------------------------------------------------------------------------------


def _lad_names(area: Area, sources: Sources) -> dict[str, str]:
    names = sources.lookups.lad_names()
    for layer in sources.layers:
        if layer.level == "lad" and layer.name_field:
            for code, name in zip(layer.gdf["area_code"], layer.gdf["area_name"], strict=True):
                names.setdefault(code, name)
    for lad in area.lads:
        if lad.name:
            names[lad.code] = lad.name
    return names


def _successors(area: Area, lookups: Lookups) -> dict[str, str]:
    return {**lookups.successors(), **area.predecessor_map}


def place_lsoas(area: Area, sources: Sources, lad_names: dict[str, str]) -> pd.DataFrame:
    """One row per LSOA of the configured area (:data:`LSOA21_COLUMNS`), checked.

    From the lookups; for LADs the lookups do not cover, from the LAD code the LSOA boundary
    features carry, else from their names ("<LAD name> NNNX"). MSOAs the lookups leave out
    are found by the naming rule among the MSOA boundaries.
    """
    configured = set(area.lad_codes)
    succ = _successors(area, sources.lookups)
    lk = sources.lookups.lsoa21.copy()
    lk["lad_code"] = lk["lad_code"].map(lambda c: succ.get(c, c))
    rows = lk[lk["lad_code"].isin(configured)]
    covered = set(rows["lad_code"])

    lsoa_layers = [layer for layer in sources.layers if layer.level == "lsoa"]
    extra = []
    by_name = {lad_names.get(c): c for c in configured if lad_names.get(c)}
    for layer in lsoa_layers:
        g = layer.gdf
        hint = g["lad_hint"].map(lambda c: succ.get(c, c) if isinstance(c, str) else None)
        named = g["area_name"].map(
            lambda n: by_name.get(n[:-5]) if isinstance(n, str) and len(n) > 5 else None
        )
        lad = hint.where(hint.notna(), named)
        take = lad.isin(configured - covered) & ~g["area_code"].isin(rows["lsoa_code"])
        if take.any():
            extra.append(
                pd.DataFrame(
                    {
                        "lsoa_code": g.loc[take, "area_code"],
                        "lsoa_name": g.loc[take, "area_name"],
                        "lad_code": lad[take],
                    }
                )
            )
    if extra:
        more = pd.concat(extra).drop_duplicates("lsoa_code").reindex(columns=LSOA21_COLUMNS)
        sources.notes.append(
            f"{len(more)} LSOA(s) in {code_list(set(more['lad_code']))} were placed by the LAD "
            "code or name on their boundary features (no lookup file covered them)."
        )
        rows = pd.concat([rows, more])
    rows = rows.reset_index(drop=True).astype(object)
    rows = rows.where(rows.notna(), None)

    need = rows["msoa_code"].isna()
    if need.any():
        msoa_by_name: dict[str, str] = {}
        for layer in sources.layers:
            if layer.level == "msoa" and layer.name_field:
                msoa_by_name.update(
                    zip(layer.gdf["area_name"], layer.gdf["area_code"], strict=True)
                )
        guess = rows.loc[need, "lsoa_name"].map(
            lambda n: n[:-1] if isinstance(n, str) and n[-1:].isalpha() else None
        )
        rows.loc[need, "msoa_name"] = guess
        rows.loc[need, "msoa_code"] = guess.map(msoa_by_name)
        placed = int(rows.loc[need, "msoa_code"].notna().sum())
        if placed:
            sources.notes.append(
                f"{placed} LSOA(s) were put in their MSOA by the ONS naming rule (MSOA name = "
                "LSOA name without its final letter), checked against the MSOA boundaries."
            )
    names = sources.lookups.msoa_names
    fill = rows["msoa_hcl_name"].isna()
    rows.loc[fill, "msoa_hcl_name"] = rows.loc[fill, "msoa_code"].map(names)
    source = "the lookups" + (" and boundary names" if extra or need.any() else "")
    check_one_parent(rows, "lsoa_code", "msoa_code", source)
    check_one_parent(rows, "msoa_code", "lad_code", source)
    rows = rows.astype(object)
    return rows.where(rows.notna(), None).reset_index(drop=True)


# ------------------------------------------------------------------------------------------
# Geometry
# ------------------------------------------------------------------------------------------


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


def _stats(
    level: str,
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    source: str,
    tolerance: str,
) -> LevelStats:
    raw = before.to_crs(WGS84)
    return LevelStats(
        features=len(after),
        bytes_before=webgeom.geojson_bytes(raw, MAP_PROPERTIES),
        bytes_after=webgeom.geojson_bytes(after, MAP_PROPERTIES),
        coords_before=int(shapely.count_coordinates(raw.geometry.to_numpy())),
        coords_after=int(shapely.count_coordinates(after.geometry.dropna().to_numpy())),
        geometry_source=source,
        tolerance=tolerance,
    )


def assemble(
    area: Area, sources: Sources, step: Callable[[str], None] = lambda _: None
) -> GeoBuild:
    """Build every level of ``area`` from ``sources`` (files or live), in memory.

    Raises BoundaryError / LookupError_ naming the file (or URL) and codes at fault.
    """
    notes = sources.notes
    configured = list(area.lad_codes)
    lad_names = _lad_names(area, sources)
    region_of = {
        **sources.lookups.region_of(),
        **{lad.code: lad.region for lad in area.lads if lad.region},
    }
    region_names = {**sources.lookups.region_names(), **area.region_names}
    succ = _successors(area, sources.lookups)

    step("Placing neighbourhoods")
    places = place_lsoas(area, sources, lad_names)
    lad_of_lsoa = dict(zip(places["lsoa_code"], places["lad_code"], strict=True))
    msoas = places.dropna(subset=["msoa_code"]).drop_duplicates("msoa_code")
    lad_of_msoa = dict(zip(msoas["msoa_code"], msoas["lad_code"], strict=True))

    step("Reading boundaries")
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

    step("Repairing and simplifying")
    rule = TOLERANCES[base]
    base_raw = {"lsoa": lsoa_raw, "msoa": msoa_raw, "lad": lad_raw}[base]
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

    order = ["lsoa", "msoa", "lad", "partnership"]
    for level in order[order.index(base) :]:
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
        stats[level] = _stats(level, before, web, source, rule.describe())

    if base == "lsoa" and len(msoa_raw):
        _compare_msoas(levels, msoa_raw, geoms, parents_for("msoa"), notes)

    step("Comparators and hex map")
    comps, comp_stats = _comparators(
        area, region_of, region_names, region_raw, country_raw, lad_all, sources.lookups, notes
    )
    levels["comparators"] = comps
    stats["comparators"] = comp_stats
    levels["lad_hex"] = lad_hex(levels["lad"], area)
    stats["lad_hex"] = LevelStats(
        features=len(levels["lad_hex"]),
        bytes_after=webgeom.geojson_bytes(levels["lad_hex"], MAP_PROPERTIES),
        geometry_source="hexagons placed from the LAD outlines",
    )

    lookups = _lookups_out(area, sources.lookups, places, lad_names, region_of, region_names)
    return GeoBuild(
        mode=sources.mode,
        origin=sources.origin,
        area=area,
        levels=levels,
        lookups=lookups,
        stats=stats,
        notes=notes,
        skipped=[f"{s.path}: {s.reason}" for s in sources.skipped],
    )


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
        p = places.dropna(subset=["msoa_code"]).drop_duplicates("msoa_code").set_index("msoa_code")
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


def _comparators(
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
    st = _stats(
        "comparators", before[present], web[present], "regions and England", rule.describe()
    )
    st.features = len(web)
    st.geometry_source = (
        "; ".join(sorted(set(made_from.values()))) if made_from else "table rows only (no outline)"
    )
    return web, st


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


# ------------------------------------------------------------------------------------------
# Hex maps and the offline sample
# ------------------------------------------------------------------------------------------


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
        lookups=_lookups_out(
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


# ------------------------------------------------------------------------------------------
# Lookups written beside the geometry
# ------------------------------------------------------------------------------------------


def _lookups_out(
    area: Area,
    lookups: Lookups,
    places: pd.DataFrame,
    lad_names: dict[str, str],
    region_of: dict[str, str],
    region_names: dict[str, str],
) -> Lookups:
    """The normalised lookups for ``data/geo``: the area's LSOAs, LSOA 2011 -> 2021 pairs
    touching it, every LAD known (former codes pointing at today's), and sub-ICB -> LAD."""
    succ = _successors(area, lookups)
    out = Lookups()
    out.lsoa21 = places.reindex(columns=LSOA21_COLUMNS).reset_index(drop=True)
    lsoa11 = lookups.lsoa11.copy()
    lsoa11["lad_code"] = lsoa11["lad_code"].map(
        lambda c: succ.get(c, c) if isinstance(c, str) else c
    )
    out.lsoa11 = lsoa11[
        lsoa11["lad_code"].isin(area.lad_codes) | lsoa11["lsoa21_code"].isin(places["lsoa_code"])
    ].reset_index(drop=True)
    configured = pd.DataFrame(
        {
            "lad_code": list(area.lad_codes),
            "lad_name": [lad_names.get(c) for c in area.lad_codes],
            "active_code": list(area.lad_codes),
            "region_code": [region_of.get(c) for c in area.lad_codes],
            "region_name": [region_names.get(region_of.get(c, "")) for c in area.lad_codes],
        }
    )
    former = pd.DataFrame(
        {
            "lad_code": list(area.predecessor_map),
            "lad_name": [lad_names.get(c) for c in area.predecessor_map],
            "active_code": list(area.predecessor_map.values()),
            "region_code": [region_of.get(c) for c in area.predecessor_map.values()],
            "region_name": [
                region_names.get(region_of.get(c, "")) for c in area.predecessor_map.values()
            ],
        }
    )
    out.add_lads(configured)
    out.add_lads(former)
    out.add_lads(lookups.lads)
    rows = []
    for h in area.health_areas:
        for lad in h.lads:
            rows.append(
                {
                    "subicb_code": h.gss or None,
                    "subicb_ods": h.code,
                    "subicb_name": h.name,
                    "short_name": h.short_name,
                    "icb_ods": h.icb,
                    "icb_code": h.icb_gss,
                    "lad_code": lad,
                }
            )
    if rows:
        out.subicb = pd.DataFrame(rows)
    out.msoa_names = {
        k: v for k, v in lookups.msoa_names.items() if k in set(places["msoa_code"].dropna())
    }
    return out


# ------------------------------------------------------------------------------------------
# Writing: a temporary folder, swapped in whole
# ------------------------------------------------------------------------------------------


def write(build: GeoBuild, out_dir: Path) -> Path:
    """Write every level, the lookups and ``manifest.json``; swap the folder in at the end.

    An existing ``out_dir`` is replaced only if it was written by this command (it holds a
    manifest) or is empty, so a mistyped ``--out`` cannot swallow another folder.
    """
    out_dir = Path(out_dir).resolve()
    if out_dir.exists() and (
        not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MANIFEST).exists())
    ):
        raise GeoError(
            f"{out_dir} exists and was not written by `python -m geo build` (no {MANIFEST}); "
            "choose a new or empty folder for --out."
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    try:
        for level, gdf in build.levels.items():
            gdf.to_parquet(tmp / LEVEL_FILES[level], index=False)
        lookup_files = write_lookups(build.lookups, tmp)
        manifest = {
            "built_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
            "mode": build.mode,
            "origin": build.origin,
            "is_schematic": build.is_schematic,
            "area": {
                "code": build.area.code,
                "name": build.area.name,
                "lads": list(build.area.lad_codes),
                "config": str(build.area.source) if build.area.source else None,
            },
            "levels": {
                level: {k: v for k, v in vars(st).items() if v not in (None, "")}
                for level, st in build.stats.items()
            },
            "files": sorted(
                [*(LEVEL_FILES[x] for x in build.levels), *(p.name for p in lookup_files)]
            ),
            "notes": build.notes,
            "skipped": build.skipped,
            "licence": (
                "Source: Office for National Statistics licensed under the Open Government "
                "Licence v.3.0. Contains OS data © Crown copyright and database right."
            ),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), "utf-8")
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    build.out_dir = out_dir
    return out_dir


def _swap(tmp: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.replace(tmp, out_dir)
        return
    old = out_dir.parent / f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}"
    os.replace(out_dir, old)
    try:
        os.replace(tmp, out_dir)
    except OSError:
        os.replace(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------


def run(
    mode: str,
    out_dir: Path | None = None,
    *,
    from_dir: Path | None = None,
    area: Area | None = None,
    client=None,
    show_progress: bool = False,
    layer_options: dict | None = None,
    live_config: dict | None = None,
) -> GeoBuild:
    """Build and write the map geometry: ``mode`` is ``live``, ``files`` or ``sample``.

    ``client`` (an :class:`core.http.HttpClient`), ``layer_options`` (for
    :class:`geo.arcgis.FeatureLayer`) and ``live_config`` (default ``geo/live_sources.toml``)
    tune the live mode.

    Raises LiveUnavailable (live mode, no network and nothing cached), BoundaryError or
    LookupError_ (bad input; nothing written), GeoError.
    """
    area = area or load_area()
    out_dir = Path(out_dir) if out_dir else geo_dir()
    steps = {"sample": 2, "files": 6, "live": 12}[mode]
    bar = tqdm(
        total=steps, desc="Map geometry", disable=not show_progress, file=sys.stderr, leave=False
    )

    def step(what: str) -> None:
        bar.set_postfix_str(what)
        bar.update(1)

    try:
        if mode == "sample":
            step("Laying out hexagons")
            build = sample(area)
        elif mode == "files":
            if from_dir is None:
                raise GeoError("--from needs a folder of boundary files")
            step(f"Scanning {from_dir}")
            build = assemble(area, from_folder(Path(from_dir)), step)
        elif mode == "live":
            from core.http import HttpClient, NetworkUnavailable
            from geo.live import fetch

            client = client or HttpClient()
            try:
                sources = fetch(
                    area, client, config=live_config, step=step, layer_options=layer_options
                )
            except NetworkUnavailable as exc:
                raise LiveUnavailable(str(exc)) from exc
            build = assemble(area, sources, step)
        else:
            raise GeoError(f"unknown build mode {mode!r}")
        step("Writing")
        write(build, out_dir)
    finally:
        bar.close()
    return build
