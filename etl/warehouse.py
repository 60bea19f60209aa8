"""The DuckDB warehouse: schema, the build lock, and the write-then-swap that keeps it intact.

A build writes every table into a new file beside the live one, checks it, and only then moves it
over the old file with ``os.replace`` (atomic on one filesystem). A failed or interrupted build
leaves the warehouse in use byte-for-byte as it was; the half-written file a killed build leaves
is removed by the next build, once it holds the lock. ``ETL_PAUSE_WHILE_WRITING`` is a test hook
(see :func:`_pause_while_writing`).
"""

from __future__ import annotations

import contextlib
import errno
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
from core.errors import BuildLockedError, EtlError, ValidationError

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
    """Hold an exclusive lock for one build of ``db_path``; a second build fails at once.

    The lock is named after the real file (see :func:`real_path`), so a build through a link
    and one through the file's own name exclude each other.
    """
    db_path = real_path(db_path)
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


# Where an observation came from, for the checks' messages: its source's file (or URL) and,
# where the observations frame carries the line it was read from, that line (``_lines``).
_FROM = (
    " || ' (' || coalesce(regexp_extract(replace(s.origin, '\\', '/'), '[^/]*$'), o.source_id)"
    " || coalesce(', line ' || l.line, '') || ')' "
    "FROM observations o LEFT JOIN sources s USING (source_id) "
    "LEFT JOIN _lines l USING (indicator_id, area_code, period_start, period_end, breakdown) "
)

_CHECKS = [
    (
        "observations whose indicator is not in the catalogue",
        "SELECT DISTINCT o.indicator_id" + _FROM
        + "WHERE o.indicator_id NOT IN (SELECT indicator_id FROM indicators)",
    ),
    (
        "observations whose area is not in the areas table",
        "SELECT DISTINCT o.area_code" + _FROM
        + "WHERE o.area_code NOT IN (SELECT area_code FROM areas)",
    ),
    (
        "observations whose source is not in the sources table",
        "SELECT DISTINCT source_id FROM observations "
        "WHERE source_id NOT IN (SELECT source_id FROM sources)",
    ),
    (
        "percentages outside 0-100",
        "SELECT o.indicator_id || ' ' || o.area_code || ' ' || o.period_label || ' = ' || o.value"
        + _FROM
        + "WHERE o.indicator_id IN (SELECT indicator_id FROM indicators WHERE unit = '%') "
        "AND (o.value < 0 OR o.value > 100)",
    ),
    (
        "negative counts",
        "SELECT o.indicator_id || ' ' || o.area_code || ' ' || o.period_label || ' = ' || o.value"
        + _FROM
        + "WHERE o.indicator_id IN (SELECT indicator_id FROM indicators "
        "WHERE unit NOT IN ('%', 'ratio')) AND o.value < 0",
    ),
    (
        "confidence limits that do not contain the value",
        "SELECT o.indicator_id || ' ' || o.area_code || ' ' || o.period_label" + _FROM
        + "WHERE o.ci_lower IS NOT NULL AND o.ci_upper IS NOT NULL AND o.value IS NOT NULL "
        "AND NOT (o.ci_lower - 1e-6 <= o.value AND o.value <= o.ci_upper + 1e-6)",
    ),
    (
        "areas whose parent is not an area",
        "SELECT area_code FROM areas WHERE parent_code IS NOT NULL "
        "AND parent_code NOT IN (SELECT area_code FROM areas)",
    ),
]

_LINE_KEY = ["indicator_id", "area_code", "period_start", "period_end", "breakdown"]


def check(con: duckdb.DuckDBPyConnection, observations: pd.DataFrame | None = None) -> None:
    """Run the warehouse's consistency checks; raise ValidationError listing what failed, each
    figure with the file it came from (and its line, where ``observations`` has a ``line``)."""
    lines = (
        observations[[*_LINE_KEY, "line"]].dropna(subset=["line"])
        if observations is not None and "line" in observations.columns
        else pd.DataFrame({c: pd.Series(dtype="object") for c in [*_LINE_KEY, "line"]})
    )
    con.register("_lines", lines.astype({"line": "Int64"}))
    problems = []
    try:
        for what, sql in _CHECKS:
            rows = [r[0] for r in con.execute(sql + " LIMIT 6").fetchall()]
            if rows:
                shown = ", ".join(str(r) for r in rows[:5]) + (" ..." if len(rows) > 5 else "")
                problems.append(f"{what}: {shown}")
    finally:
        con.unregister("_lines")
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


def real_path(db_path: Path) -> Path:
    """The warehouse file itself: a symbolic link (``--db`` or ``WAREHOUSE_PATH`` pointing at a
    link) is followed, so the lock and the swap act on the file it names and the link stays a
    link."""
    return Path(db_path).expanduser().resolve()


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    text = str(exc)
    return isinstance(exc, duckdb.Error) and (
        "No space left on device" in text or "Disk quota exceeded" in text
    )


def _fsync(path: Path, folder: bool = False) -> None:
    """Flush a file (or a folder's entries) to disk."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if folder else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write(db_path: Path, tables: Tables) -> None:
    """Write ``tables`` to a new file, check it, then swap it in place of ``db_path``.

    The new file and its folder are flushed to disk before the swap, and the folder again
    after it, so a power cut leaves either warehouse whole. A full disk (at the final
    checkpoint or before) raises EtlError "no space left on <folder>"; the warehouse in use is
    unchanged.
    """
    db_path = real_path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        _write_new(tmp, tables)
        _fsync(tmp)
        _fsync(db_path.parent, folder=True)
        os.replace(tmp, db_path)
        _fsync(db_path.parent, folder=True)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if _disk_full(exc):
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else "disk full"
            raise EtlError(
                f"no space left on {db_path.parent}: the new warehouse could not be written "
                f"({detail}). The warehouse in use is unchanged; free some space and run "
                "the build again."
            ) from None
        raise
    finally:
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def _write_new(tmp: Path, tables: Tables) -> None:
    """Every table into the new file ``tmp``, checked and checkpointed."""
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
                if _disk_full(exc):
                    raise
                raise ValidationError(f"table {name} could not be written: {exc}") from None
            con.unregister("_frame")
            if name == "observations":
                _pause_while_writing(tmp)
        check(con, tables.observations)
        con.execute("CHECKPOINT")
    finally:
        with contextlib.suppress(duckdb.Error):  # after a fatal error the close fails too
            con.close()
