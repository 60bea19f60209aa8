"""Every page opens in a real browser: its heading, no error box, the footer, and the sample
banner exactly when the warehouse holds the bundled sample."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dashboard.views import PAGES
from tests.e2e.appserver import AppServer, wait_until_idle
from tests.e2e.conftest import BrowserProblems, Scenario

pytestmark = pytest.mark.e2e

BANNER = "Sample data, not real figures"
# Words a reader should never see where a figure or a name belongs.
LEAKS = re.compile(r"\b(undefined|NaN|nan|NaT|<NA>)\b")


def heading(scenario: Scenario, key: str) -> str:
    partnership = scenario.sql("SELECT display_name FROM areas WHERE area_level = 'partnership'")
    return PAGES[key].heading.format(area=partnership[0][0])


def page_url(key: str) -> str:
    """A page's address: the front page (the overview) is served at the root."""
    return "/" if key == "overview" else f"/{PAGES[key].url_path}"


def open_page(page: Page, path: str) -> None:
    """Go to ``path`` and wait for the script run to finish."""
    page.goto(path)
    wait_until_idle(page)


@pytest.mark.parametrize("key", list(PAGES))
def test_every_page_opens_with_its_heading_footer_and_no_error(
    page: Page, scenario: Scenario, key: str
) -> None:
    open_page(page, page_url(key))
    main = page.get_by_test_id("stMain")
    expect(page.locator("h1").first).to_have_text(heading(scenario, key))
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)  # e.g. Streamlit's "Page not found"
    footer = page.locator(".st-key-footer")
    expect(footer).to_be_visible()
    expect(footer).to_contain_text("Open Government Licence")
    expect(footer.get_by_role("link", name=re.compile("About the data"))).to_be_visible()
    banner = main.get_by_test_id("stAlert").filter(has_text=BANNER)
    expect(banner).to_have_count(1 if scenario.is_sample else 0)
    leaks = LEAKS.findall(main.inner_text())
    assert not leaks, f"the page shows {sorted(set(leaks))} where text or figures belong"


def test_a_shared_link_opened_first_after_a_restart_shows_its_page(
    browser, scenario: Scenario, tmp_path
) -> None:
    with AppServer(scenario.warehouse, scenario.geo_dir, tmp_path / "streamlit.log") as fresh:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            page.goto(f"{fresh.url}/data")
            wait_until_idle(page)
            expect(page.locator("h1").first).to_have_text(heading(scenario, "data"))
            expect(page.get_by_role("dialog")).to_have_count(0)
        finally:
            context.close()


# ---------------------------------------------------------------------------------------------
# A 390 x 844 phone
# ---------------------------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}
# Elements that reach past the screen's edge, unless a box of their own scrolls them sideways.
CUT_OFF = """(w) => {
  const cut = [];
  for (const el of document.querySelectorAll('[data-testid=stMain] *')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || (r.right <= w + 1 && r.left >= -1)) continue;
    let p = el.parentElement, scrolls = false;
    while (p && p.getAttribute('data-testid') !== 'stMain') {
      const s = getComputedStyle(p);
      if (s.overflowX === 'auto' || s.overflowX === 'scroll') { scrolls = true; break; }
      p = p.parentElement;
    }
    if (!scrolls) cut.push((el.getAttribute('data-testid') || el.tagName) + ' "'
                           + (el.textContent || '').trim().slice(0, 40) + '" ends at '
                           + Math.round(r.right) + ' px');
  }
  return cut.slice(0, 10);
}"""
# Each table: its width, its box's visible width, and whether the box scrolls sideways.
TABLES = """() => [...document.querySelectorAll('[data-testid=stTable]')].map(t => {
  const box = t.firstElementChild, s = getComputedStyle(box);
  return {table: box.scrollWidth, box: box.clientWidth, scrolls: s.overflowX === 'auto'};
})"""
# The bars of each bar chart in the overview's panels, as wide as they are drawn.
BARS = """() => [...document.querySelectorAll(
    '.st-key-panel_uk_vacancies [data-testid=stVegaLiteChart], '
    + '.st-key-panel_job_adverts [data-testid=stVegaLiteChart]')].map(c => ({
  chart: c.getBoundingClientRect().width,
  widest: Math.max(0, ...[...c.querySelectorAll('g.mark-rect path')].map(
      b => b.getBoundingClientRect().width)),
}))"""


