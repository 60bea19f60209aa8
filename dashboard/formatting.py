"""Numbers, statuses, periods and names as readers see them."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from core.classifications import (
    SOC2010_GROUPS,
    SOC2020_MAJOR,
    SOC2020_SUB_MAJOR,
    SOC2020_UNIT_GROUPS,
)
from core.vocabulary import STATUSES

NO_FIGURE = "no figure"

# SIC 2007 sections (breakdown ``sic:<letter>``).
SIC_SECTIONS: dict[str, str] = {
    "A": "Agriculture, forestry and fishing",
    "B": "Mining and quarrying",
    "C": "Manufacturing",
    "D": "Electricity, gas, steam and air conditioning",
    "E": "Water supply, sewerage and waste",
    "F": "Construction",
    "G": "Wholesale and retail trade; motor vehicle repair",
    "H": "Transport and storage",
    "I": "Accommodation and food services",
    "J": "Information and communication",
    "K": "Financial and insurance",
    "L": "Real estate",
    "M": "Professional, scientific and technical",
    "N": "Administrative and support services",
    "O": "Public administration and defence",
    "P": "Education",
    "Q": "Human health and social work",
    "R": "Arts, entertainment and recreation",
    "S": "Other service activities",
    "T": "Households as employers",
    "U": "Extraterritorial organisations",
}
# SOC 2020 groups (breakdown ``soc:<code>``): major, sub-major, minor 613 and named unit groups.
SOC_NAMES: dict[str, str] = {
    **SOC2020_MAJOR,
    **SOC2020_SUB_MAJOR,
    "613": "Caring personal services",
    **SOC2020_UNIT_GROUPS,
    "health_care": "Health and care occupations (SOC 2020 22, 32 and 613)",
    "unknown": "Occupation not known",
}
LEVEL_NAMES: dict[str, str] = {
    "lsoa": "Small neighbourhoods (LSOA)",
    "msoa": "Neighbourhoods (MSOA)",
    "lad": "Local authorities",
    "subicb": "NHS sub-ICB areas",
    "partnership": "Partnership area",
    "region": "Regions",
    "country": "Countries",
}
LEVEL_SINGULAR: dict[str, str] = {
    "lsoa": "small neighbourhood (LSOA)",
    "msoa": "neighbourhood (MSOA)",
    "lad": "local authority",
    "subicb": "NHS sub-ICB area",
    "partnership": "partnership area",
    "region": "region",
    "country": "country",
}
POLARITY_TEXT: dict[str, str] = {
    "high_is_good": "Higher is better",
    "low_is_good": "Lower is better",
    "none": "Neither higher nor lower is better",
}


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' missing markers."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, pd.NA raise or compare unequal to themselves
    except (TypeError, ValueError):
        return True


def format_number(value: float | None, decimals: int = 0) -> str:
    """A number with thousands separators and fixed decimals; ``no figure`` when missing."""
    if is_missing(value):
        return NO_FIGURE
    return f"{float(value):,.{max(int(decimals), 0)}f}"


PREFIX_UNITS = ("£",)  # written before the number


def format_value(
    value: float | None, unit: str, decimals: int = 1, *, with_unit: bool = True
) -> str:
    """A figure as a reader sees it: ``72.4%``, ``12,345 people``, ``0.85``."""
    if is_missing(value):
        return NO_FIGURE
    text = format_number(value, decimals)
    if not with_unit or unit in ("ratio", ""):
        return text
    if unit == "%":
        return f"{text}%"
    if unit in PREFIX_UNITS:  # £536.6, -£12.0
        return f"-{unit}{text[1:]}" if text.startswith("-") else f"{unit}{text}"
    return f"{text} {unit}"


def format_ci(lower: float | None, upper: float | None, unit: str, decimals: int = 1) -> str:
    """A 95% confidence interval, ``70.1 to 74.5%``; empty when the source gives none."""
    if is_missing(lower) or is_missing(upper):
        return ""
    lo = format_value(lower, unit, decimals) if unit in PREFIX_UNITS else format_number(lower,
                                                                                     decimals)
    hi = format_value(upper, unit, decimals)
    return f"{lo} to {hi}"


def format_points(diff: float | None, decimals: int = 1) -> str:
    """A difference between two percentages, in percentage points."""
    if is_missing(diff):
        return NO_FIGURE
    return f"{float(diff):,.{decimals}f} percentage points"


STATUS_SHORT: dict[str, str] = {
    "suppressed": "Suppressed",
    "low_reliability": "Unreliable",
    "below_threshold": "Below 500",
    "missing": "Missing",
    "not_applicable": "Not applicable",
    "provisional": "Provisional",
    "estimated": "Estimated",
    "modelled": "Modelled",
    "aggregated": "Summed",
}


def status_short(status: str | None) -> str:
    """A status in a word or two for a table cell (empty for an ordinary figure)."""
    if is_missing(status) or not status:
        return ""
    return STATUS_SHORT.get(str(status), str(status).replace("_", " ").capitalize())


def status_notes(statuses: Iterable[object]) -> str:
    """One sentence per status present: ``Summed: summed from its smaller areas; ...``."""
    seen = [str(s) for s in dict.fromkeys(statuses) if not is_missing(s) and s]
    parts = []
    for code in seen:
        text, short = status_text(code), status_short(code)
        if not text.lower().startswith(short.lower()):
            text = f"{short}: {text[:1].lower()}{text[1:].replace(': ', ', ', 1)}"
        parts.append(text.rstrip(".") + ".")
    return " ".join(parts)


def status_text(status: str | None) -> str:
    """What a status code means, in words (empty for an ordinary figure)."""
    if is_missing(status) or not status:
        return ""
    return STATUSES.get(str(status), str(status).replace("_", " ").capitalize())


def breakdown_label(breakdown: str | None) -> str:
    """``sic:Q`` -> ``Human health and social work (SIC Q)``; ``total`` -> ``All``."""
    if is_missing(breakdown) or breakdown in ("", "total"):
        return "All"
    kind, _, code = str(breakdown).partition(":")
    if kind == "sic" and code.upper() in SIC_SECTIONS:
        return f"{SIC_SECTIONS[code.upper()]} (SIC {code.upper()})"
    if kind == "soc" and code in SOC_NAMES:
        return f"{SOC_NAMES[code]} (SOC {code})" if code[0].isdigit() else SOC_NAMES[code]
    if kind == "soc2010" and code in SOC2010_GROUPS:
        return f"{SOC2010_GROUPS[code]} (SOC 2010 {code})"
    if kind == "sex":
        return code.capitalize()
    return f"{kind.upper()} {code}" if code else str(breakdown)


def level_name(level: str | None, *, singular: bool = False, lower: bool = False) -> str:
    """A level code as words (``lower`` for use inside a sentence: acronyms keep their case)."""
    names = LEVEL_SINGULAR if singular else LEVEL_NAMES
    text = names.get(str(level), str(level))
    if lower and not text[1:2].isupper():
        return text[:1].lower() + text[1:]
    return text


def short_health_name(display_name: str) -> str:
    """``BLMK (NHS sub-ICB M1J4Y)`` -> ``BLMK``."""
    return str(display_name).split(" (", 1)[0]


def join_names(names: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [str(n) for n in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------------------------------------
# Text that came from outside (URL parameters): shown, never interpreted.
# ---------------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_MD_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'/^%@;,?])")


def printable(text: object, limit: int = 60) -> str:
    """Visible characters only, cut to ``limit`` with an ellipsis."""
    raw = "" if text is None else str(text)
    # str.isprintable is False for control, format (Cf), private-use (Co), surrogate (Cs) and
    # unassigned characters and for separators other than the space: each becomes a space.
    clean = raw if raw.isprintable() else "".join(ch if ch.isprintable() else " " for ch in raw)
    clean = _SPACES.sub(" ", clean).strip()
    if len(clean) > limit:
        clean = clean[:limit].rstrip() + "…"
    return clean


def md_escape(text: object, limit: int = 60) -> str:
    """Text safe to place inside Streamlit markdown: every punctuation mark backslash-escaped.

    Links, images, HTML, emoji shortcodes, colour directives and LaTeX all need punctuation, so
    none of them can form.
    """
    return _MD_PUNCTUATION.sub(r"\\\1", printable(text, limit))


def text_of(value: object) -> str:
    """A text field as shown: empty (never "None" or "nan") when the warehouse holds nothing."""
    return "" if is_missing(value) else str(value).strip()


def md(text: object, limit: int = 200) -> str:
    """A name or any other text from the data, escaped for markdown (longer limit than
    :func:`md_escape`'s, for names and titles rather than URL parameters)."""
    return md_escape(text, limit)


_BY_KIND = re.compile(r"\s+by\s+(industry|occupation|sex|age)\b", re.IGNORECASE)


def total_title(title: object) -> str:
    """The title of a breakdown's total: ``Employment by industry`` -> ``Employment, all
    industries`` (the figure is the total, not one industry)."""
    text = str(title)
    match = _BY_KIND.search(text)
    if not match:
        return text
    plural = {"industry": "industries", "occupation": "occupations", "sex": "people",
              "age": "ages"}[match.group(1).lower()]
    return f"{text[:match.start()]}, all {plural}{text[match.end():]}"


def date_text(value: object, *, short: bool = False) -> str:
    """A date as ``26 November 2026`` (``26 Nov 2026`` when short); empty when missing."""
    if is_missing(value):
        return ""
    import pandas as pd

    return pd.Timestamp(value).strftime("%-d %b %Y" if short else "%-d %B %Y")


def date_range_text(values: Iterable[object]) -> str:
    """``24 April 2023 to 26 November 2026``, or one date when they fall on the same day."""
    import pandas as pd

    days = sorted({pd.Timestamp(v).normalize() for v in values if not is_missing(v)})
    if not days:
        return ""
    first, last = date_text(days[0]), date_text(days[-1])
    return first if first == last else f"{first} to {last}"


def publisher_names(publishers: Iterable[object]) -> list[str]:
    """Distinct publishers, a joint credit (``A / B``) counted as each of its parts."""
    names = {part.strip() for p in publishers if not is_missing(p)
             for part in str(p).split("/") if part.strip()}
    return sorted(names)


def licence_name(licence: object) -> str:
    """One spelling per licence (``v.3.0`` and ``v3.0`` are the same OGL)."""
    return re.sub(r"\bv\.\s*(\d)", r"v\1", str(licence)).strip()


def slug(text: object, limit: int = 40) -> str:
    """A file-name-safe lowercase slug."""
    out = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return out[:limit].strip("-") or "all"


def round_to(value: float, step: int) -> int:
    """Round half away from zero to a multiple of ``step``."""
    if step <= 0:
        raise ValueError("step must be positive")
    return int(math.copysign(math.floor(abs(value) / step + 0.5) * step, value))
