"""One cached function per question a page asks of the warehouse.

Arguments are primitive and hashable (tuples, not lists); every result has a fixed column order.
Each result is kept once per process per version of the warehouse, so a new build is never
served stale, and each caller gets its own copy (:mod:`dashboard.memo`). All SQL binds its
parameters. Where the figures came from (sources, builds, freshness) is asked of
:mod:`dashboard.provenance`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboard import db
from dashboard.memo import cached

PARTNERSHIP_LEVEL = "partnership"
MAP_LEVELS = ("lad", "msoa", "lsoa", "subicb")
LEVEL_ORDER = ("lsoa", "msoa", "lad", "subicb", "partnership", "region", "country")

OBS_COLUMNS = [
    "indicator_id",
    "indicator_title",
    "area_code",
    "area_name",
    "area_level",
    "period",
    "period_start",
    "period_end",
    "breakdown",
    "value",
    "unit",
    "unit_label",
    "decimals",
    "polarity",
    "ci_lower",
    "ci_upper",
    "numerator",
    "denominator",
    "status",
    "source_id",
    "source_title",
    "publisher",
    "licence",
    "attribution",
    "retrieved_at",
    "release_date",
    "lad_code",
    "region_code",
    "is_comparator",
]


_SELECT_OBS = """
SELECT b.indicator_id, i.title AS indicator_title, b.area_code, a.display_name AS area_name,
       a.area_level, b.period_label AS period, b.period_start, b.period_end, b.breakdown, b.value,
       i.unit, i.unit_label, i.decimals, i.polarity, b.ci_lower, b.ci_upper, b.numerator,
       b.denominator, b.status, b.source_id, s.title AS source_title, s.publisher, s.licence,
       s.attribution, s.retrieved_at, s.release_date, a.lad_code, a.region_code,
       b.is_comparator
"""

_LEVEL_RANK = """
CASE a.area_level WHEN 'lsoa' THEN 0 WHEN 'msoa' THEN 1 WHEN 'lad' THEN 2 WHEN 'subicb' THEN 3
     WHEN 'partnership' THEN 4 WHEN 'region' THEN 5 ELSE 6 END
