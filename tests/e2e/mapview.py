"""Reading the deck.gl map in the browser: where a place is drawn, what colour it is drawn in,
and what the legend says.

A place's pixel comes from its geometry and the map's view: the view the app computes
(``dashboard.maps.view_for``) centred in the canvas, in Web Mercator as deck.gl draws it. The
tooltip then confirms the place under the pointer, and if the app's view ever changes, a scan of
the canvas finds the place by its tooltip instead.
"""

from __future__ import annotations

import io
import math
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

MAP = "[data-testid='stDeckGlJsonChart']"
TOOLTIP = ".deck-tooltip"
FILL_ALPHA = 235  # dashboard.mapclasses.Classes.colour_of draws fills at this opacity
SELECTED = (230, 0, 126)  # dashboard.maps.SELECTED_OUTLINE
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class Spot:
    """A point well inside a place: its position in the canvas and its clear radius (px)."""

    code: str
    name: str
    x: float
    y: float
    radius: float


@dataclass(frozen=True)
class LegendClass:
    """One legend row: its colour and the range of figures it stands for."""

    rgb: tuple[int, int, int]
    low: float
    high: float
    text: str


def _mercator(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    size = 512 * 2**zoom
    x = (lon + 180) / 360 * size
    y = (math.pi - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))) / (2 * math.pi) * size
    return x, y


def spots(geo_dir: Path, lads: list[str], box: dict, level: str = "lad",
          layout: str = "lad") -> dict[str, Spot]:
    """Where each place is drawn on the map of the partnership's ``lads`` at ``level``, in a
    canvas with bounding ``box`` (page pixels): the view the app computes (fitted to the LADs,
    or to the hexagons with ``layout="lad_hex"``), centred in the canvas."""
    from shapely.ops import polylabel

    import geo
    from dashboard import maps

    frame = geo.load_level(layout if level == "lad" else "lad", geo_dir)
    frame = frame[frame["area_code"].isin(lads)]
    view = maps.view_for(frame, height_px=int(box["height"]))
    gdf = frame if level == "lad" else geo.load_level(level, geo_dir)
    if level != "lad":
        gdf = gdf[gdf["lad_code"].isin(lads)]
    cx, cy = _mercator(view.longitude, view.latitude, view.zoom)
    out = {}
    for row in gdf.itertuples(index=False):
        geom = row.geometry
        if geom.geom_type == "MultiPolygon":
            geom = max(geom.geoms, key=lambda g: g.area)
        centre = polylabel(geom, tolerance=1e-5)
        px, py = _mercator(centre.x, centre.y, view.zoom)
        edge_lon, _ = _mercator(centre.x + centre.distance(geom.boundary), centre.y, view.zoom)
        out[row.area_code] = Spot(
            code=row.area_code,
            name=str(row.display_name),
            x=box["x"] + box["width"] / 2 + (px - cx),
            y=box["y"] + box["height"] / 2 + (py - cy),
            radius=abs(edge_lon - px),
        )
    return out


def canvas(page: Page) -> Locator:
    """The map's canvas."""
    return page.locator(f"{MAP} canvas").first


def canvas_pixels(page: Page) -> np.ndarray:
    """The map as drawn now: an H x W x 3 array of page pixels (the canvas over the page)."""
    png = canvas(page).screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def on_white(rgb: tuple[int, int, int], alpha: int = FILL_ALPHA) -> tuple[int, int, int]:
    """A fill colour as it looks drawn at ``alpha`` over the white page."""
    a = alpha / 255
    return tuple(round(c * a + 255 * (1 - a)) for c in rgb)  # type: ignore[return-value]


def share_of(pixels: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 12) -> float:
    """The share of pixels within ``tolerance`` (per channel) of ``rgb``."""
    close = np.all(np.abs(pixels - np.array(rgb)) <= tolerance, axis=-1)
    return float(close.mean())


