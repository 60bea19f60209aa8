"""Layout pieces several pages use (not a page itself: st.navigation lists the pages)."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboard import charts, panels, queries, state
from dashboard.compare import HIGHER, LOWER, SIMILAR, verdict
from dashboard.formatting import (
    breakdown_label,
    format_ci,
    format_value,
    join_names,
    md,
    short_health_name,
    status_notes,
    status_short,
    text_of,
)
from dashboard.views import page_path

ENGLAND = "E92000001"
UK = "K02000001"


def not_loaded(what: str, why: str, how: str, key: str) -> None:
    """A quiet notice that some figures are not in the warehouse yet: what is missing and what
    it would show (for a board member), then the command that loads it in small print (for
    officers)."""
    with st.container(border=True, key=f"not_loaded_{key}"):
        st.markdown(f"**Not loaded yet: {what}.** {why}")
        st.caption(f"For officers: load it with {how}.")


def figure_table(rows: pd.DataFrame, *, unit: str, decimals: int, polarity: str,
                 england: float | None, badges: dict[str, str] | None = None) -> pd.DataFrame:
    """Rows for display: place, figure, 95% CI, period, verdict against England, status.

    Columns that would say nothing are left out: the period when every row shares it (it goes
    in the heading: ``attrs["period"]``), the CI and the verdict where no figure has an interval,
    the status where every figure is ordinary (``attrs["statuses"]`` lists those present, for
    :func:`notes`).
    """
    badges = badges or {}
    out = []
    judged = blank = False
    for r in rows.itertuples(index=False):
        v = verdict(r.value, r.ci_lower, r.ci_upper, england, polarity, "England")
        judged |= v.code in (HIGHER, LOWER, SIMILAR)
        blank |= r.area_code != ENGLAND and v.code not in (HIGHER, LOWER, SIMILAR)
        against = "" if r.area_code == ENGLAND or v.code not in (HIGHER, LOWER, SIMILAR) \
            else v.short
        out.append(
            {
                "Place": r.area_name,
                "Figure": format_value(r.value, unit, decimals),
                "95% CI": format_ci(r.ci_lower, r.ci_upper, unit, decimals),
                "Period": r.period,
                "Against England": against,
                "Covers": badges.get(r.area_code, ""),
                "Status": status_short(r.status),
            }
        )
    df = pd.DataFrame(out, columns=["Place", "Figure", "95% CI", "Period", "Against England",
                                    "Covers", "Status"])
    periods = list(dict.fromkeys(rows["period"].dropna()))
    if len(periods) == 1:
        df = df.drop(columns=["Period"])
    if not any(badges.get(c) for c in rows["area_code"]):
        df = df.drop(columns=["Covers"])
    if not judged:
        # No place has a confidence interval (or England has no figure): say so once instead.
        df = df.drop(columns=["Against England"])
    for col in ("95% CI", "Status"):
        if not df[col].astype(bool).any():
            df = df.drop(columns=[col])
    df.attrs["verdicts"] = judged
    df.attrs["blank_verdicts"] = judged and blank
    df.attrs["period"] = periods[0] if len(periods) == 1 else ""
    df.attrs["statuses"] = [s for s in dict.fromkeys(rows["status"].dropna()) if s]
    return df


NO_VERDICT_NOTE = ("No confidence intervals are published for these figures, so there is no "
                   "verdict against England.")
BLANK_VERDICT_NOTE = ("A blank verdict: the figure has no confidence interval, or England has no "
                      "figure for the same period.")


def notes(df: pd.DataFrame) -> str:
    """The footnote a :func:`figure_table` needs: statuses, and what a blank verdict means."""
    parts = []
    if not df.attrs.get("verdicts", True):
        parts.append(NO_VERDICT_NOTE)
    elif "Against England" in df and df.attrs.get("blank_verdicts"):
        parts.append(BLANK_VERDICT_NOTE)
    if df.attrs.get("statuses") and "Status" in df:
        parts.append(status_notes(df.attrs["statuses"]))
    return " ".join(parts)


def source_line(rows: pd.DataFrame) -> str:
    """``Source: Office for National Statistics, Annual Population Survey.`` for the rows shown
    (escaped for markdown)."""
    pairs = list(dict.fromkeys(
        (str(p), str(t)) for p, t in zip(rows["publisher"], rows["source_title"], strict=True)
        if isinstance(p, str) and isinstance(t, str)
    ))
    if not pairs:
        return ""
    return "Source: " + "; ".join(f"{md(p)}, {md(t)}" for p, t in pairs) + "."


def england_value(rows: pd.DataFrame) -> float | None:
    """England's figure among the comparator rows, if any."""
    eng = rows[rows["area_code"] == ENGLAND]["value"].dropna()
    return float(eng.iloc[0]) if len(eng) else None


