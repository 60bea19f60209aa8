"""Run the dashboard (``python -m dashboard.serve``) and drive it from Playwright.

Shared by the browser tests (``tests/e2e``), the screenshot script
(``docs/screenshots/make_screenshots.py``) and the browser bench (``bench/browser_bench.py``):
building a warehouse and map geometry into a folder
with the project's own commands, starting and stopping the server, and waiting for a page to
settle.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Debian's chromium, driven by Playwright (it cannot download its own browser here). These
# flags were checked with Playwright 1.65 and chromium 156: deck.gl draws with software WebGL.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
APP_CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
NO_SKELETON = "() => document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0"


def chromium_path() -> str | None:
    """The chromium executable: ``$CHROMIUM``, else ``chromium`` on PATH, else /usr/bin."""
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def find_shared_data() -> Path | None:
    """The real public files: ``$SHARED_DATA_DIR``, else a ``shared/data`` beside the repo."""
    env = os.environ.get("SHARED_DATA_DIR")
    candidates = [Path(env)] if env else []
    candidates += [parent / "shared" / "data" for parent in REPO.parents]
    for path in candidates:
        if (path / "SOURCES.md").is_file():
            return path
    return None


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: this one, minus the developer's data settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AREA_CONFIG", "WAREHOUSE_PATH", "GEO_DIR") and not k.startswith("STREAMLIT_")
    }
    env.update(extra)
    return env


def copy_files(shared: Path, relative: Iterable[str], folder: Path) -> list[str]:
    """Copy the chosen files (and the boundary lookups) into ``folder``; the missing ones."""
    missing = []
    for rel in relative:
        src = shared / rel
        if src.is_file():
            shutil.copy(src, folder / src.name)
        else:
            missing.append(rel)
    lookups = shared / "boundaries" / "lookups"
    if lookups.is_dir():
        shutil.copytree(lookups, folder / "lookups")
    return missing


def build_geometry(out: Path, boundaries: Path | None, cache: Path) -> None:
    """``python -m geo build --from <boundaries>`` (or ``--sample``) into ``out``."""
    source = ["--from", str(boundaries)] if boundaries is not None else ["--sample"]
    subprocess.run(
        [sys.executable, "-m", "geo", "build", *source, "--out", str(out), "--quiet"],
        cwd=REPO,
        env=clean_env(ETL_CACHE_DIR=str(cache)),
        check=True,
        capture_output=True,
        text=True,
    )


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppServer:
    """The dashboard (``python -m dashboard.serve``, or ``command``, e.g. another Streamlit
    script) on a free local port against a given warehouse and geometry.

    Use as a context manager: the server is healthy on entry and stopped (terminate, then kill)
    on exit, whatever happened in between.
    """

    def __init__(self, warehouse: Path, geo_dir: Path, log: Path, *, timeout: float = 90,
                 command: list[str] | None = None) -> None:
        self.warehouse = warehouse
        self.geo_dir = geo_dir
        self.log_path = log
        self.timeout = timeout
        self.command = command or [sys.executable, "-m", "dashboard.serve"]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen | None = None

    def start(self) -> AppServer:
        """Start the server and wait for ``/_stcore/health`` to answer ``ok``."""
        cmd = [
            *self.command,
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ]
        env = clean_env(
            WAREHOUSE_PATH=str(self.warehouse),
            GEO_DIR=str(self.geo_dir),
            ETL_CACHE_DIR=str(self.log_path.parent / "http-cache"),
        )
        log = self.log_path.open("w")
        self._proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log,
                                      stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {self._proc.returncode} before it was healthy:\n"
                    + self.log_tail()
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit was not healthy within {self.timeout:.0f} s:\n"
                           + self.log_tail())

    def stop(self) -> None:
        """Terminate the server; kill it if it does not stop within ten seconds."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def peak_rss_mb(self) -> float | None:
        """Peak resident memory of the server process so far (VmHWM), in MB."""
        if self._proc is None:
            return None
        try:
            for line in Path(f"/proc/{self._proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output (tracebacks land here)."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_until_idle(page, timeout: float = 60_000) -> None:  # page: playwright Page
    """Wait until the app is connected, its script has finished and no skeleton is left."""
    page.wait_for_selector(APP_CONNECTED, timeout=timeout)
    page.wait_for_selector(APP_IDLE, timeout=timeout)
    page.wait_for_function(NO_SKELETON, timeout=timeout)


def full_page_screenshot(page, path: Path, width: int = 1400) -> None:
    """A PNG of the whole page: Streamlit scrolls inside ``stMain``, so the viewport is grown to
    the content's height first (and put back afterwards)."""
    before = page.viewport_size
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return Math.ceil(m ? m.scrollHeight : document.documentElement.scrollHeight); }"
    )
    page.set_viewport_size({"width": width, "height": min(int(height), 16_000)})
    wait_until_idle(page)
    page.wait_for_timeout(800)  # deck.gl and Vega redraw at the new size
    page.screenshot(path=str(path), full_page=True)
    if before:
        page.set_viewport_size(before)
