"""NHS England fit notes by sub-ICB location: fixture files in the documented layout, the build,
the per-1,000 derivations, and the live client against a local server."""

from __future__ import annotations

import math
import os
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.area import load_area
from core.errors import ExtractError, FetchError
from core.http import HttpClient
from etl import build, derive, extract
from etl.catalogue import catalogue
from etl.sources import fitnotes, fitnotes_live

FIXTURES = Path(__file__).parent / "fixtures" / "fitnotes"
JUN24 = FIXTURES / "fit_notes_subicb_jun24.csv"
MAR24 = FIXTURES / "fit_notes_subicb_mar24.csv"
STATUS_COLUMNS = FIXTURES / "fit_notes_subicb_status_columns.csv"
BLMK, NORTHANTS = "E38000249", "E38000242"


def parse(path: Path) -> pd.DataFrame:
    verdict = fitnotes.sniff(extract.probe(path))
    assert verdict is not None and verdict.dataset == "nhs_fit_notes"
    return fitnotes.parse(path, verdict, area=load_area())


def figure(df: pd.DataFrame, area: str, month: date, category: str, breakdown: str = "total"):
    row = df[
        (df["area_code"] == area)
        & (df["period_start"] == month)
        & (df["category"] == category)
        & (df["breakdown"] == breakdown)
    ]
    assert len(row) == 1, (area, month, category, breakdown)
    return row["value"].iloc[0], row["status"].iloc[0]


def test_counts_are_added_up_by_status_duration_and_diagnosis():
    df = parse(JUN24)
    april = date(2024, 4, 1)
    # 78H, April 2024, hand-added from the fixture's twelve rows.
    assert figure(df, NORTHANTS, april, "Fit notes | Not fit for work") == (10590, None)
    assert figure(df, NORTHANTS, april, "Fit notes | May be fit for work") == (831, None)
    assert figure(df, NORTHANTS, april, "Fit notes | All") == (11421, None)
    # >= 21 days and indefinite: 2515+315+1515+215 + 215+12+115+9
    assert figure(df, NORTHANTS, april, "Fit notes | Duration 21 days or more") == (4911, None)
    mh = "diagnosis:Mental and behavioural disorders"
    assert figure(df, NORTHANTS, april, "Fit notes | All", mh) == (7387, None)
    # BLMK's 'may be fit' has a '*' and a blank cell: the sum leaves them out and says so.
    assert figure(df, BLMK, april, "Fit notes | May be fit for work") == (870, "estimated")
    assert figure(df, BLMK, april, "Fit notes | Not fit for work") == (10680, None)


def test_star_and_blank_cells_stay_suppressed():
    df = parse(STATUS_COLUMNS)
    value, status = figure(df, NORTHANTS, date(2024, 4, 1), "Fit notes | May be fit for work")
    assert math.isnan(value) and status == "suppressed"
    value, status = figure(df, BLMK, date(2024, 5, 1), "Fit notes | Not fit for work")
    assert math.isnan(value) and status == "suppressed"
    assert figure(df, BLMK, date(2024, 4, 1), "Fit notes | Not fit for work") == (14210, None)


def test_an_unknown_layout_fails_listing_the_columns_found(tmp_path):
    odd = tmp_path / "fitnotes.csv"
    odd.write_text("Reporting quarter,Sub ICB,Fit notes issued\n2024 Q1,M1J4Y,123\n")
    verdict = fitnotes.sniff(extract.probe(odd))
    assert verdict is not None  # claimed as fit notes, so the user hears what differs
    with pytest.raises(ExtractError) as err:
        fitnotes.parse(odd, verdict, area=load_area())
    message = str(err.value)
    assert "Columns found: ['Reporting quarter', 'Sub ICB', 'Fit notes issued']" in message
    assert "no month, sub-ICB code column" in message
    assert "Expected" in message and "Count of fit notes" in message


def test_unknown_status_values_are_named(tmp_path):
    bad = tmp_path / "fitnotes.csv"
    bad.write_text(
        "Date,Sub ICB Location code,Fit note status,Count of fit notes\n"
        "Apr-24,M1J4Y,Phased return,12\n"
    )
    with pytest.raises(ExtractError, match="Phased return"):
        parse(bad)


def build_folder(
    tmp_path: Path, *files: Path
) -> tuple[build.BuildResult, duckdb.DuckDBPyConnection]:
    folder = tmp_path / "extracts"
    folder.mkdir()
    for f in files:
        shutil.copy(f, folder / f.name)
    db = tmp_path / "w.duckdb"
    result = build.run("files", db, from_dir=folder)
    return result, duckdb.connect(str(db), read_only=True)


