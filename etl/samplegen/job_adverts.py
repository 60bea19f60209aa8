"""The ONS "Labour demand volumes by SOC 2020" workbook (Textkernel online job adverts):
snapshot and new adverts by local authority, and snapshot adverts by occupation group."""

from __future__ import annotations

import random

import openpyxl

from etl.samplegen.output import MADE_BY, MARK, rounded, workbook_bytes
from etl.samplegen.places import COUNTRIES, LADS

SOC_GROUPS = (  # SOC 2020 sub-major groups: share of a place's adverts (the rest: other groups)
    ("21 Science, research, engineering and technology professionals", 0.10),
    ("22 Health professionals", 0.07),
    ("32 Health and social care associate professionals", 0.03),
    ("35 Business and public service associate professionals", 0.11),
    ("41 Administrative occupations", 0.07),
    ("61 Caring personal service occupations", 0.08),
    ("71 Sales occupations", 0.06),
    ("82 Transport and mobile machine drivers and operatives", 0.05),
)
ADVERT_MONTHS = ("January 2024", "February 2024", "March 2024", "April 2024", "May 2024",
                 "June 2024")


def textkernel_xlsx(rng: random.Random) -> bytes:
    """ONS "Labour demand volumes by SOC 2020" workbook (Textkernel online job adverts): snapshot
    and new adverts by local authority across months, and by SOC 2020 sub-major group."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Cover"
    cover["A1"] = "Labour demand volumes by Standard Occupation Classification (SOC 2020), UK"
    cover["A2"] = "Source: Textkernel online job adverts"
    cover["A3"] = MADE_BY
    places = [*LADS, *COUNTRIES]
    level = {p.code: p.pop_16_64 / 1000 * rng.uniform(34, 48) for p in places}
    snapshot = {
        p.code: [rounded(level[p.code] * (1 + 0.01 * i) * rng.uniform(0.95, 1.05), 10)
                 for i in range(len(ADVERT_MONTHS))]
        for p in places
    }
    t1 = wb.create_sheet("Table 1")
    t1.append(["Table 1: Snapshot online job adverts by local authority, UK"])
    t1.append([MARK])
    t1.append(["Local authority code", "Local authority name", *ADVERT_MONTHS])
    for p in places:
        t1.append([p.code, p.name, *snapshot[p.code]])
    t1.append(["Notes: figures are rounded to the nearest 10."])
    t9 = wb.create_sheet("Table 9")
    t9.append(["Table 9: Snapshot online job adverts by local authority and SOC 2020 group"])
    t9.append([MARK])
    t9.append(["Local authority code", "Local authority name", "SOC 2020 sub-major group",
               ADVERT_MONTHS[-1]])
    for p in LADS:
        latest = snapshot[p.code][-1]
        t9.append([p.code, p.name, "Total", latest])
        for group, share in SOC_GROUPS:
            t9.append([p.code, p.name, group, rounded(latest * share * rng.uniform(0.8, 1.2), 10)])
    t19 = wb.create_sheet("Table 19")
    t19.append(["Table 19: New online job adverts by local authority, UK"])
    t19.append([MARK])
    t19.append(["Local authority code", "Local authority name", *ADVERT_MONTHS])
    for p in places:
        t19.append([p.code, p.name,
                    *(rounded(v * rng.uniform(0.3, 0.4), 10) for v in snapshot[p.code])])
    return workbook_bytes(wb)