def heading(title: str, unit_label: str, period: str) -> str:
    """``**Title**, 2023 · % of residents aged 16 to 64`` for above a table or chart (escaped)."""
    when = f", {md(period)}" if period else ""
    return f"**{md(title)}**{when} · {md(unit_label)}"


def panel(p: panels.Panel) -> None:
    """One focus panel: its figures, or what is missing and how to load it."""
    have = panels.held(p.indicator_ids)
    with st.container(border=True, key=f"panel_{p.key}"):
        st.markdown(f"#### {md(p.title)}")
        if not have:
            st.markdown(f"**Not loaded yet.** This panel would show {md(p.missing)}.")
            st.caption(f"Source: {md(p.source)}. For officers: load it with {p.load_hint}.")
            return
        st.caption(f"Source: {md(p.source)}.")
        {
            "fit_notes": _fit_notes,
            "job_adverts": _job_adverts,
            "uk_vacancies": _uk_vacancies,
            "care_workforce": _care_workforce,
        }[p.key](have)


def _meta(ind_id: str) -> dict:
    ind = queries.indicators()
    return ind[ind["indicator_id"] == ind_id].iloc[0].to_dict()


def _fit_notes(have: list[str]) -> None:
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
        shown = figure_table(rows, unit=meta["unit"], decimals=int(meta["decimals"]),
                             polarity=meta["polarity"], england=england_value(rows),
                             badges=covers)
        st.markdown(heading(meta["title"], meta["unit_label"], shown.attrs["period"]))
        static_table(shown, key=f"panel_table_{ind_id}", width="content")
        if notes(shown):
            st.caption(notes(shown))
        if ind_id == "fit_notes_per_1000_16_64":
            series = queries.series(ind_id, tuple(places["area_code"]))
            if series["period"].nunique() > 1:
                st.vega_lite_chart(
                    spec=charts.spec("trend", series, unit=meta["unit"],
                                     unit_label=meta["unit_label"],
                                     decimals=int(meta["decimals"])),
                    key="chart_fit_notes_trend", height=charts.trend_height(),
                    alt=f"Trend of {meta['title']} by health area",
                )
    if not members.empty:
        lines = []
        for _code, grp in members.groupby("subicb_code"):
            badge = short_health_name(grp["subicb_name"].iloc[0]) + "-wide"
            lines.append(f"{md(join_names(names.get(c, c) for c in grp['lad_code']))}: "
                         f"**{md(badge)}**")
        st.caption(
            "Fit notes are published for NHS sub-ICB areas, not for each local authority, so each "
            "place shows its sub-ICB area's figure: " + "; ".join(lines) + "."
        )


