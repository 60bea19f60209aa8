"""ONS regional labour market table CC01: the claimant count by unitary and local authority,
by sex, for one month (``lmregtabcc01<month><year>.xls``, legacy ``.xls`` or ``.xlsx``).

Layout (found by header text, not position)::

    Cover_sheet   ... "This spreadsheet was published on 14 March 2023" ...
    CC01          Worksheet 1: Claimant Count by unitary and local authorities ..., February 2023
                  ... "[w] - none recorded in survey, [c] - confidential" ...
                  Geography | Geography code | Number of men [note 1] | Number of women [note 1] |
                  Number of people [note 1] | Proportion of men [note 2] | ... | Men: change on
                  year | ...
                  United Kingdom | K02000001 | 893930 | 649150 | ...

Headers carry ``[note n]`` and line breaks. Counts are rounded to the nearest 5; proportions are
claimants as a percentage of residents aged 16 to 64 of that sex (mid-year estimates). ``[c]``
(confidential) and ``[w]`` (none recorded) are statuses, never 0. Some areas are listed twice
(England under each region's block): a repeat with the same figures is read once, a repeat that
disagrees stops the file.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from core.area import Area
from core.errors import ExtractError
from etl import records
from etl.areas import AreaFilter
from etl.extract import Probe, Recognised
from etl.workbook import read_workbook

NAME = "ons_cc01"
NARROWS = False
REPLACES_HISTORY = False
DATASET = "ons_cc01"
COUNT = "Claimant count"
PROPORTION = "Claimants as a proportion of residents aged 16-64"
# Header text (notes and line breaks removed, lower case) -> (category, sex, measure).
COLUMNS = {
    f"{kind} of {who}": (COUNT if kind == "number" else PROPORTION, sex, measure)
    for kind, measure in (("number", "count"), ("proportion", "value"))
    for who, sex in (("men", "Men"), ("women", "Women"), ("people", "People"))
}
_NOTE = re.compile(r"\[note\s*\d+\]", re.I)
_MONTH_YEAR = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\s+(\d{4})\b",
    re.I,
)
NONE_RECORDED = (float("nan"), "missing")  # [w]: none recorded, shown as no figure (never 0)
_PUBLISHED = re.compile(r"published on (\d{1,2} [A-Za-z]+ \d{4})", re.I)


def _text(cell: object) -> str:
    return "" if cell is None else " ".join(str(cell).split())


def _header_key(cell: object) -> str:
    return " ".join(_NOTE.sub(" ", _text(cell)).lower().split())


def _header(rows: list[tuple]) -> tuple[int, dict[int, tuple[str, str, str]]] | None:
    """The header row's index and the columns of figures it names."""
    for i, row in enumerate(rows):
        keys = [_header_key(c) for c in row]
        if len(keys) < 2 or keys[0] != "geography" or keys[1] != "geography code":
            continue
        cols = {j: COLUMNS[k] for j, k in enumerate(keys) if k in COLUMNS}
        if cols:
            return i, cols
    return None


def sniff(probe: Probe) -> Recognised | None:
    for sheet, rows in (probe.workbook_sheets or {}).items():
        found = _header(rows)
        if found is None:
            continue
        title = " ".join(_text(c) for row in rows[: found[0]] for c in row if c).lower()
        if "claimant count" not in title:
            continue
        return Recognised(
            NAME,
            DATASET,
            "ONS claimant count by local authority and sex (table CC01)",
            options={"sheet": sheet},
        )
    return None


def _period(path: Path, rows: list[tuple], header: int) -> tuple[date, date, str]:
    for row in rows[:header]:
        for cell in row:
            m = _MONTH_YEAR.search(_text(cell))
            if m:
                return records.parse_period(f"{m.group(1)} {m.group(2)}")
    raise ExtractError(path, "the title rows name no month (such as 'February 2023')")


def parse(
    path: Path,
    recognised: Recognised,
    *,
    area: Area,
    data: bytes | None = None,
    narrow: AreaFilter | None = None,
) -> pd.DataFrame:
    """One ``count`` and one ``value`` (proportion) per area, sex and month."""
    sheets = read_workbook(path, data)
    rows = sheets.get(recognised.options.get("sheet", ""), [])
    found = _header(rows)
    if found is None:
        raise ExtractError(path, "no header row 'Geography | Geography code | Number of men ...'")
    h, cols = found
    start, end, label = _period(path, rows, h)
    out: dict[str, list] = {c: [] for c in records.COLUMNS}
    seen: dict[str, tuple[int, tuple]] = {}
    uncoded = 0
    for i in range(h + 1, len(rows)):
        row = rows[i]
        name = _text(row[0]) if row else ""
        code = _text(row[1]) if len(row) > 1 else ""
        cells = tuple(row[j] if j < len(row) else None for j in cols)
        if not code:
            uncoded += any(_text(c) for c in cells)
            continue
        if code in seen:
            if seen[code][1] != cells:
                raise ExtractError(
                    path,
                    f"area {code} is listed twice with different figures (first on row "
                    f"{seen[code][0]})",
                    line=i + 1,
                )
            continue
        seen[code] = (i + 1, cells)
        for (j, (category, sex, measure)), raw in zip(cols.items(), cells, strict=True):
            parsed = NONE_RECORDED if _text(raw) == "[w]" else records.parse_cell(raw)
            if parsed is None:
                raise ExtractError(
                    path,
                    f"value {raw!r} is neither a number nor a marker this table explains "
                    "([c], [w])",
                    line=i + 1,
                    column=_text(rows[h][j]),
                )
            for col, value in (
                ("dataset", DATASET),
                ("area_code", code),
                ("area_name", name or None),
                ("geo_vintage", None),
                ("period_start", start),
                ("period_end", end),
                ("period_label", label),
                ("category", f"{category} | {sex}"),
                ("breakdown", "total"),
                ("measure", measure),
                ("value", parsed[0]),
                ("status", parsed[1]),
                ("origin", str(path)),
                ("line", i + 1),
            ):
                out[col].append(value)
    recs = records.frame_of_columns(out)
    if uncoded:
        recs.attrs["left_out"] = {"rows without an area code": uncoded}
    return recs


def metadata(path: Path) -> dict:
    """The release date from the cover sheet ("This spreadsheet was published on ...")."""
    for rows in read_workbook(Path(path), limit=30).values():
        for row in rows:
            for cell in row:
                m = _PUBLISHED.search(_text(cell))
                if m:
                    try:
                        return {"release_date": pd.to_datetime(m.group(1)).date()}
                    except ValueError:
                        return {}
    return {}
