"""Nomis markers and footnotes: what a flag beside a figure means, and when a file was made.

Shared by the Nomis query-download and XLSX-download parsers: both carry a footnote block that
explains their own flags, and the "from Nomis on <date>" line.
"""

from __future__ import annotations

import re
from datetime import datetime

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


def retrieved_from(text: str) -> datetime | None:
    """The date in ``ONS Crown Copyright Reserved [from Nomis on 3 May 2024]``."""
    m = _RETRIEVED.search(text)
    if not m:
        return None
    try:
        return datetime.strptime(m.group(1), "%d %B %Y")
    except ValueError:
        return None
