"""The partnership area: the configured local authorities, their regions and health areas.

The area is configuration, not code. `area.toml` at the repository root holds the South Midlands
default; the environment variable ``AREA_CONFIG`` points at another file with the same layout.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from core import settings
from core.errors import AreaConfigError

DEFAULT_CONFIG = settings.REPO_ROOT / "area.toml"

ENGLAND_CODE = "E92000001"
ENGLAND_NAME = "England"

LAD_CODE = re.compile(r"^E0[6789]\d{6}$")
REGION_CODE = re.compile(r"^E12\d{6}$")

_LEVEL_BY_PREFIX = {
    "E01": "lsoa",
    "W01": "lsoa",
    "E02": "msoa",
    "W02": "msoa",
    "E06": "lad",
    "E07": "lad",
    "E08": "lad",
    "E09": "lad",
    "W06": "lad",
    "E10": "county",
    "E11": "metcounty",
    "E12": "region",
    "E38": "subicb",
    "E54": "icb",
    "E92": "country",
    "W92": "country",
    "K02": "country",
    "K03": "country",
    "K04": "country",
}


def level_of(code: str) -> str | None:
    """Return the area level an ONS GSS code belongs to (``lsoa``, ``lad``...), or None."""
    return _LEVEL_BY_PREFIX.get(code[:3]) if isinstance(code, str) else None


@dataclass(frozen=True)
class LocalAuthority:
    """One configured local authority district."""

    code: str
    name: str | None = None
    region: str | None = None
    predecessors: tuple[str, ...] = ()
    centre: tuple[float, float] | None = None  # approximate (lon, lat), for schematic layouts


@dataclass(frozen=True)
class HealthArea:
    """An NHS sub-ICB location and the configured local authorities it covers."""

    code: str
    gss: str
    name: str
    short_name: str
    lads: tuple[str, ...]
    icb: str | None = None
    icb_gss: str | None = None


@dataclass(frozen=True)
class Area:
    """The partnership area as configured."""

    code: str
    name: str
    description: str
    lads: tuple[LocalAuthority, ...]
    health_areas: tuple[HealthArea, ...] = ()
    region_names: dict[str, str] = field(default_factory=dict)
    source: Path | None = None

    @cached_property
    def lad_codes(self) -> tuple[str, ...]:
        return tuple(lad.code for lad in self.lads)

    @cached_property
    def region_codes(self) -> tuple[str, ...]:
        """Regions of the configured LADs, in first-seen order (only those configured)."""
        return tuple(dict.fromkeys(lad.region for lad in self.lads if lad.region))

    def lad(self, code: str) -> LocalAuthority | None:
        return next((lad for lad in self.lads if lad.code == code), None)

    @cached_property
    def predecessor_map(self) -> dict[str, str]:
        """Former district code -> the configured LAD that replaced it."""
        return {old: lad.code for lad in self.lads for old in lad.predecessors}

    def health_area_of(self, lad_code: str) -> HealthArea | None:
        return next((h for h in self.health_areas if lad_code in h.lads), None)

    def comparator_codes(self) -> tuple[str, ...]:
        """Codes shown beside the places: the partnership, each place's region, England."""
        return (self.code, *self.region_codes, ENGLAND_CODE)


def _centre(path: Path, code: str, entry: dict) -> tuple[float, float] | None:
    """The optional ``centre = [lon, lat]`` of a ``[[lad]]`` entry (used by the hex layout)."""
    raw = entry.get("centre")
    if raw is None:
        return None
    try:
        lon, lat = (float(v) for v in raw)
    except (TypeError, ValueError):
        raise AreaConfigError(
            f"{path}: [[lad]] {code} has centre {raw!r}; write it as [longitude, latitude]."
        ) from None
    if not (-9.0 <= lon <= 2.5 and 49.0 <= lat <= 61.5):
        raise AreaConfigError(
            f"{path}: [[lad]] {code} has centre {raw!r}, which is not in Great Britain "
            "(expected [longitude, latitude], e.g. [-0.47, 52.14])."
        )
    return (lon, lat)


def config_path() -> Path:
    """The area file in use: ``AREA_CONFIG`` if set, else the repository's ``area.toml``."""
    return settings.area_config()


def load_area(path: Path | str | None = None) -> Area:
    """Read and check an area configuration file.

    Raises
    ------
    AreaConfigError
        Naming the file and the entry at fault.
    """
    path = Path(path) if path else config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AreaConfigError(f"Area configuration {path} does not exist.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AreaConfigError(f"Area configuration {path} is not valid TOML: {exc}") from None

    part = raw.get("partnership") or {}
    lads_raw = raw.get("lad") or []
    if not lads_raw:
        raise AreaConfigError(f"{path}: no [[lad]] entries; list at least one local authority.")
    lads = []
    for i, entry in enumerate(lads_raw, start=1):
        code = str(entry.get("code", "")).strip()
        if not LAD_CODE.match(code):
            raise AreaConfigError(
                f"{path}: [[lad]] entry {i} has code {code!r}, which is not an English local "
                "authority district code (E06/E07/E08/E09 followed by six digits)."
            )
        region = entry.get("region")
        if region is not None and not REGION_CODE.match(str(region)):
            raise AreaConfigError(f"{path}: [[lad]] {code} has region {region!r}, not an E12 code.")
        preds = tuple(str(p) for p in entry.get("predecessors", ()))
        lads.append(
            LocalAuthority(code, entry.get("name"), region, preds, _centre(path, code, entry))
        )
    codes = [lad.code for lad in lads]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise AreaConfigError(f"{path}: local authorities listed twice: {', '.join(dupes)}.")

    health = []
    for entry in raw.get("health_area") or []:
        members = tuple(entry.get("lads", ()))
        unknown = sorted(set(members) - set(codes))
        if unknown:
            raise AreaConfigError(
                f"{path}: health area {entry.get('code')} lists LADs not configured: "
                f"{', '.join(unknown)}."
            )
        health.append(
            HealthArea(
                code=str(entry["code"]),
                gss=str(entry.get("gss", "")),
                name=str(entry.get("name", entry["code"])),
                short_name=str(entry.get("short_name", entry["code"])),
                lads=members,
                icb=entry.get("icb"),
                icb_gss=entry.get("icb_gss"),
            )
        )
    return Area(
        code=str(part.get("code", "PARTNERSHIP")),
        name=str(part.get("name", "Partnership area")),
        description=str(part.get("description", part.get("name", "Partnership area"))),
        lads=tuple(lads),
        health_areas=tuple(health),
        region_names={str(k): str(v) for k, v in (raw.get("regions") or {}).items()},
        source=path,
    )
