"""The filters a reader sets, each held in the URL: the shared filter bar above every page, and
a page's own choices (a breakdown, the map's layout, the place profiled).

Each widget's key is its URL parameter name; :mod:`dashboard.state` decides its value for the run
(the URL, else the reader's last choice, else the default) and writes it back. The options come
from :mod:`dashboard.filters`.
"""

from __future__ import annotations

import streamlit as st

from dashboard import filters as flt
from dashboard import state
from dashboard.aspiration import EMPLOYMENT_RATE
from dashboard.formatting import breakdown_label


def breakdown_choice(options: list[str], key: str) -> str:
    """Pick one breakdown of an indicator that has no total."""
    return st.selectbox("Breakdown", options, format_func=breakdown_label, key=key)


def url_choice(
    key: str,
    label: str,
    options: dict[str, str],
    default: str,
    *,
    what: str,
    widget: str = "selectbox",
    help_text: str | None = None,
) -> str:
    """A page's own filter whose value lives in the URL under ``key`` (as the shared ones do).

    Says what it ignored when the URL held a value that is not allowed.
    """
    parsed = state.resolve(
        key,
        lambda raw: state.parse_one(key, raw, options, default, what=what),
        lambda v: v in options,
        default,
    )
    if parsed.ignored:
        st.warning(parsed.ignored, icon=":material/link_off:")
    if widget == "segmented":
        value = st.segmented_control(
            label, list(options), format_func=options.get, key=key, help=help_text,
            required=True,
        )
    else:
        value = st.selectbox(
            label, list(options), format_func=options.get, key=key, help=help_text
        )
    value = value if value in options else default
    state.commit(key, value, default)
    return value


def _pick_one(
    key: str,
    options: dict[str, str],
    default: str | None,
    shown: tuple[str, ...],
    slots: dict[str, st.delta_generator.DeltaGenerator],
    what: str,
    ignored: list[str],
    help_text: str | None = None,
    url_default: str | None = None,
) -> str | None:
    """One single-choice filter. ``default`` is what a view without this parameter shows;
    ``url_default`` (if given) is the value left out of the URL, fixed so that a copied link
    does not depend on the other filters' defaults."""
    if not options or default is None:
        return None
    url_default = default if url_default is None else url_default
    parsed = state.resolve(
        key,
        lambda raw: state.parse_one(key, raw, options, default, what=what),
        lambda v: v in options,
        default,
    )
    if parsed.ignored:
        ignored.append(parsed.ignored)
    if key in shown:
        with slots[key]:
            value = st.selectbox(
                flt.LABELS[key], list(options), format_func=options.get, key=key, help=help_text
            )
        state.commit(key, value, url_default)
    else:
        value = parsed.value
        if key in st.query_params:
            state.commit(key, value, url_default)
        else:
            state.remember(key, value)
    return value


def _pick_many(
    key: str,
    options: dict[str, str],
    fallback: list[str],
    stable_default: list[str],
    shown: tuple[str, ...],
    slots: dict[str, st.delta_generator.DeltaGenerator],
    what: str,
    ignored: list[str],
    placeholder: str,
) -> list[str]:
    state.narrow(key, options)  # a narrower challenge drops choices; it never adds one
    parsed = state.resolve(
        key,
        lambda raw: state.parse_many(key, raw, options, fallback, what=what),
        lambda v: isinstance(v, list) and all(x in options for x in v),
        fallback,
    )
    if parsed.ignored:
        ignored.append(parsed.ignored)
    if key in shown:
        with slots[key]:
            value = st.multiselect(
                flt.LABELS[key],
                list(options),
                format_func=options.get,
                key=key,
                placeholder=placeholder,
            )
        state.commit(key, list(value), stable_default)
        return list(value)
    value = list(parsed.value)
    if key in st.query_params:
        state.commit(key, value, stable_default)
    else:
        state.remember(key, value)
    return value


def filter_bar(page_key: str) -> flt.Filters:
    """Render the page's filters (state in the URL) and return every shared value."""
    shown = flt.PAGE_FILTERS.get(page_key, ())
    result = flt.Filters(page=page_key)
    if not shown:
        return result
    widths = {state.CHALLENGE: 2, state.INDICATOR: 3, state.INDICATORS: 6, state.LEVEL: 2,
              state.PLACES: 3, state.PERIOD: 2}
    # Several indicators get a row of their own with the challenge, so two or three long titles
    # fit in the box without the last one being cut off.
    rows = ([[k for k in shown if k in (state.CHALLENGE, state.INDICATORS)],
             [k for k in shown if k not in (state.CHALLENGE, state.INDICATORS)]]
            if state.INDICATORS in shown else [list(shown)])
    slots: dict[str, st.delta_generator.DeltaGenerator] = {}
    with st.container(border=True, key="filter_bar"):
        for keys in (r for r in rows if r):
            weights = [widths[k] for k in keys]
            spare = [sum(widths.values()) // 2 - sum(weights)] if len(rows) > 1 else []
            cols = st.columns(weights + [w for w in spare if w > 0])
            slots.update(zip(keys, cols, strict=False))
    ignored = result.ignored

    challenges = flt.challenge_options()
    result.challenge = _pick_one(
        state.CHALLENGE, challenges, state.ALL_CHALLENGES, shown, slots,
        "one of the six challenges", ignored,
    ) or state.ALL_CHALLENGES

    options_page = "map" if page_key in ("map", "compare") else "data"
    ind_options = flt.indicator_options(result.challenge, options_page)
    if not ind_options and state.INDICATOR in (*shown, state.INDICATORS):
        with slots.get(state.INDICATOR) or slots.get(state.INDICATORS) or st.container():
            st.info("No indicator in this challenge has figures loaded yet.")
    stable_indicator = flt.default_indicator(ind_options)
    result.indicator = _pick_one(
        state.INDICATOR, ind_options, stable_indicator, shown, slots,
        "an indicator with figures for this view", ignored, url_default=EMPLOYMENT_RATE,
    )

    if state.INDICATORS in shown and ind_options:
        chosen = _pick_many(
            state.INDICATORS, ind_options,
            [result.indicator] if result.indicator else [],
            [EMPLOYMENT_RATE],
            shown, slots, "an indicator with figures for this view", ignored,
            placeholder="Choose indicators",
        )
        result.indicators = chosen
        if chosen and chosen[0] != result.indicator:
            result.indicator = chosen[0]
            state.remember(state.INDICATOR, chosen[0])
    else:
        result.indicators = [result.indicator] if result.indicator else []

    targets = result.indicators or ([result.indicator] if result.indicator else [])
    levels = flt.level_options(tuple(targets))
    if state.LEVEL in shown and levels:
        result.level = _pick_one(
            state.LEVEL, levels, flt.default_level(levels), shown, slots,
            "a level these indicators are published at", ignored, url_default="lad",
        ) or "lad"
    else:
        result.level = flt.default_level(levels) if levels else "lad"

    places = flt.place_options()
    result.places = _pick_many(
        state.PLACES, places, [], [], shown, slots, "a local authority in the partnership",
        ignored, placeholder=f"All {len(places)} places",
    )

    if targets:
        periods = flt.period_options(tuple(targets), result.level,
                                     allow_all=(page_key == "data"))
        result.period = _pick_one(
            state.PERIOD, periods, state.LATEST, shown, slots,
            "a period with figures for this indicator", ignored,
        ) or state.LATEST
    return result
