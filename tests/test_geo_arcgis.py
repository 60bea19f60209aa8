"""The ArcGIS REST client and the live geometry build, against a local server replaying
ArcGIS-format responses (tests/fixtures/arcgis/README.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import geopandas as gpd
import pytest
from werkzeug import Request, Response

from core.area import load_area
from core.errors import FetchError
from core.http import HttpClient
from core.lookups import find_lookups
from geo import build, load_level
from geo.__main__ import main
from geo.arcgis import ArcGISError, FeatureLayer
from geo.live import load_config

FIX = Path(__file__).parent / "fixtures" / "arcgis"
Handler = Callable[[dict], str | tuple[str, int]]


def fixture(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8-sig" if name.endswith(".csv") else "utf-8")


class Portal:
    """Routes ArcGIS-style requests to handlers and keeps a log of every request."""

    def __init__(self, httpserver) -> None:
        self.server = httpserver
        self.routes: dict[str, Handler] = {}
        self.log: list[tuple[str, dict]] = []
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        args = dict(request.args.items())
        self.log.append((request.path, args))
        handler = self.routes.get(request.path)
        if handler is None:
            return Response("Not found", status=404)
        body = handler(args)
        status = 200
        if isinstance(body, tuple):
            body, status = body
        ctype = "text/csv" if request.path.endswith(".csv") else "application/json"
        return Response(body, status=status, content_type=ctype)

    def url(self, path: str) -> str:
        return self.server.url_for(path).rstrip("/")

    def queries(self, path: str) -> list[dict]:
        """The non-count queries sent to ``path``."""
        return [a for p, a in self.log if p == path and a.get("returnCountOnly") != "true"]


def layer_routes(portal: Portal, base: str, info: str, pages: Callable[[dict], str | tuple]):
    """Serve a layer: its description, its count answers and its query pages."""
    portal.routes[base] = lambda a: fixture(info)

    def query(args: dict):
        if args.get("returnCountOnly") == "true":
            return pages({**args, "_count": True})
        return pages(args)

    portal.routes[f"{base}/query"] = query


@pytest.fixture()
def portal(httpserver) -> Portal:
    return Portal(httpserver)


@pytest.fixture()
def client(tmp_path) -> HttpClient:
    return HttpClient(tmp_path / "cache", min_interval=0, retries=0, sleep=lambda s: None)


def no_wait(_: float) -> None:
    pass


LSOA = "/svc/LSOA/FeatureServer/0"
MSOA = "/svc/MSOA/FeatureServer/0"
LOOKUP = "/svc/LOOKUP/FeatureServer/0"


def lsoa_pages(args: dict):
    if args.get("_count"):
        return fixture("count_3.json")
    return fixture({"0": "lsoa_page_0.geojson", "2": "lsoa_page_2.geojson"}[args["resultOffset"]])


def test_pages_by_offset_with_the_layers_max_record_count(portal, client):
    layer_routes(portal, LSOA, "lsoa_layer.json", lsoa_pages)
    layer = FeatureLayer(portal.url(LSOA), client, sleep=no_wait)

    feats = layer.query("LSOA21CD LIKE 'E01%'", ["LSOA21CD", "LSOA21NM"])

    assert [f["properties"]["LSOA21CD"] for f in feats] == ["E01999901", "E01999902", "E01999903"]
    pages = portal.queries(LSOA + "/query")
    # maxRecordCount (2) read from the layer description sets the page size; the first page's
    # exceededTransferLimit (under "properties" in GeoJSON) asks for the second.
    assert [p["resultOffset"] for p in pages] == ["0", "2"]
    assert {p["resultRecordCount"] for p in pages} == {"2"}
    assert all(p["outSR"] == "4326" and p["f"] == "geojson" for p in pages)
    assert all(p["orderByFields"] == "FID" for p in pages)
    assert pages[0]["outFields"] == "LSOA21CD,LSOA21NM,FID"


def test_an_error_body_served_with_http_200_is_an_error_naming_url_and_message(portal, client):
    layer_routes(
        portal,
        LSOA,
        "lsoa_layer.json",
        lambda a: (
            fixture("count_3.json") if a.get("_count") else fixture("error_invalid_query.json")
        ),
    )
    layer = FeatureLayer(portal.url(LSOA), client, sleep=no_wait)

    with pytest.raises(ArcGISError) as err:
        layer.query("LSOA21CD = 'nonsense")
    assert err.value.code == 400
    assert "Invalid query parameters" in str(err.value)
    assert "'where' parameter is invalid" in str(err.value)
    assert "/svc/LSOA/FeatureServer/0/query" in str(err.value)


def test_a_busy_error_body_is_asked_again_without_the_cache(portal, client):
    calls = {"n": 0}

    def pages(args):
        if args.get("_count"):
            return fixture("count_3.json")
        if args["resultOffset"] == "0":
            calls["n"] += 1
            if calls["n"] == 1:
                return fixture("error_busy.json")  # HTTP 200 carrying a 503
        return lsoa_pages(args)

    layer_routes(portal, LSOA, "lsoa_layer.json", pages)
    feats = FeatureLayer(portal.url(LSOA), client, sleep=no_wait).query("1=1")

    assert len(feats) == 3
    assert calls["n"] == 2  # the cached error body was not served again


def test_an_error_body_left_in_the_cache_is_not_believed_next_time(portal, client):
    state = {"broken": True}

    def pages(args):
        if args.get("_count"):
            return fixture("count_3.json")
        return fixture("error_invalid_query.json") if state["broken"] else lsoa_pages(args)

    layer_routes(portal, LSOA, "lsoa_layer.json", pages)
    with pytest.raises(ArcGISError):
        FeatureLayer(portal.url(LSOA), client, sleep=no_wait).query("1=1")
    state["broken"] = False  # the portal recovers; the error body is still on disk

    feats = FeatureLayer(portal.url(LSOA), client, sleep=no_wait).query("1=1")
    assert len(feats) == 3


def test_a_refused_offset_falls_back_to_objectid_paging(portal, client):
    def pages(args):
        if args.get("_count"):
            return fixture("count_2.json")
        if "resultOffset" in args:
            if args["resultOffset"] == "0":
                return fixture("msoa_after_oid_0.geojson")
            return fixture("error_offset_refused.json")
        assert unquote(args["where"]) == "(1=1) AND FID > 1"
        return fixture("msoa_after_oid_1.geojson")

    layer_routes(portal, MSOA, "msoa_layer.json", pages)
    layer = FeatureLayer(portal.url(MSOA), client, sleep=no_wait)

    feats = layer.query("1=1")

    assert [f["properties"]["MSOA21CD"] for f in feats] == ["E02999901", "E02999902"]
    assert any("paging by FID instead" in n for n in layer.notes)


def test_a_layer_without_pagination_is_paged_by_objectid(portal, client):
    def pages(args):
        if args.get("_count"):
            return ("{}", 200)  # no count offered: paging must stop on an empty page
        where = unquote(args["where"])
        last = re.search(r"FID > (\d+)", where)
        return fixture(f"msoa_after_oid_{last.group(1) if last else 0}.geojson")

    layer_routes(portal, MSOA, "msoa_layer_no_paging.json", pages)
    feats = FeatureLayer(portal.url(MSOA), client, sleep=no_wait).query("1=1")

    assert [f["properties"]["MSOA21NM"] for f in feats] == ["Luton 001", "Luton 002"]
    pages_sent = portal.queries(MSOA + "/query")
    assert all("resultOffset" not in p for p in pages_sent)
    assert [unquote(p["where"]) for p in pages_sent][:2] == ["1=1", "(1=1) AND FID > 1"]


def test_fewer_features_than_counted_is_an_error(portal, client):
    def pages(args):
        if args.get("_count"):
            return fixture("count_3.json")
        return fixture("lsoa_page_2.geojson")  # one feature, no transfer-limit flag

    layer_routes(portal, LSOA, "lsoa_layer.json", pages)
    with pytest.raises(FetchError, match=r"counted 3 feature.*but 1 arrived"):
        FeatureLayer(portal.url(LSOA), client, sleep=no_wait).query("1=1")


def test_long_code_lists_go_in_batches_of_in_clauses(portal, client):
    layer_routes(
        portal,
        LSOA,
        "lsoa_layer.json",
        lambda a: (
            '{"count": 0}' if a.get("_count") else '{"type":"FeatureCollection","features":[]}'
        ),
    )
    codes = [f"E01{n:06d}" for n in range(250)] + ["O'Brien 001A"]
    FeatureLayer(portal.url(LSOA), client, sleep=no_wait).query_in("LSOA21CD", codes)

    wheres = [unquote(p["where"]) for p in portal.queries(LSOA + "/query")]
    assert len(wheres) == 3
    assert all(w.startswith("LSOA21CD IN (") for w in wheres)
    assert sum(w.count("'E01") for w in wheres) == 250
    assert any("'O''Brien 001A'" in w for w in wheres)  # quotes doubled, not broken


# -- the live build, end to end -------------------------------------------------------------

LUTON_TOML = """
[partnership]
code = "TEST-LUTON"
name = "Luton test area"

