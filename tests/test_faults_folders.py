"""Input folders an officer points a build at: symbolic-link loops, and file names holding a line
break or a right-to-left override.

A loop is walked once and named in the summary (both builds run as commands, with a time limit:
before, they walked the loop until memory ran out). A hostile name is printed escaped in every
message, so it can neither forge a line of the summary nor reverse the text after it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from etl import build
from etl.__main__ import main as etl_main
from geo.__main__ import main as geo_main
from tests.test_geo_bad_input import AREA, world

REPO = Path(__file__).resolve().parent.parent
GOOD = build.SAMPLE_DIR / "SAMPLE_employment-rate.csv"
HOSTILE = "rate\nloaded      forged.csv: 9,999 figures\u202ecsv.exe"


def loops(folder: Path) -> None:
    """Two links back up the tree (one alone makes a chain, two make exponentially many paths)."""
    inner = folder / "2024" / "q1"
    inner.mkdir(parents=True)
    os.symlink("../..", inner / "back-to-top")
    os.symlink("..", inner / "back-to-2024")
    os.symlink("no-such-folder", folder / "dangling")


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def test_etl_build_from_a_folder_with_link_loops_reads_each_folder_once(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    loops(folder)
    shutil.copy(GOOD, folder / "2024" / "q1")
    db = tmp_path / "warehouse.duckdb"
    done = run("etl", "build", "--from", str(folder), "--db", str(db), "--quiet")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("loaded      2024/q1/SAMPLE_employment-rate.csv") == 1
    assert f"{folder}/2024/q1/back-to-top: a link back to a folder already read (a loop)" in out
    assert f"{folder}/2024/q1/back-to-2024: a link back to a folder already read (a loop)" in out
    assert f"{folder}/dangling: a link to nothing; not read" in out
    assert "Files (1: 1 loaded)" in out


def test_geo_build_from_a_folder_with_link_loops_reads_each_folder_once(tmp_path):
    area_file = tmp_path / "area.toml"
    area_file.write_text(AREA)
    good = world(tmp_path, "boundaries")
    loops(good)
    out_dir = tmp_path / "geo"
    done = run("geo", "build", "--from", str(good), "--out", str(out_dir), "--area",
               str(area_file), "--quiet")
    assert done.returncode == 0, done.stderr
    assert f"{good}/2024/q1/back-to-top: a link back to a folder already read (a loop)" in (
        done.stdout)
    assert f"{good}/dangling: a link to nothing; not read" in done.stdout
    assert (out_dir / "lsoa.parquet").is_file()



def test_a_hostile_file_name_is_printed_escaped_by_the_etl_build(tmp_path, capsys):
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(GOOD, folder)
    (folder / f"{HOSTILE}.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    db = tmp_path / "warehouse.duckdb"
    assert etl_main(["build", "--from", str(folder), "--db", str(db), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "\u202e" not in out
    assert "\nloaded      forged.csv" not in out  # no forged line in the summary
    assert ("quarantined rate\\nloaded      forged.csv: 9,999 figures\\u202ecsv.exe.csv: this "
            "is a binary file") in out

    # --strict fails naming the file, escaped the same way.
    assert etl_main(["build", "--from", str(folder), "--db", str(db), "--quiet",
                     "--strict"]) == 1
    err = capsys.readouterr().err
    assert "\u202e" not in err and "\nloaded      forged.csv" not in err
    assert "rate\\nloaded      forged.csv: 9,999 figures\\u202ecsv.exe.csv" in err


def test_a_hostile_folder_name_is_printed_escaped_by_both_builds(tmp_path, capsys):
    folder = tmp_path / f"{HOSTILE}"
    folder.mkdir()
    (folder / "notes.txt").write_text("nothing to read")
    db = tmp_path / "warehouse.duckdb"
    assert etl_main(["build", "--from", str(folder), "--db", str(db), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "\u202e" not in err and "\nloaded      forged.csv" not in err
    assert "rate\\nloaded      forged.csv: 9,999 figures\\u202ecsv.exe" in err

    area_file = tmp_path / "area.toml"
    area_file.write_text(AREA)
    bad = world(tmp_path, "bad-boundaries")
    broken = bad / f"{HOSTILE}.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    assert geo_main(["build", "--from", str(bad), "--out", str(tmp_path / "geo"), "--area",
                     str(area_file), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "\u202e" not in err and "\nloaded      forged.csv" not in err
    assert "rate\\nloaded      forged.csv: 9,999 figures\\u202ecsv.exe.geojson" in err


def test_a_hostile_name_among_skipped_boundary_files_is_printed_escaped(tmp_path, capsys):
    area_file = tmp_path / "area.toml"
    area_file.write_text(AREA)
    good = world(tmp_path, "boundaries")
    (good / f"{HOSTILE}.json").write_text('{"dataset": "not geography"}')
    assert geo_main(["build", "--from", str(good), "--out", str(tmp_path / "geo"), "--area",
                     str(area_file), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "\u202e" not in out and "\nloaded      forged.csv" not in out
    assert "rate\\nloaded      forged.csv: 9,999 figures\\u202ecsv.exe.json: JSON, but not" in out
