"""Find extract files under a folder and recognise each by its content, not its name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from core import folders
from core.errors import ExtractError
from etl.extract import Recognised, probe
from etl.registry import PARSERS
from etl.workbook import XLS_MAGIC

_GEOMETRY = {".geojson", ".gpkg", ".shp", ".shx", ".dbf", ".prj", ".cpg", ".parquet", ".topojson"}
_DOCS = {".md", ".txt", ".pdf", ".rst", ".html", ".htm", ".json", ".sha256", ".docx", ".odt"}
_TABULAR = {".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods", ""}
_LOOKUP_HEADER = re.compile(
    r"\b(oa|lsoa|msoa|lad|ltla|utla|wd|rgn|cauth|ctry|icb|sicbl|ccg)_?\d{0,2}_?cd\b", re.I
)


@dataclass(frozen=True)
class ScanResult:
    """What the scan decided for one file: load it with a parser, or skip it and why."""

    path: Path
    recognised: Recognised | None
    skip_reason: str | None = None


def non_extract_reason(path: Path) -> str | None:
    """Why a file is passed by for its type alone (geometry, documentation...), or None."""
    suffix = path.suffix.lower()
    name = path.name.lower()
    if suffix in _GEOMETRY:
        return "not an extract: boundary or geometry file"
    if suffix == ".json" and path.with_suffix(".csv").is_file():
        return f"the metadata of {path.with_suffix('.csv').name}, read with it"
    if suffix in _DOCS or name.startswith(("readme", "manifest", "licence", "license")):
        return "not an extract: documentation or metadata"
    if suffix not in _TABULAR:
        return f"not an extract: {suffix or 'no'} file type"
    return None


def recognise(path: Path) -> ScanResult:
    """Decide what one file is. Raises ExtractError for a broken tabular file."""
    reason = non_extract_reason(path)
    if reason:
        return ScanResult(path, None, reason)
    pr = probe(path)
    if pr.text is not None:
        first = pr.text.lstrip().splitlines()[0] if pr.text.strip() else ""
        if _LOOKUP_HEADER.search(first) and "obs_value" not in first.lower():
            return ScanResult(path, None, "not an extract: geography lookup table")
    for module in PARSERS:
        verdict = module.sniff(pr)
        if verdict is not None:
            if verdict.dataset is None:
                return ScanResult(
                    path,
                    verdict,
                    f"recognised ({verdict.description}) but no indicator uses this dataset yet",
                )
            return ScanResult(path, verdict)
    if pr.workbook_sheets is not None:
        kind = "an XLS" if pr.head.startswith(XLS_MAGIC) else "an XLSX"
    else:
        kind = "a CSV"
    return ScanResult(path, None, f"{kind} layout this build does not know")


def walk(root: Path) -> tuple[list[Path], list[str]]:
    """Every file under ``root`` (recursively, hidden names ignored) in path order, and notes.

    Each real folder is visited once (by device and inode), so a symbolic link back up the tree
    is named in the notes instead of walked for ever (``core.folders.walk``).
    """
    if not root.is_file() and not root.is_dir():
        raise ExtractError(root, "no such file or folder")
    return folders.walk(root)
