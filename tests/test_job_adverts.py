"""ONS online job adverts: the real Adzuna LA tables (names only), the Textkernel workbook in its
real layout (a synthetic fixture holding four published cells), the per-1,000 rate, and the live
client's landing page."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from core.area import load_area
from core.errors import ExtractError
from core.http import HttpClient
from etl import build, derive, extract
from etl.catalogue import catalogue
from etl.sources import job_adverts
from tests.conftest import FIXTURES

FIXTURE = FIXTURES / "textkernel" / "SYNTHETIC_labourdemandbyoccupation_real_layout.xlsx"
NEW = "New job adverts by occupation"
LATEST = "Apr-Jun 2026"
PLACES = ["E06000055", "E06000056", "E06000032", "E06000042", "E06000061", "E06000062"]


def parse(path: Path) -> pd.DataFrame:
    verdict = job_adverts.sniff(extract.probe(path))
    assert verdict is not None
    return job_adverts.parse(path, verdict, area=load_area())


def fixture_cells() -> dict[tuple[str, str], list[object]]:
    """(code, SOC) -> Table 5 cells of the synthetic workbook, read with openpyxl directly."""
    ws = openpyxl.load_workbook(FIXTURE, read_only=True)["Table 5"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[4][:6] == ("Region", "ITL2", "Local Authority District", "SOC 4 digit code",
                           "SOC 4 digit label", "Local Authority Code")
    return {(r[5] or r[2], r[3]): list(r[6:]) for r in rows[5:]}


def test_the_four_published_cells_are_read_to_their_values():
    df = parse(FIXTURE)
    assert set(df["dataset"]) == {"ons_job_adverts_textkernel"}
    cell = df[(df["breakdown"] == "soc:2134") & (df["period_label"] == LATEST)]
    got = dict(zip(cell["area_code"], cell["value"], strict=True))
    # Table 5, SOC 2134 "Programmers and software development professionals", 2026Q2.
    assert {k: got[k] for k in ("E07000008", "N09000003", "S12000036", "E06000038")} == {
        "E07000008": 705, "N09000003": 489, "S12000036": 455, "E06000038": 338}
    quarter = cell.iloc[0]
    assert (quarter["period_start"], quarter["period_end"]) == (date(2026, 4, 1), date(2026, 6, 30))
    assert set(df["category"]) == {NEW}


def test_totals_add_unit_groups_and_a_suppressed_part_makes_them_incomplete():
    df = parse(FIXTURE)
    bedford = df[(df["area_code"] == "E06000055") & (df["period_label"] == LATEST)]
    by = bedford.set_index("breakdown")
    cells = {soc: c[-1] for (code, soc), c in fixture_cells().items() if code == "E06000055"}
    # [x] is suppressed, never 0.
    assert cells["6131"] == "[x]"
    assert pd.isna(by.loc["soc:6131", "value"]) and by.loc["soc:6131", "status"] == "suppressed"
    numbers = {soc: v for soc, v in cells.items() if isinstance(v, int)}
    assert by.loc["total", "value"] == sum(numbers.values())  # Unknown included
    assert by.loc["total", "status"] == "estimated"
    assert by.loc["soc:unknown", "value"] == cells["Unknown"]
    # Major group 6 and sub-major 61: nursing auxiliaries (suppressed) and care workers.
    assert by.loc["soc:6", "value"] == cells["6135"] and by.loc["soc:6", "status"] == "estimated"
    assert by.loc["soc:61", "value"] == cells["6135"]
    # Health and care: 22 (2211) and 613 (6131, 6135).
    health = [cells[s] for s in ("2211", "6135") if isinstance(cells[s], int)]
    assert by.loc["soc:health_care", "value"] == sum(health)
    assert by.loc["soc:2", "value"] == sum(
        v for s, v in numbers.items() if s.startswith("2")
    )


def test_london_appears_as_its_region():
    df = parse(FIXTURE)
    london = df[df["area_code"].str.startswith("name:region:")]
    assert set(london["area_code"]) == {"name:region:London"}


def test_a_workbook_without_a_district_table_fails_naming_the_sheets(tmp_path):
    wb = openpyxl.load_workbook(FIXTURE)
    del wb["Table 5"]
    path = tmp_path / "labourdemand.xlsx"
    wb.save(path)
    verdict = job_adverts.sniff(extract.probe(path))
    assert verdict is not None and verdict.dataset == "ons_job_adverts_textkernel"
    with pytest.raises(ExtractError) as err:
        job_adverts.parse(path, verdict, area=load_area())
    assert "'Local Authority Code'" in str(err.value) and "'Table 3'" in str(err.value)


def test_the_warehouse_keeps_english_places_and_care_workers_for_each_place(tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    shutil.copy(FIXTURE, folder / FIXTURE.name)
    db = tmp_path / "w.duckdb"
    result = build.run("files", db, from_dir=folder)
    con = duckdb.connect(str(db), read_only=True)

    def latest(breakdown: str) -> dict[str, tuple]:
        rows = con.execute(
            "SELECT area_code, value, status FROM observations WHERE indicator_id = "
            "'job_adverts_new_by_occupation' AND breakdown = ? AND period_label = ?",
            [breakdown, LATEST],
        ).fetchall()
        return {r[0]: r[1:] for r in rows}

    programmers = latest("soc:2134")
    # The two English cells are kept; Belfast and Edinburgh are outside England.
    assert programmers["E07000008"] == (705, None) and programmers["E06000038"] == (338, None)
    assert "N09000003" not in programmers and "S12000036" not in programmers
    # London, published only as a region, is placed as the region.
    assert "E12000007" in programmers
    care = latest("soc:6135")
    cells = fixture_cells()
    for code in PLACES:
        assert care[code] == (cells[(code, "6135")][-1], None)
    # The partnership adds its places.
    assert care["GBW-SMID"][0] == sum(cells[(c, "6135")][-1] for c in PLACES)
    assert result.rows_per_indicator["job_adverts_new_by_occupation"] > 0
    assert result.rows_per_indicator["job_adverts_total"] == 0  # no snapshot table any more


def test_the_bundled_sample_is_in_the_real_layout():
    sample = Path(job_adverts.__file__).parents[1] / "sample"
    df = parse(sample / "SAMPLE_labour_demand_volumes_by_soc_2024.xlsx")
    assert set(df["category"]) == {NEW}
    assert set(df["area_code"]) == set(PLACES)
    assert {"soc:6135", "soc:health_care", "total", "soc:6", "soc:61"} <= set(df["breakdown"])


def test_adverts_per_1000_residents():
    def row(indicator, area, start, end, value, status=None):
        return {
            "indicator_id": indicator,
            "area_code": area,
            "area_name": None,
            "geo_vintage": None,
            "period_start": start,
            "period_end": end,
            "period_label": "x",
            "breakdown": "total",
            "value": value,
            "numerator": float("nan"),
            "denominator": float("nan"),
            "ci_lower": float("nan"),
            "ci_upper": float("nan"),
            "status": status,
            "source_id": "s",
        }

    obs = pd.DataFrame(
        [
            row("population_16_64", "E06000032", date(2024, 1, 1), date(2024, 12, 31), 150_000),
            row("job_adverts_total", "E06000032", date(2024, 1, 1), date(2024, 1, 31), 6120),
            row("job_adverts_total", "E06000062", date(2024, 1, 1), date(2024, 1, 31), 11450),
        ]
    )
    notes: list[str] = []
    ctx = derive.Context(load_area(), catalogue(), pd.DataFrame(), notes)
    out = derive.job_adverts_per_1000(obs, ctx)
    assert list(out["area_code"]) == ["E06000032"]
    assert out["value"].iloc[0] == pytest.approx(1000 * 6120 / 150_000)  # 40.8
    assert any("E06000062" in n for n in notes)  # no population for West Northamptonshire


@pytest.mark.shared_data
def test_adzuna_tables_by_name_reach_the_configured_places(shared_data, tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    src = shared_data / "vacancies" / "online_job_adverts"
    shutil.copy(src / "ons_online_job_adverts_reference_tables_2022.xlsx", folder / "t.xlsx")
    db = tmp_path / "w.duckdb"
    build.run("files", db, from_dir=folder)
    con = duckdb.connect(str(db), read_only=True)
    got = dict(
        con.execute(
            "SELECT period_label, value FROM observations WHERE indicator_id = "
            "'job_adverts_adzuna_units' AND area_code = 'E06000062'"
        ).fetchall()
    )
    # Sheet '1', West Northamptonshire, hand-read: 79.5, 63.2, 57.9, 60.8, 45.4, 73.1.
    assert got == {
        "January 2017": 79.5,
        "January 2018": 63.2,
        "January 2019": 57.9,
        "January 2020": 60.8,
        "January 2021": 45.4,
        "January 2022": 73.1,
    }
    luton = con.execute(
        "SELECT value FROM observations WHERE indicator_id = 'job_adverts_adzuna_units' "
        "AND area_code = 'E06000032' AND period_label = 'January 2022'"
    ).fetchone()[0]
    assert luton == 21.7
    # Regional totals (sheet '2') by region name: East Midlands January 2022 649.9.
    east_mids = con.execute(
        "SELECT value FROM observations WHERE indicator_id = 'job_adverts_adzuna_units' "
        "AND area_code = 'E12000004' AND period_label = 'January 2022'"
    ).fetchone()[0]
    assert east_mids == 649.9
    # The Adzuna units never enter the Textkernel count indicator.
    assert (
        con.execute(
            "SELECT count(*) FROM observations WHERE indicator_id = 'job_adverts_total'"
        ).fetchone()[0]
        == 0
    )


def test_live_client_follows_the_landing_page_to_the_current_workbook(
    httpserver, monkeypatch, tmp_path
):
    landing = "/employmentandlabourmarket/datasets/labourdemandvolumes"
    monkeypatch.setattr(job_adverts, "LANDING_URL", httpserver.url_for(landing))
    current = f"{landing}/january2017tojuly2026/labourdemandbyoccupation.xlsx"
    old = f"{landing}/previous/v12/labourdemandbyoccupation.xlsx"
    httpserver.expect_request(landing).respond_with_data(
        f"""<html><body><h2>Current edition</h2>
        <a href="/file?uri={current}">labourdemandbyoccupation.xlsx (45.1 MB)</a>
        <h2>Previous versions</h2><a href="/file?uri={old}">previous</a></body></html>""",
        content_type="text/html",
    )
    httpserver.expect_request("/file", query_string={"uri": current}).respond_with_data(
        FIXTURE.read_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    http = HttpClient(tmp_path / "cache", min_interval=0, retries=0)
    extracts = job_adverts.fetch_live(http, load_area(), catalogue())
    assert len(extracts) == 1
    ex = extracts[0]
    assert ex.dataset == "ons_job_adverts_textkernel"
    assert "january2017tojuly2026" in ex.origin
    reading = ex.records[
        (ex.records["area_code"] == "E06000038")
        & (ex.records["breakdown"] == "soc:2134")
        & (ex.records["period_label"] == LATEST)
    ]
    assert list(reading["value"]) == [338]
