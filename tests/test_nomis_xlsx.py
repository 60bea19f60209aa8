"""Nomis XLSX downloads of APS T01 (areas by name only), read from the real file, built into the
warehouse beside the ONS local-indicators CSV, and the name resolution behind them."""

from __future__ import annotations

import io
import math
import re
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from core.area import load_area
from core.lookups import Lookups
from etl import build, extract, names
from etl.extract import Extract
from etl.sources import nomis_xlsx

XLSX = "nomis/xlsx_downloads/aps_t01_economic_activity_2018_2022.xlsx"
EMPLOYED = "Aged 16-64 - In employment : All People"
ALL = "Aged 16-64 - All : All People"
UNEMPLOYED = "Aged 16-64 - Unemployed : All People"
SELF_EMPLOYED = "Aged 16-64 - Self Employed : All People"
LUTON, BEDFORD = "E06000032", "E06000055"
SIX = ["E06000055", "E06000056", "E06000032", "E06000042", "E06000061", "E06000062"]


@pytest.fixture(scope="module")
def t01(shared_data):
    path = shared_data / XLSX
    recognised = nomis_xlsx.sniff(extract.probe(path))
    assert recognised is not None
    return recognised, nomis_xlsx.parse(path, recognised, area=load_area())


def _cell(recs: pd.DataFrame, name: str, year: int, category: str, measure: str) -> pd.Series:
    hit = recs[
        (recs["area_name"] == name)
        & (recs["period_start"] == date(year, 1, 1))
        & (recs["category"] == category)
        & (recs["measure"] == measure)
    ]
    assert len(hit) == 1, (name, year, category, measure)
    return hit.iloc[0]


# ------------------------------------------------------------------------------------------
# Reading the real download
# ------------------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_the_probe_sees_past_the_wrong_sheet_size_nomis_stores(shared_data):
    # The file says its sheet is "A1"; before the fix the probe saw only the title row.
    sheets = extract.probe(shared_data / XLSX).workbook_sheets
    assert len(sheets["Data"]) == extract.WORKBOOK_PROBE_ROWS
    assert sheets["Data"][6][0] == "Area"


@pytest.mark.shared_data
def test_five_yearly_blocks_are_found_by_content(t01, shared_data):
    recognised, recs = t01
    assert recognised.dataset == "aps_t01"
    assert recognised.options["sheet"] == "Data"
    labels = sorted(set(recs["period_label"]))
    assert labels == [f"Jan {y}-Dec {y}" for y in range(2018, 2023)]
    assert set(recs["category"]) >= {EMPLOYED, ALL, UNEMPLOYED, SELF_EMPLOYED}
    assert set(recs["measure"]) == {"count", "ci_half"}
    # Areas come by name only, with provisional codes for the build to resolve.
    luton = _cell(recs, "Luton", 2022, EMPLOYED, "count")
    assert luton["area_code"] == "name:ladu:Luton"
    assert nomis_xlsx.metadata(shared_data / XLSX) == {"retrieved_at": datetime(2023, 4, 24)}


@pytest.mark.shared_data
def test_luton_2022_counts_and_interval(t01):
    _, recs = t01
    # Row 2101 of the sheet: ladu:Luton, 141000 | | 11900, ..., 95200 | | 9800, ...
    assert _cell(recs, "Luton", 2022, EMPLOYED, "count")["value"] == 95200
    assert _cell(recs, "Luton", 2022, EMPLOYED, "ci_half")["value"] == 9800
    assert _cell(recs, "Luton", 2022, ALL, "count")["value"] == 141000
    assert _cell(recs, "Luton", 2022, EMPLOYED, "count")["line"] == 2101
    assert pd.isna(_cell(recs, "Luton", 2022, EMPLOYED, "count")["status"])


@pytest.mark.shared_data
def test_markers_become_statuses_never_zeros(t01):
    _, recs = t01
    # Bedford 2018 unemployed: 2700 with conf '*': kept, flagged unreliable.
    bedford = _cell(recs, "Bedford", 2018, UNEMPLOYED, "count")
    assert bedford["value"] == 2700
    assert bedford["status"] == "low_reliability"
    # Orkney 2022 unemployed: '!' in number and conf: no figure at all, never 0.
    for measure in ("count", "ci_half"):
        orkney = _cell(recs, "Orkney Islands", 2022, UNEMPLOYED, measure)
        assert math.isnan(orkney["value"])
        assert orkney["status"] == "suppressed"
    # Rutland 2019 unemployed: '~' (under 500) with conf '*'.
    rutland = _cell(recs, "Rutland", 2019, UNEMPLOYED, "count")
    assert math.isnan(rutland["value"])
    assert rutland["status"] == "below_threshold"
    # Isles of Scilly: '-' everywhere.
    assert _cell(recs, "Isles of Scilly", 2022, ALL, "count")["status"] == "missing"
    marked = recs[recs["status"].isin(["suppressed", "missing", "below_threshold"])]
    assert len(marked) > 800
    assert marked["value"].isna().all()


