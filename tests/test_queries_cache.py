"""The query layer's cache: one copy per process, each caller free to change what it gets, and a
new build read at once."""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from dashboard import db, queries
from etl.__main__ import main


@pytest.fixture()
def sample_warehouse(tmp_path, monkeypatch):
    path = tmp_path / "warehouse.duckdb"
    assert main(["build", "--sample", "--quiet", "--db", str(path)]) == 0
    monkeypatch.setenv("WAREHOUSE_PATH", str(path))
    return path


def test_a_caller_changing_its_frame_leaves_the_cached_one_alone(sample_warehouse):
    first = queries.indicators()
    before = first.copy(deep=True)
    first["title"] = "changed"
    first.loc[first.index[0], "n_obs"] = -1
    first["extra"] = 1
    del first["unit"]
    again = queries.indicators()
    pd.testing.assert_frame_equal(again, before)
    info = queries.info()
    info["partnership_name"] = "changed"
    assert queries.info()["partnership_name"] != "changed"


def test_the_cache_is_shared_and_keyed_on_the_warehouse_identity(sample_warehouse, tmp_path):
    a = queries.observations(("employment_rate_16_64",), "lad")
    b = queries.observations(("employment_rate_16_64",), "lad")
    assert a is not b and a.equals(b)  # one computation, two copies
    stamp = db.version()
    other = tmp_path / "other.duckdb"
    shutil.copy(sample_warehouse, other)
    os.utime(other, ns=(0, 0))  # a different file, whatever its clock
    os.replace(other, sample_warehouse)
    assert db.version() != stamp
    assert queries.info()["load_id"]  # read from the new file, which opens cleanly
