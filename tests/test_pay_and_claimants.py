"""Pay and claimants from ONS spreadsheets: the real ASHE Table 8.1a and CC01 legacy ``.xls``
workbooks (and re-saved ``.xlsx`` copies), and synthetic workbooks in the layouts of ASHE Tables
7.6a/8.6a/8.1b and the living-wage table (tests/fixtures/ashe/README.md)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from core.area import load_area
from etl import build, extract
from etl.sources import ashe_tables, ons_cc01
from etl.workbook import read_workbook
from tests.conftest import FIXTURES

PLACES = ["E06000055", "E06000056", "E06000032", "E06000042", "E06000061", "E06000062"]
ASHE_8_1A = "PROV - Home Geography Table 8.1a   Weekly pay - Gross 2023.xls"
CC01 = "lmregtabcc01march2023.xls"
SYNTHETIC = FIXTURES / "ashe"
HOURLY = "Hourly pay - Excluding overtime 2024.xlsx"
TABLE_7_6A = f"SYNTHETIC PROV - Work Geography Table 7.6a   {HOURLY}"
TABLE_8_6A = f"SYNTHETIC PROV - Home Geography Table 8.6a   {HOURLY}"
TABLE_8_1B = "SYNTHETIC PROV - Home Geography Table 8.1b   Weekly pay - Gross 2023 CV.xlsx"
LWF = "SYNTHETIC PROV - Work Geography LWF Table 7 LWF.1a   lwfmgx 2022.xlsx"


def read(module, path: Path) -> pd.DataFrame:
    verdict = module.sniff(extract.probe(path))
    assert verdict is not None, path
    return module.parse(path, verdict, area=load_area())


def resaved(path: Path, out: Path) -> Path:
    """The workbook re-saved as .xlsx, cell values only (as a spreadsheet user would)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in read_workbook(path).items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    wb.save(out)
    return out


def indexed(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index(["area_code", "category", "breakdown", "measure"])


def observations(db: Path, indicator: str) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT * FROM observations WHERE indicator_id = ? ORDER BY ALL", [indicator]
        ).df()
    finally:
        con.close()


# -- the real legacy workbooks ----------------------------------------------------------------


@pytest.mark.shared_data
def test_cc01_reads_men_women_and_people_by_header_text(shared_data, tmp_path):
    path = shared_data / "claimant_count" / CC01
    df = read(ons_cc01, path)
    luton = indexed(df[df["area_code"] == "E06000032"])["value"]
    # Hand-read from sheet CC01: Luton 4,380 men, 3,300 women, 7,680 people; 5.9%, 4.6%, 5.3%.
    assert luton[("E06000032", "Claimant count | Men", "total", "count")] == 4380
    assert luton[("E06000032", "Claimant count | Women", "total", "count")] == 3300
    assert luton[("E06000032", "Claimant count | People", "total", "count")] == 7680
    prop = "Claimants as a proportion of residents aged 16-64"
    assert luton[("E06000032", f"{prop} | Men", "total", "value")] == 5.9
    assert luton[("E06000032", f"{prop} | Women", "total", "value")] == 4.6
    assert luton[("E06000032", f"{prop} | People", "total", "value")] == 5.3
    assert set(df["period_label"]) == {"February 2023"}
    assert (df["period_start"].iloc[0], df["period_end"].iloc[0]) == (
        date(2023, 2, 1), date(2023, 2, 28))
    # England is listed under every region's block: read once.
    assert (df["area_code"] == "E92000001").sum() == 6
    assert ons_cc01.metadata(path) == {"release_date": date(2023, 3, 14)}
    # The same table re-saved as .xlsx reads the same.
    again = read(ons_cc01, resaved(path, tmp_path / "cc01.xlsx"))
    cols = ["area_code", "category", "measure", "value", "status"]
    assert again[cols].equals(df[cols])


@pytest.mark.shared_data
def test_ashe_table_8_1a_reads_every_sheet_as_a_breakdown(shared_data, tmp_path):
    path = shared_data / "ashe" / ASHE_8_1A
    verdict = ashe_tables.sniff(extract.probe(path))
    assert verdict.dataset == "ashe_resident"
    df = read(ashe_tables, path)
    luton = indexed(df[df["area_code"] == "E06000032"])
    median = "Median | Weekly pay - Gross"
    # Hand-read from the sheets All, Male, Female, Full-Time and Part-Time (Luton UA).
    expected = {"total": 536.6, "sex:male": 590.2, "sex:female": 464.7,
                "pattern:full_time": 618.1, "pattern:part_time": 224.1}
    for breakdown, value in expected.items():
        assert luton.loc[("E06000032", median, breakdown, "value"), "value"] == value
    assert luton.loc[("E06000032", "Mean | Weekly pay - Gross", "total", "value"), "value"] == 577.2
    # 2023 provisional: dated as Nomis dates ASHE, flagged provisional.
    assert set(df["period_label"]) == {"2023"}
    assert set(df.loc[df["value"].notna(), "status"]) == {"provisional"}
    # City of London's median is "x" (not reliable enough to publish): suppressed, never 0.
    city = indexed(df[df["area_code"] == "E09000001"])
    row = city.loc[("E09000001", median, "total", "value")]
    assert pd.isna(row["value"]) and row["status"] == "suppressed"
    again = read(ashe_tables, resaved(path, tmp_path / "t81a 2023.xlsx"))
    assert again[["area_code", "category", "breakdown", "value"]].equals(
        df[["area_code", "category", "breakdown", "value"]])


