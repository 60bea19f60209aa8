"""Nomis API client: data queries with paging, and codes checked against their labels.

``NomisClient(http=None, base_url=None, page_size=25_000)``
    ``base_url`` defaults to ``$NOMIS_API_BASE``, else ``https://www.nomisweb.co.uk/api/v01``
    (point the variable at a local server to replay recorded responses). Requests go through
    ``core.http.HttpClient``, so they are cached on disk, rate-limited and retried.

``client.definition(dataset_id) -> DatasetDefinition``
    ``dataset/{id}.def.sdmx.json``: the dataset's name and dimensions. Raises ``FetchError``
    naming the dataset if Nomis has no such dataset.
``client.codes(dataset_id, concept) -> dict[str, str]``
    ``dataset/{id}/{concept}.def.sdmx.json``: code -> label for one dimension (asked once per
    client, however often checked or searched).
``client.check_codes(dataset_id, concept, expected, dataset_key=None)``
    Fail (``CodeMismatch``) unless every code in ``expected`` (code -> label) still has that
    label; the message names the dataset, concept, code, expected and found label, and the code
    that carries the expected label now, if any.
``client.fetch_csv(dataset_id, params, select) -> NomisResult``
    ``dataset/{id}.data.csv``: every page of a query, concatenated under one header. ``select``
    always gains ``RECORD_OFFSET`` and ``RECORD_COUNT``; pages of at most ``page_size`` rows are
    requested with ``RecordOffset``/``RecordLimit`` until ``RECORD_COUNT`` rows are in. Nomis
    cuts long answers short without saying so (HTTP 200, 25,000 rows), so a page whose rows do
    not continue where the last stopped, a body that ends mid-row, or a total short of
    ``RECORD_COUNT`` raises ``FetchError``: never a silently partial result.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from core import settings
from core.errors import FetchError
from core.http import HttpClient, full_url
from etl.records import normalise_label

PAGE_SIZE = 25_000  # the guest row cap: never ask for more in one request
DEFAULT_SELECT = (
    "DATE",
    "DATE_NAME",
    "GEOGRAPHY_CODE",
    "GEOGRAPHY_NAME",
    "GEOGRAPHY_TYPE",
)
TAIL_SELECT = (
    "MEASURES",
    "MEASURES_NAME",
    "OBS_VALUE",
    "OBS_STATUS",
    "OBS_STATUS_NAME",
    "RECORD_OFFSET",
    "RECORD_COUNT",
)
# Dimensions that do not appear as ``X``/``X_NAME`` columns of their own in data responses.
NOT_COLUMNS = {"GEOGRAPHY", "MEASURES", "FREQ", "TIME", "DATE"}


class CodeMismatch(FetchError):
    """A code the catalogue relies on no longer has the label the catalogue expects."""


@dataclass(frozen=True)
class DatasetDefinition:
    id: str
    name: str
    dimensions: tuple[str, ...]  # concept names, upper case, as in data column names


@dataclass
class NomisResult:
    """Every row of one query, as one CSV text, and where it came from."""

    dataset_id: str
    url: str  # the query, without the paging parameters
    text: str  # header + all rows
    record_count: int
    pages: int
    fetched_at: datetime
    urls: list[str] = field(default_factory=list)
    from_cache: bool = False  # every page came from the disk cache

    @property
    def content(self) -> bytes:
        return self.text.encode("utf-8")


def _codelist(payload: object) -> list[dict] | None:
    """The codes of an SDMX-JSON codelist answer, or None when it has no codelist."""
    try:
        lists = payload["structure"]["codelists"]["codelist"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    if not lists:
        return None
    codes = lists[0].get("code") or []
    return codes if isinstance(codes, list) else [codes]


def _label(code: dict) -> str:
    desc = code.get("description")
    if isinstance(desc, dict):
        return str(desc.get("value", "")).strip()
    return str(desc or "").strip()


class NomisClient:
    """Queries the Nomis API (see the module docstring)."""

    def __init__(
        self,
        http: HttpClient | None = None,
        base_url: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.http = http or HttpClient()
        self.base_url = (base_url or settings.nomis_api_base()).rstrip("/")
        if not 0 < page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {PAGE_SIZE}")
        self.page_size = page_size
        self._codes: dict[tuple[str, str], dict[str, str]] = {}  # one codelist request each

    # -- metadata ----------------------------------------------------------------------------

    def definition(self, dataset_id: str) -> DatasetDefinition:
        """The dataset's name and dimensions; FetchError if Nomis has no such dataset."""
        url = f"{self.base_url}/dataset/{dataset_id}.def.sdmx.json"
        payload = self.http.get_json(url)
        try:
            families = payload["structure"].get("keyfamilies") or {}
            family = (families.get("keyfamily") or [None])[0]
        except (AttributeError, KeyError, TypeError):
            family = None
        if not family:
            raise FetchError(url, f"Nomis has no dataset {dataset_id}")
        components = family.get("components") or {}
        dims = components.get("dimension") or []
        if isinstance(dims, dict):
            dims = [dims]
        name = family.get("name")
        return DatasetDefinition(
            id=str(family.get("id", dataset_id)),
            name=str(name.get("value", "") if isinstance(name, dict) else name or ""),
            dimensions=tuple(str(d.get("conceptref", "")).upper() for d in dims),
        )

    def codes(self, dataset_id: str, concept: str) -> dict[str, str]:
        """Code -> label for one dimension of a dataset (asked once per client)."""
        key = (dataset_id, concept.lower())
        if key in self._codes:
            return dict(self._codes[key])
        url = f"{self.base_url}/dataset/{dataset_id}/{concept.lower()}.def.sdmx.json"
        codes = _codelist(self.http.get_json(url))
        if codes is None:
            self.definition(dataset_id)  # raises if the dataset itself does not exist
            raise FetchError(url, f"dataset {dataset_id} has no dimension {concept!r}")
        self._codes[key] = {str(c.get("value")): _label(c) for c in codes}
        return dict(self._codes[key])

    def check_codes(
        self,
        dataset_id: str,
        concept: str,
        expected: Mapping[str, str],
        dataset_key: str | None = None,
    ) -> None:
        """Raise CodeMismatch unless each expected code still carries its expected label."""
        found = self.codes(dataset_id, concept)
        by_label = {normalise_label(label): code for code, label in found.items()}
        url = f"{self.base_url}/dataset/{dataset_id}/{concept.lower()}.def.sdmx.json"
        name = f"catalogue dataset {dataset_key!r} ({dataset_id})" if dataset_key else dataset_id
        problems = []
        for code, label in expected.items():
            have = found.get(str(code))
            if have is not None and normalise_label(have) == normalise_label(label):
                continue
            now = by_label.get(normalise_label(label))
            hint = f"; {label!r} is now code {now}" if now is not None else ""
            shown = "no such code" if have is None else f"{have!r}"
            problems.append(f"code {code}: expected {label!r}, found {shown}{hint}")
        if problems:
            raise CodeMismatch(
                url,
                f"{name}, concept {concept!r}: " + "; ".join(problems) + ". Nomis has recoded "
                f"this dimension: check [datasets.{dataset_key or '...'}.live.codes.{concept}] "
                "in etl/catalogue.toml.",
            )

    # -- data --------------------------------------------------------------------------------

    def select_for(self, definition: DatasetDefinition) -> list[str]:
        """Columns to ask for: date, geography, each dimension's code and label, the figure."""
        cols = list(DEFAULT_SELECT)
        for dim in definition.dimensions:
            if dim and dim not in NOT_COLUMNS:
                cols += [dim, f"{dim}_NAME"]
        return cols + list(TAIL_SELECT)

    def fetch_csv(
        self,
        dataset_id: str,
        params: Mapping[str, str],
        select: list[str] | None = None,
    ) -> NomisResult:
        """Every row of a data query, paging by RECORD_COUNT (see the module docstring)."""
        try:
            return self._fetch_pages(dataset_id, params, select, refresh=False)
        except _StaleCache:
            # Pages cached at different times disagree: fetch the whole query afresh, once.
            try:
                return self._fetch_pages(dataset_id, params, select, refresh=True)
            except _StaleCache as exc:
                raise FetchError(exc.url, exc.problem) from None

    def _page(self, url: str, page_params: dict[str, str], refresh: bool):
        """One page: fetched, checked, and split into header and raw data lines."""
        resp = self.http.get(url, page_params, expect="csv", refresh=refresh)
        try:
            text = resp.text
            if not text.endswith("\n"):
                raise FetchError(resp.url, "the response ends mid-row: it was cut short")
            first, _, body = text.partition("\n")
            first = first.rstrip("\r")
            header = [h.strip().upper() for h in next(csv.reader([first]))]
            if "RECORD_COUNT" not in header:
                raise FetchError(
                    resp.url,
                    f"the response is not Nomis data (no RECORD_COUNT column; header {first!r})",
                )
            try:
                rows = list(csv.reader(io.StringIO(body, newline=""), strict=True))
            except csv.Error as exc:
                raise FetchError(resp.url, f"the response is not well-formed CSV ({exc})") from None
            rows = [r for r in rows if any(c.strip() for c in r)]
            lines = [ln.rstrip("\r") for ln in body.split("\n") if ln.strip()]
            if len(lines) != len(rows):
                raise FetchError(resp.url, "a field spans lines, which Nomis CSV never has")
            for n, row in enumerate(rows, start=2):
                if len(row) != len(header):
                    raise FetchError(
                        resp.url,
                        f"line {n} has {len(row)} of {len(header)} fields: the response was "
                        "cut short",
                    )
        except FetchError:
            self.http.forget(url, page_params)  # never keep a broken page in the cache
            raise
        return resp, first, header, rows, lines

    def _fetch_pages(
        self,
        dataset_id: str,
        params: Mapping[str, str],
        select: list[str] | None,
        refresh: bool,
    ) -> NomisResult:
        url = f"{self.base_url}/dataset/{dataset_id}.data.csv"
        cols = [c.upper() for c in (select or [])]
        for required in ("RECORD_OFFSET", "RECORD_COUNT"):
            if cols and required not in cols:
                cols.append(required)
        base = {k: str(v) for k, v in params.items()}
        if cols:
            base["select"] = ",".join(cols)

        header_line = ""
        header: list[str] = []
        lines: list[str] = []
        urls: list[str] = []
        fetched: list[datetime] = []
        cached_pages = 0
        total: int | None = None
        offset = 0
        while True:
            page_params = {**base, "RecordOffset": str(offset), "RecordLimit": str(self.page_size)}
            try:
                resp, first, page_header, rows, raw_lines = self._page(url, page_params, refresh)
            except FetchError as exc:
                if "empty body" in exc.problem or "HTTP 404" in exc.problem:
                    self.definition(dataset_id)  # names a dataset that does not exist
                raise
            urls.append(resp.url)
            fetched.append(resp.fetched_at)
            cached_pages += resp.from_cache

            stale_ok = bool(cached_pages) and not refresh

            def inconsistent(
                problem: str, where=resp.url, page=page_params, stale_ok=stale_ok
            ) -> FetchError:
                self.http.forget(url, page)
                return (_StaleCache if stale_ok else FetchError)(where, problem)

            if not header_line:
                header_line, header = first, page_header
            elif page_header != header:
                raise inconsistent("the columns changed between pages")
            if not rows:
                if offset == 0:
                    total = 0
                    break
                raise inconsistent(
                    f"no rows at offset {offset:,}, but RECORD_COUNT says {total:,}: "
                    "the result is incomplete"
                )
            page_total = _int(rows[0][header.index("RECORD_COUNT")], resp.url, "RECORD_COUNT")
            if total is None:
                total = page_total
            elif page_total != total:
                raise inconsistent(
                    f"RECORD_COUNT changed between pages ({total:,} then {page_total:,}): "
                    "the dataset was updated during the download; run the build again"
                )
            if "RECORD_OFFSET" in header:
                i_offset = header.index("RECORD_OFFSET")
                first_offset = _int(rows[0][i_offset], resp.url, "RECORD_OFFSET")
                if first_offset != offset:
                    raise inconsistent(
                        f"asked for rows from offset {offset:,}, got rows from {first_offset:,}"
                    )
            lines += raw_lines
            offset += len(rows)
            if offset >= total:
                break
        if total != len(lines):
            raise FetchError(
                urls[0], f"received {len(lines):,} rows but RECORD_COUNT says {total:,}"
            )
        text = header_line + "\n" + "".join(ln + "\n" for ln in lines)
        return NomisResult(
            dataset_id=dataset_id,
            url=full_url(url, base),
            text=text,
            record_count=total,
            pages=len(urls),
            fetched_at=min(fetched),
            urls=urls,
            from_cache=cached_pages == len(urls),
        )


class _StaleCache(FetchError):
    """Pages of one query disagree and some came from the cache: worth one fresh attempt."""


def _int(raw: str, url: str, column: str) -> int:
    try:
        return int(float(raw))
    except ValueError:
        raise FetchError(url, f"{column} {raw!r} is not a number") from None
