"""Nomis API CSV (``/api/v01/dataset/{ID}.data.csv``), full-column or a ``select=`` subset.

Layout: one row per figure. Every dimension ``X`` gives columns ``X, X_NAME, X_CODE, X_TYPE,
X_TYPECODE, X_SORTORDER`` (a ``select=`` keeps only some), followed by ``OBS_VALUE``,
``OBS_STATUS``, ``OBS_STATUS_NAME``, ``OBS_CONF``, ``OBS_CONF_NAME``, ``URN``, ``RECORD_OFFSET``
and ``RECORD_COUNT``. Strings are quoted and numbers bare, lines end in LF. Copies re-saved by a
spreadsheet (CRLF, BOM, quotes stripped, ``Dec-17`` dates, trailing spaces) are read too.

The dataset is identified from the ``URN`` column (``Nm-2002d1...`` is NM_2002_1), else from the
dimension columns and their labels. A record's category is the ``*_NAME`` labels of the dataset's
own dimensions (all but date, geography and measures) joined with `` | `` in alphabetical order of
the dimension name: claimant count rows read ``All categories: Age 16+ | Total | Claimant count``
(AGE, GENDER, MEASURE). BRES industries go to ``breakdown`` (``sic:Q``) instead, and so do the
sexes and working patterns of ASHE (NM_30_1, NM_99_1: ``Male Full Time Workers`` is
``sex:male;pattern:full_time``, as in the ASHE workbooks), whose "Confidence" measure is a
coefficient of variation (``cv``), not an interval.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pandas as pd

from core.area import Area
from core.errors import ExtractError
from etl import records
from etl.areas import AreaFilter
from etl.catalogue import catalogue
from etl.extract import HEAD_BYTES, Probe, Recognised, decode_text
from etl.sources.ashe_tables import breakdown_of

NAME = "nomis_api_csv"
NARROWS = False
REPLACES_HISTORY = False

# Dimensions every dataset has; they are not part of a record's category.
CORE_DIMENSIONS = {"DATE", "GEOGRAPHY", "MEASURES", "FREQ", "TIME"}
# Columns that are not dimensions at all.
OBSERVATION_COLUMNS = {
    "OBS_VALUE",
    "OBS_STATUS",
    "OBS_STATUS_NAME",
    "OBS_CONF",
    "OBS_CONF_NAME",
    "URN",
    "RECORD_OFFSET",
    "RECORD_COUNT",
}
PERIOD_COLUMNS = ("DATE_NAME", "DATE", "DATE_CODE", "TIME_NAME", "TIME")
BREAKDOWN_DIMENSIONS = {"INDUSTRY"}
ASHE_DIMENSIONS = {"PAY", "ITEM", "SEX"}  # the sex dimension of ASHE is a breakdown

# Nomis ``MEASURES`` (statistical measure) labels and codes -> records measure.
MEASURE_NAMES = {
    "variable": "value",
    "numerator": "numerator",
    "denominator": "denominator",
    "confidence": "ci_half",
    "value": "count",
    "count": "count",
    "percent": "value",
}
MEASURE_CODES = {
    "20100": "count",
    "20301": "value",
    "20599": "value",
    "21001": "numerator",
    "21002": "denominator",
    "21003": "ci_half",
    "20701": "ci_half",
}

_URN = re.compile(r"^nm-(\d+)d(\d+)d", re.I)
_SECTION = re.compile(r"^([A-U])\s*:")
_DIVISION = re.compile(r"^(\d{1,2})\s*:")
_SMALL_AREA = ("E01", "W01")
_RATE_WORDS = ("proportion", "percent", "rate", "%")
# A "Value" whose category says it is a rate or ratio is not a count (claimant proportions,
# jobs density).
_RATE_LABEL = re.compile(r"\b(proportion|percent(age)?|rate|density|ratio)\b", re.I)


def _clean(cell: str | None) -> str:
    return "" if cell is None else str(cell).strip()


def _rows(text: str) -> tuple[io.StringIO, csv.reader]:
    buffer = io.StringIO(text, newline="")
    return buffer, csv.reader(buffer, strict=True)


def _header(text: str) -> list[str] | None:
    first = text.split("\n", 1)[0].rstrip("\r")
    try:
        return [h.strip().upper() for h in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return None


def dimensions(header: list[str]) -> list[str]:
    """The dataset's own dimensions present as ``X_NAME`` columns, in alphabetical order."""
    dims = {
        col[: -len("_NAME")]
        for col in header
        if col.endswith("_NAME") and col not in OBSERVATION_COLUMNS
    }
    return sorted(d for d in dims if d not in CORE_DIMENSIONS)


