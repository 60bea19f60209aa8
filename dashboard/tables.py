"""Tables on the page: the two table widgets, and the column settings of the sortable ones.

:func:`static_table` is a table to read (every row and column in full, text escaped);
:func:`table` is a grid a reader sorts or picks from. A sortable table keeps its figures as numbers
and formats them through its column settings: :func:`figure_columns` for a
:func:`~dashboard.display.figure_table` made with ``numbers=True`` (the map's side table),
:func:`preview_table` for the download preview, whose rows are the file's.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from core.area import ENGLAND_CODE
from dashboard.display import HEADERS, gap_text
from dashboard.formatting import join_names, md

NBSP = "\u00a0"
GAP = HEADERS["gap"]


def table(df: pd.DataFrame | Styler, key: str, *, box: str | None = None, **kwargs):
    """``st.dataframe`` inside a container keyed ``<box>_box`` (``box`` defaults to ``key``; so
    tests and the browser suite can find the table by name even when its widget key changes);
    returns what ``st.dataframe`` returns. For tables a reader sorts or picks from (the map's
    table, the download preview)."""
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("placeholder", "—")
    if isinstance(df, pd.DataFrame) and pd.api.types.is_numeric_dtype(df.get(GAP, pd.Series(
            dtype=object))):
        # The gap stays a number (so the column sorts), written in words where it is not one:
        # "above 80%", never "0.0 pp".
        df = df.style.format(gap_text, subset=[GAP], na_rep="")
    n_rows = len(df.data if isinstance(df, Styler) else df)
    if "height" not in kwargs and n_rows > 10:
        kwargs["height"] = min(38 + 35 * n_rows, 740)  # show every row up to about twenty
    with st.container(key=f"{box or key}_box"):
        return st.dataframe(df, key=key, **kwargs)


def static_table(df: pd.DataFrame, key: str, *, width: int | str = "stretch",
                 nowrap: tuple[str, ...] = ()) -> None:
    """A table to read, not to sort: every row and column shown in full, long text wrapped onto
    more lines instead of cut off (``st.table``), inside a container keyed ``<key>_box``.
    ``width="content"`` keeps a table of short columns from spreading across the page; the
    short figures in ``nowrap`` columns (``63.2 to 71.8%``) are kept on one line.

    ``st.table`` renders its cells and headers as markdown, so every text is escaped: a name
    from a source file shows as it is and cannot become a link."""
    escaped_table(escape_table(df, nowrap), key, width=width)


def escape_table(df: pd.DataFrame, nowrap: tuple[str, ...] = ()) -> pd.DataFrame:
    """``df`` as :func:`static_table` shows it: every text and header escaped as markdown,
    blanks for missing values, the ``nowrap`` columns' spaces made non-breaking."""
    shown = df.copy()
    for col in shown.columns:
        shown[col] = ["" if x is None or (isinstance(x, float) and x != x)
                      else md(x, 2000) if isinstance(x, str) else x
                      for x in shown[col]]
        if col in nowrap:
            shown[col] = [x.replace(" ", NBSP) if isinstance(x, str) else x
                          for x in shown[col]]
    shown.columns = [md(c, 200) for c in shown.columns]
    return shown


def escaped_table(shown: pd.DataFrame, key: str, *, width: int | str = "stretch") -> None:
    """A table made by :func:`escape_table` (kept escaped, for instance in a page's steps),
    drawn as :func:`static_table` draws it."""
    with st.container(key=f"{key}_box"):
        st.table(shown, hide_index=True, border="horizontal", width=width)


def figure_columns(df: pd.DataFrame, unit: str, decimals: int) -> dict:
    """Column labels, units, number formats (the indicator's decimals) and widths for a figure
    table kept as numbers, sized for the map's side column."""
    number = f"%.{decimals}f" if decimals > 0 else "localized"  # counts: thousands separators
    fmt = f"%.{decimals}f%%" if unit == "%" else number
    suffix = "" if unit in ("%", "ratio", "") else f" ({unit})"
    narrow = len(df.columns) > 2
    place_width = (170 if "95% CI" in df else 240) if narrow else 320
    return {
        "Place": st.column_config.TextColumn("Place", width=place_width, pinned=True),
        "Figure": st.column_config.NumberColumn(f"Figure{suffix}", format=fmt,
                                                width=115 if suffix else 70),
        GAP: st.column_config.NumberColumn(
            "To 80%", width=72,
            help="Percentage points below the Get Britain Working aspiration of an 80% "
            "employment rate."),
        "95% CI": st.column_config.TextColumn("95% CI", width=105,
                                              help="95% confidence interval"),
        "Against England": st.column_config.TextColumn("vs England", width=75,
                                                       help="Verdict against England's figure "
                                                       "for the same period, where the 95% "
                                                       "confidence interval allows"),
        "Status": st.column_config.TextColumn("Status", width=80),
    }


