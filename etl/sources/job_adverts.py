"""ONS online job adverts by local authority: the Adzuna-based tables (2017-2022) and the
Textkernel-based "Labour demand volumes by SOC 2020" workbook (2017 on).

The two series are not one measure. The Adzuna tables give a *unit measure* (the January average
count of adverts divided by an unpublished constant), by local authority **name**, one January a
year. The Textkernel workbook gives counts of new adverts per quarter by local authority (GSS
codes) and SOC 2020 unit group (``etl.sources.textkernel`` reads its tables). They become separate
indicators (``job_adverts_adzuna_units``; ``job_adverts_new_by_occupation``, and the discontinued
snapshot series ``job_adverts_total``/``job_adverts_by_occupation`` from older editions), so a
trend never joins them silently; the dataset of every row says which series it is.

Tables are found by content. Adzuna: a sheet whose header row starts "Local authority" (or
"Region") followed by year columns. Textkernel: a sheet whose header row has a ``SOC 4 digit
code`` column and period columns; one with a ``Local Authority Code`` column is read, region-only
tables are listed as set aside.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from core.area import Area
from core.errors import ExtractError, FetchError
from core.http import HttpClient
from etl import records
from etl.areas import AreaFilter
from etl.catalogue import Catalogue
from etl.extract import Extract, Probe, Recognised
from etl.names import provisional_code
from etl.sources import landing, textkernel
from etl.workbook import read_workbook

NAME = "job_adverts"
NARROWS = False
REPLACES_HISTORY = False
ADZUNA = "ons_job_adverts_adzuna"
TEXTKERNEL = "ons_job_adverts_textkernel"
DATASET = TEXTKERNEL  # what the live client fetches (named when a fetch fails)
ADZUNA_CATEGORY = "Online job adverts, January average (units)"

_YEAR = re.compile(r"^(19|20)\d{2}$")


def _text(cell: object) -> str:
    return "" if cell is None else re.sub(r"\s+", " ", str(cell)).strip()


def _norm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


# ------------------------------------------------------------------------------------------
# Recognition
# ------------------------------------------------------------------------------------------


def _adzuna_header(rows: list[tuple]) -> int | None:
    for i, row in enumerate(rows):
        cells = [_text(c) for c in row]
        if not cells or not cells[0]:
            continue
        first = cells[0].lower()
        years = [c for c in cells[1:] if _YEAR.match(c)]
        if first.startswith(("local authority", "region")) and len(years) >= 2:
            return i
    return None


def sniff(probe: Probe) -> Recognised | None:
    """The Adzuna LA tables or a Textkernel labour-demand workbook, by their tables."""
    sheets = probe.workbook_sheets
    if not sheets:
        return None
    text = " ".join(_text(c).lower() for rows in sheets.values() for r in rows[:6] for c in r if c)
    if "job advert" not in text and "labour demand" not in text:
        return None
    if "adzuna" in text and any(_adzuna_header(rows) is not None for rows in sheets.values()):
        return Recognised(NAME, ADZUNA, "ONS online job adverts by local authority (Adzuna)")
    if any(textkernel.find_table(rows) for rows in sheets.values()):
        return Recognised(
            NAME, TEXTKERNEL, "ONS labour demand volumes by SOC 2020 (Textkernel job adverts)"
        )
    if "textkernel" in text or "labour demand" in text:
        # Says what it is but no table could be placed: parse will say what is missing.
        return Recognised(NAME, TEXTKERNEL, "ONS labour demand volumes (unreadable layout)")
    return None


# ------------------------------------------------------------------------------------------
# Adzuna tables (names only)
# ------------------------------------------------------------------------------------------


def _name_resolver(area: Area) -> tuple[dict[str, str], dict[str, str]]:
    """Configured LAD names and region names -> codes (normalised names)."""
    lads = {_norm_name(lad.name): lad.code for lad in area.lads if lad.name}
    regions = {_norm_name(n): c for c, n in area.region_names.items()}
    return lads, regions


def provisional(name: str) -> str:
    """The code a name-only row carries until the build's name lookup (``etl.names``) places it."""
    return provisional_code("lad", name)


