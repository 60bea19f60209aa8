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

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.area import Area
from core.classifications import soc_code
from core.errors import ExtractError
from core.vocabulary import STATUS_RANK
from etl import records
from etl.areas import AreaFilter
from etl.extract import Probe, Recognised
from etl.names import provisional_code
from etl.sources.nomis_markers import (
    distinct_cells,
    flag_status,
    read_cells,
    retrieved_from,
    status_index,
)
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


def _footnote(row: tuple, first: str) -> re.Match | None:
    """A footnote row (its symbol and text, all in the first cell), else None."""
    m = _FOOTNOTE.match(first)
    return m if m and not any(_text(c) for c in row[1:]) else None


def _block_footnotes(rows: list[tuple], start: int) -> dict[str, str]:
    """Footnotes below the block that starts at ``start`` (up to the next block's title)."""
    notes: dict[str, str] = {}
    seen_data = False
    for row in rows[start:]:
        first = _text(row[0]) if row else ""
        if first.lower() == "date" and seen_data:
            break
        seen_data = seen_data or ":" in first
        m = _footnote(row, first)
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
        footnotes: dict[str, str] = {}
        seen: dict[tuple, int] = {}
        block: list[int] = []  # the current block's data rows, read once the block ends
        i = 0
        while i < len(rows):
            row = rows[i]
            line = i + 1
            first = _text(row[0]) if row else ""
            kind = _kind(row, first, groups is not None)
            if kind == "data":
                block.append(i)
                i += 1
                continue
            if block:
                _read_block(path, rows, block, groups or [], period or (), footnotes, seen, out)
                block = []
            if kind == "date":
                try:
                    period = records.parse_period(_text(row[1]))
                except (ValueError, KeyError):
                    raise ExtractError(
                        path, f"period {row[1]!r} is not one this parser knows", line=line
                    ) from None
                groups = None
                footnotes = _block_footnotes(rows, i)
            elif kind == "heading":
                if period is None:
                    raise ExtractError(
                        path, "a table heading with no 'date' row above it", line=line
                    )
                sub = rows[i + 1] if i + 1 < len(rows) else ()
                groups = _groups(path, row, sub, line)
                blocks += 1
                i += 2
                continue
            elif kind == "blank":
                if any(_text(c) for c in row):
                    raise ExtractError(path, "a row of figures without an area name", line=line)
                groups = None  # a blank row ends the block's data
            elif kind == "notes":
                groups = None  # footnotes straight after the data
            i += 1
        if block:
            _read_block(path, rows, block, groups or [], period or (), footnotes, seen, out)
    if not blocks:
        raise ExtractError(path, "no 'Area' table heading with figure columns found")
    return out.frame(recognised.dataset, str(path), recognised.options.get("table", ""))


def _kind(row: tuple, first: str, in_block: bool) -> str:
    """What a sheet row is: ``date``, ``heading``, ``other``; within a block's data, ``blank``
    or ``notes`` (ending it) or ``data`` (an area's figures)."""
    if first.lower() == "date" and len(row) > 1:
        return "date"
    if _header_table(row):
        return "heading"
    if not in_block:
        return "other"
    if not first:
        return "blank"
    if _footnote(row, first):
        return "notes"
    return "data"


@dataclass
class _Block:
    """A block's figure columns (each figure's number, then its conf) by its data rows: values,
    and statuses as indices into ``_Records.statuses``."""

    start: int  # its first row in ``_Records.rows``
    labels: list[str]
    measures: list[str]
    values: np.ndarray
    statuses: np.ndarray


@dataclass
class _Records:
    """Records gathered block by block: each area row once, each figure column as arrays."""

    rows: list[tuple[str, str, int, tuple]] = field(default_factory=list)  # code, name, line, when
    blocks: list[_Block] = field(default_factory=list)
    statuses: dict[str | None, int] = field(default_factory=lambda: {None: 0})

    def frame(self, dataset: str | None, origin: str, table: str) -> pd.DataFrame:
        """The records, row by row of each block and figure by figure within a row."""
        if not self.blocks:
            return records.empty()
        labels: dict[str, int] = {}
        parts: list[tuple[np.ndarray, ...]] = []
        for b in self.blocks:
            width, n = b.values.shape
            parts.append(
                (
                    np.repeat(np.arange(b.start, b.start + n), width),
                    np.tile([labels.setdefault(x, len(labels)) for x in b.labels], n),
                    np.tile([m == "ci_half" for m in b.measures], n).astype(np.intp),
                    b.values.T.ravel(),
                    b.statuses.T.ravel(),
                )
            )
        row, label, measure, values, statuses = map(np.concatenate, zip(*parts, strict=True))
        split = [split_label(table, x) for x in labels]
        once = np.zeros(len(row), np.intp)
        out = {
            "dataset": records.taken([dataset], once),
            "area_code": records.taken([r[0] for r in self.rows], row),
            "area_name": records.taken([r[1] for r in self.rows], row),
            "geo_vintage": np.full(len(row), None, dtype=object),
            "period_start": records.taken([r[3][0] for r in self.rows], row),
            "period_end": records.taken([r[3][1] for r in self.rows], row),
            "period_label": records.taken([r[3][2] for r in self.rows], row),
            "category": records.taken([c for c, _ in split], label),
            "breakdown": records.taken([b for _, b in split], label),
            "measure": records.taken(["count", "ci_half"], measure),
            "value": values,
            "status": None,
            "origin": records.taken([origin], once),
            "line": records.taken([r[2] for r in self.rows], row),
        }
        df = pd.DataFrame(out, columns=records.COLUMNS)
        status = np.array(list(self.statuses), dtype=object)[statuses]
        df["status"] = pd.Series(status, dtype=object)  # None or text, as pandas would not keep
        return df


