"""Map payload: the JSON the map element carries to the browser, in bytes.

``map_payload_bytes.lad|msoa|lsoa``  the map page run through AppTest with the level chosen (and
    an indicator published at that level), for the South Midlands: the length of the pydeck
    Deck's JSON exactly as Streamlit puts it in the page's message (UTF-8 bytes).
``map_payload_bytes.england_lad``  the same Deck built by ``dashboard.maps.choropleth`` (as the
    map page builds its LAD map, labels included) for every English LAD, from the real LAD
    boundary file made web-ready by ``geo.levels.web_layer`` (the build's own repair and
    simplification), with each LAD's employment rate from the warehouse.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from bench.common import REPO

APP = str(REPO / "app.py")
LAD_FILE = "boundaries/lad/Local_Authority_Districts_December_2022_Boundaries_UK_BUC.geojson"


def _indicator_for(level: str) -> str | None:
    from dashboard import filters as flt

    options = flt.indicator_options("all", "map")
    for ind in options:
        if level in flt.indicator_meta(ind)["place_levels"]:
            return ind
    return None


def page_payload(level: str) -> tuple[int, str] | None:
    """Bytes of the map's Deck JSON at ``level`` and the indicator drawn, or None."""
    from streamlit.testing.v1 import AppTest

    from dashboard.views import PAGES

    indicator = _indicator_for(level)
    if indicator is None:
        return None
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.query_params.clear()
    at.query_params.update({"indicator": indicator, "level": level})
    at.switch_page(PAGES["map"].path).run()
    charts = at.get("deck_gl_json_chart")
    if at.exception or not charts:
        return None
    return len(charts[0].proto.json.encode("utf-8")), indicator


def england_payload(shared: Path, warehouse: Path) -> int:
    """Bytes of the Deck JSON for every English LAD (see the module docstring)."""
    import duckdb

    from dashboard import mapclasses, maps
    from geo.levels import web_layer

    gdf = web_layer(shared / LAD_FILE, "lad", prefix="E")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            """
            WITH lad AS (
                SELECT o.* FROM observations o JOIN areas a USING (area_code)
                WHERE o.indicator_id = 'employment_rate_16_64' AND o.breakdown = 'total'
                  AND a.area_level = 'lad')
            SELECT l.area_code, a.display_name AS area_name, l.value, l.ci_lower, l.ci_upper,
                   l.period_label AS period, l.status
            FROM lad l JOIN areas a USING (area_code)
            WHERE l.period_end = (SELECT max(period_end) FROM lad)
            """
        ).df()
        meta = con.execute(
            "SELECT title, unit, unit_label, decimals, polarity FROM indicators "
            "WHERE indicator_id = 'employment_rate_16_64'"
        ).fetchone()
    finally:
        con.close()
    title, unit, unit_label, decimals, polarity = meta
    figs = mapclasses.MapFigures(rows=rows, unit=unit, decimals=int(decimals), polarity=polarity,
                                 title=title, unit_label=unit_label)
    classes = mapclasses.classify(rows["value"].tolist(), polarity, unit, int(decimals))
    deck = maps.choropleth(gdf, figs, classes, labels=maps.label_points(gdf))
    return len(deck.to_json().encode("utf-8"))


def run(shared: Path | None, warehouse: Path, log: Callable[[str], None]) -> dict:
    """``map_payload_bytes.<level>`` (None where the data has no such level)."""
    out: dict = {"map_payload_bytes": {}, "map_payload_indicator": {}}
    for level in ("lad", "msoa", "lsoa"):
        got = page_payload(level)
        out["map_payload_bytes"][level] = got[0] if got else None
        out["map_payload_indicator"][level] = got[1] if got else None
        log(f"payload: {level} {got}")
    if shared is not None and (shared / LAD_FILE).is_file():
        out["map_payload_bytes"]["england_lad"] = england_payload(shared, warehouse)
    else:
        out["map_payload_bytes"]["england_lad"] = None
    log(f"payload: england_lad {out['map_payload_bytes']['england_lad']}")
    return out


def describe(payload: str) -> dict:
    """Where the bytes of a Deck JSON go, by layer (for docs/performance.md)."""
    spec = json.loads(payload)
    return {layer["id"]: len(json.dumps(layer, separators=(",", ":"))) for layer in spec["layers"]}
