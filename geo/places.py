"""Places: which LSOAs and MSOAs the configured area holds, what they are called, how they nest.

:func:`place_lsoas` gives one checked row per LSOA of the area (LSOA -> MSOA -> LAD);
:func:`lookups_out` the normalised lookups a build writes beside its geometry.
"""

from __future__ import annotations

import pandas as pd

from core.area import Area
from core.errors import code_list
from core.lookups import LSOA21_COLUMNS, Lookups, check_one_parent
from geo.boundaries import Sources


def lad_names(area: Area, sources: Sources) -> dict[str, str]:
    """LAD code -> name: the lookups, gaps filled from LAD boundary files, the config winning."""
    names = sources.lookups.lad_names()
    for layer in sources.layers:
        if layer.level == "lad" and layer.name_field:
            for code, name in zip(layer.gdf["area_code"], layer.gdf["area_name"], strict=True):
                names.setdefault(code, name)
    for lad in area.lads:
        if lad.name:
            names[lad.code] = lad.name
    return names


def successors(area: Area, lookups: Lookups) -> dict[str, str]:
    """Former LAD code -> today's: the lookups, then the area config's predecessors."""
    return {**lookups.successors(), **area.predecessor_map}


def place_lsoas(area: Area, sources: Sources, lad_names: dict[str, str]) -> pd.DataFrame:
    """One row per LSOA of the configured area (:data:`LSOA21_COLUMNS`), checked.

    From the lookups; for LADs the lookups do not cover, from the LAD code the LSOA boundary
    features carry, else from their names ("<LAD name> NNNX"). MSOAs the lookups leave out
    are found by the naming rule among the MSOA boundaries.
    """
    configured = set(area.lad_codes)
    succ = successors(area, sources.lookups)
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


def lookups_out(
    area: Area,
    lookups: Lookups,
    places: pd.DataFrame,
    lad_names: dict[str, str],
    region_of: dict[str, str],
    region_names: dict[str, str],
) -> Lookups:
    """The normalised lookups for ``data/geo``: the area's LSOAs, LSOA 2011 -> 2021 pairs
    touching it, every LAD known (former codes pointing at today's), and sub-ICB -> LAD."""
    succ = successors(area, lookups)
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
