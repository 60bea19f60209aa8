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


_MISSING = object()


def _frozen(value: Any) -> Any:
    """``value`` as a key Python can hash: a dict or list made a tagged tuple (nested too)."""
    if isinstance(value, dict):
        return ("dict", tuple((k, _frozen(v)) for k, v in sorted(value.items(), key=repr)))
    if isinstance(value, list):
        return ("list", tuple(_frozen(v) for v in value))
    if isinstance(value, tuple):
        return tuple(_frozen(v) for v in value)
    return value


def cached(fn: F) -> F:
    """Kept per warehouse version and arguments, once per process (see the module docstring).

    Calls whose arguments Python can hash (strings, numbers, tuples, dicts and lists of them)
    are answered from a plain dict of the current version's results before Streamlit's cache,
    which hashes every argument on each call: a page makes dozens of such calls per rerun."""
    inner = st.cache_resource(ttl="1h", max_entries=256, show_spinner=False)(fn)
    front: dict[Any, Any] = {}
    current: list[str] = [""]  # the version ``front`` holds results of

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        version = db.version()
        try:
            key = (_frozen(args), _frozen(kwargs))
            hash(key)
        except TypeError:
            return own_copy(inner(version, *args, **kwargs))
        if current[0] != version:
            front.clear()
            current[0] = version
        result = front.get(key, _MISSING)
        if result is _MISSING:
            result = inner(version, *args, **kwargs)
            if len(front) >= 256:
                front.clear()
            front[key] = result
        return own_copy(result)

    def clear() -> None:
        front.clear()
        inner.clear()

    wrapper.clear = clear  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
