"""The query layer's cache: one copy per process, each caller free to change what it gets, and a
new build read at once."""

from __future__ import annotations

import os
import shutil

import duckdb
import pandas as pd
import pytest

from dashboard import aboutview, db, queries
from dashboard import filters as flt
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


def test_what_pages_derive_follows_a_new_build(sample_warehouse, tmp_path):
    """The filter bar's options and a page's cached steps (keyed on a dict of the build's
    record) are read again from a new build, not kept from the old one."""
    assert flt.indicator_options("all", "data")["employment_rate_16_64"] != "Renamed rate"
    before = aboutview.indicators()[1]
    other = tmp_path / "other.duckdb"
    shutil.copy(sample_warehouse, other)
    with duckdb.connect(str(other)) as con:
        con.execute("UPDATE indicators SET title = 'Renamed rate' "
                    "WHERE indicator_id = 'employment_rate_16_64'")
    os.replace(other, sample_warehouse)
    assert flt.indicator_options("all", "data")["employment_rate_16_64"] == "Renamed rate"
    assert flt.indicator_meta("employment_rate_16_64")["title"] == "Renamed rate"
    after = aboutview.indicators()[1]
    assert "Renamed rate" in after and "Renamed rate" not in before
