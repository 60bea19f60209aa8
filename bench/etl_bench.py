"""ETL: building the warehouse from the real Nomis extracts, against just reading the same files.

``etl_build_s``       ``etl.build.run("files", ...)`` over the shared data's ``nomis/`` folder (all
                      of it: LSOA-level files for all of England and Wales included), a fresh
                      warehouse file each run, with the map geometry's lookups in ``GEO_DIR`` as
                      after ``make run``.
``etl_read_floor_s``  reading the very same files and nothing more: every CSV with DuckDB's CSV
                      reader into a table (all columns as text, no type guessing), every XLSX
                      with openpyxl (read-only, every row of every sheet). XLSX files are in both
                      sides.
``etl_ratio``         build / floor.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

from bench.common import median_of, ratio, timed

TABULAR = {".csv", ".tsv", ".xlsx", ".xlsm"}


def extract_files(root: Path) -> list[Path]:
    """The tabular files a build of ``root`` reads (hidden files ignored, as the build does)."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in TABULAR
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def read_floor(files: list[Path]) -> None:
    """Read every file once, as cheaply as the two readers allow."""
    import duckdb
    import openpyxl

    con = duckdb.connect()
    try:
        for i, path in enumerate(files):
            if path.suffix.lower() in {".xlsx", ".xlsm"}:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
                try:
                    for ws in wb.worksheets:
                        ws.reset_dimensions()
                        for _row in ws.iter_rows(values_only=True):
                            pass
                finally:
                    wb.close()
            else:
                con.execute(
                    f"CREATE TABLE f{i} AS SELECT * FROM read_csv(?, all_varchar = true, "
                    "header = false, null_padding = true, strict_mode = false)",
                    [str(path)],
                )
    finally:
        con.close()


def run(tmp: Path, shared: Path | None, runs: int, log: Callable[[str], None]) -> dict:
    """The ETL figures (see the module docstring)."""
    from etl import build

    root = shared / "nomis" if shared is not None else build.SAMPLE_DIR
    files = extract_files(root)
    log(f"ETL: {len(files)} files under {root}")
    counter = iter(range(10_000))

    def one_build() -> float:
        db = tmp / f"etl-{next(counter)}.duckdb"
        seconds = timed(lambda: build.run("files", db, from_dir=root))
        db.unlink(missing_ok=True)
        return seconds

    one_build()  # imports and first-touch file reads out of the way
    build_s, build_runs = median_of(one_build, runs)
    floor_s, floor_runs = median_of(lambda: timed(lambda: read_floor(files)), runs)
    return {
        "etl_source": str(root),
        "etl_files": len(files),
        "etl_build_s": round(build_s, 3),
        "etl_read_floor_s": round(floor_s, 3),
        "etl_ratio": ratio(build_s, floor_s),
        "etl_runs": {"build_s": [round(x, 3) for x in build_runs],
                     "floor_s": [round(x, 3) for x in floor_runs]},
    }