# ---------------------------------------------------------------------------------------------
# The download preview
# ---------------------------------------------------------------------------------------------

PREVIEW_HEADERS = {
    "indicator_id": "Indicator id",
    "indicator_title": "Indicator",
    "area_code": "Area code",
    "area_name": "Area",
    "area_level": "Level",
    "period": "Period",
    "period_start": "Period start",
    "period_end": "Period end",
    "breakdown": "Breakdown",
    "value": "Value",
    "unit": "Unit",
    "ci_lower": "95% CI lower",
    "ci_upper": "95% CI upper",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "status": "Status code",
    "status_text": "Status",
    "source_title": "Source",
    "publisher": "Publisher",
    "licence": "Licence",
    "attribution": "Attribution",
    "retrieved": "File retrieved",
}
STYLE_UP_TO = 5_000  # rows: beyond this, mixed decimals fall back to one format per column


def preview_table(tidy: pd.DataFrame, decimals: pd.Series) -> tuple[pd.DataFrame | Styler, dict]:
    """The download's rows as the preview shows them, and their column settings: headers in
    words, and the figures at each row's indicator's decimals (``decimals``, one per row).

    The figures stay numbers, so the preview is exactly the file."""
    held = sorted({int(d) for d in decimals.dropna()})
    number_format = ("localized" if len(held) != 1 or held[0] == 0
                     else f"%,.{held[0]}f")
    shown: pd.DataFrame | Styler = tidy
    if len(held) > 1 and len(tidy) <= STYLE_UP_TO:
        # Several indicators with different decimals: each row shows its own indicator's.
        styler = tidy.style
        for d in held:
            idx = tidy.index[decimals.to_numpy() == d]
            styler = styler.format(f"{{:,.{d}f}}", subset=(idx, ["value", "ci_lower",
                                                                 "ci_upper"]), na_rep="")
        shown = styler
        number_format = None
    config = {col: st.column_config.TextColumn(label) for col, label in PREVIEW_HEADERS.items()}
    for col in ("value", "ci_lower", "ci_upper"):
        config[col] = st.column_config.NumberColumn(PREVIEW_HEADERS[col], format=number_format)
    for col in ("numerator", "denominator"):
        config[col] = st.column_config.NumberColumn(PREVIEW_HEADERS[col], format="localized")
    for col in ("period_start", "period_end", "retrieved"):
        config[col] = st.column_config.DateColumn(PREVIEW_HEADERS[col], format="YYYY-MM-DD")
    return shown, config


def missing_comparators(rows: pd.DataFrame, areas: pd.DataFrame, partnership: str | None,
                        places: Sequence[str] = ()) -> list[str]:
    """One sentence per indicator and comparator (the partnership, the regions of ``places``, or
    of every place, and England) with no figure for some of the periods the places have, and why
    where the rows tell (the partnership's figures are added up from its places' counts)."""
    names = dict(zip(areas["area_code"], areas["display_name"], strict=True))
    lads = areas[(areas["area_level"] == "lad") & areas["in_partnership"]]
    if places:
        lads = lads[lads["area_code"].isin(places)]
    wanted = [c for c in (partnership, *sorted(set(lads["region_code"].dropna())), ENGLAND_CODE)
              if c]
    out = []
    for _ind_id, grp in rows.groupby("indicator_id", sort=False):
        own = grp[~grp["is_comparator"]]
        periods = list(dict.fromkeys(own["period"]))
        title = md(grp["indicator_title"].iloc[0])
        for code in wanted:
            gone = [p for p in periods
                    if code not in set(grp.loc[grp["period"] == p, "area_code"])]
            if not gone:
                continue
            when = (join_names(md(p) for p in gone) if len(gone) <= 3
                    else f"{len(gone)} of the {len(periods)} periods shown")
            why = ""
            if code == partnership:
                counted = own[own["period"].isin(gone)]["numerator"].notna().any()
                why = (": not every place has a figure then" if counted else
                       ": its figures are added up from its places' counts, and the source "
                       "gives rates without counts")
            out.append(f"{md(names.get(code, code))} has no figure for {title} in {when}{why}.")
    return out
