"""Every page through Streamlit's AppTest, against a warehouse built by the real ETL.

The bundled sample warehouse (``etl.build.run("sample", ...)``) and the schematic sample geometry
(``geo.build.run("sample", ...)``) are built once per session. Each test opens the app as a
reader would: the default view, or a view set through URL parameters, and checks what is shown
against the warehouse queried directly here, with the arithmetic done here.
"""

from __future__ import annotations

import io
import json
import math
import re
import urllib.parse
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from core.vocabulary import STATUSES
from dashboard import export, mapclasses, maps
from dashboard.formatting import format_value
from dashboard.views import PAGES
from etl import build as etl_build

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
PAGE_FILES = {key: spec.path for key, spec in PAGES.items()}
PARTNERSHIP = "GBW-SMID"
LADS = ["E06000055", "E06000056", "E06000032", "E06000042", "E06000061", "E06000062"]
ENGLAND = "E92000001"
TIMEOUT = 90


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers (also used by test_app_real_data.py)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("warehouse") / "sample.duckdb"
    etl_build.run("sample", path)
    return path


@pytest.fixture(scope="session")
def sample_geometry(tmp_path_factory) -> Path:
    from geo import build as geo_build

    out = tmp_path_factory.mktemp("geo-sample")
    geo_build.run("sample", out)
    return out


@pytest.fixture()
def sample_app(monkeypatch, sample_warehouse, sample_geometry) -> Path:
    """Point the app at the sample warehouse and geometry; return the warehouse path."""
    monkeypatch.setenv("WAREHOUSE_PATH", str(sample_warehouse))
    monkeypatch.setenv("GEO_DIR", str(sample_geometry))
    return sample_warehouse


def open_page(page: str, params: dict | None = None) -> AppTest:
    """Open the app on ``page`` with URL parameters, as a shared link would."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if page == "overview":
        at.query_params.update(params or {})
        return at.run()
    at.run()
    at.query_params.clear()
    at.query_params.update(params or {})
    return at.switch_page(PAGE_FILES[page]).run()


def sql(db: Path, query: str, params: dict | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query, params or {}).df()
    finally:
        con.close()


def shown_text(at: AppTest) -> str:
    """Every piece of text on the page, one per line, as markdown source."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "warning", "info",
                 "error", "success"):
        for el in at.get(kind):
            parts.append(str(el.value))
    for m in at.metric:
        parts.append(f"{m.label}: {m.value}")
    return "\n".join(parts)


def unescape(markdown: str) -> str:
    """Markdown as a reader sees it: the backslash escapes (which keep a name from a source file
    from forming a link or markup) removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def read_text(at: AppTest) -> str:
    """The page's text as a reader sees it."""
    return unescape(shown_text(at))


def table(at: AppTest, key: str) -> pd.DataFrame:
    """The table the page shows under ``key``, as a reader sees it: a sortable ``st.dataframe``,
    or an ``st.table`` to read (whose cells are markdown, so escaped: unescaped here)."""
    box = at.get_by_key(f"{key}_box")
    if box.dataframe:
        return box.dataframe[0].value.reset_index(drop=True)
    df = box.table[0].value.reset_index(drop=True)
    df.columns = [unescape(str(c)) for c in df.columns]
    for col in df.columns:  # a no-break space reads as a space
        df[col] = [unescape(x).replace("\u00a0", " ") if isinstance(x, str) else x
                   for x in df[col]]
    return df


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def latest_period(db: Path, indicator: str, codes: list[str]) -> str:
    return sql(
        db,
        "SELECT period_label FROM observations WHERE indicator_id = $i AND "
        "list_contains($c, area_code) ORDER BY period_end DESC, period_start DESC LIMIT 1",
        {"i": indicator, "c": codes},
    ).iloc[0, 0]


def values_for(db: Path, indicator: str, period: str, codes: list[str]) -> pd.DataFrame:
    return sql(
        db,
        "SELECT o.area_code, a.display_name, o.value, o.ci_lower, o.ci_upper, o.numerator, "
        "o.denominator, o.status FROM observations o JOIN areas a USING (area_code) "
        "WHERE o.indicator_id = $i AND o.period_label = $p AND o.breakdown = 'total' "
        "AND list_contains($c, o.area_code)",
        {"i": indicator, "p": period, "c": codes},
    )


def pct(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}%"


def nearest_hundred(x: float) -> int:
    return int(math.floor(x / 100 + 0.5) * 100)


# ---------------------------------------------------------------------------------------------
# Every page: renders, says it is sample data, credits its sources
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", list(PAGE_FILES))
def test_every_page_renders_with_the_sample_banner_and_footer(sample_app, page):
    at = open_page(page)
    no_errors(at)
    assert at.title, f"{page} has no title"
    banner = [w.value for w in at.warning if "Sample data, not real figures" in w.value]
    assert banner, f"{page} does not say it shows sample data"
    footer = at.get_by_key("footer").caption[0].value
    assert "Open Government Licence" in footer
    assert "Sources" in footer
    assert "Built " in footer


def test_the_footer_names_each_publisher_and_licence_once_and_says_when_it_was_built(
    sample_app,
):
    db = sample_app
    at = open_page("overview")
    footer = unescape(at.get_by_key("footer").caption[0].value)
    publishers = {part.strip() for p in sql(db, "SELECT DISTINCT publisher FROM sources")[
        "publisher"] for part in p.split("/")}
    for name in publishers:
        assert footer.count(name) == 1, (name, footer)
    assert footer.count("Open Government Licence") == 1
    built = sql(db, "SELECT max(finished_at) AS t FROM loads").iloc[0, 0]
    assert f"Built {pd.Timestamp(built).strftime('%-d %B %Y')}" in footer
    assert "retrieved up to" not in footer


