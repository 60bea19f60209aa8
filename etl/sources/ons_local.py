"""ONS Explore Local Statistics tidy CSVs (one file per indicator).

Two spellings of one layout are in use::

    areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes
    AREACD,AREANM,Geography,Variable Name,Indicator,Mission,Category,Period,Observation,Measure,
        Unit,Lower Confidence Interval (95%),Upper Confidence Interval (95%),Observation Status,...

``period`` is an ISO interval (``2023-01-01/P1Y``) or a year; ``status`` is ``x`` (not available)
or ``u`` (unreliable); ``notes`` may say a figure is unreliable. The category of each record is
the ``indicator`` text; the measures are ``value``, ``ci_lower`` and ``ci_upper``.
"""

from __future__ import annotations

import csv
import io
import json
import math
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
_STATUS_CODES = {"x": "missing", "u": "low_reliability", "c": "suppressed", "z": "not_applicable"}


def _positions(header: list[str]) -> dict[str, int]:
    low = [h.strip().lower() for h in header]
    found = {}
    for key, names in COLUMNS.items():
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
            raise ExtractError(path, "row without an area code", line=line, column=names["code"])
        indicator = cell("indicator")
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
        key = (code, indicator, start, end)
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
        if value_status == "missing" and status == "low_reliability":
            status = "suppressed"  # 'u' with no figure: withheld because the sample is too small
        else:
            status = records.worse_status(status, value_status)  # an empty figure is missing
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
    df = pd.DataFrame(out, columns=records.COLUMNS)
    df["value"] = df["value"].astype("float64")
    df["status"] = pd.Series(out["status"], dtype=object)
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


def metadata(path: Path) -> dict[str, object]:
    """The release date (``sourceDate``) from the metadata JSON published beside the CSV."""
    meta = Path(path).with_suffix(".json")
    if not meta.is_file():
        return {}
    try:
        raw = _find(json.loads(meta.read_text(encoding="utf-8-sig")), "sourceDate")
        return {"release_date": datetime.strptime(str(raw), "%d/%m/%Y").date()} if raw else {}
    except (ValueError, OSError):
        return {}
