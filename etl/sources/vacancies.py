"""ONS Vacancy Survey workbooks: VACS02 (by industry, rolling 3 months, seasonally adjusted) and
X06 (by industry, single month, not seasonally adjusted). UK only: national context, never mapped.

Sheets and rows are found by content, not position: an industry table is a sheet with a row whose
first cell starts "SIC 2007 sections", followed by a row of section codes (``B-S``, ``B`` ... ``S``,
``G-S``, divisions ``45``/``G45``), an optional row of CDID series ids, then one row per period
(``Apr-Jun 2001`` or a month) until the first row that is not a period. Whether a sheet holds
levels (thousands) or vacancies per 100 employee jobs is read from its title rows.

Breakdowns: ``B-S`` (all vacancies, excluding agriculture) is ``total``; a section is ``sic:Q``;
the published combination "total services" is ``sic:G-S``; the motor trades, wholesale and retail
divisions of section G are ``sic:45``, ``sic:46``, ``sic:47``. X06 publishes G only as those three
divisions, so it has no ``sic:G``.

VACS01 (vacancies and unemployment) and VACS03 (by size of business) are recognised and listed
as not used: no indicator of this dashboard reads them. The live client fetches the current
VACS02 from its ONS dataset page.
"""

from __future__ import annotations

import calendar
import re
import sys
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from core.area import Area
from core.errors import ExtractError, FetchError
from core.http import HttpClient
from etl import records
from etl.areas import AreaFilter
from etl.catalogue import Catalogue
from etl.extract import Extract, Probe, Recognised
from etl.sources import landing
from etl.workbook import is_workbook, read_workbook

NAME = "vacancies"
NARROWS = False
REPLACES_HISTORY = False
UK = "K02000001"
UK_NAME = "United Kingdom"
ROLLING = "ons_vacs02"
SINGLE = "ons_x06"
LEVELS = "Vacancies (thousands)"
RATIOS = "Vacancies per 100 employee jobs"

_SECTION = re.compile(r"^(?:[A-U](?:-[A-U])?|G?4[5-7])$")
_CDID = re.compile(r"^[A-Z][A-Z0-9]{3}$")
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_THREE_MONTHS = re.compile(rf"^{_MON}\s*-\s*{_MON}\s+(\d{{4}})$", re.I)
_ONE_MONTH = re.compile(rf"^{_MON}\s+(\d{{4}})$", re.I)
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}


def _text(cell: object) -> str:
    return "" if cell is None else re.sub(r"\s+", " ", str(cell)).strip()


def period_of(cell: object) -> tuple[date, date, str, str] | None:
    """A period cell as ``(start, end, label, kind)``; kind is ``rolling`` or ``single``."""
    if isinstance(cell, datetime | date):
        y, m = cell.year, cell.month
        end = date(y, m, calendar.monthrange(y, m)[1])
        return date(y, m, 1), end, f"{calendar.month_name[m]} {y}", "single"
    text = _text(cell)
    m = _THREE_MONTHS.match(text)
    if m:
        first, last, year = (
            _MONTHS[m.group(1)[:3].lower()],
            _MONTHS[m.group(2)[:3].lower()],
            int(m.group(3)),
        )
        start_year = year - 1 if first > last else year
        start = date(start_year, first, 1)
        end = date(year, last, calendar.monthrange(year, last)[1])
        return start, end, f"{start:%b}-{end:%b %Y}", "rolling"
    m = _ONE_MONTH.match(text)
    if m:
        mo, y = _MONTHS[m.group(1)[:3].lower()], int(m.group(2))
        end = date(y, mo, calendar.monthrange(y, mo)[1])
        return date(y, mo, 1), end, f"{calendar.month_name[mo]} {y}", "single"
    return None


def breakdown_of(code: str) -> str:
    """``B-S`` -> total, ``Q`` -> sic:Q, ``G45``/``45`` -> sic:45."""
    code = code.strip().upper()
    if code == "B-S":
        return "total"
    if re.fullmatch(r"G?4[5-7]", code):
        return f"sic:{code[-2:]}"
    return f"sic:{code}"


def _header_index(rows: list[tuple]) -> int | None:
    for i, row in enumerate(rows):
        if row and _text(row[0]).lower().startswith("sic 2007"):
            return i
    return None


def _layout(sheet: str, rows: list[tuple], origin: Path) -> dict | None:
    """Where the table of one sheet is: header, codes row, columns, unit, first data row.

    Returns None for a sheet without an industry table; raises for one that starts like an
    industry table but lacks a part of it.
    """
    h = _header_index(rows)
    if h is None:
        return None
    codes_row = None
    for i in range(h + 1, min(h + 4, len(rows))):
        found = {j: _text(c) for j, c in enumerate(rows[i]) if _SECTION.match(_text(c))}
        if len(found) >= 5:
            codes_row = i
            columns = found
            break
    if codes_row is None:
        raise ExtractError(
            origin,
            f"sheet {sheet!r}: the 'SIC 2007 sections' header (row {h + 1}) is not followed by a "
            "row of section codes (B-S, B, C ...)",
        )
    title = " ".join(_text(c).lower() for row in rows[: codes_row + 4] for c in row if c)
    if "per 100" in title:
        category = RATIOS
    elif "thousand" in title:
        category = LEVELS
    else:
        raise ExtractError(
            origin,
            f"sheet {sheet!r}: the title rows say neither 'thousands' nor 'per 100 employee jobs', "
            "so the unit of the figures is unknown",
        )
    cdids = {}
    nxt = codes_row + 1
    if nxt < len(rows):
        cdids = {j: _text(rows[nxt][j]) for j in columns if j < len(rows[nxt])}
        cdids = {j: c for j, c in cdids.items() if _CDID.match(c)}
    first = None
    for i in range(codes_row + 1, len(rows)):
        if rows[i] and period_of(rows[i][0]):
            first = i
            break
    kind = period_of(rows[first][0])[3] if first is not None else None
    return {
        "header": h,
        "columns": columns,
        "cdids": cdids,
        "category": category,
        "first": first,
        "kind": kind,
    }


