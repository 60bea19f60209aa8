"""NHS England "Fit Notes Issued by GP Practices, England" CSVs, published by sub-ICB location.

Columns are found by their header text, and anything unexpected fails with the columns found and
the ones wanted. Understood (case and punctuation ignored):

=================  ==========================================================================
role               headers recognised
=================  ==========================================================================
month              ``Date``, ``Month``, ``Month of issue``, ``Date of issue``, ``Period``
ODS code           ``Sub ICB Location code``, ``SICBL code``, ``CCG code``, ``SICBL23CDH``
GSS code           ``Sub ICB Location ONS code``, ``... GSS code``, ``SICBL23CD``
name               ``Sub ICB Location name``, ``CCG name``, ``SICBL23NM``
fitness            ``Fit note status``/``type``/``Fitness to work`` with values containing
                   "not fit" (or "unfit"), "may be fit" (or "maybe"), or "all"/"total"
diagnosis          ``Diagnosis (ICD10 chapter)``, ``Diagnosis``
duration           ``Duration`` (bands such as ``< 21 Days``, ``>= 21 Days``, ``Indefinite``)
gender             ``Gender``, ``Sex``
count              ``Count of fit notes``, ``Number of fit notes``, ``Count of episodes``...;
                   or one count column per status (``Not fit for work``, ``May be fit``...)
=================  ==========================================================================

Month and a code column and a count column are required. ``*`` and blank counts are suppressed
(small numbers), never 0. A figure this parser adds up from several rows (when the file has no
total row) leaves suppressed cells out and is flagged ``estimated``; if every part is suppressed
the figure is suppressed.

Codes: records use the GSS code of the configured health area (``area.toml``); the ODS code is
matched when the file has only that. Sub-ICB locations that are not configured are left out and
named in a build note, as is a configured one missing from the file.

Each edition revises all history, so only the newest edition in a folder is used
(``REPLACES_HISTORY``; the edition is the last month the file covers).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from core.area import Area
from core.errors import ExtractError
from etl import records
from etl.areas import AreaFilter
from etl.extract import Probe, Recognised, decode_text

NAME = "fitnotes"
NARROWS = False
DATASET = "nhs_fit_notes"
REPLACES_HISTORY = True
LONG_DAYS = 21  # "long duration" = 21 days or more (the bands NHS England's fit-note data use)

TOTAL_WORDS = {
    "all",
    "total",
    "all fit notes",
    "all diagnoses",
    "all durations",
    "persons",
    "all persons",
}
_FITNESS_HEADER = ("status", "type", "fitness", "decision", "outcome")
_COUNT_HEADER = ("count", "number", "episodes", "fit notes", "not fit", "may be fit", "value")
NOT_FIT = "Not fit for work"
MAY_BE_FIT = "May be fit for work"
EXPECTED = (
    "a month column (e.g. 'Date'), a sub-ICB code column (e.g. 'Sub ICB Location code' or "
    "'Sub ICB Location ONS code'), and a count column (e.g. 'Count of fit notes', or one per "
    "status such as 'Not fit for work' / 'May be fit for work'); optional 'Fit note status', "
    "'Diagnosis (ICD10 chapter)', 'Duration', 'Gender', 'Sub ICB Location name'"
)


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9<>=+]+", " ", str(header).lower()).strip()


_GSS_WORD = re.compile(r"\b(ons|gss)\b")


def _geo(h: str) -> bool:
    return any(w in h for w in ("sub icb", "subicb", "sicbl", "ccg", "location", "org"))


def _fitness_of(text: str) -> str | None:
    t = _key(text)
    if "not fit" in t or "unfit" in t:
        return "not_fit"
    if "may be fit" in t or "maybe fit" in t or t.startswith("may"):
        return "may_be_fit"
    if t in TOTAL_WORDS or t.startswith(("all ", "total")):
        return "total"
    return None


def map_columns(columns: list[str]) -> dict:
    """Each role's column (see the module docstring); raises ValueError listing what is missing."""
    roles: dict = {"counts": []}
    for col in columns:
        h = _key(col)
        if not h:
            continue
        if h in {
            "date",
            "month",
            "period",
            "month of issue",
            "date of issue",
            "issue month",
            "reporting period",
            "year month",
            "month year",
        }:
            roles.setdefault("month", col)
        elif h.endswith("cdh") or (_geo(h) and "code" in h and not _GSS_WORD.search(h)):
            roles.setdefault("ods", col)
        elif re.fullmatch(r"sicbl\d*cd|ccg\d*cd", h) or (_geo(h) and _GSS_WORD.search(h)):
            roles.setdefault("gss", col)
        elif re.fullmatch(r"(sicbl|ccg)\d*nm", h) or (_geo(h) and "name" in h):
            roles.setdefault("name", col)
        elif "diagnosis" in h or "icd" in h:
            roles.setdefault("diagnosis", col)
        elif "duration" in h:
            roles.setdefault("duration", col)
        elif h in {"gender", "sex"}:
            roles.setdefault("gender", col)
        elif "fit" in h and any(w in h for w in _FITNESS_HEADER):
            roles.setdefault("fitness", col)
        elif any(w in h for w in _COUNT_HEADER):
            kind = "Episodes" if "episode" in h else "Fit notes"
            fitness = _fitness_of(h.replace("fit notes", " ").replace("episodes", " "))
            roles["counts"].append((col, fitness, kind))
    missing = [r for r in ("month",) if r not in roles]
    if "ods" not in roles and "gss" not in roles:
        missing.append("sub-ICB code")
    if not roles["counts"]:
        missing.append("count")
    if missing:
        raise ValueError(", ".join(missing))
    if len(roles["counts"]) > 1 and any(f is None for _, f, _ in roles["counts"]):
        unclear = [c for c, f, _ in roles["counts"] if f is None]
        if "fitness" in roles or len(unclear) > 1:
            raise ValueError(f"count (several count columns, unclear which is which: {unclear})")
    return roles


