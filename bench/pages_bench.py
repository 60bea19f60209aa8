"""Pages: one rerun after a filter change, caches warm, against the same page's floor.

For each page a filter the page shows is switched between two values; after two warm-up rounds
(both values cached), every measured rerun is one switch plus the script run it triggers:

==========  ===================================================================================
overview    no filter bar: the URL's ``challenge`` switched between ``all`` and one challenge
map         the indicator: employment rate <-> inactivity rate
profile     the place: the partnership <-> Luton
compare     the places: all <-> Luton and Bedford
data        the indicators: employment rate <-> employment and inactivity rates
about       no filter bar: as overview
==========  ===================================================================================

The floor (``bench.floors``) is the same page's elements, recorded from both of those reruns
(the same tables and rows, charts, navigation, pydeck Deck) and replayed in turn, in a script
that does nothing else. Real and floor reruns alternate, so both meet the same machine load.
``page_floor_ratio.<page>`` = real / floor. The bare one-line page of earlier benches is kept
(``page_rerun_baseline_ms``, ``page_rerun_ratio``).

Scripts are compiled once, as the server does: a running server keeps each script's bytecode
(one ``ScriptCache`` per runtime), where AppTest makes a new cache on every run and so
recompiled ``app.py`` and the page (with Streamlit's "magic" rewrite of the syntax tree) on each
rerun: 10-20 ms per rerun that no user waits for, and more for the real page than its floor.
Every AppTest here (real pages, floors and the bare page) shares one cache.
"""

from __future__ import annotations

import json
import logging
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import floors
from bench.common import PAGES, REPO, median_of, ratio, timed

APP = str(REPO / "app.py")
TIMEOUT = 120
EMPLOYMENT = "employment_rate_16_64"
INACTIVITY = "inactivity_rate_16_64"
LUTON, BEDFORD = "E06000032", "E06000055"


@contextmanager
def compiled_once() -> Iterator[None]:
    """AppTest runs share one script cache, as a server's sessions do (see the docstring)."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    saved = app_test.ScriptCache, local_script_runner.ScriptCache
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    try:
        yield
    finally:
        app_test.ScriptCache, local_script_runner.ScriptCache = saved


def _page_path(page: str) -> str:
    from dashboard.views import PAGES as SPECS

    return SPECS[page].path


def open_page(page: str):
    """An AppTest on ``page`` after its first run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page != "overview":
        at.switch_page(_page_path(page)).run()
    return at


def _check(at, page: str) -> None:
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].value}")


def switcher(page: str, at, partnership: str) -> Callable[[int], None]:
    """A function that puts filter value ``i % 2`` in place and reruns the page."""
    if page == "map":
        values = [EMPLOYMENT, INACTIVITY]
        return lambda i: at.selectbox(key="indicator").set_value(values[i % 2]).run()
    if page == "profile":
        values = [partnership, LUTON]
        return lambda i: at.selectbox(key="area").set_value(values[i % 2]).run()
    if page == "compare":
        choices = [[], [LUTON, BEDFORD]]
        return lambda i: at.multiselect(key="places").set_value(choices[i % 2]).run()
    if page == "data":
        choices = [[EMPLOYMENT], [EMPLOYMENT, INACTIVITY]]
        return lambda i: at.multiselect(key="indicators").set_value(choices[i % 2]).run()

    def challenge(i: int) -> None:
        at.query_params["challenge"] = ["all", "exclusion"][i % 2]
        at.run()

    return challenge


def bare_rerun_ms(tmp: Path, runs: int) -> float:
    """Median rerun of a bare one-line page (ms)."""
    from streamlit.testing.v1 import AppTest

    script = tmp / "bare_page.py"
    script.write_text('import streamlit as st\n\nst.write("Hello")\n')
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT).run()
    for _ in range(3):
        at.run()
    med, _ = median_of(lambda: timed(at.run) * 1000, runs)
    return med


def record(page: str, switch: Callable[[int], None], at) -> list[floors.Recording]:
    """The page's elements on both filter values (after warm-up), kept for its floor."""
    recordings = []
    with floors.Recorder() as recorder:
        for i in range(2):
            recordings.append(recorder.start())
            switch(i)
            _check(at, page)
    return recordings


