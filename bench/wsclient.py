"""A light Streamlit client: one websocket session speaking the app's protocol, no browser.

It does what the browser's Streamlit frontend does on the wire and nothing more: open
``/_stcore/stream`` (subprotocol ``streamlit``), send a ``rerun_script`` BackMsg with the page,
the URL's query string and the widget values, and read ForwardMsgs until the run finishes. The
query string the app writes (``page_info_changed``) is sent back with the next run, as the
browser's URL would be. No static files, no drawing: the load is the server's work alone.

A run counts as failed when the connection fails or times out, the script does not finish
successfully, or the page shows a Python exception.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")


@dataclass
class Run:
    """What one script run sent back."""

    seconds: float = 0.0
    messages: int = 0
    bytes: int = 0
    exceptions: list[str] = field(default_factory=list)
    selectboxes: dict[str, tuple[str, list[str], int]] = field(default_factory=dict)
    elements: list[str] = field(default_factory=list)


class Session:
    """One user: a websocket session to the app at ``base`` (``http://host:port``)."""

    def __init__(self, base: str, timeout: float = 120) -> None:
        self.url = base.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.query = ""
        self.page = ""
        self.ws = None

    async def __aenter__(self) -> Session:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.url, subprotocols=["streamlit"], max_size=None,
                                open_timeout=self.timeout, ping_interval=None,
                                compression=None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run(self, page: str | None = None, query: str | None = None,
                  widgets: list[WidgetState] | None = None) -> Run:
        """One script run (a page load or a widget change); returns when it has finished."""
        if page is not None:
            self.page = page
        if query is not None:
            self.query = query
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_name = self.page
        state.context_info.timezone = "Europe/London"
        state.context_info.locale = "en-GB"
        state.context_info.url = f"{self.base}/{self.page}" + (
            f"?{self.query}" if self.query else "")
        for widget in widgets or []:
            state.widget_states.widgets.append(widget)
        run = Run()
        began = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._read_until_finished(run), self.timeout)
        run.seconds = time.perf_counter() - began
        return run

    async def _read_until_finished(self, run: Run) -> None:
        while True:
            data = await self.ws.recv()
            run.messages += 1
            run.bytes += len(data)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                what = element.WhichOneof("type")
                run.elements.append(what)
                if what == "exception":
                    run.exceptions.append(
                        f"{element.exception.type}: {element.exception.message}"[:300])
                elif what == "selectbox":
                    box = element.selectbox
                    run.selectboxes[box.label] = (box.id, list(box.options), box.default)
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == FINISHED:
                    return
                if status != RERUN:
                    name = ForwardMsg.ScriptFinishedStatus.Name(status)
                    run.exceptions.append(f"script finished with {name}")
                    return


def choose(widget_id: str, label: str) -> WidgetState:
    """A selectbox set to the option shown as ``label``."""
    state = WidgetState()
    state.id = widget_id
    state.string_value = label
    return state
