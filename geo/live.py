"""Live boundaries and lookups: the ONS Open Geography Portal (ArcGIS REST) and the House of
Commons Library MSOA names, as pinned in ``geo/live_sources.toml``.

Order of work, each step filtered by what the previous one found:

1. LSOA 2021 -> LAD lookup, ``where LADyyCD IN (<configured LADs>)``: the area's LSOAs.
2. LSOA boundaries, ``where LSOA21CD IN (…)`` in batches of 100, ``outSR=4326``, GeoJSON.
3. MSOA boundaries, ``where MSOA21NM IN (…)``: the names of the LSOAs without their final
   letter (the ONS naming rule; the build checks every LSOA then has exactly one MSOA).
4. Optional (a failure is a note, not an error): LSOA 2011 -> 2021 lookup, region outlines for
   the comparators, and the MSOA names CSV.

Every response is cached on disk by the shared HTTP client, so a rebuild needs no network.
"""

from __future__ import annotations

import io
import tomllib
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from core import settings
from core.area import Area
from core.errors import BoundaryError, FetchError, code_list
from core.http import HttpClient, NetworkUnavailable
from core.lookups import Lookups, read_lookup_frame
from geo.arcgis import FeatureLayer, in_clause
from geo.boundaries import RawLayer, Skipped, Sources, recognise

LIVE_CONFIG = Path(__file__).with_name("live_sources.toml")


def load_config(path: Path = LIVE_CONFIG) -> dict:
    """The pinned live sources; ``GEO_ARCGIS_BASE`` replaces the service base URL."""
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    base = settings.arcgis_base()
    if base:
        config["base"] = base
    config["base"] = config["base"].rstrip("/")
    return config


def _layer_url(config: dict, key: str) -> str:
    entry = config[key]
    return f"{config['base']}/{entry['service']}/FeatureServer/{entry.get('layer', 0)}"


def _to_layer(features: list[dict], source: str) -> RawLayer | Skipped:
    gdf = gpd.GeoDataFrame.from_features(
        [
            {"type": "Feature", "properties": f["properties"], "geometry": f["geometry"]}
            for f in features
        ],
        crs="EPSG:4326",
    )
    return recognise(gdf, source)


def fetch(
    area: Area,
    client: HttpClient,
    *,
    config: dict | None = None,
    step: Callable[[str], None] = lambda _: None,
    layer_options: dict | None = None,
) -> Sources:
    """Fetch the area's boundaries and lookups (see the module docstring).

    Raises NetworkUnavailable when the portal cannot be reached and nothing is cached (the
    caller falls back to the sample), FetchError/ArcGISError for a broken answer, and
    BoundaryError when the portal knows none of the configured LADs.
    """
    config = config or load_config()
    options = layer_options or {}
    src = Sources("live", config["base"])
    lookups = Lookups()
    src.lookups = lookups

    step("LSOA -> LAD lookup")
    entry = config["lsoa21_lad"]
    url = _layer_url(config, "lsoa21_lad")
    layer = FeatureLayer(url, client, **options)
    rows = layer.query(in_clause(entry["lad_field"], area.lad_codes), "*", geometry=False)
    frame = pd.DataFrame([r["properties"] for r in rows])
    if frame.empty or not read_lookup_frame(frame, url, lookups):
        raise BoundaryError(
            url,
            "the LSOA -> LAD lookup returned no LSOAs for the configured local authorities; "
            "check the codes in the area config (and the lookup's LAD vintage).",
            area.lad_codes,
        )
    lsoa = lookups.lsoa21
    missing = sorted(set(area.lad_codes) - set(lsoa["lad_code"]))
    if missing:
        raise BoundaryError(
            url,
            f"the LSOA -> LAD lookup ({entry['lad_field']}) knows no LSOAs in configured "
            f"LAD(s) {code_list(missing)}; is the code current?",
            missing,
        )
    src.notes += layer.notes
    src.described["lookups"] = f"{entry['service']} (ONS Open Geography Portal)"

    step("LSOA boundaries")
    entry = config["lsoa"]
    url = _layer_url(config, "lsoa")
    layer = FeatureLayer(url, client, **options)
    feats = layer.query_in(
        entry["code_field"], list(lsoa["lsoa_code"]), [entry["code_field"], entry["name_field"]]
    )
    _add(src, _to_layer(feats, url))
    src.notes += layer.notes
    src.described["lsoa"] = entry["service"]

    step("MSOA boundaries")
    entry = config["msoa"]
    url = _layer_url(config, "msoa")
    names = sorted({n[:-1] for n in lsoa["lsoa_name"].dropna() if n[-1:].isalpha()})
    layer = FeatureLayer(url, client, **options)
    feats = layer.query_in(
        entry["name_field"], names, [entry["code_field"], entry["name_field"]], batch_size=50
    )
    _add(src, _to_layer(feats, url))
    src.notes += layer.notes
    src.described["msoa"] = entry["service"]

    step("LSOA 2011 -> 2021 lookup")
    _optional(src, "lsoa11", lambda: _lsoa11(config, client, area, lookups, options))
    step("Region outlines")
    _optional(src, "region", lambda: _regions(config, client, src, options))
    step("MSOA names")
    _optional(src, "msoa_names", lambda: _msoa_names(config, client, lookups))
    return src


def _add(src: Sources, result: RawLayer | Skipped) -> None:
    if isinstance(result, Skipped):
        raise BoundaryError(result.path, f"is not a usable boundary layer: {result.reason}.")
    src.layers.append(result)
    src.notes += result.notes


def _optional(src: Sources, key: str, work: Callable[[], None]) -> None:
    try:
        work()
    except (FetchError, BoundaryError, ValueError) as exc:
        kind = "unreachable" if isinstance(exc, NetworkUnavailable) else "failed"
        src.notes.append(f"Optional live source '{key}' {kind}, built without it: {exc}")


def _lsoa11(config: dict, client: HttpClient, area: Area, lookups: Lookups, options) -> None:
    entry = config["lsoa11"]
    url = _layer_url(config, "lsoa11")
    rows = FeatureLayer(url, client, **options).query(
        in_clause(entry["lad_field"], area.lad_codes), "*", geometry=False
    )
    read_lookup_frame(pd.DataFrame([r["properties"] for r in rows]), url, lookups)


def _regions(config: dict, client: HttpClient, src: Sources, options) -> None:
    entry = config["region"]
    url = _layer_url(config, "region")
    feats = FeatureLayer(url, client, **options).query(
        "1=1", [entry["code_field"], entry["name_field"]]
    )
    _add(src, _to_layer(feats, url))
    src.described["region"] = entry["service"]


def _msoa_names(config: dict, client: HttpClient, lookups: Lookups) -> None:
    url = config["msoa_names"]["url"]
    text = client.get_text(url, expect="csv")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    if not read_lookup_frame(frame, url, lookups):
        raise BoundaryError(url, "has no msoa21cd and msoa21hclnm columns.")
    lookups.apply_msoa_names()