def _header(text: str) -> list[str]:
    import csv

    first = text.lstrip().split("\n", 1)[0].rstrip("\r")
    try:
        return [h.strip() for h in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return []


def sniff(probe: Probe) -> Recognised | None:
    """A CSV that talks about fit notes and has month, sub-ICB and count columns."""
    if probe.text is None:
        return None
    header = _header(probe.text)
    joined = " ".join(_key(h) for h in header)
    if not ("fit" in joined or "episode" in joined) or not any(
        w in joined for w in ("sub icb", "sicbl", "ccg")
    ):
        return None
    # A file that is plainly meant to be fit notes is claimed even if its columns are off, so
    # that parse can list what differs instead of the file being skipped as unknown.
    return Recognised(NAME, DATASET, "NHS England fit notes issued by GP practices (CSV)")


# ------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------


def month_of(raw: object) -> tuple[date, date, str] | None:
    """A month in any of the forms NHS files use: ``Apr-18``, ``April 2018``, ``2018-04``,
    ``201804``, ``01/04/2018``, ``2018-04-01``."""
    text = f"{raw:%Y-%m}" if isinstance(raw, datetime | date) else str(raw).strip()
    m = re.fullmatch(r"(\d{4})(\d{2})", text)
    if m and 1 <= int(m.group(2)) <= 12:
        text = f"{m.group(1)}-{m.group(2)}"
    m = re.fullmatch(r"\d{1,2}/(\d{1,2})/(\d{4})", text)
    if m:
        text = f"{m.group(2)}-{int(m.group(1)):02d}"
    m = re.fullmatch(r"(\d{4})-(\d{2})-\d{2}(T.*| .*)?", text)
    if m:
        text = f"{m.group(1)}-{m.group(2)}"
    m = re.fullmatch(r"([A-Za-z]{3,9})[- ]?(\d{4})", text)
    if m:
        text = f"{m.group(1)} {m.group(2)}"
    try:
        start, end, label = records.parse_period(text)
    except (ValueError, KeyError):
        return None
    return (start, end, label) if (end - start).days <= 31 else None


_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30}


def duration_class(label: str) -> str:
    """``long`` (21 days or more, or indefinite), ``short``, ``unknown`` or ``ambiguous``."""
    t = _key(label)
    if t in TOTAL_WORDS:
        return "total"
    if "indefinite" in t:
        return "long"
    if any(w in t for w in ("unknown", "not known", "not recorded", "missing", "invalid")):
        return "unknown"
    unit = next((d for u, d in _UNIT_DAYS.items() if re.search(rf"\b{u}\b", t)), None)
    nums = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", t)]
    if unit is None or not nums:
        return "ambiguous"
    if re.search(r"(<=|<|less than|under|up to|fewer than)", t):
        return "short" if nums[0] * unit <= LONG_DAYS else "ambiguous"
    if re.search(r"(>=|>|more than|over|at least|\+|and over|or more)", t):
        return "long" if nums[0] * unit >= LONG_DAYS else "ambiguous"
    if len(nums) >= 2:
        lo, hi = nums[0] * unit, nums[1] * unit
        if lo >= LONG_DAYS:
            return "long"
        if hi <= LONG_DAYS:
            return "short"
    return "ambiguous"


