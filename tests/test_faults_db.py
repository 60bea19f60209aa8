"""Many sessions reading while new warehouses are swapped in.

The app shares one read-only DuckDB handle per warehouse file across sessions. When a build
swaps a new file in, a query another session started on the old file must finish there: here
eight threads run 3,000+ queries while a ninth swaps a new warehouse in every 200 ms. No
query may fail, and every answer must come whole from one warehouse.
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from dashboard import db, queries
from etl.__main__ import main

QUERY = """
SELECT (SELECT max(load_id) FROM loads) AS load_id, count(*) AS n, sum(value) AS total
FROM observations
"""


@pytest.fixture()
def two_builds(tmp_path, monkeypatch):
    """Two sample warehouses (different load ids), and the path the app reads."""
    builds = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.duckdb"
        assert main(["build", "--sample", "--quiet", "--db", str(path)]) == 0
        builds.append(path)
    live = tmp_path / "warehouse.duckdb"
    shutil.copy(builds[0], live)
    monkeypatch.setenv("WAREHOUSE_PATH", str(live))
    return builds, live


def _answers(builds) -> dict[str, tuple]:
    import duckdb

    out = {}
    for path in builds:
        con = duckdb.connect(str(path), read_only=True)
        try:
            load_id, n, total = con.execute(QUERY).fetchone()
        finally:
            con.close()
        out[load_id] = (n, total)
    return out


def test_queries_never_fail_while_new_warehouses_are_swapped_in(two_builds):
    builds, live = two_builds
    expected = _answers(builds)
    assert len(expected) == 2
    stop = threading.Event()
    errors: list[str] = []
    done: list[str] = []
    swaps = [0]

    def reader() -> None:
        while not stop.is_set():
            try:
                row = db.query_df(QUERY).iloc[0]
                if (int(row["n"]), float(row["total"])) != expected[row["load_id"]]:
                    errors.append(f"a mixed answer: {row.to_dict()}")
                done.append(row["load_id"])
            except Exception as exc:  # every failure counts
                errors.append(f"{type(exc).__name__}: {exc}")

    def swapper() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            tmp = live.with_name(f".swap-{i}")
            shutil.copy(builds[i % 2], tmp)
            os.replace(tmp, live)
            swaps[0] += 1
            time.sleep(0.2)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    threads.append(threading.Thread(target=swapper))
    for t in threads:
        t.start()
    started = time.monotonic()
    deadline = started + 240
    while (len(done) < 3_000 or swaps[0] < 50) and time.monotonic() < deadline and len(errors) < 50:
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    print(f"{len(done)} queries, {swaps[0]} swaps in {time.monotonic() - started:.1f} s")
    assert errors == [], f"{len(errors)} error(s), first: {errors[:3]}"
    assert len(done) >= 3_000
    assert swaps[0] >= 50 and set(done) == set(expected)  # both warehouses were read, often


def test_the_cached_queries_follow_each_new_warehouse(two_builds):
    builds, live = two_builds
    first = queries.info()["load_id"]
    tmp = live.with_name(".swap")
    shutil.copy(builds[1], tmp)
    os.replace(tmp, live)
    second = queries.info()["load_id"]
    assert first != second  # a new build is never served stale
    assert set(_answers(builds)) == {first, second}


def test_a_retired_warehouse_is_closed_once_its_last_query_is_done(two_builds):
    builds, live = two_builds
    with db.lease() as old:
        tmp = live.with_name(".swap")
        shutil.copy(builds[1], tmp)
        os.replace(tmp, live)
        with db.lease() as new:
            assert new is not old
            assert not old.closed  # still in use by the query that began on it
        assert old.cursor().execute("SELECT count(*) FROM loads").fetchone()[0] == 1
    assert old.closed and not new.closed
