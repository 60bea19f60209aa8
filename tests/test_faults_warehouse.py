"""The warehouse write meets a full disk, a symbolic link, and figures out of range.

A full disk at the final checkpoint (a real 6 MB tmpfs where the test may mount one, else the
error DuckDB raises, injected) ends the build with "no space left on <folder>" and no traceback;
the warehouse in use keeps its bytes. A warehouse reached through a link is locked and replaced
as the file it names, and the link stays a link. A figure out of range is named with the file
it came from.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.errors import ValidationError
from etl import build, warehouse
from etl.__main__ import main
from etl.warehouse import PAUSE_ENV

REPO = Path(__file__).resolve().parent.parent
GOOD = build.SAMPLE_DIR / "SAMPLE_employment-rate.csv"


@contextlib.contextmanager
def small_disk(folder: Path, megabytes: int):
    """A tmpfs of ``megabytes`` mounted on ``folder`` (skips where mounting is not allowed)."""
    folder.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root; the injected disk-full test covers it")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs",
                           str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"could not mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_at_the_final_checkpoint_names_the_folder_and_keeps_the_warehouse(
    tmp_path, capsys
):
    first = tmp_path / "first.duckdb"
    assert main(["build", "--sample", "--quiet", "--db", str(first)]) == 0
    size = first.stat().st_size  # about 4.3 MB
    with small_disk(tmp_path / "small", megabytes=6) as disk:
        in_use = disk / "warehouse.duckdb"
        shutil.copy(first, in_use)  # the warehouse in use fills most of the disk
        before = in_use.read_bytes()
        assert shutil.disk_usage(disk).free < size
        capsys.readouterr()
        assert main(["build", "--sample", "--quiet", "--db", str(in_use)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"Build failed: no space left on {disk}: ")
        assert "No space left on device" in err and "Traceback" not in err
        assert f"The warehouse in use ({in_use}) was not changed." in err
        assert in_use.read_bytes() == before
        assert sorted(p.name for p in disk.iterdir()) == ["warehouse.duckdb",
                                                          "warehouse.duckdb.lock"]


def test_a_full_disk_raised_by_duckdb_is_named_without_a_traceback(tmp_path, monkeypatch,
                                                                     capsys):
    db = tmp_path / "warehouse.duckdb"
    assert main(["build", "--sample", "--quiet", "--db", str(db)]) == 0
    before = db.read_bytes()
    real_check = warehouse.check

    def check_then_fail(con, observations=None):
        real_check(con, observations)
        raise duckdb.FatalException(
            "FATAL Error: Failed to create checkpoint because of error: Could not write file "
            f'"{db.parent}/.warehouse.duckdb.building-1": No space left on device')

    monkeypatch.setattr(warehouse, "check", check_then_fail)
    capsys.readouterr()
    assert main(["build", "--sample", "--quiet", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Build failed: no space left on {tmp_path}: ")
    assert "Traceback" not in err
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".warehouse.duckdb.building-*"))


def test_the_new_file_and_its_folder_reach_the_disk_before_and_after_the_swap(
    tmp_path, monkeypatch
):
    db = tmp_path / "warehouse.duckdb"
    steps: list[str] = []
    real_fsync, real_replace = warehouse._fsync, os.replace
    monkeypatch.setattr(warehouse, "_fsync", lambda path, folder=False: (
        steps.append(("folder " if folder else "file ") + Path(path).name),
        real_fsync(path, folder))[1])
    monkeypatch.setattr(warehouse.os, "replace", lambda a, b: (
        steps.append(f"replace {Path(b).name}"), real_replace(a, b))[1])
    assert main(["build", "--sample", "--quiet", "--db", str(db)]) == 0
    new = f".warehouse.duckdb.building-{os.getpid()}"
    assert steps == [f"file {new}", f"folder {tmp_path.name}", "replace warehouse.duckdb",
                     f"folder {tmp_path.name}"]


def _pausing_build(db: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-B", "-m", "etl", "build", "--sample", "--quiet", "--db", str(db)],
        cwd=REPO, env={**os.environ, PAUSE_ENV: "8"}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "paused while writing" in line:
            return proc
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"the build never reached its pause: {proc.stderr.read()}")


def test_a_warehouse_reached_through_a_link_is_locked_and_replaced_as_the_real_file(
    tmp_path, monkeypatch, capsys
):
    real = tmp_path / "store" / "warehouse.duckdb"
    real.parent.mkdir()
    link = tmp_path / "current.duckdb"
    link.symlink_to(real)
    assert main(["build", "--sample", "--quiet", "--db", str(link)]) == 0
    assert link.is_symlink() and real.is_file() and not real.is_symlink()
    first = real.read_bytes()

    # A build through the link holds the lock; one through the real name is refused.
    proc = _pausing_build(link)
    capsys.readouterr()
    assert main(["build", "--sample", "--quiet", "--db", str(real)]) == 1
    err = capsys.readouterr().err
    assert f"Another build of {real} is running (pid {proc.pid})" in err
    # ...and the other way round, through WAREHOUSE_PATH set to the link.
    monkeypatch.setenv("WAREHOUSE_PATH", str(link))
    assert main(["build", "--sample", "--quiet"]) == 1
    assert "Another build of" in capsys.readouterr().err
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err

    assert link.is_symlink() and os.readlink(link) == str(real)  # still a link, to the file
    assert real.read_bytes() != first  # the new build went into the real file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current.duckdb", "store"]


def test_a_figure_out_of_range_is_named_with_the_file_it_came_from(tmp_path, capsys):
    folder = tmp_path / "downloads"
    folder.mkdir()
    header, first, *_ = GOOD.read_text(encoding="utf-8").splitlines()
    cells = first.split(",")
    cells[5] = "120.5"  # an employment rate of 120.5%
    (folder / "employment-rate.csv").write_text(header + "\n" + ",".join(cells) + "\n")
    db = tmp_path / "warehouse.duckdb"
    assert main(["build", "--from", str(folder), "--db", str(db), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert ("percentages outside 0-100: employment_rate_16_64 E06000055 2019 = 120.5 "
            "(employment-rate.csv)") in err


def test_a_check_names_the_line_where_the_observations_carry_it(tmp_path):
    con = duckdb.connect(str(tmp_path / "checked.duckdb"))
    con.execute(warehouse.SCHEMA)
    con.execute("INSERT INTO indicators VALUES ('rate', 'Rate', '%', '%', 1, 'none', [], [], "
                "'none', '', '', [], NULL)")
    con.execute("INSERT INTO areas VALUES ('E06000032', 'Luton', 'Luton', 'lad', NULL, "
                "'E06000032', NULL, true, NULL, NULL)")
    con.execute("INSERT INTO sources (source_id, dataset, publisher, title, licence, attribution,"
                " origin, sha256) VALUES ('s1', 'd', 'p', 't', 'l', 'a', "
                f"'{tmp_path}/in/rates.csv', 'x')")
    key = {"indicator_id": "rate", "area_code": "E06000032",
           "period_start": pd.Timestamp("2023-01-01").date(),
           "period_end": pd.Timestamp("2023-12-31").date(), "breakdown": "total"}
    con.execute("INSERT INTO observations (indicator_id, area_code, period_start, period_end, "
                "period_label, breakdown, value, source_id, load_id) VALUES ('rate', "
                "'E06000032', DATE '2023-01-01', DATE '2023-12-31', '2023', 'total', 140, 's1', "
                f"'{uuid.uuid4().hex}')")
    with pytest.raises(ValidationError) as err:
        warehouse.check(con, pd.DataFrame([{**key, "line": 17}]))
    assert "percentages outside 0-100: rate E06000032 2023 = 140.0 (rates.csv, line 17)" in str(
        err.value)
    with pytest.raises(ValidationError, match=r"= 140.0 \(rates.csv\)"):
        warehouse.check(con)
