"""Downloads: tidy columns, formulas neutralised in CSV and XLSX, names that say what is inside."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

from dashboard import export
from dashboard.queries import OBS_COLUMNS

HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def _obs(names: list[str]) -> pd.DataFrame:
    n = len(names)
    rows = {
        "indicator_id": ["employment_rate_16_64"] * n,
        "indicator_title": ["Employment rate, aged 16 to 64"] * n,
        "area_code": [f"E0600{i:04d}" for i in range(n)],
        "area_name": names,
        "area_level": ["lad"] * n,
        "period": ["Jan 2023-Dec 2023"] * n,
        "period_start": [date(2023, 1, 1)] * n,
        "period_end": [date(2023, 12, 31)] * n,
        "breakdown": ["total"] * n,
        "value": [-1.5 if i == 0 else 70.0 + i for i in range(n)],
        "unit": ["%"] * n,
        "unit_label": ["% of residents aged 16 to 64"] * n,
        "decimals": [1] * n,
        "polarity": ["high_is_good"] * n,
        "ci_lower": [None] + [68.0] * (n - 1),
        "ci_upper": [None] + [75.0] * (n - 1),
        "numerator": [100.0] * n,
        "denominator": [140.0] * n,
        "status": ["low_reliability"] + [None] * (n - 1),
        "source_id": ["aps:1"] * n,
        "source_title": ["Annual Population Survey"] * n,
        "publisher": ["Office for National Statistics"] * n,
        "licence": ["Open Government Licence v3.0"] * n,
        "attribution": ["Source: Office for National Statistics"] * n,
        "retrieved_at": [datetime(2025, 10, 1, 9, 30)] * n,
        "release_date": [date(2025, 9, 15)] * n,
        "lad_code": [None] * n,
        "region_code": [None] * n,
        "is_comparator": [False] * n,
    }
    return pd.DataFrame(rows)[OBS_COLUMNS]


def test_tidy_has_the_promised_columns_in_order():
    out = export.tidy(_obs(["Luton", "Bedford"]))
    assert list(out.columns) == export.EXPORT_COLUMNS
    for col in ("indicator_id", "indicator_title", "area_code", "area_name", "area_level",
                "period", "value", "unit", "ci_lower", "ci_upper", "status", "status_text",
                "source_title", "publisher", "licence", "attribution", "retrieved"):
        assert col in out.columns
    assert out.loc[0, "status"] == "low_reliability"
    assert out.loc[0, "status_text"] == "Unreliable estimate: small sample"
    assert out.loc[1, "status_text"] == ""
    assert out.loc[0, "retrieved"] == date(2025, 10, 1)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_formula_in_a_name_is_neutralised_in_the_csv(hostile):
    out = export.tidy(_obs([hostile, "Bedford"]))
    text = export.to_csv_bytes(out).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert len(back) == 2
    assert back.loc[0, "area_name"] == "'" + hostile
    assert back.loc[1, "area_name"] == "Bedford"
    # Numbers stay numbers: a negative value is not text and keeps its sign.
    assert back.loc[0, "value"] == -1.5


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_formula_in_a_name_is_stored_as_text_in_the_xlsx(hostile):
    out = export.tidy(_obs([hostile, "Bedford"]))
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(out, [("Note", "=1+1")])))
    sheet = book["data"]
    header = [c.value for c in sheet[1]]
    assert header == export.EXPORT_COLUMNS
    name_col = header.index("area_name") + 1
    cell = sheet.cell(row=2, column=name_col)
    assert cell.data_type == "s"
    assert cell.value.startswith("'")
    assert sheet.cell(row=3, column=name_col).value == "Bedford"
    value_cell = sheet.cell(row=2, column=header.index("value") + 1)
    assert value_cell.data_type == "n" and value_cell.value == -1.5
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    about = book["about"]
    assert about.cell(row=2, column=2).value == "'=1+1"


def test_the_xlsx_holds_exactly_the_rows_of_the_csv():
    out = export.tidy(_obs(["Luton", "Bedford", "Milton Keynes"]))
    csv_back = pd.read_csv(io.BytesIO(export.to_csv_bytes(out)), encoding="utf-8-sig")
    xlsx_back = pd.read_excel(
        io.BytesIO(export.to_xlsx_bytes(out)), sheet_name="data", engine="calamine"
    )
    assert len(csv_back) == len(xlsx_back) == 3
    assert list(csv_back["area_name"]) == list(xlsx_back["area_name"])
    assert list(csv_back["value"]) == list(xlsx_back["value"])


def test_file_names_say_what_the_file_holds():
    assert (export.file_name(["employment_rate_16_64"], "lad", "2022", "csv")
            == "gsmw_employment_rate_16_64_lad_2022.csv")
    assert (export.file_name(["a", "b", "c"], "lsoa", "all", "xlsx")
            == "gsmw_3_indicators_lsoa_all-periods.xlsx")
    assert (export.file_name(["claimant_rate_16_64"], "lad", "latest", "csv",
                             latest_label="March 2025")
            == "gsmw_claimant_rate_16_64_lad_latest-march-2025.csv")
    hostile = export.file_name(["x"], "lad", "../../etc/passwd <b>", "csv")
    assert "/" not in hostile and "<" not in hostile and " " not in hostile


def test_figures_are_written_as_published_and_counts_whole():
    obs = _obs(["Luton", "Bedford", "South Midlands", "Bedford 001"])
    # A rate read from a source (two decimals there: kept), one summed here from counts (many
    # decimals: rounded to the indicator's one), a computed Census share, and a count worked
    # out from a rate (whole).
    obs["value"] = [16.73, 70.5, 100 * 95_200 / 122_663, 100 * 2_491 / 4_262]
    obs["ci_lower"] = [None, 66.3, 100 * 0.7761234567, None]
    obs["numerator"] = [None, 95_200.0, 116.348_912, 2_491.0]
    obs["denominator"] = [None, 141_000.0, 4_012.0, 4_262.0]
    out = export.tidy(obs)
    assert list(out["value"]) == [16.73, 70.5, 77.6, 58.4]
    assert out["ci_lower"].iloc[2] == 77.6 and out["ci_lower"].iloc[1] == 66.3
    assert list(out["numerator"].iloc[1:]) == [95_200, 116, 2_491]
    assert all(float(v).is_integer() for v in out["denominator"].dropna())
    text = export.to_csv_bytes(out).decode("utf-8-sig")
    assert "77.6" in text and "77.61" not in text and "116.3" not in text


def test_a_file_is_named_for_the_level_it_holds():
    places = _obs(["Luton", "Bedford"])
    assert export.file_level(places, "lad") == "lad"
    # UK vacancies: published only for the UK, so the rows are all comparators at country
    # level, whatever level the filter bar offered.
    uk = _obs(["United Kingdom"]).assign(area_level="country", is_comparator=True)
    assert export.file_level(uk, "lad") == "country"
    assert "_lad_" not in export.file_name(["uk_vacancies_by_industry"],
                                           export.file_level(uk, "lad"), "latest", "csv")
    assert export.file_level(places.iloc[0:0], "msoa") == "msoa"