def test_the_overview_answers_at_its_own_address_as_well_as_the_front_page(sample_app):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    # What st.navigation registered: URL path (as the browser asks for it) -> page.
    routes = {info["url_pathname"]: (h, info["script_path"])
              for h, info in at._registered_pages.items()}
    assert routes[""][1].endswith(PAGE_FILES["overview"])
    page_hash, script = routes["overview"]
    assert script.endswith(PAGE_FILES["overview"])
    at._page_hash = page_hash  # as a browser opening /overview would
    at.run()
    no_errors(at)
    assert at.title[0].value == "South Midlands: getting more people into good work"
    assert at.get_by_key("aspiration_table_box")


# ---------------------------------------------------------------------------------------------
# Overview
# ---------------------------------------------------------------------------------------------


def test_overview_distance_to_80_is_the_counts_arithmetic(sample_app):
    db = sample_app
    at = open_page("overview")
    no_errors(at)
    # The latest period in which the partnership has a numerator and denominator.
    period = sql(
        db,
        "SELECT period_label FROM observations WHERE indicator_id = 'employment_rate_16_64' "
        "AND area_code = $p AND numerator IS NOT NULL AND denominator IS NOT NULL "
        "ORDER BY period_end DESC LIMIT 1",
        {"p": PARTNERSHIP},
    ).iloc[0, 0]
    rows = values_for(db, "employment_rate_16_64", period, [PARTNERSHIP, *LADS])
    part = rows[rows["area_code"] == PARTNERSHIP].iloc[0]
    assert part["numerator"] == sum(rows.loc[rows["area_code"].isin(LADS), "numerator"])

    metrics = {m.label: m.value for m in at.metric}
    rate = 100 * part["numerator"] / part["denominator"]
    # Every figure says its period: the cards below may show a later year.
    assert metrics[f"South Midlands employment rate, {period}"] == pct(rate)
    assert metrics[f"Gap to 80%, {period}"] == f"{80 - rate:.1f} percentage points"
    needed = 0.8 * part["denominator"] - part["numerator"]
    assert (metrics[f"More people in work needed to reach 80%, {period}"]
            == f"{nearest_hundred(needed):,}")
    assert period in shown_text(at)

    shown = table(at, "aspiration_table")
    assert len(shown) == 7
    # Furthest from 80% first, the partnership last (the chart beside lists them the same way).
    lad_rows = rows[rows["area_code"].isin(LADS)].sort_values("value")
    assert list(shown["Place"]) == [*lad_rows["display_name"], "South Midlands"]
    shown = shown.set_index("Place")
    for r in rows.itertuples(index=False):
        line = shown.loc[r.display_name]
        assert line["Employment rate"] == pct(r.value)
        gap = 80 - r.value
        assert line["Gap to 80%"] == ("above 80%" if round(gap, 1) < 0 else "at 80%"
                                      if round(gap, 1) == 0 else f"{gap:.1f} pp")
        need = max(0.0, 0.8 * r.denominator - r.numerator)
        expected = "none" if nearest_hundred(need) == 0 else f"{nearest_hundred(need):,}"
        assert line["People needed in work"] == expected
    chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    sort = next(layer["encoding"]["y"]["sort"] for layer in chart["layer"]
                if "y" in layer["encoding"])
    assert sort == list(shown.index)


def test_overview_has_a_card_per_challenge_and_says_what_is_missing(sample_app):
    at = open_page("overview")
    titles = sql(sample_app, "SELECT challenge_id, title FROM challenges ORDER BY sort_order")
    assert len(titles) == 6
    for ch in titles.itertuples(index=False):
        card = at.get_by_key(f"card_{ch.challenge_id}")
        assert unescape(card.markdown[0].value) == f"#### {ch.title}"
    # What is missing, in words a board member reads, and no command.
    women = at.get_by_key("card_women")
    assert "No figures by sex are loaded yet" in women.markdown[1].value
    assert "gender pay gap" in women.markdown[1].value
    youth = at.get_by_key("card_youth")
    assert "Not loaded yet" in youth.markdown[1].value
    for ch in titles.itertuples(index=False):
        card = at.get_by_key(f"card_{ch.challenge_id}")
        assert not any("python -m" in t.value for t in [*card.markdown, *card.caption])
    # The sample has no UK vacancy survey: its panel says so.
    vac = at.get_by_key("panel_uk_vacancies")
    assert "Not loaded yet" in vac.markdown[1].value
    assert "vacancies" in vac.markdown[1].value
    # No developer instructions or ids on a board page: how to load data is on the About page.
    page = unescape(shown_text(at))
    assert "python -m" not in page and "For officers" not in page
    assert list(table(at, "freshness_table").columns) == ["Indicator", "Latest period",
                                                          "Published"]
    about = open_page("about")
    loading = unescape(" ".join(m.value for m in about.markdown))
    assert "python -m etl build --from" in loading
    assert "VACS02 or X06 workbook" in loading


HEADLINES = {"inactivity_rate_16_64": 1, "census_economically_inactive_pct": 2,
             "inactive_long_term_sick_pct_of_inactive": 3}  # all three head "exclusion"


