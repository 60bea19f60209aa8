"""The parser contract: what a source-format module answers, and what a read file becomes.

Every module listed in :data:`etl.registry.PARSERS` is a :class:`FormatParser`:

``sniff(probe) -> Recognised | None``
    *Can you read this file?* It looks only at the start (:func:`probe`): ``None`` is "not my
    format"; a :class:`Recognised` with ``dataset=None`` is "my format, but no indicator uses
    it", its description saying which (the build lists the file as skipped with that reason).
``parse(path, recognised, *, area, data=None, narrow=None) -> records``
    *Read it into records* (``etl.records``): one row per published cell. ``area`` is the
    configured area (a parser never loads it itself); ``data`` the bytes when they came over the
    network; ``narrow`` (only where ``NARROWS``) an :class:`etl.areas.AreaFilter` whose
    neighbourhood rows outside the area need no records. Broken input raises
    :class:`core.errors.ExtractError` naming the file, line and column.
``metadata(path) -> dict``
    What the file says of itself: ``retrieved_at``, ``release_date``, ``edition`` (or ``{}``).

Live clients feed the bytes they fetch through the same ``parse``, so a file an officer
downloaded by hand and a live response go through one parser.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import pandas as pd

from core.area import Area
from core.errors import ExtractError
from etl.areas import AreaFilter
from etl.workbook import is_workbook, read_workbook

HEAD_BYTES = 64 * 1024
WORKBOOK_PROBE_ROWS = 40


@dataclass(frozen=True)
class Probe:
    """What the scanner learned about a file before choosing a parser."""

    path: Path
    suffix: str
    head: bytes  # first 64 KiB
    text: str | None = None  # head decoded (BOM stripped), if it is text
    workbook_sheets: dict[str, list[tuple]] | None = None  # workbook: first rows of each sheet


@dataclass(frozen=True)
class Recognised:
    """A parser's verdict on a file."""

    parser: str  # the parser's NAME
    dataset: str | None  # catalogue dataset key; None = known format, no indicator
    description: str  # e.g. "Nomis API CSV (NM_17_5)"
    options: dict = field(default_factory=dict)  # anything sniff learned that parse needs


class FormatParser(Protocol):
    """One source format (see the module docstring). Modules implement it as module globals."""

    NAME: str
    NARROWS: bool  # parse() makes no records of rows ``narrow`` leaves out
    REPLACES_HISTORY: bool  # each edition revises the whole series: only the newest is used

    def sniff(self, probe: Probe) -> Recognised | None: ...

    def parse(
        self,
        path: Path,
        recognised: Recognised,
        *,
        area: Area,
        data: bytes | None = None,
        narrow: AreaFilter | None = None,
    ) -> pd.DataFrame: ...

    def metadata(self, path: Path) -> dict: ...


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
    # When the file was last changed: the last tie-break between overlapping editions.
    modified_at: datetime | None = None
    # What the file says of each category it holds (label, unit, caveats...), where it does.
    indicator_meta: dict[str, dict] = field(default_factory=dict)

    @property
    def source_id(self) -> str:
        return f"{self.dataset}:{self.sha256[:12]}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_html(head: bytes) -> bool:
    """Whether a body starts like markup (an error or login page saved instead of data)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<"))


def decode_text(path: Path | str, data: bytes) -> str:
    """Decode a text extract (UTF-8 with or without BOM, else Windows-1252 as Excel saves)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractError(
            path,
            "the text is UTF-16 (Excel's 'Unicode Text'), not UTF-8; re-save it as CSV UTF-8",
        )
    if b"\x00" in data[:HEAD_BYTES]:
        raise ExtractError(path, "this is a binary file, not a CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise ExtractError(
                path,
                f"text is neither UTF-8 nor Windows-1252 (byte {exc.start}); "
                "re-save it as CSV UTF-8",
            ) from None


def probe(path: Path) -> Probe:
    """Read the start of a file, raising ExtractError if it cannot be an extract at all."""
    suffix = path.suffix.lower()
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head.strip():
        raise ExtractError(path, "the file is empty")
    if is_html(head):
        raise ExtractError(
            path,
            "this is an HTML page, not data. The download probably failed (an error or login "
            "page was saved instead); download the file again.",
        )
    if suffix in {".xlsx", ".xlsm", ".xls"} or is_workbook(head):
        sheets = read_workbook(path, limit=WORKBOOK_PROBE_ROWS)
        return Probe(path, suffix, head, workbook_sheets=sheets)
    if suffix == ".ods":
        raise ExtractError(path, ".ods workbooks are not read; save it as .xlsx or CSV")
    text = decode_text(path, head[: len(head) - 4] if len(head) == HEAD_BYTES else head)
    return Probe(path, suffix, head, text=text)
