"""What every benchmark shares: where the real data is, the data the app is measured on, timing.

Every figure is the median of several runs, and every time is also given as a ratio to a baseline
measured in the same run on the same machine, so a busy shared machine moves both together.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGES = ("overview", "map", "profile", "compare", "data", "about")


def find_shared_data() -> Path | None:
    """The real public files: ``$SHARED_DATA_DIR``, else a ``shared/data`` beside the repo
    (the same search as tests/conftest.py)."""
    env = os.environ.get("SHARED_DATA_DIR")
    candidates = [Path(env)] if env else []
    candidates += [parent / "shared" / "data" for parent in REPO.parents]
    candidates.append(Path("/work/shared/data"))
    for path in candidates:
        if (path / "SOURCES.md").is_file():
            return path
    return None


def median_of(fn: Callable[[], float], runs: int) -> tuple[float, list[float]]:
    """Call ``fn`` (which returns one measurement) ``runs`` times; the median and every run."""
    values = [fn() for _ in range(runs)]
    return statistics.median(values), values


def timed(fn: Callable[[], object]) -> float:
    """Seconds ``fn`` takes (wall clock)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def ratio(value: float | None, baseline: float | None) -> float | None:
    """``value / baseline``, rounded, or None when either is missing."""
    if value is None or not baseline:
        return None
    return round(value / baseline, 2)


@dataclass(frozen=True)
class BenchData:
    """The data the app is measured on: a warehouse and map geometry in a temporary folder."""

    warehouse: Path
    geo_dir: Path
    is_sample: bool
    shared: Path | None
    note: str


def build_app_data(tmp: Path, shared: Path | None, log: Callable[[str], None]) -> BenchData:
    """Build map geometry and a warehouse with the project's own builds (real data if present).

    Real: ``geo build --from <shared>/boundaries`` and ``etl build --from <shared>`` (the whole
    folder, read in place: every extract, with the boundary lookups). Otherwise the bundled
    sample warehouse and the schematic sample geometry.
    """
    from etl import build as etl_build
    from geo import build as geo_build

    geo_dir = tmp / "geo"
    warehouse = tmp / "app.duckdb"
    os.environ["GEO_DIR"] = str(geo_dir)
    if shared is not None:
        log(f"building map geometry from {shared / 'boundaries'}")
        geo_build.run("files", geo_dir, from_dir=shared / "boundaries")
        log(f"building the app's warehouse from every extract under {shared}")
        etl_build.run("files", warehouse, from_dir=shared)
        note = f"real public data from {shared}"
    else:
        log("shared data absent: building the bundled SAMPLE warehouse and schematic geometry")
        geo_build.run("sample", geo_dir)
        etl_build.run("sample", warehouse)
        note = ("BUNDLED SAMPLE, not the real data (the real data folder was not found, or "
                "--sample was given): figures are not comparable with real-data runs, and the "
                "sample has no MSOA/LSOA geometry")
    os.environ["WAREHOUSE_PATH"] = str(warehouse)
    return BenchData(warehouse, geo_dir, shared is None, shared, note)
