"""The one workbook reader: legacy .xls (BIFF) and XLSX give the same kinds of cell values."""

from __future__ import annotations

import pytest

from core.errors import ExtractError
from etl.workbook import XLS_MAGIC, read_workbook

ASHE_T8 = "ashe/PROV - Home Geography Table 8.1a   Weekly pay - Gross 2023.xls"
CC01 = "claimant_count/lmregtabcc01march2023.xls"


def _row(sheet: list[tuple], code: str) -> tuple:
    return next(r for r in sheet if len(r) > 1 and r[1] == code)


@pytest.mark.shared_data
def test_the_ashe_table_8_xls_reads_to_its_published_cells(shared_data):
    sheets = read_workbook(shared_data / ASHE_T8)
    assert list(sheets) == [
        "Notes", "All", "Male", "Female", "Full-Time", "Part-Time",
        "Male Full-Time", "Male Part-Time", "Female Full-Time", "Female Part-Time",
    ]  # fmt: skip
    header = sheets["All"][4]
    assert header[:4] == ("Description", "Code", "(thousand)", "Median")
    luton = _row(sheets["All"], "E06000032")
    # Whole numbers come back as int, others as float, as openpyxl gives them for XLSX.
    assert luton[:4] == ("Luton UA", "E06000032", 67, 536.6)
    assert isinstance(luton[2], int)
    # Suppressed cells keep their marker text.
    assert _row(sheets["Male Part-Time"], "E06000032")[7] == "x"
    assert sheets["All"][1] == ()  # an empty row; a row runs to its last filled cell


@pytest.mark.shared_data
def test_the_cc01_claimant_count_xls_reads_to_its_published_cells(shared_data):
    sheets = read_workbook(shared_data / CC01)
    assert list(sheets) == ["Cover_sheet", "Notes", "CC01"]
    assert sheets["CC01"][4][2] == "Number of men\n[note 1]"
    luton = _row(sheets["CC01"], "E06000032")
    assert luton[:8] == ("Luton", "E06000032", 4380, 3300, 7680, 5.9, 4.6, 5.3)


@pytest.mark.shared_data
def test_a_row_limit_reads_only_the_first_rows_of_each_xls_sheet(shared_data):
    sheets = read_workbook(shared_data / CC01, limit=5)
    assert {name: len(rows) for name, rows in sheets.items()} == {
        "Cover_sheet": 5,
        "Notes": 4,
        "CC01": 5,
    }


def test_a_broken_xls_is_named_as_unreadable(tmp_path):
    bad = tmp_path / "table.xls"
    bad.write_bytes(XLS_MAGIC + b"\x00" * 600)
    with pytest.raises(ExtractError, match=r"table\.xls: not a readable XLS workbook"):
        read_workbook(bad)


def test_an_xls_from_the_network_is_read_from_its_bytes(shared_data):
    data = (shared_data / CC01).read_bytes()
    sheets = read_workbook(shared_data / "downloaded.xls", data=data, limit=6)
    assert sheets["CC01"][5][:2] == ("United Kingdom", "K02000001")


def test_a_workbook_saved_again_between_reads_is_read_again(tmp_path):
    import openpyxl

    path = tmp_path / "extract.xlsx"

    def save(rows: list[tuple]) -> None:
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)

    save([("Area", "Value"), ("Luton", 1)])
    assert read_workbook(path, limit=1)["Sheet"] == [("Area", "Value")]
    assert read_workbook(path)["Sheet"][1] == ("Luton", 1)
    save([("Area", "Value"), ("Luton", 2), ("Bedford", 3)])  # the same path, new content
    assert read_workbook(path)["Sheet"][1:] == [("Luton", 2), ("Bedford", 3)]
