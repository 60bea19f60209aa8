"""Data & download: filter, preview, and download exactly the preview as CSV or XLSX."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard import export, queries, state
from dashboard.filterbar import url_choice
from dashboard.formatting import format_number, join_names, level_name, md
from dashboard.tables import preview_table, table
from dashboard.views import current_filters

ROW_LIMIT = 100_000

f = current_filters("data")
info = queries.info()
st.markdown(
    "Filter with the bar above, check the preview, then download exactly these rows. Each row is "
    "one figure with its unit, period, 95% confidence limits, status, source and licence."
)

with_comparators = url_choice(
    state.COMPARATORS, "Include comparators",
    {"1": "With the partnership, regions and England", "0": "Places only"}, "1",
    what="1 (with comparators) or 0 (places only)", widget="segmented",
)

if not f.indicators:
    st.info("Choose one or more indicators in the bar above.")
else:
    # The files are made from exactly these rows (text that looks like a formula is neutralised
    # on the way out). Streamlit's own table download and copy are switched off in
    # .streamlit/config.toml (client.disableDataExport), so the buttons below are the only way
    # the rows leave the page.
    chosen = export.selection(tuple(f.indicators), f.level, tuple(f.places), f.period,
                              with_comparators == "1", ROW_LIMIT)
    rows, preview, truncated, gaps = chosen.rows, chosen.preview, chosen.truncated, chosen.gaps
    where = "all places"
    if f.places:
        areas = queries.areas()
        names = dict(zip(areas["area_code"], areas["display_name"], strict=True))
        where = join_names(md(names.get(c, c)) for c in f.places)
    national = chosen.national
    if national:  # published only for countries (UK vacancies): there are no places' rows
        subject = "national figures only, as no local breakdown is published"
    elif f.level == "lad":  # places are local authorities: name them, not "authorities in" them
        subject = where if f.places else f"all {level_name(f.level, lower=True)}"
    else:
        subject = f"{level_name(f.level, lower=True)} in {where}"
    st.caption(
        f"{format_number(len(preview))} rows: {subject}"
        + (", with the partnership, regions and England where they have a figure"
           if with_comparators == "1" and not national else "")
        + "."
        + (f" Showing the first {format_number(ROW_LIMIT)} rows: narrow the filters to see "
           "the rest." if truncated else "")
    )
    if gaps:
        st.caption(" ".join(gaps))
    shown, config = preview_table(preview, rows["decimals"])
    table(
        shown,
        hide_index=True, placeholder="",
        key="data_preview",
        column_config=config,
    )
    st.caption("Column headers are shown in words here; the files use the tidy names "
               "(indicator_id, area_code, value, ...).")
    latest_label = chosen.latest_label
    held = chosen.held  # UK-only figures are named for the country
    csv_name = export.file_name(f.indicators, held, f.period, "csv", latest_label=latest_label)
    xlsx_name = export.file_name(f.indicators, held, f.period, "xlsx", latest_label=latest_label)
    about = [
        ("Dashboard", "Get South Midlands Working: labour market dashboard"),
        ("Generated", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("Indicators", ", ".join(f.indicators)),
        ("Level", held),
        ("Places", ", ".join(f.places) or "all"),
        ("Period", f.period),
        ("Comparators", "included" if with_comparators == "1" else "not included"),
        ("Rows", str(len(preview))),
        ("Sample data", "YES: invented figures, not real statistics" if info["is_sample"]
         else "no"),
        *(("Attribution", a) for a in chosen.attributions),
    ]
    with st.container(horizontal=True, key="downloads"):
        st.download_button(
            "Download CSV",
            data=lambda: export.to_csv_bytes(preview),
            file_name=csv_name,
            mime="text/csv",
            icon=":material/download:",
            key="download_csv",
            on_click="ignore",
        )
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
