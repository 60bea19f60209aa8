"""Get South Midlands Working: the labour-market dashboard's frame.

Navigation, the shared filter bar (its state lives in the URL), the sample-data banner, the
warehouse check and the provenance footer. Each page's layout lives in ``pages/``.
"""

from __future__ import annotations

import streamlit as st

from dashboard import filters as flt
from dashboard import queries, state
from dashboard.aspiration import EMPLOYMENT_RATE
from dashboard.db import WarehouseUnavailable
from dashboard.formatting import (
    date_range_text,
    date_text,
    join_names,
    licence_name,
    md,
    publisher_names,
)
from dashboard.views import FILTERS_KEY, PAGES

st.set_page_config(
    page_title="Get South Midlands Working: labour market dashboard",
    page_icon="💼",  # an emoji favicon is drawn in the browser: no request to a font server
    layout="wide",
    initial_sidebar_state="collapsed",
)
# Less empty space between the navigation bar and the page heading (Streamlit leaves 8rem).
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:4.5rem;}</style>")

# The overview is the front page ("/"); Streamlit serves a default page only there, so a hidden
# page answers its own address ("/overview") with the same script.
NAV = {
    key: st.Page(spec.path, title=spec.title, icon=spec.icon,
                 url_path="home" if key == "overview" else spec.url_path,
                 default=(key == "overview"))
    for key, spec in PAGES.items()
}
OVERVIEW_ALIAS = st.Page(PAGES["overview"].path, title=PAGES["overview"].title,
                         icon=PAGES["overview"].icon, url_path=PAGES["overview"].url_path,
                         visibility="hidden")
page = st.navigation([*NAV.values(), OVERVIEW_ALIAS], position="top")
page_key = next((k for k, p in NAV.items() if p._script_hash == page._script_hash), "overview")


def _missing_warehouse(message: str) -> None:
    st.title("Get South Midlands Working")
    st.error(f"**The data is not available yet.** {message}", icon=":material/database:")
    st.stop()


try:
    info = queries.info()
except WarehouseUnavailable as exc:
    _missing_warehouse(str(exc))

st.title(PAGES[page_key].heading.format(area=md(info["partnership_name"])))

if info["is_sample"]:
    st.warning(
        "### Sample data, not real figures\n"
        "This dashboard is showing the small sample bundled with the project, so the numbers "
        "below are invented for demonstration. Load real statistics with "
        "`python -m etl build` (live sources) or `python -m etl build --from <folder>` "
        "(downloaded extracts).",
        icon=":material/science:",
    )


# ---------------------------------------------------------------------------------------------
# The shared filter bar
# ---------------------------------------------------------------------------------------------


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
    levels = flt.level_options(targets)
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
        periods = flt.period_options(targets, result.level, allow_all=(page_key == "data"))
        result.period = _pick_one(
            state.PERIOD, periods, state.LATEST, shown, slots,
            "a period with figures for this indicator", ignored,
        ) or state.LATEST
    return result


ignored_messages: list[str] = []
unknown = state.drop_unknown()
if unknown:
    ignored_messages.append(unknown)
try:
    current = filter_bar(page_key)
except WarehouseUnavailable as exc:
    _missing_warehouse(str(exc))
ignored_messages += current.ignored
if ignored_messages:
    st.warning(
        "**Some of this link's settings were not used**, so defaults are shown instead:\n\n"
        + "\n".join(f"- {m}" for m in ignored_messages),
        icon=":material/link_off:",
    )
st.session_state[FILTERS_KEY] = current

try:
    page.run()
except WarehouseUnavailable as exc:
    _missing_warehouse(str(exc))


# ---------------------------------------------------------------------------------------------
# Footer: sources, licence and attribution, data date
# ---------------------------------------------------------------------------------------------


def footer() -> None:
    """Who published the figures, under which licence, and when they were built and fetched."""
    src = queries.sources()
    use = queries.source_use()
    shown = set(use.loc[use["n_shown"] > 0, "source_id"])
    used = src[src["source_id"].isin(shown)] if shown else src
    publishers = join_names(md(p) for p in publisher_names(used["publisher"]))
    licences = join_names(md(lic) for lic in sorted({licence_name(x) for x in used["licence"]}))
    st.divider()
    sample = " **Sample data, not real figures.**" if info["is_sample"] else ""
    built = date_text(info["built_at"]) or "on an unknown date"
    retrieved = date_range_text(used["retrieved_at"])
    if info["mode"] == "sample":
        when = f"Built {built} from the sample bundled with the project."
    else:
        how = "the live sources" if info["mode"] == "live" else "downloaded files"
        when = f"Built {built} from {how}" + (f" retrieved {retrieved}" if retrieved else "") + "."
    released = date_text(used["release_date"].max()) if used["release_date"].notna().any() else ""
    if released:
        when += f" Latest release date recorded by a source: {released}."
    with st.container(key="footer"):
        st.caption(
            f"**Sources:** {publishers}.{sample} Licence: {licences}. Map boundaries contain OS "
            f"data © Crown copyright and database right. {when}"
        )
        st.page_link(NAV["about"], label="About the data: every source, its attribution, "
                     "method and licence", icon=":material/info:")


footer()