# ------------------------------------------------------------------------------------------
# Built with the ONS local-indicators CSV
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def aps_warehouse(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("aps")
    shutil.copy(shared_data / XLSX, folder)
    shutil.copy(shared_data / "ons_local_indicators/employment-rate.csv", folder)
    db = folder.parent / f"{folder.name}.duckdb"
    result = build.run("files", db, from_dir=folder)
    con = duckdb.connect(str(db), read_only=True)
    yield result, con
    con.close()


def _obs(con, indicator: str, area: str, year: int) -> dict:
    row = con.execute(
        "SELECT value, numerator, denominator, ci_lower, ci_upper, status FROM observations "
        "WHERE indicator_id = ? AND area_code = ? AND period_start = ?",
        [indicator, area, date(year, 1, 1)],
    ).fetchone()
    assert row is not None, (indicator, area, year)
    return dict(zip(["value", "num", "den", "lo", "hi", "status"], row, strict=True))


@pytest.mark.shared_data
def test_luton_2022_employment_agrees_across_the_two_sources(aps_warehouse):
    _, con = aps_warehouse
    luton = _obs(con, "employment_rate_16_64", LUTON, 2022)
    # ONS local indicators publish 67.5 (63.2-71.8); the T01 counts give 95,200 / 141,000 =
    # 67.52%, close enough to be the same figure, so they supply its numerator and denominator.
    assert luton["value"] == pytest.approx(67.5)
    assert (luton["lo"], luton["hi"]) == (pytest.approx(63.2), pytest.approx(71.8))
    assert (luton["num"], luton["den"]) == (95200, 141000)
    unemployment = _obs(con, "unemployment_rate_16_64", LUTON, 2022)
    assert unemployment["value"] == pytest.approx(100 * 6800 / 102100)


@pytest.mark.shared_data
def test_counts_rounded_to_hundreds_still_fill_in_the_rate(aps_warehouse):
    result, con = aps_warehouse
    # Bedford 2019: ONS 76.9; T01 81,600 / 106,200 = 76.84, off by more than the last decimal
    # only because the counts are rounded to hundreds.
    bedford = _obs(con, "employment_rate_16_64", BEDFORD, 2019)
    assert bedford["value"] == pytest.approx(76.9)
    assert (bedford["num"], bedford["den"]) == (81600, 106200)
    assert not any("differ from the preferred source" in n for n in result.notes)


@pytest.mark.shared_data
def test_the_partnership_rate_is_summed_from_its_places_counts(aps_warehouse):
    _, con = aps_warehouse
    parts = [_obs(con, "employment_rate_16_64", code, 2022) for code in SIX]
    whole = _obs(con, "employment_rate_16_64", "GBW-SMID", 2022)
    assert whole["num"] == sum(p["num"] for p in parts)
    assert whole["den"] == sum(p["den"] for p in parts)
    assert whole["value"] == pytest.approx(100 * whole["num"] / whole["den"])
    # The places' rates carry ONS's published intervals (the ELS file): their standard errors,
    # on the counts, combined in quadrature give the partnership's approximate interval.
    se = [(p["hi"] - p["lo"]) / (2 * 1.96) * p["den"] / 100 for p in parts]
    margin = 1.96 * 100 * sum(x**2 for x in se) ** 0.5 / whole["den"]
    assert (whole["lo"], whole["hi"]) == (
        pytest.approx(whole["value"] - margin),
        pytest.approx(whole["value"] + margin),
    )
    assert whole["status"] is None
    # It cites the dataset its counts came from (T01), not the ELS file its places' rates did.
    source = con.execute(
        "SELECT s.dataset FROM observations o JOIN sources s USING (source_id) WHERE "
        "o.indicator_id = 'employment_rate_16_64' AND o.area_code = 'GBW-SMID' "
        "AND o.period_start = ?",
        [date(2022, 1, 1)],
    ).fetchone()[0]
    assert source == "aps_t01"


@pytest.mark.shared_data
def test_groupings_are_reported_in_one_line(aps_warehouse):
    result, _ = aps_warehouse
    lines = [n for n in result.notes if "groupings this build does not map" in n]
    assert len(lines) == 1
    # 48 user-defined geographies and 38 LEPs in every block.
    assert "86 area(s) of type 'User Defined Geography', 'lep'" in lines[0]


# ------------------------------------------------------------------------------------------
# Name resolution and workbook layouts, written here
# ------------------------------------------------------------------------------------------


def _extract(codes_names: list[tuple[str, str]], origin: str = "x.xlsx") -> Extract:
    recs = pd.DataFrame(
        {
            "dataset": "aps_t01",
            "area_code": [c for c, _ in codes_names],
            "area_name": [n for _, n in codes_names],
            "category": "c",
            "measure": "count",
            "value": 1.0,
        }
    )
    return Extract("aps_t01", recs, origin, "0" * 64, "test")


def test_names_resolve_against_config_other_extracts_and_report_the_rest():
    area = load_area()
    named = _extract(
        [
            ("name:ladu:Luton", "Luton"),
            ("name:gor:East", "East"),  # the config says "East of England"
            ("name:country:England", "England"),
            ("name:ladu:East Lothian", "East Lothian"),
            ("name:ladu:Atlantis", "Atlantis"),
            ("name:lep:Black Country", "Black Country"),
            ("name:User Defined Geography:My LSIP", "My LSIP"),
        ]
    )
    coded = _extract([("S12000010", "East Lothian")], origin="ons.csv")
    out, notes = names.resolve([named, coded], area, Lookups())
    codes = list(out[0].records["area_code"])
    assert codes == ["E06000032", "E12000006", "E92000001", "S12000010"]
    assert out[1] is coded
    assert any("match no place" in n and "ladu:Atlantis" in n for n in notes)
    assert any("2 area(s) of type 'User Defined Geography', 'lep'" in n for n in notes)


def test_a_name_shared_by_two_places_is_reported_not_guessed():
    area = load_area()
    named = _extract([("name:ladu:Newtown", "Newtown")])
    coded = _extract([("E07000901", "Newtown"), ("E07000902", "Newtown")], origin="other.csv")
    out, notes = names.resolve([named, coded], area, Lookups())
    assert out[0].records.empty
    assert any("more than one place" in n and "E07000901 or E07000902" in n for n in notes)


def _shrink_dimension(data: bytes) -> bytes:
    """Rewrite the sheet's stored size to "A1", as Nomis does."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', body)
            dst.writestr(info, body)
    return out.getvalue()


def _t01_workbook(cells: dict[tuple[int, int], object] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["annual population survey"])
    ws.append([])
    ws.append(["date", "Jan 2023-Dec 2023"])
    ws.append(["Area", f"T01:22 ({ALL} )", None, None, f"T01:28 ({EMPLOYED} )"])
    ws.append([None, "number", "Flags", "conf", "number", "Flags", "conf"])
    ws.append(["ladu:Luton", 150000, None, 9000, 100000, None, 8000])
    ws.append(["ladu:Bedford", 110000, None, 8000, 85000, None, 7000])
    ws.append([])
    ws.append(["* Estimate and confidence interval unreliable since the sample is small."])
    for (row, col), value in (cells or {}).items():
        ws.cell(row=row, column=col, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return _shrink_dimension(buffer.getvalue())


def test_a_workbook_with_a_wrong_stored_size_is_still_recognised(tmp_path):
    path = tmp_path / "t01.xlsx"
    path.write_bytes(_t01_workbook())
    recognised = nomis_xlsx.sniff(extract.probe(path))
    assert recognised is not None and recognised.dataset == "aps_t01"
    recs = nomis_xlsx.parse(path, recognised, area=load_area())
    assert len(recs) == 2 * 2 * 2  # two areas, two figures, count and ci_half


def test_a_flag_in_the_flags_column_is_kept_as_a_status(tmp_path):
    path = tmp_path / "t01.xlsx"
    path.write_bytes(_t01_workbook({(7, 6): "*"}))  # Bedford's employment Flags cell
    recs = nomis_xlsx.parse(path, nomis_xlsx.sniff(extract.probe(path)), area=load_area())
    bedford = recs[(recs["area_name"] == "Bedford") & (recs["category"] == EMPLOYED)]
    assert set(bedford["status"]) == {"low_reliability"}
    assert 85000 in set(bedford["value"])


def test_columns_are_found_by_heading_not_position(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["annual population survey"])
    ws.append(["date", "Jan 2023-Dec 2023"])
    ws.append([])
    ws.append(["Area", f"T01:28 ({EMPLOYED} )", None, f"T01:22 ({ALL} )"])
    ws.append([None, "number", "conf", "number", "conf"])  # no Flags columns
    ws.append(["ladu:Luton", 100000, 8000, 150000, 9000])
    path = tmp_path / "t01.xlsx"
    wb.save(path)
    recs = nomis_xlsx.parse(path, nomis_xlsx.sniff(extract.probe(Path(path))), area=load_area())
    counts = recs[recs["measure"] == "count"].set_index("category")["value"]
    assert counts[EMPLOYED] == 100000
    assert counts[ALL] == 150000
