"""A refresh never loses figures: carrying a dataset's figures over from the warehouse in use.

When a build tried a dataset and failed (its file was quarantined, or its live fetch failed),
the previous warehouse's figures of that dataset come into the new one unchanged: the same
observations (values, statuses, load), the same source rows marked ``carried_over_from_load``,
and the places, indicators and lookups they need. Only when the previous warehouse was built
for the same area configuration and is not the sample; a dataset simply absent is not carried.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import PurePath

import pandas as pd

from core.area import Area
from etl import warehouse

KEY = ["indicator_id", "area_code", "period_start", "period_end", "breakdown"]


def area_signature(area: Area) -> str:
    """A short hash of what makes an area configuration: its code, places and health areas."""
    parts = [area.code, *sorted(area.lad_codes)]
    parts += sorted(f"{h.gss}:{','.join(sorted(h.lads))}" for h in area.health_areas)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


@dataclass
class Carried:
    """What was carried over, per dataset: the reason and how many figures."""

    figures: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    refused: str | None = None  # why nothing could be carried (other area, sample...)

    def lines(self) -> list[str]:
        out = [
            f"  {dataset}: not refreshed: {self.reasons[dataset].rstrip('.')}; {n:,} figures from "
            f"{self.dates.get(dataset, 'an earlier build')} kept"
            for dataset, n in sorted(self.figures.items())
        ]
        if self.refused:
            out.append(f"  nothing carried over: {self.refused}")
        return out


@dataclass(frozen=True)
class Failure:
    """A file or fetch this build tried and could not read."""

    path: str  # below the --from folder, or the live source's name
    dataset: str | None  # what its parser or client said it holds, if it got that far
    reason: str


def _name(path: object) -> str:
    return PurePath(str(path)).name


def sources_to_carry(
    failures: list[Failure], previous: dict[str, pd.DataFrame], loaded_now: set[str]
) -> dict[str, str]:
    """source_id -> reason: the previous sources each failure leaves without a refresh.

    A failed file stands for the sources the previous build read from a file of the same name
    (an error page saved over a download names no dataset); otherwise a failure naming a
    dataset stands for that dataset's previous sources whose files were not read this time.
    """
    sources = previous.get("sources")
    if sources is None or sources.empty:
        return {}
    earlier = previous.get("load_files")
    names = sources["origin"].map(_name)
    out: dict[str, str] = {}
    for failure in failures:
        why = f"{failure.path}: {failure.reason}"
        ids: list[str] = []
        if earlier is not None and not earlier.empty:
            same = earlier[(earlier["path"] == failure.path) & (earlier["outcome"] == "loaded")]
            ids = [str(i) for i in same["source_id"].dropna()]
        if not ids:
            ids = list(sources.loc[names == _name(failure.path), "source_id"])
        if not ids and failure.dataset is not None:
            mine = sources[(sources["dataset"] == failure.dataset) & ~names.isin(loaded_now)]
            ids = list(mine["source_id"])
        for source_id in ids:
            out.setdefault(source_id, why)
    return out


def _why_not(previous: dict[str, pd.DataFrame], signature: str) -> str | None:
    loads = previous.get("loads")
    sources = previous.get("sources")
    if loads is None or loads.empty or sources is None:
        return "there is no earlier warehouse"
    last = loads.sort_values("started_at").iloc[-1]
    if "area_signature" not in loads or last.get("area_signature") != signature:
        return "the warehouse in use was built for another area configuration"
    if "sample" in str(last.get("mode", "")) or bool(sources["is_sample"].fillna(False).any()):
        return "the warehouse in use holds the bundled sample"
    return None


def carry_over(
    tables: warehouse.Tables,
    previous: dict[str, pd.DataFrame],
    failures: list[Failure],
    signature: str,
    loaded_now: set[str],
) -> Carried:
    """Bring the previous figures the failures left without a refresh into ``tables``."""
    carried = Carried()
    if not failures:
        return carried
    carried.refused = _why_not(previous, signature)
    if carried.refused:
        return carried
    wanted = sources_to_carry(failures, previous, loaded_now)
    wanted = {k: v for k, v in wanted.items() if k not in set(tables.sources["source_id"])}
    if not wanted:
        return carried
    sources = previous["sources"]
    obs = _normalise_dates(previous.get("observations", pd.DataFrame(columns=KEY)))
    loads = previous["loads"]
    when = {
        str(r.load_id): pd.Timestamp(r.started_at).strftime("%d %B %Y").lstrip("0")
        for r in loads.itertuples()
    }
    fresh = _normalise_dates(tables.observations[KEY]).assign(_new=True)
    rows = obs[obs["source_id"].isin(wanted)].merge(fresh, on=KEY, how="left")
    rows = rows[rows["_new"].isna()].drop(columns="_new")
    if rows.empty:
        return carried
    src = sources[sources["source_id"].isin(set(rows["source_id"]))].copy()
    first_read = rows.groupby("source_id")["load_id"].agg(lambda s: s.mode().iat[0])
    if "carried_over_from_load" not in src:
        src["carried_over_from_load"] = None
    src["carried_over_from_load"] = src["carried_over_from_load"].fillna(
        src["source_id"].map(first_read)
    )
    src["carried_over_reason"] = src["source_id"].map(wanted)
    tables.sources = pd.concat([tables.sources, src], ignore_index=True)
    tables.observations = pd.concat([tables.observations, rows], ignore_index=True)
    counts = rows.merge(src[["source_id", "dataset"]], on="source_id")["dataset"].value_counts()
    for dataset, n in counts.items():
        first = src[src["dataset"] == dataset].iloc[0]
        carried.figures[str(dataset)] = int(n)
        carried.reasons[str(dataset)] = str(first["carried_over_reason"])
        carried.dates[str(dataset)] = when.get(str(first["carried_over_from_load"]), "")
    _carry_context(tables, previous)
    return carried


def _normalise_dates(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in ("period_start", "period_end"):
        out[c] = pd.to_datetime(out[c]).dt.date
    return out


def _carry_context(tables: warehouse.Tables, previous: dict[str, pd.DataFrame]) -> None:
    """The places, indicators and lookups the carried figures need and the new build lacks."""
    codes = set(tables.observations["area_code"])
    old_areas = previous.get("areas", pd.DataFrame())
    have = set(tables.areas["area_code"])
    need = old_areas[old_areas["area_code"].isin(codes - have)]
    # A carried neighbourhood brings its parents too.
    while not need.empty:
        tables.areas = pd.concat([tables.areas, need], ignore_index=True)
        have = set(tables.areas["area_code"])
        parents = set(need["parent_code"].dropna()) - have
        need = old_areas[old_areas["area_code"].isin(parents)]
    old_ind = previous.get("indicators", pd.DataFrame())
    missing = set(tables.observations["indicator_id"]) - set(tables.indicators["indicator_id"])
    if missing and not old_ind.empty:
        extra = old_ind[old_ind["indicator_id"].isin(missing)]
        tables.indicators = pd.concat([tables.indicators, extra], ignore_index=True)
