"""Parsers leave out neighbourhood rows outside the configured area before making records of them
(``etl.areas.AreaFilter``): the warehouse is the same as when every row is read."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.area import load_area
from core.lookups import LSOA21_COLUMNS, Lookups
from etl import build
from etl.areas import AreaFilter
from etl.sources import census_bulk, nomis_query

VARIABLE = "Economic activity status"
HEADER = (
    f"date,geography,geography code,{VARIABLE}: Total: All usual residents aged 16 years and "
    f"over,{VARIABLE}: Economically inactive: Long-term sick or disabled"
)


def _lookups(rows: list[tuple[str, str]]) -> Lookups:
    """Lookups placing each LSOA code (code, LAD code)."""
    frame = pd.DataFrame([{"lsoa_code": c, "lad_code": lad} for c, lad in rows])
    return Lookups(lsoa21=frame.reindex(columns=LSOA21_COLUMNS))


def test_a_row_is_left_out_only_where_the_scope_would_drop_it():
    area = load_area()  # the repository's area: Luton E06000032 among its LADs
    narrow = AreaFilter.make(
        area, _lookups([("E01015000", "E06000032"), ("E01000001", "E09000001")])
    ).for_file()
    codes = ["E01015000", "E01000001", "E01099999", "E01099998", "E01099997", "E06000032", "K1"]
    names = ["x", "City of London 001A", "Luton 001A", "Gotham 001A", None, "Luton", "n"]
    keep = narrow.keep(codes, names, None, per_row=3)
    # Placed in Luton by the lookup; placed elsewhere; unplaced but named for Luton; unplaced and
    # named for no LAD of the area; unplaced without a name; not a neighbourhood; not a code.
    assert keep.tolist() == [True, False, True, False, False, True, True]
    assert narrow.figures == 3 * 3
    assert narrow.unplaced[False] == {"Gotham"}


def _write(folder: Path, name: str, rows: list[str]) -> None:
    (folder / name).write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")


@pytest.fixture()
def unnamed_area(tmp_path, monkeypatch):
    """An area whose one LAD is configured without a name (the extracts give it)."""
    config = tmp_path / "area.toml"
    config.write_text(
        '[partnership]\ncode = "GBW-TEST"\nname = "Test"\n\n[[lad]]\ncode = "E06000032"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("AREA_CONFIG", str(config))
    folder = tmp_path / "extracts"
    folder.mkdir()
    _write(folder, "census2021-ts066-ltla.csv", ["2021,Luton,E06000032,1000,50"])
    _write(
        folder,
        "census2021-ts066-lsoa.csv",
        [
            "2021,City of London 001A,E01000001,800,5",
            "2021,Luton 001A,E01015000,400,20",
            "2021,Luton 001B,E01015001,600,30",
        ],
    )
    return folder


def _warehouse(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT * EXCLUDE (load_id) FROM {t} ORDER BY ALL").fetchall()
            if t == "observations"
            else con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("observations", "areas", "sources", "area_lookup")
        }
    finally:
        con.close()


def test_a_name_learned_from_the_extracts_reads_a_left_out_file_again(
    unnamed_area, tmp_path, monkeypatch
):
    calls = []
    parse = census_bulk.parse

    def counting(path, recognised, **kwargs):
        calls.append((Path(path).name, kwargs.get("narrow") is not None))
        return parse(path, recognised, **kwargs)

    monkeypatch.setattr(census_bulk, "parse", counting)
    narrowed = build.run("files", tmp_path / "a.duckdb", from_dir=unnamed_area)
    # Nothing named Luton up front, so the LSOA file left out Luton's rows; the LTLA file names
    # E06000032 Luton, so the LSOA file was read again in full.
    assert ("census2021-ts066-lsoa.csv", False) in calls
    monkeypatch.setattr(census_bulk, "NARROWS", False)
    whole = build.run("files", tmp_path / "b.duckdb", from_dir=unnamed_area)
    assert narrowed.notes == whole.notes
    got = _warehouse(tmp_path / "a.duckdb")
    assert got == _warehouse(tmp_path / "b.duckdb")
    assert {"E01015000", "E01015001"} <= {row[1] for row in got["observations"]}


def test_left_out_figures_are_counted_as_before(unnamed_area, tmp_path, monkeypatch):
    (unnamed_area.parent / "area.toml").write_text(
        '[partnership]\ncode = "GBW-TEST"\nname = "Test"\n\n[[lad]]\ncode = "E06000032"\n'
        'name = "Luton"\n',
        encoding="utf-8",
    )
    calls = []
    parse = census_bulk.parse

    def counting(path, recognised, **kwargs):
        calls.append(Path(path).name)
        return parse(path, recognised, **kwargs)

    monkeypatch.setattr(census_bulk, "parse", counting)
    narrowed = build.run("files", tmp_path / "a.duckdb", from_dir=unnamed_area)
    assert calls.count("census2021-ts066-lsoa.csv") == 1  # the configured name was enough
    monkeypatch.setattr(census_bulk, "NARROWS", False)
    monkeypatch.setattr(nomis_query, "NARROWS", False)
    whole = build.run("files", tmp_path / "b.duckdb", from_dir=unnamed_area)
    assert narrowed.notes == whole.notes
    assert any("2 published figures describe places outside" in n for n in narrowed.notes)
    assert _warehouse(tmp_path / "a.duckdb") == _warehouse(tmp_path / "b.duckdb")
