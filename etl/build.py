"""One warehouse build: read extracts, make indicators, aggregate, check, swap in."""

from __future__ import annotations

import contextlib
import gc
import json
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from core.area import Area, load_area
from core.errors import EtlError, printable
from core.lookups import Lookups, find_lookups
from core.settings import geo_dir
from etl import warehouse
from etl.areas import AreaFilter
from etl.assemble import Assembly, assemble
from etl.carry import Carried, Failure, area_signature, carry_over
from etl.catalogue import Catalogue, catalogue
from etl.derive import DERIVATIONS, Derivation
from etl.extract import Extract
from etl.live import fetch_all
from etl.outcomes import FileOutcome, load_files_frame, summary_table
from etl.read import FolderRead, Skipped, read_folder

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
    outcomes: list[FileOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    carried: Carried = field(default_factory=Carried)
    is_sample: bool = False

    @property
    def loaded(self) -> list[str]:
        """``<file> (<what it is>)`` for every file whose figures are in the warehouse."""
        return [f"{o.origin} ({o.description})" for o in self.outcomes if o.outcome == "loaded"]

    @property
    def skipped(self) -> list[Skipped]:
        return [Skipped(o.origin, o.reason) for o in self.outcomes if o.outcome == "skipped"]

    def of(self, outcome: str) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.outcome == outcome]

    def summary(self) -> str:
        sample = ", SAMPLE DATA" if self.is_sample else ""
        lines = [f"Warehouse {self.db_path} built ({self.mode}{sample})."]
        if self.is_sample:
            lines.append(
                "  These are sample figures shipped with the project, not real statistics."
            )
        lines.append("Rows per indicator (periods):")
        for ind, n in sorted(self.rows_per_indicator.items()):
            lines.append(f"  {ind:45s} {n:7d}  {self.periods.get(ind, '')}")
        lines.append("Areas: " + ", ".join(f"{n} {lvl}" for lvl, n in self.areas_per_level.items()))
        if self.notes:
            lines.append("Notes:")
            lines += [f"  * {printable(n)}" for n in self.notes]
        carried = self.carried.lines()
        if carried:
            lines.append("Carried over from the warehouse in use:")
            lines += carried
        if self.warnings:
            lines.append(f"Warnings ({len(self.warnings)}):")
            lines += [f"  ! {printable(w)}" for w in self.warnings]
        lines += summary_table(self.outcomes)
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


def _read(
    mode: str,
    from_dir: Path | None,
    area: Area,
    cat: Catalogue,
    show_progress: bool,
    live_fetch: Callable[..., list[Extract]] | None,
) -> tuple[FolderRead, list[Path], Lookups | None]:
    """The extracts and per-file outcomes of one build, and where its lookups are."""
    lookup_roots: list[Path] = [geo_dir()]  # lookups written by `python -m geo build`
    lookups: Lookups | None = None
    if mode in ("files", "sample"):
        if mode == "files" and from_dir is None:
            raise EtlError("--from needs a folder of extract files")
        folder = Path(from_dir) if mode == "files" else SAMPLE_DIR
        lookup_roots = [*lookup_roots, folder] if mode == "files" else [SAMPLE_DIR]
        lookups, narrow = _lookups_first(area, lookup_roots)
        read = read_folder(
            folder, area, is_sample=mode == "sample", show_progress=show_progress, narrow=narrow
        )
    elif mode == "live":
        failures: list[FileOutcome] = []
        extracts = (live_fetch or fetch_all)(
            area=area, catalogue=cat, show_progress=show_progress, failures=failures
        )
        loaded = [
            FileOutcome(
                ex.origin,
                "loaded",
                dataset=ex.dataset,
                source_id=ex.source_id,
                description=ex.description,
                origin=ex.origin,
            )
            for ex in extracts
        ]
        read = FolderRead(extracts, loaded + failures, [])
    else:
        raise EtlError(f"unknown build mode {mode!r}")
    return read, lookup_roots, lookups


def _problems(outcomes: list[FileOutcome]) -> list[str]:
    return [
        f"{o.path}{', ' + o.location if o.location else ''}: {o.reason}"
        for o in outcomes
        if o.outcome in ("quarantined", "failed")
    ]


