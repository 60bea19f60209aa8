"""The places the sample covers: the six South Midlands local authorities, their three regions and
England, each with the rough levels its invented figures vary around."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """One area of the sample, as its publishers name it, and the levels its figures vary around."""

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
REGIONS = tuple(p for p in PLACES if p.kind == "region")
COUNTRIES = tuple(p for p in PLACES if p.kind == "country")
