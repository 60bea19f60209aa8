"""The layout of a Nomis web query download: title, page dimensions, tables, footnotes.

:func:`layout` splits the CSV text into its parts; the query parser (``nomis_query``) turns the
tables into records. See that module's docstring for what a download looks like.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from core.errors import ExtractError
from etl.catalogue import Dataset, catalogue
from etl.sources.nomis_markers import retrieved_from

GSS_ROW = re.compile(r"^(?P<code>[EWSNK]\d{8})\s*:\s*(?P<name>.*\S)\s*$")
SYMBOL = re.compile(r"^[^\w\s]{1,2}$")
SECTION = re.compile(r"^(?P<code>[A-U]|\d{2,5})\s*:")
# Header lines that describe the table rather than name a dimension of the figures.
META_KEYS = {
    "analysis",
    "area type",
    "date",
    "geography",
    "industry",
    "measure",
    "measures",
    "population",
    "unit",
    "units",
}
_GEOGRAPHY_KINDS = (
    ("local authorit", "ladu"),
    ("region", "region"),
    ("country", "country"),
)


def _loose(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", str(text).lower()).split())


def dataset_by_title(title: str) -> Dataset | None:
    """The catalogue dataset whose title is the download's title (ignoring punctuation)."""
    key = _loose(title)
    if not key:
        return None
    return next((d for d in catalogue().datasets.values() if _loose(d.title) == key), None)


Cells = tuple[str, ...]  # one CSV row


@dataclass
class Table:
    header_line: int
    header: Cells
    meta: dict[str, str]
    named_only: bool = False
    # The data rows: each one's line and cells, the code in its first field (None where the row
    # names its area without a code) and the area's name.
    lines: list[int] = field(default_factory=list)
    rows: list[Cells] = field(default_factory=list)
    codes: list[str | None] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    @property
    def geography(self) -> str:
        return self.header[0].strip()


@dataclass
class Layout:
    title: str | None = None
    retrieved_at: datetime | None = None
    meta: dict[str, str] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    footnotes: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    last_row: tuple[int, Cells] | None = None  # the file's last CSV row and its line


def _rows(path: Path | str, text: str) -> tuple[list[int], list[Cells]]:
    """Every CSV row of the text, and the line each one ends on."""
    reader = csv.reader(io.StringIO(text), strict=True)
    lines: list[int] = []
    rows: list[Cells] = []
    try:
        for cells in reader:
            lines.append(reader.line_num)
            rows.append(
                tuple(cells)
            )  # a tuple of texts: the garbage collector soon stops tracking it
    except csv.Error as exc:
        raise ExtractError(
            path,
            f"not a well-formed CSV ({exc}); the file may be cut off inside a quoted field",
            line=reader.line_num,
        ) from None
    return lines, rows


def _blank(cells: Cells) -> bool:
    return not any(c.strip() for c in cells)


def _key(cells: Cells) -> tuple[str, str] | None:
    """``Date       :,2021`` -> (``Date``, ``2021``)."""
    first = cells[0].strip() if cells else ""
    rest = [c.strip() for c in cells[1:] if c.strip()]
    if first.endswith(":") and len(first) > 1 and rest:
        return first[:-1].strip(), rest[0]
    return None


def geography_kind(label: str) -> str | None:
    low = label.lower()
    return next((kind for word, kind in _GEOGRAPHY_KINDS if word in low), None)


def _has_digits(cells: Cells) -> bool:
    return any(ch.isdigit() for c in cells for ch in c)


def layout(path: Path | str, text: str) -> Layout:
    """Split a download into title, header lines, tables of data rows, footnotes and notes."""
    lay = Layout()
    meta: dict[str, str] = {}
    header: tuple[int, Cells] | None = None
    table: Table | None = None
    lines, rows = _rows(path, text)
    lay.last_row = (lines[-1], rows[-1]) if rows else None
    firsts = [cells[0].strip() if cells else "" for cells in rows]
    # Most lines are data rows with a code in the first field (never a blank line): their
    # (code, name), else None.
    coded_rows = [m.group("code", "name") if (m := GSS_ROW.match(f)) else None for f in firsts]
    uncoded = np.flatnonzero(np.fromiter((c is None for c in coded_rows), bool, len(coded_rows)))
    i = 0
    while i < len(rows):
        line, cells, first, coded = lines[i], rows[i], firsts[i], coded_rows[i]
        i += 1
        named_row = False
        if coded is None:
            if _blank(cells):
                if table is not None and table.rows:
                    lay.tables.append(table)
                    table = None
                continue
            named_row = (
                table is not None
                and table.named_only
                and first
                and not SYMBOL.match(first)
                and _has_digits(cells[1:])
            )
        if coded is not None or named_row:
            if table is None:
                if header is None:
                    raise ExtractError(path, "data rows come before any column header", line=line)
                table = Table(header[0], header[1], dict(meta))
            if coded is None:
                table.lines.append(line)
                table.rows.append(cells)
                table.codes.append(None)
                table.names.append(first)
                continue
            # This row and the coded rows straight after it, at once.
            start = i - 1
            after = np.searchsorted(uncoded, start)
            i = int(uncoded[after]) if after < len(uncoded) else len(rows)
            run = coded_rows[start:i]
            table.lines += lines[start:i]
            table.rows += rows[start:i]
            table.codes += [c[0] for c in run]
            table.names += [c[1] for c in run]
            continue
        if table is not None:
            if table.rows:
                lay.tables.append(table)
            table = None
        joined = " ".join(c.strip() for c in cells if c.strip())
        kv = _key(cells)
        if "crown copyright" in joined.lower() or "from nomis on" in joined.lower():
            lay.retrieved_at = lay.retrieved_at or retrieved_from(joined)
        elif kv:
            meta[kv[0]] = kv[1]
            header = None
        elif SYMBOL.match(first) and len(cells) > 1 and cells[1].strip():
            lay.footnotes[first] = " ".join(c.strip() for c in cells[1:] if c.strip())
        elif not first:
            lay.notes.append(joined)
        elif lay.title is None:
            lay.title = first
        else:
            header = (line, cells)
            if geography_kind(first) and len(cells) > 1:
                # Possibly a names-only download: rows without codes follow this header.
                table = Table(line, cells, dict(meta), named_only=True)
    if table is not None and table.rows:
        lay.tables.append(table)
    lay.meta = lay.tables[0].meta if lay.tables else meta
    return lay


def census_variable(meta: dict[str, str], title: str | None) -> tuple[Dataset | None, str | None]:
    cat = catalogue()
    for key in meta:
        ds = cat.by_census_variable(key)
        if ds:
            return ds, key
    if title and " - " in title:  # "TS003 - Household composition"
        ds = cat.by_census_variable(title.split(" - ", 1)[1])
        if ds:
            return ds, None
    return None, None


def dataset_of(lay: Layout) -> Dataset | None:
    ds, _ = census_variable(lay.meta, lay.title)
    return ds or dataset_by_title(lay.title or "")


def is_query_layout(lay: Layout) -> bool:
    return bool(lay.tables) and (lay.retrieved_at is not None or bool(lay.meta))
