"""Live downloads whose file URL changes with every edition: read the landing page, find links.

NHS England and ONS publish each edition's files under a new URL; the stable thing is the page
that links to them. These helpers fetch such a page (fresh when the network allows, else the
cached copy) and list its links, and turn a downloaded body into an Extract with the same parser
a hand-downloaded file goes through.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import tempfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from core.area import Area
from core.errors import FetchError
from core.http import HttpClient, NetworkUnavailable, Response
from etl.extract import Extract, FormatParser, probe
from etl.workbook import XLS_MAGIC, ZIP_MAGIC

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_EDITION = re.compile(r"(" + "|".join(_MONTHS) + r")[-_ ]+(\d{4})", re.I)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def links(html: str, base: str) -> list[tuple[str, str]]:
    """Every ``<a href>`` on the page as (absolute URL, link text), in page order."""
    parser = _Links()
    parser.feed(html)
    return [(urljoin(base, href.strip()), text) for href, text in parser.links if href.strip()]


def file_links(html: str, base: str, suffixes: tuple[str, ...]) -> list[str]:
    """Links whose path (or ``uri=`` query, as ONS writes them) ends with one of ``suffixes``."""
    out = []
    for url, _ in links(html, base):
        parts = urlsplit(url)
        target = (parts.path + "?" + parts.query).lower()
        wanted = any(target.endswith(s) or parts.path.lower().endswith(s) for s in suffixes)
        if wanted and url not in out:
            out.append(url)
    return out


def edition_month(text: str) -> date | None:
    """``.../june-2025`` or 'June 2025' -> 2025-06-01."""
    m = _EDITION.search(text)
    if not m:
        return None
    return date(int(m.group(2)), _MONTHS[m.group(1).lower()], 1)


def page(http: HttpClient, url: str) -> Response:
    """A landing page, fetched afresh (URLs change every edition), else from the cache."""
    try:
        return http.get(url, expect="html", refresh=True)
    except NetworkUnavailable:
        return http.get(url, expect="html")


def to_extract(
    resp: Response,
    body: bytes,
    name: str,
    *,
    area: Area,
    parser: FormatParser,
    allow_unrecognised: bool = False,
) -> Extract | None:
    """Recognise and parse a downloaded file with ``parser`` (a module of ``etl.sources``).

    Returns None for a file the parser does not recognise when ``allow_unrecognised``; raises
    FetchError otherwise.
    """
    # ONS puts the file name in ?uri=, so the suffix comes from the bytes.
    suffix = ".csv"
    if body.startswith(ZIP_MAGIC):
        suffix = ".xlsx"
    elif body.startswith(XLS_MAGIC):
        suffix = ".xls"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"download{suffix}"
        path.write_bytes(body)
        found = probe(path)
        verdict = parser.sniff(found)
        if verdict is None or verdict.dataset is None:
            if allow_unrecognised:
                return None
            raise FetchError(name, f"the file is not one {parser.NAME} recognises")
        records = parser.parse(path, verdict, area=area)
    records["origin"] = records["origin"].astype(str).str.replace(str(path), name, regex=False)
    notes = list(records.attrs.get("notes", ()))
    edition = records["period_end"].max() if len(records) else None
    return Extract(
        dataset=verdict.dataset,
        records=records,
        origin=name,
        sha256=hashlib.sha256(body).hexdigest(),
        description=verdict.description,
        retrieved_at=resp.fetched_at,
        notes=[n.replace(str(path), name) for n in notes],
        edition=edition,
        replaces_history=parser.REPLACES_HISTORY,
    )
