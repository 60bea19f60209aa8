"""Screenshots of every page, built from the real public files.

Builds a warehouse (``etl.build.run("files", ...)`` over the whole shared data folder) and map
geometry (``python -m geo build --from <shared>/boundaries``) in a temporary folder, starts the
dashboard with ``streamlit run`` and writes one full-page PNG per view, 1400 px wide (and a few
390 px wide, as a phone shows them), beside this script, with Luton's profile as a PDF and its
chart as a PNG, as the profile page's buttons give them. Fit notes and Textkernel job adverts
have no real file in the shared folder, so their views (``sample-*``) are taken from the bundled
sample on the same real boundaries: every page of those carries the sample banner. The shared
data folder is ``$SHARED_DATA_DIR``, else ``shared/data`` beside the repository. Needs chromium
(Debian: ``apt-get install chromium``).

    python docs/screenshots/make_screenshots.py [--only map-lad,about] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e import mapview  # noqa: E402
from tests.e2e.appserver import (  # noqa: E402
    CHROMIUM_ARGS,
    AppServer,
    build_geometry,
    chromium_path,
    find_shared_data,
    full_page_screenshot,
    wait_until_idle,
)

LUTON = "E06000032"
BURY_PARK = "E02003274"  # a Luton neighbourhood (MSOA)

# File name -> the address of the view, as a reader would open it.
VIEWS: dict[str, str] = {
    "overview": "/",
    "map-lad": "/map",
    "map-lsoa": "/map?indicator=census_never_worked_pct&level=lsoa",
    "map-hex": "/map?layout=hex",
    "profile-lad": f"/profile?area={LUTON}",
    "profile-neighbourhood": f"/profile?area={BURY_PARK}",
    "compare": "/compare?indicators=employment_rate_16_64&indicators=inactivity_rate_16_64",
    "data": f"/data?indicators=employment_rate_16_64&places={LUTON}",
    "about": "/about",
}
# The same views on a 390 x 844 phone (file name -> address).
PHONE_VIEWS: dict[str, str] = {
    "overview-phone": "/",
    "profile-phone": f"/profile?area={LUTON}",
}
# The place profile's downloads for board papers (file name -> the button that gives it).
EXPORTS: dict[str, str] = {
    "profile-export.pdf": "Download profile (PDF)",
    "profile-chart.png": "Download main chart (PNG)",
}
# Files a reader downloads from a view (file name -> view, button), saved as they come.
DOWNLOADS: dict[str, tuple[str, str]] = {
    "map-export": ("/map", "Download map (PNG)"),
}
# Views of sources the shared folder lacks, from the bundled sample (the pages say so).
SAMPLE_VIEWS: dict[str, str] = {
    "sample-fit-notes-map": "/map?challenge=exclusion&indicator=fit_notes_per_1000_16_64"
                            "&level=subicb",
    "sample-overview-panels": "/",
}


def build(shared: Path, tmp: Path) -> tuple[Path, Path]:
    """The warehouse and geometry from the real files; their paths."""
    from core.area import load_area
    from etl import build as etl_build

    warehouse = tmp / "warehouse.duckdb"
    geo_dir = tmp / "geo"
    print(f"==> building the warehouse from {shared}", flush=True)
    etl_build.run("files", warehouse, from_dir=shared, area=load_area(REPO / "area.toml"))
    print(f"==> building map geometry from {shared / 'boundaries'}", flush=True)
    build_geometry(geo_dir, shared / "boundaries", tmp / "http-cache")
    return warehouse, geo_dir


def build_sample(tmp: Path) -> Path:
    """The bundled sample's warehouse; its path."""
    from core.area import load_area
    from etl import build as etl_build

    warehouse = tmp / "sample.duckdb"
    print("==> building the bundled sample's warehouse", flush=True)
    etl_build.run("sample", warehouse, area=load_area(REPO / "area.toml"))
    return warehouse


