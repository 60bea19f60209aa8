"""The tables of the ONS "Labour demand volumes by SOC 2020" workbook (Textkernel online job
adverts), read by header text; ``etl.sources.job_adverts`` is the parser that uses them.

The current edition (January 2017 to July 2026) has these sheets::

    Cover sheet   title; notes from row 19
    Table 3       Region | SOC 4 digit code | SOC 4 digit label | Jan-17 ... Jul-26   (monthly)
    Table 5       Region | ITL2 | Local Authority District | SOC 4 digit code |
                  SOC 4 digit label | Local Authority Code | 2017Q1 ... 2026Q2      (quarterly)

with the header on row 5 and data from row 6, rows grouped by region. Every figure is a count of
*new* adverts in the period; ``[x]`` marks a suppressed cell. Rows whose SOC code and label are
``Unknown`` are adverts that could not be coded. London appears only as a region (``Region`` and
``Local Authority District`` both ``London``, no code). Older editions also had *snapshot* tables
(adverts live in the month), withdrawn from the 26 September 2025 release, and numbered tables
differently: a table is known by its header, and whether it counts new or live adverts by its
title.

A local-authority table gives, for each place and period, one figure per SOC 2020 unit group
(``soc:2134``; unclassified adverts ``soc:unknown``) and totals made from them: all adverts
(``total``), each SOC major group (``soc:1`` ... ``soc:9``) and sub-major group (``soc:61``),
and health and care
(``soc:health_care``: sub-major groups 22 and 32 and minor group 613, caring personal services,
where care workers and home carers are 6135). A total with a suppressed part leaves it out and is
flagged ``estimated`` (incomplete); one whose every part is suppressed is itself suppressed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from core.classifications import HEALTH_CARE_SOC2020, SOC2020_MAJOR
from core.errors import ExtractError
from etl import records
from etl.names import provisional_code

NEW = "New job adverts"
SNAPSHOT = "Snapshot job adverts"
BY_OCCUPATION = " by occupation"
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.I)
_GSS = re.compile(r"^[EWSNK]\d{8}$")
_SOC4 = re.compile(r"^\d{4}$")
SUPPRESSED = (float("nan"), "suppressed")  # [x]: withheld for quality or disclosure


def _text(cell: object) -> str:
    return "" if cell is None else " ".join(str(cell).split())


def _key(cell: object) -> str:
    return _text(cell).lower()


def quarter(cell: object) -> tuple[date, date, str] | None:
    """``2024Q2`` -> (2024-04-01, 2024-06-30, ``Apr-Jun 2024``)."""
    m = _QUARTER.match(_text(cell))
    if not m:
        return None
    y, q = int(m.group(1)), int(m.group(2))
    start = date(y, 3 * q - 2, 1)
    end = records.parse_period(f"{y}-{3 * q:02d}")[1]
    return start, end, f"{start:%b}-{end:%b %Y}"


def period(cell: object) -> tuple[date, date, str] | None:
    """A quarter (``2024Q2``) or a month (``Jan-17``, a date) heading a column, else None."""
    if found := quarter(cell):
        return found
    if hasattr(cell, "year") and hasattr(cell, "month"):
        return records.parse_period(f"{cell.year}-{cell.month:02d}")
    text = _text(cell)
    if not re.fullmatch(r"[A-Za-z]{3,9}[- ]\d{2}", text):
        return None
    try:
        return records.parse_period(text)
    except (ValueError, KeyError):
        return None


@dataclass(frozen=True)
class Table:
    """Where a Textkernel table's header is and what each column holds."""

    header: int
    soc: int
    periods: dict[int, tuple[date, date, str]]
    region: int | None = None
    lad_name: int | None = None
    lad_code: int | None = None

    @property
    def by_place(self) -> bool:
        return self.lad_code is not None


def find_table(rows: list[tuple]) -> Table | None:
    """The table on a sheet: a header row with a ``SOC 4 digit code`` column and period columns."""
    for i, row in enumerate(rows[:15]):
        keys = [_key(c) for c in row]
        soc = next((j for j, k in enumerate(keys) if k == "soc 4 digit code"), None)
        if soc is None:
            continue
        periods = {j: p for j, c in enumerate(row) if (p := period(c))}
        if not periods:
            continue

        def col(*names: str, keys=keys) -> int | None:
            return next((j for j, k in enumerate(keys) if k in names), None)

        return Table(
            header=i,
            soc=soc,
            periods=periods,
            region=col("region"),
            lad_name=col("local authority district", "local authority"),
            lad_code=col("local authority code", "local authority district code"),
        )
    return None


