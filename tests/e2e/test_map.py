"""The map in a real browser: drawn places in their legend colours, a click that selects a place
and leads to its profile, and filters that live in the URL."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from dashboard.formatting import level_name
from tests.e2e import mapview
from tests.e2e.appserver import wait_until_idle
from tests.e2e.conftest import BrowserProblems, Scenario

pytestmark = pytest.mark.e2e

DEFAULT_INDICATOR = "employment_rate_16_64"


def lads(scenario: Scenario) -> list[str]:
    return [r[0] for r in scenario.sql(
        "SELECT area_code FROM areas WHERE area_level = 'lad' AND in_partnership ORDER BY 1")]


def latest_values(scenario: Scenario, indicator: str) -> dict[str, float]:
    """Each partnership LAD's figure in the latest period any of them has (what the map shows
    by default), straight from the warehouse."""
    rows = scenario.sql(
        """
        WITH p AS (
            SELECT o.area_code, o.value, o.period_end FROM observations o
            JOIN areas a USING (area_code)
            WHERE o.indicator_id = $i AND o.breakdown = 'total' AND a.area_level = 'lad'
              AND a.in_partnership)
        SELECT area_code, value FROM p WHERE period_end = (SELECT max(period_end) FROM p)
        """,
        {"i": indicator},
    )
    return {code: value for code, value in rows if value is not None}


def open_map(page: Page, query: str = "") -> list[mapview.LegendClass]:
    """Open the map page and wait until the places are drawn; the legend's classes."""
    page.goto(f"/map{query}")
    wait_until_idle(page)
    expect(page.locator(mapview.MAP)).to_be_visible()
    expect(mapview.canvas(page)).to_be_visible()
    legend = page.get_by_role("group", name="Map legend")
    expect(legend).to_be_visible()
    classes = mapview.legend_classes(page)
    mapview.wait_for_drawing(page, [c.rgb for c in classes])
    return classes


def test_the_map_draws_each_place_in_the_colour_its_legend_gives_its_figure(
    page: Page, scenario: Scenario
) -> None:
    classes = open_map(page)
    legend = page.get_by_role("group", name="Map legend")
    unit_label = scenario.sql("SELECT unit_label FROM indicators WHERE indicator_id = $i",
                              {"i": DEFAULT_INDICATOR})[0][0]
    expect(legend).to_contain_text(scenario.title(DEFAULT_INDICATOR))
    expect(legend).to_contain_text(unit_label)
    expect(legend).to_contain_text("No figure")
    assert len(classes) >= 2, "the legend has fewer than two classes"
    assert all(c.text.endswith("%") for c in classes), "legend ranges without their unit"

    pixels = mapview.canvas_pixels(page)
    blank = mapview.share_of(pixels, (255, 255, 255), tolerance=3)
    assert blank < 0.9, f"the map is {blank:.0%} blank"
    values = latest_values(scenario, DEFAULT_INDICATOR)
    box = mapview.canvas(page).bounding_box()
    where = mapview.spots(scenario.geo_dir, lads(scenario), box)
    checked = 0
    for code, spot in where.items():
        if code not in values or spot.radius < 15:
            continue  # too small on screen to read its fill around its label
        drawn = mapview.main_colour(pixels, spot.x - box["x"], spot.y - box["y"],
                                    spot.radius * 0.8)
        shown = round(values[code], 1)
        fits = [c for c in classes if c.low <= shown <= c.high]
        assert fits, f"{spot.name} ({shown}) is in no legend class: {[c.text for c in classes]}"
        assert any(mapview.near(drawn, mapview.on_white(c.rgb)) for c in fits), (
            f"{spot.name} ({shown}) is drawn in {drawn}, not the colour of legend class "
            f"{[c.text for c in fits]} {[mapview.on_white(c.rgb) for c in fits]}"
        )
        checked += 1
    assert checked >= 3, f"only {checked} places were large enough on screen to check"