def shoot(url: str, views: dict[str, str], out: Path, width: int = 1400, height: int = 1000
          ) -> list[Path]:
    """One full-page PNG per view, ``width`` pixels wide; the files written."""
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=url, viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto("/")  # the first visit after a start goes to the front page
        wait_until_idle(page)
        for name, path in views.items():
            started = time.monotonic()
            if name in DOWNLOADS:
                target = out / f"{name}.png"
                page.goto(DOWNLOADS[name][0])
                wait_until_idle(page)
                with page.expect_download() as info:
                    page.get_by_role("button", name=DOWNLOADS[name][1]).click()
                info.value.save_as(target)
                written.append(target)
                print(f"  {target.relative_to(REPO)}  (downloaded)", flush=True)
                continue
            page.goto(path)
            wait_until_idle(page)
            if page.locator(mapview.MAP).count():
                classes = mapview.legend_classes(page)
                mapview.wait_for_drawing(page, [c.rgb for c in classes], at_least=1)
            target = out / f"{name}.png"
            full_page_screenshot(page, target, width=width)
            written.append(target)
            if name == "overview":  # the README's first screen: what a reader sees on opening
                top = out / "overview-top.png"
                page.goto(path)
                wait_until_idle(page)
                page.screenshot(path=str(top))
                written.append(top)
            print(f"  {target.relative_to(REPO)}  ({time.monotonic() - started:.1f} s)",
                  flush=True)
        browser.close()
    return written


def exports(url: str, out: Path) -> list[Path]:
    """Luton's profile as board papers get it: the PDF and the chart PNG its buttons give."""
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=url, viewport={"width": 1400, "height": 1000},
                                      accept_downloads=True)
        page = context.new_page()
        page.goto(f"/profile?area={LUTON}")
        wait_until_idle(page)
        for name, button in EXPORTS.items():
            with page.expect_download() as download:
                page.get_by_role("button", name=button).click()
            download.value.save_as(out / name)
            written.append(out / name)
            print(f"  {(out / name).relative_to(REPO)}", flush=True)
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Build, serve, shoot; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated view names: "
                        + ", ".join([*VIEWS, *DOWNLOADS, *PHONE_VIEWS, *SAMPLE_VIEWS, "exports"]))
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNGs")
    args = parser.parse_args(argv)
    wanted = {s.strip() for s in args.only.split(",") if s.strip()}
    views = {k: v for k, v in {**VIEWS, **{d: v[0] for d, v in DOWNLOADS.items()}}.items()
             if not wanted or k in wanted}
    phone_views = {k: v for k, v in PHONE_VIEWS.items() if not wanted or k in wanted}
    export_files = not wanted or "exports" in wanted
    sample_views = {k: v for k, v in SAMPLE_VIEWS.items() if not wanted or k in wanted}
    shared = find_shared_data()
    if shared is None:
        print("No shared data folder (set SHARED_DATA_DIR to the folder holding SOURCES.md).",
              file=sys.stderr)
        return 1
    if chromium_path() is None:
        print("chromium is not installed (Debian: apt-get install chromium).", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gsmw-screens-") as tmp:
        warehouse, geo_dir = build(shared, Path(tmp))
        with AppServer(warehouse, geo_dir, Path(tmp) / "streamlit.log") as server:
            print(f"==> {len(views)} screenshots from {server.url}", flush=True)
            shoot(server.url, views, args.out)
            if phone_views:
                print(f"==> {len(phone_views)} screenshots at 390 x 844", flush=True)
                shoot(server.url, phone_views, args.out, width=390, height=844)
            if export_files:
                print("==> the place profile's downloads", flush=True)
                exports(server.url, args.out)
        if sample_views:
            sample = build_sample(Path(tmp))
            with AppServer(sample, geo_dir, Path(tmp) / "streamlit-sample.log") as server:
                print(f"==> {len(sample_views)} screenshots of the sample from {server.url}",
                      flush=True)
                shoot(server.url, sample_views, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
