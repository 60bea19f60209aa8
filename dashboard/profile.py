"""A place's profile: every indicator against its region, England and the partnership.

For each indicator the place's latest figure is compared with each comparator's figure for the
same period, with a Fingertips-style verdict. Where an indicator is not published for the place
itself (a neighbourhood for an Annual Population Survey rate; a local authority for fit notes),
the figure of the nearest wider area that has one is shown and labelled as covering that area.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.area import ENGLAND_CODE
from dashboard import db
from dashboard.compare import change, verdict, year_before
from dashboard.display import Comparator, figure_table
from dashboard.formatting import level_name, short_health_name, total_title


@dataclass(frozen=True)
class Place:
    """The place profiled and the areas it is compared with."""

    code: str
    name: str
    level: str
    region_code: str | None
    lad_code: str | None
    chain: tuple[str, ...]  # wider areas that may stand in for it, nearest first
    comparators: tuple[tuple[str, str], ...]  # (role, area_code): england, region, partnership, lad


def place(area_code: str, areas: pd.DataFrame, subicb: pd.DataFrame, partnership: str) -> Place:
    """Work out the wider areas and comparators of ``area_code`` from the areas table."""
    by_code = areas.set_index("area_code")
    row = by_code.loc[area_code]
    level = str(row["area_level"])
    chain: list[str] = []
    parent = row["parent_code"]
    while isinstance(parent, str) and parent in by_code.index and parent != partnership:
        chain.append(parent)
        parent = by_code.loc[parent]["parent_code"]
    lad = row["lad_code"] if isinstance(row["lad_code"], str) else None
    if level == "lad":
        lad = area_code
    if lad:
        chain += list(subicb.loc[subicb["lad_code"] == lad, "subicb_code"])
    region = row["region_code"] if isinstance(row["region_code"], str) else None
    comps: list[tuple[str, str]] = []
    if level in ("lsoa", "msoa") and lad:
        comps.append(("lad", lad))
    if region and level != "region":
        comps.append(("region", region))
    if area_code != partnership and level not in ("region", "country"):
        comps.append(("partnership", partnership))
    if area_code != ENGLAND_CODE:
        comps.append(("england", ENGLAND_CODE))
    return Place(area_code, str(row["display_name"]), level, region, lad, tuple(chain),
                 tuple(comps))


def _latest(rows: pd.DataFrame) -> pd.Series | None:
    if rows.empty:
        return None
    return rows.sort_values(["period_end", "period_start"]).iloc[-1]


def _same_period(rows: pd.DataFrame, ref: pd.Series) -> pd.Series | None:
    hit = rows[(rows["period_start"] == ref["period_start"])
               & (rows["period_end"] == ref["period_end"])]
    return None if hit.empty else hit.iloc[0]


def profile(
    p: Place, obs: pd.DataFrame, indicators: pd.DataFrame, names: dict[str, str]
) -> pd.DataFrame:
    """One row per indicator with figures for the place (or a wider area standing in for it).

    Columns: indicator_id, title, unit, unit_label, decimals, polarity, period, value, ci_lower,
    ci_upper, status, covers (empty, or a badge such as ``BLMK-wide``), covers_name (the wider
    area the figure is for), figure_area, n_periods, ``change`` (a
    :class:`~dashboard.compare.Verdict` on the change from a year earlier), then for
    each comparator role: ``<role>_name``, ``<role>_value``, ``<role>_verdict`` (a
    :class:`~dashboard.compare.Verdict`).
    """
    out = []
    for ind in indicators.itertuples(index=False):
        mine = obs[obs["indicator_id"] == ind.indicator_id]
        if mine.empty:
            continue
        source_code, covers, covers_name = p.code, "", ""
        own = mine[mine["area_code"] == p.code]
        if own.empty:
            for wider in p.chain:
                cand = mine[mine["area_code"] == wider]
                if not cand.empty:
                    source_code, own = wider, cand
                    covers_name = names.get(wider, wider)
                    covers = (f"{short_health_name(covers_name)}-wide"
                              if wider.startswith("E38") else f"{covers_name}-wide")
                    break
        latest = _latest(own)
        if latest is None:
            continue
        row = {
            "indicator_id": ind.indicator_id,
            "title": ind.title,
            "unit": ind.unit,
            "unit_label": ind.unit_label,
            "decimals": int(ind.decimals),
            "polarity": ind.polarity,
            "period": latest["period"],
            "period_start": latest["period_start"],
            "period_end": latest["period_end"],
            "value": latest["value"],
            "ci_lower": latest["ci_lower"],
            "ci_upper": latest["ci_upper"],
            "status": latest["status"],
            "covers": covers,
            "covers_name": covers_name,
            "figure_area": source_code,
            "n_periods": int(own["period"].nunique()),
        }
        before = year_before(own, latest)
        row["change"] = change(
            latest["value"], latest["ci_lower"], latest["ci_upper"],
            None if before is None else before["value"],
            None if before is None else before["ci_lower"],
            None if before is None else before["ci_upper"],
            ind.polarity, unit=ind.unit, decimals=int(ind.decimals),
            since="a year earlier" if before is None else str(before["period"]),
        )
        for role, code in p.comparators:
            if code == source_code:
                comp = None
            else:
                comp = _same_period(mine[mine["area_code"] == code], latest)
            name = names.get(code, code)
            ref = None if comp is None else comp["value"]
            row[f"{role}_name"] = name
            row[f"{role}_value"] = ref
            row[f"{role}_verdict"] = verdict(
                latest["value"], latest["ci_lower"], latest["ci_upper"], ref, ind.polarity, name
            )
        out.append(row)
    return pd.DataFrame(out)


def figures(p: Place, table: pd.DataFrame, names: dict[str, str], figure: str) -> pd.DataFrame:
    """A :func:`profile` as the page's table: each indicator's figure (headed ``figure``) with its
    period, interval, change on a year earlier and the area it covers when a wider area's figure
    stands in, then one column per comparator (``vs England``: the verdict against its figure
    and the figure, ``Worse than 76.0%``, or the figure alone), and the status."""
    return figure_table(
        table.assign(indicator=[total_title(t) for t in table["title"]]),
        columns=("place", "period", "figure", "ci", "change", "covers", "versus", "status"),
        against=[Comparator(names.get(c, c), table[f"{role}_value"]) for role, c in p.comparators],
        label="indicator",
        headers={"place": "Indicator", "figure": figure, "covers": "Figure covers"},
        keep=("versus",),
        once=(),
    )


def wider_figures(p: Place, table: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Rows of a :func:`profile` whose figure is a wider area's (all for one area), as a table
    under that area's name: its figure, period and interval, and the comparators' figures for
    the same period. No verdicts: those belong to the wider area's own profile."""
    area = str(table["figure_area"].iloc[0])
    comps = [(role, c) for role, c in p.comparators if c != area]
    return figure_table(
        table.assign(indicator=[total_title(t) for t in table["title"]]),
        columns=("place", "period", "figure", "ci", "values", "status"),
        against=[Comparator(names.get(c, c), table[f"{role}_value"]) for role, c in comps],
        label="indicator",
        headers={"place": "Indicator", "figure": names.get(area, area)},
        once=(),
    )


