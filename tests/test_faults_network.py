"""Network faults during a live refresh, against a local server replaying Nomis.

A good live warehouse is built first; then the refresh meets one fault. A fault that retrying
cures (429 with Retry-After, one 500) gives a new warehouse with the same figures; every other
fault stops the build with a message naming the query, the warehouse in use keeps its bytes,
and the dashboard goes on serving the figures it served before. (The Nomis client's own
handling of these answers is tested in test_nomis_client.py and test_http.py.)
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import EtlError, FetchError
from core.http import HttpClient
from core.settings import warehouse_path as default_db_path
from etl import build, live
from etl.__main__ import main
from tests.fixtures.faults.support import (
    FaultyNomis,
    assert_still_served,
    served,
    warehouse_bytes,
)
from tests.nomis_replay import own_server

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def nomis(monkeypatch):
    with own_server() as server:
        faulty = FaultyNomis()
        monkeypatch.setenv("NOMIS_API_BASE", faulty.install(server))
        yield faulty
        faulty.resetter.stop()


def client(tmp_path, name: str, sleeps: list[float] | None = None, read_timeout: float = 10.0
           ) -> HttpClient:
    """A client with its own cache (so a refresh really asks the server) that never waits."""
    return HttpClient(tmp_path / name, min_interval=0, backoff=0.5, retries=1,
                      timeout=(5, read_timeout),
                      sleep=(sleeps.append if sleeps is not None else lambda s: None))


def refresh(http: HttpClient) -> build.BuildResult:
    fetch = functools.partial(live.fetch_all, http=http, datasets=["aps"], live_sources=[])
    return build.run("live", default_db_path(), live_fetch=fetch)


@pytest.fixture()
def good(nomis, tmp_path):
    """A live warehouse in use, its bytes, and what the app serves from it."""
    refresh(client(tmp_path, "first"))
    return warehouse_bytes(), served()


FAILURES = {
    "timeout": (FetchError, ["NM_17_5.data.csv", "no answer within the read timeout",
                             "after 2 attempt(s)"]),
    "reset": (EtlError, ["network was lost part-way", "NM_17_5.data.csv", "could not connect"]),
    "429-long": (FetchError, ["NM_17_5.data.csv", "HTTP 429; the server asks to wait 3600 s"]),
    "500-always": (FetchError, ["NM_17_5.data.csv", "HTTP 500 after 2 attempt(s)"]),
    "cut": (FetchError, ["NM_17_5.data.csv", "cut short"]),
    "page-25000": (FetchError, ["no rows at offset 25,000, but RECORD_COUNT says 25,003",
                                "the result is incomplete"]),
    "html": (FetchError, ["NM_17_5.data.csv", "HTML/XML page, not csv", "<!DOCTYPE html>"]),
}


@pytest.mark.parametrize("mode", list(FAILURES))
def test_a_failed_refresh_names_the_fault_and_keeps_the_warehouse_and_the_app(
    mode, nomis, good, tmp_path
):
    before, shown = good
    nomis.mode = mode
    error, expected = FAILURES[mode]
    with pytest.raises(error) as err:
        # The timeout case answers after 1.5 s; the client waits 0.4 s for it.
        refresh(client(tmp_path, "refresh", read_timeout=0.4 if mode == "timeout" else 10.0))
    assert nomis.faults >= 1
    for text in expected:
        assert text in str(err.value), f"{text!r} not in {err.value}"
    assert warehouse_bytes() == before
    assert_still_served(shown)
    assert not list(default_db_path().parent.glob(".warehouse.duckdb.building-*"))


def test_a_broken_answer_is_not_cached_so_the_next_refresh_succeeds(nomis, good, tmp_path):
    _, shown = good
    nomis.mode = "cut"
    http = client(tmp_path, "refresh")
    with pytest.raises(FetchError):
        refresh(http)
    nomis.mode = None
    refresh(http)  # same client, same cache: the cut page was not kept
    assert served().figures.equals(shown.figures)


@pytest.mark.parametrize(("mode", "waited"), [("429-once", [2.0]), ("500-once", [0.5])])
def test_a_fault_that_a_retry_cures_gives_the_same_figures(mode, waited, nomis, good, tmp_path):
    _, shown = good
    nomis.mode = mode
    sleeps: list[float] = []
    result = refresh(client(tmp_path, "refresh", sleeps))
    assert nomis.faults == 1
    assert sleeps == waited  # Retry-After obeyed; backoff x 2**0 after the 500
    assert result.rows_per_indicator["employment_rate_16_64"] > 0
    now = served()
    assert now.load_id != shown.load_id  # a new build is in use...
    assert now.figures.equals(shown.figures)  # ...with the same figures


def test_no_network_never_swaps_real_figures_for_the_sample(good, monkeypatch, tmp_path, capsys):
    before, shown = good
    monkeypatch.setenv("NOMIS_API_BASE", "http://nomis.invalid/api/v01")
    monkeypatch.setenv("ETL_CACHE_DIR", str(tmp_path / "empty-cache"))
    capsys.readouterr()
    code = main(["build", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Live sources unavailable" in err and "no network" in err
    assert "holds real figures, so it is kept rather than replaced by the bundled sample" in err
    assert "FALLING BACK" not in err
    assert warehouse_bytes() == before
    assert_still_served(shown)


def test_the_network_fault_tests_pass_with_settings_of_the_shell_they_run_in():
    """``ETL_OFFLINE=1`` (and a Nomis address, a long pause between requests) set in the shell
    that runs pytest never reach a test: each sets what it depends on (tests/conftest.py)."""
    env = {**os.environ, "ETL_OFFLINE": "1", "NOMIS_API_BASE": "http://127.0.0.1:9/api/v01",
           "ETL_HTTP_MIN_INTERVAL": "30", "ETL_CACHE_MAX_AGE_HOURS": "0"}
    here = Path(__file__).name
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         f"tests/{here}::test_a_broken_answer_is_not_cached_so_the_next_refresh_succeeds",
         f"tests/{here}::test_a_fault_that_a_retry_cures_gives_the_same_figures",
         f"tests/{here}::test_a_failed_refresh_names_the_fault_and_keeps_the_warehouse_and_the_app"
         "[html]"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "4 passed" in done.stdout
