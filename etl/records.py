"""The records frame: what every parser returns, whatever the file or API format.

One row per published cell, long and tidy:

=============  ===========================================================================
column         meaning
=============  ===========================================================================
dataset        catalogue dataset key (``aps``, ``census_ts066``...)
area_code      GSS code as published (may be a former code; mapped later)
area_name      name as published, or None
geo_vintage    ``None`` for current codes, ``"lsoa11"`` for 2011 LSOAs
period_start   first day covered (``datetime.date``)
period_end     last day covered
period_label   human label, e.g. ``Jan 2022-Dec 2022``
category       the published variable/category label (dimension labels joined by `` | ``)
breakdown      ``total`` or a split such as ``sic:Q``
measure        one of MEASURES
value          float, NaN where the source has no figure
status         None for a normal figure, else one of STATUSES
origin         file path or URL, for messages
line           1-based line (or sheet row) in ``origin``, or None
=============  ===========================================================================
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import pandas as pd

from core.vocabulary import STATUS_RANK

COLUMNS = [
    "dataset",
    "area_code",
    "area_name",
    "geo_vintage",
    "period_start",
    "period_end",
    "period_label",
    "category",
    "breakdown",
    "measure",
    "value",
    "status",
    "origin",
    "line",
]

# ``cv``: a coefficient of variation in % (ASHE publishes one instead of an interval).
MEASURES = (
    "value", "count", "numerator", "denominator", "ci_half", "ci_lower", "ci_upper", "cv",
)

# Markers that stand in for (or flag) a number in Nomis, ONS and DfE outputs.
# value_kept: whether a number may still be present beside the marker.
MARKERS: dict[str, str] = {
    "!": "suppressed",
    "*": "low_reliability",
    "~": "below_threshold",
    "-": "missing",
    "#": "suppressed",
    "..": "missing",
    ":": "missing",
    "x": "missing",
    "[x]": "missing",
    "c": "suppressed",
    "[c]": "suppressed",
    "u": "low_reliability",
    "[u]": "low_reliability",
    "z": "not_applicable",
    "[z]": "not_applicable",
    "low": "low_reliability",
}


def worse_status(a: str | None, b: str | None) -> str | None:
    """The more serious of two statuses."""
    return a if STATUS_RANK.get(a, 3) >= STATUS_RANK.get(b, 3) else b


def worst_of_groups(statuses: Sequence[object], groups: np.ndarray, n_groups: int) -> np.ndarray:
    """The most serious status of each group: ``worse_status`` folded over its rows in order.

    ``groups`` numbers each row's group (0 to ``n_groups - 1``); anything but a string counts as
    no status. Of equally serious statuses the group's first wins, as the fold keeps it.
    """
    which, distinct = pd.factorize(np.asarray(statuses, dtype=object))
    known = [s if isinstance(s, str) else None for s in distinct]
    ranks = np.array([STATUS_RANK.get(s, 3) for s in known] + [0], dtype=np.int64)[which]
    top = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(top, groups, ranks)
    rows = np.flatnonzero((ranks == top[groups]) & (ranks > 0))
    firsts, at = np.unique(groups[rows], return_index=True)  # each group's first such row
    out = np.full(n_groups, None, dtype=object)
    out[firsts] = np.array([*known, None], dtype=object)[which[rows[at]]]
    return out


def among(column: pd.Series, values: Iterable[object]) -> np.ndarray:
    """``column.isin(values)`` as a bool array, by set lookups: pandas checks each value of a
    large set one by one against a text column, which is slow for hundreds of area codes."""
    wanted = values if isinstance(values, set | frozenset | dict) else set(values)
    return np.fromiter((v in wanted for v in column.tolist()), dtype=bool, count=len(column))


def taken(values: Sequence[object], at: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``[values[i] for i in at]`` as the column pandas makes of that list (the type inferred
    from ``values``), by one take: a long column of a few distinct texts builds much faster."""
    return pd.Series(values).array.take(at)


