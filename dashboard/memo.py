"""Results kept once per process for each version of the warehouse: the query layer's answers
and what the pages derive from them (display tables, captions, card and panel contents).

:func:`cached` keys every entry on the warehouse's identity (``db.version``: the file, its inode,
size and modification time) as well as the arguments, so a new build is read on the next rerun
and never served stale. Entries are kept once per process, shared by every session
(``st.cache_resource``), and each call gets its own copy (:func:`own_copy`): a frame's columns
can be added, dropped or reassigned without touching the cached one, and pandas' copy-on-write
keeps its values from being changed in place. A page asks for the catalogue a dozen times per
rerun; unpickling a fresh copy each time (``st.cache_data``) cost up to 13% of a rerun.

A cached function takes the version as its first argument; callers leave it out. Its other
arguments must be hashable by Streamlit (primitives, tuples, dicts of them, frames).
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


def own_copy(result: Any) -> Any:
    """What a caller may change freely: a shallow copy of a frame (copy-on-write), a deep copy
    of a dict or list (small), each member of a tuple so copied; strings and numbers as they
    are."""
    if isinstance(result, pd.DataFrame):
        return result.copy(deep=False)
    if isinstance(result, dict | list):
        return copy.deepcopy(result)
    if isinstance(result, tuple) and not hasattr(result, "_fields"):
        return tuple(own_copy(x) for x in result)
    return result


def cached(fn: F) -> F:
    """Kept per warehouse version and arguments, once per process (see the module docstring)."""
    inner = st.cache_resource(ttl="1h", max_entries=256, show_spinner=False)(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return own_copy(inner(db.version(), *args, **kwargs))

    wrapper.clear = inner.clear  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