@pytest.mark.shared_data
def test_a_build_gives_claimant_rates_by_sex_and_median_pay_with_an_interval(shared_data, tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    shutil.copy(shared_data / "claimant_count" / CC01, folder / CC01)
    shutil.copy(shared_data / "ashe" / ASHE_8_1A, folder / ASHE_8_1A)
    shutil.copy(SYNTHETIC / TABLE_8_1B, folder / TABLE_8_1B)  # invented CVs, for the interval
    db = tmp_path / "w.duckdb"
    build.run("files", db, from_dir=folder)
    women = observations(db, "claimant_rate_female_16_64").set_index("area_code")
    men = observations(db, "claimant_rate_male_16_64").set_index("area_code")
    assert set(PLACES) <= set(women.index) and set(PLACES) <= set(men.index)
    assert (women.loc["E06000032", "value"], men.loc["E06000032", "value"]) == (4.6, 5.9)
    assert "GBW-SMID" not in women.index  # a rate without its population: no partnership
    pay = observations(db, "median_weekly_pay_resident")
    luton = pay[(pay["area_code"] == "E06000032")].set_index("breakdown")
    assert set(luton.index) == {"total", "sex:male", "sex:female", "pattern:full_time",
                                "pattern:part_time"}
    cv = indexed(read(ashe_tables, SYNTHETIC / TABLE_8_1B))
    cv_luton = cv.loc[("E06000032", "Median | Weekly pay - Gross", "total", "cv"), "value"]
    half = 1.96 * cv_luton / 100 * 536.6
    assert luton.loc["total", "value"] == 536.6
    assert luton.loc["total", "ci_lower"] == pytest.approx(536.6 - half)
    assert luton.loc["total", "ci_upper"] == pytest.approx(536.6 + half)


# -- synthetic workbooks in the real layouts -----------------------------------------------------


def _cells(name: str, sheet: str, code: str) -> tuple:
    ws = openpyxl.load_workbook(SYNTHETIC / name, read_only=True)[sheet]
    return next(r for r in ws.iter_rows(values_only=True) if len(r) > 1 and r[1] == code)


def test_gender_pay_gaps_from_tables_7_6a_and_8_6a(tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    for name in (TABLE_7_6A, TABLE_8_6A):
        shutil.copy(SYNTHETIC / name, folder / name)
    db = tmp_path / "w.duckdb"
    build.run("files", db, from_dir=folder)
    for indicator, name in (("gender_pay_gap_pct", TABLE_7_6A),
                            ("gender_pay_gap_resident_pct", TABLE_8_6A)):
        gaps = observations(db, indicator).set_index("area_code")
        for code in [*PLACES, "E92000001"]:
            men = _cells(name, "Male Full-Time", code)[3]
            women = _cells(name, "Female Full-Time", code)[3]
            assert gaps.loc[code, "value"] == pytest.approx(100 * (men - women) / men)
            assert gaps.loc[code, "period_label"] == "2024"
            assert gaps.loc[code, "breakdown"] == "total"
        assert "GBW-SMID" not in gaps.index  # medians do not combine


def test_jobs_below_the_real_living_wage_from_the_split_header_table(tmp_path):
    df = read(ashe_tables, SYNTHETIC / LWF)
    assert set(df["dataset"]) == {"ons_living_wage"}
    assert set(df["category"]) == {"Employee jobs paid below the Living Wage Foundation rate"}
    luton = indexed(df[df["area_code"] == "E06000032"])["value"]
    key = ("E06000032", "Employee jobs paid below the Living Wage Foundation rate")
    assert luton[(*key, "total", "value")] == _cells(LWF, "All", "E06000032")[3]
    assert luton[(*key, "sex:female", "value")] == _cells(LWF, "Female", "E06000032")[3]
    bedford = indexed(df[df["area_code"] == "E06000055"])
    row = bedford.loc[("E06000055", key[1], "sex:male;pattern:part_time", "value")]
    assert pd.isna(row["value"]) and row["status"] == "suppressed"
    # The robustness key beside the header is not read as figures.
    assert not df["area_code"].astype(str).str.contains("CV").any()
    folder = tmp_path / "extracts"
    folder.mkdir()
    shutil.copy(SYNTHETIC / LWF, folder / LWF)
    db = tmp_path / "w.duckdb"
    build.run("files", db, from_dir=folder)
    below = observations(db, "below_real_living_wage_pct")
    total = below[below["breakdown"] == "total"].set_index("area_code")
    assert set(PLACES) <= set(total.index) and set(total["period_label"]) == {"2022"}
    assert set(total["status"]) == {"provisional"}


@pytest.mark.shared_data
def test_cc01_markers_are_statuses_never_zero(shared_data, tmp_path):
    path = resaved(shared_data / "claimant_count" / CC01, tmp_path / "cc01.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["CC01"]
    row = next(r for r in ws.iter_rows() if r[1].value == "E06000032")
    row[2].value, row[3].value = "[w]", "[c]"  # men: none recorded; women: confidential
    wb.save(path)
    luton = indexed(read(ons_cc01, path).query("area_code == 'E06000032'"))
    men = luton.loc[("E06000032", "Claimant count | Men", "total", "count")]
    women = luton.loc[("E06000032", "Claimant count | Women", "total", "count")]
    assert pd.isna(men["value"]) and men["status"] == "missing"
    assert pd.isna(women["value"]) and women["status"] == "suppressed"
