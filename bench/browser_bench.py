"""The map's first draw in headless Chromium, against its floor.

Three servers run side by side on free loopback ports: the dashboard (``python -m
dashboard.serve``); the map's floor, a Streamlit page holding only the map page's pydeck chart
(the same Deck JSON, tooltip and options, recorded from the map page by ``bench.pages_bench``);
and a bare one-line page (``st.write("Hello")``), the earlier baseline.

``browser_map_ms``    a fresh browser context opens ``/map``; the time from navigation start
                      (``performance.now()`` in the page) until the map's canvas shows coloured
                      places, polled by screenshots of the canvas (so up to one screenshot
                      late). Median of several runs.
``browser_map_floor_ms``  the same for the floor page.
``map_floor_ratio``   map / floor.
``browser_bare_ms``, ``browser_map_ratio``  the bare page's text shown; map / bare (earlier).
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import ratio
from tests.e2e.appserver import CHROMIUM_ARGS, AppServer, chromium_path

MAP = "[data-testid='stDeckGlJsonChart']"
TIMEOUT_MS = 90_000


def _coloured_share(png: bytes) -> float:
    """Share of a screenshot's pixels in a clear colour (not white, grey or black)."""
    import numpy as np
    from PIL import Image

    px = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    spread = px.max(axis=-1) - px.min(axis=-1)
    return float((spread > 40).mean())


def map_drawn_ms(browser, url: str) -> float:
    """Navigation start to the map canvas drawn with coloured places, in a fresh context."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        canvas = page.locator(f"{MAP} canvas").first
        canvas.wait_for(state="visible", timeout=TIMEOUT_MS)
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while time.monotonic() < deadline:
            if _coloured_share(canvas.screenshot(timeout=TIMEOUT_MS)) > 0.01:
                return float(page.evaluate("performance.now()"))
        raise RuntimeError("the map was not drawn in time")
    finally:
        context.close()


def bare_drawn_ms(browser, url: str) -> float:
    """Navigation start to the bare page's text shown, in a fresh context."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        page.get_by_text("Hello", exact=True).wait_for(state="visible", timeout=TIMEOUT_MS)
        return float(page.evaluate("performance.now()"))
    finally:
        context.close()


def map_floor_script(folder: Path, deck_file: Path) -> Path:
    """A Streamlit page holding only the recorded pydeck chart (see the module docstring)."""
    script = folder / "map_floor.py"
    script.write_text(
        "import json\nfrom pathlib import Path\n\nimport pydeck as pdk\nimport streamlit as st\n\n"
        f"SAVED = json.loads(Path({str(deck_file)!r}).read_text(encoding='utf-8'))\n\n\n"
        "class SavedDeck(pdk.Deck):\n"
        "    def to_json(self):\n"
        "        return SAVED['json']\n\n\n"
        "st.set_page_config(layout='wide')\n"
        "deck = SavedDeck()\n"
        "deck._tooltip = SAVED['tooltip']\n"
        "st.pydeck_chart(deck, **SAVED['options'])\n",
        encoding="utf-8",
    )
    return script


def deck_file(tmp: Path, log: Callable[[str], None]) -> Path | None:
    """The map page's recorded Deck: from the pages stage, else recorded now."""
    path = tmp / "map_deck.json"
    if path.is_file():
        return path
    from bench import pages_bench
    from dashboard import queries

    at = pages_bench.open_page("map")
    switch = pages_bench.switcher("map", at, queries.info()["partnership_code"] or "GBW-SMID")
    for i in range(2):
        switch(i)
    log("browser: recording the map page's Deck for its floor")
    return pages_bench.save_map_deck(pages_bench.record("map", switch, at), tmp)


def first_paint(tmp: Path, dash: AppServer, runs: int, log: Callable[[str], None]) -> dict:
    """``browser_map_ms``, ``browser_map_floor_ms``, ``map_floor_ratio`` and the bare page."""
    from playwright.sync_api import sync_playwright

    saved = deck_file(tmp, log)
    if saved is None:
        return {"browser_skipped": "the map page drew no map"}
    bare_script = tmp / "bare_app.py"
    bare_script.write_text('import streamlit as st\n\nst.write("Hello")\n')
    floor_cmd = [sys.executable, "-m", "streamlit", "run", str(map_floor_script(tmp, saved))]
    bare_cmd = [sys.executable, "-m", "streamlit", "run", str(bare_script)]
    out: dict = {"map_floor_deck_bytes": len(json.loads(saved.read_text())["json"].encode())}
    with AppServer(dash.warehouse, dash.geo_dir, tmp / "floor.log", command=floor_cmd) as floor, \
            AppServer(dash.warehouse, dash.geo_dir, tmp / "bare.log", command=bare_cmd) as bare, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            map_drawn_ms(browser, f"{dash.url}/map")  # first script runs and imports
            map_drawn_ms(browser, floor.url)
            bare_drawn_ms(browser, bare.url)
            maps, floors, bares = [], [], []
            for _ in range(runs):  # interleaved, so all three see the same machine load
                maps.append(map_drawn_ms(browser, f"{dash.url}/map"))
                floors.append(map_drawn_ms(browser, floor.url))
                bares.append(bare_drawn_ms(browser, bare.url))
        finally:
            browser.close()
    out["browser_map_ms"] = round(statistics.median(maps), 1)
    out["browser_map_floor_ms"] = round(statistics.median(floors), 1)
    out["browser_bare_ms"] = round(statistics.median(bares), 1)
    out["map_floor_ratio"] = ratio(out["browser_map_ms"], out["browser_map_floor_ms"])
    out["browser_map_ratio"] = ratio(out["browser_map_ms"], out["browser_bare_ms"])
    out["browser_runs"] = {"map_ms": [round(x) for x in maps],
                           "floor_ms": [round(x) for x in floors],
                           "bare_ms": [round(x) for x in bares]}
    log(f"browser: map {out['browser_map_ms']} ms, its floor {out['browser_map_floor_ms']} ms "
        f"({out['map_floor_ratio']}x), bare {out['browser_bare_ms']} ms")
    return out


def run(tmp: Path, warehouse: Path, geo_dir: Path, runs: int,
        log: Callable[[str], None]) -> dict:
    """The first-paint figures (see the module docstring)."""
    if chromium_path() is None:
        log("browser: chromium not installed, first paint skipped")
        return {"browser_skipped": "chromium is not installed"}
    with AppServer(warehouse, geo_dir, tmp / "dashboard.log", timeout=180) as dash:
        return first_paint(tmp, dash, runs, log)
