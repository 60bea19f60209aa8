"""Nomis XLSX downloads of Annual Population Survey tables: any table, the same layout.

One sheet holds stacked blocks, one per period::

    annual population survey
    ONS Crown Copyright Reserved [from Nomis on 24 April 2023]
    date        | Jan 2022-Dec 2022
    confidence  | 95% confidence interval (+/-)
    Area        | T01:22 (Aged 16-64 - All : All People ) |       |      | T01:25 (...) ...
                | number                                  | Flags | conf | number ...
    country:England | 34994700 |   | 227900 | ...
    ladu:Luton      | 141000   |   | 11900  | ...
    ...
    ! Estimate and confidence interval not available since the group sample size is zero or ...
    * Estimate and confidence interval unreliable since the group sample size is small (3-9).

Blocks, headers and columns are found by their content, not by position. Areas are named, not
coded (``ladu:Luton``); they get provisional ``name:<kind>:<name>`` codes that the build resolves
(see ``etl.names``). A marker in the number, Flags or conf cell is the figure's status, read from
the block's own footnotes; a marked cell never becomes a number.

Every APS table download has this layout. Known tables are read into their datasets (T01
economic activity, T09a/T09b employment by occupation as ``soc2010:<code>``/``soc:<code>``
breakdowns, T13a/T13b employment by industry as ``sic:<sections>``, T19 qualifications by sex
and age); any other table loads as counts under ``aps_<table>`` with one breakdown per column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.area import Area
from core.classifications import soc_code
from core.errors import ExtractError
from etl import records
from etl.areas import AreaFilter
from etl.extract import Probe, Recognised
from etl.names import provisional_code
from etl.sources.nomis_markers import flag_status, read_cell, retrieved_from
from etl.workbook import read_workbook

NAME = "nomis_xlsx"
NARROWS = False
REPLACES_HISTORY = False

_TABLE_COLUMN = re.compile(
    r"^\s*(?P<table>[A-Z]+\d+[a-z]?):(?P<cell>\d+)\s*\((?P<label>.*)\)\s*$", re.S
)
_FOOTNOTE = re.compile(r"^(?P<symbol>[^\w\s]{1,2})\s+(?P<text>\S.*)$", re.S)
APS = "annual population survey"
# Table -> catalogue dataset, for the residence-based APS (the title tells it from the workplace
# analysis, which shares table numbers). Any other table of either goes to GENERIC.
DATASETS = {
    "T01": "aps_t01",
    "T09a": "aps_t09",
    "T09b": "aps_t09",
    "T13a": "aps_t13",
    "T13b": "aps_t13",
    "T19": "aps_t19",
}
GENERIC = "aps_tables"
OCCUPATION = "In employment by occupation"
INDUSTRY = "In employment by industry"
_SIC_SECTIONS = re.compile(r"\b(?P<codes>[A-U](?:\s*(?:-|,|and)\s*[A-U])*)\s*[:)]")
ROLES = {"number": "number", "conf": "conf", "flags": "flags", "flag": "flags"}


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def _label(raw: str) -> str:
    """``T01:28 (Aged 16-64 - In employment : All People )`` -> the text in the parentheses."""
    m = _TABLE_COLUMN.match(raw)
    return " ".join(m.group("label").split()) if m else " ".join(raw.split())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def split_label(table: str, label: str) -> tuple[str, str]:
    """A column label of table ``table`` as (category, breakdown).

    ``All people - Health Professionals (SOC2010) : All people`` of T09a ->
    (``In employment by occupation (SOC 2010)``, ``soc2010:22``); a T01 or T19 label stays the
    category (breakdown ``total``); any other table's label is the breakdown of category
    ``<table>``.
    """
    head, _, who = label.rpartition(":")
    head = head or label
    who = who.strip()
    for_whom = "" if who.lower() in ("all people", "all persons", "") else f" | {who}"
    if table in ("T09a", "T09b"):
        version = 2010 if table == "T09a" else 2020
        group = re.sub(r"\(\s*SOC\s*20\d\d\s*\)", "", head.split(" - ", 1)[-1]).strip()
        code = soc_code(group, version) or _slug(group)
        prefix = "soc2010" if version == 2010 else "soc"
        return f"{OCCUPATION} (SOC {version}){for_whom}", f"{prefix}:{code}"
    if table in ("T13a", "T13b"):
        m = _SIC_SECTIONS.search(head.split(" - ", 1)[-1])
        codes = re.sub(r"\s*(?:,|and)\s*", ",", m.group("codes")).replace(" ", "") if m else None
        return f"{INDUSTRY}{for_whom}", f"sic:{codes or _slug(head.split(' - ', 1)[-1])}"
    if table in ("T01", "T19"):
        return label, "total"
    return table, label


def _header_table(row: tuple) -> str | None:
    """The table id (``T01``) if this is an ``Area | T01:22 (...)`` header row."""
    if not row or _text(row[0]).lower() != "area":
        return None
    tables = {m.group("table") for c in row[1:] if (m := _TABLE_COLUMN.match(_text(c)))}
    return tables.pop() if len(tables) == 1 else None


def _title(rows: list[tuple]) -> str:
    for row in rows:
        if row and _text(row[0]):
            return _text(row[0])
    return ""


def _loose(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def sniff(probe: Probe) -> Recognised | None:
    if not probe.workbook_sheets:
        return None
    for sheet, rows in probe.workbook_sheets.items():
        for i, row in enumerate(rows):
            table = _header_table(row)
            if table is None:
                continue
            below = rows[i + 1] if i + 1 < len(rows) else ()
            if "number" not in {_text(c).lower() for c in below}:
                continue
            title = _title(rows)
            dataset = DATASETS.get(table) if _loose(title) == APS else None
            return Recognised(
                parser=NAME,
                dataset=dataset or GENERIC,
                description=f"Nomis XLSX download ({title or 'untitled'}, table {table})",
                options={"sheet": sheet, "table": table},
            )
    return None


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


@dataclass
class _Group:
    """One published figure's columns: its label and where its number, flags and conf sit."""

    label: str
    number: int | None = None
    flags: int | None = None
    conf: int | None = None


