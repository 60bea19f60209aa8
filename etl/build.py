"""One warehouse build: read extracts, make indicators, aggregate, check, swap in."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

import pandas as pd
from tqdm import tqdm

from etl import aggregate, detect, warehouse
from etl.areas import AreaFilter, Scope
from etl.catalogue import Catalogue, catalogue
from etl.errors import EtlError, ExtractError
from etl.errors import LiveUnavailable as LiveUnavailable  # re-exported: callers use build.*
from etl.names import resolve as resolve_names
from etl.recipes import OBS_COLUMNS, build_indicator
from etl.records import among, normalise_label
from etl.sources import Extract, sha256_of
from geo import geo_dir
from geo.area import Area, load_area
from geo.lookups import Lookups, find_lookups

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = Path(__file__).with_name("sample")


@dataclass
class Skipped:
    path: str
    reason: str


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


def _progress(iterable: Iterable, desc: str, show: bool, total: int | None = None):
    return tqdm(
        iterable,
        desc=desc,
        total=total,
        disable=not show,
        file=sys.stderr,
        unit="file",
        leave=False,
    )


# ------------------------------------------------------------------------------------------
# Reading extracts
# ------------------------------------------------------------------------------------------


def read_folder(
    root: Path,
    *,
    is_sample: bool = False,
    show_progress: bool = False,
    narrow: AreaFilter | None = None,
) -> tuple[list[Extract], list[Skipped]]:
    """Parse every extract under ``root``; list the files skipped and why.

    With ``narrow``, parsers that can leave out rows outside the configured area do so.
    Raises ExtractError on the first broken file (the build then stops; nothing is written).
    """
    from etl.sources import parser_modules

    modules = {m.NAME: m for m in parser_modules()}
    results = detect.scan(Path(root))
    extracts, skipped = [], []
    for res in _progress(results, "Reading extracts", show_progress):
        rel = str(res.path)
        if res.recognised is None or res.recognised.dataset is None:
            skipped.append(Skipped(rel, res.skip_reason or "not recognised"))
            continue
        extracts.append(_read_extract(res, modules[res.recognised.parser], is_sample, narrow))
    return extracts, skipped


def _read_extract(
    res: detect.ScanResult, module: ModuleType, is_sample: bool, narrow: AreaFilter | None
) -> Extract:
    """One recognised file as an extract (``narrow``: see :func:`read_folder`)."""
    assert res.recognised is not None
    rel = str(res.path)
    narrows = narrow is not None and getattr(module, "NARROWS", False)
    narrowed = narrow.for_file() if narrow is not None and narrows else None
    if narrowed is not None:
        recs = module.parse(res.path, res.recognised, narrow=narrowed)
    else:
        recs = module.parse(res.path, res.recognised)
    if narrowed is not None and not narrowed.figures:
        narrowed = None  # nothing left out
    if recs.empty and narrowed is None:
        raise ExtractError(res.path, "no data rows found")
    meta = getattr(module, "metadata", None)
    info = meta(res.path) if meta else {}
    # A parser may report what it left out or could not place (``records.attrs["notes"]``).
    parser_notes = list(recs.attrs.get("notes", ()))
    return Extract(
        dataset=res.recognised.dataset,
        records=recs,
        origin=rel,
        sha256=sha256_of(res.path),
        description=res.recognised.description,
        retrieved_at=info.get("retrieved_at")
        or datetime.fromtimestamp(res.path.stat().st_mtime, UTC).replace(tzinfo=None),
        release_date=info.get("release_date"),
        is_sample=is_sample,
        notes=parser_notes,
        edition=info.get("edition"),
        replaces_history=bool(getattr(module, "REPLACES_HISTORY", False)),
        narrowed=narrowed,
        reread=None if narrowed is None else lambda: _read_extract(res, module, is_sample, None),
    )


# ------------------------------------------------------------------------------------------
# Assembling the warehouse
# ------------------------------------------------------------------------------------------

Derivation = Callable[[pd.DataFrame, "Context"], pd.DataFrame]


@dataclass
class Context:
    """What derivations get to work with."""

    area: Area
    catalogue: Catalogue
    areas: pd.DataFrame
    notes: list[str]


def _sources_table(extracts: list[Extract], cat: Catalogue) -> pd.DataFrame:
    rows = {}
    for ex in extracts:
        ds = cat.datasets[ex.dataset]
        rows[ex.source_id] = {
            "source_id": ex.source_id,
            "dataset": ex.dataset,
            "publisher": ds.publisher,
            "title": ds.title + (" (bundled sample)" if ex.is_sample else ""),
            "url": ds.url,
            "licence": ds.licence,
            "attribution": ds.attribution,
            "release_date": ex.release_date,
            "retrieved_at": ex.retrieved_at,
            "origin": ex.origin,
            "sha256": ex.sha256,
            "is_sample": ex.is_sample,
            "notes": "; ".join(ex.notes) or None,
        }
    return pd.DataFrame(list(rows.values()))


def _indicators_table(cat: Catalogue) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicator_id": i.id,
                "title": i.title,
                "unit": i.unit,
                "unit_label": i.unit_label,
                "decimals": i.decimals,
                "polarity": i.polarity,
                "challenges": list(i.challenges),
                "levels": list(i.levels),
                "aggregate": i.aggregate,
                "description": i.description,
                "caveats": i.caveats,
                "datasets": list(i.datasets),
            }
            for i in cat.indicators.values()
        ]
    )


def _precedence(extracts: list[Extract]) -> dict[int, int]:
    """Rank of each extract within its dataset (higher wins a figure two extracts both give).

    Later editions win where every extract of the dataset states its edition; otherwise, and
    between extracts of one edition, the later retrieval wins.
    """
    by_dataset: dict[str, list[int]] = {}
    for i, ex in enumerate(extracts):
        by_dataset.setdefault(ex.dataset, []).append(i)
    rank: dict[int, int] = {}
    for idx in by_dataset.values():
        editions = all(extracts[i].edition for i in idx)

        def key(i: int, editions: bool = editions) -> tuple:
            ex = extracts[i]
            return (ex.edition if editions else date.min, ex.retrieved_at or datetime.min)

        rank.update({i: r for r, i in enumerate(sorted(idx, key=key))})
    return rank


def _superseded(extracts: list[Extract]) -> tuple[set[int], list[str]]:
    """Extracts of an older edition of a dataset whose every edition revises all history."""
    by_dataset: dict[str, list[int]] = {}
    for i, ex in enumerate(extracts):
        if ex.replaces_history and ex.edition:
            by_dataset.setdefault(ex.dataset, []).append(i)
    old: set[int] = set()
    notes = []
    for dataset, idx in by_dataset.items():
        newest = max(extracts[i].edition for i in idx)
        stale = [i for i in idx if extracts[i].edition < newest]
        if stale:
            old.update(stale)
            kept = [extracts[i].origin for i in idx if i not in stale]
            notes.append(
                f"{dataset}: each edition revises the whole series, so only the newest "
                f"(to {newest:%B %Y}: {', '.join(kept)}) was used; older edition(s) set aside: "
                + ", ".join(extracts[i].origin for i in stale)
            )
    return old, notes


def _normalised(labels: pd.Series) -> pd.Series:
    """``normalise_label`` of each label, worked out once per distinct label."""
    done: dict[object, str] = {}
    out = []
    for label in labels.tolist():
        norm = done.get(label)
        if norm is None:
            norm = done[label] = normalise_label(label)
        out.append(norm)
    return pd.Series(out, index=labels.index)


def _records(
    extracts: list[Extract], scope: Scope, used: dict[str, set[str]] | None = None
) -> dict[str, pd.DataFrame]:
    """Records per dataset, in scope, with provenance columns the recipes need.

    ``used``: the (normalised) categories some recipe reads, per dataset; only those are kept.
    """
    frames: dict[str, list[pd.DataFrame]] = {}
    rank = _precedence(extracts)
    superseded, notes = _superseded(extracts)
    scope.notes.extend(notes)
    dropped = 0
    for i, ex in enumerate(extracts):
        if i in superseded:
            continue
        recs = ex.records
        keep = scope.in_scope(recs)
        dropped += int((~keep).sum()) + (ex.narrowed.figures if ex.narrowed is not None else 0)
        norm = _normalised(recs["category"])
        if used is not None:
            keep &= among(norm, used.get(ex.dataset, set()))
        recs = recs[keep]  # a new frame (copy-on-write): the extract's records are untouched
        recs["source_id"] = ex.source_id
        recs["retrieved_rank"] = rank[i]
        recs["norm"] = norm[keep]
        frames.setdefault(ex.dataset, []).append(recs)
    if dropped:
        scope.notes.append(
            f"{dropped:,} published figures describe places outside England's local authorities, "
            "regions and this partnership's neighbourhoods, and were left out."
        )
    return {k: pd.concat(v, ignore_index=True) for k, v in frames.items()}


def assemble(
    extracts: list[Extract],
    area: Area,
    lookups: Lookups,
    cat: Catalogue,
    derivations: list[Derivation] | None = None,
) -> tuple[warehouse.Tables, list[str]]:
    """Turn extracts into the warehouse's tables (without writing anything)."""
    given = extracts
    # Areas some sources publish by name only get the codes the rest of the build uses.
    extracts, name_notes = resolve_names(extracts, area, lookups)
    names = (
        pd.concat([ex.records[["area_code", "area_name"]] for ex in extracts], ignore_index=True)
        if extracts
        else pd.DataFrame(columns=["area_code", "area_name"])
    )
    scope = Scope.make(area, lookups, names.drop_duplicates("area_code"))
    missed = [ex.narrowed is not None and ex.narrowed.misses(scope) for ex in extracts]
    if any(missed):
        # A LAD name learned from the extracts places rows a file left out: read it in full.
        again = [
            ex.reread() if miss and ex.reread else ex
            for ex, miss in zip(given, missed, strict=True)
        ]
        return assemble(again, area, lookups, cat, derivations)
    used: dict[str, set[str]] = {}
    for ind in cat.indicators.values():
        for recipe in ind.recipes:
            used.setdefault(recipe.dataset, set()).update(map(normalise_label, recipe.labels()))
    by_dataset = _records(extracts, scope, used)
    notes = name_notes + scope.notes
    notes += [f"{ex.origin}: {note}" for ex in extracts for note in ex.notes]

    observations = []
    for ind in cat.indicators.values():
        obs, ind_notes = build_indicator(ind, by_dataset)
        notes += ind_notes
        if obs.empty:
            continue
        observations.append((ind, obs))

    # Former districts and 2011 neighbourhoods are folded into today's local authorities.
    lsoa11_members: dict[str, list[str]] = {}
    if not lookups.lsoa11.empty:
        lk = lookups.lsoa11.dropna(subset=["lad_code"]).drop_duplicates("lsoa11_code")
        lk = lk.assign(lad=lk["lad_code"].map(lambda c: scope.successor.get(c, c)))
        lk = lk[lk["lad"].isin(area.lad_codes)]
        lsoa11_members = {lad: list(g["lsoa11_code"]) for lad, g in lk.groupby("lad")}
    predecessors: dict[str, list[str]] = {}
    for old, new in scope.successor.items():
        predecessors.setdefault(new, []).append(old)

    all_obs = []
    for ind, obs in observations:
        old11 = obs["geo_vintage"] == "lsoa11"
        if old11.any():
            # Parents' own published rows go in too, so a published LAD figure is never replaced.
            parents = ~old11 & among(obs["area_code"], lsoa11_members)
            made = aggregate.combine(obs[old11 | parents], ind, lsoa11_members)
            if made.empty:
                notes.append(
                    f"{ind.id}: 2011 neighbourhood figures could not be placed in "
                    "today's local authorities (no complete LSOA 2011 lookup)."
                )
            obs = pd.concat([obs[~old11], made], ignore_index=True)
        former = among(obs["area_code"], scope.successor)
        if former.any():
            made = aggregate.combine(obs, ind, predecessors)
            obs = pd.concat([obs[~former], made], ignore_index=True)
        all_obs.append((ind, obs))

    observed = (
        pd.concat([o[["area_code", "area_name"]] for _, o in all_obs], ignore_index=True)
        if all_obs
        else pd.DataFrame(columns=["area_code", "area_name"])
    )
    areas = scope.areas_table(observed)

    final = []
    children = {level: aggregate.children_by_parent(areas, level) for level in ("lsoa", "msoa")}
    for ind, obs in all_obs:
        for level in ("lsoa", "msoa"):
            made = aggregate.combine(obs, ind, children[level])
            if not made.empty:
                obs = pd.concat([obs, made], ignore_index=True)
        members = {area.code: list(area.lad_codes)}
        made = aggregate.combine(obs, ind, members)
        if made.empty and ind.aggregate != "none" and among(obs["area_code"], area.lad_codes).any():
            notes.append(
                f"{ind.id}: no partnership figure (a place lacks a figure, or the "
                "source publishes rates without numerators and denominators)."
            )
        obs = pd.concat([obs, made], ignore_index=True)
        final.append(obs)
    obs = pd.concat(final, ignore_index=True) if final else pd.DataFrame(columns=OBS_COLUMNS)

    ctx = Context(area, cat, areas, notes)
    for derive in derivations or []:
        extra = derive(obs, ctx)
        if extra is not None and not extra.empty:
            obs = pd.concat([obs, extra[OBS_COLUMNS]], ignore_index=True)

    known = set(areas["area_code"])
    unknown = obs[~among(obs["area_code"], known)]
    if not unknown.empty:
        notes.append(
            f"{unknown['area_code'].nunique()} area code(s) had no place in the area "
            f"model and were left out: {', '.join(sorted(unknown['area_code'].unique())[:5])}"
        )
        obs = obs[among(obs["area_code"], known)]
    used = (
        set(obs["area_code"])
        | set(areas.loc[areas["in_partnership"], "area_code"])
        | set(areas.loc[areas["area_level"].isin(["region", "country"]), "area_code"])
    )
    areas = areas[areas["area_code"].isin(used)]

    tables = warehouse.Tables(
        sources=_sources_table(extracts, cat),
        indicators=_indicators_table(cat),
        challenges=pd.DataFrame(
            [
                {"challenge_id": k, "title": v, "sort_order": i}
                for i, (k, v) in enumerate(cat.challenges.items())
            ]
        ),
        areas=areas.reset_index(drop=True),
        area_lookup=scope.lookup_table(),
        observations=obs.drop(columns=["area_name", "geo_vintage"]).reset_index(drop=True),
        loads=pd.DataFrame(),
        changes=pd.DataFrame(),
    )
    return tables, notes


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
        from etl.derive import DERIVATIONS

        derivations = DERIVATIONS

    with warehouse.build_lock(db_path):
        lookup_roots: list[Path] = [geo_dir()]  # lookups written by `python -m geo build`
        lookups: Lookups | None = None
        if mode == "files":
            if from_dir is None:
                raise EtlError("--from needs a folder of extract files")
            lookup_roots.append(from_dir)
            lookups, narrow = _lookups_first(area, lookup_roots)
            extracts, skipped = read_folder(from_dir, show_progress=show_progress, narrow=narrow)
            result.skipped = skipped
        elif mode == "sample":
            lookup_roots = [SAMPLE_DIR]
            lookups, narrow = _lookups_first(area, lookup_roots)
            extracts, skipped = read_folder(
                SAMPLE_DIR, is_sample=True, show_progress=show_progress, narrow=narrow
            )
            result.skipped = skipped
        elif mode == "live":
            if live_fetch is None:
                from etl.live import fetch_all as live_fetch
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
