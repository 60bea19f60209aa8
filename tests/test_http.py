"""The shared HTTP client: politeness, body checks and the disk cache, against a local server."""

from __future__ import annotations

import socket

import pytest

from core.errors import FetchError
from core.http import HttpClient, NetworkUnavailable


class Clock:
    """Stands in for time.sleep and time.monotonic so rate-limit waits are measured, not slept."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def test_requests_to_one_host_are_spaced_by_the_minimum_interval(httpserver, monkeypatch):
    clock = Clock()
    monkeypatch.setattr("core.http.time.monotonic", clock.monotonic)
    httpserver.expect_request("/a").respond_with_data("x,y\n1,2\n")
    httpserver.expect_request("/b").respond_with_data("x,y\n1,2\n")
    http = HttpClient(min_interval=1.0, sleep=clock.sleep)
    http.get(httpserver.url_for("/a"), expect="csv")
    http.get(httpserver.url_for("/b"), expect="csv")
    clock.now += 0.25
    http.get(httpserver.url_for("/a"), {"page": 2}, expect="csv")
    assert clock.slept == [1.0, 0.75]
    http.get(httpserver.url_for("/a"), expect="csv")  # cached: no request, no wait
    assert clock.slept == [1.0, 0.75]


def test_the_minimum_interval_can_be_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("ETL_HTTP_MIN_INTERVAL", "2.5")
    assert HttpClient().min_interval == 2.5


@pytest.mark.parametrize(
    ("expect", "body", "problem"),
    [
        ("csv", b"", "empty body where csv was expected"),
        ("csv", b"  \n", "empty body where csv was expected"),
        ("json", b"<!DOCTYPE html><html></html>", "HTML/XML page, not json"),
        ("json", b"{not json", "not valid JSON"),
        ("xlsx", b"<html><body>Moved</body></html>", "expected an XLSX workbook, got an HTML page"),
    ],
)
def test_a_body_that_is_not_the_data_expected_fails_naming_the_url(
    httpserver, expect, body, problem
):
    httpserver.expect_request("/file").respond_with_data(body)
    http = HttpClient(min_interval=0)
    url = httpserver.url_for("/file")
    with pytest.raises(FetchError) as err:
        http.get_bytes(url, {"edition": "2025-01"}, expect=expect)
    assert str(err.value).startswith(f"{url}?edition=2025-01: ")
    assert problem in str(err.value)
    assert not http.cached(url, {"edition": "2025-01"})


def test_the_cache_key_ignores_parameter_order_and_survives_a_new_client(httpserver):
    httpserver.expect_oneshot_request("/data").respond_with_data(b"PK\x03\x04workbook")
    url = httpserver.url_for("/data")
    first = HttpClient(min_interval=0).get(url, {"a": "1", "b": "2"}, expect="xlsx")
    again = HttpClient(min_interval=0).get(url, {"b": "2", "a": "1"}, expect="xlsx")
    assert again.content == first.content and again.from_cache and not first.from_cache
    assert again.fetched_at == first.fetched_at


def test_offline_mode_uses_the_cache_and_never_the_network(httpserver, monkeypatch):
    httpserver.expect_oneshot_request("/data").respond_with_data("a,b\n1,2\n")
    url = httpserver.url_for("/data")
    HttpClient(min_interval=0).get(url, expect="csv")
    monkeypatch.setenv("ETL_OFFLINE", "1")
    offline = HttpClient(min_interval=0)
    assert offline.get_text(url, expect="csv") == "a,b\n1,2\n"
    with pytest.raises(NetworkUnavailable):
        offline.get(url, {"month": "2025-02"}, expect="csv")
    assert offline.stats["network"] == 0


def test_an_expired_entry_is_refetched_but_served_stale_when_the_network_is_gone(
    monkeypatch, tmp_path
):
    from pytest_httpserver import HTTPServer

    server = HTTPServer()
    server.start()
    server.expect_request("/data").respond_with_data("a,b\n1,2\n")
    url = server.url_for("/data")
    HttpClient(min_interval=0).get(url, expect="csv")
    server.stop()
    stale = HttpClient(min_interval=0, retries=0, max_age=0)
    response = stale.get(url, expect="csv")
    assert response.stale and response.text == "a,b\n1,2\n"
    with pytest.raises(NetworkUnavailable):
        stale.get(url, {"other": "1"}, expect="csv")


def test_a_name_that_does_not_resolve_fails_at_once_without_retrying():
    sleeps: list[float] = []
    http = HttpClient(min_interval=0, retries=4, backoff=2.0, sleep=sleeps.append)
    with pytest.raises(NetworkUnavailable) as err:
        http.get("http://nomis.invalid/api/v01/dataset/NM_17_5.data.csv", expect="csv")
    assert "no network" in str(err.value)
    assert sleeps == [] and http.stats["network"] == 1


def test_a_refused_connection_is_retried_then_reported_as_no_network():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again on leaving: nothing listens there
    sleeps: list[float] = []
    http = HttpClient(min_interval=0, retries=2, backoff=0.5, sleep=sleeps.append)
    with pytest.raises(NetworkUnavailable) as err:
        http.get(f"http://127.0.0.1:{port}/data.csv", expect="csv")
    assert "after 3 attempt(s)" in str(err.value)
    assert sleeps == [0.5, 1.0]
