"""Turn records into indicator observations by following the catalogue's recipes."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from core.errors import ExtractError
from etl.catalogue import Indicator, Recipe
from etl.records import MEASURES, normalise_label, worse_status, worst_of_groups

KEY = ["area_code", "period_start", "period_end", "breakdown"]
OBS_COLUMNS = [
    "indicator_id",
    "area_code",
    "area_name",
    "geo_vintage",
    "period_start",
    "period_end",
    "period_label",
    "breakdown",
    "value",
    "numerator",
    "denominator",
    "ci_lower",
    "ci_upper",
    "status",
    "source_id",
    # Kept while building, not written: where the numerator and denominator came from, and the
    # 95% interval (half-width) of the numerator count where the source publishes one.
    "counts_source",
    "numerator_ci_half",
]
_FILLABLE = ["numerator", "denominator", "ci_lower", "ci_upper"]
_WITH_COUNTS = ["counts_source", "numerator_ci_half"]  # filled together with the numerator


def _worst_across(columns: list[np.ndarray]) -> np.ndarray:
    """Row by row, the most serious status of the columns (the first column's on a tie)."""
    n = len(columns[0])
    statuses = np.concatenate([np.asarray(c, dtype=object) for c in columns])
    return worst_of_groups(statuses, np.tile(np.arange(n), len(columns)), n)


def _runs(recs: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The rows in order of the (number) columns ``cols``, rows of equal values kept in their
    order, and whether each of those rows but the first has the values of the row before."""
    keys = [recs[c].to_numpy() for c in cols]
    order = np.lexsort(keys[::-1])  # a stable sort, the first column first
    same = np.ones(max(len(order) - 1, 0), dtype=bool)
    for key in keys:
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
    return order, same


def _check_unique(recs: pd.DataFrame, cols: list[str]) -> None:
    order, same = _runs(recs, cols)
    if same.any():
        repeated = np.zeros(len(order), dtype=bool)
        repeated[1:] |= same
        repeated[:-1] |= same
        dup = np.zeros(len(order), dtype=bool)
        dup[order] = repeated  # as ``duplicated(cols, keep=False)``
        row = recs[dup].iloc[0]
        raise ExtractError(
            row["origin"],
            f"duplicate rows for one figure: area {row['area_code']}, period "
            f"{row['period_label']}, category {row['category']!r}, measure {row['measure']}",
            line=None if pd.isna(row["line"]) else int(row["line"]),
        )


def _first_rows(group: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The groups with a row in ``mask``, and the first such row of each (rows in order)."""
    rows = np.flatnonzero(mask)
    groups, at = np.unique(group[rows], return_index=True)
    return groups, rows[at]


def sorted_numbers(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """A number for each row, equal where the rows' values of ``cols`` are and ordered as the
    rows sorted by them (a missing value sorts last), as ``groupby(cols, sort=True,
    dropna=False)`` orders its groups: each column's values numbered in sorted order, read as
    the digits of one number."""
    number = np.zeros(len(frame), dtype=np.int64)
    size = 1
    for c in cols:
        codes, distinct = pd.factorize(frame[c], sort=True, use_na_sentinel=False)
        if size * max(len(distinct), 1) >= 2**62:  # too many digits: renumber densely first
            number = np.unique(number, return_inverse=True)[1].reshape(-1)
            size = int(number.max()) + 1
        number = number * len(distinct) + codes
        size *= max(len(distinct), 1)
    return number


def numbered(recs: pd.DataFrame) -> pd.DataFrame:
    """A dataset's records with the numbers recipes match rows by, worked out once for all of
    them rather than for each recipe: ``_figure`` numbers each key and category in sorted order
    (see :func:`sorted_numbers`), ``_measure`` each measure, ``_source`` each source."""
    return recs.assign(
        _figure=sorted_numbers(recs, [*KEY, "norm"]),
        _measure=pd.factorize(recs["measure"])[0],
        _source=pd.factorize(recs["source_id"])[0],
    )


def _pivot(recs: pd.DataFrame) -> pd.DataFrame:
    """One row per key+category with a column per measure (every one of ``MEASURES``, NaN where
    none is published), plus the worst status and a source.

    As ``groupby(key + category)`` with ``first()`` (the first value that is not missing) of the
    value under each measure and of each column kept, worked out on the groups' numbers (the
    records' ``_figure``, see :func:`numbered`).
    """
    cols = [*KEY, "norm"]
    # Groups, not pivot_table(dropna=False): that would pair every area with every period (the
    # full product of the index levels) and invent rows no source published.
    group = np.unique(recs["_figure"].to_numpy(), return_inverse=True)[1].reshape(-1)
    n = int(group.max()) + 1
    _, first = _first_rows(group, np.ones(len(group), dtype=bool))
    data: dict[str, object] = {c: pd.Index(recs[c].to_numpy(dtype=object)[first]) for c in cols}
    measures = recs["measure"].to_numpy(dtype=object)
    values = recs["value"].to_numpy(dtype=np.float64)
    published = ~np.isnan(values)
    for m in sorted(set(measures.tolist())):
        column = np.full(n, np.nan)
        groups, rows = _first_rows(group, (measures == m) & published)
        column[groups] = values[rows]
        data[str(m)] = column
    for m in MEASURES:
        if m not in data:
            data[m] = np.full(n, np.nan)
    data["status"] = worst_of_groups(recs["status"].to_numpy(), group, n)
    for c in ("source_id", "area_name", "geo_vintage", "period_label"):
        source = recs[c]
        given = source.to_numpy(dtype=object)
        column = given[first]
        if pd.isna(column).any():  # a group's first row has none: its first row with one
            column = np.full(n, None, dtype=object)
            groups, rows = _first_rows(group, pd.notna(given))
            column[groups] = given[rows]
        data[c] = pd.Series(column, dtype=source.dtype)
    return pd.DataFrame(data)


def _sum_parts(
    counted: np.ndarray, status: np.ndarray, parts: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Categories added up row by row, leaving out parts too small to publish: the sum (NaN where
    every part is withheld), whether a part was left out, and the worst status of the parts
    that count (of all of them where none does)."""
    withheld = [np.isnan(counted[at]) for at in parts]
    total = sum(np.nan_to_num(counted[at]) for at in parts)
    none_left = np.logical_and.reduce(withheld)
    total = np.where(none_left, np.nan, total)
    kept = [np.where(gone, None, status[at]) for gone, at in zip(withheld, parts, strict=True)]
    worst = _worst_across(kept)
    everything = _worst_across([status[at] for at in parts])
    worst = np.where(none_left, everything, worst)
    return total, np.logical_or.reduce(withheld) & ~none_left, worst


def _across_categories(wide: pd.DataFrame, recipe: Recipe) -> pd.DataFrame:
    """Figures made from several categories of one place, period and breakdown: numerator over
    denominator (``ratio``; either may be a sum of categories), or categories added up less
    others (``sum``), where every category has a row.

    ``wide`` comes from :func:`_pivot`, so its rows run in order of key, then category: the
    figures come out in key order. A ratio over a sum of categories (a group's share of its
    total) takes its 95% interval from the numerator counts' published intervals alone; a part
    of either sum too small to publish is left out and the figure flagged estimated.
    """
    key = _key_numbers(wide)
    norm = wide["norm"].to_numpy(dtype=object)
    ratio = recipe.kind == "ratio"
    over_sum = ratio and bool(recipe.denominator_sum)
    if ratio:
        tops = [normalise_label(x) for x in recipe.numerators()]
        bottoms = [normalise_label(x) for x in recipe.denominator_sum or (recipe.denominator,)]
    else:
        tops = [normalise_label(x) for x in recipe.sum]
        bottoms = [normalise_label(x) for x in recipe.subtract]
    parts = list(dict.fromkeys([*tops, *bottoms]))
    rows = {lab: np.flatnonzero(norm == lab) for lab in parts}
    common = key[rows[parts[0]]]
    for lab in parts[1:]:
        common = np.intersect1d(common, key[rows[lab]])
    # Each category's row for each common key (a category has one row per key).
    at = {lab: rows[lab][np.searchsorted(key[rows[lab]], common)] for lab in parts}
    if recipe.measure:
        counted = wide[recipe.measure].to_numpy(dtype=np.float64)
    else:
        count = wide["count"].to_numpy(dtype=np.float64)
        counted = np.where(np.isnan(count), wide["value"].to_numpy(dtype=np.float64), count)
    status = wide["status"].to_numpy(dtype=object)
    first = wide[[*KEY, "source_id", "area_name", "geo_vintage", "period_label"]]
    data: dict[str, object] = dict(first.iloc[at[tops[0]]].reset_index(drop=True).items())
    none = np.full(len(common), np.nan)
    data["ci_lower"] = none
    data["ci_upper"] = none
    if not ratio:
        total = sum(counted[at[lab]] for lab in tops)
        data["value"] = total - sum((counted[at[lab]] for lab in bottoms), np.zeros(len(common)))
        data["numerator"] = none
        data["denominator"] = none
        data["numerator_ci_half"] = none
        data["status"] = _worst_across([status[at[lab]] for lab in parts])
        return pd.DataFrame(data)
    if len(tops) > 1:
        n, n_part_missing, n_status = _sum_parts(counted, status, [at[lab] for lab in tops])
    else:
        n, n_part_missing, n_status = counted[at[tops[0]]], np.zeros(len(common), bool), None
    if over_sum:
        d, d_part_missing, _ = _sum_parts(counted, status, [at[lab] for lab in bottoms])
        # The figure's reliability is its numerator's; a left-out part makes it estimated.
        statuses = n_status if n_status is not None else status[at[tops[0]]]
        statuses = np.array([x if isinstance(x, str) else None for x in statuses], dtype=object)
        part_missing = n_part_missing | d_part_missing
        statuses[part_missing] = [worse_status(x, "estimated") for x in statuses[part_missing]]
    else:
        d = counted[at[bottoms[0]]]
        statuses = _worst_across([status[at[lab]] for lab in parts])
        statuses[n_part_missing] = [worse_status(x, "estimated") for x in statuses[n_part_missing]]
    data["numerator"] = n
    data["denominator"] = d
    # The numerator count's published 95% half-width (combined as independent where it is a sum).
    halves = wide["ci_half"].to_numpy(dtype=np.float64)
    data["numerator_ci_half"] = np.sqrt(sum(halves[at[lab]] ** 2 for lab in tops))
    with np.errstate(divide="ignore", invalid="ignore"):
        data["value"] = np.where(d > 0, recipe.scale * n / d, np.nan)
        if over_sum:
            # The counts' intervals combined as independent; a published count without one
            # leaves the figure without one (a part too small to publish adds nothing).
            halves = wide["ci_half"].to_numpy(dtype=np.float64)
            half = np.sqrt(sum(np.nan_to_num(halves[at[lab]]) ** 2 for lab in tops))
            unknown = np.logical_or.reduce(
                [np.isnan(halves[at[lab]]) & ~np.isnan(counted[at[lab]]) for lab in tops]
            )
            half = np.where(unknown | np.isnan(n), np.nan, half)
            margin = np.where(d > 0, recipe.scale * half / d, np.nan)
            data["ci_lower"] = np.maximum(data["value"] - margin, 0.0)
            data["ci_upper"] = np.minimum(data["value"] + margin, recipe.scale)
    data["status"] = statuses
    return pd.DataFrame(data)


def _gap(wide: pd.DataFrame, recipe: Recipe) -> pd.DataFrame:
    """The gap between two breakdowns of one category, as a share of the first: (first -
    second) / first x scale, for each place and period both have (breakdown ``total``)."""
    first_b, second_b = recipe.gap
    value = wide["value"].fillna(wide["count"])
    cols = ["area_code", "period_start", "period_end"]
    sides = []
    for b in (first_b, second_b):
        side = wide[wide["breakdown"] == b].assign(v=value)
        sides.append(side[[*cols, "v", "status", "source_id", "area_name", "geo_vintage",
                           "period_label"]])
    both = sides[0].merge(sides[1][[*cols, "v", "status"]], on=cols, suffixes=("", "_2"))
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(both["v"] > 0, recipe.scale * (both["v"] - both["v_2"]) / both["v"], np.nan)
    out = both[[*cols, "source_id", "area_name", "geo_vintage", "period_label"]].copy()
    out["breakdown"] = "total"
    out["value"] = gap
    for c in ("numerator", "denominator", "ci_lower", "ci_upper"):
        out[c] = np.nan
    out["status"] = _worst_across([both["status"].to_numpy(), both["status_2"].to_numpy()])
    return out


def _key_numbers(wide: pd.DataFrame) -> np.ndarray:
    """Each row's key (place, period, breakdown) numbered in order; rows of one key are
    together, as :func:`_pivot` sorts them (two missing values count as the same)."""
    change = np.zeros(len(wide), dtype=bool)
    change[:1] = True
    for c in KEY:
        v = wide[c].to_numpy(dtype=object)
        missing = pd.isna(v)
        change[1:] |= (v[1:] != v[:-1]) & ~(missing[1:] & missing[:-1])
    return np.cumsum(change) - 1


def _newest(recs: pd.DataFrame) -> pd.DataFrame:
    """One row per figure and measure: of rows from two files (an overlap, or a re-download),
    the newest retrieval's (as sorting by ``retrieved_rank``, then ``drop_duplicates`` keeping
    the last)."""
    recs = recs.sort_values("retrieved_rank")
    order, same = _runs(recs, ["_figure", "_measure"])
    if not same.any():
        return recs
    last = np.ones(len(order), dtype=bool)
    last[:-1] = ~same
    keep = np.zeros(len(order), dtype=bool)
    keep[order] = last
    return recs[keep]


def apply_recipe(indicator: Indicator, recipe: Recipe, recs: pd.DataFrame) -> pd.DataFrame:
    """Observations of ``indicator`` made by ``recipe`` from one dataset's records."""
    labels = [normalise_label(x) for x in recipe.labels()]
    keep = recs["norm"].isin(labels)
    wanted = recipe.gap or recipe.breakdowns
    if wanted:
        keep &= recs["breakdown"].isin(wanted)
    recs = recs[keep]
    if recs.empty:
        return pd.DataFrame(columns=OBS_COLUMNS)
    if "_figure" not in recs:
        recs = numbered(recs)
    _check_unique(recs, ["_figure", "_measure", "_source"])
    wide = _pivot(_newest(recs))

    if recipe.kind == "direct":
        out = wide.copy()
        out["value"] = out["value"].fillna(out["count"])
        # A coefficient of variation (ASHE) gives the interval +/- 1.96 standard errors.
        half = out["ci_half"].fillna(1.96 * out["cv"] / 100 * out["value"])
        out["ci_lower"] = out["ci_lower"].fillna(out["value"] - half)
        out["ci_upper"] = out["ci_upper"].fillna(out["value"] + half)
    elif recipe.kind == "gap":
        out = _gap(wide, recipe)
    else:
        out = _across_categories(wide, recipe)
    out["indicator_id"] = indicator.id
    if "numerator_ci_half" not in out:
        out["numerator_ci_half"] = np.nan
    counted = out["numerator"].notna() & out["denominator"].notna()
    out["counts_source"] = out["source_id"].where(counted, None)
    # A figure with a status that withholds it keeps no number (never a 0 or a stale value).
    withheld = out["status"].isin(["suppressed", "missing", "not_applicable"])
    if withheld.any():
        out.loc[withheld, ["value", "ci_lower", "ci_upper"]] = np.nan
    return out[OBS_COLUMNS]


def _rounding_slack(both: pd.DataFrame, recipe: Recipe) -> pd.Series:
    """How far a rate made from counts rounded to 10, 100 or 1,000 may stray from the exact rate.

    APS counts are published to the nearest hundred, so a rate computed from them can differ
    from the published rate by more than its last decimal; the two still describe one figure.
    """
    slack = pd.Series(0.0, index=both.index)
    if recipe.kind != "ratio" or "numerator_alt" not in both:
        return slack
    num, den = both["numerator_alt"], both["denominator_alt"]
    base = pd.Series(0.0, index=both.index)
    for step in (10.0, 100.0, 1000.0):
        base = base.mask((num % step == 0) & (den % step == 0) & (den > 0), step)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = recipe.scale * (base / 2) * (num.abs() + den) / den**2
    return bound.where(np.isfinite(bound), 0.0).fillna(0.0)


def build_indicator(
    indicator: Indicator,
    records_by_dataset: dict[str, pd.DataFrame],
    confirmed: Counter | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """All observations for one indicator, merging recipes in order of preference.

    Returns the observations and notes for the build summary (e.g. disagreements between
    sources for the same figure). ``confirmed`` counts, per source, the figures it gave that
    agree with a preferred source's (kept under that source).
    """
    notes: list[str] = []
    merged: pd.DataFrame | None = None
    tolerance = 0.51 * 10 ** (-indicator.decimals)
    for recipe in indicator.recipes:
        recs = records_by_dataset.get(recipe.dataset)
        if recs is None or recs.empty:
            continue
        obs = apply_recipe(indicator, recipe, recs)
        if obs.empty:
            continue
        if merged is None:
            merged = obs
            continue
        both = merged.merge(
            obs[[*KEY, "value", *_FILLABLE, *_WITH_COUNTS, "source_id"]],
            on=KEY,
            how="left",
            suffixes=("", "_alt"),
            indicator=True,
        )
        slack = tolerance + _rounding_slack(both, recipe)
        agree = (both["value"] - both["value_alt"]).abs() <= slack
        disagree = (both["_merge"] == "both") & both["value"].notna() & both["value_alt"].notna()
        n_conflict = int((disagree & ~agree).sum())
        if confirmed is not None:
            confirmed.update(both.loc[disagree & agree, "source_id_alt"].dropna().tolist())
        if n_conflict:
            notes.append(
                f"{indicator.id}: {n_conflict} figure(s) from {recipe.dataset} differ from the "
                "preferred source and were not used"
            )
        takes_counts = agree & both["numerator"].isna() & both["numerator_alt"].notna()
        for col in _WITH_COUNTS:
            both.loc[takes_counts, col] = both.loc[takes_counts, f"{col}_alt"]
        for col in _FILLABLE:
            fill = agree & both[col].isna()
            both.loc[fill, col] = both.loc[fill, f"{col}_alt"]
        merged = both[OBS_COLUMNS]
        extra = obs.merge(merged[KEY], on=KEY, how="left", indicator=True)
        extra = extra[extra["_merge"] == "left_only"].drop(columns="_merge")
        if not extra.empty:
            merged = pd.concat([merged, extra[OBS_COLUMNS]], ignore_index=True)
    if merged is None:
        return pd.DataFrame(columns=OBS_COLUMNS), notes
    merged = merged.reset_index(drop=True)
    merged["period_label"] = _period_labels(merged)
    return merged, notes


def _period_labels(obs: pd.DataFrame) -> np.ndarray:
    """One label for each period: sources label the same period differently ("2022", "Jan
    2022-Dec 2022"), so each takes its most common label (of equally common ones, the first in
    sort order, as ``Series.mode``), and a calendar year reads as its year."""
    numbers = sorted_numbers(obs, ["period_start", "period_end"])
    period = np.unique(numbers, return_inverse=True)[1].reshape(-1)
    label, distinct = pd.factorize(obs["period_label"], sort=True)  # a missing label is -1
    counted = label >= 0
    pairs, tally = np.unique(period[counted] * len(distinct) + label[counted], return_counts=True)
    which, text = np.divmod(pairs, max(len(distinct), 1))
    order = np.lexsort((text, -tally, which))  # by period, the most common first
    top = order[np.r_[True, which[order][1:] != which[order][:-1]]]
    labels = np.full(int(period.max()) + 1, None, dtype=object)
    labels[which[top]] = np.asarray(distinct, dtype=object)[text[top]]
    first = np.unique(period, return_index=True)[1]
    starts = obs["period_start"].to_numpy(dtype=object)[first]
    ends = obs["period_end"].to_numpy(dtype=object)[first]
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        if pd.isna(start) or pd.isna(end):
            labels[i] = None  # no label, as a groupby leaves a missing period
        elif _calendar_year(pd.Timestamp(start), pd.Timestamp(end)):
            labels[i] = str(pd.Timestamp(start).year)
    return labels[period]


def _calendar_year(start: pd.Timestamp, end: pd.Timestamp) -> bool:
    return (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and (
        start.year == end.year
    )
