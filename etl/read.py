"""Reading a folder of extract files: each recognised by content and parsed by its format."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from core.area import Area
from core.errors import ExtractError
from etl import detect, registry
from etl.areas import AreaFilter
from etl.extract import Extract, FormatParser, sha256_of


@dataclass
class Skipped:
    path: str
    reason: str



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



def read_folder(
    root: Path,
    area: Area,
    *,
    is_sample: bool = False,
    show_progress: bool = False,
    narrow: AreaFilter | None = None,
) -> tuple[list[Extract], list[Skipped]]:
    """Parse every extract under ``root``; list the files skipped and why.

    With ``narrow``, parsers that can leave out rows outside the configured area do so.
    Raises ExtractError on the first broken file (the build then stops; nothing is written).
    """
    results = detect.scan(Path(root))
    extracts, skipped = [], []
    for res in _progress(results, "Reading extracts", show_progress):
        rel = str(res.path)
        if res.recognised is None or res.recognised.dataset is None:
            skipped.append(Skipped(rel, res.skip_reason or "not recognised"))
            continue
        module = registry.parser(res.recognised.parser)
        extracts.append(_read_extract(res, module, area, is_sample, narrow))
    return extracts, skipped


def _read_extract(
    res: detect.ScanResult,
    module: FormatParser,
    area: Area,
    is_sample: bool,
    narrow: AreaFilter | None,
) -> Extract:
    """One recognised file as an extract (``narrow``: see :func:`read_folder`)."""
    assert res.recognised is not None
    rel = str(res.path)
    narrowed = narrow.for_file() if narrow is not None and module.NARROWS else None
    recs = module.parse(res.path, res.recognised, area=area, narrow=narrowed)
    if narrowed is not None and not narrowed.figures:
        narrowed = None  # nothing left out
    if recs.empty and narrowed is None:
        raise ExtractError(res.path, "no data rows found")
    info = module.metadata(res.path)
    # A parser may report what it left out or could not place (``records.attrs["notes"]``).
    parser_notes = list(recs.attrs.get("notes", ()))
    return Extract(
        dataset=res.recognised.dataset,
        records=recs,
        origin=rel,
        sha256=sha256_of(res.path),
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
        else lambda: _read_extract(res, module, area, is_sample, None),
    )
