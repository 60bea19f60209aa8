"""Nomis Census 2021 bulk files (members of ``census2021-tsNNN.zip``).

Layout: ``date,geography,geography code,<Variable>: <Category>,...`` with one count column per
category and one row per area, at any level (LSOA ``E01``, MSOA ``E02``, LAD, region, country).
Column labels are kept exactly as Nomis writes them, with inconsistent spacing after colons.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from etl import records
from etl.catalogue import catalogue
from etl.errors import ExtractError
from etl.sources import Probe, Recognised

NAME = "census_bulk"
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


def parse(path: Path, recognised: Recognised, data: bytes | None = None) -> pd.DataFrame:
    """Read a bulk file into records: one ``count`` per area and category."""
    from etl.detect import decode_text

    text = decode_text(path, data if data is not None else Path(path).read_bytes())
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
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

    empty_code = df.index[df["geography code"].str.strip() == ""]
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

    long = df.melt(id_vars=KEY_COLUMNS, value_vars=categories, var_name="column", value_name="raw")
    numbers = pd.to_numeric(long["raw"].str.replace(",", "", regex=False), errors="coerce")
    statuses = pd.Series(None, index=long.index, dtype=object)
    na = numbers.isna()
    for idx, raw in long.loc[na, "raw"].items():
        parsed = records.parse_cell(raw)
        if parsed is None:
            code = long.at[idx, "geography code"]
            line = int(df.index[df["geography code"] == code][0]) + 2
            raise ExtractError(
                path,
                f"value {raw!r} is neither a number nor a known marker",
                line=line,
                column=long.at[idx, "column"],
            )
        statuses[idx] = parsed[1]

    dates = df["date"].str.strip().unique()
    if len(dates) != 1 or dates[0] != "2021":
        raise ExtractError(
            path, f"expected census date 2021, found {list(dates)[:3]}", column="date"
        )
    start, end, label = records.census_period()
    prefix = f"{variable}:" if variable else ""
    # One label per category column, mapped onto the long rows (not one call per cell).
    labels = {
        c: c[len(prefix) :].strip() if prefix and c.startswith(prefix) else c for c in categories
    }
    category = long["column"].map(labels)
    out = pd.DataFrame(
        {
            "dataset": recognised.dataset,
            "area_code": long["geography code"].str.strip(),
            "area_name": long["geography"].str.strip(),
            "geo_vintage": None,
            "period_start": start,
            "period_end": end,
            "period_label": label,
            "category": category,
            "breakdown": "total",
            "measure": "count",
            "value": numbers.astype("float64"),
            "status": statuses,
            "origin": str(path),
            "line": None,
        }
    )
    return out[records.COLUMNS]
