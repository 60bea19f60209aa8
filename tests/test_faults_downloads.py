"""A spreadsheet formula in a name field of a built warehouse comes out of the downloads as text.

The warehouse is the sample built by the ETL, with Luton's name changed to a formula as a
hostile source file could make it. The data page shows the name as it is (it is only text on a
web page); the CSV and XLSX it offers, built from exactly the rows it shows, carry it neutralised.
(test_dashboard_export.py tests the export functions on hand-made rows; the browser suite
downloads the CSV.)
"""

from __future__ import annotations

import io

import duckdb
import openpyxl
import pandas as pd
import pytest

from dashboard import export, queries
from tests.test_app_pages import (  # noqa: F401  (fixtures)
    open_page,
    sample_geometry,
    sample_warehouse,
    table,
)

LUTON = "E06000032"
FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture()
def hostile_name(monkeypatch, tmp_path, sample_warehouse, sample_geometry):  # noqa: F811
    db = tmp_path / "hostile.duckdb"
    db.write_bytes(sample_warehouse.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("UPDATE areas SET area_name = $n, display_name = $n WHERE area_code = $c",
                {"n": FORMULA, "c": LUTON})
    con.close()
    monkeypatch.setenv("WAREHOUSE_PATH", str(db))
    monkeypatch.setenv("GEO_DIR", str(sample_geometry))
    return db


def test_a_formula_in_an_area_name_is_neutralised_in_the_csv_and_xlsx(hostile_name):
    at = open_page("data", {"places": LUTON, "comparators": "0"})
    assert not at.exception
    preview = table(at, "data_preview")
    assert set(preview["area_name"]) == {FORMULA}  # shown as it is, as text

    # The files the page offers: its rows, through the same export functions.
    rows = queries.observations(("employment_rate_16_64",), "lad", (LUTON,), "latest", None,
                                False)
    tidy = export.tidy(rows)
    assert list(tidy["area_name"]) == list(preview["area_name"])

    csv = pd.read_csv(io.BytesIO(export.to_csv_bytes(tidy)), encoding="utf-8-sig",
                      keep_default_na=False)
    assert set(csv["area_name"]) == {"'" + FORMULA}
    assert csv["value"].astype(float).tolist() == pytest.approx(tidy["value"].tolist())

    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(tidy, [("Places", LUTON)])))
    sheet = book["data"]
    column = [c.value for c in sheet[1]].index("area_name") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    assert cells and all(c.data_type == "s" and c.value == "'" + FORMULA for c in cells)
    formulas = [c.coordinate for ws in book.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
