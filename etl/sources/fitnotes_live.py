"""Fit notes live: the newest edition's CSVs, found on NHS England's publication page.

The files are read by the same parser as a downloaded file (``etl.sources.fitnotes``).
"""

from __future__ import annotations

import io
import zipfile

from core.area import Area
from core.errors import FetchError
from core.http import HttpClient
from etl.catalogue import Catalogue
from etl.extract import Extract
from etl.sources import fitnotes, landing
from etl.workbook import check_archive

DATASET = fitnotes.DATASET  # what this client fetches (named when a fetch fails)

SERIES_URL = (
    "https://digital.nhs.uk/data-and-information/publications/statistical/"
    "fit-notes-issued-by-gp-practices"
)


def _csv_bodies(url: str, body: bytes) -> list[tuple[str, bytes]]:
    """A CSV download, or the CSV members of a ZIP download."""
    if body.startswith(b"PK\x03\x04"):
        check_archive(url, body)  # a zip bomb is refused before anything is unpacked
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            return [(f"{url}#{m}", zf.read(m)) for m in zf.namelist() if m.lower().endswith(".csv")]
    return [(url, body)]


def fetch_live(http: HttpClient, area: Area, catalogue: Catalogue) -> list[Extract]:
    """Fit notes from the newest edition on the NHS England series page (see ``SERIES_URL``).

    The series page links to its editions (``.../june-2025``); the newest is read for its CSV
    (or ZIP of CSVs) links, each file is downloaded and parsed like a file from a folder. CSVs
    without fit notes by sub-ICB location (national tables) are passed over; if none has them,
    FetchError lists what the edition offered.
    """
    series = landing.page(http, SERIES_URL)
    html = series.text
    files = landing.file_links(html, series.url, (".csv", ".zip"))
    edition_url = series.url
    if not files:
        prefix = SERIES_URL.rstrip("/") + "/"
        editions = []
        for url, text in landing.links(html, series.url):
            if not url.startswith(prefix):
                continue
            month = landing.edition_month(url[len(prefix) :]) or landing.edition_month(text)
            if month:
                editions.append((month, url))
        if not editions:
            raise FetchError(
                series.url, "the series page links to no edition (e.g. '.../june-2025')"
            )
        edition_url = max(editions)[1]
        edition = landing.page(http, edition_url)
        files = landing.file_links(edition.text, edition.url, (".csv", ".zip"))
        if not files:
            raise FetchError(edition_url, "the edition page links to no CSV or ZIP file")
    extracts, passed = [], []
    module = fitnotes
    for url in files:
        resp = http.get(url, expect="any")
        for name, body in _csv_bodies(url, resp.content):
            ex = landing.to_extract(
                resp, body, name, area=area, parser=module, allow_unrecognised=True
            )
            if ex is None:
                passed.append(name.rsplit("/", 1)[-1])
            else:
                extracts.append(ex)
    if not extracts:
        raise FetchError(
            edition_url,
            f"none of the edition's files has fit notes by sub-ICB location: {passed}",
        )
    if passed:
        extracts[0].notes.append(f"files without sub-ICB fit notes passed over: {passed}")
    return extracts
