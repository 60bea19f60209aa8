"""The Nomis client against a local server replaying Nomis's real response formats.

Nomis answers errors with HTTP 200, cuts long results at 25,000 rows without saying so, and rate
limits without publishing the limit; each test below is one of those behaviours.
"""

from __future__ import annotations

import json
import socket
import time

import pytest
from werkzeug import Response

from core.area import load_area
from core.errors import FetchError
from core.http import HttpClient, NetworkUnavailable
from etl.extract import Recognised
from etl.nomis import CodeMismatch, NomisClient
from etl.sources import nomis_api_csv
from tests.nomis_replay import FIXTURES, NomisReplay, csv_line, own_server

PLACES = "E06000055,E06000056,E06000032,E06000042,E06000061,E06000062"
APS_SELECT = [
    "DATE",
    "DATE_NAME",
    "GEOGRAPHY_CODE",
    "GEOGRAPHY_NAME",
    "VARIABLE",
    "VARIABLE_NAME",
    "MEASURES",
    "MEASURES_NAME",
    "OBS_VALUE",
    "OBS_STATUS",
    "OBS_STATUS_NAME",
]
DATA = "/api/v01/dataset/NM_17_5.data.csv"


@pytest.fixture()
def http():
    """A client that does not wait: no rate-limit pause, sleeps recorded instead of slept."""
    sleeps: list[float] = []
    client = HttpClient(min_interval=0, backoff=0, retries=3, timeout=(2, 2), sleep=sleeps.append)
    client.sleeps = sleeps  # type: ignore[attr-defined]
    return client


@pytest.fixture()
def replay(httpserver):
    rep = NomisReplay()
    rep.base = rep.install(httpserver)  # type: ignore[attr-defined]
    return rep


def aps_params() -> dict[str, str]:
    return {"geography": PLACES, "variable": "45", "measures": "20599,21001,21002,21003"}


def page(header: list[str], rows: list[list[str]]) -> str:
    return ",".join(f'"{c}"' for c in header) + "\n" + "".join(csv_line(header, r) for r in rows)


def recorded_page(offset: int, count: int, total: int) -> str:
    """Rows of the recorded APS response as Nomis would page them (select=APS_SELECT)."""
    header, rows = NomisReplay().rows("NM_17_5")
    col = {c: i for i, c in enumerate(header)}
    cols = [*APS_SELECT, "RECORD_OFFSET", "RECORD_COUNT"]
    out = []
    for i, row in enumerate(rows[offset : offset + count]):
        values = [row[col[c]] for c in APS_SELECT] + [str(offset + i), str(total)]
        out.append(values)
    return page(cols, out)


def test_a_result_larger_than_a_page_is_fetched_page_by_page(http, replay):
    one = NomisClient(http, replay.base).fetch_csv("NM_17_5", aps_params(), APS_SELECT)
    paged = NomisClient(http, replay.base, page_size=7).fetch_csv(
        "NM_17_5", aps_params(), APS_SELECT
    )
    # 6 places x 2 periods x 4 measures of the employment rate in the recording.
    assert one.record_count == paged.record_count == 48
    assert paged.pages == 7
    offsets = [u.split("RecordOffset=")[1].split("&")[0] for u in paged.urls]
    assert offsets == ["0", "7", "14", "21", "28", "35", "42"]
    assert paged.text == one.text  # same rows, same order, one header


def test_an_html_error_page_served_with_200_is_an_error_and_is_not_cached(http, httpserver):
    error_page = "<!DOCTYPE html>\n<html><head><title>Error</title></head><body>Sorry</body></html>"
    httpserver.expect_ordered_request(DATA).respond_with_data(error_page, content_type="text/html")
    httpserver.expect_ordered_request(DATA).respond_with_data(
        recorded_page(0, 3, 3), content_type="text/csv"
    )
    client = NomisClient(http, httpserver.url_for("/api/v01"))
    with pytest.raises(FetchError) as err:
        client.fetch_csv("NM_17_5", aps_params(), APS_SELECT)
    assert "NM_17_5.data.csv" in str(err.value)
    assert "HTML" in str(err.value)
    # The next run asks again rather than replaying the error page from the cache.
    assert client.fetch_csv("NM_17_5", aps_params(), APS_SELECT).record_count == 3


