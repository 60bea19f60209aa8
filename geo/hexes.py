"""Hex cartograms of local authorities: one equal hexagon per place, laid out like the map.

Why: on a real map, a small dense place (Luton: 43 km², 225,000 people) is a speck beside
its rural neighbours; a hex map gives every place the same weight. It is also the schematic
geometry of the offline sample build, which has no real boundaries.

How the layout is made
----------------------
* Each place needs an approximate centre. Real builds take the centroid of the real boundary.
  The sample build takes ``centre = [lon, lat]`` from the area config when given, else the
  approximate centres shipped in ``geo/sample_centres.toml``.
* With two or more centres: the hex spacing is the median distance from each place to its
  nearest neighbour, so neighbours tend to land in touching hexes. Places are put, nearest the
  middle first, into the free hex cell closest to their true position; then pairs of places swap
  cells while that brings them nearer their true positions overall.
* Places with no known centre (any configured set works) fill the free cells next to the
  cluster, nearest its middle first, in config order. With fewer than two centres the whole
  layout is a compact honeycomb (rings around a middle hex) in config order.

Cells are pointy-topped hexagons laid out in Web Mercator (EPSG:3857), the projection web maps
draw in, so they look regular on the dashboard (axial coordinates ``q, r`` with ``r``
increasing northwards); they are converted to WGS84 at the end like every other level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely

SQRT3 = math.sqrt(3.0)
TOUCH_WEIGHT = 2.0  # cost of two bordering places whose hexes do not touch (in hex units²)
DEFAULT_SIZE_M = 16_000.0  # hex circumradius (Web Mercator metres) when no spacing is known
DEFAULT_ANCHOR = (-167_000.0, 6_891_000.0)  # near the middle of England (Web Mercator)

_NEIGHBOURS = ((1, 0), (1, -1), (0, -1), (-1, 0), (-1, 1), (0, 1))


def axial_to_xy(q: int, r: int, size: float) -> tuple[float, float]:
    """Centre of hex (q, r), pointy-topped, relative to hex (0, 0)."""
    return size * SQRT3 * (q + r / 2.0), size * 1.5 * r


def _xy_to_axial_float(x: float, y: float, size: float) -> tuple[float, float]:
    r = y / (1.5 * size)
    q = x / (SQRT3 * size) - r / 2.0
    return q, r


def hex_polygon(cx: float, cy: float, size: float) -> shapely.Polygon:
    """A pointy-topped hexagon of circumradius ``size`` centred on (cx, cy)."""
    angles = np.radians(np.arange(6) * 60.0 + 30.0)
    return shapely.Polygon(
        np.column_stack([cx + size * np.cos(angles), cy + size * np.sin(angles)])
    )


def _ring(radius: int) -> list[tuple[int, int]]:
    if radius == 0:
        return [(0, 0)]
    cells = []
    q, r = -radius, radius  # start at the south-west corner of the ring, walk round it
    for dq, dr in _NEIGHBOURS:
        for _ in range(radius):
            cells.append((q, r))
            q, r = q + dq, r + dr
    return cells


def honeycomb(n: int) -> list[tuple[int, int]]:
    """``n`` cells in rings around (0, 0): the compact layout for places with no known centre."""
    cells: list[tuple[int, int]] = []
    radius = 0
    while len(cells) < n:
        cells += _ring(radius)
        radius += 1
    return cells[:n]


def _distance2(cell: tuple[int, int], target: tuple[float, float], size: float) -> float:
    x, y = axial_to_xy(*cell, size)
    return (x - target[0]) ** 2 + (y - target[1]) ** 2


def _assign(rel: dict[int, tuple[float, float]], size: float, n: int) -> dict[int, tuple[int, int]]:
    """Greedy nearest-free-cell assignment, then pairwise swaps while they help."""
    cells: dict[int, tuple[int, int]] = {}
    taken: set[tuple[int, int]] = set()
    spare = honeycomb(4 * n + 7)
    for i in sorted(rel, key=lambda i: rel[i][0] ** 2 + rel[i][1] ** 2):
        qf, rf = _xy_to_axial_float(*rel[i], size)
        q0, r0 = round(qf), round(rf)
        near = [(q0 + dq, r0 + dr) for dq in range(-3, 4) for dr in range(-3, 4)]
        free = [c for c in near + spare if c not in taken]
        best = min(free, key=lambda c: _distance2(c, rel[i], size))
        cells[i] = best
        taken.add(best)
    improved = True
    while improved:
        improved = False
        for a in rel:
            for b in rel:
                if a >= b:
                    continue
                now = _distance2(cells[a], rel[a], size) + _distance2(cells[b], rel[b], size)
                swapped = _distance2(cells[b], rel[a], size) + _distance2(cells[a], rel[b], size)
                if swapped < now - 1e-6:
                    cells[a], cells[b] = cells[b], cells[a]
                    improved = True
    return cells


def _components(cells: Sequence[tuple[int, int]]) -> int:
    """How many separate clusters of touching hexes there are."""
    todo, count = set(cells), 0
    while todo:
        count += 1
        stack = [todo.pop()]
        while stack:
            q, r = stack.pop()
            for dq, dr in _NEIGHBOURS:
                if (q + dq, r + dr) in todo:
                    todo.remove((q + dq, r + dr))
                    stack.append((q + dq, r + dr))
    return count


def layout(
    centres: Sequence[tuple[float, float] | None],
    touching: Sequence[tuple[int, int]] = (),
) -> tuple[list[tuple[int, int]], float, tuple[float, float]]:
    """Hex cells for places with these projected centres (metres; None where unknown).

    Returns ``(cells, size, anchor)``: one axial cell per place, the hex circumradius in metres,
    and the projected point where cell (0, 0) sits. Among hex spacings from half to 1.3 times
    the median nearest-neighbour distance, the one whose layout is a single cluster of touching
    hexes with the least displacement (in hex units) wins; ``touching`` (pairs of indices of
    places that share a border) adds a cost for each such pair whose hexes do not touch.
    """
    n = len(centres)
    known = [i for i, c in enumerate(centres) if c is not None]
    if len(known) < 2:
        anchor = centres[known[0]] if known else DEFAULT_ANCHOR
        return honeycomb(n), DEFAULT_SIZE_M, (float(anchor[0]), float(anchor[1]))

    pts = np.array([centres[i] for i in known], dtype=float)
    anchor_xy = pts.mean(axis=0)
    diff = pts[:, None, :] - pts[None, :, :]
    dist = np.sqrt((diff**2).sum(-1))
    np.fill_diagonal(dist, np.inf)
    spacing = float(np.median(dist.min(axis=1)))
    rel = {i: (centres[i][0] - anchor_xy[0], centres[i][1] - anchor_xy[1]) for i in known}

    def score(cells: dict[int, tuple[int, int]], size: float) -> float:
        total = sum(_distance2(cells[i], rel[i], size) for i in known) / size**2
        total += 1000.0 * (_components(list(cells.values())) - 1)
        total += TOUCH_WEIGHT * sum(
            1
            for a, b in touching
            if a in cells and b in cells and not are_neighbours(cells[a], cells[b])
        )
        return total

    best: tuple[float, float, dict[int, tuple[int, int]]] | None = None
    for factor in np.linspace(0.5, 1.3, 17):
        size = factor * spacing / SQRT3 if spacing > 0 else DEFAULT_SIZE_M
        cells = _assign(rel, size, n)
        value = score(cells, size)
        if best is None or value < best[0] - 1e-9:
            best = (value, size, cells)
    assert best is not None
    value, size, cells = best
    for _ in range(10 * n):  # polish: move one place to a free cell beside the cluster
        moved = False
        for i in known:
            taken_now = set(cells.values())
            border = sorted(
                {
                    (q + dq, r + dr)
                    for q, r in taken_now
                    for dq, dr in _NEIGHBOURS
                    if (q + dq, r + dr) not in taken_now
                }
            )
            for cell in border:
                trial = {**cells, i: cell}
                trial_value = score(trial, size)
                if trial_value < value - 1e-6:
                    cells, value, moved = trial, trial_value, True
                    break
        if not moved:
            break

    taken = set(cells.values())
    middle = np.mean([axial_to_xy(*c, size) for c in cells.values()], axis=0)
    for i in range(n):  # places with no known centre: next to the cluster, middle first
        if i in cells:
            continue
        border = {
            (q + dq, r + dr)
            for q, r in taken
            for dq, dr in _NEIGHBOURS
            if (q + dq, r + dr) not in taken
        }
        cell = min(sorted(border), key=lambda c: _distance2(c, tuple(middle), size))
        cells[i] = cell
        taken.add(cell)
    return [cells[i] for i in range(n)], size, (float(anchor_xy[0]), float(anchor_xy[1]))


def hex_geometries(
    centres: Sequence[tuple[float, float] | None],
    touching: Sequence[tuple[int, int]] = (),
) -> tuple[list[shapely.Polygon], list[tuple[int, int]]]:
    """Hexagon polygons (projected metres, same CRS as ``centres``) and their axial cells."""
    cells, size, anchor = layout(centres, touching)
    polys = []
    for q, r in cells:
        x, y = axial_to_xy(q, r, size)
        polys.append(hex_polygon(anchor[0] + x, anchor[1] + y, size))
    return polys, cells


def likely_touching(centres: Sequence[tuple[float, float] | None]) -> list[tuple[int, int]]:
    """Pairs of places probably sharing a border, judged from centres alone (for the sample):
    closer than 1.5 times the nearer of the two places' nearest-neighbour distances."""
    known = [i for i, c in enumerate(centres) if c is not None]
    if len(known) < 2:
        return []
    pts = np.array([centres[i] for i in known], dtype=float)
    dist = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(dist, np.inf)
    nearest = dist.min(axis=1)
    return [
        (known[a], known[b])
        for a in range(len(known))
        for b in range(a + 1, len(known))
        if dist[a, b] <= 1.5 * min(nearest[a], nearest[b])
    ]


def are_neighbours(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two axial cells share an edge."""
    return (b[0] - a[0], b[1] - a[1]) in _NEIGHBOURS