def _read_block(
    path: Path,
    rows: list[tuple],
    at: list[int],
    groups: list[_Group],
    period: tuple,
    footnotes: dict[str, str],
    seen: dict[tuple, int],
    out: _Records,
) -> None:
    """Read a block's data rows (``at``: their indices in ``rows``) into ``out``.

    A duplicate area or a bad cell raises what a row-by-row read meets first: the topmost
    row's problem, and in that row a duplicate area, else its first figure's number, conf, flag.
    """
    start = len(out.rows)
    data: list[tuple] = []
    duplicate = None
    for i in at:
        row = rows[i]
        label = _text(row[0])
        key = (label, period[0], period[1])
        if key in seen:
            duplicate = ExtractError(
                path,
                f"duplicate rows for area {label!r} in one period; first on row {seen[key]}",
                line=i + 1,
            )
            break
        seen[key] = i + 1
        kind, sep, name = label.partition(":")
        if not sep:
            kind, name = "area", label
        out.rows.append((provisional_code(kind, name), name.strip(), i + 1, period))
        data.append(row)
    figures = _figures(path, at, data, groups, footnotes, out)
    if duplicate is not None:
        raise duplicate
    out.blocks.append(_Block(start, *figures))


def _figures(
    path: Path,
    at: list[int],
    data: list[tuple],
    groups: list[_Group],
    footnotes: dict[str, str],
    out: _Records,
) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """A block's figure columns (see :class:`_Block`), each distinct cell read once; raises
    for a bad cell as :func:`_read_block` says. A marked cell never becomes a number."""
    columns = list(itertools.zip_longest(*data))  # a row's missing cells are empty
    blank = (None,) * len(data)

    def column(j: int | None) -> tuple:
        return columns[j] if j is not None and j < len(columns) else blank

    figures = [
        (k, g, role, j)
        for k, g in enumerate(groups)
        for role, j in (("number", g.number), ("conf", g.conf))
        if j is not None
    ]
    # The figures' cells, then a column of no cells for figures without a conf or a flag.
    cells, codes = distinct_cells([column(j) for *_, j in figures] + [blank])
    value, status, bad, has_text = read_cells(cells, footnotes, out.statuses)
    flag_cells, flag_codes = distinct_cells([column(g.flags) for g in groups] + [blank])
    flags = [flag_status(c, footnotes) for c in flag_cells]
    flag_bad = np.array([f is False for f in flags])[flag_codes[:-1]]
    problems = (
        [  # (row, figure, role): the order a row-by-row read meets them
            (int(bad_rows.argmax()), k, int(role == "conf"), role, g, j)
            for (k, g, role, j), bad_rows in zip(figures, bad[codes[:-1]], strict=True)
            if bad_rows.any()
        ]
        + [
            (int(bad_rows.argmax()), k, 2, "Flags", g, g.flags)
            for k, (g, bad_rows) in enumerate(zip(groups, flag_bad, strict=True))
            if bad_rows.any()
        ]
    )
    if problems:
        p, *_, role, g, j = min(problems, key=lambda p: p[:3])
        raw = column(j)[p]
        message = (
            f"flag {raw!r} is not explained by the file's footnotes nor a known Nomis marker"
            if role == "Flags"
            else f"value {raw!r} is neither a number nor a marker this file explains"
        )
        raise ExtractError(path, message, line=at[p] + 1, column=_column_name(j, g.label, role))
    # Each figure's status: its number's, made worse by a marked interval beside a number
    # ("*" unreliable), then by its flag; of equally serious statuses the first stays.
    flag = np.array([status_index(out.statuses, f) for f in flags])[flag_codes[:-1]]
    rank = np.array([STATUS_RANK.get(s, 3) for s in out.statuses], dtype=np.int64)
    number = codes[[i for i, (_, _, role, _) in enumerate(figures) if role == "number"]]
    conf = {k: i for i, (k, _, role, _) in enumerate(figures) if role == "conf"}
    interval = codes[[conf.get(k, -1) for k in range(len(groups))]]  # -1: no cells
    marks = has_text[interval] & ~np.isnan(value[number])
    worst = status[number]
    worst = np.where(marks & (rank[status[interval]] > rank[worst]), status[interval], worst)
    worst = np.where(rank[flag] > rank[worst], flag, worst)
    return (
        [g.label for _, g, _, _ in figures],
        ["count" if role == "number" else "ci_half" for _, _, role, _ in figures],
        value[codes[:-1]],
        worst[[k for k, *_ in figures]],
    )


def metadata(path: Path) -> dict[str, object]:
    """The retrieval date from the ``ONS Crown Copyright Reserved [from Nomis on ...]`` row."""
    for rows in read_workbook(Path(path), limit=10).values():
        for row in rows:
            when = retrieved_from(_text(row[0]) if row else "")
            if when:
                return {"retrieved_at": when}
    return {}
