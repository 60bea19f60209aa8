"""The dashboard in headless Chromium: the map's first draw, many readers at once, server memory.

Two servers run side by side on free loopback ports: the dashboard (``python -m dashboard.serve``)
and a bare one-line Streamlit page (``st.write("Hello")``), the baseline.

``browser_map_ms``   a fresh browser context opens ``/map``; the time from navigation start
                     (``performance.now()`` in the page) until the map's canvas shows coloured
                     places, polled by screenshots of the canvas (so up to one screenshot late).
                     Median of several runs.
``browser_bare_ms``  the same for the bare page, until its text is shown.
``browser_map_ratio``  map / bare.
``concurrent_*``     N browser contexts each open the map, then all at once change the indicator
                     K times (type its name in the filter bar, Enter). One latency per change:
                     from the Enter key until the URL holds the new indicator and the app is idle
                     again. Baseline: one session alone making the same changes, right before
                     (``concurrent_baseline_p95_ms``; ``concurrent_p95_ratio``).
                     ``concurrent_errors`` counts changes that failed or timed out, pages that
                     raised a JavaScript error, and pages showing a Python exception.
``server_peak_rss_mb``  the dashboard server's peak resident memory (VmHWM) after every page has
                     been opened and the concurrent run is over.
"""

from __future__ import annotations

import asyncio
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import PAGES, ratio
from tests.e2e.appserver import APP_IDLE, CHROMIUM_ARGS, AppServer, chromium_path, wait_until_idle

MAP = "[data-testid='stDeckGlJsonChart']"
TIMEOUT_MS = 90_000
IDLE_JS = (
    "() => !!document.querySelector(\"" + APP_IDLE.replace('"', '\\"') + "\") && "
    "document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0"
)


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
        page.goto(f"{url}/map", wait_until="commit", timeout=TIMEOUT_MS)
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


def open_every_page(browser, url: str) -> None:
    """Open each page once (so the server has loaded everything a reader can reach)."""
    from dashboard.views import PAGES as SPECS

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        for key in PAGES:
            page.goto(f"{url}/{SPECS[key].url_path}", timeout=TIMEOUT_MS)
            wait_until_idle(page, TIMEOUT_MS)
    finally:
        context.close()


class _Gate:
    """Lets every session open the map first, then releases them all at once."""

    def __init__(self, sessions: int) -> None:
        self.waiting = sessions
        self.event = asyncio.Event()

    async def arrive(self) -> None:
        self.waiting -= 1
        if self.waiting <= 0:
            self.event.set()
        await self.event.wait()


async def _session(browser, url: str, titles: list[tuple[str, str]], changes: int,
                   gate: _Gate, latencies: list[float], errors: list[str]) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    try:
        try:
            await page.goto(f"{url}/map", timeout=TIMEOUT_MS)
            await page.wait_for_selector(APP_IDLE, timeout=TIMEOUT_MS)
        finally:
            await gate.arrive()
        for i in range(changes):
            ind_id, title = titles[i % len(titles)]
            box = page.get_by_role("combobox", name="Indicator", exact=True)
            try:
                await box.click(timeout=TIMEOUT_MS)
                await page.keyboard.type(title)
                began = time.perf_counter()
                await page.keyboard.press("Enter")
                # Polled every 50 ms, not per animation frame: ten pages drawing maps in
                # software WebGL starve requestAnimationFrame, which would time the browser.
                await page.wait_for_function(
                    "(v) => new URLSearchParams(location.search).get('indicator') === v",
                    arg=ind_id, timeout=TIMEOUT_MS, polling=50)
                await page.wait_for_function(IDLE_JS, timeout=TIMEOUT_MS, polling=50)
                latencies.append((time.perf_counter() - began) * 1000)
            except Exception as exc:  # every failure counts as an error
                errors.append(f"change to {ind_id}: {type(exc).__name__}: {str(exc)[:200]}")
        shown = await page.locator("[data-testid='stException']").count()
        if shown:
            errors.append(f"{shown} exception(s) shown on the page")
    finally:
        await context.close()


