"""About the data: every source, how the figures are made, what the last build changed, and the
accessibility statement."""

from __future__ import annotations

import streamlit as st

from dashboard import aboutview, buildreport, neighbours, panels, provenance, queries, steps
from dashboard.formatting import date_text, md

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


def _date(value: object, *, long: bool = False) -> str:
    return date_text(value, short=not long)


# ---------------------------------------------------------------------------------------------
st.header("Sources", anchor="sources")
shown, unused = aboutview.sources(dict(info))
if not shown and not unused:
    st.caption("No sources loaded.")
else:

    def _source(r: aboutview.Source) -> None:
        """One source, in an expander: what a reader needs to credit and find it again."""
        with st.expander(r.label, key=r.key):
            st.markdown(r.details)
            if r.url:
                st.link_button("The publisher's page for this source", r.url,
                               icon=":material/open_in_new:", type="tertiary")
            st.caption(r.files)

    st.markdown(f"**{len(shown)} sources** give the figures on this dashboard. Open one for its "
                "dates, licence, the attribution its publisher asks for, and the files read.")
    for r in shown:
        _source(r)
    if unused:
        st.markdown("**Loaded, but no figures for this area.** These files were read but hold "
                    "no figure for the partnership's places, their regions or England, so "
                    "nothing on this dashboard comes from them.")
        for r in unused:
            _source(r)
    st.caption(
        "Map boundaries: Office for National Statistics, Open Geography Portal, Open Government "
        "Licence v3.0. Contains OS data © Crown copyright and database right."
    )

