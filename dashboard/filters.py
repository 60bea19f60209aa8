"""What each filter may hold, given the warehouse and the other filters.

The filter bar in ``app.py`` asks these functions for its options and defaults; pages read the
resulting :class:`Filters`. Options map identifiers (what the URL holds) to the words shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from dashboard import memo, queries, state
from dashboard.aspiration import EMPLOYMENT_RATE
from dashboard.formatting import level_name

MAP_PLACE_LEVELS = ("lad", "msoa", "lsoa", "subicb")

# Filters each page shows, in the order of the bar.
PAGE_FILTERS: dict[str, tuple[str, ...]] = {
    "overview": (),
    "map": (state.CHALLENGE, state.INDICATOR, state.LEVEL, state.PERIOD),
    "profile": (state.CHALLENGE,),
    "compare": (state.CHALLENGE, state.INDICATORS, state.PLACES),
    "data": (state.CHALLENGE, state.INDICATORS, state.LEVEL, state.PLACES, state.PERIOD),
    "about": (),
}
SHARED = (
    state.CHALLENGE,
    state.INDICATOR,
    state.INDICATORS,
    state.LEVEL,
    state.PLACES,
    state.PERIOD,
)
LABELS = {
    state.CHALLENGE: "Challenge",
    state.INDICATOR: "Indicator",
    state.INDICATORS: "Indicators",
    state.LEVEL: "Level",
    state.PLACES: "Places",
    state.PERIOD: "Period",
}


@dataclass
class Filters:
    """The shared filter values for this run."""

    page: str
    challenge: str = state.ALL_CHALLENGES
    indicator: str | None = None
    indicators: list[str] = field(default_factory=list)
    level: str = "lad"
    places: list[str] = field(default_factory=list)
    period: str = state.LATEST
    ignored: list[str] = field(default_factory=list)


@memo.cached
def challenge_options(version: str) -> dict[str, str]:
    """``all`` plus each challenge id -> title."""
    ch = queries.challenges()
    return {state.ALL_CHALLENGES: "All challenges", **dict(zip(ch["challenge_id"], ch["title"],
                                                                 strict=True))}


def _indicator_frame() -> pd.DataFrame:
    return queries.indicators()


@memo.cached
def indicator_options(version: str, challenge: str, page: str) -> dict[str, str]:
    """Indicators with figures the page can show, within the challenge (id -> title)."""
    ind = _indicator_frame()
    # Figures for the partnership's places, or national context: never an indicator whose only
    # figures are for some other authority a file happened to hold.
    here = ind["place_levels"].map(len).gt(0) | ind["national_only"].astype(bool)
    ind = ind[ind["n_obs"].gt(0) & here]
    if page in ("map", "compare"):
        ind = ind[[any(lv in MAP_PLACE_LEVELS for lv in levels) for levels in ind["place_levels"]]]
    if challenge != state.ALL_CHALLENGES:
        ind = ind[[challenge in list(c) for c in ind["challenges"]]]
    return dict(zip(ind["indicator_id"], ind["title"], strict=True))


def default_indicator(options: dict[str, str]) -> str | None:
    """The employment rate where it has figures, else the first indicator offered."""
    if EMPLOYMENT_RATE in options:
        return EMPLOYMENT_RATE
    return next(iter(options), None)


@memo.cached
def indicator_meta(version: str, indicator_id: str) -> dict:
    """One indicator's catalogue entry and what the warehouse holds for it."""
    ind = _indicator_frame()
    row = ind[ind["indicator_id"] == indicator_id]
    if row.empty:
        raise KeyError(indicator_id)
    out = row.iloc[0].to_dict()
    for key in ("challenges", "levels", "place_levels", "all_levels", "breakdowns", "datasets"):
        out[key] = [str(x) for x in (out.get(key) if out.get(key) is not None else [])]
    return out


@memo.cached
def level_options(version: str, indicator_ids: Sequence[str]) -> dict[str, str]:
    """Place levels with figures for any of the indicators, smallest last."""
    held: set[str] = set()
    for ind in indicator_ids:
        try:
            held |= set(indicator_meta(ind)["place_levels"])
        except KeyError:
            continue
    order = ("lad", "subicb", "msoa", "lsoa")
    return {lv: level_name(lv) for lv in order if lv in held}


def default_level(options: dict[str, str]) -> str:
    """Local authorities where offered."""
    return "lad" if "lad" in options else next(iter(options), "lad")


@memo.cached
def place_options(version: str) -> dict[str, str]:
    """The partnership's local authorities (code -> name)."""
    a = queries.areas()
    lads = a[(a["area_level"] == "lad") & a["in_partnership"]].sort_values("display_name")
    return dict(zip(lads["area_code"], lads["display_name"], strict=True))


@memo.cached
def period_options(version: str, indicator_ids: Sequence[str], level: str, *, allow_all: bool
                   ) -> dict[str, str]:
    """``latest`` (and ``all``) plus the periods held at the level, newest first."""
    frames = [queries.periods(i, level) for i in indicator_ids]
    frames = [f for f in frames if not f.empty]
    opts = {state.LATEST: "Latest available"}
    if allow_all:
        opts[state.ALL_PERIODS] = "All periods"
    if frames:
        allp = pd.concat(frames).drop_duplicates("period").sort_values(
            ["period_end", "period_start"], ascending=False
        )
        opts.update({p: p for p in allp["period"]})
    return opts
