"""A place profile for board papers: an A4 PDF of one or two pages, and a PNG of its main chart.

Drawn on the server with matplotlib (no browser, no WebGL): the headline figures with their 95%
confidence intervals and verdicts, the change on a year earlier, trend charts, the figures
published only for a wider area (under that area's name), and the sources with their dates.
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass, field

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.dates import DateFormatter, MonthLocator, YearLocator
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter, ScalarFormatter

from dashboard.charts import SERIES_COLOURS
from dashboard.display import versus_text
from dashboard.formatting import format_ci, format_value, is_missing, total_title

A4 = (8.27, 11.69)  # inches, portrait
MARGIN = 0.55  # inches
PNG_SIZE = (1600, 1000)  # pixels: the main chart
PNG_DPI = 200
MAX_PAGES = 2
FONT = {"pdf.fonttype": 42, "font.family": "DejaVu Sans", "font.size": 8}
INK, GREY, RULE = "#111111", "#555555", "#CCCCCC"


@dataclass
class ProfileDoc:
    """What the export shows: the place, its profile rows and what they rest on."""

    name: str  # the place
    description: str  # "Local authority (East of England)"
    table: pd.DataFrame  # profile rows of its own figures (dashboard.profile.profile)
    comparators: list[tuple[str, str]]  # (role, name) in the profile's order
    series: pd.DataFrame  # query rows, every period, of the place and its comparators
    names: dict[str, str]  # area code -> name
    codes: list[str] = field(default_factory=list)  # the place, then its comparators
    wider: pd.DataFrame = field(default_factory=pd.DataFrame)  # rows of a wider area's figures
    sources: list[str] = field(default_factory=list)  # one line per source, with its date
    chart_sources: dict[str, str] = field(default_factory=dict)  # indicator id -> its sources
    notes: list[str] = field(default_factory=list)  # method and caveat lines
    built: str = ""  # "4 December 2026"
    is_sample: bool = False
    target: dict[str, float] = field(default_factory=dict)  # indicator id -> a reference line


# ---------------------------------------------------------------------------------------------
# The PDF
# ---------------------------------------------------------------------------------------------


class _Pages:
    """A cursor down A4 pages (inches from the top), starting a new page when one is full."""

    def __init__(self, pdf: PdfPages, doc: ProfileDoc) -> None:
        self.pdf, self.doc, self.fig, self.y, self.n = pdf, doc, None, 0.0, 0
        self.full = False

    def new(self) -> bool:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
        if self.n >= MAX_PAGES:
            self.fig, self.full = None, True
            return False
        self.n += 1
        self.fig = Figure(figsize=A4)
        self.y = MARGIN
        foot = (f"Get South Midlands Working · place profile of {self.doc.name} · page "
                f"{self.n}")
        self.text(A4[0] - MARGIN, A4[1] - 0.35, foot, size=6.5, colour=GREY, ha="right")
        return True

    def room(self, height: float) -> bool:
        """True when ``height`` inches fit on this page (else a new page, if any is left)."""
        if self.fig is not None and self.y + height <= A4[1] - MARGIN:
            return True
        return self.new() and self.y + height <= A4[1] - MARGIN

    def text(self, x: float, y: float, s: str, *, size: float = 8, colour: str = INK,
             weight: str = "normal", ha: str = "left") -> None:
        self.fig.text(x / A4[0], 1 - y / A4[1], s, fontsize=size, color=colour,
                      fontweight=weight, ha=ha, va="top")

    def line(self, y: float) -> None:
        self.fig.add_artist(Line2D(
            [MARGIN / A4[0], 1 - MARGIN / A4[0]], [1 - y / A4[1]] * 2, color=RULE,
            linewidth=0.5))

    def paragraph(self, s: str, *, size: float = 8, colour: str = INK, weight: str = "normal",
                  width: int = 120, gap: float = 0.06) -> None:
        lines = textwrap.wrap(s, width) or [""]
        height = len(lines) * size * 1.35 / 72
        if self.room(height + gap):
            self.text(MARGIN, self.y, "\n".join(lines), size=size, colour=colour, weight=weight)
            self.y += height + gap


VERDICT_WORDS = ("Better", "Worse", "Similar", "Higher", "Lower")


def _verdicts(row: pd.Series, comparators: list[tuple[str, str]]) -> list[str]:
    """Against each comparator: the verdict with its figure (``Worse than 76.0%``), or its
    figure alone where there is no verdict."""
    out = []
    for role, _ in comparators:
        word = getattr(row.get(f"{role}_verdict"), "short", "")
        out.append(versus_text(word if word in VERDICT_WORDS else "", row.get(f"{role}_value"),
                               row["unit"], int(row["decimals"])))
    return out


def _figure_rows(doc: ProfileDoc) -> tuple[list[str], list[float], list[list[str]]]:
    """Headers, column widths (inches) and cells of the headline table."""
    headers = ["Indicator", "Period", doc.name, "95% CI", "Change on a year earlier",
               *(f"vs {name}" for _, name in doc.comparators)]
    n_comp = len(doc.comparators)
    usable = A4[0] - 2 * MARGIN
    fixed = [0.7, 0.62, 0.74, 0.95, *([0.68] * n_comp)]
    widths = [usable - sum(fixed), *fixed]
    cells = []
    for _, r in doc.table.iterrows():
        cells.append([
            total_title(r["title"]), str(r["period"]),
            format_value(r["value"], r["unit"], int(r["decimals"])),
            format_ci(r["ci_lower"], r["ci_upper"], r["unit"], int(r["decimals"])),
            getattr(r.get("change"), "short", "") or "",
            *_verdicts(r, doc.comparators),
        ])
    return headers, widths, cells


def _table(pages: _Pages, headers: list[str], widths: list[float], cells: list[list[str]],
           size: float = 6.8) -> int:
    """Draw a table down the pages (its headers again at the top of a new page); the number of
    rows that fitted."""
    char_in = size * 0.6 / 72  # a wide character's width, inches (DejaVu Sans)

    def measure(row: list[str], bold: bool = False) -> tuple[list[list[str]], float]:
        per = char_in * (1.15 if bold else 1)
        parts = [textwrap.wrap(str(c), max(4, int((w - 0.05) / per))) or [""]
                 for c, w in zip(row, widths, strict=True)]
        return parts, max(len(p) for p in parts) * size * 1.3 / 72 + 0.05

    def draw(parts: list[list[str]], height: float, bold: bool = False) -> None:
        x = MARGIN
        for p, w in zip(parts, widths, strict=True):
            pages.text(x, pages.y, "\n".join(p), size=size, weight="bold" if bold else "normal",
                       colour=GREY if bold else INK)
            x += w
        pages.y += height
        pages.line(pages.y - 0.025)

    head, head_height = measure(headers, bold=True)
    page, done = None, 0
    for row in cells:
        parts, height = measure(row)
        if not pages.room(height + (head_height if pages.n != page else 0)):
            break
        if pages.n != page:
            draw(head, head_height, bold=True)
            page = pages.n
        draw(parts, height)
        done += 1
    return done


def _trend(ax, doc: ProfileDoc, indicator_id: str, *, small: bool) -> None:
    """Lines over time for the place and its comparators, the place's 95% CI shaded."""
    rows = doc.series[doc.series["indicator_id"] == indicator_id].copy()
    rows["period_end"] = pd.to_datetime(rows["period_end"])
    meta = rows.iloc[0]
    held = set(rows["area_code"])
    order = [c for c in dict.fromkeys([*doc.codes, *rows["area_code"]]) if c in held]
    place = order[0]
    slots = {c: i for i, c in enumerate(dict.fromkeys([*doc.codes, *order]))}
    for code in order:
        line = rows[rows["area_code"] == code].sort_values("period_end")
        colour = SERIES_COLOURS[slots[code] % len(SERIES_COLOURS)]  # one colour per area
        if code == place and line["ci_lower"].notna().any():
            ax.fill_between(line["period_end"], line["ci_lower"], line["ci_upper"],
                            color=colour, alpha=0.15, linewidth=0)
        ax.plot(line["period_end"], line["value"], color=colour, linewidth=2 if code == place
                else 1.3, marker="o", markersize=2.5 if small else 4,
                label=doc.names.get(code, code))
    if indicator_id in doc.target:
        ax.axhline(doc.target[indicator_id], color="#444444", linestyle="--", linewidth=1)
        ax.text(ax.get_xlim()[1], doc.target[indicator_id], f"{doc.target[indicator_id]:g}% "
                "aspiration ", va="top", ha="right", fontsize=6.5 if small else 9,
                color="#444444")
    _date_axis(ax, rows["period_end"], 5 if small else 8)
    title = f"{total_title(meta['indicator_title'])}"
    ax.set_title("\n".join(textwrap.wrap(title, 48 if small else 80)), loc="left",
                 fontsize=8 if small else 13, color=INK)
    ax.set_ylabel("\n".join(textwrap.wrap(str(meta["unit_label"]), 34 if small else 60)),
                  fontsize=6.5 if small else 10, color=GREY)
    ax.tick_params(labelsize=6.5 if small else 10, colors="#333333")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.6)
    ax.legend(fontsize=6 if small else 9, frameon=False, loc="upper left",
              bbox_to_anchor=(0, -0.12), ncol=2)


