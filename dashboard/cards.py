"""The overview's challenge cards: each challenge's headline measures for every place.

A card shows the challenge's headline measures (the warehouse's ``indicators.headline``: up to
three, in its order) with each place's latest figure, the partnership's where the measure has
one, and England's; where the warehouse names no headlines, one measure chosen by
:func:`dashboard.panels.headline`, with each place's verdict against England. A measure the page
already shows for another period (the employment rate of the distance to 80%) is shown for that
same period, so one measure never carries two periods on one page.

A card's content is worked out once per warehouse version, challenge and pinned periods
(:func:`content`, ``dashboard.memo``); a rerun only draws it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from core.area import ENGLAND_CODE
from dashboard import display, measures, memo, panels, queries, steps
from dashboard.formatting import format_number, format_value, md, total_title
from dashboard.steps import Step

MAX_MEASURES = 3

NOTHING_LOADED: dict[str, str] = {
    "women": "**No figures by sex are loaded yet.** Female employment and inactivity rates, "
    "inactivity to look after family or home, and the gender pay gap need the Annual "
    "Population Survey and ASHE extracts by sex.",
    "insecure_work": "**Not loaded yet.** This card would show jobs paid below the Real Living "
    "Wage (ASHE) and part-time or temporary work (Annual Population Survey).",
    "employer_vacancies": "**Not loaded yet.** This card would show online job adverts per "
    "1,000 residents, or employment by industry (BRES), for each place.",
}


def measures_of(challenge_id: str) -> list[tuple[str, str]]:
    """(indicator id, level) of each headline measure of the challenge with figures for the
    partnership's places: those the warehouse marks as headlines (an indicator heads its first
    challenge), else the single choice of :func:`dashboard.panels.headline`."""
    return list(_measures_of(challenge_id))


@memo.cached
def _measures_of(version: str, challenge_id: str) -> tuple[tuple[str, str], ...]:
    marked = queries.headlines()
    ind = queries.indicators()
    held = {r.indicator_id: list(r.place_levels) for r in ind.itertuples(index=False)
            if r.n_obs > 0}
    chosen = []
    for r in marked.itertuples(index=False):
        challenges = list(r.challenges) if r.challenges is not None else []
        if challenges[:1] != [challenge_id] or r.indicator_id not in held:
            continue
        level = next((lv for lv in panels.CARD_LEVELS if lv in held[r.indicator_id]), None)
        if level:
            chosen.append((r.indicator_id, level))
    if chosen:
        return tuple(chosen[:MAX_MEASURES])
    pick = panels.headline(challenge_id)
    return (pick,) if pick else ()


def _rows(ind_id: str, level: str, pinned: Mapping[str, str]) -> pd.DataFrame:
    period = pinned.get(ind_id, "latest")
    return queries.observations((ind_id,), level, (), period, "total", True)


def card(ch_id: str, title: str, pinned: Mapping[str, str], build: Mapping) -> None:
    """One challenge's card (inside the caller's column)."""
    with st.container(border=True, key=f"card_{ch_id}"):
        steps.draw(content(ch_id, title, tuple(sorted(pinned.items())), dict(build)))


@memo.cached
def content(version: str, ch_id: str, title: str, pinned_items: tuple[tuple[str, str], ...],
            build: dict) -> tuple[Step, ...]:
    """What the card of challenge ``ch_id`` draws, kept per warehouse version and pinned
    periods (``pinned_items``: indicator id and period, sorted)."""
    pinned = dict(pinned_items)
    out: list[Step] = [("markdown", f"#### {md(title)}")]
    chosen = measures_of(ch_id)
    lad_level = [m for m in chosen if m[1] in panels.CARD_LEVELS]
    if ch_id == "women" and not lad_level:
        out.append(("markdown", NOTHING_LOADED["women"]))
    if not chosen:
        if ch_id != "women":
            out.append(("markdown", NOTHING_LOADED.get(
                ch_id, "**Not loaded yet.** No indicator for this challenge has figures for "
                "the partnership's places.")))
        return tuple(out)
    if len(chosen) > 1:
        _several(out, ch_id, chosen, pinned, build)
    elif chosen[0][1] in panels.CARD_LEVELS:
        _one(out, ch_id, *chosen[0], pinned, build)
    else:
        _neighbourhoods(out, ch_id, *chosen[0], build)
    ind_id, level = chosen[0]
    out.append(("link", "map", {"label": "See it on the map", "icon": ":material/map:",
                                "query_params": {"challenge": ch_id, "indicator": ind_id,
                                                 "level": level}}))
    return tuple(out)


def _meta(ind_id: str) -> pd.Series:
    return queries.indicators().set_index("indicator_id").loc[ind_id]


def _one(out: list[Step], ch_id: str, ind_id: str, level: str, pinned: Mapping[str, str],
         build: Mapping) -> None:
    """One measure: each place (and the partnership) with its verdict against England."""
    meta = _meta(ind_id)
    rows = _rows(ind_id, level, pinned)
    places = rows[~rows["is_comparator"]]
    england = display.england(rows)
    shown = pd.concat([
        places.sort_values("value", ascending=meta["polarity"] == "low_is_good"),
        rows[rows["is_comparator"] & (rows["area_level"] == "partnership")],
    ])
    table = display.figure_table(shown, columns=("place", "figure", "against"),
                                 against=[england])
    period = table.attrs["period"] or (places["period"].iloc[0] if len(places) else "")
    out.append(("markdown", display.heading(total_title(meta["title"]), meta["unit_label"],
                                            period)))
    out.append(steps.table(table, f"card_table_{ch_id}"))
    valued = places.dropna(subset=["value"])
    unit, dec = meta["unit"], int(meta["decimals"])
    parts = []
    if len(valued):
        hi = valued.loc[valued["value"].idxmax()]
        lo = valued.loc[valued["value"].idxmin()]
        parts.append(f"Highest {md(hi['area_name'])}: {format_value(hi['value'], unit, dec)}; "
                     f"lowest {md(lo['area_name'])}: {format_value(lo['value'], unit, dec)}.")
    if england.figure is not None:
        parts.append(f"England: {format_value(england.figure, unit, dec)}.")
    if ind_id in pinned:
        parts.append(f"{md(pinned[ind_id])}, as in the distance to 80% above; the map and the "
                     "place profiles give each place's latest figure.")
    parts += [display.notes(table), display.source_line(places, build)]
    out.append(("caption", " ".join(p for p in parts if p)))


def _several(out: list[Step], ch_id: str, chosen: list[tuple[str, str]], pinned: Mapping[str, str],
             build: Mapping) -> None:
    """Two or three measures: one column each (its period in its header), a row per place,
    then the partnership (where the measure has one) and England; each figure followed by its
    verdict against England where the 95% confidence intervals give one."""
    frame: dict[str, dict[str, str]] = {}
    order: list[str] = []
    lines, sources = [], []
    for ind_id, level in chosen:
        meta = _meta(ind_id)
        rows = _rows(ind_id, level, pinned)
        if rows.empty:
            continue
        places = rows[~rows["is_comparator"]]
        period = places["period"].iloc[0] if len(places) else rows["period"].iloc[0]
        header = f"{total_title(meta['title'])}, {period}"
        keep = rows[~rows["is_comparator"] | rows["area_level"].eq("partnership")
                    | rows["area_code"].eq(ENGLAND_CODE)]
        said = display.judgements(keep, display.england(rows))
        for r, judged in zip(keep.itertuples(index=False), said, strict=True):
            if r.area_name not in frame:
                frame[r.area_name] = {}
                order.append(r.area_name)
            text = format_value(r.value, meta["unit"], int(meta["decimals"]))
            if judged != "none" and r.area_code != ENGLAND_CODE and text:
                text += f" · {judged}"  # against England, where the 95% intervals say so
            frame[r.area_name][header] = text
        lines.append(f"{md(total_title(meta['title']))}: {md(meta['unit_label'])}")
        sources.append(display.source_line(places, build))
    if not frame:
        return
    table = pd.DataFrame.from_dict(frame, orient="index").reindex(order).fillna("")
    # Places first, then the partnership and England (as the rows came).
    table.insert(0, "Place", table.index)
    out.append(steps.table(table.reset_index(drop=True), f"card_table_{ch_id}"))
    notes = ["; ".join(lines) + ".", *measures.notes(i for i, _ in chosen),
             " ".join(dict.fromkeys(s for s in sources if s))]
    out.append(("caption", " ".join(n for n in notes if n)))


def _neighbourhoods(out: list[Step], ch_id: str, ind_id: str, level: str, build: Mapping) -> None:
    """A measure published only for neighbourhoods: each place's range across them."""
    meta = _meta(ind_id)
    areas = queries.areas()
    lads = areas[(areas["area_level"] == "lad") & areas["in_partnership"]]
    place_names = dict(zip(lads["area_code"], lads["display_name"], strict=True))
    rows = queries.observations((ind_id,), level, (), "latest", "total", False)
    rows = rows[rows["value"].notna()]
    unit, dec = meta["unit"], int(meta["decimals"])
    period = rows["period"].iloc[0] if len(rows) else ""
    kind = "small neighbourhoods" if level == "lsoa" else "neighbourhoods"
    out.append(("markdown", display.heading(meta["title"], meta["unit_label"], period)))
    frame = pd.DataFrame(
        [
            {"Place": place_names.get(code, code),
             f"Range across its {kind}": f"{format_number(g['value'].min(), dec)} to "
                                         f"{format_value(g['value'].max(), unit, dec)}"}
            for code, g in rows.groupby("lad_code", sort=False)
        ]
    )
    if not frame.empty:
        out.append(steps.table(frame.sort_values("Place"), f"card_table_{ch_id}"))
    out.append(("caption", f"Published for {kind} only, so each place shows the lowest and "
                f"highest of its {kind}. " + display.source_line(rows, build)))
