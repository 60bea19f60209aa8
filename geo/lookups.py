"""Geography lookups: LSOA 2021 -> MSOA 2021 -> LAD, LSOA 2011 -> 2021, and former -> current LADs.

Lookup files are recognised by their header columns, whatever their names, so the ONS originals
and the project's own cached copies under ``data/geo/`` read the same way. Headers are compared
case-insensitively (ONS has shipped both ``LAD22CD`` and ``lad22cd``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

LSOA21_COLUMNS = ["lsoa_code", "lsoa_name", "msoa_code", "msoa_name", "msoa_hcl_name", "lad_code"]
LSOA11_COLUMNS = ["lsoa11_code", "lsoa21_code", "change", "lad_code"]
LAD_COLUMNS = ["lad_code", "lad_name", "active_code", "region_code", "region_name"]
MSOA_NAME_COLUMNS = ["msoa_code", "msoa_hcl_name"]


class LookupError_(ValueError):
    """A lookup file is inconsistent (an LSOA in two MSOAs, an MSOA in two LADs...)."""


@dataclass
class Lookups:
    """The lookups found for a build. Empty frames where none was found."""

    lsoa21: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LSOA21_COLUMNS))
    lsoa11: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LSOA11_COLUMNS))
    lads: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LAD_COLUMNS))
    files: list[Path] = field(default_factory=list)

    def lsoa_to_lad(self) -> dict[str, str]:
        return dict(zip(self.lsoa21["lsoa_code"], self.lsoa21["lad_code"], strict=True))

    def msoa_to_lad(self) -> dict[str, str]:
        sub = self.lsoa21.drop_duplicates("msoa_code")
        return dict(zip(sub["msoa_code"], sub["lad_code"], strict=True))

    def successors(self) -> dict[str, str]:
        """Former LAD code -> current code (only where they differ)."""
        sub = self.lads[
            self.lads["active_code"].notna() & (self.lads["active_code"] != self.lads["lad_code"])
        ]
        return dict(zip(sub["lad_code"], sub["active_code"], strict=True))


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        try:
            return [h.strip().lower() for h in next(csv.reader(handle))]
        except StopIteration:
            return []


def _col(header: list[str], *candidates: str) -> str | None:
    for c in candidates:
        if c.lower() in header:
            return c.lower()
    return None


def _read(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    df.columns = [c.strip().lower() for c in df.columns]
    return df.replace({"": None})


def _one_parent(df: pd.DataFrame, child: str, parent: str, path: Path) -> None:
    counts = df.drop_duplicates([child, parent]).groupby(child)[parent].nunique()
    bad = counts[counts > 1]
    if len(bad):
        codes = ", ".join(bad.index[:5])
        raise LookupError_(
            f"{path}: {len(bad)} {child.upper()} code(s) fall in more than one {parent.upper()} "
            f"(e.g. {codes}); a lookup must give each exactly one parent."
        )


def read_lookup_file(path: Path, lookups: Lookups) -> bool:
    """Add what ``path`` holds to ``lookups``; return False if it is not a lookup this knows."""
    header = _header(path)
    lsoa21 = _col(header, "lsoa21cd")
    lsoa11 = _col(header, "lsoa11cd")
    msoa21 = _col(header, "msoa21cd")
    lad = _col(header, "lad23cd", "lad22cd", "lad24cd", "lad25cd", "lad21cd")
    if lsoa11 and lsoa21:
        df = _read(path)
        change = _col(header, "chgind")
        out = pd.DataFrame(
            {
                "lsoa11_code": df[lsoa11],
                "lsoa21_code": df[lsoa21],
                "change": df[change] if change else None,
                "lad_code": df[lad] if lad else None,
            }
        )
        lookups.lsoa11 = pd.concat([lookups.lsoa11, out]).drop_duplicates(
            ["lsoa11_code", "lsoa21_code"]
        )
        lookups.files.append(path)
        return True
    if lsoa21 and lad:
        df = _read(path).drop_duplicates(lsoa21)
        if msoa21:
            _one_parent(df, lsoa21, msoa21, path)
            _one_parent(df, msoa21, lad, path)
        _one_parent(df, lsoa21, lad, path)
        name = _col(header, "lsoa21nm")
        msoa_name = _col(header, "msoa21nm")
        hcl = _col(header, "msoa21hclnm", "msoahclnm")
        out = pd.DataFrame(
            {
                "lsoa_code": df[lsoa21],
                "lsoa_name": df[name] if name else None,
                "msoa_code": df[msoa21] if msoa21 else None,
                "msoa_name": df[msoa_name] if msoa_name else None,
                "msoa_hcl_name": df[hcl] if hcl else None,
                "lad_code": df[lad],
            }
        )
        # A file with MSOAs is better than one without; keep the fuller row for each LSOA.
        combined = pd.concat([out, lookups.lsoa21])
        combined["_rank"] = combined["msoa_code"].isna()
        lookups.lsoa21 = (
            combined.sort_values("_rank", kind="stable")
            .drop_duplicates("lsoa_code")
            .drop(columns="_rank")
        )
        lookups.files.append(path)
        return True
    hcl = _col(header, "msoahclnm")
    msoa = _col(header, "msoa21cd")
    if hcl and msoa:
        df = _read(path)
        df = df[df[msoa].notna()]
        names = dict(zip(df[msoa], df[hcl], strict=False))
        if not lookups.lsoa21.empty:
            fill = lookups.lsoa21["msoa_hcl_name"].isna()
            lookups.lsoa21.loc[fill, "msoa_hcl_name"] = lookups.lsoa21.loc[fill, "msoa_code"].map(
                names
            )
        lookups.files.append(path)
        lookups._pending_hcl = names  # type: ignore[attr-defined]
        return True
    ladcd = _col(header, "ladcd")
    active = _col(header, "ladcd_active")
    if ladcd and active:
        df = _read(path)
        rgn, rgn_name = _col(header, "rgncd"), _col(header, "rgnnm")
        out = pd.DataFrame(
            {
                "lad_code": df[ladcd],
                "lad_name": df[_col(header, "ladnm")] if _col(header, "ladnm") else None,
                "active_code": df[active],
                "region_code": df[rgn] if rgn else None,
                "region_name": df[rgn_name] if rgn_name else None,
            }
        )
        lookups.lads = pd.concat([lookups.lads, out]).drop_duplicates("lad_code")
        lookups.files.append(path)
        return True
    return False


def find_lookups(*roots: Path) -> Lookups:
    """Read every lookup CSV under the given folders (missing folders are ignored)."""
    lookups = Lookups()
    for root in roots:
        if root is None or not Path(root).exists():
            continue
        paths = [root] if Path(root).is_file() else sorted(Path(root).rglob("*.csv"))
        for path in paths:
            read_lookup_file(path, lookups)
    pending = getattr(lookups, "_pending_hcl", None)
    if pending and not lookups.lsoa21.empty:
        fill = lookups.lsoa21["msoa_hcl_name"].isna()
        lookups.lsoa21.loc[fill, "msoa_hcl_name"] = lookups.lsoa21.loc[fill, "msoa_code"].map(
            pending
        )
    return lookups
