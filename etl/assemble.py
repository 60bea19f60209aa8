"""Turning extracts into the warehouse's tables: places, indicators, partnership figures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from core.area import Area
from core.lookups import Lookups
from etl import aggregate, warehouse
from etl.areas import Scope
from etl.catalogue import Catalogue
from etl.derive import Context, Derivation
from etl.extract import Extract
from etl.names import resolve as resolve_names
from etl.published import aps_table_indicators, els_indicators
from etl.recipes import OBS_COLUMNS, build_indicator, numbered
from etl.records import among, normalise_label, reference_period


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
            "carried_over_from_load": None,
            "carried_over_reason": None,
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
                "headline": i.headline,
            }
            for i in cat.indicators.values()
        ]
    )


def _coverage_end(ex: Extract) -> date:
    """The last day an extract covers (its edition where it states one)."""
    if ex.edition:
        return ex.edition
    ends = ex.records["period_end"] if len(ex.records) else []
    return max(ends, default=date.min)


def _precedence(extracts: list[Extract]) -> dict[int, int]:
    """Rank of each extract within its dataset (higher wins a figure two extracts both give).

    The newer edition wins: by release date where every extract of the dataset states one,
    else by the later period covered, else by the file changed (or retrieved) last.
    """
    by_dataset: dict[str, list[int]] = {}
    for i, ex in enumerate(extracts):
        by_dataset.setdefault(ex.dataset, []).append(i)
    rank: dict[int, int] = {}
    for idx in by_dataset.values():
        if len(idx) == 1:  # nothing to rank it against
            rank[idx[0]] = 0
            continue
        released = all(extracts[i].release_date for i in idx)

        def key(i: int, released: bool = released) -> tuple:
            ex = extracts[i]
            when = ex.modified_at or ex.retrieved_at or datetime.min
            return (ex.release_date if released else date.min, _coverage_end(ex), when)

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


def _normalised(labels: pd.Series, wanted: set[str] | None) -> tuple[np.ndarray, np.ndarray]:
    """``normalise_label`` of each label, and whether that is among ``wanted`` (all are, with
    None), worked out once per distinct label: records repeat each label once per figure."""
    which, distinct = pd.factorize(labels)  # a missing label is -1: worked out row by row
    norms = [normalise_label(label) for label in distinct.tolist()]
    norm = np.array([*norms, None], dtype=object)[which]
    missing = np.flatnonzero(which < 0)
    if len(missing):
        norm[missing] = [normalise_label(label) for label in labels.iloc[missing].tolist()]
    if wanted is None:
        return norm, np.ones(len(norm), dtype=bool)
    kept = np.array([n in wanted for n in norms] + [False], dtype=bool)[which]
    kept[missing] = [n in wanted for n in norm[missing]]
    return norm, kept


def _left_out(codes: pd.Series) -> Counter:
    """How many of these records each reason leaves out, decided once per distinct code."""
    which, distinct = pd.factorize(codes)  # a missing code is -1: its reason row by row
    counts = np.bincount(which[which >= 0], minlength=len(distinct)).tolist()
    lost: Counter = Counter()
    for code, n in zip(distinct.tolist(), counts, strict=True):
        lost[left_out_reason(code)] += n
    lost.update(left_out_reason(code) for code in codes.iloc[np.flatnonzero(which < 0)].tolist())
    return lost


FIGURE_KEY = ["area_code", "period_start", "period_end", "category", "breakdown"]


def left_out_reason(code: object) -> str:
    """Why a published figure for ``code`` is not kept, in words for the summary."""
    text = str(code or "")
    if text[:1] in ("W", "S", "N", "K", "L", "M"):
        return "figures for places outside England"
    if text[:3] in ("E01", "E02"):
        return "figures for neighbourhoods outside the area"
    if not text or text.startswith("~"):
        return "figures for places that could not be identified"
    return "figures for areas of a kind not kept (counties, combined authorities...)"


def _revisions(frames: list[pd.DataFrame], origins: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    """One dataset's records from several extracts: for each figure two of them give, the
    newest edition's; and how many figures each winning file revised (differing values)."""
    recs = pd.concat(frames, ignore_index=True)
    key = [*FIGURE_KEY, "measure"]
    dup = recs.duplicated(key, keep=False)
    if not dup.any():
        return recs, {}
    both = recs[dup].sort_values("retrieved_rank")
    values = both["value"].round(9)
    varied = (
        both.assign(_v=values.fillna(-1e300))
        .groupby(key, dropna=False)["_v"]
        .transform("nunique")
        .gt(1)
    )
    revised: dict[str, int] = {}
    if varied.any():
        winners = both[varied].drop_duplicates(key, keep="last")
        per_figure = winners.drop_duplicates(FIGURE_KEY)
        for source_id, n in per_figure["source_id"].value_counts().items():
            revised[origins.get(str(source_id), str(source_id))] = int(n)
    keep = recs.sort_values("retrieved_rank", kind="stable").drop_duplicates(key, keep="last")
    return keep.sort_index(), revised


