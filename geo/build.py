"""One geometry build: sources -> checked, nested, simplified levels -> GeoParquet, swapped in.

Levels written (each a GeoParquet file in EPSG:4326, see :mod:`geo.store` for the columns):
``lsoa``, ``msoa``, ``lad`` and ``partnership`` for the configured area, ``comparators``
(each LAD's region and England; geometry only where a source gives it), and ``lad_hex``
(one equal hexagon per LAD). The sample build writes only schematic ``lad``, ``partnership``
and ``lad_hex``, marked ``is_schematic``.

Nesting. The finest level the sources cover completely is the *base*: it is repaired,
simplified as a coverage (:func:`geo.webgeom.simplify_by_size`), and every coarser level is
dissolved from it. LSOAs therefore sit exactly inside their MSOA, MSOAs inside their LAD, and a
LAD outline drawn over a neighbourhood map lines up with it. (For ONS BGC layers this loses
nothing: the MSOA layer is itself the union of its LSOAs. An ultra-generalised LAD layer, by
contrast, strays up to 500 m from the neighbourhood outlines, so it is used only when there is
no neighbourhood layer.)

Nothing is replaced until everything is built: levels are written to a temporary folder beside
the output, which is then swapped in.

This module runs one build in order; each step has its own module: the area's places
(:mod:`geo.places`), the nested levels (:mod:`geo.levels`), the comparators
(:mod:`geo.comparators`), the hex levels and the offline sample (:mod:`geo.schematic`), and
writing (:mod:`geo.output`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from core.area import Area, load_area
from core.errors import GeoError, LiveUnavailable
from core.http import HttpClient, NetworkUnavailable
from geo import webgeom
from geo.boundaries import Sources, from_folder
from geo.comparators import comparators
from geo.levels import nested_levels, read_boundaries
from geo.live import fetch
from geo.output import MAP_PROPERTIES, GeoBuild, LevelStats, write
from geo.places import lad_names, lookups_out, place_lsoas
from geo.schematic import lad_hex, sample
from geo.store import geo_dir


def assemble(
    area: Area, sources: Sources, step: Callable[[str], None] = lambda _: None
) -> GeoBuild:
    """Build every level of ``area`` from ``sources`` (files or live), in memory.

    Raises BoundaryError / LookupError_ naming the file (or URL) and codes at fault.
    """
    notes = sources.notes
    names = lad_names(area, sources)
    region_of = {
        **sources.lookups.region_of(),
        **{lad.code: lad.region for lad in area.lads if lad.region},
    }
    region_names = {**sources.lookups.region_names(), **area.region_names}

    step("Placing neighbourhoods")
    places = place_lsoas(area, sources, names)

    step("Reading boundaries")
    bounds = read_boundaries(area, sources, places)

    step("Repairing and simplifying")
    levels, stats = nested_levels(area, sources, bounds, places, names, region_of)

    step("Comparators and hex map")
    comps, comp_stats = comparators(
        area,
        region_of,
        region_names,
        bounds.region,
        bounds.country,
        bounds.lad_all,
        sources.lookups,
        notes,
    )
    levels["comparators"] = comps
    stats["comparators"] = comp_stats
    levels["lad_hex"] = lad_hex(levels["lad"], area)
    stats["lad_hex"] = LevelStats(
        features=len(levels["lad_hex"]),
        bytes_after=webgeom.geojson_bytes(levels["lad_hex"], MAP_PROPERTIES),
        geometry_source="hexagons placed from the LAD outlines",
    )

    lookups = lookups_out(area, sources.lookups, places, names, region_of, region_names)
    return GeoBuild(
        mode=sources.mode,
        origin=sources.origin,
        area=area,
        levels=levels,
        lookups=lookups,
        stats=stats,
        notes=notes,
        skipped=[f"{s.path}: {s.reason}" for s in sources.skipped],
    )


def run(
    mode: str,
    out_dir: Path | None = None,
    *,
    from_dir: Path | None = None,
    area: Area | None = None,
    client: HttpClient | None = None,
    show_progress: bool = False,
    layer_options: dict | None = None,
    live_config: dict | None = None,
) -> GeoBuild:
    """Build and write the map geometry: ``mode`` is ``live``, ``files`` or ``sample``.

    ``client`` (an :class:`core.http.HttpClient`), ``layer_options`` (for
    :class:`geo.arcgis.FeatureLayer`) and ``live_config`` (default ``geo/live_sources.toml``)
    tune the live mode.

    Raises LiveUnavailable (live mode, no network and nothing cached), BoundaryError or
    LookupError_ (bad input; nothing written), GeoError.
    """
    area = area or load_area()
    out_dir = Path(out_dir) if out_dir else geo_dir()
    steps = {"sample": 2, "files": 6, "live": 12}[mode]
    bar = tqdm(
        total=steps, desc="Map geometry", disable=not show_progress, file=sys.stderr, leave=False
    )

    def step(what: str) -> None:
        bar.set_postfix_str(what)
        bar.update(1)

    try:
        if mode == "sample":
            step("Laying out hexagons")
            build = sample(area)
        elif mode == "files":
            if from_dir is None:
                raise GeoError("--from needs a folder of boundary files")
            step(f"Scanning {from_dir}")
            build = assemble(area, from_folder(Path(from_dir)), step)
        elif mode == "live":
            client = client or HttpClient()
            try:
                sources = fetch(
                    area, client, config=live_config, step=step, layer_options=layer_options
                )
            except NetworkUnavailable as exc:
                raise LiveUnavailable(str(exc)) from exc
            build = assemble(area, sources, step)
        else:
            raise GeoError(f"unknown build mode {mode!r}")
        step("Writing")
        write(build, out_dir)
    finally:
        bar.close()
    return build
