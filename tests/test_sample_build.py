"""The bundled sample: generated deterministically, clearly labelled, and enough for every headline
indicator at every level the dashboard shows."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date

import duckdb
import openpyxl
import pandas as pd
import pytest

from core.errors import EtlError
from etl import build
from etl.catalogue import catalogue
from etl.recipes import apply_recipe
from etl.records import normalise_label

REPO = build.REPO_ROOT
SAMPLE = build.SAMPLE_DIR
SIX = ["E06000055", "E06000056", "E06000032", "E06000042", "E06000061", "E06000062"]
REGIONS = ["E12000004", "E12000006", "E12000008"]
EVERY_LEVEL = [*SIX, "GBW-SMID", *REGIONS, "E92000001"]
APS = [
    "employment_rate_16_64",
    "inactivity_rate_16_64",
    "unemployment_rate_16_64",
    "inactive_long_term_sick_pct_of_inactive",
]
ONCE = ["census_long_term_sick_pct", "census_economically_inactive_pct", "population_16_64"]


def _sample_files():
    return sorted(p for p in SAMPLE.iterdir() if p.name.startswith("SAMPLE_"))


def test_the_committed_sample_is_what_the_generator_writes(tmp_path):
    out = tmp_path / "again"
    subprocess.run(
        [sys.executable, "-B", str(SAMPLE / "make_sample.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    written = sorted(p.name for p in out.iterdir())
    assert written == [p.name for p in _sample_files()]
    for path in _sample_files():
        assert (out / path.name).read_bytes() == path.read_bytes(), path.name


def test_every_sample_file_says_what_it_is():
    assert (
        (SAMPLE / "README.md")
        .read_text(encoding="utf-8")
        .startswith("# The bundled sample — SAMPLE DATA, not real statistics")
    )
    for path in _sample_files():
        if path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path, read_only=True)
            first = wb.worksheets[0]  # the data sheet, or the cover of a multi-table workbook
            texts = [str(c) for row in first.iter_rows(max_row=3, values_only=True) for c in row]
            wb.close()
            assert any("SAMPLE DATA" in t for t in texts), path.name
        elif not any(k in path.name for k in ("census2021", "nm_17_5", "fit_notes")):
            # Formats with a title or notes field carry the words; the others only the name.
            assert "SAMPLE DATA – not real statistics" in path.read_text("utf-8-sig"), path.name


def test_the_sample_has_no_neighbourhood_codes():
    for path in _sample_files():
        if path.suffix == ".csv":
            assert not re.search(r"\b[EW]0[12]\d{6}\b", path.read_text("utf-8-sig")), path.name


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory):
    db = tmp_path_factory.mktemp("sample") / "w.duckdb"
    proc = subprocess.run(
        [sys.executable, "-B", "-m", "etl", "build", "--sample", "--db", str(db), "--quiet"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    con = duckdb.connect(str(db), read_only=True)
    yield proc.stdout, con
    con.close()


def test_the_summary_and_every_source_say_sample(sample_warehouse):
    summary, con = sample_warehouse
    assert "SAMPLE DATA" in summary
    assert "not real statistics" in summary
    sources = con.execute("SELECT is_sample, title FROM sources").fetchall()
    assert len(sources) == len(_sample_files())
    assert all(is_sample and title.endswith("(bundled sample)") for is_sample, title in sources)
    # The unmapped grouping in the T01 workbook is reported, not silently dropped.
    assert "'User Defined Geography' are groupings this build does not map" in summary


@pytest.mark.parametrize("indicator", APS + ONCE)
def test_each_headline_indicator_reaches_every_level(sample_warehouse, indicator):
    _, con = sample_warehouse
    df = con.execute(
        "SELECT area_code, period_start, value, status FROM observations WHERE indicator_id = ?",
        [indicator],
    ).df()
    periods = df.groupby("area_code")["period_start"].nunique()
    assert sorted(periods.index) == sorted(EVERY_LEVEL)
    assert (periods == (5 if indicator in APS else 1)).all()
    assert df["value"].notna().all()
    # Summed from its places: a rate from survey counts comes with an approximate interval (so
    # no status); one without is marked as summed, or carries a place's doubt up.
    partnership = df.loc[df["area_code"] == "GBW-SMID", "status"]
    assert (partnership.isna() | partnership.isin(["aggregated", "low_reliability"])).all()


def test_the_partnership_employment_rate_comes_from_its_places_counts(sample_warehouse):
    _, con = sample_warehouse
    df = con.execute(
        "SELECT area_code, value, numerator, denominator, ci_lower, ci_upper FROM observations "
        "WHERE indicator_id = 'employment_rate_16_64' AND period_start = ?",
        [date(2023, 1, 1)],
    ).df()
    df = df.set_index("area_code")
    whole = df.loc["GBW-SMID"]
    assert whole["numerator"] == df.loc[SIX, "numerator"].sum()
    assert whole["denominator"] == df.loc[SIX, "denominator"].sum()
    assert whole["value"] == pytest.approx(100 * whole["numerator"] / whole["denominator"])
    # Enough to say how many more people in work would reach the 80% ambition.
    assert 0 < 0.8 * whole["denominator"] - whole["numerator"] < whole["denominator"]
    # Every place's rate has its counts and its confidence interval.
    places = df.loc[SIX]
    assert places[["numerator", "denominator", "ci_lower", "ci_upper"]].notna().all().all()
    assert (places["ci_lower"] < places["value"]).all()


def test_records_for_several_areas_and_periods_pivot_without_inventing_rows():
    # Two areas, each published for a different pair of periods: four figures, not eight.
    rows = []
    for code, years in (("E06000032", (2021, 2022)), ("E06000055", (2022, 2023))):
        for year in years:
            rows.append(
                {
                    "area_code": code,
                    "area_name": None,
                    "geo_vintage": None,
                    "period_start": date(year, 1, 1),
                    "period_end": date(year, 12, 31),
                    "period_label": str(year),
                    "category": "Employment rate",
                    "breakdown": "total",
                    "measure": "value",
                    "value": 70.0 + year - 2020,
                    "status": None,
                    "origin": "x.csv",
                    "line": 2,
                    "source_id": "s",
                    "retrieved_rank": 0,
                }
            )
    recs = pd.DataFrame(rows)
    recs["norm"] = recs["category"].map(normalise_label)
    indicator = catalogue().indicators["employment_rate_16_64"]
    recipe = next(r for r in indicator.recipes if r.dataset == "ons_local_indicators")
    obs = apply_recipe(indicator, recipe, recs)
    assert len(obs) == 4
    assert obs["period_label"].notna().all()
    got = set(zip(obs["area_code"], obs["period_start"], strict=True))
    assert got == {(r["area_code"], r["period_start"]) for r in rows}


def test_a_build_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    """The collector is paused while a build runs, and back on after it, even when it fails."""
    import gc

    assert gc.isenabled()
    build.run("sample", tmp_path / "w.duckdb")
    assert gc.isenabled()
    with pytest.raises(EtlError):
        build.run("files", tmp_path / "x.duckdb", from_dir=tmp_path / "no such folder")
    assert gc.isenabled()
    gc.disable()
    try:
        build.run("sample", tmp_path / "y.duckdb")
        assert not gc.isenabled()
    finally:
        gc.enable()