def _groups(path: Path, header: tuple, sub: tuple, line: int) -> list[_Group]:
    groups: list[_Group] = []
    width = max(len(header), len(sub))
    for j in range(1, width):
        head = _text(header[j]) if j < len(header) else ""
        role = ROLES.get(_text(sub[j]).lower()) if j < len(sub) else None
        if head:
            groups.append(_Group(_label(head)))
        if role is None:
            continue
        if not groups:
            raise ExtractError(path, f"sub-heading {sub[j]!r} before any figure heading", line=line)
        if getattr(groups[-1], role) is not None:
            raise ExtractError(
                path, f"figure {groups[-1].label!r} has two {sub[j]!r} columns", line=line + 1
            )
        setattr(groups[-1], role, j)
    for g in groups:
        if g.number is None:
            raise ExtractError(
                path, f"figure {g.label!r} has no 'number' column under it", line=line + 1
            )
    return groups


def _column_name(index: int, label: str, role: str) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(index + 1)} ({label}, {role})"


def _block_footnotes(rows: list[tuple], start: int) -> dict[str, str]:
    """Footnotes below the block that starts at ``start`` (up to the next block's title)."""
    notes: dict[str, str] = {}
    seen_data = False
    for row in rows[start:]:
        first = _text(row[0]) if row else ""
        if first.lower() == "date" and seen_data:
            break
        seen_data = seen_data or ":" in first
        m = _FOOTNOTE.match(first) if len([c for c in row if _text(c)]) == 1 else None
        if m:
            notes.setdefault(m.group("symbol"), " ".join(m.group("text").split()))
    return notes


def parse(
    path: Path,
    recognised: Recognised,
    *,
    area: Area,
    data: bytes | None = None,
    narrow: AreaFilter | None = None,
) -> pd.DataFrame:
    """Read every block of the download into ``count`` and ``ci_half`` records."""
    if data is not None:
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
            tmp.write(data)
            tmp.flush()
            return parse(Path(tmp.name), recognised, area=area)
    sheets = read_workbook(Path(path))
    wanted = recognised.options.get("sheet")
    out = _Records()
    blocks = 0
    for sheet, rows in sheets.items():
        if wanted and sheet != wanted:
            continue
        period: tuple | None = None
        groups: list[_Group] | None = None
        cells = _Cells({})
        seen: dict[tuple, int] = {}
        i = 0
        while i < len(rows):
            row = rows[i]
            line = i + 1
            first = _text(row[0]) if row else ""
            if first.lower() == "date" and len(row) > 1:
                try:
                    period = records.parse_period(_text(row[1]))
                except (ValueError, KeyError):
                    raise ExtractError(
                        path, f"period {row[1]!r} is not one this parser knows", line=line
                    ) from None
                groups = None
                cells = _Cells(_block_footnotes(rows, i))
            elif _header_table(row):
                if period is None:
                    raise ExtractError(
                        path, "a table heading with no 'date' row above it", line=line
                    )
                sub = rows[i + 1] if i + 1 < len(rows) else ()
                groups = _groups(path, row, sub, line)
                blocks += 1
                i += 2
                continue
            elif groups is not None and not first:
                if any(_text(c) for c in row):
                    raise ExtractError(path, "a row of figures without an area name", line=line)
                groups = None  # a blank row ends the block's data
            elif (
                groups is not None and _FOOTNOTE.match(first) and not any(_text(c) for c in row[1:])
            ):
                groups = None  # footnotes straight after the data
            elif groups is not None:
                _read_row(path, row, line, groups, period, cells, seen, out)
            i += 1
    if not blocks:
        raise ExtractError(path, "no 'Area' table heading with figure columns found")
    return out.frame(recognised.dataset, str(path), recognised.options.get("table", ""))