def _lad_table(ind_id: str) -> None:
    meta = _meta(ind_id)
    rows = queries.observations((ind_id,), "lad", (), "latest", "total", True)
    places = rows[~rows["is_comparator"]]
    if places.empty:
        return
    shown = figure_table(rows, unit=meta["unit"], decimals=int(meta["decimals"]),
                         polarity=meta["polarity"], england=england_value(rows))
    st.markdown(heading(meta["title"], meta["unit_label"], shown.attrs["period"]))
    static_table(shown, key=f"panel_table_{ind_id}", width="content")
    extra = [notes(shown)]
    if ENGLAND not in set(rows["area_code"]):
        extra.append("This series has no figure for England.")
    if text_of(meta["caveats"]):
        extra.append(md(meta["caveats"], 600))
    st.caption(" ".join(e for e in extra if e))


def _job_adverts(have: list[str]) -> None:
    for ind_id in ("job_adverts_per_1000_16_64", "job_adverts_total"):
        if ind_id in have:
            _lad_table(ind_id)
    if "job_adverts_by_occupation" in have:
        meta = _meta("job_adverts_by_occupation")
        rows = queries.observations(("job_adverts_by_occupation",), "lad", (), "latest", None,
                                    False)
        rows = rows[rows["breakdown"] != "total"]
        if not rows.empty:
            total = rows.groupby("breakdown", as_index=False)["value"].sum()
            total["Occupation"] = total["breakdown"].map(breakdown_label)
            st.markdown(
                f"**{md(meta['title'])}**: the partnership's places together, "
                f"{md(rows['period'].iloc[0])}"
            )
            care = [breakdown_label(b) for b in total["breakdown"] if panels.care_occupation(b)]
            st.vega_lite_chart(
                spec=charts.spec("share_bars", total, label_col="Occupation",
                                 value_col="value", title="", highlight=care,
                                 value_title=meta["unit_label"]),
                key="chart_adverts_by_occupation", height=charts.bars_height(len(total)),
                alt=f"Bar chart: {meta['title']} by occupation, care occupations highlighted",
            )
    if "job_adverts_adzuna_units" in have:
        _lad_table("job_adverts_adzuna_units")


def _sections(ind_id: str) -> pd.DataFrame:
    rows = queries.national(ind_id)
    rows = rows[(rows["area_code"] == UK) & rows["breakdown"].map(panels.industry_section)]
    return rows.assign(Industry=rows["breakdown"].map(breakdown_label))


def _uk_vacancies(have: list[str]) -> None:
    for ind_id in have:
        meta = _meta(ind_id)
        rows = _sections(ind_id)
        if rows.empty:
            continue
        st.markdown(heading(meta["title"], meta["unit_label"],
                            f"United Kingdom, {rows['period'].iloc[0]}"))
        st.vega_lite_chart(
            spec=charts.spec("share_bars", rows, label_col="Industry", value_col="value",
                             title="", highlight=breakdown_label(panels.CARE_SIC),
                             value_title=meta["unit_label"]),
            key=f"chart_{ind_id}", height=charts.bars_height(len(rows)),
            alt=f"Bar chart: {meta['title']} by industry, health and social work highlighted",
        )
    st.caption(
        "National context only: the ONS Vacancy Survey has no local breakdown, so these figures "
        "are never drawn on a local map. Human health and social work (SIC Q) is highlighted."
    )


def _titled_table(frame: pd.DataFrame, periods: pd.Series, title: str, key: str) -> None:
    """A title with the period when every row shares one (else a Period column), then the
    table."""
    distinct = list(dict.fromkeys(periods))
    st.markdown(title + (f", {md(distinct[0])}" if len(distinct) == 1 else ""))
    if len(distinct) > 1:
        frame = frame.assign(Period=list(periods))
    static_table(frame, key=key, width="content")


