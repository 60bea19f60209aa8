"""Command line: ``python -m etl build [--from DIR | --sample] [--db PATH] [--strict]``.

Exit status: 0 a warehouse was built and swapped in (warnings listed); 1 nothing was swapped
in (no readable input, a failed check, another build running, or ``--strict`` with a file that
could not be read); 2 a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import EtlError, LiveUnavailable, ProjectError, printable
from core.folders import escaped
from core.settings import warehouse_path as default_db_path
from etl import build
from etl.warehouse import holds_real_data


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m etl",
        description="Build the labour-market warehouse (DuckDB) from public sources.",
        epilog="Exit status: 0 built and swapped in (warnings listed); 1 nothing swapped in; "
        "2 usage error.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser(
        "build",
        help="build the warehouse",
        description=(
            "Build the warehouse. With no source option, fetch the live sources (Nomis API and "
            "others; responses are cached on disk, so a rerun needs no network). If they cannot "
            "be reached and nothing is cached, fall back to the bundled sample and say so. "
            "Every file found ends as one outcome, listed in the closing summary: loaded "
            "(figures per indicator), skipped (not a format read here; why), duplicate (the "
            "same bytes as a file already read) or quarantined (a format read here, but broken: "
            "where and why). By default a quarantined file (or a failed live fetch) does not "
            "stop the others, and the figures it held in the warehouse in use are carried over, "
            "marked as not refreshed."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit status: 0 built and swapped in (warnings listed); 1 nothing swapped in (no "
        "readable input, a failed check, another build running, or --strict with a file not "
        "read); 2 usage error.",
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
    b.add_argument(
        "--strict",
        action="store_true",
        help="fail, naming every problem, if any file is quarantined or any live fetch fails "
        "(the warehouse in use is then left byte-for-byte unchanged)",
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
            result = build.run(
                mode, db, from_dir=args.from_dir, show_progress=show, strict=args.strict
            )
        except LiveUnavailable as exc:
            if holds_real_data(db):
                # A refresh must never lose data: real figures are not swapped for the sample.
                raise EtlError(
                    f"Live sources unavailable ({exc}). The warehouse in use holds real "
                    "figures, so it is kept rather than replaced by the bundled sample; run the "
                    "build again when the network is back, or use --from with downloaded files."
                ) from None
            print(escaped(f"Live sources unavailable ({exc}).", db), file=sys.stderr)
            print(
                "FALLING BACK TO THE BUNDLED SAMPLE: the dashboard will show sample figures, "
                "not real statistics.",
                file=sys.stderr,
            )
            result = build.run("sample", db, show_progress=show)
    except ProjectError as exc:
        print(escaped(f"Build failed: {exc}", args.from_dir, db), file=sys.stderr)
        print(f"The warehouse in use ({printable(db)}) was not changed.", file=sys.stderr)
        return 1
    print(escaped(result.summary(), args.from_dir, db))
    return 0


if __name__ == "__main__":
    sys.exit(main())