def test_429_waits_as_long_as_retry_after_says_then_succeeds(http, httpserver):
    httpserver.expect_ordered_request(DATA).respond_with_data(
        "Too many requests", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request(DATA).respond_with_data(recorded_page(0, 4, 4))
    result = NomisClient(http, httpserver.url_for("/api/v01")).fetch_csv(
        "NM_17_5", aps_params(), APS_SELECT
    )
    assert result.record_count == 4
    assert http.sleeps == [7.0]


def test_a_500_is_retried_with_backoff(httpserver):
    sleeps: list[float] = []
    http = HttpClient(min_interval=0, backoff=1.5, retries=3, sleep=sleeps.append)
    httpserver.expect_ordered_request(DATA).respond_with_data("Server Error", status=500)
    httpserver.expect_ordered_request(DATA).respond_with_data("Server Error", status=503)
    httpserver.expect_ordered_request(DATA).respond_with_data(recorded_page(0, 2, 2))
    result = NomisClient(http, httpserver.url_for("/api/v01")).fetch_csv(
        "NM_17_5", aps_params(), APS_SELECT
    )
    assert result.record_count == 2
    assert sleeps == [1.5, 3.0]  # exponential: backoff x 2**attempt


def test_500_on_every_attempt_fails_naming_the_url(http, httpserver):
    httpserver.expect_request(DATA).respond_with_data("Server Error", status=500)
    with pytest.raises(FetchError) as err:
        NomisClient(http, httpserver.url_for("/api/v01")).fetch_csv(
            "NM_17_5", aps_params(), APS_SELECT
        )
    assert not isinstance(err.value, NetworkUnavailable)
    assert "HTTP 500 after 4 attempt(s)" in str(err.value)
    assert "NM_17_5.data.csv" in str(err.value)


def test_a_timeout_is_retried(httpserver):
    http = HttpClient(min_interval=0, backoff=0, retries=2, timeout=(2, 0.3), sleep=lambda s: None)
    calls = []

    def slow_then_fast(request):
        calls.append(time.monotonic())
        if len(calls) == 1:
            time.sleep(0.6)
        return Response(recorded_page(0, 5, 5), content_type="text/csv")

    httpserver.expect_request(DATA).respond_with_handler(slow_then_fast)
    result = NomisClient(http, httpserver.url_for("/api/v01")).fetch_csv(
        "NM_17_5", aps_params(), APS_SELECT
    )
    assert result.record_count == 5
    assert len(calls) >= 2  # the first answer came too late and was given up on


def test_a_server_that_never_answers_in_time_is_an_error_not_a_missing_network(httpserver):
    http = HttpClient(min_interval=0, backoff=0, retries=1, timeout=(2, 0.2), sleep=lambda s: None)

    def too_slow(request):
        time.sleep(0.4)
        return Response(recorded_page(0, 5, 5), content_type="text/csv")

    httpserver.expect_request(DATA).respond_with_handler(too_slow)
    with pytest.raises(FetchError) as err:
        NomisClient(http, httpserver.url_for("/api/v01")).fetch_csv(
            "NM_17_5", aps_params(), APS_SELECT
        )
    assert not isinstance(err.value, NetworkUnavailable)
    assert "timeout" in str(err.value)


def test_a_body_cut_mid_row_fails_and_is_fetched_again_next_time(http, httpserver):
    full = recorded_page(0, 6, 6)
    cut = full[: full.rindex("Normal Value") + 3]  # stops inside the last row
    # The server cuts every answer until told otherwise, so a retry (a slow machine can make
    # the client retry) still sees the cut body.
    serving = {"body": cut}
    httpserver.expect_request(DATA).respond_with_handler(
        lambda request: Response(serving["body"], content_type="text/csv")
    )
    client = NomisClient(http, httpserver.url_for("/api/v01"))
    with pytest.raises(FetchError) as err:
        client.fetch_csv("NM_17_5", aps_params(), APS_SELECT)
    assert "cut short" in str(err.value)
    serving["body"] = full
    assert client.fetch_csv("NM_17_5", aps_params(), APS_SELECT).record_count == 6


def test_a_page_cut_at_a_row_boundary_is_completed_from_where_it_stopped(http, replay, httpserver):
    def drop_last_two_rows_of_first_page(request):
        response = replay(request)
        if request.args.get("RecordOffset") == "0":
            lines = response.get_data(as_text=True).splitlines(keepends=True)
            response.set_data("".join(lines[:-2]))
        return response

    httpserver.clear_all_handlers()
    httpserver.expect_request(DATA).respond_with_handler(drop_last_two_rows_of_first_page)
    result = NomisClient(http, replay.base).fetch_csv("NM_17_5", aps_params(), APS_SELECT)
    assert result.record_count == 48
    assert result.pages == 2
    assert len(result.text.splitlines()) == 49
    assert "RecordOffset=46" in result.urls[1]


def _claimant_lsoa_rows(total: int) -> tuple[list[str], list[list[str]]]:
    header = [
        "DATE",
        "DATE_NAME",
        "GEOGRAPHY_CODE",
        "GEOGRAPHY_NAME",
        "GEOGRAPHY_TYPE",
        "AGE",
        "AGE_NAME",
        "GENDER",
        "GENDER_NAME",
        "MEASURE",
        "MEASURE_NAME",
        "MEASURES",
        "MEASURES_NAME",
        "OBS_VALUE",
        "OBS_STATUS",
        "OBS_STATUS_NAME",
        "RECORD_OFFSET",
        "RECORD_COUNT",
    ]
    rows = []
    for i in range(total):
        rows.append(
            [
                "2025-05",
                "May 2025",
                f"E0{1000001 + i}",
                f"Area {i // 4:03d}{'ABCD'[i % 4]}",
                "2021 super output areas - lower layer",
                "0",
                "All categories: Age 16+",
                "0",
                "Total",
                "1",
                "Claimant count",
                "20100",
                "Value",
                str(5 * (i % 13)),
                "A",
                "Normal Value",
                str(i),
                str(total),
            ]
        )
    return header, rows


def _serve_pages(header, rows, *, second_page):
    def handler(request):
        offset = int(request.args["RecordOffset"])
        limit = int(request.args["RecordLimit"])
        # The first page holds the guest cap of 25,000 rows, whatever was asked.
        chunk = rows[: min(limit, 25_000)] if offset == 0 else second_page(offset, limit)
        return Response(page(header, chunk), content_type="text/csv")

    return handler


def test_a_full_25000_row_page_with_more_pending_is_followed_by_the_rest(http, httpserver):
    header, rows = _claimant_lsoa_rows(25_003)
    httpserver.expect_request("/api/v01/dataset/NM_162_1.data.csv").respond_with_handler(
        _serve_pages(header, rows, second_page=lambda off, lim: rows[off : off + lim])
    )
    result = NomisClient(http, httpserver.url_for("/api/v01")).fetch_csv(
        "NM_162_1", {"geography": "E06000055TYPE151"}, header[:-2]
    )
    assert (result.record_count, result.pages) == (25_003, 2)
    recognised = Recognised(nomis_api_csv.NAME, "claimant_count", "Nomis API NM_162_1")
    recs = nomis_api_csv.parse(
        result.url, recognised, area=load_area(), data=result.content, origin=result.url
    )
    assert len(recs) == 25_003
    assert recs["area_code"].iloc[-1] == "E01025003"


def test_a_25000_row_page_whose_remainder_never_comes_fails(http, httpserver):
    header, rows = _claimant_lsoa_rows(25_003)
    httpserver.expect_request("/api/v01/dataset/NM_162_1.data.csv").respond_with_handler(
        _serve_pages(header, rows, second_page=lambda off, lim: [])
    )
    with pytest.raises(FetchError) as err:
        NomisClient(http, httpserver.url_for("/api/v01")).fetch_csv(
            "NM_162_1", {"geography": "E06000055TYPE151"}, header[:-2]
        )
    assert "no rows at offset 25,000, but RECORD_COUNT says 25,003" in str(err.value)


def test_a_server_that_ignores_the_offset_is_caught(http, httpserver):
    header, rows = _claimant_lsoa_rows(25_003)
    httpserver.expect_request("/api/v01/dataset/NM_162_1.data.csv").respond_with_handler(
        _serve_pages(header, rows, second_page=lambda off, lim: rows[:lim])
    )
    with pytest.raises(FetchError) as err:
        NomisClient(http, httpserver.url_for("/api/v01")).fetch_csv(
            "NM_162_1", {"geography": "E06000055TYPE151"}, header[:-2]
        )
    assert "asked for rows from offset 25,000, got rows from 0" in str(err.value)


def test_a_dataset_that_does_not_exist_is_named(http, replay):
    client = NomisClient(http, replay.base)
    with pytest.raises(FetchError) as err:
        client.fetch_csv("NM_9999_1", {"geography": PLACES}, APS_SELECT)
    assert "Nomis has no dataset NM_9999_1" in str(err.value)
    with pytest.raises(FetchError) as err:
        client.codes("NM_9999_1", "variable")
    assert "Nomis has no dataset NM_9999_1" in str(err.value)


def test_codes_are_read_from_the_sdmx_codelist(http, replay):
    codes = NomisClient(http, replay.base).codes("NM_17_5", "variable")
    assert codes["45"] == "Employment rate - aged 16-64"
    assert codes["1496"] == "% of economically inactive long-term sick"


def test_a_code_whose_label_changed_fails_naming_everything(http, httpserver, tmp_path):
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    for f in FIXTURES.iterdir():
        (fixtures / f.name).write_bytes(f.read_bytes())
    path = fixtures / "NM_17_5_variable.def.sdmx.json"
    payload = json.loads(path.read_text())
    for code in payload["structure"]["codelists"]["codelist"][0]["code"]:
        if code["value"] == 45:
            code["value"] = 46
        elif code["value"] == 18:
            code["value"] = 45
    path.write_text(json.dumps(payload))
    base = NomisReplay(fixtures).install(httpserver)
    with pytest.raises(CodeMismatch) as err:
        NomisClient(http, base).check_codes(
            "NM_17_5", "variable", {"45": "Employment rate - aged 16-64"}, dataset_key="aps"
        )
    message = str(err.value)
    assert "catalogue dataset 'aps' (NM_17_5), concept 'variable'" in message
    assert "code 45: expected 'Employment rate - aged 16-64'" in message
    assert "found 'Economic activity rate - aged 16-64'" in message
    assert "is now code 46" in message


def test_a_rerun_is_served_from_the_disk_cache_with_the_server_gone(http):
    with own_server() as server:
        base = NomisReplay().install(server)
        first = NomisClient(http, base, page_size=20).fetch_csv("NM_17_5", aps_params(), APS_SELECT)
    assert not server.is_running()
    offline = HttpClient(min_interval=0, backoff=0, retries=0)
    again = NomisClient(offline, base, page_size=20).fetch_csv("NM_17_5", aps_params(), APS_SELECT)
    assert again.text == first.text
    assert offline.stats == {"network": 0, "fetched": 0, "cache": 3}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_network_and_nothing_cached_is_network_unavailable(http):
    client = NomisClient(http, f"http://127.0.0.1:{_closed_port()}/api/v01")
    with pytest.raises(NetworkUnavailable) as err:
        client.fetch_csv("NM_17_5", aps_params(), APS_SELECT)
    assert "could not connect" in str(err.value)
