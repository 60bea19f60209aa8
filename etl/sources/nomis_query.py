"""Nomis web query downloads saved as CSV (the "Download data" button of a Nomis query).

Layout, as Nomis writes it::

    Business Register and Employment Survey : open access,,,,        <- title
    ONS Crown Copyright Reserved [from Nomis on 3 May 2024],,,,      <- retrieval date
    Date       :,2021,,,                                             <- page dimensions
    Industry   :,Total,,,
    measure    :,Count,,,
    ,,,,
    2011 super output area - lower layer,Employees,,Employment,2     <- column header
    ,,,,
    E01000001 : City of London 001A,14000,*,15000,*                  <- code and name in one field
    ...
    ,,,,
    *,These figures exclude farm agriculture (SIC subclass 01000).,,,  <- footnotes

Each value column may be followed by a flag column. What a flag means is read from the file's own
footnotes: the same ``*`` says "unreliable" in one download and "excludes farm agriculture" in
another, and only the first is a status. A census query has a category line such as
``Household composition:,Single family household: Lone parent family`` and columns ``2021``
(the count) and ``%`` (the percentage).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from core.area import Area
from core.errors import ExtractError
from etl import records
from etl.areas import AreaFilter
from etl.catalogue import catalogue
from etl.extract import HEAD_BYTES, Probe, Recognised, decode_text
from etl.names import provisional_code
from etl.sources.nomis_layout import (
    GSS_ROW,
    META_KEYS,
    SECTION,
    Layout,
    Table,
    census_variable,
    dataset_of,
    geography_kind,
    is_query_layout,
    layout,
)
from etl.sources.nomis_markers import flag_status, footnote_status, read_cell, retrieved_from

NAME = "nomis_query"
NARROWS = True  # parse() takes narrow= (see etl.extract)
REPLACES_HISTORY = False


def sniff(probe: Probe) -> Recognised | None:
    if probe.text is None:
        return None
    text = probe.text
    if len(probe.head) >= 64 * 1024 and "\n" in text:
        text = text[: text.rfind("\n") + 1]  # drop a line the probe cut in half
    try:
        lay = layout(probe.path, text)
    except ExtractError:
        return None
    if not is_query_layout(lay):
        return None
    ds = dataset_of(lay)
    title = lay.title or "untitled"
    return Recognised(
        parser=NAME,
        dataset=ds.key if ds else None,
        description=f"Nomis query download ({title})",
        options={"title": title},
    )


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def _geo_vintage(label: str) -> str | None:
    low = label.lower()
    if "2011" in low and "super output area" in low:
        return "lsoa11" if "lower" in low else "msoa11"
    if "2011" in low and "output area" in low:
        return "oa11"
    return None


def _breakdown(meta: dict[str, str]) -> str:
    industry = next((v for k, v in meta.items() if k.lower() == "industry"), None)
    if industry is None or industry.strip().lower() in {"total", "all industries"}:
        return "total"
    m = SECTION.match(industry.strip())
    if m:
        return f"sic:{m.group('code')}"
    return f"industry:{industry.strip()}"


def _measure(meta: dict[str, str], path: Path | str) -> str:
    raw = next((v for k, v in meta.items() if k.lower() in {"measure", "measures"}), None)
    if raw is None:
        return "count"
    low = raw.strip().lower()
    if low in {"count", "number", "value", "level"}:
        return "count" if low != "value" else "value"
    if low.startswith(("percent", "rate", "%")):
        return "value"
    raise ExtractError(path, f"measure {raw!r} in the header is not one this parser knows")


def _is_period(text: str) -> bool:
    try:
        records.parse_period(text)
    except (ValueError, KeyError):
        return False
    return True


@dataclass
class _Column:
    index: int
    label: str
    measure: str
    category: str | None
    period: str | None
    flag_index: int | None = None


def _columns(table: Table, meta_measure: str, path: Path | str) -> list[_Column]:
    header = [h.strip() for h in table.header]
    width = max(len(header), max(map(len, table.rows)))

    def no_digits(j: int) -> bool:
        return not any(ch.isdigit() for ch in set("".join(c[j] for c in table.rows if j < len(c))))

    def blank(j: int) -> bool:
        return not any(c[j].strip() for c in table.rows if j < len(c))

    cols: list[_Column] = []
    for j in range(1, width):
        label = header[j] if j < len(header) else ""
        if not label and blank(j):
            continue  # padding
        if cols and (not label or label.isdigit()) and cols[-1].flag_index is None and no_digits(j):
            cols[-1].flag_index = j
            continue
        if not label:
            raise ExtractError(
                path, f"column {j + 1} has figures but no heading", line=table.header_line
            )
        if label in {"%", "percent", "Percent", "percentage", "Percentage"}:
            prev = cols[-1] if cols else None
            cols.append(
                _Column(
                    j,
                    label,
                    "value",
                    prev.category if prev else None,
                    prev.period if prev else None,
                )
            )
        elif _is_period(label):
            cols.append(_Column(j, label, meta_measure, None, label))
        else:
            cols.append(_Column(j, label, meta_measure, label, None))
    if not cols:
        raise ExtractError(path, "no figure columns after the area column", line=table.header_line)
    return cols


def _column_info(
    col: _Column,
    date_text: str | None,
    is_census: bool,
    page_category: str | None,
    extra_dims: list[str],
    table: Table,
    path: Path | str,
) -> tuple[date, date, str, str]:
    """A figure column's period (start, end, label) and category, the same on every row."""
    period_text = col.period or date_text
    if is_census:
        start, end, label = records.census_period()
    elif period_text is None:
        raise ExtractError(
            path,
            "no 'Date :' line in the header and no period in the column headings",
            line=table.header_line,
        )
    else:
        try:
            start, end, label = records.parse_period(period_text)
        except (ValueError, KeyError):
            raise ExtractError(
                path, f"period {period_text!r} is not one this parser knows"
            ) from None
    category = col.category or page_category
    if category is None:
        category = next(iter(extra_dims), None)
        dims = extra_dims[1:]
    else:
        dims = extra_dims
    if category is None:
        raise ExtractError(
            path,
            f"cannot tell which figure column {col.label!r} holds (no category line)",
            line=table.header_line,
        )
    if dims:
        category = " | ".join([category, *dims])
    return start, end, label, category


