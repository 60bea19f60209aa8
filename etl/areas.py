"""Which places a build keeps, what they are called, and how they nest.

Kept: every English local authority (for ranking and comparators), every region, the countries,
the configured partnership and its health areas, and the neighbourhoods (LSOA, MSOA) inside the
configured local authorities. Neighbourhoods are placed by the lookups when available, else by
the ONS naming rule (a 2021 LSOA is named "<LAD name> NNNX", an MSOA "<LAD name> NNN").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from core.area import ENGLAND_CODE, ENGLAND_NAME, Area, level_of
from core.lookups import Lookups
from etl.records import among

AREA_COLUMNS = [
    "area_code",
    "area_name",
    "display_name",
    "area_level",
    "parent_code",
    "lad_code",
    "region_code",
    "in_partnership",
    "valid_from",
    "valid_to",
]
COUNTRY_NAMES = {
    ENGLAND_CODE: ENGLAND_NAME,
    "K04000001": "England and Wales",
    "K03000001": "Great Britain",
    "K02000001": "United Kingdom",
}
_SMALL_AREA_NAME = re.compile(r"^(?P<lad>.+) (?P<num>\d{3})(?P<letter>[A-Z])?$")


_SMALL_PREFIXES = frozenset(("E01", "W01", "E02", "W02"))  # LSOA and MSOA codes (``level_of``)


def _listed(values: Iterable[object]) -> list[object]:
    return values.tolist() if isinstance(values, pd.Series) else list(values)


@dataclass
class AreaFilter:
    """Neighbourhood rows (LSOA, MSOA) a parser may leave out before making records of them.

    National neighbourhood files are 97% outside the configured area. A row is left out when the
    lookups place its code in a LAD outside the area, or when no lookup places it and its name
    (``<LAD name> 001A``) is not led by a name the configuration or the lookups give a configured
    LAD or one of its former districts. Every other row is kept and :meth:`Scope.in_scope` decides
    as before, so the filter only saves work. The build learns LAD names from the extracts too:
    :meth:`misses` tells when one of those names leads rows a file left out (the build then reads
    that file again in full). Use one :meth:`for_file` copy per file: it counts what it left out.
    """

    configured: frozenset[str] = frozenset()
    placed: dict[str, dict[str, bool]] = field(default_factory=dict)  # kind -> code -> in area
    names: frozenset[str] = frozenset()  # LAD names that may lead the name of a row kept
    figures: int = 0  # figures (records) left out of this file
    unplaced: dict[bool, set[str]] = field(default_factory=dict)  # 2011 vintage? -> name leads

    @classmethod
    def make(cls, area: Area, lookups: Lookups) -> AreaFilter:
        """The filter for one build: the lookups' placings, and the LAD names known up front."""
        configured = frozenset(area.lad_codes)
        successor = {**lookups.successors(), **area.predecessor_map}  # as Scope.make
        lsoa11 = lookups.lsoa11
        maps = {
            "lsoa": lookups.lsoa_to_lad(),
            "msoa": lookups.msoa_to_lad(),
            "lsoa11": {
                code: successor.get(lad, lad)
                for code, lad in zip(lsoa11["lsoa11_code"], lsoa11["lad_code"], strict=False)
            },
        }
        # A code whose LAD is known says in (True) or out (False); any other goes by its name.
        placed = {
            kind: {code: lad in configured for code, lad in table.items() if lad}
            for kind, table in maps.items()
        }
        names = {lad.name for lad in area.lads if lad.name}
        for row in lookups.lads.itertuples(index=False):
            if isinstance(row.lad_name, str) and successor.get(row.lad_code, row.lad_code) in (
                configured
            ):
                names.add(row.lad_name)
        return cls(configured, placed, frozenset(names))

    def for_file(self) -> AreaFilter:
        """A copy that counts what one file leaves out."""
        return replace(self, figures=0, unplaced={True: set(), False: set()})

    def keep(
        self, codes: Iterable[object], names: Iterable[object], vintage: str | None, per_row: int
    ) -> np.ndarray:
        """Which rows to keep (a bool array); ``per_row``: figures each row holds."""
        if vintage == "lsoa11":
            lsoa = msoa = self.placed.get("lsoa11", {})
        else:
            lsoa, msoa = self.placed.get("lsoa", {}), self.placed.get("msoa", {})
        by_prefix = {"E01": lsoa, "W01": lsoa, "E02": msoa, "W02": msoa}
        unplaced = self.unplaced.setdefault(vintage == "lsoa11", set())
        known = self.names
        out: list[bool] = []
        append = out.append  # a plain loop: every row of a national file passes through here
        for code, name in zip(_listed(codes), _listed(names), strict=True):
            table = by_prefix.get(code[:3]) if isinstance(code, str) else None
            if table is None:  # not a neighbourhood
                append(True)
                continue
            inside = table.get(code)
            if inside is not None:
                append(inside)
            elif isinstance(name, str) and name:
                lead = name.rpartition(" ")[0]  # "<LAD name>" if the naming rule matches
                if lead in known:
                    append(True)
                else:
                    unplaced.add(lead)
                    append(False)
            else:
                append(False)  # no LAD and no name: never in scope
        keep = np.array(out, dtype=bool)
        self.figures += int((~keep).sum()) * per_row
        return keep

    def misses(self, scope: Scope) -> bool:
        """Whether ``scope`` places neighbourhoods by a name that led rows this file left out."""
        by_name, former = scope.placing_names()
        return bool(
            self.unplaced.get(False, set()) & set(by_name)
            or self.unplaced.get(True, set()) & set(former)
        )