@pytest.fixture()
def headline_app(monkeypatch, tmp_path, sample_warehouse, sample_geometry) -> Path:
    """The sample warehouse with three measures marked as the headlines (and no others)."""
    path = tmp_path / "headlines.duckdb"
    path.write_bytes(sample_warehouse.read_bytes())
    con = duckdb.connect(str(path))
    try:
        con.execute("UPDATE indicators SET headline = NULL")
        for ind, order in HEADLINES.items():
            con.execute("UPDATE indicators SET headline = $o WHERE indicator_id = $i",
                        {"o": order, "i": ind})
    finally:
        con.close()
    monkeypatch.setenv("WAREHOUSE_PATH", str(path))
    monkeypatch.setenv("GEO_DIR", str(sample_geometry))
    return path


def test_a_card_names_its_headline_measures_with_each_places_latest_figure(headline_app):
    db = headline_app
    at = open_page("overview")
    no_errors(at)
    shown = table(at, "card_table_exclusion").set_index("Place")
    headers = list(shown.columns)
    assert len(headers) == 3
    titles = sql(db, "SELECT indicator_id, title FROM indicators").set_index("indicator_id")
    for header, ind in zip(headers, HEADLINES, strict=True):
        period = latest_period(db, ind, LADS)
        # Each measure says its own period in its header.
        assert header == f"{titles.loc[ind, 'title']}, {period}"
        rows = values_for(db, ind, period, [*LADS, PARTNERSHIP, ENGLAND])
        for r in rows.itertuples(index=False):
            # The figure, then its verdict against England where the intervals give one.
            figure, *said = shown.loc[r.display_name, header].split(" · ")
            assert figure == pct(r.value), (ind, r.display_name)
            assert said in ([], ["better"], ["worse"], ["similar"]), (ind, r.display_name)
    # The partnership's row where a measure has an aggregate, England's for reference.
    assert {"South Midlands", "England"} <= set(shown.index)
    caption = unescape(" ".join(c.value for c in at.get_by_key("card_exclusion").caption))
    assert "Two inactivity figures" in caption  # the survey rate and the Census share differ
    # (Without the column, as in the plain sample, a card keeps its one headline measure with
    # verdicts: test_overview_card_shows_each_place_against_england.)


SAMPLE_FIT_NOTES = REPO / "etl" / "sample" / "SAMPLE_fit_notes_subicb_2023_2024.csv"
BLMK = ("E38000249", "M1J4Y", ["E06000055", "E06000056", "E06000032", "E06000042"])


def _fit_notes_per_1000(db: Path, month: str, ods: str, members: list[str]) -> float:
    """The rate worked out here from the sample file itself and the members' population."""
    rows = pd.read_csv(SAMPLE_FIT_NOTES, dtype=str)
    rows = rows[(rows["Date"] == month) & (rows["Sub ICB Location code"] == ods)]
    count = pd.to_numeric(rows["Count of fit notes"], errors="coerce").sum()
    pop = sql(db, "SELECT sum(value) FROM observations WHERE indicator_id = 'population_16_64' "
              "AND list_contains($c, area_code)", {"c": members}).iloc[0, 0]
    return count / pop * 1000


def test_fit_notes_are_shown_for_health_areas_with_badges_on_member_places(sample_app):
    at = open_page("overview")
    no_errors(at)
    fit = at.get_by_key("panel_fit_notes")
    shown = table(at, "panel_table_fit_notes_per_1000_16_64").set_index("Place")
    gss, ods, members = BLMK
    name = sql(sample_app, "SELECT display_name FROM areas WHERE area_code = $c",
               {"c": gss}).iloc[0, 0]
    expected = _fit_notes_per_1000(sample_app, "Dec-24", ods, members)
    assert shown.loc[name, "Figure"] == format_value(expected, "per 1,000", 1)
    # The 2023 population stands in for 2024's: flagged, not hidden.
    assert shown.loc[name, "Status"] == "Estimated"
    assert "December 2024" in unescape(fit.markdown[1].value)
    captions = unescape(" ".join(c.value for c in fit.caption))
    assert "Luton, Milton Keynes, Bedford and Central Bedfordshire: **BLMK-wide**" in captions
    assert "not for each local authority" in captions

    at = open_page("map", {"indicator": "fit_notes_per_1000_16_64", "level": "subicb"})
    no_errors(at)
    spec = _deck(at)
    areas = next(layer for layer in spec["layers"] if layer["id"] == maps.AREAS_LAYER)
    assert {f["properties"]["area_code"] for f in areas["data"]["features"]} == {
        "E38000249", "E38000242"}
    labels = next(layer for layer in spec["layers"] if layer["id"] == "place-labels")
    assert "Luton\n(BLMK-wide)" in [d["text"] for d in labels["data"]]
    side = table(at, "map_table").set_index("Place")
    assert side.loc[name, "Covers"] == "BLMK-wide"
    assert side.loc[name, "Figure"] == pytest.approx(expected)

    # Apportioned to local authorities: a separate indicator, every place marked modelled.
    at = open_page("map", {"indicator": "fit_notes_per_1000_16_64_modelled", "level": "lad"})
    no_errors(at)
    side = table(at, "map_table").set_index("Place")
    assert side.loc["Luton", "Covers"] == "BLMK-wide, modelled"
    # The same status on every row is said once, under the table.
    assert "Status" not in side
    assert "Modelled: apportioned from a wider area." in read_text(at)


