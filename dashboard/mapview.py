"""What the map page shows for one indicator, level, period and breakdown, worked out once per
warehouse version (``dashboard.memo``) and drawn on each rerun: the places' figures and their
classes, the side table, legend, summary and notes (:func:`view`), and the pydeck map itself
(:func:`deck`, also per geometry build, layout and place selected)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pydeck as pdk

from dashboard import display, mapclasses, maps, memo, queries
from dashboard import filters as flt
from dashboard.aspiration import EMPLOYMENT_RATE
from dashboard.formatting import format_value, md, status_notes


@dataclass(frozen=True)
class MapView:
    """The figures of one map and what is drawn beside it (not to be changed by a page)."""

    meta: dict
    places: pd.DataFrame  # one row per place, ``area_name`` as a reader sees it
    comparators: pd.DataFrame
    period: str  # the period shown, or "several periods"
    members: pd.DataFrame
    lad_names: dict[str, str]
    badges: dict[str, str]
    figs: mapclasses.MapFigures
    classes: mapclasses.Classes | mapclasses.Symbols
    summary: str  # the one-line text summary for screen readers
    legend: str  # the legend's HTML
    table: pd.DataFrame  # the side table (figures kept as numbers)
    foot: str  # the notes under the side table


@memo.cached
def view(version: str, indicator: str, level: str, period: str, breakdown: str
         ) -> MapView | None:
    """The map of ``indicator`` at ``level`` for ``period``; None when no place has a row."""
    meta = flt.indicator_meta(indicator)
    unit, decimals, polarity = meta["unit"], int(meta["decimals"]), meta["polarity"]
    rows = queries.observations((indicator,), level, (), period, breakdown, True)
    places = rows[~rows["is_comparator"]].reset_index(drop=True)
    comparators = rows[rows["is_comparator"]]
    if places.empty:
        return None
    shown_period = (places["period"].iloc[0] if places["period"].nunique() == 1
                    else "several periods")
    members = queries.subicb_members()
    areas = queries.areas()
    lad_names = dict(
        zip(areas.loc[areas["area_level"] == "lad", "area_code"],
            areas.loc[areas["area_level"] == "lad", "display_name"], strict=True)
    )
    places["area_name"] = maps.place_names(places, level, lad_names)
    badges = display.subicb_badges(members) if level == "subicb" else {}
    if level == "lad" and (places["status"] == "modelled").any():
        # Figures apportioned from a sub-ICB area: say on each place that it is not local.
        wide = display.subicb_badges(members)
        modelled = places.loc[places["status"] == "modelled", "area_code"]
        badges = {c: f"{wide[c]}, modelled" for c in modelled if c in wide}
    figs = mapclasses.MapFigures(
        rows=places, unit=unit, decimals=decimals, polarity=polarity, title=meta["title"],
        unit_label=meta["unit_label"], badges=badges,
    )
    # Classes (or circle sizes) chosen over every period loaded, so colours compare between
    # years.
    history = queries.observations((indicator,), level, (), "all", breakdown, False)
    history = history[~history["is_comparator"]].sort_values("period_end")
    every = history["value"].tolist()
    spans = list(dict.fromkeys(history["period"]))
    if mapclasses.is_count(unit):
        classes = mapclasses.symbols(places["value"].tolist(), unit, decimals, over=every,
                                     periods=spans, max_px=28 if level in ("lad", "subicb") else 9)
    else:
        classes = mapclasses.classify(places["value"].tolist(), polarity, unit, decimals,
                                      over=every, periods=spans)
    england = display.england(comparators)
    legend_note = display.subicb_note(members, lad_names) if level == "subicb" else ""
    unreliable = bool((places["status"] == "low_reliability").any())
    legend = mapclasses.legend_html(figs, classes, n_missing=int(places["value"].isna().sum()),
                                    note=legend_note, unreliable=unreliable)
    table = display.figure_table(
        places,
        columns=("place", "figure", *(("gap",) if indicator == EMPLOYMENT_RATE else ()),
                 "ci", "against", "period", "status", "covers"),
        against=[england], badges=badges, numbers=True, once=("period", "status"),
        blank_verdicts=True,
    )
    return MapView(meta=meta, places=places, comparators=comparators, period=shown_period,
                   members=members, lad_names=lad_names, badges=badges, figs=figs,
                   classes=classes, summary=maps.summary_sentence(figs, level, shown_period),
                   legend=legend, table=table, foot=_foot(table, places, comparators, unit,
                                                          decimals))


def _foot(shown: pd.DataFrame, places: pd.DataFrame, comparators: pd.DataFrame, unit: str,
          decimals: int) -> str:
    """The notes under the side table: verdicts, statuses, the comparators' figures, sources."""
    foot = []
    if "95% CI" not in shown:
        foot.append(display.NO_VERDICT_NOTE)
    elif (shown["Against England"] == "").any():
        foot.append("A blank verdict: England has no figure for the same period.")
    statuses = [s for s in places["status"].dropna() if s]
    if statuses:
        foot.append(status_notes(statuses))
    if not comparators.empty:
        foot.append(
            "For comparison: "
            + "; ".join(
                f"{md(r.area_name)} {format_value(r.value, unit, decimals)}"
                for r in comparators.itertuples(index=False)
            )
            + "."
        )
    foot.append(display.source_line(places))
    return " ".join(x for x in foot if x)


@memo.cached
def deck(version: str, geometry: tuple, indicator: str, level: str, period: str,
         breakdown: str, hex_layout: bool, selected: str | None
         ) -> tuple[pdk.Deck, str, int]:
    """The map (a pydeck Deck), the note on its shapes and its height in pixels, for the
    geometry build ``geometry`` (``mapgeometry.geometry_stamp()``). Raises GeometryUnavailable.
    """
    v = view(indicator, level, period, breakdown)
    height = maps.level_height(level, members=v.members, lad_codes=v.lad_names.keys(),
                               hex_layout=hex_layout)
    made, note = maps.level_map(level, v.figs, v.classes, members=v.members,
                                lad_codes=v.lad_names.keys(), hex_layout=hex_layout,
                                selected=selected, height=height)
    return made, note, height
