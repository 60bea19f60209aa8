"""The compare page's section for one indicator: its heading, chart of the chosen places with
95% confidence intervals, and table with the change on a year earlier, as steps
(``dashboard.steps``) worked out once per warehouse version and filter."""

from __future__ import annotations

import pandas as pd

from dashboard import charts, display, memo, queries, steps
from dashboard import filters as flt
from dashboard.compare import change_on_a_year
from dashboard.formatting import breakdown_label, md, total_title
from dashboard.steps import Step

CHANGE_NOTE = (
    "Change on a year earlier: against the same place's figure a year before; *improved* or "
    "*worsened* only where the change is larger than both years' sampling error would explain "
    "(95%), otherwise *within sampling error*: a jump between two survey years is often noise. "
    "Without confidence intervals only the direction is given. pp: percentage points."
)


@memo.cached
def section(version: str, ind_id: str, chosen: tuple[str, ...], build: dict
            ) -> tuple[Step, ...] | None:
    """What the section of ``ind_id`` shows for the ``chosen`` places (all when empty); None
    when the indicator has no figures for local authorities or sub-ICB areas."""
    meta = flt.indicator_meta(ind_id)
    level = next((lv for lv in ("lad", "subicb") if lv in meta["place_levels"]), None)
    if level is None:
        return None
    members = queries.subicb_members()
    areas = queries.areas()
    lad_names = dict(zip(areas.loc[areas["area_level"] == "lad", "area_code"],
                         areas.loc[areas["area_level"] == "lad", "display_name"], strict=True))
    out: list[Step] = []
    breakdown = "total" if "total" in meta["breakdowns"] else meta["breakdowns"][0]
    rows = queries.observations((ind_id,), level, chosen, "latest", breakdown, True)
    places = rows[~rows["is_comparator"]]
    comps = rows[rows["is_comparator"]]
    unit, decimals = meta["unit"], int(meta["decimals"])
    england = display.england(comps)
    period = places["period"].iloc[0] if len(places) else ""
    title = (total_title(meta["title"]) if breakdown == "total"
             else f"{meta['title']}: {breakdown_label(breakdown)}")
    out.append(("subheader", md(f"{title}, {period}" if period else title)))
    out.append(("caption", f"{md(meta['unit_label'])}. {display.source_line(places, build)}"))
    shown = pd.concat([places, comps[comps["area_level"] == "partnership"]])
    shown = shown.assign(judgement=display.judgements(shown, england))
    if shown["value"].notna().any():
        out.append(("chart", {
            "spec": charts.spec("compare_chart", shown, unit=unit,
                                unit_label=meta["unit_label"], decimals=decimals,
                                reference=england.figure),
            "key": f"compare_chart_{ind_id}",
            "height": charts.bars_height(int(shown["value"].notna().sum())),
            "alt": f"{meta['title']} by place with 95% confidence intervals, "
                   "England as a dashed line",
        }))
    badges = display.subicb_badges(members) if level == "subicb" else {}
    if level == "subicb":
        out.append(("caption", md(display.subicb_note(members, lad_names), 600)))
    # The change on a year earlier, judged against both years' sampling error.
    history = queries.observations((ind_id,), level, chosen, "all", breakdown, False)
    none = history.iloc[0:0]  # comparators: no change column entry
    rows = rows.assign(change=[change_on_a_year(r, none if r["is_comparator"] else history)
                               for _, r in rows.iterrows()])
    table_df = display.figure_table(
        rows, columns=("place", "figure", "ci", "change", "against", "covers", "status"),
        against=[england], badges=badges)
    out.append(steps.table(table_df, f"compare_table_{ind_id}", width="content",
                           nowrap=("95% CI",)))
    foot = [display.notes(table_df)]
    if display.HEADERS["change"] in table_df:
        foot.append(CHANGE_NOTE)
    out.append(("caption", " ".join(x for x in foot if x)))
    return tuple(out)