def test_job_adverts_by_occupation_highlight_care(sample_app):
    at = open_page("overview")
    no_errors(at)
    panel = at.get_by_key("panel_job_adverts")
    shown = table(at, "panel_table_job_adverts_new_per_1000_16_64").set_index("Place")
    luton = values_for(sample_app, "job_adverts_new_per_1000_16_64", "Apr-Jun 2024",
                       ["E06000032"])
    assert shown.loc["Luton", "Figure"] == format_value(luton["value"].iloc[0], "per 1,000", 1)
    # The occupation chart sums the places' new adverts by SOC sub-major group and highlights
    # care work.
    chart = panel.get("vega_lite_chart")[0].proto
    bars = pa.ipc.open_stream(chart.datasets[0].data.data).read_all().to_pandas()
    by_group = sql(sample_app, "SELECT breakdown, sum(value) AS value FROM observations "
                   "WHERE indicator_id = 'job_adverts_new_by_occupation' AND "
                   "regexp_full_match(breakdown, 'soc:[0-9]{2}') AND period_label = "
                   "'Apr-Jun 2024' AND list_contains($c, area_code) GROUP BY breakdown",
                   {"c": LADS})
    assert dict(zip(bars["breakdown"], bars["value"], strict=True)) == pytest.approx(
        dict(zip(by_group["breakdown"], by_group["value"], strict=True)))
    highlighted = set(bars.loc[bars["highlight"] == "Highlighted", "breakdown"])
    # SOC 2020 health and care groups in the sample: 22 and 61 (its other groups are not care).
    assert highlighted == {"soc:22", "soc:61"}
    # Every bar named, not coded.
    assert "Caring personal service occupations (SOC 61)" in set(bars["Occupation"])
    assert not [o for o in bars["Occupation"] if re.fullmatch(r"SOC \d+", o)]
    # The care workforce panel lists each place's (and the partnership's) adverts in the care
    # groups the sample has (22, 61) and for care workers and home carers (SOC 2020 6135), for
    # one period said in the heading.
    care = table(at, "panel_table_care_adverts")
    assert len(care[care["Place"] != "South Midlands"]) == len(LADS) * 3
    assert "Period" not in care
    # A group with a suppressed place has no partnership sum; a suppressed figure reads as none.
    assert 1 <= (care["Place"] == "South Midlands").sum() <= 3
    assert "0" not in set(care["Adverts"])
    workforce = unescape(" ".join(m.value for m in at.get_by_key("panel_care_workforce").markdown))
    assert "**Online job adverts in health and care occupations**, Apr-Jun 2024" in workforce


def test_overview_card_shows_each_place_against_england(sample_app):
    db = sample_app
    at = open_page("overview")
    card = table(at, "card_table_disparities").set_index("Place")
    period = latest_period(db, "employment_rate_16_64", LADS)
    header = f"Employment rate, aged 16 to 64, {period}"
    rows = values_for(db, "employment_rate_16_64", period, [*LADS, ENGLAND])
    eng = rows.loc[rows["area_code"] == ENGLAND, "value"].iloc[0]
    assert card.loc["England", header] == pct(eng)  # England's own figure, no verdict
    for r in rows[rows["area_code"].isin(LADS)].itertuples(index=False):
        expected = "better" if r.ci_lower > eng else "worse" if r.ci_upper < eng else "similar"
        assert card.loc[r.display_name, header] == f"{pct(r.value)} · {expected}"


# ---------------------------------------------------------------------------------------------
# Map
# ---------------------------------------------------------------------------------------------


def _deck(at: AppTest) -> dict:
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def test_map_default_table_matches_the_warehouse_and_colours_every_place(sample_app):
    db = sample_app
    at = open_page("map")
    no_errors(at)
    assert at.selectbox(key="indicator").value == "employment_rate_16_64"
    assert at.selectbox(key="level").value == "lad"
    period = latest_period(db, "employment_rate_16_64", LADS)
    expected = values_for(db, "employment_rate_16_64", period, LADS)
    shown = table(at, "map_table")
    assert sorted(shown["Place"]) == sorted(expected["display_name"])
    got = dict(zip(shown["Place"], shown["Figure"], strict=True))
    gap = dict(zip(shown["Place"], shown["Gap to 80%"], strict=True))
    for r in expected.itertuples(index=False):
        assert got[r.display_name] == pytest.approx(r.value)
        # The gap stays a number so the column sorts (negative above 80%, written "above 80%").
        assert gap[r.display_name] == pytest.approx(80.0 - r.value)
    # One period for every row: said once above the table, not repeated on each row.
    assert "Period" not in shown
    assert f"The same figures, {period}" in shown_text(at)

    spec = _deck(at)
    # No basemap: pydeck's own "no style" marker, which Streamlit reads as "draw no basemap"
    # (a missing mapStyle makes it fetch Carto's for the theme).
    assert spec["mapStyle"] == "__MAP_STYLE__"
    assert "cartocdn" not in json.dumps(spec) and "mapbox" not in json.dumps(spec)
    areas = next(layer for layer in spec["layers"] if layer["id"] == maps.AREAS_LAYER)
    fills = {f["properties"]["area_code"]: f["properties"]["fill"] for f in
             areas["data"]["features"]}
    assert set(fills) == set(LADS)
    assert all(tuple(c) != mapclasses.NO_DATA_FILL for c in fills.values())
    labels = next(layer for layer in spec["layers"] if layer["id"] == "place-labels")
    assert {d["text"].replace("\n", " ").rstrip(" *") for d in labels["data"]} == set(
        expected["display_name"]
    )
    legend = next(h.proto.body for h in at.get("html") if "Map legend" in h.proto.body)
    assert "% of residents aged 16 to 64" in legend and "No figure" in legend
    summary = read_text(at)
    top = expected.sort_values("value").iloc[-1]
    assert f"highest {pct(top['value'])} in {top['display_name']}" in summary


