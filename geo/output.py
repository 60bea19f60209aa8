"""What a geometry build produces and how it is written.

:class:`GeoBuild` holds the built levels, the lookups and what each level weighs
(:class:`LevelStats`); :func:`write` puts them, with ``manifest.json``, into a temporary folder
beside the output and swaps it in whole, so nothing is replaced until everything is written.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import shapely

from core.area import Area
from core.errors import GeoError
from core.lookups import Lookups, write_lookups
from geo import webgeom
from geo.store import LEVEL_FILES, MANIFEST
from geo.webgeom import WGS84

MAP_PROPERTIES = ("area_code", "display_name")  # what a map layer carries besides its values
LICENCE = (
    "Source: Office for National Statistics licensed under the Open Government "
    "Licence v.3.0. Contains OS data © Crown copyright and database right."
)


@dataclass
class LevelStats:
    """What one level holds and weighs."""

    features: int
    bytes_before: int | None = None
    bytes_after: int | None = None
    coords_before: int | None = None
    coords_after: int | None = None
    geometry_source: str = ""
    tolerance: str = ""


@dataclass
class GeoBuild:
    """A built set of levels, before or after it is written."""

    mode: str
    origin: str
    area: Area
    levels: dict[str, gpd.GeoDataFrame]
    lookups: Lookups
    stats: dict[str, LevelStats] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    is_schematic: bool = False
    out_dir: Path | None = None

    def summary(self) -> str:
        """The closing summary: features and GeoJSON bytes per level, notes, skipped files."""
        kind = "SCHEMATIC SAMPLE" if self.is_schematic else self.mode
        lines = [f"Map geometry built ({kind}) from {self.origin}"]
        if self.out_dir:
            lines[0] += f" into {self.out_dir}"
        if self.is_schematic:
            lines.append(
                "  These are schematic hexagons shipped with the project, NOT real boundaries."
            )
        lines.append(
            f"  {'level':12s} {'features':>8s} {'GeoJSON before':>15s} {'after':>10s}  geometry"
        )
        for level, st in self.stats.items():
            before = f"{st.bytes_before:,}" if st.bytes_before else "-"
            after = f"{st.bytes_after:,}" if st.bytes_after else "-"
            lines.append(
                f"  {level:12s} {st.features:8d} {before:>15s} {after:>10s}  {st.geometry_source}"
            )
        if self.skipped:
            lines.append(f"Skipped {len(self.skipped)} file(s):")
            lines += [f"  - {s}" for s in self.skipped]
        if self.notes:
            lines.append("Notes:")
            lines += [f"  * {n}" for n in self.notes]
        return "\n".join(lines)


def level_stats(
    before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, source: str, tolerance: str
) -> LevelStats:
    """What a level weighs as GeoJSON before (``before``, any CRS) and after simplification."""
    raw = before.to_crs(WGS84)
    return LevelStats(
        features=len(after),
        bytes_before=webgeom.geojson_bytes(raw, MAP_PROPERTIES),
        bytes_after=webgeom.geojson_bytes(after, MAP_PROPERTIES),
        coords_before=int(shapely.count_coordinates(raw.geometry.to_numpy())),
        coords_after=int(shapely.count_coordinates(after.geometry.dropna().to_numpy())),
        geometry_source=source,
        tolerance=tolerance,
    )


def write(build: GeoBuild, out_dir: Path) -> Path:
    """Write every level, the lookups and ``manifest.json``; swap the folder in at the end.

    An existing ``out_dir`` is replaced only if it was written by this command (it holds a
    manifest) or is empty, so a mistyped ``--out`` cannot swallow another folder.
    """
    out_dir = Path(out_dir).resolve()
    if out_dir.exists() and (
        not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MANIFEST).exists())
    ):
        raise GeoError(
            f"{out_dir} exists and was not written by `python -m geo build` (no {MANIFEST}); "
            "choose a new or empty folder for --out."
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    try:
        for level, gdf in build.levels.items():
            gdf.to_parquet(tmp / LEVEL_FILES[level], index=False)
        lookup_files = write_lookups(build.lookups, tmp)
        manifest = {
            "built_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
            "mode": build.mode,
            "origin": build.origin,
            "is_schematic": build.is_schematic,
            "area": {
                "code": build.area.code,
                "name": build.area.name,
                "lads": list(build.area.lad_codes),
                "config": str(build.area.source) if build.area.source else None,
            },
            "levels": {
                level: {k: v for k, v in vars(st).items() if v not in (None, "")}
                for level, st in build.stats.items()
            },
            "files": sorted(
                [*(LEVEL_FILES[x] for x in build.levels), *(p.name for p in lookup_files)]
            ),
            "notes": build.notes,
            "skipped": build.skipped,
            "licence": LICENCE,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), "utf-8")
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    build.out_dir = out_dir
    return out_dir


def _swap(tmp: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.replace(tmp, out_dir)
        return
    old = out_dir.parent / f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}"
    os.replace(out_dir, old)
    try:
        os.replace(tmp, out_dir)
    except OSError:
        os.replace(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
