"""A local stand-in for the Nomis API, replaying the recorded responses in tests/fixtures/nomis.

It answers the three kinds of request the ETL makes, the way Nomis does:

* ``/api/v01/dataset/{ID}.def.sdmx.json``: ``{ID}.def.sdmx.json``, or an SDMX-JSON structure
  without ``keyfamilies`` when there is no such dataset;
* ``/api/v01/dataset/{ID}/{concept}.def.sdmx.json``: ``{ID}_{concept}.def.sdmx.json``, or a
  structure without ``codelists``;
* ``/api/v01/dataset/{ID}.data.csv``: rows of ``{ID}.data.csv`` filtered by ``geography`` (GSS
  codes) and by dimension codes (``variable=45,111``, ``measures=...``), with ``select=``
  columns in the order asked, ``RecordOffset``/``RecordLimit`` paging, ``RECORD_OFFSET``
  renumbered and ``RECORD_COUNT`` the number of matching rows; an empty body (HTTP 200) when
  there is no such dataset. Strings are quoted, numbers bare, lines end in LF.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "nomis"
API = "/api/v01"
BARE = re.compile(r"(TYPECODE|SORTORDER|OBS_VALUE|RECORD_OFFSET|RECORD_COUNT)$")
NOT_FILTERS = {"geography", "date", "time", "select", "recordoffset", "recordlimit", "uid"}


def csv_line(columns: list[str], values: list[str]) -> str:
    """One line in Nomis's CSV style: strings quoted, numbers bare."""
    out = []
    for col, val in zip(columns, values, strict=True):
        out.append(val if BARE.search(col) else '"' + val.replace('"', '""') + '"')
    return ",".join(out) + "\n"


class NomisReplay:
    """Serve recorded Nomis responses from ``fixtures`` (see the module docstring)."""

    def __init__(self, fixtures: Path = FIXTURES) -> None:
        self.fixtures = fixtures
        self.requests: list[str] = []  # paths with query strings, in order

    def install(self, httpserver) -> str:
        """Route every request on ``httpserver`` here; returns the API base URL."""
        httpserver.expect_request(re.compile(f"^{API}/.*")).respond_with_handler(self)
        return httpserver.url_for(API)

    def __call__(self, request: Request) -> Response:
        self.requests.append(request.full_path)
        path = request.path[len(API) :]
        if m := re.fullmatch(r"/dataset/([^/]+)\.def\.sdmx\.json", path):
            return self._json(f"{m.group(1)}.def.sdmx.json")
        if m := re.fullmatch(r"/dataset/([^/]+)/([^/]+)\.def\.sdmx\.json", path):
            return self._json(f"{m.group(1)}_{m.group(2).lower()}.def.sdmx.json")
        if m := re.fullmatch(r"/dataset/([^/]+)\.data\.csv", path):
            return self._data(m.group(1), request.args)
        return Response("<!DOCTYPE html><html><body>Not found</body></html>", 404)

    def _json(self, name: str) -> Response:
        path = self.fixtures / name
        if not path.is_file():
            path = self.fixtures / "no_match.def.sdmx.json"
        return Response(path.read_bytes(), content_type="application/json")

    def rows(self, dataset: str) -> tuple[list[str], list[list[str]]]:
        """The recorded full-column rows of a dataset."""
        text = (self.fixtures / f"{dataset}.data.csv").read_text(encoding="utf-8")
        header, *rows = list(csv.reader(io.StringIO(text)))
        return header, rows

    def _data(self, dataset: str, args) -> Response:
        if not (self.fixtures / f"{dataset}.data.csv").is_file():
            return Response(b"", content_type="text/csv")
        header, rows = self.rows(dataset)
        col = {c: i for i, c in enumerate(header)}
        params = {k.lower(): v for k, v in args.items()}
        if geo := params.get("geography"):
            wanted = set(geo.split(","))
            rows = [r for r in rows if r[col["GEOGRAPHY_CODE"]] in wanted]
        for name, value in params.items():
            if name in NOT_FILTERS or name.upper() not in col:
                continue
            codes = set(value.split(","))
            rows = [r for r in rows if r[col[name.upper()]] in codes]
        offset = int(params.get("recordoffset", 0))
        limit = min(int(params.get("recordlimit", 25_000)), 25_000)
        page = rows[offset : offset + limit]
        select = [c.strip().upper() for c in params.get("select", "").split(",") if c.strip()]
        columns = select or header
        out = [",".join(f'"{c}"' for c in columns) + "\n"]
        for i, row in enumerate(page):
            row = list(row)
            row[col["RECORD_OFFSET"]] = str(offset + i)
            row[col["RECORD_COUNT"]] = str(len(rows))
            out.append(csv_line(columns, [row[col[c]] for c in columns]))
        return Response("".join(out), content_type="text/csv")


@contextmanager
def own_server() -> Iterator[HTTPServer]:
    """A private server, for tests that stop it (the shared ``httpserver`` must keep running)."""
    server = HTTPServer()
    server.start()
    try:
        yield server
    finally:
        if server.is_running():
            server.stop()
