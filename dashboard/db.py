"""Read-only access to the DuckDB warehouse.

One connection per warehouse file, cached across sessions and keyed on the file's modification
time, so a build swapped in by ``python -m etl build`` is picked up on the next rerun (the old
connection is closed). Each query takes its own cursor and binds its parameters.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from core.settings import warehouse_path as default_db_path

REQUIRED_TABLES = ("observations", "indicators", "areas", "sources", "challenges", "loads")

BUILD_HINT = (
    "Build it with `make run` (sets everything up and starts the dashboard), or run "
    "`python -m etl build --sample` for the bundled sample, or "
    "`python -m etl build --from <folder of downloaded extracts>`."
)


class WarehouseUnavailable(RuntimeError):
    """The warehouse file is missing or cannot be read; the message says what to run."""


def warehouse_path() -> Path:
    """The warehouse in use (``WAREHOUSE_PATH``, else data/warehouse.duckdb)."""
    return default_db_path()


def _close(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):
        con.close()


@st.cache_resource(max_entries=1, on_release=_close, show_spinner=False)
def _connect(path: str, stamp: str) -> duckdb.DuckDBPyConnection:
    """Open ``path`` read-only (``stamp``, the file's version, only keys the cache)."""
    con = duckdb.connect(path, read_only=True)
    try:
        names = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
    except duckdb.Error:
        con.close()
        raise
    missing = [t for t in REQUIRED_TABLES if t not in names]
    if missing:
        con.close()
        raise WarehouseUnavailable(
            f"The warehouse at {path} is incomplete (no {', '.join(missing)} table). "
            + BUILD_HINT
        )
    if not con.execute("SELECT EXISTS (SELECT 1 FROM observations)").fetchone()[0]:
        con.close()  # every page would be empty (or fail): say once what to do instead
        raise WarehouseUnavailable(f"The warehouse at {path} holds no figures. " + BUILD_HINT)
    return con


def version() -> str:
    """The warehouse file and its modification time: part of every cached query's key."""
    path = warehouse_path()
    try:
        return f"{path.resolve()}:{path.stat().st_mtime_ns}"
    except OSError:
        raise WarehouseUnavailable(
            f"No warehouse found at {path}. " + BUILD_HINT
        ) from None


_OPEN: dict[str, str | None] = {"stamp": None}


def connection() -> duckdb.DuckDBPyConnection:
    """The shared read-only connection to the current warehouse file.

    When the file has changed (a new build swapped in), the old connection is closed before the
    new one opens: DuckDB shares one database instance per path within a process, so opening
    first would hand back the replaced file's data.
    """
    path = warehouse_path()
    stamp = version()
    if _OPEN["stamp"] not in (None, stamp):
        _connect.clear()
    _OPEN["stamp"] = stamp
    try:
        return _connect(str(path.resolve()), stamp)
    except WarehouseUnavailable:
        raise
    except (duckdb.Error, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WarehouseUnavailable(
            f"The warehouse at {path} cannot be read ({first_line}). " + BUILD_HINT
        ) from None


def query_df(sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run one parameterised query on its own cursor and return a DataFrame."""
    cur = connection().cursor()
    try:
        return cur.execute(sql, params or {}).df()
    except duckdb.CatalogException as exc:
        raise WarehouseUnavailable(
            f"The warehouse at {warehouse_path()} has an older layout ({exc}). " + BUILD_HINT
        ) from None
    finally:
        cur.close()
