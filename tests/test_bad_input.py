"""Broken and foreign files: each named with its line or column. By default a broken file is
quarantined and the rest load (exit 0); with --strict the build fails (exit 1) naming it, and the
warehouse in use is left byte-for-byte as it was. Files that are not extracts are listed as
skipped, with the reason, and the whole real data folder builds."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from etl import build
from etl.__main__ import main

GOOD = build.SAMPLE_DIR / "SAMPLE_employment-rate.csv"

QUERY = [
    "Business Register and Employment Survey : open access,,,,",
    "ONS Crown Copyright Reserved [from Nomis on 3 May 2024],,,,",
    "Date       :,2021,,,",
    "Industry   :,Total,,,",
    "measure    :,Count,,,",
    ",,,,",
    "local authority: district / unitary (as of April 2023),Employees,,Employment,",
    ",,,,",
    "E06000032 : Luton,86000,,97000,",
    "E06000055 : Bedford,72000,,80000,",
    "E06000042 : Milton Keynes,166000,,181000,",
    ",,,,",
    "*,These figures exclude farm agriculture (SIC subclass 01000).,,,",
]
ONS_HEADER = (
    "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes"
)
ONS_ROWS = [
    "E06000032,Luton,LAD,Employment rate,2023-01-01/P1Y,70.5,Percentage,%,66.3,74.7,,",
    "E06000055,Bedford,LAD,Employment rate,2023-01-01/P1Y,81.0,Percentage,%,75.4,86.6,,",
]
HTML = b"<!DOCTYPE html>\n<html><head><title>Nomis - sign in</title></head><body>...</body></html>"


def _crlf(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _query_with(line_no: int, text: str) -> bytes:
    lines = list(QUERY)
    lines[line_no - 1] = text
    return _crlf(lines)


def _t01(number: object) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["annual population survey"])
    ws.append(["date", "Jan 2023-Dec 2023"])
    ws.append([])
    ws.append(["Area", "T01:28 (Aged 16-64 - In employment : All People )"])
    ws.append([None, "number", "Flags", "conf"])
    ws.append(["ladu:Luton", number, None, 8000])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


CASES = {
    "empty file": ("empty.csv", b"", ["empty.csv: the file is empty"]),
    "binary file": ("data.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["binary file"]),
    "HTML page saved as .csv": ("nomis.csv", HTML, ["nomis.csv: this is an HTML page"]),
    "HTML page saved as .xlsx": ("nomis.xlsx", HTML, ["nomis.xlsx: this is an HTML page"]),
    "query download cut off mid-row": (
        "bres.csv",
        _crlf(QUERY[:10]) + b"E06000042 : Milton Keynes,166",
        ["bres.csv, line 11", "cut off"],
    ),
    "tidy CSV cut off mid-row": (
        "rate.csv",
        (ONS_HEADER + "\n" + ONS_ROWS[0] + "\n" + ONS_ROWS[1][:40]).encode(),
        ["rate.csv, line 3", "cut off"],
    ),
    "workbook cut off": ("t01.xlsx", _t01(100000)[:900], ["t01.xlsx: not a readable XLSX"]),
    "recognised format missing a required column": (
        "rate.csv",
        b"areacd,areanm,indicator,observation\nE06000032,Luton,Employment rate,70.5\n",
        ["rate.csv: missing required column(s) ['period']"],
    ),
    "duplicate rows in a tidy CSV": (
        "rate.csv",
        "\n".join([ONS_HEADER, ONS_ROWS[0], ONS_ROWS[1], ONS_ROWS[0]]).encode() + b"\n",
        ["rate.csv, line 4", "duplicate rows for area E06000032", "first on line 2"],
    ),
    "duplicate rows in a query download": (
        "bres.csv",
        _query_with(11, "E06000032 : Luton,86000,,97000,"),
        ["bres.csv, line 11", "duplicate rows for area E06000032"],
    ),
    "a value that is not a number nor a marker (CSV)": (
        "bres.csv",
        _query_with(10, "E06000055 : Bedford,72000,,n/a,"),
        ["bres.csv, line 10, column 'Employment'", "'n/a'"],
    ),
    "a value that is not a number nor a marker (XLSX)": (
        "t01.xlsx",
        _t01("about 95,000"),
        ["t01.xlsx, line 6, column 'B (Aged 16-64 - In employment : All People, number)'"],
    ),
    "UTF-16 text": (
        "rate.csv",
        (ONS_HEADER + "\n" + ONS_ROWS[0] + "\n").encode("utf-16"),
        ["rate.csv: the text is UTF-16", "re-save it as CSV UTF-8"],
    ),
    "bytes that are neither UTF-8 nor Windows-1252": (
        "rate.csv",
        (ONS_HEADER + "\n").encode() + b"E06000032,Lu\x81\x8dton,LAD,Employment rate\n",
        ["rate.csv: text is neither UTF-8 nor Windows-1252"],
    ),
}


@pytest.fixture()
def warehouse(tmp_path):
    """A good warehouse built from one good file; returns (db path, its bytes, the folder)."""
    folder = tmp_path / "extracts"
    folder.mkdir()
    shutil.copy(GOOD, folder)
    db = tmp_path / "warehouse.duckdb"
    assert main(["build", "--from", str(folder), "--db", str(db), "--quiet"]) == 0
    return db, db.read_bytes(), folder


@pytest.mark.parametrize("case", list(CASES))
def test_strict_fails_on_a_broken_file_and_keeps_the_warehouse(case, warehouse, capsys):
    db, before, folder = warehouse
    name, data, expected = CASES[case]
    (folder / name).write_bytes(data)
    capsys.readouterr()
    code = main(["build", "--from", str(folder), "--db", str(db), "--quiet", "--strict"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("Build failed: --strict: 1 file(s) could not be read")
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"
    assert f"The warehouse in use ({db}) was not changed." in err
    assert db.read_bytes() == before


@pytest.mark.parametrize("case", list(CASES))
def test_by_default_a_broken_file_is_quarantined_and_the_rest_load(case, warehouse, capsys):
    db, _, folder = warehouse
    name, data, expected = CASES[case]
    (folder / name).write_bytes(data)
    capsys.readouterr()
    code = main(["build", "--from", str(folder), "--db", str(db), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    line = next(x for x in out.splitlines() if x.strip().startswith(f"quarantined {name}"))
    for text in expected:
        assert text in line, f"{text!r} not in {line!r}"
    assert "loaded      SAMPLE_employment-rate.csv: 100 figures" in out
    con = duckdb.connect(str(db), read_only=True)
    try:
        outcomes = dict(
            con.execute(
                "SELECT path, outcome FROM load_files WHERE load_id = "
                "(SELECT load_id FROM loads ORDER BY started_at DESC LIMIT 1)"
            ).fetchall()
        )
    finally:
        con.close()
    assert outcomes == {"SAMPLE_employment-rate.csv": "loaded", name: "quarantined"}


def test_the_command_exits_non_zero_with_strict(warehouse):
    db, before, folder = warehouse
    (folder / "empty.csv").write_bytes(b"")
    proc = subprocess.run(
        [sys.executable, "-B", "-m", "etl", "build", "--from", str(folder), "--db", str(db),
         "--strict"],
        cwd=build.REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "empty.csv: the file is empty" in proc.stderr
    assert db.read_bytes() == before


def test_a_folder_with_nothing_readable_exits_1_and_usage_errors_exit_2(tmp_path, capsys):
    folder = tmp_path / "extracts"
    folder.mkdir()
    (folder / "empty.csv").write_bytes(b"")
    db = tmp_path / "w.duckdb"
    assert main(["build", "--from", str(folder), "--db", str(db), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "No extract could be loaded" in err and "empty.csv: the file is empty" in err
    assert not db.exists()
    with pytest.raises(SystemExit) as usage:
        main(["build", "--from", str(folder), "--sample"])
    assert usage.value.code == 2


def test_files_that_are_not_extracts_are_listed_as_skipped_with_reasons(tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    shutil.copy(GOOD, folder)
    (folder / "areas.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    (folder / "lsoa_lookup.csv").write_text(
        "LSOA21CD,LSOA21NM,LAD23CD,LAD23NM\nE01000001,City of London 001A,E09000001,City\n"
    )
    (folder / "README.md").write_text("# Downloads\n")
    (folder / "notes.csv").write_text("site,visits\nhome,12\n")
    result = build.run("files", tmp_path / "w.duckdb", from_dir=folder)
    skipped = {Path(s.path).name: s.reason for s in result.skipped}
    assert skipped == {
        "areas.geojson": "not an extract: boundary or geometry file",
        "lsoa_lookup.csv": "not an extract: geography lookup table",
        "README.md": "not an extract: documentation or metadata",
        "notes.csv": "a CSV layout this build does not know",
    }
    summary = result.summary()
    assert "Files (5: 1 loaded, 4 skipped):" in summary
    assert "  skipped     notes.csv: a CSV layout this build does not know" in summary


@pytest.mark.shared_data
def test_the_whole_real_data_folder_builds(shared_data, tmp_path):
    """Everything under ../shared/data at once: boundaries, lookups, docs and all extracts."""
    result = build.run("files", tmp_path / "w.duckdb", from_dir=shared_data)
    loaded = "\n".join(result.loaded)
    for fragment in (
        "bres2021_employees_employment_lsoa11_ew.csv (Nomis query download",
        "census2021_ts003_household_composition_lsoa21_ew.csv (Nomis query download",
        "aps_t01_economic_activity_2018_2022.xlsx (Nomis XLSX download",
        "employment-rate.csv (ONS Explore Local Statistics",
        "economically-inactive-due-to-sickness.csv (ONS Explore Local Statistics",
        "census2021-ts066-ltla.csv (Nomis Census 2021 bulk file",
    ):
        assert fragment in loaded
    skipped = {Path(s.path).relative_to(shared_data).as_posix(): s.reason for s in result.skipped}
    assert all(reason.strip() for reason in skipped.values())
    geometry = [p for p in skipped if p.endswith(".geojson")]
    assert len(geometry) == 18
    assert {skipped[p] for p in geometry} == {"not an extract: boundary or geometry file"}
    lookups = [p for p in skipped if p.startswith("boundaries/lookups/")]
    assert len(lookups) == 9
    assert {skipped[p] for p in lookups} == {"not an extract: geography lookup table"}
    # Legacy .xls workbooks are opened and read, never refused for their format.
    for xls in (
        "ashe/PROV - Home Geography Table 8.1a   Weekly pay - Gross 2023.xls",
        "claimant_count/lmregtabcc01march2023.xls",
    ):
        assert xls in loaded or "not read" not in skipped[xls]
    for doc in ("SOURCES.md", "fitnotes/README.md"):
        assert skipped[doc] == "not an extract: documentation or metadata"
    assert (
        skipped["ons_local_indicators/employment-rate.json"]
        == "the metadata of employment-rate.csv, read with it"
    )
    for indicator in (
        "employment_rate_16_64",
        "unemployment_rate_16_64",
        "inactive_long_term_sick_pct_of_inactive",
        "census_long_term_sick_pct",
        "census_lone_parent_households_pct",
        "employment_by_industry",
    ):
        assert result.rows_per_indicator[indicator] > 0, indicator
