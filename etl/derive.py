"""Indicators computed from other indicators after loading (e.g. rates per 1,000 residents).

Each derivation takes all observations and the build context and returns new observation rows
(columns ``etl.recipes.OBS_COLUMNS``). They run in list order, so one may use another's output.

Rates per 1,000 residents aged 16 to 64 divide by ``population_16_64`` (ONS mid-year estimates)
of the same calendar year; where that year is not loaded the nearest loaded year is used and the
figure is flagged ``estimated``. Without any population for an area the rate is not made and a
build note says so. The youth claimant rate divides by ``population_18_24`` the same way. Modelled
vacancies by industry are in ``etl.derive_vacancies``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.area import Area
from etl.catalogue import Catalogue
from etl.derive_vacancies import vacancies_modelled_by_industry
from etl.recipes import OBS_COLUMNS
from etl.records import worse_status

Derivation = Callable[[pd.DataFrame, "Context"], pd.DataFrame]


@dataclass
class Context:
    """What derivations get to work with."""

    area: Area
    catalogue: Catalogue
    areas: pd.DataFrame
    notes: list[str]


POPULATION = "population_16_64"
WITHHELD = {"suppressed", "missing", "not_applicable"}


def _populations(obs: pd.DataFrame, indicator: str = POPULATION) -> dict[str, dict[int, float]]:
    """area -> {year: residents}, from a population indicator's usable figures."""
    pop = obs[
        (obs["indicator_id"] == indicator)
        & (obs["breakdown"] == "total")
        & obs["value"].notna()
        & ~obs["status"].isin(WITHHELD)
    ]
    out: dict[str, dict[int, float]] = {}
    for code, end, value in zip(pop["area_code"], pop["period_end"], pop["value"], strict=True):
        out.setdefault(code, {})[pd.Timestamp(end).year] = float(value)
    return out


def population_for(
    pops: dict[str, dict[int, float]], codes: Iterable[str], year: int
) -> tuple[float, int] | None:
    """Summed 16-64 population of ``codes`` for ``year``, or the nearest year all of them have.

    Returns ``(population, year used)`` or None when some area has no population at all.
    """
    codes = list(codes)
    years = None
    for code in codes:
        have = set(pops.get(code, {}))
        years = have if years is None else years & have
    if not years:
        return None
    used = min(years, key=lambda y: (abs(y - year), -y))
    return sum(pops[c][used] for c in codes), used


def _rate_row(
    row: pd.Series,
    indicator: str,
    area_code: str,
    count: float,
    den: float,
    status: str | None,
    scale: float = 1000.0,
) -> dict:
    withheld = status in WITHHELD or pd.isna(count)
    return {
        "indicator_id": indicator,
        "area_code": area_code,
        "area_name": None,
        "geo_vintage": None,
        "period_start": row["period_start"],
        "period_end": row["period_end"],
        "period_label": row["period_label"],
        "breakdown": row["breakdown"],
        "value": np.nan if withheld else scale * count / den,
        "numerator": np.nan if withheld else count,
        "denominator": den,
        "ci_lower": np.nan,
        "ci_upper": np.nan,
        "status": status,
        "source_id": row["source_id"],
    }


def _status(row_status: object, used: int, year: int, extra: str | None = None) -> str | None:
    status = row_status if isinstance(row_status, str) else None
    if used != year:
        status = worse_status(status, "estimated")
    if extra:
        status = worse_status(status, extra)
    return status


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=OBS_COLUMNS)


