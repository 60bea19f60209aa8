"""CSV and XLSX downloads: tidy rows with units, periods, statuses, limits and provenance.

The file holds exactly the rows and columns previewed on the page. Text cells that a spreadsheet
would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or carriage return) get a leading
apostrophe, so opening a download can never execute anything.

Figures are written as published (:func:`as_published`): a figure computed here (a partnership
rate from summed counts, a Census percentage from its counts) to its indicator's decimals; a
figure read from a source with the digits the source gave; numerators and denominators whole.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from openpyxl.styles import Font

from dashboard import memo, queries, state
from dashboard.formatting import slug, status_text
from dashboard.tables import missing_comparators

EXPORT_COLUMNS = [
    "indicator_id",
    "indicator_title",
    "area_code",
    "area_name",
    "area_level",
    "period",
    "period_start",
    "period_end",
    "breakdown",
    "value",
    "unit",
    "ci_lower",
    "ci_upper",
    "numerator",
    "denominator",
    "status",
    "status_text",
    "source_title",
    "publisher",
    "licence",
    "attribution",
    "retrieved",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "gsmw"


@dataclass(frozen=True)
class Selection:
    """What the Data page previews and downloads for its filters (not to be changed)."""

    rows: pd.DataFrame  # the query rows, at most the limit
    preview: pd.DataFrame  # their download rows (:func:`tidy`)
    truncated: bool  # rows were left out
    gaps: list[str]  # a sentence per comparator without a figure for some periods
    national: bool  # published only for countries: no places' rows
    held: str  # the level the file holds (:func:`file_level`)
    latest_label: str  # the one period "latest" stands for, if there is one
    attributions: tuple[str, ...]  # each attribution the sources ask for, once


@memo.cached
def selection(version: str, indicators: tuple[str, ...], level: str, places: tuple[str, ...],
              period: str, comparators: bool, limit: int) -> Selection:
    """The Data page's rows for its filters (with the partnership, regions and England with
    ``comparators``), kept per warehouse version and filter."""
    rows = queries.observations(indicators, level, places, period, None, comparators)
    truncated = len(rows) > limit
    if truncated:
        rows = rows.iloc[:limit]
    preview = tidy(rows)
    gaps = (missing_comparators(rows, queries.areas(), queries.info()["partnership_code"],
                                places) if comparators else [])
    latest_label = ""
    if period == state.LATEST and len(preview):
        labels = preview["period"].dropna().unique()
        latest_label = labels[0] if len(labels) == 1 else ""
    return Selection(
        rows=rows, preview=preview, truncated=truncated, gaps=gaps,
        national=not rows.empty and not (~rows["is_comparator"].astype(bool)).any(),
        held=file_level(rows, level), latest_label=str(latest_label),
        attributions=tuple(sorted(set(preview["attribution"].dropna()))),
    )


def tidy(obs: pd.DataFrame) -> pd.DataFrame:
    """The download's rows from query rows (``dashboard.queries.OBS_COLUMNS``)."""
    out = pd.DataFrame(
        {
            "indicator_id": obs["indicator_id"],
            "indicator_title": obs["indicator_title"],
            "area_code": obs["area_code"],
            "area_name": obs["area_name"],
            "area_level": obs["area_level"],
            "period": obs["period"],
            "period_start": pd.to_datetime(obs["period_start"]).dt.date,
            "period_end": pd.to_datetime(obs["period_end"]).dt.date,
            "breakdown": obs["breakdown"],
            "value": as_published(obs["value"], obs["decimals"]),
            "unit": obs["unit"],
            "ci_lower": as_published(obs["ci_lower"], obs["decimals"]),
            "ci_upper": as_published(obs["ci_upper"], obs["decimals"]),
            "numerator": obs["numerator"].astype("float64").round(0),
            "denominator": obs["denominator"].astype("float64").round(0),
            "status": obs["status"].where(obs["status"].notna(), None),
            "status_text": obs["status"].map(status_text),
            "source_title": obs["source_title"],
            "publisher": obs["publisher"],
            "licence": obs["licence"],
            "attribution": obs["attribution"],
            "retrieved": pd.to_datetime(obs["retrieved_at"]).dt.date,
        },
        columns=EXPORT_COLUMNS,
    )
    return out.reset_index(drop=True)


