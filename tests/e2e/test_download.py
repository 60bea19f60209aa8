"""Downloads through the browser: the Data & download page's CSV (the rows of the preview and of
the warehouse for the filter in the address, with no cell a spreadsheet would run as a formula),
and the place profile's PDF and chart PNG for board papers."""

from __future__ import annotations

import csv
import io
import math
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.appserver import wait_until_idle
from tests.e2e.conftest import Scenario

pytestmark = pytest.mark.e2e

NUMERIC = ("value", "ci_lower", "ci_upper", "numerator", "denominator")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def place_rows(scenario: Scenario, indicator: str, level: str, lad: str) -> dict[str, float]:
    """The place's figures at ``level`` in its latest period, straight from the warehouse."""
    rows = scenario.sql(
        """
        WITH p AS (
            SELECT o.area_code, o.value, o.period_end FROM observations o
            JOIN areas a USING (area_code)
            WHERE o.indicator_id = $i AND a.area_level = $l AND a.in_partnership
              AND coalesce(a.lad_code, a.area_code) = $lad)
        SELECT area_code, value FROM p WHERE period_end = (SELECT max(period_end) FROM p)
        """,
        {"i": indicator, "l": level, "lad": lad},
    )
    return dict(rows)


def test_the_csv_download_holds_the_previewed_rows_with_formulas_neutralised(
    page: Page, scenario: Scenario
) -> None:
    indicator, level, lad = scenario.download_indicator, scenario.download_level, scenario.place
    page.goto(f"/data?indicators={indicator}&level={level}&places={lad}&comparators=1")
    wait_until_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.locator(".st-key-data_preview_box [data-testid='stDataFrame']")).to_be_visible()
    grid = page.locator(".st-key-data_preview_box [role='grid']")  # the table's screen-reader copy
    expect(grid).to_be_attached()
    previewed = int(grid.get_attribute("aria-rowcount") or 0) - 1  # less the header row
    shown_codes = grid.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => r.querySelector('[aria-colindex=\"3\"]')?.innerText)"
    )

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV", exact=True).click()
    file = download.value
    assert file.failure() is None
    name = file.suggested_filename
    assert name.endswith(".csv") and indicator in name and f"_{level}_" in name, name
    raw = file.path().read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))

    # Exactly the preview: as many rows, in the same order.
    assert len(rows) == previewed > 0
    assert shown_codes and [r["area_code"] for r in rows[: len(shown_codes)]] == shown_codes
    for column in ("indicator_id", "area_code", "area_name", "area_level", "period", "value",
                   "unit", "ci_lower", "ci_upper", "status", "source_title", "licence"):
        assert column in rows[0], f"the download has no {column} column"

    # The place's rows are the warehouse's, figure for figure, as published: a share worked out
    # from counts (more than six decimal places) rounded to the indicator's decimals.
    expected = place_rows(scenario, indicator, level, lad)
    decimals = scenario.sql("SELECT decimals FROM indicators WHERE indicator_id = $i",
                            {"i": indicator})[0][0]
    got = {r["area_code"]: r["value"] for r in rows if r["area_level"] == level}
    assert set(got) == set(expected)
    for code, value in expected.items():
        if value is None:
            assert got[code] == ""
            continue
        computed = abs(value - round(value, 6)) > 1e-9
        want = round(value, decimals) if computed else value
        assert math.isclose(float(got[code]), want, rel_tol=1e-9), code
    for r in rows:  # counts are whole
        for column in ("numerator", "denominator"):
            assert r[column] == "" or float(r[column]).is_integer(), (column, r[column])
    others = {r["area_level"] for r in rows if r["area_level"] != level}
    assert others <= {"partnership", "region", "country"}, others
    assert {r["indicator_id"] for r in rows} == {indicator}

    # Names that look like formulas are kept, but as text a spreadsheet will not run.
    hostile = {r["area_code"]: r["area_name"] for r in rows if r["area_code"] in scenario.hostile}
    assert hostile, "no comparator region in the download to check"
    for code, shown in hostile.items():
        assert shown == "'" + scenario.hostile[code]
    for r in rows:
        for column, cell in r.items():
            if column not in NUMERIC:
                assert not cell.startswith(FORMULA_STARTS), f"{column}={cell!r} would run"


def test_the_profile_downloads_for_board_papers_are_a4_pages_and_a_large_png(
    page: Page, scenario: Scenario
) -> None:
    page.goto(f"/profile?area={scenario.place}")
    wait_until_idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download profile (PDF)").click()
    pdf_file = download.value
    assert pdf_file.failure() is None
    assert pdf_file.suggested_filename == "gsmw_profile_luton.pdf"
    pdf = pdf_file.path().read_bytes()
    assert pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    sizes = re.findall(rb"/Type /Page\b[^>]*?/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf)
    assert 1 <= len(sizes) <= 2
    for width, height in sizes:  # A4: 210 x 297 mm
        assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (210, 297)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download main chart (PNG)").click()
    png_file = download.value
    assert png_file.suggested_filename == "gsmw_profile_luton_chart.png"
    image = Image.open(io.BytesIO(png_file.path().read_bytes()))
    assert image.format == "PNG" and image.size == (1600, 1000)
