"""Places published by name only, given the codes the rest of the build knows them by.

Some downloads name their areas without codes: a Nomis XLSX writes ``ladu:Luton`` and
``country:England``. Their parsers keep the records contract by putting the name in ``area_name``
and a provisional code in ``area_code``::

    name:<kind>:<name>        e.g.  name:ladu:Luton,  name:country:England

Before the build places any figure, :func:`resolve` swaps each provisional code for the GSS code
of the place with that name, looking in order at the area configuration (the partnership's local
authorities, region names, England), the code/name pairs of every other extract in the same build,
and the lookup files found. Every name that matches nothing, or more than one place, is reported
in the build summary; kinds that are groupings this build does not model (LEPs, user-defined
geographies) are reported as one line per file.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from core.area import ENGLAND_CODE, ENGLAND_NAME, Area, level_of
from core.lookups import Lookups
from etl.areas import COUNTRY_NAMES
from etl.extract import Extract

PREFIX = "name:"

# Kinds of name a source may use, and the area level each is matched against. "area" (a name
# with no kind) is matched against every level and must match exactly one place.
KIND_LEVELS: dict[str, tuple[str, ...]] = {
    "ladu": ("lad",),
    "lad": ("lad",),
    "ua": ("lad",),
    "local authority": ("lad",),
    "region": ("region",),
    "gor": ("region",),
    "rgn": ("region",),
    "country": ("country",),
    "ctry": ("country",),
    "area": ("lad", "region", "country"),
}

# Codes outside England that name councils and nations (kept so their names resolve; the build
# later leaves them out as places outside its scope, and counts them).
_EXTRA_LEVELS = {"S12": "lad", "N09": "lad", "S92": "country", "N92": "country"}
_CITY_OF = re.compile(r"^(?P<place>.+), (?P<kind>city|county) of$")


def provisional_code(kind: str, name: str) -> str:
    """The stand-in code for an area a source names but does not code."""
    return f"{PREFIX}{kind.strip()}:{name.strip()}"


def split_provisional(code: object) -> tuple[str, str] | None:
    """``name:ladu:Luton`` -> (``ladu``, ``Luton``); None for a real code."""
    if not isinstance(code, str) or not code.startswith(PREFIX):
        return None
    kind, _, name = code[len(PREFIX) :].partition(":")
    return kind, name


def normalise_name(name: str, level: str | None = None) -> str:
    """Compare place names ignoring case, punctuation, ``&``/``and`` and ``Bristol, City of``."""
    text = " ".join(str(name).replace("&", " and ").split()).strip()
    m = _CITY_OF.match(text.lower())
    if m:
        text = f"{m.group('kind')} of {m.group('place')}"
    text = " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())
    if level == "region" and text.endswith(" of england"):
        text = text[: -len(" of england")]  # ONS "East" is Nomis and config "East of England"
    return text


def _provisional(codes: pd.Series) -> np.ndarray:
    """Which codes are provisional ``name:`` codes (a missing code is not), decided once for
    each distinct code: records repeat each code once per figure."""
    which, distinct = pd.factorize(codes)  # a missing code is -1: the last entry
    named = [str(code).startswith(PREFIX) for code in distinct.tolist()]
    return np.array([*named, False], dtype=bool)[which]


def _level(code: str) -> str | None:
    return level_of(code) or _EXTRA_LEVELS.get(str(code)[:3])


@dataclass
class NameIndex:
    """Known places by level and normalised name, in tiers of trust (first tier wins)."""

    tiers: list[dict[str, dict[str, set[str]]]] = field(default_factory=list)
    current: set[str] = field(default_factory=set)  # codes known to be in use today

    def add_tier(self, pairs: Iterable[tuple[object, object]]) -> None:
        tier: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for code, name in pairs:
            if not isinstance(code, str) or not isinstance(name, str) or not name.strip():
                continue
            level = _level(code)
            if level in ("lad", "region", "country"):
                tier[level][normalise_name(name, level)].add(code)
        self.tiers.append(tier)

    def find(self, kind: str, name: str) -> set[str]:
        """Codes for a name of this kind: from the first tier that knows it."""
        levels = KIND_LEVELS.get(kind.lower(), ())
        for tier in self.tiers:
            found = set()
            for level in levels:
                found |= tier.get(level, {}).get(normalise_name(name, level), set())
            if len(found) > 1:
                current = found & self.current
                found = current or found
            if found:
                return found
        return set()


def known_names(extracts: list[Extract], area: Area, lookups: Lookups) -> NameIndex:
    """Every code/name pair the build knows: configuration, extracts, then lookups."""
    index = NameIndex()
    config = [(lad.code, lad.name) for lad in area.lads if lad.name]
    config += list(area.region_names.items())
    config += [(ENGLAND_CODE, ENGLAND_NAME), *COUNTRY_NAMES.items()]
    index.add_tier(config)
    index.current |= {code for code, _ in config}

    pairs: set[tuple[object, object]] = set()  # the tier keeps only text codes and names
    for ex in extracts:
        recs = ex.records
        pairs.update(zip(recs["area_code"].tolist(), recs["area_name"].tolist(), strict=True))
    index.add_tier(
        (code, name)
        for code, name in pairs
        if isinstance(code, str) and not code.startswith(PREFIX)
    )

    lads = lookups.lads
    if not lads.empty:
        index.add_tier(
            list(zip(lads["lad_code"], lads["lad_name"], strict=True))
            + list(zip(lads["region_code"], lads["region_name"], strict=True))
        )
        index.current |= set(lads.loc[lads["active_code"] == lads["lad_code"], "lad_code"])
        index.current |= set(lads["region_code"].dropna())
    return index


def _shown(names: list[str]) -> str:
    return ", ".join(sorted(names))


def resolve(
    extracts: list[Extract], area: Area, lookups: Lookups
) -> tuple[list[Extract], list[str]]:
    """Replace provisional ``name:`` codes with real ones; report what could not be placed.

    Returns new extracts (the originals are not changed) and notes for the build summary.
    Records whose name matches nothing, or more than one place, are left out and reported.
    """
    named_by_extract = [_provisional(ex.records["area_code"]) for ex in extracts]
    if not any(named.any() for named in named_by_extract):
        return extracts, []
    index = known_names(extracts, area, lookups)
    notes: list[str] = []
    out: list[Extract] = []
    for ex, provisional in zip(extracts, named_by_extract, strict=True):
        if not provisional.any():
            out.append(ex)
            continue
        codes = ex.records["area_code"].astype(str)
        named = pd.Series(provisional, index=codes.index)
        mapping: dict[str, str | None] = {}
        unmatched, ambiguous, groupings = [], [], defaultdict(set)
        for code in codes[named].unique():
            kind, name = split_provisional(code)
            if kind.lower() not in KIND_LEVELS:
                groupings[kind].add(name)
                mapping[code] = None
                continue
            found = index.find(kind, name)
            if len(found) == 1:
                mapping[code] = found.pop()
            else:
                mapping[code] = None
                label = f"{kind}:{name}" if kind != "area" else name
                if found:
                    ambiguous.append(f"{label} ({' or '.join(sorted(found))})")
                else:
                    unmatched.append(label)
        where = ex.origin
        if unmatched:
            notes.append(
                f"{where}: {len(unmatched)} area name(s) match no place this build knows and "
                f"were left out: {_shown(unmatched)}"
            )
        if ambiguous:
            notes.append(
                f"{where}: {len(ambiguous)} area name(s) match more than one place and were "
                f"left out: {_shown(ambiguous)}"
            )
        if groupings:
            n = sum(len(v) for v in groupings.values())
            kinds = ", ".join(f"'{k}'" for k in sorted(groupings))
            notes.append(
                f"{where}: {n} area(s) of type {kinds} are groupings this build does not map, "
                "and were left out"
            )
        new_codes = codes.where(~named, codes.map(mapping))
        recs = ex.records.assign(area_code=new_codes.astype(object))
        recs = recs[pd.notna(recs["area_code"])].reset_index(drop=True)
        out.append(replace(ex, records=recs))
    return out, notes
