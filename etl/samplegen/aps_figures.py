"""The seeded Annual Population Survey figures that the Nomis and ONS local files share: counts
of people aged 16 to 64 by economic activity for every place and year, with their confidence
intervals and the long-term sick among the inactive."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from etl.samplegen.output import rounded
from etl.samplegen.places import PLACES

YEARS = (2019, 2020, 2021, 2022, 2023)
DESIGN_EFFECT = 2.5  # APS intervals are wider than a simple random sample's (weighting)


def _ci(p: float, n: int, total: float, effect: float = DESIGN_EFFECT) -> float:
    """95% confidence half-width of a count ``p * total`` from a sample of ``n``."""
    return effect * 1.96 * math.sqrt(max(p * (1 - p), 1e-6) / n) * total


@dataclass
class Year:
    """One place's APS figures for one calendar year."""

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

    def count(self, key: str) -> int:
        """The count named by a ``conf`` key (``all``, ``active``, ... ``self``, ``inactive``)."""
        return {
            "all": self.all_,
            "active": self.active,
            "employed": self.employed,
            "employees": self.employees,
            "self": self.self_employed,
            "unemployed": self.unemployed,
            "inactive": self.inactive,
        }[key]


Aps = dict[tuple[str, int], Year]  # (place code, year) -> that place's figures


def aps_figures(rng: random.Random) -> Aps:
    """Annual Population Survey counts for every place and year (rounded to 100 like Nomis)."""
    out = {}
    for place in PLACES:
        wobble = 1.5 if place.kind == "lad" else 0.35
        for i, year in enumerate(YEARS):
            all_ = rounded(place.pop_16_64 * (1 + 0.004 * i) * rng.gauss(1, 0.006))
            emp_rate = (
                place.employment + rng.gauss(0, wobble) - (1.2 if year == 2020 else 0)
            ) / 100
            u = max(0.8, place.unemployment + rng.gauss(0, wobble / 2)) / 100
            employed = rounded(all_ * emp_rate)
            unemployed = rounded(employed * u / (1 - u))
            active = employed + unemployed
            inactive = all_ - active
            employees = rounded(employed * rng.uniform(0.84, 0.88))
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
                    conf[key] = max(100, rounded(_ci(share, n, all_)))
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