def _parse_adzuna(
    path: Path, sheets: dict[str, list[tuple]], dataset: str, area: Area
) -> pd.DataFrame:
    lads, regions = _name_resolver(area)
    rows_out: list[dict] = []
    notes: list[str] = []
    tables = 0
    for sheet, rows in sheets.items():
        h = _adzuna_header(rows)
        if h is None:
            continue
        title = " ".join(_text(c).lower() for row in rows[:h] for c in row if c)
        if "unknown" in title or "proportion" in title or "index" in title:
            continue  # unknown-location adverts, shares and indices are not place totals
        header = [_text(c) for c in rows[h]]
        is_region = header[0].lower().startswith("region")
        years = {j: int(c) for j, c in enumerate(header) if _YEAR.match(c)}
        tables += 1
        unmatched = []
        for i in range(h + 1, len(rows)):
            row = rows[i]
            name = _text(row[0]) if row else ""
            if not name:
                continue
            key = _norm_name(name)
            if is_region:
                code = regions.get(key)
                if code is None:
                    unmatched.append(name)
                    continue
            else:
                code = lads.get(key) or provisional(name)
            for j, year in years.items():
                raw = row[j] if j < len(row) else None
                parsed = records.parse_cell(raw)
                if parsed is None:
                    raise ExtractError(
                        path,
                        f"sheet {sheet!r}: value {raw!r} is neither a number nor a known marker",
                        line=i + 1,
                        column=str(year),
                    )
                rows_out.append(
                    {
                        "dataset": dataset,
                        "area_code": code,
                        "area_name": name,
                        "geo_vintage": None,
                        "period_start": date(year, 1, 1),
                        "period_end": date(year, 1, 31),
                        "period_label": f"January {year}",
                        "category": ADZUNA_CATEGORY,
                        "breakdown": "total",
                        "measure": "value",
                        "value": parsed[0],
                        "status": parsed[1],
                        "origin": f"{path} [{sheet}]",
                        "line": i + 1,
                    }
                )
        if unmatched:
            notes.append(
                f"sheet {sheet!r}: {len(unmatched)} region name(s) not among the configured "
                f"regions were left out: {', '.join(unmatched[:8])}"
            )
    if not tables:
        raise ExtractError(
            path,
            "no sheet has a job-adverts table (a header row starting 'Local authority' or "
            f"'Region' followed by year columns); sheets found: {list(sheets)}",
        )
    out = records.frame(rows_out)
    named = sorted({c for c in out["area_code"] if c.startswith("name:")})
    if named:
        notes.append(
            f"{len(named)} local authority name(s) are not configured places and carry no code in "
            "this file; they are placed by the build's name lookup, or left out if it finds none"
        )
    out.attrs["notes"] = notes
    return out


# ------------------------------------------------------------------------------------------
# Textkernel workbook (codes, monthly, by SOC 2020)
# ------------------------------------------------------------------------------------------


def _parse_textkernel(path: Path, sheets: dict[str, list[tuple]], dataset: str) -> pd.DataFrame:
    out: dict[str, list] = {c: [] for c in records.COLUMNS}
    notes: list[str] = []
    left_out = 0
    for sheet, rows in sheets.items():
        table = textkernel.find_table(rows)
        if table is None:
            continue
        if not table.by_place:
            notes.append(f"sheet {sheet!r}: a table by region only, not read")
            continue
        category = textkernel.statistic(rows, table) + textkernel.BY_OCCUPATION
        cols, skipped = textkernel.read_places(path, sheet, rows, table, category, dataset)
        for c in records.COLUMNS:
            out[c] += cols[c]
        left_out += skipped
    if not out["area_code"]:
        raise ExtractError(
            path,
            "no sheet has a job-adverts table by local authority (a header row with 'SOC 4 "
            "digit code', 'Local Authority Code' and period columns) with rows of figures; "
            f"sheets found: {list(sheets)}",
        )
    recs = records.frame_of_columns(out)
    recs.attrs["notes"] = notes
    if left_out:
        recs.attrs["left_out"] = {"rows without a local authority code or SOC code": left_out}
    return recs


def parse(
    path: Path,
    recognised: Recognised,
    *,
    area: Area,
    data: bytes | None = None,
    narrow: AreaFilter | None = None,
) -> pd.DataFrame:
    """Read whichever of the two series the workbook holds."""
    sheets = read_workbook(path, data)
    if recognised.dataset == ADZUNA:
        return _parse_adzuna(path, sheets, recognised.dataset, area)
    return _parse_textkernel(path, sheets, recognised.dataset or TEXTKERNEL)


# ------------------------------------------------------------------------------------------
# Live: the current Textkernel workbook, linked from the ONS dataset page
# ------------------------------------------------------------------------------------------

LANDING_URL = (
    "https://www.ons.gov.uk/employmentandlabourmarket/peopleinwork/employmentandemployeetypes/"
    "datasets/labourdemandvolumesbystandardoccupationclassificationsoc2020uk"
)


def fetch_live(http: HttpClient, area: Area, catalogue: Catalogue) -> list[Extract]:
    """The current edition's workbook: the first ``.xlsx`` link on the landing page that is not
    a previous version, parsed like a downloaded file."""
    home = landing.page(http, LANDING_URL)
    files = landing.file_links(home.text, home.url, (".xlsx",))
    current = [u for u in files if "/previous/" not in u] or files
    if not current:
        raise FetchError(home.url, "the dataset page links to no .xlsx workbook")
    url = current[0]
    resp = http.get(url, expect="xlsx")
    ex = landing.to_extract(resp, resp.content, url, area=area, parser=sys.modules[__name__])
    return [ex]



def metadata(path: Path) -> dict:
    """Nothing beyond the file's own date: this format states no release or edition."""
    return {}