def test_map_view_set_through_the_url(sample_app):
    db = sample_app
    periods = sql(
        db,
        "SELECT DISTINCT period_label, period_end FROM observations "
        "WHERE indicator_id = 'inactivity_rate_16_64' AND area_code = 'E06000032' "
        "ORDER BY period_end",
    )
    period = periods["period_label"].iloc[0]  # the oldest, not the default
    at = open_page("map", {"challenge": "exclusion", "indicator": "inactivity_rate_16_64",
                           "period": period})
    no_errors(at)
    assert at.selectbox(key="challenge").value == "exclusion"
    assert at.selectbox(key="indicator").value == "inactivity_rate_16_64"
    assert at.selectbox(key="period").value == period
    expected = values_for(db, "inactivity_rate_16_64", period, LADS)
    shown = table(at, "map_table")
    got = dict(zip(shown["Place"], shown["Figure"], strict=True))
    assert len(got) == len(expected) == 6
    for r in expected.itertuples(index=False):
        assert got[r.display_name] == pytest.approx(r.value)
    assert "Gap to 80%" not in shown  # only the employment rate has the aspiration
    assert dict(at.query_params)["indicator"] == "inactivity_rate_16_64"


def test_map_selected_place_offers_its_profile(sample_app):
    at = open_page("map", {"area": "E06000032"})
    no_errors(at)
    assert at.get_by_key("map_selection").subheader[0].value == "Selected: Luton"
    links = [(p.proto.label, p.proto.page, p.proto.query_string) for p in at.get("page_link")]
    assert ("Open the profile of Luton", "profile", "area=E06000032") in links
    spec = _deck(at)
    assert "selected-place" in [layer["id"] for layer in spec["layers"]]


def test_the_maps_download_link_opens_exactly_its_figures_on_the_data_page(sample_app):
    at = open_page("map", {"challenge": "exclusion", "indicator": "inactivity_rate_16_64"})
    no_errors(at)
    shown = table(at, "map_table")
    link = next(p.proto for p in at.get("page_link")
                if p.proto.label == "Download these figures (CSV or XLSX)")
    assert link.page == "data"
    params = {k: v[0] for k, v in urllib.parse.parse_qs(link.query_string).items()}
    assert params == {"challenge": "exclusion", "indicators": "inactivity_rate_16_64",
                      "level": "lad", "period": "latest"}
    data = open_page("data", params)
    no_errors(data)
    preview = table(data, "data_preview")
    places = preview[preview["area_level"] == "lad"]
    # The places the map shows, with the same figures; the comparators it names come along.
    assert dict(zip(places["area_name"], places["value"], strict=True)) == pytest.approx(
        dict(zip(shown["Place"], shown["Figure"], strict=True)))
    assert set(preview["period"]) == {latest_period(sample_app, "inactivity_rate_16_64", LADS)}
    assert {"country", "region"} <= set(preview["area_level"])


def test_the_compare_pages_download_link_opens_its_figures_on_the_data_page(sample_app):
    indicators = ["employment_rate_16_64", "inactivity_rate_16_64"]
    at = open_page("compare", {"indicators": indicators, "places": ["E06000032", "E06000055"]})
    no_errors(at)
    link = next(p.proto for p in at.get("page_link")
                if p.proto.label == "Download these figures (CSV or XLSX)")
    params = urllib.parse.parse_qs(link.query_string)
    assert params["indicators"] == indicators and params["places"] == ["E06000032", "E06000055"]
    data = open_page("data", params)
    no_errors(data)
    preview = table(data, "data_preview")
    places = preview[preview["area_level"] == "lad"]
    for ind_id in indicators:
        shown = table(at, f"compare_table_{ind_id}").set_index("Place")
        mine = places[places["indicator_id"] == ind_id]
        assert sorted(mine["area_name"]) == ["Bedford", "Luton"]
        for r in mine.itertuples(index=False):
            assert shown.loc[r.area_name, "Figure"] == pct(r.value)


def test_map_hex_layout(sample_app):
    at = open_page("map", {"layout": "hex"})
    no_errors(at)
    assert at.get("segmented_control")[0].value == "hex"
    assert "hexagon" in shown_text(at)
    assert len(at.get("deck_gl_json_chart")) == 1


# ---------------------------------------------------------------------------------------------
# Place profile
# ---------------------------------------------------------------------------------------------


def test_profile_of_a_place_against_its_comparators(sample_app):
    db = sample_app
    at = open_page("profile", {"area": "E06000032"})
    no_errors(at)
    assert at.header[0].value == "Luton"
    shown = table(at, "profile_table").set_index("Indicator")
    period = latest_period(db, "employment_rate_16_64", ["E06000032"])
    rows = values_for(db, "employment_rate_16_64", period,
                      ["E06000032", ENGLAND, "E12000006", PARTNERSHIP]).set_index("area_code")
    line = shown.loc["Employment rate, aged 16 to 64"]
    luton = rows.loc["E06000032"]
    assert line["Period"] == period
    assert line["Luton"] == pct(luton["value"])
    # Comparators are named, not "Region" and "Partnership": each column gives the verdict
    # against the comparator's figure for the same period, and that figure.
    eng = rows.loc[ENGLAND, "value"]
    word = ("Better" if luton["ci_lower"] > eng else "Worse" if luton["ci_upper"] < eng
            else "Similar")
    than = "Similar to" if word == "Similar" else f"{word} than"
    assert line["vs England"] == f"{than} {pct(eng)}"
    assert line["vs East of England"].endswith(pct(rows.loc["E12000006", "value"]))
    assert line["vs South Midlands"].endswith(pct(rows.loc[PARTNERSHIP, "value"]))
    # Census figures have no confidence interval: the comparator's figure alone, no verdict
    # (one footnote says why) rather than "no CI" repeated in every column.
    census = shown.loc["Long-term sick or disabled (Census 2021)"]
    census_eng = values_for(db, "census_long_term_sick_pct", census["Period"], [ENGLAND])
    assert census["vs England"] == pct(census_eng["value"].iloc[0])
    assert "no CI" not in shown.drop(columns=["Change on a year earlier"],
                                     errors="ignore").to_string()
    assert "A figure alone: no confidence interval, so no verdict" in read_text(at)
    assert len(at.get("vega_lite_chart")) >= 1  # a trend where there is a series


