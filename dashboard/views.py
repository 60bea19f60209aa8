"""The pages of the dashboard, links between them, and the hand-over of the filter values from
the frame to a page."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard.filters import Filters
from dashboard.formatting import md

FILTERS_KEY = "_gsmw_filters"

# Page files are named ``page_<name>.py`` so that no file stem equals a URL path: with a
# ``pages/`` folder present, Streamlit's first run (and every AppTest run) goes through the legacy
# multipage resolver, which would run a page whose file stem matches the URL without the frame.


@dataclass(frozen=True)
class PageSpec:
    """One page: its script, title, icon and URL path."""

    path: str
    title: str
    icon: str
    url_path: str
    heading: str = ""  # the page's h1; ``{area}`` is replaced by the partnership's name


PAGES: dict[str, PageSpec] = {
    "overview": PageSpec("pages/page_overview.py", "Overview", ":material/dashboard:", "overview",
                         "{area}: getting more people into good work"),
    "map": PageSpec("pages/page_map.py", "Map", ":material/map:", "map",
                    "Map of the partnership's places"),
    "profile": PageSpec("pages/page_profile.py", "Place profile", ":material/location_on:",
                        "profile", "Place profile"),
    "compare": PageSpec("pages/page_compare.py", "Compare", ":material/bar_chart:", "compare",
                        "Compare places"),
    "data": PageSpec("pages/page_data.py", "Data & download", ":material/download:", "data",
                     "Data and download"),
    "about": PageSpec("pages/page_about.py", "About the data", ":material/info:", "about",
                      "About the data"),
}


def current_filters(page: str) -> Filters:
    """The filter values ``app.py`` resolved for this run (defaults if run on its own)."""
    found = st.session_state.get(FILTERS_KEY)
    return found if isinstance(found, Filters) else Filters(page=page)


def page_path(key: str) -> str:
    """The script path of a page, for ``st.page_link`` and ``st.switch_page``."""
    return PAGES[key].path


def profile_link(area_code: str, area_name: str) -> None:
    """A link to a place's profile."""
    st.page_link(page_path("profile"), label=f"Open the profile of {md(area_name)}",
                 icon=":material/arrow_forward:", query_params={"area": area_code})
