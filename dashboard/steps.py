"""What a section of a page draws, as data: worked out once per warehouse version and filter
(``dashboard.memo``), then drawn on each rerun with nothing left to compute.

A step is a tuple whose first item names the element:

* ``("markdown", text)``, ``("subheader", text[, anchor])``, ``("caption", text)``;
* ``("table", shown, key, options)``: a table to read, escaped when the step is made
  (:func:`table`), drawn with ``options`` (its width);
* ``("info", text)``, ``("warning", text)``: ``st.info``, ``st.warning``;
* ``("chart", options)``: ``st.vega_lite_chart(**options)`` (a ready spec, key, height, alt);
* ``("link", page, options)``: ``st.page_link`` to the page named ``page``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.tables import escape_table, escaped_table
from dashboard.views import page_path

Step = tuple[Any, ...]


def table(frame: pd.DataFrame, key: str, *, width: int | str = "stretch",
          nowrap: tuple[str, ...] = ()) -> Step:
    """A step drawing ``frame`` as :func:`dashboard.tables.static_table` does, escaped now so
    a rerun only draws it."""
    return ("table", escape_table(frame, nowrap), key, {"width": width})


def draw(steps: Iterable[Step]) -> None:
    """Draw ``steps`` in order, in the current container."""
    for step in steps:
        kind = step[0]
        if kind == "markdown":
            st.markdown(step[1])
        elif kind == "subheader":
            st.subheader(step[1], anchor=step[2] if len(step) > 2 else None)
        elif kind == "caption":
            st.caption(step[1])
        elif kind == "table":
            escaped_table(step[1], key=step[2], **step[3])
        elif kind == "info":
            st.info(step[1])
        elif kind == "warning":
            st.warning(step[1])
        elif kind == "chart":
            st.vega_lite_chart(**step[1])
        elif kind == "link":
            st.page_link(page_path(step[1]), **step[2])
        else:
            raise ValueError(f"unknown step {kind!r}")
