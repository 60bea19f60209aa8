"""What a section of a page draws, as data: worked out once per warehouse version and filter
(``dashboard.memo``), then drawn on each rerun with nothing left to compute.

A step is a tuple whose first item names the element:

* ``("markdown", text)``, ``("subheader", text)``, ``("caption", text)``;
* ``("table", frame, key, options)``: :func:`dashboard.tables.static_table` with ``options``;
* ``("chart", options)``: ``st.vega_lite_chart(**options)`` (a ready spec, key, height, alt);
* ``("link", page, options)``: ``st.page_link`` to the page named ``page``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import streamlit as st

from dashboard.tables import static_table
from dashboard.views import page_path

Step = tuple[Any, ...]


def draw(steps: Iterable[Step]) -> None:
    """Draw ``steps`` in order, in the current container."""
    for step in steps:
        kind = step[0]
        if kind == "markdown":
            st.markdown(step[1])
        elif kind == "subheader":
            st.subheader(step[1])
        elif kind == "caption":
            st.caption(step[1])
        elif kind == "table":
            static_table(step[1], key=step[2], **step[3])
        elif kind == "chart":
            st.vega_lite_chart(**step[1])
        elif kind == "link":
            st.page_link(page_path(step[1]), **step[2])
        else:
            raise ValueError(f"unknown step {kind!r}")
