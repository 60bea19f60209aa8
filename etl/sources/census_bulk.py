"""Nomis Census 2021 bulk files (members of ``census2021-tsNNN.zip``).

Layout: ``date,geography,geography code,<Variable>: <Category>,...`` with one count column per
category and one row per area, at any level (LSOA ``E01``, MSOA ``E02``, LAD, region, country).
Column labels are kept exactly as Nomis writes them, with inconsistent spacing after colons.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from core.area import Area
from core.errors import ExtractError
from etl import records
from etl.areas import AreaFilter
from etl.catalogue import catalogue
from etl.extract import Probe, Recognised, decode_text

NAME = "census_bulk"
NARROWS = True  # parse() takes narrow= (see etl.sources)
REPLACES_HISTORY = False
KEY_COLUMNS = ["date", "geography", "geography code"]


def _header(text: str) -> list[str] | None:
    first = text.split("\n", 1)[0].rstrip("\r")
    try:
        return next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return None


def _variable(columns: list[str]) -> str | None:
    """The variable every category column starts with (``Economic activity status``)."""
    prefixes = {c.split(":", 1)[0].strip() for c in columns if ":" in c}
    if len(prefixes) == 1 and all(":" in c for c in columns):
        return prefixes.pop()
    return None


def _stripped(column: pd.Series) -> pd.Series:
    return pd.Series([c.strip() for c in column.tolist()], index=column.index, dtype=object)


def sniff(probe: Probe) -> Recognised | None:
    if probe.text is None:
        return None
    header = _header(probe.text)
    if not header or [h.strip().lower() for h in header[:3]] != KEY_COLUMNS or len(header) < 4:
        return None
    variable = _variable(header[3:])
    if variable is None:
        return None
    dataset = catalogue().by_census_variable(variable)
    return Recognised(
        parser=NAME,
        dataset=dataset.key if dataset else None,
        description=f"Nomis Census 2021 bulk file ({variable})",
        options={"variable": variable},
    )


def parse(
    path: Path,
    recognised: Recognised,
    *,
    area: Area,
    data: bytes | None = None,
    narrow: AreaFilter | None = None,
) -> pd.DataFrame:
    """Read a bulk file into records: one ``count`` per area and category.

    Every cell is checked; with ``narrow`` the rows it leaves out make no records.
    """
    text = decode_text(path, data if data is not None else Path(path).read_bytes())
    try:
        df = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise ExtractError(path, f"not a well-formed CSV ({exc})") from None
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in KEY_COLUMNS if c not in df.columns]
    if missing:
        raise ExtractError(path, f"missing required column(s) {missing}")
    categories = [c for c in df.columns if c not in KEY_COLUMNS]
    variable = recognised.options.get("variable") or _variable(categories)
    if not categories:
        raise ExtractError(path, "no category columns after 'geography code'")

    # Every cell is text (no NA with keep_default_na=False; short rows are padded with "").
    codes = _stripped(df["geography code"])
    empty_code = df.index[codes == ""]
    if len(empty_code):
        raise ExtractError(path, "row without a geography code", line=int(empty_code[0]) + 2)
    dupes = df.index[df.duplicated(["date", "geography code"], keep="first")]
    if len(dupes):
        code = df.at[dupes[0], "geography code"]
        raise ExtractError(
            path,
            f"duplicate rows for area {code} (each area must appear once)",
            line=int(dupes[0]) + 2,
        )

    # Every cell, category by category (the order a message names the first bad one in); each
    # distinct text is read once.
    n_rows = len(df)
    cells = df[categories].to_numpy(dtype=object).ravel(order="F")
    which, texts = pd.factorize(cells)
    distinct = pd.Series(texts, dtype="str")
    numbers = pd.to_numeric(distinct.str.replace(",", "", regex=False), errors="coerce")
    numbers = numbers.astype("float64").to_numpy()
    statuses = np.full(len(texts), None, dtype=object)
    bad = np.zeros(len(texts), dtype=bool)
    for i in np.flatnonzero(np.isnan(numbers)):
        parsed = records.parse_cell(texts[i])
        if parsed is None:
            bad[i] = True
        else:
            statuses[i] = parsed[1]
    if bad.any():
        first = int(np.flatnonzero(bad[which])[0])
        row, col = first % n_rows, first // n_rows
        code = df["geography code"].iat[row]
        line = int(df.index[df["geography code"] == code][0]) + 2
        raise ExtractError(
            path,
            f"value {texts[which[first]]!r} is neither a number nor a known marker",
            line=line,
            column=categories[col],
        )

    dates = list(dict.fromkeys(d.strip() for d in df["date"].tolist()))
    if len(dates) != 1 or dates[0] != "2021":
        raise ExtractError(
            path, f"expected census date 2021, found {list(dates)[:3]}", column="date"
        )
    start, end, label = records.census_period()
    prefix = f"{variable}:" if variable else ""
    # One label per category column (not one call per cell).
    labels = [
        c[len(prefix) :].strip() if prefix and c.startswith(prefix) else c for c in categories
    ]
    names = _stripped(df["geography"])
    rows = np.arange(n_rows)
    if narrow is not None:
        rows = rows[narrow.keep(codes, names, None, per_row=len(categories))]
    # Long, category by category: the records of one category column, then the next.
    cell = (np.arange(len(categories))[:, None] * n_rows + rows[None, :]).ravel()
    n_cats = len(categories)
    category = np.repeat(np.array(labels, dtype=object), len(rows))
    out = pd.DataFrame(
        {
            "dataset": recognised.dataset,
            "area_code": pd.Series(np.tile(codes.to_numpy()[rows], n_cats), dtype="str"),
            "area_name": pd.Series(np.tile(names.to_numpy()[rows], n_cats), dtype="str"),
            "geo_vintage": None,
            "period_start": start,
            "period_end": end,
            "period_label": label,
            "category": pd.Series(category, dtype="str"),
            "breakdown": "total",
            "measure": "count",
            "value": numbers[which[cell]],
            "status": pd.Series(statuses[which[cell]], dtype=object),
            "origin": str(path),
            "line": None,
        }
    )
    return out[records.COLUMNS]


def metadata(path: Path) -> dict:
    """Nothing beyond the file's own date: this format states no release or edition."""
    return {}
