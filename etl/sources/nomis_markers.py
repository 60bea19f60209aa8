"""Nomis markers and footnotes: what a flag beside a figure means, and when a file was made.

Shared by the Nomis query-download and XLSX-download parsers: both carry a footnote block that
explains their own flags, and the "from Nomis on <date>" line.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime

import numpy as np

from etl import records

_RETRIEVED = re.compile(r"from Nomis on (\d{1,2} [A-Za-z]+ \d{4})", re.I)


def footnote_status(text: str) -> str | None:
    """The status a Nomis footnote gives the figures it flags, or None for an explanatory note.

    ``! Estimate and confidence interval not available since the group sample size is zero or
    disclosive`` -> suppressed; ``* ... unreliable ...`` -> low_reliability; ``~ Estimate is less
    than 500`` -> below_threshold; ``- These figures are missing`` -> missing. A note such as
    ``These figures exclude farm agriculture`` qualifies the figures without casting doubt on them.
    """
    t = text.lower()
    if "disclosive" in t or "not available" in t or "suppressed" in t:
        return "suppressed"
    if "unreliable" in t:
        return "low_reliability"
    if "less than 500" in t:
        return "below_threshold"
    if "missing" in t:
        return "missing"
    if "not applicable" in t:
        return "not_applicable"
    if "provisional" in t:
        return "provisional"
    return None


def flag_status(flag: object, footnotes: dict[str, str]) -> str | bool | None:
    """Status of a flag symbol: the file's own footnote first, else the common Nomis markers.

    Returns None for no status, a status, or False for a symbol nothing explains.
    """
    if flag is None or (isinstance(flag, float) and flag != flag):
        return None
    text = str(flag).strip()
    if not text:
        return None
    if text in footnotes:
        return footnote_status(footnotes[text])
    return records.marker_status(text)


def read_cell(raw: object, footnotes: dict[str, str]) -> tuple[float, str | None] | None:
    """A value cell: a number, or a marker explained by the footnotes or known to Nomis."""
    text = "" if raw is None else str(raw).strip()
    if text in footnotes and not records._NUMBER.match(text.replace(",", "")):
        return float("nan"), footnote_status(footnotes[text]) or "missing"
    return records.parse_cell(raw)


def distinct_cells(columns: list[tuple]) -> tuple[list, np.ndarray]:
    """The distinct cells of equally long columns, and per column each cell's index among them.

    Cells are told apart by type and value: 1 and True are equal values but not equal cells.
    """
    cells = list(itertools.chain.from_iterable(columns))
    typed = bool in set(map(type, cells))
    keys = list(zip(map(type, cells), cells, strict=True)) if typed else cells
    distinct = dict(zip(dict.fromkeys(keys), itertools.count()))
    codes = np.fromiter(map(distinct.__getitem__, keys), dtype=np.intp, count=len(keys))
    return [k[1] for k in distinct] if typed else list(distinct), codes.reshape(len(columns), -1)


def status_index(statuses: dict[str | None, int], status: str | None) -> int:
    """``status``'s index in ``statuses`` (None first), added if new."""
    return statuses.setdefault(status, len(statuses))


def read_cells(
    cells: list, footnotes: dict[str, str], statuses: dict[str | None, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`read_cell` of each of ``cells``: its value, its status (an index into
    ``statuses``, see :func:`status_index`), whether it is unreadable (read_cell's None), and
    whether it shows any text."""
    kinds = np.array(list(map(type, cells)), dtype=object)
    numbers = np.equal(kinds, int) | np.equal(kinds, float)  # read as read_cell would read them
    value = np.full(len(cells), np.nan)
    value[numbers] = np.array(cells, dtype=object)[numbers].astype(np.float64)
    status = np.where(np.isnan(value), status_index(statuses, "missing"), 0)
    bad = np.zeros(len(cells), dtype=bool)
    shown = numbers.copy()
    for i in np.flatnonzero(~numbers):
        shown[i] = bool(str(cells[i]).strip()) if cells[i] is not None else False
        read = read_cell(cells[i], footnotes)
        if read is None:
            bad[i] = True
        else:
            value[i], status[i] = read[0], status_index(statuses, read[1])
    return value, status, bad, shown


def retrieved_from(text: str) -> datetime | None:
    """The date in ``ONS Crown Copyright Reserved [from Nomis on 3 May 2024]``."""
    m = _RETRIEVED.search(text)
    if not m:
        return None
    try:
        return datetime.strptime(m.group(1), "%d %B %Y")
    except ValueError:
        return None
