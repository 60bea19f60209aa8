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
from collections.abc import Callable
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
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

    body = [(line, cells) for line, cells in rows[1:] if "".join(cells).strip()]
    lines, table, periods, left_out, problem = _rows(path, body, width, pos, names)
    # A row's figures: its value, then the interval's ends it gives.
    figures = {m: _distinct(table[m], _number) for m in _FIGURES}
    stated = _distinct(table["status"], _stated)
    cell_problems = [  # (row, check): the first a row-by-row read meets is raised
        (next(r for r, t in enumerate(table[key]) if read[t] is bad), k, key)
        for k, (key, read, bad) in enumerate(
            [("status", stated, False)] + [(m, figures[m], None) for m in _FIGURES]
        )
        if any(v is bad for v in read.values())
    ]
    if cell_problems:
        r, _, key = min(cell_problems)
        raw = table[key][r]
        message = (
            f"status {raw!r} is not one this parser knows (x, u, c, z)"
            if key == "status"
            else f"value {raw!r} is neither a number nor a known marker"
        )
        raise ExtractError(path, message, line=lines[r], column=names[key])
    if problem is not None:
        raise problem

    indicator, measure_text = table["indicator"], table["measure"]
    measures_of: dict[str, set[str]] = {}
    meta: dict[tuple[str, str], dict] = {}
    for ind, m, unit, polarity in zip(
        indicator, measure_text, table["unit"], table["polarity"], strict=True
    ):
        measures_of.setdefault(ind, set()).add(m)
        row_meta = meta.setdefault((ind, m), {"unit": unit})
        if polarity:
            row_meta.setdefault("polarity", polarity)
    # One indicator published in two measures (a count and a percentage): say which is which.
    several = {k for k, v in measures_of.items() if len(v) > 1}
    df = _frame(recognised.dataset, str(path), lines, table, periods, figures, stated,
                several)
    df.attrs["left_out"] = dict(left_out)
    df.attrs["indicator_meta"] = _with_file_metadata(path, meta, several)
    return df


_FIGURES = ("observation", "ci_lower", "ci_upper")
_TEXT = ("code", "name", "indicator", "measure", "unit", "polarity", "period", "status", "notes")


def _rows(
    path: Path, body: list[tuple[int, list[str]]], width: int, pos: dict[str, int], names: dict
) -> tuple[list[int], dict[str, list[str]], dict, Counter, ExtractError | None]:
    """The data rows as columns of stripped text, with their lines and each distinct period
    read, up to the first damaged row, unknown period or duplicate (returned, to raise unless a
    row above has a bad cell). Rows without an area code are left out and counted."""
    problem = None
    cut = next((k for k, (_, cells) in enumerate(body) if len(cells) != width), None)
    if cut is not None:
        line, cells = body[cut]
        problem = ExtractError(
            path,
            f"row has {len(cells)} fields where the header has {width}: the file looks cut "
            "off or damaged",
            line=line,
        )
        body = body[:cut]
    coded = [row for row in body if row[1][pos["code"]].strip()]
    left_out = Counter({"rows without an area code": len(body) - len(coded)})
    fields = [cells for _, cells in coded]
    table = {
        key: list(map(str.strip, map(itemgetter(pos[key]), fields)))
        if key in pos
        else [""] * len(fields)
        for key in (*_TEXT, *_FIGURES)
    }
    lines = [line for line, _ in coded]
    periods = _distinct(table["period"], _period)
    if None in periods.values():
        cut = next(r for r, t in enumerate(table["period"]) if periods[t] is None)
        problem = ExtractError(
            path,
            f"period {table['period'][cut]!r} is not one this parser knows",
            line=lines[cut],
            column=names["period"],
        )
        lines, table = lines[:cut], {k: v[:cut] for k, v in table.items()}
    spans = {t: p[:2] for t, p in periods.items() if p is not None}
    keys = list(
        zip(
            table["code"],
            table["indicator"],
            table["measure"],
            map(spans.__getitem__, table["period"]),
            strict=True,
        )
    )
    if len(set(keys)) < len(keys):
        seen: dict[tuple, int] = {}
        cut = next(r for r, key in enumerate(keys) if seen.setdefault(key, lines[r]) != lines[r])
        problem = ExtractError(
            path,
            f"duplicate rows for area {table['code'][cut]}, {table['indicator'][cut]!r}, period "
            f"{table['period'][cut]}; first on line {seen[keys[cut]]}",
            line=lines[cut],
        )
        lines, table = lines[:cut], {k: v[:cut] for k, v in table.items()}
    if not left_out["rows without an area code"]:
        left_out.clear()
    return lines, table, periods, left_out, problem


