"""Two parts of the place profile page: the downloads for board papers (the profile as a PDF,
its main chart as a PNG) and the "places like this" section of a local authority's statistical
neighbours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import display, memo, neighbours, profilepdf, queries
from dashboard.aspiration import EMPLOYMENT_RATE, TARGET_RATE
from dashboard.formatting import date_text, format_number, format_value, md, slug
from dashboard.profile import Place, describe
from dashboard.tables import static_table


def with_neighbours(p: Place, obs: pd.DataFrame, names: dict[str, str]
                    ) -> tuple[Place, pd.DataFrame, dict[str, str], neighbours.Neighbours | None]:
    """A local authority compared with its statistical neighbours' median as well: the place
    with that comparator added, its figures with the median's rows, the names with the group's
    label, and the group (None for other places, or where too little is loaded)."""
    group, median = _peers(p.code) if p.level == "lad" else (None, None)
    if group is None:
        return p, obs, names, None
    obs = pd.concat([obs, median], ignore_index=True)
    return (replace(p, comparators=(*p.comparators, ("peers", neighbours.PEERS_CODE))), obs,
            {**names, neighbours.PEERS_CODE: group.label}, group)


@memo.cached
def _peers(version: str, code: str
           ) -> tuple[neighbours.Neighbours | None, pd.DataFrame | None]:
    """The local authority's statistical neighbours and their median's rows, kept per warehouse
    version: finding them compares every English authority."""
    group = neighbours.find(code)
    if group is None:
        return None, None
    return group, neighbours.median_rows(group, queries.area_observations(group.codes))


def document(p: Place, own: pd.DataFrame, wider: pd.DataFrame, obs: pd.DataFrame,
             names: dict[str, str], group: neighbours.Neighbours | None,
             build: Mapping) -> profilepdf.ProfileDoc:
    """What the PDF and the PNG show, from the page's own profile rows."""
    codes = [p.code, *(c for _, c in p.comparators)]
    series = obs[obs["area_code"].isin(codes) & obs["indicator_id"].isin(own["indicator_id"])]
    shown = pd.concat([own, wider])
    used = obs.merge(shown[["indicator_id", "figure_area", "period"]].rename(
        columns={"figure_area": "area_code"}), on=["indicator_id", "area_code", "period"])
    sources = [_plain(display.source_line(grp, build)).removeprefix("Source: ")
               for _, grp in used.groupby(["publisher", "source_title"], sort=False)]
    chart_sources = {i: _plain(display.source_line(grp, build))
                     for i, grp in used.groupby("indicator_id", sort=False)}
    notes = []
    if group is not None:
        notes.append(f"{group.label}: the median of the ten English local authorities most "
                     f"like {p.name} ({', '.join(group.names)}), on "
                     f"{len(group.used)} characteristics; the method is on the dashboard's "
                     "About page.")
    return profilepdf.ProfileDoc(
        name=p.name, description=describe(p, names), table=own.reset_index(drop=True),
        comparators=[(role, names.get(c, c)) for role, c in p.comparators], series=series,
        names=names, codes=codes, wider=wider.reset_index(drop=True),
        sources=[s for s in sources if s], chart_sources=chart_sources, notes=notes,
        built=date_text(build.get("built_at")), is_sample=bool(build.get("is_sample")),
        target={EMPLOYMENT_RATE: TARGET_RATE},
    )


def _plain(text: str) -> str:
    """Markdown-escaped text as plain text (for the PDF)."""
    return text.replace("\\", "")


def profile_buttons(p: Place, own: pd.DataFrame, wider: pd.DataFrame, obs: pd.DataFrame,
                    names: dict[str, str], group: neighbours.Neighbours | None,
                    build: Mapping) -> None:
    """"Download profile (PDF)" and "Download main chart (PNG)", drawn on the server only when
    clicked (what they show is gathered then too)."""

    def doc() -> profilepdf.ProfileDoc:
        return document(p, own, wider, obs, names, group, build)

    stem = f"gsmw_profile_{slug(p.name).replace('-', '_')}"
    with st.container(horizontal=True, key="profile_downloads"):
        st.download_button("Download profile (PDF)", data=lambda: profilepdf.profile_pdf(doc()),
                           file_name=f"{stem}.pdf", mime="application/pdf",
                           icon=":material/picture_as_pdf:", key="download_profile_pdf",
                           on_click="ignore")
        st.download_button("Download main chart (PNG)",
                           data=lambda: profilepdf.main_chart_png(doc()),
                           file_name=f"{stem}_chart.png", mime="image/png",
                           icon=":material/image:", key="download_profile_png",
                           on_click="ignore")
    w, h = profilepdf.PNG_SIZE
    st.caption(f"For board papers: the profile on one or two A4 pages (headline figures with "
               f"their confidence intervals and verdicts, trends, sources), and its main chart "
               f"as a {w} × {h} pixel image.")


def places_like(group: neighbours.Neighbours, build: Mapping) -> None:
    """The place's statistical neighbours, their characteristics, and what the group is."""
    st.subheader(f"Places like {md(group.name)}", anchor="places-like-this")
    if build.get("is_sample"):
        scope = (f"the {group.pool} local authorities of the bundled sample (invented figures; "
                 "with real data they are drawn from every English local authority)")
    else:
        scope = f"the {group.pool} English local authorities with these figures"
    st.markdown(
        f"The {len(group.codes)} local authorities most like **{md(group.name)}** among {scope}, "
        f"judged on {len(group.used)} characteristics at once. Their median is the "
        f"*{md(group.label)}* column of the figures above."
    )
    figures = group.figures
    frame = {"Place": [group.name, *group.names],
             "Distance": ["", *(f"{d:.2f}" for d in group.distances)]}
    for c in group.used:
        frame[c.short] = [
            format_number(v, 0) if c.unit == "" else format_value(v, c.unit, 2 if c.unit ==
                                                                   "ratio" else 1)
            for v in figures[c.indicator_id]]
    static_table(pd.DataFrame(frame), key="places_like_table", width="stretch")
    periods = "; ".join(f"{c.short} {group.periods[c.indicator_id]}" for c in group.used)
    st.caption(
        "Distance: how far apart two places are across the characteristics once each is put on "
        "a common scale (z-scores); smaller is more alike. Periods: "
        f"{md(periods, 600)}. The method is on the About page."
    )
