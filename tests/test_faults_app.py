"""Every page against a warehouse with no figures, one missing its default indicator, and links
carrying hostile parameters: no traceback, no injected markup, defaults shown, and what was
ignored named (escaped). Bad links on the map, profile and compare pages are also tested in
test_app_pages.py; a missing or unreadable warehouse file there too."""

from __future__ import annotations

import re

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.views import PAGES
from etl.warehouse import SCHEMA
from tests.test_app_pages import (  # noqa: F401  (fixtures)
    APP,
    TIMEOUT,
    open_page,
    sample_geometry,
    sample_warehouse,
    shown_text,
)

PAGE_KEYS = list(PAGES)
EMPLOYMENT = "employment_rate_16_64"


def page_text(at: AppTest) -> str:
    """Everything a reader sees as text or HTML on the page (titles, markdown, notices, HTML)."""
    parts = [shown_text(at)]
    parts += [str(el.proto.body) for el in at.get("html")]
    parts += [str(el.value) for el in at.get("code")]
    return "\n".join(parts)


def assert_no_traceback(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert "Traceback" not in page_text(at)


@pytest.fixture()
def empty_warehouse(monkeypatch, tmp_path, sample_geometry):  # noqa: F811
    db = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(db))
    con.execute(SCHEMA)  # every table, no rows
    con.close()
    monkeypatch.setenv("WAREHOUSE_PATH", str(db))
    monkeypatch.setenv("GEO_DIR", str(sample_geometry))
    return db


@pytest.mark.parametrize("page_key", PAGE_KEYS)
def test_every_page_with_an_empty_warehouse_says_what_to_run(empty_warehouse, page_key):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page_key != "overview":
        at.switch_page(PAGES[page_key].path).run()
    assert_no_traceback(at)
    assert len(at.error) == 1
    message = at.error[0].value
    assert "holds no figures" in message and str(empty_warehouse) in message
    assert "python -m etl build" in message


@pytest.fixture()
def without_employment_rate(monkeypatch, tmp_path, sample_warehouse, sample_geometry):  # noqa: F811
    """The sample warehouse with every employment-rate figure removed (the default indicator)."""
    db = tmp_path / "no-employment.duckdb"
    db.write_bytes(sample_warehouse.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM observations WHERE indicator_id = $i", {"i": EMPLOYMENT})
    con.close()
    monkeypatch.setenv("WAREHOUSE_PATH", str(db))
    monkeypatch.setenv("GEO_DIR", str(sample_geometry))
    return db


@pytest.mark.parametrize("page_key", PAGE_KEYS)
def test_every_page_with_the_default_indicator_missing_shows_the_others(
    without_employment_rate, page_key
):
    at = open_page(page_key)
    assert_no_traceback(at)
    assert not at.error, [e.value for e in at.error]
    if page_key == "map":
        assert at.selectbox(key="indicator").value not in (None, EMPLOYMENT)
        assert at.get("deck_gl_json_chart")
    if page_key in ("compare", "data"):
        chosen = at.multiselect(key="indicators").value
        assert chosen and EMPLOYMENT not in chosen
    if page_key == "overview":
        assert "South Midlands employment rate" not in {m.label for m in at.metric}


@pytest.mark.parametrize("page_key", ["map", "data"])
def test_a_link_to_the_missing_indicator_is_named_and_the_page_falls_back(
    without_employment_rate, page_key
):
    at = open_page(page_key, {"indicator": EMPLOYMENT, "indicators": EMPLOYMENT})
    assert_no_traceback(at)
    warning = "\n".join(w.value for w in at.warning)
    assert "employment\\_rate\\_16\\_64" in warning and "Ignored indicator" in warning


# Hostile values for the parameters each page reads, and an unknown parameter for every page.
HOSTILE = {
    "indicator": "<script>alert('x')</script>",
    "indicators": "employment_rate_16_64' OR '1'='1",
    "level": "'; DROP TABLE observations; --",
    "period": "x" * 5000,
    "challenge": "![img](http://evil.example/a.png)",
    "places": "E99999999",
    "area": "<img src=x onerror=alert(1)>",
    "comparators": "<b>yes</b>",
}
READS = {
    "overview": [],
    "map": ["challenge", "indicator", "level", "period", "area"],
    "profile": ["challenge", "area"],
    "compare": ["challenge", "indicators", "places"],
    "data": ["challenge", "indicators", "level", "places", "period", "comparators"],
    "about": [],
}
# Markup that would act if it reached the page_key: a tag or link not escaped (Markdown escapes with
# a backslash, HTML with entities).
MARKUP = re.compile(r"(?<!\\)<(script|img)|(?<!\\)\]\((?:http)")


@pytest.fixture()
def sample_app(monkeypatch, sample_warehouse, sample_geometry):  # noqa: F811
    monkeypatch.setenv("WAREHOUSE_PATH", str(sample_warehouse))
    monkeypatch.setenv("GEO_DIR", str(sample_geometry))


@pytest.mark.parametrize("page_key", PAGE_KEYS)
def test_every_page_ignores_hostile_link_parameters_and_names_them(sample_app, page_key):
    params = {name: HOSTILE[name] for name in READS[page_key]}
    params["<script>x</script>"] = "<img src=x onerror=alert(2)>"  # an unknown parameter
    at = open_page(page_key, params)
    assert_no_traceback(at)
    assert not at.error, [e.value for e in at.error]
    text = page_text(at)
    found = MARKUP.search(text)
    assert found is None, f"{found.group(0)!r} reached the page unescaped: {text[:2000]}"
    warning = "\n".join(w.value for w in at.warning)
    assert "Ignored unknown URL parameter(s)" in warning
    for name in READS[page_key]:
        assert f"Ignored {name}=" in warning, f"{name} not named in {warning!r}"
    kept = dict(at.query_params)
    for name in READS[page_key]:  # none of it stays in the link the reader would copy
        assert kept.get(name) != HOSTILE[name]
    defaults = {"challenge": "all", "indicator": EMPLOYMENT, "level": "lad", "period": "latest"}
    for key in READS[page_key]:
        if key in defaults:
            assert at.selectbox(key=key).value == defaults[key]
    if page_key == "profile":
        assert at.selectbox(key="area").value == "GBW-SMID"  # the partnership
    if "places" in READS[page_key]:
        assert at.multiselect(key="places").value == []
    if "indicators" in READS[page_key]:
        assert at.multiselect(key="indicators").value == [EMPLOYMENT]