def _count_figures(result: BuildResult, assembly: Assembly) -> None:
    """Figures per indicator for each loaded file; a file that gave none is passed by, named."""
    tables = assembly.tables
    per_source = (
        tables.observations.groupby(["source_id", "indicator_id"]).size()
        if len(tables.observations)
        else pd.Series(dtype=int)
    )
    empty = []
    for o in result.outcomes:
        if o.outcome != "loaded":
            continue
        o.rows_left_out.update(assembly.left_out.get(o.source_id or "", Counter()))
        if o.source_id in per_source.index.get_level_values(0):
            o.figures_by_indicator = {
                str(k): int(v) for k, v in per_source.loc[o.source_id].items()
            }
        o.confirmed = assembly.confirmed.get(o.source_id or "", 0)
        if not o.figures and not o.confirmed:
            unread = assembly.unused.get(o.source_id or "")
            if unread:
                shown = "; ".join(unread[:3]) + (
                    f" and {len(unread) - 3} more" if len(unread) > 3 else ""
                )
                why = f"read, but no indicator uses what it holds ({shown})"
            elif sum(o.rows_left_out.values()):
                why = "read, but every figure is for a place outside those kept"
            else:
                why = "read, but none of its figures is kept (an older edition, or a duplicate)"
            o.outcome, o.reason = "skipped", why
            empty.append(o.source_id)
            result.warnings.append(f"{o.path}: {why}")
    if empty:
        tables.sources = tables.sources[~tables.sources["source_id"].isin(empty)]
    for origin, n in sorted(assembly.revised.items()):
        result.notes.append(f"{n:,} figures revised by {origin}")


def _edge_label(starts: np.ndarray, labels: np.ndarray, last: bool) -> object:
    """The label of the earliest row (the latest with ``last``) by ``starts``: the first (last)
    row sorted by them as ``sort_values`` sorts; its label is the label of every row on that
    date when they share one, so the sort is needed only when they do not."""
    edge = starts.max() if last else starts.min()
    on_edge = labels[starts == edge]
    if all(label == on_edge[0] for label in on_edge[1:]):
        return on_edge[0]
    order = pd.Series(starts).sort_values().index
    return labels[order[-1] if last else order[0]]


def _spans(obs: pd.DataFrame) -> dict[str, tuple[int, object, object]]:
    """For each indicator: its rows, and the labels of its first period (by start) and of its
    last (by end), as sorting its rows by each would find them."""
    if obs.empty:
        return {}
    starts = obs["period_start"].to_numpy(dtype=object)
    ends = obs["period_end"].to_numpy(dtype=object)
    labels = obs["period_label"].to_numpy(dtype=object)
    return {
        ind: (
            len(rows),
            _edge_label(starts[rows], labels[rows], last=False),
            _edge_label(ends[rows], labels[rows], last=True),
        )
        for ind, rows in obs.groupby("indicator_id").indices.items()
    }