def empty() -> pd.DataFrame:
    """An empty records frame with the right columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})


def frame(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Build a records frame from dicts, filling optional columns and checking measures."""
    if len(rows) == 0:
        return empty()
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    for col in COLUMNS:
        if col not in df.columns:
            df[col] = "total" if col == "breakdown" else None
    bad = set(df["measure"]) - set(MEASURES)
    if bad:
        raise ValueError(f"unknown measure(s) {sorted(bad)}; expected one of {MEASURES}")
    df["value"] = pd.to_numeric(df["value"], errors="raise").astype("float64")
    return df[COLUMNS]


def frame_of_columns(columns: dict[str, list]) -> pd.DataFrame:
    """:func:`frame` from one list per column (every column of ``COLUMNS``, equally long)."""
    if not columns["area_code"]:
        return empty()
    return frame(pd.DataFrame(columns))


_SPACES = re.compile(r"\s+")
_COLON = re.compile(r"\s*:\s*")
_PIPE = re.compile(r"\s*\|\s*")


def normalise_label(label: str) -> str:
    """Compare labels ignoring case, repeated spaces and spacing around ``:`` and ``|``."""
    text = _SPACES.sub(" ", str(label)).strip().lower()
    text = _COLON.sub(":", text)
    return _PIPE.sub("|", text)


# --------------------------------------------------------------------------------------------
# Values and markers
# --------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_cell(raw: object) -> tuple[float, str | None] | None:
    """Read one published cell as ``(value, status)``.

    Numbers (with thousands separators) give ``(number, None)``; known markers give
    ``(nan, status)``; an empty cell gives ``(nan, "missing")``. Anything else returns None so the
    caller can report the file, line and column.
    """
    if raw is None:
        return float("nan"), "missing"
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        if raw != raw:  # NaN
            return float("nan"), "missing"
        return float(raw), None
    text = str(raw).strip().replace(",", "")
    if text == "":
        return float("nan"), "missing"
    if _NUMBER.match(text):
        return float(text), None
    status = MARKERS.get(text.lower()) or MARKERS.get(text)
    if status:
        return float("nan"), status
    return None


def marker_status(flag: object) -> str | bool | None:
    """Status for a separate flag column: None when blank, a status, or False if unknown."""
    if flag is None or (isinstance(flag, float) and flag != flag):
        return None
    text = str(flag).strip()
    if not text:
        return None
    return MARKERS.get(text.lower()) or MARKERS.get(text) or False


# Nomis API OBS_STATUS codes and the texts of OBS_STATUS_NAME seen in real responses.
OBS_STATUS_CODES = {"A": None, "Q": "low_reliability", "X": "suppressed", "-": "missing"}


def obs_status(code: object, name: object) -> str | None:
    """Map a Nomis API (OBS_STATUS, OBS_STATUS_NAME) pair to a status."""
    text = "" if name is None or name != name else str(name).strip().lower()
    code = "" if code is None or code != code else str(code).strip()
    # The text says what the one-letter code means, so it wins when both are present.
    if text.startswith("normal"):
        return None
    if not text:
        return OBS_STATUS_CODES.get(code) if code else None
    if "disclosive" in text or "not available" in text:
        return "suppressed"
    if "unreliable" in text:
        return "low_reliability"
    if "less than 500" in text:
        return "below_threshold"
    if "missing" in text:
        return "missing"
    if "provisional" in text:
        return "provisional"
    if "estimate" in text:
        return "estimated"
    return "low_reliability"


# --------------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------------

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_name) if m})
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_no(text: str) -> int:
    key = text.lower()
    return _MONTHS.get(key) or _MONTHS[key[:3]]


