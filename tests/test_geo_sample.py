"""The offline sample geometry (a schematic hex map) and the public reading API."""

from __future__ import annotations

import math

import pytest
import shapely

import geo
from core.area import load_area
from core.errors import GeometryNotBuilt
from core.lookups import find_lookups
from dashboard import maplabels, maps
from geo.__main__ import main
from geo.build import run
from geo.hexes import are_neighbours, layout


@pytest.fixture()
def sample_dir(tmp_path):
    out = tmp_path / "geo"
    assert main(["build", "--sample", "--out", str(out), "--quiet"]) == 0
    return out


def test_the_sample_build_says_it_is_schematic(tmp_path, capsys):
    assert main(["build", "--sample", "--out", str(tmp_path / "geo"), "--quiet"]) == 0
    summary = capsys.readouterr().out
    assert "SCHEMATIC SAMPLE" in summary and "NOT real boundaries" in summary
    assert "lad                 6" in summary


def test_the_sample_is_a_schematic_hex_map_of_the_configured_lads(sample_dir):
    lad = geo.load_level("lad", sample_dir)
    area = load_area()
    assert list(lad["area_code"]) == list(area.lad_codes)
    assert list(lad["area_name"]) == [lad_.name for lad_ in area.lads]
    assert lad["is_schematic"].all()
    assert lad["geometry_note"].str.contains("Schematic").all()
    assert lad.crs.to_epsg() == 4326 and lad.is_valid.all()
    areas = lad.to_crs(3857).geometry.area
    assert areas.max() / areas.min() == pytest.approx(1.0, abs=1e-3)
    assert geo.build_info(sample_dir)["is_schematic"] is True


def test_the_sample_has_no_neighbourhood_level_and_says_how_to_get_one(sample_dir):
    assert geo.available_levels(sample_dir) == ["lad", "partnership", "lad_hex", "comparators"]
    with pytest.raises(GeometryNotBuilt) as err:
        geo.load_level("lsoa", sample_dir)
    message = str(err.value)
    assert str(sample_dir / "lsoa.parquet") in message
    assert "schematic sample" in message
    assert "python -m geo build --from DIR" in message


def test_the_sample_hexes_sit_roughly_where_the_places_are(sample_dir):
    lad = geo.load_level("lad", sample_dir).set_index("area_name").to_crs(3857)
    y = lad.geometry.centroid.y
    x = lad.geometry.centroid.x
    assert y["Luton"] < y["Central Bedfordshire"] < y["Bedford"]
    assert y["Milton Keynes"] < y["North Northamptonshire"]
    assert x["West Northamptonshire"] < x["Bedford"]
    # One cluster: every hexagon touches another, and the partnership is their union.
    union = geo.load_level("partnership", sample_dir).to_crs(3857).geometry.iloc[0]
    assert union.geom_type == "Polygon"
    assert union.area == pytest.approx(lad.geometry.area.sum(), rel=1e-3)


def test_the_sample_writes_predecessor_and_health_area_lookups(sample_dir):
    lk = find_lookups(sample_dir)
    assert lk.successors()["E07000156"] == "E06000061"  # Wellingborough
    assert set(lk.subicb.loc[lk.subicb["subicb_ods"] == "M1J4Y", "lad_code"]) == {
        "E06000055",
        "E06000056",
        "E06000032",
        "E06000042",
    }
    assert lk.lsoa21.empty


def test_any_configured_lads_get_a_compact_honeycomb(tmp_path):
    config = tmp_path / "north.toml"
    config.write_text(
        '[partnership]\ncode = "N"\nname = "North"\n'
        + "".join(f'[[lad]]\ncode = "E0600000{i}"\n' for i in range(1, 8))
    )
    build = run("sample", tmp_path / "geo", area=load_area(config))
    lad = geo.load_level("lad", tmp_path / "geo").to_crs(3857)
    assert len(lad) == 7
    assert shapely.union_all(lad.geometry.to_numpy()).geom_type == "Polygon"  # one cluster
    assert any("No approximate centre" in n for n in build.notes)