def _at_reference(recs: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Records of a dataset whose year's figure refers to one point in it, re-dated to it."""
    keys = recs[["period_start", "period_end", "period_label"]].drop_duplicates()
    moved = {
        tuple(k): reference_period(*k, reference) for k in keys.itertuples(index=False, name=None)
    }
    new = [
        moved[k]
        for k in zip(recs["period_start"], recs["period_end"], recs["period_label"], strict=True)
    ]
    out = recs.copy()
    out["period_start"] = [n[0] for n in new]
    out["period_end"] = [n[1] for n in new]
    out["period_label"] = [n[2] for n in new]
    return out


def _records(
    extracts: list[Extract],
    scope: Scope,
    used: dict[str, set[str]] | None = None,
    datasets: dict | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, Counter], dict[str, int], dict[str, list[str]]]:
    """Records per dataset, in scope, with provenance columns the recipes need; what each
    extract left out (by reason); figures revised by a newer edition, per file; and, for an
    extract no recipe reads anything of, the categories it holds.

    ``used``: the (normalised) categories some recipe reads, per dataset; only those are kept.
    """
    frames: dict[str, list[pd.DataFrame]] = {}
    datasets = datasets or {}
    rank = _precedence(extracts)
    superseded, notes = _superseded(extracts)
    scope.notes.extend(notes)
    dropped = 0
    left_out: dict[str, Counter] = {}
    unused: dict[str, list[str]] = {}
    for i, ex in enumerate(extracts):
        if i in superseded:
            continue
        recs = ex.records
        keep = scope.in_scope(recs)
        lost = _left_out(recs.loc[~keep, "area_code"])
        if ex.narrowed is not None and ex.narrowed.figures:
            lost["figures for neighbourhoods outside the area"] += ex.narrowed.figures
        left_out[ex.source_id] = lost
        dropped += sum(lost.values())
        norm, wanted = _normalised(
            recs["category"], None if used is None else used.get(ex.dataset, set())
        )
        if used is not None:
            if keep.any() and not (keep & wanted).any():
                unread = list(dict.fromkeys(recs.loc[keep, "category"].astype(str)))
                unused[ex.source_id] = unread
            keep &= wanted
        recs = recs[keep]  # a new frame (copy-on-write): the extract's records are untouched
        reference = datasets[ex.dataset].reference if ex.dataset in datasets else None
        if reference and len(recs):
            recs = _at_reference(recs, reference)
        recs["source_id"] = ex.source_id
        recs["retrieved_rank"] = rank[i]
        recs["norm"] = norm[keep.to_numpy(dtype=bool)]
        frames.setdefault(ex.dataset, []).append(recs)
    if dropped:
        scope.notes.append(
            f"{dropped:,} published figures describe places outside England's local authorities, "
            "regions and this partnership's neighbourhoods, and were left out."
        )
    origins = {ex.source_id: ex.origin for ex in extracts}
    out: dict[str, pd.DataFrame] = {}
    revised: dict[str, int] = {}
    for dataset, parts in frames.items():
        if len(parts) == 1:
            out[dataset] = parts[0].reset_index(drop=True)
            continue
        out[dataset], by_file = _revisions(parts, origins)
        for origin, n in by_file.items():
            revised[origin] = revised.get(origin, 0) + n
    return out, left_out, revised, unused


@dataclass
class Assembly:
    """The new warehouse's tables, the build notes, and per-file accounts for the summary."""

    tables: warehouse.Tables
    notes: list[str]
    left_out: dict[str, Counter] = field(default_factory=dict)  # source_id -> reason -> n
    revised: dict[str, int] = field(default_factory=dict)  # origin -> figures it revised
    unused: dict[str, list[str]] = field(default_factory=dict)  # source_id -> categories unread
    confirmed: Counter = field(default_factory=Counter)  # source_id -> figures agreeing with
    # a preferred source's (kept under that source)


def _unlisted_lads(
    obs: pd.DataFrame, areas: pd.DataFrame, lookups: Lookups, extracts: list[Extract]
) -> list[str]:
    """Local authority codes kept as published though no ONS code list the build read holds
    them (a slip in a file, or a code newer than the lookups), named with the files they came
    from: the first five of each."""
    listed = set(lookups.lads["lad_code"].dropna())
    if not listed:
        return []
    unlisted = sorted(set(areas.loc[areas["area_level"] == "lad", "area_code"]) - listed)
    if not unlisted:
        return []
    origins = {ex.source_id: Path(ex.origin).name for ex in extracts}
    rows = obs[among(obs["area_code"], set(unlisted))]
    files = sorted({origins.get(s, s) for s in rows["source_id"].dropna().unique()})

    def first_five(items: list[str]) -> str:
        return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")

    return [
        f"{len(unlisted)} local authority code(s) are in no ONS code list this build read, and "
        f"their figures are kept as published: {first_five(unlisted)}"
        + (f" (from {first_five(files)})" if files else "")
        + ". Check the codes in those files, or refresh the lookups (python -m geo build)."
    ]


def assemble(
    extracts: list[Extract],
    area: Area,
    lookups: Lookups,
    cat: Catalogue,
    derivations: list[Derivation] | None = None,
) -> Assembly:
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
    cat, els_notes = els_indicators(extracts, cat)
    cat, table_notes = aps_table_indicators(extracts, cat)
    els_notes += table_notes
    used: dict[str, set[str]] = {}
    for ind in cat.indicators.values():
        for recipe in ind.recipes:
            used.setdefault(recipe.dataset, set()).update(map(normalise_label, recipe.labels()))
    by_dataset, left_out, revised, unused = _records(extracts, scope, used, cat.datasets)
    by_dataset = {dataset: numbered(recs) for dataset, recs in by_dataset.items()}
    notes = name_notes + scope.notes + els_notes
    notes += [f"{ex.origin}: {note}" for ex in extracts for note in ex.notes]

    observations = []
    confirmed: Counter = Counter()
    for ind in cat.indicators.values():
        obs, ind_notes = build_indicator(ind, by_dataset, confirmed)
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
    notes += _unlisted_lads(obs, areas, lookups, extracts)
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
        observations=obs.drop(
            columns=["area_name", "geo_vintage", "counts_source", "numerator_ci_half"]
        ).reset_index(drop=True),
        loads=pd.DataFrame(),
        changes=pd.DataFrame(),
        load_files=pd.DataFrame(),
    )
    return Assembly(tables, notes, left_out, revised, unused, confirmed)
