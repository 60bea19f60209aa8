"""ONS Explore Local Statistics (ELS) tidy CSVs: any file, old or new schema.

Two spellings of one layout are in use::

    areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes
    AREACD,AREANM,Geography,Variable Name,Indicator,Mission,Category,Period,Observation,Measure,
        Unit,Lower Confidence Interval (95%),Upper Confidence Interval (95%),Observation Status,...

with or without a byte-order mark, CRLF or LF. ``period`` is an ISO 8601 interval
(``2023-01-01/P1Y``, ``/P3M``, ``/P1M``), a single date (ASHE's survey reference date,
``2025-04-30``) or a year. A file may hold several ``indicator`` values. ``status`` ``x`` is a
figure withheld (kept as suppressed, never 0); ``u`` a figure shown but unreliable (its value is
kept, flagged low reliability). The category of each record is the ``indicator`` text (with the
``measure`` added where one indicator comes in two measures); the measures are ``value``,
``ci_lower`` and ``ci_upper``. A row without an area code is left out and counted.

The companion ``.json`` (same name) gives each indicator's label, subtitle, caveats, source and
release date (``sourceDate``): :func:`metadata` and :func:`indicator_metadata` read it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from core.area import Area
from core.errors import ExtractError
from etl import records
from etl.areas import AreaFilter
from etl.extract import Probe, Recognised, decode_text

NAME = "ons_local"
NARROWS = False
REPLACES_HISTORY = False
DATASET = "ons_local_indicators"

# Our name -> the headers it goes by (compared in lower case).
COLUMNS = {
    "code": ("areacd",),
    "name": ("areanm",),
    "indicator": ("indicator",),
    "period": ("period",),
    "observation": ("observation",),
    "ci_lower": ("lci_95", "lower confidence interval (95%)"),
    "ci_upper": ("uci_95", "upper confidence interval (95%)"),
    "status": ("status", "observation status"),
    "notes": ("notes",),
}
REQUIRED = ("code", "indicator", "period", "observation")
_STATUS_CODES = {
    "x": "suppressed",
    "u": "low_reliability",
    "c": "suppressed",
    "z": "not_applicable",
}
EXTRA = {"measure": ("measure",), "unit": ("unit",), "polarity": ("polarity",)}


def _positions(header: list[str]) -> dict[str, int]:
    low = [h.strip().lower() for h in header]
    found = {}
    for key, names in {**COLUMNS, **EXTRA}.items():
        for n in names:
            if n in low:
                found[key] = low.index(n)
                break
    return found


def sniff(probe: Probe) -> Recognised | None:
    if probe.text is None:
        return None
    first = probe.text.split("\n", 1)[0].rstrip("\r")
    try:
        header = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return None
    found = _positions(header)
    # Recognised by its area and observation columns; a file lacking others is reported by parse.
    if not {"code", "observation"} <= set(found) or ("period" not in found and "name" not in found):
        return None
    return Recognised(
        parser=NAME,
        dataset=DATASET,
        description="ONS Explore Local Statistics indicator CSV",
    )


def _number(raw: str, path: Path, line: int, column: str) -> tuple[float, str | None]:
    parsed = records.parse_cell(raw)
    if parsed is None:
        raise ExtractError(
            path, f"value {raw!r} is neither a number nor a known marker", line=line, column=column
        )
    value, status = parsed
    return (round(value, 6) if not math.isnan(value) else value), status


def parse(
    path: Path,
    recognised: Recognised,
    *,
    area: Area,
    data: bytes | None = None,
    narrow: AreaFilter | None = None,
) -> pd.DataFrame:
    """One ``value`` record per row, plus ``ci_lower``/``ci_upper`` where the row gives them."""
    text = decode_text(path, data if data is not None else Path(path).read_bytes())
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        rows = [(reader.line_num, r) for r in reader]
    except csv.Error as exc:
        raise ExtractError(
            path, f"not a well-formed CSV ({exc}); the file may be cut off", line=reader.line_num
        ) from None
    if not rows:
        raise ExtractError(path, "the file is empty")
    header = rows[0][1]
    pos = _positions(header)
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in pos]
    if missing:
        raise ExtractError(path, f"missing required column(s) {missing}")
    names = {k: header[i].strip() for k, i in pos.items()}
    width = len(header)
    if text and not text.endswith(("\n", "\r")) and len(rows) > 1 and len(rows[-1][1]) < width:
        raise ExtractError(
            path, "the file ends in the middle of a row: it looks cut off", line=rows[-1][0]
        )

    out: dict[str, list] = {c: [] for c in records.COLUMNS}
    seen: dict[tuple, int] = {}
    left_out: Counter = Counter()
    measures_of: dict[str, set[str]] = {}
    meta: dict[tuple[str, str], dict] = {}
    row_measure: list[str] = []
    periods: dict[str, tuple[date, date, str]] = {}
    for line, cells in rows[1:]:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != width:
            raise ExtractError(
                path,
                f"row has {len(cells)} fields where the header has {width}: the file looks cut "
                "off or damaged",
                line=line,
            )

        def cell(key: str, cells: list[str] = cells) -> str:
            return cells[pos[key]].strip() if key in pos else ""

        code = cell("code")
        if not code:
            left_out["rows without an area code"] += 1
            continue
        indicator = cell("indicator")
        measure_text = cell("measure")
        measures_of.setdefault(indicator, set()).add(measure_text)
        row_meta = meta.setdefault((indicator, measure_text), {"unit": cell("unit")})
        if cell("polarity"):
            row_meta.setdefault("polarity", cell("polarity"))
        raw_period = cell("period")
        if raw_period not in periods:
            try:
                periods[raw_period] = records.parse_period(raw_period)
            except (ValueError, KeyError):
                raise ExtractError(
                    path,
                    f"period {raw_period!r} is not one this parser knows",
                    line=line,
                    column=names["period"],
                ) from None
        start, end, label = periods[raw_period]
        key = (code, indicator, measure_text, start, end)
        if key in seen:
            raise ExtractError(
                path,
                f"duplicate rows for area {code}, {indicator!r}, period {raw_period}; first on "
                f"line {seen[key]}",
                line=line,
            )
        seen[key] = line

        status_text = cell("status")
        status = None
        if status_text:
            status = _STATUS_CODES.get(status_text.lower()) or records.MARKERS.get(status_text)
            if status is None:
                raise ExtractError(
                    path,
                    f"status {status_text!r} is not one this parser knows (x, u, c, z)",
                    line=line,
                    column=names["status"],
                )
        if "unreliable" in cell("notes").lower():
            status = records.worse_status(status, "low_reliability")
        value, value_status = _number(cell("observation"), path, line, names["observation"])
        if status is None or value_status not in ("missing",):
            status = records.worse_status(status, value_status)  # an empty figure is missing
        # else: 'x' or 'u' already says why there is no figure
        figures = [("value", value)]
        for measure in ("ci_lower", "ci_upper"):
            raw = cell(measure)
            if raw:
                figures.append((measure, _number(raw, path, line, names[measure])[0]))
        for measure, number in figures:
            out["dataset"].append(recognised.dataset)
            out["area_code"].append(code)
            out["area_name"].append(cell("name") or None)
            out["geo_vintage"].append(None)
            out["period_start"].append(start)
            out["period_end"].append(end)
            out["period_label"].append(label)
            out["category"].append(indicator)
            out["breakdown"].append("total")
            out["measure"].append(measure)
            out["value"].append(number)
            out["status"].append(status)
            out["origin"].append(str(path))
            out["line"].append(line)
            row_measure.append(measure_text)
    df = pd.DataFrame(out, columns=records.COLUMNS)
    df["value"] = df["value"].astype("float64")
    df["status"] = pd.Series(out["status"], dtype=object)
    # One indicator published in two measures (a count and a percentage): say which is which.
    several = {k for k, v in measures_of.items() if len(v) > 1}
    if several:
        two = df["category"].isin(several)
        measures = pd.Series(row_measure, index=df.index)[two]
        df.loc[two, "category"] = [
            f"{c} ({m})" for c, m in zip(df.loc[two, "category"], measures, strict=True)
        ]
    df.attrs["left_out"] = dict(left_out)
    df.attrs["indicator_meta"] = _with_file_metadata(path, meta, several)
    return df


def _find(obj: object, key: str) -> object | None:
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        for v in obj.values():
            found = _find(v, key)
            if found is not None:
                return found
    elif isinstance(obj, list):
        for v in obj:
            found = _find(v, key)
            if found is not None:
                return found
    return None


def _json(path: Path | str) -> object:
    meta = Path(path).with_suffix(".json")
    if not meta.is_file():
        return None
    try:
        return json.loads(meta.read_text(encoding="utf-8-sig"))
    except (ValueError, OSError):
        return None


def metadata(path: Path) -> dict[str, object]:
    """The release date (``sourceDate``) from the metadata JSON published beside the CSV."""
    raw = _find(_json(path), "sourceDate")
    if not raw:
        return {}
    try:
        return {"release_date": datetime.strptime(str(raw), "%d/%m/%Y").date()}
    except ValueError:
        return {}


def indicator_metadata(path: Path | str) -> dict[str, dict[str, object]]:
    """Each indicator's label, subtitle, description, caveats, source and decimals, from the
    companion JSON (``{}`` without one). Keys are the CSV's ``indicator`` texts; ``""`` holds
    what the file says of all its indicators."""
    raw = _json(path)
    if not isinstance(raw, dict):
        return {}
    block = raw.get("ess-beta-metadata")
    if isinstance(block, dict):
        shared = block.get("shared") if isinstance(block.get("shared"), dict) else {}
        flat = {k: v for k, v in block.items() if not isinstance(v, dict)}
        out = {"": {**shared, **flat}}
        for key, value in block.items():
            if isinstance(value, dict) and key != "shared":
                out[key] = {**shared, **value}
        return out
    # The older csv-cubed metadata: a title and a description for the whole file.
    return {
        "": {
            "label": raw.get("title"),
            "longDescription": raw.get("summary") or raw.get("description"),
        }
    }


def _with_file_metadata(
    path: Path | str, meta: dict[tuple[str, str], dict], several: set[str]
) -> dict[str, dict]:
    """Per category: what the rows said (measure, unit, polarity) and what the JSON says."""
    described = indicator_metadata(path)
    out = {}
    for (indicator, measure), row in meta.items():
        info = {**described.get("", {}), **described.get(indicator, {}), **row, "measure": measure}
        out[f"{indicator} ({measure})" if indicator in several else indicator] = info
    return out
