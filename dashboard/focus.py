"""The overview's focus panels (fit notes, job adverts, UK vacancies, the care workforce), and the
notice for figures not loaded yet.

A panel (:data:`dashboard.panels.PANELS`) shows its figures when any of its indicators is in the
warehouse, and otherwise what it would show. How to load a source is on the About page, not on
the board's pages.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.area import ENGLAND_CODE
from dashboard import charts, memo, panels, queries, steps
from dashboard.display import england, figure_table, heading, notes
from dashboard.formatting import (
    breakdown_label,
    format_value,
    join_names,
    md,
    short_health_name,
    text_of,
)
from dashboard.steps import Step

UK = "K02000001"


def not_loaded(what: str, why: str, key: str) -> None:
    """A quiet notice that some figures are not in the warehouse yet: what is missing and what
    it would show."""
    with st.container(border=True, key=f"not_loaded_{key}"):
        st.markdown(f"**Not loaded yet: {what}.** {why}")


def panel(p: panels.Panel) -> None:
    """One focus panel: its figures, or what is missing and how to load it."""
    with st.container(border=True, key=f"panel_{p.key}"):
        steps.draw(content(p.key))


@memo.cached
def content(version: str, key: str) -> tuple[Step, ...]:
    """What the panel ``key`` draws, kept per warehouse version (``dashboard.steps``)."""
    p = next(p for p in panels.PANELS if p.key == key)
    have = panels.held(p.indicator_ids)
    out: list[Step] = [("markdown", f"#### {md(p.title)}")]
    if not have:
        out.append(("markdown", f"**Not loaded yet.** This panel would show {md(p.missing)}."))
        out.append(("caption", f"Source: {md(p.source)}."))
        return tuple(out)
    out.append(("caption", f"Source: {md(p.source)}."))
    {
        "fit_notes": _fit_notes,
        "job_adverts": _job_adverts,
        "uk_vacancies": _uk_vacancies,
        "care_workforce": _care_workforce,
    }[p.key](out, have)
    return tuple(out)


def _meta(ind_id: str) -> dict:
    ind = queries.indicators()
    return ind[ind["indicator_id"] == ind_id].iloc[0].to_dict()


def _fit_notes(out: list[Step], have: list[str]) -> None:
    members = queries.subicb_members()
    areas = queries.areas()
    names = dict(zip(areas["area_code"], areas["display_name"], strict=True))
    covers = {
        code: join_names(names.get(c, c) for c in grp["lad_code"])
        for code, grp in members.groupby("subicb_code")
    }
    for ind_id in have:
        meta = _meta(ind_id)
        rows = queries.observations((ind_id,), "subicb", (), "latest", "total", True)
        places = rows[~rows["is_comparator"]]
        if places.empty:
            continue
        shown = figure_table(rows, against=[england(rows)], badges=covers)
        out.append(("markdown", heading(meta["title"], meta["unit_label"], shown.attrs["period"])))
        out.append(steps.table(shown, f"panel_table_{ind_id}", width="content"))
        if notes(shown):
            out.append(("caption", notes(shown)))
        if ind_id == "fit_notes_per_1000_16_64":
            series = queries.series(ind_id, tuple(places["area_code"]))
            if series["period"].nunique() > 1:
                out.append(("chart", {
                    "spec": charts.spec("trend", series, unit=meta["unit"],
                                        unit_label=meta["unit_label"],
                                        decimals=int(meta["decimals"])),
                    "key": "chart_fit_notes_trend",
                    "height": charts.trend_height(series["area_code"].nunique()),
                    "alt": f"Trend of {meta['title']} by health area",
                }))
    if not members.empty:
        lines = []
        for _code, grp in members.groupby("subicb_code"):
            badge = short_health_name(grp["subicb_name"].iloc[0]) + "-wide"
            lines.append(f"{md(join_names(names.get(c, c) for c in grp['lad_code']))}: "
                         f"**{md(badge)}**")
        out.append(("caption", "Fit notes are published for NHS sub-ICB areas, not for each "
                    "local authority, so each place shows its sub-ICB area's figure: "
                    + "; ".join(lines) + "."))


def _lad_table(out: list[Step], ind_id: str) -> None:
    meta = _meta(ind_id)
    rows = queries.observations((ind_id,), "lad", (), "latest", "total", True)
    places = rows[~rows["is_comparator"]]
    if places.empty:
        return
    shown = figure_table(rows, against=[england(rows)])
    out.append(("markdown", heading(meta["title"], meta["unit_label"], shown.attrs["period"])))
    out.append(steps.table(shown, f"panel_table_{ind_id}", width="content"))
    extra = [notes(shown)]
    if ENGLAND_CODE not in set(rows["area_code"]):
        extra.append("This series has no figure for England.")
    if text_of(meta["caveats"]):
        extra.append(md(meta["caveats"], 600))
    out.append(("caption", " ".join(e for e in extra if e)))


def _job_adverts(out: list[Step], have: list[str]) -> None:
    for ind_id in ("job_adverts_new_per_1000_16_64", "job_adverts_per_1000_16_64",
                   "job_adverts_total"):
        if ind_id in have:
            _lad_table(out, ind_id)
    occupation = next((i for i in panels.ADVERTS_BY_OCCUPATION if i in have), None)
    if occupation:
        meta = _meta(occupation)
        rows = queries.observations((occupation,), "lad", (), "latest", None, False)
        rows = rows[rows["breakdown"].map(panels.sub_major_group)]
        if not rows.empty:
            total = rows.groupby("breakdown", as_index=False)["value"].sum()
            total["Occupation"] = total["breakdown"].map(breakdown_label)
            out.append(("markdown", f"**{md(meta['title'])}**: the partnership's places "
                        f"together, {md(rows['period'].iloc[0])}"))
            care = [breakdown_label(b) for b in total["breakdown"] if panels.care_occupation(b)]
            out.append(("chart", {
                "spec": charts.spec("share_bars", total, label_col="Occupation",
                                    value_col="value", title="", highlight=care,
                                    value_title=meta["unit_label"], unit="adverts"),
                "key": "chart_adverts_by_occupation", "height": charts.bars_height(len(total)),
                "alt": f"Bar chart: {meta['title']} by occupation, care occupations highlighted",
            }))
    if "job_adverts_adzuna_units" in have:
        _lad_table(out, "job_adverts_adzuna_units")


def _sections(ind_id: str) -> pd.DataFrame:
    rows = queries.national(ind_id)
    rows = rows[(rows["area_code"] == UK) & rows["breakdown"].map(panels.industry_section)]
    return rows.assign(Industry=rows["breakdown"].map(breakdown_label))


def _uk_vacancies(out: list[Step], have: list[str]) -> None:
    for ind_id in have:
        meta = _meta(ind_id)
        rows = _sections(ind_id)
        if rows.empty:
            continue
        out.append(("markdown", heading(meta["title"], meta["unit_label"],
                                        f"United Kingdom, {rows['period'].iloc[0]}")))
        out.append(("chart", {
            "spec": charts.spec("share_bars", rows, label_col="Industry", value_col="value",
                                title="", highlight=breakdown_label(panels.CARE_SIC),
                                value_title=meta["unit_label"], unit=meta["unit"],
                                decimals=int(meta["decimals"])),
            "key": f"chart_{ind_id}", "height": charts.bars_height(len(rows)),
            "alt": f"Bar chart: {meta['title']} by industry, health and social work highlighted",
        }))
    out.append(("caption", "National context only: the ONS Vacancy Survey has no local "
                "breakdown, so these figures are never drawn on a local map. Human health and "
                "social work (SIC Q) is highlighted."))


def _titled_table(out: list[Step], frame: pd.DataFrame, periods: pd.Series, title: str,
                  key: str) -> None:
    """A title with the period when every row shares one (else a Period column), then the
    table."""
    distinct = list(dict.fromkeys(periods))
    out.append(("markdown", title + (f", {md(distinct[0])}" if len(distinct) == 1 else "")))
    if len(distinct) > 1:
        frame = frame.assign(Period=list(periods))
    out.append(steps.table(frame, key, width="content"))


def _care_workforce(out: list[Step], have: list[str]) -> None:
    shown = False
    if "employment_by_industry" in have:
        rows = queries.observations(("employment_by_industry",), "lad", (), "latest", None, True)
        share = panels.care_share(rows)
        if not share.empty:
            shown = True
            frame = pd.DataFrame(
                {
                    "Place": share["area_name"],
                    "Jobs in health and social work": [
                        format_value(v, "", 0, with_unit=False) for v in share["value_q"]
                    ],
                    "Share of all jobs": [format_value(v, "%", 1) for v in share["share_pct"]],
                }
            )
            _titled_table(out, frame, share["period"], "**Employment in human health and "
                          "social work (SIC Q)**, by workplace", "panel_table_care_employment")
    occupation = next((i for i in panels.ADVERTS_BY_OCCUPATION if i in have), None)
    if occupation:
        rows = queries.observations((occupation,), "lad", (), "latest", None, True)
        care = rows[[(panels.care_occupation(b) and panels.sub_major_group(b))
                     or b == panels.CARE_WORKERS for b in rows["breakdown"]]]
        if not care.empty:
            shown = True
            frame = pd.DataFrame(
                {
                    "Place": care["area_name"],
                    "Occupation": care["breakdown"].map(breakdown_label),
                    "Adverts": [format_value(v, "", 0, with_unit=False) for v in care["value"]],
                }
            )
            _titled_table(out, frame, care["period"], "**Online job adverts in health and care "
                          "occupations**", "panel_table_care_adverts")
    lines = []
    for ind_id in ("uk_vacancies_by_industry", "uk_vacancies_per_100_jobs_by_industry"):
        if ind_id not in have:
            continue
        meta = _meta(ind_id)
        rows = _sections(ind_id)
        q = rows[rows["breakdown"] == panels.CARE_SIC]
        if q.empty:
            continue
        r = q.iloc[0]
        text = format_value(r["value"], meta["unit"], int(meta["decimals"]))
        if ind_id == "uk_vacancies_by_industry" and rows["value"].sum() > 0:
            text += f", {100 * r['value'] / rows['value'].sum():.1f}% of vacancies in all sections"
        lines.append(f"- {md(meta['title'])}: **{md(text)}**, {md(r['period'])}")
    if lines:
        shown = True
        out.append(("markdown", "**Human health and social work, United Kingdom** (no local "
                    "series exists)\n" + "\n".join(lines)))
    if not shown:
        out.append(("caption", "The loaded sources hold no health and social care breakdown "
                    "yet: BRES employment by industry section, for example, would show how many "
                    "people work in health and social care in each place."))

