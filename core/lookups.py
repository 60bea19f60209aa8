"""Geography lookups: LSOA 2021 -> MSOA 2021 -> LAD, LSOA 2011 -> 2021, former -> current LADs,
and NHS sub-ICB locations -> LADs.

Lookup files are recognised by their header columns, whatever their names, so the ONS originals
and the project's own normalised copies under ``data/geo/`` (written by ``python -m geo build``,
see :func:`write_lookups`) read the same way. Headers are compared case-insensitively (ONS has
shipped both ``LAD22CD`` and ``lad22cd``), and any vintage of the LAD column is accepted
(``LAD22CD``, ``LAD23CD``, ``LTLA22CD`` … the newest wins when a file has several).

Every file is checked as it is read: each LSOA must fall in exactly one MSOA and one LAD, and
each MSOA in exactly one LAD; two files that put an LSOA in different MSOAs are an error too.
A failed check raises :class:`LookupError_` naming the file and the offending codes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import filterfalse
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import LookupError_, code_list
from core.folders import walk

LSOA21_COLUMNS = ["lsoa_code", "lsoa_name", "msoa_code", "msoa_name", "msoa_hcl_name", "lad_code"]
LSOA11_COLUMNS = ["lsoa11_code", "lsoa21_code", "change", "lad_code"]
LAD_COLUMNS = ["lad_code", "lad_name", "active_code", "region_code", "region_name"]
MSOA_NAME_COLUMNS = ["msoa_code", "msoa_hcl_name"]
SUBICB_COLUMNS = [
    "subicb_code",
    "subicb_ods",
    "subicb_name",
    "short_name",
    "icb_ods",
    "icb_code",
    "lad_code",
]

# File names of the normalised lookups a geography build writes (see write_lookups).
LOOKUP_FILES = {
    "lsoa21": "lookup_lsoa21_msoa21_lad.csv",
    "lsoa11": "lookup_lsoa11_lsoa21.csv",
    "lads": "lookup_lad.csv",
    "subicb": "lookup_subicb_lad.csv",
}

_LAD_COLUMN = re.compile(r"^(?:lad|ltla)(\d\d)cd$")



def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass
class Lookups:
    """The lookups found for a build. Empty frames where none was found.

    ``lsoa21``: one row per 2021 LSOA (:data:`LSOA21_COLUMNS`); ``lsoa11``: 2011 -> 2021 LSOA
    pairs with the ONS change indicator (U/S/M/X); ``lads``: every LAD code seen, with the code
    now in use (``active_code``) and its region; ``subicb``: NHS sub-ICB location -> LAD rows;
    ``msoa_names``: House of Commons Library MSOA names by MSOA code; ``files``: what was read.
    """

    lsoa21: pd.DataFrame = field(default_factory=lambda: _empty(LSOA21_COLUMNS))
    lsoa11: pd.DataFrame = field(default_factory=lambda: _empty(LSOA11_COLUMNS))
    lads: pd.DataFrame = field(default_factory=lambda: _empty(LAD_COLUMNS))
    subicb: pd.DataFrame = field(default_factory=lambda: _empty(SUBICB_COLUMNS))
    msoa_names: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    _lsoa21_source: dict[str, Path] = field(default_factory=dict, repr=False)

    def lsoa_to_lad(self) -> dict[str, str]:
        """LSOA 2021 code -> LAD code."""
        return dict(zip(self.lsoa21["lsoa_code"], self.lsoa21["lad_code"], strict=True))

    def lsoa_to_msoa(self) -> dict[str, str]:
        """LSOA 2021 code -> MSOA 2021 code (only LSOAs whose MSOA is known)."""
        sub = self.lsoa21.dropna(subset=["msoa_code"])
        return dict(zip(sub["lsoa_code"], sub["msoa_code"], strict=True))

    def msoa_to_lad(self) -> dict[str, str]:
        """MSOA 2021 code -> LAD code."""
        sub = self.lsoa21.dropna(subset=["msoa_code"]).drop_duplicates("msoa_code")
        return dict(zip(sub["msoa_code"], sub["lad_code"], strict=True))

    def successors(self) -> dict[str, str]:
        """Former LAD code -> current code (only where they differ)."""
        sub = self.lads[
            self.lads["active_code"].notna() & (self.lads["active_code"] != self.lads["lad_code"])
        ]
        return dict(zip(sub["lad_code"], sub["active_code"], strict=True))

    def lad_names(self) -> dict[str, str]:
        """LAD code -> name, for every LAD the lookups name."""
        sub = self.lads.dropna(subset=["lad_name"])
        return dict(zip(sub["lad_code"], sub["lad_name"], strict=True))

    def region_of(self) -> dict[str, str]:
        """Current LAD code -> region code (E12…), where the lookups say."""
        sub = self.lads.dropna(subset=["region_code"])
        sub = sub[sub["active_code"].isna() | (sub["active_code"] == sub["lad_code"])]
        return dict(zip(sub["lad_code"], sub["region_code"], strict=True))

    def region_names(self) -> dict[str, str]:
        """Region code -> name, where the lookups say."""
        sub = self.lads.dropna(subset=["region_code", "region_name"])
        sub = sub.drop_duplicates("region_code")
        return dict(zip(sub["region_code"], sub["region_name"], strict=True))

    def apply_msoa_names(self) -> None:
        """Fill ``msoa_hcl_name`` from :attr:`msoa_names` where a row has none."""
        if self.lsoa21.empty or not self.msoa_names:
            return
        fill = self.lsoa21["msoa_hcl_name"].isna()
        self.lsoa21.loc[fill, "msoa_hcl_name"] = self.lsoa21.loc[fill, "msoa_code"].map(
            self.msoa_names
        )

    def add_lsoa21(self, rows: pd.DataFrame, source: Path | str) -> None:
        """Merge LSOA 2021 rows (checked first) into :attr:`lsoa21`.

        A row that knows its MSOA beats one that does not. An LSOA that another source put in a
        different MSOA raises :class:`LookupError_` naming both sources.
        """
        rows = rows.reindex(columns=LSOA21_COLUMNS).dropna(how="all")
        check_codes(rows, source)
        check_one_parent(rows, "lsoa_code", "msoa_code", source)
        check_one_parent(rows, "lsoa_code", "lad_code", source)
        check_one_parent(rows, "msoa_code", "lad_code", source)
        rows = rows.drop_duplicates("lsoa_code")
        if not self.lsoa21.empty:
            known = self.lsoa21.dropna(subset=["msoa_code"]).set_index("lsoa_code")["msoa_code"]
            new = rows.dropna(subset=["msoa_code"]).set_index("lsoa_code")["msoa_code"]
            both = known.index.intersection(new.index)
            clash = both[known.loc[both].to_numpy() != new.loc[both].to_numpy()]
            if len(clash):
                first = {self._lsoa21_source.get(c) for c in clash}
                others = ", ".join(str(p) for p in sorted(first, key=str) if p)
                raise LookupError_(
                    f"{source}: {len(clash)} LSOA code(s) are in a different MSOA here than in "
                    f"{others or 'an earlier lookup'}: "
                    + "; ".join(
                        f"{c} ({new.loc[c]} here, {known.loc[c]} there)" for c in sorted(clash)[:5]
                    )
                    + ". Use lookups of one vintage."
                )
        origin = Path(source)  # where each LSOA was first seen
        seen = self._lsoa21_source
        new_codes = filterfalse(seen.__contains__, rows["lsoa_code"].tolist())
        seen.update(dict.fromkeys(new_codes, origin))
        combined = pd.concat([d for d in (rows, self.lsoa21) if not d.empty] or [rows])
        combined["_rank"] = combined["msoa_code"].isna()
        self.lsoa21 = (
            combined.sort_values("_rank", kind="stable")
            .drop_duplicates("lsoa_code")
            .drop(columns="_rank")
            .reset_index(drop=True)
        )

    def add_lads(self, rows: pd.DataFrame) -> None:
        """Merge LAD rows into :attr:`lads`: per code, the first non-empty value of each field."""
        rows = rows.reindex(columns=LAD_COLUMNS)
        frames = [d for d in (self.lads, rows) if not d.empty]
        if frames:
            merged = pd.concat(frames).dropna(subset=["lad_code"])
            merged = merged.groupby("lad_code", sort=False, as_index=False).first()
            self.lads = merged.reindex(columns=LAD_COLUMNS).astype(object)
            self.lads = self.lads.where(self.lads.notna(), None)

    def for_lads(self, lad_codes: list[str] | tuple[str, ...]) -> Lookups:
        """A copy holding only what concerns these LADs (and every LAD's name and region)."""
        lads = set(lad_codes)
        out = Lookups(
            lsoa21=self.lsoa21[self.lsoa21["lad_code"].isin(lads)].reset_index(drop=True),
            lsoa11=self.lsoa11[self.lsoa11["lad_code"].isin(lads)].reset_index(drop=True),
            lads=self.lads.copy(),
            subicb=self.subicb[self.subicb["lad_code"].isin(lads)].reset_index(drop=True),
            files=list(self.files),
        )
        wanted = set(out.lsoa21["msoa_code"].dropna())
        out.msoa_names = {k: v for k, v in self.msoa_names.items() if k in wanted}
        return out


_CODE_PATTERNS = {
    "lsoa_code": r"^[EW]01\d{6}$",
    "msoa_code": r"^[EW]02\d{6}$",
    "lad_code": r"^[EWSN]\d{8}$",
}


def check_codes(df: pd.DataFrame, source: Path | str) -> None:
    """Raise :class:`LookupError_` if a code column holds something that is not such a code
    (a spreadsheet's ``#N/A``, a shifted column, a missing LSOA code)."""
    for column, pattern in _CODE_PATTERNS.items():
        values = df[column]
        missing = values.isna() if column != "msoa_code" else pd.Series(False, index=df.index)
        bad = missing | (values.notna() & ~values.astype(str).str.match(pattern))
        if bad.any():
            examples = [repr(v) for v in values[bad].head(5)]
            raise LookupError_(
                f"{source}: {int(bad.sum())} row(s) have a {column.split('_')[0].upper()} code "
                f"that is missing or malformed ({', '.join(examples)}); expected codes like "
                f"{_EXAMPLE[column]}."
            )


_EXAMPLE = {"lsoa_code": "E01000001", "msoa_code": "E02000001", "lad_code": "E06000032"}


def check_one_parent(df: pd.DataFrame, child: str, parent: str, source: Path | str) -> None:
    """Raise :class:`LookupError_` if any ``child`` code has more than one ``parent`` code."""
    if child not in df or parent not in df:
        return
    if _one_parent_each(df[child], df[parent]):
        return
    sub = df[[child, parent]].dropna().drop_duplicates()
    counts = sub.groupby(child)[parent].nunique()
    bad = counts[counts > 1]
    if len(bad):
        parents = (
            sub[sub[child].isin(bad.index)]
            .groupby(child)[parent]
            .agg(lambda s: ", ".join(sorted(s)))
        )
        examples = "; ".join(f"{c} in {parents[c]}" for c in sorted(bad.index)[:5])
        what_child = _LABEL.get(child, child)
        what_parent = _LABEL.get(parent, parent)
        raise LookupError_(
            f"{source}: {len(bad)} {what_child} code(s) fall in more than one {what_parent} "
            f"({examples}); a lookup must give each {what_child} exactly one {what_parent}. "
            f"Offending codes: {code_list(bad.index)}."
        )


def _one_parent_each(child: pd.Series, parent: pd.Series) -> bool:
    """Whether no ``child`` code has two ``parent`` codes (rows missing either ignored), by
    integer codes: the quick answer for the usual case, before any message is made."""
    known = (child.notna() & parent.notna()).to_numpy()
    children = pd.factorize(child.to_numpy()[known])[0].astype(np.int64)
    parents = pd.factorize(parent.to_numpy()[known])[0].astype(np.int64)
    parent_of = np.empty(int(children.max(initial=-1)) + 1, dtype=np.int64)
    parent_of[children] = parents  # one of each child's parents: then all must be that one
    return bool((parent_of[children] == parents).all())


_LABEL = {
    "lsoa_code": "LSOA",
    "msoa_code": "MSOA",
    "lad_code": "LAD",
    "lsoa21cd": "LSOA",
    "msoa21cd": "MSOA",
}


def _header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
            return [h.strip().lower() for h in next(csv.reader(handle))]
    except (StopIteration, csv.Error, OSError, UnicodeError):
        return []


def _col(header: list[str], *candidates: str) -> str | None:
    for c in candidates:
        if c.lower() in header:
            return c.lower()
    return None


def _lad_col(header: list[str]) -> str | None:
    """The newest ``LADyyCD`` / ``LTLAyyCD`` column (ONS vintages), if any."""
    found = [(int(m.group(1)), h) for h in header if (m := _LAD_COLUMN.match(h))]
    return max(found)[1] if found else None


def _read(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=object, encoding="utf-8-sig", keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise LookupError_(f"{path}: could not be read as a CSV lookup ({exc}).") from None
    # Every cell (a str: none is missing) stripped, an empty one None; faster than ``.str``.
    columns = {}
    for c in df.columns:
        values = np.array(list(map(str.strip, df[c].to_numpy())), dtype=object)
        values[values == ""] = None
        columns[c.strip().lower()] = values
    return pd.DataFrame(columns, dtype=object)


def _take(df: pd.DataFrame, column: str | None) -> pd.Series | None:
    return df[column] if column else None


def read_lookup_file(path: Path, lookups: Lookups) -> bool:
    """Add what ``path`` holds to ``lookups``; return False if it is not a lookup this knows.

    Raises :class:`LookupError_` if the file is a lookup but inconsistent.
    """
    path = Path(path)
    header = _header(path)
    if not header:
        return False
    if header[: len(LSOA21_COLUMNS)] == LSOA21_COLUMNS:
        lookups.add_lsoa21(_read(path), path)
    elif header[: len(LSOA11_COLUMNS)] == LSOA11_COLUMNS:
        _add_lsoa11(lookups, _read(path).reindex(columns=LSOA11_COLUMNS))
    elif header[: len(LAD_COLUMNS)] == LAD_COLUMNS:
        lookups.add_lads(_read(path))
    elif header[: len(SUBICB_COLUMNS)] == SUBICB_COLUMNS:
        df = _read(path).reindex(columns=SUBICB_COLUMNS)
        lookups.subicb = (
            pd.concat([d for d in (lookups.subicb, df) if not d.empty] or [df])
            .drop_duplicates(["subicb_code", "lad_code"])
            .reset_index(drop=True)
        )
    elif not _read_ons(path, header, lambda: _read(path), lookups):
        return False
    lookups.files.append(path)
    return True


def read_lookup_frame(df: pd.DataFrame, source: str, lookups: Lookups) -> bool:
    """Like :func:`read_lookup_file`, for rows already in memory (e.g. fetched from ArcGIS).

    ``df`` keeps the publisher's column names (``LSOA21CD``, ``LAD24CD``…).
    """
    clean = df.copy()
    clean.columns = [str(c).strip().lower() for c in clean.columns]
    clean = clean.astype(object).where(clean.notna(), None)
    clean = clean.map(lambda v: (str(v).strip() or None) if v is not None else None)
    return _read_ons(source, list(clean.columns), lambda: clean, lookups)


def _add_lsoa11(lookups: Lookups, rows: pd.DataFrame) -> None:
    frames = [d for d in (lookups.lsoa11, rows) if not d.empty] or [rows]
    lookups.lsoa11 = (
        pd.concat(frames).drop_duplicates(["lsoa11_code", "lsoa21_code"]).reset_index(drop=True)
    )


def _read_ons(
    path: Path | str, header: list[str], load: Callable[[], pd.DataFrame], lookups: Lookups
) -> bool:
    """ONS (and ONS-derived) lookup layouts, recognised by their column names."""
    lsoa21 = _col(header, "lsoa21cd")
    lsoa11 = _col(header, "lsoa11cd", "f_lsoa11cd")
    msoa21 = _col(header, "msoa21cd")
    lad = _lad_col(header)
    hcl = _col(header, "msoa21hclnm", "msoahclnm")
    if lsoa11 and lsoa21:
        df = load()
        change = _col(header, "chgind")
        _add_lsoa11(
            lookups,
            pd.DataFrame(
                {
                    "lsoa11_code": df[lsoa11],
                    "lsoa21_code": df[lsoa21],
                    "change": _take(df, change),
                    "lad_code": _take(df, lad),
                }
            ),
        )
        return True
    if lsoa21 and lad:
        df = load()
        rows = pd.DataFrame(
            {
                "lsoa_code": df[lsoa21],
                "lsoa_name": _take(df, _col(header, "lsoa21nm")),
                "msoa_code": _take(df, msoa21),
                "msoa_name": _take(df, _col(header, "msoa21nm")),
                "msoa_hcl_name": _take(df, hcl),
                "lad_code": df[lad],
            }
        )
        lookups.add_lsoa21(rows, path)
        names = df.get(lad.replace("cd", "nm"))
        if names is not None:
            lads = pd.DataFrame({"lad_code": df[lad], "lad_name": names}).drop_duplicates()
            lookups.add_lads(lads)
        return True
    if hcl and msoa21:
        df = load()
        df = df[df[msoa21].notna() & df[hcl].notna()]
        for code, name in zip(df[msoa21], df[hcl], strict=True):
            lookups.msoa_names.setdefault(code, name)
        return True
    ladcd = _col(header, "ladcd")
    active = _col(header, "ladcd_active")
    if ladcd and active:
        df = load()
        lookups.add_lads(
            pd.DataFrame(
                {
                    "lad_code": df[ladcd],
                    "lad_name": _take(df, _col(header, "ladnm")),
                    "active_code": df[active],
                    "region_code": _take(df, _col(header, "rgncd")),
                    "region_name": _take(df, _col(header, "rgnnm")),
                }
            )
        )
        return True
    return False


def _csv_files(root: Path) -> list[Path]:
    return walk(root, lambda path: path.suffix.lower() == ".csv")[0]


def find_lookups(*roots: Path | None) -> Lookups:
    """Read every lookup CSV under the given folders (or files); missing ones are ignored.

    Raises :class:`LookupError_` naming the file if a lookup is inconsistent.
    """
    lookups = Lookups()
    for root in roots:
        if root is None or not Path(root).exists():
            continue
        root = Path(root)
        paths = [root] if root.is_file() else _csv_files(root)
        for path in paths:
            read_lookup_file(path, lookups)
    lookups.apply_msoa_names()
    return lookups


def write_lookups(lookups: Lookups, folder: Path) -> list[Path]:
    """Write the normalised lookup CSVs (:data:`LOOKUP_FILES`) that :func:`find_lookups` reads.

    Frames that are empty are not written. Returns the files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    frames = {
        "lsoa21": lookups.lsoa21.reindex(columns=LSOA21_COLUMNS).sort_values("lsoa_code"),
        "lsoa11": lookups.lsoa11.reindex(columns=LSOA11_COLUMNS).sort_values(
            ["lsoa11_code", "lsoa21_code"]
        ),
        "lads": lookups.lads.reindex(columns=LAD_COLUMNS).sort_values("lad_code"),
        "subicb": lookups.subicb.reindex(columns=SUBICB_COLUMNS).sort_values(
            ["subicb_code", "lad_code"]
        ),
    }
    written = []
    for key, frame in frames.items():
        if frame.empty:
            continue
        path = folder / LOOKUP_FILES[key]
        frame.to_csv(path, index=False, encoding="utf-8")
        written.append(path)
    return written
