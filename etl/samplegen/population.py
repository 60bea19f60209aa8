"""Mid-year population estimates as a Nomis query download, drawn around the APS counts."""

from __future__ import annotations

import random

from etl.samplegen.aps_figures import Aps
from etl.samplegen.output import MADE_BY, MARK, csv_bytes
from etl.samplegen.places import PLACES

POPULATION_YEAR = 2023


def population_query(aps: Aps, rng: random.Random) -> bytes:
    """A Nomis query download of mid-year population estimates (Gender as a page line)."""
    width = 4
    rows: list[list[object]] = [
        ["Population estimates - local authority based by single year of age", "", "", ""],
        [MADE_BY, "", "", ""],
        ["Date       :", str(POPULATION_YEAR), "", ""],
        ["Gender     :", "Total", "", ""],
        ["", "", "", ""],
        ["Area", "All Ages", "Aged 16 - 64", "Aged 65+"],
        ["", "", "", ""],
    ]
    for place in PLACES:
        working = round(aps[place.code, POPULATION_YEAR].all_ * rng.gauss(1.01, 0.01))
        everyone = round(working / rng.uniform(0.615, 0.645))
        older = round(everyone * rng.uniform(0.16, 0.20))
        rows.append([f"{place.code} : {place.name}", everyone, working, older])
    rows += [[""] * width, ["", MARK, "", ""]]
    return csv_bytes(rows, crlf=True)
