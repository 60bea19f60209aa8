"""The DuckDB warehouse: schema, the build lock, and the write-then-swap that keeps it intact.

A build writes every table into a new file beside the live one, checks it, and only then moves it
over the old file with ``os.replace`` (atomic on one filesystem). A failed or interrupted build
leaves the warehouse in use byte-for-byte as it was; the half-written file a killed build leaves
is removed by the next build, once it holds the lock. ``ETL_PAUSE_WHILE_WRITING`` is a test hook
(see :func:`_pause_while_writing`).
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from core import settings
from core.errors import BuildLockedError, ValidationError

SCHEMA = Path(__file__).with_name("schema.sql").read_text(encoding="utf-8")

TABLES = (
    "sources",
    "indicators",
    "challenges",
    "areas",
    "area_lookup",
    "observations",
    "loads",
    "changes",
    "load_files",
)


@contextmanager
def build_lock(db_path: Path) -> Iterator[None]:
    """Hold an exclusive lock for one build of ``db_path``; a second build fails at once."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db_path.with_name(db_path.name + ".lock")
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise BuildLockedError(
                f"Another build of {db_path} is running ({holder}). Wait for it to finish; "
                "the warehouse in use is untouched."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        # With the lock held no other build is writing, so a half-written file beside the
        # warehouse is what a killed build left behind: remove it.
        for leftover in db_path.parent.glob(f".{db_path.name}.building-*"):
            leftover.unlink(missing_ok=True)
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Tables:
    """Every table of a new warehouse, as frames with the schema's columns."""

    sources: pd.DataFrame
    indicators: pd.DataFrame
    challenges: pd.DataFrame
    areas: pd.DataFrame
    area_lookup: pd.DataFrame
    observations: pd.DataFrame
    loads: pd.DataFrame
    changes: pd.DataFrame
    load_files: pd.DataFrame


def holds_real_data(db_path: Path) -> bool:
    """Whether the warehouse in use at ``db_path`` holds figures that are not the sample."""
    if not db_path.exists():
        return False
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error:
        return False
    try:
        row = con.execute(
            "SELECT count(*) FILTER (WHERE NOT coalesce(is_sample, false)) FROM sources"
        ).fetchone()
        return bool(row and row[0])
    except duckdb.Error:
        return False
    finally:
        con.close()


def read_previous(db_path: Path) -> dict[str, pd.DataFrame]:
    """Every table of the warehouse in use ({} if none or unreadable; a table an older
    warehouse lacks is left out)."""
    if not db_path.exists():
        return {}
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error:
        return {}
    try:
        present = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        return {
            name: con.execute(f"SELECT * FROM {name}").df() for name in TABLES if name in present
        }
    except duckdb.Error:
        return {}
    finally:
        con.close()


_CHECKS = [
    (
        "observations whose indicator is not in the catalogue",
        "SELECT DISTINCT indicator_id FROM observations "
        "WHERE indicator_id NOT IN (SELECT indicator_id FROM indicators)",
    ),
    (
        "observations whose area is not in the areas table",
        "SELECT DISTINCT area_code FROM observations "
        "WHERE area_code NOT IN (SELECT area_code FROM areas)",
    ),
    (
        "observations whose source is not in the sources table",
        "SELECT DISTINCT source_id FROM observations "
        "WHERE source_id NOT IN (SELECT source_id FROM sources)",
    ),
    (
        "percentages outside 0-100",
        "SELECT o.indicator_id || ' ' || o.area_code || ' ' || o.period_label || ' = ' || o.value "
        "FROM observations o JOIN indicators i USING (indicator_id) "
        "WHERE i.unit = '%' AND (o.value < 0 OR o.value > 100)",
    ),
    (
        "negative counts",
        "SELECT o.indicator_id || ' ' || o.area_code || ' ' || o.period_label || ' = ' || o.value "
        "FROM observations o JOIN indicators i USING (indicator_id) "
        "WHERE i.unit NOT IN ('%', 'ratio') AND o.value < 0",
    ),
    (
        "confidence limits that do not contain the value",
        "SELECT indicator_id || ' ' || area_code || ' ' || period_label FROM observations "
        "WHERE ci_lower IS NOT NULL AND ci_upper IS NOT NULL AND value IS NOT NULL "
        "AND NOT (ci_lower - 1e-6 <= value AND value <= ci_upper + 1e-6)",
    ),
    (
        "areas whose parent is not an area",
        "SELECT area_code FROM areas WHERE parent_code IS NOT NULL "
        "AND parent_code NOT IN (SELECT area_code FROM areas)",
    ),
]


def check(con: duckdb.DuckDBPyConnection) -> None:
    """Run the warehouse's consistency checks; raise ValidationError listing what failed."""
    problems = []
    for what, sql in _CHECKS:
        rows = [r[0] for r in con.execute(sql + " LIMIT 6").fetchall()]
        if rows:
            shown = ", ".join(str(r) for r in rows[:5]) + (" ..." if len(rows) > 5 else "")
            problems.append(f"{what}: {shown}")
    if problems:
        raise ValidationError(
            "The new warehouse failed its checks:\n  - " + "\n  - ".join(problems)
        )


PAUSE_ENV = "ETL_PAUSE_WHILE_WRITING"


def _pause_while_writing(tmp: Path) -> None:
    """Test hook: with ``ETL_PAUSE_WHILE_WRITING=<seconds>`` set, say so on stderr and wait,
    half-way through writing the new file (observations in, checks and later tables not yet).

    Lets the fault-injection tests kill a build, or start a second one, at a known moment.
    Unset (always, outside those tests) it does nothing.
    """
    seconds = settings.pause_while_writing()
    if not seconds:
        return
    print(f"etl: paused while writing {tmp} ({PAUSE_ENV}={seconds:g})", file=sys.stderr, flush=True)
    time.sleep(seconds)


def write(db_path: Path, tables: Tables) -> None:
    """Write ``tables`` to a new file, check it, then swap it in place of ``db_path``."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute(SCHEMA)
            for name in TABLES:
                df = getattr(tables, name)
                cols = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
                missing = [c for c in cols if c not in df.columns]
                if missing:
                    raise ValidationError(f"table {name} is missing columns {missing}")
                con.register("_frame", df[cols])
                try:
                    con.execute(f"INSERT INTO {name} SELECT * FROM _frame")
                except duckdb.Error as exc:
                    raise ValidationError(f"table {name} could not be written: {exc}") from None
                con.unregister("_frame")
                if name == "observations":
                    _pause_while_writing(tmp)
            check(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
