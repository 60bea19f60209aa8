"""Reading a folder of extract files: each recognised by content and parsed by its format.

One bad file never costs the rest: every file ends as one outcome (``etl.outcomes``). A second
copy of the same bytes is read once; a broken file is quarantined with where and why.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from core.area import Area
from core.errors import ExtractError
from etl import detect, registry, workbook
from etl.areas import AreaFilter
from etl.extract import Extract, FormatParser, sha256_of
from etl.outcomes import FileOutcome


@dataclass
class Skipped:
    """A file passed by: its path and why."""

    path: str
    reason: str


@dataclass
class FolderRead:
    """What reading a folder gave: the extracts, one outcome per file, and notes."""

    extracts: list[Extract]
    outcomes: list[FileOutcome]
    notes: list[str]

    @property
    def skipped(self) -> list[Skipped]:
        return [Skipped(o.origin, o.reason) for o in self.outcomes if o.outcome == "skipped"]


def _progress(iterable: Iterable, desc: str, show: bool, total: int | None = None):
    return tqdm(
        iterable,
        desc=desc,
        total=total,
        disable=not show,
        file=sys.stderr,
        unit="file",
        leave=False,
    )


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() if root.is_dir() else path.name
    except ValueError:
        return str(path)


def _canonical_copies(files: list[Path], root: Path) -> tuple[dict[Path, str], dict[Path, Path]]:
    """Each file's sha256, and for a second copy of the same bytes the copy that is read.

    Of identical files the one with the shortest name is read (``report.csv`` before
    ``report (1).csv``), then the first in path order.
    """
    digests: dict[Path, str] = {}
    by_digest: dict[str, list[Path]] = {}
    for path in files:
        if detect.non_extract_reason(path):
            continue
        try:
            digest = sha256_of(path)
        except OSError:
            continue  # reported when the file is read
        digests[path] = digest
        by_digest.setdefault(digest, []).append(path)
    twin_of: dict[Path, Path] = {}
    for group in by_digest.values():
        if len(group) > 1:
            keep = min(group, key=lambda p: (len(p.name), _relative(p, root)))
            twin_of.update({p: keep for p in group if p != keep})
    return digests, twin_of


def read_folder(
    root: Path,
    area: Area,
    *,
    is_sample: bool = False,
    show_progress: bool = False,
    narrow: AreaFilter | None = None,
) -> FolderRead:
    """Read every file under ``root``: extracts of the files loaded, and each file's outcome.

    With ``narrow``, parsers that can leave out rows outside the configured area do so. Nothing
    here raises for one file: a broken file becomes a ``quarantined`` outcome.
    """
    root = Path(root)
    files, notes = detect.walk(root)
    digests, twin_of = _canonical_copies(files, root)
    extracts: list[Extract] = []
    outcomes: list[FileOutcome] = []
    for path in _progress(files, "Reading extracts", show_progress):
        outcome, extract = _read_one(path, root, area, is_sample, narrow, digests, twin_of)
        outcome.origin = str(path)
        outcomes.append(outcome)
        if extract is not None:
            extracts.append(extract)
    workbook.forget()
    return FolderRead(extracts, outcomes, notes)

def _read_one(
    path: Path,
    root: Path,
    area: Area,
    is_sample: bool,
    narrow: AreaFilter | None,
    digests: dict[Path, str],
    twin_of: dict[Path, Path],
) -> tuple[FileOutcome, Extract | None]:
    """One file's outcome, and its extract when it loaded."""
    rel = _relative(path, root)
    reason = detect.non_extract_reason(path)
    if reason:
        return FileOutcome(rel, "skipped", reason), None
    if path in twin_of:
        return FileOutcome(rel, "duplicate", _relative(twin_of[path], root)), None
    try:
        found = detect.recognise(path)
    except Exception as exc:  # any failure reading one file is that file's outcome
        return FileOutcome.quarantine(rel, exc), None
    verdict = found.recognised
    if verdict is None or verdict.dataset is None:
        return FileOutcome(rel, "skipped", found.skip_reason or "not recognised"), None
    module = registry.parser(verdict.parser)
    try:
        extract = read_extract(found, module, area, is_sample, narrow, digests.get(path))
    except Exception as exc:  # as above: quarantined, naming the dataset it was meant to be
        return FileOutcome.quarantine(rel, exc, verdict.dataset), None
    result = FileOutcome(
        rel,
        "loaded",
        dataset=verdict.dataset,
        source_id=extract.source_id,
        description=verdict.description,
        rows_left_out=Counter(extract.records.attrs.get("left_out", {})),
    )
    return result, extract


def read_extract(
    res: detect.ScanResult,
    module: FormatParser,
    area: Area,
    is_sample: bool,
    narrow: AreaFilter | None,
    digest: str | None = None,
) -> Extract:
    """One recognised file as an extract (``narrow``: see :func:`read_folder`)."""
    assert res.recognised is not None
    rel = str(res.path)
    narrowed = narrow.for_file() if narrow is not None and module.NARROWS else None
    recs = module.parse(res.path, res.recognised, area=area, narrow=narrowed)
    if narrowed is not None and not narrowed.figures:
        narrowed = None  # nothing left out
    if recs.empty and narrowed is None and not recs.attrs.get("left_out"):
        raise ExtractError(res.path, "no data rows found")
    info = module.metadata(res.path)
    # A parser may report what it left out or could not place (``records.attrs["notes"]``).
    parser_notes = list(recs.attrs.get("notes", ()))
    return Extract(
        dataset=res.recognised.dataset,
        records=recs,
        origin=rel,
        sha256=digest or sha256_of(res.path),
        description=res.recognised.description,
        retrieved_at=info.get("retrieved_at")
        or datetime.fromtimestamp(res.path.stat().st_mtime, UTC).replace(tzinfo=None),
        release_date=info.get("release_date"),
        is_sample=is_sample,
        notes=parser_notes,
        edition=info.get("edition"),
        replaces_history=module.REPLACES_HISTORY,
        narrowed=narrowed,
        reread=None
        if narrowed is None
        else lambda: read_extract(res, module, area, is_sample, None, digest),
        modified_at=datetime.fromtimestamp(res.path.stat().st_mtime, UTC).replace(tzinfo=None),
        indicator_meta=dict(recs.attrs.get("indicator_meta", {})),
    )
