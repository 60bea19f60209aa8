"""The map as a PNG for board papers: drawn on the server, the same classes and colours as the
map on screen, with a legend, and at least 1600 pixels wide."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import geo
from dashboard import mapclasses, mapimage
from dashboard.mapclasses import MapFigures
from geo.__main__ import main


@pytest.fixture(scope="module")
def hexes(tmp_path_factory):
    out = tmp_path_factory.mktemp("geo") / "geo"
    assert main(["build", "--sample", "--out", str(out), "--quiet"]) == 0
    return geo.load_level("lad_hex", out)


def _figures(codes: list[str], values: list[float | None], unit: str = "%") -> MapFigures:
    rows = pd.DataFrame({
        "area_code": codes, "area_name": codes, "value": values, "ci_lower": None,
        "ci_upper": None, "period": "2023", "status": None,
        "publisher": "Office for National Statistics", "source_title": "Annual Population Survey",
    })
    return MapFigures(rows, unit, 1, "high_is_good", "Employment rate, aged 16 to 64",
                      "% of residents aged 16 to 64")


def _image(png: bytes) -> np.ndarray:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def _share(pixels: np.ndarray, rgb: tuple[int, ...], tolerance: int = 6) -> float:
    return float(np.all(np.abs(pixels - np.array(rgb[:3])) <= tolerance, axis=-1).mean())


TEXT = mapimage.MapText(title="Employment rate, aged 16 to 64", period="2023",
                        subtitle="% of residents aged 16 to 64 · Local authorities",
                        source="Source: Office for National Statistics, Annual Population Survey.")


def test_the_png_is_wide_enough_for_print_and_draws_every_class_in_its_colour(hexes):
    codes = list(hexes["area_code"])
    values = [70.0, 72.0, 75.0, 78.0, 81.0, None]
    figs = _figures(codes, values)
    classes = mapclasses.classify(values, "high_is_good", "%", 1)
    pixels = _image(mapimage.render_png(hexes, figs, classes, TEXT, labels=hexes))
    height, width, _ = pixels.shape
    assert width >= 1600 and height >= 900
    for value in values[:-1]:
        colour = classes.colour_of(value)
        blended = tuple(round(c * 235 / 255 + 255 * 20 / 255) for c in colour[:3])
        assert max(_share(pixels, colour), _share(pixels, blended)) > 0.002, (
            f"{value} is not drawn in its class colour {colour}")
    assert _share(pixels, mapclasses.NO_DATA_FILL) > 0.001  # the place with no figure
    assert _share(pixels, (255, 255, 255)) > 0.3  # a white page, no basemap


def test_counts_are_printed_as_circles_and_the_selected_place_outlined(hexes):
    codes = list(hexes["area_code"])
    figs = _figures(codes, [100_000.0, 50_000.0, 20_000.0, 200_000.0, 150_000.0, 90_000.0],
                    unit="people")
    sym = mapclasses.symbols(figs.rows["value"].tolist(), "people", 0, max_px=28)
    pixels = _image(mapimage.render_png(hexes, figs, sym, TEXT, selected=codes[2]))
    assert _share(pixels, mapclasses.COUNT_BASE_FILL) > 0.01  # places pale under the circles
    # The circles' colour, drawn translucent over the pale places.
    a = mapclasses.SYMBOL_FILL[3] / 255
    over = tuple(round(c * a + b * (1 - a)) for c, b in
                 zip(mapclasses.SYMBOL_FILL[:3], mapclasses.COUNT_BASE_FILL[:3], strict=True))
    assert _share(pixels, over, tolerance=10) > 0.005
    assert _share(pixels, (230, 0, 126), tolerance=30) > 0.0005  # the selected outline
