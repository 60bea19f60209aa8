"""Command line: ``python -m etl build [--from DIR | --sample] [--db PATH]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import EtlError, LiveUnavailable, ProjectError
from core.settings import warehouse_path as default_db_path
from etl import build
from etl.warehouse import holds_real_data


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m etl",
        description="Build the labour-market warehouse (DuckDB) from public sources.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser(
        "build",
        help="build the warehouse",
        description=(
            "Build the warehouse. With no source option, fetch the live sources (Nomis API and "
            "others; responses are cached on disk, so a rerun needs no network). If they cannot "
            "be reached and nothing is cached, fall back to the bundled sample and say so."
        ),
    )
    src = b.add_mutually_exclusive_group()
    src.add_argument(
        "--from",
        dest="from_dir",
        type=Path,
        metavar="DIR",
        help="load extract files found under DIR (recursively, recognised by content)",
    )
    src.add_argument(
        "--sample",
        action="store_true",
        help="load the small sample bundled with the project (not real figures)",
    )
    b.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"warehouse file to write (default: $WAREHOUSE_PATH or {default_db_path()})",
    )
    b.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    db = args.db or default_db_path()
    mode = "files" if args.from_dir else "sample" if args.sample else "live"
    show = not args.quiet and sys.stderr.isatty()
    try:
        try:
            result = build.run(mode, db, from_dir=args.from_dir, show_progress=show)
        except LiveUnavailable as exc:
            if holds_real_data(db):
                # A refresh must never lose data: real figures are not swapped for the sample.
                raise EtlError(
                    f"Live sources unavailable ({exc}). The warehouse in use holds real "
                    "figures, so it is kept rather than replaced by the bundled sample; run the "
                    "build again when the network is back, or use --from with downloaded files."
                ) from None
            print(f"Live sources unavailable ({exc}).", file=sys.stderr)
            print(
                "FALLING BACK TO THE BUNDLED SAMPLE: the dashboard will show sample figures, "
                "not real statistics.",
                file=sys.stderr,
            )
            result = build.run("sample", db, show_progress=show)
    except ProjectError as exc:
        print(f"Build failed: {exc}", file=sys.stderr)
        print(f"The warehouse in use ({db}) was not changed.", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
