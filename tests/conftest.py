"""Shared test fixtures: where the real public data lives, and small warehouses built from it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _find_shared_data() -> Path | None:
    """The real public files: $SHARED_DATA_DIR, else a shared/data folder beside the repo."""
    env = os.environ.get("SHARED_DATA_DIR")
    candidates = [Path(env)] if env else []
    candidates += [parent / "shared" / "data" for parent in REPO_ROOT.parents]
    candidates.append(Path("/work/shared/data"))
    for path in candidates:
        if (path / "SOURCES.md").is_file():
            return path
    return None


SHARED_DATA = _find_shared_data()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data folder; tests using it skip, with the reason, where it is absent."""
    if SHARED_DATA is None:
        pytest.skip(
            "real public data (../shared/data with SOURCES.md) is not on this machine; "
            "set SHARED_DATA_DIR to run this test"
        )
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """Tests never touch the developer's warehouse, geometry or HTTP cache."""
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("ETL_CACHE_DIR", str(tmp_path / "http-cache"))
    monkeypatch.setenv("GEO_DIR", str(tmp_path / "geo"))
    monkeypatch.delenv("AREA_CONFIG", raising=False)
