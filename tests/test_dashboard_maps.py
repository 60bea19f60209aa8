"""Map classes, colours, no-data drawing, legend, labels and the text summary."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from dashboard import display, mapclasses, mapgeometry, maps
from dashboard.mapclasses import MapFigures


def _places(values: list[float | None], statuses: list[str | None] | None = None):
    n = len(values)
    return pd.DataFrame(
        {
            "area_code": [f"E0600000{i}" for i in range(n)],
            "area_name": [f"Place {i}" for i in range(n)],
            "value": values,
            "ci_lower": [None if v is None else v - 2 for v in values],
            "ci_upper": [None if v is None else v + 2 for v in values],
            "period": ["2023"] * n,
            "status": statuses or [None] * n,
        }
    )


def _shapes(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "area_code": [f"E0600000{i}" for i in range(n)],
            "display_name": [f"Place {i}" for i in range(n)],
        },
        geometry=[box(-1 + 0.1 * i, 52, -0.91 + 0.1 * i, 52.1) for i in range(n)],
        crs=4326,
    )


def test_breaks_are_increasing_cover_every_value_and_use_the_decimals():
    values = [68.8, 74.5, 76.8, 78.0, 78.6, 78.7]
    edges = mapclasses.class_breaks(values, 5, 1)
    assert edges == sorted(set(edges))
    assert edges[0] <= min(values) and edges[-1] >= max(values)
    assert all(round(e, 1) == e for e in edges)
    assert {mapclasses.class_of(v, edges) for v in values} <= set(range(len(edges) - 1))


def test_a_handful_of_places_get_equal_steps_many_get_quantiles():
    assert mapclasses.class_method(6) == "equal"
    assert mapclasses.class_method(1026) == "quantile"
    many = [float(i) for i in range(100)]
    edges = mapclasses.class_breaks(many, 5, 0)
    counts = pd.Series([mapclasses.class_of(v, edges) for v in many]).value_counts()
    assert counts.max() - counts.min() <= 2


def test_one_distinct_value_makes_one_class():
    assert mapclasses.class_breaks([3.0, 3.0, 3.0], 5, 1) == [3.0, 3.0]


@pytest.mark.parametrize("polarity", ["high_is_good", "low_is_good", "none"])
def test_the_no_data_colour_is_never_a_colour_of_the_scale(polarity):
    for n in range(1, 6):
        colours = [mapclasses.hex_to_rgba(c, 235)[:3] for c in mapclasses.palette(n, polarity)]
        assert mapclasses.NO_DATA_FILL[:3] not in colours
        assert len(set(colours)) == n


def _lightness(hex_colour: str) -> float:
    r, g, b, _ = mapclasses.hex_to_rgba(hex_colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_darker_means_worse_where_there_is_a_polarity():
    high_good = mapclasses.palette(5, "high_is_good")
    low_good = mapclasses.palette(5, "low_is_good")
    # Classes run lowest to highest value.
    assert _lightness(high_good[0]) < _lightness(high_good[-1])  # low employment darkest
    assert _lightness(low_good[-1]) < _lightness(low_good[0])  # high inactivity darkest
    assert mapclasses.darker_means("high_is_good").startswith("Darker = worse")
    assert mapclasses.darker_means("none").startswith("Darker = higher")


def test_features_carry_colours_from_the_classes_and_no_data_is_grey():
    places = _places([70.0, 75.0, None, 80.0])
    figs = MapFigures(places, "%", 1, "high_is_good", "Employment rate", "% of residents")
    classes = mapclasses.classify(places["value"].tolist(), "high_is_good", "%", 1)
    fc = maps.feature_collection(_shapes(4), figs, classes)
    props = {f["properties"]["area_code"]: f["properties"] for f in fc["features"]}
    assert tuple(props["E06000002"]["fill"]) == mapclasses.NO_DATA_FILL
    assert props["E06000002"]["tt_value"] == "No figure"
    assert props["E06000000"]["fill"] == list(classes.colour_of(70.0))
    assert props["E06000000"]["tt_ci"] == "95% CI 68.0 to 72.0%"
    assert props["E06000000"]["fill"] != props["E06000003"]["fill"]


def test_places_without_a_figure_are_hatched():
    shapes = _shapes(3)
    paths = maps.hatch_paths(shapes, ["E06000001"])
    assert paths
    xs = [x for p in paths for x, _ in p["path"]]
    lo, _, hi, _ = shapes.geometry.iloc[1].bounds
    assert min(xs) >= lo - 1e-9 and max(xs) <= hi + 1e-9


def test_the_deck_reads_without_a_basemap_and_names_its_pickable_layer():
    places = _places([70.0, None, 80.0], [None, "suppressed", "low_reliability"])
    figs = MapFigures(places, "%", 1, "high_is_good", "Employment rate", "% of residents")
    classes = mapclasses.classify(places["value"].tolist(), "high_is_good", "%", 1)
    shapes = _shapes(3)
    deck = maps.choropleth(shapes, figs, classes,
                           labels=maps.label_points(shapes, unreliable=["E06000002"]),
                           selected="E06000000")
    spec = json.loads(deck.to_json())
    # pydeck's "no style" marker: Streamlit draws no basemap for it, and fetches Carto's when
    # mapStyle is missing (which map_style=None gave).
    assert spec["mapStyle"] == "__MAP_STYLE__"
    assert "cartocdn" not in deck.to_json()
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids[0] == maps.AREAS_LAYER
    assert {"no-figure-hatching", "selected-place", "place-labels"} <= set(ids)
    areas = spec["layers"][0]
    assert areas["pickable"] is True
    assert areas["lineWidthUnits"] == "pixels"
    labels = next(layer for layer in spec["layers"] if layer["id"] == "place-labels")
    texts = [d["text"].replace("\n", " ") for d in labels["data"]]
    assert "Place 2 *" in texts  # unreliable estimate marked


def test_a_tooltip_says_a_status_only_when_the_figure_is_not_ordinary():
    places = _places([70.0, 75.0], [None, "low_reliability"])
    figs = MapFigures(places, "%", 1, "high_is_good", "Employment rate", "% of residents")
    fc = maps.feature_collection(_shapes(2), figs,
                                 mapclasses.classify([70.0, 75.0], "high_is_good", "%", 1))
    props = [f["properties"] for f in fc["features"]]
    assert props[0]["tt_status"] == ""
    assert props[1]["tt_status"] == " · Unreliable estimate: small sample"
    assert "Ordinary" not in json.dumps(fc)


def _place_of(width_deg: float, name: str, code: str = "E06000032") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"area_code": [code], "display_name": [name]},
                            geometry=[box(-0.5, 51.85, -0.5 + width_deg, 51.85 + width_deg)],
                            crs=4326)


def test_a_small_place_is_labelled_beside_its_shape_not_over_it():
    big = _place_of(1.2, "Central Bedfordshire", "E06000056")
    small = _place_of(0.06, "Luton")
    view = maps.view_for(big)
    labels = maps.fit_labels(maps.label_points(pd.concat([big, small])), view)
    by_text = {d["text"].replace("\n", " "): d for d in labels}
    assert by_text["Central Bedfordshire"]["anchor"] == "middle"
    luton = by_text["Luton"]
    assert luton["anchor"] == "start"  # starts at the shape's east edge
    assert luton["position"][0] == pytest.approx(small.geometry.iloc[0].bounds[2])
    assert luton["offset"][0] > 0


def test_a_long_name_in_a_hexagon_goes_on_two_lines():
    hexagon = _place_of(0.4, "West Northamptonshire", "E06000062")  # about 160 px across
    view = maps.view_for(_place_of(0.8, "all"))
    (label,) = maps.fit_labels(maps.label_points(hexagon), view)
    assert label["text"] == "West\nNorthamptonshire"
    assert label["anchor"] == "middle"


def test_the_geometry_note_names_no_folder_of_the_build_machine():
    note = ("Dissolved from ONS LSOA boundaries (6 files under /work/shared/data/boundaries), "
            "simplified for web maps")
    assert mapgeometry.geometry_caption(note) == (
        "Dissolved from ONS LSOA boundaries, simplified for web maps."
    )
    assert mapgeometry.geometry_caption(None) == ""


def test_the_legend_lists_classes_with_units_and_escapes_names():
    places = _places([70.0, 75.0, 80.0])
    figs = MapFigures(places, "%", 1, "low_is_good", "<b>Rate</b>", "% of residents")
    classes = mapclasses.classify(places["value"].tolist(), "low_is_good", "%", 1)
    html = mapclasses.legend_html(figs, classes, n_missing=2, note="BLMK covers <i>x</i>")
    assert "&lt;b&gt;Rate&lt;/b&gt;" in html and "<b>Rate</b>" not in html
    assert "No figure (2)" in html
    assert "80.0%" in html
    assert "Darker = worse (higher values)" in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html


def test_the_summary_names_highest_and_lowest():
    places = _places([70.0, None, 80.0])
    figs = MapFigures(places, "%", 1, "high_is_good", "Employment rate", "% of residents")
    text = maps.summary_sentence(figs, "lad", "2023")
    assert text == (
        "Employment rate, 2023: highest 80.0% in Place 2, lowest 70.0% in Place 0, across 3 "
        "local authorities; 1 without a figure."
    )


def test_the_summary_puts_no_bracket_after_a_name_in_brackets():
    places = _places([65.9, 10.2])
    places["area_name"] = ["Luton 017E (Bury Park)", "Central Bedfordshire 012D (Ampthill)"]
    figs = MapFigures(places, "%", 1, "low_is_good", "Never worked", "%")
    text = maps.summary_sentence(figs, "lsoa", "Census 2021 (21 March)")
    assert ") (" not in text
    assert "highest 65.9% in Luton 017E (Bury Park)" in text


def test_sub_icb_badges_go_on_member_places():
    members = pd.DataFrame(
        {
            "lad_code": ["E06000032", "E06000061"],
            "subicb_code": ["E38000249", "E38000242"],
            "subicb_name": ["BLMK (NHS sub-ICB M1J4Y)", "Northamptonshire (NHS sub-ICB 78H)"],
        }
    )
    badges = display.subicb_badges(members)
    assert badges["E06000032"] == "BLMK-wide"
    assert badges["E06000061"] == "Northamptonshire-wide"
    note = display.subicb_note(members, {"E06000032": "Luton", "E06000061": "North Northants"})
    assert "BLMK covers Luton" in note


def test_a_selection_payload_gives_the_area_code():
    class Event:
        def __init__(self, selection: dict) -> None:
            self.selection = selection

    picked = {"indices": {"areas": [0]},
              "objects": {"areas": [{"type": "Feature", "properties": {"area_code": "E06000032"}}]}}
    assert maps.selected_area(Event(picked)) == "E06000032"
    assert maps.selected_area(Event({"indices": {}, "objects": {}})) is None
    assert maps.selected_area(None) is None
    # The chart's value in st.session_state (read before the map is built) gives the same.
    assert maps.selected_area({"selection": picked}) == "E06000032"
    assert maps.selected_area({"selection": {"indices": {}, "objects": {}}}) is None


def test_classes_chosen_over_every_period_give_a_place_the_same_colour_in_each_year():
    by_year = {"2019": [70.2, 74.9, 77.0, 78.4, 79.1, 81.0],
               "2023": [68.8, 74.5, 76.8, 78.0, 78.6, 78.7]}
    every = [v for values in by_year.values() for v in values]
    views = {year: mapclasses.classify(values, "high_is_good", "%", 1, over=every,
                                       periods=list(by_year))
             for year, values in by_year.items()}
    assert views["2019"].edges == views["2023"].edges
    assert views["2019"].colour_of(74.9) == views["2023"].colour_of(74.9)
    assert views["2019"].edges[0] <= min(every) and views["2019"].edges[-1] >= max(every)
    assert "all 2 periods loaded (2019 to 2023)" in views["2023"].method_text()
    assert "compare between years" in views["2023"].method_text()
    # Chosen per view instead, 2023's lowest class would start at 68.8 and 2019's at 70.2.
    alone = mapclasses.classify(by_year["2019"], "high_is_good", "%", 1)
    assert alone.edges != views["2019"].edges and alone.span == ""


def test_without_a_polarity_the_scale_is_neutral_blue_and_the_legend_says_so():
    neutral = mapclasses.palette(5, "none")
    judged = set(mapclasses.palette(5, "high_is_good"))
    assert set(neutral) <= set(mapclasses.BLUES) and not set(neutral) & judged
    assert _lightness(neutral[-1]) < _lightness(neutral[0])  # darker = higher
    places = _places([0.5, 0.7, 0.9])
    figs = MapFigures(places, "ratio", 2, "none", "Jobs density", "jobs per resident")
    classes = mapclasses.classify(places["value"].tolist(), "none", "ratio", 2)
    html = mapclasses.legend_html(figs, classes, n_missing=0)
    assert "Darker = higher values" in html and "neither better nor worse" in html


def test_counts_are_drawn_as_circles_over_pale_places_never_as_colours():
    assert mapclasses.is_count("people") and mapclasses.is_count("jobs")
    assert not mapclasses.is_count("%") and not mapclasses.is_count("per 1,000")
    places = _places([100_000.0, 25_000.0, None])
    figs = MapFigures(places, "people", 0, "none", "Residents aged 16 to 64", "people")
    sym = mapclasses.symbols(places["value"].tolist(), "people", 0, max_px=28,
                             over=[400_000.0], periods=["2020", "2021"])
    assert sym.radius(400_000) == pytest.approx(28)
    assert sym.radius(100_000) == pytest.approx(2 * sym.radius(25_000))  # area ~ figure
    spec = json.loads(maps.choropleth(_shapes(3), figs, sym).to_json())
    areas = next(layer for layer in spec["layers"] if layer["id"] == maps.AREAS_LAYER)
    fills = [tuple(f["properties"]["fill"]) for f in areas["data"]["features"]]
    assert fills == [mapclasses.COUNT_BASE_FILL] * 2 + [mapclasses.NO_DATA_FILL]
    circles = next(layer for layer in spec["layers"] if layer["id"] == "count-circles")
    assert sorted(d["radius"] for d in circles["data"]) == [7.0, 14.0]
    html = mapclasses.legend_html(figs, sym, n_missing=1)
    assert "gsmw-circle" in html and "gsmw-swatch\" style" not in html
    assert "400,000 people" in html and "100,000 people" in html and "area is proportional" in html


def test_the_map_is_picked_by_its_fills_and_the_wheel_scrolls_the_page():
    places = _places([70.0, 75.0])
    figs = MapFigures(places, "%", 1, "high_is_good", "Employment rate", "% of residents")
    classes = mapclasses.classify([70.0, 75.0], "high_is_good", "%", 1)
    spec = json.loads(maps.choropleth(_shapes(2), figs, classes).to_json())
    areas = spec["layers"][0]
    assert areas["pickable"] is True
    assert areas["_subLayerProps"]["polygons-stroke"]["pickable"] is False
    (view,) = spec["views"]
    assert view["@@type"] == "MapView"
    assert view["controller"]["scrollZoom"] is False
    assert view["controller"]["doubleClickZoom"] is True and view["controller"]["dragPan"]


def test_neighbourhood_names_carry_their_local_authority():
    rows = pd.DataFrame({"area_name": ["Town Centre", "Town Centre", "Bury Park, Luton"],
                         "lad_code": ["E06000055", "E06000042", "E06000032"]})
    names = {"E06000055": "Bedford", "E06000042": "Milton Keynes", "E06000032": "Luton"}
    assert maps.place_names(rows, "msoa", names) == [
        "Town Centre, Bedford", "Town Centre, Milton Keynes", "Bury Park, Luton"]
    assert maps.place_names(rows, "lad", names) == list(rows["area_name"])
