"""DfE NEET and not-known 16-17 by local authority: real 2022-2024 files, former counties."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from core.area import load_area
from etl import build

HEADER = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
    "region_name,old_la_code,new_la_code,la_name,Age,Cohort_DJFavg,NEET_not_known_percent,"
    "NEET_percent,Notknown_percent"
)


def rows(con, indicator: str) -> dict:
    return {
        (r[0], str(r[1])[:4]): (r[2], r[3])
        for r in con.execute(
            "SELECT area_code, period_end, value, status FROM observations WHERE indicator_id = ?",
            [indicator],
        ).fetchall()
    }


@pytest.mark.shared_data
def test_real_files_load_with_hand_checked_figures(shared_data, tmp_path):
    folder = tmp_path / "neet"
    shutil.copytree(shared_data / "neet", folder)
    db = tmp_path / "w.duckdb"
    build.run("files", db, from_dir=folder)
    con = duckdb.connect(str(db), read_only=True)
    # UD_NEETNK_LA_dashboard_final_2024: Luton (E06000032) 2024: cohort 6066, NEET or not known
    # 4.2, NEET 2.7, not known 1.5.
    assert rows(con, "neet_16_17_pct")[("E06000032", "2024")] == (2.7, None)
    assert rows(con, "neet_or_not_known_16_17_pct")[("E06000032", "2024")] == (4.2, None)
    assert rows(con, "not_known_16_17_pct")[("E06000032", "2024")] == (1.5, None)
    # Bedford 2022 (2022 file): NEET 1.9; West Northamptonshire 2023: NEET 1.6.
    assert rows(con, "neet_16_17_pct")[("E06000055", "2022")][0] == 1.9
    assert rows(con, "neet_16_17_pct")[("E06000062", "2023")][0] == 1.6
    # England and a region come through as comparators.
    assert rows(con, "neet_16_17_pct")[("E92000001", "2024")][0] == 3.2
    # The partnership is weighted by cohort, flagged as aggregated.
    partnership = rows(con, "neet_16_17_pct")[("GBW-SMID", "2024")]
    assert partnership[1] == "aggregated" and 1.5 < partnership[0] < 3.4
    label = con.execute(
        "SELECT DISTINCT period_label FROM observations WHERE indicator_id = 'neet_16_17_pct' "
        "AND period_end = '2024-02-29'"
    ).fetchone()[0]
    assert label == "Dec 2023-Feb 2024"


def line(year, level, code, name, cohort, nk, neet, unknown, region="E12000004"):
    return (
        f"{year},Calendar year,{level},E92000001,England,{region},East Midlands,928,{code},"
        f"{name},16-17,{cohort},{nk},{neet},{unknown}"
    )


def test_a_former_county_is_reported_and_kept_out(tmp_path):
    folder = tmp_path / "neet"
    folder.mkdir()
    (folder / "neet_2019.csv").write_text(
        "\n".join(
            [
                HEADER,
                line(
                    2019, "Local authority", "E10000021", "Northamptonshire", 16000, 5.1, 2.9, 2.2
                ),
                line(2019, "Local authority", "E06000055", "Bedford", 3900, 4.0, 2.0, 2.0),
                line(2019, "Local authority", "E06000032", "Luton", 5500, "c", "c", "z"),
            ]
        )
        + "\n"
    )
    db = tmp_path / "w.duckdb"
    result = build.run("files", db, from_dir=folder)
    con = duckdb.connect(str(db), read_only=True)
    neet = rows(con, "neet_16_17_pct")
    assert ("E10000021", "2019") not in neet
    assert ("E06000061", "2019") not in neet and ("E06000062", "2019") not in neet
    assert neet[("E06000032", "2019")] == (None, "suppressed")  # 'c' stays suppressed
    assert rows(con, "not_known_16_17_pct")[("E06000032", "2019")] == (None, "not_applicable")
    note = next(n for n in result.notes if "NEET 16-17 2019" in n)
    assert "E06000061" in note and "Northamptonshire (E10000021)" in note


def test_the_area_given_to_the_build_is_the_one_its_notes_speak_of(tmp_path):
    folder = tmp_path / "neet"
    folder.mkdir()
    (folder / "neet_2019.csv").write_text(
        HEADER
        + "\n"
        + line(2019, "Local authority", "E10000021", "Northamptonshire", 16000, 5.1, 2.9, 2.2)
        + "\n"
        + line(2019, "Local authority", "E06000055", "Bedford", 3900, 4.0, 2.0, 2.0)
        + "\n"
    )
    config = tmp_path / "area.toml"
    config.write_text(
        '[partnership]\ncode = "ONE"\nname = "Bedford and Luton"\n\n'
        '[[lad]]\ncode = "E06000055"\nname = "Bedford"\nregion = "E12000006"\n\n'
        '[[lad]]\ncode = "E06000032"\nname = "Luton"\nregion = "E12000006"\n'
    )
    result = build.run("files", tmp_path / "w.duckdb", from_dir=folder, area=load_area(config))
    note = next(n for n in result.notes if "NEET 16-17 2019" in n)
    # Luton is in the area given, not in the default one's missing list (Northamptonshire's).
    assert "no figure for configured place(s) E06000032." in note
    assert "E06000061" not in note


def test_where_files_overlap_the_newest_edition_wins(tmp_path):
    folder = tmp_path / "neet"
    folder.mkdir()
    old = folder / "a_old.csv"
    new = folder / "b_new.csv"
    old.write_text(
        HEADER
        + "\n"
        + line(2023, "Local authority", "E06000055", "Bedford", 4000, 3.7, 1.8, 1.9)
        + "\n"
    )
    new.write_text(
        HEADER
        + "\n"
        + line(2023, "Local authority", "E06000055", "Bedford", 4000, 3.8, 1.9, 1.9)
        + "\n"
        + line(2024, "Local authority", "E06000055", "Bedford", 4200, 3.1, 1.5, 1.7)
        + "\n"
    )
    later = new.stat().st_mtime + 3600
    os.utime(old, (later, later))  # the older file was saved last
    db = tmp_path / "w.duckdb"
    build.run("files", db, from_dir=folder)
    con = duckdb.connect(str(db), read_only=True)
    assert rows(con, "neet_16_17_pct")[("E06000055", "2023")][0] == 1.9
