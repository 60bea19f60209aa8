"""``geo.levels.web_layer``: a whole boundary file made web-ready by the build's own repair and
simplification (used by the benchmark for every English LAD)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from core.errors import BoundaryError
from geo.levels import web_layer


def _lads(tmp_path, geoms, codes=("E06000001", "E06000002", "W06000001")):
    path = tmp_path / "lad.geojson"
    frame = gpd.GeoDataFrame(
        {"LAD22CD": list(codes), "LAD22NM": ["Hartlepool", "Middlesbrough", "Anglesey"]},
        geometry=geoms,
        crs="EPSG:27700",
    )
    frame.to_file(path)
    return path


def _wiggly_square(x0: float, y0: float, size: float = 20_000) -> shapely.Polygon:
    """A square whose edges carry a vertex every 10 m with a 1 m wiggle (detail to simplify)."""
    pts = []
    for i in range(int(size / 10)):
        pts.append((x0 + i * 10, y0 + (i % 2)))
    for i in range(int(size / 10)):
        pts.append((x0 + size + (i % 2), y0 + i * 10))
    for i in range(int(size / 10)):
        pts.append((x0 + size - i * 10, y0 + size + (i % 2)))
    for i in range(int(size / 10)):
        pts.append((x0 + (i % 2), y0 + size - i * 10))
    return shapely.Polygon(pts)


def test_a_lad_file_is_filtered_repaired_simplified_and_in_wgs84(tmp_path):
    bowtie = shapely.Polygon([(0, 0), (20_000, 20_000), (20_000, 0), (0, 20_000)])  # invalid
    path = _lads(tmp_path, [_wiggly_square(400_000, 500_000),
                            shapely.affinity.translate(bowtie, 450_000, 500_000),
                            _wiggly_square(240_000, 370_000)])
    out = web_layer(path, "lad", prefix="E")
    assert list(out["area_code"]) == ["E06000001", "E06000002"]  # Wales left out
    assert list(out["display_name"]) == ["Hartlepool", "Middlesbrough"]
    assert out.crs.to_epsg() == 4326
    assert out.is_valid.all() and (shapely.area(out.geometry.to_numpy()) > 0).all()
    # 8,000 input vertices become a handful: the wiggles are below the LAD tolerance.
    assert shapely.count_coordinates(out.geometry.iloc[0]) < 50
    lon, lat = out.geometry.iloc[0].representative_point().coords[0]
    assert -2.5 < lon < 0 and 54 < lat < 56  # near Hartlepool, not in metres


def test_a_file_of_another_level_is_refused(tmp_path):
    path = tmp_path / "lsoa.geojson"
    gpd.GeoDataFrame({"LSOA21CD": ["E01000001"]}, geometry=[shapely.box(0, 0, 500, 500)],
                     crs="EPSG:27700").to_file(path)
    with pytest.raises(BoundaryError, match="not a LAD boundary layer"):
        web_layer(path, "lad")