def _kind_of_workbook(sheets: dict[str, list[tuple]]) -> tuple[str | None, str]:
    """What a workbook is, from its first rows: (dataset, description) or (None, reason)."""
    for name, rows in sheets.items():
        try:
            lay = _layout(name, rows, Path(name))
        except ExtractError:
            lay = {"kind": None}
        if lay and lay.get("kind") == "rolling":
            return ROLLING, "ONS VACS02 vacancies by industry (UK, rolling 3 months, SA)"
        if lay and lay.get("kind") == "single":
            return SINGLE, "ONS X06 single-month vacancies by industry (UK, not SA)"
    return None, ""


def sniff(probe: Probe) -> Recognised | None:
    """VACS02 or X06 by their industry tables; VACS01/VACS03 as known but unused."""
    sheets = probe.workbook_sheets
    if not sheets:
        return None
    dataset, description = _kind_of_workbook(sheets)
    if dataset:
        return Recognised(parser=NAME, dataset=dataset, description=description)
    text = " ".join(_text(c).lower() for rows in sheets.values() for r in rows[:8] for c in r if c)
    if "vacs01" in text or (
        "all vacancies" in text and "unemploy" in text and "per vacancy" in text
    ):
        return Recognised(NAME, None, "ONS VACS01 vacancies and unemployment (UK)")
    if "vacs03" in text or ("vacancies" in text and "size of business" in text):
        return Recognised(NAME, None, "ONS VACS03 vacancies by size of business (UK)")
    if "sic 2007" in text and "vacanc" in text:
        # It says it is a vacancies-by-industry workbook but no table could be read: let parse
        # say what is missing rather than skipping the file quietly.
        return Recognised(NAME, ROLLING, "ONS vacancies by industry (unreadable layout)")
    return None


def parse(
    path: Path,
    recognised: Recognised,
    *,
    area: Area,
    data: bytes | None = None,
    narrow: AreaFilter | None = None,
) -> pd.DataFrame:
    """Every industry table of the workbook as UK records, one per period and SIC code."""
    sheets = read_workbook(path, data)
    rows_out: list[dict] = []
    tables = 0
    for sheet, rows in sheets.items():
        lay = _layout(sheet, rows, path)
        if lay is None:
            continue
        if lay["first"] is None:
            raise ExtractError(
                path, f"sheet {sheet!r}: no period rows (such as 'Apr-Jun 2001') under the header"
            )
        tables += 1
        for i in range(lay["first"], len(rows)):
            row = rows[i]
            period = period_of(row[0]) if row else None
            if period is None:
                break
            start, end, label, _ = period
            flag = _text(row[1]).lower() if len(row) > 1 else ""
            for j, code in lay["columns"].items():
                raw = row[j] if j < len(row) else None
                parsed = records.parse_cell(raw)
                if parsed is None:
                    raise ExtractError(
                        path,
                        f"sheet {sheet!r}: value {raw!r} is neither a number nor a known marker",
                        line=i + 1,
                        column=code,
                    )
                value, status = parsed
                if status is None and flag == "(p)":
                    status = "provisional"
                rows_out.append(
                    {
                        "dataset": recognised.dataset,
                        "area_code": UK,
                        "area_name": UK_NAME,
                        "geo_vintage": None,
                        "period_start": start,
                        "period_end": end,
                        "period_label": label,
                        "category": lay["category"],
                        "breakdown": breakdown_of(code),
                        "measure": "value",
                        "value": value,
                        "status": status,
                        "origin": f"{path} [{sheet}]",
                        "line": i + 1,
                    }
                )
    if not tables:
        raise ExtractError(
            path,
            "no sheet has a vacancies-by-industry table (a row starting 'SIC 2007 sections' "
            f"followed by section codes); sheets found: {list(sheets)}",
        )
    return records.frame(rows_out)


def metadata(path: Path) -> dict:
    """Nothing beyond the file's own date: this format states no release or edition."""
    return {}


# ------------------------------------------------------------------------------------------
# Live: the current VACS02 workbook, linked from its ONS dataset page
# ------------------------------------------------------------------------------------------

DATASET = ROLLING  # what the live client fetches (named when a fetch fails)
LANDING_URL = (
    "https://www.ons.gov.uk/employmentandlabourmarket/peoplenotinwork/unemployment/datasets/"
    "vacanciesbyindustryvacs02"
)


def fetch_live(http: HttpClient, area: Area, catalogue: Catalogue) -> list[Extract]:
    """The current edition of VACS02 (UK vacancies by industry): the first ``.xls``/``.xlsx``
    link on the dataset page that is not a previous version, parsed like a downloaded file. The
    modelled local vacancies by industry need it beside BRES."""
    home = landing.page(http, LANDING_URL)
    files = landing.file_links(home.text, home.url, (".xlsx", ".xls"))
    current = [u for u in files if "/previous/" not in u]
    if not current:
        raise FetchError(home.url, "the VACS02 dataset page links to no current workbook")
    resp = http.get(current[0])  # .xlsx now, legacy .xls in older editions
    if not is_workbook(resp.content[:8]):
        raise FetchError(current[0], "the linked file is not a workbook")
    ex = landing.to_extract(resp, resp.content, current[0], area=area,
                            parser=sys.modules[__name__])
    if ex.dataset != ROLLING:
        raise FetchError(current[0], f"the linked workbook is not VACS02 ({ex.description})")
    return [ex]
