"""Standard classifications the sources and the pages share: SOC occupation groups by name and
code (SOC 2010 in APS tables before 2021, SOC 2020 since)."""

from __future__ import annotations

# SOC 2010 sub-major groups (breakdown ``soc2010:<code>``).
SOC2010_GROUPS: dict[str, str] = {
    "11": "Corporate managers and directors",
    "12": "Other managers and proprietors",
    "21": "Science, research, engineering and technology professionals",
    "22": "Health professionals",
    "23": "Teaching and educational professionals",
    "24": "Business, media and public service professionals",
    "31": "Science, engineering and technology associate professionals",
    "32": "Health and social care associate professionals",
    "33": "Protective service occupations",
    "34": "Culture, media and sports occupations",
    "35": "Business and public service associate professionals",
    "41": "Administrative occupations",
    "42": "Secretarial and related occupations",
    "51": "Skilled agricultural and related trades",
    "52": "Skilled metal, electrical and electronic trades",
    "53": "Skilled construction and building trades",
    "54": "Textiles, printing and other skilled trades",
    "61": "Caring personal service occupations",
    "62": "Leisure, travel and related personal service occupations",
    "71": "Sales occupations",
    "72": "Customer service occupations",
    "81": "Process, plant and machine operatives",
    "82": "Transport and mobile machine drivers and operatives",
    "91": "Elementary trades and related occupations",
    "92": "Elementary administration and service occupations",
}


# SOC 2020 sub-major groups (breakdown ``soc:<code>``): SOC 2010's, one renamed and one added.
SOC2020_SUB_MAJOR: dict[str, str] = {
    **SOC2010_GROUPS,
    "23": "Teaching and other educational professionals",
    "63": "Community and civil enforcement occupations",
}
SOC2020_SUB_MAJOR = dict(sorted(SOC2020_SUB_MAJOR.items()))


# SOC 2020 major groups (breakdown ``soc:<digit>``): each unit group's code starts with its digit.
SOC2020_MAJOR: dict[str, str] = {
    "1": "Managers, directors and senior officials",
    "2": "Professional occupations",
    "3": "Associate professional occupations",
    "4": "Administrative and secretarial occupations",
    "5": "Skilled trades occupations",
    "6": "Caring, leisure and other service occupations",
    "7": "Sales and customer service occupations",
    "8": "Process, plant and machine operatives",
    "9": "Elementary occupations",
}

# Health and care occupations (breakdown ``soc:health_care``): SOC 2020 sub-major groups 22
# (health professionals) and 32 (health and social care associate professionals) and minor group
# 613 (caring personal services), by the code prefix of their unit groups.
HEALTH_CARE_SOC2020: tuple[str, ...] = ("22", "32", "613")

# SOC 2020 unit groups the pages name (breakdown ``soc:<4 digits>``).
SOC2020_UNIT_GROUPS: dict[str, str] = {
    "6131": "Nursing auxiliaries and assistants",
    "6135": "Care workers and home carers",
    "6136": "Senior care workers",
    "2134": "Programmers and software development professionals",
}


def _loose(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def soc_code(name: str, version: int) -> str | None:
    """The SOC ``version`` (2010 or 2020) sub-major group code of a group name, ignoring case
    and punctuation; None for a name that is not one."""
    groups = SOC2010_GROUPS if version == 2010 else SOC2020_SUB_MAJOR
    key = _loose(name)
    return next((code for code, label in groups.items() if _loose(label) == key), None)
