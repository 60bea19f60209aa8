"""Read a workbook's cell values, sheet by sheet: the one place the ETL opens workbooks.

Both forms ONS and Nomis publish are read: XLSX (a zip of XML, through openpyxl) and the legacy
Excel 97-2003 ``.xls`` (a BIFF compound file, through xlrd). Cells come back the same way from
either: ``None`` for an empty cell, ``int`` for a whole number, ``float``, ``str`` or
``datetime``.

Every zip (an XLSX, or a zip of CSVs a live source downloads) is checked before it is opened
(:func:`check_archive`): a zip that declares more than :data:`MAX_UNPACKED_BYTES` once unpacked,
or more than :data:`MAX_MEMBERS` members, is refused with an :class:`ExtractError`, so a small
"zip bomb" cannot make the build unpack gigabytes. Python's ``zipfile`` never unpacks more than
a member declares, so the declared sizes bound what is read. The largest workbook among the
real sources unpacks to 14 MB in 10 members.
"""

from __future__ import annotations

import io
import itertools
import warnings
import zipfile
from pathlib import Path
from typing import BinaryIO

from core.errors import ExtractError

MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # declared size of every member, unpacked, together
MAX_MEMBERS = 10_000

# The first bytes of an OLE2 compound file, the container of a legacy .xls workbook.
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def is_workbook(head: bytes) -> bool:
    """Whether a file's first bytes are an XLSX (zip) or a legacy XLS (OLE2) workbook."""
    return head.startswith((ZIP_MAGIC, XLS_MAGIC))


def check_archive(source: Path | str, data: bytes | None = None) -> None:
    """Refuse a zip whose members declare more than the limits allow (see the module
    docstring); ``data`` is its bytes when it came over the network. Raises ExtractError."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else source) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractError(source, f"not a readable XLSX workbook or zip file ({exc})") from None
    if len(members) > MAX_MEMBERS:
        raise ExtractError(
            source,
            f"the zip holds {len(members):,} members, more than the {MAX_MEMBERS:,} a workbook "
            "or download of extracts is allowed; not opened",
        )
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ExtractError(
            source,
            f"the zip would unpack to {unpacked / 1e6:,.0f} MB, more than the "
            f"{MAX_UNPACKED_BYTES / 1e6:,.0f} MB limit (a damaged file or a zip bomb); "
            "not opened",
        )


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
    check_archive(path, data)
    # A file object, not the name: openpyxl refuses a workbook whose name does not end in
    # .xlsx, and a workbook saved as ``.csv`` is read by what it is.
    try:
        src = io.BytesIO(data) if data is not None else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise ExtractError(path, f"cannot be opened ({exc.strerror})") from None
    try:
        return _xlsx_sheets(path, src, limit)
    finally:
        src.close()


def _xlsx_sheets(path: Path, src: BinaryIO, limit: int | None) -> dict[str, list[tuple]]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
            wb = openpyxl.load_workbook(src, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types (InvalidFileException, KeyError...)
        raise ExtractError(path, f"not a readable XLSX workbook ({_first_line(exc)})") from None
    try:
        sheets = {}
        for ws in wb.worksheets:
            # Some writers (Nomis among them) store a wrong sheet size such as "A1"; read-only
            # mode trusts it and would stop after one row, so ignore the stored size.
            ws.reset_dimensions()
            rows = ws.iter_rows(values_only=True)
            sheets[ws.title] = [tuple(r) for r in itertools.islice(rows, limit)]
        return sheets
    except Exception as exc:  # a damaged sheet part (bad XML, a member cut short)
        raise ExtractError(path, f"not a readable XLSX workbook ({_first_line(exc)})") from None
    finally:
        wb.close()


def _first_line(exc: BaseException) -> str:
    """An exception's message as one short line (its type only where the message is empty)."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _read_xls(path: Path, data: bytes | None, limit: int | None) -> dict[str, list[tuple]]:
    import xlrd

    try:
        # xlrd writes its warnings about damaged files to stdout unless given a log of its own.
        log = io.StringIO()
        if data is not None:
            book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=log)
        else:
            book = xlrd.open_workbook(str(path), on_demand=True, logfile=log)
    except Exception as exc:  # xlrd raises many types (CompDocError, struct.error...) on bad bytes
        raise ExtractError(path, f"not a readable XLS workbook ({_first_line(exc)})") from None
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
        raise ExtractError(path, f"not a readable XLS workbook ({_first_line(exc)})") from None
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

