"""England scale: the map's query for one indicator at LSOA level across all of England.

A warehouse is built, by the project's own ETL, for a "partnership" of every English local
authority (an area config listing the 296 LAD23 codes of the real LSOA lookup, regions from
``la_all_codes.csv``) from one generated file: a Census TS065 LSOA table in Nomis's bulk layout
for each of the 33,755 English LSOAs of the real lookup (codes and names real, counts
**synthetic**, seeded; the file is named ``SYNTHETIC_...``). The indicator is the share who
never worked (``census_never_worked_pct``), published at LSOA level.

``england_lsoa_query_s``   ``dashboard.queries.observations`` (what the map page asks, uncached)
                           for that indicator at LSOA level, every place: median of 3 warm runs
``england_lsoa_rows``      rows it returns (33,755 places and their comparators)
``england_lsoa_values_bytes``  the values a map needs, as compact JSON ``{"E01...": 41.2, ...}``
``england_lsoa_rows_arrow_bytes``  the whole result as Arrow IPC (what a table would send)
``england_lsoa_geometry_bytes_estimate``  the LSOA map's measured bytes per LSOA (South
                           Midlands, ``map_payload_bytes.lsoa``) times 33,755
"""

from __future__ import annotations

import csv
import io
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

LOOKUP = "boundaries/lookups/LSOA21_MSOA21_LAD23_EW_LU_derived.csv"
LA_CODES = "boundaries/lookups/la_all_codes.csv"
INDICATOR = "census_never_worked_pct"
TS065 = [
    "Unemployment history: Total: All usual residents aged 16 years and over not in employment "
    "the week before the census",
    "Unemployment history: Not in employment: Worked in the last 12 months",
    "Unemployment history: Not in employment: Not worked in the last 12 months",
    "Unemployment history: Not in employment: Never worked",
]


def english_lsoas(shared: Path) -> list[dict]:
    """Every English LSOA of the real lookup: code, name, LAD code and name."""
    with open(shared / LOOKUP, encoding="utf-8-sig", newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["LSOA21CD"].startswith("E01")]


def write_inputs(shared: Path, folder: Path, seed: int = 15) -> tuple[Path, Path, int]:
    """The synthetic extract and the area config; returns them and the LSOA count."""
    lsoas = english_lsoas(shared)
    regions = {}
    with open(shared / LA_CODES, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            regions.setdefault(row["LADCD"], row["RGNCD"])
    extracts = folder / "extracts"
    extracts.mkdir(parents=True)
    (extracts / "lookups").symlink_to(shared / "boundaries" / "lookups")
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "geography", "geography code", *TS065])
    for row in lsoas:
        total = rng.randint(250, 900)
        worked = rng.randint(0, total // 3)
        never = rng.randint(0, (total - worked) // 3)
        writer.writerow([2021, row["LSOA21NM"], row["LSOA21CD"], total, worked,
                         total - worked - never, never])
    data = extracts / "SYNTHETIC_census2021-ts065-lsoa.csv"
    data.write_text(out.getvalue(), encoding="utf-8")
    lads = sorted({(r["LAD23CD"], r["LAD23NM"]) for r in lsoas})
    lines = ['[partnership]', 'code = "ENG-SYNTH"',
             'name = "England (synthetic figures)"', ""]
    for code, name in lads:
        lines += ["[[lad]]", f"code = {json.dumps(code)}", f"name = {json.dumps(name)}"]
        if regions.get(code, "").startswith("E12"):
            lines.append(f"region = {json.dumps(regions[code])}")
        lines.append("")
    area = folder / "england.toml"
    area.write_text("\n".join(lines), encoding="utf-8")
    return extracts, area, len(lsoas)


def run(tmp: Path, shared: Path | None, lsoa_payload: tuple[int, int] | None,
        log: Callable[[str], None]) -> dict:
    """The England figures (see the module docstring). ``lsoa_payload``: the LSOA map's bytes
    and its number of LSOAs, for the geometry estimate."""
    if shared is None or not (shared / LOOKUP).is_file():
        return {"england_skipped": "the real LSOA lookup is not on this machine"}
    import os

    import pyarrow as pa

    from core.area import load_area
    from dashboard import db, queries
    from etl import build

    folder = tmp / "england"
    extracts, area_file, n_lsoas = write_inputs(shared, folder)
    warehouse = folder / "england.duckdb"
    started = time.perf_counter()
    build.run("files", warehouse, from_dir=extracts, area=load_area(area_file))
    build_s = time.perf_counter() - started
    log(f"england: warehouse of {n_lsoas:,} synthetic LSOAs built in {build_s:.1f} s")
    previous = os.environ.get("WAREHOUSE_PATH")
    os.environ["WAREHOUSE_PATH"] = str(warehouse)
    try:
        query = queries.observations.__wrapped__  # the map's query, without the cache
        args = (db.version(), (INDICATOR,), "lsoa", (), "latest", "total", True)
        rows = query(*args)  # the first run opens the file
        times = []
        for _ in range(3):
            began = time.perf_counter()
            rows = query(*args)
            times.append(time.perf_counter() - began)
    finally:
        if previous is None:
            os.environ.pop("WAREHOUSE_PATH", None)
        else:
            os.environ["WAREHOUSE_PATH"] = previous
    places = rows[~rows["is_comparator"].astype(bool)]
    values = {code: (None if value != value else round(float(value), 1))
              for code, value in zip(places["area_code"], places["value"], strict=True)}
    sink = pa.BufferOutputStream()
    table = pa.Table.from_pandas(rows, preserve_index=False)
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    out = {
        "england_lsoas": n_lsoas,
        "england_build_s": round(build_s, 1),
        "england_lsoa_query_s": round(statistics.median(times), 3),
        "england_lsoa_query_runs_s": [round(t, 3) for t in times],
        "england_lsoa_rows": len(rows),
        "england_lsoa_places": len(places),
        "england_lsoa_values_bytes": len(json.dumps(values, separators=(",", ":")).encode()),
        "england_lsoa_rows_arrow_bytes": sink.getvalue().size,
        "england_synthetic": True,
    }
    if lsoa_payload and lsoa_payload[0] and lsoa_payload[1]:
        per = lsoa_payload[0] / lsoa_payload[1]
        out["england_lsoa_geometry_bytes_per_lsoa"] = round(per)
        out["england_lsoa_geometry_bytes_estimate"] = round(per * n_lsoas)
    log(f"england: LSOA query {out['england_lsoa_query_s']} s, {len(places):,} places, values "
        f"{out['england_lsoa_values_bytes']:,} bytes")
    return out
