"""Shared test fixtures: where the real public data lives, and small warehouses built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import settings

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


SHARED_DATA = settings.shared_data_dir()


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
    """Tests never touch the developer's warehouse, geometry or HTTP cache, and no setting of
    the shell they run in (``ETL_OFFLINE=1``, a local ``NOMIS_API_BASE``...) reaches them: a
    test that needs one sets it."""
    for setting in settings.SETTINGS:
        if setting.name != "SHARED_DATA_DIR":
            monkeypatch.delenv(setting.name, raising=False)
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("ETL_CACHE_DIR", str(tmp_path / "http-cache"))
    monkeypatch.setenv("GEO_DIR", str(tmp_path / "geo"))
    monkeypatch.delenv("AREA_CONFIG", raising=False)
