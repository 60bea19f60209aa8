"""What the place profile page shows for one place and challenge, worked out once per warehouse
version (``dashboard.memo``) and drawn on each rerun: the place and its comparators, the table
of its own figures, the wider areas' figures, and each indicator's section (:func:`view`), and
an indicator's trend chart when its section is opened (:func:`trend`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard import aspiration, charts, measures, memo, neighbours, queries, state, steps
from dashboard import profile as prof
from dashboard import profileview as exports
from dashboard.aspiration import EMPLOYMENT_RATE, TARGET_RATE
from dashboard.compare import NO_COMPARATOR
from dashboard.display import source_line
from dashboard.formatting import (
    format_value,
    join_names,
    level_name,
    md,
    status_notes,
    text_of,
    total_title,
)
from dashboard.steps import Step

OWN_FOOT = (
    "Each *vs* column gives the comparator's figure for the same period, after the verdict where "
    "there is one (*Worse than 77.5%*: the place's figure is worse than the comparator's 77.5%). "
    "A figure alone: no confidence interval, so no verdict. A blank: the comparator has no "
    "figure for that period."
)
CHANGE_FOOT = (
    "Change on a year earlier: against the same place's figure for the period a year before; "
    "*improved* or *worsened* only where the change is larger than both years' sampling error "
    "would explain (95%), otherwise *within sampling error*; pp: percentage points."
)


@memo.cached
def place_options(version: str) -> dict[str, str]:
    """The places a profile can be chosen for (code -> label): the partnership, its local
    authorities, then their neighbourhoods, each with its kind."""
    areas = queries.areas()
    lad_names = dict(zip(areas.loc[areas["area_level"] == "lad", "area_code"],
                         areas.loc[areas["area_level"] == "lad", "display_name"], strict=True))
    places = areas[areas["in_partnership"] & areas["area_level"].isin(
        ["partnership", "lad", "msoa", "lsoa"])].copy()
    rank = {"partnership": 0, "lad": 1, "msoa": 2, "lsoa": 3}
    places["rank"] = places["area_level"].map(rank)
    places = places.sort_values(["rank", "display_name"])

    def label(level: str, display_name: str, lad_code: str | None) -> str:
        kind = level_name(level, singular=True)
        if level in ("msoa", "lsoa"):
            return f"{display_name} · {kind} in {lad_names.get(lad_code, '')}"
        return f"{display_name} · {kind}"

    return {r.area_code: label(r.area_level, r.display_name, r.lad_code)
            for r in places.itertuples(index=False)}


@dataclass(frozen=True)
class Section:
    """One indicator's expander: its label, what it shows before and after the trend chart."""

    indicator_id: str
    label: str
    expanded: bool
    body: tuple[Step, ...]
    has_trend: bool
    caption: str


@dataclass(frozen=True)
class ProfileView:
    """Everything the profile page shows for a place (not to be changed by a page)."""

    p: prof.Place
    description: str
    obs: pd.DataFrame
    names: dict[str, str]
    group: neighbours.Neighbours | None
    table: pd.DataFrame
    own: pd.DataFrame
    wider: pd.DataFrame
    own_steps: tuple[Step, ...]
    wider_steps: tuple[Step, ...]
    sections: tuple[Section, ...]


def _link(code: str, name: str) -> Step:
    """:func:`dashboard.views.profile_link` as a step."""
    return ("link", "profile", {"label": f"Open the profile of {md(name)}",
                                "icon": ":material/arrow_forward:",
                                "query_params": {"area": code}})


