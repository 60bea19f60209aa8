"""The APS figures in the two Nomis formats the ETL reads: the XLSX download of table T01
(economic activity counts, one stacked block per year) and the API CSV of NM_17_5 variable 1496
(the long-term sick share of the inactive, with its numerator and denominator)."""

from __future__ import annotations

import math

import openpyxl

from etl.samplegen.aps_figures import YEARS, Aps
from etl.samplegen.output import MADE_BY, csv_bytes, rounded, workbook_bytes
from etl.samplegen.places import COUNTRIES, LADS, PLACES, REGIONS

T01_COLUMNS = (
    ("T01:22", "Aged 16-64 - All : All People ", "all"),
    ("T01:25", "Aged 16-64 - Economically active : All People ", "active"),
    ("T01:28", "Aged 16-64 - In employment : All People ", "employed"),
    ("T01:31", "Aged 16-64 - Employees : All People ", "employees"),
    ("T01:34", "Aged 16-64 - Self Employed : All People ", "self"),
    ("T01:37", "Aged 16-64 - Unemployed : All People ", "unemployed"),
    ("T01:40", "Aged 16-64 - Inactive : All People ", "inactive"),
)
T01_FOOTNOTES = (
    "! Estimate and confidence interval not available since the group sample size is zero or "
    "disclosive (0-2).",
    "* Estimate and confidence interval unreliable since the group sample size is small (3-9).",
    "~ Estimate is less than 500.",
    "- These figures are missing.",
)


def aps_t01_xlsx(aps: Aps) -> bytes:
    """A Nomis XLSX download of APS table T01: one stacked block per year."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for year in YEARS:
        ws.append(["annual population survey"])
        ws.append([MADE_BY])
        ws.append([])
        ws.append(["date", f"Jan {year}-Dec {year}"])
        ws.append(["confidence", "95% confidence interval (+/-)"])
        ws.append([])
        header: list[object] = ["Area"]
        sub: list[object] = [None]
        for code, label, _ in T01_COLUMNS:
            header += [f"{code} ({label})", None, None]
            sub += ["number", "Flags", "conf"]
        ws.append(header[:-2])  # Nomis leaves the last figure's trailing cells out
        ws.append(sub)
        grouping = ["User Defined Geography:South Midlands partnership (sample grouping)"]
        for _, _, key in T01_COLUMNS:
            y = [aps[p.code, year] for p in LADS]
            spread = math.sqrt(sum(float(v.conf[key]) ** 2 for v in y if v.conf[key] != "*"))
            grouping += [sum(v.count(key) for v in y), None, rounded(spread)]
        for place in [*COUNTRIES, *REGIONS, *LADS]:
            y = aps[place.code, year]
            row: list[object] = [place.label]
            for _, _, key in T01_COLUMNS:
                row += [y.count(key), None, y.conf[key]]
            ws.append(row)
            if place.kind == "country":  # Nomis lists the user-defined grouping after the country
                ws.append(grouping)
        ws.append([])
        for note in T01_FOOTNOTES:
            ws.append([note])
        ws.append([])
        ws.append([])
    return workbook_bytes(wb)


NM_17_5_COLUMNS = [
    "DATE",
    "DATE_NAME",
    "DATE_CODE",
    "DATE_TYPE",
    "DATE_TYPECODE",
    "DATE_SORTORDER",
    "GEOGRAPHY",
    "GEOGRAPHY_NAME",
    "GEOGRAPHY_CODE",
    "GEOGRAPHY_TYPE",
    "GEOGRAPHY_TYPECODE",
    "GEOGRAPHY_SORTORDER",
    "VARIABLE",
    "VARIABLE_NAME",
    "VARIABLE_CODE",
    "VARIABLE_TYPE",
    "VARIABLE_TYPECODE",
    "VARIABLE_SORTORDER",
    "MEASURES",
    "MEASURES_NAME",
    "OBS_VALUE",
    "OBS_STATUS",
    "OBS_STATUS_NAME",
    "OBS_CONF",
    "OBS_CONF_NAME",
    "URN",
    "RECORD_OFFSET",
    "RECORD_COUNT",
]


def nomis_api_aps(aps: Aps) -> bytes:
    """A Nomis API CSV of NM_17_5 variable 1496 (% of inactive who are long-term sick)."""
    geo_type = {
        "lad": ("local authorities: district / unitary (as of April 2023)", 424),
        "region": ("regions", 480),
        "country": ("countries", 499),
    }
    measures = (
        ("20599", "Variable"),
        ("21001", "Numerator"),
        ("21002", "Denominator"),
        ("21003", "Confidence"),
    )
    body = []
    for number, place in enumerate(PLACES):
        geo_id = 1946157000 + number  # Nomis's own numeric id for the area (made up here)
        for year in YEARS:
            y = aps[place.code, year]
            values = {
                "20599": round(100 * y.lt_sick / y.inactive, 1),
                "21001": y.lt_sick,
                "21002": y.inactive,
                "21003": y.lt_sick_conf,
            }
            for m_code, m_name in measures:
                date = f"{year}-12"
                body.append(
                    [
                        date,
                        f"Jan {year}-Dec {year}",
                        date,
                        "date",
                        0,
                        0,
                        str(geo_id),
                        place.name,
                        place.code,
                        geo_type[place.kind][0],
                        geo_type[place.kind][1],
                        0,
                        "1496",
                        "% of economically inactive long-term sick",
                        "1496",
                        "variable",
                        3000,
                        0,
                        m_code,
                        m_name,
                        values[m_code],
                        "A",
                        "Normal Value",
                        "F",
                        "Free (free for publication)",
                        f"Nm-17d5d{year}12d{geo_id}d1496d{m_code}",
                        0,
                        None,
                    ]
                )
    for i, row in enumerate(body):
        row[-2] = i
        row[-1] = len(body)
    return csv_bytes([NM_17_5_COLUMNS, *body], quote_all=True)
