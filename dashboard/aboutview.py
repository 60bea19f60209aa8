"""The About page's tables (status flags, the indicator catalogue, what the last build changed)
and the indicators' definitions, as steps (``dashboard.steps``) worked out once per warehouse
version."""

from __future__ import annotations

import pandas as pd

from core.vocabulary import STATUSES
from dashboard import memo, provenance, queries, steps
from dashboard.formatting import POLARITY_TEXT, format_number, level_name, md, status_short, text_of
from dashboard.steps import Step


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
