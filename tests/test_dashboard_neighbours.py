"""Statistical neighbours: the method on a small table worked by hand, the median comparator,
and, on the real files, that Luton's neighbours look like Luton."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from dashboard import neighbours, queries
from dashboard.neighbours import PEERS_CODE
from etl import build as etl_build

EMP, NEVER = "employment_rate_16_64", "census_never_worked_pct"


def _table(rows: dict[str, tuple[float | None, ...]], columns: tuple[str, ...]) -> pd.DataFrame:
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(columns)).astype("float64")
    table.attrs["periods"] = dict.fromkeys(columns, "2023")
    table.attrs["names"] = {c: f"Place {c}" for c in rows}
    return table


def test_the_nearest_places_by_euclidean_distance_of_z_scores():
    table = _table({"A": (70, 40), "B": (72, 38), "C": (80, 20), "D": (60, 50)}, (EMP, NEVER))
    group = neighbours.find("A", table, size=2)
    # By hand: employment mean 70.5, sd sqrt(((-.5)^2 + 1.5^2 + 9.5^2 + 10.5^2) / 4) = 7.123;
    # never worked mean 37, sd sqrt((3^2 + 1^2 + 17^2 + 13^2) / 4) = 10.770.
    sd_e = math.sqrt((0.25 + 2.25 + 90.25 + 110.25) / 4)
    sd_n = math.sqrt((9 + 1 + 289 + 169) / 4)
    to_b = math.hypot((72 - 70) / sd_e, (38 - 40) / sd_n)
    to_d = math.hypot((60 - 70) / sd_e, (50 - 40) / sd_n)
    assert group.codes == ("B", "D")
    assert group.distances == pytest.approx((to_b, to_d))
    assert group.pool == 4
    assert [c.indicator_id for c in group.used] == [EMP, NEVER]
    assert group.label == "Places like Place A"


def test_a_missing_figure_is_compared_on_the_rest_and_a_place_missing_too_many_is_left_out():
    cols = (EMP, NEVER, "level3_plus_pct_16_64", "no_qualifications_pct_16_64")
    table = _table({
        "A": (70, 40, 55, 10), "B": (72, 38, None, 11), "C": (80, 20, 70, 5),
        "D": (60, 50, 50, 12), "E": (71, None, 52, None),
    }, cols)
    group = neighbours.find("A", table)
    # Each characteristic is held for four of five places (80%): all four are used. E lacks two
    # of them (more than a quarter): left out. B lacks one: compared on three, the distance
    # scaled to four.
    assert len(group.used) == 4
    assert "E" not in group.codes and group.pool == 4
    values = table.drop(index="E")
    z = (values - values.mean()) / values.std(ddof=0)
    diff = (z.loc["B"] - z.loc["A"]).dropna() ** 2
    assert group.distances[group.codes.index("B")] == pytest.approx(
        math.sqrt(diff.mean() * 4))


def test_the_group_median_is_a_comparator_only_where_half_the_group_has_a_figure():
    table = _table({c: (70 + i, 30 + i) for i, c in enumerate("ABCDE")}, (EMP, NEVER))
    group = neighbours.find("A", table, size=4)
    obs = pd.DataFrame({
        "indicator_id": [EMP] * 4 + [NEVER],
        "area_code": ["B", "C", "D", "E", "B"],
        "period_start": ["2023-01-01"] * 5, "period_end": ["2023-12-31"] * 5,
        "value": [70.0, 72.0, 75.0, 90.0, 31.0],
    })
    for col in queries.OBS_COLUMNS:
        if col not in obs:
            obs[col] = None
    rows = neighbours.median_rows(group, obs[queries.OBS_COLUMNS])
    assert list(rows["indicator_id"]) == [EMP]  # one of four has never worked: no median
    assert rows["value"].iloc[0] == 73.5
    assert rows["area_code"].iloc[0] == PEERS_CODE
    assert rows["area_name"].iloc[0] == "Places like Place A"
    assert rows["ci_lower"].isna().all()


REAL_FILES = [
    "nomis/api_full/nm_2002_1_mye2021_population_by_age_lad_rgn_ctry.csv",
    "ons_local_indicators/employment-rate.csv",
    "ons_local_indicators/employment-rate.json",
    "ons_local_indicators/qualifications-level-3-or-above.csv",
    "ons_local_indicators/qualifications-level-3-or-above.json",
    "ons_local_indicators/qualifications-none-gb.csv",
    "ons_local_indicators/qualifications-none-gb.json",
    "nomis/census2021_bulk/ts066/census2021-ts066-ltla.csv",
    "nomis/census2021_bulk/ts065/census2021-ts065-ltla.csv",
]


@pytest.fixture(scope="module")
def real_characteristics(shared_data, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("neighbour-files")
    for rel in REAL_FILES:
        if not (shared_data / rel).is_file():
            pytest.skip(f"{rel} is not in the shared data folder")
        shutil.copy(shared_data / rel, folder / Path(rel).name)
    shutil.copytree(shared_data / "boundaries" / "lookups", folder / "lookups")
    path = tmp_path_factory.mktemp("neighbours") / "real.duckdb"
    etl_build.run("files", path, from_dir=folder)
    return path


def test_lutons_neighbours_look_like_luton(monkeypatch, real_characteristics):
    monkeypatch.setenv("WAREHOUSE_PATH", str(real_characteristics))
    table = neighbours.characteristics_table()
    group = neighbours.find("E06000032", table)
    assert len(group.codes) == 10 and "E06000032" not in group.codes
    assert group.pool > 280  # every English authority with the figures, not the sample's six
    assert len(group.used) == 8
    # Hand-checked in census2021-ts065-ltla.csv: Luton 29,340 never worked of 73,977 = 39.7%.
    assert round(group.figures.at["E06000032", "census_never_worked_pct"], 1) == 39.7
    # Like Luton: large, with a high share of residents who have never worked and a low
    # employment rate, each neighbour on the same side of the English median as Luton.
    median = table.median()
    peers = group.figures.drop(index="E06000032")
    assert (peers["census_never_worked_pct"] > median["census_never_worked_pct"]).all()
    assert (peers["employment_rate_16_64"] < median["employment_rate_16_64"]).all()
    assert (peers["population_16_64"] > median["population_16_64"]).all()
    assert group.names[0] == "Barking and Dagenham"
