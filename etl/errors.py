"""Errors the ETL raises. Each names the file (or URL), and the line or column where it applies."""

from __future__ import annotations

from pathlib import Path


class EtlError(Exception):
    """Base class: a build step failed with a message meant for the person running it."""


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
        where = self.source
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
        super().__init__(f"{url}: {problem}")


class LiveUnavailable(EtlError):
    """No live source could be reached and nothing was cached (the build may use the sample)."""


class ValidationError(EtlError):
    """The assembled warehouse failed a check, so it was not swapped in."""


class BuildLockedError(EtlError):
    """Another build holds the warehouse lock."""