def test_centres_in_the_config_place_the_hexes(tmp_path):
    config = tmp_path / "pair.toml"
    config.write_text(
        '[partnership]\ncode = "P"\nname = "Pair"\n'
        '[[lad]]\ncode = "E06000001"\nname = "Southern"\ncentre = [-1.2, 50.9]\n'
        '[[lad]]\ncode = "E06000002"\nname = "Northern"\ncentre = [-1.2, 52.9]\n'
        '[[lad]]\ncode = "E06000003"\nname = "Middle"\ncentre = [-1.2, 51.9]\n'
    )
    run("sample", tmp_path / "geo", area=load_area(config))
    lad = geo.load_level("lad", tmp_path / "geo").set_index("area_name").to_crs(3857)
    y = lad.geometry.centroid.y
    assert y["Southern"] < y["Middle"] < y["Northern"]


def test_layout_keeps_bordering_places_touching():
    centres = [(0.0, 0.0), (30_000.0, 0.0), (0.0, 40_000.0), (60_000.0, 0.0)]
    cells, _, _ = layout(centres, touching=[(0, 1), (1, 3), (0, 2)])
    assert len(set(cells)) == 4
    assert are_neighbours(cells[0], cells[1]) and are_neighbours(cells[1], cells[3])


def test_load_level_rejects_unknown_levels_and_reads_geo_dir(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unknown map level 'ward'"):
        geo.load_level("ward", tmp_path)
    monkeypatch.setenv("GEO_DIR", str(tmp_path / "elsewhere"))
    assert geo.geo_dir() == tmp_path / "elsewhere"
    with pytest.raises(GeometryNotBuilt, match=r"elsewhere/lad\.parquet does not exist"):
        geo.load_level("lad")
    assert geo.available_levels() == []


def test_levels_feed_pydeck_through_the_geo_interface(sample_dir):
    import json

    import pydeck as pdk

    lad = geo.load_level("lad", sample_dir)
    deck = pdk.Deck(
        layers=[pdk.Layer("GeoJsonLayer", data=lad.__geo_interface__, id="areas", pickable=True)],
        map_provider=None,
    )
    data = json.loads(deck.to_json())["layers"][0]["data"]
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 6
    props = data["features"][0]["properties"]
    assert props["area_code"] == "E06000055" and props["is_schematic"] is True
    assert data["features"][0]["geometry"]["type"] == "Polygon"


def test_a_centre_outside_great_britain_is_refused(tmp_path):
    from core.errors import AreaConfigError

    config = tmp_path / "swapped.toml"
    config.write_text('[[lad]]\ncode = "E06000032"\ncentre = [51.88, -0.42]\n')  # lat, lon
    with pytest.raises(AreaConfigError, match=r"E06000032 has centre .*\[longitude, latitude\]"):
        load_area(config)


def _px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web Mercator pixels at ``zoom`` (y grows southwards, as on screen)."""
    scale = 512 * 2**zoom
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi) * scale
    return lon / 360 * scale, -y


def _label_boxes(hexes, view, *, inside: bool) -> dict[str, shapely.Polygon]:
    labels = maps.fit_labels(maps.label_points(hexes), view, inside=inside)
    out = {}
    for code, label in zip(hexes["area_code"], labels, strict=True):
        w, h = maplabels.label_px(label["text"], label["size"])
        x, y = _px(*label["position"], view.zoom)
        x += label["offset"][0]
        left = x if label["anchor"] == "start" else x - w / 2
        out[code] = shapely.box(left, y - h / 2, left + w, y + h / 2)
    return out


@pytest.mark.parametrize("height", [520, 560])
def test_each_hex_map_label_sits_inside_its_own_hexagon(sample_dir, height):
    hexes = geo.load_level("lad_hex", sample_dir)
    view = maps.view_for(hexes, height_px=height)
    shapes = {
        code: shapely.Polygon([_px(x, y, view.zoom) for x, y in geom.exterior.coords])
        for code, geom in zip(hexes["area_code"], hexes.geometry, strict=True)
    }
    for code, label in _label_boxes(hexes, view, inside=True).items():
        assert shapes[code].contains(label), f"the label of {code} spills out of its hexagon"
        others = [c for c, s in shapes.items() if c != code and s.intersects(label)]
        assert not others, f"the label of {code} lies over {others}"
    # Placed as on a map of real boundaries (beside a shape whose name does not fit), the long
    # names land on the next place's hexagon: North Northamptonshire's on Bedford's.
    beside = _label_boxes(hexes, view, inside=False)
    assert any(not shapes[c].contains(b) for c, b in beside.items())