def _care_workforce(have: list[str]) -> None:
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
            _titled_table(frame, share["period"], "**Employment in human health and social work "
                          "(SIC Q)**, by workplace", "panel_table_care_employment")
    if "job_adverts_by_occupation" in have:
        rows = queries.observations(("job_adverts_by_occupation",), "lad", (), "latest", None,
                                    True)
        care = rows[[panels.care_occupation(b) for b in rows["breakdown"]]]
        if not care.empty:
            shown = True
            frame = pd.DataFrame(
                {
                    "Place": care["area_name"],
                    "Occupation": care["breakdown"].map(breakdown_label),
                    "Adverts": [format_value(v, "", 0, with_unit=False) for v in care["value"]],
                }
            )
            _titled_table(frame, care["period"], "**Online job adverts in health and care "
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
        st.markdown("**Human health and social work, United Kingdom** (no local series "
                    "exists)\n" + "\n".join(lines))
    if not shown:
        st.caption("The loaded sources hold no health and social care breakdown yet: BRES "
                   "employment by industry section, for example, would show how many people "
                   "work in health and social care in each place.")


def profile_link(area_code: str, area_name: str) -> None:
    """A link to a place's profile."""
    st.page_link(page_path("profile"), label=f"Open the profile of {md(area_name)}",
                 icon=":material/arrow_forward:", query_params={"area": area_code})


def breakdown_choice(options: list[str], key: str) -> str:
    """Pick one breakdown of an indicator that has no total."""
    return st.selectbox("Breakdown", options, format_func=breakdown_label, key=key)


def url_choice(
    key: str,
    label: str,
    options: dict[str, str],
    default: str,
    *,
    what: str,
    widget: str = "selectbox",
    help_text: str | None = None,
) -> str:
    """A page's own filter whose value lives in the URL under ``key`` (as the shared ones do).

    Says what it ignored when the URL held a value that is not allowed.
    """
    parsed = state.resolve(
        key,
        lambda raw: state.parse_one(key, raw, options, default, what=what),
        lambda v: v in options,
        default,
    )
    if parsed.ignored:
        st.warning(parsed.ignored, icon=":material/link_off:")
    if widget == "segmented":
        value = st.segmented_control(
            label, list(options), format_func=options.get, key=key, help=help_text,
            required=True,
        )
    else:
        value = st.selectbox(
            label, list(options), format_func=options.get, key=key, help=help_text
        )
    value = value if value in options else default
    state.commit(key, value, default)
    return value


def table(df: pd.DataFrame | Styler, key: str, *, box: str | None = None, **kwargs):
    """``st.dataframe`` inside a container keyed ``<box>_box`` (``box`` defaults to ``key``; so
    tests and the browser suite can find the table by name even when its widget key changes);
    returns what ``st.dataframe`` returns. For tables a reader sorts or picks from (the map's
    table, the download preview)."""
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("placeholder", "—")
    n_rows = len(df.data if isinstance(df, Styler) else df)
    if "height" not in kwargs and n_rows > 10:
        kwargs["height"] = min(38 + 35 * n_rows, 740)  # show every row up to about twenty
    with st.container(key=f"{box or key}_box"):
        return st.dataframe(df, key=key, **kwargs)


NBSP = "\u00a0"


def static_table(df: pd.DataFrame, key: str, *, width: int | str = "stretch",
                 nowrap: tuple[str, ...] = ()) -> None:
    """A table to read, not to sort: every row and column shown in full, long text wrapped onto
    more lines instead of cut off (``st.table``), inside a container keyed ``<key>_box``.
    ``width="content"`` keeps a table of short columns from spreading across the page; the
    short figures in ``nowrap`` columns (``63.2 to 71.8%``) are kept on one line.

    ``st.table`` renders its cells and headers as markdown, so every text is escaped: a name
    from a source file shows as it is and cannot become a link."""
    shown = df.copy()
    for col in shown.columns:
        shown[col] = ["" if x is None or (isinstance(x, float) and x != x)
                      else md(x, 2000) if isinstance(x, str) else x
                      for x in shown[col]]
        if col in nowrap:
            shown[col] = [x.replace(" ", NBSP) if isinstance(x, str) else x
                          for x in shown[col]]
    shown.columns = [md(c, 200) for c in shown.columns]
    with st.container(key=f"{key}_box"):
        st.table(shown, hide_index=True, border="horizontal", width=width)
