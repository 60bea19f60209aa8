"""The APS rates as ONS Explore Local Statistics CSVs: the employment and inactivity rates
(lower-case headers) and the long-term sick share of the inactive (the capitalised variant, with a
BOM)."""

from __future__ import annotations

from etl.samplegen.aps_figures import YEARS, Aps
from etl.samplegen.output import MARK, csv_bytes
from etl.samplegen.places import PLACES

GEOGRAPHY = {"lad": "County or Unitary Authority", "region": "Region", "country": "Nation"}


def ons_local_employment(aps: Aps) -> bytes:
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
    for indicator, key in (("Employment rate", "employed"), ("Economically inactive", "inactive")):
        for place in PLACES:
            for year in YEARS:
                y = aps[place.code, year]
                rate = round(100 * y.count(key) / y.all_, 1)
                half = y.rate_ci[key]
                rows.append(
                    [
                        place.code,
                        place.name,
                        GEOGRAPHY[place.kind],
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
    return csv_bytes(rows)


LT_SICK = (
    "Proportion of people who are economically inactive, who are economically inactive due to "
    "long term sickness"
)


def ons_local_sickness(aps: Aps) -> bytes:
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
    for place in PLACES:
        for year in YEARS:
            y = aps[place.code, year]
            share = round(100 * y.lt_sick / y.inactive, 2)
            rows.append(
                [
                    place.code,
                    place.name,
                    GEOGRAPHY[place.kind],
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
    return b"\xef\xbb\xbf" + csv_bytes(rows)
