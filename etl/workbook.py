"""Read a workbook's cell values, sheet by sheet: the one place the ETL opens workbooks.

Both forms ONS and Nomis publish are read: XLSX (a zip of XML, through openpyxl) and the legacy
Excel 97-2003 ``.xls`` (a BIFF compound file, through xlrd). Cells come back the same way from
either: ``None`` for an empty cell, ``int`` for a whole number, ``float``, ``str`` or
``datetime``.
"""

from __future__ import annotations

import io
import itertools
import warnings
import zipfile
from pathlib import Path

from core.errors import ExtractError

# The first bytes of an OLE2 compound file, the container of a legacy .xls workbook.
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def is_workbook(head: bytes) -> bool:
    """Whether a file's first bytes are an XLSX (zip) or a legacy XLS (OLE2) workbook."""
    return head.startswith((ZIP_MAGIC, XLS_MAGIC))


def read_workbook(
    path: Path, data: bytes | None = None, limit: int | None = None
) -> dict[str, list[tuple]]:
    """Every row of every sheet (values, not formulas); only the first ``limit`` rows if given.

    ``data`` is the file's bytes when it came over the network (``path`` still names it in
    messages). A file that is not a readable workbook raises :class:`ExtractError`.
    """
    if data is not None:
        head = data[:8]
    else:
        try:
            with open(path, "rb") as handle:
                head = handle.read(8)
        except OSError as exc:
            raise ExtractError(path, f"cannot be opened ({exc.strerror})") from None
    if head.startswith(XLS_MAGIC):
        return _read_xls(path, data, limit)
    return _read_xlsx(path, data, limit)


def _read_xlsx(path: Path, data: bytes | None, limit: int | None) -> dict[str, list[tuple]]:
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


def _read_xls(path: Path, data: bytes | None, limit: int | None) -> dict[str, list[tuple]]:
    import xlrd

    try:
        if data is not None:
            book = xlrd.open_workbook(file_contents=data, on_demand=True)
        else:
            book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:  # xlrd raises many types (CompDocError, struct.error...) on bad bytes
        raise ExtractError(path, f"not a readable XLS workbook ({exc})") from None
    try:
        sheets = {}
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            nrows = sheet.nrows if limit is None else min(sheet.nrows, limit)
            sheets[sheet.name] = [
                tuple(_xls_value(cell, book.datemode) for cell in sheet.row(r))
                for r in range(nrows)
            ]
            book.unload_sheet(index)
        return sheets
    except Exception as exc:  # as above: a damaged sheet record
        raise ExtractError(path, f"not a readable XLS workbook ({exc})") from None
    finally:
        book.release_resources()


def _xls_value(cell, datemode: int) -> object:
    """One xlrd cell as openpyxl would give it."""
    import xlrd

    kind, value = cell.ctype, cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_NUMBER:
        return int(value) if float(value).is_integer() else value
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR")
    return value if value != "" else None

