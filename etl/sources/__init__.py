"""Source formats. Each parser module recognises its files by content and returns records.

A parser module exposes:

``sniff(probe: Probe) -> Recognised | None``
    Look at the start of a file (``probe.text`` for text files, ``probe.workbook_sheets`` for
    XLSX) and say whether it is this format and which catalogue dataset it holds. Return
    ``Recognised(dataset=None, ...)`` for a format it knows whose dataset no indicator uses yet.
``parse(path: Path, recognised: Recognised) -> pd.DataFrame``
    Read the whole file into a records frame (see ``etl.records``). Raise
    ``etl.errors.ExtractError`` naming the file, line and column for anything broken.
    A module with ``NARROWS = True`` also takes ``narrow=`` (an ``etl.areas.AreaFilter``): it
    still checks every cell, but makes no records of the rows the filter leaves out.

Live clients reuse the same ``parse`` functions on the bytes they fetch, so a file an officer
downloaded by hand and a live response go through one parser.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from etl.areas import AreaFilter


@dataclass(frozen=True)
class Probe:
    """What the scanner learned about a file before choosing a parser."""

    path: Path
    suffix: str
    head: bytes  # first 64 KiB
    text: str | None = None  # head decoded (BOM stripped), if it is text
    workbook_sheets: dict[str, list[tuple]] | None = None  # XLSX: first rows of each sheet


@dataclass(frozen=True)
class Recognised:
    """A parser's verdict on a file."""

    parser: str  # module name under etl.sources
    dataset: str | None  # catalogue dataset key; None = known format, no indicator
    description: str  # e.g. "Nomis API CSV (NM_17_5)"
    options: dict = field(default_factory=dict)  # anything sniff learned that parse needs


@dataclass
class Extract:
    """One loaded file or response: its records and provenance."""

    dataset: str
    records: pd.DataFrame
    origin: str
    sha256: str
    description: str
    retrieved_at: datetime | None = None
    release_date: date | None = None
    is_sample: bool = False
    notes: list[str] = field(default_factory=list)
    # The last day the extract covers. Where every extract of a dataset has one, a later edition
    # wins over an earlier one whatever the order they were downloaded in.
    edition: date | None = None
    # Each edition revises the whole history (fit notes): only the newest edition is used.
    replaces_history: bool = False
    # Set when the parser left out rows outside the configured area: what it left out, and how
    # to read the file again in full (see etl.areas.AreaFilter).
    narrowed: AreaFilter | None = None
    reread: Callable[[], Extract] | None = None

    @property
    def source_id(self) -> str:
        return f"{self.dataset}:{self.sha256[:12]}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def parser_modules() -> list:
    """Parser modules in the order they are asked to sniff a file (most specific first)."""
    from etl.sources import (
        census_bulk,
        fitnotes,
        job_adverts,
        neet,
        nomis_api_csv,
        nomis_query,
        nomis_xlsx,
        ons_local,
        vacancies,
    )

    modules = [
        nomis_api_csv,
        census_bulk,
        nomis_query,
        ons_local,
        nomis_xlsx,
        fitnotes,
        job_adverts,
        neet,
        vacancies,
    ]
    return modules