def click_place(page: Page, scenario: Scenario) -> tuple[str, float, str]:
    """Open the map, point at the scenario's place until its tooltip shows, and click it;
    the place's name, figure and period (from the warehouse)."""
    open_map(page)
    code = scenario.place
    name = scenario.name(code)
    value, period = scenario.sql(
        """
        SELECT o.value, o.period_label FROM observations o
        WHERE o.indicator_id = $i AND o.area_code = $a AND o.breakdown = 'total'
        ORDER BY o.period_end DESC LIMIT 1
        """,
        {"i": DEFAULT_INDICATOR, "a": code},
    )[0]
    box = mapview.canvas(page).bounding_box()
    spot = mapview.spots(scenario.geo_dir, lads(scenario), box)[code]
    tip = mapview.hover_until_tooltip(page, spot)
    assert f"{value:.1f}%" in tip, f"the tooltip does not give the figure {value:.1f}%: {tip!r}"
    assert period in tip, f"the tooltip does not give the period {period}: {tip!r}"
    assert "95% CI" in tip or "confidence interval" in tip, tip
    page.mouse.click(spot.x, spot.y)
    expect(page).to_have_url(re.compile(rf"[?&]area={code}\b"))
    wait_until_idle(page)
    page.mouse.move(0, 0)
    return name, value, period


def outlined(page: Page, timeout_ms: int = 8_000) -> bool:
    """Whether the map shows the selected-place outline (within ``timeout_ms``)."""
    for _ in range(max(1, timeout_ms // 250)):
        if mapview.share_of(mapview.canvas_pixels(page), mapview.SELECTED, tolerance=25) > 4e-4:
            return True
        page.wait_for_timeout(250)
    return False


def test_clicking_a_place_selects_it_and_leads_to_its_profile(
    page: Page, scenario: Scenario
) -> None:
    name, value, _ = click_place(page, scenario)
    selected = page.locator(".st-key-map_selection")
    expect(selected).to_contain_text(name)
    expect(selected).to_contain_text(f"{value:.1f}%")

    # The selection is part of the address: reloading it shows the place selected and outlined.
    page.reload()
    wait_until_idle(page)
    expect(selected).to_contain_text(name)
    assert outlined(page), f"{name} is not outlined on the map after a reload"

    selected.get_by_role("link", name=re.compile(re.escape(name))).click()
    expect(page).to_have_url(re.compile(rf"/profile\?(.*&)?area={scenario.place}\b"))
    wait_until_idle(page)
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="Place", exact=True)).to_have_value(
        re.compile(re.escape(name))
    )
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_a_clicked_place_is_outlined_on_the_map_at_once(page: Page, scenario: Scenario) -> None:
    name, _, _ = click_place(page, scenario)
    expect(page.locator(".st-key-map_selection")).to_contain_text(name)
    assert outlined(page), f"{name} is selected but not outlined on the map"


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the filter bar's select box labelled ``label``."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def view_of(page: Page) -> dict[str, str]:
    """What a reader sees of the map view: the filters, the legend, the map's own summary and the
    number of places in the table."""
    return {
        "indicator": page.get_by_role("combobox", name="Indicator", exact=True).input_value(),
        "level": page.get_by_role("combobox", name="Level", exact=True).input_value(),
        "legend": page.get_by_role("group", name="Map legend").inner_text(),
        "summary": page.locator(mapview.MAP).get_attribute("aria-label") or "",
        "rows": page.locator(".st-key-map_table_box [role='grid']").get_attribute(
            "aria-rowcount") or "",
    }


