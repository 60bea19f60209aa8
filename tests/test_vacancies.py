"""ONS Vacancy Survey workbooks (VACS02, X06): the real August 2025 editions, checked by hand."""

from __future__ import annotations

import shutil

import duckdb
import openpyxl
import pytest

from core.area import load_area
from core.errors import ExtractError
from core.http import HttpClient
from etl import build, extract
from etl.catalogue import catalogue
from etl.sources import vacancies

pytestmark = pytest.mark.shared_data


@pytest.fixture()
def folder(shared_data, tmp_path):
    out = tmp_path / "extracts"
    out.mkdir()
    for name in (
        "vacs01aug2025.xlsx",
        "vacs02aug2025.xlsx",
        "vacs03aug2025.xlsx",
        "x06aug2025.xlsx",
    ):
        shutil.copy(shared_data / "vacancies" / name, out / name)
    return out


def values(con, indicator: str) -> dict:
    rows = con.execute(
        "SELECT period_label, breakdown, value, status, area_code FROM observations "
        "WHERE indicator_id = ?",
        [indicator],
    ).fetchall()
    assert {r[4] for r in rows} == {"K02000001"}  # UK only, never a local area
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def test_real_workbooks_load_with_hand_checked_figures(folder, tmp_path):
    db = tmp_path / "w.duckdb"
    result = build.run("files", db, from_dir=folder)
    con = duckdb.connect(str(db), read_only=True)
    # VACS02 'levels' (thousands): row 'May-Jul 2025' (p), column Q (JP9W) 131, all (AP2Y) 718.
    levels = values(con, "uk_vacancies_by_industry")
    assert levels[("May-Jul 2025", "sic:Q")] == (131, "provisional")
    assert levels[("May-Jul 2025", "total")] == (718, "provisional")
    assert levels[("Apr-Jun 2001", "sic:Q")] == (79, None)
    assert levels[("Apr-Jun 2001", "total")] == (680, None)
    assert levels[("May-Jul 2025", "sic:G-S")][0] == 631
    assert levels[("May-Jul 2025", "sic:47")][0] == 49  # retail
    # A rolling period across the year end: 'Nov-Jan 2025' starts in November 2024.
    start = con.execute(
        "SELECT period_start FROM observations WHERE indicator_id = 'uk_vacancies_by_industry' "
        "AND period_label = 'Nov-Jan 2025' AND breakdown = 'total'"
    ).fetchone()[0]
    assert str(start) == "2024-11-01"
    # VACS02 'ratios': May-Jul 2025, Q 2.8 per 100 employee jobs, all industries 2.2.
    ratios = values(con, "uk_vacancies_per_100_jobs_by_industry")
    assert ratios[("May-Jul 2025", "sic:Q")][0] == 2.8
    assert ratios[("May-Jul 2025", "total")][0] == 2.2
    # X06 'Vacancies by industry': July 2025 Q (column AM) 129, all 745; April 2001 Q 81, all 669.
    single = values(con, "uk_vacancies_single_month_by_industry")
    assert single[("July 2025", "sic:Q")][0] == 129
    assert single[("July 2025", "total")][0] == 745
    assert single[("April 2001", "sic:Q")][0] == 81
    assert single[("April 2001", "total")][0] == 669
    assert ("July 2025", "sic:G") not in single  # X06 splits G into its divisions only
    # Sections B to S and the published combinations, nothing else.
    assert {b for _, b in levels} == {"total", "sic:G-S", "sic:45", "sic:46", "sic:47"} | {
        f"sic:{c}" for c in "BCDEFGHIJKLMNOPQRS"
    }
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in result.skipped}
    assert (
        "VACS01" in reasons["vacs01aug2025.xlsx"]
        and "no indicator" in reasons["vacs01aug2025.xlsx"]
    )
    assert "VACS03" in reasons["vacs03aug2025.xlsx"]
    areas = dict(con.execute("SELECT area_code, area_level FROM areas").fetchall())
    assert areas["K02000001"] == "country"


def test_moved_sheets_and_extra_header_rows_still_load(shared_data, tmp_path):
    path = tmp_path / "vacs02_edited.xlsx"
    wb = openpyxl.load_workbook(shared_data / "vacancies" / "vacs02aug2025.xlsx")
    wb.create_sheet("Notes", 0)  # a new first sheet
    wb.move_sheet("ratios", offset=-2)  # ratios before levels
    wb["levels"].insert_rows(1, amount=3)  # three extra title rows
    wb["levels"]["A1"] = "Published by ONS; see notes"
    wb.save(path)
    verdict = vacancies.sniff(extract.probe(path))
    assert verdict.dataset == "ons_vacs02"
    df = vacancies.parse(path, verdict, area=load_area())
    q = df[(df["category"] == "Vacancies (thousands)") & (df["breakdown"] == "sic:Q")]
    assert q[q["period_label"] == "May-Jul 2025"]["value"].tolist() == [131]


def test_a_table_without_its_section_codes_fails_naming_the_sheet(shared_data, tmp_path):
    path = tmp_path / "vacs02_broken.xlsx"
    wb = openpyxl.load_workbook(shared_data / "vacancies" / "vacs02aug2025.xlsx")
    wb["levels"].delete_rows(5)  # the row of section codes
    wb.save(path)
    verdict = vacancies.sniff(extract.probe(path))
    with pytest.raises(ExtractError) as err:
        vacancies.parse(path, verdict, area=load_area())
    assert "sheet 'levels'" in str(err.value) and "section codes" in str(err.value)


def test_the_live_client_follows_the_dataset_page_to_the_current_vacs02(
    shared_data, httpserver, monkeypatch, tmp_path
):
    page = "/employmentandlabourmarket/peoplenotinwork/unemployment/datasets/vacancies"
    monkeypatch.setattr(vacancies, "LANDING_URL", httpserver.url_for(page))
    current = f"{page}/current/vacs02aug2025.xlsx"
    httpserver.expect_request(page).respond_with_data(
        f"""<html><body><a href="/file?uri={current}">vacs02aug2025.xlsx (120 kB)</a>
        <h2>Previous versions</h2><a href="/file?uri={page}/previous/v123/vacs02jul2025.xlsx">
        July 2025</a></body></html>""",
        content_type="text/html",
    )
    httpserver.expect_request("/file", query_string={"uri": current}).respond_with_data(
        (shared_data / "vacancies" / "vacs02aug2025.xlsx").read_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    http = HttpClient(tmp_path / "cache", min_interval=0, retries=0)
    (ex,) = vacancies.fetch_live(http, load_area(), catalogue())
    assert ex.dataset == "ons_vacs02" and "vacs02aug2025" in ex.origin
    recs = ex.records
    assert {"sic:Q", "total"} <= set(recs["breakdown"]) and set(recs["area_code"]) == {"K02000001"}
