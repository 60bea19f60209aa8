"""The place profile for board papers: a valid A4 PDF of one or two pages and a PNG of the
promised size, both holding the figures of the profile page."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from dashboard import profile as prof
from dashboard import profilepdf, queries
from dashboard.profileview import document, with_neighbours
from tests.test_app_pages import (
    PARTNERSHIP,
    pct,
    sample_app,  # noqa: F401  (fixture)
    sample_geometry,  # noqa: F401  (fixture)
    sample_warehouse,  # noqa: F401  (fixture)
    values_for,
)

pytestmark = pytest.mark.usefixtures("sample_app")
A4_POINTS = (595.44, 841.68)  # 210 x 297 mm


def _doc(code: str) -> profilepdf.ProfileDoc:
    """The document the profile page would export for ``code``."""
    areas = queries.areas()
    names = dict(zip(areas["area_code"], areas["display_name"], strict=True))
    p = prof.place(code, areas, queries.subicb_members(), PARTNERSHIP)
    obs = queries.area_observations(tuple(dict.fromkeys([p.code, *p.chain,
                                                         *(c for _, c in p.comparators)])))
    p, obs, names, group = with_neighbours(p, obs, names)
    table = prof.profile(p, obs, queries.indicators(), names)
    build = queries.info()
    return document(p, table[table["covers"] == ""], table[table["covers"] != ""], obs, names,
                    group, build)


def _pages(pdf: bytes) -> list[tuple[float, float]]:
    """The size in points of each page of a PDF (matplotlib writes its dictionaries as text)."""
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    boxes = re.findall(rb"/Type /Page\b[^>]*?/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", pdf)
    count = re.findall(rb"/Type /Pages /Kids \[[^\]]*\] /Count (\d+)", pdf)
    assert count and int(count[0]) == len(boxes)
    return [(float(w), float(h)) for w, h in boxes]


def test_the_profile_pdf_is_one_or_two_a4_pages_of_the_profiles_figures():
    doc = _doc("E06000032")
    pdf = profilepdf.profile_pdf(doc)
    pages = _pages(pdf)
    assert 1 <= len(pages) <= 2
    assert all(p == pytest.approx(A4_POINTS) for p in pages)
    # What it draws: each figure with its interval and verdicts, from the warehouse.
    headers, _, cells = profilepdf._figure_rows(doc)
    assert headers[:4] == ["Indicator", "Period", "Luton", "95% CI"]
    assert "vs England" in headers and "vs Places like Luton" in headers
    emp = next(c for c in cells if c[0] == "Employment rate, aged 16 to 64")
    r = values_for(queries.db.warehouse_path(), "employment_rate_16_64", emp[1],
                   ["E06000032", "E92000001"]).set_index("area_code")
    assert emp[2] == pct(r.loc["E06000032", "value"])
    assert emp[3] == (f"{r.loc['E06000032', 'ci_lower']:.1f} to "
                      f"{pct(r.loc['E06000032', 'ci_upper'])}")
    eng = r.loc["E92000001", "value"]
    lo, hi = r.loc["E06000032", "ci_lower"], r.loc["E06000032", "ci_upper"]
    word = "Better" if lo > eng else "Worse" if hi < eng else "Similar"
    than = "Similar to" if word == "Similar" else f"{word} than"
    assert cells[cells.index(emp)][5 + headers[5:].index("vs England")] == f"{than} {pct(eng)}"
    assert profilepdf.trend_ids(doc)[0] == "employment_rate_16_64"  # a trend chart is drawn
    assert doc.is_sample and doc.sources


def test_the_main_chart_png_is_the_promised_size():
    png = profilepdf.main_chart_png(_doc("E06000032"))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == profilepdf.PNG_SIZE == (1600, 1000)


def test_a_profile_with_more_rows_than_two_pages_hold_stops_at_two():
    doc = _doc("E06000032")
    doc.table = doc.table.loc[doc.table.index.repeat(8)].reset_index(drop=True)  # ~100 rows
    assert len(_pages(profilepdf.profile_pdf(doc))) == 2
