"""Live builds against a local server replaying Nomis, pointed at it through NOMIS_API_BASE."""

from __future__ import annotations

import csv
import functools
import io
import socket
import textwrap

import duckdb
import pytest

from core.area import load_area
from core.errors import EtlError, FetchError, LiveUnavailable
from core.http import HttpClient
from etl import build, live
from etl.catalogue import catalogue
from etl.nomis import CodeMismatch
from tests.nomis_replay import FIXTURES, NomisReplay, own_server

PLACES = ["E06000055", "E06000056", "E06000032", "E06000042", "E06000061", "E06000062"]


def fast_http() -> HttpClient:
    return HttpClient(min_interval=0, backoff=0, retries=1, sleep=lambda s: None)


def live_fetch(datasets, http=None, live_sources=()):
    return functools.partial(
        live.fetch_all, http=http or fast_http(), datasets=datasets, live_sources=list(live_sources)
    )


@pytest.fixture()
def server():
    with own_server() as srv:
        yield srv


@pytest.fixture()
def nomis(server, monkeypatch):
    replay = NomisReplay()
    monkeypatch.setenv("NOMIS_API_BASE", replay.install(server))
    return replay


def recorded(variable: str) -> dict[tuple[str, str], dict[str, float]]:
    """The recorded APS figures: (area, period) -> {measure name: value}."""
    text = (FIXTURES / "NM_17_5.data.csv").read_text()
    out: dict[tuple[str, str], dict[str, float]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["VARIABLE"] == variable:
            key = (row["GEOGRAPHY_CODE"], row["DATE_NAME"])
            out.setdefault(key, {})[row["MEASURES_NAME"]] = float(row["OBS_VALUE"])
    return out


def observations(db, indicator: str) -> dict[tuple[str, str], tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT area_code, period_label, value, numerator, denominator, ci_lower, ci_upper, "
            "status FROM observations WHERE indicator_id = ?",
            [indicator],
        ).fetchall()
    finally:
        con.close()
    return {(r[0], r[1]): r[2:] for r in rows}


def test_a_live_build_loads_aps_rates_with_numerators_denominators_and_intervals(nomis, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    result = build.run("live", db, live_fetch=live_fetch(["aps"]))
    assert result.mode == "live" and not result.is_sample
    obs = observations(db, "employment_rate_16_64")
    # The warehouse labels a calendar year by its year; the recording says "Jan 2024-Dec 2024".
    obs = {(c, "Jan 2024-Dec 2024" if p == "2024" else p): v for (c, p), v in obs.items()}
    figures = recorded("45")
    for code in PLACES:
        for period in ("Jan 2024-Dec 2024", "Apr 2024-Mar 2025"):
            value, num, den, lo, hi, status = obs[(code, period)]
            published = figures[(code, period)]
            assert value == pytest.approx(published["Variable"])
            assert (num, den) == (published["Numerator"], published["Denominator"])
            half = published["Confidence"]
            assert (lo, hi) == (pytest.approx(value - half), pytest.approx(value + half))
            assert status is None
    # Bedford, read off the recording by hand: 76.1% (90,600 of 119,000) +/- 4.1.
    assert obs[("E06000055", "Jan 2024-Dec 2024")][:5] == pytest.approx(
        (76.1, 90600, 119000, 72.0, 80.2)
    )
    # The partnership is summed from its places' numerators and denominators, with the
    # approximate interval their published intervals give (errors in quadrature).
    for period in ("Jan 2024-Dec 2024", "Apr 2024-Mar 2025"):
        value, num, den, lo, hi, status = obs[("GBW-SMID", period)]
        assert num == sum(figures[(c, period)]["Numerator"] for c in PLACES)
        assert den == sum(figures[(c, period)]["Denominator"] for c in PLACES)
        assert value == pytest.approx(100 * num / den)
        se = [
            figures[(c, period)]["Confidence"] / 1.96 * figures[(c, period)]["Denominator"] / 100
            for c in PLACES
        ]
        margin = 1.96 * 100 * sum(x**2 for x in se) ** 0.5 / den
        assert (lo, hi) == (pytest.approx(value - margin), pytest.approx(value + margin))
        assert status is None
    # Comparators come from the same response.
    assert obs[("E92000001", "Jan 2024-Dec 2024")][0] == pytest.approx(75.7)
    assert {("E12000006", "Jan 2024-Dec 2024"), ("E12000004", "Apr 2024-Mar 2025")} <= set(obs)
    inactivity = observations(db, "inactivity_rate_16_64")
    assert inactivity[("E06000032", "Apr 2024-Mar 2025")][0] == pytest.approx(
        recorded("111")[("E06000032", "Apr 2024-Mar 2025")]["Variable"]
    )


def test_the_sources_table_names_the_query_and_when_it_was_fetched(nomis, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    build.run("live", db, live_fetch=live_fetch(["aps"]))
    con = duckdb.connect(str(db), read_only=True)
    origin, retrieved, sample = con.execute(
        "SELECT origin, retrieved_at, is_sample FROM sources WHERE dataset = 'aps'"
    ).fetchone()
    con.close()
    assert origin.startswith("http://localhost:")
    assert "/dataset/NM_17_5.data.csv?geography=E06000055," in origin
    assert "variable=45,84,111,1487,1496" in origin
    assert "RecordOffset" not in origin
    assert retrieved is not None and sample is False


def test_a_rerun_needs_no_network(nomis, server, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    build.run("live", db, live_fetch=live_fetch(["aps"]))
    first = observations(db, "employment_rate_16_64")
    server.stop()
    offline = fast_http()
    build.run("live", db, live_fetch=live_fetch(["aps"], http=offline))
    assert observations(db, "employment_rate_16_64") == first
    assert offline.stats["network"] == 0 and offline.stats["cache"] == 3
    con = duckdb.connect(str(db), read_only=True)
    (notes,) = con.execute("SELECT notes FROM sources WHERE dataset = 'aps'").fetchone()
    con.close()
    assert notes.startswith("from the local cache, downloaded ")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_network_and_no_cache_is_live_unavailable(monkeypatch, tmp_path):
    monkeypatch.setenv("NOMIS_API_BASE", f"http://127.0.0.1:{_closed_port()}/api/v01")
    db = tmp_path / "warehouse.duckdb"
    with pytest.raises(LiveUnavailable) as err:
        build.run("live", db, live_fetch=live_fetch(["aps"]))
    assert "nothing is cached" in str(err.value)
    assert not db.exists()


def test_losing_the_network_part_way_fails_the_build_without_falling_back(nomis, server, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    build.run("live", db, live_fetch=live_fetch(["aps"]))
    before = db.read_bytes()
    server.stop()  # APS is cached; population never was
    with pytest.raises(EtlError) as err:
        build.run("live", db, live_fetch=live_fetch(["aps", "population"]))
    assert not isinstance(err.value, LiveUnavailable)
    assert "part-way" in str(err.value)
    assert db.read_bytes() == before


def test_a_recoded_dimension_stops_the_build_and_keeps_the_warehouse(nomis, tmp_path, monkeypatch):
    db = tmp_path / "warehouse.duckdb"
    build.run("live", db, live_fetch=live_fetch(["aps"]))
    before = db.read_bytes()
    cat = catalogue()
    codes = dict(cat.datasets["aps"].live_codes["variable"])
    codes["45"] = "Employment rate - aged 16-64 (resident based)"
    aps = cat.datasets["aps"].__class__(
        **{**cat.datasets["aps"].__dict__, "live_codes": {"variable": codes}}
    )
    monkeypatch.setitem(cat.datasets, "aps", aps)
    with pytest.raises(CodeMismatch) as err:
        build.run("live", db, live_fetch=live_fetch(["aps"]))
    assert "'aps' (NM_17_5), concept 'variable'" in str(err.value)
    assert "found 'Employment rate - aged 16-64'" in str(err.value)
    assert db.read_bytes() == before


def test_a_catalogue_dataset_nomis_does_not_have_is_named(nomis, tmp_path, monkeypatch):
    cat = catalogue()
    bad = cat.datasets["population"].__class__(
        **{**cat.datasets["population"].__dict__, "nomis_id": "NM_2002_9"}
    )
    monkeypatch.setitem(cat.datasets, "population", bad)
    with pytest.raises(FetchError) as err:
        build.run("live", tmp_path / "w.duckdb", live_fetch=live_fetch(["population"]))
    assert "Nomis has no dataset NM_2002_9" in str(err.value)


def test_live_sources_run_after_nomis_with_the_same_client(nomis, tmp_path):
    calls = []

    def fit_notes(http, area, cat):
        calls.append((http, area.code, len(nomis.requests)))
        return []

    http = fast_http()
    extracts = live.fetch_all(
        load_area(), catalogue(), http=http, datasets=["aps"], live_sources=[fit_notes]
    )
    assert [e.dataset for e in extracts] == ["aps"]
    assert calls == [(http, "GBW-SMID", 3)]  # after definition, codelist and data


def test_queries_follow_the_configured_area(tmp_path):
    config = tmp_path / "area.toml"
    config.write_text(
        textwrap.dedent(
            """
            [partnership]
            code = "TEST"
            name = "Test partnership"
            [[lad]]
            code = "E09000002"
            region = "E12000007"
            [[lad]]
            code = "E09000003"
            region = "E12000007"
            """
        )
    )
    queries = live.plan(load_area(config), catalogue(), ["census_ts066"])
    geographies = {q.spec: ",".join(q.geography) for q in queries}
    assert geographies == {
        "places, regions, country": "E09000002,E09000003,E12000007,E92000001",
        "msoa": "E09000002TYPE152,E09000003TYPE152",
        "lsoa": "E09000002TYPE151,E09000003TYPE151",
    }
    assert all(q.params["c2021_eastat_20"] == "0,1011,18" for q in queries)


def test_bres_industries_become_breakdowns_of_employment_by_industry(nomis, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    build.run("live", db, live_fetch=live_fetch(["bres"]))
    con = duckdb.connect(str(db), read_only=True)
    rows = {
        (code, breakdown): value
        for code, breakdown, value in con.execute(
            "SELECT area_code, breakdown, value FROM observations "
            "WHERE indicator_id = 'employment_by_industry'"
        ).fetchall()
    }
    con.close()
    # From the recording: Luton 95,000 jobs, 13,000 of them in health and social work (Q).
    assert rows[("E06000032", "total")] == 95000
    assert rows[("E06000032", "sic:Q")] == 13000
    assert rows[("GBW-SMID", "sic:Q")] == 11000 + 12000 + 13000 + 19000 + 17000 + 27000
    assert rows[("E92000001", "total")] == 27617000
    # The employment status and measure the query pins were checked against their labels.
    asked = [r.split("?")[0] for r in nomis.requests]
    assert "/api/v01/dataset/NM_189_1/employment_status.def.sdmx.json" in asked
    assert "/api/v01/dataset/NM_189_1/measure.def.sdmx.json" in asked


def test_census_and_aps_responses_keep_dates_codes_and_flags():
    from etl.extract import Recognised
    from etl.records import CENSUS_DAY
    from etl.sources import nomis_api_csv
    from tests.nomis_replay import csv_line

    census_cols = [
        "DATE",
        "DATE_NAME",
        "GEOGRAPHY_CODE",
        "GEOGRAPHY_NAME",
        "GEOGRAPHY_TYPE",
        "C2021_EASTAT_20",
        "C2021_EASTAT_20_NAME",
        "MEASURES",
        "MEASURES_NAME",
        "OBS_VALUE",
        "OBS_STATUS",
        "OBS_STATUS_NAME",
        "RECORD_OFFSET",
        "RECORD_COUNT",
    ]
    lsoa = ["2021", "2021", "E01015661", "Bedford 001A", "2021 super output areas - lower layer"]
    body = ",".join(f'"{c}"' for c in census_cols) + "\n"
    for i, (code, label, value) in enumerate(
        [
            ("0", "Total: All usual residents aged 16 years and over", "1402"),
            ("18", "Economically inactive: Long-term sick or disabled", "41"),
        ]
    ):
        body += csv_line(
            census_cols,
            [*lsoa, code, label, "20100", "Value", value, "A", "Normal Value", str(i), "2"],
        )
    url = "http://nomis.test/api/v01/dataset/NM_2083_1.data.csv?geography=E06000055TYPE151"
    recs = nomis_api_csv.parse(
        url,
        Recognised("nomis_api_csv", "census_ts066", "t"),
        area=load_area(),
        data=body.encode(),
        origin=url,
    )
    assert list(recs["category"]) == [
        "Total: All usual residents aged 16 years and over",
        "Economically inactive: Long-term sick or disabled",
    ]
    assert set(recs["period_start"]) == {CENSUS_DAY} and set(recs["measure"]) == {"count"}
    assert recs["geo_vintage"].isna().all()  # 2021 LSOAs: today's codes

    aps_cols = [c for c in census_cols if not c.startswith("C2021")]
    aps_cols[5:5] = ["VARIABLE", "VARIABLE_NAME"]
    la = ["2025-03", "Apr 2024-Mar 2025", "E06000032", "Luton", "local authorities: district"]
    rate = ["1496", "% of economically inactive long-term sick", "20599", "Variable"]
    body = ",".join(f'"{c}"' for c in aps_cols) + "\n"
    body += csv_line(
        aps_cols,
        [
            *la,
            *rate,
            "31.2",
            "Q",
            "Estimate and confidence "
            "interval unreliable since the group sample size is small (3-9)",
            "0",
            "2",
        ],
    )
    body += csv_line(
        aps_cols,
        [
            *la[:1],
            "Jan 2024-Dec 2024",
            *la[2:],
            *rate,
            "",
            "-",
            "These figures are missing.",
            "1",
            "2",
        ],
    )
    recs = nomis_api_csv.parse(
        url,
        Recognised("nomis_api_csv", "aps", "t"),
        area=load_area(),
        data=body.encode(),
        origin=url,
    )
    assert list(recs["status"]) == ["low_reliability", "missing"]
    assert recs["value"].iloc[0] == 31.2 and recs["value"].isna().iloc[1]


def test_the_registry_lists_every_live_client_and_nothing_registers_itself():
    from etl import registry
    from etl.sources import fitnotes_live, job_adverts, vacancies

    assert (
        fitnotes_live.fetch_live,
        job_adverts.fetch_live,
        vacancies.fetch_live,
    ) == registry.LIVE_SOURCES
    assert live.LIVE_SOURCES is registry.LIVE_SOURCES