def test_a_filter_change_goes_into_the_url_and_reloading_it_shows_the_same_view(
    page: Page, scenario: Scenario
) -> None:
    open_map(page)
    before = view_of(page)
    choose(page, "Indicator", scenario.title(scenario.other_indicator))
    expect(page).to_have_url(re.compile(rf"[?&]indicator={scenario.other_indicator}\b"))
    wait_until_idle(page)
    if scenario.other_level != "lad":
        choose(page, "Level", level_name(scenario.other_level))
        expect(page).to_have_url(re.compile(rf"[?&]level={scenario.other_level}\b"))
        wait_until_idle(page)
    expect(page.get_by_role("group", name="Map legend")).to_contain_text(
        scenario.title(scenario.other_indicator)
    )
    mapview.wait_for_drawing(page, [c.rgb for c in mapview.legend_classes(page)])
    chosen = view_of(page)
    assert chosen["legend"] != before["legend"] and chosen["summary"] != before["summary"]
    n_places = scenario.sql(
        "SELECT count(*) FROM areas WHERE area_level = $l AND in_partnership",
        {"l": scenario.other_level},
    )[0][0]
    assert chosen["rows"] == str(n_places + 1), "the table does not list every place"

    url = page.url
    query = parse_qs(urlparse(url).query)
    assert query["indicator"] == [scenario.other_indicator]
    page.reload()
    wait_until_idle(page)
    mapview.wait_for_drawing(page, [c.rgb for c in mapview.legend_classes(page)])
    assert page.url == url
    assert view_of(page) == chosen


def test_the_map_asks_no_third_party_server_for_tiles(
    page: Page, problems: BrowserProblems
) -> None:
    open_map(page)  # the deck asks for a basemap style when it mounts, before it draws
    basemap = [u for u in problems.external if "fonts.gstatic.com" not in u]
    assert basemap == [], f"the map fetched from other servers: {basemap}"


PHONE = {"width": 390, "height": 844}
NEIGHBOURHOOD_INDICATOR = "census_never_worked_pct"  # published for MSOAs and LSOAs


def in_viewport(page: Page, locator, *, whole: bool = True) -> bool:
    """Whether the element is on screen: within the viewport's width and (``whole``) height."""
    box = locator.bounding_box()
    size = page.viewport_size
    if box is None or size is None:
        return False
    inside_x = box["x"] >= -1 and box["x"] + box["width"] <= size["width"] + 1
    top_ok = 0 <= box["y"] < size["height"]
    return inside_x and (top_ok and (box["y"] + box["height"] <= size["height"] + 1
                                     if whole else True))


@pytest.mark.parametrize("level", ["msoa", "lsoa"])
def test_clicking_a_neighbourhood_selects_it_with_its_panel_in_view(
    page: Page, scenario: Scenario, level: str
) -> None:
    if scenario.is_sample:
        pytest.skip("the sample has no neighbourhood boundaries (real boundaries only)")
    open_map(page, f"?indicator={NEIGHBOURHOOD_INDICATOR}&level={level}")
    box = mapview.canvas(page).bounding_box()
    where = mapview.spots(scenario.geo_dir, lads(scenario), box, level=level)
    figures = dict(scenario.sql(
        "SELECT area_code, value FROM observations WHERE indicator_id = $i AND breakdown = "
        "'total'", {"i": NEIGHBOURHOOD_INDICATOR}))
    # The place drawn largest, pointed at well inside its shape.
    spot = max((s for s in where.values() if s.code in figures), key=lambda s: s.radius)
    assert spot.radius >= 4, f"no {level} is big enough on screen to click"
    spot = replace(spot, name=scenario.name(spot.code))  # as the warehouse names it
    # One steady pointer: the first pick of a thousand shapes takes a while in software WebGL.
    page.mouse.move(spot.x, spot.y)
    tip = page.locator(mapview.TOOLTIP).filter(has_text=spot.name)
    tip.wait_for(state="visible", timeout=45_000)
    assert f"{figures[spot.code]:.1f}%" in tip.inner_text()
    page.mouse.click(spot.x, spot.y)
    # The click is picked again among the same shapes, then the page reruns: as slow as the hover.
    expect(page).to_have_url(re.compile(rf"[?&]area={spot.code}\b"), timeout=45_000)
    wait_until_idle(page)
    panel = page.locator(".st-key-map_selection")
    expect(panel).to_contain_text(spot.name)
    expect(panel).to_contain_text(f"{figures[spot.code]:.1f}%")
    if level == "msoa":  # a neighbourhood is named with its local authority
        lad = scenario.sql("SELECT l.display_name FROM areas a JOIN areas l ON l.area_code = "
                           "a.lad_code WHERE a.area_code = $a", {"a": spot.code})[0][0]
        expect(panel).to_contain_text(f"{spot.name}, {lad}")
    assert in_viewport(page, panel.get_by_role("heading")), "the selected place is out of view"
    page.mouse.move(0, 0)
    assert outlined(page), f"{spot.name} is selected but not outlined on the map"