def _distinct(texts: list[str], read: Callable[[str], object]) -> tuple[np.ndarray, list]:
    """Each text's index into its distinct texts, and ``read`` of each distinct text."""
    which, distinct = pd.factorize(np.array(texts, dtype=object))
    return which, [read(t) for t in distinct]


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if len(hits) else None


class _Seen:
    """Figure keys (area code and figure column) of the tables read so far, to find duplicates.

    A figure column is known by what it holds (category, breakdown, measure, period): two
    columns, or two tables, holding the same thing for one area are duplicate rows.
    """

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.columns: dict[tuple, int] = {}
        self.tables: list[tuple[np.ndarray, list[int], int]] = []  # keys, lines, columns

    def keys(self, codes: list[str], columns: list[tuple]) -> np.ndarray:
        """One key per cell of a table (its rows' codes by its columns), row by row."""
        ids = np.fromiter(
            (self.codes.setdefault(c, len(self.codes)) for c in codes), np.int64, len(codes)
        )
        cols = np.array([self.columns.setdefault(c, len(self.columns)) for c in columns])
        return ((ids[:, None] << 32) | cols[None, :]).ravel()

    def first_repeat(self, keys: np.ndarray) -> int | None:
        """The first cell whose key an earlier cell (of this table or one before) had."""
        again = pd.Series(keys).duplicated().to_numpy(copy=True)
        for before, _, _ in self.tables:
            again |= np.isin(keys, before)
        return _first(again)

    def first_line(self, key: int, keys: np.ndarray, lines: list[int], n_cols: int) -> int:
        """The line a key was first seen on."""
        for before, before_lines, before_cols in [*self.tables, (keys, lines, n_cols)]:
            at = _first(before == key)
            if at is not None:
                return before_lines[at // before_cols]
        raise AssertionError("key not seen")


def _worse_each(
    statuses: list, s_which: np.ndarray, flags: list, f_which: np.ndarray
) -> np.ndarray:
    """``records.worse_status`` of each cell's status and flag (given as distinct values and
    each cell's index into them), worked out once per distinct pair."""
    pairs = s_which.astype(np.int64) * len(flags) + f_which
    which, distinct = pd.factorize(pairs)
    worse = [
        records.worse_status(statuses[p // len(flags)], flags[p % len(flags)]) for p in distinct
    ]
    return np.array(worse, dtype=object)[which]


def parse(
    path: Path,
    recognised: Recognised,
    *,
    area: Area,
    data: bytes | None = None,
    narrow: AreaFilter | None = None,
) -> pd.DataFrame:
    """Read every table of a query download into records.

    Every cell is checked, column by column over distinct texts; a broken file is reported at
    its first problem in reading order (row by row, left to right). With ``narrow`` the rows it
    leaves out make no records.
    """
    raw = data if data is not None else Path(path).read_bytes()
    text = decode_text(path, raw)
    lay = layout(path, text)
    if not lay.tables:
        raise ExtractError(path, "no data rows (lines like 'E06000032 : Luton,123') found")
    if text and not text.endswith(("\n", "\r")):
        last_line, last_cells = lay.last_row or (0, [])
        if GSS_ROW.match(last_cells[0].strip() if last_cells else ""):
            raise ExtractError(
                path, "the file ends in the middle of a data row: it looks cut off", line=last_line
            )
    ds_key = recognised.dataset
    census_ds, census_key = census_variable(lay.meta, lay.title)
    is_census = bool(census_ds) or bool(
        ds_key and catalogue().datasets.get(ds_key) and catalogue().datasets[ds_key].census_variable
    )

    constant = {"dataset": ds_key, "origin": str(path)}  # one value for the whole file
    out: dict[str, list] = {c: [] for c in records.COLUMNS if c not in constant}
    seen = _Seen()
    read_value = functools.partial(read_cell, footnotes=lay.footnotes)
    read_flag = functools.partial(flag_status, footnotes=lay.footnotes)
    for table in lay.tables:
        meta = table.meta
        page_category = meta.get(census_key) if census_key else None
        extra_dims = [v for k, v in meta.items() if k.lower() not in META_KEYS and k != census_key]
        measure = _measure(meta, path)
        breakdown = _breakdown(meta)
        vintage = _geo_vintage(table.geography)
        date_text = next((v for k, v in meta.items() if k.lower() == "date"), None)
        cols = _columns(table, measure, path)
        kind = geography_kind(table.geography) if table.named_only else None
        if table.named_only and kind is None:
            raise ExtractError(
                path,
                f"rows name areas without codes under {table.geography!r}; download the query "
                "again with area codes",
                line=table.header_line,
            )
        width = len(table.header)
        needed = max(max(c.index, c.flag_index or 0) for c in cols) + 1
        # Rows up to the first one too short to hold every figure column are read; that row
        # is reported unless a cell before it is.
        short = next((i for i, cells in enumerate(table.rows) if len(cells) < needed), None)
        rows = table.rows if short is None else table.rows[:short]

        def cut_off(i: int, table: Table = table, width: int = width) -> ExtractError:
            return ExtractError(
                path,
                f"row has {len(table.rows[i])} fields where the header has {width}: the file "
                "looks cut off or damaged",
                line=table.lines[i],
            )

        if not rows:
            raise cut_off(0)
        # What each column holds is the same on every row: worked out once.
        col_info = [
            _column_info(col, date_text, is_census, page_category, extra_dims, table, path)
            for col in cols
        ]
        lines = table.lines[: len(rows)]
        names = table.names[: len(rows)]
        codes = [
            provisional_code(kind or "area", name) if code is None else code
            for code, name in zip(table.codes, names, strict=False)
        ]

        # Problems, each as (row, column, step): a repeated figure, then the value, then its flag.
        problems: list[tuple[int, int, int]] = []
        n_cols = len(cols)
        keys = seen.keys(
            codes,
            [
                (c, breakdown, col.measure, s, e)
                for col, (s, e, _, c) in zip(cols, col_info, strict=True)
            ],
        )
        repeat = seen.first_repeat(keys)
        if repeat is not None:
            problems.append((repeat // n_cols, repeat % n_cols, 0))
        values = np.empty((len(rows), n_cols), dtype=np.float64)
        statuses = np.empty((len(rows), n_cols), dtype=object)
        texts: dict[tuple[int, int, int], str] = {}
        for j, col in enumerate(cols):
            raw_values = [cells[col.index] for cells in rows]
            which, parsed = _distinct(raw_values, read_value)
            bad = _first(np.array([p is None for p in parsed])[which])
            if bad is not None:
                problems.append((bad, j, 1))
                texts[bad, j, 1] = raw_values[bad]
            else:
                values[:, j] = np.array([p[0] for p in parsed], dtype=np.float64)[which]
                statuses[:, j] = np.array([p[1] for p in parsed], dtype=object)[which]
            if col.flag_index is None:
                continue
            raw_flags = [cells[col.flag_index] for cells in rows]
            f_which, flags = _distinct(raw_flags, read_flag)
            bad = _first(np.array([f is False for f in flags])[f_which])
            if bad is not None:
                problems.append((bad, j, 2))
                texts[bad, j, 2] = raw_flags[bad]
            elif not problems:
                parsed_status = [p[1] for p in parsed]
                statuses[:, j] = _worse_each(parsed_status, which, flags, f_which)
        if problems:
            row, j, step = min(problems)
            line, col, shown = lines[row], cols[j], texts.get((row, j, step), "").strip()
            if step == 0:
                first_line = seen.first_line(int(keys[row * n_cols + j]), keys, lines, n_cols)
                raise ExtractError(
                    path,
                    f"duplicate rows for area {codes[row]} ({names[row]}); first on line "
                    f"{first_line}",
                    line=line,
                )
            if step == 1:
                raise ExtractError(
                    path,
                    f"value {shown!r} is neither a number nor a marker this file explains",
                    line=line,
                    column=col.label,
                )
            raise ExtractError(
                path,
                f"flag {shown!r} is not explained by the file's footnotes nor a known Nomis marker",
                line=line,
                column=f"{col.label} flag",
            )
        if short is not None:
            raise cut_off(short)
        seen.tables.append((keys, lines, n_cols))

        kept = np.arange(len(rows))
        if narrow is not None:
            kept = kept[narrow.keep(codes, names, vintage, per_row=n_cols)]
        n = len(kept)
        out["area_code"] += np.repeat(np.array(codes, dtype=object)[kept], n_cols).tolist()
        out["area_name"] += np.repeat(np.array(names, dtype=object)[kept], n_cols).tolist()
        out["geo_vintage"] += [vintage] * (n * n_cols)
        out["period_start"] += [info[0] for info in col_info] * n
        out["period_end"] += [info[1] for info in col_info] * n
        out["period_label"] += [info[2] for info in col_info] * n
        out["category"] += [info[3] for info in col_info] * n
        out["breakdown"] += [breakdown] * (n * n_cols)
        out["measure"] += [col.measure for col in cols] * n
        out["value"] += values[kept].ravel().tolist()
        out["status"] += statuses[kept].ravel().tolist()
        out["line"] += np.repeat(np.array(lines)[kept], n_cols).tolist()
    df = pd.DataFrame(out)
    for column, value in constant.items():
        df[column] = value
    df = df[records.COLUMNS]
    df["value"] = df["value"].astype("float64")
    df["status"] = pd.Series(out["status"], dtype=object)
    df.attrs["notes"] = _file_notes(lay)
    return df


def metadata(path: Path) -> dict[str, object]:
    """The retrieval date from ``ONS Crown Copyright Reserved [from Nomis on 3 May 2024]``."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    text = decode_text(path, head)
    for line in text.splitlines()[:12]:
        when = retrieved_from(line)
        if when:
            return {"retrieved_at": when}
    return {}


def _file_notes(lay: Layout) -> list[str]:
    """Footnotes that qualify every figure without being a status (kept with the source)."""
    parts = [
        f"footnote {sym} {text}" for sym, text in lay.footnotes.items() if not footnote_status(text)
    ]
    parts += lay.notes
    return [" ".join(parts)] if parts else []
