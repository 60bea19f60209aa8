"""The error types every layer raises. Each names the file, URL, line or codes at fault.

Every one is a :class:`ProjectError`, whose message is meant for the person running the
command or reading the page: the command-line tools print it without a traceback.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path


def printable(text: object) -> str:
    """``text`` with control and direction-changing characters escaped, for one line of output
    (a file name may hold a newline or a right-to-left mark)."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def code_list(codes: Iterable[str], limit: int = 8) -> str:
    """``E01000001, E01000002 … and 12 more``: enough codes to find the problem, not a wall."""
    codes = sorted(set(codes))
    shown = ", ".join(codes[:limit])
    if len(codes) > limit:
        shown += f" … and {len(codes) - limit} more"
    return shown


class ProjectError(Exception):
    """Base class: a step failed with a message meant for the person running it."""


class AreaConfigError(ProjectError, ValueError):
    """The area configuration file is missing, unreadable or inconsistent."""


class LiveUnavailable(ProjectError):
    """No live source could be reached and nothing was cached (a build may use its sample)."""


# -- building the warehouse ---------------------------------------------------------------------


class EtlError(ProjectError):
    """A build step failed with a message meant for the person running it."""


class ExtractError(EtlError):
    """An input file or response is broken: empty, binary, HTML, cut off, or missing columns."""

    def __init__(
        self,
        source: str | Path,
        problem: str,
        *,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.source = str(source)
        self.problem = problem
        self.line = line
        self.column = column
        where = printable(self.source)
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {problem}")


class FetchError(EtlError):
    """A live source could not be fetched, or answered with something that is not data."""

    def __init__(self, url: str, problem: str) -> None:
        self.url = url
        self.problem = problem
        super().__init__(f"{printable(url)}: {problem}")


class ValidationError(EtlError):
    """The assembled warehouse failed a check, so it was not swapped in."""


class BuildLockedError(EtlError):
    """Another build holds the warehouse lock."""


# -- geography ----------------------------------------------------------------------------------


class GeoError(ProjectError):
    """A geography step failed with a message meant for the person running it."""


class BoundaryError(GeoError, ValueError):
    """A boundary source is unusable: no code field, no CRS, broken geometry, wrong codes."""

    def __init__(self, source: str | Path, problem: str, codes: Iterable[str] = ()) -> None:
        self.source = str(source)
        self.problem = problem
        self.codes = sorted(set(codes))
        message = f"{printable(self.source)}: {problem}"
        if self.codes:
            message += f" Codes: {code_list(self.codes)}."
        super().__init__(message)


class GeometryNotBuilt(GeoError, FileNotFoundError):
    """A map level was asked for that has not been built (or this build does not provide)."""


class LookupError_(GeoError, ValueError):
    """A geography lookup file is inconsistent (a code with two parents, a malformed code)."""