@dataclass
class Scope:
    """The geography of one build."""

    area: Area
    lookups: Lookups
    lad_names: dict[str, str] = field(default_factory=dict)  # every LAD code seen -> name
    region_of: dict[str, str] = field(default_factory=dict)  # LAD -> region
    successor: dict[str, str] = field(default_factory=dict)  # former LAD -> current LAD
    notes: list[str] = field(default_factory=list)
    _maps: dict[str, dict[str, str]] | None = field(default=None, repr=False)

    @classmethod
    def make(cls, area: Area, lookups: Lookups, names: pd.DataFrame) -> Scope:
        """Learn names and nesting from the config, the lookups and the extracts' own names."""
        scope = cls(area, lookups)
        seen = names.dropna().drop_duplicates("area_code")
        for code, name in zip(seen["area_code"], seen["area_name"], strict=True):
            if level_of(code) == "lad":
                scope.lad_names.setdefault(code, name)
        lads = lookups.lads
        for row in lads.itertuples(index=False):
            if row.lad_name:
                scope.lad_names.setdefault(row.lad_code, row.lad_name)
            if row.region_code and row.active_code == row.lad_code:
                scope.region_of.setdefault(row.lad_code, row.region_code)
        scope.successor.update(lookups.successors())
        for lad in area.lads:
            if lad.name:
                scope.lad_names[lad.code] = lad.name
            if lad.region:
                scope.region_of[lad.code] = lad.region
        scope.successor.update(area.predecessor_map)
        for lad in area.lads:
            if lad.code not in scope.lad_names:
                scope.notes.append(f"No name found for configured LAD {lad.code}.")
        return scope

    # -- neighbourhoods ------------------------------------------------------------------

    def _small_area_maps(self) -> dict[str, dict[str, str]]:
        """The lookups as code -> LAD dicts, made once per build (every extract uses them)."""
        if self._maps is None:
            lsoa11 = self.lookups.lsoa11
            self._maps = {
                "lsoa": self.lookups.lsoa_to_lad(),
                "msoa": self.lookups.msoa_to_lad(),
                "lsoa11": dict(zip(lsoa11["lsoa11_code"], lsoa11["lad_code"], strict=False)),
            }
        return self._maps

    def placing_names(self) -> tuple[dict[str, str], dict[str, str]]:
        """The LAD names the naming rule places neighbourhoods by: of today's neighbourhoods
        (configured LADs' names), and of 2011 ones (former districts' names too) -> LAD code."""
        configured = set(self.area.lad_codes)
        former_names = {
            name: self.successor.get(code, code)
            for code, name in self.lad_names.items()
            if self.successor.get(code, code) in configured
        }
        by_name: dict[str, str] = {}
        for code in self.area.lad_codes:  # the first configured LAD of a name wins
            if self.lad_names.get(code) is not None:
                by_name.setdefault(self.lad_names[code], code)
        return by_name, former_names

    def small_area_lad(self, codes: pd.Series, names: pd.Series, vintage: pd.Series) -> pd.Series:
        """The configured LAD each LSOA/MSOA lies in, or None (outside the area or unknown).

        By the lookups where they give a LAD, else by the ONS naming rule ("<LAD name> NNNX");
        2011 LSOAs of former districts are placed in the district's successor.
        """
        maps = self._small_area_maps()
        configured = set(self.area.lad_codes)
        by_name, former_names = self.placing_names()
        succ = self.successor
        out = []
        # A plain loop over the values: every national LSOA file passes through here.
        for code, name, vint in zip(
            codes.to_numpy(dtype=object),
            names.to_numpy(dtype=object),
            vintage.to_numpy(dtype=object),
            strict=True,
        ):
            if vint == "lsoa11":
                lad = maps["lsoa11"].get(code)
                lad = succ.get(lad, lad)
                by = former_names
            else:
                table = maps["lsoa"] if code.startswith(("E01", "W01")) else maps["msoa"]
                lad = table.get(code)
                by = by_name
            if not lad and isinstance(name, str) and name:
                m = _SMALL_AREA_NAME.match(name)
                lad = by.get(m.group("lad")) if m else None
            out.append(lad if lad in configured else None)
        return pd.Series(out, index=codes.index, dtype=object)

    def in_scope(self, recs: pd.DataFrame) -> pd.Series:
        """Which records describe a place this build keeps."""
        # Records repeat each area once per figure: decide for each code once.
        idx, uniq = pd.factorize(recs["area_code"])  # a missing code is -1: the last entry
        countries = set(COUNTRY_NAMES)
        health = {h.gss for h in self.area.health_areas if h.gss}
        uniq = uniq.tolist()
        levels = [level_of(c) for c in uniq]
        kept = [
            (level == "lad" and code.startswith("E"))
            or level == "region"
            or code in countries
            or code in health
            for code, level in zip(uniq, levels, strict=True)
        ]
        keep = pd.Series(np.array([*kept, False])[idx], index=recs.index)
        small = np.array([level in ("lsoa", "msoa") for level in levels] + [False])[idx]
        if small.any():
            sub = recs.loc[small, ["area_code", "area_name", "geo_vintage"]]
            once = sub.drop_duplicates()
            lad = self.small_area_lad(once["area_code"], once["area_name"], once["geo_vintage"])
            if once["area_code"].is_unique:
                placed = set(once.loc[lad.notna().to_numpy(), "area_code"])
                keep.loc[sub.index] = among(sub["area_code"], placed)
            else:  # one code under two names or vintages: decide row by row
                lad = self.small_area_lad(sub["area_code"], sub["area_name"], sub["geo_vintage"])
                keep.loc[sub.index] = lad.notna().to_numpy()
        return keep

    # -- the areas table -----------------------------------------------------------------

    def areas_table(self, observed: pd.DataFrame) -> pd.DataFrame:
        """Rows for every place an observation refers to, plus the configured structure."""
        area = self.area
        rows: dict[str, dict] = {}

        def add(code, name, level, parent=None, lad=None, region=None, inside=False, display=None):
            rows[code] = {
                "area_code": code,
                "area_name": name,
                "display_name": display or name,
                "area_level": level,
                "parent_code": parent,
                "lad_code": lad,
                "region_code": region,
                "in_partnership": inside,
                "valid_from": None,
                "valid_to": None,
            }

        add(ENGLAND_CODE, ENGLAND_NAME, "country")
        add(area.code, area.name, "partnership", inside=True)
        names = observed.dropna(subset=["area_name"]).drop_duplicates("area_code")
        name_of = dict(zip(names["area_code"], names["area_name"], strict=True))
        codes = observed["area_code"].unique()  # an observation per figure: each code once
        regions = set(self.region_of.values()) | {c for c in codes if level_of(c) == "region"}
        for code in sorted(regions):
            add(
                code,
                area.region_names.get(code) or name_of.get(code) or code,
                "region",
                parent=ENGLAND_CODE,
                region=code,
            )
        for code in codes:
            lvl = level_of(code)
            if code in COUNTRY_NAMES and code not in rows:
                add(code, COUNTRY_NAMES[code], "country")
            elif lvl == "lad" and code not in rows:
                inside = code in area.lad_codes
                region = self.region_of.get(code)
                add(
                    code,
                    self.lad_names.get(code) or name_of.get(code) or code,
                    "lad",
                    parent=area.code if inside else None,
                    lad=code,
                    region=region,
                    inside=inside,
                )
        for lad in area.lads:
            add(
                lad.code,
                self.lad_names.get(lad.code, lad.code),
                "lad",
                parent=area.code,
                lad=lad.code,
                region=self.region_of.get(lad.code),
                inside=True,
            )
        for health in area.health_areas:
            add(
                health.gss or health.code,
                health.name,
                "subicb",
                parent=None,
                inside=True,
                display=f"{health.short_name} (NHS sub-ICB {health.code})",
            )

        # Neighbourhoods: from the lookups for the configured LADs, else from observed names.
        lk = self.lookups.lsoa21
        lk = lk[lk["lad_code"].isin(area.lad_codes)] if not lk.empty else lk
        for row in lk.drop_duplicates("msoa_code").itertuples(index=False):
            if row.msoa_code:
                hcl = row.msoa_hcl_name or row.msoa_name
                add(
                    row.msoa_code,
                    row.msoa_name or row.msoa_code,
                    "msoa",
                    parent=row.lad_code,
                    lad=row.lad_code,
                    region=self.region_of.get(row.lad_code),
                    inside=True,
                    display=hcl,
                )
        for row in lk.itertuples(index=False):
            parent = row.msoa_code or row.lad_code
            hcl = row.msoa_hcl_name
            name = row.lsoa_name or row.lsoa_code
            add(
                row.lsoa_code,
                name,
                "lsoa",
                parent=parent,
                lad=row.lad_code,
                region=self.region_of.get(row.lad_code),
                inside=True,
                display=f"{name} ({hcl})" if hcl else name,
            )
        idx, uniq = pd.factorize(observed["area_code"])  # a missing code is -1: the last entry
        neighbourhood = [level_of(c) in ("lsoa", "msoa") for c in uniq.tolist()] + [False]
        small = observed[np.array(neighbourhood, dtype=bool)[idx]]
        small = small[~small["area_code"].isin(rows)].drop_duplicates("area_code")
        if not small.empty:
            lads = self.small_area_lad(
                small["area_code"], small["area_name"], pd.Series(None, index=small.index)
            )
            msoa_by_name = {r["area_name"]: c for c, r in rows.items() if r["area_level"] == "msoa"}
            for code, name, lad in zip(small["area_code"], small["area_name"], lads, strict=True):
                lvl = level_of(code)
                parent = lad
                if lvl == "lsoa" and name:
                    parent = msoa_by_name.get(name[:-1], lad)
                add(
                    code,
                    name or code,
                    lvl,
                    parent=parent,
                    lad=lad,
                    region=self.region_of.get(lad),
                    inside=True,
                )
        return pd.DataFrame(list(rows.values()), columns=AREA_COLUMNS)

    def lookup_table(self) -> pd.DataFrame:
        rows = [
            {"from_code": old, "to_code": new, "relation": "predecessor"}
            for old, new in sorted(self.successor.items())
            if new in self.area.lad_codes
        ]
        for health in self.area.health_areas:
            rows += [
                {
                    "from_code": lad,
                    "to_code": health.gss or health.code,
                    "relation": "subicb_member",
                }
                for lad in health.lads
            ]
        return pd.DataFrame(rows, columns=["from_code", "to_code", "relation"])