def nomis_id_from_urn(urn: str) -> str | None:
    """``Nm-2002d1d32336e0d...`` -> ``NM_2002_1``."""
    m = _URN.match(urn.strip())
    return f"NM_{m.group(1)}_{m.group(2)}" if m else None


def identify(header: list[str], sample: list[dict[str, str]]) -> str | None:
    """The Nomis dataset id of a response, from its URN or else its dimensions and labels."""
    for row in sample:
        urn = row.get("URN")
        if urn and (found := nomis_id_from_urn(urn)):
            return found
    dims = set(dimensions(header))

    def values(col: str) -> set[str]:
        return {_clean(r.get(col)).lower() for r in sample if r.get(col)}

    measures = values("MEASURES_NAME")
    if "VARIABLE" in dims:
        return "NM_17_5"
    if any(d.startswith("C2021_EASTAT") for d in dims):
        return "NM_2083_1"
    if "C_AGE" in dims:
        return "NM_2002_1"
    if "INDUSTRY" in dims:
        return "NM_189_1"
    if {"PAY", "ITEM", "SEX"} <= dims:
        return None  # ASHE: resident (NM_30_1) and workplace (NM_99_1) look alike without URN
    if "ITEM" in dims and any("jobs density" in v for v in values("ITEM_NAME")):
        return "NM_57_1"
    if "AGE" in dims and "MEASURE" in dims and any("claimant" in v for v in values("MEASURE_NAME")):
        return "NM_162_1"
    if "DURATION" in dims:
        if any("jsa" in v or "proportion" in v for v in measures):
            return "NM_18_1"
        return "NM_134_1"
    return None


def _complete_lines(text: str) -> str:
    """The probe's text up to its last complete line (the probe may stop mid-row)."""
    cut = text.rfind("\n")
    return text if cut < 0 else text[: cut + 1]


def sniff(probe: Probe) -> Recognised | None:
    if probe.text is None:
        return None
    header = _header(probe.text)
    if not header or "GEOGRAPHY_CODE" not in header or "OBS_VALUE" not in header:
        return None
    sample: list[dict[str, str]] = []
    try:
        whole = len(probe.head) < HEAD_BYTES
        _, reader = _rows(probe.text if whole else _complete_lines(probe.text))
        next(reader, None)
        for i, row in enumerate(reader):
            if i >= 200:
                break
            sample.append(dict(zip(header, row, strict=False)))
    except csv.Error:
        pass
    nomis_id = identify(header, sample)
    cat = catalogue()
    dataset = cat.by_nomis_id(nomis_id) if nomis_id else None
    used = dataset is not None and bool(cat.indicators_for(dataset.key))
    if nomis_id is None:
        description = "Nomis API CSV (dataset not identified from its columns)"
    elif dataset is None:
        description = f"Nomis API CSV ({nomis_id}, not in the catalogue)"
    else:
        description = f"Nomis API CSV ({nomis_id}, {dataset.title})"
    return Recognised(
        parser=NAME,
        dataset=dataset.key if used else None,
        description=description,
        options={"nomis_id": nomis_id},
    )


def _measure(label: str, code: str, dimension_labels: list[str]) -> str | None:
    key = label.strip().lower()
    out = MEASURE_NAMES.get(key) or MEASURE_CODES.get(code.strip())
    if out is None and key:
        if any(w in key for w in _RATE_WORDS):
            out = "value"
        elif any(w in key for w in ("persons", "claiming", "number", "count")):
            out = "count"
    if out == "count" and any(_RATE_LABEL.search(d) for d in dimension_labels):
        out = "value"
    return out


def _breakdown(label: str, code: str) -> str:
    text = label.strip()
    if code.strip() == "37748736" or text.lower() in {"total", "all industries"}:
        return "total"
    if m := _SECTION.match(text):
        return f"sic:{m.group(1)}"
    if m := _DIVISION.match(text):
        return f"sic:{int(m.group(1)):02d}"
    return f"industry:{text}"


