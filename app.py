"""Get South Midlands Working: the labour-market dashboard's frame.

Navigation, the shared filter bar (:mod:`dashboard.filterbar`; its state lives in the URL), the
sample-data banner, the warehouse check and the provenance footer. Each page's layout lives in
``pages/``.
"""

from __future__ import annotations

import streamlit as st

from dashboard import filterbar, provenance, queries, state
from dashboard.db import WarehouseUnavailable
from dashboard.formatting import md
from dashboard.views import FILTERS_KEY, PAGES

st.set_page_config(
    page_title="Get South Midlands Working: labour market dashboard",
    page_icon="💼",  # an emoji favicon is drawn in the browser: no request to a font server
    layout="wide",
    initial_sidebar_state="collapsed",
)
# The frame's layout, for a desktop and a 390 px phone alike:
# - less empty space between the navigation bar and the page heading (Streamlit leaves 8rem);
# - a table wider than its column scrolls sideways inside its own box, never off the page; on a
#   phone its columns stay readable (at least 5.5rem each, not one word a line) and its first
#   column (the place or indicator) stays in view while the rest scrolls;
# - a link's words wrap onto a second line instead of being cut off.
LAYOUT_CSS = """
[data-testid='stMainBlockContainer']{padding-top:4.5rem;}
[data-testid='stTable']>div{overflow-x:auto;max-width:100%;}
@media (max-width:640px){
  [data-testid='stMainBlockContainer']{padding-top:3.5rem;}
  [data-testid='stTableStyledTable'] :is(th,td)>div{min-width:5.5rem;}
  [data-testid='stTableStyledTable'] :is(th,td):first-child{position:sticky;left:0;z-index:1;
    background:var(--st-background-color,#fff);box-shadow:1px 0 0 #e6e6e6;}
}
[data-testid='stPageLink-NavLink']{max-width:100%;height:auto;}
[data-testid='stPageLink-NavLink'] span{white-space:normal;overflow:visible;text-overflow:clip;}
"""
# Printed from the browser (a board member's "Print" or "Save as PDF"): the page's content only,
# without the navigation bar, menus and buttons that do nothing on paper; a table flows onto the
# next sheet with its header row repeated (a scrolling box would be cut, not continued) and a
# long word wraps rather than pushing columns off the paper; a heading stays with what follows
# it, and a table row, chart or metric is not split across two sheets.
PRINT_CSS = """
@media print{
  [data-testid='stHeader'],[data-testid='stSkipToContent'],[data-testid='stToolbar'],
  [data-testid='stElementToolbar'],[data-testid='stStatusWidget'],[data-testid='stButton'],
  [data-testid='stDownloadButton']{display:none !important;}
  [data-testid='stMainBlockContainer']{padding-top:0 !important;}
  [data-testid='stTable'],[data-testid='stTable']>div{overflow:visible !important;}
  h1,h2,h3{break-after:avoid;}
  [data-testid='stTableStyledTable']{display:table !important;}
  [data-testid='stTableStyledTable'] :is(th,td,th *,td *){overflow-wrap:anywhere;
    white-space:normal;}
  tr,[data-testid='stMetric'],[data-testid='stVegaLiteChart'],[data-testid='stImage']{
    break-inside:avoid;}
}
"""
st.html(f"<style>{LAYOUT_CSS}{PRINT_CSS}</style>")

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
        "below are invented for demonstration. The About page says how to load real "
        "statistics.",
        icon=":material/science:",
    )


ignored_messages: list[str] = []
unknown = state.drop_unknown()
if unknown:
    ignored_messages.append(unknown)
try:
    current = filterbar.filter_bar(page_key)
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
    st.divider()
    with st.container(key="footer"):
        st.caption(provenance.footer_caption(dict(info)))
        st.page_link(NAV["about"], label="About the data: every source, its attribution, "
                     "method and licence", icon=":material/info:")


footer()
