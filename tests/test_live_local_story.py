"""Live builds of the by-sex, pay, youth and industry figures against a local server replaying
Nomis (tests/fixtures/nomis): codes no public source verified are found by their label in the
codelist and the build says which code each label resolved to."""

from __future__ import annotations

import csv
import functools
import io
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.http import HttpClient
from etl import build, live
from etl.catalogue import catalogue
from tests.nomis_replay import FIXTURES, NomisReplay, own_server

PLACES = ["E06000055", "E06000056", "E06000032", "E06000042", "E06000061", "E06000062"]
PARTNERSHIP = "GBW-SMID"


def fast_http() -> HttpClient:
    return HttpClient(min_interval=0, backoff=0, retries=1, sleep=lambda s: None)


def live_fetch(datasets):
    return functools.partial(
        live.fetch_all, http=fast_http(), datasets=datasets, live_sources=[]
    )


@pytest.fixture()
def nomis(monkeypatch):
    with own_server() as srv:
        replay = NomisReplay()
        monkeypatch.setenv("NOMIS_API_BASE", replay.install(srv))
        yield replay


def recorded(dataset: str, **where: str) -> list[dict[str, str]]:
    """Rows of a replayed response matching column values."""
    text = (FIXTURES / f"{dataset}.data.csv").read_text()
    return [r for r in csv.DictReader(io.StringIO(text))
            if all(r[k] == v for k, v in where.items())]


def table(db, sql: str, params=()) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def obs(db, indicator: str) -> pd.DataFrame:
    return table(db, "SELECT * FROM observations WHERE indicator_id = ?", [indicator])


def test_women_s_aps_rates_come_by_label_with_intervals_and_the_codes_are_noted(nomis, tmp_path):
    db = tmp_path / "w.duckdb"
    build.run("live", db, live_fetch=live_fetch(["aps"]))
    women = obs(db, "employment_rate_female_16_64")
    luton = women[(women["area_code"] == "E06000032") & (women["period_label"] == "2024")].iloc[0]
    rows = {r["MEASURES_NAME"]: float(r["OBS_VALUE"]) for r in recorded(
        "NM_17_5", VARIABLE_NAME="Employment rate females - aged 16-64",
        GEOGRAPHY_CODE="E06000032", DATE_NAME="Jan 2024-Dec 2024")}
    assert luton["value"] == rows["Variable"]
    assert (luton["numerator"], luton["denominator"]) == (rows["Numerator"], rows["Denominator"])
    assert luton["ci_lower"] == pytest.approx(rows["Variable"] - rows["Confidence"])
    assert luton["ci_upper"] == pytest.approx(rows["Variable"] + rows["Confidence"])
    part = women[(women["area_code"] == PARTNERSHIP) & (women["period_label"] == "2024")].iloc[0]
    nums = [float(r["OBS_VALUE"]) for r in recorded(
        "NM_17_5", VARIABLE="47", MEASURES_NAME="Numerator", DATE_NAME="Jan 2024-Dec 2024")
        if r["GEOGRAPHY_CODE"] in PLACES]
    assert part["numerator"] == sum(nums)
    for indicator in ("inactivity_rate_female_16_64", "inactive_looking_after_family_pct",
                      "self_employed_pct_16_64"):
        got = obs(db, indicator)
        assert set(PLACES) <= set(got["area_code"]), indicator
    # Self-employed share: the self-employed count over the employed count of the same window.
    se = obs(db, "self_employed_pct_16_64").set_index(["area_code", "period_label"])
    num = recorded("NM_17_5", VARIABLE="74", MEASURES_NAME="Numerator",
                   GEOGRAPHY_CODE="E06000055", DATE="2024-12")[0]["OBS_VALUE"]
    den = recorded("NM_17_5", VARIABLE="45", MEASURES_NAME="Numerator",
                   GEOGRAPHY_CODE="E06000055", DATE="2024-12")[0]["OBS_VALUE"]
    assert se.loc[("E06000055", "2024"), "value"] == pytest.approx(100 * float(num) / float(den))
    (notes,) = table(db, "SELECT notes FROM sources WHERE dataset = 'aps'")["notes"]
    assert "variable 'Employment rate females - aged 16-64' resolved by label to code 47" in notes
    assert "'% aged 16-64 who are self employed' resolved by label to code 74" in notes


