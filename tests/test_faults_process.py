"""The build process killed mid-write, and two builds at once.

``python -m etl build`` runs as a subprocess (the second build of the two-at-once case is this
process's ``etl.__main__.main``, whose return value is the exit code). ``ETL_PAUSE_WHILE_WRITING``
(a test hook in etl/warehouse.py, inert unless set) makes the subprocess say on stderr that it is
half-way through writing its new file and wait there, so the kill or the second build lands at a
known moment.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import warehouse_path as default_db_path
from etl.__main__ import main
from etl.warehouse import PAUSE_ENV
from tests.fixtures.faults.support import assert_still_served, served, warehouse_bytes

REPO = Path(__file__).resolve().parent.parent


def start_build(pause: float) -> subprocess.Popen:
    """``python -m etl build --sample`` that pauses half-way through writing; returns once it
    has said so on stderr."""
    env = {**os.environ, PAUSE_ENV: str(pause)}
    proc = subprocess.Popen(
        [sys.executable, "-B", "-m", "etl", "build", "--sample", "--quiet",
         "--db", str(default_db_path())],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "paused while writing" in line:
            return proc
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"the build never reached its pause: {proc.stderr.read()}")


def leftovers() -> list[Path]:
    db = default_db_path()
    return sorted(db.parent.glob(f".{db.name}.building-*"))


@pytest.fixture()
def in_use():
    assert main(["build", "--sample", "--quiet"]) == 0
    return warehouse_bytes(), served()


def test_a_build_killed_while_writing_leaves_the_warehouse_in_use_and_a_later_build_works(
    in_use,
):
    before, shown = in_use
    proc = start_build(pause=60)
    half_written = [p.name for p in leftovers()]  # the new file (and its write-ahead log)
    assert f".warehouse.duckdb.building-{proc.pid}" in half_written
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert warehouse_bytes() == before  # the half-written file never went into use
    assert_still_served(shown)

    assert main(["build", "--sample", "--quiet"]) == 0
    assert leftovers() == []  # the next build cleared what the killed one left
    assert served().load_id != shown.load_id


def test_a_second_build_while_one_runs_is_refused_and_the_first_completes(in_use, capsys):
    before, shown = in_use
    first = start_build(pause=8)
    capsys.readouterr()
    # The second build is this process's command line (no interpreter start-up to wait for).
    assert main(["build", "--sample", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"Another build of {default_db_path()} is running (pid {first.pid})" in err
    assert "the warehouse in use is untouched" in err
    assert "Traceback" not in err
    assert warehouse_bytes() == before
    assert_still_served(shown)

    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert "built (sample, SAMPLE DATA)" in out
    now = served()
    assert now.load_id != shown.load_id and now.figures.equals(shown.figures)
