"""One warehouse build: read extracts, make indicators, aggregate, check, swap in."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from core.area import Area, load_area
from core.errors import EtlError
from core.lookups import Lookups, find_lookups
from core.settings import geo_dir
from etl import warehouse
from etl.areas import AreaFilter
from etl.assemble import assemble
from etl.catalogue import catalogue
from etl.derive import DERIVATIONS, Derivation
from etl.extract import Extract
from etl.live import fetch_all
from etl.read import Skipped, read_folder

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = Path(__file__).with_name("sample")


@dataclass
class BuildResult:
    """What a build did, for the closing summary and the ``loads`` table."""

    mode: str
    db_path: Path
    load_id: str
    rows_per_indicator: dict[str, int] = field(default_factory=dict)
    periods: dict[str, str] = field(default_factory=dict)
    areas_per_level: dict[str, int] = field(default_factory=dict)
    loaded: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    is_sample: bool = False

    def summary(self) -> str:
        sample = ", SAMPLE DATA" if self.is_sample else ""
        lines = [f"Warehouse {self.db_path} built ({self.mode}{sample})."]
        if self.is_sample:
            lines.append(
                "  These are sample figures shipped with the project, not real statistics."
            )
        lines.append(f"Loaded {len(self.loaded)} extract(s):")
        lines += [f"  + {x}" for x in self.loaded]
        if self.skipped:
            lines.append(f"Skipped {len(self.skipped)} file(s):")
            lines += [f"  - {s.path}: {s.reason}" for s in self.skipped]
        lines.append("Rows per indicator (periods):")
        for ind, n in sorted(self.rows_per_indicator.items()):
            lines.append(f"  {ind:45s} {n:7d}  {self.periods.get(ind, '')}")
        lines.append("Areas: " + ", ".join(f"{n} {lvl}" for lvl, n in self.areas_per_level.items()))
        if self.notes:
            lines.append("Notes:")
            lines += [f"  * {n}" for n in self.notes]
        return "\n".join(lines)



def _changes(load_id: str, new: pd.DataFrame, old: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["load_id", "indicator_id", "rows_added", "rows_removed", "values_changed"]
    if old is None or old.empty:
        return pd.DataFrame(columns=cols)
    key = ["indicator_id", "area_code", "period_start", "period_end", "breakdown"]
    a = new[[*key, "value"]].copy()
    b = old[[*key, "value"]].copy()
    for df in (a, b):
        df["period_start"] = pd.to_datetime(df["period_start"])
        df["period_end"] = pd.to_datetime(df["period_end"])
    m = a.merge(b, on=key, how="outer", suffixes=("", "_old"), indicator=True)
    rows = []
    for ind, g in m.groupby("indicator_id"):
        both = g[g["_merge"] == "both"]
        changed = ~((both["value"] - both["value_old"]).abs().fillna(0) < 1e-9) | (
            both["value"].isna() != both["value_old"].isna()
        )
        rows.append(
            {
                "load_id": load_id,
                "indicator_id": ind,
                "rows_added": int((g["_merge"] == "left_only").sum()),
                "rows_removed": int((g["_merge"] == "right_only").sum()),
                "values_changed": int(changed.sum()),
            }
        )
    return pd.DataFrame(rows, columns=cols)


def _lookups_first(area: Area, roots: list[Path]) -> tuple[Lookups | None, AreaFilter | None]:
    """The lookups and the filter they give parsers, read before the extracts.

    A broken lookup is reported where it always was, once the extracts are read (a broken
    extract is named first): then there is no filter and no lookups yet.
    """
    try:
        lookups = find_lookups(*roots)
    except Exception:
        return None, None
    return lookups, AreaFilter.make(area, lookups)


def run(
    mode: str,
    db_path: Path,
    *,
    from_dir: Path | None = None,
    area: Area | None = None,
    show_progress: bool = False,
    live_fetch: Callable[..., list[Extract]] | None = None,
    derivations: list[Derivation] | None = None,
) -> BuildResult:
    """Build the warehouse at ``db_path`` from ``mode`` = ``live``, ``files`` or ``sample``.

    Raises EtlError with a message for the user; the warehouse in use is then unchanged.
    """
    area = area or load_area()
    cat = catalogue()
    started = datetime.now(UTC).replace(tzinfo=None)
    load_id = f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    result = BuildResult(mode=mode, db_path=db_path, load_id=load_id)
    if derivations is None:
        derivations = DERIVATIONS

    with warehouse.build_lock(db_path):
        lookup_roots: list[Path] = [geo_dir()]  # lookups written by `python -m geo build`
        lookups: Lookups | None = None
        if mode == "files":
            if from_dir is None:
                raise EtlError("--from needs a folder of extract files")
            lookup_roots.append(from_dir)
            lookups, narrow = _lookups_first(area, lookup_roots)
            extracts, skipped = read_folder(
                from_dir, area, show_progress=show_progress, narrow=narrow
            )
            result.skipped = skipped
        elif mode == "sample":
            lookup_roots = [SAMPLE_DIR]
            lookups, narrow = _lookups_first(area, lookup_roots)
            extracts, skipped = read_folder(
                SAMPLE_DIR, area, is_sample=True, show_progress=show_progress, narrow=narrow
            )
            result.skipped = skipped
        elif mode == "live":
            live_fetch = live_fetch or fetch_all
            extracts = live_fetch(area=area, catalogue=cat, show_progress=show_progress)
        else:
            raise EtlError(f"unknown build mode {mode!r}")
        if not extracts:
            raise EtlError(
                "No extract could be loaded, so no warehouse was built. "
                + (
                    f"Nothing under {from_dir} is an extract this build knows."
                    if mode == "files"
                    else ""
                )
            )
        result.is_sample = any(ex.is_sample for ex in extracts)
        result.loaded = [f"{ex.origin} ({ex.description})" for ex in extracts]
        if lookups is None:
            lookups = find_lookups(*lookup_roots)  # raises here, after the extracts, if broken
        tables, notes = assemble(extracts, area, lookups, cat, derivations)
        result.notes += notes

        tables.observations["load_id"] = load_id
        obs = tables.observations
        for ind, g in obs.groupby("indicator_id"):
            result.rows_per_indicator[ind] = len(g)
            first = g.sort_values("period_start").iloc[0]["period_label"]
            last = g.sort_values("period_end").iloc[-1]["period_label"]
            result.periods[ind] = first if first == last else f"{first} to {last}"
        for ind in cat.indicators:
            if ind not in result.rows_per_indicator:
                result.rows_per_indicator[ind] = 0
                result.periods[ind] = "no source loaded"
        result.areas_per_level = tables.areas["area_level"].value_counts().to_dict()

        previous = warehouse.read_previous(db_path)
        tables.changes = _changes(load_id, obs, previous.get("observations"))
        finished = datetime.now(UTC).replace(tzinfo=None)
        this_load = pd.DataFrame(
            [
                {
                    "load_id": load_id,
                    "started_at": started,
                    "finished_at": finished,
                    "status": "ok",
                    "mode": mode + (" (sample)" if result.is_sample and mode != "sample" else ""),
                    "area_name": area.name,
                    "row_counts": json.dumps(result.rows_per_indicator, sort_keys=True),
                    "summary": result.summary(),
                }
            ]
        )
        old_loads = previous.get("loads")
        tables.loads = (
            pd.concat([old_loads, this_load], ignore_index=True)
            if old_loads is not None and not old_loads.empty
            else this_load
        )
        old_changes = previous.get("changes")
        if old_changes is not None and not old_changes.empty:
            tables.changes = pd.concat([old_changes, tables.changes], ignore_index=True)
        warehouse.write(db_path, tables)
    return result