def _counts(values: Iterable[object], path: str, lines: Iterable[int], column: str) -> tuple:
    out_v, out_s = [], []
    for raw, line in zip(values, lines, strict=True):
        text = "" if raw is None else str(raw).strip()
        if text == "" or text == "*":
            out_v.append(float("nan"))
            out_s.append("suppressed")
            continue
        parsed = records.parse_cell(text)
        if parsed is None:
            raise ExtractError(
                path, f"count {raw!r} is neither a number nor '*'", line=line, column=column
            )
        out_v.append(parsed[0])
        out_s.append("suppressed" if parsed[1] else None)
    return out_v, out_s


# ------------------------------------------------------------------------------------------
# Parsing
# ------------------------------------------------------------------------------------------


def _read(path: str, data: bytes | None) -> tuple[pd.DataFrame, dict]:
    raw = data if data is not None else Path(path).read_bytes()
    text = decode_text(Path(str(path)), raw)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise ExtractError(path, f"not a well-formed CSV ({exc})") from None
    df.columns = [str(c).strip() for c in df.columns]
    try:
        roles = map_columns(list(df.columns))
    except ValueError as exc:
        raise ExtractError(
            path,
            f"not a fit-note layout this loader knows: no {exc} column. Columns found: "
            f"{list(df.columns)}. Expected {EXPECTED}.",
        ) from None
    return df, roles


def _long(df: pd.DataFrame, roles: dict, path: str) -> pd.DataFrame:
    """One row per published count, with each dimension classified."""
    lines = list(range(2, len(df) + 2))
    parts = []
    for col, fitness, kind in roles["counts"]:
        values, statuses = _counts(df[col], path, lines, col)
        part = pd.DataFrame({"value": values, "status": statuses, "kind": kind, "line": lines})
        if "fitness" in roles:
            labels = df[roles["fitness"]].astype(str)
            classes = labels.map(_fitness_of)
            bad = sorted(set(labels[classes.isna()]))
            if bad:
                raise ExtractError(
                    path,
                    f"fit-note status value(s) {bad} are neither 'not fit', 'may be fit' nor a "
                    "total",
                    column=roles["fitness"],
                )
            part["fitness"] = classes.to_numpy()
        else:
            part["fitness"] = fitness or "total"
        for dim in ("diagnosis", "gender"):
            if dim in roles:
                vals = df[roles[dim]].astype(str).str.strip()
                part[dim] = vals.where(~vals.str.lower().isin(TOTAL_WORDS), "total").to_numpy()
        if "duration" in roles:
            labels = df[roles["duration"]].astype(str).str.strip()
            part["duration"] = labels.map(duration_class).to_numpy()
            part["duration_label"] = labels.to_numpy()
        part["month"] = df[roles["month"]].to_numpy()
        for r in ("ods", "gss", "name"):
            part[r] = df[roles[r]].astype(str).str.strip().to_numpy() if r in roles else ""
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _select(long: pd.DataFrame, dims: list[str], want: dict) -> pd.DataFrame:
    """Rows that make up one figure: the wanted values, and for other dimensions their published
    total where the file has one, else every non-total row (to be summed)."""
    mask = pd.Series(True, index=long.index)
    for dim in dims:
        col = long[dim]
        if dim in want:
            mask &= col.isin(want[dim])
        elif (col == "total").any():
            mask &= col == "total"
        else:
            mask &= col != "total"
    return long[mask]


def _sum(rows: pd.DataFrame) -> pd.DataFrame:
    """Per area and month: the sum, suppressed if every part is, estimated if some part is."""
    g = rows.groupby(["area_code", "month_start"], sort=True)
    out = g.agg(
        value=("value", lambda v: float(v.sum()) if v.notna().any() else float("nan")),
        parts=("value", "size"),
        hidden=("value", lambda v: int(v.isna().sum())),
        line=("line", "min"),
        month_end=("month_end", "first"),
        label=("label", "first"),
        area_name=("area_name", "first"),
    ).reset_index()
    out["status"] = None
    out.loc[(out["hidden"] > 0) & (out["parts"] > 1), "status"] = "estimated"
    out.loc[out["hidden"] == out["parts"], "status"] = "suppressed"
    out.loc[out["status"] == "suppressed", "value"] = float("nan")
    return out