def _distinct(values: list, read: Callable[[Any], Any]) -> dict:
    """``read`` of each distinct value, in the order first met."""
    return {v: read(v) for v in dict.fromkeys(values)}


def _period(raw: str) -> tuple[date, date, str] | None:
    try:
        return records.parse_period(raw)
    except (ValueError, KeyError):
        return None


def _number(raw: str) -> tuple[float, str | None] | None:
    """``parse_cell``, the number rounded to 6 places; None for neither a number nor a marker."""
    parsed = records.parse_cell(raw)
    if parsed is None:
        return None
    value, status = parsed
    return (round(value, 6) if not math.isnan(value) else value), status


def _stated(text: str) -> str | bool | None:
    """A ``status`` cell's status: None for none, False for one this parser does not know."""
    if not text:
        return None
    return _STATUS_CODES.get(text.lower()) or records.MARKERS.get(text) or False


def _status(stated: str | None, unreliable: bool, figure: str | None) -> str | None:
    """The stated status, worsened by an "unreliable" note, then by the figure's own status
    unless the stated one already says why there is none (an empty figure is missing)."""
    status = stated
    if unreliable:
        status = records.worse_status(status, "low_reliability")
    if status is None or figure not in ("missing",):
        status = records.worse_status(status, figure)
    return status


def _frame(
    dataset: str | None,
    origin: str,
    lines: list[int],
    table: dict[str, list[str]],
    periods: dict[str, tuple[date, date, str]],
    figures: dict[str, dict],
    stated: dict,
    several: set[str],
) -> pd.DataFrame:
    """One record per figure a row gives, row by row (built column by column); ``periods``:
    each period text of ``table`` read."""
    n = len(lines)
    given = np.ones((n, len(_FIGURES)), dtype=bool)
    for j, m in enumerate(_FIGURES[1:], 1):
        given[:, j] = list(map(bool, table[m]))
    row, which = np.nonzero(given)  # row by row, each row's figures in order
    if not len(row):
        return records.empty()
    values = np.empty((n, len(_FIGURES)))
    for j, m in enumerate(_FIGURES):
        value = {t: v[0] for t, v in figures[m].items()}
        values[:, j] = list(map(value.__getitem__, table[m]))
    unreliable = _distinct(table["notes"], lambda t: "unreliable" in t.lower())
    figure = {t: v[1] for t, v in figures["observation"].items()}
    keys = list(
        zip(
            map(stated.__getitem__, table["status"]),
            map(unreliable.__getitem__, table["notes"]),
            map(figure.__getitem__, table["observation"]),
            strict=True,
        )
    )
    status = _distinct(keys, lambda k: _status(*k))
    period_of = dict(zip(periods, range(len(periods)), strict=True))
    at = np.fromiter(map(period_of.__getitem__, table["period"]), np.intp, n)[row]
    category = [
        f"{c} ({m})" if c in several else c
        for c, m in zip(table["indicator"], table["measure"], strict=True)
    ]
    once = np.zeros(len(row), np.intp)
    out = {
        "dataset": records.taken([dataset], once),
        "area_code": records.taken(table["code"], row),
        "area_name": records.taken([t or None for t in table["name"]], row),
        "geo_vintage": np.full(len(row), None, dtype=object),
        "period_start": records.taken([p[0] for p in periods.values()], at),
        "period_end": records.taken([p[1] for p in periods.values()], at),
        "period_label": records.taken([p[2] for p in periods.values()], at),
        "category": records.taken(category, row),
        "breakdown": records.taken(["total"], once),
        "measure": records.taken(["value", "ci_lower", "ci_upper"], which),
        "value": values[row, which],
        "status": None,
        "origin": records.taken([origin], once),
        "line": np.array(lines, dtype=np.int64)[row],
    }
    df = pd.DataFrame(out, columns=records.COLUMNS)
    df["status"] = pd.Series(
        np.array(list(map(status.__getitem__, keys)), dtype=object)[row], dtype=object
    )
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