def test_build_keeps_sub_icb_codes_and_reports_an_unconfigured_one(tmp_path):
    result, con = build_folder(tmp_path, JUN24)
    areas = dict(
        con.execute(
            "SELECT area_code, display_name FROM areas WHERE area_level = 'subicb'"
        ).fetchall()
    )
    assert areas[BLMK] == "BLMK (NHS sub-ICB M1J4Y)"
    codes = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT area_code FROM observations WHERE indicator_id LIKE 'fit_notes%'"
        ).fetchall()
    }
    assert codes == {BLMK, NORTHANTS}
    assert any("15N (NHS Devon ICB - 15N)" in n for n in result.notes)
    share = con.execute(
        "SELECT value, numerator, denominator FROM observations WHERE indicator_id = "
        "'fit_notes_not_fit_pct' AND area_code = ? AND period_start = '2024-04-01' "
        "AND breakdown = 'total'",
        [NORTHANTS],
    ).fetchone()
    assert share == (pytest.approx(100 * 10590 / 11421), 10590, 11421)
    # No population loaded: no rate, and the summary says why.
    assert result.rows_per_indicator["fit_notes_per_1000_16_64"] == 0
    assert any("fit_notes_per_1000_16_64: not made" in n for n in result.notes)


def test_a_suppressed_count_gives_a_suppressed_share(tmp_path):
    _, con = build_folder(tmp_path, STATUS_COLUMNS)
    query = (
        "SELECT value, status FROM observations WHERE indicator_id = 'fit_notes_not_fit_pct' "
        "AND area_code = ? AND period_start = ?"
    )
    # BLMK's May 'not fit' cell is blank: no share at all, never a 0.
    assert con.execute(query, [BLMK, "2024-05-01"]).fetchone() == (None, "suppressed")
    # 78H's April 'may be fit' is '*': the total leaves it out, so the share is flagged.
    value, status = con.execute(query, [NORTHANTS, "2024-04-01"]).fetchone()
    assert status == "estimated" and value == pytest.approx(100.0)


def test_an_older_edition_cannot_win_even_if_downloaded_later(tmp_path):
    folder_files = [JUN24, MAR24]
    folder = tmp_path / "extracts"
    folder.mkdir()
    for f in folder_files:
        shutil.copy(f, folder / f.name)
    later = (folder / MAR24.name).stat().st_mtime + 3600
    os.utime(folder / MAR24.name, (later, later))  # the March edition was saved last
    result = build.run("files", tmp_path / "w.duckdb", from_dir=folder)
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    jan = con.execute(
        "SELECT value FROM observations WHERE indicator_id = 'fit_notes_count' AND area_code = ? "
        "AND period_start = '2024-01-01' AND breakdown = 'total'",
        [NORTHANTS],
    ).fetchone()[0]
    assert (
        jan
        == parse(JUN24)
        .query(
            "area_code == @NORTHANTS and category == 'Fit notes | All' and breakdown == 'total'"
        )["value"]
        .iloc[0]
    )
    months = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT period_start FROM observations WHERE indicator_id = 'fit_notes_count'"
        ).fetchall()
    }
    assert date(2023, 12, 1) not in months  # only in the older edition: replaced, not kept
    assert any("older edition(s) set aside" in n and MAR24.name in n for n in result.notes)


# ------------------------------------------------------------------------------------------
# Rates per 1,000 residents aged 16 to 64
# ------------------------------------------------------------------------------------------


def obs_row(indicator, area, start, end, value, status=None, breakdown="total"):
    return {
        "indicator_id": indicator,
        "area_code": area,
        "area_name": None,
        "geo_vintage": None,
        "period_start": start,
        "period_end": end,
        "period_label": "x",
        "breakdown": breakdown,
        "value": value,
        "numerator": float("nan"),
        "denominator": float("nan"),
        "ci_lower": float("nan"),
        "ci_upper": float("nan"),
        "status": status,
        "source_id": "s",
    }


POP_2024 = {
    "E06000055": 120_000,
    "E06000056": 190_000,
    "E06000032": 150_000,
    "E06000042": 185_000,
    "E06000061": 230_000,
    "E06000062": 270_000,
}


def context(notes: list) -> build.Context:
    return derive.Context(load_area(), catalogue(), pd.DataFrame(), notes)


def test_rate_per_1000_uses_the_member_authorities_population():
    year = (date(2024, 1, 1), date(2024, 12, 31))
    rows = [obs_row("population_16_64", c, *year, v) for c, v in POP_2024.items()]
    rows += [
        obs_row("fit_notes_count", BLMK, date(2024, 4, 1), date(2024, 4, 30), 11550, "estimated"),
        obs_row("fit_notes_count", NORTHANTS, date(2024, 4, 1), date(2024, 4, 30), 11421),
    ]
    notes: list[str] = []
    out = derive.fit_notes_per_1000(pd.DataFrame(rows), context(notes))
    by_area = out.set_index("area_code")
    blmk_pop = 120_000 + 190_000 + 150_000 + 185_000
    assert by_area.at[BLMK, "value"] == pytest.approx(1000 * 11550 / blmk_pop)
    assert by_area.at[BLMK, "denominator"] == blmk_pop
    assert by_area.at[BLMK, "status"] == "estimated"
    assert by_area.at[NORTHANTS, "value"] == pytest.approx(1000 * 11421 / 500_000)
    assert pd.isna(by_area.at[NORTHANTS, "status"])
    # The two sub-ICB locations cover the six places exactly: a partnership rate.
    assert by_area.at["GBW-SMID", "value"] == pytest.approx(
        1000 * (11550 + 11421) / sum(POP_2024.values())
    )
    modelled = derive.fit_notes_per_1000_modelled(pd.DataFrame(rows), context(notes))
    luton = modelled.set_index("area_code").loc["E06000032"]
    assert luton["status"] == "modelled"
    assert luton["value"] == pytest.approx(by_area.at[BLMK, "value"])
    assert luton["numerator"] == pytest.approx(11550 * 150_000 / blmk_pop)
    assert notes == []


