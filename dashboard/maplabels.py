"""Where things sit on a map: the view that fits the places, and place labels that never hide a
place nor name the wrong one.

A label is placed from the shape as drawn at the map's zoom: centred where the name fits well
inside the shape, on two lines where that makes it fit, otherwise just beside the shape's east
edge (a small town such as Luton stays visible under its name). On a hex map every hexagon is
the same size and touches its neighbours, so a label beside one would sit on the next place's
hexagon: there a label always stays inside its own hexagon, wrapped and, if need be, smaller.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pydeck as pdk

LABEL_SIZE = 13
MIN_LABEL_SIZE = 9
CHAR_PX = 7.0  # average width of a character at LABEL_SIZE, bold (with the label's padding)
LINE_PX = 17
# The narrowest map the page is read on: a 390 px phone less the page's margins. The view fits
# the places into this width, so the map is whole on a phone as on a desktop.
FIT_WIDTH_PX = 350


def label_points(gdf, badges: dict[str, str] | None = None, unreliable: Sequence[str] = ()
                 ) -> list[dict]:
    """One label per place at a point inside it (names, plus a badge line where given), with
    the place's bounds so :func:`fit_labels` can fit the label to the shape as drawn."""
    out = []
    for row in gdf.itertuples(index=False):
        point = row.geometry.representative_point()
        name = getattr(row, "display_name", None) or getattr(row, "area_name", row.area_code)
        text = str(name) + (" *" if row.area_code in unreliable else "")
        badge = (badges or {}).get(row.area_code)
        if badge:
            text += f"\n({badge})"
        out.append({"text": text, "position": [point.x, point.y],
                    "bounds": [float(b) for b in row.geometry.bounds],
                    "code": str(row.area_code)})
    return out


def label_px(text: str, size: float = LABEL_SIZE) -> tuple[float, float]:
    """A label's width and height in pixels at font ``size`` (with its background's padding)."""
    lines = text.split("\n")
    scale = size / LABEL_SIZE
    return max(len(line) for line in lines) * CHAR_PX * scale + 6, len(lines) * LINE_PX * scale + 4


def _two_lines(text: str) -> str:
    """The first line of ``text`` broken at the space that best balances its two halves."""
    first, _, rest = text.partition("\n")
    words = first.split(" ")
    if len(words) < 2:
        return text
    best = min(range(1, len(words)),
               key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))))
    broken = " ".join(words[:best]) + "\n" + " ".join(words[best:])
    return broken + ("\n" + rest if rest else "")


def _word_per_line(text: str) -> str:
    first, _, rest = text.partition("\n")
    return "\n".join(first.split(" ")) + ("\n" + rest if rest else "")


def _mercator_y(lat: float, scale: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi) * scale


def shape_px(bounds: Sequence[float], zoom: float) -> tuple[float, float]:
    """Width and height in pixels of a shape's bounds drawn at ``zoom``."""
    minx, miny, maxx, maxy = bounds
    scale = 512 * 2 ** float(zoom)
    return (maxx - minx) / 360 * scale, _mercator_y(maxy, scale) - _mercator_y(miny, scale)


def _inside(text: str, w: float, h: float) -> tuple[str, float]:
    """The wrapping and font size that fit ``text`` inside a hexagon of bounds ``w`` x ``h``
    pixels: within its full width and its middle half, where the sides are upright."""
    tries = list(dict.fromkeys([text, _two_lines(text), _word_per_line(text)]))
    for size in range(LABEL_SIZE, MIN_LABEL_SIZE - 1, -1):
        for t in tries:
            tw, th = label_px(t, size)
            if tw <= 0.92 * w and th <= 0.5 * h:
                return t, float(size)
    return min(tries, key=lambda t: label_px(t, MIN_LABEL_SIZE)[0]), float(MIN_LABEL_SIZE)


def fit_labels(labels: Sequence[dict], view: pdk.ViewState, *, inside: bool = False
               ) -> list[dict]:
    """Labels placed for ``view``'s zoom (see the module docstring); ``inside`` keeps every
    label centred in its own shape (hex maps)."""
    out = []
    for label in labels:
        text, (lon, lat) = label["text"], label["position"]
        anchor, offset, size = "middle", [0, 0], float(LABEL_SIZE)
        bounds = label.get("bounds")
        if bounds:
            shape_w, shape_h = shape_px(bounds, view.zoom)
            if inside:
                text, size = _inside(text, shape_w, shape_h)
            else:
                def fits(t: str, w: float = shape_w, h: float = shape_h) -> bool:
                    tw, th = label_px(t)
                    return tw <= 0.85 * w and th <= 0.6 * h and tw * th <= 0.25 * w * h

                if not fits(text):
                    wrapped = _two_lines(text)
                    if wrapped != text and fits(wrapped):
                        text = wrapped
                    else:
                        lon, anchor, offset = bounds[2], "start", [5, 0]
        out.append({"text": text, "position": [lon, lat], "anchor": anchor, "offset": offset,
                    "size": size})
    return out


def fit_height(gdf, width_px: int = FIT_WIDTH_PX, *, most: int = 560, least: int = 320) -> int:
    """A map height that holds the shapes fitted to ``width_px`` with a small margin, within
    ``least`` to ``most`` pixels (a tall map of a wide area is mostly blank page)."""
    minx, miny, maxx, maxy = gdf.total_bounds
    zoom = math.log2(width_px / 512 * 360 / max(maxx - minx, 1e-6)) - 0.1
    _, h = shape_px((minx, miny, maxx, maxy), zoom)
    return int(min(most, max(least, math.ceil((h + 40) / 10) * 10)))


def view_for(gdf, width_px: int = FIT_WIDTH_PX, height_px: int = 560) -> pdk.ViewState:
    """A view that fits the shapes into ``width_px`` x ``height_px``."""
    minx, miny, maxx, maxy = gdf.total_bounds
    lon = (minx + maxx) / 2
    lat = (miny + maxy) / 2

    def merc(y: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(y) / 2))

    lon_span = max(maxx - minx, 1e-6)
    y_span = max(merc(maxy) - merc(miny), 1e-6)
    zoom_x = math.log2(width_px / 512 * 360 / lon_span)
    zoom_y = math.log2(height_px / 512 * 2 * math.pi / y_span)
    zoom = min(zoom_x, zoom_y) - 0.1
    return pdk.ViewState(longitude=lon, latitude=lat, zoom=round(zoom, 2), min_zoom=4, max_zoom=16)