SOURCE_DIGITS = 6  # more decimal places than this: computed here, not read from a source


def as_published(values: pd.Series, decimals: pd.Series) -> pd.Series:
    """Each figure as a reader of the source would see it: one computed here (more than
    :data:`SOURCE_DIGITS` decimal places) rounded to its indicator's ``decimals``; one read from
    a source file kept with the digits the source gave (never fewer)."""
    raw = values.astype("float64")
    places = pd.to_numeric(decimals, errors="coerce").fillna(1).astype(int)
    computed = (raw - raw.round(SOURCE_DIGITS)).abs() > 1e-9
    rounded = pd.Series([round(v, d) for v, d in zip(raw, places, strict=True)],
                        index=raw.index, dtype="float64")
    return raw.where(~computed, rounded)


def file_level(rows: pd.DataFrame, chosen: str) -> str:
    """The level a download holds: its places' level, or, when the indicator is published only
    for countries (UK vacancies), ``country``; ``chosen`` when the rows are empty."""
    own = rows.loc[~rows["is_comparator"].astype(bool), "area_level"] if "is_comparator" in rows \
        else rows.get("area_level", pd.Series(dtype=object))
    levels = list(dict.fromkeys(own.dropna())) or [
        lv for lv in dict.fromkeys(rows.get("area_level", pd.Series(dtype=object)).dropna())
        if lv not in ("partnership", "region")]
    return "-".join(levels) if levels else chosen


def neutralise(value: object) -> object:
    """A text cell made safe for spreadsheets; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell neutralised (numbers, dates and blanks untouched)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(neutralise).astype(object)
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte-order mark so spreadsheets read accents), one header row, CRLF line
    ends as RFC 4180 has them (so a stray carriage return inside a cell is quoted)."""
    return safe_frame(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(df: pd.DataFrame, about: Sequence[tuple[str, str]] = ()) -> bytes:
    """An XLSX workbook: sheet ``data`` holds the rows; sheet ``about`` the provenance notes."""
    buffer = io.BytesIO()
    data = safe_frame(df)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        data.to_excel(writer, sheet_name="data", index=False)
        sheet = writer.sheets["data"]
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        # Text cells are stored as text, never as formulas, whatever they contain.
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        for idx, col in enumerate(data.columns, start=1):
            width = max([len(str(col)), *(len(str(v)) for v in data[col].head(200))]) + 2
            sheet.column_dimensions[sheet.cell(1, idx).column_letter].width = min(width, 60)
        sheet.freeze_panes = "A2"
        if about:
            notes = pd.DataFrame(list(about), columns=["item", "detail"])
            safe_frame(notes).to_excel(writer, sheet_name="about", index=False)
            about_sheet = writer.sheets["about"]
            about_sheet.column_dimensions["A"].width = 22
            about_sheet.column_dimensions["B"].width = 100
            for row in about_sheet.iter_rows(min_row=2):
                for cell in row:
                    if isinstance(cell.value, str):
                        cell.data_type = "s"
    return buffer.getvalue()


def file_name(
    indicator_ids: Sequence[str], level: str, period: str, ext: str, *, latest_label: str = ""
) -> str:
    """A name that says what the file holds: ``gsmw_employment_rate_16_64_lad_2022.csv``."""
    if len(indicator_ids) == 1:
        what = indicator_ids[0]
    elif not indicator_ids:
        what = "no_indicators"
    else:
        what = f"{len(indicator_ids)}_indicators"
    if period == "latest":
        when = f"latest-{slug(latest_label)}" if latest_label else "latest"
    elif period == "all":
        when = "all-periods"
    else:
        when = slug(period)
    parts = [PREFIX, slug(what).replace("-", "_"), slug(level), when]
    return "_".join(p for p in parts if p) + "." + ext.lstrip(".")