def test_rate_uses_the_nearest_year_flagged_and_says_when_population_is_missing():
    rows = [
        obs_row("population_16_64", c, date(2021, 1, 1), date(2021, 12, 31), v)
        for c, v in POP_2024.items()
        if c != "E06000062"
    ]
    rows += [
        obs_row("fit_notes_count", BLMK, date(2024, 4, 1), date(2024, 4, 30), 11550),
        obs_row("fit_notes_count", NORTHANTS, date(2024, 4, 1), date(2024, 4, 30), 11421),
    ]
    notes: list[str] = []
    out = derive.fit_notes_per_1000(pd.DataFrame(rows), context(notes))
    assert list(out["area_code"]) == [BLMK]
    assert out["status"].iloc[0] == "estimated"  # 2021 population for 2024 fit notes
    assert any("Northamptonshire" in n and "not made" in n for n in notes)


# ------------------------------------------------------------------------------------------
# Live: the newest edition found on the series page
# ------------------------------------------------------------------------------------------


def test_live_client_finds_the_newest_edition_and_its_sub_icb_csv(
    httpserver, monkeypatch, tmp_path
):
    series = "/data-and-information/publications/statistical/fit-notes-issued-by-gp-practices"
    monkeypatch.setattr(fitnotes_live, "SERIES_URL", httpserver.url_for(series))
    httpserver.expect_request(series).respond_with_data(
        f"""<html><body><h1>Fit Notes Issued by GP Practices</h1><ul>
        <li><a href="{series}/march-2024">Fit Notes Issued by GP Practices, March 2024</a></li>
        <li><a href="{series}/june-2024">Fit Notes Issued by GP Practices, June 2024</a></li>
        <li><a href="{series}/guide">Guidance</a></li></ul></body></html>""",
        content_type="text/html",
    )
    httpserver.expect_request(f"{series}/june-2024").respond_with_data(
        """<html><body><a href="/AB/12CD34/gp-fit-note-eng-national-jun-24.csv">National (CSV)</a>
        <a href="/EF/56GH78/gp-fit-note-subicb-jun-24.csv">By sub-ICB location (CSV)</a>
        </body></html>""",
        content_type="text/html",
    )
    httpserver.expect_request(f"{series}/march-2024").respond_with_data("old", status=500)
    httpserver.expect_request("/AB/12CD34/gp-fit-note-eng-national-jun-24.csv").respond_with_data(
        "Date,Fit note status,Count of fit notes\nJun-24,Not fit,900000\n", content_type="text/csv"
    )
    httpserver.expect_request("/EF/56GH78/gp-fit-note-subicb-jun-24.csv").respond_with_data(
        JUN24.read_bytes(), content_type="text/csv"
    )
    http = HttpClient(tmp_path / "cache", min_interval=0, retries=0)
    extracts = fitnotes_live.fetch_live(http, load_area(), catalogue())
    assert len(extracts) == 1
    ex = extracts[0]
    assert ex.origin.endswith("gp-fit-note-subicb-jun-24.csv")
    assert ex.edition == date(2024, 6, 30) and ex.replaces_history
    assert set(ex.records["area_code"]) == {BLMK, NORTHANTS}
    assert any("national" in n for n in ex.notes)  # the national file was passed over, said so
    assert figure(ex.records, NORTHANTS, date(2024, 4, 1), "Fit notes | All") == (11421, None)


def test_live_client_says_what_the_edition_offered_when_nothing_fits(
    httpserver, monkeypatch, tmp_path
):
    series = "/fit-notes-issued-by-gp-practices"
    monkeypatch.setattr(fitnotes_live, "SERIES_URL", httpserver.url_for(series))
    httpserver.expect_request(series).respond_with_data(
        '<html><a href="/x/national.csv">National</a></html>', content_type="text/html"
    )
    httpserver.expect_request("/x/national.csv").respond_with_data(
        "Date,Count of fit notes\nJun-24,1\n", content_type="text/csv"
    )
    http = HttpClient(tmp_path / "cache", min_interval=0, retries=0)
    with pytest.raises(FetchError, match=r"national\.csv"):
        fitnotes_live.fetch_live(http, load_area(), catalogue())
