"""Every source format and every live client the build knows, listed once, in order.

Nothing registers itself on import: adding a format is a module in ``etl/sources/`` and a line
here. :data:`PARSERS` are asked, in this order (most specific first), whether they read a file.
:data:`LIVE_SOURCES` run after the Nomis datasets in a live build (see ``etl.live``).
"""

from __future__ import annotations

from collections.abc import Callable

from core.area import Area
from core.http import HttpClient
from etl.catalogue import Catalogue
from etl.extract import Extract, FormatParser
from etl.sources import (
    ashe_tables,
    census_bulk,
    fitnotes,
    fitnotes_live,
    job_adverts,
    neet,
    nomis_api_csv,
    nomis_query,
    nomis_xlsx,
    ons_cc01,
    ons_local,
    vacancies,
)

LiveSource = Callable[[HttpClient, Area, Catalogue], list[Extract]]

PARSERS: tuple[FormatParser, ...] = (
    nomis_api_csv,
    census_bulk,
    nomis_query,
    ons_local,
    nomis_xlsx,
    ons_cc01,
    ashe_tables,
    fitnotes,
    job_adverts,
    neet,
    vacancies,
)

LIVE_SOURCES: tuple[LiveSource, ...] = (
    fitnotes_live.fetch_live,
    job_adverts.fetch_live,
    vacancies.fetch_live,
)


def parser(name: str) -> FormatParser:
    """The parser whose ``NAME`` is ``name``."""
    for module in PARSERS:
        if name == module.NAME:
            return module
    raise KeyError(f"no parser named {name!r}")
