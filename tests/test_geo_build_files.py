"""The geometry build from the real boundary and lookup files in ../shared/data/boundaries."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from core.area import DEFAULT_CONFIG, load_area
from core.lookups import find_lookups
from etl.areas import Scope
from geo import available_levels, load_level
from geo.boundaries import scan
from geo.build import run

pytestmark = pytest.mark.shared_data

SOUTH_MIDLANDS = ["E06000055", "E06000056", "E06000032", "E06000042", "E06000061", "E06000062"]


@pytest.fixture(scope="module")
def built(shared_data, tmp_path_factory):
    """The South Midlands built once from the real files (about five seconds)."""
    out = tmp_path_factory.mktemp("geo") / "geo"
    result = run("files", out, from_dir=shared_data / "boundaries", area=load_area(DEFAULT_CONFIG))
    return out, result


def test_the_area_has_six_lads_204_msoas_and_1026_lsoas(built):
    out, _ = built
    lad, msoa, lsoa = (load_level(x, out) for x in ("lad", "msoa", "lsoa"))
    assert sorted(lad["area_code"]) == sorted(SOUTH_MIDLANDS)
    assert len(msoa) == 204 and msoa["area_code"].is_unique
    assert len(lsoa) == 1026 and lsoa["area_code"].is_unique
    assert available_levels(out) == ["lad", "msoa", "lsoa", "partnership", "lad_hex", "comparators"]
    for gdf in (lad, msoa, lsoa, load_level("partnership", out)):
        assert gdf.crs.to_epsg() == 4326
        assert gdf.is_valid.all() and not gdf.geometry.is_empty.any()
        assert gdf["area_name"].notna().all() and gdf["display_name"].notna().all()
        assert not gdf["is_schematic"].any()


def test_every_place_names_its_parent(built):
    out, _ = built
    lad, msoa, lsoa = (load_level(x, out) for x in ("lad", "msoa", "lsoa"))
    assert set(lad["parent_code"]) == {"GBW-SMID"}
    assert set(msoa["parent_code"]) == set(SOUTH_MIDLANDS)
    assert set(lsoa["parent_code"]) == set(msoa["area_code"])
    assert (
        lsoa["lad_code"] == lsoa["parent_code"].map(msoa.set_index("area_code")["lad_code"])
    ).all()
    # Per-LAD counts from the lookup, checked by hand in SOURCES.md: Luton 125 LSOAs, 22 MSOAs.
    assert (lsoa["lad_code"] == "E06000032").sum() == 125
    assert (msoa["lad_code"] == "E06000032").sum() == 22
    assert (lsoa["lad_code"] == "E06000062").sum() == 238


def test_named_places_checked_by_hand(built):
    out, _ = built
    msoa = load_level("msoa", out).set_index("area_code")
    lsoa = load_level("lsoa", out).set_index("area_code")
    lad = load_level("lad", out).set_index("area_code")
    # msoa_la.csv: E02003262 is "Luton 005", House of Commons Library name Leagrave.
    assert msoa.loc["E02003262", ["area_name", "display_name", "parent_code"]].tolist() == [
        "Luton 005",
        "Leagrave",
        "E06000032",
    ]
    assert msoa.loc["E02003620", "display_name"] == "Brickhill"  # Bedford 005
    # LSOA21_MSOA21_LAD23 lookup: E01015740 is Luton 012A in MSOA E02003269.
    assert lsoa.loc["E01015740", "area_name"] == "Luton 012A"
    assert lsoa.loc["E01015740", "parent_code"] == "E02003269"
    assert lsoa.loc["E01015740", "display_name"] == "Luton 012A (Stopsley South & Round Green)"
    assert lad.loc["E06000042", ["area_name", "region_code"]].tolist() == [
        "Milton Keynes",
        "E12000008",
    ]
    # Luton lies inside the area, near 51.88°N 0.42°W.
    p = lad.loc["E06000032"].geometry.representative_point()
    assert -0.55 < p.x < -0.33 and 51.84 < p.y < 51.95


def test_levels_nest_border_for_border(built):
    out, _ = built
    lad, msoa, lsoa = (load_level(x, out) for x in ("lad", "msoa", "lsoa"))
    msoa_geom = msoa.set_index("area_code").geometry
    for code, parent in zip(
        lsoa["area_code"].iloc[::25], lsoa["parent_code"].iloc[::25], strict=True
    ):
        child = lsoa.set_index("area_code").geometry[code]
        assert shapely.area(shapely.difference(child, msoa_geom[parent])) < 1e-12
    # No gaps, no overlaps, shared borders vertex for vertex: still a coverage after rounding.
    assert shapely.coverage_is_valid(lsoa.geometry.to_numpy())
    assert shapely.coverage_is_valid(lad.geometry.to_numpy())
    part = load_level("partnership", out).to_crs(27700).geometry.iloc[0]
    assert part.area == pytest.approx(lad.to_crs(27700).geometry.area.sum(), rel=1e-6)


def test_simplified_outlines_stay_close_to_the_source(built, shared_data):
    out, _ = built
    lsoa = load_level("lsoa", out).set_index("area_code").to_crs(27700)
    layers, _ = scan(shared_data / "boundaries" / "lsoa21")
    raw = np.concatenate(
        [layer.gdf.to_crs(27700)[["area_code", "geometry"]].to_numpy() for layer in layers]
    )
    src = {code: geom for code, geom in raw if code in lsoa.index}
    assert len(src) == 1026
    codes = list(src)
    before = np.array([src[c] for c in codes], dtype=object)
    after = lsoa.geometry.loc[codes].to_numpy()
    change = np.abs(shapely.area(after) / shapely.area(before) - 1)
    assert change.max() < 0.10  # no neighbourhood gains or loses a tenth of its area
    assert np.median(shapely.hausdorff_distance(before, after)) < 100  # metres


def test_the_lsoa_layer_is_light_and_the_bytes_are_recorded(built):
    out, result = built
    lsoa = load_level("lsoa", out)
    payload = json.dumps(lsoa[["area_code", "display_name", "geometry"]].__geo_interface__)
    assert len(payload.replace(" ", "")) < 700_000  # well under the 800 KB map budget
    manifest = json.loads((out / "manifest.json").read_text())
    st = manifest["levels"]["lsoa"]
    assert st["features"] == 1026
    assert st["bytes_after"] < st["bytes_before"] / 3
    assert result.stats["lsoa"].bytes_after == st["bytes_after"]


def test_comparators_are_each_lads_region_and_england(built):
    out, _ = built
    comp = load_level("comparators", out).set_index("area_code")
    assert comp.loc[["E12000006", "E12000008", "E12000004", "E92000001"], "area_name"].tolist() == [
        "East of England",
        "South East",
        "East Midlands",
        "England",
    ]
    assert set(comp["parent_code"].dropna()) == {"E92000001"}
    england = comp.to_crs(27700).geometry["E92000001"]
    assert 125_000e6 < england.area < 135_000e6  # England is about 130,000 km²
    assert comp.geometry.notna().all()


def test_the_hex_map_gives_each_lad_one_equal_hexagon(built):
    out, _ = built
    hexes = load_level("lad_hex", out).set_index("area_code").to_crs(3857)
    assert sorted(hexes.index) == sorted(SOUTH_MIDLANDS)
    assert hexes["is_schematic"].all()
    areas = hexes.geometry.area
    assert areas.max() / areas.min() == pytest.approx(1.0, abs=1e-3)
    assert all(len(g.exterior.coords) == 7 for g in hexes.geometry)
    y = hexes.geometry.centroid.y
    assert y["E06000032"] < y["E06000056"] < y["E06000061"]  # Luton, Central Beds, North Northants
    overlap = shapely.union_all(hexes.geometry.to_numpy()).area
    assert overlap == pytest.approx(areas.sum(), rel=1e-3)  # hexagons touch, never overlap


def test_normalised_lookups_are_written_for_the_etl(built):
    out, _ = built
    lk = find_lookups(out)
    assert len(lk.lsoa21) == 1026 and lk.lsoa21["msoa_code"].notna().all()
    succ = lk.successors()
    assert {c: succ[c] for c in ("E07000150", "E07000154")} == {
        "E07000150": "E06000061",  # Corby -> North Northamptonshire
        "E07000154": "E06000062",  # Northampton -> West Northamptonshire
    }
    assert sum(v in ("E06000061", "E06000062") for v in succ.values()) == 7
    sub = lk.subicb.set_index("lad_code")
    assert sub.loc["E06000032", ["subicb_ods", "subicb_code"]].tolist() == ["M1J4Y", "E38000249"]
    assert sub.loc["E06000061", ["subicb_ods", "subicb_code"]].tolist() == ["78H", "E38000242"]
    assert lk.lsoa11["lad_code"].isin(SOUTH_MIDLANDS).all() and len(lk.lsoa11) > 1000
    # The ETL reads them the same way: it places an LSOA by them.
    scope = Scope.make(
        load_area(DEFAULT_CONFIG),
        lk,
        lk.lsoa21.iloc[:0].rename(columns={"lsoa_code": "area_code", "lsoa_name": "area_name"})[
            ["area_code", "area_name"]
        ],
    )
    assert scope.lookups.lsoa_to_lad()["E01015740"] == "E06000032"


def test_hcl_names_come_from_msoa_la_when_the_lookup_lacks_them(shared_data, tmp_path):
    """Only the ONS ward lookup (no MSOAs) and msoa_la.csv: MSOAs come from the naming rule."""
    src = shared_data / "boundaries"
    folder = tmp_path / "src"
    (folder / "lookups").mkdir(parents=True)
    for name in ("lsoa21", "msoa21"):
        (folder / name).symlink_to(src / name, target_is_directory=True)
    for name in ("LSOA21_WD23_LAD23_EW_LU.csv", "msoa_la.csv", "la_all_codes.csv"):
        (folder / "lookups" / name).symlink_to(src / "lookups" / name)
    area_file = tmp_path / "luton.toml"
    area_file.write_text(
        '[partnership]\ncode = "X"\nname = "Luton only"\n[[lad]]\ncode = "E06000032"\n'
    )

    result = run("files", tmp_path / "geo", from_dir=folder, area=load_area(area_file))

    msoa = load_level("msoa", tmp_path / "geo").set_index("area_code")
    assert len(msoa) == 22
    assert msoa.loc["E02003262", "display_name"] == "Leagrave"
    assert any("naming rule" in n for n in result.notes)
    assert load_level("lad", tmp_path / "geo")["area_name"].tolist() == ["Luton"]  # from the lookup


def test_another_area_works_with_no_code_change(shared_data, tmp_path, monkeypatch):
    config = tmp_path / "bucks.toml"
    config.write_text(
        '[partnership]\ncode = "BUCKS"\nname = "Buckinghamshire"\n\n[[lad]]\ncode = "E06000060"\n'
    )
    monkeypatch.setenv("AREA_CONFIG", str(config))
    out = tmp_path / "geo"

    run("files", out, from_dir=shared_data / "boundaries")

    lad, msoa, lsoa = (load_level(x, out) for x in ("lad", "msoa", "lsoa"))
    assert lad["area_name"].tolist() == ["Buckinghamshire"]  # named by the lookups
    assert lad["region_code"].tolist() == ["E12000008"]
    assert (len(msoa), len(lsoa)) == (67, 334)  # SOURCES.md: 334 LSOAs, 67 MSOAs
    assert load_level("partnership", out)["area_name"].tolist() == ["Buckinghamshire"]
    comp = load_level("comparators", out)
    assert comp["area_code"].tolist() == ["E12000008", "E92000001"]