@memo.cached
def view(version: str, code: str, challenge: str, info: dict) -> ProfileView:
    """The profile of ``code`` for the indicators of ``challenge`` (``info``: the build's
    record, ``queries.info()``)."""
    partnership = info["partnership_code"]
    areas = queries.areas()
    names = dict(zip(areas["area_code"], areas["display_name"], strict=True))
    lad_names = dict(zip(areas.loc[areas["area_level"] == "lad", "area_code"],
                         areas.loc[areas["area_level"] == "lad", "display_name"], strict=True))
    p = prof.place(code, areas, queries.subicb_members(), partnership)
    description = prof.describe(p, names)
    obs = queries.area_observations(tuple(dict.fromkeys([p.code, *p.chain,
                                                         *(c for _, c in p.comparators)])))
    # A local authority is also compared with its statistical neighbours' median.
    p, obs, names, group = exports.with_neighbours(p, obs, names)
    name_here = p.name if p.name not in {names.get(c, c) for _, c in p.comparators} else "Figure"
    catalogue = queries.indicators()
    if challenge != state.ALL_CHALLENGES:
        catalogue = catalogue[[challenge in list(c) for c in catalogue["challenges"]]]
    table = prof.cached_profile(p, obs, catalogue, names)
    own = table[table["covers"] == ""] if not table.empty else table
    wider = table[table["covers"] != ""] if not table.empty else table
    comparators = list(p.comparators)

    own_steps: list[Step] = [("subheader", f"Figures for {md(p.name)}", "own-figures")]
    wider_steps: list[Step] = []
    sections: list[Section] = []
    if table.empty:
        return ProfileView(p, description, obs, names, group, table, own, wider, (), (), ())
    if own.empty:
        own_steps.append(("info", f"No figure in this challenge is published for {md(p.name)} "
                                  "itself: those below are for the wider area it lies in."))
    else:
        own_steps.append(("markdown",
            "Each figure is compared with "
            + join_names(f"**{md(names.get(c, c))}**" for _, c in comparators)
            + " for the same period. *Better*, *worse*, *higher* or *lower* appear only where "
            "the place's 95% confidence interval lies wholly on one side of the comparator's "
            "figure."
        ))
        shown = prof.figures(p, own, names, name_here)
        own_steps.append(steps.table(shown, "profile_table", nowrap=(name_here, "95% CI")))
        foot = [OWN_FOOT]
        if "Change on a year earlier" in shown:
            foot.append(CHANGE_FOOT)
        if group is not None:
            foot.append(f"{md(group.label)}: the median of its ten statistical neighbours "
                        "(below), where at least half of them have a figure for the period.")
        statuses = [x for x in own["status"].dropna() if x]
        if statuses:
            foot.append(status_notes(statuses))
        own_steps.append(("caption", " ".join(foot)))
        own_steps += [("caption", md(note, 600)) for note in measures.notes(own["indicator_id"])]

    kind = level_name(p.level, singular=True)
    for area, grp in wider.groupby("figure_area", sort=False):
        area_name = names.get(area, area)
        wider_steps.append(("subheader", f"Published only for {md(area_name)}", f"wider-{area}"))
        wider_steps.append(("markdown",
            f"These figures are **not published for {md(p.name)}** ({md(kind)}): they are "
            f"{md(area_name)}'s own, shown under its name for context, without verdicts."
        ))
        wider_steps.append(steps.table(prof.wider_figures(p, grp, names),
                                       f"profile_wider_{area}", nowrap=("95% CI",)))
        if area in lad_names:
            wider_steps.append(_link(area, area_name))

    meta = catalogue.set_index("indicator_id")
    first_series: str | bool = False
    for row in table.itertuples(index=False):
        m = meta.loc[row.indicator_id]
        # The first series opens by default.
        first_series = first_series or (row.n_periods > 1 and row.indicator_id)
        whose = f" · {md(row.covers_name)}'s figure" if row.covers else ""
        body: list[Step] = [("markdown", md(m["description"], 800))]
        if row.covers:
            body.append(("markdown",
                f"This is **{md(row.covers_name)}**'s figure ({md(row.covers)}): it is not "
                f"published for {md(p.name)} itself. How it compares with the region and "
                "England is on that area's own profile."
            ))
            if row.figure_area in lad_names:
                body.append(_link(row.figure_area, names.get(row.figure_area, "")))
        else:
            verdicts = [getattr(row, f"{r}_verdict").text for r, _ in comparators]
            if row.change.code != NO_COMPARATOR:
                verdicts.append(row.change.text)
            if row.indicator_id == EMPLOYMENT_RATE:
                mine = obs[(obs["indicator_id"] == EMPLOYMENT_RATE)
                           & (obs["area_code"] == row.figure_area)]
                verdicts.append(aspiration.place_sentence(mine))
            body.append(("markdown", "\n".join(f"- {md(v, 400)}" for v in verdicts if v)))
        source = obs[(obs["indicator_id"] == row.indicator_id)
                     & (obs["area_code"] == row.figure_area)
                     & (obs["period"] == row.period)]
        notes = [source_line(source, info)]
        if text_of(m["caveats"]):
            notes.append(f"Caveats: {md(m['caveats'], 800)}")
        sections.append(Section(
            indicator_id=row.indicator_id,
            label=(f"{md(total_title(row.title))}: "
                   f"{format_value(row.value, row.unit, row.decimals)} · {md(row.period)}"
                   f"{whose}"),
            expanded=first_series == row.indicator_id, body=tuple(body),
            has_trend=row.n_periods > 1, caption=" ".join(n for n in notes if n),
        ))
    return ProfileView(p, description, obs, names, group, table, own, wider, tuple(own_steps),
                       tuple(wider_steps), tuple(sections))


@memo.cached
def trend(version: str, code: str, challenge: str, info: dict, indicator_id: str) -> dict:
    """``st.vega_lite_chart`` options for the trend of ``indicator_id`` in the profile of
    ``code``: the place's figures (or the wider area's standing in) and its comparators'."""
    v = view(code, challenge, info)
    row = v.table[v.table["indicator_id"] == indicator_id].iloc[0]
    codes = [row["figure_area"], *(c for _, c in v.p.comparators if c != row["figure_area"])]
    series = v.obs[(v.obs["indicator_id"] == indicator_id) & v.obs["area_code"].isin(codes)]
    order = [v.names.get(c, c) for c in codes]
    return {
        "spec": charts.spec("trend", series, unit=row["unit"], unit_label=row["unit_label"],
                            decimals=row["decimals"], order=order,
                            target=TARGET_RATE if indicator_id == EMPLOYMENT_RATE else None),
        "key": f"trend_{indicator_id}",
        "height": charts.trend_height(series["area_code"].nunique()),
        "alt": f"Trend of {row['title']} for {', '.join(order)}",
    }
