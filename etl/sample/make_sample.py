"""Write the bundled sample extracts: SAMPLE DATA, not real statistics.

Run ``python etl/sample/make_sample.py`` (or with ``--out DIR``) to write the files again. The
output is the same byte for byte on every run: the figures come from a seeded random generator
around realistic levels, and the XLSX is written with fixed timestamps.

Each file is in the real format its parser reads (Nomis XLSX download, Nomis query download, Nomis
API CSV, ONS Explore Local Statistics CSV, Census 2021 bulk CSV, NHS England fit-note CSV, ONS
Textkernel job-advert workbook) and covers the six South Midlands local authorities, their three
regions and England (fit notes: the two NHS sub-ICB areas). Local authority level only: no
neighbourhood codes and no lookups are bundled.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import io
import math
import random
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20240501
MARK = "SAMPLE DATA – not real statistics"
MADE_BY = f"{MARK} (made by etl/sample/make_sample.py)"
YEARS = (2019, 2020, 2021, 2022, 2023)
POPULATION_YEAR = 2023


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # as ONS names it
    label: str  # as the Nomis XLSX labels it
    kind: str  # lad, region, country
    pop_16_64: int  # rough level the sample varies around
    pop_16_plus: int
    employment: float  # % of 16-64 in work
    unemployment: float  # % of the economically active
    lt_sick: float  # % of the economically inactive who are long-term sick
    sample_size: int  # APS achieved sample (drives the confidence intervals)


PLACES = (
    Place("E06000055", "Bedford", "ladu:Bedford", "lad", 112_000, 149_000, 77.5, 3.8, 22.0, 900),
    Place(
        "E06000056",
        "Central Bedfordshire",
        "ladu:Central Bedfordshire",
        "lad",
        183_000,
        236_000,
        80.5,
        2.9,
        20.5,
        1_100,
    ),
    Place("E06000032", "Luton", "ladu:Luton", "lad", 144_000, 174_000, 69.5, 5.9, 18.5, 1_000),
    Place(
        "E06000042",
        "Milton Keynes",
        "ladu:Milton Keynes",
        "lad",
        181_000,
        226_000,
        78.5,
        4.1,
        21.0,
        1_100,
    ),
    Place(
        "E06000061",
        "North Northamptonshire",
        "ladu:North Northamptonshire",
        "lad",
        225_000,
        285_000,
        77.0,
        4.0,
        26.0,
        1_200,
    ),
    Place(
        "E06000062",
        "West Northamptonshire",
        "ladu:West Northamptonshire",
        "lad",
        258_000,
        340_000,
        79.0,
        3.7,
        24.0,
        1_300,
    ),
    Place("E12000006", "East", "gor:East", "region", 3_830_000, 5_100_000, 77.8, 3.6, 22.5, 14_000),
    Place(
        "E12000008",
        "South East",
        "gor:South East",
        "region",
        5_700_000,
        7_500_000,
        78.6,
        3.5,
        21.5,
        20_000,
    ),
    Place(
        "E12000004",
        "East Midlands",
        "gor:East Midlands",
        "region",
        3_000_000,
        3_950_000,
        75.8,
        4.0,
        25.0,
        11_000,
    ),
    Place(
        "E92000001", "England", "country:England", "country", 35_100_000, 46_000_000, 75.9, 4.0,
        24.5, 150_000,
    ),
)  # fmt: skip
LADS = tuple(p for p in PLACES if p.kind == "lad")


def _round(x: float, base: int = 100) -> int:
    return int(base * round(x / base))


DESIGN_EFFECT = 2.5  # APS intervals are wider than a simple random sample's (weighting)


def _ci(p: float, n: int, total: float, effect: float = DESIGN_EFFECT) -> float:
    """95% confidence half-width of a count ``p * total`` from a sample of ``n``."""
    return effect * 1.96 * math.sqrt(max(p * (1 - p), 1e-6) / n) * total


@dataclass
class Year:
    all_: int
    active: int
    employed: int
    employees: int
    self_employed: int
    unemployed: int
    inactive: int
    conf: dict[str, int | str]
    rate_ci: dict[str, float]  # half-widths of the employment and inactivity rates (points)
    lt_sick: int  # inactive long-term sick (numerator of NM_17_5 variable 1496)
    lt_sick_conf: float  # confidence half-width of that percentage


def _aps(rng: random.Random) -> dict[tuple[str, int], Year]:
    """Annual Population Survey counts for every place and year (rounded to 100 like Nomis)."""
    out = {}
    for place in PLACES:
        wobble = 1.5 if place.kind == "lad" else 0.35
        for i, year in enumerate(YEARS):
            all_ = _round(place.pop_16_64 * (1 + 0.004 * i) * rng.gauss(1, 0.006))
            emp_rate = (
                place.employment + rng.gauss(0, wobble) - (1.2 if year == 2020 else 0)
            ) / 100
            u = max(0.8, place.unemployment + rng.gauss(0, wobble / 2)) / 100
            employed = _round(all_ * emp_rate)
            unemployed = _round(employed * u / (1 - u))
            active = employed + unemployed
            inactive = all_ - active
            employees = _round(employed * rng.uniform(0.84, 0.88))
            n = place.sample_size
            conf: dict[str, int | str] = {}
            for key, count in (
                ("all", all_),
                ("active", active),
                ("employed", employed),
                ("employees", employees),
                ("self", employed - employees),
                ("unemployed", unemployed),
                ("inactive", inactive),
            ):
                if count / all_ * n < 25:
                    conf[key] = "*"  # fewer than ~25 respondents: Nomis flags it unreliable
                else:
                    # The total's interval reflects weighting error, the others sampling error.
                    share = count / all_ if key != "all" else 0.2
                    conf[key] = max(100, _round(_ci(share, n, all_)))
            rate_ci = {
                key: round(100 * _ci(count / all_, n, 1, effect=1.6), 1)
                for key, count in (("employed", employed), ("inactive", inactive))
            }
            share = max(8.0, place.lt_sick + rng.gauss(0, wobble * 2)) / 100
            lt_sick = round(inactive * share)
            n_inactive = max(30, int(n * inactive / all_))
            out[place.code, year] = Year(
                all_=all_,
                active=active,
                employed=employed,
                employees=employees,
                self_employed=employed - employees,
                unemployed=unemployed,
                inactive=inactive,
                conf=conf,
                rate_ci=rate_ci,
                lt_sick=lt_sick,
                lt_sick_conf=round(100 * _ci(share, n_inactive, 1, effect=1.6), 1),
            )
    return out


# ------------------------------------------------------------------------------------------
# Writers
# ------------------------------------------------------------------------------------------


def _csv(rows: list[list[object]], *, crlf: bool = False, quote_all: bool = False) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_NONNUMERIC if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


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


def aps_t01_xlsx(aps: dict[tuple[str, int], Year]) -> bytes:
    """A Nomis XLSX download of APS table T01: one stacked block per year."""
    import openpyxl

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
        rows = [p for p in PLACES if p.kind == "country"]
        rows += [p for p in PLACES if p.kind == "region"]
        grouping = ["User Defined Geography:South Midlands partnership (sample grouping)"]
        for _, _, key in T01_COLUMNS:
            y = [aps[p.code, year] for p in LADS]
            spread = math.sqrt(sum(float(v.conf[key]) ** 2 for v in y if v.conf[key] != "*"))
            grouping += [sum(_value(v, key) for v in y), None, _round(spread)]
        for place in [*rows, *LADS]:
            y = aps[place.code, year]
            row: list[object] = [place.label]
            for _, _, key in T01_COLUMNS:
                row += [_value(y, key), None, y.conf[key]]
            if place.kind == "country":
                ws.append(row)
                ws.append(grouping)
            else:
                ws.append(row)
        ws.append([])
        for note in T01_FOOTNOTES:
            ws.append([note])
        ws.append([])
        ws.append([])
    return _workbook_bytes(wb)


def _value(y: Year, key: str) -> int:
    return {
        "all": y.all_,
        "active": y.active,
        "employed": y.employed,
        "employees": y.employees,
        "self": y.self_employed,
        "unemployed": y.unemployed,
        "inactive": y.inactive,
    }[key]


def _workbook_bytes(wb) -> bytes:  # wb: openpyxl Workbook
    """The workbook's bytes, the same on every run (fixed properties and zip timestamps)."""
    from datetime import datetime

    fixed = datetime(2024, 5, 1)
    wb.properties.creator = "etl/sample/make_sample.py"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same workbook with every member stamped 1980-01-01, so reruns give identical bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2024-05-01T00:00:00Z\g<2>",
                    body,
                )
            dst.writestr(fixed, body)
    return out.getvalue()


