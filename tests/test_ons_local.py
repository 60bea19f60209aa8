"""ONS Explore Local Statistics tidy CSVs: both header spellings, statuses and notes, read from the
real files and built into the warehouse."""

from __future__ import annotations

import math
import shutil
from datetime import date

import duckdb
import pytest

from core.area import load_area
from core.errors import ExtractError
from etl import build, extract
from etl.sources import ons_local

FOLDER = "ons_local_indicators"
EMPLOYMENT = "employment-rate.csv"
SICKNESS = "proportion-of-people-who-are-economically-inactive-due-to-sickness.csv"
LT_SICK = (
    "Proportion of people who are economically inactive, who are economically inactive due to "
    "long term sickness"
)
LUTON = "E06000032"


def _read(path):
    recognised = ons_local.sniff(extract.probe(path))
    assert recognised is not None and recognised.dataset == "ons_local_indicators"
    return ons_local.parse(path, recognised, area=load_area())


def _figure(recs, code, category, year, measure="value"):
    hit = recs[
        (recs["area_code"] == code)
        & (recs["category"] == category)
        & (recs["period_start"] == date(year, 1, 1))
        & (recs["measure"] == measure)
    ]
    assert len(hit) == 1, (code, category, year, measure)
    return hit.iloc[0]


@pytest.fixture(scope="module")
def employment(shared_data):
    return _read(shared_data / FOLDER / EMPLOYMENT)


@pytest.mark.shared_data
def test_lower_case_layout_gives_value_and_confidence_limits(employment):
    recs = employment
    # 16,080 rows, 119 of them without confidence limits.
    assert (recs["measure"] == "value").sum() == 16_080
    assert (recs["measure"] == "ci_lower").sum() == 16_080 - 119
    assert set(recs["category"]) == {"Employment rate", "Economically inactive"}
    # Line 3190: E06000032,Luton,...,Employment rate,2022-01-01/P1Y,67.5,...,63.2,71.8,,
    assert _figure(recs, LUTON, "Employment rate", 2022)["value"] == 67.5
    assert _figure(recs, LUTON, "Employment rate", 2022, "ci_lower")["value"] == 63.2
    assert _figure(recs, LUTON, "Employment rate", 2022, "ci_upper")["value"] == 71.8
    luton = _figure(recs, LUTON, "Employment rate", 2022)
    assert luton["period_end"] == date(2022, 12, 31)
    assert luton["line"] == 3190
    # Float noise in the file (73.60000000000001) is not carried into the warehouse.
    uk_2015 = _figure(recs, "K02000001", "Employment rate", 2015, "ci_upper")
    assert uk_2015["value"] == 73.6


@pytest.mark.shared_data
def test_statuses_and_notes_are_kept_and_never_become_zeros(employment):
    recs = employment
    london = "E09000001"
    # 'x': withheld, kept as suppressed with no number.
    x = _figure(recs, london, "Employment rate", 2014)
    assert math.isnan(x["value"]) and x["status"] == "suppressed"
    # 'u': unreliable; this one comes without a figure, so there is none to keep.
    u = _figure(recs, london, "Employment rate", 2022)
    assert math.isnan(u["value"]) and u["status"] == "low_reliability"
    # A figure whose note says it is unreliable keeps its number and says so.
    noted = _figure(recs, london, "Employment rate", 2018)
    assert noted["value"] == 76.0 and noted["status"] == "low_reliability"
    withheld = recs[recs["status"].isin(["missing", "suppressed"])]
    assert len(withheld) == 60
    assert withheld["value"].isna().all()


@pytest.mark.shared_data
def test_capitalised_layout_with_bom_and_year_periods(shared_data):
    recs = _read(shared_data / FOLDER / SICKNESS)
    assert set(recs["category"]) == {LT_SICK}
    luton = _figure(recs, LUTON, LT_SICK, 2022)
    assert luton["value"] == pytest.approx(16.71)
    assert luton["period_label"] == "2022"
    assert luton["area_name"] == "Luton"  # the BOM did not end up in the first header
    # No confidence limits are published for the local authorities.
    assert recs[(recs["area_code"] == LUTON) & (recs["measure"] != "value")].empty
    assert (recs["status"] == "suppressed").sum() == 462
    assert ons_local.metadata(shared_data / FOLDER / SICKNESS) == {
        "release_date": date(2024, 4, 16)
    }


@pytest.mark.shared_data
def test_built_into_the_warehouse_with_release_date(shared_data, tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    for name in (SICKNESS, SICKNESS.replace(".csv", ".json"), EMPLOYMENT):
        shutil.copy(shared_data / FOLDER / name, folder)
    db = tmp_path / "w.duckdb"
    result = build.run("files", db, from_dir=folder)
    skipped = {s.path.rsplit("/", 1)[-1]: s.reason for s in result.skipped}
    assert skipped == {
        SICKNESS.replace(".csv", ".json"): f"the metadata of {SICKNESS}, read with it"
    }
    con = duckdb.connect(str(db), read_only=True)
    value = con.execute(
        "SELECT value FROM observations WHERE indicator_id = "
        "'inactive_long_term_sick_pct_of_inactive' AND area_code = ? AND period_start = ?",
        [LUTON, date(2022, 1, 1)],
    ).fetchone()[0]
    assert value == pytest.approx(16.71)
    releases = {
        origin.rsplit("/", 1)[-1]: released
        for origin, released in con.execute("SELECT origin, release_date FROM sources").fetchall()
    }
    # The release date comes from the metadata JSON beside the CSV, where there is one.
    assert releases == {SICKNESS: date(2024, 4, 16), EMPLOYMENT: None}
    # Rates without counts cannot be added up into a partnership figure; the build says so.
    assert any(
        n.startswith("inactive_long_term_sick_pct_of_inactive: no partnership figure")
        for n in result.notes
    )


HEADER = (
    "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes"
)


def test_an_unknown_status_is_reported_with_line_and_column(tmp_path):
    path = tmp_path / "rate.csv"
    path.write_text(
        HEADER + "\n"
        "E06000032,Luton,LAD,Employment rate,2023-01-01/P1Y,70.5,Percentage,%,66.3,74.7,,\n"
        "E06000055,Bedford,LAD,Employment rate,2023-01-01/P1Y,81.0,Percentage,%,75.4,86.6,q,\n",
        encoding="utf-8",
    )
    with pytest.raises(ExtractError) as err:
        _read(path)
    assert "rate.csv, line 3, column 'status'" in str(err.value)
    assert "'q'" in str(err.value)
