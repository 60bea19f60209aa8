"""Where the figures came from: the sources loaded, each build and what it did with every file,
what it could not refresh, what changed, and how fresh each indicator is. Cached as every
warehouse question is (:mod:`dashboard.memo`)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from dashboard import db
from dashboard.formatting import (
    date_range_text,
    date_text,
    join_names,
    licence_name,
    md,
    publisher_names,
)
from dashboard.memo import cached


@cached
def sources(version: str) -> pd.DataFrame:
    """Every source loaded, grouped by dataset."""
    return db.query_df(
        """
        SELECT source_id, dataset, publisher, title, url, licence, attribution, release_date,
               retrieved_at, origin, is_sample, notes
        FROM sources ORDER BY dataset, origin
        """
    )


@cached
def source_use(version: str) -> pd.DataFrame:
    """Per source: rows loaded (``n_obs``) and rows for the places shown or their comparators
    (``n_shown``: areas in the partnership, regions and countries). A source with ``n_shown``
    0 was read but gives no figure for this area."""
    return db.query_df(
        """
        SELECT s.source_id, count(o.indicator_id) AS n_obs,
               count(o.indicator_id) FILTER (
                   WHERE a.in_partnership OR a.area_level IN ('region', 'country')) AS n_shown
        FROM sources s LEFT JOIN observations o USING (source_id)
             LEFT JOIN areas a USING (area_code)
        GROUP BY s.source_id
        ORDER BY s.source_id
        """
    )


@cached
def source_list(version: str) -> pd.DataFrame:
    """Sources as the About page lists them: one row per dataset, publisher, title, URL,
    licence and attribution, with the files read (names only), the latest release and retrieval
    dates, the rows shown for this area (``n_shown``; see :func:`source_use`) and the notes."""
    return db.query_df(
        """
        WITH use AS (
            SELECT s.source_id,
                   count(o.indicator_id) FILTER (
                       WHERE a.in_partnership OR a.area_level IN ('region', 'country')) AS n_shown
            FROM sources s LEFT JOIN observations o USING (source_id)
                 LEFT JOIN areas a USING (area_code)
            GROUP BY s.source_id
        ),
        s AS (
            SELECT s.*, regexp_extract(replace(s.origin, '\\', '/'), '[^/]*$') AS file,
                   u.n_shown
            FROM sources s LEFT JOIN use u USING (source_id)
        )
        SELECT dataset, publisher, title, url, licence, attribution,
               string_agg(DISTINCT file, ', ' ORDER BY file) AS files,
               max(release_date) AS release_date, max(retrieved_at) AS retrieved_at,
               sum(n_shown)::BIGINT AS n_shown,
               string_agg(DISTINCT notes, '; ' ORDER BY notes) FILTER (WHERE notes <> '')
                   AS notes,
               bool_or(carried_over_from_load IS NOT NULL) AS not_refreshed
        FROM s
        GROUP BY dataset, publisher, title, url, licence, attribution
        ORDER BY lower(title), dataset
        """
    )


@cached
def last_load(version: str) -> dict[str, Any] | None:
    """The latest build: when, how, the rows per indicator and the closing summary."""
    df = db.query_df(
        "SELECT load_id, started_at, finished_at, status, mode, area_name, row_counts, summary "
        "FROM loads ORDER BY started_at DESC LIMIT 1"
    )
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    counts = row.get("row_counts")
    if isinstance(counts, str):
        try:
            row["row_counts"] = json.loads(counts)
        except json.JSONDecodeError:
            row["row_counts"] = {}
    return row


@cached
def load_files(version: str, load_id: str) -> pd.DataFrame:
    """What the build ``load_id`` did with each file (or live request) it found: the outcome
    (loaded, skipped, duplicate, quarantined, failed), why, where, and the figures it gave."""
    return db.query_df(
        """
        SELECT path, outcome, reason, location, dataset, figures, figures_by_indicator,
               rows_left_out
        FROM load_files WHERE load_id = $load
        ORDER BY CASE outcome WHEN 'quarantined' THEN 0 WHEN 'failed' THEN 1
                 WHEN 'loaded' THEN 2 WHEN 'duplicate' THEN 3 ELSE 4 END, path
        """,
        {"load": load_id},
    )


@cached
def carried_over(version: str) -> pd.DataFrame:
    """Sources this build could not refresh and whose earlier figures it kept: the dataset,
    title, why, when those figures were loaded, and how many there are."""
    return db.query_df(
        """
        SELECT s.dataset, s.title, s.carried_over_reason AS reason,
               l.started_at AS loaded_at, count(o.indicator_id) AS figures
        FROM sources s
             LEFT JOIN loads l ON l.load_id = s.carried_over_from_load
             LEFT JOIN observations o USING (source_id)
        WHERE s.carried_over_from_load IS NOT NULL
        GROUP BY ALL ORDER BY s.title
        """
    )


@cached
def changes(version: str, load_id: str) -> pd.DataFrame:
    """What the build ``load_id`` changed, per indicator, against the build before it."""
    return db.query_df(
        """
        SELECT c.indicator_id, coalesce(i.title, c.indicator_id) AS title, c.rows_added,
               c.rows_removed, c.values_changed
        FROM changes c LEFT JOIN indicators i USING (indicator_id)
        WHERE c.load_id = $load
        ORDER BY c.rows_added + c.rows_removed + c.values_changed DESC, title
        """,
        {"load": load_id},
    )


@cached
def freshness(version: str) -> pd.DataFrame:
    """Per indicator with figures for the places shown or their comparators (not a figure for
    some other authority a file happened to hold): the latest period, rows, and when its
    sources were released and retrieved."""
    return db.query_df(
        """
        SELECT i.indicator_id, i.title, count(*) AS n_obs,
               arg_max(o.period_label, o.period_end) AS latest_period,
               max(o.period_end) AS latest_end,
               max(s.retrieved_at) AS retrieved_at, max(s.release_date) AS release_date,
               string_agg(DISTINCT s.publisher, '; ') AS publishers
        FROM observations o JOIN (SELECT rowid AS ord, * FROM indicators) i USING (indicator_id)
             JOIN areas a USING (area_code)
             LEFT JOIN sources s USING (source_id)
        WHERE a.in_partnership OR a.area_level IN ('region', 'country')
        GROUP BY i.indicator_id, i.title, i.ord
        ORDER BY i.ord
        """
    )


@cached
def footer_caption(version: str, info: dict) -> str:
    """The footer under every page: who published the figures shown, under which licence, and
    when they were built (``info``: the build's record, ``queries.info()``) and fetched."""
    src = sources()
    use = source_use()
    shown = set(use.loc[use["n_shown"] > 0, "source_id"])
    used = src[src["source_id"].isin(shown)] if shown else src
    publishers = join_names(md(p) for p in publisher_names(used["publisher"]))
    licences = join_names(md(lic) for lic in sorted({licence_name(x) for x in used["licence"]}))
    sample = " **Sample data, not real figures.**" if info["is_sample"] else ""
    built = date_text(info["built_at"]) or "on an unknown date"
    retrieved = date_range_text(used["retrieved_at"])
    if info["mode"] == "sample":
        when = f"Built {built} from the sample bundled with the project."
    else:
        how = "the live sources" if info["mode"] == "live" else "downloaded files"
        when = f"Built {built} from {how}" + (f" retrieved {retrieved}" if retrieved else "") + "."
    released = date_text(used["release_date"].max()) if used["release_date"].notna().any() else ""
    if released:
        when += f" Latest release date recorded by a source: {released}."
    return (f"**Sources:** {publishers}.{sample} Licence: {licences}. Map boundaries contain OS "
            f"data © Crown copyright and database right. {when}")