def ons_local_employment(aps: dict[tuple[str, int], Year]) -> bytes:
    """ONS Explore Local Statistics ``employment-rate.csv`` (lower-case headers)."""
    rows: list[list[object]] = [
        [
            "areacd",
            "areanm",
            "geography",
            "indicator",
            "period",
            "observation",
            "measure",
            "unit",
            "lci_95",
            "uci_95",
            "status",
            "notes",
        ]
    ]
    geography = {"lad": "County or Unitary Authority", "region": "Region", "country": "Nation"}
    for indicator, key in (("Employment rate", "employed"), ("Economically inactive", "inactive")):
        for place in PLACES:
            for year in YEARS:
                y = aps[place.code, year]
                rate = round(100 * _value(y, key) / y.all_, 1)
                half = y.rate_ci[key]
                rows.append(
                    [
                        place.code,
                        place.name,
                        geography[place.kind],
                        indicator,
                        f"{year}-01-01/P1Y",
                        rate,
                        "Percentage",
                        "%",
                        round(rate - half, 1),
                        round(rate + half, 1),
                        "",
                        MARK,
                    ]
                )
    return _csv(rows)


LT_SICK = (
    "Proportion of people who are economically inactive, who are economically inactive due to "
    "long term sickness"
)


def ons_local_sickness(aps: dict[tuple[str, int], Year]) -> bytes:
    """The capitalised variant of the ONS local layout (with a BOM), long-term sick share."""
    rows: list[list[object]] = [
        [
            "AREACD",
            "AREANM",
            "Geography",
            "Variable Name",
            "Indicator",
            "Mission",
            "Category",
            "Period",
            "Observation",
            "Measure",
            "Unit",
            "Lower Confidence Interval (95%)",
            "Upper Confidence Interval (95%)",
            "Observation Status",
            "Polarity",
            "Notes",
        ]
    ]
    geography = {"lad": "County or Unitary Authority", "region": "Region", "country": "Nation"}
    for place in PLACES:
        for year in YEARS:
            y = aps[place.code, year]
            share = round(100 * y.lt_sick / y.inactive, 2)
            rows.append(
                [
                    place.code,
                    place.name,
                    geography[place.kind],
                    "Proportion of economically inactive people who are economically inactive "
                    "due to long term sickness",
                    LT_SICK,
                    "Mission 1",
                    "Spreading opportunity and improving public services",
                    str(year),
                    share,
                    "Percentage",
                    "%",
                    round(share - y.lt_sick_conf, 2),
                    round(share + y.lt_sick_conf, 2),
                    "",
                    -1,
                    MARK,
                ]
            )
    return b"\xef\xbb\xbf" + _csv(rows)


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


