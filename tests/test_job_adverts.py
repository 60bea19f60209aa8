"""ONS online job adverts: the real Adzuna LA tables (names only) and the Textkernel workbook
layout (a fixture written here), the per-1,000 rate, and the live client's landing page."""

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


def textkernel_workbook(path: Path, *, with_codes: bool = True) -> Path:
    """A small workbook in the documented layout: tables by area (snapshot, new adverts) and by
    area and SOC 2020 sub-major group, months across, GSS codes and names."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Cover"
    cover["A1"] = "Labour demand volumes by Standard Occupation Classification (SOC 2020), UK"
    cover["A2"] = "Source: Textkernel online job adverts"
    code = "Local authority code" if with_codes else "Local authority"
    t1 = wb.create_sheet("Table 1")
    t1.append(["Table 1: Snapshot online job adverts by local authority, UK"])
    t1.append(["This worksheet contains one table."])
    t1.append([code, "Local authority name", "January 2024", "February 2024"])
    t1.append(["E06000032", "Luton", 6120, 5980])
    t1.append(["E06000062", "West Northamptonshire", 11450, "[c]"])
    t1.append(["E92000001", "England", 1450000, 1430000])
    t1.append(["Notes: figures are rounded."])
    t9 = wb.create_sheet("Table 9")
    t9.append(["Table 9: Snapshot online job adverts by local authority and SOC 2020 group"])
    t9.append([code, "Local authority name", "SOC 2020 sub-major group", "January 2024"])
    t9.append(["E06000032", "Luton", "Total", 6120])
    t9.append(["E06000032", "Luton", "22 Health professionals", 540])
    t9.append(["E06000032", "Luton", "61 Caring personal service occupations", 610])
    t9.append(["E06000032", "Luton", "32 Health and social care associate professionals", 180])
    t19 = wb.create_sheet("Table 19")
    t19.append(["Table 19: New online job adverts by local authority, UK"])
    t19.append([code, "Local authority name", "January 2024"])
    t19.append(["E06000032", "Luton", 2100])
    wb.save(path)
    return path


def parse(path: Path) -> pd.DataFrame:
    verdict = job_adverts.sniff(extract.probe(path))
    assert verdict is not None
    return job_adverts.parse(path, verdict, area=load_area())


def test_textkernel_tables_by_area_and_occupation(tmp_path):
    df = parse(textkernel_workbook(tmp_path / "labourdemandbyoccupation.xlsx"))
    assert set(df["dataset"]) == {"ons_job_adverts_textkernel"}
    idx = df.set_index(["area_code", "period_label", "category", "breakdown"])
    assert idx.loc[("E06000032", "January 2024", "Snapshot job adverts", "total"), "value"] == 6120
    assert idx.loc[("E06000032", "January 2024", "New job adverts", "total"), "value"] == 2100
    by_occ = "Snapshot job adverts by occupation"
    assert idx.loc[("E06000032", "January 2024", by_occ, "soc:61"), "value"] == 610
    assert idx.loc[("E06000032", "January 2024", by_occ, "soc:22"), "value"] == 540
    suppressed = idx.loc[("E06000062", "February 2024", "Snapshot job adverts", "total")]
    assert pd.isna(suppressed["value"]) and suppressed["status"] == "suppressed"
    assert not df["area_code"].str.startswith("Notes").any()


def test_a_workbook_without_area_codes_fails_naming_the_sheets(tmp_path):
    path = textkernel_workbook(tmp_path / "labourdemand.xlsx", with_codes=False)
    verdict = job_adverts.sniff(extract.probe(path))
    with pytest.raises(ExtractError) as err:
        job_adverts.parse(path, verdict, area=load_area())
    assert "area-code column" in str(err.value)
    assert "'Table 1'" in str(err.value) and "'Table 9'" in str(err.value)


def test_build_makes_totals_occupations_and_the_partnership_sum(tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    textkernel_workbook(folder / "labourdemandbyoccupation.xlsx")
    db = tmp_path / "w.duckdb"
    result = build.run("files", db, from_dir=folder)
    con = duckdb.connect(str(db), read_only=True)
    occ = dict(
        con.execute(
            "SELECT breakdown, value FROM observations WHERE indicator_id = "
            "'job_adverts_by_occupation' AND area_code = 'E06000032'"
        ).fetchall()
    )
    assert occ == {"total": 6120, "soc:22": 540, "soc:32": 180, "soc:61": 610}
    assert result.rows_per_indicator["job_adverts_total"] >= 5
    assert any("job_adverts_per_1000_16_64: not made" in n for n in result.notes)


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
    current = f"{landing}/january2017tojuly2025/labourdemandbyoccupation.xlsx"
    old = f"{landing}/previous/v12/labourdemandbyoccupation.xlsx"
    httpserver.expect_request(landing).respond_with_data(
        f"""<html><body><h2>Current edition</h2>
        <a href="/file?uri={current}">labourdemandbyoccupation.xlsx (2.1 MB)</a>
        <h2>Previous versions</h2><a href="/file?uri={old}">previous</a></body></html>""",
        content_type="text/html",
    )
    body = textkernel_workbook(tmp_path / "w.xlsx").read_bytes()
    httpserver.expect_request("/file", query_string={"uri": current}).respond_with_data(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    http = HttpClient(tmp_path / "cache", min_interval=0, retries=0)
    extracts = job_adverts.fetch_live(http, load_area(), catalogue())
    assert len(extracts) == 1
    ex = extracts[0]
    assert ex.dataset == "ons_job_adverts_textkernel"
    assert "january2017tojuly2025" in ex.origin
    luton = ex.records[
        (ex.records["area_code"] == "E06000032")
        & (ex.records["category"] == "Snapshot job adverts")
    ]
    assert sorted(luton["value"]) == [5980, 6120]
