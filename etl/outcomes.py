"""What became of each file a build found, and the rows it left out: one record per file.

Every file under a ``--from`` folder ends as exactly one outcome (``core.vocabulary``):

``loaded``       read; its figures are in the warehouse (counted per indicator)
``skipped``      not a format the build reads, or read but none of its figures is kept (why)
``duplicate``    the same bytes as a file already read: read once, both names listed
``quarantined``  a format the build reads, but broken: the file, where, and why
``failed``       (live builds) a source that could not be fetched

The build prints them as one table, and writes them to the warehouse's ``load_files`` table.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from core.errors import ExtractError, printable

LOAD_FILE_COLUMNS = [
    "load_id",
    "path",
    "outcome",
    "reason",
    "location",
    "dataset",
    "source_id",
    "figures",
    "figures_by_indicator",
    "rows_left_out",
]


@dataclass
class FileOutcome:
    """One file (or live request) and what became of it."""

    path: str  # as found below the folder given (or the URL)
    outcome: str
    reason: str = ""
    location: str | None = None  # line, sheet or cell of a quarantined file's problem
    dataset: str | None = None
    source_id: str | None = None
    description: str | None = None  # what the file was recognised as
    figures_by_indicator: dict[str, int] = field(default_factory=dict)
    rows_left_out: Counter = field(default_factory=Counter)
    origin: str = ""  # the path as given on the command line (or the URL)
    confirmed: int = 0  # figures agreeing with a preferred source's (kept under that source)
    error: Exception | None = field(default=None, repr=False, compare=False)  # what was raised

    @property
    def figures(self) -> int:
        return sum(self.figures_by_indicator.values())

    @classmethod
    def quarantine(cls, path: str, exc: Exception, dataset: str | None = None) -> FileOutcome:
        """A broken file: where and why, from the error that reading it raised."""
        if isinstance(exc, ExtractError):
            where = []
            if exc.line is not None:
                where.append(f"line {exc.line}")
            if exc.column is not None:
                where.append(f"column {exc.column!r}")
            return cls(
                path, "quarantined", exc.problem, ", ".join(where) or None, dataset, error=exc
            )
        kind = type(exc).__name__
        reason = f"could not be read ({kind}: {exc})"
        return cls(path, "quarantined", reason, None, dataset, error=exc)

    def line(self) -> str:
        """One line of the summary table."""
        name = printable(self.path)
        if self.outcome == "loaded":
            per = ", ".join(f"{k} {v:,}" for k, v in sorted(self.figures_by_indicator.items()))
            what = f"{self.figures:,} figures ({per})" if per else "0 figures of its own"
            if self.confirmed:
                what += f"; {self.confirmed:,} agree with a preferred source's figures"
        elif self.outcome == "duplicate":
            what = f"same bytes as {printable(self.reason)}: read once"
        else:
            what = printable(self.reason)
        if self.location:
            name = f"{name}, {printable(self.location)}"
        left = "; ".join(f"{n:,} {why}" for why, n in sorted(self.rows_left_out.items()) if n)
        return f"  {self.outcome:<11s} {name}: {what}" + (f" [left out: {left}]" if left else "")


def summary_table(outcomes: list[FileOutcome]) -> list[str]:
    """The closing table: a count per outcome, then one line per file."""
    if not outcomes:
        return []
    counts = Counter(o.outcome for o in outcomes)
    order = ("loaded", "skipped", "duplicate", "quarantined", "failed")
    head = ", ".join(f"{counts[k]} {k}" for k in order if counts[k])
    lines = [f"Files ({len(outcomes)}: {head}):"]
    for kind in order:
        lines += [o.line() for o in outcomes if o.outcome == kind]
    return lines


def load_files_frame(load_id: str, outcomes: list[FileOutcome]) -> pd.DataFrame:
    """The ``load_files`` rows of one build."""
    rows = [
        {
            "load_id": load_id,
            "path": o.path,
            "outcome": o.outcome,
            "reason": o.reason or None,
            "location": o.location,
            "dataset": o.dataset,
            "source_id": o.source_id,
            "figures": o.figures,
            "figures_by_indicator": json.dumps(o.figures_by_indicator, sort_keys=True),
            "rows_left_out": json.dumps(dict(o.rows_left_out), sort_keys=True),
        }
        for o in outcomes
    ]
    frame = pd.DataFrame(rows, columns=LOAD_FILE_COLUMNS)
    # Two names for one file can only come from a folder walked twice: keep one row per path.
    return frame.drop_duplicates(["load_id", "path"], keep="first")