def test_a_label_the_codelist_lacks_is_noted_and_the_rest_still_loads(
    nomis, tmp_path, monkeypatch
):
    cat = catalogue()
    aps = cat.datasets["aps"]
    labels = {"variable": (*aps.live_labels["variable"], "% of employees who are temporary")}
    monkeypatch.setitem(cat.datasets, "aps", aps.__class__(**{**aps.__dict__,
                                                             "live_labels": labels}))
    db = tmp_path / "w.duckdb"
    build.run("live", db, live_fetch=live_fetch(["aps"]))
    (notes,) = table(db, "SELECT notes FROM sources WHERE dataset = 'aps'")["notes"]
    assert ("variable '% of employees who are temporary' is not in the NM_17_5 codelist: its "
            "figures were not fetched") in notes
    assert not obs(db, "employment_rate_female_16_64").empty
    data = [r for r in nomis.requests if ".data.csv" in r]
    assert data and all("variable=45,84,111,1487,1496,47,113,1494,74&" in r for r in data)


def test_claimant_rates_by_sex_and_the_youth_rate_over_residents_aged_18_to_24(nomis, tmp_path):
    db = tmp_path / "w.duckdb"
    build.run("live", db, live_fetch=live_fetch(["claimant_count_by_sex", "population"]))
    women = obs(db, "claimant_rate_female_16_64").set_index(["area_code", "period_label"])
    row = recorded("NM_162_1", GEOGRAPHY_CODE="E06000032", GENDER_NAME="Female", AGE="0",
                   MEASURE="2", DATE_NAME="July 2025")[0]
    assert women.loc[("E06000032", "July 2025"), "value"] == float(row["OBS_VALUE"])
    assert ("E06000032", "July 2025") in set(
        obs(db, "claimant_rate_male_16_64").set_index(["area_code", "period_label"]).index)
    # 18-24 claimants over residents aged 16-24 less those aged 16 and 17 (2024 estimates, the
    # nearest year to July 2025: flagged estimated).
    count = float(recorded("NM_162_1", GEOGRAPHY_CODE="E06000032", GENDER="0",
                           AGE_NAME="Aged 18-24", MEASURE="1",
                           DATE_NAME="July 2025")[0]["OBS_VALUE"])
    pop = {r["C_AGE_NAME"]: float(r["OBS_VALUE"])
           for r in recorded("NM_2002_1", GEOGRAPHY_CODE="E06000032")}
    residents = pop["Aged 16 to 24"] - pop["Age 16"] - pop["Age 17"]
    youth = obs(db, "claimant_rate_18_24").set_index(["area_code", "period_label"])
    luton = youth.loc[("E06000032", "July 2025")]
    assert (luton["numerator"], luton["denominator"]) == (count, residents)
    assert luton["value"] == pytest.approx(100 * count / residents)
    assert luton["status"] == "estimated"
    part = youth.loc[(PARTNERSHIP, "July 2025")]
    counts = obs(db, "claimant_count_18_24").set_index(["area_code", "period_label"])
    assert part["numerator"] == sum(counts.loc[(c, "July 2025"), "value"] for c in PLACES)
    (notes,) = table(db, "SELECT notes FROM sources WHERE dataset = 'claimant_count_by_sex'")[
        "notes"]
    assert "age 'Aged 18-24' resolved by label to code 11" in notes
    assert "gender 'Female' resolved by label to code 2" in notes