def test_a_local_authoritys_profile_names_places_like_it_drawn_from_the_sample(sample_app):
    at = open_page("profile", {"area": "E06000032"})
    no_errors(at)
    like = table(at, "places_like_table")
    # The sample has six places: Luton's group is the other five, and says it is the sample's.
    assert like["Place"].iloc[0] == "Luton"
    others = sql(sample_app, "SELECT display_name FROM areas WHERE area_level = 'lad' AND "
                 "in_partnership AND area_code <> 'E06000032'")["display_name"]
    assert sorted(like["Place"].iloc[1:]) == sorted(others)
    distances = [float(d) for d in like["Distance"].iloc[1:]]
    assert distances == sorted(distances)
    text = unescape(shown_text(at))
    assert "among the 6 local authorities of the bundled sample" in text
    # The profile compares each figure with the group's median, named for the place.
    shown = table(at, "profile_table").set_index("Indicator")
    assert "vs Places like Luton" in shown.columns
    period = shown.loc["Employment rate, aged 16 to 64", "Period"]
    codes = sql(sample_app, "SELECT area_code FROM areas WHERE area_level = 'lad' AND "
                "in_partnership AND area_code <> 'E06000032'")["area_code"]
    median = values_for(sample_app, "employment_rate_16_64", period, list(codes))["value"].median()
    assert shown.loc["Employment rate, aged 16 to 64", "vs Places like Luton"].endswith(
        pct(median))
    # The downloads for board papers.
    buttons = {b.proto.label for b in at.get("download_button")}
    assert {"Download profile (PDF)", "Download main chart (PNG)"} <= buttons


def test_profile_default_is_the_partnership(sample_app):
    at = open_page("profile")
    no_errors(at)
    assert at.selectbox(key="area").value == PARTNERSHIP
    assert at.header[0].value == "South Midlands"


# ---------------------------------------------------------------------------------------------
# Compare
# ---------------------------------------------------------------------------------------------


def test_compare_chosen_places_side_by_side(sample_app):
    db = sample_app
    at = open_page("compare", {"indicators": ["employment_rate_16_64"],
                               "places": ["E06000032", "E06000055"]})
    no_errors(at)
    assert at.multiselect(key="places").value == ["E06000032", "E06000055"]
    shown = table(at, "compare_table_employment_rate_16_64").set_index("Place")
    period = latest_period(db, "employment_rate_16_64", LADS)
    rows = values_for(db, "employment_rate_16_64", period, ["E06000032", "E06000055"])
    for r in rows.itertuples(index=False):
        assert shown.loc[r.display_name, "Figure"] == pct(r.value)
        assert shown.loc[r.display_name, "95% CI"] == (
            f"{r.ci_lower:.1f} to {r.ci_upper:.1f}%"
        )
    others = {"Milton Keynes", "Central Bedfordshire", "North Northamptonshire",
              "West Northamptonshire"}
    assert not others & set(shown.index)
    assert {"South Midlands", "England"} <= set(shown.index)
    assert len(at.get("vega_lite_chart")) == 1


# ---------------------------------------------------------------------------------------------
# Data & download
# ---------------------------------------------------------------------------------------------


def _preview_and_export(at: AppTest, indicators, level, places, period, comparators):
    from dashboard import queries

    preview = table(at, "data_preview")
    rows = queries.observations(tuple(indicators), level, tuple(places), period, None,
                                comparators)
    return preview, export.tidy(rows)


def test_data_preview_is_the_warehouse_rows_and_the_download_is_the_preview(sample_app):
    db = sample_app
    params = {"indicators": ["employment_rate_16_64", "inactivity_rate_16_64"],
              "places": ["E06000032"], "period": "all", "comparators": "0"}
    at = open_page("data", params)
    no_errors(at)
    assert at.multiselect(key="indicators").value == params["indicators"]
    preview, built = _preview_and_export(at, params["indicators"], "lad", ["E06000032"], "all",
                                         False)
    expected = sql(
        db,
        "SELECT indicator_id, area_code, period_label, value FROM observations "
        "WHERE indicator_id IN ('employment_rate_16_64', 'inactivity_rate_16_64') "
        "AND area_code = 'E06000032'",
    )
    key = ["indicator_id", "area_code", "period"]
    got = preview[[*key, "value"]].sort_values(key).reset_index(drop=True)
    want = (expected.rename(columns={"period_label": "period"})
            .sort_values(key).reset_index(drop=True))
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert list(preview.columns) == export.EXPORT_COLUMNS

    # The download is built by the export builder from exactly the rows the page previewed.
    pd.testing.assert_frame_equal(
        preview.astype(str), built.astype(str), check_dtype=False, check_like=False
    )
    csv_back = pd.read_csv(io.BytesIO(export.to_csv_bytes(built)), encoding="utf-8-sig",
                           keep_default_na=False)
    assert len(csv_back) == len(preview)
    assert list(csv_back["area_name"]) == list(preview["area_name"])
    assert csv_back["value"].astype(float).tolist() == pytest.approx(preview["value"].tolist())
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download XLSX"]
    text = shown_text(at)
    assert "gsmw_2_indicators_lad_all-periods.csv" in text
    assert "gsmw_2_indicators_lad_all-periods.xlsx" in text
    assert f"{len(preview)} rows: Luton." in read_text(at)