def _place(long: pd.DataFrame, area: Area, path: str) -> tuple[pd.DataFrame, list[str]]:
    """Give every row the configured GSS code; report codes that are not configured."""
    by_ods = {h.code.upper(): h for h in area.health_areas}
    by_gss = {h.gss.upper(): h for h in area.health_areas if h.gss}
    notes: list[str] = []
    codes, names = [], []
    unknown: dict[str, str] = {}
    mismatched = set()
    for ods, gss, name in zip(long["ods"], long["gss"], long["name"], strict=True):
        h = by_ods.get(ods.upper()) or by_gss.get(gss.upper())
        if h is None:
            unknown.setdefault(ods or gss, name)
            codes.append(None)
            names.append(None)
            continue
        if (gss and h.gss and gss.upper() != h.gss.upper()) or (
            ods and ods.upper() != h.code.upper()
        ):
            mismatched.add((h.code, h.gss, ods, gss))
        codes.append(h.gss or h.code)
        names.append(name or h.name)
    long = long.assign(area_code=codes, area_name=names)
    if unknown:
        shown = ", ".join(f"{c} ({n})" if n else c for c, n in list(unknown.items())[:8])
        notes.append(
            f"fit notes: {len(unknown)} sub-ICB location code(s) are not configured health "
            f"areas (area.toml [[health_area]]) and were left out: {shown}"
            + (" ..." if len(unknown) > 8 else "")
        )
    for ods, gss, f_ods, f_gss in sorted(mismatched):
        notes.append(
            f"fit notes: the file pairs {f_ods or '?'} with {f_gss or '?'}, but area.toml pairs "
            f"{ods} with {gss}; the area.toml code was used. Check the configuration."
        )
    found = set(long["area_code"].dropna())
    for h in area.health_areas:
        if (h.gss or h.code) not in found:
            notes.append(
                f"fit notes: configured health area {h.short_name} ({h.code}, {h.gss}) has no "
                "rows in this file; check its code against the release"
            )
    return long[long["area_code"].notna()].copy(), notes


def parse(
    path: Path,
    recognised: Recognised,
    *,
    area: Area,
    data: bytes | None = None,
    narrow: AreaFilter | None = None,
) -> pd.DataFrame:
    """Monthly fit-note counts per configured sub-ICB: all, not fit, may be fit, by duration and
    diagnosis where the file has them."""
    origin = str(path)
    df, roles = _read(origin, data)
    long = _long(df, roles, origin)
    months = [month_of(m) for m in long["month"]]
    bad = [raw for raw, m in zip(long["month"], months, strict=True) if m is None]
    if bad:
        line = int(long.loc[[m is None for m in months], "line"].iloc[0])
        raise ExtractError(
            origin, f"month {bad[0]!r} is not a month", line=line, column=roles["month"]
        )
    long["month_start"] = [m[0] for m in months]
    long["month_end"] = [m[1] for m in months]
    long["label"] = [m[2] for m in months]
    long, notes = _place(long, area, origin)

    dims = [d for d in ("fitness", "diagnosis", "duration", "gender") if d in long]
    targets: list[tuple[str, str, dict]] = [
        ("All", "total", {}),
        (NOT_FIT, "total", {"fitness": ["not_fit"]}),
        (MAY_BE_FIT, "total", {"fitness": ["may_be_fit"]}),
    ]
    if "duration" in long:
        odd = sorted(set(long.loc[long["duration"] == "ambiguous", "duration_label"]))
        if odd:
            notes.append(
                f"fit notes: duration band(s) {odd} cannot be placed either side of {LONG_DAYS} "
                "days, so no long-duration share was made from this file"
            )
        else:
            targets += [
                ("Duration known", "total", {"duration": ["long", "short"]}),
                (f"Duration {LONG_DAYS} days or more", "total", {"duration": ["long"]}),
            ]
    if "diagnosis" in long:
        for diag in sorted(set(long["diagnosis"]) - {"total"}):
            for label, _, want in targets[:3]:
                targets.append((label, f"diagnosis:{diag}", {**want, "diagnosis": [diag]}))
    out = []
    for kind in sorted(set(long["kind"])):
        sub = long[long["kind"] == kind]
        for label, breakdown, want in targets:
            if "fitness" in want and not sub["fitness"].isin(want["fitness"]).any():
                continue
            rows = _select(sub, dims, want)
            if rows.empty:
                continue
            summed = _sum(rows)
            summed["category"] = f"{kind} | {label}"
            summed["breakdown"] = breakdown
            out.append(summed)
    if not out:
        raise ExtractError(origin, "no fit-note counts for any configured sub-ICB location")
    res = pd.concat(out, ignore_index=True)
    frame = pd.DataFrame(
        {
            "dataset": recognised.dataset,
            "area_code": res["area_code"],
            "area_name": res["area_name"],
            "geo_vintage": None,
            "period_start": res["month_start"],
            "period_end": res["month_end"],
            "period_label": res["label"],
            "category": res["category"],
            "breakdown": res["breakdown"],
            "measure": "count",
            "value": res["value"].astype("float64"),
            "status": res["status"],
            "origin": origin,
            "line": res["line"],
        }
    )[records.COLUMNS]
    frame.attrs["notes"] = notes
    return frame


def metadata(path: Path) -> dict:
    """The edition of a file: the last month it covers."""
    df, roles = _read(str(path), None)
    months = [m for m in (month_of(v) for v in df[roles["month"]]) if m]
    return {"edition": max(m[1] for m in months)} if months else {}