# ---------------------------------------------------------------------------------------------
st.header("How the figures are made", anchor="methods")
st.markdown(
    f"""
- **The partnership's own figures.** {md(info['partnership_name'])} is not a published geography,
  so its figures are made here: counts are summed across its six local authorities and rates are
  recomputed from the summed numerators and denominators, never by averaging the places' rates.
  A rate made from survey counts gets an approximate 95% interval: each place's standard error
  (from its published interval) combined as for independent samples, over the summed
  denominator; a place published without an interval (a count too small to be reliable) takes
  the others' error scaled to its count. Its source is the dataset the counts came from. Other
  partnership figures carry the status *aggregated* and no interval, and get no verdict.
- **Verdicts.** A place is *better* or *worse* than a comparator (England, its region, the
  partnership) only when its whole 95% confidence interval lies on one side of the comparator's
  figure for the same period (the Fingertips method). Otherwise it is *similar*. Figures without
  an interval (census counts, administrative counts, the partnership) get no verdict.
- **Change on a year earlier** (place profiles). The latest figure against the same place's
  figure for the period a year before. It is called *improved* or *worsened* only when the
  change is larger than 1.96 times the combined standard error of the two figures (each taken
  from its 95% interval); otherwise *within sampling error*. This treats the two years as
  independent samples, an approximation for the Annual Population Survey, whose households stay
  in the survey for up to five quarters. Without intervals only the direction is given.
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
st.subheader("Places like this: statistical neighbours", anchor="places-like-this")
st.markdown(
    "A local authority's profile names the ten English local authorities most like it, and "
    "compares each figure with their median, as ONS Explore Local Statistics and LG Inform "
    "compare a place with its statistical neighbours. How they are found:\n\n"
    "1. **Characteristics**, those of the following the warehouse holds for at least 80% of "
    "English local authorities, each for one period (its latest with near-full coverage): "
    + "; ".join(md(c.label) for c in neighbours.CHARACTERISTICS) + ".\n"
    "2. **Standardised**: each becomes a z-score across the authorities (its distance from "
    "their mean in standard deviations), so each counts equally whatever its unit; "
    "working-age population enters as its logarithm.\n"
    "3. **Compared by distance**: the Euclidean distance between two authorities' z-scores. "
    "An authority missing a figure (a suppressed survey estimate) is compared on the "
    "characteristics it has, scaled to the full set; one missing more than a quarter is left "
    "out.\n"
    "4. **The ten nearest** are the group; a comparison uses their median for a period where at "
    "least half of them have a figure. It has no confidence interval, so the verdict against it "
    "rests on the place's own interval.\n\n"
    "With the bundled sample only the sample's own places have figures, so the group is drawn "
    "from them, and the profile says so."
)
st.subheader("Status flags")
st.caption("Where a figure is not an ordinary published one, tables say so in a word or two.")
steps.draw([aboutview.status_table()])

# ---------------------------------------------------------------------------------------------
st.header("Indicators", anchor="indicators")
catalogue, definitions = aboutview.indicators()
steps.draw([catalogue])
with st.expander("What each indicator measures, and its caveats", key="definitions"):
    st.markdown(definitions)

# ---------------------------------------------------------------------------------------------
st.header("Loading the data", anchor="loading")
st.markdown(
    "The figures are loaded by officers with the project's own commands (the README has the "
    "details):\n\n"
    "- `python -m etl build`: fetch every live source (Nomis API, NHS England, ONS);\n"
    "- `python -m etl build --from <folder>`: read the files downloaded by hand into a folder "
    "(recognised by their content, in any sub-folder);\n"
    "- `python -m geo build`: the map boundaries.\n\n"
    "What each overview panel needs:\n\n"
    + "\n".join(f"- **{md(p.title)}**: {p.load_hint}." for p in panels.PANELS)
)

# ---------------------------------------------------------------------------------------------
st.header("The last build", anchor="last-build")
load = provenance.last_load()
if load is None:
    st.caption("The warehouse records no build.")
else:
    how = {"files": "from downloaded files", "live": "from the live sources",
           "sample": "from the sample bundled with the project"}.get(str(load["mode"]), "")
    st.markdown(
        f"Last refreshed **{_date(load['finished_at'], long=True)}** {how}, for "
        f"{md(load['area_name'])}."
    )
    buildreport.carried_notice()
    st.subheader("What the build did with each file")
    titles = dict(zip(queries.indicators()["indicator_id"], queries.indicators()["title"],
                      strict=True))
    buildreport.files_table(load["load_id"], titles)
    changes = aboutview.changes_table(load["load_id"])
    if changes is None:
        st.caption("No earlier build to compare with, so no changes are listed.")
    else:
        st.subheader("What changed since the build before")
        steps.draw([changes])
    with st.expander("The build's own summary (for officers)", key="build_summary"):
        st.caption(f"Build {md(load['load_id'])}.")
        st.code(str(load["summary"]), language=None)

# ---------------------------------------------------------------------------------------------
st.header("Accessibility", anchor="accessibility")
st.markdown(
    """
The dashboard aims to be usable by everyone who needs its figures. What it does:

- **Every map has a table beside it** with the same figures, sortable, and a one-line text
  summary (highest and lowest place) that screen readers announce as the map's description.
  A place can be chosen from the table as well as by clicking the map.
- **Every chart has a text description** and the figures it draws are in a table or the
  download.
- **Colour never carries meaning alone.** Maps use a palette readable with the common
  colour-vision deficiencies (viridis, darker = worse); places without a figure are hatched grey,
  never a colour of the scale; verdicts are written out (*better*, *similar*, *worse*) and drawn
  with distinct shapes as well as colours (Okabe–Ito).
- **Units, periods and sources** are written beside every figure, and abbreviations (pp, CI) are
  spelled out in the notes or column help where they appear.
- **Every view has its own link**, and the data behind it downloads as CSV or XLSX.

Known limitations:

- The maps are drawn with WebGL: their tooltips need a pointer and their shapes cannot be read by
  a screen reader. The table beside each map holds everything the map shows.
- The map's side table is an interactive grid whose keyboard and screen-reader support is more
  limited than that of the plain tables used elsewhere.
- The dashboard has not yet been audited against WCAG 2.2 AA.
"""
)
