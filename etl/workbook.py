"""Read an XLSX workbook's cell values, sheet by sheet: the one place the ETL opens workbooks."""

from __future__ import annotations

import io
import itertools
import warnings
import zipfile
from pathlib import Path

from etl.errors import ExtractError


def read_workbook(
    path: Path, data: bytes | None = None, limit: int | None = None
) -> dict[str, list[tuple]]:
    """Every row of every sheet (values, not formulas); only the first ``limit`` rows if given.

    ``data`` is the file's bytes when it came over the network (``path`` still names it in
    messages). A file that is not a readable workbook raises :class:`ExtractError`.
    """
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
            src = io.BytesIO(data) if data is not None else path
            wb = openpyxl.load_workbook(src, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ExtractError(path, f"not a readable XLSX workbook ({exc})") from None
    try:
        sheets = {}
        for ws in wb.worksheets:
            # Some writers (Nomis among them) store a wrong sheet size such as "A1"; read-only
            # mode trusts it and would stop after one row, so ignore the stored size.
            ws.reset_dimensions()
            rows = ws.iter_rows(values_only=True)
            sheets[ws.title] = [tuple(r) for r in itertools.islice(rows, limit)]
        return sheets
    finally:
        wb.close()