def phone_views(scenario: Scenario) -> dict[str, str]:
    """The pages this suite looks at on a phone, with a neighbourhood where there is one."""
    views = {
        "overview": "/",
        "profile": f"/profile?area={scenario.place}",
        "compare": "/compare?indicators=employment_rate_16_64&indicators=inactivity_rate_16_64",
        "data": f"/data?indicators=employment_rate_16_64&places={scenario.place}",
        "about": "/about",
    }
    msoa = scenario.sql("SELECT area_code FROM areas WHERE area_level = 'msoa' AND lad_code = $l "
                        "ORDER BY area_code LIMIT 1", {"l": scenario.place})
    if msoa:
        views["neighbourhood"] = f"/profile?area={msoa[0][0]}"
    return views


@pytest.mark.parametrize("view", ["overview", "profile", "neighbourhood", "compare", "data",
                                  "about"])
def test_a_phone_shows_each_page_with_nothing_cut_off(browser, app_server: AppServer,
                                                      scenario: Scenario, view: str) -> None:
    path = phone_views(scenario).get(view)
    if path is None:
        pytest.skip("the sample has no neighbourhoods")
    context = browser.new_context(base_url=app_server.url, viewport=PHONE)
    try:
        page = context.new_page()
        problems = BrowserProblems(page, app_server.url)
        page.goto(path)
        wait_until_idle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        # Charts draw at a first width, then fit their column: give them a few seconds.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(f"() => ({CUT_OFF})({PHONE['width']}).length === 0",
                                   timeout=8_000)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        assert page.evaluate(CUT_OFF, PHONE["width"]) == []
        tables = page.evaluate(TABLES)
        grids = page.get_by_test_id("stDataFrame").all()  # sortable grids scroll by themselves
        assert tables or grids, "no table on the page"
        for t in tables:  # wider than the screen: it scrolls inside its own box
            assert t["box"] <= PHONE["width"] and (t["table"] <= t["box"] + 1 or t["scrolls"])
        for grid in grids:
            box = grid.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        for chart in page.get_by_test_id("stVegaLiteChart").all():
            box = chart.bounding_box()
            assert box is not None and 200 <= box["width"] <= PHONE["width"]
        if view == "overview":
            bars = page.evaluate(BARS)
            assert bars, "no bar chart in the overview's panels"
            for b in bars:  # the longest bar spans most of the chart, not a sliver beside labels
                assert b["widest"] >= 0.5 * b["chart"], b
        assert not problems.errors, problems.errors
    finally:
        context.close()


A4_WIDTH_PX = 794  # 210 mm at the 96 px per inch a browser prints at

# Each table on the page: how far its widest row reaches and where its box ends, in px.
TABLE_EDGES = """() => [...document.querySelectorAll("[data-testid='stTable']")].map(t => ({
    box: t.getBoundingClientRect().right,
    cells: Math.max(...[...t.querySelectorAll('th,td')].map(c => c.getBoundingClientRect().right)),
    head: [...t.querySelectorAll('th')].map(c => c.innerText).join(' | '),
}))"""


def test_the_profile_prints_whole_on_a4_without_the_apps_controls(
    page: Page, scenario: Scenario
) -> None:
    """A board member's "Print" of a place profile: every sheet of it, every column of its
    tables, and none of the navigation bar or buttons that do nothing on paper."""
    open_page(page, f"/profile?area={scenario.place}")
    expect(page.get_by_role("button", name="Download profile (PDF)")).to_be_visible()
    pdf = page.pdf(format="A4")
    sheets = max(int(n) for n in re.findall(rb"/Count (\d+)", pdf))
    assert sheets >= 2, "the printed profile stops after its first sheet"

    page.set_viewport_size({"width": A4_WIDTH_PX, "height": 1123})
    page.emulate_media(media="print")
    expect(page.get_by_test_id("stHeader")).to_be_hidden()
    expect(page.get_by_role("button", name="Download profile (PDF)")).to_be_hidden()
    expect(page.locator("h2").filter(has_text=scenario.name(scenario.place)).first).to_be_visible()
    tables = page.evaluate(TABLE_EDGES)
    assert tables, "no table on the printed profile"
    for t in tables:  # no column cut off at the table's edge or the paper's
        assert t["cells"] <= t["box"] + 1 and t["cells"] <= A4_WIDTH_PX + 1, t
