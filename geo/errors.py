"""Errors the geography package raises. Each names the file (or URL) and the codes at fault."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def code_list(codes: Iterable[str], limit: int = 8) -> str:
    """``E01000001, E01000002 … and 12 more``: enough codes to find the problem, not a wall."""
    codes = sorted(set(codes))
    shown = ", ".join(codes[:limit])
    if len(codes) > limit:
        shown += f" … and {len(codes) - limit} more"
    return shown


class GeoError(Exception):
    """Base class: a geography step failed with a message meant for the person running it."""


class BoundaryError(GeoError, ValueError):
    """A boundary source is unusable: no code field, no CRS, broken geometry, wrong codes."""

    def __init__(self, source: str | Path, problem: str, codes: Iterable[str] = ()) -> None:
        self.source = str(source)
        self.problem = problem
        self.codes = sorted(set(codes))
        message = f"{self.source}: {problem}"
        if self.codes:
            message += f" Codes: {code_list(self.codes)}."
        super().__init__(message)


class GeometryNotBuilt(GeoError, FileNotFoundError):
    """A map level was asked for that has not been built (or this build does not provide)."""