def fit_notes_per_1000(obs: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Fit notes per 1,000 residents 16-64 for each configured sub-ICB location (and the
    partnership when its health areas cover exactly its local authorities)."""
    counts = obs[obs["indicator_id"] == "fit_notes_count"]
    if counts.empty:
        return _frame([])
    pops = _populations(obs)
    rows: list[dict] = []
    missing: dict[str, int] = {}
    for health in ctx.area.health_areas:
        code = health.gss or health.code
        for _, row in counts[counts["area_code"] == code].iterrows():
            year = pd.Timestamp(row["period_start"]).year
            den = population_for(pops, health.lads, year)
            if den is None:
                missing[health.short_name] = missing.get(health.short_name, 0) + 1
                continue
            status = _status(row["status"], den[1], year)
            rows.append(
                _rate_row(row, "fit_notes_per_1000_16_64", code, row["value"], den[0], status)
            )
    rows += _partnership_fit_notes(counts, pops, ctx)
    for name, n in missing.items():
        ctx.notes.append(
            f"fit_notes_per_1000_16_64: not made for {n} {name} month(s): no population aged "
            "16-64 (mid-year estimates, Nomis NM_2002_1) is loaded for all its local authorities."
        )
    return _frame(rows)


def _partnership_fit_notes(counts: pd.DataFrame, pops: dict, ctx: Context) -> list[dict]:
    area = ctx.area
    members = [h.lads for h in area.health_areas]
    covered = [lad for lads in members for lad in lads]
    if not members or sorted(covered) != sorted(area.lad_codes):
        return []  # the health areas do not cover the partnership exactly once
    codes = [h.gss or h.code for h in area.health_areas]
    parts = counts[counts["area_code"].isin(codes)]
    rows = []
    for _, g in parts.groupby(["period_start", "period_end", "breakdown"], sort=True):
        if g["area_code"].nunique() != len(codes) or g["value"].isna().any():
            continue
        worst = None
        for s in g["status"]:
            worst = worse_status(worst, s if isinstance(s, str) else None)
        if worst in WITHHELD:
            continue
        first = g.iloc[0]
        year = pd.Timestamp(first["period_start"]).year
        den = population_for(pops, area.lad_codes, year)
        if den is None:
            continue
        status = _status(worst, den[1], year, "aggregated")
        rows.append(
            _rate_row(
                first,
                "fit_notes_per_1000_16_64",
                area.code,
                float(g["value"].sum()),
                den[0],
                status,
            )
        )
    return rows


def fit_notes_per_1000_modelled(obs: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Each sub-ICB month's fit notes apportioned to its LADs by 16-64 population share, per
    1,000 of each LAD's 16-64 residents (status modelled; equals the sub-ICB rate)."""
    counts = obs[(obs["indicator_id"] == "fit_notes_count") & (obs["breakdown"] == "total")]
    if counts.empty:
        return _frame([])
    pops = _populations(obs)
    rows = []
    for health in ctx.area.health_areas:
        code = health.gss or health.code
        for _, row in counts[counts["area_code"] == code].iterrows():
            year = pd.Timestamp(row["period_start"]).year
            whole = population_for(pops, health.lads, year)
            if whole is None:
                continue
            for lad in health.lads:
                own = pops[lad][whole[1]]
                share = row["value"] * own / whole[0]
                status = _status(row["status"], whole[1], year, "modelled")
                rows.append(
                    _rate_row(row, "fit_notes_per_1000_16_64_modelled", lad, share, own, status)
                )
    return _frame(rows)


def _per_population(
    obs: pd.DataFrame,
    ctx: Context,
    *,
    source: str,
    target: str,
    population: str = POPULATION,
    breakdown: str | None = None,
    scale: float = 1000.0,
) -> pd.DataFrame:
    """``source`` per ``scale`` residents (``population``), for every area with both figures;
    only ``breakdown`` of the source where given."""
    counts = obs[obs["indicator_id"] == source]
    if breakdown is not None:
        counts = counts[counts["breakdown"] == breakdown]
    if counts.empty:
        return _frame([])
    pops = _populations(obs, population)
    rows = []
    missing = set()
    for _, row in counts.iterrows():
        year = pd.Timestamp(row["period_start"]).year
        den = population_for(pops, [row["area_code"]], year)
        if den is None:
            missing.add(row["area_code"])
            continue
        status = _status(row["status"], den[1], year)
        rows.append(_rate_row(row, target, row["area_code"], row["value"], den[0], status, scale))
    inside = sorted(c for c in missing if c in ctx.area.lad_codes or c == ctx.area.code)
    if missing:
        ctx.notes.append(
            f"{target}: not made for {len(missing)} area(s) with no population "
            f"({population}, mid-year estimates) loaded"
            + (f", including configured place(s) {', '.join(inside)}" if inside else "")
            + "."
        )
    out = _frame(rows)
    if breakdown is not None and not out.empty:
        out["breakdown"] = "total"
    return out


def job_adverts_per_1000(obs: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Online job adverts (snapshot series) per 1,000 residents 16-64."""
    return _per_population(
        obs, ctx, source="job_adverts_total", target="job_adverts_per_1000_16_64"
    )


def job_adverts_new_per_1000(obs: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """New online job adverts in the quarter (all occupations) per 1,000 residents 16-64."""
    return _per_population(
        obs,
        ctx,
        source="job_adverts_new_by_occupation",
        target="job_adverts_new_per_1000_16_64",
        breakdown="total",
    )


def claimant_rate_18_24(obs: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Claimants aged 18-24 as a % of residents aged 18-24 (the partnership from its sums)."""
    return _per_population(
        obs,
        ctx,
        source="claimant_count_18_24",
        target="claimant_rate_18_24",
        population="population_18_24",
        breakdown="total",
        scale=100.0,
    )


DERIVATIONS: list = [
    fit_notes_per_1000,
    fit_notes_per_1000_modelled,
    job_adverts_per_1000,
    job_adverts_new_per_1000,
    claimant_rate_18_24,
    vacancies_modelled_by_industry,
]
