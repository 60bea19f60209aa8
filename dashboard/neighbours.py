"""Statistical neighbours: the English local authorities most like a place.

Method (as ONS Explore Local Statistics and LG Inform's nearest-neighbour models do, on the
figures this warehouse holds):

1. Characteristics: the measures in :data:`CHARACTERISTICS` that the warehouse holds for at least
   :data:`COVERAGE` of the English local authorities with any of them. Each is taken for one
   period: its latest period with figures for at least :data:`COVERAGE` as many authorities as
   its best-covered period (so one late publisher does not shrink the comparison).
2. Working-age population enters as its logarithm (size matters in proportion, not in people).
3. Each characteristic is standardised across the authorities: a z-score, (value − mean) /
   standard deviation, so each counts equally whatever its unit.
4. Distance: the Euclidean distance between two authorities' z-scores. An authority missing a
   characteristic (a suppressed survey figure) is compared on those it has, the distance scaled
   up to the full set (the root of the mean squared difference times the number of
   characteristics); one missing more than a quarter of them is left out.
5. The :data:`GROUP_SIZE` nearest authorities are the place's statistical neighbours.

With the bundled sample the only authorities with figures are the sample's own places, so the
group is drawn from them and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from dashboard import queries
from dashboard.queries import OBS_COLUMNS

GROUP_SIZE = 10
COVERAGE = 0.8
PEERS_CODE = "peers"


@dataclass(frozen=True)
class Characteristic:
    """One measure the comparison uses."""

    indicator_id: str
    label: str  # what it describes, for the method note
    short: str  # a column header
    unit: str = "%"
    log: bool = False


# In order of the method note. Those the warehouse lacks (or holds for too few authorities) are
# left out of the comparison, and the page lists the ones used.
CHARACTERISTICS: tuple[Characteristic, ...] = (
    Characteristic("population_16_64", "Residents aged 16 to 64 (size, on a log scale)",
                   "Residents aged 16 to 64", "", True),
    Characteristic("employment_rate_16_64", "Employment rate, aged 16 to 64 (APS)",
                   "Employment rate"),
    Characteristic("inactivity_rate_16_64", "Economic inactivity rate, aged 16 to 64 (APS)",
                   "Inactivity rate"),
    Characteristic("census_economically_inactive_pct",
                   "Economically inactive, of residents aged 16+ (Census 2021)",
                   "Inactive, 16+ (Census)"),
    Characteristic("census_long_term_sick_pct",
                   "Long-term sick or disabled, of residents aged 16+ (Census 2021)",
                   "Long-term sick (Census)"),
    Characteristic("census_never_worked_pct",
                   "Never worked, of residents aged 16+ not in work (Census 2021)",
                   "Never worked (Census)"),
    Characteristic("level3_plus_pct_16_64", "Qualified to Level 3 or above, aged 16 to 64",
                   "Level 3 or above"),
    Characteristic("no_qualifications_pct_16_64", "No qualifications, aged 16 to 64",
                   "No qualifications"),
    Characteristic("claimant_rate_16_64", "Claimant rate, aged 16 to 64", "Claimant rate"),
    Characteristic("median_weekly_pay_resident", "Median weekly pay of residents (ASHE)",
                   "Median weekly pay", "£"),
    Characteristic("jobs_density", "Jobs per resident aged 16 to 64", "Jobs density", "ratio"),
)


@dataclass(frozen=True)
class Neighbours:
    """A place's statistical neighbours and how they were found."""

    code: str
    codes: tuple[str, ...]  # nearest first
    names: tuple[str, ...]
    distances: tuple[float, ...]
    pool: int  # authorities compared
    used: tuple[Characteristic, ...]
    periods: dict[str, str]  # indicator id -> the period used
    figures: pd.DataFrame  # area_code x indicator_id: the values compared (place first)

    @property
    def label(self) -> str:
        """``Places like Luton`` for a column header."""
        return f"Places like {self.name}"

    @property
    def name(self) -> str:
        return str(self.figures.attrs.get("name", self.code))


