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

``etl_build_all_s``   the same build over the whole shared data folder (every extract, the
                      boundary lookups, ``.xls`` workbooks included).
``etl_read_floor_all_s``  reading every file that build reads in full with the build's own
                      readers and nothing more: each extract it loads (text decoded by
                      ``etl.extract.decode_text`` then split by ``csv.reader`` or
                      ``pandas.read_csv``, as its parser does; workbooks, ``.xls`` included, by
                      ``etl.workbook.read_workbook``), each lookup CSV (``pandas.read_csv``,
                      as ``core.lookups`` does), and the first rows of each workbook it opens
                      only to recognise and pass by (the ``.xls`` tables no indicator uses);
                      pandas set up as the build sets it (text as Python strings).
``etl_ratio_all``     build / floor, over the whole folder.
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


# How each parser splits a text extract (the rest read whole workbooks).
PANDAS_PARSERS = {"census_bulk", "fitnotes", "neet"}


def build_reads(root: Path) -> list[tuple[Path, str]]:
    """The files a build of ``root`` reads in full, with the reader: ``csv``, ``pandas``,
    ``workbook`` or ``lookup`` (worked out before the clock starts)."""
    from core.lookups import Lookups, read_lookup_file
    from etl import detect
    from etl.extract import sha256_of

    files, _ = detect.walk(root)
    reads, seen = [], set()
    for path in files:
        if detect.non_extract_reason(path):
            continue
        digest = sha256_of(path)
        if digest in seen:  # a second copy is read once
            continue
        seen.add(digest)
        try:
            found = detect.recognise(path).recognised
        except Exception:
            found = None
        if found is not None and found.dataset is not None:
            if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"} or found.parser in (
                    "nomis_xlsx", "job_adverts", "vacancies"):
                reads.append((path, "workbook"))
            else:
                reads.append((path, "pandas" if found.parser in PANDAS_PARSERS else "csv"))
        elif path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
            reads.append((path, "probe"))  # opened to be recognised, then passed by
        elif path.suffix.lower() == ".csv":
            try:
                if read_lookup_file(path, Lookups()):
                    reads.append((path, "lookup"))
            except Exception:
                pass
    return reads


def read_floor_all(reads: list[tuple[Path, str]]) -> None:
    """Read every file as the build's readers do, and nothing more."""
    import csv
    import io

    import pandas as pd

    from etl.extract import WORKBOOK_PROBE_ROWS, decode_text
    from etl.workbook import forget, read_workbook

    for path, how in reads:
        forget()  # each file read from disk, never from the build's one-workbook memory
        if how == "workbook":
            read_workbook(path)
        elif how == "probe":
            read_workbook(path, limit=WORKBOOK_PROBE_ROWS)
        elif how == "lookup":
            pd.read_csv(path, dtype=object, encoding="utf-8-sig", keep_default_na=False)
        else:
            text = decode_text(path, path.read_bytes())
            if how == "pandas":
                pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False)
            else:
                for _row in csv.reader(io.StringIO(text)):
                    pass


def run_all(tmp: Path, shared: Path, runs: int, log: Callable[[str], None]) -> dict:
    """``etl_ratio_all``: the whole shared folder (see the module docstring)."""
    from etl import build
    from etl.build import plain_strings as build_options

    reads = build_reads(shared)
    log(f"ETL (all): {len(reads)} files read in full under {shared}")
    counter = iter(range(10_000))

    def one_build() -> float:
        db = tmp / f"etl-all-{next(counter)}.duckdb"
        seconds = timed(lambda: build.run("files", db, from_dir=shared))
        db.unlink(missing_ok=True)
        return seconds

    one_build()
    build_s, build_runs = median_of(one_build, runs)
    def one_floor() -> float:
        with build_options():  # pandas set up as the build sets it
            return timed(lambda: read_floor_all(reads))

    floor_s, floor_runs = median_of(one_floor, runs)
    kinds: dict[str, int] = {}
    for _, how in reads:
        kinds[how] = kinds.get(how, 0) + 1
    return {
        "etl_all_files": len(reads),
        "etl_all_readers": kinds,
        "etl_build_all_s": round(build_s, 3),
        "etl_read_floor_all_s": round(floor_s, 3),
        "etl_ratio_all": ratio(build_s, floor_s),
        "etl_all_runs": {"build_s": [round(x, 3) for x in build_runs],
                         "floor_s": [round(x, 3) for x in floor_runs]},
    }


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
    out = {
        "etl_source": str(root),
        "etl_files": len(files),
        "etl_build_s": round(build_s, 3),
        "etl_read_floor_s": round(floor_s, 3),
        "etl_ratio": ratio(build_s, floor_s),
        "etl_runs": {"build_s": [round(x, 3) for x in build_runs],
                     "floor_s": [round(x, 3) for x in floor_runs]},
    }
    if shared is not None:
        out.update(run_all(tmp, shared, runs, log))
    return out