def nomis_api_aps(aps: dict[tuple[str, int], Year]) -> bytes:
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
    return _csv([NM_17_5_COLUMNS, *body], quote_all=True)


def population_query(aps: dict[tuple[str, int], Year], rng: random.Random) -> bytes:
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
    return _csv(rows, crlf=True)


TS066 = "Economic activity status"
TS066_COLUMNS = (
    "Total: All usual residents aged 16 years and over",
    "Economically active (excluding full-time students)",
    "Economically active (excluding full-time students):In employment",
    "Economically active (excluding full-time students): Unemployed",
    "Economically active and a full-time student",
    "Economically active and a full-time student:In employment",
    "Economically active and a full-time student: Unemployed",
    "Economically inactive",
    "Economically inactive: Retired",
    "Economically inactive: Student",
    "Economically inactive: Looking after home or family",
    "Economically inactive: Long-term sick or disabled",
    "Economically inactive: Other",
)


def census_ts066(places: list[Place], rng: random.Random) -> bytes:
    """A Census 2021 bulk CSV (``census2021-ts066-<level>.csv`` layout, a subset of columns)."""
    rows: list[list[object]] = [
        ["date", "geography", "geography code", *(f"{TS066}: {c}" for c in TS066_COLUMNS)]
    ]
    for place in places:
        total = round(place.pop_16_plus * rng.gauss(0.985, 0.005))
        inactive = round(total * rng.gauss(0.375, 0.015))
        student_active = round(total * rng.gauss(0.025, 0.004))
        active = total - inactive - student_active
        unemployed = round(active * rng.gauss(0.045, 0.006))
        student_unemployed = round(student_active * rng.gauss(0.16, 0.02))
        shares = {
            "Retired": rng.gauss(0.57, 0.03),
            "Student": rng.gauss(0.14, 0.02),
            "Looking after home or family": rng.gauss(0.12, 0.01),
            "Long-term sick or disabled": rng.gauss(0.105, 0.012),
        }
        parts = {k: round(inactive * v) for k, v in shares.items()}
        parts["Other"] = inactive - sum(parts.values())
        rows.append(
            [
                2021,
                place.name,
                place.code,
                total,
                active,
                active - unemployed,
                unemployed,
                student_active,
                student_active - student_unemployed,
                student_unemployed,
                inactive,
                parts["Retired"],
                parts["Student"],
                parts["Looking after home or family"],
                parts["Long-term sick or disabled"],
                parts["Other"],
            ]
        )
    return _csv(rows)


