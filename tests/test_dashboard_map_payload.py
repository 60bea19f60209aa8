"""The map's JSON is compact: what deck.gl draws, without indentation, per-feature bounding
boxes or feature ids (a South Midlands LSOA map went from 3.0 MB to under 0.8 MB)."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pydeck as pdk
from shapely.geometry import box

from dashboard import mapclasses, maps


def _deck(n: int = 40):
    shapes = gpd.GeoDataFrame(
        {"area_code": [f"E0100{i:04d}" for i in range(n)],
         "display_name": [f"Luton {i:03d}A" for i in range(n)]},
        geometry=[box(-0.5 + 0.01 * i, 51.9, -0.49 + 0.01 * i, 51.91) for i in range(n)],
        crs=4326,
    )
    rows = pd.DataFrame({
        "area_code": shapes["area_code"], "area_name": shapes["display_name"],
        "value": [None if i == 3 else float(i) for i in range(n)],
        "ci_lower": None, "ci_upper": None, "period": "Census 2021", "status": None,
    })
    figs = mapclasses.MapFigures(rows=rows, unit="%", decimals=1, polarity="low_is_good",
                                 title="Never worked", unit_label="% of residents")
    classes = mapclasses.classify(rows["value"].tolist(), "low_is_good", "%", 1)
    return maps.choropleth(shapes, figs, classes, outlines=shapes.iloc[:2],
                           labels=maps.label_points(shapes.iloc[:2]), selected="E01000005")


def test_the_map_json_is_compact_and_holds_every_place_with_its_fill_and_tooltip():
    deck = _deck()
    text = deck.to_json()
    assert "\n" not in text and ": " not in text.replace('": "', "")
    spec = json.loads(text)
    areas = next(layer for layer in spec["layers"] if layer["id"] == maps.AREAS_LAYER)
    features = areas["data"]["features"]
    assert len(features) == 40
    assert all("bbox" not in f and "id" not in f for f in features)
    fourth = features[3]["properties"]
    assert fourth["no_data"] is True and fourth["tt_value"] == "No figure"
    assert tuple(fourth["fill"]) == mapclasses.NO_DATA_FILL
    assert features[10]["properties"]["tt_name"] == "Luton 010A"
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids == [maps.AREAS_LAYER, "no-figure-hatching", "place-outlines", "selected-place",
                   "place-labels"]


def test_the_compact_json_says_what_pydecks_own_json_says():
    deck = _deck()
    ours = json.loads(deck.to_json())
    theirs = json.loads(pdk.Deck.to_json(deck))  # pydeck's indented serialisation
    assert ours == theirs
    assert len(deck.to_json()) < len(pdk.Deck.to_json(deck)) / 2