def test_the_wheel_scrolls_the_page_past_the_map_and_a_reset_is_offered(page: Page) -> None:
    open_map(page)
    page.mouse.move(0, 0)
    before = mapview.canvas_pixels(page)
    box = mapview.canvas(page).bounding_box()
    scroller = "[data-testid='stMain']"
    top = page.eval_on_selector(scroller, "e => e.scrollTop")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 250)
    page.wait_for_timeout(800)
    assert page.eval_on_selector(scroller, "e => e.scrollTop") > top, "the page did not scroll"
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    after = mapview.canvas_pixels(page)
    # Where the map is drawn (not blank page) is the same: no zoom. (Colours may differ where the
    # pointer left a place highlighted.)
    drawn_before, drawn_after = before.min(axis=-1) < 245, after.min(axis=-1) < 245
    changed = float((drawn_before != drawn_after).mean())
    assert changed < 0.01, f"the wheel zoomed or moved the map ({changed:.1%} of its pixels)"
    reset = page.get_by_role("button", name="Reset map view")
    expect(reset).to_be_visible()
    reset.click()
    wait_until_idle(page)
    expect(mapview.canvas(page)).to_be_visible()


def test_on_a_phone_the_map_is_whole_and_nothing_is_cut_off(
    page: Page, scenario: Scenario
) -> None:
    page.set_viewport_size(PHONE)
    open_map(page)
    canvas = mapview.canvas(page)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 250
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # Every place of the partnership is drawn inside the canvas: the map is not cropped.
    for spot in mapview.spots(scenario.geo_dir, lads(scenario), box).values():
        assert box["x"] < spot.x < box["x"] + box["width"], f"{spot.name} is cut off"
        assert box["y"] < spot.y < box["y"] + box["height"], f"{spot.name} is cut off"
    pixels = mapview.canvas_pixels(page)
    edge = pixels[:, :3].reshape(-1, 3).tolist() + pixels[:, -3:].reshape(-1, 3).tolist()
    assert all(min(p) > 245 for p in edge), "the places run off the side of the map"
    # Nothing on the page sticks out of the screen; wide tables scroll inside their own box.
    wide = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMainBlockContainer"] *')]
            .filter(e => e.offsetParent !== null && !e.closest('[data-testid="stDataFrame"]'))
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.width > 0 && (r.right > innerWidth + 1 || r.left < -1))
            .map(([e, r]) => (e.getAttribute('data-testid') || e.tagName) + ' ' + r.right)""")
    assert wide == [], f"cut off on a phone: {wide[:5]}"
    for key in ("map_tools", "map_table_box"):
        part = page.locator(f".st-key-{key}")
        part.scroll_into_view_if_needed()
        assert in_viewport(page, part, whole=False), f"{key} is off the screen"
    expect(page.get_by_role("button", name="Download map (PNG)")).to_be_visible()


def test_the_map_downloads_as_a_png_for_a_board_paper(page: Page, scenario: Scenario) -> None:
    query = "" if scenario.is_sample else f"?indicator={NEIGHBOURHOOD_INDICATOR}&level=lsoa"
    open_map(page, query)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download map (PNG)").click()
    download = info.value
    level = "lad" if scenario.is_sample else "lsoa"
    assert download.suggested_filename.endswith(".png")
    assert f"_{level}_" in download.suggested_filename
    image = Image.open(download.path())
    assert image.format == "PNG"
    assert image.width >= 1600, f"the PNG is {image.width} px wide"
    colours = {c[1][:3] for c in image.convert("RGB").getcolors(maxcolors=1 << 20)}
    legend = mapview.legend_classes(page)
    # The legend's colours on screen are the PNG's (drawn at the map's opacity over white).
    for cls in legend:
        shown = mapview.on_white(cls.rgb)
        assert any(mapview.near(c, shown, 4) or mapview.near(c, cls.rgb, 4) for c in colours), (
            f"legend class {cls.text} is not in the PNG")