def test_median_pay_with_cv_intervals_and_the_gender_pay_gap_from_ashe(nomis, tmp_path):
    db = tmp_path / "w.duckdb"
    build.run("live", db, live_fetch=live_fetch(["ashe_resident", "ashe_workplace"]))
    pay = obs(db, "median_weekly_pay_resident").set_index(["area_code", "period_label",
                                                           "breakdown"])
    value, cv = (float(r["OBS_VALUE"]) for r in recorded(
        "NM_30_1", GEOGRAPHY_CODE="E06000032", SEX="7", PAY="1", DATE="2025"))
    luton = pay.loc[("E06000032", "2025", "total")]
    assert luton["value"] == value
    assert luton["ci_upper"] - luton["value"] == pytest.approx(1.96 * cv / 100 * value)
    assert {"sex:male", "sex:female", "pattern:full_time", "pattern:part_time"} <= set(
        pay.loc[("E06000032", "2025")].index)
    # Withheld in the response (an empty value): no figure, never 0.
    bedford = pay.loc[("E06000055", "2025", "pattern:part_time")]
    assert np.isnan(bedford["value"]) and bedford["status"] in ("missing", "suppressed")
    gap = obs(db, "gender_pay_gap_pct").set_index(["area_code", "period_label"])
    men = float(recorded("NM_99_1", GEOGRAPHY_CODE="E06000062", SEX="1", PAY="6", DATE="2025",
                         MEASURES="20100")[0]["OBS_VALUE"])
    women = float(recorded("NM_99_1", GEOGRAPHY_CODE="E06000062", SEX="3", PAY="6",
                           DATE="2025", MEASURES="20100")[0]["OBS_VALUE"])
    assert gap.loc[("E06000062", "2025"), "value"] == pytest.approx(100 * (men - women) / men)
    assert PARTNERSHIP not in gap.index.get_level_values(0)
    assert not obs(db, "gender_pay_gap_resident_pct").empty


def test_bres_sections_by_label_and_vacancies_modelled_from_them(nomis, tmp_path, shared_data):
    db = tmp_path / "live.duckdb"
    build.run("live", db, live_fetch=live_fetch(["bres"]))
    sections = obs(db, "employment_by_industry")
    assert {"sic:C", "sic:G", "sic:I", "sic:P", "sic:Q", "total"} <= set(sections["breakdown"])
    # The replayed response as a downloaded API CSV, with the real VACS02 workbook: modelled
    # local vacancies = employment in the section x UK vacancies per 100 jobs / 100.
    folder = tmp_path / "extracts"
    folder.mkdir()
    shutil.copy(FIXTURES / "NM_189_1.data.csv", folder / "nm_189_1_bres_sections.csv")
    shutil.copy(shared_data / "vacancies" / "vacs02aug2025.xlsx", folder / "vacs02.xlsx")
    files = tmp_path / "files.duckdb"
    build.run("files", files, from_dir=folder)
    ratio = obs(files, "uk_vacancies_per_100_jobs_by_industry")
    ratio = ratio[(ratio["breakdown"] == "sic:G") & (ratio["area_code"] == "K02000001")]
    starts = pd.to_datetime(ratio["period_start"])
    quarters = ratio[(starts.dt.year == 2023) & starts.dt.month.isin([1, 4, 7, 10])
                     & (pd.to_datetime(ratio["period_end"]).dt.month == starts.dt.month + 2)]
    assert len(quarters) == 4
    emp = float(recorded("NM_189_1", GEOGRAPHY_CODE="E06000032", INDUSTRY="150994951")[0][
        "OBS_VALUE"])
    modelled = obs(files, "vacancies_modelled_by_industry").set_index(["area_code", "breakdown"])
    luton = modelled.loc[("E06000032", "sic:G")]
    assert luton["value"] == pytest.approx(emp * quarters["value"].mean() / 100)
    assert luton["status"] == "modelled"
    total = modelled.loc[("E06000032", "total")]
    parts = modelled.loc["E06000032"].drop(index="total")
    assert total["value"] == pytest.approx(parts["value"].sum()) and total["status"] == "modelled"
    assert (PARTNERSHIP, "sic:G") in modelled.index
    unit = table(files, "SELECT unit_label FROM indicators WHERE indicator_id = "
                 "'vacancies_modelled_by_industry'")["unit_label"].iloc[0]
    assert "not a count of real vacancies" in unit
