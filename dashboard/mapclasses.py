"""What a map's colours and symbols mean: the figures drawn, their classes, colours and symbols,
and the legend.

* Class breaks are fixed per indicator and level across every period loaded (chosen with
  ``mapclassify`` over all periods' figures), so a place's colour compares between years.
* One polarity rule: where the indicator has a polarity (high_is_good / low_is_good), viridis with
  darker = worse; where it has none, a neutral single-hue blue scale with darker = higher. The
  legend says which. Both are colour-blind safe and read in greyscale.
* Counts (people, jobs, adverts, claimants...) are drawn as circles sized by the figure at each
  place, never as a choropleth: a big place would otherwise look "worse" for being big.
* Places without a figure are pale grey and hatched: never a colour of the scale.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import mapclassify
import numpy as np
import pandas as pd

from dashboard.formatting import format_number, format_value, is_missing

MAX_CLASSES = 5

# Viridis sampled at nine points, darkest first: the scale of figures that are better or worse.
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
# ColorBrewer "Blues", palest left out, darkest first: the neutral scale (no better or worse).
BLUES = ("#08306B", "#08519C", "#2171B5", "#4292C6", "#6BAED6", "#9ECAE1", "#C6DBEF")
NO_DATA_FILL = (224, 224, 224, 255)
# Counts: circles in one colour over pale places.
SYMBOL_FILL = (8, 81, 156, 190)  # BLUES[1], translucent so overlapping circles stay readable
SYMBOL_OUTLINE = (255, 255, 255, 255)
COUNT_BASE_FILL = (246, 246, 246, 255)  # a place with a figure, under its circle
COUNT_UNITS = frozenset({"people", "jobs", "adverts", "claimants", "fit notes", "vacancies",
                         "thousand vacancies", "units"})
JUDGED = ("high_is_good", "low_is_good")


def is_count(unit: str) -> bool:
    """Whether figures in ``unit`` are counts (drawn as proportional circles, not colours)."""
    return str(unit).strip().lower() in COUNT_UNITS


def hex_to_rgba(colour: str, alpha: int = 255) -> tuple[int, int, int, int]:
    """``#21918C`` -> ``(33, 145, 140, 255)``."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha


EQUAL_STEPS_UP_TO = 10  # figures; more than this and classes are quantiles


def class_method(n_values: int) -> str:
    """``equal`` steps for a handful of figures (quantiles of six values mostly show noise),
    ``quantile`` for many."""
    return "equal" if n_values <= EQUAL_STEPS_UP_TO else "quantile"


def _finite(values: Sequence[float]) -> np.ndarray:
    vals = np.array([float(v) for v in values if not is_missing(v)], dtype=float)
    return vals[np.isfinite(vals)]


def class_breaks(values: Sequence[float], k: int = MAX_CLASSES, decimals: int = 1) -> list[float]:
    """Class edges (k+1 numbers, lowest to highest, strictly increasing), chosen with
    ``mapclassify``: equal steps across the range for up to ten figures, quantiles beyond.

    Fewer classes when there are fewer distinct values; edges are rounded to the indicator's
    decimals so the legend shows exactly the numbers used.
    """
    vals = _finite(values)
    if vals.size == 0:
        return []
    distinct = np.unique(np.round(vals, decimals))
    k = max(1, min(k, distinct.size))
    if k == 1:
        return [float(distinct[0]), float(distinct[-1])]
    if class_method(vals.size) == "equal":
        upper = mapclassify.EqualInterval(vals, k=k).bins
    else:
        upper = mapclassify.Quantiles(vals, k=k).bins
    step = 10.0 ** (-decimals)
    lo = math.floor(round(vals.min() / step, 6)) * step
    hi = math.ceil(round(vals.max() / step, 6)) * step
    out = [round(lo, decimals)]
    for e in (round(float(b), decimals) for b in upper[:-1]):
        if lo < e < hi and e > out[-1]:
            out.append(e)
    out.append(round(hi, decimals))
    return out


