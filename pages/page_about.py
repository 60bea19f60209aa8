"""About the data: every source, how the figures are made, and what the last build changed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import queries
from dashboard.formatting import POLARITY_TEXT, format_number, level_name
from etl.records import STATUSES
from pages import _shared

info = queries.info()
st.markdown(
    "Every figure on this dashboard comes from a published source file, loaded into a local "
    "warehouse by `python -m etl build`. This page lists the sources, explains how the "
    "partnership's own figures are made, and shows what the last build loaded and changed."
)
if info["is_sample"]:
    st.markdown(
        "**This build holds the bundled sample: invented figures for trying the dashboard, not "
        "statistics.**"
    )


def _date(value: object) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%-d %b %Y")


# ---------------------------------------------------------------------------------------------
st.header("Sources", anchor="sources")
src = queries.sources()
if src.empty:
    st.caption("No sources loaded.")
else:
    grouped = (
        src.assign(file=src["origin"].map(lambda o: str(o).replace("\\", "/").rsplit("/", 1)[-1]))
        .groupby(["dataset", "publisher", "title", "url", "licence", "attribution"],
                 dropna=False, sort=False)
        .agg(files=("file", lambda s: ", ".join(sorted(set(s)))),
             release_date=("release_date", "max"), retrieved_at=("retrieved_at", "max"),
             notes=("notes", lambda s: "; ".join(sorted({str(x) for x in s if x and
                                                           not pd.isna(x)}))))
        .reset_index()
    )
    _shared.table(
        pd.DataFrame(
            {
                "Source": grouped["title"],
                "Publisher": grouped["publisher"],
                "Released": [_date(d) for d in grouped["release_date"]],
                "Retrieved": [_date(d) for d in grouped["retrieved_at"]],
                "Licence": grouped["licence"],
                "Required attribution": grouped["attribution"],
                "Link": grouped["url"],
                "Files read": grouped["files"],
                "Notes": grouped["notes"],
            }
        ),
        hide_index=True, placeholder="—",
        key="sources_table",
        column_config={"Link": st.column_config.LinkColumn("Link")},
    )
    st.caption(
        "Map boundaries: Office for National Statistics, Open Geography Portal, Open Government "
        "Licence v3.0. Contains OS data © Crown copyright and database right."
    )

# ---------------------------------------------------------------------------------------------
st.header("How the figures are made", anchor="methods")
st.markdown(
    f"""
- **The partnership's own figures.** {info['partnership_name']} is not a published geography,
  so its figures are made here: counts are summed across its six local authorities and rates are
  recomputed from the summed numerators and denominators, never by averaging the places' rates.
  The survey's confidence intervals cannot be combined this way, so partnership figures carry
  the status *aggregated* and no interval, and get no better/worse verdict.
- **Verdicts.** A place is *better* or *worse* than a comparator (England, its region, the
  partnership) only when its whole 95% confidence interval lies on one side of the comparator's
  figure for the same period (the Fingertips method). Otherwise it is *similar*. Figures without
  an interval (census counts, administrative counts, the partnership) get no verdict.
- **Distance to 80%.** People needed in work = 80% of residents aged 16 to 64 − residents in
  work, using the Annual Population Survey's own counts, rounded to the nearest 100.
- **Figures published only for wider areas.** Fit notes are published for NHS sub-ICB areas
  (two cover the partnership), so each local authority shows its sub-ICB area's figure, labelled
  for example *BLMK-wide*; they are never drawn as if local. UK vacancies by industry are
  national figures and only ever appear as national context.
- **Modelled and apportioned figures** carry the status *modelled*; figures summed from smaller
  areas (for example 2011 neighbourhoods, or districts that merged into today's authorities)
  carry *aggregated*.
- **Former areas.** Figures for the Northamptonshire districts abolished in 2021 are summed into
  North and West Northamptonshire where the source publishes counts.
- **Suppressed and unreliable figures** stay in the data with their status: a suppressed figure
  is blank, never zero, and maps draw places without a figure hatched in grey, never in a colour
  of the scale.
"""
)
st.subheader("Status flags")
_shared.table(
    pd.DataFrame({"Status": list(STATUSES), "Meaning": list(STATUSES.values())}),
    hide_index=True, placeholder="—",
    key="status_table",
)

# ---------------------------------------------------------------------------------------------
st.header("Indicators", anchor="indicators")
ind = queries.indicators()
ch = queries.challenges()
ch_titles = dict(zip(ch["challenge_id"], ch["title"], strict=True))
_shared.table(
    pd.DataFrame(
        {
            "Indicator": ind["title"],
            "Id (used in links and downloads)": ind["indicator_id"],
            "Unit": ind["unit_label"],
            "Direction": ind["polarity"].map(POLARITY_TEXT),
            "Challenges": [", ".join(ch_titles.get(c, c) for c in cs) for cs in ind["challenges"]],
            "Levels": [", ".join(level_name(lv) for lv in lvls) for lvls in ind["levels"]],
            "Figures loaded": [format_number(n) for n in ind["n_obs"]],
            "Definition": ind["description"],
            "Caveats": ind["caveats"],
        }
    ),
    hide_index=True, placeholder="—",
    key="indicators_table",
)

# ---------------------------------------------------------------------------------------------
st.header("The last build", anchor="last-build")
load = queries.last_load()
if load is None:
    st.caption("The warehouse records no build.")
else:
    st.markdown(
        f"Build `{load['load_id']}` ({load['mode']}), finished "
        f"{_date(load['finished_at'])} for {load['area_name']}."
    )
    changes = queries.changes(load["load_id"])
    if changes.empty:
        st.caption("No earlier build to compare with, so no changes are listed.")
    else:
        st.subheader("What changed since the build before")
        _shared.table(
            pd.DataFrame(
                {
                    "Indicator": changes["title"],
                    "Figures added": changes["rows_added"],
                    "Figures removed": changes["rows_removed"],
                    "Values revised": changes["values_changed"],
                }
            ),
            hide_index=True, placeholder="—",
            key="changes_table",
        )
    with st.expander("The build's own summary", key="build_summary"):
        st.code(str(load["summary"]), language=None)