def test_data_preview_has_readable_headers_and_each_indicators_decimals(sample_app):
    at = open_page("data", {"indicators": ["employment_rate_16_64"], "places": ["E06000032"]})
    no_errors(at)
    grid = at.get_by_key("data_preview_box").dataframe[0]
    config = json.loads(grid.proto.columns)
    # The file keeps the tidy names; the page shows words.
    assert config["area_code"]["label"] == "Area code"
    assert config["ci_lower"]["label"] == "95% CI lower"
    # England's 76 shows as 76.0 beside a region's 75.5: the indicator's one decimal, always.
    assert config["value"]["type_config"]["format"] == "%,.1f"
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download XLSX"]
    assert at.get_by_key("downloads")  # side by side in one row


def test_streamlits_own_table_download_is_switched_off():
    """Its CSV would carry a formula-like name as it is; the page's own files neutralise it."""
    import tomllib

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True


def test_the_server_does_not_collect_garbage_after_every_run():
    """A full collection per run held the interpreter: 50 users' p95 was 2.3 s, now 0.15 s."""
    import tomllib

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_data_default_view_includes_comparators_for_the_latest_period(sample_app):
    db = sample_app
    at = open_page("data")
    no_errors(at)
    preview = table(at, "data_preview")
    period = latest_period(db, "employment_rate_16_64", LADS)
    assert set(preview["indicator_id"]) == {"employment_rate_16_64"}
    assert set(preview["period"]) == {period}
    codes = set(preview["area_code"])
    assert set(LADS) <= codes and {PARTNERSHIP, ENGLAND} <= codes
    assert "gsmw_employment_rate_16_64_lad_latest-" in shown_text(at)


# ---------------------------------------------------------------------------------------------
# About the data
# ---------------------------------------------------------------------------------------------


def test_about_lists_every_source_status_and_the_build(sample_app):
    db = sample_app
    at = open_page("about")
    no_errors(at)
    # One expander per source, named by its title, holding its licence and attribution.
    sources = sql(db, "SELECT DISTINCT title, attribution, licence FROM sources")
    labels = {unescape(e.label): e for e in at.expander}
    for r in sources.itertuples(index=False):
        found = [e for label, e in labels.items() if label.startswith(f"**{r.title}** · ")]
        assert found, f"no expander for {r.title}"
        body = unescape("\n".join(m.value for m in found[0].markdown))
        assert r.attribution in body and r.licence in body
    # Statuses in words, not codes.
    statuses = table(at, "status_table")
    assert list(statuses["Meaning"]) == list(STATUSES.values())
    assert not set(statuses["Shown as"]) & set(STATUSES)  # no "low_reliability"
    summary = sql(db, "SELECT summary FROM loads ORDER BY started_at DESC LIMIT 1").iloc[0, 0]
    assert at.get_by_key("build_summary").code[0].value == summary
    built = sql(db, "SELECT finished_at FROM loads ORDER BY started_at DESC LIMIT 1").iloc[0, 0]
    text = read_text(at)
    assert f"Last refreshed **{pd.Timestamp(built).strftime('%-d %B %Y')}**" in text
    assert "partnership" in text.lower()
    # An accessibility statement, limitations included.
    assert "Accessibility" in [h.value for h in at.header]
    assert "not yet been audited against WCAG 2.2 AA" in unescape(text)


