"""Data & download: filter, preview, and download exactly the preview as CSV or XLSX."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard import export, queries, state
from dashboard.formatting import format_number, join_names, level_name
from dashboard.views import current_filters
from pages import _shared

ROW_LIMIT = 100_000

f = current_filters("data")
info = queries.info()
st.markdown(
    "Filter with the bar above, check the preview, then download exactly these rows. Each row is "
    "one figure with its unit, period, 95% confidence limits, status, source and licence."
)

with_comparators = _shared.url_choice(
    state.COMPARATORS, "Include comparators",
    {"1": "With the partnership, regions and England", "0": "Places only"}, "1",
    what="1 (with comparators) or 0 (places only)", widget="segmented",
)

if not f.indicators:
    st.info("Choose one or more indicators in the bar above.")
else:
    rows = queries.observations(
        tuple(f.indicators), f.level, tuple(f.places), f.period, None, with_comparators == "1"
    )
    truncated = len(rows) > ROW_LIMIT
    if truncated:
        rows = rows.iloc[:ROW_LIMIT]
    preview = export.tidy(rows)
    areas = queries.areas()
    lad_names = dict(zip(areas["area_code"], areas["display_name"], strict=True))
    where = join_names(lad_names.get(c, c) for c in f.places) if f.places else "all places"
    st.caption(
        f"{format_number(len(preview))} rows: {level_name(f.level, lower=True)} in {where}"
        + (", with comparators" if with_comparators == "1" else "")
        + "."
        + (f" Showing the first {format_number(ROW_LIMIT)} rows: narrow the filters to see "
           "the rest." if truncated else "")
    )
    _shared.table(
        preview,
        hide_index=True, placeholder="",
        key="data_preview",
        column_config={
            "value": st.column_config.NumberColumn("value", format="localized"),
            "ci_lower": st.column_config.NumberColumn("ci_lower", format="localized"),
            "ci_upper": st.column_config.NumberColumn("ci_upper", format="localized"),
            "numerator": st.column_config.NumberColumn("numerator", format="localized"),
            "denominator": st.column_config.NumberColumn("denominator", format="localized"),
            "period_start": st.column_config.DateColumn("period_start", format="YYYY-MM-DD"),
            "period_end": st.column_config.DateColumn("period_end", format="YYYY-MM-DD"),
            "retrieved": st.column_config.DateColumn("retrieved", format="YYYY-MM-DD"),
        },
    )
    latest_label = ""
    if f.period == state.LATEST and len(preview):
        labels = preview["period"].dropna().unique()
        latest_label = labels[0] if len(labels) == 1 else ""
    csv_name = export.file_name(f.indicators, f.level, f.period, "csv", latest_label=latest_label)
    xlsx_name = export.file_name(f.indicators, f.level, f.period, "xlsx",
                                 latest_label=latest_label)
    about = [
        ("Dashboard", "Get South Midlands Working: labour market dashboard"),
        ("Generated", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("Indicators", ", ".join(f.indicators)),
        ("Level", f.level),
        ("Places", ", ".join(f.places) or "all"),
        ("Period", f.period),
        ("Comparators", "included" if with_comparators == "1" else "not included"),
        ("Rows", str(len(preview))),
        ("Sample data", "YES: invented figures, not real statistics" if info["is_sample"]
         else "no"),
        *(("Attribution", a) for a in sorted(set(preview["attribution"].dropna()))),
    ]
    c1, c2, _ = st.columns([1, 1, 3])
    with c1:
        st.download_button(
            "Download CSV",
            data=lambda: export.to_csv_bytes(preview),
            file_name=csv_name,
            mime="text/csv",
            icon=":material/download:",
            key="download_csv",
            on_click="ignore",
        )
    with c2:
        st.download_button(
            "Download XLSX",
            data=lambda: export.to_xlsx_bytes(preview, about),
            file_name=xlsx_name,
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/table:",
            key="download_xlsx",
            on_click="ignore",
        )
    st.caption(
        f"Files: `{csv_name}` and `{xlsx_name}`. Text cells that begin with = + − or @ are "
        "prefixed with an apostrophe so a spreadsheet cannot run them. Copy this page's address "
        "to share exactly this selection."
    )
