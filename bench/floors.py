"""Same-content floors: a page's elements, recorded from the real page, replayed with no work.

:class:`Recorder` watches a real page run (through AppTest) and keeps every Streamlit call the
script makes (the outermost ones: ``st.write`` calling ``st.markdown`` is one call), with the
container it went to (columns, tabs, expanders, the sidebar...), the navigation and the page
config: the same tables with the same rows, the same charts, the same pydeck Deck and GeoJSON.
Arguments are deep-copied when recorded; what a page would compute inside an element call is
computed then, never at replay:

* ``format_func`` is applied to the options at record time: the floor's widget gets the labels;
* callbacks (``on_change``, ``on_click`` functions) are left out (a string such as ``"rerun"``
  is kept); a download's data given as a function is called once;
* links to pages name the page, resolved to the floor's own navigation.

:func:`replay` (run by a floor script, :func:`floor_script`) makes the same calls, in order, on
the same containers, and nothing else: no query, no formatting, no geometry.
"""

from __future__ import annotations

import copy
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# name -> list of recordings (one per filter value); the floor replays them in turn.
RECORDINGS: dict[str, list[Recording]] = {}
ROUND_KEY = "_bench_floor_round"


@dataclass
class Call:
    """One element call: on which container, which method, with what."""

    target: str  # container id ("root:0" is the main area)
    method: str
    args: tuple
    kwargs: dict
    made: list[str] = field(default_factory=list)  # ids of the containers it returned


@dataclass
class Recording:
    """One run of a page: its navigation, page config and element calls."""

    navigation: tuple[list[dict], dict] | None = None
    page_config: dict | None = None
    calls: list[Call] = field(default_factory=list)


class _PageRef:
    """A link target, by URL path (resolved to the floor's navigation at replay)."""

    def __init__(self, url_path: str, path: str | None) -> None:
        self.url_path = url_path
        self.path = path