def test_about_marks_a_source_that_gives_no_figure_for_the_area(monkeypatch, tmp_path,
                                                                 sample_warehouse,
                                                                 sample_geometry):
    db = tmp_path / "unused-source.duckdb"
    db.write_bytes(sample_warehouse.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO sources (source_id, dataset, publisher, title, url, licence, "
                "attribution, is_sample, origin, sha256) VALUES ('x:1', 'x', 'Somebody', "
                "'Read but unused', 'https://example.org', 'OGL', 'Source: Somebody', true, "
                "'unused.csv', 'abc')")
    con.close()
    monkeypatch.setenv("WAREHOUSE_PATH", str(db))
    monkeypatch.setenv("GEO_DIR", str(sample_geometry))
    at = open_page("about")
    no_errors(at)
    assert any("Loaded, but no figures for this area" in unescape(m.value) for m in at.markdown)
    labels = [unescape(e.label) for e in at.expander]
    assert labels.index(next(x for x in labels if x.startswith("**Read but unused**"))) == len(
        [x for x in labels if x.startswith("**")]) - 1  # listed last, under that heading
    footer = unescape(at.get_by_key("footer").caption[0].value)
    assert "Somebody" not in footer  # the footer credits only sources with figures shown


# ---------------------------------------------------------------------------------------------
# Shared state and bad links
# ---------------------------------------------------------------------------------------------


def test_a_filter_chosen_on_one_page_carries_to_the_next(sample_app):
    at = open_page("map")
    at.selectbox(key="indicator").set_value("inactivity_rate_16_64").run()
    assert at.selectbox(key="indicator").value == "inactivity_rate_16_64"
    at.switch_page(PAGE_FILES["data"]).run()
    assert at.multiselect(key="indicators").value == ["inactivity_rate_16_64"]
    at.switch_page(PAGE_FILES["map"]).run()
    assert at.selectbox(key="indicator").value == "inactivity_rate_16_64"


def test_a_challenge_narrows_the_chosen_indicators_and_never_adds_one(sample_app):
    at = open_page("data")
    assert at.multiselect(key="indicators").value == ["employment_rate_16_64"]
    # Employment rate is not an exclusion measure: choosing the challenge drops it and picks
    # nothing in its place (before, its first indicator was chosen without the reader asking).
    at.selectbox(key="challenge").set_value("exclusion").run()
    no_errors(at)
    assert at.multiselect(key="indicators").value == []
    assert "indicators" not in at.query_params
    assert any("Choose one or more indicators" in i.value for i in at.info)
    # What the reader chose that fits the challenge is kept, and only that.
    at.selectbox(key="challenge").set_value("all").run()
    at.multiselect(key="indicators").set_value(
        ["employment_rate_16_64", "inactivity_rate_16_64"]).run()
    at.selectbox(key="challenge").set_value("exclusion").run()
    assert at.multiselect(key="indicators").value == ["inactivity_rate_16_64"]
    assert set(table(at, "data_preview")["indicator_id"]) == {"inactivity_rate_16_64"}


HOSTILE = [
    ("indicator", "<script>alert('x')</script>", "\\<script\\>"),
    ("indicator", "employment_rate_16_64' OR '1'='1", "employment\\_rate\\_16\\_64\\'"),
    ("level", "planet", "planet"),
    ("period", "x" * 5000, "too long"),
    ("challenge", "![img](http://evil.example/a.png)", "\\!\\[img\\]"),
]


@pytest.mark.parametrize(("name", "value", "shown"), HOSTILE)
def test_bad_url_parameters_fall_back_and_say_what_was_ignored(sample_app, name, value, shown):
    at = open_page("map", {name: value})
    no_errors(at)
    warning = "\n".join(w.value for w in at.warning if "were not used" in w.value)
    assert f"Ignored {name}=" in warning
    assert shown in warning
    assert "<script>" not in warning and "](http" not in warning
    assert at.selectbox(key="indicator").value == "employment_rate_16_64"
    assert at.selectbox(key=name).value in {"employment_rate_16_64", "lad", "latest", "all"}
    assert value not in dict(at.query_params).values()


HOSTILE_REGION = "[East of England](http://evil.example) <b>x</b>"


@pytest.fixture()
def hostile_region(monkeypatch, tmp_path, sample_warehouse, sample_geometry):
    """The sample with a region's name made of markdown and HTML, as a hostile file could."""
    db = tmp_path / "hostile-region.duckdb"
    db.write_bytes(sample_warehouse.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("UPDATE areas SET area_name = $n, display_name = $n WHERE area_code = "
                "'E12000006'", {"n": HOSTILE_REGION})
    con.close()
    monkeypatch.setenv("WAREHOUSE_PATH", str(db))
    monkeypatch.setenv("GEO_DIR", str(sample_geometry))
    return db


@pytest.mark.parametrize("page", ["overview", "map", "compare"])
def test_a_name_from_the_data_is_shown_as_text_never_as_a_link(hostile_region, page):
    at = open_page(page)
    no_errors(at)
    source = shown_text(at)
    assert "](http" not in source and "<b>" not in source
    if page in ("overview", "map"):
        comparison = [c.value for c in at.caption if "For comparison" in c.value]
        assert comparison and HOSTILE_REGION in unescape(comparison[0])
    if page == "compare":  # st.table renders its cells as markdown too
        cells = at.get_by_key("compare_table_employment_rate_16_64_box").table[0].value
        assert HOSTILE_REGION in set(table(at, "compare_table_employment_rate_16_64")["Place"])
        assert "](http" not in cells.to_string() and "<b>" not in cells.to_string()


def test_an_unknown_place_in_the_profile_link_falls_back_to_the_partnership(sample_app):
    at = open_page("profile", {"area": "'; DROP TABLE observations; --"})
    no_errors(at)
    assert at.selectbox(key="area").value == PARTNERSHIP
    assert any("Ignored area=" in w.value and "DROP TABLE" in w.value for w in at.warning)


def test_unknown_parameters_and_places_are_named(sample_app):
    at = open_page("compare", {"places": ["E06000032", "E99999999"], "utm_source": "<b>x</b>"})
    no_errors(at)
    assert at.multiselect(key="places").value == ["E06000032"]
    text = "\n".join(w.value for w in at.warning)
    assert "E99999999" in text
    assert "utm\\_source" in text
    assert "utm_source" not in dict(at.query_params)


# ---------------------------------------------------------------------------------------------
# No warehouse
# ---------------------------------------------------------------------------------------------


def test_a_missing_warehouse_gives_one_instruction(monkeypatch, tmp_path):
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "nothing-here.duckdb"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "make run" in message and "python -m etl build" in message
    assert "nothing-here.duckdb" in message
    assert "Traceback" not in message


def test_an_unreadable_warehouse_gives_the_same_instruction(monkeypatch, tmp_path):
    bad = tmp_path / "broken.duckdb"
    bad.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("WAREHOUSE_PATH", str(bad))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert len(at.error) == 1
    assert "cannot be read" in at.error[0].value
    assert "python -m etl build" in at.error[0].value
