"""Broken input files, from the reader's side. With --strict the build stops naming the file
(and line or column), the warehouse in use keeps its bytes and the dashboard serves what it
served. By default a download that became broken is quarantined and the figures it gave are
carried over: the dashboard still shows them, marked as not refreshed.

The messages for many broken extracts are checked in test_bad_input.py.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from etl import build
from etl.__main__ import main
from geo import load_level
from geo.__main__ import main as geo_main
from tests.fixtures.faults.support import assert_still_served, served, warehouse_bytes
from tests.test_bad_input import ONS_HEADER, ONS_ROWS, QUERY, _crlf, _query_with
from tests.test_geo_bad_input import AREA, LSOAS, grid, lsoa_frame, world, write_lookup

GOOD = build.SAMPLE_DIR / "SAMPLE_employment-rate.csv"
OTHER = build.SAMPLE_DIR / (
    "SAMPLE_proportion-of-people-who-are-economically-inactive-due-to-sickness.csv"
)

CASES = {
    "empty file": ("empty.csv", b"", ["empty.csv: the file is empty"]),
    "binary file": ("data.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", ["binary file"]),
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
    "CSV with a missing column": (
        "rate.csv",
        b"areacd,areanm,indicator,observation\nE06000032,Luton,Employment rate,70.5\n",
        ["rate.csv: missing required column(s) ['period']"],
    ),
    "duplicate keys": (
        "rate.csv",
        "\n".join([ONS_HEADER, ONS_ROWS[0], ONS_ROWS[1], ONS_ROWS[0]]).encode() + b"\n",
        ["rate.csv, line 4", "duplicate rows for area E06000032", "first on line 2"],
    ),
    "an unknown marker in a value column": (
        "bres.csv",
        _query_with(10, "E06000055 : Bedford,72000,,[w],"),
        ["bres.csv, line 10, column 'Employment'", "'[w]'", "neither a number nor a marker"],
    ),
    "a query download cut mid-row": (
        "bres.csv",
        _crlf(QUERY[:10]) + b"E06000042 : Milton Keynes,166",
        ["bres.csv, line 11", "cut off"],
    ),
}


@pytest.fixture()
def in_use(tmp_path):
    """A warehouse built from one good file is in use; its folder, bytes and what is served."""
    folder = tmp_path / "extracts"
    folder.mkdir()
    shutil.copy(GOOD, folder)
    assert main(["build", "--from", str(folder), "--quiet"]) == 0
    return folder, warehouse_bytes(), served()


def failed_build(folder, capsys) -> str:
    capsys.readouterr()
    code = main(["build", "--from", str(folder), "--quiet", "--strict"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("Build failed: ") and "Traceback" not in err
    assert "was not changed" in err
    return err


@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_extract_leaves_the_app_serving_the_previous_figures(case, in_use, capsys):
    folder, before, shown = in_use
    name, data, expected = CASES[case]
    (folder / name).write_bytes(data)
    err = failed_build(folder, capsys)
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"
    assert warehouse_bytes() == before
    assert_still_served(shown)


@pytest.mark.parametrize("case", list(CASES))
def test_a_download_that_became_broken_keeps_its_figures_served(case, tmp_path, capsys):
    folder = tmp_path / "extracts"
    folder.mkdir()
    shutil.copy(GOOD, folder)
    shutil.copy(OTHER, folder)
    assert main(["build", "--from", str(folder), "--quiet"]) == 0
    shown = served()
    _, data, _ = CASES[case]
    (folder / GOOD.name).write_bytes(data)  # the refresh saved a broken file over the download
    capsys.readouterr()
    assert main(["build", "--from", str(folder), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Carried over from the warehouse in use:" in out
    assert f"ons_local_indicators: not refreshed: {GOOD.name}" in out
    now = served()
    assert now.load_id != shown.load_id and now.n_obs == shown.n_obs
    pd.testing.assert_frame_equal(now.figures, shown.figures)


def test_a_lookup_with_conflicts_among_the_extracts_is_named_without_a_traceback(
    in_use, capsys
):
    folder, before, shown = in_use
    write_lookup(folder, [*LSOAS, ("E01999901", "Luton 001A", "E02999902", "Luton 002")])
    err = failed_build(folder, capsys)
    assert "lookup.csv" in err
    assert "E01999901 in E02999901, E02999902" in err
    assert warehouse_bytes() == before
    assert_still_served(shown)


# --- map geometry (python -m geo build) -----------------------------------------------------


@pytest.fixture()
def geometry_in_use(tmp_path):
    """Geometry built from a good 2 x 2 grid of LSOAs; the folder and its files' bytes."""
    area_file = tmp_path / "area.toml"
    area_file.write_text(AREA)
    out = tmp_path / "geo"
    good = world(tmp_path, "good")
    assert geo_main(["build", "--from", str(good), "--out", str(out), "--area", str(area_file),
                     "--quiet"]) == 0
    return out, area_file, {p.name: p.read_bytes() for p in out.iterdir()}


def failed_geo_build(folder, out, area_file, capsys) -> str:
    capsys.readouterr()
    code = geo_main(["build", "--from", str(folder), "--out", str(out), "--area", str(area_file),
                     "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Geometry build failed" in err and "was not changed" in err
    assert "Traceback" not in err
    return err


def test_a_boundary_with_broken_geometry_keeps_the_map_geometry_in_use(
    geometry_in_use, tmp_path, capsys
):
    out, area_file, before = geometry_in_use
    drawn = load_level("lsoa", out)
    squares = grid()
    flat = type(squares[0])([(508_000, 221_000), (508_500, 221_000), (509_000, 221_000)])
    bad = world(tmp_path, "bad", frame=lsoa_frame([squares[0], flat, *squares[2:]]))
    err = failed_geo_build(bad, out, area_file, capsys)
    assert "E01999902" in err and "lsoa.geojson" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert load_level("lsoa", out).equals(drawn)


def test_a_boundary_lookup_with_conflicts_keeps_the_map_geometry_in_use(
    geometry_in_use, tmp_path, capsys
):
    out, area_file, before = geometry_in_use
    bad = world(tmp_path, "bad")
    write_lookup(bad, [*LSOAS, ("E01999903", "Luton 002A", "E02999901", "Luton 001")])
    err = failed_geo_build(bad, out, area_file, capsys)
    assert "lookup.csv" in err and "E01999903 in E02999901, E02999902" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