def _copy(value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except Exception:  # a value that cannot be copied is kept as it is
        return value


def _page_fields(page: Any) -> dict:
    path = getattr(page, "_page", None)
    return {"path": str(Path(path).resolve()) if isinstance(path, str | Path) else None,
            "title": page.title, "icon": page.icon, "url_path": page.url_path,
            "default": bool(getattr(page, "_default", False)), "visibility": page.visibility}


class Recorder:
    """Record the element calls of script runs while active (a context manager)."""

    def __init__(self) -> None:
        self.recording = Recording()
        self._ids: dict[int, str] = {}
        self._keep: list[Any] = []  # containers stay alive while recorded, so ids stay unique
        self._depth = threading.local()
        self._saved: list[tuple[Any, str, Any]] = []

    def start(self) -> Recording:
        """Begin a new recording (one script run)."""
        self.recording = Recording()
        self._ids.clear()
        self._keep.clear()
        return self.recording

    # -- identities of containers ----------------------------------------------------------

    def _id(self, dg: Any) -> str:
        found = self._ids.get(id(dg))
        if found is not None:
            return found
        if getattr(dg, "_parent", None) is None:
            return f"root:{dg._root_container}"
        raise RuntimeError("an element call on a container the recorder never saw created")

    def _register(self, result: Any) -> list[str]:
        from streamlit.delta_generator import DeltaGenerator

        made = []
        items = result if isinstance(result, list | tuple) else [result]
        for item in items:
            if isinstance(item, DeltaGenerator) and item._parent is not None:
                name = f"c{len(self._ids) + 1}"
                self._ids[id(item)] = name
                self._keep.append(item)
                made.append(name)
        return made

    # -- what is kept of a call ---------------------------------------------------------------

    @staticmethod
    def _prepared(method: str, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        from streamlit.navigation.page import StreamlitPage

        args, kwargs = list(args), dict(kwargs)
        fmt = kwargs.pop("format_func", None)
        if callable(fmt):
            if len(args) > 1:
                options = list(args[1])
                args[1] = [str(fmt(o)) for o in options]
            else:
                options = list(kwargs.get("options", []))
                kwargs["options"] = [str(fmt(o)) for o in options]
            for key in ("default", "value"):
                chosen = kwargs.get(key)
                if isinstance(chosen, list | tuple):
                    kwargs[key] = [str(fmt(o)) for o in chosen]
                elif chosen is not None and chosen in options:
                    kwargs[key] = str(fmt(chosen))
        for key in ("on_change", "on_click", "on_select"):
            if callable(kwargs.get(key)):
                kwargs[key] = "rerun" if key == "on_select" else None
                kwargs.pop("args", None)
                kwargs.pop("kwargs", None)
        if method == "download_button":
            data = kwargs.get("data", args[1] if len(args) > 1 else None)
            if callable(data):
                if len(args) > 1:
                    args[1] = data()
                else:
                    kwargs["data"] = data()
        if method == "page_link":
            page = args[0] if args else kwargs.pop("page")
            if isinstance(page, StreamlitPage):
                ref = _PageRef(page.url_path, _page_fields(page)["path"])
            else:
                ref = _PageRef("", str((REPO / str(page)).resolve()))
            args = [ref, *args[1:]]
        return _copy(tuple(args)), _copy(kwargs)

    # -- patching ---------------------------------------------------------------------------

    def _wrap(self, method: str, fn: Callable) -> Callable:
        recorder = self

        def wrapper(dg: Any, *args: Any, **kwargs: Any) -> Any:
            depth = getattr(recorder._depth, "n", 0)
            if depth:
                return fn(dg, *args, **kwargs)
            target = recorder._id(dg._active_dg)
            kept = recorder._prepared(method, args, kwargs)
            recorder._depth.n = depth + 1
            try:
                result = fn(dg, *args, **kwargs)
            finally:
                recorder._depth.n = depth
            call = Call(target, method, kept[0], kept[1], recorder._register(result))
            recorder.recording.calls.append(call)
            return result

        wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapper

    def __enter__(self) -> Recorder:
        import streamlit as st
        from streamlit.delta_generator import DeltaGenerator

        methods = [n for n in dir(DeltaGenerator)
                   if not n.startswith("_") and callable(getattr(DeltaGenerator, n))
                   and n not in ("spinner", "id", "dg")]
        wrapped = {}
        for name in methods:
            fn = getattr(DeltaGenerator, name)
            wrapped[name] = self._wrap(name, fn)
            self._saved.append((DeltaGenerator, name, fn))
            setattr(DeltaGenerator, name, wrapped[name])
        # ``st.markdown`` and the like are methods bound to the main area at import.
        for name in dir(st):
            attr = getattr(st, name)
            if (isinstance(attr, types.MethodType) and isinstance(attr.__self__, DeltaGenerator)
                    and name in wrapped):
                self._saved.append((st, name, attr))
                setattr(st, name, types.MethodType(wrapped[name], attr.__self__))
        nav, config = st.navigation, st.set_page_config
        recorder = self

        def navigation(pages: Any, **kwargs: Any) -> Any:
            flat = pages if isinstance(pages, list) else [p for ps in pages.values() for p in ps]
            recorder.recording.navigation = ([_page_fields(p) for p in flat], _copy(kwargs))
            return nav(pages, **kwargs)

        def set_page_config(**kwargs: Any) -> Any:
            recorder.recording.page_config = _copy(kwargs)
            return config(**kwargs)

        self._saved += [(st, "navigation", nav), (st, "set_page_config", config)]
        st.navigation, st.set_page_config = navigation, set_page_config
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved.clear()


# -- replay ---------------------------------------------------------------------------------


def replay(name: str) -> None:
    """Make the recorded calls of floor ``name`` (its recordings in turn, one per run)."""
    import streamlit as st

    recordings = RECORDINGS[name]
    rec = recordings[int(st.session_state.get(ROUND_KEY, 0)) % len(recordings)]
    if rec.page_config is not None:
        st.set_page_config(**rec.page_config)
    pages: dict[str, Any] = {}
    if rec.navigation is not None:
        fields, kwargs = rec.navigation
        listed = [st.Page(f["path"], title=f["title"], icon=f["icon"] or None,
                          url_path=f["url_path"] or None, default=f["default"],
                          visibility=f["visibility"]) for f in fields]
        for f, page in zip(fields, listed, strict=True):
            pages.setdefault(f["url_path"], page)
            pages.setdefault(f["path"], page)
        st.navigation(listed, **kwargs)
    roots = {"root:0": st._main, "root:1": st.sidebar, "root:2": st._event,
             "root:3": st._bottom}
    made: dict[str, Any] = dict(roots)
    for call in rec.calls:
        args = call.args
        if call.method == "page_link" and isinstance(args[0], _PageRef):
            ref = args[0]
            target_page = pages.get(ref.url_path) or pages.get(ref.path or "") or ref.path
            args = (target_page, *args[1:])
        result = getattr(made[call.target], call.method)(*args, **call.kwargs)
        if call.made:
            items = result if isinstance(result, list | tuple) else [result]
            for key, item in zip(call.made, items, strict=True):
                made[key] = item


def floor_script(folder: Path, name: str) -> Path:
    """A Streamlit script that replays floor ``name`` (its recordings are in this process)."""
    path = folder / f"floor_{name}.py"
    path.write_text(
        "from bench import floors\n\n"
        f"floors.replay({name!r})\n",
        encoding="utf-8",
    )
    return path
