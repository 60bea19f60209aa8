"""DfE "Participation in education, training and NEET age 16 to 17 by local authority" CSVs.

Explore Education Statistics layout: ``time_period,time_identifier,geographic_level,country_code,
country_name,region_code,region_name,old_la_code,new_la_code,la_name,Age,Cohort_DJFavg,
NEET_not_known_percent,NEET_percent,Notknown_percent,...``. One row per area (national, regional,
upper-tier local authority) and year; the figures are averages of December, January and
February, so ``2024`` means Dec 2023-Feb 2024. ``c`` marks a suppressed figure, ``z`` one that
does not apply.

Upper-tier codes include county councils (``E10``), and in older years a former county such as
Northamptonshire (``E10000021``) stands where today's unitaries are. A county is a different area
from its successors, so its rows are left out, and the build notes name it wherever a configured
local authority has no figure of its own for that year.

Percentages come with the cohort (``Cohort_DJFavg``) as denominator and a numerator worked back
from the rounded percentage, so the partnership figure can be weighted by cohort size.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd

from core.area import Area, level_of
from core.errors import ExtractError
from etl import records
from etl.areas import AreaFilter
from etl.extract import Probe, Recognised, decode_text

NAME = "neet"
NARROWS = False
REPLACES_HISTORY = False
DATASET = "dfe_neet"
KEY_COLUMNS = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "region_code",
    "new_la_code",
    "la_name",
]
PERCENT_COLUMNS = ["NEET_percent", "Notknown_percent", "NEET_not_known_percent"]
COHORT = "Cohort_DJFavg"


def _header(text: str) -> list[str]:
    first = text.split("\n", 1)[0].rstrip("\r")
    try:
        return [h.strip() for h in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return []


def sniff(probe: Probe) -> Recognised | None:
    """A DfE NEET/not-known CSV: EES key columns plus the NEET percentage columns."""
    if probe.text is None:
        return None
    header = _header(probe.text)
    if header[:3] != ["time_period", "time_identifier", "geographic_level"]:
        return None
    if "new_la_code" not in header or not any(c in header for c in PERCENT_COLUMNS):
        return None
    return Recognised(
        parser=NAME,
        dataset=DATASET,
        description="DfE participation and NEET age 16 to 17 by local authority (CSV)",
    )


def _period(raw: str, path: Path, line: int) -> tuple[date, date, str]:
    """``2024`` -> the December 2023 to February 2024 average."""
    text = raw.strip()
    if not (len(text) == 4 and text.isdigit()):
        raise ExtractError(
            path, f"time_period {raw!r} is not a calendar year", line=line, column="time_period"
        )
    year = int(text)
    end = date(year, 2, calendar.monthrange(year, 2)[1])
    return date(year - 1, 12, 1), end, f"Dec {year - 1}-Feb {year}"


def _area(row: dict) -> tuple[str, str | None]:
    level = row["geographic_level"].strip().lower()
    if level == "national":
        return row["country_code"].strip(), row.get("country_name", "").strip() or None
    if level == "regional":
        return row["region_code"].strip(), row.get("region_name", "").strip() or None
    return row["new_la_code"].strip(), row["la_name"].strip() or None


def _read(path: Path, data: bytes | None) -> pd.DataFrame:
    text = decode_text(path, data if data is not None else Path(path).read_bytes())
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise ExtractError(path, f"not a well-formed CSV ({exc})") from None
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in [*KEY_COLUMNS, COHORT] if c not in df.columns]
    present = [c for c in PERCENT_COLUMNS if c in df.columns]
    if missing or not present:
        raise ExtractError(
            path,
            f"missing column(s) {missing or PERCENT_COLUMNS}; expected {[*KEY_COLUMNS, COHORT]} "
            f"and at least one of {PERCENT_COLUMNS}; found {list(df.columns)}",
        )
    return df


def parse(
    path: Path,
    recognised: Recognised,
    *,
    area: Area,
    data: bytes | None = None,
    narrow: AreaFilter | None = None,
) -> pd.DataFrame:
    """One record per area, year and NEET measure; counties are reported and left out."""
    df = _read(path, data)
    present = [c for c in PERCENT_COLUMNS if c in df.columns]
    rows: list[dict] = []
    counties: dict[tuple[str, str], set[str]] = {}
    by_year: dict[str, set[str]] = {}
    left_out: Counter = Counter()
    for i, row in enumerate(df.to_dict("records")):
        line = i + 2
        code, name = _area(row)
        if not code:
            left_out["rows without an area code"] += 1
            continue
        year = row["time_period"].strip()
        start, end, label = _period(year, path, line)
        by_year.setdefault(year, set()).add(code)
        if level_of(code) == "county":
            counties.setdefault((code, name or code), set()).add(year)
            left_out["rows for county councils (published only as counties)"] += 1
            continue
        age = (row.get("Age") or "16-17").strip()
        suffix = "" if age in ("16-17", "") else f" | Age {age}"
        cohort = records.parse_cell(row[COHORT])
        if cohort is None:
            raise ExtractError(
                path, f"value {row[COHORT]!r} is not a number or marker", line=line, column=COHORT
            )
        for col in present:
            parsed = records.parse_cell(row[col])
            if parsed is None:
                raise ExtractError(
                    path,
                    f"value {row[col]!r} is neither a number nor a known marker",
                    line=line,
                    column=col,
                )
            value, status = parsed
            base = {
                "dataset": recognised.dataset,
                "area_code": code,
                "area_name": name,
                "geo_vintage": None,
                "period_start": start,
                "period_end": end,
                "period_label": label,
                "category": col + suffix,
                "breakdown": "total",
                "status": status,
                "origin": str(path),
                "line": line,
            }
            rows.append({**base, "measure": "value", "value": value})
            if status is None and cohort[1] is None:
                rows.append({**base, "measure": "denominator", "value": cohort[0]})
                rows.append({**base, "measure": "numerator", "value": value * cohort[0] / 100})
    out = records.frame(rows)
    out.attrs["notes"] = _county_notes(counties, by_year, area)
    out.attrs["left_out"] = dict(left_out)
    return out


def _county_notes(
    counties: dict[tuple[str, str], set[str]], by_year: dict[str, set[str]], area: Area
) -> list:
    """Say which counties were left out, and where a configured place then has no figure."""
    if not counties:
        return []
    notes = [
        f"NEET 16-17: {len(counties)} county council area(s) (E10 codes) are published only as "
        "counties and were left out; this dashboard shows districts and unitary authorities."
    ]
    lads = area.lad_codes
    for year, codes in sorted(by_year.items()):
        missing = [c for c in lads if c not in codes]
        if not missing:
            continue
        shown = [f"{name} ({code})" for (code, name), years in counties.items() if year in years]
        notes.append(
            f"NEET 16-17 {year}: no figure for configured place(s) {', '.join(missing)}. "
            + (
                f"The file has county figure(s) for {'; '.join(shown[:5])}, a different area "
                "(a former or wider county), which was not split between its successors."
                if shown
                else ""
            )
        )
    return notes


def metadata(path: Path) -> dict:
    """The edition: the last month the file's latest year covers (newest file wins overlaps)."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        years = [
            int(r["time_period"])
            for r in csv.DictReader(handle)
            if (r.get("time_period") or "").strip().isdigit()
        ]
    if not years:
        return {}
    year = max(years)
    return {"edition": date(year, 2, calendar.monthrange(year, 2)[1])}