def palette(n_classes: int, polarity: str) -> list[str]:
    """Colours for classes lowest to highest: viridis with darker = worse where the indicator has
    a polarity; the neutral blues with darker = higher where it has none.

    The palest viridis yellow is left out so every class stands apart from the white page.
    """
    if n_classes <= 0:
        return []
    scale = VIRIDIS[:8] if polarity in JUDGED else BLUES
    if n_classes == 1:
        picks = [scale[len(scale) // 2]]
    else:
        picks = [scale[round(i)] for i in np.linspace(0, len(scale) - 1, n_classes)]  # dark first
    return picks if polarity == "high_is_good" else list(reversed(picks))


def darker_means(polarity: str, title: str = "") -> str:
    """The legend's sentence on colour direction."""
    if polarity == "high_is_good":
        return "Darker = worse (lower values)."
    if polarity == "low_is_good":
        return "Darker = worse (higher values)."
    return "Darker = higher values. Blue shades: higher is neither better nor worse."


def class_of(value: float | None, edges: Sequence[float]) -> int | None:
    """Index of the class a value falls in (None for a missing value)."""
    if is_missing(value) or len(edges) < 2:
        return None
    v = float(value)
    for i in range(1, len(edges) - 1):
        if v < edges[i]:
            return i - 1
    return len(edges) - 2


def _span(periods: Sequence[str]) -> str:
    periods = [str(p) for p in periods if not is_missing(p)]
    if len(periods) <= 1:
        return ""
    return f"all {len(periods)} periods loaded ({periods[0]} to {periods[-1]})"


@dataclass
class Classes:
    """Edges, colours and the words for the legend."""

    edges: list[float]
    colours: list[str]
    polarity: str
    unit: str
    decimals: int
    method: str = "quantile"
    span: str = ""  # "all 12 periods loaded (2012 to 2023)" when chosen over several periods

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

    def method_text(self) -> str:
        """How the classes were chosen, for the legend."""
        over = self.span or "the places shown"
        if self.method == "equal":
            text = f"Classes are equal steps across the range of {over}."
        else:
            text = f"Classes split the figures of {over} into groups of similar size."
        if self.span:
            text += " They stay the same in every period, so colours compare between years."
        return text


def classify(values: Sequence[float], polarity: str, unit: str, decimals: int, *,
             over: Sequence[float] | None = None, periods: Sequence[str] = ()) -> Classes:
    """Class breaks and colours for the values on a map: chosen over ``over`` (the figures of
    every period for the same places; the values themselves when not given), so the breaks do
    not move from one period to the next. ``periods``: the periods ``over`` covers, oldest
    first."""
    pool = list(values) if over is None else list(over)
    known = {float(v) for v in pool if not is_missing(v)}
    pool += [v for v in values if not is_missing(v) and float(v) not in known]  # always covered
    edges = class_breaks(pool, MAX_CLASSES, decimals)
    n = max(len(edges) - 1, 0)
    n_values = sum(1 for v in pool if not is_missing(v))
    return Classes(edges, palette(n, polarity), polarity, unit, decimals,
                   class_method(n_values), _span(periods) if over is not None else "")


@dataclass
class Symbols:
    """Proportional circles for counts: area proportional to the figure, the largest figure of
    every period loaded drawn at ``max_px`` radius (so sizes compare between years)."""

    max_value: float
    max_px: float
    unit: str
    decimals: int
    span: str = ""

    def radius(self, value: float | None) -> float:
        """Circle radius in pixels (0 for a missing or non-positive figure)."""
        if is_missing(value) or self.max_value <= 0 or float(value) <= 0:
            return 0.0
        return self.max_px * math.sqrt(float(value) / self.max_value)

    def key_values(self) -> list[float]:
        """Round figures for the legend's circles, largest first."""
        if self.max_value <= 0:
            return []
        top = float(f"{self.max_value:.1g}")
        top = top if top <= self.max_value else top / 2
        return [v for v in (top, top / 4) if v > 0]


def symbols(values: Sequence[float], unit: str, decimals: int, *, max_px: float,
            over: Sequence[float] | None = None, periods: Sequence[str] = ()) -> Symbols:
    """Circle sizes for counts, scaled to the largest figure in ``values`` and ``over``."""
    vals = _finite(list(values) + list(over or []))
    top = float(vals.max()) if vals.size else 0.0
    return Symbols(top, max_px, unit, decimals, _span(periods) if over is not None else "")


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


def _symbol_rows(symbols: Symbols) -> str:
    rows = []
    for value in symbols.key_values():
        d = 2 * symbols.radius(value)
        box = 2 * symbols.max_px
        rows.append(
            f'<div class="gsmw-symbol-row"><span class="gsmw-circle-box" style="width:{box:.0f}px;'
            f'height:{d:.0f}px"><span class="gsmw-circle" style="width:{d:.0f}px;height:{d:.0f}px">'
            f"</span></span><span>{html.escape(format_value(value, symbols.unit, 0))}</span></div>"
        )
    return "".join(rows)


def legend_html(figs: MapFigures, classes: Classes | Symbols, *, n_missing: int, note: str = "",
                unreliable: bool = False) -> str:
    """The legend as HTML: class swatches with ranges and units (or, for counts, circles of
    round figures), the no-figure swatch, what darker means and how the classes were chosen."""
    esc = html.escape
    if isinstance(classes, Symbols):
        rows_html = _symbol_rows(classes)
        over = classes.span or "the places shown"
        how = (f"Counts: each circle's area is proportional to the place's figure, scaled to the "
               f"largest figure of {over}.")
    else:
        rows = [
            f'<div class="gsmw-legend-row"><span class="gsmw-swatch" '
            f'style="background:{colour}"></span><span>{esc(label)}</span></div>'
            for colour, label in zip(classes.colours, classes.labels(), strict=True)
        ]
        rows_html = "".join(reversed(rows))  # highest values at the top
        how = f"{darker_means(classes.polarity)} {classes.method_text()}"
    nodata = (
        '<div class="gsmw-legend-row"><span class="gsmw-swatch gsmw-nodata"></span>'
        f"<span>No figure{esc(f' ({n_missing})' if n_missing else '')}</span></div>"
    )
    extra = ""
    if unreliable:
        extra += "<div>* unreliable estimate (small sample)</div>"
    if note:
        extra += f"<div>{esc(note)}</div>"
    fill = "rgba({},{},{},{:.2f})".format(*SYMBOL_FILL[:3], SYMBOL_FILL[3] / 255)
    return (
        "<style>.gsmw-legend{font-size:0.9rem;line-height:1.35;color:#111;}"
        ".gsmw-legend-row,.gsmw-symbol-row{display:flex;align-items:center;gap:0.5rem;"
        "margin:2px 0;}"
        ".gsmw-swatch{display:inline-block;width:1.6rem;height:1rem;border:1px solid #555;"
        "flex:none;}"
        ".gsmw-circle-box{display:inline-flex;justify-content:center;align-items:center;"
        "flex:none;}"
        f".gsmw-circle{{display:inline-block;border-radius:50%;background:{fill};"
        "border:1px solid #fff;box-shadow:0 0 0 1px #08519c;}"
        ".gsmw-nodata{background:repeating-linear-gradient(45deg,#e0e0e0 0,#e0e0e0 3px,"
        "#6e6e6e 3px,#6e6e6e 4px);}"
        ".gsmw-legend-note{color:#333;margin-top:0.4rem;font-size:0.85rem;}</style>"
        f'<div class="gsmw-legend" role="group" aria-label="Map legend">'
        f"<div><b>{esc(figs.title)}</b></div>"
        f"<div>{esc(figs.unit_label)}</div>"
        f"{rows_html}{nodata}"
        f'<div class="gsmw-legend-note">{esc(how)}{extra}</div></div>'
    )
