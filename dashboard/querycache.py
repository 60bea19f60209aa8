"""The cache every warehouse question shares: one result per warehouse version and arguments.

Each entry is keyed on the warehouse's identity as well (``db.version``: the file, its inode,
size and modification time), so a new build is read on the next rerun and never served stale.
Results are kept once per process, shared by every session (``st.cache_resource``), and each
call gets its own shallow copy: a frame's columns can be added, dropped or reassigned without
touching the cached one, and pandas' copy-on-write keeps its values from being changed in place.
A page asks for the catalogue a dozen times per rerun; unpickling a fresh copy each time
(``st.cache_data``) cost up to 13% of a rerun (docs/performance.md).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from dashboard import db

F = TypeVar("F", bound=Callable[..., Any])


def _own_copy(result: Any) -> Any:
    """What a caller may change freely: a shallow copy of a frame (copy-on-write), a deep copy
    of a dict (small: a build's summary)."""
    if isinstance(result, pd.DataFrame):
        return result.copy(deep=False)
    if isinstance(result, dict):
        return copy.deepcopy(result)
    return result


def cached(fn: F) -> F:
    """``fn(version, *args)`` called as ``fn(*args)``: kept per warehouse version and arguments,
    once per process (see the module docstring)."""
    inner = st.cache_resource(ttl="1h", max_entries=256, show_spinner=False)(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _own_copy(inner(db.version(), *args, **kwargs))

    wrapper.clear = inner.clear  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
