"""``python -m bench``: every performance figure, as a table and in bench/results.json.

Options: ``--runs N`` (measured runs per figure, default 3), ``--sessions N`` (concurrent browser
sessions, default 10), ``--only etl,pages,payload,browser`` (a subset), ``--out PATH``,
``--sample`` (the bundled sample even where the real data is present).
See docs/performance.md for what each figure measures and the targets.
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

STAGES = ("etl", "pages", "payload", "browser")
TARGETS = {
    "page_rerun_ratio": 3.0,  # every page
    "browser_map_ratio": 2.0,
    "map_payload_bytes.lsoa": 800_000,
    "etl_ratio": 4.0,
    "concurrent_errors": 0,
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
    """Each target: the figure, the limit, met or not, and by how much."""
    out = {}
    for page, value in (results.get("page_rerun_ratio") or {}).items():
        out[f"page_rerun_ratio.{page}"] = (value, TARGETS["page_rerun_ratio"])
    out["browser_map_ratio"] = (results.get("browser_map_ratio"), TARGETS["browser_map_ratio"])
    lsoa = (results.get("map_payload_bytes") or {}).get("lsoa")
    out["map_payload_bytes.lsoa"] = (lsoa, TARGETS["map_payload_bytes.lsoa"])
    out["etl_ratio"] = (results.get("etl_ratio"), TARGETS["etl_ratio"])
    out["concurrent_errors"] = (results.get("concurrent_errors"), TARGETS["concurrent_errors"])
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
    add("page_rerun_baseline_ms", results.get("page_rerun_baseline_ms"), "bare one-line page")
    for page, ms in (results.get("page_rerun_ms") or {}).items():
        add(f"page_rerun_ms.{page}", ms)
        add(f"page_rerun_ratio.{page}", results["page_rerun_ratio"][page],
            mark(f"page_rerun_ratio.{page}"))
    for level, size in (results.get("map_payload_bytes") or {}).items():
        add(f"map_payload_bytes.{level}", size,
            mark("map_payload_bytes.lsoa") if level == "lsoa" else "")
    for key in ("browser_map_ms", "browser_bare_ms"):
        add(key, results.get(key))
    add("browser_map_ratio", results.get("browser_map_ratio"), mark("browser_map_ratio"))
    for key in ("concurrent_sessions", "concurrent_baseline_p95_ms", "concurrent_p95_ms",
                "concurrent_p95_ratio", "concurrent_median_ms"):
        add(key, results.get(key))
    add("concurrent_errors", results.get("concurrent_errors"), mark("concurrent_errors"))
    add("server_peak_rss_mb", results.get("server_peak_rss_mb"),
        f"bare server {results.get('bare_server_peak_rss_mb')} MB")
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows if r[0] != "data")
    lines = [f"{'figure':{width}s}  {'value':>{vwidth}s}  note", "-" * (width + vwidth + 30)]
    for key, value, note in rows:
        if key == "data":
            lines.insert(0, f"data: {value}")
            continue
        lines.append(f"{key:{width}s}  {value:>{vwidth}s}  {note}".rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="measured runs per figure")
    parser.add_argument("--sessions", type=int, default=10, help="concurrent browser sessions")
    parser.add_argument("--changes", type=int, default=3, help="filter changes per session")
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
        if "browser" in stages:
            from bench import browser_bench

            results.update(browser_bench.run(tmp, data.warehouse, data.geo_dir, args.runs,
                                             max(args.sessions, 1), args.changes, _log))
    results["targets"] = verdicts(results)
    for group in ("page_rerun_ms", "page_rerun_ratio", "map_payload_bytes"):
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
