"""Figures for areas made of other areas: the partnership, neighbourhood parents, merged LADs.

Rates are recomputed from summed numerators and denominators, never by averaging rates; counts
are summed. A parent figure is made only when every one of its parts has one for the same period
and none is withheld, and it never replaces a figure the source published for the parent itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.catalogue import Indicator
from etl.recipes import OBS_COLUMNS
from etl.records import among, worse_status

GROUP = ["period_start", "period_end", "breakdown"]
# The columns of the parts a parent's figure is made from.
_USED = [
    "area_code",
    *GROUP,
    "period_label",
    "value",
    "numerator",
    "denominator",
    "status",
    "source_id",
]
_WITHHELD = {"suppressed", "missing", "not_applicable"}


def _scale(rows: pd.DataFrame, indicator: Indicator) -> float:
    """The multiplier between numerator/denominator and value (100 for %, 1000 per 1,000...)."""
    value = rows["value"].to_numpy(dtype=np.float64)
    num = rows["numerator"].to_numpy(dtype=np.float64)
    den = rows["denominator"].to_numpy(dtype=np.float64)
    ok = ~np.isnan(value) & (num > 0) & (den > 0)
    if ok.any():
        median = float(pd.Series(value[ok] * den[ok] / num[ok]).median())
        for candidate in (100.0, 1000.0, 1.0, 100000.0):
            if abs(median - candidate) <= 0.05 * candidate:
                return candidate
        return median
    return 100.0 if indicator.unit == "%" else 1.0


def combine(
    obs: pd.DataFrame,
    indicator: Indicator,
    members: dict[str, list[str]],
    status: str | None = "aggregated",
) -> pd.DataFrame:
    """New rows for each parent in ``members`` (parent -> its parts) where all parts have figures.

    Parents that already have a row for a period keep it; only missing ones are made.
    """
    if indicator.aggregate == "none" or obs.empty or not members:
        return pd.DataFrame(columns=OBS_COLUMNS)
    child_parent = {c: p for p, kids in members.items() for c in kids}
    codes = obs["area_code"]
    parts = obs[_USED][among(codes, child_parent)]
    if parts.empty:
        return pd.DataFrame(columns=OBS_COLUMNS)
    parts["parent"] = [child_parent[c] for c in parts["area_code"].tolist()]
    own = np.flatnonzero(among(codes, members))  # parents' own rows, kept as published
    existing = (
        set(map(tuple, obs[["area_code", *GROUP]].iloc[own].astype(str).to_numpy()))
        if len(own)
        else set()
    )
    scale = _scale(obs, indicator)
    grouped = parts.groupby(["parent", *GROUP], dropna=False, sort=True)
    keys = grouped.size().index  # in the order of the groups' numbers
    group = grouped.ngroup().to_numpy()
    order = np.argsort(group, kind="stable")  # each group's rows together, in their order
    bounds = np.searchsorted(group[order], np.arange(len(keys) + 1))
    n_areas = grouped["area_code"].nunique().to_numpy()
    statuses = parts["status"].to_numpy(dtype=object)
    values = parts["value"].to_numpy(dtype=np.float64)
    nums = parts["numerator"].to_numpy(dtype=np.float64)
    dens = parts["denominator"].to_numpy(dtype=np.float64)
    labels = parts["period_label"].to_numpy(dtype=object)
    sources = parts["source_id"].to_numpy(dtype=object)
    out = []
    for i, (parent, *key) in enumerate(keys):
        if (parent, *map(str, key)) in existing:
            continue
        if n_areas[i] != len(members[parent]):
            continue
        rows = order[bounds[i] : bounds[i + 1]]
        worst = None
        for s in statuses[rows]:
            worst = worse_status(worst, s if isinstance(s, str) else None)
        if worst in _WITHHELD:
            continue
        if indicator.aggregate == "sum":
            part = values[rows]
            if np.isnan(part).any():
                continue
            value, num, den = float(np.add.reduce(part)), np.nan, np.nan
        else:
            num_part, den_part = nums[rows], dens[rows]
            if np.isnan(num_part).any() or np.isnan(den_part).any():
                continue
            num, den = float(np.add.reduce(num_part)), float(np.add.reduce(den_part))
            if den <= 0:
                continue
            value = scale * num / den
        first = rows[0]
        out.append(
            {
                "indicator_id": indicator.id,
                "area_code": parent,
                "area_name": None,
                "geo_vintage": None,
                "period_start": key[0],
                "period_end": key[1],
                "period_label": labels[first],
                "breakdown": key[2],
                "value": value,
                "numerator": num,
                "denominator": den,
                "ci_lower": np.nan,
                "ci_upper": np.nan,
                "status": worse_status(status, worst if worst != "aggregated" else None),
                "source_id": sources[first],
            }
        )
    return pd.DataFrame(out, columns=OBS_COLUMNS)


def children_by_parent(areas: pd.DataFrame, child_level: str) -> dict[str, list[str]]:
    """Parent code -> codes of its children at ``child_level``, from the areas table."""
    sub = areas[(areas["area_level"] == child_level) & areas["parent_code"].notna()]
    return {p: list(g["area_code"]) for p, g in sub.groupby("parent_code")}
