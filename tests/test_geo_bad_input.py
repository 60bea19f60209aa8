"""Bad boundary and lookup input: a clear message naming the file and the codes, and nothing
already built is replaced. The places are a synthetic 2 x 2 grid of 500 m squares near Luton."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from core.area import load_area
from core.errors import BoundaryError, GeoError, LookupError_
from geo import load_level
from geo.__main__ import main
from geo.build import run

LSOAS = [
    ("E01999901", "Luton 001A", "E02999901", "Luton 001"),
    ("E01999902", "Luton 001B", "E02999901", "Luton 001"),
    ("E01999903", "Luton 002A", "E02999902", "Luton 002"),
    ("E01999904", "Luton 002B", "E02999902", "Luton 002"),
]
AREA = """
[partnership]
code = "TEST"
name = "Test area"

[[lad]]
code = "E06000032"
name = "Luton"
region = "E12000006"
"""


def grid() -> list[shapely.Polygon]:
    """Four 500 m squares in British National Grid that share their edges (a coverage)."""
    x0, y0, s = 508_000, 221_000, 500
    return [
        shapely.box(x0 + i * s, y0 + j * s, x0 + (i + 1) * s, y0 + (j + 1) * s)
        for j in (0, 1)
        for i in (0, 1)
    ]


def lsoa_frame(geoms=None, codes=None, crs="EPSG:27700") -> gpd.GeoDataFrame:
    rows = LSOAS if codes is None else [r for r in LSOAS if r[0] in codes]
    geoms = geoms or grid()[: len(rows)]
    return gpd.GeoDataFrame(
        {"LSOA21CD": [r[0] for r in rows], "LSOA21NM": [r[1] for r in rows]},
        geometry=geoms,
        crs=crs,
    )


def write_lookup(folder: Path, rows=LSOAS) -> Path:
    path = folder / "lookup.csv"
    lines = ["LSOA21CD,LSOA21NM,MSOA21CD,MSOA21NM,LAD22CD,LAD22NM"]
    lines += [f"{a},{b},{c},{d},E06000032,Luton" for a, b, c, d in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def world(
    tmp_path: Path,
    name: str = "src",
    frame: gpd.GeoDataFrame | None = None,
    filename: str = "lsoa.geojson",
) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (lsoa_frame() if frame is None else frame).to_file(folder / filename)
    write_lookup(folder)
    return folder


@pytest.fixture()
def area(tmp_path):
    path = tmp_path / "area.toml"
    path.write_text(AREA)
    return load_area(path)


def test_a_good_world_builds(tmp_path, area):
    result = run("files", tmp_path / "geo", from_dir=world(tmp_path), area=area)
    lsoa = load_level("lsoa", tmp_path / "geo")
    assert sorted(lsoa["area_code"]) == [r[0] for r in LSOAS]
    assert len(load_level("msoa", tmp_path / "geo")) == 2
    assert result.notes == [] or all("repaired" not in n for n in result.notes)


@pytest.mark.parametrize("filename", ["lsoa.gpkg", "lsoa.parquet", "lsoa.shp"])
def test_geopackage_geoparquet_and_shapefile_in_any_crs_are_read(tmp_path, area, filename):
    folder = tmp_path / "src"
    folder.mkdir()
    frame = lsoa_frame().to_crs(3857)  # neither the source CRS nor WGS84
    if filename.endswith(".parquet"):
        frame.to_parquet(folder / filename)
    else:
        frame.to_file(folder / filename)
    write_lookup(folder)
    run("files", tmp_path / "geo", from_dir=folder, area=area)
    lsoa = load_level("lsoa", tmp_path / "geo").to_crs(27700)
    assert len(lsoa) == 4
    assert lsoa.geometry.area.sum() == pytest.approx(4 * 500 * 500, rel=1e-3)


def test_a_boundary_file_without_a_code_field_is_named(tmp_path, area):
    frame = gpd.GeoDataFrame({"label": ["a", "b", "c", "d"]}, geometry=grid(), crs=27700)
    folder = world(tmp_path)
    frame.to_file(folder / "mystery.geojson")

    with pytest.raises(BoundaryError) as err:
        run("files", tmp_path / "geo", from_dir=folder, area=area)
    message = str(err.value)
    assert "mystery.geojson" in message
    assert "no column holds ONS area codes" in message and "label" in message


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_a_shapefile_without_a_crs_is_refused(tmp_path, area):
    folder = tmp_path / "src"
    folder.mkdir()
    lsoa_frame().set_crs(None, allow_override=True).to_file(folder / "lsoa.shp")
    assert not (folder / "lsoa.prj").exists()
    write_lookup(folder)

    with pytest.raises(BoundaryError) as err:
        run("files", tmp_path / "geo", from_dir=folder, area=area)
    assert "lsoa.shp" in str(err.value)
    assert "no coordinate reference system" in str(err.value)
    assert "British National Grid" in str(err.value)  # the hint says what the numbers look like


def test_a_geojson_with_grid_metres_but_no_crs_member_is_refused(tmp_path, area):
    folder = tmp_path / "src"
    folder.mkdir()
    collection = json.loads(lsoa_frame().to_json())
    collection.pop("crs", None)  # GeoJSON without "crs" means WGS84, which these numbers are not
    (folder / "lsoa.geojson").write_text(json.dumps(collection))
    write_lookup(folder)

    with pytest.raises(BoundaryError, match=r"lsoa\.geojson.*longitude/latitude.*509,000"):
        run("files", tmp_path / "geo", from_dir=folder, area=area)


def test_invalid_geometries_are_repaired_and_named(tmp_path, area):
    squares = grid()
    x0, y0, x1, y1 = squares[0].bounds
    # A square with a zero-width spike on its top edge: invalid, repairable to the square.
    spiked = shapely.Polygon(
        [
            (x0, y0),
            (x1, y0),
            (x1, y1),
            (x0 + 250, y1),
            (x0 + 250, y1 + 200),
            (x0 + 250, y1),
            (x0, y1),
        ]
    )
    assert not spiked.is_valid
    folder = world(tmp_path, frame=lsoa_frame([spiked, *squares[1:]]))

    result = run("files", tmp_path / "geo", from_dir=folder, area=area)

    assert any("E01999901" in n and "make_valid" in n and "lsoa.geojson" in n for n in result.notes)
    lsoa = load_level("lsoa", tmp_path / "geo")
    assert lsoa.is_valid.all() and shapely.coverage_is_valid(lsoa.geometry.to_numpy())


def test_a_geometry_with_no_area_is_an_error_naming_the_code(tmp_path, area):
    squares = grid()
    flat = shapely.Polygon([(508_000, 221_000), (508_500, 221_000), (509_000, 221_000)])
    folder = world(tmp_path, frame=lsoa_frame([squares[0], flat, *squares[2:]]))

    with pytest.raises(BoundaryError) as err:
        run("files", tmp_path / "geo", from_dir=folder, area=area)
    assert "E01999902" in str(err.value) and "lsoa.geojson" in str(err.value)


def test_a_configured_lad_no_source_knows_is_named(tmp_path):
    config = tmp_path / "area.toml"
    config.write_text(AREA + '\n[[lad]]\ncode = "E06000099"\n')

    with pytest.raises(BoundaryError) as err:
        run("files", tmp_path / "geo", from_dir=world(tmp_path), area=load_area(config))
    assert "E06000099" in str(err.value) and str(config) in str(err.value)


def test_missing_neighbourhoods_are_named_with_their_lad(tmp_path, area):
    folder = world(tmp_path, frame=lsoa_frame(codes={"E01999901", "E01999902", "E01999903"}))

    with pytest.raises(BoundaryError) as err:
        run("files", tmp_path / "geo", from_dir=folder, area=area)
    assert "E01999904" in str(err.value)
    assert "1 in E06000032" in str(err.value)


def test_codes_the_lookup_does_not_place_in_the_area_are_named(tmp_path, area):
    frame = lsoa_frame()
    frame["LADCD"] = "E06000032"
    frame.loc[3, "LSOA21CD"] = "E01888888"  # an LSOA of another vintage, say
    folder = world(tmp_path, frame=frame)

    with pytest.raises(BoundaryError) as err:
        run("files", tmp_path / "geo", from_dir=folder, area=area)
    assert "E01888888" in str(err.value) and "vintages" in str(err.value)


def test_a_lookup_with_an_lsoa_in_two_msoas_is_named(tmp_path, area):
    folder = world(tmp_path)
    write_lookup(folder, [*LSOAS, ("E01999901", "Luton 001A", "E02999902", "Luton 002")])

    with pytest.raises(LookupError_) as err:
        run("files", tmp_path / "geo", from_dir=folder, area=area)
    message = str(err.value)
    assert "lookup.csv" in message
    assert "E01999901 in E02999901, E02999902" in message


def test_2011_lsoa_boundaries_are_skipped_with_the_reason(tmp_path, area):
    folder = world(tmp_path)
    old = lsoa_frame().rename(columns={"LSOA21CD": "LSOA11CD", "LSOA21NM": "LSOA11NM"})
    old.to_file(folder / "lsoa2011.geojson")

    result = run("files", tmp_path / "geo", from_dir=folder, area=area)

    assert any("lsoa2011.geojson" in s and "lsoa11" in s for s in result.skipped)


def test_a_failed_build_replaces_nothing(tmp_path, area, capsys):
    out = tmp_path / "geo"
    run("files", out, from_dir=world(tmp_path, "good"), area=area)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = world(tmp_path, "bad", frame=lsoa_frame(codes={"E01999901"}))
    area_file = tmp_path / "area.toml"

    status = main(["build", "--from", str(bad), "--out", str(out), "--area", str(area_file)])

    err = capsys.readouterr().err
    assert status == 1
    assert "Geometry build failed" in err and "E01999902" in err and "was not changed" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".geo")] == []


def test_out_refuses_a_folder_it_did_not_write(tmp_path, area):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me")

    with pytest.raises(GeoError, match="not written by `python -m geo build`"):
        run("sample", folder, area=area)
    assert (folder / "precious.txt").read_text() == "keep me"