[[lad]]
code = "E06000032"
name = "Luton"
region = "E12000006"

[regions]
E12000006 = "East of England"
"""


@pytest.fixture()
def live_portal(portal) -> Portal:
    def lookup(args):
        if args.get("_count"):
            return fixture("count_3.json")
        assert unquote(args["where"]) == "LAD24CD IN ('E06000032')"
        return fixture("lookup_rows.json")

    def msoa(args):
        if args.get("_count"):
            return fixture("count_2.json")
        return fixture("msoa_all.geojson")

    layer_routes(portal, LOOKUP, "lookup_layer.json", lookup)
    layer_routes(portal, LSOA, "lsoa_layer.json", lsoa_pages)
    layer_routes(portal, MSOA, "msoa_layer.json", msoa)
    portal.routes["/names/MSOA-Names-Latest2.csv"] = lambda a: fixture("msoa_names.csv")
    return portal


def live_config(portal: Portal) -> dict:
    config = load_config()
    config["base"] = portal.url("/svc")
    config["lsoa21_lad"]["service"] = "LOOKUP"
    config["lsoa"]["service"] = "LSOA"
    config["msoa"]["service"] = "MSOA"
    config["msoa_names"]["url"] = portal.url("/names/MSOA-Names-Latest2.csv")
    return config  # lsoa11 and region services are left unserved (404): optional


def test_live_build_fetches_the_area_through_its_lookup(live_portal, client, tmp_path):
    area_file = tmp_path / "luton.toml"
    area_file.write_text(LUTON_TOML)
    out = tmp_path / "geo"

    result = build.run(
        "live",
        out,
        area=load_area(area_file),
        client=client,
        layer_options={"sleep": no_wait},
        live_config=live_config(live_portal),
    )

    lsoa, msoa, lad = (load_level(x, out) for x in ("lsoa", "msoa", "lad"))
    assert sorted(lsoa["area_code"]) == ["E01999901", "E01999902", "E01999903"]
    assert dict(zip(lsoa["area_code"], lsoa["parent_code"], strict=True)) == {
        "E01999901": "E02999901",
        "E01999902": "E02999901",
        "E01999903": "E02999902",
    }
    assert dict(zip(msoa["area_code"], msoa["display_name"], strict=True)) == {
        "E02999901": "Fixture Hill",
        "E02999902": "Fixture Vale",
    }
    assert list(lad["area_name"]) == ["Luton"]
    assert lsoa.crs.to_epsg() == 4326 and lsoa.is_valid.all()
    # The boundaries were asked for exactly the LSOAs the lookup placed in Luton…
    lsoa_where = {unquote(p["where"]) for p in live_portal.queries(LSOA + "/query")}
    assert lsoa_where == {"LSOA21CD IN ('E01999901','E01999902','E01999903')"}
    # …and the MSOAs by the names the naming rule gives.
    msoa_where = {unquote(p["where"]) for p in live_portal.queries(MSOA + "/query")}
    assert msoa_where == {"MSOA21NM IN ('Luton 001','Luton 002')"}
    assert any("'lsoa11'" in n for n in result.notes)
    assert any("'region'" in n for n in result.notes)
    # The normalised lookups are written where the ETL looks for them.
    lk = find_lookups(out)
    assert lk.lsoa_to_msoa()["E01999903"] == "E02999902"
    assert lk.lsoa21.set_index("lsoa_code").loc["E01999901", "msoa_hcl_name"] == "Fixture Hill"


def test_a_live_rebuild_is_served_from_the_cache(live_portal, client, tmp_path):
    area = load_area(_write(tmp_path / "luton.toml", LUTON_TOML))
    config = live_config(live_portal)
    build.run(
        "live",
        tmp_path / "a",
        area=area,
        client=client,
        live_config=config,
        layer_options={"sleep": no_wait},
    )
    sent = len(live_portal.log)
    offline = HttpClient(client.cache_dir, offline=True)

    build.run(
        "live",
        tmp_path / "b",
        area=area,
        client=offline,
        live_config=config,
        layer_options={"sleep": no_wait},
    )

    assert len(live_portal.log) == sent  # nothing new reached the server
    a, b = (gpd.read_parquet(tmp_path / d / "lsoa.parquet") for d in ("a", "b"))
    assert a.geometry.equals(b.geometry)


def test_live_with_no_network_and_no_cache_falls_back_to_the_sample_loudly(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("ETL_OFFLINE", "1")
    out = tmp_path / "geo"

    status = main(["build", "--out", str(out), "--quiet"])

    err = capsys.readouterr().err
    assert status == 0
    assert "FALLING BACK TO THE SCHEMATIC SAMPLE" in err
    lad = load_level("lad", out)
    assert len(lad) == 6 and lad["is_schematic"].all()


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_offline_live_build_keeps_real_geometry_already_built(tmp_path, monkeypatch, capsys):
    out = tmp_path / "geo"
    out.mkdir()
    (out / "manifest.json").write_text('{"mode": "files", "is_schematic": false, "origin": "x"}')
    (out / "lad.parquet").write_bytes(b"real geometry stand-in")
    monkeypatch.setenv("ETL_OFFLINE", "1")

    status = main(["build", "--out", str(out), "--quiet"])

    assert status == 0
    assert "Keeping the real geometry already in" in capsys.readouterr().err
    assert (out / "lad.parquet").read_bytes() == b"real geometry stand-in"