async def _concurrent(url: str, sessions: int, changes: int,
                      titles: list[tuple[str, str]]) -> tuple[list[float], list[str]]:
    from playwright.async_api import async_playwright

    latencies: list[float] = []
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                           headless=True)
        try:
            gate = _Gate(sessions)
            await asyncio.gather(*(
                _session(browser, url, titles, changes, gate, latencies, errors)
                for _ in range(sessions)
            ))
        finally:
            await browser.close()
    return latencies, errors


def _p95(values: list[float]) -> float | None:
    """The 95th percentile (None for fewer than two values)."""
    return round(statistics.quantiles(values, n=20)[-1], 1) if len(values) >= 2 else None


def _titles(n: int) -> list[tuple[str, str]]:
    """Up to ``n`` indicators the map offers besides the default, with their titles."""
    from dashboard import filters as flt

    options = flt.indicator_options("all", "map")
    picked = [(k, v) for k, v in options.items() if k != "employment_rate_16_64"][:n]
    return picked or list(options.items())[:1]


def run(tmp: Path, warehouse: Path, geo_dir: Path, runs: int, sessions: int, changes: int,
        log: Callable[[str], None]) -> dict:
    """The browser figures (see the module docstring)."""
    from playwright.sync_api import sync_playwright

    if chromium_path() is None:
        log("browser: chromium not installed, skipped")
        return {"browser_skipped": "chromium is not installed"}
    bare_script = tmp / "bare_app.py"
    bare_script.write_text('import streamlit as st\n\nst.write("Hello")\n')
    bare_cmd = [sys.executable, "-m", "streamlit", "run", str(bare_script)]
    out: dict = {}
    with AppServer(warehouse, geo_dir, tmp / "dashboard.log") as dash, \
            AppServer(warehouse, geo_dir, tmp / "bare.log", command=bare_cmd) as bare:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                         headless=True)
            try:
                map_drawn_ms(browser, dash.url)  # the server's first script run and imports
                bare_drawn_ms(browser, bare.url)
                maps, bares = [], []
                for _ in range(runs):  # interleaved, so both see the same machine load
                    maps.append(map_drawn_ms(browser, dash.url))
                    bares.append(bare_drawn_ms(browser, bare.url))
                out["browser_map_ms"] = round(statistics.median(maps), 1)
                out["browser_bare_ms"] = round(statistics.median(bares), 1)
                out["browser_map_ratio"] = ratio(out["browser_map_ms"], out["browser_bare_ms"])
                out["browser_runs"] = {"map_ms": [round(x) for x in maps],
                                       "bare_ms": [round(x) for x in bares]}
                log(f"browser: map {out['browser_map_ms']} ms, bare {out['browser_bare_ms']} ms")
                open_every_page(browser, dash.url)
            finally:
                browser.close()
        titles = _titles(3)
        # Baseline: the same changes made by one session alone, right before.
        alone, alone_errors = asyncio.run(_concurrent(dash.url, 1, max(changes * 2, 6), titles))
        out["concurrent_baseline_p95_ms"] = _p95(alone)
        latencies, errors = asyncio.run(_concurrent(dash.url, sessions, changes, titles))
        errors += [f"alone: {e}" for e in alone_errors]
        out["concurrent_sessions"] = sessions
        out["concurrent_changes"] = sessions * changes
        out["concurrent_p95_ms"] = _p95(latencies)
        out["concurrent_p95_ratio"] = ratio(out["concurrent_p95_ms"],
                                            out["concurrent_baseline_p95_ms"])
        out["concurrent_median_ms"] = (round(statistics.median(latencies), 1)
                                       if latencies else None)
        out["concurrent_latencies_ms"] = sorted(round(x) for x in latencies)
        out["concurrent_errors"] = len(errors)
        out["concurrent_error_messages"] = errors[:10]
        log(f"concurrent: {sessions} sessions, p95 {out['concurrent_p95_ms']} ms, "
            f"{len(errors)} error(s)")
        out["server_peak_rss_mb"] = dash.peak_rss_mb()
        out["bare_server_peak_rss_mb"] = bare.peak_rss_mb()
    return out