def main_colour(pixels: np.ndarray, x: float, y: float, radius: float) -> tuple[int, int, int]:
    """The commonest colour in a disc, leaving out pale pixels (label boxes, which are
    translucent white, and the page) and near-black ones (label text), so a place's fill is read
    even where its name is printed over it."""
    h, w, _ = pixels.shape
    ys, xs = np.ogrid[:h, :w]
    disc = (xs - x) ** 2 + (ys - y) ** 2 <= max(radius, 3) ** 2
    colours = Counter(
        tuple(int(c) for c in p)
        for p in pixels[disc]
        if not (p.min() > 200 or p.max() < 60)
    )
    if not colours:
        raise AssertionError(f"nothing but label is drawn around ({x:.0f}, {y:.0f})")
    return colours.most_common(1)[0][0]


def near(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int = 12) -> bool:
    """Two colours within ``tolerance`` per channel."""
    return all(abs(int(p) - int(q)) <= tolerance for p, q in zip(a, b, strict=True))


def legend_classes(page: Page) -> list[LegendClass]:
    """The legend's colour classes (not the no-figure row), as the reader sees them."""
    rows = page.evaluate(
        """() => [...document.querySelectorAll('.gsmw-legend-row')].map(r => {
               const s = r.querySelector('.gsmw-swatch');
               return [getComputedStyle(s).backgroundColor, s.className, r.innerText.trim()];
           })"""
    )
    out = []
    for colour, cls, text in rows:
        if "nodata" in cls:
            continue
        rgb = tuple(int(v) for v in re.findall(r"\d+", colour)[:3])
        numbers = [float(n.replace(",", "")) for n in NUMBER.findall(text)[:2]]
        if not numbers:
            raise AssertionError(f"legend row {text!r} has no figures")
        out.append(LegendClass(rgb, min(numbers), max(numbers), text))  # type: ignore[arg-type]
    return out


def wait_for_drawing(page: Page, colours: list[tuple[int, int, int]], *, at_least: int = 2,
                     timeout: float = 30.0) -> np.ndarray:
    """Poll the canvas until ``at_least`` of the colours cover a visible part of it."""
    deadline = time.monotonic() + timeout
    while True:
        pixels = canvas_pixels(page)
        seen = [c for c in colours if share_of(pixels, on_white(c)) > 0.002]
        if len(seen) >= min(at_least, len(colours)):
            return pixels
        if time.monotonic() > deadline:
            raise AssertionError(
                f"after {timeout:.0f} s the map shows {len(seen)} of the legend's colours"
            )
        page.wait_for_timeout(250)


def hover_until_tooltip(page: Page, spot: Spot, *, timeout: float = 40.0) -> str:
    """Point at a place until deck.gl's tooltip names it (picking starts a moment after the
    first draw, and a pick of a thousand neighbourhoods takes a while in software WebGL on a
    busy machine); the tooltip's text. Falls back to scanning the canvas for the place."""
    deadline = time.monotonic() + timeout
    jitter = [(0, 0), (1, 0), (0, 1), (-1, 0), (0, -1)]
    i = 0
    while time.monotonic() < deadline:
        dx, dy = jitter[i % len(jitter)]
        page.mouse.move(spot.x + dx, spot.y + dy)
        tip = page.locator(TOOLTIP)
        try:
            tip.filter(has_text=spot.name).wait_for(state="visible", timeout=500)
            return tip.inner_text()
        except PlaywrightTimeout:  # picking not ready yet: point again
            i += 1
    found = scan_for(page, spot.name)
    raise AssertionError(
        f"the tooltip did not name {spot.name} at the computed point ({spot.x:.0f}, "
        f"{spot.y:.0f}); "
        + (f"it is drawn at {found} instead: the map's view differs from "
           "dashboard.maps.view_for" if found else "a scan of the map did not find it either")
    )


def scan_for(page: Page, name: str, step: int = 20) -> tuple[int, int] | None:
    """Hover over the canvas on a grid until the tooltip names ``name``; where, or None."""
    box = canvas(page).bounding_box()
    if box is None:
        return None
    for y in range(int(box["y"]) + step // 2, int(box["y"] + box["height"]), step):
        for x in range(int(box["x"]) + step // 2, int(box["x"] + box["width"]), step):
            page.mouse.move(x, y)
            tip = page.locator(TOOLTIP)
            try:
                tip.filter(has_text=name).wait_for(state="visible", timeout=60)
                return x, y
            except PlaywrightTimeout:
                continue
    return None
