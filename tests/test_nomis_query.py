"""Nomis web query downloads (CSV): BRES on 2011 LSOAs and a Census 2021 query, read from the real
files, plus small hand-written variants of the layout."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from core.area import load_area
from core.errors import ExtractError
from etl import build, detect, extract
from etl.sources import nomis_query

QUERY = "nomis/query_downloads"
BRES = "bres2021_employees_employment_lsoa11_ew.csv"
TS003 = "census2021_ts003_household_composition_lsoa21_ew.csv"
WEST_NORTHANTS = "E06000062"
NORTH_NORTHANTS = "E06000061"


def _read(path: Path):
    recognised = nomis_query.sniff(extract.probe(path))
    assert recognised is not None, f"{path.name} was not recognised as a Nomis query download"
    return recognised, nomis_query.parse(path, recognised, area=load_area())


# ------------------------------------------------------------------------------------------
# The real files
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bres(shared_data):
    return _read(shared_data / QUERY / BRES)


@pytest.mark.shared_data
def test_bres_is_recognised_and_read_in_full(bres, shared_data):
    recognised, recs = bres
    assert recognised.dataset == "bres"
    assert recognised.parser == "nomis_query"
    # 34,753 2011 LSOAs, each with Employees and Employment.
    assert len(recs) == 2 * 34_753
    assert set(recs["category"]) == {"Employees", "Employment"}
    assert set(recs["measure"]) == {"count"}
    assert set(recs["breakdown"]) == {"total"}  # "Industry : Total"
    assert set(recs["geo_vintage"]) == {"lsoa11"}  # "2011 super output area - lower layer"
    first = recs[recs["area_code"] == "E01000001"].set_index("category")
    assert first.loc["Employees", "value"] == 14000
    assert first.loc["Employment", "value"] == 15000
    assert first.loc["Employment", "area_name"] == "City of London 001A"
    assert first.loc["Employment", "line"] == 10
    assert (first["period_start"] == date(2021, 1, 1)).all()
    assert nomis_query.metadata(shared_data / QUERY / BRES) == {
        "retrieved_at": datetime(2024, 5, 3)
    }


@pytest.mark.shared_data
def test_bres_star_is_read_by_its_footnote_not_as_unreliable(bres):
    _, recs = bres
    # Every BRES cell carries '*', whose footnote says the figures exclude farm agriculture:
    # a note about the whole table, not a doubt about each figure.
    assert recs["status"].isna().all()
    assert recs["value"].notna().all()
    notes = " ".join(recs.attrs["notes"])
    assert "exclude farm agriculture" in notes


@pytest.mark.shared_data
def test_bres_neighbourhoods_of_former_districts_land_in_todays_authorities(shared_data, tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    shutil.copy(shared_data / QUERY / BRES, folder)
    shutil.copy(shared_data / "boundaries/lookups/LSOA11_LSOA21_LAD22_EW_LU.csv", folder)
    db = tmp_path / "w.duckdb"
    build.run("files", db, from_dir=folder)
    con = duckdb.connect(str(db), read_only=True)
    rows = {
        code: [value, status]
        for code, value, status in con.execute(
            "SELECT area_code, value, status FROM observations "
            "WHERE indicator_id = 'employment_by_industry' AND breakdown = 'total'"
        ).fetchall()
    }
    # Summed by hand from the file and the ONS lookup: the 228 LSOAs of Northampton (133),
    # South Northamptonshire (51) and Daventry (44, e.g. E01026986 "Daventry 007A", 1,750)
    # give West Northamptonshire 232,870 in employment; Corby, Kettering, Wellingborough and
    # East Northamptonshire give North Northamptonshire 155,315.
    assert rows[WEST_NORTHANTS] == [232870, "aggregated"]
    assert rows[NORTH_NORTHANTS] == [155315, "aggregated"]
    lads = ["E06000055", "E06000056", "E06000032", "E06000042", NORTH_NORTHANTS, WEST_NORTHANTS]
    assert rows["GBW-SMID"][0] == sum(rows[c][0] for c in lads)
    retrieved = con.execute("SELECT retrieved_at FROM sources WHERE dataset = 'bres'").fetchone()
    assert retrieved[0] == datetime(2024, 5, 3)


@pytest.mark.shared_data
def test_census_query_download_gives_count_and_percentage(shared_data):
    recognised, recs = _read(shared_data / QUERY / TS003)
    # Found through the category line "Household composition:" -> the catalogue's census_ts003.
    assert recognised.dataset == "census_ts003"
    assert len(recs) == 2 * 35_672
    assert set(recs["category"]) == {"Single family household: Lone parent family"}
    assert set(recs["period_label"]) == {"Census 2021 (21 March)"}
    hartlepool = recs[recs["area_code"] == "E01011954"].set_index("measure")
    assert hartlepool.loc["count", "value"] == 188
    assert hartlepool.loc["value", "value"] == 19.5
    # A quoted name with commas stays one field.
    bcp = recs[recs["area_code"] == "E01015301"].iloc[0]
    assert bcp["area_name"] == "Bournemouth, Christchurch and Poole 003A"
    assert nomis_query.metadata(shared_data / QUERY / TS003)["retrieved_at"] == datetime(
        2024, 6, 25
    )


# ------------------------------------------------------------------------------------------
# Variants of the layout, written here
# ------------------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def _bres_style(flag_note: str) -> list[str]:
    return [
        "Business Register and Employment Survey : open access,,,,",
        "ONS Crown Copyright Reserved [from Nomis on 9 January 2025],,,,",
        "Date       :,2023,,,",
        "Industry   :,Q : Human health and social work activities,,,",
        "measure    :,Count,,,",
        ",,,,",
        "local authority: district / unitary (as of April 2023),Employees,,Employment,",
        ",,,,",
        "E06000032 : Luton,12000,,13000,",
        "E06000055 : Bedford,9000,#,9500,#",
        ",,,,",
        f"#,{flag_note},,,",
    ]


def test_a_flag_means_what_the_files_footnote_says(tmp_path):
    path = _write(tmp_path, "q.csv", _bres_style("Estimate is unreliable (small sample)."))
    recognised, recs = _read(path)
    assert recognised.dataset == "bres"
    assert set(recs["breakdown"]) == {"sic:Q"}  # "Industry : Q : Human health..."
    status = recs.set_index(["area_code", "category"])["status"]
    assert status["E06000055", "Employment"] == "low_reliability"
    assert status["E06000055", "Employees"] == "low_reliability"
    assert status.isna()["E06000032", "Employment"]
    values = recs.set_index(["area_code", "category"])["value"]
    assert values["E06000055", "Employment"] == 9500  # flagged, but the number is kept


def test_the_same_symbol_as_a_plain_note_is_not_a_status(tmp_path):
    path = _write(tmp_path, "q.csv", _bres_style("Includes estimates for a merged business unit."))
    _, recs = _read(path)
    assert recs["status"].isna().all()
    assert "merged business unit" in recs.attrs["notes"][0]


def test_a_flag_nothing_explains_is_reported_with_line_and_column(tmp_path):
    lines = _bres_style("Estimate is unreliable.")
    lines[9] = "E06000055 : Bedford,9000,,9500,$"
    path = _write(tmp_path, "q.csv", lines)
    recognised = nomis_query.sniff(extract.probe(path))
    with pytest.raises(ExtractError) as err:
        nomis_query.parse(path, recognised, area=load_area())
    message = str(err.value)
    assert "q.csv, line 10" in message
    assert "'Employment flag'" in message
    assert "'$'" in message


def test_page_dimensions_join_the_column_label(tmp_path):
    path = _write(
        tmp_path,
        "pop.csv",
        [
            "Population estimates - local authority based by single year of age,,",
            "ONS Crown Copyright Reserved [from Nomis on 2 July 2024],,",
            "Date       :,2023,",
            "Gender     :,Total,",
            ",,",
            "Area,All Ages,Aged 16 - 64",
            ",,",
            "E06000032 : Luton,233000,150000",
            ",,",
        ],
    )
    recognised, recs = _read(path)
    assert recognised.dataset == "population"
    # The category the catalogue's population_16_64 recipe asks for.
    assert set(recs["category"]) == {"All Ages | Total", "Aged 16 - 64 | Total"}
    assert recs.set_index("category").loc["Aged 16 - 64 | Total", "value"] == 150000


def test_a_download_whose_dataset_no_indicator_uses_is_skipped_with_its_title(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _write(
        folder,
        "ashe.csv",
        [
            "annual survey of hours and earnings - resident analysis,,",
            "ONS Crown Copyright Reserved [from Nomis on 2 July 2024],,",
            "Date       :,2023,",
            "Pay        :,Median,",
            ",,",
            "Area,Gross weekly pay,",
            ",,",
            "E06000032 : Luton,650.1,",
        ],
    )
    verdict = detect.recognise(folder / "ashe.csv")
    assert verdict.recognised is not None
    assert verdict.recognised.dataset is None
    assert "annual survey of hours and earnings" in verdict.skip_reason
    assert "no indicator uses this dataset" in verdict.skip_reason


def test_a_names_only_download_is_placed_by_the_build(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _write(
        folder,
        "pop.csv",
        [
            "Population estimates - local authority based by single year of age,",
            "ONS Crown Copyright Reserved [from Nomis on 2 July 2024],",
            "Date       :,2023",
            "Gender     :,Total",
            ",",
            "local authority: district / unitary (as of April 2023),Aged 16 - 64",
            ",",
            "Luton,150000",
            "Bedford,112000",
            "Gotham,99000",
            ",",
        ],
    )
    _, recs = _read(folder / "pop.csv")
    assert set(recs["area_code"]) == {"name:ladu:Luton", "name:ladu:Bedford", "name:ladu:Gotham"}
    db = tmp_path / "w.duckdb"
    result = build.run("files", db, from_dir=folder)
    con = duckdb.connect(str(db), read_only=True)
    rows = dict(
        con.execute(
            "SELECT area_code, value FROM observations WHERE indicator_id = 'population_16_64'"
        ).fetchall()
    )
    assert rows == {"E06000032": 150000, "E06000055": 112000}
    assert any("match no place" in n and "ladu:Gotham" in n for n in result.notes)
