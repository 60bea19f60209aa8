"""The dashboard server makes no outbound request.

Streamlit, started headless as ``make run`` starts it, asked ``checkip.amazonaws.com`` for the
machine's external address on every start (to print an "External URL"): a request to the
internet from a server that may have none, and a second of waiting where it is blocked. The
project's ``.streamlit/config.toml`` names the address browsers use, which Streamlit takes
instead. Here every outbound HTTP(S) request is routed to a local listener (the proxy settings
``requests`` obeys), which records any attempt.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from etl.__main__ import main
from tests.e2e.appserver import clean_env, free_port

REPO = Path(__file__).resolve().parent.parent


class Listener:
    """A local TCP port that records the first line of every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.seen: list[str] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    self.seen.append(conn.recv(4096).split(b"\r\n")[0].decode("latin-1"))
                except OSError:
                    self.seen.append("(a connection, nothing sent)")

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def test_the_server_starts_and_serves_without_any_outbound_request(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    assert main(["build", "--sample", "--quiet", "--db", str(db)]) == 0
    listener = Listener()
    port = free_port()
    names = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY")
    proxy = dict.fromkeys(names, listener.url)
    env = clean_env(WAREHOUSE_PATH=str(db), GEO_DIR=str(tmp_path / "geo"), **proxy)
    for name in ("NO_PROXY", "no_proxy"):
        env.pop(name, None)
    log = tmp_path / "server.log"
    # As `make run` starts it: no --server.address, headless from the project's config.
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "dashboard.serve", "--server.port",
                                 str(port)], cwd=REPO, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        text = ""
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace")
            if "URL:" in text:
                break
            assert proc.poll() is None, text
            time.sleep(0.2)
        else:
            pytest.fail(f"the server did not start:\n{text}")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as answer:
            assert answer.read().strip() == b"ok"
        with opener.open(f"http://127.0.0.1:{port}/", timeout=10) as answer:
            assert answer.status == 200
        time.sleep(3)  # the external-address lookup waited up to two seconds
        text = log.read_text(errors="replace")
        assert "External URL" not in text
        assert "URL: http://localhost:" in text
        assert listener.seen == [], f"outbound requests: {listener.seen}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        listener.stop()
    assert os.environ.get("HTTP_PROXY") != listener.url  # the test's own process untouched