# NHS sub-ICB areas of the default configuration: ODS code, name as NHS England writes it, members.
SUB_ICBS = (
    ("M1J4Y", "NHS Bedfordshire, Luton and Milton Keynes ICB - M1J4Y",
     ("E06000055", "E06000056", "E06000032", "E06000042")),
    ("78H", "NHS Northamptonshire ICB - 78H", ("E06000061", "E06000062")),
)
FIT_NOTE_MONTHS = [(y, m) for y in (2023, 2024) for m in range(1, 13)]
DIAGNOSES = (
    ("Mental and behavioural disorders", 0.36),
    ("Diseases of the musculoskeletal system and connective tissue", 0.19),
    ("Other", 0.45),
)
DURATIONS = (("< 21 Days", 0.46), (">= 21 Days", 0.49), ("Indefinite", 0.05))


def fit_notes_csv(rng: random.Random) -> bytes:
    """NHS England fit notes by sub-ICB location, month, status, diagnosis chapter and duration
    (the documented layout; ``*`` marks a suppressed small count)."""
    pop = {p.code: p.pop_16_64 for p in LADS}
    rows: list[list[object]] = [[
        "Date", "Sub ICB Location code", "Sub ICB Location name", "Fit note status",
        "Diagnosis (ICD10 chapter)", "Duration", "Count of fit notes",
    ]]
    for code, name, members in SUB_ICBS:
        per_1000 = 25.0 if code == "M1J4Y" else 27.5  # a month's fit notes per 1,000 aged 16-64
        people = sum(pop[m] for m in members)
        for i, (year, month) in enumerate(FIT_NOTE_MONTHS):
            winter = 1.08 if month in (1, 2, 3, 10, 11, 12) else 0.95
            total = people / 1000 * per_1000 * winter * (1 + 0.004 * i) * rng.uniform(0.96, 1.04)
            label = f"{calendar.month_abbr[month]}-{year % 100:02d}"  # as a spreadsheet saves it
            for status, share in (("Not fit", 0.935), ("May be fit", 0.065)):
                for diagnosis, d_share in DIAGNOSES:
                    for duration, t_share in DURATIONS:
                        count = round(total * share * d_share * t_share * rng.uniform(0.9, 1.1))
                        rows.append([label, code, name, status, diagnosis, duration,
                                     "*" if count < 5 else count])
    return _csv(rows, crlf=True)


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
    import openpyxl

    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Cover"
    cover["A1"] = "Labour demand volumes by Standard Occupation Classification (SOC 2020), UK"
    cover["A2"] = "Source: Textkernel online job adverts"
    cover["A3"] = MADE_BY
    places = [*LADS, *(p for p in PLACES if p.kind == "country")]
    level = {p.code: p.pop_16_64 / 1000 * rng.uniform(34, 48) for p in places}
    snapshot = {
        p.code: [_round(level[p.code] * (1 + 0.01 * i) * rng.uniform(0.95, 1.05), 10)
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
            t9.append([p.code, p.name, group, _round(latest * share * rng.uniform(0.8, 1.2), 10)])
    t19 = wb.create_sheet("Table 19")
    t19.append(["Table 19: New online job adverts by local authority, UK"])
    t19.append([MARK])
    t19.append(["Local authority code", "Local authority name", *ADVERT_MONTHS])
    for p in places:
        t19.append([p.code, p.name,
                    *(_round(v * rng.uniform(0.3, 0.4), 10) for v in snapshot[p.code])])
    return _workbook_bytes(wb)


def files() -> dict[str, bytes]:
    """Every sample file's name and bytes."""
    rng = random.Random(SEED)
    aps = _aps(rng)
    census_rng = random.Random(SEED + 1)
    return {
        "SAMPLE_aps_t01_economic_activity_2019_2023.xlsx": aps_t01_xlsx(aps),
        "SAMPLE_employment-rate.csv": ons_local_employment(aps),
        "SAMPLE_proportion-of-people-who-are-economically-inactive-due-to-sickness.csv": (
            ons_local_sickness(aps)
        ),
        "SAMPLE_nm_17_5_aps_long_term_sick.csv": nomis_api_aps(aps),
        "SAMPLE_population_estimates_2023.csv": population_query(aps, random.Random(SEED + 2)),
        "SAMPLE_census2021-ts066-ltla.csv": census_ts066(list(LADS), census_rng),
        "SAMPLE_census2021-ts066-rgn.csv": census_ts066(
            [p for p in PLACES if p.kind == "region"], census_rng
        ),
        "SAMPLE_census2021-ts066-ctry.csv": census_ts066(
            [p for p in PLACES if p.kind == "country"], census_rng
        ),
        "SAMPLE_fit_notes_subicb_2023_2024.csv": fit_notes_csv(random.Random(SEED + 3)),
        "SAMPLE_labour_demand_volumes_by_soc_2024.xlsx": textkernel_xlsx(random.Random(SEED + 4)),
    }


def write(out: Path = HERE) -> list[Path]:
    """Write every sample file into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files().items():
        path = out / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    args = parser.parse_args(argv)
    for path in write(args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