@contextlib.contextmanager
def plain_strings() -> Iterator[None]:
    """Text columns as Python strings, not Arrow strings, where pandas still offers the choice
    (``future.infer_string``, gone in pandas 4): the figures are the same, and a build from
    ``../shared/data`` takes about a quarter less CPU and half the memory (its warehouse is
    identical row for row either way)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the option's own notice
        try:
            context = pd.option_context("future.infer_string", False)
            context.__enter__()
        except (KeyError, ValueError):  # pandas.errors.OptionError: no such option
            context = None
    try:
        yield
    finally:
        if context is not None:
            context.__exit__(None, None, None)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while a build runs, and back on after it (if it was
    on). A build makes millions of short-lived objects and next to no reference cycles, so the
    collections they set off find almost nothing: about 0.1 s of a whole-folder build, with
    the same peak memory."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run(
    mode: str,
    db_path: Path,
    *,
    from_dir: Path | None = None,
    area: Area | None = None,
    show_progress: bool = False,
    live_fetch: Callable[..., list[Extract]] | None = None,
    derivations: list[Derivation] | None = None,
    strict: bool = False,
) -> BuildResult:
    """Build the warehouse at ``db_path`` from ``mode`` = ``live``, ``files`` or ``sample``.

    Text columns are plain Python strings while the build runs (see :func:`plain_strings`),
    and the cyclic garbage collector is paused (see :func:`_no_cycle_collection`).
    """
    with plain_strings(), _no_cycle_collection():
        return _run(mode, db_path, from_dir=from_dir, area=area, show_progress=show_progress,
                    live_fetch=live_fetch, derivations=derivations, strict=strict)


def _run(
    mode: str,
    db_path: Path,
    *,
    from_dir: Path | None,
    area: Area | None,
    show_progress: bool,
    live_fetch: Callable[..., list[Extract]] | None,
    derivations: list[Derivation] | None,
    strict: bool,
) -> BuildResult:
    """:func:`run`'s build.

    A broken file is quarantined and the rest load; the previous figures of what it held are
    carried over (see ``etl.carry``). With ``strict`` any quarantined file or failed fetch fails
    the build instead, naming every one. Raises EtlError with a message for the user; the
    warehouse in use is then unchanged.
    """
    area = area or load_area()
    cat = catalogue()
    started = datetime.now(UTC).replace(tzinfo=None)
    load_id = f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    result = BuildResult(mode=mode, db_path=db_path, load_id=load_id)
    if derivations is None:
        derivations = DERIVATIONS

    with warehouse.build_lock(db_path):
        read, lookup_roots, lookups = _read(mode, from_dir, area, cat, show_progress, live_fetch)
        result.outcomes = read.outcomes
        result.notes += read.notes
        problems = _problems(read.outcomes)
        if strict and problems:
            raise EtlError(
                f"--strict: {len(problems)} file(s) could not be read, so nothing was built:\n  - "
                + "\n  - ".join(problems)
            )
        extracts = read.extracts
        if not extracts:
            first = next((o.error for o in read.outcomes if o.error is not None), None)
            if first is not None and mode == "live":
                raise first
            raise EtlError(
                "No extract could be loaded, so no warehouse was built. "
                + (
                    f"Nothing under {from_dir} is an extract this build can read."
                    if mode == "files"
                    else ""
                )
                + ("".join(f"\n  - {p}" for p in problems))
            )
        result.is_sample = any(ex.is_sample for ex in extracts)
        if lookups is None:
            lookups = find_lookups(*lookup_roots)  # raises here, after the extracts, if broken
        assembly = assemble(extracts, area, lookups, cat, derivations)
        tables = assembly.tables
        result.notes += assembly.notes
        tables.observations["load_id"] = load_id
        _count_figures(result, assembly)
        result.warnings += [f"not read: {p}" for p in problems]

        previous = warehouse.read_previous(db_path)
        failures = [
            Failure(o.path, o.dataset, o.reason)
            for o in read.outcomes
            if o.outcome in ("quarantined", "failed")
        ]
        loaded_now = {Path(o.origin).name for o in result.outcomes if o.outcome == "loaded"}
        signature = area_signature(area)
        result.carried = carry_over(tables, previous, failures, signature, loaded_now)

        obs = tables.observations
        for ind, (n, first, last) in _spans(obs).items():
            result.rows_per_indicator[ind] = n
            result.periods[ind] = first if first == last else f"{first} to {last}"
        for ind in cat.indicators:
            if ind not in result.rows_per_indicator:
                result.rows_per_indicator[ind] = 0
                result.periods[ind] = "no source loaded"
        result.areas_per_level = tables.areas["area_level"].value_counts().to_dict()

        tables.changes = _changes(load_id, obs, previous.get("observations"))
        finished = datetime.now(UTC).replace(tzinfo=None)
        this_load = pd.DataFrame(
            [
                {
                    "load_id": load_id,
                    "started_at": started,
                    "finished_at": finished,
                    "status": "ok" if not problems else "ok, with files not read",
                    "mode": mode + (" (sample)" if result.is_sample and mode != "sample" else ""),
                    "area_name": area.name,
                    "row_counts": json.dumps(result.rows_per_indicator, sort_keys=True),
                    "summary": result.summary(),
                    "area_signature": signature,
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
        tables.load_files = load_files_frame(load_id, result.outcomes)
        old_files = previous.get("load_files")
        if old_files is not None and not old_files.empty:
            tables.load_files = pd.concat([old_files, tables.load_files], ignore_index=True)
        warehouse.write(db_path, tables)
    return result
