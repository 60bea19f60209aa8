"""Figures for areas made of other areas: the partnership, neighbourhood parents, merged LADs.

Rates are recomputed from summed numerators and denominators, never by averaging rates; counts
are summed. A parent figure is made only when every one of its parts has one for the same period
and none is withheld, and it never replaces a figure the source published for the parent itself.

A rate made from survey counts whose parts publish an interval (for the rate, or for the
numerator count) gets an approximate 95% interval: the parts' standard errors of the numerator
combined in quadrature (independent samples), over the summed denominator; a part published
without one (a count too small to be reliable) takes the others' error scaled by the square root
of its count. Its source is the dataset the counts came from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.catalogue import Indicator
from etl.recipes import OBS_COLUMNS, sorted_numbers
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
    "counts_source",
    "numerator_ci_half",
    "ci_lower",
    "ci_upper",
]
_WITHHELD = {"suppressed", "missing", "not_applicable"}
_NONE = pd.DataFrame(columns=OBS_COLUMNS)  # no new rows (copied: a caller may add to it)


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


def _numerator_se(parts: pd.DataFrame, scale: float) -> np.ndarray:
    """Each part's standard error of its numerator: from the rate's published 95% interval
    (times the denominator), else from the count's (which, ignoring that numerator and
    denominator come from one sample, overstates it); NaN where neither is published."""
    from_count = parts["numerator_ci_half"].to_numpy(dtype=np.float64) / 1.96
    width = (parts["ci_upper"] - parts["ci_lower"]).to_numpy(dtype=np.float64)
    den = parts["denominator"].to_numpy(dtype=np.float64)
    from_rate = width / (2 * 1.96) * den / scale
    return np.where(np.isnan(from_rate), from_count, from_rate)


def _fill_small(se: np.ndarray, num: np.ndarray) -> np.ndarray:
    """Standard errors for the parts published without an interval (counts too small to be
    reliable), scaled from the others as the square root of the count; NaN without any."""
    known = ~np.isnan(se) & (num > 0)
    if known.all() or not known.any():
        return se
    per_root = float(np.median(se[known] / np.sqrt(num[known])))
    return np.where(np.isnan(se), per_root * np.sqrt(np.maximum(num, 0.0)), se)


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
        return _NONE.copy()
    child_parent = {c: p for p, kids in members.items() for c in kids}
    codes = obs["area_code"]
    is_part = among(codes, child_parent)
    if not is_part.any():
        return _NONE.copy()
    parts = obs.loc[is_part, _USED]
    parts["parent"] = [child_parent[c] for c in parts["area_code"].tolist()]
    own = np.flatnonzero(among(codes, members))  # parents' own rows, kept as published
    existing = (
        set(map(tuple, obs[["area_code", *GROUP]].iloc[own].astype(str).to_numpy()))
        if len(own)
        else set()
    )
    scale = _scale(obs, indicator)
    cols = ["parent", *GROUP]
    _, firsts, group = np.unique(
        sorted_numbers(parts, cols), return_index=True, return_inverse=True
    )
    group = group.reshape(-1)
    # Each group's parent, period and breakdown, from its first row.
    keys = zip(*(parts[c].to_numpy(dtype=object)[firsts] for c in cols), strict=True)
    order = np.argsort(group, kind="stable")  # each group's rows together, in their order
    bounds = np.searchsorted(group[order], np.arange(len(firsts) + 1))
    area = pd.factorize(parts["area_code"])[0]
    areas = np.unique(group * (int(area.max()) + 1) + area) // (int(area.max()) + 1)
    n_areas = np.bincount(areas, minlength=len(firsts))
    statuses = parts["status"].to_numpy(dtype=object)
    values = parts["value"].to_numpy(dtype=np.float64)
    nums = parts["numerator"].to_numpy(dtype=np.float64)
    dens = parts["denominator"].to_numpy(dtype=np.float64)
    labels = parts["period_label"].to_numpy(dtype=object)
    sources = parts["source_id"].to_numpy(dtype=object)
    count_sources = parts["counts_source"].to_numpy(dtype=object)
    se_num = _numerator_se(parts, scale)
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
        first = rows[0]
        source, lower, upper = sources[first], np.nan, np.nan
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
            if isinstance(count_sources[first], str):
                source = count_sources[first]
            se = _fill_small(se_num[rows], num_part)
            if status == "aggregated" and not np.isnan(se).any():
                margin = 1.96 * scale * float(np.sqrt(np.add.reduce(se**2))) / den
                lower, upper = max(value - margin, 0.0), value + margin
                if indicator.unit == "%":
                    upper = min(upper, 100.0)
                # The interval stands for the pooled sample: no longer "no interval".
                worst = None if worst in ("low_reliability", "aggregated") else worst
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
                "ci_lower": lower,
                "ci_upper": upper,
                "status": (
                    worst
                    if not np.isnan(lower)
                    else worse_status(status, worst if worst != "aggregated" else None)
                ),
                "source_id": source,
                "counts_source": source,
                "numerator_ci_half": np.nan,
            }
        )
    return pd.DataFrame(out, columns=OBS_COLUMNS)


def children_by_parent(areas: pd.DataFrame, child_level: str) -> dict[str, list[str]]:
    """Parent code -> codes of its children at ``child_level``, from the areas table."""
    sub = areas[(areas["area_level"] == child_level) & areas["parent_code"].notna()]
    return {p: list(g["area_code"]) for p, g in sub.groupby("parent_code")}