def floor_app(tmp: Path, page: str, recordings: list[floors.Recording]):
    """An AppTest of the page's floor, after its first run."""
    from streamlit.testing.v1 import AppTest

    floors.RECORDINGS[page] = recordings
    ft = AppTest.from_file(str(floors.floor_script(tmp, page)), default_timeout=TIMEOUT).run()
    _check(ft, f"{page} floor")
    return ft


def _element_count(at) -> int:
    def walk(node) -> int:
        kids = getattr(node, "children", None) or {}
        kids = kids.values() if isinstance(kids, dict) else kids
        return sum(1 + walk(k) for k in kids)

    return walk(at._tree)


def save_map_deck(recordings: list[floors.Recording], folder: Path) -> Path | None:
    """The map page's pydeck call (its Deck's JSON and options), for the browser floor."""
    for call in recordings[0].calls:
        if call.method == "pydeck_chart":
            deck = call.args[0] if call.args else call.kwargs.get("pydeck_obj")
            options = {k: v for k, v in call.kwargs.items()
                       if k in ("height", "selection_mode", "on_select", "use_container_width")}
            path = folder / "map_deck.json"
            path.write_text(json.dumps({"json": deck.to_json(),
                                        "tooltip": getattr(deck, "_tooltip", None),
                                        "options": options}), encoding="utf-8")
            return path
    return None


def run(tmp: Path, runs: int, log: Callable[[str], None]) -> dict:
    """``page_rerun_ms``, ``page_floor_ms``, ``page_floor_ratio`` per page, and the bare
    baseline."""
    # Preparing a page calls the query layer outside any script run: Streamlit says so once
    # per cached call ("missing ScriptRunContext"), which is expected here.
    # (A filter, not a level: Streamlit sets its loggers' levels again as it reads its config.)
    quiet = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    expected = _NoMissingContext()
    quiet.addFilter(expected)
    try:
        with compiled_once():
            return _run(tmp, runs, log)
    finally:
        quiet.removeFilter(expected)


class _NoMissingContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "missing ScriptRunContext" not in record.getMessage()


def _run(tmp: Path, runs: int, log: Callable[[str], None]) -> dict:
    from dashboard import queries

    partnership = queries.info()["partnership_code"] or "GBW-SMID"
    reruns = max(runs * 2 + 1, 7)
    bare = bare_rerun_ms(tmp, reruns)
    log(f"pages: bare page rerun {bare:.1f} ms")
    out: dict = {"page_rerun_baseline_ms": round(bare, 1), "page_rerun_ms": {},
                 "page_rerun_ratio": {}, "page_floor_ms": {}, "page_floor_ratio": {},
                 "page_elements": {}, "page_runs": {}}
    for page in PAGES:
        at = open_page(page)
        _check(at, page)
        switch = switcher(page, at, partnership)
        for i in range(4):  # two warm-up rounds: both values in every cache
            switch(i)
            _check(at, page)
        recordings = record(page, switch, at)
        if page == "map":
            out["map_deck_file"] = str(save_map_deck(recordings, tmp))
        ft = floor_app(tmp, page, recordings)

        def floor_rerun(i: int, ft=ft) -> None:
            ft.session_state[floors.ROUND_KEY] = i
            ft.run()

        for i in range(4):
            floor_rerun(i)
        _check(ft, f"{page} floor")
        real_ms, floor_ms = [], []
        for i in range(reruns):  # interleaved: both meet the same machine load
            real_ms.append(timed(lambda i=i, switch=switch: switch(i)) * 1000)
            floor_ms.append(timed(lambda i=i: floor_rerun(i)) * 1000)
        _check(at, page)
        _check(ft, f"{page} floor")
        real, floor = statistics.median(real_ms), statistics.median(floor_ms)
        out["page_rerun_ms"][page] = round(real, 1)
        out["page_rerun_ratio"][page] = ratio(real, bare)
        out["page_floor_ms"][page] = round(floor, 1)
        out["page_floor_ratio"][page] = ratio(real, floor)
        out["page_elements"][page] = {"real": _element_count(at), "floor": _element_count(ft),
                                      "calls": len(recordings[0].calls)}
        out["page_runs"][page] = {"real_ms": [round(x, 1) for x in real_ms],
                                  "floor_ms": [round(x, 1) for x in floor_ms]}
        log(f"pages: {page} rerun {real:.1f} ms, floor {floor:.1f} ms "
            f"({ratio(real, floor)}x; elements {out['page_elements'][page]})")
    return out
