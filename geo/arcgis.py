"""A client for ArcGIS REST feature layers (the ONS Open Geography Portal serves its boundaries
and lookups this way).

Requests go through the project's shared HTTP client (:class:`core.http.HttpClient`: disk
cache, polite rate limit, retries on timeouts, 429 and 5xx). On top of that this module knows
the ArcGIS habits:

* **Errors arrive as HTTP 200** with a body ``{"error": {"code": 400, "message": …,
  "details": […]}}``. They raise :class:`ArcGISError`; codes that look transient (429, 5xx)
  are asked again, bypassing the cache, a few times first.
* **Paging.** A query returns at most the layer's ``maxRecordCount`` features (read from
  ``…/FeatureServer/<n>?f=json``). Pages are asked with ``resultOffset``/``resultRecordCount``
  ordered by the object-id field, while the response says ``exceededTransferLimit: true`` (at
  the top level for ``f=json``, under ``properties`` for ``f=geojson``) or fewer features than
  ``returnCountOnly`` promised have come. A layer that does not support pagination, or refuses
  an offset, is paged by ``<objectid> > <last one seen>`` instead. The total is checked.
* **Long code lists** are split into batches of ``where FIELD IN ('…', …)``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import Any

from core.errors import FetchError
from core.http import HttpClient

TRANSIENT_CODES = {429, 500, 502, 503, 504}
PAGE_CAP = 1000  # ask for at most this many features a page, whatever the layer allows


class ArcGISError(FetchError):
    """An ArcGIS service answered with an error body (often with HTTP 200)."""

    def __init__(self, url: str, code: int | None, message: str, details: Sequence[str] = ()):
        self.code = code
        self.message = message
        self.details = list(details)
        extra = f" ({'; '.join(self.details)})" if self.details else ""
        super().__init__(url, f"ArcGIS error {code}: {message}{extra}")


def sql_quote(value: str) -> str:
    """A value as an SQL string literal for a ``where`` clause (quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def in_clause(field: str, values: Iterable[str]) -> str:
    """``FIELD IN ('a','b')``."""
    return f"{field} IN ({','.join(sql_quote(v) for v in values)})"


def batches(values: Sequence[str], size: int) -> list[list[str]]:
    """``values`` in consecutive lists of at most ``size``."""
    values = list(values)
    return [values[i : i + size] for i in range(0, len(values), size)]


def _exceeded(body: dict) -> bool:
    if body.get("exceededTransferLimit"):
        return True
    props = body.get("properties")
    return bool(isinstance(props, dict) and props.get("exceededTransferLimit"))


def _features(body: dict) -> list[dict]:
    """Features as ``{"id", "properties", "geometry"}`` whether the body is f=json or f=geojson."""
    out = []
    for feat in body.get("features") or []:
        if "attributes" in feat:  # f=json
            out.append({"id": None, "properties": dict(feat["attributes"]), "geometry": None})
        else:
            out.append(
                {
                    "id": feat.get("id"),
                    "properties": dict(feat.get("properties") or {}),
                    "geometry": feat.get("geometry"),
                }
            )
    return out


class FeatureLayer:
    """One layer of an ArcGIS FeatureServer: ``…/FeatureServer/<layer id>``."""

    def __init__(
        self,
        url: str,
        client: HttpClient,
        *,
        page_cap: int = PAGE_CAP,
        error_retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url.rstrip("/")
        self.client = client
        self.page_cap = page_cap
        self.error_retries = error_retries
        self._sleep = sleep
        self.notes: list[str] = []

    # -- requests ------------------------------------------------------------------------

    def _fetch(self, url: str, params: dict[str, Any], refresh: bool = False) -> tuple[Any, bool]:
        resp = self.client.get(url, params, expect="json", refresh=refresh)
        return json.loads(resp.text), resp.from_cache

    def _get(self, url: str, params: dict[str, Any]) -> dict:
        """GET JSON; raise ArcGISError for an error body.

        The shared client caches every HTTP 200, error bodies included, so an error read from
        the cache is asked for again before it is believed; one that looks transient (429,
        5xx) is asked again a few times, with a pause.
        """
        body, cached = self._fetch(url, params)
        for attempt in range(self.error_retries + 1):
            if not isinstance(body, dict):
                raise FetchError(url, f"expected a JSON object, got {type(body).__name__}")
            err = body.get("error")
            if not err:
                return body
            error = ArcGISError(
                url,
                err.get("code"),
                str(err.get("message") or "no message"),
                [str(d) for d in err.get("details") or []],
            )
            transient = error.code in TRANSIENT_CODES
            if attempt == self.error_retries or not (transient or cached):
                raise error
            if transient:
                self._sleep(2.0 * 2**attempt)
            body, cached = self._fetch(url, params, refresh=True)
            if cached:  # offline: the cache is all there is
                raise error
        raise AssertionError("unreachable")

    @cached_property
    def info(self) -> dict:
        """The layer description (``?f=json``): fields, maxRecordCount, capabilities."""
        return self._get(self.url, {"f": "json"})

    @property
    def max_record_count(self) -> int:
        """Most features one query returns (1000 when the layer does not say)."""
        try:
            return max(1, int(self.info.get("maxRecordCount") or 1000))
        except (TypeError, ValueError):
            return 1000

    @property
    def object_id_field(self) -> str:
        """The object-id field (``OBJECTID``, ``FID``…) used to order and page results."""
        if self.info.get("objectIdField"):
            return str(self.info["objectIdField"])
        for f in self.info.get("fields") or []:
            if f.get("type") == "esriFieldTypeOID":
                return str(f["name"])
        return "OBJECTID"

    @property
    def supports_pagination(self) -> bool:
        adv = self.info.get("advancedQueryCapabilities") or {}
        return bool(adv.get("supportsPagination", True))

    def count(self, where: str) -> int | None:
        """How many features match ``where`` (None if the layer will not say)."""
        try:
            body = self._get(
                f"{self.url}/query", {"where": where, "returnCountOnly": "true", "f": "json"}
            )
        except ArcGISError:
            return None
        value = body.get("count")
        return int(value) if isinstance(value, int | float) else None

    # -- queries -------------------------------------------------------------------------

    def query(
        self,
        where: str = "1=1",
        out_fields: str | Sequence[str] = "*",
        *,
        geometry: bool = True,
        out_sr: int = 4326,
    ) -> list[dict]:
        """Every feature matching ``where``, paged. GeoJSON features when ``geometry`` is True.

        Raises ArcGISError for an error body, FetchError if fewer (or more) features arrive
        than the layer counted.
        """
        oid = self.object_id_field
        fields = out_fields if isinstance(out_fields, str) else ",".join(out_fields)
        if fields != "*" and oid not in fields.split(","):
            fields += f",{oid}"
        base: dict[str, Any] = {
            "where": where,
            "outFields": fields,
            "returnGeometry": "true" if geometry else "false",
            "f": "geojson" if geometry else "json",
        }
        if geometry:
            base["outSR"] = out_sr
        total = self.count(where)
        page = min(self.max_record_count, self.page_cap)
        got: dict[Any, dict] = {}
        last_oid = None
        use_offset = self.supports_pagination
        offset = 0
        while True:
            if use_offset:
                params = {
                    **base,
                    "orderByFields": oid,
                    "resultOffset": offset,
                    "resultRecordCount": page,
                }
                try:
                    body = self._get(f"{self.url}/query", params)
                except ArcGISError as exc:
                    if exc.code in TRANSIENT_CODES:
                        raise
                    self.notes.append(
                        f"{self.url}: paging by resultOffset refused ({exc.message}); "
                        f"paging by {oid} instead."
                    )
                    use_offset = False
                    continue
            else:
                clause = where if last_oid is None else f"({where}) AND {oid} > {last_oid}"
                body = self._get(
                    f"{self.url}/query", {**base, "where": clause, "orderByFields": oid}
                )
            feats = _features(body)
            before = len(got)
            for i, feat in enumerate(feats):
                key = feat["properties"].get(oid, feat["id"])
                if key is None:
                    key = ("row", offset + i)
                got.setdefault(key, feat)
                if isinstance(key, int | float):
                    last_oid = key if last_oid is None else max(last_oid, key)
            offset += len(feats)
            more = _exceeded(body) or (total is not None and len(got) < total)
            if not feats or not more or len(got) == before:
                break  # done, or a page brought nothing new (the count check then says so)
            if not use_offset and last_oid is None:
                raise FetchError(
                    self.url, f"cannot page: features carry no {oid} and offsets are refused"
                )
        if total is not None and len(got) != total:
            raise FetchError(
                f"{self.url}/query",
                f"the layer counted {total} feature(s) for {where!r} but {len(got)} arrived",
            )
        return list(got.values())

    def query_in(
        self,
        field: str,
        values: Sequence[str],
        out_fields: str | Sequence[str] = "*",
        *,
        batch_size: int = 100,
        geometry: bool = True,
        progress: Callable[[int], None] | None = None,
    ) -> list[dict]:
        """Features whose ``field`` is one of ``values``, asked in batches of ``batch_size``."""
        out: list[dict] = []
        for chunk in batches(sorted(set(values)), batch_size):
            out += self.query(in_clause(field, chunk), out_fields, geometry=geometry)
            if progress:
                progress(len(chunk))
        return out
