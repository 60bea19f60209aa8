"""The pages on a warehouse built by the real ETL from copies of real public files.

Figures marked "hand-checked" were read off the source files themselves:
- Nomis APS T01 download, Jan 2022-Dec 2022, ladu:Luton: aged 16-64 all 141,000, in employment
  95,200 (so 0.8 × 141,000 − 95,200 = 17,600 more people in work for 80%).
- ONS VACS02 (Aug 2025), May-Jul 2025, Human health & social work: 131 thousand vacancies
  (sheet ``levels``), 2.8 per 100 employee jobs (sheet ``ratios``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl import build as etl_build
from tests.test_app_pages import (
    APP,
    LADS,
    PARTNERSHIP,
    TIMEOUT,
    no_errors,
    open_page,
    pct,
    read_text,
    sample_warehouse,  # noqa: F401  (fixture)
    shown_text,
    sql,
    table,
    unescape,
    values_for,
)

pytestmark = pytest.mark.shared_data

LUTON = "E06000032"

FILES = [
    "ons_local_indicators/employment-rate.csv",
    "ons_local_indicators/employment-rate.json",
    "nomis/xlsx_downloads/aps_t01_economic_activity_2018_2022.xlsx",
    "nomis/census2021_bulk/ts066/census2021-ts066-ltla.csv",
    "nomis/census2021_bulk/ts066/census2021-ts066-rgn.csv",
    "nomis/census2021_bulk/ts066/census2021-ts066-ctry.csv",
    "nomis/census2021_bulk/ts065/census2021-ts065-lsoa.csv",
    "nomis/census2021_bulk/ts065/census2021-ts065-msoa.csv",
    "nomis/census2021_bulk/ts065/census2021-ts065-ltla.csv",
    "nomis/census2021_bulk/ts065/census2021-ts065-rgn.csv",
    "nomis/census2021_bulk/ts065/census2021-ts065-ctry.csv",
    "vacancies/vacs02aug2025.xlsx",
    # One figure, for Barking and Dagenham in 2016: never to be shown in a South Midlands view.
    "nomis/api_select_samples/tombolo_nm_57_1_jobs_density_la_EXCEL_RESAVED.csv",
]


@pytest.fixture(scope="session")
def real_warehouse(shared_data, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("extracts")
    for rel in FILES:
        src = shared_data / rel
        if not src.is_file():
            pytest.skip(f"{rel} is not in the shared data folder")
        shutil.copy(src, folder / src.name)
    lookups = shared_data / "boundaries" / "lookups"
    shutil.copytree(lookups, folder / "lookups")
    path = tmp_path_factory.mktemp("real") / "real.duckdb"
    etl_build.run("files", path, from_dir=folder)
    return path


@pytest.fixture(scope="session")
def real_geometry(shared_data, tmp_path_factory) -> Path:
    from geo import build as geo_build

    out = tmp_path_factory.mktemp("geo-real")
    geo_build.run("files", out, from_dir=shared_data / "boundaries")
    return out


@pytest.fixture()
def real_app(monkeypatch, real_warehouse, real_geometry) -> Path:
    monkeypatch.setenv("WAREHOUSE_PATH", str(real_warehouse))
    monkeypatch.setenv("GEO_DIR", str(real_geometry))
    return real_warehouse


def test_real_figures_carry_no_sample_banner(real_app):
    at = open_page("overview")
    no_errors(at)
    assert not any("Sample data" in w.value for w in at.warning)
    footer = at.get_by_key("footer").caption[0].value
    assert "Office for National Statistics" in footer


def test_distance_to_80_from_the_real_survey_counts(real_app):
    at = open_page("overview")
    shown = table(at, "aspiration_table").set_index("Place")
    # Hand-checked in the Nomis T01 download (see the module docstring).
    assert shown.loc["Luton", "Employment rate"] == "67.5%"
    assert shown.loc["Luton", "People needed in work"] == "17,600"
    assert "2022" in shown_text(at)
    rows = values_for(real_app, "employment_rate_16_64", "2022", [PARTNERSHIP, *LADS])
    lads = rows[rows["area_code"].isin(LADS)]
    part = rows[rows["area_code"] == PARTNERSHIP].iloc[0]
    assert part["numerator"] == lads["numerator"].sum()
    assert part["denominator"] == lads["denominator"].sum()
    needed = 0.8 * part["denominator"] - part["numerator"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["More people in work needed to reach 80%, 2022"] == f"{round(needed, -2):,.0f}"
    assert metrics["South Midlands employment rate, 2022"] == pct(
        100 * part["numerator"] / part["denominator"]
    )


def test_the_overview_shows_the_employment_rate_for_one_period(real_app):
    at = open_page("overview")
    hero = table(at, "aspiration_table").set_index("Place")
    card = table(at, "card_table_disparities").set_index("Place")
    # The distance to 80% needs the survey's counts, published to 2022; the card shows the
    # same measure, so it shows 2022 as well (the ELS file has 2023 rates: the map has them),
    # and says so in its column's header.
    column = "Employment rate, aged 16 to 64, 2022"
    assert column in card.columns
    figures = card[column].str.split(" · ").str[0]
    for name in hero.index:
        assert figures[name] == hero.loc[name, "Employment rate"], name
    assert figures["Luton"] == "67.5%"  # hand-checked: T01 2022, 95,200 / 141,000


def test_freshness_lists_only_these_places_figures_with_their_publishers_dates(real_app):
    at = open_page("overview")
    fresh = table(at, "freshness_table").set_index("Indicator")
    # The jobs-density file holds one figure, Barking and Dagenham's for 2016: not shown here.
    assert "Jobs density" not in fresh.index
    # Hand-checked: employment-rate.json "sourceDate": "16/04/2024"; the T01 download says
    # "[from Nomis on 24 April 2023]"; the Census bulk files carry no date, and their files'
    # copy time (the build's day) is not presented as a release or a retrieval.
    assert fresh.loc["Employment rate, aged 16 to 64", "Published"] == "Released 16 Apr 2024"
    assert fresh.loc["Unemployment rate, aged 16 to 64", "Published"] == "Retrieved 24 Apr 2023"
    assert (fresh.loc["Long-term sick or disabled (Census 2021)", "Published"]
            == "Release date not recorded")
    data = open_page("data")
    assert "Jobs density" not in data.multiselect(key="indicators").options


def test_uk_vacancies_are_national_context_with_health_and_care_highlighted(real_app):
    at = open_page("overview")
    panel = at.get_by_key("panel_uk_vacancies")
    assert len(panel.get("vega_lite_chart")) == 2  # levels and rates by section
    assert "never drawn on a local map" in panel.caption[-1].value
    care = at.get_by_key("panel_care_workforce")
    text = unescape("\n".join(m.value for m in care.markdown))
    # Hand-checked in VACS02 (see the module docstring).
    assert "131 thousand vacancies" in text
    assert "2.8 per 100 jobs" in text
    assert "May-Jul 2025" in text


def test_a_national_only_indicator_is_refused_on_the_map(real_app):
    at = open_page("map", {"indicator": "uk_vacancies_by_industry"})
    no_errors(at)
    assert at.selectbox(key="indicator").value == "employment_rate_16_64"
    assert any("Ignored indicator=" in w.value for w in at.warning)


def test_neighbourhood_map_matches_the_census_file(real_app):
    at = open_page("map", {"indicator": "census_never_worked_pct", "level": "lsoa"})
    no_errors(at)
    shown = table(at, "map_table")
    expected = sql(
        real_app,
        "SELECT a.display_name, o.value FROM observations o JOIN areas a USING (area_code) "
        "WHERE o.indicator_id = 'census_never_worked_pct' AND a.area_level = 'lsoa'",
    )
    assert len(shown) == len(expected) == 1026
    got = dict(zip(shown["Place"], shown["Figure"], strict=True))
    for r in expected.head(50).itertuples(index=False):
        assert got[r.display_name] == pytest.approx(r.value)
    deck = at.get("deck_gl_json_chart")
    assert len(deck) == 1
    assert "Census 2021 (21 March)" in read_text(at)


def test_a_new_build_swapped_in_is_noticed(monkeypatch, tmp_path, real_warehouse,
                                            sample_warehouse):  # noqa: F811
    live = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_warehouse, live)
    monkeypatch.setenv("WAREHOUSE_PATH", str(live))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert any("Sample data, not real figures" in w.value for w in at.warning)
    # What the ETL does: write the new file beside the old one and swap it in atomically.
    staged = tmp_path / ".warehouse.duckdb.new"
    shutil.copy(real_warehouse, staged)
    os.replace(staged, live)
    at.run()
    no_errors(at)
    assert not any("Sample data" in w.value for w in at.warning)


def test_the_data_page_says_why_the_partnership_has_no_figure(real_app):
    at = open_page("data", {"indicators": "employment_rate_16_64"})
    no_errors(at)
    assert set(table(at, "data_preview")["period"]) == {"2023"}
    assert ("South Midlands has no figure for Employment rate, aged 16 to 64 in 2023: its "
            "figures are added up from its places' counts, and the source gives rates without "
            "counts.") in read_text(at)


def test_a_neighbourhood_profile_shows_its_own_figures_and_its_authoritys_apart(real_app):
    bury_park = "E02003274"  # a Luton neighbourhood (MSOA)
    at = open_page("profile", {"area": bury_park})
    no_errors(at)
    assert at.header[0].value == "Bury Park"
    own = table(at, "profile_table").set_index("Indicator")
    # Hand-checked in census2021-ts065-msoa.csv, Luton 017 (E02003274): 2,491 who never worked
    # of 4,262 residents aged 16+ not in employment = 58.4%; census2021-ts065-ltla.csv, Luton:
    # 29,340 of 73,977 = 39.7%. No confidence interval: Luton's figure alone, no verdict.
    never = own.loc["Never worked, of residents not in work (Census 2021)"]
    assert never["Bury Park"] == "58.4%"
    assert never["vs Luton"] == "39.7%"
    # Survey rates exist only for Luton: never under Bury Park's name...
    assert "Employment rate, aged 16 to 64" not in own.index
    # ...but under Luton's, in a section that says so, with no verdicts of its own.
    wider = table(at, f"profile_wider_{LUTON}").set_index("Indicator")
    line = wider.loc["Employment rate, aged 16 to 64"]
    luton = values_for(real_app, "employment_rate_16_64", line["Period"], [LUTON]).iloc[0]
    assert line["Luton"] == pct(luton["value"])
    assert not [c for c in wider.columns if c.startswith("vs ")]
    assert "Published only for Luton" in [h.value for h in at.subheader]
    assert "not published for Bury Park" in unescape(shown_text(at))
    section = at.get_by_key("profile_exp_employment_rate_16_64")
    text = unescape("\n".join(m.value for m in section.markdown))
    assert "This is **Luton**'s figure" in text


def test_the_profile_gives_the_change_on_a_year_earlier_with_its_sampling_error(real_app):
    at = open_page("profile", {"area": "E06000032"})
    no_errors(at)
    line = table(at, "profile_table").set_index("Indicator").loc[
        "Employment rate, aged 16 to 64"]
    # Hand-checked in employment-rate.csv: Luton 2023 70.5% (66.3 to 74.7), 2022 67.5% (63.2 to
    # 71.8); a 3.0 pp rise against a 6.0 pp margin for the two years' sampling error.
    assert line["Period"] == "2023"
    assert line["Change on a year earlier"] == "Up 3.0 pp, within sampling error"
    section = at.get_by_key("profile_exp_employment_rate_16_64")
    text = unescape("\n".join(m.value for m in section.markdown))
    assert "Up 3.0 pp since 2022, within sampling error" in text
    # Distance to 80%: 80 - 70.5 = 9.5 pp in 2023; people needed from the 2022 APS T01 counts
    # (hand-checked: 0.8 x 141,000 - 95,200 = 17,600).
    assert ("9.5 percentage points below the 80% aspiration in 2023. On the survey's counts for "
            "2022 (the latest with counts), about 17,600 more residents aged 16 to 64 in work "
            "would have closed the gap.") in text


def test_compare_marks_each_change_on_a_year_earlier_against_sampling_error(real_app):
    at = open_page("compare", {"indicators": "employment_rate_16_64"})
    no_errors(at)
    # The heading says the period of the figures below it.
    assert "Employment rate, aged 16 to 64, 2023" in [unescape(s.value) for s in at.subheader]
    shown = table(at, "compare_table_employment_rate_16_64").set_index("Place")
    # Hand-checked in employment-rate.csv. Luton: 70.5% (66.3 to 74.7) against 67.5% (63.2 to
    # 71.8), up 3.0 pp inside a 6.0 pp margin. Milton Keynes: 76.0% (72.2 to 79.8) against 81.9%
    # (78.9 to 84.9), down 5.9 pp, beyond 1.96 x sqrt(1.94^2 + 1.53^2) = 4.8 pp.
    assert shown.loc["Luton", "Change on a year earlier"] == "Up 3.0 pp, within sampling error"
    assert shown.loc["Milton Keynes", "Change on a year earlier"] == "Down 5.9 pp, worsened (95%)"
    assert shown.loc["England", "Change on a year earlier"] == ""  # comparators: no change
    assert "a jump between two survey years is often noise" in unescape(shown_text(at))