def statistic(rows: list[tuple], table: Table) -> str:
    """New adverts, unless the title rows say the table counts live ("snapshot") adverts."""
    title = " ".join(_key(c) for row in rows[: table.header] for c in row if c)
    return SNAPSHOT if "snapshot" in title else NEW


def _soc(raw: object) -> str | None:
    text = _text(raw)
    if text.lower() == "unknown":
        return "unknown"
    return text if _SOC4.match(text) else None


def _place(row: tuple, table: Table) -> tuple[str, str] | None:
    """(code, name) of a row: its GSS code, or a region standing in for its districts (London)."""
    code = _text(row[table.lad_code]) if table.lad_code < len(row) else ""
    name = _text(row[table.lad_name]) if table.lad_name is not None else ""
    if _GSS.match(code):
        return code, name
    region = _text(row[table.region]) if table.region is not None else ""
    if not code and name and name == region:
        return provisional_code("region", name), name
    return None


def _groups(socs: list[str]) -> dict[str, list[int]]:
    """Breakdown -> the unit-group rows it adds up (one place's rows, in order)."""
    groups: dict[str, list[int]] = {"total": list(range(len(socs)))}
    for major in SOC2020_MAJOR:
        groups[f"soc:{major}"] = [k for k, s in enumerate(socs) if s.startswith(major)]
    for sub in sorted({s[:2] for s in socs if s[:2].isdigit()}):
        groups[f"soc:{sub}"] = [k for k, s in enumerate(socs) if s.startswith(sub)]
    groups["soc:health_care"] = [
        k for k, s in enumerate(socs) if s.startswith(HEALTH_CARE_SOC2020)
    ]
    return {b: rows for b, rows in groups.items() if rows}


def read_places(
    path: object, sheet: str, rows: list[tuple], table: Table, category: str, dataset: str
) -> tuple[dict[str, list], int]:
    """Records (columns) of a local-authority table, with its totals; and rows left out."""
    out: dict[str, list] = {c: [] for c in records.COLUMNS}
    cells: dict[tuple[type, object], tuple[float, str | None] | None] = {}
    places: dict[str, tuple[str, list[str], list[list], list[int]]] = {}
    left_out = 0
    for i in range(table.header + 1, len(rows)):
        row = rows[i]
        if not any(_text(c) for c in row):
            continue
        place = _place(row, table)
        soc = _soc(row[table.soc]) if table.soc < len(row) else None
        if place is None or soc is None:
            left_out += 1
            continue
        code, name = place
        _, socs, values, lines = places.setdefault(code, (name, [], [], []))
        if soc in socs:
            raise ExtractError(
                path, f"sheet {sheet!r}: {code} has two rows for SOC {soc}", line=i + 1
            )
        parsed = []
        for j, _ in table.periods.items():
            raw = row[j] if j < len(row) else None
            key = (type(raw), raw)
            if key not in cells:
                cells[key] = SUPPRESSED if _text(raw) == "[x]" else records.parse_cell(raw)
            if cells[key] is None:
                raise ExtractError(
                    path,
                    f"sheet {sheet!r}: value {raw!r} is neither a count nor [x]",
                    line=i + 1,
                    column=_text(rows[table.header][j]),
                )
            parsed.append(cells[key])
        socs.append(soc)
        values.append(parsed)
        lines.append(i + 1)
    periods = list(table.periods.values())
    for code, (name, socs, values, lines) in places.items():
        number = np.array([[v for v, _ in row] for row in values], dtype=np.float64)
        marks = [[s for _, s in row] for row in values]
        figures = [(f"soc:{s}", [k]) for k, s in enumerate(socs)]
        figures += list(_groups(socs).items())
        for breakdown, members in figures:
            part = number[members]
            gone = np.isnan(part)
            total = np.where(gone.all(axis=0), np.nan, np.nansum(part, axis=0))
            for p, (start, end, label) in enumerate(periods):
                if len(members) == 1:
                    status = marks[members[0]][p]
                elif gone[:, p].all():
                    status = "suppressed"
                elif gone[:, p].any():
                    status = "estimated"
                else:
                    status = None
                for col, v in (
                    ("dataset", dataset),
                    ("area_code", code),
                    ("area_name", name or None),
                    ("geo_vintage", None),
                    ("period_start", start),
                    ("period_end", end),
                    ("period_label", label),
                    ("category", category),
                    ("breakdown", breakdown),
                    ("measure", "count"),
                    ("value", total[p]),
                    ("status", status),
                    ("origin", f"{path} [{sheet}]"),
                    ("line", lines[members[0]]),
                ):
                    out[col].append(v)
    return out, left_out
