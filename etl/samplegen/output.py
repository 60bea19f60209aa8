"""How every sample file is written: marked as sample data, rounded as the publishers round, and
the same bytes on every run (CSV text, and XLSX workbooks with fixed timestamps)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

import openpyxl

GENERATOR = "etl/sample/make_sample.py"
MARK = "SAMPLE DATA – not real statistics"
MADE_BY = f"{MARK} (made by {GENERATOR})"


def rounded(x: float, base: int = 100) -> int:
    """``x`` to the nearest multiple of ``base`` (Nomis rounds APS counts to 100)."""
    return int(base * round(x / base))


def csv_bytes(rows: list[list[object]], *, crlf: bool = False, quote_all: bool = False) -> bytes:
    """The rows as UTF-8 CSV text (optionally CRLF line ends, or every non-number quoted)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_NONNUMERIC if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def workbook_bytes(wb: openpyxl.Workbook) -> bytes:
    """The workbook's bytes, the same on every run (fixed properties and zip timestamps)."""
    fixed = datetime(2024, 5, 1)
    wb.properties.creator = GENERATOR
    wb.properties.created = fixed
    wb.properties.modified = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same workbook with every member stamped 1980-01-01, so reruns give identical bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2024-05-01T00:00:00Z\g<2>",
                    body,
                )
            dst.writestr(fixed, body)
    return out.getvalue()
