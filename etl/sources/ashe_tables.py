"""ONS Annual Survey of Hours and Earnings local authority workbooks, and the living-wage tables
built the same way (legacy ``.xls`` as ONS published them to 2023, ``.xlsx`` since, either
re-saved as the other).

One family layout, read by header text::

    PROV - Home Geography Table 8.1a   Weekly pay - Gross 2023.xls
    Notes | All | Male | Female | Full-Time | Part-Time | Male Full-Time | ... (one sheet each)
    Table 8.1a Weekly pay - Gross |      | For all employee jobs(a): United Kingdom
                                  |      | Number | | Annual     | ...
    Description                   | Code | (thousand) | Median | change | Mean | change | 10 ...
    Luton UA                      | E06000032 | 67 | 536.6 | 7.2 | 577.2 | ...

* Table 8 is by *home* geography (where employees live): dataset ``ashe_resident``; Table 7 by
  *work* geography (where the job is): ``ashe_workplace``. Table N.1a is weekly pay gross, N.6a
  hourly pay excluding overtime and so on; the pay is read from the title. The ``b`` tables
  (coefficients of variation) in the same layout give each figure's CV, from which the 95%
  interval is made.
* ``Work Geography LWF Table 7 LWF.1a   lwfmgx 2022.xls``: employee jobs paid below the Living
  Wage Foundation rate, by work geography: ``Description | Code | (thousand)`` under a split
  header whose ``Per cent`` column is the share below (dataset ``ons_living_wage``).

Each sheet is a breakdown: ``All`` is ``total``; ``Male``/``Female`` ``sex:male``/``sex:female``;
``Full-Time``/``Part-Time`` ``pattern:full_time``/``pattern:part_time``; ``Male Full-Time`` is
``sex:male;pattern:full_time``, and so on. The Nomis API's ASHE ``SEX`` labels (``Male Full Time
Workers``) map to the same breakdowns (:func:`breakdown_of`). A figure is for the calendar year
named in the file name (the survey date is in April), as Nomis dates it; a ``PROV`` (provisional)
edition's figures are flagged provisional. ``x`` (not reliable enough to publish) is suppressed
and ``..`` (not available) missing, never 0.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from core.area import Area
from core.errors import ExtractError
from etl import records
from etl.areas import AreaFilter
from etl.extract import Probe, Recognised
from etl.workbook import read_workbook

NAME = "ashe_tables"
NARROWS = False
REPLACES_HISTORY = False
RESIDENT = "ashe_resident"
WORKPLACE = "ashe_workplace"
LIVING_WAGE = "ons_living_wage"
BELOW_LIVING_WAGE = "Employee jobs paid below the Living Wage Foundation rate"
ITEMS = ("Median", "Mean")

_TABLE = re.compile(r"\bTable\s+(?P<table>\d+)(?:\s+LWF)?\.(?P<part>\d+)(?P<kind>[ab])\b", re.I)
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
MARKERS = {"x": "suppressed", "..": "missing", ":": "missing", "-": "missing"}


def _text(cell: object) -> str:
    return "" if cell is None else " ".join(str(cell).split())


def breakdown_of(label: str) -> str:
    """A sheet name or Nomis ASHE sex label as a breakdown (``Male Full-Time`` ->
    ``sex:male;pattern:full_time``; anything naming neither sex nor pattern is ``total``)."""
    words = re.sub(r"[^a-z]+", " ", label.lower()).split()
    parts = []
    if "female" in words or "women" in words:
        parts.append("sex:female")
    elif "male" in words or "men" in words:
        parts.append("sex:male")
    text = " ".join(words)
    if "full time" in text:
        parts.append("pattern:full_time")
    elif "part time" in text:
        parts.append("pattern:part_time")
    return ";".join(parts) or "total"


def _header(rows: list[tuple]) -> int | None:
    for i, row in enumerate(rows[:15]):
        first = [_text(c).lower() for c in row[:2]]
        if len(row) > 2 and first == ["description", "code"]:
            return i
    return None


def _title(rows: list[tuple]) -> str:
    return " ".join(_text(c) for row in rows[:2] for c in row if _text(c))


def _kind(title: str) -> tuple[str | None, str] | None:
    """(dataset or None, description) for a sheet title, or None if not of this family."""
    m = _TABLE.search(title)
    low = title.lower()
    if "living wage" in low or "lwf" in low:
        return LIVING_WAGE, "ONS employee jobs paid below the Living Wage Foundation rate"
    if not m:
        return None
    table = m.group("table")
    if table in ("7", "8"):
        where = "work" if table == "7" else "home"
        dataset = WORKPLACE if table == "7" else RESIDENT
        return dataset, f"ONS ASHE Table {table} ({where} geography, {_pay(title)})"
    return None, f"ONS ASHE Table {table}: no indicator uses it"


def _pay(title: str) -> str:
    """``Table 8.1a Weekly pay - Gross 2023 CV`` -> ``Weekly pay - Gross``."""
    m = _TABLE.search(title)
    text = title[m.end() :] if m else title
    text = text.split("For ", 1)[0]
    text = _YEAR.sub(" ", text)
    text = re.sub(r"\b(CV|coefficients? of variation)\b", " ", text, flags=re.I)
    return " ".join(text.split()).strip(" -")


def sniff(probe: Probe) -> Recognised | None:
    for rows in (probe.workbook_sheets or {}).values():
        if _header(rows) is None:
            continue
        kind = _kind(_title(rows))
        if kind is None:
            continue
        return Recognised(NAME, kind[0], kind[1], options={"title": _title(rows)})
    return None


def _year(path: Path, titles: str) -> int:
    for text in (Path(str(path)).name, titles):
        years = [m.group(0) for m in _YEAR.finditer(text)]
        if years:
            return int(years[-1])
    raise ExtractError(path, "neither the file name nor its titles name the survey year")


def _cell(raw: object) -> tuple[float, str | None] | None:
    text = _text(raw)
    if text.lower() in MARKERS:
        return float("nan"), MARKERS[text.lower()]
    return records.parse_cell(raw)


def _columns(path: Path, rows: list[tuple], h: int, dataset: str) -> dict[int, str]:
    """Column -> item (``Median``, ``Mean``; the living-wage share) of one sheet."""
    header = [_text(c).lower() for c in rows[h]]
    if dataset == LIVING_WAGE:
        for j in range(2, max(len(r) for r in rows[: h + 1])):
            above = [_text(r[j]).lower() if j < len(r) else "" for r in rows[:h]]
            if any(a in ("per cent", "percent", "%") for a in above):
                return {j: BELOW_LIVING_WAGE}
        raise ExtractError(path, "no 'Per cent' column above the header row", line=h + 1)
    cols = {j: item for j, c in enumerate(header) for item in ITEMS if c == item.lower()}
    if not cols:
        raise ExtractError(path, "the header row has no 'Median' column", line=h + 1)
    return cols


def parse(
    path: Path,
    recognised: Recognised,
    *,
    area: Area,
    data: bytes | None = None,
    narrow: AreaFilter | None = None,
) -> pd.DataFrame:
    """One figure per area, sheet (breakdown) and item; CVs from a ``b`` table."""
    sheets = read_workbook(path, data)
    dataset = recognised.dataset
    out: dict[str, list] = {c: [] for c in records.COLUMNS}
    titles = " ".join(_title(rows) for rows in sheets.values())
    year = _year(path, titles)
    start, end, label = records.parse_period(str(year))
    words = re.split(r"[^A-Z]+", (Path(str(path)).name + " " + titles).upper())
    provisional = "PROV" in words or "PROVISIONAL" in words
    uncoded = 0
    read = 0
    for sheet, rows in sheets.items():
        h = _header(rows)
        if h is None:
            continue
        title = _title(rows)
        kind = _kind(title)
        if kind is None or kind[0] != dataset:
            continue
        is_cv = (m := _TABLE.search(title)) is not None and m.group("kind").lower() == "b"
        measure = "cv" if is_cv else "value"
        pay = _pay(title)
        breakdown = breakdown_of(sheet)
        cols = _columns(path, rows, h, dataset)
        read += 1
        seen: set[str] = set()
        for i in range(h + 1, len(rows)):
            row = rows[i]
            code = _text(row[1]) if len(row) > 1 else ""
            if not code:
                uncoded += any(_text(c) for c in row[2:])
                continue
            if code in seen:
                continue  # an area listed under two headings (a unitary authority)
            seen.add(code)
            for j, item in cols.items():
                raw = row[j] if j < len(row) else None
                parsed = _cell(raw)
                if parsed is None:
                    raise ExtractError(
                        path,
                        f"sheet {sheet!r}: value {raw!r} is neither a number nor a marker "
                        "(x, ..)",
                        line=i + 1,
                        column=_text(rows[h][j]) or str(j + 1),
                    )
                value, status = parsed
                if provisional and not is_cv:
                    status = records.worse_status(status, "provisional")
                category = item if dataset == LIVING_WAGE else f"{item} | {pay}"
                for col, v in (
                    ("dataset", dataset),
                    ("area_code", code),
                    ("area_name", _text(row[0]) or None),
                    ("geo_vintage", None),
                    ("period_start", start),
                    ("period_end", end),
                    ("period_label", label),
                    ("category", category),
                    ("breakdown", breakdown),
                    ("measure", measure),
                    ("value", value),
                    ("status", status if not is_cv else None),
                    ("origin", f"{path} [{sheet}]"),
                    ("line", i + 1),
                ):
                    out[col].append(v)
    if not read:
        raise ExtractError(path, "no sheet has a 'Description | Code' header under its title")
    recs = records.frame_of_columns(out)
    if uncoded:
        recs.attrs["left_out"] = {"rows without an area code": uncoded}
    return recs


def metadata(path: Path) -> dict:
    """Nothing beyond the file's name and dates: the workbook states no release date."""
    return {}
