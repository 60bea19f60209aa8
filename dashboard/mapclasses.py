"""What a map's colours mean: the figures drawn, their classes and viridis colours, and the legend.

* Colours come from viridis (colour-blind safe, readable in greyscale), computed here in Python
  from class breaks so the legend and the map cannot disagree.
* Darker always means worse where the indicator has a polarity (lower employment, higher
  inactivity); where it has none, darker means higher. The legend says which.
* Places without a figure are pale grey (hatched on the map): never a colour of the scale.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.formatting import format_number, format_value, is_missing

MAX_CLASSES = 5

# Viridis sampled at nine points, darkest first.
VIRIDIS = (
    "#440154",
    "#472D7B",
    "#3B528B",
    "#2C728E",
    "#21918C",
    "#28AE80",
    "#5EC962",
    "#ADDC30",
    "#FDE725",
)
NO_DATA_FILL = (224, 224, 224, 255)


def hex_to_rgba(colour: str, alpha: int = 255) -> tuple[int, int, int, int]:
    """``#21918C`` -> ``(33, 145, 140, 255)``."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha


EQUAL_STEPS_UP_TO = 10  # places; more than this and classes are quantiles


def class_method(n_values: int) -> str:
    """``equal`` steps for a handful of places (quantiles of six values mostly show noise),
    ``quantile`` for many."""
    return "equal" if n_values <= EQUAL_STEPS_UP_TO else "quantile"


def class_breaks(values: Sequence[float], k: int = MAX_CLASSES, decimals: int = 1) -> list[float]:
    """Class edges (k+1 numbers, lowest to highest, strictly increasing).

    Equal steps across the range for up to ten places, quantiles beyond. Fewer classes when
    there are fewer distinct values; edges are rounded to the indicator's decimals so the legend
    shows exactly the numbers used.
    """
    vals = np.array([float(v) for v in values if not is_missing(v)], dtype=float)
    if vals.size == 0:
        return []
    distinct = np.unique(np.round(vals, decimals))
    k = max(1, min(k, distinct.size))
    if k == 1:
        return [float(distinct[0]), float(distinct[-1])]
    if class_method(vals.size) == "equal":
        edges = np.linspace(vals.min(), vals.max(), k + 1)
    else:
        edges = np.quantile(vals, np.linspace(0, 1, k + 1))
    step = 10.0 ** (-decimals)
    lo = math.floor(vals.min() / step) * step
    hi = math.ceil(vals.max() / step) * step
    inner = [round(float(e), decimals) for e in edges[1:-1]]
    out = [round(lo, decimals)]
    for e in inner:
        if lo < e < hi and e > out[-1]:
            out.append(e)
    out.append(round(hi, decimals))
    return out


def palette(n_classes: int, polarity: str) -> list[str]:
    """Colours for classes lowest to highest; darker = worse (or higher when no polarity).

    The palest viridis yellow is left out so every class stands apart from the white page.
    """
    if n_classes <= 0:
        return []
    if n_classes == 1:
        picks = [VIRIDIS[4]]
    else:
        picks = [VIRIDIS[round(i)] for i in np.linspace(0, 7, n_classes)]  # dark -> light
    return picks if polarity == "high_is_good" else list(reversed(picks))


def darker_means(polarity: str, title: str = "") -> str:
    """The legend's sentence on colour direction."""
    if polarity == "high_is_good":
        return "Darker = worse (lower values)."
    if polarity == "low_is_good":
        return "Darker = worse (higher values)."
    return "Darker = higher values (no better or worse judgement)."


def class_of(value: float | None, edges: Sequence[float]) -> int | None:
    """Index of the class a value falls in (None for a missing value)."""
    if is_missing(value) or len(edges) < 2:
        return None
    v = float(value)
    for i in range(1, len(edges) - 1):
        if v < edges[i]:
            return i - 1
    return len(edges) - 2


@dataclass
class Classes:
    """Edges, colours and the words for the legend."""

    edges: list[float]
    colours: list[str]
    polarity: str
    unit: str
    decimals: int
    method: str = "quantile"

    def colour_of(self, value: float | None) -> tuple[int, int, int, int]:
        idx = class_of(value, self.edges)
        if idx is None:
            return NO_DATA_FILL
        return hex_to_rgba(self.colours[idx], 235)

    def labels(self) -> list[str]:
        out = []
        for i in range(len(self.edges) - 1):
            lo = format_number(self.edges[i], self.decimals)
            hi = format_value(self.edges[i + 1], self.unit, self.decimals)
            out.append(f"{lo} to {hi}" if lo != format_number(self.edges[i + 1], self.decimals)
                       else hi)
        return out


def classify(values: Sequence[float], polarity: str, unit: str, decimals: int) -> Classes:
    """Class breaks and colours for the values on a map."""
    edges = class_breaks(values, MAX_CLASSES, decimals)
    n = max(len(edges) - 1, 0)
    n_values = sum(1 for v in values if not is_missing(v))
    return Classes(edges, palette(n, polarity), polarity, unit, decimals,
                   class_method(n_values))


@dataclass
class MapFigures:
    """The figures drawn: one row per place (area_code, value, CI, period, status, badge)."""

    rows: pd.DataFrame
    unit: str
    decimals: int
    polarity: str
    title: str
    unit_label: str
    badges: dict[str, str] = field(default_factory=dict)  # area_code -> "BLMK-wide"


def legend_html(figs: MapFigures, classes: Classes, *, n_missing: int, note: str = "",
                unreliable: bool = False) -> str:
    """The legend as HTML: class swatches with ranges and units, no-figure swatch, direction."""
    esc = html.escape
    rows = []
    for colour, label in zip(classes.colours, classes.labels(), strict=True):
        rows.append(
            f'<div class="gsmw-legend-row"><span class="gsmw-swatch" '
            f'style="background:{colour}"></span><span>{esc(label)}</span></div>'
        )
    rows_html = "".join(reversed(rows))  # highest values at the top
    method = ("Classes are equal steps across the range of the places shown."
              if classes.method == "equal"
              else "Classes split the places shown into groups of similar size.")
    nodata = (
        '<div class="gsmw-legend-row"><span class="gsmw-swatch gsmw-nodata"></span>'
        f"<span>No figure{esc(f' ({n_missing})' if n_missing else '')}</span></div>"
    )
    extra = ""
    if unreliable:
        extra += "<div>* unreliable estimate (small sample)</div>"
    if note:
        extra += f"<div>{esc(note)}</div>"
    return (
        "<style>.gsmw-legend{font-size:0.9rem;line-height:1.35;color:#111;}"
        ".gsmw-legend-row{display:flex;align-items:center;gap:0.5rem;margin:2px 0;}"
        ".gsmw-swatch{display:inline-block;width:1.6rem;height:1rem;border:1px solid #555;"
        "flex:none;}"
        ".gsmw-nodata{background:repeating-linear-gradient(45deg,#e0e0e0 0,#e0e0e0 3px,"
        "#6e6e6e 3px,#6e6e6e 4px);}"
        ".gsmw-legend-note{color:#333;margin-top:0.4rem;font-size:0.85rem;}</style>"
        f'<div class="gsmw-legend" role="group" aria-label="Map legend">'
        f"<div><b>{esc(figs.title)}</b></div>"
        f"<div>{esc(figs.unit_label)}</div>"
        f"{rows_html}{nodata}"
        f'<div class="gsmw-legend-note">{esc(darker_means(classes.polarity))} '
        f"{esc(method)}{extra}</div></div>"
    )