class _Cells:
    """A block's cells read against its footnotes, each distinct cell once."""

    def __init__(self, footnotes: dict[str, str]) -> None:
        self.footnotes = footnotes
        self._values: dict[tuple[type, object], tuple[float, str | None] | None] = {}
        self._flags: dict[tuple[type, object], str | bool | None] = {}

    def value(self, raw: object) -> tuple[float, str | None] | None:
        key = (type(raw), raw)  # 1, 1.0 and True are equal keys, but not equal cells
        if key not in self._values:
            self._values[key] = read_cell(raw, self.footnotes)
        return self._values[key]

    def flag(self, raw: object) -> str | bool | None:
        key = (type(raw), raw)
        if key not in self._flags:
            self._flags[key] = flag_status(raw, self.footnotes)
        return self._flags[key]


@dataclass
class _Records:
    """Records gathered figure by figure; what a whole row shares is kept once per row."""

    rows: list[tuple[str, str, int, tuple]] = field(
        default_factory=list
    )  # code, name, line, period
    row: list[int] = field(default_factory=list)  # per figure: its row in ``rows``
    category: list[str] = field(default_factory=list)
    measure: list[str] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    status: list[str | None] = field(default_factory=list)

    def frame(self, dataset: str | None, origin: str, table: str) -> pd.DataFrame:
        n = len(self.row)
        rows = [self.rows[i] for i in self.row]
        split = {label: split_label(table, label) for label in dict.fromkeys(self.category)}
        out = {
            "dataset": [dataset] * n,
            "area_code": [r[0] for r in rows],
            "area_name": [r[1] for r in rows],
            "geo_vintage": [None] * n,
            "period_start": [r[3][0] for r in rows],
            "period_end": [r[3][1] for r in rows],
            "period_label": [r[3][2] for r in rows],
            "category": [split[c][0] for c in self.category],
            "breakdown": [split[c][1] for c in self.category],
            "measure": self.measure,
            "value": self.value,
            "status": self.status,
            "origin": [origin] * n,
            "line": [r[2] for r in rows],
        }
        df = pd.DataFrame(out, columns=records.COLUMNS)
        df["value"] = df["value"].astype("float64")
        df["status"] = pd.Series(self.status, dtype=object)
        return df


def _read_row(
    path: Path,
    row: tuple,
    line: int,
    groups: list[_Group],
    period: tuple,
    cells: _Cells,
    seen: dict[tuple, int],
    out: _Records,
) -> None:
    label = _text(row[0])
    kind, sep, name = label.partition(":")
    if not sep:
        kind, name = "area", label
    key = (label, period[0], period[1])
    if key in seen:
        raise ExtractError(
            path,
            f"duplicate rows for area {label!r} in one period; first on row {seen[key]}",
            line=line,
        )
    seen[key] = line
    at = len(out.rows)
    out.rows.append((provisional_code(kind, name), name.strip(), line, period))
    for g in groups:
        number = conf = None
        status, absent = None, False
        for role, idx in (("number", g.number), ("conf", g.conf)):
            if idx is None:
                continue
            raw = row[idx] if idx < len(row) else None
            parsed = cells.value(raw)
            if parsed is None:
                raise ExtractError(
                    path,
                    f"value {raw!r} is neither a number nor a marker this file explains",
                    line=line,
                    column=_column_name(idx, g.label, role),
                )
            if role == "number":
                # A marker in place of the number says why there is none ("~" below 500).
                number = parsed[0]
                status, absent = parsed[1], parsed[0] != parsed[0]
            else:
                conf = parsed[0]
                if _text(raw) and not absent:
                    # A marked interval casts doubt on the number beside it ("*" unreliable).
                    status = records.worse_status(status, parsed[1])
        if g.flags is not None and g.flags < len(row):
            flag = cells.flag(row[g.flags])
            if flag is False:
                raise ExtractError(
                    path,
                    f"flag {row[g.flags]!r} is not explained by the file's footnotes nor a "
                    "known Nomis marker",
                    line=line,
                    column=_column_name(g.flags, g.label, "Flags"),
                )
            status = records.worse_status(status, flag)
        for idx, measure, value in ((g.number, "count", number), (g.conf, "ci_half", conf)):
            if idx is None:
                continue
            out.row.append(at)
            out.category.append(g.label)
            out.measure.append(measure)
            out.value.append(value)
            out.status.append(status)


def metadata(path: Path) -> dict[str, object]:
    """The retrieval date from the ``ONS Crown Copyright Reserved [from Nomis on ...]`` row."""
    for rows in read_workbook(Path(path), limit=10).values():
        for row in rows:
            when = retrieved_from(_text(row[0]) if row else "")
            if when:
                return {"retrieved_at": when}
    return {}
