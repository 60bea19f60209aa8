"""Nomis API CSV files (full-column, select= subsets, spreadsheet re-saved), from the real data."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest

from core.area import load_area
from core.errors import ExtractError
from etl import build, detect
from etl.sources import nomis_api_csv

pytestmark = pytest.mark.shared_data

POPULATION = "nomis/api_full/nm_2002_1_mye2021_population_by_age_lad_rgn_ctry.csv"
SELECT = "nomis/api_select_samples"
PLACES = ["E06000055", "E06000056", "E06000032", "E06000042", "E06000061", "E06000062"]


def folder_with(tmp_path: Path, *files: Path) -> Path:
    """A folder holding just these files (linked, not copied)."""
    folder = tmp_path / "extracts"
    folder.mkdir()
    for f in files:
        (folder / f.name).symlink_to(f)
    return folder


def parse(path: Path):
    found = detect.recognise(path)
    return found, nomis_api_csv.parse(path, found.recognised, area=load_area())


def test_population_16_64_is_summed_from_the_three_age_bands(shared_data, tmp_path):
    db = tmp_path / "w.duckdb"
    result = build.run("files", db, from_dir=folder_with(tmp_path, shared_data / POPULATION))
    assert result.skipped == []
    con = duckdb.connect(str(db), read_only=True)
    rows = dict(
        con.execute(
            "SELECT area_code, value FROM observations WHERE indicator_id = 'population_16_64' "
            "AND period_label = 'mid-2021 (30 June)'"
        ).fetchall()
    )
    con.close()
    # Hand-checked in the file: Bedford aged 16 to 24 18,230; 25 to 49 63,979; 50 to 64 35,192.
    assert rows["E06000055"] == 18230 + 63979 + 35192 == 117401
    # The partnership is the sum of its six places (each listed twice in the file, as a
    # district and as a county/unitary, and counted once).
    assert rows["GBW-SMID"] == sum(rows[c] for c in PLACES)
    assert rows["E12000006"] == 617394 + 2044167 + 1249188  # East of England, from the file
    assert result.rows_per_indicator["population_16_64"] == len(rows)
    # A mid-year estimate refers to 30 June, not the calendar year.
    assert result.periods["population_16_64"] == "mid-2021 (30 June)"


def test_the_api_csv_gives_one_record_per_figure_with_dimension_labels(shared_data):
    found, recs = parse(shared_data / POPULATION)
    assert found.recognised.dataset == "population"
    assert found.recognised.options["nomis_id"] == "NM_2002_1"  # from the URN column
    bedford = recs[
        (recs["area_code"] == "E06000055") & (recs["category"] == "Aged 16 to 24 | Total")
    ]
    assert len(bedford) == 1  # listed under two geography types, the same figure once
    row = bedford.iloc[0]
    assert (row["value"], row["measure"], row["status"], row["area_name"]) == (
        18230,
        "count",
        None,
        "Bedford",
    )
    assert (row["period_start"], row["period_end"]) == (date(2021, 1, 1), date(2021, 12, 31))


def test_aps_resaved_by_a_spreadsheet_builds_for_any_english_area(shared_data, tmp_path):
    config = tmp_path / "area.toml"
    config.write_text(
        textwrap.dedent(
            """
            [partnership]
            code = "BD"
            name = "Barking and Dagenham"
            [[lad]]
            code = "E09000002"
            name = "Barking and Dagenham"
            region = "E12000007"
            """
        )
    )
    files = [
        shared_data / SELECT / "tombolo_nm_17_5_aps_employment_rate_la_EXCEL_RESAVED.csv",
        shared_data / SELECT / "tombolo_nm_17_5_aps_unemployment_rate_la_EXCEL_RESAVED.csv",
    ]
    db = tmp_path / "w.duckdb"
    build.run("files", db, from_dir=folder_with(tmp_path, *files), area=load_area(config))
    con = duckdb.connect(str(db), read_only=True)
    rows = {
        (ind, period): value
        for ind, period, value in con.execute(
            "SELECT indicator_id, period_label, value FROM observations "
            "WHERE area_code = 'E09000002'"
        ).fetchall()
    }
    con.close()
    assert rows[("employment_rate_16_64", "Jul 2016-Jun 2017")] == 67.3
    assert rows[("employment_rate_16_64", "Oct 2016-Sep 2017")] == 67.0
    # "Unemployment rate - aged 16-64 " carries a trailing space in the re-saved file.
    assert rows[("unemployment_rate_16_64", "Jul 2016-Jun 2017")] == 9.6


def test_each_sample_is_recognised_as_its_dataset(shared_data):
    expected = {
        "tombolo_nm_17_5_aps_employment_rate_la_EXCEL_RESAVED.csv": "aps",
        "tombolo_nm_162_1_claimant_count_lsoa11_EXCEL_RESAVED.csv": "claimant_count",
        "tombolo_nm_57_1_jobs_density_la_EXCEL_RESAVED.csv": "jobs_density",
        # In the catalogue, but no indicator uses them yet: listed as skipped with that reason.
        "tombolo_nm_18_1_jsa_claimants_la_2018-01.csv": None,
        "tombolo_nm_18_1_jsa_proportion_la_2018-01.csv": None,
        "tombolo_nm_134_1_esa_claimants_la_2017-08.csv": None,
    }
    for name, dataset in expected.items():
        found = detect.recognise(shared_data / SELECT / name)
        assert found.recognised.parser == "nomis_api_csv", name
        assert found.recognised.dataset == dataset, name
        if dataset is None:
            assert "no indicator uses this dataset yet" in found.skip_reason
    ids = {
        name: detect.recognise(shared_data / SELECT / name).recognised.options["nomis_id"]
        for name in expected
    }
    assert ids["tombolo_nm_18_1_jsa_proportion_la_2018-01.csv"] == "NM_18_1"
    assert ids["tombolo_nm_134_1_esa_claimants_la_2017-08.csv"] == "NM_134_1"


def test_claimant_count_lsoa_rows(shared_data):
    _, recs = parse(
        shared_data / SELECT / "tombolo_nm_162_1_claimant_count_lsoa11_EXCEL_RESAVED.csv"
    )
    assert set(recs["category"]) == {"All categories: Age 16+ | Total | Claimant count"}
    assert list(recs["value"]) == [5, 0, 15, 35, 10, 5]
    assert set(recs["period_label"]) == {"December 2017"}  # "Dec-17" after a spreadsheet
    assert set(recs["geo_vintage"]) == {"lsoa11"}  # 2017 figures are on 2011 LSOAs
    assert set(recs["measure"]) == {"count"}


def test_rates_published_as_values_are_not_counts(shared_data):
    _, density = parse(shared_data / SELECT / "tombolo_nm_57_1_jobs_density_la_EXCEL_RESAVED.csv")
    assert (density.iloc[0]["category"], density.iloc[0]["measure"]) == ("Jobs density", "value")
    assert density.iloc[0]["value"] == 0.49
    _, jsa = parse(shared_data / SELECT / "tombolo_nm_18_1_jsa_proportion_la_2018-01.csv")
    assert list(zip(jsa["measure"], jsa["value"], strict=True)) == [("value", 0.4), ("value", 1.8)]


# -- broken files: each names the file and, where it applies, the line and column -------------


def broken(tmp_path: Path, source: Path, edit) -> Path:
    text = source.read_bytes().decode("utf-8")
    path = tmp_path / source.name
    path.write_bytes(edit(text).encode("utf-8"))
    return path


def test_missing_columns_are_listed_with_what_was_found(shared_data, tmp_path):
    path = broken(
        tmp_path,
        shared_data / SELECT / "tombolo_nm_18_1_jsa_claimants_la_2018-01.csv",
        lambda t: t.replace('"OBS_VALUE"', '"VALUE"'),
    )
    with pytest.raises(ExtractError) as err:
        found = detect.recognise(shared_data / SELECT / path.name)
        nomis_api_csv.parse(path, found.recognised, area=load_area())
    message = str(err.value)
    assert path.name in message and "missing required column(s) ['OBS_VALUE']" in message
    assert "found ['DATE_NAME', 'GEOGRAPHY_NAME', 'GEOGRAPHY_CODE'" in message


def test_a_value_that_is_not_a_number_names_line_and_column(shared_data, tmp_path):
    path = broken(tmp_path, shared_data / POPULATION, lambda t: t.replace(",281448,", ",n/a,", 1))
    with pytest.raises(ExtractError) as err:
        detect_and_parse(path)
    assert "line 4, column 'OBS_VALUE'" in str(err.value)
    assert "'n/a' is neither a number nor a known marker" in str(err.value)


def test_duplicate_rows_are_refused(shared_data, tmp_path):
    source = shared_data / SELECT / "tombolo_nm_17_5_aps_employment_rate_la_EXCEL_RESAVED.csv"

    def duplicate_first_row(text: str) -> str:
        lines = text.split("\r\n")
        return "\r\n".join([*lines[:2], lines[1].replace("67.3", "67.4"), *lines[2:]])

    with pytest.raises(ExtractError) as err:
        detect_and_parse(broken(tmp_path, source, duplicate_first_row))
    assert "line 3" in str(err.value)
    assert "duplicate rows for area E09000002, period Jul 2016-Jun 2017" in str(err.value)


def test_a_file_cut_mid_row_is_refused(shared_data, tmp_path):
    path = broken(tmp_path, shared_data / POPULATION, lambda t: t[: t.index('"Age 12"', 200_000)])
    with pytest.raises(ExtractError) as err:
        detect_and_parse(path)
    assert "stops mid-row" in str(err.value)
    assert f"line {path.read_text().count(chr(10)) + 1}" in str(err.value)


def test_a_download_short_of_record_count_is_refused(shared_data, tmp_path):
    path = broken(tmp_path, shared_data / POPULATION, lambda t: "".join(t.splitlines(True)[:5001]))
    with pytest.raises(ExtractError) as err:
        detect_and_parse(path)
    assert "holds 5,000 rows but RECORD_COUNT says 11,178" in str(err.value)


def test_an_html_page_is_refused_whether_a_file_or_a_response(tmp_path, shared_data):
    page = b"<!DOCTYPE html>\n<html><body>Error</body></html>\n"
    path = tmp_path / "nomis.csv"
    path.write_bytes(page)
    with pytest.raises(ExtractError) as err:
        detect_and_parse(path)
    assert "HTML page" in str(err.value)
    verdict = detect.recognise(shared_data / POPULATION).recognised
    url = "https://www.nomisweb.co.uk/api/v01/dataset/NM_2002_1.data.csv?geography=E06000055"
    with pytest.raises(ExtractError) as err:
        nomis_api_csv.parse(url, verdict, data=page, origin=url, area=load_area())
    assert str(err.value).startswith(url) and "HTML page" in str(err.value)


def detect_and_parse(path: Path):
    found = detect.recognise(path)
    return nomis_api_csv.parse(path, found.recognised, area=load_area())