"""


@cached
def info(version: str) -> dict[str, Any]:
    """What the warehouse holds: sample or real, the area, and when it was built."""
    src = db.query_df(
        "SELECT coalesce(bool_or(is_sample), false) AS is_sample, count(*) AS n_sources, "
        "max(retrieved_at) AS retrieved, max(release_date) AS released FROM sources"
    ).iloc[0]
    area = db.query_df(
        "SELECT area_code, area_name FROM areas WHERE area_level = 'partnership' "
        "ORDER BY area_code LIMIT 1"
    )
    load = db.query_df(
        "SELECT load_id, started_at, finished_at, mode, area_name, summary FROM loads "
        "ORDER BY started_at DESC LIMIT 1"
    )
    n_obs = int(db.query_df("SELECT count(*) AS n FROM observations").iloc[0]["n"])
    return {
        "is_sample": bool(src["is_sample"]),
        "n_sources": int(src["n_sources"]),
        "retrieved": None if pd.isna(src["retrieved"]) else pd.Timestamp(src["retrieved"]),
        "released": None if pd.isna(src["released"]) else pd.Timestamp(src["released"]),
        "partnership_code": None if area.empty else str(area.iloc[0]["area_code"]),
        "partnership_name": "Partnership area" if area.empty else str(area.iloc[0]["area_name"]),
        "load_id": None if load.empty else str(load.iloc[0]["load_id"]),
        "built_at": None if load.empty else pd.Timestamp(load.iloc[0]["finished_at"]),
        "mode": None if load.empty else str(load.iloc[0]["mode"]),
        "n_obs": n_obs,
    }


@cached
def challenges(version: str) -> pd.DataFrame:
    """The six challenges in their order: challenge_id, title, sort_order."""
    return db.query_df("SELECT challenge_id, title, sort_order FROM challenges ORDER BY sort_order")


@cached
def indicators(version: str) -> pd.DataFrame:
    """The catalogue, in catalogue order, with what the warehouse holds for each indicator.

    ``n_obs`` counts rows; ``place_levels`` lists the levels with figures for places in the
    partnership; ``breakdowns`` the breakdowns present; ``national_only`` is true when the only
    figures are for countries.
    """
    return db.query_df(
        """
        WITH held AS (
            SELECT o.indicator_id, count(*) AS n_obs,
                   list(DISTINCT a.area_level) FILTER (
                       WHERE a.in_partnership AND a.area_level <> 'partnership') AS place_levels,
                   list(DISTINCT a.area_level) AS all_levels,
                   list(DISTINCT o.breakdown ORDER BY o.breakdown) AS breakdowns,
                   max(o.period_end) AS latest_end
            FROM observations o JOIN areas a USING (area_code)
            GROUP BY o.indicator_id
        )
        SELECT i.indicator_id, i.title, i.unit, i.unit_label, i.decimals, i.polarity,
               i.challenges, i.levels, i.aggregate, i.description, i.caveats, i.datasets,
               coalesce(h.n_obs, 0) AS n_obs,
               coalesce(h.place_levels, []) AS place_levels,
               coalesce(h.all_levels, []) AS all_levels,
               coalesce(h.breakdowns, []) AS breakdowns,
               h.latest_end,
               coalesce(h.n_obs, 0) > 0 AND len(coalesce(h.place_levels, [])) = 0
                   AND list_has_all(['country'], coalesce(h.all_levels, [])) AS national_only
        FROM (SELECT rowid AS ord, * FROM indicators) i LEFT JOIN held h USING (indicator_id)
        ORDER BY i.ord
        """
    )


@cached
def areas(version: str) -> pd.DataFrame:
    """Places in the partnership, the partnership and the comparators (regions, countries)."""
    return db.query_df(
        f"""
        SELECT a.area_code, a.area_name, a.display_name, a.area_level, a.parent_code, a.lad_code,
               a.region_code, a.in_partnership
        FROM areas a
        WHERE a.in_partnership OR a.area_level IN ('region', 'country')
        ORDER BY {_LEVEL_RANK.strip()} DESC, a.display_name
        """
    )


@cached
def subicb_members(version: str) -> pd.DataFrame:
    """Which NHS sub-ICB area each place lies in: lad_code, subicb_code, subicb_name."""
    return db.query_df(
        """
        SELECT l.from_code AS lad_code, l.to_code AS subicb_code, a.display_name AS subicb_name
        FROM area_lookup l JOIN areas a ON a.area_code = l.to_code
        WHERE l.relation = 'subicb_member'
        ORDER BY l.to_code, l.from_code
        """
    )


@cached
def periods(version: str, indicator_id: str, level: str) -> pd.DataFrame:
    """Periods with figures for places at ``level``, newest first."""
    return db.query_df(
        """
        SELECT DISTINCT o.period_label AS period, o.period_start, o.period_end
        FROM observations o JOIN areas a USING (area_code)
        WHERE o.indicator_id = $indicator AND a.area_level = $level
          AND (a.in_partnership OR a.area_level IN ('country', 'region'))
        ORDER BY o.period_end DESC, o.period_start DESC
        """,
        {"indicator": indicator_id, "level": level},
    )


@cached
def observations(
    version: str,
    indicator_ids: tuple[str, ...],
    level: str,
    places: tuple[str, ...] = (),
    period: str = "latest",
    breakdown: str | None = "total",
    comparators: bool = True,
) -> pd.DataFrame:
    """Figures for places at ``level`` (within ``places``, LAD codes; all when empty) and, with
    ``comparators``, for the partnership, the places' regions and England (or, for figures
    published only for other countries such as the UK, those countries).

    ``period`` is ``latest`` (each indicator's latest period for the places), ``all``, or a period
    label. ``breakdown`` None keeps every breakdown. Rows: places first, then comparators.
    """
    return db.query_df(
        f"""
        WITH place_areas AS (
            SELECT a.area_code FROM areas a
            WHERE a.in_partnership AND a.area_level = $level
              AND (len($places) = 0
                   OR list_contains($places, coalesce(a.lad_code, a.area_code))
                   OR EXISTS (SELECT 1 FROM area_lookup l
                              WHERE l.relation = 'subicb_member' AND l.to_code = a.area_code
                                AND list_contains($places, l.from_code)))
        ),
        comparator_areas AS (
            SELECT a.area_code FROM areas a
            WHERE $comparators AND a.area_level <> $level AND (
                (a.area_level = 'partnership' AND a.in_partnership)
                OR (a.area_level = 'country' AND (
                    a.area_code = 'E92000001'
                    OR NOT EXISTS (SELECT 1 FROM observations e
                                   WHERE e.area_code = 'E92000001'
                                     AND list_contains($indicators, e.indicator_id))))
                OR (a.area_level = 'region' AND a.area_code IN (
                    SELECT region_code FROM areas WHERE area_level = 'lad' AND in_partnership)))
        ),
        chosen AS (
            SELECT area_code, false AS is_comparator FROM place_areas
            UNION ALL SELECT area_code, true FROM comparator_areas
        ),
        base AS (
            SELECT o.*, c.is_comparator FROM observations o JOIN chosen c USING (area_code)
            WHERE list_contains($indicators, o.indicator_id)
              AND ($breakdown IS NULL OR o.breakdown = $breakdown)
        ),
        latest AS (
            SELECT indicator_id,
                   coalesce(max(period_end) FILTER (WHERE NOT is_comparator), max(period_end))
                       AS latest_end
            FROM base GROUP BY indicator_id
        )
        {_SELECT_OBS}
        FROM base b JOIN latest l USING (indicator_id)
             JOIN (SELECT rowid AS ord, * FROM indicators) i USING (indicator_id)
             JOIN areas a USING (area_code)
             LEFT JOIN sources s USING (source_id)
        WHERE $period = 'all' OR ($period = 'latest' AND b.period_end = l.latest_end)
              OR b.period_label = $period
        ORDER BY i.ord, b.is_comparator, {_LEVEL_RANK.strip()}, a.display_name,
                 b.period_end DESC, b.period_start DESC, b.breakdown
        """,
        {
            "indicators": list(indicator_ids),
            "level": level,
            "places": list(places),
            "period": period,
            "breakdown": breakdown,
            "comparators": bool(comparators),
        },
    )[OBS_COLUMNS]


@cached
def area_observations(version: str, area_codes: tuple[str, ...]) -> pd.DataFrame:
    """Every figure (all indicators, all periods, breakdown ``total``) for the given areas."""
    return db.query_df(
        f"""
        {_SELECT_OBS}
        FROM (SELECT o.*, false AS is_comparator FROM observations o
              WHERE list_contains($areas, o.area_code) AND o.breakdown = 'total') b
             JOIN (SELECT rowid AS ord, * FROM indicators) i USING (indicator_id)
             JOIN areas a USING (area_code)
             LEFT JOIN sources s USING (source_id)
        ORDER BY i.ord, a.area_code, b.period_end, b.period_start
        """,
        {"areas": list(area_codes)},
    )[OBS_COLUMNS]


@cached
def series(
    version: str, indicator_id: str, area_codes: tuple[str, ...], breakdown: str = "total"
) -> pd.DataFrame:
    """All periods of one indicator for the given areas, oldest first."""
    return db.query_df(
        f"""
        {_SELECT_OBS}
        FROM (SELECT o.*, false AS is_comparator FROM observations o
              WHERE o.indicator_id = $indicator AND list_contains($areas, o.area_code)
                AND o.breakdown = $breakdown) b
             JOIN indicators i USING (indicator_id)
             JOIN areas a USING (area_code)
             LEFT JOIN sources s USING (source_id)
        ORDER BY b.period_end, b.period_start, a.display_name
        """,
        {"indicator": indicator_id, "areas": list(area_codes), "breakdown": breakdown},
    )[OBS_COLUMNS]


@cached
def national(version: str, indicator_id: str, period: str = "latest") -> pd.DataFrame:
    """An indicator's figures for countries (the UK, England), every breakdown; latest period by
    default."""
    return db.query_df(
        f"""
        WITH base AS (
            SELECT o.*, true AS is_comparator FROM observations o JOIN areas a USING (area_code)
            WHERE o.indicator_id = $indicator AND a.area_level = 'country'
        ),
        latest AS (SELECT max(period_end) AS latest_end FROM base)
        {_SELECT_OBS}
        FROM base b CROSS JOIN latest l
             JOIN indicators i USING (indicator_id)
             JOIN areas a USING (area_code)
             LEFT JOIN sources s USING (source_id)
        WHERE $period = 'all' OR ($period = 'latest' AND b.period_end = l.latest_end)
              OR b.period_label = $period
        ORDER BY a.area_code DESC, b.period_end DESC, b.breakdown
        """,
        {"indicator": indicator_id, "period": period},
    )[OBS_COLUMNS]


@cached
def headlines(version: str) -> pd.DataFrame:
    """Headline measures (``indicators.headline``: 1, 2, 3 in a challenge's order), with their
    challenges; empty where the warehouse has no such column."""
    has = db.query_df("SELECT count(*) AS n FROM information_schema.columns "
                      "WHERE table_name = 'indicators' AND column_name = 'headline'")
    if not int(has.iloc[0]["n"]):
        return pd.DataFrame(columns=["indicator_id", "challenges", "headline"])
    return db.query_df("SELECT indicator_id, challenges, headline FROM indicators "
                       "WHERE headline IS NOT NULL ORDER BY headline, rowid")


@cached
def lad_figures(version: str, indicator_ids: tuple[str, ...]) -> pd.DataFrame:
    """Every English local authority's figures (all periods, breakdown ``total``) for the
    indicators: area_code, area_name, indicator_id, period, period_end, value."""
    return db.query_df(
        """
        SELECT o.area_code, a.display_name AS area_name, o.indicator_id, o.period_label AS period,
               o.period_end, o.value
        FROM observations o JOIN areas a USING (area_code)
        WHERE a.area_level = 'lad' AND a.area_code LIKE 'E%' AND o.breakdown = 'total'
          AND o.value IS NOT NULL AND list_contains($ids, o.indicator_id)
        ORDER BY o.indicator_id, o.area_code, o.period_end
        """,
        {"ids": list(indicator_ids)},
    )
