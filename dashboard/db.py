"""Read-only access to the DuckDB warehouse, shared by every session of the app.

Each version of the warehouse file (a new build is swapped in under the same name) is opened
once, read-only, and shared: a :class:`Warehouse`. Every query leases the current one for as
long as it runs (:func:`lease`). When a new build appears, the next query opens it and the old
one is retired, closed only once the last query that began on it has finished: a query always
ends on the file it started with, and a new build is read on the next rerun.

DuckDB keeps one database instance per file name in a process, so reopening the name while the
old file is open would hand back the old data: each version is attached to an in-memory
database of its own instead. Each query takes its own cursor and binds its parameters.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

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


class Warehouse:
    """One version of the warehouse file, open read-only; closed once retired and unused."""

    def __init__(self, path: Path, stamp: str) -> None:
        self.path = path
        self.stamp = stamp
        self.users = 0
        self.retired = False
        self.closed = False
        self._con = duckdb.connect(":memory:")
        try:
            self._con.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(path)])
            self._con.execute("USE warehouse")
        except BaseException:
            self._con.close()
            raise

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own on this version (a cursor starts in the in-memory database)."""
        cur = self._con.cursor()
        cur.execute("USE warehouse")
        return cur

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(duckdb.Error):
            self._con.close()


def _open(path: Path, stamp: str) -> Warehouse:
    """Open and check one version; WarehouseUnavailable says what to run when it is unusable."""
    try:
        wh = Warehouse(path, stamp)
    except (duckdb.Error, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WarehouseUnavailable(
            f"The warehouse at {path} cannot be read ({first_line}). " + BUILD_HINT
        ) from None
    try:
        cur = wh.cursor()
        names = {r[0] for r in cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'warehouse'"
        ).fetchall()}
        missing = [t for t in REQUIRED_TABLES if t not in names]
        if missing:
            raise WarehouseUnavailable(
                f"The warehouse at {path} is incomplete (no {', '.join(missing)} table). "
                + BUILD_HINT
            )
        if not cur.execute("SELECT EXISTS (SELECT 1 FROM observations)").fetchone()[0]:
            # every page would be empty (or fail): say once what to do instead
            raise WarehouseUnavailable(f"The warehouse at {path} holds no figures. " + BUILD_HINT)
    except BaseException:
        wh.close()
        raise
    return wh


def version() -> str:
    """The warehouse's identity: the path, and the device, inode, size and modification time
    of the file it names (a link followed). Part of every cached query's key, so a new build (a
    new file swapped in) is never served stale. One ``stat``: it is asked on every query."""
    path = warehouse_path()
    try:
        info = os.stat(path)
    except OSError:
        raise WarehouseUnavailable(f"No warehouse found at {path}. " + BUILD_HINT) from None
    return f"{path}:{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"


_LOCK = threading.Lock()  # guards the current version and every version's count of users
_OPENING = threading.Lock()  # one thread opens a new version; the others wait for it
_CURRENT: dict[str, Warehouse | None] = {"open": None}


def _release(wh: Warehouse) -> None:
    """Called under ``_LOCK``: one query fewer; a retired version closes with its last."""
    wh.users -= 1
    if wh.retired and wh.users <= 0 and not wh.closed:
        wh.close()


def _current(stamp: str) -> Warehouse | None:
    """The open version if it is ``stamp``, with one more user."""
    with _LOCK:
        wh = _CURRENT["open"]
        if wh is not None and wh.stamp == stamp:
            wh.users += 1
            return wh
    return None


def _acquire() -> Warehouse:
    """The current version, opened if the file changed, with one more user.

    A version is labelled with the identity read just before it was opened; should the file be
    swapped again meanwhile, it holds newer figures than its label says (never older), and the
    next query opens the newest.
    """
    wh = _current(version())
    if wh is not None:
        return wh
    with _OPENING:
        stamp = version()
        wh = _current(stamp)  # another query may have opened it while this one waited
        if wh is not None:
            return wh
        new = _open(warehouse_path().resolve(), stamp)
        with _LOCK:
            old, _CURRENT["open"] = _CURRENT["open"], new
            if old is not None:
                old.retired = True
                if old.users <= 0:
                    old.close()
            new.users += 1
        return new


@contextlib.contextmanager
def lease() -> Iterator[Warehouse]:
    """The current warehouse version, kept open until the block ends."""
    wh = _acquire()
    try:
        yield wh
    finally:
        with _LOCK:
            _release(wh)


def query_df(sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run one parameterised query on its own cursor and return a DataFrame."""
    with lease() as wh:
        cur = wh.cursor()
        try:
            return cur.execute(sql, params or {}).df()
        except duckdb.CatalogException as exc:
            raise WarehouseUnavailable(
                f"The warehouse at {warehouse_path()} has an older layout ({exc}). " + BUILD_HINT
            ) from None
        finally:
            cur.close()
