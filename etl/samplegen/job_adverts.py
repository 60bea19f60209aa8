"""The ONS "Labour demand volumes by SOC 2020" workbook (Textkernel online job adverts) in its
current layout: new adverts per quarter by local authority and SOC 2020 unit group (Table 5),
per month by region (Table 3), and a cover sheet. :func:`labour_demand_workbook` writes any
rows in that layout (the test fixture uses it too); :func:`textkernel_xlsx` is the sample."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import openpyxl

from etl.samplegen.output import MADE_BY, MARK, workbook_bytes
from etl.samplegen.places import LADS

TITLE = "Labour demand volumes by Standard Occupation Classification (SOC 2020), UK"
TABLE5 = (
    "Table 5: Number of new online job adverts by local authority district and SOC 2020 4 digit "
    "occupation, UK, quarterly"
)
TABLE3 = "Table 3: Number of new online job adverts by region and SOC 2020 4 digit occupation, UK"
T5_HEADER = ("Region", "ITL2", "Local Authority District", "SOC 4 digit code",
             "SOC 4 digit label", "Local Authority Code")
T3_HEADER = ("Region", "SOC 4 digit code", "SOC 4 digit label")

# SOC 2020 unit groups the sample advertises: (code, label, adverts a quarter per 1,000
# residents aged 16 to 64, roughly).
SAMPLE_SOC = (
    ("2134", "Programmers and software development professionals", 1.6),
    ("2211", "Generalist medical practitioners", 0.3),
    ("6131", "Nursing auxiliaries and assistants", 0.9),
    ("6135", "Care workers and home carers", 3.1),
    ("6136", "Senior care workers", 0.4),
    ("7111", "Sales and retail assistants", 2.2),
    ("8211", "Large goods vehicle drivers", 1.1),
    ("Unknown", "Unknown", 0.8),
)
SAMPLE_QUARTERS = ("2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2")
REGION_OF = {"E06000055": "East", "E06000056": "East", "E06000032": "East",
             "E06000042": "South East", "E06000061": "East Midlands",
             "E06000062": "East Midlands"}
ITL2_OF = {"East": "Bedfordshire and Hertfordshire", "South East": "Berkshire, Buckinghamshire "
           "and Oxfordshire", "East Midlands": "Leicestershire, Rutland and Northamptonshire"}


@dataclass(frozen=True)
class AdvertRow:
    """One Table 5 row: a district (or London) and a unit group, with a cell per quarter."""

    region: str
    itl2: str
    district: str
    soc: str
    label: str
    code: str | None
    cells: Sequence[object]


def labour_demand_workbook(
    rows: Sequence[AdvertRow],
    quarters: Sequence[str],
    region_rows: Sequence[tuple[str, str, str, Sequence[object]]],
    months: Sequence[str],
    note: str,
) -> openpyxl.Workbook:
    """The workbook: header on row 5, data from row 6, rows in the order given."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Cover sheet"
    cover["A1"] = TITLE
    cover["A2"] = note
    cover["A4"] = "Source: Textkernel online job adverts, Office for National Statistics"
    cover["A19"] = "Notes"
    cover["A20"] = "Figures are new online job adverts first seen in the period."
    cover["A21"] = "[x] = suppressed for quality or disclosure reasons."
    t3 = wb.create_sheet("Table 3")
    t3.append([TABLE3 + ", monthly"])
    t3.append(["This worksheet contains one table."])
    t3.append([note])
    t3.append(["Source: Textkernel"])
    t3.append([*T3_HEADER, *months])
    for region, soc, label, cells in region_rows:
        t3.append([region, soc, label, *cells])
    t5 = wb.create_sheet("Table 5")
    t5.append([TABLE5])
    t5.append(["This worksheet contains one table. Rows are grouped by region."])
    t5.append([note])
    t5.append(["Source: Textkernel"])
    t5.append([*T5_HEADER, *quarters])
    for r in rows:
        t5.append([r.region, r.itl2, r.district, r.soc, r.label, r.code, *r.cells])
    return wb


def textkernel_xlsx(rng: random.Random) -> bytes:
    """The sample: the six places, a few unit groups (care workers among them), six quarters;
    small counts suppressed as ``[x]``."""
    rows = []
    for place in LADS:
        region = REGION_OF[place.code]
        for soc, label, rate in SAMPLE_SOC:
            cells: list[object] = []
            for i, _ in enumerate(SAMPLE_QUARTERS):
                n = round(place.pop_16_64 / 1000 * rate * (1 + 0.02 * i) * rng.uniform(0.8, 1.2))
                cells.append("[x]" if n < 40 else n)
            rows.append(AdvertRow(region, ITL2_OF[region], place.name, soc, label, place.code,
                                  cells))
    months = [f"{m}-{y}" for y in ("23", "24") for m in
              ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
               "Dec")][:18]
    regions = [(region, soc, label, [rng.randint(300, 3000) for _ in months])
               for region in ("East", "South East", "East Midlands")
               for soc, label, _ in SAMPLE_SOC[:3]]
    wb = labour_demand_workbook(rows, SAMPLE_QUARTERS, regions, months, MADE_BY)
    wb["Cover sheet"]["A3"] = MARK
    return workbook_bytes(wb)
