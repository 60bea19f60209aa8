"""The view's state in the URL: parameter names, parsing, validation and the "ignored" messages.

Every filter widget uses its URL parameter name as its ``key``. Values travel as identifiers
(indicator ids, area codes, level codes), never as the labels a reader sees, so a link pasted into
board papers keeps working when a title is reworded.

Precedence for each parameter on each run:

1. the URL, when it differs from what this session last wrote there (a fresh page load, a shared
   link, a link from another page, the browser's back button);
2. otherwise what the reader last chose (kept across page switches);
3. otherwise the default.

A value from the URL that is not allowed is ignored: the view falls back and the page says what it
ignored, with the text escaped so it cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard.formatting import md_escape

# URL parameter names (also the widget keys).
CHALLENGE = "challenge"
INDICATOR = "indicator"
INDICATORS = "indicators"
LEVEL = "level"
PLACES = "places"
PERIOD = "period"
AREA = "area"
LAYOUT = "layout"
BREAKDOWN = "breakdown"
COMPARATORS = "comparators"

KNOWN = (
    CHALLENGE,
    INDICATOR,
    INDICATORS,
    LEVEL,
    PLACES,
    PERIOD,
    AREA,
    LAYOUT,
    BREAKDOWN,
    COMPARATORS,
)
# Streamlit's own parameters, left alone.
RESERVED = ("embed", "embed_options")

ALL_CHALLENGES = "all"
LATEST = "latest"
ALL_PERIODS = "all"

MAX_VALUE_LENGTH = 120
MAX_ITEMS = 60

_STORE = "_gsmw_state"
_SYNCED = "_gsmw_synced"


@dataclass(frozen=True)
class Parsed:
    """A parameter's value after checking, and what (if anything) was ignored."""

    value: Any
    ignored: str | None = None


def ignored_message(name: str, raw: Sequence[str] | str, reason: str) -> str:
    """``Ignored indicator=“…”: not an indicator in this warehouse.`` with the value escaped."""
    values = [raw] if isinstance(raw, str) else list(raw)
    shown = ", ".join(f"“{md_escape(v)}”" for v in values[:3])
    if len(values) > 3:
        shown += f" and {len(values) - 3} more"
    return f"Ignored {name}={shown}: {reason}."


def parse_one(
    name: str,
    raw: Sequence[str] | str | None,
    allowed: Sequence[str] | Mapping[str, Any],
    default: str,
    *,
    what: str,
) -> Parsed:
    """Check one single-valued parameter against the values allowed.

    ``raw`` is what the URL held (a list when the parameter is repeated: the last one counts, as
    in Streamlit). ``what`` names the kind of value for the message ("an indicator with data").
    """
    if raw is None:
        return Parsed(default)
    values = [raw] if isinstance(raw, str) else list(raw)
    if not values:
        return Parsed(default)
    value = values[-1]
    if value == "":
        return Parsed(default)
    if len(value) > MAX_VALUE_LENGTH:
        return Parsed(default, ignored_message(name, value, "too long to be a valid value"))
    if value in allowed:
        return Parsed(value)
    folded = {str(a).lower(): a for a in allowed}
    if value.strip().lower() in folded:
        return Parsed(folded[value.strip().lower()])
    return Parsed(default, ignored_message(name, value, f"not {what}"))


def parse_many(
    name: str,
    raw: Sequence[str] | str | None,
    allowed: Sequence[str] | Mapping[str, Any],
    default: Sequence[str],
    *,
    what: str,
) -> Parsed:
    """Check a repeated parameter (``?places=A&places=B``); unknown items are dropped and named.

    A single value may also hold a comma-separated list.
    """
    if raw is None:
        return Parsed(list(default))
    values = [raw] if isinstance(raw, str) else list(raw)
    items: list[str] = []
    for v in values:
        items += [p.strip() for p in str(v).split(",")] if "," in str(v) else [str(v)]
    items = [i for i in items if i != ""]
    if not items:
        return Parsed(list(default))
    folded = {str(a).lower(): a for a in allowed}
    kept: list[str] = []
    bad: list[str] = []
    for item in items[: MAX_ITEMS * 2]:
        if len(item) <= MAX_VALUE_LENGTH and item in allowed:
            match = item
        elif len(item) <= MAX_VALUE_LENGTH and item.lower() in folded:
            match = folded[item.lower()]
        else:
            bad.append(item)
            continue
        if match not in kept:
            kept.append(match)
    if len(items) > MAX_ITEMS * 2:
        bad.append(f"{len(items) - MAX_ITEMS * 2} further values")
    kept = kept[:MAX_ITEMS]
    message = ignored_message(name, bad, f"not {what}") if bad else None
    return Parsed(kept or list(default), message)


