"""Indicators a file defines for itself. An ONS Explore Local Statistics indicator the catalogue
does not know still loads, as ``els_<slug>``, with the title, unit and caveats its file gives;
a Nomis APS table download with no indicator of its own loads as counts, ``aps_<table>``."""

from __future__ import annotations

import re
from dataclasses import replace

from etl.catalogue import Catalogue, Indicator, Recipe
from etl.extract import Extract
from etl.records import normalise_label

ELS_DATASET = "ons_local_indicators"
APS_TABLES = "aps_tables"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]


def _unit(info: dict) -> tuple[str, str]:
    """(unit, unit label) from what an ELS file says of an indicator."""
    unit = str(info.get("unit") or info.get("suffix") or "").strip()
    label = str(info.get("subText") or info.get("subtitle") or unit).strip()
    if "%" in unit or unit.lower().startswith("percent"):
        return "%", label or "%"
    if unit in ("£", "Pounds", "pounds", "GBP"):
        return "£", label or "£"
    low = unit.lower()
    if low.startswith("rate per "):
        return "per " + low.removeprefix("rate per ").split(" ")[0], label
    return low or "value", label or low or "value"


def _polarity(raw: object) -> str:
    text = str(raw or "").lower()
    if "high" in text or "positive" in text:
        return "high_is_good"
    if "low" in text or "negative" in text:
        return "low_is_good"
    return "none"


def _decimals(raw: object) -> int:
    try:
        return max(0, min(int(raw), 3))
    except (TypeError, ValueError):
        return 1


def els_indicators(extracts: list[Extract], cat: Catalogue) -> tuple[Catalogue, list[str]]:
    """The catalogue with an ``els_<slug>`` indicator for every ELS category no recipe reads."""
    read = {
        normalise_label(label)
        for ind in cat.indicators.values()
        for recipe in ind.recipes
        if recipe.dataset == ELS_DATASET
        for label in recipe.labels()
    }
    new: dict[str, Indicator] = {}
    notes = []
    for ex in extracts:
        if ex.dataset != ELS_DATASET:
            continue
        for category in dict.fromkeys(ex.records["category"].astype(str)):
            if normalise_label(category) in read:
                continue
            key = f"els_{slug(category)}"
            if key in new or key in cat.indicators:
                continue
            info = ex.indicator_meta.get(category, {})
            unit, unit_label = _unit(info)
            described = [str(info[k]) for k in ("subtitle", "longDescription") if info.get(k)]
            new[key] = Indicator(
                id=key,
                title=str(info.get("label") or category),
                unit=unit,
                unit_label=unit_label,
                decimals=_decimals(info.get("decimalPlaces")),
                polarity=_polarity(info.get("polarity")),
                challenges=(),
                levels=("lad", "region", "country"),
                aggregate="none",
                description=" ".join(described) or f"{category}, as ONS Explore Local Statistics "
                "publishes it.",
                caveats=str(info.get("caveats") or ""),
                recipes=(Recipe(dataset=ELS_DATASET, category=category),),
            )
            notes.append(
                f"{ex.origin}: the ONS Explore Local Statistics indicator {category!r} is not in "
                f"the catalogue; loaded as {key} with the metadata its file gives"
            )
    if not new:
        return cat, notes
    return replace(cat, indicators={**cat.indicators, **new}), notes


def aps_table_indicators(extracts: list[Extract], cat: Catalogue) -> tuple[Catalogue, list[str]]:
    """The catalogue with an ``aps_<table>`` count indicator for each APS table read generically
    (its records' category is the table id; each column is a breakdown)."""
    new: dict[str, Indicator] = {}
    notes = []
    for ex in extracts:
        if ex.dataset != APS_TABLES:
            continue
        for table in dict.fromkeys(ex.records["category"].astype(str)):
            key = f"aps_{slug(table)}"
            if key in new or key in cat.indicators:
                continue
            new[key] = Indicator(
                id=key,
                title=f"Annual Population Survey table {table}",
                unit="people",
                unit_label="residents (counts as published)",
                decimals=0,
                polarity="none",
                challenges=(),
                levels=("lad", "partnership", "region", "country"),
                aggregate="sum",
                description=f"The counts of Nomis APS table {table} as published, one breakdown "
                "per column of the download.",
                caveats="Annual Population Survey counts, rounded to the nearest hundred, with "
                "wide local confidence intervals.",
                recipes=(Recipe(dataset=APS_TABLES, category=table),),
            )
            notes.append(
                f"{ex.origin}: APS table {table} has no indicator of its own; loaded as counts "
                f"under {key}"
            )
    if not new:
        return cat, notes
    return replace(cat, indicators={**cat.indicators, **new}), notes
