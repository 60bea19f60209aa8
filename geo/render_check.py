"""Check renders of built geometry: ``python -m geo.render_check [--geo DIR] [--out DIR]``.

Draws with Pillow (already installed with Streamlit) in Web Mercator, as a web map shows it:

* ``geo-lsoa-area.png``: every LSOA of the area with LAD outlines over them, at the zoom the
  dashboard opens on (the whole partnership area);
* ``geo-lsoa-zoom.png``: a town close up, the simplified outlines (black) over the original
  boundaries (red) when ``--raw DIR`` points at the boundary files, so the cost of
  simplification can be seen;
* ``geo-hex.png``: the real LAD map beside the hex map (``lad_hex``);
* ``geo-sample.png``: the schematic sample (when ``--sample-geo DIR`` is given).

These are developer checks, not part of the dashboard.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from PIL import Image, ImageDraw, ImageFont

from geo.boundaries import scan
from geo.store import load_level

MERCATOR = "EPSG:3857"


class Canvas:
    """A Pillow image with a Web Mercator -> pixel transform fitted to some bounds."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int, pad: int = 20):
        xmin, ymin, xmax, ymax = bounds
        self.scale = (width - 2 * pad) / (xmax - xmin)
        height = int((ymax - ymin) * self.scale) + 2 * pad + 30
        self.xmin, self.ymax, self.pad = xmin, ymax, pad
        self.image = Image.new("RGB", (width, height), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.metres_per_px = 1 / self.scale

    def px(self, coords: np.ndarray) -> list[tuple[float, float]]:
        x = (coords[:, 0] - self.xmin) * self.scale + self.pad
        y = (self.ymax - coords[:, 1]) * self.scale + self.pad + 30
        return list(zip(x.tolist(), y.tolist(), strict=True))

    def outline(self, gdf: gpd.GeoDataFrame, colour: str, width: int = 1, fill: str | None = None):
        for geom in gdf.to_crs(MERCATOR).geometry:
            if geom is None:
                continue
            for poly in shapely.get_parts(geom):
                ring = self.px(np.asarray(poly.exterior.coords))
                if fill:
                    self.draw.polygon(ring, fill=fill)
                self.draw.line(ring, fill=colour, width=width, joint="curve")
                for hole in poly.interiors:
                    self.draw.line(self.px(np.asarray(hole.coords)), fill=colour, width=width)

    def label(self, gdf: gpd.GeoDataFrame, column: str, colour: str = "black") -> None:
        font = ImageFont.load_default(size=14)
        for geom, text in zip(gdf.to_crs(MERCATOR).geometry, gdf[column], strict=True):
            p = geom.representative_point()
            x, y = self.px(np.array([[p.x, p.y]]))[0]
            self.draw.text((x, y), str(text), fill=colour, font=font, anchor="mm")

    def title(self, text: str) -> None:
        self.draw.text((self.pad, 8), text, fill="black", font=ImageFont.load_default(size=16))


def _bounds(gdf: gpd.GeoDataFrame, margin: float = 0.03) -> tuple[float, float, float, float]:
    xmin, ymin, xmax, ymax = gdf.to_crs(MERCATOR).total_bounds
    dx, dy = (xmax - xmin) * margin, (ymax - ymin) * margin
    return xmin - dx, ymin - dy, xmax + dx, ymax + dy


def render(
    geo: Path,
    out: Path,
    raw: gpd.GeoDataFrame | None = None,
    zoom_lad: str | None = None,
    sample_geo: Path | None = None,
) -> list[Path]:
    """Write the check images into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    lsoa, lad = load_level("lsoa", geo), load_level("lad", geo)

    c = Canvas(_bounds(lad), 1100)
    c.outline(lsoa, "#8a8a8a", 1, fill="#eef3f8")
    c.outline(lad, "#000000", 3)
    c.label(lad, "area_name")
    c.title(
        f"{len(lsoa)} LSOAs (grey) and {len(lad)} LADs (black), simplified; "
        f"{c.metres_per_px:.0f} m per pixel"
    )
    written.append(out / "geo-lsoa-area.png")
    c.image.save(written[-1])

    zoom = zoom_lad or lad.iloc[0]["area_code"]
    town = lsoa[lsoa["lad_code"] == zoom]
    c = Canvas(_bounds(town, 0.05), 1100)
    if raw is not None:
        c.outline(raw[raw["area_code"].isin(town["area_code"])], "#e0301e", 3)
    c.outline(town, "#000000", 1)
    name = lad.set_index("area_code").loc[zoom, "area_name"]
    c.title(
        f"{name}: {len(town)} LSOAs, simplified (black) over the source boundaries (red); "
        f"{c.metres_per_px:.0f} m per pixel"
    )
    written.append(out / "geo-lsoa-zoom.png")
    c.image.save(written[-1])

    hexes = load_level("lad_hex", geo)
    left, right = Canvas(_bounds(lad), 600), Canvas(_bounds(hexes, 0.15), 600)
    left.outline(lad, "#000000", 2, fill="#dfe9f3")
    left.label(lad, "area_name")
    left.title("Real boundaries")
    right.outline(hexes, "#000000", 2, fill="#f6e7c8")
    right.label(hexes, "area_name")
    right.title("Hex map (lad_hex): equal weight per place")
    both = Image.new("RGB", (1200, max(left.image.height, right.image.height)), "white")
    both.paste(left.image, (0, 0))
    both.paste(right.image, (600, 0))
    written.append(out / "geo-hex.png")
    both.save(written[-1])

    if sample_geo is not None:
        s = load_level("lad", sample_geo)
        c = Canvas(_bounds(s, 0.15), 700)
        c.outline(s, "#000000", 2, fill="#f6e7c8")
        c.label(s, "area_name")
        c.title("Offline sample: SCHEMATIC hexagons, not real boundaries")
        written.append(out / "geo-sample.png")
        c.image.save(written[-1])
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m geo.render_check", description=__doc__)
    p.add_argument("--geo", type=Path, default=None, help="built geometry (default data/geo)")
    p.add_argument("--raw", type=Path, default=None, help="boundary files, to draw beneath")
    p.add_argument("--zoom", default=None, help="LAD code to draw close up")
    p.add_argument("--sample-geo", type=Path, default=None, help="a --sample build to draw")
    p.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = p.parse_args(argv)
    raw = None
    if args.raw:
        layers, _ = scan(args.raw)
        frames = [layer.gdf.to_crs(4326) for layer in layers if layer.level == "lsoa"]
        raw = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)
    for path in render(args.geo, args.out, raw, args.zoom, args.sample_geo):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
