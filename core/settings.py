"""Every environment variable the project reads, read here and nowhere else.

The README's "Settings" table lists exactly :data:`SETTINGS` (a test holds the two equal).
Each value is read when asked for, so a test or a command can change the environment first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, the default a reader sees, and what it does."""

    name: str
    default: str
    description: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "WAREHOUSE_PATH",
        "data/warehouse.duckdb",
        "the warehouse the ETL writes and the app reads",
    ),
    Setting("GEO_DIR", "data/geo", "built map geometry and lookups"),
    Setting("AREA_CONFIG", "area.toml", "the partnership area"),
    Setting("ETL_CACHE_DIR", "data/cache", "raw HTTP responses of the live clients"),
    Setting(
        "ETL_CACHE_MAX_AGE_HOURS",
        "24",
        "cached responses older than this are fetched again (served stale when offline)",
    ),
    Setting("ETL_HTTP_MIN_INTERVAL", "1.0", "seconds between two requests to one host"),
    Setting("ETL_OFFLINE", "unset", "`1` never touches the network (cache only)"),
    Setting(
        "NOMIS_API_BASE",
        "the public service",
        "point the Nomis client elsewhere (tests use a local replaying server)",
    ),
    Setting(
        "GEO_ARCGIS_BASE",
        "the public service",
        "point the ONS Open Geography Portal client elsewhere (tests use a local replaying "
        "server)",
    ),
    Setting(
        "SHARED_DATA_DIR",
        "../shared/data",
        "real public files the tests check figures against (tests skip, saying why, where absent)",
    ),
    Setting(
        "ETL_PAUSE_WHILE_WRITING",
        "unset",
        "fault tests only: seconds a build pauses while writing, so a test can kill it there",
    ),
)

NOMIS_API_DEFAULT = "https://www.nomisweb.co.uk/api/v01"


def _raw(name: str) -> str:
    return os.environ.get(name, "").strip()


def _path(name: str, default: Path) -> Path:
    raw = _raw(name)
    return Path(raw).expanduser() if raw else default


def _float(name: str, default: float) -> float:
    raw = _raw(name)
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


def warehouse_path() -> Path:
    """``$WAREHOUSE_PATH``, else ``data/warehouse.duckdb`` in the repository."""
    return _path("WAREHOUSE_PATH", REPO_ROOT / "data" / "warehouse.duckdb")


def geo_dir() -> Path:
    """Where built geometry lives: ``$GEO_DIR``, else ``data/geo`` in the repository."""
    return _path("GEO_DIR", REPO_ROOT / "data" / "geo")


def area_config() -> Path:
    """The area file in use: ``$AREA_CONFIG``, else the repository's ``area.toml``."""
    return _path("AREA_CONFIG", REPO_ROOT / "area.toml")


def cache_dir() -> Path:
    """Raw HTTP responses: ``$ETL_CACHE_DIR``, else ``data/cache`` in the repository."""
    return _path("ETL_CACHE_DIR", REPO_ROOT / "data" / "cache")


def cache_max_age_hours() -> float:
    return _float("ETL_CACHE_MAX_AGE_HOURS", 24.0)


def http_min_interval() -> float:
    return _float("ETL_HTTP_MIN_INTERVAL", 1.0)


def offline() -> bool:
    return _raw("ETL_OFFLINE").lower() in {"1", "true", "yes"}


def nomis_api_base() -> str:
    return (_raw("NOMIS_API_BASE") or NOMIS_API_DEFAULT).rstrip("/")


def arcgis_base() -> str | None:
    """``$GEO_ARCGIS_BASE`` if set; else None (``geo/live_sources.toml`` names the service)."""
    return _raw("GEO_ARCGIS_BASE").rstrip("/") or None


def shared_data_dir() -> Path | None:
    """The real public files (a folder holding ``SOURCES.md``), or None where there are none.

    ``$SHARED_DATA_DIR`` if set; else ``shared/data`` beside the repository or beside any folder
    above it (CI clones the repository next to it), else the development machines' copy.
    """
    raw = _raw("SHARED_DATA_DIR")
    candidates = [Path(raw).expanduser()] if raw else []
    candidates += [parent / "shared" / "data" for parent in REPO_ROOT.parents]
    candidates.append(Path("/work/shared/data"))
    return next((c for c in candidates if (c / "SOURCES.md").is_file()), None)


def pause_while_writing() -> float:
    """Seconds a build pauses mid-write (0 unless a fault test asks)."""
    return max(_float("ETL_PAUSE_WHILE_WRITING", 0.0), 0.0)
