"""The About page's tables (status flags, the indicator catalogue, what the last build changed)
and the indicators' definitions, as steps (``dashboard.steps``) worked out once per warehouse
version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from core.vocabulary import STATUSES
from dashboard import memo, provenance, queries, steps
from dashboard.display import NOT_DATED, source_date
from dashboard.formatting import (
    POLARITY_TEXT,
    format_number,
    level_name,
    md,
    slug,
    status_short,
    text_of,
)
from dashboard.steps import Step


@dataclass(frozen=True)
class Source:
    """One source's expander: what a reader needs to credit and find it again."""

    label: str
    key: str
    details: str  # publisher, dates, licence, attribution
    url: str | None  # the publisher's page
    files: str  # the files read, and notes


@memo.cached
def sources(version: str, info: Mapping) -> tuple[tuple[Source, ...], tuple[Source, ...]]:
    """Every source loaded: those giving figures on the dashboard, then those giving none for
    this area (``info``: the build's record, ``queries.info()``)."""
    grouped = provenance.source_list()

    def one(r) -> Source:
        label = f"**{md(r.title)}** · {md(r.publisher)}"
        when = [w for w in dict.fromkeys([source_date(r.release_date, None, info),
                                          source_date(None, r.retrieved_at, info)])
                if w and w != NOT_DATED]
        if when:
            label += f" · {when[0]}"
        if r.not_refreshed:
            label += " · not refreshed by the last build"
        details = "  \n".join([
            f"**Publisher:** {md(r.publisher)}",
            f"**Dates:** {md(', '.join(when)) if when else 'not recorded'}",
            f"**Licence:** {md(r.licence)}",
            f"**Required attribution:** {md(r.attribution, 400)}",
        ])
        url = (r.url if isinstance(r.url, str) and r.url.startswith(("https://", "http://"))
               else None)
        notes = text_of(r.notes)
        files = f"Files read: {md(r.files, 600)}." + (f" Notes: {md(notes, 800)}" if notes
                                                      else "")
        return Source(label, f"source_{slug(r.dataset)}_{slug(r.title)}", details, url, files)

    return (tuple(one(r) for r in grouped[grouped["n_shown"] > 0].itertuples(index=False)),
            tuple(one(r) for r in grouped[grouped["n_shown"] == 0].itertuples(index=False)))


@memo.cached
def status_table(version: str) -> Step:
    """What each status flag a table shows means."""
    return steps.table(
        pd.DataFrame({"Shown as": [status_short(code) for code in STATUSES],
                      "Meaning": list(STATUSES.values())}),
        "status_table", width="content",
    )


@memo.cached
def indicators(version: str) -> tuple[Step, str]:
    """The catalogue as a table, and each indicator's definition and caveats as a list."""
    ind = queries.indicators()
    ch = queries.challenges()
    ch_titles = dict(zip(ch["challenge_id"], ch["title"], strict=True))
    table = steps.table(
        pd.DataFrame(
            {
                "Indicator": ind["title"],
                "Unit": ind["unit_label"],
                "Direction": ind["polarity"].map(POLARITY_TEXT),
                "Challenges": [", ".join(ch_titles.get(c, c) for c in cs)
                               for cs in ind["challenges"]],
                "Published for": [", ".join(level_name(lv) for lv in lvls)
                                  for lvls in ind["levels"]],
                "Figures loaded": [format_number(n) if n else "none yet" for n in ind["n_obs"]],
                "Id (in links and files)": ind["indicator_id"],
            }
        ),
        "indicators_table",
    )
    definitions = "\n".join(
        f"- **{md(r.title)}**: {md(r.description, 800)}"
        + (f" *Caveats:* {md(r.caveats, 800)}" if text_of(r.caveats) else "")
        for r in ind.itertuples(index=False)
    )
    return table, definitions


@memo.cached
def changes_table(version: str, load_id: str) -> Step | None:
    """What changed since the build before ``load_id``; None without an earlier build."""
    changes = provenance.changes(load_id)
    if changes.empty:
        return None
    return steps.table(
        pd.DataFrame(
            {
                "Indicator": changes["title"],
                "Figures added": changes["rows_added"],
                "Figures removed": changes["rows_removed"],
                "Values revised": changes["values_changed"],
            }
        ),
        "changes_table",
    )
