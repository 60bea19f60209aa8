"""Many users at once: light websocket sessions (``bench.wsclient``), no browsers.

Each user opens a session at a random moment within the first ``arrive_within`` seconds, loads
the Overview, then the Map, and changes the indicator (to one picked at random) at a random
moment within the ``window``-second run (straight after the map has loaded if that moment has
passed). Every wait a user has is one latency: the page loads and the change, from sending the
request until the run has finished.

``concurrent_p95_ms``      p95 of every latency under load (``concurrent_p95_ms_by_step`` per
                           step)
``concurrent_baseline_p95_ms``  the same, for users who come one at a time, just before
``concurrent_p95_ratio``   under load / alone
``concurrent_errors``      failed or timed-out runs, runs whose page showed an exception, and
                           changes the page did not take (the URL's ``indicator`` unchanged)
``server_peak_rss_mb``     the server's peak resident memory (VmHWM) by the end
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

from bench.common import ratio
from bench.wsclient import Session, choose
from tests.e2e.appserver import AppServer

STEPS = ("overview", "map", "change")


@dataclass
class Outcome:
    """Latencies (per step, seconds) and errors of a group of users."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    errors: list[str] = field(default_factory=list)
    bytes: int = 0

    def all(self) -> list[float]:
        return [x for step in STEPS for x in self.latencies[step]]


def p95(values: list[float]) -> float | None:
    """The 95th percentile in ms (nearest rank), or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000, 1)


async def user(base: str, start_at: float, change_at: float, t0: float, rng: random.Random,
               out: Outcome, timeout: float) -> None:
    """One user's visit (see the module docstring)."""
    await asyncio.sleep(max(0.0, t0 + start_at - time.monotonic()))
    step = "connect"
    try:
        async with Session(base, timeout=timeout) as session:
            for step, page in (("overview", ""), ("map", "map")):
                run = await session.run(page=page)
                out.latencies[step].append(run.seconds)
                out.bytes += run.bytes
                out.errors += [f"{step}: {e}" for e in run.exceptions]
            box = run.selectboxes.get("Indicator")
            if box is None:
                out.errors.append("map: no indicator selectbox")
                return
            widget, options, current = box
            before = parse_qs(session.query).get("indicator")
            choice = rng.choice([o for i, o in enumerate(options) if i != current] or options)
            await asyncio.sleep(max(0.0, t0 + change_at - time.monotonic()))
            step = "change"
            run = await session.run(widgets=[choose(widget, choice)])
            out.latencies["change"].append(run.seconds)
            out.bytes += run.bytes
            out.errors += [f"change: {e}" for e in run.exceptions]
            after = parse_qs(session.query).get("indicator")
            if after == before or not after:
                out.errors.append(f"change to {choice!r}: the URL still says {before}")
    except Exception as exc:  # every failure counts
        out.errors.append(f"{step}: {type(exc).__name__}: {str(exc)[:200]}")


async def crowd(base: str, users: int, arrive_within: float, window: float, seed: int,
                timeout: float) -> Outcome:
    """``users`` users at once (see the module docstring)."""
    rng = random.Random(seed)
    out = Outcome()
    t0 = time.monotonic()
    plans = [(rng.uniform(0, arrive_within), rng.uniform(0, window)) for _ in range(users)]
    await asyncio.gather(*(user(base, start, change, t0, random.Random(rng.random()), out,
                                timeout) for start, change in plans))
    return out


async def alone(base: str, users: int, seed: int, timeout: float) -> Outcome:
    """The same visits, one user at a time, each changing the indicator at once."""
    rng = random.Random(seed)
    out = Outcome()
    for _ in range(users):
        await user(base, 0.0, 0.0, time.monotonic(), random.Random(rng.random()), out, timeout)
    return out


async def every_page(base: str) -> None:
    """Open every page once, so the server has loaded everything a reader can reach."""
    from bench.common import PAGES
    from dashboard.views import PAGES as SPECS

    async with Session(base) as session:
        for key in PAGES:
            await session.run(page="" if key == "overview" else SPECS[key].url_path)


def run(tmp: Path, warehouse: Path, geo_dir: Path, users: int, window: float,
        arrive_within: float, log: Callable[[str], None], timeout: float = 180.0,
        seed: int = 15) -> dict:
    """The concurrency figures (see the module docstring), against a server of their own."""
    with AppServer(warehouse, geo_dir, tmp / "load.log", timeout=180) as server:
        return measure(server, users, window, arrive_within, log, timeout, seed)


def measure(server: AppServer, users: int, window: float, arrive_within: float,
            log: Callable[[str], None], timeout: float, seed: int) -> dict:
    """The concurrency figures against a running server."""
    asyncio.run(every_page(server.url))
    asyncio.run(alone(server.url, 1, seed, timeout))  # warm-up: first runs import and cache
    baseline = asyncio.run(alone(server.url, 6, seed + 1, timeout))
    log(f"load: one user at a time, p95 {p95(baseline.all())} ms")
    started = time.monotonic()
    loaded = asyncio.run(crowd(server.url, users, arrive_within, window, seed + 2, timeout))
    elapsed = time.monotonic() - started
    out = {
        "concurrent_sessions": users,
        "concurrent_window_s": window,
        "concurrent_arrivals_within_s": arrive_within,
        "concurrent_requests": len(loaded.all()),
        "concurrent_elapsed_s": round(elapsed, 1),
        "concurrent_baseline_p95_ms": p95(baseline.all()),
        "concurrent_baseline_p95_ms_by_step": {s: p95(baseline.latencies[s]) for s in STEPS},
        "concurrent_p95_ms": p95(loaded.all()),
        "concurrent_p95_ms_by_step": {s: p95(loaded.latencies[s]) for s in STEPS},
        "concurrent_median_ms": round(statistics.median(loaded.all()) * 1000, 1)
        if loaded.all() else None,
        "concurrent_max_ms": round(max(loaded.all()) * 1000, 1) if loaded.all() else None,
        "concurrent_errors": len(loaded.errors) + len(baseline.errors),
        "concurrent_error_messages": (loaded.errors + baseline.errors)[:10],
        "concurrent_mb_sent": round(loaded.bytes / 1e6, 1),
        "concurrent_latencies_ms": {s: sorted(round(x * 1000) for x in loaded.latencies[s])
                                    for s in STEPS},
    }
    out["concurrent_p95_ratio"] = ratio(out["concurrent_p95_ms"],
                                        out["concurrent_baseline_p95_ms"])
    out["server_peak_rss_mb"] = server.peak_rss_mb()
    log(f"load: {users} users, p95 {out['concurrent_p95_ms']} ms "
        f"({out['concurrent_p95_ratio']}x), {out['concurrent_errors']} error(s), "
        f"peak RSS {out['server_peak_rss_mb']} MB")
    return out