def _date_axis(ax, ends: pd.Series, ticks: int) -> None:
    """Years (every n-th, so about ``ticks`` labels) on a long series; months on one of under
    three years (monthly fit notes)."""
    span = (ends.max() - ends.min()).days / 365.25 if len(ends) else 0
    if span >= 3:
        ax.xaxis.set_major_locator(YearLocator(max(1, math.ceil(span / ticks))))
        ax.xaxis.set_major_formatter(DateFormatter("%Y"))
    else:
        ax.xaxis.set_major_locator(MonthLocator(interval=max(1, math.ceil(span * 12 / ticks))))
        ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))


def trend_ids(doc: ProfileDoc) -> list[str]:
    """Indicators of the place's own with more than one period, in the profile's order."""
    return [r.indicator_id for r in doc.table.itertuples(index=False) if r.n_periods > 1
            and (doc.series["indicator_id"] == r.indicator_id).any()]


def profile_pdf(doc: ProfileDoc) -> bytes:
    """The profile as an A4 PDF of one or two pages."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(FONT), PdfPages(buffer, metadata={
            "Title": f"Place profile: {doc.name}", "Creator": "Get South Midlands Working"}) as pdf:
        pages = _Pages(pdf, doc)
        pages.new()
        pages.paragraph(f"Place profile: {doc.name}", size=17, weight="bold", gap=0.1)
        pages.paragraph(doc.description, size=9, colour=GREY, gap=0.02)
        if doc.built:
            pages.paragraph(f"Get South Midlands Working labour market dashboard. Figures as "
                            f"loaded on {doc.built}.", size=7.5, colour=GREY)
        if doc.is_sample:
            pages.paragraph("SAMPLE DATA: invented figures for trying the dashboard, not "
                            "statistics.", size=9, colour="#B00020", weight="bold")
        pages.y += 0.08
        pages.paragraph("Headline figures", size=11, weight="bold")
        comps = ", ".join(name for _, name in doc.comparators)
        pages.paragraph(f"Each figure against {comps} for the same period. Better, worse, higher "
                        "or lower only where the place's 95% confidence interval lies wholly on "
                        "one side of the comparator's figure (Worse than 76.0%: worse than the "
                        "comparator's 76.0%; a figure alone: no interval, so no verdict); a "
                        "change on a year earlier is called improved or worsened only beyond "
                        "both years' sampling error.",
                        size=7, colour=GREY, width=150)
        headers, widths, cells = _figure_rows(doc)
        drawn = _table(pages, headers, widths, cells)
        if drawn < len(cells) and not pages.full:
            pages.paragraph(f"{len(cells) - drawn} more indicators are on the dashboard.",
                            size=7, colour=GREY)
        if not doc.wider.empty and pages.room(0.6):
            pages.y += 0.08
            for area, grp in doc.wider.groupby("covers_name", sort=False):
                pages.paragraph(f"Published only for {area}, not for {doc.name}", size=10,
                                weight="bold")
                _table(pages, ["Indicator", "Period", str(area), "95% CI"],
                       [A4[0] - 2 * MARGIN - 2.6, 0.8, 0.9, 0.9],
                       [[total_title(r["title"]), str(r["period"]),
                         format_value(r["value"], r["unit"], int(r["decimals"])),
                         format_ci(r["ci_lower"], r["ci_upper"], r["unit"], int(r["decimals"]))]
                        for _, r in grp.iterrows()])
        charts = trend_ids(doc)[:4]
        for i in range(0, len(charts), 2):
            if not pages.room(2.3 + (0.3 if i == 0 else 0)):
                break
            if i == 0:
                pages.y += 0.1
                pages.paragraph("Trends", size=11, weight="bold")
            for col, ind in enumerate(charts[i:i + 2]):
                left = MARGIN + 0.45 + col * (A4[0] - 2 * MARGIN) / 2
                ax = pages.fig.add_axes([left / A4[0], 1 - (pages.y + 1.6) / A4[1],
                                         2.9 / A4[0], 1.4 / A4[1]])
                _trend(ax, doc, ind, small=True)
            pages.y += 2.3
        if pages.room(0.5):
            pages.paragraph("Sources", size=11, weight="bold")
            for line in [*doc.sources, *doc.notes]:
                pages.paragraph(line, size=7, colour=GREY, width=150, gap=0.03)
            pages.paragraph("Source: Office for National Statistics and other publishers "
                            "licensed under the Open Government Licence v3.0.", size=7,
                            colour=GREY, width=150)
        if pages.fig is not None:
            pdf.savefig(pages.fig)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# The PNG of the main chart
# ---------------------------------------------------------------------------------------------


def main_chart_png(doc: ProfileDoc) -> bytes:
    """The profile's main chart as a PNG of :data:`PNG_SIZE` pixels: the trend of its first
    indicator with more than one period (the employment rate where there is one), else its own
    figures beside its comparators'."""
    width, height = PNG_SIZE
    with matplotlib.rc_context(FONT):
        fig = Figure(figsize=(width / PNG_DPI, height / PNG_DPI), dpi=PNG_DPI)
        FigureCanvasAgg(fig)
        ids = trend_ids(doc)
        ax = fig.add_axes([0.1, 0.3, 0.86, 0.56])
        if ids:
            _trend(ax, doc, ids[0], small=False)
            ax.set_title("", loc="left")  # the figure title above names it
            ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(0, -0.1),
                      ncol=3)
            shown = doc.series[doc.series["indicator_id"] == ids[0]]
            title = f"{doc.name}: {total_title(shown['indicator_title'].iloc[0])}"
            what = "Lines: the figure each period; shaded: its 95% confidence interval."
            sources = doc.chart_sources.get(ids[0], "")
        else:
            ax.set_position([0.3, 0.3, 0.66, 0.55])  # room for the indicators' names
            _bars(ax, doc)
            title = f"{doc.name} beside {', '.join(name for _, name in doc.comparators)}"
            what = "Figures for the latest period."
            sources = " ".join(doc.chart_sources.get(i, "") for i in doc.table["indicator_id"][:5])
        fig.text(0.1, 0.965, title, fontsize=13, fontweight="bold", va="top", color=INK)
        fig.text(0.1, 0.915, doc.description, fontsize=8.5, va="top", color=GREY)
        fig.text(0.1, 0.03, "\n".join(textwrap.wrap(f"{what} {sources}", 150)), fontsize=6.5,
                 color=GREY, va="bottom")
        if doc.is_sample:
            fig.text(0.96, 0.965, "SAMPLE DATA: invented figures", fontsize=9, color="#B00020",
                     ha="right", va="top", fontweight="bold")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=PNG_DPI)
    return buffer.getvalue()


def _bars(ax, doc: ProfileDoc) -> None:
    """The place's own percentage figures beside its comparators', grouped by indicator."""
    rows = doc.table[doc.table["unit"] == "%"].head(5)
    if rows.empty:
        rows = doc.table.head(5)
    groups = [(doc.name, "value")] + [(name, f"{role}_value") for role, name in doc.comparators]
    n = len(groups)
    for g, (label, col) in enumerate(groups):
        values = [float(v) if not is_missing(v) else float("nan") for v in rows[col]]
        ax.barh([i + g / (n + 1) for i in range(len(rows))], values, height=1 / (n + 1),
                color=SERIES_COLOURS[g % len(SERIES_COLOURS)], label=label)
    ax.set_yticks([i + (n - 1) / (2 * (n + 1)) for i in range(len(rows))])
    ax.set_yticklabels(["\n".join(textwrap.wrap(total_title(t), 30)) for t in rows["title"]],
                       fontsize=7.5)
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0) if set(rows["unit"]) == {"%"}
                                 else ScalarFormatter())
    ax.invert_yaxis()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(0, -0.08), ncol=4)