def describe(p: Place, names: dict[str, str]) -> str:
    """``Neighbourhood (MSOA) in Luton, East of England``."""
    kind = level_name(p.level, singular=True)
    parts = [kind[:1].upper() + kind[1:]]
    if p.lad_code and p.lad_code != p.code:
        parts.append(f"in {names.get(p.lad_code, p.lad_code)}")
    if p.region_code:
        parts.append(f"({names.get(p.region_code, p.region_code)})")
    return " ".join(parts)


def cached_profile(
    p: Place, obs: pd.DataFrame, indicators: pd.DataFrame, names: dict[str, str]
) -> pd.DataFrame:
    """:func:`profile`, kept per warehouse version, place and indicators shown.

    The page reruns on every click (a section opened, a trend drawn) while the table changes only
    with the place, the challenge or a new build; building it walks every indicator's rows.
    """
    return _profile_for(db.version(), p.code, p.comparators, tuple(indicators["indicator_id"]),
                        p, obs, indicators, names)


@st.cache_data(max_entries=64, show_spinner=False)
def _profile_for(
    version: str,
    code: str,
    comparators: tuple[tuple[str, str], ...],
    indicator_ids: tuple[str, ...],
    _p: Place,
    _obs: pd.DataFrame,
    _indicators: pd.DataFrame,
    _names: dict[str, str],
) -> pd.DataFrame:
    # Keyed on (version, code, comparators, indicator_ids): the underscored arguments follow.
    return profile(_p, _obs, _indicators, _names)