def parse_flag(name: str, raw: Sequence[str] | str | None, default: bool) -> Parsed:
    """``1/0``, ``true/false``, ``yes/no`` and ``on/off``."""
    if raw is None:
        return Parsed(default)
    value = raw if isinstance(raw, str) else (list(raw) or [""])[-1]
    text = value.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return Parsed(True)
    if text in ("0", "false", "no", "off"):
        return Parsed(False)
    if text == "":
        return Parsed(default)
    return Parsed(default, ignored_message(name, value, "not on or off (use 1 or 0)"))


def unknown_parameters(names: Sequence[str]) -> str | None:
    """The message for parameter names this dashboard does not know (or None)."""
    unknown = [n for n in names if n not in KNOWN and n not in RESERVED]
    if not unknown:
        return None
    shown = ", ".join(f"“{md_escape(n, 40)}”" for n in unknown[:5])
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    return f"Ignored unknown URL parameter(s) {shown}{more}."


def serialise(value: Any) -> list[str]:
    """A value as URL parameter values."""
    if isinstance(value, bool):
        return ["1" if value else "0"]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


# ---------------------------------------------------------------------------------------------
# Streamlit glue: session store, widget priming and URL writing.
# ---------------------------------------------------------------------------------------------


def _store() -> dict[str, Any]:
    return st.session_state.setdefault(_STORE, {})


def _synced() -> dict[str, list[str] | None]:
    return st.session_state.setdefault(_SYNCED, {})


def url_value(key: str) -> list[str] | None:
    """The parameter's values in the URL now (None when absent)."""
    qp = st.query_params
    if key not in qp:
        return None
    return [str(v) for v in qp.get_all(key)]


def resolve(
    key: str,
    parse: Callable[[list[str] | None], Parsed],
    valid: Callable[[Any], bool],
    default: Any,
) -> Parsed:
    """Decide a parameter's value for this run and prime its widget (``st.session_state[key]``).

    ``parse`` checks URL values; ``valid`` checks a value the reader chose earlier against the
    options available now (they change with other filters).
    """
    raw = url_value(key)
    synced = _synced().get(key)
    store = _store()
    ignored = None
    if raw is not None and raw != synced:
        parsed = parse(raw)
        value, ignored = parsed.value, parsed.ignored
    elif key in st.session_state:
        value = st.session_state[key]
    elif key in store:
        value = store[key]
    else:
        value = default
    if not valid(value):
        value = default
    if isinstance(value, tuple):
        value = list(value)
    st.session_state[key] = value
    return Parsed(value, ignored)


def commit(key: str, value: Any, default: Any) -> None:
    """Remember the value and write it to the URL (removed when it is the default)."""
    _store()[key] = value
    # Nothing chosen (a list left empty) has no URL form: the parameter is left out.
    wanted = None if value == default or value == [] else serialise(value)
    current = url_value(key)
    if wanted != current:
        if wanted is None:
            del st.query_params[key]
        else:
            st.query_params[key] = wanted if len(wanted) > 1 else wanted[0]
    _synced()[key] = wanted


def narrow(key: str, allowed: Sequence[str] | Mapping[str, Any]) -> None:
    """Keep only the still-allowed items of a multi-valued choice the reader made earlier (a
    filter above it changed its options): nothing is added in place of those dropped."""
    for holder in (st.session_state, _store()):
        if key in holder and isinstance(holder[key], list | tuple):
            holder[key] = [v for v in holder[key] if v in allowed]


def remember(key: str, value: Any) -> None:
    """Keep a value for later pages without writing it to this page's URL."""
    _store()[key] = value


def recall(key: str, default: Any = None) -> Any:
    """A value chosen earlier in this session (on any page)."""
    if key in st.session_state:
        return st.session_state[key]
    return _store().get(key, default)


def drop_unknown() -> str | None:
    """Remove unknown parameters from the URL; the message naming them, if any."""
    names = [n for n in st.query_params if n not in KNOWN and n not in RESERVED]
    message = unknown_parameters(names)
    for name in names:
        del st.query_params[name]
    return message
