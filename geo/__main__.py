"""Command line: ``python -m geo build [--from DIR | --sample] [--out DIR]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.area import load_area
from core.errors import LiveUnavailable, ProjectError, printable
from core.folders import escaped
from geo import build
from geo.store import build_info, geo_dir

BANNER = "=" * 78


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m geo",
        description="Build the dashboard's map geometry (GeoParquet) and geography lookups.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser(
        "build",
        help="build the map geometry",
        description=(
            "Build LAD, MSOA and LSOA boundaries for the configured area, the partnership "
            "outline, comparators and a hex map, simplified for the web, plus normalised "
            "lookups. With no source option, fetch from the ONS Open Geography Portal "
            "(responses are cached, so a rerun needs no network); if it cannot be reached and "
            "nothing is cached, fall back to the schematic sample and say so."
        ),
    )
    src = b.add_mutually_exclusive_group()
    src.add_argument(
        "--from",
        dest="from_dir",
        type=Path,
        metavar="DIR",
        help="read boundary files (GeoJSON, GeoPackage, shapefile, GeoParquet; any CRS) and "
        "lookup CSVs found under DIR",
    )
    src.add_argument(
        "--sample",
        action="store_true",
        help="write the schematic hex map shipped with the project (offline; not real "
        "boundaries; no neighbourhood levels)",
    )
    b.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder to write (default: $GEO_DIR or {geo_dir()}); replaced whole, only once "
        "the build has succeeded",
    )
    b.add_argument(
        "--area",
        type=Path,
        default=None,
        metavar="FILE",
        help="area config to use (default: $AREA_CONFIG or area.toml)",
    )
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    out = args.out or geo_dir()
    mode = "files" if args.from_dir else "sample" if args.sample else "live"
    show = not args.quiet and sys.stderr.isatty()
    try:
        area = load_area(args.area)
        try:
            result = build.run(mode, out, from_dir=args.from_dir, area=area, show_progress=show)
        except LiveUnavailable as exc:
            existing = build_info(out)
            if existing and not existing.get("is_schematic"):
                print(
                    escaped(
                        f"ONS Open Geography Portal unreachable and nothing cached ({exc}). "
                        f"Keeping the real geometry already in {out} (built "
                        f"{existing.get('built_at')} from {existing.get('origin')}); nothing "
                        "was changed.",
                        out,
                    ),
                    file=sys.stderr,
                )
                return 0
            print(BANNER, file=sys.stderr)
            print(
                f"ONS Open Geography Portal unreachable and nothing cached ({exc}).",
                file=sys.stderr,
            )
            print(
                "FALLING BACK TO THE SCHEMATIC SAMPLE: maps will show hexagons, not real "
                "boundaries, and no neighbourhood level. Run `python -m geo build` again when "
                "online, or `python -m geo build --from DIR` with downloaded boundary files.",
                file=sys.stderr,
            )
            print(BANNER, file=sys.stderr)
            result = build.run("sample", out, area=area, show_progress=show)
    except ProjectError as exc:
        print(escaped(f"Geometry build failed: {exc}", args.from_dir, out), file=sys.stderr)
        print(f"The geometry in use ({printable(out)}) was not changed.", file=sys.stderr)
        return 1
    # File names in the lists are escaped one by one (a name may hold a line break).
    result.skipped = [printable(s) for s in result.skipped]
    result.notes = [printable(n) for n in result.notes]
    print(escaped(result.summary(), args.from_dir, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
