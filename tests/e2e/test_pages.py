"""Every page opens in a real browser: its heading, no error box, the footer, and the sample
banner exactly when the warehouse holds the bundled sample."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from dashboard.views import PAGES
from tests.e2e.appserver import AppServer, wait_until_idle
from tests.e2e.conftest import Scenario

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
