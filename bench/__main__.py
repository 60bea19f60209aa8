"""``python -m bench``: every performance figure, as a table and in bench/results.json.

Options: ``--runs N`` (measured runs per figure, default 3), ``--sessions N`` (concurrent
websocket users, default 50), ``--window S`` (the seconds within which each changes the
indicator, default 60), ``--only etl,pages,payload,england,browser,load`` (a subset),
``--out PATH``, ``--sample`` (the bundled sample even where the real data is present).
See docs/performance.md for what each figure measures and the goals.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import REPO, build_app_data, find_shared_data

STAGES = ("etl", "pages", "payload", "england", "browser", "load")
TARGETS = {
    "page_floor_ratio": 1.5,  # every page
    "map_floor_ratio": 1.3,
    "concurrent_errors": 0,
    "concurrent_p95_ratio": 3.0,
    "server_peak_rss_mb": 1024,
    "etl_ratio": 2.0,
    "etl_ratio_all": 2.0,
    "england_lsoa_query_s": 1.0,
    "map_payload_bytes.lsoa": 800_000,
}


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    """What the figures were measured on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": mem,
            "python": platform.python_version(), "platform": platform.platform()}


def verdicts(results: dict) -> dict[str, dict]:
    """Each goal: the figure, the limit, met or not, and by how much."""
    out = {}
    for page, value in (results.get("page_floor_ratio") or {}).items():
        out[f"page_floor_ratio.{page}"] = (value, TARGETS["page_floor_ratio"])
    lsoa = (results.get("map_payload_bytes") or {}).get("lsoa")
    for key, limit in TARGETS.items():
        if key == "page_floor_ratio":
            continue
        out[key] = (lsoa if key == "map_payload_bytes.lsoa" else results.get(key), limit)
    return {
        key: {"value": value, "limit": limit,
              "met": None if value is None else value <= limit,
              "over_by": None if value is None or value <= limit else round(value / limit, 2)
              if limit else value}
        for key, (value, limit) in out.items()
    }


def table(results: dict) -> str:
    """The readable table printed at the end."""
    rows: list[tuple[str, str, str]] = []

    def add(key: str, value: object, note: str = "") -> None:
        shown = "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)
        rows.append((key, shown, note))

    checks = results.get("targets", {})

    def mark(key: str) -> str:
        c = checks.get(key)
        if not c or c["met"] is None:
            return ""
        return f"target <= {c['limit']:,}: " + ("met" if c["met"] else f"MISSED (x{c['over_by']})")

    add("data", results.get("data"))
    for key in ("etl_build_s", "etl_read_floor_s"):
        add(key, results.get(key))
    add("etl_ratio", results.get("etl_ratio"), mark("etl_ratio"))
    for key in ("etl_build_all_s", "etl_read_floor_all_s"):
        add(key, results.get(key))
    add("etl_ratio_all", results.get("etl_ratio_all"), mark("etl_ratio_all"))
    for page, ms in (results.get("page_rerun_ms") or {}).items():
        add(f"page_rerun_ms.{page}", ms)
        add(f"page_floor_ms.{page}", results["page_floor_ms"][page])
        add(f"page_floor_ratio.{page}", results["page_floor_ratio"][page],
            mark(f"page_floor_ratio.{page}"))
    for level, size in (results.get("map_payload_bytes") or {}).items():
        add(f"map_payload_bytes.{level}", size,
            mark("map_payload_bytes.lsoa") if level == "lsoa" else "")
    for key in ("england_lsoas", "england_lsoa_values_bytes",
                "england_lsoa_geometry_bytes_estimate"):
        add(key, results.get(key))
    add("england_lsoa_query_s", results.get("england_lsoa_query_s"),
        mark("england_lsoa_query_s"))
    for key in ("browser_map_ms", "browser_map_floor_ms"):
        add(key, results.get(key))
    add("map_floor_ratio", results.get("map_floor_ratio"), mark("map_floor_ratio"))
    for key in ("concurrent_sessions", "concurrent_requests", "concurrent_baseline_p95_ms",
                "concurrent_p95_ms"):
        add(key, results.get(key))
    add("concurrent_p95_ratio", results.get("concurrent_p95_ratio"),
        mark("concurrent_p95_ratio"))
    add("concurrent_errors", results.get("concurrent_errors"), mark("concurrent_errors"))
    add("server_peak_rss_mb", results.get("server_peak_rss_mb"), mark("server_peak_rss_mb"))
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows if r[0] != "data")
    lines = [f"{'figure':{width}s}  {'value':>{vwidth}s}  note", "-" * (width + vwidth + 30)]
    for key, value, note in rows:
        if key == "data":
            lines.insert(0, f"data: {value}")
            continue
        lines.append(f"{key:{width}s}  {value:>{vwidth}s}  {note}".rstrip())
    return "\n".join(lines)


def _lsoa_payload(results: dict, data) -> tuple[int, int] | None:
    """The LSOA map's bytes and its number of LSOAs (for the England geometry estimate)."""
    size = (results.get("map_payload_bytes") or {}).get("lsoa")
    if not size:
        return None
    from geo import available_levels, load_level

    if "lsoa" not in available_levels(data.geo_dir):
        return None
    return size, len(load_level("lsoa", data.geo_dir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="measured runs per figure")
    parser.add_argument("--sessions", type=int, default=50, help="concurrent websocket users")
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds within which each user changes the indicator")
    parser.add_argument("--arrive-within", type=float, default=20.0,
                        help="seconds within which the users arrive")
    parser.add_argument("--only", default=",".join(STAGES), help="stages to run")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.json")
    parser.add_argument("--sample", action="store_true",
                        help="use the bundled sample even where the real data folder exists")
    args = parser.parse_args(argv)
    stages = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(stages) - set(STAGES)
    if unknown:
        parser.error(f"unknown stage(s) {sorted(unknown)}; choose from {', '.join(STAGES)}")

    started = time.perf_counter()
    shared = None if args.sample else find_shared_data()
    results: dict = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                     "machine": machine(), "runs": args.runs}
    with tempfile.TemporaryDirectory(prefix="gsmw-bench-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ["ETL_CACHE_DIR"] = str(tmp / "http-cache")
        os.environ.pop("AREA_CONFIG", None)
        data = build_app_data(tmp, shared, _log)
        results["data"] = data.note
        results["is_sample"] = data.is_sample
        if "etl" in stages:
            from bench import etl_bench

            results.update(etl_bench.run(tmp, shared, args.runs, _log))
        if "pages" in stages:
            from bench import pages_bench

            results.update(pages_bench.run(tmp, args.runs, _log))
        if "payload" in stages:
            from bench import payload_bench

            results.update(payload_bench.run(shared, data.warehouse, _log))
        if "england" in stages:
            from bench import england_bench

            results.update(england_bench.run(tmp, shared, _lsoa_payload(results, data),
                                             _log))
        if "browser" in stages:
            from bench import browser_bench

            results.update(browser_bench.run(tmp, data.warehouse, data.geo_dir, args.runs,
                                             _log))
        if "load" in stages:
            from bench import load_bench

            results.update(load_bench.run(tmp, data.warehouse, data.geo_dir, args.sessions,
                                          args.window, args.arrive_within, _log))
    results["targets"] = verdicts(results)
    for group in ("page_rerun_ms", "page_floor_ms", "page_floor_ratio", "page_rerun_ratio",
                  "map_payload_bytes"):
        for key, value in (results.get(group) or {}).items():
            results[f"{group}.{key}"] = value  # the same figures under flat keys too
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\n{results['elapsed_s']} s; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
