"""Where a page's warm rerun spends its time: ``python -m bench.profile_pages [PAGE ...]``.

Each page is opened through AppTest and warmed up exactly as the bench does
(``bench.pages_bench``), then profiled with pyinstrument over ``--reruns`` filter switches. The
script runs in AppTest's own thread, so the profiler is started inside that thread (around
``ScriptRunner._run_script``). Uses ``$WAREHOUSE_PATH`` and ``$GEO_DIR`` as they are set.
"""

from __future__ import annotations

import argparse
import os
import sys

from bench import pages_bench
from bench.common import PAGES


def profile(page: str, reruns: int, partnership: str, interval: float = 0.001):
    """A pyinstrument session of ``reruns`` warm reruns of ``page``."""

    with pages_bench.compiled_once():  # scripts compiled once, as on the server
        return _profile(page, reruns, partnership, interval)


def _profile(page: str, reruns: int, partnership: str, interval: float):
    from pyinstrument import Profiler
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    at = pages_bench.open_page(page)
    switch = pages_bench.switcher(page, at, partnership)
    for i in range(4):
        switch(i)
    profiler = Profiler(interval=interval)
    original = ScriptRunner._run_script

    def profiled(self, rerun_data):
        profiler.start()
        try:
            return original(self, rerun_data)
        finally:
            profiler.stop()

    ScriptRunner._run_script = profiled
    try:
        for i in range(reruns):
            switch(i)
    finally:
        ScriptRunner._run_script = original
    return profiler.last_session


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_pages",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--reruns", type=int, default=10)
    parser.add_argument("--html", help="write each profile as HTML to this prefix")
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    from dashboard import queries

    partnership = queries.info()["partnership_code"] or "GBW-SMID"
    for page in args.pages:
        session = profile(page, args.reruns, partnership)
        printer = Profiler()
        printer._last_session = session
        print(f"===== {page}: {args.reruns} reruns, {session.duration:.2f} s =====")
        show_all = os.environ.get("PROFILE_SHOW_ALL") == "1"  # Streamlit's own frames too
        print(printer.output_text(unicode=False, color=False, show_all=show_all))
        if args.html:
            with open(f"{args.html}{page}.html", "w", encoding="utf-8") as out:
                out.write(printer.output_html())
    return 0


if __name__ == "__main__":
    sys.exit(main())
