"""The display model: a query result as the figure table a page shows, and the words around it.

:func:`figure_table` is where a figure becomes a table cell: rounded to its indicator's decimals
with its unit (``72.4%``), its 95% confidence interval (``70.1 to 74.5%``), its period, its status
in a word or two (``Summed``) and its verdict against a comparator (``Better``). Every figure
table goes through it; tables differ only in the columns they show, their headers, and which
columns they leave out when they would say nothing. Also here: the footnote, heading and source
line that go with a table, and the badges of figures published only for NHS sub-ICB areas.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from core.area import ENGLAND_CODE
from dashboard.aspiration import TARGET_RATE
from dashboard.compare import HIGHER, LOWER, SIMILAR, verdict
from dashboard.formatting import (
    date_text,
    format_ci,
    format_number,
    format_value,
    is_missing,
    join_names,
    md,
    short_health_name,
    status_notes,
    status_short,
)

JUDGED = (HIGHER, LOWER, SIMILAR)

# The columns a figure table can show (keys for ``columns``) and their headers. ``against`` and
# ``values`` give one column per comparator; ``{name}`` in their header is the comparator's name.
HEADERS: dict[str, str] = {
    "place": "Place",
    "figure": "Figure",
    "gap": "Gap to 80%",
    "ci": "95% CI",
    "change": "Change on a year earlier",
    "period": "Period",
    "needed": "People needed in work",
    "against": "Against {name}",
    "covers": "Covers",
    "values": "{name}",
    "versus": "vs {name}",
    "status": "Status",
}
TABLE_COLUMNS = ("place", "figure", "ci", "period", "against", "covers", "status")


@dataclass(frozen=True)
class Comparator:
    """An area each row's figure is judged against.

    ``figure`` is its figure for every row, or one per row (for the row's own period); ``code``
    is its area code, so that its own row, when the table lists it, carries no verdict."""

    name: str
    figure: float | Sequence[float | None] | None
    code: str | None = None

    def figures(self, n_rows: int) -> list[float | None]:
        """Its figure for each of ``n_rows`` rows."""
        if isinstance(self.figure, Sequence | pd.Series):
            return list(self.figure)
        return [self.figure] * n_rows


def england(rows: pd.DataFrame) -> Comparator:
    """England, with its figure among ``rows`` (the comparator rows of a query), if any."""
    return Comparator("England", england_value(rows), ENGLAND_CODE)


def figure_table(
    rows: pd.DataFrame,
    *,
    columns: Sequence[str] = TABLE_COLUMNS,
    against: Sequence[Comparator] = (),
    badges: Mapping[str, str] | None = None,
    label: str = "area_name",
    headers: Mapping[str, str] | None = None,
    numbers: bool = False,
    keep: Collection[str] = (),
    once: Collection[str] = ("period",),
    blank_verdicts: bool = False,
) -> pd.DataFrame:
    """The table a page shows for query rows, one row each, in the order given.

    ``rows`` are query results (:data:`dashboard.queries.OBS_COLUMNS`, or a place profile): each
    row's figure is written with its own ``unit``, ``decimals`` and ``polarity``. ``columns``
    picks and orders the columns (keys of :data:`HEADERS`); ``headers`` renames them. ``label``
    is the rows' column shown first. ``against`` are the comparators for the verdict
    (``against``) and comparator-figure (``values``) columns. ``covers`` shows ``badges`` by area
    code (``BLMK-wide``), else the rows' own ``covers`` column: a row with one there stands in for
    a wider area and carries no verdict or change. ``numbers`` keeps the figure and the gap to 80%
    as numbers, for a table a reader sorts (its column settings format them).

    Columns that would say nothing are left out, except those in ``keep``: an empty column; a
    column in ``once`` whose rows all hold the same value (said once, above or below the table);
    a verdict column where no figure could be judged or, with ``blank_verdicts``, where no figure
    has an interval (a blank then says the comparator has no figure).

    ``attrs``: ``period`` (the one period every row shares, else empty), ``verdicts`` (whether
    any figure could be judged), ``blank_verdicts`` (and some could not), ``statuses`` (those
    present), for :func:`notes`.
    """
    names = {**HEADERS, **(headers or {})}
    n = len(rows)
    unit, decimals = list(rows["unit"]), [int(d) for d in rows["decimals"]]
    value, lower, upper = list(rows["value"]), list(rows["ci_lower"]), list(rows["ci_upper"])
    codes = list(rows["area_code"]) if "area_code" in rows else [None] * n
    wider = [str(c) if not is_missing(c) else "" for c in rows["covers"]] if "covers" in rows \
        else [""] * n
    covers = [badges.get(c, "") for c in codes] if badges is not None else wider
    ci = [format_ci(lo, hi, u, d) for lo, hi, u, d in zip(lower, upper, unit, decimals,
                                                         strict=True)]
    cells: dict[str, list] = {
        "place": list(rows[label]),
        "figure": list(rows["value"].astype("float64")) if numbers
        else [format_value(v, u, d) for v, u, d in zip(value, unit, decimals, strict=True)],
        "gap": _gaps(rows["value"], numbers),
        "ci": ci,
        "change": [c.short if not w else "" for c, w in zip(rows["change"], wider, strict=True)]
        if "change" in rows else [""] * n,
        "period": list(rows["period"]),
        "needed": [_needed(x) for x in rows["people_needed_rounded"]]
        if "people_needed_rounded" in rows else [""] * n,
        "covers": covers,
        "status": [status_short(s) for s in rows["status"]],
    }
    judged_any = blank_any = False
    built: dict[str, list] = {}
    dropped: set[str] = set()
    for key in columns:
        if key not in ("against", "values", "versus"):
            built[names[key]] = cells[key]
            if _says_nothing(key, cells[key], keep, once):
                dropped.add(names[key])
            continue
        for comp in against:
            header = names[key].format(name=comp.name)
            refs = comp.figures(n)
            if key == "values":
                built[header] = ["" if is_missing(r) else format_value(r, u, d)
                                 for r, u, d in zip(refs, unit, decimals, strict=True)]
                if _says_nothing(key, built[header], keep, once):
                    dropped.add(header)
                continue
            shown, judged, blank = _verdicts(rows, refs, comp, codes, wider)
            judged_any |= judged
            blank_any |= judged and blank
            if key == "versus":
                # One cell: the verdict and the comparator's figure ("Worse than 77.5%"), or
                # the figure alone where there is no verdict.
                built[header] = [versus_text(v, r, u, d) for v, r, u, d in
                                 zip(shown, refs, unit, decimals, strict=True)]
                if _says_nothing(key, built[header], keep, once):
                    dropped.add(header)
                continue
            built[header] = shown
            if "against" not in keep and (not any(ci) if blank_verdicts else not judged):
                dropped.add(header)
    df = pd.DataFrame(built, columns=list(built)).drop(columns=sorted(dropped))
    periods = list(dict.fromkeys(rows["period"].dropna()))
    df.attrs["verdicts"] = judged_any
    df.attrs["blank_verdicts"] = blank_any
    df.attrs["period"] = periods[0] if len(periods) == 1 else ""
    df.attrs["statuses"] = [s for s in dict.fromkeys(rows["status"].dropna()) if s]
    return df


def judgements(rows: pd.DataFrame, comp: Comparator) -> list[str]:
    """Each row's judgement against ``comp`` (better, worse, similar, higher, lower or none), for
    the colours and shapes of a chart beside a figure table."""
    return [
        verdict(v, lo, hi, ref, pol, comp.name).judgement
        for v, lo, hi, ref, pol in zip(rows["value"], rows["ci_lower"], rows["ci_upper"],
                                       comp.figures(len(rows)), rows["polarity"], strict=True)
    ]


THAN = {"Similar": "Similar to"}


def versus_text(said: str, ref: object, unit: str, decimals: int) -> str:
    """A verdict with the comparator's figure, ``Worse than 77.5%`` (``Similar to 70.0%``), or
    the figure alone where there is no verdict; empty without a figure."""
    if is_missing(ref):
        return ""
    figure = format_value(ref, unit, decimals)
    return f"{THAN.get(said, said + ' than')} {figure}" if said else figure


def _says_nothing(key: str, cells: list, keep: Collection[str], once: Collection[str]) -> bool:
    if key in keep or key in ("place", "figure"):
        return False
    if key in once and pd.Series(cells).nunique() <= 1:
        return True
    return all(isinstance(c, str) and c == "" for c in cells)


def _verdicts(rows: pd.DataFrame, refs: list, comp: Comparator, codes: list, wider: list
              ) -> tuple[list[str], bool, bool]:
    """The verdict column against ``comp``, whether any figure could be judged (the comparator's
    own figure included) and whether any other figure could not."""
    shown, judged, blank = [], False, False
    for value, lo, hi, ref, pol, code, w in zip(rows["value"], rows["ci_lower"],
                                               rows["ci_upper"], refs, rows["polarity"], codes,
                                               wider, strict=True):
        said = verdict(value, lo, hi, ref, pol, comp.name)
        ok = w == "" and said.code in JUDGED
        itself = comp.code is not None and code == comp.code
        judged |= ok
        blank |= not itself and not ok
        shown.append(said.short if ok and not itself else "")
    return shown, judged, blank


def _gaps(values: pd.Series, numbers: bool) -> list:
    """Percentage points below the 80% aspiration: a number (negative above it, so a sorted
    column keeps its order; :func:`gap_text` writes it), or words."""
    gap = TARGET_RATE - values.astype("float64")
    if numbers:
        return list(gap)
    return [gap_text(g) for g in gap]


def gap_text(gap: float | None) -> str:
    """``12.5 pp`` below 80%, ``at 80%``, ``above 80%`` (never ``0.0 pp``); empty when missing."""
    if is_missing(gap):
        return ""
    if round(float(gap), 1) == 0:
        return "at 80%"
    return "above 80%" if gap < 0 else f"{float(gap):.1f} pp"


def _needed(n: object) -> str:
    return "" if n is None or pd.isna(n) else ("none" if n == 0 else format_number(n))


NO_VERDICT_NOTE = ("No confidence intervals are published for these figures, so there is no "
                   "verdict against England.")
BLANK_VERDICT_NOTE = ("A blank verdict: the figure has no confidence interval, or England has no "
                      "figure for the same period.")


def notes(df: pd.DataFrame) -> str:
    """The footnote a :func:`figure_table` needs: statuses, and what a blank verdict means."""
    parts = []
    if not df.attrs.get("verdicts", True):
        parts.append(NO_VERDICT_NOTE)
    elif "Against England" in df and df.attrs.get("blank_verdicts"):
        parts.append(BLANK_VERDICT_NOTE)
    if df.attrs.get("statuses") and "Status" in df:
        parts.append(status_notes(df.attrs["statuses"]))
    return " ".join(parts)


def source_line(rows: pd.DataFrame, build: Mapping | None = None) -> str:
    """``Source: Office for National Statistics, Annual Population Survey (released 16 Apr
    2024).`` for the rows shown (escaped for markdown). With ``build`` (``queries.info()``) each
    source says when it was released, or retrieved (:func:`source_date`)."""
    dated = build is not None and "release_date" in rows and "retrieved_at" in rows
    seen: dict[tuple[str, str], list[tuple[str, pd.Timestamp | None]]] = {}
    for i in range(len(rows)):
        p, t = rows["publisher"].iloc[i], rows["source_title"].iloc[i]
        if not (isinstance(p, str) and isinstance(t, str)):
            continue
        when = seen.setdefault((p, t), [])
        if dated:
            when.append(_dated(rows["release_date"].iloc[i], rows["retrieved_at"].iloc[i],
                               build))
    if not seen:
        return ""
    parts = []
    for (p, t), dates in seen.items():
        # Several files of one source: each release date (else retrieval date) they give.
        kind = next((k for k in ("released", "retrieved", NOT_DATED)
                     if any(d[0] == k for d in dates)), "")
        days = sorted({d[1] for d in dates if d[0] == kind and d[1] is not None})
        text = (f"{kind} {join_names(date_text(d, short=True) for d in days)}" if days
                else kind)
        parts.append(f"{md(p)}, {md(t)}" + (f" ({text})" if text else ""))
    return "Source: " + "; ".join(parts) + "."


NOT_DATED = "release date not recorded"


def source_date(release_date: object, retrieved_at: object, build: Mapping) -> str:
    """When a source's figures came out, in words: ``released 16 Apr 2024`` where the publisher
    gives a date; else ``retrieved 24 Apr 2023`` where the file or the live service records when
    it was fetched; never the day of the build presented as either (a file without a date of
    its own carries its modification time, usually the day it was copied in). Empty for the
    bundled sample."""
    return _when_text(*_dated(release_date, retrieved_at, build))


def _dated(release_date: object, retrieved_at: object, build: Mapping
           ) -> tuple[str, pd.Timestamp | None]:
    if not is_missing(release_date):
        return "released", pd.Timestamp(release_date)
    if build.get("is_sample"):
        return "", None
    if is_missing(retrieved_at):
        return NOT_DATED, None
    when, built = pd.Timestamp(retrieved_at), build.get("built_at")
    if build.get("mode") == "live" or is_missing(built) or (
            when.normalize() < pd.Timestamp(built).normalize()):
        return "retrieved", when
    return NOT_DATED, None


def _when_text(kind: str, when: pd.Timestamp | None) -> str:
    return f"{kind} {date_text(when, short=True)}" if when is not None else kind


def england_value(rows: pd.DataFrame) -> float | None:
    """England's figure among the comparator rows, if any."""
    eng = rows[rows["area_code"] == ENGLAND_CODE]["value"].dropna()
    return float(eng.iloc[0]) if len(eng) else None


def heading(title: str, unit_label: str, period: str) -> str:
    """``**Title**, 2023 · % of residents aged 16 to 64`` for above a table or chart (escaped)."""
    when = f", {md(period)}" if period else ""
    return f"**{md(title)}**{when} · {md(unit_label)}"


# ---------------------------------------------------------------------------------------------
# Figures published only for NHS sub-ICB areas
# ---------------------------------------------------------------------------------------------


def subicb_badges(members: pd.DataFrame) -> dict[str, str]:
    """Member place code -> ``<sub-ICB>-wide`` (and the sub-ICB code -> the same badge)."""
    badges = {}
    for row in members.itertuples(index=False):
        badge = f"{short_health_name(row.subicb_name)}-wide"
        badges[row.lad_code] = badge
        badges[row.subicb_code] = badge
    return badges


def subicb_note(members: pd.DataFrame, lad_names: dict[str, str]) -> str:
    """Which places each sub-ICB area covers, for a map's legend or above a table."""
    parts = []
    for _code, grp in members.groupby("subicb_code", sort=True):
        name = short_health_name(grp["subicb_name"].iloc[0])
        places = join_names(lad_names.get(c, c) for c in grp["lad_code"])
        parts.append(f"{name} covers {places}")
    return "Published for NHS sub-ICB areas only: " + "; ".join(parts) + "."
