"""Coverage simplification by size: borders stay shared, towns keep their shape, rural areas
lose most of their vertices."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.webgeom import Tolerance, round_coords, simplify_by_size, to_web

RULE = Tolerance(fraction=0.15, minimum=40.0, maximum=400.0)


def wavy(axis: str, at: float, start: float, stop: float) -> shapely.LineString:
    """A line along ``axis`` at ``at`` with 30 m wiggles sampled every 10 m."""
    t = np.arange(start, stop + 1, 10.0)
    offset = at + 30 * np.sin(t / 60.0) + 12 * np.sin(t / 19.0)
    pts = np.column_stack([offset, t]) if axis == "x" else np.column_stack([t, offset])
    return shapely.LineString(pts)


@pytest.fixture(scope="module")
def patchwork():
    """A 6 km coverage cut by wiggly lines: sixteen 300 m 'town' areas in one corner, large
    'rural' ones elsewhere. Polygonizing noded lines makes every shared vertex exactly shared."""
    lines = [shapely.box(-100, -100, 6100, 6100).boundary]
    for at in (1200, 3600):
        lines += [wavy("x", at, -100, 6100), wavy("y", at, -100, 6100)]
    for at in (300, 600, 900):
        lines += [wavy("x", at, -100, 1300), wavy("y", at, -100, 1300)]
    noded = shapely.get_parts(shapely.union_all(lines))
    geoms = np.array(shapely.get_parts(shapely.polygonize(noded)), dtype=object)
    geoms = geoms[np.sqrt(shapely.area(geoms)) > 50]  # drop slivers at the frame's corners
    assert shapely.coverage_is_valid(geoms)
    is_town = np.sqrt(shapely.area(geoms)) < 800
    assert is_town.sum() >= 12 and (~is_town).sum() >= 6
    return geoms, is_town


def test_borders_stay_shared_and_vertices_drop(patchwork):
    geoms, _ = patchwork
    simple = simplify_by_size(geoms, RULE)
    assert shapely.is_valid(simple).all()
    assert shapely.coverage_is_valid(simple)  # no gaps or overlaps opened up
    assert shapely.count_coordinates(simple) < 0.5 * shapely.count_coordinates(geoms)
    change = np.abs(shapely.area(simple) / shapely.area(geoms) - 1)
    assert change.max() < 0.1


def test_towns_are_simplified_more_gently_than_rural_areas(patchwork):
    geoms, is_town = patchwork
    simple = simplify_by_size(geoms, RULE)
    moved = shapely.hausdorff_distance(geoms, simple)
    assert moved[is_town].max() < moved[~is_town].max()
    assert moved[is_town].max() < 40  # the town tolerance
    # One flat tolerance as large as the rural one would move the towns much further.
    flat = shapely.coverage_simplify(geoms, RULE.per_polygon(geoms).max())
    assert shapely.hausdorff_distance(geoms, flat)[is_town].max() > moved[is_town].max()


def test_tolerances_follow_size_within_the_range():
    small = shapely.box(0, 0, 100, 100)  # 100 m: 15 m, clamped up to 40
    big = shapely.box(0, 0, 10_000, 10_000)  # 10 km: 1.5 km, clamped down to 400
    mid = shapely.box(0, 0, 1_000, 1_000)  # 1 km: 150 m, rounded down to the ladder
    tol = RULE.per_polygon(np.array([small, big, mid], dtype=object))
    assert tol[0] == 40 and tol[1] == 400
    assert 90 <= tol[2] <= 150


def test_web_geometry_is_wgs84_with_five_decimals():
    square = shapely.box(508_000, 221_000, 508_500, 221_500)
    web = to_web(gpd.GeoDataFrame({"a": [1]}, geometry=[square], crs=27700))
    assert web.crs.to_epsg() == 4326
    coords = shapely.get_coordinates(web.geometry.to_numpy())
    assert np.allclose(coords, np.round(coords, 5), atol=0, rtol=0)
    assert -0.5 < coords[:, 0].mean() < -0.4 and 51.8 < coords[:, 1].mean() < 51.9
    assert round_coords(np.array([square], dtype=object))[0].is_valid
