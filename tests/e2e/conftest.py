"""Browser tests: the dashboard under ``streamlit run``, driven by Playwright in Debian's chromium.

One session builds a warehouse and map geometry into a temporary folder with the project's own
commands (the ETL over copies of real public files when ``../shared/data`` is present, else the
bundled sample; ``GSMW_E2E_DATA=sample`` forces the sample), starts the app on a free port and
stops it at the end. Every test fails if the page raised a JavaScript error or logged a console
error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import expect

from tests.e2e.appserver import (
    CHROMIUM_ARGS,
    REPO,
    AppServer,
    build_geometry,
    chromium_path,
    copy_files,
    wait_until_idle,
)

E2E_DIR = Path(__file__).resolve().parent
TIMEOUT_MS = 60_000
# Web-first assertions wait as long as a loaded two-core machine needs for a rerun (Playwright's
# default is 5 s); each still fails when its condition never holds.
expect.set_options(timeout=20_000)

# Real public files the browser tests load (read from ../shared/data, copied into a temp folder).
REAL_FILES = [
    "ons_local_indicators/employment-rate.csv",
    "ons_local_indicators/employment-rate.json",
    "nomis/xlsx_downloads/aps_t01_economic_activity_2018_2022.xlsx",
    "nomis/census2021_bulk/ts066/census2021-ts066-ltla.csv",
    "nomis/census2021_bulk/ts066/census2021-ts066-rgn.csv",
    "nomis/census2021_bulk/ts066/census2021-ts066-ctry.csv",
    "nomis/census2021_bulk/ts065/census2021-ts065-lsoa.csv",
    "nomis/census2021_bulk/ts065/census2021-ts065-msoa.csv",
    "nomis/census2021_bulk/ts065/census2021-ts065-ltla.csv",
    "nomis/census2021_bulk/ts065/census2021-ts065-rgn.csv",
    "nomis/census2021_bulk/ts065/census2021-ts065-ctry.csv",
    "vacancies/vacs02aug2025.xlsx",  # the overview's UK vacancy bars, on a phone as well
]

# Region names made to look like spreadsheet formulas, as a hostile source file could make them:
# the CSV download must neutralise them. (Regions appear in downloads as comparators.)
HOSTILE_NAMES = {
    "E12000006": '=HYPERLINK("https://example.invalid","East of England")',
    "E12000008": "@SUM(1,1) South East",
    "E12000004": "+East Midlands",
}

# Console errors that are not the dashboard's doing. Anything else fails the test.
ALLOWED_CONSOLE = [
    # Streamlit's frontend probes <page>/_stcore/{health,host-config} on a deep link before it
    # finds the server's root; the 404s are part of its start-up.
    re.compile(r"/[\w-]+/_stcore/(health|host-config)$"),
]


@dataclass(frozen=True)
class Scenario:
    """What the tests look at, chosen to fit the warehouse built."""

    is_sample: bool
    warehouse: Path
    geo_dir: Path
    place: str = "E06000032"  # Luton: a partnership LAD in both builds
    other_indicator: str = "inactivity_rate_16_64"  # chosen on the map's indicator filter
    other_level: str = "lad"  # and then this level
    download_indicator: str = "employment_rate_16_64"
    download_level: str = "lad"
    hostile: dict[str, str] = field(default_factory=lambda: dict(HOSTILE_NAMES))

    def sql(self, query: str, params: dict | None = None) -> list[tuple]:
        """Run a query on the test warehouse (read-only)."""
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(query, params or {}).fetchall()
        finally:
            con.close()

    def title(self, indicator_id: str) -> str:
        """An indicator's title as the filter bar shows it."""
        return str(self.sql("SELECT title FROM indicators WHERE indicator_id = $i",
                            {"i": indicator_id})[0][0])

    def name(self, area_code: str) -> str:
        """An area's display name."""
        return str(self.sql("SELECT display_name FROM areas WHERE area_code = $a",
                            {"a": area_code})[0][0])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the browser tests, saying why, where there is no chromium."""
    if chromium_path() is not None:
        return
    skip = pytest.mark.skip(
        reason="chromium is not installed (Debian: apt-get install chromium; .ci/run does it)"
    )
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).parents:
            item.add_marker(skip)


def _build(tmp: Path, shared: Path | None) -> Scenario:
    from core.area import load_area
    from etl import build as etl_build

    area = load_area(REPO / "area.toml")
    warehouse = tmp / "warehouse.duckdb"
    geo_dir = tmp / "geo"
    if shared is not None:
        extracts = tmp / "extracts"
        extracts.mkdir()
        missing = copy_files(shared, REAL_FILES, extracts)
        if missing:
            shared = None  # an incomplete shared folder: fall back to the sample
    if shared is not None:
        etl_build.run("files", warehouse, from_dir=extracts, area=area)
        build_geometry(geo_dir, shared / "boundaries", tmp / "http-cache")
        scenario = Scenario(
            is_sample=False, warehouse=warehouse, geo_dir=geo_dir,
            other_indicator="census_never_worked_pct", other_level="lsoa",
            download_indicator="census_never_worked_pct", download_level="msoa",
        )
    else:
        etl_build.run("sample", warehouse, area=area)
        build_geometry(geo_dir, None, tmp / "http-cache")
        scenario = Scenario(is_sample=True, warehouse=warehouse, geo_dir=geo_dir)
    con = duckdb.connect(str(warehouse))
    try:
        for code, name in scenario.hostile.items():
            con.execute("UPDATE areas SET display_name = $n WHERE area_code = $c",
                        {"n": name, "c": code})
    finally:
        con.close()
    return scenario


def _force_sample() -> bool:
    return os.environ.get("GSMW_E2E_DATA", "").strip().lower() == "sample"


@pytest.fixture(scope="session")
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Scenario:
    """The warehouse and geometry the app serves, built once per session: from the real files
    when the ``shared_data`` fixture has them, else from the bundled sample."""
    shared = None
    if not _force_sample():
        try:
            shared = request.getfixturevalue("shared_data")
        except pytest.skip.Exception:
            shared = None
    return _build(tmp_path_factory.mktemp("e2e-data"), shared)


@pytest.fixture(scope="session")
def app_server(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[AppServer]:
    """The dashboard running on a free port for the whole session."""
    log = tmp_path_factory.mktemp("e2e-server") / "streamlit.log"
    server = AppServer(scenario.warehouse, scenario.geo_dir, log)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """Launch Debian's chromium (pytest-playwright would look for its own download)."""
    path = chromium_path()
    if path is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return {"executable_path": path, "args": list(CHROMIUM_ARGS), "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(app_server: AppServer, browser) -> dict:
    """Every page: the app's address as base URL, a desktop window, downloads allowed.

    The first visit after the server starts goes to the front page, as most readers' would; a
    deep link as the very first visit is tested on its own server (test_pages.py).
    """
    args = {"base_url": app_server.url, "viewport": {"width": 1400, "height": 1000},
            "accept_downloads": True}
    warm = browser.new_context(**args)
    try:
        page = warm.new_page()
        page.goto("/", timeout=TIMEOUT_MS)
        wait_until_idle(page)
    finally:
        warm.close()
    return args


class BrowserProblems:
    """JavaScript errors, console errors and requests to other hosts seen by one page."""

    def __init__(self, page, own_origin: str) -> None:
        self.errors: list[str] = []
        self.external: list[str] = []
        self.own_origin = own_origin
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.on("request", self._request)

    def _console(self, msg) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        if any(p.search(where) or p.search(msg.text) for p in ALLOWED_CONSOLE):
            return
        self.errors.append(f"console error: {msg.text} ({where})")

    def _request(self, request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", self.own_origin)):
            return
        self.external.append(url)


@pytest.fixture(autouse=True)
def problems(page, app_server: AppServer) -> Iterator[BrowserProblems]:
    """Every browser test: collect the page's errors, and fail the test if any appeared."""
    seen = BrowserProblems(page, app_server.url)
    page.set_default_timeout(TIMEOUT_MS)
    yield seen
    if seen.errors:
        pytest.fail(
            "the browser reported errors:\n" + "\n".join(seen.errors)
            + "\n--- server log ---\n" + app_server.log_tail(),
            pytrace=False,
        )