def characteristics_table() -> pd.DataFrame:
    """Each English local authority's characteristics (columns: indicator ids, one period each;
    ``attrs["periods"]`` the period used for each)."""
    ids = tuple(c.indicator_id for c in CHARACTERISTICS)
    rows = queries.lad_figures(ids)
    names = dict(zip(rows["area_code"], rows["area_name"], strict=False))
    columns, periods = {}, {}
    for ind_id, grp in rows.groupby("indicator_id", sort=False):
        counts = grp.groupby("period_end")["area_code"].nunique()
        good = counts[counts >= COVERAGE * counts.max()]
        end = good.index.max()
        chosen = grp[grp["period_end"] == end]
        columns[ind_id] = chosen.drop_duplicates("area_code").set_index("area_code")["value"]
        periods[ind_id] = str(chosen["period"].iloc[0])
    table = pd.DataFrame(columns).astype("float64")
    table.attrs["periods"] = periods
    table.attrs["names"] = names
    return table


def find(code: str, table: pd.DataFrame | None = None, size: int = GROUP_SIZE
         ) -> Neighbours | None:
    """The ``size`` English local authorities nearest to ``code``; None when the warehouse holds
    too little to compare it (fewer than two characteristics, or no other authority)."""
    table = characteristics_table() if table is None else table
    if code not in table.index:
        return None
    # Characteristics held for enough of the authorities that have any.
    held = table.notna().sum()
    used = [c for c in CHARACTERISTICS if c.indicator_id in table
            and held[c.indicator_id] >= COVERAGE * len(table)
            and not pd.isna(table.at[code, c.indicator_id])]
    if len(used) < 2:
        return None
    values = table[[c.indicator_id for c in used]].copy()
    for c in used:
        if c.log:
            values[c.indicator_id] = values[c.indicator_id].where(
                values[c.indicator_id] > 0).map(math.log)
    values = values[values.notna().sum(axis=1) >= 0.75 * len(used)]
    spread = values.std(ddof=0).replace(0, float("nan"))
    z = ((values - values.mean()) / spread).dropna(axis=1, how="all")
    if code not in z.index or len(z) < 2 or z.shape[1] < 2:
        return None
    diff = (z.drop(index=code) - z.loc[code]) ** 2
    distance = (diff.mean(axis=1, skipna=True) * z.shape[1]) ** 0.5
    nearest = distance.sort_values(kind="stable").head(size)
    names = table.attrs.get("names", {})
    kept = [c for c in used if c.indicator_id in z.columns]
    figures = table.loc[[code, *nearest.index], [c.indicator_id for c in kept]]
    figures.attrs["name"] = names.get(code, code)
    return Neighbours(
        code=code,
        codes=tuple(nearest.index),
        names=tuple(names.get(c, c) for c in nearest.index),
        distances=tuple(float(d) for d in nearest),
        pool=len(z),
        used=tuple(kept),
        periods={c.indicator_id: table.attrs["periods"][c.indicator_id] for c in kept},
        figures=figures,
    )


def median_rows(group: Neighbours, obs: pd.DataFrame) -> pd.DataFrame:
    """The group's median for each indicator and period where at least half of the group has a
    figure, as query rows (``dashboard.queries.OBS_COLUMNS``) of a pseudo-area
    :data:`PEERS_CODE` named :attr:`Neighbours.label`: a comparator for the place's profile."""
    mine = obs[obs["area_code"].isin(group.codes) & obs["value"].notna()]
    if mine.empty:
        return obs.iloc[0:0][OBS_COLUMNS]
    keys = ["indicator_id", "period_start", "period_end"]
    counts = mine.groupby(keys)["area_code"].nunique()
    median = mine.groupby(keys)["value"].median()
    first = mine.groupby(keys).first()
    keep = counts[counts >= max(2, len(group.codes) / 2)].index
    out = first.loc[keep].reset_index()
    out["value"] = median.loc[keep].to_numpy()
    out["area_code"] = PEERS_CODE
    out["area_name"] = group.label
    out["area_level"] = "peers"
    for col in ("ci_lower", "ci_upper", "numerator", "denominator"):
        out[col] = float("nan")
    out["status"] = None
    return out[OBS_COLUMNS]
