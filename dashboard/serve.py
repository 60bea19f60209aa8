"""Start the dashboard server: ``python -m dashboard.serve [streamlit run options]``.

``app.py`` routes its pages with ``st.navigation``. Streamlit still treats an app with a
``pages/`` folder as a legacy folder-routed app for the very first script run after the server
starts, so the first visitor arriving by a deep link (``/map?...``) saw a "Page not found" notice
above the right page. Starting the server through this module switches that legacy routing off
before any session exists; everything else is ``streamlit run app.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"


def main(argv: list[str] | None = None) -> int:
    """Run ``streamlit run app.py`` with the given options, st.navigation routing from the start."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    try:
        cli.main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
