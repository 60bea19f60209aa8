"""The HTTP client every live source uses: disk cache, polite rate limit, retries, body checks.

Public API
==========

``HttpClient(cache_dir=None, *, min_interval=None, timeout=(30, 180), retries=4, backoff=2.0,
max_backoff=60.0, max_age=None, offline=None, session=None)``
    ``cache_dir`` defaults to ``$ETL_CACHE_DIR``, else ``data/cache/`` in the repository.
    ``min_interval`` is the least time in seconds between two requests to one host (default
    ``$ETL_HTTP_MIN_INTERVAL``, else 1.0). ``timeout`` is ``(connect, read)`` seconds; Nomis
    metadata is slow, so the read timeout is long. ``retries`` is how many times a request is
    tried again after a timeout, a connection error, HTTP 429 or a 5xx, waiting
    ``backoff * 2**n`` seconds (at most ``max_backoff``), or what ``Retry-After`` asks for.
    ``max_age`` (seconds; default ``$ETL_CACHE_MAX_AGE_HOURS`` x 3600, else 24 hours) makes
    older cached responses be fetched again, so a refresh next day sees new releases and
    revisions (claimant count revises its last months); within that age a rerun needs no
    network, and when the network is unreachable an older response is served stale (with
    ``Response.stale`` set). A negative value keeps cached responses for ever.
    ``offline=True`` (or ``ETL_OFFLINE=1``) never touches the network.

``client.get_bytes(url, params=None, *, expect="any", refresh=False) -> bytes``
    The body of a GET, from the cache when present. ``expect`` says what the caller needs:

    ========  ===========================================================================
    ``csv``   non-empty text whose first line is not markup (HTML/XML error pages fail)
    ``json``  parseable JSON, not an HTML page
    ``xlsx``  a ZIP container (XLSX workbook)
    ``html``  a non-empty page
    ``any``   any 2xx body, even empty
    ========  ===========================================================================

    A body that fails its check raises ``core.errors.FetchError`` naming the URL, and is not
    cached. ``refresh=True`` skips the cache for this call (the new body replaces the entry).

``client.get(url, params=None, *, expect="any", refresh=False) -> Response``
    The same, with provenance: ``Response.url`` (full URL with the query), ``content``,
    ``status``, ``content_type``, ``fetched_at`` (naive UTC, when the body was downloaded, even
    if served from the cache), ``from_cache`` and ``stale``.

``client.get_text(...) -> str`` and ``client.get_json(...) -> object``
    Decoded conveniences over ``get_bytes`` (``get_json`` implies ``expect="json"``).

``client.cached(url, params=None) -> bool``
    Whether a response is already on disk.

``client.forget(url, params=None)``
    Drop a cached response, e.g. one a caller found broken after ``get`` accepted it (a CSV
    cut short), so the next run fetches it again.

``client.stats``
    ``{"network": n, "fetched": n, "cache": n}``: requests sent (retries included), responses
    downloaded, and responses served from disk. ``fetched + cache`` is how many answers a run got.

Errors
======

``FetchError`` (``core.errors``)
    The server answered, but not with data: 4xx, 5xx after every retry, an HTML page, an empty
    body, a read timeout after every retry. The URL is in the message.
``NetworkUnavailable`` (a ``FetchError``)
    The host could not be reached at all (DNS failure or no route, which fail at once; refused
    or timed-out connections, after the retries), or the client is offline, and nothing usable
    is cached. Callers use this to tell "no network" from
    "broken source": the build falls back to the bundled sample only for the former.

The cache lives in ``<cache_dir>/<host>/<sha256>.body`` with a ``.json`` sidecar holding the URL,
status, content type and download time. The key is a hash of the URL and the sorted parameters,
so two calls with the same parameters in a different order share one entry. Writes are atomic.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from core import settings
from core.errors import FetchError

USER_AGENT = "get-south-midlands-working/0.1 (labour-market dashboard ETL; python-requests)"
EXPECTS = ("csv", "json", "xlsx", "html", "any")
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 600.0  # a server asking for a longer pause than this gets a FetchError
# Connection failures that retrying will not cure: no DNS, no route. They fail at once.
_NO_NETWORK = (
    "NameResolutionError",
    "Failed to resolve",
    "Network is unreachable",
    "No route to host",
)


class NetworkUnavailable(FetchError):
    """The host could not be reached (or the client is offline) and nothing is cached."""


@dataclass(frozen=True)
class Response:
    """A fetched (or cached) body and where it came from."""

    url: str
    content: bytes
    status: int
    content_type: str
    fetched_at: datetime
    from_cache: bool = False
    stale: bool = False

    @property
    def text(self) -> str:
        """The body as text (UTF-8, BOM removed; Windows-1252 if it is not UTF-8)."""
        try:
            return self.content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return self.content.decode("cp1252", errors="replace")


def full_url(url: str, params: Mapping[str, Any] | None = None) -> str:
    """``url`` with ``params`` appended as a query string (in the order given)."""
    if not params:
        return url
    query = urlencode([(k, str(v)) for k, v in params.items() if v is not None], safe=",:*")
    return f"{url}{'&' if '?' in url else '?'}{query}"


def cache_key(url: str, params: Mapping[str, Any] | None = None) -> str:
    """The cache key of a GET: sha256 of the URL and its parameters sorted by name."""
    items = sorted((str(k), str(v)) for k, v in (params or {}).items() if v is not None)
    return hashlib.sha256(f"GET {url}?{urlencode(items)}".encode()).hexdigest()


def _looks_like_markup(content: bytes) -> bool:
    start = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:20].lower()
    return start.startswith(b"<")


def check_body(url: str, content: bytes, content_type: str, expect: str) -> None:
    """Raise FetchError if ``content`` is not what ``expect`` promises (see the module doc)."""
    if expect not in EXPECTS:
        raise ValueError(f"expect must be one of {EXPECTS}, not {expect!r}")
    if expect == "any":
        return
    if not content.strip():
        raise FetchError(url, f"the server answered with an empty body where {expect} was expected")
    if expect == "html":
        return
    if expect == "xlsx":
        if not content.startswith(b"PK\x03\x04"):
            what = "an HTML page" if _looks_like_markup(content) else "something else"
            raise FetchError(url, f"expected an XLSX workbook, got {what}")
        return
    if _looks_like_markup(content) or "html" in content_type.lower():
        snippet = content.lstrip()[:80].decode("utf-8", errors="replace").replace("\n", " ")
        raise FetchError(
            url, f"the server answered with an HTML/XML page, not {expect} ({snippet!r})"
        )
    if expect == "json":
        try:
            json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise FetchError(url, f"the response is not valid JSON ({exc})") from None


class HttpClient:
    """A small, polite, caching HTTP GET client (see the module docstring)."""

    def __init__(
        self,
        cache_dir: Path | str | None = None,
        *,
        min_interval: float | None = None,
        timeout: float | tuple[float, float] = (30.0, 180.0),
        retries: int = 4,
        backoff: float = 2.0,
        max_backoff: float = 60.0,
        max_age: float | None = None,
        offline: bool | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else settings.cache_dir()
        self.min_interval = settings.http_min_interval() if min_interval is None else min_interval
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        if max_age is None:
            max_age = settings.cache_max_age_hours() * 3600
        self.max_age = max_age if max_age >= 0 else None
        if offline is None:
            offline = settings.offline()
        self.offline = offline
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self._sleep = sleep
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()
        self.stats = {"network": 0, "fetched": 0, "cache": 0}

    # -- cache -------------------------------------------------------------------------------

    def _paths(self, url: str, params: Mapping[str, Any] | None) -> tuple[Path, Path]:
        host = urlsplit(url).netloc.replace(":", "_") or "local"
        base = self.cache_dir / host / cache_key(url, params)
        return base.with_suffix(".body"), base.with_suffix(".json")

    def cached(self, url: str, params: Mapping[str, Any] | None = None) -> bool:
        """Whether a response for this URL and these parameters is on disk."""
        body, meta = self._paths(url, params)
        return body.is_file() and meta.is_file()

    def forget(self, url: str, params: Mapping[str, Any] | None = None) -> None:
        """Remove a cached response (no error if there is none)."""
        for path in self._paths(url, dict(params) if params else None):
            path.unlink(missing_ok=True)

    def _read_cache(self, url: str, params: Mapping[str, Any] | None) -> Response | None:
        body, meta = self._paths(url, params)
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            content = body.read_bytes()
        except (OSError, ValueError):
            return None
        return Response(
            url=info.get("url", full_url(url, params)),
            content=content,
            status=int(info.get("status", 200)),
            content_type=info.get("content_type", ""),
            fetched_at=datetime.fromisoformat(info["fetched_at"]),
            from_cache=True,
        )

    def _write_cache(self, params: Mapping[str, Any] | None, raw_url: str, resp: Response) -> None:
        body, meta = self._paths(raw_url, params)
        body.parent.mkdir(parents=True, exist_ok=True)
        tmp = f".tmp-{os.getpid()}-{threading.get_ident()}"
        body_tmp, meta_tmp = body.with_name(body.name + tmp), meta.with_name(meta.name + tmp)
        body_tmp.write_bytes(resp.content)
        meta_tmp.write_text(
            json.dumps(
                {
                    "url": resp.url,
                    "status": resp.status,
                    "content_type": resp.content_type,
                    "fetched_at": resp.fetched_at.isoformat(),
                    "bytes": len(resp.content),
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        os.replace(body_tmp, body)
        os.replace(meta_tmp, meta)

    # -- network -----------------------------------------------------------------------------

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc
        with self._lock:
            now = time.monotonic()
            last = self._last.get(host)
            wait = 0.0 if last is None else self.min_interval - (now - last)
            self._last[host] = now + max(wait, 0.0)
        if wait > 0:
            self._sleep(wait)

    def _delay(self, attempt: int, retry_after: str | None = None) -> float:
        if retry_after:
            text = retry_after.strip()
            try:
                return max(0.0, float(text))
            except ValueError:
                try:
                    when = email.utils.parsedate_to_datetime(text)
                    return max(0.0, (when - datetime.now(UTC)).total_seconds())
                except (TypeError, ValueError):
                    pass
        return min(self.max_backoff, self.backoff * 2**attempt)

    def _download(self, url: str, params: Mapping[str, Any] | None) -> Response:
        shown = full_url(url, params)
        last_problem = ""
        for attempt in range(self.retries + 1):
            self._wait_turn(url)
            self.stats["network"] += 1
            try:
                r = self.session.get(shown, timeout=self.timeout)
            except requests.ConnectionError as exc:  # includes ConnectTimeout
                reason = getattr(exc.args[0], "reason", None) if exc.args else None
                last_problem = f"could not connect ({type(reason or exc).__name__})"
                if any(marker in repr(exc) for marker in _NO_NETWORK):
                    raise NetworkUnavailable(shown, f"{last_problem}: no network") from None
                unreachable = True
                delay = self._delay(attempt)
            except requests.Timeout:
                last_problem = "no answer within the read timeout"
                unreachable = False
                delay = self._delay(attempt)
            except requests.RequestException as exc:
                raise FetchError(shown, f"request failed: {exc}") from None
            else:
                unreachable = False
                if r.status_code in RETRY_STATUSES:
                    last_problem = f"HTTP {r.status_code}"
                    delay = self._delay(attempt, r.headers.get("Retry-After"))
                    if delay > MAX_RETRY_AFTER:
                        raise FetchError(
                            shown, f"HTTP {r.status_code}; the server asks to wait {delay:.0f} s"
                        )
                elif r.status_code >= 400:
                    raise FetchError(shown, f"HTTP {r.status_code} {r.reason or ''}".strip())
                else:
                    return Response(
                        url=r.url or shown,
                        content=r.content,
                        status=r.status_code,
                        content_type=r.headers.get("Content-Type", ""),
                        fetched_at=datetime.now(UTC).replace(tzinfo=None),
                    )
            if attempt < self.retries:
                self._sleep(delay)
        tries = self.retries + 1
        if unreachable:
            raise NetworkUnavailable(shown, f"{last_problem} after {tries} attempt(s)")
        raise FetchError(shown, f"{last_problem} after {tries} attempt(s)")

    # -- public ------------------------------------------------------------------------------

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        expect: str = "any",
        refresh: bool = False,
    ) -> Response:
        """GET ``url`` with ``params``: from the cache if there, else the network (then cached).

        Raises FetchError (or NetworkUnavailable) naming the URL; see the module docstring.
        """
        if expect not in EXPECTS:
            raise ValueError(f"expect must be one of {EXPECTS}, not {expect!r}")
        params = dict(params) if params else None
        cached = None if refresh and not self.offline else self._read_cache(url, params)
        if cached is not None:
            age = (datetime.now(UTC).replace(tzinfo=None) - cached.fetched_at).total_seconds()
            if self.offline or self.max_age is None or age <= self.max_age:
                self.stats["cache"] += 1
                return cached
        if self.offline:
            raise NetworkUnavailable(full_url(url, params), "offline, and not in the cache")
        try:
            resp = self._download(url, params)
        except NetworkUnavailable:
            if cached is not None:  # older than max_age, but better than nothing
                self.stats["cache"] += 1
                return Response(**{**cached.__dict__, "stale": True})
            raise
        check_body(resp.url, resp.content, resp.content_type, expect)
        self.stats["fetched"] += 1
        self._write_cache(params, url, resp)
        return resp

    def get_bytes(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        expect: str = "any",
        refresh: bool = False,
    ) -> bytes:
        """The body of a GET (see ``get``)."""
        return self.get(url, params, expect=expect, refresh=refresh).content

    def get_text(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        expect: str = "any",
        refresh: bool = False,
    ) -> str:
        """The body of a GET decoded as text (UTF-8, else Windows-1252)."""
        return self.get(url, params, expect=expect, refresh=refresh).text

    def get_json(
        self, url: str, params: Mapping[str, Any] | None = None, *, refresh: bool = False
    ) -> Any:
        """The body of a GET parsed as JSON."""
        return json.loads(self.get(url, params, expect="json", refresh=refresh).text)
