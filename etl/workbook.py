"""Read a workbook's cell values, sheet by sheet: the one place the ETL opens workbooks.

Both forms ONS and Nomis publish are read, by the same reader (calamine): XLSX and the legacy
Excel 97-2003 ``.xls`` (BIFF). Cells come back as a person reads them: ``None`` for an empty
cell, ``int`` for a whole number, ``float``, ``str``, ``bool`` or ``datetime``. Each row runs to
its last filled cell.

Every zip (an XLSX, or a zip of CSVs a live source downloads) is checked before it is opened
(:func:`check_archive`): a zip that declares more than :data:`MAX_UNPACKED_BYTES` once unpacked,
or more than :data:`MAX_MEMBERS` members, is refused with an :class:`ExtractError`, so a small
"zip bomb" cannot make the build unpack gigabytes. The largest workbook among the real sources
unpacks to 14 MB in 10 members.

The last workbook read from disk is kept (one slot, keyed on the file's identity): a build
opens each workbook to recognise it, again to parse it and again for its metadata, and calamine
parses a whole sheet even when only its first rows are asked for. :func:`forget` empties the
slot once a folder is read.
"""

from __future__ import annotations

import io
import os
import zipfile
from datetime import date, datetime
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from core.errors import ExtractError

# The first bytes of an OLE2 compound file, the container of a legacy .xls workbook.
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # declared size of every member, unpacked, together
MAX_MEMBERS = 10_000


def is_workbook(head: bytes) -> bool:
    """Whether a file's first bytes are an XLSX (zip) or a legacy XLS (OLE2) workbook."""
    return head.startswith((ZIP_MAGIC, XLS_MAGIC))


def _row(values: list) -> tuple:
    """A row as a person reads it (see the module docstring), up to its last filled cell; one
    comprehension, as this runs for every cell of every workbook."""
    cells = [
        None if v == "" or v is None
        else int(v) if type(v) is float and v.is_integer()
        else datetime(v.year, v.month, v.day) if type(v) is date  # a date, not a datetime
        else v
        for v in values
    ]
    while cells and cells[-1] is None:
        cells.pop()
    return tuple(cells)


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


def _first_line(exc: BaseException) -> str:
    """An exception's message as one short line (its type only where the message is empty)."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


# (file identity, its sheets): the last workbook read from disk (see the module docstring).
_last: tuple[tuple, dict[str, list[tuple]]] | None = None


def _identity(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (os.path.realpath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def forget() -> None:
    """Let go of the workbook kept from the last read."""
    global _last
    _last = None


def read_workbook(
    path: Path, data: bytes | None = None, limit: int | None = None
) -> dict[str, list[tuple]]:
    """Every row of every sheet (values, not formulas); only the first ``limit`` rows if given.

    ``data`` is the file's bytes when it came over the network (``path`` still names it in
    messages). A file that is not a readable workbook raises :class:`ExtractError`. The rows
    returned are shared with later reads of the same file: read them, never change them.
    """
    global _last
    key = _identity(path) if data is None else None
    if key is None or _last is None or _last[0] != key:
        sheets = _read(path, data)
        if key is not None:
            _last = (key, sheets)
    else:
        sheets = _last[1]
    if limit is None:
        return sheets
    return {name: rows[:limit] for name, rows in sheets.items()}


def _read(path: Path, data: bytes | None) -> dict[str, list[tuple]]:
    """Every row of every sheet of one workbook (see :func:`read_workbook`)."""
    kind = "XLS" if _head(path, data).startswith(XLS_MAGIC) else "XLSX"
    if kind == "XLSX":
        check_archive(path, data)
    try:
        # Read by content, never by name: calamine picks its reader from a path's extension,
        # and a workbook saved as ``.xls`` or ``.csv`` is still read for what it is.
        if data is None:
            data = Path(path).read_bytes()
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, OSError, ValueError) as exc:
        raise ExtractError(path, f"not a readable {kind} workbook ({_first_line(exc)})") from None
    try:
        sheets = {}
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            sheets[name] = [_row(r) for r in rows]
        return sheets
    except (CalamineError, ValueError) as exc:  # a damaged sheet
        raise ExtractError(path, f"not a readable {kind} workbook ({_first_line(exc)})") from None
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
