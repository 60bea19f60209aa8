"""Census 2021 bulk files from Nomis, built into the warehouse and checked against the files."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from core.errors import EtlError
from etl import build

pytestmark = pytest.mark.shared_data


@pytest.fixture()
def ts066_dir(shared_data, tmp_path):
    """Only the TS066 files, so the test reads exactly what it checks."""
    folder = tmp_path / "extracts"
    shutil.copytree(shared_data / "nomis" / "census2021_bulk" / "ts066", folder)
    return folder


def test_long_term_sick_matches_the_census_file(ts066_dir, tmp_path):
    db = tmp_path / "w.duckdb"
    result = build.run("files", db, from_dir=ts066_dir)
    assert result.rows_per_indicator["census_long_term_sick_pct"] > 300
    con = duckdb.connect(str(db), read_only=True)
    rows = dict(
        con.execute(
            "SELECT area_code, [value, numerator, denominator] FROM observations "
            "WHERE indicator_id = 'census_long_term_sick_pct'"
        ).fetchall()
    )
    # Hand-checked in census2021-ts066-ltla.csv: Luton, 6,720 long-term sick of 172,695 aged 16+.
    assert rows["E06000032"][1:] == [6720, 172695]
    assert rows["E06000032"][0] == pytest.approx(100 * 6720 / 172695)
    # England (ctry file): 1,874,300 of 46,006,957.
    assert rows["E92000001"][1:] == [1874300, 46006957]
    # The partnership is summed from its six places' counts, not an average of their rates.
    partnership = rows["GBW-SMID"]
    lads = ["E06000055", "E06000056", "E06000032", "E06000042", "E06000061", "E06000062"]
    assert partnership[1] == sum(rows[c][1] for c in lads)
    assert partnership[2] == sum(rows[c][2] for c in lads)
    status = con.execute(
        "SELECT status FROM observations WHERE area_code = 'GBW-SMID' LIMIT 1"
    ).fetchone()[0]
    assert status == "aggregated"


def test_the_skipped_files_are_listed_with_reasons(ts066_dir, tmp_path):
    result = build.run("files", tmp_path / "w.duckdb", from_dir=ts066_dir)
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in result.skipped}
    assert reasons == {"ts066-2021-1_metadata.txt": "not an extract: documentation or metadata"}


def test_a_broken_file_fails_a_strict_build_and_keeps_the_warehouse(ts066_dir, tmp_path):
    db = tmp_path / "w.duckdb"
    build.run("files", db, from_dir=ts066_dir)
    before = db.read_bytes()
    ltla = ts066_dir / "census2021-ts066-ltla.csv"
    lines = ltla.read_text().splitlines()
    cells = lines[5].split(",")
    cells[4] = "n/a"
    lines[5] = ",".join(cells)
    ltla.write_text("\n".join(lines) + "\n")
    with pytest.raises(EtlError) as err:
        build.run("files", db, from_dir=ts066_dir, strict=True)
    assert "census2021-ts066-ltla.csv" in str(err.value)
    assert "line 6" in str(err.value)
    assert "'n/a'" in str(err.value)
    assert db.read_bytes() == before