def _is_census(dataset: str | None, dims: list[str]) -> bool:
    if any(d.startswith("C2021_") for d in dims):
        return True
    ds = catalogue().datasets.get(dataset or "")
    return bool(ds and ds.census_variable)


def parse(
    path: Path | str,
    recognised: Recognised,
    *,
    area: Area,
    data: bytes | None = None,
    narrow: AreaFilter | None = None,
    origin: str | None = None,
) -> pd.DataFrame:
    """Read a Nomis API CSV into records.

    ``data`` is the body when it did not come from a file (a live response); ``origin`` names it
    (the URL) in records and messages.
    """
    where = origin or str(path)
    raw = data if data is not None else Path(path).read_bytes()
    if not raw.strip():
        raise ExtractError(where, "the file is empty")
    text = decode_text(Path(str(path)), raw)
    if text.lstrip().startswith("<"):
        raise ExtractError(where, "this is an HTML page, not Nomis CSV data")

    buffer, reader = _rows(text)
    try:
        header = [h.strip().upper() for h in next(reader)]
    except StopIteration:
        raise ExtractError(where, "the file is empty") from None
    except csv.Error as exc:
        raise ExtractError(where, f"the header is not well-formed CSV ({exc})", line=1) from None

    period_col = next((c for c in PERIOD_COLUMNS if c in header), None)
    measure_cols = [c for c in ("MEASURES_NAME", "MEASURES") if c in header]
    missing = [c for c in ("GEOGRAPHY_CODE", "OBS_VALUE") if c not in header]
    if period_col is None:
        missing.append("DATE_NAME (or DATE)")
    if not measure_cols:
        missing.append("MEASURES_NAME (or MEASURES)")
    if missing:
        raise ExtractError(where, f"missing required column(s) {missing}; found {header}", line=1)
    dims = dimensions(header)
    ashe = set(dims) >= ASHE_DIMENSIONS
    breakdown_dim = "SEX" if ashe else next((d for d in dims if d in BREAKDOWN_DIMENSIONS), None)
    category_dims = [d for d in dims if d != breakdown_dim]
    census = _is_census(recognised.dataset, dims)
    idx = {c: i for i, c in enumerate(header)}
    n_cols = len(header)

    def at(col: str) -> int | None:
        return idx.get(col)

    i_code, i_period, i_value = at("GEOGRAPHY_CODE"), at(period_col), at("OBS_VALUE")
    i_name, i_type, i_count = at("GEOGRAPHY_NAME"), at("GEOGRAPHY_TYPE"), at("RECORD_COUNT")
    i_status, i_status_name = at("OBS_STATUS"), at("OBS_STATUS_NAME")
    i_measure_name, i_measure = at("MEASURES_NAME"), at("MEASURES")
    i_dims = [at(f"{d}_NAME") for d in category_dims]
    i_breakdown_name = at(f"{breakdown_dim}_NAME") if breakdown_dim else None
    i_breakdown = at(breakdown_dim) if breakdown_dim else None

    def cell(row: list[str], i: int | None) -> str:
        return row[i].strip() if i is not None else ""

    # What repeats from row to row (periods, measures, values, flags, industries) is worked out
    # once per distinct text; every row is still checked, in order.
    periods: dict[str, tuple[date, date, str]] = {}
    measures: dict[tuple, str | None] = {}
    values: dict[str, tuple[float, str | None] | None] = {}
    flags: dict[tuple[str, str], str | None] = {}
    breakdowns: dict[tuple[str, str], str] = {}
    out: dict[str, list] = {c: [] for c in records.COLUMNS}
    seen: dict[tuple, tuple[int, str, str]] = {}
    record_count: str | None = None
    n_rows = 0
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != n_cols:
                if len(row) < n_cols and not text[buffer.tell() :].strip():
                    raise ExtractError(
                        where,
                        f"the data stops mid-row ({len(row)} of {n_cols} fields): the file or "
                        "response was cut off; download it again",
                        line=line,
                    )
                raise ExtractError(
                    where, f"row has {len(row)} fields, the header has {n_cols}", line=line
                )
            n_rows += 1
            code = cell(row, i_code)
            if not code:
                raise ExtractError(where, "row without a geography code", line=line)
            raw_period = cell(row, i_period)
            if raw_period not in periods:
                try:
                    if census and raw_period.split("-")[0] == "2021":
                        periods[raw_period] = records.census_period()
                    else:
                        periods[raw_period] = records.parse_period(raw_period)
                except ValueError:
                    raise ExtractError(
                        where,
                        f"period {raw_period!r} is not one Nomis publishes",
                        line=line,
                        column=period_col,
                    ) from None
            start, end, label = periods[raw_period]
            dim_labels = tuple(cell(row, i) for i in i_dims)
            measure_key = (cell(row, i_measure_name), cell(row, i_measure), dim_labels)
            if measure_key in measures:
                measure = measures[measure_key]
            else:
                measure = measures[measure_key] = _measure(*measure_key[:2], list(dim_labels))
                if ashe and measure == "ci_half":
                    measure = measures[measure_key] = "cv"
            if measure is None:
                raise ExtractError(
                    where,
                    f"unknown measure {measure_key[0] or measure_key[1]!r}",
                    line=line,
                    column=measure_cols[0],
                )
            raw_value = cell(row, i_value)
            if raw_value in values:
                parsed = values[raw_value]
            else:
                parsed = values[raw_value] = records.parse_cell(raw_value)
            if parsed is None:
                raise ExtractError(
                    where,
                    f"value {raw_value!r} is neither a number nor a known marker",
                    line=line,
                    column="OBS_VALUE",
                )
            value, status = parsed
            flag_key = (cell(row, i_status), cell(row, i_status_name))
            if flag_key in flags:
                flag = flags[flag_key]
            else:
                flag = flags[flag_key] = records.obs_status(*flag_key)
            status = records.worse_status(status, flag)
            if raw_value == "" and status is None:
                status = "missing"
            if breakdown_dim:
                breakdown_key = (cell(row, i_breakdown_name), cell(row, i_breakdown))
                breakdown = breakdowns.get(breakdown_key)
                if breakdown is None:
                    breakdown = breakdowns[breakdown_key] = (
                        breakdown_of(breakdown_key[0]) if ashe else _breakdown(*breakdown_key)
                    )
            else:
                breakdown = "total"
            category = " | ".join(dim_labels)
            geo_type = cell(row, i_type)
            vintage = None
            if code.startswith(_SMALL_AREA):
                if geo_type:
                    vintage = "lsoa11" if "2011" in geo_type else None
                elif not census and end < date(2022, 1, 1):
                    vintage = "lsoa11"  # 2021 LSOAs were not used for figures before 2022
            key = (code, start, end, category, breakdown, measure)
            if key in seen:
                first_line, first_value, first_type = seen[key]
                if first_type != geo_type and first_value == raw_value:
                    continue  # one area listed under two geography types (a unitary authority)
                raise ExtractError(
                    where,
                    f"duplicate rows for area {code}, period {label}, category {category!r}, "
                    f"measure {measure} (first on line {first_line})",
                    line=line,
                )
            seen[key] = (line, raw_value, geo_type)
            if i_count is not None and record_count is None:
                record_count = cell(row, i_count)
            out["dataset"].append(recognised.dataset)
            out["area_code"].append(code)
            out["area_name"].append(cell(row, i_name) or None)
            out["geo_vintage"].append(vintage)
            out["period_start"].append(start)
            out["period_end"].append(end)
            out["period_label"].append(label)
            out["category"].append(category)
            out["breakdown"].append(breakdown)
            out["measure"].append(measure)
            out["value"].append(value)
            out["status"].append(status)
            out["origin"].append(where)
            out["line"].append(line)
    except csv.Error as exc:
        raise ExtractError(
            where, f"not well-formed CSV ({exc}); the data may have been cut off", line=line + 1
        ) from None

    if record_count:
        try:
            expected = int(float(record_count))
        except ValueError:
            raise ExtractError(
                where, f"RECORD_COUNT {record_count!r} is not a number", column="RECORD_COUNT"
            ) from None
        if n_rows < expected:
            raise ExtractError(
                where,
                f"holds {n_rows:,} rows but RECORD_COUNT says {expected:,}: the download "
                "was cut short (Nomis returns at most 25,000 rows per request); fetch the rest",
            )
    return records.frame_of_columns(out)


def metadata(path: Path) -> dict:
    """Nothing beyond the file's own date: this format states no release or edition."""
    return {}
