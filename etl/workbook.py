"""Read a workbook's cell values, sheet by sheet: the one place the ETL opens workbooks.

Both forms ONS and Nomis publish are read, by the same reader (calamine): XLSX and the legacy
Excel 97-2003 ``.xls`` (BIFF). Cells come back as a person reads them: ``None`` for an empty
cell, ``int`` for a whole number, ``float``, ``str``, ``bool`` or ``datetime``. Each row runs to
its last filled cell.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from core.errors import ExtractError

# The first bytes of an OLE2 compound file, the container of a legacy .xls workbook.
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def is_workbook(head: bytes) -> bool:
    """Whether a file's first bytes are an XLSX (zip) or a legacy XLS (OLE2) workbook."""
    return head.startswith((ZIP_MAGIC, XLS_MAGIC))


def _cell(value: object) -> object:
    if value == "" or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def _row(values: list) -> tuple:
    cells = [_cell(v) for v in values]
    while cells and cells[-1] is None:
        cells.pop()
    return tuple(cells)


def read_workbook(
    path: Path, data: bytes | None = None, limit: int | None = None
) -> dict[str, list[tuple]]:
    """Every row of every sheet (values, not formulas); only the first ``limit`` rows if given.

    ``data`` is the file's bytes when it came over the network (``path`` still names it in
    messages). A file that is not a readable workbook raises :class:`ExtractError`.
    """
    kind = "XLS" if _head(path, data).startswith(XLS_MAGIC) else "XLSX"
    try:
        if data is not None:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        else:
            book = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise ExtractError(path, f"not a readable {kind} workbook ({exc})") from None
    try:
        sheets = {}
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=limit)
            sheets[name] = [_row(r) for r in rows]
        return sheets
    except (CalamineError, ValueError) as exc:  # a damaged sheet
        raise ExtractError(path, f"not a readable {kind} workbook ({exc})") from None
    finally:
        book.close()


def _head(path: Path, data: bytes | None) -> bytes:
    if data is not None:
        return data[:8]
    try:
        with open(path, "rb") as handle:
            return handle.read(8)
    except OSError as exc:
        raise ExtractError(path, f"cannot be opened ({exc.strerror})") from None
