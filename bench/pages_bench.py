"""Pages: one rerun after a filter change, caches warm, through Streamlit's AppTest.

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

The baseline is the same rerun of a bare one-line page (``st.write("Hello")``) in the same
process, right before.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.common import PAGES, REPO, median_of, ratio, timed

APP = str(REPO / "app.py")
TIMEOUT = 120
EMPLOYMENT = "employment_rate_16_64"
INACTIVITY = "inactivity_rate_16_64"
LUTON, BEDFORD = "E06000032", "E06000055"


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


def run(tmp: Path, runs: int, log: Callable[[str], None]) -> dict:
    """``page_rerun_ms.<page>``, ``page_rerun_ratio.<page>`` and the baseline."""
    from dashboard import queries

    partnership = queries.info()["partnership_code"] or "GBW-SMID"
    reruns = max(runs * 2 + 1, 7)
    bare = bare_rerun_ms(tmp, reruns)
    log(f"pages: bare page rerun {bare:.1f} ms")
    out: dict = {"page_rerun_baseline_ms": round(bare, 1), "page_rerun_ms": {},
                 "page_rerun_ratio": {}, "page_rerun_filter": {}}
    for page in PAGES:
        at = open_page(page)
        _check(at, page)
        switch = switcher(page, at, partnership)
        for i in range(4):  # two warm-up rounds: both values in every cache
            switch(i)
            _check(at, page)
        counter = iter(range(10_000))
        med, _ = median_of(lambda switch=switch, counter=counter: timed(
            lambda: switch(next(counter))) * 1000, reruns)
        _check(at, page)
        out["page_rerun_ms"][page] = round(med, 1)
        out["page_rerun_ratio"][page] = ratio(med, bare)
        log(f"pages: {page} rerun {med:.1f} ms ({ratio(med, bare)}x)")
    return out