def parse_period(raw: object) -> tuple[date, date, str]:
    """Turn a published period into ``(start, end, label)``.

    Understands Nomis forms (``Oct 2019-Sep 2020``, ``January 2025``, ``2025-01``, ``2021``),
    ISO intervals (``2004-01-01/P1Y``, ``/P3M``, ``/P1M``), single ISO dates (``2025-04-30``, a
    reference date), financial and academic years (``2023/24``) and spreadsheet-mangled months
    (``Dec-17``).

    Raises
    ------
    ValueError
        If the text is not a period this function knows.
    """
    text = _SPACES.sub(" ", str(raw).strip())
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    m = re.fullmatch(rf"{_MON} (\d{{4}}) ?- ?{_MON} (\d{{4}})", text, re.I)
    if m:
        start = date(int(m.group(2)), _month_no(m.group(1)), 1)
        end = _month_end(int(m.group(4)), _month_no(m.group(3)))
        return start, end, f"{start:%b %Y}-{end:%b %Y}"
    m = re.fullmatch(rf"{_MON} (\d{{4}})", text, re.I)
    if m:
        y, mo = int(m.group(2)), _month_no(m.group(1))
        return date(y, mo, 1), _month_end(y, mo), f"{calendar.month_name[mo]} {y}"
    m = re.fullmatch(rf"{_MON}[- ](\d{{2}})", text, re.I)
    if m:
        y, mo = 2000 + int(m.group(2)), _month_no(m.group(1))
        return date(y, mo, 1), _month_end(y, mo), f"{calendar.month_name[mo]} {y}"
    m = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        return date(y, mo, 1), _month_end(y, mo), f"{calendar.month_name[mo]} {y}"
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})/P(\d+)([YMQ])", text)
    if m:
        start = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        n, unit = int(m.group(4)), m.group(5)
        months = n * {"Y": 12, "M": 1, "Q": 3}[unit]
        end_month = start.month - 1 + months
        end_year = start.year + (end_month - 1) // 12
        end = _month_end(end_year, (end_month - 1) % 12 + 1)
        if months == 12 and start.month == 1:
            label = str(start.year)
        elif months == 12 and start.month in (4, 8, 9) and start.day == 1:
            label = f"{start.year}/{(start.year + 1) % 100:02d}"  # financial or academic year
        elif months == 1:
            label = f"{calendar.month_name[start.month]} {start.year}"
        else:
            label = f"{start:%b %Y}-{end:%b %Y}"
        return start, end, label
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m:  # a reference date, such as ASHE's survey date
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return day, day, f"{day.day} {calendar.month_name[day.month]} {day.year}"
    m = re.fullmatch(r"(\d{4})", text)
    if m:
        y = int(m.group(1))
        return date(y, 1, 1), date(y, 12, 31), str(y)
    m = re.fullmatch(r"(\d{4})/(\d{2})", text)
    if m:
        y = int(m.group(1))
        return date(y, 4, 1), date(y + 1, 3, 31), f"{y}/{m.group(2)}"
    m = re.fullmatch(r"(\d{4})(\d{2})", text)  # DfE time_period 202324 (academic year)
    if m and int(m.group(2)) == (int(m.group(1)) + 1) % 100:
        y = int(m.group(1))
        return date(y, 9, 1), date(y + 1, 8, 31), f"{y}/{m.group(2)}"
    raise ValueError(f"unrecognised period {raw!r}")


CENSUS_DAY = date(2021, 3, 21)


def census_period() -> tuple[date, date, str]:
    """Census 2021 figures describe one day."""
    return CENSUS_DAY, CENSUS_DAY, "Census 2021 (21 March)"


REFERENCE_POINTS = {
    "mid-year": (6, 30, "mid-{year} (30 June)"),
    "september": (9, None, "September {year}"),
}


def reference_period(start: date, end: date, label: str, reference: str) -> tuple[date, date, str]:
    """A calendar year's figure re-dated to the point in the year it refers to: ``mid-year`` is
    30 June, ``september`` the month of September. Other periods are returned as they are."""
    if reference not in REFERENCE_POINTS:
        raise ValueError(f"unknown reference point {reference!r}")
    whole_year = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
    if not whole_year or start.year != end.year:
        return start, end, label
    month, day, text = REFERENCE_POINTS[reference]
    if day is None:
        first, last = date(start.year, month, 1), _month_end(start.year, month)
    else:
        first = last = date(start.year, month, day)
    return first, last, text.format(year=start.year)
